"""The HTTP API (FastAPI). Thin: each route checks access, calls one use case, renders the answer."""

from __future__ import annotations

from fastapi import FastAPI

from warden.app import App
from warden.appeals import http as appeals
from warden.enforcement import http as enforcement
from warden.entrypoints.http import ops, problems
from warden.entrypoints.http.guard import EdgeGuard, Limits
from warden.entrypoints.http.routes import (
    console,
    docs,
)
from warden.entrypoints.http.throttle import Throttle
from warden.policy_versions import http as policy_versions
from warden.settings import Settings
from warden.unblock import http as unblocks
from warden.usage_policy import http as usage_policy
from warden.weight import http as weight
from warden.word_lists import http as word_lists

ROUTERS = [
    *enforcement.ROUTERS,  # system, events, directory, accounts, restrictions, audit
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
    policy_versions.router,
    # --- console ---
    console.router,
    docs.router,  # /docs with Swagger UI's assets from the package (works offline)
]


def create_app(warden: App, settings: Settings | None = None) -> FastAPI:
    """The API over `warden`; `settings` (default: from the environment) give the edge's body limits and rate
    limits (each app keeps its own counts in memory, or shares them in Redis with `WARDEN_COUNTERS=redis`), who may
    scrape `/metrics` and whether requests are logged (`entrypoints/http/ops.py`)."""
    app = FastAPI(
        title="warden",
        version="1",
        description="Account-violation handling for a WeCom-style workplace platform. "
        "Errors are RFC 9457 Problem Details; texts for people follow `?lang=zh|en` or Accept-Language.",
        docs_url=None,  # served by routes.docs from the package's own Swagger UI files
        redoc_url=None,
    )
    app.state.warden = warden
    problems.install(app)
    settings = settings or Settings()
    app.add_middleware(EdgeGuard, limits=Limits.of(settings), throttle=Throttle(settings))
    for router in ROUTERS:  # every /v1 route documents its errors as the problem+json actually sent
        api = any(getattr(r, "path", "").startswith("/v1/") for r in router.routes)
        app.include_router(router, responses=problems.PROBLEM_RESPONSES if api else None)
    ops.install(app, settings)  # /livez, /readyz, /metrics (issue 17)
    app.add_middleware(ops.Observe, access_log=settings.access_log)  # outermost

    def openapi() -> dict:  # type: ignore[type-arg]
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(enforcement.openapi_components())
            components.update(problems.problem_components())
            problems.problem_content(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
