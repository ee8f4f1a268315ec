"""Enterprise usage policy through the service, on SQLite and PostgreSQL: detection at ingest, cases,
deadlines and escalation with the injected clock, statements, outcomes and their effect on the account."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import World
from warden.adapters import tables as t
from warden.kernel.access import Principal, Role
from warden.kernel.clock import FixedClock
from warden.kernel.errors import Conflict, InvalidInput
from warden.kernel.model import APP_REMOVED_RULE, DEREGISTERED_RULE
from warden.usage_policy import model as up
from warden.usage_policy.cases import CaseDesk
from warden.usage_policy.model import ViolationReport
from warden.usage_policy.outcomes import CaseOutcomes
from warden.usage_policy.policy import UsagePolicyDoc

VALID_ID = "110105199003071239"
POLICY = UsagePolicyDoc.model_validate(
    {
        "rules": [
            {
                "id": "personal-data",
                "title": "个人信息",
                "category": "privacy",
                "detectors": ["id_number", "bank_card"],
                "severity": "high",
                "action": "block_and_warn",
                "external_only": True,
            },
            {"id": "pricing", "title": "报价", "category": "secrets", "words": ["报价底线"], "severity": "medium"},
        ]
    }
)
ADMIN = Principal("t-admin", Role.ENTERPRISE_ADMIN, "ent-1")
HR = Principal("t-hr", Role.HR, "ent-1")
INVESTIGATOR = Principal("t-inv", Role.INVESTIGATOR, "ent-1")
MEMBER = Principal("x", Role.MEMBER, "ent-1", "acc-1")
COLLEAGUE = Principal("x", Role.MEMBER, "ent-1", "acc-2")
ANALYST = Principal("t-an", Role.ANALYST, "ent-1")


@pytest.fixture
def desk(world: World) -> CaseDesk:
    world.w.usage_policies.put_policy(ADMIN, "ent-1", POLICY, 0)
    return world.w.cases


@pytest.fixture
def outcomes(world: World) -> CaseOutcomes:
    return world.w.case_outcomes


def msg(world: World, text: str, account: str = "acc-1", **kw: object) -> dict:
    return world.event("message", account, text=text, **kw)


def audit_actions(world: World) -> list[str]:
    with world.w.engine.connect() as c:
        return list(c.execute(sa.select(t.audit_log.c.action).order_by(t.audit_log.c.seq)).scalars())


def test_an_id_number_sent_outside_is_blocked_and_opens_a_severe_case_with_context_s_e1_s_e3(
    world: World, desk: CaseDesk, clock: FixedClock
) -> None:
    world.send(msg(world, "您好，资料稍后发您", to_external=True, recipient_id="wx-9"))
    clock.advance(minutes=1)
    out = world.send(msg(world, f"身份证号 {VALID_ID}", to_external=True, recipient_id="wx-9")).outcomes[0]
    assert out.allowed is False
    [reason] = out.reasons
    assert reason.code == "usage_policy.blocked" and reason.level == "deny"
    assert reason.params["rules"][0]["hits"][0]["matched"] == VALID_ID
    [case] = desk.list_cases(HR, "ent-1")[0]
    assert (case.rule_id, case.severity, case.source, case.status) == ("personal-data", "high", "detection", "open")
    assert case.deadline_at == clock.now() + timedelta(hours=24)
    _, entries = desk.get_case(HR, case.id)
    hit = next(e for e in entries if e["kind"] == "hit")
    assert hit["data"]["blocked"] is True
    assert [c["text"] for c in hit["data"]["context"]] == ["您好，资料稍后发您"]
    assert "case.opened" in audit_actions(world)


def test_the_same_number_sent_internally_is_not_a_hit_of_an_external_only_rule_s_e1(
    world: World, desk: CaseDesk
) -> None:
    out = world.send(msg(world, f"身份证号 {VALID_ID}", to_external=False)).outcomes[0]
    assert out.allowed is None and out.reasons == []
    assert desk.list_cases(HR, "ent-1")[0] == []


def test_a_warn_only_rule_warns_without_blocking_and_its_case_has_72h_s_e1_s_e2(
    world: World, desk: CaseDesk, clock: FixedClock
) -> None:
    out = world.send(msg(world, "这个客户的报价底线是多少")).outcomes[0]
    assert out.allowed is None and out.reasons[0].code == "usage_policy.warned"
    [case] = desk.list_cases(HR, "ent-1")[0]
    assert case.deadline_at == clock.now() + timedelta(hours=72)


def test_an_enterprise_without_a_policy_gets_no_reasons_and_no_cases(world: World) -> None:
    out = world.send(msg(world, f"身份证号 {VALID_ID}", to_external=True)).outcomes[0]
    assert out.reasons == [] and out.allowed is None
    with world.w.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(t.cases)).scalar_one() == 0


def test_further_hits_join_the_open_case_and_replays_add_nothing_s_e1(world: World, desk: CaseDesk) -> None:
    first = msg(world, f"号码 {VALID_ID}", to_external=True)
    world.send(first, msg(world, "卡号 4532015112830366", to_external=True))
    world.send(first)  # replayed event: answered from the store, no new evidence
    [case] = desk.list_cases(HR, "ent-1")[0]
    _, entries = desk.get_case(HR, case.id)
    assert [e["kind"] for e in entries] == ["opened", "hit", "joined", "hit"]


def test_a_new_policy_version_is_used_at_once_and_a_stale_version_is_refused(world: World, desk: CaseDesk) -> None:
    world.send(msg(world, "机密方案"))
    assert desk.list_cases(HR, "ent-1")[0] == []
    newer = UsagePolicyDoc.model_validate(
        {"rules": [{"id": "marks", "title": "密级", "detectors": ["confidential_marking"], "severity": "low"}]}
    )
    version = world.w.usage_policies.put_policy(ADMIN, "ent-1", newer, 1).version
    assert version == 2
    assert world.send(msg(world, "机密方案")).outcomes[0].reasons[0].code == "usage_policy.warned"
    with pytest.raises(Conflict) as exc:
        world.w.usage_policies.put_policy(Principal("t-other", Role.ENTERPRISE_ADMIN, "ent-1"), "ent-1", newer, 1)
    assert exc.value.errors[0].field == "version"
    assert world.w.usage_policies.get_policy(ADMIN, "ent-1").version == 2


def test_limits_beyond_the_documented_ones_are_refused_and_nothing_is_saved_s_e1(world: World, desk: CaseDesk) -> None:
    too_many = UsagePolicyDoc.model_validate(
        {"rules": [{"id": "w", "title": "w", "words": [f"w{i}" for i in range(301)]}]}
    )
    with pytest.raises(InvalidInput) as exc:
        world.w.usage_policies.put_policy(ADMIN, "ent-1", too_many, 1)
    assert [e.field for e in exc.value.errors] == ["rules[0].words"]
    assert world.w.usage_policies.get_policy(ADMIN, "ent-1").version == 1


def test_overdue_cases_are_flagged_on_read_and_escalated_once_with_an_audit_entry_s_e2(
    world: World, desk: CaseDesk, outcomes: CaseOutcomes, clock: FixedClock
) -> None:
    world.send(msg(world, f"号码 {VALID_ID}", to_external=True))  # severe: 24 h
    world.account("acc-2")
    world.send(msg(world, "报价底线", account="acc-2"))  # other: 72 h
    clock.advance(hours=24)
    assert desk.list_cases(HR, "ent-1", overdue=True)[0] == []
    clock.advance(seconds=1)
    [late] = desk.list_cases(HR, "ent-1", overdue=True)[0]
    assert late.account_id == "acc-1" and late.overdue(clock.now())
    assert late.escalated_at == clock.now()  # issue 15: the listing's due-time check escalated it, no cron
    assert outcomes.escalate_overdue("test") == []
    assert audit_actions(world).count("case.escalated") == 1
    clock.advance(hours=48)
    assert {c.account_id for c in outcomes.escalate_overdue("test")} == {"acc-2"}
    assert desk.get_case(HR, late.id)[1][-1]["data"]["routed_to"] == ["enterprise_admin", "hr", "investigator"]


def test_a_late_employee_report_is_flagged_and_an_idempotency_key_replays_it_s_e1_s_e2(
    world: World, desk: CaseDesk, clock: FixedClock
) -> None:
    world.account("acc-2")
    seen = clock.now() - timedelta(hours=30)
    report = ViolationReport("acc-1", "privacy_leak", "把客户名单发到了外部群", seen, evidence_refs=("shot-1",))
    case, replay = desk.report_violation(COLLEAGUE, "ent-1", report, "k-1")
    assert not replay and case.reported_late and case.severity == "high" and case.source == "report"
    again, replay = desk.report_violation(COLLEAGUE, "ent-1", report, "k-1")
    assert replay and again.id == case.id
    assert len(desk.list_cases(HR, "ent-1")[0]) == 1
    on_time = ViolationReport("acc-2", "conduct", "我误把工作群消息转发到了私人群", clock.now() - timedelta(hours=1))
    own, _ = desk.report_violation(COLLEAGUE, "ent-1", on_time)
    assert own.source == "self_report" and not own.reported_late and own.severity == "medium"


def test_a_report_about_someone_of_another_enterprise_is_refused_naming_the_field(world: World, desk: CaseDesk) -> None:
    world.enterprise("ent-2")
    world.account("acc-x", "ent-2")
    r = ViolationReport("acc-x", "other", "something", world.clock.now())
    with pytest.raises(InvalidInput) as exc:
        desk.report_violation(MEMBER, "ent-1", r)
    assert exc.value.errors[0].field == "account_id"


def open_case(world: World, desk: CaseDesk) -> up.Case:
    world.send(msg(world, f"号码 {VALID_ID}", to_external=True))
    return desk.list_cases(HR, "ent-1")[0][0]


def test_a_statement_of_being_instructed_needs_evidence_and_oversight_does_not_s_e5(
    world: World, desk: CaseDesk
) -> None:
    from warden.appeals.document_store import MemoryDocumentStore
    from warden.appeals.notifier import MemoryNotifier
    from warden.appeals.service import Appeals
    from warden.appeals.uploads import tiny_png

    w = world.w
    w.appeals = Appeals(w.uow, w.enforcement, w.rules, MemoryDocumentStore(), MemoryNotifier())
    world.account("acc-boss")
    case = open_case(world, desk)
    with pytest.raises(InvalidInput) as exc:
        desk.submit_statement(MEMBER, case.id, "misled_or_instructed", "主管让我发的", [], "acc-boss")
    assert exc.value.errors[0].field == "evidence_refs"
    with pytest.raises(InvalidInput) as exc:  # issue 15: a reference must be evidence uploaded to the case
        desk.submit_statement(MEMBER, case.id, "misled_or_instructed", "主管让我发的", ["doc-1"], "acc-boss")
    assert exc.value.errors[0].field == "evidence_refs"
    assert desk.get_case(HR, case.id)[0].statement is None
    ev = w.case_evidence.upload(MEMBER, case.id, tiny_png(1), "chat.png")
    done = desk.submit_statement(MEMBER, case.id, "misled_or_instructed", "主管让我发的", [ev.id], "acc-boss")
    assert done.statement is not None and done.statement["instructed_case"] != case.id
    assert done.statement == {
        "responsibility": "misled_or_instructed",
        "text": "主管让我发的",
        "evidence_refs": [ev.id],
        "instructed_by": "acc-boss",
        "by": MEMBER.actor,
        "instructed_case": done.statement["instructed_case"],
    }
    assert desk.get_case(HR, done.statement["instructed_case"])[0].account_id == "acc-boss"
    with pytest.raises(Conflict):
        desk.submit_statement(MEMBER, case.id, "oversight_self_reported", "再说一次", [], None)


def test_deregistering_bans_the_account_and_the_explanation_says_why_s_e4(
    world: World, desk: CaseDesk, outcomes: CaseOutcomes, clock: FixedClock
) -> None:
    case = open_case(world, desk)
    decided = outcomes.decide(HR, case.id, "deregister", "多次外发客户身份证号")
    assert decided.status == "closed"
    zh, en = world.w.enforcement.explain("acc-1", "zh"), world.w.enforcement.explain("acc-1", "en")
    assert zh["state"] == "banned" and not zh["can_login"]
    [r] = zh["restrictions"]
    assert r["rule"] == DEREGISTERED_RULE and r["ends_at"] is None and "注销" in r["reason_text"]
    assert "Deregistered" in en["restrictions"][0]["reason_text"]
    login = world.event("login", device_id="d1", client_version="4.1.0")
    assert world.send(login).outcomes[0].allowed is False
    with pytest.raises(Conflict):
        outcomes.decide(HR, case.id, "warning", "again")


def test_removing_the_app_restricts_login_only_s_e4(world: World, desk: CaseDesk, outcomes: CaseOutcomes) -> None:
    case = open_case(world, desk)
    outcomes.decide(HR, case.id, "app_removed", "移除企业应用")
    ex = world.w.enforcement.explain("acc-1", "en")
    assert ex["state"] == "login_restricted" and not ex["can_login"]
    assert ex["restrictions"][0]["rule"] == APP_REMOVED_RULE


def test_a_warning_changes_nothing_on_the_account_s_e4(world: World, desk: CaseDesk, outcomes: CaseOutcomes) -> None:
    case = open_case(world, desk)
    outcomes.decide(HR, case.id, "warning", "首次提醒")
    assert world.w.enforcement.explain("acc-1")["state"] == "normal"


def test_training_is_tracked_to_completion_and_then_the_case_closes_s_e4(
    world: World, desk: CaseDesk, outcomes: CaseOutcomes, clock: FixedClock
) -> None:
    case = open_case(world, desk)
    with pytest.raises(Conflict):
        outcomes.complete_training(HR, case.id)
    c = outcomes.decide(HR, case.id, "training", "数据安全培训")
    assert c.status == "training" and c.training_due_at == clock.now() + timedelta(days=14)
    clock.advance(days=15)
    assert desk.get_case(HR, case.id)[0].training_overdue(clock.now())
    done = outcomes.complete_training(HR, case.id)
    assert done.status == "closed" and done.training_completed_at == clock.now()
    assert world.w.enforcement.explain("acc-1")["state"] == "normal"


def test_escalating_as_illegal_raises_a_flag_for_platform_reviewers_s_e4(
    world: World, desk: CaseDesk, outcomes: CaseOutcomes
) -> None:
    case = open_case(world, desk)
    c = outcomes.decide(INVESTIGATOR, case.id, "escalate_illegal", "疑似出售公民个人信息")
    assert c.escalated_at is not None
    with world.w.engine.connect() as conn:
        flags = conn.execute(sa.select(t.flags.c.rule_id, t.flags.c.subject_id)).all()
    assert [tuple(f) for f in flags] == [("enterprise_escalation", "acc-1")]


def test_figures_show_hits_per_rule_misclassified_share_and_repeat_offenders(
    world: World, desk: CaseDesk, outcomes: CaseOutcomes, clock: FixedClock
) -> None:
    first = open_case(world, desk)
    outcomes.decide(HR, first.id, "dismissed", "测试数据，不是真实身份证号", misclassified=True)
    second = open_case(world, desk)
    clock.advance(hours=2)
    outcomes.decide(HR, second.id, "warning", "提醒")
    f = world.w.usage_figures.figures(HR, "ent-1").model_dump()
    assert f["rules"]["personal-data"] == {"hits": 2, "cases": 2, "misclassified": 1, "misclassified_share": 0.5}
    assert f["cases"]["closed"] == 2 and f["time_to_resolve"]["median_seconds"] == 3600.0
    assert f["repeat_offenders"] == []  # a misclassified case is not an offence
    third = open_case(world, desk)
    assert third.id != second.id
    f = world.w.usage_figures.figures(ANALYST, "ent-1").model_dump()  # the admin sees names by default (issue 15)
    [offender] = f["repeat_offenders"]
    assert offender["cases"] == 2 and offender["account"].startswith("emp-") and f["names"] == "pseudonymised"


def test_a_closed_case_can_be_tagged_misclassified_later_and_the_rule_figures_follow(
    world: World, desk: CaseDesk, outcomes: CaseOutcomes
) -> None:
    case = open_case(world, desk)
    outcomes.decide(HR, case.id, "warning", "提醒一次")
    assert world.w.usage_figures.figures(HR, "ent-1").model_dump()["rules"]["personal-data"]["misclassified"] == 0
    outcomes.tag_misclassified(INVESTIGATOR, case.id, True, "是测试用的假号码")
    assert (
        world.w.usage_figures.figures(HR, "ent-1").model_dump()["rules"]["personal-data"]["misclassified_share"] == 1.0
    )
    outcomes.tag_misclassified(INVESTIGATOR, case.id, True, "again")  # no change, no entry
    kinds = [e["kind"] for e in desk.get_case(HR, case.id)[1]]
    assert kinds.count("classification") == 1 and audit_actions(world).count("case.classification") == 1


def test_the_escalate_command_records_escalation_of_overdue_cases(world: World, desk: CaseDesk, db_url: str) -> None:
    from typer.testing import CliRunner

    from warden.entrypoints.cli.main import app

    world.clock.advance(days=-3)  # the case opened three days before now: overdue by any real clock after it
    open_case(world, desk)
    runner = CliRunner()
    first = runner.invoke(app, ["cases", "escalate", "-d", db_url, "--enterprise", "ent-1"])
    assert first.exit_code == 0, first.output
    assert "1 overdue case(s) escalated" in first.output
    again = runner.invoke(app, ["cases", "escalate", "-d", db_url])
    assert "0 overdue case(s) escalated" in again.output
    listing = runner.invoke(app, ["cases", "list", "-d", db_url, "--enterprise", "ent-1"])
    assert "1 case(s), 1 overdue" in listing.output  # escalated, and overdue until decided


def test_concurrent_first_edits_of_a_policy_leave_exactly_one_winner_and_the_rest_get_409(world: World) -> None:
    from concurrent.futures import ThreadPoolExecutor

    desk = world.w.usage_policies

    def edit(i: int) -> str:
        try:
            desk.put_policy(Principal(f"editor-{i}", Role.ENTERPRISE_ADMIN, "ent-1"), "ent-1", POLICY, 0)
            return "ok"
        except Conflict:
            return "conflict"

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(edit, range(8)))
    assert sorted(results) == ["conflict"] * 7 + ["ok"]
    assert world.w.usage_policies.get_policy(ADMIN, "ent-1").version == 1


def test_S_E2_warden_scheduler_once_escalates_what_fell_due_and_delivers_the_outbox(
    world: World, desk: CaseDesk, db_url: str
) -> None:
    from typer.testing import CliRunner

    from warden.entrypoints.cli.main import app

    world.clock.advance(days=-3)  # opened three days before now: overdue by any real clock after it
    open_case(world, desk)
    runner = CliRunner()
    first = runner.invoke(app, ["scheduler", "--once", "-d", db_url])
    assert first.exit_code == 0, first.output
    # the 2 "opened" notices went out when the case was read after ingest; now the 3 "overdue" ones
    assert "1 case(s) escalated" in first.output and "3 notice(s) sent" in first.output
    again = runner.invoke(app, ["scheduler", "--once", "-d", db_url])
    assert "0 case(s) escalated; 0 notice(s) sent" in again.output
