"""Reviewers' internal notes on an appeal (issue 14): written by a reviewer, read by the desk's roles (reviewers,
platform, auditors), never shown to the appellant. Each note is also in the audit trail (`appeal.note_added`)."""

from __future__ import annotations

import secrets
from typing import Any

from warden.appeals import access, store
from warden.appeals.context import Desk
from warden.kernel.access import Principal
from warden.kernel.errors import Forbidden, NotFound

MAX_NOTE = 4000


def add(d: Desk, p: Principal, appeal_id: str, text: str) -> dict[str, Any]:
    """Add a note (`text`, 1–4000 characters, checked by the route) to the appeal; any state, closed ones too.
    Shape: {"id", "appeal_id", "author", "text", "at"}. 403 for any role but reviewer; 404 for a missing appeal."""
    if not access.may_write_note(p):
        raise Forbidden("internal notes are written by reviewers")
    with d.uow.writing(lock=True) as tx:
        if store.load(tx.conn, appeal_id) is None:
            raise NotFound(f"no appeal {appeal_id!r}")
        note_id = "note_" + secrets.token_hex(8)
        store.add_note(tx.conn, note_id, appeal_id, p.actor, text, tx.now)
        tx.audit.append(tx.now, p.actor, "appeal.note_added", f"appeal:{appeal_id}", {"note": note_id})
        return {"id": note_id, "appeal_id": appeal_id, "author": p.actor, "text": text, "at": tx.now.isoformat()}


def list_notes(d: Desk, p: Principal, appeal_id: str) -> list[dict[str, Any]]:
    """The appeal's internal notes, oldest first (shape as `add`). 403 outside the desk's roles."""
    if not access.may_read_notes(p):
        raise Forbidden("internal notes are for the review desk")
    with d.uow.reading() as tx:
        if store.load(tx.conn, appeal_id) is None:
            raise NotFound(f"no appeal {appeal_id!r}")
        rows = store.notes_of(tx.conn, appeal_id)
    return [
        {"id": r.id, "appeal_id": r.appeal_id, "author": r.author, "text": r.text, "at": r.at.isoformat()} for r in rows
    ]
