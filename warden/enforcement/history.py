"""Readable history (issue 10): restrictions of a subject, ended and lifted ones included, newest first, paged;
and directory edits of an account that go through the same path as the platform's events.

Restrictions are never deleted (docs/ARCHITECTURE.md), so the table is the history. A page is
`(items, next_cursor)`: items are `(Restriction, Strike | None)` ordered by `(starts_at, id)` descending; the
cursor is opaque (base64 of the last item's start and id) and `None` on the last page.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from warden.adapters import store
from warden.adapters import tables as t
from warden.adapters.database import reading
from warden.kernel.cursor import decode_position, encode_position
from warden.kernel.decision import derive_id
from warden.kernel.errors import InvalidInput
from warden.kernel.events import FieldError
from warden.kernel.model import Account, Restriction, Strike

if TYPE_CHECKING:
    from warden.app import App

PROFILE_FIELDS = ("avatar", "nickname", "external_card")


def restriction_page(
    w: App, subject_type: str, subject_id: str, limit: int = 50, cursor: str | None = None
) -> tuple[list[tuple[Restriction, Strike | None]], str | None]:
    """One page of the subject's restrictions with their strikes, newest first (see the module docstring)."""
    r = t.restrictions
    q = sa.select(r).where(r.c.subject_type == subject_type, r.c.subject_id == subject_id)
    after = decode_position(cursor)
    if after:
        at, rid = after
        q = q.where(sa.or_(r.c.starts_at < at, sa.and_(r.c.starts_at == at, r.c.id < rid)))
    q = q.order_by(r.c.starts_at.desc(), r.c.id.desc()).limit(limit + 1)
    with reading(w.engine) as conn:
        rows = [store.restriction_from(row) for row in conn.execute(q)]
        page = rows[:limit]
        ids = [x.strike_id for x in page if x.strike_id]
        strikes: dict[str, Strike] = {}
        if ids:
            for row in conn.execute(sa.select(t.strikes).where(t.strikes.c.id.in_(ids))):
                strikes[row.id] = store.strike_from(row)
    nxt = encode_position(page[-1].starts_at, page[-1].id) if len(rows) > limit else None
    return [(x, strikes.get(x.strike_id or "")) for x in page], nxt


def profile_events(old: Account, new: Account, at: datetime) -> list[dict[str, Any]]:
    """The events a directory edit of an existing account amounts to: one `profile_change` per changed profile
    field and a `verification_change` when real-name verification changed, all dated `at`.

    Ids are derived from (account, field, old value, new value, time), so a retried request at the same instant
    names the same events (and is answered from the store), and the edit replays with the event history.
    """
    out: list[dict[str, Any]] = []
    stamp = at.isoformat()
    for f in PROFILE_FIELDS:
        before, after = getattr(old, f) or None, getattr(new, f) or None
        if before != after:
            out.append(
                {
                    "id": derive_id("put", old.id, f, before or "", after or "", stamp),
                    "type": "profile_change",
                    "occurred_at": stamp,
                    "account_id": old.id,
                    "field": f,
                    "value": after,
                }
            )
    if old.real_name_verified != new.real_name_verified:
        out.append(
            {
                "id": derive_id("put", old.id, "verified", str(new.real_name_verified), stamp),
                "type": "verification_change",
                "occurred_at": stamp,
                "account_id": old.id,
                "verified": new.real_name_verified,
            }
        )
    return out


def put_account(w: App, a: Account, actor: str) -> bool:
    """Register or update an account (True when new). On an existing account, profile and verification edits are
    ingested as the `profile_change` / `verification_change` events they amount to, before the row is written,
    so weight counts them for profile stability (S-B1: ≤2 changes in 30 days) exactly as the platform's own
    events, and `warden replay` sees them. Nothing is ingested when nothing changed (a retried PUT is a no-op).
    """
    with reading(w.engine) as conn:
        old = store.get_account(conn, a.id)
        known = store.get_enterprise(conn, a.enterprise_id) is not None
    if not known:
        raise InvalidInput(
            f"unknown enterprise {a.enterprise_id!r}",
            [FieldError(field="enterprise_id", message="no such enterprise; register it first")],
        )
    w.enforcement.check_created(a.created_at)  # before any profile event is ingested: nothing half-written
    if old is not None:
        events = profile_events(old, a, w.clock.now())
        if events:
            w.ingest(events, actor)
    return w.register_account(a, actor)
