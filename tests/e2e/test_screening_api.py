"""`POST /v1/screenings` (issue 13): platform roles see the folded text, the technique of each hit and the policy
context that changed the outcome; a member sees only whether their own text would be blocked (no oracle)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role

Tokens = dict[str, dict[str, str]]


@pytest.fixture
def api(world: World) -> Iterator[tuple[TestClient, Tokens]]:
    world.enterprise("ent-2")
    w = world.w

    def bearer(role: Role, enterprise: str | None = None, account: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {w.tokens.create(role, enterprise, account)[1]}"}

    tokens = {
        "platform": bearer(Role.PLATFORM),
        "reviewer": bearer(Role.REVIEWER),
        "admin1": bearer(Role.ENTERPRISE_ADMIN, "ent-1"),
        "member1": bearer(Role.MEMBER, account="acc-1"),
    }
    with TestClient(create_app(w)) as client:
        yield client, tokens


def screen(client: TestClient, headers: dict[str, str], text: str, **body: object) -> dict:
    r = client.post("/v1/screenings", json={"text": text, **body}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_S_A6_platform_roles_see_the_folded_text_and_the_technique_of_each_hit(api) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    body = screen(client, tok["reviewer"], "加我领紅\u3164包")
    assert body["blocked"] is True and body["outcome"] == "blocked"
    assert body["folded"] == "加我领红包"
    [hit] = body["hits"]
    assert (hit["term"], hit["channel"], hit["effect"]) == ("红包", "folded", "blocks")
    assert hit["techniques"] == ["traditional characters", "invisible characters"]
    assert body["situation"] == {"kind": "greeting", "audience": "external"}
    pinyin = screen(client, tok["platform"], "hong2bao1")["hits"][0]
    assert pinyin["techniques"] == ["pinyin", "tone numbers"]


def test_S_A6_platform_roles_see_the_context_that_changed_the_outcome(api) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    text = "我的手机号13800138000，微信同号"
    cold = screen(client, tok["platform"], text, situation={"kind": "message"})
    assert cold["outcome"] == "warned" and cold["hits"][0]["effect"] == "warns"
    assert cold["context"]["name"] == "external_message"  # passes plain ordinary words only; a phone number warns
    accepted = {"kind": "message", "to_external": True, "contact_age": "10m", "initiated_by": "self"}
    warm = screen(client, tok["platform"], text, situation=accepted)
    assert warm["outcome"] == "allowed" and warm["blocked"] is False
    assert warm["context"]["name"] == "accepted_contact" and "phone_number" in warm["context"]["pass_categories"]
    assert warm["hits"][0]["effect"] == "passed"
    assert warm["situation"] == {
        "kind": "message",
        "audience": "external",
        "contact_age_seconds": 600,
        "initiated_by": "self",
    }
    offered = "老板发红包了，快进群抢"  # a hit (红包 with a lure) that a colleague's message may hold
    colleague = screen(client, tok["platform"], offered, situation={"kind": "message", "to_external": False})
    assert colleague["outcome"] == "allowed" and colleague["context"]["verdict"] == "pass"


def test_S_A6_a_member_sees_only_whether_their_own_text_would_be_blocked(api) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    assert screen(client, tok["member1"], "加我领紅\u3164包") == {"text": "加我领紅\u3164包", "blocked": True}
    assert screen(client, tok["member1"], "您好，我是销售部的小王") == {
        "text": "您好，我是销售部的小王",
        "blocked": False,
    }
    assert screen(client, tok["member1"], "加我领红包", enterprise_id="ent-1")["blocked"] is True  # their own
    r = client.post("/v1/screenings", json={"text": "x", "enterprise_id": "ent-2"}, headers=tok["member1"])
    assert r.status_code == 403


def test_S_A6_a_member_screens_with_their_enterprises_own_list(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    body = {"terms": [["竞品报价单", "secret", "high"]], "allow": []}
    assert client.put("/v1/word-lists/ent-1", json=body, headers=tok["admin1"]).status_code == 200
    assert screen(client, tok["member1"], "发你竞品 报价单")["blocked"] is True
    assert screen(client, tok["platform"], "发你竞品 报价单")["blocked"] is False  # no enterprise named


def test_S_A6_an_enterprise_role_sees_the_hits_but_not_how_they_matched(api) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    body = screen(client, tok["admin1"], "加我领紅\u3164包", enterprise_id="ent-1")
    assert body["blocked"] is True and body["outcome"] == "blocked"
    [hit] = body["hits"]
    assert (hit["term"], hit["start"], hit["end"], hit["effect"]) == ("红包", 3, 6, "blocks")
    assert "channel" not in hit and "techniques" not in hit and "folded" not in body and "context" not in body
