"""What an application and a helper request look like to the people following them, in the chosen language.
Pure: built from the stored rows (read by column name), the phone's quota and the policy.

The functions render plain dicts (what the service returns); the models describe the same shapes and are the HTTP
answers (`response_model`), validated from those dicts. Times are ISO 8601 strings."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from warden.enforcement.texts import Lang
from warden.kernel.timefmt import DEFAULT_TIMEZONE
from warden.unblock.policy import UnblockPolicy
from warden.unblock.rules import missing_methods
from warden.unblock.texts import STATE_TEXT, counting_text, explained, reversal_text


class _View(BaseModel):
    """An answer's shape: every key is declared (an undeclared one is an error, not silently dropped)."""

    model_config = ConfigDict(extra="forbid")


class UnblockReason(_View):
    """A refusal or a finding: its code, the values it names, and the sentence for people (zh/en)."""

    code: str
    params: dict[str, Any]
    text: str


class UnblockQuota(_View):
    """The phone's application cap (S-D3) as its owner reads it."""

    cap: int
    window_days: float
    used: int
    remaining: int
    next_slot_at: str | None = Field(description="When a slot frees up, once the cap is reached.")


class HealthReport(_View):
    """The last client health check (S-D7)."""

    at: str
    client_version: str
    failures: list[UnblockReason]
    malware_flag: bool
    ok: bool
    plugin_signatures: list[str]


class UnblockCode(_View):
    """The one-time code: whether one is outstanding, until when, attempts and sends left."""

    outstanding: bool
    expires_at: str | None
    attempts_left: int | None
    sends_left: int
    checks_left: int = Field(description="Code checks this application has left, all codes together (issue 12).")


class HelperRequestView(_View):
    """One helper request; `state` reads `expired` for a pending one past its expiry."""

    id: str = Field(description="The request's id: what a helper names to decline it")
    helper_id: str
    state: str = Field(description="pending | confirmed | refused | declined (by the helper) | expired")
    created_at: str
    expires_at: str | None
    confirmed_at: str | None
    refusals: list[UnblockReason]


class PlatformCheck(_View):
    """The platform's own face/ID check of the requester, as it reported it (issue 15)."""

    kind: str = Field(description="face | id_document")
    passed: bool
    reference: str | None = Field(description="The platform's own id of the check.")
    at: str
    by: str = Field(description="The reporting token's actor.")


class UnblockVerification(_View):
    """What verifies this application (S-D1): the allowed methods, the groups that must all be passed (each by one of
    its methods), what passed and what is still missing."""

    methods: list[str] = Field(description="Allowed: sms_code, friend_assist, platform_check.")
    required: int = Field(description="How many groups of `require` must pass (all of them).")
    require: list[list[str]] = Field(
        description="Each group is passed by one of its methods; default [[sms_code], [friend_assist, "
        "platform_check]] (POLICY-DEFAULTS §2.4)."
    )
    passed: list[str]
    missing: list[list[str]] = Field(description="The groups not passed yet; empty once verified.")
    platform_check: PlatformCheck | None
    code: UnblockCode
    helpers_required: int
    helpers: list[HelperRequestView]


class AbnormalSignal(UnblockReason):
    """One abnormal-unblock signal (S-D4) and its weight in the score."""

    weight: int | float
    at: str | None = Field(None, description="When the signal became true (the time of its evidence).")


class AbnormalVerdict(_View):
    """The standing abnormal-unblock judgement (S-D4) of a lift, as of the evidence known now."""

    abnormal: bool
    decided_at: str | None = Field(
        None, description="When the score first reached the threshold: the time of the evidence that tipped it."
    )
    score: int | float
    signals: list[AbnormalSignal]
    threshold: int | float


class ApplicationView(_View):
    """An unblock application as its owner follows it: state, what is left to do, every reason in `lang`."""

    id: str
    account_id: str
    state: str
    state_text: str
    created_at: str
    updated_at: str
    refusal: UnblockReason | None
    applications: UnblockQuota
    counted: bool = Field(
        description="Whether this application used one of the phone's applications (S-D3): every application that "
        "can succeed counts, whatever becomes of it; a request that cannot succeed (permanent ban, too early, "
        "enterprise restricted, not self-service, the enterprise's own outcome) is refused before it is counted, "
        "one over the cap uses none, and "
        "a retry of the same request (a live application for the same restrictions) is that application."
    )
    counting: str = Field(description="The same, in one sentence in `lang`.")
    earliest_at: str | None
    restrictions: list[str] = Field(description="The restrictions this application would lift.")
    health: HealthReport | None
    verification: UnblockVerification
    lifted_at: str | None
    reversed_at: str | None
    abnormal: AbnormalVerdict | None
    lang: Lang


class RateLimited(BaseModel):
    """A 429 Problem Details (RFC 9457): too many requests or code checks; `Retry-After` (seconds) says when to
    retry, and so does `retry_after`."""

    type: str
    title: str
    status: int = Field(429)
    detail: str
    retry_after: int = Field(description="Seconds until a retry can succeed (also the Retry-After header).")
    errors: list[dict[str, str]] | None = None
    limit: dict[str, Any] | None = Field(None, description="The edge's budget that is full (its name and rate).")


class ApplicationList(_View):
    items: list[ApplicationView]


class HelperReversal(_View):
    """The unblock this helper confirmed was judged abnormal and reversed (S-D4): why, told to the helper too."""

    reversed_at: str | None
    text: str
    signals: list[AbnormalSignal]


class HelperRequest(HelperRequestView):
    """What a helper was asked, by whom."""

    application_id: str
    requester_id: str
    reversal: HelperReversal | None = None


class ThirdPartyReport(_View):
    """The platform's report that an unblock went through a third-party platform (S-D4)."""

    id: str
    application_id: str
    account_id: str
    platform: str
    occurred_at: str | None
    reported_at: str
    note: str | None


class ThirdPartyReportAnswer(_View):
    """The report as stored, whether this call stored it, and the unblock as judged again with it."""

    report: ThirdPartyReport
    created: bool
    application: ApplicationView


class HelperRequestList(_View):
    items: list[HelperRequest]


class HelperConfirmation(_View):
    """A helper's confirmation: confirmed, or refused with every reason."""

    helper_state: str = Field(description="confirmed | refused")
    application_id: str
    refusals: list[UnblockReason]


def application_view(
    row: Any,
    helpers: list[Any],
    quota: dict[str, Any],
    pol: UnblockPolicy,
    now: datetime,
    lang: Lang,
    tz: str = DEFAULT_TIMEZONE,
) -> dict[str, Any]:
    """The flow as its owner follows it: `{id, account_id, state, state_text, refusal, applications (the quota),
    health, verification {methods, required, passed, code, helpers_required, helpers}, abnormal, …}`; times ISO in
    machine fields, in the policy's time zone `tz` in the sentences."""
    health = json.loads(row.health) if row.health else None
    if health is not None:
        health["failures"] = [explained(f["code"], f["params"], lang, tz) for f in health["failures"]]
    refusal = (
        explained(row.refusal_code, json.loads(row.refusal_params or "{}"), lang, tz) if row.refusal_code else None
    )
    abnormal = json.loads(row.abnormal) if row.abnormal else None
    if abnormal is not None:
        abnormal["signals"] = signals_view(abnormal["signals"], lang, tz)
    return {
        "id": row.id,
        "account_id": row.account_id,
        "state": row.state,
        "state_text": STATE_TEXT[row.state][lang],
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "refusal": refusal,
        "applications": quota,
        "counted": row.counted,
        "counting": counting_text(row.counted, row.refusal_code, pol.cap.max_applications, quota["window_days"], lang),
        "earliest_at": row.earliest_at.isoformat() if row.earliest_at else None,
        "restrictions": json.loads(row.targets),
        "health": health,
        "verification": {
            "methods": list(pol.verification.methods),
            "required": len(pol.verification.require),
            "require": [list(g) for g in pol.verification.require],
            "passed": json.loads(row.verified),
            "missing": missing_methods(pol.verification, json.loads(row.verified)),
            "platform_check": json.loads(row.platform_check) if row.platform_check else None,
            "code": {
                "outstanding": row.code_hash is not None
                and row.code_expires_at is not None
                and row.code_expires_at > now,
                "expires_at": row.code_expires_at.isoformat() if row.code_hash and row.code_expires_at else None,
                "attempts_left": (
                    max(0, min(pol.code.max_attempts - row.code_attempts, pol.code.max_guesses - row.code_guesses))
                    if row.code_hash
                    else None
                ),
                "sends_left": max(0, pol.code.max_sends - row.codes_sent),
                "checks_left": max(0, pol.code.max_guesses - row.code_guesses),
            },
            "helpers_required": pol.helpers.required,
            "helpers": [helper_view(r, now, lang, tz) for r in helpers],
        },
        "lifted_at": row.lifted_at.isoformat() if row.lifted_at else None,
        "reversed_at": row.reversed_at.isoformat() if row.reversed_at else None,
        "abnormal": abnormal,
        "lang": lang,
    }


def helper_view(r: Any, now: datetime, lang: Lang, tz: str = DEFAULT_TIMEZONE) -> dict[str, Any]:
    """One helper request: `{id, helper_id, state (pending past its expiry reads expired), created_at, expires_at,
    confirmed_at, refusals: [{code, params, text}]}`."""
    state = r.state
    if state == "pending" and r.expires_at is not None and r.expires_at <= now:
        state = "expired"
    return {
        "id": r.id,
        "helper_id": r.helper_id,
        "state": state,
        "created_at": r.created_at.isoformat(),
        "expires_at": r.expires_at.isoformat() if r.expires_at else None,
        "confirmed_at": r.confirmed_at.isoformat() if r.confirmed_at else None,
        "refusals": [explained(x["code"], x["params"], lang, tz) for x in json.loads(r.refusal_params or "[]")],
    }


def confirmation_view(result: dict[str, Any], lang: Lang, tz: str = DEFAULT_TIMEZONE) -> dict[str, Any]:
    """A helper's confirmation answer with each refusal explained (times in the policy's time zone `tz`)."""
    return result | {"refusals": [explained(r["code"], r["params"], lang, tz) for r in result["refusals"]]}


def signals_view(signals: list[dict[str, Any]], lang: Lang, tz: str = DEFAULT_TIMEZONE) -> list[dict[str, Any]]:
    """Stored abnormal signals with their sentences: `[{code, params, text, weight, at}]`."""
    return [explained(s["code"], s["params"], lang, tz) | {"weight": s["weight"], "at": s.get("at")} for s in signals]


def reversal_view(app: Any, lang: Lang, tz: str = DEFAULT_TIMEZONE) -> dict[str, Any] | None:
    """For a helper: the reversal of the unblock they confirmed, or None while it stands."""
    if app is None or app.state != "reversed":
        return None
    verdict = json.loads(app.abnormal) if app.abnormal else {"signals": []}
    return {
        "reversed_at": app.reversed_at.isoformat() if app.reversed_at else None,
        "text": reversal_text(app.account_id, lang),
        "signals": signals_view(verdict["signals"], lang, tz),
    }
