"""Sliding-window counters in Redis: the scale-out twin of `InMemoryCounters`.

One sorted set per counter key (score = time, member = event id or reporter id), so several warden processes
share the windows and nothing is rebuilt after a restart. Adds made during an ingest are held back and
written in one pipeline when the batch is about to commit (`flush`), so a batch that fails leaves nothing
behind; reads inside the batch see Redis plus the pending adds. Ingest batches are already serialised across
processes by the audit writers' lock, so reads and the flush never interleave with another batch.

Keys carry the account in a hash tag (`warden:{acc-1}:ps`), so one account's keys share a Redis Cluster slot.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import redis


def redis_key(key: str, prefix: str = "warden") -> str:
    kind, _, subject = key.partition(":")
    return f"{prefix}:{{{subject}}}:{kind}"


class RedisCounters:
    def __init__(self, client: redis.Redis, retention: float, prefix: str = "warden") -> None:
        self.r = client
        self.retention = retention
        self.prefix = prefix
        self._pending: list[tuple[str, float, str]] = []

    @classmethod
    def from_url(cls, url: str, retention: float, prefix: str = "warden") -> RedisCounters:
        client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=5)
        client.ping()  # fail at start, with the URL in the message, not on the first event
        return cls(client, retention, prefix)

    def _k(self, key: str) -> str:
        return redis_key(key, self.prefix)

    def add(self, key: str, at: float, member: str) -> None:
        self._pending.append((key, at, member))

    def count(self, key: str, since: float) -> int:
        stored = self.r.zrangebyscore(self._k(key), since, "+inf")
        pending = [m for k, at, m in self._pending if k == key and at >= since]
        return len(set(stored) | set(pending)) if pending else len(stored)

    def distinct(self, key: str, since: float) -> int:
        return self.count(key, since)  # members of a sorted set are distinct by construction

    def members(self, key: str, since: float, limit: int = 50) -> list[str]:
        stored: list[str] = self.r.zrangebyscore(self._k(key), since, "+inf")
        out = list(dict.fromkeys(stored + [m for k, at, m in self._pending if k == key and at >= since]))
        return out[-limit:]

    def begin(self) -> None:
        self._pending = []

    def flush(self) -> None:
        """Write the batch's adds (called inside the ingest transaction, just before it commits)."""
        if self._pending:
            self._write(self._pending)
        self._pending = []

    def commit(self) -> None:
        self.flush()

    def rollback(self) -> None:
        self._pending = []

    def load(self, entries: Iterable[tuple[str, float, str]]) -> int:
        """Re-add stored entries (idempotent: a sorted set keeps each member once)."""
        batch = list(entries)
        for i in range(0, len(batch), 5000):
            self._write(batch[i : i + 5000])
        return len(batch)

    def _write(self, entries: list[tuple[str, float, str]]) -> None:
        newest: dict[str, float] = {}
        pipe: Any = self.r.pipeline(transaction=False)
        for key, at, member in entries:
            rk = self._k(key)
            pipe.zadd(rk, {member: at}, gt=True)  # an older replay never moves a member back in time
            newest[rk] = max(at, newest.get(rk, at))
        for rk, at in newest.items():
            pipe.zremrangebyscore(rk, "-inf", f"({at - self.retention}")
            pipe.expire(rk, int(self.retention) + 60)
        pipe.execute()
