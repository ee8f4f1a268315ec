"""The HTTP API over a real ASGI stack: auth, tenant scope, Problem Details, languages, idempotency."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role


@pytest.fixture
def api(world: World) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    world.enterprise("ent-2")
    world.account("acc-2", "ent-2")
    w = world.w

    def bearer(role: Role, enterprise: str | None = None, account: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {w.tokens.create(role, enterprise, account)[1]}"}

    tokens = {
        "platform": bearer(Role.PLATFORM),
        "reviewer": bearer(Role.REVIEWER),
        "auditor": bearer(Role.AUDITOR),
        "admin1": bearer(Role.ENTERPRISE_ADMIN, "ent-1"),
        "member1": bearer(Role.MEMBER, account="acc-1"),
    }
    with TestClient(create_app(w)) as client:
        yield client, tokens


def test_contact_request_is_answered_at_once_with_reasons(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    ev = world.event("contact_request", method="qr_code", target="x", greeting="加我领红包")
    r = client.post("/v1/events?lang=en", json=ev, headers=tok["platform"])
    assert r.status_code == 201
    body = r.json()
    assert body["allowed"] is False and body["duplicate"] is False
    assert body["reasons"][0]["code"] == "greeting.sensitive" and "红包" in body["reasons"][0]["text"]
    again = client.post("/v1/events", json=ev, headers=tok["platform"])
    assert again.status_code == 200 and again.json()["duplicate"] is True


def test_login_decision_says_whether_it_is_allowed(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    ev = world.event("login", device_id="d1", client_version="4.1.0", plugin_signatures=["auto-clicker"])
    body = client.post("/v1/events", json=ev, headers=tok["platform"]).json()
    assert body["allowed"] is False
    assert [r["code"] for r in body["reasons"]] == ["plugin.detected", "login.restricted"]


def test_batch_ingest_answers_each_event(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    events = [world.phone_search() for _ in range(25)]
    r = client.post("/v1/event-batches", json={"events": events}, headers=tok["platform"])
    assert r.status_code == 200
    body = r.json()
    assert body["stored"] == 25 and [d["allowed"] for d in body["decisions"]][19:21] == [True, False]


def test_bad_input_gets_problem_details_naming_the_field_and_stores_nothing(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    good, bad = world.phone_search(), world.phone_search()
    bad["method"] = "carrier_pigeon"
    r = client.post("/v1/event-batches", json={"events": [good, bad]}, headers=tok["platform"])
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert [e["field"] for e in problem["errors"]] == ["events[1].method"]
    assert client.get("/v1/accounts/acc-1/explanation", headers=tok["reviewer"]).json()["state"] == "normal"


def test_one_events_problems_name_its_own_fields_in_words(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    future = world.phone_search(at=world.clock.now() + timedelta(days=1))
    r = client.post("/v1/events", json=future, headers=tok["platform"])
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["occurred_at"]
    r = client.post("/v1/events?lang=en", json=dict(world.phone_search(), id="has space"), headers=tok["platform"])
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "id", "message": "may contain only letters A–Z and a–z, digits and the characters _ . : @ -"}
    ]


def test_malformed_json_is_a_400(api) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    r = client.post(
        "/v1/events?lang=en", content=b'{"id": "x",', headers=tok["platform"] | {"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["title"] == "Malformed JSON"


def test_unknown_event_type_is_named(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    r = client.post(
        "/v1/events",
        json={"id": "x", "type": "teleport", "occurred_at": "2026-11-25T08:00:00Z"},
        headers=tok["platform"],
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "type"


def test_oversize_batch_is_refused(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    r = client.post(
        "/v1/event-batches", json={"events": [world.phone_search() for _ in range(1001)]}, headers=tok["platform"]
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "events"


def test_missing_or_wrong_token_is_a_401(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    assert client.post("/v1/events", json=world.phone_search()).status_code == 401
    r = client.get("/v1/accounts/acc-1", headers={"Authorization": "Bearer wdn_nope"})
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


def test_only_the_platform_may_ingest(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    for who in ("reviewer", "admin1", "member1"):
        assert client.post("/v1/events", json=world.phone_search(), headers=tok[who]).status_code == 403


def test_out_of_tenant_reads_are_403_whether_or_not_the_account_exists(api) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    for who in ("admin1", "member1"):
        other = client.get("/v1/accounts/acc-2/explanation", headers=tok[who])
        ghost = client.get("/v1/accounts/acc-none/explanation", headers=tok[who])
        assert other.status_code == ghost.status_code == 403
        assert other.json()["detail"] == ghost.json()["detail"]  # nothing tells them apart
    assert client.get("/v1/enterprises/ent-2", headers=tok["admin1"]).status_code == 403
    assert client.get("/v1/accounts/acc-2/explanation", headers=tok["member1"]).status_code == 403


def test_members_and_admins_read_what_is_theirs(api) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    assert client.get("/v1/accounts/acc-1/explanation", headers=tok["member1"]).status_code == 200
    assert client.get("/v1/accounts/acc-1/explanation", headers=tok["admin1"]).status_code == 200
    assert client.get("/v1/enterprises/ent-1", headers=tok["admin1"]).status_code == 200


def test_explanation_language_follows_lang_or_accept_language(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    world.send(*[world.event("report", reporter_id=f"r{i}", reason="spam") for i in range(3)])
    zh = client.get("/v1/accounts/acc-1/explanation", headers=tok["member1"]).json()
    en = client.get("/v1/accounts/acc-1/explanation", headers=tok["member1"] | {"Accept-Language": "en-US"}).json()
    en2 = client.get("/v1/accounts/acc-1/explanation?lang=en", headers=tok["member1"]).json()
    assert zh["state_text"] == "已暂停主动加好友" and en["state_text"] == en2["state_text"] == "proactive adding paused"
    assert zh["restrictions"][0]["rule"] == en["restrictions"][0]["rule"] == "reports"  # machine fields stay


def test_reviewer_voids_a_strike_and_the_audit_verifies(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    world.send(*[world.event("report", reporter_id=f"r{i}", reason="spam") for i in range(3)])
    sid = client.get("/v1/accounts/acc-1/explanation", headers=tok["reviewer"]).json()["strikes"][0]["id"]
    body = {"status": "voided", "reason": "coordinated false reports"}
    assert client.post(f"/v1/strikes/{sid}/status", json=body, headers=tok["member1"]).status_code == 403
    assert client.post(f"/v1/strikes/{sid}/status", json=body, headers=tok["reviewer"]).status_code == 200
    assert client.post(f"/v1/strikes/{sid}/status", json=body, headers=tok["reviewer"]).status_code == 409
    assert client.get("/v1/accounts/acc-1/explanation", headers=tok["member1"]).json()["state"] == "normal"
    v = client.get("/v1/audit/verification", headers=tok["auditor"]).json()
    assert v["ok"] is True
    entries = client.get("/v1/audit/entries?limit=2", headers=tok["auditor"]).json()
    assert [e["action"] for e in entries["items"]] == ["state.rows", "strike.voided"] and entries["next_cursor"]
    assert "strikes" in entries["items"][0]["data"]["rows"]  # the voided strike's new state, vouched for
    assert client.get("/v1/audit/entries", headers=tok["member1"]).status_code == 403


def test_openapi_documents_every_route_with_event_schemas(api) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    spec = client.get("/openapi.json").json()
    assert {"/v1/events", "/v1/event-batches", "/v1/accounts/{account_id}/explanation"} <= set(spec["paths"])
    assert {"ContactRequest", "Login", "BatchIn", "Event"} <= set(spec["components"]["schemas"])
    assert client.get("/docs").status_code == 200


def test_word_lists_are_scoped_like_everything_else(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    body = {"terms": [["竞品报价单", "secret", "high"]], "allow": []}
    assert client.put("/v1/word-lists/platform", json=body, headers=tok["admin1"]).status_code == 403
    assert client.put("/v1/word-lists/ent-2", json=body, headers=tok["admin1"]).status_code == 403
    r = client.put("/v1/word-lists/ent-1", json=body, headers=tok["admin1"])
    assert r.status_code == 200 and r.json()["version"] == 1
    assert client.put("/v1/word-lists/ent-1", json=body | {"version": 0}, headers=tok["admin1"]).status_code == 409
    hits = client.post(
        "/v1/screenings", json={"text": "发你竞品 报价单", "enterprise_id": "ent-1"}, headers=tok["admin1"]
    )
    [hit] = hits.json()["hits"]
    assert (hit["term"], hit["start"], hit["end"]) == ("竞品报价单", 2, 8)
    assert (
        client.post("/v1/screenings", json={"text": "x", "enterprise_id": "ent-2"}, headers=tok["admin1"]).status_code
        == 403
    )


def test_directory_dates_that_cannot_be_are_refused_naming_created_at(api) -> None:  # type: ignore[no-untyped-def]
    client, tok = api
    for when in ("2999-01-01T00:00:00Z", "0001-01-01T00:00:00Z"):
        body = {"name": "X", "verified": True, "created_at": when}
        r = client.put("/v1/enterprises/ent-odd", json=body, headers=tok["platform"])
        assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["created_at"]
        acc = {"enterprise_id": "ent-1", "phone": "13800000001", "real_name_verified": True, "created_at": when}
        r = client.put("/v1/accounts/acc-odd", json=acc, headers=tok["platform"])
        assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["created_at"]
    assert client.get("/v1/enterprises/ent-odd", headers=tok["platform"]).status_code == 404
