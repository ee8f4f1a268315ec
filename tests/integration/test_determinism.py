"""Issue 10, the invariant: a decision follows from the history alone.

A decision about an event depends only on the policy, the directory as registered, manual actions recorded
before it, and the events at or before it in event time (ties by event id): never on batch boundaries, the
arrival order inside a batch, re-sent events, restarts, or the counter backend.

Each property draws a random stream (a few enterprises and accounts, dense phone-search bursts, greetings with
红包/返利, contacts added and removed, reports, logins with plug-ins, messages, profile changes, feature use, and in
one stream of three an unblock lifted by a helper from one of the stream's devices, so that a login can tip an S-D4
reversal mid-stream), ingests it one event per call into a fresh database (the reference), then again in another
way, and compares every decision, strike, restriction, flag, weight and unblock. On failure it prints the first
differing decision.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import T0
from tests.history_support import Lift, Runner, Stream, diff, one_by_one, snapshot
from warden.adapters import tables as t
from warden.adapters.policy_file import DEFAULT_POLICY_PATH, load_policy
from warden.kernel.access import Principal, Role
from warden.kernel.decision import derive_id
from warden.kernel.model import Account, Enterprise
from warden.pipeline.effects import LATE_EVENT, LATE_EVENT_NOTE, SUPERSEDED, SUPERSEDED_NOTE
from warden.policy import LoadedPolicy, load_policy_text
from warden.policy_versions.store import labelled_strikes

EXAMPLES = int(os.environ.get("WARDEN_PROP_EXAMPLES", "25"))
# Shrinking re-runs two full ingests per attempt; on by default locally, bounded in CI by the same budget.
PROPS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    phases=(Phase.explicit, Phase.generate, Phase.shrink)
    if os.environ.get("WARDEN_PROP_SHRINK", "1") == "1"
    else (Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

GREETINGS = [
    "您好",
    "你好，我是销售部的小王",
    "加我领红包",
    "返利活动了解一下",
    "hong包 返-利 速来",
    "您好，合作请回复",
]
MESSAGES = [
    "收到，谢谢",
    "明天开会",
    "领红包啦",
    "下单返利",
    "文件已发",
    "我的手机号13800138000",
    "有事加我 vx: lucky_888",
]
REPORT_REASONS = ["spam", "harassment", "fraud", "prohibited_content", "impersonation", "other"]
FEATURES = ["chat_message", "file_download", "clock_in", "attendance", "leave_request", "meeting"]


# --- the world and the stream ------------------------------------------------------------------------------


# gaps before each action, seconds: 0 gives equal timestamps
GAPS = st.sampled_from([0, 0, 1, 7, 45, 180, 600, 1800, 3600, 4 * 3600, 13 * 3600, 86400])
BURST_GAPS = st.sampled_from([0, 1, 5, 30, 90, 180, 200])


@st.composite
def streams(draw: st.DrawFn, max_actions: int = 14) -> Stream:
    n_ent = draw(st.integers(1, 3))
    n_acc = draw(st.integers(2, 5))
    # ages are as of the stream's start (laid out below): young and old, verified or not, profiles bare or complete
    ent_specs = [(draw(st.booleans()), draw(st.sampled_from([10, 60, 400]))) for _ in range(n_ent)]
    acc_specs = [(draw(st.booleans()), draw(st.sampled_from([3, 20, 400])), draw(st.booleans())) for _ in range(n_acc)]
    ids = [f"acc-{j}" for j in range(n_acc)]
    acct = st.sampled_from(ids)
    contact = st.sampled_from([f"c-{k}" for k in range(8)])

    # (gap, [event bodies]); each body lacks id and time, the burst's own spacing is in "_dt"
    actions: list[tuple[int, list[dict[str, Any]]]] = []
    for _ in range(draw(st.integers(3, max_actions))):
        gap = draw(GAPS)
        kind = draw(
            st.sampled_from(
                ["burst", "burst", "burst", "added", "removed", "reports", "login", "message", "profile", "feature"]
            )
        )
        a = draw(acct)
        bodies: list[dict[str, Any]] = []
        if kind == "burst":
            n = draw(st.integers(2, 30))
            dt = draw(BURST_GAPS)
            word = draw(st.integers(0, 4))  # about one burst in five carries sensitive greetings
            for k in range(n):
                greeting = GREETINGS[draw(st.integers(0, len(GREETINGS) - 1))] if word == 0 else GREETINGS[0]
                bodies.append(
                    {
                        "type": "contact_request",
                        "account_id": a,
                        "method": "phone_search",
                        "target": f"139{len(actions):04d}{k:04d}",
                        "greeting": greeting,
                        "_dt": dt,
                    }
                )
        elif kind == "added":
            for _ in range(draw(st.integers(1, 8))):
                bodies.append(
                    {
                        "type": "contact_added",
                        "account_id": a,
                        "contact_id": draw(contact),
                        "initiated_by": draw(st.sampled_from(["self", "self", "contact"])),
                        "external": draw(st.booleans()),
                        "_dt": draw(st.sampled_from([0, 20, 300])),
                    }
                )
        elif kind == "removed":
            bodies.append({"type": "contact_removed", "account_id": a, "contact_id": draw(contact)})
        elif kind == "reports":
            for r in draw(st.lists(st.integers(0, 6), min_size=1, max_size=6)):
                bodies.append(
                    {
                        "type": "report",
                        "account_id": a,
                        "reporter_id": f"rep-{r}",
                        "reason": draw(st.sampled_from(REPORT_REASONS)),
                        "_dt": draw(st.sampled_from([0, 60, 3600])),
                    }
                )
        elif kind == "login":
            plugin = draw(st.integers(0, 5)) == 0
            bodies.append(
                {
                    "type": "login",
                    "account_id": a,
                    "device_id": f"dev-{draw(st.integers(0, 2))}",
                    "device_kind": draw(st.sampled_from(["real", "real", "emulator"])),
                    "via_linked_personal": draw(st.booleans()),
                    "client_version": "4.1.0",
                    "plugin_signatures": ["auto-clicker"] if plugin else [],
                }
            )
        elif kind == "message":
            bodies.append(
                {
                    "type": "message",
                    "account_id": a,
                    "text": draw(st.sampled_from(MESSAGES)),
                    "to_external": draw(st.booleans()),
                    "recipient_id": draw(contact),  # S-A6 contexts read the contact's standing (issue 13)
                }
            )
        elif kind == "profile":
            bodies.append(
                {
                    "type": "profile_change",
                    "account_id": a,
                    "field": draw(st.sampled_from(["avatar", "nickname", "external_card"])),
                    "value": draw(st.sampled_from(["v1", "v2", ""])),
                }
            )
        else:
            bodies.append({"type": "feature_use", "account_id": a, "feature": draw(st.sampled_from(FEATURES))})
        actions.append((gap, bodies))

    # lay the actions out in time, ending `back` before the clock (six weeks back exercises rebuilds)
    offsets: list[tuple[int, dict[str, Any]]] = []
    now_s = 0
    for gap, bodies in actions:
        now_s += gap
        for k, b in enumerate(bodies):
            if k:
                now_s += b.get("_dt", 0)
            offsets.append((now_s, b))
    back = draw(st.sampled_from([0, 3600, 2 * 86400, 42 * 86400]))
    start = T0 - timedelta(seconds=back + now_s)
    enterprises = [
        Enterprise(f"ent-{i}", f"Enterprise {i}", verified, start - timedelta(days=age))
        for i, (verified, age) in enumerate(ent_specs)
    ]
    accounts = [
        Account(
            f"acc-{j}",
            f"ent-{j % n_ent}",
            f"1380000{j:04d}",
            verified,
            start - timedelta(days=age),
            "avatar.png" if complete else None,
            f"nick{j}" if complete else None,
            "card" if complete else None,
        )
        for j, (verified, age, complete) in enumerate(acc_specs)
    ]
    lifts = []
    if draw(st.integers(0, 2), label="lift?") == 0:  # an unblock lifted by a helper inside the stream (issue 15)
        requester, helper = draw(st.permutations(ids), label="requester, helper")[:2]
        device = f"dev-{draw(st.integers(0, 2), label='helper device')}"
        i = draw(st.integers(0, len(offsets) - 1), label="lifted at")
        lifts.append(Lift("unb_prop", requester, helper, device, start + timedelta(seconds=offsets[i][0])))
        if draw(st.booleans(), label="tip it?"):  # the requester logs in on the helper's device, then asks
            j = draw(st.integers(i, len(offsets)), label="tipping login at")
            at = offsets[j][0] if j < len(offsets) else offsets[-1][0]
            login = {"type": "login", "account_id": requester, "device_id": device, "client_version": "4.1.0"}
            ask = {
                "type": "contact_request",
                "account_id": requester,
                "method": "phone_search",
                "target": "13999990000",
                "greeting": GREETINGS[0],
            }
            offsets[j:j] = [(at, login), (at, ask)]
    events = []
    for n, (off, b) in enumerate(offsets):
        body = {k: v for k, v in b.items() if k != "_dt"}
        events.append({"id": f"ev-{n:04d}", "occurred_at": (start + timedelta(seconds=off)).isoformat(), **body})
    return Stream(enterprises, accounts, events, lifts)


# --- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture(params=["memory", "redis"])
def counters(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        request.getfixturevalue("redis_url")  # skips (fails under CI) without a server
    return request.param


@pytest.fixture
def runner(db_url: str, counters: str) -> Iterator[Runner]:
    r = Runner(db_url, counters, load_policy())  # the shipped policy: weight scaling and the cascade on
    yield r
    r.finish()


def cuts(data: st.DataObject, n: int) -> list[int]:
    """Random cut points 0 < c < n, sorted (none: the whole stream is one batch)."""
    return sorted(set(data.draw(st.lists(st.integers(1, max(1, n - 1)), max_size=6), label="cuts")))


def split(events: list[Any], at: list[int]) -> list[list[Any]]:
    bounds = [0, *[c for c in at if 0 < c < len(events)], len(events)]
    return [events[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def late_plan(stream: Stream, data: st.DataObject) -> list[list[dict[str, Any]]]:
    """The stream cut into random batches sent in a random order (at least two batches, so that a later batch can
    hold events older than ones already decided: late events)."""
    events = stream.events
    batches = split(events, cuts(data, len(events)) or [max(1, len(events) // 2)])
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="batch order seed"))
    return rng.sample(batches, len(batches))


def variants(stream: Stream, data: st.DataObject) -> dict[str, Callable[[Runner], None]]:
    """The other ways of sending the same history, each drawn at random."""
    events = stream.events
    batches = split(events, cuts(data, len(events)))
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="shuffle/resend seed"))
    shuffled = [rng.sample(b, len(b)) for b in batches]
    resent, sent = [], []
    for b in batches:  # each later batch also carries up to 5 already-stored events, mixed in
        mixed = b + rng.sample(sent, min(len(sent), rng.randint(1, 5)))
        rng.shuffle(mixed)
        resent.append(mixed)
        sent += b
    at = data.draw(st.integers(1, max(1, len(events) - 1)), label="restart after")

    def send_all(plan: list[list[dict[str, Any]]]) -> Callable[[Runner], None]:
        def run(r: Runner) -> None:
            assert r.w is not None
            for b in plan:
                r.w.pipeline.ingest(b)

        return run

    def restart(r: Runner) -> None:
        assert r.w is not None
        one_by_one(r.w, events[:at])
        one_by_one(r.restart(), events[at:])

    return {
        "one batch": send_all([events]),
        f"{len(batches)} batches": send_all(batches),
        "shuffled": send_all(shuffled),
        "re-sent": send_all(resent),
        f"restart@{at}": restart,
    }


# --- the properties ---------------------------------------------------------------------------------------


@PROPS
@given(stream=streams(), data=st.data())
def test_decisions_follow_from_the_history_alone_whatever_the_batching_order_resends_or_restarts(
    runner: Runner, stream: Stream, data: st.DataObject
) -> None:
    """One event per call is the reference; the whole stream as one batch, random batch boundaries, batches
    shuffled inside, batches carrying already-stored events, and a restart at a random point must decide the
    same: each event's outcome, strikes, restrictions, flags and weights (issue 10, the invariant)."""
    w = runner.fresh(stream)
    one_by_one(w, stream.events)
    want = snapshot(w, stream)
    problems = []
    for how, send in variants(stream, data).items():
        runner.fresh(stream)
        send(runner)
        assert runner.w is not None
        problem = diff(stream, want, snapshot(runner.w, stream), how)
        if problem:
            problems.append(f"[{how}]\n{problem}")
    if problems:
        raise AssertionError(f"{runner.db_url.split(':')[0]}, {runner.counters} counters\n" + "\n".join(problems))


def test_redis_counters_decide_as_in_process_counters_do(db_url: str, redis_url: str) -> None:
    """The counter backend is not part of the history: the same stream, one event per call, decides alike."""

    @PROPS
    @given(stream=streams())
    def prop(stream: Stream) -> None:
        mem, red = Runner(db_url, "memory", load_policy()), Runner(db_url, "redis", load_policy())
        try:
            one_by_one(mem.fresh(stream), stream.events)
            want = snapshot(mem.w, stream)  # type: ignore[arg-type]
            mem.finish()
            one_by_one(red.fresh(stream), stream.events)
            got = snapshot(red.w, stream)  # type: ignore[arg-type]
        finally:
            mem.finish()
            red.finish()
        problem = diff(stream, want, got, "redis")
        if problem:
            raise AssertionError(problem)

    prop()


def _stamp(e: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(e["occurred_at"])


def test_streams_are_in_event_time_and_sometimes_tie() -> None:
    """The generator itself: nondecreasing occurred_at, ids in that order, ties present, bursts present."""

    ties = bursts = 0

    @settings(max_examples=60, derandomize=True, database=None, deadline=None)
    @given(stream=streams())
    def prop(stream: Stream) -> None:
        nonlocal ties, bursts
        times = [_stamp(e) for e in stream.events]
        assert times == sorted(times) and all(tm <= T0 for tm in times)
        ids = [e["id"] for e in stream.events]
        assert ids == sorted(ids)
        ties += any(a == b for a, b in itertools.pairwise(times))
        bursts += sum(1 for e in stream.events if e["type"] == "contact_request") > 20

    prop()
    assert ties and bursts


# --- late events: batches arriving out of event order (re-decided in event order, `pipeline.redecide`) ----------

ENTERPRISE_SCOPE = (
    "enterprise scope not re-decided (docs/ARCHITECTURE.md, 'Late events'): a late event's account is decided again "
    "in event order, but the S-A5 cascade made the first time on a partial history stays, and the member strikes it "
    "counted are kept with a late_event review flag"
)


class EnterpriseScopeNotRedecided(AssertionError):
    """The late state differs from event order in the enterprise scope only (`ENTERPRISE_SCOPE`): the expected
    failure `raises` this and nothing else, so a difference of another kind fails the test."""


def _account_scope() -> LoadedPolicy:
    """The shipped policy with the S-A5 cascade off: what re-deciding per account converges on by itself."""
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    old = "  cascade:                       # S-A5"
    at = text.index(old)
    start = text.index("enabled: true", at)
    return load_policy_text(text[:start] + "enabled: false" + text[start + len("enabled: true") :], "account-scope")


def _late_property(runner: Runner, stream: Stream, data: st.DataObject) -> None:
    """The batches of a random cut sent in a random order leave the live rows and weights of one event per call."""
    w = runner.fresh(stream)
    one_by_one(w, stream.events)
    want = snapshot(w, stream)
    runner.fresh(stream)
    assert runner.w is not None
    for b in late_plan(stream, data):
        runner.w.pipeline.ingest(b)
    got = _without_superseded(snapshot(runner.w, stream))
    want["outcomes"] = got["outcomes"] = {}
    problem = diff(stream, want, got, "late")
    if problem:
        raise AssertionError(f"{runner.db_url.split(':')[0]}, {runner.counters} counters\n{problem}")


@settings(PROPS, max_examples=min(EXAMPLES, 10), phases=(Phase.explicit, Phase.generate))
@given(stream=streams(), data=st.data())
def test_an_accounts_state_converges_to_event_order_when_batches_arrive_out_of_event_order(
    db_url: str, counters: str, stream: Stream, data: st.DataObject
) -> None:
    """Per account (the cascade off): the same history cut into random batches sent in a random order (late events:
    a batch older than one already decided) leaves what one event per call in event order leaves: live strikes,
    restrictions, flags and weights (a superseded strike stays on the record, read as never made). An answer
    already given stays given (outcomes are not compared); the stored state converges (`pipeline.redecide`)."""
    r = Runner(db_url, counters, _account_scope())
    try:
        _late_property(r, stream, data)
    finally:
        r.finish()


def _two_members_searching(n: int) -> Stream:
    """Two old, verified members (acc-0, acc-1) of an unverified ten-day-old enterprise (weight below the S-A5 bar)
    each searching `n` phone numbers, one a minute each, side by side, ending three hours before the clock."""
    start = T0 - timedelta(hours=3)
    ent = Enterprise("ent-0", "Enterprise 0", False, start - timedelta(days=10))
    accounts = [
        Account(f"acc-{j}", "ent-0", f"1380000{j:04d}", True, start - timedelta(days=20), "a.png", "nick", "card")
        for j in range(2)
    ]
    events = [
        {
            "id": f"ev-{k:04d}-{j}",
            "occurred_at": (start + k * timedelta(minutes=1)).isoformat(),
            "type": "contact_request",
            "account_id": f"acc-{j}",
            "method": "phone_search",
            "target": f"139{j}00{k:05d}",
            "greeting": GREETINGS[0],
        }
        for k in range(n)
        for j in range(2)
    ]
    return Stream([ent], accounts, events)


def _cascades(snap: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [s for s in snap["strikes"] if s[1] == "enterprise" and s[3] == "cascade"]


@pytest.mark.xfail(strict=True, raises=EnterpriseScopeNotRedecided, reason=ENTERPRISE_SCOPE)
def test_S_A5_a_cascade_made_on_a_partial_history_is_re_decided_in_event_order_when_the_first_half_arrives_late(
    runner: Runner,
) -> None:
    """S-A5 with late events, the enterprise scope (`ENTERPRISE_SCOPE`) by one example of its kind (a random stream
    under the shipped policy reached a cascade or not as the test's source happened to seed Hypothesis; late18's
    draw, cuts [] and batch order seed 22118, found a cascade on ent-0 late and two S-A1 strikes it counted kept
    and flagged). Two members of a low-weight enterprise search 20 phone numbers each, a minute apart. In event
    order both are struck by S-A1 at minute 6, the second strike cascades (two of two members restricted) and the
    searches after are paused: one cascade. Sent as the second half first, each member is struck on the second
    half's count at minute 16 and that cascades; when the first half arrives late, each account is re-decided in
    event order (struck at minute 6, the later searches paused), but the minute-16 cascade stays and the two
    strikes it counted are kept with a `late_event` flag: a second enterprise login restriction and two member
    restrictions event order does not make. The live state must be the event order's; it is not yet, so this is an
    expected failure, strict, raising `EnterpriseScopeNotRedecided` only when every difference is of that kind (any
    other difference fails the test); the day the enterprise scope is re-decided it XPASSes and fails: drop the
    mark then."""
    stream = _two_members_searching(20)
    w = runner.fresh(stream)
    one_by_one(w, stream.events)
    want = snapshot(w, stream)
    assert len(_cascades(want)) == 1, "in event order the two members' strikes cascade once"
    half = len(stream.events) // 2
    late = runner.fresh(stream)
    late.pipeline.ingest(stream.events[half:])
    partial = _cascades(snapshot(late, stream))
    assert len(partial) == 1 and partial[0][6] > _cascades(want)[0][6], "the second half alone cascades, later"
    late.pipeline.ingest(stream.events[:half])
    got = _without_superseded(snapshot(late, stream))
    want["outcomes"] = got["outcomes"] = {}  # answers given stay given
    problem = diff(stream, want, got, "late")
    if problem is None:
        return  # the enterprise scope is re-decided: XPASS, a failure under strict=True
    kept = {sid for f in _late_flags(late) for sid in f["later_strikes"]}
    strikes = set(want["strikes"]) ^ set(got["strikes"])
    ours = {s[0] for s in strikes if s[1] == "enterprise" or s[0] in kept}
    documented = (
        ours == {s[0] for s in strikes}
        and len(kept) == 2
        and {r[0] for r in set(want["restrictions"]) ^ set(got["restrictions"])} <= {derive_id("rst", i) for i in ours}
        and all(f[2] == LATE_EVENT for f in set(want["flags"]) ^ set(got["flags"]))
    )
    raise (EnterpriseScopeNotRedecided if documented else AssertionError)(problem)


def _without_superseded(snap: dict[str, Any]) -> dict[str, Any]:
    """A snapshot's live rows: a strike the system superseded (re-deciding in event order did not make it again) and
    its restriction (lifted as of its start) stay on the record but count as never made."""
    gone = {r[0] for r in snap["strikes"] if r[-1] == "superseded"}
    lifted = {derive_id("rst", sid) for sid in gone}
    snap["strikes"] = [r for r in snap["strikes"] if r[0] not in gone]
    snap["restrictions"] = [r for r in snap["restrictions"] if r[0] not in lifted]
    return snap


def _burst(n: int, every: timedelta) -> Stream:
    """One old, verified account of a verified enterprise searching `n` phone numbers, one every `every`."""
    start = T0 - n * every
    ent = Enterprise("ent-0", "Enterprise 0", True, start - timedelta(days=400))
    acc = Account("acc-0", "ent-0", "13800000000", True, start - timedelta(days=400), "a.png", "nick", "card")
    events = [
        {
            "id": f"ev-{k:04d}",
            "occurred_at": (start + k * every).isoformat(),
            "type": "contact_request",
            "account_id": "acc-0",
            "method": "phone_search",
            "target": f"1390000{k:04d}",
            "greeting": GREETINGS[0],
        }
        for k in range(n)
    ]
    return Stream([ent], [acc], events)


def test_a_burst_whose_first_half_arrives_after_its_second_half_is_restricted_as_in_event_order(
    runner: Runner,
) -> None:
    """S-A1: 30 phone searches a minute apart; in event order the hourly hard limit strikes and restricts the
    account. Sent as the second half first, then the first half (late), the second half was decided on half the
    count; once the late half is stored the second half is decided again in event order (`pipeline.redecide`), and
    the strike the complete history holds is there (it was missed before late18)."""
    stream = _burst(30, timedelta(minutes=1))
    w = runner.fresh(stream)
    one_by_one(w, stream.events)
    want = snapshot(w, stream)
    assert want["strikes"], "the in-order history strikes (else the example shows nothing)"
    runner.fresh(stream)
    assert runner.w is not None
    runner.w.pipeline.ingest(stream.events[15:])
    runner.w.pipeline.ingest(stream.events[:15])
    got = snapshot(runner.w, stream)
    assert (got["strikes"], got["restrictions"]) == (want["strikes"], want["restrictions"])


def _second_half_first(runner: Runner, n: int) -> tuple[Stream, dict[str, Any], list[tuple[Any, ...]]]:
    """`n` phone searches a minute apart: the reference (one by one, in event order), then a fresh store holding
    the second half only. Returns the stream, the reference snapshot and the strikes the second half made."""
    stream = _burst(n, timedelta(minutes=1))
    w = runner.fresh(stream)
    one_by_one(w, stream.events)
    want = snapshot(w, stream)
    runner.fresh(stream)
    assert runner.w is not None
    runner.w.pipeline.ingest(stream.events[n // 2 :])
    return stream, want, snapshot(runner.w, stream)["strikes"]


def _live(w: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The active strikes and the restrictions never lifted, as (id, rule, step, at) / (id, rule, step, ends)."""
    with w.engine.connect() as c:
        strikes = sorted(
            (r.id, r.rule_id, r.step, r.at.isoformat())
            for r in c.execute(sa.select(t.strikes).where(t.strikes.c.status == "active"))
        )
        restrictions = sorted(
            (r.id, r.rule_id, r.step, r.ends_at.isoformat() if r.ends_at else None)
            for r in c.execute(sa.select(t.restrictions).where(t.restrictions.c.lifted_at.is_(None)))
        )
    return strikes, restrictions


def _late_flags(w: Any) -> list[dict[str, Any]]:
    with w.engine.connect() as c:
        rows = c.execute(sa.select(t.flags.c.evidence).where(t.flags.c.rule_id == LATE_EVENT)).scalars()
        return [json.loads(r) for r in rows]


def test_S_A1_a_burst_restricted_in_event_order_is_not_struck_twice_when_its_first_half_arrives_late(
    runner: Runner,
) -> None:
    """S-A1 (a restriction the history does not hold): 60 phone searches a minute apart. In event order the first
    hourly hard limit restricts adding for a day and the searches after it are paused, so one strike. Sent as the
    second half first, then the first half (late), the second half is struck on its own count; once the first half
    arrives its searches strike earlier and the second half is decided again in event order (paused: no strike), so
    the system supersedes the later strike and lifts its restriction: the live strikes and restrictions are the
    history's, the superseded row stays on the record, and no review flag is raised."""
    stream, want, later = _second_half_first(runner, 60)
    assert len(want["strikes"]) == 1 and len(later) == 1
    assert runner.w is not None
    runner.w.pipeline.ingest(stream.events[:30])
    got = snapshot(runner.w, stream)
    ref = runner.fresh(stream)
    one_by_one(ref, stream.events)
    assert _live(runner.w) == _live(ref)
    superseded = [s for s in got["strikes"] if s[-1] == "superseded"]
    assert [s[0] for s in superseded] == [later[0][0]]
    assert not _late_flags(runner.w)


def test_S_A1_a_superseded_strike_is_withdrawn_by_the_system_in_the_audit_trail_and_explained_in_zh_and_en(
    runner: Runner,
) -> None:
    """The superseding is a system action on the record: `strike.superseded` by `system` on the account's chain
    naming the strike, the late event whose arrival re-decided it and the reason; status `superseded`, its
    restriction lifted as of its start (in event time it was never in force); not a wrong strike for the policy's
    figures (nobody judged its evidence); the account's explanation says why in zh and in en."""
    stream, _, later = _second_half_first(runner, 60)
    w = runner.w
    assert w is not None
    w.pipeline.ingest(stream.events[:30])
    with w.engine.connect() as c:
        entries = c.execute(sa.select(t.audit_log).where(t.audit_log.c.action == "strike.superseded")).all()
        strike = c.execute(sa.select(t.strikes).where(t.strikes.c.id == later[0][0])).one()
        lifted = c.execute(sa.select(t.restrictions).where(t.restrictions.c.strike_id == later[0][0])).one()
    assert len(entries) == 1 and entries[0].actor == "system" and entries[0].subject == "account:acc-0"
    data = json.loads(entries[0].data)
    assert data["late_event"] == stream.events[0]["id"]  # the oldest event of the late batch
    assert data["strike"] == later[0][0] and data["reason"] == SUPERSEDED + data["late_event"]
    assert strike.status == "superseded" and strike.status_reason == SUPERSEDED + data["late_event"]
    assert lifted.lifted_at == lifted.starts_at and data["restriction"] == lifted.id
    report = w.enforcement.audit_verify()  # the chain, the stored events and the changed rows agree
    assert report.ok, report
    with w.engine.connect() as c:
        labels = {x.id: x.label for x in labelled_strikes(c, "phone_search_velocity")}
    assert labels[later[0][0]] is None
    for lang in ("zh", "en"):
        told = {s["id"]: s for s in w.enforcement.explain("acc-0", lang=lang)["strikes"]}
        assert told[later[0][0]]["status"] == "superseded"
        assert told[later[0][0]]["status_reason"] == f"{SUPERSEDED_NOTE[lang]} ({data['late_event']})"
        assert [s["status"] for i, s in told.items() if i != later[0][0]] == ["active"]


def test_S_A1_an_appealed_later_strike_is_not_superseded_and_a_review_flag_names_it(runner: Runner) -> None:
    """A later strike under appeal stays as it is when a late event's strike would supersede it (the appeal is a
    person's business): the late strike raises the `late_event` review flag naming it, with a zh and an en note."""
    stream, _, later = _second_half_first(runner, 60)
    w = runner.w
    assert w is not None
    member = Principal("acc-0", Role.MEMBER, enterprise_id="ent-0", account_id="acc-0")
    w.appeals.open(member, later[0][0], "我没有违规", None)
    out = w.pipeline.ingest(stream.events[:30])
    assert [x for x in out.changes.flags if x.rule_id == LATE_EVENT]
    with w.engine.connect() as c:
        status = c.execute(sa.select(t.strikes.c.status).where(t.strikes.c.id == later[0][0])).scalar_one()
    assert status == "active"
    (flag,) = _late_flags(w)
    assert flag["later_strikes"] == [later[0][0]] and flag["note"] == LATE_EVENT_NOTE  # zh and en


def test_S_A1_a_later_strike_whose_restriction_a_person_lifted_is_not_superseded(runner: Runner) -> None:
    """A later strike a person acted on (its restriction lifted by a reviewer) is not voided by the system: the
    review flag names it instead."""
    stream, _, later = _second_half_first(runner, 60)
    w = runner.w
    assert w is not None
    with w.engine.connect() as c:
        rid = c.execute(sa.select(t.restrictions.c.id).where(t.restrictions.c.strike_id == later[0][0])).scalar_one()
    w.enforcement.manual_actions.lift_restriction(rid, "reviewer", "checked by phone")
    w.pipeline.ingest(stream.events[:30])
    with w.engine.connect() as c:
        status = c.execute(sa.select(t.strikes.c.status).where(t.strikes.c.id == later[0][0])).scalar_one()
    assert status == "active"
    assert [f["later_strikes"] for f in _late_flags(w)] == [[later[0][0]]]


def test_a_late_strike_of_another_rule_re_decides_the_later_events_as_in_event_order(runner: Runner) -> None:
    """Re-deciding is per account, not per rule: a late S-A6 plug-in login dated at the first search, arriving after
    the second half of the burst was decided (and struck by S-A1), is decided with the account's later events again
    in event order: its restriction pauses the searches after it (S-A7), and what stays live is what one event per
    call in event order leaves. Nobody acted on the later strike, so no review flag."""
    stream, _, later = _second_half_first(runner, 60)
    w = runner.w
    assert w is not None and len(later) == 1  # the second half alone was struck
    first = stream.events[0]["occurred_at"]
    login = {
        "id": "ev-login",
        "occurred_at": first,
        "type": "login",
        "account_id": "acc-0",
        "device_id": "dev-0",
        "device_kind": "real",
        "via_linked_personal": False,
        "client_version": "4.1.0",
        "plugin_signatures": ["auto-clicker"],
    }
    w.pipeline.ingest([login])
    w.pipeline.ingest(stream.events[: len(stream.events) // 2])
    assert not _late_flags(w)
    ref = runner.fresh(stream)
    one_by_one(ref, [login, *stream.events])
    assert _live(w) == _live(ref)
    assert not _late_flags(ref)


# the greetings of the S-D4 tie case's searches at one instant, in event order (indices into GREETINGS)
_TIE_GREETINGS = [4, 5, 4, 2, 3, 5, None, 2, 0, 0, 2, 0, 2, 1, 5, 0, 3, 1, 2, 1, 1, 3, 2, 2, 1, 5, 5]


def _unblock_reversed_amid_a_burst() -> Stream:
    """late18b's draw of one member per enterprise, kept as it was drawn (acc-3's events; the helper acc-2 has one):
    acc-3, verified, three weeks old, its unblock lifted at 03:00 (helper acc-2, device dev-1), sends a message a day
    before, removes a contact, then at 07:00 searches 27 phone numbers, sensitive greetings among them, and in the
    middle logs in on the helper's device and asks once more (`_TIE_GREETINGS`: None is that login and ask). All
    at one instant: event order is by id."""
    at = datetime(2026, 11, 25, 7, tzinfo=T0.tzinfo)
    ents = [
        Enterprise("ent-2", "Enterprise 2", False, datetime(2026, 11, 14, tzinfo=T0.tzinfo)),
        Enterprise("ent-3", "Enterprise 3", True, datetime(2026, 9, 25, tzinfo=T0.tzinfo)),
    ]
    accounts = [
        Account("acc-2", "ent-2", "13800000002", False, datetime(2025, 10, 20, tzinfo=T0.tzinfo), "a", "n", "c"),
        Account("acc-3", "ent-3", "13800000003", True, datetime(2026, 11, 4, tzinfo=T0.tzinfo), "a", "n", "c"),
    ]
    events: list[dict[str, Any]] = [
        {"occurred_at": at - timedelta(hours=29, seconds=45), "type": "message", "account_id": "acc-3"}
        | {"text": MESSAGES[5], "to_external": True, "recipient_id": "c-5"},
        {"occurred_at": at - timedelta(hours=5, seconds=45), "type": "contact_removed", "account_id": "acc-2"}
        | {"contact_id": "c-2"},
        {"occurred_at": at - timedelta(hours=4, seconds=45), "type": "contact_removed", "account_id": "acc-3"}
        | {"contact_id": "c-1"},
    ]
    k = 0
    for g in _TIE_GREETINGS:
        if g is None:  # the login on the helper's device, then the search that asks (`streams`' tipping login)
            events.append({"type": "login", "account_id": "acc-3", "device_id": "dev-1", "client_version": "4.1.0"})
            target = "13999990000"
            g = 0
        else:
            target, k = f"139{4:04d}{k:04d}", k + 1
        events.append({"type": "contact_request", "account_id": "acc-3", "method": "phone_search", "target": target})
        events[-1]["greeting"] = GREETINGS[g]
    for n, e in enumerate(events):
        e["id"], e["occurred_at"] = f"ev-{n:04d}", e.get("occurred_at", at).isoformat()
    return Stream(ents, accounts, events, [Lift("unb_prop", "acc-3", "acc-2", "dev-1", at - timedelta(hours=4))])


def test_S_D4_a_reversal_tipped_amid_a_burst_keeps_its_place_among_one_instants_strikes_when_the_oldest_arrives_last(
    runner: Runner,
) -> None:
    """Per account, S-D4 with S-A1 and S-A6 at one instant (`_unblock_reversed_amid_a_burst`, late18b's draw with one
    member per enterprise: cuts [1, 26], the last batch first, the oldest event last). In event order acc-3's
    greetings are struck (S-A6, step 1: probation), the login on the helper's device reverses the unblock (its
    strike at step 2, a 3-day login restriction without self-service), then the burst is struck (S-A1, step 3,
    login for 7 days). Sent late, the reversal's strike was made on a partial history at step 0 and, its id
    derived from the application, stayed on the subject while the re-decision decided the events before its login
    (and `_restep_account` ordered the instant's strikes by their stored step): the velocity strike at step 2,
    the reversal at step 0 restricting adding only. Now it is taken aside and put back after its login, and the
    live state is event order's, with no review flag (nobody acted on those strikes)."""
    stream = _unblock_reversed_amid_a_burst()
    w = runner.fresh(stream)
    one_by_one(w, stream.events)
    want = snapshot(w, stream)
    steps = {s[3]: s[5] for s in want["strikes"] if s[2] == "acc-3"}
    assert steps == {"sensitive_words": 1, "third_party_unblock": 2, "phone_search_velocity": 3}, steps
    late = runner.fresh(stream)
    for b in reversed(split(stream.events, [1, 26])):
        late.pipeline.ingest(b)
    got = _without_superseded(snapshot(late, stream))
    want["outcomes"] = got["outcomes"] = {}  # answers given stay given
    assert diff(stream, want, got, "late") is None
    assert {r[3]: (r[4], r[5]) for r in got["restrictions"] if r[2] == "acc-3"}["third_party_unblock"] == ("login", 2)
    assert not _late_flags(late)
