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
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Gather(Generic[T, R]):
    """`await submit(item)`: `run(items)` of the group `item` joins, in a worker thread, and this item's answer.
    `run` returns one answer per item, in order: a value, or an exception raised to that item's caller alone."""

    def __init__(self, run: Callable[[list[T]], Sequence[R | Exception]]) -> None:
        self.run = run
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (a test client started again): nothing of the old one is pending
            self._loop, self._queue, self._drainer = loop, [], None
        answer: asyncio.Future[R] = loop.create_future()
        self._queue.append((item, answer))
        if self._drainer is None:
            self._drainer = loop.create_task(self._drain())
        return await answer

    async def _drain(self) -> None:
        """Group after group, until the queue is empty."""
        loop = asyncio.get_running_loop()
        try:
            while self._queue:
                taken, self._queue = self._queue, []
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
            self._drainer = None
