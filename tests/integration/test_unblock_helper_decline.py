"""S-D2 (issue 14): a helper declines a friend-assist request; the requester reads why; the code is spent.
Through the service on both databases, and once over HTTP."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import World
from tests.unblock_support import PLATFORM, member, plugin_ban, ready, relate, service, token_from
from warden.adapters import tables as t
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role
from warden.kernel.errors import Conflict, Forbidden, NotFound


@pytest.fixture
def asked(world: World) -> World:
    """acc-1 is plug-in banned, applied, and named acc-h (an old friend who talks) as helper."""
    plugin_ban(world)
    world.account("acc-h", age_days=400)
    world.account("acc-o", age_days=400)
    relate(world, "acc-1", "acc-h")
    world.clock.advance(days=1, hours=1)
    return world


def test_S_D2_a_helper_declines_and_the_requester_reads_why_and_the_code_no_longer_works(asked: World) -> None:
    svc, sender = service(asked)
    app_id = ready(asked, svc)
    svc.nominate(member("acc-1"), app_id, ["acc-h"])
    token = token_from(sender, asked.w.enforcement.get_account("acc-h").phone)
    (req,) = svc.helper_requests(member("acc-h"))
    assert req["state"] == "pending" and req["id"]
    out = svc.decline(member("acc-h"), req["id"], "zh")
    assert out["state"] == "declined" and out["refusals"][0]["code"] == "helper.declined"
    assert "婉拒" in out["refusals"][0]["text"] and out["requester_id"] == "acc-1"
    seen = svc.view(PLATFORM, app_id, "en")
    (h,) = seen["verification"]["helpers"]
    assert h["state"] == "declined" and "declined" in h["refusals"][0]["text"]
    assert seen["state"] == "awaiting_verification"  # nothing lifted; another helper may still be named
    with pytest.raises(NotFound):
        svc.confirm(member("acc-h"), token)  # the code died with the request
    with pytest.raises(Conflict):
        svc.decline(member("acc-h"), req["id"])  # once only
    with asked.w.engine.connect() as c:
        log = t.audit_log
        rows = c.execute(sa.select(log.c.action, log.c.subject).order_by(log.c.seq)).all()
    assert [tuple(r) for r in rows if r.action.startswith("unblock.helper_")][-1] == (
        "unblock.helper_declined",
        "account:acc-h",
    )


def test_S_D2_only_the_named_helper_or_the_platform_may_decline(asked: World) -> None:
    svc, _ = service(asked)
    app_id = ready(asked, svc)
    svc.nominate(member("acc-1"), app_id, ["acc-h"])
    (req,) = svc.helper_requests(member("acc-h"))
    for other in (member("acc-o"), member("acc-1")):
        with pytest.raises(Forbidden):
            svc.decline(other, req["id"])
    with pytest.raises(Forbidden):
        svc.decline(member("acc-o"), "no-such-request")  # out of scope: no hint whether it exists
    with pytest.raises(NotFound):
        svc.decline(PLATFORM, "no-such-request")
    assert svc.decline(PLATFORM, req["id"])["state"] == "declined"


def test_S_D2_a_helper_declines_over_http_and_a_second_decline_is_a_409(asked: World) -> None:
    svc, _ = service(asked)
    app_id = ready(asked, svc)
    svc.nominate(member("acc-1"), app_id, ["acc-h"])
    secret = asked.w.tokens.create(Role.MEMBER, account_id="acc-h")[1]
    auth = {"Authorization": f"Bearer {secret}"}
    with TestClient(create_app(asked.w)) as client:
        (req,) = client.get("/v1/helper-requests", headers=auth).json()["items"]
        r = client.post(f"/v1/helper-requests/{req['id']}/decline?lang=en", headers=auth)
        assert r.status_code == 200 and r.json()["state"] == "declined"
        again = client.post(f"/v1/helper-requests/{req['id']}/decline", headers=auth)
        assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
