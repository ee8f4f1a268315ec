"""The core feature's own SQL, and only here: strikes and restrictions by id, the restriction history pages, the
accounts restricted now, the audit trail's pages, the people and their API tokens, and the proposals to end a
ban (flags of rule `ban_ending`). Module functions taking a connection (from
`adapters.uow.Tx.conn`), in the functional Core style of `warden.adapters.store`, whose row mappers and shared
reads (accounts, enterprises, subjects, strikes and restrictions of a subject, the audit chain) they reuse.

Times are timezone-aware UTC datetimes; a restriction page is ordered by `(starts_at, id)` descending.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


def home_of(conn: Connection, subject_type: str, subject_id: str) -> str | None:
    """The enterprise whose partition an action on this subject is audited in (issue 17: `UnitOfWork.writing`'s
    `home`): an enterprise itself, an account's enterprise; None for anything else or an unknown account."""
    if subject_type == "enterprise":
        return subject_id
    if subject_type == "account":
        return core.enterprises_of(conn, [subject_id]).get(subject_id)
    return None


def home_of_strike(conn: Connection, strike_id: str) -> str | None:
    """`home_of` the strike's subject (None for an unknown strike: the action fails as NotFound anyway)."""
    s = strike(conn, strike_id)
    return None if s is None else home_of(conn, s.subject_type, s.subject_id)


def home_of_restriction(conn: Connection, restriction_id: str) -> str | None:
    """`home_of` the restriction's subject (None for an unknown restriction)."""
    r = restriction(conn, restriction_id)
    return None if r is None else home_of(conn, r.subject_type, r.subject_id)


def home_of_ban_ending(conn: Connection, proposal_id: str) -> str | None:
    """`home_of` the subject of a ban-ending proposal (None for an unknown proposal)."""
    row = ban_ending(conn, proposal_id)
    return None if row is None else home_of(conn, row.subject_type, row.subject_id)


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


def audit_page(conn: Connection, limit: int, before: tuple[datetime, int, int] | None = None) -> list[AuditEntry]:
    """Up to `limit` audit entries of every chain, newest first: by (`at`, `chain`, `seq`) descending, a total order
    (chain and seq identify an entry), so pages neither skip nor repeat entries of chains that share seq numbers
    (issue 17). `before`: the (at, chain, seq) of the previous page's last entry; only entries after it in that
    order. Served by the index `ix_audit_log_at_chain_seq`."""
    a = t.audit_log
    q = sa.select(a).order_by(a.c.at.desc(), a.c.chain.desc(), a.c.seq.desc()).limit(limit)
    if before is not None:
        at, chain, seq = before
        q = q.where(
            sa.or_(
                a.c.at < at,
                sa.and_(a.c.at == at, sa.or_(a.c.chain < chain, sa.and_(a.c.chain == chain, a.c.seq < seq))),
            )
        )
    return [core.audit_entry_from(row) for row in conn.execute(q)]


# --- people and their API tokens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenRow:
    """A token as stored (never its secret): who it is, what it may do, its life."""

    id: str
    person_id: str
    person_name: str
    person_disabled_at: datetime | None
    role: Role
    enterprise_id: str | None
    account_id: str | None
    label: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def principal(self) -> Principal:
        return Principal(self.id, self.role, self.enterprise_id, self.account_id, self.person_id)


@dataclass(frozen=True)
class PersonRow:
    id: str
    name: str
    created_at: datetime
    disabled_at: datetime | None


_TK, _PE = t.tokens, t.people
_TOKEN_COLUMNS = (
    _TK.c.id,
    _TK.c.person_id,
    _PE.c.name.label("person_name"),
    _PE.c.disabled_at.label("person_disabled_at"),
    _TK.c.role,
    _TK.c.enterprise_id,
    _TK.c.account_id,
    _TK.c.label,
    _TK.c.created_at,
    _TK.c.expires_at,
    _TK.c.last_used_at,
    _TK.c.revoked_at,
)


def _token_from(row: Any) -> TokenRow:
    return TokenRow(**{**row._asdict(), "role": Role(row.role)})


def person(conn: Connection, person_id: str) -> PersonRow | None:
    """The person with this id, or None."""
    row = conn.execute(sa.select(_PE).where(_PE.c.id == person_id)).first()
    return None if row is None else PersonRow(row.id, row.name, row.created_at, row.disabled_at)


def people(conn: Connection) -> list[PersonRow]:
    """Every person, by id."""
    return [
        PersonRow(r.id, r.name, r.created_at, r.disabled_at) for r in conn.execute(sa.select(_PE).order_by(_PE.c.id))
    ]


def live_holders(conn: Connection, role: str, now: datetime) -> list[tuple[str, str]]:
    """(person id, name) of every enabled person holding a live (unrevoked, unexpired) token of `role`, by id."""
    q = (
        sa.select(_PE.c.id, _PE.c.name)
        .distinct()
        .select_from(_TK.join(_PE, _TK.c.person_id == _PE.c.id))
        .where(_TK.c.role == role, _TK.c.revoked_at.is_(None), _TK.c.expires_at > now, _PE.c.disabled_at.is_(None))
        .order_by(_PE.c.id)
    )
    return [(str(r.id), str(r.name)) for r in conn.execute(q)]


def insert_person(conn: Connection, person_id: str, name: str, at: datetime) -> None:
    conn.execute(sa.insert(_PE).values(id=person_id, name=name, created_at=at))


def disable_person(conn: Connection, person_id: str, at: datetime) -> bool:
    """Mark the person disabled at `at`; False when there is no enabled person with that id."""
    res = conn.execute(sa.update(_PE).where(_PE.c.id == person_id, _PE.c.disabled_at.is_(None)).values(disabled_at=at))
    return bool(res.rowcount)


def insert_token(
    conn: Connection, principal: Principal, secret_hash: str, label: str, at: datetime, expires_at: datetime
) -> None:
    """Store a token: its principal (id, role, scope, person), the SHA-256 of its secret (never the secret), when
    it was made and when it expires. The person must exist."""
    assert principal.person_id is not None
    conn.execute(
        sa.insert(_TK).values(
            id=principal.token_id,
            secret_hash=secret_hash,
            role=principal.role.value,
            enterprise_id=principal.enterprise_id,
            account_id=principal.account_id,
            label=label,
            created_at=at,
            person_id=principal.person_id,
            expires_at=expires_at,
        )
    )


_Q_TOKEN = (  # built once: every authenticated request reads it (issue 16)
    sa.select(*_TOKEN_COLUMNS).join(_PE, _PE.c.id == _TK.c.person_id).where(_TK.c.secret_hash == sa.bindparam("h"))
)


def token_by_secret(conn: Connection, secret_hash: str) -> TokenRow | None:
    """The token whose secret hashes to `secret_hash` (revoked and expired ones too), with its person; or None.
    One read by a unique key: what every authentication costs."""
    row = conn.execute(_Q_TOKEN, {"h": secret_hash}).first()
    return None if row is None else _token_from(row)


def token_page(conn: Connection, limit: int, after: str | None = None) -> list[TokenRow]:
    """Up to `limit` tokens ordered by id, those after id `after` when given."""
    q = sa.select(*_TOKEN_COLUMNS).join(_PE, _PE.c.id == _TK.c.person_id)
    if after is not None:
        q = q.where(_TK.c.id > after)
    return [_token_from(r) for r in conn.execute(q.order_by(_TK.c.id).limit(limit))]


def record_use(conn: Connection, token_id: str, at: datetime, stale_at: datetime) -> bool:
    """Set the token's `last_used_at` to `at` unless it is already after `stale_at` (so processes racing on one
    token write once); True when written."""
    res = conn.execute(
        sa.update(_TK)
        .where(_TK.c.id == token_id, sa.or_(_TK.c.last_used_at.is_(None), _TK.c.last_used_at <= stale_at))
        .values(last_used_at=at)
    )
    return bool(res.rowcount)


def revoke_token(conn: Connection, token_id: str, at: datetime) -> bool:
    """Mark the token revoked at `at`; False when there is no unrevoked token with that id."""
    res = conn.execute(sa.update(_TK).where(_TK.c.id == token_id, _TK.c.revoked_at.is_(None)).values(revoked_at=at))
    return bool(res.rowcount)


# --- proposals to end a permanent or an enterprise ban (flags of rule `ban_ending`) -------------------------------

BAN_ENDING = "ban_ending"
"""The rule id of a proposal's flag: open while it waits for a second person, `actioned` when carried out,
`dismissed` when declined. It shows in the review queue like any open flag."""


@dataclass(frozen=True)
class ProposalRow:
    id: str
    subject_type: str
    subject_id: str
    at: datetime
    status: str  # open | actioned | dismissed
    case: dict[str, Any]


def _proposal_from(row: Any) -> ProposalRow:
    return ProposalRow(row.id, row.subject_type, row.subject_id, row.at, row.status, json.loads(row.evidence))


def ban_ending(conn: Connection, proposal_id: str) -> ProposalRow | None:
    """The proposal with this id, or None."""
    f = t.flags
    row = conn.execute(sa.select(f).where(f.c.id == proposal_id, f.c.rule_id == BAN_ENDING)).first()
    return None if row is None else _proposal_from(row)


def open_ban_endings(conn: Connection, subject_type: str, subject_id: str) -> list[ProposalRow]:
    """The subject's open proposals, oldest first."""
    f = t.flags
    q = sa.select(f).where(
        f.c.rule_id == BAN_ENDING, f.c.subject_type == subject_type, f.c.subject_id == subject_id, f.c.status == "open"
    )
    return [_proposal_from(r) for r in conn.execute(q.order_by(f.c.at, f.c.id))]


def insert_ban_ending(
    conn: Connection, proposal_id: str, subject_type: str, subject_id: str, at: datetime, case: dict[str, Any]
) -> None:
    conn.execute(
        sa.insert(t.flags).values(
            id=proposal_id,
            subject_type=subject_type,
            subject_id=subject_id,
            rule_id=BAN_ENDING,
            at=at,
            evidence=core.dumps(case),
            status="open",
        )
    )


def close_ban_ending(conn: Connection, proposal_id: str, status: str, case: dict[str, Any]) -> None:
    """`status`: actioned (carried out) or dismissed (declined); `case` the evidence as it now stands."""
    f = t.flags
    conn.execute(sa.update(f).where(f.c.id == proposal_id).values(status=status, evidence=core.dumps(case)))
