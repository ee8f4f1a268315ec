"""The S-A4 unverified-enterprise cap counts live external contacts in event time (issue 10, item 12).

An enterprise's external-contact count at a decision is the number of (member, contact) pairs whose latest
external `contact_added` / `contact_removed` event before the decision, in `(occurred_at, id)` order, is an add.
So only the removal of a contact that exists at the removal's own time frees a place: a removal of a contact
never added, a second removal, or a removal dated before the add changes nothing; a re-add after a removal
counts again, and adding the same contact twice counts once.

The ledger is the table `external_contact_events` (one row per external contact event, written with the
batch), read per batch for the enterprises whose cap is judged, plus the batch's own events decided so far.
It is a function of the stored events alone, so batching, arrival order and restarts do not change it.
`enterprises.external_contacts` keeps the count as of the newest event, for the directory and explanations.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warden.adapters import store
from warden.adapters import tables as t

Key = tuple[float, str]  # (epoch seconds, event id): the decision order
_LAST = "\U0010ffff"


@dataclass
class _Ledger:
    """One enterprise's external contact events, per (member, contact) pair, each list in decision order."""

    pairs: dict[tuple[str, str], list[tuple[float, str, bool]]] = field(default_factory=dict)
    newest: Key = (float("-inf"), "")
    live: int = 0  # count as of `newest` (after every event held)

    def add(self, account_id: str, contact_id: str, ts: float, event_id: str, added: bool) -> None:
        hist = self.pairs.setdefault((account_id, contact_id), [])
        was = bool(hist) and hist[-1][2]
        insort(hist, (ts, event_id, added))
        now = hist[-1][2]
        self.live += int(now) - int(was)
        if (ts, event_id) > self.newest:
            self.newest = (ts, event_id)

    def count(self, cut: Key) -> int:
        """Live external contacts as of the events strictly before `cut`."""
        if cut > self.newest:
            return self.live
        n = 0
        for hist in self.pairs.values():
            i = bisect_left(hist, (cut[0], cut[1], False))
            if i and hist[i - 1][2]:
                n += 1
        return n


def _is_external_contact_event(e: Any) -> bool:
    return e.type in ("contact_added", "contact_removed") and bool(getattr(e, "external", False))


class ContactLedger:
    """The rules' `ContactCount` and an ingest observer: loads, follows and writes the ledger per batch."""

    def __init__(self) -> None:
        self._conn: Connection | None = None
        self._ledgers: dict[str, _Ledger] = {}
        self._rows: list[dict[str, Any]] = []
        self._touched: dict[str, Any] = {}  # enterprise id → its Enterprise (the subjects' object)

    # --- observer -------------------------------------------------------------------------------------------

    def before_batch(self, conn: Connection, events: list[Any], subjects: dict[str, Any]) -> None:
        self._conn = conn
        self._ledgers = {}
        self._rows = []
        self._touched = {}

    def _ledger(self, enterprise_id: str) -> _Ledger:
        led = self._ledgers.get(enterprise_id)
        if led is None:
            led = self._ledgers[enterprise_id] = _Ledger()
            if self._conn is not None:
                x = t.external_contact_events
                q = sa.select(x.c.account_id, x.c.contact_id, x.c.occurred_at, x.c.event_id, x.c.added).where(
                    x.c.enterprise_id == enterprise_id
                )
                for r in self._conn.execute(q):
                    led.add(r.account_id, r.contact_id, r.occurred_at.timestamp(), r.event_id, bool(r.added))
        return led

    def after_event(self, event: Any, outcome: Any, subject: Any) -> None:
        if subject is None or not _is_external_contact_event(event):
            return
        ent = subject.enterprise
        self._ledger(ent.id).add(
            event.account_id, event.contact_id, event.occurred_at.timestamp(), event.id, event.type == "contact_added"
        )
        self._touched[ent.id] = ent
        self._rows.append(
            {
                "event_id": event.id,
                "enterprise_id": ent.id,
                "account_id": event.account_id,
                "contact_id": event.contact_id,
                "occurred_at": event.occurred_at,
                "added": event.type == "contact_added",
            }
        )

    def on_batch(
        self,
        conn: Connection,
        audit: Any,
        events: list[Any],
        outcomes: list[Any],
        subjects: dict[str, Any],
        changes: Any,
    ) -> None:
        try:
            if self._conn is not conn:  # a caller without the per-event hook: follow the batch now
                self.before_batch(conn, events, subjects)
                for e in sorted(events, key=lambda e: (e.occurred_at, e.id)):
                    aid = getattr(e, "account_id", None)
                    self.after_event(e, None, subjects.get(aid) if aid else None)
            if self._rows:
                conn.execute(store.insert_ignore(conn, t.external_contact_events), self._rows)
            for eid, ent in self._touched.items():
                ent.external_contacts = self._ledgers[eid].live
                conn.execute(
                    sa.update(t.enterprises)
                    .where(t.enterprises.c.id == eid)
                    .values(external_contacts=ent.external_contacts)
                )
        finally:
            self._conn = None
            self._ledgers, self._rows, self._touched = {}, [], {}

    # --- ContactCount: what the S-A4 rule reads -------------------------------------------------------------

    def external_contacts(self, enterprise_id: str, at: datetime, event_id: str | None = None) -> int | None:
        """The enterprise's live external contacts before the decision at (`at`, `event_id`); None outside a
        batch (the rule then reads the enterprise's stored count)."""
        if self._conn is None:
            return None
        return self._ledger(enterprise_id).count((at.timestamp(), event_id if event_id is not None else _LAST))


def attach_contacts(app: Any) -> ContactLedger:
    """Wire the ledger into a `Warden` (bootstrap calls this)."""
    ledger = ContactLedger()
    app.rules.contacts = ledger
    app.observers.append(ledger)
    return ledger
