"""Weight and the S-A5 cascade follow each event (issue 10): a decision reads the state the events before it
left, in the same batch too, so batch boundaries change nothing; a late event reads the weight as of its own
time. Both databases."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import T0, World, build, empty, policy_with
from warden.adapters import tables as t
from warden.app import App
from warden.kernel.access import Principal, Role
from warden.kernel.clock import FixedClock
from warden.policy import LoadedPolicy

READER = Principal("test", Role.AUDITOR)
"""Reads weights as a global role (every tenant's; a missing subject is a 404)."""

Scene = Callable[[World], list[dict[str, Any]]]


@pytest.fixture
def fresh(db_url: str, shipped_policy: LoadedPolicy) -> Iterator[Callable[[], World]]:
    """A new, empty world on this test's database each call (the shipped policy: weight on, scaling on)."""
    made: list[App] = []

    def make(policy: LoadedPolicy | None = None) -> World:
        empty(db_url)
        w = build(db_url, FixedClock(T0), policy or shipped_policy)
        made.append(w)
        return World(w, w.clock)  # type: ignore[arg-type]

    yield make
    for w in made:
        w.engine.dispose()


def _outcome(o: Any) -> tuple[Any, ...]:
    return (o.event_id, o.allowed, [(r.code, r.params) for r in o.reasons])


def _state(world: World) -> dict[str, Any]:
    """Everything a decision leaves behind: strikes, restrictions, weight rows and history."""
    with world.w.engine.connect() as c:
        s, r = t.strikes, t.restrictions
        strikes = sorted(
            (x.id, x.subject_type, x.subject_id, x.rule_id, x.step, x.at.timestamp(), x.evidence)
            for x in c.execute(
                sa.select(s.c.id, s.c.subject_type, s.c.subject_id, s.c.rule_id, s.c.step, s.c.at, s.c.evidence)
            )
        )
        restrictions = sorted(
            (x.id, x.subject_type, x.subject_id, x.scope, x.starts_at.timestamp(), x.ends_at and x.ends_at.timestamp())
            for x in c.execute(
                sa.select(r.c.id, r.c.subject_type, r.c.subject_id, r.c.scope, r.c.starts_at, r.c.ends_at)
            )
        )
        accounts = {x.account_id: (x.state, x.score) for x in c.execute(sa.select(t.weight_accounts))}
        ents = {x.enterprise_id: x.state for x in c.execute(sa.select(t.weight_enterprises))}
        hist = {(x.subject_type, x.subject_id, x.day): x.score for x in c.execute(sa.select(t.weight_history))}
    return {"strikes": strikes, "restrictions": restrictions, "accounts": accounts, "ents": ents, "history": hist}


def _run(make: Callable[[], World], scene: Scene, sizes: Callable[[int], list[int]]) -> dict[str, Any]:
    world = make()
    events = scene(world)
    outcomes = []
    i = 0
    for n in sizes(len(events)):
        outcomes += [_outcome(o) for o in world.send(*events[i : i + n]).outcomes]
        i += n
    assert i == len(events)
    return {"outcomes": sorted(outcomes, key=lambda o: o[0]), **_state(world), "world": world}


def _compare(make: Callable[[], World], scene: Scene, *more: Callable[[int], list[int]]) -> list[dict[str, Any]]:
    """Run the scene one event per ingest call, as one batch, in batches of 7 and any `more` splits, and
    assert every run decided and stored exactly the same."""
    splits = [lambda n: [1] * n, lambda n: [n], lambda n: [7] * (n // 7) + ([n % 7] if n % 7 else []), *more]
    runs = [_run(make, scene, s) for s in splits]
    first = {k: v for k, v in runs[0].items() if k != "world"}
    for k, run in enumerate(runs[1:], 1):
        other = {k2: v for k2, v in run.items() if k2 != "world"}
        for key in first:
            assert other[key] == first[key], f"split {k}: {key} differ"
    return runs


def _good_enterprise(world: World) -> list[dict[str, Any]]:
    """Issue 10, case 1: `ent-good` (verified, 400 days) with m1, m2, m3 (verified, 400 days, complete
    profiles); m1 and m2 each send 29 phone-search adds within 3 hours (each in one burst: the hourly limit
    of an account of weight 70 is 28, so each gets one strike)."""
    world.enterprise("ent-good", verified=True, age_days=400)
    for aid in ("m1", "m2", "m3"):
        world.account(aid, "ent-good", verified=True, age_days=400)
    start = T0 - timedelta(hours=3)
    evs = [world.phone_search("m1", at=start + timedelta(minutes=i)) for i in range(29)]
    evs += [world.phone_search("m2", at=start + timedelta(hours=2, minutes=i)) for i in range(29)]
    return sorted(evs, key=lambda e: (e["occurred_at"], e["id"]))


def test_S_A5_S_B_one_batch_decides_like_one_event_per_request_and_a_healthy_enterprise_does_not_cascade(
    fresh: Callable[[], World],
) -> None:
    runs = _compare(fresh, _good_enterprise, lambda n: [n - 1, 1], lambda n: [5, n - 5])
    for run in runs:
        world = run["world"]
        strikes = [s for s in run["strikes"] if s[1] == "account"]
        assert sorted(s[2] for s in strikes) == ["m1", "m2"]  # each abuser caught once
        assert world.w.enforcement.restrictions("enterprise", "ent-good") == []  # no cascade
        out = world.send(world.event("login", "m3", device_id="p", client_version="4.1.30")).outcomes[0]
        assert out.allowed is True  # m3, who did nothing, may log in
        ent = world.w.weight.enterprise(READER, "ent-good", "en").model_dump()
        assert ent["used_by_rules"]["cascade_exposed"] is False


def _history(seed: int) -> Scene:
    def scene(world: World) -> list[dict[str, Any]]:
        rng = random.Random(seed)
        ents = ["h-a", "h-b"]
        world.enterprise("h-a", verified=False, age_days=20)
        world.enterprise("h-b", verified=True, age_days=500)
        accounts = [f"h{i}" for i in range(8)]
        for i, aid in enumerate(accounts):
            world.account(aid, ents[i % 2], verified=rng.random() < 0.5, age_days=rng.choice([5, 60, 400]))
        feats = ["chat_message", "file_download", "clock_in", "attendance", "leave_request"]
        evs: list[dict[str, Any]] = []
        start = T0 - timedelta(days=4)
        for _ in range(160):
            aid = rng.choice(accounts)
            at = start + timedelta(minutes=rng.randint(0, 4 * 1440))
            k = rng.random()
            if k < 0.35:
                evs.append(world.phone_search(aid, at=at))
            elif k < 0.5:
                evs.append(world.event("feature_use", aid, at=at, feature=rng.choice(feats)))
            elif k < 0.6:
                linked = rng.random() < 0.5
                evs.append(
                    world.event("login", aid, at=at, device_id="d", client_version="4.1.30", via_linked_personal=linked)
                )
            elif k < 0.7:
                evs.append(world.event("profile_change", aid, at=at, field="nickname", value=rng.choice(["", "x"])))
            elif k < 0.8:
                evs.append(world.event("contact_added", aid, at=at, contact_id=f"c{rng.randint(0, 30)}"))
            else:  # reports by a few people: strikes, and now and then a cascade in the weak enterprise
                evs += [
                    world.event("report", aid, at=at + timedelta(seconds=j), reporter_id=f"r{j}", reason="spam")
                    for j in range(rng.randint(1, 3))
                ]
        rng.shuffle(evs)  # arrival order is not event order
        return evs

    return scene


@pytest.mark.parametrize("seed", [1, 2])
def test_S_B_random_streams_decide_alike_whatever_the_batching_and_arrival_order(
    fresh: Callable[[], World], seed: int
) -> None:
    def random_split(n: int) -> list[int]:
        rng, out = random.Random(seed), []
        while n > 0:
            k = min(n, rng.randint(1, 40))
            out.append(k)
            n -= k
        return out

    scene = _history(seed)
    sorted_scene: Scene = lambda w: sorted(scene(w), key=lambda e: (e["occurred_at"], e["id"]))  # noqa: E731
    # in event order, batching changes nothing (arrival order is the late-event tests' business)
    runs = _compare(fresh, sorted_scene, random_split)
    assert any(s[1] == "account" for s in runs[0]["strikes"])


def test_S_B_a_late_event_reads_the_weight_as_of_its_own_time(fresh: Callable[..., World]) -> None:
    """Two reports dated at noon lower the weight from noon on. Phone searches dated 11:00 that arrive after
    them are judged with the weight of 11:00 — as when they arrive in order (the hourly warning line is 1
    here, so every second search in an hour shows the factor its limits were scaled by)."""
    policy = policy_with({"{name: hour, length: 1h, soft: 10, hard: 20": "{name: hour, length: 1h, soft: 1, hard: 20"})
    factors: list[list[float]] = []
    for late in (False, True):
        world = fresh(policy)
        world.enterprise("ent-1")
        world.account("acc-1")
        noon = T0 - timedelta(hours=6)
        before = [world.phone_search("acc-1", at=noon - timedelta(hours=1, minutes=k)) for k in (1, 0)]
        reports = [world.event("report", "acc-1", at=noon, reporter_id=f"r{i}", reason="spam") for i in range(2)]
        after = [world.phone_search("acc-1", at=noon + timedelta(minutes=k)) for k in (1, 2)]
        batches = [reports, after, before] if late else [before, reports, after]
        outs = {o.event_id: o for b in batches for o in world.send(*b).outcomes}
        factors.append([outs[e["id"]].reasons[-1].params["factor"] for e in (before[1], after[1])])
    assert factors[0] == factors[1]
    assert factors[0][0] > factors[0][1]  # the reports lowered the weight, hence the limits, from noon on
