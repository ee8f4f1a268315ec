"""The S-A4 unverified-enterprise cap counts live external contacts in event time (issue 10, item 12).

An enterprise's external-contact count at a decision is the number of (member, contact) pairs whose latest
external `contact_added` / `contact_removed` event before the decision, in `(occurred_at, id)` order, is an add.
So only the removal of a contact that exists at the removal's own time frees a place: a removal of a contact
never added, a second removal, or a removal dated before the add changes nothing; a re-add after a removal
counts again, and adding the same contact twice counts once.

The ledger is the table `external_contact_events` (one row per external contact event, written with the
batch), read for the enterprises whose cap is judged, plus the batch's own events decided so far.
It is a function of the stored events alone, so batching, arrival order and restarts do not change it.
An enterprise's ledger is read once and then kept between ingest batches (issue 16: re-reading every stored
contact event of each judged enterprise per batch grew with the history), trusted as the subject cache is:
only while the audit chain's tail shows nobody else wrote (`on_foreign_change` drops it, and so does a failed
batch, after which the subject cache starts again).
`enterprises.external_contacts` keeps the count as of the newest event, for the directory and explanations.

The same ledger says how one (account, contact) pair stands before a decision (`ContactLedger.standing`): since
when the contact exists and who added whom (each add keeps `initiated_by`). The S-A6 rule asks it for the
recipient of an external message with a hit, when the policy's contexts ask about contacts (issue 13).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warden.adapters import store
from warden.adapters import tables as t
from warden.pipeline.batch import Batch
from warden.pipeline.feature import Feature
from warden.pipeline.ports import ContactStanding

Key = tuple[float, str]  # (epoch seconds, event id): the decision order
_LAST = "\U0010ffff"


@dataclass
class _Ledger:
    """One enterprise's external contact events, per (member, contact) pair, each list in decision order."""

    pairs: dict[tuple[str, str], list[tuple[float, str, bool]]] = field(default_factory=dict)
    newest: Key = (float("-inf"), "")
    live: int = 0  # count as of `newest` (after every event held)
    size: int = 0  # events held

    def add(self, account_id: str, contact_id: str, ts: float, event_id: str, added: bool) -> None:
        self.size += 1
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


@dataclass
class _BatchLedgers:
    """The ledger's per-batch state (`batch.state["contacts"]`)."""

    conn: Connection
    ledgers: dict[str, _Ledger] = field(default_factory=dict)  # kept between ingest batches (`ContactLedger`)
    rows: list[dict[str, Any]] = field(default_factory=list)
    pairs: dict[tuple[str, str], list[tuple[float, str, bool, str | None]]] = field(default_factory=dict)
    touched: dict[str, Any] = field(default_factory=dict)  # enterprise id → its Enterprise (the subjects' object)

    def pair(self, account_id: str, contact_id: str) -> list[tuple[float, str, bool, str | None]]:
        """The pair's stored external contact events as (epoch seconds, event id, added, initiated_by), in decision
        order (read once per batch; this batch's own are in `rows`)."""
        found = self.pairs.get((account_id, contact_id))
        if found is None:
            x = t.external_contact_events
            q = sa.select(x.c.occurred_at, x.c.event_id, x.c.added, x.c.initiated_by).where(
                x.c.account_id == account_id, x.c.contact_id == contact_id
            )
            found = sorted(
                (r.occurred_at.timestamp(), r.event_id, bool(r.added), r.initiated_by) for r in self.conn.execute(q)
            )
            self.pairs[(account_id, contact_id)] = found
        return found

    def ledger(self, enterprise_id: str) -> _Ledger:
        led = self.ledgers.get(enterprise_id)
        if led is None:
            led = self.ledgers[enterprise_id] = _Ledger()
            x = t.external_contact_events
            q = sa.select(x.c.account_id, x.c.contact_id, x.c.occurred_at, x.c.event_id, x.c.added).where(
                x.c.enterprise_id == enterprise_id
            )
            for r in self.conn.execute(q):
                led.add(r.account_id, r.contact_id, r.occurred_at.timestamp(), r.event_id, bool(r.added))
        return led


_SET_COUNT = (
    sa.update(t.enterprises)
    .where(t.enterprises.c.id == sa.bindparam("eid"))
    .values(external_contacts=sa.bindparam("n"))
)


class ContactLedger(Feature):
    """The rules' `ContactCount` and a `Feature`: loads, follows and writes the ledger per batch."""

    name = "contacts"
    CACHE_LIMIT = 500_000  # contact events kept in ledgers between batches; past it, start afresh

    def __init__(self) -> None:
        self._ledgers: dict[str, _Ledger] = {}  # enterprise → its ledger as stored after our last batch

    def on_foreign_change(self, conn: Connection) -> None:
        """Someone else wrote (or our last batch failed): the kept ledgers may differ from the store."""
        self._ledgers.clear()

    def load(self, conn: Connection, batch: Batch) -> None:
        if not batch.events:  # outside ingest (a batch of no events): no audit-tail check vouches for the cache
            batch.state[self.name] = _BatchLedgers(conn)
            return
        if sum(led.size for led in self._ledgers.values()) > self.CACHE_LIMIT:
            self._ledgers.clear()
        batch.state[self.name] = _BatchLedgers(conn, self._ledgers)

    after_event_types = frozenset({"contact_added", "contact_removed"})  # `_is_external_contact_event`'s types

    def after_event(self, batch: Batch, event: Any, decision: Any, subject: Any) -> None:
        if subject is None or not _is_external_contact_event(event):
            return
        st: _BatchLedgers = batch.state[self.name]
        ent = subject.enterprise
        added = event.type == "contact_added"
        st.ledger(ent.id).add(event.account_id, event.contact_id, event.occurred_at.timestamp(), event.id, added)
        st.touched[ent.id] = ent
        st.rows.append(
            {
                "event_id": event.id,
                "enterprise_id": ent.id,
                "account_id": event.account_id,
                "contact_id": event.contact_id,
                "occurred_at": event.occurred_at,
                "added": added,
                "initiated_by": event.initiated_by if added else None,
            }
        )

    def after_store(self, conn: Connection, audit: Any, batch: Batch) -> None:
        st: _BatchLedgers | None = batch.state.get(self.name)
        if st is None:
            return
        if st.rows:
            conn.execute(store.insert_ignore(conn, t.external_contact_events), st.rows)
        for eid, ent in st.touched.items():
            ent.external_contacts = st.ledgers[eid].live
        if st.touched:
            conn.execute(_SET_COUNT, [{"eid": eid, "n": ent.external_contacts} for eid, ent in st.touched.items()])

    # --- ContactCount: what the S-A4 rule reads -------------------------------------------------------------

    def external_contacts(
        self, batch: Batch, enterprise_id: str, at: datetime, event_id: str | None = None
    ) -> int | None:
        """The enterprise's live external contacts before the decision at (`at`, `event_id`); None outside a
        batch that loaded the ledger (the rule then reads the enterprise's stored count)."""
        st: _BatchLedgers | None = batch.state.get(self.name)
        if st is None:
            return None
        return st.ledger(enterprise_id).count((at.timestamp(), event_id if event_id is not None else _LAST))

    def standing(
        self, batch: Batch, account_id: str, contact_id: str, at: datetime, event_id: str
    ) -> ContactStanding | None:
        """How the external contact (`account_id`, `contact_id`) stands before the decision at (`at`, `event_id`):
        since the first add after its latest removal, with that add's initiator; None when it is no contact then
        (never added, or removed), or outside a batch that loaded the ledger."""
        st: _BatchLedgers | None = batch.state.get(self.name)
        if st is None:
            return None
        cut = (at.timestamp(), event_id)
        own = [
            (r["occurred_at"].timestamp(), r["event_id"], r["added"], r["initiated_by"])
            for r in st.rows
            if r["account_id"] == account_id and r["contact_id"] == contact_id
        ]
        history = sorted(h for h in (*st.pair(account_id, contact_id), *own) if (h[0], h[1]) < cut)
        first: tuple[float, str, bool, str | None] | None = None
        for h in history:
            if not h[2]:
                first = None
            elif first is None:
                first = h
        if first is None:
            return None
        initiated = cast(Literal["self", "contact"], first[3] if first[3] in ("self", "contact") else "self")
        return ContactStanding(datetime.fromtimestamp(first[0], UTC), initiated)
