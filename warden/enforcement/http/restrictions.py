"""Restriction history over HTTP (issue 10): an enterprise's and an account's restrictions, ended and lifted ones
included, with their evidence and the events that triggered them, newest first, paged (`cursor`, `limit`).

Typed responses, so `/openapi.json` shows the shapes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from warden.app import App
from warden.enforcement.explain import explain_restriction
from warden.enforcement.history import restriction_page
from warden.enforcement.http.directory import IdPath
from warden.enforcement.texts import Lang
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep
from warden.kernel.access import GLOBAL_ROLES, Role
from warden.kernel.errors import Forbidden
from warden.kernel.model import Restriction, Strike

router = APIRouter(prefix="/v1", tags=["restrictions"])
Limit = Annotated[int, Query(ge=1, le=500, description="Page size (default 50, max 500).")]
Cursor = Annotated[str | None, Query(max_length=500, description="Opaque: pass `next_cursor` back.")]

ENTERPRISE_READERS = {Role.ENTERPRISE_ADMIN, Role.HR}  # besides platform, reviewer, auditor


class UnblockOut(BaseModel):
    possible: bool = Field(description="Whether the restriction can be lifted early.")
    how: str = Field(description="self_service | appeal | wait")
    earliest_at: str | None = Field(description="Earliest time to apply (ISO 8601), if later than now.")
    text: str


class RestrictionOut(BaseModel):
    """One restriction with its rule, evidence and triggering events, as the affected side reads it."""

    id: str
    subject_type: str = Field(description="account | enterprise")
    subject_id: str
    rule: str = Field(description="The rule id (phone_search_velocity, reports, cascade, manual …).")
    spec: str | None = Field(description="The requirement it implements (S-A1 …).")
    rule_title: str
    scope: str = Field(description="add_contacts | features | login | account")
    scope_text: str
    step: int = Field(description="Ladder step 0–5 (5: permanent).")
    strike_id: str | None
    severity: str | None = Field(description="The strike's severity class (L, M, P, S …).")
    policy_hash: str | None
    reason_text: str
    evidence: dict[str, Any] = Field(description="The values that made the rule fire, as stored.")
    event_ids: list[str] = Field(
        description="Triggering events: the strike's event first, then the window's events from the evidence."
    )
    starts_at: str
    ends_at: str | None = Field(description="None: permanent.")
    remaining_seconds: int | None
    unblock: UnblockOut
    active: bool
    lifted_at: datetime | None
    lift_reason: str | None


class RestrictionPage(BaseModel):
    items: list[RestrictionOut]
    next_cursor: str | None = Field(description="Pass back as `cursor` for the next page; None on the last.")


def restriction_out(
    w: App, r: Restriction, strike: Strike | None, now: datetime, lang: Lang, full: bool = False
) -> dict[str, Any]:
    """`full`: the reader may see whom a cascade counted (not a member reading their own account)."""
    return explain_restriction(r, strike, now, lang, w.unblock_cap(), full, w.texts) | {
        "active": r.active_at(now),
        "lifted_at": r.lifted_at,
        "lift_reason": r.lift_reason,
    }


def page_out(
    w: App, subject_type: str, subject_id: str, lang: Lang, limit: int, cursor: str | None, full: bool = False
) -> RestrictionPage:
    items, nxt = restriction_page(w, subject_type, subject_id, limit, cursor)
    now = w.clock.now()
    return RestrictionPage(
        items=[RestrictionOut.model_validate(restriction_out(w, r, s, now, lang, full)) for r, s in items],
        next_cursor=nxt,
    )


@router.get("/enterprises/{enterprise_id}/restrictions", response_model=RestrictionPage)
def list_enterprise_restrictions(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    enterprise_id: IdPath,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RestrictionPage:
    """The enterprise's own restrictions (cascades, reviewers' enterprise penalties), ended and lifted ones
    included, with evidence and triggering events, newest first. Platform, reviewers, auditors, and the
    enterprise's admins and HR; any other caller gets 403 whether or not the enterprise exists."""
    if principal.role not in GLOBAL_ROLES and not (
        principal.role in ENTERPRISE_READERS and principal.enterprise_id == enterprise_id
    ):
        raise Forbidden("this token does not cover that enterprise")
    warden.get_enterprise(enterprise_id)  # 404 for the global roles
    return page_out(warden, "enterprise", enterprise_id, lang, limit, cursor, full=True)
