"""The pure rules of the way back (issue 5): eligibility, health, helper checks, abnormal-unblock scoring, texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warden.adapters.policy_file import load_policy
from warden.kernel.model import Account, Restriction, Scope, Strike
from warden.policy import PolicyError, load_policy_text
from warden.unblock import rules as ub
from warden.unblock import texts
from warden.unblock.policy import SIGNALS

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
POLICY = load_policy().policy.unblocking


def restriction(step: int, *, permanent: bool = False, earliest: datetime | None = None, **kw: object) -> Restriction:
    return Restriction(
        id=f"r{step}",
        subject_type=str(kw.get("subject_type", "account")),
        subject_id="a",
        scope=Scope.ACCOUNT if permanent else Scope.LOGIN,
        step=step,
        rule_id="plugin_software",
        starts_at=NOW - timedelta(days=2),
        ends_at=None if permanent else NOW + timedelta(days=1),
        self_unblock=not permanent and step > 0,
        earliest_unblock_at=earliest,
    )


def account(age_days: int = 400, verified: bool = True) -> Account:
    return Account("h", "e", "13800000000", verified, NOW - timedelta(days=age_days))


def facts(**kw: object) -> ub.HelperFacts:
    base: dict[str, object] = {
        "account": account(),
        "strikes": [],
        "active_restrictions": [],
        "confirmed_assists": 0,
        "contact_since": NOW - timedelta(days=60),
        "two_way_conversation": True,
    }
    return ub.HelperFacts(**(base | kw))  # type: ignore[arg-type]


def strike(days_ago: float) -> Strike:
    return Strike("s", "account", "h", "reports", "L", 0, NOW - timedelta(days=days_ago), "p")


def test_the_shipped_policy_has_the_documented_defaults() -> None:
    assert (POLICY.cap.max_applications, POLICY.cap.window) == (5, timedelta(days=30))
    assert POLICY.helpers.token_validity == timedelta(minutes=5)
    assert POLICY.helpers.clean_window == timedelta(days=180)
    assert POLICY.plugin_watch.min_step == 3 and POLICY.eligible_steps == [1, 2, 3, 4]


def test_a_bad_unblocking_section_is_reported_with_file_line_and_field() -> None:
    text = load_policy().text.replace("    max_applications: 5", "    max_applications: 0")
    with pytest.raises(PolicyError) as exc:
        load_policy_text(text, "p.yaml")
    assert "unblocking.cap.max_applications" in exc.value.problems[0] and exc.value.problems[0].startswith("p.yaml:")


def test_S_C4_permanent_bans_are_not_eligible() -> None:
    e = ub.eligibility(POLICY, [restriction(5, permanent=True), restriction(2)], [], NOW)
    assert e.refusal == "permanent" and e.targets == []


def test_S_E4_an_enterprises_own_outcome_is_refused_as_its_decision_before_permanent() -> None:
    from dataclasses import replace

    from warden.unblock import texts

    for rule, outcome, said in (
        ("enterprise_deregistered", "deregister", "deregistered the account"),
        ("enterprise_app_removed", "app_removed", "removed the enterprise app"),
    ):
        hr = replace(restriction(0, permanent=True), rule_id=rule, evidence={"case": "case-7", "outcome": outcome})
        e = ub.eligibility(POLICY, [restriction(5, permanent=True), hr], [], NOW)
        assert (e.refusal, e.params, e.targets) == ("enterprise_decision", {"case": "case-7", "outcome": outcome}, [])
        en, zh = texts.text(e.refusal, e.params, "en"), texts.text(e.refusal, e.params, "zh")
        assert said in en and "contact your HR or admin" in en and "case-7" in en and "permanent" not in en
        assert "人事（HR）" in zh and "case-7" in zh and "永久" not in zh


def test_S_D1_staged_restrictions_are_eligible_and_the_earliest_date_is_enforced() -> None:
    assert ub.eligibility(POLICY, [restriction(2)], [], NOW).targets[0].id == "r2"
    later = NOW + timedelta(hours=3)
    e = ub.eligibility(POLICY, [restriction(2, earliest=later)], [], NOW)
    assert e.refusal == "too_early" and e.params == {"earliest_at": later.isoformat()}


def test_S_D1_an_enterprise_restriction_needs_an_appeal() -> None:
    assert ub.eligibility(POLICY, [restriction(2)], [restriction(2)], NOW).refusal == "enterprise_restricted"


def test_S_D7_each_health_failure_is_named() -> None:
    assert ub.health_failures(POLICY.health, "4.1.0", False, []) == []
    codes = [c for c, _ in ub.health_failures(POLICY.health, "3.9", True, ["x"])]
    assert codes == ["health.malware", "health.outdated_client", "health.plugins"]
    assert ub.version_tuple("4.10") > ub.version_tuple("4.9.9")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"strikes": [strike(100)]}, "helper.recent_violation"),
        ({"active_restrictions": [restriction(2)]}, "helper.restricted"),
        ({"account": account(age_days=100)}, "helper.too_new"),
        ({"account": account(verified=False)}, "helper.not_real_name"),
        ({"confirmed_assists": 1}, "helper.assisted_recently"),
        ({"contact_since": None}, "helper.no_relationship"),
        ({"contact_since": NOW - timedelta(days=10)}, "helper.no_relationship"),
        ({"two_way_conversation": False}, "helper.no_relationship"),
    ],
)
def test_S_D2_each_helper_refusal_reason(change: dict[str, object], code: str) -> None:
    assert ub.helper_refusals(POLICY.helpers, facts(), NOW) == []
    assert [c for c, _ in ub.helper_refusals(POLICY.helpers, facts(**change), NOW)] == [code]


def test_S_D2_the_half_year_reason_reads_as_users_know_it() -> None:
    [(code, params)] = ub.helper_refusals(POLICY.helpers, facts(strikes=[strike(179)]), NOW)
    assert "半年内有违规" in texts.text(code, params, "zh")
    assert ub.helper_refusals(POLICY.helpers, facts(strikes=[strike(181)]), NOW) == []


def test_S_D2_the_half_year_window_follows_the_one_window_rule_at_its_edge() -> None:
    """An item exactly one window old is out (t − w < s ≤ t), as in every window of the project."""
    assert ub.helper_refusals(POLICY.helpers, facts(strikes=[strike(180)]), NOW) == []
    assert ub.helper_refusals(POLICY.helpers, facts(strikes=[strike(180 - 1 / 86400)]), NOW) != []


def test_S_D2_the_policy_decides_which_helper_checks_apply() -> None:
    pol = POLICY.helpers.model_copy(update={"checks": ["recent_violation"]})
    assert ub.helper_refusals(pol, facts(account=account(age_days=1), contact_since=None), NOW) == []


H = timedelta(hours=1)


def node(
    nid: str = "u1",
    account: str = "r",
    at: datetime = NOW,
    helpers: tuple[ub.HelperEdge, ...] = (),
    device: str | None = "dr",
    ip: str | None = "10.0.0.1",
) -> ub.UnblockNode:
    methods = ("friend_assist",) if helpers else ("sms_code",)
    return ub.UnblockNode(nid, account, at, methods, device, ip, at - H, helpers)


def edge(
    helper: str = "h", at: datetime = NOW, device: str | None = "dh", related: bool = True, ip: str | None = None
) -> ub.HelperEdge:
    return ub.HelperEdge(helper, related, at, device, ip)


def judge(target: ub.UnblockNode, *others: ub.UnblockNode, logins: tuple[ub.Seen, ...] = (), reports=()) -> ub.Verdict:  # type: ignore[no-untyped-def]
    return ub.judge_standing(POLICY.abnormal, ub.Standing(target, others, logins, tuple(reports)))


def test_S_D4_a_normal_assist_scores_nothing() -> None:
    v = judge(node(helpers=(edge(),)))
    assert v.score == 0 and not v.abnormal and v.decided_at is None


@pytest.mark.parametrize(
    ("target", "others", "logins", "reports", "signal", "weight"),
    [
        (
            node(helpers=(edge(at=NOW),)),
            (
                node("u2", "r2", NOW - H * 30, (edge(at=NOW - H * 30, device=None),), None, None),
                node("u3", "r3", NOW - H * 20, (edge(at=NOW - H * 20, device=None),), None, None),
            ),
            (),
            (),
            "signal.helper_many_accounts",
            1.0,
        ),
        (node(helpers=(edge(related=False),)), (), (), (), "signal.no_relationship", 1.0),
        (node(helpers=(edge(device="dr"),)), (), (), (), "signal.shared_device", 2.0),
        (
            node(helpers=(edge(ip="10.0.0.2"),)),
            (),
            (ub.Seen("r", "ip", "10.0.0.2", NOW + H),),
            (),
            "signal.shared_device",
            2.0,
        ),
        (node(helpers=(edge(),)), (), (ub.Seen("h", "device", "dr", NOW + H),), (), "signal.shared_device", 2.0),
        (
            node(helpers=(edge(),)),
            (node("u2", "r2", NOW - H * 5, (edge("g", NOW - H * 5, "dh"),), None, None),),
            (),
            (),
            "signal.shared_device",
            2.0,
        ),
        (
            node(device="farm"),
            (node("u2", "r2", NOW - H * 5, device="farm", ip=None),),
            (),
            (),
            "signal.shared_device",
            2.0,
        ),
        (
            node(helpers=(edge(at=NOW),)),
            (
                node("u2", "r", NOW - H / 4, (edge(at=NOW - H / 4),)),
                node("u3", "r", NOW - H / 2, (edge(at=NOW - H / 2),)),
            ),
            (),
            (),
            "signal.assist_burst",
            1.0,
        ),
        (node(), (), (), (ub.ThirdPartyReport("tpr", "X", NOW + H),), "signal.third_party_report", 2.0),
    ],
    ids=[
        "many",
        "stranger",
        "helper-on-requester-device",
        "requester-logs-in-at-helper-ip",
        "helper-logs-in-on-requester-device",
        "helper-device-in-other-unblock",
        "sms-device-in-other-unblock",
        "burst",
        "report",
    ],
)
def test_S_D4_each_signal_fires_with_its_weight_and_text(  # type: ignore[no-untyped-def]
    target, others, logins, reports, signal: str, weight: float
) -> None:
    v = judge(target, *others, logins=logins, reports=reports)
    [(code, w, params, _)] = v.signals
    assert (code, w) == (signal, weight)
    assert texts.text(code, params, "zh") != code and texts.text(code, params, "en") != code
    assert v.abnormal is (weight >= POLICY.abnormal.threshold)


def test_S_D4_signals_add_up_to_the_threshold_and_the_decision_is_dated_by_the_evidence() -> None:
    late = ub.Seen("r", "device", "dh", NOW + timedelta(days=3))  # the requester later logs in where the helper did
    v = judge(node(helpers=(edge(related=False),)), logins=(late,))
    assert v.score == 3.0 and v.abnormal
    assert v.decided_at == NOW + timedelta(days=3)  # 1 at the confirmation, 3 once the login was seen
    sooner = ub.Seen("h", "device", "dr", NOW + H)  # …and the helper logs in on the requester's device
    v2 = judge(node(helpers=(edge(related=False),)), logins=(late, sooner))
    assert v2.score == 3.0 and v2.decided_at == NOW + H  # shared_device once per helper, from its earliest evidence


def test_S_D4_the_verdict_does_not_depend_on_the_order_of_the_evidence() -> None:
    target = node(helpers=(edge(related=False),))
    others = [node(f"u{i}", f"r{i}", NOW - H * i, (edge(at=NOW - H * i),)) for i in range(2, 6)]
    logins = [ub.Seen("r", "device", "dh", NOW + H * i) for i in range(3)]
    a = judge(target, *others, logins=tuple(logins))
    b = judge(target, *reversed(others), logins=tuple(reversed(logins)))
    assert sorted(a.signals, key=repr) == sorted(b.signals, key=repr) and a.decided_at == b.decided_at


def test_S_D4_one_persons_own_phone_across_unblocks_is_not_a_shared_device() -> None:
    """A helper who helps two friends from their own phone, or who once unblocked themself on it, shares nothing
    with other people: only another person on the same device or ip is a signal."""
    friend = node("u2", "r2", NOW - H * 48, (edge("h", NOW - H * 48, "dh"),), None, None)
    own = node("u3", "h", NOW - H * 72, (), "dh", None)
    assert judge(node(helpers=(edge(),)), friend, own).score == 0
    stranger = node("u4", "r4", NOW - H * 24, (edge("g", NOW - H * 24, "dh"),), None, None)
    [(code, _, params, _)] = judge(node(helpers=(edge(),)), friend, own, stranger).signals
    assert code == "signal.shared_device" and params["unblocks"] == 1


def test_S_D4_evidence_outside_the_window_does_not_count() -> None:
    far = NOW + POLICY.abnormal.watch + H
    assert judge(node(helpers=(edge(),)), logins=(ub.Seen("r", "device", "dh", far),)).score == 0
    old = node("u2", "r2", NOW - POLICY.abnormal.lookback - H, device="dr", ip=None)
    assert judge(node(), old).score == 0


def test_S_D7_what_warden_saw_at_login_contradicts_the_client() -> None:
    seen = ub.SeenLogin(NOW - timedelta(seconds=30), "d1", "4.1.30", ("bot",), False)
    [(code, params)] = ub.seen_failures(POLICY.health, seen, "4.1.30", False, [])
    assert code == "health.seen_plugins" and params["signatures"] == ["bot"] and params["device_id"] == "d1"
    assert ub.seen_failures(POLICY.health, seen, "4.1.30", False, ["bot"]) == []  # reported honestly
    assert ub.seen_failures(POLICY.health, None, "4.1.30", False, []) == []
    old = ub.SeenLogin(NOW, "d1", "4.0.1", (), True)
    assert [c for c, _ in ub.seen_failures(POLICY.health, old, "4.1.30", False, [])] == [
        "health.seen_malware",
        "health.seen_version",
    ]
    off = POLICY.health.model_copy(update={"cross_check": False})
    assert ub.seen_failures(off, seen, "4.1.30", False, []) == []


def test_S_C3_probation_and_plugin_watch_windows() -> None:
    u = ub.LiftedUnblock("unb", "a", NOW, 2, ("plugin_software",), ("x",))
    assert ub.probation_of(POLICY.probation, [u], NOW + timedelta(days=29)) == u
    assert ub.probation_of(POLICY.probation, [u], NOW + timedelta(days=30)) is None
    assert ub.plugin_watch_of(POLICY.plugin_watch, [u], NOW + timedelta(days=1)) == u
    other = ub.LiftedUnblock("unb2", "a", NOW, 2, ("reports",), ())
    assert ub.plugin_watch_of(POLICY.plugin_watch, [other], NOW + timedelta(days=1)) is None


def test_every_refusal_and_signal_code_has_both_texts() -> None:
    params = {
        "cap": 5,
        "window_days": 30,
        "next_at": "x",
        "earliest_at": "x",
        "score": 3,
        "threshold": 2,
        "client_version": "1",
        "min_version": "2",
        "signatures": ["s"],
        "last_at": "x",
        "min_days": 1,
        "age_days": 1,
        "assists": 1,
        "max": 1,
        "helper_id": "h",
        "accounts": 3,
        "days": 90,
        "with": "other_unblocks",
        "unblocks": 2,
        "what": "d",
        "platform": "X",
        "seen_at": "2026-11-25T08:00:00+00:00",
        "device_id": "d",
        "seen_version": "4.0",
        "key": "k",
        "count": 3,
        "minutes": 60,
    }
    codes = [
        "cap_reached",
        "permanent",
        "not_self_unblockable",
        "enterprise_restricted",
        "too_early",
        "disabled",
        "no_longer_restricted",
        "too_many_attempts",
        "abnormal_unblock",
        "health.malware",
        "health.outdated_client",
        "health.plugins",
        "health.seen_plugins",
        "health.seen_malware",
        "health.seen_version",
        *[f"helper.{c}" for c in ("recent_violation", "restricted", "too_new", "not_real_name")],
        *[f"helper.{c}" for c in ("assisted_recently", "no_relationship", "expired", "used")],
        *[f"signal.{s}" for s in SIGNALS],
    ]
    for code in codes:
        zh, en = texts.text(code, params, "zh"), texts.text(code, params, "en")
        assert zh != code and en != code and zh != en


def test_the_sender_is_chosen_from_settings_and_a_webhook_needs_its_url() -> None:
    from warden.settings import Settings
    from warden.unblock.senders import LogSender, WebhookSender, build_sender

    assert isinstance(build_sender(Settings()), LogSender)
    hook = build_sender(Settings(unblock_sender="webhook", unblock_webhook_url="http://127.0.0.1:9/sms"))
    assert isinstance(hook, WebhookSender) and hook.url == "http://127.0.0.1:9/sms"
    with pytest.raises(ValueError, match="WARDEN_UNBLOCK_WEBHOOK_URL"):
        build_sender(Settings(unblock_sender="webhook"))
