"""Reviewers' manual actions. Each is audited and outranks the rules (a voided strike stays voided)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from warden.domain.explain import Lang
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep, require
from warden.entrypoints.http.routes.directory import IdPath
from warden.entrypoints.http.routes.restrictions import RestrictionOut, restriction_out
from warden.kernel.access import Role
from warden.kernel.model import StrikeStatus
from warden.service.manual_strikes import ManualResult, ManualStrikes
from warden.service.warden import Warden

router = APIRouter(prefix="/v1", tags=["moderation"])
RefPath = Annotated[str, Path(min_length=1, max_length=64)]


class StrikeStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["voided", "overturned"]
    reason: str = Field(min_length=3, max_length=2000)


class LiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=2000)


@router.post("/strikes/{strike_id}/status")
def set_strike_status(
    warden: WardenDep, principal: PrincipalDep, strike_id: RefPath, body: StrikeStatusIn
) -> dict[str, object]:
    """Void or overturn a strike: its restriction lifts and the ladder is recomputed from what stays active."""
    require(principal, Role.REVIEWER)
    s = warden.set_strike_status(strike_id, StrikeStatus(body.status), principal.actor, body.reason)
    return {"id": s.id, "status": s.status.value, "status_at": s.status_at, "status_reason": s.status_reason}


@router.post("/restrictions/{restriction_id}/lifting")
def lift_restriction(
    warden: WardenDep, principal: PrincipalDep, restriction_id: RefPath, body: LiftIn
) -> dict[str, object]:
    """Lift one restriction now (the strike stays on the record)."""
    require(principal, Role.REVIEWER)
    r = warden.lift_restriction(restriction_id, principal.actor, body.reason)
    return {"id": r.id, "lifted_at": r.lifted_at, "lift_reason": r.lift_reason}


# --- a severity imposed on one account (issue 10, item 11) ------------------------------------------------------


class ManualStrikeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    severity: str = Field(
        min_length=1, max_length=16, description="A severity class of the ladder (L, M, P, S …).", examples=["M"]
    )
    reason: str = Field(min_length=3, max_length=2000, description="Why; shown to the account as the evidence.")


class ProposalDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agree: bool = Field(description="true: the strike is issued; false: the proposal is declined.")
    note: str | None = Field(None, max_length=2000)


class StrikeOut(BaseModel):
    id: str
    subject_type: str
    subject_id: str
    rule: str
    severity: str
    step: int
    at: datetime
    status: str
    event_id: str | None
    evidence: dict[str, Any]


class ManualStrikeOut(BaseModel):
    """A manual strike request: issued at once, or (permanent step) proposed until a second reviewer decides."""

    case_id: str = Field(description="The desk case (`flag:<case_id>` in the review queue while proposed).")
    account_id: str
    status: Literal["proposed", "issued", "declined"]
    four_eyes: bool = Field(description="The step would be permanent: a different reviewer must confirm.")
    severity: str
    reason: str
    step: int = Field(description="The ladder step the strike takes (or would take, while proposed).")
    requested_by: str
    requested_at: str
    confirmed_by: str | None = None
    declined_by: str | None = None
    note: str | None = None
    strike: StrikeOut | None = None
    restriction: RestrictionOut | None = None
    replayed: bool = False


def _manual_out(warden: Warden, res: ManualResult, lang: Lang) -> ManualStrikeOut:
    c = res.case
    s = res.strike
    return ManualStrikeOut(
        case_id=res.case_id,
        account_id=res.account_id,
        status=res.status,  # type: ignore[arg-type]
        four_eyes=bool(c.get("four_eyes")),
        severity=c["severity"],
        reason=c["reason"],
        step=c["step"],
        requested_by=c["requested_by"],
        requested_at=c["requested_at"],
        confirmed_by=c.get("confirmed_by"),
        declined_by=c.get("declined_by"),
        note=c.get("note"),
        strike=None
        if s is None
        else StrikeOut(
            id=s.id,
            subject_type=s.subject_type,
            subject_id=s.subject_id,
            rule=s.rule_id,
            severity=s.severity,
            step=s.step,
            at=s.at,
            status=s.status.value,
            event_id=s.event_id,
            evidence=s.evidence,
        ),
        restriction=None
        if res.restriction is None
        else RestrictionOut.model_validate(restriction_out(warden, res.restriction, s, warden.clock.now(), lang)),
        replayed=res.replayed,
    )


@router.post(
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
    warden: WardenDep,
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
    require(principal, Role.REVIEWER, Role.PLATFORM)
    res = ManualStrikes(warden).request(
        account_id, body.severity, body.reason, principal.actor, principal.token_id, idempotency_key
    )
    if res.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    elif res.status == "proposed":
        response.status_code = 202
    return _manual_out(warden, res, lang)


@router.get("/strike-proposals/{case_id}", response_model=ManualStrikeOut)
def get_strike_proposal(warden: WardenDep, principal: PrincipalDep, lang: LangDep, case_id: RefPath) -> ManualStrikeOut:
    """A manual strike request and what became of it."""
    require(principal, Role.REVIEWER, Role.PLATFORM, Role.AUDITOR)
    return _manual_out(warden, ManualStrikes(warden).get(case_id), lang)


@router.post("/strike-proposals/{case_id}/confirmation", response_model=ManualStrikeOut)
def decide_strike_proposal(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, case_id: RefPath, body: ProposalDecisionIn
) -> ManualStrikeOut:
    """Four eyes: a reviewer other than the proposer confirms (the strike is issued) or declines the proposal."""
    require(principal, Role.REVIEWER)
    return _manual_out(warden, ManualStrikes(warden).confirm(case_id, principal.actor, body.agree, body.note), lang)
