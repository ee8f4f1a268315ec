"""S-A6 sensitive words: greetings (refused) and messages (warned), repeats within a window restrict.

What a hit means depends on the situation, and the policy says how (`sensitive_words.contexts`, issue 13): the
rule is about cold outreach, so a greeting to a stranger is judged as such, while a message inside an established
conversation (internal, or to an external contact who accepted) may hold what a greeting may not. `judge` is that
decision on its own (pure), so `warden screen` and `/v1/screenings` show exactly what ingest would do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from warden.enforcement.policy import Circumstances, SensitiveWords, TextContext, Verdict
from warden.kernel import events as ev
from warden.kernel.counters import event_ids
from warden.kernel.decision import Reason, StrikeRequest, Subject
from warden.pipeline.context import RuleContext, already_restricted_by, spent_after
from warden.screening.base import Hit, Screener, severity_rank


@dataclass(frozen=True)
class Judgement:
    """What S-A6 makes of a text's hits in its situation.

    `strong`: hits at or above the policy's bar, which `verdict` (deny, warn) applies to and which count toward
    the repeat restriction; `weak`: hits below it (or of a warn-only category), which only warn; `passed`: hits
    the situation leaves alone; `context`: the policy's context entry that applied (None: the rule's defaults)."""

    strong: tuple[Hit, ...]
    weak: tuple[Hit, ...]
    passed: tuple[Hit, ...]
    verdict: Verdict
    context: TextContext | None

    @property
    def blocked(self) -> bool:
        """Whether the text would be refused."""
        return self.verdict == "deny" and bool(self.strong)

    @property
    def outcome(self) -> str:
        """``blocked``, ``warned`` (some hit warns) or ``allowed``."""
        if self.blocked:
            return "blocked"
        return "warned" if self.weak or (self.strong and self.verdict == "warn") else "allowed"


def judge(
    rule: SensitiveWords,
    hits: Sequence[Hit],
    kind: str,
    circumstances: Callable[[], Circumstances],
) -> Judgement:
    """Sort `hits` of a `kind` text (greeting, message) by the policy: the rule's ignored categories go, the
    situation (`circumstances`, asked only when some hit is left and a context entry could apply) picks a
    context entry, whose verdict and passed categories apply; the rest splits at the severity bar."""
    hits = [h for h in hits if h.category not in rule.ignore_categories]
    verdict: Verdict = "deny" if kind == "greeting" else "warn"
    context = rule.context_for(circumstances()) if hits and rule.contexts else None
    passed: list[Hit] = []
    if context is not None:
        verdict = context.verdict or verdict
        if verdict == "pass":
            passed, hits = hits, []
        else:
            passed = [h for h in hits if h.category in context.pass_categories]
            hits = [h for h in hits if h.category not in context.pass_categories]
    ordinary = (context.ordinary_words if context is not None else None) or rule.ordinary_words
    plain = [h for h in hits if not h.intent]
    if plain and ordinary != "count":  # an ordinary word with no evidence of intent: left alone, or a warning only
        hits = [h for h in hits if h.intent]
        if ordinary == "pass":
            passed += plain
    bar = severity_rank(rule.block_min_severity)
    warn = rule.warn_categories
    strong = tuple(h for h in hits if severity_rank(h.severity) >= bar and h.category not in warn)
    weak = tuple(h for h in hits if severity_rank(h.severity) < bar or h.category in warn)
    if plain and ordinary == "warn":
        weak += tuple(plain)
    if verdict == "deny" and strong and not any(h.intent for h in strong):
        verdict = "warn"  # counted toward the repeat restriction, but a plain ordinary word refuses nothing alone
    return Judgement(strong, weak, tuple(passed), verdict, context)


def screen(ctx: RuleContext, text: str, scope: str) -> list[Hit]:
    """Screen a text with the lists of `scope` (the enterprise) when the screener keeps lists per scope."""
    screener: Screener = ctx.screener
    scoped = getattr(screener, "screen_in", None)
    return (scoped(scope, text) if scoped else screener.screen(text)) if text else []


def circumstances(e: Any, where: str, subject: Subject, ctx: RuleContext) -> Circumstances:
    """The situation of event `e`'s text: a greeting goes outside; a message to an external contact looks the
    contact up in the ledger (only when the policy asks about contacts), as it stands before this decision."""
    if where == "greeting":
        return Circumstances("greeting", "external")
    if not e.to_external:
        return Circumstances("message", "internal")
    rule = ctx.policy.rules.sensitive_words
    if e.recipient_id is None or not rule.needs_contact():
        return Circumstances("message", "external")
    standing = ctx.contact_standing(subject.account.id, e.recipient_id, e.occurred_at, e.id)
    if standing is None:
        return Circumstances("message", "external")
    return Circumstances("message", "external", e.occurred_at - standing.since, standing.initiated_by)


def words_hit(e: Any, text: str, subject: Subject, ctx: RuleContext, where: str) -> Verdict | None:
    """The verdict on `text` when it holds a blocking hit (None otherwise); reasons go on the decision
    (`greeting.*`, `message.*`: deny or warn as the situation says, `*.sensitive_context` (info) when the
    situation left hits alone), and the `repeat_count`-th blocking hit within `repeat_window` restricts."""
    rule = ctx.policy.rules.sensitive_words
    if not rule.enabled:
        return None
    hits = screen(ctx, text, subject.enterprise.id)
    if not hits:  # nearly every text: no hit, so no reason, no count, no verdict (what `judge` gives for none)
        return None
    out = ctx.decision
    j = judge(rule, hits, where, lambda: circumstances(e, where, subject, ctx))
    context = {"context": j.context.name} if j.context is not None else {}
    shown = [h for h in j.passed if h.intent]  # a plain ordinary word left alone is no news to anyone
    if shown and j.context is not None:
        out.reasons.append(
            Reason(
                f"{where}.sensitive_context",
                "sensitive_words",
                rule.spec,
                "info",
                context | {"hits": [h.as_dict() for h in shown]},
            )
        )
    if j.weak:
        out.reasons.append(
            Reason(
                f"{where}.sensitive_weak",
                "sensitive_words",
                rule.spec,
                "warn",
                {"hits": [h.as_dict() for h in j.weak]} | context,
            )
        )
    if not j.strong:
        return None
    at = e.occurred_at
    key = f"sw:{subject.account.id}"
    ctx.count(key, e)
    entries, _ = ctx.window(key, e, rule.repeat_window.total_seconds(), spent_after(subject, "sensitive_words", at))
    n = len(entries)
    params = {
        "hits": [h.as_dict() for h in j.strong],
        "count": n,
        "repeat_count": rule.repeat_count,
        "window_seconds": int(rule.repeat_window.total_seconds()),
    }
    out.reasons.append(
        Reason(f"{where}.sensitive", "sensitive_words", rule.spec, "deny" if j.blocked else "warn", params | context)
    )
    if n >= rule.repeat_count and not already_restricted_by(subject, "sensitive_words", at):
        # the text around the hits (hit offsets minus `text_offset` index it), so a person sees what matched
        lo = max(0, min(h.start for h in j.strong) - 80)
        hi = max(h.end for h in j.strong) + 80
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
    return j.verdict


def greeting_words(e: ev.ContactRequest, subject: Subject, ctx: RuleContext) -> None:
    """S-A6 on a contact request's greeting: a blocking hit refuses the request (unless the policy's context for
    greetings says otherwise)."""
    if words_hit(e, e.greeting, subject, ctx, "greeting") == "deny":
        ctx.decision.allowed = False


def message_words(e: ev.Message, subject: Subject, ctx: RuleContext) -> None:
    """S-A6 on a message (when `screen_messages`): hits warn, or refuse the message where the policy's context for
    it says deny; repeats restrict."""
    if ctx.policy.rules.sensitive_words.screen_messages and words_hit(e, e.text, subject, ctx, "message") == "deny":
        ctx.decision.allowed = False
