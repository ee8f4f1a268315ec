"""Helpers for the history-invariant tests (issue 10): a stream of events over a registered world, a fresh
warden per run, a snapshot of everything decided, and a readable diff of two snapshots."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tests.conftest import REDIS_URL, T0
from warden.adapters import tables as t
from warden.adapters.database import make_engine
from warden.adapters.tables import metadata
from warden.app import App
from warden.kernel.access import Principal, Role
from warden.kernel.clock import FixedClock
from warden.kernel.model import Account, Enterprise
from warden.policy import LoadedPolicy

READER = Principal("test", Role.AUDITOR)
"""Reads weights as a global role (every tenant's; a missing subject is a 404)."""


@dataclass
class Stream:
    enterprises: list[Enterprise]
    accounts: list[Account]
    events: list[dict[str, Any]] = field(default_factory=list)
    lifts: list[Lift] = field(default_factory=list)
    """Unblocks lifted by a helper, recorded before any event (manual actions: the invariant's "earlier manual
    actions"), dated inside the stream, so its logins can tip a standing S-D4 reversal (issue 15)."""

    def __repr__(self) -> str:  # what hypothesis prints for a falsifying example: readable, one line per event
        lines = ["Stream("]
        lines += [f"  ent {e.id} verified={e.verified} created={e.created_at:%Y-%m-%d}" for e in self.enterprises]
        lines += [
            f"  acc {a.id} of {a.enterprise_id} verified={a.real_name_verified} created={a.created_at:%Y-%m-%d}"
            f" profile={'complete' if a.avatar else 'bare'}"
            for a in self.accounts
        ]
        lines += [
            f"  lift {u.id} of {u.account_id} at {u.lifted_at:%Y-%m-%d %H:%M:%S} helper {u.helper_id} on {u.device_id}"
            for u in self.lifts
        ]
        lines += [f"  {_brief(e)}" for e in self.events]
        return "\n".join([*lines, f"  ({len(self.events)} events))"])

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # hypothesis's printer uses this over dataclass fields
        p.text(repr(self))


@dataclass(frozen=True)
class Lift:
    """A lifted unblock of `account_id` confirmed by `helper_id` from `device_id` at `lifted_at` (a related helper,
    no health check): a requester's later login on `device_id` makes it abnormal (`shared_device`)."""

    id: str
    account_id: str
    helper_id: str
    device_id: str
    lifted_at: datetime


def insert_lifts(w: App, lifts: list[Lift]) -> None:
    """Record the lifted unblocks as the unblocking service leaves them (its flow is not what is under test)."""
    with w.engine.begin() as conn:
        for u in lifts:
            conn.execute(
                sa.insert(t.unblock_applications).values(
                    id=u.id,
                    account_id=u.account_id,
                    phone="13800000000",
                    state="lifted",
                    created_at=u.lifted_at,
                    updated_at=u.lifted_at,
                    actor="test",
                    counted=True,
                    targets="[]",
                    verified='["sms", "helper"]',
                    lifted_at=u.lifted_at,
                    lifted_step=1,
                    lifted_rules="[]",
                    plugin_signatures="[]",
                )
            )
            conn.execute(
                sa.insert(t.unblock_helpers).values(
                    id=f"{u.id}-h",
                    application_id=u.id,
                    requester_id=u.account_id,
                    helper_id=u.helper_id,
                    state="confirmed",
                    created_at=u.lifted_at,
                    confirmed_at=u.lifted_at,
                    device_id=u.device_id,
                    related=True,
                )
            )


def _brief(e: dict[str, Any]) -> str:
    skip = {"id", "type", "occurred_at", "account_id"}
    rest = " ".join(f"{k}={v}" for k, v in e.items() if k not in skip)
    return f"{e['id']} {e['occurred_at'][:19]} {e['type']} {e.get('account_id', '')} {rest}"


# --- running a stream -------------------------------------------------------------------------------------


_ENGINES: dict[str, Any] = {}


def _truncate(url: str) -> None:
    """Empty every table (DELETE: on the few rows of one example it is much faster than TRUNCATE on PostgreSQL)."""
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = make_engine(url)
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


class Runner:
    """One fresh warden per run: empty tables, its own Redis prefix, the FixedClock at T0."""

    def __init__(self, db_url: str, counters: str, policy: LoadedPolicy) -> None:
        self.db_url = db_url
        self.counters = counters
        self.policy = policy
        self.prefix = ""
        self.w: App | None = None

    def build(self) -> App:
        from warden.bootstrap import bootstrap
        from warden.settings import Settings

        s = Settings(database_url=self.db_url, counters=self.counters, redis_url=REDIS_URL, redis_prefix=self.prefix)
        self.w = bootstrap(s, policy=self.policy, clock=FixedClock(T0), migrate=False)
        return self.w

    def fresh(self, stream: Stream) -> App:
        self.close()
        _truncate(self.db_url)
        self._drop_redis()
        self.prefix = f"tprop{uuid.uuid4().hex[:10]}"
        w = self.build()
        for e in stream.enterprises:
            w.enforcement.register_enterprise(Enterprise(e.id, e.name, e.verified, e.created_at), "test")
        for a in stream.accounts:
            w.enforcement.register_account(Account(**a.__dict__), "test")
        insert_lifts(w, stream.lifts)
        return w

    def restart(self) -> App:
        self.close()
        return self.build()

    def close(self) -> None:
        if self.w is not None:
            self.w.close()
            self.w = None

    def _drop_redis(self) -> None:
        if self.counters == "redis" and self.prefix:
            import redis

            r = redis.Redis.from_url(REDIS_URL)
            for k in r.scan_iter(f"{self.prefix}:*"):
                r.delete(k)
            r.close()

    def finish(self) -> None:
        self.close()
        self._drop_redis()


def snapshot(w: App, stream: Stream) -> dict[str, Any]:
    """Everything decided: each event's outcome, strikes, restrictions, flags, weights and unblocks (state and
    reversal time)."""
    with w.engine.connect() as c:
        ev = t.events
        outcomes = {}
        for r in c.execute(sa.select(ev.c.id, ev.c.outcome).order_by(ev.c.occurred_at, ev.c.id)):
            o = json.loads(r.outcome)
            outcomes[r.id] = {
                "allowed": o["allowed"],
                "reasons": [(x["code"], x["level"], x["params"]) for x in o["reasons"]],
            }
        s = t.strikes
        strikes = sorted(
            (r.id, r.subject_type, r.subject_id, r.rule_id, r.severity, r.step, r.at.isoformat(), r.status)
            for r in c.execute(sa.select(s))
        )
        rs = t.restrictions
        restrictions = sorted(
            (
                r.id,
                r.subject_type,
                r.subject_id,
                r.rule_id,
                r.scope,
                r.step,
                r.starts_at.isoformat(),
                r.ends_at.isoformat() if r.ends_at else None,
            )
            for r in c.execute(sa.select(rs))
        )
        f = t.flags
        flags = sorted((r.id, r.subject_id, r.rule_id, r.at.isoformat()) for r in c.execute(sa.select(f)))
        ua = t.unblock_applications
        unblocks = sorted(
            (r.id, r.state, r.reversed_at.isoformat() if r.reversed_at else None)
            for r in c.execute(sa.select(ua.c.id, ua.c.state, ua.c.reversed_at))
        )
        wa = t.weight_accounts
        stored_weights = {r.account_id: r.score / 10 for r in c.execute(sa.select(wa.c.account_id, wa.c.score))}
    ws = w.weight
    weights = {f"stored {k}": v for k, v in sorted(stored_weights.items())}
    for a in stream.accounts:
        weights[f"read {a.id}"] = ws.account_breakdown(READER, a.id)[1].score
    for e in stream.enterprises:
        weights[f"read {e.id}"] = ws.enterprise_breakdown(READER, e.id)[1].score
    return {
        "outcomes": outcomes,
        "strikes": strikes,
        "restrictions": restrictions,
        "flags": flags,
        "weights": weights,
        "unblocks": unblocks,
    }


def one_by_one(w: App, events: list[dict[str, Any]]) -> None:
    for e in events:
        w.pipeline.ingest([e])


def diff(stream: Stream, want: dict[str, Any], got: dict[str, Any], how: str) -> str | None:
    """A readable account of the first differing decision and of every other difference, or None."""
    parts: list[str] = []
    by_id = {e["id"]: e for e in stream.events}
    changed = [i for i in want["outcomes"] if want["outcomes"][i] != got["outcomes"].get(i)]
    missing = [i for i in got["outcomes"] if i not in want["outcomes"]]
    if changed or missing:
        first = changed[0] if changed else missing[0]
        parts.append(
            f"{len(changed)} of {len(want['outcomes'])} decisions differ ({how} vs one event per call); the first:\n"
            f"  event     {_brief(by_id[first])}\n"
            f"  reference {want['outcomes'].get(first)}\n"
            f"  {how:9} {got['outcomes'].get(first)}"
        )
    for key in ("strikes", "restrictions", "flags"):
        a, b = set(want[key]), set(got[key])
        if a != b:
            parts.append(
                f"{key}: only in the reference {sorted(a - b)[:4]}; only in {how} {sorted(b - a)[:4]}"
                f" ({len(a - b)} / {len(b - a)})"
            )
    wdiff = {k: (want["weights"].get(k), got["weights"].get(k)) for k in want["weights"] | got["weights"]}
    wdiff = {k: v for k, v in wdiff.items() if v[0] != v[1]}
    if wdiff:
        parts.append(f"weights (reference, {how}): {dict(sorted(wdiff.items()))}")
    return "\n".join(parts) or None
