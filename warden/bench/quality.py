"""`warden bench quality` (issue 10): recall, false positives, explanations and batch-size consistency of the
decisions on a seeded simulated population (`warden.simulation`). Figures, never verdicts."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

if TYPE_CHECKING:
    from warden.policy import LoadedPolicy
    from warden.simulation.quality import BatchRun

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
    candidate: LoadedPolicy | None = None,
) -> None:
    """Generate the population, measure it at each batch size, print tables (or JSON to stdout).

    With `candidate` (issue 18): the population is also measured under the candidate policy (at the first batch
    size) and the figures are printed side by side with the live policy's, with the difference
    (`compare_policies`); the JSON gains `{"candidate": {"policy", "figures", "difference"}}`."""
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
        cand_report = (
            run_quality(pop, batch_sizes[:1], candidate, advance_for, examples) if candidate is not None else None
        )
    side = compare_policies(report.runs[0], cand_report.runs[0]) if cand_report is not None else None
    if json_out:
        out = report.as_dict() | {"generate_seconds": round(gen_s, 2)}
        if cand_report is not None and candidate is not None:
            out["candidate"] = {"policy": f"{candidate.policy.version} ({candidate.short_hash})", "figures": side}
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
    if side is not None and candidate is not None:
        print_side_by_side(console, side, f"{policy.short_hash}", f"{candidate.short_hash}", report.runs[0].batch_size)
    console.print(
        f"goals: recall ≥ {GOALS.recall:.0%}, false positives ≤ {GOALS.false_positive_rate:.1%}, "
        f"explained {GOALS.explained:.0%}, identical across batch sizes"
    )


SIDE_BY_SIDE_FIGURES = (
    "recall",
    "precision",
    "false_positive_rate",
    "explained_share",
    "caught",
    "restricted_abusers",
    "false_positives",
    "restrictions",
    "enterprise_restrictions",
    "denied_events",
)


def policy_figures(run: BatchRun) -> dict[str, Any]:
    """One run's headline figures: recall (abusers caught within the recall window / abusers), precision (abusers
    restricted at all / accounts restricted, abusers plus legitimate false positives; None when nobody was
    restricted), false-positive rate, explained share (shares in [0, 1]), and counts; plus recall or
    false-positive rate per kind of account."""
    tt = run.totals
    restricted_abusers = sum(k.restricted_ever or 0 for k in run.kinds if k.abuser)
    restricted = restricted_abusers + (tt["false_positives"] or 0)
    figures = {k: tt.get(k) for k in SIDE_BY_SIDE_FIGURES if k in tt}
    figures["restricted_abusers"] = restricted_abusers
    figures["precision"] = restricted_abusers / restricted if restricted else None
    figures["kinds"] = {
        f"{k.kind} recall" if k.abuser else f"{k.kind} false pos.": k.recall if k.abuser else k.false_positive_rate
        for k in run.kinds
    }
    return figures


def compare_policies(live: BatchRun, candidate: BatchRun) -> dict[str, Any]:
    """`{figure: {"live", "candidate", "difference"}}` (difference = candidate − live, None when either is None)
    for `SIDE_BY_SIDE_FIGURES`, and `{"kinds": {kind: {...}}}` the same per kind of account (recall for abusers,
    false-positive rate for legitimate accounts)."""

    def row(a: Any, b: Any) -> dict[str, Any]:
        d = None if a is None or b is None else b - a
        return {"live": a, "candidate": b, "difference": d}

    lf, cf = policy_figures(live), policy_figures(candidate)
    out: dict[str, Any] = {k: row(lf.get(k), cf.get(k)) for k in SIDE_BY_SIDE_FIGURES}
    kinds = sorted(set(lf["kinds"]) | set(cf["kinds"]))
    out["kinds"] = {k: row(lf["kinds"].get(k), cf["kinds"].get(k)) for k in kinds}
    return out


def _cell(key: str, v: Any, signed: bool = False) -> str:
    if v is None:
        return "—"
    if isinstance(v, float) or key in {"recall", "precision", "false_positive_rate", "explained_share"}:
        s = f"{v * 100:+.2f} pt" if signed else f"{v * 100:.2f}%"
        return s
    return f"{v:+d}" if signed else str(v)


def print_side_by_side(console: Console, side: dict[str, Any], live: str, candidate: str, batch_size: int) -> None:
    """The live and candidate columns and their difference (percentage points for shares)."""
    tb = Table(title=f"live {live} vs candidate {candidate} (batch size {batch_size})", title_justify="left")
    for col, just in (("figure", "left"), ("live", "right"), ("candidate", "right"), ("difference", "right")):
        tb.add_column(col, justify=just)  # type: ignore[arg-type]
    for key in SIDE_BY_SIDE_FIGURES:
        r = side[key]
        tb.add_row(
            key.replace("_", " "), _cell(key, r["live"]), _cell(key, r["candidate"]), _cell(key, r["difference"], True)
        )
    tb.add_section()
    for kind, r in side["kinds"].items():
        tb.add_row(
            f"  {kind}",
            _cell("recall", r["live"]),
            _cell("recall", r["candidate"]),
            _cell("recall", r["difference"], True),
        )
    console.print(tb)
