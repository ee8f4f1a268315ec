"""who runs each background backtest, and when it last showed it was alive (issue 18: orphaned backtests)

Adds `policy_backtests.owner` (`host:pid:token` of the process running it; NULL on rows written before) and
`policy_backtests.heartbeat_at` (the owner's clock, advanced with progress and by a ticker while it runs) and
`policy_backtests.error_code` (`orphaned` or `error` when failed, so the reason can be shown in each language). At
start a process fails the `queued`/`running` backtests whose owner is gone: a process of this host that no longer
exists (or an earlier life of this very pid), or any owner whose heartbeat is older than
`WARDEN_BACKTEST_STALE_AFTER`. Rows from before this migration have no owner: their creation time stands for the
heartbeat.

Revision ID: 0020_backtest_owners
Revises: 0019_policy_backtests
"""

import sqlalchemy as sa
from alembic import op

import warden.adapters.tables

revision = "0020_backtest_owners"
down_revision = "0019_policy_backtests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("policy_backtests") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", warden.adapters.tables.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("error_code", sa.String(length=16), nullable=True))
    op.create_index("ix_policy_backtests_state", "policy_backtests", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_policy_backtests_state", table_name="policy_backtests")
    with op.batch_alter_table("policy_backtests") as batch:
        batch.drop_column("error_code")
        batch.drop_column("heartbeat_at")
        batch.drop_column("owner")
