"""`warden bench weight`: ingest with weight upkeep on vs off (same events), and the full recompute rate; with
`--instructions`, the instructions of `warden bench ingest`'s on/off case counted under callgrind.

Fixtures (a directory of up to 100,000 accounts, their stored events) go straight in through `weight/store.py`:
loading them through the services would measure the loading, not weight. SQLite in temp files.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from warden.bench.measure import Run, Spread, callgrind_counts, ratios, timed

if TYPE_CHECKING:
    from warden.app import App

Row = dict[str, Any]

FEATURES = ["chat_message", "file_download", "clock_in", "attendance", "leave_request", "meeting"]


def event_mix(n: int, accounts: int, end: datetime, rng: random.Random) -> list[dict[str, Any]]:
    """A plausible day of traffic: feature use, logins, contact requests, messages, contacts, a few reports."""
    out: list[Row] = []
    span = 12 * 3600
    for i in range(n):
        aid = f"b{rng.randrange(accounts)}"
        at = (end - timedelta(seconds=span * (n - i) / n)).isoformat()
        base: dict[str, Any] = {"id": f"bench-{i}", "occurred_at": at, "account_id": aid}
        r = rng.random()
        if r < 0.3:
            base |= {"type": "feature_use", "feature": rng.choice(FEATURES)}
        elif r < 0.45:
            base |= {
                "type": "login",
                "device_id": f"d-{aid}",
                "client_version": "4.1.30",
                "via_linked_personal": rng.random() < 0.7,
            }
        elif r < 0.65:
            base |= {
                "type": "contact_request",
                "method": rng.choice(["qr_code", "phone_search", "business_card"]),
                "target": f"t{rng.randrange(10**6)}",
                "greeting": rng.choice(["您好，我是销售部的小王", "你好", "加我领红包"]),
            }
        elif r < 0.75:
            base |= {"type": "message", "text": "好的，收到"}
        elif r < 0.85:
            base |= {"type": "contact_added", "contact_id": f"c{rng.randrange(10**5)}"}
        elif r < 0.9:
            base |= {"type": "profile_change", "field": "nickname", "value": f"n{i}"}
        elif r < 0.95:
            base |= {"type": "report", "reporter_id": f"r{rng.randrange(50)}", "reason": "spam"}
        else:
            base |= {"type": "contact_removed", "contact_id": f"c{rng.randrange(10**5)}"}
        out.append(base)
    return out


def _directory_rows(accounts: int, enterprises: int, now: datetime, rng: random.Random) -> tuple[list[Row], list[Row]]:
    """Enterprise rows and account rows for `store.insert_directory`."""
    ents = [
        {
            "id": f"be{k}",
            "name": f"Bench {k}",
            "verified": k % 3 != 0,
            "created_at": now - timedelta(days=30 + k % 700),
            "external_contacts": 0,
        }
        for k in range(enterprises)
    ]
    accs = [
        {
            "id": f"b{i}",
            "enterprise_id": f"be{i % enterprises}",
            "phone": f"138{i:08d}",
            "real_name_verified": rng.random() < 0.7,
            "created_at": now - timedelta(days=rng.randint(1, 900)),
            "avatar": "a.png" if rng.random() < 0.8 else None,
            "nickname": f"n{i}",
            "external_card": "card" if rng.random() < 0.6 else None,
        }
        for i in range(accounts)
    ]
    return ents, accs


def _fresh(tmp: str, name: str, now: datetime, weight_on: bool) -> App:
    """A new application on a new SQLite file in `tmp`, at a fixed `now`, with or without the weight feature (off:
    built from the policy with `weight.enabled: false`, so bootstrap builds no weight feature; checked here)."""
    from warden.adapters.policy_file import load_policy
    from warden.bootstrap import bootstrap
    from warden.kernel.clock import FixedClock
    from warden.settings import Settings
    from warden.weight.feature import weight_off

    settings = Settings(database_url=f"sqlite:///{tmp}/{name}.db")
    loaded = load_policy(settings.policy)
    w = bootstrap(settings, policy=loaded if weight_on else weight_off(loaded), clock=FixedClock(now))
    built = [f.name for f in w.features]
    if ("weight" in built) != weight_on:
        w.close()
        raise RuntimeError(f"weight upkeep should be {'on' if weight_on else 'off'}; the features built: {built}")
    return w


def _load_directory(w: App, ents: list[Row], accs: list[Row]) -> None:
    from warden.weight import store

    with w.engine.begin() as conn:
        store.insert_directory(conn, ents, accs)


def _ingest(w: App, evs: list[Row], batch: int) -> Run:
    """One timed ingest of `evs` in batches of `batch`: wall and CPU time of this process (SQLite runs in-process,
    so CPU time counts all the work and is not disturbed by other programs on a busy machine)."""
    with timed(len(evs)) as timer:
        for i in range(0, len(evs), batch):
            w.pipeline.ingest(evs[i : i + batch], actor="bench")
    return timer.run


def run_bench_weight(
    events: int,
    accounts: int,
    batch: int,
    recompute_accounts: int,
    per_account: int,
    console: Console,
    repeats: int = 3,
) -> None:
    from warden.weight import store

    rng = random.Random(7)
    now = datetime.now(UTC).replace(microsecond=0)
    console.print(
        f"bench weight: {events:,} events per run in batches of {batch}, SQLite (temp files); every figure the "
        f"median of {repeats} interleaved repeats [dim](min–max)[/], each run on a new database with the same directory"
    )
    with tempfile.TemporaryDirectory() as tmp:
        table = Table(title="ingest with weight upkeep on vs off (same events, same starting state)")
        table.add_column("accounts")
        table.add_column("events per account per batch", justify="right")
        table.add_column("off events/s (wall)", justify="right")
        table.add_column("on events/s (wall)", justify="right")
        table.add_column("on / off (wall)", justify="right")
        table.add_column("on / off (CPU time)", justify="right")
        for n_acc in dict.fromkeys([accounts, max(1, accounts // 10)]):
            evs = event_mix(events, n_acc, now - timedelta(seconds=1), random.Random(7))
            ents, accs = _directory_rows(n_acc, max(1, n_acc // 50), now, random.Random(8))
            per_batch = sum(
                len(evs[i : i + batch]) / len({e["account_id"] for e in evs[i : i + batch]})
                for i in range(0, len(evs), batch)
            ) / -(-len(evs) // batch)
            runs: dict[str, list[Run]] = {"off": [], "on": []}
            for rnd in range(repeats):  # alternate, in turns, so warm-up and disk cache favour neither
                for mode in ("off", "on") if rnd % 2 == 0 else ("on", "off"):
                    w = _fresh(tmp, f"{mode}{rnd}-{n_acc}", now, mode == "on")
                    _load_directory(w, ents, accs)
                    runs[mode].append(_ingest(w, evs, batch))
                    w.close()
            on, off = runs["on"], runs["off"]
            table.add_row(
                f"{n_acc:,}",
                f"{per_batch:.1f}",
                Spread.of(r.rate for r in off).show(),
                Spread.of(r.rate for r in on).show(),
                ratios([r.rate for r in on], [r.rate for r in off]).show(".2f"),
                "[bold]" + ratios([r.cpu_rate for r in on], [r.cpu_rate for r in off]).show(".2f") + "[/]",
            )
        console.print(table)
        console.print("on / off: taken within each repeat (off then on, on then off in turns), then the median")

        w = _fresh(tmp, "recompute", now, True)
        ents2, accs2 = _directory_rows(recompute_accounts, max(1, recompute_accounts // 100), now, rng)
        _load_directory(w, ents2, accs2)
        mix_kinds = event_mix(1000, 1, now, rng)
        rows = []
        n = 0
        with w.engine.begin() as conn:
            for i in range(recompute_accounts):
                for _ in range(per_account):
                    proto = dict(mix_kinds[n % len(mix_kinds)])
                    n += 1
                    at = now - timedelta(seconds=rng.randrange(30 * 86400))
                    proto |= {"id": f"r{n}", "account_id": f"b{i}", "occurred_at": at.isoformat()}
                    rows.append(
                        {
                            "id": proto["id"],
                            "type": proto["type"],
                            "account_id": proto["account_id"],
                            "enterprise_id": f"be{i % max(1, recompute_accounts // 100)}",
                            "occurred_at": at,
                            "received_at": now,
                            "payload": json.dumps(proto, ensure_ascii=False),
                            "outcome": "{}",
                            "counted": "[]",
                            "policy_hash": w.loaded.hash,
                            "audit_seq": 0,
                            "audit_chain": 0,
                        }
                    )
                    if len(rows) >= 5000:
                        store.insert_events(conn, rows)
                        rows = []
            if rows:
                store.insert_events(conn, rows)
        console.print(f"full recompute: {recompute_accounts:,} accounts, {n:,} stored events")
        start = time.perf_counter()
        with _bar(console) as bar:
            task = bar.add_task("recomputing", total=recompute_accounts)
            out = w.weight.recompute(lambda done, total: bar.update(task, completed=done, total=total))
        took = time.perf_counter() - start
        w.engine.dispose()
    console.print(
        f"full recompute: [bold]{out['accounts'] / took:,.0f} accounts/s[/] ({out['accounts']:,} accounts, "
        f"{out['enterprises']:,} enterprises in {took:.1f}s)"
    )


def _bar(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


# --- instruction counts of `warden bench ingest`'s on/off case: independent of the machine's load ----------------

INSTRUCTION_STEPS = ("off-prep", "off", "on-prep", "on")


def probe(step: str, events: int) -> None:
    """One process of `count_instructions` (run under callgrind): `warden bench ingest`'s in-process case on a new
    SQLite file at a fixed time — its directory, its warm-up events, then (`off`, `on`) its timed stream of
    `events` events in batches of `ingest.BATCH` — with weight upkeep off or on; a `-prep` step stops before the
    stream (the stream is still generated, so the subtraction leaves only its ingest)."""
    from warden.adapters.policy_file import load_policy
    from warden.bench.ingest import WARM, app_for, directory, ingest_all, make_events
    from warden.bootstrap import freeze_heap
    from warden.kernel.clock import FixedClock
    from warden.settings import Settings

    mode, _, prep = step.partition("-")
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    loaded = load_policy(Settings().policy)
    with tempfile.TemporaryDirectory() as tmp:
        w = app_for(f"sqlite:///{tmp}/w.db", loaded, mode == "on", "bench-weight", f"{tmp}/key.pem", FixedClock(now))
        freeze_heap()  # as `ingest.run_ingest` (and `warden serve` / `warden consume`) do
        directory(w, now)
        ingest_all(w, make_events(min(WARM, events), now - timedelta(hours=3), 600, "warm", 1))
        stream = make_events(events, now - timedelta(hours=2), 1800, "ev", 2)
        if not prep:
            ingest_all(w, stream)
        w.close()


def count_instructions(events: int, console: Console) -> dict[str, float]:
    """Instructions of `warden bench ingest`'s in-process stream with weight upkeep off and on (SQLite, the same
    directory, warm-up and events), counted by valgrind's callgrind: deterministic, the same on a busy machine.
    Each step is its own process; the stream's count is a step's total minus its `-prep` step's. Returns `off`
    and `on` (instructions per event) and `ratio` (off / on: the "on / off" of events per second). Raises
    RuntimeError when valgrind is missing or a step fails."""
    from warden.bench.ingest import ACCOUNTS, BATCH, ENTERPRISES

    code = "import sys; from warden.bench.weight import probe; probe(sys.argv[1], int(sys.argv[2]))"
    console.print(
        f"bench weight --instructions: warden bench ingest's in-process stream, {events:,} events over "
        f"{ACCOUNTS:,} accounts in {ENTERPRISES} enterprises in batches of {BATCH:,}, SQLite; four processes under "
        "callgrind (≈50× slower than native; minutes)"
    )
    counts = callgrind_counts(code, {step: [step, str(events)] for step in INSTRUCTION_STEPS})
    off = counts["off"] - counts["off-prep"]
    on = counts["on"] - counts["on-prep"]
    table = Table(title="ingest instructions with weight upkeep off vs on (callgrind; set-up subtracted)")
    for col in ("off instructions/event", "on instructions/event", "weight's share of on", "on / off (rate)"):
        table.add_column(col, justify="right")
    table.add_row(f"{off / events:,.0f}", f"{on / events:,.0f}", f"{1 - off / on:.1%}", f"[bold]{off / on:.3f}[/]")
    console.print(table)
    console.print("on / off (rate): events per instruction with weight on ÷ with it off (goal, issue 16: ≥ 0.85)")
    return {"off": off / events, "on": on / events, "ratio": off / on}
