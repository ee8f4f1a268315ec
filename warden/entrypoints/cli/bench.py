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
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from warden.adapters import tables as t
from warden.adapters.database import make_engine

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


def directory(w: Any, now: datetime) -> None:
    from warden.kernel.model import Enterprise

    for e in range(ENTERPRISES):
        w.register_enterprise(Enterprise(f"ent-{e}", f"Enterprise {e}", e % 5 != 0, now - timedelta(days=500)), "bench")
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
    out = []
    for i in range(n):
        at = (start + timedelta(seconds=span_s * i / n)).isoformat()
        acc = f"acc-{rnd.randrange(ACCOUNTS)}"
        base = {"id": f"{prefix}-{i}", "occurred_at": at, "account_id": acc}
        r = rnd.random()
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
        ix.name = f"bf_{ix.name}"
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


def ingest_rate(w: Any, events: list[dict[str, Any]]) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(events), 1000):
        w.ingest(events[i : i + 1000], actor="bench")
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

            _, secret = w.create_token(Role.PLATFORM, label="bench")
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
                    for k in (
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
                        e.pop(k, None)
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


# --- warden bench quality (issue 10) -----------------------------------------------------------------------------

QUALITY_DEFAULT_COMPANIES = 3  # seed 1: ~200 accounts, ~26k events; all three batch sizes in ~1.5–3 minutes


def _pct(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{v * 100:.{digits}f}%"


def run_bench_quality(
    seed: int,
    companies: int,
    shops: int | None,
    batch_sizes: list[int],
    json_out: bool,
    policy_path: str | None,
    examples: int,
    console: Console,
    warmup_days: int = 30,
    measured_days: int = 7,
) -> None:
    """Generate the population, measure it at each batch size, print tables (or JSON to stdout)."""
    from warden.adapters.policy_file import load_policy
    from warden.simulation.population import generate
    from warden.simulation.quality import GOALS, RECALL_WINDOW_EVENTS, run_quality

    err = Console(stderr=True)
    t0 = time.perf_counter()
    with err.status("generating the population …"):
        pop = generate(seed, companies, shops, warmup_days=warmup_days, measured_days=measured_days)
    gen_s = time.perf_counter() - t0
    policy = load_policy(policy_path)
    s = pop.summary()
    if not json_out:
        console.print(
            f"[bold]warden bench quality[/] seed {seed}: {sum(s['enterprises'].values())} enterprises "
            f"({', '.join(f'{n} {k}' for k, n in s['enterprises'].items())}), {s['accounts']:,} accounts "
            f"({s['abusers']} abusers), {s['events']:,} events ({s['warmup_events']:,} warm-up); "
            f"generated in {gen_s:.1f} s; policy {policy.policy.version} ({policy.short_hash}); "
            f"clock {pop.now.isoformat()}"
        )
    with Progress(console=err, transient=True) as progress:

        def advance_for(bs: int):  # type: ignore[no-untyped-def]
            task = progress.add_task(f"batch size {bs:>5}", total=len(pop.events))
            return lambda n: progress.advance(task, n)

        report = run_quality(pop, batch_sizes, policy, advance_for, examples)
    if json_out:
        out = report.as_dict() | {"generate_seconds": round(gen_s, 2)}
        print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return

    for run in report.runs:
        tb = Table(
            title=f"batch size {run.batch_size}: {run.seconds:.1f} s ingest ({run.events_per_second:,.0f} ev/s)",
            title_justify="left",
            caption=f"recall: caught within {RECALL_WINDOW_EVENTS} abusive events; ev→restr: median abusive events up "
            "to the first restriction; false pos.: legitimate accounts restricted (own or enterprise, pauses "
            "included); denied: accounts with ≥1 denied request",
            caption_justify="left",
        )
        for col, just in (
            ("kind", "left"),
            ("n", "right"),
            ("recall", "right"),
            ("ev→restr", "right"),
            ("false pos.", "right"),
            ("restr.", "right"),
            ("expl.", "right"),
            ("denied", "right"),
        ):
            tb.add_column(col, justify=just)  # type: ignore[arg-type]
        for k in run.kinds:
            tb.add_row(
                ("[red]" if k.abuser else "") + k.kind,
                str(k.accounts),
                f"{k.caught}/{k.accounts} {_pct(k.recall, 0)}" if k.abuser else "",
                "" if k.median_events_to_restriction is None else f"{k.median_events_to_restriction:g}",
                "" if k.abuser else f"{k.false_positives} {_pct(k.false_positive_rate)}",
                str(k.restrictions),
                _pct(k.explained_share, 0),
                str(k.denied_accounts),
            )
        tt = run.totals
        tb.add_section()
        tb.add_row(
            "[bold]total",
            str(tt["accounts"]),
            f"{tt['caught']}/{tt['abusers']} {_pct(tt['recall'], 0)}",
            "",
            f"{tt['false_positives']}/{tt['legitimate']} {_pct(tt['false_positive_rate'], 2)}",
            f"{tt['restrictions']}+{tt['enterprise_restrictions']}e",
            _pct(tt["explained_share"], 0),
            "",
        )
        console.print(tb)

    gt = Table(title="goals", title_justify="left")
    gt.add_column("goal")
    gt.add_column("target", justify="right")
    for run in report.runs:
        gt.add_column(f"batch {run.batch_size}", justify="right")
    gt.add_column("met")
    for row in report.goal_checks():
        if row["goal"] == "identical across batch sizes":
            if len(report.runs) < 2:  # nothing to compare: say so rather than claim it
                gt.add_row(row["goal"], "yes", "n/a (one batch size)", "[yellow]n/a")
                continue
            cells = ["yes" if report.identical else "no"] + [""] * (len(report.runs) - 1)
            target = "yes"
        else:
            cells = [_pct(row["figures"][r.batch_size], 2) for r in report.runs]
            op = "≤" if row["goal"] == "false positives" else "≥"
            target = f"{op} {_pct(row['target'], 1)}"
        gt.add_row(row["goal"], target, *cells, "[green]yes" if row["met"] else "[red]no")
    console.print(gt)

    if not report.identical:
        for pair, d in report.differences.items():
            console.print(
                f"[bold red]not identical[/] ({pair}): {d['decisions_differing']:,} decisions, "
                f"{d['strikes_differing']:,} strikes, {d['restrictions_differing']:,} restrictions differ"
            )
            for ex in d["examples"]:
                console.print("  " + escape(json.dumps(ex, ensure_ascii=False)), soft_wrap=True)
            for ex in d["restriction_examples"]:
                console.print("  only " + escape(json.dumps(ex, ensure_ascii=False)), soft_wrap=True)
    elif len(report.runs) > 1:
        console.print("[green]decisions, strikes and restrictions identical across batch sizes[/]")

    rules = sorted({r for run in report.runs for r in run.false_positives_by_rule})
    if rules:
        rt = Table(
            title="legitimate accounts restricted, by rule (an account may count under several)", title_justify="left"
        )
        rt.add_column("rule")
        for run in report.runs:
            rt.add_column(f"batch {run.batch_size}", justify="right")
        for rule in rules:
            rt.add_row(rule, *[str(run.false_positives_by_rule.get(rule, 0)) for run in report.runs])
        console.print(rt)
    first = report.runs[0]
    denials = first.totals.get("legitimate_denial_reasons") or {}
    if denials:
        console.print(
            f"legitimate accounts' denied events by reason code (batch size {first.batch_size}): "
            + ", ".join(f"{code} {n:,}" for code, n in denials.items())
        )
    if first.false_positive_examples:
        console.print(f"[bold]wrongly restricted legitimate accounts[/] (batch size {first.batch_size}):")
        for ex in first.false_positive_examples:
            traits = escape(f" [{', '.join(ex.traits)}]") if ex.traits else ""
            console.print(
                f"  {ex.account_id} ({ex.kind}{traits}) via {ex.via}: {ex.rule} step {ex.step} {ex.scope} "
                f"from {ex.starts_at}\n    evidence " + escape(json.dumps(ex.evidence, ensure_ascii=False)),
                soft_wrap=True,
            )
    if first.missed_abusers:
        console.print(
            f"[bold]abusers not caught within {RECALL_WINDOW_EVENTS} events[/] (batch size {first.batch_size}):"
        )
        for ex in first.missed_abusers:
            console.print(f"  {ex.account_id} ({ex.kind}, {', '.join(ex.traits) or 'aged'}): {ex.evidence}")
    console.print(
        f"goals: recall ≥ {GOALS.recall:.0%}, false positives ≤ {GOALS.false_positive_rate:.1%}, "
        f"explained {GOALS.explained:.0%}, identical across batch sizes"
    )


def register(app: Any, bench: Any) -> None:
    """Adds `warden bench quality`."""

    @bench.command("quality")
    def quality(
        seed: Annotated[int, typer.Option(help="Population seed: the same seed gives the same population.")] = 1,
        enterprises: Annotated[
            int, typer.Option("--enterprises", "-e", help="Companies of 40–200 staff (plus as many small shops).")
        ] = QUALITY_DEFAULT_COMPANIES,
        shops: Annotated[int | None, typer.Option(help="Small shops of 2–8 staff (default: --enterprises).")] = None,
        batch_sizes: Annotated[str, typer.Option(help="Batch sizes to compare, comma-separated.")] = "1,100,1000",
        json_out: Annotated[bool, typer.Option("--json", help="Print JSON to stdout.")] = False,
        policy: Annotated[str | None, typer.Option("--policy", "-p", help="Policy file (default: shipped).")] = None,
        examples: Annotated[int, typer.Option(help="Wrongly restricted accounts to show.")] = 8,
        warmup_days: Annotated[int, typer.Option(help="Days of ordinary activity before the measured period.")] = 30,
        measured_days: Annotated[int, typer.Option(help="Days of the measured period (abuse starts in it).")] = 7,
    ) -> None:
        """Recall, false positives, explanations and batch-size consistency on a seeded simulated population."""
        sizes = [int(x) for x in batch_sizes.split(",") if x.strip()]
        if not sizes or any(not 1 <= s <= 1000 for s in sizes):
            raise typer.BadParameter("batch sizes are 1–1000", param_hint="--batch-sizes")
        if warmup_days < 0 or measured_days < 1:
            raise typer.BadParameter("--warmup-days ≥ 0 and --measured-days ≥ 1")
        run_bench_quality(
            seed, enterprises, shops, sizes, json_out, policy, examples, Console(), warmup_days, measured_days
        )
