"""Manual actions on the record: a reviewer voids or overturns a strike, lifts a restriction or restricts a whole
enterprise (S-C2), and a second person ends a permanent or an enterprise ban (`ban_endings`, four eyes).

Split from `EnforcementService` (issue 11): the same use cases, one transaction of the unit of work each (`..._in`
variants run inside the caller's, as an appeal decision does). Two kinds of method, as in the service: those under
"for a person" take the `Principal` first and check it with `enforcement.access` (what the HTTP routes call); the
others trust their caller (other slices' services, the CLI, tests) and take the actor's name for the audit trail.
Its SQL is `enforcement.store` and the core rows of `adapters.store`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from warden.adapters import store as core
from warden.adapters.uow import Connection, UnitOfWork
from warden.enforcement import access, ban_endings, store
from warden.enforcement.views import BanEndingOut, LiftedRestriction, StrikeStatusOut
from warden.kernel.access import Principal
from warden.kernel.decision import Effects, StrikeRequest
from warden.kernel.errors import Conflict, InvalidInput, NotFound
from warden.kernel.ladder import recompute_steps, rederive
from warden.kernel.model import Restriction, Strike, StrikeStatus
from warden.pipeline.effects import audit_effects
from warden.pipeline.engine import RuleEngine
from warden.pipeline.feature import Feature, overriding


def record_lift(
    conn: Connection, audit: core.AuditWriter, r: Restriction, actor: str, reason: str, now: datetime
) -> Restriction:
    """Lift `r` at `now` and append `restriction.lifted` to the chain, inside the caller's transaction: the one
    place a lift is written (a reviewer's here, a self-service unblock's in `unblock.apply`). The caller checked that
    `r` is active."""
    r.lifted_at, r.lift_reason = now, reason
    core.update_restriction(conn, r)
    audit.append(
        now,
        actor,
        "restriction.lifted",
        f"{r.subject_type}:{r.subject_id}",
        {"restriction": r.id, "reason": reason},
    )
    return r


class ManualActions:
    """A reviewer's actions on strikes and restrictions, built once by bootstrap (`app.manual_actions`, also
    `EnforcementService.manual_actions` for the slices that hold the core service). Transactions come from `uow`;
    the policy (ladder) and the effector are read live from `rules` (tests swap them); `features` give the
    `on_strike_status` hooks (a cascade whose basis goes is voided)."""

    def __init__(self, uow: UnitOfWork, rules: RuleEngine, features: Sequence[Feature] = ()) -> None:
        self.uow = uow
        self.rules = rules
        self._on_status = overriding(list(features), "on_strike_status")

    # --- for a person: the Principal first; a second person to end a ban (`ban_endings`) ---------------------

    def lift(self, p: Principal, restriction_id: str, reason: str) -> LiftedRestriction | BanEndingOut:
        """A reviewer lifts a restriction; on a permanent or an enterprise ban, a proposal (`ban_endings.lift`)."""
        return ban_endings.lift(self, p, restriction_id, reason)

    def end_strike(
        self, p: Principal, strike_id: str, status: StrikeStatus, reason: str
    ) -> StrikeStatusOut | BanEndingOut:
        """A reviewer voids or overturns a strike; a proposal when it would end a permanent or an enterprise ban
        (`ban_endings.end_strike`)."""
        return ban_endings.end_strike(self, p, strike_id, status, reason)

    def ban_ending(self, p: Principal, proposal_id: str) -> BanEndingOut:
        return ban_endings.get(self, p, proposal_id)

    def decide_ban_ending(self, p: Principal, proposal_id: str, agree: bool, note: str | None = None) -> BanEndingOut:
        """A different person confirms or declines a proposal to end a ban (`ban_endings.decide`)."""
        return ban_endings.decide(self, p, proposal_id, agree, note)

    # --- trusting the caller: the actor's name for the audit trail ------------------------------------------

    def set_strike_status(self, strike_id: str, status: StrikeStatus, actor: str, reason: str) -> Strike:
        """Void or overturn a strike: its restriction lifts and the ladder is recomputed from what stays. Trusts its
        caller: a reviewer's goes through `end_strike`, which asks for a second person when a ban would end."""
        if status is StrikeStatus.ACTIVE:
            raise InvalidInput("a strike can only be voided or overturned")
        with self.uow.writing(home=lambda c: store.home_of_strike(c, strike_id)) as tx:  # its partition's chain
            return self.set_strike_status_in(tx.conn, tx.audit, strike_id, status, actor, reason, tx.now)

    def set_strike_status_in(
        self,
        conn: Connection,
        audit: core.AuditWriter,
        strike_id: str,
        status: StrikeStatus,
        actor: str,
        reason: str,
        now: datetime,
    ) -> Strike:
        """`set_strike_status` inside the caller's transaction (an appeal decision is one transaction)."""
        ladder = self.rules.policy.ladder
        found = store.strike(conn, strike_id)
        if found is None:
            raise NotFound(f"no strike {strike_id!r}")
        target = found
        if target.status is not StrikeStatus.ACTIVE:
            raise Conflict(f"strike {strike_id} is already {target.status.value}")
        history = core.strikes_of(conn, target.subject_type, [target.subject_id])
        restr = {r.strike_id: r for r in core.restrictions_of(conn, target.subject_type, [target.subject_id], None)}
        for s in history:
            if s.id == strike_id:
                s.status, s.status_at, s.status_reason = status, now, reason
                core.update_strike(conn, s)
                target = s
        r = restr.get(strike_id)
        if r is not None and r.lifted_at is None:
            r.lifted_at, r.lift_reason = now, f"strike {status.value}: {reason}"
            core.update_restriction(conn, r)
        audit.append(
            now,
            actor,
            f"strike.{status.value}",
            f"{target.subject_type}:{target.subject_id}",
            {"strike": strike_id, "reason": reason},
        )
        # Floors demanded when each strike was issued (probation, plug-in re-ban, the enterprise ladder's start)
        # still hold when the ladder is recomputed.
        base = ladder.enterprise_min_step if target.subject_type == "enterprise" else 0
        floors = {s.id: max(base, int(s.evidence.get("step_floor", 0))) for s in history}
        new_steps = recompute_steps(ladder, history, floors)
        for s in history:
            if s.id in new_steps and new_steps[s.id] != s.step:
                old = s.step
                s.step = new_steps[s.id]
                core.update_strike(conn, s)
                prev = restr.get(s.id)
                if prev is not None:
                    core.update_restriction(conn, rederive(ladder, s, prev))
                audit.append(
                    now,
                    actor,
                    "strike.restepped",
                    f"{s.subject_type}:{s.subject_id}",
                    {"strike": s.id, "from": old, "to": s.step, "because": strike_id},
                )
        for f in self._on_status:  # e.g. a cascade whose basis was this strike is re-judged
            for req in f.on_strike_status(conn, audit, target, actor, now):
                self.set_strike_status_in(conn, audit, req.strike_id, req.status, actor, req.reason, now)
        return target

    def restrict_enterprise(self, enterprise_id: str, actor: str, severity: str, reason: str) -> Restriction:
        """A reviewer restricts (or, with severity S, bans) a whole enterprise (S-C2)."""
        if severity not in self.rules.policy.ladder.severities:
            raise InvalidInput(
                f"unknown severity {severity!r}; the ladder has {', '.join(self.rules.policy.ladder.severities)}"
            )
        with self.uow.writing(home=lambda _: enterprise_id) as tx:  # audited on the enterprise's partition chain
            now = tx.now
            ent = core.get_enterprise(tx.conn, enterprise_id)
            if ent is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            history = core.strikes_of(tx.conn, "enterprise", [enterprise_id])
            live = core.restrictions_of(tx.conn, "enterprise", [enterprise_id], now)
            changes = Effects()
            self.rules.effector.enterprise_strike(
                ent,
                history,
                live,
                changes,
                StrikeRequest(
                    rule="manual",
                    severity=severity,
                    at=now,
                    evidence={"note": reason, "actor": actor},
                    key=f"{actor}:{now.isoformat()}",
                    enterprise=True,
                ),
            )
            core.save_changes(tx.conn, changes)
            audit_effects(tx.audit, changes, now, actor)
        return changes.restrictions[0]

    def lift_restriction(self, restriction_id: str, actor: str, reason: str) -> Restriction:
        """Lift an active restriction now (its strike stays on the record). Trusts its caller: a reviewer's lift
        goes through `lift`, which asks for a second person on a permanent or an enterprise ban."""
        with self.uow.writing(home=lambda c: store.home_of_restriction(c, restriction_id)) as tx:
            return self.lift_restriction_in(tx.conn, tx.audit, restriction_id, actor, reason, tx.now)

    def lift_restriction_in(
        self, conn: Connection, audit: core.AuditWriter, restriction_id: str, actor: str, reason: str, now: datetime
    ) -> Restriction:
        """`lift_restriction` inside the caller's transaction."""
        r = store.restriction(conn, restriction_id)
        if r is None:
            raise NotFound(f"no restriction {restriction_id!r}")
        if not r.active_at(now):
            raise Conflict(f"restriction {restriction_id} is not active")
        return record_lift(conn, audit, r, actor, reason, now)

    def bans_at_stake(
        self, conn: Connection, audit: core.AuditWriter, strike_id: str, status: StrikeStatus, now: datetime
    ) -> list[str]:
        """The ids of the permanent and enterprise bans (`access.needs_second_person`) that setting the strike's
        `status` would end or ease (`access.weakened`): its own restriction, a later strike re-stepped below the
        top, a cascade whose basis goes. Found by doing it in a savepoint of the caller's transaction and rolling
        it back, so it is exactly what `set_strike_status_in` would do now. Empty for an unknown or inactive
        strike (`set_strike_status_in` then says why)."""
        found = store.strike(conn, strike_id)
        if found is None or found.status is not StrikeStatus.ACTIVE:
            return []
        subjects = [(found.subject_type, found.subject_id)]
        if found.subject_type == "account":
            acc = core.get_account(conn, found.subject_id)
            if acc is not None:
                subjects.append(("enterprise", acc.enterprise_id))
        top = self.rules.policy.ladder.top
        before = [
            r
            for kind, sid in subjects
            for r in core.restrictions_of(conn, kind, [sid], now)
            if r.active_at(now) and access.needs_second_person(r, top)
        ]
        if not before:
            return []
        audit.next_seq()  # the writers' lock, taken by the caller's transaction (not inside the savepoint)
        saved = dict(conn.info)  # the audit chain's head noted for signing at commit (adapters/audit_state.py)
        trial = conn.begin_nested()
        try:
            self.set_strike_status_in(conn, core.AuditWriter(conn), strike_id, status, "trial", "trial", now)
            after = {r.id: r for kind, sid in subjects for r in core.restrictions_of(conn, kind, [sid], None)}
        finally:
            trial.rollback()
            conn.info.clear()
            conn.info.update(saved)
        return [r.id for r in before if access.weakened(r, after.get(r.id), now)]
