"""The review desk (issue 14): reviewers' internal notes on an appeal, never shown to the appellant, and handing a
case to a named colleague. Over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
from tests.unblock_support import plugin_ban
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Principal, Role


@pytest.fixture
def desk(world: World) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], str]]:
    """acc-1 is plug-in banned and appealed; two reviewers (zhang, li), the member, an auditor."""
    plugin_ban(world)
    tokens = world.w.tokens
    heads: dict[str, dict[str, str]] = {}
    for who, role, person, acc in (
        ("zhang", Role.REVIEWER, "zhang", None),
        ("li", Role.REVIEWER, "li", None),
        ("auditor", Role.AUDITOR, None, None),
        ("member", Role.MEMBER, None, "acc-1"),
    ):
        secret = tokens.create(role, account_id=acc, person=person, label=f"demo {who}")[1]
        heads[who] = {"Authorization": f"Bearer {secret}"}
    strike = world.w.enforcement.subject("acc-1").strikes[-1].id
    member = Principal("acc-1", Role.MEMBER, account_id="acc-1")
    appeal, _ = world.w.appeals.open(member, strike, "我没有使用外挂", None)
    with TestClient(create_app(world.w)) as client:
        yield client, heads, appeal.id


def test_a_reviewers_internal_note_is_read_by_the_desk_and_never_by_the_appellant_S_D6(
    desk: tuple[TestClient, dict[str, dict[str, str]], str],
) -> None:
    client, h, appeal_id = desk
    r = client.post(f"/v1/appeals/{appeal_id}/notes", json={"text": "同一设备还登录过 acc-9"}, headers=h["zhang"])
    assert r.status_code == 201 and r.json()["author"] == "reviewer:zhang"
    notes = client.get(f"/v1/appeals/{appeal_id}/notes", headers=h["auditor"]).json()["items"]
    assert [n["text"] for n in notes] == ["同一设备还登录过 acc-9"]
    assert client.get(f"/v1/appeals/{appeal_id}/notes", headers=h["member"]).status_code == 403
    assert "acc-9" not in client.get(f"/v1/appeals/{appeal_id}", headers=h["member"]).text
    assert client.post(f"/v1/appeals/{appeal_id}/notes", json={"text": "x"}, headers=h["auditor"]).status_code == 403
    empty = client.post(f"/v1/appeals/{appeal_id}/notes", json={"text": ""}, headers=h["zhang"])
    assert empty.status_code == 422 and "text" in empty.text
    assert client.get("/v1/appeals/apl_missing/notes", headers=h["zhang"]).status_code == 404


def test_a_reviewer_reassigns_a_held_case_to_a_named_colleague_S_D6(
    desk: tuple[TestClient, dict[str, dict[str, str]], str],
) -> None:
    client, h, appeal_id = desk
    people = {c["person"] for c in client.get("/v1/review-colleagues", headers=h["zhang"]).json()["items"]}
    assert {"zhang", "li"} <= people
    assert client.post(f"/v1/appeals/{appeal_id}/claim", headers=h["zhang"]).status_code == 200
    bad = client.post(f"/v1/appeals/{appeal_id}/reassignment", json={"to": "nobody"}, headers=h["zhang"])
    assert bad.status_code == 422 and "to" in bad.text
    r = client.post(f"/v1/appeals/{appeal_id}/reassignment", json={"to": "li", "note": "合同纠纷"}, headers=h["zhang"])
    assert r.status_code == 200 and r.json()["claimed_by"] == "reviewer:li"
    (item,) = [
        i for i in client.get("/v1/review-queue", headers=h["li"]).json()["items"] if i["appeal_id"] == appeal_id
    ]
    assert item["claimed_by"] == "reviewer:li"
    # now li's: zhang may no longer move it, li may hand it back
    again = client.post(f"/v1/appeals/{appeal_id}/reassignment", json={"to": "zhang"}, headers=h["zhang"])
    assert again.status_code == 403
    back = client.post(f"/v1/appeals/{appeal_id}/reassignment", json={"to": "reviewer:zhang"}, headers=h["li"])
    assert back.status_code == 200 and back.json()["claimed_by"] == "reviewer:zhang"
    assert (
        client.post(f"/v1/appeals/{appeal_id}/reassignment", json={"to": "li"}, headers=h["member"]).status_code == 403
    )


def test_actors_carry_their_holders_label_beside_the_raw_id_S_D6(
    desk: tuple[TestClient, dict[str, dict[str, str]], str], world: World
) -> None:
    """Issue 14: people read `demo reviewer 甲`, machines keep `reviewer:<person>`; a token made without a person
    is labelled by its own label too."""
    client, h, appeal_id = desk
    secret = world.w.tokens.create(Role.REVIEWER, label="demo reviewer 甲")[1]
    jia = {"Authorization": f"Bearer {secret}"}
    claim = client.post(f"/v1/appeals/{appeal_id}/claim", headers=jia).json()
    assert claim["claimed_by"].startswith("reviewer:") and claim["claimed_by_label"] == "demo reviewer 甲"
    (item,) = [
        i for i in client.get("/v1/review-queue", headers=h["li"]).json()["items"] if i["appeal_id"] == appeal_id
    ]
    assert item["claimed_by_label"] == "demo reviewer 甲"
    detail = client.get(f"/v1/appeals/{appeal_id}", headers=h["auditor"]).json()
    assert detail["claim"]["claimed_by_label"] == "demo reviewer 甲"
    moved = client.post(f"/v1/appeals/{appeal_id}/reassignment", json={"to": "zhang"}, headers=jia).json()
    assert moved["claimed_by"] == "reviewer:zhang" and moved["claimed_by_label"] == "zhang"  # the person record's name
