"""The review desk: the queue (appeals and flags, earliest deadline first) and claims (one reviewer per case)."""

from __future__ import annotations

from typing import Any

from warden.adapters import store as core
from warden.adapters.uow import Connection
from warden.appeals import access, store, views
from warden.appeals import model as ap
from warden.appeals.context import Desk
from warden.appeals.texts import Lang
from warden.kernel.access import Principal, person_of, same_person
from warden.kernel.cursor import decode_position, encode_position
from warden.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from warden.kernel.events import FieldError


def queue(d: Desk, p: Principal, lang: Lang = "zh", limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """Open appeals and open flags, earliest deadline first (SLA in working days).
    Shape: {"items": [...], "next_cursor": str | None, "sla_working_days": int}."""
    access.require_desk(p)
    sla, tz = d.policy.sla_working_days, d.timezone
    items: list[dict[str, Any]] = []
    with d.uow.reading() as tx:
        now, conn = tx.now, tx.conn
        claims = store.claims(conn)
        for appeal_id in store.live_appeal_ids(conn):
            a = store.load(conn, appeal_id)
            assert a is not None
            c = claims.get(f"appeal:{a.id}")
            items.append(views.queue_appeal(a, c.claimed_by if c else None, lang))
        for row in store.open_flags(conn):
            items.append(views.queue_flag(row, ap.working_days_after(row.at, sla, tz), lang))
    for it in items:
        c = claims.get(it["case_id"])
        it["claimed_by"] = c.claimed_by if c else None
        it["claim_expires_at"] = (c.claimed_at + d.policy.claim_ttl).isoformat() if c else None
        it["overdue"] = it["due_at"] < now
    items.sort(key=lambda i: (i["due_at"], i["case_id"]))
    after = decode_position(cursor)
    if after:
        items = [i for i in items if (i["due_at"], i["case_id"]) > after]
    page = items[:limit]
    nxt = encode_position(page[-1]["due_at"], page[-1]["case_id"]) if len(items) > limit and page else None
    for it in page:
        it["due_at"] = it["due_at"].isoformat()
    return labelled(d, {"items": page, "next_cursor": nxt, "sla_working_days": sla})


def labelled(d: Desk, out: dict[str, Any]) -> dict[str, Any]:
    """`out` with the person's name beside each actor (`claimed_by_label` …; `core.label_actors`)."""
    with d.uow.reading() as tx:
        return core.label_actors(tx.conn, out)  # type: ignore[no-any-return]


def case_live(conn: Connection, p: Principal, case_id: str) -> None:
    """The case (`appeal:<id>` or `flag:<id>`) exists and is still open to a decision by `p`."""
    kind, _, ident = case_id.partition(":")
    if kind == "appeal":
        a = store.load(conn, ident)
        if a is None:
            raise NotFound(f"no appeal {ident!r}")
        if not a.live:
            raise Conflict(f"the appeal is {a.status.value}; there is nothing to claim")
        if a.status is ap.AppealStatus.AWAITING_CONFIRMATION and same_person(a.proposed_by, p.actor):
            raise Conflict("you proposed this decision; a different reviewer must confirm it (four eyes)")
    elif kind == "flag":
        status = store.flag_status(conn, ident)
        if status is None:
            raise NotFound(f"no flag {ident!r}")
        if status != "open":
            raise Conflict(f"the flag is {status}; there is nothing to claim")
    else:
        raise InvalidInput("case ids are appeal:<id> or flag:<id>", [FieldError(field="case_id", message="bad")])


def claim(d: Desk, p: Principal, case_id: str) -> dict[str, Any]:
    """Take a case. Exactly one reviewer holds it: the claim row's primary key decides, on both databases.
    Shape: {"case_id", "claimed_by", "claimed_at"}."""
    access.require_reviewer(p)
    with d.uow.writing(lock=True) as tx:
        now = tx.now
        case_live(tx.conn, p, case_id)
        won = store.try_claim(tx.conn, case_id, p.actor, now, now - d.policy.claim_ttl)
        holder = store.claim_of(tx.conn, case_id)
        assert holder is not None
        if not won and holder.claimed_by != p.actor:
            raise Conflict(
                f"{case_id} is claimed by {holder.claimed_by} until "
                f"{(holder.claimed_at + d.policy.claim_ttl).isoformat()}"
            )
        if won:
            tx.audit.append(now, p.actor, "desk.claimed", case_id, {})
    return labelled(
        d, {"case_id": case_id, "claimed_by": holder.claimed_by, "claimed_at": holder.claimed_at.isoformat()}
    )


def release(d: Desk, p: Principal, case_id: str) -> None:
    """Give a held case back to the queue."""
    access.require_reviewer(p)
    with d.uow.writing(lock=True) as tx:
        if not store.release_claim(tx.conn, case_id, p.actor):
            raise Conflict(f"you do not hold {case_id}")
        tx.audit.append(tx.now, p.actor, "desk.released", case_id, {})


def reassign(d: Desk, p: Principal, case_id: str, to: str, note: str | None = None) -> dict[str, Any]:
    """Hand a case to a named colleague (issue 14): `to` is a reviewer's person id (`zhang`, or an actor string
    `reviewer:zhang`) holding a live reviewer token (`Desk.reviewers`), else a 422 naming `to`. The caller must hold
    the case, or nobody may (403 otherwise: a colleague's claim stays theirs); the claim becomes the colleague's
    from now (its claim_ttl starts again). Audited (`desk.reassigned`). Shape as `claim`."""
    access.require_reviewer(p)
    person = person_of(to) if ":" in to else to
    colleagues = d.reviewers()
    with d.uow.writing(lock=True) as tx:
        now = tx.now
        case_live(tx.conn, p, case_id)
        holder = store.claim_of(tx.conn, case_id)
        live_holder = holder.claimed_by if holder and holder.claimed_at >= now - d.policy.claim_ttl else None
        if not access.may_reassign(p, live_holder):
            raise Forbidden(f"{case_id} is claimed by {live_holder}; only its holder may reassign it")
        if person not in colleagues:
            raise InvalidInput(
                f"{to!r} is not a reviewer with a live token",
                [FieldError(field="to", message="name a colleague who holds a reviewer token (their person id)")],
            )
        if same_person(p.actor, f"reviewer:{person}"):
            raise InvalidInput(
                "you cannot reassign a case to yourself", [FieldError(field="to", message="a colleague")]
            )
        actor = f"reviewer:{person}"
        store.hand_claim(tx.conn, case_id, actor, now)
        tx.audit.append(now, p.actor, "desk.reassigned", case_id, {"from": live_holder, "to": actor, "note": note})
    return labelled(d, {"case_id": case_id, "claimed_by": actor, "claimed_at": now.isoformat()})


def must_hold(conn: Connection, p: Principal, case_id: str) -> None:
    """`p` holds the claim on `case_id` (Conflict otherwise)."""
    holder = store.claim_of(conn, case_id)
    access.must_hold(p, case_id, holder.claimed_by if holder else None)
