"""Contact rules: S-A7 (adds paused while restricted), S-A1 phone-search velocity, S-A4 the unverified-enterprise
cap (reading live external contacts through `RuleContext.external_contacts`), the S-A1 inbound-add burst flag."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from warden.enforcement.policy import UnverifiedEnterpriseCap, velocity_plan
from warden.kernel import events as ev
from warden.kernel.counters import Entry, event_ids
from warden.kernel.decision import FlagRequest, Reason, StrikeRequest, Subject
from warden.kernel.ladder import block_end
from warden.kernel.model import Action, Enterprise
from warden.kernel.policy import condition_holds
from warden.pipeline.context import RuleContext, already_restricted_by, spent_after


def paused_while_restricted(e: ev.ContactRequest, subject: Subject, ctx: RuleContext) -> None:
    """S-A7: proactive adding is paused while any restriction is active."""
    blocking = subject.blocked(Action.ADD_CONTACT, e.occurred_at)
    if blocking:
        ctx.decision.allowed = False
        ctx.decision.reasons.append(
            Reason(
                "paused.restricted",
                "restriction",
                "S-A7",
                "deny",
                {"restrictions": [r.id for r in blocking], "rules": sorted({r.rule_id for r in blocking})},
            )
        )


def phone_search_velocity(e: ev.ContactRequest, subject: Subject, ctx: RuleContext) -> None:
    """S-A1: every window is checked, always. Any hard limit passed refuses and restricts (the block of the
    window that ends last); soft limits passed warn."""
    if e.method != "phone_search":
        return
    policy = ctx.policy
    rule = policy.rules.phone_search_velocity
    if not rule.enabled:
        return
    out = ctx.decision
    at = e.occurred_at
    key = f"ps:{subject.account.id}"
    ctx.count(key, e)
    spent = spent_after(subject, "phone_search_velocity", at)
    plan = velocity_plan(rule)
    seen = [ctx.window(key, e, length, spent)[0] for length in plan.spans]
    if all(len(entries) <= quiet for entries, quiet in zip(seen, plan.quiet, strict=True)):
        return  # the usual case: under every limit at any factor, so nothing to say (and no weight to read)
    feats = ctx.features(subject, at, plan.enterprise_weight, account_weight=not plan.weight_last)
    factor = 1.0
    applied: list[str] = []
    for m in rule.modifiers:
        if condition_holds(m.when, feats):
            factor *= m.factor
            applied.append(m.reason)
    if plan.weight_last:  # this account's limits at the weight's lowest factor: under them, the weight cannot matter
        low = factor * plan.lowest_weight_factor
        if all(
            len(entries) <= max(1, math.floor(w.soft * (low if w.scale_with_weight else factor)))
            for w, entries in zip(rule.windows, seen, strict=True)
        ):
            return
        feats["account_weight"] = ctx.account_weight(subject, at)
    base, base_applied = factor, list(applied)
    wf = rule.weight_scaling.factor(feats["account_weight"])
    if wf != 1.0:
        factor *= wf
        applied.append(f"weight:{feats['account_weight']:.0f}")
    passed: list[tuple[datetime, dict[str, Any], list[Entry]]] = []
    for w, length, entries in zip(rule.windows, plan.spans, seen, strict=True):
        f, mods = (factor, applied) if w.scale_with_weight else (base, base_applied)
        n = len(entries)
        soft = max(1, math.floor(w.soft * f))
        if n <= soft:  # the usual case: under every limit of this window, nothing to say
            continue
        hard = max(soft, math.floor(w.hard * f))
        params = {
            "window": w.name,
            "window_seconds": int(length),
            "count": n,
            "soft": soft,
            "hard": hard,
            "factor": round(f, 3),
            "modifiers": mods,
        }
        if n > hard:
            out.allowed = False
            out.reasons.append(Reason("velocity.hard_limit", "phone_search_velocity", rule.spec, "deny", params))
            passed.append((block_end(w, at, policy.timezone), params, entries))
        elif n > soft:
            out.reasons.append(Reason("velocity.soft_limit", "phone_search_velocity", rule.spec, "warn", params))
    if passed and not already_restricted_by(subject, "phone_search_velocity", at):
        until, params, entries = max(passed, key=lambda p: p[0])
        ctx.strike(
            subject,
            StrikeRequest(
                rule="phone_search_velocity",
                severity=rule.severity,
                at=at,
                evidence=params | {"event_ids": event_ids(entries), "block_until": until.isoformat()},
                event_id=e.id,
                minimum_end=until,
            ),
        )


def unverified_enterprise_cap(e: ev.ContactRequest, subject: Subject, ctx: RuleContext) -> None:
    """S-A4: a member of an unverified enterprise at its cap is refused (see `standing_cap_refusal`). The count is
    the enterprise's live external contacts in event time, before this request (the contact ledger, issue 10)."""
    ent = subject.enterprise
    rule = ctx.policy.rules.unverified_enterprise_cap
    if ent.verified or not rule.enabled:
        return
    live = ctx.external_contacts(ent.id, e.occurred_at, e.id)
    reason = standing_cap_refusal(rule, ent, live)
    if reason is not None:
        ctx.decision.allowed = False
        ctx.decision.reasons.append(reason)


def standing_cap_refusal(rule: UnverifiedEnterpriseCap, ent: Enterprise, live: int | None = None) -> Reason | None:
    """The S-A4 refusal every contact request of this enterprise's members gets now, or None: an unverified
    enterprise at its cap of external contacts (`rule` is `rules.unverified_enterprise_cap`, 200 — DOC rules
    34–35). It restricts nobody, so the explanation shows it beside the restrictions (issue 10, item 12).

    `live` is the count at the decision (the contact ledger: live external contacts in event time); without
    it, the enterprise's stored count (as of its newest event)."""
    cap = rule.max_external_contacts
    n = ent.external_contacts if live is None else live
    if not rule.enabled or ent.verified or n < cap:
        return None
    return Reason(
        "cap.unverified_enterprise",
        "unverified_enterprise_cap",
        rule.spec,
        "deny",
        {"external_contacts": n, "cap": cap},
    )


def contact_added(e: ev.ContactAdded, subject: Subject, ctx: RuleContext) -> None:
    """The account's own adds are the denominator of negative feedback (S-A2); adds by others count toward the S-A1
    inbound burst, flagged once when the window first crosses it. (External adds count toward the S-A4 cap in the
    contact ledger, `warden.service.contacts`, not here.)"""
    acc = subject.account
    ctx.batch.effects.contacts.append((acc.id, e.contact_id, e.occurred_at))
    if e.initiated_by == "self":
        ctx.count(f"nc:{acc.id}", e, e.contact_id)
        return
    rule = ctx.policy.rules.inbound_add_burst
    if not rule.enabled:
        return
    key = f"ib:{acc.id}"
    ctx.count(key, e)
    entries, _ = ctx.window(key, e, rule.window.total_seconds())
    n = len(entries)
    if n == rule.threshold + 1:  # flag once, when the window first crosses the threshold
        params = {"count": n, "threshold": rule.threshold, "window_seconds": int(rule.window.total_seconds())}
        ctx.flag(
            subject,
            FlagRequest("inbound_add_burst", e.occurred_at, params | {"event_ids": event_ids(entries)}, e.id),
        )
        ctx.decision.reasons.append(Reason("inbound_burst.flagged", "inbound_add_burst", rule.spec, "info", params))
