"""`warden cases …`: the enterprise compliance desk from the command line (escalate overdue, list)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

DatabaseOpt = Annotated[
    str | None, typer.Option("--database", "-d", help="Database URL (overrides WARDEN_DATABASE_URL).")
]


def register(app: typer.Typer, bench: typer.Typer) -> None:
    cases_app = typer.Typer(help="Enterprise usage-policy cases (S-E1–S-E5).", no_args_is_help=True)
    app.add_typer(cases_app, name="cases")

    from warden.entrypoints.cli.main import console, open_warden

    @cases_app.command("escalate")
    def escalate(
        enterprise: Annotated[str | None, typer.Option(help="Only this enterprise (default: all).")] = None,
        database: DatabaseOpt = None,
    ) -> None:
        """Escalate every undecided case past its deadline (S-E2); each escalation is audited once."""
        from warden.service.usage_policy import desk_of

        w = open_warden(database)
        done = desk_of(w).escalate_overdue("cli", enterprise)
        for c in done:
            console.print(
                f"escalated {c.id} ({c.enterprise_id}, severity {c.severity}, deadline {c.deadline_at.isoformat()})"
            )
        console.print(f"{len(done)} overdue case(s) escalated")

    @cases_app.command("list")
    def list_cases(
        enterprise: Annotated[str, typer.Option(help="Enterprise id.")],
        database: DatabaseOpt = None,
    ) -> None:
        """The enterprise's cases, newest first, with deadlines and overdue flags."""
        from warden.service.usage_policy import desk_of

        w = open_warden(database)
        items, _ = desk_of(w).list_cases(enterprise, limit=500)
        now = w.clock.now()
        table = Table(title=f"Cases of {enterprise}")
        for col in ("case", "account", "rule", "severity", "status", "deadline", "overdue", "outcome"):
            table.add_column(col)
        for c in items:
            table.add_row(
                c.id,
                c.account_id,
                c.rule_id or c.category,
                c.severity,
                c.status,
                c.deadline_at.isoformat(),
                "yes" if c.overdue(now) else "",
                c.outcome or "",
            )
        console.print(table)
        console.print(f"{len(items)} case(s), {sum(1 for c in items if c.overdue(now))} overdue")
