"""Issue 10 items 11 and 12 through the service, on SQLite and PostgreSQL: report reasons take their severity
class, a reviewer imposes a severity (a permanent one with four eyes), the unverified-enterprise cap counts
removals and shows in the explanation, PUT profile edits count for profile stability, and restrictions name
their triggering events."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import World, build, policy_with
from warden.adapters import tables as t
from warden.kernel.access import Principal, Role
from warden.kernel.clock import FixedClock
from warden.kernel.errors import Conflict, Forbidden, IdempotencyKeyReused, InvalidInput
from warden.kernel.model import Account
from warden.policy import PolicyError, load_policy_text

READER = Principal("test", Role.AUDITOR)
"""Reads weights as a global role (every tenant's; a missing subject is a 404)."""


def _reports(world: World, reasons: list[str], account: str = "acc-1", minutes: int = 30) -> list[dict]:
    evs = []
    for i, reason in enumerate(reasons):
        world.clock.advance(minutes=minutes)
        evs.append(world.event("report", account, reporter_id=f"colleague-{i}", reason=reason))
    return evs


PLATFORM = Principal("test", Role.PLATFORM)  # the platform's integration, as the PUT routes act for it


def _strikes(world: World, account: str = "acc-1") -> list:
    return world.w.enforcement.subject(account).strikes


def reviewer(token_id: str) -> Principal:
    """A reviewer's token; its actor is `reviewer:<token_id>`."""
    return Principal(token_id, Role.REVIEWER)


# --- S-A2: a report's reason maps to a severity class -------------------------------------------------------


def test_S_A2_harassment_reports_from_six_colleagues_take_the_medium_class_not_a_pause(world: World) -> None:
    for ev in _reports(world, ["harassment"] * 6):
        world.send(ev)
    [strike] = _strikes(world)
    assert strike.rule_id == "reports" and strike.severity == "M" and strike.step == 1
    assert strike.evidence["reasons"] == {"harassment": 3} and strike.evidence["severity"] == "M"
    explained = world.w.enforcement.explain("acc-1", "en")
    [r] = explained["restrictions"]
    assert r["scope"] == "features" and r["severity"] == "M" and "harassment 3" in r["reason_text"]
    assert explained["state"] == "restricted"  # a 1-day feature restriction (step 1), not a 24-hour pause


def test_S_A2_reports_strike_takes_the_highest_class_among_the_window_reports(world: World) -> None:
    world.send(*_reports(world, ["spam", "harassment", "spam"]))
    [strike] = _strikes(world)
    assert strike.severity == "M" and strike.evidence["reasons"] == {"spam": 2, "harassment": 1}


def test_S_A2_spam_reports_stay_light(world: World) -> None:
    world.send(*_reports(world, ["spam", "other", "spam"]))
    [strike] = _strikes(world)
    assert strike.severity == "L" and strike.step == 0


def test_S_A2_reason_severity_must_name_a_class_of_the_ladder() -> None:
    from warden.adapters.policy_file import load_policy

    text = load_policy().text.replace("harassment: M ", "harassment: X ")
    with pytest.raises(PolicyError) as err:
        load_policy_text(text, "bad.yaml")
    assert "reason_severity.harassment 'X' is not a severity class" in str(err.value)
    text = load_policy().text.replace("      harassment: M ", "      bullying: M ")
    with pytest.raises(PolicyError) as err:
        load_policy_text(text, "bad.yaml")
    assert "reason_severity.bullying" in str(err.value)


# --- S-C1/S-C4: a reviewer imposes a severity; permanent takes four eyes -------------------------------------


def test_S_C4_a_manual_medium_strike_is_issued_at_once_through_the_ladder(world: World) -> None:
    desk = world.w.appeals.manual_strikes
    res = desk.request(reviewer("a"), "acc-1", "M", "harassed customers in chats")
    assert res.status == "issued" and res.strike is not None and res.restriction is not None
    assert res.strike.rule_id == "manual" and res.strike.severity == "M" and res.strike.step == 1
    assert res.strike.event_id is None and res.restriction.scope.value == "features"
    explained = world.w.enforcement.explain("acc-1", "en")
    assert explained["restrictions"][0]["reason_text"] == "reviewer action: harassed customers in chats"
    again = desk.request(reviewer("a"), "acc-1", "M", "second time")  # the ladder climbs
    assert again.strike is not None and again.strike.step == 2


def test_S_C4_a_permanent_manual_strike_needs_a_second_reviewer(world: World) -> None:
    desk = world.w.appeals.manual_strikes
    res = desk.request(reviewer("a"), "acc-1", "S", "sold plug-ins to colleagues")
    assert res.status == "proposed" and res.strike is None and res.case["four_eyes"] and res.case["step"] == 5
    assert world.w.enforcement.explain("acc-1")["state"] == "normal"  # nothing in force yet
    with pytest.raises(Forbidden):
        desk.confirm(reviewer("a"), res.case_id, True)
    done = desk.confirm(reviewer("b"), res.case_id, True, "seen the evidence")
    assert done.status == "issued" and done.strike is not None and done.strike.step == 5
    assert done.strike.evidence["confirmed_by"] == "reviewer:b" and done.strike.evidence["actor"] == "reviewer:a"
    assert world.w.enforcement.explain("acc-1")["state"] == "banned"
    with pytest.raises(Conflict):
        desk.confirm(reviewer("c"), res.case_id, True)
    with world.w.engine.connect() as c:
        actions = [r.action for r in c.execute(sa.select(t.audit_log.c.action).order_by(t.audit_log.c.seq))]
        actions = [a for a in actions if a != "state.rows"]  # the state rows each change vouches for (issue 12)
    assert "strike.proposed" in actions and actions[-2:] == ["strike.issued", "restriction.imposed"]


def test_S_C4_escalation_to_the_top_also_takes_four_eyes_and_a_decline_issues_nothing(world: World) -> None:
    desk = world.w.appeals.manual_strikes
    for _ in range(5):  # steps 1, 2, 3, 4 … the fifth M would be permanent
        last = desk.request(reviewer("a"), "acc-1", "M", "repeated abuse")
    assert last.status == "proposed" and last.case["step"] == 5
    declined = desk.confirm(reviewer("b"), last.case_id, False, "step 4 is enough")
    assert declined.status == "declined" and declined.strike is None
    assert sorted(s.step for s in _strikes(world)) == [1, 2, 3, 4]


def test_S_C4_a_second_permanent_ban_proposal_for_one_account_is_409_naming_the_open_one(world: World) -> None:
    """The tester's case: M strikes until one comes back proposed, then an S request: both were 202 and a
    second reviewer confirmed both (two active step-5 restrictions)."""
    desk = world.w.appeals.manual_strikes
    for _ in range(5):
        last = desk.request(reviewer("a"), "acc-1", "M", "repeated abuse")
    assert last.status == "proposed"
    with pytest.raises(Conflict) as err:
        desk.request(reviewer("c"), "acc-1", "S", "sold plug-ins")
    assert last.case_id in err.value.detail
    with pytest.raises(Conflict):
        desk.request(reviewer("a"), "acc-1", "M", "again")
    done = desk.confirm(reviewer("b"), last.case_id, True)
    assert done.status == "issued"
    with pytest.raises(Conflict) as banned:  # once banned, no new permanent proposal either
        desk.request(reviewer("c"), "acc-1", "S", "sold plug-ins")
    assert "already permanently banned" in banned.value.detail
    assert sum(1 for s in _strikes(world) if s.step == 5) == 1

    # issue 12: a light strike on the banned account says what happened (nothing), not "a second ban adds nothing"
    with pytest.raises(Conflict) as light:
        desk.request(reviewer("c"), "acc-1", "L", "one more spam report")
    detail = light.value.detail
    assert detail.startswith("nothing was recorded") and "severity L would be step 5" in detail, detail
    assert "no strike was issued and no proposal was opened" in detail and "adds nothing" not in detail
    assert sum(1 for s in _strikes(world) if s.step == 5) == 1


def test_S_C4_a_declined_proposal_lets_a_new_one_be_opened(world: World) -> None:
    desk = world.w.appeals.manual_strikes
    first = desk.request(reviewer("a"), "acc-1", "S", "sold plug-ins")
    desk.confirm(reviewer("b"), first.case_id, False, "not enough")
    second = desk.request(reviewer("a"), "acc-1", "S", "sold plug-ins, new evidence")
    assert second.status == "proposed" and second.case_id != first.case_id


def test_S_C4_confirming_a_proposal_re_checks_that_the_account_is_not_already_banned(world: World) -> None:
    """Two proposals left open (as before this fix allowed): the second confirmation is refused with a 409 that
    says the account is already permanently banned, and nothing is issued."""
    desk = world.w.appeals.manual_strikes
    first = desk.request(reviewer("a"), "acc-1", "S", "sold plug-ins")
    with world.w.engine.begin() as conn:  # a second open proposal, stored before the one-open rule existed
        row = conn.execute(sa.select(t.flags).where(t.flags.c.id == first.case_id)).one()._asdict()
        conn.execute(sa.insert(t.flags).values({**row, "id": "msk_legacy"}))
    assert desk.confirm(reviewer("b"), first.case_id, True).status == "issued"
    with pytest.raises(Conflict) as err:
        desk.confirm(reviewer("b"), "msk_legacy", True)
    assert "already permanently banned" in err.value.detail and "msk_legacy" in err.value.detail
    assert sum(1 for s in _strikes(world) if s.step == 5) == 1
    assert desk.get(reviewer("b"), "msk_legacy").status == "proposed"  # still open: a reviewer declines it
    assert desk.confirm(reviewer("b"), "msk_legacy", False, "already banned").status == "declined"


def test_S_C4_manual_strike_bad_input_names_the_field_and_stores_nothing(world: World) -> None:
    desk = world.w.appeals.manual_strikes
    with pytest.raises(InvalidInput) as err:
        desk.request(reviewer("a"), "acc-1", "Z", "no")
    assert [e.field for e in err.value.errors] == ["severity", "reason"]
    assert _strikes(world) == []


def test_S_C4_manual_strike_idempotency_key_replays_or_refuses_a_different_request(world: World) -> None:
    desk = world.w.appeals.manual_strikes
    first = desk.request(reviewer("a"), "acc-1", "M", "harassment", "k1")
    again = desk.request(reviewer("a"), "acc-1", "M", "harassment", "k1")
    assert again.replayed and again.strike is not None and first.strike is not None
    assert again.strike.id == first.strike.id
    with pytest.raises(IdempotencyKeyReused) as err:
        desk.request(reviewer("a"), "acc-1", "L", "harassment", "k1")
    assert "'k1'" in err.value.detail and [e.field for e in err.value.errors] == ["Idempotency-Key", "severity"]
    assert len(_strikes(world)) == 1


# --- S-A4: the unverified-enterprise cap counts removals and is explained -------------------------------------


@pytest.fixture
def capped(db_url: str, clock: FixedClock) -> World:
    w = build(db_url, clock, policy_with({"max_external_contacts: 200": "max_external_contacts: 3"}))
    world = World(w, clock)
    world.enterprise("ent-u", verified=False)
    world.account("acc-u", "ent-u")
    return world


def _request(world: World) -> bool:
    world.clock.advance(minutes=5)
    out = world.send(world.event("contact_request", "acc-u", method="qr_code", target="t", greeting="hi"))
    return bool(out.outcomes[0].allowed)


def test_S_A4_external_removals_free_places_under_the_unverified_enterprise_cap(capped: World) -> None:
    w = capped
    w.send(*[w.event("contact_added", "acc-u", contact_id=f"c{i}", external=True) for i in range(3)])
    assert w.w.enforcement.get_enterprise("ent-u").external_contacts == 3
    assert _request(w) is False
    w.send(w.event("contact_removed", "acc-u", contact_id="colleague", external=False))  # internal: no change
    assert w.w.enforcement.get_enterprise("ent-u").external_contacts == 3 and _request(w) is False
    w.send(w.event("contact_removed", "acc-u", contact_id="c1"))  # external by default, as on contact_added
    assert w.w.enforcement.get_enterprise("ent-u").external_contacts == 2
    assert _request(w) is True


def test_S_A4_external_contact_count_never_goes_below_zero(capped: World) -> None:
    w = capped
    w.send(w.event("contact_removed", "acc-u", contact_id="before-warden", external=True))
    assert w.w.enforcement.get_enterprise("ent-u").external_contacts == 0


@pytest.fixture
def capped_200(db_url: str, clock: FixedClock) -> World:
    w = build(db_url, clock)
    world = World(w, clock)
    world.enterprise("ent-u", verified=False)
    world.account("acc-u", "ent-u")
    world.account("acc-v", "ent-u")
    world.send(*[world.event("contact_added", "acc-u", contact_id=f"c{i}", external=True) for i in range(200)])
    return world


def _count(world: World) -> int:
    return world.w.enforcement.get_enterprise("ent-u").external_contacts


def test_S_A4_only_the_removal_of_an_existing_external_contact_frees_a_place(capped_200: World) -> None:
    """The tester's case: five genuine removals free five places; a removal of a contact never added, a second
    removal of the same contact and a removal dated before the contact's add free none (cap bypass)."""
    w = capped_200
    assert _count(w) == 200 and _request(w) is False
    w.clock.advance(minutes=1)
    w.send(*[w.event("contact_removed", "acc-u", contact_id=f"c{i}") for i in range(10, 15)])
    assert _count(w) == 195
    w.send(w.event("contact_removed", "acc-u", contact_id="never-added"))
    assert _count(w) == 195
    w.send(w.event("contact_removed", "acc-u", contact_id="c10"))  # already removed
    assert _count(w) == 195
    w.send(w.event("contact_removed", "acc-u", contact_id="c1", at=w.clock.now() - timedelta(days=1)))  # before its add
    assert _count(w) == 195
    w.send(w.event("contact_removed", "acc-v", contact_id="c2"))  # c2 is acc-u's contact, not acc-v's
    assert _count(w) == 195
    w.send(w.event("contact_added", "acc-u", contact_id="c3"))  # already a contact: counts once
    assert _count(w) == 195
    w.clock.advance(minutes=1)
    w.send(*[w.event("contact_added", "acc-u", contact_id=f"c{i}") for i in range(10, 14)])  # re-adds count again
    assert _count(w) == 199 and _request(w) is True
    w.send(w.event("contact_added", "acc-u", contact_id="c14"))
    assert _count(w) == 200 and _request(w) is False


def test_S_A4_a_request_is_judged_by_the_contacts_live_at_its_own_time(capped_200: World) -> None:
    """Event time: a removal stored later but dated after a request does not free a place for it; a late
    request dated between the removal and the re-add sees the freed place."""
    w = capped_200
    t0 = w.clock.now()
    w.clock.advance(hours=2)
    w.send(
        w.event("contact_removed", "acc-u", contact_id="c5", at=t0 + timedelta(minutes=30)),
        w.event("contact_added", "acc-u", contact_id="c5", at=t0 + timedelta(minutes=90)),
    )
    assert _count(w) == 200
    late = w.send(
        w.event(
            "contact_request", "acc-u", at=t0 + timedelta(minutes=10), method="qr_code", target="t1", greeting="hi"
        ),
        w.event(
            "contact_request", "acc-u", at=t0 + timedelta(minutes=60), method="qr_code", target="t2", greeting="hi"
        ),
    )
    assert [o.allowed for o in late.outcomes] == [False, True]
    assert [
        r.params["external_contacts"] for r in late.outcomes[0].reasons if r.code == "cap.unverified_enterprise"
    ] == [200]


def test_S_A4_the_live_count_is_the_same_after_a_restart(capped_200: World, db_url: str) -> None:
    w = capped_200
    w.send(w.event("contact_removed", "acc-u", contact_id="c1"), w.event("contact_removed", "acc-u", contact_id="c1"))
    again = World(build(db_url, w.clock), w.clock)
    again._n = w._n
    assert again.w.enforcement.get_enterprise("ent-u").external_contacts == 199
    again.send(again.event("contact_removed", "acc-u", contact_id="c1"))
    assert again.w.enforcement.get_enterprise("ent-u").external_contacts == 199
    assert _request(again) is True


def test_S_A4_cap_refusals_appear_in_the_explanation_with_what_to_do(capped: World) -> None:
    w = capped
    before = w.w.enforcement.explain("acc-u", "en")
    assert before["refusals"] == [] and before["can_add_contacts"] is True
    w.send(*[w.event("contact_added", "acc-u", contact_id=f"c{i}") for i in range(3)])
    explained = w.w.enforcement.explain("acc-u", "en")
    assert explained["state"] == "capped" and explained["restrictions"] == []  # not "in good standing"
    assert explained["can_add_contacts"] is False
    [refusal] = explained["refusals"]
    assert refusal["code"] == "cap.unverified_enterprise" and refusal["spec"] == "S-A4"
    assert refusal["params"] == {"external_contacts": 3, "cap": 3} and "cap of 3" in refusal["text"]
    assert "verify the enterprise" in refusal["advice"]
    codes = [a["code"] for a in explained["advice"]]
    assert "unverified_enterprise_cap" in codes and "unverified_enterprise" not in codes
    zh = w.w.enforcement.explain("acc-u")
    assert "企业实名认证" in zh["refusals"][0]["advice"]


# --- S-B1: PUT profile edits count for profile stability ---------------------------------------------------------


def test_S_B1_profile_edits_through_put_are_ingested_as_profile_change_events(world: World) -> None:
    acc = world.w.enforcement.get_account("acc-1")
    for i in range(4):
        world.clock.advance(hours=1)
        edited = Account(**{**acc.__dict__, "nickname": f"nick-{i}"})
        assert world.w.enforcement.put_account(PLATFORM, edited)[1] is False
    _, again = world.w.enforcement.put_account(PLATFORM, Account(**{**acc.__dict__, "nickname": "nick-3"}))
    assert again is False
    with world.w.engine.connect() as c:
        rows = c.execute(sa.select(t.events.c.type, t.events.c.payload).where(t.events.c.account_id == "acc-1")).all()
    assert [r.type for r in rows] == ["profile_change"] * 4  # the unchanged retry ingested nothing
    assert world.w.enforcement.get_account("acc-1").nickname == "nick-3"
    factors = {f["code"]: f for f in world.w.weight.account(READER, "acc-1").model_dump()["factors"]}
    assert factors["profile_stability"]["points"] == 0  # 4 changes in 30 days: 2 free, −5 each after


def test_S_B1_put_with_an_unknown_enterprise_names_the_field_and_ingests_nothing(world: World) -> None:
    acc = world.w.enforcement.get_account("acc-1")
    with pytest.raises(InvalidInput) as err:
        world.w.enforcement.put_account(PLATFORM, Account(**{**acc.__dict__, "enterprise_id": "nope", "nickname": "x"}))
    assert [e.field for e in err.value.errors] == ["enterprise_id"]
    with world.w.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(t.events)).scalar() == 0


# --- restrictions name their triggering events; history pages newest first ---------------------------------------


def test_S_A7_restrictions_name_the_triggering_event_ids(world: World) -> None:
    evs = [world.phone_search() for _ in range(21)]
    world.send(*evs)
    [r] = world.w.enforcement.explain("acc-1", "en")["restrictions"]
    assert r["event_ids"][0] == evs[20]["id"]  # the strike's event first
    assert set(r["event_ids"]) <= {e["id"] for e in evs} and len(r["event_ids"]) == 20


def test_S_C2_enterprise_restriction_history_pages_newest_first_with_lifted_ones(world: World) -> None:
    w = world.w
    first = w.manual_actions.restrict_enterprise("ent-1", "reviewer:a", "M", "spam ring")
    world.clock.advance(hours=1)
    w.manual_actions.lift_restriction(first.id, "reviewer:a", "fixed")
    world.clock.advance(hours=1)
    second = w.manual_actions.restrict_enterprise("ent-1", "reviewer:a", "M", "again")
    page, nxt = w.enforcement.restriction_page("enterprise", "ent-1", limit=1)
    assert [r.id for r, _ in page] == [second.id] and nxt is not None
    page2, nxt2 = w.enforcement.restriction_page("enterprise", "ent-1", limit=1, cursor=nxt)
    assert [r.id for r, _ in page2] == [first.id] and nxt2 is None
    assert page2[0][0].lifted_at is not None and page2[0][1] is not None and page2[0][1].severity == "M"
    with pytest.raises(InvalidInput) as err:
        w.enforcement.restriction_page("enterprise", "ent-1", cursor="garbage!")
    assert err.value.errors[0].field == "cursor"


def test_S_A4_the_kept_contact_ledger_sees_another_process_and_forgets_a_failed_batch(
    capped: World, db_url: str, clock: FixedClock
) -> None:
    """Issue 16: a process keeps each enterprise's contact ledger between batches; another process's contacts
    (the audit tail moved) and a batch that failed after its contacts were folded in must not be counted."""
    from tests.conftest import extra_features
    from warden.pipeline.feature import Feature

    class FailsOnStore(Feature):
        name = "fails_on_store"

        def after_store(self, conn: object, audit: object, batch: object) -> None:
            raise RuntimeError("the database refused")

    w = capped
    w.send(w.event("contact_added", "acc-u", contact_id="c0", external=True))
    assert _request(w) is True  # the ledger of ent-u is now kept by this process
    other = build(db_url, clock, policy_with({"max_external_contacts: 200": "max_external_contacts: 3"}))
    try:
        other_world = World(other, clock)
        other_world._n = 1000  # ids of its own
        other_world.send(
            *[other_world.event("contact_added", "acc-u", contact_id=f"o{i}", external=True) for i in range(2)]
        )
    finally:
        other.engine.dispose()
    assert _request(w) is False  # 3 live: the other process's two count
    w.send(w.event("contact_removed", "acc-u", contact_id="o0"))
    assert _request(w) is True
    with extra_features(w.w, FailsOnStore()), pytest.raises(RuntimeError):  # fails after its add was folded in
        w.send(w.event("contact_added", "acc-u", contact_id="x", external=True))
    assert w.w.enforcement.get_enterprise("ent-u").external_contacts == 2
    assert _request(w) is True  # the failed batch's contact is not counted
