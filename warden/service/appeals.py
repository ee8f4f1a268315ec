"""Appeals and the review desk (S-D6, S-C2, member appeals): the use cases, one transaction each.

Every change is audited and, in the same transaction, written to the notification outbox; delivery runs
after the commit (and again from `warden appeals deliver`), so a notification is never lost with a rolled
back change nor sent twice. Writers take the audit chain's lock first, so checks and writes never race;
the unique keys (one live appeal per strike, one claim per case) hold even without it.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from warden.adapters import store
from warden.adapters import tables as t
from warden.adapters.database import reading
from warden.adapters.documents import DocumentMissing, DocumentStore, LocalDocumentStore
from warden.adapters.notifier import LogNotifier, Notification, Notifier, WebhookNotifier
from warden.domain import appeals as ap
from warden.domain.explain import explain_restriction
from warden.domain.policy import AppealsPolicy
from warden.domain.uploads import UploadRejected, sniff
from warden.kernel.access import GLOBAL_ROLES, Principal, Role
from warden.kernel.errors import Conflict, Forbidden, IdempotencyKeyReused, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.kernel.ladder import rederive
from warden.kernel.model import Restriction, Strike, StrikeStatus
from warden.service.warden import Warden

log = logging.getLogger("warden.appeals")


class AppealSettings(BaseSettings):
    """`WARDEN_DOCUMENT_DIR`, `WARDEN_NOTIFIER` (log | webhook), `WARDEN_WEBHOOK_URL`, `WARDEN_WEBHOOK_SECRET`."""

    model_config = SettingsConfigDict(env_prefix="WARDEN_", extra="ignore")
    document_dir: str = "./var/documents"
    notifier: str = "log"
    webhook_url: str | None = None
    webhook_secret: str | None = None


def build_notifier(s: AppealSettings) -> Notifier:
    if s.notifier == "webhook":
        if not s.webhook_url:
            raise ValueError("WARDEN_NOTIFIER=webhook needs WARDEN_WEBHOOK_URL")
        return WebhookNotifier(s.webhook_url, s.webhook_secret)
    if s.notifier == "log":
        return LogNotifier()
    raise ValueError(f"WARDEN_NOTIFIER={s.notifier!r} is not available (use log or webhook)")


def attach(warden: Warden, settings: AppealSettings | None = None) -> Appeals:
    """Give the application its appeals desk (`warden.appeals`), wired from the environment."""
    s = settings or AppealSettings()
    desk = Appeals(warden, LocalDocumentStore(s.document_dir), build_notifier(s))
    warden.appeals = desk  # type: ignore[attr-defined]
    return desk


def desk_of(warden: Warden) -> Appeals:
    desk = getattr(warden, "appeals", None)
    return desk if isinstance(desk, Appeals) else attach(warden)


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0


def _appeal_from(row: Any) -> ap.Appeal:
    return ap.Appeal(
        id=row.id,
        kind=ap.AppealKind(row.kind),
        strike_id=row.strike_id,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        enterprise_id=row.enterprise_id,
        account_id=row.account_id,
        appellant=row.appellant,
        statement=row.statement,
        status=ap.AppealStatus(row.status),
        submitted_at=row.submitted_at,
        due_at=row.due_at,
        version=row.version,
        outcome=ap.Outcome(row.outcome) if row.outcome else None,
        reason_code=row.reason_code,
        note=row.note,
        to_step=row.to_step,
        exempt_days=row.exempt_days,
        proposed_by=row.proposed_by,
        proposed_at=row.proposed_at,
        decided_by=row.decided_by,
        confirmed_by=row.confirmed_by,
        decided_at=row.decided_at,
    )


def _doc_from(row: Any) -> ap.Document:
    return ap.Document(
        id=row.id,
        appeal_id=row.appeal_id,
        kind=row.kind,
        seq=row.seq,
        state=ap.DocState(row.state),
        sha256=row.sha256,
        media_type=row.media_type,
        size=row.size,
        filename=row.filename,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        reject_code=row.reject_code,
        reject_note=row.reject_note,
    )


def _encode_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode("\x1f".join(parts).encode()).decode()


def _decode_cursor(cursor: str | None, n: int) -> list[str] | None:
    if not cursor:
        return None
    try:
        parts = base64.urlsafe_b64decode(cursor.encode()).decode().split("\x1f")
    except Exception:  # any garbage is the caller's mistake
        parts = []
    if len(parts) != n:
        raise InvalidInput("the cursor is not one this API gave out", [FieldError(field="cursor", message="invalid")])
    return parts


class Appeals:
    def __init__(self, warden: Warden, documents: DocumentStore, notifier: Notifier) -> None:
        self.w = warden
        self.documents = documents
        self.notifier = notifier

    @property
    def policy(self) -> AppealsPolicy:
        return self.w.rules.policy.appeals

    def _now(self) -> datetime:
        return self.w.clock.now()

    # --- loading and access -------------------------------------------------------------------------------

    def _load(self, conn: Connection, appeal_id: str) -> ap.Appeal | None:
        row = conn.execute(sa.select(t.appeals).where(t.appeals.c.id == appeal_id)).first()
        if row is None:
            return None
        appeal = _appeal_from(row)
        d = t.appeal_documents
        rows = conn.execute(sa.select(d).where(d.c.appeal_id == appeal_id).order_by(d.c.seq))
        appeal.documents = [_doc_from(r) for r in rows]
        return appeal

    @staticmethod
    def _may_view(p: Principal, a: ap.Appeal) -> bool:
        if p.role in GLOBAL_ROLES:
            return True
        if p.role is Role.ENTERPRISE_ADMIN:
            return p.enterprise_id == a.enterprise_id
        return p.role is Role.MEMBER and a.account_id is not None and p.account_id == a.account_id

    @staticmethod
    def _is_appellant_side(p: Principal, a: ap.Appeal) -> bool:
        if a.kind is ap.AppealKind.ENTERPRISE:
            return p.role is Role.ENTERPRISE_ADMIN and p.enterprise_id == a.enterprise_id
        return p.role is Role.MEMBER and p.account_id == a.account_id

    def _visible(self, conn: Connection, p: Principal, appeal_id: str) -> ap.Appeal:
        """The appeal if the caller may see it; out of scope is 403 whether or not it exists (no leak)."""
        a = self._load(conn, appeal_id)
        if a is None:
            if p.role in GLOBAL_ROLES:
                raise NotFound(f"no appeal {appeal_id!r}")
            raise Forbidden("this token does not cover that appeal")
        if not self._may_view(p, a):
            raise Forbidden("this token does not cover that appeal")
        return a

    @staticmethod
    def _reviewer(p: Principal) -> None:
        if p.role is not Role.REVIEWER:
            raise Forbidden("this needs the reviewer role")

    def _writing(self) -> Any:
        return self.w.engine.begin()

    # --- notifications --------------------------------------------------------------------------------------

    def _notify(self, conn: Connection, a: ap.Appeal, kind: str, extra: dict[str, Any] | None = None) -> None:
        """Queue a notice of this state change for the appellant side (same transaction as the change)."""
        st = ap.stage(a, None)
        text = {lang: ap.STAGE_TEXT[st][lang] for lang in ("zh", "en")}
        payload: dict[str, Any] = {"appeal_id": a.id, "status": a.status.value, "stage": st, "text": text}
        payload |= extra or {}
        if a.kind is ap.AppealKind.ENTERPRISE:
            rtype, rid = "enterprise", a.enterprise_id
        else:
            rtype, rid = "account", a.account_id or a.subject_id
        now = self._now()
        conn.execute(
            sa.insert(t.notifications).values(
                key=f"appeal:{a.id}:v{a.version}:{kind}",
                appeal_id=a.id,
                recipient_type=rtype,
                recipient_id=rid,
                kind=kind,
                payload=store.dumps(payload),
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )

    def deliver(self, limit: int = 100) -> Delivery:
        """Send due notifications; each row is leased before sending, marked sent after, retried with backoff."""
        now = self._now()
        n = t.notifications
        out = Delivery()
        with reading(self.w.engine) as conn:
            due = conn.execute(
                sa.select(n.c.id)
                .where(n.c.status == "pending", n.c.next_attempt_at <= now)
                .order_by(n.c.id)
                .limit(limit)
            ).all()
        for (nid,) in due:
            with self.w.engine.begin() as conn:
                leased = conn.execute(
                    sa.update(n)
                    .where(
                        n.c.id == nid,
                        n.c.status == "pending",
                        sa.or_(n.c.lease_until.is_(None), n.c.lease_until < now),
                    )
                    .values(lease_until=now + timedelta(minutes=2))
                ).rowcount
                row = conn.execute(sa.select(n).where(n.c.id == nid)).first() if leased else None
            if row is None:
                continue  # another deliverer has it
            note = Notification(row.key, row.recipient_type, row.recipient_id, row.kind, json.loads(row.payload))
            try:
                self.notifier.send(note)
            except Exception as exc:  # any failure of the sender is retried
                attempts = row.attempts + 1
                gave_up = attempts >= self.policy.notify_max_attempts
                with self.w.engine.begin() as conn:
                    conn.execute(
                        sa.update(n)
                        .where(n.c.id == nid)
                        .values(
                            attempts=attempts,
                            status="failed" if gave_up else "pending",
                            next_attempt_at=now + self.policy.notify_backoff * (2 ** (attempts - 1)),
                            lease_until=None,
                            last_error=str(exc)[:500],
                        )
                    )
                out.gave_up += gave_up
                out.failed += not gave_up
                continue
            with self.w.engine.begin() as conn:
                conn.execute(
                    sa.update(n)
                    .where(n.c.id == nid)
                    .values(status="sent", attempts=row.attempts + 1, sent_at=now, lease_until=None, last_error=None)
                )
            out.sent += 1
        return out

    def _after_commit(self) -> None:
        try:
            self.deliver()
        except Exception:  # delivery is retried later; the change itself is committed
            log.exception("notification delivery failed; it will be retried")

    def notifications(self, appeal_id: str) -> list[dict[str, Any]]:
        n = t.notifications
        with reading(self.w.engine) as conn:
            rows = conn.execute(sa.select(n).where(n.c.appeal_id == appeal_id).order_by(n.c.id)).all()
        return [
            {
                "key": r.key,
                "kind": r.kind,
                "recipient": f"{r.recipient_type}:{r.recipient_id}",
                "status": r.status,
                "attempts": r.attempts,
                "payload": json.loads(r.payload),
            }
            for r in rows
        ]

    # --- opening an appeal ----------------------------------------------------------------------------------

    def open(
        self, p: Principal, strike_id: str, statement: str, idempotency_key: str | None = None
    ) -> tuple[ap.Appeal, bool]:
        """A member contests a penalty on their account, or an enterprise admin one on their enterprise.

        Returns (appeal, created); a repeated Idempotency-Key answers the first appeal again.
        """
        statement = statement.strip()
        cap = self.policy.statement_max_chars
        if not statement:
            raise InvalidInput("say why you appeal", [FieldError(field="statement", message="must not be empty")])
        if len(statement) > cap:
            raise InvalidInput(
                f"the statement has {len(statement)} characters; at most {cap}",
                [FieldError(field="statement", message=f"at most {cap} characters")],
            )
        idem = f"{p.token_id}:{idempotency_key}" if idempotency_key else None
        now = self._now()
        try:
            with self._writing() as conn:
                audit = store.AuditWriter(conn)
                audit.next_seq()  # the writers' lock: the checks below cannot race
                if idem:
                    row = conn.execute(sa.select(t.appeals.c.id).where(t.appeals.c.idem_key == idem)).first()
                    if row is not None:
                        found = self._load(conn, row.id)
                        assert found is not None
                        differs = [
                            f
                            for f, first, now_ in (
                                ("strike_id", found.strike_id, strike_id),
                                ("statement", found.statement, statement),
                            )
                            if first != now_
                        ]
                        if differs:  # same key, different request: 409, nothing stored (issue 10, item 8)
                            raise IdempotencyKeyReused(idempotency_key or "", differs)
                        return found, False
                appeal = self._new_appeal(conn, p, strike_id, statement, idem, now)
                audit.append(
                    now,
                    p.actor,
                    "appeal.opened",
                    f"{appeal.subject_type}:{appeal.subject_id}",
                    {"appeal": appeal.id, "strike": strike_id, "kind": appeal.kind.value},
                )
                self._notify(conn, appeal, "appeal.opened")
        except sa.exc.IntegrityError as exc:  # a concurrent appeal on the same strike won
            raise Conflict(f"strike {strike_id} already has an open appeal") from exc
        self._after_commit()
        return appeal, True

    def _new_appeal(
        self, conn: Connection, p: Principal, strike_id: str, statement: str, idem: str | None, now: datetime
    ) -> ap.Appeal:
        row = conn.execute(sa.select(t.strikes).where(t.strikes.c.id == strike_id)).first()
        strike = store.strike_from(row) if row else None
        if strike is None:
            raise self._no_strike(p, strike_id)
        if strike.subject_type == "account":
            acc = store.get_account(conn, strike.subject_id)
            assert acc is not None
            if not (p.role is Role.MEMBER and p.account_id == acc.id):
                if p.role is Role.ENTERPRISE_ADMIN and p.enterprise_id == acc.enterprise_id:
                    raise Forbidden("a member appeals their own penalty (我要申诉); the admin cannot do it for them")
                raise self._no_strike(p, strike_id)
            kind, enterprise_id, account_id = ap.AppealKind.MEMBER, acc.enterprise_id, acc.id
            window: timedelta | None = self.policy.member_window
        else:
            if not (p.role is Role.ENTERPRISE_ADMIN and p.enterprise_id == strike.subject_id):
                raise self._no_strike(p, strike_id)
            kind, enterprise_id, account_id = ap.AppealKind.ENTERPRISE, strike.subject_id, None
            window = self.policy.enterprise_window
        if strike.status is not StrikeStatus.ACTIVE:
            raise Conflict(f"strike {strike_id} is {strike.status.value}; there is nothing left to appeal")
        if window is not None and now > strike.at + window:
            raise Conflict(
                f"the appeal window closed at {(strike.at + window).isoformat()} "
                f"({window.days} days after the penalty)",
                [FieldError(field="strike_id", message="outside the appeal window")],
            )
        a = t.appeals
        if conn.execute(sa.select(a.c.id).where(a.c.open_key == strike_id)).first():
            raise Conflict(f"strike {strike_id} already has an open appeal; add documents to it instead")
        earlier = conn.execute(
            sa.select(sa.func.count())
            .select_from(a)
            .where(a.c.strike_id == strike_id, a.c.status != ap.AppealStatus.WITHDRAWN.value)
        ).scalar_one()
        if earlier >= self.policy.max_per_penalty:
            raise Conflict(f"this penalty was already appealed {earlier} time(s); the limit is reached")
        appeal = ap.Appeal(
            id="apl_" + secrets.token_hex(8),
            kind=kind,
            strike_id=strike_id,
            subject_type=strike.subject_type,
            subject_id=strike.subject_id,
            enterprise_id=enterprise_id,
            account_id=account_id,
            appellant=p.actor,
            statement=statement,
            status=ap.AppealStatus.OPEN,
            submitted_at=now,
            due_at=ap.working_days_after(now, self.policy.sla_working_days, self.w.rules.policy.timezone),
        )
        conn.execute(
            sa.insert(a).values(
                id=appeal.id,
                kind=kind.value,
                strike_id=strike_id,
                subject_type=appeal.subject_type,
                subject_id=appeal.subject_id,
                enterprise_id=enterprise_id,
                account_id=account_id,
                appellant=p.actor,
                statement=statement,
                status=appeal.status.value,
                open_key=strike_id,
                idem_key=idem,
                submitted_at=now,
                due_at=appeal.due_at,
                version=1,
            )
        )
        return appeal

    @staticmethod
    def _no_strike(p: Principal, strike_id: str) -> Exception:
        if p.role in (Role.MEMBER, Role.ENTERPRISE_ADMIN):
            return Forbidden("this token cannot appeal that penalty")
        return Forbidden("appeals are opened by the member (own penalty) or the enterprise admin (enterprise's)")

    # --- reading --------------------------------------------------------------------------------------------

    def get(self, p: Principal, appeal_id: str, lang: ap.Lang = "zh") -> dict[str, Any]:
        with reading(self.w.engine) as conn:
            a = self._visible(conn, p, appeal_id)
            return self._render(conn, p, a, lang)

    def list_appeals(
        self, p: Principal, lang: ap.Lang = "zh", status: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> dict[str, Any]:
        """Appeals the caller may see, newest first: an admin their enterprise's, a member their own."""
        a = t.appeals
        q = sa.select(a)
        if p.role is Role.ENTERPRISE_ADMIN:
            q = q.where(a.c.enterprise_id == p.enterprise_id)
        elif p.role is Role.MEMBER:
            q = q.where(a.c.account_id == p.account_id)
        elif p.role not in GLOBAL_ROLES:
            raise Forbidden("this role sees no appeals")
        if status:
            q = q.where(a.c.status == status)
        after = _decode_cursor(cursor, 2)
        if after:
            at = datetime.fromisoformat(after[0])
            q = q.where(sa.or_(a.c.submitted_at < at, sa.and_(a.c.submitted_at == at, a.c.id < after[1])))
        q = q.order_by(a.c.submitted_at.desc(), a.c.id.desc()).limit(limit + 1)
        with reading(self.w.engine) as conn:
            rows = conn.execute(q).all()
            items = []
            for row in rows[:limit]:
                full = self._load(conn, row.id)
                assert full is not None
                items.append(self._summary(conn, full, lang))
        last = rows[limit - 1] if len(rows) > limit else None
        nxt = _encode_cursor(last.submitted_at.isoformat(), last.id) if last is not None else None
        return {"items": items, "next_cursor": nxt}

    def _claim_of(self, conn: Connection, case_id: str) -> Any:
        return conn.execute(sa.select(t.desk_claims).where(t.desk_claims.c.case_id == case_id)).first()

    def _summary(self, conn: Connection, a: ap.Appeal, lang: ap.Lang) -> dict[str, Any]:
        claim = self._claim_of(conn, f"appeal:{a.id}")
        st = ap.stage(a, claim.claimed_by if claim else None)
        return {
            "id": a.id,
            "kind": a.kind.value,
            "strike_id": a.strike_id,
            "subject": f"{a.subject_type}:{a.subject_id}",
            "enterprise_id": a.enterprise_id,
            "account_id": a.account_id,
            "status": a.status.value,
            "stage": st,
            "stage_text": ap.STAGE_TEXT[st][lang],
            "submitted_at": a.submitted_at.isoformat(),
            "due_at": a.due_at.isoformat(),
            "version": a.version,
        }

    def _render(self, conn: Connection, p: Principal, a: ap.Appeal, lang: ap.Lang) -> dict[str, Any]:
        out = self._summary(conn, a, lang)
        out["statement"] = a.statement
        out["checklist"] = ap.checklist(a, self.policy.max_evidence_files, lang)
        out["missing_required"] = ap.missing_required(a) if a.kind is ap.AppealKind.ENTERPRISE else []
        strike, restr = self._penalty(conn, a.strike_id)
        out["penalty"] = {
            "strike_id": strike.id,
            "rule": strike.rule_id,
            "severity": strike.severity,
            "step": strike.step,
            "status": strike.status.value,
            "status_reason": strike.status_reason,
            "at": strike.at.isoformat(),
            "restriction": explain_restriction(restr, strike, self._now(), lang, self.w.unblock_cap())
            if restr
            else None,
        }
        if a.outcome is not None and a.status not in ap.LIVE:
            out["decision"] = {
                "outcome": a.outcome.value,
                "reason_code": a.reason_code,
                "text": ap.decision_text(a.outcome, a.reason_code or "", lang),
                "note": a.note,
                "to_step": a.to_step,
                "decided_at": a.decided_at.isoformat() if a.decided_at else None,
            }
        if p.role in GLOBAL_ROLES:
            claim = self._claim_of(conn, f"appeal:{a.id}")
            out["claim"] = (
                {"claimed_by": claim.claimed_by, "claimed_at": claim.claimed_at.isoformat()} if claim else None
            )
            out["appellant"] = a.appellant
            if a.proposed_by:
                out["proposal"] = {
                    "outcome": a.outcome.value if a.outcome else None,
                    "reason_code": a.reason_code,
                    "note": a.note,
                    "to_step": a.to_step,
                    "exempt_days": a.exempt_days,
                    "proposed_by": a.proposed_by,
                    "proposed_at": a.proposed_at.isoformat() if a.proposed_at else None,
                    "confirmed_by": a.confirmed_by,
                }
            if "decision" in out:
                out["decision"] |= {"decided_by": a.decided_by, "confirmed_by": a.confirmed_by}
            out["history"] = self._history(conn, a)
        return out

    def _penalty(self, conn: Connection, strike_id: str) -> tuple[Strike, Restriction | None]:
        row = conn.execute(sa.select(t.strikes).where(t.strikes.c.id == strike_id)).first()
        if row is None:
            raise NotFound(f"no strike {strike_id!r}")
        strike = store.strike_from(row)
        r = conn.execute(sa.select(t.restrictions).where(t.restrictions.c.strike_id == strike_id)).first()
        return strike, store.restriction_from(r) if r else None

    def _history(self, conn: Connection, a: ap.Appeal) -> dict[str, Any]:
        """The subject's record beside the case: strikes, restrictions, recent events, earlier appeals, weight."""
        strikes = store.strikes_of(conn, a.subject_type, [a.subject_id])
        restrs = store.restrictions_of(conn, a.subject_type, [a.subject_id], None)
        e = t.events
        col = e.c.account_id if a.subject_type == "account" else e.c.enterprise_id
        events = conn.execute(
            sa.select(e.c.id, e.c.type, e.c.occurred_at, e.c.outcome)
            .where(col == a.subject_id)
            .order_by(e.c.occurred_at.desc())
            .limit(20)
        ).all()
        earlier = conn.execute(
            sa.select(t.appeals.c.id, t.appeals.c.strike_id, t.appeals.c.status, t.appeals.c.submitted_at)
            .where(
                t.appeals.c.subject_type == a.subject_type,
                t.appeals.c.subject_id == a.subject_id,
                t.appeals.c.id != a.id,
            )
            .order_by(t.appeals.c.submitted_at.desc())
        ).all()
        now = self._now()
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
                for r in restrs
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
            "weight": self._weight(a),
        }

    def _weight(self, a: ap.Appeal) -> float | None:
        """Weight (S-B) of the subject. None for now: weight is read at decision time inside an ingest batch
        (`batch.weights`), and no read for a desk case is wired yet (it never answered outside a batch)."""
        return None

    # --- documents -----------------------------------------------------------------------------------------

    def upload(
        self, p: Principal, appeal_id: str, kind: str, data: bytes, filename: str | None
    ) -> tuple[ap.Document, int]:
        """Put a document into a slot (first time or resubmission). Judged by content; stored by hash."""
        with reading(self.w.engine) as conn:
            a = self._visible(conn, p, appeal_id)
        if not self._is_appellant_side(p, a):
            raise Forbidden("only the appellant uploads documents to this appeal")
        slots = {s.kind for s in ap.slots_for(a.kind, self.policy.max_evidence_files)}
        if kind not in slots:
            raise InvalidInput(
                f"{kind!r} is not a document of this appeal",
                [FieldError(field="kind", message=f"one of: {', '.join(sorted(slots))}")],
            )
        try:
            info = sniff(data, list(self.policy.allowed_types), self.policy.max_upload_bytes)
        except UploadRejected as exc:
            raise InvalidInput(exc.en, [FieldError(field="file", message=f"{exc.code}: {exc.en} / {exc.zh}")]) from exc
        key = self.documents.put(data)  # content-addressed: a rolled-back upload leaves only an orphan blob
        assert key == info.sha256
        now = self._now()
        with self._writing() as conn:
            audit = store.AuditWriter(conn)
            audit.next_seq()
            a2 = self._load(conn, appeal_id)
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
            conn.execute(
                sa.insert(t.appeal_documents).values(
                    id=doc.id,
                    appeal_id=appeal_id,
                    kind=kind,
                    seq=doc.seq,
                    state=doc.state.value,
                    sha256=doc.sha256,
                    media_type=doc.media_type,
                    size=doc.size,
                    filename=doc.filename,
                    uploaded_by=doc.uploaded_by,
                    uploaded_at=now,
                )
            )
            a2.version = self._bump(conn, a2)
            a2.documents.append(doc)
            audit.append(
                now,
                p.actor,
                "appeal.document_submitted",
                f"appeal:{appeal_id}",
                {"kind": kind, "document": doc.id, "sha256": doc.sha256, "type": doc.media_type, "size": doc.size},
            )
            self._notify(conn, a2, "appeal.document_submitted", {"document": kind})
        self._after_commit()
        return doc, sum(1 for d in a2.documents if d.kind == kind)

    def download(self, p: Principal, appeal_id: str, kind: str) -> tuple[ap.Document, bytes]:
        """The slot's latest document, for reviewers and the appellant's side only; each read is audited."""
        with reading(self.w.engine) as conn:
            a = self._visible(conn, p, appeal_id)
        allowed = p.role is Role.REVIEWER or self._is_appellant_side(p, a)
        if a.kind is ap.AppealKind.MEMBER and p.role is Role.ENTERPRISE_ADMIN and p.enterprise_id == a.enterprise_id:
            allowed = True
        if not allowed:
            raise Forbidden("documents are served only to the appellant's side and reviewers")
        doc = ap.latest_documents(a.documents).get(kind)
        if doc is None:
            raise NotFound(f"no {kind!r} document on this appeal")
        try:
            data = self.documents.get(doc.sha256)
        except DocumentMissing as exc:
            raise NotFound(f"the stored file of {kind!r} is missing or damaged") from exc
        with self._writing() as conn:  # identity documents: every read is on the record
            store.AuditWriter(conn).append(
                self._now(), p.actor, "appeal.document_read", f"appeal:{a.id}", {"kind": kind, "document": doc.id}
            )
        return doc, data

    def review_document(
        self, p: Principal, appeal_id: str, kind: str, verdict: str, reason_code: str | None, note: str | None
    ) -> ap.Document:
        """A reviewer (holding the claim) accepts or rejects the latest document of a slot, with a reason."""
        self._reviewer(p)
        if verdict not in ("accepted", "rejected"):
            raise InvalidInput("verdict", [FieldError(field="verdict", message="accepted or rejected")])
        if verdict == "rejected" and reason_code not in ap.REJECT_TEXT:
            raise InvalidInput(
                "a rejection needs a reason the appellant can act on",
                [FieldError(field="reason_code", message=f"one of: {', '.join(ap.REJECT_TEXT)}")],
            )
        now = self._now()
        with self._writing() as conn:
            audit = store.AuditWriter(conn)
            audit.next_seq()
            a = self._visible(conn, p, appeal_id)
            self._must_hold(conn, p, f"appeal:{a.id}")
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
            conn.execute(
                sa.update(t.appeal_documents)
                .where(t.appeal_documents.c.id == doc.id)
                .values(
                    state=doc.state.value,
                    reviewed_by=p.actor,
                    reviewed_at=now,
                    reject_code=doc.reject_code,
                    reject_note=note,
                )
            )
            a.version = self._bump(conn, a)
            audit.append(
                now,
                p.actor,
                f"appeal.document_{verdict}",
                f"appeal:{a.id}",
                {"kind": kind, "document": doc.id, "reason": reason_code, "note": note},
            )
            extra: dict[str, Any] = {"document": kind, "verdict": verdict}
            if verdict == "rejected":
                extra["reason"] = {"code": reason_code, **ap.REJECT_TEXT[reason_code or "other"], "note": note}
            self._notify(conn, a, f"appeal.document_{verdict}", extra)
        self._after_commit()
        return doc

    def withdraw(self, p: Principal, appeal_id: str) -> ap.Appeal:
        now = self._now()
        with self._writing() as conn:
            audit = store.AuditWriter(conn)
            audit.next_seq()
            a = self._visible(conn, p, appeal_id)
            if not self._is_appellant_side(p, a):
                raise Forbidden("only the appellant withdraws an appeal")
            if a.status is not ap.AppealStatus.OPEN:
                raise Conflict(f"the appeal is {a.status.value}; it can no longer be withdrawn")
            a.status = ap.AppealStatus.WITHDRAWN
            a.version = self._bump(conn, a, status=a.status.value, open_key=None, decided_at=now)
            conn.execute(sa.delete(t.desk_claims).where(t.desk_claims.c.case_id == f"appeal:{a.id}"))
            audit.append(now, p.actor, "appeal.withdrawn", f"appeal:{a.id}", {})
            self._notify(conn, a, "appeal.withdrawn")
        self._after_commit()
        return a

    @staticmethod
    def _bump(conn: Connection, a: ap.Appeal, **values: Any) -> int:
        conn.execute(sa.update(t.appeals).where(t.appeals.c.id == a.id).values(version=a.version + 1, **values))
        return a.version + 1

    # --- the desk: queue, claims ----------------------------------------------------------------------------

    def queue(self, p: Principal, lang: ap.Lang = "zh", limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
        """Open appeals and open flags, earliest deadline first (SLA in working days)."""
        if p.role not in GLOBAL_ROLES:
            raise Forbidden("the review queue is for reviewers")
        sla, tz = self.policy.sla_working_days, self.w.rules.policy.timezone
        now = self._now()
        items: list[dict[str, Any]] = []
        with reading(self.w.engine) as conn:
            claims = {r.case_id: r for r in conn.execute(sa.select(t.desk_claims))}
            live = [s.value for s in ap.LIVE]
            for row in conn.execute(sa.select(t.appeals).where(t.appeals.c.status.in_(live))):
                a = self._load(conn, row.id)
                assert a is not None
                c = claims.get(f"appeal:{a.id}")
                st = ap.stage(a, c.claimed_by if c else None)
                items.append(
                    {
                        "case_id": f"appeal:{a.id}",
                        "type": "appeal",
                        "appeal_id": a.id,
                        "kind": a.kind.value,
                        "subject": f"{a.subject_type}:{a.subject_id}",
                        "stage": st,
                        "stage_text": ap.STAGE_TEXT[st][lang],
                        "opened_at": a.submitted_at.isoformat(),
                        "due_at": a.due_at,
                        "proposed_by": a.proposed_by,
                        "missing_required": ap.missing_required(a) if a.kind is ap.AppealKind.ENTERPRISE else [],
                    }
                )
            f = t.flags
            for row in conn.execute(sa.select(f).where(f.c.status == "open")):
                items.append(
                    {
                        "case_id": f"flag:{row.id}",
                        "type": "flag",
                        "flag_id": row.id,
                        "rule": row.rule_id,
                        "subject": f"{row.subject_type}:{row.subject_id}",
                        "stage": "flagged",
                        "stage_text": "待复核的风险标记" if lang == "zh" else "Flagged for review",
                        "opened_at": row.at.isoformat(),
                        "due_at": ap.working_days_after(row.at, sla, tz),
                        "evidence": json.loads(row.evidence),
                    }
                )
        for it in items:
            c = claims.get(it["case_id"])
            it["claimed_by"] = c.claimed_by if c else None
            it["claim_expires_at"] = (c.claimed_at + self.policy.claim_ttl).isoformat() if c else None
            it["overdue"] = it["due_at"] < now
        items.sort(key=lambda i: (i["due_at"], i["case_id"]))
        after = _decode_cursor(cursor, 2)
        if after:
            at = datetime.fromisoformat(after[0])
            items = [i for i in items if (i["due_at"], i["case_id"]) > (at, after[1])]
        page = items[:limit]
        nxt = (
            _encode_cursor(page[-1]["due_at"].isoformat(), page[-1]["case_id"]) if len(items) > limit and page else None
        )
        for it in page:
            it["due_at"] = it["due_at"].isoformat()
        return {"items": page, "next_cursor": nxt, "sla_working_days": sla}

    def _case_live(self, conn: Connection, p: Principal, case_id: str) -> None:
        kind, _, ident = case_id.partition(":")
        if kind == "appeal":
            a = self._load(conn, ident)
            if a is None:
                raise NotFound(f"no appeal {ident!r}")
            if not a.live:
                raise Conflict(f"the appeal is {a.status.value}; there is nothing to claim")
            if a.status is ap.AppealStatus.AWAITING_CONFIRMATION and a.proposed_by == p.actor:
                raise Conflict("you proposed this decision; a different reviewer must confirm it (four eyes)")
        elif kind == "flag":
            row = conn.execute(sa.select(t.flags.c.status).where(t.flags.c.id == ident)).first()
            if row is None:
                raise NotFound(f"no flag {ident!r}")
            if row.status != "open":
                raise Conflict(f"the flag is {row.status}; there is nothing to claim")
        else:
            raise InvalidInput("case ids are appeal:<id> or flag:<id>", [FieldError(field="case_id", message="bad")])

    def claim(self, p: Principal, case_id: str) -> dict[str, Any]:
        """Take a case. Exactly one reviewer holds it: the claim row's primary key decides, on both databases."""
        self._reviewer(p)
        now = self._now()
        c = t.desk_claims
        with self._writing() as conn:
            audit = store.AuditWriter(conn)
            audit.next_seq()
            self._case_live(conn, p, case_id)
            conn.execute(sa.delete(c).where(c.c.case_id == case_id, c.c.claimed_at < now - self.policy.claim_ttl))
            ins = postgresql.insert(c) if conn.dialect.name == "postgresql" else sqlite.insert(c)
            stmt = ins.values(case_id=case_id, claimed_by=p.actor, claimed_at=now).on_conflict_do_nothing()
            won = conn.execute(stmt.returning(c.c.case_id)).first() is not None  # rowcount is -1 on psycopg
            holder = self._claim_of(conn, case_id)
            if not won and holder.claimed_by != p.actor:
                raise Conflict(
                    f"{case_id} is claimed by {holder.claimed_by} until "
                    f"{(holder.claimed_at + self.policy.claim_ttl).isoformat()}"
                )
            if won:
                audit.append(now, p.actor, "desk.claimed", case_id, {})
        return {"case_id": case_id, "claimed_by": holder.claimed_by, "claimed_at": holder.claimed_at.isoformat()}

    def release(self, p: Principal, case_id: str) -> None:
        self._reviewer(p)
        now = self._now()
        c = t.desk_claims
        with self._writing() as conn:
            audit = store.AuditWriter(conn)
            audit.next_seq()
            gone = conn.execute(sa.delete(c).where(c.c.case_id == case_id, c.c.claimed_by == p.actor)).rowcount
            if not gone:
                raise Conflict(f"you do not hold {case_id}")
            audit.append(now, p.actor, "desk.released", case_id, {})

    def _must_hold(self, conn: Connection, p: Principal, case_id: str) -> None:
        holder = self._claim_of(conn, case_id)
        if holder is None or holder.claimed_by != p.actor:
            who = f"it is claimed by {holder.claimed_by}" if holder else "nobody holds it"
            raise Conflict(f"claim {case_id} first ({who})")

    # --- decisions -----------------------------------------------------------------------------------------

    def decide(
        self,
        p: Principal,
        appeal_id: str,
        outcome: ap.Outcome,
        reason_code: str,
        note: str | None = None,
        to_step: int | None = None,
        exempt_days: int | None = None,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Uphold, reduce or overturn. On a permanent ban or an enterprise penalty this is a proposal that
        takes effect only when a different reviewer confirms (four eyes)."""
        self._reviewer(p)
        now = self._now()
        ladder = self.w.rules.policy.ladder
        with self._writing() as conn:
            audit = store.AuditWriter(conn)
            audit.next_seq()
            a = self._visible(conn, p, appeal_id)
            self._must_hold(conn, p, f"appeal:{a.id}")
            self._fresh(a, expected_version)
            if a.status is not ap.AppealStatus.OPEN:
                raise Conflict(f"the appeal is {a.status.value}")
            strike, restr = self._penalty(conn, a.strike_id)
            self._check(a, strike, outcome, reason_code, to_step, exempt_days)
            a.outcome, a.reason_code, a.note = outcome, reason_code, note
            a.to_step, a.exempt_days = to_step, exempt_days
            permanent = restr.permanent if restr else strike.step >= ladder.top
            if ap.needs_four_eyes(a.subject_type, strike.step, permanent, ladder.top):
                a.status = ap.AppealStatus.AWAITING_CONFIRMATION
                a.proposed_by, a.proposed_at = p.actor, now
                a.version = self._bump(conn, a, **self._decision_values(a))
                conn.execute(sa.delete(t.desk_claims).where(t.desk_claims.c.case_id == f"appeal:{a.id}"))
                audit.append(
                    now,
                    p.actor,
                    "appeal.proposed",
                    f"appeal:{a.id}",
                    {"outcome": outcome.value, "reason": reason_code, "to_step": to_step, "exempt_days": exempt_days},
                )
                self._notify(conn, a, "appeal.second_review")
            else:
                a.decided_by = p.actor
                self._apply(conn, audit, a, strike, restr, now)
            result = self._render(conn, p, a, "zh")
        self._after_commit()
        return result

    def _check(
        self,
        a: ap.Appeal,
        strike: Strike,
        outcome: ap.Outcome,
        reason_code: str,
        to_step: int | None,
        exempt_days: int | None,
    ) -> None:
        ladder = self.w.rules.policy.ladder
        lowest = ladder.enterprise_min_step if a.subject_type == "enterprise" else 0
        problems = ap.check_decision(outcome, reason_code, to_step, strike.step, lowest)
        if exempt_days is not None:
            longest = int(self.policy.exemption_max.total_seconds() // 86400)
            if outcome is not ap.Outcome.OVERTURN or a.subject_type != "account":
                problems.append(("exempt_days", "an exemption follows only an overturn of a member's penalty"))
            elif not 1 <= exempt_days <= longest:
                problems.append(("exempt_days", f"between 1 and {longest} days"))
        if problems:
            raise InvalidInput(
                "; ".join(f"{f}: {m}" for f, m in problems), [FieldError(field=f, message=m) for f, m in problems]
            )
        if strike.status is not StrikeStatus.ACTIVE:
            raise Conflict(f"strike {strike.id} is already {strike.status.value}")
        if a.kind is ap.AppealKind.ENTERPRISE and outcome is not ap.Outcome.UPHOLD:
            missing = ap.missing_required(a)
            if missing:
                raise Conflict(
                    "an enterprise penalty is eased only on a complete, accepted dossier; not yet accepted: "
                    + ", ".join(missing),
                    [FieldError(field=f"documents.{k}", message="not accepted") for k in missing],
                )

    @staticmethod
    def _decision_values(a: ap.Appeal) -> dict[str, Any]:
        return {
            "status": a.status.value,
            "outcome": a.outcome.value if a.outcome else None,
            "reason_code": a.reason_code,
            "note": a.note,
            "to_step": a.to_step,
            "exempt_days": a.exempt_days,
            "proposed_by": a.proposed_by,
            "proposed_at": a.proposed_at,
            "decided_by": a.decided_by,
            "confirmed_by": a.confirmed_by,
            "decided_at": a.decided_at,
        }

    @staticmethod
    def _fresh(a: ap.Appeal, expected_version: int | None) -> None:
        """`If-Match`: refuse a decision taken on a stale view (a document changed since the reviewer looked)."""
        if expected_version is not None and expected_version != a.version:
            raise Conflict(
                f"the appeal changed (version {a.version}, you saw {expected_version}); reload it and decide again"
            )

    def confirm(
        self, p: Principal, appeal_id: str, agree: bool, note: str | None = None, expected_version: int | None = None
    ) -> dict[str, Any]:
        """The second reviewer confirms (the decision takes effect) or sends the case back to the queue."""
        self._reviewer(p)
        now = self._now()
        with self._writing() as conn:
            audit = store.AuditWriter(conn)
            audit.next_seq()
            a = self._visible(conn, p, appeal_id)
            if a.status is not ap.AppealStatus.AWAITING_CONFIRMATION:
                raise Conflict(f"the appeal is {a.status.value}; there is no proposal to confirm")
            if a.proposed_by == p.actor:
                raise Forbidden("four eyes: the reviewer who proposed a decision cannot confirm it")
            self._must_hold(conn, p, f"appeal:{a.id}")
            self._fresh(a, expected_version)
            if agree:
                strike, restr = self._penalty(conn, a.strike_id)
                assert a.outcome is not None
                self._check(a, strike, a.outcome, a.reason_code or "", a.to_step, a.exempt_days)
                a.decided_by, a.confirmed_by = a.proposed_by, p.actor
                self._apply(conn, audit, a, strike, restr, now)
            else:
                proposal = {"outcome": a.outcome.value if a.outcome else None, "proposed_by": a.proposed_by}
                a.status = ap.AppealStatus.OPEN
                a.outcome = a.reason_code = a.note = a.to_step = a.exempt_days = None
                a.proposed_by = a.proposed_at = None
                a.version = self._bump(conn, a, **self._decision_values(a))
                conn.execute(sa.delete(t.desk_claims).where(t.desk_claims.c.case_id == f"appeal:{a.id}"))
                audit.append(now, p.actor, "appeal.proposal_declined", f"appeal:{a.id}", proposal | {"note": note})
                self._notify(conn, a, "appeal.back_in_review")
            result = self._render(conn, p, a, "zh")
        self._after_commit()
        return result

    def _apply(
        self,
        conn: Connection,
        audit: store.AuditWriter,
        a: ap.Appeal,
        strike: Strike,
        restr: Restriction | None,
        now: datetime,
    ) -> None:
        """Carry out a decision inside the caller's transaction."""
        assert a.outcome is not None
        actor = a.confirmed_by or a.decided_by or "reviewer"
        reason = f"appeal {a.id}: {ap.decision_text(a.outcome, a.reason_code or '', 'en')}"
        if a.outcome is ap.Outcome.OVERTURN:
            # voids the strike, lifts its restriction (members' derived state follows), recomputes the ladder
            self.w.set_strike_status_in(conn, audit, strike.id, StrikeStatus.OVERTURNED, actor, reason, now)
            if a.exempt_days:
                until = now + timedelta(days=a.exempt_days)
                self._exempt(conn, audit, actor, strike.subject_id, strike.rule_id, until, reason, now)
        elif a.outcome is ap.Outcome.REDUCE:
            self._reduce(conn, audit, a, strike, restr, actor, now)
        a.status = ap.OUTCOME_STATUS[a.outcome]
        a.decided_at = now
        a.version = self._bump(conn, a, open_key=None, **self._decision_values(a))
        conn.execute(sa.delete(t.desk_claims).where(t.desk_claims.c.case_id == f"appeal:{a.id}"))
        audit.append(
            now,
            actor,
            "appeal.decided",
            f"appeal:{a.id}",
            {
                "outcome": a.outcome.value,
                "reason": a.reason_code,
                "strike": strike.id,
                "decided_by": a.decided_by,
                "confirmed_by": a.confirmed_by,
                "to_step": a.to_step,
                "exempt_days": a.exempt_days,
            },
        )
        self._notify(
            conn,
            a,
            "appeal.decided",
            {
                "outcome": a.outcome.value,
                "reason": {
                    "code": a.reason_code,
                    "zh": ap.decision_text(a.outcome, a.reason_code or "", "zh"),
                    "en": ap.decision_text(a.outcome, a.reason_code or "", "en"),
                    "note": a.note,
                },
            },
        )

    def _reduce(
        self,
        conn: Connection,
        audit: store.AuditWriter,
        a: ap.Appeal,
        strike: Strike,
        restr: Restriction | None,
        actor: str,
        now: datetime,
    ) -> None:
        """Reduce = the strike stays on the record at the lower step `to_step`, and its restriction is
        re-derived from that step as if it had been issued so (same start, that step's scope and length).
        If the shorter restriction's end has already passed, the subject is free at once."""
        assert a.to_step is not None
        ladder = self.w.rules.policy.ladder
        old = strike.step
        strike.step = a.to_step
        strike.status_reason = f"reduced on appeal {a.id} from step {old} to {a.to_step}"
        strike.status_at = now
        store.update_strike(conn, strike)
        if restr is not None:
            store.update_restriction(conn, rederive(ladder, strike, restr))
        audit.append(
            now,
            actor,
            "strike.reduced",
            f"{strike.subject_type}:{strike.subject_id}",
            {"strike": strike.id, "from": old, "to": a.to_step, "appeal": a.id},
        )

    # --- exemptions, flags, enterprise restrictions ---------------------------------------------------------

    def exempt(self, p: Principal, account_id: str, rule_id: str, days: int, reason: str) -> dict[str, Any]:
        """Exempt an account from one rule for a while (after an overturn, so the rule does not re-ban it)."""
        self._reviewer(p)
        rules = list(type(self.w.rules.policy.rules).model_fields)
        longest = int(self.policy.exemption_max.total_seconds() // 86400)
        problems = []
        if rule_id not in rules:
            problems.append(FieldError(field="rule_id", message=f"one of: {', '.join(rules)}"))
        if not 1 <= days <= longest:
            problems.append(FieldError(field="days", message=f"between 1 and {longest}"))
        if problems:
            raise InvalidInput("the exemption is not valid", problems)
        now = self._now()
        until = now + timedelta(days=days)
        with self._writing() as conn:
            audit = store.AuditWriter(conn)
            audit.next_seq()
            if store.get_account(conn, account_id) is None:
                raise NotFound(f"no account {account_id!r}")
            self._exempt(conn, audit, p.actor, account_id, rule_id, until, reason, now)
        return {"account_id": account_id, "rule_id": rule_id, "until": until.isoformat(), "reason": reason}

    @staticmethod
    def _exempt(
        conn: Connection,
        audit: store.AuditWriter,
        actor: str,
        account_id: str,
        rule_id: str,
        until: datetime,
        reason: str,
        now: datetime,
    ) -> None:
        x = t.exemptions
        values = {"until": until, "reason": reason, "actor": actor, "created_at": now}
        done = conn.execute(
            sa.update(x).where(x.c.account_id == account_id, x.c.rule_id == rule_id).values(**values)
        ).rowcount
        if not done:
            conn.execute(sa.insert(x).values(account_id=account_id, rule_id=rule_id, **values))
        audit.append(
            now,
            actor,
            "exemption.granted",
            f"account:{account_id}",
            {"rule": rule_id, "until": until.isoformat(), "reason": reason},
        )

    def resolve_flag(self, p: Principal, flag_id: str, outcome: str, note: str) -> dict[str, Any]:
        """Close a flagged case: dismissed (nothing wrong) or actioned (the reviewer acted on it)."""
        self._reviewer(p)
        if outcome not in ("dismissed", "actioned"):
            raise InvalidInput("outcome", [FieldError(field="outcome", message="dismissed or actioned")])
        now = self._now()
        with self._writing() as conn:
            audit = store.AuditWriter(conn)
            audit.next_seq()
            self._case_live(conn, p, f"flag:{flag_id}")
            self._must_hold(conn, p, f"flag:{flag_id}")
            rule = conn.execute(sa.select(t.flags.c.rule_id).where(t.flags.c.id == flag_id)).scalar()
            if rule == "manual_strike":  # a proposed permanent strike: four eyes, see service/manual_strikes.py
                raise Conflict(
                    f"flag {flag_id} is a proposed strike; a different reviewer confirms or declines it at "
                    f"/v1/strike-proposals/{flag_id}/confirmation"
                )
            conn.execute(sa.update(t.flags).where(t.flags.c.id == flag_id).values(status=outcome))
            conn.execute(sa.delete(t.desk_claims).where(t.desk_claims.c.case_id == f"flag:{flag_id}"))
            audit.append(now, p.actor, f"flag.{outcome}", f"flag:{flag_id}", {"note": note})
        return {"flag_id": flag_id, "status": outcome}

    def restrict_enterprise(self, p: Principal, enterprise_id: str, severity: str, reason: str) -> Restriction:
        """A reviewer restricts (or with severity S bans) a whole enterprise (S-C2); members follow at once."""
        self._reviewer(p)
        known = list(self.w.rules.policy.ladder.severities)
        if severity not in known:
            raise InvalidInput(
                f"unknown severity {severity!r}", [FieldError(field="severity", message=f"one of: {', '.join(known)}")]
            )
        return self.w.restrict_enterprise(enterprise_id, p.actor, severity, reason)
