"""The core feature's HTTP API: one router per resource (system, events, directory, accounts, audit, restrictions,
proposals to end a ban, tokens).
Routes authenticate and translate; the use cases are `warden.enforcement.service` and the ingest pipeline.

`ROUTERS` is what `warden.entrypoints.http.app` includes, in this order; `openapi_components` the event schemas.
"""

from __future__ import annotations

from fastapi import APIRouter

from warden.enforcement.http import accounts, audit, ban_endings, directory, events, restrictions, system, tokens

ROUTERS: list[APIRouter] = [
    system.router,
    events.router,
    directory.router,
    accounts.router,
    restrictions.router,
    ban_endings.router,
    audit.router,
    tokens.router,
]
openapi_components = events.openapi_components
