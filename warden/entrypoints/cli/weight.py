"""`warden weight show|recompute` and `warden bench weight` (S-B, issue 4)."""

from __future__ import annotations

import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from warden.domain.explain import Lang

console = Console()

DatabaseOpt = Annotated[
    str | None, typer.Option("--database", "-d", help="Database URL (overrides WARDEN_DATABASE_URL).")
]
PolicyOpt = Annotated[Path | None, typer.Option("--policy", "-p", help="Policy file (overrides WARDEN_POLICY).")]


def print_weight(out: dict[str, Any], console: Console, title: str = "") -> None:
    """One weight explanation as a table: factor, points of max, advice."""
    subject = out.get("account_id") or out.get("enterprise_id")
    table = Table(title=title or f"weight of {subject}: [bold]{out['score']}[/] / {out['max']:.0f}", show_lines=True)
    table.add_column("factor")
    table.add_column("points", justify="right")
    table.add_column("how to raise it" if out["lang"] == "en" else "如何提高")
    for f in out["factors"]:
        style = "green" if f["points"] >= f["max"] else ("red" if f["points"] < 0 else "yellow")
        table.add_row(f["title"], f"[{style}]{f['points']:g}[/] / {f['max']:g}", f["advice"] or "—")
    console.print(table)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    weight_app = typer.Typer(
        help="Weight (权重) of accounts and enterprises: explain, recompute.", no_args_is_help=True
    )
    app.add_typer(weight_app, name="weight")

    @weight_app.command("show")
    def show(
        subject: Annotated[str, typer.Argument(help="Account id (or enterprise id with --enterprise).")],
        enterprise: Annotated[bool, typer.Option("--enterprise", help="SUBJECT is an enterprise.")] = False,
        lang: Annotated[str, typer.Option(help="zh or en.")] = "zh",
        database: DatabaseOpt = None,
        json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Explain a weight: score, each factor with its points and maximum, and how to raise it."""
        from warden.entrypoints.cli.main import fail, open_warden
        from warden.kernel.errors import WardenError
        from warden.service.weight import WeightService

        if lang not in ("zh", "en"):
            raise fail("--lang must be zh or en")
        svc = WeightService(open_warden(database))
        language: Lang = "en" if lang == "en" else "zh"
        try:
            out = svc.enterprise(subject, language) if enterprise else svc.account(subject, language)
        except WardenError as exc:
            raise fail(exc.detail) from exc
        if json_out:
            print(json.dumps(out, ensure_ascii=False, indent=2))
            return
        print_weight(out, console)

    @weight_app.command("recompute")
    def recompute(database: DatabaseOpt = None, policy: PolicyOpt = None) -> None:
        """Rebuild every weight from the stored events under the policy in use (after a policy change)."""
        from warden.entrypoints.cli.main import open_warden
        from warden.service.weight import WeightService

        w = open_warden(database, policy)
        start = time.perf_counter()
        with _bar() as bar:
            task = bar.add_task("recomputing weights", total=None)
            out = WeightService(w).recompute(lambda done, total: bar.update(task, completed=done, total=total))
        took = time.perf_counter() - start
        console.print(
            f"[green]recomputed[/] {out['accounts']} accounts and {out['enterprises']} enterprises in {took:.1f}s "
            f"({out['accounts'] / took if took else 0:,.0f} accounts/s) under policy {w.loaded.short_hash}"
        )

    @bench.command("weight")
    def bench_weight(
        events: Annotated[int, typer.Option(help="Events per ingest run.")] = 20_000,
        accounts: Annotated[int, typer.Option(help="Accounts the ingest runs spread over.")] = 2_000,
        batch: Annotated[int, typer.Option(help="Events per ingest batch.")] = 500,
        recompute_accounts: Annotated[int, typer.Option(help="Accounts for the full recompute.")] = 100_000,
        events_per_account: Annotated[int, typer.Option(help="Stored events per account for the recompute.")] = 5,
    ) -> None:
        """Ingest rate with weight upkeep on vs off in one run (same events), and the full recompute rate."""
        run_bench_weight(events, accounts, batch, recompute_accounts, events_per_account, console)


def _bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


# --- benchmark -------------------------------------------------------------------------------------------

FEATURES = ["chat_message", "file_download", "clock_in", "attendance", "leave_request", "meeting"]


def event_mix(n: int, accounts: int, end: datetime, rng: random.Random) -> list[dict[str, Any]]:
    """A plausible day of traffic: feature use, logins, contact requests, messages, contacts, a few reports."""
    out = []
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


def _directory_rows(accounts: int, enterprises: int, now: datetime, rng: random.Random) -> tuple[list, list]:
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


def _fresh(tmp: str, name: str, now: datetime, weight_on: bool) -> Any:
    from warden.bootstrap import bootstrap
    from warden.domain.policy import load_policy
    from warden.kernel.clock import FixedClock
    from warden.service.weight import weight_off
    from warden.settings import Settings

    settings = Settings(database_url=f"sqlite:///{tmp}/{name}.db")
    loaded = load_policy(settings.policy)
    return bootstrap(settings, policy=loaded if weight_on else weight_off(loaded), clock=FixedClock(now))


def _load_directory(w: Any, ents: list, accs: list) -> None:
    from warden.adapters import tables as t

    with w.engine.begin() as conn:
        conn.execute(sa.insert(t.enterprises), ents)
        for i in range(0, len(accs), 5000):
            conn.execute(sa.insert(t.accounts), accs[i : i + 5000])


def _ingest_rate(w: Any, evs: list[dict[str, Any]], batch: int) -> tuple[float, float]:
    """Events per wall-clock second and per CPU second of this process (SQLite runs in-process, so CPU time
    counts all the work and is not disturbed by other programs on a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(evs), batch):
        w.ingest(evs[i : i + batch], actor="bench")
    return len(evs) / (time.perf_counter() - wall), len(evs) / (time.process_time() - cpu)


def run_bench_weight(
    events: int, accounts: int, batch: int, recompute_accounts: int, per_account: int, console: Console
) -> None:
    from warden.adapters import tables as t
    from warden.service.weight import WeightService

    rng = random.Random(7)
    now = datetime.now(UTC).replace(microsecond=0)
    console.print(f"bench weight: {events:,} events per run in batches of {batch}, SQLite (temp files)")
    with tempfile.TemporaryDirectory() as tmp:
        table = Table(title="ingest with weight upkeep on vs off (same events, best of 3 runs each)")
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
            rates: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
            for rnd in range(3):  # alternate, three times, so warm-up and disk cache favour neither
                for mode in ("off", "on"):
                    w = _fresh(tmp, f"{mode}{rnd}-{n_acc}", now, mode == "on")
                    _load_directory(w, ents, accs)
                    rates[mode].append(_ingest_rate(w, evs, batch))
                    w.engine.dispose()
            off, on = max(r[0] for r in rates["off"]), max(r[0] for r in rates["on"])
            off_cpu, on_cpu = max(r[1] for r in rates["off"]), max(r[1] for r in rates["on"])
            table.add_row(
                f"{n_acc:,}",
                f"{per_batch:.1f}",
                f"{off:,.0f}",
                f"{on:,.0f}",
                f"{on / off:.2f}",
                f"[bold]{on_cpu / off_cpu:.2f}[/]",
            )
        console.print(table)

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
                        }
                    )
                    if len(rows) >= 5000:
                        conn.execute(sa.insert(t.events), rows)
                        rows = []
            if rows:
                conn.execute(sa.insert(t.events), rows)
        console.print(f"full recompute: {recompute_accounts:,} accounts, {n:,} stored events")
        start = time.perf_counter()
        with _bar() as bar:
            task = bar.add_task("recomputing", total=recompute_accounts)
            out = WeightService(w).recompute(lambda done, total: bar.update(task, completed=done, total=total))
        took = time.perf_counter() - start
        w.engine.dispose()
    console.print(
        f"full recompute: [bold]{out['accounts'] / took:,.0f} accounts/s[/] ({out['accounts']:,} accounts, "
        f"{out['enterprises']:,} enterprises in {took:.1f}s)"
    )
