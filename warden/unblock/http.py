"""The way back over HTTP (S-D1–D5, S-D7): members drive their own unblocking; reviewers and auditors see all.

The platform's integration may act for a member (its app relays the member's taps); enterprise admins and
HR may look at their members' applications. Out of scope answers 403 whether or not the thing exists.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from warden.app import App
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep
from warden.kernel.errors import InvalidInput
from warden.kernel.events import FieldError
from warden.unblock.service import Unblocking
from warden.unblock.views import confirmation_view

router = APIRouter(prefix="/v1", tags=["unblocking"])
AppPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
TokenPath = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$")]
IdemHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=128, description="Repeat a request safely: same key, same answer."),
]


class UnblockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: str | None = Field(
        None, min_length=1, max_length=128, description="The account to unblock; a member may omit it (their own)."
    )


class HealthIn(BaseModel):
    """What the client reports about itself (S-D7)."""

    model_config = ConfigDict(extra="forbid")
    client_version: str = Field(pattern=r"^\d+(\.\d+){0,3}$", examples=["4.1.30"])
    malware_flag: bool = False
    plugin_signatures: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field([], max_length=50)
    device_id: str | None = Field(None, min_length=1, max_length=128)
    ip: str | None = Field(None, max_length=64)


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^\d{4,10}$", examples=["123456"])


class HelpersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    helper_ids: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(min_length=1, max_length=5)


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device_id: str | None = Field(None, min_length=1, max_length=128, description="The helper's device.")
    ip: str | None = Field(None, max_length=64, description="The helper's network address.")


def _service(warden: App) -> Unblocking:
    return warden.unblocking


@router.post("/unblocks", status_code=201)
def start_unblock(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    response: Response,
    idempotency_key: IdemHeader = None,
    body: UnblockIn | None = None,
) -> dict[str, Any]:
    """Apply to unblock (S-D1). Every application counts against the phone's monthly cap (S-D3), even a refused
    one; the answer shows how many remain. Refusals (permanent ban, too early, cap) carry the reason."""
    account_id = (body.account_id if body else None) or principal.account_id
    if account_id is None:
        raise InvalidInput("name the account to unblock", [_field("account_id", "required for this role")])
    _service(warden).check_drive(principal, account_id)
    app_id, created = _service(warden).apply(account_id, principal.actor, idempotency_key)
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/v1/unblocks/{app_id}"
    return _service(warden).view(app_id, lang)


def _field(name: str, message: str) -> FieldError:
    return FieldError(field=name, message=message)


@router.get("/unblocks")
def list_unblocks(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    account_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """An account's applications, newest first (members: their own)."""
    account_id = account_id or principal.account_id
    if account_id is None:
        raise InvalidInput("give account_id", [_field("account_id", "required for this role")])
    _service(warden).check_view(principal, account_id)
    return {"items": _service(warden).list_for(account_id, lang, limit)}


@router.get("/unblocks/{app_id}")
def get_unblock(warden: WardenDep, principal: PrincipalDep, lang: LangDep, app_id: AppPath) -> dict[str, Any]:
    """Where the flow stands, what is left to do, and every reason in the chosen language."""
    _service(warden).check_application(principal, app_id, drive=False)
    return _service(warden).view(app_id, lang)


@router.post("/unblocks/{app_id}/health-check")
def health_check(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, app_id: AppPath, body: HealthIn
) -> dict[str, Any]:
    """The client's health (S-D7): no malware, a supported version, no plug-ins. Failures say what to fix."""
    _service(warden).check_application(principal, app_id, drive=True)
    svc = _service(warden)
    svc.health_check(
        app_id,
        principal.actor,
        client_version=body.client_version,
        malware_flag=body.malware_flag,
        plugin_signatures=body.plugin_signatures,
        device_id=body.device_id,
        ip=body.ip,
    )
    return svc.view(app_id, lang)


@router.post("/unblocks/{app_id}/codes", status_code=202)
def send_code(warden: WardenDep, principal: PrincipalDep, lang: LangDep, app_id: AppPath) -> dict[str, Any]:
    """Send a one-time code to the bound phone (only its hash is stored)."""
    _service(warden).check_application(principal, app_id, drive=True)
    svc = _service(warden)
    svc.send_code(app_id, principal.actor, lang)
    return svc.view(app_id, lang)


@router.post("/unblocks/{app_id}/verification")
def verify(warden: WardenDep, principal: PrincipalDep, lang: LangDep, app_id: AppPath, body: CodeIn) -> dict[str, Any]:
    """Check the code; with enough verification the restrictions lift (the strikes stay on the record)."""
    _service(warden).check_application(principal, app_id, drive=True)
    svc = _service(warden)
    svc.verify_code(app_id, principal.actor, body.code)
    return svc.view(app_id, lang)


@router.post("/unblocks/{app_id}/helpers")
def nominate(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, app_id: AppPath, body: HelpersIn
) -> dict[str, Any]:
    """Name helpers (S-D2). Eligible ones get a single-use confirmation by message; refused ones show why."""
    _service(warden).check_application(principal, app_id, drive=True)
    svc = _service(warden)
    svc.nominate(app_id, principal.actor, body.helper_ids, lang)
    return svc.view(app_id, lang)


@router.post("/helper-confirmations/{token}")
def confirm(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, token: TokenPath, body: ConfirmIn | None = None
) -> dict[str, Any]:
    """A helper confirms with the token they received (their own member token, or the platform for them)."""
    svc = _service(warden)
    svc.check_confirm(principal, token)
    body = body or ConfirmIn()
    return confirmation_view(svc.confirm(token, principal.actor, body.device_id, body.ip), lang)


@router.get("/helper-requests")
def helper_requests(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    helper_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
) -> dict[str, Any]:
    """What a helper was asked, and why they were refused when they were (members: their own)."""
    helper_id = helper_id or principal.account_id
    if helper_id is None:
        raise InvalidInput("give helper_id", [_field("helper_id", "required for this role")])
    _service(warden).check_view(principal, helper_id)
    return {"items": _service(warden).helper_requests(helper_id, lang)}
