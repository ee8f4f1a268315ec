"""The HTTP API (FastAPI). Thin: each route checks access, calls one use case, renders the answer."""

from __future__ import annotations

from fastapi import FastAPI

from warden.entrypoints.http import problems
from warden.entrypoints.http.routes import (
    accounts,
    audit,
    directory,
    events,
    moderation,
    system,
    weight,  # weight (issue 4)
)
from warden.service.warden import Warden

ROUTERS = [
    system.router,
    events.router,
    directory.router,
    accounts.router,
    moderation.router,
    audit.router,
    # --- weight (issue 4) ---
    weight.router,
    # --- unblocking (issue 5) ---
    # --- appeals (issue 6) ---
    # --- enterprise usage policy (issue 7) ---
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
    return app
