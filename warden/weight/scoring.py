"""Weight (权重, S-B) scores: how far the platform trusts an account or an enterprise, factor by factor, and why.

Pure. A score is a function of (state, account row, strikes, time): `account_breakdown` and
`enterprise_breakdown` explain it factor by factor; `account_tenths` (`Scorer`) and `enterprise_tenths` are
their lean twins for ingest, which scores every account of every batch (unit tests hold each pair equal).
`AccountFold` folds one account's events day by day, scoring each day at its last event; ingest and recompute
both use it, so their numbers agree. Scores are in tenths (int, 0–1000) so sums never drift; read as /10.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from warden.kernel.model import Account, Enterprise, Strike, StrikeStatus
from warden.weight.policy import AccountWeightPolicy, EnterpriseWeightPolicy, WeightPolicy
from warden.weight.state import (
    _K,
    _KEYS,
    _L,
    _N,
    _P,
    _R,
    _X,
    ACTIVE_DAYS,
    DAY,
    PROFILE_FIELDS,
    AccountState,
    Bucket,
    EnterpriseState,
    day_of,
)

# --- scores ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One line of an explanation: what it gave, between `min` and `max`, and the values behind it."""

    code: str
    points: float
    max: float
    min: float
    detail: dict[str, Any]

    @property
    def held_down(self) -> bool:
        return self.points < self.max


@dataclass(frozen=True)
class Breakdown:
    tenths: int
    factors: list[Factor]

    @property
    def score(self) -> float:
        return self.tenths / 10


def _ramp(value: float, start: float, full: float) -> float:
    if value <= start:
        return 0.0
    if value >= full:
        return 1.0
    return (value - start) / (full - start)


def shrink(share: float, age_days: float, window_days: int, prior: float) -> float:
    """An activity factor's share of its points (0–1) for an account `age_days` old: what was measured over
    the part of the window the account existed for, the neutral `prior` for the part before it existed.
    So a new account reads neutral, not 0, on evidence it could not have shown yet (issue 10); from one full
    window of age on, the measured share alone."""
    seen = min(1.0, age_days / window_days)
    return seen * share + (1.0 - seen) * prior


def _t(x: float) -> int:
    return round(x * 10)


def _total(factors: list[Factor]) -> int:
    return min(1000, max(0, sum(_t(f.points) for f in factors)))


def _f(code: str, points: float, mx: float, mn: float = 0.0, **detail: Any) -> Factor:
    return Factor(code, _t(points) / 10, mx, mn, detail)


def _account_values(
    p: AccountWeightPolicy,
    st: AccountState,
    account: Account,
    strikes: Iterable[Strike],
    at: datetime,
    use_row: bool,
) -> tuple[list[float], dict[str, Any]]:
    """Each factor's raw points (in policy order) and the values behind them. The one place scores are made."""
    ts = at.timestamp()
    today = day_of(ts)
    verified = account.real_name_verified if use_row else st.is_verified(account)
    age = max(0.0, account.age_days(at))
    present = [f for f in PROFILE_FIELDS if (bool(getattr(account, f)) if use_row else st.has(f, account))]
    windows: dict[int, tuple[dict[str, int], int]] = {}

    def window(days: int) -> tuple[dict[str, int], int]:
        if days not in windows:
            sums = [0] * 7
            active = 0
            first = today - days + 1
            for d, bucket in st.days.items():
                if first <= d <= today:
                    for k in range(7):
                        sums[k] += bucket[k]
                    if bucket[Bucket.U]:
                        active += 1
            windows[days] = (dict(zip(_KEYS, sums, strict=True)), active)
        return windows[days]

    ps, ll, br, rg, ch, nf = (
        p.profile_stability,
        p.linked_login,
        p.feature_breadth,
        p.feature_regularity,
        p.clean_history,
        p.negative_feedback,
    )
    stab = window(ps.window_days)[0]["p"]
    logins = window(ll.window_days)[0]
    first_used = today - br.window_days + 1
    used = [f for f in br.features if first_used <= st.feats.get(f, first_used - 1) <= today]
    active = window(rg.window_days)[1]
    since = ts - ch.window_days * DAY
    recent = [s for s in strikes if s.status is StrikeStatus.ACTIVE and since < s.at.timestamp() <= ts]
    w = dict(window(nf.window_days)[0])
    w["r"] = max(0, w["r"] - dismissed_reports(strikes, ts - nf.window_days * DAY, ts))
    ratio = (w["r"] + w["x"]) / max(w["n"], nf.min_new_contacts)
    nf_pts = nf.points - nf.per_report * w["r"] - nf.ratio_penalty * min(1.0, ratio / nf.full_penalty_ratio)
    values = [
        p.real_name.points if verified else 0.0,
        p.account_age.points * _ramp(age, p.account_age.from_days, p.account_age.full_days),
        p.profile_complete.points * len(present) / len(PROFILE_FIELDS),
        max(0.0, ps.points - ps.per_extra_change * max(0, stab - ps.free_changes)),
        ll.points * shrink(logins["k"] / logins["l"] if logins["l"] else 0.0, age, ll.window_days, p.activity_prior),
        br.points * shrink(min(1.0, len(used) / br.full_at), age, br.window_days, p.activity_prior),
        rg.points * shrink(min(1.0, active / rg.full_days), age, rg.window_days, p.activity_prior),
        max(ch.floor, ch.points - ch.per_strike * len(recent)),
        max(nf.floor, nf_pts),
    ]
    ctx = {
        "verified": verified,
        "age": age,
        "present": present,
        "stab": stab,
        "logins": logins,
        "used": used,
        "active": active,
        "recent": recent,
        "w": w,
        "ratio": ratio,
    }
    return values, ctx


def dismissed_reports(strikes: Iterable[Strike], since: float, until: float) -> int:
    """Reports an appeal found unfounded: those behind a `reports` strike that was overturned (S-D6), so an
    overturn gives back the weight the reports took as well as the strike's own."""
    return sum(
        len(s.evidence.get("event_ids", ()))
        for s in strikes
        if s.rule_id == "reports" and s.status is StrikeStatus.OVERTURNED and since < s.at.timestamp() <= until
    )


class Scorer:
    """`account_tenths` with the policy's numbers read out once: the ingest path scores every account of every
    batch, so this is the hot loop of weight upkeep. Same arithmetic, same order, as `_account_values` (a unit
    test holds them equal on random states and policies); the factors that take one of a few values (profile
    completeness, stability within its free changes, clean history without strikes, negative feedback without
    reports or removals) are worked out once here by the very same expressions, and the rest inline `shrink`
    and `Account.age_days` (issue 16: a score is a few hundred bytecodes, and ingest makes one per touched
    account per batch)."""

    def __init__(self, p: AccountWeightPolicy) -> None:
        ps, ll, br, rg, ch, nf = (
            p.profile_stability,
            p.linked_login,
            p.feature_breadth,
            p.feature_regularity,
            p.clean_history,
            p.negative_feedback,
        )
        self.windows = tuple(sorted({ps.window_days, ll.window_days, rg.window_days, nf.window_days}))
        self.real = round(p.real_name.points * 10)
        self.prior = p.activity_prior
        ag = p.account_age
        self.a_pts, self.a_from, self.a_full = ag.points, ag.from_days, ag.full_days
        self.age_none, self.age_full = round(ag.points * 0.0 * 10), round(ag.points * 1.0 * 10)
        n = len(PROFILE_FIELDS)
        self.profile = tuple(round(p.profile_complete.points * k / n * 10) for k in range(n + 1))
        self.ps_days, self.ps_pts, self.ps_per, self.ps_free = (
            ps.window_days,
            ps.points,
            ps.per_extra_change,
            ps.free_changes,
        )
        self.ps0 = round(max(0.0, ps.points - ps.per_extra_change * max(0, 0)) * 10)  # within the free changes
        self.ll_days, self.ll_pts = ll.window_days, ll.points
        self.br_days, self.br_pts, self.br_full = br.window_days, br.points, br.full_at
        self.br_count: dict[str, int] = {}  # feature → how often the policy lists it (each listing counts)
        for f in br.features:
            self.br_count[f] = self.br_count.get(f, 0) + 1
        self.rg_days, self.rg_pts, self.rg_full = rg.window_days, rg.points, rg.full_days
        # a settled account's feature breadth and regularity by the count they read (features used, active days),
        # each worked out here by the very expression `tenths` uses; past the full count the share is 1.0
        # (a count is at most the features listed, or the window's days: the tables stop there or at the full count)
        top = min(br.full_at, len(br.features))
        self.br_settled = tuple(self._settled(br.points, k / br.full_at) for k in range(top + 1))
        top = min(rg.full_days, rg.window_days)
        self.rg_settled = tuple(self._settled(rg.points, k / rg.full_days) for k in range(top + 1))
        self.settled = max(ll.window_days, br.window_days, rg.window_days)  # age from which every window is seen
        self.ch_days, self.ch_pts, self.ch_per, self.ch_floor = ch.window_days, ch.points, ch.per_strike, ch.floor
        self.ch0 = round(max(ch.floor, ch.points - ch.per_strike * 0) * 10)  # no recent strike
        self.nf = (
            nf.window_days,
            nf.points,
            nf.per_report,
            nf.ratio_penalty,
            nf.full_penalty_ratio,
            nf.min_new_contacts,
            nf.floor,
        )
        # no report and no removal: the ratio is 0 whatever the new contacts (min_new_contacts ≥ 1)
        zero = (0 + 0) / max(0, nf.min_new_contacts)
        self.nf_days = nf.window_days
        self.nf0 = round(
            max(
                nf.floor,
                nf.points - nf.per_report * 0 - nf.ratio_penalty * min(1.0, zero / nf.full_penalty_ratio),
            )
            * 10
        )

    @staticmethod
    def _settled(points: float, share: float) -> int:
        if not share < 1.0:
            share = 1.0
        return round(points * share * 10)

    def tenths(
        self,
        st: AccountState,
        account: Account,
        strikes: list[Strike],
        at: datetime,
        use_row: bool,
        ts: float | None = None,
    ) -> int:
        """`ts` is `at.timestamp()` when the caller has it already.

        Remembered on the state: without strikes, for an account at least a whole activity window old
        (`settled`), with its profile and verification taken from the folded events, every factor but the age
        depends only on the state's counts and the day; so a state unchanged since its last score that day
        (`AccountState._changes`) reuses the sum of those factors and adds its age's points (ingest scores an
        account at its reads and again at the batch's end, often with nothing folded in between)."""
        if ts is None:
            ts = at.timestamp()
        today = int(ts // DAY)
        age = (at - account.created_at).total_seconds() / 86400  # Account.age_days
        if not age > 0.0:  # max(0.0, age)
            age = 0.0
        a_from = self.a_from
        if age >= self.a_full:
            age_points = self.age_full
        elif age <= a_from:
            age_points = self.age_none
        else:
            age_points = round(self.a_pts * ((age - a_from) / (self.a_full - a_from)) * 10)
        settled = age >= self.settled
        kept = settled and not use_row and not strikes and st.base is not None
        if kept:
            memo = st._memo
            if (
                memo is not None
                and memo[0] == st._changes
                and memo[1] == today
                and memo[2] is self
                and memo[3] is account
            ):
                return min(1000, max(0, memo[4] + age_points))  # type: ignore[no-any-return]
        roll = st._roll
        if roll is not None and roll.today == today and roll.lengths == self.windows:
            sums = roll.sums  # the usual case: the windows already end today
        else:
            sums = st.window_sums(today, self.windows)  # rolling: O(1) per day moved, not per stored bucket
        if use_row:
            verified = account.real_name_verified
            present = sum(1 for f in PROFILE_FIELDS if getattr(account, f))
        elif st.base is not None and not st.profile and st.verified is None:  # nothing folded changed them
            base = st.base
            verified = base["verified"]
            present = base["avatar"] + base["nickname"] + base["external_card"]
        else:
            verified = st.is_verified(account)
            present = sum(1 for f in PROFILE_FIELDS if st.has(f, account))
        total = (self.real if verified else 0) + self.profile[present]  # every factor but the age, then
        stab = sums[self.ps_days][_P]
        if stab <= self.ps_free:
            total += self.ps0
        else:
            total += round(max(0.0, self.ps_pts - self.ps_per * max(0, stab - self.ps_free)) * 10)
        # the activity factors, each `shrink(share, age, window, prior)` = seen × share + (1 − seen) × prior with
        # seen = min(1, age / window): from a whole window of age on (`settled`) that is the share itself, exactly
        prior = self.prior
        days = self.ll_days
        lg = sums[days]
        share = lg[_K] / lg[_L] if lg[_L] else 0.0
        if settled:
            total += round(self.ll_pts * share * 10)
        else:
            seen = age / days
            if not seen < 1.0:
                seen = 1.0
            total += round(self.ll_pts * (seen * share + (1.0 - seen) * prior) * 10)
        days = self.br_days
        first_used = today - days + 1
        used = 0
        count = self.br_count
        for f, d in st.feats.items():
            if first_used <= d <= today and f in count:
                used += count[f]
        if settled:
            total += self.br_settled[used if used < self.br_full else self.br_full]
        else:
            share = used / self.br_full
            if not share < 1.0:
                share = 1.0
            seen = age / days
            if not seen < 1.0:
                seen = 1.0
            total += round(self.br_pts * (seen * share + (1.0 - seen) * prior) * 10)
        days = self.rg_days
        active = sums[days][ACTIVE_DAYS]
        if settled:
            total += self.rg_settled[active if active < self.rg_full else self.rg_full]
        else:
            share = active / self.rg_full
            if not share < 1.0:
                share = 1.0
            seen = age / days
            if not seen < 1.0:
                seen = 1.0
            total += round(self.rg_pts * (seen * share + (1.0 - seen) * prior) * 10)
        w = sums[self.nf_days]
        reports = w[_R]
        recent = 0
        if strikes:
            ch_days, nf_days = self.ch_days, self.nf_days
            since, nf_since, dismissed = ts - ch_days * DAY, ts - nf_days * DAY, 0
            for x in strikes:
                x_ts = x.at.timestamp()
                if x.status is StrikeStatus.ACTIVE:
                    if since < x_ts <= ts:
                        recent += 1
                elif x.status is StrikeStatus.OVERTURNED and x.rule_id == "reports" and nf_since < x_ts <= ts:
                    dismissed += len(x.evidence.get("event_ids", ()))  # as `dismissed_reports`
            reports = max(0, reports - dismissed)
        if recent:
            total += round(max(self.ch_floor, self.ch_pts - self.ch_per * recent) * 10)
        else:
            total += self.ch0
        if reports or w[_X]:
            _, nf_pts, nf_per, nf_ratio_pen, nf_full_ratio, nf_min_new, nf_floor = self.nf
            ratio = (reports + w[_X]) / max(w[_N], nf_min_new)
            nf_value = nf_pts - nf_per * reports - nf_ratio_pen * min(1.0, ratio / nf_full_ratio)
            total += round(max(nf_floor, nf_value) * 10)
        else:
            total += self.nf0
        if kept:
            st._memo = (st._changes, today, self, account, total)
        return min(1000, max(0, total + age_points))


_SCORERS: dict[int, tuple[AccountWeightPolicy, Scorer]] = {}


def scorer(p: AccountWeightPolicy) -> Scorer:
    """The policy's scorer, made once per policy object."""
    hit = _SCORERS.get(id(p))
    if hit is None or hit[0] is not p:
        if len(_SCORERS) > 64:
            _SCORERS.clear()
        hit = _SCORERS[id(p)] = (p, Scorer(p))
    return hit[1]


def account_tenths(
    p: AccountWeightPolicy,
    st: AccountState,
    account: Account,
    strikes: Iterable[Strike],
    at: datetime,
    use_row: bool = False,
) -> int:
    """The score alone, in tenths: the ingest path's lean twin of `_account_values` (a unit test holds them
    equal), since it runs for every account of every batch."""
    return scorer(p).tenths(st, account, list(strikes), at, use_row)


def account_breakdown(
    p: AccountWeightPolicy,
    st: AccountState,
    account: Account,
    strikes: Iterable[Strike],
    at: datetime,
    use_row: bool = False,
) -> Breakdown:
    """The account's weight at `at`, factor by factor (S-B1–B3 and the rules' own history).

    `use_row` takes profile and verification from the account row (a read now, which also sees directory
    updates); otherwise from the folded events (a point in the past, the same whatever the batching).
    """
    strikes = list(strikes)  # read more than once below
    v, c = _account_values(p, st, account, strikes, at, use_row)
    ps, ll, br, rg, ch, nf = (
        p.profile_stability,
        p.linked_login,
        p.feature_breadth,
        p.feature_regularity,
        p.clean_history,
        p.negative_feedback,
    )
    w = c["w"]
    factors = [
        _f("real_name", v[0], p.real_name.points, verified=c["verified"]),
        _f(
            "account_age",
            v[1],
            p.account_age.points,
            age_days=int(c["age"]),
            full_days=p.account_age.full_days,
        ),
        _f(
            "profile_complete",
            v[2],
            p.profile_complete.points,
            present=c["present"],
            missing=[f for f in PROFILE_FIELDS if f not in c["present"]],
        ),
        _f(
            "profile_stability",
            v[3],
            ps.points,
            changes=c["stab"],
            free_changes=ps.free_changes,
            window_days=ps.window_days,
        ),
        _f(
            "linked_login",
            v[4],
            ll.points,
            logins=c["logins"]["l"],
            linked_real_phone=c["logins"]["k"],
            window_days=ll.window_days,
            observed_days=min(ll.window_days, int(c["age"])),
        ),
        _f(
            "feature_breadth",
            v[5],
            br.points,
            used=c["used"],
            unused=[f for f in br.features if f not in c["used"]],
            full_at=br.full_at,
            window_days=br.window_days,
            observed_days=min(br.window_days, int(c["age"])),
        ),
        _f(
            "feature_regularity",
            v[6],
            rg.points,
            active_days=c["active"],
            full_days=rg.full_days,
            window_days=rg.window_days,
            observed_days=min(rg.window_days, int(c["age"])),
        ),
        _f(
            "clean_history",
            v[7],
            ch.points,
            ch.floor,
            strikes=[s.id for s in c["recent"]],
            window_days=ch.window_days,
        ),
        _f(
            "negative_feedback",
            v[8],
            nf.points,
            nf.floor,
            reports=w["r"],
            removed_by=w["x"],
            new_contacts=w["n"],
            ratio=round(c["ratio"], 3),
            window_days=nf.window_days,
        ),
    ]
    return Breakdown(min(1000, max(0, sum(_t(x) for x in v))), factors)


def members_factor(p: EnterpriseWeightPolicy, total: int, count: int, active: int) -> Factor:
    """The `members` factor: the counted members' mean (sum `total` in tenths over `count`), shrunk toward the
    prior; `active` members include those too new to count. Shared by the enterprise weight and the S-A5 bar."""
    mean = p.members.mean(total, count)
    return _f(
        "members",
        p.members.points * mean / 100,
        p.members.points,
        active_members=active,
        counted_members=count,
        min_history_days=p.members.min_history_days,
        mean_weight=round(mean, 1),
        observed_mean=round(total / count / 10, 1) if count else None,
        prior=p.members.prior,
        prior_members=p.members.prior_members,
        active_days=p.members.active_days,
    )


def enterprise_factors(
    p: EnterpriseWeightPolicy,
    ent: Enterprise,
    total: int,
    count: int,
    active: int,
    own: list[Strike],
    at: datetime,
    *middle: Factor,
) -> list[Factor]:
    """An enterprise's factors at `at`: verification, its members (`total` tenths over `count` counted of `active`
    active, `members_factor`), its age, the `middle` ones (restricted members), and its own penalties (`own`: the
    strikes counted). One list for the weight (`enterprise_breakdown`) and the S-A5 bar (`cascade_breakdown`)."""
    age = max(0.0, (at - ent.created_at).total_seconds() / DAY)
    op = p.own_penalties
    return [
        _f("enterprise_verified", p.verified.points if ent.verified else 0, p.verified.points, verified=ent.verified),
        members_factor(p, total, count, active),
        _f(
            "enterprise_age",
            p.age.points * _ramp(age, p.age.from_days, p.age.full_days),
            p.age.points,
            age_days=int(age),
            full_days=p.age.full_days,
        ),
        *middle,
        _f(
            "own_penalties",
            max(op.floor, -op.per * len(own)),
            0.0,
            op.floor,
            strikes=[s.id for s in own],
            window_days=op.window_days,
        ),
    ]


def enterprise_breakdown(
    p: EnterpriseWeightPolicy,
    ent: Enterprise,
    st: EnterpriseState,
    active_strike_ids: set[str],
    own_strikes: Iterable[Strike],
    at: datetime,
) -> Breakdown:
    """The enterprise's weight at `at`: verification, its active members' weights, recent member
    restrictions, its age and its own penalties (S-B, POLICY-DEFAULTS §2.2)."""
    today = day_of(at.timestamp())
    total, count = st.active(today, p.members.active_days)
    n_active = st.active_members(today, p.members.active_days)
    restricted = st.restricted(active_strike_ids, at, p.restricted_members.window_days)
    op = p.own_penalties
    since = at.timestamp() - op.window_days * DAY
    own = [s for s in own_strikes if s.status is StrikeStatus.ACTIVE and since < s.at.timestamp() <= at.timestamp()]
    rm = p.restricted_members
    restricted_members = _f(
        "restricted_members",
        max(rm.floor, -rm.per * len(restricted)),
        0.0,
        rm.floor,
        members=sorted(restricted),
        share=round(len(restricted) / n_active, 3) if n_active else None,
        window_days=rm.window_days,
    )
    factors = enterprise_factors(p, ent, total, count, n_active, own, at, restricted_members)
    return Breakdown(_total(factors), factors)


def enterprise_tenths(
    p: EnterpriseWeightPolicy,
    ent: Enterprise,
    st: EnterpriseState,
    active_strike_ids: set[str],
    own_strikes: Iterable[Strike],
    at: datetime,
) -> int:
    """The enterprise score alone, in tenths: `enterprise_breakdown` without the explanation (a unit test
    holds them equal), for ingest, which needs it for every enterprise of every batch."""
    ts = at.timestamp()
    total, count = st.active(day_of(ts), p.members.active_days)
    mean = p.members.mean(total, count)
    rm, op = p.restricted_members, p.own_penalties
    restricted = len(st.restricted(active_strike_ids, at, rm.window_days)) if st.strikes else 0
    since = ts - op.window_days * DAY
    own = sum(1 for s in own_strikes if s.status is StrikeStatus.ACTIVE and since < s.at.timestamp() <= ts)
    age = max(0.0, (at - ent.created_at).total_seconds() / DAY)
    out = (
        _t(p.verified.points if ent.verified else 0)
        + _t(p.members.points * mean / 100)
        + _t(p.age.points * _ramp(age, p.age.from_days, p.age.full_days))
        + _t(max(rm.floor, -rm.per * restricted))
        + _t(max(op.floor, -op.per * own))
    )
    return min(1000, max(0, out))


# --- folding events in, day by day ---------------------------------------------------------------------------


def utc(ts: float) -> datetime:
    """Epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(ts, UTC)


class AccountFold:
    """One account's events folded in decision order (time, then id), one at a time.

    Each day is scored at its last event, as the next day's first event arrives: those are the account's
    history points (tenths). Ingest steps it from `after_event`, so every decision in a batch reads the state
    the events before it left; `fold_account` (recompute) folds a whole list. Both make the same numbers.
    `strikes` is the account's own list: strikes issued later in the batch are dated later and so never
    counted in an earlier point.
    """

    __slots__ = ("account", "at", "at_ts", "day", "marked", "p", "points", "st", "strikes", "tenths")

    def __init__(
        self, p: WeightPolicy, st: AccountState, account: Account, strikes: list[Strike], score: Scorer | None = None
    ) -> None:
        """`score` is `scorer(p.account)` when the caller has it already."""
        self.p = p
        self.st = st
        self.account = account
        self.strikes = strikes
        self.tenths = (score or scorer(p.account)).tenths
        self.points: list[tuple[int, int]] = []  # (day, score in tenths) of the days this fold closed
        self.marked = False  # ingest: folded since last placed in its enterprise's buckets (`WeightFeature._place`)
        self.day = -1
        self.at: datetime | None = None
        self.at_ts = 0.0

    def step(self, e: Any, ts: float | None = None, day: int | None = None) -> None:
        """Fold one event in (O(1) unless it begins a new day, which scores the day before). `ts` is
        `e.occurred_at.timestamp()` and `day` its `day_of` when the caller has them already."""
        e_at = e.occurred_at
        e_ts = e_at.timestamp() if ts is None else ts
        e_day = int(e_ts // DAY) if day is None else day
        if e_day != self.day and self.at is not None:
            self.points.append((self.day, self.tenths(self.st, self.account, self.strikes, self.at, False, self.at_ts)))
        self.st.apply(e, e_ts, e_day)
        self.day, self.at, self.at_ts = e_day, e_at, e_ts

    def latest_score(self) -> int:
        """The account's score in tenths as of its newest folded event: its place in the enterprise's buckets."""
        st = self.st
        if self.at is not None and self.at_ts == st.last_ts:
            return self.tenths(st, self.account, self.strikes, self.at, False, self.at_ts)
        return self.tenths(st, self.account, self.strikes, utc(st.last_ts), False)

    def finish(self, last: int | None = None) -> tuple[list[tuple[int, int]], int]:
        """The history points of the days that closed and the latest score (tenths); the newest day's point
        stays open in the state until a later day begins, so history costs one row per account per day.
        `last` is the score at the newest folded event (`at`) when the caller has it already."""
        st = self.st
        if self.at is None:
            return [], self.latest_score()
        if last is None:
            last = self.tenths(st, self.account, self.strikes, self.at, False, self.at_ts)
        op = st.open_point
        if not self.points and op is not None and op[0] == self.day and self.at_ts == st.last_ts:
            st.open_point = [self.day, last]  # the usual batch: more events on the open day, none late
            return [], last
        points = [*self.points, (self.day, last)]
        score = last if self.at_ts == st.last_ts else self.latest_score()  # a late event: as of the newest
        if op is not None and (len(points) > 1 or op[0] > points[0][0]):  # days closed (or a late day): merge
            merged = {op[0]: op[1]}
            merged.update(points)
            days = sorted(merged)
            st.open_point = [days[-1], merged[days[-1]]]
            closed = [(d, merged[d]) for d in days[:-1]]
        else:
            closed = points[:-1]
            if op is not None and op[0] < points[0][0]:
                closed.insert(0, (op[0], op[1]))
            st.open_point = list(points[-1])
        if closed or op is None:
            st.prune(self.p.account.keep_days)  # buckets only age out when a new day begins
        return closed, score


def fold_account(
    p: WeightPolicy,
    st: AccountState,
    account: Account,
    strikes: list[Strike],
    events: list[Any],
) -> tuple[list[tuple[int, int]], int]:
    """Apply one account's events (oldest first) day by day, scoring each day at its last event.

    Returns the history points of the days that closed (a later day began) and the final score (tenths);
    the latest day's point stays open in the state until then. Recompute's path; ingest steps the same
    `AccountFold` one event at a time, so both produce the same numbers.
    """
    fold = AccountFold(p, st, account, strikes)
    for e in events:
        fold.step(e)
    return fold.finish()
