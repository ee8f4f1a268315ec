"""Where events come from when they do not arrive over HTTP: the intake port and its two implementations.

`MemorySource` is the in-process twin (tests, embedding); `NatsSource` pulls from a NATS JetStream durable
consumer (the scale-out engine). Both hand out deliveries that are acknowledged only after the batch they
belong to is committed, and take dead letters: input that can never be ingested, kept with its reasons.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson


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

    # optional: `async def depth(self) -> Depth | None`, the queue behind this consumer (for the metrics)


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

    async def depth(self) -> Depth:
        return Depth(self.queue.qsize(), self.in_flight)

    async def close(self) -> None:
        return None


class NatsSource:
    """A JetStream pull consumer. The stream is created when missing, holding `<prefix>.events` and
    `<prefix>.dead`; the durable consumer filters on the events subject and acks explicitly."""

    def __init__(
        self, nc: Any, js: Any, sub: Any, prefix: str, stream: str = "WARDEN", durable: str = "warden"
    ) -> None:
        self.nc, self.js, self.sub, self.prefix = nc, js, sub, prefix
        self.stream, self.durable = stream, durable

    @classmethod
    async def connect(
        cls,
        url: str,
        stream: str = "WARDEN",
        prefix: str = "warden",
        durable: str = "warden",
        ack_wait: float = 60,
    ) -> NatsSource:
        """Connect, creating the stream when missing and the durable consumer on first use. `ack_wait` (seconds,
        set when the durable consumer is created): how long a delivery may stay unacknowledged before the
        server hands it to a consumer again (after a crash, a kill -9, a lost connection)."""
        import nats
        from nats.js.api import ConsumerConfig, StreamConfig
        from nats.js.errors import NotFoundError

        nc = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=3)
        js = nc.jetstream()
        try:
            await js.stream_info(stream)
        except NotFoundError:
            await js.add_stream(StreamConfig(name=stream, subjects=[f"{prefix}.events", f"{prefix}.dead"]))
        sub = await js.pull_subscribe(
            f"{prefix}.events",
            durable=durable,
            stream=stream,
            config=ConsumerConfig(ack_wait=ack_wait, max_ack_pending=20_000),
        )
        return cls(nc, js, sub, prefix, stream, durable)

    async def fetch(self, max_events: int, timeout: float) -> list[Delivery]:
        from nats.errors import TimeoutError as NatsTimeout

        try:
            msgs = await self.sub.fetch(batch=max_events, timeout=timeout)
        except (NatsTimeout, TimeoutError):
            return []
        return [Delivery(m.data, m.ack, m.nak, _stamp(m)) for m in msgs]

    async def depth(self) -> Depth | None:
        """The durable consumer's `num_pending` and `num_ack_pending` (None when the server does not answer)."""
        try:
            info = await self.sub.consumer_info()
        except Exception:
            return None
        return Depth(int(info.num_pending or 0), int(info.num_ack_pending or 0))

    async def dead_letter(self, data: bytes, errors: list[dict[str, str]]) -> None:
        body = {"errors": errors, "data": data.decode("utf-8", errors="replace")}
        await self.js.publish(f"{self.prefix}.dead", orjson.dumps(body))

    async def publish(self, event: dict[str, Any]) -> None:
        await self.js.publish(f"{self.prefix}.events", orjson.dumps(event))

    async def close(self) -> None:
        """Stop pulling, then drain what is in flight; a drain that stalls (a pull request the server still
        holds) gives way to a plain close after a few seconds rather than the client's 30 s."""
        with contextlib.suppress(Exception):
            await self.sub.unsubscribe()
        try:
            await asyncio.wait_for(self.nc.drain(), 5)
        except Exception:
            await self.nc.close()


def _stamp(msg: Any) -> float | None:
    """When JetStream stored `msg` (Unix seconds), from its metadata; None when it has none."""
    try:
        return float(msg.metadata.timestamp.timestamp())
    except Exception:
        return None
