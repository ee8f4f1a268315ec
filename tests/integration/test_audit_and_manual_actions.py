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


def test_issue17_a_manual_action_is_audited_on_its_subjects_partition_and_other_partitions_keep_their_cache(
    world: World,
) -> None:
    """Restricting an enterprise is written to that enterprise's partition chain, not the platform's: the next batch
    of another partition is answered from the cache (its stamp did not move), the restricted enterprise's partition
    is reloaded and decided with the restriction, and the audit trail still verifies."""
    import sqlalchemy as sa

    from warden.adapters import tables as t
    from warden.kernel.partition import PLATFORM_CHAIN, chain_of, partition_of

    parts = world.w.pipeline.partitions
    a, b = (
        "ent-pa",
        next(f"ent-pb{i}" for i in range(100) if partition_of(f"ent-pb{i}", parts) != partition_of("ent-pa", parts)),
    )
    for eid, acc in ((a, "acc-pa"), (b, "acc-pb")):
        world.enterprise(eid)
        world.account(acc, eid)
    world.send(world.event("login", "acc-pa", device_id="d1", client_version="4.1.30"))
    world.send(world.event("login", "acc-pb", device_id="d2", client_version="4.1.30"))
    log = t.audit_log

    def tail(chain: int) -> int:
        with world.w.engine.connect() as c:
            return int(c.execute(sa.select(sa.func.max(log.c.seq)).where(log.c.chain == chain)).scalar() or 0)

    platform = tail(PLATFORM_CHAIN)
    r = world.w.manual_actions.restrict_enterprise(a, "reviewer:test", "M", "spam ring")
    assert tail(PLATFORM_CHAIN) == platform  # nothing on the platform chain
    with world.w.engine.connect() as c:
        chains = c.execute(sa.select(log.c.chain).where(log.c.action == "restriction.imposed")).scalars().all()
    assert chains == [chain_of(partition_of(a, parts))], r

    cache = world.w.pipeline.cache
    hits, misses = cache.hits, cache.misses
    world.send(world.event("login", "acc-pb", device_id="d2", client_version="4.1.30"))
    assert (cache.hits, cache.misses) == (hits + 1, misses)  # the other partition's subject stayed cached
    decided = world.send(world.phone_search("acc-pa"))
    assert cache.misses == misses + 1  # the restricted enterprise's partition was reloaded
    assert decided.outcomes[0].allowed is False  # and its account decided under the new restriction
    report = world.w.enforcement.audit_verify()
    assert report.ok, report
