"""The policy: every rule, threshold, window, severity and the penalty ladder, in one human-edited file.

The file is YAML (comments and Chinese welcome). Loading validates it and reports errors as
`file:line: where: what is wrong`. Conditions are declarative (`when: {account_age_days: {lt: 30}}`), never
evaluated code. The policy's version is the SHA-256 of the file's bytes; every decision records it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, model_validator

from warden.domain.unblock import UnblockPolicy  # unblocking (issue 5): the section's models
from warden.domain.usage_policy import EnterpriseUsageSettings  # enterprise usage policy (issue 7)
from warden.kernel.durations import Duration, Strict
from warden.kernel.events import ReportReason
from warden.kernel.policy import Condition, Ladder, VelocityWindow, check_features
from warden.weight.policy import WeightPolicy  # weight (issue 4): the `weight:` section's model

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent.parent / "policies" / "default.yaml"

# --- rules ---------------------------------------------------------------------------------------------


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
        return self.reason_severity.get(reason, self.severity)  # type: ignore[call-overload]


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


# --- appeals (issue 6) --- policy models (S-D6 and member appeals); kept here to avoid an import cycle


class AppealsPolicy(Strict):
    """Appeals and the review desk. Defaults keep older policy files valid."""

    member_window: Duration = timedelta(days=20)  # a member appeals within this after the penalty
    enterprise_window: Duration | None = None  # None: an enterprise ban can be appealed at any time
    max_per_penalty: int = Field(2, ge=1)  # appeals per penalty over time (only one open at once)
    statement_max_chars: int = Field(2000, ge=10, le=20000)
    max_evidence_files: int = Field(9, ge=0, le=50)
    max_upload_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    allowed_types: list[Literal["image/png", "image/jpeg", "image/webp", "application/pdf"]] = [
        "image/png",
        "image/jpeg",
        "image/webp",
        "application/pdf",
    ]
    sla_working_days: int = Field(7, ge=1, le=60)
    claim_ttl: Duration = timedelta(hours=4)  # a claim older than this may be taken over
    exemption_max: Duration = timedelta(days=30)
    notify_max_attempts: int = Field(6, ge=1, le=50)
    notify_backoff: Duration = timedelta(minutes=1)  # doubled after each failed attempt


class Policy(Strict):
    version: str = Field(min_length=1, max_length=64)
    timezone: str = "Asia/Shanghai"
    ladder: Ladder
    rules: Rules
    # Feature sections, one per feature, each with defaults so older files stay valid.
    # --- weight (issue 4) ---
    weight: WeightPolicy = WeightPolicy()

    # --- unblocking (issue 5) ---
    unblocking: UnblockPolicy = UnblockPolicy()

    # --- appeals (issue 6) ---
    appeals: AppealsPolicy = AppealsPolicy()

    # --- enterprise usage policy (issue 7) ---
    enterprise_usage: EnterpriseUsageSettings = EnterpriseUsageSettings()

    # --- end of feature sections ---

    @model_validator(mode="after")
    def _severities_known(self) -> Policy:
        for name in Rules.model_fields:
            rule: RuleBase = getattr(self.rules, name)
            if rule.severity not in self.ladder.severities:
                raise ValueError(
                    f"rules.{name}.severity {rule.severity!r} is not a severity class of the ladder "
                    f"({', '.join(self.ladder.severities)})"
                )
        for reason, sev in self.rules.reports.reason_severity.items():
            if sev not in self.ladder.severities:
                raise ValueError(
                    f"rules.reports.reason_severity.{reason} {sev!r} is not a severity class of the ladder "
                    f"({', '.join(self.ladder.severities)})"
                )
        try:
            import zoneinfo

            zoneinfo.ZoneInfo(self.timezone)
        except Exception as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        return self


# --- loading -------------------------------------------------------------------------------------------


class PolicyError(Exception):
    """A policy file that cannot be used; `problems` are `file:line: where: what` lines."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    hash: str  # sha256 of the file's bytes: the version every decision records
    source: str
    text: str

    @property
    def short_hash(self) -> str:
        return self.hash[:12]


def _line_of(node: Any, loc: tuple[Any, ...]) -> int | None:
    """Walk ruamel's round-trip nodes along a pydantic error location to the nearest known line."""
    line = None
    for part in loc:
        lc = getattr(node, "lc", None)
        try:
            if lc is not None:
                line = (lc.item(part) if isinstance(part, int) else lc.key(part))[0] + 1
            node = node[part]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    return line


def load_policy_text(text: str, source: str = "<policy>") -> LoadedPolicy:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt")
    try:
        doc = yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise PolicyError(source, [f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    if not isinstance(doc, dict):
        raise PolicyError(source, [f"{source}:1: the policy must be a mapping with version, ladder and rules"])
    try:
        policy = Policy.model_validate(_plain(doc))
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            line = _line_of(doc, loc)
            where = ".".join(str(p) for p in loc) or "(top level)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling)"
            elif err["type"] == "missing":
                msg = "required but missing"
            problems.append(f"{source}:{line or '?'}: {where}: {msg}")
        raise PolicyError(source, problems) from exc
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedPolicy(policy=policy, hash=digest, source=source, text=text)


def load_policy(path: str | Path | None = None) -> LoadedPolicy:
    p = Path(path) if path is not None else DEFAULT_POLICY_PATH
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PolicyError(str(p), [f"{p}: no such file"]) from exc
    except UnicodeDecodeError as exc:
        raise PolicyError(str(p), [f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    return load_policy_text(text, str(p))


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node
