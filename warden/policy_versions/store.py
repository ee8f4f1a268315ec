"""The policy's life: its only SQL (versions, stages, promotions, shadow decisions, labelled strikes)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warden.adapters import store
from warden.adapters import tables as t
from warden.adapters.database import driver_run
from warden.policy_versions.model import LabelledStrike, ShadowRow, Stages, Version
from warden.policy_versions.rules import label_of

_V = t.policy_versions
_S = t.policy_stages
_Q_STAGES = sa.select(_S).where(_S.c.id == 1)

_SUPERSEDED_BY = "superseded by "
"""The reason a superseded strike was voided with before `StrikeStatus.SUPERSEDED` existed (`late17b`)."""


def _version(r: Any) -> Version:
    return Version(r.id, r.hash, r.label, r.author, r.comment, r.created_at, r.parent_id)


GENERATION = "SELECT generation FROM policy_stages WHERE id = 1"
"""The stages' generation, as a `database.driver_run` statement: ingest sends it in its first round trip with the
directory read (`pipeline.ingest`, issue 16) and hands the rows to `LivePolicy.refresh`."""


def generation(conn: Connection) -> int | None:
    """The stages' generation (None before the first start seeded them): what every batch compares, through the
    driver (ingest's hot path; the stages row is read in full only when it moved)."""
    return generation_of(driver_run(conn, GENERATION).fetchall())


def generation_of(rows: Sequence[Any]) -> int | None:
    """The generation in the rows of `GENERATION` (None when there is no stages row)."""
    return int(rows[0][0]) if rows else None


def stages(conn: Connection) -> Stages | None:
    """The one stages row (None before the first start seeded it): one primary-key read."""
    r = conn.execute(_Q_STAGES).first()
    if r is None:
        return None
    return Stages(
        r.generation,
        r.live_id,
        r.shadow_id,
        r.staged_id,
        r.staged_share,
        r.file_hash,
        r.changed_at,
        r.changed_by,
        r.reason,
    )


def versions(conn: Connection) -> list[Version]:
    return [_version(r) for r in conn.execute(sa.select(_V).order_by(_V.c.id))]


def version(conn: Connection, version_id: int) -> Version | None:
    r = conn.execute(sa.select(_V).where(_V.c.id == version_id)).first()
    return _version(r) if r else None


def version_by_hash(conn: Connection, hash_: str) -> Version | None:
    r = conn.execute(sa.select(_V).where(_V.c.hash == hash_)).first()
    return _version(r) if r else None


def versions_by_hash(conn: Connection) -> dict[str, int]:
    return {r.hash: r.id for r in conn.execute(sa.select(_V.c.hash, _V.c.id))}


def text(conn: Connection, hash_: str) -> str | None:
    return conn.execute(sa.select(t.policies.c.text).where(t.policies.c.hash == hash_)).scalar()


def insert_version(conn: Connection, v: Version, text_: str, source: str) -> None:
    """Store `v` (its text in `policies` when new). The caller holds the writers' lock (its `AuditWriter`)."""
    store.record_policy(conn, v.hash, v.label, source, text_, v.created_at)
    conn.execute(
        sa.insert(_V).values(
            id=v.id,
            hash=v.hash,
            label=v.label,
            author=v.author,
            comment=v.comment,
            created_at=v.created_at,
            parent_id=v.parent_id,
        )
    )


def next_version_id(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(_V.c.id), 0))).scalar_one()) + 1


def write_stages(conn: Connection, s: Stages, stage: str, version_id: int | None, share: int) -> None:
    """Replace the stages row by `s` and record the change (`stage`, `version_id`, `share`) in the history."""
    values = {
        "generation": s.generation,
        "live_id": s.live_id,
        "shadow_id": s.shadow_id,
        "staged_id": s.staged_id,
        "staged_share": s.staged_share,
        "file_hash": s.file_hash,
        "changed_at": s.changed_at,
        "changed_by": s.changed_by,
        "reason": s.reason,
    }
    if conn.execute(sa.update(_S).where(_S.c.id == 1).values(**values)).rowcount == 0:
        conn.execute(sa.insert(_S).values(id=1, **values))
    conn.execute(
        sa.insert(t.policy_promotions).values(
            generation=s.generation,
            stage=stage,
            version_id=version_id,
            share=share,
            reason=s.reason,
            actor=s.changed_by,
            at=s.changed_at,
        )
    )


def promotions(conn: Connection) -> list[Any]:
    return list(conn.execute(sa.select(t.policy_promotions).order_by(t.policy_promotions.c.generation)))


# --- shadow decisions --------------------------------------------------------------------------------------------


def insert_shadow(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    for chunk in store.chunks(list(rows)):
        conn.execute(sa.insert(t.shadow_decisions), list(chunk))


def shadow_rows(conn: Connection, version_id: int) -> list[ShadowRow]:
    sd = t.shadow_decisions
    q = sa.select(sd).where(sd.c.version_id == version_id).order_by(sd.c.occurred_at, sd.c.event_id)
    return [
        ShadowRow(
            r.event_id,
            r.account_id,
            r.enterprise_id,
            r.occurred_at,
            r.live_allowed,
            r.shadow_allowed,
            tuple(json.loads(r.live_rules)),
            tuple(json.loads(r.shadow_rules)),
        )
        for r in conn.execute(q)
    ]


# --- labels and figures ------------------------------------------------------------------------------------------


def labelled_strikes(conn: Connection, rule: str | None = None) -> list[LabelledStrike]:
    """Every strike (of `rule`, or all) with its label: its own status (voided, overturned) or the newest decided
    appeal on it (`rules.label_of`), and whether it was ever appealed (a withdrawn appeal counts as appealed)."""
    s, a = t.strikes, t.appeals
    q = sa.select(
        s.c.id,
        s.c.rule_id,
        s.c.policy_hash,
        s.c.subject_type,
        s.c.subject_id,
        s.c.event_id,
        s.c.status,
        s.c.status_reason,
    )
    if rule is not None:
        q = q.where(s.c.rule_id == rule)
    strikes = list(conn.execute(q.order_by(s.c.at, s.c.id)))
    appeals: dict[str, list[str]] = defaultdict(list)
    ids = [r.id for r in strikes]
    for chunk in store.chunks(ids):
        aq = sa.select(a.c.strike_id, a.c.status).where(a.c.strike_id.in_(chunk)).order_by(a.c.submitted_at, a.c.id)
        for r in conn.execute(aq):
            appeals[r.strike_id].append(r.status)
    return [
        LabelledStrike(
            r.id,
            r.rule_id,
            r.policy_hash,
            r.subject_id if r.subject_type == "account" else "",
            r.event_id,
            bool(appeals.get(r.id)),
            label_of(r.status, appeals.get(r.id, []), (r.status_reason or "").startswith(_SUPERSEDED_BY)),
        )
        for r in strikes
    ]


def hits(conn: Connection, rule: str) -> dict[str, int]:
    """Per policy hash, how many stored decisions give a reason of `rule` (a text match on the stored outcome's
    canonical JSON: `"rule":"<rule>"`)."""
    e = t.events
    needle = "%" + json.dumps({"rule": rule}, separators=(",", ":"))[1:-1] + "%"
    q = sa.select(e.c.policy_hash, sa.func.count()).where(e.c.outcome.like(needle)).group_by(e.c.policy_hash)
    return {h: int(n) for h, n in conn.execute(q)}


def strike_keys(conn: Connection) -> Iterable[tuple[str, str]]:
    """(account id, rule) of every account strike: what a replay's run produced, for the backtest."""
    s = t.strikes
    q = sa.select(s.c.subject_id, s.c.rule_id).where(s.c.subject_type == "account").distinct()
    return [(r.subject_id, r.rule_id) for r in conn.execute(q)]


def dumps_list(items: Sequence[str]) -> str:
    return json.dumps(list(items), ensure_ascii=False, separators=(",", ":"))


# --- backtests in the background (issue 18) -----------------------------------------------------------------------


def insert_backtest(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(sa.insert(t.policy_backtests).values(**row))


def update_backtest(conn: Connection, backtest_id: str, owner: str | None = None, **values: Any) -> bool:
    """Update the backtest's row; with `owner`, only while that process still holds it (queued or running, the
    same owner): False when it does not (it was failed as orphaned meanwhile)."""
    b = t.policy_backtests
    q = sa.update(b).where(b.c.id == backtest_id)
    if owner is not None:
        q = q.where(b.c.owner == owner, b.c.state.in_(ACTIVE))
    return bool(conn.execute(q.values(**values)).rowcount)


ACTIVE = ("queued", "running")
"""The states of a backtest some process is (or should be) working on."""


def active_backtests(conn: Connection) -> list[Any]:
    """id, owner, heartbeat_at, created_at of every queued or running backtest (an index on state)."""
    b = t.policy_backtests
    q = sa.select(b.c.id, b.c.owner, b.c.heartbeat_at, b.c.created_at).where(b.c.state.in_(ACTIVE))
    return list(conn.execute(q.order_by(b.c.created_at, b.c.id)))


def fail_orphan(conn: Connection, row: Any, error: str, code: str, now: Any) -> bool:
    """Fail one backtest found orphaned, only if nobody touched it since it was read (same state group, owner and
    heartbeat): two processes sweeping at once fail it once, and a heartbeat that came meanwhile saves it."""
    b = t.policy_backtests
    q = sa.update(b).where(b.c.id == row.id, b.c.state.in_(ACTIVE))
    q = q.where(b.c.owner.is_(None) if row.owner is None else b.c.owner == row.owner)
    q = q.where(b.c.heartbeat_at.is_(None) if row.heartbeat_at is None else b.c.heartbeat_at == row.heartbeat_at)
    values = {"state": "failed", "error": error, "error_code": code, "finished_at": now}
    return bool(conn.execute(q.values(**values)).rowcount)


def backtests(conn: Connection, limit: int) -> list[Any]:
    """The newest `limit` backtests' rows, newest first."""
    b = t.policy_backtests
    return list(conn.execute(sa.select(b).order_by(b.c.created_at.desc(), b.c.id.desc()).limit(limit)))


def backtest(conn: Connection, backtest_id: str) -> Any | None:
    """The backtest's row (columns of `tables.policy_backtests`), or None."""
    return conn.execute(sa.select(t.policy_backtests).where(t.policy_backtests.c.id == backtest_id)).first()
