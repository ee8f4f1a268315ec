"""Times as people read them: in the policy's timezone (issue 15). Pure."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def local_time(at: datetime, timezone: str) -> str:
    """`at` as people read it: `YYYY-MM-DD HH:MM` in `timezone` (an IANA name), followed by the zone's name."""
    return f"{at.astimezone(ZoneInfo(timezone)).strftime('%Y-%m-%d %H:%M')} ({timezone})"
