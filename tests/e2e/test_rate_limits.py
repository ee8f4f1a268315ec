"""Rate limits at the edge (issue 12, item 10), on SQLite and PostgreSQL, with the counts in memory and in Redis:
bad bearer tokens per client address, screenings and writes per principal; concurrent requests counted exactly;
every refusal a 429 Problem Details naming the budget, with `Retry-After`."""

from __future__ import annotations

import asyncio
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import redis
from fastapi import FastAPI

from tests.conftest import World
from warden.app import App
from warden.entrypoints.http.app import create_app
from warden.entrypoints.http.throttle import TOO_MANY_REQUESTS
from warden.kernel.access import Principal, Role
from warden.settings import Settings

with warnings.catch_warnings():  # starlette deprecates its httpx-based client; pytest makes warnings errors
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"


@pytest.fixture(params=["memory", "redis"])
def counters(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """Where the counts live: process memory, or Redis under a prefix of this test's own (removed after)."""
    if request.param == "memory":
        yield {"counters": "memory"}
        return
    prefix = f"warden-test-{uuid.uuid4().hex[:8]}"
    yield {"counters": "redis", "redis_prefix": prefix}
    r = redis.Redis.from_url(Settings().redis_url)
    keys = list(r.scan_iter(f"{prefix}:*"))
    if keys:
        r.delete(*keys)
    r.close()


def settings(counters: dict[str, str], **limits: str) -> Settings:
    return Settings(**counters, **limits)  # type: ignore[arg-type]


def too_many(r: httpx.Response, budget: str, setting: str) -> dict[str, Any]:
    """The 429 of a refusal by `budget`: Problem Details naming it and its setting, `Retry-After` in seconds."""
    assert r.status_code == 429, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["type"] == TOO_MANY_REQUESTS and body["status"] == 429
    assert body["limit"]["budget"] == budget and body["limit"]["setting"] == setting
    assert setting in body["detail"] and body["limit"]["rate"] in body["detail"]
    retry = int(r.headers["Retry-After"])
    assert retry == body["retry_after"] >= 1
    assert f"retry after {retry} s" in body["detail"]
    return body


def counting(warden: App, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every token lookup the edge makes."""
    looked: list[str] = []
    real = warden.tokens.check

    def check(secret: str) -> Principal | str:
        looked.append(secret)
        return real(secret)

    monkeypatch.setattr(warden.tokens, "check", check)
    return looked


def client(app: FastAPI, address: str = "203.0.113.7") -> TestClient:
    return TestClient(  # the refusals' sentences are read in English here (test_problem_language.py reads zh)
        app, raise_server_exceptions=False, client=(address, 50000), headers={"Accept-Language": "en"}
    )


async def at_once(app: FastAPI, n: int, request: Callable[[httpx.AsyncClient, int], Any]) -> list[int]:
    """`n` requests sent together (the guard's lookups and hits run in its thread pool side by side): the statuses."""
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        answers = await asyncio.gather(*(request(c, i) for i in range(n)))
    return [a.status_code for a in answers]


# --- bad bearer tokens, per client address ---------------------------------------------------------------------


def test_two_thousand_bad_tokens_in_a_row_cost_ten_lookups_then_429s_with_retry_after(
    world: World, warden: App, counters: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    looked = counting(warden, monkeypatch)
    good = warden.tokens.create(Role.MEMBER, account_id="acc-1")[1]
    app = create_app(warden, settings(counters, rate_limit_failed_auth="10/minute;100/hour"))
    with client(app) as c:
        answers = [c.get("/v1/policy", headers={"Authorization": f"Bearer guess-{i}"}) for i in range(2000)]
        assert [r.status_code for r in answers[:10]] == [401] * 10
        assert {r.status_code for r in answers[10:]} == {429}
        body = too_many(answers[-1], "failed_auth", "WARDEN_RATE_LIMIT_FAILED_AUTH")
        assert body["limit"] == {
            "budget": "failed_auth",
            "setting": "WARDEN_RATE_LIMIT_FAILED_AUTH",
            "per": "client address",
            "rate": "10 per 1 minute",
        }
        assert 1 <= body["retry_after"] <= 60
        assert len(looked) == 10  # past its budget, what is not shaped like a token is refused unread

        # issue 12: a valid token from that address (another person behind the same NAT) is not a guess: answered
        assert c.get("/v1/policy", headers={"Authorization": f"Bearer {good}"}).status_code == 200
        shaped = "wdn_0123456789ab_" + "A" * 32  # shaped like a token: looked up, still a 429 when wrong
        too_many(
            c.get("/v1/policy", headers={"Authorization": f"Bearer {shaped}"}),
            "failed_auth",
            "WARDEN_RATE_LIMIT_FAILED_AUTH",
        )
        assert looked[-1] == shaped
        assert c.get("/v1/policy").status_code == 401  # no token: nothing guessed, nothing counted, a plain 401

    with client(app, "192.0.2.44") as other:  # another address has its own budget
        assert other.get("/v1/policy", headers={"Authorization": f"Bearer {good}"}).status_code == 200
        assert other.get("/v1/policy", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_I12_ten_bad_tokens_from_one_address_do_not_lock_out_a_valid_token_from_it(
    world: World, warden: App, counters: dict[str, str]
) -> None:
    good = warden.tokens.create(Role.MEMBER, account_id="acc-1")[1]
    app = create_app(warden, settings(counters, rate_limit_failed_auth="10/minute;100/hour"))
    with client(app, "100.64.0.1") as nat:  # one carrier-grade NAT address, a guesser and a member behind it
        assert [nat.get("/v1/policy", headers={"Authorization": f"Bearer bad-{i}"}).status_code for i in range(11)] == [
            401
        ] * 10 + [429]
        assert nat.get("/v1/policy", headers={"Authorization": f"Bearer {good}"}).status_code == 200
        assert nat.get("/v1/policy", headers={"Authorization": "Bearer bad-11"}).status_code == 429  # still throttled


def test_forty_bad_tokens_at_once_get_exactly_ten_401s(world: World, warden: App, counters: dict[str, str]) -> None:
    app = create_app(warden, settings(counters, rate_limit_failed_auth="10/minute"))

    async def guess(c: httpx.AsyncClient, i: int) -> httpx.Response:
        return await c.get("/v1/policy", headers={"Authorization": f"Bearer guess-{i}"})

    statuses = asyncio.run(at_once(app, 40, guess))
    assert statuses.count(401) == 10 and statuses.count(429) == 30


def test_a_good_token_is_not_counted_and_the_budget_frees_when_its_window_passes(
    world: World, warden: App, counters: dict[str, str]
) -> None:
    good = warden.tokens.create(Role.MEMBER, account_id="acc-1")[1]
    app = create_app(warden, settings(counters, rate_limit_failed_auth="2 per 2 seconds"))
    with client(app) as c:
        for _ in range(20):
            assert c.get("/v1/policy", headers={"Authorization": f"Bearer {good}"}).status_code == 200
        assert [c.get("/v1/policy", headers={"Authorization": "Bearer x"}).status_code for _ in range(3)] == [
            401,
            401,
            429,
        ]
        assert c.get("/v1/policy", headers={"Authorization": f"Bearer {good}"}).status_code == 200  # not locked out
        refused = c.get("/v1/policy", headers={"Authorization": "Bearer x"})
        retry = too_many(refused, "failed_auth", "WARDEN_RATE_LIMIT_FAILED_AUTH")["retry_after"]
        assert retry <= 2
        time.sleep(retry + 0.1)
        assert c.get("/v1/policy", headers={"Authorization": "Bearer x"}).status_code == 401


# --- per principal: screenings, writes ---------------------------------------------------------------------------


def test_a_member_screens_at_most_its_budget_and_another_member_is_not_held_back(
    world: World, warden: App, counters: dict[str, str]
) -> None:
    world.account("acc-2")
    one = warden.tokens.create(Role.MEMBER, account_id="acc-1")[1]
    two = warden.tokens.create(Role.MEMBER, account_id="acc-2")[1]
    app = create_app(warden, settings(counters, rate_limit_screenings="5/minute;50/day"))
    with client(app) as c:
        statuses = [
            c.post("/v1/screenings", headers={"Authorization": f"Bearer {one}"}, json={"text": f"加我 {i}"}).status_code
            for i in range(8)
        ]
        assert statuses == [200] * 5 + [429] * 3
        r = c.post("/v1/screenings", headers={"Authorization": f"Bearer {one}"}, json={"text": "加我"})
        body = too_many(r, "screenings", "WARDEN_RATE_LIMIT_SCREENINGS")
        assert body["limit"]["per"] == "principal" and body["limit"]["rate"] == "5 per 1 minute"
        assert (
            c.post("/v1/screenings", headers={"Authorization": f"Bearer {two}"}, json={"text": "加我"}).status_code
            == 200
        )
        # reads are not writes: the member still reads its explanation
        assert c.get("/v1/accounts/acc-1/explanation", headers={"Authorization": f"Bearer {one}"}).status_code == 200


def test_forty_writes_at_once_against_a_budget_of_thirty_let_exactly_thirty_through(
    world: World, warden: App, counters: dict[str, str]
) -> None:
    reviewer = warden.tokens.create(Role.REVIEWER)[1]
    app = create_app(warden, settings(counters, rate_limit_writes="30/minute", rate_limit_screenings="none"))

    async def screen(c: httpx.AsyncClient, i: int) -> httpx.Response:  # a POST: it spends the write budget
        return await c.post("/v1/screenings", headers={"Authorization": f"Bearer {reviewer}"}, json={"text": f"t{i}"})

    statuses = asyncio.run(at_once(app, 40, screen))
    assert statuses.count(200) == 30 and statuses.count(429) == 10


def test_two_servers_sharing_redis_share_one_write_budget(world: World, warden: App) -> None:
    prefix = f"warden-test-{uuid.uuid4().hex[:8]}"
    shared = settings({"counters": "redis", "redis_prefix": prefix}, rate_limit_writes="6/minute")
    reviewer = warden.tokens.create(Role.REVIEWER)[1]
    try:
        with client(create_app(warden, shared)) as a, client(create_app(warden, shared)) as b:
            statuses = [
                (a if i % 2 else b)
                .post("/v1/screenings", headers={"Authorization": f"Bearer {reviewer}"}, json={"text": "x"})
                .status_code
                for i in range(10)
            ]
        assert statuses == [200] * 6 + [429] * 4
    finally:
        r = redis.Redis.from_url(shared.redis_url)
        keys = list(r.scan_iter(f"{prefix}:*"))
        assert keys  # the counts were in Redis
        r.delete(*keys)
        r.close()


def test_a_refused_write_never_reaches_the_route_and_its_body_is_not_read(
    world: World, warden: App, counters: dict[str, str]
) -> None:
    admin = warden.tokens.create(Role.ENTERPRISE_ADMIN, "ent-1")[1]
    app = create_app(warden, settings(counters, rate_limit_writes="1/minute"))
    h = {"Authorization": f"Bearer {admin}"}
    with client(app) as c:
        assert (
            c.put(
                "/v1/enterprises/ent-1/departments", headers=h, json={"departments": {"sales": ["acc-1"]}}
            ).status_code
            == 200
        )
        r = c.put("/v1/enterprises/ent-1/departments", headers=h, content=b"{not json at all")
        too_many(r, "writes", "WARDEN_RATE_LIMIT_WRITES")  # not a 400: the body was never parsed
        r = c.put("/v1/enterprises/ent-1/departments", headers=h, json={"departments": {"sales": []}})
        too_many(r, "writes", "WARDEN_RATE_LIMIT_WRITES")
        assert c.get("/v1/enterprises/ent-1/usage-policy", headers=h).status_code == 200  # reads go on


def test_the_platform_integration_is_not_held_to_a_write_budget_unless_one_is_set(
    world: World, warden: App, counters: dict[str, str]
) -> None:
    platform = warden.tokens.create(Role.PLATFORM)[1]
    h = {"Authorization": f"Bearer {platform}"}
    login = {"type": "login", "account_id": "acc-1", "device_id": "d", "client_version": "4.1.30"}

    def event(i: int) -> dict[str, Any]:
        return {"id": f"login-{i}", "occurred_at": warden.clock.now().isoformat(), **login}

    with client(create_app(warden, settings(counters, rate_limit_writes="3/minute"))) as c:
        assert {c.post("/v1/events", headers=h, json=event(i)).status_code for i in range(10)} == {201}
    with client(create_app(warden, settings(counters, rate_limit_platform_writes="3/minute"))) as c:
        statuses = [c.post("/v1/events", headers=h, json=event(100 + i)).status_code for i in range(5)]
        assert statuses == [201] * 3 + [429] * 2
        r = c.post("/v1/events", headers=h, json=event(200))
        assert too_many(r, "platform_writes", "WARDEN_RATE_LIMIT_PLATFORM_WRITES")["limit"]["per"] == "platform token"


def test_rates_are_settings_checked_when_read() -> None:
    assert Settings().rate_limit_failed_auth == "10/minute;100/hour"
    assert Settings().rate_limit_platform_writes == "none"
    with pytest.raises(ValueError, match="rate limit string"):
        Settings(rate_limit_writes="plenty")


def test_the_budgets_fail_closed_when_redis_cannot_be_reached(world: World, warden: App) -> None:
    reviewer = warden.tokens.create(Role.REVIEWER)[1]
    down = Settings(counters="redis", redis_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    with client(create_app(warden, down)) as c:
        r = c.post("/v1/screenings", headers={"Authorization": f"Bearer {reviewer}"}, json={"text": "x"})
        assert r.status_code == 503 and r.headers["content-type"] == PROBLEM and r.headers["Retry-After"]
        assert r.json()["type"].endswith("/rate-limits-unavailable")
        assert c.get("/v1/ping").status_code == 200  # what needs no caller is answered as usual
