"""Appeals (S-D6, member appeals) and the review desk: the pure rules.

An appeal contests one penalty (a strike and its restriction). Its documents form a checklist of slots;
each slot's state is that of its latest upload, so one document can be resubmitted alone. Decisions are
uphold, reduce (a lower ladder step) or overturn; on a permanent ban or an enterprise penalty the first
reviewer only proposes and a different reviewer confirms (four eyes). Texts for people are zh/en; codes
never change with the language. No I/O here: times come in as arguments.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal
from zoneinfo import ZoneInfo

Lang = Literal["zh", "en"]


class AppealKind(StrEnum):
    MEMBER = "member"  # 我要申诉: a member contests a penalty on their own account
    ENTERPRISE = "enterprise"  # S-D6: an enterprise admin appeals an enterprise-wide penalty with documents


class AppealStatus(StrEnum):
    OPEN = "open"  # in the queue (documents may still be missing or rejected)
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # a proposal waits for a second reviewer
    UPHELD = "upheld"
    REDUCED = "reduced"
    OVERTURNED = "overturned"
    WITHDRAWN = "withdrawn"


LIVE = (AppealStatus.OPEN, AppealStatus.AWAITING_CONFIRMATION)


class DocState(StrEnum):
    MISSING = "missing"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Outcome(StrEnum):
    UPHOLD = "uphold"
    REDUCE = "reduce"
    OVERTURN = "overturn"


OUTCOME_STATUS = {
    Outcome.UPHOLD: AppealStatus.UPHELD,
    Outcome.REDUCE: AppealStatus.REDUCED,
    Outcome.OVERTURN: AppealStatus.OVERTURNED,
}


@dataclass(frozen=True)
class Slot:
    kind: str
    required: bool
    title: dict[str, str]


ENTERPRISE_SLOTS: tuple[Slot, ...] = (
    Slot("business_licence", True, {"zh": "营业执照", "en": "Business licence"}),
    Slot("legal_rep_id", True, {"zh": "法人身份证", "en": "Legal representative's ID card"}),
    Slot(
        "legal_rep_holding_id",
        True,
        {"zh": "法人手持身份证照片", "en": "Photo of the legal representative holding the ID card"},
    ),
    Slot("authorisation_letter", True, {"zh": "企业盖章授权书", "en": "Authorisation letter with the company seal"}),
    Slot(
        "rectification_report",
        False,
        {"zh": "情况说明及整改报告（盖章）", "en": "Situation and rectification report (sealed)"},
    ),
)


def slots_for(kind: AppealKind, max_evidence: int) -> tuple[Slot, ...]:
    """The checklist of an appeal: the S-D6 dossier, or a member's optional evidence files."""
    if kind is AppealKind.ENTERPRISE:
        return ENTERPRISE_SLOTS
    return tuple(
        Slot(f"evidence_{i}", False, {"zh": f"证据 {i}", "en": f"Evidence {i}"}) for i in range(1, max_evidence + 1)
    )


@dataclass
class Document:
    """One upload into a slot. The slot's state is its latest upload's; earlier ones stay as history."""

    id: str
    appeal_id: str
    kind: str
    seq: int
    state: DocState
    sha256: str
    media_type: str
    size: int
    filename: str
    uploaded_by: str
    uploaded_at: datetime
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    reject_code: str | None = None
    reject_note: str | None = None


@dataclass
class Appeal:
    id: str
    kind: AppealKind
    strike_id: str
    subject_type: str
    subject_id: str
    enterprise_id: str
    account_id: str | None
    appellant: str
    statement: str
    status: AppealStatus
    submitted_at: datetime
    due_at: datetime
    version: int = 1
    outcome: Outcome | None = None
    reason_code: str | None = None
    note: str | None = None
    to_step: int | None = None
    exempt_days: int | None = None
    proposed_by: str | None = None
    proposed_at: datetime | None = None
    decided_by: str | None = None
    confirmed_by: str | None = None
    decided_at: datetime | None = None
    documents: list[Document] = field(default_factory=list)

    @property
    def live(self) -> bool:
        return self.status in LIVE


def latest_documents(docs: list[Document]) -> dict[str, Document]:
    out: dict[str, Document] = {}
    for d in sorted(docs, key=lambda d: d.seq):
        out[d.kind] = d
    return out


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


def missing_required(appeal: Appeal) -> list[str]:
    """Required slots not yet accepted: an enterprise ban is only lifted on a complete, accepted dossier."""
    latest = latest_documents(appeal.documents)
    kinds = slots_for(appeal.kind, 0)
    return [s.kind for s in kinds if s.required and (s.kind not in latest or latest[s.kind].state != DocState.ACCEPTED)]


def needs_documents(appeal: Appeal) -> bool:
    latest = latest_documents(appeal.documents)
    return any(
        s.required and (s.kind not in latest or latest[s.kind].state in (DocState.MISSING, DocState.REJECTED))
        for s in slots_for(appeal.kind, 0)
    )


def stage(appeal: Appeal, claimed_by: str | None) -> str:
    """Where the case stands, as the appellant sees it."""
    if appeal.status is AppealStatus.OPEN:
        if appeal.kind is AppealKind.ENTERPRISE and needs_documents(appeal):
            return "needs_documents"
        return "in_review" if claimed_by else "queued"
    if appeal.status is AppealStatus.AWAITING_CONFIRMATION:
        return "second_review"
    return appeal.status.value


STAGE_TEXT: dict[str, dict[str, str]] = {
    "needs_documents": {
        "zh": "待补充材料：请上传缺少或被退回的资质材料",
        "en": "Documents needed: upload the missing or rejected documents",
    },
    "queued": {"zh": "已提交，排队等待审核", "en": "Submitted, waiting for a reviewer"},
    "in_review": {"zh": "审核中", "en": "Under review"},
    "second_review": {"zh": "复核中（需第二位审核员确认）", "en": "Under second review (a second reviewer confirms)"},
    "upheld": {"zh": "申诉未通过，维持原处罚", "en": "Appeal rejected; the penalty stands"},
    "reduced": {"zh": "申诉部分通过，处罚已减轻", "en": "Appeal partly granted; the penalty was reduced"},
    "overturned": {"zh": "申诉通过，处罚已撤销", "en": "Appeal granted; the penalty was lifted"},
    "withdrawn": {"zh": "申诉已撤回", "en": "Appeal withdrawn"},
}

DECISION_REASONS: dict[Outcome, dict[str, dict[str, str]]] = {
    Outcome.UPHOLD: {
        "violation_confirmed": {
            "zh": "经核查，违规行为属实，维持处罚。",
            "en": "The violation is confirmed; the penalty stands.",
        },
        "evidence_insufficient": {
            "zh": "提交的证据不足以证明未违规。",
            "en": "The evidence submitted does not show that no violation took place.",
        },
        "documents_invalid": {
            "zh": "资质材料不完整或无法核实。",
            "en": "The qualification documents are incomplete or could not be verified.",
        },
    },
    Outcome.REDUCE: {
        "mitigating_circumstances": {
            "zh": "违规属实，但情节较轻，处罚已减轻。",
            "en": "The violation is confirmed but minor; the penalty was reduced.",
        },
        "rectified": {
            "zh": "违规属实，已提交整改，处罚已减轻。",
            "en": "The violation is confirmed and was rectified; the penalty was reduced.",
        },
    },
    Outcome.OVERTURN: {
        "rule_misfired": {
            "zh": "经核查为误判，处罚已撤销。",
            "en": "The rule fired in error; the penalty was lifted.",
        },
        "evidence_convincing": {
            "zh": "你提交的证据证明未违规，处罚已撤销。",
            "en": "Your evidence shows there was no violation; the penalty was lifted.",
        },
        "documents_verified": {
            "zh": "资质材料核实无误，企业处罚已撤销。",
            "en": "The qualification documents were verified; the enterprise penalty was lifted.",
        },
    },
}

REJECT_TEXT: dict[str, dict[str, str]] = {
    "illegible": {"zh": "图片模糊或不完整，无法辨认", "en": "Blurred or incomplete, cannot be read"},
    "expired": {"zh": "证件已过期", "en": "The document has expired"},
    "mismatch": {"zh": "信息与企业登记信息不一致", "en": "Does not match the enterprise's registered details"},
    "seal_missing": {"zh": "缺少企业公章", "en": "The company seal is missing"},
    "wrong_document": {"zh": "上传的不是所需材料", "en": "Not the document asked for"},
    "other": {"zh": "其他原因，见审核员说明", "en": "Other; see the reviewer's note"},
}


def decision_text(outcome: Outcome, reason_code: str, lang: Lang) -> str:
    return DECISION_REASONS[outcome][reason_code][lang]


def check_decision(
    outcome: Outcome, reason_code: str, to_step: int | None, current_step: int, lowest_step: int
) -> list[tuple[str, str]]:
    """Problems with a proposed decision as (field, message); empty when it is well-formed."""
    problems: list[tuple[str, str]] = []
    codes = DECISION_REASONS[outcome]
    if reason_code not in codes:
        problems.append(("reason_code", f"for {outcome.value} use one of: {', '.join(codes)}"))
    if outcome is Outcome.REDUCE:
        if to_step is None:
            problems.append(("to_step", "reduce needs the lower step to apply"))
        elif not lowest_step <= to_step < current_step:
            problems.append(
                ("to_step", f"must be below the current step {current_step} and at least {lowest_step}")
                if current_step > lowest_step
                else ("to_step", f"step {current_step} is already the lowest; uphold or overturn instead")
            )
    elif to_step is not None:
        problems.append(("to_step", "only a reduce decision takes a step"))
    return problems


def needs_four_eyes(subject_type: str, step: int, permanent: bool, top: int) -> bool:
    """A decision on a permanent ban or on an enterprise-wide penalty takes a second reviewer."""
    return subject_type == "enterprise" or permanent or step >= top


def working_days_after(start: datetime, days: int, timezone: str) -> datetime:
    """`days` working days (Mon–Fri, in the policy's timezone) after `start`; holidays are not modelled yet.

    A case submitted on a weekend starts counting from Monday; the deadline keeps the submission's time of day.
    """
    tz = ZoneInfo(timezone)
    local = start.astimezone(tz)
    t = local
    n = 0
    while n < days:
        t += timedelta(days=1)
        if t.weekday() < 5:
            n += 1
    return t.astimezone(start.tzinfo)


def sanitise_filename(name: str | None) -> str:
    """A display name only (never a path): last component, no control or separator characters, ≤120 chars."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in '<>:"|?*')
    name = name.strip().lstrip(".").strip()
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 120 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:120]
    return name or "document"
