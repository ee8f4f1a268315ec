"""S-B1–B3: each factor of the weight, raised the way the seed advises, raises the score (pure domain)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from warden.kernel import events as ev
from warden.kernel.model import Account, Enterprise, Strike, StrikeStatus
from warden.weight.cascade import cascade_reason
from warden.weight.policy import AccountWeightPolicy, CascadePolicy, WeightPolicy
from warden.weight.scoring import account_breakdown, account_tenths, enterprise_breakdown, enterprise_tenths
from warden.weight.state import AccountState, EnterpriseState, day_of
from warden.weight.texts import render

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
P = WeightPolicy()
_n = 0


def event(type_: str, days_ago: float = 0, **fields: Any) -> Any:
    global _n
    _n += 1
    raw = {
        "id": f"e{_n}",
        "type": type_,
        "occurred_at": (NOW - timedelta(days=days_ago)).isoformat(),
        "account_id": "a",
        **fields,
    }
    return ev.EventAdapter.validate_python(raw)


def account(**kw: Any) -> Account:
    base: dict[str, Any] = {
        "id": "a",
        "enterprise_id": "e",
        "phone": "13800000000",
        "real_name_verified": False,
        "created_at": NOW - timedelta(days=10),
        "avatar": None,
        "nickname": None,
        "external_card": None,
    }
    return Account(**(base | kw))


def score(st: AccountState, acc: Account | None = None, strikes: list[Strike] | None = None) -> float:
    return account_breakdown(P.account, st, acc or account(), strikes or [], NOW).score


def factor(st: AccountState, code: str, acc: Account | None = None, strikes: list[Strike] | None = None) -> Any:
    bd = account_breakdown(P.account, st, acc or account(), strikes or [], NOW)
    return next(f for f in bd.factors if f.code == code)


def fold(*events: Any) -> AccountState:
    st = AccountState()
    for e in events:
        st.apply(e)
    return st


def strike(days_ago: float, status: StrikeStatus = StrikeStatus.ACTIVE) -> Strike:
    return Strike(
        id=f"s{days_ago}",
        subject_type="account",
        subject_id="a",
        rule_id="reports",
        severity="L",
        step=0,
        at=NOW - timedelta(days=days_ago),
        policy_hash="h",
        status=status,
    )


def test_the_default_factor_maxima_add_up_to_100() -> None:
    bd = account_breakdown(P.account, AccountState(), account(), [], NOW)
    assert sum(f.max for f in bd.factors) == 100
    ent = enterprise_breakdown(P.enterprise, Enterprise("e", "E", False, NOW), EnterpriseState(), set(), [], NOW)
    assert sum(f.max for f in ent.factors) == 100


def test_a_new_bare_account_starts_low_and_every_factor_says_how_to_raise_it() -> None:
    old = account_breakdown(P.account, AccountState(), account(created_at=NOW - timedelta(days=400)), [], NOW)
    assert old.score == 40.0  # age 15 + a stable profile 10 + clean history 10 + no negative feedback 5
    bd = account_breakdown(P.account, AccountState(), account(), [], NOW)
    # 10 days old: stable profile 10 + clean history 10 + no negative feedback 5, and the three activity factors
    # read neutral (5 of 10) for the 20 of their 30 days the account did not exist yet: 3.3 each (issue 10)
    assert bd.score == 34.9
    held = [f.code for f in bd.factors if f.held_down]
    assert held == [
        "real_name",
        "account_age",
        "profile_complete",
        "linked_login",
        "feature_breadth",
        "feature_regularity",
    ]
    for lang in ("zh", "en"):
        out = render(bd, "account", lang)
        assert out["advice"][0]["code"] == "real_name"  # the biggest gain first
        assert all(a["text"] and a["text"] != a["code"] for a in out["advice"])
    assert render(bd, "account", "zh")["advice"][0]["text"] != render(bd, "account", "en")["advice"][0]["text"]


def test_real_name_verification_raises_the_weight_by_its_points() -> None:
    assert score(AccountState(), account(real_name_verified=True)) == score(AccountState()) + 20
    verified_by_event = fold(event("verification_change", verified=True))
    assert factor(verified_by_event, "real_name").points == 20


def test_account_age_ramps_from_30_to_180_days() -> None:
    young, mid, old = (account(created_at=NOW - timedelta(days=d)) for d in (20, 105, 400))
    assert factor(AccountState(), "account_age", young).points == 0
    assert factor(AccountState(), "account_age", mid).points == 7.5
    assert factor(AccountState(), "account_age", old).points == 15


def test_S_B1_a_complete_profile_raises_the_weight() -> None:
    bare = score(AccountState())
    partial = score(AccountState(), account(avatar="a.png"))
    full = score(AccountState(), account(avatar="a.png", nickname="n", external_card="c"))
    assert bare < partial < full and full - bare == 10
    cleared = fold(event("profile_change", field="nickname", value=""))
    acc = account(avatar="a.png", nickname="n", external_card="c")
    assert factor(cleared, "profile_complete", acc).detail["missing"] == ["nickname"]


def test_S_B1_frequent_profile_changes_lower_the_weight_and_age_out_after_30_days() -> None:
    two = fold(*[event("profile_change", 1, field="avatar", value=f"v{i}") for i in range(2)])
    five = fold(*[event("profile_change", 1, field="avatar", value=f"v{i}") for i in range(5)])
    old = fold(*[event("profile_change", 40, field="avatar", value=f"v{i}") for i in range(5)])
    assert factor(two, "profile_stability").points == 10
    assert factor(five, "profile_stability").points == 0  # 3 extra changes × −5, floor 0
    assert factor(old, "profile_stability").points == 10


OLD = account(created_at=NOW - timedelta(days=400))  # a full 30-day window observed: the measured share alone


def test_S_B2_logging_in_through_the_linked_personal_account_on_a_real_phone_raises_the_weight() -> None:
    def login(linked: bool, kind: str = "real") -> Any:
        return event("login", 1, device_id="d", client_version="4.1.0", via_linked_personal=linked, device_kind=kind)

    none = fold(login(False), login(False))
    half = fold(login(True), login(False))
    emulator = fold(login(True, "emulator"), login(True, "emulator"))
    full = fold(login(True), login(True))
    assert factor(none, "linked_login", OLD).points == 0
    assert factor(half, "linked_login", OLD).points == 5
    assert factor(emulator, "linked_login", OLD).points == 0
    assert factor(full, "linked_login", OLD).points == 10
    assert score(none, OLD) < score(half, OLD) < score(full, OLD)
    assert score(none) < score(half) < score(full)  # a new account too, on a neutral base


def test_S_B3_using_more_features_raises_breadth() -> None:
    feats = ["chat_message", "file_download", "clock_in", "attendance", "leave_request"]
    scores = [
        factor(fold(*[event("feature_use", 1, feature=f) for f in feats[:k]]), "feature_breadth", OLD).points
        for k in range(6)
    ]
    assert scores == [0, 2, 4, 6, 8, 10]
    stale = fold(*[event("feature_use", 31, feature=f) for f in feats])
    assert factor(stale, "feature_breadth", OLD).points == 0  # used more than 30 days ago
    chat = fold(event("message", 1, text="早上好"))
    assert factor(chat, "feature_breadth").detail["used"] == ["chat_message"]  # speaking in chats counts


def test_S_B3_regular_use_over_the_month_raises_regularity() -> None:
    one_day = fold(*[event("feature_use", 1, feature="clock_in") for _ in range(15)])
    daily = fold(*[event("feature_use", d, feature="clock_in") for d in range(15)])
    assert factor(one_day, "feature_regularity", OLD).points < factor(daily, "feature_regularity", OLD).points == 10
    assert factor(one_day, "feature_regularity").points < factor(daily, "feature_regularity").points


def test_clean_history_counts_active_strikes_of_180_days_and_a_voided_one_restores_it() -> None:
    st = AccountState()
    assert factor(st, "clean_history", strikes=[strike(10)]).points == 0
    assert factor(st, "clean_history", strikes=[strike(10), strike(20), strike(30)]).points == -20  # floor
    assert factor(st, "clean_history", strikes=[strike(200)]).points == 10  # older than half a year
    assert factor(st, "clean_history", strikes=[strike(10, StrikeStatus.VOIDED)]).points == 10
    assert factor(st, "clean_history", strikes=[strike(10, StrikeStatus.OVERTURNED)]).points == 10


def test_reports_and_removals_by_new_contacts_lower_the_weight() -> None:
    clean = fold(*[event("contact_added", 1, contact_id=f"c{i}") for i in range(10)])
    removed = fold(
        *[event("contact_added", 1, contact_id=f"c{i}") for i in range(10)],
        *[event("contact_removed", 1, contact_id=f"c{i}") for i in range(2)],
    )
    reported = fold(event("report", 1, reporter_id="r1", reason="spam"))
    assert factor(clean, "negative_feedback").points == 5
    assert factor(removed, "negative_feedback").points == -5  # 20% of new contacts left → −10 from +5
    assert factor(reported, "negative_feedback").points == -7  # 5 − 2 per report − 10 (1 of at least 5 = 20%)
    assert score(clean) > score(removed)


def test_state_is_the_same_whatever_order_the_events_arrive_in() -> None:
    evs = [
        event("profile_change", 3, field="nickname", value="a"),
        event("profile_change", 1, field="nickname", value=""),
        event("login", 2, device_id="d", client_version="4.1.0", via_linked_personal=True),
        event("feature_use", 2, feature="meeting"),
        event("verification_change", 5, verified=False),
        event("verification_change", 4, verified=True),
        event("report", 1, reporter_id="r", reason="spam"),
    ]
    expected = fold(*evs).to_json()
    for seed in range(5):
        shuffled = evs[:]
        random.Random(seed).shuffle(shuffled)
        assert fold(*shuffled).to_json() == expected
    assert AccountState.from_json(expected).to_json() == expected


def test_enterprise_weight_follows_verification_members_restrictions_age_and_own_penalties() -> None:
    ent = Enterprise("e", "E", False, NOW - timedelta(days=10))
    st = EnterpriseState()
    members = [AccountState() for _ in range(4)]
    today = day_of(NOW.timestamp())
    for m in members:
        st.move_member(m, today, 800, P.enterprise_keep_days)

    def ent_score(e: Enterprise = ent, active: set[str] | None = None, own: list[Strike] | None = None) -> float:
        return enterprise_breakdown(P.enterprise, e, st, active or set(), own or [], NOW).score

    base = ent_score()
    assert base == 47.0  # 70 × the mean (4 × 80 + 50 × 3) / (4 + 3), shrunk toward the neutral prior
    verified = Enterprise("e", "E", True, NOW - timedelta(days=400))
    assert ent_score(verified) == base + 15 + 15
    st.add_strike("s1", "m1", NOW.timestamp() - 3600)
    assert ent_score(active={"s1"}) == base - 10
    assert ent_score(active=set()) == base  # a voided member strike no longer counts
    own = Strike("es", "enterprise", "e", "manual", "M", 2, NOW - timedelta(days=1), "h")
    assert ent_score(own=[own]) == base - 15
    st.move_member(members[0], today, 200, P.enterprise_keep_days)  # one member's weight falls: mean moves
    assert ent_score() == pytest.approx(round(70 * (20 + 3 * 80 + 3 * 50) / 7 / 100, 1))


@pytest.mark.parametrize(
    ("severity", "weight", "restricted", "active", "expected"),
    [
        ("L", 39.9, 3, 100, "members"),
        ("L", 40.0, 3, 100, None),  # the bar is strict
        ("L", 20.0, 2, 100, None),
        ("L", 20.0, 2, 10, "share"),
        ("L", 20.0, 1, 1, None),  # the share rule needs two restricted members
        ("S", 95.0, 1, 100, "severe"),
    ],
)
def test_S_A5_cascade_needs_enough_restricted_members_and_a_low_weight_or_a_severe_strike(
    severity: str, weight: float, restricted: int, active: int, expected: str | None
) -> None:
    assert cascade_reason(CascadePolicy(), severity, weight, restricted, active) == expected


def random_account_policy(rng: random.Random) -> AccountWeightPolicy:
    """Account weight numbers drawn at random (windows, points, free changes, thresholds, a feature listed twice):
    the lean scorer's precomputed factors must follow any policy, not only the shipped one."""
    features = rng.sample(["chat_message", "clock_in", "meeting", "document", "file_download"], rng.randint(1, 4))
    if rng.random() < 0.3:
        features.append(features[0])
    window = lambda: rng.choice([1, 7, 30, 45])  # noqa: E731
    points = lambda: rng.choice([0.0, 3.0, 7.5, 10.0, 13.3])  # noqa: E731
    return AccountWeightPolicy.model_validate(
        {
            "real_name": {"points": points()},
            "account_age": {"points": points(), "from_days": rng.randint(0, 40), "full_days": rng.randint(41, 400)},
            "profile_complete": {"points": points()},
            "profile_stability": {
                "points": points(),
                "window_days": window(),
                "free_changes": rng.randint(0, 3),
                "per_extra_change": rng.choice([0.0, 1.5, 5.0]),
            },
            "linked_login": {"points": points(), "window_days": window()},
            "feature_breadth": {
                "points": points(),
                "window_days": window(),
                "full_at": rng.randint(1, 6),
                "features": features,
            },
            "feature_regularity": {"points": points(), "window_days": window(), "full_days": rng.randint(1, 20)},
            "clean_history": {
                "points": points(),
                "window_days": rng.choice([10, 180]),
                "per_strike": rng.choice([0.0, 4.0, 10.0]),
                "floor": rng.choice([0.0, -7.0, -20.0]),
            },
            "negative_feedback": {
                "points": points(),
                "window_days": window(),
                "per_report": rng.choice([0.0, 2.0, 3.5]),
                "ratio_penalty": rng.choice([0.0, 10.0, 6.5]),
                "full_penalty_ratio": rng.choice([0.2, 0.7, 1.0]),
                "min_new_contacts": rng.randint(1, 6),
                "floor": rng.choice([0.0, -10.0]),
            },
            "activity_prior": rng.choice([0.0, 0.3, 0.5, 1.0]),
        }
    )


def test_the_lean_ingest_score_equals_the_explained_score_on_random_states() -> None:
    """The lean scorer (`Scorer.tenths`, which precomputes some factors) gives the explained score's tenths on
    random states, strikes and accounts, under the shipped policy and under random ones (issue 16)."""
    from warden.weight.scoring import account_tenths

    rng = random.Random(1)
    kinds = [
        lambda d: event("profile_change", d, field=rng.choice(["avatar", "nickname", "external_card"]), value="x"),
        lambda d: event("login", d, device_id="d", client_version="4.1.0", via_linked_personal=rng.random() < 0.5),
        lambda d: event("feature_use", d, feature=rng.choice(["chat_message", "clock_in", "meeting", "document"])),
        lambda d: event("report", d, reporter_id="r", reason="spam"),
        lambda d: event("contact_added", d, contact_id="c"),
        lambda d: event("contact_removed", d, contact_id="c"),
        lambda d: event("verification_change", d, verified=rng.random() < 0.5),
    ]
    statuses = list(StrikeStatus)
    policies = [P.account, *(random_account_policy(rng) for _ in range(40))]
    for n in range(1200):
        policy = policies[0] if n < 400 else rng.choice(policies)
        pool = kinds if rng.random() < 0.5 else kinds[1:6]  # sometimes no profile or verification events
        acc = account(
            real_name_verified=rng.random() < 0.5,
            created_at=NOW - timedelta(days=rng.uniform(0, 300)),
            avatar=rng.choice([None, "a"]),
            external_card=rng.choice([None, "c"]),
        )
        st = AccountState()
        if rng.random() < 0.5:
            fields = {f: rng.choice([None, "x"]) for f in ("avatar", "nickname", "external_card")}
            st.seed(account(real_name_verified=rng.random() < 0.5, **fields))
        for e in [rng.choice(pool)(rng.uniform(0, 40)) for _ in range(rng.randint(0, 40))]:
            st.apply(e)
        strikes = [strike(rng.uniform(0, 200), rng.choice(statuses)) for _ in range(rng.randint(0, 3))]
        for s in strikes:
            s.evidence["event_ids"] = [f"r{i}" for i in range(rng.randint(0, 3))]
        for use_row in (False, True):
            expected = account_breakdown(policy, st, acc, strikes, NOW, use_row).tenths
            assert account_tenths(policy, st, acc, strikes, NOW, use_row) == expected


def test_the_rolling_window_sums_stay_equal_to_a_rebuild_as_events_fold_days_move_and_buckets_prune() -> None:
    """Issue 16: the lean score keeps rolling window sums (`RollingSums`) instead of re-summing every stored day;
    interleaving folds, reads at later and earlier days, several window lengths and prunes, every read equals
    the explained score (which re-sums) and the sums equal a rebuild from the buckets."""
    from warden.weight.policy import AccountWeightPolicy
    from warden.weight.state import RollingSums

    rng = random.Random(3)
    policies = [P.account, AccountWeightPolicy.model_validate({"linked_login": {"points": 10, "window_days": 7}})]
    for _ in range(60):
        p = rng.choice(policies)
        st = AccountState()
        acc = account(created_at=NOW - timedelta(days=rng.uniform(0, 300)))
        for _ in range(rng.randint(1, 80)):
            r = rng.random()
            if r < 0.55:
                kind = rng.choice(["login", "feature_use", "report", "contact_added", "contact_removed", "profile"])
                ago = rng.uniform(0, 60)
                if kind == "login":
                    e = event("login", ago, device_id="d", client_version="4.1.0", via_linked_personal=True)
                elif kind == "feature_use":
                    e = event("feature_use", ago, feature="clock_in")
                elif kind == "report":
                    e = event("report", ago, reporter_id="r", reason="spam")
                elif kind == "profile":
                    e = event("profile_change", ago, field="avatar", value="x")
                else:
                    e = event(kind, ago, contact_id="c")
                st.apply(e)
            elif r < 0.65:
                st.prune(rng.choice([5, 20, 40]))
            else:
                at = NOW - timedelta(days=rng.uniform(0, 70))
                assert account_tenths(p, st, acc, [], at) == account_breakdown(p, st, acc, [], at).tenths
                roll = st._roll
                assert roll is not None
                assert roll.sums == RollingSums(st.days, roll.lengths, roll.today).sums
        assert st == AccountState.from_json(st.to_json())  # derived only: not stored, not in equality


def test_a_remembered_score_is_given_again_only_while_nothing_it_reads_has_changed() -> None:
    """Issue 16: the lean scorer remembers what an account's score owes to its state per day
    (`AccountState._memo`); folding events in (a second feature use of a day included), pruning, moving between
    days and times, reading earlier, at ages around the windows' and the age factor's edges, with strikes or from
    the row, every read equals the score of a copy that remembers nothing."""
    from warden.weight.scoring import scorer

    rng = random.Random(5)
    sc = scorer(P.account)
    for _ in range(80):
        acc = account(created_at=NOW - timedelta(days=rng.choice([5, 29.9, 30.2, 31, 90, 179.5, 200, 900])), avatar="a")
        st = AccountState()
        st.seed(acc)
        for _ in range(rng.randint(1, 60)):
            r = rng.random()
            if r < 0.5:
                kind = rng.choice(["login", "feature_use", "message", "report", "contact_added", "profile", "verify"])
                ago = rng.choice([0.0, 0.1, 0.5, rng.uniform(0, 3), rng.uniform(0, 45)])
                if kind == "login":
                    e = event("login", ago, device_id="d", client_version="4.1.0", via_linked_personal=True)
                elif kind == "feature_use":
                    e = event("feature_use", ago, feature=rng.choice(["clock_in", "meeting"]))
                elif kind == "message":
                    e = event("message", ago, text="好的")
                elif kind == "report":
                    e = event("report", ago, reporter_id="r", reason="spam")
                elif kind == "profile":
                    e = event("profile_change", ago, field="nickname", value=rng.choice(["", "x"]))
                elif kind == "verify":
                    e = event("verification_change", ago, verified=rng.random() < 0.5)
                else:
                    e = event(kind, ago, contact_id="c")
                st.apply(e)
            elif r < 0.55:
                st.prune(rng.choice([5, 30]))
            else:
                at = NOW - timedelta(days=rng.choice([0.0, 0.2, rng.uniform(0, 3), rng.uniform(0, 40)]))
                strikes = [strike(rng.uniform(0, 5))] if rng.random() < 0.1 else []
                use_row = rng.random() < 0.1
                fresh = AccountState.from_json(st.to_json())
                assert sc.tenths(st, acc, strikes, at, use_row) == sc.tenths(fresh, acc, strikes, at, use_row)


def _move_by_taking_out_and_putting_back(
    est: EnterpriseState, st: AccountState, new_day: int, new_score: int, keep: int, counted: bool
) -> None:
    """The plain rule `EnterpriseState.move_member` must keep to: take the member out of its old bucket (if kept),
    put it into the new one (if kept)."""
    est.last_day = max(est.last_day, new_day)
    cut = est.last_day - keep
    if st.ent_day is not None and st.ent_day >= cut:
        if st.ent_score is not None and st.ent_day in est.members:
            b = est.members[st.ent_day]
            b[0] -= st.ent_score
            b[1] -= 1
            if b[1] <= 0:
                del est.members[st.ent_day]
        elif st.ent_score is None and st.ent_day in est.fresh:
            est.fresh[st.ent_day] -= 1
            if est.fresh[st.ent_day] <= 0:
                del est.fresh[st.ent_day]
    if new_day >= cut:
        if counted:
            b = est.members.setdefault(new_day, [0, 0])
            b[0] += new_score
            b[1] += 1
        else:
            est.fresh[new_day] = est.fresh.get(new_day, 0) + 1
    st.ent_day, st.ent_score = new_day, (new_score if counted else None)


def test_moving_a_member_leaves_the_buckets_as_taking_it_out_and_putting_it_back_would() -> None:
    """Issue 16: `move_member` updates a member staying on its day in one step; on random moves (same day, other
    days, scores kept or changed, counted or fresh, members that moved enterprise) the buckets end up as the plain
    rule leaves them."""
    rng = random.Random(9)
    for _ in range(300):
        est, ref = EnterpriseState(), EnterpriseState()
        members = [(AccountState(), AccountState()) for _ in range(rng.randint(1, 6))]
        for _ in range(rng.randint(1, 40)):
            st, st_ref = rng.choice(members)
            if rng.random() < 0.05:  # a member that comes from another enterprise, its place from there
                day, score = rng.randint(0, 40), rng.choice([None, 500])
                st.ent_day = st_ref.ent_day = day
                st.ent_score = st_ref.ent_score = score
            day = st.ent_day if st.ent_day is not None and rng.random() < 0.7 else rng.randint(0, 40)
            score = st.ent_score if st.ent_score is not None and rng.random() < 0.4 else rng.randint(0, 1000)
            counted = rng.random() < 0.85
            keep = rng.choice([5, 30])
            est.move_member(st, day, score, keep, counted)
            _move_by_taking_out_and_putting_back(ref, st_ref, day, score, keep, counted)
            assert (est.members, est.fresh, est.last_day) == (ref.members, ref.fresh, ref.last_day)
            assert (st.ent_day, st.ent_score) == (st_ref.ent_day, st_ref.ent_score)


def test_the_lean_ingest_enterprise_score_equals_the_explained_score_on_random_states() -> None:
    from warden.weight.scoring import enterprise_tenths

    rng = random.Random(2)
    today = day_of(NOW.timestamp())
    for _ in range(200):
        st = EnterpriseState()
        for _ in range(rng.randint(0, 12)):
            st.move_member(AccountState(), today - rng.randint(0, 40), rng.randint(0, 1000), P.enterprise_keep_days)
        ids = [f"s{i}" for i in range(rng.randint(0, 6))]
        for sid in ids:
            st.add_strike(sid, f"m{rng.randint(0, 4)}", NOW.timestamp() - rng.uniform(0, 40) * 86400)
        active = {sid for sid in ids if rng.random() < 0.7}
        own = [
            Strike(f"o{i}", "enterprise", "e", "manual", "M", 2, NOW - timedelta(days=rng.uniform(0, 200)), "h")
            for i in range(rng.randint(0, 3))
        ]
        ent = Enterprise("e", "E", rng.random() < 0.5, NOW - timedelta(days=rng.uniform(0, 500)))
        expected = enterprise_breakdown(P.enterprise, ent, st, active, own, NOW).tenths
        assert enterprise_tenths(P.enterprise, ent, st, active, own, NOW) == expected


# --- issue 10: cold start, the cascade's bar and share, one window convention ------------------------------


def test_S_B_an_enterprise_without_recorded_member_activity_reads_neutral_not_bad() -> None:
    """Missing evidence is not bad evidence: no active members gives the prior mean (50), not 0."""
    ent = Enterprise("e", "E", True, NOW - timedelta(days=400))
    bd = enterprise_breakdown(P.enterprise, ent, EnterpriseState(), set(), [], NOW)
    members = next(f for f in bd.factors if f.code == "members")
    assert members.points == 35.0 and members.detail["mean_weight"] == 50.0
    assert bd.score == 65.0 >= CascadePolicy().below_weight  # verified 15 + 35 + age 15: not "cascade exposed"
    young = Enterprise("e", "E", False, NOW - timedelta(days=1))
    assert enterprise_breakdown(P.enterprise, young, EnterpriseState(), set(), [], NOW).score == 35.0


def test_S_B_one_member_moves_the_enterprise_mean_only_as_far_as_its_evidence_goes() -> None:
    st = EnterpriseState()
    st.move_member(AccountState(), day_of(NOW.timestamp()), 100, P.enterprise_keep_days)  # one member at 10
    ent = Enterprise("e", "E", True, NOW - timedelta(days=400))
    mean = next(f for f in enterprise_breakdown(P.enterprise, ent, st, set(), [], NOW).factors if f.code == "members")
    assert mean.detail["mean_weight"] == 40.0  # (10 + 3 × 50) / 4, not 10


@pytest.mark.parametrize(("restricted", "active"), [(2, 0), (2, 2), (2, 9), (1, 10)])
def test_S_A5_the_share_rule_needs_a_meaningful_denominator(restricted: int, active: int) -> None:
    assert cascade_reason(CascadePolicy(), "L", 10.0, restricted, active) is None  # "2 of 0 active" is no share


def test_S_A5_the_cascade_bar_reads_the_enterprise_without_the_restrictions_it_judges() -> None:
    from warden.weight.cascade import cascade_breakdown

    ent = Enterprise("e", "E", False, NOW - timedelta(days=20))  # young, unverified, but its staff are sound
    st = EnterpriseState()
    today = day_of(NOW.timestamp())
    staff = [AccountState() for _ in range(9)]
    abusers = [AccountState() for _ in range(3)]
    for m in staff:
        st.move_member(m, today, 700, P.enterprise_keep_days)
    for k, m in enumerate(abusers):
        st.move_member(m, today, 150, P.enterprise_keep_days)
        st.add_strike(f"s{k}", f"a{k}", NOW.timestamp() - 3600)
    own_cascade = Strike("c0", "enterprise", "e", "cascade", "M", 2, NOW - timedelta(days=10), "h")
    shown = enterprise_breakdown(P.enterprise, ent, st, {"s0", "s1", "s2"}, [own_cascade], NOW)
    assert shown.score < 40  # the weight an admin sees carries the restrictions and the old cascade
    bar = cascade_breakdown(P.enterprise, ent, st, [(m.ent_day, m.ent_score) for m in abusers], [own_cascade], NOW)
    assert bar.score == round(70 * (9 * 70 + 3 * 50) / 12 / 100, 1) >= 40  # the other nine, shrunk; no penalties
    assert [f.code for f in bar.factors] == ["enterprise_verified", "members", "enterprise_age", "own_penalties"]
    assert next(f for f in bar.factors if f.code == "members").detail["counted_members"] == 9
    manual = Strike("m0", "enterprise", "e", "manual", "M", 2, NOW - timedelta(days=10), "h")
    assert cascade_breakdown(P.enterprise, ent, st, [], [manual], NOW).score < bar.score  # other penalties count


@pytest.mark.parametrize(
    ("code", "make", "detail_key"),
    [
        ("profile_stability", lambda d: event("profile_change", d, field="avatar", value="x"), "changes"),
        (
            "linked_login",
            lambda d: event("login", d, device_id="d", client_version="4.1.0", via_linked_personal=True),
            "logins",
        ),
        ("feature_breadth", lambda d: event("feature_use", d, feature="clock_in"), "used"),
        ("feature_regularity", lambda d: event("feature_use", d, feature="clock_in"), "active_days"),
        ("negative_feedback", lambda d: event("report", d, reporter_id="r", reason="spam"), "reports"),
    ],
)
def test_window_edges_account_factors_count_whole_days_half_open(code: str, make: Any, detail_key: str) -> None:
    """Daily buckets: day s_d is in a window of w days at day t_d iff t_d − w < s_d ≤ t_d."""
    w = 30
    out, inside = fold(make(w)), fold(make(w - 1))
    assert not factor(out, code).detail[detail_key]
    assert factor(inside, code).detail[detail_key]
    future = fold(make(-1))  # after the decision: not in its window either
    assert not factor(future, code).detail[detail_key]


def test_window_edges_clean_history_counts_strikes_in_t_minus_180_days_exclusive_to_t_inclusive() -> None:
    edge = 180.0
    assert factor(AccountState(), "clean_history", strikes=[strike(edge)]).points == 10
    assert factor(AccountState(), "clean_history", strikes=[strike(edge - 1 / 86400)]).points == 0
    assert factor(AccountState(), "clean_history", strikes=[strike(0)]).points == 0  # at t itself: in
    assert factor(AccountState(), "clean_history", strikes=[strike(-1 / 86400)]).points == 10  # after t: out


def test_window_edges_enterprise_restricted_members_own_penalties_and_active_members() -> None:
    ent = Enterprise("e", "E", True, NOW - timedelta(days=400))
    ts = NOW.timestamp()

    def restricted_points(at_s: float) -> float:
        st = EnterpriseState()
        st.add_strike("s", "m", at_s)
        bd = enterprise_breakdown(P.enterprise, ent, st, {"s"}, [], NOW)
        return next(f for f in bd.factors if f.code == "restricted_members").points

    assert restricted_points(ts - 30 * 86400) == 0  # exactly t − 30 days: out
    assert restricted_points(ts - 30 * 86400 + 1) == -10
    assert restricted_points(ts) == -10

    def own_points(days_ago: float) -> float:
        own = Strike("o", "enterprise", "e", "manual", "M", 2, NOW - timedelta(days=days_ago), "h")
        bd = enterprise_breakdown(P.enterprise, ent, EnterpriseState(), set(), [own], NOW)
        return next(f for f in bd.factors if f.code == "own_penalties").points

    assert own_points(180) == 0 and own_points(180 - 1 / 86400) == -15 and own_points(0) == -15

    today = day_of(ts)
    st = EnterpriseState()
    st.move_member(AccountState(), today - 30, 800, P.enterprise_keep_days)  # last active 30 days ago: out
    assert st.active(today, 30) == (0, 0)
    st.move_member(AccountState(), today - 29, 800, P.enterprise_keep_days)
    assert st.active(today, 30) == (800, 1)


# --- issue 10: missing evidence is not bad evidence (accounts and members with little history) ----------------


def test_a_new_accounts_activity_factors_read_neutral_and_shrink_to_the_measured_share_over_the_window() -> None:
    idle = AccountState()
    by_age = [factor(idle, "feature_regularity", account(created_at=NOW - timedelta(days=d))) for d in (0, 15, 30, 90)]
    assert [f.points for f in by_age] == [5, 2.5, 0, 0]  # neutral at birth, the measured 0 from a full window on
    assert [f.detail["observed_days"] for f in by_age] == [0, 15, 30, 30]
    for d in (0, 5, 10, 20, 29, 30, 200):  # the explained breakdown and the lean scorer stay equal
        acc = account(created_at=NOW - timedelta(days=d))
        assert account_tenths(P.account, idle, acc, [], NOW) == account_breakdown(P.account, idle, acc, [], NOW).tenths


def test_members_younger_than_min_history_are_active_but_do_not_move_the_mean() -> None:
    p = P.enterprise
    ent = Enterprise("e", "E", True, NOW - timedelta(days=40))
    est = EnterpriseState()
    today = int(NOW.timestamp() // 86400)
    seasoned, fresh = AccountState(), AccountState()
    assert p.members.counts(account(created_at=NOW - timedelta(days=30)), NOW.timestamp())
    assert not p.members.counts(account(created_at=NOW - timedelta(days=29)), NOW.timestamp())
    est.move_member(seasoned, today, 800, 30, counted=True)
    before = enterprise_breakdown(p, ent, est, set(), [], NOW)
    est.move_member(fresh, today, 250, 30, counted=False)
    after = enterprise_breakdown(p, ent, est, set(), [], NOW)
    assert after.tenths == before.tenths == enterprise_tenths(p, ent, est, set(), [], NOW)
    members = next(f for f in after.factors if f.code == "members")
    assert members.detail["active_members"] == 2 and members.detail["counted_members"] == 1
    assert est.active_members(today, 30) == 2 and est.active(today, 30) == (800, 1)
    est.move_member(fresh, today, 600, 30, counted=True)  # grown up: its score counts now, once
    assert est.active(today, 30) == (1400, 2) and est.active_members(today, 30) == 2
    assert EnterpriseState.from_json(est.to_json()) == est
