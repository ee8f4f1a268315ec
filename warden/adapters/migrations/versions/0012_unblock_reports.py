"""the platform reports third-party unblocks after the fact (issue 15, S-D4)

Creates `unblock_reports` (one row per report: the application it names, the platform, when it happened, who
reported it), covered by the audit-state triggers, then recreates the triggers for the covered tables present and
vouches for every covered row again (see warden/adapters/audit_state.py).

Revision ID: 0012_unblock_reports
Revises: 0011_phones_and_code_guesses
"""

import sqlalchemy as sa
from alembic import op

import warden.adapters.tables
from warden.adapters import audit_state

revision = "0012_unblock_reports"
down_revision = "0011_phones_and_code_guesses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unblock_reports",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("occurred_at", warden.adapters.tables.UTCDateTime(), nullable=True),
        sa.Column("reported_at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_unblock_reports_application_id", "unblock_reports", ["application_id"], unique=False)
    op.create_index("ix_unblock_reports_account_id", "unblock_reports", ["account_id"], unique=False)
    conn = op.get_bind()
    covered = audit_state.present(conn)
    for statement in audit_state.trigger_ddl(conn.dialect.name, covered):
        conn.exec_driver_sql(statement)
    audit_state.touch_all(conn, covered)
    audit_state.seal(conn, force=True, covered=covered)


def downgrade() -> None:
    conn = op.get_bind()
    for statement in audit_state.drop_ddl(conn.dialect.name, audit_state.present(conn)):
        conn.exec_driver_sql(statement)
    op.drop_index("ix_unblock_reports_account_id", table_name="unblock_reports")
    op.drop_index("ix_unblock_reports_application_id", table_name="unblock_reports")
    op.drop_table("unblock_reports")
    covered = audit_state.present(conn)
    for statement in audit_state.trigger_ddl(conn.dialect.name, covered):
        conn.exec_driver_sql(statement)
