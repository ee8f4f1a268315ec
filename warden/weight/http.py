"""Weight (S-B) over HTTP: the score of an account or an enterprise, each factor, advice on raising it, history.
Authenticate and translate only; access is `weight/access.py`, checked by the service.

Access: a member sees their own account; enterprise admins and HR see their enterprise and its members;
platform, reviewers and auditors see all. Out of tenant is 403 whether or not the thing exists.
"""

from __future__ import annotations

from fastapi import APIRouter

from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep
from warden.entrypoints.http.routes.directory import IdPath
from warden.weight.views import AccountWeight, EnterpriseWeight

router = APIRouter(prefix="/v1", tags=["weight"])

_EXAMPLE_FACTOR = {
    "code": "linked_login",
    "title": "Login via linked personal account on a real phone",
    "points": 5.0,
    "max": 10.0,
    "min": 0.0,
    "detail": {"logins": 4, "linked_real_phone": 2, "window_days": 30},
    "advice": "Only 2 of 4 logins in 30 days were through your linked personal WeChat on a real phone; …",
}


@router.get(
    "/accounts/{account_id}/weight",
    response_model=AccountWeight,
    responses={
        200: {
            "description": "The account's weight now (0–100), factor by factor, with advice and history.",
            "content": {
                "application/json": {
                    "example": {
                        "subject_type": "account",
                        "account_id": "acc-1",
                        "enterprise_id": "ent-1",
                        "score": 63.5,
                        "max": 100.0,
                        "factors": [_EXAMPLE_FACTOR],
                        "advice": [{"code": "linked_login", "gain": 5.0, "text": "…"}],
                        "used_by_rules": {"phone_search_limit_factor": 1.27},
                        "history": [{"date": "2026-11-24", "score": 60.1}],
                        "policy_hash": "…",
                        "as_of": "2026-11-25T08:00:00+00:00",
                        "lang": "en",
                    }
                }
            },
        }
    },
)
def get_account_weight(warden: WardenDep, principal: PrincipalDep, lang: LangDep, account_id: IdPath) -> AccountWeight:
    """How far the platform trusts this account (权重) and how to raise it (S-B1–B3): higher weight means
    higher adding limits (S-A1) and keeps the enterprise clear of the S-A5 cascade."""
    return warden.weight.account(principal, account_id, lang)


@router.get("/enterprises/{enterprise_id}/weight", response_model=EnterpriseWeight)
def get_enterprise_weight(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, enterprise_id: IdPath
) -> EnterpriseWeight:
    """The enterprise's weight: verification, its active members' weights, recently restricted members, age
    and its own penalties, with advice, history, the members holding it down and the S-A5 cascade bar."""
    return warden.weight.enterprise(principal, enterprise_id, lang)
