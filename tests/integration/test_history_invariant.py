"""Issue 10, items 3–8: each case the issue gives, pinned exactly, on SQLite and PostgreSQL.

The policy is the shipped one with S-A1's weight scaling off (`base_policy`), and the accounts carry no
modifier (verified, 400+ days old, in a verified enterprise of 900 days), so the S-A1 limits are the base ones:
hour 10/20, day 30/50 (soft/hard) — except item 3, which pins the issue's hour 14/28, day 42/70 in the policy
text (the limits a weight of 70 gives), so the example is the issue's own without depending on the weight model.

The one window rule (item 6): an entry at time s is inside the window of length w at decision time t iff
t − w < s ≤ t.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import REDIS_URL, T0, World, base_policy, policy_with
from tests.history_support import Runner, Stream, diff, one_by_one, snapshot
from warden.adapters import tables as t
from warden.app import App
from warden.kernel.access import Role
from warden.kernel.clock import FixedClock
from warden.kernel.decision import Decision
from warden.kernel.errors import Conflict, InvalidInput
from warden.kernel.ladder import block_end
from warden.kernel.model import Account, Enterprise, StrikeStatus
from warden.policy import LoadedPolicy

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


# --- helpers ----------------------------------------------------------------------------------------------


def make_world(db_url: str, policy: LoadedPolicy, counters: str = "memory", prefix: str = "") -> World:
    """A warden on `db_url` (tables already emptied by the `db_url` fixture) with ent-1 and acc-1 registered:
    verified, old, complete profile — no S-A1 modifier applies."""
    from warden.bootstrap import bootstrap
    from warden.settings import Settings

    settings = Settings(database_url=db_url, counters=counters, redis_url=REDIS_URL, redis_prefix=prefix or "warden")
    clock = FixedClock(T0)
    w = bootstrap(settings, policy=policy, clock=clock, migrate=False)
    world = World(w, clock)
    world.enterprise("ent-1", verified=True, age_days=900)
    world.account("acc-1", "ent-1", verified=True, age_days=2000)
    return world


def velocity(out: Decision) -> list[tuple[str, str, int]]:
    """The S-A1 reasons of a decision: (code, window, count)."""
    return [(r.code, r.params["window"], r.params["count"]) for r in out.reasons if r.rule == "phone_search_velocity"]


def strikes(w: App, account_id: str = "acc-1") -> list[Any]:
    return w.enforcement.subject(account_id).strikes


def active_strikes(w: App, account_id: str = "acc-1") -> list[Any]:
    return [s for s in strikes(w, account_id) if s.status is StrikeStatus.ACTIVE]


def rows(w: App, table: sa.Table) -> list[Any]:
    with w.engine.connect() as c:
        return list(c.execute(sa.select(table)))


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    wd = make_world(db_url, base_policy())
    yield wd
    wd.w.close()


@pytest.fixture(params=["memory", "redis"])
def counters(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        request.getfixturevalue("redis_url")  # skips (fails under CI=true) without a server
    return request.param


@pytest.fixture
def edge_world(db_url: str, counters: str) -> Iterator[World]:
    """The world of `world`, with in-process or Redis counters (a fresh key prefix per test)."""
    prefix = f"tedge{uuid.uuid4().hex[:10]}"
    wd = make_world(db_url, base_policy(), counters, prefix)
    yield wd
    r = getattr(wd.w.counters, "r", None)
    if r is not None:
        for k in r.scan_iter(f"{prefix}:*"):
            r.delete(k)
    wd.w.close()


# --- item 3: every window of a rule is checked, always -----------------------------------------------------


def test_S_A1_every_window_is_checked_the_day_limit_denies_while_the_hour_window_only_warns(db_url: str) -> None:
    """160 phone-search adds, one every 180 s (20 an hour for 8 hours), limits hour 14/28 and day 42/70: the
    hour window only ever warns, so the day window must still be checked — it warns from the 43rd add and
    denies and restricts at the 71st (count 71 > 70); the adds after it stay refused."""
    policy = policy_with(
        {
            "weight_scaling: {enabled: true": "weight_scaling: {enabled: false",
            "{name: hour, length: 1h, soft: 10, hard: 20": "{name: hour, length: 1h, soft: 14, hard: 28",
            "{name: day, length: 24h, soft: 30, hard: 50": "{name: day, length: 24h, soft: 42, hard: 70",
            "{name: pace, length: 3h, soft: 20, hard: 30": "{name: pace, length: 3h, soft: 200, hard: 300",
        }
    )
    world = make_world(db_url, policy)
    try:
        start = T0 - 160 * timedelta(seconds=180)
        events = [world.phone_search(at=start + k * timedelta(seconds=180)) for k in range(160)]
        outs = [world.send(e).outcomes[0] for e in events]

        assert ("velocity.soft_limit", "day", 43) in velocity(outs[42])  # the 43rd: day count 43 > 42
        assert outs[69].allowed is True  # the 70th: day count 70, not above the hard limit
        assert outs[70].allowed is False, velocity(outs[70])
        assert ("velocity.hard_limit", "day", 71) in velocity(outs[70])
        assert [o.allowed for o in outs[70:]] == [False] * 90  # restricted: adding stays paused (S-A7)

        (strike,) = strikes(world.w)
        assert (strike.rule_id, strike.event_id) == ("phone_search_velocity", events[70]["id"])
        (restriction,) = world.w.enforcement.restrictions("account", "acc-1")
        day_window = policy.policy.rules.phone_search_velocity.windows[1]
        assert restriction.ends_at is not None
        assert restriction.ends_at >= block_end(day_window, strike.at, policy.policy.timezone)  # the rest of the day
    finally:
        world.w.close()


# --- item 4: an event is judged against the events before it in event time --------------------------------


def test_S_A1_a_late_event_is_judged_only_against_events_at_or_before_it(world: World) -> None:
    """20 adds dated 02:00–02:19, then 13 late ones dated the previous day 12:00–12:12, one per call: the k-th late
    one counts k (the first counts 1, not 21), only the 11th–13th warn (hour count 11–13 > 10), none is refused
    and nobody is restricted. Then an add dated as far back as ingest takes (the policy's longest window plus the
    grace) counts 1 and is allowed; one dated three years ago is refused naming occurred_at (issue 12, item 8)."""
    day = T0.replace(hour=0, minute=0, second=0, microsecond=0)
    on_time = [world.send(world.phone_search(at=day + timedelta(hours=2, minutes=i))).outcomes[0] for i in range(20)]
    assert all(o.allowed for o in on_time)

    late_day = day - DAY
    late = [world.send(world.phone_search(at=late_day + timedelta(hours=12, minutes=j))).outcomes[0] for j in range(13)]
    observed = [(o.allowed, velocity(o)) for o in late]
    expected = [(True, [] if k <= 10 else [("velocity.soft_limit", "hour", k)]) for k in range(1, 14)]
    assert observed == expected
    assert strikes(world.w) == []

    oldest = T0 - world.w.pipeline.oldest_age() + timedelta(hours=1)
    ancient = world.send(world.phone_search(at=oldest)).outcomes[0]
    assert (ancient.allowed, velocity(ancient)) == (True, [])  # counts 1: nothing came before it
    assert strikes(world.w) == []
    with pytest.raises(InvalidInput) as exc:
        world.send(world.phone_search(at=T0 - timedelta(days=3 * 365)))
    assert [e.field for e in exc.value.errors] == ["events[0].occurred_at"]


# --- item 5: a restart changes no decision ----------------------------------------------------------------


def _fourteen_days(start: datetime) -> Stream:
    """Six weeks back: acc-1 greets with 红包 four times a day (the S-A6 repeat count), acc-2 bursts 25 phone
    searches every afternoon (S-A1 hour limit), acc-3 is reported by rotating colleagues (S-A2)."""
    ents = [Enterprise("ent-1", "Enterprise 1", True, start - timedelta(days=900))]
    accs = [
        Account(f"acc-{i}", "ent-1", f"1380000{i:04d}", True, start - timedelta(days=400), "a.png", f"n{i}", "card")
        for i in (1, 2, 3)
    ]
    timed: list[tuple[datetime, dict[str, Any]]] = []

    def add(at: datetime, **body: Any) -> None:
        timed.append((at, body))

    for d in range(14):
        day = start + d * DAY + d * timedelta(minutes=7)  # drifts 7 min a day: no entry sits on a window's edge
        for i, greeting in enumerate(
            ["加我领红包", "您好", "返利 红包 速来加我", "您好，合作", "加我领红包", "红包返利，私信我"]
        ):
            add(
                day + timedelta(hours=9, minutes=25 * i),
                type="contact_request",
                account_id="acc-1",
                method="phone_search",
                target=f"1391{d:02d}{i:04d}",
                greeting=greeting,
            )
        for k in range(25):
            add(
                day + timedelta(hours=14, minutes=2 * k),
                type="contact_request",
                account_id="acc-2",
                method="phone_search",
                target=f"1392{d:02d}{k:04d}",
                greeting="您好",
            )
        for r in range(2):
            add(
                day + timedelta(hours=11, minutes=30 + 360 * r),
                type="report",
                account_id="acc-3",
                reporter_id=f"rep-{(2 * d + r) % 5}",
                reason="spam",
            )
        add(day + timedelta(hours=20), type="login", account_id="acc-2", device_id="d1", client_version="4.1.0")
    timed.sort(key=lambda x: x[0])
    events = [{"id": f"h5-{n:05d}", "occurred_at": at.isoformat(), **body} for n, (at, body) in enumerate(timed)]
    return Stream(ents, accs, events)


def test_a_restart_mid_stream_changes_no_decision_in_a_stream_dated_six_weeks_back(db_url: str) -> None:
    """A 14-day stream dated six weeks before the clock, one event per call; the same stream with the warden
    restarted (disposed, built anew on the same database) in the middle of day 7, between two 红包 greetings:
    every decision, strike and restriction must be identical."""
    stream = _fourteen_days(T0 - timedelta(days=42))
    # day 7 (drifted 49 min), after its 09:00 红包 and 09:25 greetings, before the 09:50 one
    cut_at = T0 - timedelta(days=42) + 7 * DAY + timedelta(minutes=49) + timedelta(hours=9, minutes=30)
    cut = next(i for i, e in enumerate(stream.events) if datetime.fromisoformat(e["occurred_at"]) >= cut_at)
    runner = Runner(db_url, "memory", base_policy())
    try:
        one_by_one(runner.fresh(stream), stream.events)
        want = snapshot(runner.w, stream)  # type: ignore[arg-type]
        w = runner.fresh(stream)
        one_by_one(w, stream.events[:cut])
        one_by_one(runner.restart(), stream.events[cut:])
        got = snapshot(runner.w, stream)  # type: ignore[arg-type]
    finally:
        runner.finish()
    sensitive = [c for o in want["outcomes"].values() for c, _, p in o["reasons"] if c == "greeting.sensitive"]
    assert len(sensitive) == 14 * 4  # the stream does exercise the S-A6 repeat count
    problem = diff(stream, want, got, f"restart@{cut}")
    if problem:
        raise AssertionError(problem)


# --- item 6: one half-open rule for every window ----------------------------------------------------------


def test_S_A1_hour_window_is_half_open_adds_exactly_one_hour_old_do_not_count(edge_world: World) -> None:
    """12 adds at exactly t−1h, then one at t: the hour window holds 1 entry at t, not 13 — no warning."""
    w = edge_world
    for _ in range(12):
        w.send(w.phone_search(at=T0 - HOUR))
    out = w.send(w.phone_search(at=T0)).outcomes[0]
    assert (out.allowed, velocity(out)) == (True, [])


def test_S_A1_day_window_is_half_open_adds_exactly_one_day_old_do_not_count(edge_world: World) -> None:
    """30 adds from exactly t−24h, one every 200 s (18 an hour: the hour limit stays out of it), then one at t:
    the day window holds 30 at t (the one at t−24h is out), which is not above the soft limit 30 — no warning."""
    w = edge_world
    for k in range(30):
        w.send(w.phone_search(at=T0 - DAY + k * timedelta(seconds=200)))
    out = w.send(w.phone_search(at=T0)).outcomes[0]
    assert (out.allowed, velocity(out)) == (True, [])


def test_S_A2_reports_exactly_24_hours_old_do_not_count_in_the_24_hour_window(edge_world: World) -> None:
    """Reporters 1 and 2 at exactly t−24h, reporter 3 at t: one distinct reporter in (t−24h, t], not 3 — no
    reports strike."""
    w = edge_world
    for r in ("rep-1", "rep-2"):
        w.send(w.event("report", "acc-1", at=T0 - DAY, reporter_id=r, reason="spam"))
    out = w.send(w.event("report", "acc-1", at=T0, reporter_id="rep-3", reason="spam")).outcomes[0]
    assert [r.code for r in out.reasons if r.rule == "reports"] == []
    assert strikes(w.w) == []


def test_S_A2_reports_exactly_7_days_old_do_not_count_in_the_7_day_window(edge_world: World) -> None:
    """Reporters 1–2 at exactly t−7d, 3–4 at t−3d, 5 at t: three distinct reporters in (t−7d, t], not 5 — no
    reports strike (no 24-hour window ever holds more than two)."""
    w = edge_world
    for r, at in (("rep-1", T0 - 7 * DAY), ("rep-2", T0 - 7 * DAY), ("rep-3", T0 - 3 * DAY), ("rep-4", T0 - 3 * DAY)):
        w.send(w.event("report", "acc-1", at=at, reporter_id=r, reason="spam"))
    out = w.send(w.event("report", "acc-1", at=T0, reporter_id="rep-5", reason="spam")).outcomes[0]
    assert [r.code for r in out.reasons if r.rule == "reports"] == []
    assert strikes(w.w) == []


def test_S_A6_greetings_exactly_24_hours_old_do_not_count_toward_the_repeat(edge_world: World) -> None:
    """Two 红包 greetings at exactly t−24h, a third at t: the repeat window (24 h) holds 1, not 3 — the greeting is
    refused for its words but no strike follows."""
    w = edge_world
    for _ in range(2):
        w.send(w.event("contact_request", "acc-1", at=T0 - DAY, method="qr_code", target="x", greeting="加我领红包"))
    out = w.send(w.event("contact_request", "acc-1", at=T0, method="qr_code", target="y", greeting="加我领红包"))
    counts = [r.params["count"] for r in out.outcomes[0].reasons if r.code == "greeting.sensitive"]
    assert counts == [1]
    assert strikes(w.w) == []


def test_S_A1_inbound_adds_exactly_one_minute_old_do_not_count_in_the_burst_window(edge_world: World) -> None:
    """60 inbound adds at exactly t−1m, one at t: the 1-minute window holds 1 at t, not 61 — no burst flag."""
    w = edge_world
    w.send(
        *[
            w.event(
                "contact_added", "acc-1", at=T0 - timedelta(minutes=1), contact_id=f"in-{i}", initiated_by="contact"
            )
            for i in range(60)
        ]
    )
    out = w.send(w.event("contact_added", "acc-1", at=T0, contact_id="in-60", initiated_by="contact")).outcomes[0]
    assert [r.code for r in out.reasons] == []
    assert rows(w.w, t.flags) == []


# --- item 7: evidence behind a voided or overturned strike is spent ---------------------------------------


def test_S_C3_a_voided_velocity_strike_does_not_re_fire_on_the_evidence_the_reviewer_rejected(world: World) -> None:
    """21 phone searches → strike on the 21st (count 21 > 20) → a reviewer voids it → one more phone search
    (count 22 in the same hour): no new strike."""
    start = T0 - timedelta(minutes=20)
    outs = [world.send(world.phone_search(at=start + k * timedelta(seconds=10))).outcomes[0] for k in range(21)]
    assert outs[20].allowed is False
    (strike,) = strikes(world.w)
    world.w.manual_actions.set_strike_status(strike.id, StrikeStatus.VOIDED, "reviewer", "the rule misfired")
    world.send(world.phone_search(at=T0))
    assert active_strikes(world.w) == [], [(s.rule_id, s.evidence.get("count")) for s in active_strikes(world.w)]
    assert [r for r in world.w.enforcement.restrictions("account", "acc-1") if r.active_at(T0)] == []


def test_S_C3_a_late_event_dated_before_a_voided_strike_does_not_rebuild_it_from_the_rejected_evidence(
    world: World,
) -> None:
    """The evidence stays spent for any decision made after the void, whatever the event's date: a search dated
    inside the voided strike's hour, sent after the void, sees an empty window."""
    start = T0 - timedelta(minutes=30)
    for k in range(21):
        world.send(world.phone_search(at=start + k * timedelta(minutes=1)))
    (strike,) = strikes(world.w)
    world.w.manual_actions.set_strike_status(strike.id, StrikeStatus.VOIDED, "reviewer", "honest sales rep")
    late = world.send(world.phone_search(at=start + timedelta(minutes=19, seconds=30))).outcomes[0]
    assert late.allowed is True and not any(r.code == "velocity.hard_limit" for r in late.reasons)
    assert active_strikes(world.w) == []


def test_S_C3_a_late_report_dated_before_an_overturned_strike_does_not_rebuild_it(world: World) -> None:
    for i in range(3):
        world.send(
            world.event("report", "acc-1", at=T0 - HOUR + timedelta(seconds=i), reporter_id=f"r{i}", reason="spam")
        )
    (strike,) = strikes(world.w)
    world.w.manual_actions.set_strike_status(strike.id, StrikeStatus.OVERTURNED, "reviewer", "appeal upheld")
    world.send(world.event("report", "acc-1", at=T0 - HOUR + timedelta(seconds=1.5), reporter_id="r3", reason="spam"))
    assert active_strikes(world.w) == []


def test_S_C3_an_overturned_reports_strike_does_not_re_fire_on_one_more_report(world: World) -> None:
    """Three colleagues report within the day → reports strike → overturned on appeal → a fourth report: no new
    strike (the three reports behind the overturned strike are spent; one new reporter is below 3)."""
    for i, at in enumerate((T0 - 3 * HOUR, T0 - 2 * HOUR, T0 - HOUR)):
        world.send(world.event("report", "acc-1", at=at, reporter_id=f"rep-{i}", reason="harassment"))
    (strike,) = strikes(world.w)
    assert strike.rule_id == "reports"
    world.w.manual_actions.set_strike_status(strike.id, StrikeStatus.OVERTURNED, "reviewer", "appeal upheld")
    world.send(world.event("report", "acc-1", at=T0, reporter_id="rep-3", reason="harassment"))
    assert active_strikes(world.w) == [], [
        (s.rule_id, s.evidence.get("distinct_reporters")) for s in active_strikes(world.w)
    ]


# --- item 8: an event id reused with different content is a conflict --------------------------------------


def _r2(world: World, account: str, greeting: str) -> dict[str, Any]:
    return {
        "id": "r2",
        "type": "contact_request",
        "account_id": account,
        "occurred_at": (T0 - timedelta(minutes=5)).isoformat(),
        "method": "qr_code",
        "target": "13900000000",
        "greeting": greeting,
    }


@pytest.fixture
def two_accounts(world: World) -> World:
    world.account("acc-2", "ent-1", verified=True, age_days=400)
    return world


def test_an_event_id_reused_with_different_content_is_a_conflict_and_nothing_is_stored(two_accounts: World) -> None:
    w = two_accounts
    first = _r2(w, "acc-1", "您好")
    assert w.send(first).outcomes[0].allowed is True
    with pytest.raises(Conflict) as exc:
        w.send(_r2(w, "acc-2", "加我领红包"))
    assert "r2" in exc.value.detail
    stored = rows(w.w, t.events)
    assert [(r.id, r.account_id) for r in stored] == [("r2", "acc-1")]
    assert rows(w.w, t.strikes) == []
    again = w.send(first).outcomes[0]  # identical content: answered from the store
    assert (again.duplicate, again.allowed) == (True, True)


def test_an_event_id_twice_in_one_batch_with_different_content_is_a_conflict(two_accounts: World) -> None:
    w = two_accounts
    with pytest.raises(Conflict) as exc:
        w.send(w.phone_search(), _r2(w, "acc-1", "您好"), _r2(w, "acc-2", "加我领红包"))
    assert "r2" in exc.value.detail
    assert rows(w.w, t.events) == []


@pytest.fixture
def api(two_accounts: World) -> Iterator[tuple[TestClient, dict[str, str]]]:
    from warden.entrypoints.http.app import create_app

    token = two_accounts.w.tokens.create(Role.PLATFORM)[1]
    with TestClient(create_app(two_accounts.w)) as client:
        yield client, {"Authorization": f"Bearer {token}"}


def test_http_events_an_event_id_reused_with_different_content_is_409_naming_it(api, two_accounts: World) -> None:  # type: ignore[no-untyped-def]
    client, auth = api
    first = _r2(two_accounts, "acc-1", "您好")
    assert client.post("/v1/events", json=first, headers=auth).status_code == 201
    r = client.post("/v1/events", json=_r2(two_accounts, "acc-2", "加我领红包"), headers=auth)
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == "application/problem+json" and "r2" in r.json()["detail"]
    assert [(x.id, x.account_id) for x in rows(two_accounts.w, t.events)] == [("r2", "acc-1")]
    again = client.post("/v1/events", json=first, headers=auth)
    assert again.status_code == 200 and again.json()["duplicate"] is True and again.json()["allowed"] is True


def test_http_event_batches_an_event_id_reused_with_different_content_is_409_and_nothing_is_stored(  # type: ignore[no-untyped-def]
    api, two_accounts: World
) -> None:
    client, auth = api
    first = _r2(two_accounts, "acc-1", "您好")
    assert client.post("/v1/event-batches", json={"events": [first]}, headers=auth).status_code == 200
    fresh = two_accounts.phone_search()
    r = client.post(
        "/v1/event-batches", json={"events": [fresh, _r2(two_accounts, "acc-2", "加我领红包")]}, headers=auth
    )
    assert r.status_code == 409, r.text
    assert "r2" in r.json()["detail"]
    assert [x.id for x in rows(two_accounts.w, t.events)] == [
        "r2"
    ]  # the fresh event of the refused batch is not stored
    again = client.post("/v1/event-batches", json={"events": [first]}, headers=auth)
    assert again.status_code == 200
    assert again.json()["duplicates"] == 1 and again.json()["decisions"][0]["duplicate"] is True


def test_an_event_sent_again_with_the_same_instant_in_another_offset_is_the_same_event(world: World) -> None:
    first = world.phone_search(at=datetime(2026, 11, 25, 0, 0, tzinfo=UTC))
    again = dict(first, occurred_at="2026-11-25T08:00:00+08:00")
    world.send(first)
    res = world.send(again)
    assert res.duplicates == 1 and res.outcomes[0].duplicate


def test_an_event_dated_before_the_platform_existed_is_refused_naming_the_field(world: World) -> None:
    from warden.kernel.errors import InvalidInput

    for when in ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "1999-12-31T23:59:59Z"):
        with pytest.raises(InvalidInput) as exc:
            world.send(world.phone_search(), dict(world.phone_search(), occurred_at=when))
        assert exc.value.errors[0].field == "events[1].occurred_at"
        assert "no platform event is that old" in exc.value.errors[0].message
