"""The way back made trustworthy over real HTTP (issue 12 items 5, 6, 10, 11; issue 15 items 3, 4, 5), on both
databases: phones in E.164, a 422 naming the field, 429s with Retry-After documented in the OpenAPI, the platform's
face/ID check, what uses the cap, and the last wrong code."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.conftest import World, build, policy_with
from tests.unblock_support import CLEAN, code_from, plugin_ban
from warden.adapters.policy_file import load_policy
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role
from warden.kernel.clock import FixedClock
from warden.unblock.senders import MemorySender

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def client(app: object) -> TestClient:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    return TestClient(app)  # type: ignore[arg-type]


def bearer(world: World, role: Role, account: str | None = None) -> dict[str, str]:
    _, secret = world.w.tokens.create(role, account_id=account)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def api(world: World) -> TestClient:
    world.enterprise()
    return client(create_app(world.w))


ACCOUNT = {"enterprise_id": "ent-1", "real_name_verified": True, "created_at": "2025-01-01T00:00:00+08:00"}


@pytest.mark.parametrize("spelling", ["13800138000", "008613800138000", "8613800138000", "１３８００１３８０００"])
def test_a_phone_number_is_stored_and_answered_in_e164(world: World, api: TestClient, spelling: str) -> None:
    platform = bearer(world, Role.PLATFORM)
    r = api.put("/v1/accounts/acc-9", headers=platform, json=ACCOUNT | {"phone": spelling})
    assert r.status_code == 201, r.text
    assert r.json()["phone"] == "+8613800138000"
    assert api.get("/v1/accounts/acc-9", headers=platform).json()["phone"] == "+8613800138000"


@pytest.mark.parametrize("bad", ["12345", "not-a-phone", "+999 1234 5678", "1380013800\u0000"])
def test_an_unparseable_phone_number_is_a_422_naming_the_field(world: World, api: TestClient, bad: str) -> None:
    r = api.put("/v1/accounts/acc-9", headers=bearer(world, Role.PLATFORM), json=ACCOUNT | {"phone": bad})
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["phone"]


# --- issue 12 items 10-11, issue 15 item 5: code checks over HTTP -----------------------------------------------


@pytest.fixture
def tight(db_url: str, clock: FixedClock) -> Iterator[World]:
    """acc-1 plug-in banned, ready to apply; its phone may have 6 code checks a month."""
    w = build(db_url, clock, policy_with({"phone_guesses: 20 ": "phone_guesses: 6 "}))
    world = World(w, clock)
    world.enterprise()
    world.account()
    plugin_ban(world)
    world.clock.advance(days=1, hours=1)
    w.unblocking.sender = MemorySender()
    yield world
    w.engine.dispose()


def started(world: World, api: TestClient, me: dict[str, str]) -> str:
    app_id = str(api.post("/v1/unblocks", headers=me).json()["id"])
    r = api.post(f"/v1/unblocks/{app_id}/health-check", headers=me, json=CLEAN)
    assert r.json()["state"] == "awaiting_verification", r.text
    return app_id


def code(world: World, api: TestClient, me: dict[str, str], app_id: str) -> str:
    assert api.post(f"/v1/unblocks/{app_id}/codes", headers=me).status_code == 202
    sender = world.w.unblocking.sender
    assert isinstance(sender, MemorySender)
    return code_from(sender, world.w.enforcement.get_account("acc-1").phone)


def off(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


def test_S_D1_the_tenth_check_refuses_the_application_and_the_reply_says_so(world: World) -> None:
    plugin_ban(world)
    world.clock.advance(days=1, hours=1)
    world.w.unblocking.sender = MemorySender()
    api = client(create_app(world.w))
    me = bearer(world, Role.MEMBER, "acc-1")
    app_id = started(world, api, me)
    for _ in range(2):
        right = code(world, api, me, app_id)
        answers = [
            api.post(f"/v1/unblocks/{app_id}/verification?lang=en", headers=me, json={"code": off(right)})
            for _ in range(5)
        ]
    last = answers[-1]
    assert last.status_code == 422, last.text
    body = last.json()
    assert body["errors"][0]["field"] == "code" and "now refused" in body["detail"]
    assert body["state"] == "refused" and body["refusal"]["code"] == "too_many_attempts"
    assert body["refusal"]["text"] == "Too many wrong codes; this application is closed."
    assert api.get(f"/v1/unblocks/{app_id}", headers=me).json()["state"] == "refused"


def test_S_D1_a_phone_whose_checks_are_spent_is_a_429_with_retry_after(tight: World) -> None:
    api = client(create_app(tight.w))
    me = bearer(tight, Role.MEMBER, "acc-1")
    app_id = started(tight, api, me)
    right = code(tight, api, me, app_id)
    for _ in range(5):
        assert api.post(f"/v1/unblocks/{app_id}/verification", headers=me, json={"code": off(right)}).status_code == 422
    right = code(tight, api, me, app_id)
    assert api.post(f"/v1/unblocks/{app_id}/verification", headers=me, json={"code": off(right)}).status_code == 422
    r = api.post(f"/v1/unblocks/{app_id}/verification", headers=me, json={"code": right})  # the 7th check
    assert r.status_code == 429, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert int(r.headers["Retry-After"]) == r.json()["retry_after"] == 30 * 86400 + 1
    assert r.json()["errors"][0]["field"] == "code"


def test_the_429s_are_in_the_openapi_of_the_routes_that_send_them(world: World) -> None:
    doc = client(create_app(world.w)).get("/openapi.json").json()
    for path in ("/v1/unblocks", "/v1/unblocks/{app_id}/verification", "/v1/unblocks/{app_id}/codes"):
        answer = doc["paths"][path]["post"]["responses"]["429"]
        assert "Retry-After" in answer["headers"], path
    assert (
        "phone number" in doc["paths"]["/v1/unblocks/{app_id}/verification"]["post"]["responses"]["429"]["description"]
    )


# --- issue 15, item 3: the platform's face/ID check over HTTP --------------------------------------------------


def test_S_D1_the_platform_reports_its_face_check_and_with_the_code_it_lifts(db_url: str, clock: FixedClock) -> None:
    w = build(db_url, clock, load_policy())  # the shipped default: the code AND a helper or the face/ID check
    world = World(w, clock)
    world.enterprise()
    world.account()
    plugin_ban(world)
    world.clock.advance(days=1, hours=1)
    w.unblocking.sender = MemorySender()
    api = client(create_app(w))
    me, platform = bearer(world, Role.MEMBER, "acc-1"), bearer(world, Role.PLATFORM)
    app_id = started(world, api, me)
    r = api.post(f"/v1/unblocks/{app_id}/verification", headers=me, json={"code": code(world, api, me, app_id)})
    assert r.status_code == 200 and r.json()["state"] == "awaiting_verification"
    assert r.json()["verification"]["missing"] == [["friend_assist", "platform_check"]]
    check = {"kind": "face", "passed": True, "reference": "face-1"}
    assert api.post(f"/v1/unblocks/{app_id}/platform-checks", headers=me, json=check).status_code == 403
    r = api.post(f"/v1/unblocks/{app_id}/platform-checks", headers=platform, json=check | {"kind": "retina"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    r = api.post(f"/v1/unblocks/{app_id}/platform-checks?lang=en", headers=platform, json=check)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "lifted" and r.json()["verification"]["platform_check"]["reference"] == "face-1"
    assert api.get("/v1/accounts/acc-1/explanation", headers=me).json()["can_login"] is True
    w.engine.dispose()


# --- issue 15, item 4: what uses the cap, over HTTP ------------------------------------------------------------


def test_S_D3_a_double_tap_over_http_answers_the_same_application_and_uses_one(tight: World) -> None:
    api = client(create_app(tight.w))
    me = bearer(tight, Role.MEMBER, "acc-1")
    first = api.post("/v1/unblocks?lang=en", headers=me)
    again = api.post("/v1/unblocks?lang=en", headers=me)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["applications"]["used"] == 1 and again.json()["counted"] is True
    assert "does not use another" in again.json()["counting"]
