"""The counter port: the in-process store and its Redis twin keep the same contract."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import World, base_policy
from warden.adapters.redis_counters import RedisCounters
from warden.domain.counters import Counters, InMemoryCounters, members


@pytest.fixture(params=["memory", "redis"])
def counters(request: pytest.FixtureRequest) -> Iterator[Counters]:
    if request.param == "memory":
        yield InMemoryCounters(retention=3600)
        return
    c = RedisCounters.from_url(request.getfixturevalue("redis_url"), 3600, prefix=f"t{uuid.uuid4().hex[:8]}")
    yield c
    for k in c.r.scan_iter(f"{c.prefix}:*"):
        c.r.delete(k)


def test_count_is_over_the_sliding_window(counters: Counters) -> None:
    counters.begin()
    for i in range(5):
        counters.add("ps:a", 1000.0 + i * 10, f"e{i}")
    counters.commit()
    assert counters.count("ps:a", 1000.0) == 5
    assert counters.count("ps:a", 1025.0) == 2
    assert counters.count("ps:b", 0) == 0


def test_distinct_counts_each_member_once(counters: Counters) -> None:
    counters.begin()
    for i, who in enumerate(["r1", "r2", "r1", "r3", "r1"]):
        counters.add("rp:a", 1000.0 + i, who)
    counters.commit()
    assert counters.distinct("rp:a", 0) == 3


def test_adds_inside_a_batch_are_seen_before_the_commit(counters: Counters) -> None:
    counters.begin()
    counters.add("ps:a", 1000.0, "e1")
    counters.add("ps:a", 1001.0, "e2")
    assert counters.count("ps:a", 0) == 2
    assert members(counters, "ps:a", 0) == ["e1", "e2"]
    counters.commit()


def test_a_rolled_back_batch_leaves_no_counts(counters: Counters) -> None:
    counters.begin()
    counters.add("ps:a", 1000.0, "kept")
    counters.commit()
    counters.begin()
    counters.add("ps:a", 1001.0, "lost")
    counters.rollback()
    assert counters.count("ps:a", 0) == 1


def test_entries_older_than_the_retention_are_dropped(counters: Counters) -> None:
    counters.begin()
    counters.add("ps:a", 0.0, "old")
    counters.add("ps:a", 7200.0, "new")
    counters.commit()
    assert counters.count("ps:a", -1) == 1


def test_two_warden_processes_share_velocity_windows_through_redis(world: World, db_url: str, redis_url: str) -> None:
    from warden.bootstrap import bootstrap
    from warden.settings import Settings

    settings = Settings(
        database_url=db_url, counters="redis", redis_url=redis_url, redis_prefix=f"t{uuid.uuid4().hex[:8]}"
    )
    one = bootstrap(settings, policy=base_policy(), clock=world.clock, migrate=False)
    two = bootstrap(settings, policy=base_policy(), clock=world.clock, migrate=False)
    try:
        first = one.ingest([world.phone_search() for _ in range(15)]).outcomes
        second = two.ingest([world.phone_search() for _ in range(6)]).outcomes
        assert all(o.allowed for o in first)
        assert [o.allowed for o in second] == [True] * 5 + [False]  # the 21st in the hour, counted across both
    finally:
        for k in one.counters.r.scan_iter(f"{settings.redis_prefix}:*"):  # type: ignore[attr-defined]
            one.counters.r.delete(k)  # type: ignore[attr-defined]
        one.close()
        two.close()
