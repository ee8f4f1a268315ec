"""An enterprise's usage policy document (企业微信使用规范) and the platform's section that limits it (S-E1). Pure.

`EnterpriseUsageSettings` is the platform policy file's `enterprise_usage:` section (limits per DOC rule 44,
deadlines, training); `UsagePolicyDoc` is what an enterprise admin writes: rules with keyword lists and built-in
detectors, each with a severity, an action and a scope. `limit_errors` names every breach of the limits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from warden.kernel.durations import Duration
from warden.kernel.events import FieldError
from warden.kernel.i18n import Lang
from warden.usage_policy import detectors

CaseAction = Literal["statement", "evidence", "decide", "complete_training", "classify", "reverse"]
"""What an enterprise role may do on a case it can see: record the employee's statement, upload evidence, decide
the outcome, record training completion, tag it misclassified, reverse an outcome (issue 15, S-E4)."""
ALL_CASE_ACTIONS: tuple[CaseAction, ...] = (
    "statement",
    "evidence",
    "decide",
    "complete_training",
    "classify",
    "reverse",
)


class CaseRoleAccess(BaseModel):
    """What one enterprise role sees and may do on its enterprise's cases (Purview-style role groups)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    see_content: bool  # messages, hits, statements, evidence, notes
    real_names: bool  # account ids (otherwise stable per-enterprise pseudonyms, emp-…)
    actions: tuple[CaseAction, ...] = ()


class CaseAccess(BaseModel):
    """`enterprise_usage.case_access`: per enterprise role, what it sees and may do on a case (issue 15).

    Defaults (OURS): the two roles a case is routed to, the enterprise admin and HR, see content and real names
    and act on it (the admin decides, records training and classifies; HR also records statements, uploads
    evidence and reverses outcomes); investigators, whom overdue cases reach, may do everything. Platform
    reviewers and auditors read everything and act on nothing; an employee sees their own case, gives a statement
    and uploads evidence to it; analysts see figures only — these are fixed, not policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enterprise_admin: CaseRoleAccess = CaseRoleAccess(
        see_content=True, real_names=True, actions=("evidence", "decide", "complete_training", "classify")
    )
    hr: CaseRoleAccess = CaseRoleAccess(see_content=True, real_names=True, actions=ALL_CASE_ACTIONS)
    investigator: CaseRoleAccess = CaseRoleAccess(see_content=True, real_names=True, actions=ALL_CASE_ACTIONS)


class EnterpriseUsageSettings(BaseModel):
    """The platform policy's section for enterprise usage policies: limits, deadlines, training."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_rules: int = Field(100, ge=1)  # DOC rule 44
    max_words_per_rule: int = Field(300, ge=1)  # DOC rule 44
    word_min_chars: int = Field(1, ge=1)  # DOC rule 44
    word_max_chars: int = Field(32, ge=1)  # DOC rule 44
    max_scope_members: int = Field(1000, ge=1)  # DOC rule 44
    max_scope_departments: int = Field(1000, ge=1)  # DOC rule 44
    severe_min_severity: Literal["low", "medium", "high"] = "high"
    severe_deadline: Duration = timedelta(hours=24)  # S-E2, OURS
    other_deadline: Duration = timedelta(hours=72)  # S-E2, OURS
    training_due: Duration = timedelta(days=14)  # OURS
    context_messages: int = Field(3, ge=0, le=20)  # messages before the hit kept as context
    case_access: CaseAccess = CaseAccess()  # issue 15: what each enterprise role sees and does on a case


# --- the enterprise's policy document -------------------------------------------------------------------

FILE_DETECTORS = ("confidential_file", "external_file")
ALL_DETECTORS = (*detectors.DETECTORS, *FILE_DETECTORS)
Detector = Literal[
    "id_number", "mobile_number", "bank_card", "email", "confidential_marking", "confidential_file", "external_file"
]


class RuleScope(BaseModel):
    """Who a rule applies to. Both lists empty: every member of the enterprise."""

    model_config = ConfigDict(extra="forbid")
    members: list[str] = []
    departments: list[str] = []


class UsageRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$", description="Stable id, e.g. leak-personal-data")
    title: str = Field(min_length=1, max_length=100)
    category: str = Field("other", min_length=1, max_length=64, description="e.g. privacy, secrets, conduct")
    words: list[str] = Field([], description="Keyword list (each 1–32 characters, at most 300)")
    detectors: list[Detector] = Field([], description="Built-in detectors: " + ", ".join(ALL_DETECTORS))
    severity: Literal["low", "medium", "high"] = "medium"
    action: Literal["block_and_warn", "warn_only"] = "warn_only"
    external_only: bool = Field(False, description="Only messages and files sent to external contacts")
    scope: RuleScope = RuleScope()


class UsagePolicyDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[UsageRule] = []


def limit_errors(
    doc: UsagePolicyDoc,
    s: EnterpriseUsageSettings,
    lang: Lang = "en",
    word_check: Callable[[str, Lang], str | None] | None = None,
) -> list[FieldError]:
    """Every breach of the platform's documented limits, each naming its field (DOC rule 44), and, given
    `word_check` (`screening.terms`, handed in by the service: this file stays pure), every word it finds wrong
    (one that folds to nothing or to one character other than a Chinese one), in `lang`."""
    errs: list[FieldError] = []
    if len(doc.rules) > s.max_rules:
        errs.append(FieldError(field="rules", message=f"at most {s.max_rules} rules; got {len(doc.rules)}"))
    seen: set[str] = set()
    for i, r in enumerate(doc.rules):
        at = f"rules[{i}]"
        if r.id in seen:
            errs.append(FieldError(field=f"{at}.id", message=f"duplicate rule id {r.id!r}"))
        seen.add(r.id)
        if not r.words and not r.detectors:
            errs.append(FieldError(field=at, message="a rule needs words or detectors"))
        if len(r.words) > s.max_words_per_rule:
            errs.append(
                FieldError(field=f"{at}.words", message=f"at most {s.max_words_per_rule} words; got {len(r.words)}")
            )
        for j, w in enumerate(r.words):
            n = len(w.strip())
            if not s.word_min_chars <= n <= s.word_max_chars:
                errs.append(
                    FieldError(
                        field=f"{at}.words[{j}]",
                        message=f"a word has {s.word_min_chars}–{s.word_max_chars} characters; this one has {n}",
                    )
                )
            elif word_check is not None and (wrong := word_check(w, lang)) is not None:
                errs.append(FieldError(field=f"{at}.words[{j}]", message=wrong))
        for name, cap in (("members", s.max_scope_members), ("departments", s.max_scope_departments)):
            items = getattr(r.scope, name)
            if len(items) > cap:
                errs.append(FieldError(field=f"{at}.scope.{name}", message=f"at most {cap} {name}; got {len(items)}"))
    return errs
