"""the audit listing across chains (issue 17): an index on audit_log (at, chain, seq)

`GET /v1/audit/entries` lists the entries of every chain newest first, by (at, chain, seq) descending, and pages with
a cursor on that position (`enforcement/store.audit_page`); this index serves both the order and the cursor's
range condition.

Revision ID: 0022_audit_listing_index
Revises: 0021_audit_chains
"""

from alembic import op

revision = "0022_audit_listing_index"
down_revision = "0021_audit_chains"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_at_chain_seq", "audit_log", ["at", "chain", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_at_chain_seq", table_name="audit_log")
