"""Ending a ban takes two people (issue 12, "A side door around four eyes").

A reviewer's lift of a restriction, or void or overturn of a strike, is carried out at once — unless it would end
or ease a permanent ban or an enterprise ban (`access.needs_second_person`, `access.weakened`): then it is only
*proposed*, and takes effect when a different person confirms it (or is dropped when one declines). Which bans a
strike's void would end is found by trying it (`ManualActions.bans_at_stake`): its own restriction, later
strikes re-stepped below the top, cascades whose basis goes.

**Where proposals live.** A flag of rule `ban_ending` on the subject (`store.BAN_ENDING`): open while it waits (it
shows in the review queue), `actioned` when carried out, `dismissed` when declined. Its evidence holds the request::

    {"action": "lift" | "voided" | "overturned", "target": "restriction:<id>" | "strike:<id>", "bans": [ids],
     "reason": "...", "requested_by": "reviewer:zhang", "requested_at": ISO,
     "confirmed_by" | "declined_by": ..., "confirmed_at" | "declined_at": ISO, "note": ...}

The same two-person rule holds on the appeals desk (`appeals.decisions`) and for reviewers' permanent strikes
(`appeals.manual_strikes`); people, not tokens, are compared (`kernel.access.same_person`).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warden.adapters import store as core
from warden.adapters.uow import Tx
from warden.enforcement import access, store
from warden.enforcement.views import BanEndingOut, LiftedRestriction, StrikeStatusOut
from warden.kernel.access import Principal, same_person
from warden.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from warden.kernel.model import StrikeStatus

if TYPE_CHECKING:
    from warden.enforcement.manual_actions import ManualActions

CONFIRM_AT = "/v1/ban-ending-proposals/{id}/confirmation"


def lift(svc: ManualActions, p: Principal, restriction_id: str, reason: str) -> LiftedRestriction | BanEndingOut:
    """A reviewer lifts a restriction now; on a permanent or an enterprise ban this is a proposal instead.
    NotFound, or Conflict when the restriction is not active (or a proposal to end the same ban, by lifting it or
    by voiding or overturning its strike, is open already: one open proposal per ban)."""
    access.check_moderate(p)
    # the subject's partition lock first (its chain; issue 17): two proposals for one ban never both open
    with svc.uow.writing(lock=True, home=lambda c: store.home_of_restriction(c, restriction_id)) as tx:
        r = store.restriction(tx.conn, restriction_id)
        if r is None:
            raise NotFound(f"no restriction {restriction_id!r}")
        if not r.active_at(tx.now):
            raise Conflict(f"restriction {restriction_id} is not active")
        if access.needs_second_person(r, svc.rules.policy.ladder.top):
            return _propose(tx, p, "lift", f"restriction:{r.id}", r.subject_type, r.subject_id, [r.id], reason)
        done = svc.lift_restriction_in(tx.conn, tx.audit, restriction_id, p.actor, reason, tx.now)
    return LiftedRestriction(id=done.id, lifted_at=done.lifted_at, lift_reason=done.lift_reason)


def end_strike(
    svc: ManualActions, p: Principal, strike_id: str, status: StrikeStatus, reason: str
) -> StrikeStatusOut | BanEndingOut:
    """A reviewer voids or overturns a strike now; when that would end or ease a permanent or an enterprise ban
    (its own restriction, a later strike re-stepped, a cascade), it is a proposal instead."""
    access.check_moderate(p)
    if status is StrikeStatus.ACTIVE:
        raise InvalidInput("a strike can only be voided or overturned")
    with svc.uow.writing(lock=True, home=lambda c: store.home_of_strike(c, strike_id)) as tx:
        bans = svc.bans_at_stake(tx.conn, tx.audit, strike_id, status, tx.now)
        if bans:
            found = store.strike(tx.conn, strike_id)
            assert found is not None
            subject_type, subject_id = found.subject_type, found.subject_id
            return _propose(tx, p, status.value, f"strike:{strike_id}", subject_type, subject_id, bans, reason)
        s = svc.set_strike_status_in(tx.conn, tx.audit, strike_id, status, p.actor, reason, tx.now)
    return StrikeStatusOut(id=s.id, status=s.status.value, status_at=s.status_at, status_reason=s.status_reason)


def get(svc: ManualActions, p: Principal, proposal_id: str) -> BanEndingOut:
    access.check_read_proposals(p)
    with svc.uow.reading() as tx:
        row = store.ban_ending(tx.conn, proposal_id)
        if row is None:
            raise NotFound(f"no ban-ending proposal {proposal_id!r}")
        return core.label_model(tx.conn, _out(row))


def decide(svc: ManualActions, p: Principal, proposal_id: str, agree: bool, note: str | None = None) -> BanEndingOut:
    """A different person confirms the proposal (it is carried out now, as of the state now) or declines it.
    Forbidden for the proposer, with any token of theirs; Conflict when it was decided already or can no longer
    be carried out (the restriction ended, the strike was voided meanwhile: decline it)."""
    access.check_moderate(p)
    with svc.uow.writing(lock=True, home=lambda c: store.home_of_ban_ending(c, proposal_id)) as tx:
        row = store.ban_ending(tx.conn, proposal_id)
        if row is None:
            raise NotFound(f"no ban-ending proposal {proposal_id!r}")
        case = dict(row.case)
        if row.status != "open":
            what = "carried out" if row.status == "actioned" else "declined"
            raise Conflict(f"the proposal {proposal_id} was already {what}; there is nothing to confirm")
        if same_person(case["requested_by"], p.actor):
            raise Forbidden(
                "four eyes: the person who proposed ending a ban cannot confirm or decline it, with any of their "
                "tokens; a different person must"
            )
        now = tx.now
        if agree:
            kind, _, target = case["target"].partition(":")
            reason = case["reason"]  # as proposed; who proposed and who confirmed: the proposal and the audit entry
            if kind == "restriction":
                r = store.restriction(tx.conn, target)
                if r is None or not r.active_at(now):
                    raise Conflict(f"restriction {target} is no longer active; decline the proposal")
                svc.lift_restriction_in(tx.conn, tx.audit, target, p.actor, reason, now)
            else:
                svc.set_strike_status_in(tx.conn, tx.audit, target, StrikeStatus(case["action"]), p.actor, reason, now)
            case |= {"confirmed_by": p.actor, "confirmed_at": now.isoformat(), "note": note}
            status, action = "actioned", "ban_ending.confirmed"
        else:
            case |= {"declined_by": p.actor, "declined_at": now.isoformat(), "note": note}
            status, action = "dismissed", "ban_ending.declined"
        store.close_ban_ending(tx.conn, proposal_id, status, case)
        tx.audit.append(
            now,
            p.actor,
            action,
            f"{row.subject_type}:{row.subject_id}",
            {"proposal": proposal_id, "target": case["target"], "proposed_by": case["requested_by"], "note": note},
        )
        out = store.ban_ending(tx.conn, proposal_id)
    assert out is not None
    with svc.uow.reading() as tx:
        return core.label_model(tx.conn, _out(out))


def _propose(
    tx: Tx,
    p: Principal,
    action: str,
    target: str,
    subject_type: str,
    subject_id: str,
    bans: list[str],
    reason: str,
) -> BanEndingOut:
    for open_one in store.open_ban_endings(tx.conn, subject_type, subject_id):  # one open proposal per ban
        if open_one.case.get("target") == target or set(open_one.case.get("bans", [])) & set(bans):
            raise Conflict(
                f"a proposal to end this ban is open already ({open_one.id}: {open_one.case['action']} "
                f"{open_one.case['target']}, by {open_one.case['requested_by']}); a different person confirms or "
                f"declines it at {CONFIRM_AT.format(id=open_one.id)} before another can be proposed"
            )
    proposal_id = "bep_" + secrets.token_hex(8)
    case: dict[str, Any] = {
        "action": action,
        "target": target,
        "bans": bans,
        "reason": reason,
        "requested_by": p.actor,
        "requested_at": tx.now.isoformat(),
    }
    store.insert_ban_ending(tx.conn, proposal_id, subject_type, subject_id, tx.now, case)
    tx.audit.append(
        tx.now,
        p.actor,
        "ban_ending.proposed",
        f"{subject_type}:{subject_id}",
        {"proposal": proposal_id, "action": action, "target": target, "bans": bans, "reason": reason},
    )
    row = store.ban_ending(tx.conn, proposal_id)
    assert row is not None
    return core.label_model(tx.conn, _out(row))


def _out(row: store.ProposalRow) -> BanEndingOut:
    c = row.case
    status = {"open": "proposed", "actioned": "done", "dismissed": "declined"}.get(row.status, row.status)

    def at(key: str) -> datetime | None:
        return datetime.fromisoformat(c[key]) if c.get(key) else None

    requested_at = at("requested_at")
    assert requested_at is not None
    return BanEndingOut(
        id=row.id,
        status=status,
        action=c["action"],
        target=c["target"],
        subject=f"{row.subject_type}:{row.subject_id}",
        bans=list(c.get("bans", [])),
        reason=c["reason"],
        requested_by=c["requested_by"],
        requested_at=requested_at,
        confirmed_by=c.get("confirmed_by"),
        confirmed_at=at("confirmed_at"),
        declined_by=c.get("declined_by"),
        declined_at=at("declined_at"),
        note=c.get("note"),
    )
