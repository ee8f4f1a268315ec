"""The audit trail: read it page by page, and prove the chain intact (auditors, reviewers, platform)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from warden.enforcement.views import AuditPage, ChainVerification
from warden.entrypoints.http.deps import PrincipalDep, WardenDep

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("/entries", response_model=AuditPage)
def list_entries(
    warden: WardenDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="Opaque: pass next_cursor back")] = None,
) -> AuditPage:
    """Entries of every chain, newest first (by time, then chain, then seq); page with `next_cursor`."""
    return warden.enforcement.audit_page(principal, limit, cursor)


@router.get("/verification", response_model=ChainVerification)
def verify(warden: WardenDep, principal: PrincipalDep) -> ChainVerification:
    """Recompute every hash and every batch digest; names the first broken entry if any."""
    return warden.enforcement.verification(principal)
