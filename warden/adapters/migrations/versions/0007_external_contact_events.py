"""the S-A4 ledger of external contact events (issue 10: the cap counts live contacts in event time)

Revision ID: 0007_external_contact_events
Revises: 0006_word_lists
"""

import json

import sqlalchemy as sa
from alembic import op

import warden.adapters.tables

revision = "0007_external_contact_events"
down_revision = "0006_word_lists"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "external_contact_events",
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("enterprise_id", sa.String(length=128), nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("contact_id", sa.String(length=128), nullable=False),
        sa.Column("occurred_at", warden.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("added", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index(
        op.f("ix_external_contact_events_enterprise_id"), "external_contact_events", ["enterprise_id"], unique=False
    )
    # backfill from the stored events, and recount each enterprise's live external contacts from them
    conn = op.get_bind()
    events = sa.table(
        "events",
        sa.column("id", sa.String),
        sa.column("type", sa.String),
        sa.column("enterprise_id", sa.String),
        sa.column("occurred_at", warden.adapters.tables.UTCDateTime()),
        sa.column("payload", sa.Text),
    )
    q = (
        sa.select(events.c.id, events.c.type, events.c.enterprise_id, events.c.occurred_at, events.c.payload)
        .where(events.c.type.in_(("contact_added", "contact_removed")))
        .order_by(events.c.occurred_at, events.c.id)
    )
    rows, latest = [], {}
    for r in conn.execute(q):
        o = json.loads(r.payload)
        if not o.get("external", True) or r.enterprise_id is None:
            continue
        added = r.type == "contact_added"
        rows.append(
            {
                "event_id": r.id,
                "enterprise_id": r.enterprise_id,
                "account_id": o["account_id"],
                "contact_id": o["contact_id"],
                "occurred_at": r.occurred_at,
                "added": added,
            }
        )
        latest[(r.enterprise_id, o["account_id"], o["contact_id"])] = added
    if rows:
        op.bulk_insert(table, rows)
    counts: dict[str, int] = {}
    for (eid, _, _), added in latest.items():
        counts[eid] = counts.get(eid, 0) + int(added)
    ents = sa.table("enterprises", sa.column("id", sa.String), sa.column("external_contacts", sa.Integer))
    conn.execute(sa.update(ents).values(external_contacts=0))
    for eid, n in counts.items():
        conn.execute(sa.update(ents).where(ents.c.id == eid).values(external_contacts=n))


def downgrade() -> None:
    op.drop_index(op.f("ix_external_contact_events_enterprise_id"), table_name="external_contact_events")
    op.drop_table("external_contact_events")
