"""The in-process `Counters` (exact sliding logs in a dict); `RedisCounters` is its scale-out twin."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Sequence

from warden.kernel.counters import TOP as _TOP
from warden.kernel.counters import Entry, StoredEntry, account_of, in_window


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
            if key not in self._entries:
                self._keys.setdefault(account_id, set()).add(key)
                self._entries[key] = []
            held = self._entries[key]
            held.extend(new)
            held.sort()
        self._coverage[account_id] = since
        return sum(len(v) for v in taken.values())

    def forget(self, account_ids: Iterable[str]) -> None:
        """Drop these accounts' entries and coverage (another process wrote events of theirs: `Counters.forget`)."""
        with self._lock:
            for account_id in account_ids:
                for key in self._keys.pop(account_id, ()):
                    self._entries.pop(key, None)
                self._coverage.pop(account_id, None)

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
