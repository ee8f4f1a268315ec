"""The API tokens, listed for the platform role: who holds each, its role and scope, when it was made, when it
expires, when it was last used and whether it was revoked — never a secret (issue 12)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from warden.enforcement.views import Me, TokenPage
from warden.entrypoints.http.deps import PrincipalDep, WardenDep

router = APIRouter(prefix="/v1", tags=["tokens"])


@router.get("/tokens", response_model=TokenPage)
def list_tokens(
    warden: WardenDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size (default 50, max 500).")] = 50,
    cursor: Annotated[str | None, Query(max_length=32, description="Opaque: pass `next_cursor` back.")] = None,
) -> TokenPage:
    """Every token by id, expired and revoked ones included (platform only)."""
    return warden.tokens.tokens(principal, limit, cursor)


@router.get("/me", response_model=Me)
def me(warden: WardenDep, principal: PrincipalDep) -> Me:
    """Who this token speaks for: role, scope, the holder's name and the policy's time zone (any valid token)."""
    return warden.tokens.whoami(principal, warden.loaded.policy.timezone)
