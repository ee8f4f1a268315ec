"""The way back made trustworthy over real HTTP (issue 12 items 5, 6, 10, 11; issue 15 items 3, 4, 5), on both
databases: phones in E.164, a 422 naming the field, 429s with Retry-After documented in the OpenAPI, the platform's
face/ID check, what uses the cap, and the last wrong code."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import pytest

from tests.conftest import World
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role

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
