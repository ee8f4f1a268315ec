"""Partitions (issue 17): the stable key that decides which worker decides an event, and which audit chain vouches
for it.

Every rule reads the state of one enterprise at most: the account's own counters, strikes, restrictions and
exemptions, its enterprise's strikes and restrictions (the S-A5 cascade), the enterprise's weight and the member
weights it is folded from, the enterprise's external-contact ledger (the S-A4 cap of an unverified enterprise, the
S-A6 contact standing of a member's contact pair). Reports and contact events name another party (`reporter_id`,
`contact_id`), but only as a value counted under the account's own key: nothing of the other party's state is read.
So the partition key of an event is its account's enterprise (an enterprise's own verification change: that
enterprise), and everything one decision reads is written only by events of its own partition, or by platform-wide
actions (manual actions, policy promotions, directory changes), which exclude every partition's writers while they
write (`adapters.database.lock_platform`).

`partition_of` is a stable hash (BLAKE2b of the UTF-8 key, first 8 bytes big-endian, modulo the count), the same in
every process and every Python (never `hash`, which is salted per process). The count is fixed per installation
(`WARDEN_PARTITIONS`, recorded in the database on first start and checked by every process after).
"""

from __future__ import annotations

import functools
import hashlib
import re

__all__ = ["DEFAULT_PARTITIONS", "PLATFORM_CHAIN", "chain_of", "parse_partitions", "partition_of"]

DEFAULT_PARTITIONS = 16
PLATFORM_CHAIN = 0
"""The audit chain of platform-wide actions (manual actions, policy changes, the directory): chain 0. Partition `p`
appends to chain `p + 1` (`chain_of`). An installation from before partitions keeps its one chain as chain 0."""


@functools.lru_cache(maxsize=65536)
def partition_of(key: str, partitions: int) -> int:
    """The partition (0 … `partitions` − 1) of a partition key (an enterprise id). Raises ValueError when
    `partitions` < 1. Remembered for the most recent 65,536 keys (a batch asks again for every event)."""
    if partitions < 1:
        raise ValueError(f"partitions must be at least 1, not {partitions}")
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % partitions


def chain_of(partition: int) -> int:
    """The audit chain partition `partition` appends to."""
    return partition + 1


_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def parse_partitions(text: str, partitions: int) -> list[int]:
    """`0-7,12` → [0, 1, …, 7, 12]; `all` → every partition. Raises ValueError naming the bad part (out of range,
    a range that runs backwards, not a number)."""
    if text.strip().lower() == "all":
        return list(range(partitions))
    out: set[int] = set()
    for part in text.split(","):
        m = _RANGE.match(part)
        if m is None:
            raise ValueError(f"{part.strip()!r} is not a partition or a range like 0-7")
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) is not None else lo
        if hi < lo:
            raise ValueError(f"{part.strip()!r} runs backwards")
        if hi >= partitions:
            raise ValueError(f"{part.strip()!r}: partitions are 0-{partitions - 1} (WARDEN_PARTITIONS={partitions})")
        out.update(range(lo, hi + 1))
    if not out:
        raise ValueError("no partitions given")
    return sorted(out)
