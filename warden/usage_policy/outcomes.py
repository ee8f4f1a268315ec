"""Case outcomes (S-E4) and what follows them: a warning, training (tracked to completion), deregistration, the
app's removal, escalation as illegal, dismissal; tagging a case as a false positive of its rule (at any time);
escalating overdue cases (S-E2). An outcome's effect on the account is applied in the decision's transaction.

Every public method but the operator's `escalate_overdue` takes the caller's `Principal` first (checked by
`access.py`); each is one transaction, audited, and recorded on the case's timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from warden.adapters import store as core
from warden.adapters.uow import Tx, UnitOfWork
from warden.kernel.access import Principal, Role, same_person
from warden.kernel.decision import Effects, derive_id
from warden.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.kernel.model import APP_REMOVED_RULE, DEREGISTERED_RULE, Flag, Restriction, Scope
from warden.pipeline.effects import audit_effects
from warden.usage_policy import access, store
from warden.usage_policy.cases import notify_case, visible_case
from warden.usage_policy.model import (
    OUTCOMES,
    ROUTED_TO,
    Case,
    ReversalProposal,
    deadline_window,
)
from warden.usage_policy.policy import EnterpriseUsageSettings


class CaseOutcomes:
    """Deciding cases (HR and investigators), training completion, classification, escalation of overdue cases."""

    def __init__(self, uow: UnitOfWork, settings: EnterpriseUsageSettings, timezone: str = "Asia/Shanghai") -> None:
        self.uow = uow
        self.settings = settings
        self.timezone = timezone
        self.after_commit: Callable[[], object] = _nothing
        """Delivers the outbox after a committed change (set by bootstrap to the appeals' delivery)."""

    def due(self, enterprise_id: str | None = None, deliver: bool = True) -> list[Case]:
        """The due-time check (issue 15), run before each case request and by `warden scheduler`: escalate every
        case that has fallen overdue (`escalate_overdue`, as `scheduler`), then deliver the outbox (what it queued,
        and the `opened` notices ingest queued). Reads first, so
        a request finding nothing due takes no writers' lock. Deterministic with the injected clock."""
        with self.uow.reading() as tx:
            due = bool(store.overdue_unescalated(tx.conn, tx.now, enterprise_id))
        done = self.escalate_overdue("scheduler", enterprise_id) if due else []
        if deliver:
            self.after_commit()  # also what ingest queued (a case opened by a message): ingest has no after-commit hook
        return done

    def decide(self, principal: Principal, case_id: str, outcome: str, note: str, misclassified: bool = False) -> Case:
        """S-E4: record the outcome (one of `model.OUTCOMES`) and apply its effect on the account
        (`outcome_effects`) in the same transaction. 409 when the case is already decided."""
        with self.uow.writing(lock=True) as tx:
            case = visible_case(tx.conn, principal, case_id)
            access.check_case_action(principal, case, "decide", self.settings)
            if outcome not in OUTCOMES:
                raise InvalidInput(f"unknown outcome {outcome!r}", [FieldError(field="outcome", message="unknown")])
            if case.status != "open":
                raise Conflict(f"case {case_id} is already decided ({case.outcome})")
            now, actor = tx.now, principal.actor
            case.outcome, case.outcome_at, case.outcome_note, case.decided_by = outcome, now, note, actor
            case.misclassified = misclassified
            if outcome == "training":
                case.status, case.training_due_at = "training", now + self.settings.training_due
            else:
                case.status, case.closed_at = "closed", now
            if outcome == "escalate_illegal":
                case.escalated_at = case.escalated_at or now
            changes = outcome_effects(case, outcome, note, now)
            store.save_case(tx.conn, case)
            core.save_changes(tx.conn, changes)
            audit_effects(tx.audit, changes, now, actor)
            store.append_entry(
                tx.conn,
                case,
                "outcome",
                actor,
                {
                    "outcome": outcome,
                    "note": note,
                    "misclassified": misclassified,
                    "restrictions": [r.id for r in changes.restrictions],
                    "training_due_at": case.training_due_at.isoformat() if case.training_due_at else None,
                },
                now,
            )
            tx.audit.append(
                now,
                actor,
                "case.decided",
                f"case:{case_id}",
                {"outcome": outcome, "account": case.account_id, "misclassified": misclassified},
            )
        self.after_commit()
        return case

    def reverse(self, principal: Principal, case_id: str, reason: str) -> Case | ReversalProposal:
        """S-E4 (issue 15): HR or an investigator takes back a mistaken outcome, with a reason. Its effects are
        undone in the same transaction (the deregistration's or the app removal's restriction lifted, an escalation
        flag still open withdrawn) and the case is undecided again, with a fresh deadline by its severity, so it
        can be decided anew. Audited (`case.outcome_reversed`) and on the timeline. 409 when undecided.

        Four eyes (issue 12): when the outcome banned the account (an active restriction of the case with scope
        account: a deregistration), the reversal is only *proposed* (returned as a `ReversalProposal`; timeline
        `reversal_proposed`, audit `case.outcome_reversal_proposed`) and takes effect when a different person
        with a role that may reverse confirms it (`confirm_reversal`). 409 when a proposal is open already."""
        with self.uow.writing(lock=True) as tx:
            case = visible_case(tx.conn, principal, case_id)
            access.check_case_action(principal, case, "reverse", self.settings)
            if case.outcome is None:
                raise Conflict(f"case {case_id} has no outcome to reverse")
            pending = open_reversal(store.case_entries(tx.conn, case_id), case_id)
            if pending is not None:
                raise Conflict(
                    f"a reversal of this outcome is proposed already (by {pending.requested_by} at "
                    f"{pending.requested_at.isoformat()}); a different person confirms or declines it at "
                    f"{pending.confirm_at}"
                )
            if any(_bans(r) for r in store.case_restrictions(tx.conn, case, tx.now)):
                data = {"outcome": case.outcome, "reason": reason, "requested_by": principal.actor}
                store.append_entry(tx.conn, case, "reversal_proposed", principal.actor, data, tx.now)
                tx.audit.append(
                    tx.now,
                    principal.actor,
                    "case.outcome_reversal_proposed",
                    f"case:{case_id}",
                    {"outcome": case.outcome, "account": case.account_id, "reason": reason},
                )
                return ReversalProposal(case_id, case.outcome, reason, principal.actor, tx.now)
            self._reverse_in(tx, case, principal.actor, reason)
        return case

    def confirm_reversal(self, principal: Principal, case_id: str, agree: bool, note: str | None = None) -> Case:
        """A different person confirms a proposed reversal (carried out now, with the proposal's reason) or declines
        it (the outcome stands). Forbidden for the proposer with any token of theirs, and for a role that may not
        reverse outcomes on this case; 409 when no reversal is proposed. Audited, on the timeline."""
        with self.uow.writing(lock=True) as tx:
            case = visible_case(tx.conn, principal, case_id)
            access.check_case_action(principal, case, "reverse", self.settings)
            pending = open_reversal(store.case_entries(tx.conn, case_id), case_id)
            if pending is None or case.outcome is None:
                raise Conflict(f"no reversal of case {case_id}'s outcome is proposed; there is nothing to confirm")
            if same_person(pending.requested_by, principal.actor):
                raise Forbidden(
                    "four eyes: the person who proposed reversing an outcome that banned the account cannot confirm "
                    "or decline it, with any of their tokens; a different person must"
                )
            if agree:
                self._reverse_in(tx, case, principal.actor, pending.reason, proposed_by=pending.requested_by, note=note)
            else:
                data = {"outcome": case.outcome, "proposed_by": pending.requested_by, "note": note}
                store.append_entry(tx.conn, case, "reversal_declined", principal.actor, data, tx.now)
                tx.audit.append(
                    tx.now,
                    principal.actor,
                    "case.outcome_reversal_declined",
                    f"case:{case_id}",
                    {"outcome": case.outcome, "account": case.account_id, "proposed_by": pending.requested_by},
                )
        return case

    def _reverse_in(
        self, tx: Tx, case: Case, actor: str, reason: str, proposed_by: str | None = None, note: str | None = None
    ) -> None:
        """Undo the outcome's effects and reopen the case, in `tx` (see `reverse`)."""
        now, was = tx.now, case.outcome
        lifted = []
        for r in store.case_restrictions(tx.conn, case, now):
            r.lifted_at, r.lift_reason = now, f"outcome reversed: {reason}"
            core.update_restriction(tx.conn, r)
            tx.audit.append(
                now, actor, "restriction.lifted", f"account:{r.subject_id}", {"restriction": r.id, "reason": reason}
            )
            lifted.append(r.id)
        withdrawn = store.withdraw_case_flags(tx.conn, case.account_id, case.id)
        case.outcome = case.outcome_at = case.outcome_note = case.decided_by = case.closed_at = None
        case.training_due_at = case.training_completed_at = None
        case.status = "open"
        case.deadline_at = now + deadline_window(case.severity, self.settings)
        store.save_case(tx.conn, case)
        data: dict[str, object] = {"outcome": was, "reason": reason, "lifted": lifted, "flags_withdrawn": withdrawn}
        audited: dict[str, object] = {"outcome": was, "account": case.account_id}
        if proposed_by is not None:
            data |= {"proposed_by": proposed_by, "confirmed_by": actor, "note": note}
            audited |= {"proposed_by": proposed_by, "confirmed_by": actor}
        store.append_entry(tx.conn, case, "outcome_reversed", actor, data, now)
        tx.audit.append(now, actor, "case.outcome_reversed", f"case:{case.id}", audited)

    def tag_misclassified(self, principal: Principal, case_id: str, misclassified: bool, note: str) -> Case:
        """Tag (or untag) a case as a false positive of its rule, at any time: it feeds the rule's quality figures.
        No change, no entry."""
        with self.uow.writing(lock=True) as tx:
            case = visible_case(tx.conn, principal, case_id)
            access.check_case_action(principal, case, "classify", self.settings)
            if case.misclassified == misclassified:
                return case
            case.misclassified = misclassified
            store.set_case(tx.conn, case_id, misclassified=misclassified)
            data = {"misclassified": misclassified, "note": note}
            store.append_entry(tx.conn, case, "classification", principal.actor, data, tx.now)
            tx.audit.append(
                tx.now,
                principal.actor,
                "case.classification",
                f"case:{case_id}",
                {"misclassified": misclassified, "rule": case.rule_id},
            )
        return case

    def complete_training(self, principal: Principal, case_id: str) -> Case:
        """The assigned training was completed: the case closes. 409 when no training is in progress."""
        with self.uow.writing(lock=True) as tx:
            case = visible_case(tx.conn, principal, case_id)
            access.check_case_action(principal, case, "complete_training", self.settings)
            if case.status != "training":
                raise Conflict(f"case {case_id} has no training in progress (status {case.status})")
            case.status, case.training_completed_at, case.closed_at = "closed", tx.now, tx.now
            store.save_case(tx.conn, case)
            due = {"due_at": case.training_due_at.isoformat() if case.training_due_at else None}
            store.append_entry(tx.conn, case, "training_completed", principal.actor, due, tx.now)
            tx.audit.append(
                tx.now, principal.actor, "case.training_completed", f"case:{case_id}", {"account": case.account_id}
            )
        return case

    def escalate_overdue(self, actor: str = "cli", enterprise_id: str | None = None) -> list[Case]:
        """The operator's sweep (`warden cases escalate`; no caller to check): record escalation (to
        investigators, on top of admins and HR) for every overdue undecided case, once each. NotFound for an
        `enterprise_id` nobody registered."""
        done = []
        with self.uow.writing(lock=True) as tx:
            now = tx.now
            if enterprise_id is not None and core.get_enterprise(tx.conn, enterprise_id) is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            for case in store.overdue_unescalated(tx.conn, now, enterprise_id):
                case.escalated_at = now
                store.set_case(tx.conn, case.id, escalated_at=now)
                late_by = int((now - case.deadline_at).total_seconds())
                roles = [*ROUTED_TO, Role.INVESTIGATOR.value]
                routed = {"overdue_seconds": late_by, "routed_to": roles}
                store.append_entry(tx.conn, case, "escalated", actor, routed, now)
                notify_case(tx.conn, case, "overdue", roles, now, self.timezone)
                tx.audit.append(now, actor, "case.escalated", f"case:{case.id}", {"overdue_seconds": late_by})
                done.append(case)
        return done


def _bans(r: Restriction) -> bool:
    """Whether lifting `r` ends a ban of the account (scope account, as `enforcement.access.needs_second_person`):
    a deregistration. Reversing it takes two people."""
    return r.scope is Scope.ACCOUNT


def open_reversal(entries: list[dict[str, Any]], case_id: str) -> ReversalProposal | None:
    """The reversal proposed on a case's timeline and neither carried out nor declined since, if any."""
    pending: ReversalProposal | None = None
    for e in entries:
        if e["kind"] == "reversal_proposed":
            d = e["data"]
            pending = ReversalProposal(case_id, d["outcome"], d["reason"], d["requested_by"], e["at"])
        elif e["kind"] in ("outcome_reversed", "reversal_declined"):
            pending = None
    return pending


def outcome_effects(case: Case, outcome: str, note: str, now: datetime) -> Effects:
    """S-E4: what an outcome does to the account: deregistering bans it, removing the app restricts login
    (both open-ended), escalating as illegal raises a flag for platform reviewers; the rest change nothing."""
    changes = Effects()
    evidence = {"case": case.id, "spec": "S-E4", "enterprise_id": case.enterprise_id, "note": note, "outcome": outcome}
    if outcome in ("deregister", "app_removed"):
        rule = DEREGISTERED_RULE if outcome == "deregister" else APP_REMOVED_RULE
        changes.restrictions.append(
            Restriction(
                id=derive_id("rst", case.id, outcome, now.isoformat()),  # a re-decided case gets a new one
                subject_type="account",
                subject_id=case.account_id,
                scope=Scope.ACCOUNT if outcome == "deregister" else Scope.LOGIN,
                step=0,
                rule_id=rule,
                starts_at=now,
                ends_at=None,
                evidence=evidence,
            )
        )
    if outcome == "escalate_illegal":
        changes.flags.append(
            Flag(
                derive_id("flg", case.id, outcome, now.isoformat()),
                "account",
                case.account_id,
                "enterprise_escalation",
                now,
                evidence,
            )
        )
    return changes


def _nothing() -> None:
    return None
