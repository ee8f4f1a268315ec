"""Issue 13, round 9: break21's leftovers, on forms written for these tests beside their honest twins.

* a Hangzhou numeral drawn as a stroke between two characters of a word (兼〡职, 网〣赌) is a separator, as the other
  letters used as separators are (`message.INTRUSIVE`); between digits or in a price it stays;
* an emoji the fold deletes, read as its CLDR keyword where that keyword is a piece of a term (✋工活外发).
"""

from __future__ import annotations

import pytest

from warden.screening import ScreeningEngine
from warden.screening.message import INTRUSIVE

from .support import shown


@pytest.mark.parametrize(
    ("text", "term"), [("宝妈兼〡职，在家做", "兼职"), ("网〣赌新平台上线", "网赌"), ("在〢家〢兼〢职", "在家兼职")]
)
def test_R9_a_hangzhou_numeral_between_characters_is_a_separator(engine: ScreeningEngine, text: str, term: str) -> None:
    assert any(term in h.term for h in shown(engine.screen(text)))  # 宝妈兼职 holds 兼职


@pytest.mark.parametrize("text", ["苏州码子〡〢〣是一二三", "第〡期培训", "2〡3号楼"])
def test_R9_a_hangzhou_numeral_elsewhere_stays(engine: ScreeningEngine, text: str) -> None:
    assert not shown(engine.screen(text))


def test_the_hangzhou_stroke_numerals_are_intrusive_letters() -> None:
    assert {"〡", "〢", "〣"} <= INTRUSIVE
    assert "〤" not in INTRUSIVE  # a cross, no stroke


@pytest.mark.parametrize(
    "text",
    ["“刷单”这个词以后别写进文案", "客户问“返利”怎么结算", "提醒一下：群里那个“免费领取”红包的链接是钓鱼的，别点开"],
)
def test_R9_a_quoted_word_is_still_named(engine: ScreeningEngine, text: str) -> None:
    """Tried and dropped this round: quotation marks right against another term (“刷单”兼职) read as stress, not as
    naming; it turned an honest warning of this shape (the last one) into a hit with intent."""
    assert not shown(engine.screen(text))


# -- an emoji the fold deletes, read as its CLDR keyword (`emoji_reading`) ------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("✋工活外发，按件计酬", "手工活外发"),  # ✋ 手
        ("急招⌨员，按字数结算", "打字员"),  # ⌨ 打字
        ("点👍员，刷视频就有钱", "点赞员"),  # 👍 赞
        ("拼🤚气红包，整点开抢", "拼手气红包"),  # 🤚 手
    ],
)
def test_R9_an_emoji_read_as_its_cldr_keyword_completes_a_term(engine: ScreeningEngine, text: str, term: str) -> None:
    hits = [h for h in shown(engine.screen(text)) if h.term == term]
    assert hits and hits[0].channel == "emoji"
    assert any(ch in hits[0].matched for ch in "✋⌨👍🤚")  # the span holds the picture


@pytest.mark.parametrize(
    "text",
    [
        "👍收到，马上处理",  # an emoji alone is no term
        "🔴红包封面设计稿已上传",  # a bullet before a word already written: no 红红包
        "大家辛苦了👍👍",
        "这个手工活很精细✋",
        "⌨️坏了，申请换一个",
    ],
)
def test_R9_an_emoji_beside_honest_text_reads_as_nothing(engine: ScreeningEngine, text: str) -> None:
    assert not [h for h in shown(engine.screen(text)) if h.channel == "emoji"]


@pytest.mark.parametrize(
    "text",
    [
        "大家给点👍，员工们辛苦了",  # 点赞 + 员工, across a comma too
        "给小王点👍员工之星实至名归",
        "请给点👍！员工投票今晚截止",
        "拉人🐻像做海报",  # 头像
    ],
)
def test_R9_an_emoji_beside_a_word_that_runs_on_reads_as_nothing(engine: ScreeningEngine, text: str) -> None:
    """break23: 点👍 before 员工 (a thumbs-up, then the staff) was 点赞员 on the emoji channel, a warning that counts
    toward S-A6's repeats in an external message; a term read through an emoji whose end begins a word running on
    (员工, 头像) is the picture beside a word, not in a term's place."""
    assert not [h for h in shown(engine.screen(text)) if h.channel == "emoji"]


def test_an_enterprise_list_reads_emoji_as_it_reads_its_rebus_forms(engine: ScreeningEngine) -> None:
    own = engine.for_terms([("报价底线", "rule:1", "high")])  # for_terms keeps the engine's emoji: the same disguises
    assert not own.screen("✋工活外发")  # the platform's list is not the enterprise's
    assert [h.term for h in engine.for_terms([("手工活外发", "rule:1", "high")]).screen("✋工活外发")] == ["手工活外发"]
