"""The one hook contract between the pipeline and the features (weight, unblocking, usage policy, word lists).

Ingest calls the hooks in this order, inside the batch's one transaction:

1. `on_foreign_change(conn)` — when the audit tail shows another process wrote since this one last did: drop
   caches (word lists reload, weight and unblocking forget what they kept).
2. `read_ahead(conn, accounts, enterprises)` — the reads `load` will make for the accounts (and their
   enterprises) the feature holds nothing of, as driver statements (`store.Reads`); ingest sends them with the
   partition locks and its own reads of the accounts it meets first, in ONE round trip (issue 16), and hands them
   over on `batch.ahead[self.name]`. Asked before 1 runs; when 1 runs or an event was stored before, the reads are
   dropped and asked again (then sent with the accounts' own reads). `load` takes its answer from there for the
   ids the reads `covers`, and reads the rest itself (e.g. after dropping what it kept): it loads the same either
   way.
3. `load(conn, batch)` — read what the rules and the later hooks need; keep it on `batch.state[self.name]`
   (and, for weight, set `batch.weights`). Per-batch loading is a cache of the history, never a snapshot that
   later events of the batch read stale.
4. Then for each fresh event, in decision order (event time, ties by id), the rules decide it and, for every
   strike a rule requests, `pipeline.effects` asks
   a. `step_floor(batch, subject, severity, at)` — a minimum ladder step (probation, plug-in re-ban);
   b. `after_strike(batch, strike, subject)` — react to the strike (an evidence note) and return further
      `StrikeRequest`s (the S-A5 cascade's enterprise strike), which are applied the same way;
   after which `after_event(batch, event, decision, subject)` folds the decided event into the feature's state,
   so the next decision reads state that includes it (the invariant in docs/ARCHITECTURE.md; `subject` is None
   for an enterprise's own event).
5. `before_store(conn, batch)` — read-only on the database; may add reasons or deny (an enterprise's block rule).
6. `after_store(conn, audit, batch)` — write the feature's own tables, append to the audit chain.

Raising in any hook aborts the whole batch. Outside ingest:

- `on_strike_status(conn, audit, strike, actor, now)` — after a strike was voided or overturned, in the same
  transaction; returns `StrikeStatusRequest`s (a cascade whose basis is gone is voided), which the enforcement
  service applies in turn, as a message bus drains its queue.
- Manual and feature strikes outside ingest (a reviewer's strike, an abnormal unblock's re-ban) build a small
  `Batch` of their subjects and run `load` (4a and 4b then apply as above).

Every hook is a no-op here; a feature overrides the ones it needs, and ingest calls only overridden ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from warden.kernel.decision import Decision, StrikeRequest, Subject
from warden.kernel.model import Strike, StrikeStatus
from warden.pipeline.batch import Batch

if TYPE_CHECKING:
    from warden.pipeline.ports import Reads

HOOKS = (
    "on_foreign_change",
    "read_ahead",
    "load",
    "step_floor",
    "after_strike",
    "after_event",
    "before_store",
    "after_store",
    "on_strike_status",
)


@dataclass(frozen=True, slots=True)
class StrikeStatusRequest:
    """A feature asks for a strike to be voided or overturned (as a consequence of another status change)."""

    strike_id: str
    status: StrikeStatus
    reason: str


class Feature:
    name: ClassVar[str] = "feature"

    def on_foreign_change(self, conn: Any) -> None:
        """1. Another process wrote: drop what this process kept."""

    def read_ahead(self, conn: Any, accounts: Sequence[str], enterprises: Sequence[str]) -> Reads | None:
        """2. The reads `load` will make for these accounts of the batch (and their enterprises, as the directory
        has them), as driver statements; None when it holds them all."""
        return None

    def load(self, conn: Any, batch: Batch) -> None:
        """3. Read what the rules and later hooks need into `batch.state[self.name]`."""

    def step_floor(self, batch: Batch, subject: Subject, severity: str, at: datetime) -> int:
        """4a. The lowest ladder step a new strike of `severity` on `subject` at `at` may take."""
        return 0

    def after_strike(self, batch: Batch, strike: Strike, subject: Subject) -> list[StrikeRequest]:
        """4b. A strike was issued on `subject` (an account); return the strikes it entails."""
        return []

    def after_event(self, batch: Batch, event: Any, decision: Decision, subject: Subject | None) -> None:
        """4c. An event was decided: fold it in, so the next decision reads the state it left."""

    after_event_types: ClassVar[frozenset[str] | None] = None
    """The event types whose `after_event` does anything (None: every type); ingest calls it for those only."""

    def after_event_wanted(self, event_type: str) -> bool:
        """Whether ingest calls `after_event` for events of `event_type` (`after_event_types`)."""
        return self.after_event_types is None or event_type in self.after_event_types

    def before_store(self, conn: Any, batch: Batch) -> None:
        """5. Every decision of the batch is made; add reasons or deny, read-only."""

    def after_store(self, conn: Any, audit: Any, batch: Batch) -> None:
        """6. The batch's events and effects are written; write the feature's own rows."""

    def on_strike_status(
        self, conn: Any, audit: Any, strike: Strike, actor: str, now: datetime
    ) -> list[StrikeStatusRequest]:
        """Outside ingest: a strike was voided or overturned; return the status changes it entails."""
        return []


def overriding(features: Sequence[Feature], hook: str) -> list[Feature]:
    """The features that implement `hook` (the pipeline calls no no-op hook on the hot path)."""
    base = getattr(Feature, hook)
    return [f for f in features if getattr(type(f), hook) is not base]
