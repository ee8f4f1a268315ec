"""Appeals and the review desk (S-D6, S-C2, member appeals): the one handle the edges hold, built once by
bootstrap (`app.appeals`). Every method is one use case in one transaction, taking the caller's `Principal`
first; the work is done in the use-case modules beside this one:

| module | use cases |
| --- | --- |
| `filing` | `open`, `withdraw` |
| `reading` | `get`, `list_appeals` |
| `documents` | `upload`, `download`, `review_document` |
| `desk` | `queue`, `claim`, `release` |
| `decisions` | `decide`, `confirm` (four eyes), `exempt`, `resolve_flag`, `restrict_enterprise` |
| `notifications` | `deliver`, `notifications`, `notifications_for` |
| `manual_strikes` | `manual_strikes.request`, `.confirm`, `.get` (issue 10, item 11) |
| here | `set_strike_status`, `lift_restriction`: a reviewer's manual actions, carried out by enforcement |

Every change is audited and, in the same transaction, written to the notification outbox; delivery runs
after the commit (and again from `warden appeals deliver`), so a notification is never lost with a rolled
back change nor sent twice.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from warden.adapters.uow import UnitOfWork
from warden.appeals import access, decisions, desk, documents, filing, notes, notifications, reading
from warden.appeals import model as ap
from warden.appeals.context import Desk
from warden.appeals.document_store import DocumentStore
from warden.appeals.manual_strikes import ManualStrikes
from warden.appeals.notifications import DeliveryReport
from warden.appeals.notifier import Notifier
from warden.appeals.policy import AppealsPolicy
from warden.appeals.texts import Lang
from warden.appeals.uploads import Sniffed
from warden.enforcement.service import EnforcementService
from warden.kernel.access import Principal
from warden.kernel.model import Restriction
from warden.pipeline.engine import RuleEngine


class Appeals:
    """The appeals desk: transactions through `uow`, the enforcement calls it needs through `enforcement`, the
    policy in force (read live) and the effector from `rules`, uploads in `documents`, notices through `notifier`."""

    def __init__(
        self,
        uow: UnitOfWork,
        enforcement: EnforcementService,
        rules: RuleEngine,
        documents: DocumentStore,
        notifier: Notifier,
    ) -> None:
        self.desk = Desk(uow, enforcement, rules, documents, notifier)
        self.manual_strikes = ManualStrikes(self.desk)  # a reviewer's strike on one account, four eyes when permanent

    @property
    def policy(self) -> AppealsPolicy:
        return self.desk.policy

    @property
    def documents(self) -> DocumentStore:
        return self.desk.documents

    @property
    def notifier(self) -> Notifier:
        return self.desk.notifier

    # --- filing and reading ---------------------------------------------------------------------------------

    def open(
        self, p: Principal, strike_id: str, statement: str, idempotency_key: str | None = None
    ) -> tuple[ap.Appeal, bool]:
        """(appeal, created); see `filing.open_appeal`."""
        return filing.open_appeal(self.desk, p, strike_id, statement, idempotency_key)

    def withdraw(self, p: Principal, appeal_id: str) -> ap.Appeal:
        return filing.withdraw(self.desk, p, appeal_id)

    def get(self, p: Principal, appeal_id: str, lang: Lang = "zh") -> dict[str, Any]:
        return reading.get(self.desk, p, appeal_id, lang)

    def list_appeals(
        self, p: Principal, lang: Lang = "zh", status: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> dict[str, Any]:
        return reading.list_appeals(self.desk, p, lang, status, limit, cursor)

    # --- documents ------------------------------------------------------------------------------------------

    def upload(
        self, p: Principal, appeal_id: str, kind: str, data: bytes, filename: str | None
    ) -> tuple[ap.Document, int]:
        return documents.upload(self.desk, p, appeal_id, kind, data, filename)

    def download(self, p: Principal, appeal_id: str, kind: str) -> tuple[ap.Document, bytes]:
        return documents.download(self.desk, p, appeal_id, kind)

    def review_document(
        self, p: Principal, appeal_id: str, kind: str, verdict: str, reason_code: str | None, note: str | None
    ) -> ap.Document:
        return documents.review_document(self.desk, p, appeal_id, kind, verdict, reason_code, note)

    # --- the desk -------------------------------------------------------------------------------------------

    def queue(self, p: Principal, lang: Lang = "zh", limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
        return desk.queue(self.desk, p, lang, limit, cursor)

    def claim(self, p: Principal, case_id: str) -> dict[str, Any]:
        return desk.claim(self.desk, p, case_id)

    def release(self, p: Principal, case_id: str) -> None:
        desk.release(self.desk, p, case_id)

    def reassign(self, p: Principal, case_id: str, to: str, note: str | None = None) -> dict[str, Any]:
        """Hand a case to a named colleague (`desk.reassign`)."""
        return desk.reassign(self.desk, p, case_id, to, note)

    def add_note(self, p: Principal, appeal_id: str, text: str) -> dict[str, Any]:
        """A reviewer's internal note on the appeal (`notes.add`)."""
        return notes.add(self.desk, p, appeal_id, text)

    def notes(self, p: Principal, appeal_id: str) -> list[dict[str, Any]]:
        """The appeal's internal notes (`notes.list_notes`)."""
        return notes.list_notes(self.desk, p, appeal_id)

    def colleagues(self, p: Principal) -> dict[str, str]:
        """Whom a case may be reassigned to: person id → name of every reviewer with a live token (desk roles)."""
        access.require_desk(p)
        return self.desk.reviewers()

    # --- decisions ------------------------------------------------------------------------------------------

    def decide(
        self,
        p: Principal,
        appeal_id: str,
        outcome: ap.AppealOutcome,
        reason_code: str,
        note: str | None = None,
        to_step: int | None = None,
        exempt_days: int | None = None,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        return decisions.decide(
            self.desk, p, appeal_id, outcome, reason_code, note, to_step, exempt_days, expected_version
        )

    def confirm(
        self, p: Principal, appeal_id: str, agree: bool, note: str | None = None, expected_version: int | None = None
    ) -> dict[str, Any]:
        return decisions.confirm(self.desk, p, appeal_id, agree, note, expected_version)

    def exempt(self, p: Principal, account_id: str, rule_id: str, days: int, reason: str) -> dict[str, Any]:
        return decisions.exempt(self.desk, p, account_id, rule_id, days, reason)

    def resolve_flag(self, p: Principal, flag_id: str, outcome: str, note: str) -> dict[str, Any]:
        return decisions.resolve_flag(self.desk, p, flag_id, outcome, note)

    def restrict_enterprise(self, p: Principal, enterprise_id: str, severity: str, reason: str) -> Restriction:
        return decisions.restrict_enterprise(self.desk, p, enterprise_id, severity, reason)

    # --- the one home of uploaded files: checks and storage (appeal documents; case evidence, issue 15) --------

    def check_document(self, data: bytes) -> Sniffed:
        """Judge an uploaded file like an appeal document (`documents.check_file`); InvalidInput naming `file`."""
        return documents.check_file(self.desk, data)

    def stage_document(self, data: bytes) -> AbstractContextManager[str]:
        """Store the file by hash for the length of a transaction: removed again if it rolls back."""
        return self.desk.documents.staged(data)

    def display_name(self, filename: str | None) -> str:
        """An uploaded file's name for display only (`model.sanitise_filename`)."""
        return ap.sanitise_filename(filename)

    def read_document(self, key: str) -> bytes:
        """A stored file by its hash (DocumentMissing when absent or altered)."""
        return self.desk.documents.get(key)

    # --- notifications --------------------------------------------------------------------------------------

    def deliver(self, limit: int = 100) -> DeliveryReport:
        return notifications.deliver(self.desk, limit)

    def outbox_backlog(self) -> tuple[dict[str, int], float]:
        """Unsent notifications by status (`pending`, `failed`) and the seconds the oldest due one has waited."""
        return notifications.backlog(self.desk)

    def notifications(self, appeal_id: str) -> list[dict[str, Any]]:
        """The outbox of one appeal, unchecked (the CLI, tests); the HTTP route uses `notifications_for`."""
        return notifications.outbox(self.desk, appeal_id)

    def notifications_for(self, p: Principal, appeal_id: str) -> list[dict[str, Any]]:
        return notifications.outbox_for(self.desk, p, appeal_id)
