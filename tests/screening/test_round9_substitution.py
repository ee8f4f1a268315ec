"""Issue 13, round 9: a term of three Chinese characters or more with one character swapped (`substitution.py`), on
forms written for these tests (none is a line of any corpus) beside the honest text it must leave alone.

The swapped character is a looser look-alike (`alike.tsv`, derived from `char-similar`'s stroke and component
tables) or reads like the term's (toneless, or one fuzzy step: z/zh, n/l, in/ing …); every other character is exact,
and the swapped one is no part of an ordinary word there (jieba's list).
"""

from __future__ import annotations

from importlib import resources
from importlib.util import find_spec

import pytest

from warden.screening import ScreeningEngine
from warden.screening.dictionaries import derive_alike, looser_alike
from warden.screening.forms import Pattern
from warden.screening.substitution import OneSubstitution, fuzzy, sounds_alike

from .support import shown


@pytest.mark.skipif(
    find_spec("char_similar") is None,
    reason="char-similar (alike.tsv's source; `make setup` installs it without its pins) not installed",
)
def test_alike_tsv_is_derived_from_char_similar() -> None:
    shipped = resources.files("warden.screening").joinpath("data", "alike.tsv").read_text(encoding="utf-8")
    assert shipped == derive_alike()


def test_looser_alike_takes_a_stroke_off_or_a_shared_component_not_a_short_pair() -> None:
    order = {"户": "4513", "尸": "513", "盘": "33541425221", "盅": "251225221", "人": "34", "入": "34"}
    parts = {"户": "户", "尸": "尸", "盘": "皿", "盅": "皿", "人": "人", "入": "入"}
    assert looser_alike("户", "尸", order, parts)  # one stroke off
    assert looser_alike("盘", "盅", order, parts)  # the same component, five strokes in common
    assert not looser_alike("人", "入", order, parts)  # two strokes each: too short to tell


def test_fuzzy_merges_the_usual_pairs_and_drops_the_tone() -> None:
    assert fuzzy("zhi2") == fuzzy("zi1") == "zi"
    assert fuzzy("ling2") == fuzzy("nin3") == "nin"
    assert fuzzy("huang2") == "huan"
    assert sounds_alike("资", "zhi2") and not sounds_alike("家", "gu3")  # 家 read as it usually is (jiā)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("内部渠道征信倏复，三天见效", "征信修复"),  # 倏 for 修: one stroke off
        ("真人荷宫在线发牌，首充有礼", "真人荷官"),  # 宫 for 官
        ("做任务嫌钱，日结不拖", "做任务赚钱"),  # 嫌 for 赚: the same right part
        ("在家兼资，一天三百", "在家兼职"),  # 资 zī for 职 zhí: z/zh
        ("宝妈兼值，手机就能做", "宝妈兼职"),  # 值 zhí: the same sound, another shape
    ],
)
def test_R9_one_character_swapped_in_a_long_term_is_a_hit(engine: ScreeningEngine, text: str, term: str) -> None:
    hits = [h for h in shown(engine.screen(text)) if h.term == term]
    assert hits and hits[0].channel == "homophone"


@pytest.mark.parametrize(
    "text",
    [
        "团建费用按人头分摊",  # 按 looks like 拉, but 人头 is a word of its own beside it
        "有事打我微信电话",  # 电 has 号's strokes; 电话 is a word
        "原始家庭对性格的影响很大",  # 家 read gū would be 股: read as it usually is
        "紫金山上的天文台",  # 紫金 is a word (紫金盘 is left alone too)
        "客户名称请填全称",
        "打字机坏了，先用电脑",
        "我在微博上看到的通知",
        "资金盆地的地质报告",  # 盆 looks like 盘, but 资金 is a word beside it
        "网络兼容性测试通过",
    ],
)
def test_R9_honest_text_beside_a_swapped_form_is_left_alone(engine: ScreeningEngine, text: str) -> None:
    assert not [h for h in shown(engine.screen(text)) if h.intent]


def test_one_substitution_needs_every_other_character_exact_and_a_listed_form_keeps_its_name() -> None:
    p = Pattern("加我微信", "加我微信", "contact_diversion", "medium", "homophone", readings=("jia1", "wo3", "wei1",
                "xin4"), near=True)  # fmt: skip
    sub = OneSubstitution([p], [("我", "找")], ["加我微信", "加个微信"])
    import numpy as np

    def found(text: str) -> list[str]:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.intp)
        return [text[s:e] for s, e, _, _ in sub.candidates(codes, text)]

    assert found("请加找微信") == ["加找微信"]  # a look-alike from the table
    assert found("请加个微信") == []  # another listed form: that term, not a disguise of this one
    assert found("请加找微博") == []  # two characters off
    assert found("加我微信") == []  # as written: the direct forms' hit


def test_a_list_without_near_gets_no_one_substitution(engine: ScreeningEngine) -> None:
    own = engine.for_terms([("报价底线", "rule:1", "high")])
    assert not own.screen("这是报价底钱")  # an enterprise's own word is matched as listed
