"""The rule dispatch shell: one event and the subject's state in, a `Decision` (and applied effects) out.

The engine knows no rule by name: it is handed a `RuleSet` at construction (the table `{event type: [rule fn]}`
and how far back the rules' windows reach) and calls each rule of the event's type in order with a fresh
`RuleContext`. The S-A rules are `warden.enforcement.rules.RULES`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
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


def share_bucket(enterprise_id: str) -> int:
    """The enterprise's place in a staged rollout, 0–99: the first 4 bytes of SHA-256 of its id, modulo 100. Stable
    across processes and restarts (never Python's salted `hash`); a candidate with share `s` decides for the
    enterprises whose bucket is below `s`."""
    return int.from_bytes(hashlib.sha256(enterprise_id.encode("utf-8")).digest()[:4], "big") % 100


@dataclass(frozen=True)
class InForce:
    """What decides, swapped as one immutable value (`RuleEngine.swap`): the live policy (`loaded`, and `policy`,
    which tests may replace by a modified copy), the screener built for it, and an optional staged candidate
    deciding for the enterprises whose `share_bucket` is below `share` (percent)."""

    loaded: LoadedPolicy
    policy: Policy
    screener: Screener
    staged: LoadedPolicy | None = None
    share: int = 0


class RuleEngine:
    """`loaded`/`policy` are the policy in force (tests may swap `policy`; rules read it live at each event);
    `screener` the text screener; `effector` the one place effect requests are applied (set by bootstrap once the
    features exist); `contacts` the S-A4 contact ledger (`ContactCount`, set by bootstrap; None: the enterprise's
    stored count). All three of the policy, the screener and a staged candidate live in one `InForce` value that
    `swap` replaces at once (issue 18: a promotion reaches every process without a restart), so no decision sees
    half of one policy and half of another."""

    def __init__(
        self,
        policy: LoadedPolicy,
        screener: Screener,
        rules: RuleSet,
        effector: Effector | None = None,
    ) -> None:
        self.state = InForce(policy, policy.policy, screener)
        self.rules = rules
        self.effector = effector or Effector(self, [])
        self.contacts: ContactCount | None = None  # the S-A4 ledger (`warden.service.contacts`)
        self._handlers = {k: tuple(v) for k, v in rules.handlers.items()}
        self._retention: tuple[InForce, float] | None = None  # `retention_seconds` of the state in force

    @property
    def loaded(self) -> LoadedPolicy:
        return self.state.loaded

    @property
    def policy(self) -> Policy:
        return self.state.policy

    @policy.setter
    def policy(self, value: Policy) -> None:  # tests try a modified copy of the policy in force
        self.state = replace(self.state, policy=value)

    @property
    def screener(self) -> Screener:
        return self.state.screener

    @screener.setter
    def screener(self, value: Screener) -> None:
        self.state = replace(self.state, screener=value)

    def swap(
        self, loaded: LoadedPolicy, screener: Screener, staged: LoadedPolicy | None = None, share: int = 0
    ) -> None:
        """Put `loaded` in force (with its `screener`, and `staged` for `share` % of enterprises) in one step."""
        self.state = InForce(loaded, loaded.policy, screener, staged if share > 0 else None, share)

    def retention_seconds(self) -> float:
        """The longest window any counter needs (seconds): how much history a rebuild must read (the live policy's,
        or a staged candidate's when longer)."""
        st = self.state
        held = self._retention
        if held is not None and held[0] is st:  # worked out once per policy in force (twice per batch otherwise)
            return held[1]
        own = self.rules.retention(st.policy)
        seconds = own if st.staged is None else max(own, self.rules.retention(st.staged.policy))
        self._retention = (st, seconds)
        return seconds

    def in_force_for(self, enterprise_id: str) -> tuple[str, Policy]:
        """(hash, Policy) deciding for the enterprise: the staged candidate inside its share, else the live one."""
        st = self.state
        if st.staged is not None and share_bucket(enterprise_id) < st.share:
            return st.staged.hash, st.staged.policy
        return st.loaded.hash, st.policy

    def decider(
        self, counters: Counters, batch: Batch, effector: Effector | None = None
    ) -> Callable[[Any, Subject], Decision]:
        """`evaluate(event, subject, counters, batch)` for the events of one batch (issue 16, sixth round): an event
        whose type no rule handles gets its plain answer without a rule context, and the live policy's rules share
        one `RuleContext` for the batch (each event's decision set on it in turn; made again when the policy in force
        is swapped); a staged candidate's share goes through `evaluate`. The same decisions as `evaluate`'s.
        `effector`: where the rules' effect requests go (default the engine's; a re-decision in event order passes
        its own, `pipeline.redecide`)."""
        handlers_of = self._handlers.get
        effector = effector or self.effector
        ctx: RuleContext | None = None
        made_for: InForce | None = None

        def decide(event: Any, subject: Subject) -> Decision:
            nonlocal ctx, made_for
            st = self.state
            kind = event.type
            handlers = handlers_of(kind)
            if not handlers:
                return Decision(event.id, True if kind in ASKS else None, policy_hash=st.loaded.hash)
            if st.staged is not None:
                return self.evaluate(event, subject, counters, batch, effector)
            out = Decision(event.id, True if kind in ASKS else None, policy_hash=st.loaded.hash)
            if ctx is None or made_for is not st:
                ctx = RuleContext(st.policy, st.screener, counters, batch, out, effector, self.contacts)
                made_for = st
            else:
                ctx.decision = out
            try:
                for rule in handlers:
                    rule(event, subject, ctx)
            finally:
                batch.deciding = None
            return out

        return decide

    def evaluate(
        self, event: Any, subject: Subject, counters: Counters, batch: Batch, effector: Effector | None = None
    ) -> Decision:
        st = self.state
        out = Decision(event_id=event.id, allowed=True if event.type in ASKS else None, policy_hash=st.loaded.hash)
        handlers = self._handlers.get(event.type)
        if handlers:
            policy = st.policy
            if st.staged is not None and share_bucket(subject.enterprise.id) < st.share:
                policy, out.policy_hash = st.staged.policy, st.staged.hash
                batch.deciding = (st.staged.hash, policy)
            try:
                ctx = RuleContext(policy, st.screener, counters, batch, out, effector or self.effector, self.contacts)
                for rule in handlers:
                    rule(event, subject, ctx)
            finally:
                batch.deciding = None
        return out
