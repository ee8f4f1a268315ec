"""`warden policy list|show|diff|add|promote|end|rollback`: the stored policy versions from the command line (the
`policy` group itself, with `check`, is enforcement's)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from warden.kernel.access import Principal, Role
from warden.kernel.errors import WardenError
from warden.kernel.timefmt import DEFAULT_TIMEZONE, when
from warden.policy_versions.model import Stage

DatabaseOpt = Annotated[
    str | None, typer.Option("--database", "-d", help="Database URL (overrides WARDEN_DATABASE_URL).")
]
ByOpt = Annotated[str, typer.Option("--by", help="Who is acting (the person recorded as author or promoter).")]


def _operator(person: str) -> Principal:
    return Principal("cli", Role.PLATFORM, person_id=person)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    from warden.entrypoints.cli.main import console, err, open_warden

    group = next((g.typer_instance for g in app.registered_groups if g.name == "policy"), None)
    if group is None:  # pragma: no cover - enforcement registers it first
        group = typer.Typer(help="Policy files and stored versions.", no_args_is_help=True)
        app.add_typer(group, name="policy")

    def run(database: str | None):  # type: ignore[no-untyped-def]
        w = open_warden(database)
        assert w.policy_versions is not None
        return w.policy_versions

    def failed(exc: WardenError) -> typer.Exit:
        err.print(f"[red]{exc.detail}[/]")
        for e in exc.errors:
            err.print(f"  {e.message}")
        return typer.Exit(1)

    @group.command("list")
    def list_(database: DatabaseOpt = None) -> None:
        """Every stored version, with where each is (live, shadow, staged)."""
        out = run(database).list(_operator("cli"))
        table = Table(title="Policy versions")
        for col in ("id", "stage", "label", "hash", "author", "created", "comment"):
            table.add_column(col)
        for v in out.items:
            created = when(v.created_at, "en", DEFAULT_TIMEZONE)
            table.add_row(str(v.id), v.stage or "", v.label, v.hash[:12], v.author, created, v.comment)
        console.print(table)
        if out.stages and out.stages.staged_id:
            console.print(f"staged: version {out.stages.staged_id} for {out.stages.staged_share}% of enterprises")

    @group.command("show")
    def show(version: Annotated[int, typer.Argument(help="Version id.")], database: DatabaseOpt = None) -> None:
        """A version's text."""
        try:
            v = run(database).show(_operator("cli"), version)
        except WardenError as exc:
            raise failed(exc) from exc
        console.print(f"# version {v.id} ({v.stage or 'stored'}) by {v.author}: {v.comment}", markup=False)
        console.print(v.text, markup=False, highlight=False)

    @group.command("diff")
    def diff(
        old: Annotated[int, typer.Argument(help="The older version id.")],
        new: Annotated[int, typer.Argument(help="The newer version id.")],
        database: DatabaseOpt = None,
    ) -> None:
        """A unified diff between two versions."""
        try:
            out = run(database).diff(_operator("cli"), old, new)
        except WardenError as exc:
            raise failed(exc) from exc
        console.print(out.diff or "(same text)", markup=False, highlight=False)

    @group.command("add")
    def add(
        file: Annotated[Path, typer.Argument(help="The policy YAML file to store as a new version.")],
        comment: Annotated[str, typer.Option("--comment", "-m", help="What changed and why.")] = "",
        by: ByOpt = "cli",
        database: DatabaseOpt = None,
    ) -> None:
        """Store a policy file as a new version (validated; it decides nothing until promoted)."""
        try:
            v = run(database).create(_operator(by), file.read_text(encoding="utf-8"), comment)
        except WardenError as exc:
            raise failed(exc) from exc
        console.print(f"stored version {v.id} ({v.hash[:12]})")

    @group.command("promote")
    def promote(
        version: Annotated[int, typer.Argument(help="Version id.")],
        reason: Annotated[str, typer.Option("--reason", "-r", help="Why (recorded in the audit trail).")],
        stage: Annotated[str, typer.Option(help="live, shadow or staged.")] = "live",
        share: Annotated[int, typer.Option(help="staged: percent of enterprises (1–99).")] = 0,
        by: ByOpt = "cli",
        database: DatabaseOpt = None,
    ) -> None:
        """Put a version live, in shadow, or staged for a share of enterprises (every process takes it at once)."""
        try:
            st = run(database).promote(_operator(by), version, Stage(stage), reason, share)
        except (WardenError, ValueError) as exc:
            raise failed(exc if isinstance(exc, WardenError) else WardenError(str(exc))) from exc
        console.print(f"generation {st.generation}: live {st.live_id}, shadow {st.shadow_id}, staged {st.staged_id}")

    @group.command("end")
    def end(
        stage: Annotated[str, typer.Argument(help="shadow or staged.")],
        reason: Annotated[str, typer.Option("--reason", "-r", help="Why.")],
        by: ByOpt = "cli",
        database: DatabaseOpt = None,
    ) -> None:
        """End the shadow run or the staged rollout."""
        try:
            st = run(database).end(_operator(by), Stage(stage), reason)
        except (WardenError, ValueError) as exc:
            raise failed(exc if isinstance(exc, WardenError) else WardenError(str(exc))) from exc
        console.print(f"generation {st.generation}: live {st.live_id}, shadow {st.shadow_id}, staged {st.staged_id}")

    @group.command("rollback")
    def rollback(
        version: Annotated[int, typer.Argument(help="The earlier version to make live again.")],
        reason: Annotated[str, typer.Option("--reason", "-r", help="Why.")],
        by: ByOpt = "cli",
        database: DatabaseOpt = None,
    ) -> None:
        """Make an earlier version live again in one step."""
        try:
            st = run(database).rollback(_operator(by), version, reason)
        except WardenError as exc:
            raise failed(exc) from exc
        console.print(f"generation {st.generation}: live {st.live_id}")
