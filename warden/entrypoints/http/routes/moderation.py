"""Reviewers' manual actions. Each is audited and outranks the rules (a voided strike stays voided)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from warden.domain.access import Role
from warden.domain.model import StrikeStatus
from warden.entrypoints.http.deps import PrincipalDep, WardenDep, require

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
