"""Weight (权重, S-B): the policy file's `weight:` section (account factors, enterprise factors, the S-A5
cascade). Pure: pydantic models only; points are 0–100, windows in whole days."""

from __future__ import annotations

from pydantic import Field, model_validator

from warden.kernel.durations import Strict as _Strict
from warden.kernel.events import FEATURES
from warden.kernel.model import Account
from warden.weight.state import DAY


class Points(_Strict):
    points: float = Field(ge=0, le=100)


class AgeFactor(_Strict):
    """0 points below `from_days`, `points` from `full_days`, linear between."""

    points: float = Field(ge=0, le=100)
    from_days: int = Field(ge=0)
    full_days: int = Field(ge=1)

    @model_validator(mode="after")
    def _order(self) -> AgeFactor:
        if self.full_days <= self.from_days:
            raise ValueError(f"full_days ({self.full_days}) must be above from_days ({self.from_days})")
        return self


class Stability(_Strict):
    points: float = Field(10, ge=0, le=100)
    window_days: int = Field(30, ge=1, le=365)
    free_changes: int = Field(2, ge=0)
    per_extra_change: float = Field(5, ge=0)


class LinkedLogin(_Strict):
    points: float = Field(10, ge=0, le=100)
    window_days: int = Field(30, ge=1, le=365)


class Breadth(_Strict):
    points: float = Field(10, ge=0, le=100)
    window_days: int = Field(30, ge=1, le=365)
    full_at: int = Field(5, ge=1)
    features: list[str] = Field(
        default_factory=lambda: [f for f in FEATURES if f != "mass_send"],  # mass sending earns no trust
        min_length=1,
    )

    @model_validator(mode="after")
    def _known(self) -> Breadth:
        unknown = [f for f in self.features if f not in FEATURES]
        if unknown:
            raise ValueError(f"unknown feature {unknown[0]!r}; known: {', '.join(FEATURES)}")
        return self


class Regularity(_Strict):
    points: float = Field(10, ge=0, le=100)
    window_days: int = Field(30, ge=1, le=365)
    full_days: int = Field(15, ge=1)


class CleanHistory(_Strict):
    points: float = Field(10, ge=0, le=100)
    window_days: int = Field(180, ge=1)
    per_strike: float = Field(10, ge=0)
    floor: float = Field(-20, le=0)


class NegativeFeedbackFactor(_Strict):
    points: float = Field(5, ge=0, le=100)
    window_days: int = Field(30, ge=1, le=365)
    per_report: float = Field(2, ge=0)
    ratio_penalty: float = Field(10, ge=0)
    full_penalty_ratio: float = Field(0.2, gt=0, le=1)
    min_new_contacts: int = Field(5, ge=1)
    floor: float = Field(-10, le=0)


class AccountWeightPolicy(_Strict):
    real_name: Points = Points(points=20)
    account_age: AgeFactor = AgeFactor(points=15, from_days=30, full_days=180)
    profile_complete: Points = Points(points=10)
    profile_stability: Stability = Stability()
    linked_login: LinkedLogin = LinkedLogin()
    feature_breadth: Breadth = Breadth()
    feature_regularity: Regularity = Regularity()
    clean_history: CleanHistory = CleanHistory()
    negative_feedback: NegativeFeedbackFactor = NegativeFeedbackFactor()
    # Missing evidence is not bad evidence (issue 10): the activity factors (linked login, feature breadth and
    # regularity) of an account younger than their window are shrunk toward this share of their points, by the
    # part of the window the account has not yet existed for (`scoring.shrink`).
    activity_prior: float = Field(0.5, ge=0, le=1)

    @property
    def keep_days(self) -> int:
        """How many daily buckets the state must keep for every windowed factor."""
        return max(
            self.profile_stability.window_days,
            self.linked_login.window_days,
            self.feature_breadth.window_days,
            self.feature_regularity.window_days,
            self.negative_feedback.window_days,
        )


class Members(_Strict):
    """`points` × the active members' mean weight / 100. The mean is shrunk toward `prior` by `prior_members`
    pseudo-members, so an enterprise with few or no active members reads as neutral, not as bad (issue 10):
    mean = (sum of scores + prior × prior_members) / (active members + prior_members)."""

    points: float = Field(70, ge=0, le=100)
    active_days: int = Field(30, ge=1, le=365)
    prior: float = Field(50, ge=0, le=100)  # the neutral member weight (the S-A1 scaling pivot)
    prior_members: float = Field(3, ge=0)  # how many members' worth of evidence the prior counts as
    # a member's score counts in the mean once its account is this old (as of its newest event); a younger
    # member is still an active member (the S-A5 share's denominator) but its score is mostly missing
    # evidence, so the prior stands for it: adding honest new staff never moves the mean (issue 10)
    min_history_days: int = Field(30, ge=0)

    def counts(self, account: Account, ts: float) -> bool:
        """Whether `account`'s score, taken at epoch seconds `ts` (its newest event), counts in the mean."""
        return ts - account.created_at.timestamp() >= self.min_history_days * DAY

    def mean(self, total_tenths: int, count: int) -> float:
        """The shrunk mean weight (0–100) of `count` active members whose scores sum to `total_tenths`."""
        if count + self.prior_members <= 0:
            return self.prior
        return (total_tenths / 10 + self.prior * self.prior_members) / (count + self.prior_members)


class PerItem(_Strict):
    per: float = Field(ge=0)
    window_days: int = Field(ge=1)
    floor: float = Field(le=0)


class EnterpriseWeightPolicy(_Strict):
    verified: Points = Points(points=15)
    members: Members = Members()
    age: AgeFactor = AgeFactor(points=15, from_days=30, full_days=365)
    restricted_members: PerItem = PerItem(per=10, window_days=30, floor=-50)
    own_penalties: PerItem = PerItem(per=15, window_days=180, floor=-30)


class CascadePolicy(_Strict):
    """S-A5: restrict the whole enterprise when enough members are restricted and its weight is low."""

    enabled: bool = True
    spec: str = "S-A5"
    window_days: int = Field(7, ge=1, le=365)
    min_members: int = Field(3, ge=1)
    min_share: float = Field(0.2, gt=0, le=1)
    share_min_members: int = Field(2, ge=1)  # the share rule needs at least this many restricted members
    share_min_active: int = Field(10, ge=1)  # … and at least this many active members: a share needs a denominator
    below_weight: float = Field(40, ge=0, le=100)
    severity: str = "M"  # severity class of the enterprise strike (enterprise ladder starts at step 2)
    severe_severities: list[str] = ["S"]  # a member strike of these classes cascades whatever the weight


class WeightPolicy(_Strict):
    enabled: bool = True
    account: AccountWeightPolicy = AccountWeightPolicy()
    enterprise: EnterpriseWeightPolicy = EnterpriseWeightPolicy()
    cascade: CascadePolicy = CascadePolicy()
    history_days: int = Field(90, ge=1, le=3650)  # how much score history a read returns

    @property
    def enterprise_keep_days(self) -> int:
        e = self.enterprise
        return max(e.members.active_days, e.restricted_members.window_days, self.cascade.window_days)
