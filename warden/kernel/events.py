"""Typed account events as the platform sends them.

Each event carries the client's own `id` (ingest is idempotent on it) and the time it happened, with a zone.
Validation is strict: an unknown type or field is an error that names the field, never a silent drop.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    WrapValidator,
    model_validator,
)

from warden.kernel.inputs import NO_CONTROLS, Count64, Text, within_years

EventTime = Annotated[AwareDatetime, WrapValidator(within_years("no platform event is that old"))]
"""An event's time: an `warden.kernel.inputs.Instant`."""
ID_PATTERN = r"^[A-Za-z0-9_.:@\-]+$"
"""What an id of an account, an enterprise or an event may hold (1 to 128 of these characters); every edge's id
parameter uses it (`warden.enforcement.http.directory.IdPath`)."""
Id = Annotated[str, Field(min_length=1, max_length=128, pattern=ID_PATTERN)]

Feature = Literal[
    "chat_message",
    "file_download",
    "clock_in",
    "attendance",
    "leave_request",
    "approval",
    "calendar",
    "document",
    "meeting",
    "mass_send",
]
FEATURES: tuple[str, ...] = get_args(Feature)


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: Id
    occurred_at: EventTime


class ContactRequest(_Event):
    """The account asks to add someone. The platform waits for the answer before sending it."""

    type: Literal["contact_request"]
    account_id: Id
    method: Literal["phone_search", "qr_code", "business_card", "group"]
    target: Annotated[Text, Field(min_length=1, max_length=128)]
    greeting: Annotated[Text, Field(max_length=500)] = ""


class ContactAdded(_Event):
    """A contact now exists between the account and another party (a request was accepted)."""

    type: Literal["contact_added"]
    account_id: Id
    contact_id: Id
    initiated_by: Literal["self", "contact"] = "self"
    external: bool = True


class ContactRemoved(_Event):
    """A contact removed the account (negative feedback for the account).

    `external` says whether the contact was an external one (a customer), as on `ContactAdded` and with the same
    default: the platform knows it (its external-contact callbacks are apart from the internal address book), and
    an external removal frees a place under the unverified-enterprise cap (S-A4)."""

    type: Literal["contact_removed"]
    account_id: Id
    contact_id: Id
    external: bool = True


ReportReason = Literal["spam", "harassment", "fraud", "prohibited_content", "impersonation", "other"]
REPORT_REASONS: tuple[str, ...] = get_args(ReportReason)


class Report(_Event):
    """Someone reports the account (`account_id` is the reported account)."""

    type: Literal["report"]
    account_id: Id
    reporter_id: Id
    reason: ReportReason  # maps to a severity class: policy `rules.reports.reason_severity`
    evidence_refs: Annotated[list[Annotated[Text, Field(max_length=512)]], Field(max_length=20)] = []

    @model_validator(mode="after")
    def _not_self(self) -> Report:
        if self.reporter_id == self.account_id:
            raise ValueError("an account cannot report itself (reporter_id equals account_id)")
        return self


class Login(_Event):
    type: Literal["login"]
    account_id: Id
    device_id: Annotated[Text, Field(min_length=1, max_length=128)]
    device_kind: Literal["real", "emulator"] = "real"
    via_linked_personal: bool = False
    client_version: Annotated[str, Field(pattern=r"^\d+(\.\d+){0,3}$")]
    plugin_signatures: Annotated[list[Annotated[Text, Field(min_length=1, max_length=128)]], Field(max_length=50)] = []
    malware_flag: bool = False
    ip: Annotated[Text, Field(max_length=64)] | None = None


class ProfileChange(_Event):
    type: Literal["profile_change"]
    account_id: Id
    field: Literal["avatar", "nickname", "external_card"]
    value: Annotated[Text, Field(max_length=512)] | None = None  # None or "" clears the field


class FeatureUse(_Event):
    type: Literal["feature_use"]
    account_id: Id
    feature: Feature


class Attachment(BaseModel):
    """A file sent with a message: its name, size and any labels (e.g. a confidentiality label)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: Annotated[Text, Field(min_length=1, max_length=255)]
    size: Count64 = 0
    labels: Annotated[list[Annotated[Text, Field(min_length=1, max_length=64)]], Field(max_length=20)] = []


class Message(_Event):
    type: Literal["message"]
    account_id: Id
    text: Annotated[Text, Field(max_length=10_000)]
    to_external: bool = False
    recipient_id: Id | None = None
    attachments: Annotated[list[Attachment], Field(max_length=50)] = []  # file events (issue 7)


class VerificationChange(_Event):
    """Real-name verification of an account, or of an enterprise, changed."""

    type: Literal["verification_change"]
    account_id: Id | None = None
    enterprise_id: Id | None = None
    verified: bool

    @model_validator(mode="after")
    def _one_subject(self) -> VerificationChange:
        if (self.account_id is None) == (self.enterprise_id is None):
            raise ValueError("give exactly one of account_id or enterprise_id")
        return self


Event = Annotated[
    ContactRequest
    | ContactAdded
    | ContactRemoved
    | Report
    | Login
    | ProfileChange
    | FeatureUse
    | Message
    | VerificationChange,
    Field(discriminator="type"),
]
EVENT_TYPES = (
    "contact_request",
    "contact_added",
    "contact_removed",
    "report",
    "login",
    "profile_change",
    "feature_use",
    "message",
    "verification_change",
)
EVENT_MODELS: frozenset[type[BaseModel]] = frozenset(
    (
        ContactRequest,
        ContactAdded,
        ContactRemoved,
        Report,
        Login,
        ProfileChange,
        FeatureUse,
        Message,
        VerificationChange,
    )
)
"""The event classes: an instance of one was validated when it was made (pydantic never validates an instance
again: `revalidate_instances` is "never"), so a batch of them needs no second pass (`pipeline.ingest`)."""
EventAdapter: TypeAdapter[Any] = TypeAdapter(Event)
BatchAdapter: TypeAdapter[list[Any]] = TypeAdapter(list[Event])
MAX_BATCH = 1000


class FieldError(BaseModel):
    field: str
    message: str


_PATTERN_WORDS = {  # what a pattern means, in words a person reads
    ID_PATTERN: "may contain only letters A–Z and a–z, digits and the characters _ . : @ -",
    r"^\d+(\.\d+){0,3}$": "must be a version number like 4.1.0 (digits separated by dots)",
    NO_CONTROLS: "contains a control character; text may hold tab and newline but no other control characters",
}


def field_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Turn pydantic's errors into `{field, message}` pairs a person can read (`events[3].greeting`)."""
    out: list[FieldError] = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if p not in EVENT_TYPES]  # drop the union tag pydantic inserts
        path = prefix
        for part in loc:
            if isinstance(part, int):
                path += f"[{part}]"
            else:
                path += f".{part}" if path else str(part)
        msg = err["msg"]
        if err["type"] == "union_tag_invalid":
            msg = (
                f"unknown event type {err['input'].get('type')!r}; expected one of: {', '.join(EVENT_TYPES)}"
                if isinstance(err.get("input"), dict)
                else msg
            )
            path = f"{path}.type" if path else "type"
        elif err["type"] == "union_tag_not_found":
            msg = f"missing 'type'; expected one of: {', '.join(EVENT_TYPES)}"
            path = f"{path}.type" if path else "type"
        elif err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "value_error" and isinstance(err.get("ctx"), dict) and "error" in err["ctx"]:
            msg = str(err["ctx"]["error"])  # our own validators' words, without pydantic's "Value error, "
        elif err["type"] == "string_pattern_mismatch":
            msg = _PATTERN_WORDS.get(str(err.get("ctx", {}).get("pattern")), msg)
        out.append(FieldError(field=path or "(body)", message=msg))
    return out


def event_problems(raw: Any) -> list[tuple[str, str]]:
    """(field, what is wrong) for each problem of one event as `POST /v1/events` validates it (the file readers'
    check, `warden.adapters.jsonl`); empty when it is a valid event."""
    try:
        EventAdapter.validate_python(raw)
    except ValidationError as exc:
        return [(e.field, e.message) for e in field_errors(exc)]
    return []
