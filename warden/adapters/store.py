"""The repository: domain objects to rows and back. Every method takes the caller's connection, so one
use case is one transaction (the service layer owns it)."""

from __future__ import annotations

import json
import operator
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.engine import Connection

from warden.adapters import tables as t
from warden.adapters.database import (
    LOCK_TIMES,
    driver_of,
    driver_pipeline,
    driver_run,
    lock_partitions,
    lock_platform,
    partition_locks,
    send_writes,
    write_later,
)
from warden.kernel.access import actors_in, person_of, with_actor_labels
from warden.kernel.audit import (
    EVENT_DIGEST_COLUMNS,
    EVENT_DIGEST_COLUMNS_V1,
    GENESIS,
    AuditEntry,
    canonical,
    columns_digest,
    decisions_digest,
    entry_hash,
)
from warden.kernel.decision import Subject
from warden.kernel.model import Account, Enterprise, Restriction, Scope, Strike, StrikeStatus
from warden.kernel.partition import PLATFORM_CHAIN
from warden.pipeline.ports import Reads as Reads  # the reads ingest sends ahead (a pipeline port), sent here


def dumps(data: Any) -> str:
    return canonical(data)


def _chunks(items: Sequence[Any], n: int = 500) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


chunks = _chunks


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
# The hot path's statements are built once: SQLAlchemy then skips coercion and cache-key work per call.

_IDS: sa.BindParameter[list[str]] = sa.bindparam("ids", expanding=True)
_Q_COUNTED = sa.select(t.events.c.id, t.events.c.account_id, t.events.c.counted).where(
    t.events.c.account_id.in_(_IDS), t.events.c.occurred_at > sa.bindparam("after", type_=t.UTCDateTime)
)
_Q_ACCOUNTS = sa.select(t.accounts).where(t.accounts.c.id.in_(_IDS))
_Q_ENTERPRISES = sa.select(t.enterprises).where(t.enterprises.c.id.in_(_IDS))
_R, _S, _X = t.restrictions, t.strikes, t.exemptions
_Q_RESTRICTIONS = sa.select(_R).where(_R.c.subject_type == sa.bindparam("kind"), _R.c.subject_id.in_(_IDS))
_Q_LIVE_RESTRICTIONS = _Q_RESTRICTIONS.where(
    _R.c.lifted_at.is_(None), sa.or_(_R.c.ends_at.is_(None), _R.c.ends_at > sa.bindparam("after", type_=t.UTCDateTime))
)
_Q_STRIKES = (
    sa.select(_S).where(_S.c.subject_type == sa.bindparam("kind"), _S.c.subject_id.in_(_IDS)).order_by(_S.c.at, _S.c.id)
)
_Q_EXEMPTIONS = sa.select(_X).where(_X.c.account_id.in_(_IDS), _X.c.until > sa.bindparam("now", type_=t.UTCDateTime))
# the log as it was before migration 0020 (one chain, no `chain` column): what a migration's seal writes to
_LEGACY_LOG = sa.table("audit_log", *(sa.column(c.name, c.type) for c in t.audit_log.columns if c.name != "chain"))
_Q_LEGACY_TAIL = sa.select(_LEGACY_LOG.c.seq, _LEGACY_LOG.c.hash).order_by(_LEGACY_LOG.c.seq.desc()).limit(1)


def _in(n: int) -> str:
    """`IN (?, ?, …)` for `n` parameters (`database.driver_run`'s marks)."""
    return "IN (" + ", ".join(["?"] * n) + ")"


def _among(conn: Connection, select: str, ids: Sequence[str]) -> list[tuple[str, Sequence[Any]]]:
    """`select` (ending in `WHERE <column>`) for the distinct `ids`, as `driver_run` statements: on PostgreSQL one,
    `= ANY(?)` with the ids as one array (a short text psycopg parses once and caches; an `IN` of 500 marks is
    parsed again on every call, issue 16), on SQLite one `IN (?, …)` per 500."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    if conn.dialect.name == "postgresql":
        return [(f"{select} = ANY(?)", [ids])]
    return [(f"{select} {_in(len(chunk))}", chunk) for chunk in _chunks(ids)]


def among(
    conn: Connection,
    select: str,
    ids: Sequence[str],
    before: Sequence[Any] = (),
    then: str = "",
    later: Sequence[Any] = (),
) -> list[tuple[str, Sequence[Any]]]:
    """`_among`'s statements with more conditions: `before` the parameters of `select`'s own marks (before the
    ids), `then` the text after the id condition and `later` its parameters. Empty for no ids."""
    return [(sql + then, [*before, *chunk, *later]) for sql, chunk in _among(conn, select, ids)]


def time_param(conn: Connection, value: datetime) -> Any:
    """A time as a driver statement's parameter, as `tables.UTCDateTime` binds it: SQLite's text
    (`sqlite_utc_text`), PostgreSQL's aware time."""
    return sqlite_utc_text(value) if conn.dialect.name == "sqlite" else value


def send_reads(conn: Connection, reads: Sequence[Reads]) -> None:
    """Send every statement of `reads` in ONE `driver_pipeline` (one round trip on PostgreSQL; one by one on
    SQLite) and give each its rows."""
    statements = [s for r in reads for s in r.statements]
    results = driver_pipeline(conn, statements) if statements else []
    at = 0
    for r in reads:
        r.rows = results[at : at + len(r.statements)]
        at += len(r.statements)


def existing_outcomes(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Stored events among `ids`: id → (outcome JSON, payload JSON). Read through the driver (ingest's hot path)."""
    return _outcomes_from(driver_pipeline(conn, _outcomes_queries(conn, ids)))


def _outcomes_queries(conn: Connection, ids: Sequence[str]) -> list[tuple[str, Sequence[Any]]]:
    return _among(conn, "SELECT id, outcome, payload FROM events WHERE id", ids)


def _outcomes_from(results: Iterable[Iterable[Any]]) -> dict[str, tuple[str, str]]:
    return {eid: (outcome, payload) for rows in results for eid, outcome, payload in rows}


def lock_and_read(
    conn: Connection,
    partitions: Iterable[int],
    chains: Sequence[int],
    event_ids: Sequence[str],
    ahead: Sequence[Reads] = (),
) -> tuple[dict[int, ChainHead], dict[str, tuple[str, str]]]:
    """Ingest's first writes' preparation: take the locks of `partitions` (`database.lock_partitions`), then read
    the heads of `chains` (`audit_heads`) and the stored events among `event_ids` (`existing_outcomes`), all in
    one round trip on PostgreSQL (issue 16; the server runs them in order, so both reads see what the writers the
    locks waited for committed), and after them `ahead` (each gets its rows: ingest's reads of the accounts it
    meets first, under the same locks). The round trip counts as lock waiting in `LOCK_TIMES`."""
    chains = list(dict.fromkeys(chains))
    statements: list[tuple[str, Sequence[Any]]] = []
    pg = conn.dialect.name == "postgresql"
    if pg:
        statements.append((partition_locks(partitions), ()))
    if chains:
        statements.append(_heads_query(chains))
    outcomes = _outcomes_queries(conn, event_ids)
    later = [x for r in ahead for x in r.statements]
    started = time.perf_counter()
    results = driver_pipeline(conn, statements + outcomes + later)
    if pg:
        LOCK_TIMES.add(time.perf_counter() - started, False)
    at = len(statements) + len(outcomes)
    for r in ahead:
        r.rows = results[at : at + len(r.statements)]
        at += len(r.statements)
    heads = _heads_from(conn, chains, results[int(pg)] if chains else [])
    return heads, _outcomes_from(results[len(statements) : len(statements) + len(outcomes)])


def counter_entries(
    conn: Connection, account_ids: Sequence[str], after: datetime, until: datetime | None = None
) -> dict[str, list[tuple[str, float, str, str]]]:
    """The counter entries the stored events of these accounts made, for events after `after` (and at or
    before `until`): account → [(key, time in epoch seconds, event id, value)]. Through SQLAlchemy (the
    reference `counter_entries_reads` is held equal to)."""
    q = _Q_COUNTED if until is None else _Q_COUNTED.where(t.events.c.occurred_at <= until)
    rows = conn.execute(q, {"ids": list(account_ids), "after": after})
    return counter_entries_from((r.id, r.account_id, r.counted) for r in rows)


def counter_entries_reads(
    conn: Connection, account_ids: Sequence[str], after: datetime, until: datetime | None = None
) -> Reads:
    """`counter_entries`' read as driver statements (`send_reads`, then `counter_entries_from(reads.all_rows())`):
    the same conditions, times bound as `tables.UTCDateTime` binds them."""
    then, later = " AND occurred_at > ?", [time_param(conn, after)]
    if until is not None:
        then += " AND occurred_at <= ?"
        later.append(time_param(conn, until))
    select = "SELECT id, account_id, counted FROM events WHERE account_id"
    return Reads(among(conn, select, account_ids, (), then, later), frozenset(account_ids))


def counter_entries_from(rows: Iterable[Sequence[Any]]) -> dict[str, list[tuple[str, float, str, str]]]:
    """`counter_entries`' answer from rows of (event id, account id, `counted` text)."""
    out: dict[str, list[tuple[str, float, str, str]]] = {}
    for eid, aid, counted in rows:
        if counted != "[]":
            acc = out.setdefault(aid, [])
            for key, at, value in json.loads(counted):
                acc.append((key, float(at), eid, value))
    return out


def enterprises_of(conn: Connection, account_ids: Sequence[str]) -> dict[str, str]:
    """account id → its enterprise id, for the known ones among `account_ids` (the partition key, issue 17). Read
    through the driver (ingest's hot path)."""
    return enterprises_from(driver_pipeline(conn, enterprises_queries(conn, account_ids)))


def enterprises_queries(conn: Connection, account_ids: Sequence[str]) -> list[tuple[str, Sequence[Any]]]:
    """`enterprises_of`'s reads as `database.driver_pipeline` statements (for a caller sending more with them)."""
    return _among(conn, "SELECT id, enterprise_id FROM accounts WHERE id", account_ids)


def enterprises_from(results: Iterable[Iterable[Any]]) -> dict[str, str]:
    """`enterprises_of`'s answer from the rows of `enterprises_queries`."""
    return {aid: eid for rows in results for aid, eid in rows}


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
    q = _Q_RESTRICTIONS if live_after is None else _Q_LIVE_RESTRICTIONS
    for chunk in _chunks(list(ids)):
        params = {"kind": subject_type, "ids": list(chunk), "after": live_after}
        out.extend(restriction_from(row) for row in conn.execute(q, params))
    return out


def strikes_of(conn: Connection, subject_type: str, ids: Sequence[str]) -> list[Strike]:
    out: list[Strike] = []
    for chunk in _chunks(list(ids)):
        out.extend(strike_from(row) for row in conn.execute(_Q_STRIKES, {"kind": subject_type, "ids": list(chunk)}))
    return out


def exemptions_of(conn: Connection, ids: Sequence[str], now: datetime) -> dict[str, dict[str, datetime]]:
    out: dict[str, dict[str, datetime]] = {}
    for chunk in _chunks(list(ids)):
        for row in conn.execute(_Q_EXEMPTIONS, {"ids": list(chunk), "now": now}):
            out.setdefault(row.account_id, {})[row.rule_id] = row.until
    return out


EnterpriseView = tuple[Enterprise, list[Restriction], list[Strike]]
"""An enterprise with its live restrictions and its strikes: one instance per enterprise, shared by members."""


def load_subjects(
    conn: Connection,
    account_ids: Sequence[str],
    live_after: datetime,
    enterprise_ids: Sequence[str] = (),
    known: dict[str, EnterpriseView] | None = None,
    pipelined: bool = True,
    ahead: Sequence[Reads] = (),
    sent: Sequence[Reads] | None = None,
) -> tuple[dict[str, Subject], dict[str, Enterprise]]:
    """Everything the rules need about these accounts, in a handful of queries whatever the batch size.

    Accounts of one enterprise share one `Enterprise` object and its lists, so a change seen by one member
    is seen by all. `known` enterprises (from a cache) are reused instead of being read again. The accounts' own
    four reads go through the driver, in one round trip on PostgreSQL (`account_state_reads`; `pipelined=False`:
    through SQLAlchemy, one by one), and with them `ahead`: other reads of the same accounts (ingest's counter
    entries and its features' `read_ahead`), sent in that same round trip (`send_reads`; also when no account is
    read here). `sent`: the accounts' four reads (`account_state_reads`) sent already, covering every id of
    `account_ids` (ingest sends them with its locks): their rows are taken instead.
    """
    known = known or {}
    ids = list(dict.fromkeys(account_ids))
    accounts: dict[str, Account] = {}
    ahead_state: tuple[list[Restriction], list[Strike], dict[str, dict[str, datetime]]] | None = None
    if ids and pipelined:
        if sent is not None and not (sent and sent[0].covers.issuperset(ids)):
            raise ValueError("the account reads sent ahead do not cover every account asked for")
        mine = list(sent) if sent is not None else account_state_reads(conn, ids, live_after)
        if sent is None or ahead:
            send_reads(conn, [*([] if sent is not None else mine), *ahead])
        accounts, restrictions, strikes, exemptions = _account_state_from(conn, mine)
        if len(accounts) > len(ids):  # the reads sent ahead covered more: only the accounts asked for
            wanted_ids = set(ids)
            accounts = {a: x for a, x in accounts.items() if a in wanted_ids}
            restrictions = [r for r in restrictions if r.subject_id in wanted_ids]
            strikes = [x for x in strikes if x.subject_id in wanted_ids]
            exemptions = {a: x for a, x in exemptions.items() if a in wanted_ids}
        ahead_state = (restrictions, strikes, exemptions)
    elif ahead:
        send_reads(conn, ahead)
    for chunk in _chunks(ids) if ahead_state is None else ():
        for row in conn.execute(_Q_ACCOUNTS, {"ids": list(chunk)}):
            accounts[row.id] = account_from(row)
    wanted = {a.enterprise_id for a in accounts.values()} | set(enterprise_ids)
    views: dict[str, EnterpriseView] = {eid: known[eid] for eid in wanted if eid in known}
    missing = [eid for eid in wanted if eid not in views]
    for chunk in _chunks(missing):
        for row in conn.execute(_Q_ENTERPRISES, {"ids": list(chunk)}):
            views[row.id] = (enterprise_from(row), [], [])
    if missing:
        for r in restrictions_of(conn, "enterprise", missing, live_after):
            views[r.subject_id][1].append(r)
        for s in strikes_of(conn, "enterprise", missing):
            views[s.subject_id][2].append(s)
    subjects: dict[str, Subject] = {}
    for aid, a in accounts.items():
        ent, ent_restr, ent_strikes = views[a.enterprise_id]
        subjects[aid] = Subject(
            account=a, enterprise=ent, enterprise_restrictions=ent_restr, enterprise_strikes=ent_strikes
        )
    if accounts:
        if ahead_state is None:
            ahead_state = (
                restrictions_of(conn, "account", list(accounts), live_after),
                strikes_of(conn, "account", list(accounts)),
                exemptions_of(conn, list(accounts), live_after),
            )
        for r in ahead_state[0]:
            subjects[r.subject_id].restrictions.append(r)
        for s in ahead_state[1]:
            subjects[s.subject_id].strikes.append(s)
        for aid, ex in ahead_state[2].items():
            subjects[aid].exemptions = ex
    return subjects, {eid: v[0] for eid, v in views.items()}


_DRIVER_COLUMNS: dict[tuple[str, str, tuple[str, ...] | None], tuple[str, list[str], list[Any]]] = {}
_LIVE = " AND lifted_at IS NULL AND (ends_at IS NULL OR ends_at > ?)"


def driver_columns(
    dialect: Any, table: sa.Table, names: Sequence[str] | None = None
) -> tuple[str, list[str], list[Any]]:
    """The select list of `table`'s columns `names` (default: every column, in the table's order), their names, and
    each one's result processor for `dialect` (what SQLAlchemy applies to the driver's value: `tables.UTCDateTime`'s
    aware UTC times, SQLite's booleans and time texts; None: taken as it is), made once. With `DriverRow`, rows read
    through the driver are the values SQLAlchemy's reads give."""
    key = (dialect.name, table.name, None if names is None else tuple(names))
    found = _DRIVER_COLUMNS.get(key)
    if found is None:
        cols = list(table.columns) if names is None else [table.c[n] for n in names]
        found = _DRIVER_COLUMNS[key] = (
            ", ".join(c.name for c in cols),
            [c.name for c in cols],
            [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in cols],
        )
    return found


def _state_columns(dialect: Any) -> list[tuple[str, list[str], list[Any]]]:
    """`driver_columns` of `account_state_reads`' four tables, in order."""
    return [driver_columns(dialect, table) for table in (t.accounts, t.restrictions, t.strikes, t.exemptions)]


class DriverRow:
    """A driver row read by column name, as `account_from` and the other `*_from` read SQLAlchemy's rows
    (`names` and `procs` from `driver_columns`)."""

    def __init__(self, names: list[str], procs: list[Any], values: Sequence[Any]) -> None:
        for name, proc, v in zip(names, procs, values, strict=True):
            setattr(self, name, v if proc is None else proc(v))

    def __getattr__(self, name: str) -> Any:  # for the type checker: every column is set in `__init__`
        raise AttributeError(name)


def account_state_reads(conn: Connection, ids: list[str], live_after: datetime) -> list[Reads]:
    """`load_subjects`' four reads of accounts (their rows, live restrictions, strikes, exemptions) as driver
    statements: in ONE round trip on PostgreSQL (issue 16: an account seen for the first time since the start cost 4
    of a single event's round trips), without SQLAlchemy's per-statement work on SQLite. `load_subjects` sends and
    reads them (or takes them sent ahead: `sent`). They give what
    `_Q_ACCOUNTS`, `restrictions_of`, `strikes_of` and `exemptions_of` give (the same conditions, strikes in the same
    order per chunk of ids; `IN` is `= ANY` to PostgreSQL); `_account_state_from` reads their rows."""
    dialect = conn.dialect
    (acols, _, _), (rcols, _, _), (scols, _, _), (xcols, _, _) = _state_columns(dialect)
    after = time_param(conn, live_after)
    kinds = (  # (select ending in the id column, parameters before the ids, what follows, its parameters)
        (f"SELECT {acols} FROM accounts WHERE id", (), "", ()),
        (f"SELECT {rcols} FROM restrictions WHERE subject_type = ? AND subject_id", ("account",), _LIVE, (after,)),
        (f"SELECT {scols} FROM strikes WHERE subject_type = ? AND subject_id", ("account",), " ORDER BY at, id", ()),
        (f"SELECT {xcols} FROM exemptions WHERE account_id", (), " AND until > ?", (after,)),
    )
    covers = frozenset(ids)
    return [Reads(among(conn, select, ids, before, then, later), covers) for select, before, then, later in kinds]


def _account_state_from(
    conn: Connection, reads: list[Reads]
) -> tuple[dict[str, Account], list[Restriction], list[Strike], dict[str, dict[str, datetime]]]:
    """The accounts, live restrictions, strikes and exemptions from the rows of `account_state_reads`, each
    column through SQLAlchemy's own result processor (`tables.UTCDateTime`: aware UTC times; SQLite's booleans and
    time texts), so they are the values SQLAlchemy's reads give. Rows of accounts that do not exist are left out."""
    (_, an, ap), (_, rn, rp), (_, sn, sp), (_, xn, xp) = _state_columns(conn.dialect)
    rows = [r.all_rows() for r in reads]
    accounts = {a.id: a for a in (account_from(DriverRow(an, ap, v)) for v in rows[0])}
    restrictions = [r for r in (restriction_from(DriverRow(rn, rp, v)) for v in rows[1]) if r.subject_id in accounts]
    strikes = [x for x in (strike_from(DriverRow(sn, sp, v)) for v in rows[2]) if x.subject_id in accounts]
    exemptions: dict[str, dict[str, datetime]] = {}
    for v in rows[3]:
        row = DriverRow(xn, xp, v)
        if row.account_id in accounts:
            exemptions.setdefault(row.account_id, {})[row.rule_id] = row.until
    return accounts, restrictions, strikes, exemptions


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


_DRIVER_INSERTS: dict[tuple[str, str, str, tuple[str, ...]], tuple[str, list[tuple[str, Any]]]] = {}


def _driver_insert(
    dialect: Any, table: sa.Table, names: tuple[str, ...] | None = None
) -> tuple[str, list[tuple[str, Any]]]:
    """`table`'s INSERT of the columns `names` (default: every column) in the driver's own parameter style, and each
    column's bind processor for `dialect` (what SQLAlchemy applies to the value before the driver sees it; None:
    sent as it is), made once."""
    names = names or tuple(c.name for c in table.columns)
    key = (dialect.name, dialect.paramstyle, table.name, names)
    hit = _DRIVER_INSERTS.get(key)
    if hit is None:
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
        procs = [(name, _bind_processor(table.c[name], dialect)) for name in names]
        hit = _DRIVER_INSERTS[key] = (sql, procs)
    return hit


def _bind_processor(column: sa.Column[Any], dialect: Any) -> Any:
    """What SQLAlchemy applies to `column`'s values for `dialect` before the driver sees them (None: nothing), with
    `sqlite_utc_text` doing the same for a time on SQLite."""
    if dialect.name == "sqlite" and isinstance(column.type, t.UTCDateTime):
        return sqlite_utc_text
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def sqlite_utc_text(value: datetime | None) -> str | None:
    """What `tables.UTCDateTime` then SQLite's `DATETIME` make of a time for the driver (UTC, written
    `YYYY-MM-DD HH:MM:SS.ffffff`), in one C call instead of a `%` format over a dict of its fields (~3 µs less per
    value; a batch converts each event's time). Raises ValueError for a naive time, as `UTCDateTime` does."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database; every time must carry a zone")
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]  # without its "+00:00" (years have 4 digits)


def insert_rows(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Rows of `table`, each with the columns of the first (none of the covered tables of `audit_state`: the capture
    would not see them), sent through the driver, each value converted by its column type's bind processor exactly
    as `sa.insert(table)` would send it (issue 16: the audit log's and the checkpoints' one row per transaction)."""
    if not rows:
        return
    sql, procs = _driver_insert(conn.dialect, table, tuple(rows[0]))
    write_later(conn, sql, [tuple(r[name] if proc is None else proc(r[name]) for name, proc in procs) for r in rows])


COPY_FROM = 16
"""From this many event rows on, PostgreSQL takes them by `COPY` (issue 16: a 1,000-event batch's `executemany`
cost ~15 ms of psycopg's per-row Python and as much again in the backend; `COPY` is the insert floor). Fewer go as
`INSERT`s with the transaction's other writes (`database.write_later`): `COPY` takes two round trips of its own."""


def insert_events(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """The events `rows` (each holds every column of `events`): `insert_event_values` of their values."""
    if rows:
        names = [c.name for c in t.events.columns]
        insert_event_values(conn, [tuple(r[n] for n in names) for r in rows])


def insert_event_values(conn: Connection, values: list[tuple[Any, ...]]) -> None:
    """The batch's decided events, each a tuple of every column of `events` in the table's order, through the
    driver (issue 16): `COPY` on PostgreSQL from `COPY_FROM` rows on, else `INSERT`s (`database.write_later`), each
    value converted by its column type's own bind processor for this database, exactly as `sa.insert(events)` would
    send it, without SQLAlchemy Core's per-row parameter processing, which cost more than the insert itself. A
    batch's times recur (one `received_at`, events of one instant), so each distinct time is converted once (equal
    instants convert alike: `tables.UTCDateTime` sends UTC)."""
    if not values:
        return
    sql, procs = _driver_insert(conn.dialect, t.events)
    if any(proc is not None for _, proc in procs):
        columns: list[Sequence[Any]] = list(zip(*values, strict=True))
        for i, (_, proc) in enumerate(procs):
            if proc is not None:  # each distinct value converted once, the column mapped in C (issue 16, sixth round)
                distinct = list(dict.fromkeys(columns[i]))
                memo = dict(zip(distinct, _converted(proc, distinct), strict=True))
                columns[i] = list(map(memo.__getitem__, columns[i]))
        values = list(zip(*columns, strict=True))
    if conn.dialect.name != "postgresql" or len(values) < COPY_FROM:
        write_later(conn, sql, values)
        return
    send_writes(conn)
    names = ", ".join(name for name, _ in procs)
    with driver_of(conn).cursor() as cur, cur.copy(f"COPY events ({names}) FROM STDIN") as copy:
        for v in values:
            copy.write_row(v)


def _converted(proc: Any, values: list[Any]) -> Iterable[Any]:
    """`proc` of each of `values`: `sqlite_utc_text` of aware times in C-level passes (the same text), else one
    call each."""
    if proc is sqlite_utc_text and set(map(type, values)) == {datetime} and None not in set(map(_TZINFO, values)):
        return map(_FIRST_26, map(_SQLITE_TEXT, map(_IN_UTC, values)))
    return map(proc, values)


_TZINFO = operator.attrgetter("tzinfo")
_SQLITE_TEXT = operator.methodcaller("isoformat", " ", "microseconds")
_FIRST_26 = operator.itemgetter(slice(None, 26))


def save_changes(conn: Connection, changes: Any) -> None:
    """Write what a batch of decisions changed (strikes, restrictions, flags, accounts, contacts)."""
    if changes.strikes:
        conn.execute(sa.insert(t.strikes), [strike_row(s) for s in changes.strikes])
    if changes.restrictions:
        conn.execute(sa.insert(t.restrictions), [restriction_row(r) for r in changes.restrictions])
    for u in changes.updated_strikes:
        conn.execute(sa.update(t.strikes).where(t.strikes.c.id == u.id).values(**strike_row(u)))
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
    if changes.accounts:
        conn.execute(
            sa.update(t.accounts)
            .where(t.accounts.c.id == sa.bindparam("b_id"))
            .values(
                real_name_verified=sa.bindparam("b_verified"),
                avatar=sa.bindparam("b_avatar"),
                nickname=sa.bindparam("b_nickname"),
                external_card=sa.bindparam("b_card"),
            ),
            [
                {
                    "b_id": a.id,
                    "b_verified": a.real_name_verified,
                    "b_avatar": a.avatar,
                    "b_nickname": a.nickname,
                    "b_card": a.external_card,
                }
                for a in changes.accounts.values()
            ],
        )
    if changes.enterprises:
        conn.execute(
            sa.update(t.enterprises)
            .where(t.enterprises.c.id == sa.bindparam("b_id"))
            .values(verified=sa.bindparam("b_verified"), external_contacts=sa.bindparam("b_contacts")),
            [
                {"b_id": e.id, "b_verified": e.verified, "b_contacts": e.external_contacts}
                for e in changes.enterprises.values()
            ],
        )
    if changes.contacts:
        rows, done = [], set()
        for a, c, since in changes.contacts:
            if (a, c) not in done:
                done.add((a, c))
                rows.append({"account_id": a, "contact_id": c, "since": since})
        conn.execute(insert_ignore(conn, t.contacts), rows)


def insert_ignore(conn: Connection, table: sa.Table) -> Any:
    """INSERT … ON CONFLICT DO NOTHING on either engine."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def later_events(conn: Connection, firsts: dict[str, tuple[datetime, str]]) -> dict[str, list[str]]:
    """The stored events of each account in `firsts` (account → (time, id) of its oldest event in a batch) that come
    after it in event order (time, ties by id): account → their payloads, oldest first; accounts with none left out.
    One indexed read (`ix_events_account_time`) from the oldest of `firsts`; in time order it finds nothing."""
    if not firsts:
        return {}
    since = min(at for at, _ in firsts.values())
    e = t.events
    out: dict[str, list[tuple[datetime, str, str]]] = {}
    for chunk in _chunks(sorted(firsts)):
        q = sa.select(e.c.id, e.c.account_id, e.c.occurred_at, e.c.payload).where(
            e.c.account_id.in_(list(chunk)), e.c.occurred_at >= since
        )
        for eid, aid, at, payload in conn.execute(q):
            if (at, eid) > firsts[aid]:
                out.setdefault(aid, []).append((at, eid, payload))
    return {aid: [p for _, _, p in sorted(rows)] for aid, rows in out.items()}


def appealed_strikes(conn: Connection, ids: Sequence[str]) -> set[str]:
    """Those of the strike `ids` that any appeal names (whatever its status)."""
    if not ids:
        return set()
    q = sa.select(t.appeals.c.strike_id).where(t.appeals.c.strike_id.in_(sorted(set(ids))))
    return set(conn.execute(q).scalars())


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


def fix_partitions(conn: Connection, partitions: int) -> None:
    """Record the installation's partition count on first start; after that, refuse another (ValueError naming
    WARDEN_PARTITIONS): two processes hashing one enterprise to different partitions would decide it side by side."""
    inst = t.installation
    row = conn.execute(sa.select(inst.c.value).where(inst.c.name == "partitions")).first()
    if row is None:
        conn.execute(insert_ignore(conn, inst).values(name="partitions", value=str(partitions)))
        row = conn.execute(sa.select(inst.c.value).where(inst.c.name == "partitions")).first()
    if row is not None and int(row.value) != partitions:
        raise ValueError(
            f"WARDEN_PARTITIONS is {partitions}, but this database was set up with {row.value} partitions; every "
            "process of an installation must use the same number (it decides which worker and which audit chain "
            "an enterprise's events go to)"
        )


def stored_partitions(conn: Connection) -> int | None:
    """The installation's partition count as recorded on first start (None before)."""
    inst = t.installation
    value = conn.execute(sa.select(inst.c.value).where(inst.c.name == "partitions")).scalar()
    return int(value) if value is not None else None


def audit_tail(conn: Connection, chain: int = PLATFORM_CHAIN) -> tuple[int, str]:
    """(seq, hash) of chain `chain`'s newest entry; (0, GENESIS) for a chain with none."""
    sql = "SELECT seq, hash FROM audit_log WHERE chain = ? ORDER BY seq DESC LIMIT 1"
    row = driver_run(conn, sql, (chain,)).fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


@dataclass(frozen=True)
class ChainHead:
    """A chain's newest entry (`seq` 0 and `hash` GENESIS for a chain with none) and the hash of its first entry
    (None for a chain with none): what ingest stamps its cache with, appends after, and names the anchor file by."""

    seq: int
    hash: str
    first: str | None


def audit_heads(conn: Connection, chains: Sequence[int]) -> dict[int, ChainHead]:
    """chain → its `ChainHead`, for `chains`, in one statement through the driver. Each chain's newest entry is
    read from the end of its primary key (`ORDER BY seq DESC LIMIT 1`), so the cost does not grow with the chain:
    `max(seq) … GROUP BY chain` read every entry of the chain (an index scan of the whole chain on SQLite and
    PostgreSQL, ~90 ms at 50,000 entries). The first entries' hashes ride along, so the commit that signs the heads
    need not read them again (`audit_state.install`). Hands those to this transaction's signing (`note_firsts`)."""
    chains = list(dict.fromkeys(chains))
    if not chains:
        return {}
    return _heads_from(conn, chains, driver_run(conn, *_heads_query(chains)))


def _heads_query(chains: list[int]) -> tuple[str, list[int]]:
    newest = " UNION ALL ".join(
        f"SELECT * FROM (SELECT 0 AS k, chain, seq, hash FROM audit_log WHERE chain = ? ORDER BY seq DESC LIMIT 1) t{i}"
        for i in range(len(chains))
    )
    firsts_sql = f"SELECT 1 AS k, chain, seq, hash FROM audit_log WHERE seq = 1 AND chain {_in(len(chains))}"
    return f"{newest} UNION ALL {firsts_sql}", [*chains, *chains]


def _heads_from(conn: Connection, chains: list[int], rows: Iterable[Any]) -> dict[int, ChainHead]:
    tops: dict[int, tuple[int, str]] = {}
    firsts: dict[int, str] = {}
    for k, chain, seq, h in rows:
        if k == 0:
            tops[chain] = (seq, h)
        else:
            firsts[chain] = h
    note_firsts(conn, firsts)
    return {c: ChainHead(*tops[c], firsts.get(c)) if c in tops else ChainHead(0, GENESIS, None) for c in chains}


_HEADS = "warden.audit.heads"  # conn.info: chain → (seq, hash, at) of the newest entry this transaction appended
FIRSTS = "warden.audit.firsts"  # conn.info: chain → the hash of its entry 1, as this transaction read or wrote it


def note_firsts(conn: Connection, firsts: dict[int, str]) -> None:
    """Tell this transaction's signing (`audit_state.install`) the hash of entry 1 of these chains (it names each
    chain's anchor file), so it need not read them again. Dropped at commit and rollback."""
    if firsts:
        conn.info.setdefault(FIRSTS, {}).update(firsts)


class AuditWriter:
    """Appends to one hash chain inside the caller's transaction (`chain`: 0 the platform's, p + 1 partition p's;
    `kernel.partition`). Takes the chain's lock on first use: the platform lock exclusively for chain 0, the
    partition's lock (and the platform lock shared) for a partition chain; `locked=True` when the caller holds it
    already (`Ingest` locks every partition of a batch at once). `legacy=True`: the single-chain schema from before
    migration 0020 (a migration's seal), chain 0 only."""

    def __init__(
        self,
        conn: Connection,
        chain: int = PLATFORM_CHAIN,
        *,
        locked: bool = False,
        legacy: bool = False,
        head: ChainHead | None = None,
    ):
        self.conn = conn
        self.chain = chain
        self.locked = locked
        self.legacy = legacy
        # `head`: the chain's newest entry as the caller read it under the chain's lock (`audit_heads`)
        self._tail: tuple[int, str] | None = None if head is None else (head.seq, head.hash)

    @property
    def tail_seq(self) -> int:
        """The newest entry's seq (taking the writers' lock first, so it cannot move under us)."""
        return self.next_seq() - 1

    def next_seq(self) -> int:
        if self._tail is None:
            if not self.locked:
                if self.chain == PLATFORM_CHAIN:
                    lock_platform(self.conn)
                else:
                    lock_partitions(self.conn, [self.chain - 1])
                self.locked = True
            if self.legacy:
                row = self.conn.execute(_Q_LEGACY_TAIL).first()
                self._tail = (row.seq, row.hash) if row else (0, GENESIS)
            else:
                self._tail = audit_tail(self.conn, self.chain)
        return self._tail[0] + 1

    def started(self, at: datetime) -> int:
        """Start the chain when it has no entry yet (its `chain.started`), so `next_seq` is the seq the next
        `append` takes; returns it."""
        if self.next_seq() == 1:
            self.append(at, "system", "chain.started", "chain", self._identity())
        return self.next_seq()

    def _identity(self) -> dict[str, Any]:
        start: dict[str, Any] = {"chain": secrets.token_hex(16)}
        if self.chain != PLATFORM_CHAIN:
            start["number"] = self.chain
        return start

    def append(self, at: datetime, actor: str, action: str, subject: str, data: dict[str, Any]) -> int:
        seq = self.next_seq()
        assert self._tail is not None
        if seq == 1 and action != "chain.started":  # a new chain starts with its own random identity (and number)
            self.append(at, "system", "chain.started", "chain", self._identity())
            seq = self.next_seq()
        h = entry_hash(self._tail[1], seq, at, actor, action, subject, data)
        row = {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "data": dumps(data),
            "prev_hash": self._tail[1],
            "hash": h,
        }
        if self.legacy:
            self.conn.execute(sa.insert(_LEGACY_LOG), row)
        else:
            row["chain"] = self.chain
            insert_rows(self.conn, t.audit_log, [row])  # through the driver: the audit log is no covered table
        if seq == 1:
            note_firsts(self.conn, {self.chain: h})
        self._tail = (seq, h)
        self.conn.info.setdefault(_HEADS, {})[self.chain] = (seq, h, at)  # signed at commit (audit_state.install)
        return seq


def next_state_order(conn: Connection) -> int:
    """The next number of the order of `state.rows` entries across chains (issue 17): PostgreSQL's sequence
    `audit_state_order`, SQLite's counter row (its writers take turns). Taken at the seal, after the transaction's
    writes: a transaction writing a row another one wrote waits for that one's commit (row locks), so it draws a
    larger number, and folding the entries by this number gives every row its newest audited state."""
    if conn.dialect.name == "postgresql":
        return int(conn.exec_driver_sql("SELECT nextval('audit_state_order')").scalar_one())
    c = t.audit_counters
    res = conn.execute(
        sa.update(c).where(c.c.name == "state_order").values(value=c.c.value + 1).returning(c.c.value)
    ).scalar()
    if res is None:
        conn.execute(sa.insert(c).values(name="state_order", value=1))
        return 1
    return int(res)


def audit_entry_from(row: Any) -> AuditEntry:
    return AuditEntry(
        row.seq,
        row.at,
        row.actor,
        row.action,
        row.subject,
        json.loads(row.data),
        row.prev_hash,
        row.hash,
        getattr(row, "chain", PLATFORM_CHAIN),
    )


def audit_entries(conn: Connection, chain: int = PLATFORM_CHAIN, batch: int = 2000) -> Iterable[AuditEntry]:
    """Chain `chain`'s entries, oldest first."""
    a = t.audit_log
    last = 0
    while True:
        rows = conn.execute(sa.select(a).where(a.c.chain == chain, a.c.seq > last).order_by(a.c.seq).limit(batch)).all()
        if not rows:
            return
        for r in rows:
            yield audit_entry_from(r)
        last = rows[-1].seq


def audit_chains(conn: Connection) -> list[int]:
    """The chains that have entries, ascending."""
    return list(conn.execute(sa.select(t.audit_log.c.chain).distinct().order_by(t.audit_log.c.chain)).scalars())


def event_rows_for_audit(
    conn: Connection, seq: int, version: int = 1, chain: int = PLATFORM_CHAIN
) -> list[tuple[str, Any]]:
    """(event id, covered columns as text) of the events an `events.decided` entry (chain `chain`, entry `seq`)
    vouches for (see `kernel.audit.EVENT_DIGEST_COLUMNS`; `version` is the entry's `digest_v`)."""
    e = t.events
    names = EVENT_DIGEST_COLUMNS if version >= 2 else EVENT_DIGEST_COLUMNS_V1
    q = sa.select(e.c.id, *(e.c[n] for n in names)).where(e.c.audit_chain == chain, e.c.audit_seq == seq)
    return [(r[0], tuple(_digest_text(v) for v in r[1:])) for r in conn.execute(q)]


def _digest_text(v: Any) -> str | None:
    if isinstance(v, datetime):
        return v.astimezone(UTC).isoformat()
    return v if v is None else str(v)


_EVENT_COLUMNS = tuple(c.name for c in t.events.columns)
if tuple(_EVENT_COLUMNS[i] for i in (1, 2, 3, 4, 6, 7, 8, 9)) != EVENT_DIGEST_COLUMNS:  # `event_values_digest` reads
    raise RuntimeError("the events table's columns moved: event_values_digest reads them by position")


def event_values_digest(values: Sequence[tuple[Any, ...]]) -> str:
    """`event_digest` of event rows given as `insert_event_values` takes them (tuples in the table's column order),
    whose covered columns are texts or None but `occurred_at` (a time): the same digest, without a dict per row."""
    if not values:
        return decisions_digest(())
    cols = list(zip(*values, strict=True))  # the rows as columns, in one C-level pass (issue 16, sixth round)
    times: Iterable[Any] = cols[4]
    if set(map(type, times)) == {datetime}:  # the usual case: every time a time, its UTC text in C-level passes
        times = list(map(datetime.isoformat, map(_IN_UTC, times)))
    else:
        times = list(map(_digest_text, times))
    return columns_digest(cols[0], (cols[1], cols[2], cols[3], times, cols[6], cols[7], cols[8], cols[9]))


_IN_UTC = operator.methodcaller("astimezone", UTC)


def event_digest(rows: Sequence[dict[str, Any]]) -> str:
    """The `digest` of an `events.decided` entry (version 2) over the event rows as inserted: each covered
    column as `_digest_text` gives it, converted column by column (a text is its own text: only times and
    other values go through `_digest_text`; issue 16)."""
    columns = [
        [v if v is None or v.__class__ is str else _digest_text(v) for v in [r[n] for r in rows]]
        for n in EVENT_DIGEST_COLUMNS
    ]
    return decisions_digest(zip([r["id"] for r in rows], zip(*columns, strict=True), strict=True))


def event_audit_seqs(conn: Connection) -> Iterable[tuple[int, int]]:
    """Every distinct (`events.audit_chain`, `events.audit_seq`), ascending."""
    e = t.events
    q = sa.select(e.c.audit_chain, e.c.audit_seq).distinct().order_by(e.c.audit_chain, e.c.audit_seq)
    return ((int(c), int(s)) for c, s in conn.execute(q))


# --- the notification outbox (appeals, issue 6; the enterprise desk's cases, issue 15) ------------------------------


def queue_notification(
    conn: Connection,
    key: str,
    recipient: tuple[str, str],
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    appeal_id: str | None = None,
) -> bool:
    """Queue one notice in the outbox (`notifications`), in the caller's transaction; delivered after commit by
    `warden.appeals.notifications.deliver` (and `warden scheduler`, `warden appeals deliver`). `key` is unique: a
    notice already queued under it is not queued again (returns False)."""
    n = t.notifications
    if conn.execute(sa.select(n.c.id).where(n.c.key == key)).first() is not None:
        return False
    rtype, rid = recipient
    conn.execute(
        sa.insert(n).values(
            key=key,
            appeal_id=appeal_id,
            recipient_type=rtype,
            recipient_id=rid,
            kind=kind,
            payload=dumps(payload),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return True


def notifications_keyed(conn: Connection, prefix: str) -> list[Any]:
    """Outbox rows whose key starts with `prefix` (e.g. `case:<id>:`), oldest first."""
    n = t.notifications
    return list(conn.execute(sa.select(n).where(n.c.key.startswith(prefix, autoescape=True)).order_by(n.c.id)).all())


# --- people's names beside actors (issue 14) ---------------------------------------------------------------------


def person_names(conn: Connection, person_ids: Iterable[str]) -> dict[str, str]:
    """person id → name (the `people` table) for those of `person_ids` that are known."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    rows = conn.execute(sa.select(t.people.c.id, t.people.c.name).where(t.people.c.id.in_(ids)))
    return {r.id: r.name for r in rows}


def label_actors(conn: Connection, obj: Any) -> Any:
    """`obj` (an answer as dicts and lists) with `<key>_label`, the person's name (`demo reviewer 甲`), beside every
    actor key (`claimed_by`, `proposed_by`, `decided_by`, `actor` …; `kernel.access.ACTOR_FIELDS`). The one place
    appeals, cases and ban-ending proposals resolve who an actor is for people to read."""
    actors = actors_in(obj)
    return with_actor_labels(obj, person_names(conn, (person_of(a) for a in actors)))


M = TypeVar("M", bound=BaseModel)


def label_model(conn: Connection, answer: M) -> M:
    """A typed answer with the person's name beside every actor (`label_actors`), as the same model."""
    return type(answer).model_validate(label_actors(conn, answer.model_dump()))
