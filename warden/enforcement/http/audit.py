"""The audit trail: read it page by page, and prove the chain intact."""

from __future__ import annotations

import json
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query

from warden.adapters import tables as t
from warden.adapters.database import reading
from warden.entrypoints.http.deps import PrincipalDep, WardenDep, require
from warden.kernel.access import Role
from warden.kernel.cursor import decode_seq

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("/entries")
def list_entries(
    warden: WardenDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=32, description="Opaque: pass next_cursor back")] = None,
) -> dict[str, Any]:
    """Entries newest first."""
    require(principal, Role.AUDITOR, Role.REVIEWER, Role.PLATFORM)
    a = t.audit_log
    q = sa.select(a).order_by(a.c.seq.desc()).limit(limit)
    after = decode_seq(cursor)
    if after is not None:
        q = q.where(a.c.seq < after)
    with reading(warden.engine) as conn:
        rows = conn.execute(q).all()
    items = [
        {
            "seq": r.seq,
            "at": r.at,
            "actor": r.actor,
            "action": r.action,
            "subject": r.subject,
            "data": json.loads(r.data),
            "prev_hash": r.prev_hash,
            "hash": r.hash,
        }
        for r in rows
    ]
    return {"items": items, "next_cursor": str(rows[-1].seq) if len(rows) == limit else None}


@router.get("/verification")
def verify(warden: WardenDep, principal: PrincipalDep) -> dict[str, Any]:
    """Recompute every hash and every batch digest; names the first broken entry if any."""
    require(principal, Role.AUDITOR, Role.REVIEWER, Role.PLATFORM)
    r = warden.audit_verify()
    return {"ok": r.ok, "checked": r.checked, "first_broken": r.first_broken, "problem": r.problem}
