"""The directory: enterprises and their member accounts, as the platform registers them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from warden.enforcement.views import AccountIn, AccountOut, EnterpriseIn, EnterpriseOut
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep
from warden.kernel.events import ID_PATTERN
from warden.kernel.model import Account, Enterprise

router = APIRouter(prefix="/v1", tags=["directory"])
IdPath = Annotated[str, Path(min_length=1, max_length=128, pattern=ID_PATTERN)]


@router.put("/enterprises/{enterprise_id}", response_model=EnterpriseOut)
def put_enterprise(
    warden: WardenDep, principal: PrincipalDep, enterprise_id: IdPath, body: EnterpriseIn, response: Response
) -> EnterpriseOut:
    """Register or update an enterprise (201 when new)."""
    enterprise = Enterprise(enterprise_id, body.name, body.verified, body.created_at)
    out, created = warden.enforcement.put_enterprise(principal, enterprise)
    if created:
        response.status_code = 201
    return out


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseOut)
def get_enterprise(warden: WardenDep, principal: PrincipalDep, lang: LangDep, enterprise_id: IdPath) -> EnterpriseOut:
    """The enterprise; its admins and the platform roles also get its `state` (restricted? why, since, until, in
    the policy's timezone), and each restriction with its evidence and appeal at `state.restrictions_url`."""
    return warden.enforcement.enterprise(principal, enterprise_id, lang)


@router.put("/accounts/{account_id}", response_model=AccountOut)
def put_account(
    warden: WardenDep, principal: PrincipalDep, account_id: IdPath, body: AccountIn, response: Response
) -> AccountOut:
    """Register or update a member account (201 when new). Changes to avatar, nickname, external card and
    real-name verification of an existing account are ingested as the `profile_change` / `verification_change`
    events they amount to (dated now), so weight's profile stability (S-B1) counts them like the platform's."""
    account = Account(
        account_id,
        body.enterprise_id,
        body.phone,
        body.real_name_verified,
        body.created_at,
        body.avatar,
        body.nickname,
        body.external_card,
    )
    out, created = warden.enforcement.put_account(principal, account)
    if created:
        response.status_code = 201
    return out


@router.get("/accounts/{account_id}", response_model=AccountOut)
def get_account(warden: WardenDep, principal: PrincipalDep, account_id: IdPath) -> AccountOut:
    return warden.enforcement.account(principal, account_id)
