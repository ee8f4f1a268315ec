"""The way back made trustworthy (issue 12 items 5, 6, 10, 11; issue 15 items 3, 4, 5), through the services on both
databases: one phone number one key (E.164), helper nominations that tell nothing about strangers, exact guess
budgets for one-time codes kept with an HMAC, the required verification methods, what uses the cap, and the last
wrong code."""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import T0, World, build, policy_with
from tests.unblock_support import (
    PLATFORM,
    code_from,
    member,
    plugin_ban,
    ready,
    relate,
    service,
    token_from,
    violation,
)
from warden.adapters import tables as t
from warden.adapters.database import alembic_config, make_engine
from warden.adapters.policy_file import load_policy
from warden.kernel.access import Principal, Role
from warden.kernel.clock import FixedClock
from warden.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, Throttled
from warden.policy import PolicyError, load_policy_text
from warden.settings import Settings
from warden.unblock import texts
from warden.unblock.senders import LogSender, MemorySender
from warden.unblock.service import Unblocking

SPELLINGS = ("13800138000", "+8613800138000", "008613800138000", "8613800138000", "１３８００１３８０００")
"""One number written five ways (issue 12, item 5)."""


# --- issue 12, item 5: phone numbers are canonical (E.164) ------------------------------------------------------


def test_S_D3_five_spellings_of_one_phone_number_share_one_cap_of_five(world: World) -> None:
    svc, _ = service(world)
    for i, spelling in enumerate(SPELLINGS):
        world.account(f"acc-{i}", phone=spelling)
        plugin_ban(world, f"acc-{i}")
    world.account("acc-5", phone="+86 138-0013-8000")
    plugin_ban(world, "acc-5")
    world.clock.advance(days=1, hours=1)
    assert {world.w.enforcement.get_account(f"acc-{i}").phone for i in range(6)} == {"+8613800138000"}
    views = [svc.view(PLATFORM, svc.apply(PLATFORM, f"acc-{i}")[0]) for i in range(6)]
    assert [v["state"] for v in views[:5]] == ["awaiting_health_check"] * 5
    assert [v["applications"]["remaining"] for v in views[:5]] == [4, 3, 2, 1, 0]
    assert views[5]["state"] == "refused" and views[5]["refusal"]["code"] == "cap_reached"
    with world.w.engine.connect() as c:
        assert [r.phone for r in c.execute(sa.select(t.unblock_quota))] == ["+8613800138000"]
        assert {r.phone for r in c.execute(sa.select(t.unblock_applications))} == {"+8613800138000"}


def test_S_D3_codes_and_messages_go_to_the_e164_number(world: World) -> None:
    svc, sender = service(world)
    world.account("acc-1", phone="１３８００１３８０００")
    plugin_ban(world)
    world.clock.advance(days=1, hours=1)
    app_id, _ = svc.apply(PLATFORM, "acc-1")
    svc.health_check(PLATFORM, app_id, client_version="4.1.30", malware_flag=False, plugin_signatures=[])
    svc.send_code(PLATFORM, app_id)
    assert [p for p, _ in sender.sent] == ["+8613800138000"]


@pytest.mark.parametrize("bad", ["12345", "abc", "138001380001234567", "+999 1234", "\x00"])
def test_an_unparseable_phone_number_is_refused_naming_the_field(world: World, bad: str) -> None:
    world.enterprise()
    with pytest.raises(InvalidInput) as exc:
        world.account("acc-x", phone=bad)
    assert [e.field for e in exc.value.errors] == ["phone"]


def test_the_upgrade_stores_every_phone_in_e164_and_merges_the_caps_of_one_number(blank_url: str) -> None:
    from alembic import command

    from warden.adapters import audit_state
    from warden.bootstrap import bootstrap

    engine = make_engine(blank_url)
    command.upgrade(alembic_config(engine), "0010_contact_standing")
    with engine.begin() as c:  # written as warden then wrote them: five spellings, two applications each
        c.execute(sa.insert(t.enterprises).values(id="e", name="E", verified=True, created_at=T0, external_contacts=0))
        for i, spelling in enumerate([*SPELLINGS, "not a number"]):
            c.execute(
                sa.insert(t.accounts).values(
                    id=f"a{i}", enterprise_id="e", phone=spelling, real_name_verified=True, created_at=T0
                )
            )
            stamps = f'["2026-01-0{i + 1}T00:00:00+00:00","2026-01-0{i + 1}T01:00:00+00:00"]'
            quota = sa.text("INSERT INTO unblock_quota(phone, version, stamps) VALUES (:p, 2, :s)")
            c.execute(quota, {"p": spelling, "s": stamps})
        audit_state.seal(c, force=True, covered=audit_state.present(c))
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as c:
        phones = {r.id: r.phone for r in c.execute(sa.select(t.accounts))}
        quota = {r.phone: r.stamps.count("2026-") for r in c.execute(sa.select(t.unblock_quota))}
    engine.dispose()
    assert phones == {f"a{i}": "+8613800138000" for i in range(5)} | {"a5": "not a number"}
    assert quota == {"+8613800138000": 10, "not a number": 2}
    w = bootstrap(Settings(database_url=blank_url), clock=FixedClock(T0), migrate=False)
    try:
        assert w.enforcement.audit_verify().ok
    finally:
        w.close()


# --- issue 12, item 6: a helper nomination is not an oracle -----------------------------------------------------


@pytest.fixture
def banned(world: World) -> World:
    """acc-1 is plug-in banned and may apply; acc-h is a good helper (an old friend who talks)."""
    plugin_ban(world)
    world.account("acc-h", age_days=400)
    relate(world, "acc-1", "acc-h")
    world.clock.advance(days=1, hours=1)
    return world


def test_S_D2_nominating_strangers_answers_only_not_eligible_and_contacts_none_of_them(banned: World) -> None:
    svc, sender = service(banned)
    banned.account("acc-x1", age_days=400)  # a stranger with a violation 20 days ago
    violation(banned, "acc-x1", days_ago=20)
    banned.account("acc-x2", age_days=30, verified=False)  # a new stranger without real name
    banned.account("acc-x3")
    plugin_ban(banned, "acc-x3")  # a restricted stranger
    app_id = ready(banned, svc)
    sent_before = len(sender.sent)
    svc.nominate(PLATFORM, app_id, ["acc-x1", "acc-x2", "acc-x3", "nobody-at-all"])
    for lang in ("zh", "en"):
        helpers = svc.view(PLATFORM, app_id, lang)["verification"]["helpers"]
        assert [h["state"] for h in helpers] == ["refused"] * 4
        assert [[(r["code"], r["params"]) for r in h["refusals"]] for h in helpers] == [
            [("helper.not_eligible", {})]
        ] * 4
        texts = {r["text"] for h in helpers for r in h["refusals"]}
        assert len(texts) == 1  # one sentence for all: nothing about any of them
    assert len(sender.sent) == sent_before  # nobody outside the requester's contacts is contacted
    assert svc.helper_requests(PLATFORM, "acc-x1") == []  # nor told in their own list


def test_S_D2_a_contact_who_may_not_help_is_still_told_why(banned: World) -> None:
    svc, sender = service(banned)
    violation(banned, "acc-h", days_ago=20)
    app_id = ready(banned, svc)
    svc.nominate(PLATFORM, app_id, ["acc-h"])
    helper = svc.view(PLATFORM, app_id)["verification"]["helpers"][0]
    assert helper["refusals"][0]["code"] == "helper.recent_violation"  # S-D2: 半年内有违规, with that reason
    assert "半年内有违规" in sender.last_to(banned.w.enforcement.get_account("acc-h").phone)


def test_S_D2_naming_one_helper_twice_at_one_instant_asks_once(banned: World) -> None:
    svc, sender = service(banned)
    banned.account("acc-x")
    app_id = ready(banned, svc)
    svc.nominate(PLATFORM, app_id, ["acc-h", "acc-h", "acc-x", "acc-x"])
    svc.nominate(PLATFORM, app_id, ["acc-h", "acc-x"])  # again at the same instant (the clock is fixed)
    helpers = svc.view(PLATFORM, app_id)["verification"]["helpers"]
    assert sorted((h["helper_id"], h["state"]) for h in helpers) == [("acc-h", "pending"), ("acc-x", "refused")]
    assert len(sender.sent) == 1


def test_S_D2_concurrent_nominations_of_one_helper_give_no_server_error(banned: World) -> None:
    svc, sender = service(banned)
    banned.account("acc-x")
    app_id = ready(banned, svc)
    errors: list[BaseException] = []

    def nominate(ids: list[str]) -> None:
        try:
            svc.nominate(PLATFORM, app_id, ids)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=nominate, args=(["acc-h", "acc-x"],)) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    helpers = svc.view(PLATFORM, app_id)["verification"]["helpers"]
    assert sorted((h["helper_id"], h["state"]) for h in helpers) == [("acc-h", "pending"), ("acc-x", "refused")]
    assert len(sender.sent) == 1


# --- issue 12, items 10 and 11: one-time codes -----------------------------------------------------------------


def wrong(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


def send(world: World, svc: Unblocking, sender: MemorySender, app_id: str) -> str:
    svc.send_code(PLATFORM, app_id)
    return code_from(sender, world.w.enforcement.get_account("acc-1").phone)


def test_S_D1_ten_code_checks_per_application_then_it_is_refused_and_the_answer_says_so(banned: World) -> None:
    svc, sender = service(banned)
    app_id = ready(banned, svc)
    right = send(banned, svc, sender, app_id)
    for _ in range(5):
        with pytest.raises(InvalidInput):
            svc.verify_code(PLATFORM, app_id, wrong(right))
    right = send(banned, svc, sender, app_id)
    for left in (4, 3, 2, 1):
        with pytest.raises(InvalidInput) as exc:
            svc.verify_code(PLATFORM, app_id, wrong(right))
        assert f"{left} attempt(s) left" in exc.value.detail
    assert svc.view(PLATFORM, app_id)["verification"]["code"]["checks_left"] == 1
    with pytest.raises(InvalidInput) as exc:  # the 10th check of the application: the last (issue 15, item 5)
        svc.verify_code(PLATFORM, app_id, wrong(right), "en")
    assert exc.value.errors[0].field == "code"
    assert "now refused" in exc.value.detail and "0 attempt(s) left" not in exc.value.detail
    assert exc.value.extensions["state"] == "refused"
    assert exc.value.extensions["refusal"]["code"] == "too_many_attempts"
    assert exc.value.extensions["refusal"]["text"] == "Too many wrong codes; this application is closed."
    view = svc.view(PLATFORM, app_id)
    assert view["state"] == "refused" and view["refusal"]["code"] == "too_many_attempts"
    with pytest.raises(Conflict):
        svc.send_code(PLATFORM, app_id)


def test_S_D1_the_last_wrong_code_of_the_last_code_refuses_and_says_so(db_url: str, clock: FixedClock) -> None:
    w = build(db_url, clock, policy_with({"max_sends: 3 ": "max_sends: 1 "}))
    world = World(w, clock)
    world.enterprise()
    world.account()
    plugin_ban(world)
    world.clock.advance(days=1, hours=1)
    svc, sender = service(world)
    app_id = ready(world, svc)
    right = send(world, svc, sender, app_id)
    for _ in range(4):
        with pytest.raises(InvalidInput):
            svc.verify_code(PLATFORM, app_id, wrong(right))
    with pytest.raises(InvalidInput) as exc:
        svc.verify_code(PLATFORM, app_id, wrong(right))
    assert exc.value.extensions["state"] == "refused" and "now refused" in exc.value.detail
    assert svc.view(PLATFORM, app_id)["state"] == "refused"
    w.engine.dispose()


def test_S_D1_twenty_code_checks_per_phone_a_month_then_429_with_when_to_retry(banned: World) -> None:
    svc, sender = service(banned)
    for _ in range(2):  # two applications, ten wrong checks each: the phone's 20
        app_id = ready(banned, svc)
        for _ in range(2):
            right = send(banned, svc, sender, app_id)
            for _ in range(5):
                with pytest.raises(InvalidInput):
                    svc.verify_code(PLATFORM, app_id, wrong(right))
        assert svc.view(PLATFORM, app_id)["state"] == "refused"
    first = banned.clock.now()
    banned.clock.advance(hours=2)
    app_id = ready(banned, svc)
    right = send(banned, svc, sender, app_id)
    with pytest.raises(Throttled) as exc:
        svc.verify_code(PLATFORM, app_id, right)  # even the right code: the phone's checks are spent
    expected = (first + timedelta(days=30) - banned.clock.now()).total_seconds()
    assert abs(exc.value.retry_after - expected) <= 1 and exc.value.errors[0].field == "code"
    assert svc.view(PLATFORM, app_id)["verification"]["code"]["checks_left"] == 10  # nothing counted
    banned.clock.advance(days=30)  # the oldest checks leave the window
    right = send(banned, svc, sender, app_id)
    with pytest.raises(InvalidInput):  # checked again (and wrong)
        svc.verify_code(PLATFORM, app_id, wrong(right))


def test_S_D1_forty_concurrent_guesses_on_one_code_are_counted_exactly(banned: World) -> None:
    svc, sender = service(banned)
    app_id = ready(banned, svc)
    right = send(banned, svc, sender, app_id)
    outcomes: list[str] = []

    def guess() -> None:
        try:
            svc.verify_code(PLATFORM, app_id, wrong(right))
            outcomes.append("ok")
        except (InvalidInput, Conflict) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=guess) for _ in range(40)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert outcomes.count("InvalidInput") == 5 and outcomes.count("Conflict") == 35
    with banned.w.engine.connect() as c:
        row = c.execute(sa.select(t.unblock_applications).where(t.unblock_applications.c.id == app_id)).one()
        guesses = c.execute(sa.select(t.unblock_quota.c.guesses)).scalar_one()
    assert (row.code_attempts, row.code_guesses, guesses.count("T")) == (5, 5, 5)


def test_the_code_hash_is_an_hmac_with_a_server_secret_kept_in_a_file(banned: World, audit_key: str) -> None:
    svc, sender = service(banned)
    app_id = ready(banned, svc)
    code = send(banned, svc, sender, app_id)
    with banned.w.engine.connect() as c:
        stored = c.execute(
            sa.select(t.unblock_applications.c.code_hash).where(t.unblock_applications.c.id == app_id)
        ).scalar_one()
    assert stored != hashlib.sha256(f"{app_id}\x1f{code}".encode()).hexdigest()  # not a plain SHA-256
    secret_file = Path(audit_key).with_name("code-secret")
    assert secret_file.exists() and secret_file.stat().st_mode & 0o777 == 0o600
    key = bytes.fromhex(secret_file.read_text().strip())
    assert stored == hmac.new(key, f"{app_id}\x1f{code}".encode(), hashlib.sha256).hexdigest()


def test_the_default_sender_never_writes_a_code_or_a_token_in_clear(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    code = texts.code_message("493817", 10, "zh")
    ask = texts.helper_asked_message("acc-1", "hc_AbC-123_xyz", 5, "en")
    with caplog.at_level(logging.INFO, logger="warden.unblock"):
        LogSender().send("+8613800138000", code)
        LogSender().send("+8613800138000", ask)
    written = caplog.text + capsys.readouterr().err
    assert "493817" not in written and "hc_AbC-123_xyz" not in written and "13800138000" not in written
    assert "******" in written and "hc_***" in written


# --- issue 15, item 3: the required verification methods (POLICY-DEFAULTS §2.4) -----------------------------------


@pytest.fixture
def shipped(db_url: str, clock: FixedClock) -> Iterator[World]:
    """The shipped policy as it is (the code AND a helper or the face/ID check); acc-1 banned, acc-h a good helper."""
    w = build(db_url, clock, load_policy())
    world = World(w, clock)
    world.enterprise()
    world.account()
    plugin_ban(world)
    world.account("acc-h", age_days=400)
    relate(world, "acc-1", "acc-h")
    world.clock.advance(days=1, hours=1)
    yield world
    w.engine.dispose()


def test_S_D1_one_code_alone_no_longer_lifts_under_the_default(shipped: World) -> None:
    svc, sender = service(shipped)
    app_id = ready(shipped, svc)
    svc.verify_code(member("acc-1"), app_id, send(shipped, svc, sender, app_id))
    view = svc.view(PLATFORM, app_id)
    assert view["state"] == "awaiting_verification"
    assert view["verification"]["require"] == [["sms_code"], ["friend_assist", "platform_check"]]
    assert view["verification"]["passed"] == ["sms_code"]
    assert view["verification"]["missing"] == [["friend_assist", "platform_check"]]
    assert shipped.w.enforcement.explain("acc-1")["can_login"] is False


def test_S_D1_the_code_and_the_platforms_face_check_lift(shipped: World) -> None:
    svc, sender = service(shipped)
    app_id = ready(shipped, svc)
    svc.report_platform_check(PLATFORM, app_id, kind="face", passed=True, reference="face-7781")
    assert svc.view(PLATFORM, app_id)["state"] == "awaiting_verification"  # the code is still required
    svc.verify_code(member("acc-1"), app_id, send(shipped, svc, sender, app_id))
    view = svc.view(PLATFORM, app_id)
    assert view["state"] == "lifted" and view["verification"]["passed"] == ["platform_check", "sms_code"]
    check = view["verification"]["platform_check"]
    assert (check["kind"], check["passed"], check["reference"]) == ("face", True, "face-7781")
    assert shipped.w.enforcement.explain("acc-1")["can_login"] is True
    with shipped.w.engine.connect() as c:
        actions = [r[0] for r in c.execute(sa.select(t.audit_log.c.action))]
    assert "unblock.platform_checked" in actions
    assert shipped.w.enforcement.audit_verify().ok


def test_S_D1_the_code_and_a_helper_lift(shipped: World) -> None:
    svc, sender = service(shipped)
    app_id = ready(shipped, svc)
    svc.nominate(member("acc-1"), app_id, ["acc-h"])
    svc.confirm(member("acc-h"), token_from(sender, shipped.w.enforcement.get_account("acc-h").phone))
    assert svc.view(PLATFORM, app_id)["state"] == "awaiting_verification"
    svc.verify_code(member("acc-1"), app_id, send(shipped, svc, sender, app_id))
    assert svc.view(PLATFORM, app_id)["state"] == "lifted"


def test_S_D1_a_failed_face_check_is_recorded_and_lifts_nothing(shipped: World) -> None:
    svc, sender = service(shipped)
    app_id = ready(shipped, svc)
    svc.report_platform_check(PLATFORM, app_id, kind="id_document", passed=False)
    svc.verify_code(member("acc-1"), app_id, send(shipped, svc, sender, app_id))
    view = svc.view(PLATFORM, app_id)
    assert view["state"] == "awaiting_verification" and view["verification"]["platform_check"]["passed"] is False


@pytest.mark.parametrize("who", [member("acc-1"), Principal("r", Role.REVIEWER), Principal("a", Role.AUDITOR)])
def test_S_D1_only_the_platform_reports_its_face_check(shipped: World, who: Principal) -> None:
    svc, _ = service(shipped)
    app_id = ready(shipped, svc)
    with pytest.raises(Forbidden):
        svc.report_platform_check(who, app_id, kind="face", passed=True)
    with pytest.raises(Forbidden):  # whether or not the application exists
        svc.report_platform_check(who, "unb_nope", kind="face", passed=True)
    with pytest.raises(NotFound):
        svc.report_platform_check(PLATFORM, "unb_nope", kind="face", passed=True)


def test_S_D1_the_required_methods_are_a_policy_choice() -> None:
    text = load_policy().text.replace(
        "require: [[sms_code], [friend_assist, platform_check]]", "require: [[sms_code], [platform_check]]"
    )
    assert load_policy_text(text, "p.yaml").policy.unblocking.verification.require == [["sms_code"], ["platform_check"]]
    bad = load_policy().text.replace("methods: [sms_code, friend_assist, platform_check]", "methods: [sms_code]")
    with pytest.raises(PolicyError, match="names no method allowed"):
        load_policy_text(bad, "p.yaml")


# --- issue 15, item 4: what uses the cap ---------------------------------------------------------------------------


def test_S_D3_a_double_tap_without_idempotency_key_is_the_same_application(banned: World) -> None:
    svc, _ = service(banned)
    first, created = svc.apply(member("acc-1"))
    again, created_again = svc.apply(member("acc-1"))
    assert (created, again, created_again) == (True, first, False)
    view = svc.view(PLATFORM, first, "en")
    assert view["applications"]["used"] == 1 and view["counted"] is True
    assert "does not use another" in view["counting"]
    svc.health_check(PLATFORM, first, client_version="4.1.30", malware_flag=False, plugin_signatures=[])
    assert svc.apply(member("acc-1")) == (first, False)  # still the same while it is live


def test_S_D3_simultaneous_double_taps_make_one_application(banned: World) -> None:
    svc, _ = service(banned)
    barrier = threading.Barrier(10)
    ids: list[str] = []
    errors: list[BaseException] = []

    def tap() -> None:
        try:
            barrier.wait()
            ids.append(svc.apply(member("acc-1"))[0])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=tap) for _ in range(10)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and len(set(ids)) == 1
    assert svc.view(PLATFORM, ids[0])["applications"]["used"] == 1


def test_S_D3_a_new_request_after_a_refused_application_is_a_new_one_and_counts(banned: World) -> None:
    svc, sender = service(banned)
    app_id = ready(banned, svc)
    for _ in range(2):
        right = send(banned, svc, sender, app_id)
        for _ in range(5):
            with pytest.raises(InvalidInput):
                svc.verify_code(PLATFORM, app_id, wrong(right))
    assert svc.view(PLATFORM, app_id)["state"] == "refused"
    second, created = svc.apply(member("acc-1"))
    assert created and second != app_id and svc.view(PLATFORM, second)["applications"]["used"] == 2


def test_S_D3_requests_that_cannot_succeed_are_refused_before_they_are_counted(world: World) -> None:
    svc, _ = service(world)
    plugin_ban(world)
    world.clock.advance(hours=2)  # before the earliest date (1 day into the 3-day ban)
    views = [svc.view(PLATFORM, svc.apply(member("acc-1"))[0], "en") for _ in range(7)]
    assert {v["refusal"]["code"] for v in views} == {"too_early"}
    assert {(v["counted"], v["applications"]["used"]) for v in views} == {(False, 0)}
    assert "refused before it was counted" in views[0]["counting"]
    world.clock.advance(days=1)
    view = svc.view(PLATFORM, svc.apply(member("acc-1"))[0])
    assert view["state"] == "awaiting_health_check" and view["applications"]["remaining"] == 4


def test_S_D3_an_enterprise_restriction_is_refused_before_it_is_counted(world: World) -> None:
    from tests.integration.test_cross_feature import severe_strike

    svc, _ = service(world)
    world.account("acc-2")
    severe_strike(world, "acc-1")  # a severe ban (permanent) that cascades to the enterprise (S-A5)
    world.clock.advance(days=2)
    for aid, reason in (("acc-1", "permanent"), ("acc-2", "enterprise_restricted")):
        view = svc.view(PLATFORM, svc.apply(member(aid))[0])
        assert view["refusal"]["code"] == reason and view["counted"] is False, aid
        assert view["applications"]["used"] == 0
