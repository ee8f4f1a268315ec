"""The penalty ladder (S-C1, S-C3, S-C4): a subject's history of active strikes → the next step.

Each new strike takes one step above the highest standing step, which decays by one per clean
`decay_days`. A severity class sets the lowest step a strike can take (S class → the permanent top).
Voided and overturned strikes do not count, so recomputing after a void lowers later steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from warden.kernel.model import Restriction, Strike, StrikeStatus
from warden.kernel.policy import Ladder, LadderStep, VelocityWindow


def standing_step(history: Sequence[tuple[datetime, int]], at: datetime, decay: timedelta) -> int | None:
    """The highest step still standing at `at`, given (time, step) pairs of active strikes, oldest first."""
    current: int | None = None
    last: datetime | None = None
    for when, step in history:
        if when > at:
            break
        if current is not None and last is not None:
            current -= int((when - last) / decay)
            if current < 0:
                current = None
        current = step if current is None else max(current, step)
        last = when
    if current is not None and last is not None:
        current -= int((at - last) / decay)
        if current < 0:
            current = None
    return current


def next_step(
    ladder: Ladder, history: Sequence[tuple[datetime, int]], severity: str, at: datetime, floor: int = 0
) -> int:
    """The step a new strike of `severity` at `at` earns. `floor` lets callers demand more (probation)."""
    standing = standing_step(history, at, timedelta(days=ladder.decay_days))
    step = 0 if standing is None else standing + 1
    step = max(step, ladder.severities[severity].min_step, floor)
    return min(step, ladder.top)


def recompute_steps(ladder: Ladder, strikes: Iterable[Strike], floors: dict[str, int] | None = None) -> dict[str, int]:
    """Replay the ladder over the active strikes (oldest first) and return each one's step.

    Used after a strike is voided or overturned: the later strikes may fall to lower steps.
    """
    floors = floors or {}
    history: list[tuple[datetime, int]] = []
    steps: dict[str, int] = {}
    for s in sorted(strikes, key=lambda s: (s.at, s.id)):
        if s.status is not StrikeStatus.ACTIVE:
            continue
        step = next_step(ladder, history, s.severity, s.at, floors.get(s.id, 0))
        steps[s.id] = step
        history.append((s.at, step))
    return steps


def restriction_for(
    ladder: Ladder,
    strike: Strike,
    restriction_id: str,
    minimum_end: datetime | None = None,
) -> Restriction:
    """The restriction a strike's step imposes; `minimum_end` extends it to a rule's block window."""
    step: LadderStep = ladder.steps[strike.step]
    ends = None if step.duration is None else strike.at + step.duration
    if ends is not None and minimum_end is not None and minimum_end > ends:
        ends = minimum_end
    earliest = strike.at + step.earliest_unblock_after if step.earliest_unblock_after else None
    return Restriction(
        id=restriction_id,
        subject_type=strike.subject_type,
        subject_id=strike.subject_id,
        scope=step.scope,
        step=strike.step,
        rule_id=strike.rule_id,
        starts_at=strike.at,
        ends_at=ends,
        strike_id=strike.id,
        self_unblock=step.self_unblock and strike.subject_type == "account",
        earliest_unblock_at=earliest,
        evidence=strike.evidence,
    )


def rederive(ladder: Ladder, strike: Strike, previous: Restriction) -> Restriction:
    """The restriction for a strike whose step changed (recomputed ladder, reduced on appeal): same id and
    start, the new step's scope and length, still at least the rule's block window, still lifted if it was, still
    without self-service when it was withheld against its step (an S-D4 reversal's, `unblock.abnormal`)."""
    block = previous.evidence.get("block_until")
    fresh = restriction_for(ladder, strike, previous.id, datetime.fromisoformat(block) if block else None)
    fresh.lifted_at, fresh.lift_reason = previous.lifted_at, previous.lift_reason
    was = ladder.steps[previous.step] if previous.step < len(ladder.steps) else None
    withheld = not previous.self_unblock and was is not None and was.self_unblock
    if withheld and strike.subject_type == "account":
        fresh.self_unblock, fresh.earliest_unblock_at = False, None
    return fresh


def block_end(window: VelocityWindow, at: datetime, timezone: str) -> datetime:
    """When a velocity block that started at `at` ends: a fixed length, or the end of the natural day."""
    if window.block == "rest_of_day":
        local = at.astimezone(ZoneInfo(timezone))
        midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight.astimezone(at.tzinfo)
    assert isinstance(window.block, timedelta)
    return at + window.block
