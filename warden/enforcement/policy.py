"""The `rules:` section of the policy file: one model per S-A rule (thresholds, windows, severities).

Pure: pydantic models only. The file schema (`warden.policy.Policy`) holds them under `rules`.
"""

from __future__ import annotations

from typing import Annotated, Literal, cast

from pydantic import BeforeValidator, Field, model_validator

from warden.kernel.durations import Duration, Strict
from warden.kernel.events import ReportReason
from warden.kernel.policy import Condition, VelocityWindow, check_features


class Modifier(Strict):
    when: Annotated[Condition, BeforeValidator(lambda v: v), Field(min_length=1)]
    factor: float = Field(gt=0, le=10)
    reason: str

    @model_validator(mode="after")
    def _features(self) -> Modifier:
        check_features(self.when)
        return self


class WeightScaling(Strict):
    """Limits × factor, the factor linear in weight: `min_factor` at 0, 1.0 at `pivot`, `max_factor` at 100."""

    enabled: bool = True
    min_factor: float = Field(0.5, gt=0)
    max_factor: float = Field(2.0, gt=0)
    pivot: float = Field(50, gt=0, lt=100)

    def factor(self, weight: float | None) -> float:
        if not self.enabled or weight is None:
            return 1.0
        w = min(max(weight, 0.0), 100.0)
        if w <= self.pivot:
            return self.min_factor + (1.0 - self.min_factor) * w / self.pivot
        return 1.0 + (self.max_factor - 1.0) * (w - self.pivot) / (100 - self.pivot)


class RuleBase(Strict):
    spec: str
    enabled: bool = True
    severity: str = "L"


class PhoneSearchVelocity(RuleBase):
    windows: list[VelocityWindow] = Field(min_length=1)
    modifiers: list[Modifier] = []
    weight_scaling: WeightScaling = WeightScaling()


class InboundAddBurst(RuleBase):
    window: Duration
    threshold: int = Field(ge=1)


class ReportThreshold(Strict):
    window: Duration
    distinct_reporters: int = Field(ge=1)


class NegativeFeedback(Strict):
    """Of the contacts the account itself added within `window`, the share that removed or reported it within
    the same window. Judged only with at least `min_new_contacts` such contacts and `min_negative` of them
    negative, so one or two ordinary removals never restrict anyone."""

    window: Duration
    min_new_contacts: int = Field(ge=1)
    min_negative: int = Field(default=3, ge=1)
    max_ratio: float = Field(gt=0, le=1)


class Reports(RuleBase):
    """S-A2. `severity` is the class of a negative-feedback strike and of reports whose reason is not mapped;
    `reason_severity` maps a report's reason to its class, and a threshold strike takes the highest class among
    the reports in the window that crossed the threshold (issue 10, item 11)."""

    thresholds: list[ReportThreshold] = Field(min_length=1)
    negative_feedback: NegativeFeedback | None = None
    reason_severity: dict[ReportReason, str] = {}

    def severity_of(self, reason: str) -> str:
        return self.reason_severity.get(cast(ReportReason, reason), self.severity)


class UnverifiedEnterpriseCap(RuleBase):
    max_external_contacts: int = Field(ge=1)


class Word(Strict):
    term: str = Field(min_length=1, max_length=32)
    category: str = "other"
    severity: Literal["low", "medium", "high"] = "high"


class SensitiveWords(RuleBase):
    engine: Literal["word_list", "evasion"] = "word_list"
    block_min_severity: Literal["low", "medium", "high"] = "medium"
    repeat_window: Duration
    repeat_count: int = Field(ge=1)
    screen_messages: bool = True
    ignore_categories: list[str] = []  # hit categories this rule leaves to others (e.g. S-E3 privacy)
    warn_categories: list[str] = []  # hit categories that only warn, whatever their severity (a rep's own phone)
    words: list[Word] = []


class PluginSoftware(RuleBase):
    known_signatures: list[str] = []  # empty: any reported signature counts


class Rules(Strict):
    phone_search_velocity: PhoneSearchVelocity
    inbound_add_burst: InboundAddBurst
    reports: Reports
    unverified_enterprise_cap: UnverifiedEnterpriseCap
    sensitive_words: SensitiveWords
    plugin_software: PluginSoftware
