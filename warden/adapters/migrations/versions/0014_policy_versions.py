"""the policy's life: stored versions, stages (live, shadow, staged) and shadow decisions (issue 18)

Creates `policy_versions`, `policy_stages` (one row), `policy_promotions` and `shadow_decisions`, and puts the capture
triggers on the first three (they decide which text judges everyone: `warden audit verify` proves them). The policy
file seeds version 1 at the first start (`warden.policy_versions.live.LivePolicy.seed`), not here.

Revision ID: 0014_policy_versions
Revises: 0013_case_evidence
"""

import sqlalchemy as sa
from alembic import op

import warden.adapters.tables
from warden.adapters import audit_state

revision = "0014_policy_versions"
down_revision = "0013_case_evidence"
branch_labels = None
depends_on = None

_NEW = ("policy_versions", "policy_stages", "policy_promotions")


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hash"),
    )
    op.create_table(
        "policy_stages",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("live_id", sa.Integer(), nullable=False),
        sa.Column("shadow_id", sa.Integer(), nullable=True),
        sa.Column("staged_id", sa.Integer(), nullable=True),
        sa.Column("staged_share", sa.Integer(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=True),
        sa.Column("changed_at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "policy_promotions",
        sa.Column("generation", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("share", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("generation"),
    )
    op.create_table(
        "shadow_decisions",
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("version_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("enterprise_id", sa.String(length=128), nullable=False),
        sa.Column("occurred_at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("live_allowed", sa.Boolean(), nullable=True),
        sa.Column("shadow_allowed", sa.Boolean(), nullable=True),
        sa.Column("live_rules", sa.Text(), nullable=False),
        sa.Column("shadow_rules", sa.Text(), nullable=False),
        sa.Column("shadow_reasons", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "version_id"),
    )
    op.create_index("ix_shadow_decisions_version", "shadow_decisions", ["version_id", "occurred_at"], unique=False)
    conn = op.get_bind()
    covered = {name: spec for name, spec in audit_state.present(conn).items() if name in _NEW}
    for statement in audit_state.trigger_ddl(conn.dialect.name, covered):
        conn.exec_driver_sql(statement)
    # the tables are empty: nothing to vouch for yet


def downgrade() -> None:
    conn = op.get_bind()
    covered = {name: spec for name, spec in audit_state.present(conn).items() if name in _NEW}
    for statement in audit_state.drop_ddl(conn.dialect.name, covered):
        conn.exec_driver_sql(statement)
    op.drop_index("ix_shadow_decisions_version", table_name="shadow_decisions")
    op.drop_table("shadow_decisions")
    op.drop_table("policy_promotions")
    op.drop_table("policy_stages")
    op.drop_table("policy_versions")
