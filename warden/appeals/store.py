"""Appeals' only SQL: appeals and their documents, desk claims, the notification outbox, exemptions, and the
desk's reads of flags, strikes and events. Module functions taking the caller's connection (one transaction).

The core rows (strikes, restrictions, accounts) are mapped by `warden.adapters.store`; this file maps the
appeals' own rows (`appeal_from`, `document_from`) and nothing else.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from warden.adapters import store as core
from warden.adapters import tables as t
from warden.appeals import model as ap
from warden.kernel.model import Restriction, Strike

IntegrityError = sa.exc.IntegrityError
"""Raised by an insert that loses to a unique key (one live appeal per strike)."""

# --- appeals and documents ------------------------------------------------------------------------------------


def appeal_from(row: Any) -> ap.Appeal:
    return ap.Appeal(
        id=row.id,
        kind=ap.AppealKind(row.kind),
        strike_id=row.strike_id,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        enterprise_id=row.enterprise_id,
        account_id=row.account_id,
        appellant=row.appellant,
        statement=row.statement,
        status=ap.AppealStatus(row.status),
        submitted_at=row.submitted_at,
        due_at=row.due_at,
        version=row.version,
        outcome=ap.AppealOutcome(row.outcome) if row.outcome else None,
        reason_code=row.reason_code,
        note=row.note,
        to_step=row.to_step,
        exempt_days=row.exempt_days,
        proposed_by=row.proposed_by,
        proposed_at=row.proposed_at,
        decided_by=row.decided_by,
        confirmed_by=row.confirmed_by,
        decided_at=row.decided_at,
    )


def document_from(row: Any) -> ap.Document:
    return ap.Document(
        id=row.id,
        appeal_id=row.appeal_id,
        kind=row.kind,
        seq=row.seq,
        state=ap.DocState(row.state),
        sha256=row.sha256,
        media_type=row.media_type,
        size=row.size,
        filename=row.filename,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        reject_code=row.reject_code,
        reject_note=row.reject_note,
    )


def load(conn: Connection, appeal_id: str) -> ap.Appeal | None:
    """The appeal with its documents (oldest upload first), or None."""
    row = conn.execute(sa.select(t.appeals).where(t.appeals.c.id == appeal_id)).first()
    if row is None:
        return None
    appeal = appeal_from(row)
    d = t.appeal_documents
    rows = conn.execute(sa.select(d).where(d.c.appeal_id == appeal_id).order_by(d.c.seq))
    appeal.documents = [document_from(r) for r in rows]
    return appeal


def id_by_idempotency_key(conn: Connection, idem: str) -> str | None:
    return conn.execute(sa.select(t.appeals.c.id).where(t.appeals.c.idem_key == idem)).scalar()


def has_open_appeal(conn: Connection, strike_id: str) -> bool:
    return conn.execute(sa.select(t.appeals.c.id).where(t.appeals.c.open_key == strike_id)).first() is not None


def appeals_on(conn: Connection, strike_id: str) -> int:
    """How many appeals the strike had, withdrawn ones not counted."""
    a = t.appeals
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(a)
            .where(a.c.strike_id == strike_id, a.c.status != ap.AppealStatus.WITHDRAWN.value)
        ).scalar_one()
    )


def insert_appeal(conn: Connection, a: ap.Appeal, idem: str | None) -> None:
    """A new open appeal; `open_key` (the strike id) keeps one live appeal per strike."""
    conn.execute(
        sa.insert(t.appeals).values(
            id=a.id,
            kind=a.kind.value,
            strike_id=a.strike_id,
            subject_type=a.subject_type,
            subject_id=a.subject_id,
            enterprise_id=a.enterprise_id,
            account_id=a.account_id,
            appellant=a.appellant,
            statement=a.statement,
            status=a.status.value,
            open_key=a.strike_id,
            idem_key=idem,
            submitted_at=a.submitted_at,
            due_at=a.due_at,
            version=1,
        )
    )


def bump(conn: Connection, a: ap.Appeal, **values: Any) -> int:
    """Write `values` and the next version; returns that version."""
    conn.execute(sa.update(t.appeals).where(t.appeals.c.id == a.id).values(version=a.version + 1, **values))
    return a.version + 1


def decision_values(a: ap.Appeal) -> dict[str, Any]:
    """The decision's columns as they stand on `a`."""
    return {
        "status": a.status.value,
        "outcome": a.outcome.value if a.outcome else None,
        "reason_code": a.reason_code,
        "note": a.note,
        "to_step": a.to_step,
        "exempt_days": a.exempt_days,
        "proposed_by": a.proposed_by,
        "proposed_at": a.proposed_at,
        "decided_by": a.decided_by,
        "confirmed_by": a.confirmed_by,
        "decided_at": a.decided_at,
    }


def page_ids(
    conn: Connection,
    *,
    scope: tuple[str, str | None] | None,
    status: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[tuple[str, datetime]]:
    """(id, submitted_at) of up to `limit` appeals, newest first, after the cursor position `after`; `scope` is
    ("enterprise" | "account", id) or None for all (see `access.list_scope`)."""
    a = t.appeals
    q = sa.select(a.c.id, a.c.submitted_at)
    if scope is not None:
        col = a.c.enterprise_id if scope[0] == "enterprise" else a.c.account_id
        q = q.where(col == scope[1])
    if status:
        q = q.where(a.c.status == status)
    if after:
        at, last = after
        q = q.where(sa.or_(a.c.submitted_at < at, sa.and_(a.c.submitted_at == at, a.c.id < last)))
    q = q.order_by(a.c.submitted_at.desc(), a.c.id.desc()).limit(limit)
    return [(r.id, r.submitted_at) for r in conn.execute(q)]


def live_appeal_ids(conn: Connection) -> list[str]:
    live = [s.value for s in ap.LIVE]
    return [r.id for r in conn.execute(sa.select(t.appeals.c.id).where(t.appeals.c.status.in_(live)))]


def earlier_appeals(conn: Connection, a: ap.Appeal) -> list[Row[Any, Any, Any, Any]]:
    """The subject's other appeals (id, strike_id, status, submitted_at), newest first."""
    x = t.appeals
    return list(
        conn.execute(
            sa.select(x.c.id, x.c.strike_id, x.c.status, x.c.submitted_at)
            .where(x.c.subject_type == a.subject_type, x.c.subject_id == a.subject_id, x.c.id != a.id)
            .order_by(x.c.submitted_at.desc())
        ).all()
    )


def insert_document(conn: Connection, doc: ap.Document) -> None:
    """Store a new upload: every field of the `Document` is a column of the same name (`document_from` reads it
    back)."""
    conn.execute(sa.insert(t.appeal_documents).values({**dataclasses.asdict(doc), "state": doc.state.value}))


def save_review(conn: Connection, doc: ap.Document) -> None:
    """A reviewer's verdict on one document."""
    conn.execute(
        sa.update(t.appeal_documents)
        .where(t.appeal_documents.c.id == doc.id)
        .values(
            state=doc.state.value,
            reviewed_by=doc.reviewed_by,
            reviewed_at=doc.reviewed_at,
            reject_code=doc.reject_code,
            reject_note=doc.reject_note,
        )
    )


# --- penalties and the subject's record -----------------------------------------------------------------------


def strike(conn: Connection, strike_id: str) -> Strike | None:
    row = conn.execute(sa.select(t.strikes).where(t.strikes.c.id == strike_id)).first()
    return core.strike_from(row) if row else None


def restriction_of_strike(conn: Connection, strike_id: str) -> Restriction | None:
    r = conn.execute(sa.select(t.restrictions).where(t.restrictions.c.strike_id == strike_id)).first()
    return core.restriction_from(r) if r else None


def recent_events(
    conn: Connection, subject_type: str, subject_id: str, limit: int = 20
) -> list[Row[Any, Any, Any, Any]]:
    """(id, type, occurred_at, outcome) of the subject's latest events, newest first."""
    e = t.events
    col = e.c.account_id if subject_type == "account" else e.c.enterprise_id
    return list(
        conn.execute(
            sa.select(e.c.id, e.c.type, e.c.occurred_at, e.c.outcome)
            .where(col == subject_id)
            .order_by(e.c.occurred_at.desc())
            .limit(limit)
        ).all()
    )


# --- the desk: claims and flags -------------------------------------------------------------------------------


def claim_of(conn: Connection, case_id: str) -> Row[Any] | None:
    """The claim row (case_id, claimed_by, claimed_at), or None."""
    return conn.execute(sa.select(t.desk_claims).where(t.desk_claims.c.case_id == case_id)).first()


def claims(conn: Connection) -> dict[str, Row[Any]]:
    return {r.case_id: r for r in conn.execute(sa.select(t.desk_claims))}


def drop_claim(conn: Connection, case_id: str) -> None:
    conn.execute(sa.delete(t.desk_claims).where(t.desk_claims.c.case_id == case_id))


def try_claim(conn: Connection, case_id: str, actor: str, now: datetime, stale_before: datetime) -> bool:
    """Drop a lapsed claim, then insert ours unless one is held; True when ours went in (the primary key decides)."""
    c = t.desk_claims
    conn.execute(sa.delete(c).where(c.c.case_id == case_id, c.c.claimed_at < stale_before))
    stmt = core.insert_ignore(conn, c).values(case_id=case_id, claimed_by=actor, claimed_at=now)
    return conn.execute(stmt.returning(c.c.case_id)).first() is not None  # rowcount is -1 on psycopg


def hand_claim(conn: Connection, case_id: str, actor: str, now: datetime) -> None:
    """The claim on `case_id` is `actor`'s from `now` (issue 14: a reviewer reassigns a case to a colleague)."""
    c = t.desk_claims
    conn.execute(sa.delete(c).where(c.c.case_id == case_id))
    conn.execute(sa.insert(c).values(case_id=case_id, claimed_by=actor, claimed_at=now))


def add_note(conn: Connection, note_id: str, appeal_id: str, author: str, text: str, at: datetime) -> None:
    conn.execute(sa.insert(t.appeal_notes).values(id=note_id, appeal_id=appeal_id, author=author, text=text, at=at))


def notes_of(conn: Connection, appeal_id: str) -> list[Row[Any]]:
    """An appeal's internal notes, oldest first."""
    n = t.appeal_notes
    return list(conn.execute(sa.select(n).where(n.c.appeal_id == appeal_id).order_by(n.c.at, n.c.id)))


def release_claim(conn: Connection, case_id: str, actor: str) -> bool:
    c = t.desk_claims
    return bool(conn.execute(sa.delete(c).where(c.c.case_id == case_id, c.c.claimed_by == actor)).rowcount)


def open_flags(conn: Connection) -> list[Row[Any]]:
    f = t.flags
    return list(conn.execute(sa.select(f).where(f.c.status == "open")).all())


def flag_status(conn: Connection, flag_id: str) -> str | None:
    return conn.execute(sa.select(t.flags.c.status).where(t.flags.c.id == flag_id)).scalar()


def flag_rule(conn: Connection, flag_id: str) -> str | None:
    return conn.execute(sa.select(t.flags.c.rule_id).where(t.flags.c.id == flag_id)).scalar()


def set_flag_status(conn: Connection, flag_id: str, status: str, evidence: dict[str, Any] | None = None) -> None:
    values: dict[str, Any] = {"status": status}
    if evidence is not None:
        values["evidence"] = core.dumps(evidence)
    conn.execute(sa.update(t.flags).where(t.flags.c.id == flag_id).values(**values))


def open_case_flag(conn: Connection, subject_id: str, rule_id: str) -> str | None:
    """The id of the oldest open case flag of `rule_id` on the subject, if any."""
    f = t.flags
    row = conn.execute(
        sa.select(f.c.id)
        .where(f.c.rule_id == rule_id, f.c.subject_id == subject_id, f.c.status == "open")
        .order_by(f.c.at, f.c.id)
        .limit(1)
    ).first()
    return row.id if row is not None else None


def case_flag(conn: Connection, case_id: str, rule_id: str) -> Row[Any] | None:
    """The flag `case_id` if it carries `rule_id` (a manual strike request is a flag of rule `manual_strike`)."""
    f = t.flags
    return conn.execute(sa.select(f).where(f.c.id == case_id, f.c.rule_id == rule_id)).first()


def insert_case_flag(
    conn: Connection, case_id: str, account_id: str, rule_id: str, at: datetime, evidence: dict[str, Any], status: str
) -> None:
    conn.execute(
        sa.insert(t.flags).values(
            id=case_id,
            subject_type="account",
            subject_id=account_id,
            rule_id=rule_id,
            at=at,
            evidence=core.dumps(evidence),
            status=status,
        )
    )


# --- exemptions -----------------------------------------------------------------------------------------------


def put_exemption(
    conn: Connection, account_id: str, rule_id: str, until: datetime, reason: str, actor: str, now: datetime
) -> None:
    """Insert or replace the account's exemption from `rule_id`."""
    x = t.exemptions
    values = {"until": until, "reason": reason, "actor": actor, "created_at": now}
    done = conn.execute(
        sa.update(x).where(x.c.account_id == account_id, x.c.rule_id == rule_id).values(**values)
    ).rowcount
    if not done:
        conn.execute(sa.insert(x).values(account_id=account_id, rule_id=rule_id, **values))


# --- the notification outbox ----------------------------------------------------------------------------------


def queue_notification(
    conn: Connection,
    key: str,
    appeal_id: str,
    recipient: tuple[str, str],
    kind: str,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    """An appeal's notice, into the one outbox (`adapters.store.queue_notification`)."""
    core.queue_notification(conn, key, recipient, kind, payload, now, appeal_id)


def due_notifications(conn: Connection, now: datetime, limit: int) -> list[int]:
    n = t.notifications
    q = sa.select(n.c.id).where(n.c.status == "pending", n.c.next_attempt_at <= now).order_by(n.c.id).limit(limit)
    return [r.id for r in conn.execute(q)]


def outbox_backlog(conn: Connection, now: datetime) -> tuple[dict[str, int], float]:
    """Notifications not sent, by status (`pending`, `failed`: gave up), and the seconds the oldest due pending one
    has waited past its `next_attempt_at` (0 when none is due)."""
    n = t.notifications
    counts = {"pending": 0, "failed": 0}
    for status, count in conn.execute(
        sa.select(n.c.status, sa.func.count()).where(n.c.status != "sent").group_by(n.c.status)
    ):
        counts[str(status)] = int(count)
    oldest = conn.execute(
        sa.select(sa.func.min(n.c.next_attempt_at)).where(n.c.status == "pending", n.c.next_attempt_at <= now)
    ).scalar()
    waited = (now - oldest).total_seconds() if oldest is not None else 0.0
    return counts, max(waited, 0.0)


def lease_notification(conn: Connection, nid: int, now: datetime, until: datetime) -> Row[Any] | None:
    """The row, leased to us until `until`; None when another deliverer holds it or it is no longer pending."""
    n = t.notifications
    leased = conn.execute(
        sa.update(n)
        .where(n.c.id == nid, n.c.status == "pending", sa.or_(n.c.lease_until.is_(None), n.c.lease_until < now))
        .values(lease_until=until)
    ).rowcount
    return conn.execute(sa.select(n).where(n.c.id == nid)).first() if leased else None


def notification_failed(
    conn: Connection, nid: int, attempts: int, gave_up: bool, retry_at: datetime, error: str
) -> None:
    n = t.notifications
    conn.execute(
        sa.update(n)
        .where(n.c.id == nid)
        .values(
            attempts=attempts,
            status="failed" if gave_up else "pending",
            next_attempt_at=retry_at,
            lease_until=None,
            last_error=error[:500],
        )
    )


def notification_sent(conn: Connection, nid: int, attempts: int, now: datetime) -> None:
    n = t.notifications
    conn.execute(
        sa.update(n)
        .where(n.c.id == nid)
        .values(status="sent", attempts=attempts, sent_at=now, lease_until=None, last_error=None)
    )


def notifications_of(conn: Connection, appeal_id: str) -> list[Row[Any]]:
    n = t.notifications
    return list(conn.execute(sa.select(n).where(n.c.appeal_id == appeal_id).order_by(n.c.id)).all())
