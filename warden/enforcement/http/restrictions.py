"""Restriction history over HTTP (issue 10): an enterprise's restrictions, ended and lifted ones included, with
their evidence and the events that triggered them, newest first, paged (`cursor`, `limit`); an account's are in
`accounts`. Typed responses (`views.RestrictionPage`), so `/openapi.json` shows the shapes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from warden.enforcement.http.directory import IdPath
from warden.enforcement.views import RestrictionPage
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep

router = APIRouter(prefix="/v1", tags=["restrictions"])
Limit = Annotated[int, Query(ge=1, le=500, description="Page size (default 50, max 500).")]
Cursor = Annotated[str | None, Query(max_length=500, description="Opaque: pass `next_cursor` back.")]


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
    return warden.enforcement.enterprise_restrictions(principal, enterprise_id, lang, limit, cursor)
