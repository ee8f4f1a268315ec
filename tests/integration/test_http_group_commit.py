"""Issue 16, group commit over HTTP: single events handed over on the event loop while a group is being decided
are decided together in the next group, in one transaction, each answered with its own decision or its own error
(`entrypoints.http.group_commit`, `entrypoints.http.gather`)."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from tests.conftest import World
from warden.adapters import tables as t
from warden.app import App
from warden.entrypoints.http.gather import Gather
from warden.entrypoints.http.group_commit import GroupCommit
from warden.kernel.errors import Conflict
from warden.pipeline.ingest import IngestResult


def _batches(w: App) -> int:
    with w.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).where(t.audit_log.c.action == "events.decided")).scalar_one())


async def _together(gc: GroupCommit, events: list[dict[str, Any]]) -> list[Any]:
    """Each event as its own request, all handed over in the same turn of the event loop."""
    return await asyncio.gather(*(gc.ingest_events([e], "platform") for e in events), return_exceptions=True)


def test_S_A1_single_events_handed_over_together_share_one_transaction_each_with_its_own_decision(
    world: World,
) -> None:
    """Ten phone searches of a new unverified account as ten requests at once: one `events.decided` batch, each
    request answered with its own event's decision, equal to sending the events one by one."""
    w = world.w
    t0 = world.clock.now() - timedelta(minutes=10)
    world.account("acc-new", verified=False, age_days=10)
    events = [world.phone_search("acc-new", at=t0 + timedelta(seconds=i)) for i in range(10)]
    before = _batches(w)
    results = asyncio.run(_together(GroupCommit(w.pipeline), events))
    assert all(isinstance(r, IngestResult) for r in results), results
    assert _batches(w) == before + 1
    assert [r.outcomes[0].event_id for r in results] == [e["id"] for e in events]
    grouped = [(o.allowed, [r.code for r in o.reasons]) for o in (r.outcomes[0] for r in results)]

    world.enterprise("ent-2")
    world.account("acc-twin", "ent-2", verified=False, age_days=10)
    twin = [world.phone_search("acc-twin", at=t0 + timedelta(seconds=i)) for i in range(10)]
    alone = [w.pipeline.ingest([e]).outcomes[0] for e in twin]
    assert grouped == [(o.allowed, [r.code for r in o.reasons]) for o in alone]
    assert any(allowed is False for allowed, _ in grouped), "the burst must trip S-A1, or this test shows nothing"


def test_S_A1_a_request_failing_inside_an_http_group_fails_alone(world: World) -> None:
    """One request reuses a stored event id with other content: it alone gets the Conflict; the others are stored."""
    w = world.w
    t0 = world.clock.now() - timedelta(minutes=5)
    first = world.event("login", at=t0, device_id="d1", client_version="4.1")
    w.pipeline.ingest([first])
    good = [
        world.event("login", at=t0 + timedelta(seconds=i + 1), device_id="d1", client_version="4.1") for i in range(3)
    ]
    results = asyncio.run(_together(GroupCommit(w.pipeline), [good[0], dict(first, device_id="d2"), *good[1:]]))
    assert isinstance(results[1], Conflict)
    assert [type(r) for r in (results[0], *results[2:])] == [IngestResult] * 3
    with w.engine.connect() as c:
        ids = set(c.execute(sa.select(t.events.c.id)).scalars())
    assert {e["id"] for e in good} <= ids


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
