"""The core feature's use cases: directory, subject and restriction reads, the explanation, manual actions and audit
verification.

Each public method is one transaction (`..._in` variants run inside the caller's). The rules are the pipeline's;
this layer loads what they need, writes what changed and appends to the audit chain, all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warden.adapters import audit_state, store
from warden.adapters import tables as t
from warden.adapters.audit_keys import Verifier
from warden.adapters.database import reading
from warden.enforcement import explain as ex
from warden.enforcement.rules.contacts import standing_cap_refusal
from warden.enforcement.texts import CORE, STATE_TEXT, Lang, Texts
from warden.kernel.audit import ChainReport
from warden.kernel.clock import Clock
from warden.kernel.decision import Effects, StrikeRequest, Subject
from warden.kernel.errors import Conflict, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.kernel.ladder import recompute_steps, rederive
from warden.kernel.model import Account, Action, Enterprise, Restriction, Strike, StrikeStatus
from warden.pipeline.batch import Batch
from warden.pipeline.effects import audit_effects
from warden.pipeline.engine import RuleEngine
from warden.pipeline.feature import Feature, overriding
from warden.pipeline.ingest import EARLIEST, FUTURE_SKEW


class EnforcementService:
    """The core feature's use cases, one transaction each: the directory, reading subjects and restrictions, the
    explanation, manual actions (void/overturn a strike, lift a restriction, restrict an enterprise) and audit
    verification. The policy and the effector are read live from `rules` (tests swap them)."""

    def __init__(
        self,
        engine: Engine,
        rules: RuleEngine,
        clock: Clock,
        features: Sequence[Feature] = (),
        texts: Texts = CORE,
        *,
        verifier: Verifier | None = None,
    ) -> None:
        self.verifier = verifier  # checks the chain's signed checkpoints (the Signer, or a public key alone)
        self.engine = engine
        self.rules = rules
        self.clock = clock
        self.texts = texts
        self._on_status = overriding(features, "on_strike_status")
        self._loaders = overriding(features, "load")

    # --- directory ----------------------------------------------------------------------------------------

    def check_created(self, created_at: datetime) -> None:
        """A directory entry's `created_at` is a real date: not before 2000, not in the future (like events)."""
        if created_at < EARLIEST or created_at > self.clock.now() + FUTURE_SKEW:
            when = "in the future" if created_at > EARLIEST else f"before {EARLIEST.date().isoformat()}"
            raise InvalidInput(
                f"created_at {created_at.isoformat()} is {when}; nothing was stored",
                [FieldError(field="created_at", message=f"{created_at.isoformat()} is {when}")],
            )

    def register_enterprise(self, e: Enterprise, actor: str) -> bool:
        self.check_created(e.created_at)
        with self.engine.begin() as conn:
            created = store.upsert_enterprise(conn, e)
            store.AuditWriter(conn).append(
                self.clock.now(),
                actor,
                "enterprise.registered" if created else "enterprise.updated",
                f"enterprise:{e.id}",
                {"name": e.name, "verified": e.verified, "created_at": e.created_at.isoformat()},
            )
        return created

    def register_account(self, a: Account, actor: str) -> bool:
        self.check_created(a.created_at)
        with self.engine.begin() as conn:
            if store.get_enterprise(conn, a.enterprise_id) is None:
                raise InvalidInput(
                    f"unknown enterprise {a.enterprise_id!r}",
                    [FieldError(field="enterprise_id", message="no such enterprise; register it first")],
                )
            created = store.upsert_account(conn, a)
            store.AuditWriter(conn).append(
                self.clock.now(),
                actor,
                "account.registered" if created else "account.updated",
                f"account:{a.id}",
                {"enterprise_id": a.enterprise_id, "real_name_verified": a.real_name_verified},
            )
        return created

    def get_account(self, account_id: str) -> Account:
        with reading(self.engine) as conn:
            a = store.get_account(conn, account_id)
        if a is None:
            raise NotFound(f"no account {account_id!r}")
        return a

    def get_enterprise(self, enterprise_id: str) -> Enterprise:
        with reading(self.engine) as conn:
            e = store.get_enterprise(conn, enterprise_id)
        if e is None:
            raise NotFound(f"no enterprise {enterprise_id!r}")
        return e

    def batch_for(self, conn: Connection, subjects: dict[str, Subject], now: datetime) -> Batch:
        """A batch of no events around `subjects`, loaded by the features, for effects applied outside ingest
        (a reviewer's strike, an abnormal unblock's re-ban): the floors read what `load` put on it."""
        batch = Batch([], subjects, {s.enterprise.id: s.enterprise for s in subjects.values()}, now)
        for f in self._loaders:
            f.load(conn, batch)
        return batch

    # --- reading state ---------------------------------------------------------------------------------

    def subject(self, account_id: str, at: datetime | None = None) -> Subject:
        at = at or self.clock.now()
        with reading(self.engine) as conn:
            subjects, _ = store.load_subjects(conn, [account_id], at)
        if account_id not in subjects:
            raise NotFound(f"no account {account_id!r}")
        return subjects[account_id]

    def explain(self, account_id: str, lang: Lang = "zh") -> dict[str, Any]:
        """Everything the account's owner needs to know: state, each restriction with evidence, what to do."""
        now = self.clock.now()
        subj = self.subject(account_id, now)
        active = subj.active_restrictions(now)
        strikes = {s.id: s for s in subj.strikes + subj.enterprise_strikes}
        state = ex.account_state(active)
        # Standing refusals restrict nobody, yet refuse the person's adds: said here with what to do (issue 10).
        cap = standing_cap_refusal(self.rules.policy.rules.unverified_enterprise_cap, subj.enterprise)
        refusals = [cap] if cap is not None else []
        if refusals and state == "normal":  # no restriction, yet adds are refused: do not call that good standing
            state = "capped"
        texts = self.texts
        return {
            "account_id": account_id,
            "enterprise_id": subj.enterprise.id,
            "state": state,
            "state_text": STATE_TEXT[state][lang],
            "can_add_contacts": not subj.blocked(Action.ADD_CONTACT, now) and not refusals,
            "can_login": not subj.blocked(Action.LOGIN, now),
            "restrictions": [
                ex.explain_restriction(r, strikes.get(r.strike_id or ""), now, lang, self.unblock_cap(), texts=texts)
                for r in active
            ],
            "refusals": [ex.refusal(r, lang, texts) for r in refusals],
            "advice": ex.advice_for(
                active, subj.account.real_name_verified, subj.enterprise.verified, lang, [r.rule for r in refusals]
            ),
            "strikes": [
                {
                    "id": s.id,
                    "rule": s.rule_id,
                    "severity": s.severity,
                    "step": s.step,
                    "at": s.at.isoformat(),
                    "status": s.status.value,
                    "status_reason": s.status_reason,
                    "event_id": s.event_id,
                }
                for s in subj.strikes
            ],
            "policy_hash": self.rules.loaded.hash,
            "as_of": now.isoformat(),
            "lang": lang,
        }

    def unblock_cap(self) -> tuple[int, int] | None:
        """The policy's unblock cap (applications, window in days) for explanations, if unblocking is on."""
        cap = getattr(getattr(self.rules.policy, "unblocking", None), "cap", None)
        return (cap.max_applications, round(cap.window.total_seconds() / 86400)) if cap else None

    def restrictions(self, subject_type: str, subject_id: str) -> list[Restriction]:
        with reading(self.engine) as conn:
            return store.restrictions_of(conn, subject_type, [subject_id], None)

    def restricted_accounts(self, at: datetime | None = None) -> dict[str, list[Restriction]]:
        """Accounts with an active restriction of their own at `at` (enterprise-derived ones excluded)."""
        at = at or self.clock.now()
        r = t.restrictions
        with reading(self.engine) as conn:
            rows = conn.execute(
                sa.select(r).where(
                    r.c.subject_type == "account",
                    r.c.lifted_at.is_(None),
                    r.c.starts_at <= at,
                    sa.or_(r.c.ends_at.is_(None), r.c.ends_at > at),
                )
            )
            out: dict[str, list[Restriction]] = {}
            for row in rows:
                out.setdefault(row.subject_id, []).append(store.restriction_from(row))
        return out

    # --- manual actions ----------------------------------------------------------------------------------

    def set_strike_status(self, strike_id: str, status: StrikeStatus, actor: str, reason: str) -> Strike:
        """Void or overturn a strike: its restriction lifts and the ladder is recomputed from what stays."""
        if status is StrikeStatus.ACTIVE:
            raise InvalidInput("a strike can only be voided or overturned")
        now = self.clock.now()
        with self.engine.begin() as conn:
            return self.set_strike_status_in(conn, store.AuditWriter(conn), strike_id, status, actor, reason, now)

    def set_strike_status_in(
        self,
        conn: Connection,
        audit: store.AuditWriter,
        strike_id: str,
        status: StrikeStatus,
        actor: str,
        reason: str,
        now: datetime,
    ) -> Strike:
        """`set_strike_status` inside the caller's transaction (an appeal decision is one transaction)."""
        ladder = self.rules.policy.ladder
        row = conn.execute(sa.select(t.strikes).where(t.strikes.c.id == strike_id)).first()
        if row is None:
            raise NotFound(f"no strike {strike_id!r}")
        target = store.strike_from(row)
        if target.status is not StrikeStatus.ACTIVE:
            raise Conflict(f"strike {strike_id} is already {target.status.value}")
        history = store.strikes_of(conn, target.subject_type, [target.subject_id])
        restr = {r.strike_id: r for r in store.restrictions_of(conn, target.subject_type, [target.subject_id], None)}
        for s in history:
            if s.id == strike_id:
                s.status, s.status_at, s.status_reason = status, now, reason
                store.update_strike(conn, s)
                target = s
        r = restr.get(strike_id)
        if r is not None and r.lifted_at is None:
            r.lifted_at, r.lift_reason = now, f"strike {status.value}: {reason}"
            store.update_restriction(conn, r)
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
                store.update_strike(conn, s)
                prev = restr.get(s.id)
                if prev is not None:
                    store.update_restriction(conn, rederive(ladder, s, prev))
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
        now = self.clock.now()
        with self.engine.begin() as conn:
            ent = store.get_enterprise(conn, enterprise_id)
            if ent is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            history = store.strikes_of(conn, "enterprise", [enterprise_id])
            live = store.restrictions_of(conn, "enterprise", [enterprise_id], now)
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
            store.save_changes(conn, changes)
            audit_effects(store.AuditWriter(conn), changes, now, actor)
        return changes.restrictions[0]

    def lift_restriction(self, restriction_id: str, actor: str, reason: str) -> Restriction:
        now = self.clock.now()
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(t.restrictions).where(t.restrictions.c.id == restriction_id)).first()
            if row is None:
                raise NotFound(f"no restriction {restriction_id!r}")
            r = store.restriction_from(row)
            if not r.active_at(now):
                raise Conflict(f"restriction {restriction_id} is not active")
            r.lifted_at, r.lift_reason = now, reason
            store.update_restriction(conn, r)
            store.AuditWriter(conn).append(
                now,
                actor,
                "restriction.lifted",
                f"{r.subject_type}:{r.subject_id}",
                {"restriction": r.id, "reason": reason},
            )
        return r

    # --- audit ---------------------------------------------------------------------------------------------

    def audit_verify(self, anchors: Sequence[dict[str, Any]] = (), verifier: Verifier | None = None) -> ChainReport:
        """Prove the chain, the stored events and the state rows against each other, and the chain against its
        signed checkpoints and `anchors` (exported checkpoints), with `verifier` (default: the app's key). Reads
        only (adapters/audit_state.verify)."""
        with reading(self.engine) as conn:
            return audit_state.verify(conn, verifier or self.verifier, anchors)

    def audit_checkpoints(self) -> list[dict[str, Any]]:
        """The signed checkpoints, oldest first, for an auditor to keep elsewhere (`warden audit checkpoints`)."""
        with reading(self.engine) as conn:
            return list(audit_state.checkpoints(conn))
