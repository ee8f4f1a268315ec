"""S-D1, S-D3, S-D7 through the service on both databases: the self-service flow, its refusals and the cap."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import World, build, policy_with
from tests.unblock_support import CLEAN, PLATFORM, code_from, member, plugin_ban, ready, service
from warden.adapters import tables as t
from warden.kernel.clock import FixedClock
from warden.kernel.errors import Conflict, InvalidInput


def audit_actions(world: World) -> list[str]:
    with world.w.engine.connect() as c:
        actions = [r[0] for r in c.execute(sa.select(t.audit_log.c.action).order_by(t.audit_log.c.seq))]
    return [a for a in actions if a != "state.rows"]  # the state rows each change vouches for (issue 12)


def test_S_D1_self_service_unblock_by_code_lifts_the_restriction_and_keeps_the_strike(world: World) -> None:
    svc, sender = service(world)
    plugin_ban(world)
    assert world.w.enforcement.explain("acc-1")["can_login"] is False
    world.clock.advance(days=1, minutes=1)
    app_id, created = svc.apply(member("acc-1"), "acc-1")
    assert created
    view = svc.view(PLATFORM, app_id)
    assert view["state"] == "awaiting_health_check"
    assert view["applications"] == {"cap": 5, "window_days": 30.0, "used": 1, "remaining": 4, "next_slot_at": None}
    svc.health_check(member("acc-1"), app_id, **CLEAN)
    assert svc.view(PLATFORM, app_id)["state"] == "awaiting_verification"
    svc.send_code(member("acc-1"), app_id)
    phone = world.w.enforcement.get_account("acc-1").phone
    svc.verify_code(member("acc-1"), app_id, code_from(sender, phone))
    view = svc.view(PLATFORM, app_id, "en")
    assert view["state"] == "lifted" and view["state_text"] == "unblocked"
    expl = world.w.enforcement.explain("acc-1")
    assert expl["can_login"] is True and expl["restrictions"] == []
    assert [s["rule"] for s in expl["strikes"]] == ["plugin_software"]  # the strike stays on the record
    lifted = world.w.enforcement.restrictions("account", "acc-1")[0]
    assert lifted.lifted_at == world.clock.now() and app_id in (lifted.lift_reason or "")
    acts = audit_actions(world)
    for action in ("unblock.applied", "unblock.health_checked", "unblock.code_sent", "unblock.code_checked"):
        assert action in acts
    assert acts[-3:] == ["restriction.lifted", "unblock.lifted", "unblock.judged"]  # every lift is judged (S-D4)
    assert world.w.enforcement.audit_verify().ok


def test_S_D1_only_a_hash_of_the_code_is_stored(world: World) -> None:
    svc, sender = service(world)
    plugin_ban(world)
    world.clock.advance(days=2)
    app_id = ready(world, svc)
    svc.send_code(PLATFORM, app_id)
    code = code_from(sender, world.w.enforcement.get_account("acc-1").phone)
    with world.w.engine.connect() as c:
        row = c.execute(sa.select(t.unblock_applications).where(t.unblock_applications.c.id == app_id)).one()
        audit = " ".join(r[0] for r in c.execute(sa.select(t.audit_log.c.data)))
    assert code not in (row.code_hash or "") and len(row.code_hash) == 64
    assert code not in audit


def test_S_D1_wrong_codes_are_limited_and_name_the_field(world: World) -> None:
    svc, sender = service(world)
    plugin_ban(world)
    world.clock.advance(days=2)
    app_id = ready(world, svc)
    svc.send_code(PLATFORM, app_id)
    right = code_from(sender, world.w.enforcement.get_account("acc-1").phone)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(InvalidInput) as exc:
            svc.verify_code(PLATFORM, app_id, wrong)
        assert exc.value.errors[0].field == "code" and f"{left} attempt" in exc.value.detail
    with pytest.raises(Conflict):  # the code is burned after the last attempt
        svc.verify_code(PLATFORM, app_id, right)
    assert svc.view(PLATFORM, app_id)["state"] == "awaiting_verification"


def test_S_D1_an_expired_code_does_not_verify(world: World) -> None:
    svc, sender = service(world)
    plugin_ban(world)
    world.clock.advance(days=2)
    app_id = ready(world, svc)
    svc.send_code(PLATFORM, app_id)
    code = code_from(sender, world.w.enforcement.get_account("acc-1").phone)
    world.clock.advance(minutes=10)
    with pytest.raises(InvalidInput, match="expired"):
        svc.verify_code(PLATFORM, app_id, code)
    assert svc.view(PLATFORM, app_id)["state"] == "awaiting_verification"


def test_S_D7_health_check_names_every_failure_in_both_languages_and_lets_the_user_fix_first(world: World) -> None:
    svc, _ = service(world)
    plugin_ban(world)
    world.clock.advance(days=2)
    app_id, _ = svc.apply(PLATFORM, "acc-1")
    svc.health_check(
        PLATFORM, app_id, client_version="4.0.9", malware_flag=True, plugin_signatures=["auto-greeter-3.2"]
    )
    zh, en = svc.view(PLATFORM, app_id, "zh"), svc.view(PLATFORM, app_id, "en")
    assert zh["state"] == "awaiting_health_check"
    assert [f["code"] for f in zh["health"]["failures"]] == [
        "health.malware",
        "health.outdated_client",
        "health.plugins",
    ]
    assert "木马" in zh["health"]["failures"][0]["text"] and "Malware" in en["health"]["failures"][0]["text"]
    assert "4.1.0" in en["health"]["failures"][1]["text"] and "auto-greeter-3.2" in zh["health"]["failures"][2]["text"]
    with pytest.raises(Conflict):
        svc.send_code(PLATFORM, app_id)  # no verification before a clean check
    svc.health_check(PLATFORM, app_id, **CLEAN)
    assert svc.view(PLATFORM, app_id)["state"] == "awaiting_verification"
    assert svc.view(PLATFORM, app_id)["applications"]["used"] == 1  # re-checking costs no application


def test_S_C4_a_permanent_ban_is_refused_with_the_reason_before_it_is_counted(db_url: str, clock: FixedClock) -> None:
    w = build(db_url, clock, policy_with({"severity: P\n    known_signatures": "severity: S\n    known_signatures"}))
    world = World(w, clock)
    world.enterprise()
    world.account()
    svc, _ = service(world)
    plugin_ban(world)
    app_id, _ = svc.apply(PLATFORM, "acc-1")
    zh, en = svc.view(PLATFORM, app_id, "zh"), svc.view(PLATFORM, app_id, "en")
    assert zh["state"] == "refused" and zh["refusal"]["code"] == "permanent"
    assert "不可解封" in zh["refusal"]["text"] and "cannot be unblocked" in en["refusal"]["text"]
    assert zh["counted"] is False and zh["applications"]["remaining"] == 5  # it could not succeed (issue 15)
    w.engine.dispose()


def test_S_D1_a_request_before_the_earliest_date_is_refused_and_shows_the_date(world: World) -> None:
    svc, _ = service(world)
    plugin_ban(world)
    world.clock.advance(hours=5)
    app_id, _ = svc.apply(PLATFORM, "acc-1")
    view = svc.view(PLATFORM, app_id, "en")
    earliest = (world.clock.now() - timedelta(hours=5) + timedelta(days=1)).isoformat()
    assert view["refusal"]["code"] == "too_early" and view["refusal"]["params"]["earliest_at"] == earliest
    # issue 12: in the policy's time zone, the language's way (08:00 UTC is 16:00 in Beijing), never UTC
    assert "26 Nov 2026, 16:00 (China Standard Time)" in view["refusal"]["text"] and view["earliest_at"] == earliest
    zh = svc.view(PLATFORM, app_id, "zh")["refusal"]["text"]
    assert "最早 2026年11月26日 16:00（北京时间） 起可申请" in zh and "UTC" not in zh
    assert view["applications"]["remaining"] == 5 and view["counted"] is False  # refused before counted (issue 15)


def test_S_D1_a_warning_that_self_service_cannot_lift_is_refused(world: World) -> None:
    svc, _ = service(world)
    world.send(*[world.phone_search() for _ in range(21)])  # step 0: a warning, ends by itself
    app_id, _ = svc.apply(PLATFORM, "acc-1")
    assert svc.view(PLATFORM, app_id)["refusal"]["code"] == "not_self_unblockable"


def test_S_D1_an_account_without_restriction_has_nothing_to_unblock(world: World) -> None:
    svc, _ = service(world)
    with pytest.raises(Conflict, match="nothing to unblock"):
        svc.apply(PLATFORM, "acc-1")


def test_S_D1_repeating_an_idempotency_key_answers_with_the_first_application(world: World) -> None:
    svc, _ = service(world)
    plugin_ban(world)
    world.clock.advance(days=2)
    first = svc.apply(PLATFORM, "acc-1", "key-1")
    again = svc.apply(PLATFORM, "acc-1", "key-1")
    assert first[1] is True and again == (first[0], False)
    assert svc.view(PLATFORM, first[0])["applications"]["used"] == 1


def test_S_D3_the_sixth_application_in_a_month_is_refused_and_the_window_rolls(world: World) -> None:
    svc, _ = service(world)
    for n in range(2, 8):
        world.account(f"acc-{n}", phone="13900000001")  # one phone number, six accounts
        plugin_ban(world, f"acc-{n}")
    world.clock.advance(days=1, hours=1)
    start = world.clock.now()
    remaining = []
    for n in range(2, 7):
        app_id, _ = svc.apply(PLATFORM, f"acc-{n}")
        remaining.append(svc.view(PLATFORM, app_id)["applications"]["remaining"])
        world.clock.advance(hours=1)
    assert remaining == [4, 3, 2, 1, 0]
    sixth, _ = svc.apply(PLATFORM, "acc-7")
    zh, en = svc.view(PLATFORM, sixth, "zh"), svc.view(PLATFORM, sixth, "en")
    assert zh["state"] == "refused" and zh["refusal"]["code"] == "cap_reached" and zh["counted"] is False
    assert "同一手机号" in zh["refusal"]["text"] and "per phone number" in en["refusal"]["text"]
    assert zh["refusal"]["params"]["next_at"] == (start + timedelta(days=30)).isoformat()
    world.clock.set(start + timedelta(days=30, minutes=1))  # the first slot has left the rolling window
    plugin_ban(world, "acc-2", sig="other-plugin")  # a new ban (step 3) so there is something to unblock
    app_id, _ = svc.apply(PLATFORM, "acc-2")
    view = svc.view(PLATFORM, app_id)
    assert view["refusal"]["code"] == "too_early" and view["counted"] is False  # refused before it is counted
    assert view["applications"]["remaining"] == 1  # the first slot has left the window


@pytest.mark.parametrize(("lang", "said"), [("zh", "已于"), ("en", "Lifted on")])
def test_S_A7_a_lifted_restriction_in_the_history_says_it_was_lifted_not_when_it_will_lift(
    world: World, lang: str, said: str
) -> None:
    """break23: a restriction lifted (here by an unblock; a strike voided, overturned or superseded by a late event
    the same) was listed with the seconds left to its end and `到期自动解除：<its end>` as if it still held."""
    svc, sender = service(world)
    plugin_ban(world)
    world.clock.advance(days=1, minutes=1)
    app_id = ready(world, svc)
    svc.send_code(PLATFORM, app_id)
    svc.verify_code(member("acc-1"), app_id, code_from(sender, world.w.enforcement.get_account("acc-1").phone))
    lifted = world.w.enforcement.restrictions("account", "acc-1")[0]
    view = world.w.enforcement.restriction_view(lifted, None, world.clock.now(), lang)  # type: ignore[arg-type]
    assert view.active is False and view.remaining_seconds == 0
    assert view.unblock.how == "over" and not view.unblock.possible and view.unblock.text.startswith(said)
