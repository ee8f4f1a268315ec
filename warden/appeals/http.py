"""Appeals (S-D6, member appeals), the review desk and reviewers' manual actions over HTTP. Routes authenticate
and translate only: access lives in `appeals.access` (asked by the service), the use cases in the service modules,
the answers' shapes in `appeals.views`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Header, Path, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from warden.appeals import views
from warden.appeals.model import AppealOutcome
from warden.appeals.service import Appeals
from warden.appeals.views import (
    AppealDetail,
    AppealNote,
    AppealNotes,
    AppealNotifications,
    AppealPage,
    Colleague,
    Colleagues,
    DeskClaim,
    DocumentOut,
    EnterpriseRestrictionOut,
    ExemptionOut,
    FlagResolutionOut,
    ManualStrikeOut,
    ReviewQueue,
)
from warden.enforcement.http.directory import IdPath
from warden.enforcement.views import BanEndingOut, LiftedRestriction, StrikeStatusOut
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep, attachment
from warden.kernel.errors import InvalidInput
from warden.kernel.events import FieldError
from warden.kernel.inputs import INT32_MAX
from warden.kernel.model import StrikeStatus

router = APIRouter(prefix="/v1", tags=["appeals"])
RefPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
KindPath = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size (default 50, max 500).")]


def get_appeals(warden: WardenDep) -> Appeals:
    """The appeals desk bootstrap built (`app.appeals`)."""
    return warden.appeals


AppealsDep = Annotated[Appeals, Depends(get_appeals)]


class AppealIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"strike_id": "stk_0123456789abcdef0123", "statement": "我没有违规……"}]},
    )
    strike_id: str = Field(min_length=1, max_length=64, description="The penalty contested (from the explanation).")
    statement: str = Field(min_length=1, max_length=20000, description="Why; capped by the policy (default 2000).")


class DocumentReviewIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"verdict": "rejected", "reason_code": "illegible", "note": "营业执照照片看不清，请重新拍摄"}]
        },
    )
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
    outcome: AppealOutcome
    reason_code: str = Field(
        min_length=1,
        max_length=64,
        description="uphold: violation_confirmed, evidence_insufficient, documents_invalid; "
        "reduce: mitigating_circumstances, rectified; "
        "overturn: rule_misfired, evidence_convincing, documents_verified.",
    )
    note: str | None = Field(None, max_length=2000, description="Shown to the appellant as written.")
    to_step: int | None = Field(None, ge=0, le=INT32_MAX, description="reduce: the lower ladder step to apply.")
    exempt_days: int | None = Field(
        None,
        ge=1,
        le=INT32_MAX,
        description="overturn of a member's penalty: exempt the account from that rule this many days.",
    )


class ConfirmationIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"agree": True, "note": "同意：材料核实无误"}]}
    )
    agree: bool = Field(description="True: the proposal takes effect. False: back to the queue.")
    note: str | None = Field(None, max_length=2000)


class ExemptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: str = Field(min_length=1, max_length=128)
    rule_id: str = Field(min_length=1, max_length=64)
    days: int = Field(ge=1, le=INT32_MAX, description="How long; at most the policy's exemption_max (default 30 days).")
    reason: str = Field(min_length=3, max_length=2000)


class FlagResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["dismissed", "actioned"]
    note: str = Field(min_length=3, max_length=2000)


class EnterpriseRestrictionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    severity: str = Field(min_length=1, max_length=8, description="A ladder severity class; S bans the enterprise.")
    reason: str = Field(min_length=3, max_length=2000)


@router.post("/appeals", status_code=201, response_model_exclude_unset=True)
def open_appeal(
    appeals: AppealsDep,
    principal: PrincipalDep,
    lang: LangDep,
    body: AppealIn,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> AppealDetail:
    """A member contests a penalty on their account (even while login-restricted), or an enterprise admin one on
    the enterprise (S-D6). One open appeal per penalty, within the policy's window. A repeated
    `Idempotency-Key` replays the first answer (200)."""
    appeal, created = appeals.open(principal, body.strike_id, body.statement, idempotency_key)
    if not created:
        response.status_code = 200
    return AppealDetail.model_validate(appeals.get(principal, appeal.id, lang))


@router.get("/appeals")
def list_appeals(
    appeals: AppealsDep,
    principal: PrincipalDep,
    lang: LangDep,
    status: Annotated[str | None, Query(max_length=32)] = None,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> AppealPage:
    """Appeals the caller may see, newest first (an admin: their enterprise's; a member: their own)."""
    return AppealPage.model_validate(appeals.list_appeals(principal, lang, status, limit, cursor))


@router.get("/appeals/{appeal_id}", response_model_exclude_unset=True)
def get_appeal(appeals: AppealsDep, principal: PrincipalDep, lang: LangDep, appeal_id: RefPath) -> AppealDetail:
    """Where the case stands: stage, document checklist, decision and its reason (zh/en). Reviewers also see the
    claim, any proposal and the subject's history (strikes, restrictions, events, earlier appeals, weight)."""
    return AppealDetail.model_validate(appeals.get(principal, appeal_id, lang))


@router.put("/appeals/{appeal_id}/documents/{kind}", status_code=201)
def put_document(
    appeals: AppealsDep,
    principal: PrincipalDep,
    appeal_id: RefPath,
    kind: KindPath,
    file: Annotated[UploadFile, File(description="PNG, JPEG, WebP or PDF; judged by content; size per policy.")],
) -> DocumentOut:
    """Upload (or resubmit) one document of the checklist: business_licence, legal_rep_id, legal_rep_holding_id,
    authorisation_letter, rectification_report (enterprise) or evidence_1… (member)."""
    cap = appeals.policy.max_upload_bytes
    data = file.file.read(cap + 1)  # never more than one byte past the limit in memory
    doc, submissions = appeals.upload(principal, appeal_id, kind, data, file.filename)
    return views.document_out(doc, submissions)


@router.get(
    "/appeals/{appeal_id}/documents/{kind}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The latest file of the slot."}},
)
def get_document(appeals: AppealsDep, principal: PrincipalDep, appeal_id: RefPath, kind: KindPath) -> Response:
    """Download the slot's latest document: reviewers and the appellant's side only; never rendered inline."""
    doc, data = appeals.download(principal, appeal_id, kind)
    return attachment(data, doc.media_type, doc.filename, doc.sha256)


@router.post("/appeals/{appeal_id}/documents/{kind}/review", response_model_exclude_unset=True)
def review_document(
    appeals: AppealsDep,
    principal: PrincipalDep,
    lang: LangDep,
    appeal_id: RefPath,
    kind: KindPath,
    body: DocumentReviewIn,
) -> AppealDetail:
    """A reviewer holding the claim accepts or rejects one document; a rejection's reason reaches the appellant."""
    appeals.review_document(principal, appeal_id, kind, body.verdict, body.reason_code, body.note)
    return AppealDetail.model_validate(appeals.get(principal, appeal_id, lang))


@router.post("/appeals/{appeal_id}/withdrawal", response_model_exclude_unset=True)
def withdraw(appeals: AppealsDep, principal: PrincipalDep, lang: LangDep, appeal_id: RefPath) -> AppealDetail:
    """The appellant side withdraws an open appeal."""
    appeals.withdraw(principal, appeal_id)
    return AppealDetail.model_validate(appeals.get(principal, appeal_id, lang))


@router.get("/review-queue")
def review_queue(
    appeals: AppealsDep,
    principal: PrincipalDep,
    lang: LangDep,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> ReviewQueue:
    """Open appeals and flagged cases, earliest deadline first (SLA in working days, Mon–Fri)."""
    return ReviewQueue.model_validate(appeals.queue(principal, lang, limit, cursor))


@router.post("/appeals/{appeal_id}/claim")
def claim_appeal(appeals: AppealsDep, principal: PrincipalDep, appeal_id: RefPath) -> DeskClaim:
    """Take the case; 409 if another reviewer holds it (claims lapse after the policy's claim_ttl)."""
    return DeskClaim.model_validate(appeals.claim(principal, f"appeal:{appeal_id}"))


@router.post("/appeals/{appeal_id}/release", status_code=204)
def release_appeal(appeals: AppealsDep, principal: PrincipalDep, appeal_id: RefPath) -> Response:
    appeals.release(principal, f"appeal:{appeal_id}")
    return Response(status_code=204)


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"to": "li", "note": "合同纠纷归李审"}]})
    to: str = Field(
        min_length=1, max_length=128, description="The colleague: a reviewer's person id (`GET /v1/review-colleagues`)"
    )
    note: str | None = Field(None, max_length=2000, description="Why (audited)")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": "同一设备还登录过 acc-9"}]})
    text: str = Field(min_length=1, max_length=4000, description="For the desk only: the appellant never reads it")


@router.post("/appeals/{appeal_id}/reassignment")
def reassign_appeal(appeals: AppealsDep, principal: PrincipalDep, appeal_id: RefPath, body: ReassignIn) -> DeskClaim:
    """Hand the case to a named colleague (a reviewer with a live token; 422 naming `to` otherwise). The holder
    reassigns, or anyone when nobody holds it; a colleague's claim is theirs (403). Audited."""
    return DeskClaim.model_validate(appeals.reassign(principal, f"appeal:{appeal_id}", body.to, body.note))


@router.get("/review-colleagues")
def review_colleagues(appeals: AppealsDep, principal: PrincipalDep) -> Colleagues:
    """The reviewers a case may be reassigned to (the desk's roles)."""
    found = appeals.colleagues(principal)
    return Colleagues(items=[Colleague(person=k, name=v) for k, v in found.items()])


@router.get("/appeals/{appeal_id}/notes")
def appeal_notes(appeals: AppealsDep, principal: PrincipalDep, appeal_id: RefPath) -> AppealNotes:
    """Reviewers' internal notes on the appeal, oldest first: reviewers, platform, auditors; never the appellant."""
    return AppealNotes.model_validate({"items": appeals.notes(principal, appeal_id)})


@router.post("/appeals/{appeal_id}/notes", status_code=201)
def add_appeal_note(appeals: AppealsDep, principal: PrincipalDep, appeal_id: RefPath, body: NoteIn) -> AppealNote:
    """Add an internal note (reviewers): for the desk only, audited (`appeal.note_added`)."""
    return AppealNote.model_validate(appeals.add_note(principal, appeal_id, body.text))


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


@router.post("/appeals/{appeal_id}/decision", response_model_exclude_unset=True)
def decide(
    appeals: AppealsDep,
    principal: PrincipalDep,
    lang: LangDep,
    appeal_id: RefPath,
    body: DecisionIn,
    if_match: IfMatch = None,
) -> AppealDetail:
    """Uphold, reduce or overturn, with a reason the appellant sees. On a permanent ban or an enterprise penalty
    this records a proposal that a different reviewer must confirm."""
    appeals.decide(
        principal,
        appeal_id,
        body.outcome,
        body.reason_code,
        body.note,
        body.to_step,
        body.exempt_days,
        _version(if_match),
    )
    return AppealDetail.model_validate(appeals.get(principal, appeal_id, lang))


@router.post("/appeals/{appeal_id}/confirmation", response_model_exclude_unset=True)
def confirm(
    appeals: AppealsDep,
    principal: PrincipalDep,
    lang: LangDep,
    appeal_id: RefPath,
    body: ConfirmationIn,
    if_match: IfMatch = None,
) -> AppealDetail:
    """The second reviewer (not the proposer, holding the claim) confirms the proposal or sends it back."""
    appeals.confirm(principal, appeal_id, body.agree, body.note, _version(if_match))
    return AppealDetail.model_validate(appeals.get(principal, appeal_id, lang))


@router.get("/appeals/{appeal_id}/notifications")
def appeal_notifications(appeals: AppealsDep, principal: PrincipalDep, appeal_id: RefPath) -> AppealNotifications:
    """The outbox for this appeal: what was (or will be) sent to whom, and the delivery state."""
    return AppealNotifications.model_validate({"items": appeals.notifications_for(principal, appeal_id)})


@router.post("/exemptions", status_code=201)
def create_exemption(appeals: AppealsDep, principal: PrincipalDep, body: ExemptionIn) -> ExemptionOut:
    """Exempt an account from one rule for a while (e.g. after an overturn, so the rule does not re-ban it)."""
    return ExemptionOut.model_validate(appeals.exempt(principal, body.account_id, body.rule_id, body.days, body.reason))


@router.post("/flags/{flag_id}/claim")
def claim_flag(appeals: AppealsDep, principal: PrincipalDep, flag_id: RefPath) -> DeskClaim:
    return DeskClaim.model_validate(appeals.claim(principal, f"flag:{flag_id}"))


@router.post("/flags/{flag_id}/release", status_code=204)
def release_flag(appeals: AppealsDep, principal: PrincipalDep, flag_id: RefPath) -> Response:
    appeals.release(principal, f"flag:{flag_id}")
    return Response(status_code=204)


@router.post("/flags/{flag_id}/resolution")
def resolve_flag(
    appeals: AppealsDep, principal: PrincipalDep, flag_id: RefPath, body: FlagResolutionIn
) -> FlagResolutionOut:
    """Close a flagged case (dismissed or actioned) — only by the reviewer holding it."""
    return FlagResolutionOut.model_validate(appeals.resolve_flag(principal, flag_id, body.outcome, body.note))


@router.post("/enterprises/{enterprise_id}/restrictions", status_code=201)
def restrict_enterprise(
    appeals: AppealsDep, principal: PrincipalDep, enterprise_id: IdPath, body: EnterpriseRestrictionIn
) -> EnterpriseRestrictionOut:
    """Restrict (or with severity S ban) a whole enterprise (S-C2); every member's state follows at once."""
    return views.enterprise_restriction(
        appeals.restrict_enterprise(principal, enterprise_id, body.severity, body.reason)
    )


# --- reviewers' manual actions (moderation) --------------------------------------------------------------------

moderation = APIRouter(tags=["moderation"])
StrikeRef = Annotated[str, Path(min_length=1, max_length=64)]


class StrikeStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["voided", "overturned"]
    reason: str = Field(min_length=3, max_length=2000)


class LiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=2000)


_PROPOSED: dict[int | str, dict[str, Any]] = {
    202: {"model": BanEndingOut, "description": "It would end a permanent or an enterprise ban: proposed."}
}


@moderation.post("/strikes/{strike_id}/status", response_model=StrikeStatusOut, responses=_PROPOSED)
def set_strike_status(
    warden: WardenDep, principal: PrincipalDep, strike_id: StrikeRef, body: StrikeStatusIn
) -> StrikeStatusOut | JSONResponse:
    """Void or overturn a strike: its restriction lifts and the ladder is recomputed from what stays active. When
    that would end or ease a permanent or an enterprise ban, it is only proposed (202): a different person
    confirms it at `/v1/ban-ending-proposals/{id}/confirmation` (four eyes)."""
    out = warden.manual_actions.end_strike(principal, strike_id, StrikeStatus(body.status), body.reason)
    return JSONResponse(out.model_dump(mode="json"), status_code=202) if isinstance(out, BanEndingOut) else out


@moderation.post("/restrictions/{restriction_id}/lifting", response_model=LiftedRestriction, responses=_PROPOSED)
def lift_restriction(
    warden: WardenDep, principal: PrincipalDep, restriction_id: StrikeRef, body: LiftIn
) -> LiftedRestriction | JSONResponse:
    """Lift one restriction now (the strike stays on the record). A permanent ban or an enterprise ban is only
    proposed (202): a different person confirms it at `/v1/ban-ending-proposals/{id}/confirmation` (four eyes)."""
    out = warden.manual_actions.lift(principal, restriction_id, body.reason)
    return JSONResponse(out.model_dump(mode="json"), status_code=202) if isinstance(out, BanEndingOut) else out


# --- a severity imposed on one account (issue 10, item 11) ------------------------------------------------------


class ManualStrikeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"severity": "M", "reason": "多次向客户群发未经允许的广告"}]}
    )
    severity: str = Field(
        min_length=1, max_length=16, description="A severity class of the ladder (L, M, P, S …).", examples=["M"]
    )
    reason: str = Field(min_length=3, max_length=2000, description="Why; shown to the account as the evidence.")


class ProposalDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agree: bool = Field(description="true: the strike is issued; false: the proposal is declined.")
    note: str | None = Field(None, max_length=2000)


@moderation.post(
    "/accounts/{account_id}/strikes",
    status_code=201,
    response_model=ManualStrikeOut,
    responses={
        202: {"model": ManualStrikeOut, "description": "Proposed: the step is permanent, a second reviewer decides."},
        200: {"model": ManualStrikeOut, "description": "A replay of the same Idempotency-Key and request."},
        409: {"description": "The Idempotency-Key was used for a different request (nothing stored)."},
    },
)
def strike_account(
    appeals: AppealsDep,
    principal: PrincipalDep,
    lang: LangDep,
    account_id: IdPath,
    body: ManualStrikeIn,
    response: Response,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", max_length=128, description="Same key, same request, same answer.")
    ] = None,
) -> ManualStrikeOut:
    """A reviewer (or the platform) imposes a severity on one account: a manual strike through the ladder
    (next step for the class, history and probation counted). One whose step would be permanent (class S, or
    escalation to the top) is only proposed (202): a different reviewer confirms it at
    `/v1/strike-proposals/{case_id}/confirmation` (four eyes, as the appeals desk for permanent bans)."""
    res = appeals.manual_strikes.request(principal, account_id, body.severity, body.reason, idempotency_key)
    if res.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    elif res.status == "proposed":
        response.status_code = 202
    return appeals.manual_strikes.answer(res, lang)


@moderation.get("/strike-proposals/{case_id}", response_model=ManualStrikeOut)
def get_strike_proposal(
    appeals: AppealsDep, principal: PrincipalDep, lang: LangDep, case_id: StrikeRef
) -> ManualStrikeOut:
    """A manual strike request and what became of it."""
    return appeals.manual_strikes.answer(appeals.manual_strikes.get(principal, case_id), lang)


@moderation.post("/strike-proposals/{case_id}/confirmation", response_model=ManualStrikeOut)
def decide_strike_proposal(
    appeals: AppealsDep,
    principal: PrincipalDep,
    lang: LangDep,
    case_id: StrikeRef,
    body: ProposalDecisionIn,
) -> ManualStrikeOut:
    """Four eyes: a reviewer other than the proposer confirms (the strike is issued) or declines the proposal."""
    decided = appeals.manual_strikes.confirm(principal, case_id, body.agree, body.note)
    return appeals.manual_strikes.answer(decided, lang)


router.include_router(moderation)  # under /v1, tagged "moderation"
