"""S-D2 friend-assisted unblocking and S-D4 abnormal (third-party) unblocks, through the service on both databases."""

from __future__ import annotations

import pytest

from tests.conftest import World, build, policy_with
from tests.unblock_support import PLATFORM, member, plugin_ban, ready, relate, service, token_from, violation
from warden.kernel.clock import FixedClock
from warden.kernel.errors import Conflict, InvalidInput


def phone(world: World, aid: str) -> str:
    return world.w.enforcement.get_account(aid).phone


def helper_view(svc, app_id: str, lang: str = "zh") -> dict:  # type: ignore[no-untyped-def]
    return svc.view(PLATFORM, app_id, lang)["verification"]["helpers"][-1]


@pytest.fixture
def banned(world: World) -> World:
    """acc-1 is plug-in banned and may apply; acc-h is a good helper: old, verified, a friend who talks."""
    plugin_ban(world)
    world.account("acc-h", age_days=400)
    relate(world, "acc-1", "acc-h")
    world.clock.advance(days=1, hours=1)
    return world


def test_S_D2_a_friend_confirms_and_the_restriction_lifts(banned: World) -> None:
    svc, sender = service(banned)
    app_id = ready(banned, svc)
    svc.nominate(member("acc-1"), app_id, ["acc-h"])
    assert helper_view(svc, app_id)["state"] == "pending"
    banned.clock.advance(minutes=4)
    result = svc.confirm(member("acc-h"), token_from(sender, phone(banned, "acc-h")), "dev-h", "10.0.0.2")
    assert result["helper_state"] == "confirmed"
    view = svc.view(PLATFORM, app_id)
    assert view["state"] == "lifted" and view["verification"]["passed"] == ["friend_assist"]
    assert view["abnormal"]["abnormal"] is False and view["abnormal"]["signals"] == []
    assert banned.w.enforcement.explain("acc-1")["can_login"] is True


def test_S_D2_a_helper_confirmation_expires_after_five_minutes(banned: World) -> None:
    svc, sender = service(banned)
    app_id = ready(banned, svc)
    svc.nominate(PLATFORM, app_id, ["acc-h"])
    token = token_from(sender, phone(banned, "acc-h"))
    banned.clock.advance(minutes=5)
    assert helper_view(svc, app_id)["state"] == "expired"
    result = svc.confirm(member("acc-h"), token)
    assert result["helper_state"] == "refused" and result["refusals"][0]["code"] == "helper.expired"
    assert svc.view(PLATFORM, app_id)["state"] == "awaiting_verification"
    svc.nominate(PLATFORM, app_id, ["acc-h"])  # asked again: a fresh confirmation
    svc.confirm(member("acc-h"), token_from(sender, phone(banned, "acc-h")))
    assert svc.view(PLATFORM, app_id)["state"] == "lifted"


def test_S_D2_a_helper_confirmation_is_single_use(banned: World) -> None:
    svc, sender = service(banned)
    app_id = ready(banned, svc)
    svc.nominate(PLATFORM, app_id, ["acc-h"])
    token = token_from(sender, phone(banned, "acc-h"))
    svc.confirm(member("acc-h"), token)
    with pytest.raises(Exception) as exc:
        svc.confirm(member("acc-h"), token)
    assert exc.type.__name__ in ("NotFound", "Conflict")


def test_S_D2_helper_with_a_violation_in_the_last_half_year_is_refused_and_both_see_why(banned: World) -> None:
    svc, sender = service(banned)
    violation(banned, "acc-h", days_ago=100)
    app_id = ready(banned, svc)
    svc.nominate(member("acc-1"), app_id, ["acc-h"])
    zh = helper_view(svc, app_id, "zh")
    assert zh["state"] == "refused" and zh["refusals"][0]["code"] == "helper.recent_violation"
    assert "半年内有违规" in zh["refusals"][0]["text"]
    assert "six months" in helper_view(svc, app_id, "en")["refusals"][0]["text"]
    sms = sender.last_to(phone(banned, "acc-h"))
    assert "半年内有违规" in sms  # the helper is told too
    # issue 12: the date as a person in the policy's time zone reads it, never UTC in a Chinese sentence
    assert "（北京时间）" in zh["refusals"][0]["text"] and "（北京时间）" in sms
    assert "UTC" not in zh["refusals"][0]["text"] and "UTC" not in sms
    assert svc.helper_requests(PLATFORM, "acc-h")[0]["refusals"][0]["code"] == "helper.recent_violation"
    assert svc.view(PLATFORM, app_id)["state"] == "awaiting_verification"


def test_S_D2_a_violation_older_than_half_a_year_does_not_refuse_the_helper(banned: World) -> None:
    svc, _ = service(banned)
    violation(banned, "acc-h", days_ago=200)
    app_id = ready(banned, svc)
    svc.nominate(PLATFORM, app_id, ["acc-h"])
    assert helper_view(svc, app_id)["state"] == "pending"


def test_S_D2_a_helper_who_is_restricted_is_refused(banned: World) -> None:
    svc, _ = service(banned)
    plugin_ban(banned, "acc-h")
    app_id = ready(banned, svc)
    svc.nominate(PLATFORM, app_id, ["acc-h"])
    codes = [r["code"] for r in helper_view(svc, app_id)["refusals"]]
    assert "helper.restricted" in codes and "helper.recent_violation" in codes


def test_S_D2_a_new_account_cannot_help(banned: World) -> None:
    svc, _ = service(banned)
    banned.account("acc-new", age_days=40)
    relate(banned, "acc-1", "acc-new", days=35)
    app_id = ready(banned, svc)
    svc.nominate(PLATFORM, app_id, ["acc-new"])
    refusal = helper_view(svc, app_id, "en")["refusals"]
    assert [r["code"] for r in refusal] == ["helper.too_new"] and "180 days" in refusal[0]["text"]


def test_S_D2_a_helper_without_real_name_verification_is_refused(banned: World) -> None:
    svc, _ = service(banned)
    banned.account("acc-anon", verified=False)
    relate(banned, "acc-1", "acc-anon")
    app_id = ready(banned, svc)
    svc.nominate(PLATFORM, app_id, ["acc-anon"])
    assert [r["code"] for r in helper_view(svc, app_id)["refusals"]] == ["helper.not_real_name"]


def test_S_D2_a_helper_who_helped_in_the_last_30_days_is_refused(banned: World) -> None:
    svc, sender = service(banned)
    banned.account("acc-2")
    relate(banned, "acc-2", "acc-h")
    plugin_ban(banned, "acc-2")
    banned.clock.advance(days=1, hours=1)
    first = ready(banned, svc, "acc-2")
    svc.nominate(PLATFORM, first, ["acc-h"])
    svc.confirm(member("acc-h"), token_from(sender, phone(banned, "acc-h")))
    assert svc.view(PLATFORM, first)["state"] == "lifted"
    app_id = ready(banned, svc)
    svc.nominate(PLATFORM, app_id, ["acc-h"])
    refusal = helper_view(svc, app_id)["refusals"]
    assert [r["code"] for r in refusal] == ["helper.assisted_recently"]


def test_S_D2_a_stranger_or_a_silent_contact_is_refused_for_no_relationship(banned: World) -> None:
    svc, _ = service(banned)
    banned.account("acc-stranger")
    banned.account("acc-silent")
    relate(banned, "acc-1", "acc-silent", talk=False)
    banned.account("acc-recent")
    relate(banned, "acc-1", "acc-recent", days=10)
    app_id = ready(banned, svc)
    svc.nominate(PLATFORM, app_id, ["acc-stranger", "acc-silent", "acc-recent"])
    helpers = svc.view(PLATFORM, app_id)["verification"]["helpers"]
    codes = [[r["code"] for r in h["refusals"]] for h in helpers]
    assert codes == [["helper.not_eligible"]] + [["helper.no_relationship"]] * 2  # a stranger: only "not eligible"


def test_S_D2_the_policy_chooses_the_checks_and_how_many_helpers_must_confirm(db_url: str, clock: FixedClock) -> None:
    w = build(db_url, clock, policy_with({"required: 1                  # confirmations": "required: 2 #"}))
    world = World(w, clock)
    world.enterprise()
    world.account()
    plugin_ban(world)
    for h in ("acc-h1", "acc-h2"):
        world.account(h)
        relate(world, "acc-1", h)
    world.clock.advance(days=2)
    svc, sender = service(world)
    app_id = ready(world, svc)
    svc.nominate(PLATFORM, app_id, ["acc-h1", "acc-h2"])
    svc.confirm(member("acc-h1"), token_from(sender, phone(world, "acc-h1")))
    assert svc.view(PLATFORM, app_id)["state"] == "awaiting_verification"
    svc.confirm(member("acc-h2"), token_from(sender, phone(world, "acc-h2")))
    assert svc.view(PLATFORM, app_id)["state"] == "lifted"
    w.engine.dispose()


def test_S_D2_naming_the_requester_is_an_error_naming_the_field(banned: World) -> None:
    svc, _ = service(banned)
    app_id = ready(banned, svc)
    with pytest.raises(InvalidInput) as exc:
        svc.nominate(PLATFORM, app_id, ["acc-h", "acc-1", "nobody"])
    assert [e.field for e in exc.value.errors] == ["helper_ids[1]"]  # "nobody" is only not eligible (issue 12)
    assert svc.view(PLATFORM, app_id)["verification"]["helpers"] == []  # nothing half-written


def test_S_D2_helpers_cannot_be_named_before_the_health_check(banned: World) -> None:
    svc, _ = service(banned)
    app_id, _ = svc.apply(PLATFORM, "acc-1")
    with pytest.raises(Conflict):
        svc.nominate(PLATFORM, app_id, ["acc-h"])


# --- S-D4 -------------------------------------------------------------------------------------------------

OPEN_HELPERS = {  # non-friend mode: the relationship and frequency checks are off, so the detector must catch it
    "checks: [recent_violation, restricted, too_new, not_real_name, assisted_recently, no_relationship]": (
        "checks: [recent_violation, restricted, too_new, not_real_name]"
    )
}


def open_world(db_url: str, clock: FixedClock) -> World:
    w = build(db_url, clock, policy_with(OPEN_HELPERS))
    world = World(w, clock)
    world.enterprise()
    world.account()
    return world


def test_S_D4_a_stranger_helper_on_the_requesters_device_reverses_the_unblock(db_url: str, clock: FixedClock) -> None:
    world = open_world(db_url, clock)
    world.account("acc-paid")
    plugin_ban(world, ip="10.9.9.9")  # the requester's login: device dev-acc-1, ip 10.9.9.9
    world.clock.advance(days=1, hours=1)
    svc, sender = service(world)
    app_id = ready(world, svc)
    svc.nominate(PLATFORM, app_id, ["acc-paid"])
    svc.confirm(member("acc-paid"), token_from(sender, phone(world, "acc-paid")), "dev-acc-1", "10.9.9.9")
    zh, en = svc.view(PLATFORM, app_id, "zh"), svc.view(PLATFORM, app_id, "en")
    assert zh["state"] == "reversed" and zh["refusal"]["code"] == "abnormal_unblock"
    assert [s["code"] for s in zh["abnormal"]["signals"]] == ["signal.no_relationship", "signal.shared_device"]
    assert zh["abnormal"]["score"] == 3.0 and zh["abnormal"]["threshold"] == 2.0
    assert (
        "共用设备" in zh["abnormal"]["signals"][1]["text"]
        and "device dev-acc-1" in en["abnormal"]["signals"][1]["text"]
    )
    expl = world.w.enforcement.explain("acc-1", "en")
    assert expl["can_login"] is False
    [r] = expl["restrictions"]
    assert r["rule"] == "third_party_unblock" and r["step"] == 3 and r["unblock"]["possible"] is False
    assert [s["code"] for s in r["evidence"]["signals"]] == ["signal.no_relationship", "signal.shared_device"]
    helper = world.w.enforcement.subject("acc-paid")
    assert [(s.rule_id, s.step) for s in helper.strikes] == [("third_party_helper", 1)]
    again, _ = svc.apply(PLATFORM, "acc-1")  # no self-service out of a re-ban
    assert svc.view(PLATFORM, again)["refusal"]["code"] == "not_self_unblockable"
    assert world.w.enforcement.audit_verify().ok
    world.w.engine.dispose()


def test_S_D4_a_helper_assisting_many_accounts_in_a_burst_is_caught_on_the_third(
    db_url: str, clock: FixedClock
) -> None:
    world = open_world(db_url, clock)
    world.account("acc-pro")
    svc, sender = service(world)
    requesters = ["acc-a", "acc-b", "acc-c"]
    for aid in requesters:
        world.account(aid)
        relate(world, aid, "acc-pro")  # friends, so only the volume speaks
        plugin_ban(world, aid)
    world.clock.advance(days=1, hours=1)
    states = []
    for i, aid in enumerate(requesters):
        app_id = ready(world, svc, aid)
        svc.nominate(PLATFORM, app_id, ["acc-pro"])
        svc.confirm(member("acc-pro"), token_from(sender, phone(world, "acc-pro")), f"dev-pro-{i}")
        states.append(svc.view(PLATFORM, app_id)["state"])
        world.clock.advance(minutes=10)
    assert states == ["lifted", "lifted", "reversed"]
    view = svc.view(PLATFORM, app_id, "en")
    assert [s["code"] for s in view["abnormal"]["signals"]] == ["signal.helper_many_accounts", "signal.assist_burst"]
    assert "3 different accounts" in view["abnormal"]["signals"][0]["text"]
    world.w.engine.dispose()


def test_S_D4_the_helpers_refusal_is_not_needed_for_a_normal_friend_unblock(banned: World) -> None:
    svc, sender = service(banned)
    app_id = ready(banned, svc, device_id="dev-acc-1")
    svc.nominate(PLATFORM, app_id, ["acc-h"])
    svc.confirm(member("acc-h"), token_from(sender, phone(banned, "acc-h")), "dev-h", "10.1.1.1")
    assert svc.view(PLATFORM, app_id)["abnormal"]["score"] == 0 and svc.view(PLATFORM, app_id)["state"] == "lifted"
    assert banned.w.enforcement.subject("acc-h").strikes == []
