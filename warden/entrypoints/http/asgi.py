"""The API as an ASGI factory for several worker processes (`warden serve --workers N`, or any ASGI server:
`uvicorn --factory warden.entrypoints.http.asgi:create`). Each worker builds its own App from the environment
(`WARDEN_*`); the schema must already be migrated (`warden serve` does so once before starting the workers)."""

from __future__ import annotations

from fastapi import FastAPI

from warden.adapters import logs
from warden.bootstrap import bootstrap, freeze_heap
from warden.entrypoints.http.app import create_app
from warden.settings import Settings


def create() -> FastAPI:
    """One worker's app: logging configured, the App built without migrating, closed at shutdown."""
    settings = Settings()
    logs.configure(settings)
    if settings.sqlite_background_checkpoint is None:
        settings.sqlite_background_checkpoint = True
    warden = bootstrap(settings, migrate=False)
    app = create_app(warden, settings)
    app.router.add_event_handler("shutdown", warden.close)
    freeze_heap()
    return app
