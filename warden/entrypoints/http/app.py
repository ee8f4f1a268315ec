"""The HTTP API (FastAPI). Thin: each route checks access, calls one use case, renders the answer."""

from __future__ import annotations

from fastapi import FastAPI

from warden.entrypoints.http import problems
from warden.entrypoints.http.routes import (
    accounts,
    appeals,
    audit,
    console,
    directory,
    events,
    moderation,
    restrictions,
    system,
    unblocks,
    usage_policy,
    word_lists,
)
from warden.service.warden import Warden
from warden.weight import http as weight

ROUTERS = [
    system.router,
    events.router,
    directory.router,
    accounts.router,
    moderation.router,
    restrictions.router,
    audit.router,
    # --- weight (issue 4) ---
    weight.router,
    # --- unblocking (issue 5) ---
    unblocks.router,
    # --- appeals (issue 6) ---
    appeals.router,
    # --- enterprise usage policy (issue 7) ---
    usage_policy.router,
    # --- screening lists (issue 3) ---
    word_lists.router,
    # --- console ---
    console.router,
]


def create_app(warden: Warden) -> FastAPI:
    app = FastAPI(
        title="warden",
        version="1",
        description="Account-violation handling for a WeCom-style workplace platform. "
        "Errors are RFC 9457 Problem Details; texts for people follow `?lang=zh|en` or Accept-Language.",
    )
    app.state.warden = warden
    problems.install(app)
    for router in ROUTERS:
        app.include_router(router)

    def openapi() -> dict:  # type: ignore[type-arg]
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(events.openapi_components())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
