"""Verification by a one-time code to the bound phone (S-D1): only the code's hash is stored, attempts and sends
are limited, and a code that cannot be delivered is given back."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from warden.enforcement.texts import Lang
from warden.kernel.errors import Conflict, DeliveryFailed, InvalidInput
from warden.kernel.events import FieldError
from warden.unblock import store, texts
from warden.unblock.senders import SendFailed, mask

if TYPE_CHECKING:
    from warden.unblock.service import Unblocking


def digest(*parts: str) -> str:
    """The stored form of a code or a helper token (SHA-256 of the parts)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class Codes:
    def __init__(self, ctx: Unblocking) -> None:
        self.ctx = ctx

    def send_code(self, app_id: str, actor: str, lang: Lang = "zh") -> None:
        """Send a one-time code to the account's bound phone; only its hash is kept."""
        ctx = self.ctx
        pol = ctx.policy
        if "sms_code" not in pol.verification.methods:
            raise Conflict("the policy does not allow verification by code")
        with ctx.uow.writing() as tx:
            conn, now = tx.conn, tx.now
            row = ctx.applications.lock(conn, app_id, now)
            ctx.applications.expect(row, "awaiting_verification")
            if row.codes_sent >= pol.code.max_sends:
                raise Conflict(f"no more codes for this application (at most {pol.code.max_sends})")
            code = f"{secrets.randbelow(10**pol.code.length):0{pol.code.length}d}"
            expires = now + pol.code.validity
            store.update_application(
                conn,
                app_id,
                code_hash=digest(app_id, code),
                code_expires_at=expires,
                code_attempts=0,
                codes_sent=row.codes_sent + 1,
            )
            tx.audit.append(
                now,
                actor,
                "unblock.code_sent",
                f"account:{row.account_id}",
                {"application": app_id, "to": mask(row.phone), "expires_at": expires.isoformat()},
            )
        minutes = int(pol.code.validity.total_seconds() // 60)
        try:
            ctx.sender.send(row.phone, texts.code_message(code, minutes, lang))
        except SendFailed as exc:
            with ctx.uow.writing() as tx:  # give the send back: the user never got it
                store.update_application(
                    tx.conn, app_id, code_hash=None, code_expires_at=None, codes_sent=row.codes_sent
                )
            raise DeliveryFailed(f"the code could not be delivered ({exc}); try again") from exc

    def verify_code(self, app_id: str, actor: str, code: str) -> None:
        """Check the code (limited attempts). A wrong code is an error naming the field; the attempt counts."""
        ctx = self.ctx
        pol = ctx.policy
        problem: str | None = None
        with ctx.uow.writing() as tx:
            conn, now = tx.conn, tx.now
            row = ctx.applications.lock(conn, app_id, now)
            ctx.applications.expect(row, "awaiting_verification")
            if row.code_hash is None:
                raise Conflict("no code is outstanding; request one first")
            if row.code_expires_at <= now:
                store.update_application(conn, app_id, code_hash=None)
                problem = "the code has expired; request a new one"
            elif not secrets.compare_digest(row.code_hash, digest(app_id, code)):
                attempts = row.code_attempts + 1
                left = pol.code.max_attempts - attempts
                values: dict[str, Any] = {"code_attempts": attempts}
                if left <= 0:
                    values["code_hash"] = None
                    if row.codes_sent >= pol.code.max_sends:
                        values |= {"state": "refused", "refusal_code": "too_many_attempts", "refusal_params": "{}"}
                store.update_application(conn, app_id, **values)
                problem = f"wrong code; {max(left, 0)} attempt(s) left with this code"
            tx.audit.append(
                now,
                actor,
                "unblock.code_checked",
                f"account:{row.account_id}",
                {"application": app_id, "ok": problem is None},
            )
            if problem is None:
                store.update_application(conn, app_id, code_hash=None)
                ctx.applications.passed(tx, row, "sms_code", actor)
        if problem is not None:
            raise InvalidInput(problem, [FieldError(field="code", message=problem)])
