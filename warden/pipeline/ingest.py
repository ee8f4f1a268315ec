"""The ingest use case: validate a batch, answer re-sent ids from the store, decide the fresh events one at a
time in `(occurred_at, id)` order with every feature's hooks (`pipeline.feature` gives the order), then store the
events, their decisions and effects and append to the audit chain, all in one transaction.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import operator
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy.engine import Connection, Engine

from warden.adapters import metrics, store
from warden.adapters.audit_state import seal
from warden.adapters.database import LOCK_TIMES, defer_writes, driver_pipeline, try_lock_partitions
from warden.adapters.subject_cache import SubjectCache
from warden.kernel.audit import DIGEST_VERSION
from warden.kernel.clock import Clock
from warden.kernel.counters import Counters
from warden.kernel.decision import Decision, Effects, Reason
from warden.kernel.errors import Conflict, InvalidInput
from warden.kernel.events import (
    EVENT_MODELS,
    EVENT_TYPES,
    MAX_BATCH,
    BatchAdapter,
    EventAdapter,
    FieldError,
    field_errors,
)
from warden.kernel.partition import DEFAULT_PARTITIONS, PLATFORM_CHAIN, chain_of, partition_of
from warden.pipeline.batch import Batch
from warden.pipeline.effects import audit_effects
from warden.pipeline.engine import RuleEngine
from warden.pipeline.feature import HOOKS, Feature, overriding
from warden.pipeline.ports import BatchScreener, PolicyWatch
from warden.pipeline.redecide import Redecision, uncounted
from warden.policy import LoadedPolicy

FUTURE_SKEW = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # events older than this are refused: every window still has room below
LATE_GRACE = timedelta(days=30)
"""How late an event may still arrive beyond the policy's longest window (`Ingest.oldest_age`): a platform outage
or a broker backlog is caught up within it. Older events are refused naming `occurred_at`: nothing they could
count towards is still open, so deciding them would only write history nobody can act on."""


@dataclass(eq=False)
class IngestRequest:
    """One caller's validated events waiting to be decided (group commit: `Ingest.ingest`, `Ingest.run_requests`);
    `result` or `error` is set once `done`."""

    events: list[Any]
    actor: str
    done: bool = False
    result: IngestResult | None = None
    error: Exception | None = None

    def outcome(self) -> IngestResult:
        """The result, or the error raised (once `done`)."""
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


@dataclass
class IngestResult:
    outcomes: list[Decision]
    stored: int
    duplicates: int
    audit_seq: int | None = None
    changes: Effects = field(default_factory=Effects)
    audit_chain: int | None = None  # the chain of `audit_seq` (issue 17: p + 1 for partition p)


class Ingest:
    """Decide and store batches. One batch at a time per process (`_lock`); the counters journal each batch so a
    failed one leaves no counts behind."""

    def __init__(
        self,
        engine: Engine,
        policy: LoadedPolicy,
        rules: RuleEngine,
        counters: Counters,
        clock: Clock,
        cache: SubjectCache,
        features: Sequence[Feature] = (),
        watch: PolicyWatch | None = None,
        partitions: int = DEFAULT_PARTITIONS,
    ) -> None:
        self.engine = engine
        self.rules = rules
        self.watch = watch  # the stored policy versions (issue 18): a promotion is taken at the next batch
        self.counters = counters
        self.clock = clock
        self.cache = cache
        self.features = list(features)
        self.partitions = partitions  # WARDEN_PARTITIONS: fixed per installation (kernel/partition.py)
        self._hooks = {h: overriding(self.features, h) for h in HOOKS}
        # the features whose `after_event` wants each event type (their `after_event_types` are class constants):
        # worked out once, not per batch (issue 16: a single event's batch paid it each time)
        self._after_type = {
            kind: [f for f in self._hooks["after_event"] if f.after_event_wanted(kind)] for kind in EVENT_TYPES
        }
        self._batch_screener: tuple[object, bool] | None = None  # (screener, whether it is a `BatchScreener`)
        self._lock = threading.Lock()  # one batch at a time per process
        self._waiting_lock = threading.Lock()  # guards `_waiting`, the requests queued for the next batch
        self._waiting: list[IngestRequest] = []
        # Whose counts this process holds, per partition (the accounts of the batches it decided), and the
        # platform chain's tail when it last decided: what `_forget_foreign` drops when another process wrote.
        self._counted: dict[int, set[str]] = {}
        self._platform_tail: int | None = None

    @property
    def batch_lock(self) -> threading.Lock:
        """Held while a batch is decided: a policy swap outside ingest waits for none (`LivePolicy.refresh_now`)."""
        return self._lock

    @property
    def loaded(self) -> LoadedPolicy:
        """The live policy (the rule engine's, swapped between batches when another version is promoted)."""
        return self.rules.loaded

    def _cover_reads(self, conn: Connection, events: list[Any], times: dict[str, float]) -> list[_Cover]:
        """What makes the counters hold everything the batch's decisions can see: for each account, every stored
        entry after its earliest event here minus the longest window. Accounts the counters do not cover that far
        (a restart, a late event older than what was kept, a Redis key that expired) are reloaded from the stored
        events, so no decision depends on what this process happens to remember. `times`: event id → epoch
        seconds. Returns the reads (`store.counter_entries_reads`, one per chunk of accounts), which ingest sends
        with the partition locks or with the accounts' own reads (`_reads_ahead`: one round trip on PostgreSQL,
        issue 16); `_cover` then loads them."""
        retention = self.rules.retention_seconds()
        need: dict[str, float] = {}
        for e in events:
            aid = e.__dict__.get("account_id")
            if aid:
                since = times[e.id] - retention
                if since < need.get(aid, _INF):
                    need[aid] = since
        if not need:
            return []
        cov = self.counters.coverage(list(need))
        stale = sorted(a for a, since in need.items() if a not in cov or cov[a] > since)
        out: list[_Cover] = []
        for chunk in store.chunks(stale):
            after = min(need[a] for a in chunk)
            until = max((cov[a] for a in chunk if a in cov), default=None)
            if any(a not in cov for a in chunk):
                until = None  # an account never loaded: everything after its need
            reads = store.counter_entries_reads(conn, chunk, _utc(after), None if until is None else _utc(until))
            out.append(_Cover(list(chunk), {a: (need[a], cov.get(a)) for a in chunk}, reads))
        return out

    def _reads_ahead(self, conn: Connection, events: list[Any], homes: dict[str, str], accounts: list[str]) -> _Ahead:
        """The reads a batch of `events` makes of its accounts before deciding (issue 16): the state of `accounts`
        (those the subject cache does not hold: `store.account_state_reads`), the counter entries the counters
        lack (`_cover_reads`) and each feature's `read_ahead` (`homes`: account → enterprise, as the directory
        has it), as statements for one round trip; nothing is sent here."""
        times = dict(zip(map(_ID, events), map(datetime.timestamp, map(_OCCURRED, events)), strict=True))
        live_after = min(map(_OCCURRED, events), default=self.clock.now())
        state = store.account_state_reads(conn, accounts, live_after) if accounts else []
        features: dict[str, store.Reads] = {}
        dicts = list(map(_DICT, events))
        acc_ids = list(filter(None, map(dict.get, dicts, itertools.repeat("account_id"))))
        if acc_ids and self._hooks["read_ahead"]:
            own = filter(None, map(dict.get, dicts, itertools.repeat("enterprise_id")))
            firms = list(dict.fromkeys([*(homes[a] for a in acc_ids if a in homes), *own]))
            for f in self._hooks["read_ahead"]:
                reads = f.read_ahead(conn, acc_ids, firms)
                if reads is not None and reads.statements:
                    features[f.name] = reads
        return _Ahead(times, state, frozenset(accounts), self._cover_reads(conn, events, times), features)

    def _cover(self, covers: list[_Cover]) -> int:
        """Load what `_cover_reads` read (once sent) into the counters: a covered account only fills the gap below
        what it holds. Returns entries reloaded."""
        loaded = 0
        for c in covers:
            found = store.counter_entries_from(c.reads.all_rows())
            for aid in c.accounts:
                since, held = c.bounds[aid]
                loaded += self.counters.load(aid, found.get(aid, []), since, held)
        return loaded

    def _redecision(self, conn: Connection, fresh: list[Any]) -> Redecision | None:
        """The re-decision a batch of `fresh` events (in event order) needs: for each of its accounts, the stored
        events after its oldest event here (`store.later_events`, one read); None when there are none (time order)."""
        firsts: dict[str, tuple[datetime, str]] = {}
        for e in fresh:
            aid = e.__dict__.get("account_id")
            if aid and aid not in firsts:  # `fresh` is in event order: the first seen is the oldest
                firsts[aid] = (e.occurred_at, e.id)
        later = store.later_events(conn, firsts)
        if not later:
            return None
        events = [x for payloads in later.values() for x in map(_stored_event, payloads) if x is not None]
        return Redecision(self.rules.effector, {aid: firsts[aid] for aid in later}, events)

    def oldest_age(self) -> timedelta:
        """How old an event may be when it arrives: the policy's longest window (the S-A rules' longest counter
        window, or the ladder's decay, whichever is longer) plus `LATE_GRACE`."""
        longest = max(self.rules.retention_seconds(), self.rules.policy.ladder.decay_days * 86400.0)
        return timedelta(seconds=longest) + LATE_GRACE

    def validate(self, raw: Sequence[Any]) -> list[Any]:
        if len(raw) > MAX_BATCH:
            raise InvalidInput(
                f"a batch holds at most {MAX_BATCH} events; this one has {len(raw)}",
                [FieldError(field="events", message=f"at most {MAX_BATCH} events per batch")],
            )
        try:  # events parsed at the edge (HTTP's `validate_json`) are models already: taken as they are
            events = list(raw)
            if not all(e.__class__ in EVENT_MODELS for e in events):
                events = BatchAdapter.validate_python(events)
        except ValidationError as exc:
            errs = field_errors(exc, "events")
            raise InvalidInput(f"{len(errs)} problem(s) in the events; nothing was stored", errs) from exc
        now = self.clock.now()
        limit, age = now + FUTURE_SKEW, self.oldest_age()
        if not events:
            return events
        at = list(map(_OCCURRED, events))
        if max(at) <= limit and min(at) >= max(EARLIEST, now - age):  # the usual batch: every time in bounds
            return events
        bad = [
            FieldError(field=f"events[{i}].occurred_at", message=f"{e.occurred_at.isoformat()} is in the future")
            if e.occurred_at > limit
            else FieldError(
                field=f"events[{i}].occurred_at",
                message=f"{e.occurred_at.isoformat()} is before {EARLIEST.date().isoformat()}; "
                "no platform event is that old",
            )
            if e.occurred_at < EARLIEST
            else FieldError(
                field=f"events[{i}].occurred_at",
                message=f"{e.occurred_at.isoformat()} is more than {age.days} days old (the policy's longest "
                f"window plus {LATE_GRACE.days} days' grace); it comes too late to be decided",
            )
            for i, e in enumerate(events)
            if e.occurred_at > limit or e.occurred_at < EARLIEST or e.occurred_at < now - age
        ]
        if bad:
            raise InvalidInput(f"{len(bad)} event(s) dated impossibly; nothing was stored", bad)
        return events

    def ingest(self, raw: Sequence[Any], actor: str = "platform") -> IngestResult:
        """Decide and store a batch atomically. An event id seen before is answered from the store.

        Group commit (issue 16): requests that arrive while another batch is being decided wait for the batch lock
        in a queue; whoever takes the lock next decides every waiting request of the same actor (up to `MAX_BATCH`
        events) in ONE transaction and answers each with its own decisions, in its own order. Nothing is answered
        before that transaction commits. The decisions are those of deciding the requests one by one (a decision
        depends only on the events at or before its time, never on the batching: tests/integration/
        test_determinism.py). If the shared transaction fails (one request reuses an id with other content, names
        an unknown account, the database refuses…), every request of the group is run again on its own, so each
        gets its own answer or its own error.

        Raises `InvalidInput` (422) or `Conflict` (409) naming the field, nothing stored for that request."""
        mine = self.request(raw, actor)
        with self._waiting_lock:
            self._waiting.append(mine)
        with self._lock:
            if not mine.done:
                with self._waiting_lock:  # this request and the others of its actor, in arrival order
                    group, size, rest = [], len(mine.events), []
                    for r in self._waiting:
                        if r is mine:
                            group.append(r)
                        elif r.actor == actor and size + len(r.events) <= MAX_BATCH:
                            group.append(r)
                            size += len(r.events)
                        else:
                            rest.append(r)
                    self._waiting = rest
                if mine not in group:  # its leader failed outside any request's error (see `_run_group`)
                    group = [mine]
                self._run_group(group)
        return mine.outcome()

    def request(self, raw: Sequence[Any], actor: str = "platform") -> IngestRequest:
        """`raw` validated (`InvalidInput` naming the field, as `ingest` raises it) and ready for `run_requests`."""
        return IngestRequest(self.validate(raw), actor)

    def run_requests(self, requests: Sequence[IngestRequest]) -> None:
        """Decide `requests` (from `request`, in arrival order) under the batch lock, as `ingest` decides the
        requests queued together: each actor's in one transaction of up to `MAX_BATCH` events, in arrival order
        (the first request's actor first), each request answered on its own (`IngestRequest.outcome`). For a
        caller that gathers concurrent requests itself and hands them over from one thread (the HTTP API's
        `entrypoints.http.group_commit`), instead of one thread per request queueing in `ingest`."""
        with self._lock:
            rest = [r for r in requests if not r.done]
            while rest:
                group: list[IngestRequest] = []
                size, later = 0, []
                for r in rest:
                    if not group or (r.actor == group[0].actor and size + len(r.events) <= MAX_BATCH):
                        group.append(r)
                        size += len(r.events)
                    else:
                        later.append(r)
                self._run_group(group)
                rest = later

    def _run_group(self, group: list[IngestRequest]) -> None:
        """Decide `group` in one transaction, or each request alone when that fails (see `ingest`)."""
        if len(group) > 1:
            try:
                shared = self._run([e for r in group for e in r.events], group[0].actor)
            except Exception:  # one request's fault (or the database's): each on its own below
                pass
            else:
                at = 0
                for r in group:
                    outs = shared.outcomes[at : at + len(r.events)]
                    at += len(r.events)
                    dup = sum(1 for o in outs if o.duplicate)
                    r.result = IngestResult(
                        outs, len(outs) - dup, dup, shared.audit_seq, shared.changes, shared.audit_chain
                    )
                    r.done = True
                return
        for r in group:
            try:
                r.result = self._run(r.events, r.actor)
            except Exception as exc:
                r.error = exc
            r.done = True

    def _run(self, events: list[Any], actor: str) -> IngestResult:
        """One transaction, under the batch lock, with the collector off and the counters journalled; observed
        once per transaction in the metrics (`adapters/metrics.py`)."""
        started = time.perf_counter()
        extra: frozenset[int] = frozenset()
        with _no_gc():
            while True:
                self.counters.begin()
                try:
                    result = self._ingest(events, actor, extra)
                except PartitionsBusy as busy:  # decide it all again, every partition it reaches locked up front
                    self.counters.rollback()
                    self.cache.clear()
                    extra = extra | busy.partitions
                    continue
                except BaseException:
                    self.counters.rollback()
                    self.cache.clear()  # evaluation may have changed cached subjects in place
                    raise
                self.counters.commit()
                break
        metrics.observe_ingest(
            result.outcomes, result.stored, result.duplicates, result.changes, time.perf_counter() - started
        )
        return result

    def _forget_foreign(self, dropped: set[int], platform_tail: int) -> None:
        """Another process wrote in the `dropped` partitions since this one last decided there (their audit chains
        moved: `SubjectCache.check`): counts this process holds of their accounts may lack that process's events,
        so they are dropped and read again from the store before any decision needs them (`_cover_reads`). Counters
        every process shares (Redis) keep them (`Counters.forget`). A platform-wide write (the directory may have
        moved an account to another enterprise, so to another partition) drops every count held.

        Why: with `warden serve --workers N` (or any two processes on one database with in-process counters), a
        worker's counts of an account miss the events another worker stored, and its decisions would differ from
        one process's (tests/integration/test_serve_workers.py)."""
        if self._platform_tail is not None and platform_tail != self._platform_tail:
            self.counters.forget([a for accounts in self._counted.values() for a in accounts])
            self._counted.clear()
            return
        for p in dropped:
            accounts = self._counted.pop(p, None)
            if accounts:
                self.counters.forget(accounts)

    def partition_of(self, enterprise_id: str) -> int:
        """The partition of an enterprise's events (`kernel.partition`)."""
        return partition_of(enterprise_id, self.partitions)

    def _ingest(self, events: list[Any], actor: str, extra: frozenset[int] = frozenset()) -> IngestResult:
        now = self.clock.now()
        with self.engine.begin() as conn:
            defer_writes(conn)  # the event rows and audit entries go with the next statement or the COMMIT
            # The batch's partitions (each account's enterprise, as the directory has it now), locked before anything
            # is read: writers of other partitions go on beside us; platform-wide writers wait (database.py). Read
            # in ONE round trip on PostgreSQL with the transaction's BEGIN and the policy watch's indexed read (has
            # another version been promoted?), which is put in force before any decision (issue 16: a single
            # event's transaction was 5 round trips, now 3: this one, `lock_and_read`'s, the writes with the COMMIT).
            dicts = list(map(_DICT, events))
            probe = [self.watch.probe()] if self.watch is not None else []
            accounts = list(filter(None, map(dict.get, dicts, itertools.repeat("account_id"))))
            opening = driver_pipeline(conn, probe + store.enterprises_queries(conn, accounts))
            if self.watch is not None:
                self.watch.refresh(conn, opening[0])
            live_hash = self.rules.loaded.hash
            homes = store.enterprises_from(opening[len(probe) :])
            own = list(filter(None, map(dict.get, dicts, itertools.repeat("enterprise_id"))))
            homes.update(zip(own, own, strict=True))
            held = {self.partition_of(x) for x in homes.values()} | set(extra)
            chains = sorted(chain_of(p) for p in held)
            # The reads of the accounts this process holds nothing of (their state, counter entries, the features'
            # `read_ahead`) go with the locks, after them (issue 16: a first-seen account's decision then waits on
            # PostgreSQL as often as a known one's). They are made for the batch as sent: taken only when that is
            # the batch decided (no event stored before or sent twice) and nobody else wrote in its partitions
            # (nothing dropped below), else made again once those are known.
            sent = self._reads_ahead(conn, events, homes, self.cache.not_held(accounts))
            heads, stored = store.lock_and_read(
                conn, held, [PLATFORM_CHAIN, *chains], list(map(_ID, events)), sent.reads()
            )
            early: _Ahead | None = sent
            tails = {c: h.seq for c, h in heads.items()}
            stamps = {p: (tails[PLATFORM_CHAIN], tails[chain_of(p)]) for p in held}
            dropped = self.cache.check(stamps)
            if dropped:  # someone else wrote there: let features take over their changes
                early = None
                for f in self._hooks["on_foreign_change"]:
                    f.on_foreign_change(conn)
                self._forget_foreign(dropped, tails[PLATFORM_CHAIN])
            writers = {c: store.AuditWriter(conn, c, locked=True, head=heads[c]) for c in chains}
            eids = list(map(_ID, events))
            fresh: list[Any]
            payloads: dict[str, str]
            clashes: list[FieldError] = []
            if not stored and len(set(eids)) == len(eids):  # the usual case: every event new, and each once
                fresh = list(events)
                payloads = dict(zip(eids, map(_PAYLOAD, events), strict=True))
            else:
                early = None
                fresh, seen = [], set(stored)
                payloads = {}
                firsts: dict[str, Any] = {}
                for i, e in enumerate(events):  # an id answered before (or earlier here) must carry the same event
                    first = firsts.get(e.id)
                    if first is None and e.id in stored:  # one that no longer validates matches nothing
                        first = firsts[e.id] = _stored_event(stored[e.id][1]) or _UNMATCHABLE
                    if first is not None:
                        if first != e:  # pydantic equality: the same fields; times as instants, whatever the offset
                            clashes.append(
                                FieldError(
                                    field=f"events[{i}].id",
                                    message=f"event id {e.id!r} was already used for a different event; "
                                    "an id is sent again only to retry the very same event",
                                )
                            )
                        continue
                    firsts[e.id] = e
                    payloads[e.id] = e.model_dump_json()
                    if e.id not in seen:
                        seen.add(e.id)
                        fresh.append(e)
            if clashes:
                ids = ", ".join(repr(events[int(c.field[7:].split("]")[0])].id) for c in clashes)
                raise Conflict(f"event id {ids} reused with different content; nothing was stored", clashes)
            dicts = list(map(_DICT, fresh))
            acc_ids: list[str] = list(filter(None, map(dict.get, dicts, itertools.repeat("account_id"))))
            ent_ids: list[str] = list(filter(None, map(dict.get, dicts, itertools.repeat("enterprise_id"))))
            live_after = min(map(_OCCURRED, fresh), default=now)
            subjects, missing = self.cache.take(acc_ids, live_after)
            known = self.cache.enterprises
            if early is not None and early.state_of.issuperset(missing):  # the reads sent with the locks hold
                loaded, enterprises = store.load_subjects(conn, missing, live_after, ent_ids, known, sent=early.state)
            else:  # made again for the batch as decided, sent with the accounts' own reads (one round trip)
                early = self._reads_ahead(conn, fresh, homes, [])
                loaded, enterprises = store.load_subjects(
                    conn, missing, live_after, ent_ids, known, ahead=early.reads()
                )
            times = early.times
            subjects.update(loaded)
            enterprises.update({s.enterprise.id: s.enterprise for s in subjects.values()})
            fresh_ids = set(map(_ID, fresh))
            all_known = subjects.keys() >= set(acc_ids) and enterprises.keys() >= set(ent_ids)  # the usual case
            unknown = [
                FieldError(field=f"events[{i}].{name}", message=f"unknown {what} {value!r}; register it first")
                for i, e in ([] if all_known else enumerate(events))
                if e.id in fresh_ids
                for name, what, known in (
                    ("account_id", "account", subjects),
                    ("enterprise_id", "enterprise", enterprises),
                )
                if (value := _field(e, name)) and value not in known
            ]
            if unknown:
                raise InvalidInput(f"{len(unknown)} event(s) name unknown accounts; nothing was stored", unknown)
            self._cover(early.covers)
            batch = Batch(fresh, subjects, enterprises, now, times=times, ahead=early.features)
            claimed: set[int] = set()

            def claim(conn: Connection, account_ids: Iterable[str]) -> None:
                want = {self.partition_of(x) for x in store.enterprises_of(conn, list(account_ids)).values()}
                more = sorted(want - held - claimed)
                if more and not try_lock_partitions(conn, more):
                    raise PartitionsBusy(frozenset(more))
                claimed.update(more)

            batch.claim = claim
            changes = batch.effects
            by_id = batch.decisions
            for f in self._hooks["load"]:  # what the rules and later hooks read (weight, past unblocks)
                f.load(conn, batch)
            ent_of: Callable[[Any], str | None] = {aid: s.enterprise.id for aid, s in subjects.items()}.get
            screener = self.rules.screener
            checked = self._batch_screener
            if checked is None or checked[0] is not screener:  # a runtime Protocol check is slow: once per screener
                checked = self._batch_screener = (screener, isinstance(screener, BatchScreener))
            prepare: BatchScreener | None = cast(BatchScreener, screener) if checked[1] else None
            if prepare is not None:  # screen the batch's greetings and messages in one pass per enterprise
                # (enterprise, text) of each event with an account and a text: a greeting, else a message's text (an
                # event has one or the other), in C-level passes
                fresh_dicts = list(map(_DICT, fresh))
                firms = map(ent_of, map(dict.get, fresh_dicts, itertools.repeat("account_id")))
                texts = map(
                    dict.get,
                    fresh_dicts,
                    itertools.repeat("greeting"),
                    map(dict.get, fresh_dicts, itertools.repeat("text")),
                )
                pairs: Iterator[Any] = filter(all, zip(firms, texts, strict=True))
                prepare.prepare(pairs)
            # Decide in event time (ties by id), one event at a time: each decision sees exactly the state the
            # events before it left, whatever the batching or arrival order (docs/ARCHITECTURE.md, the invariant).
            fresh.sort(key=_EVENT_ORDER)
            after_event = self._hooks["after_event"]
            after_type = self._after_type
            decide = self.rules.decider(self.counters, batch)  # `RuleEngine.evaluate`, the batch's context kept
            # A late event (older than a stored event of its account): that account's later events are decided
            # again with the batch's, in event order, without storing their answers (`pipeline.redecide`).
            redo = self._redecision(conn, fresh)
            order, again, replayed = fresh, decide, frozenset[str]()
            if redo is not None:
                redo.appealed = store.appealed_strikes(conn, redo.take_aside(subjects))
                order, replayed = redo.merged(fresh), redo.ids
                again = self.rules.decider(uncounted(self.counters), batch, redo)
            for e in order:
                aid = e.__dict__.get("account_id")
                subject = subjects[aid] if aid else None
                if replayed and e.id in replayed:  # decided before: its answer stays, its strikes are re-checked
                    again(e, subjects[aid])
                    assert redo is not None
                    redo.after(batch, e, subjects[aid])  # the follow-ups it tipped, back in their place
                    continue
                if subject is None:  # an enterprise's own verification change
                    ent = enterprises[e.enterprise_id]
                    ent.verified = e.verified
                    changes.enterprises[ent.id] = ent
                    out = Decision(event_id=e.id, allowed=None)
                else:
                    out = decide(e, subject)
                by_id[e.id] = out
                # state the next decision reads (weight) follows this event (features that want its type)
                for f in after_type.get(e.type, after_event):
                    f.after_event(batch, e, out, subject)
            if prepare is not None:
                prepare.release()
            if redo is not None:  # the strikes the history lacks superseded, those a person acted on flagged
                redo.settle(batch)
            for f in self._hooks["before_store"]:
                f.before_store(conn, batch)
            # the stored events as columns, then as tuples in the table's column order (`store.insert_event_values`),
            # in C-level passes (issue 16, sixth round); each enterprise's chain worked out once; the chains start in
            # ascending order, then the rows are complete
            fids, types, times_at = _columns(fresh)
            aids = list(map(dict.get, map(_DICT, fresh), itertools.repeat("account_id")))
            ents: list[Any] = list(map(ent_of, aids))
            if None in ents:  # an enterprise's own events (no account): their enterprise is their own
                ents = [x if x is not None else e.enterprise_id for x, e in zip(ents, fresh, strict=True)]
            chain_of_ent: dict[str, int] = {}
            for ent_id in dict.fromkeys(ents):
                chain = chain_of_ent[ent_id] = chain_of(self.partition_of(ent_id))
                if chain not in writers:  # the directory moved the account since the lock (cannot: it waits)
                    raise RuntimeError(f"event {fids[ents.index(ent_id)]!r}: its partition was not locked")
            chains = list(map(chain_of_ent.__getitem__, ents))
            outs = list(map(by_id.__getitem__, fids))
            seq = None
            seqs = {chain: writers[chain].started(now) for chain in sorted(set(chains))}
            rows = list(
                zip(
                    fids,
                    types,
                    aids,
                    ents,
                    times_at,
                    itertools.repeat(now),
                    map(payloads.__getitem__, fids),
                    map(_outcome_text, outs),
                    [store.dumps(c) if c else "[]" for c in map(_COUNTED, outs)],
                    [h or live_hash for h in map(_POLICY_HASH, outs)],
                    map(seqs.__getitem__, chains),
                    chains,
                )
            )
            if rows:
                audit = writers[min(seqs)]  # the batch's own entries (effects, features, state) go here
                seq = seqs[audit.chain]
                store.insert_event_values(conn, rows)
                allowed = list(map(_ALLOWED, outs))
                # each chain's rows in decision order (a stable sort by chain)
                by_chain = sorted(range(len(rows)), key=chains.__getitem__)
                for chain, at in itertools.groupby(by_chain, chains.__getitem__):
                    where = list(at)
                    mine = list(map(rows.__getitem__, where))
                    writers[chain].append(
                        now,
                        actor,
                        "events.decided",
                        f"batch:{mine[0][0]}",
                        {
                            "events": len(mine),
                            "denied": list(map(allowed.__getitem__, where)).count(False),
                            "policy": live_hash,
                            "digest": store.event_values_digest(mine),
                            "digest_v": DIGEST_VERSION,
                        },
                    )
                store.save_changes(conn, changes)
                audit_effects(audit, changes, now, "rules")
                for f in self._hooks["after_store"]:
                    f.after_store(conn, audit, batch)
                for p in sorted(claimed - held):  # partitions the batch reached beyond its own: their caches go
                    store.AuditWriter(conn, chain_of(p), locked=True).append(
                        now, "system", "partition.reached", f"chain:{audit.chain}", {"by": audit.chain}
                    )
                seal(conn, audit, now)  # vouch for the state rows this batch changed (adapters/audit_state.py)
            self.counters.flush()  # last step before the commit: a failed batch leaves no counts behind
            after = {c: w.tail_seq for c, w in writers.items()}
            committing = time.perf_counter()
        LOCK_TIMES.committed(time.perf_counter() - committing)

        stamps_after = {p: (tails[PLATFORM_CHAIN], after[chain_of(p)]) for p in held}
        self.cache.keep(subjects, stamps_after, self.partition_of, loaded)  # the taken ones are in place already
        self._platform_tail = tails[PLATFORM_CHAIN]
        for aid, home in homes.items():
            if aid != home:  # an account (an enterprise's own event names only the enterprise)
                self._counted.setdefault(self.partition_of(home), set()).add(aid)
        if len(by_id) == len(events):  # no event answered before (nor twice here): each its own decision, in order
            outcomes = list(map(by_id.__getitem__, map(_ID, events)))
            return IngestResult(outcomes, len(rows), 0, seq, changes, min(seqs, default=None))
        outcomes = []
        for e in events:
            if e.id in by_id:
                outcomes.append(by_id.pop(e.id))
            else:  # answered before (or earlier in this batch)
                prior = json.loads(stored[e.id][0]) if e.id in stored else None
                if prior is None:
                    first = next(o for o in outcomes if o.event_id == e.id)
                    prior = first.as_dict()
                outcomes.append(
                    Decision(
                        event_id=e.id,
                        allowed=prior["allowed"],
                        reasons=[Reason(**r) for r in prior["reasons"]],
                        duplicate=True,
                    )
                )
        main = min(seqs, default=None)
        return IngestResult(outcomes, len(rows), len(events) - len(rows), seq, changes, main)


@dataclass
class _Ahead:
    """`Ingest._reads_ahead`: the batch's event times (id → epoch seconds), the state reads of the accounts
    `state_of`, the counters' reads, and each feature's `read_ahead` (by feature name)."""

    times: dict[str, float]
    state: list[store.Reads]
    state_of: frozenset[str]
    covers: list[_Cover]
    features: dict[str, store.Reads]

    def reads(self, state: bool = True) -> list[store.Reads]:
        """Every read, in the order sent (`state=False`: without the state reads, which `load_subjects` sends)."""
        return [*(self.state if state else ()), *(c.reads for c in self.covers), *self.features.values()]


@dataclass
class _Cover:
    """One chunk of `Ingest._cover_reads`: its accounts, each one's (since, held coverage or None), and the read."""

    accounts: list[str]
    bounds: dict[str, tuple[float, float | None]]
    reads: store.Reads


class PartitionsBusy(Exception):
    """A batch reached state of partitions it had not locked, and another writer holds them: it is decided again
    from the start with them locked up front (`Ingest._run`)."""

    def __init__(self, partitions: frozenset[int]) -> None:
        super().__init__(f"partitions {sorted(partitions)} are busy")
        self.partitions = partitions


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """No cyclic garbage collection while a batch is decided: it allocates much, nearly all freed by reference
    counting, and collections in the middle cost ~15 % of its CPU (issue 16). They run between batches instead.
    Taken inside the batch lock, so only one batch of the process switches the collector off and on."""
    if not gc.isenabled():  # someone else turned it off: leave it as it is
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


_UNMATCHABLE = object()
_INF = float("inf")


def _stored_event(payload: str) -> Any:
    """A stored event as the model it was (None if it no longer validates: then nothing can match it)."""
    try:
        return EventAdapter.validate_json(payload)
    except ValidationError:
        return None


_EVENT_ORDER = operator.attrgetter("occurred_at", "id")
"""The one order of decisions: event time, ties broken by event id."""
_DICT = operator.attrgetter("__dict__")
_ID = operator.attrgetter("id")
_OCCURRED = operator.attrgetter("occurred_at")
_PAYLOAD = operator.methodcaller("model_dump_json")
_COUNTED = operator.attrgetter("counted")
_POLICY_HASH = operator.attrgetter("policy_hash")
_ALLOWED = operator.attrgetter("allowed")
_ID_TYPE_TIME = operator.attrgetter("id", "type", "occurred_at")


def _columns(events: list[Any]) -> tuple[list[str], list[str], list[datetime]]:
    """The events' ids, types and times as three lists (empty lists for no events), in C-level passes."""
    if not events:
        return [], [], []
    ids, types, times = zip(*map(_ID_TYPE_TIME, events), strict=True)
    return list(ids), list(types), list(times)


def _field(event: Any, name: str) -> Any:
    """A field that only some event types have (pydantic's attribute fallback is slow on the hot path; the hot loops
    read `event.__dict__.get(name)` themselves)."""
    return event.__dict__.get(name)


_PLAIN = {None: '{"allowed":null,"reasons":[]}', True: '{"allowed":true,"reasons":[]}'}


def _outcome_text(out: Decision) -> str:
    """Most decisions carry no reason; their stored text is a constant."""
    if not out.reasons and out.allowed in _PLAIN:
        return _PLAIN[out.allowed]
    return store.dumps(out.as_dict())
