"""Audit trail over the real store; manual actions (void, overturn, lift) and the recomputed ladder."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import World
from warden.adapters import tables as t
from warden.kernel.errors import Conflict
from warden.kernel.model import StrikeStatus


def report_burst(world: World, n: int = 3) -> None:
    world.send(*[world.event("report", reporter_id=f"r{world._n}-{i}", reason="spam") for i in range(n)])


def test_audit_verify_passes_on_an_untouched_store(world: World) -> None:
    world.send(*[world.phone_search() for _ in range(25)])
    report = world.w.enforcement.audit_verify()
    assert report.ok and report.checked >= 4


def test_audit_verify_names_the_batch_whose_stored_decision_was_altered(world: World) -> None:
    world.send(world.phone_search())
    world.send(world.phone_search())
    with world.w.engine.begin() as c:
        seq = c.execute(sa.select(t.events.c.audit_seq).order_by(t.events.c.id).limit(1)).scalar_one()
        c.execute(
            sa.update(t.events).where(t.events.c.audit_seq == seq).values(outcome='{"allowed":false,"reasons":[]}')
        )
    report = world.w.enforcement.audit_verify()
    assert not report.ok and report.first_broken == seq and "decisions" in (report.problem or "")


def test_audit_verify_names_an_altered_entry(world: World) -> None:
    world.send(world.phone_search())
    with world.w.engine.begin() as c:
        c.execute(sa.update(t.audit_log).where(t.audit_log.c.seq == 2).values(actor="someone-else"))
    report = world.w.enforcement.audit_verify()
    assert not report.ok and report.first_broken == 2


def test_every_strike_and_restriction_is_audited(world: World) -> None:
    report_burst(world)
    with world.w.engine.connect() as c:
        actions = [r.action for r in c.execute(sa.select(t.audit_log.c.action))]
    assert "strike.issued" in actions and "restriction.imposed" in actions


def test_voiding_a_strike_lifts_its_restriction_and_restores_adding(world: World) -> None:
    report_burst(world)
    strike = world.w.enforcement.subject("acc-1").strikes[0]
    world.w.manual_actions.set_strike_status(strike.id, StrikeStatus.VOIDED, "reviewer:t", "reports were coordinated")
    subj = world.w.enforcement.subject("acc-1")
    assert subj.strikes[0].status is StrikeStatus.VOIDED  # kept on the record, never deleted
    out = world.send(world.event("contact_request", method="qr_code", target="x")).outcomes[0]
    assert out.allowed is True
    with pytest.raises(Conflict):
        world.w.manual_actions.set_strike_status(strike.id, StrikeStatus.OVERTURNED, "reviewer:t", "again")


def test_S_C3_overturning_an_early_strike_lowers_the_later_ones(world: World) -> None:
    report_burst(world)
    world.clock.advance(days=2)
    report_burst(world)
    s1, s2 = world.w.enforcement.subject("acc-1").strikes
    assert (s1.step, s2.step) == (0, 1)
    world.w.manual_actions.set_strike_status(s1.id, StrikeStatus.OVERTURNED, "reviewer:t", "appeal upheld")
    [_, later] = world.w.enforcement.subject("acc-1").strikes
    assert later.step == 0
    explanation = world.w.enforcement.explain("acc-1", "en")
    assert [r["step"] for r in explanation["restrictions"]] == [0]


def test_lifting_a_restriction_keeps_the_strike_on_the_record(world: World) -> None:
    report_burst(world)
    subj = world.w.enforcement.subject("acc-1")
    world.w.manual_actions.lift_restriction(subj.restrictions[0].id, "reviewer:t", "checked by phone")
    subj = world.w.enforcement.subject("acc-1")
    assert subj.strikes[0].status is StrikeStatus.ACTIVE
    assert world.w.enforcement.explain("acc-1")["state"] == "normal"


def test_S_A7_explanation_in_chinese_and_english_names_rule_evidence_end_and_advice(world: World) -> None:
    world.account("acc-x", verified=False)
    world.send(*[world.phone_search("acc-x") for _ in range(11)])
    zh = world.w.enforcement.explain("acc-x")
    en = world.w.enforcement.explain("acc-x", "en")
    assert zh["state"] == en["state"] == "paused"
    [r] = en["restrictions"]
    assert r["rule"] == "phone_search_velocity" and r["spec"] == "S-A1"
    assert r["evidence"]["count"] == 11 and len(r["evidence"]["event_ids"]) == 11
    assert r["ends_at"] and "11 phone-search contact requests" in r["reason_text"]
    assert "搜索手机号" in zh["restrictions"][0]["reason_text"]
    codes = [a["code"] for a in en["advice"]]
    assert codes[0] == "check_first" and "unverified_account" in codes
    assert en["can_add_contacts"] is False and en["can_login"] is True
