"""S-D7 over HTTP (issue 15, item 2): the health check does not believe the client. What warden saw at the account's
newest login (from the device checked) within `unblocking.health.seen_window` (24 h) contradicts a clean report."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from tests.conftest import World
from tests.e2e.test_unblock_http import api, bearer, client  # noqa: F401 (the fixture)
from warden.kernel.access import Role

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def login(world: World, api: TestClient, seconds_ago: int, **fields: object) -> None:  # noqa: F811
    ev = world.event(
        "login", "acc-1", at=world.clock.now() - timedelta(seconds=seconds_ago), client_version="4.1.30", **fields
    )
    r = api.post("/v1/events", headers=bearer(world, Role.PLATFORM), json=ev)
    assert r.status_code == 201, r.text


def test_S_D7_a_bot_seen_at_login_30_s_before_fails_a_clean_health_check_from_that_device(
    world: World,
    api: TestClient,  # noqa: F811
) -> None:
    me = bearer(world, Role.MEMBER, "acc-1")
    app_id = api.post("/v1/unblocks", headers=me).json()["id"]
    world.clock.advance(seconds=30)
    login(world, api, 30, device_id="d1", plugin_signatures=["bot"])
    clean = {"client_version": "4.1.30", "malware_flag": False, "plugin_signatures": [], "device_id": "d1"}
    r = api.post(f"/v1/unblocks/{app_id}/health-check?lang=en", headers=me, json=clean)
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["state"] == "awaiting_health_check" and view["health"]["ok"] is False
    [failure] = view["health"]["failures"]
    assert failure["code"] == "health.seen_plugins" and failure["params"]["signatures"] == ["bot"]
    assert failure["params"]["device_id"] == "d1" and "bot" in failure["text"] and "log in again" in failure["text"]
    zh = api.get(f"/v1/unblocks/{app_id}", headers=me).json()["health"]["failures"][0]["text"]
    assert "外挂" in zh and "重新登录" in zh  # shown to the member in their language
    # after a fresh clean login from that device, the same report passes
    world.clock.advance(minutes=5)
    login(world, api, 0, device_id="d1")
    r = api.post(f"/v1/unblocks/{app_id}/health-check", headers=me, json=clean)
    assert r.json()["state"] == "awaiting_verification" and r.json()["health"]["ok"] is True


def test_S_D7_without_a_device_the_newest_login_is_checked_and_old_logins_do_not_count(
    world: World,
    api: TestClient,  # noqa: F811
) -> None:
    me = bearer(world, Role.MEMBER, "acc-1")
    app_id = api.post("/v1/unblocks", headers=me).json()["id"]
    login(world, api, 60, device_id="d2", malware_flag=True)
    clean = {"client_version": "4.1.30", "malware_flag": False, "plugin_signatures": []}
    failures = api.post(f"/v1/unblocks/{app_id}/health-check", headers=me, json=clean).json()["health"]["failures"]
    assert [f["code"] for f in failures] == ["health.seen_malware"]
    world.clock.advance(hours=25)  # outside the 24 h window: nothing to contradict the client
    r = api.post(f"/v1/unblocks/{app_id}/health-check", headers=me, json=clean)
    assert r.json()["health"]["ok"] is True, r.json()["health"]


def test_S_D7_naming_a_fresh_device_does_not_hide_the_one_seen_with_plug_ins(
    world: World,
    api: TestClient,  # noqa: F811
) -> None:
    """The second tester's example: a bot login from `d1` 30 s before a clean report that names `fresh-device-123`
    passed. Every device the account logged in from within the window counts, not only the one the report names."""
    me = bearer(world, Role.MEMBER, "acc-1")
    app_id = api.post("/v1/unblocks", headers=me).json()["id"]
    world.clock.advance(seconds=30)
    login(world, api, 30, device_id="d1", plugin_signatures=["bot"])
    fresh = {
        "client_version": "4.1.30",
        "malware_flag": False,
        "plugin_signatures": [],
        "device_id": "fresh-device-123",
    }
    view = api.post(f"/v1/unblocks/{app_id}/health-check", headers=me, json=fresh).json()
    assert view["state"] == "awaiting_health_check"
    assert [(f["code"], f["params"]["device_id"]) for f in view["health"]["failures"]] == [
        ("health.seen_plugins", "d1")
    ]
    world.clock.advance(minutes=5)
    login(world, api, 0, device_id="d1")  # the plug-in removed from d1, logged in again clean
    assert api.post(f"/v1/unblocks/{app_id}/health-check", headers=me, json=fresh).json()["health"]["ok"] is True
