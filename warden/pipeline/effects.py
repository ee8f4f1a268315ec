"""The one place effect requests become rows: strikes, restrictions and flags.

A rule (or a feature's `after_strike`, or a service's manual action) asks with a `StrikeRequest`; `Effector`
honours exemptions, takes the highest floor the features demand (`Feature.step_floor`), the ladder's next step,
creates the Strike and its Restriction, updates the subject in place (so the next decision of the batch sees
them), lets features react (`Feature.after_strike`) and applies what they request in turn. Every strike,
restriction and flag is recorded in `Effects.emitted` with the rule that asked for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from warden.kernel.decision import Effects, FlagRequest, StrikeRequest, Subject, derive_id
from warden.kernel.ladder import next_step, restriction_for
from warden.kernel.model import Enterprise, Flag, Restriction, Strike, StrikeStatus
from warden.kernel.policy import Ladder
from warden.pipeline.batch import Batch
from warden.pipeline.feature import Feature, overriding

LATE_EVENT = "late_event"
"""The rule of the review flag raised when an older event arrives late and re-deciding the account's later events in
event order (`pipeline.redecide`) would change a strike a person acted on (an appeal names it, its restriction was
lifted, it is permanent, an enterprise cascade counted it): that strike is left as it is and named in the flag."""

LATE_EVENT_NOTE = {
    "zh": "较早的事件迟到了：系统已按事件时间顺序重新判定该账号之后的事件并更正了处罚，但下列处罚已有人处理过"
    "（申诉、解除限制、永久封禁或企业连带处罚），按事件时间顺序它们可能不会作出，或处于不同的阶梯步级；"
    "系统未自动更改，请人工复核。",
    "en": "An earlier event arrived late: the system re-decided this account's later events in event-time order and "
    "corrected its strikes, but a person has acted on the strikes listed (an appeal, a lifted restriction, a "
    "permanent ban or an enterprise cascade). In event-time order they might not have been issued, or at another "
    "step of the ladder; they were not changed automatically. Please review them.",
}
"""What the `late_event` flag tells a reviewer (zh, en), kept in its evidence as `note`."""

SUPERSEDED = "superseded in event order after late event "
"""How a superseded strike's `status_reason` (and its restriction's `lift_reason`) starts: then the id of the late
event whose arrival made the account's later events be re-decided (`pipeline.redecide`); the explanation shows
`SUPERSEDED_NOTE` instead."""

SUPERSEDED_NOTE = {
    "zh": "已由系统撤销：一条较早的事件迟到了，系统按事件时间顺序重新判定了之后的事件；按该顺序，本次处罚不会作出，"
    "因此撤销并解除相应限制（视同从未作出）。",
    "en": "Withdrawn by the system: an earlier event arrived late and the system re-decided the later events in "
    "event-time order; in that order this strike would not have been issued, so it was withdrawn and its "
    "restriction lifted (as if never made).",
}
"""What the account holder (and a reviewer) reads for a superseded strike (zh, en)."""


class PolicySource(Protocol):
    """Where the policy in force is read (the rule engine): `policy.ladder`, `policy.rules`, `loaded.hash`. A batch
    whose `deciding` is set (a staged candidate, a shadow policy) overrides it for the event being decided."""

    @property
    def policy(self) -> Any: ...
    @property
    def loaded(self) -> Any: ...


class Effector:
    def __init__(self, source: PolicySource, features: Sequence[Feature], follow: bool = True) -> None:
        """`follow`: let features react to a strike (`after_strike`); a shadow evaluation passes False, so its
        would-be strikes change no feature's state (issue 18)."""
        self.source = source
        self._floors = overriding(features, "step_floor")
        self._after = overriding(features, "after_strike") if follow else []

    @property
    def ladder(self) -> Ladder:
        return self.source.policy.ladder  # type: ignore[no-any-return]

    def _in_force(self, batch: Batch | None) -> tuple[str, Any]:
        """(hash, Policy) deciding now: the batch's `deciding` when set, else the source's policy in force."""
        if batch is not None and batch.deciding is not None:
            return batch.deciding
        return self.source.loaded.hash, self.source.policy

    def floor(self, batch: Batch, subject: Subject, severity: str, at: datetime, floor: int = 0) -> int:
        for f in self._floors:
            floor = max(floor, f.step_floor(batch, subject, severity, at))
        return floor

    def step(self, batch: Batch, subject: Subject, severity: str, at: datetime) -> int:
        """The step a strike of `severity` on `subject` would take at `at` (what `strike` computes)."""
        history = sorted((s.at, s.step) for s in subject.strikes if s.status is StrikeStatus.ACTIVE)
        ladder = self._in_force(batch)[1].ladder
        return next_step(ladder, history, severity, at, self.floor(batch, subject, severity, at))

    def strike(self, batch: Batch, subject: Subject, req: StrikeRequest) -> Strike | None:
        """A strike on the subject's account and the ladder's next step. None if the account is exempt.

        The strike's id derives from `req.key` (a manual strike's request), else the event id, else the time."""
        if req.enterprise:
            return self.enterprise_strike(
                subject.enterprise,
                subject.enterprise_strikes,
                subject.enterprise_restrictions,
                batch.effects,
                req,
                batch.deciding,
            )
        policy_hash, policy = self._in_force(batch)
        ladder = policy.ladder
        at, rule, evidence = req.at, req.rule, req.evidence
        until = subject.exemptions.get(rule)
        if until is not None and at < until:
            return None
        history = sorted((s.at, s.step) for s in subject.strikes if s.status is StrikeStatus.ACTIVE)
        floor = self.floor(batch, subject, req.severity, at, req.floor)
        step = next_step(ladder, history, req.severity, at, floor)
        if floor > ladder.severities[req.severity].min_step:
            evidence = {**evidence, "step_floor": floor}  # kept, so a recomputed ladder still honours it
        sid = derive_id("stk", req.key or req.event_id or at.isoformat(), rule, subject.account.id)
        spec = getattr(getattr(policy.rules, rule, None), "spec", None)
        if spec and "spec" not in evidence:
            evidence = {"spec": spec, **evidence}
        strike = Strike(
            id=sid,
            subject_type="account",
            subject_id=subject.account.id,
            rule_id=rule,
            severity=req.severity,
            step=step,
            at=at,
            policy_hash=policy_hash,
            evidence=evidence,
            event_id=req.event_id,
        )
        restriction = restriction_for(ladder, strike, derive_id("rst", sid), req.minimum_end)
        subject.strikes.append(strike)
        subject.restrictions.append(restriction)
        self._record(batch.effects, rule, strike, restriction)
        for f in self._after:
            for follow in f.after_strike(batch, strike, subject):
                self.strike(batch, subject, follow)
        return strike

    def enterprise_strike(
        self,
        enterprise: Enterprise,
        history: list[Strike],
        restrictions: list[Restriction],
        effects: Effects,
        req: StrikeRequest,
        deciding: tuple[str, Any] | None = None,
    ) -> Strike:
        """A penalty on a whole enterprise (S-C2): same ladder, from `enterprise_min_step` up.

        `history` and `restrictions` are the enterprise's lists shared by its members' subjects; they are
        appended to, so members see the enterprise restriction at once. `req.key` makes the id deterministic.
        Enterprise restrictions end only by appeal or expiry, never by self-service. `deciding`: (hash, Policy) when
        not the source's policy in force (see `Batch.deciding`).
        """
        policy_hash, policy = deciding or (self.source.loaded.hash, self.source.policy)
        ladder = policy.ladder
        past = sorted((s.at, s.step) for s in history if s.status is StrikeStatus.ACTIVE)
        step = next_step(ladder, past, req.severity, req.at, ladder.enterprise_min_step)
        sid = derive_id("stk", req.key or req.at.isoformat(), req.rule, enterprise.id)
        strike = Strike(
            id=sid,
            subject_type="enterprise",
            subject_id=enterprise.id,
            rule_id=req.rule,
            severity=req.severity,
            step=step,
            at=req.at,
            policy_hash=policy_hash,
            evidence=req.evidence,
            event_id=req.evidence.get("event_id"),
        )
        restriction = restriction_for(ladder, strike, derive_id("rst", sid))
        history.append(strike)
        restrictions.append(restriction)
        self._record(effects, req.rule, strike, restriction)
        return strike

    @staticmethod
    def flag(batch: Batch, subject: Subject, req: FlagRequest) -> Flag:
        flag = Flag(
            id=derive_id("flg", req.event_id, req.rule),
            subject_type="account",
            subject_id=subject.account.id,
            rule_id=req.rule,
            at=req.at,
            evidence=req.evidence,
        )
        batch.effects.flags.append(flag)
        batch.effects.emitted.append((req.rule, "flag", flag.id))
        return flag

    @staticmethod
    def _record(effects: Effects, rule: str, strike: Strike, restriction: Restriction) -> None:
        effects.strikes.append(strike)
        effects.restrictions.append(restriction)
        effects.emitted.append((rule, "strike", strike.id))
        effects.emitted.append((rule, "restriction", restriction.id))


def audit_effects(audit: Any, changes: Effects, now: datetime, actor: str) -> None:
    """Append every strike, restriction and flag of `changes` to the audit chain (`audit`: an AuditWriter)."""
    for s in changes.strikes:
        audit.append(
            now,
            actor,
            "strike.issued",
            f"{s.subject_type}:{s.subject_id}",
            {
                "strike": s.id,
                "rule": s.rule_id,
                "severity": s.severity,
                "step": s.step,
                "event": s.event_id,
                "policy": s.policy_hash,
            },
        )
    for r in changes.restrictions:
        audit.append(
            now,
            actor,
            "restriction.imposed",
            f"{r.subject_type}:{r.subject_id}",
            {
                "restriction": r.id,
                "scope": r.scope.value,
                "step": r.step,
                "rule": r.rule_id,
                "ends_at": r.ends_at.isoformat() if r.ends_at else None,
            },
        )
    for f in changes.flags:
        audit.append(now, actor, "flag.raised", f"{f.subject_type}:{f.subject_id}", {"flag": f.id, "rule": f.rule_id})
    for action, target, data in changes.changed:  # a strike the system superseded or re-stepped (`pipeline.redecide`)
        audit.append(now, "system", action, target, data)
