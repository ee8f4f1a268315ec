"""The `warden` command: policy check, tokens, audit verify, replay and the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tests.conftest import World
from warden.adapters import tables as t
from warden.adapters.policy_file import DEFAULT_POLICY_PATH
from warden.entrypoints.cli.main import app

runner = CliRunner()


def test_policy_check_accepts_the_shipped_policy() -> None:
    r = runner.invoke(app, ["policy", "check", str(DEFAULT_POLICY_PATH)])
    assert r.exit_code == 0 and "ok" in r.output


def test_policy_check_names_file_and_line_of_each_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace("soft: 10, hard: 20", "soft: 10, hard: x"))
    r = runner.invoke(app, ["policy", "check", str(bad)])
    assert r.exit_code == 2 and f"{bad}:" in r.output and "hard" in r.output


def test_I12_policy_check_refuses_yaml_aliases_naming_the_line(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    lines = ["a: &a [x,x,x,x,x,x,x,x,x]"]
    lines += [f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]" for p, n in zip("abcdefg", "bcdefgh", strict=True)]
    bomb.write_text("\n".join(lines) + "\n")
    r = runner.invoke(app, ["policy", "check", str(bomb)])
    assert r.exit_code == 2 and f"{bomb}:1:" in r.output and "anchor" in r.output


def test_token_create_prints_a_secret_and_refuses_a_bad_scope(world: World, db_url: str) -> None:
    r = runner.invoke(app, ["token", "create", "--role", "member", "--account", "acc-1", "-d", db_url])
    assert r.exit_code == 0 and r.output.strip().splitlines()[-1].startswith("wdn_")
    r = runner.invoke(app, ["token", "create", "--role", "enterprise_admin", "-d", db_url])
    assert r.exit_code == 1 and "needs an enterprise" in r.output


def test_audit_verify_exits_nonzero_and_names_the_broken_entry(world: World, db_url: str) -> None:
    world.send(world.phone_search())
    assert runner.invoke(app, ["audit", "verify", "-d", db_url]).exit_code == 0
    with world.w.engine.begin() as c:
        c.execute(sa.update(t.audit_log).where(t.audit_log.c.seq == 1).values(action="forged"))
    r = runner.invoke(app, ["audit", "verify", "-d", db_url])
    assert r.exit_code == 1 and "broken" in r.output and "entry 1" in r.output


def test_replay_shows_who_a_stricter_policy_would_restrict(world: World, db_url: str, tmp_path: Path) -> None:
    world.send(*[world.phone_search() for _ in range(12)])
    strict = tmp_path / "strict.yaml"
    strict.write_text(DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace("soft: 10, hard: 20", "soft: 2, hard: 4"))
    r = runner.invoke(app, ["replay", "--policy", str(strict), "-d", db_url, "--json"])
    assert r.exit_code == 0, r.output
    diff = json.loads(r.output[r.output.index("{") :])
    assert diff["events"] == 12
    assert diff["newly_restricted"] == {"acc-1": ["phone_search_velocity"]}
    assert diff["per_rule"]["phone_search_velocity"] == {"current": 0, "candidate": 1}


def test_replay_reads_a_jsonl_file_with_directory_lines(tmp_path: Path) -> None:
    lines = [
        {"type": "enterprise", "id": "e9", "name": "E9", "verified": True, "created_at": "2024-01-01T00:00:00+00:00"},
        {
            "type": "account",
            "id": "a9",
            "enterprise_id": "e9",
            "phone": "13800000009",
            "real_name_verified": True,
            "created_at": "2024-01-01T00:00:00+00:00",
        },
    ] + [
        {
            "id": f"x{i}",
            "type": "report",
            "occurred_at": f"2026-11-25T08:0{i}:00+00:00",
            "account_id": "a9",
            "reporter_id": f"r{i}",
            "reason": "spam",
        }
        for i in range(3)
    ]
    f = tmp_path / "events.jsonl"
    f.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    loose = tmp_path / "loose.yaml"
    loose.write_text(
        DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace("distinct_reporters: 3}", "distinct_reporters: 4}")
    )
    r = runner.invoke(app, ["replay", str(f), "--policy", str(loose), "-d", f"sqlite:///{tmp_path}/empty.db", "--json"])
    assert r.exit_code == 0, r.output
    diff = json.loads(r.output[r.output.index("{") :])
    assert diff["no_longer_restricted"] == {"a9": ["reports"]}


def test_replay_reports_a_bad_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_text('{"type": "account", "id": "a"}\nnot json\n', encoding="utf-8")
    r = runner.invoke(app, ["replay", str(f), "--policy", str(DEFAULT_POLICY_PATH), "-d", f"sqlite:///{tmp_path}/e.db"])
    assert r.exit_code != 0 and "bad.jsonl:1" in r.output


def test_demo_restricts_the_spammer_and_leaves_ordinary_staff_alone(tmp_path: Path) -> None:
    from warden.bootstrap import bootstrap
    from warden.settings import Settings

    url = f"sqlite:///{tmp_path}/demo.db"
    r = runner.invoke(app, ["demo", "-d", url])
    assert r.exit_code == 0, r.output
    assert "acc-spam-zhao" in r.output and "audit chain: intact" in r.output and "wdn_" in r.output
    w = bootstrap(Settings(database_url=url))
    assert w.enforcement.explain("acc-spam-zhao")["state"] == "login_restricted"
    assert w.enforcement.explain("acc-plugin-wu")["state"] == "login_restricted"
    suda = {(r["rule"], r["subject_type"]) for r in w.enforcement.explain("acc-suda-liu")["restrictions"]}
    # S-A4: the unverified enterprise's tighter limit; S-A5: both of its members restricted → the whole enterprise
    assert suda == {("phone_search_velocity", "account"), ("cascade", "enterprise")}
    for ordinary in ("acc-staff-1", "acc-staff-2", "acc-staff-3", "acc-sales-chen"):
        assert w.enforcement.explain(ordinary)["state"] == "normal"
    w.close()


def test_demo_prints_every_section_for_an_80_column_terminal_a_token_per_role_and_work_on_the_review_desk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: every section of the demo (weights, unblocking, the appeal's checklist, usage-policy figures, the
    final "who was restricted and why") fits 80 columns as `COLUMNS=80 warden demo` prints it, with no table cell
    cut short (cells wrap, never end in "…"); every role gets a token, and the review desk has cases waiting."""
    import io

    from rich.cells import cell_len
    from rich.console import Console

    from warden.demo.run import run_demo
    from warden.kernel.access import Principal, Role

    monkeypatch.setenv("COLUMNS", "80")
    out = io.StringIO()
    w = run_demo(f"sqlite:///{tmp_path}/demo80.db", Console(file=out, highlight=False))
    try:
        text = out.getvalue()
        lines = text.splitlines()
        assert max(cell_len(line) for line in lines) <= 80, [line for line in lines if cell_len(line) > 80]
        cut = [line for line in lines if "│" in line and "…" in line]
        assert not cut, cut
        for section in (
            "权重 acc-staff-1",
            "weight of acc-spam-zhao",
            "The way back: unblocking",
            "document checklist",
        ):
            assert section in text, section
        assert "Compliance figures of" in text
        final = text[text.index("Who was restricted, and why") :].splitlines()
        assert "2026年" in text or "北京时间" in text  # ends written for people, not ISO stamps
        assert "T0" not in "".join(line for line in final if "until" in line)
        roles = {r.role for r in w.tokens.listing().items}
        assert {r.value for r in Role} <= {str(getattr(x, "value", x)) for x in roles}
        for name in ("platform", "reviewer", "auditor", "admin of", "hr of", "investigator of", "analyst of", "member"):
            assert any(line.lstrip("│ ").startswith(name) for line in final), name
        queue = w.appeals.queue(Principal("t", Role.AUDITOR), "en", 50, None)["items"]
        assert len(queue) >= 1 and "review desk: " in text
    finally:
        w.close()


def test_an_invalid_policy_file_is_refused_before_a_database_or_key_is_made(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text(
        DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace("ordinary_words: warn ", "ordinary_words: maybe ")
    )
    db = tmp_path / "w.db"
    r = CliRunner().invoke(app, ["serve", "-p", str(bad), "-d", f"sqlite:///{db}", "--port", "8197"])
    assert r.exit_code == 2 and "p.yaml:" in r.output and "ordinary_words" in r.output, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]  # no database, no audit key left behind
