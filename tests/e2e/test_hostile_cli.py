"""The command line as a new user with hostile input: numbers beyond any column, far dates, control characters in
a label, enterprises nobody registered. Each is refused naming the option, never a traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from tests.conftest import World
from warden.adapters import tables as t
from warden.adapters.database import reading
from warden.entrypoints.cli.main import app

runner = CliRunner()
HUGE = str(2**70)


def said(output: str) -> str:
    return "".join(output.replace("│", "").split())


def test_a_version_id_beyond_any_column_is_a_usage_error(world: World, db_url: str) -> None:
    for args in (
        ["policy", "show", HUGE],
        ["policy", "diff", "1", HUGE],
        ["policy", "promote", HUGE, "-r", "x"],
        ["policy", "rollback", HUGE, "-r", "x"],
        ["policy", "backtest", "--version", HUGE],
        ["replay", "--version", HUGE],
    ):
        r = runner.invoke(app, [*args, "-d", db_url], terminal_width=200)
        assert r.exit_code == 2 and "2147483647" in said(r.output), (args, r.output)


def test_a_backtest_window_in_years_no_column_holds_is_a_usage_error_and_records_nothing(
    world: World, db_url: str
) -> None:
    for option, value in (("--since", "9999-12-31T23:59:59+14:00"), ("--until", "0001-01-01T00:00:00Z")):
        r = runner.invoke(app, ["policy", "backtest", "--version", "1", option, value, "-d", db_url])
        assert r.exit_code == 2 and option in r.output and "1900to8999" in said(r.output), r.output
    with reading(world.w.engine) as conn:
        assert list(conn.execute(sa.select(t.policy_backtests))) == []


def test_a_token_label_with_a_control_character_or_too_long_is_refused(world: World, db_url: str) -> None:
    for label in ("a\x1b[31mred", "x" * 201):
        r = runner.invoke(
            app, ["token", "create", "--role", "reviewer", "--person", "zhang", "--label", label, "-d", db_url]
        )
        assert r.exit_code == 1 and "label" in r.output and "wdn_" not in r.output, r.output
    with reading(world.w.engine) as conn:
        assert list(conn.execute(sa.select(t.tokens).where(t.tokens.c.label != ""))) == []


def test_cases_of_an_enterprise_nobody_registered_are_named_not_listed_empty(world: World, db_url: str) -> None:
    for command in ("list", "escalate"):
        r = runner.invoke(app, ["cases", command, "--enterprise", "ent-ghost", "-d", db_url])
        assert r.exit_code == 2 and "no enterprise 'ent-ghost'" in r.output, r.output
    r = runner.invoke(app, ["cases", "list", "--enterprise", "ent-1", "-d", db_url])
    assert r.exit_code == 0 and "0 case(s)" in r.output, r.output


def test_a_reading_command_on_a_database_never_set_up_says_so_and_creates_nothing(tmp_path: Path) -> None:
    """A mistyped --database used to be created empty, then queried: a SQL error about a missing table."""
    absent, empty = tmp_path / "typo.db", tmp_path / "empty.db"
    empty.touch()
    for args in (["token", "list"], ["person", "list"], ["audit", "verify"]):
        r = runner.invoke(app, [*args, "-d", f"sqlite:///{absent}"], terminal_width=300)
        assert r.exit_code == 2 and "no database file at" in r.output, (args, r.output)
        assert not absent.exists()
        r = runner.invoke(app, [*args, "-d", f"sqlite:///{empty}"], terminal_width=300)
        assert r.exit_code == 2 and "no warden schema" in r.output, (args, r.output)


def test_a_language_other_than_zh_or_en_is_a_usage_error_before_any_database_is_opened(tmp_path: Path) -> None:
    """`--lang` is one option shared by every command that shows texts; a wrong value used to exit 1 after the
    parser had let it through."""
    absent = tmp_path / "never.db"
    for args in (["weight", "show", "acc-1"], ["appeals", "queue"]):
        r = runner.invoke(app, [*args, "--lang", "fr", "-d", f"sqlite:///{absent}"], terminal_width=300)
        assert r.exit_code == 2 and "--lang" in r.output and "'zh'" in said(r.output), (args, r.output)
        assert not absent.exists()
