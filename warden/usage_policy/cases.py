"""Violation cases (S-E1–S-E3, S-E5): opened or joined by hits and reports, routed to the enterprise's admins and
HR with deadlines by severity; the employee's statement; reading cases as far as the caller may. What a decision
does to a case and to the account (S-E4) is `outcomes.py`.

Every public method takes the caller's `Principal` first (checked by `access.py`), is one transaction and audited;
the case's timeline (`case_entries`) records each step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from warden.adapters import store as core
from warden.adapters.uow import Connection, UnitOfWork
from warden.kernel.access import Principal
from warden.kernel.cursor import decode_position, encode_position
from warden.kernel.decision import derive_id
from warden.kernel.errors import Conflict, IdempotencyKeyReused, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.pipeline.ingest import FUTURE_SKEW
from warden.usage_policy import access, store
from warden.usage_policy.model import (
    ROUTED_TO,
    SEVERE_REPORT_CATEGORIES,
    Case,
    ViolationReport,
    deadline_window,
    report_differs,
    statement_errors,
)
from warden.usage_policy.policy import EnterpriseUsageSettings, UsagePolicyDoc
from warden.usage_policy.texts import case_notice


def notify_case(conn: Connection, case: Case, kind: str, roles: Sequence[str], now: datetime, timezone: str) -> None:
    """Queue a notice (`opened`, `overdue`) of the case to each of `roles` of its enterprise (recipient
    `<role>:<enterprise id>`) in the one outbox appeals use, in the caller's transaction; keyed
    `case:<id>:<kind>:<deadline>:<role>`, so a notice is queued once. The payload names the case, its severity
    and deadline (also in the policy's timezone) — never the employee or the content."""
    payload = {
        "case_id": case.id,
        "enterprise_id": case.enterprise_id,
        "severity": case.severity,
        "deadline_at": case.deadline_at.isoformat(),
        "url": f"/v1/cases/{case.id}",
        "text": case_notice(kind, case.id, case.severity, case.deadline_at, timezone),
    }
    for role in roles:
        key = f"case:{case.id}:{kind}:{case.deadline_at.isoformat()}:{role}"
        core.queue_notification(conn, key, (role, case.enterprise_id), f"case.{kind}", payload, now)


def visible_case(conn: Connection, principal: Principal, case_id: str) -> Case:
    """The case if the caller may see it. Out of scope is 403 whether or not it exists (no leak); platform
    reviewers and auditors get the 404 (`NotFound`) of a missing case."""
    case = store.get_case(conn, case_id)
    access.check_case(principal, case)
    if case is None:
        raise NotFound(f"no case {case_id!r}")
    return case


class CaseDesk:
    """Cases: open or join (from ingest hits and reports), reports, reads, statements."""

    def __init__(self, uow: UnitOfWork, settings: EnterpriseUsageSettings, timezone: str = "Asia/Shanghai") -> None:
        self.uow = uow
        self.settings = settings
        self.timezone = timezone
        self.due_check: Callable[[str | None], object] = _nothing
        """Escalates what has fallen due (`CaseOutcomes.due`), run before each case request (set by bootstrap)."""
        self.after_commit: Callable[[], object] = _nothing_now
        """Delivers the outbox after a committed change (set by bootstrap to the appeals' delivery)."""

    # --- opening and joining ------------------------------------------------------------------------------

    def open_or_join(
        self,
        conn: Connection,
        audit: core.AuditWriter,
        now: datetime,
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
        """Inside the caller's transaction (the ingest batch's, or a report's): an undecided case of the same
        employee and rule (any of `also_rules`, or the same report category when no rule is named) is joined,
        else one opens at `now` (its id derives from `key`)."""
        rules = also_rules or ([rule_id] if rule_id else [])
        case = store.open_case_of(conn, enterprise_id, account_id, rules, category)
        if case is not None:
            before = (case.severity, case.deadline_at)
            case.join(severity, now, self.settings)
            case.first_seen_at = min(case.first_seen_at, first_seen)
            case.reported_late = case.reported_late or reported_late
            store.save_case(conn, case)
            joined = {"source": source, "severity": severity, "was": before[0]}
            store.append_entry(conn, case, "joined", actor, joined, now)
            return case
        store.policy_meta(conn, enterprise_id, actor, now)
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
        opened = {
            "source": source,
            "severity": severity,
            "deadline_at": case.deadline_at.isoformat(),
            "routed_to": list(ROUTED_TO),
        }
        store.append_entry(conn, case, "opened", actor, opened, now)
        notify_case(conn, case, "opened", ROUTED_TO, now, self.timezone)
        audit.append(
            now,
            actor,
            "case.opened",
            f"enterprise:{enterprise_id}",
            {"case": case.id, "account": account_id, "rule": rule_id, "severity": severity, "source": source},
        )
        return case

    def report_violation(
        self, principal: Principal, enterprise_id: str, report: ViolationReport, idem_key: str | None = None
    ) -> tuple[Case, bool]:
        """An employee (or HR, an investigator, the admin) reports a violation they saw, or their own (S-E5): it
        opens or joins a case. Returns the case and whether this was a replay of the same Idempotency-Key."""
        access.check_tenant(principal, enterprise_id, access.REPORTERS)
        self.due_check(enterprise_id)
        actor, reporter = principal.actor, principal.account_id or principal.actor
        scoped_key = f"{enterprise_id}:{actor}:{idem_key}" if idem_key else None
        with self.uow.writing(lock=True) as tx:  # the lock first, so case timelines never interleave
            conn, now = tx.conn, tx.now
            if scoped_key:
                prior = store.report_by_key(conn, scoped_key)
                if prior is not None:
                    case_id, rule_id, data = prior
                    case = store.get_case(conn, case_id)
                    if case is None:
                        raise NotFound(f"no case {case_id!r}")
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
            late = now - report.observed_at > deadline_window(severity, self.settings)
            case = self.open_or_join(
                conn,
                tx.audit,
                now,
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
            store.append_entry(
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
                now,
                rule_id=report.rule_id,
                idem_key=scoped_key,
            )
            tx.audit.append(
                now,
                actor,
                "case.reported",
                f"enterprise:{enterprise_id}",
                {"case": case.id, "category": report.category, "late": late},
            )
        self.after_commit()
        return case, False

    # --- reading ----------------------------------------------------------------------------------------

    def get_case(self, principal: Principal, case_id: str) -> tuple[Case, list[dict[str, Any]]]:
        """The case and its timeline (dicts of at, actor, kind, rule, event_id, data), if the caller may see it
        (`visible_case`); `Figures.case_view` renders both for the caller."""
        self.due_check(None)
        with self.uow.reading() as tx:
            return visible_case(tx.conn, principal, case_id), store.case_entries(tx.conn, case_id)

    def list_cases(
        self,
        principal: Principal,
        enterprise_id: str,
        *,
        status: str | None = None,
        overdue: bool | None = None,
        account_id: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> tuple[list[Case], str | None]:
        """The enterprise's cases newest first (an employee's own only; `account_id` narrows it for staff),
        paginated by an opaque cursor; returns the page and the next cursor (None at the end). NotFound for an
        enterprise nobody registered (after the access check: a token learns nothing of others')."""
        access.check_tenant(principal, enterprise_id, access.CASE_LISTERS)
        with self.uow.reading() as tx:  # an unknown enterprise is named, not listed as one without cases
            if core.get_enterprise(tx.conn, enterprise_id) is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
        self.due_check(enterprise_id)
        account_id = access.own_cases_only(principal) or account_id
        after = decode_position(cursor)
        with self.uow.reading() as tx:
            items = store.list_cases(
                tx.conn,
                enterprise_id,
                status=status,
                account_id=account_id,
                overdue=overdue,
                now=tx.now,
                after=after,
                limit=limit + 1,
            )
        nxt = None
        if len(items) > limit:
            items = items[:limit]
            nxt = encode_position(items[-1].opened_at, items[-1].id)
        return items, nxt

    # --- statements -------------------------------------------------------------------------------------

    def submit_statement(
        self,
        principal: Principal,
        case_id: str,
        responsibility: str,
        text: str,
        evidence_refs: list[str],
        instructed_by: str | None,
    ) -> Case:
        """S-E5: the employee's own account of what happened, by the employee or recorded by HR or an
        investigator, before the case is decided; "misled or instructed" needs evidence, and every
        `evidence_refs` item must be the id of evidence uploaded to this case (`POST /v1/cases/{id}/evidence`).
        Naming `instructed_by` (a member of the same enterprise) opens or joins a linked case for that person,
        of the same rule and severity, routed and notified like any other (issue 15)."""
        with self.uow.writing(lock=True) as tx:
            conn, now = tx.conn, tx.now
            case = visible_case(conn, principal, case_id)
            access.check_case_action(principal, case, "statement", self.settings)
            errs = statement_errors(responsibility, evidence_refs)
            uploaded = store.evidence_ids(conn, case_id)
            unknown = [r for r in evidence_refs if r not in uploaded]
            if unknown:
                errs.append(
                    FieldError(
                        field="evidence_refs",
                        message=f"not evidence uploaded to this case: {', '.join(unknown[:5])}; upload each file "
                        f"first (POST /v1/cases/{case_id}/evidence) and name the id it returns",
                    )
                )
            instructor = core.get_account(conn, instructed_by) if instructed_by else None
            if instructed_by and (instructor is None or instructor.enterprise_id != case.enterprise_id):
                errs.append(FieldError(field="instructed_by", message="no such member in this enterprise"))
            elif instructed_by == case.account_id:
                errs.append(FieldError(field="instructed_by", message="names the employee the case is about"))
            if errs:
                raise InvalidInput(errs[0].message, errs)
            if case.status != "open":
                raise Conflict(f"case {case_id} is already decided ({case.outcome}); a statement comes before that")
            if case.statement is not None:
                raise Conflict(f"case {case_id} already has a statement (given {case.statement_at})")
            case.statement = {
                "responsibility": responsibility,
                "text": text,
                "evidence_refs": evidence_refs,
                "instructed_by": instructed_by,
                "by": principal.actor,
            }
            if instructed_by:
                linked = self.open_or_join(
                    conn,
                    tx.audit,
                    now,
                    case.enterprise_id,
                    instructed_by,
                    rule_id=case.rule_id,
                    category=case.category,
                    severity=case.severity,
                    source="instruction",
                    first_seen=case.first_seen_at,
                    key=f"instructed:{case.id}",
                    actor=principal.actor,
                )
                store.append_entry(conn, linked, "linked", principal.actor, {"instructed": case.id}, now)
                case.statement["instructed_case"] = linked.id
            case.statement_at = tx.now
            store.save_case(tx.conn, case)
            store.append_entry(tx.conn, case, "statement", principal.actor, case.statement, tx.now)
            tx.audit.append(
                tx.now,
                principal.actor,
                "case.statement",
                f"case:{case_id}",
                {
                    "responsibility": responsibility,
                    "evidence": len(evidence_refs),
                    "instructed_case": case.statement.get("instructed_case"),
                },
            )
        self.after_commit()
        return case


def _nothing(enterprise_id: str | None) -> None:
    return None


def _nothing_now() -> None:
    return None
