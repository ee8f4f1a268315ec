"""The operator's side of the API: `/livez`, `/readyz`, `/metrics`, and `Observe`, the outermost middleware that
counts and times every request by route template and writes the access log.

**Who may scrape.** `/metrics` carries no token (Prometheus scrapes without one); it answers only to addresses in
`WARDEN_METRICS_ALLOW` (default: this host, `127.0.0.0/8,::1/128`), anyone else gets a 403. Behind a reverse
proxy every request seems to come from the proxy, so do not route `/metrics` through it (docs/DEPLOY.md). The
probes answer everyone: "alive", and, when not ready, which dependency is down; why (hosts, driver errors) only
to the same networks.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warden.adapters import metrics
from warden.entrypoints import probes
from warden.entrypoints.http.deps import AppDep
from warden.entrypoints.http.problem_texts import EDGE, lang_of
from warden.entrypoints.http.problems import problem
from warden.settings import Settings, metrics_networks

router = APIRouter(tags=["operations"])
access = logging.getLogger("warden.access")
UNMATCHED = "<unmatched>"
SECRET_PATH_PARAMS = ("token",)
"""Path parameters that are secrets (`/v1/helper-confirmations/{token}`: whoever holds it confirms as the helper):
the access log writes `***` in their place, as the sender's log line does (`unblock.senders.redact`), whatever the
method (a helper's browser GETs the link: 405) and with a trailing slash (307). Any other path that still holds a
helper link's token (`//v1/…`, an encoded slash: 404) has the token masked by its shape (`hc_…`)."""
TOKEN_SHAPE = re.compile(r"hc_[A-Za-z0-9_-]+")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/livez", response_model=probes.Liveness)
def livez() -> probes.Liveness:
    """The process answers (nothing else is checked)."""
    return probes.Liveness(status="alive")


@router.get(
    "/readyz",
    response_model=probes.Readiness,
    responses={503: {"description": "Not ready: the problem's `detail` and `checks` say which check failed and why"}},
)
def readyz(request: Request, warden: AppDep) -> probes.Readiness | JSONResponse:
    """Ready to serve: the database answers, and Redis and NATS when configured. Otherwise a 503 problem naming
    each failing check; why it failed (hosts, driver errors) only for `WARDEN_METRICS_ALLOW` addresses, the rest
    read `unavailable` (the status code is all a load balancer needs). Reads nothing before its checks (no policy
    refresh, `AppDep`): with the database away it answers the 503 saying so, not a 500."""
    r = probes.readiness(warden, _settings(request))
    if r.status == "ready":
        return r
    client = request.client.host if request.client else ""
    if not _allowed(client, request.app.state.metrics_networks):
        checks = {k: v if v == "ok" else "unavailable" for k, v in r.checks.items()}
        failing = ", ".join(k for k, v in checks.items() if v != "ok")
        return problem(
            503,
            "Not ready",
            EDGE["not_ready"],
            probes.NOT_READY,
            extensions={"checks": checks},
            lang=lang_of(request.scope),
            params={"failing": failing},
        )
    lang = lang_of(request.scope)
    return problem(503, "Not ready", probes.failures(r), probes.NOT_READY, extensions={"checks": r.checks}, lang=lang)


@router.get("/metrics", include_in_schema=False)
def metrics_route(request: Request, warden: AppDep) -> Response:
    """Prometheus text exposition (see `warden.adapters.metrics`); only for `WARDEN_METRICS_ALLOW`. No policy
    refresh first (`AppDep`): the page is served while the database is away (the outbox gauges are then left out)."""
    client = request.client.host if request.client else ""
    if not _allowed(client, request.app.state.metrics_networks):
        return problem(
            403,
            "Forbidden",
            EDGE["metrics_forbidden"],
            lang=lang_of(request.scope),
            params={"client": client or "this client"},
        )
    return Response(probes.metrics_page(warden), media_type=metrics.CONTENT_TYPE)


def _allowed(host: str, networks: list[Any]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in net for net in networks)


def install(app: Any, settings: Settings) -> None:
    """Mount the routes and keep what they read on `app.state`; `Observe` is added by `create_app` last (outermost)."""
    app.state.settings = settings
    app.state.metrics_networks = metrics_networks(settings.metrics_allow)
    app.include_router(router)


class Observe:
    """Counts and times every HTTP request by method, route template and status (`warden_http_*`), and writes one
    `warden.access` INFO line per request (method, path, route, status, duration_ms, client) unless
    `WARDEN_ACCESS_LOG=false`. Outermost, so the guard's own 401/413/429 answers are counted too."""

    def __init__(self, app: ASGIApp, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log
        self._routes: list[tuple[re.Pattern[str], frozenset[str], str]] | None = None
        self._secret: list[re.Pattern[str]] = []  # the routes' patterns with a secret parameter
        self._seen: dict[tuple[str, str, str], tuple[str, str]] = {}  # `_template` of routes without parameters

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            route, path = self._template(scope)
            method = str(scope.get("method", ""))
            metrics.observe_request(method, route, status, seconds)
            if self.access_log:
                client = scope.get("client")
                access.info(
                    "%s %s %d",
                    method,
                    path,
                    status,
                    extra={
                        "method": method,
                        "path": path,
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                        "client": client[0] if client else None,
                    },
                )

    def _template(self, scope: Scope) -> tuple[str, str]:
        """The path template of the route that takes the request (`/v1/accounts/{account_id}/restrictions`), as
        mounted (routers' prefixes included), never the raw path (which would make a time series per account);
        `<unmatched>` when no route takes the path and method. Also the path for the access log: as requested, but
        with each path parameter named in `SECRET_PATH_PARAMS` (a helper link's token) as `***` (`_masked`)."""
        if self._routes is None:
            self._routes = [
                (rc.path_regex, frozenset(getattr(rc.original_route, "methods", None) or ()), rc.path or UNMATCHED)
                for rc in iter_route_contexts(scope["app"].router.routes)
            ]
            self._secret = [r for r, _, _ in self._routes if set(SECRET_PATH_PARAMS) & set(r.groupindex)]
        raw, method, root = scope.get("path", ""), scope.get("method", ""), scope.get("root_path", "")
        seen = self._seen.get((method, raw, root))
        if seen is not None:
            return seen
        path = raw[len(root) :] if root and raw.startswith(root) else raw
        route = next(
            (t for regex, methods, t in self._routes if (not methods or method in methods) and regex.match(path)),
            UNMATCHED,
        )
        found = route, raw[: len(raw) - len(path)] + self._masked(path)
        if route == path:  # a route without path parameters: one path each (issue 16)
            self._seen[(method, raw, root)] = found
        return found

    def _masked(self, path: str) -> str:
        """`path` with each secret path parameter of any route it reaches (any method, a trailing slash aside) as
        `***`, and anything else shaped like a helper link's token as `hc_***`."""
        for regex in self._secret:
            match = regex.match(path) or regex.match(path.rstrip("/"))
            if match is None:
                continue
            secret = [name for name in SECRET_PATH_PARAMS if name in match.groupdict()]
            shown, at = [], 0
            for start, end in sorted(match.span(name) for name in secret):
                shown += [path[at:start], "***"]
                at = end
            return "".join(shown) + path[at:]
        return TOKEN_SHAPE.sub("hc_***", path) if "hc_" in path else path
