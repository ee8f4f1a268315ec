"""The core feature's HTTP API: one router per resource (system, events, directory, accounts, audit, restrictions).
Routes authenticate and translate; the use cases are `warden.enforcement.service` and the ingest pipeline.

`ROUTERS` is what `warden.entrypoints.http.app` includes, in this order; `openapi_components` the event schemas.
"""

from __future__ import annotations

from fastapi import APIRouter

from warden.enforcement.http import accounts, audit, directory, events, restrictions, system

ROUTERS: list[APIRouter] = [
    system.router,
    events.router,
    directory.router,
    accounts.router,
    restrictions.router,
    audit.router,
]
openapi_components = events.openapi_components
