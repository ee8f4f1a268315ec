"""S-C3 probation after an unblock, S-D5 plug-in re-ban, and the S-D3 cap under real concurrency, on both databases."""

from __future__ import annotations

import threading
from collections import Counter

from tests.conftest import World, build, policy_with
from tests.unblock_support import PLATFORM, code_from, plugin_ban, ready, service
from warden.kernel.clock import FixedClock

NO_PROBATION = {"climbs faster — OURS\n    enabled: true": "climbs faster — OURS\n    enabled: false"}


def unblock(world: World, aid: str = "acc-1") -> str:
    svc, sender = service(world)
    app_id = ready(world, svc, aid)
    svc.send_code(PLATFORM, app_id)
    svc.verify_code(PLATFORM, app_id, code_from(sender, world.w.enforcement.get_account(aid).phone))
    assert svc.view(PLATFORM, app_id)["state"] == "lifted"
    return app_id


def velocity_strike(world: World, aid: str = "acc-1") -> None:
    world.send(*[world.phone_search(aid) for _ in range(21)])


def steps(world: World, aid: str = "acc-1") -> list[tuple[str, int]]:
    return [(s.rule_id, s.step) for s in world.w.enforcement.subject(aid).strikes]


def test_S_C3_a_violation_in_probation_after_an_unblock_climbs_one_step_more(world: World) -> None:
    plugin_ban(world)  # step 2
    world.clock.advance(days=1, hours=1)
    app_id = unblock(world)
    world.clock.advance(days=3)
    velocity_strike(world)
    assert steps(world) == [("plugin_software", 2), ("phone_search_velocity", 4)]  # the ladder alone says 3
    strike = world.w.enforcement.subject("acc-1").strikes[-1]
    assert strike.evidence["after_unblock"]["probation"]["application"] == app_id
    assert (
        world.w.enforcement.explain("acc-1")["restrictions"][0]["evidence"]["after_unblock"]["probation"]["extra_steps"]
        == 1
    )


def test_S_C3_after_probation_ends_the_ladder_is_the_plain_one(world: World) -> None:
    plugin_ban(world)
    world.clock.advance(days=1, hours=1)
    unblock(world)
    world.clock.advance(days=31)
    velocity_strike(world)
    assert steps(world) == [("plugin_software", 2), ("phone_search_velocity", 3)]
    assert "after_unblock" not in world.w.enforcement.subject("acc-1").strikes[-1].evidence


def test_S_C3_without_an_unblock_there_is_no_probation(world: World) -> None:
    plugin_ban(world)
    world.clock.advance(days=4)  # the ban ran out by itself
    velocity_strike(world)
    assert steps(world) == [("plugin_software", 2), ("phone_search_velocity", 3)]


def test_S_D5_plugin_still_present_after_an_unblock_rebans_at_once_at_step_3_or_more(
    db_url: str, clock: FixedClock
) -> None:
    w = build(db_url, clock, policy_with(NO_PROBATION))
    world = World(w, clock)
    world.enterprise()
    world.account()
    plugin_ban(world, sig="auto-greeter-3.2")
    world.clock.advance(days=1, hours=1)
    app_id = unblock(world)
    world.clock.advance(days=10)
    login = world.event(
        "login", "acc-1", device_id="dev-acc-1", client_version="4.1.30", plugin_signatures=["auto-greeter-3.2"]
    )
    out = world.send(login).outcomes[0]
    assert out.allowed is False  # banned again at once, on that very login
    assert [r.code for r in out.reasons] == ["plugin.detected", "login.restricted"]
    assert steps(world) == [("plugin_software", 2), ("plugin_software", 3)]
    note = world.w.enforcement.subject("acc-1").strikes[-1].evidence["after_unblock"]["plugin_reban"]
    assert note["application"] == app_id and note["still_present"] == ["auto-greeter-3.2"] and note["min_step"] == 3
    w.engine.dispose()


def test_S_D5_the_plugin_floor_holds_even_when_history_has_decayed(db_url: str, clock: FixedClock) -> None:
    w = build(db_url, clock, policy_with(NO_PROBATION | {"decay_days: 180": "decay_days: 5"}))
    world = World(w, clock)
    world.enterprise()
    world.account()
    plugin_ban(world)
    world.clock.advance(days=1, hours=1)
    unblock(world)
    world.clock.advance(days=20)  # the step-2 history decayed away; the watch (30 days) still holds
    world.send(world.event("login", "acc-1", device_id="d", client_version="4.1.30", plugin_signatures=["x"]))
    assert steps(world)[-1] == ("plugin_software", 3)
    w.engine.dispose()


def test_S_D5_the_third_plugin_detection_is_permanent(db_url: str, clock: FixedClock) -> None:
    w = build(db_url, clock, policy_with(NO_PROBATION | {"decay_days: 180": "decay_days: 5"}))
    world = World(w, clock)
    world.enterprise()
    world.account()
    for _ in range(3):
        plugin_ban(world)
        world.clock.advance(days=60)
    assert [s for _, s in steps(world)] == [2, 2, 5]
    assert world.w.enforcement.explain("acc-1")["state"] == "banned"
    w.engine.dispose()


def test_S_D3_thirty_simultaneous_applications_for_one_number_accept_exactly_five(
    db_url: str, clock: FixedClock
) -> None:
    w = build(db_url, clock)
    world = World(w, clock)
    world.enterprise()
    accounts = [f"acc-c{i}" for i in range(30)]  # one phone: a retry by one account would be its live application
    for aid in accounts:
        world.account(aid, phone="13700000000")
        plugin_ban(world, aid)
    world.clock.advance(days=1, hours=1)
    svc = w.unblocking
    barrier = threading.Barrier(30)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def apply(i: int) -> None:
        try:
            barrier.wait()
            app_id, _ = svc.apply(PLATFORM, accounts[i])
            state = svc.view(PLATFORM, app_id)["refusal"]
            with lock:
                results.append(state["code"] if state else "accepted")
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=apply, args=(i,)) for i in range(30)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert Counter(results) == {"accepted": 5, "cap_reached": 25}
    assert svc.view(PLATFORM, svc.list_for(PLATFORM, "acc-c0")[0]["id"])["applications"]["remaining"] == 0
    assert w.enforcement.audit_verify().ok
    w.engine.dispose()
