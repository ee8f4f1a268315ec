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
from warden.kernel.ladder import next_step, recompute_steps, rederive, restriction_for
from warden.kernel.model import Enterprise, Flag, Restriction, Strike, StrikeStatus
from warden.kernel.policy import Ladder
from warden.pipeline.batch import Batch
from warden.pipeline.feature import Feature, overriding

LATE_EVENT = "late_event"
"""The rule of the review flag raised when a strike is made for an event older than strikes already made for
later events of the same account (a late event: `Effector.strike`)."""

LATE_EVENT_NOTE = {
    "zh": "较早的事件迟到了：本次处罚所依据的事件发生在下列已作出的处罚之前，却在它们之后才到达。按事件时间顺序，"
    "这些较晚的处罚可能不会作出，或处于不同的阶梯步级；系统不会自动撤回，请人工复核。",
    "en": "An earlier event arrived late: the event behind this strike happened before the strikes listed, but "
    "arrived after they were issued. In event-time order those later strikes might not have been issued, or at "
    "another step of the ladder; they are not taken back automatically. Please review them.",
}
"""What the `late_event` flag tells a reviewer (zh, en), kept in its evidence as `note`."""

SUPERSEDED = "superseded by "
"""How a superseded strike's `status_reason` (and its restriction's `lift_reason`) starts: then the id of the strike
for the earlier event that arrived late (`Effector.settle`); the explanation shows `SUPERSEDED_NOTE` instead."""

SUPERSEDED_NOTE = {
    "zh": "已撤销：一条较早的事件迟到了，系统据其作出了更早的处罚；按事件时间顺序，该较早处罚的限制当时仍在生效，"
    "本次处罚不会作出，因此由系统撤销并解除相应限制。",
    "en": "Withdrawn: an earlier event arrived late and the system issued a strike for it; in event-time order that "
    "earlier strike's restriction was still in force, so this strike would not have been issued. The system "
    "withdrew it and lifted its restriction.",
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
        self._once: frozenset[str] = getattr(getattr(source, "rules", None), "once_at_a_time", frozenset())
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
        if req.event_id is not None and subject.strikes:  # a first strike cannot follow a later one
            self._late(batch, subject, strike, restriction, req.event_id)
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

    def _late(self, batch: Batch, subject: Subject, strike: Strike, restriction: Restriction, event_id: str) -> None:
        """A strike for an event older than active strikes the account already holds for later events (decided
        in an earlier batch, before this event arrived: a late event).

        A later strike of the same once-at-a-time rule (`RuleSet.once_at_a_time`) made while this strike's
        restriction is in force cannot exist in event order: it is noted in `batch.effects.superseding`, and
        `settle` voids it before the batch is stored (or flags it, when a person touched it). The other later
        strikes get a review flag (`late_event`) naming them: in event order they were decided with this strike in
        force, and might not have been made, or at another step (README, the engine's one rule). In time order no
        strike is ever later than the one being made, so only the scan of the account's strikes is paid."""
        me = (strike.at, event_id)
        later = sorted(
            (s for s in subject.strikes if s.event_id is not None and s.status is StrikeStatus.ACTIVE),
            key=lambda s: s.id,
        )
        later = [s for s in later if (s.at, s.event_id) > me]
        if not later:
            return
        flagged = []
        for s in later:
            if self._supersedable(subject, strike, restriction, s):
                batch.effects.superseding.append((subject.account.id, strike.id, s.id))
            else:
                flagged.append(s.id)
        if flagged:
            self._late_flag(batch, subject, strike, event_id, flagged)

    def _supersedable(self, subject: Subject, strike: Strike, restriction: Restriction, later: Strike) -> bool:
        """Whether `later` provably would not exist in event order, `strike` (just made, for an earlier event)
        being in force: the same rule, one that strikes only while unrestricted by itself; `strike`'s restriction
        active at `later`'s time; `later` made by that rule for an event (not a person), its restriction neither
        lifted nor permanent (ending a ban takes two people), and no enterprise cascade counted it. Appeals are
        checked by `settle` (a read)."""
        if later.rule_id != strike.rule_id or strike.rule_id not in self._once or later.status_at is not None:
            return False
        if not restriction.active_at(later.at):
            return False
        mine = [r for r in subject.restrictions if r.strike_id == later.id]
        if len(mine) != 1 or mine[0].lifted_at is not None or mine[0].ends_at is None:
            return False
        for c in subject.enterprise_strikes:
            if later.id in (c.evidence.get("member_strikes") or [c.evidence.get("trigger_strike")]):
                return False
        return True

    def _late_flag(self, batch: Batch, subject: Subject, strike: Strike, event_id: str, later: list[str]) -> None:
        fid = derive_id("flg", event_id, LATE_EVENT)
        for f in batch.effects.flags:
            if f.id == fid:  # a second strike of the same event (a follow-up), or a strike `settle` did not void
                f.evidence["later_strikes"] = sorted(set(f.evidence["later_strikes"]) | set(later))
                return
        evidence = {"event_id": event_id, "strike": strike.id, "later_strikes": later, "note": LATE_EVENT_NOTE}
        self.flag(batch, subject, FlagRequest(LATE_EVENT, strike.at, evidence, event_id))

    def settle(self, batch: Batch, appealed: set[str]) -> None:
        """Void the strikes `strike` noted as superseded (`batch.effects.superseding`), once every decision of the
        batch is made and before it is stored: as a system action (status `voided`, reason `SUPERSEDED` + the late
        strike's id, its restriction lifted as of its start: in event time it was never in force), the account's
        ladder re-stepped from what stays (as a reviewer's void does), every change in `batch.effects` (rows to
        update, `strike.voided` / `strike.restepped` audit entries). A strike in `appealed` (any appeal names it),
        or one whose voiding would raise another strike's step, gets the `late_event` flag instead. Leniency: a
        voided strike spends its rule's evidence (`spent_after`), so that rule's windows start afresh after it."""
        effects = batch.effects
        todo, effects.superseding = effects.superseding, []
        ladder = self._in_force(batch)[1].ladder
        new_ids = {s.id for s in effects.strikes}
        by_account: dict[str, list[tuple[str, str]]] = {}
        for aid, late_id, later_id in todo:
            by_account.setdefault(aid, []).append((late_id, later_id))
        for aid, pairs in by_account.items():
            subject = batch.subjects[aid]
            strikes = {s.id: s for s in subject.strikes}
            void: dict[str, str] = {}  # later strike → the late strike that supersedes it (the earliest)
            refused: dict[str, list[str]] = {}
            for late_id, later_id in pairs:
                later = strikes[later_id]
                if later_id in appealed or later_id in new_ids or later.status is not StrikeStatus.ACTIVE:
                    refused.setdefault(late_id, []).append(later_id)
                elif later_id not in void:
                    void[later_id] = late_id
            if void and not self._restep(batch, subject, ladder, void, new_ids):
                for later_id, late_id in void.items():
                    refused.setdefault(late_id, []).append(later_id)
            for late_id, ids in refused.items():
                late = strikes[late_id]
                assert late.event_id is not None
                self._late_flag(batch, subject, late, late.event_id, sorted(ids))

    def _restep(self, batch: Batch, subject: Subject, ladder: Ladder, void: dict[str, str], new_ids: set[str]) -> bool:
        """Void `void`'s strikes on `subject` and re-step the rest (see `settle`); False, changing nothing, when a
        step would rise (removing strikes cannot raise one: the check keeps that true)."""
        effects = batch.effects
        kept = [s for s in subject.strikes if s.id not in void]
        floors = {s.id: int(s.evidence.get("step_floor", 0)) for s in kept}
        steps = recompute_steps(ladder, kept, floors)
        if any(steps[s.id] > s.step for s in kept if s.id in steps):
            return False
        restrictions = {r.strike_id: i for i, r in enumerate(subject.restrictions)}
        target = f"account:{subject.account.id}"
        for s in subject.strikes:
            if s.id in void:
                reason = SUPERSEDED + void[s.id]
                s.status, s.status_at, s.status_reason = StrikeStatus.VOIDED, batch.now, reason
                r = subject.restrictions[restrictions[s.id]]
                r.lifted_at, r.lift_reason = r.starts_at, f"strike voided: {reason}"
                effects.updated_strikes.append(s)
                effects.updated_restrictions.append(r)
                data: dict[str, Any] = {
                    "strike": s.id,
                    "reason": reason,
                    "restriction": r.id,
                    "by": void[s.id],
                    "event": s.event_id,
                }
                effects.changed.append(("strike.voided", target, data))
            elif s.id in steps and steps[s.id] != s.step:
                old, s.step = s.step, steps[s.id]
                i = restrictions.get(s.id)
                if i is not None:
                    prev = subject.restrictions[i]
                    fresh = subject.restrictions[i] = rederive(ladder, s, prev)
                    if s.id in new_ids:  # made in this batch: its rows are inserted as they stand now
                        effects.restrictions[effects.restrictions.index(prev)] = fresh
                    else:
                        effects.updated_restrictions.append(fresh)
                if s.id not in new_ids:
                    effects.updated_strikes.append(s)
                data = {"strike": s.id, "from": old, "to": s.step, "because": sorted(void)}
                effects.changed.append(("strike.restepped", target, data))
        return True

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
    for action, target, data in changes.changed:  # a superseded strike voided by the system (`Effector.settle`)
        audit.append(now, "system", action, target, data)
