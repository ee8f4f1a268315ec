"""How an appeal reads, to the appellant and to the desk (zh/en): pure renderings of loaded rows, no I/O.

Shapes (all times ISO 8601): `summary` is the list item; the detail adds the statement, the document `checklist`,
the penalty and, once decided, the decision; reviewers also get the claim, the proposal and the subject's
`history` (strikes, restrictions, recent events, earlier appeals, weight).

The functions render plain dicts (what the service returns); the models below describe the same shapes and are the
HTTP answers (`response_model`), validated from those dicts. A key the dict leaves out (a field with a default
below, e.g. `decision` before there is one) stays out of the answer: the routes serialise with `exclude_unset`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from warden.appeals.model import (
    LIVE,
    Appeal,
    AppealKind,
    DocState,
    Document,
    deadline_basis,
    latest_documents,
    missing_required,
    slots_for,
    stage,
)
from warden.appeals.texts import REJECT_TEXT, STAGE_TEXT, Lang, decision_text
from warden.enforcement.views import ExplainedRestriction, RestrictionOut, strike_record
from warden.kernel.model import Restriction, Strike, StrikeStatus


class _View(BaseModel):
    """An answer's shape: every key is declared (an undeclared one is an error, not silently dropped)."""

    model_config = ConfigDict(extra="forbid")


# --- appeals -----------------------------------------------------------------------------------------------------


class AppealSummary(_View):
    """An appeal as a list item."""

    id: str
    kind: str = Field(description="member | enterprise")
    strike_id: str = Field(description="The contested penalty.")
    subject: str = Field(description="`account:<id>` or `enterprise:<id>`.")
    enterprise_id: str
    account_id: str | None = Field(description="The member's account (member appeals only).")
    status: str = Field(description="open | awaiting_confirmation | upheld | reduced | overturned | withdrawn")
    stage: str = Field(description="Where the case stands as the appellant sees it (needs_documents, queued …).")
    stage_text: str
    submitted_at: str
    due_at: str = Field(
        description="The deadline: the SLA's working days of time in the policy's timezone, on mainland China's "
        "working-day calendar (holidays and 调休 make-up workdays)."
    )
    due_basis: str = Field(
        description="cn_calendar | weekdays: `weekdays` when a year of the span is not in the holiday calendar "
        "yet, so Mon–Fri were counted."
    )
    version: int = Field(description="Changes with every change of the appeal; send it back as `If-Match`.")


class AppealPage(_View):
    items: list[AppealSummary]
    next_cursor: str | None = Field(description="Pass back as `cursor` for the next page; None on the last.")


class ChecklistDocument(_View):
    """The latest upload of a slot."""

    id: str
    media_type: str
    size: int
    sha256: str
    filename: str
    uploaded_at: str


class DocumentRejection(_View):
    """Why a reviewer rejected a document (zh/en), and their note as written."""

    code: str | None
    text: str | None
    note: str | None


class ChecklistRow(_View):
    """One document slot; `document` once something was uploaded, `rejection` while the latest is rejected."""

    kind: str
    title: str
    required: bool
    state: str = Field(description="missing | submitted | accepted | rejected")
    submissions: int
    document: ChecklistDocument | None = None
    rejection: DocumentRejection | None = None


class PenaltyView(_View):
    """The contested strike, with its restriction as explained to people (as in the account's explanation)."""

    strike_id: str
    rule: str
    severity: str
    step: int
    status: str
    status_reason: str | None
    at: str
    restriction: ExplainedRestriction | None


class AppealDecision(_View):
    """The decision and its reason, once the appeal is closed by one; reviewers also see who decided."""

    outcome: str = Field(description="uphold | reduce | overturn")
    reason_code: str | None
    text: str
    note: str | None
    to_step: int | None
    decided_at: str | None
    decided_by: str | None = None
    decided_by_label: str | None = Field(
        default=None,
        description="The person's name for `decided_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )
    confirmed_by: str | None = None
    confirmed_by_label: str | None = Field(
        default=None,
        description="The person's name for `confirmed_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )


class AppealProposal(_View):
    """The first reviewer's proposal (four eyes), for the desk."""

    outcome: str | None
    reason_code: str | None
    note: str | None
    to_step: int | None
    exempt_days: int | None
    proposed_by: str | None
    proposed_by_label: str | None = Field(
        default=None,
        description="The person's name for `proposed_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )
    proposed_at: str | None
    confirmed_by: str | None
    confirmed_by_label: str | None = Field(
        default=None,
        description="The person's name for `confirmed_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )


class AppealClaim(_View):
    claimed_by: str
    claimed_by_label: str | None = Field(
        default=None,
        description="The person's name for `claimed_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )
    claimed_at: str


class HistoryStrike(_View):
    id: str
    rule: str
    severity: str
    step: int
    at: str
    status: str


class HistoryRestriction(_View):
    id: str
    scope: str
    step: int
    rule: str
    active: bool
    ends_at: str | None
    lifted_at: str | None


class HistoryEvent(_View):
    id: str
    type: str
    occurred_at: str
    allowed: bool | None


class EarlierAppeal(_View):
    id: str
    strike_id: str
    status: str
    submitted_at: str


class CaseHistory(_View):
    """The subject's record beside the case."""

    strikes: list[HistoryStrike]
    active_strikes: int
    restrictions: list[HistoryRestriction]
    recent_events: list[HistoryEvent]
    earlier_appeals: list[EarlierAppeal]
    weight: float | None = Field(description="Weight (S-B) of the subject; None: not read for desk cases yet.")


class AppealDetail(AppealSummary):
    """One appeal in full as its caller may see it. Reviewers, platform and auditors also get `claim`,
    `appellant`, `proposal` (while there is one) and `history`; the others never see those keys."""

    statement: str
    checklist: list[ChecklistRow]
    missing_required: list[str] = Field(description="Required documents not yet accepted (enterprise appeals).")
    penalty: PenaltyView
    decision: AppealDecision | None = None
    claim: AppealClaim | None = None
    appellant: str | None = None
    proposal: AppealProposal | None = None
    history: CaseHistory | None = None


class DocumentOut(_View):
    """An uploaded document."""

    id: str
    appeal_id: str
    kind: str
    state: str
    media_type: str = Field(description="Detected from the content, never from the name.")
    size: int
    sha256: str
    filename: str = Field(description="Sanitised display name only.")
    submissions: int = Field(description="How many times this document was submitted (resubmissions included).")


def document_out(doc: Document, submissions: int) -> DocumentOut:
    return DocumentOut(
        id=doc.id,
        appeal_id=doc.appeal_id,
        kind=doc.kind,
        state=doc.state.value,
        media_type=doc.media_type,
        size=doc.size,
        sha256=doc.sha256,
        filename=doc.filename,
        submissions=submissions,
    )


class AppealNotification(_View):
    """One notice in an appeal's outbox."""

    key: str
    kind: str
    recipient: str = Field(description="`enterprise:<id>` or `account:<id>`.")
    status: str
    attempts: int
    payload: dict[str, Any] = Field(description="What is sent: appeal id, status, stage and its text (zh/en) …")


class AppealNotifications(_View):
    items: list[AppealNotification]


# --- the desk ----------------------------------------------------------------------------------------------------


class QueueAppeal(_View):
    """An open appeal in the review queue."""

    case_id: str = Field(description="`appeal:<id>`: what to claim.")
    type: Literal["appeal"]
    appeal_id: str
    kind: str
    subject: str
    stage: str
    stage_text: str
    opened_at: str
    due_at: str
    proposed_by: str | None
    proposed_by_label: str | None = Field(
        default=None,
        description="The person's name for `proposed_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )
    missing_required: list[str]
    claimed_by: str | None
    claimed_by_label: str | None = Field(
        default=None,
        description="The person's name for `claimed_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )
    claim_expires_at: str | None
    overdue: bool


class QueueFlag(_View):
    """An open flag (a rule's flag, or a proposed permanent strike) in the review queue."""

    case_id: str = Field(description="`flag:<id>`: what to claim.")
    type: Literal["flag"]
    flag_id: str
    rule: str
    subject: str
    stage: str
    stage_text: str
    opened_at: str
    due_at: str
    evidence: dict[str, Any]
    claimed_by: str | None
    claimed_by_label: str | None = Field(
        default=None,
        description="The person's name for `claimed_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )
    claim_expires_at: str | None
    overdue: bool


class ReviewQueue(_View):
    items: list[Annotated[QueueAppeal | QueueFlag, Field(discriminator="type")]]
    next_cursor: str | None
    sla_working_days: int


class DeskClaim(_View):
    case_id: str
    claimed_by: str
    claimed_by_label: str | None = Field(
        default=None,
        description="The person's name for `claimed_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )
    claimed_at: str


class AppealNote(_View):
    """A reviewer's internal note on an appeal (issue 14): the desk's roles read it, the appellant never does."""

    id: str
    appeal_id: str
    author: str = Field(description="The reviewer who wrote it (actor: `reviewer:<person>`)")
    text: str
    at: str


class AppealNotes(_View):
    items: list[AppealNote] = Field(description="Oldest first")


class Colleague(_View):
    person: str = Field(description="Name it as `to` of a reassignment")
    name: str


class Colleagues(_View):
    """Reviewers holding a live token: whom a case may be reassigned to."""

    items: list[Colleague]


class ExemptionOut(_View):
    account_id: str
    rule_id: str
    until: str
    reason: str


class FlagResolutionOut(_View):
    flag_id: str
    status: str = Field(description="dismissed | actioned")


class EnterpriseRestrictionOut(_View):
    """The restriction a reviewer imposed on a whole enterprise (S-C2)."""

    id: str
    strike_id: str | None
    scope: str
    step: int
    starts_at: str
    ends_at: str | None = Field(description="None: permanent.")


def enterprise_restriction(r: Restriction) -> EnterpriseRestrictionOut:
    return EnterpriseRestrictionOut(
        id=r.id,
        strike_id=r.strike_id,
        scope=r.scope.value,
        step=r.step,
        starts_at=r.starts_at.isoformat(),
        ends_at=r.ends_at.isoformat() if r.ends_at else None,
    )


class StrikeOut(_View):
    id: str
    subject_type: str
    subject_id: str
    rule: str
    severity: str
    step: int
    at: datetime
    status: str
    event_id: str | None
    evidence: dict[str, Any]


class ManualStrikeOut(_View):
    """A manual strike request: issued at once, or (permanent step) proposed until a second reviewer decides."""

    case_id: str = Field(description="The desk case (`flag:<case_id>` in the review queue while proposed).")
    account_id: str
    status: Literal["proposed", "issued", "declined"]
    four_eyes: bool = Field(description="The step would be permanent: a different reviewer must confirm.")
    severity: str
    reason: str
    step: int = Field(description="The ladder step the strike takes (or would take, while proposed).")
    requested_by: str
    requested_by_label: str | None = Field(
        default=None,
        description="The person's name for `requested_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )
    requested_at: str
    confirmed_by: str | None = None
    confirmed_by_label: str | None = Field(
        default=None,
        description="The person's name for `confirmed_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )
    declined_by: str | None = None
    declined_by_label: str | None = Field(
        default=None,
        description="The person's name for `declined_by` (`demo reviewer 甲`); the raw actor stays beside it.",
    )
    note: str | None = None
    strike: StrikeOut | None = None
    restriction: RestrictionOut | None = None
    replayed: bool = False


def manual_strike(
    case_id: str,
    account_id: str,
    status: Literal["proposed", "issued", "declined"],
    case: dict[str, Any],
    strike: Strike | None,
    restriction: RestrictionOut | None,
    replayed: bool,
) -> ManualStrikeOut:
    """A request (`case`: its evidence, see `manual_strikes`) with the strike and restriction it produced."""
    return ManualStrikeOut(
        case_id=case_id,
        account_id=account_id,
        status=status,
        four_eyes=bool(case.get("four_eyes")),
        severity=case["severity"],
        reason=case["reason"],
        step=case["step"],
        requested_by=case["requested_by"],
        requested_at=case["requested_at"],
        confirmed_by=case.get("confirmed_by"),
        declined_by=case.get("declined_by"),
        note=case.get("note"),
        strike=None
        if strike is None
        else StrikeOut(
            id=strike.id,
            subject_type=strike.subject_type,
            subject_id=strike.subject_id,
            rule=strike.rule_id,
            severity=strike.severity,
            step=strike.step,
            at=strike.at,
            status=strike.status.value,
            event_id=strike.event_id,
            evidence=strike.evidence,
        ),
        restriction=restriction,
        replayed=replayed,
    )


# --- renderings (plain dicts: what the service returns) ---------------------------------------------------------


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
                    "text": REJECT_TEXT.lookup(d.reject_code or "", lang, d.reject_code),
                    "note": d.reject_note,
                }
        rows.append(row)
    return rows


def summary(a: Appeal, claimed_by: str | None, lang: Lang, timezone: str = "Asia/Shanghai") -> dict[str, Any]:
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
        "due_basis": deadline_basis(a.submitted_at, a.due_at, timezone),
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
        "strikes": [strike_record(s) for s in strikes],
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
