"""What a decision is made of: the subject the rules see, the reasons they give, the effects they request.

`Decision` (the answer for one event), `Reason` (why, with the values that made it fire), `Subject` (one
account's state at decision time, updated in place as a batch is decided), `Effects` (everything a batch
writes), and the effect requests a rule makes (`StrikeRequest`, `FlagRequest`), which the pipeline applies in
one place (`warden.pipeline.effects`). Ids derive from event ids (`derive_id`), so a replay yields the same rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warden.kernel.model import Account, Action, Enterprise, Flag, Restriction, Strike, scope_blocks


@dataclass(frozen=True, slots=True)
class Reason:
    """Why: a stable `code`, the rule and spec it comes from, its level, and the values behind it."""

    code: str
    rule: str
    spec: str
    level: str  # deny | warn | info
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "rule": self.rule, "spec": self.spec, "level": self.level, "params": self.params}


@dataclass
class Decision:
    """The answer for one event. `allowed` is None for events that ask nothing (feature use, profile …)."""

    event_id: str
    allowed: bool | None
    reasons: list[Reason] = field(default_factory=list)
    counted: list[tuple[str, float, str]] = field(default_factory=list)
    duplicate: bool = False
    policy_hash: str | None = None  # the policy version it was decided under (a staged candidate or the live one)

    def as_dict(self) -> dict[str, Any]:
        return {"allowed": self.allowed, "reasons": [r.as_dict() for r in self.reasons]}


@dataclass
class Subject:
    """What the rules see of one account at decision time; mutated as the batch goes on."""

    account: Account
    enterprise: Enterprise
    restrictions: list[Restriction] = field(default_factory=list)
    enterprise_restrictions: list[Restriction] = field(default_factory=list)
    strikes: list[Strike] = field(default_factory=list)
    enterprise_strikes: list[Strike] = field(default_factory=list)  # shared by all members of the enterprise
    exemptions: dict[str, datetime] = field(default_factory=dict)  # rule id → exempt until

    def active_restrictions(self, now: datetime) -> list[Restriction]:
        own = [r for r in self.restrictions if r.active_at(now)]
        return own + [r for r in self.enterprise_restrictions if r.active_at(now)]

    def blocked(self, action: Action, now: datetime) -> list[Restriction]:
        return [r for r in self.active_restrictions(now) if scope_blocks(r.scope, action)]


@dataclass
class Effects:
    """Everything a batch of decisions writes, gathered for one transaction."""

    strikes: list[Strike] = field(default_factory=list)
    restrictions: list[Restriction] = field(default_factory=list)
    updated_restrictions: list[Restriction] = field(default_factory=list)
    updated_strikes: list[Strike] = field(default_factory=list)
    """Stored strikes this batch changed (superseded, reinstated or re-stepped by a re-decision in event order after a
    late event: `pipeline.redecide`), written as updates."""
    changed: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    """(action, target, data) audit entries by `system` for the changes above (`strike.superseded`,
    `strike.reinstated`, `strike.restepped`)."""
    flags: list[Flag] = field(default_factory=list)
    accounts: dict[str, Account] = field(default_factory=dict)
    enterprises: dict[str, Enterprise] = field(default_factory=dict)
    contacts: list[tuple[str, str, datetime]] = field(default_factory=list)
    emitted: list[tuple[str, str, str]] = field(default_factory=list)
    """(rule, kind, id) for every strike, restriction and flag, in the order they were made: which rule emitted what."""


def derive_id(prefix: str, *parts: str) -> str:
    return prefix + "_" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class StrikeRequest:
    """A rule asks for a strike on the account it decided about (or, with `enterprise`, on its enterprise).

    `pipeline.effects.apply` honours exemptions, takes the floors the features demand and the ladder's next
    step, creates the Strike and its Restriction, and lets features react (`Feature.after_strike`).
    `key` (a manual strike's request, a cascade's basis) replaces the event id in the derived strike id."""

    rule: str
    severity: str
    at: datetime
    evidence: dict[str, Any]
    event_id: str | None = None
    minimum_end: datetime | None = None
    floor: int = 0
    key: str | None = None
    enterprise: bool = False


@dataclass(frozen=True, slots=True)
class FlagRequest:
    """A rule asks for a flag (a note for reviewers that restricts nobody)."""

    rule: str
    at: datetime
    evidence: dict[str, Any]
    event_id: str
