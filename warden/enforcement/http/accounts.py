"""What an account's owner (and those above them) may know: state, restrictions, evidence, advice (S-A7)."""

from __future__ import annotations

from fastapi import APIRouter

from warden.enforcement.http.directory import IdPath
from warden.enforcement.http.restrictions import Cursor, Limit
from warden.enforcement.views import Explanation, RestrictionPage
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep

router = APIRouter(prefix="/v1", tags=["accounts"])


@router.get("/accounts/{account_id}/explanation", response_model=Explanation)
def get_explanation(warden: WardenDep, principal: PrincipalDep, lang: LangDep, account_id: IdPath) -> Explanation:
    """Why the account is where it is: every active restriction with its rule and evidence, when it ends,
    whether and how it can be unblocked, and what to do now — in Chinese (default) or English."""
    return warden.enforcement.explanation(principal, account_id, lang)


@router.get("/accounts/{account_id}/restrictions", response_model=RestrictionPage)
def list_restrictions(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    account_id: IdPath,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RestrictionPage:
    """Every restriction the account ever had (lifted, ended and active), newest first, each with its evidence
    and the ids of the events that triggered it."""
    return warden.enforcement.account_restrictions(principal, account_id, lang, limit, cursor)
