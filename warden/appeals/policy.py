"""The policy file's `appeals:` section (S-D6 and member appeals): windows, limits, the desk's SLA and claims."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field

from warden.kernel.durations import Duration, Strict


class AppealsPolicy(Strict):
    """Appeals and the review desk. Defaults keep older policy files valid."""

    member_window: Duration = timedelta(days=20)  # a member appeals within this after the penalty
    enterprise_window: Duration | None = None  # None: an enterprise ban can be appealed at any time
    max_per_penalty: int = Field(2, ge=1)  # appeals per penalty over time (only one open at once)
    statement_max_chars: int = Field(2000, ge=10, le=20000)
    max_evidence_files: int = Field(9, ge=0, le=50)
    max_upload_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    allowed_types: list[Literal["image/png", "image/jpeg", "image/webp", "application/pdf"]] = [
        "image/png",
        "image/jpeg",
        "image/webp",
        "application/pdf",
    ]
    sla_working_days: int = Field(7, ge=1, le=60)
    claim_ttl: Duration = timedelta(hours=4)  # a claim older than this may be taken over
    exemption_max: Duration = timedelta(days=30)
    notify_max_attempts: int = Field(6, ge=1, le=50)
    notify_backoff: Duration = timedelta(minutes=1)  # doubled after each failed attempt
