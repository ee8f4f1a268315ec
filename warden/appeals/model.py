"""Appeals (S-D6, member appeals) and the review desk: the pure model and its rules.

An appeal contests one penalty (a strike and its restriction). Its documents form a checklist of slots;
each slot's state is that of its latest upload, so one document can be resubmitted alone. Decisions are
uphold, reduce (a lower ladder step) or overturn; on a permanent ban or an enterprise penalty the first
reviewer only proposes and a different reviewer confirms (four eyes). Texts for people are zh/en; codes
never change with the language. No I/O here: times come in as arguments.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import chinese_calendar

from warden.appeals.texts import DECISION_REASONS


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


class AppealOutcome(StrEnum):
    UPHOLD = "uphold"
    REDUCE = "reduce"
    OVERTURN = "overturn"


OUTCOME_STATUS = {
    AppealOutcome.UPHOLD: AppealStatus.UPHELD,
    AppealOutcome.REDUCE: AppealStatus.REDUCED,
    AppealOutcome.OVERTURN: AppealStatus.OVERTURNED,
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
    outcome: AppealOutcome | None = None
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


def check_decision(
    outcome: AppealOutcome, reason_code: str, to_step: int | None, current_step: int, lowest_step: int
) -> list[tuple[str, str]]:
    """Problems with a proposed decision as (field, message); empty when it is well-formed."""
    problems: list[tuple[str, str]] = []
    codes = DECISION_REASONS[outcome]
    if reason_code not in codes:
        problems.append(("reason_code", f"for {outcome.value} use one of: {', '.join(codes)}"))
    if outcome is AppealOutcome.REDUCE:
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


def is_working_day(day: date) -> tuple[bool, bool]:
    """Whether `day` is a working day in mainland China, and whether the calendar knew its year.

    Holidays and make-up workdays (调休) come from the kept library `chinese-calendar` (the State Council's
    yearly notices; version 1.11 covers 2004–2026). For a year it does not know, Mon–Fri are working days and the
    second value is False, so callers can say the deadline was counted on weekdays only.
    """
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:  # "no available data for year …"
        return day.weekday() < 5, False


def working_days_after(start: datetime, days: int, timezone: str) -> datetime:
    """The instant `days` working days of time (24 h each) have run since `start`, in the policy's timezone.

    The clock runs only on working days (`is_working_day`: holidays and 调休 make-up days of mainland China):
    the rest of the submission's day counts if it is a working day, weekends and holidays do not count at all.
    So Friday 10:00 + 2 is Tuesday 10:00, Saturday 10:00 + 2 (or Sunday 23:00 + 2) is Wednesday 00:00 (Monday
    and Tuesday whole), and a deadline across 国庆 skips the holiday and counts its make-up Saturday.
    """
    tz = ZoneInfo(timezone)
    t = start.astimezone(UTC)
    remaining = timedelta(days=days)
    while True:
        day = t.astimezone(tz).date()
        day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        if is_working_day(day)[0]:
            if day_end - t >= remaining:
                return (t + remaining).astimezone(start.tzinfo)
            remaining -= day_end - t
        t = day_end


def deadline_basis(start: datetime, due: datetime, timezone: str) -> str:
    """`cn_calendar` when every day from `start` to `due` was judged on the holiday calendar, `weekdays` when a
    year in between is not in it yet (counted Mon–Fri; say so)."""
    tz = ZoneInfo(timezone)
    years = range(start.astimezone(tz).year, due.astimezone(tz).year + 1)
    return "cn_calendar" if all(is_working_day(date(y, 6, 1))[1] for y in years) else "weekdays"


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
