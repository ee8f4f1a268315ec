"""The core feature's own SQL, and only here: strikes and restrictions by id, the restriction history pages, the
accounts restricted now, the audit trail's pages and the API tokens. Module functions taking a connection (from
`adapters.uow.Tx.conn`), in the functional Core style of `warden.adapters.store`, whose row mappers and shared
reads (accounts, enterprises, subjects, strikes and restrictions of a subject, the audit chain) they reuse.

Times are timezone-aware UTC datetimes; a restriction page is ordered by `(starts_at, id)` descending.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warden.adapters import store as core
from warden.adapters import tables as t
from warden.kernel.access import Principal, Role
from warden.kernel.audit import AuditEntry
from warden.kernel.model import Restriction, Strike

# --- strikes and restrictions ------------------------------------------------------------------------------------


def strike(conn: Connection, strike_id: str) -> Strike | None:
    """The strike with this id, or None."""
    row = conn.execute(sa.select(t.strikes).where(t.strikes.c.id == strike_id)).first()
    return core.strike_from(row) if row else None


def restriction(conn: Connection, restriction_id: str) -> Restriction | None:
    """The restriction with this id, or None."""
    row = conn.execute(sa.select(t.restrictions).where(t.restrictions.c.id == restriction_id)).first()
    return core.restriction_from(row) if row else None


def strikes_by_id(conn: Connection, ids: Sequence[str]) -> dict[str, Strike]:
    """The strikes with these ids, by id (unknown ids are left out)."""
    if not ids:
        return {}
    rows = conn.execute(sa.select(t.strikes).where(t.strikes.c.id.in_(ids)))
    return {row.id: core.strike_from(row) for row in rows}


def active_account_restrictions(conn: Connection, at: datetime) -> dict[str, list[Restriction]]:
    """Accounts with an active restriction of their own at `at` (not lifted, started, not ended), by account id;
    enterprise restrictions (which members feel at read time) are not included."""
    r = t.restrictions
    rows = conn.execute(
        sa.select(r).where(
            r.c.subject_type == "account",
            r.c.lifted_at.is_(None),
            r.c.starts_at <= at,
            sa.or_(r.c.ends_at.is_(None), r.c.ends_at > at),
        )
    )
    out: dict[str, list[Restriction]] = {}
    for row in rows:
        out.setdefault(row.subject_id, []).append(core.restriction_from(row))
    return out


def restriction_page(
    conn: Connection, subject_type: str, subject_id: str, limit: int, after: tuple[datetime, str] | None = None
) -> list[Restriction]:
    """Up to `limit` of the subject's restrictions (lifted and ended ones included), newest first by
    `(starts_at, id)`, starting after `after` (the last item of the previous page) when given."""
    r = t.restrictions
    q = sa.select(r).where(r.c.subject_type == subject_type, r.c.subject_id == subject_id)
    if after is not None:
        at, rid = after
        q = q.where(sa.or_(r.c.starts_at < at, sa.and_(r.c.starts_at == at, r.c.id < rid)))
    q = q.order_by(r.c.starts_at.desc(), r.c.id.desc()).limit(limit)
    return [core.restriction_from(row) for row in conn.execute(q)]


# --- the audit trail ---------------------------------------------------------------------------------------------


def audit_page(conn: Connection, limit: int, before: int | None = None) -> list[AuditEntry]:
    """Up to `limit` audit entries, newest first, those with `seq < before` when given."""
    a = t.audit_log
    q = sa.select(a).order_by(a.c.seq.desc()).limit(limit)
    if before is not None:
        q = q.where(a.c.seq < before)
    return [core.audit_entry_from(row) for row in conn.execute(q)]


# --- API tokens --------------------------------------------------------------------------------------------------


def insert_token(conn: Connection, principal: Principal, secret_hash: str, label: str, at: datetime) -> None:
    """Store a token: its principal (id, role, scope) and the SHA-256 of its secret, never the secret."""
    conn.execute(
        sa.insert(t.tokens).values(
            id=principal.token_id,
            secret_hash=secret_hash,
            role=principal.role.value,
            enterprise_id=principal.enterprise_id,
            account_id=principal.account_id,
            label=label,
            created_at=at,
        )
    )


def token_principal(conn: Connection, secret_hash: str) -> Principal | None:
    """The principal of the unrevoked token whose secret hashes to `secret_hash`, or None."""
    tk = t.tokens
    row = conn.execute(sa.select(tk).where(tk.c.secret_hash == secret_hash, tk.c.revoked_at.is_(None))).first()
    return None if row is None else Principal(row.id, Role(row.role), row.enterprise_id, row.account_id)


def revoke_token(conn: Connection, token_id: str, at: datetime) -> bool:
    """Mark the token revoked at `at`; False when there is no unrevoked token with that id."""
    tk = t.tokens
    res = conn.execute(sa.update(tk).where(tk.c.id == token_id, tk.c.revoked_at.is_(None)).values(revoked_at=at))
    return bool(res.rowcount)
