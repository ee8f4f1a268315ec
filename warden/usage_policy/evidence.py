"""Case evidence (issue 15, S-E5): files uploaded to a usage-policy case, checked and stored exactly like appeal
documents — the one home of those checks is the appeals slice (`appeals/uploads.py` through
`Appeals.check_document`), handed in by bootstrap as `EvidenceFiles`, so no check is copied and no slice imports
another. A statement's `evidence_refs` must name evidence uploaded to its case (`CaseDesk.submit_statement`).

Every public method takes the caller's `Principal` first (checked by `access.py`: see the case, and the policy's
`case_access` action `evidence`), is one transaction, audited and on the case's timeline.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from warden.adapters.uow import UnitOfWork
from warden.kernel.access import Principal
from warden.kernel.errors import Conflict, Forbidden, NotFound
from warden.usage_policy import access, store
from warden.usage_policy.cases import visible_case
from warden.usage_policy.model import Evidence
from warden.usage_policy.policy import EnterpriseUsageSettings


class FileFacts(Protocol):
    """What the check found: the type by content, and the disarmed copy to store (`data`: images re-encoded from
    their pixels, PDFs re-saved) with its size in bytes and SHA-256 (also the store's key)."""

    @property
    def media_type(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def sha256(self) -> str: ...

    @property
    def data(self) -> bytes: ...


class EvidenceFiles(Protocol):
    """The document checks and storage of the appeals slice (`appeals.service.Appeals`)."""

    def check_document(self, data: bytes) -> FileFacts: ...

    def stage_document(self, data: bytes) -> AbstractContextManager[str]: ...

    def read_document(self, key: str) -> bytes: ...

    def display_name(self, filename: str | None) -> str: ...


class CaseEvidence:
    """Upload and download a case's evidence."""

    def __init__(self, uow: UnitOfWork, settings: EnterpriseUsageSettings, files: Callable[[], EvidenceFiles]) -> None:
        self.uow = uow
        self.settings = settings
        self.files = files  # late-bound: the app's appeals service as it is now

    def upload(self, principal: Principal, case_id: str, data: bytes, filename: str | None) -> Evidence:
        """Check the file like an appeal document (422 naming `file` otherwise), store it by hash, record it on the
        case. The employee (own case) and, by default, HR, investigators and the admin may upload; 409 once the
        case is closed."""
        with self.uow.reading() as tx:
            case = visible_case(tx.conn, principal, case_id)
        access.check_case_action(principal, case, "evidence", self.settings)
        files = self.files()
        info = files.check_document(data)
        with files.stage_document(info.data) as key, self.uow.writing(lock=True) as tx:
            assert key == info.sha256
            case = visible_case(tx.conn, principal, case_id)
            if case.status == "closed":
                raise Conflict(f"case {case_id} is closed; evidence can no longer be added")
            ev = Evidence(
                id="evd_" + secrets.token_hex(8),
                case_id=case.id,
                enterprise_id=case.enterprise_id,
                sha256=info.sha256,
                media_type=info.media_type,
                size=info.size,
                filename=files.display_name(filename),
                uploaded_by=principal.actor,
                uploaded_at=tx.now,
            )
            store.insert_evidence(tx.conn, ev)
            data_ = {"evidence": ev.id, "sha256": ev.sha256, "type": ev.media_type, "size": ev.size}
            store.append_entry(tx.conn, case, "evidence", principal.actor, data_ | {"filename": ev.filename}, tx.now)
            tx.audit.append(tx.now, principal.actor, "case.evidence_uploaded", f"case:{case_id}", data_)
        return ev

    def download(self, principal: Principal, case_id: str, evidence_id: str) -> tuple[Evidence, bytes]:
        """One file of the case, for those who see its content (and the employee on their own case); audited."""
        with self.uow.writing() as tx:
            case = visible_case(tx.conn, principal, case_id)
            if not (access.sees_content(principal, self.settings, case) or access.owns_case(principal, case)):
                raise Forbidden("the case's content is not shown to this role (enterprise_usage.case_access)")
            ev = store.get_evidence(tx.conn, evidence_id)
            if ev is None or ev.case_id != case.id:
                raise NotFound(f"no evidence {evidence_id!r} on case {case_id}")
            tx.audit.append(tx.now, principal.actor, "case.evidence_read", f"case:{case_id}", {"evidence": ev.id})
        return ev, self.files().read_document(ev.sha256)
