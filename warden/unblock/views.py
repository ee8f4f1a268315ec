"""What an application and a helper request look like to the people following them, in the chosen language.
Pure: built from the stored rows (read by column name), the phone's quota and the policy."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from warden.enforcement.texts import Lang
from warden.unblock.policy import UnblockPolicy
from warden.unblock.texts import STATE_TEXT, explained


def application_view(
    row: Any, helpers: list[Any], quota: dict[str, Any], pol: UnblockPolicy, now: datetime, lang: Lang
) -> dict[str, Any]:
    """The flow as its owner follows it: `{id, account_id, state, state_text, refusal, applications (the quota),
    health, verification {methods, required, passed, code, helpers_required, helpers}, abnormal, …}`; times ISO."""
    health = json.loads(row.health) if row.health else None
    if health is not None:
        health["failures"] = [explained(f["code"], f["params"], lang) for f in health["failures"]]
    refusal = explained(row.refusal_code, json.loads(row.refusal_params or "{}"), lang) if row.refusal_code else None
    abnormal = json.loads(row.abnormal) if row.abnormal else None
    if abnormal is not None:
        abnormal["signals"] = [
            explained(s["code"], s["params"], lang) | {"weight": s["weight"]} for s in abnormal["signals"]
        ]
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
        "earliest_at": row.earliest_at.isoformat() if row.earliest_at else None,
        "restrictions": json.loads(row.targets),
        "health": health,
        "verification": {
            "methods": list(pol.verification.methods),
            "required": pol.verification.required,
            "passed": json.loads(row.verified),
            "code": {
                "outstanding": row.code_hash is not None
                and row.code_expires_at is not None
                and row.code_expires_at > now,
                "expires_at": row.code_expires_at.isoformat() if row.code_hash and row.code_expires_at else None,
                "attempts_left": pol.code.max_attempts - row.code_attempts if row.code_hash else None,
                "sends_left": max(0, pol.code.max_sends - row.codes_sent),
            },
            "helpers_required": pol.helpers.required,
            "helpers": [helper_view(r, now, lang) for r in helpers],
        },
        "lifted_at": row.lifted_at.isoformat() if row.lifted_at else None,
        "reversed_at": row.reversed_at.isoformat() if row.reversed_at else None,
        "abnormal": abnormal,
        "lang": lang,
    }


def helper_view(r: Any, now: datetime, lang: Lang) -> dict[str, Any]:
    """One helper request: `{helper_id, state (pending past its expiry reads expired), created_at, expires_at,
    confirmed_at, refusals: [{code, params, text}]}`."""
    state = r.state
    if state == "pending" and r.expires_at is not None and r.expires_at <= now:
        state = "expired"
    return {
        "helper_id": r.helper_id,
        "state": state,
        "created_at": r.created_at.isoformat(),
        "expires_at": r.expires_at.isoformat() if r.expires_at else None,
        "confirmed_at": r.confirmed_at.isoformat() if r.confirmed_at else None,
        "refusals": [explained(x["code"], x["params"], lang) for x in json.loads(r.refusal_params or "[]")],
    }


def confirmation_view(result: dict[str, Any], lang: Lang) -> dict[str, Any]:
    """A helper's confirmation answer with each refusal explained."""
    return result | {"refusals": [explained(r["code"], r["params"], lang) for r in result["refusals"]]}
