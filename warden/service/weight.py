"""Weight (S-B) use cases: keep it up to date during ingest, explain it, recompute it, cascade on it (S-A5).

`WeightFeature` is a pipeline `Feature`: `load` puts the batch's weight state on `batch.state` and its
`WeightSource` on `batch.weights`, `after_event` folds each decided event in with O(1) work, so the next
decision reads the state the events before it left; `after_strike` is the S-A5 cascade (it returns the
enterprise strike), `after_store` writes the changed rows in a few batched statements. `WeightService` reads
(a lookup plus constant arithmetic) and recomputes everything from the stored events.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warden.adapters import store
from warden.adapters import tables as t
from warden.adapters.database import reading
from warden.adapters.subject_cache import SubjectCache
from warden.domain.explain import Lang
from warden.domain.policy import LoadedPolicy, Policy, PolicyError
from warden.domain.rules import RuleEngine
from warden.domain.weight import (
    DAY,
    AccountState,
    Breakdown,
    EnterpriseState,
    WeightPolicy,
    account_breakdown,
    cascade_breakdown,
    cascade_reason,
    day_of,
    enterprise_breakdown,
    enterprise_tenths,
    in_window,
    scorer,
)
from warden.domain.weight_text import render
from warden.kernel.clock import Clock
from warden.kernel.decision import Decision, Effects, StrikeRequest, Subject
from warden.kernel.errors import NotFound
from warden.kernel.model import Account, Enterprise, Strike, StrikeStatus
from warden.pipeline.batch import Batch
from warden.pipeline.feature import Feature, StrikeStatusRequest

CHUNK = 500


def _chunks(items: Sequence[Any], n: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def upsert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]], keys: list[str]) -> None:
    """Insert or update many rows in one statement (ON CONFLICT on SQLite and PostgreSQL alike)."""
    if not rows:
        return
    key = (conn.dialect.name, table.name, tuple(keys))
    stmt = _UPSERTS.get(key)
    if stmt is None:  # built once per dialect and table: the statement is the same every batch
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        ins = insert(table)
        stmt = _UPSERTS[key] = ins.on_conflict_do_update(
            index_elements=keys, set_={c.name: ins.excluded[c.name] for c in table.columns if c.name not in keys}
        )
    conn.execute(stmt, rows)


_UPSERTS: dict[tuple[str, str, tuple[str, ...]], Any] = {}


_UPSERT_ACCOUNTS = (
    "INSERT INTO weight_accounts (account_id, enterprise_id, state, score) VALUES ({p}, {p}, {p}, {p}) "
    "ON CONFLICT (account_id) DO UPDATE SET enterprise_id = excluded.enterprise_id, state = excluded.state, "
    "score = excluded.score"
)


def upsert_accounts(conn: Connection, rows: list[tuple[str, str, str, int]]) -> None:
    """Upsert weight_accounts rows (account_id, enterprise_id, state, score) straight through the driver: one
    row per account per batch is weight upkeep's main write, and every column is a plain string or int, so
    SQLAlchemy's per-row parameter processing buys nothing here."""
    if rows:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(_UPSERT_ACCOUNTS.format(p=mark), rows)


_UPSERT_HISTORY = (
    "INSERT INTO weight_history (subject_type, subject_id, day, score) VALUES ({p}, {p}, {p}, {p}) "
    "ON CONFLICT (subject_type, subject_id, day) DO UPDATE SET score = excluded.score"
)


def upsert_history(conn: Connection, rows: list[tuple[str, str, int, int]]) -> None:
    """Upsert weight_history points (subject_type, subject_id, day, score), like `upsert_accounts`."""
    if rows:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(_UPSERT_HISTORY.format(p=mark), rows)


def active_strike_ids(conn: Connection, ids: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for chunk in _chunks(sorted(set(ids))):
        q = sa.select(t.strikes.c.id).where(t.strikes.c.id.in_(chunk), t.strikes.c.status == StrikeStatus.ACTIVE.value)
        out |= {r.id for r in conn.execute(q)}
    return out


class AccountFold:
    """One account's events folded in decision order (time, then id), one at a time.

    Each day is scored at its last event, as the next day's first event arrives: those are the account's
    history points (tenths). Ingest steps it from `after_event`, so every decision in a batch reads the state
    the events before it left; `fold_account` (recompute) folds a whole list. Both make the same numbers.
    `strikes` is the account's own list: strikes issued later in the batch are dated later and so never
    counted in an earlier point.
    """

    __slots__ = ("account", "at", "at_ts", "day", "p", "points", "st", "strikes", "tenths")

    def __init__(self, p: WeightPolicy, st: AccountState, account: Account, strikes: list[Strike]) -> None:
        self.p = p
        self.st = st
        self.account = account
        self.strikes = strikes
        self.tenths = scorer(p.account).tenths
        self.points: list[tuple[int, int]] = []  # (day, score in tenths) of the days this fold closed
        self.day = -1
        self.at: datetime | None = None
        self.at_ts = 0.0

    def step(self, e: Any, ts: float | None = None) -> None:
        """Fold one event in (O(1) unless it begins a new day, which scores the day before)."""
        e_at = e.occurred_at
        e_ts = e_at.timestamp() if ts is None else ts
        e_day = int(e_ts // DAY)
        if e_day != self.day and self.at is not None:
            self.points.append((self.day, self.tenths(self.st, self.account, self.strikes, self.at, False, self.at_ts)))
        self.st.apply(e, e_ts)
        self.day, self.at, self.at_ts = e_day, e_at, e_ts

    def latest_score(self) -> int:
        """The account's score in tenths as of its newest folded event: its place in the enterprise's buckets."""
        st = self.st
        if self.at is not None and self.at_ts == st.last_ts:
            return self.tenths(st, self.account, self.strikes, self.at, False, self.at_ts)
        return self.tenths(st, self.account, self.strikes, _utc(st.last_ts), False)

    def finish(self) -> tuple[list[tuple[int, int]], int]:
        """The history points of the days that closed and the latest score (tenths); the newest day's point
        stays open in the state until a later day begins, so history costs one row per account per day."""
        st = self.st
        if self.at is None:
            return [], self.latest_score()
        points = [*self.points, (self.day, self.tenths(st, self.account, self.strikes, self.at, False, self.at_ts))]
        score = points[-1][1] if self.at_ts == st.last_ts else self.latest_score()  # a late event: as of the newest
        op = st.open_point
        if op is not None and (len(points) > 1 or op[0] > points[0][0]):  # days closed (or a late day): merge
            merged = {op[0]: op[1]}
            merged.update(points)
            days = sorted(merged)
            st.open_point = [days[-1], merged[days[-1]]]
            closed = [(d, merged[d]) for d in days[:-1]]
        else:
            closed = points[:-1]
            if op is not None and op[0] < points[0][0]:
                closed.insert(0, (op[0], op[1]))
            st.open_point = list(points[-1])
        if closed or op is None:
            st.prune(self.p.account.keep_days)  # buckets only age out when a new day begins
        return closed, score


def fold_account(
    p: WeightPolicy,
    st: AccountState,
    account: Account,
    strikes: list[Strike],
    events: list[Any],
) -> tuple[list[tuple[int, int]], int]:
    """Apply one account's events (oldest first) day by day, scoring each day at its last event.

    Returns the history points of the days that closed (a later day began) and the final score (tenths);
    the latest day's point stays open in the state until then. Recompute's path; ingest steps the same
    `AccountFold` one event at a time, so both produce the same numbers.
    """
    fold = AccountFold(p, st, account, strikes)
    for e in events:
        fold.step(e)
    return fold.finish()


def _event_key(e: Any) -> tuple[datetime, str]:
    return (e.occurred_at, e.id)


_LAST_ID = "\U0010ffff"  # above every event id: "everything at this instant"


@dataclass
class _Batch:
    """What weight holds while one ingest batch is decided, event by event in decision order."""

    conn: Connection
    subjects: dict[str, Subject]
    accounts: dict[str, AccountState]  # the batch's accounts, folded up to the decision point
    enterprises: dict[str, EnterpriseState]
    active: set[str]  # member strike ids still active
    ent_subject: dict[str, Subject]
    order: list[tuple[datetime, str]]  # (occurred_at, id) of the fresh events, in decision order
    pos: int = 0  # index in `order` of the event being decided
    folds: dict[str, AccountFold] = field(default_factory=dict)
    decided: dict[str, list[Any]] = field(default_factory=dict)  # account → its events folded in this batch
    dirty: dict[str, set[str]] = field(default_factory=dict)  # enterprise → members folded since last placed
    ent_day: dict[str, tuple[int, datetime]] = field(default_factory=dict)  # enterprise → its newest event's day, time
    ent_points: dict[tuple[str, int], int] = field(default_factory=dict)  # enterprise history of the closed days
    late: dict[tuple[str, float, str], int] = field(default_factory=dict)  # late reads (tenths), by cut
    cascades: int = 0


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

    def __init__(self, rules: RuleEngine, clock: Clock, subject_cache: SubjectCache | None = None) -> None:
        self.rules = rules  # the policy in force is read from the rules, live
        self.clock = clock
        # Parsed states kept between batches. They are trusted only while the audit chain shows that our last
        # batch committed and nobody else wrote weight state since (every writer appends a `weight.*` entry).
        self._accounts: dict[str, AccountState] = {}
        self._enterprises: dict[str, EnterpriseState] = {}
        self._mark: tuple[int, str] | None = None
        self.subject_cache = subject_cache  # the core's SubjectCache, whose audit-tail check we can reuse

    def _cache_valid(self, conn: Connection) -> bool:
        if self._mark is None or len(self._accounts) > self.CACHE_LIMIT:
            return False
        core = self.subject_cache
        if core is not None and core.seq is not None and self._mark[0] <= core.seq:
            return True  # the core just proved nobody wrote since our last committed batch: no query needed
        seq, hash_ = self._mark
        a = t.audit_log
        mine = conn.execute(sa.select(a.c.hash).where(a.c.seq == seq)).first()
        if mine is None or mine.hash != hash_:
            return False  # our last batch did not commit
        later = conn.execute(sa.select(a.c.seq).where(a.c.seq > seq, a.c.action.like("weight.%")).limit(1)).first()
        return later is None

    @property
    def whole(self) -> Policy:
        return self.rules.policy

    @property
    def policy(self) -> WeightPolicy:
        return self.whole.weight

    # --- before the rules: load state -----------------------------------------------------------------------

    def load(self, conn: Connection, batch: Batch) -> None:
        # The state is read under the writers' lock: `Ingest._ingest` takes it before anything else (audit tail).
        events, subjects = batch.events, batch.subjects
        if not events:
            return  # a batch of no events (a manual strike): weight has nothing to fold, the cascade stays out
        if not self._cache_valid(conn):
            self._accounts.clear()
            self._enterprises.clear()
        self._mark = None  # until this batch is folded in and its audit entry written
        ids = list(dict.fromkeys(a for e in events if (a := e.__dict__.get("account_id")) and a in subjects))
        cache = self._accounts
        for chunk in _chunks([a for a in ids if a not in cache]):
            q = sa.select(t.weight_accounts.c.account_id, t.weight_accounts.c.state).where(
                t.weight_accounts.c.account_id.in_(chunk)
            )
            for row in conn.execute(q):
                cache[row.account_id] = AccountState.from_json(row.state)
        accounts: dict[str, AccountState] = {}
        ent_subject: dict[str, Subject] = {}
        for aid in ids:  # before the rules touch the accounts: remember how a new state begins
            st = accounts[aid] = cache.get(aid) or cache.setdefault(aid, AccountState())
            s = subjects[aid]
            st.seed(s.account)
            ent_subject.setdefault(s.enterprise.id, s)
        enterprises = self._enterprises
        for chunk in _chunks(sorted(e for e in ent_subject if e not in enterprises)):
            q = sa.select(t.weight_enterprises.c.enterprise_id, t.weight_enterprises.c.state).where(
                t.weight_enterprises.c.enterprise_id.in_(chunk)
            )
            for row in conn.execute(q):
                enterprises[row.enterprise_id] = EnterpriseState.from_json(row.state)
        active = active_strike_ids(
            conn, (sid for eid in ent_subject if eid in enterprises for sid in enterprises[eid].strikes)
        )
        order = sorted((e.occurred_at, e.id) for e in events)
        b = batch.state[self.name] = _Batch(conn, subjects, accounts, enterprises, active, ent_subject, order)
        batch.weights = BatchWeights(self, b)

    # --- after each decision: the next decision reads the state this event left --------------------------

    def after_event(self, batch: Batch, event: Any, decision: Decision, subject: Subject | None) -> None:
        """Fold a decided event in (ingest calls this in decision order). `subject` is None for an
        enterprise's own event, which changed the enterprise in place and needs nothing here."""
        b = batch.state.get(self.name)
        if b is None:
            return
        order = b.order
        key = (event.occurred_at, event.id)
        if b.pos < len(order) and order[b.pos] == key:
            b.pos += 1
        else:  # not the expected one (a caller deciding in another order): find our place again
            b.pos = bisect.bisect_right(order, key)
        if subject is None:
            return
        aid = subject.account.id
        st = b.accounts.get(aid)
        if st is None:
            return
        fold = b.folds.get(aid)
        if fold is None:
            fold = b.folds[aid] = AccountFold(self.policy, st, subject.account, subject.strikes)
        eid = subject.enterprise.id
        ts = event.occurred_at.timestamp()
        day = int(ts // DAY)
        prev = b.ent_day.get(eid)
        if prev is not None and prev[0] != day:  # the enterprise's day closes at its last event: a history point
            self._place(b, eid)
            b.ent_points[(eid, prev[0])] = self._enterprise_tenths(b, eid, prev[1])
        b.ent_day[eid] = (day, event.occurred_at)
        fold.step(event, ts)
        decided = b.decided.get(aid)
        if decided is None:
            b.decided[aid] = [event]
        else:
            decided.append(event)
        dirty = b.dirty.get(eid)
        if dirty is None:
            b.dirty[eid] = {aid}
        else:
            dirty.add(aid)

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
        for aid in members:
            fold = b.folds[aid]
            st = fold.st
            est.move_member(st, st.last_day, fold.latest_score(), keep, counts(fold.account, st.last_ts))

    def _cut(self, b: _Batch, at: datetime) -> tuple[float, str]:
        """The decision point as (epoch seconds, event id): a read sees the events strictly before it."""
        if b.pos < len(b.order) and b.order[b.pos][0] == at:
            return (at.timestamp(), b.order[b.pos][1])
        return (at.timestamp(), _LAST_ID)

    # --- WeightSource: what the rules read, as of the decision ------------------------------------------------

    def account_weight(self, b: _Batch, account_id: str, at: datetime | None = None) -> float | None:
        """The account's weight (0–100) at decision time `at`, from the events before the decision; None
        for an account without events in the batch (the rules then scale by 1)."""
        if at is None or account_id not in b.accounts:
            return None
        st = b.accounts[account_id]
        s = b.subjects[account_id]
        cut = self._cut(b, at)
        if st.newest > cut:  # late: events after this one were folded already (an earlier batch)
            return self._late_tenths(b, account_id, at, cut) / 10
        return scorer(self.policy.account).tenths(st, s.account, s.strikes, at, False, cut[0]) / 10

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
        e = t.events
        since = at - timedelta(days=p.account.keep_days + 1)
        q = sa.select(e.c.payload).where(
            e.c.account_id == aid,
            e.c.occurred_at <= at,
            sa.or_(e.c.occurred_at > since, e.c.type.in_(("profile_change", "verification_change"))),
        )
        evs = [_light_event(r.payload) for r in b.conn.execute(q)] + b.decided.get(aid, [])
        for x in sorted((x for x in evs if (x.occurred_at.timestamp(), x.id) < cut), key=_event_key):
            st.apply(x)
        out = b.late[key] = scorer(p.account).tenths(st, s.account, s.strikes, at, False, cut[0])
        return out

    def enterprise_weight(self, b: _Batch, enterprise_id: str, at: datetime | None = None) -> float | None:
        """The enterprise's weight (0–100) at decision time `at`, its members placed as of the events before
        the decision; None for an enterprise without members in the batch."""
        if at is None or enterprise_id not in b.ent_subject:
            return None
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
            row = b.conn.execute(
                sa.select(t.weight_accounts.c.state).where(t.weight_accounts.c.account_id == aid)
            ).first()
            if row is None:
                return None
            st = self._accounts[aid] = AccountState.from_json(row.state)
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
        ts = at.timestamp()
        window = cp.window_days * DAY
        counted = {
            sid: acc
            for sid, (acc, s_ts) in est.strikes.items()
            if sid in b.active and sid not in spent and in_window(s_ts, ts, window)
        }
        restricted = set(counted.values())
        active = est.active_members(day_of(ts), p.enterprise.members.active_days)
        left_out = []
        for aid in sorted(restricted):
            st = self._member_state(b, aid)
            if st is not None:
                left_out.append((st.ent_day, st.ent_score))
        s = b.ent_subject[eid]
        bar = cascade_breakdown(p.enterprise, s.enterprise, est, left_out, s.enterprise_strikes, at)
        why = cascade_reason(cp, strike.severity, bar.score, len(restricted), active)
        if why is None:
            return []
        b.cascades += 1
        return [
            StrikeRequest(
                rule="cascade",
                severity=cp.severity,
                at=at,
                enterprise=True,
                key=strike.id,
                evidence={
                    "spec": cp.spec,
                    "why": why,
                    "trigger_strike": strike.id,
                    "trigger_account": subject.account.id,
                    "trigger_rule": strike.rule_id,
                    "event_id": strike.event_id,
                    "members": sorted(restricted),
                    "member_strikes": sorted(counted),
                    "restricted_members": len(restricted),
                    "active_members": active,
                    "enterprise_weight": bar.score,
                    "below_weight": cp.below_weight,
                    "min_members": cp.min_members,
                    "min_share": cp.min_share,
                    "share_min_active": cp.share_min_active,
                    "window_days": cp.window_days,
                },
            )
        ]

    def on_strike_status(
        self, conn: Connection, audit: store.AuditWriter, strike: Strike, actor: str, now: datetime
    ) -> list[StrikeStatusRequest]:
        """A member's strike was voided or overturned: cascades that counted it are judged again."""
        return rejudge_cascades(self.whole, conn, strike, now)

    # --- after the rules: write the batch's states ------------------------------------------------------------

    def after_store(self, conn: Connection, audit: store.AuditWriter, batch: Batch) -> None:
        b = batch.state.get(self.name)
        if b is not None:
            self._write(conn, audit, b, batch.events, batch.subjects, batch.effects)

    def _write(
        self,
        conn: Connection,
        audit: store.AuditWriter,
        b: _Batch,
        events: list[Any],
        subjects: dict[str, Subject],
        changes: Effects,
    ) -> None:
        p = self.policy
        for s in changes.strikes:
            if s.subject_type == "account" and s.subject_id in subjects:
                eid = subjects[s.subject_id].enterprise.id
                b.enterprises.setdefault(eid, EnterpriseState()).add_strike(s.id, s.subject_id, s.at.timestamp())
                b.active.add(s.id)
        acc_rows: list[tuple[str, str, str, int]] = []
        hist: dict[tuple[str, str, int], int] = {}
        ent_keep = p.enterprise_keep_days
        counts = p.enterprise.members.counts
        enterprises = b.enterprises
        for aid, fold in b.folds.items():
            eid = subjects[aid].enterprise.id
            closed, score = fold.finish()
            for day, sc in closed:
                hist[("account", aid, day)] = sc
            est = enterprises.get(eid)
            if est is None:
                est = enterprises[eid] = EnterpriseState()
            st = fold.st
            est.move_member(st, st.last_day, score, ent_keep, counts(fold.account, st.last_ts))
            acc_rows.append((aid, eid, st.to_json(), score))
        b.dirty.clear()
        for (eid, day), sc in b.ent_points.items():
            hist[("enterprise", eid, day)] = sc
        now = self.clock.now()
        ent_rows = []
        for eid, (day, at) in b.ent_day.items():
            est = enterprises[eid]
            est.prune(ent_keep)
            hist[("enterprise", eid, day)] = self._enterprise_tenths(b, eid, at)
            ent_rows.append({"enterprise_id": eid, "state": est.to_json(), "updated_at": now})
        upsert_accounts(conn, acc_rows)
        upsert(conn, t.weight_enterprises, ent_rows, ["enterprise_id"])
        upsert_history(conn, [(*k, sc) for k, sc in hist.items()])
        if acc_rows:
            audit.append(
                now,
                "weight",
                "weight.updated",
                f"batch:{events[0].id}",
                {"accounts": len(acc_rows), "enterprises": len(ent_rows), "cascades": b.cascades},
            )
            self._mark = store.audit_tail(conn)  # our entry: the cache stays good while it is the last weight.*


def counted_by_cascades(enterprise_strikes: Iterable[Strike], before: datetime) -> set[str]:
    """Member strike ids that an earlier cascade of the enterprise counted (whatever became of it): their
    evidence is spent, so they do not feed the next cascade (issue 10). Cascades from before `member_strikes`
    was recorded name only their trigger strike."""
    out: set[str] = set()
    for s in enterprise_strikes:
        if s.rule_id == "cascade" and s.at <= before:
            out.update(s.evidence.get("member_strikes") or [s.evidence.get("trigger_strike", "")])
    return out


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
    account = store.get_account(conn, strike.subject_id)
    if account is None:
        return out
    cp = policy.weight.cascade
    for r in store.restrictions_of(conn, "enterprise", [account.enterprise_id], now):
        ev = r.evidence
        if (
            r.rule_id != "cascade"
            or not r.active_at(now)
            or r.strike_id is None
            or strike.subject_id not in ev.get("members", [strike.subject_id])
        ):
            continue
        start = r.starts_at.timestamp()
        window = int(ev.get("window_days", cp.window_days)) * DAY
        spent = counted_by_cascades(
            (s for s in store.strikes_of(conn, "enterprise", [account.enterprise_id]) if s.id != r.strike_id),
            r.starts_at,
        )
        members = conn.execute(sa.select(t.accounts.c.id).where(t.accounts.c.enterprise_id == account.enterprise_id))
        remaining = [  # the window as the cascade saw it (t − w < s ≤ t), and later strikes up to now
            s
            for s in store.strikes_of(conn, "account", [m.id for m in members])
            if s.status is StrikeStatus.ACTIVE
            and s.id not in spent
            and start - window < s.at.timestamp() <= now.timestamp()
        ]
        severe = next((s.severity for s in remaining if s.severity in cp.severe_severities), None)
        why = (
            cascade_reason(
                cp,
                severe or "",
                float(ev.get("enterprise_weight", 0.0)),
                len({s.subject_id for s in remaining}),
                int(ev.get("active_members", 0)),
            )
            if remaining
            else None
        )
        if why is None:
            out.append(
                StrikeStatusRequest(
                    r.strike_id,
                    StrikeStatus.VOIDED,
                    f"the cascade's basis is gone: member strike {strike.id} {strike.status.value}",
                )
            )
    return out


# --- reading and recomputing ---------------------------------------------------------------------------------


def _light_event(payload: str) -> Any:
    """A stored event payload as the attributes `AccountState.apply` reads (no full validation: it was valid)."""
    o = json.loads(payload)
    o["occurred_at"] = datetime.fromisoformat(o["occurred_at"].replace("Z", "+00:00"))
    o.setdefault("via_linked_personal", False)
    o.setdefault("device_kind", "real")
    o.setdefault("value", None)
    return SimpleNamespace(**o)


class WeightService:
    """Reads and the full recompute. Each method is one transaction."""

    def __init__(self, warden: Any) -> None:
        self.w = warden

    @property
    def policy(self) -> WeightPolicy:
        return self.w.rules.policy.weight

    def _history(self, conn: Connection, subject_type: str, subject_id: str, now: datetime) -> list[dict[str, Any]]:
        h = t.weight_history
        since = day_of(now.timestamp()) - self.policy.history_days
        rows = conn.execute(
            sa.select(h.c.day, h.c.score)
            .where(h.c.subject_type == subject_type, h.c.subject_id == subject_id, h.c.day > since)
            .order_by(h.c.day)
        )
        points = {r.day: r.score for r in rows}
        if subject_type == "account":  # the latest day's point is still open in the state
            row = conn.execute(
                sa.select(t.weight_accounts.c.state).where(t.weight_accounts.c.account_id == subject_id)
            ).first()
            open_point = AccountState.from_json(row.state).open_point if row else None
            if open_point and open_point[0] > since:
                points[open_point[0]] = open_point[1]
        return [{"date": _utc(d * DAY).date().isoformat(), "score": s / 10} for d, s in sorted(points.items())]

    def account_breakdown(self, account_id: str, at: datetime | None = None) -> tuple[Account, Breakdown]:
        at = at or self.w.clock.now()
        with reading(self.w.engine) as conn:
            acc = store.get_account(conn, account_id)
            if acc is None:
                raise NotFound(f"no account {account_id!r}")
            row = conn.execute(
                sa.select(t.weight_accounts.c.state).where(t.weight_accounts.c.account_id == account_id)
            ).first()
            strikes = store.strikes_of(conn, "account", [account_id])
        st = AccountState.from_json(row.state if row else None)
        return acc, account_breakdown(self.policy.account, st, acc, strikes, at, use_row=True)

    def account(self, account_id: str, lang: Lang = "zh") -> dict[str, Any]:
        """The account's weight now: score, each factor with contribution and maximum, advice, history."""
        now = self.w.clock.now()
        acc, bd = self.account_breakdown(account_id, now)
        with reading(self.w.engine) as conn:
            history = self._history(conn, "account", account_id, now)
        scaling = self.w.rules.policy.rules.phone_search_velocity.weight_scaling
        return {
            "subject_type": "account",
            "account_id": account_id,
            "enterprise_id": acc.enterprise_id,
            **render(bd, "account", lang),
            "used_by_rules": {"phone_search_limit_factor": round(scaling.factor(bd.score), 3)},
            "history": history,
            "policy_hash": self.w.loaded.hash,
            "as_of": now.isoformat(),
            "lang": lang,
        }

    def enterprise_breakdown(self, enterprise_id: str, at: datetime | None = None) -> tuple[Enterprise, Breakdown]:
        at = at or self.w.clock.now()
        with reading(self.w.engine) as conn:
            ent = store.get_enterprise(conn, enterprise_id)
            if ent is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            row = conn.execute(
                sa.select(t.weight_enterprises.c.state).where(t.weight_enterprises.c.enterprise_id == enterprise_id)
            ).first()
            st = EnterpriseState.from_json(row.state if row else None)
            active = active_strike_ids(conn, st.strikes)
            own = store.strikes_of(conn, "enterprise", [enterprise_id])
        return ent, enterprise_breakdown(self.policy.enterprise, ent, st, active, own, at)

    def cascade_bar(self, enterprise_id: str, at: datetime | None = None) -> tuple[Breakdown, int, int]:
        """What the S-A5 cascade would read at `at` (default now): the bar's weight (`cascade_breakdown`, the
        members restricted in the cascade window left out), those members (count), and the active members."""
        at = at or self.w.clock.now()
        p = self.policy
        with reading(self.w.engine) as conn:
            ent = store.get_enterprise(conn, enterprise_id)
            if ent is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            row = conn.execute(
                sa.select(t.weight_enterprises.c.state).where(t.weight_enterprises.c.enterprise_id == enterprise_id)
            ).first()
            st = EnterpriseState.from_json(row.state if row else None)
            active = active_strike_ids(conn, st.strikes)
            own = store.strikes_of(conn, "enterprise", [enterprise_id])
            spent = counted_by_cascades(own, at)
            ts = at.timestamp()
            restricted = sorted(
                {
                    acc
                    for sid, (acc, s_ts) in st.strikes.items()
                    if sid in active and sid not in spent and in_window(s_ts, ts, p.cascade.window_days * DAY)
                }
            )
            left_out = []
            for chunk in _chunks(restricted):
                q = sa.select(t.weight_accounts.c.state).where(t.weight_accounts.c.account_id.in_(chunk))
                for r in conn.execute(q):
                    m = AccountState.from_json(r.state)
                    left_out.append((m.ent_day, m.ent_score))
        n_active = st.active_members(day_of(ts), p.enterprise.members.active_days)
        return cascade_breakdown(p.enterprise, ent, st, left_out, own, at), len(restricted), n_active

    def enterprise(self, enterprise_id: str, lang: Lang = "zh") -> dict[str, Any]:
        """The enterprise's weight now, its factors and advice, history, the members holding it down, and
        where it stands against the S-A5 cascade bar (the bar reads the weight without the members
        restricted in the cascade window, `cascade_bar`)."""
        now = self.w.clock.now()
        _, bd = self.enterprise_breakdown(enterprise_id, now)
        bar, n_restricted, n_active = self.cascade_bar(enterprise_id, now)
        wa = t.weight_accounts
        with reading(self.w.engine) as conn:
            history = self._history(conn, "enterprise", enterprise_id, now)
            lowest = conn.execute(
                sa.select(wa.c.account_id, wa.c.score, wa.c.state)
                .where(wa.c.enterprise_id == enterprise_id)
                .order_by(wa.c.score, wa.c.account_id)
                .limit(5)
            ).all()
            restrictions = [
                r for r in store.restrictions_of(conn, "enterprise", [enterprise_id], now) if r.active_at(now)
            ]
        cp = self.policy.cascade
        return {
            "subject_type": "enterprise",
            "enterprise_id": enterprise_id,
            **render(bd, "enterprise", lang),
            "used_by_rules": {
                "cascade_below_weight": cp.below_weight,
                "cascade_weight": bar.score,
                "cascade_exposed": cp.enabled and bar.score < cp.below_weight,
                "cascade_restricted_members": n_restricted,
                "cascade_active_members": n_active,
                "cascade_window_days": cp.window_days,
            },
            "lowest_members": [
                {
                    "account_id": r.account_id,
                    "score": r.score / 10,
                    "as_of": _utc(AccountState.from_json(r.state).last_ts).isoformat(),
                }
                for r in lowest
            ],
            "restrictions": [
                {
                    "id": r.id,
                    "rule": r.rule_id,
                    "scope": r.scope.value,
                    "ends_at": r.ends_at.isoformat() if r.ends_at else None,
                }
                for r in restrictions
            ],
            "history": history,
            "policy_hash": self.w.loaded.hash,
            "as_of": now.isoformat(),
            "lang": lang,
        }

    def recompute(self, progress: Callable[[int, int], None] | None = None, actor: str = "cli") -> dict[str, int]:
        """Rebuild every weight from the stored events under the current policy (after a policy change).

        Same folding as ingest (`fold_account`), so the numbers equal the incremental path's.
        """
        p = self.policy
        now = self.w.clock.now()
        e = t.events
        with self.w.engine.begin() as conn:
            bases = {  # how each account's state began (its row before events changed it) outlives a recompute
                r.account_id: AccountState.from_json(r.state).base
                for r in conn.execute(sa.select(t.weight_accounts.c.account_id, t.weight_accounts.c.state))
            }
            for table in (t.weight_history, t.weight_accounts, t.weight_enterprises):
                conn.execute(sa.delete(table))
            ids = [
                r.account_id
                for r in conn.execute(sa.select(e.c.account_id).where(e.c.account_id.is_not(None)).distinct())
            ]
            ids.sort()
            total = len(ids)
            ents: dict[str, EnterpriseState] = {}
            members: dict[str, str] = {}
            done = 0
            for chunk in _chunks(ids):
                accounts = {
                    r.id: store.account_from(r)
                    for r in conn.execute(sa.select(t.accounts).where(t.accounts.c.id.in_(chunk)))
                }
                strikes: dict[str, list[Strike]] = {}
                for s in store.strikes_of(conn, "account", chunk):
                    strikes.setdefault(s.subject_id, []).append(s)
                evs: dict[str, list[Any]] = {}
                q = (
                    sa.select(e.c.account_id, e.c.payload)
                    .where(e.c.account_id.in_(chunk))
                    .order_by(e.c.account_id, e.c.occurred_at, e.c.id)
                )
                for r in conn.execute(q):
                    evs.setdefault(r.account_id, []).append(_light_event(r.payload))
                acc_rows, hist_rows = [], []
                for aid in chunk:
                    acc = accounts.get(aid)
                    if acc is None or aid not in evs:
                        continue
                    st = AccountState(base=bases.get(aid))
                    st.seed(acc)
                    events = sorted(evs[aid], key=_event_key)
                    closed, score = fold_account(p, st, acc, strikes.get(aid, []), events)
                    hist_rows += [
                        {"subject_type": "account", "subject_id": aid, "day": d, "score": sc} for d, sc in closed
                    ]
                    est = ents.setdefault(acc.enterprise_id, EnterpriseState())
                    est.move_member(
                        st, st.last_day, score, p.enterprise_keep_days, p.enterprise.members.counts(acc, st.last_ts)
                    )
                    members[aid] = acc.enterprise_id
                    acc_rows.append(
                        {
                            "account_id": aid,
                            "enterprise_id": acc.enterprise_id,
                            "state": st.to_json(),
                            "score": score,
                        }
                    )
                if acc_rows:
                    conn.execute(sa.insert(t.weight_accounts), acc_rows)
                if hist_rows:
                    conn.execute(sa.insert(t.weight_history), hist_rows)
                done += len(chunk)
                if progress:
                    progress(done, total)
            s = t.strikes
            for chunk in _chunks(sorted(members)):
                q = sa.select(s.c.id, s.c.subject_id, s.c.at).where(
                    s.c.subject_type == "account", s.c.subject_id.in_(chunk)
                )
                for r in conn.execute(q):
                    ents[members[r.subject_id]].add_strike(r.id, r.subject_id, r.at.timestamp())
            ent_rows, ent_hist = [], []
            for eid, est in sorted(ents.items()):
                est.prune(p.enterprise_keep_days)
                ent_rows.append({"enterprise_id": eid, "state": est.to_json(), "updated_at": now})
            if ent_rows:
                conn.execute(sa.insert(t.weight_enterprises), ent_rows)
            for row in ent_rows:  # one point for each enterprise, at the last day its members were seen
                eid = row["enterprise_id"]
                est = ents[eid]
                ent = store.get_enterprise(conn, eid)
                if ent is None:
                    continue
                at = min(now, _utc((est.last_day + 1) * DAY - 1))
                bd = enterprise_breakdown(
                    p.enterprise,
                    ent,
                    est,
                    active_strike_ids(conn, est.strikes),
                    store.strikes_of(conn, "enterprise", [eid]),
                    at,
                )
                ent_hist.append(
                    {"subject_type": "enterprise", "subject_id": eid, "day": est.last_day, "score": bd.tenths}
                )
            if ent_hist:
                conn.execute(sa.insert(t.weight_history), ent_hist)
            store.AuditWriter(conn).append(
                now,
                actor,
                "weight.recomputed",
                f"policy:{self.w.loaded.short_hash}",
                {"accounts": len(members), "enterprises": len(ent_rows), "policy": self.w.loaded.hash},
            )
        return {"accounts": len(members), "enterprises": len(ent_rows)}


__all__ = [
    "WeightFeature",
    "WeightService",
    "fold_account",
    "weight_feature",
    "weight_off",
]
