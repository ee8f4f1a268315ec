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

# the external-contact ledger: one row per external contact event, so the unverified-enterprise cap counts the
# live external contacts in event time (S-A4) and S-A6 sees how a message's contact stands (warden/service/contacts.py)
external_contact_events = sa.Table(
    "external_contact_events",
    metadata,
    sa.Column("event_id", Id, primary_key=True),
    sa.Column("enterprise_id", Id, nullable=False, index=True),
    sa.Column("account_id", Id, nullable=False),
    sa.Column("contact_id", Id, nullable=False),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("added", sa.Boolean, nullable=False),
    sa.Column("initiated_by", sa.String(8), nullable=True),  # on an add: self | contact (S-A6 contexts, issue 13)
    sa.Index("ix_external_contact_events_pair", "account_id", "contact_id"),
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
    sa.Column("audit_chain", sa.Integer, nullable=False, server_default="0"),  # with audit_seq: the vouching entry
    sa.Index("ix_events_account_time", "account_id", "occurred_at"),
    sa.Index("ix_events_occurred_at", "occurred_at"),
    sa.Index("ix_events_audit_chain_seq", "audit_chain", "audit_seq"),
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
    # which hash chain (issue 17): 0 the platform's (manual actions, policy, directory; an installation's chain from
    # before partitions), p + 1 partition p's (`kernel.partition.chain_of`); each chain counts its own seq from 1
    sa.Column("chain", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(256), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
    sa.UniqueConstraint("chain", "prev_hash", name="uq_audit_log_chain_prev_hash"),
    sa.Index("ix_audit_log_at_chain_seq", "at", "chain", "seq"),  # the listing across chains (migration 0022)
)

# the root chain (issue 17): the newest signed head of every chain, folded into a Merkle root and signed, in the
# manner of Certificate Transparency's signed tree heads (adapters/audit_roots.py)
audit_roots = sa.Table(
    "audit_roots",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("heads", sa.Text, nullable=False),  # canonical JSON [[chain, seq, hash], …] by chain
    sa.Column("root", sa.String(64), nullable=False),  # the Merkle root over `heads` (RFC 6962 hashing)
    sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
    sa.Column("key_id", sa.String(16), nullable=True),
    sa.Column("signature", sa.String(128), nullable=True),  # none when written without the key
)

# fixed facts of the installation (issue 17): `partitions`, the partition count every process must share
installation = sa.Table(
    "installation",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# SQLite's stand-in for PostgreSQL's sequence `audit_state_order` (the order of `state.rows` entries across chains)
audit_counters = sa.Table(
    "audit_counters",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

# the audit trail over the state tables (issue 12; adapters/audit_state.py): triggers note each changed row of a
# covered table here; the transaction's seal vouches for them in the chain and empties it before commit
audit_touched = sa.Table(
    "audit_touched",
    metadata,
    sa.Column("tbl", sa.String(64), primary_key=True),
    sa.Column("pk", sa.String(600), primary_key=True),  # JSON array of the row's key values
    sa.Column("tx", sa.BigInteger, primary_key=True, autoincrement=False),  # PostgreSQL: txid_current(); SQLite: 0
)

# signed heads of the chain (adapters/audit_keys.py): one per transaction that appended
audit_checkpoints = sa.Table(
    "audit_checkpoints",
    metadata,
    sa.Column("chain", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("key_id", sa.String(16), nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),
)

people = sa.Table(  # who holds tokens (issue 12): four eyes compares people, not tokens
    "people",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # the handle actors name (`reviewer:zhang`)
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("disabled_at", UTCDateTime),  # set: every token of the person is refused
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
    sa.Column("person_id", sa.String(64), sa.ForeignKey("people.id"), nullable=False, index=True),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("last_used_at", UTCDateTime),  # recorded at most once a minute per token, never audited
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
    sa.Column("state", sa.Text, nullable=False),  # compact JSON of daily buckets (weight.state.AccountState)
    sa.Column("score", sa.Integer, nullable=False),  # tenths, as of the account's latest event
)

weight_enterprises = sa.Table(  # per-enterprise aggregate of member scores and recent member strikes
    "weight_enterprises",
    metadata,
    sa.Column("enterprise_id", Id, primary_key=True),
    sa.Column("state", sa.Text, nullable=False),  # weight.state.EnterpriseState
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
unblock_quota = sa.Table(  # S-D3: one row per phone; `stamps` holds the window's application times (CAS on version)
    "unblock_quota",
    metadata,
    sa.Column("phone", sa.String(32), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("stamps", sa.Text, nullable=False),  # JSON list of ISO times, oldest first
    # JSON list of ISO times: the one-time code checks on this phone in the guess window (issue 12; CAS on version)
    sa.Column("guesses", sa.Text, nullable=False, server_default="[]"),
)

unblock_applications = sa.Table(
    "unblock_applications",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("account_id", Id, nullable=False),
    sa.Column("phone", sa.String(32), nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("idempotency_key", sa.String(128)),
    sa.Column("counted", sa.Boolean, nullable=False),  # took a slot of the phone's cap
    sa.Column("targets", sa.Text, nullable=False),  # JSON: ids of the restrictions it would lift
    sa.Column("earliest_at", UTCDateTime),
    sa.Column("health", sa.Text),  # JSON: the last health report and its failures
    sa.Column("device_id", sa.String(128)),
    sa.Column("ip", sa.String(64)),
    sa.Column("code_hash", sa.String(64)),
    sa.Column("code_expires_at", UTCDateTime),
    sa.Column("code_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("codes_sent", sa.Integer, nullable=False, server_default="0"),
    sa.Column("code_guesses", sa.Integer, nullable=False, server_default="0"),  # code checks, all codes (issue 12)
    sa.Column("platform_check", sa.Text),  # JSON: the platform's face/ID check result (issue 15, S-D1)
    sa.Column("verified", sa.Text, nullable=False),  # JSON list of methods passed
    sa.Column("refusal_code", sa.String(64)),
    sa.Column("refusal_params", sa.Text),
    sa.Column("lifted_at", UTCDateTime),
    sa.Column("lifted_step", sa.Integer),
    sa.Column("lifted_rules", sa.Text),  # JSON list
    sa.Column("plugin_signatures", sa.Text),  # JSON list recorded from lifted plug-in bans (S-D5)
    sa.Column("abnormal", sa.Text),  # JSON verdict (S-D4)
    sa.Column("reversed_at", UTCDateTime),
    sa.Index("ix_unblock_applications_account", "account_id", "created_at"),
    sa.UniqueConstraint("account_id", "idempotency_key", name="uq_unblock_applications_idem"),
)

unblock_helpers = sa.Table(
    "unblock_helpers",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("application_id", sa.String(64), nullable=False, index=True),
    sa.Column("requester_id", Id, nullable=False),
    sa.Column("helper_id", Id, nullable=False, index=True),
    sa.Column("state", sa.String(16), nullable=False),  # pending | confirmed | refused | declined
    sa.Column("token_hash", sa.String(64), unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("confirmed_at", UTCDateTime),
    sa.Column("device_id", sa.String(128)),
    sa.Column("ip", sa.String(64)),
    sa.Column("related", sa.Boolean),
    sa.Column("refusal_code", sa.String(64)),
    sa.Column("refusal_params", sa.Text),
)


unblock_reports = sa.Table(  # S-D4: the platform's after-the-fact reports of a third-party unblock (issue 15)
    "unblock_reports",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("application_id", sa.String(64), nullable=False, index=True),
    sa.Column("account_id", Id, nullable=False, index=True),
    sa.Column("platform", sa.String(128), nullable=False),
    sa.Column("occurred_at", UTCDateTime),  # when the platform says the third-party unblock happened
    sa.Column("reported_at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("note", sa.Text),
)

# --- appeals (issue 6) ---
appeals = sa.Table(
    "appeals",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # member | enterprise
    sa.Column("strike_id", sa.String(64), nullable=False, index=True),
    sa.Column("subject_type", sa.String(16), nullable=False),
    sa.Column("subject_id", Id, nullable=False),
    sa.Column("enterprise_id", Id, nullable=False, index=True),
    sa.Column("account_id", Id),
    sa.Column("appellant", sa.String(128), nullable=False),
    sa.Column("statement", sa.Text, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("open_key", sa.String(64), unique=True),  # the strike id while live: one open appeal per penalty
    sa.Column("idem_key", sa.String(200), unique=True),  # caller token + Idempotency-Key
    sa.Column("submitted_at", UTCDateTime, nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String(16)),
    sa.Column("reason_code", sa.String(64)),
    sa.Column("note", sa.Text),
    sa.Column("to_step", sa.Integer),
    sa.Column("exempt_days", sa.Integer),
    sa.Column("proposed_by", sa.String(128)),
    sa.Column("proposed_at", UTCDateTime),
    sa.Column("decided_by", sa.String(128)),
    sa.Column("confirmed_by", sa.String(128)),
    sa.Column("decided_at", UTCDateTime),
    sa.Index("ix_appeals_status_due", "status", "due_at"),
)

appeal_documents = sa.Table(
    "appeal_documents",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("appeal_id", sa.String(64), sa.ForeignKey("appeals.id"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),  # per appeal, in upload order
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),  # also the key in the document store
    sa.Column("media_type", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("filename", sa.String(200), nullable=False),  # sanitised, for display only
    sa.Column("uploaded_by", sa.String(128), nullable=False),
    sa.Column("uploaded_at", UTCDateTime, nullable=False),
    sa.Column("reviewed_by", sa.String(128)),
    sa.Column("reviewed_at", UTCDateTime),
    sa.Column("reject_code", sa.String(32)),
    sa.Column("reject_note", sa.Text),
    sa.UniqueConstraint("appeal_id", "seq", name="uq_appeal_documents_seq"),
)

desk_claims = sa.Table(  # one row per claimed case; the primary key makes two claims impossible
    "desk_claims",
    metadata,
    sa.Column("case_id", sa.String(80), primary_key=True),  # appeal:<id> | flag:<id>
    sa.Column("claimed_by", sa.String(128), nullable=False),
    sa.Column("claimed_at", UTCDateTime, nullable=False),
)

appeal_notes = sa.Table(  # issue 14: reviewers' internal notes on an appeal (never shown to the appellant)
    "appeal_notes",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("appeal_id", sa.String(64), nullable=False, index=True),
    sa.Column("author", sa.String(128), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

notifications = sa.Table(  # the outbox: written with the change, delivered after it, never twice
    "notifications",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(200), nullable=False, unique=True),
    sa.Column("appeal_id", sa.String(64), index=True),
    sa.Column("recipient_type", sa.String(16), nullable=False),
    sa.Column("recipient_id", Id, nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | sent | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("lease_until", UTCDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Index("ix_notifications_due", "status", "next_attempt_at"),
)


# --- enterprise usage policy (issue 7) ---
usage_policies = sa.Table(  # one row per enterprise that has a policy or a case
    "usage_policies",
    metadata,
    sa.Column("enterprise_id", Id, sa.ForeignKey("enterprises.id"), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),  # 0: no policy written yet
    sa.Column("document", sa.Text),  # the rules, canonical JSON
    sa.Column("pseudonym_key", sa.String(64), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(128), nullable=False),
)

usage_departments = sa.Table(  # departments are the enterprise admin's, not the platform's directory
    "usage_departments",
    metadata,
    sa.Column("enterprise_id", Id, primary_key=True),
    sa.Column("account_id", Id, primary_key=True),
    sa.Column("department", sa.String(100), nullable=False),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("enterprise_id", Id, nullable=False),
    sa.Column("account_id", Id, nullable=False),
    sa.Column("rule_id", sa.String(64)),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.Column("deadline_at", UTCDateTime, nullable=False),
    sa.Column("escalated_at", UTCDateTime),
    sa.Column("reported_late", sa.Boolean, nullable=False),
    sa.Column("statement", sa.Text),
    sa.Column("statement_at", UTCDateTime),
    sa.Column("outcome", sa.String(32)),
    sa.Column("outcome_at", UTCDateTime),
    sa.Column("outcome_note", sa.Text),
    sa.Column("decided_by", sa.String(128)),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("misclassified", sa.Boolean, nullable=False),
    sa.Column("training_due_at", UTCDateTime),
    sa.Column("training_completed_at", UTCDateTime),
    sa.Index("ix_cases_enterprise_status", "enterprise_id", "status"),
    sa.Index("ix_cases_account", "account_id"),
)

case_entries = sa.Table(  # the timeline; entries of kind hit/report/file are the evidence
    "case_entries",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(64), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),  # order within the case
    sa.Column("enterprise_id", Id, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("rule_id", sa.String(64)),
    sa.Column("event_id", Id),
    sa.Column("idem_key", sa.String(300), unique=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Index("ix_case_entries_case", "case_id", "seq"),
    sa.Index("ix_case_entries_enterprise_kind", "enterprise_id", "kind"),
)

case_evidence = sa.Table(  # issue 15 (S-E5): files uploaded to a case, checked like appeal documents
    "case_evidence",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # what a statement's `evidence_refs` name
    sa.Column("case_id", sa.String(64), nullable=False),
    sa.Column("enterprise_id", Id, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),  # also the key in the document store
    sa.Column("media_type", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("filename", sa.String(200), nullable=False),  # sanitised, for display only
    sa.Column("uploaded_by", sa.String(128), nullable=False),
    sa.Column("uploaded_at", UTCDateTime, nullable=False),
    sa.Index("ix_case_evidence_case", "case_id"),
)


# --- screening lists (issue 3) ---

word_lists = sa.Table(
    "word_lists",
    metadata,
    sa.Column("scope", sa.String(128), primary_key=True),  # "platform" or an enterprise id
    sa.Column("terms", sa.Text, nullable=False),  # JSON: [[term, category, severity], …]
    sa.Column("allow", sa.Text, nullable=False),  # JSON: [entry, …]
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(128), nullable=False),
)

# --- the policy's life (issue 18) ---

policy_versions = sa.Table(  # every stored policy; its text is in `policies` (by hash)
    "policy_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # 1, 2, 3 … in the order written
    sa.Column("hash", sa.String(64), nullable=False, unique=True),  # sha256 of the text: one version per content
    sa.Column("label", sa.String(64), nullable=False),  # the file's own `version:`
    sa.Column("author", sa.String(128), nullable=False),  # the person who wrote it ("system": read from the file)
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("parent_id", sa.Integer),  # the live version when it was written
)

policy_stages = sa.Table(  # one row (id 1): which version is live, in shadow, staged for a share of enterprises
    "policy_stages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("generation", sa.Integer, nullable=False),  # +1 at each change: what every process compares
    sa.Column("live_id", sa.Integer, nullable=False),
    sa.Column("shadow_id", sa.Integer),
    sa.Column("staged_id", sa.Integer),
    sa.Column("staged_share", sa.Integer, nullable=False),  # percent of enterprises (0: no staged candidate)
    sa.Column("file_hash", sa.String(64)),  # the policy file read at the newest start that changed it
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Column("changed_by", sa.String(128), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

policy_promotions = sa.Table(  # the history of stage changes, one row per generation
    "policy_promotions",
    metadata,
    sa.Column("generation", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("stage", sa.String(16), nullable=False),  # live | shadow | staged | rollback | end_shadow | end_staged
    sa.Column("version_id", sa.Integer),
    sa.Column("share", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

shadow_decisions = sa.Table(  # what a shadow version would have decided, beside the live decision (no effect)
    "shadow_decisions",
    metadata,
    sa.Column("event_id", Id, primary_key=True),
    sa.Column("version_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account_id", Id, nullable=False),
    sa.Column("enterprise_id", Id, nullable=False),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("live_allowed", sa.Boolean),
    sa.Column("shadow_allowed", sa.Boolean),
    sa.Column("live_rules", sa.Text, nullable=False),  # JSON list: rules whose strike restricted, live
    sa.Column("shadow_rules", sa.Text, nullable=False),  # JSON list: rules that would have restricted, shadow
    sa.Column("shadow_reasons", sa.Text, nullable=False),  # JSON list of reason codes shadow gave
    sa.Index("ix_shadow_decisions_version", "version_id", "occurred_at"),
)

policy_backtests = sa.Table(  # backtests run in the background (issue 18): a candidate replayed on a read-only view
    "policy_backtests",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("candidate_version", sa.Integer, nullable=False),
    sa.Column("since", UTCDateTime),
    sa.Column("until", UTCDateTime),
    sa.Column("state", sa.String(16), nullable=False),  # queued | running | done | failed
    sa.Column("events_done", sa.Integer, nullable=False),
    sa.Column("events_total", sa.Integer, nullable=False),
    sa.Column("result", sa.Text),  # JSON: the figures `warden policy backtest --version N --json` prints
    sa.Column("error", sa.Text),
    sa.Column("requested_by", sa.String(128), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("owner", sa.String(200)),  # host:pid:token of the process running it (migration 0020)
    sa.Column("heartbeat_at", UTCDateTime),  # the owner's clock at its last sign of life
    sa.Column("error_code", sa.String(16)),  # orphaned | error, when failed
    sa.Index("ix_policy_backtests_state", "state"),
)

# --- end of feature tables ---
