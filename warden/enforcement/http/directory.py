"""The directory: enterprises and their member accounts, as the platform registers them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from warden.enforcement.history import put_account as register_or_update
from warden.entrypoints.http.deps import PrincipalDep, WardenDep, require
from warden.kernel.access import Role
from warden.kernel.errors import Forbidden
from warden.kernel.inputs import Instant
from warden.kernel.model import Account, Enterprise

router = APIRouter(prefix="/v1", tags=["directory"])
IdPath = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@\-]+$")]


class EnterpriseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    verified: bool
    created_at: Instant


class EnterpriseOut(EnterpriseIn):
    id: str
    external_contacts: int


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enterprise_id: str = Field(min_length=1, max_length=128)
    phone: str = Field(pattern=r"^\+?\d{5,20}$", description="The bound phone number (digits, optional +)")
    real_name_verified: bool
    created_at: Instant
    avatar: str | None = Field(None, max_length=512)
    nickname: str | None = Field(None, max_length=512)
    external_card: str | None = Field(None, max_length=512)


class AccountOut(AccountIn):
    id: str


def enterprise_out(e: Enterprise) -> EnterpriseOut:
    return EnterpriseOut(
        id=e.id, name=e.name, verified=e.verified, created_at=e.created_at, external_contacts=e.external_contacts
    )


def account_out(a: Account) -> AccountOut:
    return AccountOut(
        id=a.id,
        enterprise_id=a.enterprise_id,
        phone=a.phone,
        real_name_verified=a.real_name_verified,
        created_at=a.created_at,
        avatar=a.avatar,
        nickname=a.nickname,
        external_card=a.external_card,
    )


@router.put("/enterprises/{enterprise_id}", response_model=EnterpriseOut)
def put_enterprise(
    warden: WardenDep, principal: PrincipalDep, enterprise_id: IdPath, body: EnterpriseIn, response: Response
) -> EnterpriseOut:
    """Register or update an enterprise (201 when new)."""
    require(principal, Role.PLATFORM)
    if warden.register_enterprise(
        Enterprise(enterprise_id, body.name, body.verified, body.created_at), principal.actor
    ):
        response.status_code = 201
    return enterprise_out(warden.get_enterprise(enterprise_id))


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseOut)
def get_enterprise(warden: WardenDep, principal: PrincipalDep, enterprise_id: IdPath) -> EnterpriseOut:
    if not principal.can_view_enterprise(enterprise_id):
        raise Forbidden("this token does not cover that enterprise")
    return enterprise_out(warden.get_enterprise(enterprise_id))


@router.put("/accounts/{account_id}", response_model=AccountOut)
def put_account(
    warden: WardenDep, principal: PrincipalDep, account_id: IdPath, body: AccountIn, response: Response
) -> AccountOut:
    """Register or update a member account (201 when new). Changes to avatar, nickname, external card and
    real-name verification of an existing account are ingested as the `profile_change` / `verification_change`
    events they amount to (dated now), so weight's profile stability (S-B1) counts them like the platform's."""
    require(principal, Role.PLATFORM)
    acc = Account(
        account_id,
        body.enterprise_id,
        body.phone,
        body.real_name_verified,
        body.created_at,
        body.avatar,
        body.nickname,
        body.external_card,
    )
    if register_or_update(warden, acc, principal.actor):  # profile edits count as profile_change events (issue 10)
        response.status_code = 201
    return account_out(warden.get_account(account_id))


def visible_account(warden: WardenDep, principal: PrincipalDep, account_id: str) -> Account:
    """The account if the caller may see it. Out of scope answers 403 whether or not it exists (no leak)."""
    from warden.kernel.errors import NotFound

    try:
        acc = warden.get_account(account_id)
    except NotFound:
        if principal.role in (Role.PLATFORM, Role.REVIEWER, Role.AUDITOR):
            raise
        raise Forbidden("this token does not cover that account") from None
    if not principal.can_view_account(acc.id, acc.enterprise_id):
        raise Forbidden("this token does not cover that account")
    return acc


@router.get("/accounts/{account_id}", response_model=AccountOut)
def get_account(warden: WardenDep, principal: PrincipalDep, account_id: IdPath) -> AccountOut:
    return account_out(visible_account(warden, principal, account_id))
