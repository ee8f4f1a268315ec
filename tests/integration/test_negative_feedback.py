"""S-A2 negative feedback judged like with like: the contacts the account itself added in the window, and of
those, the ones that removed or reported it in the same window."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import World


def _adds(world: World, n: int, start_hours: float = 8.0, prefix: str = "cust") -> list[dict]:
    t0 = world.clock.now() - timedelta(hours=start_hours)
    return [
        world.event("contact_added", at=t0 + timedelta(minutes=10 * i), contact_id=f"{prefix}-{i}", initiated_by="self")
        for i in range(n)
    ]


def _removed(world: World, contact: str, hours_ago: float = 1.0) -> dict:
    return world.event("contact_removed", at=world.clock.now() - timedelta(hours=hours_ago), contact_id=contact)


def _strikes(world: World) -> list:
    return [s for s in world.w.enforcement.subject("acc-1").strikes if s.rule_id == "reports"]


def test_S_A2_a_removal_by_a_contact_added_days_before_does_not_count_against_todays_adds(world: World) -> None:
    """The issue's customer-service agent: 15 customers added today, two removals, one by a customer added
    eight days earlier. Not restricted."""
    old = world.event(
        "contact_added", at=world.clock.now() - timedelta(days=8), contact_id="old-cust", initiated_by="self"
    )
    world.send(old, *_adds(world, 15))
    out = world.send(_removed(world, "old-cust", 2.0), _removed(world, "cust-3", 1.0)).outcomes
    assert not any(r.code == "reports.negative_feedback" for o in out for r in o.reasons)
    assert _strikes(world) == []


def test_S_A2_one_or_two_ordinary_removals_never_restrict(world: World) -> None:
    world.send(*_adds(world, 6))
    out = world.send(_removed(world, "cust-0"), _removed(world, "cust-1")).outcomes  # 2 of 6 = 33 %, but only 2
    assert not any(r.code == "reports.negative_feedback" for o in out for r in o.reasons)
    assert _strikes(world) == []


def test_S_A2_contacts_who_added_the_account_themselves_are_not_in_the_ratio(world: World) -> None:
    t0 = world.clock.now() - timedelta(hours=6)
    inbound = [
        world.event("contact_added", at=t0 + timedelta(minutes=i), contact_id=f"in-{i}", initiated_by="contact")
        for i in range(10)
    ]
    world.send(*inbound, *_adds(world, 5, prefix="own"))
    out = world.send(*[_removed(world, f"in-{i}") for i in range(5)]).outcomes  # customers leaving on their own
    assert not any(r.code == "reports.negative_feedback" for o in out for r in o.reasons)


def test_S_A2_many_of_the_days_own_adds_removing_the_account_is_a_strike_with_its_numbers(world: World) -> None:
    world.send(*_adds(world, 10))
    out = world.send(*[_removed(world, f"cust-{i}", 1.0 - i / 100) for i in range(3)]).outcomes
    reason = next(r for r in out[-1].reasons if r.code == "reports.negative_feedback")
    assert reason.params["negative"] == 3 and reason.params["new_contacts"] == 10
    assert reason.params["ratio"] == 0.3 and len(reason.params["event_ids"]) == 3
    assert len(_strikes(world)) == 1


def test_S_A2_reports_by_contacts_the_account_added_count_as_negative_feedback(world: World) -> None:
    world.send(*_adds(world, 10))
    at = world.clock.now() - timedelta(minutes=30)
    out = world.send(
        world.event("report", at=at, reporter_id="cust-1", reason="spam"),
        world.event("report", at=at + timedelta(minutes=1), reporter_id="cust-2", reason="spam"),
        _removed(world, "cust-3", 0.1),
    ).outcomes
    assert any(r.code == "reports.negative_feedback" for r in out[-1].reasons)
