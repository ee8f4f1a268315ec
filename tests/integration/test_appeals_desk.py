"""Appeals and the review desk (S-D6, S-C2, member appeals) through the service, on both databases."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import World, build, policy_with
from warden.adapters import tables as t
from warden.app import App
from warden.appeals.document_store import LocalDocumentStore
from warden.appeals.model import AppealOutcome
from warden.appeals.notifier import MemoryNotifier
from warden.appeals.service import Appeals
from warden.appeals.uploads import tiny_pdf, tiny_png
from warden.kernel.access import Principal, Role
from warden.kernel.clock import FixedClock
from warden.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from warden.kernel.model import StrikeStatus

REVIEWER_A = Principal("rev-a", Role.REVIEWER)
REVIEWER_B = Principal("rev-b", Role.REVIEWER)
ADMIN = Principal("adm-1", Role.ENTERPRISE_ADMIN, enterprise_id="ent-1")
OTHER_ADMIN = Principal("adm-2", Role.ENTERPRISE_ADMIN, enterprise_id="ent-2")
MEMBER = Principal("mem-1", Role.MEMBER, enterprise_id="ent-1", account_id="acc-1")
OTHER_MEMBER = Principal("mem-2", Role.MEMBER, enterprise_id="ent-1", account_id="acc-2")
PLATFORM = Principal("plat", Role.PLATFORM)
DOSSIER = ["business_licence", "legal_rep_id", "legal_rep_holding_id", "authorisation_letter"]


def make_desk(w: App, root: Path) -> tuple[Appeals, MemoryNotifier]:
    notifier = MemoryNotifier()
    desk = Appeals(w.uow, w.enforcement, w.rules, LocalDocumentStore(root), notifier)
    w.appeals = desk
    return desk, notifier


@pytest.fixture
def desk(warden: App, tmp_path: Path) -> tuple[Appeals, MemoryNotifier]:
    return make_desk(warden, tmp_path / "documents")


def ban_enterprise(world: World) -> str:
    world.account("acc-2")
    r = world.w.manual_actions.restrict_enterprise("ent-1", "reviewer:rev-0", "S", "fraud ring")
    assert r.strike_id is not None
    return r.strike_id


def velocity_strike(world: World, account: str = "acc-1") -> str:
    world.send(*[world.phone_search(account) for _ in range(21)])
    strikes = [s for s in world.w.enforcement.subject(account).strikes if s.status is StrikeStatus.ACTIVE]
    return strikes[-1].id


def plugin_strike(world: World, account: str = "acc-1") -> str:
    world.send(world.event("login", account, device_id="d1", client_version="4.1", plugin_signatures=["x-1"]))
    return world.w.enforcement.subject(account).strikes[-1].id


def full_dossier(desk: Appeals, appeal_id: str) -> None:
    for i, kind in enumerate(DOSSIER):
        data = tiny_pdf(kind) if i % 2 else tiny_png(i)
        desk.upload(ADMIN, appeal_id, kind, data, f"{kind}.bin")


def accept_all(desk: Appeals, appeal_id: str, reviewer: Principal = REVIEWER_A) -> None:
    for kind in DOSSIER:
        desk.review_document(reviewer, appeal_id, kind, "accepted", None, None)


def states(desk: Appeals, appeal_id: str) -> dict[str, str]:
    return {row["kind"]: row["state"] for row in desk.get(ADMIN, appeal_id)["checklist"]}


# --- S-D6: the document checklist -------------------------------------------------------------------------


def test_S_D6_enterprise_appeal_is_a_checklist_where_one_rejected_document_is_resubmitted_alone(
    world: World, desk: tuple[Appeals, MemoryNotifier]
) -> None:
    d, _ = desk
    strike = ban_enterprise(world)
    appeal, created = d.open(ADMIN, strike, "我们没有违规，资质齐全")
    assert created
    view = d.get(ADMIN, appeal.id, "en")
    assert view["stage"] == "needs_documents"
    assert [r["state"] for r in view["checklist"]] == ["missing"] * 5
    assert [r["required"] for r in view["checklist"]] == [True, True, True, True, False]
    assert view["checklist"][0]["title"] == "Business licence"

    full_dossier(d, appeal.id)
    assert set(states(d, appeal.id).values()) == {"submitted", "missing"}  # the optional report stays missing
    d.claim(REVIEWER_A, f"appeal:{appeal.id}")
    d.review_document(REVIEWER_A, appeal.id, "business_licence", "accepted", None, None)
    d.review_document(REVIEWER_A, appeal.id, "authorisation_letter", "rejected", "seal_missing", "请加盖公章")
    view = d.get(ADMIN, appeal.id, "zh")
    row = next(r for r in view["checklist"] if r["kind"] == "authorisation_letter")
    assert row["state"] == "rejected"
    assert row["rejection"] == {"code": "seal_missing", "text": "缺少企业公章", "note": "请加盖公章"}
    assert view["stage"] == "needs_documents"

    d.upload(ADMIN, appeal.id, "authorisation_letter", tiny_pdf("sealed"), "授权书.pdf")
    after = states(d, appeal.id)
    assert after["authorisation_letter"] == "submitted"
    assert after["business_licence"] == "accepted"  # untouched by the resubmission
    row = next(r for r in d.get(ADMIN, appeal.id)["checklist"] if r["kind"] == "authorisation_letter")
    assert row["submissions"] == 2 and row["document"]["filename"] == "授权书.pdf"
    with pytest.raises(Conflict, match="already accepted"):
        d.upload(ADMIN, appeal.id, "business_licence", tiny_png(99), "again.png")


def test_S_D6_an_enterprise_ban_is_not_eased_on_an_incomplete_dossier(
    world: World, desk: tuple[Appeals, MemoryNotifier]
) -> None:
    d, _ = desk
    appeal, _ = d.open(ADMIN, ban_enterprise(world), "请复核")
    d.upload(ADMIN, appeal.id, "business_licence", tiny_png(1), "licence.png")
    d.claim(REVIEWER_A, f"appeal:{appeal.id}")
    with pytest.raises(Conflict, match="legal_rep_id") as exc:
        d.decide(REVIEWER_A, appeal.id, AppealOutcome.OVERTURN, "documents_verified")
    assert "documents.authorisation_letter" in [e.field for e in exc.value.errors]
    d.decide(REVIEWER_A, appeal.id, AppealOutcome.UPHOLD, "documents_invalid")  # upholding needs no dossier
    assert d.get(ADMIN, appeal.id)["stage"] == "second_review"  # an enterprise ban: four eyes even to uphold


# --- S-D6 + S-C2: four eyes and the effects of an overturn ----------------------------------------------


def test_S_C2_overturning_an_enterprise_ban_takes_a_second_reviewer_and_restores_every_member(
    world: World, desk: tuple[Appeals, MemoryNotifier]
) -> None:
    d, _ = desk
    strike = ban_enterprise(world)
    assert world.w.enforcement.explain("acc-2")["state"] == "banned"  # members follow the enterprise
    appeal, _ = d.open(ADMIN, strike, "营业执照等材料齐全，请复核")
    full_dossier(d, appeal.id)
    d.claim(REVIEWER_A, f"appeal:{appeal.id}")
    accept_all(d, appeal.id)
    d.decide(REVIEWER_A, appeal.id, AppealOutcome.OVERTURN, "documents_verified", note="材料核实无误")

    assert world.w.enforcement.explain("acc-1")["state"] == "banned"  # a proposal changes nothing yet
    with pytest.raises(Forbidden, match="four eyes"):
        d.confirm(REVIEWER_A, appeal.id, True)
    with pytest.raises(Conflict, match="different reviewer"):
        d.claim(REVIEWER_A, f"appeal:{appeal.id}")
    d.claim(REVIEWER_B, f"appeal:{appeal.id}")
    d.confirm(REVIEWER_B, appeal.id, True)

    view = d.get(REVIEWER_B, appeal.id, "en")
    assert view["status"] == "overturned"
    assert view["decision"]["decided_by"] == REVIEWER_A.actor and view["decision"]["confirmed_by"] == REVIEWER_B.actor
    assert view["decision"]["text"].startswith("The qualification documents were verified")
    assert view["penalty"]["status"] == "overturned"
    for member in ("acc-1", "acc-2"):
        ex = world.w.enforcement.explain(member)
        assert ex["state"] == "normal" and ex["can_login"]
    assert world.w.enforcement.audit_verify().ok
    assert d.get(ADMIN, appeal.id, "zh")["stage_text"] == "申诉通过，处罚已撤销"


def test_S_C2_the_second_reviewer_can_send_a_proposal_back_to_the_queue(
    world: World, desk: tuple[Appeals, MemoryNotifier]
) -> None:
    d, _ = desk
    appeal, _ = d.open(ADMIN, ban_enterprise(world), "请复核")
    full_dossier(d, appeal.id)
    d.claim(REVIEWER_A, f"appeal:{appeal.id}")
    accept_all(d, appeal.id)
    d.decide(REVIEWER_A, appeal.id, AppealOutcome.OVERTURN, "documents_verified")
    d.claim(REVIEWER_B, f"appeal:{appeal.id}")
    d.confirm(REVIEWER_B, appeal.id, False, "资质与登记信息不一致")
    view = d.get(REVIEWER_B, appeal.id)
    assert view["status"] == "open" and "proposal" not in view
    assert world.w.enforcement.explain("acc-1")["state"] == "banned"


def test_a_member_permanent_ban_decision_takes_four_eyes(db_url: str, clock: FixedClock, tmp_path: Path) -> None:
    w = build(db_url, clock, policy_with({"    severity: P\n": "    severity: S\n"}))
    d, _ = make_desk(w, tmp_path)
    world = World(w, clock)
    world.enterprise()
    world.account()
    strike = plugin_strike(world)
    assert world.w.enforcement.subject("acc-1").strikes[-1].step == 5
    appeal, _ = d.open(MEMBER, strike, "I never installed a plug-in")
    d.claim(REVIEWER_A, f"appeal:{appeal.id}")
    d.decide(REVIEWER_A, appeal.id, AppealOutcome.OVERTURN, "evidence_convincing")
    assert d.get(MEMBER, appeal.id)["stage"] == "second_review"
    assert w.enforcement.explain("acc-1")["state"] == "banned"
    d.claim(REVIEWER_B, f"appeal:{appeal.id}")
    d.confirm(REVIEWER_B, appeal.id, True)
    assert w.enforcement.explain("acc-1")["state"] == "normal"
    w.engine.dispose()


# --- member appeals ---------------------------------------------------------------------------------------


def test_member_appeal_overturn_voids_the_strike_restores_the_account_and_the_exemption_holds(
    world: World, desk: tuple[Appeals, MemoryNotifier], clock: FixedClock
) -> None:
    d, _ = desk
    strike = velocity_strike(world)
    assert world.w.enforcement.explain("acc-1")["state"] == "paused"
    appeal, _ = d.open(MEMBER, strike, "那是同事帮我导入客户名单，不是骚扰")
    d.claim(REVIEWER_A, f"appeal:{appeal.id}")
    d.decide(REVIEWER_A, appeal.id, AppealOutcome.OVERTURN, "rule_misfired", exempt_days=7)  # step 0: no four eyes

    subj = world.w.enforcement.subject("acc-1")
    assert [s.status for s in subj.strikes] == [StrikeStatus.OVERTURNED]
    assert not any(s.status is StrikeStatus.ACTIVE for s in subj.strikes)  # weight's "clean history" input
    ex = world.w.enforcement.explain("acc-1")
    assert ex["state"] == "normal" and ex["restrictions"] == []
    assert subj.exemptions["phone_search_velocity"] == clock.now() + timedelta(days=7)

    clock.advance(hours=2)
    world.send(*[world.phone_search() for _ in range(25)])  # would restrict again, but the exemption holds
    assert not any(s.status is StrikeStatus.ACTIVE for s in world.w.enforcement.subject("acc-1").strikes)
    clock.advance(days=8)
    world.send(*[world.phone_search() for _ in range(25)])  # the exemption has ended
    assert any(s.status is StrikeStatus.ACTIVE for s in world.w.enforcement.subject("acc-1").strikes)


def test_member_appeal_reduce_lowers_the_step_and_rederives_a_shorter_restriction(
    world: World, desk: tuple[Appeals, MemoryNotifier], clock: FixedClock
) -> None:
    d, _ = desk
    strike = plugin_strike(world)  # plug-in class: step 2, login restricted for 3 days
    assert world.w.enforcement.explain("acc-1")["state"] == "login_restricted"
    appeal, _ = d.open(MEMBER, strike, "旧版本残留插件，已卸载")  # a login-restricted member can still appeal
    d.claim(REVIEWER_A, f"appeal:{appeal.id}")
    with pytest.raises(InvalidInput) as exc:
        d.decide(REVIEWER_A, appeal.id, AppealOutcome.REDUCE, "rectified", to_step=2)
    assert [e.field for e in exc.value.errors] == ["to_step"]
    d.decide(REVIEWER_A, appeal.id, AppealOutcome.REDUCE, "rectified", to_step=1)

    s = world.w.enforcement.subject("acc-1").strikes[-1]
    assert s.status is StrikeStatus.ACTIVE and s.step == 1
    r = world.w.enforcement.restrictions("account", "acc-1")[0]
    assert r.step == 1 and r.scope.value == "features" and r.ends_at == s.at + timedelta(days=1)
    assert world.w.enforcement.explain("acc-1")["state"] == "restricted"
    view = d.get(MEMBER, appeal.id, "en")
    assert view["status"] == "reduced" and view["decision"]["to_step"] == 1
    assert "reduced" in view["decision"]["text"]
    actions = [e.action for e in _audit(world.w) if e.action != "state.rows"]  # (issue 12: vouched state rows)
    assert actions[-2:] == ["strike.reduced", "appeal.decided"]


def _audit(w: App) -> list[Any]:
    from warden.adapters import store
    from warden.adapters.database import reading

    with reading(w.engine) as conn:
        return list(store.audit_entries(conn))


def test_member_appeal_one_open_appeal_per_penalty_and_only_within_the_window(
    world: World, desk: tuple[Appeals, MemoryNotifier], clock: FixedClock
) -> None:
    d, _ = desk
    strike = velocity_strike(world)
    appeal, _ = d.open(MEMBER, strike, "first")
    with pytest.raises(Conflict, match="already has an open appeal"):
        d.open(MEMBER, strike, "second")
    d.upload(MEMBER, appeal.id, "evidence_1", tiny_png(8), "聊天截图.png")
    assert [r["kind"] for r in d.get(MEMBER, appeal.id)["checklist"]] == ["evidence_1"]  # only used slots
    with pytest.raises(InvalidInput) as exc:
        d.upload(MEMBER, appeal.id, "evidence_10", tiny_png(9), "x.png")  # up to 9 files (policy)
    assert exc.value.errors[0].field == "kind"
    assert d.download(ADMIN, appeal.id, "evidence_1")[1] == tiny_png(8)  # the member's enterprise may read it
    assert _audit(world.w)[-1].action == "appeal.document_read"
    d.withdraw(MEMBER, appeal.id)
    again, _ = d.open(MEMBER, strike, "after withdrawing, a fresh appeal")
    assert again.id != appeal.id
    d.withdraw(MEMBER, again.id)
    clock.advance(days=20, seconds=1)
    with pytest.raises(Conflict, match="window closed") as exc:
        d.open(MEMBER, strike, "too late")
    assert exc.value.errors[0].field == "strike_id"


def test_member_appeal_statement_is_capped_and_must_say_something(
    world: World, desk: tuple[Appeals, MemoryNotifier]
) -> None:
    d, _ = desk
    strike = velocity_strike(world)
    with pytest.raises(InvalidInput) as exc:
        d.open(MEMBER, strike, "很" * 2001)
    assert exc.value.errors[0].field == "statement"
    with pytest.raises(InvalidInput):
        d.open(MEMBER, strike, "   ")
    assert world.w.enforcement.audit_verify().ok


def test_one_open_appeal_per_penalty_holds_under_concurrent_submissions(
    world: World, desk: tuple[Appeals, MemoryNotifier]
) -> None:
    d, _ = desk
    strike = velocity_strike(world)
    results = _race(8, lambda i: d.open(MEMBER, strike, f"attempt {i}"))
    assert sum(1 for r in results if not isinstance(r, Exception)) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception))
    with world.w.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.appeals)).scalar_one() == 1


def test_idempotency_key_replays_the_first_appeal(world: World, desk: tuple[Appeals, MemoryNotifier]) -> None:
    d, _ = desk
    strike = velocity_strike(world)
    first, created = d.open(MEMBER, strike, "once", idempotency_key="k-1")
    again, created_again = d.open(MEMBER, strike, "once", idempotency_key="k-1")
    assert created and not created_again and again.id == first.id


# --- the desk: queue and claims -----------------------------------------------------------------------------


def _race(n: int, fn: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as exc:  # collected and asserted on by the caller
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


def test_claims_are_exact_under_concurrency_so_two_reviewers_never_hold_one_case(
    world: World, desk: tuple[Appeals, MemoryNotifier]
) -> None:
    d, _ = desk
    appeal, _ = d.open(MEMBER, velocity_strike(world), "please review")
    reviewers = [Principal(f"rev-{i}", Role.REVIEWER) for i in range(8)]
    results = _race(8, lambda i: d.claim(reviewers[i], f"appeal:{appeal.id}"))
    winners = [r for r in results if isinstance(r, dict)]
    assert len(winners) == 1
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, dict))
    holder = winners[0]["claimed_by"]
    loser = next(p for p in reviewers if p.actor != holder)
    with pytest.raises(Conflict, match="claim"):
        d.decide(loser, appeal.id, AppealOutcome.UPHOLD, "violation_confirmed")
    with pytest.raises(Conflict):
        d.release(loser, f"appeal:{appeal.id}")
    d.release(next(p for p in reviewers if p.actor == holder), f"appeal:{appeal.id}")
    assert d.claim(loser, f"appeal:{appeal.id}")["claimed_by"] == loser.actor


def test_a_stale_claim_lapses_after_the_claim_ttl(
    world: World, desk: tuple[Appeals, MemoryNotifier], clock: FixedClock
) -> None:
    d, _ = desk
    appeal, _ = d.open(MEMBER, velocity_strike(world), "please review")
    d.claim(REVIEWER_A, f"appeal:{appeal.id}")
    clock.advance(hours=3)
    with pytest.raises(Conflict, match="claimed by"):
        d.claim(REVIEWER_B, f"appeal:{appeal.id}")
    clock.advance(hours=1, seconds=1)
    assert d.claim(REVIEWER_B, f"appeal:{appeal.id}")["claimed_by"] == REVIEWER_B.actor


def test_the_queue_orders_appeals_and_flags_by_working_day_deadline_and_shows_history(
    world: World, desk: tuple[Appeals, MemoryNotifier], clock: FixedClock
) -> None:
    d, _ = desk
    # 2026-11-25 is a Wednesday: a flag raised now is due 7 working days later, Friday 2026-12-04.
    world.account("acc-2")
    world.send(*[world.event("contact_added", "acc-2", contact_id=f"c{i}", initiated_by="contact") for i in range(61)])
    clock.advance(days=1)
    first, _ = d.open(MEMBER, velocity_strike(world), "first appeal")
    clock.advance(days=2)  # Saturday: counting starts on Monday
    q = d.queue(REVIEWER_A, "en")
    assert [i["type"] for i in q["items"]] == ["flag", "appeal"]
    assert q["items"][0]["due_at"].startswith("2026-12-04T08:00")
    assert q["items"][1]["due_at"].startswith("2026-12-07T08:00")  # Thursday + 7 working days = Monday
    assert q["items"][1]["stage"] == "queued" and not q["items"][1]["overdue"]
    page = d.queue(REVIEWER_A, "en", limit=1)
    assert [i["type"] for i in page["items"]] == ["flag"]
    rest = d.queue(REVIEWER_A, "en", limit=1, cursor=page["next_cursor"])
    assert [i["appeal_id"] for i in rest["items"]] == [first.id]

    history = d.get(REVIEWER_A, first.id)["history"]
    assert [s["rule"] for s in history["strikes"]] == ["phone_search_velocity"]
    assert history["active_strikes"] == 1 and len(history["recent_events"]) == 20
    assert "weight" in history  # filled once weight (issue 4) is wired
    assert "history" not in d.get(MEMBER, first.id)

    flag_id = q["items"][0]["flag_id"]
    with pytest.raises(Conflict, match="claim"):
        d.resolve_flag(REVIEWER_A, flag_id, "dismissed", "legit event sign-ups")
    d.claim(REVIEWER_A, f"flag:{flag_id}")
    d.resolve_flag(REVIEWER_A, flag_id, "dismissed", "legit event sign-ups")
    assert [i["type"] for i in d.queue(REVIEWER_A)["items"]] == ["appeal"]


# --- notifications ----------------------------------------------------------------------------------------


def test_appellants_are_notified_of_each_change_and_a_failed_send_is_retried_once_not_twice(
    world: World, desk: tuple[Appeals, MemoryNotifier], clock: FixedClock
) -> None:
    d, notifier = desk
    appeal, _ = d.open(ADMIN, ban_enterprise(world), "请复核")
    full_dossier(d, appeal.id)
    d.claim(REVIEWER_A, f"appeal:{appeal.id}")
    notifier.fail_next = 1
    d.review_document(REVIEWER_A, appeal.id, "legal_rep_id", "rejected", "illegible", None)
    kinds = [n.kind for n in notifier.sent]
    assert kinds[0] == "appeal.opened" and kinds.count("appeal.document_submitted") == 4
    assert "appeal.document_rejected" not in kinds  # the send failed; it waits for its retry
    assert all(n.recipient_type == "enterprise" and n.recipient_id == "ent-1" for n in notifier.sent)

    assert d.deliver().sent == 0  # not due yet (backoff)
    clock.advance(minutes=1)
    assert d.deliver().sent == 1
    assert d.deliver().sent == 0  # never twice
    rejected = [n for n in notifier.sent if n.kind == "appeal.document_rejected"]
    assert len(rejected) == 1
    assert rejected[0].payload["reason"]["en"] == "Blurred or incomplete, cannot be read"
    assert rejected[0].payload["text"]["zh"].startswith("待补充材料")
    keys = [n.key for n in notifier.sent]
    assert len(keys) == len(set(keys))
    row = next(n for n in d.notifications(appeal.id) if n["kind"] == "appeal.document_rejected")
    assert row["status"] == "sent" and row["attempts"] == 2


def test_a_notification_that_keeps_failing_is_given_up_after_the_policy_attempts(
    world: World, desk: tuple[Appeals, MemoryNotifier], clock: FixedClock
) -> None:
    d, notifier = desk
    notifier.fail_next = 100
    appeal, _ = d.open(MEMBER, velocity_strike(world), "x")
    for _ in range(6):
        clock.advance(hours=2)
        d.deliver()
    row = d.notifications(appeal.id)[0]
    assert row["status"] == "failed" and row["attempts"] == 6 and notifier.sent == []


# --- access ---------------------------------------------------------------------------------------------


def test_cross_tenant_access_to_appeals_and_documents_is_denied_without_leaking(
    world: World, desk: tuple[Appeals, MemoryNotifier]
) -> None:
    d, _ = desk
    world.enterprise("ent-2")
    appeal, _ = d.open(ADMIN, ban_enterprise(world), "请复核")
    d.upload(ADMIN, appeal.id, "business_licence", tiny_png(3), "licence.png")
    for who in (OTHER_ADMIN, OTHER_MEMBER, Principal("hr", Role.HR, enterprise_id="ent-1")):
        with pytest.raises(Forbidden):
            d.get(who, appeal.id)
        with pytest.raises(Forbidden):
            d.download(who, appeal.id, "business_licence")
    with pytest.raises(Forbidden):
        d.get(OTHER_ADMIN, "apl_does_not_exist")  # same answer whether or not it exists
    with pytest.raises(NotFound):
        d.get(REVIEWER_A, "apl_does_not_exist")
    with pytest.raises(Forbidden):
        d.download(PLATFORM, appeal.id, "business_licence")  # documents: reviewers and the enterprise only
    with pytest.raises(Forbidden):
        d.upload(OTHER_ADMIN, appeal.id, "legal_rep_id", tiny_png(4), "x.png")
    with pytest.raises(Forbidden):
        d.open(OTHER_ADMIN, appeal.strike_id, "not ours")
    doc, data = d.download(ADMIN, appeal.id, "business_licence")
    assert data == tiny_png(3) and doc.media_type == "image/png"
    assert d.list_appeals(OTHER_ADMIN)["items"] == []
    assert [a["id"] for a in d.list_appeals(ADMIN)["items"]] == [appeal.id]


def test_a_member_cannot_appeal_another_members_penalty(world: World, desk: tuple[Appeals, MemoryNotifier]) -> None:
    d, _ = desk
    world.account("acc-2")
    strike = velocity_strike(world, "acc-2")
    with pytest.raises(Forbidden):
        d.open(MEMBER, strike, "not mine")
    with pytest.raises(Forbidden, match="member appeals their own"):
        d.open(ADMIN, strike, "on their behalf")


def test_hostile_uploads_are_refused_and_leave_nothing_behind(
    world: World, desk: tuple[Appeals, MemoryNotifier]
) -> None:
    d, _ = desk
    appeal, _ = d.open(ADMIN, ban_enterprise(world), "请复核")
    png = tiny_png(5)
    hostile = {
        "unsupported_type": b"<html><script>alert(1)</script></html>",
        "damaged": png[:-6],
        "too_large": b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024),
        "empty": b"",
    }
    for code, data in hostile.items():
        with pytest.raises(InvalidInput) as exc:
            d.upload(ADMIN, appeal.id, "business_licence", data, "licence.png")
        assert exc.value.errors[0].field == "file" and exc.value.errors[0].message.startswith(code)
    with pytest.raises(InvalidInput) as exc:
        d.upload(ADMIN, appeal.id, "../../etc/passwd", png, "x.png")
    assert exc.value.errors[0].field == "kind"
    doc, _n = d.upload(ADMIN, appeal.id, "business_licence", png, "../../../etc/passwd")
    assert doc.filename == "passwd"
    assert states(d, appeal.id)["legal_rep_id"] == "missing"
    with world.w.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.appeal_documents)).scalar_one() == 1
