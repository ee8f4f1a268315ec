"""The S-A5 cascade, decided: restrict a whole enterprise when enough of its members are restricted and its
weight (without them) is low, or at once on a severe member strike; and judge a cascade again when a strike it
counted is voided or overturned (S-D6). Pure: `WeightFeature` gathers the state, these functions decide.

Windows follow the project's rule (t − w < s ≤ t, in epoch seconds); weights are 0–100.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from warden.kernel.decision import StrikeRequest
from warden.kernel.model import Enterprise, Strike, StrikeStatus
from warden.weight.policy import CascadePolicy, EnterpriseWeightPolicy, WeightPolicy
from warden.weight.scoring import Breakdown, _total, enterprise_factors
from warden.weight.state import DAY, EnterpriseState, day_of, in_day_window, in_window


def cascade_breakdown(
    p: EnterpriseWeightPolicy,
    ent: Enterprise,
    st: EnterpriseState,
    left_out: Iterable[tuple[int | None, int | None]],
    own_strikes: Iterable[Strike],
    at: datetime,
) -> Breakdown:
    """The enterprise weight the S-A5 bar reads at `at` (0–100): the enterprise without the very restrictions
    that are being judged (issue 10, S-A5 precision).

    Against `enterprise_breakdown` it leaves out (a) the restricted members: `left_out` holds their place in
    the member buckets, (last active day, score in tenths), so the mean is that of the other active members,
    shrunk toward the prior as usual; (b) the `restricted_members` factor, since the member/share test already
    counts them; (c) the enterprise's own `cascade` strikes from own penalties, so a cascade does not feed the
    next one. What remains is the evidence about the rest of the enterprise: verification, the other members,
    age and its other penalties.
    """
    ts = at.timestamp()
    today = day_of(ts)
    days = p.members.active_days
    total, count = st.active(today, days)
    active = st.active_members(today, days)
    for d, sc in left_out:
        if d is not None and sc is not None and in_day_window(d, today, days):
            total -= sc
            count -= 1
    op = p.own_penalties
    own = [
        s
        for s in own_strikes
        if s.status is StrikeStatus.ACTIVE
        and s.rule_id != "cascade"
        and in_window(s.at.timestamp(), ts, op.window_days * DAY)
    ]
    factors = enterprise_factors(p, ent, total, count, active, own, at)
    return Breakdown(_total(factors), factors)


def cascade_reason(
    p: CascadePolicy, severity: str, enterprise_weight: float, restricted: int, active: int
) -> str | None:
    """Why a member's strike restricts the whole enterprise (S-A5), or None.

    `restricted` counts distinct members with an active strike in the window that no earlier cascade
    counted, this one included; `active` counts the enterprise's active members; `enterprise_weight` is the
    weight the bar reads (`cascade_breakdown`). The share rule applies only with at least `share_min_active`
    active members: "2 restricted of 0 active" is no share at all (issue 10).
    """
    if not p.enabled:
        return None
    if severity in p.severe_severities:
        return "severe"
    if enterprise_weight >= p.below_weight:
        return None
    if restricted >= p.min_members:
        return "members"
    if restricted >= p.share_min_members and active >= p.share_min_active and restricted / active >= p.min_share:
        return "share"
    return None


def counted_by_cascades(enterprise_strikes: Iterable[Strike], before: datetime) -> set[str]:
    """Member strike ids that an earlier cascade of the enterprise counted (whatever became of it): their
    evidence is spent, so they do not feed the next cascade (issue 10). Cascades from before `member_strikes`
    was recorded name only their trigger strike."""
    out: set[str] = set()
    for s in enterprise_strikes:
        if s.rule_id == "cascade" and s.at <= before:
            out.update(s.evidence.get("member_strikes") or [s.evidence.get("trigger_strike", "")])
    return out


def counted_members(
    cp: CascadePolicy, est: EnterpriseState, active_ids: set[str], spent: set[str], at: datetime
) -> dict[str, str]:
    """The member strikes an S-A5 judgement at `at` counts, as {strike id: account id}: active, not spent by an
    earlier cascade (`counted_by_cascades`), and in the cascade window (t − w < s ≤ t)."""
    ts = at.timestamp()
    window = cp.window_days * DAY
    return {
        sid: acc
        for sid, (acc, s_ts) in est.strikes.items()
        if sid in active_ids and sid not in spent and in_window(s_ts, ts, window)
    }


def cascade_request(
    p: WeightPolicy,
    strike: Strike,
    account_id: str,
    enterprise: Enterprise,
    est: EnterpriseState,
    counted: Mapping[str, str],
    left_out: Iterable[tuple[int | None, int | None]],
    own_strikes: Iterable[Strike],
    also_active: int = 0,
) -> StrikeRequest | None:
    """The S-A5 decision after member `account_id`'s `strike`: the enterprise strike to issue, or None.

    `also_active` counts members active now that the buckets do not hold yet: the striking member whose event
    is being decided is active by that very event, whichever of the members' violations came first.

    `counted` is `counted_members` at the strike's time; `left_out` holds the restricted members' places in the
    enterprise's buckets, (last active day, score in tenths), so the bar (`cascade_breakdown`) reads the
    enterprise without them; `own_strikes` are the enterprise's own strikes. The evidence records every number
    the decision read, so a later re-judgement (`cascade_holds`) and an explanation need nothing else.
    """
    cp = p.cascade
    at = strike.at
    restricted = set(counted.values())
    active = est.active_members(day_of(at.timestamp()), p.enterprise.members.active_days) + also_active
    bar = cascade_breakdown(p.enterprise, enterprise, est, left_out, own_strikes, at)
    why = cascade_reason(cp, strike.severity, bar.score, len(restricted), active)
    if why is None:
        return None
    return StrikeRequest(
        rule="cascade",
        severity=cp.severity,
        at=at,
        enterprise=True,
        key=strike.id,
        evidence={
            "spec": cp.spec,
            "why": why,
            "trigger_strike": strike.id,
            "trigger_account": account_id,
            "trigger_rule": strike.rule_id,
            "event_id": strike.event_id,
            "members": sorted(restricted),
            "member_strikes": sorted(counted),
            "restricted_members": len(restricted),
            "active_members": active,
            "enterprise_weight": bar.score,
            "below_weight": cp.below_weight,
            "min_members": cp.min_members,
            "min_share": cp.min_share,
            "share_min_active": cp.share_min_active,
            "window_days": cp.window_days,
        },
    )


def cascade_holds(
    cp: CascadePolicy,
    evidence: Mapping[str, Any],
    starts_at: datetime,
    member_strikes: Iterable[Strike],
    spent: set[str],
    now: datetime,
) -> bool:
    """Whether a cascade restriction (starting `starts_at`, with its strike's `evidence`) still holds at `now`,
    judged on the members' strikes still active from its window's start until now (a later member strike
    would have cascaded too) that no other cascade counted (`spent`), at the weight it was judged at (S-A5
    with S-D6)."""
    start = starts_at.timestamp()
    window = int(evidence.get("window_days", cp.window_days)) * DAY
    remaining = [  # the window as the cascade saw it (t − w < s ≤ t), and later strikes up to now
        s
        for s in member_strikes
        if s.status is StrikeStatus.ACTIVE
        and s.id not in spent
        and start - window < s.at.timestamp() <= now.timestamp()
    ]
    if not remaining:
        return False
    severe = next((s.severity for s in remaining if s.severity in cp.severe_severities), None)
    why = cascade_reason(
        cp,
        severe or "",
        float(evidence.get("enterprise_weight", 0.0)),
        len({s.subject_id for s in remaining}),
        int(evidence.get("active_members", 0)),
    )
    return why is not None
