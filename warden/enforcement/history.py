"""Readable history (issue 10): the cursor of the restriction history pages, and the events a directory edit of an
account amounts to (so it goes through the same path as the platform's events). Pure.

Restrictions are never deleted (docs/ARCHITECTURE.md), so the table is the history. A page is ordered by
`(starts_at, id)` descending; its cursor is opaque (base64 of the last item's start and id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warden.kernel.decision import derive_id
from warden.kernel.model import Account

PROFILE_FIELDS = ("avatar", "nickname", "external_card")


def profile_events(old: Account, new: Account, at: datetime) -> list[dict[str, Any]]:
    """The events a directory edit of an existing account amounts to: one `profile_change` per changed profile
    field and a `verification_change` when real-name verification changed, all dated `at`.

    Ids are derived from (account, field, old value, new value, time), so a retried request at the same instant
    names the same events (and is answered from the store), and the edit replays with the event history.
    """
    out: list[dict[str, Any]] = []
    stamp = at.isoformat()
    for f in PROFILE_FIELDS:
        before, after = getattr(old, f) or None, getattr(new, f) or None
        if before != after:
            out.append(
                {
                    "id": derive_id("put", old.id, f, before or "", after or "", stamp),
                    "type": "profile_change",
                    "occurred_at": stamp,
                    "account_id": old.id,
                    "field": f,
                    "value": after,
                }
            )
    if old.real_name_verified != new.real_name_verified:
        out.append(
            {
                "id": derive_id("put", old.id, "verified", str(new.real_name_verified), stamp),
                "type": "verification_change",
                "occurred_at": stamp,
                "account_id": old.id,
                "verified": new.real_name_verified,
            }
        )
    return out
