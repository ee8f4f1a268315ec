"""Policy versions over HTTP and across processes (issue 18)."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import World
from warden.adapters.policy_file import load_policy
from warden.app import App
from warden.bootstrap import bootstrap
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role
from warden.settings import Settings

with warnings.catch_warnings():  # starlette deprecates its httpx-based client; pytest makes warnings errors
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

HOUR = "{name: hour, length: 1h, soft: 10, hard: 20, block: 1h}"
STRICT = "{name: hour, length: 1h, soft: 2, hard: 3, block: 1h}"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def api(world: World, warden: App) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    tokens = {r.value: warden.tokens.create(r)[1] for r in (Role.REVIEWER, Role.AUDITOR)}
    tokens["admin"] = warden.tokens.create(Role.ENTERPRISE_ADMIN, "ent-1")[1]
    with TestClient(create_app(warden)) as c:
        yield c, {name: {"Authorization": f"Bearer {t}"} for name, t in tokens.items()}


def test_issue18_post_policies_answers_422_with_the_file_loaders_line_errors(api, warden: App) -> None:  # type: ignore[no-untyped-def]
    c, h = api
    bad = warden.loaded.text.replace(HOUR, HOUR.replace("hard: 20", "hard: lots"))
    r = c.post("/v1/policies", json={"text": bad, "comment": "typo"}, headers=h["reviewer"])
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    line = next(n for n, s in enumerate(bad.splitlines(), 1) if "hard: lots" in s)
    want = f"policy:{line}: rules.phone_search_velocity.windows.0.hard: "
    assert any(e["field"] == "text" and e["message"].startswith(want) for e in body["errors"]), body
    r = c.post("/v1/policies", json={"text": "[1, 2", "comment": ""}, headers=h["reviewer"])
    assert r.status_code == 422 and "不是有效的 YAML" in r.json()["errors"][0]["message"]  # the default language, whole
    english = {**h["reviewer"], "Accept-Language": "en"}
    r = c.post("/v1/policies", json={"text": "[1, 2", "comment": ""}, headers=english)
    assert r.status_code == 422 and "not valid YAML" in r.json()["errors"][0]["message"]


def test_issue18_versions_are_written_promoted_diffed_and_rolled_back_over_http(api, warden: App) -> None:  # type: ignore[no-untyped-def]
    c, h = api
    text = warden.loaded.text.replace(HOUR, STRICT)
    assert c.post("/v1/policies", json={"text": text}, headers=h["admin"]).status_code == 403
    assert c.post("/v1/policies", json={"text": text}, headers=h["auditor"]).status_code == 403
    r = c.post("/v1/policies", json={"text": text, "comment": "strict"}, headers=h["reviewer"])
    assert r.status_code == 201, r.text
    v2 = r.json()
    assert v2["id"] == 2 and v2["stage"] is None and v2["author"]
    r = c.post("/v1/policies/2/promotion", json={"stage": "staged", "reason": "x", "share": 0}, headers=h["reviewer"])
    assert r.status_code == 422 and "share" in r.text
    r = c.post("/v1/policies/2/promotion", json={"stage": "live", "reason": "spam wave"}, headers=h["reviewer"])
    assert r.status_code == 200 and r.json()["live_id"] == 2
    assert c.get("/v1/policy", headers=h["auditor"]).json()["hash"] == v2["hash"]
    listed = c.get("/v1/policies", headers=h["auditor"]).json()
    assert [(v["id"], v["stage"]) for v in listed["items"]] == [(1, None), (2, "live")]
    diff = c.get("/v1/policies/2/diff?against=1", headers=h["auditor"]).json()["diff"]
    assert f"-      - {HOUR}" in diff and f"+      - {STRICT}" in diff
    shown = c.get("/v1/policies/2", headers=h["auditor"]).json()
    assert shown["text"] == text and shown["policy"]["rules"]["phone_search_velocity"]["windows"][0]["hard"] == 3
    r = c.post("/v1/policies/1/rollback", json={"reason": "too strict"}, headers=h["reviewer"])
    assert r.status_code == 200 and r.json()["live_id"] == 1
    assert c.get("/v1/policies/99", headers=h["auditor"]).status_code == 404
    assert c.get("/v1/rules/no_such_rule/figures", headers=h["auditor"]).status_code == 404
    fig = c.get("/v1/rules/phone_search_velocity/figures", headers=h["auditor"])
    assert fig.status_code == 200 and fig.json()["total"]["restrictions"] == 0
    assert c.get("/v1/policies", headers=h["admin"]).status_code == 403


def test_issue18_a_promotion_from_another_process_reaches_a_running_app_without_restart(tmp_path: Path) -> None:
    """Two processes on one SQLite file: the CLI stores and promotes a version; this process's app, already
    running, decides its next batch under it and answers its next request with it."""
    url = f"sqlite:///{tmp_path}/w.db"
    shipped = load_policy()
    w = bootstrap(Settings(database_url=url), policy=shipped)
    try:
        strict = tmp_path / "strict.yaml"
        strict.write_text(shipped.text.replace(HOUR, STRICT), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "WARDEN_DATABASE_URL": url}

        def cli(*args: str) -> str:
            done = subprocess.run(
                [sys.executable, "-m", "warden", *args], env=env, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout

        assert "stored version 2" in cli("policy", "add", str(strict), "-m", "strict", "--by", "lead")
        cli("policy", "promote", "2", "--reason", "spam wave", "--by", "lead")
        assert w.loaded.hash == shipped.hash  # nothing has asked yet
        token = w.tokens.create(Role.AUDITOR)[1]
        with TestClient(create_app(w)) as c:
            body = c.get("/v1/policy", headers={"Authorization": f"Bearer {token}"}).json()
        assert body["hash"] != shipped.hash and w.loaded.text == strict.read_text(encoding="utf-8")
        listing = cli("policy", "list")
        assert "live" in listing and "lead" in listing
    finally:
        w.close()
