"""`warden consume` (events from NATS JetStream) and `warden publish` (a JSONL file onto it)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()
NatsOpt = Annotated[str, typer.Option("--nats", help="NATS server URL.")]
StreamOpt = Annotated[str, typer.Option(help="JetStream stream (created when missing).")]
PrefixOpt = Annotated[
    str, typer.Option(help="Subject prefix: events on <prefix>.events, dead letters on <prefix>.dead.")
]


def register(app: typer.Typer, bench: typer.Typer) -> None:
    @app.command()
    def consume(
        nats_url: NatsOpt = "nats://127.0.0.1:4222",
        stream: StreamOpt = "WARDEN",
        prefix: PrefixOpt = "warden",
        durable: Annotated[str, typer.Option(help="Durable consumer name (share it to split the work).")] = "warden",
        batch: Annotated[int, typer.Option(min=1, max=1000, help="Events per ingest transaction.")] = 1000,
        until_idle: Annotated[bool, typer.Option(help="Stop when the stream has nothing more to give.")] = False,
        database: Annotated[str | None, typer.Option("--database", "-d", help="Database URL.")] = None,
    ) -> None:
        """Ingest events from NATS JetStream; bad ones go to <prefix>.dead with their reasons."""
        from warden.adapters.intake import NatsSource
        from warden.entrypoints.cli.main import fail, open_warden
        from warden.service.intake import consume as run

        w = open_warden(database, serving=True)

        async def main() -> None:
            try:
                source = await NatsSource.connect(nats_url, stream, prefix, durable)
            except Exception as exc:
                raise fail(f"cannot reach NATS JetStream at {nats_url}: {exc}") from exc
            console.print(
                f"consuming {prefix}.events from {nats_url} (stream {stream}, consumer {durable}); Ctrl-C stops"
            )
            with console.status("waiting for events") as status:
                stats = await run(
                    w,
                    source,
                    batch=batch,
                    idle_exit=until_idle,
                    progress=lambda s: status.update(
                        f"stored {s.stored:,} · duplicates {s.duplicates:,} · dead letters {s.dead:,}"
                    ),
                )
            await source.close()
            console.print(f"stored {stats.stored:,}, duplicates {stats.duplicates:,}, dead letters {stats.dead:,}")

        try:
            asyncio.run(main())
        except KeyboardInterrupt:
            console.print("stopped")
        finally:
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
