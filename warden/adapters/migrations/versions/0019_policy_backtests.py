"""backtests in the background (issue 18): `policy_backtests`, one row per requested backtest

A backtest replays the events under a candidate version in scratch databases and decides nothing about anyone, so
the table has no capture triggers; its creation is audited (`policy.backtest_requested`).

Revision ID: 0019_policy_backtests
Revises: 0018_policy_texts_audited
"""

import sqlalchemy as sa
from alembic import op

import warden.adapters.tables

revision = "0019_policy_backtests"
down_revision = "0018_policy_texts_audited"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_backtests",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("candidate_version", sa.Integer(), nullable=False),
        sa.Column("since", warden.adapters.tables.UTCDateTime(), nullable=True),
        sa.Column("until", warden.adapters.tables.UTCDateTime(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("events_done", sa.Integer(), nullable=False),
        sa.Column("events_total", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("finished_at", warden.adapters.tables.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("policy_backtests")
