"""One ingest batch while it is decided: what every hook and rule of the batch sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warden.kernel.decision import Decision, Effects, Subject
from warden.kernel.model import Enterprise
from warden.pipeline.ports import NoWeights, WeightSource


@dataclass
class Batch:
    """`events` are the batch's fresh events, in decision order once deciding starts (event time, ties by id).
    `subjects` maps account id → Subject (updated in place as events are decided); `decisions` maps event id →
    Decision. Features keep their per-batch state in `state[feature.name]`, never on themselves."""

    events: list[Any]
    subjects: dict[str, Subject]
    enterprises: dict[str, Enterprise]
    now: datetime
    effects: Effects = field(default_factory=Effects)
    decisions: dict[str, Decision] = field(default_factory=dict)
    weights: WeightSource = field(default_factory=NoWeights)
    state: dict[str, Any] = field(default_factory=dict)
    claim: Any = None
    """`claim(conn, account_ids)`: make the accounts' partitions this batch's too (issue 17), before reading or
    writing state of accounts outside the batch (the unblocking's reversals reach requesters and helpers of other
    enterprises). Set by `Ingest`; None outside ingest (a platform-wide transaction excludes every partition)."""
    times: dict[str, float] = field(default_factory=dict)
    """Event id → its `occurred_at` in epoch seconds, for the batch's fresh events (worked out once per batch;
    `RuleContext` counts and windows read it). An event not in it is worked out when asked."""
    ahead: dict[str, Any] = field(default_factory=dict)
    """Feature name → the `store.Reads` its `read_ahead` asked for, sent before `load` (issue 16)."""
    deciding: tuple[str, Any] | None = None
    """(hash, Policy) of the policy deciding the current event when it is not the engine's live one (a staged
    candidate, a shadow): what `pipeline.effects.Effector` takes the ladder and the recorded hash from."""

    def decided(self) -> list[Decision]:
        """The decisions, parallel to `events`."""
        return [self.decisions[e.id] for e in self.events]
