"""Blocking work of concurrent requests done together: what the requests on the event loop hand over while the
previous group is being done waits in a queue, and the next group takes all of it, in arrival order, in ONE trip
to a worker thread. The event loop answers each request of the group when that trip is over.

Used for single events (`group_commit`: one transaction for a group) and for the edge's token checks
(`guard.EdgeGuard`: one read for a group). Why not one thread-pool trip per request: each costs a thread woken and
the threads contend for the GIL with the one doing the work, which on a small machine costs more than the work.
The queue lives on the event loop, so it needs no lock: only the loop touches it, and one drain task at a time
empties it. A request is never grouped with work that started before it arrived: the group is taken from the
queue before its trip begins.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Gather(Generic[T, R]):
    """`await submit(item)`: `run(items)` of the group `item` joins, in a worker thread, and this item's answer.
    `run` returns one answer per item, in order: a value, or an exception raised to that item's caller alone."""

    def __init__(self, run: Callable[[list[T]], Sequence[R | Exception]]) -> None:
        self.run = run
        # per event loop (one in a server; a test may run the same app on several): its queue and drain task
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue[T, R]] = weakref.WeakKeyDictionary()

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        queue = self._loops.get(loop)
        if queue is None:
            queue = self._loops[loop] = _Queue()
        answer: asyncio.Future[R] = loop.create_future()
        queue.items.append((item, answer))
        if queue.drainer is None:
            queue.drainer = loop.create_task(self._drain(queue))
        return await answer

    async def _drain(self, queue: _Queue[T, R]) -> None:
        """Group after group, until the queue is empty."""
        loop = asyncio.get_running_loop()
        try:
            while queue.items:
                taken, queue.items = queue.items, []
                try:
                    try:
                        answers: Sequence[R | Exception] = await loop.run_in_executor(
                            None, self.run, [item for item, _ in taken]
                        )
                    except Exception as exc:  # not one item's fault: every caller of the group gets it
                        answers = [exc] * len(taken)
                    for (_, answer), got in zip(taken, answers, strict=True):
                        if answer.done():  # its caller went away
                            continue
                        if isinstance(got, Exception):
                            answer.set_exception(got)
                        else:
                            answer.set_result(got)
                finally:  # cancelled (the loop closing): whoever still waits hears so
                    for _, answer in taken:
                        if not answer.done():
                            answer.set_exception(RuntimeError("the server stopped before this request was done"))
        finally:
            queue.drainer = None


@dataclass
class _Queue(Generic[T, R]):
    """One event loop's items waiting for the next group, and the task draining them (None when idle)."""

    items: list[tuple[T, asyncio.Future[R]]] = field(default_factory=list)
    drainer: asyncio.Task[None] | None = None
