"""An enterprise's own usage policy, violation reports, cases and figures (S-E1–S-E5).

Roles (Purview-style): the enterprise admin configures and sees cases pseudonymised without content; HR and
investigators see content and decide; analysts see figures only; an employee sees their own case, gives a
statement and reports what they saw. No enterprise ever sees another's policy, cases or people.

Authenticate and translate only: the services check who may do what (`usage_policy/access.py`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Header, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep, attachment
from warden.entrypoints.http.routes.directory import IdPath
from warden.kernel.inputs import Count32, Instant
from warden.usage_policy.model import ROUTED_TO, OutcomeName, Responsibility, ReversalProposal, ViolationReport
from warden.usage_policy.policy import UsagePolicyDoc
from warden.usage_policy.views import (
    CaseListOut,
    CaseOut,
    DepartmentsOut,
    EvidenceOut,
    FiguresOut,
    PolicyOut,
    ReportOut,
    ReversalProposalOut,
    evidence_out,
)

router = APIRouter(prefix="/v1", tags=["enterprise usage policy"])
Ref = Annotated[str, Field(min_length=1, max_length=512)]
MAX_DEPARTMENTS = 1_000
MAX_DEPARTMENT_MEMBERS = 10_000  # all departments together: one IN list a database takes in one query


class PolicyIn(UsagePolicyDoc):
    version: Count32 = Field(description="The version you read (0 when there is none yet); 409 when stale")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "version": 0,
                    "rules": [
                        {
                            "id": "personal-data",
                            "title": "不得外发客户个人信息",
                            "category": "privacy",
                            "detectors": ["id_number", "bank_card"],
                            "severity": "high",
                            "action": "block_and_warn",
                            "external_only": True,
                        },
                        {"id": "secrets", "title": "商业机密", "words": ["报价底线", "未公开财报"], "severity": "high"},
                    ],
                }
            ]
        },
    )


class DepartmentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    departments: dict[
        Annotated[str, Field(min_length=1, max_length=100)],
        Annotated[list[Annotated[str, Field(min_length=1, max_length=128)]], Field(max_length=MAX_DEPARTMENT_MEMBERS)],
    ] = Field(
        max_length=MAX_DEPARTMENTS,
        description=f"department → member account ids (replaces the whole mapping); at most {MAX_DEPARTMENTS} "
        f"departments, {MAX_DEPARTMENT_MEMBERS} members in all",
    )

    @field_validator("departments")
    @classmethod
    def _bounded(cls, departments: dict[str, list[str]]) -> dict[str, list[str]]:
        if sum(len(v) for v in departments.values()) > MAX_DEPARTMENT_MEMBERS:
            raise ValueError(f"at most {MAX_DEPARTMENT_MEMBERS} members in all departments together")
        return departments


class ReportIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account_id": "acc-fin-zhou",
                    "category": "privacy_leak",
                    "description": "把客户的身份证号发给了外部联系人",
                    "observed_at": "2026-11-30T10:15:00+08:00",
                    "severity": "high",
                }
            ]
        },
    )
    account_id: str = Field(min_length=1, max_length=128, description="Who broke the policy (may be yourself)")
    category: Literal["privacy_leak", "secret_leak", "conduct", "other"]
    description: str = Field(min_length=3, max_length=4000)
    observed_at: Instant = Field(description="When the violation happened or was seen")
    rule_id: str | None = Field(None, max_length=64, description="The policy rule it breaks, if known")
    severity: Literal["low", "medium", "high"] | None = None
    evidence_refs: Annotated[list[Ref], Field(max_length=20)] = []


class StatementIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"responsibility": "oversight_self_reported", "text": "是我疏忽，已经撤回消息并告知客户"}]
        },
    )
    responsibility: Responsibility
    text: str = Field(min_length=3, max_length=4000)
    evidence_refs: Annotated[list[Ref], Field(max_length=20)] = Field(
        [],
        description="Ids of evidence uploaded to this case (POST /v1/cases/{id}/evidence); required (≥1) for "
        "misled_or_instructed",
    )
    instructed_by: str | None = Field(
        None, max_length=128, description="The member who instructed it: a linked case opens for them"
    )


class OutcomeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"outcome": "training", "note": "首次、主动说明：安排数据安全培训"}]},
    )
    outcome: OutcomeName
    note: str = Field(min_length=3, max_length=2000)
    misclassified: bool = Field(False, description="The rule fired wrongly: counts against the rule's quality")


class ReversalIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "培训安排错了人：这条消息是代同事转发的"}]}
    )
    reason: str = Field(min_length=3, max_length=2000, description="Why the outcome was a mistake (audited)")


class ClassificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    misclassified: bool
    note: str = Field(min_length=3, max_length=2000)


@router.put("/enterprises/{enterprise_id}/usage-policy", response_model=PolicyOut)
def put_usage_policy(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, enterprise_id: IdPath, body: PolicyIn
) -> PolicyOut:
    """Replace the enterprise's usage rules (limits per DOC rule 44). Send back the version you read. A word that
    folds to nothing (only spaces, punctuation, emoji, invisible characters) or to one character other than a
    Chinese one is refused (422 naming it)."""
    doc = UsagePolicyDoc(rules=body.rules)
    return warden.usage_policies.put_policy(principal, enterprise_id, doc, body.version, lang)


@router.get("/enterprises/{enterprise_id}/usage-policy", response_model=PolicyOut)
def get_usage_policy(warden: WardenDep, principal: PrincipalDep, enterprise_id: IdPath) -> PolicyOut:
    return warden.usage_policies.get_policy(principal, enterprise_id)


@router.put("/enterprises/{enterprise_id}/departments", response_model=DepartmentsOut)
def put_departments(
    warden: WardenDep, principal: PrincipalDep, enterprise_id: IdPath, body: DepartmentsIn
) -> DepartmentsOut:
    """The departments rules can be scoped to (the platform directory has none)."""
    return warden.usage_policies.set_departments(principal, enterprise_id, body.departments)


@router.post(
    "/enterprises/{enterprise_id}/violation-reports",
    status_code=201,
    response_model=ReportOut,
    responses={200: {"model": ReportOut, "description": "A replay of the same Idempotency-Key"}},
)
def post_violation_report(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    enterprise_id: IdPath,
    body: ReportIn,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ReportOut:
    """An employee reports a violation they saw (or their own, S-E5); it opens or joins a case for admins and HR."""
    report = ViolationReport(
        body.account_id,
        body.category,
        body.description,
        body.observed_at,
        body.rule_id,
        body.severity,
        tuple(body.evidence_refs),
    )
    case, replay = warden.cases.report_violation(principal, enterprise_id, report, idempotency_key)
    if replay:
        response.status_code = 200
    return ReportOut(
        case_id=case.id,
        status=case.status,
        severity=case.severity,
        deadline_at=case.deadline_at,
        reported_late=case.reported_late,
        routed_to=list(ROUTED_TO),
        replayed=replay,
    )


@router.get("/enterprises/{enterprise_id}/cases", response_model=CaseListOut)
def list_cases(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    enterprise_id: IdPath,
    status: Annotated[Literal["open", "training", "closed"] | None, Query()] = None,
    overdue: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> CaseListOut:
    """Cases newest first. Admins see pseudonyms; an employee sees only their own cases."""
    items, nxt = warden.cases.list_cases(
        principal, enterprise_id, status=status, overdue=overdue, limit=limit, cursor=cursor
    )
    views = warden.usage_figures
    return CaseListOut(items=[views.case_view(c, None, principal, lang) for c in items], next_cursor=nxt)


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(warden: WardenDep, principal: PrincipalDep, lang: LangDep, case_id: IdPath) -> CaseOut:
    """One case with its timeline and evidence, as far as the caller's role may see."""
    case, entries = warden.cases.get_case(principal, case_id)
    return warden.usage_figures.case_view(case, entries, principal, lang)


@router.post("/cases/{case_id}/statement", response_model=CaseOut)
def post_statement(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, case_id: IdPath, body: StatementIn
) -> CaseOut:
    """The employee's statement (S-E5), by the employee or recorded by HR or an investigator."""
    case = warden.cases.submit_statement(
        principal, case_id, body.responsibility, body.text, list(body.evidence_refs), body.instructed_by
    )
    return warden.usage_figures.case_view(case, None, principal, lang)


@router.post("/cases/{case_id}/outcome", response_model=CaseOut)
def post_outcome(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, case_id: IdPath, body: OutcomeIn
) -> CaseOut:
    """Decide (S-E4): warning, training, deregister, app_removed, escalate_illegal or dismissed."""
    case = warden.case_outcomes.decide(principal, case_id, body.outcome, body.note, body.misclassified)
    return warden.usage_figures.case_view(case, None, principal, lang)


_PROPOSED: dict[int | str, dict[str, Any]] = {
    202: {"model": ReversalProposalOut, "description": "The outcome banned the account: the reversal is proposed."}
}


@router.post("/cases/{case_id}/outcome-reversal", response_model=CaseOut, responses=_PROPOSED)
def post_outcome_reversal(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, case_id: IdPath, body: ReversalIn
) -> CaseOut | JSONResponse:
    """Take back a mistaken outcome with a reason (S-E4; HR by default): its effects are undone (a deregistration
    or app removal lifted, an escalation flag withdrawn) and the case is undecided again. 409 when undecided.
    A deregistration (a ban of the account) is only proposed (202): a different person with a role that may
    reverse outcomes confirms it at `/v1/cases/{id}/outcome-reversal/confirmation` (four eyes, issue 12)."""
    out = warden.case_outcomes.reverse(principal, case_id, body.reason)
    if isinstance(out, ReversalProposal):
        return JSONResponse(
            warden.usage_figures.labelled(ReversalProposalOut.of(out)).model_dump(mode="json"), status_code=202
        )
    return warden.usage_figures.case_view(out, None, principal, lang)


class ReversalDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agree: bool = Field(description="true: the outcome is reversed now; false: the proposal is declined.")
    note: str | None = Field(None, max_length=2000)


@router.post("/cases/{case_id}/outcome-reversal/confirmation", response_model=CaseOut)
def post_outcome_reversal_confirmation(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, case_id: IdPath, body: ReversalDecisionIn
) -> CaseOut:
    """A different person confirms (the outcome is reversed, with the proposal's reason) or declines a proposed
    reversal. 403 for the proposer with any of their tokens, 409 when no reversal is proposed. Audited."""
    case = warden.case_outcomes.confirm_reversal(principal, case_id, body.agree, body.note)
    return warden.usage_figures.case_view(case, None, principal, lang)


@router.post("/cases/{case_id}/evidence", status_code=201, response_model=EvidenceOut)
def post_evidence(
    warden: WardenDep,
    principal: PrincipalDep,
    case_id: IdPath,
    file: Annotated[UploadFile, File(description="PNG, JPEG, WebP or PDF; judged by content like appeal documents.")],
) -> EvidenceOut:
    """Upload one piece of evidence to a case (S-E5), checked like an appeal document; name the returned `id` in
    a statement's `evidence_refs`. The employee on their own case; HR, investigators, the admin by default."""
    cap = warden.appeals.policy.max_upload_bytes
    data = file.file.read(cap + 1)  # never more than one byte past the limit in memory
    return evidence_out(warden.case_evidence.upload(principal, case_id, data, file.filename))


@router.get(
    "/cases/{case_id}/evidence/{evidence_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The uploaded file."}},
)
def get_evidence(warden: WardenDep, principal: PrincipalDep, case_id: IdPath, evidence_id: IdPath) -> Response:
    """Download one piece of a case's evidence: roles that see the case's content and the employee; audited."""
    ev, data = warden.case_evidence.download(principal, case_id, evidence_id)
    return attachment(data, ev.media_type, ev.filename, ev.sha256)


@router.post("/cases/{case_id}/training-completion", response_model=CaseOut)
def post_training_completion(warden: WardenDep, principal: PrincipalDep, lang: LangDep, case_id: IdPath) -> CaseOut:
    """Record that the assigned training was completed; the case closes."""
    case = warden.case_outcomes.complete_training(principal, case_id)
    return warden.usage_figures.case_view(case, None, principal, lang)


@router.put("/cases/{case_id}/classification", response_model=CaseOut)
def put_classification(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, case_id: IdPath, body: ClassificationIn
) -> CaseOut:
    """Tag a case as misclassified (the rule fired wrongly) or untag it; counts in the rule's quality figures."""
    case = warden.case_outcomes.tag_misclassified(principal, case_id, body.misclassified, body.note)
    return warden.usage_figures.case_view(case, None, principal, lang)


@router.get("/enterprises/{enterprise_id}/compliance-figures", response_model=FiguresOut)
def get_figures(warden: WardenDep, principal: PrincipalDep, enterprise_id: IdPath) -> FiguresOut:
    """Open and overdue cases, time to report and to resolve, repeat offenders, training, hits per rule."""
    return warden.usage_figures.figures(principal, enterprise_id)
