"""Event intake: one event with its decision, or a batch of up to 1,000 (S-A1…S-A7, idempotent by id)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, Field

from warden.domain.access import Role
from warden.domain.events import MAX_BATCH, Event
from warden.domain.explain import Lang, reason_text
from warden.domain.rules import Outcome
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep, require

router = APIRouter(prefix="/v1", tags=["events"])


class ReasonOut(BaseModel):
    code: str = Field(description="Stable machine code, e.g. velocity.hard_limit")
    rule: str
    spec: str
    level: str = Field(description="deny | warn | info")
    params: dict[str, Any]
    text: str = Field(description="The reason for a person, in the requested language")


class DecisionOut(BaseModel):
    event_id: str
    allowed: bool | None = Field(description="For contact requests and logins: may it go ahead. Null for others.")
    duplicate: bool = Field(description="True when this event id was ingested before; the first answer is replayed")
    reasons: list[ReasonOut]


class BatchIn(BaseModel):
    events: Annotated[list[Event], Field(max_length=MAX_BATCH, description=f"1 to {MAX_BATCH} events")]


class BatchOut(BaseModel):
    stored: int
    duplicates: int
    policy_hash: str
    decisions: list[DecisionOut]


def render(o: Outcome, lang: Lang) -> DecisionOut:
    return DecisionOut(
        event_id=o.event_id,
        allowed=o.allowed,
        duplicate=o.duplicate,
        reasons=[ReasonOut(**r.as_dict(), text=reason_text(r.code, r.params, lang)) for r in o.reasons],
    )


EXAMPLE = {
    "id": "evt-20261125-0001",
    "type": "contact_request",
    "occurred_at": "2026-11-25T08:00:00Z",
    "account_id": "acc-1001",
    "method": "phone_search",
    "target": "13800138000",
    "greeting": "您好，我是销售部的小王",
}


@router.post("/events", response_model=DecisionOut, status_code=201, responses={200: {"model": DecisionOut}})
def ingest_event(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    response: Response,
    event: Annotated[Event, Body(openapi_examples={"contact_request": {"value": EXAMPLE}})],
) -> DecisionOut:
    """Ingest one event and answer at once: may this contact request go out, is this login allowed, and why.

    The same event id sent again is stored and counted once; the first answer is replayed with 200.
    """
    require(principal, Role.PLATFORM)
    result = warden.ingest([event], actor=principal.actor)
    out = result.outcomes[0]
    if out.duplicate:
        response.status_code = 200
    return render(out, lang)


@router.post("/event-batches", response_model=BatchOut)
def ingest_batch(warden: WardenDep, principal: PrincipalDep, lang: LangDep, batch: BatchIn) -> BatchOut:
    """Ingest up to 1,000 events in one transaction: all are stored, or none (the errors name each field)."""
    require(principal, Role.PLATFORM)
    result = warden.ingest(batch.events, actor=principal.actor)
    return BatchOut(
        stored=result.stored,
        duplicates=result.duplicates,
        policy_hash=warden.loaded.hash,
        decisions=[render(o, lang) for o in result.outcomes],
    )
