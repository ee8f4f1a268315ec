"""An enterprise's compiled usage policy and its violation cases (S-E1–S-E5). Pure.

Messages and files are checked against the compiled policy (`CompiledPolicy.check`); each hit or employee report
opens or joins a `Case` with a deadline by severity; the case collects evidence, the employee's statement and an
outcome. `figures` summarises it for the enterprise. Nothing here does I/O or reads the time by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from warden.kernel.events import FieldError
from warden.screening.base import DEFAULT_FORMS, DETECTOR_CHANNEL, SEVERITIES, Hit, Screener, TermSpec, severity_rank
from warden.usage_policy import detectors as leak_detectors
from warden.usage_policy.policy import EnterpriseUsageSettings, UsagePolicyDoc, UsageRule

CONFIDENTIAL_LABELS = frozenset({"confidential", "secret", "top_secret", "internal", "机密", "绝密", "秘密", "内部"})


ScreenerFactory = Callable[[Sequence[TermSpec], bool], Screener]
"""Builds the one screener a policy runs, from its terms (the rules' words under `rule_category`, the markings
under `MARKING`) and whether the personal-data detectors run too. The service hands in the screening engine's
(`ScreeningEngine.for_terms`, each category keeping its own hits); the model only reads hits."""


def _forms(word: str) -> frozenset[str]:
    """The disguise forms of an enterprise word: all of them, but a single Chinese character is not looked for in
    pinyin (``mi`` for 密 would hit every ``Mi``), only folded and split."""
    han = sum(1 for ch in word if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf")
    return DEFAULT_FORMS if han != 1 else frozenset({"split"})


def policy_terms(doc: UsagePolicyDoc) -> tuple[list[TermSpec], bool]:
    """What a policy screens for: every rule's words (category `rule_category(id)`, all disguise forms), the
    confidentiality markings when a rule names `confidential_marking` or `confidential_file`, and whether any
    rule names a personal-data detector."""
    terms = [
        TermSpec(w, leak_detectors.rule_category(r.id), "high", _forms(w))
        for r in doc.rules
        for w in dict.fromkeys(w.strip() for w in r.words)
        if w
    ]
    named = {d for r in doc.rules for d in r.detectors}
    if named & {leak_detectors.MARKING, "confidential_file"}:
        terms += leak_detectors.marking_terms()
    return terms, bool(named & (set(leak_detectors.DETECTORS) - {leak_detectors.MARKING}))


@dataclass(frozen=True)
class Attachment:
    name: str
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleHit:
    rule_id: str
    title: str
    category: str
    severity: str
    action: str
    hits: tuple[Hit, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "title": self.title,
            "category": self.category,
            "severity": self.severity,
            "action": self.action,
            "hits": [h.as_dict() for h in self.hits],
        }


class CompiledPolicy:
    """One enterprise's policy ready to check messages: a screener over all its keyword lists plus detectors."""

    def __init__(self, doc: UsagePolicyDoc, version: int, build: ScreenerFactory) -> None:
        self.doc = doc
        self.version = version
        self.rules = {r.id: r for r in doc.rules}
        terms, detectors = policy_terms(doc)
        self.screener = build(terms, detectors)

    def applies(self, rule: UsageRule, account_id: str, department: str | None, to_external: bool) -> bool:
        if rule.external_only and not to_external:
            return False
        sc = rule.scope
        if not sc.members and not sc.departments:
            return True
        return account_id in sc.members or (department is not None and department in sc.departments)

    def check(
        self,
        text: str,
        *,
        account_id: str,
        department: str | None,
        to_external: bool,
        attachments: Iterable[Attachment] = (),
    ) -> list[RuleHit]:
        """The rules `text` (and its files) break, each with its hits: the rule's words in any disguise the engine
        sees through, and the detectors it names; one screening pass for every rule."""
        attachments = list(attachments)
        by_rule: dict[str, list[Hit]] = {}
        found: dict[str, list[Hit]] = {}
        for h in self.screener.screen(text) if text else []:
            name = leak_detectors.detector_of(h)
            if name is not None:
                found.setdefault(name, []).append(h)
            elif h.channel != DETECTOR_CHANNEL:
                by_rule.setdefault(h.category, []).append(h)
        out: list[RuleHit] = []
        for r in self.doc.rules:
            if not self.applies(r, account_id, department, to_external):
                continue
            hits = [
                Hit(h.term, r.category, r.severity, h.channel, h.start, h.end, h.matched)
                for h in by_rule.get(leak_detectors.rule_category(r.id), [])
            ]
            detected = sorted(
                (h for d in dict.fromkeys(r.detectors) for h in found.get(d, [])), key=lambda h: (h.start, -h.end)
            )
            hits += [
                Hit(
                    h.term if h.category == leak_detectors.MARKING else name,
                    name,
                    r.severity,
                    h.channel,
                    h.start,
                    h.end,
                    h.matched,
                )
                for h in detected
                if (name := leak_detectors.detector_of(h)) is not None
            ]
            hits += self.file_hits(r.detectors, attachments, to_external, r.severity)
            if hits:
                out.append(RuleHit(r.id, r.title, r.category, r.severity, r.action, tuple(hits)))
        return out

    def file_hits(
        self, detectors: Iterable[str], attachments: list[Attachment], to_external: bool, severity: str
    ) -> list[Hit]:
        """Files marked confidential (by label, or by a marking in the name, found like one in a text), and any
        file sent to an external contact."""
        out: list[Hit] = []
        wanted = set(detectors)
        for a in attachments:
            if "confidential_file" in wanted:
                label = next((lb for lb in a.labels if lb.lower() in CONFIDENTIAL_LABELS), None)
                marks = [h for h in self.screener.screen(a.name) if h.category == leak_detectors.MARKING]
                if label or marks:
                    out.append(Hit(label or marks[0].term, "confidential_file", severity, "file", 0, 0, a.name))
            if "external_file" in wanted and to_external:
                out.append(Hit("external_file", "external_file", severity, "file", 0, 0, a.name))
        return out


# --- cases ----------------------------------------------------------------------------------------------

Responsibility = Literal["oversight_self_reported", "misled_or_instructed"]
OUTCOMES = ("warning", "training", "deregister", "app_removed", "escalate_illegal", "dismissed")
OutcomeName = Literal["warning", "training", "deregister", "app_removed", "escalate_illegal", "dismissed"]
ROUTED_TO = ("enterprise_admin", "hr")


def stronger(a: str, b: str) -> str:
    return a if severity_rank(a) >= severity_rank(b) else b


def is_severe(severity: str, s: EnterpriseUsageSettings) -> bool:
    return severity_rank(severity) >= severity_rank(s.severe_min_severity)


def deadline_window(severity: str, s: EnterpriseUsageSettings) -> timedelta:
    """S-E2: 24 h for severe cases (privacy or secret leaks), 72 h otherwise (policy defaults)."""
    return s.severe_deadline if is_severe(severity, s) else s.other_deadline


@dataclass
class Case:
    id: str
    enterprise_id: str
    account_id: str
    rule_id: str | None
    category: str
    severity: str
    source: str  # detection | report | self_report
    status: str  # open (awaiting a decision) | training (awaiting completion) | closed
    opened_at: datetime
    first_seen_at: datetime  # when the violation happened (the message, or what the reporter saw)
    deadline_at: datetime
    escalated_at: datetime | None = None
    reported_late: bool = False
    statement: dict[str, Any] | None = None
    statement_at: datetime | None = None
    outcome: str | None = None
    outcome_at: datetime | None = None
    outcome_note: str | None = None
    decided_by: str | None = None
    closed_at: datetime | None = None
    misclassified: bool = False
    training_due_at: datetime | None = None
    training_completed_at: datetime | None = None

    def overdue(self, now: datetime) -> bool:
        """Undecided past its deadline (computed on read with the injected clock)."""
        return self.status == "open" and now > self.deadline_at

    def training_overdue(self, now: datetime) -> bool:
        return self.status == "training" and self.training_due_at is not None and now > self.training_due_at

    def join(self, severity: str, now: datetime, s: EnterpriseUsageSettings) -> None:
        """A further hit or report: the case takes the stronger severity and the nearer deadline."""
        self.severity = stronger(self.severity, severity)
        self.deadline_at = min(self.deadline_at, now + deadline_window(self.severity, s))


@dataclass(frozen=True)
class Evidence:
    """One uploaded file of a case; `id` is what a statement's `evidence_refs` name."""

    id: str
    case_id: str
    enterprise_id: str
    sha256: str
    media_type: str
    size: int
    filename: str
    uploaded_by: str
    uploaded_at: datetime


def statement_errors(responsibility: str, evidence_refs: list[str]) -> list[FieldError]:
    """S-E5: "misled or instructed" must come with evidence; oversight needs none."""
    if responsibility == "misled_or_instructed" and not [r for r in evidence_refs if r.strip()]:
        return [
            FieldError(
                field="evidence_refs",
                message="a statement of being misled or instructed needs at least one piece of evidence",
            )
        ]
    return []


def pseudonym(key: str, enterprise_id: str, account_id: str) -> str:
    """Stable per enterprise, unlinkable across enterprises without the key."""
    digest = hmac.new(key.encode(), f"{enterprise_id}\x1f{account_id}".encode(), hashlib.sha256).hexdigest()
    return f"emp-{digest[:10]}"


# --- reports --------------------------------------------------------------------------------------------

SEVERE_REPORT_CATEGORIES = {"privacy_leak", "secret_leak"}


@dataclass
class ViolationReport:
    """What an employee (or HR) reports: who broke the policy, what, and when it was seen."""

    account_id: str
    category: str
    description: str
    observed_at: datetime
    rule_id: str | None = None
    severity: str | None = None
    evidence_refs: tuple[str, ...] = ()


def report_differs(case: Case, rule_id: str | None, data: dict[str, Any], report: ViolationReport) -> list[str]:
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


# --- figures --------------------------------------------------------------------------------------------


def _stats(seconds: list[float]) -> dict[str, float | int | None]:
    if not seconds:
        return {"count": 0, "median_seconds": None, "mean_seconds": None}
    return {
        "count": len(seconds),
        "median_seconds": round(statistics.median(seconds), 1),
        "mean_seconds": round(statistics.fmean(seconds), 1),
    }


def figures(
    cases: list[Case],
    hits_per_rule: dict[str, int],
    now: datetime,
    name: Any = lambda account_id: account_id,
) -> dict[str, Any]:
    """The enterprise's figures (issue 7 §5). `name` maps account ids to what the caller may see."""
    reports = [c for c in cases if c.source != "detection"]
    closed = [c for c in cases if c.closed_at is not None]
    trainings = [c for c in cases if c.outcome == "training"]
    counted = Counter(c.account_id for c in cases if not c.misclassified)
    per_rule: dict[str, dict[str, Any]] = {}
    for rid in sorted(set(hits_per_rule) | {c.rule_id for c in cases if c.rule_id}):
        rc = [c for c in cases if c.rule_id == rid]
        mis = sum(1 for c in rc if c.misclassified)
        per_rule[rid] = {
            "hits": hits_per_rule.get(rid, 0),
            "cases": len(rc),
            "misclassified": mis,
            "misclassified_share": round(mis / len(rc), 3) if rc else None,
        }
    done = sum(1 for c in trainings if c.training_completed_at is not None)
    return {
        "as_of": now.isoformat(),
        "cases": {
            "total": len(cases),
            "open": sum(1 for c in cases if c.status == "open"),
            "in_training": sum(1 for c in cases if c.status == "training"),
            "closed": len(closed),
            "overdue": sum(1 for c in cases if c.overdue(now)),
            "escalated": sum(1 for c in cases if c.escalated_at is not None),
            "by_severity": {sev: sum(1 for c in cases if c.severity == sev) for sev in SEVERITIES},
        },
        "time_to_report": _stats([(c.opened_at - c.first_seen_at).total_seconds() for c in reports])
        | {"late": sum(1 for c in reports if c.reported_late)},
        "time_to_resolve": _stats([(c.closed_at - c.opened_at).total_seconds() for c in closed if c.closed_at]),
        "repeat_offenders": [
            {"account": name(aid), "cases": n}
            for aid, n in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))
            if n >= 2
        ],
        "training": {
            "assigned": len(trainings),
            "completed": done,
            "overdue": sum(1 for c in trainings if c.training_overdue(now)),
            "completion_rate": round(done / len(trainings), 3) if trainings else None,
        },
        "rules": per_rule,
    }


@dataclass(frozen=True)
class ReversalProposal:
    """A proposed reversal of an outcome that banned the account (issue 12: four eyes by person): it takes effect
    when a different person confirms it at `confirm_at`."""

    case_id: str
    outcome: str
    reason: str
    requested_by: str
    requested_at: datetime

    @property
    def confirm_at(self) -> str:
        return f"/v1/cases/{self.case_id}/outcome-reversal/confirmation"
