"""The platform's own face/ID check as a verification method (S-D1; issue 15, item 3): the platform checks the
requester's face or identity document in its app and reports the result for an application; warden records it
(audited) and, when it passed, counts `platform_check` as a passed method (POLICY-DEFAULTS §2.4: the SMS code AND a
helper or this check)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warden.kernel.errors import Conflict
from warden.unblock import store

if TYPE_CHECKING:
    from warden.unblock.service import Unblocking


class PlatformChecks:
    def __init__(self, ctx: Unblocking) -> None:
        self.ctx = ctx

    def report(self, app_id: str, actor: str, *, kind: str, passed: bool, reference: str | None) -> None:
        """Record the platform's check (`kind`: face | id_document) for an application awaiting verification; a
        passed one counts as the `platform_check` method (the restrictions lift once every required group has
        passed). `Conflict` when the policy does not allow the method or the application is not awaiting
        verification."""
        ctx = self.ctx
        if "platform_check" not in ctx.policy.verification.methods:
            raise Conflict("the policy does not allow verification by the platform's face/ID check")
        with ctx.uow.writing(home=lambda c: store.home_of_application(c, app_id)) as tx:  # its partition's chain
            conn, now = tx.conn, tx.now
            row = ctx.applications.lock(conn, app_id, now)
            ctx.applications.expect(row, "awaiting_verification")
            result: dict[str, Any] = {
                "kind": kind,
                "passed": passed,
                "reference": reference,
                "at": now.isoformat(),
                "by": actor,
            }
            store.update_application(conn, app_id, platform_check=store.dumps(result))
            tx.audit.append(
                now,
                actor,
                "unblock.platform_checked",
                f"account:{row.account_id}",
                {"application": app_id, "kind": kind, "passed": passed, "reference": reference},
            )
            if passed:
                ctx.applications.passed(tx, row, "platform_check", actor)
