"""Sliding-window counters in Redis: the scale-out twin of `InMemoryCounters` (same window rule, same coverage).

One sorted set per account (`warden:{acc-1}:w`, score = event time, member = `kind␟event id␟value`) and one
coverage key (`warden:{acc-1}:cov`), so several warden processes share the windows and a restart reloads
nothing. The hash tag keeps an account's keys in one Redis Cluster slot, and every multi-key command (the
coverage `MGET`, a rollback's `DEL`, a reload's `MULTI`, the prune script) names keys of one slot only (`by_slot`),
so the key scheme and the commands are Cluster-ready (the client is still `redis.Redis`: one primary, or
Sentinel). Adds made during an ingest are held back and written in one pipeline just before the batch commits
(`flush`); reads inside the batch see Redis plus the pending adds. If the commit then fails, `rollback` drops the
coverage of the accounts it wrote, so their next decision reloads them from the stored events: Redis never counts an
event the database lost.

**One round trip per batch.** Inside a batch (`begin` … `commit`/`rollback`), `coverage` reads, in the same
pipeline as the coverage keys, every entry the batch's accounts hold (their sets only keep what the longest
window can see), and the batch's windows are cut from that copy, kept up to date with the batch's adds and
reloads. No other writer can change those sets meanwhile: ingest holds the database's writers' lock from before
`coverage` until after `flush`, and every write to the counters happens under it. Outside a batch, and for an
account `coverage` was not asked about, `window` reads Redis directly.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

import redis
from redis.crc import key_slot

from warden.kernel.counters import Entry, StoredEntry, account_of, in_window

_SEP = "\x1f"

# Drop what a window can no longer see and move the coverage up with it (only if the account is covered:
# an uncovered account is reloaded before its next decision anyway).
_PRUNE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local c = redis.call('GET', KEYS[2])
if c and tonumber(c) < tonumber(ARGV[1]) then redis.call('SET', KEYS[2], ARGV[1]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
"""


class RedisCounters:
    def __init__(self, client: redis.Redis, retention: float, prefix: str = "warden") -> None:
        self.r = client
        self.retention = retention
        self.prefix = prefix
        self.ttl = int(retention) + 86400  # idle accounts leave Redis; coming back they are reloaded
        self._pending: list[tuple[str, Entry]] = []
        self._written: set[str] = set()
        # inside a batch: account → counter key → its entries (Redis as read by `coverage`, plus the batch's adds)
        self._held: dict[str, dict[str, list[Entry]]] | None = None
        self._prune: Any = client.register_script(_PRUNE)

    @classmethod
    def from_url(cls, url: str, retention: float, prefix: str = "warden") -> RedisCounters:
        from warden.adapters.health import why
        from warden.settings import mask_url

        client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=5)
        try:
            client.ping()  # fail at start, with the URL in the message, not on the first event
        except redis.RedisError as exc:
            client.close()
            raise redis.ConnectionError(f"Redis at WARDEN_REDIS_URL {mask_url(url)}: {why(exc)}") from exc
        return cls(client, retention, prefix)

    def _set(self, account_id: str) -> str:
        return f"{self.prefix}:{{{account_id}}}:w"

    def _cov(self, account_id: str) -> str:
        return f"{self.prefix}:{{{account_id}}}:cov"

    def add(self, key: str, at: float, event_id: str, value: str) -> None:
        entry = (at, event_id, value)
        self._pending.append((key, entry))
        if self._held is not None and (held := self._held.get(account_of(key))) is not None:
            _insert(held.setdefault(key, []), entry)

    def window(self, key: str, since: float, at: float, event_id: str) -> list[Entry]:
        kind, _, account = key.partition(":")
        if self._held is not None and (held := self._held.get(account)) is not None:
            entries = held.get(key)
            return in_window(entries, since, at, event_id) if entries else []
        head = kind + _SEP
        out: list[Entry] = []
        found = cast(
            "list[tuple[str, float]]",  # decode_responses=True: members are str
            self.r.zrangebyscore(self._set(account), f"({since!r}", repr(at), withscores=True),
        )
        for member, score in found:
            if member.startswith(head):
                _, eid, value = member.split(_SEP, 2)
                out.append((score, eid, value))
        out.extend(e for k, e in self._pending if k == key)
        out = sorted(set(out))
        return in_window(out, since, at, event_id)

    def coverage(self, account_ids: Sequence[str]) -> dict[str, float]:
        """Each known account's coverage; inside a batch, in the same round trip, every entry they hold."""
        ids = list(dict.fromkeys(account_ids))
        if not ids:
            return {}
        pipe: Any = self.r.pipeline(transaction=False)
        groups = by_slot(ids, self._cov)  # one MGET per Cluster slot: a multi-key command never spans slots
        for group in groups:
            pipe.mget([self._cov(a) for a in group])
        if self._held is not None:
            for a in ids:
                pipe.zrange(self._set(a), 0, -1, withscores=True)
        replies = pipe.execute()
        got = replies[: len(groups)]
        values = {a: v for group, vs in zip(groups, got, strict=True) for a, v in zip(group, vs, strict=True)}
        if self._held is not None:
            for a, found in zip(ids, replies[len(groups) :], strict=True):
                self._hold(a, cast("list[tuple[str, float]]", found))
        return {a: float(v) for a in ids if (v := values[a]) is not None}

    def _hold(self, account: str, members: Iterable[tuple[str, float]]) -> None:
        """Keep the account's entries for the rest of the batch: `members` (its set) plus the batch's adds."""
        assert self._held is not None
        held: dict[str, list[Entry]] = {}
        for member, score in members:
            kind, eid, value = member.split(_SEP, 2)
            held.setdefault(f"{kind}:{account}", []).append((score, eid, value))
        for entries in held.values():
            entries.sort()
        for key, entry in self._pending:
            if account_of(key) == account:
                _insert(held.setdefault(key, []), entry)
        self._held[account] = held

    def load(self, account_id: str, entries: Iterable[StoredEntry], since: float, until: float | None = None) -> int:
        zset, cov = self._set(account_id), self._cov(account_id)
        mapping = {
            f"{key.partition(':')[0]}{_SEP}{eid}{_SEP}{value}": at
            for key, at, eid, value in entries
            if since < at and (until is None or at <= until)
        }
        pipe: Any = self.r.pipeline(transaction=True)
        if until is None:
            pipe.delete(zset, cov)
        for chunk in _chunks(list(mapping.items()), 5000):
            pipe.zadd(zset, dict(chunk))
        pipe.set(cov, repr(since))
        pipe.expire(zset, self.ttl)
        pipe.expire(cov, self.ttl)
        pipe.execute()
        if self._held is not None:  # the batch's copy follows: replaced, or the gap filled
            if until is None:
                self._hold(account_id, mapping.items())
            elif (held := self._held.get(account_id)) is not None:
                for member, at in mapping.items():
                    kind, eid, value = member.split(_SEP, 2)
                    _insert(held.setdefault(f"{kind}:{account_id}", []), (at, eid, value))
        return len(mapping)

    def begin(self) -> None:
        self._pending = []
        self._written = set()
        self._held = {}

    def flush(self) -> None:
        """Write the batch's adds (called inside the ingest transaction, just before it commits)."""
        if not self._pending:
            return
        newest: dict[str, float] = {}
        pipe: Any = self.r.pipeline(transaction=False)
        for key, (at, eid, value) in self._pending:
            kind, _, account = key.partition(":")
            pipe.zadd(self._set(account), {f"{kind}{_SEP}{eid}{_SEP}{value}": at})
            newest[account] = max(at, newest.get(account, at))
        pipe.execute()
        pipe = self.r.pipeline(transaction=False)
        for account, at in newest.items():
            self._prune(
                keys=[self._set(account), self._cov(account)], args=[repr(at - self.retention), self.ttl], client=pipe
            )
        pipe.execute()
        self._written |= set(newest)
        self._pending = []
        self._held = None  # pruned: later reads (none in an ingest) go to Redis

    def commit(self) -> None:
        self.flush()
        self._written = set()
        self._held = None

    def rollback(self) -> None:
        self._pending = []
        self._held = None
        if self._written:  # written to Redis but the database did not commit: reload these accounts next time
            pipe: Any = self.r.pipeline(transaction=False)
            for group in by_slot(sorted(self._written), self._cov):  # one DEL per Cluster slot
                pipe.delete(*(self._cov(a) for a in group))
            pipe.execute()
            self._written = set()

    def forget(self, account_ids: Iterable[str]) -> None:
        """Every process shares these counters: what another one stored is here already; nothing to drop."""

    def clear(self) -> None:
        """Redis keeps its own state across restarts; nothing to clear."""


def by_slot(accounts: Sequence[str], key: Callable[[str], str]) -> list[list[str]]:
    """`accounts` grouped by the Redis Cluster slot of `key(account)` (CRC16 of the key's hash tag, `{account}`), in
    first-seen order: each group's keys may go into one multi-key command on a Cluster. On one Redis it changes
    nothing but the number of commands in the pipeline (one round trip either way)."""
    groups: dict[int, list[str]] = {}
    for a in accounts:
        groups.setdefault(key_slot(key(a).encode()), []).append(a)
    return list(groups.values())


def _insert(entries: list[Entry], entry: Entry) -> None:
    """Insert `entry` into the sorted `entries` unless it is there (Redis holds each member once)."""
    i = bisect_left(entries, entry)
    if i == len(entries) or entries[i] != entry:
        entries.insert(i, entry)


def _chunks(items: list[Any], n: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]
