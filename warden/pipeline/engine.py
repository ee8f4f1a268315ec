"""The rule dispatch shell: one event and the subject's state in, a `Decision` (and applied effects) out.

The engine knows no rule by name: it is handed a `RuleSet` at construction (the table `{event type: [rule fn]}`
and how far back the rules' windows reach) and calls each rule of the event's type in order with a fresh
`RuleContext`. The S-A rules are `warden.enforcement.rules.RULES`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from warden.kernel.counters import Counters
from warden.kernel.decision import Decision, Subject
from warden.pipeline.batch import Batch
from warden.pipeline.context import RuleContext, RuleFn
from warden.pipeline.effects import Effector
from warden.pipeline.ports import ContactCount

if TYPE_CHECKING:
    from warden.policy import LoadedPolicy, Policy
    from warden.screening.base import Screener

ASKS = frozenset({"contact_request", "login"})
"""Event types that ask for permission: their decision says allowed (True) or refused (False); others say None."""


@dataclass(frozen=True)
class RuleSet:
    """`handlers` maps an event type to its rules, called in order; `retention(policy)` is the longest window (in
    seconds) any rule counts over under `policy`: how much history a counter rebuild must read."""

    handlers: Mapping[str, Sequence[RuleFn]]
    retention: Callable[[Policy], float]


class RuleEngine:
    """`loaded`/`policy` are the policy in force (tests may swap `policy`; rules read it live at each event);
    `screener` the text screener; `effector` the one place effect requests are applied (set by bootstrap once the
    features exist); `contacts` the S-A4 contact ledger (`ContactCount`, set by bootstrap; None: the enterprise's
    stored count)."""

    def __init__(
        self,
        policy: LoadedPolicy,
        screener: Screener,
        rules: RuleSet,
        effector: Effector | None = None,
    ) -> None:
        self.loaded = policy
        self.policy: Policy = policy.policy
        self.screener = screener
        self.rules = rules
        self.effector = effector or Effector(self, [])
        self.contacts: ContactCount | None = None  # the S-A4 ledger (`warden.service.contacts`)
        self._handlers = {k: tuple(v) for k, v in rules.handlers.items()}

    def retention_seconds(self) -> float:
        """The longest window any counter needs (seconds): how much history a rebuild must read."""
        return self.rules.retention(self.policy)

    def evaluate(self, event: Any, subject: Subject, counters: Counters, batch: Batch) -> Decision:
        out = Decision(event_id=event.id, allowed=True if event.type in ASKS else None)
        handlers = self._handlers.get(event.type)
        if handlers:
            ctx = RuleContext(self.policy, self.screener, counters, batch, out, self.effector, self.contacts)
            for rule in handlers:
                rule(event, subject, ctx)
        return out
