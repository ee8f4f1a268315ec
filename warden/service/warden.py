"""Warden's use cases: ingest and decide, explain, manual actions, tokens, audit verification.

Each public method is one transaction. The rules are the domain's; this layer loads what they need,
runs them, writes what they changed and appends to the audit chain, all or nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Connection, Engine

from warden.adapters import store
from warden.adapters import tables as t
from warden.adapters.database import reading
from warden.adapters.subject_cache import SubjectCache
from warden.domain import explain as ex
from warden.domain.policy import LoadedPolicy
from warden.domain.rules import RuleEngine
from warden.kernel.access import Principal, Role, validate_scope
from warden.kernel.audit import ChainReport, decisions_digest, verify_chain
from warden.kernel.clock import Clock
from warden.kernel.counters import Counters
from warden.kernel.decision import Decision, Effects, Reason, Subject
from warden.kernel.errors import Conflict, InvalidInput, NotFound
from warden.kernel.events import MAX_BATCH, BatchAdapter, EventAdapter, FieldError, field_errors
from warden.kernel.ladder import recompute_steps, rederive
from warden.kernel.model import Account, Action, Enterprise, Restriction, Strike, StrikeStatus

FUTURE_SKEW = timedelta(minutes=5)
TOKEN_CACHE_SECONDS = 30.0


class PreStoreHook(Protocol):
    """Sees each batch's decisions before they are stored and may add reasons or deny (enterprise policies).

    Read-only on the database; whatever it writes belongs in an `IngestObserver`.
    """

    def before_store(
        self, conn: Connection, events: list[Any], outcomes: list[Decision], subjects: dict[str, Subject]
    ) -> None: ...


class IngestObserver(Protocol):
    """Sees every freshly decided batch inside its transaction (weight upkeep, enterprise screening …).

    `events`, `outcomes` are parallel lists of the fresh events; `subjects` maps account id → Subject.
    It may write through `conn` and append to `audit`; raising aborts the whole batch.
    """

    def on_batch(
        self,
        conn: Connection,
        audit: store.AuditWriter,
        events: list[Any],
        outcomes: list[Decision],
        subjects: dict[str, Subject],
        changes: Effects,
    ) -> None: ...

    # Optional: `before_batch(conn, events, subjects)` runs before the rules evaluate the fresh events, so an
    # observer can load state the rules read synchronously (weight, issue 4).
    # Optional: `after_event(event, outcome, subject)` runs after each event is decided, in decision order
    # (event time, ties by id; `subject` is None for an enterprise's own event), so the next decision in the
    # same batch reads state that includes this event (weight, the S-A5 cascade).


StrikeStatusHook = Callable[[Connection, "store.AuditWriter", Strike, str, datetime], None]
"""Runs in the same transaction after a strike was voided or overturned (conn, audit, strike, actor, now)."""
SubjectLoader = Callable[[Connection, dict[str, Subject]], None]
"""Loads feature state for the batch's subjects inside the ingest transaction (unblocks for probation)."""


@dataclass
class IngestResult:
    outcomes: list[Decision]
    stored: int
    duplicates: int
    audit_seq: int | None = None
    changes: Effects = field(default_factory=Effects)


class Warden:
    def __init__(
        self,
        engine: Engine,
        policy: LoadedPolicy,
        rules: RuleEngine,
        counters: Counters,
        clock: Clock,
        observers: list[IngestObserver] | None = None,
    ) -> None:
        self.engine = engine
        self.loaded = policy
        self.rules = rules
        self.counters = counters
        self.clock = clock
        self.observers: list[IngestObserver] = observers or []
        self.subject_loaders: list[SubjectLoader] = []
        self.foreign_change_hooks: list[Callable[[Connection], None]] = []
        self.strike_status_hooks: list[StrikeStatusHook] = []
        self.cache = SubjectCache()
        self._tokens: dict[str, tuple[Principal, float]] = {}
        self.checkpointer: Any = None  # set by bootstrap for long-running SQLite servers
        self.word_lists: Any = None  # set by bootstrap when the evasion-resistant engine is in use
        self.pre_store: list[PreStoreHook] = []
        self._lock = threading.Lock()

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.engine.dispose()

    # --- setup ------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Record the policy in use. The counters need no rebuild: ingest reloads each account's windows from
        the stored events the first time a decision needs them (`_cover`)."""
        with self.engine.begin() as conn:
            if store.record_policy(
                conn,
                self.loaded.hash,
                self.loaded.policy.version,
                self.loaded.source,
                self.loaded.text,
                self.clock.now(),
            ):
                store.AuditWriter(conn).append(
                    self.clock.now(),
                    "system",
                    "policy.loaded",
                    f"policy:{self.loaded.short_hash}",
                    {"hash": self.loaded.hash, "version": self.loaded.policy.version, "source": self.loaded.source},
                )

    def _cover(self, conn: Connection, events: list[Any]) -> int:
        """Make the counters hold everything the batch's decisions can see: for each account, every stored entry
        after its earliest event here minus the longest window. Accounts the counters do not cover that far (a
        restart, a late event older than what was kept, a Redis key that expired) are reloaded from the stored
        events, so no decision depends on what this process happens to remember. Returns entries reloaded."""
        retention = self.rules.retention_seconds()
        need: dict[str, float] = {}
        for e in events:
            aid = _field(e, "account_id")
            if aid:
                since = e.occurred_at.timestamp() - retention
                if aid not in need or since < need[aid]:
                    need[aid] = since
        if not need:
            return 0
        cov = self.counters.coverage(list(need))
        stale = sorted(a for a, since in need.items() if a not in cov or cov[a] > since)
        loaded = 0
        for chunk in store.chunks(stale):
            after = min(need[a] for a in chunk)
            until = max((cov[a] for a in chunk if a in cov), default=None)
            if any(a not in cov for a in chunk):
                until = None  # an account never loaded: everything after its need
            found = store.counter_entries(conn, chunk, _utc(after), None if until is None else _utc(until))
            for aid in chunk:  # a covered account only fills the gap below what it holds
                loaded += self.counters.load(aid, found.get(aid, []), need[aid], cov.get(aid))
        return loaded

    # --- directory ----------------------------------------------------------------------------------------

    def register_enterprise(self, e: Enterprise, actor: str) -> bool:
        with self.engine.begin() as conn:
            created = store.upsert_enterprise(conn, e)
            store.AuditWriter(conn).append(
                self.clock.now(),
                actor,
                "enterprise.registered" if created else "enterprise.updated",
                f"enterprise:{e.id}",
                {"name": e.name, "verified": e.verified, "created_at": e.created_at.isoformat()},
            )
        return created

    def register_account(self, a: Account, actor: str) -> bool:
        with self.engine.begin() as conn:
            if store.get_enterprise(conn, a.enterprise_id) is None:
                raise InvalidInput(
                    f"unknown enterprise {a.enterprise_id!r}",
                    [FieldError(field="enterprise_id", message="no such enterprise; register it first")],
                )
            created = store.upsert_account(conn, a)
            store.AuditWriter(conn).append(
                self.clock.now(),
                actor,
                "account.registered" if created else "account.updated",
                f"account:{a.id}",
                {"enterprise_id": a.enterprise_id, "real_name_verified": a.real_name_verified},
            )
        return created

    def get_account(self, account_id: str) -> Account:
        with reading(self.engine) as conn:
            a = store.get_account(conn, account_id)
        if a is None:
            raise NotFound(f"no account {account_id!r}")
        return a

    def get_enterprise(self, enterprise_id: str) -> Enterprise:
        with reading(self.engine) as conn:
            e = store.get_enterprise(conn, enterprise_id)
        if e is None:
            raise NotFound(f"no enterprise {enterprise_id!r}")
        return e

    # --- ingest -------------------------------------------------------------------------------------------

    def validate(self, raw: Sequence[Any]) -> list[Any]:
        if len(raw) > MAX_BATCH:
            raise InvalidInput(
                f"a batch holds at most {MAX_BATCH} events; this one has {len(raw)}",
                [FieldError(field="events", message=f"at most {MAX_BATCH} events per batch")],
            )
        try:
            events = BatchAdapter.validate_python(list(raw))
        except ValidationError as exc:
            errs = field_errors(exc, "events")
            raise InvalidInput(f"{len(errs)} problem(s) in the events; nothing was stored", errs) from exc
        limit = self.clock.now() + FUTURE_SKEW
        future = [
            FieldError(field=f"events[{i}].occurred_at", message=f"{e.occurred_at.isoformat()} is in the future")
            for i, e in enumerate(events)
            if e.occurred_at > limit
        ]
        if future:
            raise InvalidInput(f"{len(future)} event(s) dated in the future; nothing was stored", future)
        return events

    def ingest(self, raw: Sequence[Any], actor: str = "platform") -> IngestResult:
        """Decide and store a batch atomically. An event id seen before is answered from the store."""
        events = self.validate(raw)
        with self._lock:
            self.counters.begin()
            try:
                result = self._ingest(events, actor)
            except BaseException:
                self.counters.rollback()
                self.cache.clear()  # evaluation may have changed cached subjects in place
                raise
            self.counters.commit()
        return result

    def _ingest(self, events: list[Any], actor: str) -> IngestResult:
        now = self.clock.now()
        with self.engine.begin() as conn:
            audit = store.AuditWriter(conn)
            if self.cache.check(audit.tail_seq):  # someone else wrote: let features take over their changes
                for hook in self.foreign_change_hooks:
                    hook(conn)
            stored = store.existing_outcomes(conn, [e.id for e in events])
            fresh, seen = [], set(stored)
            payloads: dict[str, str] = {i: p for i, (_, p) in stored.items()}
            clashes: list[FieldError] = []
            for i, e in enumerate(events):
                payload = e.model_dump_json()
                if e.id in payloads:  # an id answered before (or earlier here) must carry the same event
                    if not _same_event(payloads[e.id], payload):
                        clashes.append(
                            FieldError(
                                field=f"events[{i}].id",
                                message=f"event id {e.id!r} was already used for a different event; "
                                "an id is sent again only to retry the very same event",
                            )
                        )
                    continue
                payloads[e.id] = payload
                if e.id not in seen:
                    seen.add(e.id)
                    fresh.append(e)
            if clashes:
                ids = ", ".join(repr(events[int(c.field[7:].split("]")[0])].id) for c in clashes)
                raise Conflict(f"event id {ids} reused with different content; nothing was stored", clashes)
            acc_ids = [a for e in fresh if (a := _field(e, "account_id"))]
            ent_ids = [x for e in fresh if (x := _field(e, "enterprise_id"))]
            live_after = min((e.occurred_at for e in fresh), default=now)
            subjects, missing = self.cache.take(acc_ids, live_after)
            loaded, enterprises = store.load_subjects(conn, missing, live_after, ent_ids, self.cache.enterprises)
            subjects.update(loaded)
            enterprises.update({s.enterprise.id: s.enterprise for s in subjects.values()})
            for load in self.subject_loaders:  # per-batch state kept beside the subjects (e.g. past unblocks)
                load(conn, subjects)
            fresh_ids = {e.id for e in fresh}
            unknown = [
                FieldError(field=f"events[{i}].{name}", message=f"unknown {what} {value!r}; register it first")
                for i, e in enumerate(events)
                if e.id in fresh_ids
                for name, what, known in (
                    ("account_id", "account", subjects),
                    ("enterprise_id", "enterprise", enterprises),
                )
                if (value := _field(e, name)) and value not in known
            ]
            if unknown:
                raise InvalidInput(f"{len(unknown)} event(s) name unknown accounts; nothing was stored", unknown)
            self._cover(conn, fresh)
            for observer in self.observers:  # optional pre-evaluation hook: load what the rules read (weight)
                before = getattr(observer, "before_batch", None)
                if before is not None:
                    before(conn, fresh, subjects)

            changes = Effects()
            by_id: dict[str, Decision] = {}
            rows = []
            prepare = getattr(self.rules.screener, "prepare", None)
            if prepare is not None:  # screen the batch's greetings and messages in one pass per enterprise
                prepare(
                    (subjects[a].enterprise.id, text)
                    for e in fresh
                    if (a := _field(e, "account_id")) and (text := _field(e, "greeting") or _field(e, "text"))
                )
            # Decide in event time (ties by id), one event at a time: each decision sees exactly the state the
            # events before it left, whatever the batching or arrival order (docs/ARCHITECTURE.md, the invariant).
            fresh.sort(key=_event_order)
            after_event = [h for o in self.observers if (h := getattr(o, "after_event", None)) is not None]
            for e in fresh:
                aid = _field(e, "account_id")
                subject = subjects[aid] if aid else None
                if subject is None:  # an enterprise's own verification change
                    ent = enterprises[e.enterprise_id]
                    ent.verified = e.verified
                    changes.enterprises[ent.id] = ent
                    out = Decision(event_id=e.id, allowed=None)
                else:
                    out = self.rules.evaluate(e, subject, self.counters, changes)
                by_id[e.id] = out
                for hook in after_event:  # state the next decision reads (weight) follows this event
                    hook(e, out, subject)
            if prepare is not None:
                self.rules.screener.release()
            for hook in self.pre_store:
                hook.before_store(conn, fresh, [by_id[e.id] for e in fresh], subjects)
            for e in fresh:
                aid = _field(e, "account_id")
                subject = subjects[aid] if aid else None
                out = by_id[e.id]
                rows.append(
                    {
                        "id": e.id,
                        "type": e.type,
                        "account_id": aid,
                        "enterprise_id": subject.enterprise.id if subject else e.enterprise_id,
                        "occurred_at": e.occurred_at,
                        "received_at": now,
                        "payload": payloads[e.id],
                        "outcome": _outcome_text(out),
                        "counted": store.dumps(out.counted) if out.counted else "[]",
                        "policy_hash": self.loaded.hash,
                    }
                )
            seq = None
            if rows:
                seq = audit.next_seq()
                for r in rows:
                    r["audit_seq"] = seq
                conn.execute(sa.insert(t.events), rows)
                digest = decisions_digest(
                    (r["id"], (r["type"], r["account_id"], r["payload"], r["outcome"], r["policy_hash"])) for r in rows
                )
                denied = sum(1 for o in by_id.values() if o.allowed is False)
                audit.append(
                    now,
                    actor,
                    "events.decided",
                    f"batch:{rows[0]['id']}",
                    {"events": len(rows), "denied": denied, "policy": self.loaded.hash, "digest": digest},
                )
                store.save_changes(conn, changes)
                self._audit_changes(audit, changes, now, "rules")
                decided = [by_id[e.id] for e in fresh]
                for observer in self.observers:
                    observer.on_batch(conn, audit, fresh, decided, subjects, changes)
            self.counters.flush()  # last step before the commit: a failed batch leaves no counts behind

        self.cache.keep(subjects, audit.tail_seq)
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
        return IngestResult(outcomes, len(rows), len(events) - len(rows), seq, changes)

    def _audit_changes(self, audit: store.AuditWriter, changes: Effects, now: datetime, actor: str) -> None:
        for s in changes.strikes:
            audit.append(
                now,
                actor,
                "strike.issued",
                f"{s.subject_type}:{s.subject_id}",
                {
                    "strike": s.id,
                    "rule": s.rule_id,
                    "severity": s.severity,
                    "step": s.step,
                    "event": s.event_id,
                    "policy": s.policy_hash,
                },
            )
        for r in changes.restrictions:
            audit.append(
                now,
                actor,
                "restriction.imposed",
                f"{r.subject_type}:{r.subject_id}",
                {
                    "restriction": r.id,
                    "scope": r.scope.value,
                    "step": r.step,
                    "rule": r.rule_id,
                    "ends_at": r.ends_at.isoformat() if r.ends_at else None,
                },
            )
        for f in changes.flags:
            audit.append(
                now, actor, "flag.raised", f"{f.subject_type}:{f.subject_id}", {"flag": f.id, "rule": f.rule_id}
            )

    # --- reading state ---------------------------------------------------------------------------------

    def subject(self, account_id: str, at: datetime | None = None) -> Subject:
        at = at or self.clock.now()
        with reading(self.engine) as conn:
            subjects, _ = store.load_subjects(conn, [account_id], at)
        if account_id not in subjects:
            raise NotFound(f"no account {account_id!r}")
        return subjects[account_id]

    def explain(self, account_id: str, lang: ex.Lang = "zh") -> dict[str, Any]:
        """Everything the account's owner needs to know: state, each restriction with evidence, what to do."""
        now = self.clock.now()
        subj = self.subject(account_id, now)
        active = subj.active_restrictions(now)
        strikes = {s.id: s for s in subj.strikes + subj.enterprise_strikes}
        state = ex.account_state(active)
        # Standing refusals restrict nobody, yet refuse the person's adds: said here with what to do (issue 10).
        cap = self.rules.standing_cap_refusal(subj.enterprise)
        refusals = [cap] if cap is not None else []
        return {
            "account_id": account_id,
            "enterprise_id": subj.enterprise.id,
            "state": state,
            "state_text": ex.STATE_TEXT[state][lang],
            "can_add_contacts": not subj.blocked(Action.ADD_CONTACT, now) and not refusals,
            "can_login": not subj.blocked(Action.LOGIN, now),
            "restrictions": [
                ex.explain_restriction(r, strikes.get(r.strike_id or ""), now, lang, self.unblock_cap()) for r in active
            ],
            "refusals": [ex.refusal(r, lang) for r in refusals],
            "advice": ex.advice_for(
                active, subj.account.real_name_verified, subj.enterprise.verified, lang, [r.rule for r in refusals]
            ),
            "strikes": [
                {
                    "id": s.id,
                    "rule": s.rule_id,
                    "severity": s.severity,
                    "step": s.step,
                    "at": s.at.isoformat(),
                    "status": s.status.value,
                    "status_reason": s.status_reason,
                    "event_id": s.event_id,
                }
                for s in subj.strikes
            ],
            "policy_hash": self.loaded.hash,
            "as_of": now.isoformat(),
            "lang": lang,
        }

    def unblock_cap(self) -> tuple[int, int] | None:
        """The policy's unblock cap (applications, window in days) for explanations, if unblocking is on."""
        cap = getattr(getattr(self.rules.policy, "unblocking", None), "cap", None)
        return (cap.max_applications, round(cap.window.total_seconds() / 86400)) if cap else None

    def restrictions(self, subject_type: str, subject_id: str) -> list[Restriction]:
        with reading(self.engine) as conn:
            return store.restrictions_of(conn, subject_type, [subject_id], None)

    def restricted_accounts(self, at: datetime | None = None) -> dict[str, list[Restriction]]:
        """Accounts with an active restriction of their own at `at` (enterprise-derived ones excluded)."""
        at = at or self.clock.now()
        r = t.restrictions
        with reading(self.engine) as conn:
            rows = conn.execute(
                sa.select(r).where(
                    r.c.subject_type == "account",
                    r.c.lifted_at.is_(None),
                    r.c.starts_at <= at,
                    sa.or_(r.c.ends_at.is_(None), r.c.ends_at > at),
                )
            )
            out: dict[str, list[Restriction]] = {}
            for row in rows:
                out.setdefault(row.subject_id, []).append(store.restriction_from(row))
        return out

    # --- manual actions ----------------------------------------------------------------------------------

    def set_strike_status(self, strike_id: str, status: StrikeStatus, actor: str, reason: str) -> Strike:
        """Void or overturn a strike: its restriction lifts and the ladder is recomputed from what stays."""
        if status is StrikeStatus.ACTIVE:
            raise InvalidInput("a strike can only be voided or overturned")
        now = self.clock.now()
        with self.engine.begin() as conn:
            return self.set_strike_status_in(conn, store.AuditWriter(conn), strike_id, status, actor, reason, now)

    def set_strike_status_in(
        self,
        conn: Connection,
        audit: store.AuditWriter,
        strike_id: str,
        status: StrikeStatus,
        actor: str,
        reason: str,
        now: datetime,
    ) -> Strike:
        """`set_strike_status` inside the caller's transaction (an appeal decision is one transaction)."""
        ladder = self.rules.policy.ladder
        row = conn.execute(sa.select(t.strikes).where(t.strikes.c.id == strike_id)).first()
        if row is None:
            raise NotFound(f"no strike {strike_id!r}")
        target = store.strike_from(row)
        if target.status is not StrikeStatus.ACTIVE:
            raise Conflict(f"strike {strike_id} is already {target.status.value}")
        history = store.strikes_of(conn, target.subject_type, [target.subject_id])
        restr = {r.strike_id: r for r in store.restrictions_of(conn, target.subject_type, [target.subject_id], None)}
        for s in history:
            if s.id == strike_id:
                s.status, s.status_at, s.status_reason = status, now, reason
                store.update_strike(conn, s)
                target = s
        r = restr.get(strike_id)
        if r is not None and r.lifted_at is None:
            r.lifted_at, r.lift_reason = now, f"strike {status.value}: {reason}"
            store.update_restriction(conn, r)
        audit.append(
            now,
            actor,
            f"strike.{status.value}",
            f"{target.subject_type}:{target.subject_id}",
            {"strike": strike_id, "reason": reason},
        )
        # Floors demanded when each strike was issued (probation, plug-in re-ban, the enterprise ladder's start)
        # still hold when the ladder is recomputed.
        base = ladder.enterprise_min_step if target.subject_type == "enterprise" else 0
        floors = {s.id: max(base, int(s.evidence.get("step_floor", 0))) for s in history}
        new_steps = recompute_steps(ladder, history, floors)
        for s in history:
            if s.id in new_steps and new_steps[s.id] != s.step:
                old = s.step
                s.step = new_steps[s.id]
                store.update_strike(conn, s)
                prev = restr.get(s.id)
                if prev is not None:
                    store.update_restriction(conn, rederive(ladder, s, prev))
                audit.append(
                    now,
                    actor,
                    "strike.restepped",
                    f"{s.subject_type}:{s.subject_id}",
                    {"strike": s.id, "from": old, "to": s.step, "because": strike_id},
                )
        for hook in self.strike_status_hooks:  # e.g. a cascade whose basis was this strike is re-judged
            hook(conn, audit, target, actor, now)
        return target

    def restrict_enterprise(self, enterprise_id: str, actor: str, severity: str, reason: str) -> Restriction:
        """A reviewer restricts (or, with severity S, bans) a whole enterprise (S-C2)."""
        if severity not in self.rules.policy.ladder.severities:
            raise InvalidInput(
                f"unknown severity {severity!r}; the ladder has {', '.join(self.rules.policy.ladder.severities)}"
            )
        now = self.clock.now()
        with self.engine.begin() as conn:
            ent = store.get_enterprise(conn, enterprise_id)
            if ent is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            history = store.strikes_of(conn, "enterprise", [enterprise_id])
            live = store.restrictions_of(conn, "enterprise", [enterprise_id], now)
            changes = Effects()
            self.rules.issue_enterprise_strike(
                ent,
                history,
                live,
                changes,
                rule="manual",
                severity=severity,
                at=now,
                evidence={"note": reason, "actor": actor},
                key=f"{actor}:{now.isoformat()}",
            )
            store.save_changes(conn, changes)
            self._audit_changes(store.AuditWriter(conn), changes, now, actor)
        return changes.restrictions[0]

    def lift_restriction(self, restriction_id: str, actor: str, reason: str) -> Restriction:
        now = self.clock.now()
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(t.restrictions).where(t.restrictions.c.id == restriction_id)).first()
            if row is None:
                raise NotFound(f"no restriction {restriction_id!r}")
            r = store.restriction_from(row)
            if not r.active_at(now):
                raise Conflict(f"restriction {restriction_id} is not active")
            r.lifted_at, r.lift_reason = now, reason
            store.update_restriction(conn, r)
            store.AuditWriter(conn).append(
                now,
                actor,
                "restriction.lifted",
                f"{r.subject_type}:{r.subject_id}",
                {"restriction": r.id, "reason": reason},
            )
        return r

    # --- tokens -------------------------------------------------------------------------------------------

    def create_token(
        self,
        role: Role,
        enterprise_id: str | None = None,
        account_id: str | None = None,
        label: str = "",
        actor: str = "cli",
    ) -> tuple[Principal, str]:
        problem = validate_scope(role, enterprise_id, account_id)
        if problem:
            raise InvalidInput(problem)
        token_id = secrets.token_hex(6)
        secret = f"wdn_{token_id}_{secrets.token_urlsafe(24)}"
        now = self.clock.now()
        with self.engine.begin() as conn:
            if enterprise_id and store.get_enterprise(conn, enterprise_id) is None:
                raise InvalidInput(f"no enterprise {enterprise_id!r}")
            if account_id:
                acc = store.get_account(conn, account_id)
                if acc is None:
                    raise InvalidInput(f"no account {account_id!r}")
                enterprise_id = acc.enterprise_id
            conn.execute(
                sa.insert(t.tokens).values(
                    id=token_id,
                    secret_hash=_hash(secret),
                    role=role.value,
                    enterprise_id=enterprise_id,
                    account_id=account_id,
                    label=label,
                    created_at=now,
                )
            )
            store.AuditWriter(conn).append(
                now,
                actor,
                "token.created",
                f"token:{token_id}",
                {"role": role.value, "enterprise": enterprise_id, "account": account_id},
            )
        return Principal(token_id, role, enterprise_id, account_id), secret

    def authenticate(self, secret: str) -> Principal | None:
        """The token's principal, or None. Answers are cached for `TOKEN_CACHE_SECONDS`, so a revocation
        reaches every server process within that time."""
        key = _hash(secret)
        hit = self._tokens.get(key)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        with reading(self.engine) as conn:
            row = conn.execute(
                sa.select(t.tokens).where(t.tokens.c.secret_hash == key, t.tokens.c.revoked_at.is_(None))
            ).first()
        principal = None if row is None else Principal(row.id, Role(row.role), row.enterprise_id, row.account_id)
        if principal is not None:
            if len(self._tokens) > 10_000:
                self._tokens.clear()
            self._tokens[key] = (principal, time.monotonic() + TOKEN_CACHE_SECONDS)
        return principal

    def revoke_token(self, token_id: str, actor: str) -> None:
        now = self.clock.now()
        with self.engine.begin() as conn:
            res = conn.execute(
                sa.update(t.tokens)
                .where(t.tokens.c.id == token_id, t.tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            if not res.rowcount:
                raise NotFound(f"no active token {token_id!r}")
            store.AuditWriter(conn).append(now, actor, "token.revoked", f"token:{token_id}", {})
        self._tokens = {k: v for k, v in self._tokens.items() if v[0].token_id != token_id}

    # --- audit ---------------------------------------------------------------------------------------------

    def audit_verify(self) -> ChainReport:
        with reading(self.engine) as conn:
            return verify_chain(
                store.audit_entries(conn),
                expected_digest=lambda e: decisions_digest(store.event_rows_for_audit(conn, e.seq)),
            )


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _same_event(stored: str, sent: str) -> bool:
    """Whether a re-sent event is the one stored under its id (same content; JSON key order aside)."""
    if stored == sent:
        return True
    try:  # stored by an earlier version: compare as events, so a field added since with its default still matches
        return bool(EventAdapter.validate_json(stored).model_dump_json() == sent)
    except ValidationError:
        return False


def _event_order(event: Any) -> tuple[datetime, str]:
    """The one order of decisions: event time, ties broken by event id."""
    return (event.occurred_at, event.id)


def _field(event: Any, name: str) -> Any:
    """A field that only some event types have (pydantic's attribute fallback is slow on the hot path)."""
    return event.__dict__.get(name)


_PLAIN = {None: '{"allowed":null,"reasons":[]}', True: '{"allowed":true,"reasons":[]}'}


def _outcome_text(out: Decision) -> str:
    """Most decisions carry no reason; their stored text is a constant."""
    if not out.reasons and out.allowed in _PLAIN:
        return _PLAIN[out.allowed]
    return store.dumps(out.as_dict())


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
