"""Opening an appeal (a member on their own penalty, an admin on their enterprise's) and withdrawing it."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from warden.adapters import store as core
from warden.adapters.uow import Connection
from warden.appeals import access, store
from warden.appeals import model as ap
from warden.appeals.context import Desk
from warden.appeals.notifications import after_commit, notify
from warden.appeals.reading import visible
from warden.kernel.access import Principal
from warden.kernel.errors import Conflict, IdempotencyKeyReused, InvalidInput
from warden.kernel.events import FieldError
from warden.kernel.model import StrikeStatus


def open_appeal(
    d: Desk, p: Principal, strike_id: str, statement: str, idempotency_key: str | None = None
) -> tuple[ap.Appeal, bool]:
    """A member contests a penalty on their account, or an enterprise admin one on their enterprise.

    Returns (appeal, created); a repeated Idempotency-Key answers the first appeal again.
    """
    statement = statement.strip()
    cap = d.policy.statement_max_chars
    if not statement:
        raise InvalidInput("say why you appeal", [FieldError(field="statement", message="must not be empty")])
    if len(statement) > cap:
        raise InvalidInput(
            f"the statement has {len(statement)} characters; at most {cap}",
            [FieldError(field="statement", message=f"at most {cap} characters")],
        )
    idem = f"{p.token_id}:{idempotency_key}" if idempotency_key else None
    try:
        with d.uow.writing(lock=True) as tx:  # the writers' lock: the checks below cannot race
            if idem:
                first_id = store.id_by_idempotency_key(tx.conn, idem)
                if first_id is not None:
                    found = store.load(tx.conn, first_id)
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
            appeal = _new_appeal(d, tx.conn, p, strike_id, statement, idem, tx.now)
            tx.audit.append(
                tx.now,
                p.actor,
                "appeal.opened",
                f"{appeal.subject_type}:{appeal.subject_id}",
                {"appeal": appeal.id, "strike": strike_id, "kind": appeal.kind.value},
            )
            notify(tx, appeal, "appeal.opened")
    except store.IntegrityError as exc:  # a concurrent appeal on the same strike won
        raise Conflict(f"strike {strike_id} already has an open appeal") from exc
    after_commit(d)
    return appeal, True


def _new_appeal(
    d: Desk, conn: Connection, p: Principal, strike_id: str, statement: str, idem: str | None, now: datetime
) -> ap.Appeal:
    strike = store.strike(conn, strike_id)
    if strike is None:
        raise access.no_strike(p)
    account = core.get_account(conn, strike.subject_id) if strike.subject_type == "account" else None
    kind, enterprise_id, account_id = access.appellant_of(p, strike, account)
    window: timedelta | None = d.policy.member_window if kind is ap.AppealKind.MEMBER else d.policy.enterprise_window
    if strike.status is not StrikeStatus.ACTIVE:
        raise Conflict(f"strike {strike_id} is {strike.status.value}; there is nothing left to appeal")
    if window is not None and now > strike.at + window:
        raise Conflict(
            f"the appeal window closed at {(strike.at + window).isoformat()} ({window.days} days after the penalty)",
            [FieldError(field="strike_id", message="outside the appeal window")],
        )
    if store.has_open_appeal(conn, strike_id):
        raise Conflict(f"strike {strike_id} already has an open appeal; add documents to it instead")
    earlier = store.appeals_on(conn, strike_id)
    if earlier >= d.policy.max_per_penalty:
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
        due_at=ap.working_days_after(now, d.policy.sla_working_days, d.timezone),
    )
    store.insert_appeal(conn, appeal, idem)
    return appeal


def withdraw(d: Desk, p: Principal, appeal_id: str) -> ap.Appeal:
    """The appellant side withdraws an open appeal (the strike may be appealed again, within the limits)."""
    with d.uow.writing(lock=True) as tx:
        now = tx.now
        a = visible(tx.conn, p, appeal_id)
        access.require_appellant(p, a, "withdraws an appeal")
        if a.status is not ap.AppealStatus.OPEN:
            raise Conflict(f"the appeal is {a.status.value}; it can no longer be withdrawn")
        a.status = ap.AppealStatus.WITHDRAWN
        a.version = store.bump(tx.conn, a, status=a.status.value, open_key=None, decided_at=now)
        store.drop_claim(tx.conn, f"appeal:{a.id}")
        tx.audit.append(now, p.actor, "appeal.withdrawn", f"appeal:{a.id}", {})
        notify(tx, a, "appeal.withdrawn")
    after_commit(d)
    return a
