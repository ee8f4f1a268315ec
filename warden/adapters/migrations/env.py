"""Alembic environment: the engine comes from warden (`config.attributes['engine']`), never from an ini."""

from __future__ import annotations

from alembic import context

from warden.adapters.tables import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` CLI use: fall back to WARDEN_DATABASE_URL
    import os

    from warden.adapters.database import make_engine

    engine = make_engine(os.environ.get("WARDEN_DATABASE_URL"))

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
