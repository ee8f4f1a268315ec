"""A one-day batch is folded at its reads and its end instead of event by event (`WeightFeature.fold_later`, issue
16): with it on and off, the same streams in the same batches store the same weight rows, history points, strikes
and explanations, and decide alike. Both databases."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import T0, World
from tests.integration.test_weight_upkeep_identity import ACCOUNTS, ENTERPRISES, FEATURES, _stored, fresh
from warden.weight.feature import WeightFeature

__all__ = ["fresh"]  # (the fixture, imported)


MORE = [f"v{i}" for i in range(48)]  # accounts no read touches in most batches: folded in column passes


def _stream(world: World, seed: int) -> list[list[dict[str, Any]]]:
    """Three busy days in batches of random sizes (most within one day, some across midnight), then a batch of
    late arrivals from before the first day: every counted event type, profile, verification and enterprise
    verification changes, report bursts that strike (and may cascade) and phone-search bursts that make S-A1 read
    weights mid-batch; 60 accounts, 48 of them added here."""
    rng = random.Random(seed)
    for i, aid in enumerate(MORE):
        world.account(aid, ENTERPRISES[i % 3], verified=rng.random() < 0.6, age_days=rng.choice([3, 20, 45, 400]))
    start = T0 - timedelta(days=3)
    evs: list[dict[str, Any]] = []
    for _ in range(900):
        aid = rng.choice(MORE) if rng.random() < 0.8 else rng.choice(ACCOUNTS)
        at = start + timedelta(seconds=rng.randrange(3 * 86400))
        k = rng.random()
        if k < 0.2:
            evs.append(world.event("feature_use", aid, at=at, feature=rng.choice(FEATURES)))
        elif k < 0.32:
            linked = rng.random() < 0.6
            kind = rng.choice(["real", "real", "emulator"])
            login = {"device_id": "d", "client_version": "4.1.30", "via_linked_personal": linked, "device_kind": kind}
            evs.append(world.event("login", aid, at=at, **login))
        elif k < 0.42:
            evs.append(world.phone_search(aid, at=at))
        elif k < 0.5:
            evs.append(world.event("message", aid, at=at, text="好的"))
        elif k < 0.58:
            evs.append(world.event("contact_added", aid, at=at, contact_id=f"c{rng.randrange(40)}"))
        elif k < 0.64:
            evs.append(world.event("contact_removed", aid, at=at, contact_id=f"c{rng.randrange(40)}"))
        elif k < 0.72:
            fld = rng.choice(["avatar", "nickname", "external_card"])
            evs.append(world.event("profile_change", aid, at=at, field=fld, value=rng.choice(["", "x"])))
        elif k < 0.76:
            evs.append(world.event("verification_change", aid, at=at, verified=rng.random() < 0.5))
        elif k < 0.77:
            eid = rng.choice(ENTERPRISES)
            evs.append(world.event("verification_change", None, at=at, enterprise_id=eid, verified=rng.random() < 0.5))
        elif k < 0.97:
            evs.append(world.event("report", aid, at=at, reporter_id=f"r{rng.randrange(4)}", reason="spam"))
        else:  # a burst: three reporters, or phone searches past the hourly limit
            if rng.random() < 0.5:
                evs += [
                    world.event("report", aid, at=at + timedelta(minutes=j), reporter_id=f"b{j}", reason="spam")
                    for j in range(3)
                ]
            else:
                evs += [world.phone_search(aid, at=at + timedelta(seconds=20 * j)) for j in range(30)]
    evs.sort(key=lambda e: (e["occurred_at"], e["id"]))
    batches, i = [], 0
    while i < len(evs):
        n = rng.choice([1, 3, 20, 40, 80, 300])
        batches.append(evs[i : i + n])
        i += n
    late_at = start - timedelta(hours=5)
    login = {"device_id": "d", "client_version": "4.1.30", "via_linked_personal": True}
    late = [world.event("login", rng.choice(ACCOUNTS), at=late_at + timedelta(minutes=j), **login) for j in range(12)]
    late += [world.phone_search(ACCOUNTS[0], at=late_at + timedelta(seconds=20 * j)) for j in range(30)]
    batches.append(sorted(late, key=lambda e: (e["occurred_at"], e["id"])))
    return batches


@pytest.mark.parametrize("seed", [21, 22])
def test_a_one_day_batch_folded_at_its_reads_and_end_stores_and_decides_as_folding_event_by_event(
    fresh: Callable[[], World], seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"_fold_columns": 0, "_catch_up": 0, "_catch_up_enterprise": 0}
    for name in calls:
        real = getattr(WeightFeature, name)

        def counted(*args: Any, _real: Any = real, _name: str = name) -> Any:
            calls[_name] += 1
            return _real(*args)

        monkeypatch.setattr(WeightFeature, name, staticmethod(counted) if name == "_fold_columns" else counted)
    runs: dict[bool, tuple[dict[str, Any], list[Any]]] = {}
    for later in (False, True):
        monkeypatch.setattr(WeightFeature, "fold_later", later)
        world = fresh()
        decided = []
        for batch in _stream(world, seed):
            out = world.send(*batch)
            decided += [(d.event_id, d.as_dict()) for d in out.outcomes]
        runs[later] = (_stored(world), decided)
    (stored_now, decided_now), (stored_later, decided_later) = runs[False], runs[True]
    assert stored_now["strikes"], "the stream strikes"
    assert calls["_fold_columns"] and calls["_catch_up"] and calls["_catch_up_enterprise"], calls
    assert decided_later == decided_now
    for key in stored_now:
        assert stored_later[key] == stored_now[key], f"{key} differ"
