"""The things warden decides about: enterprises, accounts, strikes, restrictions, flags.

Plain dataclasses. A strike is never deleted: it is voided or overturned, and restrictions derive from it.
Restrictions lift by themselves: `active_at(now)` is the only test, so no cron is needed for correctness.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

DEREGISTERED_RULE = "enterprise_deregistered"
"""The rule id of a restriction an enterprise's own usage-policy outcome put on an account: deregistration (S-E4)."""
APP_REMOVED_RULE = "enterprise_app_removed"
"""… and the removal of the enterprise app (S-E4). Self-service unblocking refuses both as the enterprise's decision."""
ENTERPRISE_OUTCOME_RULES = (DEREGISTERED_RULE, APP_REMOVED_RULE)


class Scope(StrEnum):
    """What a restriction stops, from narrowest to widest."""

    ADD_CONTACTS = "add_contacts"  # proactive contact adding paused (S-A7)
    FEATURES = "features"  # external adds, greetings, mass send (step 1)
    LOGIN = "login"  # staged login restriction (阶段处罚, steps 2–4)
    ACCOUNT = "account"  # permanent ban (永久封号, step 5)


SCOPE_ORDER = {s: i for i, s in enumerate(Scope)}


class Action(StrEnum):
    ADD_CONTACT = "add_contact"
    USE_FEATURES = "use_features"
    LOGIN = "login"


def scope_blocks(scope: Scope, action: Action) -> bool:
    """Any restriction pauses proactive adding (S-A7); wider scopes also stop features and login."""
    if action is Action.ADD_CONTACT:
        return True
    if action is Action.USE_FEATURES:
        return SCOPE_ORDER[scope] >= SCOPE_ORDER[Scope.FEATURES]
    return SCOPE_ORDER[scope] >= SCOPE_ORDER[Scope.LOGIN]


class StrikeStatus(StrEnum):
    ACTIVE = "active"
    VOIDED = "voided"  # withdrawn by the platform (e.g. rule error)
    OVERTURNED = "overturned"  # an appeal succeeded
    SUPERSEDED = "superseded"
    """Withdrawn by the system: re-deciding the account's events in event order after an older event arrived late
    found that the history does not hold it (`pipeline.redecide`). Read as never made: unlike a void or an
    overturn it spends no evidence (`spent_after`) and carries no verdict on its evidence (`label_of`)."""


@dataclass
class Enterprise:
    id: str
    name: str
    verified: bool
    created_at: datetime
    external_contacts: int = 0


@dataclass
class Account:
    id: str
    enterprise_id: str
    phone: str
    real_name_verified: bool
    created_at: datetime
    avatar: str | None = None
    nickname: str | None = None
    external_card: str | None = None

    def age_days(self, now: datetime) -> float:
        return (now - self.created_at).total_seconds() / 86400


@dataclass
class Strike:
    """One violation on a subject's record, with the step of the ladder it earned."""

    id: str
    subject_type: str  # "account" | "enterprise"
    subject_id: str
    rule_id: str
    severity: str  # a severity class of the policy (L, M, S, P …)
    step: int
    at: datetime
    policy_hash: str
    evidence: dict[str, Any] = field(default_factory=dict)
    status: StrikeStatus = StrikeStatus.ACTIVE
    status_at: datetime | None = None
    status_reason: str | None = None
    event_id: str | None = None


@dataclass
class Restriction:
    id: str
    subject_type: str
    subject_id: str
    scope: Scope
    step: int
    rule_id: str
    starts_at: datetime
    ends_at: datetime | None  # None: permanent
    strike_id: str | None = None
    self_unblock: bool = False
    earliest_unblock_at: datetime | None = None
    lifted_at: datetime | None = None
    lift_reason: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def permanent(self) -> bool:
        return self.ends_at is None

    def active_at(self, now: datetime) -> bool:
        if self.lifted_at is not None and self.lifted_at <= now:
            return False
        if self.starts_at > now:
            return False
        return self.ends_at is None or now < self.ends_at


@dataclass
class Flag:
    """Something for a reviewer to look at; it restricts nothing by itself."""

    id: str
    subject_type: str
    subject_id: str
    rule_id: str
    at: datetime
    evidence: dict[str, Any] = field(default_factory=dict)
