"""Reading unblocks (S-D1, S-D2), and the callers' access checks the service makes first (`access.py` decides)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warden.adapters import store as core
from warden.enforcement.texts import Lang
from warden.kernel.access import Principal
from warden.kernel.errors import Forbidden, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.unblock import access, store
from warden.unblock import rules as ub
from warden.unblock.views import application_view, helper_view, reversal_view

if TYPE_CHECKING:
    from warden.unblock.service import Unblocking


class Reading:
    def __init__(self, ctx: Unblocking) -> None:
        self.ctx = ctx

    def account_of(self, app_id: str) -> str:
        with self.ctx.uow.reading() as tx:
            acc = store.account_of_application(tx.conn, app_id)
        if acc is None:
            raise NotFound(f"no unblock application {app_id!r}")
        return acc

    def view(self, app_id: str, lang: Lang = "zh") -> dict[str, Any]:
        """The flow as its owner follows it: state, what is left, every reason in the chosen language."""
        pol = self.ctx.policy
        with self.ctx.uow.reading() as tx:
            conn, now = tx.conn, tx.now
            row = store.get_application(conn, app_id)
            if row is None:
                raise NotFound(f"no unblock application {app_id!r}")
            helpers = store.helpers_of(conn, app_id)
            quota = ub.quota(pol.cap, store.quota_stamps(conn, row.phone), now)
        return application_view(row, helpers, quota, pol, now, lang, self.ctx.timezone)

    def list_for(self, account_id: str, lang: Lang = "zh", limit: int = 50) -> list[dict[str, Any]]:
        """An account's applications, newest first."""
        with self.ctx.uow.reading() as tx:
            ids = store.application_ids(tx.conn, account_id, limit)
        return [self.view(i, lang) for i in ids]

    def helper_requests(self, helper_id: str, lang: Lang = "zh") -> list[dict[str, Any]]:
        """What a helper was asked, with the reasons when they were refused (shown to both sides)."""
        with self.ctx.uow.reading() as tx:
            now, rows = tx.now, store.requests_to(tx.conn, helper_id)
            apps = {
                r.application_id: store.get_application(tx.conn, r.application_id)
                for r in rows
                if r.state == "confirmed"
            }
        return [
            helper_view(r, now, lang, self.ctx.timezone)
            | {
                "application_id": r.application_id,
                "requester_id": r.requester_id,
                "reversal": reversal_view(apps.get(r.application_id), lang, self.ctx.timezone),
            }
            for r in rows
        ]

    def helper_request(self, r: Any, lang: Lang = "zh") -> dict[str, Any]:
        """One stored helper request as `HelperRequest` reads it."""
        with self.ctx.uow.reading() as tx:
            now = tx.now
        return helper_view(r, now, lang) | {"application_id": r.application_id, "requester_id": r.requester_id}

    # --- access checks (raise `Forbidden`, or `NotFound` for callers who may learn that) ----------------------

    @staticmethod
    def own(principal: Principal, account_id: str | None, field: str, message: str) -> str:
        """The account named, else the caller's own; `InvalidInput` naming `field` for a caller without one."""
        account_id = account_id or principal.account_id
        if account_id is None:
            raise InvalidInput(message, [FieldError(field=field, message="required for this role")])
        return account_id

    def check_drive(self, principal: Principal, account_id: str) -> None:
        """The owner, or the platform acting for them (which learns when the account does not exist)."""
        if not access.may_drive(principal, account_id):
            raise Forbidden("only the account's owner (or the platform acting for them) drives an unblock")
        if principal.account_id is None:  # the platform, acting for a member: the account must exist
            with self.ctx.uow.reading() as tx:
                if core.get_account(tx.conn, account_id) is None:
                    raise NotFound(f"no account {account_id!r}")

    def check_view(self, principal: Principal, account_id: str) -> None:
        """An account's unblocks are seen by whoever may see the account; out of scope is 403 either way."""
        with self.ctx.uow.reading() as tx:
            acc = core.get_account(tx.conn, account_id)
        if acc is None:
            if access.told_missing(principal):
                raise NotFound(f"no account {account_id!r}")
            raise Forbidden("this token does not cover that account")
        if not access.may_view(principal, acc.id, acc.enterprise_id):
            raise Forbidden("this token does not cover that account")

    def check_application(self, principal: Principal, app_id: str, *, drive: bool) -> str:
        """The application's account if the caller may see (or drive) it; 403 out of scope, whether or not it
        exists."""
        try:
            account_id = self.account_of(app_id)
        except NotFound:
            if access.told_missing(principal):
                raise
            raise Forbidden("this token does not cover that application") from None
        if drive:
            self.check_drive(principal, account_id)
        else:
            self.check_view(principal, account_id)
        return account_id

    def check_decline(self, principal: Principal, request_id: str) -> None:
        """The helper a request names (or the platform for them) may decline it; anyone else gets 403, and a
        missing request is a 404 only for the platform-wide roles (403 for the others, as if out of scope)."""
        helper_id = self.ctx.helpers.helper_of_request(request_id)
        if helper_id is None:
            if access.told_missing(principal):
                raise NotFound(f"no helper request {request_id!r}")
            raise Forbidden("only the named helper (or the platform for them) can decline")
        if not access.may_decline(principal, helper_id):
            raise Forbidden("only the named helper (or the platform for them) can decline")

    def check_confirm(self, principal: Principal, token: str) -> str:
        """The helper the token names, if the caller is that helper (or the platform for them)."""
        helper_id = self.ctx.helpers.helper_of(token)
        if not access.may_confirm(principal, helper_id):
            raise Forbidden("only the named helper (or the platform for them) can confirm")
        return helper_id
