"""The way back over HTTP (S-D1–D5, S-D7): members drive their own unblocking; reviewers and auditors see all.

The platform's integration may act for a member (its app relays the member's taps); enterprise admins and
HR may look at their members' applications. Out of scope answers 403 whether or not the thing exists. The service
checks who may do what (`unblock.access`); the routes translate, with the answers' shapes from `unblock.views`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from warden.app import App
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep
from warden.kernel.inputs import Instant
from warden.unblock.service import Unblocking
from warden.unblock.views import (
    ApplicationList,
    ApplicationView,
    HelperConfirmation,
    HelperRequest,
    HelperRequestList,
    RateLimited,
    ThirdPartyReportAnswer,
)

router = APIRouter(prefix="/v1", tags=["unblocking"])
AppPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
TokenPath = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$")]
IdemHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=128, description="Repeat a request safely: same key, same answer."),
]

_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}}
THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": RateLimited,
        "description": "Too many requests from this caller (the edge's write budget, WARDEN_RATE_LIMIT_WRITES); "
        "Problem Details with Retry-After.",
        "headers": _RETRY_AFTER,
    }
}
"""Every write here may be refused by the edge's write budget (`entrypoints/http/throttle.py`)."""
GUESSES: dict[int | str, dict[str, Any]] = {
    429: {
        "model": RateLimited,
        "description": "Too many requests from this caller (the edge's write budget), or too many code checks for "
        "this phone number (unblocking.code.phone_guesses per guess_window): Problem Details with Retry-After.",
        "headers": _RETRY_AFTER,
    }
}


class UnblockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: str | None = Field(
        None, min_length=1, max_length=128, description="The account to unblock; a member may omit it (their own)."
    )


class HealthIn(BaseModel):
    """What the client reports about itself (S-D7)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"client_version": "4.1.30", "malware_flag": False, "plugin_signatures": [], "device_id": "dev-7f3a"}
            ]
        },
    )
    client_version: str = Field(pattern=r"^\d+(\.\d+){0,3}$", examples=["4.1.30"])
    malware_flag: bool = False
    plugin_signatures: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field([], max_length=50)
    device_id: str | None = Field(None, min_length=1, max_length=128)
    ip: str | None = Field(None, max_length=64)


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"code": "123456"}]})
    code: str = Field(pattern=r"^\d{4,10}$", examples=["123456"])


class HelpersIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"helper_ids": ["acc-staff-2", "acc-staff-3"]}]}
    )
    helper_ids: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(min_length=1, max_length=5)


class PlatformCheckIn(BaseModel):
    """The platform's own face/ID check of the requester (issue 15)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"kind": "face", "passed": True, "reference": "face-20261130-0042"}]},
    )
    kind: Literal["face", "id_document"] = Field(description="What the platform checked.")
    passed: StrictBool = Field(description="Whether the person matched (true or false; no strings, no numbers).")
    reference: str | None = Field(None, min_length=1, max_length=128, description="The platform's id of the check.")


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device_id: str | None = Field(None, min_length=1, max_length=128, description="The helper's device.")
    ip: str | None = Field(None, max_length=64, description="The helper's network address.")


class ThirdPartyIn(BaseModel):
    """The platform's report of a third-party unblock (S-D4), after the fact."""

    model_config = ConfigDict(extra="forbid")
    account_id: str = Field(min_length=1, max_length=128, description="The account that was unblocked.")
    platform: str = Field(min_length=1, max_length=128, description="The third-party platform it went through.")
    occurred_at: Instant | None = Field(
        None,
        description="When it happened (ISO 8601 with its zone; a number is refused); the report attaches to the "
        "newest unblock lifted at or before it.",
    )
    application_id: str | None = Field(None, min_length=1, max_length=64, description="The unblock, if known.")
    note: str | None = Field(None, max_length=2000)


def _service(warden: App) -> Unblocking:
    return warden.unblocking


@router.post("/unblocks", status_code=201, responses=THROTTLED)
def start_unblock(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    response: Response,
    idempotency_key: IdemHeader = None,
    body: UnblockIn | None = None,
) -> ApplicationView:
    """Apply to unblock (S-D1). What counts against the phone's cap (S-D3): every application that can succeed,
    whatever becomes of it. A request that cannot succeed (permanent ban, too early, enterprise restricted, not
    self-service) is refused before it is counted; one over the cap uses none; a retry of the same request (the
    account's live application for the same restrictions), with or without Idempotency-Key, answers 200 with that
    application (`Idempotent-Replayed: true`). The answer's `counted`, `counting` and `applications` say so."""
    svc = _service(warden)
    app_id, created = svc.apply(principal, body.account_id if body else None, idempotency_key)
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/v1/unblocks/{app_id}"
    return ApplicationView.model_validate(svc.view(principal, app_id, lang))


@router.get("/unblocks")
def list_unblocks(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    account_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ApplicationList:
    """An account's applications, newest first (members: their own)."""
    return ApplicationList.model_validate({"items": _service(warden).list_for(principal, account_id, lang, limit)})


@router.get("/unblocks/{app_id}")
def get_unblock(warden: WardenDep, principal: PrincipalDep, lang: LangDep, app_id: AppPath) -> ApplicationView:
    """Where the flow stands, what is left to do, and every reason in the chosen language."""
    return ApplicationView.model_validate(_service(warden).view(principal, app_id, lang))


@router.post("/unblocks/{app_id}/health-check", responses=THROTTLED)
def health_check(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, app_id: AppPath, body: HealthIn
) -> ApplicationView:
    """The client's health (S-D7): no malware, a supported version, no plug-ins. Failures say what to fix."""
    svc = _service(warden)
    svc.health_check(
        principal,
        app_id,
        client_version=body.client_version,
        malware_flag=body.malware_flag,
        plugin_signatures=body.plugin_signatures,
        device_id=body.device_id,
        ip=body.ip,
    )
    return ApplicationView.model_validate(svc.view(principal, app_id, lang))


@router.post("/unblocks/{app_id}/codes", status_code=202, responses=THROTTLED)
def send_code(warden: WardenDep, principal: PrincipalDep, lang: LangDep, app_id: AppPath) -> ApplicationView:
    """Send a one-time code to the bound phone (only its hash is stored)."""
    svc = _service(warden)
    svc.send_code(principal, app_id, lang)
    return ApplicationView.model_validate(svc.view(principal, app_id, lang))


@router.post("/unblocks/{app_id}/verification", responses=GUESSES)
def verify(warden: WardenDep, principal: PrincipalDep, lang: LangDep, app_id: AppPath, body: CodeIn) -> ApplicationView:
    """Check the code; with enough verification the restrictions lift (the strikes stay on the record).

    Every check counts (unblocking.code: `max_attempts` per code, `max_guesses` per application, `phone_guesses`
    per phone number per `guess_window`). A wrong code is a 422 naming `code` with the attempts left; the last one
    says the application is now refused (`state`, `refusal`); a phone number whose checks are spent is a 429 with
    Retry-After."""
    svc = _service(warden)
    svc.verify_code(principal, app_id, body.code, lang)
    return ApplicationView.model_validate(svc.view(principal, app_id, lang))


@router.post("/unblocks/{app_id}/helpers", responses=THROTTLED)
def nominate(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, app_id: AppPath, body: HelpersIn
) -> ApplicationView:
    """Name helpers (S-D2). Eligible ones get a single-use confirmation by message; refused ones show why."""
    svc = _service(warden)
    svc.nominate(principal, app_id, body.helper_ids, lang)
    return ApplicationView.model_validate(svc.view(principal, app_id, lang))


@router.post("/unblocks/{app_id}/platform-checks", responses=THROTTLED)
def platform_check(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, app_id: AppPath, body: PlatformCheckIn
) -> ApplicationView:
    """The platform reports its own face/ID check of the requester (platform role only; audited). A passed check
    counts as the `platform_check` method: under the default policy the SMS code AND a helper or this check lift
    the restriction (POLICY-DEFAULTS §2.4). A failed one is recorded and lifts nothing."""
    svc = _service(warden)
    svc.report_platform_check(principal, app_id, kind=body.kind, passed=body.passed, reference=body.reference)
    return ApplicationView.model_validate(svc.view(principal, app_id, lang))


@router.post("/helper-confirmations/{token}", responses=THROTTLED)
def confirm(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, token: TokenPath, body: ConfirmIn | None = None
) -> HelperConfirmation:
    """A helper confirms with the token they received (their own member token, or the platform for them)."""
    body = body or ConfirmIn()
    return HelperConfirmation.model_validate(_service(warden).confirm(principal, token, body.device_id, body.ip, lang))


@router.post("/helper-requests/{request_id}/decline", response_model=HelperRequest)
def decline(warden: WardenDep, principal: PrincipalDep, lang: LangDep, request_id: AppPath) -> HelperRequest:
    """The named helper declines a friend-assist request (`id` from `GET /v1/helper-requests`): it is `declined`,
    its confirmation code no longer works, and the requester reads why in their application (`helper.declined`).
    The helper's own member token, or the platform for them; anyone else 403. 409 when no longer pending."""
    return HelperRequest.model_validate(_service(warden).decline(principal, request_id, lang))


@router.get("/helper-requests")
def helper_requests(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    helper_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
) -> HelperRequestList:
    """What a helper was asked, and why they were refused when they were (members: their own)."""
    return HelperRequestList.model_validate({"items": _service(warden).helper_requests(principal, helper_id, lang)})


@router.post("/unblock-reports", status_code=201)
def report_third_party(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, response: Response, body: ThirdPartyIn
) -> ThirdPartyReportAnswer:
    """The platform reports, after the fact, that an account was unblocked through a third-party platform (S-D4).
    Platform role. The unblock is judged again at once (the report is a signal); the same report again is 200."""
    out = _service(warden).report_third_party(
        principal, body.account_id, body.platform, body.occurred_at, body.application_id, body.note, lang
    )
    if not out["created"]:
        response.status_code = 200
    response.headers["Location"] = f"/v1/unblocks/{out['report']['application_id']}"
    return ThirdPartyReportAnswer.model_validate(out)
