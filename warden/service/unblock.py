"""Unblocking use cases (S-D1–D5, S-D7, S-C3 probation). Each public method is one transaction.

Flow: apply (the per-phone cap is claimed here, atomically) → health check → verification by a one-time
code and/or helpers' confirmations → the restrictions lift (the strikes stay on the record) → for
friend-assisted unblocks, abnormal-unblock detection may reverse it at once.

Locking: a use case that changes an application first takes that application's row lock (a plain UPDATE),
and `apply` takes the phone's quota row by compare-and-set; both happen before the audit chain's lock, so
lock order is always row → audit and cannot deadlock.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from warden.adapters import store
from warden.adapters import tables as t
from warden.adapters.database import reading
from warden.adapters.subject_cache import SubjectCache
from warden.adapters.unblock_senders import LogSender, OtpSender, SendFailed, WebhookSender, mask
from warden.domain import unblock as ub
from warden.domain.explain import Lang
from warden.domain.policy import Policy
from warden.domain.rules import RuleEngine
from warden.domain.unblock import HelperFacts, LiftedUnblock, UnblockPolicy
from warden.kernel.decision import StrikeRequest, Subject, derive_id
from warden.kernel.errors import Conflict, DeliveryFailed, IdempotencyKeyReused, InvalidInput, NotFound
from warden.kernel.model import Strike
from warden.pipeline.batch import Batch
from warden.pipeline.effects import audit_effects
from warden.pipeline.feature import Feature
from warden.service.warden import Warden


class UnblockSettings(BaseSettings):
    """`WARDEN_UNBLOCK_SENDER=log|webhook`, `WARDEN_UNBLOCK_WEBHOOK_URL`, `WARDEN_UNBLOCK_WEBHOOK_TOKEN`."""

    model_config = SettingsConfigDict(env_prefix="WARDEN_UNBLOCK_", extra="ignore")

    sender: Literal["log", "webhook"] = "log"
    webhook_url: str | None = None
    webhook_token: str | None = None
    webhook_timeout: float = 5.0


def build_sender(settings: UnblockSettings | None = None) -> OtpSender:
    s = settings or UnblockSettings()
    if s.sender == "webhook":
        if not s.webhook_url:
            raise ValueError("WARDEN_UNBLOCK_SENDER=webhook needs WARDEN_UNBLOCK_WEBHOOK_URL")
        return WebhookSender(s.webhook_url, s.webhook_timeout, s.webhook_token)
    return LogSender()


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _j(data: Any) -> str:
    return store.dumps(data)


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class Outbox:
    """Messages to send once the transaction has committed (never while holding locks)."""

    items: list[tuple[str, str]]

    def flush(self, sender: OtpSender) -> None:
        for phone, message in self.items:
            sender.send(phone, message)


def lifted_unblocks(
    conn: Connection, account_ids: list[str], exclude: str | None = None
) -> dict[str, list[LiftedUnblock]]:
    """Each account's lifted unblocks (what probation and the plug-in watch read)."""
    a = t.unblock_applications
    out: dict[str, list[LiftedUnblock]] = {}
    for i in range(0, len(account_ids), 500):
        chunk = account_ids[i : i + 500]
        rows = conn.execute(
            sa.select(a).where(a.c.account_id.in_(chunk), a.c.state == "lifted", a.c.lifted_at.is_not(None))
        )
        for r in rows:
            if r.id == exclude:
                continue
            out.setdefault(r.account_id, []).append(
                LiftedUnblock(
                    r.id,
                    r.account_id,
                    r.lifted_at,
                    r.lifted_step or 0,
                    tuple(json.loads(r.lifted_rules or "[]")),
                    tuple(json.loads(r.plugin_signatures or "[]")),
                )
            )
    return out


class UnblockFeature(Feature):
    """The ladder's seams for unblocking (S-C3 probation, S-D5 plug-in re-ban): `load` puts the batch's
    accounts' lifted unblocks on `batch.state["unblock"]`; `step_floor` demands the higher step; `after_strike`
    says why in the strike's evidence."""

    name = "unblock"

    def __init__(self, rules: RuleEngine, subject_cache: SubjectCache | None = None) -> None:
        self.rules = rules  # the policy in force is read from the rules, live
        self.subject_cache = subject_cache
        self._known: dict[str, list[LiftedUnblock]] = {}  # account → its lifted unblocks, see load

    @property
    def whole(self) -> Policy:
        return self.rules.policy

    @property
    def policy(self) -> UnblockPolicy:
        return self.whole.unblocking

    def load(self, conn: Connection, batch: Batch) -> None:
        """Past unblocks of the batch's accounts. They change only through the unblocking service, which audits
        every change, so while the core's audit-tail check holds (nobody else wrote) what was read stays true."""
        subjects = batch.subjects
        if self.subject_cache is None or self.subject_cache.seq is None:
            self._known.clear()
        missing = [a for a in subjects if a not in self._known]
        if missing:
            found = lifted_unblocks(conn, missing)
            for a in missing:
                self._known[a] = found.get(a, [])
            if len(self._known) > 200_000:
                self._known.clear()
        batch.state[self.name] = {a: self._known.get(a, []) for a in subjects}

    def step_floor(self, batch: Batch, subject: Subject, severity: str, at: datetime) -> int:
        """Probation: one more step than the ladder says. Plug-in after an unblock: ≥ min_step; Nth → top."""
        return ub.step_floor(
            self.policy,
            self.whole.ladder,
            self.whole.rules.plugin_software.severity,
            _lifted(batch, subject),
            subject,
            severity,
            at,
        )

    def after_strike(self, batch: Batch, strike: Strike, subject: Subject) -> list[StrikeRequest]:
        """Say in the evidence why the step is higher: probation, or a plug-in seen again after an unblock."""
        if strike.subject_type == "account":
            note = ub.strike_note(self.policy, _lifted(batch, subject), strike, subject)
            if note:
                strike.evidence["after_unblock"] = note
        return []


def _lifted(batch: Batch, subject: Subject) -> list[LiftedUnblock]:
    lifted: dict[str, list[LiftedUnblock]] = batch.state.get(UnblockFeature.name, {})
    return lifted.get(subject.account.id, [])


class Unblocking:
    def __init__(self, warden: Warden, sender: OtpSender | None = None) -> None:
        self.warden = warden
        self.sender: OtpSender = sender or LogSender()

    @property
    def policy(self) -> UnblockPolicy:
        return self.warden.rules.policy.unblocking

    @property
    def rules(self) -> RuleEngine:
        return self.warden.rules

    # --- the cap (S-D3) -----------------------------------------------------------------------------------

    def _claim(self, conn: Connection, phone: str, now: datetime) -> tuple[bool, int, datetime | None]:
        """Take one application slot for `phone` if the rolling window has one: compare-and-set on `version`.

        Exact under concurrency on both engines: a writer whose version is stale updates 0 rows and re-reads.
        Returns (claimed, remaining after this call, when the oldest slot frees up).
        """
        cap = self.policy.cap
        q = t.unblock_quota
        ins = pg_insert(q) if conn.dialect.name == "postgresql" else sqlite_insert(q)
        conn.execute(ins.values(phone=phone, version=0, stamps="[]").on_conflict_do_nothing(index_elements=["phone"]))
        since = now - cap.window
        for _ in range(200):
            row = conn.execute(sa.select(q.c.version, q.c.stamps).where(q.c.phone == phone)).one()
            stamps = [s for s in (datetime.fromisoformat(x) for x in json.loads(row.stamps)) if s > since]
            if len(stamps) >= cap.max_applications:
                return False, 0, min(stamps) + cap.window
            stamps.append(now)
            res = conn.execute(
                sa.update(q)
                .where(q.c.phone == phone, q.c.version == row.version)
                .values(version=row.version + 1, stamps=_j([s.isoformat() for s in stamps]))
            )
            if res.rowcount == 1:
                return True, cap.max_applications - len(stamps), min(stamps) + cap.window
        raise Conflict("too many simultaneous unblock applications for this phone number; try again")

    def remaining(self, conn: Connection, phone: str, now: datetime) -> dict[str, Any]:
        cap = self.policy.cap
        row = conn.execute(sa.select(t.unblock_quota.c.stamps).where(t.unblock_quota.c.phone == phone)).first()
        since = now - cap.window
        stamps = [s for s in (datetime.fromisoformat(x) for x in json.loads(row.stamps if row else "[]")) if s > since]
        return {
            "cap": cap.max_applications,
            "window_days": round(cap.window.total_seconds() / 86400, 2),
            "used": len(stamps),
            "remaining": max(0, cap.max_applications - len(stamps)),
            "next_slot_at": (min(stamps) + cap.window).isoformat() if len(stamps) >= cap.max_applications else None,
        }

    # --- use cases ------------------------------------------------------------------------------------------

    def apply(self, account_id: str, actor: str, idempotency_key: str | None = None) -> tuple[str, bool]:
        """Start an application (S-D1). Counts against the phone's cap whatever becomes of it (S-D3).

        Returns (application id, created); a repeated `idempotency_key` answers with the first application.
        """
        try:
            return self._apply(account_id, actor, idempotency_key)
        except IntegrityError:
            if idempotency_key is None:
                raise
            found = self._by_key(account_id, idempotency_key)  # a concurrent twin won: answer with its result
            if found is None:
                raise
            return found, False

    def _by_key(self, account_id: str, key: str) -> str | None:
        a = t.unblock_applications
        with reading(self.warden.engine) as conn:
            return conn.execute(
                sa.select(a.c.id).where(a.c.account_id == account_id, a.c.idempotency_key == key)
            ).scalar()

    def _apply(self, account_id: str, actor: str, idempotency_key: str | None) -> tuple[str, bool]:
        now = self.warden.clock.now()
        a = t.unblock_applications
        with self.warden.engine.begin() as conn:
            if idempotency_key is not None:
                prior = conn.execute(
                    sa.select(a.c.id).where(a.c.account_id == account_id, a.c.idempotency_key == idempotency_key)
                ).scalar()
                if prior is not None:
                    return str(prior), False
                other = conn.execute(  # the caller's key already named another account: 409 (issue 10, item 8)
                    sa.select(a.c.account_id).where(a.c.idempotency_key == idempotency_key, a.c.actor == actor)
                ).first()
                if other is not None:
                    raise IdempotencyKeyReused(idempotency_key, ["account_id"])
            subjects, _ = store.load_subjects(conn, [account_id], now)
            if account_id not in subjects:
                raise NotFound(f"no account {account_id!r}")
            subj = subjects[account_id]
            elig = ub.eligibility(self.policy, subj.restrictions, subj.enterprise_restrictions, now)
            if elig.refusal == "no_longer_restricted":
                raise Conflict(f"account {account_id} has no active restriction; there is nothing to unblock")
            claimed, left, next_at = self._claim(conn, subj.account.phone, now)
            app_id = "unb_" + secrets.token_hex(10)
            if not claimed:
                state, code = "refused", "cap_reached"
                params: dict[str, Any] = {
                    "cap": self.policy.cap.max_applications,
                    "window_days": self.policy.cap.window.days,
                    "next_at": next_at.isoformat() if next_at else None,
                }
            elif elig.refusal:
                state, code, params = "refused", elig.refusal, dict(elig.params)
            else:
                state, code, params = "awaiting_health_check", None, {}
            earliest = max((r.earliest_unblock_at for r in elig.targets if r.earliest_unblock_at), default=None)
            conn.execute(
                sa.insert(a).values(
                    id=app_id,
                    account_id=account_id,
                    phone=subj.account.phone,
                    state=state,
                    created_at=now,
                    updated_at=now,
                    actor=actor,
                    idempotency_key=idempotency_key,
                    counted=claimed,
                    targets=_j([r.id for r in elig.targets]),
                    earliest_at=earliest,
                    verified="[]",
                    refusal_code=code,
                    refusal_params=_j(params) if code else None,
                )
            )
            store.AuditWriter(conn).append(
                now,
                actor,
                "unblock.applied" if code is None else "unblock.refused",
                f"account:{account_id}",
                {"application": app_id, "state": state, "refusal": code, "counted": claimed, "remaining": left},
            )
        return app_id, True

    def _lock(self, conn: Connection, app_id: str, now: datetime) -> Any:
        a = t.unblock_applications
        res = conn.execute(sa.update(a).where(a.c.id == app_id).values(updated_at=now))
        if res.rowcount == 0:
            raise NotFound(f"no unblock application {app_id!r}")
        return conn.execute(sa.select(a).where(a.c.id == app_id)).one()

    def _set(self, conn: Connection, app_id: str, **values: Any) -> None:
        conn.execute(sa.update(t.unblock_applications).where(t.unblock_applications.c.id == app_id).values(**values))

    def _expect(self, row: Any, *states: str) -> None:
        if row.state not in states:
            raise Conflict(
                f"application {row.id} is {row.state}; this step needs it to be {' or '.join(states)}",
            )

    def _still_eligible(self, conn: Connection, row: Any, now: datetime, audit: store.AuditWriter, actor: str) -> Any:
        """Re-check the restrictions (they may have ended or widened); refuse the application if not eligible."""
        subjects, _ = store.load_subjects(conn, [row.account_id], now)
        subj = subjects[row.account_id]
        elig = ub.eligibility(self.policy, subj.restrictions, subj.enterprise_restrictions, now)
        if elig.refusal and elig.refusal != "too_early":
            self._set(conn, row.id, state="refused", refusal_code=elig.refusal, refusal_params=_j(elig.params))
            audit.append(
                now,
                actor,
                "unblock.refused",
                f"account:{row.account_id}",
                {"application": row.id, "refusal": elig.refusal},
            )
            return None
        return elig

    def health_check(
        self,
        app_id: str,
        actor: str,
        *,
        client_version: str,
        malware_flag: bool,
        plugin_signatures: list[str],
        device_id: str | None = None,
        ip: str | None = None,
    ) -> None:
        """S-D7: no malware, a supported client, no plug-ins. A failure leaves the flow here: fix, then re-check."""
        now = self.warden.clock.now()
        with self.warden.engine.begin() as conn:
            row = self._lock(conn, app_id, now)
            self._expect(row, "awaiting_health_check")
            audit = store.AuditWriter(conn)
            if self._still_eligible(conn, row, now, audit, actor) is None:
                return
            failures = ub.health_failures(self.policy.health, client_version, malware_flag, plugin_signatures)
            report = {
                "at": now.isoformat(),
                "client_version": client_version,
                "malware_flag": malware_flag,
                "plugin_signatures": plugin_signatures,
                "ok": not failures,
                "failures": [{"code": c, "params": p} for c, p in failures],
            }
            self._set(
                conn,
                app_id,
                health=_j(report),
                device_id=device_id or row.device_id,
                ip=ip or row.ip,
                state="awaiting_health_check" if failures else "awaiting_verification",
            )
            audit.append(
                now,
                actor,
                "unblock.health_checked",
                f"account:{row.account_id}",
                {"application": app_id, "ok": not failures, "failures": [c for c, _ in failures]},
            )

    def send_code(self, app_id: str, actor: str, lang: Lang = "zh") -> None:
        """Send a one-time code to the account's bound phone; only its hash is kept."""
        now = self.warden.clock.now()
        pol = self.policy
        if "sms_code" not in pol.verification.methods:
            raise Conflict("the policy does not allow verification by code")
        with self.warden.engine.begin() as conn:
            row = self._lock(conn, app_id, now)
            self._expect(row, "awaiting_verification")
            if row.codes_sent >= pol.code.max_sends:
                raise Conflict(f"no more codes for this application (at most {pol.code.max_sends})")
            code = f"{secrets.randbelow(10**pol.code.length):0{pol.code.length}d}"
            expires = now + pol.code.validity
            self._set(
                conn,
                app_id,
                code_hash=_hash(app_id, code),
                code_expires_at=expires,
                code_attempts=0,
                codes_sent=row.codes_sent + 1,
            )
            store.AuditWriter(conn).append(
                now,
                actor,
                "unblock.code_sent",
                f"account:{row.account_id}",
                {"application": app_id, "to": mask(row.phone), "expires_at": expires.isoformat()},
            )
        minutes = int(pol.code.validity.total_seconds() // 60)
        message = (
            f"【warden】你的解封验证码是 {code}，{minutes} 分钟内有效，请勿告诉他人。"
            if lang == "zh"
            else f"[warden] Your unblock code is {code}. Valid for {minutes} minutes; do not share it."
        )
        try:
            self.sender.send(row.phone, message)
        except SendFailed as exc:
            with self.warden.engine.begin() as conn:  # give the send back: the user never got it
                self._set(conn, app_id, code_hash=None, code_expires_at=None, codes_sent=row.codes_sent)
            raise DeliveryFailed(f"the code could not be delivered ({exc}); try again") from exc

    def verify_code(self, app_id: str, actor: str, code: str) -> None:
        """Check the code (limited attempts). A wrong code is an error naming the field; the attempt counts."""
        now = self.warden.clock.now()
        pol = self.policy
        problem: str | None = None
        with self.warden.engine.begin() as conn:
            row = self._lock(conn, app_id, now)
            self._expect(row, "awaiting_verification")
            audit = store.AuditWriter(conn)
            if row.code_hash is None:
                raise Conflict("no code is outstanding; request one first")
            if row.code_expires_at <= now:
                self._set(conn, app_id, code_hash=None)
                problem = "the code has expired; request a new one"
            elif not secrets.compare_digest(row.code_hash, _hash(app_id, code)):
                attempts = row.code_attempts + 1
                left = pol.code.max_attempts - attempts
                values: dict[str, Any] = {"code_attempts": attempts}
                if left <= 0:
                    values["code_hash"] = None
                    if row.codes_sent >= pol.code.max_sends:
                        values |= {"state": "refused", "refusal_code": "too_many_attempts", "refusal_params": "{}"}
                self._set(conn, app_id, **values)
                problem = f"wrong code; {max(left, 0)} attempt(s) left with this code"
            audit.append(
                now,
                actor,
                "unblock.code_checked",
                f"account:{row.account_id}",
                {"application": app_id, "ok": problem is None},
            )
            if problem is None:
                self._set(conn, app_id, code_hash=None)
                self._passed(conn, audit, row, "sms_code", now, actor)
        if problem is not None:
            from warden.kernel.events import FieldError

            raise InvalidInput(problem, [FieldError(field="code", message=problem)])

    def _passed(
        self, conn: Connection, audit: store.AuditWriter, row: Any, method: str, now: datetime, actor: str
    ) -> None:
        verified = sorted(set(json.loads(row.verified)) | {method})
        self._set(conn, row.id, verified=_j(verified))
        if len(verified) >= self.policy.verification.required:
            self._lift(conn, audit, row, verified, now, actor)

    def _lift(
        self, conn: Connection, audit: store.AuditWriter, row: Any, verified: list[str], now: datetime, actor: str
    ) -> None:
        elig = self._still_eligible(conn, row, now, audit, actor)
        if elig is None:
            return
        sigs: set[str] = set()
        for r in elig.targets:
            r.lifted_at, r.lift_reason = now, f"self-service unblock {row.id} ({', '.join(verified)})"
            store.update_restriction(conn, r)
            audit.append(
                now,
                actor,
                "restriction.lifted",
                f"{r.subject_type}:{r.subject_id}",
                {"restriction": r.id, "reason": r.lift_reason},
            )
            if r.rule_id == "plugin_software":
                sigs |= set(r.evidence.get("signatures", []))
        self._set(
            conn,
            row.id,
            state="lifted",
            lifted_at=now,
            lifted_step=max(r.step for r in elig.targets),
            lifted_rules=_j(sorted({r.rule_id for r in elig.targets})),
            plugin_signatures=_j(sorted(sigs)),
            targets=_j([r.id for r in elig.targets]),
        )
        audit.append(
            now,
            actor,
            "unblock.lifted",
            f"account:{row.account_id}",
            {"application": row.id, "restrictions": [r.id for r in elig.targets], "methods": verified},
        )
        if "friend_assist" in verified:
            self._judge(conn, audit, row, now)

    # --- helpers (S-D2) -------------------------------------------------------------------------------------

    def _helper_facts(self, conn: Connection, helper_id: str, requester_id: str, now: datetime) -> HelperFacts | None:
        subjects, _ = store.load_subjects(conn, [helper_id], now)
        subj = subjects.get(helper_id)
        if subj is None:
            return None
        h = t.unblock_helpers
        pol = self.policy.helpers
        assists = conn.execute(
            sa.select(sa.func.count()).where(
                h.c.helper_id == helper_id, h.c.state == "confirmed", h.c.confirmed_at > now - pol.assist_window
            )
        ).scalar_one()
        c = t.contacts
        since = conn.execute(
            sa.select(sa.func.min(c.c.since)).where(
                sa.or_(
                    sa.and_(c.c.account_id == requester_id, c.c.contact_id == helper_id),
                    sa.and_(c.c.account_id == helper_id, c.c.contact_id == requester_id),
                )
            )
        ).scalar()
        return HelperFacts(
            account=subj.account,
            strikes=subj.strikes,
            active_restrictions=subj.active_restrictions(now),
            confirmed_assists=int(assists),
            contact_since=since,
            two_way_conversation=self._wrote(conn, requester_id, helper_id)
            and self._wrote(conn, helper_id, requester_id),
        )

    def _wrote(self, conn: Connection, sender: str, recipient: str) -> bool:
        """Whether `sender` ever messaged `recipient` (message events carry `recipient_id` in the payload)."""
        e = t.events
        pattern = f'%"recipient_id":"{_like(recipient)}"%'
        return (
            conn.execute(
                sa.select(e.c.id)
                .where(e.c.account_id == sender, e.c.type == "message", e.c.payload.like(pattern, escape="\\"))
                .limit(1)
            ).first()
            is not None
        )

    def nominate(self, app_id: str, actor: str, helper_ids: list[str], lang: Lang = "zh") -> None:
        """Name helpers (S-D2). Each eligible one gets a single-use confirmation that expires; each refused one
        is recorded with every reason, shown to the requester here and to the helper by message."""
        now = self.warden.clock.now()
        pol = self.policy.helpers
        if "friend_assist" not in self.policy.verification.methods:
            raise Conflict("the policy does not allow friend-assisted verification")
        h = t.unblock_helpers
        outbox = Outbox([])
        with self.warden.engine.begin() as conn:
            row = self._lock(conn, app_id, now)
            self._expect(row, "awaiting_verification")
            from warden.kernel.events import FieldError

            bad = []
            for i, hid in enumerate(helper_ids):
                if hid == row.account_id:
                    bad.append(FieldError(field=f"helper_ids[{i}]", message="the requester cannot help themself"))
                elif store.get_account(conn, hid) is None:
                    bad.append(FieldError(field=f"helper_ids[{i}]", message=f"no account {hid!r}"))
            if bad:
                raise InvalidInput(f"{len(bad)} helper(s) cannot be named; nothing was changed", bad)
            audit = store.AuditWriter(conn)
            requester = store.get_account(conn, row.account_id)
            assert requester is not None
            existing = {
                r.helper_id: r
                for r in conn.execute(sa.select(h).where(h.c.application_id == app_id, h.c.state == "pending"))
            }
            for hid in dict.fromkeys(helper_ids):
                prior = existing.get(hid)
                if prior is not None and prior.expires_at > now:
                    continue  # still pending: the first request stands
                facts = self._helper_facts(conn, hid, row.account_id, now)
                assert facts is not None
                refusals = ub.helper_refusals(pol, facts, now)
                hrow_id = derive_id("hlp", app_id, hid, now.isoformat())
                values: dict[str, Any] = {
                    "id": hrow_id,
                    "application_id": app_id,
                    "requester_id": row.account_id,
                    "helper_id": hid,
                    "created_at": now,
                    "related": ub.related(pol.relationship, facts, now),
                }
                if refusals:
                    conn.execute(
                        sa.insert(h).values(
                            **values,
                            state="refused",
                            refusal_code=refusals[0][0],
                            refusal_params=_j([{"code": c, "params": p} for c, p in refusals]),
                        )
                    )
                    audit.append(
                        now,
                        actor,
                        "unblock.helper_refused",
                        f"account:{hid}",
                        {"application": app_id, "requester": row.account_id, "reasons": [c for c, _ in refusals]},
                    )
                    reasons = "；".join(ub.text(c, p, lang) for c, p in refusals)
                    outbox.items.append(
                        (
                            facts.account.phone,
                            f"【warden】{row.account_id} 请你辅助解封，但你暂不能辅助：{reasons}"
                            if lang == "zh"
                            else f"[warden] {row.account_id} asked you to help unblock, but you cannot: {reasons}",
                        )
                    )
                    continue
                token = "hc_" + secrets.token_urlsafe(18)
                expires = now + pol.token_validity
                conn.execute(
                    sa.insert(h).values(**values, state="pending", token_hash=_hash(token), expires_at=expires)
                )
                audit.append(
                    now,
                    actor,
                    "unblock.helper_asked",
                    f"account:{hid}",
                    {"application": app_id, "requester": row.account_id, "expires_at": expires.isoformat()},
                )
                minutes = max(1, int(pol.token_validity.total_seconds() // 60))
                outbox.items.append(
                    (
                        facts.account.phone,
                        f"【warden】{row.account_id} 请你辅助解封。确认码 {token}，{minutes} 分钟内有效，仅限一次。"
                        "如不认识对方，请勿确认。"
                        if lang == "zh"
                        else f"[warden] {row.account_id} asks you to help unblock. Confirmation {token}, valid "
                        f"{minutes} minutes, once. Do not confirm for someone you do not know.",
                    )
                )
        try:
            outbox.flush(self.sender)
        except SendFailed as exc:
            raise DeliveryFailed(f"a helper request could not be delivered ({exc}); name the helper again") from exc

    def helper_of(self, token: str) -> str:
        """The helper a confirmation token belongs to (for the caller's access check)."""
        h = t.unblock_helpers
        with reading(self.warden.engine) as conn:
            hid = conn.execute(sa.select(h.c.helper_id).where(h.c.token_hash == _hash(token))).scalar()
        if hid is None:
            raise NotFound("no such helper confirmation")
        return str(hid)

    def confirm(self, token: str, actor: str, device_id: str | None = None, ip: str | None = None) -> dict[str, Any]:
        """A helper confirms (single use, before expiry). Re-checks the helper; enough confirmations verify."""
        now = self.warden.clock.now()
        h = t.unblock_helpers
        with self.warden.engine.begin() as conn:
            hrow = conn.execute(sa.select(h).where(h.c.token_hash == _hash(token))).first()
            if hrow is None:
                raise NotFound("no such helper confirmation")
            row = self._lock(conn, hrow.application_id, now)
            hrow = conn.execute(sa.select(h).where(h.c.id == hrow.id)).one()  # re-read under the lock
            if hrow.state != "pending":
                raise Conflict(f"this confirmation was already used ({hrow.state})")
            audit = store.AuditWriter(conn)

            def refuse(code: str, refusals: list[dict[str, Any]]) -> dict[str, Any]:
                conn.execute(
                    sa.update(h)
                    .where(h.c.id == hrow.id)
                    .values(state="refused", refusal_code=code, refusal_params=_j(refusals), token_hash=None)
                )
                audit.append(
                    now,
                    actor,
                    "unblock.helper_refused",
                    f"account:{hrow.helper_id}",
                    {"application": row.id, "reasons": [r["code"] for r in refusals]},
                )
                return {"helper_state": "refused", "application_id": row.id, "refusals": refusals}

            if now >= hrow.expires_at:
                return refuse("helper.expired", [{"code": "helper.expired", "params": {}}])
            self._expect(row, "awaiting_verification")
            facts = self._helper_facts(conn, hrow.helper_id, row.account_id, now)
            assert facts is not None
            refusals = ub.helper_refusals(self.policy.helpers, facts, now)
            if refusals:
                return refuse(refusals[0][0], [{"code": c, "params": p} for c, p in refusals])
            conn.execute(
                sa.update(h)
                .where(h.c.id == hrow.id)
                .values(
                    state="confirmed",
                    confirmed_at=now,
                    token_hash=None,
                    device_id=device_id,
                    ip=ip,
                    related=ub.related(self.policy.helpers.relationship, facts, now),
                )
            )
            audit.append(
                now,
                actor,
                "unblock.helper_confirmed",
                f"account:{hrow.helper_id}",
                {"application": row.id, "requester": row.account_id, "device_id": device_id, "ip": ip},
            )
            confirmed = conn.execute(
                sa.select(sa.func.count()).where(h.c.application_id == row.id, h.c.state == "confirmed")
            ).scalar_one()
            if confirmed >= self.policy.helpers.required:
                self._passed(conn, audit, row, "friend_assist", now, actor)
            return {"helper_state": "confirmed", "application_id": row.id, "refusals": []}

    # --- abnormal unblocks (S-D4) ---------------------------------------------------------------------------

    def _judge(self, conn: Connection, audit: store.AuditWriter, row: Any, now: datetime) -> None:
        pol = self.policy.abnormal
        if not pol.enabled:
            return
        h = t.unblock_helpers
        since = now - pol.lookback
        helpers = list(conn.execute(sa.select(h).where(h.c.application_id == row.id, h.c.state == "confirmed")))
        devices, ips = self._requester_network(conn, row, since)
        facts = []
        for hr in helpers:
            accounts = conn.execute(
                sa.select(sa.func.count(sa.distinct(h.c.requester_id))).where(
                    h.c.helper_id == hr.helper_id, h.c.state == "confirmed", h.c.confirmed_at > since
                )
            ).scalar_one()
            keys = [c for c in ((h.c.device_id, hr.device_id), (h.c.ip, hr.ip)) if c[1]]
            shared_with: list[str] = []
            if keys:
                others = conn.execute(
                    sa.select(h.c.requester_id)
                    .distinct()
                    .where(
                        h.c.state == "confirmed",
                        h.c.confirmed_at > since,
                        h.c.requester_id != row.account_id,
                        sa.or_(*[col == val for col, val in keys]),
                    )
                )
                shared_with = [r[0] for r in others]
            burst: tuple[str, int] | None = None
            window_start = now - pol.burst_window
            for label, col, val in (
                (f"helper {hr.helper_id}", h.c.helper_id, hr.helper_id),
                (f"device {hr.device_id}", h.c.device_id, hr.device_id),
                (f"ip {hr.ip}", h.c.ip, hr.ip),
            ):
                if not val:
                    continue
                n = conn.execute(
                    sa.select(sa.func.count()).where(
                        h.c.state == "confirmed", h.c.confirmed_at > window_start, col == val
                    )
                ).scalar_one()
                if burst is None or n > burst[1]:
                    burst = (label, int(n))
            facts.append(
                ub.AssistFacts(
                    helper_id=hr.helper_id,
                    related=bool(hr.related),
                    device_id=hr.device_id,
                    ip=hr.ip,
                    accounts_assisted=int(accounts),
                    requester_devices=frozenset(devices),
                    requester_ips=frozenset(ips),
                    device_shared_with=shared_with,
                    burst=burst,
                )
            )
        verdict = ub.judge(pol, facts)
        self._set(conn, row.id, abnormal=_j(verdict.as_dict()))
        audit.append(
            now,
            "unblock",
            "unblock.judged",
            f"account:{row.account_id}",
            {"application": row.id, "score": verdict.score, "signals": [c for c, _, _ in verdict.signals]},
        )
        if verdict.abnormal:
            self._reverse(conn, audit, row, [hr.helper_id for hr in helpers], verdict, now)

    def _requester_network(self, conn: Connection, row: Any, since: datetime) -> tuple[set[str], set[str]]:
        e = t.events
        devices: set[str] = set()
        ips: set[str] = set()
        app = conn.execute(
            sa.select(t.unblock_applications.c.device_id, t.unblock_applications.c.ip).where(
                t.unblock_applications.c.id == row.id
            )
        ).one()
        if app.device_id:
            devices.add(app.device_id)
        if app.ip:
            ips.add(app.ip)
        for (payload,) in conn.execute(
            sa.select(e.c.payload).where(e.c.account_id == row.account_id, e.c.type == "login", e.c.occurred_at > since)
        ):
            p = json.loads(payload)
            devices.add(p["device_id"])
            if p.get("ip"):
                ips.add(p["ip"])
        return devices, ips

    def _reverse(
        self,
        conn: Connection,
        audit: store.AuditWriter,
        row: Any,
        helper_ids: list[str],
        verdict: ub.Verdict,
        now: datetime,
    ) -> None:
        """Ban again at the next step, without self-service; each helper gets their own strike (S-D4)."""
        subjects, _ = store.load_subjects(conn, [row.account_id, *helper_ids], now)
        batch = Batch([], subjects, {x.enterprise.id: x.enterprise for x in subjects.values()}, now)
        batch.state[UnblockFeature.name] = lifted_unblocks(conn, list(subjects), exclude=row.id)
        self._reban(conn, audit, row, helper_ids, verdict, batch, now)

    def _reban(
        self,
        conn: Connection,
        audit: store.AuditWriter,
        row: Any,
        helper_ids: list[str],
        verdict: ub.Verdict,
        batch: Batch,
        now: datetime,
    ) -> None:
        pol = self.policy.abnormal
        subjects, effector = batch.subjects, self.warden.effector
        evidence = {
            "spec": "S-D4",
            "application": row.id,
            "score": verdict.score,
            "threshold": verdict.threshold,
            "signals": verdict.as_dict()["signals"],
            "helpers": helper_ids,
        }
        changes = batch.effects
        strike = effector.strike(
            batch,
            subjects[row.account_id],
            StrikeRequest(rule="third_party_unblock", severity=pol.reban_severity, at=now, evidence=evidence),
        )
        if strike is not None:
            for r in changes.restrictions:
                if r.strike_id == strike.id:
                    r.self_unblock, r.earliest_unblock_at = False, None
        for hid in helper_ids:
            effector.strike(
                batch,
                subjects[hid],
                StrikeRequest(
                    rule="third_party_helper",
                    severity=pol.reban_severity,
                    at=now,
                    evidence={
                        "spec": "S-D4",
                        "application": row.id,
                        "requester": row.account_id,
                        "score": verdict.score,
                    },
                    floor=pol.helper_strike_step,
                ),
            )
        store.save_changes(conn, changes)
        audit_effects(audit, changes, now, "unblock")
        self._set(
            conn,
            row.id,
            state="reversed",
            reversed_at=now,
            refusal_code="abnormal_unblock",
            refusal_params=_j({"score": verdict.score, "threshold": verdict.threshold}),
        )
        audit.append(
            now,
            "unblock",
            "unblock.reversed",
            f"account:{row.account_id}",
            {"application": row.id, "strike": strike.id if strike else None, "helpers": helper_ids},
        )

    # --- reading --------------------------------------------------------------------------------------------

    def account_of(self, app_id: str) -> str:
        a = t.unblock_applications
        with reading(self.warden.engine) as conn:
            acc = conn.execute(sa.select(a.c.account_id).where(a.c.id == app_id)).scalar()
        if acc is None:
            raise NotFound(f"no unblock application {app_id!r}")
        return str(acc)

    def view(self, app_id: str, lang: Lang = "zh") -> dict[str, Any]:
        """The flow as its owner follows it: state, what is left, every reason in the chosen language."""
        now = self.warden.clock.now()
        a, h = t.unblock_applications, t.unblock_helpers
        pol = self.policy
        with reading(self.warden.engine) as conn:
            row = conn.execute(sa.select(a).where(a.c.id == app_id)).first()
            if row is None:
                raise NotFound(f"no unblock application {app_id!r}")
            helpers = list(conn.execute(sa.select(h).where(h.c.application_id == app_id).order_by(h.c.created_at)))
            quota = self.remaining(conn, row.phone, now)
        health = json.loads(row.health) if row.health else None
        if health is not None:
            health["failures"] = [ub.explained(f["code"], f["params"], lang) for f in health["failures"]]
        refusal = (
            ub.explained(row.refusal_code, json.loads(row.refusal_params or "{}"), lang) if row.refusal_code else None
        )
        abnormal = json.loads(row.abnormal) if row.abnormal else None
        if abnormal is not None:
            abnormal["signals"] = [
                ub.explained(s["code"], s["params"], lang) | {"weight": s["weight"]} for s in abnormal["signals"]
            ]
        return {
            "id": row.id,
            "account_id": row.account_id,
            "state": row.state,
            "state_text": ub.STATE_TEXT[row.state][lang],
            "created_at": row.created_at.isoformat(),
            "updated_at": row.updated_at.isoformat(),
            "refusal": refusal,
            "applications": quota,
            "counted": row.counted,
            "earliest_at": row.earliest_at.isoformat() if row.earliest_at else None,
            "restrictions": json.loads(row.targets),
            "health": health,
            "verification": {
                "methods": list(pol.verification.methods),
                "required": pol.verification.required,
                "passed": json.loads(row.verified),
                "code": {
                    "outstanding": row.code_hash is not None
                    and row.code_expires_at is not None
                    and row.code_expires_at > now,
                    "expires_at": row.code_expires_at.isoformat() if row.code_hash and row.code_expires_at else None,
                    "attempts_left": pol.code.max_attempts - row.code_attempts if row.code_hash else None,
                    "sends_left": max(0, pol.code.max_sends - row.codes_sent),
                },
                "helpers_required": pol.helpers.required,
                "helpers": [helper_view(r, now, lang) for r in helpers],
            },
            "lifted_at": row.lifted_at.isoformat() if row.lifted_at else None,
            "reversed_at": row.reversed_at.isoformat() if row.reversed_at else None,
            "abnormal": abnormal,
            "lang": lang,
        }

    def list_for(self, account_id: str, lang: Lang = "zh", limit: int = 50) -> list[dict[str, Any]]:
        a = t.unblock_applications
        with reading(self.warden.engine) as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    sa.select(a.c.id).where(a.c.account_id == account_id).order_by(a.c.created_at.desc()).limit(limit)
                )
            ]
        return [self.view(i, lang) for i in ids]

    def helper_requests(self, helper_id: str, lang: Lang = "zh") -> list[dict[str, Any]]:
        """What a helper was asked, with the reasons when they were refused (shown to both sides)."""
        now = self.warden.clock.now()
        h = t.unblock_helpers
        with reading(self.warden.engine) as conn:
            rows = list(conn.execute(sa.select(h).where(h.c.helper_id == helper_id).order_by(h.c.created_at.desc())))
        return [
            helper_view(r, now, lang) | {"application_id": r.application_id, "requester_id": r.requester_id}
            for r in rows
        ]


def helper_view(r: Any, now: datetime, lang: Lang) -> dict[str, Any]:
    state = r.state
    if state == "pending" and r.expires_at is not None and r.expires_at <= now:
        state = "expired"
    return {
        "helper_id": r.helper_id,
        "state": state,
        "created_at": r.created_at.isoformat(),
        "expires_at": r.expires_at.isoformat() if r.expires_at else None,
        "confirmed_at": r.confirmed_at.isoformat() if r.confirmed_at else None,
        "refusals": [ub.explained(x["code"], x["params"], lang) for x in json.loads(r.refusal_params or "[]")],
    }


def unblocking_for(warden: Warden) -> Unblocking:
    """The unblocking service wired to this `Warden` by bootstrap."""
    found = warden.unblocking
    if not isinstance(found, Unblocking):  # a Warden built without bootstrap (tests): a log sender
        found = warden.unblocking = Unblocking(warden)
    return found


def unblock_feature(rules: RuleEngine, subject_cache: SubjectCache) -> UnblockFeature:
    policy = rules.policy
    sev = policy.unblocking.abnormal.reban_severity
    if sev not in policy.ladder.severities:
        raise ValueError(f"unblocking.abnormal.reban_severity {sev!r} is not a severity class of the ladder")
    return UnblockFeature(rules, subject_cache)


__all__ = [
    "UnblockFeature",
    "UnblockSettings",
    "Unblocking",
    "build_sender",
    "lifted_unblocks",
    "unblock_feature",
    "unblocking_for",
]
