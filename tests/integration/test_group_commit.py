"""Issue 16, group commit: single events that arrive together share one transaction, each still answered with its
own decisions, in its own order, and a request that fails in the group fails alone. Both ways of arriving
together are pinned: in-process callers queued on the batch lock (`pipeline.ingest.Ingest.ingest`) and HTTP
requests handed over on the event loop while a group is being decided (`entrypoints.http.group_commit`,
`entrypoints.http.gather`)."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import World
from warden.adapters import tables as t
from warden.app import App
from warden.entrypoints.http.gather import Gather
from warden.entrypoints.http.group_commit import GroupCommit
from warden.kernel.errors import Conflict
from warden.pipeline.ingest import IngestResult


def _queued_behind_a_running_batch(w: App, calls: list[Callable[[], IngestResult]]) -> list[Any]:
    """Start each call on its own thread while the batch lock is held, one after another (each waiting in the
    queue before the next starts), then let them go: what each call returned or raised, in call order."""
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    with w.pipeline._lock:  # a batch in flight
        for i, th in enumerate(threads):
            th.start()
            deadline = time.monotonic() + 10
            while len(w.pipeline._waiting) < i + 1:  # queued in call order
                assert time.monotonic() < deadline, "a request never reached the queue"
                time.sleep(0.001)
    for th in threads:
        th.join(30)
    return results


def _batches(w: App) -> int:
    with w.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).where(t.audit_log.c.action == "events.decided")).scalar_one())


Together = Callable[[App, list[dict[str, Any]]], list[Any]]


def _queued(w: App, events: list[dict[str, Any]]) -> list[Any]:
    """Each event as its own in-process call, all queued behind a running batch."""
    return _queued_behind_a_running_batch(w, [functools.partial(w.pipeline.ingest, [e]) for e in events])


def _handed_over(w: App, events: list[dict[str, Any]]) -> list[Any]:
    """Each event as its own HTTP request's hand-over, all in the same turn of the event loop."""
    gc = GroupCommit(w.pipeline)

    async def together() -> list[Any]:
        return await asyncio.gather(*(gc.ingest_events([e], "platform") for e in events), return_exceptions=True)

    return asyncio.run(together())


@pytest.fixture(params=[_queued, _handed_over], ids=["queued on the batch lock", "handed over on the event loop"])
def together(request: pytest.FixtureRequest) -> Together:
    return request.param  # type: ignore[no-any-return]


def test_S_A1_single_events_arriving_together_share_one_transaction_and_each_gets_its_own_decision(
    world: World, together: Together
) -> None:
    """Ten phone searches of a new unverified account arrive together: one `events.decided` batch, each caller gets
    its own event's decision, and the decisions are those of sending the events one by one (the S-A1 velocity
    rule restricts from the same event either way)."""
    w = world.w
    t0 = world.clock.now() - timedelta(minutes=10)
    world.account("acc-new", verified=False, age_days=10)  # limits × 0.25: a burst of 10 trips S-A1
    events = [world.phone_search("acc-new", at=t0 + timedelta(seconds=i)) for i in range(10)]
    before = _batches(w)
    results = together(w, events)
    assert all(isinstance(r, IngestResult) for r in results), results
    assert _batches(w) == before + 1
    assert [r.outcomes[0].event_id for r in results] == [e["id"] for e in events]
    assert all(r.stored == 1 and r.duplicates == 0 for r in results)
    grouped = [(o.allowed, [r.code for r in o.reasons]) for o in (r.outcomes[0] for r in results)]

    # the reference: the same history for a twin account in its own enterprise, one event per transaction
    world.enterprise("ent-2")
    world.account("acc-twin", "ent-2", verified=False, age_days=10)
    twin = [world.phone_search("acc-twin", at=t0 + timedelta(seconds=i)) for i in range(10)]
    alone = [w.pipeline.ingest([e]).outcomes[0] for e in twin]
    assert grouped == [(o.allowed, [r.code for r in o.reasons]) for o in alone]
    assert any(allowed is False for allowed, _ in grouped), "the burst must trip S-A1, or this test shows nothing"


def test_S_A1_a_request_that_fails_inside_a_group_fails_alone(world: World, together: Together) -> None:
    """One caller reuses a stored event id with other content: it alone gets the 409; the others are stored."""
    w = world.w
    t0 = world.clock.now() - timedelta(minutes=5)
    first = world.event("login", at=t0, device_id="d1", client_version="4.1")
    w.pipeline.ingest([first])
    clash = dict(first, device_id="d2")
    good = [
        world.event("login", at=t0 + timedelta(seconds=i + 1), device_id="d1", client_version="4.1") for i in range(3)
    ]
    results = together(w, [good[0], clash, *good[1:]])
    assert isinstance(results[1], Conflict)
    assert [type(r) for r in results[::2]] == [IngestResult, IngestResult]
    assert isinstance(results[3], IngestResult)
    with w.engine.connect() as c:
        ids = set(c.execute(sa.select(t.events.c.id)).scalars())
    assert {e["id"] for e in good} <= ids


def test_S_A1_a_resent_event_inside_a_group_is_answered_as_a_duplicate(world: World) -> None:
    """Two callers send the very same event together: it is stored once; the second caller gets the first's
    answer marked duplicate, as if it had arrived after."""
    w = world.w
    e = world.phone_search(at=world.clock.now() - timedelta(minutes=1))
    a, b = _queued_behind_a_running_batch(w, [lambda: w.pipeline.ingest([e]), lambda: w.pipeline.ingest([e])])
    assert (a.stored, a.duplicates, b.stored, b.duplicates) == (1, 0, 0, 1)
    assert b.outcomes[0].duplicate and b.outcomes[0].allowed == a.outcomes[0].allowed


@pytest.mark.parametrize("actors", [("platform", "replay")])
def test_S_A1_only_requests_of_one_actor_share_a_transaction(world: World, actors: tuple[str, str]) -> None:
    """The audit entry of a batch names one actor, so requests of different actors are never grouped."""
    w = world.w
    t0 = world.clock.now() - timedelta(minutes=3)
    e1, e2, e3 = (world.phone_search(at=t0 + timedelta(seconds=i)) for i in range(3))
    before = _batches(w)
    results = _queued_behind_a_running_batch(
        w,
        [
            lambda: w.pipeline.ingest([e1], actors[0]),
            lambda: w.pipeline.ingest([e2], actors[1]),
            lambda: w.pipeline.ingest([e3], actors[0]),
        ],
    )
    assert all(isinstance(r, IngestResult) for r in results)
    assert _batches(w) == before + 2
    with w.engine.connect() as c:
        by_actor = sorted(
            c.execute(
                sa.select(t.audit_log.c.actor)
                .where(t.audit_log.c.action == "events.decided")
                .order_by(t.audit_log.c.seq)
            ).scalars()
        )[-2:]
    assert sorted(by_actor) == sorted(actors)


def test_work_handed_over_while_a_group_runs_waits_for_the_next_group_never_joins_the_running_one() -> None:
    """The first item runs alone; three handed over while it runs go together in the next trip, in arrival order;
    an item's exception goes to its caller alone."""
    groups: list[list[int]] = []
    running, release = threading.Event(), threading.Event()

    def run(items: list[int]) -> list[int | Exception]:
        groups.append(list(items))
        if len(groups) == 1:
            running.set()
            assert release.wait(10)
        return [ValueError(f"item {i}") if i == 3 else i * 10 for i in items]

    async def scenario() -> list[Any]:
        gather: Gather[int, int] = Gather(run)
        first = asyncio.ensure_future(gather.submit(1))
        await asyncio.get_running_loop().run_in_executor(None, running.wait, 10)  # the first group is running
        later = [asyncio.ensure_future(gather.submit(i)) for i in (2, 3, 4)]
        await asyncio.sleep(0.01)
        release.set()
        return await asyncio.gather(first, *later, return_exceptions=True)

    answers = asyncio.run(scenario())
    assert groups == [[1], [2, 3, 4]]
    assert answers[0] == 10 and answers[1] == 20 and answers[3] == 40
    assert isinstance(answers[2], ValueError) and str(answers[2]) == "item 3"
