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
    r = c.post("/v1/backtests", json={"candidate_version": "two"}, headers=h["reviewer"])
    assert r.status_code == 422 and "candidate_version" in r.text
    r = c.post("/v1/backtests", json={"candidate_version": v2, "since": "2026-11-02T00:00:00"}, headers=h["reviewer"])
    assert r.status_code == 422 and "since" in r.text  # a time without its zone is refused
    assert c.get("/v1/backtests/bkt-nope", headers=h["reviewer"]).status_code == 404
    assert c.get("/v1/backtests/bkt-nope", headers=h["admin"]).status_code == 403
