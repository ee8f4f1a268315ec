"""The kinds of disguise a corpus written without the engine exposed (a second round of S-A6 recall work): emoji
rebus, initials of more terms, other words for WeChat and QQ, numbers split or drawn with other digits, near-
homophones, look-alike characters, split parts in other shapes, doubled numerals and tone marks on contact words.
Each kind is pinned with examples of its own, and each beside the honest text it must leave alone."""

from __future__ import annotations

import pytest

from warden.screening import Hit, ScreeningEngine, TermSpec
from warden.screening.dictionaries import load_lexicon, parse_terms, vary_components
from warden.screening.folding import digit_variants, fold, kept_emoji
from warden.screening.forms import emoji_forms, expand, is_word


def terms(hits: list[Hit]) -> list[str]:
    return [h.term for h in hits]


def categories(hits: list[Hit]) -> set[str]:
    return {h.category for h in hits}


# -- 1. emoji rebus ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("今晚🎰开放，速来", "老虎机"),
        ("老🐯机在线玩", "老虎机"),
        ("🃏真人对局", "百家乐"),
        ("线上🎲博平台", "赌博"),
        ("网🎲上岸", "网赌"),
        ("出🔫支，私聊", "枪支"),
        ("仿真🔫到货", "仿真枪"),
        ("🛒单日结", "刷单"),
        ("📦单兼职", "刷单"),
        ("虚拟₿投资，稳赚", "虚拟币投资"),
        ("进🧧群领福利", "红包群"),
        ("恭喜中🏆", "中奖"),
        ("注册就返💰", "返利"),
        ("下单💵返", "返现"),
        ("高额返🤑", "高额返利"),
        ("迷💊出售", "迷药"),
        ("❄️毒有货", "冰毒"),
        ("📱兼职日结", "手机兼职"),
    ],
)
def test_S_A6_an_emoji_standing_for_a_character_or_word_of_a_term_hits(
    engine: ScreeningEngine, text: str, term: str
) -> None:
    hits = engine.screen(text)
    assert term in terms(hits), hits
    hit = next(h for h in hits if h.term == term)
    assert hit.channel == "emoji"
    assert text[hit.start : hit.end] == hit.matched


@pytest.mark.parametrize("text", ["红💰包", "返🎲利", "刷🏆单", "红💵包"])
def test_S_A6_a_kept_emoji_between_the_letters_is_still_a_separator(engine: ScreeningEngine, text: str) -> None:
    assert terms(engine.screen(text)) in (["红包"], ["返利"], ["刷单"])


@pytest.mark.parametrize(
    "text",
    [
        "这个月💰都花在房租上了",
        "恭喜你拿到冠军🏆",
        "周末🎲桌游局有人来吗",
        "购物车🛒里的东西记得结算",
        "新款📱到货了",
        "药店买了💊感冒药",
        "🧊冰美式两杯",
        "好的👍💰已到账",
    ],
)
def test_S_A6_an_emoji_on_its_own_is_not_a_term(engine: ScreeningEngine, text: str) -> None:
    assert engine.screen(text) == []


def test_the_emoji_table_gives_forms_by_piece_and_aliases_fold_to_one_picture() -> None:
    assert emoji_forms("赌博", [("🎲", "赌")]) == ["🎲博"]
    assert emoji_forms("老虎机", [("🎰", "老虎机"), ("🐯", "虎")]) == ["🎰", "老🐯机"]
    assert emoji_forms("返利", [("💰", "钱")]) == []  # a piece the term does not hold
    assert fold("💵💴🤑").text == "💰"  # aliases, collapsed as one run
    assert all(ord(v) > 0xFFFF for v in kept_emoji().values())
    assert "❤" not in kept_emoji()  # decoration stays a separator


# -- 2. initials ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("bjl稳赢 带你飞", "百家乐"),
        ("LHC 开奖结果", "六合彩"),
        ("zrhg 在线", "真人荷官"),
        ("玩lhj的来", "老虎机"),
        ("xyk tx 秒到", "信用卡套现"),
        ("DKFP 各行业", "代开发票"),
        ("yyq 同城", "一夜情"),
        ("ＢＪＬ", "百家乐"),  # full width
        ("𝘽𝙅𝙇 上岸", "百家乐"),  # styled
    ],
)
def test_S_A6_initials_of_the_terms_spammers_abbreviate_hit(engine: ScreeningEngine, text: str, term: str) -> None:
    hits = engine.screen(text)
    assert term in terms(hits), hits
    assert next(h for h in hits if h.term == term).severity == "low"


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("sd日结200", "刷单"),
        ("wd上岸找我", "网赌"),
        ("db稳赢 回血", "赌博"),
        ("ll私聊", "裸聊"),
        ("yp同城 妹子多", "约炮"),
        ("ssc计划群 倍投", "时时彩"),
        ("SD 兼职刷单", "刷单"),  # another listed term is context too
    ],
)
def test_S_A6_an_ambiguous_abbreviation_hits_with_a_context(engine: ScreeningEngine, text: str, term: str) -> None:
    assert term in terms(engine.screen(text))


@pytest.mark.parametrize(
    "text",
    [
        "SD卡里有年会红包的照片",  # 刷单 and 红包: a plain ordinary word of another kind is no context
        "SSC日结报表已发",  # a shared service centre's daily settlement
        "这个DB里存着贷款记录",
        "新的db兼职同事明天来",
    ],
)
def test_S_A6_a_plain_ordinary_word_of_another_kind_is_no_context_for_an_ambiguous_abbreviation(
    engine: ScreeningEngine, text: str
) -> None:
    hits = engine.screen(text)
    assert all(h.channel != "initials" for h in hits), hits
    assert not any(h.intent for h in hits), hits  # the ordinary word stays without intent: nothing beside it


def test_S_A6_an_ambiguous_abbreviation_and_an_ordinary_word_of_its_kind_show_intent_together(
    engine: ScreeningEngine,
) -> None:
    hits = engine.screen("sd日结200")
    assert {h.term for h in hits} == {"刷单", "日结"}
    assert all(h.intent for h in hits), hits


def test_S_A6_an_abbreviation_several_terms_share_names_each(engine: ScreeningEngine) -> None:
    assert sorted(terms(engine.screen("wd秒到 黑户可做"))) == ["网贷", "网赌"]


@pytest.mark.parametrize(
    "text",
    [
        "SD卡坏了，明天换一张新的",
        "DB迁移今晚十点开始，预计两小时",
        "WD的硬盘到货了，放在前台",
        "SSC团队下周一开季度会",
        "LL.M.的申请材料已经寄出",
        "BD经理明天上午拜访客户",
        "FY25的预算表请在周五前提交",
        "有问题DM我就行",
        "请把DC电源适配器带上",
        "TX的接口文档更新了",
        "我们的DB平台支持秒级回滚",
        "db的连接池满了，我去看下日志",
        "SSD硬盘扩容申请已批",
        "招聘DB工程师，有意者私信",
        "SD卡拍照后发我",
    ],
)
def test_S_A6_ordinary_abbreviations_in_business_text_do_not_hit(engine: ScreeningEngine, text: str) -> None:
    assert all(h.channel != "initials" for h in engine.screen(text))


def test_the_initials_column_of_terms_tsv() -> None:
    (spec,) = parse_terms("刷单\tpart_time\thigh\tdefault\t*? sdan\n")
    assert spec.initials == ("*?", "sdan")
    patterns = {(p.key, p.context) for p in expand(spec) if p.channel == "initials"}
    assert patterns == {("sd", True), ("sdan", False)}
    with pytest.raises(ValueError, match="initials"):
        TermSpec("刷单", "part_time", "high", initials=("s",))
    assert all(s.term != "刷单" or "*?" in s.initials for s in load_lexicon().terms)


def test_initials_are_never_written_with_a_doubled_letter(engine: ScreeningEngine) -> None:
    assert engine.screen("sdd 日结") == [h for h in engine.screen("sdd 日结") if h.channel != "initials"]
    assert "裸聊" in terms(engine.screen("ll 私聊"))  # a term whose letters are doubled keeps them


# -- 3. and 9. contact phrases ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("卫星号：lucky_2024", "wechat_id"),
        ("绿泡泡 xiaomei_888", "wechat_id"),
        ("绿色软件搜 vipdeal66", "wechat_id"),
        ("V❤：money_777", "wechat_id"),
        ("微❤号: tianmi520", "wechat_id"),
        ("v一下 qwe12345", "wechat_id"),
        ("企鹅号 87654321", "qq_id"),
        ("Q我 76543210", "qq_id"),
        ("群号 556677889", "qq_id"),
        ("加扣 12345678", "qq_id"),
        ("扣：1098765432", "qq_id"),
        ("kòukòu 24681357", "qq_id"),
        ("🐧 13572468", "qq_id"),
        ("打这个 0755 8888 6666", "contact_diversion"),
        ("卫星：9988776655", "contact_diversion"),
        ("加卫星详聊", "contact_diversion"),
        ("上绿泡泡聊", "contact_diversion"),
        ("有事Q我", "contact_diversion"),
        ("蹲个kòukòu", "contact_diversion"),
    ],
)
def test_S_A6_other_words_for_wechat_and_qq_are_contact_diversion(
    engine: ScreeningEngine, text: str, category: str
) -> None:
    assert category in categories(engine.screen(text))


@pytest.mark.parametrize(
    "text",
    [
        "卫星发射很成功",
        "绿色软件不用安装",
        "企鹅很可爱",
        "扣子掉了",
        "这周扣分了",
        "工资扣 20000元",
        "扣 12345",
        "钉钉群号 123456789 进群看通知",
        "FAQ我看了",
    ],
)
def test_S_A6_the_same_words_in_ordinary_text_are_no_contact(engine: ScreeningEngine, text: str) -> None:
    assert engine.screen(text) == []


# -- 4. and 6. numbers split, dotted, in other digits, with letters drawn as digits ---------------------


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        ("电话138.1746.2905", "phone_number", "13817462905"),
        ("来电 1 5 9 8 8 8 8 6 6 6 6", "phone_number", "15988886666"),
        ("手机 ¹³⁸¹⁷⁴⁶²⁹⁰⁵", "phone_number", "13817462905"),
        ("手机 𝟏𝟑𝟖𝟏𝟕𝟒𝟔𝟐𝟗𝟎𝟓", "phone_number", "13817462905"),
        ("手机 ⓵⓷⓼ ➊➐➍➏ ２９０５", "phone_number", "13817462905"),
        ("打幺三八两七四六二九零五", "phone_number", "13827462905"),
        ("电话ㄧ三八一七四六二九〇五", "phone_number", "13817462905"),
        ("手机 ١٣٨١٧٤٦٢٩٠٥", "phone_number", "13817462905"),
        ("扣 109 638 4752", "qq_id", "1096384752"),
        ("QQ 8 4 7 2 0 3 9 1", "qq_id", "84720391"),
        ("qq：lO9638475Z", "qq_id", "1096384752"),
        ("微信 998.812.3456", "contact_diversion", "9988123456"),
    ],
)
def test_S_A6_numbers_split_or_drawn_otherwise_are_found(
    engine: ScreeningEngine, text: str, category: str, value: str
) -> None:
    hits = [h for h in engine.screen(text) if h.category == category]
    assert [h.term for h in hits] == [value], engine.screen(text)
    assert text[hits[0].start : hits[0].end] == hits[0].matched


@pytest.mark.parametrize(
    "text",
    [
        "会议改到10.30开始",
        "本次报销金额1280.50元",
        "服务器IP是192.168.10.101",
        "版本号 2.10.301",
        "订单号 2024113012345 已发货",
        "发票号码 044031900111 请核对",
        "会议室 101.102.103 都订好了",
        "截至 2024.11.30 的数据",
        "8 4 7 2 0 3 9 1",
        "109 638 4752",
        "扣除社保 1280.50",
    ],
)
def test_S_A6_honest_numbers_with_dots_or_spaces_pass(engine: ScreeningEngine, text: str) -> None:
    assert engine.screen(text) == []


def test_every_digit_form_unicode_knows_folds_to_ascii() -> None:
    digits = digit_variants()
    assert all(digits[c] == "1" for c in "❶➊⓵١一壹幺ㄧ")  # NFKC folds the rest (①, １, ¹, 𝟏)
    assert all(fold(c).text == "1" for c in "①❶➊⓵１¹𝟏𝟭١一壹幺ㄧ")
    assert digits["两"] == "2" and digits["兩"] == "2"
    assert "参" not in digits and "漆" not in digits  # 参加, 油漆 are words
    assert fold("两万").text == "2万"


# -- 5. near-homophones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("月炮吗", "约炮"),
        ("忘贷秒批", "网贷"),
        ("做穿销的", "传销"),
        ("裸撩了解一下", "裸聊"),
        ("今晚八点移夜情", "一夜情"),
        ("刷胆日结", "刷单"),
        ("赌波平台", "赌博"),
        ("荐姑老师", "荐股"),
        ("资金攀项目", "资金盘"),
    ],
)
def test_S_A6_a_character_in_another_tone_is_a_near_homophone(engine: ScreeningEngine, text: str, term: str) -> None:
    hits = engine.screen(text)
    assert term in terms(hits), hits
    assert next(h for h in hits if h.term == term).channel == "homophone"


@pytest.mark.parametrize(
    "text", ["年终奖下月发", "红宝石戒指很漂亮", "他在读博士", "您好，我们已经收到了", "明天约跑吗", "两个人一起去"]
)
def test_S_A6_a_near_homophone_that_is_an_ordinary_word_there_passes(engine: ScreeningEngine, text: str) -> None:
    assert engine.screen(text) == []


def test_the_word_list_is_jiebas() -> None:
    assert is_word("年终") and is_word("宝石")
    assert not is_word("月炮") and not is_word("忘贷")


# -- 6. look-alike characters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("曰结200", "日结"),
        ("刷単兼职", "刷单"),
        ("下汪稳赢", "下注"),
        ("安全账戸", "安全账户"),
        ("冻结账戶", "冻结账户"),
        ("涮单日结", "刷单"),
        ("棵聊", "裸聊"),
        ("伝销", "传销"),
        ("発票代开", "发票代开"),
    ],
)
def test_S_A6_look_alike_characters_hit(engine: ScreeningEngine, text: str, term: str) -> None:
    assert term in terms(engine.screen(text))


@pytest.mark.parametrize(
    "text", ["以下汪总的安排", "楼下汪汪叫", "汪总明天到", "子曰：学而时习之", "廉洁自律", "涮火锅"]
)
def test_S_A6_look_alike_characters_in_ordinary_text_pass(engine: ScreeningEngine, text: str) -> None:
    assert engine.screen(text) == []


# -- 7. split characters in other shapes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("纟工勹巳", "红包"),
        ("糸工勹已", "红包"),
        ("红勹巳群", "红包群"),
        ("礻果聊", "裸聊"),
        ("加彳政信", "加微信"),
        ("加微人讠", "加微信"),
        ("上门月艮务", "上门服务"),
        ("网貝者", "网赌"),
    ],
)
def test_S_A6_split_parts_in_other_shapes_hit(engine: ScreeningEngine, text: str, term: str) -> None:
    hits = engine.screen(text)
    assert term in terms(hits), hits
    assert next(h for h in hits if h.term == term).channel == "split"


def test_component_shapes_vary_every_split_form() -> None:
    varied = dict(
        vary_components([("包", ("勹己",)), ("信", ("亻言",))], [("己", "已", "巳"), ("亻", "人"), ("讠", "言")])
    )
    assert varied["包"] == ("勹己", "勹已", "勹巳")
    assert set(varied["信"]) == {"亻言", "亻讠", "人言", "人讠"}


# -- 8. repeats ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("返返佣佣", "返佣"),
        ("高高额额返返利利", "高额返利"),
        ("一一夜夜情情", "一夜情"),
        ("加加一一下下微微信信", "加一下微信"),
    ],
)
def test_S_A6_each_character_doubled_hits(engine: ScreeningEngine, text: str, term: str) -> None:
    assert term in terms(engine.screen(text))


def test_a_numeral_run_inside_a_number_stays_a_number() -> None:
    assert fold("八八八六六六九九九").text == "888666999"
    assert fold("13333333333").text == "13333333333"


def test_S_A6_a_term_of_one_repeated_character_still_needs_both(engine: ScreeningEngine) -> None:
    assert engine.screen("折扣已生效") == []
    assert terms(engine.screen("扣扣")) == ["扣扣"]


# -- homophones that hold a listed form --------------------------------------------------------------------


def test_S_A6_a_sound_alike_of_a_longer_term_holding_a_listed_form_names_the_longer_term(
    engine: ScreeningEngine,
) -> None:
    (hit,) = engine.screen("有意者加我薇信")
    assert (hit.term, hit.severity) == ("加我微信", "medium")


def test_S_A6_the_second_round_kinds_do_not_depend_on_batching(engine: ScreeningEngine) -> None:
    # an abbreviation's context is its own message's, never a neighbour's in the same batch
    texts = [
        "兼职刷单",
        "SD卡 坏了",
        "db迁移",
        "wd上岸",
        "上岸",
        "私聊 ll",
        "红💰包",
        "🧧群",
        "月炮",
        "qq lO9638475Z",
        "V❤ abc12345",
    ]
    assert engine.screen_many(texts * 3) == [tuple(engine.screen(t)) for t in texts * 3]
    assert engine.screen_many(["兼职刷单", "SD卡 坏了"])[1] == ()


def test_near_homophones_are_a_form_the_shipped_terms_have_and_other_lists_opt_into(engine: ScreeningEngine) -> None:
    from warden.screening.base import DEFAULT_FORMS

    opted = engine.for_terms([TermSpec("银行转账", "fraud", "medium", DEFAULT_FORMS | {"near"})])
    plain = engine.for_terms([TermSpec("银行转账", "fraud", "medium")])
    assert terms(opted.screen("请往银行砖账")) == ["银行转账"]  # 砖 zhuān for 转 zhuǎn
    assert plain.screen("请往银行砖账") == []
    assert plain.pattern_count < opted.pattern_count  # a list of its own does not pay for keys it did not ask for
    assert all("near" in s.forms for s in load_lexicon().terms if "homophone" in s.forms)
