"""Sliding-window counters: the port the rules count through, and its in-process implementation.

A counter key holds (time, member) entries. `count` counts entries in a window (velocity); `distinct`
counts distinct members (distinct reporters). Adds made during an ingest are journalled so a failed
transaction takes them back (`rollback`). The in-process store is rebuilt after a restart from the stored
events of the longest window (each stored event keeps the counter entries it made).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable
from typing import Protocol


class Counters(Protocol):
    def add(self, key: str, at: float, member: str) -> None: ...
    def count(self, key: str, since: float) -> int: ...
    def distinct(self, key: str, since: float) -> int: ...
    def begin(self) -> None: ...
    def flush(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def load(self, entries: Iterable[tuple[str, float, str]]) -> int: ...


class InMemoryCounters:
    """Exact sliding logs in a dict. Entries older than `retention` seconds are dropped as keys are touched."""

    def __init__(self, retention: float) -> None:
        self.retention = retention
        self._times: dict[str, list[float]] = {}
        self._members: dict[str, list[str]] = {}
        self._journal: list[tuple[str, float, str]] | None = None
        self._lock = threading.RLock()

    def add(self, key: str, at: float, member: str) -> None:
        times = self._times.get(key)
        if times is None:
            times = self._times[key] = []
            self._members[key] = []
        members = self._members[key]
        if not times or at >= times[-1]:
            times.append(at)
            members.append(member)
        else:
            i = bisect.bisect_right(times, at)
            times.insert(i, at)
            members.insert(i, member)
        horizon = times[-1] - self.retention
        if times[0] < horizon:
            cut = bisect.bisect_left(times, horizon)
            del times[:cut]
            del members[:cut]
        if self._journal is not None:
            self._journal.append((key, at, member))

    def count(self, key: str, since: float) -> int:
        times = self._times.get(key)
        if not times:
            return 0
        return len(times) - bisect.bisect_left(times, since)

    def distinct(self, key: str, since: float) -> int:
        times = self._times.get(key)
        if not times:
            return 0
        return len(set(self._members[key][bisect.bisect_left(times, since) :]))

    def members(self, key: str, since: float, limit: int = 50) -> list[str]:
        times = self._times.get(key)
        if not times:
            return []
        return self._members[key][max(bisect.bisect_left(times, since), len(times) - limit) :]

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
        for key, at, member in reversed(journal):
            times, members = self._times.get(key), self._members.get(key)
            if not times or members is None:
                continue
            i = bisect.bisect_left(times, at)
            while i < len(times) and times[i] == at:
                if members[i] == member:
                    del times[i]
                    del members[i]
                    break
                i += 1
        self._lock.release()

    def load(self, entries: Iterable[tuple[str, float, str]]) -> int:
        """Rebuild from stored entries (any order). Returns how many were loaded."""
        n = 0
        for key, at, member in entries:
            self.add(key, at, member)
            n += 1
        return n

    def clear(self) -> None:
        self._times.clear()
        self._members.clear()


def members(counters: Counters, key: str, since: float, limit: int = 50) -> list[str]:
    """The members of a window, newest last, when the store can list them (evidence for explanations)."""
    fn = getattr(counters, "members", None)
    return fn(key, since, limit) if fn else []
