"""The S-A rules as a dispatch table: `HANDLERS` maps an event type to its rule functions, called in order by
`warden.pipeline.engine.RuleEngine`; `RULES` is the `RuleSet` bootstrap hands the engine.

Each rule is `rule(event, subject, ctx) -> None` (`warden.pipeline.context.RuleContext`): it appends reasons to
`ctx.decision` and asks for strikes and flags through `ctx`, which applies them at once. Every reason carries
the values that made it fire, so the explanation is the evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

from warden.enforcement.rules import contacts, login, reports, state, words
from warden.pipeline.context import RuleFn
from warden.pipeline.engine import RuleSet
from warden.policy import Policy

HANDLERS: dict[str, Sequence[RuleFn]] = {
    "contact_request": (
        contacts.paused_while_restricted,  # S-A7
        contacts.phone_search_velocity,  # S-A1
        words.greeting_words,  # S-A3
        contacts.unverified_enterprise_cap,  # S-A4
    ),
    "contact_added": (contacts.contact_added,),  # S-A2 denominator, S-A1 inbound burst
    "contact_removed": (reports.contact_removed,),  # S-A2 (the S-A4 count is the contact ledger's)
    "report": (reports.report,),  # S-A2
    "login": (login.plugin_software, login.login_restricted),  # S-A6, S-C1
    "profile_change": (state.profile_change,),
    "message": (words.message_words,),  # S-A3
    "verification_change": (state.verification_change,),
}


def retention_seconds(policy: Policy) -> float:
    """The longest window any S-A rule counts over (seconds): how much history a counter rebuild must read."""
    r = policy.rules
    spans = [w.length for w in r.phone_search_velocity.windows]
    spans += [t.window for t in r.reports.thresholds]
    spans += [r.inbound_add_burst.window, r.sensitive_words.repeat_window]
    if r.reports.negative_feedback:
        spans.append(r.reports.negative_feedback.window)
    return max(s.total_seconds() for s in spans)


RULES = RuleSet(HANDLERS, retention_seconds)
