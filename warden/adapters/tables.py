"""Database tables (SQLAlchemy Core). The schema itself is owned by the Alembic migrations beside it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) and PostgreSQL alike."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; every time must carry a zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData()
Id = sa.String(128)

enterprises = sa.Table(
    "enterprises",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("verified", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("external_contacts", sa.Integer, nullable=False, server_default="0"),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("enterprise_id", Id, sa.ForeignKey("enterprises.id"), nullable=False, index=True),
    sa.Column("phone", sa.String(32), nullable=False, index=True),
    sa.Column("real_name_verified", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("avatar", sa.String(512)),
    sa.Column("nickname", sa.String(512)),
    sa.Column("external_card", sa.String(512)),
)

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("account_id", Id, primary_key=True),
    sa.Column("contact_id", Id, primary_key=True),
    sa.Column("since", UTCDateTime, nullable=False),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("account_id", Id, nullable=True),
    sa.Column("enterprise_id", Id, nullable=True),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # the validated event, canonical JSON
    sa.Column("outcome", sa.Text, nullable=False),  # the decision: allowed + reasons, canonical JSON
    sa.Column("counted", sa.Text, nullable=False),  # counter entries it made, to rebuild counters exactly
    sa.Column("policy_hash", sa.String(64), nullable=False),
    sa.Column("audit_seq", sa.BigInteger, nullable=False),
    sa.Index("ix_events_account_time", "account_id", "occurred_at"),
    sa.Index("ix_events_occurred_at", "occurred_at"),
    sa.Index("ix_events_audit_seq", "audit_seq"),
)

strikes = sa.Table(
    "strikes",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("subject_type", sa.String(16), nullable=False),
    sa.Column("subject_id", Id, nullable=False),
    sa.Column("rule_id", sa.String(64), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("policy_hash", sa.String(64), nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("status_at", UTCDateTime),
    sa.Column("status_reason", sa.Text),
    sa.Column("event_id", Id),
    sa.Index("ix_strikes_subject", "subject_type", "subject_id"),
)

restrictions = sa.Table(
    "restrictions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("subject_type", sa.String(16), nullable=False),
    sa.Column("subject_id", Id, nullable=False),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("rule_id", sa.String(64), nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("ends_at", UTCDateTime),
    sa.Column("strike_id", sa.String(64)),
    sa.Column("self_unblock", sa.Boolean, nullable=False),
    sa.Column("earliest_unblock_at", UTCDateTime),
    sa.Column("lifted_at", UTCDateTime),
    sa.Column("lift_reason", sa.Text),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Index("ix_restrictions_subject", "subject_type", "subject_id"),
)

flags = sa.Table(
    "flags",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("subject_type", sa.String(16), nullable=False),
    sa.Column("subject_id", Id, nullable=False),
    sa.Column("rule_id", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="open"),
    sa.Index("ix_flags_subject", "subject_type", "subject_id"),
)

exemptions = sa.Table(
    "exemptions",
    metadata,
    sa.Column("account_id", Id, primary_key=True),
    sa.Column("rule_id", sa.String(64), primary_key=True),
    sa.Column("until", UTCDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(256), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
)

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("enterprise_id", Id),
    sa.Column("account_id", Id),
    sa.Column("label", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime),
)

policies = sa.Table(
    "policies",
    metadata,
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
)


# Feature tables below, one section per feature (migrations in migrations/versions/).
# --- weight (issue 4) ---
weight_accounts = sa.Table(  # per-account weight state (S-B): O(1) to update per event
    "weight_accounts",
    metadata,
    sa.Column("account_id", Id, primary_key=True),
    sa.Column("enterprise_id", Id, nullable=False, index=True),
    sa.Column("state", sa.Text, nullable=False),  # compact JSON of daily buckets (domain.weight.AccountState)
    sa.Column("score", sa.Integer, nullable=False),  # tenths, as of the account's latest event
)

weight_enterprises = sa.Table(  # per-enterprise aggregate of member scores and recent member strikes
    "weight_enterprises",
    metadata,
    sa.Column("enterprise_id", Id, primary_key=True),
    sa.Column("state", sa.Text, nullable=False),  # domain.weight.EnterpriseState
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

weight_history = sa.Table(  # one point per subject per (UTC) day, upserted
    "weight_history",
    metadata,
    sa.Column("subject_type", sa.String(16), primary_key=True),
    sa.Column("subject_id", Id, primary_key=True),
    sa.Column("day", sa.Integer, primary_key=True),  # days since the epoch (UTC)
    sa.Column("score", sa.Integer, nullable=False),  # tenths, as of the subject's last event that day
)


# --- unblocking (issue 5) ---


# --- appeals (issue 6) ---


# --- enterprise usage policy (issue 7) ---


# --- end of feature tables ---
