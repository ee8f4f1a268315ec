"""An appeal's documents: upload (judged by content, stored by hash), download (audited), a reviewer's verdict."""

from __future__ import annotations

import secrets
from typing import Any

from warden.appeals import access, store
from warden.appeals import model as ap
from warden.appeals.context import Desk
from warden.appeals.document_store import DocumentMissing
from warden.appeals.notifications import after_commit, notify
from warden.appeals.reading import claimed_by, visible
from warden.appeals.texts import REJECT_TEXT
from warden.appeals.uploads import Sniffed, UploadRejected, sniff
from warden.kernel.access import Principal
from warden.kernel.errors import Conflict, InvalidInput, NotFound
from warden.kernel.events import FieldError


def check_file(d: Desk, data: bytes) -> Sniffed:
    """The one check of an uploaded file (appeal documents, and case evidence through `Appeals.check_document`):
    judged by content (`uploads.sniff`: type by magic bytes and structure, the policy's allowed types and size
    cap); `Sniffed.data` is the disarmed copy (images re-encoded from their pixels, PDFs re-saved) to store.
    InvalidInput naming `file` (code, en / zh) otherwise."""
    try:
        return sniff(data, list(d.policy.allowed_types), d.policy.max_upload_bytes)
    except UploadRejected as exc:
        raise InvalidInput(exc.en, [FieldError(field="file", message=f"{exc.code}: {exc.en} / {exc.zh}")]) from exc


def upload(
    d: Desk, p: Principal, appeal_id: str, kind: str, data: bytes, filename: str | None
) -> tuple[ap.Document, int]:
    """Put a document into a slot (first time or resubmission). Judged by content; stored by hash.
    Returns (document, how many times this slot was submitted)."""
    with d.uow.reading() as tx:
        a = visible(tx.conn, p, appeal_id)
    access.require_appellant(p, a, "uploads documents to this appeal")
    slots = {s.kind for s in ap.slots_for(a.kind, d.policy.max_evidence_files)}
    if kind not in slots:
        raise InvalidInput(
            f"{kind!r} is not a document of this appeal",
            [FieldError(field="kind", message=f"one of: {', '.join(sorted(slots))}")],
        )
    info = check_file(d, data)
    # the disarmed copy is what is stored; a rolled-back upload leaves no file behind
    with d.documents.staged(info.data) as key, d.uow.writing(lock=True) as tx:
        assert key == info.sha256
        now = tx.now
        a2 = store.load(tx.conn, appeal_id)
        assert a2 is not None
        if a2.status is not ap.AppealStatus.OPEN:
            raise Conflict(f"the appeal is {a2.status.value}; documents can no longer change")
        current = ap.latest_documents(a2.documents).get(kind)
        if current is not None and current.state is ap.DocState.ACCEPTED:
            raise Conflict(f"{kind} was already accepted; it cannot be replaced")
        doc = ap.Document(
            id="doc_" + secrets.token_hex(8),
            appeal_id=appeal_id,
            kind=kind,
            seq=len(a2.documents) + 1,
            state=ap.DocState.SUBMITTED,
            sha256=info.sha256,
            media_type=info.media_type,
            size=info.size,
            filename=ap.sanitise_filename(filename),
            uploaded_by=p.actor,
            uploaded_at=now,
        )
        store.insert_document(tx.conn, doc)
        a2.version = store.bump(tx.conn, a2)
        a2.documents.append(doc)
        tx.audit.append(
            now,
            p.actor,
            "appeal.document_submitted",
            f"appeal:{appeal_id}",
            {"kind": kind, "document": doc.id, "sha256": doc.sha256, "type": doc.media_type, "size": doc.size},
        )
        notify(tx, a2, "appeal.document_submitted", {"document": kind})
    after_commit(d)
    return doc, sum(1 for x in a2.documents if x.kind == kind)


def download(d: Desk, p: Principal, appeal_id: str, kind: str) -> tuple[ap.Document, bytes]:
    """The slot's latest document, for reviewers and the appellant's side only; each read is audited."""
    with d.uow.reading() as tx:
        a = visible(tx.conn, p, appeal_id)
    access.require_download(p, a)
    doc = ap.latest_documents(a.documents).get(kind)
    if doc is None:
        raise NotFound(f"no {kind!r} document on this appeal")
    try:
        data = d.documents.get(doc.sha256)
    except DocumentMissing as exc:
        raise NotFound(f"the stored file of {kind!r} is missing or damaged") from exc
    with d.uow.writing(lock=True) as tx:  # identity documents: every read is on the record
        tx.audit.append(tx.now, p.actor, "appeal.document_read", f"appeal:{a.id}", {"kind": kind, "document": doc.id})
    return doc, data


def review_document(
    d: Desk, p: Principal, appeal_id: str, kind: str, verdict: str, reason_code: str | None, note: str | None
) -> ap.Document:
    """A reviewer (holding the claim) accepts or rejects the latest document of a slot, with a reason."""
    access.require_reviewer(p)
    if verdict not in ("accepted", "rejected"):
        raise InvalidInput("verdict", [FieldError(field="verdict", message="accepted or rejected")])
    if verdict == "rejected" and reason_code not in REJECT_TEXT:
        raise InvalidInput(
            "a rejection needs a reason the appellant can act on",
            [FieldError(field="reason_code", message=f"one of: {', '.join(REJECT_TEXT)}")],
        )
    with d.uow.writing(lock=True) as tx:
        now = tx.now
        a = visible(tx.conn, p, appeal_id)
        access.must_hold(p, f"appeal:{a.id}", claimed_by(tx.conn, f"appeal:{a.id}"))
        if a.status is not ap.AppealStatus.OPEN:
            raise Conflict(f"the appeal is {a.status.value}")
        doc = ap.latest_documents(a.documents).get(kind)
        if doc is None:
            raise NotFound(f"no {kind!r} document on this appeal")
        if doc.state is not ap.DocState.SUBMITTED:
            raise Conflict(f"the latest {kind} is {doc.state.value}; only a submitted document is reviewed")
        doc.state = ap.DocState(verdict)
        doc.reviewed_by, doc.reviewed_at = p.actor, now
        doc.reject_code = reason_code if verdict == "rejected" else None
        doc.reject_note = note
        store.save_review(tx.conn, doc)
        a.version = store.bump(tx.conn, a)
        tx.audit.append(
            now,
            p.actor,
            f"appeal.document_{verdict}",
            f"appeal:{a.id}",
            {"kind": kind, "document": doc.id, "reason": reason_code, "note": note},
        )
        extra: dict[str, Any] = {"document": kind, "verdict": verdict}
        if verdict == "rejected":
            extra["reason"] = {"code": reason_code, **REJECT_TEXT[reason_code or "other"], "note": note}
        notify(tx, a, f"appeal.document_{verdict}", extra)
    after_commit(d)
    return doc
