"""who initiated each external contact, and a pair index (issue 13: S-A6 judges a message by its contact's standing)

Adds `external_contact_events.initiated_by` (self | contact on an add, NULL on a removal), filled from the stored
events, and an index on (account_id, contact_id) so a message's contact is looked up directly.

Revision ID: 0010_contact_standing
Revises: 0009_people_and_token_expiry
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0010_contact_standing"
down_revision = "0009_people_and_token_expiry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("external_contact_events") as batch:
        batch.add_column(sa.Column("initiated_by", sa.String(length=8), nullable=True))
    op.create_index(
        "ix_external_contact_events_pair", "external_contact_events", ["account_id", "contact_id"], unique=False
    )
    conn = op.get_bind()
    events = sa.table("events", sa.column("id", sa.String), sa.column("type", sa.String), sa.column("payload", sa.Text))
    ledger = sa.table("external_contact_events", sa.column("event_id", sa.String), sa.column("initiated_by", sa.String))
    q = sa.select(events.c.id, events.c.payload).where(
        events.c.type == "contact_added", events.c.id.in_(sa.select(ledger.c.event_id))
    )
    rows = [{"b_id": r.id, "b_by": json.loads(r.payload).get("initiated_by", "self")} for r in conn.execute(q)]
    if rows:
        conn.execute(
            sa.update(ledger)
            .where(ledger.c.event_id == sa.bindparam("b_id"))
            .values(initiated_by=sa.bindparam("b_by")),
            rows,
        )


def downgrade() -> None:
    op.drop_index("ix_external_contact_events_pair", table_name="external_contact_events")
    with op.batch_alter_table("external_contact_events") as batch:
        batch.drop_column("initiated_by")
