"""The `warden` command. Each command is a thin shell around the service layer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from warden.entrypoints.cli.options import DatabaseOpt, PolicyOpt
from warden.kernel.error_texts import LABELS, field_message, read_detail
from warden.kernel.errors import WardenError
from warden.kernel.i18n import Lang
from warden.policy import PolicyError
from warden.settings import Settings

if TYPE_CHECKING:
    from warden.app import App

app = typer.Typer(
    help="warden — account-violation handling for a WeCom-style workplace platform. "
    "Database: WARDEN_DATABASE_URL (default sqlite:///warden.db); policy: WARDEN_POLICY (default: shipped).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(help="Benchmarks that print figures (never pass/fail).", no_args_is_help=True)
app.add_typer(bench_app, name="bench")

console = Console()
err = Console(stderr=True, soft_wrap=True)  # file:line messages must never be broken


def fail(message: str | WardenError, code: int = 1, lang: Lang = "en") -> typer.Exit:
    """Print `message` on stderr after `error:` and return the exit to raise. A `WardenError` is said in `lang`
    (`WardenError.said`: its own text, or its detail as `warden.kernel.error_texts` reads it, the home the HTTP
    problems read too), its words unread as markup; a str is rich markup the caller wrote. `lang` is the command's
    `--lang` (en for a command without one: an operator's)."""
    if isinstance(message, WardenError):
        from rich.markup import escape

        message = escape(message.said(lang))
    err.print(f"[bold red]{LABELS['error'][lang]}[/]{message}")
    return typer.Exit(code)


def open_warden(
    database: str | None = None,
    policy: Path | None = None,
    serving: bool = False,
    read_only: bool = False,
    lang: Lang = "en",
) -> App:
    """The application on `database` (else WARDEN_DATABASE_URL) under `policy` (else WARDEN_POLICY). A policy file
    that does not load is exit 2 with its problems, said in `lang` (the command's `--lang`); `read_only`: a database
    not set up is exit 2, and nothing is migrated, recorded or created."""
    from warden.bootstrap import bootstrap

    settings = Settings()
    if settings.sqlite_background_checkpoint is None:  # unset: long-running commands checkpoint in the background
        settings.sqlite_background_checkpoint = serving
    if database:
        settings.database_url = database
    if policy:
        settings.policy = str(policy)
    from rich.markup import escape
    from sqlalchemy import exc as sa_exc

    from warden.settings import mask_url

    shown = mask_url(settings.database_url)
    try:
        if settings.policy:  # a policy file that does not load is refused before a database or key is touched
            from warden.adapters.policy_file import load_policy

            load_policy(Path(settings.policy))
        if read_only:  # no migration, no policy record, no key created: the command writes nothing
            from warden.adapters.database import not_set_up

            missing = not_set_up(settings.database_url)
            if missing is not None:  # a mistyped --database is named, not created empty and queried
                why = escape(missing if lang == "en" else (read_detail(missing) or missing))
                raise fail(LABELS.render("database_unread", lang, why=why, url=escape(shown)), 2, lang)
            return bootstrap(settings, migrate=False, start=False, sign=False)
        return bootstrap(settings)
    except (sa_exc.OperationalError, sa_exc.DatabaseError, sa_exc.ArgumentError, sa_exc.NoSuchModuleError) as exc:
        # a database that cannot be opened (no such directory, not a database, no server, an unknown scheme) is the
        # --database option's fault, named, in the command's language, not a driver's traceback line
        why = escape(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0])
        raise fail(LABELS.render("database_unopened", lang, why=why, url=escape(shown)), 2, lang) from exc
    except PolicyError as exc:  # bad input, like a bad option: exit 2
        said = (escape(field_message(p, lang)) for p in exc.problems)
        raise fail(LABELS["policy_invalid"][lang] + "\n  " + "\n  ".join(said), 2, lang) from exc


@app.command()
def serve(
    database: DatabaseOpt = None,
    policy: PolicyOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes behind the port; they decide as one process. Metrics are then shared; rate limits "
            "are per process unless WARDEN_COUNTERS=redis (docs/DEPLOY.md).",
        ),
    ] = 1,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs; /livez, /readyz, /metrics). Logs are JSON lines on stdout unless
    it is a terminal (WARDEN_LOG_FORMAT). SIGTERM: stop accepting, let requests in flight finish (at most
    WARDEN_SHUTDOWN_GRACE seconds), then exit 0."""
    import logging
    import os
    import signal

    import uvicorn

    from warden.adapters import logs
    from warden.entrypoints.http.app import create_app

    settings = Settings()
    logs.configure(settings)
    log = logging.getLogger("warden.server")
    if workers > 1:  # every worker builds its own App from the environment (warden.entrypoints.http.asgi)
        if database:
            os.environ["WARDEN_DATABASE_URL"] = database
        if policy:
            os.environ["WARDEN_POLICY"] = str(policy)
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # the workers' metrics, summed at each scrape
            import tempfile

            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="warden-metrics-")
    w = open_warden(database, policy, serving=True)  # migrates and records the policy once, before any worker
    log.info(
        "warden API on http://%s:%d (docs /docs, probes /livez /readyz, metrics /metrics), policy %s (%s)",
        host,
        port,
        w.loaded.policy.version,
        w.loaded.short_hash,
        extra={"host": host, "port": port, "workers": workers, "policy": w.loaded.short_hash},
    )
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": None,  # keep warden's logging (adapters/logs.py); warden.access is the access log
        "access_log": False,
        "timeout_graceful_shutdown": settings.shutdown_grace,
    }
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again under the handler found at start: ours
    # notes it, so this process ends normally (exit 0, "stopped serving") instead of dying by the signal.
    signal.signal(signal.SIGTERM, lambda signum, frame: log.info("SIGTERM: stopped accepting, requests finished"))
    try:
        if workers > 1:
            w.close()
            uvicorn.run("warden.entrypoints.http.asgi:create", factory=True, workers=workers, **common)
        else:
            from warden.bootstrap import freeze_heap

            api = create_app(w, settings)
            freeze_heap()
            uvicorn.run(api, **common)
    finally:
        w.close()  # stops the WAL checkpointer; SQLite checkpoints once more as the last connection closes
        log.info("stopped serving")


@app.command()
def replay(
    events: Annotated[
        Path | None, typer.Argument(help="JSONL of events (and enterprise/account lines); omit for the stored events.")
    ] = None,
    policy: Annotated[Path | None, typer.Option("--policy", "-p", help="The candidate policy file.")] = None,
    version: Annotated[
        int | None, typer.Option("--version", min=1, max=2**31 - 1, help="The candidate: a stored policy version.")
    ] = None,
    database: DatabaseOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the diff as JSON.")] = False,
) -> None:
    """The same as `warden policy backtest` (its alias), which also takes a JSONL file of events to replay instead
    of the stored ones: what a candidate would change, and each rule's precision and recall against reviewers'
    verdicts."""
    from warden.entrypoints.cli.replay import run_replay

    run_replay(events, policy, database, json_out, console, version)


config_app = typer.Typer(help="The effective configuration (WARDEN_* settings).", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def config_show(
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Print every setting as this process would use it (environment, else default), secrets masked: tokens and
    webhook secrets as `***`, passwords inside URLs as `***`. Exit 2 naming the variable when one is invalid."""
    import json

    from pydantic import ValidationError
    from rich.table import Table

    try:
        settings = Settings()
    except ValidationError as exc:
        problems = [f"WARDEN_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()]
        raise fail("invalid settings:\n  " + "\n  ".join(problems), 2) from exc
    shown = settings.shown()
    if json_out:
        typer.echo(json.dumps(shown, ensure_ascii=False, indent=2, default=str))
        return
    table = Table("variable", "value", title="warden settings (effective; secrets masked)")
    for name, value in shown.items():
        table.add_row(f"WARDEN_{name.upper()}", "" if value is None else str(value))
    console.print(table)


def main() -> None:  # pragma: no cover
    """The `warden` command: the Typer app, with what no command caught said in one line instead of a traceback
    (exit 1; `WARDEN_DEBUG=1` shows the traceback). Settings that do not validate name their variable (exit 2)."""
    import os

    from pydantic import ValidationError

    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except ValidationError as exc:  # the WARDEN_* settings, read when a command starts
        if os.environ.get("WARDEN_DEBUG"):
            raise
        for e in exc.errors():
            where = ".".join(str(x) for x in e["loc"])
            sys.stderr.write(f"error: invalid settings: WARDEN_{where.upper()}: {e['msg']}\n")
        sys.exit(2)
    except Exception as exc:
        if os.environ.get("WARDEN_DEBUG"):
            raise
        sys.stderr.write(f"error: {exc or type(exc).__name__}\n(WARDEN_DEBUG=1 shows where it happened)\n")
        sys.exit(1)


# Commands from other packages: each module has `register(app, bench_app)`; one line per package.
# --- the demo (`warden demo`) and the benchmarks (`warden bench ingest|quality|screen|weight`) ---
from warden.bench import cli as _bench  # noqa: E402
from warden.demo import cli as _demo  # noqa: E402

_demo.register(app, bench_app)
_bench.register(app, bench_app)
# --- enforcement: policy check, audit verify, token create/revoke ---
from warden.enforcement import cli as _enforcement_cli  # noqa: E402

_enforcement_cli.register(app, bench_app)
# --- the policy's life (issue 18): `warden policy list|show|diff|add|promote|end|rollback` ---
from warden.policy_versions import cli as _policy_versions  # noqa: E402

_policy_versions.register(app, bench_app)
# --- weight (issue 4) ---
from warden.weight import cli as _weight  # noqa: E402

_weight.register(app, bench_app)
# --- unblocking (issue 5) ---
# --- appeals (issue 6) ---
from warden.appeals import cli as _appeals_cli  # noqa: E402

_appeals_cli.register(app, bench_app)
# --- enterprise usage policy (issue 7) ---
from warden.usage_policy import cli as _usage_policy  # noqa: E402

_usage_policy.register(app, bench_app)

from warden.entrypoints.cli import intake as _intake  # noqa: E402 - commands register after the app exists

_intake.register(app, bench_app)

try:  # the screening engine adds `warden screen`
    from warden.entrypoints.cli import screen as _screen

    _screen.register(app, bench_app)
except ImportError:  # pragma: no cover
    pass


if __name__ == "__main__":  # python -m warden.entrypoints.cli.main (used by the benchmark's server)
    main()
