"""`warden consume` (events from NATS JetStream) and `warden publish` (a JSONL file onto it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from warden.settings import Settings, mask_url

if TYPE_CHECKING:
    from warden.service.intake import IntakeStats

console = Console()
log = logging.getLogger("warden.intake")


def _fields(s: IntakeStats, timing: bool = False) -> dict[str, Any]:
    """The log fields of a progress or stop line; `timing`: also when the work happened, what was serial and where
    the time went (the stop line, which `warden bench scale` reads: `IntakeStats` with its `phase_<name>_s`, and
    `adapters.database.LOCK_TIMES`)."""
    out: dict[str, Any] = {
        "stored": s.stored,
        "duplicates": s.duplicates,
        "dead": s.dead,
        "redelivered": s.redelivered,
        "handed_back": s.handed_back,
    }
    if timing:
        from warden.adapters.database import LOCK_TIMES

        out |= {
            "batches": s.batches,
            "first_fetch": s.first_fetch,
            "last_commit": s.last_commit,
            "cpu_first": s.cpu_first,
            "cpu_last": s.cpu_last,
            "busy_s": s.busy,
            "anchor_s": _ANCHOR_TIME[0],
        } | LOCK_TIMES.snapshot()
        out |= {f"phase_{k}_s": v for k, v in s.phases.items()}
    return out


_ANCHOR_TIME = [0.0]  # seconds this process spent appending audit roots (`consume`'s anchor), for the stop line


NatsOpt = Annotated[
    str | None, typer.Option("--nats", help="NATS server URL (default: WARDEN_NATS_URL, else nats://127.0.0.1:4222).")
]
LOCAL_NATS = "nats://127.0.0.1:4222"


def nats_url_of(option: str | None, settings: Settings) -> str:
    """The NATS URL a command uses: `--nats`, else WARDEN_NATS_URL, else the local server. A value that is not a
    NATS URL exits 2 naming `--nats`, before anything is touched."""
    from warden.entrypoints.cli.main import fail
    from warden.settings import nats_url_problem

    if option is None:
        return settings.nats_url or LOCAL_NATS  # WARDEN_NATS_URL was checked when the settings were read
    problem = nats_url_problem(option)
    if problem is not None:
        raise fail(f"--nats: {problem}", 2)
    return option


def check_names(stream: str, prefix: str, durable: str | None = None) -> None:
    """`--stream`, `--prefix` and `--durable` as JetStream takes them, else exit 2 naming the option, before anything
    is touched (JetStream refused them only after the database was migrated; an empty `--durable` made a consumer
    that forgets its place, a `*` in `--prefix` a subject nothing can be published to). A name: no space, `.`, `*`,
    `>`, `/` or `\\`; a prefix: dot-separated tokens, none empty, without spaces or wildcards."""
    from warden.entrypoints.cli.main import fail

    def bad_name(value: str) -> bool:
        return not value or any(c.isspace() or c in ".*>/\\" or not c.isprintable() for c in value)

    names = [("--stream", stream)] + ([("--durable", durable)] if durable is not None else [])
    for option, value in names:
        if bad_name(value):
            raise fail(f"{option}: {value!r} is not a JetStream name (no spaces, '.', '*', '>', '/', '\\')", 2)
    tokens = prefix.split(".")
    if any(not t or any(c.isspace() or c in "*>" or not c.isprintable() for c in t) for t in tokens):
        raise fail(f"--prefix: {prefix!r} is not a subject prefix (dot-separated words without spaces, '*' or '>')", 2)


StreamOpt = Annotated[str, typer.Option(help="JetStream stream (created when missing).")]
PrefixOpt = Annotated[
    str, typer.Option(help="Subject prefix: events on <prefix>.events, dead letters on <prefix>.dead.")
]


def register(app: typer.Typer, bench: typer.Typer) -> None:
    @app.command()
    def consume(
        nats_url: NatsOpt = None,
        stream: StreamOpt = "WARDEN",
        prefix: PrefixOpt = "warden",
        durable: Annotated[str, typer.Option(help="Durable consumer name (share it to split the work).")] = "warden",
        batch: Annotated[int, typer.Option(min=1, max=1000, help="Events per ingest transaction.")] = 1000,
        until_idle: Annotated[bool, typer.Option(help="Stop when the stream has nothing more to give.")] = False,
        start_when: Annotated[
            Path | None,
            typer.Option(
                help="Connect, then wait for this file to exist before the first fetch (several processes starting "
                "together: `warden bench scale`, a coordinated cut-over)."
            ),
        ] = None,
        ack_wait: Annotated[
            float,
            typer.Option(
                min=1, help="Seconds before an unacknowledged delivery is redelivered (set when the consumer is made)."
            ),
        ] = 60,
        metrics_port: Annotated[
            int | None,
            typer.Option(
                min=0,
                max=65535,
                help="Serve /metrics, /livez, /readyz on this port (default: WARDEN_METRICS_PORT; none; 0: any free).",
            ),
        ] = None,
        database: Annotated[str | None, typer.Option("--database", "-d", help="Database URL.")] = None,
        partitions: Annotated[
            str | None,
            typer.Option(
                help="Consume these partitions' subjects (<prefix>.events.<p>): `0-7`, `0,2,4`, `all`. Give each "
                "consumer process its own set (WARDEN_PARTITIONS in all). Unset: the single subject <prefix>.events."
            ),
        ] = None,
    ) -> None:
        """Ingest events from NATS JetStream; bad ones go to <prefix>.dead with their reasons. SIGTERM or Ctrl-C:
        the batch being stored is finished and acknowledged, what was fetched but not started is handed back.
        With --partitions, one durable consumer per partition (<durable>-p<p>): this process alone decides them."""
        from warden.adapters import logs
        from warden.adapters.database import LOCK_TIMES
        from warden.adapters.intake import NatsSource, NatsUnreachable
        from warden.bootstrap import freeze_heap
        from warden.entrypoints.cli.main import fail, open_warden
        from warden.entrypoints.probes import ProbeServer
        from warden.kernel.partition import parse_partitions
        from warden.service.intake import consume as run

        settings = Settings()
        logs.configure(settings)
        url = nats_url_of(nats_url, settings)  # every option is checked before the database is touched
        check_names(stream, prefix, durable)
        try:
            mine = parse_partitions(partitions, settings.partitions) if partitions is not None else None
        except ValueError as exc:
            raise fail(f"--partitions: {exc}", 2) from exc
        w = open_warden(database, serving=True)
        freeze_heap()  # the start-up heap is never walked by a full collection (issue 16)
        port = metrics_port if metrics_port is not None else settings.metrics_port
        probes = ProbeServer(w, settings, settings.metrics_host, port, url).start() if port is not None else None
        if probes is not None:
            log.info(
                "metrics and probes on http://%s:%d",
                settings.metrics_host,
                probes.port,
                extra={"metrics_port": probes.port},
            )

        async def main() -> IntakeStats:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()

            def stopping(signame: str) -> None:
                if not stop.is_set():
                    log.info("%s: finishing the batch in flight, handing back the rest", signame)
                    if probes is not None:
                        probes.stopping = True
                stop.set()

            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError):  # not on Windows
                    loop.add_signal_handler(sig, stopping, sig.name)
            try:
                source = await NatsSource.connect(url, stream, prefix, durable, ack_wait=ack_wait, partitions=mine)
            except NatsUnreachable as exc:
                raise fail(f"cannot reach NATS JetStream at {exc}") from exc
            except Exception as exc:
                raise fail(f"NATS JetStream at {mask_url(url)}: {exc}") from exc
            log.info(
                "consuming %s.events%s from %s (stream %s, consumer %s)",
                prefix,
                "" if mine is None else f".<{partitions}>",
                url,
                stream,
                durable,
                extra={"stream": stream, "consumer": durable, "batch": batch, "partitions": partitions},
            )
            last = [time.monotonic()]
            rooted = [time.monotonic()]

            def anchor() -> None:  # a signed root over every chain's head, now and then (adapters/audit_roots.py)
                rooted[0] = time.monotonic()
                try:
                    w.anchor_audit_root()
                except Exception:  # the next one covers what this one would have; say so
                    log.warning("could not append an audit root; retrying later", exc_info=True)
                _ANCHOR_TIME[0] += time.monotonic() - rooted[0]

            def progress(s: IntakeStats) -> None:
                if time.monotonic() - rooted[0] >= settings.audit_root_interval:
                    anchor()
                if time.monotonic() - last[0] >= 10:  # a line every 10 s at most while events flow
                    last[0] = time.monotonic()
                    log.info(
                        "progress: stored %d, duplicates %d, dead letters %d",
                        s.stored,
                        s.duplicates,
                        s.dead,
                        extra=_fields(s),
                    )

            if start_when is not None:
                log.info("waiting for %s", start_when, extra={"start_when": str(start_when)})
                while not start_when.exists() and not stop.is_set():
                    await asyncio.sleep(0.01)
            LOCK_TIMES.reset()  # the serial sections of consuming, not of starting (the stop line reports them)
            try:
                return await run(
                    w,
                    source,
                    batch=batch,
                    idle_exit=until_idle,
                    stop=stop,
                    progress=progress,
                    name=durable,
                    stream=stream,
                )
            finally:
                await source.close()
                anchor()

        try:
            stats = asyncio.run(main())
            log.info(
                "stopped: stored %d, duplicates %d, dead letters %d, handed back %d",
                stats.stored,
                stats.duplicates,
                stats.dead,
                stats.handed_back,
                extra=_fields(stats, timing=True),
            )
        finally:
            if probes is not None:
                probes.close()
            w.close()

    @app.command()
    def publish(
        events: Annotated[Path, typer.Argument(help="JSONL file of events, one per line.")],
        nats_url: NatsOpt = None,
        stream: StreamOpt = "WARDEN",
        prefix: PrefixOpt = "warden",
        database: Annotated[
            str | None, typer.Option("--database", "-d", help="Database URL (the directory the partitions come from).")
        ] = None,
        single_subject: Annotated[
            bool, typer.Option(help="Publish on the single subject <prefix>.events (the path before partitions).")
        ] = False,
    ) -> None:
        """Publish a JSONL file of events onto the stream (for loading and testing): each on its partition's subject
        <prefix>.events.<p> (its account's enterprise, read from the database; WARDEN_PARTITIONS partitions)."""
        from rich.markup import escape

        from warden.adapters.database import make_engine, not_set_up, reading
        from warden.adapters.intake import NatsSource, NatsUnreachable, Router
        from warden.adapters.jsonl import BadFile, read_objects
        from warden.adapters.store import stored_partitions
        from warden.entrypoints.cli.main import fail
        from warden.kernel.events import event_problems

        settings = Settings()
        url = nats_url_of(nats_url, settings)
        check_names(stream, prefix)
        try:  # every line an event, checked as the consumer will check it, before anything is published
            objs = [obj for _, obj in read_objects(events, lambda _line, obj: event_problems(obj))]
        except BadFile as exc:
            said = "\n  ".join(escape(p) for p in exc.problems)
            raise fail(f"the file cannot be used; nothing was published\n  {said}", 2) from exc
        router = None
        if not single_subject:
            db_url = database or settings.database_url
            unusable = not_set_up(db_url)  # creates nothing: a mistyped SQLite path stays a mistake, not a new file
            if unusable is not None:
                raise fail(
                    f"cannot partition the events: {unusable} ({mask_url(db_url)}); nothing was published. Give the "
                    "installation's database (--database or WARDEN_DATABASE_URL), or publish with --single-subject",
                    2,
                )
            engine = make_engine(db_url)
            try:
                with reading(engine) as conn:  # route as the installation's consumers do, or not at all
                    recorded = stored_partitions(conn)
            except Exception as exc:
                engine.dispose()
                raise fail(f"cannot read the database to partition the events: {exc}; nothing was published") from exc
            if recorded is not None and recorded != settings.partitions:
                engine.dispose()
                raise fail(
                    f"WARDEN_PARTITIONS is {settings.partitions}, but this database was set up with {recorded} "
                    "partitions; publish with the installation's number, or events go to another partition's subject"
                )
            router = Router(engine, settings.partitions)
            try:
                for i in range(0, len(objs), 5000):
                    router.learn(objs[i : i + 5000])
            except Exception as exc:
                raise fail(f"cannot read the directory to partition the events: {exc}") from exc
            finally:
                engine.dispose()

        async def main() -> int:
            try:
                source = await NatsSource.connect(url, stream, prefix, subscribe=False)
            except NatsUnreachable as exc:
                raise fail(f"cannot reach NATS JetStream at {exc}; nothing was published") from exc
            try:
                for obj in objs:
                    await source.publish(obj, router.partition(obj) if router is not None else None)
            finally:
                await source.close()
            return len(objs)

        where = f"{prefix}.events" if single_subject else f"{prefix}.events.<partition>"
        console.print(f"published {asyncio.run(main()):,} events to {where} at {mask_url(url)}")
