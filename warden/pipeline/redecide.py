"""Re-deciding in event order after a late event (docs/ARCHITECTURE.md, the engine's one rule).

A batch that holds an event older than an event of the same account already decided and stored (a late event)
re-decides that account's stored later events, merged with the batch's own in event order (`Ingest` finds them,
`store.later_events`). An answer given stays given: a re-decided event's decision is not stored nor returned. What
converges is the state:

- nothing is counted or folded again: the rules count through `Uncounted` (the stored events' entries are in the
  counters already and every window is as-of), and no feature's `after_event` sees a re-decided event (weight and
  the contact ledger folded it when it was first decided, and their reads are as-of);
- the rule-made strikes for those events are taken out of the account's subject before deciding (`take_aside`), so
  each decision sees only the strikes the history holds before it; a strike the re-decision makes again (same id:
  ids derive from the event) is put back, re-stepped when the ladder now gives another step; one it makes that the
  store lacks is made as usual (`Effector.strike`: inserted, audited, features follow); one it does not make again
  is superseded (`settle`): status `superseded`, read everywhere as never made, its restriction lifted as of its
  start, the audit entry `strike.superseded` by `system`, the explanation in zh and en (`SUPERSEDED_NOTE`);
- a follow-up a re-decided event tipped (an S-D4 reversal: id from a key, `event_id` the login) is taken aside too
  and put back, re-stepped, once that event is decided again (`after`), so the strikes of one instant keep event
  order (`_restep_account` walks ties by event id);
- what a person acted on (an appeal names the strike, its restriction was lifted: a reviewer or an unblock, it is
  permanent, an enterprise cascade counted it) is left as it is and named in a `late_event` review flag.

Flags a re-decided event raises are not raised again (the first decision raised them). Enterprise strikes (the
S-A5 cascade) are not re-decided: a re-decided event's request for one is dropped (the cascade is the
enterprise's scope, see ARCHITECTURE.md). In time order no stored event is later than a batch's, so none of this
runs: `Ingest` pays one indexed read per batch to know it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from warden.kernel.counters import Counters, Entry
from warden.kernel.decision import FlagRequest, StrikeRequest, Subject, derive_id
from warden.kernel.ladder import next_step, rederive, restriction_for
from warden.kernel.model import Flag, Restriction, Strike, StrikeStatus
from warden.pipeline.batch import Batch
from warden.pipeline.effects import LATE_EVENT, LATE_EVENT_NOTE, SUPERSEDED, Effector


class Uncounted:
    """The counters as a re-decision reads them: every window as it is, nothing added (the stored events' entries
    are there already)."""

    __slots__ = ("_counters",)

    def __init__(self, counters: Counters) -> None:
        self._counters = counters

    def add(self, key: str, at: float, event_id: str, value: str) -> None:
        return None

    def window(self, key: str, since: float, at: float, event_id: str) -> list[Entry]:
        return self._counters.window(key, since, at, event_id)


def uncounted(counters: Counters) -> Counters:
    """`counters` read-only, as the `Counters` a `RuleContext` takes (it calls only `add` and `window`)."""
    return cast(Counters, Uncounted(counters))


class Redecision(Effector):
    """The effector the rules see while stored events are re-decided (see the module): `strike` restores, re-steps
    or makes strikes, `flag` raises nothing. `late`: account id → its oldest event in the batch (time, id), for the
    accounts with stored later events `events` (already parsed, each account's in event order)."""

    def __init__(self, base: Effector, late: dict[str, tuple[datetime, str]], events: Sequence[Any]) -> None:
        super().__init__(base.source, [], follow=False)
        self.base = base
        self._floors = base._floors
        self.late = late
        self.events = list(events)
        self.ids = frozenset(e.id for e in self.events)
        self.aside: dict[str, dict[str, tuple[Strike, Restriction | None]]] = {}
        self.follow: dict[str, list[tuple[Strike, Restriction | None]]] = {}
        """Re-decided event id → the follow-ups it tipped (an S-D4 reversal: id from a key, `event_id` the login),
        taken aside until that event is decided again (`after`)."""
        self.flagged: dict[str, list[str]] = {}  # account → strikes a person acted on that the history changes
        self.appealed: set[str] = set()
        """Those of the strikes taken aside that an appeal names (any status): set by `Ingest` (a read)."""

    def take_aside(self, subjects: dict[str, Subject]) -> list[str]:
        """Take out of each late account's subject the strikes its re-decided events made themselves (a strike's id
        derives from its event: `Effector.strike`), active or superseded before, with their restrictions. Returns
        their ids."""
        mine: dict[str, set[str]] = {}
        at = {e.id: e.occurred_at for e in self.events}
        for e in self.events:
            mine.setdefault(e.account_id, set()).add(e.id)
        followed: list[str] = []
        for aid, ids in mine.items():
            subject = subjects[aid]
            # a follow-up tipped by a re-decided event (key-derived id, dated at that event): back after it (`after`)
            ups = {
                s.id: s
                for s in subject.strikes
                if s.event_id in ids
                and s.status is StrikeStatus.ACTIVE
                and s.id != derive_id("stk", s.event_id, s.rule_id, aid)
                and s.at == at[s.event_id]
            }
            if ups:
                rs = {r.strike_id: r for r in subject.restrictions if r.strike_id in ups}
                subject.strikes[:] = [s for s in subject.strikes if s.id not in ups]
                subject.restrictions[:] = [r for r in subject.restrictions if r.strike_id not in ups]
                for sid, s in sorted(ups.items(), key=lambda kv: (kv[1].step, kv[0])):  # in the order made
                    assert s.event_id is not None
                    self.follow.setdefault(s.event_id, []).append((s, rs.get(sid)))
                followed += ups
            out = {
                s.id: s
                for s in subject.strikes
                if s.event_id in ids
                and s.status in (StrikeStatus.ACTIVE, StrikeStatus.SUPERSEDED)
                and s.id == derive_id("stk", s.event_id, s.rule_id, aid)
            }
            if not out:
                self.aside[aid] = {}
                continue
            rs = {r.strike_id: r for r in subject.restrictions if r.strike_id in out}
            subject.strikes[:] = [s for s in subject.strikes if s.id not in out]
            subject.restrictions[:] = [r for r in subject.restrictions if r.strike_id not in out]
            self.aside[aid] = {sid: (s, rs.get(sid)) for sid, s in out.items()}
        return sorted([*followed, *(sid for aside in self.aside.values() for sid in aside)])

    def after(self, batch: Batch, event: Any, subject: Subject) -> None:
        """Once a re-decided event is decided again: the follow-ups it tipped (`take_aside`) back on the subject, at
        the step the ladder gives on the history before them (their recorded floor kept), as `_restore` puts back
        a strike the re-decision makes again; one a person acted on stays as it is and is flagged."""
        for strike, restriction in self.follow.pop(event.id, []):
            ladder = self._in_force(batch)[1].ladder
            history = sorted((s.at, s.step) for s in subject.strikes if s.status is StrikeStatus.ACTIVE)
            step = next_step(ladder, history, strike.severity, strike.at, _floor(strike))
            if step != strike.step:
                if self._touched(strike, restriction, subject):
                    self.flagged.setdefault(subject.account.id, []).append(strike.id)
                else:
                    old, strike.step = strike.step, step
                    batch.effects.updated_strikes.append(strike)
                    if restriction is not None:
                        restriction = rederive(ladder, strike, restriction)
                        batch.effects.updated_restrictions.append(restriction)
                    data = {"strike": strike.id, "from": old, "to": step, "late_event": self._late_id(subject)}
                    batch.effects.changed.append(("strike.restepped", f"account:{subject.account.id}", data))
            subject.strikes.append(strike)
            if restriction is not None:
                subject.restrictions.append(restriction)

    def merged(self, fresh: list[Any]) -> list[Any]:
        """The batch's events and the re-decided ones in the one order of decisions (event time, ties by id)."""
        return sorted([*fresh, *self.events], key=lambda e: (e.occurred_at, e.id))

    def strike(self, batch: Batch, subject: Subject, req: StrikeRequest) -> Strike | None:
        if req.enterprise:  # the cascade is the enterprise's scope: not re-decided (module docstring)
            return None
        aid = subject.account.id
        sid = derive_id("stk", req.key or req.event_id or req.at.isoformat(), req.rule, aid)
        kept = self.aside.get(aid, {}).pop(sid, None)
        if kept is not None:
            return self._restore(batch, subject, req, *kept)
        for s in subject.strikes:
            if s.id == sid:  # voided or overturned by a person: stays as it is
                return s
        return self.base.strike(batch, subject, req)  # one the store lacks: made as usual

    @staticmethod
    def flag(batch: Batch, subject: Subject, req: FlagRequest) -> Flag:
        """Raised when the event was first decided: not again."""
        return Flag(derive_id("flg", req.event_id, req.rule), "account", subject.account.id, req.rule, req.at, {})

    def _restore(
        self, batch: Batch, subject: Subject, req: StrikeRequest, strike: Strike, restriction: Restriction | None
    ) -> Strike:
        """A stored strike the re-decision makes again: back on the subject, at the step the ladder gives now (a
        superseded one reinstated), unless a person acted on it (then as it is, and flagged)."""
        ladder = self._in_force(batch)[1].ladder
        history = sorted((s.at, s.step) for s in subject.strikes if s.status is StrikeStatus.ACTIVE)
        floor = max(self.floor(batch, subject, req.severity, req.at, req.floor), _floor(strike))
        step = next_step(ladder, history, req.severity, req.at, floor)
        effects, target = batch.effects, f"account:{subject.account.id}"
        if strike.status is StrikeStatus.SUPERSEDED:  # the history holds it again: reinstated
            strike.status, strike.status_at, strike.status_reason = StrikeStatus.ACTIVE, batch.now, None
            strike.step = step
            restriction = restriction_for(ladder, strike, derive_id("rst", strike.id), req.minimum_end)
            effects.updated_strikes.append(strike)
            effects.updated_restrictions.append(restriction)
            data: dict[str, Any] = {"strike": strike.id, "restriction": restriction.id, "step": step}
            effects.changed.append(("strike.reinstated", target, data | {"late_event": self._late_id(subject)}))
        elif step != strike.step:
            if self._touched(strike, restriction, subject):
                self.flagged.setdefault(subject.account.id, []).append(strike.id)
            else:
                old, strike.step = strike.step, step
                effects.updated_strikes.append(strike)
                if restriction is not None:
                    restriction = rederive(ladder, strike, restriction)
                    effects.updated_restrictions.append(restriction)
                data = {"strike": strike.id, "from": old, "to": step, "late_event": self._late_id(subject)}
                effects.changed.append(("strike.restepped", target, data))
        subject.strikes.append(strike)
        if restriction is not None:
            subject.restrictions.append(restriction)
        return strike

    def _restep(self, batch: Batch, subject: Subject) -> None:
        _restep_account(self, batch, subject)

    def _late_id(self, subject: Subject) -> str:
        return self.late[subject.account.id][1]

    def _touched(self, strike: Strike, restriction: Restriction | None, subject: Subject) -> bool:
        """Whether a person acted on the strike: an appeal names it, its restriction was lifted (a reviewer, an
        unblock: a lifted restriction is not loaded) or is permanent (ending a ban takes two people), or an
        enterprise cascade counted it."""
        if restriction is None or restriction.lifted_at is not None or restriction.ends_at is None:
            return True
        if strike.id in self.appealed:
            return True
        for c in subject.enterprise_strikes:
            if strike.id in (c.evidence.get("member_strikes") or [c.evidence.get("trigger_strike")]):
                return True
        return False

    def settle(self, batch: Batch) -> None:
        """Once every event of the batch is decided: supersede the strikes taken aside that the history lacks (see
        the module), or keep and flag those a person acted on; raise each account's `late_event` flag naming the
        strikes a person acted on that the history changes."""
        effects = batch.effects
        for aid, aside in self.aside.items():
            subject = batch.subjects[aid]
            late = self.late[aid][1]
            target = f"account:{aid}"
            for sid in sorted(aside):
                strike, restriction = aside[sid]
                if strike.status is StrikeStatus.SUPERSEDED:  # not in the history, as before
                    subject.strikes.append(strike)
                    continue
                if self._touched(strike, restriction, subject):
                    subject.strikes.append(strike)
                    if restriction is not None:
                        subject.restrictions.append(restriction)
                    self.flagged.setdefault(aid, []).append(sid)
                    continue
                assert restriction is not None
                reason = SUPERSEDED + late
                strike.status, strike.status_at, strike.status_reason = StrikeStatus.SUPERSEDED, batch.now, reason
                restriction.lifted_at, restriction.lift_reason = restriction.starts_at, f"strike {reason}"
                subject.strikes.append(strike)  # kept on the subject as the store has it (read as never made)
                effects.updated_strikes.append(strike)
                effects.updated_restrictions.append(restriction)
                data = {"strike": sid, "reason": reason, "restriction": restriction.id, "late_event": late}
                effects.changed.append(("strike.superseded", target, data | {"event": strike.event_id}))
            self._restep(batch, subject)
            later = sorted(set(self.flagged.get(aid, [])))
            if later:
                at = self.late[aid][0]
                evidence = {"event_id": late, "later_strikes": later, "note": LATE_EVENT_NOTE}
                self.base.flag(batch, subject, FlagRequest(LATE_EVENT, at, evidence, late))
        self.aside = {}


def _restep_account(redo: Redecision, batch: Batch, subject: Subject) -> None:
    """The account's active strikes at or after its late event at the steps event order gives them
    (the ladder walked over them oldest first, each strike's recorded floor kept; strikes of one event in the order
    they were made, which `recompute_steps` does not know): a strike not taken aside (a feature's follow-up, whose id
    derives from a key) was stepped on the history as it stood when it was made. Changed as `_restore` changes one;
    one a person acted on is flagged instead."""
    effects = batch.effects
    ladder = redo._in_force(batch)[1].ladder
    active = [s for s in subject.strikes if s.status is StrikeStatus.ACTIVE]
    steps: dict[str, int] = {}
    history: list[tuple[datetime, int]] = []
    # ties in event order: a strike's event (its id at one instant), then in the order made (a step never falls)
    for s in sorted(active, key=lambda s: (s.at, s.event_id or "", s.step, s.id)):
        steps[s.id] = next_step(ladder, history, s.severity, s.at, _floor(s))
        history.append((s.at, steps[s.id]))
    since, late = redo.late[subject.account.id]
    new = {s.id for s in effects.strikes}
    target = f"account:{subject.account.id}"
    for s in active:
        step = steps.get(s.id)
        if step is None or step == s.step or s.at < since:
            continue
        i = next((k for k, r in enumerate(subject.restrictions) if r.strike_id == s.id), None)
        restriction = None if i is None else subject.restrictions[i]
        if s.id not in new and redo._touched(s, restriction, subject):
            redo.flagged.setdefault(subject.account.id, []).append(s.id)
            continue
        old, s.step = s.step, step
        if restriction is not None and i is not None:
            fresh = subject.restrictions[i] = rederive(ladder, s, restriction)
            if s.id in new:  # made in this batch: inserted as it stands now
                effects.restrictions[effects.restrictions.index(restriction)] = fresh
            else:
                effects.updated_restrictions.append(fresh)
        if s.id not in new:
            effects.updated_strikes.append(s)
            effects.changed.append(
                ("strike.restepped", target, {"strike": s.id, "from": old, "to": step, "late_event": late})
            )


def _floor(strike: Strike) -> int:
    return int(strike.evidence.get("step_floor", 0))
