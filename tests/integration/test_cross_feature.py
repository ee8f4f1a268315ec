"""Where features meet: overturns undo what they caused, recomputed ladders keep the steps owed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import World, extra_features
from warden.kernel.access import Principal, Role
from warden.kernel.model import StrikeStatus
from warden.pipeline.feature import Feature

READER = Principal("test", Role.AUDITOR)
"""Reads weights as a global role (every tenant's; a missing subject is a 404)."""


def severe_strike(world: World, account: str) -> str:
    """A severe (S) strike via a reviewer-free path: a plug-in login under a policy that makes plug-ins severe."""
    world.w.rules.policy = world.w.rules.policy.model_copy(
        update={
            "rules": world.w.rules.policy.rules.model_copy(
                update={
                    "plugin_software": world.w.rules.policy.rules.plugin_software.model_copy(update={"severity": "S"})
                }
            )
        }
    )
    world.send(world.event("login", account, device_id="d", client_version="4.1.0", plugin_signatures=["bot"]))
    return next(s.id for s in world.w.enforcement.subject(account).strikes if s.severity == "S")


def test_S_A5_S_D6_overturning_the_severe_strike_behind_a_cascade_lifts_it_and_restores_every_member(
    world: World,
) -> None:
    world.account("acc-2")
    sid = severe_strike(world, "acc-1")
    assert world.w.enforcement.explain("acc-2")["restrictions"][0]["rule"] == "cascade"  # S-A5: a severe ban cascades
    world.w.manual_actions.set_strike_status(sid, StrikeStatus.OVERTURNED, "reviewer:t", "the plug-in report was false")
    for aid in ("acc-1", "acc-2"):
        assert world.w.enforcement.explain(aid)["state"] == "normal", aid
    [cascade_strike] = world.w.enforcement.restrictions("enterprise", "ent-1")
    assert cascade_strike.lifted_at is not None and "basis is gone" in (cascade_strike.lift_reason or "")


def test_a_cascade_that_still_has_its_basis_stays_when_one_member_strike_is_voided(world: World) -> None:
    world.w.rules.policy = world.w.rules.policy.model_copy(
        update={
            "weight": world.w.rules.policy.weight.model_copy(
                update={
                    "cascade": world.w.rules.policy.weight.cascade.model_copy(
                        update={"min_members": 2, "below_weight": 101}
                    )
                }
            )
        }
    )
    strikes = []
    for aid in ("acc-2", "acc-3", "acc-4"):
        world.account(aid)
        world.send(*[world.event("report", aid, reporter_id=f"{aid}-r{i}", reason="spam") for i in range(3)])
        strikes.append(world.w.enforcement.subject(aid).strikes[0].id)
    assert any(
        r.rule_id == "cascade" and r.active_at(world.clock.now())
        for r in world.w.enforcement.restrictions("enterprise", "ent-1")
    )
    world.w.manual_actions.set_strike_status(strikes[0], StrikeStatus.VOIDED, "reviewer:t", "one false report burst")
    assert world.w.enforcement.explain("acc-1")["restrictions"][0]["rule"] == "cascade"  # two members still restricted


def test_S_B_overturning_a_strike_restores_the_weight(world: World) -> None:
    before = world.w.weight.account(READER, "acc-1").model_dump()["score"]
    world.send(*[world.event("report", reporter_id=f"r{i}", reason="spam") for i in range(3)])
    struck = world.w.weight.account(READER, "acc-1").model_dump()["score"]
    sid = world.w.enforcement.subject("acc-1").strikes[0].id
    world.w.manual_actions.set_strike_status(sid, StrikeStatus.OVERTURNED, "reviewer:t", "appeal upheld")
    assert struck < before
    assert world.w.weight.account(READER, "acc-1").model_dump()["score"] == before


class _Floor3(Feature):
    def step_floor(self, *args: Any) -> int:
        return 3  # e.g. probation after an unblock


def test_S_C3_a_step_floor_owed_at_issue_survives_a_recomputed_ladder(world: World) -> None:
    with extra_features(world.w, _Floor3()):
        world.send(*[world.event("report", reporter_id=f"a{i}", reason="spam") for i in range(3)])
    world.clock.advance(days=2)
    world.send(*[world.phone_search() for _ in range(21)])  # another rule: a second strike
    first, second = world.w.enforcement.subject("acc-1").strikes
    assert (first.step, second.step) == (3, 4)
    world.clock.advance(hours=1)
    world.w.manual_actions.set_strike_status(second.id, StrikeStatus.VOIDED, "reviewer:t", "duplicate")
    assert world.w.enforcement.subject("acc-1").strikes[0].step == 3  # not recomputed down to 0
    assert world.clock.now() - first.at < timedelta(days=180)
