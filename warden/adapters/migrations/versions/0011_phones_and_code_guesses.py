"""phone numbers in E.164 and one-time code budgets (issue 12, item 5 and items 10-11; issue 15, S-D1)

Every stored bound phone (`accounts.phone`, `unblock_applications.phone`, `unblock_quota.phone`) is rewritten in
E.164 (`warden.enforcement.phones.canonical`, read in `WARDEN_PHONE_REGION`, default CN), so the five spellings of
one number share one cap; quota rows of one number are merged (their application times joined). A number that does
not parse keeps its stored form (and its own key). Adds the guess budgets of one-time codes
(`unblock_quota.guesses`: the code checks on the phone in the window; `unblock_applications.code_guesses`: the
checks across the application's codes) and the platform's face/ID check (`unblock_applications.platform_check`).
Then the capture triggers are recreated for the covered columns and every covered row is vouched for again.

Revision ID: 0011_phones_and_code_guesses
Revises: 0010_contact_standing
"""

import json

import sqlalchemy as sa
from alembic import op

from warden.adapters import audit_state
from warden.adapters.store import dumps
from warden.enforcement.phones import canonical_or_raw
from warden.settings import Settings

revision = "0011_phones_and_code_guesses"
down_revision = "0010_contact_standing"
branch_labels = None
depends_on = None


def _canonical_phones(conn: sa.Connection, region: str) -> None:
    for name in ("accounts", "unblock_applications"):
        table = sa.table(name, sa.column("id", sa.String), sa.column("phone", sa.String))
        changes = [
            {"b_id": r.id, "b_phone": canonical_or_raw(r.phone, region)}
            for r in conn.execute(sa.select(table.c.id, table.c.phone))
            if canonical_or_raw(r.phone, region) != r.phone
        ]
        if changes:
            conn.execute(
                sa.update(table).where(table.c.id == sa.bindparam("b_id")).values(phone=sa.bindparam("b_phone")),
                changes,
            )
    quota = sa.table(
        "unblock_quota", sa.column("phone", sa.String), sa.column("version", sa.Integer), sa.column("stamps", sa.Text)
    )
    merged: dict[str, tuple[int, list[str]]] = {}
    rows = conn.execute(sa.select(quota.c.phone, quota.c.version, quota.c.stamps)).all()
    for r in rows:
        key = canonical_or_raw(r.phone, region)
        version, stamps = merged.get(key, (0, []))
        merged[key] = (max(version, r.version), stamps + json.loads(r.stamps))
    if all(canonical_or_raw(r.phone, region) == r.phone for r in rows):
        return
    conn.execute(sa.delete(quota))
    gone = {r.phone for r in rows} - set(merged)  # the triggers are off: note the deleted rows for the seal
    tx = conn.execute(sa.select(sa.func.txid_current())).scalar_one() if conn.dialect.name == "postgresql" else 0
    touched = sa.table("audit_touched", sa.column("tbl", sa.String), sa.column("pk", sa.String), sa.column("tx"))
    for phone in sorted(gone):
        conn.execute(sa.insert(touched).values(tbl="unblock_quota", pk=audit_state.row_key([phone]), tx=tx))
    for phone, (version, stamps) in merged.items():
        conn.execute(sa.insert(quota).values(phone=phone, version=version + 1, stamps=dumps(sorted(set(stamps)))))


def upgrade() -> None:
    with op.batch_alter_table("unblock_quota") as batch:
        batch.add_column(sa.Column("guesses", sa.Text(), nullable=False, server_default="[]"))
    with op.batch_alter_table("unblock_applications") as batch:
        batch.add_column(sa.Column("code_guesses", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("platform_check", sa.Text(), nullable=True))
    conn = op.get_bind()
    for statement in audit_state.drop_ddl(conn.dialect.name, audit_state.present(conn)):
        conn.exec_driver_sql(statement)  # every row is noted below, once
    _canonical_phones(conn, Settings().phone_region)
    covered = audit_state.present(conn)
    for statement in audit_state.trigger_ddl(conn.dialect.name, covered):
        conn.exec_driver_sql(statement)
    audit_state.touch_all(conn, covered)
    audit_state.seal(conn, force=True, covered=covered)


def downgrade() -> None:
    conn = op.get_bind()
    for statement in audit_state.drop_ddl(conn.dialect.name):
        conn.exec_driver_sql(statement)
    with op.batch_alter_table("unblock_applications") as batch:
        batch.drop_column("platform_check")
        batch.drop_column("code_guesses")
    with op.batch_alter_table("unblock_quota") as batch:
        batch.drop_column("guesses")
    covered = audit_state.present(conn)
    for statement in audit_state.trigger_ddl(conn.dialect.name, covered):
        conn.exec_driver_sql(statement)
