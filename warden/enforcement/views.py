"""The core feature's answers (and the directory's request bodies) as pydantic models: what the services return
and the HTTP routes declare as `response_model`, so `/openapi.json` describes every answer. Pure.

Times are ISO 8601 strings (UTC) unless typed `datetime`; `lang` is zh or en; texts for people are in that language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from warden.enforcement.texts import Lang
from warden.kernel.inputs import Instant
from warden.kernel.model import Account, Enterprise, Strike

# --- system ------------------------------------------------------------------------------------------------------


class Ping(BaseModel):
    ok: bool


class PolicyInForce(BaseModel):
    """The policy in force, in full (the platform's roles: platform, reviewer, auditor): its label, the SHA-256 of
    its file (the version every decision records), where the server read it from, and its content."""

    version: str
    hash: str
    source: str
    policy: dict[str, Any]


class RuleSummary(BaseModel):
    rule: str = Field(description="The rule's stable id, as reasons name it (e.g. phone_search_velocity)")
    spec: str = Field(description="The specification it implements (e.g. S-A1)")
    title: str = Field(description="What it forbids, for a person, in the requested language")


class PolicySummary(BaseModel):
    """The policy in force as members and enterprise roles see it: its label, its hash (the version decisions
    record), and what it forbids in words; no thresholds, no server path."""

    version: str
    hash: str
    rules: list[RuleSummary]


# --- events ------------------------------------------------------------------------------------------------------


class ReasonOut(BaseModel):
    code: str = Field(description="Stable machine code, e.g. velocity.hard_limit")
    rule: str
    spec: str
    level: str = Field(description="deny | warn | info")
    params: dict[str, Any]
    text: str = Field(description="The reason for a person, in the requested language")


class DecisionOut(BaseModel):
    event_id: str
    allowed: bool | None = Field(description="For contact requests and logins: may it go ahead. Null for others.")
    duplicate: bool = Field(description="True when this event id was ingested before; the first answer is replayed")
    reasons: list[ReasonOut]


class BatchOut(BaseModel):
    stored: int
    duplicates: int
    policy_hash: str
    decisions: list[DecisionOut]


# --- the directory -----------------------------------------------------------------------------------------------


class EnterpriseIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "华光科技有限公司", "verified": True, "created_at": "2024-03-01T09:00:00+08:00"}]
        },
    )
    name: str = Field(min_length=1, max_length=200)
    verified: bool
    created_at: Instant


class EnterpriseState(BaseModel):
    """The enterprise's standing as its admin reads it (issue 15): restricted or not, why, since and until when,
    in the policy's timezone; each restriction with its evidence and appeal is at `restrictions_url`."""

    restricted: bool
    restrictions: int = Field(description="Restrictions of the enterprise in force now.")
    reasons: list[str] = Field(description="Each restriction's reason sentence, in the caller's language.")
    since: datetime | None = Field(description="When the earliest restriction in force began.")
    until: datetime | None = Field(description="When the last one ends; None while restricted: only on appeal.")
    since_local: str | None = Field(description="`since` in the policy's timezone, as people read it.")
    until_local: str | None
    timezone: str = Field(description="The policy's timezone (IANA name).")
    text: str
    restrictions_url: str = Field(description="Each restriction with its evidence and the strike id to appeal.")


class EnterpriseOut(EnterpriseIn):
    id: str
    external_contacts: int
    state: EnterpriseState | None = Field(
        None, description="Only for the enterprise's admins and the platform roles (reviewers, auditors, platform)."
    )


class AccountIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "enterprise_id": "ent-huaguang",
                    "phone": "13800138000",
                    "real_name_verified": True,
                    "created_at": "2025-06-01T09:00:00+08:00",
                    "nickname": "张敏",
                }
            ]
        },
    )
    enterprise_id: str = Field(min_length=1, max_length=128)
    phone: str = Field(
        min_length=1,
        max_length=40,
        description="The bound phone number, as written (13800138000, +86 138 0013 8000, 008613800138000 …); "
        "stored and answered in E.164 (+8613800138000), read in the region WARDEN_PHONE_REGION (CN) when it has "
        "no country code. Not a valid number: 422 naming `phone`.",
    )
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


def strike_record(s: Strike) -> dict[str, Any]:
    """A strike as the explanation and the desk's case history list it: id, rule, severity, step, at (ISO),
    status."""
    return {
        "id": s.id,
        "rule": s.rule_id,
        "severity": s.severity,
        "step": s.step,
        "at": s.at.isoformat(),
        "status": s.status.value,
    }


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


# --- restrictions and the explanation ----------------------------------------------------------------------------


class UnblockOut(BaseModel):
    possible: bool = Field(description="Whether the restriction can be lifted early.")
    how: str = Field(
        description="self_service | appeal | wait | contact_enterprise (the enterprise decided it: ask its HR) | "
        "over (no longer in force: lifted or ended)"
    )
    earliest_at: str | None = Field(description="Earliest time to apply (ISO 8601), if later than now.")
    text: str


class ExplainedRestriction(BaseModel):
    """One restriction with its rule, evidence and triggering events, as the affected side reads it
    (`explain.explain_restriction`)."""

    id: str
    subject_type: str = Field(description="account | enterprise")
    subject_id: str
    rule: str = Field(description="The rule id (phone_search_velocity, reports, cascade, manual …).")
    spec: str | None = Field(description="The requirement it implements (S-A1 …).")
    rule_title: str
    scope: str = Field(description="add_contacts | features | login | account")
    scope_text: str
    step: int = Field(description="Ladder step 0–5 (5: permanent).")
    strike_id: str | None
    severity: str | None = Field(description="The strike's severity class (L, M, P, S …).")
    policy_hash: str | None
    reason_text: str
    evidence: dict[str, Any] = Field(description="The values that made the rule fire, as stored.")
    event_ids: list[str] = Field(
        description="Triggering events: the strike's event first, then the window's events from the evidence."
    )
    starts_at: str
    ends_at: str | None = Field(description="None: permanent.")
    remaining_seconds: int | None
    unblock: UnblockOut


class AppealWay(BaseModel):
    """How an enterprise restriction is appealed (issue 15): the strike id to name in `POST /v1/appeals`."""

    possible: bool
    strike_id: str | None = Field(description="The strike to appeal (`strike_id` of `POST /v1/appeals`).")
    route: str | None = Field(description="`POST /v1/appeals` when possible.")
    text: str


class RestrictionOut(ExplainedRestriction):
    """One restriction of a subject's history: as explained, with whether it holds now and its lifting."""

    active: bool
    lifted_at: datetime | None
    lift_reason: str | None
    appeal: AppealWay | None = Field(None, description="An enterprise restriction's way to appeal (issue 15).")


class RestrictionPage(BaseModel):
    items: list[RestrictionOut]
    next_cursor: str | None = Field(description="Pass back as `cursor` for the next page; None on the last.")


class ExplanationRefusal(BaseModel):
    """A standing refusal: no restriction behind it, yet the account's adds are refused (the S-A4 cap)."""

    code: str
    rule: str
    spec: str
    params: dict[str, Any]
    text: str
    advice: str


class ExplanationAdvice(BaseModel):
    code: str
    text: str


class ExplanationStrike(BaseModel):
    """One of the account's own strikes, active or not."""

    id: str
    rule: str
    severity: str
    step: int
    at: str
    status: str = Field(
        description="active | voided | overturned | superseded (withdrawn by the system: read as never made)"
    )
    status_reason: str | None
    event_id: str | None


class Explanation(BaseModel):
    """Everything an account's owner needs to know (S-A7): its state, each active restriction with evidence,
    standing refusals, what to do, and its strikes; as of `as_of` under the policy `policy_hash`."""

    account_id: str
    enterprise_id: str
    state: str = Field(description="normal | capped | paused | restricted | login_restricted | banned")
    state_text: str
    can_add_contacts: bool
    can_login: bool
    restrictions: list[ExplainedRestriction]
    refusals: list[ExplanationRefusal]
    advice: list[ExplanationAdvice]
    strikes: list[ExplanationStrike]
    policy_hash: str
    as_of: str
    lang: Lang


# --- the audit trail ---------------------------------------------------------------------------------------------


class AuditEntryOut(BaseModel):
    """One entry of a hash chain: `hash` = SHA-256 over `prev_hash` and the entry's canonical content."""

    chain: int = Field(
        description="Which chain (issue 17): 0 the platform's (manual actions, policy, the directory), p + 1 "
        "partition p's; `seq` counts within the chain."
    )
    seq: int
    at: datetime
    actor: str
    actor_label: str | None = Field(
        default=None, description="The person's name for `actor` (`demo reviewer 甲`); the raw actor stays beside it."
    )
    action: str
    subject: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    items: list[AuditEntryOut] = Field(
        description="Entries of every chain, newest first: by `at`, then `chain`, then `seq`, all descending."
    )
    next_cursor: str | None = Field(
        description="Pass back as `cursor` for the next page; None when this page is short."
    )


class ChainVerification(BaseModel):
    """The audit trail proved (`warden audit verify`): `ok`, how many entries were read, the first broken entry (its
    seq) or state row (`table`, `key`: JSON of its key columns) and why, and the newest entry a signed checkpoint
    covers (`signed_head`); `warning`: what an intact answer cannot rule out (no anchor outside the database)."""

    ok: bool
    checked: int
    first_broken: int | None
    problem: str | None
    table: str | None = None
    key: str | None = None
    signed_head: int | None = None
    warning: str | None = None


# --- people and tokens (issue 12) ----------------------------------------------------------------------------------


class PersonOut(BaseModel):
    """A person who holds tokens: the handle actors name (`reviewer:<id>`), a name, and whether they are disabled."""

    id: str
    name: str
    created_at: datetime
    disabled_at: datetime | None


class TokenOut(BaseModel):
    """A bearer token as listed: never its secret."""

    id: str
    person: str = Field(description="The person the token belongs to (their handle).")
    person_name: str
    role: str
    enterprise_id: str | None
    account_id: str | None
    label: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = Field(description="Recorded at most once a minute.")
    revoked_at: datetime | None
    state: str = Field(description="active | expired | revoked | person_disabled")


class TokenPage(BaseModel):
    items: list[TokenOut]
    next_cursor: str | None


class Me(BaseModel):
    """Who the calling token speaks for (issue 14: the console picks its views from it)."""

    token_id: str
    role: str = Field(
        description="platform | reviewer | auditor | enterprise_admin | hr | investigator | analyst | member"
    )
    enterprise_id: str | None
    account_id: str | None
    person: str = Field(description="The person's handle (what the audit trail names).")
    label: str = Field(description="The holder's name to show (`demo reviewer 甲`), never a bare id when one is known.")
    timezone: str = Field(description="The policy's time zone: times shown to people are in it (Asia/Shanghai).")
    now: datetime = Field(description="The server's clock now: countdowns count from it, not from the browser's.")


# --- manual actions: lifting, voiding, and the second person who must agree to end a ban (issue 12) -------------


class LiftedRestriction(BaseModel):
    """A restriction lifted now (its strike stays on the record)."""

    id: str
    lifted_at: datetime | None
    lift_reason: str | None


class StrikeStatusOut(BaseModel):
    """A strike voided or overturned now."""

    id: str
    status: str
    status_at: datetime | None
    status_reason: str | None


class BanEndingOut(BaseModel):
    """A proposal to end a permanent or an enterprise ban: it takes effect only when a different person confirms
    (`POST /v1/ban-ending-proposals/{id}/confirmation`)."""

    id: str
    status: str = Field(description="proposed | done | declined")
    action: str = Field(description="lift (a restriction) | voided | overturned (a strike)")
    target: str = Field(description="restriction:<id> or strike:<id>")
    subject: str = Field(description="account:<id> or enterprise:<id>")
    bans: list[str] = Field(description="The restrictions it would end or ease (permanent or enterprise bans).")
    reason: str
    requested_by: str
    requested_by_label: str | None = Field(
        default=None,
        description="The person's name for `requested_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )
    requested_at: datetime
    confirmed_by: str | None = None
    confirmed_by_label: str | None = Field(
        default=None,
        description="The person's name for `confirmed_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )
    confirmed_at: datetime | None = None
    declined_by: str | None = None
    declined_by_label: str | None = Field(
        default=None,
        description="The person's name for `declined_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )
    declined_at: datetime | None = None
    note: str | None = None
