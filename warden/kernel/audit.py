"""The audit chain: each entry's hash covers its content and the previous entry's hash.

Changing, removing or reordering any entry breaks every hash after it, and `verify_chain` names the first
broken entry. Batches of ingest decisions are one entry whose `digest` covers every decided event, so the
chain stays cheap on the hot path and still proves each decision.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

GENESIS = "0" * 64


def canonical(data: Any) -> str:
    """Sorted keys, no spaces, UTF-8: the same data always gives the same text (and hash)."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str).decode()


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    data: dict[str, Any]
    prev_hash: str
    hash: str
    chain: int = 0  # which chain (issue 17): 0 the platform's, p + 1 partition p's; not part of the hash


def entry_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str, subject: str, data: Any) -> str:
    body = canonical(
        {"seq": seq, "at": at.isoformat(), "actor": actor, "action": action, "subject": subject, "data": data}
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


DIGEST_VERSION = 2
"""`events.decided` entries with `"digest_v": 2` cover every stored column of their events that a decision or a
later rebuild reads (`EVENT_DIGEST_COLUMNS`); older entries covered type, account, payload, outcome, policy."""

EVENT_DIGEST_COLUMNS = (
    "type",
    "account_id",
    "enterprise_id",
    "occurred_at",
    "payload",
    "outcome",
    "counted",
    "policy_hash",
)
EVENT_DIGEST_COLUMNS_V1 = ("type", "account_id", "payload", "outcome", "policy_hash")


def decisions_digest(rows: Iterable[tuple[str, Sequence[str | None]]]) -> str:
    """Digest of (event id, stored columns as text) pairs, in event-id order. Times are given as ISO 8601 in UTC."""
    text = "".join(
        ["\x1f".join((event_id, *[c or "" for c in cols], "\x1e")) for event_id, cols in sorted(rows, key=_first)]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()  # one update of it all: the same bytes, the same digest


def _first(row: tuple[str, Any]) -> str:
    return row[0]


_EMPTY_FOR_NONE: dict[str | None, str] = {None: ""}
_OR_EMPTY: Callable[[str | None, str | None], str | None] = _EMPTY_FOR_NONE.get
"""`c or ""` of a text or None, in C: `_OR_EMPTY(c, c)`."""


def columns_digest(ids: Sequence[str], columns: Sequence[Sequence[str | None]]) -> str:
    """`decisions_digest` of `zip(ids, zip(*columns))` (the same bytes, so the same digest), worked out column by
    column in C-level passes instead of a join per row (issue 16, sixth round): `ids` are the event ids, each of
    `columns` holds one covered column's texts (None for an empty one) parallel to `ids`. The rows are put in
    event-id order (ties keep their order, as `sorted` does); each row's text is its fields joined by U+001F with
    a closing U+001F U+001E, which is one join over every field once each next row's id carries the U+001E before
    it. Raises ValueError when a column's length differs from `ids`'."""
    n = len(ids)
    if any(len(c) != n for c in columns):
        raise ValueError("every column must hold one text per id")
    if not n:
        return hashlib.sha256(b"").hexdigest()
    order = sorted(range(n), key=ids.__getitem__)
    heads = list(map(ids.__getitem__, order))
    heads[1:] = map("\x1e".__add__, heads[1:])
    cols = []
    for c in columns:
        col = list(map(c.__getitem__, order))
        cols.append(list(map(_OR_EMPTY, col, col)))
    text = "\x1f".join(itertools.chain.from_iterable(zip(heads, *cols, strict=True))) + "\x1f\x1e"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """What `warden audit verify` found. `first_broken`: the first entry that fails, if an entry does; `table` and
    `key`: the first state row that does not match the audited history, if a row does (key: JSON of its key)."""

    ok: bool
    checked: int
    first_broken: int | None = None
    problem: str | None = None
    table: str | None = None
    key: str | None = None
    signed_head: int | None = None  # the newest entry a valid signed checkpoint covers (of the platform chain)
    warning: str | None = None  # intact, but something cannot be ruled out (no anchor outside the database)
    chain: int | None = None  # the chain of `first_broken` (issue 17: 0 the platform's, p + 1 partition p's)
    chains: int = 1  # how many chains were checked
    roots: int = 0  # how many signed root entries were checked


def verify_chain(entries: Iterable[AuditEntry], expected_digest: Any = None, altered: Any = None) -> ChainReport:
    """Walk the entries in order. `expected_digest(entry)` recomputes a batch digest from stored decisions;
    `altered(entry)`, when given, says which stored events a failing digest covers (text for the report)."""
    prev = GENESIS
    n = 0
    last_seq = 0
    for e in entries:
        n += 1
        if e.seq != last_seq + 1:
            return ChainReport(False, n, e.seq, f"entry {last_seq + 1} is missing (next is {e.seq})")
        if e.prev_hash != prev:
            return ChainReport(False, n, e.seq, "its prev_hash does not match the previous entry's hash")
        if entry_hash(prev, e.seq, e.at, e.actor, e.action, e.subject, e.data) != e.hash:
            return ChainReport(False, n, e.seq, "its content does not match its hash (the entry was altered)")
        if expected_digest is not None and "digest" in e.data:
            actual = expected_digest(e)
            if actual != e.data["digest"]:
                which = altered(e) if altered is not None else "the stored decisions it covers"
                return ChainReport(False, n, e.seq, f"{which} were altered or removed")
        prev = e.hash
        last_seq = e.seq
    return ChainReport(True, n)
