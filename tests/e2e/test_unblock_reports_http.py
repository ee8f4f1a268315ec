"""S-D4 over HTTP (issue 15, item 1): the platform reports after the fact that an unblock went through a third-party
platform; the unblock is judged again at once and reversed, told to both sides; only the platform may report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.conftest import World
from tests.e2e.test_unblock_http import api, bearer, client  # noqa: F401 (the fixture)
from tests.unblock_support import CLEAN, token_from
from warden.kernel.access import Role
from warden.unblock.senders import MemorySender

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def lifted_with_a_friend(world: World, api: TestClient, sender: MemorySender) -> str:  # noqa: F811
    me = bearer(world, Role.MEMBER, "acc-1")
    app_id: str = api.post("/v1/unblocks", headers=me).json()["id"]
    api.post(f"/v1/unblocks/{app_id}/health-check", headers=me, json=CLEAN)
    api.post(f"/v1/unblocks/{app_id}/helpers", headers=me, json={"helper_ids": ["acc-h"]})
    token = token_from(sender, world.w.enforcement.get_account("acc-h").phone)
    r = api.post(
        f"/v1/helper-confirmations/{token}", headers=bearer(world, Role.MEMBER, "acc-h"), json={"device_id": "hp"}
    )
    assert r.status_code == 200 and api.get(f"/v1/unblocks/{app_id}", headers=me).json()["state"] == "lifted"
    return app_id


def test_S_D4_the_platform_reports_a_third_party_unblock_and_it_is_reversed(world: World, api: TestClient) -> None:  # noqa: F811
    sender = MemorySender()
    world.w.unblocking.sender = sender
    app_id = lifted_with_a_friend(world, api, sender)
    platform = bearer(world, Role.PLATFORM)
    body = {"account_id": "acc-1", "platform": "快解封", "note": "order 8812 on the shop's site"}
    assert api.post("/v1/unblock-reports", headers=bearer(world, Role.MEMBER, "acc-1"), json=body).status_code == 403
    assert api.post("/v1/unblock-reports", headers=bearer(world, Role.REVIEWER), json=body).status_code == 403
    r = api.post("/v1/unblock-reports?lang=en", headers=platform, json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["created"] is True and out["report"]["application_id"] == app_id
    assert out["report"]["platform"] == "快解封" and r.headers["Location"] == f"/v1/unblocks/{app_id}"
    assert out["application"]["state"] == "reversed"
    [signal] = out["application"]["abnormal"]["signals"]
    assert signal["code"] == "signal.third_party_report" and "快解封" in signal["text"]
    again = api.post("/v1/unblock-reports", headers=platform, json=body)
    assert again.status_code == 200 and again.json()["created"] is False  # the same report, stored once
    # both sides are told
    for aid in ("acc-1", "acc-h"):
        msg = sender.last_to(world.w.enforcement.get_account(aid).phone)
        assert "快解封" in msg and "abnormal" in msg
    helper = api.get("/v1/helper-requests?lang=en", headers=bearer(world, Role.MEMBER, "acc-h")).json()["items"][0]
    assert helper["reversal"]["signals"][0]["code"] == "signal.third_party_report"
    expl = api.get("/v1/accounts/acc-1/explanation", headers=bearer(world, Role.MEMBER, "acc-1")).json()
    assert expl["can_login"] is False
    audit = world.w.enforcement.audit_verify()
    assert audit.ok


def test_S_D4_a_report_names_what_is_wrong_in_words(world: World, api: TestClient) -> None:  # noqa: F811
    platform = bearer(world, Role.PLATFORM)
    r = api.post("/v1/unblock-reports", headers=platform, json={"account_id": "acc-1"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "platform"
    r = api.post("/v1/unblock-reports", headers=platform, json={"account_id": "nobody", "platform": "X"})
    assert r.status_code == 404
    r = api.post("/v1/unblock-reports", headers=platform, json={"account_id": "acc-1", "platform": "X"})
    assert r.status_code == 409 and "no lifted unblock" in r.json()["detail"]  # nothing was unblocked yet
    other = api.post("/v1/unblocks", headers=platform, json={"account_id": "acc-1"}).json()["id"]
    r = api.post(
        "/v1/unblock-reports",
        headers=platform,
        json={"account_id": "acc-other", "platform": "X", "application_id": other},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "application_id"
    r = api.post(
        "/v1/unblock-reports",
        headers=platform,
        json={"account_id": "acc-1", "platform": "X", "occurred_at": "2999-01-01T00:00:00+00:00"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "occurred_at"
