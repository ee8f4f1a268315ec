"""S-D4 abnormal unblocks as a standing judgement over the unblock graph (issue 15, item 1), on both databases:
a later unblock, a later login and the platform's report re-judge earlier unblocks; SMS unblocks are judged too;
the same evidence in another order or batching gives the same reversals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import World, build, empty
from tests.unblock_support import PLATFORM, code_from, member, plugin_ban, ready, relate, service, token_from
from warden.appeals.notifier import MemoryNotifier
from warden.kernel.clock import FixedClock
from warden.unblock.senders import MemorySender
from warden.unblock.service import Unblocking


def phone(world: World, aid: str) -> str:
    return world.w.enforcement.get_account(aid).phone


def people(world: World, *pairs: tuple[str, str]) -> None:
    """Requesters (plug-in banned) and their helpers: old, verified friends who talk (every S-D2 check passes)."""
    for r, g in pairs:
        world.account(r)
        world.account(g, age_days=400)
        relate(world, r, g)
        plugin_ban(world, r)
    world.clock.advance(days=1, hours=1)


def helped(world: World, svc: Unblocking, sender: MemorySender, requester: str, helper: str, device: str) -> str:
    app_id = ready(world, svc, requester)
    svc.nominate(PLATFORM, app_id, [helper])
    svc.confirm(member(helper), token_from(sender, phone(world, helper)), device)
    return app_id


def by_code(world: World, svc: Unblocking, sender: MemorySender, requester: str, device: str) -> str:
    app_id = ready(world, svc, requester, device_id=device)
    svc.send_code(PLATFORM, app_id)
    svc.verify_code(PLATFORM, app_id, code_from(sender, phone(world, requester)))
    return app_id


def strikes(world: World, aid: str) -> list[tuple[str, str, str]]:
    """(id, rule, at) of the account's strikes, oldest first."""
    subj = world.w.enforcement.subject(aid)
    return [(s.id, s.rule_id, s.at.isoformat()) for s in sorted(subj.strikes, key=lambda s: (s.at, s.id))]


def test_S_D4_a_second_unblock_from_the_same_device_reverses_the_first_too(world: World) -> None:
    """The issue's example: r1 lifted with g1 confirming from farm-01; r2 lifted with g2 from farm-01 → both reversed,
    each explained to both sides (zh/en), naming the evidence but not the other people."""
    people(world, ("acc-r1", "acc-g1"), ("acc-r2", "acc-g2"))
    svc, sender = service(world)
    r1 = helped(world, svc, sender, "acc-r1", "acc-g1", "farm-01")
    assert svc.view(PLATFORM, r1)["state"] == "lifted"
    world.clock.advance(hours=3)
    second_at = world.clock.now()
    r2 = helped(world, svc, sender, "acc-r2", "acc-g2", "farm-01")
    for app_id, other in ((r1, "acc-r2"), (r2, "acc-r1")):
        zh, en = svc.view(PLATFORM, app_id, "zh"), svc.view(PLATFORM, app_id, "en")
        assert zh["state"] == "reversed" and zh["refusal"]["code"] == "abnormal_unblock"
        [signal] = en["abnormal"]["signals"]
        assert signal["code"] == "signal.shared_device" and signal["params"]["with"] == "other_unblocks"
        assert "device farm-01" in signal["text"] and "1 other" in signal["text"]
        assert other not in signal["text"] and other not in zh["abnormal"]["signals"][0]["text"]
        assert en["abnormal"]["decided_at"] == second_at.isoformat() == en["reversed_at"]
    assert [r for _, r, _ in strikes(world, "acc-r1")] == ["plugin_software", "third_party_unblock"]
    assert [r for _, r, _ in strikes(world, "acc-g1")] == ["third_party_helper"]
    assert [r for _, r, _ in strikes(world, "acc-g2")] == ["third_party_helper"]
    expl = world.w.enforcement.explain("acc-r1", "en")
    assert expl["can_login"] is False and expl["restrictions"][0]["unblock"]["possible"] is False
    # both sides are told, in Chinese and English, with the evidence and without the other pair's names
    for aid in ("acc-r1", "acc-g1"):
        msg = sender.last_to(phone(world, aid))
        assert "异常" in msg and "abnormal" in msg and "farm-01" in msg and r1 in msg
        assert "acc-r2" not in msg and "acc-g2" not in msg
    assert "acc-r1" in sender.last_to(phone(world, "acc-g1"))  # the helper learns whose unblock it was
    [asked] = svc.helper_requests(member("acc-g1"), lang="en")
    assert asked["reversal"]["signals"][0]["code"] == "signal.shared_device"
    assert "acc-r1" in asked["reversal"]["text"] and "penalised" in asked["reversal"]["text"]
    assert world.w.enforcement.audit_verify().ok


def test_S_D4_a_later_login_of_the_requester_on_the_helpers_device_reverses_the_unblock(world: World) -> None:
    people(world, ("acc-r1", "acc-g1"))
    svc, sender = service(world)
    app_id = helped(world, svc, sender, "acc-r1", "acc-g1", "g1-phone")
    assert svc.view(PLATFORM, app_id)["state"] == "lifted"
    world.clock.advance(days=2)
    world.send(world.event("login", "acc-r1", device_id="own-phone", client_version="4.1.30"))
    assert svc.view(PLATFORM, app_id)["state"] == "lifted"  # the requester's own device: nothing
    world.clock.advance(hours=1)
    at = world.clock.now()
    world.send(world.event("login", "acc-r1", device_id="g1-phone", client_version="4.1.30"))
    view = svc.view(PLATFORM, app_id, "en")
    assert view["state"] == "reversed" and view["reversed_at"] == at.isoformat()
    [signal] = view["abnormal"]["signals"]
    assert signal["params"] == {"helper_id": "acc-g1", "with": "requester", "what": "device g1-phone"}
    assert signal["at"] == at.isoformat()
    assert [(r, t) for _, r, t in strikes(world, "acc-g1")] == [("third_party_helper", at.isoformat())]
    assert world.w.enforcement.explain("acc-r1")["can_login"] is False
    assert world.w.enforcement.audit_verify().ok


def test_S_D4_unblocks_by_code_are_judged_too(world: World) -> None:
    for aid in ("acc-a", "acc-b", "acc-c"):
        world.account(aid)
        plugin_ban(world, aid)
    world.clock.advance(days=1, hours=1)
    svc, sender = service(world)
    a = by_code(world, svc, sender, "acc-a", "own-a")
    b = by_code(world, svc, sender, "acc-b", "farm-02")
    assert [svc.view(PLATFORM, x)["state"] for x in (a, b)] == ["lifted", "lifted"]
    assert svc.view(PLATFORM, b)["abnormal"]["score"] == 0  # judged, clean
    world.clock.advance(minutes=30)
    c = by_code(world, svc, sender, "acc-c", "farm-02")  # a second account unblocked from the same device
    assert [svc.view(PLATFORM, x)["state"] for x in (a, b, c)] == ["lifted", "reversed", "reversed"]
    [signal] = svc.view(PLATFORM, b, "en")["abnormal"]["signals"]
    assert signal["params"]["helper_id"] is None and "The requester used" in signal["text"]
    assert "acc-c" not in sender.last_to(phone(world, "acc-b"))


def _order_world(world: World, late: bool, batched: bool) -> dict[str, Any]:
    """r1 with g1 from farm-01 (T); r1 logs in on farm-01 at T+1h; r2 with g2 from farm-01 at T+3h; r3 logs in at
    T+3h30. `late`: the logins reach warden only at the end; `batched`: in one batch."""
    people(world, ("acc-r1", "acc-g1"), ("acc-r2", "acc-g2"), ("acc-r3", "acc-g3"))
    svc, sender = service(world)
    t = world.clock.now()
    logins = [
        world.event("login", "acc-r1", at=t + timedelta(hours=1), device_id="farm-01", client_version="4.1.30"),
        world.event("login", "acc-r3", at=t + timedelta(hours=3, minutes=30), device_id="r3", client_version="4.1.30"),
    ]
    r1 = helped(world, svc, sender, "acc-r1", "acc-g1", "farm-01")
    r3 = helped(world, svc, sender, "acc-r3", "acc-g3", "g3-phone")
    if not late:
        world.clock.advance(hours=1)
        world.send(logins[0])
        world.clock.advance(hours=2)
    else:
        world.clock.advance(hours=3)
    r2 = helped(world, svc, sender, "acc-r2", "acc-g2", "farm-01")
    world.clock.advance(hours=1)
    if late and batched:
        world.send(*reversed(logins))
    elif late:
        world.send(logins[1])
        world.send(logins[0])
    else:
        world.send(logins[1])
    out: dict[str, Any] = {}
    for name, app_id in (("r1", r1), ("r2", r2), ("r3", r3)):
        v = svc.view(PLATFORM, app_id, "en")
        out[name] = (v["state"], v["reversed_at"], v["abnormal"])
    for aid in ("acc-r1", "acc-g1", "acc-r2", "acc-g2", "acc-r3", "acc-g3"):
        out[aid] = sorted((r, at) for _, r, at in strikes(world, aid))  # ids hold the random application ids
    assert world.w.enforcement.audit_verify().ok
    return out


def test_S_D4_the_same_evidence_in_another_order_or_batching_gives_the_same_reversals(
    db_url: str, clock: FixedClock
) -> None:
    results = []
    for late, batched in ((False, False), (True, False), (True, True)):
        start = clock.now()
        w = build(db_url, clock)
        world = World(w, clock)
        world.enterprise()
        results.append(_order_world(world, late, batched))
        w.engine.dispose()
        empty(db_url)
        clock.set(start)
    assert results[0] == results[1] == results[2]
    first = results[0]
    assert first["r1"][0] == first["r2"][0] == "reversed" and first["r3"][0] == "lifted"


def _tipping_world(world: World, mode: str) -> dict[str, Any]:
    """r1 lifted with g1 confirming from g1-phone; two days on r1 logs in on its own phone, then on g1-phone (the
    reversal tips), then sends a contact request and a message; g1 logs in last. `mode`: "each" one event per
    call, "batch" all in one call, "shuffled" one call in a shuffled order."""
    import random

    import sqlalchemy as sa

    from warden.adapters import tables as t

    people(world, ("acc-r1", "acc-g1"))
    svc, sender = service(world)
    app_id = helped(world, svc, sender, "acc-r1", "acc-g1", "g1-phone")
    world.clock.advance(days=2)
    t0 = world.clock.now()
    events = [
        world.event("login", "acc-r1", at=t0, device_id="own-phone", client_version="4.1.30"),
        world.event("login", "acc-r1", at=t0 + timedelta(hours=1), device_id="g1-phone", client_version="4.1.30"),
        world.event(
            "contact_request",
            "acc-r1",
            at=t0 + timedelta(hours=2),
            method="phone_search",
            target="13900001111",
            greeting="你好",
        ),
        world.event("message", "acc-r1", at=t0 + timedelta(hours=3), text="hi", to_external=True),
        world.event("login", "acc-g1", at=t0 + timedelta(hours=4), device_id="g1-phone", client_version="4.1.30"),
    ]
    world.clock.advance(hours=4)
    if mode == "each":
        results = [world.send(e) for e in events]
        outcomes = [o for r in results for o in r.outcomes]
    else:
        sent = list(events)
        if mode == "shuffled":
            random.Random(15).shuffle(sent)
            assert sent != events
        outcomes = world.send(*sent).outcomes
    out: dict[str, Any] = {
        "decisions": sorted((o.event_id, o.allowed, [r.code for r in o.reasons]) for o in outcomes),
    }
    view = svc.view(PLATFORM, app_id, "en")
    out["reversal"] = (view["state"], view["reversed_at"], view["abnormal"]["decided_at"], view["abnormal"]["score"])
    for aid in ("acc-r1", "acc-g1"):
        subj = world.w.enforcement.subject(aid)
        out[aid] = {
            "strikes": sorted((s.rule_id, s.step, s.at.isoformat()) for s in subj.strikes),
            "restrictions": sorted(
                (
                    r.rule_id,
                    r.step,
                    r.starts_at.isoformat(),
                    r.ends_at.isoformat() if r.ends_at else None,
                    r.self_unblock,
                    r.lifted_at is not None,
                )
                for r in subj.restrictions
            ),
        }
    with world.w.engine.connect() as conn:
        n = t.notifications
        rows = conn.execute(sa.select(n.c.recipient_id, n.c.kind, n.c.payload).where(n.c.kind == "unblock.reversed"))
        out["outbox"] = sorted((r.recipient_id, r.kind, app_id in r.payload) for r in rows)
    notifier = MemoryNotifier()
    world.w.appeals.desk.notifier = notifier
    world.w.appeals.deliver()
    out["delivered"] = sorted(
        (n.recipient_id, "abnormal" in n.payload["text"] and "异常" in n.payload["text"])
        for n in notifier.sent
        if n.kind == "unblock.reversed"
    )
    assert world.w.enforcement.audit_verify().ok
    return out


def test_S_D4_a_reversal_tipped_by_a_login_binds_the_later_events_of_the_same_batch(
    db_url: str, clock: FixedClock
) -> None:
    """THE ONE RULE (issue 15, item 1): the requester's login on the helper's device reverses the unblock at that
    login's time, so the requester's later contact request and message are refused by the reinstated restriction
    whether the events came one per call, in one batch, or shuffled within it; both sides are told once, through
    the outbox (the ingest path has no sender)."""
    results = []
    for mode in ("each", "batch", "shuffled"):
        start = clock.now()
        w = build(db_url, clock)
        world = World(w, clock)
        world.enterprise()
        results.append(_tipping_world(world, mode))
        w.engine.dispose()
        empty(db_url)
        clock.set(start)
    each, batch, shuffled = results
    assert each == batch == shuffled
    state, reversed_at, decided_at, _ = each["reversal"]
    assert state == "reversed" and reversed_at == decided_at
    decisions = {i: (allowed, codes) for i, allowed, codes in each["decisions"]}
    assert [allowed for allowed, _ in decisions.values()][:2] == [True, True]  # both logins go through
    request = decisions[sorted(decisions)[2]]
    assert request == (False, ["paused.restricted"])  # refused by the reinstated restriction
    assert [r for r, _, _ in each["acc-r1"]["strikes"]] == ["plugin_software", "third_party_unblock"]
    assert [r for r, _, _ in each["acc-g1"]["strikes"]] == ["third_party_helper"]
    assert each["outbox"] == [("acc-g1", "unblock.reversed", True), ("acc-r1", "unblock.reversed", True)]
    assert each["delivered"] == [("acc-g1", True), ("acc-r1", True)]  # after commit, once each, zh and en
