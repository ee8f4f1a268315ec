"""Ingest's round trips on PostgreSQL (issue 16): what the shortcuts must not change, on both engines.

- Driver writes left waiting (`database.defer_writes`, `write_later`) are seen by the transaction's next statement,
  stored by its commit, and dropped with its rollback; one the database refuses fails the commit and nothing of
  the transaction is stored.
- The locks and reads sent in one round trip (`store.lock_and_read`) give what the separate reads give.
- A batch's event rows stored by `COPY` (from `store.COPY_FROM` rows) read back as the rows an `INSERT` stores,
  and the audit trail vouches for them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.conftest import World
from warden.adapters import store
from warden.adapters import tables as t
from warden.adapters.audit_state import install
from warden.adapters.database import defer_writes, make_engine
from warden.app import App
from warden.kernel.partition import PLATFORM_CHAIN, chain_of

REFUSED = (sa.exc.IntegrityError, sqlite3.IntegrityError)  # the driver's own refusal is SQLAlchemy's class too


def _counters(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {r.name: r.value for r in conn.execute(sa.select(t.audit_counters))}


def _put(conn: sa.Connection, name: str, value: int) -> None:
    store.insert_rows(conn, t.audit_counters, [{"name": name, "value": value}])


@pytest.fixture
def engine(db_url: str) -> Engine:
    e = make_engine(db_url)
    install(e, None)  # its commit step runs before the COMMIT that carries the waiting writes
    yield e
    e.dispose()


def test_waiting_writes_are_seen_by_the_next_statement_and_stored_by_the_commit(engine: Engine) -> None:
    with engine.begin() as conn:
        defer_writes(conn)
        _put(conn, "a", 1)
        assert conn.execute(sa.select(t.audit_counters.c.value).where(t.audit_counters.c.name == "a")).scalar() == 1
        _put(conn, "b", 2)
        _put(conn, "c", 3)  # these two wait for the commit
    assert _counters(engine) == {"a": 1, "b": 2, "c": 3}
    with engine.begin() as conn:  # the same pooled connection: nothing waits any more, nothing is deferred
        _put(conn, "d", 4)
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_counters").scalar() == 4
    assert _counters(engine)["d"] == 4


def test_a_rolled_back_transaction_stores_none_of_its_waiting_writes(engine: Engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        defer_writes(conn)
        _put(conn, "a", 1)
        raise RuntimeError("changed my mind")
    with engine.begin() as conn:
        _put(conn, "b", 2)
    assert _counters(engine) == {"b": 2}


def test_a_connection_dropped_while_waiting_writes_go_with_the_commit_is_sqlalchemys_operational_error(
    pg_url: str,
) -> None:
    """The server drops the connection between the last statement and the COMMIT that carries the waiting writes
    (a restart, a failover, `pg_terminate_backend`): the error is `sa.exc.OperationalError`, as for any statement,
    so the HTTP edge answers 503 with Retry-After, not 500 (it was psycopg's own class, raised from the commit
    hook); nothing is stored, and the next transaction on the engine works."""
    engine = make_engine(pg_url)
    install(engine, None)
    try:
        with pytest.raises(sa.exc.OperationalError) as raised, engine.begin() as conn:
            defer_writes(conn)
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            _put(conn, "dropped", 1)  # waits for the commit
            with engine.connect() as admin:
                admin.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        assert raised.value.connection_invalidated
        assert "dropped" not in _counters(engine)
        with engine.begin() as conn:
            _put(conn, "after", 2)
        assert _counters(engine)["after"] == 2
    finally:
        engine.dispose()


def test_a_waiting_write_the_database_refuses_fails_the_commit_and_nothing_of_the_transaction_is_stored(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        _put(conn, "a", 1)
    with pytest.raises(REFUSED), engine.begin() as conn:
        defer_writes(conn)
        _put(conn, "b", 2)
        _put(conn, "a", 9)  # the key is taken: refused here (SQLite) or at the commit (PostgreSQL)
    assert _counters(engine) == {"a": 1}
    with engine.begin() as conn:  # the connection is usable again
        _put(conn, "c", 3)
    assert _counters(engine) == {"a": 1, "c": 3}


def test_locks_and_reads_in_one_round_trip_give_what_the_separate_reads_give(warden: App, world: World) -> None:
    sent = [world.phone_search() for _ in range(3)]
    world.send(*sent)
    home = warden.pipeline.partition_of("ent-1")
    chains = [PLATFORM_CHAIN, chain_of(home)]
    ids = [e["id"] for e in sent] + ["never-sent"]
    with warden.engine.begin() as conn:
        heads, stored = store.lock_and_read(conn, {home}, chains, ids)
    with warden.engine.begin() as conn:
        assert heads == store.audit_heads(conn, chains)
        assert stored == store.existing_outcomes(conn, ids)
    assert set(stored) == {e["id"] for e in sent}


def _stored(engine: Engine, ids: list[str]) -> list[tuple[object, ...]]:
    e = t.events
    with engine.connect() as conn:
        rows = conn.execute(sa.select(e).where(e.c.id.in_(ids)).order_by(e.c.id)).all()
    return [tuple(r) for r in rows]


def test_a_batch_stored_by_copy_reads_back_as_inserted_rows_and_is_vouched_for(warden: App, world: World) -> None:
    many = [world.phone_search(greeting="加我领红包") for _ in range(store.COPY_FROM)]
    world.send(*many)  # COPY on PostgreSQL
    alone = world.phone_search(greeting="加我领红包")
    world.send(alone)  # an INSERT
    rows = _stored(warden.engine, [e["id"] for e in [*many, alone]])
    assert len(rows) == store.COPY_FROM + 1
    by_copy, by_insert = rows[0], next(r for r in rows if r[0] == alone["id"])
    names = [c.name for c in t.events.columns]
    for name in ("type", "account_id", "enterprise_id", "policy_hash", "audit_chain"):
        i = names.index(name)
        assert by_copy[i] == by_insert[i]
    for name in ("occurred_at", "received_at"):  # times come back as the same kind of value, zone and all
        i = names.index(name)
        assert type(by_copy[i]) is type(by_insert[i]) and by_copy[i].utcoffset() == by_insert[i].utcoffset()
    assert warden.enforcement.audit_verify().ok


def test_a_pooled_connection_the_server_dropped_is_one_warning_line_not_an_error_with_a_traceback(
    pg_url: str,
) -> None:
    """A connection the server dropped while it sat checked out (a restart, `pg_terminate_backend`) cannot be
    reset when it is given back: SQLAlchemy's pool logged that at ERROR with a traceback, though it discards the
    connection and nothing failed. warden's log handler makes it one WARNING line with the server's words."""
    import io
    import logging

    from warden.adapters.logs import configure
    from warden.settings import Settings

    out = io.StringIO()
    configure(Settings(log_format="text"), out)
    engine = make_engine(pg_url)
    try:
        raw = engine.raw_connection()
        cur = raw.cursor()
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
        with engine.connect() as admin:
            admin.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        raw.close()  # back to the pool: its reset fails
        with engine.connect() as conn:  # the next checkout works
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()
        root = logging.getLogger()
        for h in [h for h in root.handlers if h.get_name() == "warden"]:
            root.removeHandler(h)
    text = out.getvalue()
    assert "WARNING sqlalchemy.pool" in text and "a pooled database connection was lost and is discarded" in text
    assert "terminating connection" in text
    assert "ERROR" not in text and "Traceback" not in text


def _waits(engine: Engine, run: Callable[[], object]) -> tuple[int, list[str]]:
    """How many times the client waits on the PostgreSQL server while `run` runs: each simple `Query` and each
    `Sync` of the extended protocol (a pipeline's statements before its one `Sync` go in one round trip), read
    from libpq's trace of every connection the engine hands out meanwhile. Returns the count and the trace."""
    import tempfile

    from sqlalchemy import event

    def traced(dbapi: Any, _record: Any, _proxy: Any) -> None:
        dbapi.pgconn.trace(trace.fileno())

    def untraced(dbapi: Any, _record: Any) -> None:
        dbapi.pgconn.untrace()

    with tempfile.TemporaryFile("w+") as trace:
        event.listen(engine, "checkout", traced)
        event.listen(engine, "checkin", untraced)
        try:
            run()
        finally:
            event.remove(engine, "checkout", traced)
            event.remove(engine, "checkin", untraced)
        trace.seek(0)
        lines = [ln for ln in trace.read().splitlines() if ln.split("\t")[1:2] == ["F"]]
    sent = [ln.split("\t")[3] for ln in lines]
    return sum(1 for m in sent if m in ("Query", "Sync")), lines


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_single_events_transaction_waits_on_postgresql_five_times(warden: App, world: World) -> None:
    """One event decided alone (`POST /v1/events` with nobody beside it) is one transaction of 5 round trips on
    PostgreSQL: BEGIN; the policy watch's read with the directory read of the batch's accounts (`LivePolicy.probe`,
    was 2 round trips); the partition locks with the audit heads and the stored ids (`store.lock_and_read`); the
    read of the batch's accounts' stored later events (`store.later_events`, late18: re-deciding in event order;
    not yet in the locks' pipeline, so one round trip more than the 4 of single16); the writes with the COMMIT
    (`database.defer_writes`). Counted on the wire (libpq's trace), for a known account whose
    state the process holds, as the single-event path runs it (`Ingest.run_requests`)."""
    world.send(world.phone_search())  # the account's state is now held by the process

    def decide() -> None:
        request = warden.pipeline.request([world.phone_search()], "platform")
        warden.pipeline.run_requests([request])
        assert request.outcome().outcomes[0].allowed is not None

    waits, lines = _waits(warden.engine, decide)
    assert waits == 5, "\n".join(lines)


def test_accounts_read_through_the_driver_give_what_sqlalchemys_reads_give(warden: App, world: World) -> None:
    """`store.load_subjects` reads the accounts, their live restrictions, strikes (in order) and live exemptions
    through the driver (in one pipeline on PostgreSQL): the subjects equal those of the four reads through
    SQLAlchemy, booleans and times (UTC) as SQLAlchemy gives them, ended, lifted and expired rows left out alike,
    rows of an unknown account ignored."""
    from datetime import timedelta

    from warden.kernel.model import Restriction, Scope, Strike

    world.account("acc-2")
    now = world.clock.now()
    strikes = [
        Strike(f"s{i}", "account", aid, "S-A1", "L", 1 + i, now - timedelta(hours=i), "h" * 64, {"n": i})
        for i, aid in enumerate(["acc-1", "acc-1", "acc-2", "acc-ghost"])
    ]
    live = Restriction("r1", "account", "acc-1", Scope.FEATURES, 1, "S-A1", now - timedelta(hours=1), None, "s0")
    ended = Restriction("r2", "account", "acc-1", Scope.LOGIN, 2, "S-A1", now - timedelta(days=3), now - timedelta(1))
    lifted = Restriction(
        "r3", "account", "acc-2", Scope.FEATURES, 1, "S-A2", now, now + timedelta(1), lifted_at=now, lift_reason="x"
    )
    later = Restriction("r4", "account", "acc-2", Scope.LOGIN, 2, "S-A2", now, now + timedelta(days=2), "s2", True)
    with warden.engine.begin() as conn:
        conn.execute(sa.insert(t.strikes), [store.strike_row(s) for s in strikes])
        conn.execute(sa.insert(t.restrictions), [store.restriction_row(r) for r in (live, ended, lifted, later)])
        conn.execute(
            sa.insert(t.exemptions),
            [
                {
                    "account_id": "acc-1",
                    "rule_id": "S-A1",
                    "until": now + timedelta(days=1),
                    "reason": "r",
                    "actor": "op",
                    "created_at": now,
                },
                {
                    "account_id": "acc-2",
                    "rule_id": "S-A1",
                    "until": now - timedelta(days=1),
                    "reason": "r",
                    "actor": "op",
                    "created_at": now,
                },
            ],
        )
    ids = ["acc-2", "acc-1", "acc-ghost"]
    with warden.engine.begin() as conn:
        one, ents_one = store.load_subjects(conn, ids, now)
        apart, ents_apart = store.load_subjects(conn, ids, now, pipelined=False)
    assert one == apart and ents_one == ents_apart
    assert [r.id for r in one["acc-1"].restrictions] == ["r1"] and [r.id for r in one["acc-2"].restrictions] == ["r4"]
    assert [s.id for s in one["acc-1"].strikes] == ["s1", "s0"] and "acc-ghost" not in one
    assert one["acc-1"].exemptions == {"S-A1": now + timedelta(days=1)} and one["acc-2"].exemptions == {}
    assert type(one["acc-1"].account.real_name_verified) is bool and type(later.self_unblock) is bool
    assert one["acc-2"].restrictions[0].self_unblock is True and one["acc-2"].restrictions[0].evidence == {}
    assert one["acc-1"].restrictions[0].starts_at.tzinfo is not None
    assert one["acc-1"].restrictions[0].starts_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_an_account_seen_first_costs_its_own_state_in_one_round_trip_on_postgresql(warden: App, world: World) -> None:
    """An event of an account the process holds nothing of (the first since a start) reads the account's row,
    live restrictions, strikes and exemptions in one round trip (`store.load_subjects`; were 4): counted on the
    wire, the reads of the subject in a transaction already begun, its enterprise already held."""
    world.account("acc-2")
    now = world.clock.now()
    with warden.engine.connect() as conn:
        enterprise = store.load_subjects(conn, ["acc-1"], now)[0]["acc-1"].enterprise
    held = {enterprise.id: (enterprise, [], [])}

    def read(pipelined: bool) -> Callable[[], None]:
        def run() -> None:
            with warden.engine.begin() as conn:
                conn.exec_driver_sql("SELECT 1")  # the transaction's BEGIN, before what is counted
                subjects, _ = store.load_subjects(conn, ["acc-2"], now, known=held, pipelined=pipelined)
                assert set(subjects) == {"acc-2"}

        return run

    together, _ = _waits(warden.engine, read(True))
    apart, _ = _waits(warden.engine, read(False))
    assert (together, apart) == (4, 7)  # BEGIN, SELECT 1, the reads (1 or 4), the COMMIT


def _decide_alone(warden: App, event: dict[str, Any]) -> None:
    """One event decided as `POST /v1/events` hands it over when nobody sends beside it (`Ingest.run_requests`)."""
    request = warden.pipeline.request([event], "platform")
    warden.pipeline.run_requests([request])
    assert request.outcome().outcomes[0].allowed is not None


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_single_event_of_an_account_met_first_waits_on_postgresql_five_times_too(warden: App, world: World) -> None:
    """The first event of an account since the start (its state, counter entries, weight state and lifted unblocks
    not held) waits on PostgreSQL as often as a known account's: the reads of its state go with the partition locks
    (`store.lock_and_read`'s `ahead`; were 4 more round trips, then 1 in tail16). Counted on the wire; the account
    registered before the process decided anything in the partition, so nobody wrote there since."""
    world.account("acc-2")
    world.send(world.phone_search())  # acc-1's state is held, and the partition's stamp
    waits, lines = _waits(warden.engine, lambda: _decide_alone(warden, world.phone_search("acc-2")))
    assert waits == 5, "\n".join(lines)
    waits, lines = _waits(warden.engine, lambda: _decide_alone(warden, world.phone_search("acc-2")))
    assert waits == 5, "\n".join(lines)


def _statements(engine: Engine, run: Callable[[], object]) -> tuple[list[str], list[str]]:
    """The statements SQLite runs while `run` runs (its trace callback, on every connection the engine hands out),
    and those among them SQLAlchemy sent (`before_cursor_execute`): the rest went through the driver."""
    from sqlalchemy import event

    every: list[str] = []
    via_sqlalchemy: list[str] = []

    def traced(dbapi: Any, _record: Any, _proxy: Any) -> None:
        dbapi.set_trace_callback(every.append)

    def untraced(dbapi: Any, _record: Any) -> None:
        dbapi.set_trace_callback(None)

    def noted(_conn: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        via_sqlalchemy.append(statement)

    event.listen(engine, "checkout", traced)
    event.listen(engine, "checkin", untraced)
    event.listen(engine, "before_cursor_execute", noted)
    try:
        run()
    finally:
        event.remove(engine, "checkout", traced)
        event.remove(engine, "checkin", untraced)
        event.remove(engine, "before_cursor_execute", noted)
    return every, via_sqlalchemy


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_single_decision_on_sqlite_runs_15_statements_and_an_account_met_first_7_more_all_through_the_driver(
    warden: App, world: World
) -> None:
    """A single event's transaction on SQLite, counted by SQLite's trace: 15 statements for an account whose state the
    process holds (BEGIN, emptying `audit_touched`, the policy watch, the directory, the heads, the stored ids, the
    accounts' stored later events (late18, through SQLAlchemy: one more than single16's 14), the event, two audit
    entries, three weight rows, the checkpoint, COMMIT); 7 more for an account met first (its row, restrictions,
    strikes, exemptions, counter entries, weight state, lifted unblocks), every one of them through the driver:
    SQLAlchemy sends as many statements for it as for a known account (were 3 more)."""
    world.account("acc-2")
    world.send(world.phone_search())
    known, known_sa = _statements(warden.engine, lambda: _decide_alone(warden, world.phone_search()))
    first, first_sa = _statements(warden.engine, lambda: _decide_alone(warden, world.phone_search("acc-2")))
    assert len(known) == 15, "\n".join(known)
    assert len(first) == 22, "\n".join(first)
    assert len(first_sa) == len(known_sa), "\n".join(first_sa)
    reads = [s for s in first if s.startswith("SELECT") and s not in known]
    for table in ("events", "weight_accounts", "unblock_applications", "accounts", "exemptions"):
        assert any(f"FROM {table} " in s for s in reads), table


def test_the_reads_of_an_account_met_first_through_the_driver_give_what_sqlalchemys_reads_give(
    warden: App, world: World
) -> None:
    """What ingest now reads through the driver, with the locks, for an account met first equals the reads through
    SQLAlchemy, on both engines: counter entries with an event exactly at `after` (left out) and exactly at `until`
    (kept), or no `until`; weight states of accounts and enterprises (none for an account without a row); lifted
    unblocks (only `lifted` ones with a time, each account's in the order lifted, times aware UTC, JSON lists read)."""
    from datetime import timedelta

    from warden.unblock import store as unblock_store
    from warden.weight import store as weight_store

    world.account("acc-2")
    world.account("acc-3")
    now = world.clock.now()
    at = [now - timedelta(minutes=m) for m in (50, 40, 30, 20, 10)]
    world.send(*[world.phone_search(aid, at=t) for aid in ("acc-1", "acc-2") for t in at])
    ids = ["acc-2", "acc-1", "acc-3", "acc-ghost"]

    def app(i: str, aid: str, state: str, lifted: Any, rules: str | None) -> dict[str, Any]:
        return {
            "id": i,
            "account_id": aid,
            "phone": "+8613800000000",
            "state": state,
            "created_at": now - timedelta(days=3),
            "updated_at": now,
            "actor": "acc",
            "counted": True,
            "targets": "[]",
            "verified": "[]",
            "lifted_at": lifted,
            "lifted_step": 2 if lifted else None,
            "lifted_rules": rules,
            "plugin_signatures": '["sig"]' if rules else None,
        }

    with warden.engine.begin() as conn:
        conn.execute(
            sa.insert(t.unblock_applications),
            [
                app("u1", "acc-1", "lifted", now - timedelta(days=1), '["S-A1"]'),
                app("u2", "acc-1", "lifted", now - timedelta(days=2), None),
                app("u3", "acc-1", "reversed", now - timedelta(hours=5), '["S-A2"]'),
                app("u4", "acc-2", "lifted", None, None),
                app("u5", "acc-2", "lifted", now - timedelta(hours=3), '["plugin_software"]'),
            ],
        )

    def sent(conn: sa.Connection, reads: store.Reads) -> store.Reads:
        store.send_reads(conn, [reads])
        return reads

    with warden.engine.begin() as conn:
        for after, until in ((at[1], at[3]), (at[1], None), (now - timedelta(days=1), at[0])):
            want = store.counter_entries(conn, ids, after, until)
            got = store.counter_entries_from(
                sent(conn, store.counter_entries_reads(conn, ids, after, until)).all_rows()
            )
            assert got == want and want
        inside = store.counter_entries(conn, ["acc-1"], at[1], at[3])["acc-1"]
        assert {e[1] for e in inside} == {at[2].timestamp(), at[3].timestamp()}  # (after, until]

        want_states = weight_store.stored_accounts(conn, ids)
        rows = sent(conn, weight_store.stored_accounts_reads(conn, ids)).all_rows()
        got_states = weight_store.stored_accounts_from(rows)
        assert set(got_states) == set(want_states) == {"acc-1", "acc-2"}
        assert {a: (s.to_json(), e) for a, (s, e) in got_states.items()} == {
            a: (s.to_json(), e) for a, (s, e) in want_states.items()
        }
        firms = ["ent-1", "ent-ghost"]
        want_firms = weight_store.enterprise_states(conn, firms)
        rows = sent(conn, weight_store.enterprise_states_reads(conn, firms)).all_rows()
        got_firms = weight_store.enterprise_states_from(rows)
        assert {e: s.to_json() for e, s in got_firms.items()} == {e: s.to_json() for e, s in want_firms.items()}
        assert set(got_firms) == {"ent-1"}

        want_lifted = unblock_store.lifted_unblocks(conn, ids)
        got_lifted = unblock_store.lifted_unblocks_from(
            conn, sent(conn, unblock_store.lifted_unblocks_reads(conn, ids))
        )
    assert got_lifted == want_lifted
    assert [u.application_id for u in got_lifted["acc-1"]] == ["u2", "u1"]
    assert [u.application_id for u in got_lifted["acc-2"]] == ["u5"]
    assert got_lifted["acc-1"][1].rules == ("S-A1",) and got_lifted["acc-2"][0].plugin_signatures == ("sig",)
    assert got_lifted["acc-1"][0].lifted_at.utcoffset() == timedelta(0)
