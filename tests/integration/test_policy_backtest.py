"""Backtest with labels (issue 18): `warden policy backtest` (alias `warden replay`) against a small labelled
history, figures by hand; the command's options and refusals."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rich.console import Console

from tests.conftest import World
from warden.adapters import tables as t
from warden.adapters.database import reading
from warden.entrypoints.cli.replay import run_replay
from warden.kernel.access import Principal, Role
from warden.kernel.model import StrikeStatus
from warden.policy_versions import rules
from warden.policy_versions.model import Label, LabelledStrike

LEAD = Principal("t-lead", Role.REVIEWER, person_id="lead")
HOUR = "{name: hour, length: 1h, soft: 10, hard: 20, block: 1h}"
LOOSER = "{name: hour, length: 1h, soft: 10, hard: 22, block: 1h}"


def test_issue18_backtest_figures_on_a_hand_labelled_history_pure() -> None:
    def s(acc: str, label: Label | None) -> LabelledStrike:
        return LabelledStrike(f"stk-{acc}", "r", "h", acc, None, label is not None, label)

    history = [s("a1", Label.OVERTURNED), s("a2", Label.UPHELD), s("a3", None), s("a4", Label.REDUCED)]
    (cur,) = rules.backtest(history, [("a1", "r"), ("a2", "r"), ("a3", "r"), ("a4", "r")])
    assert (cur.true_pos, cur.false_pos, cur.false_neg, cur.unlabelled) == (2, 1, 0, 1)
    assert cur.precision == pytest.approx(2 / 3) and cur.recall == 1.0
    (cand,) = rules.backtest(history, [("a2", "r"), ("a3", "r")])
    assert (cand.true_pos, cand.false_pos, cand.false_neg, cand.unlabelled) == (1, 0, 1, 1)
    assert cand.precision == 1.0 and cand.recall == 0.5


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_issue18_replay_of_a_stored_candidate_reports_precision_and_recall_against_reviewers_labels(
    world: World, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Live: S-A1 strikes past 20 searches an hour. a1 (21 searches, overturned), a2 (24, upheld on appeal), a3 (24,
    nobody looked), a4 (21, upheld). The candidate allows 22: it spares a1 and a4 and still strikes a2 and a3.
    By hand: live TP 2 (a2, a4), FP 1 (a1), FN 0, unlabelled 1 (a3): precision 2/3, recall 1. Candidate: TP 1 (a2),
    FP 0, FN 1 (a4), unlabelled 1: precision 1, recall 1/2; a1 and a4 are no longer restricted."""
    w = world.w
    counts = {"a1": 21, "a2": 24, "a3": 24, "a4": 21}
    for acc in counts:
        world.account(acc)
    evs = []
    for acc, n in counts.items():
        for _ in range(n):
            world.clock.advance(seconds=20)
            evs.append(world.phone_search(acc))
    world.send(*evs)
    with reading(w.engine) as conn:
        by_acc = {r.subject_id: r.id for r in conn.execute(sa.select(t.strikes.c.subject_id, t.strikes.c.id))}
    assert sorted(by_acc) == ["a1", "a2", "a3", "a4"]
    w.manual_actions.set_strike_status(by_acc["a1"], StrikeStatus.OVERTURNED, "reviewer:lead", "a recruiter's campaign")
    with w.engine.begin() as conn:  # two appeals decided "upheld" (the appeal desk's outcome, stored as it stores it)
        for acc in ("a2", "a4"):
            now = w.clock.now()
            conn.execute(
                sa.insert(t.appeals).values(
                    id=f"apl-{acc}",
                    kind="member",
                    strike_id=by_acc[acc],
                    subject_type="account",
                    subject_id=acc,
                    enterprise_id="ent-1",
                    account_id=acc,
                    appellant=acc,
                    statement="not spam",
                    status="upheld",
                    submitted_at=now,
                    due_at=now + timedelta(days=7),
                    version=2,
                    outcome="uphold",
                )
            )
    v2 = w.policy_versions.create(LEAD, w.loaded.text.replace(HOUR, LOOSER), "allow 22 an hour")
    capsys.readouterr()
    run_replay(None, None, db_url, True, Console(), v2.id)
    out = json.loads(capsys.readouterr().out)
    lab = out["labels"]
    assert lab["labelled_strikes"] == 3
    cur, cand = lab["current"]["phone_search_velocity"], lab["candidate"]["phone_search_velocity"]
    assert (cur["true_pos"], cur["false_pos"], cur["false_neg"], cur["unlabelled"]) == (2, 1, 0, 1)
    assert cur["precision"] == pytest.approx(2 / 3) and cur["recall"] == 1.0
    assert (cand["true_pos"], cand["false_pos"], cand["false_neg"], cand["unlabelled"]) == (1, 0, 1, 1)
    assert cand["precision"] == 1.0 and cand["recall"] == 0.5
    assert sorted(out["no_longer_restricted"]) == ["a1", "a4"] and out["newly_restricted"] == {}
    assert out["candidate_policy"] == v2.hash


def test_issue18_orphaned_judges_an_owner_by_its_heartbeat_and_on_this_host_by_its_pid_pure() -> None:
    from datetime import UTC, datetime

    from warden.policy_versions.backtests import orphaned

    now, bound = datetime(2026, 11, 25, 8, 0, tzinfo=UTC), timedelta(minutes=5)
    me = "api-1:cafe0001:100:aaaaaaaaaaaa"
    alive = {100, 200}.__contains__
    fresh, stale = now - bound + timedelta(seconds=1), now - bound

    def gone(owner: str | None, beat: datetime) -> bool:
        return orphaned(owner, beat, now, bound, me, alive)

    assert not gone(me, fresh) and gone(me, stale)  # even our own run counts as gone past the bound
    assert not gone("api-1:cafe0001:200:bbbbbbbbbbbb", fresh)  # a live neighbour
    assert gone("api-1:cafe0001:300:bbbbbbbbbbbb", fresh)  # a neighbour whose process is gone
    assert gone("api-1:cafe0001:100:bbbbbbbbbbbb", fresh)  # an earlier life of our own pid (a restarted container)
    assert not gone("api-1:beef0002:300:bbbbbbbbbbbb", fresh)  # same hostname, another PID namespace: not ours to ask
    assert not gone("api-2:cafe0001:300:bbbbbbbbbbbb", fresh) and gone("api-2:cafe0001:300:bbbbbbbbbbbb", stale)
    assert not gone(None, fresh) and not gone("garbled", fresh) and gone(None, stale)


# --- `warden policy backtest`: the command line over the same service -------------------------------------------


def _spam_history(world: World) -> int:
    """a1 21 and a2 24 phone searches within the hour; version 2 allows 22 (spares a1). Returns version 2's id."""
    counts = {"a1": 21, "a2": 24}
    for acc in counts:
        world.account(acc)
    evs = []
    for acc, n in counts.items():
        for _ in range(n):
            world.clock.advance(seconds=20)
            evs.append(world.phone_search(acc))
    world.send(*evs)
    return world.w.policy_versions.create(LEAD, world.w.loaded.text.replace(HOUR, LOOSER), "allow 22 an hour").id  # type: ignore[union-attr]


def _backtest_rows(world: World) -> list[Any]:
    with reading(world.w.engine) as conn:
        return list(conn.execute(sa.select(t.policy_backtests)))


def test_issue18_policy_backtest_of_a_stored_version_is_recorded_and_reports_what_the_api_reports(
    world: World, db_url: str, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from warden.entrypoints.cli.main import app

    runner = CliRunner()
    v2 = _spam_history(world)
    r = runner.invoke(app, ["policy", "backtest", "--version", str(v2), "-d", db_url, "--json", "--by", "zhang"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["events"] == 45 and sorted(out["no_longer_restricted"]) == ["a1"] and out["newly_restricted"] == {}
    assert out["per_rule"]["phone_search_velocity"] == {"current": 2, "candidate": 1}
    (row,) = _backtest_rows(world)  # recorded like one started over the API, with the same figures
    assert (row.state, row.candidate_version, row.requested_by) == ("done", v2, "platform:zhang")
    assert json.loads(row.result) == out
    assert world.w.backtests.get(LEAD, row.id).result == out  # type: ignore[union-attr]
    with reading(world.w.engine) as conn:
        audit = [(a.action, a.actor) for a in conn.execute(sa.select(t.audit_log.c.action, t.audit_log.c.actor))]
    assert ("policy.backtest_requested", "platform:zhang") in audit
    # a candidate file with the same text: the same figures, nothing recorded (the file is not stored)
    cand = tmp_path / "looser.yaml"
    cand.write_text(world.w.loaded.text.replace(HOUR, LOOSER), encoding="utf-8")
    r = runner.invoke(app, ["policy", "backtest", "-p", str(cand), "-d", db_url, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == out and len(_backtest_rows(world)) == 1
    # `warden replay --version` is its alias: the same figures
    r = runner.invoke(app, ["replay", "--version", str(v2), "-d", db_url, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == out
    # for people: who changes state, strikes side by side, precision and recall
    r = runner.invoke(app, ["policy", "backtest", "--version", str(v2), "-d", db_url])
    assert r.exit_code == 0, r.output
    said = " ".join(r.stdout.split())
    assert "no longer restricted (1): a1 [phone_search_velocity]" in said, r.stdout
    assert "Strikes per rule" in said and "recorded as backtest bkt-" in said


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_issue18_policy_backtest_refusals_name_the_option(world: World, db_url: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from warden.entrypoints.cli.main import app

    runner = CliRunner()
    v2 = _spam_history(world)
    bad = tmp_path / "bad.yaml"
    bad.write_text(world.w.loaded.text.replace("hard: 20", "hard: twenty", 1), encoding="utf-8")

    def refused(*args: str) -> str:
        r = runner.invoke(app, ["policy", "backtest", *args, "-d", db_url], terminal_width=200)
        assert r.exit_code == 2, r.output
        return "".join(r.output.replace("│", "").split())  # Rich boxes and wraps it anywhere

    assert "nostoredpolicyversion99" in refused("--version", "99") and "--version" in refused("--version", "99")
    out = refused("-p", str(bad))
    assert "--policy" in out and "bad.yaml:" in out and "hard" in out
    assert "nosuchfile" in refused("-p", str(tmp_path / "missing.yaml"))
    assert "nameonecandidate" in refused()
    assert "nameonecandidate" in refused("--version", str(v2), "-p", str(bad))
    out = refused("--version", str(v2), "--since", "2026-11-01T00:00")
    assert "--since" in out and "nozone" in out
    out = refused("--version", str(v2), "--until", "yesterday")
    assert "--until" in out and "ISO8601" in out
    out = refused("--version", str(v2), "--since", "2026-11-02T00:00Z", "--until", "2026-11-01T00:00Z")
    assert "--until" in out and "laterthansince" in out
    assert _backtest_rows(world) == []  # nothing half-written


def test_issue18_backtests_started_together_each_finish_with_the_same_figures(world: World) -> None:
    """Two backtests in one process at once: each builds and migrates its own scratch databases, and Alembic keeps
    its migration context in module globals, so they must not migrate at the same moment (both failed with
    `KeyError: 'script'` or a half-built schema before)."""
    import threading

    v2 = _spam_history(world)
    threads: list[threading.Thread] = []

    def runner(work: Any) -> threading.Thread:
        th = threading.Thread(target=work)
        threads.append(th)
        return th

    ids = [world.w.backtests.start(LEAD, v2, runner=runner).id for _ in range(3)]  # type: ignore[union-attr]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    done = [world.w.backtests.get(LEAD, i) for i in ids]  # type: ignore[union-attr]
    assert [(d.state, d.error_text) for d in done] == [("done", None)] * 3
    assert done[0].result == done[1].result == done[2].result


# --- a command-line backtest stopped by a signal ------------------------------------------------------------------


def test_a_backtest_asked_to_stop_is_failed_as_stopped_in_zh_and_en_not_left_running(world: World) -> None:
    from warden.policy_versions.backtests import Stopped, foreground

    v2 = _spam_history(world)
    asked = iter([None])  # the read goes on; the first chunk replayed finds SIGTERM
    bt = world.w.backtests
    assert bt is not None
    with pytest.raises(Stopped):
        bt.start(LEAD, v2, runner=foreground, stop=lambda: next(asked, "SIGTERM"))
    (row,) = _backtest_rows(world)
    assert (row.state, row.error_code) == ("failed", "stopped") and row.finished_at is not None
    assert bt.sweep() == []  # nothing left for the next start to find
    zh, en = bt.get(LEAD, row.id, "zh"), bt.get(LEAD, row.id, "en")
    assert zh.error_text and "被终止（SIGTERM）" in zh.error_text
    assert en.error_text and "stopped (SIGTERM)" in en.error_text and en.error_code == "stopped"


def test_policy_backtest_on_sigterm_marks_its_record_failed_and_exits_143(
    world: World, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contextlib import contextmanager

    from typer.testing import CliRunner

    from warden.entrypoints.cli.main import app
    from warden.policy_versions import cli as versions_cli

    v2 = _spam_history(world)
    checks: list[int] = []

    @contextmanager
    def term_after_read():  # type: ignore[no-untyped-def]
        def stop() -> str | None:  # the third check: after the read, at the first chunk
            checks.append(1)
            return "SIGTERM" if len(checks) >= 3 else None

        yield stop

    monkeypatch.setattr(versions_cli, "_stoppable", term_after_read)
    r = CliRunner().invoke(app, ["policy", "backtest", "--version", str(v2), "-d", db_url, "--json"])
    assert r.exit_code == 143, r.output
    assert "stopped by SIGTERM" in r.output and r.stdout.strip() == ""
    (row,) = _backtest_rows(world)
    assert (row.state, row.error_code) == ("failed", "stopped")


def test_sigterm_and_sigint_during_a_command_line_backtest_ask_it_to_stop_instead_of_killing_it() -> None:
    import os
    import signal

    from warden.policy_versions.cli import _stoppable

    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    for sig in (signal.SIGTERM, signal.SIGINT):
        with _stoppable() as stop:
            assert stop() is None
            os.kill(os.getpid(), sig)  # the process lives on: the run is asked to stop at its next chunk
            assert stop() == sig.name
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
