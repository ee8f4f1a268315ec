"""case evidence (issue 15, S-E5): files uploaded to a usage-policy case, checked like appeal documents

Adds `case_evidence` (one row per upload; the file itself by hash in the document store), which a statement's
`evidence_refs` must name. Then the capture triggers are recreated for the covered tables (case_evidence now among
them) and every covered row is vouched for again (see warden/adapters/audit_state.py).

Revision ID: 0013_case_evidence
Revises: 0012_unblock_reports
"""

import sqlalchemy as sa
from alembic import op

import warden.adapters.tables
from warden.adapters import audit_state

revision = "0013_case_evidence"
down_revision = "0012_unblock_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_evidence",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by", sa.String(length=128), nullable=False),
        sa.Column("uploaded_at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_evidence_case", "case_evidence", ["case_id"], unique=False)
    conn = op.get_bind()
    covered = audit_state.present(conn)
    for statement in audit_state.trigger_ddl(conn.dialect.name, covered):
        conn.exec_driver_sql(statement)
    audit_state.touch_all(conn, covered)
    audit_state.seal(conn, force=True, covered=covered)


def downgrade() -> None:
    conn = op.get_bind()
    covered = {name: spec for name, spec in audit_state.present(conn).items() if name != "case_evidence"}
    for statement in audit_state.drop_ddl(conn.dialect.name, {"case_evidence": audit_state.COVERED["case_evidence"]}):
        conn.exec_driver_sql(statement)
    op.drop_index("ix_case_evidence_case", table_name="case_evidence")
    op.drop_table("case_evidence")
    for statement in audit_state.trigger_ddl(conn.dialect.name, covered):
        conn.exec_driver_sql(statement)
