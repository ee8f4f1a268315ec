"""The enterprise usage policy's pure parts: limits, compiled checks, deadlines, statements, pseudonyms, figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warden.bootstrap import shipped_engine
from warden.screening.dictionaries import term_specs
from warden.usage_policy import model as up
from warden.usage_policy import policy as pol
from warden.usage_policy.policies import engine_screeners

S = pol.EnterpriseUsageSettings()
BUILD = engine_screeners(shipped_engine)  # the screening engine, as the service builds it
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
VALID_ID = "110105199003071239"


def doc(*rules: dict) -> pol.UsagePolicyDoc:
    return pol.UsagePolicyDoc.model_validate({"rules": list(rules)})


def rule(rid: str = "r1", **kw: object) -> dict:
    return {"id": rid, "title": rid, **kw}


def fields(d: pol.UsagePolicyDoc) -> list[str]:
    return [e.field for e in pol.limit_errors(d, S)]


def test_a_policy_within_the_documented_limits_has_no_errors_s_e1() -> None:
    words = [f"词{i:03d}" for i in range(300)]
    d = doc(*[rule(f"r{i}", words=words if i == 0 else ["x"]) for i in range(100)])
    assert pol.limit_errors(d, S) == []


def test_more_than_100_rules_is_an_error_naming_rules_s_e1() -> None:
    assert fields(doc(*[rule(f"r{i}", words=["x"]) for i in range(101)])) == ["rules"]


def test_more_than_300_words_in_one_rule_is_an_error_naming_that_rule_s_e1() -> None:
    d = doc(rule("a", words=["x"]), rule("b", words=[f"w{i}" for i in range(301)]))
    assert fields(d) == ["rules[1].words"]


def test_a_word_longer_than_32_characters_or_blank_is_an_error_naming_the_word_s_e1() -> None:
    d = doc(rule("a", words=["ok", "长" * 33, "  ", "长" * 32]))
    errs = pol.limit_errors(d, S)
    assert [e.field for e in errs] == ["rules[0].words[1]", "rules[0].words[2]"]
    assert "1–32" in errs[0].message and "33" in errs[0].message


def test_scopes_above_1000_members_or_departments_are_errors_s_e1() -> None:
    big = [f"m{i}" for i in range(1001)]
    d = doc(rule("a", words=["x"], scope={"members": big, "departments": big}))
    assert fields(d) == ["rules[0].scope.members", "rules[0].scope.departments"]


def test_a_rule_without_words_or_detectors_and_duplicate_ids_are_errors_s_e1() -> None:
    assert fields(doc(rule("a"), rule("a", words=["x"]))) == ["rules[0]", "rules[1].id"]


def test_keyword_rules_match_through_the_enterprise_screener_and_keep_offsets_s_e1() -> None:
    cp = up.CompiledPolicy(doc(rule("pricing", words=["报价底线"], severity="medium")), 1, BUILD)
    text = "这个客户的报价底线是多少"
    [hit] = cp.check(text, account_id="a", department=None, to_external=False)
    assert hit.rule_id == "pricing" and hit.severity == "medium" and hit.action == "warn_only"
    assert [text[h.start : h.end] for h in hit.hits] == ["报价底线"]


def test_detectors_only_fire_for_the_rules_that_name_them_s_e3() -> None:
    cp = up.CompiledPolicy(doc(rule("ids", detectors=["id_number"]), rule("mails", detectors=["email"])), 1, BUILD)
    hits = cp.check(f"号码 {VALID_ID}", account_id="a", department=None, to_external=True)
    assert [h.rule_id for h in hits] == ["ids"]


def test_scope_by_member_or_department_and_external_only_s_e1() -> None:
    cp = up.CompiledPolicy(
        doc(
            rule("fin", words=["成本价"], scope={"departments": ["finance"]}),
            rule("named", words=["成本价"], scope={"members": ["acc-9"]}),
            rule("outside", words=["成本价"], external_only=True),
        ),
        1,
        BUILD,
    )

    def rules(account: str, dept: str | None, external: bool) -> list[str]:
        return [h.rule_id for h in cp.check("成本价", account_id=account, department=dept, to_external=external)]

    assert rules("acc-1", "finance", False) == ["fin"]
    assert rules("acc-9", "sales", False) == ["named"]
    assert rules("acc-1", None, True) == ["outside"]
    assert rules("acc-1", "sales", False) == []


def test_files_labelled_confidential_and_files_sent_outside_are_file_hits_s_e3() -> None:
    cp = up.CompiledPolicy(
        doc(rule("conf", detectors=["confidential_file"]), rule("ext", detectors=["external_file"])), 1, BUILD
    )
    files = [
        up.Attachment("报价.xlsx", ("Confidential",)),
        up.Attachment("【机密】方案.docx"),
        up.Attachment("菜单.pdf"),
    ]
    inside = cp.check("", account_id="a", department=None, to_external=False, attachments=files)
    assert [(h.rule_id, [x.matched for x in h.hits]) for h in inside] == [("conf", ["报价.xlsx", "【机密】方案.docx"])]
    outside = cp.check("", account_id="a", department=None, to_external=True, attachments=files)
    assert [h.rule_id for h in outside] == ["conf", "ext"] and len(outside[1].hits) == 3


def case(severity: str = "high", **kw: object) -> up.Case:
    base = {
        "id": "c1",
        "enterprise_id": "e",
        "account_id": "a",
        "rule_id": "r",
        "category": "privacy",
        "severity": severity,
        "source": "detection",
        "status": "open",
        "opened_at": T0,
        "first_seen_at": T0,
        "deadline_at": T0 + up.deadline_window(severity, S),
    }
    return up.Case(**(base | kw))  # type: ignore[arg-type]


def test_deadlines_are_24h_for_severe_and_72h_otherwise_s_e2() -> None:
    assert up.deadline_window("high", S) == timedelta(hours=24)
    assert up.deadline_window("medium", S) == timedelta(hours=72)
    assert up.deadline_window("low", S) == timedelta(hours=72)


def test_a_case_is_overdue_only_while_undecided_past_its_deadline_s_e2() -> None:
    c = case("high")
    assert not c.overdue(T0 + timedelta(hours=24))
    assert c.overdue(T0 + timedelta(hours=24, seconds=1))
    c.status = "closed"
    assert not c.overdue(T0 + timedelta(days=9))


def test_joining_a_stronger_hit_raises_severity_and_pulls_the_deadline_nearer_s_e2() -> None:
    c = case("medium")
    c.join("high", T0 + timedelta(hours=1), S)
    assert c.severity == "high" and c.deadline_at == T0 + timedelta(hours=25)
    c.join("low", T0 + timedelta(hours=2), S)
    assert c.severity == "high" and c.deadline_at == T0 + timedelta(hours=25)


@pytest.mark.parametrize(
    ("responsibility", "refs", "ok"),
    [
        ("oversight_self_reported", [], True),
        ("misled_or_instructed", [], False),
        ("misled_or_instructed", ["  "], False),
        ("misled_or_instructed", ["doc-7f3a"], True),
    ],
)
def test_misled_or_instructed_needs_evidence_and_oversight_does_not_s_e5(
    responsibility: str, refs: list[str], ok: bool
) -> None:
    errs = up.statement_errors(responsibility, refs)
    assert (errs == []) is ok
    assert ok or errs[0].field == "evidence_refs"


def test_pseudonyms_are_stable_within_an_enterprise_and_differ_across_keys_and_enterprises() -> None:
    p = up.pseudonym("k1", "e1", "acc-1")
    assert p == up.pseudonym("k1", "e1", "acc-1") and p.startswith("emp-") and "acc-1" not in p
    assert p != up.pseudonym("k1", "e2", "acc-1") != up.pseudonym("k2", "e1", "acc-1")


def test_figures_count_cases_times_repeat_offenders_training_and_rule_quality() -> None:
    now = T0 + timedelta(days=5)
    cases = [
        case("high", id="c1", account_id="a", status="open"),  # overdue
        case("medium", id="c2", account_id="a", status="closed", closed_at=T0 + timedelta(hours=10)),
        case(
            "medium", id="c3", account_id="b", status="closed", closed_at=T0 + timedelta(hours=30), misclassified=True
        ),
        case(
            "medium",
            id="c4",
            account_id="c",
            rule_id=None,
            source="report",
            first_seen_at=T0 - timedelta(hours=100),
            reported_late=True,
            status="training",
            outcome="training",
            training_due_at=T0 + timedelta(days=14),
        ),
        case(
            "medium",
            id="c5",
            account_id="c",
            source="self_report",
            first_seen_at=T0 - timedelta(hours=2),
            status="closed",
            outcome="training",
            training_completed_at=T0,
            closed_at=T0 + timedelta(hours=2),
        ),
    ]
    f = up.figures(cases, {"r": 7}, now, lambda a: f"p-{a}")
    assert f["cases"] | {"by_severity": None} == {
        "total": 5,
        "open": 1,
        "in_training": 1,
        "closed": 3,
        "overdue": 1,
        "escalated": 0,
        "by_severity": None,
    }
    assert f["time_to_report"] == {"count": 2, "median_seconds": 183600.0, "mean_seconds": 183600.0, "late": 1}
    assert f["time_to_resolve"]["count"] == 3 and f["time_to_resolve"]["median_seconds"] == 36000.0
    assert f["repeat_offenders"] == [{"account": "p-a", "cases": 2}, {"account": "p-c", "cases": 2}]
    assert f["training"] == {"assigned": 2, "completed": 1, "overdue": 0, "completion_rate": 0.5}
    assert f["rules"]["r"] == {"hits": 7, "cases": 4, "misclassified": 1, "misclassified_share": 0.25}


def test_the_keyword_screener_finds_the_same_hits_as_the_reference_word_list_screener() -> None:
    from warden.screening.base import WordListScreener

    words = [("报价", "r1", "high"), ("报价底线", "r2", "high"), ("底线", "r1", "high"), ("报价", "r3", "high")]
    text = "报价底线和底线报价，报价"
    key = lambda h: (h.start, h.end, h.category)  # noqa: E731
    assert sorted(BUILD(term_specs(words), False).screen(text), key=key) == sorted(
        WordListScreener(words).screen(text), key=key
    )
    assert BUILD([], False).screen(text) == []
