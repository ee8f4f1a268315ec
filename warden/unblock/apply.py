"""Applying to unblock (S-D1, S-D3, S-D7): the per-phone cap, the application, the client health check, and the
lift once verification has passed (the strikes stay on the record)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warden.adapters import store as core
from warden.adapters.uow import Tx
from warden.enforcement.manual_actions import record_lift
from warden.kernel.errors import Conflict, IdempotencyKeyReused, NotFound
from warden.unblock import rules as ub
from warden.unblock import store
from warden.unblock.policy import UnblockPolicy
from warden.unblock.rules import Eligibility
from warden.unblock.store import Conn, Row

if TYPE_CHECKING:
    from warden.unblock.service import Unblocking


class Applications:
    """The application's life up to the lift; `passed` is called by the verification use cases."""

    def __init__(self, ctx: Unblocking) -> None:
        self.ctx = ctx

    @property
    def policy(self) -> UnblockPolicy:
        return self.ctx.policy

    # --- the cap (S-D3) -----------------------------------------------------------------------------------

    def claim(self, conn: Conn, phone: str, now: datetime) -> tuple[bool, int, datetime | None]:
        """Take one application slot for `phone` if the rolling window has one (compare-and-set, exact under
        concurrency). Returns (claimed, remaining after this call, when the oldest slot frees up)."""
        cap = self.policy.cap
        seen: list[datetime] = []

        def decide(stamps: list[datetime]) -> list[datetime] | None:
            seen[:] = ub.live_stamps(cap, stamps, now)
            return None if len(seen) >= cap.max_applications else [*seen, now]

        taken = store.claim_slot(conn, phone, decide)
        if taken is None:
            return False, 0, min(seen) + cap.window
        return True, cap.max_applications - len(taken), min(taken) + cap.window

    # --- applying (S-D1) ------------------------------------------------------------------------------------

    def apply(self, account_id: str, actor: str, idempotency_key: str | None = None) -> tuple[str, bool]:
        """Start an application (S-D1). What uses one of the phone's applications (S-D3; issue 15):

        - a request that cannot possibly succeed (permanent ban, too early, enterprise restricted, not
          self-service, the enterprise's own outcome, unblocking disabled) is refused before it is counted
          (`counted` false);
        - a retry of the same request (the account's live application for the same restrictions, still able to
          pass) is that application (`created` false), not a second one;
        - a request over the cap is refused without a slot;
        - every other application counts, whatever becomes of it (refused later, abandoned, lifted).

        Returns (application id, created); a repeated `idempotency_key` answers with the first application.
        """
        try:
            return self._apply(account_id, actor, idempotency_key)
        except store.DuplicateKey:
            assert idempotency_key is not None
            with self.ctx.uow.reading() as tx:  # a concurrent twin won: answer with its result
                found = store.application_by_key(tx.conn, account_id, idempotency_key)
            if found is None:
                raise
            return found, False

    def _apply(self, account_id: str, actor: str, idempotency_key: str | None) -> tuple[str, bool]:
        # audited on the account's partition chain (issue 17): other partitions' cached subjects stay valid
        with self.ctx.uow.writing(home=lambda c: store.home_of_account(c, account_id)) as tx:
            conn, now = tx.conn, tx.now
            if idempotency_key is not None:
                prior = store.application_by_key(conn, account_id, idempotency_key)
                if prior is not None:
                    return prior, False
                if store.key_used_for_other_account(conn, idempotency_key, actor):  # 409 (issue 10, item 8)
                    raise IdempotencyKeyReused(idempotency_key, ["account_id"])
            subjects, _ = core.load_subjects(conn, [account_id], now)
            if account_id not in subjects:
                raise NotFound(f"no account {account_id!r}")
            subj = subjects[account_id]
            elig = ub.eligibility(self.policy, subj.restrictions, subj.enterprise_restrictions, now)
            if elig.refusal == "no_longer_restricted":
                raise Conflict(f"account {account_id} has no active restriction; there is nothing to unblock")
            claimed, left, next_at = False, None, None
            if not elig.refusal:  # one that cannot possibly succeed is refused before it is counted (issue 15)
                store.lock_quota(conn, subj.account.phone)
                retry = self._same_request(conn, account_id, elig, now)
                if retry is not None:  # a double tap: the same application, not a second one
                    return retry, False
                claimed, left, next_at = self.claim(conn, subj.account.phone, now)
            app_id = "unb_" + secrets.token_hex(10)
            params: dict[str, Any] = {}
            if elig.refusal:
                state, code, params = "refused", elig.refusal, dict(elig.params)
            elif not claimed:
                state, code = "refused", "cap_reached"
                params = {
                    "cap": self.policy.cap.max_applications,
                    "window_days": self.policy.cap.window.days,
                    "next_at": next_at.isoformat() if next_at else None,
                }
            else:
                state, code = "awaiting_health_check", None
            earliest = max((r.earliest_unblock_at for r in elig.targets if r.earliest_unblock_at), default=None)
            store.insert_application(
                conn,
                id=app_id,
                account_id=account_id,
                phone=subj.account.phone,
                state=state,
                created_at=now,
                updated_at=now,
                actor=actor,
                idempotency_key=idempotency_key,
                counted=claimed,
                targets=store.dumps([r.id for r in elig.targets]),
                earliest_at=earliest,
                verified="[]",
                refusal_code=code,
                refusal_params=store.dumps(params) if code else None,
            )
            tx.audit.append(
                now,
                actor,
                "unblock.applied" if code is None else "unblock.refused",
                f"account:{account_id}",
                {"application": app_id, "state": state, "refusal": code, "counted": claimed, "remaining": left},
            )
        return app_id, True

    def _same_request(self, conn: Conn, account_id: str, elig: Eligibility, now: datetime) -> str | None:
        """The application a new request repeats (issue 15): the account's live one for the same restrictions that
        can still pass (not left without codes while a code is still required); None when there is none."""
        targets = sorted(r.id for r in elig.targets)
        for row in store.live_applications(conn, account_id):
            if sorted(store.loads(row.targets)) != targets:
                continue
            missing = ub.missing_methods(self.policy.verification, store.loads(row.verified))
            no_code = row.code_hash is None or (row.code_expires_at is not None and row.code_expires_at <= now)
            stuck = row.codes_sent >= self.policy.code.max_sends and no_code and ["sms_code"] in missing
            if not stuck:
                return str(row.id)
        return None

    # --- the steps' shared checks -----------------------------------------------------------------------------

    def lock(self, conn: Conn, app_id: str, now: datetime) -> Row:
        """The application under its row lock; `NotFound` if there is none."""
        row = store.lock_application(conn, app_id, now)
        if row is None:
            raise NotFound(f"no unblock application {app_id!r}")
        return row

    @staticmethod
    def expect(row: Row, *states: str) -> None:
        if row.state not in states:
            raise Conflict(
                f"application {row.id} is {row.state}; this step needs it to be {' or '.join(states)}",
            )

    def still_eligible(self, tx: Tx, row: Row, actor: str) -> Eligibility | None:
        """Re-check the restrictions (they may have ended or widened); refuse the application if not eligible."""
        conn, now = tx.conn, tx.now
        subjects, _ = core.load_subjects(conn, [row.account_id], now)
        subj = subjects[row.account_id]
        elig = ub.eligibility(self.policy, subj.restrictions, subj.enterprise_restrictions, now)
        if elig.refusal and elig.refusal != "too_early":
            store.update_application(
                conn, row.id, state="refused", refusal_code=elig.refusal, refusal_params=store.dumps(elig.params)
            )
            tx.audit.append(
                now,
                actor,
                "unblock.refused",
                f"account:{row.account_id}",
                {"application": row.id, "refusal": elig.refusal},
            )
            return None
        return elig

    # --- the health check (S-D7) ------------------------------------------------------------------------------

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
        with self.ctx.uow.writing(home=lambda c: store.home_of_application(c, app_id)) as tx:
            conn, now = tx.conn, tx.now
            row = self.lock(conn, app_id, now)
            self.expect(row, "awaiting_health_check")
            if self.still_eligible(tx, row, actor) is None:
                return
            failures = ub.health_failures(self.policy.health, client_version, malware_flag, plugin_signatures)
            hp = self.policy.health
            if hp.cross_check:  # S-D7: the client's claim against what warden saw at its logins (issue 15)
                for seen in store.newest_logins(conn, row.account_id, now - hp.seen_window, now):  # every device
                    failures += ub.seen_failures(hp, seen, client_version, malware_flag, plugin_signatures)
            report = {
                "at": now.isoformat(),
                "client_version": client_version,
                "malware_flag": malware_flag,
                "plugin_signatures": plugin_signatures,
                "ok": not failures,
                "failures": [{"code": c, "params": p} for c, p in failures],
            }
            store.update_application(
                conn,
                app_id,
                health=store.dumps(report),
                device_id=device_id or row.device_id,
                ip=ip or row.ip,
                state="awaiting_health_check" if failures else "awaiting_verification",
            )
            tx.audit.append(
                now,
                actor,
                "unblock.health_checked",
                f"account:{row.account_id}",
                {"application": app_id, "ok": not failures, "failures": [c for c, _ in failures]},
            )

    # --- verification passed: the lift -------------------------------------------------------------------------

    def passed(self, tx: Tx, row: Row, method: str, actor: str) -> None:
        """`method` verified; once every group of `verification.require` is passed the restrictions lift (inside
        `tx`)."""
        verified = sorted(set(store.loads(row.verified)) | {method})
        store.update_application(tx.conn, row.id, verified=store.dumps(verified))
        if not ub.missing_methods(self.policy.verification, verified):
            self._lift(tx, row, verified, actor)

    def _lift(self, tx: Tx, row: Row, verified: list[str], actor: str) -> None:
        elig = self.still_eligible(tx, row, actor)
        if elig is None:
            return
        conn, audit, now = tx.conn, tx.audit, tx.now
        sigs: set[str] = set()
        for r in elig.targets:
            record_lift(conn, audit, r, actor, f"self-service unblock {row.id} ({', '.join(verified)})", now)
            if r.rule_id == "plugin_software":
                sigs |= set(r.evidence.get("signatures", []))
        store.update_application(
            conn,
            row.id,
            state="lifted",
            lifted_at=now,
            lifted_step=max(r.step for r in elig.targets),
            lifted_rules=store.dumps(sorted({r.rule_id for r in elig.targets})),
            plugin_signatures=store.dumps(sorted(sigs)),
            targets=store.dumps([r.id for r in elig.targets]),
        )
        audit.append(
            now,
            actor,
            "unblock.lifted",
            f"account:{row.account_id}",
            {"application": row.id, "restrictions": [r.id for r in elig.targets], "methods": verified},
        )
        self.ctx.abnormal.judge(tx, row)  # S-D4: every lift is judged, by code or by helpers (issue 15)
