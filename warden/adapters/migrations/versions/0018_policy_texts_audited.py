"""the stored policy texts are audited (issue 12): capture triggers on `policies`, every text vouched for

`policies` holds the text of every policy version by its sha256; editing a text behind warden would change what a
later promotion puts in force. Databases created from now on get the triggers with migration 0008 (the table is in
`audit_state.COVERED`); this revision gives them to databases migrated before, and vouches for the stored texts.

Revision ID: 0018_policy_texts_audited
Revises: 0016_appeal_notes
"""

from alembic import op

from warden.adapters import audit_state

revision = "0018_policy_texts_audited"
down_revision = "0016_appeal_notes"
branch_labels = None
depends_on = None

_TABLE = "policies"


def upgrade() -> None:
    conn = op.get_bind()
    covered = {name: spec for name, spec in audit_state.present(conn).items() if name == _TABLE}
    for statement in audit_state.trigger_ddl(conn.dialect.name, covered):
        conn.exec_driver_sql(statement)
    audit_state.touch_all(conn, covered)
    audit_state.seal(conn, force=True, covered=covered)


def downgrade() -> None:
    conn = op.get_bind()
    covered = {name: spec for name, spec in audit_state.present(conn).items() if name == _TABLE}
    for statement in audit_state.drop_ddl(conn.dialect.name, covered):
        conn.exec_driver_sql(statement)
