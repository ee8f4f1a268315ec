"""Issue 13, precision on text the project has not seen: warning cues, ordinary compounds, contact phrases with a
measure word, and the hand-written held-out set kept apart from the tuning set."""

from __future__ import annotations

import pytest

from tests.screening.support import shown
from warden.bench.screen import judged_false_positives
from warden.screening import Hit, ScreeningEngine
from warden.screening.dictionaries import load_lexicon, parse_compounds
from warden.screening.eval import evaluate, load_clean, load_disguised
from warden.screening.eval.heldout import load_heldout_clean, load_heldout_spam, parse_clean, parse_spam


def terms(hits: list[Hit]) -> list[str]:
    return [h.term for h in hits]


# -- warning cues: a term named in a prohibition, a warning or a report is not offered --------------------------


@pytest.mark.parametrize(
    "text",
    [
        "严禁参与网赌，一经发现立即辞退",
        "公司重申：严禁员工参与任何形式的网络赌博",
        "禁止员工参与赌博",
        "谨防刷单诈骗",
        "防范网贷陷阱",
        "警惕以高额返利为诱饵的投资",
        "合规提醒：严禁员工参与网络赌博、传销等违法活动",
        "这个账号在群里发刷单广告，已封禁",
        "本行从不会要求您转账到安全账户",
    ],
)
def test_S_A6_a_term_a_warning_points_at_is_named_not_offered(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("严禁外传！网赌平台开业啦", "网赌"),  # the cue's sentence ended
        ("禁止转发，加我领红包", "红包"),  # another clause
        ("刷单不违法，放心做", "刷单"),  # a denied cue is no cue
        ("网赌不犯罪，放心玩", "网赌"),
        ("严禁外传，这个群每天送红包", "送红包"),
    ],
)
def test_S_A6_a_cue_reaches_only_its_own_clause_and_never_a_denial(
    engine: ScreeningEngine, text: str, term: str
) -> None:
    assert term in terms(engine.screen(text))


def test_S_A6_a_cue_reaches_only_a_few_characters(engine: ScreeningEngine) -> None:
    far = "严禁" + "的一是在不了有和人这中大为上个国我以要他时来用们" + "网赌"
    assert terms(engine.screen(far)) == ["网赌"]


def test_S_E3_an_enterprise_list_does_not_take_warnings_as_cues(engine: ScreeningEngine) -> None:
    rule = engine.for_terms([("报价底线", "rule:1", "high")])
    assert terms(rule.screen("严禁外传报价底线")) == ["报价底线"]  # a leak is a leak, marked or not


def test_a_cue_side_must_be_before_or_after() -> None:
    with pytest.raises(ValueError, match="side"):
        ScreeningEngine([], cues=[("严禁", "middle")])


# -- ordinary compounds (compounds.tsv) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "各位同事，年会红包将于1月20日下午统一发放",
        "节日红包发放名单已确认",
        "春节开工红包明早9点在前台领取",
        "返利金额请按季度核对",
        "消费返现的会计处理：冲减收入",
        "您好，您的公积金贷款已经批下来了",
        "我们的日结客户主要是便利店",
        "您好，大件物流可以提供送货上门服务",
    ],
)
def test_S_A6_business_compounds_of_listed_terms_pass(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []


def test_S_A6_a_listed_term_around_a_compound_still_hits(engine: ScreeningEngine) -> None:
    assert "红包群" in terms(engine.screen("节日红包群，进来领"))
    assert "抢红包" in terms(engine.screen("年会抢红包，人人有份"))


def test_compounds_become_allow_list_entries() -> None:
    assert parse_compounds("红包\tbefore\t年会 节日\n返利\tafter\t金额\n") == ["年会红包", "节日红包", "返利金额"]
    with pytest.raises(ValueError, match="before"):
        parse_compounds("红包\tinside\t年会\n")
    assert "年会红包" in load_lexicon().business  # a business phrase: gives way to a lure


# -- contact diversion with a measure word, letters in disguise, QQ groups -----------------------------------------


@pytest.mark.parametrize(
    "text", ["方便的话加个微信", "加下vx发你资料", "加我个微信吧", "加个qq详聊", "感兴趣的话加下微信"]
)
def test_S_A6_a_measure_word_between_add_and_the_app_is_still_contact_diversion(
    engine: ScreeningEngine, text: str
) -> None:
    assert {h.category for h in engine.screen(text)} == {"contact_diversion"}


@pytest.mark.parametrize(("text", "term"), [("ʜᴏɴɢʙᴀᴏ 天天发", "红包"), ("🅑🅞🅒🅐🅘 官网", "博彩"), ("🅵🅰🅽🅻🅸", "返利")])
def test_S_A6_small_capitals_and_negative_letters_are_letters(engine: ScreeningEngine, text: str, term: str) -> None:
    assert term in terms(engine.screen(text))


def test_S_A6_a_qq_group_number_is_a_qq_id(engine: ScreeningEngine) -> None:
    assert [h.category for h in engine.screen("Q群：123456789")] == ["qq_id"]


# -- the held-out set ---------------------------------------------------------------------------------------------


def test_the_held_out_set_is_large_enough_and_apart_from_the_tuning_set() -> None:
    clean_rows, spam_rows = load_heldout_clean(), load_heldout_spam()
    assert len(clean_rows) >= 1000
    assert len({m.text for m in clean_rows}) == len(clean_rows)  # no message twice
    assert {m.text for m in clean_rows}.isdisjoint(m.text for m in load_clean())
    assert {r.text for r in spam_rows}.isdisjoint(r.text for r in load_disguised())
    by_technique: dict[str, int] = {}
    for r in spam_rows:
        by_technique[r.technique] = by_technique.get(r.technique, 0) + 1
    assert len(by_technique) >= 20 and min(by_technique.values()) >= 3
    assert len({m.domain.split("/")[0] for m in clean_rows}) >= 10  # many writers' styles


def test_the_held_out_files_parse_sections_context_marks_and_escapes() -> None:
    rows = parse_clean("# c\n[hr internal]\n年会通知\n?加个微信吧\n[sales greeting]\n您好\n")
    assert [(m.domain, m.text, m.needs_context) for m in rows] == [
        ("hr/internal", "年会通知", False),
        ("hr/internal", "加个微信吧", True),
        ("sales/greeting", "您好", False),
    ]
    assert parse_spam("x\t红包\t红\\u3164包\n")[0].text == "红\u3164包"


def test_S_A6_the_held_out_report_gives_recall_text_false_positives_and_the_policys_verdicts(
    engine: ScreeningEngine,
) -> None:
    report = evaluate(engine, load_heldout_spam(), load_heldout_clean())
    assert report.clean_rows >= 1000 and report.recall
    judged = judged_false_positives(report)
    flagged = {m.text for m, _ in report.flagged}
    # judged beyond the text screen's flags: only greetings holding a plain ordinary word, which only warn
    # (`ordinary_words: warn`: never refused, never counted toward the repeat restriction)
    beyond = [(m, outcome) for m, outcome in judged if m.text not in flagged]
    assert all(m.domain.endswith("/greeting") and outcome == "warned" for m, outcome in beyond), beyond
    # a colleague's message passes under the default policy whatever its words (the `colleague` context)
    assert not any(m.domain.endswith("/internal") for m, _ in judged)
    assert {outcome for _, outcome in judged} <= {"warned", "blocked"}
