"""The repository: domain objects to rows and back. Every method takes the caller's connection, so one
use case is one transaction (the service layer owns it)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warden.adapters import tables as t
from warden.adapters.database import serialize_writers
from warden.domain.audit import GENESIS, AuditEntry, canonical, entry_hash
from warden.domain.model import Account, Enterprise, Restriction, Scope, Strike, StrikeStatus
from warden.domain.rules import Subject


def dumps(data: Any) -> str:
    return canonical(data)


def _chunks(items: Sequence[Any], n: int = 500) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


# --- rows ↔ domain ------------------------------------------------------------------------------------------


def enterprise_from(row: Any) -> Enterprise:
    return Enterprise(row.id, row.name, row.verified, row.created_at, row.external_contacts)


def account_from(row: Any) -> Account:
    return Account(
        row.id,
        row.enterprise_id,
        row.phone,
        row.real_name_verified,
        row.created_at,
        row.avatar,
        row.nickname,
        row.external_card,
    )


def strike_from(row: Any) -> Strike:
    return Strike(
        id=row.id,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        rule_id=row.rule_id,
        severity=row.severity,
        step=row.step,
        at=row.at,
        policy_hash=row.policy_hash,
        evidence=json.loads(row.evidence),
        status=StrikeStatus(row.status),
        status_at=row.status_at,
        status_reason=row.status_reason,
        event_id=row.event_id,
    )


def strike_row(s: Strike) -> dict[str, Any]:
    return {
        "id": s.id,
        "subject_type": s.subject_type,
        "subject_id": s.subject_id,
        "rule_id": s.rule_id,
        "severity": s.severity,
        "step": s.step,
        "at": s.at,
        "policy_hash": s.policy_hash,
        "evidence": dumps(s.evidence),
        "status": s.status.value,
        "status_at": s.status_at,
        "status_reason": s.status_reason,
        "event_id": s.event_id,
    }


def restriction_from(row: Any) -> Restriction:
    return Restriction(
        id=row.id,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        scope=Scope(row.scope),
        step=row.step,
        rule_id=row.rule_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        strike_id=row.strike_id,
        self_unblock=row.self_unblock,
        earliest_unblock_at=row.earliest_unblock_at,
        lifted_at=row.lifted_at,
        lift_reason=row.lift_reason,
        evidence=json.loads(row.evidence),
    )


def restriction_row(r: Restriction) -> dict[str, Any]:
    return {
        "id": r.id,
        "subject_type": r.subject_type,
        "subject_id": r.subject_id,
        "scope": r.scope.value,
        "step": r.step,
        "rule_id": r.rule_id,
        "starts_at": r.starts_at,
        "ends_at": r.ends_at,
        "strike_id": r.strike_id,
        "self_unblock": r.self_unblock,
        "earliest_unblock_at": r.earliest_unblock_at,
        "lifted_at": r.lifted_at,
        "lift_reason": r.lift_reason,
        "evidence": dumps(r.evidence),
    }


# --- reads ---------------------------------------------------------------------------------------------------


def existing_outcomes(conn: Connection, ids: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in _chunks(list(ids)):
        for row in conn.execute(sa.select(t.events.c.id, t.events.c.outcome).where(t.events.c.id.in_(chunk))):
            out[row.id] = row.outcome
    return out


def get_account(conn: Connection, account_id: str) -> Account | None:
    row = conn.execute(sa.select(t.accounts).where(t.accounts.c.id == account_id)).first()
    return account_from(row) if row else None


def get_enterprise(conn: Connection, enterprise_id: str) -> Enterprise | None:
    row = conn.execute(sa.select(t.enterprises).where(t.enterprises.c.id == enterprise_id)).first()
    return enterprise_from(row) if row else None


def restrictions_of(
    conn: Connection, subject_type: str, ids: Sequence[str], live_after: datetime | None
) -> list[Restriction]:
    """Restrictions of the subjects; with `live_after`, only those not lifted and not ended before it."""
    out: list[Restriction] = []
    r = t.restrictions
    for chunk in _chunks(list(ids)):
        q = sa.select(r).where(r.c.subject_type == subject_type, r.c.subject_id.in_(chunk))
        if live_after is not None:
            q = q.where(r.c.lifted_at.is_(None), sa.or_(r.c.ends_at.is_(None), r.c.ends_at > live_after))
        out.extend(restriction_from(row) for row in conn.execute(q))
    return out


def strikes_of(conn: Connection, subject_type: str, ids: Sequence[str]) -> list[Strike]:
    out: list[Strike] = []
    s = t.strikes
    for chunk in _chunks(list(ids)):
        q = sa.select(s).where(s.c.subject_type == subject_type, s.c.subject_id.in_(chunk)).order_by(s.c.at, s.c.id)
        out.extend(strike_from(row) for row in conn.execute(q))
    return out


def exemptions_of(conn: Connection, ids: Sequence[str], now: datetime) -> dict[str, dict[str, datetime]]:
    out: dict[str, dict[str, datetime]] = {}
    x = t.exemptions
    for chunk in _chunks(list(ids)):
        for row in conn.execute(sa.select(x).where(x.c.account_id.in_(chunk), x.c.until > now)):
            out.setdefault(row.account_id, {})[row.rule_id] = row.until
    return out


def load_subjects(
    conn: Connection, account_ids: Sequence[str], live_after: datetime, enterprise_ids: Sequence[str] = ()
) -> tuple[dict[str, Subject], dict[str, Enterprise]]:
    """Everything the rules need about these accounts, in a handful of queries whatever the batch size.

    Accounts of one enterprise share one `Enterprise` object, so a change seen by one is seen by all.
    """
    ids = list(dict.fromkeys(account_ids))
    accounts: dict[str, Account] = {}
    for chunk in _chunks(ids):
        for row in conn.execute(sa.select(t.accounts).where(t.accounts.c.id.in_(chunk))):
            accounts[row.id] = account_from(row)
    ent_ids = list({a.enterprise_id for a in accounts.values()} | set(enterprise_ids))
    ents: dict[str, Enterprise] = {}
    for chunk in _chunks(ent_ids):
        for row in conn.execute(sa.select(t.enterprises).where(t.enterprises.c.id.in_(chunk))):
            ents[row.id] = enterprise_from(row)
    subjects = {aid: Subject(account=a, enterprise=ents[a.enterprise_id]) for aid, a in accounts.items()}
    for r in restrictions_of(conn, "account", list(accounts), live_after):
        subjects[r.subject_id].restrictions.append(r)
    ent_restr: dict[str, list[Restriction]] = {}
    for r in restrictions_of(conn, "enterprise", ent_ids, live_after):
        ent_restr.setdefault(r.subject_id, []).append(r)
    for s in strikes_of(conn, "account", list(accounts)):
        subjects[s.subject_id].strikes.append(s)
    ent_strikes: dict[str, list[Strike]] = {eid: [] for eid in ent_ids}
    for s in strikes_of(conn, "enterprise", ent_ids):
        ent_strikes[s.subject_id].append(s)
    for aid, ex in exemptions_of(conn, list(accounts), live_after).items():
        subjects[aid].exemptions = ex
    for eid in ent_ids:
        ent_restr.setdefault(eid, [])
    for subj in subjects.values():
        subj.enterprise_restrictions = ent_restr[subj.enterprise.id]  # one list per enterprise, shared
        subj.enterprise_strikes = ent_strikes[subj.enterprise.id]
    return subjects, ents


# --- writes --------------------------------------------------------------------------------------------------


def upsert_enterprise(conn: Connection, e: Enterprise) -> bool:
    """Insert or update; returns True when it was new."""
    values = {"name": e.name, "verified": e.verified, "created_at": e.created_at}
    res = conn.execute(sa.update(t.enterprises).where(t.enterprises.c.id == e.id).values(**values))
    if res.rowcount:
        return False
    conn.execute(sa.insert(t.enterprises).values(id=e.id, external_contacts=e.external_contacts, **values))
    return True


def upsert_account(conn: Connection, a: Account) -> bool:
    values = {
        "enterprise_id": a.enterprise_id,
        "phone": a.phone,
        "real_name_verified": a.real_name_verified,
        "created_at": a.created_at,
        "avatar": a.avatar,
        "nickname": a.nickname,
        "external_card": a.external_card,
    }
    res = conn.execute(sa.update(t.accounts).where(t.accounts.c.id == a.id).values(**values))
    if res.rowcount:
        return False
    conn.execute(sa.insert(t.accounts).values(id=a.id, **values))
    return True


def save_changes(conn: Connection, changes: Any) -> None:
    """Write what a batch of decisions changed (strikes, restrictions, flags, accounts, contacts)."""
    if changes.strikes:
        conn.execute(sa.insert(t.strikes), [strike_row(s) for s in changes.strikes])
    if changes.restrictions:
        conn.execute(sa.insert(t.restrictions), [restriction_row(r) for r in changes.restrictions])
    for r in changes.updated_restrictions:
        row = restriction_row(r)
        conn.execute(sa.update(t.restrictions).where(t.restrictions.c.id == r.id).values(**row))
    if changes.flags:
        conn.execute(
            sa.insert(t.flags),
            [
                {
                    "id": f.id,
                    "subject_type": f.subject_type,
                    "subject_id": f.subject_id,
                    "rule_id": f.rule_id,
                    "at": f.at,
                    "evidence": dumps(f.evidence),
                    "status": "open",
                }
                for f in changes.flags
            ],
        )
    for a in changes.accounts.values():
        conn.execute(
            sa.update(t.accounts)
            .where(t.accounts.c.id == a.id)
            .values(
                real_name_verified=a.real_name_verified,
                avatar=a.avatar,
                nickname=a.nickname,
                external_card=a.external_card,
            )
        )
    for e in changes.enterprises.values():
        conn.execute(
            sa.update(t.enterprises)
            .where(t.enterprises.c.id == e.id)
            .values(verified=e.verified, external_contacts=e.external_contacts)
        )
    if changes.contacts:
        seen = {(a, c) for a, c, _ in changes.contacts}
        existing: set[tuple[str, str]] = set()
        for chunk in _chunks(sorted(seen)):
            conds = [sa.and_(t.contacts.c.account_id == a, t.contacts.c.contact_id == c) for a, c in chunk]
            existing |= {
                (r.account_id, r.contact_id) for r in conn.execute(sa.select(t.contacts).where(sa.or_(*conds)))
            }
        rows, done = [], set(existing)
        for a, c, since in changes.contacts:
            if (a, c) not in done:
                done.add((a, c))
                rows.append({"account_id": a, "contact_id": c, "since": since})
        if rows:
            conn.execute(sa.insert(t.contacts), rows)


def update_strike(conn: Connection, s: Strike) -> None:
    conn.execute(sa.update(t.strikes).where(t.strikes.c.id == s.id).values(**strike_row(s)))


def update_restriction(conn: Connection, r: Restriction) -> None:
    conn.execute(sa.update(t.restrictions).where(t.restrictions.c.id == r.id).values(**restriction_row(r)))


def record_policy(conn: Connection, hash_: str, version: str, source: str, text: str, at: datetime) -> bool:
    if conn.execute(sa.select(t.policies.c.hash).where(t.policies.c.hash == hash_)).first():
        return False
    conn.execute(sa.insert(t.policies).values(hash=hash_, version=version, source=source, text=text, first_seen_at=at))
    return True


# --- audit ---------------------------------------------------------------------------------------------------


def audit_tail(conn: Connection) -> tuple[int, str]:
    row = conn.execute(
        sa.select(t.audit_log.c.seq, t.audit_log.c.hash).order_by(t.audit_log.c.seq.desc()).limit(1)
    ).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


class AuditWriter:
    """Appends to the chain inside the caller's transaction. Takes the writers' lock on first use."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._tail: tuple[int, str] | None = None

    def next_seq(self) -> int:
        if self._tail is None:
            serialize_writers(self.conn)
            self._tail = audit_tail(self.conn)
        return self._tail[0] + 1

    def append(self, at: datetime, actor: str, action: str, subject: str, data: dict[str, Any]) -> int:
        seq = self.next_seq()
        assert self._tail is not None
        h = entry_hash(self._tail[1], seq, at, actor, action, subject, data)
        self.conn.execute(
            sa.insert(t.audit_log).values(
                seq=seq,
                at=at,
                actor=actor,
                action=action,
                subject=subject,
                data=dumps(data),
                prev_hash=self._tail[1],
                hash=h,
            )
        )
        self._tail = (seq, h)
        return seq


def audit_entries(conn: Connection, batch: int = 2000) -> Iterable[AuditEntry]:
    last = 0
    while True:
        rows = conn.execute(
            sa.select(t.audit_log).where(t.audit_log.c.seq > last).order_by(t.audit_log.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        for r in rows:
            yield AuditEntry(r.seq, r.at, r.actor, r.action, r.subject, json.loads(r.data), r.prev_hash, r.hash)
        last = rows[-1].seq


def event_rows_for_audit(conn: Connection, seq: int) -> list[tuple[str, Any]]:
    e = t.events
    rows = conn.execute(
        sa.select(e.c.id, e.c.type, e.c.account_id, e.c.payload, e.c.outcome, e.c.policy_hash).where(
            e.c.audit_seq == seq
        )
    )
    return [(r.id, [r.type, r.account_id, r.payload, r.outcome, r.policy_hash]) for r in rows]
