"""Appeals (S-D6, member appeals) and the review desk. Thin: access and rules live in `service.appeals`."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Header, Path, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from warden.domain.appeals import Outcome
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep
from warden.entrypoints.http.routes.directory import IdPath
from warden.kernel.access import GLOBAL_ROLES
from warden.kernel.errors import Forbidden, InvalidInput
from warden.kernel.events import FieldError
from warden.service.appeals import desk_of

router = APIRouter(prefix="/v1", tags=["appeals"])
RefPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
KindPath = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size (default 50, max 500).")]


class AppealIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"strike_id": "stk_0123456789abcdef0123", "statement": "我没有违规……"}]},
    )
    strike_id: str = Field(min_length=1, max_length=64, description="The penalty contested (from the explanation).")
    statement: str = Field(min_length=1, max_length=20000, description="Why; capped by the policy (default 2000).")


class DocumentReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["accepted", "rejected"]
    reason_code: str | None = Field(
        None, description="For a rejection: illegible, expired, mismatch, seal_missing, wrong_document, other."
    )
    note: str | None = Field(None, max_length=2000, description="Shown to the appellant as written.")


class DecisionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"outcome": "overturn", "reason_code": "rule_misfired", "exempt_days": 7}]},
    )
    outcome: Outcome
    reason_code: str = Field(
        min_length=1,
        max_length=64,
        description="uphold: violation_confirmed, evidence_insufficient, documents_invalid; "
        "reduce: mitigating_circumstances, rectified; "
        "overturn: rule_misfired, evidence_convincing, documents_verified.",
    )
    note: str | None = Field(None, max_length=2000, description="Shown to the appellant as written.")
    to_step: int | None = Field(None, ge=0, description="reduce: the lower ladder step to apply.")
    exempt_days: int | None = Field(
        None, ge=1, description="overturn of a member's penalty: exempt the account from that rule this many days."
    )


class ConfirmationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agree: bool = Field(description="True: the proposal takes effect. False: back to the queue.")
    note: str | None = Field(None, max_length=2000)


class ExemptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: str = Field(min_length=1, max_length=128)
    rule_id: str = Field(min_length=1, max_length=64)
    days: int = Field(ge=1, description="How long; at most the policy's exemption_max (default 30 days).")
    reason: str = Field(min_length=3, max_length=2000)


class FlagResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["dismissed", "actioned"]
    note: str = Field(min_length=3, max_length=2000)


class EnterpriseRestrictionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    severity: str = Field(min_length=1, max_length=8, description="A ladder severity class; S bans the enterprise.")
    reason: str = Field(min_length=3, max_length=2000)


class DocumentOut(BaseModel):
    id: str
    appeal_id: str
    kind: str
    state: str
    media_type: str = Field(description="Detected from the content, never from the name.")
    size: int
    sha256: str
    filename: str = Field(description="Sanitised display name only.")
    submissions: int = Field(description="How many times this document was submitted (resubmissions included).")


@router.post("/appeals", status_code=201)
def open_appeal(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    body: AppealIn,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> dict[str, Any]:
    """A member contests a penalty on their account (even while login-restricted), or an enterprise admin one on
    the enterprise (S-D6). One open appeal per penalty, within the policy's window. A repeated
    `Idempotency-Key` replays the first answer (200)."""
    desk = desk_of(warden)
    appeal, created = desk.open(principal, body.strike_id, body.statement, idempotency_key)
    if not created:
        response.status_code = 200
    return desk.get(principal, appeal.id, lang)


@router.get("/appeals")
def list_appeals(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    status: Annotated[str | None, Query(max_length=32)] = None,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    """Appeals the caller may see, newest first (an admin: their enterprise's; a member: their own)."""
    return desk_of(warden).list_appeals(principal, lang, status, limit, cursor)


@router.get("/appeals/{appeal_id}")
def get_appeal(warden: WardenDep, principal: PrincipalDep, lang: LangDep, appeal_id: RefPath) -> dict[str, Any]:
    """Where the case stands: stage, document checklist, decision and its reason (zh/en). Reviewers also see the
    claim, any proposal and the subject's history (strikes, restrictions, events, earlier appeals, weight)."""
    return desk_of(warden).get(principal, appeal_id, lang)


@router.put("/appeals/{appeal_id}/documents/{kind}", response_model=DocumentOut, status_code=201)
def put_document(
    warden: WardenDep,
    principal: PrincipalDep,
    appeal_id: RefPath,
    kind: KindPath,
    file: Annotated[UploadFile, File(description="PNG, JPEG, WebP or PDF; judged by content; size per policy.")],
) -> DocumentOut:
    """Upload (or resubmit) one document of the checklist: business_licence, legal_rep_id, legal_rep_holding_id,
    authorisation_letter, rectification_report (enterprise) or evidence_1… (member)."""
    desk = desk_of(warden)
    cap = desk.policy.max_upload_bytes
    data = file.file.read(cap + 1)  # never more than one byte past the limit in memory
    doc, submissions = desk.upload(principal, appeal_id, kind, data, file.filename)
    return DocumentOut(
        id=doc.id,
        appeal_id=doc.appeal_id,
        kind=doc.kind,
        state=doc.state.value,
        media_type=doc.media_type,
        size=doc.size,
        sha256=doc.sha256,
        filename=doc.filename,
        submissions=submissions,
    )


@router.get(
    "/appeals/{appeal_id}/documents/{kind}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The latest file of the slot."}},
)
def get_document(warden: WardenDep, principal: PrincipalDep, appeal_id: RefPath, kind: KindPath) -> Response:
    """Download the slot's latest document: reviewers and the appellant's side only; never rendered inline."""
    doc, data = desk_of(warden).download(principal, appeal_id, kind)
    return Response(
        data,
        media_type=doc.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Digest": f"sha-256={doc.sha256}",
        },
    )


@router.post("/appeals/{appeal_id}/documents/{kind}/review")
def review_document(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    appeal_id: RefPath,
    kind: KindPath,
    body: DocumentReviewIn,
) -> dict[str, Any]:
    """A reviewer holding the claim accepts or rejects one document; a rejection's reason reaches the appellant."""
    desk = desk_of(warden)
    desk.review_document(principal, appeal_id, kind, body.verdict, body.reason_code, body.note)
    return desk.get(principal, appeal_id, lang)


@router.post("/appeals/{appeal_id}/withdrawal")
def withdraw(warden: WardenDep, principal: PrincipalDep, lang: LangDep, appeal_id: RefPath) -> dict[str, Any]:
    desk = desk_of(warden)
    desk.withdraw(principal, appeal_id)
    return desk.get(principal, appeal_id, lang)


@router.get("/review-queue")
def review_queue(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    """Open appeals and flagged cases, earliest deadline first (SLA in working days, Mon–Fri)."""
    return desk_of(warden).queue(principal, lang, limit, cursor)


@router.post("/appeals/{appeal_id}/claim")
def claim_appeal(warden: WardenDep, principal: PrincipalDep, appeal_id: RefPath) -> dict[str, Any]:
    """Take the case; 409 if another reviewer holds it (claims lapse after the policy's claim_ttl)."""
    return desk_of(warden).claim(principal, f"appeal:{appeal_id}")


@router.post("/appeals/{appeal_id}/release", status_code=204)
def release_appeal(warden: WardenDep, principal: PrincipalDep, appeal_id: RefPath) -> Response:
    desk_of(warden).release(principal, f"appeal:{appeal_id}")
    return Response(status_code=204)


IfMatch = Annotated[
    str | None, Header(max_length=32, description="The appeal's `version` you decided on; 409 if it changed since.")
]


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise InvalidInput("If-Match must be the appeal's version", [FieldError(field="If-Match", message="a number")])
    return int(raw)


@router.post("/appeals/{appeal_id}/decision")
def decide(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    appeal_id: RefPath,
    body: DecisionIn,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Uphold, reduce or overturn, with a reason the appellant sees. On a permanent ban or an enterprise penalty
    this records a proposal that a different reviewer must confirm."""
    desk = desk_of(warden)
    desk.decide(
        principal,
        appeal_id,
        body.outcome,
        body.reason_code,
        body.note,
        body.to_step,
        body.exempt_days,
        _version(if_match),
    )
    return desk.get(principal, appeal_id, lang)


@router.post("/appeals/{appeal_id}/confirmation")
def confirm(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    appeal_id: RefPath,
    body: ConfirmationIn,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """The second reviewer (not the proposer, holding the claim) confirms the proposal or sends it back."""
    desk = desk_of(warden)
    desk.confirm(principal, appeal_id, body.agree, body.note, _version(if_match))
    return desk.get(principal, appeal_id, lang)


@router.get("/appeals/{appeal_id}/notifications")
def appeal_notifications(warden: WardenDep, principal: PrincipalDep, appeal_id: RefPath) -> dict[str, Any]:
    """The outbox for this appeal: what was (or will be) sent to whom, and the delivery state."""
    if principal.role not in GLOBAL_ROLES:
        raise Forbidden("the notification outbox is for reviewers and auditors")
    desk = desk_of(warden)
    desk.get(principal, appeal_id)
    return {"items": desk.notifications(appeal_id)}


@router.post("/exemptions", status_code=201)
def create_exemption(warden: WardenDep, principal: PrincipalDep, body: ExemptionIn) -> dict[str, Any]:
    """Exempt an account from one rule for a while (e.g. after an overturn, so the rule does not re-ban it)."""
    return desk_of(warden).exempt(principal, body.account_id, body.rule_id, body.days, body.reason)


@router.post("/flags/{flag_id}/claim")
def claim_flag(warden: WardenDep, principal: PrincipalDep, flag_id: RefPath) -> dict[str, Any]:
    return desk_of(warden).claim(principal, f"flag:{flag_id}")


@router.post("/flags/{flag_id}/release", status_code=204)
def release_flag(warden: WardenDep, principal: PrincipalDep, flag_id: RefPath) -> Response:
    desk_of(warden).release(principal, f"flag:{flag_id}")
    return Response(status_code=204)


@router.post("/flags/{flag_id}/resolution")
def resolve_flag(
    warden: WardenDep, principal: PrincipalDep, flag_id: RefPath, body: FlagResolutionIn
) -> dict[str, Any]:
    """Close a flagged case (dismissed or actioned) — only by the reviewer holding it."""
    return desk_of(warden).resolve_flag(principal, flag_id, body.outcome, body.note)


@router.post("/enterprises/{enterprise_id}/restrictions", status_code=201)
def restrict_enterprise(
    warden: WardenDep, principal: PrincipalDep, enterprise_id: IdPath, body: EnterpriseRestrictionIn
) -> dict[str, Any]:
    """Restrict (or with severity S ban) a whole enterprise (S-C2); every member's state follows at once."""
    r = desk_of(warden).restrict_enterprise(principal, enterprise_id, body.severity, body.reason)
    return {
        "id": r.id,
        "strike_id": r.strike_id,
        "scope": r.scope.value,
        "step": r.step,
        "starts_at": r.starts_at.isoformat(),
        "ends_at": r.ends_at.isoformat() if r.ends_at else None,
    }
