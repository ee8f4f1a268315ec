"""`GET /v1/policy` (issue 12, item 11): the platform's roles read the policy in full; members and enterprise roles
read only what concerns them (its version and hash, what each rule forbids), never a threshold or the server path."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator

import pytest

from tests.conftest import World
from warden.app import App
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role

with warnings.catch_warnings():  # starlette deprecates its httpx-based client; pytest makes warnings errors
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

SCOPED = {
    "member": (Role.MEMBER, None, "acc-1"),
    "enterprise_admin": (Role.ENTERPRISE_ADMIN, "ent-1", None),
    "hr": (Role.HR, "ent-1", None),
    "investigator": (Role.INVESTIGATOR, "ent-1", None),
    "analyst": (Role.ANALYST, "ent-1", None),
}
PLATFORM_ROLES = {"platform": Role.PLATFORM, "reviewer": Role.REVIEWER, "auditor": Role.AUDITOR}


@pytest.fixture
def api(world: World, warden: App) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    tokens = {name: warden.tokens.create(role)[1] for name, role in PLATFORM_ROLES.items()}
    tokens |= {name: warden.tokens.create(role, ent, acc)[1] for name, (role, ent, acc) in SCOPED.items()}
    with TestClient(create_app(warden)) as c:
        yield c, {name: {"Authorization": f"Bearer {t}"} for name, t in tokens.items()}


@pytest.mark.parametrize("who", sorted(PLATFORM_ROLES))
def test_the_platform_roles_read_the_policy_in_full(api, warden: App, who: str) -> None:  # type: ignore[no-untyped-def]
    c, h = api
    body = c.get("/v1/policy", headers=h[who]).json()
    assert body["hash"] == warden.rules.loaded.hash and body["source"] == warden.rules.loaded.source
    assert body["policy"]["rules"]["phone_search_velocity"]["windows"][0]["hard"] == 20


@pytest.mark.parametrize("who", sorted(SCOPED))
def test_members_and_enterprise_roles_read_what_the_policy_forbids_without_thresholds_or_path(  # type: ignore[no-untyped-def]
    api, warden: App, who: str
) -> None:
    c, h = api
    r = c.get("/v1/policy?lang=en", headers=h[who])
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"version", "hash", "rules"}
    assert body["hash"] == warden.rules.loaded.hash and body["version"] == warden.rules.loaded.policy.version
    rules = {x["rule"]: x for x in body["rules"]}
    assert rules["phone_search_velocity"] == {
        "rule": "phone_search_velocity",
        "spec": "S-A1",
        "title": "Adding contacts by phone search too often",
    }
    assert set(rules) == set(type(warden.rules.loaded.policy.rules).model_fields)
    text = json.dumps(body, ensure_ascii=False)
    assert warden.rules.loaded.source not in text and "default.yaml" not in text
    assert not any(ch.isdigit() for x in body["rules"] for ch in x["title"])  # words, not numbers
    for secret in ("windows", "threshold", "soft", "hard", "ladder", "weight", "modifiers", "known_signatures"):
        assert f'"{secret}"' not in text
    zh = c.get("/v1/policy", headers=h[who]).json()
    assert {x["rule"]: x["title"] for x in zh["rules"]}["phone_search_velocity"] == "搜索手机号加好友太频繁"


def test_the_policy_needs_a_token(api) -> None:  # type: ignore[no-untyped-def]
    c, _ = api
    assert c.get("/v1/policy").status_code == 401
