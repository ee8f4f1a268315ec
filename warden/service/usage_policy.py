"""Use cases for an enterprise's own usage policy and its violation cases (S-E1–S-E5).

`UsageDesk` is wired into ingest twice: as a pre-store hook it checks messages against the sender's
enterprise policy (one lookup for all enterprises of the batch, compiled policies cached per version) and
marks blocked messages on their decision; as an observer it opens or joins cases for the hits in the same
transaction. Every other method is one transaction and audited.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from warden.adapters import store
from warden.adapters import tables as t
from warden.adapters.database import reading
from warden.domain import usage_policy as up
from warden.domain.policy import LoadedPolicy
from warden.kernel.access import Principal, Role
from warden.kernel.clock import Clock
from warden.kernel.decision import Decision, Effects, Reason, Subject, derive_id
from warden.kernel.errors import Conflict, Forbidden, IdempotencyKeyReused, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.kernel.model import Flag, Restriction, Scope
from warden.pipeline.batch import Batch
from warden.pipeline.effects import audit_effects
from warden.pipeline.feature import Feature
from warden.pipeline.ingest import FUTURE_SKEW
from warden.screening.base import severity_rank
from warden.service.warden import Warden

CONTENT_ROLES = {Role.HR, Role.INVESTIGATOR, Role.REVIEWER, Role.AUDITOR}
"""Who sees case content (messages, statements, evidence) and real account ids."""
DECIDING_ROLES = {Role.HR, Role.INVESTIGATOR}
CASE_READERS = {Role.ENTERPRISE_ADMIN, Role.HR, Role.INVESTIGATOR, Role.REVIEWER, Role.AUDITOR}
FIGURE_READERS = {Role.ENTERPRISE_ADMIN, Role.HR, Role.INVESTIGATOR, Role.ANALYST, Role.REVIEWER, Role.AUDITOR}
POLICY_READERS = {Role.ENTERPRISE_ADMIN, Role.HR, Role.INVESTIGATOR, Role.REVIEWER, Role.AUDITOR}
SEVERE_REPORT_CATEGORIES = {"privacy_leak", "secret_leak"}


@dataclass
class ViolationReport:
    account_id: str
    category: str
    description: str
    observed_at: datetime
    rule_id: str | None = None
    severity: str | None = None
    evidence_refs: tuple[str, ...] = ()


def _report_differs(case: up.Case, rule_id: str | None, data: dict[str, Any], report: ViolationReport) -> list[str]:
    """The fields of `report` that differ from the report first stored under the same Idempotency-Key.

    `data` is that report's case entry (`reporter`, `category`, `description`, `observed_at` ISO text,
    `evidence_refs`, and `severity_given` for entries written since issue 10; older ones are not compared on it).
    """
    first: dict[str, Any] = {
        "account_id": case.account_id,
        "category": data.get("category"),
        "description": data.get("description"),
        "observed_at": datetime.fromisoformat(data["observed_at"]) if data.get("observed_at") else None,
        "rule_id": rule_id,
        "evidence_refs": list(data.get("evidence_refs", [])),
    }
    if "severity_given" in data:
        first["severity"] = data["severity_given"]
    now = {
        "account_id": report.account_id,
        "category": report.category,
        "description": report.description,
        "observed_at": report.observed_at,
        "rule_id": report.rule_id,
        "evidence_refs": list(report.evidence_refs),
        "severity": report.severity,
    }
    return [f for f, v in first.items() if v != now[f]]


def _case_from(row: Any) -> up.Case:
    return up.Case(
        id=row.id,
        enterprise_id=row.enterprise_id,
        account_id=row.account_id,
        rule_id=row.rule_id,
        category=row.category,
        severity=row.severity,
        source=row.source,
        status=row.status,
        opened_at=row.opened_at,
        first_seen_at=row.first_seen_at,
        deadline_at=row.deadline_at,
        escalated_at=row.escalated_at,
        reported_late=row.reported_late,
        statement=json.loads(row.statement) if row.statement else None,
        statement_at=row.statement_at,
        outcome=row.outcome,
        outcome_at=row.outcome_at,
        outcome_note=row.outcome_note,
        decided_by=row.decided_by,
        closed_at=row.closed_at,
        misclassified=row.misclassified,
        training_due_at=row.training_due_at,
        training_completed_at=row.training_completed_at,
    )


def _case_row(c: up.Case) -> dict[str, Any]:
    return {
        "id": c.id,
        "enterprise_id": c.enterprise_id,
        "account_id": c.account_id,
        "rule_id": c.rule_id,
        "category": c.category,
        "severity": c.severity,
        "source": c.source,
        "status": c.status,
        "opened_at": c.opened_at,
        "first_seen_at": c.first_seen_at,
        "deadline_at": c.deadline_at,
        "escalated_at": c.escalated_at,
        "reported_late": c.reported_late,
        "statement": store.dumps(c.statement) if c.statement is not None else None,
        "statement_at": c.statement_at,
        "outcome": c.outcome,
        "outcome_at": c.outcome_at,
        "outcome_note": c.outcome_note,
        "decided_by": c.decided_by,
        "closed_at": c.closed_at,
        "misclassified": c.misclassified,
        "training_due_at": c.training_due_at,
        "training_completed_at": c.training_completed_at,
    }


class UsageDesk:
    """The enterprise's compliance desk: policies, detection, reports, cases, outcomes, figures."""

    def __init__(self, engine: Engine, loaded: LoadedPolicy, clock: Clock) -> None:
        self.engine = engine
        self.loaded = loaded
        self.clock = clock
        self._cache: dict[str, up.CompiledPolicy] = {}
        self._cache_lock = threading.Lock()

    @property
    def settings(self) -> up.EnterpriseUsageSettings:
        return self.loaded.policy.enterprise_usage

    # --- policy ----------------------------------------------------------------------------------------

    @staticmethod
    def _writer(conn: Connection) -> store.AuditWriter:
        """The audit writer, with the writers' lock taken first so case timelines never interleave."""
        audit = store.AuditWriter(conn)
        audit.next_seq()
        return audit

    def _meta(self, conn: Connection, enterprise_id: str, actor: str) -> Any:
        """The enterprise's row (created on first need, with its pseudonym key; a concurrent creator wins)."""
        q = sa.select(t.usage_policies).where(t.usage_policies.c.enterprise_id == enterprise_id)
        row = conn.execute(q).first()
        if row is None:
            try:
                with conn.begin_nested():
                    conn.execute(
                        sa.insert(t.usage_policies).values(
                            enterprise_id=enterprise_id,
                            version=0,
                            document=None,
                            pseudonym_key=secrets.token_hex(32),
                            updated_at=self.clock.now(),
                            updated_by=actor,
                        )
                    )
            except IntegrityError:
                pass
            row = conn.execute(q).first()
        return row

    def put_policy(
        self, enterprise_id: str, doc: up.UsagePolicyDoc, expected_version: int, actor: str
    ) -> tuple[up.UsagePolicyDoc, int]:
        """Replace the enterprise's rules. `expected_version` is the version the editor read (0 for none)."""
        errs = up.limit_errors(doc, self.settings)
        if errs:
            raise InvalidInput(f"{len(errs)} problem(s) in the usage policy; nothing was saved", errs)
        now = self.clock.now()
        with self.engine.begin() as conn:
            if store.get_enterprise(conn, enterprise_id) is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            meta = self._meta(conn, enterprise_id, actor)
            res = conn.execute(
                sa.update(t.usage_policies)
                .where(
                    t.usage_policies.c.enterprise_id == enterprise_id, t.usage_policies.c.version == expected_version
                )
                .values(
                    version=expected_version + 1,
                    document=store.dumps(doc.model_dump(mode="json")),
                    updated_at=now,
                    updated_by=actor,
                )
            )
            if res.rowcount != 1:  # a conditional update: two editors cannot both win
                raise Conflict(
                    f"the usage policy is at version {meta.version}, not {expected_version}; reload and edit again",
                    [FieldError(field="version", message=f"stale; the current version is {meta.version}")],
                )
            store.AuditWriter(conn).append(
                now,
                actor,
                "usage_policy.updated",
                f"enterprise:{enterprise_id}",
                {"version": expected_version + 1, "rules": [r.id for r in doc.rules]},
            )
        return doc, expected_version + 1

    def get_policy(self, enterprise_id: str) -> tuple[up.UsagePolicyDoc, int, datetime | None]:
        with reading(self.engine) as conn:
            if store.get_enterprise(conn, enterprise_id) is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            row = conn.execute(
                sa.select(t.usage_policies).where(t.usage_policies.c.enterprise_id == enterprise_id)
            ).first()
        if row is None or row.document is None:
            return up.UsagePolicyDoc(), 0, None
        return up.UsagePolicyDoc.model_validate_json(row.document), row.version, row.updated_at

    def set_departments(self, enterprise_id: str, departments: dict[str, list[str]], actor: str) -> int:
        """Replace the department → members mapping the rules' scopes refer to. Members must be the enterprise's."""
        members = [(d, a) for d, accs in departments.items() for a in accs]
        with self.engine.begin() as conn:
            if store.get_enterprise(conn, enterprise_id) is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            known = {
                r.id
                for r in conn.execute(
                    sa.select(t.accounts.c.id).where(
                        t.accounts.c.enterprise_id == enterprise_id, t.accounts.c.id.in_([a for _, a in members])
                    )
                )
            }
            errs, seen = [], set()
            for d, accs in departments.items():
                for i, a in enumerate(accs):
                    if a not in known:
                        errs.append(FieldError(field=f"departments.{d}[{i}]", message=f"{a!r} is not a member here"))
                    elif a in seen:
                        errs.append(FieldError(field=f"departments.{d}[{i}]", message=f"{a!r} is in two departments"))
                    seen.add(a)
            if errs:
                raise InvalidInput(f"{len(errs)} problem(s) in the departments; nothing was saved", errs)
            conn.execute(sa.delete(t.usage_departments).where(t.usage_departments.c.enterprise_id == enterprise_id))
            if members:
                conn.execute(
                    sa.insert(t.usage_departments),
                    [{"enterprise_id": enterprise_id, "account_id": a, "department": d} for d, a in members],
                )
            store.AuditWriter(conn).append(
                self.clock.now(),
                actor,
                "usage_policy.departments_set",
                f"enterprise:{enterprise_id}",
                {"departments": {d: len(a) for d, a in departments.items()}},
            )
        return len(members)

    def _compiled(self, conn: Connection, enterprise_ids: set[str]) -> dict[str, up.CompiledPolicy]:
        """One query for the versions; documents are read and compiled only when their version changed."""
        p = t.usage_policies
        rows = conn.execute(
            sa.select(p.c.enterprise_id, p.c.version).where(
                p.c.enterprise_id.in_(sorted(enterprise_ids)), p.c.version > 0
            )
        ).all()
        out: dict[str, up.CompiledPolicy] = {}
        stale = []
        with self._cache_lock:
            for eid, version in rows:
                cached = self._cache.get(eid)
                if cached is not None and cached.version == version:
                    out[eid] = cached
                else:
                    stale.append(eid)
        if stale:
            for row in conn.execute(sa.select(p).where(p.c.enterprise_id.in_(stale))):
                compiled = up.CompiledPolicy(up.UsagePolicyDoc.model_validate_json(row.document), row.version)
                out[row.enterprise_id] = compiled
                with self._cache_lock:
                    self._cache[row.enterprise_id] = compiled
        return out

    # --- detection (ingest seams) ------------------------------------------------------------------------

    def check_messages(
        self, conn: Connection, events: list[Any], outcomes: list[Decision], subjects: dict[str, Subject]
    ) -> None:
        """Check each message against its sender's enterprise policy; a block rule denies the message."""
        msgs = [
            (e, o) for e, o in zip(events, outcomes, strict=True) if e.type == "message" and e.account_id in subjects
        ]
        if not msgs:
            return
        policies = self._compiled(conn, {subjects[e.account_id].enterprise.id for e, _ in msgs})
        if not policies:
            return
        scoped = [e.account_id for e, _ in msgs if subjects[e.account_id].enterprise.id in policies]
        dept = {
            r.account_id: r.department
            for r in conn.execute(
                sa.select(t.usage_departments.c.account_id, t.usage_departments.c.department).where(
                    t.usage_departments.c.account_id.in_(sorted(set(scoped)))
                )
            )
        }
        for e, o in msgs:
            eid = subjects[e.account_id].enterprise.id
            cp = policies.get(eid)
            if cp is None:
                continue
            hits = cp.check(
                e.text,
                account_id=e.account_id,
                department=dept.get(e.account_id),
                to_external=e.to_external,
                attachments=[up.Attachment(a.name, tuple(a.labels)) for a in e.attachments],
            )
            if not hits:
                continue
            block = any(h.action == "block_and_warn" for h in hits)
            params = {"enterprise_id": eid, "policy_version": cp.version, "rules": [h.as_dict() for h in hits]}
            code = "usage_policy.blocked" if block else "usage_policy.warned"
            o.reasons.append(Reason(code, "usage_policy", "S-E1", "deny" if block else "warn", params))
            if block:
                o.allowed = False

    def open_cases(
        self, conn: Connection, audit: store.AuditWriter, events: list[Any], outcomes: list[Decision]
    ) -> None:
        """Open or join one case per message (under its strongest rule), with every rule's hits as evidence,
        the message, its earlier context and its files."""
        for e, o in zip(events, outcomes, strict=True):
            reason = next((r for r in o.reasons if r.rule == "usage_policy"), None)
            if reason is None:
                continue
            context = self._context(conn, e)
            hit_rules = sorted(reason.params["rules"], key=lambda r: -severity_rank(r["severity"]))
            main = hit_rules[0]
            case = self._open_or_join(
                conn,
                audit,
                reason.params["enterprise_id"],
                e.account_id,
                rule_id=main["rule"],
                category=main["category"],
                severity=main["severity"],
                source="detection",
                first_seen=e.occurred_at,
                key=e.id,
                actor="rules",
                also_rules=[r["rule"] for r in hit_rules],
            )
            message = {
                "event_id": e.id,
                "occurred_at": e.occurred_at.isoformat(),
                "text": e.text,
                "to_external": e.to_external,
                "recipient_id": e.recipient_id,
                "attachments": [a.model_dump() for a in e.attachments],
            }
            for rh in hit_rules:
                self._entry(
                    conn,
                    case,
                    "hit",
                    "rules",
                    {
                        "rule": rh["rule"],
                        "title": rh["title"],
                        "action": rh["action"],
                        "severity": rh["severity"],
                        "blocked": o.allowed is False,
                        "hits": rh["hits"],
                        "message": message,
                        "context": context,
                    },
                    rule_id=rh["rule"],
                    event_id=e.id,
                )

    def _context(self, conn: Connection, e: Any) -> list[dict[str, Any]]:
        """Up to N earlier messages of the sender (to the same recipient when known): the hit's context."""
        n = self.settings.context_messages
        if n == 0:
            return []
        ev = t.events
        rows = conn.execute(
            sa.select(ev.c.id, ev.c.occurred_at, ev.c.payload)
            .where(
                ev.c.account_id == e.account_id,
                ev.c.type == "message",
                ev.c.occurred_at <= e.occurred_at,
                ev.c.id != e.id,
            )
            .order_by(ev.c.occurred_at.desc())
            .limit(n * 5)
        ).all()
        out = []
        for row in rows:
            payload = json.loads(row.payload)
            if e.recipient_id is None or payload.get("recipient_id") == e.recipient_id:
                out.append({"event_id": row.id, "occurred_at": row.occurred_at.isoformat(), "text": payload["text"]})
            if len(out) == n:
                break
        return list(reversed(out))

    # --- cases --------------------------------------------------------------------------------------------

    def _open_or_join(
        self,
        conn: Connection,
        audit: store.AuditWriter,
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
    ) -> up.Case:
        """An undecided case of the same employee and rule (any of `also_rules`, or the same report category
        when no rule is named) is joined, else one opens."""
        now = self.clock.now()
        c = t.cases
        rules = also_rules or ([rule_id] if rule_id else [])
        match = c.c.rule_id.in_(rules) if rules else sa.and_(c.c.rule_id.is_(None), c.c.category == category)
        row = conn.execute(
            sa.select(c)
            .where(c.c.enterprise_id == enterprise_id, c.c.account_id == account_id, c.c.status == "open", match)
            .order_by(c.c.opened_at)
            .limit(1)
        ).first()
        if row is not None:
            case = _case_from(row)
            before = (case.severity, case.deadline_at)
            case.join(severity, now, self.settings)
            case.first_seen_at = min(case.first_seen_at, first_seen)
            case.reported_late = case.reported_late or reported_late
            conn.execute(sa.update(c).where(c.c.id == case.id).values(**_case_row(case)))
            self._entry(conn, case, "joined", actor, {"source": source, "severity": severity, "was": before[0]})
            return case
        self._meta(conn, enterprise_id, actor)
        case = up.Case(
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
            deadline_at=now + up.deadline_window(severity, self.settings),
            reported_late=reported_late,
        )
        conn.execute(sa.insert(c).values(**_case_row(case)))
        self._entry(
            conn,
            case,
            "opened",
            actor,
            {
                "source": source,
                "severity": severity,
                "deadline_at": case.deadline_at.isoformat(),
                "routed_to": list(up.ROUTED_TO),
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

    def _entry(
        self,
        conn: Connection,
        case: up.Case,
        kind: str,
        actor: str,
        data: dict[str, Any],
        *,
        rule_id: str | None = None,
        event_id: str | None = None,
        idem_key: str | None = None,
    ) -> None:
        n = conn.execute(
            sa.select(sa.func.count()).select_from(t.case_entries).where(t.case_entries.c.case_id == case.id)
        ).scalar_one()
        conn.execute(
            sa.insert(t.case_entries).values(
                id=derive_id("ce", case.id, str(n)),
                case_id=case.id,
                seq=n,
                enterprise_id=case.enterprise_id,
                at=self.clock.now(),
                actor=actor,
                kind=kind,
                rule_id=rule_id,
                event_id=event_id,
                idem_key=idem_key,
                data=store.dumps(data),
            )
        )

    def report_violation(
        self, enterprise_id: str, reporter: str, actor: str, report: ViolationReport, idem_key: str | None = None
    ) -> tuple[up.Case, bool]:
        """An employee (or HR) reports a violation they saw; returns the case and whether it was a replay."""
        s = self.settings
        now = self.clock.now()
        scoped_key = f"{enterprise_id}:{actor}:{idem_key}" if idem_key else None
        with self.engine.begin() as conn:
            audit = self._writer(conn)
            if scoped_key:
                ce = t.case_entries
                prior = conn.execute(
                    sa.select(ce.c.case_id, ce.c.rule_id, ce.c.data).where(ce.c.idem_key == scoped_key)
                ).first()
                if prior is not None:
                    case = self._load(conn, prior.case_id)
                    differs = _report_differs(case, prior.rule_id, json.loads(prior.data), report)
                    if differs:  # same key, different report: 409, nothing stored (issue 10, item 8)
                        raise IdempotencyKeyReused(idem_key or "", differs)
                    return case, True
            acc = store.get_account(conn, report.account_id)
            errs = []
            if acc is None or acc.enterprise_id != enterprise_id:
                errs.append(FieldError(field="account_id", message="no such member in this enterprise"))
            if report.observed_at > now + FUTURE_SKEW:
                errs.append(FieldError(field="observed_at", message="is in the future"))
            severity = report.severity
            if report.rule_id:
                doc = conn.execute(
                    sa.select(t.usage_policies.c.document).where(t.usage_policies.c.enterprise_id == enterprise_id)
                ).scalar()
                rules = {r.id: r for r in up.UsagePolicyDoc.model_validate_json(doc).rules} if doc else {}
                if report.rule_id not in rules:
                    errs.append(FieldError(field="rule_id", message="no such rule in this enterprise's policy"))
                else:
                    severity = severity or rules[report.rule_id].severity
            if errs:
                raise InvalidInput(f"{len(errs)} problem(s) in the report; nothing was stored", errs)
            severity = severity or ("high" if report.category in SEVERE_REPORT_CATEGORIES else "medium")
            late = now - report.observed_at > up.deadline_window(severity, s)
            case = self._open_or_join(
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
            self._entry(
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

    def _load(self, conn: Connection, case_id: str) -> up.Case:
        row = conn.execute(sa.select(t.cases).where(t.cases.c.id == case_id)).first()
        if row is None:
            raise NotFound(f"no case {case_id!r}")
        return _case_from(row)

    def get_case(self, case_id: str) -> tuple[up.Case, list[dict[str, Any]]]:
        with reading(self.engine) as conn:
            case = self._load(conn, case_id)
            entries = [
                {
                    "at": r.at,
                    "actor": r.actor,
                    "kind": r.kind,
                    "rule": r.rule_id,
                    "event_id": r.event_id,
                    "data": json.loads(r.data),
                }
                for r in conn.execute(
                    sa.select(t.case_entries).where(t.case_entries.c.case_id == case_id).order_by(t.case_entries.c.seq)
                )
            ]
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
    ) -> tuple[list[up.Case], str | None]:
        """Newest first, paginated by an opaque cursor."""
        c = t.cases
        q = sa.select(c).where(c.c.enterprise_id == enterprise_id)
        if status:
            q = q.where(c.c.status == status)
        if account_id:
            q = q.where(c.c.account_id == account_id)
        now = self.clock.now()
        if overdue is not None:
            late = sa.and_(c.c.status == "open", c.c.deadline_at < now)
            q = q.where(late if overdue else sa.not_(late))
        if cursor:
            try:
                at_s, cid = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
                at = datetime.fromisoformat(at_s)
            except (ValueError, UnicodeDecodeError) as exc:
                raise InvalidInput("bad cursor", [FieldError(field="cursor", message="not a cursor we gave")]) from exc
            q = q.where(sa.or_(c.c.opened_at < at, sa.and_(c.c.opened_at == at, c.c.id < cid)))
        q = q.order_by(c.c.opened_at.desc(), c.c.id.desc()).limit(limit + 1)
        with reading(self.engine) as conn:
            items = [_case_from(r) for r in conn.execute(q)]
        nxt = None
        if len(items) > limit:
            items = items[:limit]
            last = items[-1]
            nxt = base64.urlsafe_b64encode(f"{last.opened_at.isoformat()}|{last.id}".encode()).decode()
        return items, nxt

    def submit_statement(
        self,
        case_id: str,
        actor: str,
        responsibility: str,
        text: str,
        evidence_refs: list[str],
        instructed_by: str | None,
    ) -> up.Case:
        """S-E5: the employee's own account of what happened; "misled or instructed" needs evidence."""
        errs = up.statement_errors(responsibility, evidence_refs)
        if errs:
            raise InvalidInput(errs[0].message, errs)
        now = self.clock.now()
        with self.engine.begin() as conn:
            audit = self._writer(conn)
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
            conn.execute(sa.update(t.cases).where(t.cases.c.id == case_id).values(**_case_row(case)))
            self._entry(conn, case, "statement", actor, case.statement)
            audit.append(
                now,
                actor,
                "case.statement",
                f"case:{case_id}",
                {"responsibility": responsibility, "evidence": len(evidence_refs)},
            )
        return case

    def decide(self, case_id: str, actor: str, outcome: str, note: str, misclassified: bool = False) -> up.Case:
        """S-E4: record the outcome and apply its effect on the account in the same transaction."""
        if outcome not in up.OUTCOMES:
            raise InvalidInput(f"unknown outcome {outcome!r}", [FieldError(field="outcome", message="unknown")])
        now = self.clock.now()
        with self.engine.begin() as conn:
            audit = self._writer(conn)
            case = self._load(conn, case_id)
            if case.status != "open":
                raise Conflict(f"case {case_id} is already decided ({case.outcome})")
            case.outcome, case.outcome_at, case.outcome_note, case.decided_by = outcome, now, note, actor
            case.misclassified = misclassified
            changes = Effects()
            evidence = {"case": case.id, "spec": "S-E4", "enterprise_id": case.enterprise_id, "note": note}
            if outcome == "training":
                case.status, case.training_due_at = "training", now + self.settings.training_due
            else:
                case.status, case.closed_at = "closed", now
            if outcome in ("deregister", "app_removed"):
                rule = up.DEREGISTERED_RULE if outcome == "deregister" else up.APP_REMOVED_RULE
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
                case.escalated_at = case.escalated_at or now
                changes.flags.append(
                    Flag(
                        derive_id("flg", case.id, outcome),
                        "account",
                        case.account_id,
                        "enterprise_escalation",
                        now,
                        evidence,
                    )
                )
            conn.execute(sa.update(t.cases).where(t.cases.c.id == case_id).values(**_case_row(case)))
            store.save_changes(conn, changes)
            audit_effects(audit, changes, now, actor)
            self._entry(
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

    def tag_misclassified(self, case_id: str, actor: str, misclassified: bool, note: str) -> up.Case:
        """Tag (or untag) a case as a false positive of its rule, at any time: it feeds the rule's quality figures."""
        now = self.clock.now()
        with self.engine.begin() as conn:
            audit = self._writer(conn)
            case = self._load(conn, case_id)
            if case.misclassified == misclassified:
                return case
            case.misclassified = misclassified
            conn.execute(sa.update(t.cases).where(t.cases.c.id == case_id).values(misclassified=misclassified))
            self._entry(conn, case, "classification", actor, {"misclassified": misclassified, "note": note})
            audit.append(
                now,
                actor,
                "case.classification",
                f"case:{case_id}",
                {"misclassified": misclassified, "rule": case.rule_id},
            )
        return case

    def complete_training(self, case_id: str, actor: str) -> up.Case:
        now = self.clock.now()
        with self.engine.begin() as conn:
            audit = self._writer(conn)
            case = self._load(conn, case_id)
            if case.status != "training":
                raise Conflict(f"case {case_id} has no training in progress (status {case.status})")
            case.status, case.training_completed_at, case.closed_at = "closed", now, now
            conn.execute(sa.update(t.cases).where(t.cases.c.id == case_id).values(**_case_row(case)))
            self._entry(
                conn,
                case,
                "training_completed",
                actor,
                {"due_at": case.training_due_at.isoformat() if case.training_due_at else None},
            )
            audit.append(now, actor, "case.training_completed", f"case:{case_id}", {"account": case.account_id})
        return case

    def escalate_overdue(self, actor: str = "cli", enterprise_id: str | None = None) -> list[up.Case]:
        """Record escalation (to investigators, on top of admins and HR) for every overdue undecided case."""
        now = self.clock.now()
        c = t.cases
        q = sa.select(c).where(c.c.status == "open", c.c.deadline_at < now, c.c.escalated_at.is_(None))
        if enterprise_id:
            q = q.where(c.c.enterprise_id == enterprise_id)
        done = []
        with self.engine.begin() as conn:
            audit = self._writer(conn)
            for row in conn.execute(q.order_by(c.c.deadline_at)).all():
                case = _case_from(row)
                case.escalated_at = now
                conn.execute(sa.update(c).where(c.c.id == case.id).values(escalated_at=now))
                late_by = int((now - case.deadline_at).total_seconds())
                self._entry(
                    conn,
                    case,
                    "escalated",
                    actor,
                    {"overdue_seconds": late_by, "routed_to": [*up.ROUTED_TO, Role.INVESTIGATOR.value]},
                )
                audit.append(now, actor, "case.escalated", f"case:{case.id}", {"overdue_seconds": late_by})
                done.append(case)
        return done

    # --- figures and views -----------------------------------------------------------------------------

    def pseudonym_key(self, enterprise_id: str) -> str:
        with self.engine.begin() as conn:
            return str(self._meta(conn, enterprise_id, "system").pseudonym_key)

    def figures(self, enterprise_id: str, names_visible: bool) -> dict[str, Any]:
        with reading(self.engine) as conn:
            if store.get_enterprise(conn, enterprise_id) is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            cases = [
                _case_from(r) for r in conn.execute(sa.select(t.cases).where(t.cases.c.enterprise_id == enterprise_id))
            ]
            e = t.case_entries
            hits = dict(
                conn.execute(
                    sa.select(e.c.rule_id, sa.func.count())
                    .where(e.c.enterprise_id == enterprise_id, e.c.kind == "hit")
                    .group_by(e.c.rule_id)
                ).all()
            )
        name = (lambda a: a) if names_visible else self._namer(enterprise_id)
        return up.figures(cases, hits, self.clock.now(), name) | {
            "enterprise_id": enterprise_id,
            "names": "real" if names_visible else "pseudonymised",
        }

    def _namer(self, enterprise_id: str) -> Any:
        key = self.pseudonym_key(enterprise_id)
        return lambda account_id: up.pseudonym(key, enterprise_id, account_id)

    def render_case(
        self, case: up.Case, entries: list[dict[str, Any]] | None, principal: Principal, lang: str
    ) -> dict[str, Any]:
        """A case as this caller may see it: content only for HR, investigators and platform reviewers;
        pseudonyms for admins; the employee sees their own case without who reported it."""
        now = self.clock.now()
        content = principal.role in CONTENT_ROLES
        own = principal.role is Role.MEMBER and principal.account_id == case.account_id
        name = (lambda a: a) if (content or own) else self._namer(case.enterprise_id)
        out: dict[str, Any] = {
            "id": case.id,
            "enterprise_id": case.enterprise_id,
            "account": name(case.account_id),
            "names": "real" if (content or own) else "pseudonymised",
            "rule": case.rule_id,
            "category": case.category,
            "severity": case.severity,
            "severe": up.is_severe(case.severity, self.settings),
            "source": case.source,
            "status": case.status,
            "opened_at": case.opened_at,
            "first_seen_at": case.first_seen_at,
            "deadline_at": case.deadline_at,
            "overdue": case.overdue(now),
            "escalated_at": case.escalated_at,
            "reported_late": case.reported_late,
            "routed_to": [*up.ROUTED_TO, *([Role.INVESTIGATOR.value] if case.escalated_at else [])],
            "outcome": case.outcome,
            "outcome_text": up.OUTCOME_TEXT[case.outcome][lang] if case.outcome else None,
            "outcome_at": case.outcome_at,
            "outcome_note": case.outcome_note if content else None,
            "misclassified": case.misclassified,
            "training": None
            if case.outcome != "training"
            else {
                "due_at": case.training_due_at,
                "completed_at": case.training_completed_at,
                "overdue": case.training_overdue(now),
            },
            "statement": None,
        }
        if case.statement is not None:
            resp = case.statement["responsibility"]
            out["statement"] = {
                "responsibility": resp,
                "responsibility_text": up.RESPONSIBILITY_TEXT[resp][lang],
                "at": case.statement_at,
            } | ({k: case.statement[k] for k in ("text", "evidence_refs", "instructed_by")} if (content or own) else {})
        if entries is not None:
            out["timeline"] = [self._render_entry(x, content, own, name) for x in entries]
        return out

    @staticmethod
    def _render_entry(x: dict[str, Any], content: bool, own: bool, name: Any) -> dict[str, Any]:
        data = dict(x["data"])
        if not content:
            if x["kind"] == "hit":
                data = {
                    "rule": data["rule"],
                    "title": data["title"],
                    "blocked": data["blocked"],
                    "hits": [{"category": h["category"]} for h in data["hits"]],
                } | ({"message": data["message"], "context": data["context"]} if own else {})
            elif x["kind"] == "report":
                data = {k: data[k] for k in ("category", "observed_at", "reported_late", "self_report")} | (
                    {"description": data["description"]} if own and data["self_report"] else {}
                )
            elif x["kind"] == "statement":
                data = {"responsibility": data["responsibility"]}
        elif "reporter" in data:
            data["reporter"] = name(data["reporter"])
        actor = x["actor"] if content else ("rules" if x["actor"] == "rules" else "staff")
        return {"at": x["at"], "kind": x["kind"], "actor": actor, "rule": x["rule"], "data": data}


class UsagePolicyFeature(Feature):
    """Enterprise usage policy in ingest (S-E1): a block rule denies a message before it is stored
    (`before_store`), and each hit opens or joins a case once it is (`after_store`)."""

    name = "usage_policy"

    def __init__(self, desk: UsageDesk) -> None:
        self.desk = desk

    def before_store(self, conn: Connection, batch: Batch) -> None:
        self.desk.check_messages(conn, batch.events, batch.decided(), batch.subjects)

    def after_store(self, conn: Connection, audit: store.AuditWriter, batch: Batch) -> None:
        self.desk.open_cases(conn, audit, batch.events, batch.decided())


def desk_of(warden: Warden) -> UsageDesk:
    desk = warden.usage_desk
    if desk is None:
        raise RuntimeError("the enterprise usage desk is not wired; bootstrap builds it")
    return desk  # type: ignore[no-any-return]


def check_tenant(principal: Principal, enterprise_id: str, roles: set[Role]) -> None:
    """403 unless the caller has one of `roles` and (for enterprise roles) is of this enterprise."""
    if principal.role not in roles:
        raise Forbidden(f"this needs one of the roles: {', '.join(sorted(r.value for r in roles))}")
    if not principal.can_view_enterprise(enterprise_id) and principal.role is not Role.MEMBER:
        raise Forbidden("this token does not cover that enterprise")
    if principal.role is Role.MEMBER and principal.enterprise_id != enterprise_id:
        raise Forbidden("this token does not cover that enterprise")


def visible_case(desk: UsageDesk, principal: Principal, case_id: str) -> tuple[up.Case, list[dict[str, Any]]]:
    """The case if the caller may see it; out of scope answers 403 whether or not it exists (no leak)."""
    global_reader = principal.role in (Role.REVIEWER, Role.AUDITOR)
    try:
        case, entries = desk.get_case(case_id)
    except NotFound:
        if global_reader:
            raise
        raise Forbidden("this token does not cover that case") from None
    if global_reader:
        return case, entries
    if principal.role is Role.MEMBER:
        if principal.account_id != case.account_id:
            raise Forbidden("this token does not cover that case")
        return case, entries
    if principal.role not in CASE_READERS or principal.enterprise_id != case.enterprise_id:
        raise Forbidden("this token does not cover that case")
    return case, entries
