"""Backtests in the background over HTTP (issue 18): `POST /v1/backtests` → 202, poll `GET /v1/backtests/{id}` until
done; the result is what `warden replay --version N --json` prints, and nothing live changes."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from rich.console import Console

from tests.conftest import World
from warden.adapters import tables as t
from warden.adapters.database import reading
from warden.app import App
from warden.entrypoints.cli.replay import run_replay
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Principal, Role

with warnings.catch_warnings():  # starlette deprecates its httpx-based client; pytest makes warnings errors
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

LEAD = Principal("t-lead", Role.REVIEWER, person_id="lead")
HOUR = "{name: hour, length: 1h, soft: 10, hard: 20, block: 1h}"
LOOSER = "{name: hour, length: 1h, soft: 10, hard: 22, block: 1h}"


@pytest.fixture
def api(world: World, warden: App) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    tokens = {r.value: warden.tokens.create(r)[1] for r in (Role.REVIEWER, Role.AUDITOR)}
    tokens["admin"] = warden.tokens.create(Role.ENTERPRISE_ADMIN, "ent-1")[1]
    with TestClient(create_app(warden)) as c:
        yield c, {name: {"Authorization": f"Bearer {t}"} for name, t in tokens.items()}


def _history(world: World) -> int:
    """a1 searches 21 times and a2 24 times within the hour: live (hard 20) strikes both; version 2 (hard 22)
    would spare a1. Returns version 2's id."""
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


def _live_state(w: App) -> dict[str, Any]:
    with reading(w.engine) as conn:
        state: dict[str, Any] = {
            name: sorted(tuple(str(v) for v in r) for r in conn.execute(sa.select(table)))
            for name, table in (
                ("strikes", t.strikes),
                ("restrictions", t.restrictions),
                ("weight_accounts", t.weight_accounts),
                ("events", t.events),
            )
        }
    state["counters"] = {k: list(v) for k, v in w.counters._entries.items()}  # type: ignore[attr-defined]
    return state


def _poll(c: TestClient, h: dict[str, str], w: App, location: str) -> dict[str, Any]:
    """Poll until the run has ended: wait on this process's thread (no timing), then read."""
    body: dict[str, Any] = c.get(location, headers=h).json()
    while body["state"] in ("queued", "running"):
        w.backtests.wait(body["id"])  # type: ignore[union-attr]
        body = c.get(location, headers=h).json()
    return body


def test_issue18_a_backtest_runs_in_the_background_and_reports_what_replay_reports(  # type: ignore[no-untyped-def]
    api, world: World, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    c, h = api
    w = world.w
    v2 = _history(world)
    r = c.post("/v1/backtests", json={"candidate_version": v2}, headers=h["reviewer"])
    assert r.status_code == 202, r.text
    started = r.json()
    assert started["state"] in ("queued", "running", "done") and started["candidate_version"] == v2
    assert r.headers["Location"] == f"/v1/backtests/{started['id']}"
    body = _poll(c, h["auditor"], w, r.headers["Location"])  # auditors read
    assert body["state"] == "done", body
    assert body["progress"] == {"events_done": 90, "events_total": 90}  # 45 events, replayed under each version
    res = body["result"]
    assert res["events"] == 45 and sorted(res["no_longer_restricted"]) == ["a1"]
    capsys.readouterr()
    run_replay(None, None, db_url, True, Console(), v2)
    assert res == json.loads(capsys.readouterr().out)  # the same figures as `warden replay --version N --json`
    with reading(w.engine) as conn:
        audit = [r.action for r in conn.execute(sa.select(t.audit_log.c.action))]
    assert "policy.backtest_requested" in audit


def test_issue18_a_backtest_changes_no_strike_restriction_or_counter(api, world: World) -> None:  # type: ignore[no-untyped-def]
    c, h = api
    v2 = _history(world)
    before = _live_state(world.w)
    assert before["strikes"] and before["restrictions"] and before["counters"]
    r = c.post("/v1/backtests", json={"candidate_version": v2}, headers=h["reviewer"])
    assert _poll(c, h["reviewer"], world.w, r.headers["Location"])["state"] == "done"
    assert _live_state(world.w) == before


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_issue18_a_backtest_window_limits_the_events(api, world: World) -> None:  # type: ignore[no-untyped-def]
    c, h = api
    v2 = _history(world)
    world.clock.advance(minutes=1)
    until = world.clock.now().isoformat()  # the window ends before `until`: the 45 events, not the 3 later ones
    world.clock.advance(hours=2)
    world.send(*[world.phone_search("a1") for _ in range(3)])
    r = c.post("/v1/backtests", json={"candidate_version": v2, "until": until}, headers=h["reviewer"])
    body = _poll(c, h["reviewer"], world.w, r.headers["Location"])
    assert body["result"]["events"] == 45 and body["until"] is not None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_issue18_backtest_requests_are_checked_and_refusals_name_the_field(api, world: World) -> None:  # type: ignore[no-untyped-def]
    c, h = api
    v2 = _history(world)
    assert c.post("/v1/backtests", json={"candidate_version": v2}, headers=h["admin"]).status_code == 403
    assert c.post("/v1/backtests", json={"candidate_version": v2}, headers=h["auditor"]).status_code == 403
    r = c.post("/v1/backtests", json={"candidate_version": 99}, headers=h["reviewer"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "candidate_version", r.text
    window = {"candidate_version": v2, "since": "2026-11-02T00:00:00+08:00", "until": "2026-11-01T00:00:00+08:00"}
    r = c.post("/v1/backtests", json=window, headers=h["reviewer"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "until", r.text
    for wrong in ("two", True, "1", 1.5):  # a version is a whole number, not a flag or a text that looks like one
        r = c.post("/v1/backtests", json={"candidate_version": wrong}, headers=h["reviewer"])
        assert r.status_code == 422 and "candidate_version" in r.text, (wrong, r.text)
    r = c.post("/v1/backtests", json={"candidate_version": v2, "since": "2026-11-02T00:00:00"}, headers=h["reviewer"])
    assert r.status_code == 422 and "since" in r.text  # a time without its zone is refused
    assert c.get("/v1/backtests/bkt-nope", headers=h["reviewer"]).status_code == 404
    assert c.get("/v1/backtests/bkt-nope", headers=h["admin"]).status_code == 403


# --- orphaned backtests: a process that stops while one runs ---------------------------------------------------

_ELSEWHERE = "api-2.example:0000ffff:4242:0123456789ab"  # a process of another host: its pids are not ours to test

_OWNER_SCRIPT = """
import sys
from datetime import datetime
from warden.bootstrap import bootstrap
from warden.kernel.access import Principal, Role
from warden.kernel.clock import FixedClock
from warden.settings import Settings

url, version, now = sys.argv[1], int(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
w = bootstrap(Settings(database_url=url), clock=FixedClock(now), migrate=False, start=False)
out = w.backtests.start(Principal("t-lead", Role.REVIEWER, person_id="lead"), version, runner=lambda run: None)
print(out.id, flush=True)
sys.stdin.read()  # alive until the test closes our stdin
"""


def _row(w: App, bid: str) -> Any:
    with reading(w.engine) as conn:
        return conn.execute(sa.select(t.policy_backtests).where(t.policy_backtests.c.id == bid)).one()


def test_issue18_a_backtest_whose_process_died_is_failed_at_the_next_start_and_not_while_it_lives(  # type: ignore[no-untyped-def]
    api, world: World, db_url: str
) -> None:
    """Another process (a real one) records a backtest and lives on: a server starting meanwhile leaves it alone.
    Once that process has exited, the next start fails it, saying why in both languages."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import build

    c, h = api
    v2 = _history(world)
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root}
    owner = subprocess.Popen(
        [sys.executable, "-c", _OWNER_SCRIPT, db_url, str(v2), world.clock.now().isoformat()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=root,
    )
    try:
        assert owner.stdout is not None
        bid = owner.stdout.readline().strip()
        assert bid.startswith("bkt-"), bid
        assert _row(world.w, bid).owner.split(":")[2] == str(owner.pid)
        build(db_url, world.clock).engine.dispose()  # a server starts while the owner lives
        assert _row(world.w, bid).state == "queued"
        assert c.get(f"/v1/backtests/{bid}", headers=h["auditor"]).json()["state"] == "queued"
    finally:
        assert owner.stdin is not None
        owner.stdin.close()
        owner.wait()
    assert _row(world.w, bid).state == "queued"  # nobody has looked since: still as the dead process left it
    build(db_url, world.clock).engine.dispose()  # the next start sweeps
    row = _row(world.w, bid)
    assert (row.state, row.error_code, row.finished_at) == ("failed", "orphaned", world.clock.now())
    en = c.get(f"/v1/backtests/{bid}?lang=en", headers=h["auditor"]).json()
    assert en["state"] == "failed" and en["error_code"] == "orphaned"
    assert en["error_text"] == "the server stopped while this backtest was running; start it again" == en["error"]
    zh = c.get(f"/v1/backtests/{bid}", headers=h["auditor"]).json()
    assert zh["error_text"] == "运行这次回测的服务进程已停止，回测没有完成；请重新发起。"
    listed = c.get("/v1/backtests", headers=h["reviewer"]).json()["items"]
    assert [(b["id"], b["state"], b["result"]) for b in listed] == [(bid, "failed", None)]


def test_issue18_a_backtest_of_a_live_process_elsewhere_is_failed_only_once_its_heartbeat_is_stale(  # type: ignore[no-untyped-def]
    api, world: World, db_url: str
) -> None:
    """An owner on another host cannot be asked whether it lives: its heartbeat decides, on the injected clock, with
    the bound `WARDEN_BACKTEST_STALE_AFTER` (5 minutes by default)."""
    from tests.conftest import build

    c, h = api
    v2 = _history(world)
    bid = world.w.backtests.start(LEAD, v2, runner=lambda run: None).id  # type: ignore[union-attr]
    with world.w.engine.begin() as conn:
        conn.execute(
            sa.update(t.policy_backtests)
            .where(t.policy_backtests.c.id == bid)
            .values(owner=_ELSEWHERE, state="running", events_total=90, events_done=10)
        )
    world.clock.advance(minutes=4, seconds=59)
    build(db_url, world.clock).engine.dispose()
    assert c.get(f"/v1/backtests/{bid}", headers=h["reviewer"]).json()["state"] == "running"
    world.clock.advance(seconds=1)
    body = c.get(f"/v1/backtests/{bid}", headers=h["reviewer"]).json()  # a read sweeps too, without a restart
    assert (body["state"], body["error_code"], body["progress"]["events_done"]) == ("failed", "orphaned", 10)


def test_issue18_a_run_failed_as_orphaned_under_it_stops_and_stays_failed(api, world: World) -> None:  # type: ignore[no-untyped-def]
    """A process paused past the bound (its run judged orphaned by another) must not overwrite the verdict when it
    wakes: its writes are conditional on still owning a queued or running row."""
    v2 = _history(world)
    runs: list[Any] = []
    bt = world.w.backtests
    assert bt is not None
    bid = bt.start(LEAD, v2, runner=lambda run: runs.append(run)).id
    world.clock.advance(minutes=6)
    assert bt.sweep() == [bid]
    runs[0]()  # the paused run wakes up
    row = _row(world.w, bid)
    assert (row.state, row.error_code, row.result, row.events_total) == ("failed", "orphaned", None, 0)


def test_issue18_a_running_backtest_records_its_owner_and_a_heartbeat_on_the_injected_clock(api, world: World) -> None:  # type: ignore[no-untyped-def]
    from warden.policy_versions.backtests import this_process

    v2 = _history(world)
    runs: list[Any] = []
    bt = world.w.backtests
    assert bt is not None
    bid = bt.start(LEAD, v2, runner=lambda run: runs.append(run)).id
    queued = _row(world.w, bid)
    assert (queued.owner, queued.heartbeat_at) == (this_process(), world.clock.now())
    world.clock.advance(hours=1)
    runs[0]()
    done = _row(world.w, bid)
    assert (done.state, done.heartbeat_at, done.error_code) == ("done", world.clock.now(), None)
    assert bt.sweep() == []


def test_issue18_a_graceful_stop_fails_the_backtests_its_process_is_running_at_once(api, world: World) -> None:  # type: ignore[no-untyped-def]
    """`App.close` (the end of `warden serve`): a run still going reads failed at once, not after the bound; one
    already done is left as it is."""
    import threading

    v2 = _history(world)
    bt = world.w.backtests
    assert bt is not None
    finished = bt.start(LEAD, v2, runner=lambda run: run()).id  # the foreground: done before `start` returns
    hold = threading.Event()

    def held(run: Any) -> threading.Thread:  # a run that has not got far when the server stops
        th = threading.Thread(target=hold.wait, daemon=True)
        th.start()
        return th

    going = bt.start(LEAD, v2, runner=held).id
    try:
        world.w.close()
    finally:
        hold.set()
    assert (_row(world.w, going).state, _row(world.w, going).error_code) == ("failed", "orphaned")
    assert _row(world.w, finished).state == "done"
