"""Weight upkeep during ingest (issue 16) stores exactly what a full recompute from the event log stores, whatever the
batching: every account row (state text and score), every enterprise state, every account history point and every
explanation served; and the batchings agree with each other on the enterprise history points too. Both databases."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import T0, World, build, empty
from warden.adapters import tables as t
from warden.app import App
from warden.kernel.access import Principal, Role
from warden.kernel.clock import FixedClock
from warden.policy import LoadedPolicy

READER = Principal("test", Role.AUDITOR)

ACCOUNTS = [f"u{i}" for i in range(12)]
ENTERPRISES = ["e-new", "e-old", "e-weak"]
FEATURES = ["chat_message", "file_download", "clock_in", "attendance", "leave_request", "meeting"]


@pytest.fixture
def fresh(db_url: str, shipped_policy: LoadedPolicy) -> Iterator[Callable[[], World]]:
    """A new world on an emptied database each call: the shipped policy (weight on, S-A1 scaled by weight), three
    enterprises (new and unverified, old and verified, unverified) and twelve accounts of mixed ages, verification
    and profiles, some younger than every activity window."""
    made: list[App] = []

    def make() -> World:
        empty(db_url)
        w = build(db_url, FixedClock(T0), shipped_policy)
        made.append(w)
        world = World(w, w.clock)  # type: ignore[arg-type]
        for eid, verified, age in zip(ENTERPRISES, (False, True, False), (20, 700, 300), strict=True):
            world.enterprise(eid, verified=verified, age_days=age)
        rng = random.Random(3)
        for i, aid in enumerate(ACCOUNTS):
            world.account(aid, ENTERPRISES[i % 3], verified=rng.random() < 0.6, age_days=rng.choice([3, 20, 45, 400]))
        return world

    yield make
    for w in made:
        w.engine.dispose()


def _stream(world: World, seed: int) -> list[dict[str, Any]]:
    """Nine days of mixed traffic in event-time order: every counted event type, profile and verification changes,
    reports that strike (three reporters within a day) and phone-search bursts that pass S-A1's limits."""
    rng = random.Random(seed)
    start = T0 - timedelta(days=9)
    evs: list[dict[str, Any]] = []
    for _ in range(260):
        aid = rng.choice(ACCOUNTS)
        at = start + timedelta(seconds=rng.randrange(9 * 86400))
        k = rng.random()
        if k < 0.2:
            evs.append(world.event("feature_use", aid, at=at, feature=rng.choice(FEATURES)))
        elif k < 0.32:
            linked = rng.random() < 0.6
            login = {"device_id": "d", "client_version": "4.1.30", "via_linked_personal": linked}
            evs.append(world.event("login", aid, at=at, **login))
        elif k < 0.42:
            evs.append(world.phone_search(aid, at=at))
        elif k < 0.5:
            evs.append(world.event("message", aid, at=at, text="好的"))
        elif k < 0.6:
            evs.append(world.event("contact_added", aid, at=at, contact_id=f"c{rng.randrange(40)}"))
        elif k < 0.68:
            evs.append(world.event("contact_removed", aid, at=at, contact_id=f"c{rng.randrange(40)}"))
        elif k < 0.76:
            fld = rng.choice(["avatar", "nickname", "external_card"])
            evs.append(world.event("profile_change", aid, at=at, field=fld, value=rng.choice(["", "x"])))
        elif k < 0.8:
            evs.append(world.event("verification_change", aid, at=at, verified=rng.random() < 0.5))
        elif k < 0.9:
            evs.append(world.event("report", aid, at=at, reporter_id=f"r{rng.randrange(4)}", reason="spam"))
        else:  # a burst: three reporters, or phone searches past the hourly limit
            if rng.random() < 0.5:
                evs += [
                    world.event("report", aid, at=at + timedelta(minutes=j), reporter_id=f"b{j}", reason="spam")
                    for j in range(3)
                ]
            else:
                evs += [world.phone_search(aid, at=at + timedelta(seconds=20 * j)) for j in range(30)]
    return sorted(evs, key=lambda e: (e["occurred_at"], e["id"]))


def _stored(world: World) -> dict[str, Any]:
    with world.w.engine.connect() as c:
        accounts = {r.account_id: (r.enterprise_id, r.state, r.score) for r in c.execute(sa.select(t.weight_accounts))}
        ents = {r.enterprise_id: r.state for r in c.execute(sa.select(t.weight_enterprises))}
        hist = {(r.subject_type, r.subject_id, r.day): r.score for r in c.execute(sa.select(t.weight_history))}
        strikes = sorted((r.subject_id, r.rule_id, r.at.timestamp()) for r in c.execute(sa.select(t.strikes)))
    svc = world.w.weight
    explained = {aid: svc.account(READER, aid, "en").model_dump() for aid in accounts}
    explained |= {eid: svc.enterprise(READER, eid, "zh").model_dump() for eid in ents}
    return {"accounts": accounts, "enterprises": ents, "history": hist, "strikes": strikes, "explained": explained}


def _rebuilt(stored: dict[str, Any]) -> dict[str, Any]:
    """What a recompute rebuilds: all but the enterprises' past history points (it keeps one per enterprise, ingest
    one per day: the batchings are compared on those below), in the history rows and the enterprises' explanations."""
    out = dict(stored)
    out["history"] = {k: v for k, v in stored["history"].items() if k[0] == "account"}
    out["explained"] = {
        k: ({f: v for f, v in e.items() if f != "history"} if k in ENTERPRISES else e)
        for k, e in stored["explained"].items()
    }
    return out


def _splits(seed: int) -> dict[str, Callable[[int], list[int]]]:
    def random_sizes(n: int) -> list[int]:
        rng, out = random.Random(seed), []
        while n > 0:
            out.append(min(n, rng.choice([1, 2, 5, 17, 60])))
            n -= out[-1]
        return out

    return {
        "one batch": lambda n: [n],
        "batches of 7": lambda n: [7] * (n // 7) + ([n % 7] if n % 7 else []),
        "random sizes": random_sizes,
    }


@pytest.mark.parametrize("seed", [11, 12])
def test_weight_rows_and_explanations_equal_a_full_recompute_whatever_the_batching(
    fresh: Callable[[], World], seed: int
) -> None:
    runs: dict[str, dict[str, Any]] = {}
    for name, split in _splits(seed).items():
        world = fresh()
        events = _stream(world, seed)
        i = 0
        for n in split(len(events)):
            world.send(*events[i : i + n])
            i += n
        incremental = _stored(world)
        assert len(incremental["accounts"]) == len(ACCOUNTS) and incremental["strikes"], "the stream strikes"
        world.w.weight.recompute()
        recomputed = _stored(world)
        rebuilt, expected = _rebuilt(incremental), _rebuilt(recomputed)
        for key in expected:
            assert rebuilt[key] == expected[key], f"{name}: {key} differ from the recompute"
        runs[name] = incremental
    first, *others = runs.values()
    for name, run in zip(list(runs)[1:], others, strict=True):
        assert run == first, f"{name} stored other weight rows or history than one batch"
