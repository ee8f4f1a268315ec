"""What callers see of policies, cases and figures: pydantic view models that double as response models, and
the pure rendering of a case for a caller's role. Pure.

Redaction (Purview-style): content (messages, statements, evidence, notes) and real account ids only for HR,
investigators and platform reviewers/auditors; stable pseudonyms (emp-…) for admins and analysts; the employee
sees their own case without who reported it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from warden.kernel.access import Principal, Role
from warden.usage_policy import access
from warden.usage_policy.model import (
    ROUTED_TO,
    Case,
    Evidence,
    OutcomeName,
    Responsibility,
    ReversalProposal,
    is_severe,
)
from warden.usage_policy.policy import EnterpriseUsageSettings, UsagePolicyDoc
from warden.usage_policy.texts import OUTCOME_TEXT, RESPONSIBILITY_TEXT

Namer = Callable[[str], str]
"""account id → what the caller may see of it (the id itself, or a pseudonym)."""


class PolicyOut(UsagePolicyDoc):
    enterprise_id: str
    version: int
    updated_at: AwareDatetime | None = None


class StatementOut(BaseModel):
    responsibility: Responsibility
    responsibility_text: str
    at: AwareDatetime | None
    text: str | None = Field(None, description="Only for HR, investigators, reviewers and the employee")
    evidence_refs: list[str] | None = None
    instructed_by: str | None = None
    instructed_case: str | None = Field(None, description="The linked case opened for whoever instructed (issue 15)")


class EvidenceOut(BaseModel):
    """One uploaded piece of a case's evidence (issue 15)."""

    id: str = Field(description="Name it in a statement's `evidence_refs`")
    case_id: str
    media_type: str = Field(description="Detected from the content, never from the name")
    size: int
    sha256: str
    filename: str = Field(description="Sanitised display name only")
    uploaded_at: AwareDatetime


def evidence_out(ev: Evidence) -> EvidenceOut:
    return EvidenceOut(
        id=ev.id,
        case_id=ev.case_id,
        media_type=ev.media_type,
        size=ev.size,
        sha256=ev.sha256,
        filename=ev.filename,
        uploaded_at=ev.uploaded_at,
    )


class TrainingOut(BaseModel):
    due_at: AwareDatetime | None
    completed_at: AwareDatetime | None
    overdue: bool


class EntryOut(BaseModel):
    at: AwareDatetime
    kind: str = Field(description="opened, hit, joined, report, statement, outcome, escalated, training_completed …")
    actor: str
    actor_label: str | None = Field(
        default=None, description="The person's name for `actor` (`demo reviewer 甲`); the raw actor stays beside it."
    )
    rule: str | None
    data: dict[str, Any] = Field(description="Evidence and details, redacted to what the caller may see")


class CaseOut(BaseModel):
    id: str
    enterprise_id: str
    account: str = Field(description="The account id, or a stable pseudonym (emp-…) for admins and analysts")
    names: Literal["real", "pseudonymised"]
    rule: str | None
    category: str
    severity: str
    severe: bool
    source: Literal["detection", "report", "self_report", "instruction"]
    status: Literal["open", "training", "closed"]
    opened_at: AwareDatetime
    first_seen_at: AwareDatetime
    deadline_at: AwareDatetime = Field(description="S-E2: 24 h for severe cases, 72 h otherwise (policy)")
    overdue: bool
    escalated_at: AwareDatetime | None
    reported_late: bool
    routed_to: list[str]
    outcome: OutcomeName | None
    outcome_text: str | None
    outcome_at: AwareDatetime | None
    outcome_note: str | None
    misclassified: bool
    training: TrainingOut | None
    statement: StatementOut | None
    timeline: list[EntryOut] | None = None


class ReversalProposalOut(BaseModel):
    """A reversal of an outcome that banned the account (a deregistration), proposed (202): it takes effect only
    when a different person with a role that may reverse outcomes confirms it at `confirm_at` (four eyes)."""

    case_id: str
    status: Literal["proposed"]
    outcome: OutcomeName = Field(description="The outcome that would be reversed")
    reason: str
    requested_by: str
    requested_by_label: str | None = Field(
        default=None,
        description="The person's name for `requested_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )
    requested_at: AwareDatetime
    confirm_at: str = Field(description="POST {agree: true|false, note} here, as a different person")

    @classmethod
    def of(cls, p: ReversalProposal) -> ReversalProposalOut:
        return cls(
            case_id=p.case_id,
            status="proposed",
            outcome=p.outcome,  # type: ignore[arg-type]
            reason=p.reason,
            requested_by=p.requested_by,
            requested_at=p.requested_at,
            confirm_at=p.confirm_at,
        )


class CaseListOut(BaseModel):
    items: list[CaseOut]
    next_cursor: str | None


class ReportOut(BaseModel):
    case_id: str
    status: str
    severity: str
    deadline_at: AwareDatetime
    reported_late: bool = Field(description="Reported later than the deadline after the violation was seen (S-E2)")
    routed_to: list[str]
    replayed: bool


class DepartmentsOut(BaseModel):
    enterprise_id: str
    departments: int
    members: int


class StatsOut(BaseModel):
    count: int
    median_seconds: float | None
    mean_seconds: float | None


class ReportTimesOut(StatsOut):
    late: int


class CaseCountsOut(BaseModel):
    total: int
    open: int
    in_training: int
    closed: int
    overdue: int
    escalated: int
    by_severity: dict[str, int]


class OffenderOut(BaseModel):
    account: str = Field(description="The account id, or its pseudonym")
    cases: int


class TrainingFiguresOut(BaseModel):
    assigned: int
    completed: int
    overdue: int
    completion_rate: float | None


class RuleFiguresOut(BaseModel):
    hits: int
    cases: int
    misclassified: int
    misclassified_share: float | None


class FiguresOut(BaseModel):
    """The enterprise's figures (issue 7 §5); times in seconds."""

    enterprise_id: str
    names: Literal["real", "pseudonymised"]
    as_of: str = Field(description="ISO 8601 time the figures were computed at")
    cases: CaseCountsOut
    time_to_report: ReportTimesOut
    time_to_resolve: StatsOut
    repeat_offenders: list[OffenderOut]
    training: TrainingFiguresOut
    rules: dict[str, RuleFiguresOut]


def render_case(
    case: Case,
    entries: list[dict[str, Any]] | None,
    principal: Principal,
    lang: str,
    now: datetime,
    settings: EnterpriseUsageSettings,
    name: Namer,
) -> CaseOut:
    """A case as this caller may see it; `name` is used unless the caller sees real ids."""
    content = access.sees_content(principal, settings, case)
    own = access.owns_case(principal, case)
    real = access.shows_real_names(principal, settings, case)
    if real:
        name = _same
    out: dict[str, Any] = {
        "id": case.id,
        "enterprise_id": case.enterprise_id,
        "account": name(case.account_id),
        "names": "real" if real else "pseudonymised",
        "rule": case.rule_id,
        "category": case.category,
        "severity": case.severity,
        "severe": is_severe(case.severity, settings),
        "source": case.source,
        "status": case.status,
        "opened_at": case.opened_at,
        "first_seen_at": case.first_seen_at,
        "deadline_at": case.deadline_at,
        "overdue": case.overdue(now),
        "escalated_at": case.escalated_at,
        "reported_late": case.reported_late,
        "routed_to": [*ROUTED_TO, *([Role.INVESTIGATOR.value] if case.escalated_at else [])],
        "outcome": case.outcome,
        "outcome_text": OUTCOME_TEXT[case.outcome][lang] if case.outcome else None,
        "outcome_at": case.outcome_at,
        "outcome_note": case.outcome_note if content else None,
        "misclassified": case.misclassified,
        "training": None
        if case.outcome != "training"
        else {
            "due_at": case.training_due_at,
            "completed_at": case.training_completed_at,
            "overdue": case.training_overdue(now),
        },
        "statement": None,
    }
    if case.statement is not None:
        resp = case.statement["responsibility"]
        out["statement"] = {
            "responsibility": resp,
            "responsibility_text": RESPONSIBILITY_TEXT[resp][lang],
            "at": case.statement_at,
        } | (
            {k: case.statement.get(k) for k in ("text", "evidence_refs", "instructed_by", "instructed_case")}
            if (content or own)
            else {}
        )
    if entries is not None:
        out["timeline"] = [render_entry(x, content, own, name) for x in entries]
    return CaseOut.model_validate(out)


def _same(account_id: str) -> str:
    return account_id


def render_entry(x: dict[str, Any], content: bool, own: bool, name: Namer) -> dict[str, Any]:
    """One timeline entry, redacted to what the caller may see."""
    data = dict(x["data"])
    if not content:
        if x["kind"] == "hit":
            data = {
                "rule": data["rule"],
                "title": data["title"],
                "blocked": data["blocked"],
                "hits": [{"category": h["category"]} for h in data["hits"]],
            } | ({"message": data["message"], "context": data["context"]} if own else {})
        elif x["kind"] == "report":
            data = {k: data[k] for k in ("category", "observed_at", "reported_late", "self_report")} | (
                {"description": data["description"]} if own and data["self_report"] else {}
            )
        elif x["kind"] == "statement":
            data = {"responsibility": data["responsibility"]}
        elif x["kind"] == "evidence" and not own:
            data = {"evidence": data["evidence"]}
    elif "reporter" in data:
        data["reporter"] = name(data["reporter"])
    actor = x["actor"] if content else ("rules" if x["actor"] == "rules" else "staff")
    return {"at": x["at"], "kind": x["kind"], "actor": actor, "rule": x["rule"], "data": data}
