"""How an appeal reads, to the appellant and to the desk (zh/en): pure renderings of loaded rows, no I/O.

Shapes (all times ISO 8601): `summary` is the list item; `detail` adds the statement, the document `checklist`,
the penalty and, once decided, the decision; reviewers also get the claim, the proposal and the subject's
`history` (strikes, restrictions, recent events, earlier appeals, weight).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from warden.appeals.model import (
    LIVE,
    Appeal,
    AppealKind,
    DocState,
    latest_documents,
    missing_required,
    slots_for,
    stage,
)
from warden.appeals.texts import REJECT_TEXT, STAGE_TEXT, Lang, decision_text
from warden.kernel.model import Restriction, Strike, StrikeStatus


def checklist(appeal: Appeal, max_evidence: int, lang: Lang) -> list[dict[str, Any]]:
    """Each slot with its state, the latest document's metadata and, when rejected, why (zh/en)."""
    latest = latest_documents(appeal.documents)
    rows = []
    for slot in slots_for(appeal.kind, max_evidence):
        d = latest.get(slot.kind)
        if d is None and appeal.kind is AppealKind.MEMBER:
            continue  # a member's unused evidence slots are not listed
        row: dict[str, Any] = {
            "kind": slot.kind,
            "title": slot.title[lang],
            "required": slot.required,
            "state": (d.state if d else DocState.MISSING).value,
            "submissions": sum(1 for x in appeal.documents if x.kind == slot.kind),
        }
        if d is not None:
            row["document"] = {
                "id": d.id,
                "media_type": d.media_type,
                "size": d.size,
                "sha256": d.sha256,
                "filename": d.filename,
                "uploaded_at": d.uploaded_at.isoformat(),
            }
            if d.state is DocState.REJECTED:
                row["rejection"] = {
                    "code": d.reject_code,
                    "text": REJECT_TEXT.get(d.reject_code or "", {}).get(lang, d.reject_code),
                    "note": d.reject_note,
                }
        rows.append(row)
    return rows


def summary(a: Appeal, claimed_by: str | None, lang: Lang) -> dict[str, Any]:
    """The list item: ids, subject, status, the appellant's stage (with its text), deadline, version."""
    st = stage(a, claimed_by)
    return {
        "id": a.id,
        "kind": a.kind.value,
        "strike_id": a.strike_id,
        "subject": f"{a.subject_type}:{a.subject_id}",
        "enterprise_id": a.enterprise_id,
        "account_id": a.account_id,
        "status": a.status.value,
        "stage": st,
        "stage_text": STAGE_TEXT[st][lang],
        "submitted_at": a.submitted_at.isoformat(),
        "due_at": a.due_at.isoformat(),
        "version": a.version,
    }


def penalty(strike: Strike, restriction: dict[str, Any] | None) -> dict[str, Any]:
    """The contested strike, with its restriction as explained to people (or None)."""
    return {
        "strike_id": strike.id,
        "rule": strike.rule_id,
        "severity": strike.severity,
        "step": strike.step,
        "status": strike.status.value,
        "status_reason": strike.status_reason,
        "at": strike.at.isoformat(),
        "restriction": restriction,
    }


def decision(a: Appeal, lang: Lang) -> dict[str, Any] | None:
    """The decision and its reason in `lang`, once the appeal is closed by one."""
    if a.outcome is None or a.status in LIVE:
        return None
    return {
        "outcome": a.outcome.value,
        "reason_code": a.reason_code,
        "text": decision_text(a.outcome, a.reason_code or "", lang),
        "note": a.note,
        "to_step": a.to_step,
        "decided_at": a.decided_at.isoformat() if a.decided_at else None,
    }


def proposal(a: Appeal) -> dict[str, Any]:
    """The first reviewer's proposal (four eyes), for the desk."""
    return {
        "outcome": a.outcome.value if a.outcome else None,
        "reason_code": a.reason_code,
        "note": a.note,
        "to_step": a.to_step,
        "exempt_days": a.exempt_days,
        "proposed_by": a.proposed_by,
        "proposed_at": a.proposed_at.isoformat() if a.proposed_at else None,
        "confirmed_by": a.confirmed_by,
    }


def history(
    strikes: list[Strike],
    restrictions: list[Restriction],
    events: list[Any],
    earlier: list[Any],
    now: datetime,
    weight: float | None,
) -> dict[str, Any]:
    """The subject's record beside the case; `events` rows carry (id, type, occurred_at, outcome JSON),
    `earlier` rows (id, strike_id, status, submitted_at)."""
    return {
        "strikes": [
            {
                "id": s.id,
                "rule": s.rule_id,
                "severity": s.severity,
                "step": s.step,
                "at": s.at.isoformat(),
                "status": s.status.value,
            }
            for s in strikes
        ],
        "active_strikes": sum(1 for s in strikes if s.status is StrikeStatus.ACTIVE),
        "restrictions": [
            {
                "id": r.id,
                "scope": r.scope.value,
                "step": r.step,
                "rule": r.rule_id,
                "active": r.active_at(now),
                "ends_at": r.ends_at.isoformat() if r.ends_at else None,
                "lifted_at": r.lifted_at.isoformat() if r.lifted_at else None,
            }
            for r in restrictions
        ],
        "recent_events": [
            {
                "id": ev.id,
                "type": ev.type,
                "occurred_at": ev.occurred_at.isoformat(),
                "allowed": json.loads(ev.outcome).get("allowed"),
            }
            for ev in events
        ],
        "earlier_appeals": [
            {"id": x.id, "strike_id": x.strike_id, "status": x.status, "submitted_at": x.submitted_at.isoformat()}
            for x in earlier
        ],
        "weight": weight,
    }


def queue_appeal(a: Appeal, claimed_by: str | None, lang: Lang) -> dict[str, Any]:
    """An appeal as a review-queue item (`due_at` still a datetime: the queue sorts on it)."""
    st = stage(a, claimed_by)
    return {
        "case_id": f"appeal:{a.id}",
        "type": "appeal",
        "appeal_id": a.id,
        "kind": a.kind.value,
        "subject": f"{a.subject_type}:{a.subject_id}",
        "stage": st,
        "stage_text": STAGE_TEXT[st][lang],
        "opened_at": a.submitted_at.isoformat(),
        "due_at": a.due_at,
        "proposed_by": a.proposed_by,
        "missing_required": missing_required(a) if a.kind is AppealKind.ENTERPRISE else [],
    }


def queue_flag(flag: Any, due_at: datetime, lang: Lang) -> dict[str, Any]:
    """An open flag (id, rule_id, subject_type, subject_id, at, evidence JSON) as a review-queue item."""
    return {
        "case_id": f"flag:{flag.id}",
        "type": "flag",
        "flag_id": flag.id,
        "rule": flag.rule_id,
        "subject": f"{flag.subject_type}:{flag.subject_id}",
        "stage": "flagged",
        "stage_text": "待复核的风险标记" if lang == "zh" else "Flagged for review",
        "opened_at": flag.at.isoformat(),
        "due_at": due_at,
        "evidence": json.loads(flag.evidence),
    }
