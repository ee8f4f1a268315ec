"""S-B over real HTTP: the weight of an account or an enterprise, explained, and who may read it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():  # this starlette warns that it prefers `httpx2` (not installed); httpx works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from tests.conftest import World
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role


@pytest.fixture
def api(world: World) -> Iterator[tuple[TestClient, dict[str, str]]]:
    world.account("acc-2")
    world.enterprise("ent-other")
    world.account("acc-x", "ent-other")
    world.send(
        world.event("login", "acc-1", device_id="p", client_version="4.1.30", via_linked_personal=True),
        world.event("feature_use", "acc-1", feature="clock_in"),
        world.event("feature_use", "acc-x", feature="meeting"),
    )
    w = world.w
    tokens = {
        "platform": w.tokens.create(Role.PLATFORM)[1],
        "auditor": w.tokens.create(Role.AUDITOR)[1],
        "admin": w.tokens.create(Role.ENTERPRISE_ADMIN, "ent-1")[1],
        "hr": w.tokens.create(Role.HR, "ent-1")[1],
        "member": w.tokens.create(Role.MEMBER, account_id="acc-1")[1],
    }
    with TestClient(create_app(w)) as client:
        yield client, tokens


def get(api: tuple[TestClient, dict[str, str]], who: str, path: str) -> object:
    client, tokens = api
    return client.get(path, headers={"Authorization": f"Bearer {tokens[who]}"})


def test_S_B_a_member_reads_their_own_weight_with_factors_advice_and_history(api) -> None:  # type: ignore[no-untyped-def]
    r = get(api, "member", "/v1/accounts/acc-1/weight?lang=en")
    assert r.status_code == 200
    body = r.json()
    assert 0 <= body["score"] <= 100 and body["max"] == 100
    codes = [f["code"] for f in body["factors"]]
    assert "linked_login" in codes and "feature_breadth" in codes and "profile_stability" in codes
    for f in body["factors"]:
        assert f["min"] <= f["points"] <= f["max"]
        assert (f["advice"] is None) == (f["points"] >= f["max"])
    assert body["advice"] and body["advice"] == sorted(body["advice"], key=lambda a: -a["gain"])
    assert body["history"][-1]["score"] > 0
    zh = get(api, "member", "/v1/accounts/acc-1/weight").json()  # Chinese by default
    assert [f["code"] for f in zh["factors"]] == codes and zh["score"] == body["score"]
    assert zh["factors"][0]["title"] != body["factors"][0]["title"]


def test_S_B_weight_access_is_scoped_to_the_tenant(api) -> None:  # type: ignore[no-untyped-def]
    ok = [
        ("member", "/v1/accounts/acc-1/weight"),
        ("admin", "/v1/accounts/acc-2/weight"),
        ("hr", "/v1/accounts/acc-1/weight"),
        ("admin", "/v1/enterprises/ent-1/weight"),
        ("hr", "/v1/enterprises/ent-1/weight"),
        ("platform", "/v1/enterprises/ent-other/weight"),
        ("auditor", "/v1/accounts/acc-x/weight"),
    ]
    for who, path in ok:
        assert get(api, who, path).status_code == 200, (who, path)
    denied = [
        ("member", "/v1/accounts/acc-2/weight"),  # a colleague
        ("member", "/v1/enterprises/ent-1/weight"),  # members see their own account only
        ("admin", "/v1/accounts/acc-x/weight"),  # another enterprise's member
        ("admin", "/v1/enterprises/ent-other/weight"),
        ("admin", "/v1/accounts/no-such/weight"),  # 403 as well: existence does not leak
        ("hr", "/v1/enterprises/no-such/weight"),
    ]
    for who, path in denied:
        r = get(api, who, path)
        assert r.status_code == 403, (who, path)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "acc-x" not in r.text and "ent-other" not in r.text
    assert get(api, "platform", "/v1/accounts/no-such/weight").status_code == 404
    assert get(api, "platform", "/v1/enterprises/no-such/weight").status_code == 404
    client, _ = api
    assert client.get("/v1/accounts/acc-1/weight").status_code == 401


def test_S_B_enterprise_weight_names_its_factors_and_the_cascade_bar(api) -> None:  # type: ignore[no-untyped-def]
    body = get(api, "admin", "/v1/enterprises/ent-1/weight?lang=en").json()
    assert [f["code"] for f in body["factors"]] == [
        "enterprise_verified",
        "members",
        "enterprise_age",
        "restricted_members",
        "own_penalties",
    ]
    assert body["used_by_rules"]["cascade_below_weight"] == 40
    assert {m["account_id"] for m in body["lowest_members"]} == {"acc-1"}
    assert body["history"] and body["restrictions"] == []
    bad = get(api, "admin", "/v1/enterprises/ent-1/weight?lang=fr")
    assert bad.status_code == 422 and "lang" in bad.text


def test_S_A5_a_bystander_member_reads_the_cascade_numbers_over_http_but_not_who(world: World) -> None:
    world.enterprise("ent-low", verified=False, age_days=20)
    ids = [f"low-{c}" for c in "abcdefghijklmnopqrst"]  # 20 members, no id inside another
    for aid in ids:
        world.account(aid, "ent-low", verified=False, age_days=10)
    world.send(*[world.event("login", aid, device_id="d", client_version="4.1.30") for aid in ids])
    for k, aid in enumerate(ids[:3]):
        world.clock.advance(minutes=10)
        world.send(*[world.event("report", aid, reporter_id=f"r{k}-{i}", reason="spam") for i in range(3)])
    token = world.w.tokens.create(Role.MEMBER, account_id="low-t")[1]
    with TestClient(create_app(world.w)) as client:
        r = client.get("/v1/accounts/low-t/explanation?lang=en", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    [c] = r.json()["restrictions"]
    assert c["rule"] == "cascade" and "3 members" in c["reason_text"] and "below 40" in c["reason_text"]
    for secret in ids[:3]:
        assert secret not in r.text
