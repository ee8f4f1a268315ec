"""The word lists' SQL, and only here: one `word_lists` row per scope ("platform" or an enterprise id) with its
terms, allow-list (JSON text) and version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warden.adapters import tables as t
from warden.adapters.store import dumps

Terms = list[tuple[str, str, str]]


def all_lists(conn: Connection) -> list[tuple[str, int, str, str]]:
    """Every stored list, in one query: (scope, version, terms JSON text, allow JSON text); `decode` reads them."""
    return [(r.scope, r.version, r.terms, r.allow) for r in conn.execute(sa.select(t.word_lists))]


def decode(terms: str, allow: str) -> tuple[Terms, list[str]]:
    """A stored list's JSON text as (terms as (term, category, severity) triples, allow-list entries)."""
    return [tuple(x) for x in orjson.loads(terms)], orjson.loads(allow)


def lists_of(conn: Connection, scope: str) -> tuple[Terms, list[str], int, datetime, str] | None:
    """A scope's (terms, allow, version, updated_at, updated_by), or None when it has no row."""
    row = conn.execute(sa.select(t.word_lists).where(t.word_lists.c.scope == scope)).first()
    if row is None:
        return None
    terms, allow = decode(row.terms, row.allow)
    return terms, allow, row.version, row.updated_at, row.updated_by


def save(
    conn: Connection, scope: str, terms: Terms, allow: list[str], version: int, now: datetime, actor: str, exists: bool
) -> None:
    """Write a scope's lists at `version` (insert when it had no row)."""
    values: dict[str, Any] = {
        "terms": dumps([list(x) for x in terms]),
        "allow": dumps(allow),
        "version": version,
        "updated_at": now,
        "updated_by": actor,
    }
    if exists:
        conn.execute(sa.update(t.word_lists).where(t.word_lists.c.scope == scope).values(**values))
    else:
        conn.execute(sa.insert(t.word_lists).values(scope=scope, **values))
