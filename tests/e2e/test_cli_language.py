"""Every command that takes `--lang` says its errors in that language (polish22): a missing account or enterprise,
a policy file that does not load. The sentences come from the one home the HTTP problems read too
(`warden.kernel.error_texts`); the commands are found on the app, so a new `--lang` command without its error paths
here fails `test_every_lang_command_has_its_error_paths_listed`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from tests.conftest import World
from warden.entrypoints.cli.main import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]

_ENGLISH = re.compile(r"[A-Za-z]+(?:[ ,;]+[A-Za-z]+){2,}")
"""Three English words in a row: a sentence (ids, paths, dotted fields and `--options` are not)."""
_HAN = re.compile(r"[\u3400-\u9fff]")


def _lang_commands() -> Iterator[str]:
    def walk(cmd: Any, path: tuple[str, ...]) -> Iterator[str]:  # typer's own click: read by duck typing
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, (*path, name))
        if any("--lang" in getattr(p, "opts", ()) for p in cmd.params):
            yield " ".join(path)

    yield from walk(typer.main.get_command(app), ())


def _bad_policy(tmp: Path) -> Path:
    src = (ROOT / "warden" / "policies" / "default.yaml").read_text(encoding="utf-8")
    bad = src.replace("soft: 10, hard: 20,", "soft: 10, hard: lots,", 1).replace(
        "soft: 20, hard: 30,", "soft: 40, hard: 30,", 1
    )
    assert bad != src
    path = tmp / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    return path


Case = tuple[list[str], dict[str, str], int, str]
"""(arguments, environment, exit code, what the message must name)."""

CASES: dict[str, dict[str, Callable[[Path], Case]]] = {
    "weight show": {
        "no account": lambda tmp: (["weight", "show", "nobody"], {}, 1, "nobody"),
        "no enterprise": lambda tmp: (["weight", "show", "no-ent", "--enterprise"], {}, 1, "no-ent"),
        "policy invalid": lambda tmp: (["weight", "show", "acc-1"], {"WARDEN_POLICY": str(_bad_policy(tmp))}, 2, "30"),
        "policy missing": lambda tmp: (
            ["weight", "show", "acc-1"],
            {"WARDEN_POLICY": str(tmp / "gone.yaml")},
            2,
            "gone",
        ),
    },
    "appeals queue": {
        "policy invalid": lambda tmp: (["appeals", "queue"], {"WARDEN_POLICY": str(_bad_policy(tmp))}, 2, "30"),
        "policy missing": lambda tmp: (["appeals", "queue"], {"WARDEN_POLICY": str(tmp / "gone.yaml")}, 2, "gone"),
    },
}
"""Every error path of every `--lang` command (a bad `--lang` itself is the parser's, in English: no language is
known then; `tests/e2e/test_hostile_cli.py`)."""


def test_every_lang_command_has_its_error_paths_listed() -> None:
    assert sorted(_lang_commands()) == sorted(CASES)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    "command,path", [(c, p) for c, paths in CASES.items() for p in paths], ids=lambda v: str(v).replace(" ", "-")
)
def test_a_lang_command_says_its_errors_in_that_language(
    world: World, db_url: str, tmp_path: Path, command: str, path: str, lang: str
) -> None:
    args, env, code, names = CASES[command][path](tmp_path)
    r = runner.invoke(app, [*args, "--lang", lang, "-d", db_url], env=env, terminal_width=400)
    out = r.output
    assert r.exit_code == code, out
    assert names in out, out
    if lang == "zh":
        assert _HAN.search(out) and _ENGLISH.search(out) is None, out
    else:
        assert out.startswith("error: ") and _HAN.search(out) is None, out


@pytest.mark.parametrize(
    ("lang", "heading", "other"), [("zh", "如何提高", "how to raise it"), ("en", "how to raise it", "如何提高")]
)
def test_weight_show_heads_its_table_in_that_language(
    world: World, db_url: str, lang: str, heading: str, other: str
) -> None:
    r = runner.invoke(app, ["weight", "show", "acc-1", "--lang", lang, "-d", db_url], terminal_width=200)
    assert r.exit_code == 0 and heading in r.output and other not in r.output, r.output
    assert ("的权重" in r.output) == (lang == "zh"), r.output


@pytest.mark.parametrize(
    ("lang", "title", "other"), [("zh", "审核队列", "Review queue"), ("en", "Review queue", "审核队列")]
)
def test_appeals_queue_heads_its_table_in_that_language(
    world: World, db_url: str, lang: str, title: str, other: str
) -> None:
    r = runner.invoke(app, ["appeals", "queue", "--lang", lang, "-d", db_url], terminal_width=200)
    assert r.exit_code == 0 and title in r.output and other not in r.output, r.output


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("command", [["weight", "show", "acc-1"], ["appeals", "queue"]], ids=["weight", "appeals"])
def test_a_lang_command_on_a_mistyped_database_names_it_in_that_language_and_creates_nothing(
    tmp_path: Path, command: list[str], lang: str
) -> None:
    """break23: `weight show` and `appeals queue` on a mistyped `-d` created an empty database and answered from it
    (`没有账号`, an empty queue: a reviewer told nothing waits), and a file that is no database was a driver's line
    after `error:` under zh. They only read: the database is named (`--database`) in the language asked for."""
    gone = tmp_path / "typo.db"
    r = runner.invoke(app, [*command, "--lang", lang, "-d", f"sqlite:///{gone}"], terminal_width=400)
    assert r.exit_code == 2 and "--database" in r.output and str(gone) in r.output, r.output
    assert not gone.exists()
    if lang == "zh":
        assert r.output.startswith("错误：") and _ENGLISH.search(r.output) is None, r.output
    else:
        assert r.output.startswith("error: ") and _HAN.search(r.output) is None, r.output
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 200, encoding="utf-8")
    r = runner.invoke(app, [*command, "--lang", lang, "-d", f"sqlite:///{text}"], terminal_width=400)
    assert r.exit_code == 2 and "--database" in r.output, r.output
    assert r.output.startswith("错误：" if lang == "zh" else "error: "), r.output
