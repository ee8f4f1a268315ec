"""the audit trail covers the state tables and is signed outside the database (issue 12)

Creates `audit_touched` (rows changed in the open transaction, noted by triggers) and `audit_checkpoints` (signed
heads), the capture triggers on every covered table, and vouches in one `state.rows` entry for the rows that exist
already, so `warden audit verify` can check them from now on (see warden/adapters/audit_state.py).

Revision ID: 0008_audit_state
Revises: 0007_external_contact_events
"""

import sqlalchemy as sa
from alembic import op

import warden.adapters.tables
from warden.adapters import audit_state

revision = "0008_audit_state"
down_revision = "0007_external_contact_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_touched",
        sa.Column("tbl", sa.String(length=64), nullable=False),
        sa.Column("pk", sa.String(length=600), nullable=False),
        sa.Column("tx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("tbl", "pk", "tx"),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    conn = op.get_bind()
    covered = audit_state.present(conn)  # the covered tables and columns as of this revision (later ones add more)
    for statement in audit_state.trigger_ddl(conn.dialect.name, covered):
        conn.exec_driver_sql(statement)
    audit_state.touch_all(conn, covered)
    audit_state.seal(conn, force=True, covered=covered)


def downgrade() -> None:
    conn = op.get_bind()
    for statement in audit_state.drop_ddl(conn.dialect.name, audit_state.present(conn)):
        conn.exec_driver_sql(statement)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS warden_audit_touch()")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_touched")
