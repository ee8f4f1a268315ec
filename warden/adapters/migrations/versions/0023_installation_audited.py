"""the installation's fixed facts are audited (issue 17): capture triggers on `installation`, its rows vouched for

`installation` records the partition count every process must share (`store.fix_partitions`); edited behind warden,
processes started after would hash an enterprise to another partition than the events already decided for it, and
two workers could decide one enterprise side by side. The table is in `audit_state.COVERED` from now on: this
revision gives it the triggers and vouches for the rows already there (a database set up before, on the platform
chain), so `warden audit verify` names an edited, inserted or deleted row.

Revision ID: 0023_installation_audited
Revises: 0022_audit_listing_index
"""

from alembic import op

from warden.adapters import audit_state

revision = "0023_installation_audited"
down_revision = "0022_audit_listing_index"
branch_labels = None
depends_on = None

_TABLE = "installation"


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
