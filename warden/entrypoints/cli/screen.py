"""`warden screen` and `warden bench screen`: the screening engine from the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from warden.screening.base import Hit

_SEVERITY_STYLE = {"low": "black on yellow", "medium": "black on dark_orange", "high": "bold white on red"}


def highlight(text: str, hits: Sequence[Hit]) -> Text:
    """The text with every hit's original span styled by severity (strongest wins where they overlap)."""
    out = Text(text)
    for h in sorted(hits, key=lambda h: ("low", "medium", "high").index(h.severity)):
        out.stylize(_SEVERITY_STYLE[h.severity], h.start, h.end)
    return out


def _inputs(texts: list[str] | None) -> Iterable[str]:
    if texts:
        yield from texts
        return
    for line in sys.stdin:
        yield line.rstrip("\r\n")


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add `screen` to the main app and `screen` to the bench app."""

    @app.command("screen")
    def screen(
        texts: Annotated[
            list[str] | None, typer.Argument(help="Texts to screen; one per line from stdin when omitted.")
        ] = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="One JSON object per input: {text, hits: [...]}.")
        ] = False,
    ) -> None:
        """Screen texts for sensitive words in their disguises and for contact details (S-A6, S-E3)."""
        from warden.screening import build_default_engine

        engine = build_default_engine()
        console = Console(highlight=False)
        for text in _inputs(texts):
            hits = engine.screen(text)
            if as_json:
                payload = {"text": text, "hits": [h.as_dict() for h in hits]}
                sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
                continue
            console.print(highlight(text, hits))
            if not hits:
                console.print("  [green]no hits[/]")
            for h in hits:
                console.print(
                    f"  [bold]{h.term}[/]  {h.category}  {h.severity}  via {h.channel}"
                    f"  [{h.start}:{h.end}] {h.matched!r}",
                    markup=True,
                )

    @bench.command("screen")
    def bench_screen(
        messages: Annotated[int, typer.Option(help="Generated short messages to screen.")] = 100_000,
        repeat: Annotated[int, typer.Option(help="Timed runs per measurement (median is shown).")] = 3,
        terms: Annotated[int, typer.Option(help="Synthetic terms for the build-time measurement.")] = 50_000,
        seed: Annotated[int, typer.Option(help="Corpus seed.")] = 42,
    ) -> None:
        """Throughput of the full pipeline vs the raw matcher, build time, memory, recall and precision."""
        from warden.screening import bench as screening_bench

        console = Console()
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("screening benchmark", total=7)

            def step(label: str) -> None:
                progress.update(task, description=label, advance=1)

            report = screening_bench.run(messages=messages, repeat=repeat, synth=terms, seed=seed, step=step)
        render(console, report)


def render(console: Console, r: object) -> None:
    """Print a `BenchReport` as tables."""
    from warden.screening.bench import BenchReport

    assert isinstance(r, BenchReport)
    console.print(
        f"[bold]Screening benchmark[/]: {r.messages:,} generated short messages, "
        f"{r.nbytes / 1e6:.1f} MB UTF-8, mean {r.nbytes / r.messages:.0f} bytes; "
        f"{r.shipped_terms} shipped terms → {r.shipped_patterns:,} automaton keys"
    )
    t = Table(title="Throughput (median of runs)")
    for col in ("pipeline", "MB/s", "messages/s", "hits"):
        t.add_column(col, justify="right" if col != "pipeline" else "left")
    t.add_row(
        "full pipeline, screen_many (batched)",
        f"{r.full.mb_per_s:.1f}",
        f"{r.full.msgs_per_s:,.0f}",
        f"{r.full.hits:,}",
    )
    t.add_row(
        "full pipeline, screen() per message",
        f"{r.single.mb_per_s:.1f}",
        f"{r.single.msgs_per_s:,.0f}",
        f"{r.single.hits:,} (on {r.single.messages:,})",
    )
    t.add_row(
        "raw matcher: daachorse find() per message, unfolded",
        f"{r.raw.mb_per_s:.1f}",
        f"{r.raw.msgs_per_s:,.0f}",
        f"{r.raw.hits:,}",
    )
    t.add_row(
        "  same, re-scanning strings whose UTF-8 is cached",
        f"{r.raw_warm.mb_per_s:.1f}",
        f"{r.raw_warm.msgs_per_s:,.0f}",
        "",
    )
    console.print(t)
    runs = ", ".join(f"{x:.2f}" for x in r.ratios)
    console.print(f"full / raw (messages/s): [bold]{r.ratio:.2f}[/] median of interleaved runs [{runs}]")
    warm_ratio = r.full.msgs_per_s / r.raw_warm.msgs_per_s
    console.print(f"full / raw with cached UTF-8 (not what fresh traffic gets): {warm_ratio:.2f}")

    b = Table(title="Build and memory")
    b.add_column("measure")
    b.add_column("value", justify="right")
    b.add_row("shipped engine build (first, incl. fold + syllable tables)", f"{r.shipped_build_s * 1000:.0f} ms")
    b.add_row("derive engine with enterprise lists (with_lists)", f"{r.with_lists_s * 1000:.1f} ms")
    b.add_row(f"automaton build, {r.synth_terms:,} terms (daachorse only)", f"{r.synth_automaton_s * 1000:.0f} ms")
    b.add_row(f"engine build, {r.synth_terms:,} terms, folded + homophone", f"{r.synth_engine_s * 1000:.0f} ms")
    b.add_row(f"engine build, {r.synth_terms:,} terms, + pinyin and mixed forms", f"{r.synth_engine_forms_s:.1f} s")
    b.add_row(f"automaton size, {r.synth_terms:,} terms (serialized)", f"{r.synth_automaton_bytes / 1e6:.1f} MB")
    b.add_row(f"RSS growth building it ({r.synth_terms:,} terms)", f"{r.synth_rss_bytes / 1e6:.1f} MB")
    b.add_row("Python heap peak while building (tracemalloc)", f"{r.synth_python_peak_bytes / 1e6:.1f} MB")
    console.print(b)

    q = Table(title=f"Quality on the corpus ({r.corpus_rows:,} rows)")
    q.add_column("technique")
    q.add_column("recall", justify="right")
    q.add_column("rows", justify="right")
    for technique, (found, rows) in r.quality.recall.items():
        q.add_row(technique, f"{found / rows:.0%}", f"{found}/{rows}")
    q.add_row("[bold]claimed techniques[/]", f"[bold]{r.quality.claimed_recall:.1%}[/]", "")
    q.add_row("all rows incl. limit_*", f"{r.quality.overall_recall:.1%}", "")
    console.print(q)
    console.print(
        f"precision: [bold]{r.quality.precision:.2%}[/] ({r.quality.true_hits:,} true hits, "
        f"{r.quality.false_hits} false); clean rows with any hit: "
        f"{r.quality.clean_rows_hit}/{r.quality.clean_rows}"
    )


def _standalone() -> typer.Typer:
    """`python -m warden.entrypoints.cli.screen …` works before the main CLI registers these commands."""
    app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
    bench = typer.Typer(help="Benchmarks that print figures (never pass/fail).", no_args_is_help=True)
    app.add_typer(bench, name="bench")
    register(app, bench)
    return app


if __name__ == "__main__":  # pragma: no cover
    _standalone()()
