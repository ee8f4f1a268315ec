"""An enterprise's own usage policy, violation reports, cases and figures (S-E1–S-E5).

Roles (Purview-style): the enterprise admin configures and sees cases pseudonymised without content; HR and
investigators see content and decide; analysts see figures only; an employee sees their own case, gives a
statement and reports what they saw. No enterprise ever sees another's policy, cases or people.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from warden.domain import usage_policy as up
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep
from warden.entrypoints.http.routes.directory import IdPath
from warden.kernel.access import Role
from warden.kernel.errors import Forbidden
from warden.service.usage_policy import (
    CASE_READERS,
    CONTENT_ROLES,
    DECIDING_ROLES,
    FIGURE_READERS,
    POLICY_READERS,
    ViolationReport,
    check_tenant,
    desk_of,
    visible_case,
)

router = APIRouter(prefix="/v1", tags=["enterprise usage policy"])
Ref = Annotated[str, Field(min_length=1, max_length=512)]


class PolicyIn(up.UsagePolicyDoc):
    version: int = Field(ge=0, description="The version you read (0 when there is none yet); 409 when stale")

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


class PolicyOut(up.UsagePolicyDoc):
    enterprise_id: str
    version: int
    updated_at: AwareDatetime | None = None


class DepartmentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    departments: dict[Annotated[str, Field(min_length=1, max_length=100)], list[str]] = Field(
        description="department → member account ids (replaces the whole mapping)"
    )


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: str = Field(min_length=1, max_length=128, description="Who broke the policy (may be yourself)")
    category: Literal["privacy_leak", "secret_leak", "conduct", "other"]
    description: str = Field(min_length=3, max_length=4000)
    observed_at: AwareDatetime = Field(description="When the violation happened or was seen")
    rule_id: str | None = Field(None, max_length=64, description="The policy rule it breaks, if known")
    severity: Literal["low", "medium", "high"] | None = None
    evidence_refs: Annotated[list[Ref], Field(max_length=20)] = []


class StatementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    responsibility: up.Responsibility
    text: str = Field(min_length=3, max_length=4000)
    evidence_refs: Annotated[list[Ref], Field(max_length=20)] = Field(
        [], description="Required (≥1) for misled_or_instructed: uploaded documents, chat records …"
    )
    instructed_by: str | None = Field(None, max_length=128)


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: up.OutcomeName
    note: str = Field(min_length=3, max_length=2000)
    misclassified: bool = Field(False, description="The rule fired wrongly: counts against the rule's quality")


class StatementOut(BaseModel):
    responsibility: up.Responsibility
    responsibility_text: str
    at: AwareDatetime | None
    text: str | None = Field(None, description="Only for HR, investigators, reviewers and the employee")
    evidence_refs: list[str] | None = None
    instructed_by: str | None = None


class TrainingOut(BaseModel):
    due_at: AwareDatetime | None
    completed_at: AwareDatetime | None
    overdue: bool


class EntryOut(BaseModel):
    at: AwareDatetime
    kind: str = Field(description="opened, hit, joined, report, statement, outcome, escalated, training_completed …")
    actor: str
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
    source: Literal["detection", "report", "self_report"]
    status: Literal["open", "training", "closed"]
    opened_at: AwareDatetime
    first_seen_at: AwareDatetime
    deadline_at: AwareDatetime = Field(description="S-E2: 24 h for severe cases, 72 h otherwise (policy)")
    overdue: bool
    escalated_at: AwareDatetime | None
    reported_late: bool
    routed_to: list[str]
    outcome: up.OutcomeName | None
    outcome_text: str | None
    outcome_at: AwareDatetime | None
    outcome_note: str | None
    misclassified: bool
    training: TrainingOut | None
    statement: StatementOut | None
    timeline: list[EntryOut] | None = None


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


@router.put("/enterprises/{enterprise_id}/usage-policy", response_model=PolicyOut)
def put_usage_policy(warden: WardenDep, principal: PrincipalDep, enterprise_id: IdPath, body: PolicyIn) -> PolicyOut:
    """Replace the enterprise's usage rules (limits per DOC rule 44). Send back the version you read."""
    check_tenant(principal, enterprise_id, {Role.ENTERPRISE_ADMIN})
    doc = up.UsagePolicyDoc(rules=body.rules)
    _, version = desk_of(warden).put_policy(enterprise_id, doc, body.version, principal.actor)
    return PolicyOut(enterprise_id=enterprise_id, version=version, rules=doc.rules, updated_at=warden.clock.now())


@router.get("/enterprises/{enterprise_id}/usage-policy", response_model=PolicyOut)
def get_usage_policy(warden: WardenDep, principal: PrincipalDep, enterprise_id: IdPath) -> PolicyOut:
    check_tenant(principal, enterprise_id, POLICY_READERS)
    doc, version, at = desk_of(warden).get_policy(enterprise_id)
    return PolicyOut(enterprise_id=enterprise_id, version=version, rules=doc.rules, updated_at=at)


@router.put("/enterprises/{enterprise_id}/departments", response_model=DepartmentsOut)
def put_departments(
    warden: WardenDep, principal: PrincipalDep, enterprise_id: IdPath, body: DepartmentsIn
) -> dict[str, Any]:
    """The departments rules can be scoped to (the platform directory has none)."""
    check_tenant(principal, enterprise_id, {Role.ENTERPRISE_ADMIN})
    n = desk_of(warden).set_departments(enterprise_id, body.departments, principal.actor)
    return {"enterprise_id": enterprise_id, "departments": len(body.departments), "members": n}


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
) -> dict[str, Any]:
    """An employee reports a violation they saw (or their own, S-E5); it opens or joins a case for admins and HR."""
    check_tenant(principal, enterprise_id, {Role.MEMBER, Role.ENTERPRISE_ADMIN, Role.HR, Role.INVESTIGATOR})
    reporter = principal.account_id or principal.actor
    report = ViolationReport(
        body.account_id,
        body.category,
        body.description,
        body.observed_at,
        body.rule_id,
        body.severity,
        tuple(body.evidence_refs),
    )
    case, replay = desk_of(warden).report_violation(enterprise_id, reporter, principal.actor, report, idempotency_key)
    if replay:
        response.status_code = 200
    return {
        "case_id": case.id,
        "status": case.status,
        "severity": case.severity,
        "deadline_at": case.deadline_at,
        "reported_late": case.reported_late,
        "routed_to": list(up.ROUTED_TO),
        "replayed": replay,
    }


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
) -> dict[str, Any]:
    """Cases newest first. Admins see pseudonyms; an employee sees only their own cases."""
    check_tenant(principal, enterprise_id, CASE_READERS | {Role.MEMBER})
    desk = desk_of(warden)
    own = principal.account_id if principal.role is Role.MEMBER else None
    items, nxt = desk.list_cases(
        enterprise_id, status=status, overdue=overdue, account_id=own, limit=limit, cursor=cursor
    )
    return {"items": [desk.render_case(c, None, principal, lang) for c in items], "next_cursor": nxt}


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(warden: WardenDep, principal: PrincipalDep, lang: LangDep, case_id: IdPath) -> dict[str, Any]:
    """One case with its timeline and evidence, as far as the caller's role may see."""
    desk = desk_of(warden)
    case, entries = visible_case(desk, principal, case_id)
    return desk.render_case(case, entries, principal, lang)


@router.post("/cases/{case_id}/statement", response_model=CaseOut)
def post_statement(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, case_id: IdPath, body: StatementIn
) -> dict[str, Any]:
    """The employee's statement (S-E5), by the employee or recorded by HR or an investigator."""
    desk = desk_of(warden)
    case, _ = visible_case(desk, principal, case_id)
    if principal.role is not Role.MEMBER and principal.role not in DECIDING_ROLES:
        raise Forbidden("a statement comes from the employee, or is recorded by HR or an investigator")
    case = desk.submit_statement(
        case_id, principal.actor, body.responsibility, body.text, list(body.evidence_refs), body.instructed_by
    )
    return desk.render_case(case, None, principal, lang)


@router.post("/cases/{case_id}/outcome", response_model=CaseOut)
def post_outcome(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, case_id: IdPath, body: OutcomeIn
) -> dict[str, Any]:
    """Decide (S-E4): warning, training, deregister, app_removed, escalate_illegal or dismissed."""
    desk = desk_of(warden)
    visible_case(desk, principal, case_id)
    if principal.role not in DECIDING_ROLES:
        raise Forbidden("only HR or an investigator of the enterprise decides a case")
    case = desk.decide(case_id, principal.actor, body.outcome, body.note, body.misclassified)
    return desk.render_case(case, None, principal, lang)


@router.post("/cases/{case_id}/training-completion", response_model=CaseOut)
def post_training_completion(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, case_id: IdPath
) -> dict[str, Any]:
    """Record that the assigned training was completed; the case closes."""
    desk = desk_of(warden)
    visible_case(desk, principal, case_id)
    if principal.role not in DECIDING_ROLES:
        raise Forbidden("only HR or an investigator records training completion")
    return desk.render_case(desk.complete_training(case_id, principal.actor), None, principal, lang)


class ClassificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    misclassified: bool
    note: str = Field(min_length=3, max_length=2000)


@router.put("/cases/{case_id}/classification", response_model=CaseOut)
def put_classification(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, case_id: IdPath, body: ClassificationIn
) -> dict[str, Any]:
    """Tag a case as misclassified (the rule fired wrongly) or untag it; counts in the rule's quality figures."""
    desk = desk_of(warden)
    visible_case(desk, principal, case_id)
    if principal.role not in DECIDING_ROLES:
        raise Forbidden("only HR or an investigator classifies a case")
    return desk.render_case(
        desk.tag_misclassified(case_id, principal.actor, body.misclassified, body.note), None, principal, lang
    )


@router.get("/enterprises/{enterprise_id}/compliance-figures")
def get_figures(warden: WardenDep, principal: PrincipalDep, enterprise_id: IdPath) -> dict[str, Any]:
    """Open and overdue cases, time to report and to resolve, repeat offenders, training, hits per rule."""
    check_tenant(principal, enterprise_id, FIGURE_READERS)
    return desk_of(warden).figures(enterprise_id, names_visible=principal.role in CONTENT_ROLES)
