"""Issue 10 over real HTTP: Idempotency-Key reuse is a 409 naming the key on every endpoint that takes one, a
reviewer imposes a severity (permanent with four eyes), PUT profile edits count as events, and restriction
histories (enterprise and account) are readable, typed and paged, naming their triggering events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.api_support import Api, desk_on_disk, serving
from tests.conftest import World
from warden.adapters import tables as t
from warden.app import App
from warden.kernel.access import Role


@pytest.fixture
def api(world: World, warden: App, tmp_path: Path) -> Iterator[Api]:
    desk_on_disk(warden, tmp_path / "docs")
    world.account("acc-2")
    world.enterprise("ent-2")
    world.account("acc-o", "ent-2")
    tokens = {
        "reviewer_a": warden.tokens.create(Role.REVIEWER)[1],
        "reviewer_b": warden.tokens.create(Role.REVIEWER)[1],
        "platform": warden.tokens.create(Role.PLATFORM)[1],
        "auditor": warden.tokens.create(Role.AUDITOR)[1],
        "admin": warden.tokens.create(Role.ENTERPRISE_ADMIN, "ent-1")[1],
        "hr": warden.tokens.create(Role.HR, "ent-1")[1],
        "other_admin": warden.tokens.create(Role.ENTERPRISE_ADMIN, "ent-2")[1],
        "member": warden.tokens.create(Role.MEMBER, account_id="acc-1")[1],
        "member2": warden.tokens.create(Role.MEMBER, account_id="acc-2")[1],
    }
    with serving(warden, tokens) as api:
        yield api


def _is_key_problem(r: object, key: str) -> dict:
    assert r.status_code == 409, r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    p = r.json()  # type: ignore[attr-defined]
    assert p["type"] == "https://warden.dev/problems/idempotency-key-reused" and p["status"] == 409
    assert repr(key) in p["detail"] and p["errors"][0]["field"] == "Idempotency-Key"
    return p


def _count(warden: App, table: sa.Table) -> int:
    with warden.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


# --- item 8: Idempotency-Key reused with a different body -------------------------------------------------------


def test_S_D6_appeal_idempotency_key_reused_with_a_different_body_is_409_and_stores_nothing(
    api: Api, warden: App
) -> None:
    r = api.c.post(
        "/v1/enterprises/ent-1/restrictions", headers=api.h("reviewer_a"), json={"severity": "M", "reason": "spam"}
    )
    body = {"strike_id": r.json()["strike_id"], "statement": "我司资质齐全，请求解封"}
    first = api.c.post("/v1/appeals", headers=api.h("admin", **{"Idempotency-Key": "k1"}), json=body)
    assert first.status_code == 201
    same = api.c.post("/v1/appeals", headers=api.h("admin", **{"Idempotency-Key": "k1"}), json=body)
    assert same.status_code == 200 and same.json()["id"] == first.json()["id"]
    other = body | {"statement": "换个说法"}
    p = _is_key_problem(
        api.c.post("/v1/appeals", headers=api.h("admin", **{"Idempotency-Key": "k1"}), json=other), "k1"
    )
    assert [e["field"] for e in p["errors"]] == ["Idempotency-Key", "statement"]
    assert _count(warden, t.appeals) == 1


def test_S_D3_unblock_idempotency_key_reused_for_another_account_is_409(api: Api, world: World, warden: App) -> None:
    world.send(*[world.phone_search() for _ in range(21)])  # acc-1 restricted
    h = api.h("platform", **{"Idempotency-Key": "u1"})
    first = api.c.post("/v1/unblocks", headers=h, json={"account_id": "acc-1"})
    assert first.status_code == 201, first.text
    assert api.c.post("/v1/unblocks", headers=h, json={"account_id": "acc-1"}).status_code == 200
    p = _is_key_problem(api.c.post("/v1/unblocks", headers=h, json={"account_id": "acc-2"}), "u1")
    assert p["errors"][1]["field"] == "account_id"
    assert _count(warden, t.unblock_applications) == 1


def test_S_E1_violation_report_idempotency_key_reused_with_a_different_report_is_409(
    api: Api, world: World, warden: App
) -> None:
    url = "/v1/enterprises/ent-1/violation-reports"
    body = {
        "account_id": "acc-1",
        "category": "conduct",
        "description": "shared a customer list",
        "observed_at": world.clock.now().isoformat(),
    }
    h = api.h("member2", **{"Idempotency-Key": "v1"})
    assert api.c.post(url, headers=h, json=body).status_code == 201
    assert api.c.post(url, headers=h, json=body).status_code == 200
    entries = _count(warden, t.case_entries)
    p = _is_key_problem(api.c.post(url, headers=h, json=body | {"severity": "high"}), "v1")
    assert [e["field"] for e in p["errors"]] == ["Idempotency-Key", "severity"]
    _is_key_problem(api.c.post(url, headers=h, json=body | {"description": "something else"}), "v1")
    assert _count(warden, t.case_entries) == entries


# --- item 11: a reviewer imposes a severity ---------------------------------------------------------------------


def test_S_C4_a_permanent_strike_over_http_is_proposed_then_confirmed_by_another_reviewer(api: Api) -> None:
    url = "/v1/accounts/acc-1/strikes?lang=en"
    r = api.c.post(url, headers=api.h("reviewer_a"), json={"severity": "S", "reason": "sold plug-ins"})
    assert r.status_code == 202, r.text
    prop = r.json()
    assert prop["status"] == "proposed" and prop["four_eyes"] and prop["step"] == 5 and prop["strike"] is None
    queue = api.c.get("/v1/review-queue", headers=api.h("reviewer_b")).json()["items"]
    assert f"flag:{prop['case_id']}" in [i["case_id"] for i in queue]
    confirm = f"/v1/strike-proposals/{prop['case_id']}/confirmation?lang=en"
    own = api.c.post(confirm, headers=api.h("reviewer_a"), json={"agree": True})
    assert own.status_code == 403 and "four eyes" in own.json()["detail"]
    assert api.c.post(confirm, headers=api.h("platform"), json={"agree": True}).status_code == 403
    done = api.c.post(confirm, headers=api.h("reviewer_b"), json={"agree": True, "note": "evidence seen"})
    assert done.status_code == 200, done.text
    out = done.json()
    assert out["status"] == "issued" and out["confirmed_by"] and out["strike"]["step"] == 5
    assert out["restriction"]["scope"] == "account" and out["restriction"]["event_ids"] == []
    assert api.c.post(confirm, headers=api.h("reviewer_b"), json={"agree": True}).status_code == 409
    claim = api.c.post(f"/v1/flags/{prop['case_id']}/claim", headers=api.h("reviewer_b"))
    assert claim.status_code == 409  # the case is closed
    me = api.c.get("/v1/accounts/acc-1/explanation?lang=en", headers=api.h("member")).json()
    assert me["state"] == "banned" and me["restrictions"][0]["reason_text"] == "reviewer action: sold plug-ins"


def test_S_C4_over_http_a_second_permanent_ban_proposal_is_409_and_only_one_ban_is_confirmed(api: Api) -> None:
    url = "/v1/accounts/acc-1/strikes?lang=en"
    while True:  # escalate with M strikes until one comes back proposed
        r = api.c.post(url, headers=api.h("reviewer_a"), json={"severity": "M", "reason": "repeated abuse"})
        assert r.status_code in (201, 202), r.text
        if r.status_code == 202:
            break
    first = r.json()["case_id"]
    again = api.c.post(url, headers=api.h("reviewer_a"), json={"severity": "S", "reason": "sold plug-ins"})
    assert again.status_code == 409 and first in again.json()["detail"]
    confirm = f"/v1/strike-proposals/{first}/confirmation?lang=en"
    assert api.c.post(confirm, headers=api.h("reviewer_b"), json={"agree": True}).status_code == 200
    after = api.c.post(url, headers=api.h("reviewer_a"), json={"severity": "S", "reason": "sold plug-ins"})
    assert after.status_code == 409 and "already permanently banned" in after.json()["detail"]


def test_S_C4_manual_strike_over_http_roles_fields_and_idempotency(api: Api) -> None:
    url = "/v1/accounts/acc-1/strikes"
    body = {"severity": "M", "reason": "harassment confirmed"}
    assert api.c.post(url, headers=api.h("member"), json=body).status_code == 403
    assert api.c.post(url, headers=api.h("admin"), json=body).status_code == 403
    bad = api.c.post(url, headers=api.h("reviewer_a"), json={"severity": "Q", "reason": "ok!"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "severity"
    missing = api.c.post(url, headers=api.h("reviewer_a"), json={"severity": "M"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    assert api.c.post("/v1/accounts/nobody/strikes", headers=api.h("reviewer_a"), json=body).status_code == 404
    h = api.h("platform", **{"Idempotency-Key": "m1"})
    first = api.c.post(url, headers=h, json=body)
    assert first.status_code == 201 and first.json()["strike"]["severity"] == "M"
    again = api.c.post(url, headers=h, json=body)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["strike"]["id"] == first.json()["strike"]["id"]
    _is_key_problem(api.c.post(url, headers=h, json=body | {"reason": "something else"}), "m1")
    assert len(api.c.get("/v1/accounts/acc-1/restrictions", headers=api.h("auditor")).json()["items"]) == 1


# --- item 12: PUT profile edits count as profile_change events -------------------------------------------------


def test_S_B1_put_account_profile_edits_are_stored_as_profile_change_events(api: Api, warden: App) -> None:
    acc = api.c.get("/v1/accounts/acc-1", headers=api.h("platform")).json()
    body = {k: v for k, v in acc.items() if k != "id"} | {"nickname": "new-name", "avatar": None}
    r = api.c.put("/v1/accounts/acc-1", headers=api.h("platform"), json=body)
    assert r.status_code == 200 and r.json()["nickname"] == "new-name" and r.json()["avatar"] is None
    assert api.c.put("/v1/accounts/acc-1", headers=api.h("platform"), json=body).status_code == 200
    with warden.engine.connect() as c:
        rows = c.execute(sa.select(t.events.c.type, t.events.c.payload).order_by(t.events.c.payload)).all()
    assert [r.type for r in rows] == ["profile_change", "profile_change"]
    assert {'"field":"avatar"' in r.payload or '"field":"nickname"' in r.payload for r in rows} == {True}
    bad = api.c.put("/v1/accounts/acc-1", headers=api.h("platform"), json=body | {"enterprise_id": "nope"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "enterprise_id"


# --- restriction histories ------------------------------------------------------------------------------------


def test_S_C2_enterprise_restriction_history_over_http_with_access_paging_and_schema(api: Api, world: World) -> None:
    first = api.c.post(
        "/v1/enterprises/ent-1/restrictions", headers=api.h("reviewer_a"), json={"severity": "M", "reason": "spam"}
    ).json()
    world.clock.advance(hours=1)
    lifting = api.c.post(
        f"/v1/restrictions/{first['id']}/lifting", headers=api.h("reviewer_a"), json={"reason": "fixed"}
    ).json()  # an enterprise ban: a different person confirms (issue 12)
    api.c.post(
        f"/v1/ban-ending-proposals/{lifting['id']}/confirmation", headers=api.h("reviewer_b"), json={"agree": True}
    )
    world.clock.advance(hours=1)
    second = api.c.post(
        "/v1/enterprises/ent-1/restrictions", headers=api.h("reviewer_b"), json={"severity": "M", "reason": "again"}
    ).json()
    url = "/v1/enterprises/ent-1/restrictions"
    for who in ("platform", "reviewer_a", "auditor", "admin"):
        assert api.c.get(url, headers=api.h(who)).status_code == 200, who
    for who in ("other_admin", "member", "hr"):  # issue 15: the admin and the platform roles only
        assert api.c.get(url, headers=api.h(who)).status_code == 403, who
    assert api.c.get("/v1/enterprises/ghost/restrictions", headers=api.h("admin")).status_code == 403
    assert api.c.get("/v1/enterprises/ghost/restrictions", headers=api.h("reviewer_a")).status_code == 404
    page = api.c.get(url + "?limit=1&lang=en", headers=api.h("admin")).json()
    [newest] = page["items"]
    assert newest["id"] == second["id"] and newest["active"] and newest["evidence"]["note"] == "again"
    assert newest["severity"] == "M" and newest["reason_text"] == "reviewer action: again"
    older = api.c.get(url + f"?limit=1&cursor={page['next_cursor']}", headers=api.h("admin")).json()
    assert [i["id"] for i in older["items"]] == [first["id"]] and older["next_cursor"] is None
    assert older["items"][0]["lifted_at"] and older["items"][0]["lift_reason"] == "fixed"
    assert not older["items"][0]["active"]
    bad = api.c.get(url + "?cursor=zzz", headers=api.h("admin"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    assert api.c.get(url + "?limit=501", headers=api.h("admin")).status_code == 422
    schema = api.c.get("/openapi.json").json()
    op = schema["paths"]["/v1/enterprises/{enterprise_id}/restrictions"]["get"]
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/RestrictionPage")
    assert "event_ids" in schema["components"]["schemas"]["RestrictionOut"]["properties"]


def test_S_A7_account_restrictions_and_explanation_name_the_triggering_events(api: Api, world: World) -> None:
    evs = [world.phone_search() for _ in range(21)]
    world.send(*evs)
    items = api.c.get("/v1/accounts/acc-1/restrictions", headers=api.h("member")).json()["items"]
    assert items[0]["event_ids"][0] == evs[-1]["id"] and evs[1]["id"] in items[0]["event_ids"]
    me = api.c.get("/v1/accounts/acc-1/explanation", headers=api.h("member")).json()
    assert me["restrictions"][0]["event_ids"] == items[0]["event_ids"]
    assert me["strikes"][0]["event_id"] == evs[-1]["id"]
