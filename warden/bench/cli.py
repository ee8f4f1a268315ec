"""`warden bench ingest|quality|scale|screen|shadow|weight`: the commands; each benchmark is its own module here.

(`warden bench usage-policy` is still registered by `warden/usage_policy/cli.py`.)
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from warden.bench.quality import QUALITY_DEFAULT_COMPANIES


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add the benchmarks to `bench` (`app` is unused: every command here is under `warden bench`)."""

    @bench.command("ingest")
    def bench_ingest(
        database: Annotated[
            str,
            typer.Option(
                "--database",
                "-d",
                help="sqlite (temp files) or a PostgreSQL URL (it makes and drops its own databases on that server).",
            ),
        ] = "sqlite",
        events: Annotated[int, typer.Option(min=1, help="Events per measured run.")] = 20_000,
        history: Annotated[
            str, typer.Option(help="Stored-history sizes to compare, comma-separated (empty: none).")
        ] = "10000,1000000",
        latency_requests: Annotated[
            int, typer.Option(min=0, help="Single requests (and as many no-op requests) per repeat for p50/p99.")
        ] = 2000,
        repeats: Annotated[int, typer.Option(min=1, help="Interleaved repeats of every case (median, min, max).")] = 3,
        cases: Annotated[
            str,
            typer.Option(
                help="The cases to run, comma-separated, of floor, ingest, http (the batch API), latency (p50/p99 "
                "of one decision vs a no-op), singles (single events over 1 and 16 connections), growth."
            ),
        ] = "floor,ingest,http,latency,singles,growth",
        workers: Annotated[
            str, typer.Option(help="`warden serve --workers` counts for the single-event cases, comma-separated.")
        ] = "1",
    ) -> None:
        """Events/s in-process and over HTTP vs the driver insert floor (and COPY), weight upkeep on vs off, rate vs
        stored history, p50/p99 latency: each case on a fresh copy of the same database, CPU beside wall time."""
        from warden.bench.ingest import CASES, run_bench_ingest
        from warden.entrypoints.cli.main import fail

        histories = sorted({int(h) for h in history.split(",") if h.strip()})
        only = [c.strip() for c in cases.split(",") if c.strip()]
        unknown = sorted(set(only) - set(CASES))
        if unknown or not only:
            raise fail(f"--cases: {', '.join(unknown) or 'none given'}; the cases are {', '.join(CASES)}", 2)
        try:
            counts = sorted({int(w) for w in workers.split(",") if w.strip()})
        except ValueError:
            raise fail(f"--workers: {workers!r} is not a comma-separated list of whole numbers", 2) from None
        if not counts or counts[0] < 1:
            raise fail("--workers: give at least one count, each 1 or more", 2)
        run_bench_ingest(database, events, histories, latency_requests, Console(), repeats, only, counts)

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
        candidate: Annotated[
            str | None,
            typer.Option("--candidate", help="A candidate policy file, measured side by side with the live one."),
        ] = None,
        version: Annotated[
            int | None,
            typer.Option("--version", min=1, help="A stored policy version as the candidate (issue 18)."),
        ] = None,
        database: Annotated[
            str | None, typer.Option("--database", "-d", help="Where --version is stored (default: settings).")
        ] = None,
    ) -> None:
        """Recall, false positives, explanations and batch-size consistency on a seeded simulated population; with
        --candidate FILE or --version N, the candidate's figures beside the live policy's and the difference."""
        from warden.adapters.policy_file import load_policy
        from warden.bench.quality import run_bench_quality
        from warden.entrypoints.cli.replay import stored_policy
        from warden.policy import LoadedPolicy, PolicyError
        from warden.settings import Settings

        sizes = [int(x) for x in batch_sizes.split(",") if x.strip()]
        if not sizes or any(not 1 <= s <= 1000 for s in sizes):
            raise typer.BadParameter("batch sizes are 1–1000", param_hint="--batch-sizes")
        if warmup_days < 0 or measured_days < 1:
            raise typer.BadParameter("--warmup-days ≥ 0 and --measured-days ≥ 1")
        if candidate is not None and version is not None:
            raise typer.BadParameter("name one candidate: --candidate FILE or --version N", param_hint="--candidate")
        cand: LoadedPolicy | None = None
        try:
            if candidate is not None:
                cand = load_policy(candidate)
            elif version is not None:
                cand = stored_policy(database or Settings().database_url, version)
        except PolicyError as exc:
            Console(stderr=True).print("[red]" + "\n".join(exc.problems))
            raise typer.Exit(1) from exc
        run_bench_quality(
            seed, enterprises, shops, sizes, json_out, policy, examples, Console(), warmup_days, measured_days, cand
        )

    @bench.command("screen")
    def bench_screen(
        messages: Annotated[int, typer.Option(help="Generated short messages to screen.")] = 100_000,
        repeats: Annotated[
            int,
            typer.Option("--repeats", "--repeat", min=1, help="Interleaved timed repeats (median, min, max)."),
        ] = 3,
        terms: Annotated[int, typer.Option(help="Synthetic terms for the build-time measurement.")] = 50_000,
        seed: Annotated[int, typer.Option(help="Corpus seed.")] = 42,
        fresh: Annotated[
            str,
            typer.Option(
                help="Written-blind corpus to score: sixth (three writers, read by no one; the honest figure), or "
                "development data tuned on by a round: fifth, fourth, third, second, dev / test (the halves of the "
                "first). "
                "评分用的盲写语料：sixth（三位作者，无人读过，如实的数字），"
                "或开发数据（已据以调整）：fifth、fourth、third、second、第一份语料的 dev / test 半区。"
            ),
        ] = "sixth",
    ) -> None:
        """Throughput of the full pipeline vs the raw matcher (both batched), build time, memory, recall, precision."""
        from warden.bench.screen import BLIND_CORPORA, run_bench_screen

        if fresh not in BLIND_CORPORA:
            names = ", ".join(BLIND_CORPORA)
            raise typer.BadParameter(
                f"--fresh must be one of {names}, not {fresh!r} / 只能是 {names} 之一", param_hint="--fresh"
            )
        run_bench_screen(messages, repeats, terms, seed, Console(), fresh=fresh)

    @bench.command("scale")
    def bench_scale(
        database: Annotated[
            str,
            typer.Option(
                "--database",
                "-d",
                help="A PostgreSQL URL (it makes and drops its own databases on that server).",
            ),
        ] = "postgresql://postgres@127.0.0.1:5432/postgres",
        events: Annotated[int, typer.Option(min=1, help="Events in the stream every case drains.")] = 20_000,
        repeats: Annotated[int, typer.Option(min=1, help="Interleaved repeats of every case (median, min, max).")] = 3,
    ) -> None:
        """1, 2 and 4 `warden consume` processes (PostgreSQL + Redis counters + NATS JetStream, WARDEN_REDIS_URL,
        WARDEN_NATS_URL) draining the same pre-published stream vs one process in-process: events/s, CPU per event,
        speed-up, the serial fraction (measured and inferred) and Amdahl's prediction for 16 and 64 cores."""
        from warden.bench.scale import run_bench_scale

        if "postgresql" not in database:
            raise typer.BadParameter("a PostgreSQL URL: several processes share one database", param_hint="--database")
        run_bench_scale(database, events, repeats, Console())

    @bench.command("shadow")
    def bench_shadow(
        events: Annotated[int, typer.Option(help="Events per ingest run.")] = 10_000,
        accounts: Annotated[int, typer.Option(help="Accounts the events spread over.")] = 1_000,
        batch: Annotated[int, typer.Option(help="Events per ingest batch.")] = 500,
        repeats: Annotated[int, typer.Option(min=1, help="Interleaved off/on repeats (median, min, max).")] = 5,
        instructions: Annotated[
            bool,
            typer.Option(
                "--instructions",
                help="Count instructions under valgrind's callgrind instead (the same on a busy machine; minutes).",
            ),
        ] = False,
    ) -> None:
        """The live decision with a shadow policy on vs off (issue 18): CPU time of the same ingest, median ratio;
        with --instructions, instruction counts (callgrind), which a loaded machine does not move."""
        from warden.bench.shadow import count_instructions, run_bench_shadow

        if instructions:
            try:
                count_instructions(events, accounts, batch, Console())
            except RuntimeError as exc:
                typer.echo(f"warden bench shadow --instructions: {exc}", err=True)
                raise typer.Exit(1) from None
            return
        run_bench_shadow(events, accounts, batch, repeats, Console())

    @bench.command("weight")
    def bench_weight(
        events: Annotated[
            int | None, typer.Option(help="Events per ingest run (default 20,000; with --instructions 5,000).")
        ] = None,
        accounts: Annotated[int, typer.Option(help="Accounts the ingest runs spread over.")] = 2_000,
        batch: Annotated[int, typer.Option(help="Events per ingest batch.")] = 500,
        recompute_accounts: Annotated[int, typer.Option(help="Accounts for the full recompute.")] = 100_000,
        events_per_account: Annotated[int, typer.Option(help="Stored events per account for the recompute.")] = 5,
        repeats: Annotated[int, typer.Option(min=1, help="Interleaved on/off repeats (median, min, max).")] = 3,
        instructions: Annotated[
            bool,
            typer.Option(
                "--instructions",
                help="Count the instructions of `warden bench ingest`'s weight on/off case under valgrind's "
                "callgrind instead (its directory and batches; the same on a busy machine; minutes).",
            ),
        ] = False,
    ) -> None:
        """Ingest rate with weight upkeep on vs off in one run (same events, a new database each), and the full
        recompute rate; with --instructions, instruction counts of bench ingest's on/off case (callgrind)."""
        from warden.bench.weight import count_instructions, run_bench_weight

        if events is not None and events < 1:
            raise typer.BadParameter("at least 1", param_hint="--events")
        if instructions:
            try:
                count_instructions(events or 5_000, Console())
            except RuntimeError as exc:
                typer.echo(f"warden bench weight --instructions: {exc}", err=True)
                raise typer.Exit(1) from None
            return
        run_bench_weight(events or 20_000, accounts, batch, recompute_accounts, events_per_account, Console(), repeats)
