"""Word lists (S-A6): the platform's and each enterprise's, and screening a text to see what matches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from warden.entrypoints.http.deps import PrincipalDep, WardenDep
from warden.kernel.access import GLOBAL_ROLES, Principal, Role
from warden.kernel.errors import Conflict, Forbidden
from warden.screening import PLATFORM
from warden.service.warden import Warden

router = APIRouter(prefix="/v1", tags=["screening"])
ScopePath = Annotated[str, Path(min_length=1, max_length=128, description='"platform" or an enterprise id')]


class WordListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    terms: list[list[str]] = Field(default=[], description="[term, category, severity] triples", max_length=50_000)
    allow: list[str] = Field(default=[], description="Allow-list entries that win over overlapping hits")
    version: int | None = Field(None, description="The version you edited; 409 if the list moved on")


class ScreeningIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=10_000)
    enterprise_id: str | None = Field(None, description="Screen with this enterprise's lists too")


def _lists(warden: Warden) -> Any:
    if warden.word_lists is None:
        raise Conflict("word lists need the evasion-resistant engine (policy rules.sensitive_words.engine: evasion)")
    return warden.word_lists


def _may(principal: Principal, scope: str, write: bool) -> None:
    if scope == PLATFORM:
        allowed = {Role.PLATFORM, Role.REVIEWER} if write else GLOBAL_ROLES
        if principal.role not in allowed:
            raise Forbidden("the platform's lists are kept by platform reviewers")
        return
    if principal.role in ({Role.REVIEWER, Role.PLATFORM} if write else GLOBAL_ROLES):
        return
    if principal.role is Role.ENTERPRISE_ADMIN and principal.enterprise_id == scope:
        return
    raise Forbidden("this token does not cover that enterprise's lists")


@router.get("/word-lists/{scope}")
def get_word_list(warden: WardenDep, principal: PrincipalDep, scope: ScopePath) -> dict[str, Any]:
    """A scope's own terms and allow-list (on top of the shipped dictionaries and the policy's words)."""
    _may(principal, scope, write=False)
    return _lists(warden).get(scope)  # type: ignore[no-any-return]


@router.put("/word-lists/{scope}")
def put_word_list(warden: WardenDep, principal: PrincipalDep, scope: ScopePath, body: WordListIn) -> dict[str, Any]:
    """Replace a scope's lists. Takes effect at once, in every process, and is audited with what changed."""
    _may(principal, scope, write=True)
    return _lists(warden).put(scope, body.terms, body.allow, principal.actor, body.version)  # type: ignore[no-any-return]


@router.post("/screenings")
def screen_text(warden: WardenDep, principal: PrincipalDep, body: ScreeningIn) -> dict[str, Any]:
    """What the screener finds in a text, with offsets into the text as sent (for highlighting)."""
    scope = body.enterprise_id
    if scope is not None and not principal.can_view_enterprise(scope):
        raise Forbidden("this token does not cover that enterprise")
    screener = warden.rules.screener
    scoped = getattr(screener, "screen_in", None)
    hits = scoped(scope, body.text) if scoped else screener.screen(body.text)
    return {"text": body.text, "hits": [h.as_dict() for h in hits]}
