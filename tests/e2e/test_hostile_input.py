"""Hostile input over HTTP (issue 12, items 7 and 8), on SQLite and PostgreSQL: every edge value is a clear
refusal naming what is wrong, never a 500, and nothing unbounded is read or done.

One section per route family (the edge itself, directory, events, audit, restrictions, appeals and the desk,
moderation, unblocking, enterprise usage policy, word lists), and generic sweeps over the whole route table for
the kinds the edge guard handles for every route (tokens before bodies, body size, control characters).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from tests.api_support import Api, TestClient, desk_on_disk, serving
from tests.conftest import World
from warden.app import App
from warden.appeals.uploads import tiny_png
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role
from warden.kernel.inputs import INT32_MAX, INT64_MAX
from warden.pipeline.ingest import LATE_GRACE
from warden.settings import Settings

PROBLEM = "application/problem+json"
BODY_LIMIT = 256 * 1024
UPLOAD_LIMIT = 512 * 1024
LIMITS = Settings(http_max_body_bytes=BODY_LIMIT, http_max_upload_bytes=UPLOAD_LIMIT)


@pytest.fixture
def api(world: World, warden: App, tmp_path: Path) -> Iterator[Api]:
    desk_on_disk(warden, tmp_path / "docs")
    world.account("acc-2")
    world.enterprise("ent-2")
    tokens = {
        "platform": warden.tokens.create(Role.PLATFORM)[1],
        "reviewer": warden.tokens.create(Role.REVIEWER)[1],
        "reviewer_b": warden.tokens.create(Role.REVIEWER)[1],
        "auditor": warden.tokens.create(Role.AUDITOR)[1],
        "admin": warden.tokens.create(Role.ENTERPRISE_ADMIN, "ent-1")[1],
        "member": warden.tokens.create(Role.MEMBER, account_id="acc-1")[1],
    }
    with serving(warden, tokens, LIMITS, raise_server_exceptions=False) as api:
        yield api


def refused(r: Any, status: int = 422) -> dict[str, Any]:
    """The Problem Details of a refusal with `status` (never a 500)."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def fields(r: Any, status: int = 422) -> list[str]:
    return [e["field"] for e in refused(r, status).get("errors", [])]


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every API route, path parameters filled with a harmless id."""
    out = []
    for rc in iter_route_contexts(app.router.routes):
        route = rc.original_route
        if isinstance(route, APIRoute) and rc.path.startswith("/v1/"):
            path = rc.path  # as mounted: a router included in another (moderation under /v1) has its prefix
            for name in route.param_convertors:
                path = path.replace("{" + name + "}", "ent-1" if "enterprise" in name else "x-1")
            out.extend((m, path) for m in sorted(route.methods))
    return out


# --- the edge: tokens before bodies, body size, Problem Details for routing and server errors -----------------


def call(app: FastAPI, method: str, path: str, headers: dict[str, str], chunks: list[bytes]) -> tuple[int, int]:
    """Drive the ASGI app directly: (status, how many body chunks the server pulled)."""
    pulled = 0
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled < len(chunks):
            pulled += 1
            return {"type": "http.request", "body": chunks[pulled - 1], "more_body": pulled < len(chunks)}
        await asyncio.sleep(3600)  # the client waits; a server that reads on would hang here
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 30))
    return status, pulled


def test_a_200_mb_body_without_a_token_gets_401_and_not_one_byte_is_read(api: Api) -> None:
    huge = {"content-type": "application/json", "content-length": str(200 * 1024 * 1024)}
    chunk = [b"{" + b" " * 65536] * 3200  # 200 MiB if it were all read
    assert call(api.app, "PUT", "/v1/enterprises/x", huge, chunk) == (401, 0)
    bad = huge | {"authorization": "Bearer wdn_not_a_token"}
    assert call(api.app, "PUT", "/v1/enterprises/x", bad, chunk) == (401, 0)
    scheme = huge | {"authorization": "Basic dXNlcjpwYXNz"}
    assert call(api.app, "POST", "/v1/event-batches", scheme, chunk) == (401, 0)
    assert call(api.app, "DELETE", "/v1/events", huge, chunk) == (405, 0)  # no route takes it: nothing read
    assert call(api.app, "POST", "/v1/nowhere", huge, chunk) == (404, 0)


def test_a_body_over_the_limit_is_413_naming_it_and_reading_stops_there(api: Api) -> None:
    token = {"authorization": f"Bearer {api.tokens['platform']}", "content-type": "application/json"}
    declared = token | {"content-length": str(200 * 1024 * 1024)}
    assert call(api.app, "PUT", "/v1/enterprises/x", declared, [b"{}"] * 10) == (413, 0)
    streamed = [b" " * 65536] * 3200  # chunked, no length: counted as it comes
    status, pulled = call(api.app, "PUT", "/v1/enterprises/x", token, streamed)
    assert status == 413 and pulled == BODY_LIMIT // 65536 + 1
    r = api.c.put("/v1/enterprises/x", headers=api.h("platform"), content=b" " * (BODY_LIMIT + 1))
    problem = refused(r, 413)
    assert str(BODY_LIMIT) in problem["detail"] and "WARDEN_HTTP_MAX_BODY_BYTES" in problem["detail"]
    assert problem["errors"] == [{"field": "(body)", "message": f"最多 {BODY_LIMIT} 字节"}]


def test_uploads_have_their_own_limit_and_json_bodies_cannot_borrow_it(api: Api, world: World) -> None:
    appeal = open_appeal(api, world)
    big = b"%PDF-1.7\n" + b"A" * (UPLOAD_LIMIT + 10)
    r = api.c.put(
        f"/v1/appeals/{appeal}/documents/business_licence",
        headers=api.h("admin"),
        files={"file": ("l.pdf", big, "application/pdf")},
    )
    assert "WARDEN_HTTP_MAX_UPLOAD_BYTES" in refused(r, 413)["detail"]
    r = api.c.put(
        f"/v1/appeals/{appeal}/documents/business_licence",
        headers=api.h("admin"),
        files={"file": ("l.png", tiny_png(1), "image/png")},
    )
    assert r.status_code == 201  # a small file goes through the guard untouched


def test_a_server_error_is_problem_details_and_says_nothing_of_the_internals(
    api: Api, warden: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: Any) -> None:
        raise RuntimeError("secret internals /srv/warden/db.py line 42")

    monkeypatch.setattr(warden.enforcement, "get_enterprise", boom)
    problem = refused(api.c.get("/v1/enterprises/ent-1", headers=api.h("platform")), 500)
    assert "secret" not in json.dumps(problem) and problem["type"].endswith("internal-error")


def test_405_carries_allow_and_404_is_problem_details(api: Api) -> None:
    r = api.c.delete("/v1/events", headers=api.h("platform"))
    refused(r, 405)
    assert r.headers["allow"] == "POST" and "POST" in r.json()["detail"]
    r = api.c.patch("/v1/enterprises/ent-1", headers=api.h("platform"), json={})
    refused(r, 405)
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "PUT"}
    refused(api.c.get("/v1/no-such-thing", headers=api.h("platform")), 404)


@pytest.mark.parametrize(
    ("path", "body"),
    [("/v1/events", b'{\n  "id": "x",\n  oops}'), ("/v1/enterprises/e-1", b'{\n  "name": "x",\n  oops}')],
)
def test_malformed_json_says_where_it_broke(api: Api, path: str, body: bytes) -> None:
    method = api.c.post if path == "/v1/events" else api.c.put
    r = method(path + "?lang=en", content=body, headers=api.h("platform", **{"content-type": "application/json"}))
    problem = refused(r, 400)
    assert problem["title"] == "Malformed JSON" and "line 3 column 3" in problem["errors"][0]["message"]


@pytest.mark.parametrize("path", ["/v1/events", "/v1/event-batches"])
def test_malformed_json_of_events_is_told_wholly_in_chinese_with_lang_zh(api: Api, path: str) -> None:
    r = api.c.post(
        path + "?lang=zh", content=b"nope", headers=api.h("platform", **{"content-type": "application/json"})
    )
    problem = refused(r, 400)
    assert problem["title"] == "JSON 格式错误"
    assert problem["detail"] == "请求体不是有效的 JSON；未保存任何内容"


def test_an_unknown_member_beside_a_batchs_events_is_refused_naming_it_and_nothing_is_stored(
    api: Api, warden: App
) -> None:
    event = {"id": "xb-1", "type": "login", "occurred_at": "2026-11-25T08:00:00Z", "account_id": "acc-1"}
    event |= {"device_id": "d-1", "client_version": "1.0"}
    r = api.c.post("/v1/event-batches?lang=en", json={"events": [event], "dry_run": True}, headers=api.h("platform"))
    assert fields(r) == ["dry_run"]
    r = api.c.post("/v1/events?lang=en", json=event, headers=api.h("platform"))
    assert r.status_code == 201, r.text  # xb-1 was not stored by the refused batch


@pytest.mark.parametrize(("path", "who"), [("/v1/screenings", "reviewer"), ("/v1/events", "platform")])
def test_a_body_that_is_not_utf8_is_malformed_json_naming_the_body_in_the_requests_language(
    api: Api, path: str, who: str
) -> None:
    headers = api.h(who, **{"content-type": "application/json"})
    zh = refused(api.c.post(path + "?lang=zh", content=b'{"text": "\xff\xfe"}', headers=headers), 400)
    assert (zh["title"], zh["detail"]) == ("JSON 格式错误", "请求体不是有效的 JSON；未保存任何内容")
    assert [e["field"] for e in zh["errors"]] == ["(body)"]
    en = refused(api.c.post(path + "?lang=en", content=b'{"text": "\xff\xfe"}', headers=headers), 400)
    assert (en["title"], en["detail"]) == ("Malformed JSON", "the request body is not valid JSON; nothing was stored")


def test_an_id_sent_twice_in_a_batch_with_different_content_is_a_409_told_wholly_in_chinese(api: Api) -> None:
    event = {"id": "twice-1", "type": "login", "occurred_at": "2026-11-25T08:00:00Z", "account_id": "acc-1"}
    event |= {"device_id": "d-1", "client_version": "1.0"}
    body = {"events": [event, event | {"device_id": "d-2"}]}
    problem = refused(api.c.post("/v1/event-batches?lang=zh", json=body, headers=api.h("platform")), 409)
    assert problem["detail"] == "事件 id 'twice-1' 已用于内容不同的另一个事件；未保存任何内容"
    assert [e["field"] for e in problem["errors"]] == ["events[1].id"]
    r = api.c.post("/v1/events?lang=en", json=event, headers=api.h("platform"))
    assert r.status_code == 201, r.text  # nothing of the refused batch was stored


def test_every_route_with_a_body_refuses_a_nul_naming_the_field_before_the_route_runs(api: Api) -> None:
    """The control-character rule is the edge's, so it holds for every route, present and future."""
    with_body = [(m, p) for m, p in routes(api.app) if m in ("POST", "PUT", "PATCH")]
    assert len(with_body) > 25
    for method, path in with_body:
        for bad in ("a\u0000b", "\u001b[31mred", "x\u007f", "\u0008"):
            r = api.c.request(method, path, headers=api.h("platform"), json={"note": {"deep": [1, bad]}})
            assert fields(r) == ["note.deep[1]"], (method, path, r.text)
        r = api.c.request(method, path, headers=api.h("platform"), json={"k\u0000": 1})
        assert fields(r) == ["k\u0000"], (method, path)


def test_every_route_refuses_a_control_character_in_a_query_parameter_or_the_path(api: Api) -> None:
    for method, path in routes(api.app):
        r = api.c.request(method, f"{path}?lang=en&status=a%00b", headers=api.h("platform"))
        assert fields(r) == ["status"], (method, path, r.text)
    assert fields(api.c.get("/v1/accounts/acc%001", headers=api.h("platform"))) == ["account_id"]
    assert fields(api.c.get("/v1/word-lists/a%1Bb", headers=api.h("platform"))) == ["scope"]


def test_tab_and_newline_stay_allowed_in_free_text(api: Api, world: World) -> None:
    strike = ban(api)
    r = api.c.post(
        "/v1/appeals", headers=api.h("admin"), json={"strike_id": strike, "statement": "第一段\n\t第二段\r\n完"}
    )
    assert r.status_code == 201 and r.json()["statement"] == "第一段\n\t第二段\r\n完"


def test_a_long_list_of_problems_is_answered_with_the_first_hundred(api: Api, world: World) -> None:
    r = api.c.put(
        "/v1/enterprises/ent-1/departments",
        headers=api.h("admin"),
        json={"departments": {"sales": [f"ghost-{i}" for i in range(5000)]}},
    )
    problem = refused(r)
    assert len(problem["errors"]) == 100 and problem["errors_omitted"] == 4900


# --- directory ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00", "1899-12-31T23:59:59Z", 0, 1700000000, "1700000000"],
)
def test_directory_dates_that_cannot_be_are_refused_naming_created_at(api: Api, when: Any) -> None:
    body = {"name": "Acme", "verified": True, "created_at": when}
    assert fields(api.c.put("/v1/enterprises/e-9", headers=api.h("platform"), json=body)) == ["created_at"]
    acc = {"enterprise_id": "ent-1", "phone": "13800138000", "real_name_verified": True, "created_at": when}
    assert fields(api.c.put("/v1/accounts/a-9", headers=api.h("platform"), json=acc)) == ["created_at"]


def test_a_nul_in_a_name_or_a_profile_field_is_refused_and_nothing_is_stored(api: Api) -> None:
    body = {"name": "Acme\u0000Corp", "verified": True, "created_at": "2020-01-01T00:00:00Z"}
    assert fields(api.c.put("/v1/enterprises/e-9", headers=api.h("platform"), json=body)) == ["name"]
    assert api.c.get("/v1/enterprises/e-9", headers=api.h("platform")).status_code == 404
    acc = {
        "enterprise_id": "ent-1",
        "phone": "13800138000",
        "real_name_verified": True,
        "created_at": "2020-01-01T00:00:00Z",
        "nickname": "zhang\u0000",
    }
    assert fields(api.c.put("/v1/accounts/a-9", headers=api.h("platform"), json=acc)) == ["nickname"]


# --- events ---------------------------------------------------------------------------------------------------


def test_event_dates_out_of_range_or_given_as_numbers_are_refused_naming_occurred_at(api: Api, world: World) -> None:
    for when in ("0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00", 0, 1.5, "1700000000"):
        ev = world.phone_search() | {"occurred_at": when}
        assert fields(api.c.post("/v1/events", json=ev, headers=api.h("platform"))) == ["occurred_at"], when
        r = api.c.post("/v1/event-batches", json={"events": [world.phone_search(), ev]}, headers=api.h("platform"))
        assert fields(r) == ["events[1].occurred_at"], when
    body = world.phone_search() | {"occurred_at": 0}
    numbers = api.c.post("/v1/events?lang=en", json=body, headers=api.h("platform"))
    assert "not a number" in numbers.json()["errors"][0]["message"]


def test_events_older_than_the_longest_window_plus_the_grace_are_refused(api: Api, world: World) -> None:
    age = world.w.pipeline.oldest_age()
    assert age == timedelta(days=180) + LATE_GRACE  # the ladder's decay is the shipped policy's longest window
    for when in ("1970-01-01T00:00:00Z", (world.clock.now() - age - timedelta(seconds=1)).isoformat()):
        r = api.c.post("/v1/events", json=world.phone_search() | {"occurred_at": when}, headers=api.h("platform"))
        assert fields(r) == ["occurred_at"], when
    late = world.phone_search(at=world.clock.now() - age + timedelta(minutes=1))
    assert api.c.post("/v1/events", json=late, headers=api.h("platform")).status_code == 201


def test_a_nul_in_any_event_text_is_refused_through_http_and_through_the_service(api: Api, world: World) -> None:
    cases = {
        "greeting": world.phone_search(greeting="hi\u0000"),
        "text": world.event("message", text="x\u0000y"),
        "attachments[0].name": world.event("message", text="x", attachments=[{"name": "a\u0000.pdf"}]),
        "evidence_refs[0]": world.event("report", reporter_id="acc-2", reason="spam", evidence_refs=["r\u0000"]),
        "device_id": world.event("login", device_id="d\u0000", client_version="4.1.0"),
    }
    for field, ev in cases.items():
        assert fields(api.c.post("/v1/events", json=ev, headers=api.h("platform"))) == [field]
        with pytest.raises(Exception) as exc:  # the broker and replays validate with the same kernel rule
            world.w.pipeline.ingest([ev])
        named = [e.field for e in exc.value.errors]  # type: ignore[attr-defined]
        assert named == [f"events[0].{field.split('[')[0]}"] or named == [f"events[0].{field}"]


def test_an_attachment_size_beyond_a_bigint_is_refused(api: Api, world: World) -> None:
    ev = world.event("message", text="x", attachments=[{"name": "a.pdf", "size": INT64_MAX + 1}])
    assert fields(api.c.post("/v1/events", json=ev, headers=api.h("platform"))) == ["attachments[0].size"]


# --- audit and restriction history: cursors -------------------------------------------------------------------


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize("cursor", ["9223372036854775808", "99999999999999999999999", "-1", "abc", "1e5", "٣"])
def test_audit_cursors_beyond_a_bigint_or_not_a_number_are_refused(api: Api, cursor: str) -> None:
    assert fields(api.c.get("/v1/audit/entries", params={"cursor": cursor}, headers=api.h("auditor"))) == ["cursor"]


def test_an_audit_cursor_at_the_bigint_edge_is_refused_naming_the_cursor(api: Api) -> None:
    # the audit listing pages by (at, chain, seq) since issue 17: a bare number (the old seq cursor) is no cursor
    r = api.c.get("/v1/audit/entries", params={"cursor": str(INT64_MAX)}, headers=api.h("auditor"))
    assert r.status_code == 422 and "cursor" in r.text, r.text


POSITION_CURSORS = [
    "eB95",  # base64 of "x\x1fy": two parts, the first not a date
    b64("0001-01-01T00:30:00+01:00\x1fid"),  # a date that cannot be converted to UTC
    b64("2026-11-25T08:00:00\x1fid"),  # no zone
    b64("2026-11-25T08:00:00+00:00\x1f"),  # no id
    b64("2026-11-25T08:00:00+00:00\x1fa\x00b"),  # a NUL in the id
    "!!!",
    b64("x"),
]


@pytest.mark.parametrize("cursor", POSITION_CURSORS)
@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/v1/appeals", "admin"),
        ("/v1/review-queue", "reviewer"),
        ("/v1/accounts/acc-1/restrictions", "reviewer"),
        ("/v1/enterprises/ent-1/restrictions", "reviewer"),
        ("/v1/enterprises/ent-1/cases", "admin"),
    ],
)
def test_position_cursors_that_this_api_did_not_give_are_refused(api: Api, path: str, who: str, cursor: str) -> None:
    assert fields(api.c.get(path, params={"cursor": cursor}, headers=api.h(who))) == ["cursor"]


# --- appeals, the desk, moderation: integers, text ------------------------------------------------------------


def ban(api: Api) -> str:
    r = api.c.post(
        "/v1/enterprises/ent-1/restrictions", headers=api.h("reviewer"), json={"severity": "M", "reason": "spam"}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["strike_id"])


def open_appeal(api: Api, world: World) -> str:
    r = api.c.post("/v1/appeals", headers=api.h("admin"), json={"strike_id": ban(api), "statement": "请复核"})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_appeal_numbers_beyond_an_integer_column_are_refused_naming_the_field(api: Api, world: World) -> None:
    appeal = open_appeal(api, world)
    for field, value in (("to_step", INT32_MAX + 1), ("exempt_days", INT32_MAX + 1), ("exempt_days", 2**70)):
        body = {"outcome": "reduce", "reason_code": "rectified", field: value}
        r = api.c.post(f"/v1/appeals/{appeal}/decision", headers=api.h("reviewer"), json=body)
        assert fields(r) == [field]
    body = {"account_id": "acc-1", "rule_id": "reports", "days": 2**63, "reason": "long enough"}
    assert fields(api.c.post("/v1/exemptions", headers=api.h("reviewer"), json=body)) == ["days"]


def test_a_nul_in_appeal_and_moderation_texts_is_refused_naming_the_field(api: Api, world: World) -> None:
    strike = ban(api)
    r = api.c.post("/v1/appeals", headers=api.h("admin"), json={"strike_id": strike, "statement": "a\u0000"})
    assert fields(r) == ["statement"]
    r = api.c.post(
        "/v1/enterprises/ent-1/restrictions", headers=api.h("reviewer"), json={"severity": "M", "reason": "x\u0000yz"}
    )
    assert fields(r) == ["reason"]
    body = {"account_id": "acc-1", "rule_id": "reports", "days": 3, "reason": "ok\u0000ok"}
    assert fields(api.c.post("/v1/exemptions", headers=api.h("reviewer"), json=body)) == ["reason"]


# --- unblocking -----------------------------------------------------------------------------------------------


def test_unblock_inputs_with_control_characters_are_refused(api: Api) -> None:
    r = api.c.post("/v1/unblocks", headers=api.h("member"), json={"account_id": "acc\u00001"})
    assert fields(r) == ["account_id"]
    r = api.c.post("/v1/unblocks/u-1/helpers", headers=api.h("member"), json={"helper_ids": ["a", "b\u0000"]})
    assert fields(r) == ["helper_ids[1]"]
    r = api.c.get("/v1/unblocks", params={"account_id": "acc\u00001"}, headers=api.h("platform"))
    assert fields(r) == ["account_id"]


# --- enterprise usage policy ----------------------------------------------------------------------------------


def test_a_usage_policy_version_beyond_an_integer_column_is_refused(api: Api) -> None:
    for version in (2147483648, 2**63, -1):
        r = api.c.put("/v1/enterprises/ent-1/usage-policy", headers=api.h("admin"), json={"version": version})
        assert fields(r) == ["version"], version


def test_department_lists_are_capped(api: Api, warden: App) -> None:
    with TestClient(create_app(warden)) as client:  # the default body limit (8 MiB) lets 300,000 ids through
        r = client.put(
            "/v1/enterprises/ent-1/departments",
            headers=api.h("admin"),
            json={"departments": {"sales": [f"a{i}" for i in range(300_000)]}},
        )
    assert fields(r) == ["departments.sales"]
    split = {f"d{i}": [f"a{i}-{j}" for j in range(5000)] for i in range(3)}
    r = api.c.put("/v1/enterprises/ent-1/departments", headers=api.h("admin"), json={"departments": split})
    assert fields(r) == ["departments"]
    many = {f"d{i}": [] for i in range(1001)}
    r = api.c.put("/v1/enterprises/ent-1/departments", headers=api.h("admin"), json={"departments": many})
    assert fields(r) == ["departments"]


def test_usage_reports_refuse_impossible_dates_and_nul_texts(api: Api) -> None:
    url = "/v1/enterprises/ent-1/violation-reports"
    base = {
        "account_id": "acc-1",
        "category": "secret_leak",
        "description": "sent a price list out",
        "observed_at": "2026-11-25T08:00:00Z",
    }
    for when in ("0001-01-01T00:30:00+01:00", 0):
        r = api.c.post(url, headers=api.h("admin"), json=base | {"observed_at": when})
        assert fields(r) == ["observed_at"], when
    r = api.c.post(url, headers=api.h("admin"), json=base | {"description": "a\u0000bc"})
    assert fields(r) == ["description"]


# --- word lists -----------------------------------------------------------------------------------------------


def test_word_list_versions_lists_and_texts_are_bounded(api: Api) -> None:
    r = api.c.put("/v1/word-lists/platform", headers=api.h("platform"), json={"version": 2**31})
    assert fields(r) == ["version"]
    r = api.c.put("/v1/word-lists/platform", headers=api.h("platform"), json={"terms": [["红\u0000包", "ads", "high"]]})
    assert fields(r) == ["terms[0][0]"]
    r = api.c.post("/v1/screenings", headers=api.h("platform"), json={"text": "加我\u0000领红包"})
    assert fields(r) == ["text"]
    r = api.c.post("/v1/screenings", headers=api.h("platform"), json={"text": "x", "enterprise_id": "e" * 129})
    assert fields(r) == ["enterprise_id"]


# --- policy texts: YAML aliases and size (issue 12, breaker) ---------------------------------------------------


def billion_laughs(levels: int = 8) -> str:
    """`levels` nested YAML aliases, 9 each: ~400 bytes that expand to 9**levels nodes (43 million at 8)."""
    names = "abcdefghij"
    lines = [f"{names[0]}: &{names[0]} [x,x,x,x,x,x,x,x,x]"]
    for prev, name in itertools.pairwise(names[:levels]):
        lines.append(f"{name}: &{name} [" + ",".join(f"*{prev}" for _ in range(9)) + "]")
    return "\n".join(lines) + "\n"


def test_I12_a_policy_with_nested_yaml_aliases_is_a_422_naming_the_line_and_nothing_is_expanded(api: Api) -> None:
    text = billion_laughs(8)
    assert len(text) < 500
    before = len(api.c.get("/v1/policies", headers=api.h("platform")).json()["items"])
    r = api.c.post("/v1/policies", json={"text": text, "comment": "bomb"}, headers=api.h("platform"))
    body = refused(r)
    assert [e["field"] for e in body["errors"]] == ["text"]
    assert "policy:1: YAML anchor &a is not allowed" in body["errors"][0]["message"], body
    assert len(api.c.get("/v1/policies", headers=api.h("platform")).json()["items"]) == before  # nothing stored


def test_I12_a_policy_text_over_the_bound_is_refused_before_it_is_parsed(api: Api) -> None:
    from warden.policy import MAX_POLICY_CHARS

    r = api.c.post("/v1/policies", json={"text": "#" * (MAX_POLICY_CHARS + 1)}, headers=api.h("platform"))
    assert fields(r) == ["text"]


def test_S16_single_events_without_dependencies_are_still_checked_at_the_edge_before_the_body(api: Api) -> None:
    # `POST /v1/events` takes its caller with `principal_of`, not `PrincipalDep` (issue 16): the guard must still
    # refuse a missing or bad token before reading a byte, every time (its route lookup is remembered per path)
    huge = {"content-type": "application/json", "content-length": str(200 * 1024 * 1024)}
    chunk = [b"{" + b" " * 65536] * 3200
    for _ in range(2):
        assert call(api.app, "POST", "/v1/events", huge, chunk) == (401, 0)
        bad = huge | {"authorization": "Bearer wdn_not_a_token"}
        assert call(api.app, "POST", "/v1/events", bad, chunk) == (401, 0)
    assert call(api.app, "GET", "/v1/events", huge, chunk) == (405, 0)  # the same path, a method no route takes
    token = {"authorization": f"Bearer {api.tokens['platform']}", "content-type": "application/json"}
    assert call(api.app, "POST", "/v1/events", token, [b"{}"])[0] == 422  # past the edge: the body's problems
