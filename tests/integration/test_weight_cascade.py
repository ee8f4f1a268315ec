"""S-A5 precision (issue 10): the cascade restricts a whole enterprise only on its own evidence — enough
members restricted, and a low weight without those very restrictions — never feeds on its own earlier
cascades, and tells a bystander member the numbers, not who. Both databases."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.conftest import World
from warden.kernel.access import Principal, Role
from warden.kernel.model import StrikeStatus
from warden.policy import LoadedPolicy

READER = Principal("test", Role.AUDITOR)
"""Reads weights as a global role (every tenant's; a missing subject is a 404)."""


@pytest.fixture
def policy(shipped_policy: LoadedPolicy) -> LoadedPolicy:
    return shipped_policy


def login(world: World, aid: str, linked: bool = True, **kw: Any) -> dict:
    return world.event("login", aid, device_id="phone", client_version="4.1.30", via_linked_personal=linked, **kw)


def reported(world: World, aid: str, prefix: str, at: datetime | None = None) -> list[dict]:
    """Three distinct reporters within seconds: one S-A2 strike on `aid`, dated at the third report."""
    at = at or world.clock.now()
    return [
        world.event("report", aid, at=at - timedelta(seconds=2 - i), reporter_id=f"{prefix}{i}", reason="spam")
        for i in range(3)
    ]


def member_strikes(world: World, aid: str) -> list[Any]:
    return [s for s in world.w.enforcement.subject(aid).strikes if s.status is StrikeStatus.ACTIVE]


def cascades(world: World, eid: str) -> list[Any]:
    return [r for r in world.w.enforcement.restrictions("enterprise", eid) if r.rule_id == "cascade"]


def _weak_enterprise(world: World, members: int = 20, eid: str = "ent-low") -> list[str]:
    world.enterprise(eid, verified=False, age_days=20)
    ids = [f"{eid}-m{i}" for i in range(members)]
    for aid in ids:
        world.account(aid, eid, verified=False, age_days=10)
    world.send(*[login(world, aid, linked=False) for aid in ids])
    return ids


def test_S_A5_a_small_verified_florist_with_two_members_correctly_restricted_is_not_locked_out(world: World) -> None:
    world.enterprise("ent-florist", verified=True, age_days=40)
    staff = ["owner", "florist-1", "florist-2"]
    for aid in staff:
        world.account(aid, "ent-florist", verified=False, age_days=20)
    world.send(*[login(world, aid, linked=False) for aid in staff])
    for round_ in range(2):  # it was locked out twice: two rounds of reports against the same two
        world.clock.advance(hours=1)
        world.send(*reported(world, "florist-1", f"a{round_}-"))
        world.clock.advance(minutes=30)
        world.send(*reported(world, "florist-2", f"b{round_}-"))
        world.clock.advance(days=2)
    assert len(member_strikes(world, "florist-1")) == 2 and len(member_strikes(world, "florist-2")) == 2
    assert cascades(world, "ent-florist") == []  # 2 of 3 active is no share to judge by; 2 are not 3
    assert world.send(login(world, "owner")).outcomes[0].allowed is True


def test_S_A5_restricted_abusers_do_not_push_a_healthy_enterprise_over_the_bar_by_themselves(world: World) -> None:
    """Young and unverified, but nine sound, active staff: three correctly restricted abusers meet the member
    count, yet the enterprise without them weighs well above 40, so only the abusers are restricted."""
    world.enterprise("ent-young", verified=False, age_days=20)
    staff = [f"staff-{i}" for i in range(9)]
    abusers = [f"abuser-{i}" for i in range(3)]
    for aid in staff:
        world.account(aid, "ent-young", verified=True, age_days=400)
    for aid in abusers:
        world.account(aid, "ent-young", verified=False, age_days=5)
    world.send(*[login(world, aid, linked=aid in staff) for aid in staff + abusers])
    for k, aid in enumerate(abusers):
        world.clock.advance(minutes=20)
        world.send(*reported(world, aid, f"x{k}-"))
    assert all(member_strikes(world, aid) for aid in abusers)
    assert cascades(world, "ent-young") == []
    ent = world.w.weight.enterprise(READER, "ent-young", "en").model_dump()
    assert ent["score"] < 40  # the weight an admin sees carries the three restrictions …
    assert ent["used_by_rules"]["cascade_weight"] >= 40  # … the cascade's bar does not count them against it
    assert ent["used_by_rules"]["cascade_restricted_members"] == 3
    assert ent["used_by_rules"]["cascade_exposed"] is False
    assert world.send(login(world, "staff-4")).outcomes[0].allowed is True


def test_S_A5_a_cascade_does_not_feed_the_next_and_its_lifting_is_judged_the_same_way(world: World) -> None:
    ids = _weak_enterprise(world)
    for k, aid in enumerate(ids[:3]):
        world.clock.advance(minutes=30)
        world.send(*reported(world, aid, f"a{k}-"))
    [first] = cascades(world, "ent-low")
    assert first.evidence["why"] == "members" and len(first.evidence["member_strikes"]) == 3
    world.clock.advance(days=4)  # the 3-day cascade is over; its member strikes are still within 7 days
    assert not first.active_at(world.clock.now())
    world.send(*reported(world, ids[3], "b-"))
    assert cascades(world, "ent-low") == [first]  # one new member strike; the three counted before are spent
    world.clock.advance(minutes=30)
    world.send(*reported(world, ids[4], "c-"))
    world.clock.advance(minutes=30)
    world.send(*reported(world, ids[5], "d-"))
    second = next(r for r in cascades(world, "ent-low") if r.id != first.id)
    assert second.evidence["members"] == sorted(ids[3:6]) and second.evidence["restricted_members"] == 3
    assert all(sid not in first.evidence["member_strikes"] for sid in second.evidence["member_strikes"])
    # a reviewer voids one of the second cascade's member strikes: two remain, and the spent three do not
    # prop it up, so it is lifted
    voided = member_strikes(world, ids[4])[0]
    world.w.manual_actions.set_strike_status(
        voided.id, StrikeStatus.VOIDED, "reviewer:t", "the reports were a coordinated attack"
    )
    assert not any(r.active_at(world.clock.now()) for r in cascades(world, "ent-low"))
    assert world.send(login(world, ids[10])).outcomes[0].allowed is True


def test_S_A5_a_bystander_is_told_the_cascades_numbers_but_not_who_triggered_it(world: World) -> None:
    ids = _weak_enterprise(world)
    for k, aid in enumerate(ids[:3]):
        world.clock.advance(minutes=10)
        world.send(*reported(world, aid, f"a{k}-"))
    [r] = cascades(world, "ent-low")
    bystander = ids[9]  # (an id that does not contain the restricted ones as a substring)
    for lang, words in (
        ("en", ["3 members", "20 active", "within 7 day", "below 40"]),
        ("zh", ["3 名", "20 名", "7 天", "40"]),
    ):
        why = world.w.enforcement.explain(bystander, lang)  # type: ignore[arg-type]
        [c] = why["restrictions"]
        text = c["reason_text"]
        assert text != c["rule_title"]
        for w in [*words, str(r.evidence["enterprise_weight"])]:
            assert w in text, (lang, w, text)
        assert c["evidence"]["restricted_members"] == 3 and c["evidence"]["active_members"] == 20
        dumped = json.dumps(why, ensure_ascii=False)
        for secret in [*ids[:3], r.evidence["trigger_strike"], r.evidence["event_id"]]:
            assert secret not in dumped, (lang, secret)
    assert r.evidence["trigger_account"] == ids[2]  # the record keeps who, for reviewers and the audit trail


@pytest.mark.parametrize(("gap", "cascaded"), [(timedelta(days=7), False), (timedelta(days=7, seconds=-1), True)])
def test_S_A5_window_edge_a_member_strike_exactly_7_days_old_no_longer_counts(
    world: World, gap: timedelta, cascaded: bool
) -> None:
    ids = _weak_enterprise(world)
    start = world.clock.now()
    world.clock.advance(days=8)
    world.send(*reported(world, ids[0], "a-", at=start + timedelta(hours=1)))
    world.send(*reported(world, ids[1], "b-", at=start + timedelta(hours=2)))
    world.send(*reported(world, ids[2], "c-", at=start + timedelta(hours=1) + gap))
    assert bool(cascades(world, "ent-low")) is cascaded


def _shop_with_new_staff(world: World, n: int) -> list[str]:
    """A verified 40-day shop; `n` unverified 20-day staff with no profile, each one non-linked login 5 days ago."""
    from warden.kernel.model import Account

    world.enterprise("ent-shop", verified=True, age_days=40)
    staff = [f"shop-{i}" for i in range(1, n + 1)]
    for i, aid in enumerate(staff, 1):
        acc = Account(aid, "ent-shop", f"13900{i:06d}", False, world.clock.now() - timedelta(days=20))
        world.w.enforcement.register_account(acc, "test")
    world.send(*[login(world, aid, linked=False, at=world.clock.now() - timedelta(days=5)) for aid in staff])
    return staff


@pytest.mark.parametrize("n", [3, 6, 8, 12, 30])
def test_S_A5_adding_honest_new_staff_never_pushes_a_verified_shop_into_a_cascade(world: World, n: int) -> None:
    """The tester's case: staff 1 and 2 reported by 3 strangers twice, two days apart. With 8 new staff the
    shop was locked out whole (each honest new member weighed ~25 and dragged the mean). Members younger than
    `min_history_days` count at the prior, and a new account's activity factors read neutral."""
    staff = _shop_with_new_staff(world, n)
    for round_ in range(2):
        world.clock.advance(hours=1)
        world.send(*reported(world, staff[0], f"a{round_}-"))
        world.clock.advance(minutes=30)
        world.send(*reported(world, staff[1], f"b{round_}-"))
        world.clock.advance(days=2)
    assert len(member_strikes(world, staff[0])) == 2 and len(member_strikes(world, staff[1])) == 2
    assert cascades(world, "ent-shop") == []
    ent = world.w.weight.enterprise(READER, "ent-shop", "en").model_dump()
    assert ent["used_by_rules"]["cascade_weight"] >= 50  # verified 15 + the prior's 35: new staff do not drag it
    assert ent["used_by_rules"]["cascade_active_members"] == n  # they are still active members (the share's base)
    assert world.send(login(world, staff[-1])).outcomes[0].allowed is True


def test_S_A5_the_cascade_weight_does_not_fall_as_honest_new_staff_are_added(world: World) -> None:
    staff = _shop_with_new_staff(world, 3)
    before = world.w.weight.enterprise(READER, "ent-shop", "en").model_dump()["used_by_rules"]["cascade_weight"]
    from warden.kernel.model import Account

    for i in range(20):
        aid = f"late-{i:02d}"
        world.w.enforcement.register_account(
            Account(aid, "ent-shop", f"13700000{i:03d}", False, world.clock.now() - timedelta(days=20)), "test"
        )
        world.send(login(world, aid, linked=False))
    after = world.w.weight.enterprise(READER, "ent-shop", "en").model_dump()
    assert after["used_by_rules"]["cascade_weight"] >= before
    assert after["used_by_rules"]["cascade_active_members"] == len(staff) + 20


@pytest.mark.parametrize("plugin_minute", [30, 58])
def test_S_A5_the_order_of_two_members_violations_does_not_decide_the_cascade(world: World, plugin_minute: int) -> None:
    """The tester's case: an unverified 40-day enterprise with three verified members; liu passes the hourly
    limit with 16 phone-search adds a minute apart, wu logs in with a plug-in — before liu's adds or after them.
    Both orders leave the same two members restricted, so both must give the same enterprise decision; the member
    whose strike is judged counts as active by the very event being decided."""
    now = world.clock.now()
    world.enterprise("ent-s", verified=False, age_days=40)
    for aid in ("liu", "wu", "bys"):
        world.account(aid, "ent-s")
    start = now - timedelta(minutes=60)
    adds = [world.phone_search("liu", at=start + timedelta(minutes=2 + k)) for k in range(16)]
    login = world.event(
        "login",
        "wu",
        at=start + timedelta(minutes=plugin_minute),
        device_id="d-wu",
        client_version="4.2.0",
        plugin_signatures=["auto-greeter-3.2"],
    )
    world.send(*adds, login)
    cascades = [r for r in world.w.enforcement.restrictions("enterprise", "ent-s") if r.rule_id == "cascade"]
    assert {r.evidence["restricted_members"] for r in cascades} == {2}
    assert len(cascades) == 1  # the same whichever violation came first
