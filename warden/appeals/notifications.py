"""How appellants hear of each change: the outbox, written in the change's own transaction, and its delivery.

Delivery runs after the commit (and again from `warden appeals deliver`), so a notification is never lost with a
rolled back change nor sent twice: each row is leased before sending, marked sent after, retried with backoff.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from warden.adapters.uow import Tx
from warden.appeals import access, store
from warden.appeals import model as ap
from warden.appeals.context import Desk
from warden.appeals.notifier import Notification
from warden.appeals.texts import STAGE_TEXT
from warden.kernel.access import Principal

log = logging.getLogger("warden.appeals")
LEASE = timedelta(minutes=2)


@dataclass
class DeliveryReport:
    """What one delivery run did: sent, failed (retried later), gave up (attempts exhausted)."""

    sent: int = 0
    failed: int = 0
    gave_up: int = 0


def notify(tx: Tx, a: ap.Appeal, kind: str, extra: dict[str, Any] | None = None) -> None:
    """Queue a notice of this state change for the appellant side (in `tx`, the change's own transaction)."""
    st = ap.stage(a, None)
    text = {lang: STAGE_TEXT[st][lang] for lang in ("zh", "en")}
    payload: dict[str, Any] = {"appeal_id": a.id, "status": a.status.value, "stage": st, "text": text}
    payload |= extra or {}
    if a.kind is ap.AppealKind.ENTERPRISE:
        recipient = ("enterprise", a.enterprise_id)
    else:
        recipient = ("account", a.account_id or a.subject_id)
    key = f"appeal:{a.id}:v{a.version}:{kind}"
    store.queue_notification(tx.conn, key, a.id, recipient, kind, payload, tx.now)


def deliver(d: Desk, limit: int = 100) -> DeliveryReport:
    """Send due notifications; each row is leased before sending, marked sent after, retried with backoff."""
    now = d.now()
    out = DeliveryReport()
    with d.uow.reading() as tx:
        due = store.due_notifications(tx.conn, now, limit)
    for nid in due:
        with d.uow.writing() as tx:
            row = store.lease_notification(tx.conn, nid, now, now + LEASE)
        if row is None:
            continue  # another deliverer has it
        note = Notification(row.key, row.recipient_type, row.recipient_id, row.kind, json.loads(row.payload))
        try:
            d.notifier.send(note)
        except Exception as exc:  # any failure of the sender is retried
            attempts = row.attempts + 1
            gave_up = attempts >= d.policy.notify_max_attempts
            retry_at = now + d.policy.notify_backoff * (2 ** (attempts - 1))
            with d.uow.writing() as tx:
                store.notification_failed(tx.conn, nid, attempts, gave_up, retry_at, str(exc))
            out.gave_up += gave_up
            out.failed += not gave_up
            continue
        with d.uow.writing() as tx:
            store.notification_sent(tx.conn, nid, row.attempts + 1, now)
        out.sent += 1
    return out


def backlog(d: Desk) -> tuple[dict[str, int], float]:
    """The outbox's unsent notifications by status and the seconds the oldest due one has waited (for metrics)."""
    now = d.now()
    with d.uow.reading() as tx:
        return store.outbox_backlog(tx.conn, now)


def after_commit(d: Desk) -> None:
    """Deliver now what the committed change queued; a failure is retried later, the change stands."""
    try:
        deliver(d)
    except Exception:  # delivery is retried later; the change itself is committed
        log.exception("notification delivery failed; it will be retried")


def outbox(d: Desk, appeal_id: str) -> list[dict[str, Any]]:
    """The appeal's notifications: key, kind, recipient ("type:id"), status, attempts, payload."""
    with d.uow.reading() as tx:
        rows = store.notifications_of(tx.conn, appeal_id)
    return [
        {
            "key": r.key,
            "kind": r.kind,
            "recipient": f"{r.recipient_type}:{r.recipient_id}",
            "status": r.status,
            "attempts": r.attempts,
            "payload": json.loads(r.payload),
        }
        for r in rows
    ]


def outbox_for(d: Desk, p: Principal, appeal_id: str) -> list[dict[str, Any]]:
    """The outbox, for reviewers and auditors, of an appeal they may see."""
    access.require_outbox(p)
    with d.uow.reading() as tx:
        access.visible(p, store.load(tx.conn, appeal_id), appeal_id)
    return outbox(d, appeal_id)
