"""docs/DEPLOY.md is what an operator copies (issue 17): its Kubernetes manifests parse, its systemd units read as
units, every `warden` command they run exists with the options they give, every consumer takes a partition set (a
consumer without `--partitions` reads only the single subject of old, so it would consume nothing that `warden
publish` or the platform publishes per partition), and every `WARDEN_*` variable the docs name is a setting."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path
from typing import Any

import typer
import yaml

from warden.entrypoints.cli.main import app
from warden.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
NOT_SETTINGS = {"WARDEN_DEBUG"}  # read by the `warden` command itself (a traceback instead of one line)


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DEPLOY, re.S)


def manifests() -> list[dict[str, Any]]:
    return [doc for block in blocks("yaml") for doc in yaml.safe_load_all(block) if doc is not None]


def units() -> list[configparser.ConfigParser]:
    out = []
    for block in blocks("ini"):
        unit = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=("#", ";"))
        unit.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
        unit.read_string(block)
        out.append(unit)
    return out


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc["spec"]
    pod = spec["jobTemplate"]["spec"]["template"]["spec"] if doc["kind"] == "CronJob" else spec["template"]["spec"]
    found: list[dict[str, Any]] = pod["containers"]
    return found


def invocations() -> list[list[str]]:
    """Every `warden …` the units and manifests run, as argument lists without the program."""
    out = []
    for unit in units():
        for section in unit.sections():
            start = unit[section].get("ExecStart")
            if start:
                words = shlex.split(start)
                out.append(words[1:] if words[0].endswith("/warden") else words)
    for doc in manifests():
        if doc["kind"] not in ("Deployment", "StatefulSet", "CronJob"):
            continue
        for c in containers(doc):
            if c.get("command", [None])[:2] == ["/bin/sh", "-c"]:
                script = " ".join(c["args"])
                words = shlex.split(script[script.index("exec warden ") + len("exec warden ") :])
                out.append(words)
            else:
                out.append([str(a) for a in c["args"]])
    return out


def resolve(words: list[str]) -> tuple[Any, list[str]]:
    """The (click) command `words` name, and the words after its name."""
    command: Any = typer.main.get_command(app)
    rest = list(words)
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        sub = command.commands.get(rest[0])
        assert sub is not None, f"`warden {' '.join(words)}`: no command {rest[0]!r}"
        command, rest = sub, rest[1:]
    return command, rest


def test_issue17_the_kubernetes_manifests_parse_and_run_an_api_consumers_and_a_scheduler() -> None:
    docs = manifests()
    assert docs and all({"apiVersion", "kind", "metadata", "spec"} <= set(d) for d in docs)
    runs = {c["name"] for d in docs if d["kind"] in ("Deployment", "StatefulSet") for c in containers(d)}
    assert {"api", "consume", "scheduler"} <= runs


def test_issue17_the_systemd_units_have_a_service_that_starts_warden() -> None:
    found = units()
    services = [u for u in found if u.has_section("Service")]
    assert len(services) >= 3
    for unit in services:
        assert "ExecStart" in unit["Service"] and "EnvironmentFile" in unit["Service"]


def test_issue17_every_warden_command_the_deployment_runs_exists_with_those_options() -> None:
    runs = invocations()
    assert {r[0] for r in runs} >= {"serve", "consume", "scheduler", "audit"}
    for words in runs:
        command, rest = resolve(words)
        known = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        for word in rest:
            if word.startswith("--"):
                assert word.split("=", 1)[0] in known, f"`warden {' '.join(words)}`: no option {word}"


def test_issue17_every_consumer_the_deployment_runs_takes_a_partition_set() -> None:
    consumers = [words for words in invocations() if words[0] == "consume"]
    assert consumers
    for words in consumers:
        assert "--partitions" in words, f"`warden {' '.join(words)}` would read only the single subject of old"


def test_issue17_every_warden_variable_the_docs_name_is_a_setting() -> None:
    settings = {f"WARDEN_{name.upper()}" for name in Settings.model_fields}
    for doc in (DEPLOY, (ROOT / "README.md").read_text(encoding="utf-8")):
        named = set(re.findall(r"\bWARDEN_[A-Z][A-Z0-9_]*[A-Z0-9]\b", doc))
        assert named - settings - NOT_SETTINGS == set()
