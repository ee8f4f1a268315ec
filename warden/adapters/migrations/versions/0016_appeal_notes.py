"""reviewers' internal notes on an appeal (issue 14)

Creates `appeal_notes`: one row per note, written by a reviewer and read by the desk's roles only (never the
appellant). A note decides nothing; each is also in the audit trail (`appeal.note_added`).

Revision ID: 0016_appeal_notes
Revises: 0014_policy_versions
"""

import sqlalchemy as sa
from alembic import op

import warden.adapters.tables

revision = "0016_appeal_notes"
down_revision = "0014_policy_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appeal_notes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("appeal_id", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_appeal_notes_appeal_id", "appeal_notes", ["appeal_id"])


def downgrade() -> None:
    op.drop_index("ix_appeal_notes_appeal_id", table_name="appeal_notes")
    op.drop_table("appeal_notes")
