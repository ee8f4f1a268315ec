"""The `rules:` section of the policy file: one model per S-A rule (thresholds, windows, severities).

Pure: pydantic models only. The file schema (`warden.policy.Policy`) holds them under `rules`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal, cast

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

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


_BELOW = 1 - 1e-9
"""A lower bound a hair under the exact one: the rule multiplies its factors in another order, which may round
the same product a few units of the last place lower."""


class PhoneSearchVelocity(RuleBase):
    windows: list[VelocityWindow] = Field(min_length=1)
    modifiers: list[Modifier] = []
    weight_scaling: WeightScaling = WeightScaling()


@dataclass(frozen=True, slots=True)
class VelocityPlan:
    """What S-A1 reads of its rule at every decision, worked out once per rule (`velocity_plan`): each window's length
    in seconds (`spans`); for each window, the most entries it may hold with no limit passed, whatever the account
    (`quiet`: its soft limit at the lowest factor the modifiers and the weight can give together, each modifier's
    factor below 1 applied, the weight's lowest factor when the window scales with it), so a decision whose every
    window holds no more says nothing and need not read the account's features (its weight; issue 16); and
    whether a modifier reads the enterprise's weight (`enterprise_weight`: it costs a fold). When no modifier reads a
    weight (`weight_last`), the account's own modifiers give each window's quiet count at the weight's lowest factor
    before the weight is read, and the weight is read only when a window holds more."""

    spans: tuple[float, ...]
    quiet: tuple[int, ...]
    enterprise_weight: bool
    weight_last: bool
    """No modifier's condition reads a weight: the modifiers' factor is known before the account's weight is read."""
    lowest_weight_factor: float
    """The lowest factor the weight scaling gives (1 when it is off), a hair under (`_BELOW`)."""


def velocity_plan(rule: PhoneSearchVelocity) -> VelocityPlan:
    """The rule's `VelocityPlan`, remembered per rule object (a policy's rules are frozen; a modified copy is another
    object). The rules are kept with their plans, so an object id is never reused while remembered."""
    hit = _PLANS.get(id(rule))
    if hit is not None:
        return hit[1]
    low = math.prod(min(1.0, m.factor) for m in rule.modifiers) * _BELOW
    ws = rule.weight_scaling
    scaled = low * min(1.0, ws.min_factor, ws.max_factor) if ws.enabled else low
    plan = VelocityPlan(
        tuple(w.length.total_seconds() for w in rule.windows),
        tuple(max(1, math.floor(w.soft * (scaled if w.scale_with_weight else low))) for w in rule.windows),
        any("enterprise_weight" in m.when for m in rule.modifiers),
        not any(name in m.when for m in rule.modifiers for name in ("account_weight", "enterprise_weight")),
        (min(1.0, ws.min_factor, ws.max_factor) if ws.enabled else 1.0) * _BELOW,
    )
    if len(_PLANS) >= 64:  # policies in force come and go rarely; tests make many
        _PLANS.clear()
    _PLANS[id(rule)] = (rule, plan)
    return plan


_PLANS: dict[int, tuple[PhoneSearchVelocity, VelocityPlan]] = {}


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
    """A word of the policy's own list (S-A6); one that folds to nothing or to one character is refused, naming it
    and its line, when the loader hands in the check (`warden.policy.load_policy_text(term_check=…)`, which the
    policy file's reader and `POST /v1/policy-versions` do: `screening.terms`)."""

    term: str = Field(min_length=1, max_length=32)
    category: str = "other"
    severity: Literal["low", "medium", "high"] = "high"

    @field_validator("term")
    @classmethod
    def _matches_something(cls, term: str, info: ValidationInfo) -> str:
        check = (info.context or {}).get("term_check")  # `warden.policy.TermCheck`, handed in by the loader
        wrong = check(term) if check is not None else None
        if wrong is not None:
            raise ValueError(wrong)
        return term


TextKind = Literal["greeting", "message"]
Audience = Literal["external", "internal"]
Initiator = Literal["self", "contact"]
Verdict = Literal["deny", "warn", "pass"]


@dataclass(frozen=True)
class Circumstances:
    """The situation a text is sent in, as the S-A6 rule knows it at the decision.

    `kind`: a contact request's greeting or a message. `audience`: a greeting always goes outside (it asks
    someone who is not yet a contact); a message is external when sent to an external contact. `contact_age` and
    `initiated_by`: when the recipient is an external contact of the account at the text's time, how long the
    contact exists (since the add in force) and who added whom (`self`: the account asked and the other accepted;
    `contact`: the other added the account); both None otherwise (a greeting, an internal message, a message
    whose recipient is not a contact or not named)."""

    kind: TextKind
    audience: Audience
    contact_age: timedelta | None = None
    initiated_by: Initiator | None = None


class Situation(Strict):
    """When a context entry applies. Every condition left out fits any text."""

    kind: list[TextKind] = ["greeting", "message"]
    audience: list[Audience] = ["external", "internal"]
    contact: Literal["any", "established", "none"] = "any"  # established: the recipient is an external contact
    initiated_by: list[Initiator] = ["self", "contact"]  # needs contact: established
    contact_age_at_least: Duration = timedelta(0)  # needs contact: established
    contact_age_below: Duration | None = None  # needs contact: established

    @model_validator(mode="after")
    def _contact_conditions(self) -> Situation:
        narrowed = (
            set(self.initiated_by) != {"self", "contact"}
            or self.contact_age_at_least > timedelta(0)
            or self.contact_age_below is not None
        )
        if narrowed and self.contact != "established":
            raise ValueError("initiated_by and contact_age_* describe a contact: give contact: established too")
        return self

    def fits(self, c: Circumstances) -> bool:
        if c.kind not in self.kind or c.audience not in self.audience:
            return False
        if self.contact == "any":
            return True
        if c.contact_age is None or c.initiated_by is None:
            return self.contact == "none"
        if self.contact == "none":
            return False
        return (
            c.initiated_by in self.initiated_by
            and c.contact_age >= self.contact_age_at_least
            and (self.contact_age_below is None or c.contact_age < self.contact_age_below)
        )


OrdinaryWords = Literal["count", "warn", "pass"]
"""What S-A6 makes of an ordinary word with no evidence of intent (`SensitiveWords.ordinary_words`)."""


class TextContext(Strict):
    """How S-A6 judges hits in one situation (issue 13). The rule is about cold outreach: a greeting to a stranger
    is not a message in an established conversation, and the policy, not the code, says what each may hold.

    `verdict` is what a blocking hit does here (None: the rule's own, deny for a greeting and warn for a
    message); `pass`: hits are left alone (neither a reason nor a count toward the repeat restriction).
    `pass_categories`: hits of these categories are left alone here, whatever the verdict.
    `ordinary_words`: what an ordinary word written plainly with no evidence of intent means here (None: the
    rule's own `ordinary_words`; see `SensitiveWords`)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    when: Situation
    verdict: Verdict | None = None
    pass_categories: list[str] = []
    ordinary_words: OrdinaryWords | None = None
    note: str = ""  # why the entry is there (shown with the context in `warden screen` and /v1/screenings)


class SensitiveWords(RuleBase):
    """S-A6. `ordinary_words` (issue 13): what a hit means when it is an ordinary word (红包, 返利, 兼职 …) written
    plainly with nothing beside it that shows intent (no lure such as 加我/私信/进群, no contact detail, no disguise;
    `Hit.intent` False): `warn` (the default) only warns, never refuses and never counts toward `repeat_count`, so
    honest staff who name such a word in their business are never restricted for it; `count` judges it like any
    hit except that it never refuses a text by itself (it warns and counts: *frequent* greetings holding such words
    restrict); `pass` leaves it alone. A context entry may say otherwise for its situation."""

    engine: Literal["word_list", "evasion"] = "word_list"
    block_min_severity: Literal["low", "medium", "high"] = "medium"
    repeat_window: Duration
    repeat_count: int = Field(ge=1)
    screen_messages: bool = True
    ignore_categories: list[str] = []  # hit categories this rule leaves to others (e.g. S-E3 privacy)
    warn_categories: list[str] = []  # hit categories that only warn, whatever their severity (a rep's own phone)
    contexts: list[TextContext] = []  # the situation decides what a hit means; the first entry that fits applies
    ordinary_words: OrdinaryWords = "warn"
    words: list[Word] = []

    @model_validator(mode="after")
    def _unique_contexts(self) -> SensitiveWords:
        names = [c.name for c in self.contexts]
        if len(names) != len(set(names)):
            raise ValueError("two contexts with one name")
        return self

    def context_for(self, c: Circumstances) -> TextContext | None:
        """The first context entry whose `when` fits, or None (the rule's own verdicts then apply)."""
        return next((x for x in self.contexts if x.when.fits(c)), None)

    def needs_contact(self) -> bool:
        """Whether an entry asks about the contact (so the rule must look it up)."""
        return any(x.when.contact != "any" for x in self.contexts)


class PluginSoftware(RuleBase):
    known_signatures: list[str] = []  # empty: any reported signature counts


class Rules(Strict):
    phone_search_velocity: PhoneSearchVelocity
    inbound_add_burst: InboundAddBurst
    reports: Reports
    unverified_enterprise_cap: UnverifiedEnterpriseCap
    sensitive_words: SensitiveWords
    plugin_software: PluginSoftware
