"""Deciding: uphold, reduce or overturn (four eyes on a permanent ban or an enterprise penalty), exemptions,
closing flags, and restricting a whole enterprise (S-C2)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from warden.adapters import store as core
from warden.adapters.uow import Tx
from warden.appeals import access, store
from warden.appeals import model as ap
from warden.appeals.context import Desk
from warden.appeals.desk import case_live, must_hold
from warden.appeals.notifications import after_commit, notify
from warden.appeals.reading import penalty, render, visible
from warden.appeals.texts import decision_text
from warden.enforcement.store import BAN_ENDING
from warden.kernel.access import Principal, same_person
from warden.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.kernel.ladder import rederive
from warden.kernel.model import Restriction, Strike, StrikeStatus


def decide(
    d: Desk,
    p: Principal,
    appeal_id: str,
    outcome: ap.AppealOutcome,
    reason_code: str,
    note: str | None = None,
    to_step: int | None = None,
    exempt_days: int | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Uphold, reduce or overturn. On a permanent ban or an enterprise penalty this is a proposal that
    takes effect only when a different reviewer confirms (four eyes). Returns the appeal as rendered (zh)."""
    access.require_reviewer(p)
    ladder = d.ladder
    with d.uow.writing(lock=True) as tx:
        now = tx.now
        a = visible(tx.conn, p, appeal_id)
        must_hold(tx.conn, p, f"appeal:{a.id}")
        _fresh(a, expected_version)
        if a.status is not ap.AppealStatus.OPEN:
            raise Conflict(f"the appeal is {a.status.value}")
        strike, restr = penalty(tx.conn, a.strike_id)
        _check(d, a, strike, outcome, reason_code, to_step, exempt_days)
        a.outcome, a.reason_code, a.note = outcome, reason_code, note
        a.to_step, a.exempt_days = to_step, exempt_days
        permanent = restr.permanent if restr else strike.step >= ladder.top
        if ap.needs_four_eyes(a.subject_type, strike.step, permanent, ladder.top) or (
            # an overturn that would end another ban (a later strike re-stepped below the top, a cascade) too
            outcome is ap.AppealOutcome.OVERTURN
            and d.manual_actions.bans_at_stake(tx.conn, tx.audit, strike.id, StrikeStatus.OVERTURNED, now)
        ):
            a.status = ap.AppealStatus.AWAITING_CONFIRMATION
            a.proposed_by, a.proposed_at = p.actor, now
            a.version = store.bump(tx.conn, a, **store.decision_values(a))
            store.drop_claim(tx.conn, f"appeal:{a.id}")
            tx.audit.append(
                now,
                p.actor,
                "appeal.proposed",
                f"appeal:{a.id}",
                {"outcome": outcome.value, "reason": reason_code, "to_step": to_step, "exempt_days": exempt_days},
            )
            notify(tx, a, "appeal.second_review")
        else:
            a.decided_by = p.actor
            _apply(d, tx, a, strike, restr)
        result = render(d, tx, p, a, "zh")
    after_commit(d)
    return result


def _check(
    d: Desk,
    a: ap.Appeal,
    strike: Strike,
    outcome: ap.AppealOutcome,
    reason_code: str,
    to_step: int | None,
    exempt_days: int | None,
) -> None:
    lowest = d.ladder.enterprise_min_step if a.subject_type == "enterprise" else 0
    problems = ap.check_decision(outcome, reason_code, to_step, strike.step, lowest)
    if exempt_days is not None:
        longest = int(d.policy.exemption_max.total_seconds() // 86400)
        if outcome is not ap.AppealOutcome.OVERTURN or a.subject_type != "account":
            problems.append(("exempt_days", "an exemption follows only an overturn of a member's penalty"))
        elif not 1 <= exempt_days <= longest:
            problems.append(("exempt_days", f"between 1 and {longest} days"))
    if problems:
        raise InvalidInput(
            "; ".join(f"{f}: {m}" for f, m in problems), [FieldError(field=f, message=m) for f, m in problems]
        )
    if strike.status is not StrikeStatus.ACTIVE:
        raise Conflict(f"strike {strike.id} is already {strike.status.value}")
    if a.kind is ap.AppealKind.ENTERPRISE and outcome is not ap.AppealOutcome.UPHOLD:
        missing = ap.missing_required(a)
        if missing:
            raise Conflict(
                "an enterprise penalty is eased only on a complete, accepted dossier; not yet accepted: "
                + ", ".join(missing),
                [FieldError(field=f"documents.{k}", message="not accepted") for k in missing],
            )


def _fresh(a: ap.Appeal, expected_version: int | None) -> None:
    """`If-Match`: refuse a decision taken on a stale view (a document changed since the reviewer looked)."""
    if expected_version is not None and expected_version != a.version:
        raise Conflict(
            f"the appeal changed (version {a.version}, you saw {expected_version}); reload it and decide again"
        )


def confirm(
    d: Desk, p: Principal, appeal_id: str, agree: bool, note: str | None = None, expected_version: int | None = None
) -> dict[str, Any]:
    """The second reviewer confirms (the decision takes effect) or sends the case back to the queue."""
    access.require_reviewer(p)
    with d.uow.writing(lock=True) as tx:
        a = visible(tx.conn, p, appeal_id)
        if a.status is not ap.AppealStatus.AWAITING_CONFIRMATION:
            raise Conflict(f"the appeal is {a.status.value}; there is no proposal to confirm")
        if same_person(a.proposed_by, p.actor):  # people, not tokens: another token of theirs is the same eyes
            raise Forbidden(
                "four eyes: the reviewer who proposed a decision cannot confirm it, with any of their tokens"
            )
        must_hold(tx.conn, p, f"appeal:{a.id}")
        _fresh(a, expected_version)
        if agree:
            strike, restr = penalty(tx.conn, a.strike_id)
            assert a.outcome is not None
            _check(d, a, strike, a.outcome, a.reason_code or "", a.to_step, a.exempt_days)
            a.decided_by, a.confirmed_by = a.proposed_by, p.actor
            _apply(d, tx, a, strike, restr)
        else:
            proposal = {"outcome": a.outcome.value if a.outcome else None, "proposed_by": a.proposed_by}
            a.status = ap.AppealStatus.OPEN
            a.outcome = a.reason_code = a.note = a.to_step = a.exempt_days = None
            a.proposed_by = a.proposed_at = None
            a.version = store.bump(tx.conn, a, **store.decision_values(a))
            store.drop_claim(tx.conn, f"appeal:{a.id}")
            tx.audit.append(tx.now, p.actor, "appeal.proposal_declined", f"appeal:{a.id}", proposal | {"note": note})
            notify(tx, a, "appeal.back_in_review")
        result = render(d, tx, p, a, "zh")
    after_commit(d)
    return result


def _apply(d: Desk, tx: Tx, a: ap.Appeal, strike: Strike, restr: Restriction | None) -> None:
    """Carry out a decision inside the caller's transaction."""
    assert a.outcome is not None
    now = tx.now
    actor = a.confirmed_by or a.decided_by or "reviewer"
    reason = f"appeal {a.id}: {decision_text(a.outcome, a.reason_code or '', 'en')}"
    if a.outcome is ap.AppealOutcome.OVERTURN:
        # voids the strike, lifts its restriction (members' derived state follows), recomputes the ladder
        d.manual_actions.set_strike_status_in(tx.conn, tx.audit, strike.id, StrikeStatus.OVERTURNED, actor, reason, now)
        if a.exempt_days:
            until = now + timedelta(days=a.exempt_days)
            _exempt(tx, actor, strike.subject_id, strike.rule_id, until, reason)
    elif a.outcome is ap.AppealOutcome.REDUCE:
        _reduce(d, tx, a, strike, restr, actor)
    a.status = ap.OUTCOME_STATUS[a.outcome]
    a.decided_at = now
    a.version = store.bump(tx.conn, a, open_key=None, **store.decision_values(a))
    store.drop_claim(tx.conn, f"appeal:{a.id}")
    tx.audit.append(
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
    notify(
        tx,
        a,
        "appeal.decided",
        {
            "outcome": a.outcome.value,
            "reason": {
                "code": a.reason_code,
                "zh": decision_text(a.outcome, a.reason_code or "", "zh"),
                "en": decision_text(a.outcome, a.reason_code or "", "en"),
                "note": a.note,
            },
        },
    )


def _reduce(d: Desk, tx: Tx, a: ap.Appeal, strike: Strike, restr: Restriction | None, actor: str) -> None:
    """Reduce = the strike stays on the record at the lower step `to_step`, and its restriction is
    re-derived from that step as if it had been issued so (same start, that step's scope and length).
    If the shorter restriction's end has already passed, the subject is free at once."""
    assert a.to_step is not None
    now = tx.now
    old = strike.step
    strike.step = a.to_step
    strike.status_reason = f"reduced on appeal {a.id} from step {old} to {a.to_step}"
    strike.status_at = now
    core.update_strike(tx.conn, strike)
    if restr is not None:
        core.update_restriction(tx.conn, rederive(d.ladder, strike, restr))
    tx.audit.append(
        now,
        actor,
        "strike.reduced",
        f"{strike.subject_type}:{strike.subject_id}",
        {"strike": strike.id, "from": old, "to": a.to_step, "appeal": a.id},
    )


# --- exemptions, flags, enterprise restrictions ---------------------------------------------------------------


def exempt(d: Desk, p: Principal, account_id: str, rule_id: str, days: int, reason: str) -> dict[str, Any]:
    """Exempt an account from one rule for a while (after an overturn, so the rule does not re-ban it).
    Shape: {"account_id", "rule_id", "until" (ISO), "reason"}."""
    access.require_reviewer(p)
    rules = d.rule_ids
    longest = int(d.policy.exemption_max.total_seconds() // 86400)
    problems = []
    if rule_id not in rules:
        problems.append(FieldError(field="rule_id", message=f"one of: {', '.join(rules)}"))
    if not 1 <= days <= longest:
        problems.append(FieldError(field="days", message=f"between 1 and {longest}"))
    if problems:
        raise InvalidInput("the exemption is not valid", problems)
    with d.uow.writing(lock=True) as tx:
        until = tx.now + timedelta(days=days)
        if core.get_account(tx.conn, account_id) is None:
            raise NotFound(f"no account {account_id!r}")
        _exempt(tx, p.actor, account_id, rule_id, until, reason)
    return {"account_id": account_id, "rule_id": rule_id, "until": until.isoformat(), "reason": reason}


def _exempt(tx: Tx, actor: str, account_id: str, rule_id: str, until: datetime, reason: str) -> None:
    store.put_exemption(tx.conn, account_id, rule_id, until, reason, actor, tx.now)
    tx.audit.append(
        tx.now,
        actor,
        "exemption.granted",
        f"account:{account_id}",
        {"rule": rule_id, "until": until.isoformat(), "reason": reason},
    )


def resolve_flag(d: Desk, p: Principal, flag_id: str, outcome: str, note: str) -> dict[str, Any]:
    """Close a flagged case: dismissed (nothing wrong) or actioned (the reviewer acted on it)."""
    access.require_reviewer(p)
    if outcome not in ("dismissed", "actioned"):
        raise InvalidInput("outcome", [FieldError(field="outcome", message="dismissed or actioned")])
    with d.uow.writing(lock=True) as tx:
        case_live(tx.conn, p, f"flag:{flag_id}")
        must_hold(tx.conn, p, f"flag:{flag_id}")
        if store.flag_rule(tx.conn, flag_id) == BAN_ENDING:  # a proposal to end a ban: four eyes (issue 12)
            raise Conflict(
                f"flag {flag_id} is a proposal to end a ban; a different person confirms or declines it at "
                f"/v1/ban-ending-proposals/{flag_id}/confirmation"
            )
        if store.flag_rule(tx.conn, flag_id) == "manual_strike":  # a proposed permanent strike: four eyes
            raise Conflict(
                f"flag {flag_id} is a proposed strike; a different reviewer confirms or declines it at "
                f"/v1/strike-proposals/{flag_id}/confirmation"
            )
        store.set_flag_status(tx.conn, flag_id, outcome)
        store.drop_claim(tx.conn, f"flag:{flag_id}")
        tx.audit.append(tx.now, p.actor, f"flag.{outcome}", f"flag:{flag_id}", {"note": note})
    return {"flag_id": flag_id, "status": outcome}


def restrict_enterprise(d: Desk, p: Principal, enterprise_id: str, severity: str, reason: str) -> Restriction:
    """A reviewer restricts (or with severity S bans) a whole enterprise (S-C2); members follow at once."""
    access.require_reviewer(p)
    known = list(d.ladder.severities)
    if severity not in known:
        raise InvalidInput(
            f"unknown severity {severity!r}", [FieldError(field="severity", message=f"one of: {', '.join(known)}")]
        )
    return d.manual_actions.restrict_enterprise(enterprise_id, p.actor, severity, reason)
