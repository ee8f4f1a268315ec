"""`warden demo [--serve]`: the command; the demo itself is `run.run_demo`."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add `demo` to `app` (`bench` is unused: the benchmarks are `warden.bench`)."""

    @app.command()
    def demo(
        database: Annotated[
            str, typer.Option("--database", "-d", help="Where the demo lives (recreated).")
        ] = "sqlite:///warden-demo.db",
        serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the API afterwards.")] = False,
        port: Annotated[int, typer.Option(help="Port when serving.")] = 8000,
    ) -> None:
        """Set up a demo enterprise, play a realistic stream, and show who was restricted and why."""
        from warden.demo.run import run_demo
        from warden.entrypoints.cli.main import console

        w = run_demo(database, console, port)
        if serve_after:
            import uvicorn

            from warden.entrypoints.cli.main import open_warden
            from warden.entrypoints.http.app import create_app

            w.close()
            w = open_warden(database, serving=True)
            console.print(f"\nServing on [bold]http://127.0.0.1:{port}/docs[/] — Ctrl-C to stop.")
            uvicorn.run(create_app(w), host="127.0.0.1", port=port, log_level="warning")

    console_app = typer.Typer(help="The web console at /console/ (issue 14).", no_args_is_help=True)
    app.add_typer(console_app, name="console")

    @console_app.command("screenshots")
    def screenshots(
        out: Annotated[str, typer.Option("--out", "-o", help="Where the PNGs go.")] = "docs",
        chromium: Annotated[str, typer.Option(help="The Chromium to drive (Debian's; never downloaded).")] = (
            "/usr/bin/chromium"
        ),
    ) -> None:
        """Photograph each role's main page of the console over a small fixed world into OUT/console-*.png."""
        from pathlib import Path

        from warden.entrypoints.cli.main import console

        try:
            from warden.demo.screenshots import take

            files = take(Path(out), chromium)
        except ImportError as exc:
            console.print(f"[red]needs the playwright package (pip install -e '.[dev]'): {exc}[/]")
            raise typer.Exit(2) from exc
        for f in files:
            console.print(f"wrote {f}")
