"""S-A1, S-A3, S-A4, S-A6, S-A7 through the service on both databases."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import World, policy_with


def codes(outcome) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.code for r in outcome.reasons]


def test_S_A1_phone_search_above_soft_limit_is_allowed_with_a_warning(world: World) -> None:
    outs = world.send(*[world.phone_search() for _ in range(11)]).outcomes
    assert all(o.allowed for o in outs)
    assert codes(outs[9]) == []
    assert codes(outs[10]) == ["velocity.soft_limit"]


def test_S_A1_phone_search_above_hard_limit_is_refused_and_restricts(world: World) -> None:
    outs = world.send(*[world.phone_search() for _ in range(21)]).outcomes
    assert outs[19].allowed is True
    assert outs[20].allowed is False and "velocity.hard_limit" in codes(outs[20])
    subj = world.w.enforcement.subject("acc-1")
    assert [s.rule_id for s in subj.strikes] == ["phone_search_velocity"]
    assert subj.strikes[0].step == 0
    assert subj.strikes[0].policy_hash == world.w.loaded.hash


def test_S_A1_window_slides_so_old_searches_stop_counting(world: World) -> None:
    early = world.clock.now() - timedelta(minutes=90)
    world.send(*[world.phone_search(at=early) for _ in range(15)])
    outs = world.send(*[world.phone_search() for _ in range(15)]).outcomes
    assert all(o.allowed for o in outs)  # the hour window holds only the last 15


def test_S_A1_new_accounts_get_half_the_limits(world: World) -> None:
    world.account("acc-new", age_days=3)
    outs = world.send(*[world.phone_search("acc-new") for _ in range(11)]).outcomes
    assert outs[9].allowed is True
    assert outs[10].allowed is False
    hour = next(r for r in outs[10].reasons if r.params.get("window") == "hour")
    assert hour.code == "velocity.hard_limit" and hour.params["hard"] == 10
    assert "new_account" in hour.params["modifiers"]


def test_S_A1_a_slow_and_steady_adder_under_the_hourly_limit_is_stopped_by_its_pace(world: World) -> None:
    """15 phone-search adds an hour (under the hourly hard limit of 20), hour after hour: the 3-hour pace window
    (hard 30) refuses and restricts at the 31st add, long before the day limit."""
    start = world.clock.now() - timedelta(hours=4)
    outs = world.send(*[world.phone_search(at=start + timedelta(minutes=4 * k)) for k in range(45)]).outcomes
    assert all(o.allowed for o in outs[:30])
    assert outs[30].allowed is False
    pace = next(r for r in outs[30].reasons if r.code == "velocity.hard_limit")
    assert pace.params["window"] == "pace" and pace.params["count"] == 31
    assert [s.rule_id for s in world.w.enforcement.subject("acc-1").strikes] == ["phone_search_velocity"]


def test_S_A1_an_honest_heavy_user_under_the_pace_is_never_restricted(world: World) -> None:
    """Eight adds in each working hour of a day (under the hourly soft limit): 24 in any 3 hours, 64 in the day
    would pass the day limit, so this user spreads 48 over six hours — warned, never refused."""
    start = world.clock.now() - timedelta(hours=7)
    outs = world.send(*[world.phone_search(at=start + timedelta(minutes=7.5 * k)) for k in range(48)]).outcomes
    assert all(o.allowed for o in outs)
    assert world.w.enforcement.subject("acc-1").strikes == []


def test_S_A3_unverified_account_gets_tighter_limits(world: World) -> None:
    world.account("acc-unv", verified=False)
    outs = world.send(*[world.phone_search("acc-unv") for _ in range(11)]).outcomes
    assert outs[10].allowed is False
    assert "account_unverified" in outs[10].reasons[-1].params["modifiers"]


def test_S_A4_account_of_unverified_enterprise_gets_tighter_limits(world: World) -> None:
    world.enterprise("ent-unv", verified=False)
    world.account("acc-e", "ent-unv")
    outs = world.send(*[world.phone_search("acc-e") for _ in range(11)]).outcomes
    assert outs[10].allowed is False
    assert "enterprise_unverified" in outs[10].reasons[-1].params["modifiers"]


def test_S_A4_unverified_enterprise_external_contact_cap_refuses_more_requests(world: World) -> None:
    world.w.rules.policy = policy_with({"max_external_contacts: 200": "max_external_contacts: 2"}).policy
    world.enterprise("ent-unv", verified=False)
    world.account("acc-e", "ent-unv")
    world.send(*[world.event("contact_added", "acc-e", contact_id=f"c{i}") for i in range(2)])
    out = world.send(world.event("contact_request", "acc-e", method="qr_code", target="x")).outcomes[0]
    assert out.allowed is False and codes(out) == ["cap.unverified_enterprise"]


def test_S_A6_greeting_with_sensitive_word_is_blocked_and_names_the_word(world: World) -> None:
    out = world.send(world.event("contact_request", method="qr_code", target="x", greeting="加我领红包")).outcomes[0]
    assert out.allowed is False
    reason = out.reasons[0]
    assert reason.code == "greeting.sensitive" and reason.spec == "S-A6"
    assert reason.params["hits"][0]["term"] == "红包"


def test_S_A6_third_sensitive_greeting_in_a_day_is_a_strike(world: World) -> None:
    greeting = "返利群，加我"  # 返利 with a lure beside it: evidence of intent
    world.send(*[world.event("contact_request", method="qr_code", target="x", greeting=greeting) for _ in range(2)])
    assert world.w.enforcement.subject("acc-1").strikes == []
    world.send(world.event("contact_request", method="qr_code", target="x", greeting=greeting))
    assert [s.rule_id for s in world.w.enforcement.subject("acc-1").strikes] == ["sensitive_words"]


def test_S_A6_an_ordinary_word_named_plainly_in_greetings_warns_and_never_restricts_honest_staff(world: World) -> None:
    # a supplier's finance clerk greets customers about last quarter's rebate, many times a day
    greeting = "您好，我是供应商的财务，想跟您核对一下上季度的返利金额"
    outs = world.send(
        *[world.event("contact_request", method="qr_code", target=f"c{i}", greeting=greeting) for i in range(6)]
    ).outcomes
    assert all(o.allowed for o in outs)
    assert codes(outs[-1]) == ["greeting.sensitive_weak"]
    assert outs[-1].reasons[0].params["hits"][0]["intent"] is False
    assert world.w.enforcement.subject("acc-1").strikes == []
    # the same word in disguise is evidence of its own: refused
    out = world.send(
        world.event("contact_request", method="qr_code", target="z", greeting="您好，想跟您核对一下上季度的fanli")
    ).outcomes[0]
    assert out.allowed is False and codes(out) == ["greeting.sensitive"]


def test_S_A6_ordinary_greeting_passes(world: World) -> None:
    out = world.send(
        world.event("contact_request", method="qr_code", target="x", greeting="您好，我是销售部的小王")
    ).outcomes[0]
    assert out.allowed is True and out.reasons == []


def test_S_A6_a_reps_own_phone_number_in_a_greeting_warns_and_never_counts_toward_a_strike(world: World) -> None:
    greeting = "您好，我是华东建材的销售王华，电话13800000659，有需要随时联系"
    outs = world.send(
        *[world.event("contact_request", method="qr_code", target=f"x{i}", greeting=greeting) for i in range(5)]
    ).outcomes
    assert all(o.allowed for o in outs)
    assert codes(outs[0]) == ["greeting.sensitive_weak"]
    assert world.w.enforcement.subject("acc-1").strikes == []


def test_S_A6_leading_a_contact_off_the_platform_still_blocks(world: World) -> None:
    out = world.send(
        world.event("contact_request", method="qr_code", target="x", greeting="详情加我微信 wxid_abc12345")
    ).outcomes[0]
    assert out.allowed is False and "greeting.sensitive" in codes(out)


def test_S_A7_any_restriction_pauses_proactive_adding(world: World) -> None:
    world.send(*[world.event("report", reporter_id=f"r{i}", reason="spam") for i in range(3)])
    out = world.send(world.event("contact_request", method="qr_code", target="x")).outcomes[0]
    assert out.allowed is False and codes(out) == ["paused.restricted"]


def test_restriction_lifts_by_itself_when_it_ends(world: World) -> None:
    world.send(*[world.event("report", reporter_id=f"r{i}", reason="spam") for i in range(3)])
    world.clock.advance(hours=25)
    out = world.send(world.event("contact_request", method="qr_code", target="x")).outcomes[0]
    assert out.allowed is True
    assert world.w.enforcement.explain("acc-1")["state"] == "normal"


def test_S_C2_enterprise_restriction_applies_to_every_member_and_lifting_restores_them(world: World) -> None:
    world.account("acc-2")
    r = world.w.manual_actions.restrict_enterprise("ent-1", "reviewer:test", "M", "mass spam from many members")
    assert r.subject_type == "enterprise" and r.step >= 2  # enterprise penalties start at step 2
    for aid in ("acc-1", "acc-2"):
        login = world.send(world.event("login", aid, device_id="d", client_version="4.1.0")).outcomes[0]
        assert login.allowed is False
        assert world.w.enforcement.explain(aid)["restrictions"][0]["subject_type"] == "enterprise"
    world.w.manual_actions.lift_restriction(r.id, "reviewer:test", "documents accepted")
    for aid in ("acc-1", "acc-2"):
        assert world.send(world.event("login", aid, device_id="d", client_version="4.1.0")).outcomes[0].allowed is True


def test_S_A6_a_policy_may_count_plain_ordinary_words_toward_the_repeat_restriction(world: World) -> None:
    world.w.rules.policy = policy_with({"    ordinary_words: warn ": "    ordinary_words: count"}).policy
    greeting = "您好，我是供应商的财务，想跟您核对一下上季度的返利金额"
    outs = world.send(
        *[world.event("contact_request", method="qr_code", target=f"c{i}", greeting=greeting) for i in range(3)]
    ).outcomes
    assert all(o.allowed for o in outs)  # `count` never refuses a text for a plain word alone …
    assert codes(outs[0]) == ["greeting.sensitive"]
    assert [s.rule_id for s in world.w.enforcement.subject("acc-1").strikes] == ["sensitive_words"]  # … but counts
