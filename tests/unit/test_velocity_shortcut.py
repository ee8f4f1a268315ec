"""S-A1's shortcuts (issue 16): a phone search whose every window holds no more entries than its quiet count (the soft
limit at the lowest factor any account can get) decides without reading the account's features; one under its own
limits at the weight's lowest factor (no modifier reading a weight) decides without reading its weight.
Pinned against the rule as it was before the shortcut (`reference`, kept here verbatim but for its imports), on
random policies (modifier factors below and above 1, a modifier reading the weight or none, weight scaling either
way), accounts and window contents: the same reasons, the same verdict, the same strike requests, whether or not
the features or the weight were read."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from warden.adapters.policy_file import load_policy
from warden.enforcement.policy import PhoneSearchVelocity, velocity_plan
from warden.enforcement.rules.contacts import phone_search_velocity
from warden.kernel.counters import Entry, event_ids
from warden.kernel.decision import Decision, Reason, StrikeRequest, Subject
from warden.kernel.events import ContactRequest
from warden.kernel.ladder import block_end
from warden.kernel.model import Account, Enterprise
from warden.kernel.policy import condition_holds
from warden.pipeline.context import already_restricted_by, spent_after
from warden.settings import Settings

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
POLICY = load_policy(Settings().policy).policy


def reference(e: Any, subject: Subject, ctx: Any) -> None:
    """`phone_search_velocity` before the shortcut (issue 16, round 5)."""
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
    feats = ctx.features(subject, at, any("enterprise_weight" in m.when for m in rule.modifiers))
    factor = 1.0
    applied: list[str] = []
    for m in rule.modifiers:
        if condition_holds(m.when, feats):
            factor *= m.factor
            applied.append(m.reason)
    base, base_applied = factor, list(applied)
    wf = rule.weight_scaling.factor(feats["account_weight"])
    if wf != 1.0:
        factor *= wf
        applied.append(f"weight:{feats['account_weight']:.0f}")
    spent = spent_after(subject, "phone_search_velocity", at)
    passed: list[tuple[datetime, dict[str, Any], list[Entry]]] = []
    for w in rule.windows:
        f, mods = (factor, applied) if w.scale_with_weight else (base, base_applied)
        length = w.length.total_seconds()
        entries, _ = ctx.window(key, e, length, spent)
        n = len(entries)
        soft = max(1, math.floor(w.soft * f))
        if n <= soft:
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


class FakeContext:
    """What the rule reads of a `RuleContext`: windows holding `counts[length]` entries, fixed features."""

    def __init__(self, policy: Any, counts: dict[float, int], feats: dict[str, Any]) -> None:
        self.policy = policy
        self.decision = Decision(event_id="e-1", allowed=True)
        self.counts, self.feats = counts, feats
        self.strikes: list[StrikeRequest] = []
        self.read_features = self.read_weight = False

    def count(self, key: str, e: Any, value: str | None = None) -> None:
        pass

    def window(self, key: str, e: Any, length: float, spent_after: float | None = None) -> tuple[list[Entry], float]:
        at = e.occurred_at.timestamp()
        n = self.counts[length]
        return [(at - length + 1 + i, f"ev-{i}", f"ev-{i}") for i in range(n)], at - length

    def features(
        self, subject: Subject, now: datetime, enterprise_weight: bool = False, account_weight: bool = True
    ) -> dict[str, Any]:
        self.read_features = True
        self.read_weight = self.read_weight or account_weight
        return dict(self.feats) if account_weight else {k: v for k, v in self.feats.items() if k != "account_weight"}

    def account_weight(self, subject: Subject, now: datetime) -> float | None:
        self.read_weight = True
        return self.feats["account_weight"]  # type: ignore[no-any-return]

    def strike(self, subject: Subject, req: StrikeRequest) -> None:
        self.strikes.append(req)


FACTORS = st.sampled_from([0.1, 0.25, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0])


@settings(max_examples=400, deadline=None)
@given(
    factors=st.lists(FACTORS, min_size=0, max_size=3),
    scaling=st.tuples(st.booleans(), FACTORS, FACTORS),
    holds=st.lists(st.booleans(), min_size=3, max_size=3),
    weight=st.one_of(st.none(), st.sampled_from([0.0, 0.1, 12.5, 50.0, 77.0, 100.0])),
    counts=st.lists(st.integers(0, 60), min_size=3, max_size=3),
    weighed=st.booleans(),
)
def test_S_A1_the_quiet_shortcut_decides_exactly_as_the_rule_before_it(
    factors: list[float],
    scaling: tuple[bool, float, float],
    holds: list[bool],
    weight: float | None,
    counts: list[int],
    weighed: bool,
) -> None:
    base = POLICY.rules.phone_search_velocity
    names = ["account_age_days", "account_verified", "enterprise_verified"]
    conditions = [{"account_age_days": {"lt": 30}}, {"account_verified": False}, {"enterprise_verified": False}]
    if weighed:  # a modifier whose condition reads the weight: it is read before the modifiers apply
        conditions[len(factors) - 1] = {"account_weight": {"lt": 30}}
    rule = PhoneSearchVelocity.model_validate(
        base.model_dump()
        | {
            "modifiers": [{"when": conditions[i], "factor": f, "reason": f"m{i}"} for i, f in enumerate(factors)],
            "weight_scaling": {"enabled": scaling[0], "min_factor": scaling[1], "max_factor": scaling[2]},
        }
    )
    policy = POLICY.model_copy(update={"rules": POLICY.rules.model_copy(update={"phone_search_velocity": rule})})
    feats = {
        names[0]: 3.0 if holds[0] else 300.0,
        names[1]: not holds[1],
        names[2]: not holds[2],
        "account_weight": weight,
    }
    spans = [w.length.total_seconds() for w in rule.windows]
    window_counts = dict(zip(spans, counts, strict=True))
    ent = Enterprise("ent-1", "E", True, NOW - timedelta(days=400))
    event = ContactRequest.model_validate(
        {
            "id": "e-1",
            "type": "contact_request",
            "occurred_at": NOW.isoformat(),
            "account_id": "acc-1",
            "method": "phone_search",
            "target": "13900000000",
        }
    )
    results, skipped = [], []
    for decide in (reference, phone_search_velocity):
        subject = Subject(Account("acc-1", "ent-1", "13800000000", True, NOW - timedelta(days=90)), ent)
        ctx = FakeContext(policy, window_counts, feats)
        decide(event, subject, ctx)  # type: ignore[arg-type]
        results.append((ctx.decision.allowed, ctx.decision.reasons, ctx.strikes))
        if decide is phone_search_velocity:
            skipped.append(not ctx.read_weight)
            if not ctx.read_features:
                assert all(n <= q for n, q in zip(counts, velocity_plan(rule).quiet, strict=True))
    assert results[0] == results[1]
    if weighed and factors and ctx.read_features:  # a modifier reading the weight: read with the features
        assert not skipped[0]
