"""The core of the policy: declarative conditions and the ladder (steps, severity classes, velocity windows the
ladder's `block_end` reads). Feature sections and the file schema build on these."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from warden.kernel.durations import Duration, Strict
from warden.kernel.model import Scope

# --- declarative conditions ---------------------------------------------------------------------------

FEATURES: dict[str, type] = {
    "account_age_days": float,
    "account_verified": bool,
    "enterprise_verified": bool,
    "account_weight": float,
    "enterprise_weight": float,
}
"""What a condition may test. Values are computed by the rules for the subject at decision time."""


class Comparison(Strict):
    eq: float | bool | str | None = None
    ne: float | bool | str | None = None
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None

    def holds(self, value: Any) -> bool:
        """Every bound given holds for `value` (an unknown value satisfies nothing)."""
        if value is None:
            return False
        return not (
            (self.eq is not None and value != self.eq)
            or (self.ne is not None and value == self.ne)
            or (self.lt is not None and not value < self.lt)
            or (self.le is not None and not value <= self.le)
            or (self.gt is not None and not value > self.gt)
            or (self.ge is not None and not value >= self.ge)
        )


def _comparison(value: Any) -> Any:
    return value if isinstance(value, dict) else {"eq": value}


Condition = dict[str, Annotated[Comparison, BeforeValidator(_comparison)]]


def check_features(cond: Condition) -> Condition:
    unknown = [k for k in cond if k not in FEATURES]
    if unknown:
        raise ValueError(f"unknown condition feature {unknown[0]!r}; known: {', '.join(FEATURES)}")
    return cond


def condition_holds(cond: Condition, features: dict[str, Any]) -> bool:
    return all(cmp.holds(features.get(name)) for name, cmp in cond.items())


# --- ladder --------------------------------------------------------------------------------------------


class LadderStep(Strict):
    step: int = Field(ge=0)
    measure: Literal["warning", "feature_restriction", "login_restriction", "permanent_ban"]
    scope: Scope
    duration: Duration | None  # null: permanent
    self_unblock: bool = False
    earliest_unblock_after: Duration | None = None


class SeverityClass(Strict):
    min_step: int = Field(ge=0)
    title: dict[Literal["zh", "en"], str] = {}


class Ladder(Strict):
    decay_days: int = Field(180, ge=1)
    enterprise_min_step: int = Field(2, ge=0)
    severities: dict[str, SeverityClass]
    steps: list[LadderStep] = Field(min_length=2)

    @model_validator(mode="after")
    def _coherent(self) -> Ladder:
        for i, s in enumerate(self.steps):
            if s.step != i:
                raise ValueError(f"steps must be numbered 0, 1, 2 … in order; step #{i} says {s.step}")
        if self.steps[-1].duration is not None:
            raise ValueError("the last step must be the permanent ban (duration: null)")
        for i, s in enumerate(self.steps[:-1]):
            if s.duration is None:
                raise ValueError(f"only the last step may be permanent; step {i} has duration null")
        top = len(self.steps) - 1
        for name, sev in self.severities.items():
            if sev.min_step > top:
                raise ValueError(f"severity {name} starts at step {sev.min_step}, but the ladder ends at {top}")
        return self

    @property
    def top(self) -> int:
        return len(self.steps) - 1


class VelocityWindow(Strict):
    name: str
    length: Duration
    soft: int = Field(ge=1)
    hard: int = Field(ge=1)
    block: Duration | Literal["rest_of_day"]
    scale_with_weight: bool = True  # false: the modifiers apply, the weight does not (a sustained-pace cap)

    @model_validator(mode="after")
    def _soft_below_hard(self) -> VelocityWindow:
        if self.soft > self.hard:
            raise ValueError(f"soft limit {self.soft} is above hard limit {self.hard}")
        return self
