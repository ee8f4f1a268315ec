"""Issue 13, seventh round: forms from complete external sources rather than from one writer's rows, each checked on
forms written for these tests (none is a line of any corpus) beside the honest text it must leave alone.

* look-alikes by strokes (`strokes.tsv`, derived from the stroke-order, four-corner and component tables of the
  `char-similar` package): 锁 for 销, 贿 for 赌, 素 for 毒;
* emoji by CLDR's Chinese keywords (`emoji_keywords.tsv`, from the CLDR annotations), beside their names: 🧾 发票;
* precision: the kinds of honest staff talk fresh3 flagged (a so-called thing, a forbidden promise, a training case, a
  kind named by example, a screenshot received) as cues, and advice or an action taken after the terms as a verdict.
"""

from __future__ import annotations

from importlib import resources
from importlib.util import find_spec

import pytest

from warden.screening import ScreeningEngine
from warden.screening.dictionaries import derive_strokes, named_emoji, parse_emoji_keywords, strokes_alike
from warden.screening.precision import named_as_fraud

from .support import shown

# -- look-alikes by strokes -------------------------------------------------------------------------------------


@pytest.mark.skipif(
    find_spec("char_similar") is None,
    reason="char-similar (strokes.tsv's source; `make setup` installs it without its pins) not installed",
)
def test_strokes_tsv_is_derived_from_char_similar() -> None:
    shipped = resources.files("warden.screening").joinpath("data", "strokes.tsv").read_text(encoding="utf-8")
    assert shipped == derive_strokes()


def test_strokes_alike_takes_a_stroke_or_two_off_not_another_short_character() -> None:
    order = {"销": "311152432511", "锁": "311152432534", "大": "134", "犬": "1344", "太": "1344"}
    corners = {"销": "89727", "锁": "89782", "大": "40800", "犬": "43800", "太": "40030"}
    parts = {"销": "钅", "锁": "钅", "大": "大", "犬": "犬", "太": "大"}
    assert strokes_alike("销", "锁", order, corners, parts)
    assert not strokes_alike("大", "犬", order, corners, parts)  # one stroke in three, another component


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("网贿平台注册就送", "网赌"),  # 贿 for 赌: one stroke group off
        ("传锁团队招新人，拉够十个升级", "传销"),  # 锁 for 销
        ("冰素现货同城", "冰毒"),  # 素 for 毒
        ("专业刷信誊，店铺三天升钻", "刷信誉"),  # 誊 for 誉
    ],
)
def test_round7_look_alike_by_strokes_is_a_hit(engine: ScreeningEngine, text: str, term: str) -> None:
    assert term in {h.term for h in shown(engine.screen(text))}


@pytest.mark.parametrize(
    "text",
    ["门锁坏了，传达室修一下", "这部剧单集很短", "麻烦扫码签到", "他吃了药就睡了", "早上好，今天开周会"],
)
def test_round7_look_alikes_by_strokes_leave_everyday_words_alone(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []


# -- emoji by CLDR keywords -------------------------------------------------------------------------------------


def test_named_emoji_reads_a_cldr_keyword_that_is_a_word_inside_a_term() -> None:
    keywords = parse_emoji_keywords("🧾\t收据\t发票\n🟥\t红\t红色方块\n👍\t手\t赞成\n")
    pairs = named_emoji(["发票代开", "红包", "手机"], keywords=keywords)
    assert ("🧾", "发票") in pairs  # a word inside a term
    assert ("🧾", "收据") not in pairs and ("🟥", "红色方块") not in pairs  # a description, not a rebus
    assert ("👍", "手") not in pairs  # one character: every chat's thumbs-up would be kept and read twice


def test_round7_emoji_by_keyword_spells_the_word(engine: ScreeningEngine) -> None:
    assert "发票代开" in {h.term for h in engine.screen("🧾代开，各行各业，税点低")}


def test_round7_emoji_by_keyword_alone_is_no_hit(engine: ScreeningEngine) -> None:
    assert shown(engine.screen("🧾 报销单已提交，请财务查收")) == []


# -- precision: how staff name what they saw ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "新员工培训：“刷单返利”案例分析，下午两点",  # a training case
        "理财经理不能承诺保本高收益，合规部再次提醒",  # a promise forbidden
        "本行不存在所谓的安全账户，请勿转账",  # a so-called thing
        "如看到“网络兼职”之类的广告，直接举报",  # a kind named by example
        "客户发来“加微信领红包”的截图，已转风控",  # a screenshot received
        "群里有人发“日赚三百”的网络兼职，已删帖并提醒大家不要相信。",  # advice later in the next clause
        "有客户问能不能代开发票，一律拒绝。",  # a refusal opening the next clause
        "对方让老人把钱转到安全账户，已经报警。",  # an action taken
    ],
)
def test_round7_staff_naming_what_they_saw_is_no_hit(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("加我微信领红包，不要相信别人", "加我微信"),  # advice that goes on is the sender's own line
        ("刷单返利，日结，加我，不要犹豫", "刷单"),  # no advice against it
    ],
)
def test_round7_advice_verdict_keeps_the_senders_own_offer(engine: ScreeningEngine, text: str, term: str) -> None:
    assert term in {h.term for h in shown(engine.screen(text))}


def test_round7_advice_verdict_clears_terms_in_the_clause_before_only() -> None:
    from warden.screening.base import Hit

    text = "有人推刷单，一律拒绝"
    hit = Hit(term="刷单", category="part_time", severity="high", start=3, end=5, matched="刷单", channel="exact")
    assert named_as_fraud([hit], text) == []
    assert named_as_fraud([hit], "有人推刷单，加我，一律拒绝") == [hit]  # two clauses back: out of reach


# -- contact details read out in words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("投简历发 hr 下划线 zhao 艾特 一六三 点 com", "hr_zhao@163.com"),  # symbols spelled in words
        ("电话 1 5 9 空格 2 7 3 8 空格 6 4 1 0", "15927386410"),  # 空格 between spaced digits
        ("text me: one-five-nine, two-seven-three-eight, six-four-one-zero", "15927386410"),  # English digit words
        ("号码是倒着写的 0146 8372 951", "15927386410"),  # read backwards after a word saying so
        ("网站 w w w 点 六 六 六 win 点 cc", "www.666win.cc"),  # letters spaced out, a number beside a word
    ],
)
def test_round7_contact_detail_read_out_in_words_is_found(engine: ScreeningEngine, text: str, value: str) -> None:
    assert value in {h.term for h in engine.screen(text) if h.channel == "detector"}


@pytest.mark.parametrize(
    "text",
    [
        "下午三点开会，会议室 3 点 5 楼",  # a time and a floor
        "版本 v 1 点 2 点 3 已发布",  # a version number
        "meet me at 3 pm at room 5",
        "单价倒过来算是 2024 11 30 吗",  # a date, read backwards: no phone
        "订单号 2024 1130 5566 7788 已发货",
        "one two three, let's go",
    ],
)
def test_round7_numbers_read_out_leave_times_versions_and_ids_alone(engine: ScreeningEngine, text: str) -> None:
    assert [h for h in engine.screen(text) if h.channel == "detector"] == []


# -- messenger names from the lexicon (messengers.tsv) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("这边不方便，去泡泡里聊", "加微信"),  # a word with an everyday sense, with a reason to move
        ("资料都在企鹅群，速来", "加企鹅"),  # a name that says what it is by itself
        ("daily signals on te1egram only", "telegram"),  # misspelt with a digit
        ("加ws，日结三百", "加whatsapp"),  # the initials Chinese users write
        ("有需要的小窗我", "私聊我"),  # a small window, an audience addressed as a crowd
        ("拉你进福利群，每天有红包雨", "加群"),  # a word naming the group
        ("想上车的来✈️找我", "纸飞机"),  # the plane in emoji after a verb
    ],
)
def test_round7_messenger_named_as_users_name_it_is_a_contact_phrase(
    engine: ScreeningEngine, text: str, term: str
) -> None:
    assert term in {h.term for h in shown(engine.screen(text))}


@pytest.mark.parametrize(
    "text",
    [
        "下周坐飞机去上海，飞机上聊吧",  # a flight
        "小朋友吹泡泡见过吗",
        "这个服务走 ws 协议，别用 http",
        "我的qq空间很久没更新了",
        "有事小窗我",  # a colleague's shape, no evidence
    ],
)
def test_round7_messenger_lexicon_leaves_everyday_words_alone(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []
