"""Verification by a one-time code to the bound phone (S-D1): only the code's keyed hash is stored (HMAC-SHA256 with
the server's secret, `Unblocking.code_digest`), and guessing is bounded by three budgets of the policy
(`unblocking.code`, issue 12 item 10), each counted exactly under concurrency:

- per code (`max_attempts`) and per application (`max_guesses`, all its codes together): one conditional UPDATE
  (`code_attempts < max_attempts AND code_guesses < max_guesses`) counts a check before it is made;
- per phone number (`phone_guesses` in a rolling `guess_window`): a compare-and-set on the phone's quota row; when
  spent, a check is refused with `Throttled` (429, `Retry-After`: when the oldest check leaves the window).

The last wrong code of an application (its budget spent, or its last code spent with no sends left) refuses the
application, and the answer says so: state `refused`, reason `too_many_attempts` (issue 15, item 5).
A code that cannot be delivered is given back."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warden.enforcement.texts import Lang
from warden.kernel.errors import Conflict, DeliveryFailed, InvalidInput, Throttled
from warden.kernel.events import FieldError
from warden.unblock import store, texts
from warden.unblock.senders import SendFailed, mask
from warden.unblock.store import Conn

if TYPE_CHECKING:
    from warden.unblock.service import Unblocking


def digest(*parts: str) -> str:
    """The stored form of a helper token (SHA-256 of the parts: a token is 144 random bits, not worth guessing)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class Codes:
    def __init__(self, ctx: Unblocking) -> None:
        self.ctx = ctx

    def send_code(self, app_id: str, actor: str, lang: Lang = "zh") -> None:
        """Send a one-time code to the account's bound phone (E.164); only its keyed hash is kept."""
        ctx = self.ctx
        pol = ctx.policy
        if "sms_code" not in pol.verification.methods:
            raise Conflict("the policy does not allow verification by code")
        with ctx.uow.writing(home=lambda c: store.home_of_application(c, app_id)) as tx:  # its partition's chain
            conn, now = tx.conn, tx.now
            row = ctx.applications.lock(conn, app_id, now)
            ctx.applications.expect(row, "awaiting_verification")
            if row.codes_sent >= pol.code.max_sends:
                raise Conflict(f"no more codes for this application (at most {pol.code.max_sends})")
            if row.code_guesses >= pol.code.max_guesses:
                raise Conflict(f"this application has had its {pol.code.max_guesses} code checks")
            code = f"{secrets.randbelow(10**pol.code.length):0{pol.code.length}d}"
            expires = now + pol.code.validity
            store.update_application(
                conn,
                app_id,
                code_hash=ctx.code_digest(app_id, code),
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

    def _phone_guess(self, conn: Conn, phone: str, now: datetime) -> None:
        """Take one check from the phone's budget in the rolling window, or refuse with `Throttled`."""
        pol = self.ctx.policy.code
        live: list[datetime] = []

        def decide(stamps: list[datetime]) -> list[datetime] | None:
            live[:] = [s for s in stamps if s > now - pol.guess_window]
            return None if len(live) >= pol.phone_guesses else [*live, now]

        if store.claim_slot(conn, phone, decide, "guesses") is None:
            at = min(live) + pol.guess_window
            wait = max(1, int((at - now).total_seconds()) + 1)
            days = round(pol.guess_window.total_seconds() / 86400, 2)
            message = (
                f"at most {pol.phone_guesses} code checks per phone number in {days:g} days; "
                f"retry after {wait} s ({at.isoformat()})"
            )
            field = [FieldError(field="code", message=message)]
            raise Throttled(f"too many code checks for this phone number: {message}", wait, field)

    def verify_code(self, app_id: str, actor: str, code: str, lang: Lang = "zh") -> None:
        """Check the code. A wrong code is an `InvalidInput` naming the field (its check counted); the last one
        refuses the application and says so (`extensions`: `state`, `refusal`); a phone whose checks are spent is
        `Throttled` (nothing counted)."""
        ctx = self.ctx
        pol = ctx.policy.code
        problem: InvalidInput | None = None
        with ctx.uow.writing(home=lambda c: store.home_of_application(c, app_id)) as tx:  # its partition's chain
            conn, now = tx.conn, tx.now
            row = ctx.applications.lock(conn, app_id, now)
            ctx.applications.expect(row, "awaiting_verification")
            if row.code_hash is None:
                raise Conflict("no code is outstanding; request one first")
            ok = counted = False
            if row.code_expires_at <= now:
                store.update_application(conn, app_id, code_hash=None)
                message = "the code has expired; request a new one"
                problem = InvalidInput(message, [FieldError(field="code", message=message)])
            else:
                self._phone_guess(conn, row.phone, now)
                if not store.take_guess(conn, app_id, pol.max_attempts, pol.max_guesses):
                    raise Conflict("this code has had all its checks; request a new one")
                counted = True
                ok = secrets.compare_digest(row.code_hash, ctx.code_digest(app_id, code))
                if not ok:
                    problem = self._wrong(tx.conn, row, lang)
            tx.audit.append(
                now,
                actor,
                "unblock.code_checked",
                f"account:{row.account_id}",
                {
                    "application": app_id,
                    "ok": ok,
                    "checks": row.code_guesses + counted,
                },
            )
            if problem is not None and problem.extensions.get("state") == "refused":
                tx.audit.append(
                    now,
                    actor,
                    "unblock.refused",
                    f"account:{row.account_id}",
                    {"application": app_id, "refusal": "too_many_attempts"},
                )
            if ok:
                store.update_application(conn, app_id, code_hash=None)
                ctx.applications.passed(tx, row, "sms_code", actor)
        if problem is not None:
            raise problem

    def _wrong(self, conn: Conn, row: Any, lang: Lang) -> InvalidInput:
        """After a wrong code (its check counted): spend the code or refuse the application, and say which."""
        pol = self.ctx.policy.code
        left_code = pol.max_attempts - (row.code_attempts + 1)
        left_app = pol.max_guesses - (row.code_guesses + 1)
        sends_left = pol.max_sends - row.codes_sent
        if left_app <= 0 or (left_code <= 0 and sends_left <= 0):
            params = {"checks": row.code_guesses + 1, "codes": row.codes_sent}
            store.update_application(
                conn,
                row.id,
                code_hash=None,
                state="refused",
                refusal_code="too_many_attempts",
                refusal_params=store.dumps(params),
            )
            message = (
                "wrong code; that was the last attempt: the application is now refused (too_many_attempts) and "
                "cannot be verified any more; apply again"
            )
            problem = InvalidInput(message, [FieldError(field="code", message=message)])
            problem.extensions = {
                "state": "refused",
                "state_text": texts.STATE_TEXT["refused"][lang],
                "refusal": texts.explained("too_many_attempts", params, lang, self.ctx.timezone),
                "attempts_left": 0,
            }
            return problem
        if left_code <= 0:
            store.update_application(conn, row.id, code_hash=None)
            message = f"wrong code; 0 attempt(s) left with this code: request a new one ({sends_left} left)"
        else:
            message = f"wrong code; {min(left_code, left_app)} attempt(s) left with this code"
        problem = InvalidInput(message, [FieldError(field="code", message=message)])
        problem.extensions = {"state": "awaiting_verification", "attempts_left": max(0, min(left_code, left_app))}
        return problem
