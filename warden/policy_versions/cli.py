"""`warden policy list|show|diff|add|promote|end|rollback|backtest`: the stored policy versions from the command line
(the `policy` group itself, with `check`, is enforcement's). `run_backtest` is also `warden replay`'s body."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from warden.entrypoints.cli.options import DatabaseOpt
from warden.kernel.access import Principal, Role
from warden.kernel.errors import InvalidInput, WardenError
from warden.kernel.inputs import EARLIEST_YEAR, INT32_MAX, LATEST_YEAR, representable
from warden.kernel.timefmt import DEFAULT_TIMEZONE, when
from warden.policy import LoadedPolicy, PolicyError
from warden.policy_versions.backtests import StopCheck, Stopped, UnknownInEvents, foreground
from warden.policy_versions.model import Stage

if TYPE_CHECKING:
    from warden.app import App
    from warden.entrypoints.cli.replay import EventsFile

ByOpt = Annotated[str, typer.Option("--by", help="Who is acting (the person recorded as author or promoter).")]
VersionArg = Annotated[int, typer.Argument(min=1, max=INT32_MAX, help="Version id.")]
"""A stored version's id: 1 to 2,147,483,647 (what the column holds; a larger number is a usage error, exit 2)."""


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
    def show(version: VersionArg, database: DatabaseOpt = None) -> None:
        """A version's text."""
        try:
            v = run(database).show(_operator("cli"), version)
        except WardenError as exc:
            raise failed(exc) from exc
        console.print(f"# version {v.id} ({v.stage or 'stored'}) by {v.author}: {v.comment}", markup=False)
        console.print(v.text, markup=False, highlight=False)

    @group.command("diff")
    def diff(
        old: Annotated[int, typer.Argument(min=1, max=INT32_MAX, help="The older version id.")],
        new: Annotated[int, typer.Argument(min=1, max=INT32_MAX, help="The newer version id.")],
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
        """Store a policy file as a new version (validated; it decides nothing until promoted). A file that is not a
        valid policy is refused naming `FILE:LINE: where: what` (exit 2), before the database is opened."""
        from warden.adapters.policy_file import load_policy

        try:
            text = load_policy(file).text
        except PolicyError as exc:
            raise _bad_file(err, exc.problems, "the policy file is invalid; nothing was stored") from exc
        try:
            v = run(database).create(_operator(by), text, comment)
        except WardenError as exc:
            raise failed(exc) from exc
        console.print(f"stored version {v.id} ({v.hash[:12]})")

    @group.command("promote")
    def promote(
        version: VersionArg,
        reason: Annotated[str, typer.Option("--reason", "-r", help="Why (recorded in the audit trail).")],
        stage: Annotated[str, typer.Option(help="live, shadow or staged.")] = "live",
        share: Annotated[int, typer.Option(min=0, max=100, help="staged: percent of enterprises (1–99).")] = 0,
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
        version: Annotated[int, typer.Argument(min=1, max=INT32_MAX, help="The earlier version to make live again.")],
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

    @group.command("backtest")
    def backtest(
        version: Annotated[
            int | None, typer.Option("--version", min=1, max=INT32_MAX, help="The candidate: a stored policy version.")
        ] = None,
        policy: Annotated[
            Path | None, typer.Option("--policy", "-p", help="The candidate: a policy file (not stored).")
        ] = None,
        since: Annotated[
            str | None, typer.Option("--since", help="Replay events at or after this time (ISO 8601 with its zone).")
        ] = None,
        until: Annotated[str | None, typer.Option("--until", help="… and before this time.")] = None,
        json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
        by: ByOpt = "cli",
        database: DatabaseOpt = None,
    ) -> None:
        """Replay the stored history under the live version and a candidate (in scratch databases: nobody's state
        changes) and report which accounts change state, strikes per rule, weights, cascades, and each rule's
        precision and recall against reviewers' verdicts. A stored version's backtest is recorded like one started
        over the API (`GET /v1/backtests`, the console)."""
        run_backtest(
            console,
            err,
            version=version,
            policy=policy,
            since=_instant(since, "--since"),
            until=_instant(until, "--until"),
            json_out=json_out,
            by=by,
            database=database,
        )


def _instant(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 time with its zone in the years every column holds (`kernel.inputs.representable`), or a usage
    error naming `option`."""
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 time", param_hint=option) from exc
    if at.tzinfo is None:
        raise typer.BadParameter(f"{value!r} has no zone; add one (+08:00, Z)", param_hint=option)
    if not representable(at):
        raise typer.BadParameter(
            f"{value!r} is not from the years {EARLIEST_YEAR} to {LATEST_YEAR - 1}", param_hint=option
        )
    return at


def _open(database: str | None) -> App:
    """The application on the database, started for nothing: no policy is recorded or promoted, nothing swept (a
    backtest must not change what is live); the schema is brought up to date and the audit chain signed."""
    from warden.bootstrap import bootstrap
    from warden.settings import Settings

    settings = Settings()
    if database:
        settings.database_url = database
    settings.sqlite_background_checkpoint = False
    return bootstrap(settings, start=False)


def run_backtest(
    console: Console,
    err: Console,
    *,
    version: int | None = None,
    policy: Path | None = None,
    events: Path | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    json_out: bool = False,
    by: str = "cli",
    database: str | None = None,
) -> None:
    """`warden policy backtest` (and `warden replay`): the candidate (`version`, a stored one, or `policy`, a file)
    against the live version on the stored events in `[since, until)`, or on `events` (a JSONL file, with its
    directory lines) when given, through `Backtests` — the API's code path. A stored version on the stored events
    is recorded and audited like `POST /v1/backtests`; a file or a file of events is not (nothing of theirs is
    stored). Prints the report (Rich) or, with `json_out`, the figures as JSON on stdout (progress on stderr).
    Usage errors name the option; a run that fails exits 1 with its reason."""
    from warden.entrypoints.cli.replay import print_report, read_jsonl

    if (version is None) == (policy is None):
        raise typer.BadParameter(
            "name one candidate: --version N (a stored version) or --policy FILE", param_hint="'--version' / '--policy'"
        )
    candidate: LoadedPolicy | None = None
    if policy is not None:
        from warden.adapters.policy_file import load_policy

        try:
            candidate = load_policy(policy)
        except PolicyError as exc:
            raise typer.BadParameter("\n".join(exc.problems), param_hint="'--policy' / '-p'") from exc
    lines = None
    if events is not None:
        from warden.adapters.jsonl import BadFile
        from warden.settings import Settings

        try:
            lines = read_jsonl(events, Settings().phone_region)
        except BadFile as exc:
            raise _bad_file(err, exc.problems) from exc
    with _stoppable() as stop:
        try:
            result, recorded = _backtest(err, version, candidate, lines, since, until, by, database, stop)
        except Stopped as exc:
            err.print(
                f"[bold red]stopped by {exc.signal}[/]: the backtest did not finish"
                + (
                    "; its record is marked failed (stopped)"
                    if version is not None and policy is None and not events
                    else ""
                )
            )
            raise typer.Exit(128 + int(getattr(signal, exc.signal, signal.SIGTERM))) from exc
    if json_out:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print_report(console, result)
    if recorded:
        console.print(f"recorded as backtest {recorded} (GET /v1/backtests/{recorded}, the console's backtests page)")


@contextmanager
def _stoppable() -> Iterator[StopCheck]:
    """While a backtest runs on the command line, SIGTERM and SIGINT (Ctrl-C) ask it to stop at its next chunk of
    events instead of ending the process where it stands: a recorded one is then failed as `stopped` (zh/en), like
    the server's graceful stop fails its own, rather than left `running` until the next start sweeps it. A second
    signal stops at once (as Ctrl-C does: the row is failed as `interrupted`). Yields the `StopCheck`."""
    asked: list[str] = []

    def handler(signum: int, frame: object) -> None:
        if asked:
            raise KeyboardInterrupt
        asked.append(signal.Signals(signum).name)

    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield lambda: None
        return
    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield lambda: asked[0] if asked else None
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _backtest(
    err: Console,
    version: int | None,
    candidate: LoadedPolicy | None,
    lines: EventsFile | None,
    since: datetime | None,
    until: datetime | None,
    by: str,
    database: str | None,
    stop: StopCheck,
) -> tuple[dict[str, Any], str | None]:
    """The figures and, for a stored version on the stored events, the recorded backtest's id. `Stopped` when
    `stop()` names a signal."""
    w = _open(database)
    try:
        bt = w.backtests
        assert bt is not None
        with Progress(console=err, transient=True) as bar:
            if candidate is None and lines is None:
                assert version is not None
                if (sig := stop()) is not None:  # asked before anything was recorded
                    raise Stopped(sig)
                try:
                    started = bt.start(_operator(by), version, since, until, runner=foreground, progress=bar, stop=stop)
                except InvalidInput as exc:
                    hint = {"candidate_version": "--version", "until": "--until"}
                    field = exc.errors[0].field if exc.errors else "candidate_version"
                    message = exc.errors[0].message if exc.errors else exc.detail
                    raise typer.BadParameter(message, param_hint=hint.get(field, field)) from exc
                out = bt.get(_operator(by), started.id, "en")
                if out.state != "done" or out.result is None:
                    err.print(f"[bold red]backtest {out.id} failed:[/] {out.error_text or out.error}", soft_wrap=True)
                    raise typer.Exit(1)
                result = out.result
                recorded: str | None = out.id
            else:
                if candidate is None:
                    assert version is not None
                    candidate = _stored(w, version)

                def advance(_n: int) -> None:
                    if (sig := stop()) is not None:
                        raise Stopped(sig)

                try:
                    result = bt.compute(
                        candidate,
                        since,
                        until,
                        events=lines.directory() if lines else None,
                        progress=bar,
                        advance=advance,
                    )
                except UnknownInEvents as exc:
                    assert lines is not None
                    raise _bad_file(err, [lines.where(e.field, e.message) for e in exc.errors]) from exc
                except WardenError as exc:
                    detail = "\n".join(f"  {e.field}: {e.message}" for e in exc.errors[:20])
                    err.print(f"[red]the events cannot be replayed: {exc.detail}[/]\n{detail}", soft_wrap=True)
                    raise typer.Exit(1) from exc
                recorded = None
    finally:
        w.close()
    return result, recorded


def _bad_file(err: Console, problems: list[str], what: str = "the file cannot be used; nothing was done") -> typer.Exit:
    """A file that cannot be used, each problem on its own line (`FILE:LINE: field: what is wrong`): exit 2, as for
    any other bad input on the command line; nothing was written."""
    err.print(f"[bold red]error:[/] {what}", soft_wrap=True)
    for p in problems:
        err.print(f"  {p}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _stored(w: App, version: int) -> LoadedPolicy:
    """A stored version's policy, or a usage error naming --version."""
    from warden.kernel.errors import NotFound

    with w.uow.reading() as tx:
        try:
            assert w.live_policy is not None
            return w.live_policy.loaded(tx.conn, version)
        except NotFound as exc:
            raise typer.BadParameter(f"no stored policy version {version}", param_hint="--version") from exc
