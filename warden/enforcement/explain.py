"""Explanations for the person affected (S-A7): each restriction with its evidence, the account's state, what to
do, and whether and how it can be lifted early. Texts come from `warden.enforcement.texts` (a `Texts` catalogue
that bootstrap extends with other slices' titles and sentences). Pure: no I/O, no clock (`now` is passed in).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from warden.enforcement.texts import (
    ADVICE,
    APPEAL_WAY_TEXT,
    CORE,
    ENTERPRISE_STATE_TEXT,
    SCOPE_TEXT,
    Lang,
    Texts,
    cascade_evidence,
)
from warden.kernel.model import ENTERPRISE_OUTCOME_RULES, Restriction, Scope, Strike
from warden.kernel.timefmt import DEFAULT_TIMEZONE, when


def triggering_event_ids(r: Restriction, strike: Strike | None) -> list[str]:
    """The events behind a restriction, the one that crossed the line first: the strike's `event_id` (for an
    enterprise restriction without its strike at hand, the evidence's `event_id`), then the evidence's
    `event_ids` (the window's events, up to 20). Empty for a reviewer's manual strike."""
    first = strike.event_id if strike is not None else r.evidence.get("event_id")
    ids = ([first] if first else []) + [i for i in r.evidence.get("event_ids", []) if isinstance(i, str)]
    return list(dict.fromkeys(ids))


def refusal(reason: Any, lang: Lang, texts: Texts = CORE) -> dict[str, Any]:
    """A standing refusal (no restriction behind it, e.g. the unverified-enterprise cap), for the explanation:
    `{code, rule, spec, params, text, advice}`."""
    return {
        "code": reason.code,
        "rule": reason.rule,
        "spec": reason.spec,
        "params": reason.params,
        "text": texts.reason_text(reason.code, reason.params, lang),
        "advice": ADVICE.lookup(reason.rule, lang, ""),
    }


def restriction_reason_code(r: Restriction) -> str:
    ev = r.evidence
    if r.rule_id == "phone_search_velocity":
        return "velocity.hard_limit"
    if r.rule_id == "sensitive_words":
        return "greeting.sensitive"
    if r.rule_id == "reports":
        return "reports.negative_feedback" if "negative" in ev else "reports.threshold"
    if r.rule_id == "plugin_software":
        return "plugin.detected"
    if r.rule_id == "manual":  # the reviewer's reason is the evidence
        return "manual.reviewer"
    if r.rule_id == "cascade" and ev.get("why") in ("members", "share", "severe"):
        return f"cascade.{ev['why']}"
    return r.rule_id


def unblock_text(
    r: Restriction,
    now: datetime,
    lang: Lang,
    cap: tuple[int, int] | None = None,
    tz: str = DEFAULT_TIMEZONE,
    texts: Texts = CORE,
) -> dict[str, Any]:
    """Whether and how the restriction can be lifted early; `cap` is the policy's (applications, window days).
    A restriction another party decided (`texts.ways_back`, e.g. the enterprise's deregistration) says who and whom
    to contact (`how: contact_enterprise`): neither self-service nor an appeal to the platform lifts it."""
    zh = lang == "zh"
    way_back = texts.ways_back.get(r.rule_id)
    if way_back is not None:
        return {"possible": False, "how": "contact_enterprise", "earliest_at": None, "text": way_back(r.evidence, lang)}
    if r.subject_type == "enterprise":
        return {
            "possible": False,
            "how": "appeal",
            "earliest_at": None,
            "text": ADVICE["cascade"][lang],
        }
    if r.permanent:
        return {
            "possible": False,
            "how": "appeal",
            "earliest_at": None,
            "text": "严重违规，永久封停，不可解封；如确认没有违规，可在期限内申诉。"
            if zh
            else "Severe violation: permanent and cannot be unblocked; if you did not violate, you may appeal in time.",
        }
    if not r.self_unblock:
        return {
            "possible": False,
            "how": "wait",
            "earliest_at": None,
            "text": f"到期自动解除：{when(r.ends_at, lang, tz) if r.ends_at else ''}。"
            if zh
            else f"Lifts by itself at {when(r.ends_at, lang, tz) if r.ends_at else ''}.",
        }
    earliest = r.earliest_unblock_at
    at = earliest.isoformat() if earliest and earliest > now else None  # the field: ISO; the sentence: local
    said = when(earliest, lang, tz) if earliest and earliest > now else None
    if zh:
        text = (
            "可通过自助解封（手机检测 + 短信验证码，以及好友辅助或平台人脸/身份核验）提前解除"
            + (f"，最早 {said} 起可申请" if said else "")
            + (f"；同一手机号 {cap[1]} 天内最多申请 {cap[0]} 次。" if cap else "。")
        )
    else:
        text = (
            "You can lift it early through self-service unblocking (client check + a code, and friend assistance "
            "or the platform's face/ID check)"
            + (f", from {said}" if said else "")
            + (f"; at most {cap[0]} applications per phone number in {cap[1]} days." if cap else ".")
        )
    return {"possible": True, "how": "self_service", "earliest_at": at, "text": text}


def over_text(r: Restriction, now: datetime, lang: Lang, tz: str = DEFAULT_TIMEZONE) -> dict[str, Any]:
    """The lifting of a restriction no longer in force at `now` (lifted, or past its end): nothing to do, said as
    when it ended; a lifted one's why is its strike's (`status_reason`: voided, overturned, superseded …)."""
    lifted = r.lifted_at is not None and r.lifted_at <= now
    at = when(r.lifted_at if lifted and r.lifted_at else (r.ends_at or now), lang, tz)
    if lang == "zh":
        text = f"已于{at}解除。" if lifted else f"已于{at}到期解除。"
    else:
        text = f"Lifted on {at}." if lifted else f"Ended on {at}."
    return {"possible": False, "how": "over", "earliest_at": None, "text": text}


def account_state(restrictions: list[Restriction]) -> str:
    if not restrictions:
        return "normal"
    widest = max(restrictions, key=lambda r: list(Scope).index(r.scope)).scope
    return {
        Scope.ADD_CONTACTS: "paused",
        Scope.FEATURES: "restricted",
        Scope.LOGIN: "login_restricted",
        Scope.ACCOUNT: "banned",
    }[widest]


def explain_restriction(
    r: Restriction,
    strike: Strike | None,
    now: datetime,
    lang: Lang,
    cap: tuple[int, int] | None = None,
    full: bool = False,
    texts: Texts = CORE,
    tz: str = DEFAULT_TIMEZONE,
    hits_detail: bool | None = None,
) -> dict[str, Any]:
    """One restriction as the affected side reads it (times in its sentences in `tz`, the policy's zone). A
    cascade's evidence is cut to its numbers unless `full`
    (reviewers, auditors, the enterprise's admins and HR may see which members and events it counted). Screening
    hits keep how each matched (`channel`, `intent`) only with `hits_detail` (default: `full`): a member reads what
    matched, not which disguise was recognised."""
    rule = r.rule_id
    title = texts.title(rule, lang)
    code = restriction_reason_code(r)
    ev = dict(r.evidence)
    hide = rule == "cascade" and not full
    if hide:  # an explanation may reach any member: the numbers, not the colleagues (issue 10)
        ev = cascade_evidence(ev)
    if not (full if hits_detail is None else hits_detail) and isinstance(ev.get("hits"), list):
        ev["hits"] = [
            {k: v for k, v in h.items() if k not in ("channel", "intent", "techniques")} if isinstance(h, dict) else h
            for h in ev["hits"]
        ]
    return {
        "id": r.id,
        "subject_type": r.subject_type,
        "subject_id": r.subject_id,
        "rule": rule,
        "spec": ev.get("spec") or (strike.evidence.get("spec") if strike else None),
        "rule_title": title,
        "scope": r.scope.value,
        "scope_text": title if rule in ENTERPRISE_OUTCOME_RULES else SCOPE_TEXT[r.scope][lang],
        "step": r.step,
        "strike_id": r.strike_id,
        "severity": strike.severity if strike else None,
        "policy_hash": strike.policy_hash if strike else None,
        "reason_text": texts.reason_text(code, ev, lang) if code != rule else title,
        "evidence": ev,
        # a cascade's events are colleagues' doings: a member is told the numbers, not whose events
        "event_ids": [] if hide else triggering_event_ids(r, strike),
        "starts_at": r.starts_at.isoformat(),
        "ends_at": r.ends_at.isoformat() if r.ends_at else None,
        "remaining_seconds": int((r.ends_at - now).total_seconds()) if r.ends_at else None,
        "unblock": unblock_text(r, now, lang, cap, tz, texts),
    }


def enterprise_state(
    enterprise_id: str, active: list[Restriction], reasons: list[str], timezone: str, lang: Lang
) -> dict[str, Any]:
    """The enterprise's standing (issue 15): restricted or not, why (`reasons`, one sentence per restriction in
    force), since the earliest start, until the last end (None when one is open-ended: it ends only on appeal),
    both also in the policy's timezone."""
    since = min((r.starts_at for r in active), default=None)
    open_ended = any(r.ends_at is None for r in active)
    until = None if open_ended or not active else max(r.ends_at for r in active if r.ends_at)
    if not active:
        text = ENTERPRISE_STATE_TEXT["normal"][lang]
    else:
        assert since is not None
        end = (
            ENTERPRISE_STATE_TEXT["open_ended"][lang]
            if until is None
            else ENTERPRISE_STATE_TEXT["until"][lang].format(until=when(until, lang, timezone))
        )
        sep = "；" if lang == "zh" else "; "
        text = ENTERPRISE_STATE_TEXT["restricted"][lang].format(
            since=when(since, lang, timezone), reasons=sep.join(reasons), until=end
        )
    return {
        "restricted": bool(active),
        "restrictions": len(active),
        "reasons": reasons,
        "since": since,
        "until": until,
        "since_local": when(since, lang, timezone) if since else None,
        "until_local": when(until, lang, timezone) if until else None,
        "timezone": timezone,
        "text": text,
        "restrictions_url": f"/v1/enterprises/{enterprise_id}/restrictions",
    }


def appeal_way(strike_id: str | None, active: bool, lang: Lang) -> dict[str, Any]:
    """How the enterprise's admin appeals one of its restrictions: name its strike in `POST /v1/appeals`."""
    if not active:
        return {"possible": False, "strike_id": strike_id, "route": None, "text": APPEAL_WAY_TEXT["ended"][lang]}
    if strike_id is None:
        return {"possible": False, "strike_id": None, "route": None, "text": APPEAL_WAY_TEXT["none"][lang]}
    return {
        "possible": True,
        "strike_id": strike_id,
        "route": "POST /v1/appeals",
        "text": APPEAL_WAY_TEXT["enterprise"][lang].format(strike=strike_id),
    }


def advice_for(
    restrictions: list[Restriction],
    account_verified: bool,
    enterprise_verified: bool,
    lang: Lang,
    refusals: Sequence[str] = (),
) -> list[dict[str, str]]:
    """What to do, most pressing first; `refusals` are the rules of standing refusals (the S-A4 cap)."""
    keys: list[str] = []
    if restrictions:
        keys.append("check_first")
    for r in restrictions:
        key = "cascade" if r.subject_type == "enterprise" else r.rule_id
        if key in ADVICE and key not in keys:
            keys.append(key)
    for rule in refusals:
        if rule in ADVICE and rule not in keys:
            keys.append(rule)
    if not account_verified:
        keys.append("unverified_account")
    if not enterprise_verified and "unverified_enterprise_cap" not in keys:
        keys.append("unverified_enterprise")
    return [{"code": k, "text": ADVICE[k][lang]} for k in keys]
