"""Sliding-window counters: the port the rules count through, and its in-process implementation.

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
import threading
from collections.abc import Iterable, Sequence
from typing import Protocol

Entry = tuple[float, str, str]
"""(time in epoch seconds, event id, value)."""

StoredEntry = tuple[str, float, str, str]
"""(key, time in epoch seconds, event id, value): what ingest reloads from the stored events."""

_TOP = "\U0010ffff"  # sorts after every event id


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

    def begin(self) -> None: ...
    def flush(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def clear(self) -> None: ...


def in_window(entries: Sequence[Entry], since: float, at: float, event_id: str) -> list[Entry]:
    """The slice of time-ordered `entries` inside the window (the project's one window rule)."""
    lo = bisect.bisect_right(entries, (since, _TOP, _TOP))
    hi = bisect.bisect_right(entries, (at, event_id, _TOP))
    return list(entries[lo:hi]) if hi > lo else []


def count(entries: Sequence[Entry]) -> int:
    return len(entries)


def distinct(entries: Sequence[Entry]) -> int:
    """How many distinct values (reporters, contacts) the entries hold."""
    return len({v for _, _, v in entries})


def event_ids(entries: Sequence[Entry], limit: int = 20) -> list[str]:
    """The newest `limit` event ids of a window, oldest first: the evidence an explanation cites."""
    return [eid for _, eid, _ in entries[-limit:]]


class InMemoryCounters:
    """Exact sliding logs in a dict: key → time-ordered entries.

    Entries more than `retention` seconds older than a key's newest are dropped when a newer entry arrives;
    the account's coverage moves up with them, so a decision that would need them triggers a reload. Older
    entries (a late event, a reload for one) are kept until the next newest entry of their key.
    """

    def __init__(self, retention: float) -> None:
        self.retention = retention
        self._entries: dict[str, list[Entry]] = {}
        self._keys: dict[str, set[str]] = {}  # account → its keys
        self._coverage: dict[str, float] = {}
        self._journal: list[tuple[str, Entry]] | None = None
        self._lock = threading.RLock()

    def add(self, key: str, at: float, event_id: str, value: str) -> None:
        entries = self._entries.get(key)
        if entries is None:
            entries = self._entries[key] = []
            self._keys.setdefault(account_of(key), set()).add(key)
        entry = (at, event_id, value)
        if entries and entry < entries[-1]:
            bisect.insort(entries, entry)  # a late entry: keep what its decision needs
        else:
            entries.append(entry)
            horizon = at - self.retention
            if entries[0][0] <= horizon:
                del entries[: bisect.bisect_right(entries, (horizon, _TOP, _TOP))]
                acc = account_of(key)
                if self._coverage.get(acc, horizon) < horizon:
                    self._coverage[acc] = horizon
        if self._journal is not None:
            self._journal.append((key, entry))

    def window(self, key: str, since: float, at: float, event_id: str) -> list[Entry]:
        entries = self._entries.get(key)
        return in_window(entries, since, at, event_id) if entries else []

    def coverage(self, account_ids: Sequence[str]) -> dict[str, float]:
        cov = self._coverage
        return {a: cov[a] for a in account_ids if a in cov}

    def load(self, account_id: str, entries: Iterable[StoredEntry], since: float, until: float | None = None) -> int:
        if until is None:
            for key in self._keys.pop(account_id, set()):
                self._entries.pop(key, None)
        else:  # drop whatever is held in the gap, so nothing is counted twice
            for key in self._keys.get(account_id, set()):
                held = self._entries[key]
                self._entries[key] = [x for x in held if not since < x[0] <= until]
        taken: dict[str, list[Entry]] = {}
        for key, at, eid, value in entries:
            if since < at and (until is None or at <= until):
                taken.setdefault(key, []).append((at, eid, value))
        for key, new in taken.items():  # no pruning here: the decision that asked for them needs them all
            held = self._entries.get(key)
            if held is None:
                self._keys.setdefault(account_id, set()).add(key)
                held = self._entries[key] = []
            held.extend(new)
            held.sort()
        self._coverage[account_id] = since
        return sum(len(v) for v in taken.values())

    def begin(self) -> None:
        self._lock.acquire()
        self._journal = []

    def flush(self) -> None:
        """Nothing to write ahead: the entries are already in memory (the journal can take them back)."""

    def commit(self) -> None:
        self._journal = None
        self._lock.release()

    def rollback(self) -> None:
        journal, self._journal = self._journal or [], None
        for key, entry in reversed(journal):
            entries = self._entries.get(key)
            if entries:
                i = bisect.bisect_left(entries, entry)
                if i < len(entries) and entries[i] == entry:
                    del entries[i]
        self._lock.release()

    def clear(self) -> None:
        self._entries.clear()
        self._keys.clear()
        self._coverage.clear()
