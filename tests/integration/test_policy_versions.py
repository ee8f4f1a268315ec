"""The policy's life (issue 18): stored versions, promotion, hot reload, rollback, shadow isolation, staged rollout,
labels from reviewers' verdicts. Through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.conftest import World, build, counted
from warden.adapters import tables as t
from warden.adapters.audit_state import verify
from warden.adapters.database import reading
from warden.kernel.access import Principal, Role
from warden.kernel.clock import FixedClock
from warden.kernel.errors import Conflict, Forbidden, InvalidInput
from warden.kernel.model import StrikeStatus
from warden.pipeline.engine import share_bucket
from warden.policy_versions.model import Stage

LEAD = Principal("t-lead", Role.REVIEWER, person_id="lead")
AUDITOR = Principal("t-aud", Role.AUDITOR, person_id="aud")
HOUR = "{name: hour, length: 1h, soft: 10, hard: 20, block: 1h}"
STRICT = "{name: hour, length: 1h, soft: 2, hard: 3, block: 1h}"


def strict_text(world: World) -> str:
    text = world.w.loaded.text
    assert HOUR in text
    return text.replace(HOUR, STRICT).replace("version:", "# stricter S-A1 hour\nversion:", 1)


def searches(world: World, n: int, account: str = "acc-1") -> list[dict]:
    out = []
    for _ in range(n):
        world.clock.advance(seconds=30)
        out.append(world.phone_search(account))
    return out


def strikes(world: World) -> list[tuple[str, str]]:
    with reading(world.w.engine) as conn:
        return [
            (r.rule_id, r.policy_hash) for r in conn.execute(sa.select(t.strikes.c.rule_id, t.strikes.c.policy_hash))
        ]


def test_issue18_the_file_policy_seeds_version_1_live_at_first_start(world: World) -> None:
    out = world.w.policy_versions.list(AUDITOR)
    assert [(v.id, v.stage, v.author, v.hash) for v in out.items] == [(1, "live", "system", world.w.loaded.hash)]
    assert out.stages is not None and out.stages.live_id == 1 and out.stages.generation == 1


def test_issue18_a_posted_policy_is_validated_with_file_line_errors(world: World) -> None:
    bad = world.w.loaded.text.replace("severity: L\n", "severity: Q\n", 1)
    with pytest.raises(InvalidInput) as exc:
        world.w.policy_versions.create(LEAD, bad, "typo")
    assert exc.value.errors[0].field == "text"
    assert exc.value.errors[0].message.startswith("policy:")
    assert "is not a severity class of the ladder" in exc.value.errors[0].message
    with pytest.raises(Conflict):  # the live text again
        world.w.policy_versions.create(LEAD, world.w.loaded.text, "same")
    with pytest.raises(Forbidden):
        world.w.policy_versions.create(AUDITOR, strict_text(world), "an auditor changes nothing")


def test_issue18_promotion_takes_effect_at_once_is_audited_and_decisions_record_their_version(world: World) -> None:
    v1 = world.w.loaded.hash
    world.send(*searches(world, 5))
    assert strikes(world) == []
    v2 = world.w.policy_versions.create(LEAD, strict_text(world), "halve S-A1's hour")
    assert v2.id == 2 and v2.author == "lead" and v2.stage is None
    with pytest.raises(InvalidInput):
        world.w.policy_versions.promote(LEAD, 2, Stage.LIVE, "  ")
    st = world.w.policy_versions.promote(LEAD, 2, Stage.LIVE, "spam wave")
    assert st.live_id == 2 and world.w.loaded.hash == v2.hash
    world.clock.advance(seconds=7200)
    world.send(*searches(world, 4))
    assert strikes(world) == [("phone_search_velocity", v2.hash)]
    with reading(world.w.engine) as conn:
        hashes = [r.policy_hash for r in conn.execute(sa.select(t.events.c.policy_hash).order_by(t.events.c.id))]
        actions = [r.action for r in conn.execute(sa.select(t.audit_log.c.action))]
        report = verify(conn, None)
        assert report.table is None, report.problem
    assert hashes == [v1] * 5 + [v2.hash] * 4
    assert "policy.version_stored" in actions and "policy.promoted" in actions


def test_issue18_rollback_to_an_earlier_version_is_one_step(world: World) -> None:
    world.w.policy_versions.create(LEAD, strict_text(world), "strict")
    world.w.policy_versions.promote(LEAD, 2, Stage.LIVE, "try")
    with pytest.raises(Conflict):
        world.w.policy_versions.rollback(LEAD, 2, "already live")
    st = world.w.policy_versions.rollback(LEAD, 1, "too many honest staff locked out")
    assert st.live_id == 1 and world.w.loaded.hash == world.w.policy_versions.show(AUDITOR, 1).hash
    world.send(*searches(world, 5))
    assert strikes(world) == []


def test_issue18_a_promotion_reaches_another_app_on_the_same_database_without_restart(
    world: World, db_url: str, clock: FixedClock
) -> None:
    other = build(db_url, clock, world.w.loaded)
    try:
        assert other.loaded.hash == world.w.loaded.hash
        v2 = world.w.policy_versions.create(LEAD, strict_text(world), "strict")
        world.w.policy_versions.promote(LEAD, 2, Stage.LIVE, "spam wave")
        res = other.pipeline.ingest(searches(world, 4))  # its next batch takes the promoted version first
        assert other.loaded.hash == v2.hash
        assert [o.allowed for o in res.outcomes][-1] is False
        world.w.policy_versions.rollback(LEAD, 1, "back")
        other.refresh_policy()  # what every HTTP request does first
        assert other.loaded.hash != v2.hash
    finally:
        other.engine.dispose()


def test_issue18_a_restart_keeps_the_promoted_version_while_the_file_is_unchanged(
    world: World, db_url: str, clock: FixedClock
) -> None:
    v2 = world.w.policy_versions.create(LEAD, strict_text(world), "strict")
    world.w.policy_versions.promote(LEAD, 2, Stage.LIVE, "spam wave")
    again = build(db_url, clock)  # the same file as at first start
    try:
        assert again.loaded.hash == v2.hash
    finally:
        again.engine.dispose()


def test_issue18_a_shadow_policy_never_restricts_counts_or_notifies(world: World) -> None:
    w = world.w
    w.policy_versions.create(LEAD, strict_text(world), "strict in shadow")
    w.policy_versions.promote(LEAD, 2, Stage.SHADOW, "see what it would do")
    res = world.send(*searches(world, 6))
    assert all(o.allowed for o in res.outcomes)
    assert strikes(world) == []
    assert counted(w, "ps:acc-1") == 6  # the live counter holds each search once: the shadow added none
    with reading(w.engine) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.restrictions)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(t.notifications)).scalar_one() == 0
        counted_rows = [json.loads(r.counted) for r in conn.execute(sa.select(t.events.c.counted))]
    assert all(len(c) == 1 for c in counted_rows)
    diff = w.policy_versions.shadow_diff(AUDITOR, 2)
    rule = {d.rule: d for d in diff.rules}["phone_search_velocity"]
    assert rule.shadow_only == 1 and rule.live_only == 0 and len(rule.shadow_only_examples) == 1
    assert diff.decisions_differ >= 1


def test_issue18_a_staged_candidate_decides_for_its_share_of_enterprises_only(world: World) -> None:
    w = world.w
    inside = next(e for e in (f"ent-{i}" for i in range(100)) if share_bucket(e) < 50)
    outside = next(e for e in (f"ent-{i}" for i in range(100)) if share_bucket(e) >= 50)
    for e in (inside, outside):
        world.enterprise(e)
        world.account(f"a-{e}", e)
    v2 = w.policy_versions.create(LEAD, strict_text(world), "strict for half")
    w.policy_versions.promote(LEAD, 2, Stage.STAGED, "half first", share=50)
    world.send(*searches(world, 4, f"a-{inside}"), *searches(world, 4, f"a-{outside}"))
    assert strikes(world) == [("phone_search_velocity", v2.hash)]
    assert share_bucket(inside) == share_bucket(inside)  # stable: a hash of the id, not Python's salted hash()


def test_issue18_overturned_and_upheld_strikes_become_labels_in_the_rule_figures(world: World) -> None:
    w = world.w
    w.policy_versions.create(LEAD, strict_text(world), "strict")
    w.policy_versions.promote(LEAD, 2, Stage.LIVE, "spam wave")
    world.account("acc-2")
    world.send(*searches(world, 4, "acc-1"), *searches(world, 4, "acc-2"))
    with reading(w.engine) as conn:
        ids = sorted(r.id for r in conn.execute(sa.select(t.strikes.c.id)))
    assert len(ids) == 2
    w.manual_actions.set_strike_status(ids[0], StrikeStatus.OVERTURNED, "reviewer:lead", "a sales rep on a campaign")
    fig = w.policy_versions.figures(AUDITOR, "phone_search_velocity")
    assert fig.total.restrictions == 2 and fig.total.labelled == 1 and fig.total.wrong == 1
    assert fig.total.precision == 0.0 and fig.total.overturn_rate == 1.0
    assert fig.total.hits >= 2
    assert [v.version_id for v in fig.versions] == [2]


def test_issue12_a_stored_text_edited_behind_warden_is_never_promoted(world: World) -> None:
    v2 = world.w.policy_versions.create(LEAD, strict_text(world), "strict")
    engine = sa.create_engine(world.w.engine.url.render_as_string(hide_password=False))
    with engine.begin() as c:  # a SQL console: edit the stored text of version 2
        c.execute(
            sa.update(t.policies)
            .where(t.policies.c.hash == v2.hash)
            .values(text=sa.func.replace(t.policies.c.text, STRICT, HOUR))
        )
    engine.dispose()
    with pytest.raises(Conflict) as exc:
        world.w.policy_versions.promote(LEAD, 2, Stage.LIVE, "go")
    assert "does not match its hash" in exc.value.detail
    assert world.w.policy_versions.stages(AUDITOR).live_id == 1
    report = world.w.enforcement.audit_verify()
    assert not report.ok and report.table == "policies"
