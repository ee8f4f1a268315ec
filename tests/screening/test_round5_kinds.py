"""Issue 13, fifth round: the kinds both halves of the fresh corpus showed (used as development data by kind only).

Precision first: talk about someone else's offer (a victim's account, a resemblance, a report, a competitor, abuse
of one's name, an advisory's heading, a word in copy), a sound-alike read across a clause mark or out of two words
of the text, and where to reach a colleague said plainly (有事找我微信). Then the spam kinds: styled letters the fold
missed, look-alike characters, contact numbers and ids in new wordings, a messenger's own name after another verb,
mixed forms of long terms, emoji pictures by meaning. Every example is written for these tests (none is a line of
the corpus), each beside the honest text it must leave alone.
"""

from __future__ import annotations

import pytest

from warden.screening import Hit, ScreeningEngine
from warden.screening.folding import fold_text
from warden.screening.precision import across_clause, breaks_word, plain_contact_phrase

from .support import shown

# -- precision: a mention is no offer --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "她被网上的刷单兼职骗了两千块",  # a victim's account: 骗了 after the term
        "这个页面看着像博彩网站，设计要改",  # a resemblance
        "监控到有人在访问网赌页面，已上报",  # a report of what was seen
        "客户群有人发网赌推广图，已移除",  # a report of what was posted
        "友商最近在推高额返利",  # a competitor's doing
        "有个博彩网站盗用了我们的门店照片",  # abuse of one's name
        "本行不会主动要求您把钱转到安全账户",  # a promise that it never reaches out
        "风险提示：节后有博彩网站仿冒我们的App",  # an advisory's heading
        "分销方案里避免出现拉人头的层级",  # a design to avoid
        "高额返利这个词的文案要删掉",  # a word in copy
        "这个小游戏被用户投诉像博彩，先下线",  # a complaint
        "昨天网赌团伙的新闻你们看了吗",  # the news
        "新图标跟某网赌网站很像，重画",  # a resemblance after the term
    ],
)
def test_S_A6_talk_about_someone_elses_offer_shows_no_intent(engine: ScreeningEngine, text: str) -> None:
    """Kind: staff report, warn about or describe a listed thing someone else does; the cue is a word of that
    telling (cues.tsv, round 5), not the example's words."""
    assert shown(engine.screen(text)) == []


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("像我这样做网赌回血的", "网赌"),  # a bare 像 is no cue
        ("访问我们的博彩平台", "博彩"),  # nor a bare 访问
        ("不会要求押金的兼职刷单", "兼职刷单"),  # nor 不会要求
        ("温馨提示：网赌稳赢，加我", "网赌"),  # nor 温馨提示
        ("投诉无门？网赌回血找我", "网赌"),  # a cue ends at its sentence
    ],
)
def test_S_A6_an_offer_in_the_words_of_a_mention_still_hits(engine: ScreeningEngine, text: str, term: str) -> None:
    assert term in {h.term for h in shown(engine.screen(text))}


@pytest.mark.parametrize("text", ["付款金额 3,600 元，交易单号如下", "报价 980 元；交付周期两周"])
def test_S_A6_a_sound_alike_across_a_clause_mark_is_no_hit(engine: ScreeningEngine, text: str) -> None:
    """Kind: a word's last character before a comma and the next word's first after it (元，交 read as 援交)."""
    assert engine.screen(text) == []


def test_S_A6_a_term_written_as_it_is_still_hits_across_a_clause_mark(engine: ScreeningEngine) -> None:
    assert [h.term for h in engine.screen("援，交")] == ["援交"]
    assert across_clause(Hit("援交", "adult", "high", "homophone", 0, 3, "元，交"))
    assert not across_clause(Hit("援交", "adult", "high", "folded", 0, 3, "援，交"))


def test_S_A6_a_sound_alike_read_out_of_two_words_is_no_hit(engine: ScreeningEngine) -> None:
    """Kind: 他目睹博物馆 reads 睹博 as 赌博, 睹 of 目睹 and 博 of 博物馆. A word on one side only is chance."""
    assert engine.screen("他目睹博物馆的火灾") == []
    assert [h.term for h in engine.screen("亚洲第一睹博平台")] == ["赌博"]  # 一睹 alone: still a sound-alike
    text = "他目睹博物馆"
    assert breaks_word(Hit("赌博", "gambling", "high", "homophone", 2, 4, "睹博"), text)


@pytest.mark.parametrize(
    "text", ["下班后有事找我微信", "有问题联系我的QQ就行", "周末找我的微信，电话可能听不到", "急事找我，微信语音都行"]
)
def test_S_A6_where_to_reach_the_writer_said_plainly_needs_evidence_of_intent(
    engine: ScreeningEngine, text: str
) -> None:
    """Kind: colleagues and a shop's staff name the messenger they answer on with its own name and 找 / 联系
    (round 5's known risk, 有事找我微信): a contact phrase without intent, for the policy to judge."""
    hits = engine.screen(text)
    assert hits and all(plain_contact_phrase(h) for h in hits)
    assert shown(hits) == []


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("找我vx", "加vx"),  # disguised
        ("有兴趣找我微信", "加微信"),  # beside a lure
        ("找我微信领红包", "加微信"),  # beside another hit
        ("加我微信", "加我微信"),  # with 加
    ],
)
def test_S_A6_a_contact_phrase_disguised_or_beside_evidence_still_shows_intent(
    engine: ScreeningEngine, text: str, term: str
) -> None:
    assert term in {h.term for h in shown(engine.screen(text))}


# -- styled letters ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("styled", "plain"),
    [
        ("ᴡᴇɪ ғᴜ", "weifu"),  # the small-caps generators' f is Cyrillic ғ
        ("ǫᴜɪᴄᴋ", "quick"),  # and their q is ǫ (o with ogonek), read before the mark goes
        ("🇻🇽", "vx"),  # regional indicator letters
        ("пшп", "nwn"),  # faux-Cyrillic n and w
    ],
)
def test_S_A6_letters_styled_by_text_generators_fold_to_latin(styled: str, plain: str) -> None:
    assert fold_text(styled) == plain


def test_S_A6_a_flag_in_business_text_is_no_term(engine: ScreeningEngine) -> None:
    assert engine.screen("我们在🇨🇳和🇩🇪都有仓库") == []


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("官网 𝐚𝐛𝐜𝟏𝟐𝟑.𝐜𝐜 记得收藏", "url"),  # a styled TLD the raw text does not spell
        ("薇：ᴍɪɴɢ_ғᴀɴ99", "wechat_id"),
        ("ǫǫ：2048317659", "qq_id"),
    ],
)
def test_S_A6_contact_details_in_styled_letters_are_found(engine: ScreeningEngine, text: str, category: str) -> None:
    assert category in {h.category for h in engine.screen(text)}


# -- look-alike characters and sound-alikes of the privacy terms ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("冈赌平台，提款秒到", "网赌"),  # 冈 is 网 a stroke short (homophones.tsv, round 5)
        ("罔赌平台", "网赌"),
        ("整套身份正号便宜出", "身份证号"),  # the privacy terms take sound-alikes too
        ("回收银行咔号，长期", "银行卡号"),
    ],
)
def test_S_A6_look_alike_and_sound_alike_characters_hit(engine: ScreeningEngine, text: str, term: str) -> None:
    assert term in {h.term for h in engine.screen(text)}


@pytest.mark.parametrize("text", ["冈位职责说明已发群里", "网络有点堵，博客打不开", "采购彩色打印纸"])
def test_S_A6_the_look_alikes_leave_ordinary_words_alone(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []


# -- contact numbers and ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("打电话 l86O3927l54", "18603927154"),  # drawn with a letter first: no five digits in a row
        ("电话 138 开头，中间 6012，结尾 5793", "13860125793"),  # in three pieces, each placed by a word
    ],
)
def test_S_A6_a_phone_number_drawn_or_sent_in_placed_pieces_is_found(
    engine: ScreeningEngine, text: str, value: str
) -> None:
    assert value in {h.term for h in engine.screen(text) if h.category == "phone_number"}


@pytest.mark.parametrize(
    "text",
    [
        "第一批 135 箱，中间批次 2400 箱，结尾 1800 箱",
        "先发135件，然后2400件，再1800件",
        "第 135 期：中间 2400 字，结尾 1800 字",
    ],
)
def test_S_A6_counts_with_units_are_no_pieces_of_a_number(engine: ScreeningEngine, text: str) -> None:
    assert engine.screen(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("要资料的扣我：3057219846", "3057219846"),  # 扣我 as Q我
        ("v一下 lily_fuli", "lily_fuli"),
        ("加我备用号 mm_jiaoyu2027", "mm_jiaoyu2027"),  # the account named between 加我 and the id
        ("加我工作号 ab_svc7", "ab_svc7"),  # one digit at the end
        ("加我威 nn_fuli77", "nn_fuli77"),
    ],
)
def test_S_A6_an_id_after_new_contact_wordings_is_found(engine: ScreeningEngine, text: str, value: str) -> None:
    assert value in {h.term for h in engine.screen(text)}


@pytest.mark.parametrize("text", ["扣我200块工资", "本月扣我绩效 3 分", "加我 ab1"])
def test_S_A6_the_new_contact_wordings_leave_deductions_and_short_words_alone(
    engine: ScreeningEngine, text: str
) -> None:
    assert engine.screen(text) == []


def test_S_A6_a_messengers_own_name_after_another_verb_keeps_its_name(engine: ScreeningEngine) -> None:
    """Kind: 找我 + v信 read as a loose 加v that ends inside v信; the messenger's term takes the other verbs."""
    assert [h.term for h in engine.screen("白天联系我𝓿信")] == ["v信"]
    assert [h.term for h in engine.screen("联系我的企鹅号")] == ["企鹅号"]
    assert [h.term for h in engine.screen("找我vx")] == ["加vx"]  # 加vx is listed: its own shape


# -- mixed forms of long terms --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("无抵押dai款，当天放", "无抵押贷款"),  # one character in pinyin
        ("虚拟币touzi项目", "虚拟币投资"),  # a word at the end
        ("xìnyòngkǎ 套现", "信用卡套现"),  # the first word, with tone marks
    ],
)
def test_S_A6_long_terms_take_mixed_forms_word_by_word(engine: ScreeningEngine, text: str, term: str) -> None:
    hit = next(h for h in engine.screen(text) if h.term == term)
    assert hit.channel == "mixed"


# -- emoji by meaning -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("扫码🎁🧧", "送红包"),  # a gift for 送
        ("私下问➕💚", "加微信"),  # the green heart for WeChat
        ("速度加🐧领资料", "加qq"),  # the penguin is QQ
        ("🃏🎲娱乐城", "赌博"),  # a card and dice together
    ],
)
def test_S_A6_emoji_pictured_by_meaning_hit(engine: ScreeningEngine, text: str, term: str) -> None:
    assert term in {h.term for h in shown(engine.screen(text))}


@pytest.mark.parametrize("text", ["大家加油💚", "生日快乐🎁", "🐧好可爱"])
def test_S_A6_the_meaning_emoji_alone_are_no_term(engine: ScreeningEngine, text: str) -> None:
    assert engine.screen(text) == []


def test_S_A6_task_brushing_words_give_an_ambiguous_abbreviation_its_context(engine: ScreeningEngine) -> None:
    assert [h.term for h in engine.screen("sd 任务，新手带你做")] == ["刷单"]
    assert engine.screen("SD卡的采购要供应商垫资") == []  # 垫资 is a contractor's word: no context


def test_S_A6_a_lure_told_to_someone_else_is_no_evidence(engine: ScreeningEngine) -> None:
    """Kind: staff retell what a scam asked a customer to do; a lure right after 让他 / 叫她 / 让用户 is addressed to
    a third person, so an everyday word beside it stays plain."""
    hits = engine.screen("客户收到冒充我们的短信，让他点链接办理退款理赔，大家注意")
    assert [h.term for h in hits] == ["退款理赔"] and shown(hits) == []
    assert shown(engine.screen("点链接办理退款理赔"))  # the lure addressed to the reader
    assert shown(engine.screen("让他们加我领红包"))  # 他们加我: the lure is the writer's own


@pytest.mark.parametrize(("text", "term"), [("老板好，jiage vx 细聊", "加个vx"), ("jia qq 吧", "加qq")])
def test_S_A6_the_verb_in_pinyin_before_the_apps_letters_hits(engine: ScreeningEngine, text: str, term: str) -> None:
    assert [h.term for h in engine.screen(text)] == [term]
