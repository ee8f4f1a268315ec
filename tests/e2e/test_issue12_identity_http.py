"""One person, one identity (issue 12, items 3, 4 and the token part of 11), over real HTTP on both databases:
four eyes compares people, not tokens; no side door ends a permanent or an enterprise ban with one person; tokens
expire, are listed, record their last use, and a revocation holds at once in every process."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import World, build
from warden.app import App
from warden.appeals.document_store import LocalDocumentStore
from warden.appeals.notifier import MemoryNotifier
from warden.appeals.service import Appeals
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role
from warden.kernel.clock import FixedClock

with warnings.catch_warnings():  # starlette deprecates its httpx-based client; pytest makes warnings errors
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient


class Api:
    def __init__(self, client: TestClient, warden: App) -> None:
        self.c = client
        self.w = warden
        self.tokens: dict[str, str] = {}

    def token(self, name: str, role: Role, person: str | None = None, **kw: object) -> str:
        self.tokens[name] = self.w.tokens.create(role, person=person, label=name, **kw)[1]  # type: ignore[arg-type]
        return self.tokens[name]

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def api(world: World, warden: App, tmp_path: Path) -> Iterator[Api]:
    warden.appeals = Appeals(
        warden.uow, warden.enforcement, warden.rules, LocalDocumentStore(tmp_path / "docs"), MemoryNotifier()
    )
    with TestClient(create_app(warden)) as client:
        a = Api(client, warden)
        a.token("zhang-laptop", Role.REVIEWER, "zhang")
        a.token("zhang-phone", Role.REVIEWER, "zhang")
        a.token("li", Role.REVIEWER, "li")
        a.token("platform", Role.PLATFORM, "crm-integration")
        a.token("zhang-platform", Role.PLATFORM, "zhang")
        a.token("auditor", Role.AUDITOR, "wang")
        a.tokens["member"] = warden.tokens.create(Role.MEMBER, account_id="acc-1")[1]
        yield a


def permanent_ban(api: Api, account: str = "acc-1") -> dict[str, Any]:
    """A class-S strike on the account: proposed by zhang, confirmed by li (a permanent ban, step 5)."""
    body = {"severity": "S", "reason": "fraud ring, confirmed by two"}
    prop = api.c.post(f"/v1/accounts/{account}/strikes", headers=api.h("zhang-laptop"), json=body)
    assert prop.status_code == 202, prop.text
    done = api.c.post(
        f"/v1/strike-proposals/{prop.json()['case_id']}/confirmation", headers=api.h("li"), json={"agree": True}
    )
    assert done.status_code == 200 and done.json()["strike"]["step"] == 5, done.text
    out: dict[str, Any] = done.json()
    return out


def can_login(api: Api, account: str = "acc-1") -> bool:
    return bool(api.c.get(f"/v1/accounts/{account}/explanation", headers=api.h("li")).json()["can_login"])


def permanent(api: Api, restriction_id: str) -> bool:
    [r] = [r for r in api.w.enforcement.subject("acc-1").restrictions if r.id == restriction_id]
    return r.permanent


def login_allowed(world: World, account: str = "acc-1") -> bool | None:
    login = world.event("login", account, device_id=f"dev-{account}", client_version="4.1.30")
    return world.send(login).outcomes[0].allowed  # type: ignore[no-any-return]


# --- item 3: four eyes per person ---------------------------------------------------------------------------------


def test_two_tokens_of_one_person_cannot_propose_and_confirm_overturning_a_permanent_ban(api: Api) -> None:
    """The issue's example: zhang's two tokens propose and confirm an overturn → 403; li confirms → overturned."""
    strike = permanent_ban(api)["strike"]["id"]
    r = api.c.post("/v1/appeals", headers=api.h("member"), json={"strike_id": strike, "statement": "我没有违规"})
    assert r.status_code == 201
    appeal = r.json()["id"]
    assert api.c.post(f"/v1/appeals/{appeal}/claim", headers=api.h("zhang-laptop")).status_code == 200
    decision = {"outcome": "overturn", "reason_code": "rule_misfired"}
    r = api.c.post(f"/v1/appeals/{appeal}/decision", headers=api.h("zhang-laptop"), json=decision)
    assert r.status_code == 200 and r.json()["stage"] == "second_review"

    r = api.c.post(f"/v1/appeals/{appeal}/confirmation", headers=api.h("zhang-phone"), json={"agree": True})
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    assert "四眼原则" in r.json()["detail"] and "任何令牌" in r.json()["detail"]
    assert api.c.post(f"/v1/appeals/{appeal}/claim", headers=api.h("zhang-phone")).status_code == 409
    assert not can_login(api)

    assert api.c.post(f"/v1/appeals/{appeal}/claim", headers=api.h("li")).status_code == 200
    r = api.c.post(f"/v1/appeals/{appeal}/confirmation", headers=api.h("li"), json={"agree": True})
    assert r.status_code == 200 and r.json()["status"] == "overturned"
    assert can_login(api)
    entries = api.c.get("/v1/audit/entries?limit=500", headers=api.h("auditor")).json()["items"]
    decided = next(e for e in entries if e["action"] == "appeal.decided")
    assert decided["data"]["decided_by"] == "reviewer:zhang" and decided["data"]["confirmed_by"] == "reviewer:li"


def test_a_permanent_strike_requested_with_one_role_is_not_confirmed_by_the_same_person_in_another(api: Api) -> None:
    body = {"severity": "S", "reason": "account sold to a spam ring"}
    prop = api.c.post("/v1/accounts/acc-1/strikes", headers=api.h("zhang-platform"), json=body)
    assert prop.status_code == 202 and prop.json()["requested_by"] == "platform:zhang"
    confirm = f"/v1/strike-proposals/{prop.json()['case_id']}/confirmation"
    for same in ("zhang-laptop", "zhang-phone"):
        r = api.c.post(confirm, headers=api.h(same), json={"agree": True})
        assert r.status_code == 403 and "四眼原则" in r.json()["detail"], same
    r = api.c.post(confirm, headers=api.h("li"), json={"agree": True})
    assert r.status_code == 200 and r.json()["status"] == "issued" and r.json()["confirmed_by"] == "reviewer:li"


# --- item 4: no side door around four eyes ------------------------------------------------------------------------


def test_a_reviewers_lift_of_a_permanent_ban_is_only_proposed_until_a_different_person_confirms(
    api: Api, world: World
) -> None:
    """The issue's example: a reviewer's lifting of a step-5 ban with a reason no longer lets the next login in."""
    restriction = permanent_ban(api)["restriction"]["id"]
    r = api.c.post(f"/v1/restrictions/{restriction}/lifting", headers=api.h("zhang-laptop"), json={"reason": "sorry"})
    assert r.status_code == 202, r.text
    proposal = r.json()
    assert proposal["status"] == "proposed" and proposal["bans"] == [restriction]
    assert proposal["target"] == f"restriction:{restriction}" and proposal["requested_by"] == "reviewer:zhang"
    assert not can_login(api)
    assert login_allowed(world) is False  # the platform's next login event: still refused
    again = api.c.post(f"/v1/restrictions/{restriction}/lifting", headers=api.h("li"), json={"reason": "me too"})
    assert again.status_code == 409 and proposal["id"] in again.json()["detail"]

    confirm = f"/v1/ban-ending-proposals/{proposal['id']}/confirmation"
    r = api.c.post(confirm, headers=api.h("zhang-phone"), json={"agree": True})
    assert r.status_code == 403 and "四眼原则" in r.json()["detail"]
    assert api.c.post(confirm, headers=api.h("platform"), json={"agree": True}).status_code == 403  # reviewers only
    assert not can_login(api)
    r = api.c.post(confirm, headers=api.h("li"), json={"agree": True, "note": "checked the evidence"})
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["confirmed_by"] == "reviewer:li"
    assert can_login(api) and login_allowed(world) is True
    assert api.c.post(confirm, headers=api.h("li"), json={"agree": True}).status_code == 409
    seen = api.c.get(f"/v1/ban-ending-proposals/{proposal['id']}", headers=api.h("auditor")).json()
    assert seen["status"] == "done" and seen["note"] == "checked the evidence"
    # issue 14: people read the holders' names beside the raw actors
    assert (seen["requested_by_label"], seen["confirmed_by_label"]) == ("zhang", "li")
    assert api.c.get(f"/v1/ban-ending-proposals/{proposal['id']}", headers=api.h("member")).status_code == 403


def test_voiding_a_permanent_strike_is_only_proposed_and_a_decline_leaves_the_ban(api: Api) -> None:
    strike = permanent_ban(api)["strike"]["id"]
    body = {"status": "voided", "reason": "the rule misfired"}
    r = api.c.post(f"/v1/strikes/{strike}/status", headers=api.h("zhang-laptop"), json=body)
    assert r.status_code == 202 and r.json()["action"] == "voided" and r.json()["target"] == f"strike:{strike}"
    confirm = f"/v1/ban-ending-proposals/{r.json()['id']}/confirmation"
    r = api.c.post(confirm, headers=api.h("li"), json={"agree": False, "note": "the evidence holds"})
    assert r.status_code == 200 and r.json()["status"] == "declined"
    assert not can_login(api)
    assert api.w.enforcement.audit_verify().ok


def escalated_to_a_permanent_ban(api: Api, world: World) -> tuple[str, str]:
    """Five medium strikes a minute apart, the last escalating to the top (four eyes): (first strike, the ban)."""
    rid = ""
    for _ in range(5):
        out = api.c.post(
            "/v1/accounts/acc-1/strikes", headers=api.h("zhang-laptop"), json={"severity": "M", "reason": "spam"}
        )
        if out.status_code == 202:  # the fifth escalates to the top: four eyes
            out = api.c.post(
                f"/v1/strike-proposals/{out.json()['case_id']}/confirmation", headers=api.h("li"), json={"agree": True}
            )
        rid = out.json()["restriction"]["id"]
        world.clock.advance(minutes=1)
    subject = api.w.enforcement.subject("acc-1")
    first = min(subject.strikes, key=lambda s: s.at)
    top = max(subject.restrictions, key=lambda r: r.step)
    assert top.id == rid and top.permanent and first.step < 5
    return first.id, top.id


def test_voiding_an_earlier_strike_that_would_re_step_a_permanent_ban_needs_a_second_person(
    api: Api, world: World
) -> None:
    """The ladder is recomputed after a void: the step-5 strike would fall to step 4 and the ban become temporary."""
    first_id, top_id = escalated_to_a_permanent_ban(api, world)
    body = {"status": "voided", "reason": "duplicate"}
    r = api.c.post(f"/v1/strikes/{first_id}/status", headers=api.h("zhang-laptop"), json=body)
    assert r.status_code == 202 and r.json()["bans"] == [top_id]
    assert not can_login(api)
    r = api.c.post(f"/v1/ban-ending-proposals/{r.json()['id']}/confirmation", headers=api.h("li"), json={"agree": True})
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert not permanent(api, top_id) and api.w.enforcement.audit_verify().ok  # now step 4: 30 days, not for ever


def test_overturning_an_earlier_strike_on_appeal_that_would_end_a_permanent_ban_takes_two_people(
    api: Api, world: World
) -> None:
    """The appeals desk's four eyes looked only at the appealed strike; the re-step of a later ban counts too."""
    first_id, top_id = escalated_to_a_permanent_ban(api, world)
    r = api.c.post("/v1/appeals", headers=api.h("member"), json={"strike_id": first_id, "statement": "误判"})
    appeal = r.json()["id"]
    assert api.c.post(f"/v1/appeals/{appeal}/claim", headers=api.h("zhang-laptop")).status_code == 200
    decision = {"outcome": "overturn", "reason_code": "rule_misfired"}
    r = api.c.post(f"/v1/appeals/{appeal}/decision", headers=api.h("zhang-laptop"), json=decision)
    assert r.status_code == 200 and r.json()["stage"] == "second_review"
    assert permanent(api, top_id)
    assert api.c.post(f"/v1/appeals/{appeal}/claim", headers=api.h("li")).status_code == 200
    r = api.c.post(f"/v1/appeals/{appeal}/confirmation", headers=api.h("li"), json={"agree": True})
    assert r.status_code == 200 and r.json()["status"] == "overturned" and not permanent(api, top_id)


def test_lifting_an_enterprise_ban_needs_a_second_person_and_an_ordinary_lift_is_done_at_once(
    api: Api, world: World
) -> None:
    ent = api.c.post(
        "/v1/enterprises/ent-1/restrictions", headers=api.h("zhang-laptop"), json={"severity": "S", "reason": "fraud"}
    ).json()
    r = api.c.post(f"/v1/restrictions/{ent['id']}/lifting", headers=api.h("zhang-laptop"), json={"reason": "resolved"})
    assert r.status_code == 202 and r.json()["subject"] == "enterprise:ent-1"
    assert not can_login(api)

    world.account("acc-2")
    world.send(*[world.phone_search("acc-2") for _ in range(21)])  # S-A1: an ordinary, temporary restriction
    [ordinary] = [r for r in api.w.enforcement.subject("acc-2").restrictions if r.subject_type == "account"]
    r = api.c.post(
        f"/v1/restrictions/{ordinary.id}/lifting", headers=api.h("zhang-laptop"), json={"reason": "resolved"}
    )
    assert r.status_code == 200 and r.json()["id"] == ordinary.id and r.json()["lift_reason"] == "resolved"


def test_a_proposal_to_end_a_ban_is_not_closed_from_the_review_queue(api: Api) -> None:
    restriction = permanent_ban(api)["restriction"]["id"]
    r = api.c.post(f"/v1/restrictions/{restriction}/lifting", headers=api.h("zhang-laptop"), json={"reason": "x" * 5})
    flag = r.json()["id"]
    queue = api.c.get("/v1/review-queue", headers=api.h("li")).json()["items"]
    assert any(i.get("flag_id") == flag and i["rule"] == "ban_ending" for i in queue)
    assert api.c.post(f"/v1/flags/{flag}/claim", headers=api.h("li")).status_code == 200
    r = api.c.post(
        f"/v1/flags/{flag}/resolution", headers=api.h("li"), json={"outcome": "actioned", "note": "done by hand"}
    )
    assert r.status_code == 409 and "ban-ending-proposals" in r.json()["detail"]


# --- item 11: tokens expire, are listed, record their last use, revoked at once everywhere -----------------------


def test_an_expired_token_is_refused_with_a_401_saying_when_it_expired(api: Api, world: World) -> None:
    short = api.token("short", Role.AUDITOR, "wang", expires_in=timedelta(hours=1))
    assert api.c.get("/v1/audit/entries", headers={"Authorization": f"Bearer {short}"}).status_code == 200
    world.clock.advance(hours=1)
    r = api.c.get("/v1/audit/entries?lang=en", headers={"Authorization": f"Bearer {short}"})
    assert r.status_code == 401 and "expired at" in r.json()["detail"]
    r = api.c.get("/v1/audit/entries", headers={"Authorization": f"Bearer {short}"})  # zh by default
    assert r.status_code == 401 and "过期" in r.json()["detail"]
    assert api.c.get("/v1/audit/entries", headers=api.h("auditor")).status_code == 200  # 90 days by default
    bogus = api.c.get("/v1/audit/entries?lang=en", headers={"Authorization": "Bearer wdn_nope_nope"})
    assert bogus.status_code == 401 and "unknown" in bogus.json()["detail"]


def test_tokens_are_listed_for_the_platform_with_person_life_and_last_use_never_the_secret(
    api: Api, world: World
) -> None:
    api.c.get("/v1/policy", headers=api.h("zhang-phone"))
    r = api.c.get("/v1/tokens?limit=500", headers=api.h("platform"))
    assert r.status_code == 200
    items = {t["label"]: t for t in r.json()["items"]}
    phone = items["zhang-phone"]
    assert phone["person"] == "zhang" and phone["role"] == "reviewer" and phone["state"] == "active"
    assert phone["last_used_at"] is not None and items["li"]["last_used_at"] is None
    assert phone["expires_at"] > phone["created_at"] and phone["revoked_at"] is None
    assert not any(secret in r.text for secret in api.tokens.values()) and "secret" not in r.text
    for who in ("li", "auditor", "member"):
        assert api.c.get("/v1/tokens", headers=api.h(who)).status_code == 403, who
    page = api.c.get("/v1/tokens?limit=2", headers=api.h("platform")).json()
    rest = api.c.get(f"/v1/tokens?limit=500&cursor={page['next_cursor']}", headers=api.h("platform")).json()
    assert len(page["items"]) + len(rest["items"]) == len(items)


def test_a_revocation_and_a_disabled_person_hold_at_once_in_every_process(
    api: Api, world: World, db_url: str, clock: FixedClock
) -> None:
    """Two servers on one database: what one revokes, the other refuses at its very next request."""
    other = build(db_url, clock)
    try:
        with TestClient(create_app(other)) as second:
            for client in (api.c, second):  # both have answered (and, before issue 12, cached) the token
                assert client.get("/v1/policy", headers=api.h("li")).status_code == 200
            token_id = api.w.tokens.authenticate(api.tokens["li"]).token_id  # type: ignore[union-attr]
            other.tokens.revoke(token_id, actor="cli")
            for client in (api.c, second):
                r = client.get("/v1/policy?lang=en", headers=api.h("li"))
                assert r.status_code == 401 and "revoked at" in r.json()["detail"]

            assert second.get("/v1/policy", headers=api.h("zhang-laptop")).status_code == 200
            api.w.tokens.disable_person("zhang", actor="cli")
            for who in ("zhang-laptop", "zhang-phone", "zhang-platform"):
                r = second.get("/v1/policy?lang=en", headers=api.h(who))
                assert r.status_code == 401 and "disabled" in r.json()["detail"], who
    finally:
        other.engine.dispose()


def test_issue12_one_open_ban_ending_proposal_per_ban_whatever_the_way(api: Api) -> None:
    """A lift proposal, then a void proposal on the same ban: the second is a 409 naming the open one (and back)."""
    done = permanent_ban(api)
    restriction, strike = done["restriction"]["id"], done["strike"]["id"]
    r = api.c.post(f"/v1/restrictions/{restriction}/lifting", headers=api.h("zhang-laptop"), json={"reason": "sorry"})
    assert r.status_code == 202, r.text
    lift = r.json()["id"]
    body = {"status": "voided", "reason": "the rule misfired"}
    r = api.c.post(f"/v1/strikes/{strike}/status", headers=api.h("li"), json=body)
    assert r.status_code == 409 and lift in r.json()["detail"], r.text
    r = api.c.post(f"/v1/ban-ending-proposals/{lift}/confirmation", headers=api.h("li"), json={"agree": False})
    assert r.status_code == 200 and r.json()["status"] == "declined"
    r = api.c.post(f"/v1/strikes/{strike}/status", headers=api.h("li"), json=body)
    assert r.status_code == 202, r.text
    void = r.json()["id"]
    r = api.c.post(f"/v1/restrictions/{restriction}/lifting", headers=api.h("zhang-laptop"), json={"reason": "again"})
    assert r.status_code == 409 and void in r.json()["detail"], r.text
    assert not can_login(api)
