"""`warden bench ingest`: the ingest rate against the fastest honest way to store the same rows, in one run.

Every case starts from a fresh copy of the same prepared database (SQLite: the file copied; PostgreSQL: a
database created from a template), ingests the same warm-up events untimed, then is timed on the same stream of
events. The cases of a repeat run one after the other and the repeats interleave (all cases, then all cases
again in reverse order, and so on), so a busy machine or a warming disk cache slows every case alike. Each
figure is the median of the repeats with min and max; a ratio is taken within each repeat (both sides measured
minutes apart at most), then its median.

The cases:

- **floors**: the stream's event rows, as ingest stores them, 1,000 per transaction, through SQLAlchemy Core
  (what ingest's own insert uses: a reference), the driver's `executemany` (sqlite3 / psycopg), and `COPY` on
  PostgreSQL. "× floor" divides by the fastest driver floor (highest median) in the same repeat;
- **in-process ingest** with every feature, and with weight upkeep off: the App built from the policy with
  `weight.enabled: false`, so bootstrap builds no weight feature (checked before timing); its start-up heap frozen
  as `warden serve` and `warden consume` freeze theirs (`bootstrap.freeze_heap`);
- **the HTTP batch API**: a `warden serve` process, 1,000 events per request;
- **latency**: single decisions (`POST /v1/events`) interleaved with a no-op (`GET /v1/ping`) for p50/p99, one
  request at a time on one `http.client` keep-alive connection, on a fresh `warden serve` after the warm-up;
- **single events over HTTP**: a fresh `warden serve` per case, `POST /v1/events` one event per request from 1
  client, then from 16 clients side by side (each account's events through one client, in event time); the
  16-connection rate shows the group commit (`entrypoints.http.group_commit`, `Ingest.run_requests`) at work;
  the clients are `http.client` keep-alive connections on threads of this process, bodies serialized beforehand;
  with `workers`, each again against `warden serve --workers W`. The server processes' own CPU per event is
  printed beside the rates;
- **growth**: the in-process stream on databases already holding N older stored events, one stream each.

CPU time is this process's plus, when they run on this machine, the server process's and the PostgreSQL
backends' serving the case (`/proc`): on SQLite in-process the database is inside this process anyway.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from warden.adapters import tables as t
from warden.adapters.database import make_engine
from warden.bench.measure import CpuSource, Run, Spread, pct, process_cpu, ratios, timed

if TYPE_CHECKING:
    from warden.app import App
    from warden.kernel.clock import Clock
    from warden.policy import LoadedPolicy

ACCOUNTS = 2000
ENTERPRISES = 20
EZRULES_SINGLE = 39.0  # events/s, ezrules' published single-connection rate on this machine class (issue 16)
BATCH = 1000  # events per ingest call, per HTTP request and per floor transaction
WARM = 2000  # untimed events every case ingests first (fewer when the stream is shorter)
GREETINGS = [
    "您好，我是销售部的小王",
    "你好，方便加个好友吗",
    "您好，跟进一下报价",
    "hello, nice to meet you",
    "加我领红包",
]
FEATURES = ["chat_message", "file_download", "clock_in", "attendance", "leave_request"]
COLUMNS = [c.name for c in t.events.columns]
Row = dict[str, Any]


# --- databases ------------------------------------------------------------------------------------------------


class Scratch:
    """Databases made for the run and dropped after it: temp SQLite files, or PostgreSQL databases beside the
    given URL's. `create(source=…)` copies a prepared one (file copy / `CREATE DATABASE … TEMPLATE`)."""

    def __init__(self, kind: str) -> None:
        self.sqlite = kind == "sqlite"
        self._made: list[str] = []
        self._serial = itertools.count(1)  # names never repeat within a run
        self._dir = tempfile.mkdtemp(prefix="warden-bench-")
        # one audit signing key for every database of the run, in the run's folder: never the user's own
        self.key_file = str(Path(self._dir) / "audit-key.pem")
        if self.sqlite:
            self.admin: sa.Engine | None = None
            return
        url = kind if "://" in kind else "postgresql://postgres@127.0.0.1:5432/postgres"
        self._server = url.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)[0]
        self.admin = sa.create_engine(
            url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
        )
        with self.admin.connect() as c:
            version = int(c.exec_driver_sql("SHOW server_version_num").scalar_one())
        self._strategy = " STRATEGY FILE_COPY" if version >= 150000 else ""  # a plain file copy: fastest for big ones
        self._tag = uuid.uuid4().hex[:6]

    def create(self, name: str, source: str | None = None) -> str:
        """A new database (empty, or a copy of `source`, a URL this made, no longer in use); returns its URL."""
        name = f"{name}_{next(self._serial)}"
        if self.sqlite:
            path = Path(self._dir) / f"{name}.db"
            if source is not None:
                src = source.removeprefix("sqlite:///")
                shutil.copyfile(src, path)
                if Path(src + "-wal").exists():
                    shutil.copyfile(src + "-wal", str(path) + "-wal")
            url = f"sqlite:///{path}"
        else:
            assert self.admin is not None
            db = f"warden_bench_{self._tag}_{name}"
            sql = f'CREATE DATABASE "{db}"'
            if source is not None:
                sql += f' TEMPLATE "{source.rsplit("/", 1)[1]}"{self._strategy}'
            for attempt in range(40):  # autovacuum may hold the template for a moment
                try:
                    with self.admin.connect() as c:
                        c.exec_driver_sql(sql)
                    break
                except sa.exc.OperationalError:
                    if attempt == 39:
                        raise
                    time.sleep(0.25)
            url = f"{self._server}/{db}"
        self._made.append(url)
        return url

    def drop(self, url: str) -> None:
        if url in self._made:
            self._made.remove(url)
        if self.sqlite:
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
            return
        assert self.admin is not None
        with self.admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    def backends(self, url: str) -> CpuSource | None:
        """CPU seconds of the PostgreSQL backends connected to `url`'s database (None on SQLite)."""
        if self.admin is None:
            return None
        admin, db = self.admin, url.rsplit("/", 1)[1]

        def cpu() -> dict[int, float]:
            with admin.connect() as c:
                pids = c.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": db}).scalars()
                return {pid: v for pid in pids if (v := process_cpu(pid)) is not None}

        return cpu

    def close(self) -> None:
        for url in list(self._made):
            self.drop(url)
        if self.admin is not None:
            self.admin.dispose()
        shutil.rmtree(self._dir, ignore_errors=True)


# --- fixtures and the stream ---------------------------------------------------------------------------------------


def directory(w: App, now: datetime, enterprises: int = ENTERPRISES, accounts: int = ACCOUNTS) -> None:
    """`enterprises` enterprises through the service; `accounts` accounts (acc-a in ent-(a mod enterprises)) as one
    raw insert (a fixture)."""
    from warden.kernel.model import Enterprise

    for e in range(enterprises):
        ent = Enterprise(f"ent-{e}", f"Enterprise {e}", e % 5 != 0, now - timedelta(days=500))
        w.enforcement.register_enterprise(ent, "bench")
    rows = [
        {
            "id": f"acc-{a}",
            "enterprise_id": f"ent-{a % enterprises}",
            "phone": f"138{a:08d}",
            "real_name_verified": a % 7 != 0,
            "created_at": now - timedelta(days=10 + a % 700),
            "avatar": "a.png",
            "nickname": f"n{a}",
            "external_card": "c",
        }
        for a in range(accounts)
    ]
    with w.engine.begin() as conn:
        conn.execute(sa.insert(t.accounts), rows)


def make_events(n: int, start: datetime, span_s: float, prefix: str, seed: int = 7) -> list[Row]:
    """A realistic mix: contact requests, logins, feature use, messages, contacts, reports, profile changes."""
    rnd = random.Random(seed)
    out: list[Row] = []
    for i in range(n):
        at = (start + timedelta(seconds=span_s * i / n)).isoformat()
        acc = f"acc-{rnd.randrange(ACCOUNTS)}"
        base = {"id": f"{prefix}-{i}", "occurred_at": at, "account_id": acc}
        r = rnd.random()
        ev: Row
        if r < 0.40:
            ev = {
                "type": "contact_request",
                "method": rnd.choice(["phone_search", "qr_code"]),
                "target": f"139{rnd.randrange(10**8):08d}",
                "greeting": rnd.choice(GREETINGS),
            }
        elif r < 0.55:
            ev = {
                "type": "login",
                "device_id": f"d{rnd.randrange(5000)}",
                "client_version": "4.1.30",
                "via_linked_personal": rnd.random() < 0.6,
            }
        elif r < 0.75:
            ev = {"type": "feature_use", "feature": rnd.choice(FEATURES)}
        elif r < 0.87:
            ev = {"type": "message", "text": rnd.choice(GREETINGS), "to_external": rnd.random() < 0.3}
        elif r < 0.94:
            ev = {
                "type": "contact_added",
                "contact_id": f"wx-{rnd.randrange(10**6)}",
                "initiated_by": rnd.choice(["self", "contact"]),
            }
        elif r < 0.97:
            ev = {"type": "report", "reporter_id": f"wx-{rnd.randrange(10**6)}", "reason": "spam"}
        else:
            ev = {"type": "profile_change", "field": "nickname", "value": f"n{i}"}
        out.append(base | ev)
    return out


def single_decisions(n: int, start: datetime) -> list[Row]:
    """`n` contact requests by QR code (each one decision) for the latency figure."""
    rnd = random.Random(4)
    return [
        {
            "id": f"lat-{i}",
            "occurred_at": (start + timedelta(seconds=1500 * i / n)).isoformat(),
            "account_id": f"acc-{rnd.randrange(ACCOUNTS)}",
            "type": "contact_request",
            "method": "qr_code",
            "target": "x",
            "greeting": "您好",
        }
        for i in range(n)
    ]


def event_rows(events: list[Row], policy_hash: str, now: datetime) -> list[Row]:
    """The rows ingest stores for `events` (validated payload, the common outcome, no counter entries)."""
    from warden.kernel.events import EventAdapter

    return [
        {
            "id": e.id,
            "type": e.type,
            "account_id": e.account_id,
            "enterprise_id": f"ent-{int(e.account_id.split('-')[1]) % ENTERPRISES}",
            "occurred_at": e.occurred_at,
            "received_at": now,
            "payload": e.model_dump_json(),
            "outcome": '{"allowed":null,"reasons":[]}',
            "counted": "[]",
            "policy_hash": policy_hash,
            "audit_seq": 1,
            "audit_chain": 0,
        }
        for e in (EventAdapter.validate_python(x) for x in events)
    ]


def history_rows(first: int, k: int, old: datetime) -> list[Row]:
    """`k` stored feature-use events from long ago (past every window), numbered from `first`."""
    return [
        {
            "id": f"hist-{first + j}",
            "type": "feature_use",
            "account_id": f"acc-{(first + j) % ACCOUNTS}",
            "enterprise_id": f"ent-{(first + j) % ACCOUNTS % ENTERPRISES}",
            "occurred_at": old + timedelta(seconds=first + j),
            "received_at": old,
            "payload": '{"type":"feature_use"}',
            "outcome": '{"allowed":null,"reasons":[]}',
            "counted": "[]",
            "policy_hash": "0" * 64,
            "audit_seq": 0,
            "audit_chain": 0,
        }
        for j in range(k)
    ]


# --- the floors: the same rows stored without warden ------------------------------------------------------------


def driver_values(engine: sa.Engine) -> Callable[[list[Row]], list[tuple[Any, ...]]]:
    """Rows → the driver's parameter tuples, converted exactly as SQLAlchemy converts them for this database."""
    procs = [c.type.dialect_impl(engine.dialect).bind_processor(engine.dialect) for c in t.events.columns]
    pairs = list(zip(COLUMNS, procs, strict=True))

    def convert(rows: list[Row]) -> list[tuple[Any, ...]]:
        return [tuple(r[c] if p is None else p(r[c]) for c, p in pairs) for r in rows]

    return convert


def store_core(engine: sa.Engine, rows: list[Row]) -> None:
    """SQLAlchemy Core `insert(events)` with a list of rows, one transaction per `BATCH`."""
    for i in range(0, len(rows), BATCH):
        with engine.begin() as conn:
            conn.execute(sa.insert(t.events), rows[i : i + BATCH])


def store_driver(engine: sa.Engine, rows: list[Row]) -> None:
    """The driver's `executemany` (sqlite3 / psycopg), one transaction per `BATCH`."""
    convert = driver_values(engine)
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    sql = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join([mark] * len(COLUMNS))})"
    raw = engine.raw_connection()
    try:
        dbapi: Any = raw.driver_connection
        for i in range(0, len(rows), BATCH):
            values = convert(rows[i : i + BATCH])
            if sqlite:  # the engine's connections run in autocommit mode and begin explicitly, as warden's do
                dbapi.execute("BEGIN IMMEDIATE")
                dbapi.executemany(sql, values)
                dbapi.execute("COMMIT")
            else:
                with dbapi.cursor() as cur:
                    cur.executemany(sql, values)
                dbapi.commit()
    finally:
        raw.close()


def store_copy(engine: sa.Engine, rows: list[Row]) -> None:
    """PostgreSQL `COPY events FROM STDIN` through psycopg, one transaction per `BATCH`."""
    convert = driver_values(engine)
    raw = engine.raw_connection()
    try:
        dbapi: Any = raw.driver_connection
        for i in range(0, len(rows), BATCH):
            values = convert(rows[i : i + BATCH])
            with dbapi.cursor() as cur, cur.copy(f"COPY events ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for v in values:
                    copy.write_row(v)
            dbapi.commit()
    finally:
        raw.close()


FLOORS: dict[str, tuple[str, Callable[[sa.Engine, list[Row]], None]]] = {
    "core": ("floor: SQLAlchemy Core insert (reference)", store_core),
    "driver": ("floor: {driver} executemany", store_driver),
    "copy": ("floor: PostgreSQL COPY", store_copy),
}


# --- the cases -------------------------------------------------------------------------------------------------------


@dataclass
class Case:
    """Runs of one case, one per repeat (and, for the HTTP case, its latencies per repeat)."""

    label: str
    runs: list[Run] = field(default_factory=list)
    p50: dict[str, list[float]] = field(default_factory=dict)
    p99: dict[str, list[float]] = field(default_factory=dict)
    server_ms: list[float] = field(default_factory=list)  # the server processes' CPU ms per event, per repeat

    def rates(self) -> list[float]:
        return [r.rate for r in self.runs]

    def cpu_rates(self) -> list[float]:
        return [r.cpu_rate for r in self.runs]


@dataclass
class Setup:
    """What every case of the run shares."""

    scratch: Scratch
    loaded: LoadedPolicy
    warm: list[Row]
    events: list[Row]
    single: list[Row]
    singles: list[Row]
    secret: str
    now: datetime


def _others(*sources: CpuSource | None) -> list[CpuSource]:
    return [s for s in sources if s is not None]


def app_for(
    url: str, loaded: LoadedPolicy, weight: bool, prefix: str, key_file: str, clock: Clock | None = None
) -> App:
    """An App on `url` with every feature, or with weight upkeep off; checks that weight really is on or off.
    `clock`: the App's clock (default: the system's)."""
    from warden.bootstrap import bootstrap
    from warden.settings import Settings
    from warden.weight.feature import weight_off

    settings = Settings(database_url=url, redis_prefix=prefix, audit_key_file=key_file)
    w = bootstrap(settings, policy=loaded if weight else weight_off(loaded), clock=clock)
    built = [f.name for f in w.features]
    if ("weight" in built) != weight:
        w.close()
        raise RuntimeError(f"weight upkeep should be {'on' if weight else 'off'}; the features built: {built}")
    return w


def forget_counters(prefix: str) -> None:
    """Drop a case's Redis counter keys (when the counters are in Redis), so no later case starts from them."""
    from warden.settings import Settings

    settings = Settings()
    if settings.counters != "redis":
        return
    import redis

    client = redis.Redis.from_url(settings.redis_url)
    keys = list(client.scan_iter(f"{prefix}:*", count=10_000))
    for i in range(0, len(keys), 10_000):
        client.delete(*keys[i : i + 10_000])
    client.close()


def ingest_all(w: App, events: list[Row]) -> None:
    for i in range(0, len(events), BATCH):
        w.pipeline.ingest(events[i : i + BATCH], actor="bench")


def run_floor(s: Setup, source: str, how: str, rows: list[Row], warm_rows: list[Row]) -> Run:
    url = s.scratch.create(f"floor_{how}", source)
    engine = make_engine(url)
    try:
        store_driver(engine, warm_rows)  # the same rows in store as the ingest cases' warm-up left
        with timed(len(rows), _others(s.scratch.backends(url))) as timer:
            FLOORS[how][1](engine, rows)
        return timer.run
    finally:
        engine.dispose()
        s.scratch.drop(url)


def run_ingest(s: Setup, source: str, name: str, weight: bool = True) -> Run:
    """One in-process case. The App's start-up heap is frozen once it is built (`bootstrap.freeze_heap`), as
    `warden serve` and `warden consume` do: else a full collection walks those ~450,000 objects again about every
    20,000 events (issue 16), which no ingesting process of warden does. Unfrozen after the case."""
    from warden.bootstrap import freeze_heap

    url = s.scratch.create(name, source)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    w = app_for(url, s.loaded, weight, prefix, s.scratch.key_file)
    try:
        freeze_heap()
        ingest_all(w, s.warm)
        with timed(len(s.events), _others(s.scratch.backends(url))) as timer:
            ingest_all(w, s.events)
        return timer.run
    finally:
        gc.unfreeze()  # the next case's App is frozen on its own; this one's objects may go
        w.close()
        forget_counters(prefix)
        s.scratch.drop(url)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def family_cpu(pid: int) -> dict[int, float]:
    """CPU seconds used so far by `pid` and every living process below it (`warden serve --workers N` runs its
    workers as children of the one started): pid → seconds."""
    out: dict[int, float] = {}
    todo = [pid]
    while todo:
        p = todo.pop()
        v = process_cpu(p)
        if v is not None:
            out[p] = v
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


@contextlib.contextmanager
def server(url: str, prefix: str, key_file: str, workers: int = 1) -> Iterator[tuple[str, int]]:
    """`warden serve` on `url` in a child process (`--workers`); yields its base URL and pid once it answers and its
    processes (every worker's) are idle."""
    import httpx

    port = free_port()
    env = os.environ | {"WARDEN_DATABASE_URL": url, "WARDEN_REDIS_PREFIX": prefix, "WARDEN_AUDIT_KEY_FILE": key_file}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "warden.entrypoints.cli.main",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):
            try:
                httpx.get(base + "/v1/ping", timeout=0.5)
                if len(family_cpu(proc.pid)) > (workers if workers > 1 else 0):  # uvicorn's supervisor + workers
                    break
            except httpx.HTTPError as exc:
                if proc.poll() is not None:
                    stderr = (proc.stderr.read() if proc.stderr else b"").decode()[-2000:]
                    raise RuntimeError("the server did not start: " + stderr) from exc
            time.sleep(0.05)
        # Every worker builds its App (~seconds of CPU) after the first one answers: wait until the processes are
        # idle, so no start-up work runs into the timed part or its CPU figure.
        for _ in range(240):
            before = sum(family_cpu(proc.pid).values())
            time.sleep(0.5)
            if sum(family_cpu(proc.pid).values()) - before < 0.05:
                break
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(30)


def warm_up(client: Any, s: Setup) -> None:
    """Send `s.warm` through the batch API (`client`: an httpx client on the served app), `BATCH` events a request,
    before a served case is timed."""
    for i in range(0, len(s.warm), BATCH):
        client.post("/v1/event-batches", json={"events": s.warm[i : i + BATCH]}).raise_for_status()


def run_http(s: Setup, source: str, case: Case) -> None:
    """The batch API: `s.events` in requests of `BATCH` events after the warm-up, on a fresh `warden serve`."""
    import httpx

    url = s.scratch.create("http", source)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    try:
        with server(url, prefix, s.scratch.key_file) as (base, pid):
            headers = {"Authorization": f"Bearer {s.secret}"}
            with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                warm_up(client, s)
                with timed(len(s.events), _others(lambda: family_cpu(pid), s.scratch.backends(url))) as timer:
                    for i in range(0, len(s.events), BATCH):
                        r = client.post("/v1/event-batches", json={"events": s.events[i : i + BATCH]})
                        r.raise_for_status()
                case.runs.append(timer.run)
    finally:
        forget_counters(prefix)
        s.scratch.drop(url)


LAST_LATENCIES: list[list[float]] = []
"""The latency case's last run: [no-op, decision] seconds per request, in the order sent (for a look at the tail)."""


def run_latency(s: Setup, source: str, case: Case) -> None:
    """p50/p99 of one decision (`POST /v1/events`, `s.single`) against a no-op (`GET /v1/ping`), one request at
    a time on one keep-alive connection, interleaved so both see the same machine state, on a fresh `warden serve`
    after the warm-up. The client is `http.client` with bodies serialized beforehand (as in `run_singles`)."""
    import http.client

    import httpx
    import orjson

    url = s.scratch.create("latency", source)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    try:
        with server(url, prefix, s.scratch.key_file) as (base, _pid):
            headers = {"Authorization": f"Bearer {s.secret}"}
            with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                warm_up(client, s)
            host, port = base.removeprefix("http://").rsplit(":", 1)
            sending = headers | {"Content-Type": "application/json"}
            bodies = [orjson.dumps(e) for e in s.single]
            c = http.client.HTTPConnection(host, int(port), timeout=120)
            ping: list[float] = []
            decide: list[float] = []
            try:
                for body in bodies:
                    for path, lat in (("/v1/ping", ping), ("/v1/events", decide)):
                        t0 = time.perf_counter()
                        if lat is ping:
                            c.request("GET", path, headers=headers)
                        else:
                            c.request("POST", path, body, sending)
                        r = c.getresponse()
                        answer = r.read()
                        lat.append(time.perf_counter() - t0)
                        if r.status >= 300:
                            raise RuntimeError(f"{path}: {r.status} {answer[:200].decode(errors='replace')}")
            finally:
                c.close()
            LAST_LATENCIES[:] = [ping, decide]
            for name, lat in (("ping", ping), ("decide", decide)):
                case.p50.setdefault(name, []).append(pct(lat, 0.5) * 1000)
                case.p99.setdefault(name, []).append(pct(lat, 0.99) * 1000)
    finally:
        forget_counters(prefix)
        s.scratch.drop(url)


CONNECTIONS = (1, 16)  # single events over HTTP: one client, then 16 side by side (issue 16's group commit goal)
SINGLES = 1500  # single events per concurrency case


def run_singles(s: Setup, source: str, case: Case, connections: int, workers: int = 1) -> None:
    """`s.singles` as one `POST /v1/events` each, over `connections` clients side by side on a fresh `warden serve`
    with `workers` worker processes (the server's CPU per event goes to `case.server_ms`).
    Each account's events go through one client, in event time (as a platform partitioned by account sends them).
    The clients are threads of this process on the same machine, so their CPU counts: each is the cheapest honest
    one (the standard library's `http.client`, one keep-alive connection, bodies serialized beforehand), about a
    fifth of an httpx client's CPU per request."""
    import http.client
    import threading

    import httpx
    import orjson

    url = s.scratch.create(f"singles_{connections}_{workers}", source)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    lanes: list[list[Row]] = [[] for _ in range(connections)]
    for e in s.singles:
        lanes[int(e["account_id"].rsplit("-", 1)[1]) % connections].append(e)
    failures: list[str] = []
    try:
        with server(url, prefix, s.scratch.key_file, workers) as (base, pid):
            headers = {"Authorization": f"Bearer {s.secret}"}
            with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                warm_up(client, s)

            host, port = base.removeprefix("http://").rsplit(":", 1)
            sending = headers | {"Content-Type": "application/json"}
            bodies = [[orjson.dumps(e) for e in lane] for lane in lanes]  # serialized before the clock starts

            def send(lane: list[bytes]) -> None:  # the lightest client: one keep-alive connection, no HTTP library
                c = http.client.HTTPConnection(host, int(port), timeout=120)
                try:
                    for body in lane:
                        c.request("POST", "/v1/events", body, sending)
                        r = c.getresponse()
                        answer = r.read()
                        if r.status >= 300:
                            failures.append(f"{r.status} {answer[:200].decode(errors='replace')}")
                            return
                finally:
                    c.close()

            threads = [threading.Thread(target=send, args=(lane,)) for lane in bodies]
            served = family_cpu(pid)
            with timed(len(s.singles), _others(lambda: family_cpu(pid), s.scratch.backends(url))) as timer:
                for th in threads:
                    th.start()
                for th in threads:
                    th.join()
            after = family_cpu(pid)
            if failures:
                raise RuntimeError(f"single events over {connections} connection(s) failed: {failures[0]}")
            case.runs.append(timer.run)
            spent = sum(max(0.0, v - served.get(p, 0.0)) for p, v in after.items())
            case.server_ms.append(spent * 1000 / len(s.singles))
    finally:
        forget_counters(prefix)
        s.scratch.drop(url)


# --- the run ---------------------------------------------------------------------------------------------------------


CASES = ("floor", "ingest", "http", "latency", "singles", "growth")
"""The groups of cases `--cases` picks from: the driver floors, in-process ingest (weight on and off), the HTTP batch
API, the p50/p99 of one decision against a no-op, single events over 1 and 16 connections, stored-history growth."""


def run_bench_ingest(
    kind: str,
    n: int,
    histories: list[int],
    latency_n: int,
    console: Console,
    repeats: int = 3,
    only: Sequence[str] = CASES,
    workers: Sequence[int] = (1,),
) -> None:
    """Prepare the starting states, run every case of `only` (names of `CASES`) `repeats` times interleaved, print
    the tables. Single events run against `warden serve --workers W` for each W of `workers`. Raises ValueError
    naming an unknown case."""
    unknown = sorted(set(only) - set(CASES))
    if unknown:
        raise ValueError(f"unknown case(s) {', '.join(unknown)}; the cases are {', '.join(CASES)}")
    if "growth" not in only:
        histories = []
    from warden.adapters.policy_file import load_policy
    from warden.kernel.access import Role
    from warden.settings import Settings

    scratch = Scratch(kind)
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        loaded = load_policy(Settings().policy)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("preparing the starting states", total=1 + len(histories))
            base = scratch.create("base")
            w = app_for(base, loaded, True, "bench-prepare", scratch.key_file)
            directory(w, now)
            _, secret = w.tokens.create(Role.PLATFORM, label="bench")
            dialect = w.engine.dialect.name
            w.close()
            progress.advance(task)
            s = Setup(
                scratch,
                loaded,
                warm=make_events(min(WARM, n), now - timedelta(hours=3), 600, "warm", 1),
                events=make_events(n, now - timedelta(hours=2), 1800, "ev", 2),
                single=single_decisions(latency_n, now - timedelta(minutes=30)),
                singles=make_events(min(n, SINGLES), now - timedelta(minutes=50), 900, "one", 3),
                secret=secret,
                now=now,
            )
            grown: dict[int, str] = {}
            for h in histories:
                url = grown[h] = scratch.create(f"history_{h}", base)
                engine = make_engine(url)
                for i in range(0, h, 10_000):
                    store_driver(engine, history_rows(i, min(10_000, h - i), now - timedelta(days=400)))
                engine.dispose()
                progress.advance(task)

            rows = event_rows(s.events, loaded.hash, now)
            warm_rows = event_rows(s.warm, loaded.hash, now)
            floors = ["core", "driver"] + (["copy"] if dialect == "postgresql" else []) if "floor" in only else []
            driver = "sqlite3" if dialect == "sqlite" else "psycopg"
            cases = {f: Case(FLOORS[f][0].format(driver=driver)) for f in floors}
            if "ingest" in only:
                cases["on"] = Case("in-process ingest")
                cases["off"] = Case("in-process ingest, weight upkeep off")
            if "http" in only:
                cases["http"] = Case("HTTP batch API (warden serve)")
            if "latency" in only and latency_n:
                cases["latency"] = Case("one decision vs a no-op, one request at a time")
            if "singles" in only:
                for wk in workers:
                    for c in CONNECTIONS:
                        label = f"HTTP single events, {c} connection{'s' if c > 1 else ''}"
                        cases[f"singles{c}w{wk}"] = Case(label + (f", {wk} workers" if wk > 1 else ""))
            growth = {h: Case(f"{h:,} stored events") for h in histories}
            steps = len(cases) + len(growth)
            task = progress.add_task("cases", total=repeats * steps)

            def run_case(key: str) -> None:
                if key in FLOORS:
                    cases[key].runs.append(run_floor(s, base, key, rows, warm_rows))
                elif key in ("on", "off"):
                    cases[key].runs.append(run_ingest(s, base, f"ingest_{key}", weight=key == "on"))
                elif key == "http":
                    run_http(s, base, cases[key])
                elif key == "latency":
                    run_latency(s, base, cases[key])
                elif key.startswith("singles"):
                    c, wk = key.removeprefix("singles").split("w")
                    run_singles(s, base, cases[key], int(c), int(wk))
                else:
                    growth[int(key)].runs.append(run_ingest(s, grown[int(key)], "grown"))

            keys = [*cases, *map(str, histories)]
            for r in range(repeats):  # every case once per repeat, in reverse order every other repeat
                for key in keys if r % 2 == 0 else keys[::-1]:
                    label = cases[key].label if key in cases else growth[int(key)].label
                    progress.update(task, description=f"repeat {r + 1}/{repeats}: {label}")
                    run_case(key)
                    progress.advance(task)
        report(console, dialect, n, repeats, cases, floors, growth, latency_n, workers)
    finally:
        scratch.close()


def report(
    console: Console,
    dialect: str,
    n: int,
    repeats: int,
    cases: dict[str, Case],
    floors: list[str],
    growth: dict[int, Case],
    latency_n: int,
    workers: Sequence[int] = (1,),
) -> None:
    """Print the tables of the cases that ran: rates with the floor, growth, latency, and the ratios the goals speak
    of (a ratio whose cases did not run is left out)."""
    floor_key = max((f for f in floors if f != "core"), key=lambda f: statistics.median(cases[f].rates()), default=None)
    floor = cases[floor_key] if floor_key else None
    server_cpu = "" if dialect == "sqlite" else " + the PostgreSQL backends serving it"
    console.print(
        f"[bold]warden bench ingest[/] on {dialect}: {n:,} events per run in batches of {BATCH:,}, "
        f"{ACCOUNTS:,} accounts; every figure the median of {repeats} interleaved repeats [dim](min–max)[/], "
        "each case on a fresh copy of the same database after the same warm-up"
    )
    rated = {k: c for k, c in cases.items() if c.runs}
    if rated:
        table = Table(title=f"ingest on {dialect}")
        table.add_column("case")
        table.add_column("events/s (wall)", justify="right")
        table.add_column("events per CPU s", justify="right")
        table.add_column("server CPU ms per event", justify="right")
        if floor:
            table.add_column("× floor (wall)", justify="right")
            table.add_column("× floor (CPU)", justify="right")
        for key, case in rated.items():
            label = case.label + (" [bold]← the floor[/]" if key == floor_key else "")
            row = [
                label,
                Spread.of(case.rates()).show(),
                Spread.of(case.cpu_rates()).show(),
                Spread.of(case.server_ms).show(".2f") if case.server_ms else "",
            ]
            if floor:
                row += [
                    ratios(case.rates(), floor.rates()).show(".2f"),
                    ratios(case.cpu_rates(), floor.cpu_rates()).show(".2f"),
                ]
            table.add_row(*row)
        console.print(table)
        console.print(
            (
                f"× floor: the case's events/s ÷ the events/s of [bold]{floor.label}[/] in the same repeat (the "
                f"fastest driver way measured to store the same {n:,} event rows, {BATCH:,} per transaction, with "
                "warden's indexes). "
                if floor
                else ""
            )
            + f"CPU: this process{server_cpu}; for HTTP also the server's processes (the client threads included: "
            "server CPU ms per event is the server's processes alone). Weight upkeep off: the App is built with "
            "weight.enabled false, so no weight feature exists (checked)."
        )
    if growth:
        first = growth[min(growth)]
        gt = Table(title="in-process ingest vs stored history (one stream per fresh database)")
        gt.add_column("stored before the stream", justify="right")
        gt.add_column("events/s (wall)", justify="right")
        gt.add_column("events per CPU s", justify="right")
        gt.add_column("× first (wall)", justify="right")
        gt.add_column("× first (CPU)", justify="right")
        for case in growth.values():
            gt.add_row(
                case.label,
                Spread.of(case.rates()).show(),
                Spread.of(case.cpu_rates()).show(),
                ratios(case.rates(), first.rates()).show(".2f"),
                ratios(case.cpu_rates(), first.cpu_rates()).show(".2f"),
            )
        console.print(gt)
    latency = cases.get("latency")
    if latency and latency.p50:
        lt = Table(title=f"HTTP latency, {latency_n:,} sequential requests of each, interleaved (ms)")
        lt.add_column("endpoint")
        lt.add_column("p50", justify="right")
        lt.add_column("p99", justify="right")
        for key, name in (("ping", "GET /v1/ping (no-op)"), ("decide", "POST /v1/events (one decision)")):
            lt.add_row(name, Spread.of(latency.p50[key]).show(".2f"), Spread.of(latency.p99[key]).show(".2f"))
        console.print(lt)
    rt = Table(title="ratios (each taken within a repeat; median (min–max))")
    rt.add_column("ratio")
    rt.add_column("wall", justify="right")
    rt.add_column("CPU", justify="right")
    rt.add_column("goal (issue 16)", justify="right")
    on, off, http = cases.get("on"), cases.get("off"), cases.get("http")
    if floor:
        for name, against, goal in (("in-process ingest", on, "≥ 0.4"), ("HTTP batch API", http, "≥ 0.25")):
            if against:
                rt.add_row(
                    f"{name} / {floor.label.removeprefix('floor: ')}",
                    ratios(against.rates(), floor.rates()).show(".2f"),
                    ratios(against.cpu_rates(), floor.cpu_rates()).show(".2f"),
                    goal,
                )
    if on and off:
        rt.add_row(
            "weight upkeep on / off (in-process)",
            ratios(on.rates(), off.rates()).show(".2f"),
            ratios(on.cpu_rates(), off.cpu_rates()).show(".2f"),
            "≥ 0.85",
        )
    if len(growth) > 1:
        lo, hi = growth[min(growth)], growth[max(growth)]
        rt.add_row(
            f"{max(growth):,} / {min(growth):,} stored events",
            ratios(hi.rates(), lo.rates()).show(".2f"),
            ratios(hi.cpu_rates(), lo.cpu_rates()).show(".2f"),
            "≥ 0.9",
        )
    one = cases.get(f"singles{CONNECTIONS[0]}w1")
    for wk in workers:
        many = cases.get(f"singles{CONNECTIONS[-1]}w{wk}")
        if one is None or many is None:
            continue
        served = f", {wk} workers" if wk > 1 else ""
        rt.add_row(
            f"single events over HTTP: {CONNECTIONS[-1]} connections{served} / {CONNECTIONS[0]} (1 worker)",
            ratios(many.rates(), one.rates()).show(".2f"),
            ratios(many.cpu_rates(), one.cpu_rates()).show(".2f"),
            "≥ 4",
        )
        rt.add_row(
            f"single events over HTTP, {CONNECTIONS[-1]} connections{served} / ezrules' published 39 events/s",
            Spread.of([r / EZRULES_SINGLE for r in many.rates()]).show(".1f"),
            "",
            "≥ 30",
        )
    if latency and latency.p99:
        rt.add_row(
            "p99 one decision / p99 no-op", ratios(latency.p99["decide"], latency.p99["ping"]).show(".2f"), "", "≤ 2"
        )
    if rt.row_count:
        console.print(rt)
