"""`warden bench shadow`: the live decision with a shadow policy on vs off (issue 18), same events, same directory.

Each run ingests the same plausible day of traffic (`bench.weight.event_mix`) into a new SQLite file; "on" first stores
a stricter copy of the shipped policy (S-A1's hour limits halved) and promotes it to shadow, so every live event is
judged twice and the shadow's would-be decisions are stored. The figure is the CPU time of the ingest (SQLite runs
in-process, so it counts all the work): on / off per repeat, off and on in turns, then the median.
"""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.table import Table

from warden.bench.measure import Run, Spread, callgrind_counts, ratios
from warden.bench.weight import _directory_rows, _fresh, _ingest, _load_directory, event_mix
from warden.kernel.access import Principal, Role
from warden.policy_versions.model import Stage

HOUR = "{name: hour, length: 1h, soft: 10, hard: 20, block: 1h}"
STRICTER = "{name: hour, length: 1h, soft: 5, hard: 10, block: 1h}"


def run_bench_shadow(events: int, accounts: int, batch: int, repeats: int, console: Console) -> dict[str, float]:
    """Print the table; return the medians: `off`/`on` events per CPU second and `slowdown` (on/off CPU time − 1)."""
    now = datetime.now(UTC).replace(microsecond=0)
    evs = event_mix(events, accounts, now - timedelta(seconds=1), random.Random(7))
    ents, accs = _directory_rows(accounts, max(1, accounts // 50), now, random.Random(8))
    console.print(
        f"bench shadow: {events:,} events over {accounts:,} accounts in batches of {batch}, SQLite (temp files); "
        f"median of {repeats} interleaved repeats [dim](min–max)[/]"
    )
    runs: dict[str, list[Run]] = {"off": [], "on": []}
    rows = 0
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(repeats):
            for mode in ("off", "on") if rnd % 2 == 0 else ("on", "off"):
                w = _fresh(tmp, f"{mode}{rnd}", now, True)
                _load_directory(w, ents, accs)
                if mode == "on":
                    assert w.policy_versions is not None
                    lead = Principal("bench", Role.PLATFORM, person_id="bench")
                    text = w.loaded.text.replace(HOUR, STRICTER)
                    v = w.policy_versions.create(lead, text, "bench: S-A1 hour halved")
                    w.policy_versions.promote(lead, v.id, Stage.SHADOW, "bench")
                runs[mode].append(_ingest(w, evs, batch))
                if mode == "on":
                    assert w.policy_versions is not None
                    rows = w.policy_versions.shadow_diff(Principal("bench", Role.AUDITOR), 2).events
                w.close()
    on, off = runs["on"], runs["off"]
    cpu = ratios([r.cpu for r in on], [r.cpu for r in off])
    table = Table(title="ingest with a shadow policy off vs on (same events, same starting state)")
    for col in ("off events/CPU s", "on events/CPU s", "on / off CPU time", "shadow rows stored"):
        table.add_column(col, justify="right")
    table.add_row(
        Spread.of(r.cpu_rate for r in off).show(),
        Spread.of(r.cpu_rate for r in on).show(),
        "[bold]" + cpu.show(".3f") + "[/]",
        f"{rows:,}",
    )
    console.print(table)
    console.print(f"live decision slowdown with shadow on: {100 * (cpu.median - 1):+.1f} % (median of CPU-time ratios)")
    return {
        "off": Spread.of(r.cpu_rate for r in off).median,
        "on": Spread.of(r.cpu_rate for r in on).median,
        "slowdown": cpu.median - 1,
    }


# --- instruction counts: the same comparison, independent of the machine's load --------------------------------

_STEPS = ("none", "prep", "off", "on")


def probe(step: str, events: int, accounts: int, batch: int) -> None:
    """One process of the instruction-count comparison (run under callgrind by `count_instructions`): set up the
    directory (`none`), also store and promote the stricter shadow (`prep`), or set up and ingest with the shadow
    off (`off`) or on (`on`). The events and the directory are the same seeded ones in every step."""
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    evs = event_mix(events, accounts, now - timedelta(seconds=1), random.Random(7))
    ents, accs = _directory_rows(accounts, max(1, accounts // 50), now, random.Random(8))
    with tempfile.TemporaryDirectory() as tmp:
        w = _fresh(tmp, step, now, True)
        _load_directory(w, ents, accs)
        if step in ("prep", "on"):
            assert w.policy_versions is not None
            lead = Principal("bench", Role.PLATFORM, person_id="bench")
            v = w.policy_versions.create(lead, w.loaded.text.replace(HOUR, STRICTER), "bench: S-A1 hour halved")
            w.policy_versions.promote(lead, v.id, Stage.SHADOW, "bench")
        if step in ("off", "on"):
            _ingest(w, evs, batch)
        w.close()


def count_instructions(events: int, accounts: int, batch: int, console: Console) -> dict[str, float]:
    """Instructions of the ingest with the shadow off and on, counted by valgrind's callgrind (deterministic: the
    same count whatever else the machine runs). Each step runs in its own process; the ingest's count is a step's
    total minus its set-up's (`off` − `none`, `on` − `prep`). Returns `off` and `on` (instructions per event) and
    `slowdown` (on/off − 1). Raises RuntimeError when valgrind is missing or a step fails."""
    code = "import sys; from warden.bench.shadow import probe; probe(sys.argv[1], *map(int, sys.argv[2:]))"
    console.print(
        f"bench shadow --instructions: {events:,} events over {accounts:,} accounts in batches of {batch}, SQLite; "
        "four processes under callgrind (≈50× slower than native; a few minutes)"
    )
    counts = callgrind_counts(code, {step: [step, str(events), str(accounts), str(batch)] for step in _STEPS})
    off = counts["off"] - counts["none"]
    on = counts["on"] - counts["prep"]
    table = Table(title="ingest instructions with a shadow policy off vs on (callgrind; set-up subtracted)")
    for col in ("off instructions/event", "on instructions/event", "on / off"):
        table.add_column(col, justify="right")
    table.add_row(f"{off / events:,.0f}", f"{on / events:,.0f}", f"[bold]{on / off:.3f}[/]")
    console.print(table)
    console.print(f"live decision slowdown with shadow on: {100 * (on / off - 1):+.1f} % (instructions; goal ≤ +20 %)")
    return {"off": off / events, "on": on / events, "slowdown": on / off - 1}
