"""Where events come from when they do not arrive over HTTP: the intake port and its two implementations.

`MemorySource` is the in-process twin (tests, embedding); `NatsSource` pulls from a NATS JetStream durable
consumer (the scale-out engine). Both hand out deliveries that are acknowledged only after the batch they
belong to is committed, and take dead letters: input that can never be ingested, kept with its reasons.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

log = logging.getLogger("warden.intake")

PROBE_S = 1.0
"""Seconds between asking the server whether a partition that was empty has events again, while others are busy
(`NatsSource.fetch`): how long a quiet partition's new events may wait behind a busy partition's backlog."""


@dataclass
class Delivery:
    data: bytes
    ack: Callable[[], Awaitable[None]]
    nak: Callable[[], Awaitable[None]]
    published_at: float | None = None  # when the broker stored the message (Unix seconds), for the intake lag


@dataclass(frozen=True)
class Depth:
    """The consumer's queue: messages not yet delivered to it, and delivered but not yet acknowledged."""

    pending: int
    ack_pending: int


class EventSource(Protocol):
    async def fetch(self, max_events: int, timeout: float) -> list[Delivery]: ...
    async def dead_letter(self, data: bytes, errors: list[dict[str, str]]) -> None: ...
    async def close(self) -> None: ...

    # optional: `async def depth(self, fresh: bool = True) -> Depth | None`, the queue behind this consumer (the
    # metrics, and whether the stream is drained); `fresh=False`: what the source knows without asking the broker


@dataclass
class MemorySource:
    """An in-process queue with the broker's semantics: unacknowledged deliveries come back."""

    queue: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    acked: list[bytes] = field(default_factory=list)
    dead: list[tuple[bytes, list[dict[str, str]]]] = field(default_factory=list)
    in_flight: int = 0

    def put(self, data: bytes | dict[str, Any]) -> None:
        self.queue.put_nowait(data if isinstance(data, bytes) else orjson.dumps(data))

    async def fetch(self, max_events: int, timeout: float) -> list[Delivery]:
        out: list[Delivery] = []
        try:
            first = await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return out
        out.append(self._delivery(first))
        while len(out) < max_events and not self.queue.empty():
            out.append(self._delivery(self.queue.get_nowait()))
        return out

    def _delivery(self, data: bytes) -> Delivery:
        async def ack() -> None:
            self.acked.append(data)
            self.in_flight -= 1

        async def nak() -> None:
            self.queue.put_nowait(data)
            self.in_flight -= 1

        self.in_flight += 1
        return Delivery(data, ack, nak)

    async def dead_letter(self, data: bytes, errors: list[dict[str, str]]) -> None:
        self.dead.append((data, errors))

    async def depth(self, fresh: bool = True) -> Depth:
        return Depth(self.queue.qsize(), self.in_flight)

    async def close(self) -> None:
        return None


class NatsUnreachable(Exception):
    """No NATS server of the URL could be reached: the message names the URL (password and token masked) and the
    connection's own last error."""


async def connect_nats(
    url: str, timeout: float = 5.0, attempts: int = 3, wait: float = 2.0, quiet: bool = False
) -> Any:
    """A NATS connection to `url` (several servers comma-separated), trying each server `attempts` times `wait`
    seconds apart. The client's errors are logged as one WARNING line each on `warden.intake` (`quiet`: not at all),
    never as the client's own ERROR tracebacks; when no server answers, `NatsUnreachable` says why."""
    import nats

    from warden.adapters.health import why
    from warden.settings import mask_url

    shown = mask_url(url)
    errors: list[BaseException] = []

    async def on_error(exc: Exception) -> None:
        errors.append(exc)
        if not quiet:
            log.warning("nats %s: %s", shown, why(exc), extra={"nats": shown})

    servers = [part.strip() for part in url.split(",") if part.strip()]
    try:
        return await nats.connect(
            servers,
            connect_timeout=timeout,
            max_reconnect_attempts=attempts,
            reconnect_time_wait=wait,
            error_cb=on_error,
        )
    except Exception as exc:
        raise NatsUnreachable(f"{shown}: {why(errors[-1] if errors else exc)}") from exc


class NatsSource:
    """A JetStream pull consumer. The stream is created when missing, holding `<prefix>.events`, the partition
    subjects `<prefix>.events.<p>` (issue 17) and `<prefix>.dead`.

    Without `partitions`, one durable consumer (`durable`) filters on `<prefix>.events` (the single-subject path of
    old). With `partitions`, one durable consumer per partition, `<durable>-p<p>` filtered on `<prefix>.events.<p>`:
    the process that takes a set of partitions (`warden consume --partitions 0-7`) is the only one deciding them, in
    order, and its caches stay valid for them; another process takes another set, and none waits for the other."""

    def __init__(
        self,
        nc: Any,
        js: Any,
        sub: Any,
        prefix: str,
        stream: str = "WARDEN",
        durable: str = "warden",
        subs: dict[int, Any] | None = None,
    ) -> None:
        self.nc, self.js, self.sub, self.prefix = nc, js, sub, prefix
        self.stream, self.durable = stream, durable
        self.subs = subs or {}  # partition → its pull subscription (partitioned intake)
        # partition (None: the single subject) → messages not yet delivered to this consumer, as the latest
        # delivery from it said (JetStream's `num_pending` in every message's metadata) or the server last answered
        self._backlog: dict[int | None, int] = {}
        self._asked: dict[int, float] = {}  # partition → when its backlog was last asked of the server (monotonic)
        self._unacked = 0  # deliveries handed out by this source and not yet acknowledged or handed back

    @classmethod
    async def connect(
        cls,
        url: str,
        stream: str = "WARDEN",
        prefix: str = "warden",
        durable: str = "warden",
        ack_wait: float = 60,
        partitions: Sequence[int] | None = None,
        subscribe: bool = True,
    ) -> NatsSource:
        """Connect, creating the stream when missing (or adding the partition subjects to a stream from before
        them) and the durable consumers on first use. `ack_wait` (seconds, set when a durable consumer is
        created): how long a delivery may stay unacknowledged before the server hands it to a consumer again
        (after a crash, a kill -9, a lost connection). `partitions`: consume these partitions' subjects (see the
        class); `subscribe=False`: only publish."""
        from nats.js.api import ConsumerConfig, StreamConfig
        from nats.js.errors import NotFoundError

        nc = await connect_nats(url)
        js = nc.jetstream()
        subjects = [f"{prefix}.events", f"{prefix}.events.*", f"{prefix}.dead"]
        try:
            info = await js.stream_info(stream)
        except NotFoundError:
            await js.add_stream(StreamConfig(name=stream, subjects=subjects))
        else:
            have = list(info.config.subjects or [])
            if any(x not in have for x in subjects):  # a stream from before partitions: add their subjects
                info.config.subjects = have + [x for x in subjects if x not in have]
                await js.update_stream(info.config)
        config = ConsumerConfig(ack_wait=ack_wait, max_ack_pending=20_000)
        sub = None
        subs: dict[int, Any] = {}
        if subscribe and partitions is None:
            sub = await js.pull_subscribe(f"{prefix}.events", durable=durable, stream=stream, config=config)
        elif subscribe and partitions is not None:
            for p in partitions:
                subs[p] = await js.pull_subscribe(
                    f"{prefix}.events.{p}", durable=f"{durable}-p{p}", stream=stream, config=config
                )
        return cls(nc, js, sub, prefix, stream, durable, subs)

    async def fetch(self, max_events: int, timeout: float) -> list[Delivery]:
        """Up to `max_events` deliveries. Partitioned: from every partition of this consumer at once, each
        partition's in stream order.

        Partitioned, each partition is asked for no more than it holds (a fair share, the rest to those holding
        more): a pull for more than a partition holds is kept open by JetStream until it expires, so one quiet
        partition would stall the busy ones for `timeout` (issue 17: it cost two consumers half their time). A short
        client-side wait instead is no way out: nats-py waits with `asyncio.wait_for(queue.get(), …)`, which on
        Python < 3.12 can drop a message arriving just as it times out, and JetStream then redelivers it only after
        `ack_wait`, out of order. Only when no partition holds anything does it wait, up to `timeout`, for new events.

        What a partition holds is known without asking: every message JetStream delivers carries how many are left
        behind it for this consumer (`num_pending`). The server is asked (`consumer_info`, side by side) only for a
        partition not heard from yet, and for one that was empty, at most every `PROBE_S` seconds (events published
        to it since). Asking before every batch, as this did first, cost the NATS server ~11 ms of CPU per partition
        and batch while deliveries were unacknowledged, as much CPU as deciding the events (issue 17, measured with
        `warden bench scale`'s NATS column)."""
        if not self.subs:
            return await self._fetch(None, max_events, timeout)
        parts = list(self.subs)
        now = time.monotonic()
        ask = [
            p
            for p in parts
            if p not in self._backlog or (self._backlog[p] == 0 and now - self._asked.get(p, -PROBE_S) >= PROBE_S)
        ]
        if ask:
            for p, n in (await self._backlogs(ask)).items():
                self._backlog[p], self._asked[p] = n, now
        want = _shares({p: n for p in parts if (n := self._backlog.get(p, 0)) > 0}, max_events)
        if not want:  # idle (or the server did not say): wait for new events on every partition
            share = max(1, max_events // len(parts))
            got = await asyncio.gather(*(self._fetch(p, share, timeout) for p in parts))
        else:
            got = await asyncio.gather(*(self._fetch(p, n, timeout) for p, n in want.items()))
        return [d for batch in got for d in batch]

    async def _backlogs(self, parts: Sequence[int]) -> dict[int, int]:
        """Each partition's messages not yet delivered to this consumer (`num_pending`); 0 when unknown."""

        async def one(p: int) -> int:
            try:
                info = await self.subs[p].consumer_info()
            except Exception:
                return 0
            return int(info.num_pending or 0)

        return dict(zip(parts, await asyncio.gather(*(one(p) for p in parts)), strict=True))

    async def _fetch(self, part: int | None, n: int, timeout: float) -> list[Delivery]:
        """Up to `n` deliveries of one partition (None: the single subject); its backlog is what the last says is
        left behind it (0 when none came)."""
        from nats.errors import TimeoutError as NatsTimeout

        sub = self.sub if part is None else self.subs[part]
        try:
            msgs = await sub.fetch(batch=n, timeout=timeout)
        except (NatsTimeout, TimeoutError):
            msgs = []
        self._backlog[part] = _left(msgs[-1]) if msgs else 0
        return [self._delivery(m, part) for m in msgs]

    def _delivery(self, msg: Any, part: int | None) -> Delivery:
        """A delivery whose acknowledgement this source counts (`depth(fresh=False)`); handed back, it counts again
        in its partition's backlog (JetStream delivers it again first)."""
        self._unacked += 1

        async def ack() -> None:
            self._unacked -= 1
            await msg.ack()

        async def nak() -> None:
            self._unacked -= 1
            self._backlog[part] = self._backlog.get(part, 0) + 1
            await msg.nak()

        return Delivery(msg.data, ack, nak, _stamp(msg))

    async def depth(self, fresh: bool = True) -> Depth | None:
        """The durable consumers' `num_pending` and `num_ack_pending`, summed over this consumer's partitions (None
        when the server does not answer). `fresh=False`: without asking, from what the latest deliveries said was
        left behind them and the deliveries this process has not acknowledged yet (with several processes on the
        single subject, only this one's)."""
        if not fresh:
            return Depth(sum(self._backlog.values()), self._unacked)
        subs = [self.sub] if self.sub is not None else list(self.subs.values())
        try:  # side by side: one round trip's wait for all the partitions, not one each
            infos = await asyncio.gather(*(s.consumer_info() for s in subs))
        except Exception:
            return None
        return Depth(sum(int(i.num_pending or 0) for i in infos), sum(int(i.num_ack_pending or 0) for i in infos))

    async def dead_letter(self, data: bytes, errors: list[dict[str, str]]) -> None:
        body = {"errors": errors, "data": data.decode("utf-8", errors="replace")}
        await self.js.publish(f"{self.prefix}.dead", orjson.dumps(body))

    async def publish(self, event: dict[str, Any], partition: int | None = None) -> None:
        """Publish one event: on `<prefix>.events.<partition>` (`kernel.partition`; `Router` finds it), or on the
        single subject `<prefix>.events` without one."""
        subject = f"{self.prefix}.events" if partition is None else f"{self.prefix}.events.{partition}"
        await self.js.publish(subject, orjson.dumps(event))

    async def close(self) -> None:
        """Stop pulling, then drain what is in flight; a drain that stalls (a pull request the server still
        holds) gives way to a plain close after a few seconds rather than the client's 30 s."""
        for sub in [self.sub, *self.subs.values()]:
            if sub is not None:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()
        try:
            await asyncio.wait_for(self.nc.drain(), 5)
        except Exception:
            await self.nc.close()


def _shares(backlog: dict[int, int], budget: int) -> dict[int, int]:
    """How many events to ask each partition for: `budget` split evenly over the partitions with a backlog, never
    more than a partition holds, what one cannot take going to the others (water-filling)."""
    want = dict.fromkeys(backlog, 0)
    while budget > 0:
        open_ = [p for p in backlog if want[p] < backlog[p]]
        if not open_:
            break
        each = max(1, budget // len(open_))
        for p in open_:
            k = min(each, backlog[p] - want[p], budget)
            want[p] += k
            budget -= k
            if budget == 0:
                break
    return {p: n for p, n in want.items() if n > 0}


class Router:
    """Which partition an event goes to (issue 17): its account's enterprise (an enterprise's own event: that
    enterprise), hashed (`kernel.partition.partition_of`). The directory is read from the database, a chunk of
    accounts at a time, and kept: an account's enterprise is looked up once. An account the directory does not know
    is routed by its own id (the consumer refuses it as unknown, to the dead letters, whichever partition it is in).
    """

    def __init__(self, engine: Any, partitions: int) -> None:
        self.engine = engine
        self.partitions = partitions
        self._homes: dict[str, str] = {}

    def learn(self, events: Sequence[dict[str, Any]]) -> None:
        """Look up the enterprises of the accounts of `events` not known yet (one query per 500)."""
        from warden.adapters import store
        from warden.adapters.database import reading

        ids = [a for e in events if isinstance(a := e.get("account_id"), str) and a not in self._homes]
        if ids:
            with reading(self.engine) as conn:
                self._homes.update(store.enterprises_of(conn, ids))

    def partition(self, event: dict[str, Any]) -> int:
        """The partition of `event` (a dict as published); `learn` it first for the directory's answer."""
        from warden.kernel.partition import partition_of

        account = event.get("account_id")
        key = event.get("enterprise_id") if not account else self._homes.get(str(account), str(account))
        return partition_of(str(key or ""), self.partitions)


def _left(msg: Any) -> int:
    """How many messages JetStream had left for the consumer behind `msg` when it delivered it (its metadata's
    `num_pending`); 0 when it does not say."""
    try:
        return int(msg.metadata.num_pending)
    except Exception:
        return 0


def _stamp(msg: Any) -> float | None:
    """When JetStream stored `msg` (Unix seconds), from its metadata; None when it has none."""
    try:
        return float(msg.metadata.timestamp.timestamp())
    except Exception:
        return None
