"""The enterprise usage policy's SQL, and only here: policies, departments, cases and their timeline entries.

Module functions taking a connection (SQLAlchemy Core), in the style of `warden.adapters.store`. The services
open the transaction (`UnitOfWork.writing` / `reading`, `warden.adapters.uow`) and pass `tx.conn` in.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from warden.adapters import store as core
from warden.adapters import tables as t
from warden.adapters.store import dumps
from warden.kernel.decision import derive_id
from warden.kernel.model import Restriction
from warden.usage_policy.model import Case, Evidence

# --- row mappers -----------------------------------------------------------------------------------------


def case_from(row: Any) -> Case:
    return Case(
        id=row.id,
        enterprise_id=row.enterprise_id,
        account_id=row.account_id,
        rule_id=row.rule_id,
        category=row.category,
        severity=row.severity,
        source=row.source,
        status=row.status,
        opened_at=row.opened_at,
        first_seen_at=row.first_seen_at,
        deadline_at=row.deadline_at,
        escalated_at=row.escalated_at,
        reported_late=row.reported_late,
        statement=json.loads(row.statement) if row.statement else None,
        statement_at=row.statement_at,
        outcome=row.outcome,
        outcome_at=row.outcome_at,
        outcome_note=row.outcome_note,
        decided_by=row.decided_by,
        closed_at=row.closed_at,
        misclassified=row.misclassified,
        training_due_at=row.training_due_at,
        training_completed_at=row.training_completed_at,
    )


def case_row(c: Case) -> dict[str, Any]:
    return {
        "id": c.id,
        "enterprise_id": c.enterprise_id,
        "account_id": c.account_id,
        "rule_id": c.rule_id,
        "category": c.category,
        "severity": c.severity,
        "source": c.source,
        "status": c.status,
        "opened_at": c.opened_at,
        "first_seen_at": c.first_seen_at,
        "deadline_at": c.deadline_at,
        "escalated_at": c.escalated_at,
        "reported_late": c.reported_late,
        "statement": dumps(c.statement) if c.statement is not None else None,
        "statement_at": c.statement_at,
        "outcome": c.outcome,
        "outcome_at": c.outcome_at,
        "outcome_note": c.outcome_note,
        "decided_by": c.decided_by,
        "closed_at": c.closed_at,
        "misclassified": c.misclassified,
        "training_due_at": c.training_due_at,
        "training_completed_at": c.training_completed_at,
    }


# --- policies and departments ------------------------------------------------------------------------------


def policy_meta(conn: Connection, enterprise_id: str, actor: str, now: datetime) -> Any:
    """The enterprise's `usage_policies` row (created on first need, with its pseudonym key; a concurrent
    creator wins). Columns: enterprise_id, version, document (JSON text or None), pseudonym_key, updated_at/by."""
    q = sa.select(t.usage_policies).where(t.usage_policies.c.enterprise_id == enterprise_id)
    row = conn.execute(q).first()
    if row is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    sa.insert(t.usage_policies).values(
                        enterprise_id=enterprise_id,
                        version=0,
                        document=None,
                        pseudonym_key=secrets.token_hex(32),
                        updated_at=now,
                        updated_by=actor,
                    )
                )
        except IntegrityError:
            pass
        row = conn.execute(q).first()
    return row


def replace_policy(
    conn: Connection, enterprise_id: str, expected_version: int, document: dict[str, Any], now: datetime, actor: str
) -> bool:
    """A conditional update to `expected_version + 1`: two editors cannot both win. False when stale."""
    p = t.usage_policies
    res = conn.execute(
        sa.update(p)
        .where(p.c.enterprise_id == enterprise_id, p.c.version == expected_version)
        .values(version=expected_version + 1, document=dumps(document), updated_at=now, updated_by=actor)
    )
    return bool(res.rowcount == 1)


def policy_row(conn: Connection, enterprise_id: str) -> Any:
    """The `usage_policies` row, or None."""
    return conn.execute(sa.select(t.usage_policies).where(t.usage_policies.c.enterprise_id == enterprise_id)).first()


def policy_document(conn: Connection, enterprise_id: str) -> str | None:
    """The stored policy document (JSON text), or None."""
    p = t.usage_policies
    doc = conn.execute(sa.select(p.c.document).where(p.c.enterprise_id == enterprise_id)).scalar()
    return str(doc) if doc is not None else None


_Q_VERSIONS = sa.select(t.usage_policies.c.enterprise_id, t.usage_policies.c.version).where(
    t.usage_policies.c.enterprise_id.in_(sa.bindparam("ids", expanding=True)), t.usage_policies.c.version > 0
)  # built once: ingest reads it for every batch holding messages (issue 16)


def policy_versions(conn: Connection, enterprise_ids: Iterable[str]) -> list[tuple[str, int]]:
    """(enterprise id, version) of every enterprise among `enterprise_ids` with a policy saved."""
    rows = conn.execute(_Q_VERSIONS, {"ids": sorted(enterprise_ids)}).all()
    return [(str(eid), int(v)) for eid, v in rows]


def policy_rows(conn: Connection, enterprise_ids: list[str]) -> list[Any]:
    p = t.usage_policies
    return list(conn.execute(sa.select(p).where(p.c.enterprise_id.in_(enterprise_ids))))


def members_among(conn: Connection, enterprise_id: str, account_ids: list[str]) -> set[str]:
    """Which of `account_ids` are accounts of the enterprise."""
    a = t.accounts
    return {
        r.id for r in conn.execute(sa.select(a.c.id).where(a.c.enterprise_id == enterprise_id, a.c.id.in_(account_ids)))
    }


def replace_departments(conn: Connection, enterprise_id: str, members: list[tuple[str, str]]) -> None:
    """Replace the enterprise's (department, account id) pairs."""
    d = t.usage_departments
    conn.execute(sa.delete(d).where(d.c.enterprise_id == enterprise_id))
    if members:
        conn.execute(
            sa.insert(d), [{"enterprise_id": enterprise_id, "account_id": a, "department": dep} for dep, a in members]
        )


def departments_of(conn: Connection, account_ids: Iterable[str]) -> dict[str, str]:
    """account id → department, for the accounts that have one."""
    d = t.usage_departments
    q = sa.select(d.c.account_id, d.c.department).where(d.c.account_id.in_(sorted(set(account_ids))))
    return {r.account_id: r.department for r in conn.execute(q)}


def earlier_messages(conn: Connection, account_id: str, at: datetime, event_id: str, limit: int) -> Iterator[Any]:
    """The sender's stored messages at or before `at` (not `event_id`), newest first: rows (id, occurred_at,
    payload JSON text)."""
    ev = t.events
    q = (
        sa.select(ev.c.id, ev.c.occurred_at, ev.c.payload)
        .where(ev.c.account_id == account_id, ev.c.type == "message", ev.c.occurred_at <= at, ev.c.id != event_id)
        .order_by(ev.c.occurred_at.desc())
        .limit(limit)
    )
    return iter(conn.execute(q).all())


# --- cases -----------------------------------------------------------------------------------------------


def open_case_of(conn: Connection, enterprise_id: str, account_id: str, rules: list[str], category: str) -> Case | None:
    """The oldest undecided case of the employee under any of `rules` (or, with no rules, with no rule and the
    same category)."""
    c = t.cases
    match = c.c.rule_id.in_(rules) if rules else sa.and_(c.c.rule_id.is_(None), c.c.category == category)
    row = conn.execute(
        sa.select(c)
        .where(c.c.enterprise_id == enterprise_id, c.c.account_id == account_id, c.c.status == "open", match)
        .order_by(c.c.opened_at)
        .limit(1)
    ).first()
    return case_from(row) if row is not None else None


def insert_case(conn: Connection, case: Case) -> None:
    conn.execute(sa.insert(t.cases).values(**case_row(case)))


def save_case(conn: Connection, case: Case) -> None:
    conn.execute(sa.update(t.cases).where(t.cases.c.id == case.id).values(**case_row(case)))


def set_case(conn: Connection, case_id: str, **values: Any) -> None:
    """Update some columns of one case."""
    conn.execute(sa.update(t.cases).where(t.cases.c.id == case_id).values(**values))


def get_case(conn: Connection, case_id: str) -> Case | None:
    row = conn.execute(sa.select(t.cases).where(t.cases.c.id == case_id)).first()
    return case_from(row) if row is not None else None


def append_entry(
    conn: Connection,
    case: Case,
    kind: str,
    actor: str,
    data: dict[str, Any],
    at: datetime,
    *,
    rule_id: str | None = None,
    event_id: str | None = None,
    idem_key: str | None = None,
) -> None:
    """Append one entry to the case's timeline (numbered from 0; the id derives from the case and the number)."""
    e = t.case_entries
    n = conn.execute(sa.select(sa.func.count()).select_from(e).where(e.c.case_id == case.id)).scalar_one()
    conn.execute(
        sa.insert(e).values(
            id=derive_id("ce", case.id, str(n)),
            case_id=case.id,
            seq=n,
            enterprise_id=case.enterprise_id,
            at=at,
            actor=actor,
            kind=kind,
            rule_id=rule_id,
            event_id=event_id,
            idem_key=idem_key,
            data=dumps(data),
        )
    )


def report_by_key(conn: Connection, idem_key: str) -> tuple[str, str | None, dict[str, Any]] | None:
    """The report entry stored under a scoped Idempotency-Key: (case id, rule id, entry data), or None."""
    e = t.case_entries
    row = conn.execute(sa.select(e.c.case_id, e.c.rule_id, e.c.data).where(e.c.idem_key == idem_key)).first()
    return (row.case_id, row.rule_id, json.loads(row.data)) if row is not None else None


def case_entries(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    """The case's timeline in order: dicts of at, actor, kind, rule, event_id, data."""
    e = t.case_entries
    return [
        {
            "at": r.at,
            "actor": r.actor,
            "kind": r.kind,
            "rule": r.rule_id,
            "event_id": r.event_id,
            "data": json.loads(r.data),
        }
        for r in conn.execute(sa.select(e).where(e.c.case_id == case_id).order_by(e.c.seq))
    ]


def list_cases(
    conn: Connection,
    enterprise_id: str,
    *,
    status: str | None,
    account_id: str | None,
    overdue: bool | None,
    now: datetime,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Case]:
    """Newest first (opened_at, id), strictly after the `after` position, at most `limit`."""
    c = t.cases
    q = sa.select(c).where(c.c.enterprise_id == enterprise_id)
    if status:
        q = q.where(c.c.status == status)
    if account_id:
        q = q.where(c.c.account_id == account_id)
    if overdue is not None:
        late = sa.and_(c.c.status == "open", c.c.deadline_at < now)
        q = q.where(late if overdue else sa.not_(late))
    if after is not None:
        at, cid = after
        q = q.where(sa.or_(c.c.opened_at < at, sa.and_(c.c.opened_at == at, c.c.id < cid)))
    q = q.order_by(c.c.opened_at.desc(), c.c.id.desc()).limit(limit)
    return [case_from(r) for r in conn.execute(q)]


def overdue_unescalated(conn: Connection, now: datetime, enterprise_id: str | None) -> list[Case]:
    """Undecided cases past their deadline, not yet escalated, by deadline."""
    c = t.cases
    q = sa.select(c).where(c.c.status == "open", c.c.deadline_at < now, c.c.escalated_at.is_(None))
    if enterprise_id:
        q = q.where(c.c.enterprise_id == enterprise_id)
    return [case_from(r) for r in conn.execute(q.order_by(c.c.deadline_at)).all()]


def enterprise_cases(conn: Connection, enterprise_id: str) -> list[Case]:
    return [case_from(r) for r in conn.execute(sa.select(t.cases).where(t.cases.c.enterprise_id == enterprise_id))]


def hits_per_rule(conn: Connection, enterprise_id: str) -> dict[str, int]:
    """rule id → number of hit entries in the enterprise's case timelines."""
    e = t.case_entries
    q = sa.select(e.c.rule_id, sa.func.count()).where(e.c.enterprise_id == enterprise_id, e.c.kind == "hit")
    return {rule: int(n) for rule, n in conn.execute(q.group_by(e.c.rule_id)).all()}


def withdraw_case_flags(conn: Connection, account_id: str, case_id: str) -> list[str]:
    """Withdraw (status `withdrawn`) the still-open flags an outcome of `case_id` raised on the account (issue 15:
    a reversed escalation); returns their ids."""
    f = t.flags
    rows = conn.execute(
        sa.select(f.c.id, f.c.evidence).where(
            f.c.subject_type == "account", f.c.subject_id == account_id, f.c.status == "open"
        )
    ).all()
    ids = [r.id for r in rows if json.loads(r.evidence).get("case") == case_id]
    if ids:
        conn.execute(sa.update(f).where(f.c.id.in_(ids)).values(status="withdrawn"))
    return ids


# --- case evidence (issue 15) ---------------------------------------------------------------------------------


def insert_evidence(conn: Connection, ev: Evidence) -> None:
    conn.execute(sa.insert(t.case_evidence).values(**vars(ev)))


def get_evidence(conn: Connection, evidence_id: str) -> Evidence | None:
    row = conn.execute(sa.select(t.case_evidence).where(t.case_evidence.c.id == evidence_id)).first()
    return Evidence(**row._mapping) if row is not None else None


def evidence_ids(conn: Connection, case_id: str) -> set[str]:
    """The ids of the evidence uploaded to the case."""
    e = t.case_evidence
    return {r.id for r in conn.execute(sa.select(e.c.id).where(e.c.case_id == case_id))}


def case_restrictions(conn: Connection, case: Case, now: datetime) -> list[Restriction]:
    """The account's restrictions this case's outcome imposed that are active at `now`."""
    return [
        r
        for r in core.restrictions_of(conn, "account", [case.account_id], now)
        if r.evidence.get("case") == case.id and r.active_at(now)
    ]
