"""Friend-assisted verification (S-D2): the requester names helpers; each eligible one gets a single-use, expiring
confirmation by message, each refused one is recorded with every reason (shown to both sides); enough
confirmations verify the application."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warden.adapters import store as core
from warden.enforcement.texts import Lang
from warden.kernel.decision import derive_id
from warden.kernel.errors import Conflict, DeliveryFailed, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.unblock import rules as ub
from warden.unblock import store, texts
from warden.unblock.rules import HelperFacts
from warden.unblock.senders import OtpSender, SendFailed
from warden.unblock.store import Conn
from warden.unblock.verify import digest

if TYPE_CHECKING:
    from warden.unblock.service import Unblocking


@dataclass
class Outbox:
    """Messages to send once the transaction has committed (never while holding locks)."""

    items: list[tuple[str, str]]

    def flush(self, sender: OtpSender) -> None:
        for phone, message in self.items:
            sender.send(phone, message)


def helper_facts(conn: Conn, ctx: Unblocking, helper_id: str, requester_id: str, now: datetime) -> HelperFacts | None:
    """What the helper checks read about `helper_id` (None: no such account)."""
    subjects, _ = core.load_subjects(conn, [helper_id], now)
    subj = subjects.get(helper_id)
    if subj is None:
        return None
    pol = ctx.policy.helpers
    return HelperFacts(
        account=subj.account,
        strikes=subj.strikes,
        active_restrictions=subj.active_restrictions(now),
        confirmed_assists=store.confirmed_assists(conn, helper_id, now - pol.assist_window),
        contact_since=store.contact_since(conn, requester_id, helper_id),
        two_way_conversation=store.wrote(conn, requester_id, helper_id) and store.wrote(conn, helper_id, requester_id),
    )


class Helpers:
    def __init__(self, ctx: Unblocking) -> None:
        self.ctx = ctx

    def nominate(self, app_id: str, actor: str, helper_ids: list[str], lang: Lang = "zh") -> None:
        """Name helpers (S-D2). Each eligible one gets a single-use confirmation that expires; each refused contact
        is recorded with every reason, shown to the requester here and to the helper by message.

        A nomination is not an oracle (issue 12, item 6): someone who is not one of the requester's contacts (or no
        account at all) is refused as `helper.not_eligible` and nothing more — no violation date, restriction,
        account age or real-name status — and is never contacted. Only the policy's non-friend mode (no
        `no_relationship` check) lets a stranger who passes every check be asked. Naming a helper who is already
        asked, twice in one request or by two requests at the same instant, changes nothing."""
        ctx = self.ctx
        pol = ctx.policy.helpers
        if "friend_assist" not in ctx.policy.verification.methods:
            raise Conflict("the policy does not allow friend-assisted verification")
        outbox = Outbox([])
        with ctx.uow.writing() as tx:
            conn, audit, now = tx.conn, tx.audit, tx.now
            row = ctx.applications.lock(conn, app_id, now)
            ctx.applications.expect(row, "awaiting_verification")
            bad = [
                FieldError(field=f"helper_ids[{i}]", message="the requester cannot help themself")
                for i, hid in enumerate(helper_ids)
                if hid == row.account_id
            ]
            if bad:
                raise InvalidInput(f"{len(bad)} helper(s) cannot be named; nothing was changed", bad)
            existing = store.pending_helpers(conn, app_id)
            for hid in dict.fromkeys(helper_ids):
                prior = existing.get(hid)
                if prior is not None and prior.expires_at > now:
                    continue  # still pending: the first request stands
                facts = helper_facts(conn, ctx, hid, row.account_id, now)
                contact = facts is not None and facts.contact_since is not None
                refusals = ub.helper_refusals(pol, facts, now) if facts is not None else []
                values: dict[str, Any] = {
                    "id": derive_id("hlp", app_id, hid, now.isoformat()),
                    "application_id": app_id,
                    "requester_id": row.account_id,
                    "helper_id": hid,
                    "created_at": now,
                    "related": facts is not None and ub.related(pol.relationship, facts, now),
                }
                stranger = not contact and (facts is None or refusals or "no_relationship" in pol.checks)
                if stranger:  # not one of the requester's contacts: "not eligible", nothing more, nobody told
                    refusals = [("helper.not_eligible", {})]
                if refusals:
                    if not store.insert_helper(
                        conn,
                        **values,
                        state="refused",
                        refusal_code=refusals[0][0],
                        refusal_params=store.dumps([{"code": c, "params": p} for c, p in refusals]),
                    ):
                        continue  # the same helper named at the same instant: the first stands
                    audit.append(
                        now,
                        actor,
                        "unblock.helper_refused",
                        f"account:{hid}",
                        {"application": app_id, "requester": row.account_id, "reasons": [c for c, _ in refusals]},
                    )
                    if not stranger and facts is not None:
                        outbox.items.append(
                            (
                                facts.account.phone,
                                texts.helper_refused_message(row.account_id, refusals, lang, ctx.timezone),
                            )
                        )
                    continue
                assert facts is not None
                token = "hc_" + secrets.token_urlsafe(18)
                expires = now + pol.token_validity
                if not store.insert_helper(
                    conn, **values, state="pending", token_hash=digest(token), expires_at=expires
                ):
                    continue
                audit.append(
                    now,
                    actor,
                    "unblock.helper_asked",
                    f"account:{hid}",
                    {"application": app_id, "requester": row.account_id, "expires_at": expires.isoformat()},
                )
                minutes = max(1, int(pol.token_validity.total_seconds() // 60))
                outbox.items.append(
                    (facts.account.phone, texts.helper_asked_message(row.account_id, token, minutes, lang))
                )
        try:
            outbox.flush(ctx.sender)
        except SendFailed as exc:
            raise DeliveryFailed(f"a helper request could not be delivered ({exc}); name the helper again") from exc

    def helper_of(self, token: str) -> str:
        """The helper a confirmation token belongs to (for the caller's access check)."""
        with self.ctx.uow.reading() as tx:
            hrow = store.helper_by_token_hash(tx.conn, digest(token))
        if hrow is None:
            raise NotFound("no such helper confirmation")
        return str(hrow.helper_id)

    def helper_of_request(self, request_id: str) -> str | None:
        """The helper a request names (for the caller's access check); None when there is no such request."""
        with self.ctx.uow.reading() as tx:
            hrow = store.find_helper(tx.conn, request_id)
        return None if hrow is None else str(hrow.helper_id)

    def decline(self, request_id: str, actor: str) -> Any:
        """The named helper says no (issue 14): the request is `declined`, its confirmation code can no longer be
        used, and the requester reads why (`helper.declined`) in their application. Audited
        (`unblock.helper_declined`). Returns the request's stored row. 409 unless it is pending and unexpired."""
        ctx = self.ctx
        with ctx.uow.writing() as tx:
            conn, now = tx.conn, tx.now
            hrow = store.find_helper(conn, request_id)
            if hrow is None:
                raise NotFound(f"no helper request {request_id!r}")
            row = ctx.applications.lock(conn, hrow.application_id, now)
            hrow = store.get_helper(conn, hrow.id)  # re-read under the lock
            if hrow.state != "pending" or (hrow.expires_at is not None and now >= hrow.expires_at):
                state = "expired" if hrow.state == "pending" else hrow.state
                raise Conflict(f"this help request can no longer be declined ({state})")
            refusals = [{"code": "helper.declined", "params": {}}]
            store.update_helper(
                conn,
                hrow.id,
                state="declined",
                refusal_code="helper.declined",
                refusal_params=store.dumps(refusals),
                token_hash=None,
            )
            tx.audit.append(
                now,
                actor,
                "unblock.helper_declined",
                f"account:{hrow.helper_id}",
                {"application": row.id, "requester": row.account_id, "request": hrow.id},
            )
            return store.get_helper(conn, hrow.id)

    def confirm(self, token: str, actor: str, device_id: str | None = None, ip: str | None = None) -> dict[str, Any]:
        """A helper confirms (single use, before expiry). Re-checks the helper; enough confirmations verify.

        Returns `{helper_state: confirmed|refused, application_id, refusals: [{code, params}]}`.
        """
        ctx = self.ctx
        with ctx.uow.writing() as tx:
            conn, audit, now = tx.conn, tx.audit, tx.now
            hrow = store.helper_by_token_hash(conn, digest(token))
            if hrow is None:
                raise NotFound("no such helper confirmation")
            row = ctx.applications.lock(conn, hrow.application_id, now)
            hrow = store.get_helper(conn, hrow.id)  # re-read under the lock
            if hrow.state != "pending":
                raise Conflict(f"this confirmation was already used ({hrow.state})")

            def refuse(code: str, refusals: list[dict[str, Any]]) -> dict[str, Any]:
                store.update_helper(
                    conn,
                    hrow.id,
                    state="refused",
                    refusal_code=code,
                    refusal_params=store.dumps(refusals),
                    token_hash=None,
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
            ctx.applications.expect(row, "awaiting_verification")
            facts = helper_facts(conn, ctx, hrow.helper_id, row.account_id, now)
            assert facts is not None
            refusals = ub.helper_refusals(ctx.policy.helpers, facts, now)
            if refusals:
                return refuse(refusals[0][0], [{"code": c, "params": p} for c, p in refusals])
            store.update_helper(
                conn,
                hrow.id,
                state="confirmed",
                confirmed_at=now,
                token_hash=None,
                device_id=device_id,
                ip=ip,
                related=ub.related(ctx.policy.helpers.relationship, facts, now),
            )
            audit.append(
                now,
                actor,
                "unblock.helper_confirmed",
                f"account:{hrow.helper_id}",
                {"application": row.id, "requester": row.account_id, "device_id": device_id, "ip": ip},
            )
            if store.confirmed_count(conn, row.id) >= ctx.policy.helpers.required:
                ctx.applications.passed(tx, row, "friend_assist", actor)
            return {"helper_state": "confirmed", "application_id": row.id, "refusals": []}
