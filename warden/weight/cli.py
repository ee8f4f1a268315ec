"""`warden weight show|recompute` (S-B, issue 4); `warden bench weight` is `warden/bench/weight.py`."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from warden.entrypoints.cli.options import DatabaseOpt, LangOpt, Language, PolicyOpt
from warden.kernel.access import Principal, Role
from warden.kernel.i18n import Lang
from warden.weight.texts import TABLE
from warden.weight.views import AccountWeight, EnterpriseWeight

console = Console()
OPERATOR = Principal("cli", Role.AUDITOR)
"""Who the command line reads weights as: every tenant's (a missing subject is a plain 'not found')."""


def print_weight(out: AccountWeight | EnterpriseWeight, console: Console, title: str = "") -> None:
    """One weight explanation as a table: factor, points of max, advice."""
    subject = out.account_id if isinstance(out, AccountWeight) else out.enterprise_id
    lang: Lang = "en" if out.lang == "en" else "zh"
    heading = TABLE.render("title", lang, subject=escape(subject), score=f"[bold]{out.score}[/]", max=out.max)
    table = Table(title=title or heading, show_lines=True)
    table.add_column(TABLE["factor"][lang], overflow="fold")
    table.add_column(TABLE["points"][lang], justify="right")
    table.add_column(TABLE["advice"][lang], overflow="fold")
    for f in out.factors:
        style = "green" if f.points >= f.max else ("red" if f.points < 0 else "yellow")
        table.add_row(f.title, f"[{style}]{f.points:g}[/] / {f.max:g}", f.advice or "—")
    console.print(table)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add the `weight` command group to `app` (`bench` is unused: `warden bench weight` is `warden.bench`)."""
    weight_app = typer.Typer(
        help="Weight (权重) of accounts and enterprises: explain, recompute.", no_args_is_help=True
    )
    app.add_typer(weight_app, name="weight")

    @weight_app.command("show")
    def show(
        subject: Annotated[str, typer.Argument(help="Account id (or enterprise id with --enterprise).")],
        enterprise: Annotated[bool, typer.Option("--enterprise", help="SUBJECT is an enterprise.")] = False,
        lang: LangOpt = Language.zh,
        database: DatabaseOpt = None,
        json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Explain a weight: score, each factor with its points and maximum, and how to raise it."""
        from warden.entrypoints.cli.main import fail, open_warden
        from warden.kernel.errors import WardenError

        language = lang.lang
        svc = open_warden(database, read_only=True, lang=language).weight
        try:
            out: AccountWeight | EnterpriseWeight = (
                svc.enterprise(OPERATOR, subject, language) if enterprise else svc.account(OPERATOR, subject, language)
            )
        except WardenError as exc:
            raise fail(exc, lang=language) from exc
        if json_out:
            print(json.dumps(out.model_dump(mode="json"), ensure_ascii=False, indent=2))
            return
        print_weight(out, console)

    @weight_app.command("recompute")
    def recompute(database: DatabaseOpt = None, policy: PolicyOpt = None) -> None:
        """Rebuild every weight from the stored events under the policy in use (after a policy change)."""
        from warden.entrypoints.cli.main import open_warden

        w = open_warden(database, policy)
        start = time.perf_counter()
        with _bar() as bar:
            task = bar.add_task("recomputing weights", total=None)
            out = w.weight.recompute(lambda done, total: bar.update(task, completed=done, total=total))
        took = time.perf_counter() - start
        console.print(
            f"[green]recomputed[/] {out['accounts']} accounts and {out['enterprises']} enterprises in {took:.1f}s "
            f"({out['accounts'] / took if took else 0:,.0f} accounts/s) under policy {w.loaded.short_hash}"
        )


def _bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )
