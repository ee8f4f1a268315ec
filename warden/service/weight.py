"""Weight (S-B) use cases: keep it up to date during ingest, explain it, recompute it, cascade on it (S-A5).

`WeightKeeper` is wired by bootstrap into three seams of the core: it is the rules' `WeightSource`, an
ingest observer (`before_batch` loads the batch's weight state, `on_batch` folds the batch in with O(1)
work per event and a few batched writes), and a strike hook (the S-A5 cascade). `WeightService` reads
(a lookup plus constant arithmetic) and recomputes everything from the stored events.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warden.adapters import store
from warden.adapters import tables as t
from warden.adapters.database import reading
from warden.domain.clock import Clock
from warden.domain.explain import Lang
from warden.domain.model import Account, Enterprise, Strike, StrikeStatus
from warden.domain.policy import PolicyError
from warden.domain.rules import Changes, Outcome, RuleEngine, Subject
from warden.domain.weight import (
    DAY,
    AccountState,
    Breakdown,
    EnterpriseState,
    WeightPolicy,
    account_breakdown,
    account_tenths,
    cascade_reason,
    day_of,
    enterprise_breakdown,
    enterprise_tenths,
    scorer,
)
from warden.domain.weight_text import render
from warden.service.errors import NotFound

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


def fold_account(
    p: WeightPolicy,
    st: AccountState,
    account: Account,
    strikes: list[Strike],
    events: list[Any],
) -> tuple[list[tuple[int, int]], int]:
    """Apply one account's events (oldest first) day by day, scoring each day at its last event.

    Returns the history points of the days that closed (a later day began) and the final score; the latest
    day's point stays open in the state until then, so history costs one row per account per day, not per
    batch. Shared by ingest and recompute, so both produce the same numbers.
    """
    points: list[tuple[int, int]] = []
    tenths = scorer(p.account).tenths
    apply = st.apply
    day = -1
    at: datetime | None = None
    at_ts = 0.0
    for e in events:  # a day's point is scored at its last event
        e_at = e.occurred_at
        e_ts = e_at.timestamp()
        e_day = int(e_ts // DAY)
        if e_day != day and at is not None:
            points.append((day, tenths(st, account, strikes, at, False, at_ts)))
        apply(e, e_ts)
        day, at, at_ts = e_day, e_at, e_ts
    if at is None:
        return [], tenths(st, account, strikes, _utc(st.last_ts), False)
    score = tenths(st, account, strikes, at, False, at_ts)
    points.append((day, score))
    if at_ts != st.last_ts:  # a late event: the latest state is as of the account's newest event
        score = tenths(st, account, strikes, _utc(st.last_ts), False)
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
        st.prune(p.account.keep_days)  # buckets only age out when a new day begins
    return closed, score


def _event_key(e: Any) -> tuple[datetime, str]:
    return (e.occurred_at, e.id)


@dataclass
class _Batch:
    subjects: dict[str, Subject]
    accounts: dict[str, AccountState]
    enterprises: dict[str, EnterpriseState]
    active: set[str]
    first_at: dict[str, datetime]
    ent_first_at: dict[str, datetime]
    ent_subject: dict[str, Subject]
    acc_cache: dict[str, float] = field(default_factory=dict)
    ent_cache: dict[str, float] = field(default_factory=dict)
    cascades: int = 0


class WeightKeeper:
    """Weight upkeep during ingest: the rules' WeightSource, an ingest observer and the S-A5 strike hook."""

    CACHE_LIMIT = 200_000  # states kept between batches (each a few hundred bytes); past it, start afresh

    def __init__(self, rules: RuleEngine, clock: Clock) -> None:
        self.rules = rules
        self.clock = clock
        self._batch: _Batch | None = None
        # Parsed states kept between batches. They are trusted only while the audit chain shows that our last
        # batch committed and nobody else wrote weight state since (every writer appends a `weight.*` entry).
        self._accounts: dict[str, AccountState] = {}
        self._enterprises: dict[str, EnterpriseState] = {}
        self._mark: tuple[int, str] | None = None
        self.subject_cache: Any = None  # the Warden's SubjectCache, whose audit-tail check we can reuse

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
    def policy(self) -> WeightPolicy:
        return self.rules.policy.weight

    # --- before the rules: load state -----------------------------------------------------------------------

    def before_batch(self, conn: Connection, events: list[Any], subjects: dict[str, Subject]) -> None:
        # The state is read under the writers' lock: `Warden._ingest` takes it before anything else (audit tail).
        if not self._cache_valid(conn):
            self._accounts.clear()
            self._enterprises.clear()
        self._mark = None  # until this batch is folded in and its audit entry written
        first_at: dict[str, datetime] = {}
        for e in events:
            aid = getattr(e, "account_id", None)
            if aid and (aid not in first_at or e.occurred_at < first_at[aid]):
                first_at[aid] = e.occurred_at
        ids = [a for a in first_at if a in subjects]
        cache = self._accounts
        for chunk in _chunks([a for a in ids if a not in cache]):
            q = sa.select(t.weight_accounts.c.account_id, t.weight_accounts.c.state).where(
                t.weight_accounts.c.account_id.in_(chunk)
            )
            for row in conn.execute(q):
                cache[row.account_id] = AccountState.from_json(row.state)
        accounts: dict[str, AccountState] = {}
        for aid in ids:  # before the rules touch the accounts: remember how a new state begins
            st = accounts[aid] = cache.get(aid) or cache.setdefault(aid, AccountState())
            st.seed(subjects[aid].account)
        ent_subject: dict[str, Subject] = {}
        ent_first_at: dict[str, datetime] = {}
        for aid in ids:
            s = subjects[aid]
            eid = s.enterprise.id
            ent_subject.setdefault(eid, s)
            if eid not in ent_first_at or first_at[aid] < ent_first_at[eid]:
                ent_first_at[eid] = first_at[aid]
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
        self._batch = _Batch(subjects, accounts, enterprises, active, first_at, ent_first_at, ent_subject)

    # --- WeightSource: what the rules read (as of the start of the batch) ------------------------------------

    def account_weight(self, account_id: str) -> float | None:
        b = self._batch
        if b is None or account_id not in b.first_at or account_id not in b.subjects:
            return None
        if account_id not in b.acc_cache:
            s = b.subjects[account_id]
            st = b.accounts[account_id]
            b.acc_cache[account_id] = (
                account_tenths(self.policy.account, st, s.account, s.strikes, b.first_at[account_id]) / 10
            )
        return b.acc_cache[account_id]

    def enterprise_weight(self, enterprise_id: str) -> float | None:
        b = self._batch
        if b is None or enterprise_id not in b.ent_subject:
            return None
        if enterprise_id not in b.ent_cache:
            b.ent_cache[enterprise_id] = self._enterprise_tenths(b, enterprise_id, b.ent_first_at[enterprise_id]) / 10
        return b.ent_cache[enterprise_id]

    def _enterprise_tenths(self, b: _Batch, eid: str, at: datetime) -> int:
        s = b.ent_subject[eid]
        st = b.enterprises.get(eid) or EnterpriseState()
        return enterprise_tenths(self.policy.enterprise, s.enterprise, st, b.active, s.enterprise_strikes, at)

    def _enterprise_now(self, b: _Batch, eid: str, at: datetime) -> Breakdown:
        s = b.ent_subject[eid]
        st = b.enterprises.get(eid) or EnterpriseState()
        return enterprise_breakdown(self.policy.enterprise, s.enterprise, st, b.active, s.enterprise_strikes, at)

    # --- strike hook: the S-A5 cascade ----------------------------------------------------------------------

    def cascade(self, engine: RuleEngine, strike: Strike, subject: Subject, changes: Changes) -> None:
        """After a member's strike: restrict the whole enterprise if enough members are restricted within the
        window and the enterprise weight is below the bar, or at once on a severe strike (S-A5).

        The enterprise restriction is one row on the enterprise; members' state derives from it.
        """
        b = self._batch
        if b is None or strike.subject_type != "account" or b.subjects.get(subject.account.id) is not subject:
            return  # outside an ingest batch this hook has no weight state to judge by
        p = self.policy
        eid = subject.enterprise.id
        est = b.enterprises.setdefault(eid, EnterpriseState())
        est.add_strike(strike.id, subject.account.id, strike.at.timestamp())
        b.active.add(strike.id)
        b.ent_subject.setdefault(eid, subject)
        cp = p.cascade
        if not cp.enabled:
            return
        if any(r.rule_id == "cascade" and r.active_at(strike.at) for r in subject.enterprise_restrictions):
            return  # already cascaded and still in force
        bd = self._enterprise_now(b, eid, strike.at)
        restricted = est.restricted(b.active, strike.at, cp.window_days)
        _, active = est.active(day_of(strike.at.timestamp()), p.enterprise.members.active_days)
        why = cascade_reason(cp, strike.severity, bd.score, len(restricted), active)
        if why is None:
            return
        engine.issue_enterprise_strike(
            subject.enterprise,
            subject.enterprise_strikes,
            subject.enterprise_restrictions,
            changes,
            rule="cascade",
            severity=cp.severity,
            at=strike.at,
            evidence={
                "spec": cp.spec,
                "why": why,
                "trigger_strike": strike.id,
                "trigger_account": subject.account.id,
                "trigger_rule": strike.rule_id,
                "event_id": strike.event_id,
                "members": sorted(restricted),
                "restricted_members": len(restricted),
                "active_members": active,
                "enterprise_weight": bd.score,
                "below_weight": cp.below_weight,
                "min_members": cp.min_members,
                "min_share": cp.min_share,
                "window_days": cp.window_days,
            },
            key=strike.id,
        )
        b.cascades += 1

    # --- after the rules: fold the batch in -----------------------------------------------------------------

    def on_batch(
        self,
        conn: Connection,
        audit: store.AuditWriter,
        events: list[Any],
        outcomes: list[Outcome],
        subjects: dict[str, Subject],
        changes: Changes,
    ) -> None:
        b = self._batch
        if b is None or b.subjects is not subjects:
            self.before_batch(conn, events, subjects)
            b = self._batch
        assert b is not None
        try:
            self._fold(conn, audit, b, events, subjects, changes)
        finally:
            self._batch = None

    def _fold(
        self,
        conn: Connection,
        audit: store.AuditWriter,
        b: _Batch,
        events: list[Any],
        subjects: dict[str, Subject],
        changes: Changes,
    ) -> None:
        p = self.policy
        by_acc: dict[str, list[Any]] = {}
        for e in events:
            aid = getattr(e, "account_id", None)
            if aid and aid in subjects:
                by_acc.setdefault(aid, []).append(e)
        for s in changes.strikes:
            if s.subject_type == "account" and s.subject_id in subjects:
                eid = subjects[s.subject_id].enterprise.id
                b.enterprises.setdefault(eid, EnterpriseState()).add_strike(s.id, s.subject_id, s.at.timestamp())
                b.active.add(s.id)
        acc_rows: list[tuple[str, str, str, int]] = []
        hist: dict[tuple[str, str, int], int] = {}
        ent_last: dict[str, datetime] = {}
        ent_keep = p.enterprise_keep_days
        accounts, enterprises, ent_subject = b.accounts, b.enterprises, b.ent_subject
        for aid, evs in by_acc.items():
            subj = subjects[aid]
            eid = subj.enterprise.id
            st = accounts.get(aid)
            if st is None:
                st = AccountState()
            st.seed(subj.account)
            if len(evs) > 1:
                evs.sort(key=_event_key)
            closed, score = fold_account(p, st, subj.account, subj.strikes, evs)
            for day, sc in closed:
                hist[("account", aid, day)] = sc
            est = enterprises.get(eid)
            if est is None:
                est = enterprises[eid] = EnterpriseState()
            if eid not in ent_subject:
                ent_subject[eid] = subj
            est.move_member(st, int(st.last_ts // DAY), score, ent_keep)
            acc_rows.append((aid, eid, st.to_json(), score))
            last = evs[-1].occurred_at
            if eid not in ent_last or last > ent_last[eid]:
                ent_last[eid] = last
        now = self.clock.now()
        ent_rows = []
        for eid, at in ent_last.items():
            est = b.enterprises[eid]
            est.prune(p.enterprise_keep_days)
            day = day_of(at.timestamp())
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


def attach_weight(app: Any) -> WeightKeeper | None:
    """Wire weight into a `Warden` (bootstrap calls this). Nothing is wired when `weight.enabled` is false."""
    p: WeightPolicy = app.rules.policy.weight
    if not p.enabled:
        return None
    ladder = app.rules.policy.ladder
    bad = [s for s in [p.cascade.severity, *p.cascade.severe_severities] if s not in ladder.severities]
    if bad:
        raise PolicyError(
            app.loaded.source,
            [
                f"{app.loaded.source}:?: weight.cascade: severity {bad[0]!r} is not a severity class of the ladder "
                f"({', '.join(ladder.severities)})"
            ],
        )
    keeper = WeightKeeper(app.rules, app.clock)
    keeper.subject_cache = app.cache
    app.rules.weights = keeper
    app.rules.strike_hooks.append(keeper.cascade)
    app.observers.append(keeper)
    app.strike_status_hooks.append(
        lambda conn, audit, strike, actor, now: rejudge_cascades(app, conn, audit, strike, actor, now)
    )
    return keeper


def rejudge_cascades(
    app: Any, conn: Connection, audit: store.AuditWriter, strike: Strike, actor: str, now: datetime
) -> None:
    """A member's strike was voided or overturned: an enterprise cascade that counted it is judged again on
    the members' strikes still active from its window's start until now (a later member strike would have
    cascaded too) and the weight it was judged at, and lifted — its enterprise strike voided — when that no
    longer holds (S-A5 with S-D6)."""
    if strike.subject_type != "account":
        return
    account = store.get_account(conn, strike.subject_id)
    if account is None:
        return
    cp = app.rules.policy.weight.cascade
    for r in store.restrictions_of(conn, "enterprise", [account.enterprise_id], now):
        ev = r.evidence
        if (
            r.rule_id != "cascade"
            or not r.active_at(now)
            or r.strike_id is None
            or strike.subject_id not in ev.get("members", [strike.subject_id])
        ):
            continue
        since = r.starts_at.timestamp() - int(ev.get("window_days", cp.window_days)) * 86400
        members = conn.execute(sa.select(t.accounts.c.id).where(t.accounts.c.enterprise_id == account.enterprise_id))
        remaining = [
            s
            for s in store.strikes_of(conn, "account", [m.id for m in members])
            if s.status is StrikeStatus.ACTIVE and since <= s.at.timestamp() <= now.timestamp()
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
            app.set_strike_status_in(
                conn,
                audit,
                r.strike_id,
                StrikeStatus.VOIDED,
                actor,
                f"the cascade's basis is gone: member strike {strike.id} {strike.status.value}",
                now,
            )


def detach_weight(app: Any) -> None:
    """Take weight upkeep out again (the benchmark's 'off' run)."""
    from warden.domain.rules import NoWeights

    keepers = [o for o in app.observers if isinstance(o, WeightKeeper)]
    for k in keepers:
        app.observers.remove(k)
        app.rules.strike_hooks[:] = [h for h in app.rules.strike_hooks if getattr(h, "__self__", None) is not k]
    app.rules.weights = NoWeights()


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

    def enterprise(self, enterprise_id: str, lang: Lang = "zh") -> dict[str, Any]:
        """The enterprise's weight now, its factors and advice, history, the members holding it down, and
        whether the S-A5 cascade bar is crossed."""
        now = self.w.clock.now()
        _, bd = self.enterprise_breakdown(enterprise_id, now)
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
                "cascade_exposed": cp.enabled and bd.score < cp.below_weight,
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
                    est.move_member(st, st.last_day, score, p.enterprise_keep_days)
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


def find_keeper(app: Any) -> WeightKeeper | None:
    return next((o for o in app.observers if isinstance(o, WeightKeeper)), None)


__all__ = [
    "WeightKeeper",
    "WeightService",
    "attach_weight",
    "detach_weight",
    "find_keeper",
    "fold_account",
]
