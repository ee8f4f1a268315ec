"""`warden appeals …`: the review queue and notification delivery from the command line."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from warden.appeals.texts import QUEUE_TABLE
from warden.entrypoints.cli.options import DatabaseOpt, LangOpt, Language
from warden.kernel.access import Principal, Role

console = Console()


def register(app: typer.Typer, bench: typer.Typer) -> None:
    appeals_app = typer.Typer(help="Appeals (S-D6) and the review desk.", no_args_is_help=True)
    app.add_typer(appeals_app, name="appeals")

    @appeals_app.command("queue")
    def queue(
        database: DatabaseOpt = None,
        lang: LangOpt = Language.zh,
    ) -> None:
        """Open appeals and flagged cases, earliest deadline first."""

        from warden.entrypoints.cli.main import open_warden

        w = open_warden(database, read_only=True, lang=lang.lang)
        desk = w.appeals
        items = desk.queue(Principal("cli", Role.AUDITOR), lang.lang, limit=500)["items"]
        said = lang.lang
        table = Table(title=QUEUE_TABLE.render("title", said, count=len(items)))
        for col in ("case", "subject", "stage", "due", "claimed_by"):
            table.add_column(QUEUE_TABLE[col][said])
        from datetime import datetime

        from warden.kernel.timefmt import when

        tz = w.loaded.policy.timezone
        for i in items:
            at = datetime.fromisoformat(i["due_at"]) if isinstance(i["due_at"], str) else i["due_at"]
            due = when(at, said, tz) + (f" [red]({QUEUE_TABLE['overdue'][said]})[/]" if i["overdue"] else "")
            table.add_row(i["case_id"], i["subject"], i["stage_text"], due, i["claimed_by"] or "—")
        console.print(table)

    @appeals_app.command("deliver")
    def deliver(database: DatabaseOpt = None) -> None:
        """Send due notifications (retries included); safe to run from cron, never sends one twice. Each send is
        logged (WARDEN_LOG_FORMAT: JSON lines unless stdout is a terminal)."""

        from warden.adapters import logs
        from warden.entrypoints.cli.main import open_warden
        from warden.settings import Settings

        logs.configure(Settings())

        out = open_warden(database).appeals.deliver(limit=10_000)
        console.print(f"sent {out.sent}, failed (will retry) {out.failed}, gave up {out.gave_up}")
