"""What an account's owner (and those above them) may know: state, restrictions, evidence, advice (S-A7)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from warden.domain.explain import explain_restriction
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep
from warden.entrypoints.http.routes.directory import IdPath, visible_account

router = APIRouter(prefix="/v1", tags=["accounts"])


@router.get("/accounts/{account_id}/explanation")
def get_explanation(warden: WardenDep, principal: PrincipalDep, lang: LangDep, account_id: IdPath) -> dict[str, Any]:
    """Why the account is where it is: every active restriction with its rule and evidence, when it ends,
    whether and how it can be unblocked, and what to do now — in Chinese (default) or English."""
    visible_account(warden, principal, account_id)
    return warden.explain(account_id, lang)


@router.get("/accounts/{account_id}/restrictions")
def list_restrictions(warden: WardenDep, principal: PrincipalDep, lang: LangDep, account_id: IdPath) -> dict[str, Any]:
    """Every restriction the account ever had (lifted, ended and active), newest first."""
    visible_account(warden, principal, account_id)
    now = warden.clock.now()
    items = sorted(warden.restrictions("account", account_id), key=lambda r: r.starts_at, reverse=True)
    return {
        "items": [
            explain_restriction(r, None, now, lang, warden.unblock_cap())
            | {"active": r.active_at(now), "lifted_at": r.lifted_at, "lift_reason": r.lift_reason}
            for r in items
        ]
    }
