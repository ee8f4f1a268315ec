"""S-A2: reports from distinct reporters within a window, and negative feedback (removals and reports among the
contacts the account itself added)."""

from __future__ import annotations

from typing import Any

from warden.kernel import events as ev
from warden.kernel.counters import distinct, event_ids
from warden.kernel.decision import Reason, StrikeRequest, Subject
from warden.pipeline.context import RuleContext, already_restricted_by, spent_after


def contact_removed(e: ev.ContactRemoved, subject: Subject, ctx: RuleContext) -> None:
    """A removal is negative feedback (S-A2)."""
    ctx.count(f"nf:{subject.account.id}", e, e.contact_id)
    negative_feedback(e, subject, ctx)


def report(e: ev.Report, subject: Subject, ctx: RuleContext) -> None:
    """S-A2: every threshold is checked, in order; the first crossed restricts with the highest severity class
    among the window's reports. Below every threshold, the report still counts as negative feedback."""
    rule = ctx.policy.rules.reports
    acc = subject.account
    at = e.occurred_at
    ctx.count(f"rp:{acc.id}", e, e.reporter_id)
    ctx.count(f"nf:{acc.id}", e, e.reporter_id)
    ctx.count(f"rpr:{acc.id}", e, e.reason)  # reports by reason: the strike's severity
    if not rule.enabled:
        return
    spent = spent_after(subject, "reports", at)
    for t in rule.thresholds:
        entries, _ = ctx.window(f"rp:{acc.id}", e, t.window.total_seconds(), spent)
        n = distinct(entries)
        if n >= t.distinct_reporters:
            severity, by_reason = report_severity(ctx, acc.id, e, t.window.total_seconds(), spent)
            params = {
                "distinct_reporters": n,
                "threshold": t.distinct_reporters,
                "window_seconds": int(t.window.total_seconds()),
                "event_ids": event_ids(entries),
                "reason": e.reason,
                "reasons": by_reason,
                "severity": severity,
            }
            ctx.decision.reasons.append(Reason("reports.threshold", "reports", rule.spec, "info", params))
            if not already_restricted_by(subject, "reports", at):
                ctx.strike(
                    subject, StrikeRequest(rule="reports", severity=severity, at=at, evidence=params, event_id=e.id)
                )
            return
    negative_feedback(e, subject, ctx)


def report_severity(
    ctx: RuleContext, account_id: str, e: Any, length: float, spent: float | None
) -> tuple[str, dict[str, int]]:
    """The highest severity class (by the ladder's `min_step`, then the ladder's order) among the reports of
    the window (`length` seconds) that crossed the threshold, through `rules.reports.reason_severity`; and the
    reports per reason (`{"harassment": 3}`). Issue 10, item 11."""
    rule = ctx.policy.rules.reports
    sev = ctx.policy.ladder.severities
    order = list(sev)
    entries, _ = ctx.window(f"rpr:{account_id}", e, length, spent)
    by_reason: dict[str, int] = {}
    for _, _, reason in entries:
        by_reason[reason] = by_reason.get(reason, 0) + 1
    found = [rule.severity_of(r) for r in by_reason] or [rule.severity]
    return max(found, key=lambda s: (sev[s].min_step, order.index(s))), by_reason


def negative_feedback(e: Any, subject: Subject, ctx: RuleContext) -> None:
    """S-A2 negative feedback, like with like: of the contacts this account itself added within the window,
    the share that removed or reported it within the same window."""
    rule = ctx.policy.rules.reports
    nf = rule.negative_feedback
    if not rule.enabled or nf is None:
        return
    acc = subject.account
    at = e.occurred_at
    length = nf.window.total_seconds()
    spent = spent_after(subject, "reports", at)
    added, _ = ctx.window(f"nc:{acc.id}", e, length, spent)
    contacts = {v for _, _, v in added}
    if len(contacts) < nf.min_new_contacts:
        return
    feedback, _ = ctx.window(f"nf:{acc.id}", e, length, spent)
    negative = [x for x in feedback if x[2] in contacts]
    who = {v for _, _, v in negative}
    ratio = len(who) / len(contacts)
    if len(who) < nf.min_negative or ratio <= nf.max_ratio:
        return
    params = {
        "negative": len(who),
        "new_contacts": len(contacts),
        "ratio": round(ratio, 3),
        "max_ratio": nf.max_ratio,
        "min_negative": nf.min_negative,
        "window_seconds": int(length),
        "event_ids": event_ids(negative),
    }
    ctx.decision.reasons.append(Reason("reports.negative_feedback", "reports", rule.spec, "info", params))
    if not already_restricted_by(subject, "reports", at):
        ctx.strike(
            subject, StrikeRequest(rule="reports", severity=rule.severity, at=at, evidence=params, event_id=e.id)
        )
