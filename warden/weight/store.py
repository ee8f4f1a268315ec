"""Weight's SQL, and only here: the `weight_accounts`, `weight_enterprises` and `weight_history` tables, and the
reads of core rows weight needs that the core store does not offer (member ids, stored event payloads, the
audit tail check). Module functions taking a connection; the hot path's driver-level upserts stay as they were.

States are stored as canonical JSON text (`AccountState.to_json`, `EnterpriseState.to_json`); scores and
history points are in tenths; days are UTC day numbers (`state.day_of`).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from itertools import compress, repeat
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warden.adapters import store as core
from warden.adapters import tables as t
from warden.adapters.database import driver_of, write_later
from warden.kernel.model import Account, StrikeStatus
from warden.weight.state import AccountState, EnterpriseState

CHUNK = 500
_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)
_IS_ROW = partial(operator.is_not, None)  # a stored home that is not None (None: no stored row)


def chunks(items: Sequence[Any], n: int = CHUNK) -> Iterable[Sequence[Any]]:
    """`items` in slices of at most `n` (the IN lists stay under every driver's parameter limit)."""
    for i in range(0, len(items), n):
        yield items[i : i + n]


# --- writes (one statement per table per batch; one in all on PostgreSQL) -------------------------------------


_UPSERT_ACCOUNTS = (
    "INSERT INTO weight_accounts (account_id, enterprise_id, state, score) VALUES ({p}, {p}, {p}, {p}) "
    "ON CONFLICT (account_id) DO UPDATE SET enterprise_id = excluded.enterprise_id, state = excluded.state, "
    "score = excluded.score"
)
_UPDATE_ACCOUNTS = "UPDATE weight_accounts SET state = ?, score = ? WHERE account_id = ?"  # SQLite, a stored row
_UPDATE_ORDER = operator.itemgetter(2, 3, 0)  # its parameters from a row (account_id, enterprise_id, state, score)
_UPSERT_ACCOUNTS_AT_HOME = (  # the stored row (if any) names the same enterprise: its index entry stays as it is
    "INSERT INTO weight_accounts (account_id, enterprise_id, state, score) VALUES ({p}, {p}, {p}, {p}) "
    "ON CONFLICT (account_id) DO UPDATE SET state = excluded.state, score = excluded.score"
)


def upsert_accounts(
    conn: Connection, rows: list[tuple[str, str, str, int]], homes: Mapping[str, str | None] | None = None
) -> None:
    """Upsert weight_accounts rows (account_id, enterprise_id, state, score) straight through the driver: one
    row per account per batch is weight upkeep's main write, and every column is a plain string or int, so
    SQLAlchemy's per-row parameter processing buys nothing here.

    `homes`: the enterprise each account's stored row names (None: no stored row), where the caller knows it
    (`stored_accounts`). A row whose stored enterprise is the same, or that has none, is written without naming
    `enterprise_id` in the update (on SQLite a column in the SET list rewrites its index entry, even unchanged);
    any other row (moved, or not known) sets it."""
    for sql, mine in _account_upserts(conn, rows, homes):
        conn.exec_driver_sql(sql, mine)


def _account_upserts(
    conn: Connection, rows: list[tuple[str, str, str, int]], homes: Mapping[str, str | None] | None
) -> list[tuple[str, list[tuple[str, str, str, int]]]]:
    """`upsert_accounts`' statements (the driver's parameter marks) and the rows of each."""
    if not rows:
        return []
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    if homes is None:
        return [(_UPSERT_ACCOUNTS.format(p=mark), rows)]
    # in C-level passes: a row moved when its stored enterprise is known ("": not known), not None, and another
    olds = list(map(homes.get, map(_FIRST, rows), repeat("")))
    moved_mask = list(map(operator.and_, map(operator.ne, olds, map(_SECOND, rows)), map(_IS_ROW, olds)))
    if True not in moved_mask:
        at_home, moved = rows, []
    else:
        at_home = list(compress(rows, map(operator.not_, moved_mask)))
        moved = list(compress(rows, moved_mask))
    out = [(_UPSERT_ACCOUNTS_AT_HOME.format(p=mark), at_home)] if at_home else []
    return out + ([(_UPSERT_ACCOUNTS.format(p=mark), moved)] if moved else [])


_UPSERT_HISTORY = (
    "INSERT INTO weight_history (subject_type, subject_id, day, score) VALUES ({p}, {p}, {p}, {p}) "
    "ON CONFLICT (subject_type, subject_id, day) DO UPDATE SET score = excluded.score"
)


def upsert_history(conn: Connection, rows: list[tuple[str, str, int, int]]) -> None:
    """Upsert weight_history points (subject_type, subject_id, day, score), like `upsert_accounts`."""
    if rows:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(_UPSERT_HISTORY.format(p=mark), rows)


_UPSERT_ENTERPRISES = (
    "INSERT INTO weight_enterprises (enterprise_id, state, updated_at) VALUES (?, ?, ?) "
    "ON CONFLICT (enterprise_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
)

_WRITE_BATCH_PG = (  # one statement, one round trip: each table's rows as arrays (data-modifying CTEs)
    "WITH wa AS (INSERT INTO weight_accounts (account_id, enterprise_id, state, score) "
    "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::int[]) "
    "ON CONFLICT (account_id) DO UPDATE SET enterprise_id = excluded.enterprise_id, state = excluded.state, "
    "score = excluded.score), "
    "we AS (INSERT INTO weight_enterprises (enterprise_id, state, updated_at) "
    "SELECT e, s, %s::timestamptz FROM unnest(%s::text[], %s::text[]) AS u(e, s) "
    "ON CONFLICT (enterprise_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at) "
    "INSERT INTO weight_history (subject_type, subject_id, day, score) "
    "SELECT * FROM unnest(%s::text[], %s::text[], %s::int[], %s::int[]) "
    "ON CONFLICT (subject_type, subject_id, day) DO UPDATE SET score = excluded.score"
)


def write_batch(
    conn: Connection,
    accounts: list[tuple[str, str, str, int]],
    homes: Mapping[str, str | None],
    enterprises: list[tuple[str, str]],
    now: datetime,
    history: list[tuple[str, str, int, int]],
) -> None:
    """An ingest batch's weight rows: `accounts` (account_id, enterprise_id, state, score; `homes` as
    `upsert_accounts` reads it), `enterprises` (enterprise_id, state; updated at `now`) and `history` points
    (subject_type, subject_id, day, score), each key at most once. On PostgreSQL one statement carries all three
    tables as arrays (one round trip, one execution per table instead of one per row); on SQLite, whose statements
    cost no round trip, one `executemany` per table through the driver itself (`database.write_later`: no
    SQLAlchemy execution; the weight tables are none of `audit_state.COVERED`, whose writes SQLAlchemy's listener
    notes); there a row stored at the same enterprise (`homes`) is written by an UPDATE (an upsert tries the insert
    first), and when the UPDATE's row count falls short (a row gone that `homes` holds) every row is upserted.
    On PostgreSQL the statement is a `database.write_later`: after `defer_writes` (ingest) it goes with the
    transaction's next statement or its COMMIT, in the same round trip."""
    if conn.dialect.name == "postgresql":
        if accounts or enterprises or history:  # no one reads its result: it may wait for the commit's round trip
            params = (
                *(list(c) for c in _columns(accounts, 4)),
                now,
                *(list(c) for c in _columns(enterprises, 2)),
                *(list(c) for c in _columns(history, 4)),
            )
            write_later(conn, _WRITE_BATCH_PG, [params])
        return
    if accounts and homes:  # a row stored at the same enterprise: an UPDATE (an upsert first tries the insert)
        stored = list(map(operator.eq, map(homes.get, map(_FIRST, accounts)), map(_SECOND, accounts)))
        if True in stored:
            at_home = list(compress(accounts, stored))
            changed = driver_of(conn).executemany(_UPDATE_ACCOUNTS, list(map(_UPDATE_ORDER, at_home))).rowcount
            if changed == len(at_home):  # (else a row is gone that `homes` holds: all of them upserted again)
                accounts = list(compress(accounts, map(operator.not_, stored)))
    for sql, rows in _account_upserts(conn, accounts, homes):  # the driver's own `execute` (issue 16: a single
        write_later(conn, sql, rows)  # decision wrote these three through SQLAlchemy, ~0.1 ms of its CPU)
    if enterprises:
        at = core.sqlite_utc_text(now)
        write_later(conn, _UPSERT_ENTERPRISES, [(e, st, at) for e, st in enterprises])
    write_later(conn, _UPSERT_HISTORY.format(p="?"), history)


def _columns(rows: Sequence[tuple[Any, ...]], n: int) -> list[tuple[Any, ...]]:
    """`rows` as `n` columns (empty columns when there are no rows)."""
    return list(zip(*rows, strict=True)) if rows else [()] * n


# --- reads ---------------------------------------------------------------------------------------------------


def active_strike_ids(conn: Connection, ids: Iterable[str]) -> set[str]:
    """Those of the strike `ids` that are still active."""
    out: set[str] = set()
    for chunk in chunks(sorted(set(ids))):
        q = sa.select(t.strikes.c.id).where(t.strikes.c.id.in_(chunk), t.strikes.c.status == StrikeStatus.ACTIVE.value)
        out |= {r.id for r in conn.execute(q)}
    return out


def stored_accounts(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[AccountState, str]]:
    """The stored states of the accounts `ids` that have one, each with the enterprise its row names."""
    wa = t.weight_accounts
    out: dict[str, tuple[AccountState, str]] = {}
    for chunk in chunks(ids):
        q = sa.select(wa.c.account_id, wa.c.enterprise_id, wa.c.state).where(wa.c.account_id.in_(chunk))
        for row in conn.execute(q):
            out[row.account_id] = (AccountState.from_json(row.state), row.enterprise_id)
    return out


def stored_accounts_reads(conn: Connection, ids: Sequence[str]) -> core.Reads:
    """`stored_accounts`' read as driver statements (`core.send_reads`; `stored_accounts_from` reads the rows)."""
    select = "SELECT account_id, enterprise_id, state FROM weight_accounts WHERE account_id"
    return core.Reads(core.among(conn, select, ids), frozenset(ids))


def stored_accounts_from(rows: Iterable[Sequence[Any]]) -> dict[str, tuple[AccountState, str]]:
    """`stored_accounts`' answer from rows of (account id, enterprise id, state text)."""
    return {aid: (AccountState.from_json(state), eid) for aid, eid, state in rows}


def enterprise_states_reads(conn: Connection, ids: Sequence[str]) -> core.Reads:
    """`enterprise_states`' read as driver statements (`enterprise_states_from` reads the rows)."""
    select = "SELECT enterprise_id, state FROM weight_enterprises WHERE enterprise_id"
    return core.Reads(core.among(conn, select, ids), frozenset(ids))


def enterprise_states_from(rows: Iterable[Sequence[Any]]) -> dict[str, EnterpriseState]:
    """`enterprise_states`' answer from rows of (enterprise id, state text)."""
    return {eid: EnterpriseState.from_json(state) for eid, state in rows}


def account_states(conn: Connection, ids: Sequence[str]) -> dict[str, AccountState]:
    """The stored states of the accounts `ids` that have one."""
    return {a: st for a, (st, _) in stored_accounts(conn, ids).items()}


def account_state(conn: Connection, account_id: str) -> AccountState | None:
    """One account's stored state, or None before its first event."""
    wa = t.weight_accounts
    row = conn.execute(sa.select(wa.c.state).where(wa.c.account_id == account_id)).first()
    return AccountState.from_json(row.state) if row else None


def enterprise_states(conn: Connection, ids: Sequence[str]) -> dict[str, EnterpriseState]:
    """The stored states of the enterprises `ids` that have one."""
    we = t.weight_enterprises
    out: dict[str, EnterpriseState] = {}
    for chunk in chunks(ids):
        for row in conn.execute(sa.select(we.c.enterprise_id, we.c.state).where(we.c.enterprise_id.in_(chunk))):
            out[row.enterprise_id] = EnterpriseState.from_json(row.state)
    return out


def enterprise_state(conn: Connection, enterprise_id: str) -> EnterpriseState:
    """One enterprise's stored state (empty before its members' first event)."""
    we = t.weight_enterprises
    row = conn.execute(sa.select(we.c.state).where(we.c.enterprise_id == enterprise_id)).first()
    return EnterpriseState.from_json(row.state if row else None)


def history_points(conn: Connection, subject_type: str, subject_id: str, after_day: int) -> dict[int, int]:
    """The stored history points {day: score in tenths} of a subject, days after `after_day`."""
    h = t.weight_history
    rows = conn.execute(
        sa.select(h.c.day, h.c.score)
        .where(h.c.subject_type == subject_type, h.c.subject_id == subject_id, h.c.day > after_day)
        .order_by(h.c.day)
    )
    return {r.day: r.score for r in rows}


def lowest_members(conn: Connection, enterprise_id: str, n: int = 5) -> list[tuple[str, int, AccountState]]:
    """The enterprise's `n` lowest-scored members as (account id, score in tenths, state)."""
    wa = t.weight_accounts
    rows = conn.execute(
        sa.select(wa.c.account_id, wa.c.score, wa.c.state)
        .where(wa.c.enterprise_id == enterprise_id)
        .order_by(wa.c.score, wa.c.account_id)
        .limit(n)
    ).all()
    return [(r.account_id, r.score, AccountState.from_json(r.state)) for r in rows]


def member_ids(conn: Connection, enterprise_id: str) -> list[str]:
    """The ids of the enterprise's accounts."""
    return [r.id for r in conn.execute(sa.select(t.accounts.c.id).where(t.accounts.c.enterprise_id == enterprise_id))]


def weight_cache_still_ours(conn: Connection, mark: tuple[int, int]) -> bool:
    """Whether the audit entry `mark` (chain, seq) committed and no `weight.*` entry was appended after it in any
    chain: then the weight states a process kept since writing `mark` equal the stored ones (a slow path: the core's
    per-partition check usually answers first)."""
    chain, seq = mark
    a = t.audit_log
    if conn.execute(sa.select(a.c.seq).where(a.c.chain == chain, a.c.seq == seq)).first() is None:
        return False  # our last batch did not commit
    later = conn.execute(
        sa.select(a.c.seq).where(a.c.action.like("weight.%"), sa.or_(a.c.chain != chain, a.c.seq > seq)).limit(1)
    ).first()
    return later is None


def light_event(payload: str) -> Any:
    """A stored event payload as the attributes `AccountState.apply` reads (no full validation: it was valid)."""
    o = json.loads(payload)
    o["occurred_at"] = datetime.fromisoformat(o["occurred_at"].replace("Z", "+00:00"))
    o.setdefault("via_linked_personal", False)
    o.setdefault("device_kind", "real")
    o.setdefault("value", None)
    return SimpleNamespace(**o)


def events_before(conn: Connection, account_id: str, at: datetime, since: datetime) -> list[Any]:
    """The account's stored events at or before `at`: those after `since`, and every profile and verification
    change (they hold their latest value), as `light_event`s in no particular order."""
    e = t.events
    q = sa.select(e.c.payload).where(
        e.c.account_id == account_id,
        e.c.occurred_at <= at,
        sa.or_(e.c.occurred_at > since, e.c.type.in_(("profile_change", "verification_change"))),
    )
    return [light_event(r.payload) for r in conn.execute(q)]


# --- recompute -----------------------------------------------------------------------------------------------


def account_bases(conn: Connection) -> dict[str, dict[str, bool] | None]:
    """How each stored account state began (`AccountState.base`), which outlives a recompute."""
    wa = t.weight_accounts
    return {
        r.account_id: AccountState.from_json(r.state).base for r in conn.execute(sa.select(wa.c.account_id, wa.c.state))
    }


def clear_all(conn: Connection) -> None:
    """Delete every weight row (history, accounts, enterprises)."""
    for table in (t.weight_history, t.weight_accounts, t.weight_enterprises):
        conn.execute(sa.delete(table))


def accounts_with_events(conn: Connection) -> list[str]:
    """The ids of every account with a stored event, sorted."""
    e = t.events
    return sorted(
        r.account_id for r in conn.execute(sa.select(e.c.account_id).where(e.c.account_id.is_not(None)).distinct())
    )


def accounts_by_id(conn: Connection, ids: Sequence[str]) -> dict[str, Account]:
    """The account rows `ids` (one query: call it with a chunk)."""
    return {r.id: core.account_from(r) for r in conn.execute(sa.select(t.accounts).where(t.accounts.c.id.in_(ids)))}


def events_of(conn: Connection, ids: Sequence[str]) -> dict[str, list[Any]]:
    """The stored events of the accounts `ids` as `light_event`s, per account, oldest first (one query)."""
    e = t.events
    out: dict[str, list[Any]] = {}
    q = (
        sa.select(e.c.account_id, e.c.payload)
        .where(e.c.account_id.in_(ids))
        .order_by(e.c.account_id, e.c.occurred_at, e.c.id)
    )
    for r in conn.execute(q):
        out.setdefault(r.account_id, []).append(light_event(r.payload))
    return out


def insert_accounts(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert weight_accounts rows ({account_id, enterprise_id, state, score}); the table was cleared."""
    if rows:
        conn.execute(sa.insert(t.weight_accounts), rows)


def insert_history(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert weight_history rows ({subject_type, subject_id, day, score}); the table was cleared."""
    if rows:
        conn.execute(sa.insert(t.weight_history), rows)


def insert_enterprises(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert weight_enterprises rows ({enterprise_id, state, updated_at}); the table was cleared."""
    if rows:
        conn.execute(sa.insert(t.weight_enterprises), rows)


def member_strikes(conn: Connection, account_ids: Sequence[str]) -> list[tuple[str, str, float]]:
    """Every strike of the accounts `account_ids` as (strike id, account id, epoch seconds), any status."""
    s = t.strikes
    out: list[tuple[str, str, float]] = []
    for chunk in chunks(account_ids):
        q = sa.select(s.c.id, s.c.subject_id, s.c.at).where(s.c.subject_type == "account", s.c.subject_id.in_(chunk))
        out += [(r.id, r.subject_id, r.at.timestamp()) for r in conn.execute(q)]
    return out


# --- the benchmark's fixtures --------------------------------------------------------------------------------


def insert_directory(conn: Connection, enterprises: list[dict[str, Any]], accounts: list[dict[str, Any]]) -> None:
    """Bulk-insert enterprise and account rows (a benchmark's directory; no audit entries)."""
    conn.execute(sa.insert(t.enterprises), enterprises)
    for chunk in chunks(accounts, 5000):
        conn.execute(sa.insert(t.accounts), list(chunk))


def insert_events(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Bulk-insert stored event rows (a benchmark's history; no audit entries)."""
    if rows:
        conn.execute(sa.insert(t.events), rows)
