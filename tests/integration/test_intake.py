"""Event intake from a broker: stored once, acknowledged after commit, bad input kept as dead letters."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest

from tests.conftest import IN_CI, World, counted
from warden.adapters.intake import MemorySource, NatsSource
from warden.service.intake import consume

NATS_URL = "nats://127.0.0.1:4222"


def test_consumer_ingests_valid_events_and_dead_letters_the_rest_with_reasons(world: World) -> None:
    src = MemorySource()
    ok = [world.phone_search() for _ in range(3)]
    for ev in ok:
        src.put(ev)
    src.put(b"{not json")
    src.put(world.event("contact_request", method="fax", target="x"))
    src.put(world.phone_search("nobody"))
    src.put(ok[0])  # a redelivery: answered from the store, counted once
    stats = asyncio.run(consume(world.w, src, idle_exit=True, timeout=0.1))
    assert stats.stored == 3 and stats.duplicates == 1 and stats.dead == 3
    reasons = [errs[0]["field"] for _, errs in src.dead]
    assert reasons == ["(message)", "method", "account_id"]
    assert len(src.acked) == 7 and src.queue.empty()
    assert counted(world.w, "ps:acc-1") == 3


def test_a_failing_store_naks_the_batch_and_the_events_come_back(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    src = MemorySource()
    for _ in range(2):
        src.put(world.phone_search())
    calls = {"n": 0}
    real = world.w.pipeline.ingest

    def flaky(events, actor="platform"):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return real(events, actor)

    monkeypatch.setattr(world.w.pipeline, "ingest", flaky)
    stats = asyncio.run(consume(world.w, src, idle_exit=True, timeout=0.3))
    assert stats.redelivered == 2 and stats.stored == 2 and len(src.acked) == 2


def test_nats_jetstream_intake_end_to_end(world: World) -> None:
    tag = uuid.uuid4().hex[:8]

    async def run() -> tuple[int, int, int]:
        try:
            source = await NatsSource.connect(NATS_URL, f"T{tag}", f"t{tag}", "warden")
        except Exception as exc:
            if IN_CI:
                pytest.fail(f"CI=true but NATS JetStream not reachable at {NATS_URL}: {exc}")
            pytest.skip(f"NATS JetStream not reachable at {NATS_URL}: {exc.__class__.__name__}")
        for _ in range(5):
            await source.publish(world.phone_search())
        await source.js.publish(f"t{tag}.events", b"garbage")
        stats = await consume(world.w, source, idle_exit=True, timeout=0.5)
        dead = await source.js.subscribe(f"t{tag}.dead", stream=f"T{tag}")
        msg = await dead.next_msg(timeout=2)
        await source.js.delete_stream(f"T{tag}")
        await source.close()
        return stats.stored, stats.dead, len(msg.data)

    stored, dead, dead_len = asyncio.run(run())
    assert stored == 5 and dead == 1 and dead_len > 0


def test_issue17_shares_split_a_batch_over_the_partitions_backlogs() -> None:
    from warden.adapters.intake import _shares

    assert _shares({0: 5, 1: 200, 2: 40}, 100) == {0: 5, 1: 55, 2: 40}  # a quiet partition's share goes to others
    assert _shares({0: 5, 1: 7}, 100) == {0: 5, 1: 7}  # never more than a partition holds
    assert _shares({0: 50, 1: 50, 2: 50}, 90) == {0: 30, 1: 30, 2: 30}
    assert _shares({}, 100) == {} and _shares({0: 3}, 0) == {}


def test_issue17_a_partitioned_fetch_asks_each_partition_for_no_more_than_it_holds() -> None:
    """5 events on one partition, 200 on another, none on a third: one fetch of 100 gives the 5 and 95 of the 200
    (in stream order each), and after acknowledging them nothing is left delivered but unacknowledged (a pull for
    more than a partition holds would be held open by JetStream until it expires)."""
    tag = uuid.uuid4().hex[:8]

    async def run() -> tuple[list[tuple[int, int]], int, int]:
        try:
            pub = await NatsSource.connect(NATS_URL, f"P{tag}", f"p{tag}", subscribe=False)
        except Exception as exc:
            if IN_CI:
                pytest.fail(f"CI=true but NATS JetStream not reachable at {NATS_URL}: {exc}")
            pytest.skip(f"NATS JetStream not reachable at {NATS_URL}: {exc.__class__.__name__}")
        for i in range(5):
            await pub.publish({"p": 0, "i": i}, 0)
        for i in range(200):
            await pub.publish({"p": 1, "i": i}, 1)
        src = await NatsSource.connect(NATS_URL, f"P{tag}", f"p{tag}", "w", partitions=[0, 1, 2])
        try:
            got = await src.fetch(100, 5.0)
            seen = [(int(d.data.split(b'"p":')[1][0:1]), len(got)) for d in got]
            for d in got:
                await d.ack()
            await src.nc.flush()  # the acks reach the server before the question below
            depth = await src.depth()
            assert depth is not None
            # JetStream applies acknowledgements on its own after receiving them: a busy server may still count some
            # as pending for a moment; a delivery beyond the 100 would stay unacknowledged for ever
            for _ in range(100):
                if depth.ack_pending == 0:
                    break
                await asyncio.sleep(0.05)
                depth = await src.depth()
                assert depth is not None
            return seen, depth.pending, depth.ack_pending
        finally:
            await src.js.delete_stream(f"P{tag}")
            await src.close()
            await pub.close()

    seen, pending, ack_pending = asyncio.run(run())
    assert len(seen) == 100
    assert sum(1 for p, _ in seen if p == 0) == 5 and sum(1 for p, _ in seen if p == 1) == 95
    assert pending == 105 and ack_pending == 0


def test_issue17_a_busy_partitioned_consumer_learns_backlogs_from_its_deliveries_not_by_asking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server is asked for a partition's backlog (`consumer_info`, which cost the NATS server as much CPU as
    deciding the events when asked before every batch) only for a partition not heard from yet, or one that was empty
    once `PROBE_S` has passed; a busy partition's backlog comes from what its deliveries say is left behind them, and
    a delivery handed back is fetched again without asking."""
    from warden.adapters import intake

    tag = uuid.uuid4().hex[:8]
    asked: list[int] = []

    async def run() -> None:
        try:
            pub = await NatsSource.connect(NATS_URL, f"Q{tag}", f"q{tag}", subscribe=False)
        except Exception as exc:
            if IN_CI:
                pytest.fail(f"CI=true but NATS JetStream not reachable at {NATS_URL}: {exc}")
            pytest.skip(f"NATS JetStream not reachable at {NATS_URL}: {exc.__class__.__name__}")
        for i in range(5):
            await pub.publish({"p": 0, "i": i}, 0)
        for i in range(300):
            await pub.publish({"p": 1, "i": i}, 1)
        src = await NatsSource.connect(NATS_URL, f"Q{tag}", f"q{tag}", "w", partitions=[0, 1, 2])
        for p, sub in src.subs.items():
            real = sub.consumer_info

            async def counted_info(p: int = p, real: Any = real) -> Any:
                asked.append(p)
                return await real()

            sub.consumer_info = counted_info

        def parts(got: list[intake.Delivery]) -> list[tuple[int, int]]:
            return [(int(x["p"]), int(x["i"])) for x in (json.loads(d.data) for d in got)]

        try:
            monkeypatch.setattr(intake, "PROBE_S", 3600.0)
            first = await src.fetch(100, 5.0)  # every partition unknown: asked once each
            assert sorted(asked) == [0, 1, 2]
            assert parts(first) == [(0, i) for i in range(5)] + [(1, i) for i in range(95)]
            second = await src.fetch(100, 5.0)  # nothing asked: partition 1 said 205 were left, 0 and 2 are quiet
            assert sorted(asked) == [0, 1, 2] and parts(second) == [(1, i) for i in range(95, 195)]
            depth = await src.depth(fresh=False)
            assert depth is not None and (depth.pending, depth.ack_pending) == (105, 200)
            for d in first + second[:50]:
                await d.ack()
            for d in second[50:]:  # handed back: delivered again, first, without asking
                await d.nak()
            for i in range(3):  # a quiet partition gets events while another is busy
                await pub.publish({"p": 2, "i": i}, 2)
            await pub.nc.flush()
            third = await src.fetch(100, 5.0)
            assert sorted(asked) == [0, 1, 2] and parts(third) == [(1, i) for i in range(145, 245)]
            monkeypatch.setattr(intake, "PROBE_S", 0.0)  # the quiet ones are asked again: partition 2's events come
            fourth = await src.fetch(100, 5.0)
            assert sorted(asked) == [0, 0, 1, 2, 2]
            assert sorted(parts(fourth)) == sorted([(1, i) for i in range(245, 300)] + [(2, i) for i in range(3)])
            for d in third + fourth:
                await d.ack()
            depth = await src.depth(fresh=False)
            assert depth is not None and (depth.pending, depth.ack_pending) == (0, 0)
        finally:
            await src.js.delete_stream(f"Q{tag}")
            await src.close()
            await pub.close()

    asyncio.run(run())
