"""`warden consume` (events from NATS JetStream) and `warden publish` (a JSONL file onto it)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from warden.service.intake import IntakeStats

console = Console()
log = logging.getLogger("warden.intake")


def _fields(s: IntakeStats) -> dict[str, Any]:
    return {
        "stored": s.stored,
        "duplicates": s.duplicates,
        "dead": s.dead,
        "redelivered": s.redelivered,
        "handed_back": s.handed_back,
    }


NatsOpt = Annotated[str, typer.Option("--nats", help="NATS server URL.")]
StreamOpt = Annotated[str, typer.Option(help="JetStream stream (created when missing).")]
PrefixOpt = Annotated[
    str, typer.Option(help="Subject prefix: events on <prefix>.events, dead letters on <prefix>.dead.")
]


def register(app: typer.Typer, bench: typer.Typer) -> None:
    @app.command()
    def consume(
        nats_url: Annotated[
            str | None, typer.Option("--nats", help="NATS server URL (default: WARDEN_NATS_URL, else local).")
        ] = None,
        stream: StreamOpt = "WARDEN",
        prefix: PrefixOpt = "warden",
        durable: Annotated[str, typer.Option(help="Durable consumer name (share it to split the work).")] = "warden",
        batch: Annotated[int, typer.Option(min=1, max=1000, help="Events per ingest transaction.")] = 1000,
        until_idle: Annotated[bool, typer.Option(help="Stop when the stream has nothing more to give.")] = False,
        ack_wait: Annotated[
            float,
            typer.Option(
                min=1, help="Seconds before an unacknowledged delivery is redelivered (set when the consumer is made)."
            ),
        ] = 60,
        metrics_port: Annotated[
            int | None,
            typer.Option(help="Serve /metrics, /livez, /readyz on this port (default: WARDEN_METRICS_PORT; none)."),
        ] = None,
        database: Annotated[str | None, typer.Option("--database", "-d", help="Database URL.")] = None,
    ) -> None:
        """Ingest events from NATS JetStream; bad ones go to <prefix>.dead with their reasons. SIGTERM or Ctrl-C:
        the batch being stored is finished and acknowledged, what was fetched but not started is handed back."""
        from warden.adapters import logs
        from warden.adapters.intake import NatsSource
        from warden.entrypoints.cli.main import fail, open_warden
        from warden.entrypoints.probes import ProbeServer
        from warden.service.intake import consume as run
        from warden.settings import Settings

        settings = Settings()
        logs.configure(settings)
        url = nats_url or settings.nats_url or "nats://127.0.0.1:4222"
        w = open_warden(database, serving=True)
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
                source = await NatsSource.connect(url, stream, prefix, durable, ack_wait=ack_wait)
            except Exception as exc:
                raise fail(f"cannot reach NATS JetStream at {url}: {exc}") from exc
            log.info(
                "consuming %s.events from %s (stream %s, consumer %s)",
                prefix,
                url,
                stream,
                durable,
                extra={"stream": stream, "consumer": durable, "batch": batch},
            )
            last = [time.monotonic()]

            def progress(s: IntakeStats) -> None:
                if time.monotonic() - last[0] >= 10:  # a line every 10 s at most while events flow
                    last[0] = time.monotonic()
                    log.info(
                        "progress: stored %d, duplicates %d, dead letters %d",
                        s.stored,
                        s.duplicates,
                        s.dead,
                        extra=_fields(s),
                    )

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

        try:
            stats = asyncio.run(main())
            log.info(
                "stopped: stored %d, duplicates %d, dead letters %d, handed back %d",
                stats.stored,
                stats.duplicates,
                stats.dead,
                stats.handed_back,
                extra=_fields(stats),
            )
        finally:
            if probes is not None:
                probes.close()
            w.close()

    @app.command()
    def publish(
        events: Annotated[Path, typer.Argument(help="JSONL file of events, one per line.")],
        nats_url: NatsOpt = "nats://127.0.0.1:4222",
        stream: StreamOpt = "WARDEN",
        prefix: PrefixOpt = "warden",
    ) -> None:
        """Publish a JSONL file of events onto the stream (for loading and testing)."""
        from warden.adapters.intake import NatsSource
        from warden.entrypoints.cli.main import fail

        if not events.exists():
            raise fail(f"{events}: no such file")

        async def main() -> int:
            source = await NatsSource.connect(nats_url, stream, prefix, durable="warden-publisher")
            n = 0
            with events.open(encoding="utf-8") as fh:
                for lineno, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise fail(f"{events}:{lineno}: not JSON ({exc.msg})") from exc
                    await source.publish(obj)
                    n += 1
            await source.close()
            return n

        console.print(f"published {asyncio.run(main()):,} events to {prefix}.events")
