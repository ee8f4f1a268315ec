"""`warden bench ingest`: the ingest rate against the raw insert floor, measured in the same run.

Figures, never verdicts: events/s in-process, events/s through the batch HTTP API (a real server process),
and plain batched inserts of the same rows into the same database; the ingest rate with a small and a large
stored history; p50/p99 latency of single contact-request decisions next to a no-op endpoint.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy.sql.elements import quoted_name

from warden.adapters import tables as t
from warden.adapters.database import make_engine

if TYPE_CHECKING:
    from warden.app import App

ACCOUNTS = 2000
ENTERPRISES = 20
GREETINGS = [
    "您好，我是销售部的小王",
    "你好，方便加个好友吗",
    "您好，跟进一下报价",
    "hello, nice to meet you",
    "加我领红包",
]
FEATURES = ["chat_message", "file_download", "clock_in", "attendance", "leave_request"]


@contextlib.contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """A fresh database for the run: a temp SQLite file, or a new PostgreSQL database beside the given one."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    url = kind if "://" in kind else "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"warden_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def directory(w: App, now: datetime) -> None:
    """`ENTERPRISES` enterprises through the service; `ACCOUNTS` accounts as one raw insert (a fixture)."""
    from warden.kernel.model import Enterprise

    for e in range(ENTERPRISES):
        ent = Enterprise(f"ent-{e}", f"Enterprise {e}", e % 5 != 0, now - timedelta(days=500))
        w.enforcement.register_enterprise(ent, "bench")
    rows = [
        {
            "id": f"acc-{a}",
            "enterprise_id": f"ent-{a % ENTERPRISES}",
            "phone": f"138{a:08d}",
            "real_name_verified": a % 7 != 0,
            "created_at": now - timedelta(days=10 + a % 700),
            "avatar": "a.png",
            "nickname": f"n{a}",
            "external_card": "c",
        }
        for a in range(ACCOUNTS)
    ]
    with w.engine.begin() as conn:
        conn.execute(sa.insert(t.accounts), rows)


def make_events(n: int, start: datetime, span_s: float, prefix: str, seed: int = 7) -> list[dict[str, Any]]:
    """A realistic mix: contact requests, logins, feature use, messages, contacts, reports, profile changes."""
    rnd = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(n):
        at = (start + timedelta(seconds=span_s * i / n)).isoformat()
        acc = f"acc-{rnd.randrange(ACCOUNTS)}"
        base = {"id": f"{prefix}-{i}", "occurred_at": at, "account_id": acc}
        r = rnd.random()
        ev: dict[str, Any]
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


def floor_rate(engine: sa.Engine, events: list[dict[str, Any]], now: datetime) -> float:
    """Plain batched inserts of the same events (1,000 per commit) into a copy of the events table."""
    md = sa.MetaData()
    floor = t.events.to_metadata(md, name="bench_floor")
    for ix in list(floor.indexes):
        ix.name = quoted_name(f"bf_{ix.name}", None)
    md.drop_all(engine)
    md.create_all(engine)
    rows = [
        {
            "id": e["id"],
            "type": e["type"],
            "account_id": e["account_id"],
            "enterprise_id": None,
            "occurred_at": datetime.fromisoformat(e["occurred_at"]),
            "received_at": now,
            "payload": json.dumps(e, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            "outcome": '{"allowed":null,"reasons":[]}',
            "counted": "[]",
            "policy_hash": "0" * 64,
            "audit_seq": 1,
        }
        for e in events
    ]
    t0 = time.perf_counter()
    for i in range(0, len(rows), 1000):
        with engine.begin() as conn:
            conn.execute(sa.insert(floor), rows[i : i + 1000])
    dt = time.perf_counter() - t0
    md.drop_all(engine)
    return len(rows) / dt


def ingest_rate(w: App, events: list[dict[str, Any]]) -> float:
    """Events/s ingesting `events` in batches of 1,000 through the ingest use case."""
    t0 = time.perf_counter()
    for i in range(0, len(events), 1000):
        w.pipeline.ingest(events[i : i + 1000], actor="bench")
    return len(events) / (time.perf_counter() - t0)


def fill_history(engine: sa.Engine, target: int, now: datetime, progress: Progress) -> None:
    """Bring the stored events up to `target` with old rows (past every window), as raw inserts."""
    with engine.connect() as c:
        have = c.execute(sa.select(sa.func.count()).select_from(t.events)).scalar_one()
    task = progress.add_task(f"history → {target:,}", total=max(0, target - have))
    old = now - timedelta(days=400)
    n = have
    while n < target:
        k = min(5000, target - n)
        rows = [
            {
                "id": f"hist-{n + j}",
                "type": "feature_use",
                "account_id": f"acc-{(n + j) % ACCOUNTS}",
                "enterprise_id": f"ent-{(n + j) % ENTERPRISES}",
                "occurred_at": old + timedelta(seconds=n + j),
                "received_at": old,
                "payload": '{"type":"feature_use"}',
                "outcome": '{"allowed":null,"reasons":[]}',
                "counted": "[]",
                "policy_hash": "0" * 64,
                "audit_seq": 0,
            }
            for j in range(k)
        ]
        with engine.begin() as conn:
            conn.execute(sa.insert(t.events), rows)
        n += k
        progress.advance(task, k)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(url: str) -> Iterator[str]:
    port = free_port()
    env = os.environ | {"WARDEN_DATABASE_URL": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "warden.entrypoints.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    import httpx

    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/v1/ping", timeout=0.5)
                break
            except httpx.HTTPError as exc:
                if proc.poll() is not None:
                    stderr = (proc.stderr.read() if proc.stderr else b"").decode()[-2000:]
                    raise RuntimeError("the server did not start: " + stderr) from exc
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run_bench_ingest(kind: str, n: int, histories: list[int], latency_n: int, console: Console) -> None:
    import httpx

    from warden.bootstrap import bootstrap
    from warden.kernel.access import Role
    from warden.settings import Settings
    from warden.weight.feature import weight_off

    with scratch_database(kind) as url:
        engine = make_engine(url)
        now = datetime.now(UTC).replace(microsecond=0)
        w = bootstrap(Settings(database_url=url))
        directory(w, now)
        dialect = engine.dialect.name
        console.print(
            f"[bold]warden bench ingest[/] on {dialect} ({url.split('@')[-1]}), {n:,} events per run, "
            f"{ACCOUNTS} accounts"
        )
        results: list[tuple[str, float]] = []
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("floor + in-process", total=2)
            warm = make_events(2000, now - timedelta(hours=3), 600, "warm", 1)
            ingest_rate(w, warm)
            evs = make_events(n, now - timedelta(hours=2), 1800, "a", 2)
            floor = floor_rate(engine, evs, now)
            progress.advance(task)
            inproc = ingest_rate(w, make_events(n, now - timedelta(hours=2), 1800, "b", 2))
            progress.advance(task)
            # the same mix once more without weight upkeep (issue 4: on vs off): the same database, no weight feature
            w_off = bootstrap(Settings(database_url=url), policy=weight_off(w.loaded))
            off = ingest_rate(w_off, make_events(n, now - timedelta(hours=2), 1800, "b-off", 2))
            w_off.close()
            results += [
                ("raw insert floor", floor),
                ("in-process engine", inproc),
                ("in-process, weight upkeep off", off),
            ]

            _, secret = w.tokens.create(Role.PLATFORM, label="bench")
            headers = {"Authorization": f"Bearer {secret}"}
            with server(url) as base, httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                hevs = make_events(n, now - timedelta(minutes=90), 1800, "c", 3)
                task = progress.add_task("HTTP batches", total=len(hevs))
                t0 = time.perf_counter()
                for i in range(0, len(hevs), 1000):
                    r = client.post("/v1/event-batches", json={"events": hevs[i : i + 1000]})
                    r.raise_for_status()
                    progress.advance(task, 1000)
                http_rate = len(hevs) / (time.perf_counter() - t0)
                results.append(("HTTP batch API", http_rate))

                task = progress.add_task("latency", total=2 * latency_n)
                single = make_events(latency_n, now - timedelta(minutes=30), 1500, "lat", 4)
                single = [
                    e | {"type": "contact_request", "method": "qr_code", "target": "x", "greeting": "您好"}
                    for e in single
                ]
                for e in single:
                    for key in (
                        "feature",
                        "device_id",
                        "client_version",
                        "via_linked_personal",
                        "text",
                        "to_external",
                        "contact_id",
                        "initiated_by",
                        "reporter_id",
                        "reason",
                        "field",
                        "value",
                    ):
                        e.pop(key, None)
                lat_ping, lat_dec = [], []
                for i in range(latency_n):  # interleaved so both see the same machine state
                    t0 = time.perf_counter()
                    client.get("/v1/ping").raise_for_status()
                    lat_ping.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    client.post("/v1/events", json=single[i]).raise_for_status()
                    lat_dec.append(time.perf_counter() - t0)
                    progress.advance(task, 2)

            hist_rates = []
            for k, h in enumerate(histories):
                fill_history(engine, h, now, progress)
                ingest_rate(w, make_events(2000, now - timedelta(minutes=25), 60, f"hw{h}", 6))  # warm the caches
                recent = make_events(min(n, 10000), now - timedelta(minutes=20 - k), 600, f"h{h}", 5)
                hist_rates.append((h, ingest_rate(w, recent)))

        table = Table(title=f"ingest on {dialect}")
        table.add_column("path")
        table.add_column("events/s", justify="right")
        table.add_column("× floor", justify="right")
        for name, rate in results:
            table.add_row(name, f"{rate:,.0f}", f"{rate / floor:.2f}")
        console.print(table)
        console.print(f"weight upkeep on / off (in-process, same mix): {inproc / off:.2f}")
        ht = Table(title="in-process rate vs stored history")
        ht.add_column("stored events", justify="right")
        ht.add_column("events/s", justify="right")
        ht.add_column("× first", justify="right")
        for h, rate in hist_rates:
            ht.add_row(f"{h:,}", f"{rate:,.0f}", f"{rate / hist_rates[0][1]:.2f}")
        console.print(ht)
        lt = Table(title=f"HTTP latency, {latency_n} sequential requests each (ms)")
        for c in ("endpoint", "p50", "p99", "mean"):
            lt.add_column(c, justify="right" if c != "endpoint" else "left")
        for name, lat in (("GET /v1/ping (no-op)", lat_ping), ("POST /v1/events (decision)", lat_dec)):
            lt.add_row(
                name,
                f"{pct(lat, 0.5) * 1000:.2f}",
                f"{pct(lat, 0.99) * 1000:.2f}",
                f"{statistics.mean(lat) * 1000:.2f}",
            )
        console.print(lt)
        console.print(
            f"p99 decision / p99 no-op: {pct(lat_dec, 0.99) / pct(lat_ping, 0.99):.2f}; "
            f"p50 ratio {pct(lat_dec, 0.5) / pct(lat_ping, 0.5):.2f}"
        )
        w.engine.dispose()
        engine.dispose()
