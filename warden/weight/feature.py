"""Weight (S-B) during ingest: `WeightFeature`, the pipeline `Feature` that keeps weight up to date and cascades on
it (S-A5).

`load` puts the batch's weight state on `batch.state["weight"]` and its `WeightSource` on `batch.weights`;
`after_event` folds each decided event in with O(1) work, so the next decision reads the state the events before
it left (with `fold_later`, a one-day batch is folded when a read needs it and at its end: `_Batch.day`);
`after_strike` gathers what the S-A5 cascade reads and asks `cascade.cascade_request` (it returns the enterprise
strike); `after_store` writes the changed rows in a few batched statements; `on_strike_status` re-judges the
cascades that counted a voided or overturned strike (`cascade.cascade_holds`).
"""

from __future__ import annotations

import bisect
import dataclasses
import operator
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import compress, islice, repeat
from typing import Any

from warden.adapters import store as core
from warden.adapters.subject_cache import SubjectCache
from warden.adapters.uow import Connection
from warden.kernel.clock import Clock
from warden.kernel.decision import Decision, Effects, StrikeRequest, Subject
from warden.kernel.model import Strike, StrikeStatus
from warden.pipeline.batch import Batch
from warden.pipeline.engine import RuleEngine
from warden.pipeline.feature import Feature, StrikeStatusRequest
from warden.policy import LoadedPolicy, Policy, PolicyError
from warden.weight import store
from warden.weight.cascade import cascade_holds, cascade_request, counted_by_cascades, counted_members
from warden.weight.policy import WeightPolicy
from warden.weight.scoring import AccountFold, Scorer, enterprise_tenths, scorer
from warden.weight.state import _COUNTED, _K, _U, DAY, AccountState, EnterpriseState, day_of


def _event_key(e: Any) -> tuple[datetime, str]:
    return (e.occurred_at, e.id)


_LAST_ID = "\U0010ffff"  # above every event id: "everything at this instant"
_DICT = operator.attrgetter("__dict__")
_ID = operator.attrgetter("id")
_TYPE = operator.attrgetter("type")
_FEATURE = operator.attrgetter("feature")
_LINKED_REAL = operator.attrgetter("via_linked_personal", "device_kind")
_LAST_TS = operator.attrgetter("last_ts")
_ENTERPRISE_ID = operator.attrgetter("enterprise.id")  # of a Subject
_BASE = operator.attrgetter("base")  # of an AccountState
_HOME = operator.itemgetter(0, 1)  # (account id, enterprise id) of a weight_accounts row
_ONE_BY_ONE = frozenset({"profile_change", "verification_change"})  # what the batch fold applies event by event


@dataclass
class _Batch:
    """What weight holds while one ingest batch is decided, event by event in decision order."""

    conn: Connection
    subjects: dict[str, Subject]
    accounts: dict[str, AccountState]  # the batch's accounts, folded up to the decision point
    enterprises: dict[str, EnterpriseState]
    active: set[str]  # member strike ids still active
    ent_subject: dict[str, Subject]
    events: list[Any]  # the batch's fresh events (`Batch.events`: in decision order once deciding starts)
    times: dict[str, float]  # `Batch.times`: event id → occurred_at in epoch seconds
    last: Any = None  # the event decided last (`after_event`), None before the first
    n: int = 0  # how many events were decided (`after_event`): `events[n]` is being decided, when in order
    folds: dict[str, AccountFold] = field(default_factory=dict)
    dirty: dict[str, list[AccountFold]] = field(default_factory=dict)  # enterprise → members folded since placed
    ent_day: dict[str, list[Any]] = field(default_factory=dict)  # enterprise → [its newest event's day, time]
    ent_points: dict[tuple[str, int], int] = field(default_factory=dict)  # enterprise history of the closed days
    late: dict[tuple[str, float, str], int] = field(default_factory=dict)  # late reads (tenths), by cut
    policy: WeightPolicy = field(default_factory=WeightPolicy)  # the policy in force for this batch
    scorer: Scorer = field(init=False)  # its account scorer
    # Folded later (issue 16): a batch whose events all fall on one UTC day `day`, all of known accounts, none of
    # whose states (nor enterprises') is past that day, is not folded event by event. A read folds what it needs
    # first (`WeightFeature._catch_up`); the rest is folded at the end in column passes (`_fold_rest`). Event i of
    # account a is folded iff i < upto.get(a, 0) (before the end).
    day: int | None = None  # that day when folded later, else None (folded event by event in `after_event`)
    aids: list[Any] | None = None  # the events' account ids, in decision order (made at the first need)
    ents: list[str] | None = None  # the events' enterprise ids, likewise
    upto: dict[str, int] = field(default_factory=dict)  # account → its events before this index are folded
    order: list[str] = field(default_factory=list)  # the end: the batch's accounts in the order of their first event
    lasts: dict[str, Any] = field(default_factory=dict)  # the end: account folded in columns → its last event
    # when ingest does not call `after_event` (`WeightFeature.after_event_wanted`): `Batch.decisions`, whose size is
    # then the count of decided events (`count`)
    decisions: dict[str, Any] | None = None
    ent_upto: dict[str, int] = field(default_factory=dict)  # enterprise → its members' events before it are folded

    def __post_init__(self) -> None:
        self.scorer = scorer(self.policy.account)

    cascades: int = 0

    def ts(self, e: Any) -> float:
        """An event's occurred_at in epoch seconds (from `times` when worked out already)."""
        t = self.times.get(e.id)
        return e.occurred_at.timestamp() if t is None else t

    def count(self) -> int:
        """How many events were decided (`n`, and `last` with it): `after_event`'s count, or the size of the batch's
        decisions when ingest does not call `after_event` (a decision is recorded before the features' `after_event`
        hooks run, and no earlier hook reads weights then: `WeightFeature.load`)."""
        d = self.decisions
        if d is not None:
            n = self.n = len(d)
            self.last = self.events[n - 1] if n else None
        return self.n

    def next_event(self) -> tuple[float, str] | None:
        """(epoch seconds, id) of the event being decided: the one after the event decided last (`last`) in
        decision order (time, then id), None after the last. Worked out when a rule reads, not kept up per event
        (reads are few; issue 16): `events[n]` when the events were decided in the order of `events` (ingest's),
        else found by bisection."""
        n = self.count()
        events, last = self.events, self.last
        if n == 0 or (n <= len(events) and events[n - 1] is last):
            return (self.ts(events[n]), events[n].id) if n < len(events) else None
        order = sorted((self.ts(e), e.id) for e in events)  # (floats sort faster than aware datetimes)
        pos = bisect.bisect_right(order, (self.ts(last), last.id))
        return order[pos] if pos < len(order) else None

    def decided(self, aid: str) -> list[Any]:
        """The account's events of this batch decided so far: `events[:n]` when they were decided in the order of
        `events` (ingest's); else every event of the account (a read keeps those before its decision)."""
        n = self.count()
        events, last = self.events, self.last
        if n == 0 or (n <= len(events) and events[n - 1] is last):
            events = events[:n]
        return [e for e in events if e.__dict__.get("account_id") == aid]


@dataclass
class _AheadReads(core.Reads):
    """`WeightFeature.read_ahead`'s reads: the accounts' states (`covers`; the first `split` statements), then the
    enterprises' (`firms`)."""

    split: int = 0
    firms: frozenset[str] = frozenset()


class BatchWeights:
    """The `WeightSource` a batch's rules read: the weight feature's answers from this batch's state."""

    __slots__ = ("b", "feature")

    def __init__(self, feature: WeightFeature, b: _Batch) -> None:
        self.feature, self.b = feature, b

    def account_weight(self, account_id: str, at: datetime | None = None) -> float | None:
        return self.feature.account_weight(self.b, account_id, at)

    def enterprise_weight(self, enterprise_id: str, at: datetime | None = None) -> float | None:
        return self.feature.enterprise_weight(self.b, enterprise_id, at)


class WeightFeature(Feature):
    """Weight upkeep during ingest: each batch's WeightSource (`load` sets `batch.weights`), the per-event fold
    (`after_event`), the S-A5 cascade (`after_strike`), the writes (`after_store`), and the cascade's re-judging
    when a member's strike is voided or overturned (`on_strike_status`). Per-batch state: `batch.state["weight"]`.

    Weight follows each event (issue 10): `after_event` folds the decided event into its account's state
    (O(1), or one score when a day closes) and marks the account for its enterprise; a read at decision time
    `at` scores the account from the events before the decision, and places the marked members in their
    enterprise's buckets first. So one event per batch and one batch of many decide alike.
    """

    name = "weight"
    CACHE_LIMIT = 200_000  # states kept between batches (each a few hundred bytes); past it, start afresh
    # Fold a one-day batch at its reads and its end (`_Batch.day`) when True; event by event when False (the
    # default): on `warden bench ingest`'s stream (3,000 events after its warm-up, callgrind) folding later costs
    # more instructions (1,328.6 M against 1,320.9 M: its column passes run in C what the opcodes it saved did not
    # cost), though fewer Python opcodes (issue 16, docs/performance.md). Either way the same rows and decisions
    # (`tests/integration/test_weight_fold_later.py`).
    fold_later = False

    def __init__(self, rules: RuleEngine, clock: Clock, subject_cache: SubjectCache | None = None) -> None:
        self.rules = rules  # the policy in force is read from the rules, live
        self.clock = clock
        # Parsed states kept between batches. They are trusted only while the audit chain shows that our last
        # batch committed and nobody else wrote weight state since (every writer appends a `weight.*` entry).
        self._accounts: dict[str, AccountState] = {}
        self._enterprises: dict[str, EnterpriseState] = {}
        self._homes: dict[str, str | None] = {}  # account → the enterprise its stored row names (None: no row)
        self._mark: tuple[int, int] | None = None
        self._after_wanted = True  # `after_event_wanted` for the batch being decided (`load`)
        self.subject_cache = subject_cache  # the core's SubjectCache, whose audit-tail check we can reuse

    def _cache_valid(self, conn: Connection) -> bool:
        """Our last batch committed (`_mark`), and since then the core found every partition of this batch as we
        left it (else it called `on_foreign_change`, which dropped the states): issue 17, per partition."""
        if self._mark is None or len(self._accounts) > self.CACHE_LIMIT:
            return False
        core = self.subject_cache
        if core is not None and core.seq is not None:
            return True  # the core just proved nobody wrote in this batch's partitions: no query needed
        return store.weight_cache_still_ours(conn, self._mark)

    def on_foreign_change(self, conn: Connection) -> None:
        """Someone else wrote in a partition of this batch (or our last batch failed): the kept states may differ."""
        self._forget()

    def _forget(self) -> None:
        """Drop every kept state (they may no longer equal the stored ones)."""
        self._accounts.clear()
        self._enterprises.clear()
        self._homes.clear()

    @property
    def whole(self) -> Policy:
        return self.rules.policy

    @property
    def policy(self) -> WeightPolicy:
        return self.whole.weight

    # --- before the rules: load state -----------------------------------------------------------------------

    def read_ahead(self, conn: Connection, accounts: Sequence[str], enterprises: Sequence[str]) -> core.Reads | None:
        """The stored states `load` reads: of the accounts and enterprises this process holds none of (ingest
        sends them with the accounts' own reads, in one round trip on PostgreSQL; issue 16)."""
        missing = [a for a in dict.fromkeys(accounts) if a not in self._accounts]
        firms = [e for e in dict.fromkeys(enterprises) if e not in self._enterprises]
        if not missing and not firms:
            return None
        states = store.stored_accounts_reads(conn, missing).statements
        return _AheadReads(
            states + store.enterprise_states_reads(conn, firms).statements,
            frozenset(missing),
            split=len(states),
            firms=frozenset(firms),
        )

    def load(self, conn: Connection, batch: Batch) -> None:
        # The state is read under the writers' lock: `Ingest._ingest` takes it before anything else (audit tail).
        events, subjects = batch.events, batch.subjects
        self._after_wanted = True
        if not events:
            return  # a batch of no events (a manual strike): weight has nothing to fold, the cascade stays out
        if not self._cache_valid(conn):
            self._forget()
        self._mark = None  # until this batch is folded in and its audit entry written
        aids = list(map(dict.get, map(_DICT, events), repeat("account_id")))  # (not yet in decision order)
        distinct: list[Any] = list(dict.fromkeys(aids))
        ids: list[str] = list(compress(distinct, map(subjects.__contains__, distinct)))  # (None is in no dict of ids)
        cache = self._accounts
        missing = [a for a in ids if a not in cache]
        ahead: _AheadReads | None = batch.ahead.get(self.name)
        if missing:
            if ahead is not None and ahead.rows is not None and ahead.covers.issuperset(missing):
                found = store.stored_accounts_from(r for rows in ahead.rows[: ahead.split] for r in rows)
            else:
                found = store.stored_accounts(conn, missing)
            homes = self._homes
            for a in missing:
                hit = found.get(a)
                if hit is None:
                    homes[a] = None
                else:
                    cache[a], homes[a] = hit
        # (in C-level passes: the batch's states, and each enterprise's first subject)
        found_states = dict(zip(ids, map(cache.get, ids), strict=True))
        if None in found_states.values():
            for aid, st in found_states.items():
                if st is None:
                    found_states[aid] = cache[aid] = AccountState()
        accounts: dict[str, AccountState] = found_states  # type: ignore[assignment]
        if None in map(_BASE, accounts.values()):  # before the rules touch the accounts: how a new state begins
            for aid, st in accounts.items():
                if st.base is None:
                    st.seed(subjects[aid].account)
        firsts = list(map(subjects.__getitem__, reversed(ids)))  # (reversed: the first subject is set last)
        ent_subject: dict[str, Subject] = dict(zip(map(_ENTERPRISE_ID, firsts), firsts, strict=True))
        enterprises = self._enterprises
        firms = sorted(e for e in ent_subject if e not in enterprises)
        if firms and ahead is not None and ahead.rows is not None and ahead.firms.issuperset(firms):
            states = store.enterprise_states_from(r for rows in ahead.rows[ahead.split :] for r in rows)
            enterprises.update((e, states[e]) for e in firms if e in states)
        else:
            enterprises.update(store.enterprise_states(conn, firms))
        active = store.active_strike_ids(
            conn, (sid for eid in ent_subject if eid in enterprises for sid in enterprises[eid].strikes)
        )
        alone = not batch.state  # no feature before weight in hook order keeps state for this batch
        b = batch.state[self.name] = _Batch(
            conn, subjects, accounts, enterprises, active, ent_subject, events, batch.times, policy=self.policy
        )
        b.day = self._one_day(b, aids) if self.fold_later else None
        if b.day is not None and alone:
            # Then `after_event` would only count the decided events, which `Batch.decisions` counts as well: a
            # feature whose `after_event` runs later in hook order reads after this event's decision is recorded,
            # as it read after weight's `after_event`; none runs earlier (the shadow keeps no state without a shadow
            # policy). Ingest asks `after_event_wanted` after `load`, once per batch.
            b.decisions = batch.decisions
            self._after_wanted = False
        batch.weights = BatchWeights(self, b)

    @staticmethod
    def _one_day(b: _Batch, aids: list[Any]) -> int | None:
        """The UTC day of every event of the batch when they can be folded later (`_Batch.day`): every event has
        a known account and its time, all on that one day, and no account's or enterprise's state is past it.
        Then nothing in the fold scores between two events (no day closes: an account's and an enterprise's
        points are the end's), every member a read places goes to that day's bucket under the same cut, so
        placing in any order gives the same buckets, and folding an account's events in one step gives its
        state as folding them one by one does. Else None: folded event by event (`after_event`)."""
        if not all(map(b.subjects.__contains__, aids)):
            return None  # an enterprise's own event (its verification changes the enterprise in place), or unknown
        found = list(map(b.times.get, map(_ID, b.events)))
        if None in found:
            return None
        stamps: list[float] = found  # type: ignore[assignment]
        day = int(min(stamps) // DAY)
        if int(max(stamps) // DAY) != day or int(max(map(_LAST_TS, b.accounts.values())) // DAY) > day:
            return None
        enterprises = b.enterprises
        if any(enterprises[e].last_day > day for e in b.ent_subject if e in enterprises):
            return None
        return day

    # --- after each decision: the next decision reads the state this event left --------------------------

    def after_event_wanted(self, event_type: str) -> bool:
        """Whether ingest calls `after_event` in this batch: not in a one-day batch folded later with no feature
        before weight keeping state for it (`load`)."""
        return self._after_wanted

    def after_event(self, batch: Batch, event: Any, decision: Decision, subject: Subject | None) -> None:
        """Fold a decided event in (ingest calls this in decision order). `subject` is None for an
        enterprise's own event, which changed the enterprise in place and needs nothing here but its place in the
        decision order (`_Batch.last`)."""
        b = batch.state.get("weight")  # (`self.name`)
        if b is None:
            return
        if b.decisions is not None:
            return  # (counted by the batch's decisions)
        b.last = event
        b.n += 1
        if b.day is not None:  # folded later: a read folds what it needs (`_catch_up`), the end the rest (ingest
            return  # decides `Batch.events` in their order, so the decided ones are `events[:n]`)
        if subject is None:
            return
        aid = subject.account.id
        fold = b.folds.get(aid)
        if fold is None:
            st = b.accounts.get(aid)
            if st is None:
                return
            fold = b.folds[aid] = AccountFold(b.policy, st, subject.account, subject.strikes, b.scorer)
        ts = b.times.get(event.id)
        if ts is None:
            ts = event.occurred_at.timestamp()
        eid = subject.enterprise.id
        day = int(ts // DAY)
        prev = b.ent_day.get(eid)
        if prev is None or prev[0] != day:
            if prev is not None:  # the enterprise's day closes at its last event: a history point
                self._place(b, eid)
                b.ent_points[(eid, prev[0])] = self._enterprise_tenths(b, eid, prev[1])
            b.ent_day[eid] = [day, event.occurred_at]
        else:
            prev[1] = event.occurred_at
        if day != fold.day and fold.at is not None:  # `AccountFold.step`, inline (this runs for every event)
            fold.points.append((fold.day, fold.tenths(fold.st, fold.account, fold.strikes, fold.at, False, fold.at_ts)))
        fold.st.apply(event, ts, day)
        fold.day, fold.at, fold.at_ts = day, event.occurred_at, ts
        if not fold.marked:  # marked for its enterprise: placed in its buckets before the enterprise is read
            fold.marked = True
            dirty = b.dirty.get(eid)
            if dirty is None:
                b.dirty[eid] = [fold]
            else:
                dirty.append(fold)

    # --- folded later (`_Batch.day`): what a read needs first, the rest at the end ----------------------------

    @staticmethod
    def _aids(b: _Batch) -> list[Any]:
        """The batch's events' account ids in decision order (made at the first need: ingest sorts the events
        after `load`)."""
        aids = b.aids
        if aids is None:
            aids = b.aids = list(map(dict.get, map(_DICT, b.events), repeat("account_id")))
        return aids

    @staticmethod
    def _fold_one(b: _Batch, e: Any, aid: str) -> None:
        """Fold one event of the day in, as `after_event` does (no day closes on the batch's one day)."""
        fold = b.folds.get(aid)
        if fold is None:
            s = b.subjects[aid]
            fold = b.folds[aid] = AccountFold(b.policy, b.accounts[aid], s.account, s.strikes, b.scorer)
        ts = b.times[e.id]
        day = b.day
        assert day is not None  # (only when folded later)
        fold.st.apply(e, ts, day)
        fold.day, fold.at, fold.at_ts = day, e.occurred_at, ts
        if not fold.marked:
            fold.marked = True
            eid = b.subjects[aid].enterprise.id
            dirty = b.dirty.get(eid)
            if dirty is None:
                b.dirty[eid] = [fold]
            else:
                dirty.append(fold)

    def _catch_up(self, b: _Batch, aid: str) -> None:
        """Fold the account's decided events not folded yet (a read of it)."""
        n, start = b.count(), b.upto.get(aid, 0)
        if start >= n:
            return
        aids, events = self._aids(b), b.events
        for i in compress(range(start, n), map(aid.__eq__, islice(aids, start, n))):
            self._fold_one(b, events[i], aid)
        b.upto[aid] = n

    def _catch_up_enterprise(self, b: _Batch, eid: str) -> None:
        """Fold the decided events not folded yet of the enterprise's members (a read of the enterprise, or a
        member's strike: its members are placed next)."""
        n, start = b.count(), b.ent_upto.get(eid, 0)
        if start >= n:
            return
        aids, events, upto = self._aids(b), b.events, b.upto
        ents = b.ents
        if ents is None:
            ent_of = dict(zip(b.accounts, map(_ENTERPRISE_ID, map(b.subjects.__getitem__, b.accounts)), strict=True))
            ents = b.ents = list(map(ent_of.__getitem__, aids))
        touched: list[str] = []
        for i in compress(range(start, n), map(eid.__eq__, islice(ents, start, n))):
            aid = aids[i]
            if i >= upto.get(aid, 0):
                self._fold_one(b, events[i], aid)
                touched.append(aid)
        for aid in touched:
            upto[aid] = n
        b.ent_upto[eid] = n

    def _fold_rest(self, b: _Batch) -> None:
        """The end of a batch folded later: the events no read folded, and `after_event`'s bookkeeping (each
        account's fold, each enterprise's day and last event time), in the order `after_event` would have made
        them. The accounts no read touched are folded in column passes: each account's counts per bucket key
        (`AccountState.apply`'s bumps, in one step per account and key), the features it used, its newest event
        (the last in decision order: the order is by time, then id), and its profile and verification changes one
        by one."""
        events, aids, upto, day = b.events, self._aids(b), b.upto, b.day
        assert day is not None
        if upto:  # the accounts a read folded: the rest of their events one by one
            early = list(map(upto.__contains__, aids))
            for i in compress(range(len(events)), early):
                aid = aids[i]
                if i >= upto[aid]:
                    self._fold_one(b, events[i], aid)
            rest = list(map(operator.not_, early))
            evs, ras = list(compress(events, rest)), list(compress(aids, rest))
        else:
            evs, ras = events, aids
        if evs:
            self._fold_columns(b, evs, ras, day)
        b.order = list(dict.fromkeys(aids))  # `after_event` made the folds in the order of each account's first event
        ents = b.ents
        if ents is None:
            ent_of = dict(zip(b.accounts, map(_ENTERPRISE_ID, map(b.subjects.__getitem__, b.accounts)), strict=True))
            ents = b.ents = list(map(ent_of.__getitem__, aids))
        b.ent_day = {eid: [day, e.occurred_at] for eid, e in dict(zip(ents, events, strict=True)).items()}

    @staticmethod
    def _fold_columns(b: _Batch, evs: list[Any], ras: list[str], day: int) -> None:
        """Fold the events `evs` (accounts `ras`, in decision order) of accounts not folded yet in this batch."""
        types = list(map(_TYPE, evs))
        counts = Counter(zip(ras, map(_COUNTED.get, types), strict=True))
        is_login = list(map("login".__eq__, types))
        if True in is_login:  # a login via the linked personal account on a real phone counts `_K` too
            linked = map((True, "real").__eq__, map(_LINKED_REAL, compress(evs, is_login)))
            counts.update(zip(compress(compress(ras, is_login), linked), repeat(_K)))
        is_use = list(map("feature_use".__eq__, types))
        used = dict.fromkeys(zip(compress(ras, is_use), map(_FEATURE, compress(evs, is_use)), strict=True))
        used.update(dict.fromkeys(zip(compress(ras, map("message".__eq__, types)), repeat("chat_message"))))
        accounts, times = b.accounts, b.times
        lasts = b.lasts = dict(zip(ras, evs, strict=True))  # each account's last event (`_write` scores it there)
        for aid, e in lasts.items():
            st = accounts[aid]
            ts = times[e.id]
            if ts > st.last_ts or (ts == st.last_ts and e.id > st.last_id):
                st.last_ts, st.last_id = ts, e.id
        for (aid, key), by in counts.items():  # what `by` events counting `key` do in `AccountState.apply`, in one step
            if key is None:
                continue
            st = accounts[aid]
            bucket = st.days.get(day)
            if bucket is None:
                bucket = st.days[day] = [0, 0, 0, 0, 0, 0, 0]
            first = key == _U and not bucket[_U]
            roll = st._roll
            if roll is not None and day <= roll.today:
                roll.bump(day, key, first, by)
            if key != _U or first:
                st._changes += 1
            bucket[key] += by
        for aid, feat in used:
            st = accounts[aid]
            if st.feats.get(feat, -1) < day:
                st.feats[feat] = day
                st._changes += 1
        if not _ONE_BY_ONE.isdisjoint(types):
            marks = list(map(_ONE_BY_ONE.__contains__, types))
            for e, aid in zip(compress(evs, marks), compress(ras, marks), strict=True):
                accounts[aid].apply_marks(e, times[e.id])

    def _place(self, b: _Batch, eid: str) -> None:
        """Move the members folded since they were last placed to their current score and last active day in
        the enterprise's buckets (what `after_store` would have done had each event been its own batch)."""
        members = b.dirty.pop(eid, None)
        if not members:
            return
        est = b.enterprises.get(eid)
        if est is None:
            est = b.enterprises[eid] = EnterpriseState()
        keep = self.policy.enterprise_keep_days
        counts = self.policy.enterprise.members.counts
        for fold in members:
            fold.marked = False
            st = fold.st
            est.move_member(st, st.last_day, fold.latest_score(), keep, counts(fold.account, st.last_ts))

    def _cut(self, b: _Batch, at: datetime) -> tuple[float, str]:
        """The decision point as (epoch seconds, event id): a read sees the events strictly before it."""
        ts = at.timestamp()
        deciding = b.next_event()
        if deciding is not None and deciding[0] == ts:
            return deciding
        return (ts, _LAST_ID)

    # --- WeightSource: what the rules read, as of the decision ------------------------------------------------

    def account_weight(self, b: _Batch, account_id: str, at: datetime | None = None) -> float | None:
        """The account's weight (0–100) at decision time `at`, from the events before the decision; None
        for an account without events in the batch (the rules then scale by 1)."""
        if at is None or account_id not in b.accounts:
            return None
        if b.day is not None:
            self._catch_up(b, account_id)
        st = b.accounts[account_id]
        s = b.subjects[account_id]
        cut = self._cut(b, at)
        if st.newest > cut:  # late: events after this one were folded already (an earlier batch)
            return self._late_tenths(b, account_id, at, cut) / 10
        return b.scorer.tenths(st, s.account, s.strikes, at, False, cut[0]) / 10

    def _late_tenths(self, b: _Batch, aid: str, at: datetime, cut: tuple[float, str]) -> int:
        """A late event's read: its account's weight rebuilt from the stored events before it (and this
        batch's, decided before it) — the rare path, one query. Only the kept window and the profile and
        verification events (which hold their latest value) matter."""
        key = (aid, *cut)
        hit = b.late.get(key)
        if hit is not None:
            return hit
        p = self.policy
        s = b.subjects[aid]
        st = AccountState(base=b.accounts[aid].base)
        st.seed(s.account)
        since = at - timedelta(days=p.account.keep_days + 1)
        evs = store.events_before(b.conn, aid, at, since) + (b.decided(aid) if aid in b.folds else [])
        for x in sorted((x for x in evs if (x.occurred_at.timestamp(), x.id) < cut), key=_event_key):
            st.apply(x)
        out = b.late[key] = scorer(p.account).tenths(st, s.account, s.strikes, at, False, cut[0])
        return out

    def enterprise_weight(self, b: _Batch, enterprise_id: str, at: datetime | None = None) -> float | None:
        """The enterprise's weight (0–100) at decision time `at`, its members placed as of the events before
        the decision; None for an enterprise without members in the batch."""
        if at is None or enterprise_id not in b.ent_subject:
            return None
        if b.day is not None:
            self._catch_up_enterprise(b, enterprise_id)
        self._place(b, enterprise_id)
        return self._enterprise_tenths(b, enterprise_id, at) / 10

    def _enterprise_tenths(self, b: _Batch, eid: str, at: datetime) -> int:
        s = b.ent_subject[eid]
        st = b.enterprises.get(eid) or EnterpriseState()
        return enterprise_tenths(self.policy.enterprise, s.enterprise, st, b.active, s.enterprise_strikes, at)

    def _member_state(self, b: _Batch, aid: str) -> AccountState | None:
        """A member's state, wherever it is: this batch, the cache (equal to the store), or the store."""
        st = b.accounts.get(aid) or self._accounts.get(aid)
        if st is None:
            st = store.account_state(b.conn, aid)
            if st is None:
                return None
            self._accounts[aid] = st
        return st

    # --- strike hook: the S-A5 cascade ----------------------------------------------------------------------

    def after_strike(self, batch: Batch, strike: Strike, subject: Subject) -> list[StrikeRequest]:
        """After a member's strike: restrict the whole enterprise if enough members are restricted within the
        window and the enterprise's weight without those restrictions is below the bar, or at once on a severe
        strike (S-A5).

        Counted: distinct members with an active strike in the window (t − w < s ≤ t) that no earlier cascade
        of the enterprise counted. The bar reads `cascade_breakdown`: the restricted members, the restricted-
        members penalty and the enterprise's own cascade strikes are left out, so a correctly restricted
        abuser cannot tip a healthy enterprise by himself and a cascade does not feed the next. The share rule
        needs `share_min_active` active members. The restriction is one row on the enterprise; members'
        state derives from it.
        """
        b = batch.state.get(self.name)
        if b is None or strike.subject_type != "account" or b.subjects.get(subject.account.id) is not subject:
            return []  # outside an ingest batch this hook has no weight state to judge by
        p = self.policy
        eid = subject.enterprise.id
        if b.day is not None:
            self._catch_up_enterprise(b, eid)
        est = b.enterprises.setdefault(eid, EnterpriseState())
        est.add_strike(strike.id, subject.account.id, strike.at.timestamp())
        b.active.add(strike.id)
        b.ent_subject.setdefault(eid, subject)
        cp = p.cascade
        if not cp.enabled:
            return []
        at = strike.at
        if any(r.rule_id == "cascade" and r.active_at(at) for r in subject.enterprise_restrictions):
            return []  # already cascaded and still in force
        self._place(b, eid)
        spent = counted_by_cascades(subject.enterprise_strikes, at)
        counted = counted_members(cp, est, b.active, spent, at)
        left_out = []
        for aid in sorted(set(counted.values())):
            st = self._member_state(b, aid)
            if st is not None:
                left_out.append((st.ent_day, st.ent_score))
        s = b.ent_subject[eid]
        # The striking member is active by the event being decided, even before `after_event` places it in the
        # enterprise's buckets: otherwise the order of two members' violations would decide the cascade.
        today = day_of(at.timestamp())
        me = self._member_state(b, subject.account.id)
        placed = me is not None and me.ent_day is not None and today - p.enterprise.members.active_days < me.ent_day
        request = cascade_request(
            p,
            strike,
            subject.account.id,
            s.enterprise,
            est,
            counted,
            left_out,
            s.enterprise_strikes,
            0 if placed else 1,
        )
        if request is None:
            return []
        b.cascades += 1
        return [request]

    def on_strike_status(
        self, conn: Connection, audit: core.AuditWriter, strike: Strike, actor: str, now: datetime
    ) -> list[StrikeStatusRequest]:
        """A member's strike was voided or overturned: cascades that counted it are judged again."""
        return rejudge_cascades(self.whole, conn, strike, now)

    # --- after the rules: write the batch's states ------------------------------------------------------------

    def after_store(self, conn: Connection, audit: core.AuditWriter, batch: Batch) -> None:
        b = batch.state.get(self.name)
        if b is not None:
            if b.day is not None:
                self._fold_rest(b)
            self._write(conn, audit, b, batch.events, batch.subjects, batch.effects)

    def _write(
        self,
        conn: Connection,
        audit: core.AuditWriter,
        b: _Batch,
        events: list[Any],
        subjects: dict[str, Subject],
        changes: Effects,
    ) -> None:
        p = self.policy
        for x in changes.strikes:
            if x.subject_type == "account" and x.subject_id in subjects:
                eid = subjects[x.subject_id].enterprise.id
                b.enterprises.setdefault(eid, EnterpriseState()).add_strike(x.id, x.subject_id, x.at.timestamp())
                b.active.add(x.id)
        acc_rows: list[tuple[str, str, str, int]] = []
        hist: dict[tuple[str, str, int], int] = {}
        ent_keep = p.enterprise_keep_days
        min_history = p.enterprise.members.min_history_days * DAY  # `Members.counts`, inline: once per account
        enterprises, accounts, folds, lasts, times = b.enterprises, b.accounts, b.folds, b.lasts, b.times
        day, tenths = b.day, b.scorer.tenths
        for aid in b.order if day is not None else list(folds):
            s = subjects[aid]
            eid = s.enterprise.id
            account = s.account
            fold = folds.get(aid)
            if fold is None:  # folded in column passes (`_fold_columns`): `AccountFold.finish`'s usual step, inline
                st = accounts[aid]
                e = lasts[aid]
                at_ts = times[e.id]
                score = tenths(st, account, s.strikes, e.occurred_at, False, at_ts)
                op = st.open_point
                if op is not None and op[0] == day and at_ts == st.last_ts:
                    st.open_point = [day, score]
                else:  # a new state, a day closes, or a late event: the fold's own finish
                    fold = AccountFold(p, st, account, s.strikes, b.scorer)
                    fold.day, fold.at, fold.at_ts = day, e.occurred_at, at_ts  # type: ignore[assignment]
                    closed, score = fold.finish(score)
                    for d, sc in closed:
                        hist[("account", aid, d)] = sc
            else:
                st = fold.st
                closed, score = fold.finish()
                for d, sc in closed:
                    hist[("account", aid, d)] = sc
            est = enterprises.get(eid)
            if est is None:
                est = enterprises[eid] = EnterpriseState()
            last_ts = st.last_ts
            new_day = int(last_ts // DAY)
            old = st.ent_score
            # `EnterpriseState.move_member`'s step within the same day's bucket, inline (the usual case)
            if (
                old is not None
                and new_day == st.ent_day
                and est.last_day - ent_keep <= new_day <= est.last_day
                and last_ts - account.created_at.timestamp() >= min_history
                and (bucket := est.members.get(new_day)) is not None
                and (bucket[1] >= 2 or (bucket[1] == 1 and bucket[0] == old))
            ):
                bucket[0] += score - old
                st.ent_score = score
            else:
                counted = last_ts - account.created_at.timestamp() >= min_history
                est.move_member(st, new_day, score, ent_keep, counted)
            acc_rows.append((aid, eid, st.to_json(), score))
        b.dirty.clear()
        for (eid, day), sc in b.ent_points.items():
            hist[("enterprise", eid, day)] = sc
        now = self.clock.now()
        ent_rows: list[tuple[str, str]] = []
        for eid, (day, at) in b.ent_day.items():
            est = enterprises[eid]
            est.prune(ent_keep)
            hist[("enterprise", eid, day)] = self._enterprise_tenths(b, eid, at)
            ent_rows.append((eid, est.to_json()))
        store.write_batch(conn, acc_rows, self._homes, ent_rows, now, [(*k, sc) for k, sc in hist.items()])
        self._homes.update(map(_HOME, acc_rows))  # (kept only if the batch commits: `_cache_valid`)
        if acc_rows:
            audit.append(
                now,
                "weight",
                "weight.updated",
                f"batch:{events[0].id}",
                {"accounts": len(acc_rows), "enterprises": len(ent_rows), "cascades": b.cascades},
            )
            self._mark = (audit.chain, audit.tail_seq)  # our entry: the batch committed once the core keeps it


def weight_feature(rules: RuleEngine, clock: Clock, subject_cache: SubjectCache) -> WeightFeature | None:
    """The weight feature for this policy (bootstrap builds it once); None when `weight.enabled` is false."""
    loaded = rules.loaded
    p: WeightPolicy = loaded.policy.weight
    if not p.enabled:
        return None
    ladder = loaded.policy.ladder
    bad = [s for s in [p.cascade.severity, *p.cascade.severe_severities] if s not in ladder.severities]
    if bad:
        raise PolicyError(
            loaded.source,
            [
                f"{loaded.source}:?: weight.cascade: severity {bad[0]!r} is not a severity class of the ladder "
                f"({', '.join(ladder.severities)})"
            ],
        )
    return WeightFeature(rules, clock, subject_cache)


def weight_off(loaded: LoadedPolicy) -> LoadedPolicy:
    """The same policy with weight disabled (a benchmark's 'off' run: no weight feature is built)."""
    p = loaded.policy
    return dataclasses.replace(
        loaded, policy=p.model_copy(update={"weight": p.weight.model_copy(update={"enabled": False})})
    )


def rejudge_cascades(policy: Policy, conn: Connection, strike: Strike, now: datetime) -> list[StrikeStatusRequest]:
    """A member's strike was voided or overturned: an enterprise cascade that counted it is judged again on
    the members' strikes still active from its window's start until now (a later member strike would have
    cascaded too; strikes an earlier cascade counted stay spent, as in `WeightFeature.after_strike`) and the weight
    it was judged at, and lifted — its enterprise strike voided — when that no longer holds (S-A5 with S-D6)."""
    out: list[StrikeStatusRequest] = []
    if strike.subject_type != "account":
        return out
    account = core.get_account(conn, strike.subject_id)
    if account is None:
        return out
    cp = policy.weight.cascade
    for r in core.restrictions_of(conn, "enterprise", [account.enterprise_id], now):
        ev = r.evidence
        if (
            r.rule_id != "cascade"
            or not r.active_at(now)
            or r.strike_id is None
            or strike.subject_id not in ev.get("members", [strike.subject_id])
        ):
            continue
        spent = counted_by_cascades(
            (s for s in core.strikes_of(conn, "enterprise", [account.enterprise_id]) if s.id != r.strike_id),
            r.starts_at,
        )
        members = core.strikes_of(conn, "account", store.member_ids(conn, account.enterprise_id))
        if not cascade_holds(cp, ev, r.starts_at, members, spent, now):
            out.append(
                StrikeStatusRequest(
                    r.strike_id,
                    StrikeStatus.VOIDED,
                    f"the cascade's basis is gone: member strike {strike.id} {strike.status.value}",
                )
            )
    return out
