"""people own tokens, and tokens expire (issue 12: one person, one identity; tokens listed, expiring, last used)

Creates `people` (id = the handle actors name, `reviewer:zhang`; name; created_at; disabled_at) and gives every
token a person (`person_id`), an end (`expires_at`) and the time it was last used (`last_used_at`, not audited).

Existing tokens each get a person of their own whose id is the token's id and whose name is its label (or the id),
so every actor string already in the audit trail (`reviewer:<token id>`) still names the same person, and pending
four-eyes proposals keep their proposer. They expire `LIFETIME` after this upgrade (the default of
`WARDEN_TOKEN_LIFETIME`); `warden token list` shows when. Then the capture triggers are recreated for the covered
tables (people now among them) and every covered row is vouched for again (see warden/adapters/audit_state.py).

Revision ID: 0009_people_and_token_expiry
Revises: 0008_audit_state
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import warden.adapters.tables
from warden.adapters import audit_state

revision = "0009_people_and_token_expiry"
down_revision = "0008_audit_state"
branch_labels = None
depends_on = None

LIFETIME = timedelta(days=90)
"""How long tokens that existed before this upgrade stay valid after it."""

_TOKEN_COLUMNS_0008 = ("id", "secret_hash", "role", "enterprise_id", "account_id", "label", "created_at", "revoked_at")


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("disabled_at", warden.adapters.tables.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("expires_at", warden.adapters.tables.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", warden.adapters.tables.UTCDateTime(), nullable=True))

    conn = op.get_bind()
    people = sa.table(
        "people",
        sa.column("id", sa.String),
        sa.column("name", sa.String),
        sa.column("created_at", warden.adapters.tables.UTCDateTime()),
    )
    tokens = sa.table(
        "tokens",
        sa.column("id", sa.String),
        sa.column("label", sa.String),
        sa.column("created_at", warden.adapters.tables.UTCDateTime()),
        sa.column("person_id", sa.String),
        sa.column("expires_at", warden.adapters.tables.UTCDateTime()),
    )
    ends = datetime.now(UTC) + LIFETIME
    for row in conn.execute(sa.select(tokens.c.id, tokens.c.label, tokens.c.created_at)).all():
        conn.execute(sa.insert(people).values(id=row.id, name=(row.label or row.id)[:200], created_at=row.created_at))
        conn.execute(sa.update(tokens).where(tokens.c.id == row.id).values(person_id=row.id, expires_at=ends))

    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("expires_at", existing_type=warden.adapters.tables.UTCDateTime(), nullable=False)
        batch_op.create_index(batch_op.f("ix_tokens_person_id"), ["person_id"], unique=False)
        batch_op.create_foreign_key("fk_tokens_person_id_people", "people", ["person_id"], ["id"])

    # capture changes to people (and the tokens' new columns), then vouch for every covered row as it now is;
    # only the covered tables of this revision (`present`): a later revision adds and seals its own
    covered = audit_state.present(conn)
    for statement in audit_state.trigger_ddl(conn.dialect.name, covered):
        conn.exec_driver_sql(statement)
    audit_state.touch_all(conn, covered)
    audit_state.seal(conn, force=True, covered=covered)


def downgrade() -> None:
    conn = op.get_bind()
    for statement in audit_state.drop_ddl(conn.dialect.name):
        conn.exec_driver_sql(statement)
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_constraint("fk_tokens_person_id_people", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tokens_person_id"))
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("person_id")
    op.drop_table("people")
    # the capture triggers of revision 0008: its covered tables, tokens with their columns of then
    covered = {name: spec for name, spec in audit_state.COVERED.items() if name != "people"}
    covered["tokens"] = audit_state.Covered(("id",), _TOKEN_COLUMNS_0008)
    for statement in audit_state.trigger_ddl(conn.dialect.name, covered):
        conn.exec_driver_sql(statement)
