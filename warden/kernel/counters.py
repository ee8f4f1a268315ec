"""Sliding-window counters: the port the rules count through and the window rule (in-process and Redis
implementations are adapters: `warden.adapters.memory_counters`, `warden.adapters.redis_counters`).

A counter key is `kind:account_id` (`ps:acc-1`: phone searches of acc-1). Each entry is one event's
contribution: `(time, event id, value)`, where `value` is what `distinct` counts (a reporter, a contact) and
the event id is the evidence.

**The one window rule of the project.** A window of length `w` seen by a decision about event `(t, id)`
holds the entries `(s, eid)` with `t − w < s` and `(s, eid) ≤ (t, id)`: half-open, open at the far end,
closed at the decision, and never looking past the decision in event time (ties broken by event id). So an
entry exactly `w` old is out, and a late event is judged only against what came before it in event time.

**Coverage.** The counters are a cache of what the stored events contributed (each stored event keeps its
entries in `events.counted`). `coverage(account)` says from when an account's entries are complete: all
entries with time > coverage are present. Ingest asks before deciding and, when the counters do not cover
what a decision can see (a restart, a late event older than what was kept), reloads that account from the
store (`load`). So a restart or a late event changes no decision, whatever the wall clock says.

Adds made during an ingest are journalled so a failed transaction takes them back (`rollback`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Protocol

Entry = tuple[float, str, str]
"""(time in epoch seconds, event id, value)."""

StoredEntry = tuple[str, float, str, str]
"""(key, time in epoch seconds, event id, value): what ingest reloads from the stored events."""

TOP = "\U0010ffff"  # sorts after every event id


def account_of(key: str) -> str:
    """The account a counter key belongs to (`ps:acc-1` → `acc-1`)."""
    return key.partition(":")[2]


class Counters(Protocol):
    def add(self, key: str, at: float, event_id: str, value: str) -> None: ...
    def window(self, key: str, since: float, at: float, event_id: str) -> list[Entry]:
        """Entries with `since < time` and `(time, id) ≤ (at, event_id)`, oldest first."""
        ...

    def coverage(self, account_ids: Sequence[str]) -> dict[str, float]:
        """For each account known to the counters, the time after which its entries are all present."""
        ...

    def load(self, account_id: str, entries: Iterable[StoredEntry], since: float, until: float | None = None) -> int:
        """Take the account's stored entries with `since < time` (≤ `until` when given) and cover it from `since`.

        Without `until` the account's entries are replaced; with `until` (its coverage so far) the entries fill
        the gap below what is held. Returns how many entries were taken."""
        ...

    def forget(self, account_ids: Iterable[str]) -> None:
        """Drop what is held of these accounts (entries and coverage): another process may have stored events of
        theirs since, so the next decision that needs them reloads them (`load`). Counters every process shares
        (Redis) hold those events already and keep everything."""
        ...

    def begin(self) -> None: ...
    def flush(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def clear(self) -> None: ...


def in_window(entries: Sequence[Entry], since: float, at: float, event_id: str) -> list[Entry]:
    """The slice of time-ordered `entries` inside the window (the project's one window rule)."""
    lo = bisect.bisect_right(entries, (since, TOP, TOP))
    hi = bisect.bisect_right(entries, (at, event_id, TOP))
    return list(entries[lo:hi]) if hi > lo else []


def count(entries: Sequence[Entry]) -> int:
    return len(entries)


def distinct(entries: Sequence[Entry]) -> int:
    """How many distinct values (reporters, contacts) the entries hold."""
    return len({v for _, _, v in entries})


def event_ids(entries: Sequence[Entry], limit: int = 20) -> list[str]:
    """The newest `limit` event ids of a window, oldest first: the evidence an explanation cites."""
    return [eid for _, eid, _ in entries[-limit:]]
