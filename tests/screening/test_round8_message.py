"""Issue 13, round 8 (S-A6): judging the whole message, not one term at a time (`warden.screening.message`), and
every Unicode decimal digit in the fold. Each mechanism is checked on forms written for these tests (none is a line
of any corpus) beside the honest twin it must leave alone.

* letters used as separators (丶 丨 丿 ー ㆍ ᐧ ˍ ǀ ○ between a word's characters) are read as spaces;
* a listed word written as listed, in a message with no disguise, lure or contact detail, is named, not offered,
  when its sentence negates, forbids or reports it, quotes it, lists it with others or treats it as a matter of
  work: a hit without intent, with the evidence told in zh and en;
* digits of every block (Javanese, Cham, Meetei, Kayah Li, Adlam; Hangzhou numerals) fold to ASCII digits.
"""

from __future__ import annotations

import pytest

from warden.screening import ScreeningEngine
from warden.screening.explain import techniques
from warden.screening.folding import fold_text
from warden.screening.message import INTRUSIVE, named_not_offered, separated_reading, why_named

# -- letters used as separators ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("网ǀ赌输了来回血", "网赌"),
        ("新开博ᐧ彩平台", "博彩"),
        ("四级代ー考包过", "代考"),
        ("招刷丿单员", "刷单"),
        ("色ˍ情直播", "色情"),
        ("线上赌○博", "赌博"),
        ("小时工兼ㅡ职", "兼职"),
        ("枪ᐟ支配件", "枪支"),
        ("小时工兼ヽ职", "兼职"),  # every modifier letter (Lm): iteration and length marks, strokes
        ("网ｰ赌平台", "网赌"),
        ("网〻赌平台", "网赌"),
        ("招刷ߺ单员", "刷单"),
        ("招刷ㄧ单员", "刷单"),  # Bopomofo: ㄧ looks like 一
        ("小时工兼ー·职", "兼职"),  # a separator letter beside punctuation or a space
        ("网ー 赌平台", "网赌"),
    ],
)
def test_S_A6_a_letter_standing_between_a_words_characters_is_read_as_a_separator(
    engine: ScreeningEngine, text: str, term: str
) -> None:
    hits = [h for h in engine.screen(text) if h.term == term]
    assert hits, text
    assert "letters as separators" in techniques(hits[0])
    assert hits[0].intent  # a disguise is evidence by itself


@pytest.mark.parametrize(
    "text",
    [
        "产品目录丨2026春季新款",  # a title's stroke between words that make no term
        "口红丨包邮到家",  # 口红包邮 is on the allow-list either way
        "二〇二六年度预算",  # 〇 between numerals
        "서울ㆍ부산 출장 일정",  # Hangul between Hangul, not Chinese
        "ステーキ丼の注文",  # ー between kana
        "人々の暮らしと新春红包封面",  # 々 in Japanese
        "哈哈ㅋㅋ，发票收到了",  # Hangul laughter before a comma
        "好ㄉ，明天见",  # Bopomofo as Taiwanese chat writes it
        "コーヒー、红茶和点心",  # ー before an enumeration comma
    ],
)
def test_S_A6_a_separator_letter_that_makes_no_term_leaves_honest_text_alone(
    engine: ScreeningEngine, text: str
) -> None:
    assert [h for h in engine.screen(text) if h.intent and h.channel != "detector"] == []


def test_separated_reading_keeps_offsets_and_needs_a_chinese_neighbour() -> None:
    assert separated_reading("兼丶职") == "兼 职"
    assert separated_reading("2〇26") == "2〇26"  # two digits: not letters
    assert separated_reading("abǀcd") == "abǀcd"  # no Chinese character beside it
    assert len(separated_reading("在ー家ー兼ー职")) == len("在ー家ー兼ー职")
    assert {"丶", "丨", "ー", "ᐧ", "ˍ", "ǀ", "○", "ヽ", "ｰ", "〻", "ㄧ"} <= INTRUSIVE
    assert separated_reading("兼ー·职") == "兼 ·职"  # among punctuation: only the letter becomes a space
    assert not {"一", "口", "人", "l", "o", "く", "ᵃ", "ゝ"} & INTRUSIVE  # real letters, look-alikes the fold reads


# -- named, not offered -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "财务部重申：报销一律不接受代开发票",  # a prohibition before it
        "培训课件要讲清网贷、裸贷、校园贷的危害。",  # an enumeration, a word of handling after it
        "审计发现有门店用POS机帮客户花呗套现",  # a report of what someone else did
        "标题写着“高额返利”的邮件直接删除",  # quoted
        "仓库盘点时没有发现仿真枪，记录已归档",  # a negation before it
        "季度合规抽查，发现两名员工参与时时彩、百家乐",  # a report, an enumeration
    ],
)
def test_S_A6_a_listed_word_named_in_a_plain_message_has_no_intent(engine: ScreeningEngine, text: str) -> None:
    hits = [h for h in engine.screen(text) if h.channel != "detector"]
    assert hits, text
    assert not any(h.intent for h in hits), [(h.term, h.intent) for h in hits]
    assert all(why_named(h, hits, text) for h in hits)


@pytest.mark.parametrize(
    "text",
    [
        "不能错过：代开发票加我",  # a lure anywhere: every hit keeps its intent
        "不能错过，代開發票点数低",  # a disguise in the message (traditional characters)
        "网贷、裸贷、秒批口子都有",  # an enumeration with nothing that names it
        "别犹豫了，网赌回血就找 13912345678",  # a contact detail
        "不要加微信私下交易",  # asking to be reached is an offer itself, named only when quoted
    ],
)
def test_S_A6_a_disguise_a_lure_or_a_contact_in_the_message_keeps_the_intent(
    engine: ScreeningEngine, text: str
) -> None:
    hits = [h for h in engine.screen(text) if h.channel != "detector"]
    assert any(h.intent for h in hits), [(h.term, h.channel, h.intent) for h in hits]


def test_S_A6_one_offered_term_keeps_every_term_of_its_message() -> None:
    from warden.screening.base import Hit

    text = "不能透露，出售仿真枪。"
    named = Hit("仿真枪", "illegal_goods", "high", "exact", 7, 10, "仿真枪")
    assert named_not_offered([named], text, ()) == {}  # the prohibition is in another clause
    offered = Hit("仿真枪", "illegal_goods", "high", "exact", 2, 5, "仿真枪")
    assert named_not_offered([offered], "出售仿真枪，监管查不到", ()) == {}  # a word of handling in the next clause
    assert named_not_offered([offered], "出售仿真枪案件的判决", ()) == {offered: "after:案件"}
    text = "严禁讨论仿真枪"
    hit = Hit("仿真枪", "illegal_goods", "high", "exact", 4, 7, "仿真枪")
    assert named_not_offered([hit], text, ()) == {hit: "before:严禁"}
    assert named_not_offered([hit], text, ("讨论",)) == {}  # a lure anywhere in the message


def test_S_A6_why_a_word_is_named_is_told_in_chinese_and_english(engine: ScreeningEngine) -> None:
    text = "仓库盘点时没有发现仿真枪"
    hits = engine.screen(text)
    why = why_named(hits[0], hits, text)
    assert why is not None
    assert "没有" in why["zh"] and "named, not offered" in why["en"]


# -- digits of every block --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "digits",
    [
        "꧑꧓꧙꧑꧒꧓꧔꧕꧖꧗꧘",  # Javanese
        "꩑꩓꩙꩑꩒꩓꩔꩕꩖꩗꩘",  # Cham
        "꯱꯳꯹꯱꯲꯳꯴꯵꯶꯷꯸",  # Meetei Mayek
        "꤁꤃꤉꤁꤂꤃꤄꤅꤆꤇꤈",  # Kayah Li
        "𞥑𞥓𞥙𞥑𞥒𞥓𞥔𞥕𞥖𞥗𞥘",  # Adlam
        "〡〣〩〡〢〣〤〥〦〧〨",  # Hangzhou numerals
    ],
)
def test_S_A6_a_phone_number_in_any_scripts_digits_is_found(engine: ScreeningEngine, digits: str) -> None:
    assert fold_text(digits) == "13912345678"
    assert any(h.category == "phone_number" for h in engine.screen("预约请拨 " + digits))


def test_roman_numerals_are_no_digits() -> None:
    assert fold_text("Ⅱ型") != "2型"


# -- reaching privately without a messenger's name (the contact grammar's `_REACH` and `_CALL`) ------------------


@pytest.mark.parametrize(
    "text",
    [
        "想入手的在评论区扣个“冲”，我挨个私信你",  # the writer reaches each reader in turn, a reply with a token
        "名额有限，我一个个加你",  # in turn, urgency
        "这边说不方便，走个私详谈",  # come privately, this place is no place to talk
        "暗号“鸿运”，蹲个私信",  # wait for a private message, a token
        "价格看我主页，换个地方说",  # move elsewhere, a pointer at the writer's profile
    ],
)
def test_S_A6_a_private_reach_with_a_call_to_answer_is_a_contact_phrase(engine: ScreeningEngine, text: str) -> None:
    hits = [h for h in engine.screen(text) if h.term == "私聊我"]
    assert hits and hits[0].intent, [(h.term, h.matched, h.intent) for h in engine.screen(text)]


@pytest.mark.parametrize(
    "text",
    [
        "让我找你对一下报表",  # one colleague to another
        "我会联系你确认发货时间",
        "本店不会私下联系您，谨防诈骗",
        "打击走私，人人有责",  # 走私 is smuggling, not 走个私
        "我加你WhatsApp了，出差时方便",
    ],
)
def test_S_A6_reaching_one_person_privately_is_no_contact_phrase(engine: ScreeningEngine, text: str) -> None:
    assert [h for h in engine.screen(text) if h.term == "私聊我"] == []


def test_S_A6_a_private_reach_without_a_call_has_no_intent(engine: ScreeningEngine) -> None:
    hits = [h for h in engine.screen("有问题请发私信给客服") if h.term == "私聊我"]
    assert hits and not hits[0].intent  # plain: the policy judges it (warned in a greeting to a stranger)


@pytest.mark.parametrize(
    "text",
    [
        "不要错过刷单兼职",  # a reluctance denied: an invitation, not a prohibition
        "千万别犹豫，网赌",  # (the comma ends the clause: 网赌 alone has no evidence either way)
        "千万别错过这个刷单机会",
        "没有门槛刷单兼职",  # a cost denied
        "不要押金刷单兼职",
        "网赌零风险",  # a word of handling made a selling point
        "刷单没有风险",
        "网赌平台已审核",
        "有人靠刷单月入过万，你也可以",  # a report of others' gain: a testimonial
        "好多朋友反馈网赌回本了",
        "收到很多好评的刷单兼职",
    ],
)
def test_S_A6_an_offer_dressed_as_a_denial_a_selling_point_or_a_testimonial_keeps_its_intent(
    engine: ScreeningEngine, text: str
) -> None:
    hits = [h for h in engine.screen(text) if h.channel != "detector"]
    assert any(h.intent for h in hits), [(h.term, h.intent) for h in hits]


@pytest.mark.parametrize(
    "text",
    [
        "仓库里没有仿真枪",  # the negation bears on the term itself
        "审计发现有门店帮客户花呗套现",  # a report with no gain in it
        "培训课件讲网贷、裸贷的危害",
        "代开发票的风险很大",  # a word of handling right after the term
        "代开发票这种风险已讲清",  # 已 after the word of handling, not before it
    ],
)
def test_S_A6_the_honest_twins_of_those_offers_stay_named(engine: ScreeningEngine, text: str) -> None:
    hits = [h for h in engine.screen(text) if h.channel != "detector"]
    assert hits and not any(h.intent for h in hits), [(h.term, h.intent) for h in hits]


def test_S_A6_only_the_last_negation_before_a_term_decides_whether_it_bears_on_it() -> None:
    from warden.screening.base import Hit

    def named(text: str) -> bool:
        at = text.index("仿真枪")
        hit = Hit("仿真枪", "illegal_goods", "high", "exact", at, at + 3, "仿真枪")
        return named_not_offered([hit], text, ()) != {}

    assert named("严禁讨论仿真枪")
    assert not named("不要错过仿真枪")  # the negation bears on 错过
    assert named("不要错过培训，严禁讨论仿真枪")  # another clause
    assert named("不怕麻烦但严禁讨论仿真枪")  # a later negation after the inviting word bears on the term
    assert not named("严禁拖延，没有门槛仿真枪")
