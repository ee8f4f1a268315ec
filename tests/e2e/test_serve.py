"""`warden serve` on SQLite checkpoints the write-ahead log from a background thread (issue 16), unless the
setting turns it off. The server itself is not started: `uvicorn.run` is replaced by a probe of the app."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from warden.entrypoints.cli.main import app

runner = CliRunner()


def audit_entries_in_the_main_file(db: Path) -> int:
    """Audit entries in the database file itself, ignoring the write-ahead log (`immutable=1` never reads it):
    what a checkpoint has copied there."""
    try:
        with sqlite3.connect(f"file:{db}?immutable=1", uri=True) as conn:
            return int(conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])
    except sqlite3.DatabaseError:  # no table yet, or a page being written
        return 0


def serve(db: Path, monkeypatch: pytest.MonkeyPatch, wait: float) -> dict[str, Any]:
    """Run `warden serve` on `db` with a probe in place of the server: what it saw while "serving", having waited
    up to `wait` seconds for a checkpoint."""
    seen: dict[str, Any] = {}

    def probe(api: Any, **_: Any) -> None:
        w = api.state.warden
        seen["checkpointer"] = w.checkpointer
        deadline = time.monotonic() + wait
        while audit_entries_in_the_main_file(db) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        seen["checkpointed"] = audit_entries_in_the_main_file(db)

    monkeypatch.setattr(uvicorn, "run", probe)
    result = runner.invoke(app, ["serve", "-d", f"sqlite:///{db}"])
    assert result.exit_code == 0, result.output
    return seen


def test_serve_checkpoints_the_sqlite_wal_in_a_background_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WARDEN_SQLITE_BACKGROUND_CHECKPOINT", raising=False)
    seen = serve(tmp_path / "w.db", monkeypatch, wait=10)  # the checkpointer ticks every 0.5 s
    assert seen["checkpointer"] is not None
    # start-up wrote the policy.loaded entry; writers never checkpoint here, so only the thread moved it
    assert seen["checkpointed"] >= 1


def test_a_setting_turns_the_background_checkpointer_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARDEN_SQLITE_BACKGROUND_CHECKPOINT", "false")
    seen = serve(tmp_path / "w.db", monkeypatch, wait=1)
    assert seen["checkpointer"] is None
    assert seen["checkpointed"] == 0  # writers checkpoint inline only once the log holds 10,000 pages
