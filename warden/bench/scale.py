"""`warden bench scale`: 1, 2 and 4 `warden consume` processes on PostgreSQL + Redis counters + NATS JetStream, each
taking a share of the partitions and draining the same pre-published stream, against one process ingesting the
same events in-process (no broker) in the same run (issue 17).

Every case starts from a fresh copy of the same prepared database (`CREATE DATABASE … TEMPLATE`: the directory of
`ENTERPRISES` enterprises and `ACCOUNTS` accounts, no events), with its own Redis key prefix and, for consumers,
its own JetStream stream holding the whole event stream (`warden bench ingest`'s mix, each event on its partition's
subject) before any consumer starts. The cases of a repeat run one after the other and the repeats interleave (in
reverse order every other repeat), so a busy machine slows every case alike; each figure is the median of the
repeats with min and max, a ratio is taken within a repeat.

What is measured, per case:

- **wall**: consumers: from the first consumer's first non-empty fetch to the last consumer's last acknowledged
  commit (each consumer reports both, `warden.intake`'s stop line, `service.intake.IntakeStats`); start-up (imports,
  bootstrap, connecting) and the idle fetch that ends `--until-idle` are outside. In-process: the ingest calls.
- **CPU**: the consumer processes' own CPU between those two moments (`time.process_time`, reported by each), the
  PostgreSQL backends of the case's database over the same window (sampled from `/proc` every 0.1 s), and the Redis
  server's (`INFO cpu`, the whole server: other users of the same Redis are counted too). In-process: this process
  + the backends + Redis. The NATS server's (`/proc/<pid>/stat` of every `nats-server` on this machine, the whole
  server) in a column of its own, and in **cores busy**: every CPU second counted, NATS included, ÷ wall (how much
  of the machine a case kept busy; on 2 cores, 2 consumers can be at most twice 1 consumer if 1 used one core).
- **where the time went**: each consumer's loop time split into phases (`service.intake.PHASES`: waiting on a
  fetch, validating, deciding, committing, acknowledging, asking the queue depth, progress, idle), summed over the
  consumers, as shares and as milliseconds per batch.
- **serial fraction, measured**: the seconds spent where only one process may be at a time — waiting on any
  advisory lock (the platform lock, partition locks, the root lock) plus holding an exclusive one (the platform lock
  exclusively, the root chain's lock) until commit (`adapters.database.LOCK_TIMES`) — divided by the busy seconds
  (deciding, storing, acknowledging, anchoring), summed over the consumers.
- **serial fraction, inferred** from the measured 1 → 2 speed-up `S` by Amdahl, `s = 2 / S − 1`: everything that
  keeps two consumers from going twice as fast, including this machine's cores (2: four consumers and their
  database backends oversubscribe them).
- **Amdahl**: `1 / (s + (1 − s) / N)` for N = 16 and 64 from both fractions.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from warden.adapters import tables as t
from warden.bench.ingest import BATCH, Row, Scratch, directory, forget_counters, make_events
from warden.bench.measure import Run, Spread, pids_named, process_cpu, ratios
from warden.service.intake import PHASES

if TYPE_CHECKING:
    from warden.policy import LoadedPolicy

ACCOUNTS = 2000  # as `warden bench ingest` (its events name acc-0 … acc-1999)
ENTERPRISES = 200  # ten accounts each: the 16 partitions get about the same share of the stream
CONSUMERS = (1, 2, 4)
SAMPLE_S = 0.1  # how often the database backends' and Redis' CPU is sampled


def split(counts: dict[int, int], n: int) -> list[list[int]]:
    """The partitions shared among `n` consumers so their event counts are as even as can be (largest first onto
    the least loaded): what an operator would do by choosing each process's `--partitions`."""
    sets: list[list[int]] = [[] for _ in range(n)]
    load = [0] * n
    for p in sorted(counts, key=lambda p: (-counts[p], p)):
        i = load.index(min(load))
        sets[i].append(p)
        load[i] += counts[p]
    return [sorted(s) for s in sets]


@dataclass
class ScaleRun:
    """One timed run of a case: the `Run` (events, wall, CPU) and the serial seconds over the busy seconds."""

    run: Run
    serial: float  # seconds waiting on, or holding, a lock only one process may hold
    busy: float  # seconds deciding, storing, acknowledging, anchoring (summed over processes)
    largest_share: float  # the busiest consumer's share of the events (1 for one process)
    nats: float = 0.0  # CPU seconds of the NATS server over the same window (not in `run.cpu`)
    phases: dict[str, float] = field(default_factory=dict)  # seconds per `service.intake.PHASES`, summed
    batches: int = 0  # ingest transactions, summed over consumers

    @property
    def cores(self) -> float:
        """Cores kept busy on average: every counted CPU second, the NATS server's included, ÷ wall."""
        return (self.run.cpu + self.nats) / self.run.wall

    @property
    def serial_fraction(self) -> float:
        return self.serial / self.busy if self.busy > 0 else float("nan")


@dataclass
class Case:
    label: str
    consumers: int  # 0: the in-process baseline
    runs: list[ScaleRun] = field(default_factory=list)

    def rates(self) -> list[float]:
        return [r.run.rate for r in self.runs]

    def cpu_per_event(self) -> list[float]:
        return [r.run.cpu / r.run.items for r in self.runs]


@dataclass
class Setup:
    scratch: Scratch
    loaded: LoadedPolicy
    base: str
    events: list[Row]
    partition: list[int]  # of each event
    sets: dict[int, list[list[int]]]  # consumers → their partition sets
    redis_url: str
    nats_url: str
    partitions: int


class Sampler:
    """Samples, every `SAMPLE_S` seconds from a thread, the CPU seconds of the PostgreSQL backends of one database
    (`/proc`), of the Redis server (`INFO cpu`) and of the NATS server (`/proc/<pid>/stat` of every `nats-server`
    process on this machine, none when it runs elsewhere); `between(t0, t1)` is what each used between two Unix
    times."""

    def __init__(self, scratch: Scratch, url: str, redis_url: str) -> None:
        import redis

        source = scratch.backends(url)
        assert source is not None
        self._backends = source
        self._redis = redis.Redis.from_url(redis_url)
        self._nats = pids_named("nats-server")
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cpu-sampler", daemon=True)

    def _sample(self) -> None:
        cpu = {f"pg{pid}": v for pid, v in self._backends().items()}
        info = self._redis.info("cpu")
        cpu["redis"] = float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
        cpu |= {f"nats{pid}": v for pid in self._nats if (v := process_cpu(pid)) is not None}
        self.samples.append((time.time(), cpu))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(SAMPLE_S)

    def __enter__(self) -> Sampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self._redis.close()

    @property
    def sees_nats(self) -> bool:
        """Whether a NATS server runs on this machine (its CPU is then counted)."""
        return bool(self._nats)

    def between(self, t0: float, t1: float) -> dict[str, float]:
        """CPU seconds used between Unix times `t0` and `t1`, by server: `{"pg", "redis", "nats"}` (the last sample
        at or before each; a backend that appeared later counts from zero, one that left counts to its last
        sample)."""

        def at(moment: float) -> dict[str, float]:
            before = [cpu for ts, cpu in self.samples if ts <= moment]
            return before[-1] if before else {}

        start, end = at(t0), at(t1)
        seen: dict[str, float] = {}
        for ts, cpu in self.samples:  # a backend that ended before t1 keeps its last value
            if ts <= t1:
                seen.update(cpu)
        seen.update(end)
        out = dict.fromkeys(("pg", "redis", "nats"), 0.0)
        for k, v in seen.items():
            out[k.rstrip("0123456789")] += max(0.0, v - start.get(k, 0.0))
        return out


def _settings(url: str, prefix: str, s: Setup) -> Any:
    from warden.settings import Settings

    return Settings(
        database_url=url,
        counters="redis",
        redis_url=s.redis_url,
        redis_prefix=prefix,
        audit_key_file=s.scratch.key_file,
        partitions=s.partitions,
    )


def run_in_process(s: Setup) -> ScaleRun:
    """The baseline: one process ingesting the stream in batches of `BATCH`, no broker."""
    from warden.adapters.database import LOCK_TIMES
    from warden.bootstrap import bootstrap

    url = s.scratch.create("inproc", s.base)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    w = bootstrap(_settings(url, prefix, s), policy=s.loaded)
    try:
        with Sampler(s.scratch, url, s.redis_url) as sampler:
            LOCK_TIMES.reset()
            t0, cpu0, wall0 = time.time(), time.process_time(), time.perf_counter()
            for i in range(0, len(s.events), BATCH):
                w.pipeline.ingest(s.events[i : i + BATCH], actor="bench")
            w.anchor_audit_root()  # what a consumer does on exit
            t1, cpu1, wall1 = time.time(), time.process_time(), time.perf_counter()
            locks = LOCK_TIMES.snapshot()
        used = sampler.between(t0, t1)
        cpu = cpu1 - cpu0 + used["pg"] + used["redis"]
        busy = wall1 - wall0
        serial = locks["lock_wait_s"] + locks["exclusive_s"]
        return ScaleRun(Run(len(s.events), busy, cpu), serial, busy, 1.0, used["nats"])
    finally:
        w.close()
        forget_counters(prefix)
        s.scratch.drop(url)


async def _publish(s: Setup, stream: str, prefix: str) -> None:
    from warden.adapters.intake import NatsSource

    src = await NatsSource.connect(s.nats_url, stream, prefix, subscribe=False)
    try:
        for i in range(0, len(s.events), 500):
            chunk = range(i, min(i + 500, len(s.events)))
            await asyncio.gather(*(src.publish(s.events[j], s.partition[j]) for j in chunk))
    finally:
        await src.close()


async def _drop_stream(url: str, stream: str) -> None:
    import nats

    nc = await nats.connect(url, connect_timeout=5)
    try:
        await nc.jetstream().delete_stream(stream)
    finally:
        await nc.close()


def _stop_line(out: str) -> dict[str, Any]:
    """The `stopped: …` JSON log line of a consumer (its stats and lock times)."""
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            rec = orjson.loads(line)
            if str(rec.get("message", "")).startswith("stopped:"):
                return dict(rec)
    raise RuntimeError("a consumer ended without its stop line:\n" + out[-3000:])


def _read(proc: subprocess.Popen[str], into: list[str]) -> None:
    """Collect a child's output lines as they come (so the bench sees when it is ready)."""
    assert proc.stdout is not None
    for line in proc.stdout:
        into.append(line)


def run_consumers(s: Setup, n: int) -> ScaleRun:
    """`n` `warden consume --until-idle` processes, each on its partition set, draining a pre-published stream."""
    url = s.scratch.create(f"consume{n}", s.base)
    tag = uuid.uuid4().hex[:8]
    stream, subject, prefix = f"BENCHSCALE{tag}", f"benchscale{tag}", f"bench-{tag}"
    env = os.environ | {
        "WARDEN_DATABASE_URL": url,
        "WARDEN_COUNTERS": "redis",
        "WARDEN_REDIS_URL": s.redis_url,
        "WARDEN_REDIS_PREFIX": prefix,
        "WARDEN_AUDIT_KEY_FILE": s.scratch.key_file,
        "WARDEN_PARTITIONS": str(s.partitions),
        "WARDEN_LOG_FORMAT": "json",
    }
    procs: list[subprocess.Popen[str]] = []
    gate = Path(s.scratch.key_file).with_name(f"go-{tag}")
    try:
        asyncio.run(_publish(s, stream, subject))
        for parts in s.sets[n]:
            args = ["consume", "--nats", s.nats_url, "--stream", stream, "--prefix", subject]
            args += ["--durable", "bench", "--batch", str(BATCH), "--until-idle", "--start-when", str(gate)]
            args += ["--partitions", ",".join(map(str, parts)), "-d", url]
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "warden.entrypoints.cli.main", *args],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        lines: list[list[str]] = [[] for _ in procs]
        readers = [
            threading.Thread(target=_read, args=(p, out), daemon=True) for p, out in zip(procs, lines, strict=True)
        ]
        for r in readers:
            r.start()
        # every consumer started, connected and waiting: then all begin at once (start-up is not measured)
        deadline = time.monotonic() + 300
        while not all(any('"waiting for' in x for x in out) for out in lines):
            if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
                raise RuntimeError("a consumer did not start:\n" + "".join(x for out in lines for x in out)[-3000:])
            time.sleep(0.02)
        with Sampler(s.scratch, url, s.redis_url) as sampler:
            gate.touch()
            for p in procs:
                p.wait(timeout=900)
            for r in readers:
                r.join()
        outs = ["".join(out) for out in lines]
        for p, out in zip(procs, outs, strict=True):
            if p.returncode != 0:
                raise RuntimeError(f"a consumer exited {p.returncode}:\n{out[-3000:]}")
        stops = [_stop_line(out) for out in outs]
        stored = sum(int(x["stored"]) for x in stops)
        engine = sa.create_engine(url)
        with engine.connect() as c:
            in_db = int(c.execute(sa.select(sa.func.count()).select_from(t.events)).scalar_one())
        engine.dispose()
        if stored != len(s.events) or in_db != len(s.events) or any(x["first_fetch"] is None for x in stops):
            said = [
                {k: x.get(k) for k in ("stored", "duplicates", "dead", "redelivered", "handed_back")} for x in stops
            ]
            raise RuntimeError(f"the consumers stored {stored} ({in_db} in the database) of {len(s.events)}: {said}")
        t0 = min(float(x["first_fetch"]) for x in stops)
        t1 = max(float(x["last_commit"]) for x in stops)
        used = sampler.between(t0, t1)
        cpu = sum(float(x["cpu_last"]) - float(x["cpu_first"]) for x in stops) + used["pg"] + used["redis"]
        serial = sum(float(x["lock_wait_s"]) + float(x["exclusive_s"]) for x in stops)
        busy = sum(float(x["busy_s"]) + float(x["anchor_s"]) for x in stops)
        share = max(int(x["stored"]) for x in stops) / stored
        phases = {k: sum(float(x.get(f"phase_{k}_s", 0.0)) for x in stops) for k in PHASES}
        batches = sum(int(x.get("batches", 0)) for x in stops)
        return ScaleRun(Run(stored, t1 - t0, cpu), serial, busy, share, used["nats"], phases, batches)
    finally:
        gate.unlink(missing_ok=True)
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        asyncio.run(_drop_stream(s.nats_url, stream))
        forget_counters(prefix)
        s.scratch.drop(url)


def amdahl(s: float, n: int) -> float:
    """The speed-up `n` processors give when a fraction `s` of the work is serial: 1 / (s + (1 − s) / n)."""
    return 1.0 / (s + (1.0 - s) / n)


def run_bench_scale(database: str, n: int, repeats: int, console: Console) -> None:
    """Prepare the database and the stream, run every case `repeats` times interleaved, print the tables."""
    from warden.adapters.database import make_engine
    from warden.adapters.intake import Router
    from warden.adapters.policy_file import load_policy
    from warden.bootstrap import bootstrap
    from warden.settings import Settings

    if "postgresql" not in database:
        raise ValueError("--database: warden bench scale needs a PostgreSQL URL (several processes, one database)")
    settings = Settings()
    scratch = Scratch(database)
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        loaded = load_policy(settings.policy)
        partitions = settings.partitions
        with Progress(console=console, transient=True) as progress:
            progress.add_task("preparing the directory and the stream", total=None)
            base = scratch.create("base")
            prep = Setup(scratch, loaded, base, [], [], {}, settings.redis_url, "", partitions)
            w = bootstrap(_settings(base, "bench-prepare", prep), policy=loaded)
            directory(w, now, ENTERPRISES, ACCOUNTS)
            w.close()
            events = make_events(n, now - timedelta(hours=2), 1800, "ev", 2)
            engine = make_engine(base)
            router = Router(engine, partitions)
            router.learn(events)
            engine.dispose()
            part = [router.partition(e) for e in events]
            counts = {p: part.count(p) for p in range(partitions)}
            s = Setup(
                scratch,
                loaded,
                base,
                events,
                part,
                {c: split(counts, c) for c in CONSUMERS},
                settings.redis_url,
                settings.nats_url or "nats://127.0.0.1:4222",
                partitions,
            )
            cases = {0: Case("in-process, 1 process, no broker (baseline)", 0)}
            cases |= {c: Case(f"{c} × warden consume", c) for c in CONSUMERS}
            keys = list(cases)
            task = progress.add_task("cases", total=repeats * len(keys))
            for r in range(repeats):
                for key in keys if r % 2 == 0 else keys[::-1]:
                    progress.update(task, description=f"repeat {r + 1}/{repeats}: {cases[key].label}")
                    cases[key].runs.append(run_in_process(s) if key == 0 else run_consumers(s, key))
                    progress.advance(task)
        report(console, s, n, repeats, cases, counts, bool(pids_named("nats-server")))
    finally:
        scratch.close()


def report(
    console: Console,
    s: Setup,
    n: int,
    repeats: int,
    cases: dict[int, Case],
    counts: dict[int, int],
    nats: bool = True,
) -> None:
    """The rates, CPU (`nats`: the NATS server's was counted), where the consumers' time went, speed-ups, serial
    fractions and the Amdahl predictions."""
    cores = os.cpu_count() or 1
    one = cases[CONSUMERS[0]]
    base = cases[0]
    console.print(
        f"[bold]warden bench scale[/] on PostgreSQL + Redis + NATS JetStream: {n:,} events over {ACCOUNTS:,} "
        f"accounts of {ENTERPRISES} enterprises in {s.partitions} partitions (events per partition "
        f"{min(counts.values()):,}–{max(counts.values()):,}), batches of {BATCH:,}; median of {repeats} interleaved "
        f"repeats [dim](min–max)[/], each case on a fresh copy of the same database.\n"
        f"[bold]This machine has {cores} core{'s' if cores != 1 else ''}[/]: "
        + (
            f"{max(CONSUMERS)} consumers (and their database backends) oversubscribe them."
            if max(CONSUMERS) > cores
            else "every consumer has a core."
        )
    )
    table = Table(title="intake rate by number of consumer processes")
    table.add_column("case")
    table.add_column("events/s (wall)", justify="right")
    table.add_column("CPU ms per event (no NATS)", justify="right")
    table.add_column("NATS server CPU ms per event", justify="right")
    table.add_column("events per CPU s (no NATS)", justify="right")
    table.add_column("cores busy (NATS incl.)", justify="right")
    table.add_column("× 1 consumer", justify="right")
    table.add_column("× in-process", justify="right")
    table.add_column("serial fraction (measured)", justify="right")
    table.add_column("busiest consumer's share", justify="right")
    for case in cases.values():
        table.add_row(
            case.label,
            Spread.of(case.rates()).show(),
            Spread.of([c * 1000 for c in case.cpu_per_event()]).show(".3f"),
            Spread.of([r.nats * 1000 / r.run.items for r in case.runs]).show(".3f") if nats else "not counted",
            Spread.of([1 / c for c in case.cpu_per_event()]).show(),
            Spread.of([r.cores for r in case.runs]).show(".2f"),
            ratios(case.rates(), one.rates()).show(".2f"),
            ratios(case.rates(), base.rates()).show(".2f"),
            Spread.of([r.serial_fraction * 100 for r in case.runs]).show(".2f", " %"),
            Spread.of([r.largest_share * 100 for r in case.runs]).show(".0f", " %"),
        )
    console.print(table)
    console.print(
        "wall: first fetch → last acknowledged commit over all consumers (in-process: the ingest calls). CPU: the "
        "consumer processes (or this process) + the PostgreSQL backends of the case's database + the Redis server "
        "(whole server, INFO cpu); the NATS server's (whole server, /proc) in its own column"
        + ("" if nats else " (not counted: no nats-server process on this machine)")
        + ", and in 'cores busy' (all of it ÷ wall). Serial: seconds waiting on any advisory lock + holding the "
        "platform lock exclusively or the root chain's lock, ÷ busy seconds (LOCK_TIMES), summed over processes."
    )
    pt = Table(title="where each consumer's time went (share of its wall time, summed over consumers)")
    pt.add_column("case")
    for k in PHASES:
        pt.add_column(k, justify="right")
    pt.add_column("ms per batch: fetch / decide / commit / ack", justify="right")
    for c in CONSUMERS:
        runs = cases[c].runs
        row = [cases[c].label]
        for k in PHASES:
            row.append(Spread.of([100 * r.phases[k] / (sum(r.phases.values()) or 1) for r in runs]).show(".0f", " %"))
        per = [
            format(statistics.median(r.phases[k] * 1000 / max(1, r.batches) for r in runs), ".0f")
            for k in ("fetch", "decide", "commit", "ack")
        ]
        pt.add_row(*row, " / ".join(per))
    console.print(pt)
    console.print(
        "fetch: waiting for a batch not yet fetched (the next one is fetched while one is decided); validate: parsing "
        "and validating on the loop; decide: the ingest call without its COMMIT; commit: the COMMIT; ack: "
        "acknowledging; depth: asking the broker for the queue depth; progress: progress and audit roots; idle: "
        "empty fetches (service.intake.PHASES). ms per batch: median over repeats of the seconds ÷ the ingest "
        "transactions, over all consumers."
    )
    measured = statistics.median(r.serial_fraction for c in CONSUMERS[1:] for r in cases[c].runs)
    speedups = [a / b for a, b in zip(cases[2].rates(), one.rates(), strict=True)]
    s2 = statistics.median(speedups)
    inferred = min(1.0, max(0.0, 2.0 / s2 - 1.0))
    at = Table(title="serial fraction and Amdahl's law")
    at.add_column("serial fraction")
    at.add_column("s", justify="right")
    at.add_column("predicted × at 16 cores", justify="right")
    at.add_column("predicted × at 64 cores", justify="right")
    at.add_column("goal (issue 17)", justify="right")
    at.add_row(
        "measured: serial sections ÷ busy time (2 and 4 consumers)",
        f"{measured * 100:.2f} %",
        f"{amdahl(measured, 16):.1f}",
        f"{amdahl(measured, 64):.1f}",
        "≤ 5 %",
    )
    at.add_row(
        f"inferred from the 1 → 2 speed-up {s2:.2f} (s = 2/S − 1; includes this machine's {cores} cores)",
        f"{inferred * 100:.1f} %",
        f"{amdahl(inferred, 16):.1f}",
        f"{amdahl(inferred, 64):.1f}",
        "",
    )
    console.print(at)
    rt = Table(title="per core, and the goal")
    rt.add_column("figure")
    rt.add_column("value", justify="right")
    rt.add_column("goal (issue 17)", justify="right")
    rt.add_row("2 consumers ÷ 1 consumer (wall)", Spread.of(speedups).show(".2f"), "≥ 1.5")
    for case in cases.values():
        used = min(max(case.consumers, 1), cores)
        rt.add_row(
            f"events/s per core, {case.label} (wall ÷ {used} core{'s' if used > 1 else ''})",
            Spread.of([r / used for r in case.rates()]).show(),
            "",
        )
    rt.add_row(
        "events per CPU-second, all consumers (what one fully used core does, database and Redis included)",
        Spread.of([1 / c for c in one.cpu_per_event() + cases[2].cpu_per_event()]).show(),
        "",
    )
    console.print(rt)
