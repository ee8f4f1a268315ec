"""Engines for the embedded default (SQLite in WAL mode) and production (PostgreSQL), and migrations.

On SQLite every writing transaction starts with `BEGIN IMMEDIATE`, so two writers queue on the lock
instead of failing halfway; readers pass `execution_options(readonly=True)` and take a plain `BEGIN`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_URL = "sqlite:///warden.db"
WAL_AUTOCHECKPOINT = 10_000
"""Pages (4 KiB) the write-ahead log may hold before the committing writer copies them into the database (SQLite's
default is 1,000). Each ingest batch rewrites the tail leaf page of every account it touches in
`ix_events_account_time`: ~170 pages per 1,000 events over 10,000 stored events, ~1,100 over 1,000,000 (issue 16).
At 1,000 pages a checkpoint ran after every batch and copied each of them again; at 10,000 a checkpoint comes every
~8 batches at that size and copies a page rewritten by several of them once."""
WAL_SIZE_LIMIT = 64 * 1024 * 1024
"""Bytes the write-ahead log file is cut back to after a checkpoint (`journal_size_limit`)."""
log = logging.getLogger(__name__)


def make_engine(url: str | None = None, background_checkpoint: bool = False, **kwargs: Any) -> Engine:
    """An engine for `url`. With `background_checkpoint` (long-running servers on SQLite), no writer runs WAL
    checkpoints itself; a `WalCheckpointer` thread does, so no request pays for one (it was the p99 tail)."""
    url = url or DEFAULT_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=8, max_overflow=8, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: the default 2 MiB cannot hold a large history's indexes
            cur.execute(f"PRAGMA wal_autocheckpoint={0 if background_checkpoint else WAL_AUTOCHECKPOINT}")
            cur.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            readonly = conn.get_execution_options().get("readonly", False)
            driver_of(conn).execute("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    # No pre-ping: it costs a round trip per transaction on the hot path; stale connections are recycled instead.
    engine = sa.create_engine(url, pool_size=10, max_overflow=10, pool_recycle=1800, **kwargs)
    # the end of a transaction ends its exclusive section, if it had one (`LOCK_TIMES`)
    event.listen(engine, "commit", _ended)
    event.listen(engine, "rollback", _ended)
    # deferred driver writes (`write_later`): sent before the next statement, or with the COMMIT in one round trip
    event.listen(engine, "before_cursor_execute", _before_statement)
    _COMMIT_STEPS[engine] = []
    event.listen(engine, "commit", _commit_with_writes)
    event.listen(engine, "rollback", _drop_writes)
    return engine


_COMMIT_STEPS: weakref.WeakKeyDictionary[Engine, list[Callable[[Connection], None]]] = weakref.WeakKeyDictionary()
"""Per PostgreSQL engine: what runs at each commit before the COMMIT is sent (`on_commit`)."""


def on_commit(engine: Engine, step: Callable[[Connection], None]) -> None:
    """Run `step(conn)` when a transaction on `engine` commits, before the COMMIT: on an engine of `make_engine` for
    PostgreSQL, ahead of the COMMIT's own round trip, so the writes `step` leaves waiting (`write_later`) go with it;
    elsewhere, as a plain `commit` listener."""
    steps = _COMMIT_STEPS.get(engine)
    if steps is None:
        event.listen(engine, "commit", step)
    else:
        steps.append(step)


class WalCheckpointer:
    """Checkpoints SQLite's write-ahead log every `interval` seconds from a daemon thread.

    The checkpoint runs on the driver connection outside any transaction: inside one (SQLAlchemy begins one on the
    first statement) SQLite refuses it with "database table is locked". `checkpoints` counts the ones that ran."""

    def __init__(self, engine: Engine, interval: float = 0.5) -> None:
        self._engine = engine
        self._interval = interval
        self.checkpoints = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpointer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        failing = False
        while not self._stop.wait(self._interval):
            try:
                conn = self._engine.raw_connection()
                try:
                    cur = conn.cursor()
                    cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    cur.close()
                finally:
                    conn.close()
            except Exception:  # a missed checkpoint is retried on the next tick; say so once per run of failures
                if not failing:
                    log.warning("WAL checkpoint failed; retrying every %.1f s", self._interval, exc_info=True)
                failing = True
                continue
            failing = False
            self.checkpoints += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


_DRIVER_SQL: dict[tuple[str, str], str] = {}


def driver_of(conn: Connection) -> Any:
    """The DB-API connection (sqlite3 / psycopg) under `conn`, in `conn`'s transaction."""
    return conn.connection.driver_connection


def driver_run(conn: Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    """Run `sql` (one `?` per parameter, no other `?` or `%`) on the DB-API connection under `conn`, inside its
    transaction, and return the driver's cursor (rows as the driver gives them: plain tuples, no type conversion).

    For the ingest path's few fixed statements (issue 16): a SQLAlchemy `execute` costs ~30–100 µs of Python per
    statement (cache key, parameter processing, result set-up), the driver's own ~2 µs on SQLite. Only for tables no
    listener needs to see written: the audit trail's capture (`audit_state.install`) notes writes to the covered
    tables from SQLAlchemy's `before_cursor_execute`, which a statement sent here bypasses."""
    if _PENDING in conn.info:
        send_writes(conn)
    return driver_of(conn).execute(_marks(sql, conn), tuple(params))


_DEFER = "warden.defer_writes"  # conn.info: this transaction's driver writes may wait (`defer_writes`)
_PENDING = "warden.pending_writes"  # conn.info: [(sql, rows)] waiting to be sent (`write_later`)


def defer_writes(conn: Connection) -> None:
    """Let this transaction's driver writes (`write_later`: ingest's event rows, audit entries and checkpoints) wait
    until the next statement or the commit, and go in one round trip with it (PostgreSQL, issue 16: a single event's
    transaction was ~14 round trips). Nothing changes for what the transaction sees: every statement of it, through
    SQLAlchemy or `driver_run`, first sends what waits, in order; the COMMIT goes last, so nothing is acknowledged
    before it is durable. Ends with the transaction. SQLite (in-process, no round trips): no effect."""
    if conn.dialect.name == "postgresql":
        conn.info[_DEFER] = True


def write_later(conn: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run the driver statement `sql` (the driver's own parameter marks) once per row of `rows`, in this
    transaction: at once, or, after `defer_writes`, with the next statement or the commit (a write whose result no
    one reads: no returned rows, no row count)."""
    if not rows:
        return
    if conn.info.get(_DEFER):
        conn.info.setdefault(_PENDING, []).append((sql, rows))
        return
    _send(driver_of(conn), [(sql, rows)])


def send_writes(conn: Connection) -> None:
    """Send what `write_later` kept waiting (one round trip), e.g. before the driver reads on its own."""
    pending = conn.info.pop(_PENDING, None)
    if pending:
        dbapi = driver_of(conn)
        with _as_sqlalchemy(conn, "the transaction's waiting writes"), dbapi.pipeline():  # every statement sent,
            _send(dbapi, pending)  # then one wait for them all (psycopg's pipeline)


def _send(dbapi: Any, writes: list[tuple[str, Sequence[Sequence[Any]]]]) -> None:
    cur = dbapi.cursor()
    try:
        for sql, rows in writes:
            if len(rows) > 1:
                cur.executemany(sql, rows)
            else:
                cur.execute(sql, rows[0])
    finally:
        cur.close()


@contextlib.contextmanager
def _as_sqlalchemy(conn: Connection, what: str) -> Iterator[None]:
    """The driver's errors of the writes sent here as SQLAlchemy's classes (`sa.exc.OperationalError` for a
    connection the server dropped, `sa.exc.IntegrityError` for a refused row …), as a statement through SQLAlchemy
    raises them: callers tell a database that is away (a 503 with Retry-After, `http.problems.database_away`) from
    other faults by those classes alone. The connection is marked invalid when the driver says it is gone."""
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        yield
    except dbapi_error as exc:
        gone = bool(conn.dialect.is_disconnect(exc, driver_of(conn), None))
        if gone:
            conn.invalidate(exc)
        raise sa.exc.DBAPIError.instance(
            what, None, exc, dbapi_error, connection_invalidated=gone, dialect=conn.dialect
        ) from exc


def _before_statement(conn: Connection, *_args: Any) -> None:
    if _PENDING in conn.info:
        send_writes(conn)


def _commit_with_writes(conn: Connection) -> None:
    """The pending writes and the COMMIT in one round trip (psycopg's pipeline; SQLAlchemy's own commit after this
    finds the transaction ended and sends nothing). A write the database refuses raises here: the transaction is
    rolled back, nothing of it stored."""
    if conn.invalidated:
        return
    for step in _COMMIT_STEPS.get(conn.engine, ()):
        step(conn)
    conn.info.pop(_DEFER, None)
    pending = conn.info.pop(_PENDING, None)
    if pending:
        dbapi = driver_of(conn)
        with _as_sqlalchemy(conn, "COMMIT"), dbapi.pipeline():  # one Sync for all: psycopg's `commit()` would add
            _send(dbapi, [*pending, ("COMMIT", [()])])  # one of its own


def _drop_writes(conn: Connection) -> None:
    if not conn.invalidated:
        conn.info.pop(_DEFER, None)
        conn.info.pop(_PENDING, None)


def driver_pipeline(conn: Connection, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[Any]]:
    """Run `statements` (`driver_run`'s form: one `?` per parameter) in order in one round trip on PostgreSQL
    (psycopg's pipeline: the server still runs them one after another, each seeing what the one before did, e.g. a
    lock taken), one by one on SQLite; each one's rows as the driver gives them."""
    if conn.dialect.name != "postgresql" or not statements:
        return [list(driver_run(conn, sql, params)) for sql, params in statements]
    send_writes(conn)
    dbapi = driver_of(conn)
    curs = []
    with dbapi.pipeline():
        for sql, params in statements:
            curs.append(dbapi.cursor().execute(_marks(sql, conn), tuple(params)))
    try:
        return [c.fetchall() if c.description is not None else [] for c in curs]
    finally:
        for c in curs:
            c.close()


def _marks(sql: str, conn: Connection) -> str:
    if conn.dialect.paramstyle == "qmark":
        return sql
    key = (sql, conn.dialect.paramstyle)
    text = _DRIVER_SQL.get(key)
    if text is None:
        text = _DRIVER_SQL[key] = sql.replace("?", "%s")
    return text


@contextlib.contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.execution_options(readonly=True).begin():
        yield conn


PLATFORM_LOCK = 7_346_001
"""The advisory lock of the platform chain (PostgreSQL). Platform-wide writers (manual actions, policy, directory)
hold it exclusively; partition writers hold it shared, so they run side by side but never beside a platform write."""
PARTITION_LOCK = 7_346_002
"""The first key of each partition's advisory lock, `(PARTITION_LOCK, p)` in the two-key form."""
ROOT_LOCK = 7_346_003
"""The root chain's advisory lock (`audit_roots`): only root writers wait on it, never ingest."""


class LockTimes:
    """The serial sections of this process (issue 17, what `warden bench scale` reports as the serial fraction):

    - `waiting`: seconds spent in `pg_advisory_xact_lock*` calls (the platform lock, partition locks, the root lock),
      i.e. waiting for another process's transaction to let go;
    - `exclusive_held`: seconds from taking a lock only one process may hold at a time across partitions (the
      platform lock exclusively, the root chain's lock) to the end of that transaction; `exclusive` counts them;
    - `committing`: seconds spent in an ingest batch's COMMIT (the round trip and the WAL flush it waits for;
      `pipeline.ingest`): not serial, but where a consumer waits on the database's disk (`warden bench scale`'s
      phase table).

    Plain floats, summed over every thread; a `threading.Lock` guards them. PostgreSQL only (SQLite's one writer at a
    time is serial by construction and not counted)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self.waiting = 0.0
        self.exclusive_held = 0.0
        self.exclusive = 0
        self.committing = 0.0

    def add(self, waited: float, exclusive: bool) -> None:
        with self._guard:
            self.waiting += waited
            self.exclusive += int(exclusive)

    def held(self, seconds: float) -> None:
        with self._guard:
            self.exclusive_held += seconds

    def committed(self, seconds: float) -> None:
        with self._guard:
            self.committing += seconds

    def snapshot(self) -> dict[str, float]:
        """`{"lock_wait_s", "exclusive_s", "exclusive_sections", "commit_s"}` as they stand (for logs and the
        bench)."""
        with self._guard:
            return {
                "lock_wait_s": self.waiting,
                "exclusive_s": self.exclusive_held,
                "exclusive_sections": float(self.exclusive),
                "commit_s": self.committing,
            }

    def reset(self) -> None:
        with self._guard:
            self.waiting, self.exclusive_held, self.exclusive, self.committing = 0.0, 0.0, 0, 0.0


LOCK_TIMES = LockTimes()
_EXCLUSIVE_SINCE = "warden_exclusive_since"  # conn.info: when this transaction took an exclusive lock (perf_counter)


def _exclusive(conn: Connection) -> None:
    """Note that this transaction now holds a lock no other process may take: timed until it ends (`_ended`)."""
    conn.info.setdefault(_EXCLUSIVE_SINCE, time.perf_counter())


def _ended(conn: Connection) -> None:
    if conn.invalidated:  # the server dropped it (restart, failover): no lock is held, and its `info` is gone
        return
    since = conn.info.pop(_EXCLUSIVE_SINCE, None)
    if since is not None:
        LOCK_TIMES.held(time.perf_counter() - since)


def lock_platform(conn: Connection) -> None:
    """Take the platform chain's lock for this transaction, exclusively: every partition writer waits (SQLite's
    BEGIN IMMEDIATE already serialises every writer)."""
    if conn.dialect.name == "postgresql":
        started = time.perf_counter()
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PLATFORM_LOCK})")
        LOCK_TIMES.add(time.perf_counter() - started, True)
        _exclusive(conn)


def lock_partitions(conn: Connection, partitions: Iterable[int]) -> None:
    """Take the locks of `partitions` for this transaction: the platform lock shared, then each partition's lock
    exclusively in ascending order (one statement; two transactions asking for overlapping sets cannot deadlock).
    Writers of different partitions never wait for each other."""
    if conn.dialect.name != "postgresql":
        return
    started = time.perf_counter()
    conn.exec_driver_sql(partition_locks(partitions))
    LOCK_TIMES.add(time.perf_counter() - started, False)


def partition_locks(partitions: Iterable[int]) -> str:
    """The one statement of `lock_partitions` (PostgreSQL), for a caller that sends it with others in one round trip
    (`store.lock_and_read`; it then adds the time to `LOCK_TIMES` itself)."""
    calls = [f"pg_advisory_xact_lock_shared({PLATFORM_LOCK})"]
    calls += [f"pg_advisory_xact_lock({PARTITION_LOCK}, {int(p)})" for p in sorted(set(partitions))]
    return "SELECT " + ", ".join(calls)


def try_lock_partitions(conn: Connection, partitions: Iterable[int]) -> bool:
    """Take the locks of `partitions` for this transaction without waiting (a batch reaching beyond its own
    partitions, `Ingest`): True when every one was free (then all are held), False when any is held elsewhere."""
    if conn.dialect.name != "postgresql":
        return True
    parts = sorted(set(partitions))
    if not parts:
        return True
    calls = ", ".join(f"pg_try_advisory_xact_lock({PARTITION_LOCK}, {int(p)})" for p in parts)
    got = conn.exec_driver_sql(f"SELECT {calls}").first()
    return got is not None and all(got)


def lock_roots(conn: Connection) -> None:
    """Take the root chain's lock for this transaction (only root writers wait on it; one at a time: timed as an
    exclusive section)."""
    if conn.dialect.name == "postgresql":
        started = time.perf_counter()
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ROOT_LOCK})")
        LOCK_TIMES.add(time.perf_counter() - started, True)
        _exclusive(conn)


def serialize_writers(conn: Connection, key: int = PLATFORM_LOCK) -> None:
    """Make concurrent writers of the platform chain queue up (`lock_platform`; kept for callers of old)."""
    if key == PLATFORM_LOCK:
        lock_platform(conn)
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({key})")


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


_MIGRATING = threading.Lock()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent). One migration at a time per process: Alembic keeps
    its migration context in module globals, so two threads migrating (two backtests building their scratch
    databases at once) would run into each other's (`KeyError: 'script'`, half-built schemas)."""
    from alembic import command

    with _MIGRATING:
        command.upgrade(alembic_config(engine), "head")


def start_over(url: str) -> None:
    """Start the database at `url` over (a demo's fresh start): a SQLite file is deleted with its `-wal` and
    `-shm` files; a server database is brought to the newest schema and every warden table emptied."""
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)
        return
    from warden.adapters.tables import metadata

    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
    finally:
        engine.dispose()


def not_set_up(url: str) -> str | None:
    """Why the database at `url` holds no warden schema to read (never set up, or a mistyped `--database`), or None
    when it has one. Creates nothing: a SQLite file that does not exist is not opened (opening would create it)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            return "an in-memory SQLite database holds nothing another command wrote"
        path = Path(str(parsed.database))
        if not path.is_file():
            return f"no database file at {parsed.database}"
        if path.stat().st_size == 0:  # opening it would write SQLite's header into a file nobody set up
            return "the database has no warden schema"
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return "the database has no warden schema"
    except sa.exc.OperationalError as exc:
        from warden.adapters.health import check_database

        return check_database(engine) or f"the database cannot be read ({exc.__class__.__name__})"
    finally:
        engine.dispose()
    return None
