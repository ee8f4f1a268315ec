"""Shadow evaluation (issue 18): a shadow version judges every live event right after the live decision, with no
effect on anyone, and its would-be decision is stored beside the live one.

**Isolation.** The shadow decides on a copy of the subject as it stood before the live decision (the live strikes of
this event taken out), through `ShadowCounters` (reads the live windows, keeps its own counts in a batch-lived
overlay: nothing reaches a live counter or `events.counted`), with an `Effector` that honours the features' floors but
lets no feature react (no cascade, no feature state) and writes into a scratch `Effects` that is never stored. So a
shadow rule never restricts, never counts towards a live counter and never notifies anyone; what it would have done
is one `shadow_decisions` row.

**What a shadow decision sees.** The live history, plus the shadow's own would-be strikes and restrictions of the
same batch (so a rule that restricts once at a time does not fire again at every following event). Would-be strikes
are not kept from one batch to the next, and counters of a key only the shadow counts hold this batch's entries
only: over many batches a shadow may report a rule again for an account it would already have restricted.

The feature must come first in the hook order (bootstrap puts it there), so it sees the state the live decision saw
before any other feature folds the event in.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from warden.kernel.counters import Counters, Entry, StoredEntry, in_window
from warden.kernel.decision import Decision, Effects, Subject
from warden.pipeline.batch import Batch
from warden.pipeline.feature import Feature
from warden.policy_versions import store
from warden.policy_versions.live import LivePolicy, Shadow


class ShadowCounters:
    """The live counters, read only, plus the shadow's own adds (kept per batch, never written anywhere).

    An entry the live decision already made (same time, event and value) is counted once."""

    def __init__(self, live: Counters) -> None:
        self.live = live
        self.extra: dict[str, list[Entry]] = {}

    def add(self, key: str, at: float, event_id: str, value: str) -> None:
        bisect.insort(self.extra.setdefault(key, []), (at, event_id, value))

    def window(self, key: str, since: float, at: float, event_id: str) -> list[Entry]:
        base = self.live.window(key, since, at, event_id)
        more = self.extra.get(key)
        if not more:
            return base
        mine = in_window(more, since, at, event_id)
        if not mine:
            return base
        return sorted(set(base) | set(mine))

    def coverage(self, account_ids: Sequence[str]) -> dict[str, float]:
        return self.live.coverage(account_ids)

    def load(self, account_id: str, entries: Iterable[StoredEntry], since: float, until: float | None = None) -> int:
        return 0  # a shadow never loads into the live counters

    def forget(self, account_ids: Iterable[str]) -> None: ...  # nor forgets in them

    def begin(self) -> None: ...
    def flush(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def clear(self) -> None: ...


@dataclass
class _State:
    shadow: Shadow
    counters: ShadowCounters
    mark: int = 0  # live strikes of the batch already attributed to an event
    own: dict[str, Effects] = field(default_factory=dict)  # account → the shadow's would-be strikes in this batch
    handled: frozenset[str] = frozenset()  # event types the shadow's rules look at
    scratch: Batch | None = None  # the batch the shadow decides in (its effects are never stored)
    rows: list[dict[str, Any]] = field(default_factory=list)


class ShadowFeature(Feature):
    """`live`: the process's stages (the shadow in force is taken once per batch, at `load`); `counters`: the live
    counters the shadow reads (set by bootstrap once they exist)."""

    name = "policy_shadow"

    def __init__(self, live: LivePolicy) -> None:
        self.live = live
        self.counters: Counters | None = None

    def load(self, conn: Any, batch: Batch) -> None:
        sh = self.live.shadow
        if sh is not None and self.counters is not None:
            handled = frozenset(t for t, fns in sh.engine.rules.handlers.items() if fns)
            batch.state[self.name] = _State(sh, ShadowCounters(self.counters), handled=handled)

    def after_event(self, batch: Batch, event: Any, decision: Decision, subject: Subject | None) -> None:
        st: _State | None = batch.state.get(self.name)
        if st is None or subject is None:
            return
        strikes = batch.effects.strikes
        new = strikes[st.mark :] if len(strikes) > st.mark else []
        st.mark = len(strikes)
        if event.type not in st.handled:  # no shadow rule looks at this type: its decision is the live one's
            return
        own = st.own.get(subject.account.id)
        if new or own:
            mine = {s.id for s in new}
            rst = {r.id for r in batch.effects.restrictions if r.strike_id in mine}
            extra_r, extra_s = (own.restrictions, own.strikes) if own else ([], [])
            before = Subject(  # as the live decision saw it (this event's live strikes taken out), with the
                subject.account,  # shadow's own would-be strikes of this batch
                subject.enterprise,
                [r for r in subject.restrictions if r.id not in rst] + extra_r,
                [r for r in subject.enterprise_restrictions if r.id not in rst],
                [s for s in subject.strikes if s.id not in mine] + extra_s,
                [s for s in subject.enterprise_strikes if s.id not in mine],
                subject.exemptions,
            )
        else:  # copies of the lists (a C-speed copy): the shadow effector appends to them, never to the live ones
            before = Subject(
                subject.account,
                subject.enterprise,
                list(subject.restrictions),
                list(subject.enterprise_restrictions),
                list(subject.strikes),
                list(subject.enterprise_strikes),
                subject.exemptions,
            )
        scratch = st.scratch
        if scratch is None:
            scratch = st.scratch = Batch(
                batch.events, batch.subjects, batch.enterprises, batch.now, Effects(), {}, times=batch.times
            )
            scratch.weights = batch.weights
            scratch.state = batch.state  # read by the floors and the contact ledger; the shadow writes none of it
        elif scratch.effects.strikes or scratch.effects.flags:
            scratch.effects = Effects()
        out = st.shadow.engine.evaluate(event, before, st.counters, scratch)
        shadow_strikes = scratch.effects.strikes
        if not (decision.reasons or out.reasons or new or shadow_strikes):
            return  # nothing to compare: neither side gave a reason
        live_rules = sorted({s.rule_id for s in new})
        shadow_rules = sorted({s.rule_id for s in shadow_strikes})
        if shadow_strikes:
            keep = st.own.setdefault(subject.account.id, Effects())
            keep.strikes += [s for s in shadow_strikes if s.subject_type == "account"]
            keep.restrictions += [r for r in scratch.effects.restrictions if r.subject_type == "account"]
        st.rows.append(
            {
                "event_id": event.id,
                "version_id": st.shadow.version_id,
                "account_id": subject.account.id,
                "enterprise_id": subject.enterprise.id,
                "occurred_at": event.occurred_at,
                "live_allowed": decision.allowed,
                "shadow_allowed": out.allowed,
                "live_rules": store.dumps_list(live_rules),
                "shadow_rules": store.dumps_list(shadow_rules),
                "shadow_reasons": store.dumps_list([r.code for r in out.reasons]),
            }
        )

    def after_store(self, conn: Any, audit: Any, batch: Batch) -> None:
        st: _State | None = batch.state.get(self.name)
        if st is not None and st.rows:
            store.insert_shadow(conn, st.rows)
