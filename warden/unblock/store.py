"""All of unblocking's SQL (S-D1–D5, S-D7): applications, the per-phone quota, helper confirmations, and the reads
of core tables the flow needs (contacts and messages for the relationship check, logins for abnormal detection).

Module functions taking a connection (`tx.conn` of the unit of work); the caller owns the transaction. Rows come
back as SQLAlchemy rows (attribute access by column name) of `unblock_applications` / `unblock_helpers`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeAlias

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from warden.adapters import store as core
from warden.adapters import tables as t
from warden.kernel.errors import Conflict
from warden.unblock.rules import HelperEdge, LiftedUnblock, Seen, SeenLogin, ThirdPartyReport, UnblockNode

Conn: TypeAlias = Connection
"""The connection type the use cases annotate with (they import no sqlalchemy); the transactions are the unit of
work's (`warden.adapters.uow`)."""


Row = Any
"""A stored row: an `unblock_applications` or `unblock_helpers` row, read by column name."""

a = t.unblock_applications
h = t.unblock_helpers
q = t.unblock_quota
rp = t.unblock_reports


class DuplicateKey(Exception):
    """An application with this (account, idempotency key) was stored concurrently."""


def dumps(data: Any) -> str:
    """A JSON column's text (canonical, as the audit chain writes it)."""
    return core.dumps(data)


def loads(text: str) -> Any:
    """A JSON column's value."""
    return json.loads(text)


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- lifted unblocks (what probation and the plug-in watch read) ------------------------------------------------


_LIFTED = ("id", "account_id", "lifted_at", "lifted_step", "lifted_rules", "plugin_signatures", "reversed_at")
# lifted, or lifted and reversed since (S-D4): probation and the plug-in watch held until the reversal, in event time
_Q_LIFTED = (
    sa.select(*(a.c[n] for n in _LIFTED))
    .where(
        a.c.account_id.in_(sa.bindparam("ids", expanding=True)),
        sa.or_(a.c.state == "lifted", sa.and_(a.c.state == "reversed", a.c.reversed_at.is_not(None))),
        a.c.lifted_at.is_not(None),
    )
    .order_by(a.c.lifted_at, a.c.id)
)  # built once; each account's unblocks in one order (when lifted, then id) whatever reads them


def lifted_unblocks(
    conn: Connection, account_ids: list[str], exclude: str | None = None
) -> dict[str, list[LiftedUnblock]]:
    """Each account's lifted unblocks, by account id (accounts without any are absent), each account's in the order
    they were lifted (ties by id); one reversed since (S-D4) with its `reversed_at` (it held until then)."""
    out: dict[str, list[LiftedUnblock]] = {}
    for i in range(0, len(account_ids), 500):
        chunk = account_ids[i : i + 500]
        _lifted_into(out, conn.execute(_Q_LIFTED, {"ids": list(chunk)}), exclude)
    return out


def lifted_unblocks_reads(conn: Connection, account_ids: list[str]) -> core.Reads:
    """`lifted_unblocks`' read as driver statements (`core.send_reads`; `lifted_unblocks_from` reads the rows):
    the same conditions and order, values through SQLAlchemy's result processors (`core.driver_columns`)."""
    select = f"SELECT {core.driver_columns(conn.dialect, a, _LIFTED)[0]} FROM unblock_applications WHERE account_id"
    then = (
        " AND (state = 'lifted' OR (state = 'reversed' AND reversed_at IS NOT NULL)) AND lifted_at IS NOT NULL"
        " ORDER BY lifted_at, id"
    )
    return core.Reads(core.among(conn, select, account_ids, (), then), frozenset(account_ids))


def lifted_unblocks_from(conn: Connection, reads: core.Reads) -> dict[str, list[LiftedUnblock]]:
    """`lifted_unblocks`' answer from the rows of `lifted_unblocks_reads`."""
    _, names, procs = core.driver_columns(conn.dialect, a, _LIFTED)
    out: dict[str, list[LiftedUnblock]] = {}
    _lifted_into(out, (core.DriverRow(names, procs, v) for v in reads.all_rows()), None)
    return out


def _lifted_into(out: dict[str, list[LiftedUnblock]], rows: Iterable[Any], exclude: str | None) -> None:
    for r in rows:
        if r.id == exclude:
            continue
        out.setdefault(r.account_id, []).append(
            LiftedUnblock(
                r.id,
                r.account_id,
                r.lifted_at,
                r.lifted_step or 0,
                tuple(json.loads(r.lifted_rules or "[]")),
                tuple(json.loads(r.plugin_signatures or "[]")),
                r.reversed_at,
            )
        )


# --- the quota (S-D3) ---------------------------------------------------------------------------------------


def claim_slot(
    conn: Connection,
    phone: str,
    decide: Callable[[list[datetime]], list[datetime] | None],
    column: str = "stamps",
) -> list[datetime] | None:
    """Compare-and-set on the phone's quota row: `decide(stamps)` returns the new stamps to store (a slot taken) or
    None (no slot). Exact under concurrency on both engines: a writer whose version is stale updates 0 rows and
    re-reads. Returns what `decide` returned for the winning read. `column`: `stamps` (applications, S-D3) or
    `guesses` (one-time code checks, issue 12)."""
    ins = pg_insert(q) if conn.dialect.name == "postgresql" else sqlite_insert(q)
    conn.execute(
        ins.values(phone=phone, version=0, stamps="[]", guesses="[]").on_conflict_do_nothing(index_elements=["phone"])
    )
    for _ in range(200):
        row = conn.execute(sa.select(q.c.version, q.c[column]).where(q.c.phone == phone)).one()
        stamps = decide([datetime.fromisoformat(x) for x in json.loads(row[1])])
        if stamps is None:
            return None
        res = conn.execute(
            sa.update(q)
            .where(q.c.phone == phone, q.c.version == row.version)
            .values({"version": row.version + 1, column: dumps([s.isoformat() for s in stamps])})
        )
        if res.rowcount == 1:
            return stamps
    raise Conflict("too many simultaneous unblock applications for this phone number; try again")


def lock_quota(conn: Connection, phone: str) -> None:
    """Take the phone's quota row lock for the rest of the transaction (creating the row if absent): applications
    for one phone are decided one at a time, so a retry sees the application its twin just made. SQLite's writers
    are serial already (BEGIN IMMEDIATE); PostgreSQL takes a row lock (SELECT … FOR UPDATE)."""
    ins = pg_insert(q) if conn.dialect.name == "postgresql" else sqlite_insert(q)
    conn.execute(
        ins.values(phone=phone, version=0, stamps="[]", guesses="[]").on_conflict_do_nothing(index_elements=["phone"])
    )
    conn.execute(sa.select(q.c.version).where(q.c.phone == phone).with_for_update()).one()


def live_applications(conn: Connection, account_id: str) -> list[Row]:
    """The account's applications still in progress (awaiting the health check or verification), newest first."""
    live = a.c.state.in_(("awaiting_health_check", "awaiting_verification"))
    return list(conn.execute(sa.select(a).where(a.c.account_id == account_id, live).order_by(a.c.created_at.desc())))


def quota_stamps(conn: Connection, phone: str) -> list[datetime]:
    """Every application time stored for `phone` (the caller keeps those inside the window)."""
    row = conn.execute(sa.select(q.c.stamps).where(q.c.phone == phone)).first()
    return [datetime.fromisoformat(x) for x in json.loads(row.stamps if row else "[]")]


# --- applications ---------------------------------------------------------------------------------------------


def application_by_key(conn: Connection, account_id: str, key: str) -> str | None:
    found = conn.execute(sa.select(a.c.id).where(a.c.account_id == account_id, a.c.idempotency_key == key)).scalar()
    return None if found is None else str(found)


def key_used_for_other_account(conn: Connection, key: str, actor: str) -> bool:
    """Whether `actor` already used `key` (for any account; the caller has checked its own)."""
    return (
        conn.execute(sa.select(a.c.account_id).where(a.c.idempotency_key == key, a.c.actor == actor)).first()
        is not None
    )


def insert_application(conn: Connection, **values: Any) -> None:
    """Store a new application; `DuplicateKey` when a concurrent twin holds its (account, idempotency key)."""
    try:
        conn.execute(sa.insert(a).values(**values))
    except IntegrityError as exc:
        if values.get("idempotency_key") is None:
            raise
        raise DuplicateKey(str(values["idempotency_key"])) from exc


def lock_application(conn: Connection, app_id: str, now: datetime) -> Row | None:
    """Take the application's row lock (a plain UPDATE of `updated_at`) and read it; None if there is none."""
    res = conn.execute(sa.update(a).where(a.c.id == app_id).values(updated_at=now))
    if res.rowcount == 0:
        return None
    return conn.execute(sa.select(a).where(a.c.id == app_id)).one()


def take_guess(conn: Connection, app_id: str, per_code: int, per_application: int) -> bool:
    """Count one check of the application's code, if both budgets have one left: a conditional UPDATE
    (`code_attempts < per_code AND code_guesses < per_application`), so concurrent checks are counted exactly.
    False: a budget is spent (nothing changed)."""
    res = conn.execute(
        sa.update(a)
        .where(a.c.id == app_id, a.c.code_attempts < per_code, a.c.code_guesses < per_application)
        .values(code_attempts=a.c.code_attempts + 1, code_guesses=a.c.code_guesses + 1)
    )
    return res.rowcount == 1


def update_application(conn: Connection, app_id: str, **values: Any) -> None:
    conn.execute(sa.update(a).where(a.c.id == app_id).values(**values))


def get_application(conn: Connection, app_id: str) -> Row | None:
    return conn.execute(sa.select(a).where(a.c.id == app_id)).first()


def account_of_application(conn: Connection, app_id: str) -> str | None:
    acc = conn.execute(sa.select(a.c.account_id).where(a.c.id == app_id)).scalar()
    return None if acc is None else str(acc)


def home_of_account(conn: Connection, account_id: str) -> str | None:
    """The account's enterprise: the partition whose chain audits a step of its unblocking (issue 17,
    `UnitOfWork.writing`'s `home`); None for an unknown account (the step fails as NotFound anyway)."""
    return core.enterprises_of(conn, [account_id]).get(account_id)


def home_of_application(conn: Connection, app_id: str) -> str | None:
    """`home_of_account` of the application's account (None for an unknown application)."""
    acc = account_of_application(conn, app_id)
    return None if acc is None else home_of_account(conn, acc)


def application_ids(conn: Connection, account_id: str, limit: int) -> list[str]:
    """An account's application ids, newest first."""
    rows = conn.execute(
        sa.select(a.c.id).where(a.c.account_id == account_id).order_by(a.c.created_at.desc()).limit(limit)
    )
    return [str(r[0]) for r in rows]


# --- helpers (S-D2) -------------------------------------------------------------------------------------------


def confirmed_assists(conn: Connection, helper_id: str, since: datetime) -> int:
    """Confirmations by `helper_id` after `since`."""
    n = conn.execute(
        sa.select(sa.func.count()).where(h.c.helper_id == helper_id, h.c.state == "confirmed", h.c.confirmed_at > since)
    ).scalar_one()
    return int(n)


def contact_since(conn: Connection, one: str, other: str) -> datetime | None:
    """The earliest contact between two accounts, either direction."""
    c = t.contacts
    found: datetime | None = conn.execute(
        sa.select(sa.func.min(c.c.since)).where(
            sa.or_(
                sa.and_(c.c.account_id == one, c.c.contact_id == other),
                sa.and_(c.c.account_id == other, c.c.contact_id == one),
            )
        )
    ).scalar()
    return found


def wrote(conn: Connection, sender: str, recipient: str) -> bool:
    """Whether `sender` ever messaged `recipient` (message events carry `recipient_id` in the payload)."""
    e = t.events
    pattern = f'%"recipient_id":"{_like(recipient)}"%'
    return (
        conn.execute(
            sa.select(e.c.id)
            .where(e.c.account_id == sender, e.c.type == "message", e.c.payload.like(pattern, escape="\\"))
            .limit(1)
        ).first()
        is not None
    )


def pending_helpers(conn: Connection, app_id: str) -> dict[str, Row]:
    """The application's pending helper requests, by helper id."""
    return {
        r.helper_id: r for r in conn.execute(sa.select(h).where(h.c.application_id == app_id, h.c.state == "pending"))
    }


def insert_helper(conn: Connection, **values: Any) -> bool:
    """Store a helper request; False when one with its id is already stored (the same helper named at the same
    instant, by a concurrent twin or twice in one request): the first stands."""
    ins = pg_insert(h) if conn.dialect.name == "postgresql" else sqlite_insert(h)
    res = conn.execute(ins.values(**values).on_conflict_do_nothing(index_elements=["id"]))
    return bool(res.rowcount)


def helper_by_token_hash(conn: Connection, token_hash: str) -> Row | None:
    return conn.execute(sa.select(h).where(h.c.token_hash == token_hash)).first()


def find_helper(conn: Connection, helper_row_id: str) -> Row | None:
    return conn.execute(sa.select(h).where(h.c.id == helper_row_id)).first()


def get_helper(conn: Connection, helper_row_id: str) -> Row:
    return conn.execute(sa.select(h).where(h.c.id == helper_row_id)).one()


def update_helper(conn: Connection, helper_row_id: str, **values: Any) -> None:
    conn.execute(sa.update(h).where(h.c.id == helper_row_id).values(**values))


def confirmed_count(conn: Connection, app_id: str) -> int:
    n = conn.execute(
        sa.select(sa.func.count()).where(h.c.application_id == app_id, h.c.state == "confirmed")
    ).scalar_one()
    return int(n)


def helpers_of(conn: Connection, app_id: str) -> list[Row]:
    """The application's helper requests, oldest first."""
    return list(conn.execute(sa.select(h).where(h.c.application_id == app_id).order_by(h.c.created_at)))


def requests_to(conn: Connection, helper_id: str) -> list[Row]:
    """What `helper_id` was asked, newest first (a nomination refused as not eligible never reached them)."""
    asked = sa.or_(h.c.refusal_code.is_(None), h.c.refusal_code != "helper.not_eligible")
    return list(conn.execute(sa.select(h).where(h.c.helper_id == helper_id, asked).order_by(h.c.created_at.desc())))


# --- abnormal unblocks (S-D4) ---------------------------------------------------------------------------------


def confirmed_helpers(conn: Connection, app_id: str) -> list[Row]:
    return list(conn.execute(sa.select(h).where(h.c.application_id == app_id, h.c.state == "confirmed")))


def requesters_assisted(conn: Connection, helper_id: str, since: datetime) -> int:
    """Distinct requesters `helper_id` confirmed for after `since`."""
    n = conn.execute(
        sa.select(sa.func.count(sa.distinct(h.c.requester_id))).where(
            h.c.helper_id == helper_id, h.c.state == "confirmed", h.c.confirmed_at > since
        )
    ).scalar_one()
    return int(n)


def requesters_sharing(
    conn: Connection, requester_id: str, device_id: str | None, ip: str | None, since: datetime
) -> list[str]:
    """Other requesters whose confirmed helpers (after `since`) used this device or ip."""
    keys = [c for c in ((h.c.device_id, device_id), (h.c.ip, ip)) if c[1]]
    if not keys:
        return []
    others = conn.execute(
        sa.select(h.c.requester_id)
        .distinct()
        .where(
            h.c.state == "confirmed",
            h.c.confirmed_at > since,
            h.c.requester_id != requester_id,
            sa.or_(*[col == val for col, val in keys]),
        )
    )
    return [r[0] for r in others]


def confirmations_by(conn: Connection, column: str, value: str, since: datetime) -> int:
    """Confirmations after `since` whose `column` (`helper_id`, `device_id` or `ip`) is `value`."""
    n = conn.execute(
        sa.select(sa.func.count()).where(h.c.state == "confirmed", h.c.confirmed_at > since, h.c[column] == value)
    ).scalar_one()
    return int(n)


def requester_network(conn: Connection, app_id: str, account_id: str, since: datetime) -> tuple[set[str], set[str]]:
    """The devices and ips of the requester: the application's own, and those of its logins after `since`."""
    e = t.events
    devices: set[str] = set()
    ips: set[str] = set()
    app = conn.execute(sa.select(a.c.device_id, a.c.ip).where(a.c.id == app_id)).one()
    if app.device_id:
        devices.add(app.device_id)
    if app.ip:
        ips.add(app.ip)
    for (payload,) in conn.execute(
        sa.select(e.c.payload).where(e.c.account_id == account_id, e.c.type == "login", e.c.occurred_at > since)
    ):
        p = json.loads(payload)
        devices.add(p["device_id"])
        if p.get("ip"):
            ips.add(p["ip"])
    return devices, ips


# --- the standing judgement over the unblock graph (S-D4, issue 15) --------------------------------------------

JUDGED = ("lifted", "reversed")
"""The states of an unblock that the standing judgement reads (and re-reads): it lifted restrictions once."""


def unblock_nodes(conn: Connection, app_ids: list[str]) -> dict[str, UnblockNode]:
    """The lifted (or reversed) applications among `app_ids` as graph nodes, with their confirmed helpers."""
    out: dict[str, UnblockNode] = {}
    for i in range(0, len(app_ids), 500):
        chunk = app_ids[i : i + 500]
        edges: dict[str, list[HelperEdge]] = {}
        for r in conn.execute(
            sa.select(h)
            .where(h.c.application_id.in_(chunk), h.c.state == "confirmed")
            .order_by(h.c.confirmed_at, h.c.id)
        ):
            edges.setdefault(r.application_id, []).append(
                HelperEdge(r.helper_id, bool(r.related), r.confirmed_at, r.device_id, r.ip)
            )
        rows = conn.execute(sa.select(a).where(a.c.id.in_(chunk), a.c.state.in_(JUDGED), a.c.lifted_at.is_not(None)))
        for r in rows:
            health = json.loads(r.health) if r.health else None
            out[r.id] = UnblockNode(
                id=r.id,
                account_id=r.account_id,
                lifted_at=r.lifted_at,
                methods=tuple(json.loads(r.verified or "[]")),
                device_id=r.device_id,
                ip=r.ip,
                checked_at=datetime.fromisoformat(health["at"]) if health else None,
                helpers=tuple(edges.get(r.id, [])),
            )
    return out


def linked_unblocks(
    conn: Connection, accounts: set[str], devices: set[str], ips: set[str], lo: datetime, hi: datetime
) -> list[str]:
    """Ids of lifted (or reversed) unblocks lifted within (lo, hi] that share something with the given sets: a
    helper among `accounts`, or a device or ip (a helper's confirmation or the requester's health check)."""
    conds = []
    if accounts:
        conds.append(h.c.helper_id.in_(sorted(accounts)))
    if devices:
        conds.append(h.c.device_id.in_(sorted(devices)))
    if ips:
        conds.append(h.c.ip.in_(sorted(ips)))
    found: set[str] = set()
    if conds:
        found |= {
            str(x)
            for (x,) in conn.execute(sa.select(h.c.application_id).where(h.c.state == "confirmed", sa.or_(*conds)))
        }
    own = []
    if devices:
        own.append(a.c.device_id.in_(sorted(devices)))
    if ips:
        own.append(a.c.ip.in_(sorted(ips)))
    where = [a.c.state.in_(JUDGED), a.c.lifted_at > lo, a.c.lifted_at <= hi]
    ids = set()
    if own:
        ids |= {str(x) for (x,) in conn.execute(sa.select(a.c.id).where(*where, sa.or_(*own)))}
    if found:
        for i in range(0, len(found), 500):
            chunk = sorted(found)[i : i + 500]
            ids |= {str(x) for (x,) in conn.execute(sa.select(a.c.id).where(*where, a.c.id.in_(chunk)))}
    return sorted(ids)


def logins_seen(conn: Connection, account_ids: set[str], lo: datetime, hi: datetime) -> list[Seen]:
    """The devices and ips of these accounts' logins dated within (lo, hi], oldest first."""
    e = t.events
    out: list[Seen] = []
    if not account_ids:
        return out
    rows = conn.execute(
        sa.select(e.c.account_id, e.c.occurred_at, e.c.payload)
        .where(
            e.c.account_id.in_(sorted(account_ids)), e.c.type == "login", e.c.occurred_at > lo, e.c.occurred_at <= hi
        )
        .order_by(e.c.occurred_at, e.c.id)
    )
    for acc, at, payload in rows:
        p = json.loads(payload)
        out.append(Seen(acc, "device", p["device_id"], at))
        if p.get("ip"):
            out.append(Seen(acc, "ip", p["ip"], at))
    return out


def unblocks_touching(conn: Connection, account_ids: set[str], lo: datetime, hi: datetime) -> list[str]:
    """Ids of lifted (or reversed) unblocks lifted within [lo, hi) whose requester or a confirmed helper is among
    `account_ids` (a login of theirs is new evidence about them)."""
    if not account_ids:
        return []
    rows = conn.execute(_Q_TOUCHING, {"accs": sorted(account_ids), "lo": lo, "hi": hi})
    return sorted(str(x) for (x,) in rows)


_ACCS: sa.BindParameter[list[str]] = sa.bindparam("accs", expanding=True)
_Q_TOUCHING = sa.select(a.c.id).where(  # built once: ingest reads it every batch with a login (issue 16)
    a.c.state.in_(JUDGED),
    a.c.lifted_at >= sa.bindparam("lo"),
    a.c.lifted_at < sa.bindparam("hi"),
    sa.or_(
        a.c.account_id.in_(_ACCS),
        a.c.id.in_(sa.select(h.c.application_id).where(h.c.state == "confirmed", h.c.helper_id.in_(_ACCS))),
    ),
)


def reports_for(conn: Connection, app_id: str) -> list[ThirdPartyReport]:
    """The third-party reports naming this unblock, oldest first."""
    rows = conn.execute(sa.select(rp).where(rp.c.application_id == app_id).order_by(rp.c.reported_at, rp.c.id))
    return [ThirdPartyReport(r.id, r.platform, r.reported_at) for r in rows]


def insert_report(conn: Connection, **values: Any) -> None:
    conn.execute(sa.insert(rp).values(**values))


def get_report(conn: Connection, report_id: str) -> Row | None:
    return conn.execute(sa.select(rp).where(rp.c.id == report_id)).first()


def unblock_at(conn: Connection, account_id: str, at: datetime) -> str | None:
    """The account's newest lifted (or reversed) unblock lifted at or before `at`."""
    found = conn.execute(
        sa.select(a.c.id)
        .where(a.c.account_id == account_id, a.c.state.in_(JUDGED), a.c.lifted_at <= at)
        .order_by(a.c.lifted_at.desc(), a.c.id.desc())
        .limit(1)
    ).scalar()
    return None if found is None else str(found)


def newest_logins(conn: Connection, account_id: str, since: datetime, until: datetime) -> list[SeenLogin]:
    """The account's newest login from EACH device it used within (since, until], newest first: what warden saw.
    Every device counts, not only the one a health check names (a check cannot pick a fresh device to hide the
    one with plug-ins)."""
    e = t.events
    q_ = sa.select(e.c.occurred_at, e.c.payload).where(
        e.c.account_id == account_id, e.c.type == "login", e.c.occurred_at > since, e.c.occurred_at <= until
    )
    out: dict[str, SeenLogin] = {}
    for at, payload in conn.execute(q_.order_by(e.c.occurred_at.desc(), e.c.id.desc()).limit(1000)):
        p = json.loads(payload)
        device = str(p.get("device_id", ""))
        if device not in out:
            out[device] = SeenLogin(
                at=at,
                device_id=device,
                client_version=p.get("client_version", "0"),
                plugin_signatures=tuple(p.get("plugin_signatures") or ()),
                malware_flag=bool(p.get("malware_flag")),
            )
    return list(out.values())
