"""an audit trail that scales (issue 17): one hash chain per partition, plus the platform's, and a root chain

- `audit_log` and `audit_checkpoints` gain `chain` (part of the key): chain 0 is the platform's, chain p + 1
  partition p's (`warden.kernel.partition`). The existing chain becomes chain 0, entry for entry: nothing is re-hashed,
  every signed checkpoint stays valid. `prev_hash` is unique per chain (every chain starts from the genesis hash).
- `events.audit_chain`: with `audit_seq`, the `events.decided` entry that vouches for the event (0 for every event
  stored before).
- `audit_roots`: the root chain (signed Merkle roots over every chain's newest signed head).
- `installation`: fixed facts, `partitions` (written on first start); `audit_counters` (SQLite) and the sequence
  `audit_state_order` (PostgreSQL): the order of `state.rows` entries across chains.

Revision ID: 0021_audit_chains
Revises: 0020_backtest_owners
"""

import sqlalchemy as sa
from alembic import op

import warden.adapters.tables

revision = "0021_audit_chains"
down_revision = "0020_backtest_owners"
branch_labels = None
depends_on = None

_LOG_COLUMNS = "seq, at, actor, action, subject, data, prev_hash, hash"
_CP_COLUMNS = "seq, hash, at, key_id, signature"


def upgrade() -> None:
    op.create_table(
        "audit_log_chained",
        sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=256), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", "seq", name="pk_audit_log_chain_seq"),
        sa.UniqueConstraint("hash", name="uq_audit_log_hash"),
        sa.UniqueConstraint("chain", "prev_hash", name="uq_audit_log_chain_prev_hash"),
    )
    op.execute(f"INSERT INTO audit_log_chained (chain, {_LOG_COLUMNS}) SELECT 0, {_LOG_COLUMNS} FROM audit_log")
    op.drop_table("audit_log")
    op.rename_table("audit_log_chained", "audit_log")

    op.create_table(
        "audit_checkpoints_chained",
        sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("chain", "seq", name="pk_audit_checkpoints_chain_seq"),
    )
    op.execute(
        f"INSERT INTO audit_checkpoints_chained (chain, {_CP_COLUMNS}) SELECT 0, {_CP_COLUMNS} FROM audit_checkpoints"
    )
    op.drop_table("audit_checkpoints")
    op.rename_table("audit_checkpoints_chained", "audit_checkpoints")

    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("audit_chain", sa.Integer(), nullable=False, server_default="0"))
    op.drop_index("ix_events_audit_seq", table_name="events")
    op.create_index("ix_events_audit_chain_seq", "events", ["audit_chain", "audit_seq"])

    op.create_table(
        "audit_roots",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("heads", sa.Text(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=True),
        sa.Column("signature", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("hash"),
        sa.UniqueConstraint("prev_hash"),
    )
    op.create_table(
        "installation",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "audit_counters",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE IF NOT EXISTS audit_state_order")


def downgrade() -> None:
    conn = op.get_bind()
    others = conn.exec_driver_sql("SELECT count(*) FROM audit_log WHERE chain <> 0").scalar()
    if others:
        raise RuntimeError(
            f"cannot go back to one audit chain: {others} entries are in partition chains (chain > 0); "
            "they cannot be merged into chain 0 without re-hashing it"
        )
    if conn.dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS audit_state_order")
    op.drop_table("audit_counters")
    op.drop_table("installation")
    op.drop_table("audit_roots")
    op.drop_index("ix_events_audit_chain_seq", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("audit_chain")
    op.create_index("ix_events_audit_seq", "events", ["audit_seq"])
    op.create_table(
        "audit_checkpoints_single",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.execute(f"INSERT INTO audit_checkpoints_single ({_CP_COLUMNS}) SELECT {_CP_COLUMNS} FROM audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.rename_table("audit_checkpoints_single", "audit_checkpoints")
    op.create_table(
        "audit_log_single",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=256), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("hash"),
        sa.UniqueConstraint("prev_hash"),
    )
    op.execute(f"INSERT INTO audit_log_single ({_LOG_COLUMNS}) SELECT {_LOG_COLUMNS} FROM audit_log")
    op.drop_table("audit_log")
    op.rename_table("audit_log_single", "audit_log")
