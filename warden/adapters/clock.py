"""The wall clock: the only `Clock` that reads the time of day (the kernel's protocol, `warden.kernel.clock`)."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
