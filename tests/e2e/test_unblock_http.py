"""The way back over real HTTP (issue 5): members drive their own flow, the code goes out through a real webhook."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.conftest import World
from tests.http_receiver import Receiver
from tests.unblock_support import CLEAN, plugin_ban, relate, token_from
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role
from warden.unblock.senders import MemorySender, WebhookSender

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def client(app: object) -> TestClient:
    """Starlette warns at import that its TestClient wants `httpx2`; the client itself works with httpx."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    return TestClient(app)  # type: ignore[arg-type]


@pytest.fixture
def gateway() -> Iterator[Receiver]:
    g = Receiver(path="/sms")
    yield g
    g.close()


@pytest.fixture
def api(world: World) -> TestClient:
    plugin_ban(world)
    world.account("acc-h")
    world.account("acc-other")
    relate(world, "acc-1", "acc-h")
    world.clock.advance(days=1, hours=1)
    return client(create_app(world.w))


def bearer(world: World, role: Role, account: str | None = None) -> dict[str, str]:
    _, secret = world.w.tokens.create(role, account_id=account)
    return {"Authorization": f"Bearer {secret}"}


def test_S_D1_a_member_unblocks_themself_over_http_with_a_code_sent_through_the_webhook(
    world: World, api: TestClient, gateway: Receiver
) -> None:
    world.w.unblocking.sender = WebhookSender(gateway.url)
    me = bearer(world, Role.MEMBER, "acc-1")
    r = api.post("/v1/unblocks?lang=en", headers=me | {"Idempotency-Key": "k1"})
    assert r.status_code == 201, r.text
    app = r.json()
    assert app["state"] == "awaiting_health_check" and app["applications"]["remaining"] == 4
    assert r.headers["Location"] == f"/v1/unblocks/{app['id']}"
    replay = api.post("/v1/unblocks", headers=me | {"Idempotency-Key": "k1"})
    assert replay.status_code == 200 and replay.json()["id"] == app["id"]
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json()["applications"]["used"] == 1
    r = api.post(f"/v1/unblocks/{app['id']}/health-check", headers=me, json=CLEAN | {"device_id": "p1"})
    assert r.json()["state"] == "awaiting_verification"
    r = api.post(f"/v1/unblocks/{app['id']}/codes", headers=me)
    assert r.status_code == 202 and r.json()["verification"]["code"]["outstanding"] is True
    [sms] = gateway.received
    assert sms["phone"] == world.w.enforcement.get_account("acc-1").phone and "验证码" in sms["message"]
    code = re.search(r"\d{6}", sms["message"]).group(0)  # type: ignore[union-attr]
    r = api.post(f"/v1/unblocks/{app['id']}/verification?lang=en", headers=me, json={"code": code})
    assert r.status_code == 200 and r.json()["state"] == "lifted" and r.json()["state_text"] == "unblocked"
    assert api.get("/v1/accounts/acc-1/explanation", headers=me).json()["can_login"] is True
    listed = api.get("/v1/unblocks", headers=me).json()["items"]
    assert [a["id"] for a in listed] == [app["id"]]


def test_S_D1_a_failing_gateway_is_a_502_and_the_send_is_given_back(world: World, api: TestClient) -> None:
    down = Receiver(status=500, path="/sms")
    try:
        world.w.unblocking.sender = WebhookSender(down.url)
        me = bearer(world, Role.MEMBER, "acc-1")
        app_id = api.post("/v1/unblocks", headers=me).json()["id"]
        api.post(f"/v1/unblocks/{app_id}/health-check", headers=me, json=CLEAN)
        r = api.post(f"/v1/unblocks/{app_id}/codes", headers=me)
        assert r.status_code == 502 and r.headers["content-type"] == "application/problem+json"
        assert "500" in r.json()["detail"] and len(down.received) == 1
        code = api.get(f"/v1/unblocks/{app_id}", headers=me).json()["verification"]["code"]
        assert code["outstanding"] is False and code["sends_left"] == 3
    finally:
        down.close()


def test_members_see_and_drive_only_their_own_flow_and_reviewers_see_all(world: World, api: TestClient) -> None:
    me = bearer(world, Role.MEMBER, "acc-1")
    other = bearer(world, Role.MEMBER, "acc-other")
    reviewer = bearer(world, Role.REVIEWER)
    assert api.post("/v1/unblocks", headers=other, json={"account_id": "acc-1"}).status_code == 403
    app_id = api.post("/v1/unblocks", headers=me).json()["id"]
    assert api.get(f"/v1/unblocks/{app_id}", headers=other).status_code == 403
    assert api.get("/v1/unblocks/unb_doesnotexist", headers=other).status_code == 403  # no leak
    assert api.get("/v1/unblocks/unb_doesnotexist", headers=reviewer).status_code == 404
    assert api.get(f"/v1/unblocks/{app_id}", headers=reviewer).status_code == 200
    r = api.post(f"/v1/unblocks/{app_id}/health-check", headers=reviewer, json=CLEAN)
    assert r.status_code == 403
    assert api.get(f"/v1/unblocks/{app_id}").status_code == 401


def test_bad_input_names_the_field_and_changes_nothing(world: World, api: TestClient) -> None:
    me = bearer(world, Role.MEMBER, "acc-1")
    app_id = api.post("/v1/unblocks", headers=me).json()["id"]
    r = api.post(f"/v1/unblocks/{app_id}/health-check", headers=me, json={"client_version": "latest"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "client_version"
    assert api.get(f"/v1/unblocks/{app_id}", headers=me).json()["health"] is None
    r = api.post(f"/v1/unblocks/{app_id}/verification", headers=me, json={"code": "12"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "code"
    r = api.post("/v1/unblocks", headers=bearer(world, Role.PLATFORM))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "account_id"


def test_S_D2_the_named_helper_confirms_with_their_own_token(world: World, api: TestClient) -> None:
    sender = MemorySender()
    world.w.unblocking.sender = sender
    me = bearer(world, Role.MEMBER, "acc-1")
    app_id = api.post("/v1/unblocks", headers=me).json()["id"]
    api.post(f"/v1/unblocks/{app_id}/health-check", headers=me, json=CLEAN)
    r = api.post(f"/v1/unblocks/{app_id}/helpers?lang=en", headers=me, json={"helper_ids": ["acc-h", "acc-other"]})
    helpers = r.json()["verification"]["helpers"]
    assert [h["state"] for h in helpers] == ["pending", "refused"]
    assert helpers[1]["refusals"][0]["code"] == "helper.not_eligible"  # a stranger: nothing more (issue 12)
    token = token_from(sender, world.w.enforcement.get_account("acc-h").phone)
    assert api.post(f"/v1/helper-confirmations/{token}", headers=other_token(world)).status_code == 403
    helper = bearer(world, Role.MEMBER, "acc-h")
    mine = api.get("/v1/helper-requests", headers=helper).json()["items"]
    assert mine[0]["application_id"] == app_id and mine[0]["state"] == "pending"
    r = api.post(f"/v1/helper-confirmations/{token}", headers=helper, json={"device_id": "hp"})
    assert r.status_code == 200 and r.json()["helper_state"] == "confirmed"
    assert api.get(f"/v1/unblocks/{app_id}", headers=me).json()["state"] == "lifted"
    assert api.post(f"/v1/helper-confirmations/{token}", headers=helper).status_code == 404  # single use


def other_token(world: World) -> dict[str, str]:
    return bearer(world, Role.MEMBER, "acc-other")


def test_S_D3_the_cap_over_http_shows_what_remains(world: World, api: TestClient) -> None:
    phone = world.w.enforcement.get_account("acc-1").phone
    for n in range(1, 6):  # five more accounts on acc-1's phone number (a retry by one account is its application)
        world.account(f"acc-c{n}", phone=phone)
        plugin_ban(world, f"acc-c{n}")
    world.clock.advance(days=1, hours=1)
    me, platform = bearer(world, Role.MEMBER, "acc-1"), bearer(world, Role.PLATFORM)
    seen = [api.post("/v1/unblocks", headers=me).json()["applications"]["remaining"]]
    for n in range(1, 6):
        r = api.post("/v1/unblocks", headers=platform, json={"account_id": f"acc-c{n}"})
        seen.append(r.json()["applications"]["remaining"])
    assert seen == [4, 3, 2, 1, 0, 0]
    last = api.get("/v1/unblocks?lang=en&account_id=acc-c5", headers=platform).json()["items"][0]
    assert last["refusal"]["code"] == "cap_reached" and "At most 5" in last["refusal"]["text"]
