"""The consumer loop: events from a source, ingested in batches, acknowledged only after they are stored.

Nothing is lost and nothing is counted twice: undecodable or unacceptable events go to the source's dead
letters with the reasons (then are acknowledged); a failure of the store naks the whole batch, which the
broker redelivers, and idempotent ingest answers the redelivered events from the store.

**Stopping** (`stop` set, e.g. by SIGTERM): the batch being ingested is finished and acknowledged; deliveries
fetched but not yet started are handed back (nak'ed) for another consumer. A process killed outright (kill -9)
acknowledged only what it had committed; the broker redelivers the rest after its ack wait.

Each batch updates the `warden_intake_*` metrics (`adapters/metrics.py`) under the consumer's `name`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError

from warden.adapters import metrics
from warden.adapters.database import LOCK_TIMES
from warden.adapters.intake import Delivery, Depth, EventSource
from warden.app import App
from warden.kernel.errors import Conflict, InvalidInput
from warden.kernel.events import EventAdapter, field_errors

log = logging.getLogger("warden.intake")
_INDEX = re.compile(r"^events\[(\d+)\]")


PHASES = ("fetch", "validate", "decide", "commit", "ack", "depth", "progress", "idle")
"""The phases of a consumer's time, one after the other on its loop (they add up to its wall time):

- `fetch`: waiting for deliveries that were not there yet (the batch fetched ahead had not arrived);
- `validate`: parsing and validating the batch's messages (on the loop);
- `decide`: the ingest call in its thread, except its commit (deciding and writing the rows);
- `commit`: the database's COMMIT (`adapters.database.LOCK_TIMES.committing`: its round trip and WAL flush);
- `ack`: acknowledging the batch and setting its dead letters aside;
- `depth`: asking the broker for the queue depth after a batch (the metrics);
- `progress`: the progress callback (`consume`'s audit root anchoring among it);
- `idle`: fetches that came back empty (and the depth asked then) before more work came: a consumer waiting for
  events (the last wait, after which it stopped or was stopped, is not counted)."""


@dataclass
class IntakeStats:
    batches: int = 0
    stored: int = 0
    duplicates: int = 0
    dead: int = 0
    redelivered: int = 0
    handed_back: int = 0  # fetched, not started, returned to the broker (on stop; fetched ahead of a failed batch)
    # when the work happened (issue 17, `warden bench scale`): Unix seconds of the first non-empty fetch and of the
    # last batch's acknowledgement; this process's CPU seconds (`time.process_time`) at those two moments; seconds
    # spent deciding, storing and acknowledging batches (the busy time, excluding waits on an empty stream)
    first_fetch: float | None = None
    last_commit: float | None = None
    cpu_first: float | None = None
    cpu_last: float | None = None
    busy: float = 0.0
    # where the loop's time went (issue 17, `warden bench scale`'s phase table), seconds; `PHASES` names them
    phases: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))


async def _dead(source: EventSource, d: Delivery, errors: list[dict[str, str]], stats: IntakeStats) -> None:
    await source.dead_letter(d.data, errors)
    await d.ack()
    stats.dead += 1


async def process(warden: App, source: EventSource, deliveries: list[Delivery], stats: IntakeStats) -> None:
    phases = stats.phases
    started = time.perf_counter()
    good: list[tuple[Delivery, Any]] = []
    for d in deliveries:
        try:
            good.append((d, EventAdapter.validate_python(orjson.loads(d.data))))
        except orjson.JSONDecodeError as exc:
            await _dead(source, d, [{"field": "(message)", "message": f"not JSON: {exc}"}], stats)
        except ValidationError as exc:
            await _dead(source, d, [e.model_dump() for e in field_errors(exc)], stats)
    phases["validate"] += time.perf_counter() - started
    while good:
        started, committed = time.perf_counter(), LOCK_TIMES.snapshot()["commit_s"]
        try:
            result = await asyncio.to_thread(warden.pipeline.ingest, [ev for _, ev in good], "intake")
        except (InvalidInput, Conflict) as exc:  # unknown account, from the future, id reused: set aside, keep the rest
            named: dict[int, list[dict[str, str]]] = {}
            for e in exc.errors:
                if m := _INDEX.match(e.field):  # name the field within the message, not its place in our batch
                    where = e.field[m.end() :].lstrip(".") or "(message)"
                    named.setdefault(int(m.group(1)), []).append({"field": where, "message": e.message})
            if not named:
                for d, _ in good:
                    await d.nak()
                stats.redelivered += len(good)
                raise
            for i in sorted(named):
                await _dead(source, good[i][0], named[i], stats)
            good = [g for i, g in enumerate(good) if i not in named]
            continue
        except Exception:
            log.exception("ingest failed; %d deliveries will be redelivered", len(good))
            for d, _ in good:
                await d.nak()
            stats.redelivered += len(good)
            raise
        finally:
            commit = LOCK_TIMES.snapshot()["commit_s"] - committed
            phases["commit"] += commit
            phases["decide"] += time.perf_counter() - started - commit
        started = time.perf_counter()
        for d, _ in good:
            await d.ack()
        phases["ack"] += time.perf_counter() - started
        stats.batches += 1
        stats.stored += result.stored
        stats.duplicates += result.duplicates
        return


async def consume(
    warden: App,
    source: EventSource,
    *,
    batch: int = 1000,
    timeout: float = 1.0,
    stop: asyncio.Event | None = None,
    progress: Callable[[IntakeStats], None] | None = None,
    idle_exit: bool = False,
    name: str = "warden",
    stream: str = "",
) -> IntakeStats:
    """Run until `stop` is set (or, with `idle_exit`, until a fetch comes back empty); see the module docstring
    for what a stop finishes and what it hands back. `name` and `stream` label the metrics."""
    stats = IntakeStats()
    stop = stop or asyncio.Event()
    # The next batch is fetched while this one is decided and stored (its ingest runs in a thread), so the broker's
    # round trips are off the critical path (issue 17). What was fetched ahead and not started is handed back on a
    # stop, and with a failed batch (so the broker redelivers both in their order).
    ahead: asyncio.Task[list[Delivery]] | None = None
    idle = 0.0  # seconds of empty fetches not yet followed by work (the wait that ends `idle_exit` is not counted)

    async def hand_back() -> int:
        nonlocal ahead
        if ahead is None:
            return 0
        task, ahead = ahead, None
        try:
            waiting = await task
        except Exception:  # a fetch that failed fetched nothing
            return 0
        for d in waiting:
            await d.nak()
        return len(waiting)

    try:
        while not stop.is_set():
            waiting = time.perf_counter()
            if ahead is not None:
                task, ahead = ahead, None
                deliveries = await task
            else:
                deliveries = await source.fetch(batch, timeout)
            if deliveries:
                stats.phases["fetch"] += time.perf_counter() - waiting
                stats.phases["idle"], idle = stats.phases["idle"] + idle, 0.0
            else:
                idle += time.perf_counter() - waiting
            if stop.is_set() and deliveries:  # asked to stop while these were on their way: not started, hand back
                for d in deliveries:
                    await d.nak()
                stats.handed_back += len(deliveries)
                log.info("handed back %d deliveries not yet started", len(deliveries), extra={"consumer": name})
                break
            if not deliveries:
                waiting = time.perf_counter()
                depth = await _depth(source, name, stream)
                idle += time.perf_counter() - waiting
                if depth is not None and depth.pending + depth.ack_pending == 0:
                    metrics.INTAKE_LAG.labels(name).set(0.0)  # caught up: nothing waits, however old the last was
                # idle: nothing left to deliver and nothing delivered unacknowledged (a delivery that came in after
                # a short fetch gave up waits in the client for the next fetch)
                if idle_exit and (depth is None or depth.pending + depth.ack_pending == 0):
                    break
                continue
            if stats.first_fetch is None:
                stats.first_fetch, stats.cpu_first = time.time(), time.process_time()
            ahead = asyncio.create_task(source.fetch(batch, timeout))
            before = (stats.stored, stats.duplicates, stats.dead, stats.redelivered)
            started = time.perf_counter()
            try:
                await process(warden, source, deliveries, stats)
            except Exception:  # the batch was nak'ed (and the one fetched ahead); back off before the redelivery
                stats.busy += time.perf_counter() - started
                stats.handed_back += await hand_back()
                await asyncio.sleep(min(timeout, 1.0))
            else:
                stats.busy += time.perf_counter() - started
                stats.last_commit, stats.cpu_last = time.time(), time.process_time()
                stamps = [d.published_at for d in deliveries if d.published_at is not None]
                if stamps:
                    metrics.INTAKE_LAG.labels(name).set(max(0.0, time.time() - max(stamps)))
            after = (stats.stored, stats.duplicates, stats.dead, stats.redelivered)
            for result, b, a in zip(("stored", "duplicate", "dead", "redelivered"), before, after, strict=True):
                if a > b:
                    metrics.INTAKE.labels(name, result).inc(a - b)
            started = time.perf_counter()
            await _depth(source, name, stream, fresh=False)  # what the source knows: no round trip per batch
            stats.phases["depth"] += time.perf_counter() - started
            if progress:
                started = time.perf_counter()
                progress(stats)
                stats.phases["progress"] += time.perf_counter() - started
    finally:
        handed = await hand_back()
        if handed:
            stats.handed_back += handed
            log.info("handed back %d deliveries not yet started", handed, extra={"consumer": name})
    return stats


async def _depth(source: EventSource, name: str, stream: str, fresh: bool = True) -> Depth | None:
    """Record (and return) the queue depth behind the consumer, when the source can tell (`depth`, optional);
    `fresh=False`: as far as the source knows without asking the broker."""
    ask = getattr(source, "depth", None)
    depth: Depth | None = await ask(fresh) if ask is not None else None
    if depth is not None:
        metrics.INTAKE_PENDING.labels(stream, name).set(depth.pending)
        metrics.INTAKE_ACK_PENDING.labels(stream, name).set(depth.ack_pending)
    return depth
