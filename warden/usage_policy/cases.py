"""Violation cases (S-E1–S-E5): opened or joined by hits and reports, routed to the enterprise's admins and HR,
with deadlines by severity and escalation when overdue; the employee's statement; the outcome and its effect on
the account.

Every public method is one transaction and audited; the case's timeline (`case_entries`) records each step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warden.adapters import store as core
from warden.kernel.access import Principal, Role
from warden.kernel.clock import Clock
from warden.kernel.cursor import decode_position, encode_position
from warden.kernel.decision import Effects, derive_id
from warden.kernel.errors import Conflict, IdempotencyKeyReused, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.kernel.model import Flag, Restriction, Scope
from warden.pipeline.effects import audit_effects
from warden.pipeline.ingest import FUTURE_SKEW
from warden.usage_policy import access, store
from warden.usage_policy.model import (
    APP_REMOVED_RULE,
    DEREGISTERED_RULE,
    OUTCOMES,
    ROUTED_TO,
    SEVERE_REPORT_CATEGORIES,
    Case,
    ViolationReport,
    deadline_window,
    report_differs,
    statement_errors,
)
from warden.usage_policy.policy import EnterpriseUsageSettings, UsagePolicyDoc
from warden.usage_policy.store import Connection, Engine


def writer(conn: Connection) -> core.AuditWriter:
    """The audit writer, with the writers' lock taken first so case timelines never interleave."""
    audit = core.AuditWriter(conn)
    audit.next_seq()
    return audit


class CaseDesk:
    """Cases: open or join, reports, reads, statements, outcomes, training, escalation."""

    def __init__(self, engine: Engine, settings: EnterpriseUsageSettings, clock: Clock) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock

    # --- opening and joining ------------------------------------------------------------------------------

    def open_or_join(
        self,
        conn: Connection,
        audit: core.AuditWriter,
        enterprise_id: str,
        account_id: str,
        *,
        rule_id: str | None,
        category: str,
        severity: str,
        source: str,
        first_seen: datetime,
        key: str,
        actor: str,
        reported_late: bool = False,
        also_rules: list[str] | None = None,
    ) -> Case:
        """An undecided case of the same employee and rule (any of `also_rules`, or the same report category
        when no rule is named) is joined, else one opens (its id derives from `key`)."""
        now = self.clock.now()
        rules = also_rules or ([rule_id] if rule_id else [])
        case = store.open_case_of(conn, enterprise_id, account_id, rules, category)
        if case is not None:
            before = (case.severity, case.deadline_at)
            case.join(severity, now, self.settings)
            case.first_seen_at = min(case.first_seen_at, first_seen)
            case.reported_late = case.reported_late or reported_late
            store.save_case(conn, case)
            self.entry(conn, case, "joined", actor, {"source": source, "severity": severity, "was": before[0]})
            return case
        store.policy_meta(conn, enterprise_id, actor, self.clock.now())
        case = Case(
            id=derive_id("case", enterprise_id, account_id, rule_id or category, key),
            enterprise_id=enterprise_id,
            account_id=account_id,
            rule_id=rule_id,
            category=category,
            severity=severity,
            source=source,
            status="open",
            opened_at=now,
            first_seen_at=first_seen,
            deadline_at=now + deadline_window(severity, self.settings),
            reported_late=reported_late,
        )
        store.insert_case(conn, case)
        self.entry(
            conn,
            case,
            "opened",
            actor,
            {
                "source": source,
                "severity": severity,
                "deadline_at": case.deadline_at.isoformat(),
                "routed_to": list(ROUTED_TO),
            },
        )
        audit.append(
            now,
            actor,
            "case.opened",
            f"enterprise:{enterprise_id}",
            {"case": case.id, "account": account_id, "rule": rule_id, "severity": severity, "source": source},
        )
        return case

    def entry(
        self,
        conn: Connection,
        case: Case,
        kind: str,
        actor: str,
        data: dict[str, Any],
        *,
        rule_id: str | None = None,
        event_id: str | None = None,
        idem_key: str | None = None,
    ) -> None:
        """Append to the case's timeline, at the clock's now."""
        store.append_entry(
            conn, case, kind, actor, data, self.clock.now(), rule_id=rule_id, event_id=event_id, idem_key=idem_key
        )

    def report_violation(
        self, enterprise_id: str, reporter: str, actor: str, report: ViolationReport, idem_key: str | None = None
    ) -> tuple[Case, bool]:
        """An employee (or HR) reports a violation they saw; returns the case and whether it was a replay."""
        s = self.settings
        now = self.clock.now()
        scoped_key = f"{enterprise_id}:{actor}:{idem_key}" if idem_key else None
        with store.writing(self.engine) as conn:
            audit = writer(conn)
            if scoped_key:
                prior = store.report_by_key(conn, scoped_key)
                if prior is not None:
                    case_id, rule_id, data = prior
                    case = self._load(conn, case_id)
                    differs = report_differs(case, rule_id, data, report)
                    if differs:  # same key, different report: 409, nothing stored (issue 10, item 8)
                        raise IdempotencyKeyReused(idem_key or "", differs)
                    return case, True
            acc = core.get_account(conn, report.account_id)
            errs = []
            if acc is None or acc.enterprise_id != enterprise_id:
                errs.append(FieldError(field="account_id", message="no such member in this enterprise"))
            if report.observed_at > now + FUTURE_SKEW:
                errs.append(FieldError(field="observed_at", message="is in the future"))
            severity = report.severity
            if report.rule_id:
                doc = store.policy_document(conn, enterprise_id)
                rules = {r.id: r for r in UsagePolicyDoc.model_validate_json(doc).rules} if doc else {}
                if report.rule_id not in rules:
                    errs.append(FieldError(field="rule_id", message="no such rule in this enterprise's policy"))
                else:
                    severity = severity or rules[report.rule_id].severity
            if errs:
                raise InvalidInput(f"{len(errs)} problem(s) in the report; nothing was stored", errs)
            severity = severity or ("high" if report.category in SEVERE_REPORT_CATEGORIES else "medium")
            late = now - report.observed_at > deadline_window(severity, s)
            case = self.open_or_join(
                conn,
                audit,
                enterprise_id,
                report.account_id,
                rule_id=report.rule_id,
                category=report.category,
                severity=severity,
                source="self_report" if reporter == report.account_id else "report",
                first_seen=report.observed_at,
                key=f"report:{actor}:{now.isoformat()}:{idem_key or ''}",
                actor=actor,
                reported_late=late,
            )
            self.entry(
                conn,
                case,
                "report",
                actor,
                {
                    "reporter": reporter,
                    "self_report": reporter == report.account_id,
                    "category": report.category,
                    "description": report.description,
                    "observed_at": report.observed_at.isoformat(),
                    "reported_late": late,
                    "evidence_refs": list(report.evidence_refs),
                    "severity_given": report.severity,  # as sent, so a replayed key can be compared
                },
                rule_id=report.rule_id,
                idem_key=scoped_key,
            )
            audit.append(
                now,
                actor,
                "case.reported",
                f"enterprise:{enterprise_id}",
                {"case": case.id, "category": report.category, "late": late},
            )
        return case, False

    # --- reading ----------------------------------------------------------------------------------------

    @staticmethod
    def _load(conn: Connection, case_id: str) -> Case:
        case = store.get_case(conn, case_id)
        if case is None:
            raise NotFound(f"no case {case_id!r}")
        return case

    def get_case(self, case_id: str) -> tuple[Case, list[dict[str, Any]]]:
        """The case and its timeline (dicts of at, actor, kind, rule, event_id, data)."""
        with store.reading(self.engine) as conn:
            return self._load(conn, case_id), store.case_entries(conn, case_id)

    def visible_case(self, principal: Principal, case_id: str) -> tuple[Case, list[dict[str, Any]]]:
        """The case if the caller may see it; out of scope answers 403 whether or not it exists (no leak)."""
        try:
            case, entries = self.get_case(case_id)
        except NotFound:
            if access.is_global_reader(principal):
                raise
            access.check_case(principal, None)  # a 403 for every other caller
            raise
        access.check_case(principal, case)
        return case, entries

    def list_cases(
        self,
        enterprise_id: str,
        *,
        status: str | None = None,
        overdue: bool | None = None,
        account_id: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> tuple[list[Case], str | None]:
        """Newest first, paginated by an opaque cursor; returns the page and the next cursor (None at the end)."""
        after = decode_position(cursor)
        now = self.clock.now()
        with store.reading(self.engine) as conn:
            items = store.list_cases(
                conn,
                enterprise_id,
                status=status,
                account_id=account_id,
                overdue=overdue,
                now=now,
                after=after,
                limit=limit + 1,
            )
        nxt = None
        if len(items) > limit:
            items = items[:limit]
            nxt = encode_position(items[-1].opened_at, items[-1].id)
        return items, nxt

    # --- statements and outcomes ----------------------------------------------------------------------------

    def submit_statement(
        self,
        case_id: str,
        actor: str,
        responsibility: str,
        text: str,
        evidence_refs: list[str],
        instructed_by: str | None,
    ) -> Case:
        """S-E5: the employee's own account of what happened; "misled or instructed" needs evidence."""
        errs = statement_errors(responsibility, evidence_refs)
        if errs:
            raise InvalidInput(errs[0].message, errs)
        now = self.clock.now()
        with store.writing(self.engine) as conn:
            audit = writer(conn)
            case = self._load(conn, case_id)
            if case.status != "open":
                raise Conflict(f"case {case_id} is already decided ({case.outcome}); a statement comes before that")
            if case.statement is not None:
                raise Conflict(f"case {case_id} already has a statement (given {case.statement_at})")
            case.statement = {
                "responsibility": responsibility,
                "text": text,
                "evidence_refs": evidence_refs,
                "instructed_by": instructed_by,
                "by": actor,
            }
            case.statement_at = now
            store.save_case(conn, case)
            self.entry(conn, case, "statement", actor, case.statement)
            audit.append(
                now,
                actor,
                "case.statement",
                f"case:{case_id}",
                {"responsibility": responsibility, "evidence": len(evidence_refs)},
            )
        return case

    def decide(self, case_id: str, actor: str, outcome: str, note: str, misclassified: bool = False) -> Case:
        """S-E4: record the outcome and apply its effect on the account in the same transaction."""
        if outcome not in OUTCOMES:
            raise InvalidInput(f"unknown outcome {outcome!r}", [FieldError(field="outcome", message="unknown")])
        now = self.clock.now()
        with store.writing(self.engine) as conn:
            audit = writer(conn)
            case = self._load(conn, case_id)
            if case.status != "open":
                raise Conflict(f"case {case_id} is already decided ({case.outcome})")
            case.outcome, case.outcome_at, case.outcome_note, case.decided_by = outcome, now, note, actor
            case.misclassified = misclassified
            if outcome == "training":
                case.status, case.training_due_at = "training", now + self.settings.training_due
            else:
                case.status, case.closed_at = "closed", now
            if outcome == "escalate_illegal":
                case.escalated_at = case.escalated_at or now
            changes = outcome_effects(case, outcome, note, now)
            store.save_case(conn, case)
            core.save_changes(conn, changes)
            audit_effects(audit, changes, now, actor)
            self.entry(
                conn,
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
            )
            audit.append(
                now,
                actor,
                "case.decided",
                f"case:{case_id}",
                {"outcome": outcome, "account": case.account_id, "misclassified": misclassified},
            )
        return case

    def tag_misclassified(self, case_id: str, actor: str, misclassified: bool, note: str) -> Case:
        """Tag (or untag) a case as a false positive of its rule, at any time: it feeds the rule's quality figures."""
        now = self.clock.now()
        with store.writing(self.engine) as conn:
            audit = writer(conn)
            case = self._load(conn, case_id)
            if case.misclassified == misclassified:
                return case
            case.misclassified = misclassified
            store.set_case(conn, case_id, misclassified=misclassified)
            self.entry(conn, case, "classification", actor, {"misclassified": misclassified, "note": note})
            audit.append(
                now,
                actor,
                "case.classification",
                f"case:{case_id}",
                {"misclassified": misclassified, "rule": case.rule_id},
            )
        return case

    def complete_training(self, case_id: str, actor: str) -> Case:
        """The assigned training was completed: the case closes."""
        now = self.clock.now()
        with store.writing(self.engine) as conn:
            audit = writer(conn)
            case = self._load(conn, case_id)
            if case.status != "training":
                raise Conflict(f"case {case_id} has no training in progress (status {case.status})")
            case.status, case.training_completed_at, case.closed_at = "closed", now, now
            store.save_case(conn, case)
            self.entry(
                conn,
                case,
                "training_completed",
                actor,
                {"due_at": case.training_due_at.isoformat() if case.training_due_at else None},
            )
            audit.append(now, actor, "case.training_completed", f"case:{case_id}", {"account": case.account_id})
        return case

    def escalate_overdue(self, actor: str = "cli", enterprise_id: str | None = None) -> list[Case]:
        """Record escalation (to investigators, on top of admins and HR) for every overdue undecided case."""
        now = self.clock.now()
        done = []
        with store.writing(self.engine) as conn:
            audit = writer(conn)
            for case in store.overdue_unescalated(conn, now, enterprise_id):
                case.escalated_at = now
                store.set_case(conn, case.id, escalated_at=now)
                late_by = int((now - case.deadline_at).total_seconds())
                self.entry(
                    conn,
                    case,
                    "escalated",
                    actor,
                    {"overdue_seconds": late_by, "routed_to": [*ROUTED_TO, Role.INVESTIGATOR.value]},
                )
                audit.append(now, actor, "case.escalated", f"case:{case.id}", {"overdue_seconds": late_by})
                done.append(case)
        return done


def outcome_effects(case: Case, outcome: str, note: str, now: datetime) -> Effects:
    """S-E4: what an outcome does to the account: deregistering bans it, removing the app restricts login
    (both open-ended), escalating as illegal raises a flag for platform reviewers; the rest change nothing."""
    changes = Effects()
    evidence = {"case": case.id, "spec": "S-E4", "enterprise_id": case.enterprise_id, "note": note}
    if outcome in ("deregister", "app_removed"):
        rule = DEREGISTERED_RULE if outcome == "deregister" else APP_REMOVED_RULE
        changes.restrictions.append(
            Restriction(
                id=derive_id("rst", case.id, outcome),
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
            Flag(derive_id("flg", case.id, outcome), "account", case.account_id, "enterprise_escalation", now, evidence)
        )
    return changes
