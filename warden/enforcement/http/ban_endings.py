"""Proposals to end a permanent or an enterprise ban (issue 12): a reviewer's lift or void that would end one is
only proposed (`POST /v1/restrictions/{id}/lifting`, `POST /v1/strikes/{id}/status` answer 202); a different person
confirms or declines it here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from warden.enforcement.views import BanEndingOut
from warden.entrypoints.http.deps import PrincipalDep, WardenDep

router = APIRouter(prefix="/v1/ban-ending-proposals", tags=["moderation"])
ProposalId = Annotated[str, Path(min_length=1, max_length=64)]


class BanEndingDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agree: bool = Field(description="true: the ban ends now; false: the proposal is declined.")
    note: str | None = Field(None, max_length=2000)


@router.get("/{proposal_id}", response_model=BanEndingOut)
def get_proposal(warden: WardenDep, principal: PrincipalDep, proposal_id: ProposalId) -> BanEndingOut:
    """A proposal and what became of it (reviewers, platform, auditors)."""
    return warden.manual_actions.ban_ending(principal, proposal_id)


@router.post("/{proposal_id}/confirmation", response_model=BanEndingOut)
def decide_proposal(
    warden: WardenDep, principal: PrincipalDep, proposal_id: ProposalId, body: BanEndingDecisionIn
) -> BanEndingOut:
    """Four eyes: a reviewer who is not the proposer (with none of the proposer's tokens) carries it out or
    declines it."""
    return warden.manual_actions.decide_ban_ending(principal, proposal_id, body.agree, body.note)
