"""Reading appeals: one appeal as its caller may see it, and the caller's list of appeals (newest first)."""

from __future__ import annotations

from typing import Any

from warden.adapters import store as core
from warden.adapters.uow import Connection, Tx
from warden.appeals import access, store, views
from warden.appeals import model as ap
from warden.appeals.context import Desk
from warden.appeals.texts import Lang
from warden.enforcement.explain import explain_restriction
from warden.kernel.access import GLOBAL_ROLES, Principal
from warden.kernel.cursor import decode_position, encode_position
from warden.kernel.errors import NotFound
from warden.kernel.model import Restriction, Strike


def visible(conn: Connection, p: Principal, appeal_id: str) -> ap.Appeal:
    """The appeal if the caller may see it; out of scope is 403 whether or not it exists (no leak)."""
    return access.visible(p, store.load(conn, appeal_id), appeal_id)


def penalty(conn: Connection, strike_id: str) -> tuple[Strike, Restriction | None]:
    """The contested strike and its restriction (if any)."""
    strike = store.strike(conn, strike_id)
    if strike is None:
        raise NotFound(f"no strike {strike_id!r}")
    return strike, store.restriction_of_strike(conn, strike_id)


def claimed_by(conn: Connection, case_id: str) -> str | None:
    claim = store.claim_of(conn, case_id)
    return claim.claimed_by if claim else None


def render(d: Desk, tx: Tx, p: Principal, a: ap.Appeal, lang: Lang) -> dict[str, Any]:
    """The appeal in full as `p` may see it (see `views`), as of `tx.now`."""
    conn = tx.conn
    claim = store.claim_of(conn, f"appeal:{a.id}")
    out = views.summary(a, claim.claimed_by if claim else None, lang, d.timezone)
    out["statement"] = a.statement
    out["checklist"] = views.checklist(a, d.policy.max_evidence_files, lang)
    out["missing_required"] = ap.missing_required(a) if a.kind is ap.AppealKind.ENTERPRISE else []
    strike, restr = penalty(conn, a.strike_id)
    explained = (
        explain_restriction(
            restr,
            strike,
            tx.now,
            lang,
            d.enforcement.unblock_cap(),
            texts=d.enforcement.texts,
            tz=d.enforcement.rules.policy.timezone,
        )
        if restr
        else None
    )
    out["penalty"] = views.penalty(strike, explained)
    decided = views.decision(a, lang)
    if decided is not None:
        out["decision"] = decided
    if p.role in GLOBAL_ROLES:
        out["claim"] = {"claimed_by": claim.claimed_by, "claimed_at": claim.claimed_at.isoformat()} if claim else None
        out["appellant"] = a.appellant
        if a.proposed_by:
            out["proposal"] = views.proposal(a)
        if "decision" in out:
            out["decision"] |= {"decided_by": a.decided_by, "confirmed_by": a.confirmed_by}
        out["history"] = history(tx, a)
    return core.label_actors(conn, out)  # type: ignore[no-any-return]


def history(tx: Tx, a: ap.Appeal) -> dict[str, Any]:
    """The subject's record beside the case: strikes, restrictions, recent events, earlier appeals, weight."""
    conn = tx.conn
    return views.history(
        core.strikes_of(conn, a.subject_type, [a.subject_id]),
        core.restrictions_of(conn, a.subject_type, [a.subject_id], None),
        store.recent_events(conn, a.subject_type, a.subject_id),
        store.earlier_appeals(conn, a),
        tx.now,
        weight(a),
    )


def weight(a: ap.Appeal) -> float | None:
    """Weight (S-B) of the subject. None for now: weight is read at decision time inside an ingest batch
    (`batch.weights`), and no read for a desk case is wired yet (it never answered outside a batch)."""
    return None


def get(d: Desk, p: Principal, appeal_id: str, lang: Lang = "zh") -> dict[str, Any]:
    with d.uow.reading() as tx:
        return render(d, tx, p, visible(tx.conn, p, appeal_id), lang)


def list_appeals(
    d: Desk, p: Principal, lang: Lang = "zh", status: str | None = None, limit: int = 50, cursor: str | None = None
) -> dict[str, Any]:
    """Appeals the caller may see, newest first: an admin their enterprise's, a member their own.
    Shape: {"items": [summary…], "next_cursor": str | None}."""
    scope = access.list_scope(p)
    position = decode_position(cursor)
    with d.uow.reading() as tx:
        conn = tx.conn
        rows = store.page_ids(conn, scope=scope, status=status, after=position, limit=limit + 1)
        items = []
        for appeal_id, _ in rows[:limit]:
            full = store.load(conn, appeal_id)
            assert full is not None
            items.append(views.summary(full, claimed_by(conn, f"appeal:{full.id}"), lang, d.timezone))
        core.label_actors(conn, items)
    last = rows[limit - 1] if len(rows) > limit else None
    nxt = encode_position(last[1], last[0]) if last is not None else None
    return {"items": items, "next_cursor": nxt}
