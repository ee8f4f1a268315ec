"""S-A3 sensitive words: greetings (refused) and messages (warned), repeats within a window restrict."""

from __future__ import annotations

from typing import Any

from warden.kernel import events as ev
from warden.kernel.counters import event_ids
from warden.kernel.decision import Reason, StrikeRequest, Subject
from warden.pipeline.context import RuleContext, already_restricted_by, spent_after
from warden.screening.base import Hit, Screener, severity_rank


def screen(ctx: RuleContext, text: str, scope: str) -> tuple[list[Hit], list[Hit]]:
    """Screen a text with the lists of `scope` (the enterprise) when the screener keeps lists per scope;
    returns (blocking hits, lesser hits) under the policy's severity bar."""
    rule = ctx.policy.rules.sensitive_words
    bar = severity_rank(rule.block_min_severity)
    screener: Screener = ctx.screener
    scoped = getattr(screener, "screen_in", None)
    hits = (scoped(scope, text) if scoped else screener.screen(text)) if text else []
    if rule.ignore_categories:
        hits = [h for h in hits if h.category not in rule.ignore_categories]
    warn = rule.warn_categories
    strong = [h for h in hits if severity_rank(h.severity) >= bar and h.category not in warn]
    weak = [h for h in hits if severity_rank(h.severity) < bar or h.category in warn]
    return strong, weak


def words_hit(e: Any, text: str, subject: Subject, ctx: RuleContext, where: str) -> bool:
    """Whether `text` holds a blocking hit; reasons go on the decision (`greeting.*` deny, `message.*` warn), and
    the `repeat_count`-th blocking hit within `repeat_window` restricts."""
    rule = ctx.policy.rules.sensitive_words
    if not rule.enabled:
        return False
    out = ctx.decision
    strong, weak = screen(ctx, text, subject.enterprise.id)
    if weak:
        out.reasons.append(
            Reason(
                f"{where}.sensitive_weak", "sensitive_words", rule.spec, "warn", {"hits": [h.as_dict() for h in weak]}
            )
        )
    if not strong:
        return False
    at = e.occurred_at
    key = f"sw:{subject.account.id}"
    ctx.count(key, e)
    entries, _ = ctx.window(key, e, rule.repeat_window.total_seconds(), spent_after(subject, "sensitive_words", at))
    n = len(entries)
    params = {
        "hits": [h.as_dict() for h in strong],
        "count": n,
        "repeat_count": rule.repeat_count,
        "window_seconds": int(rule.repeat_window.total_seconds()),
    }
    out.reasons.append(
        Reason(f"{where}.sensitive", "sensitive_words", rule.spec, "deny" if where == "greeting" else "warn", params)
    )
    if n >= rule.repeat_count and not already_restricted_by(subject, "sensitive_words", at):
        # the text around the hits (hit offsets minus `text_offset` index it), so a person sees what matched
        lo = max(0, min(h.start for h in strong) - 80)
        hi = max(h.end for h in strong) + 80
        ctx.strike(
            subject,
            StrikeRequest(
                rule="sensitive_words",
                severity=rule.severity,
                at=at,
                evidence=params | {"event_ids": event_ids(entries), "text": text[lo:hi], "text_offset": lo},
                event_id=e.id,
            ),
        )
    return True


def greeting_words(e: ev.ContactRequest, subject: Subject, ctx: RuleContext) -> None:
    """S-A3 on a contact request's greeting: a blocking hit refuses the request."""
    if words_hit(e, e.greeting, subject, ctx, "greeting"):
        ctx.decision.allowed = False


def message_words(e: ev.Message, subject: Subject, ctx: RuleContext) -> None:
    """S-A3 on a message (when `screen_messages`): hits warn; repeats restrict."""
    if ctx.policy.rules.sensitive_words.screen_messages:
        words_hit(e, e.text, subject, ctx, "message")
