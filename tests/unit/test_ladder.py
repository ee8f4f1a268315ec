"""S-C1, S-C3, S-C4: the penalty ladder as a pure function of the active history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warden.adapters.policy_file import load_policy
from warden.kernel.decision import Subject
from warden.kernel.ladder import block_end, next_step, recompute_steps, restriction_for, standing_step
from warden.kernel.model import Account, Enterprise, Scope, Strike, StrikeStatus
from warden.pipeline.context import spent_after
from warden.policy_versions.rules import label_of

LADDER = load_policy().policy.ladder
T = datetime(2026, 1, 1, tzinfo=UTC)
DECAY = timedelta(days=180)


def strike(sid: str, days: float, severity: str = "L", status: StrikeStatus = StrikeStatus.ACTIVE) -> Strike:
    return Strike(sid, "account", "a", "r", severity, 0, T + timedelta(days=days), "h", status=status)


def test_S_C3_first_light_violation_is_step_0_and_each_repeat_climbs_one_step() -> None:
    history: list[tuple[datetime, int]] = []
    steps = []
    for d in range(6):
        s = next_step(LADDER, history, "L", T + timedelta(days=d))
        steps.append(s)
        history.append((T + timedelta(days=d), s))
    assert steps == [0, 1, 2, 3, 4, 5]


def test_S_C4_severe_violation_goes_straight_to_the_permanent_ban() -> None:
    assert next_step(LADDER, [], "S", T) == 5
    assert LADDER.steps[5].duration is None and LADDER.steps[5].scope is Scope.ACCOUNT


def test_medium_violation_starts_at_step_1_and_plugin_at_step_2() -> None:
    assert next_step(LADDER, [], "M", T) == 1
    assert next_step(LADDER, [], "P", T) == 2


def test_S_C3_history_decays_one_step_per_clean_180_days() -> None:
    history = [(T, 3)]
    assert standing_step(history, T + timedelta(days=179), DECAY) == 3
    assert standing_step(history, T + timedelta(days=181), DECAY) == 2
    assert next_step(LADDER, history, "L", T + timedelta(days=100)) == 4
    assert next_step(LADDER, history, "L", T + timedelta(days=400)) == 2  # two clean periods: 3 → 1, next is 2
    assert next_step(LADDER, [(T, 0)], "L", T + timedelta(days=200)) == 0  # fully decayed: a fresh start


def test_voiding_a_strike_recomputes_later_steps_from_what_stays_active() -> None:
    strikes = [strike("s1", 0), strike("s2", 1), strike("s3", 2)]
    assert recompute_steps(LADDER, strikes) == {"s1": 0, "s2": 1, "s3": 2}
    strikes[0].status = StrikeStatus.VOIDED
    assert recompute_steps(LADDER, strikes) == {"s2": 0, "s3": 1}


def test_S_C1_staged_restriction_has_an_end_and_an_earliest_unblock_date() -> None:
    s = strike("s", 0)
    s.step = 2
    r = restriction_for(LADDER, s, "r")
    assert r.scope is Scope.LOGIN and r.ends_at == s.at + timedelta(days=3)
    assert r.self_unblock and r.earliest_unblock_at == s.at + timedelta(days=1)
    assert r.active_at(s.at + timedelta(days=2)) and not r.active_at(s.at + timedelta(days=3))


def test_rule_block_window_extends_a_shorter_penalty() -> None:
    s = strike("s", 0)
    r = restriction_for(LADDER, s, "r", minimum_end=s.at + timedelta(days=30))
    assert r.ends_at == s.at + timedelta(days=30)


def test_rest_of_day_block_ends_at_local_midnight() -> None:
    window = next(w for w in load_policy().policy.rules.phone_search_velocity.windows if w.name == "day")
    at = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
    assert block_end(window, at, "Asia/Shanghai") == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)


def test_a_superseded_strike_is_read_as_never_made_by_the_ladder_spent_evidence_and_the_policy_labels() -> None:
    """`StrikeStatus.SUPERSEDED` (re-deciding in event order after a late event did not make it again): the ladder
    skips it like a void, but unlike a void or an overturn it spends no evidence (`spent_after`: its rule's windows
    do not start afresh after it) and carries no verdict (`label_of`: nobody judged its evidence wrong)."""
    gone = strike("b", 1, status=StrikeStatus.SUPERSEDED)
    gone.rule_id = "phone_search_velocity"
    assert recompute_steps(LADDER, [strike("a", 0), gone, strike("c", 2)]) == {"a": 0, "c": 1}
    acc = Account("a", "e", "13800000000", True, T, "a.png", "n", "c")
    subject = Subject(acc, Enterprise("e", "E", True, T), strikes=[gone])
    assert spent_after(subject, "phone_search_velocity", T + timedelta(days=2)) is None
    gone.status = StrikeStatus.VOIDED
    assert spent_after(subject, "phone_search_velocity", T + timedelta(days=2)) == gone.at.timestamp()
    assert label_of("superseded", []) is None and label_of("superseded", ["upheld"]) is None
