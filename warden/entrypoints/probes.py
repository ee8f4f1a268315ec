"""What the probes and the scraper read, for the API (`entrypoints/http/ops.py`) and for `warden consume`'s own
listener (`ProbeServer`): liveness, readiness and the metrics page.

- **Liveness** (`/livez`): the process answers. Nothing else is checked, so a database outage never makes an
  orchestrator restart every replica.
- **Readiness** (`/readyz`): the database answers `SELECT 1`; Redis answers PING when the counters (and the rate
  limits) live there (`WARDEN_COUNTERS=redis`); NATS JetStream answers when configured (`WARDEN_NATS_URL`, or the
  consumer's `--nats`). Not ready is a 503 naming each failing check and why.
- **Metrics** (`/metrics`): `adapters.metrics` plus the outbox backlog, read from the database at each scrape.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import orjson
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import BaseModel

from warden.adapters import health, metrics
from warden.app import App
from warden.settings import Settings

log = logging.getLogger("warden.probes")
NOT_READY = "https://warden.dev/problems/not-ready"
"""The Problem Details type of a 503 from `/readyz` (the API's and the consumer's probe listener alike)."""


class Liveness(BaseModel):
    status: Literal["alive"]


class Readiness(BaseModel):
    """`status` and, per check (`database`, `redis`, `nats`), `ok` or the reason it failed."""

    status: Literal["ready", "not_ready"]
    checks: dict[str, str]


def readiness(warden: App, settings: Settings, nats_url: str | None = None) -> Readiness:
    """Check the database, and Redis and NATS when this process uses them (see the module docstring)."""
    checks: dict[str, str | None] = {"database": health.check_database(warden.engine)}
    if settings.counters == "redis":
        checks["redis"] = health.check_redis(settings.redis_url)
    nats_url = nats_url or settings.nats_url
    if nats_url:
        checks["nats"] = health.check_nats(nats_url)
    ready = all(v is None for v in checks.values())
    return Readiness(status="ready" if ready else "not_ready", checks={k: v or "ok" for k, v in checks.items()})


def failures(r: Readiness) -> str:
    """The failing checks' reasons, joined: the `detail` of the 503."""
    return "; ".join(v for v in r.checks.values() if v != "ok")


class OutboxCollector(Collector):
    """`warden_outbox_backlog{status}` and `warden_outbox_oldest_due_seconds`, read at each scrape."""

    def __init__(self, warden: App) -> None:
        self.warden = warden

    def collect(self) -> Iterator[GaugeMetricFamily]:
        appeals = getattr(self.warden, "appeals", None)
        if appeals is None:
            return
        try:
            counts, waited = appeals.outbox_backlog()
        except Exception:  # a scrape must not fail because the database is away; readiness says so
            log.warning("outbox backlog unavailable", exc_info=True)
            return
        backlog = GaugeMetricFamily(
            "warden_outbox_backlog", "Notifications not yet sent, by status.", labels=["status"]
        )
        for status, n in sorted(counts.items()):
            backlog.add_metric([status], n)
        yield backlog
        yield GaugeMetricFamily(
            "warden_outbox_oldest_due_seconds", "How long the oldest due notification has waited.", value=waited
        )


def metrics_page(warden: App) -> bytes:
    """The Prometheus text exposition for this process (or all workers, in multiprocess mode)."""
    return metrics.render([OutboxCollector(warden)])


class ProbeServer:
    """`warden consume`'s listener on `WARDEN_METRICS_HOST:WARDEN_METRICS_PORT`: GET /metrics, /livez, /readyz
    (unauthenticated: bind it to a private interface). Runs in a daemon thread; `close` stops it."""

    def __init__(self, warden: App, settings: Settings, host: str, port: int, nats_url: str | None = None) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._answer(200, metrics.CONTENT_TYPE, metrics_page(warden))
                elif path == "/livez":
                    self._answer(200, "application/json", orjson.dumps({"status": "alive"}))
                elif path == "/readyz":
                    r = readiness(warden, settings, nats_url)
                    if owner.stopping:
                        r = Readiness(status="not_ready", checks=r.checks | {"shutdown": "stopping (SIGTERM)"})
                    if r.status == "ready":
                        self._answer(200, "application/json", orjson.dumps(r.model_dump()))
                    else:
                        problem = {"type": NOT_READY, "title": "Not ready", "status": 503, "detail": failures(r)}
                        self._answer(503, "application/problem+json", orjson.dumps(problem | {"checks": r.checks}))
                else:
                    self._answer(404, "text/plain", b"not found\n")

            def _answer(self, status: int, ctype: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.stopping = False
        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, name="warden-probes", daemon=True)

    def start(self) -> ProbeServer:
        self.thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
