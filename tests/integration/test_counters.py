"""The counter port: the in-process store and its Redis twin keep the same contract."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import World, base_policy
from warden.adapters.memory_counters import InMemoryCounters
from warden.adapters.redis_counters import RedisCounters
from warden.kernel.counters import Counters, distinct, event_ids


@pytest.fixture(params=["memory", "redis"])
def counters(request: pytest.FixtureRequest) -> Iterator[Counters]:
    if request.param == "memory":
        yield InMemoryCounters(retention=3600)
        return
    c = RedisCounters.from_url(request.getfixturevalue("redis_url"), 3600, prefix=f"t{uuid.uuid4().hex[:8]}")
    yield c
    for k in c.r.scan_iter(f"{c.prefix}:*"):
        c.r.delete(k)


END = 1e12  # a decision far in the future sees every entry
LAST = "\U0010ffff"


def n(counters: Counters, key: str, since: float = -1.0, at: float = END, event_id: str = LAST) -> int:
    return len(counters.window(key, since, at, event_id))


def test_window_is_half_open_open_at_the_far_end_closed_at_the_decision(counters: Counters) -> None:
    counters.begin()
    for i in range(5):
        counters.add("ps:a", 1000.0 + i * 10, f"e{i}", f"e{i}")
    counters.commit()
    assert n(counters, "ps:a", 999.0) == 5
    assert n(counters, "ps:a", 1000.0) == 4  # an entry exactly at the far edge is out
    assert n(counters, "ps:a", 1000.0, 1020.0, "e2") == 2  # the decision's own entry is in, later ones are not
    assert n(counters, "ps:b") == 0


def test_a_window_never_looks_past_the_decision_in_event_time(counters: Counters) -> None:
    counters.begin()
    counters.add("ps:a", 2000.0, "later", "later")
    counters.add("ps:a", 1000.0, "late", "late")
    counters.commit()
    assert [e[1] for e in counters.window("ps:a", 0.0, 1000.0, "late")] == ["late"]


def test_ties_in_time_are_ordered_by_event_id(counters: Counters) -> None:
    counters.begin()
    for eid in ["b", "a", "c"]:
        counters.add("ps:a", 1000.0, eid, eid)
    counters.commit()
    assert [e[1] for e in counters.window("ps:a", 0.0, 1000.0, "b")] == ["a", "b"]


def test_distinct_counts_each_value_once(counters: Counters) -> None:
    counters.begin()
    for i, who in enumerate(["r1", "r2", "r1", "r3", "r1"]):
        counters.add("rp:a", 1000.0 + i, f"e{i}", who)
    counters.commit()
    assert distinct(counters.window("rp:a", 0.0, END, LAST)) == 3


def test_adds_inside_a_batch_are_seen_before_the_commit(counters: Counters) -> None:
    counters.begin()
    counters.add("ps:a", 1000.0, "e1", "e1")
    counters.add("ps:a", 1001.0, "e2", "e2")
    assert n(counters, "ps:a") == 2
    assert event_ids(counters.window("ps:a", 0.0, END, LAST)) == ["e1", "e2"]
    counters.commit()


def test_a_rolled_back_batch_leaves_no_counts(counters: Counters) -> None:
    counters.begin()
    counters.add("ps:a", 1000.0, "kept", "kept")
    counters.commit()
    counters.begin()
    counters.add("ps:a", 1001.0, "lost", "lost")
    counters.rollback()
    assert n(counters, "ps:a") == 1


def test_entries_older_than_the_retention_are_dropped_and_coverage_moves_up(counters: Counters) -> None:
    counters.load("a", [], -1.0)
    counters.begin()
    counters.add("ps:a", 0.0, "old", "old")
    counters.add("ps:a", 7200.0, "new", "new")
    counters.commit()
    assert n(counters, "ps:a", 3600.0) == 1
    assert counters.coverage(["a"])["a"] >= 3600.0  # a decision that needs the dropped entry reloads them


def test_load_replaces_an_accounts_entries_and_sets_its_coverage(counters: Counters) -> None:
    assert counters.coverage(["a"]) == {}
    counters.begin()
    counters.add("ps:a", 1000.0, "stale", "stale")
    counters.commit()
    loaded = counters.load(
        "a", [("ps:a", 900.0, "x", "x"), ("rp:a", 950.0, "y", "r1"), ("ps:a", 10.0, "z", "z")], 500.0
    )
    assert loaded == 2
    assert event_ids(counters.window("ps:a", 0.0, END, LAST)) == ["x"]
    assert counters.coverage(["a", "b"]) == {"a": 500.0}


def test_two_warden_processes_share_velocity_windows_through_redis(world: World, db_url: str, redis_url: str) -> None:
    from warden.bootstrap import bootstrap
    from warden.settings import Settings

    settings = Settings(
        database_url=db_url, counters="redis", redis_url=redis_url, redis_prefix=f"t{uuid.uuid4().hex[:8]}"
    )
    one = bootstrap(settings, policy=base_policy(), clock=world.clock, migrate=False)
    two = bootstrap(settings, policy=base_policy(), clock=world.clock, migrate=False)
    try:
        first = one.pipeline.ingest([world.phone_search() for _ in range(15)]).outcomes
        second = two.pipeline.ingest([world.phone_search() for _ in range(6)]).outcomes
        assert all(o.allowed for o in first)
        assert [o.allowed for o in second] == [True] * 5 + [False]  # the 21st in the hour, counted across both
    finally:
        for k in one.counters.r.scan_iter(f"{settings.redis_prefix}:*"):  # type: ignore[attr-defined]
            one.counters.r.delete(k)  # type: ignore[attr-defined]
        one.close()
        two.close()


def test_a_batch_sees_reloads_gap_fills_and_its_own_adds_after_asking_for_coverage(counters: Counters) -> None:
    counters.load("a", [("ps:a", 900.0, "x", "x")], 500.0)
    counters.load("b", [], 500.0)
    counters.begin()
    assert counters.coverage(["a", "b", "c"]) == {"a": 500.0, "b": 500.0}
    counters.load("c", [("ps:c", 700.0, "z", "z"), ("ps:c", 500.0, "old", "old")], 600.0)  # an account reloaded
    counters.load("a", [("ps:a", 450.0, "gap", "gap"), ("ps:a", 900.0, "x", "x")], 400.0, until=500.0)  # a gap below
    counters.add("ps:a", 1000.0, "e1", "e1")
    counters.add("ps:c", 1000.0, "e2", "e2")
    assert event_ids(counters.window("ps:a", 0.0, END, LAST)) == ["gap", "x", "e1"]
    assert event_ids(counters.window("ps:a", 450.0, 1000.0, "e1")) == ["x", "e1"]
    assert event_ids(counters.window("ps:c", 0.0, END, LAST)) == ["z", "e2"]
    assert n(counters, "ps:b") == 0 and n(counters, "rp:a") == 0
    counters.commit()
    assert event_ids(counters.window("ps:a", 0.0, END, LAST)) == ["gap", "x", "e1"]
    assert event_ids(counters.window("ps:c", 0.0, END, LAST)) == ["z", "e2"]


def test_redis_counters_read_a_batchs_windows_in_the_coverage_round_trip(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = RedisCounters.from_url(redis_url, 3600, prefix=f"t{uuid.uuid4().hex[:8]}")
    try:
        c.load("a", [("ps:a", 900.0, "x", "x"), ("rp:a", 950.0, "y", "r1")], 500.0)
        c.begin()
        c.coverage(["a"])

        def no_round_trip(*_: object, **__: object) -> None:
            raise AssertionError("a window inside the batch went to Redis")

        monkeypatch.setattr(c.r, "zrangebyscore", no_round_trip)
        c.add("ps:a", 1000.0, "e1", "e1")
        assert event_ids(c.window("ps:a", 0.0, END, LAST)) == ["x", "e1"]
        assert distinct(c.window("rp:a", 0.0, END, LAST)) == 1
        c.commit()
    finally:
        for k in c.r.scan_iter(f"{c.prefix}:*"):
            c.r.delete(k)


_MULTI_KEY = {"MGET", "DEL", "UNLINK", "EXISTS", "MSET"}


def _keys_of(args: tuple[object, ...]) -> list[str]:
    """The keys a command names (the commands `RedisCounters` sends)."""
    name = str(args[0]).upper()
    if name in ("EVALSHA", "EVAL"):
        return [str(k) for k in args[3 : 3 + int(str(args[2]))]]
    if name in _MULTI_KEY:
        return [str(k) for k in args[1:]]
    if name in ("SCRIPT", "PING", "MULTI", "EXEC", "INFO"):
        return []
    return [str(args[1])]


def test_issue17_every_multi_key_command_and_transaction_stays_in_one_cluster_slot(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis Cluster refuses a command (or a MULTI) whose keys hash to different slots. Against the real Redis, every
    command a batch of many accounts sends — the coverage read, reloads, the flush and its prune, a rollback — is
    recorded, and the keys of each multi-key command and of each transaction share one slot (redis-py's
    `key_slot`)."""
    import redis
    from redis.crc import key_slot

    sent: list[tuple[bool, list[tuple[object, ...]]]] = []  # (transaction?, commands)
    real_execute = redis.client.Pipeline.execute
    real_command = redis.Redis.execute_command

    def execute(self: redis.client.Pipeline, raise_on_error: bool = True) -> list[object]:
        sent.append((self.transaction, [tuple(args) for args, _ in self.command_stack]))
        return real_execute(self, raise_on_error)

    def command(self: redis.Redis, *args: object, **options: object) -> object:
        sent.append((False, [args]))
        return real_command(self, *args, **options)

    monkeypatch.setattr(redis.client.Pipeline, "execute", execute)
    monkeypatch.setattr(redis.Redis, "execute_command", command)
    c = RedisCounters.from_url(redis_url, 3600, prefix=f"t{uuid.uuid4().hex[:8]}")
    accounts = [f"acc-{i}" for i in range(60)]
    try:
        c.load("acc-0", [("ps:acc-0", 900.0, "x", "x")], 500.0)
        c.begin()
        assert c.coverage(accounts) == {"acc-0": 500.0}
        for i, a in enumerate(accounts):
            if i % 7:
                c.load(a, [("ps:" + a, 5.0, f"old{i}", "v")], 0.0, 10.0)  # a gap filled (a MULTI of one account)
            c.add(f"ps:{a}", 1000.0 + i, f"e{i}", f"e{i}")
        c.flush()
        c.rollback()  # the database did not commit: every account written loses its coverage (one DEL per slot)
        assert c.coverage(accounts) == {}
    finally:
        monkeypatch.undo()
        for k in c.r.scan_iter(f"{c.prefix}:*"):
            c.r.delete(k)

    slots = {key_slot(k.encode()) for k in (f"{c.prefix}:{{{a}}}:cov" for a in accounts)}
    assert len(slots) > 10  # the accounts really spread over the cluster's slots
    multi = [args for _, cmds in sent for args in cmds if str(args[0]).upper() in _MULTI_KEY | {"EVALSHA", "EVAL"}]
    assert any(str(a[0]).upper() == "MGET" for a in multi) and any(str(a[0]).upper() == "DEL" for a in multi)
    for args in multi:
        assert len({key_slot(k.encode()) for k in _keys_of(args)}) == 1, args
    for transaction, cmds in sent:
        if transaction:
            assert len({key_slot(k.encode()) for args in cmds for k in _keys_of(args)}) <= 1, cmds
