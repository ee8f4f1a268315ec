"""What an operator watches: the Prometheus metrics of a warden process (prometheus-client).

The metrics live in prometheus-client's default registry; `GET /metrics` (the API) and the consumer's listener
(`warden consume --metrics-port`) render them with `render`, adding what is read at scrape time (the outbox
backlog, `entrypoints.probes`).

Requests are labelled by route *template* (`/v1/accounts/{account_id}`; `<unmatched>` when no route took it).

| metric | type | labels | what |
| --- | --- | --- | --- |
| `warden_http_requests_total` | counter | method, route, status | requests |
| `warden_http_request_duration_seconds` | histogram | method, route | first byte in to last byte out |
| `warden_events_total` | counter | result | events through ingest: `stored` (decided now), `duplicate` |
| `warden_ingest_batch_duration_seconds` | histogram | — | one ingest transaction, validation to commit |
| `warden_decisions_total` | counter | outcome | stored events: `allowed`, `denied`, `none` (asks nothing) |
| `warden_rule_reasons_total` | counter | rule, level | reasons the rules gave, per rule id and level |
| `warden_strikes_total` | counter | rule | strikes issued by ingest, per rule |
| `warden_restrictions_total` | counter | rule, scope | restrictions imposed by ingest, per rule and scope |
| `warden_subject_cache_lookups_total` | counter | result | subject cache `hit` / `miss` (per account looked up) |
| `warden_db_pool_checked_out` | gauge | — | database connections in use now (summed over live processes) |
| `warden_db_pool_size` | gauge | — | the pool's configured size (per process; max over processes) |
| `warden_intake_deliveries_total` | counter | consumer, result | `stored`, `duplicate`, `dead`, `redelivered` |
| `warden_intake_pending` | gauge | stream, consumer | messages not yet delivered to the consumer (depth) |
| `warden_intake_ack_pending` | gauge | stream, consumer | delivered, not yet acknowledged |
| `warden_intake_lag_seconds` | gauge | consumer | age of the last batch's newest message at commit; 0 when caught up |
| `warden_outbox_backlog` | gauge | status | notifications not yet sent: `pending`, `failed` (gave up) |
| `warden_outbox_oldest_due_seconds` | gauge | — | how long the oldest pending notification has been due |

**Several processes.** Each `warden consume` and each single-process `warden serve` keeps its own numbers and is
scraped on its own (Prometheus adds the `instance` label). `warden serve --workers N` (N > 1) runs N worker
processes behind one port; then the counters and histograms are kept in files under `PROMETHEUS_MULTIPROC_DIR`
(prometheus-client's multiprocess mode, set by `serve` to a fresh directory when unset) and every scrape, whichever
worker answers, sums all of them (`render`). Gauges say how they combine (`livesum`, `livemax`).
"""

from __future__ import annotations

import itertools
import operator
import os
from collections import Counter as TallyCounter
from collections.abc import Iterable, Sequence
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.engine import Engine

disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` series beside every counter: noise for a scraper
CONTENT_TYPE = CONTENT_TYPE_LATEST
_LATENCY = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "warden_http_requests", "HTTP requests by route template and status.", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "warden_http_request_duration_seconds",
    "HTTP request latency by route template.",
    ["method", "route"],
    buckets=_LATENCY,
)
EVENTS = Counter("warden_events", "Events through ingest: stored (decided now) or duplicate.", ["result"])
INGEST_BATCH = Histogram(
    "warden_ingest_batch_duration_seconds", "One ingest transaction, validation to commit.", buckets=_LATENCY
)
DECISIONS = Counter("warden_decisions", "Decisions on stored events.", ["outcome"])
RULE_REASONS = Counter("warden_rule_reasons", "Reasons given by the rules.", ["rule", "level"])
STRIKES = Counter("warden_strikes", "Strikes issued by ingest.", ["rule"])
RESTRICTIONS = Counter("warden_restrictions", "Restrictions imposed by ingest.", ["rule", "scope"])
CACHE = Counter("warden_subject_cache_lookups", "Subject cache lookups per account.", ["result"])
POOL_OUT = Gauge("warden_db_pool_checked_out", "Database connections in use.", multiprocess_mode="livesum")
POOL_SIZE = Gauge("warden_db_pool_size", "The database pool's configured size.", multiprocess_mode="livemax")
INTAKE = Counter("warden_intake_deliveries", "Broker deliveries by result.", ["consumer", "result"])
INTAKE_PENDING = Gauge(
    "warden_intake_pending",
    "Messages not yet delivered to the consumer.",
    ["stream", "consumer"],
    multiprocess_mode="livemax",
)
INTAKE_ACK_PENDING = Gauge(
    "warden_intake_ack_pending",
    "Messages delivered, not yet acknowledged.",
    ["stream", "consumer"],
    multiprocess_mode="livemax",
)
INTAKE_LAG = Gauge(
    "warden_intake_lag_seconds",
    "Age of the newest message of the last committed batch.",
    ["consumer"],
    multiprocess_mode="livemax",
)


def observe_ingest(outcomes: Sequence[Any], stored: int, duplicates: int, changes: Any, seconds: float) -> None:
    """Count one committed ingest batch: its events, the decisions and reasons of the fresh ones, the strikes and
    restrictions it made (`changes`: `kernel.decision.Effects`), its duration in seconds."""
    INGEST_BATCH.observe(seconds)
    stored_, duplicate, by_answer = _CHILDREN
    stored_.inc(stored)
    if duplicates:
        duplicate.inc(duplicates)
    fresh = list(itertools.filterfalse(_DUPLICATE, outcomes))
    answers: TallyCounter[bool | None] = TallyCounter(map(_ALLOWED, fresh))  # counted in C (issue 16, sixth round)
    reasons: TallyCounter[tuple[str, str]] = TallyCounter()
    for given in filter(None, map(_REASONS, fresh)):  # the few decisions that carry reasons
        for reason in given:
            reasons[(reason.rule, reason.level)] += 1
    for answer, n in answers.items():
        by_answer[answer].inc(n)
    for (rule, level), n in reasons.items():
        RULE_REASONS.labels(rule, level).inc(n)
    for strike in changes.strikes:
        STRIKES.labels(strike.rule_id).inc()
    for r in changes.restrictions:
        RESTRICTIONS.labels(r.rule_id, str(r.scope)).inc()


_CHILDREN = (
    EVENTS.labels("stored"),
    EVENTS.labels("duplicate"),
    {True: DECISIONS.labels("allowed"), False: DECISIONS.labels("denied"), None: DECISIONS.labels("none")},
)
"""The label children `observe_ingest` counts on every batch, looked up once (issue 16: a single decision looked
each up again, ~5 % of its CPU); made at import, so every series shows from the start, at 0."""
_DUPLICATE = operator.attrgetter("duplicate")
_ALLOWED = operator.attrgetter("allowed")
_REASONS = operator.attrgetter("reasons")


def observe_cache(hits: int, misses: int) -> None:
    if hits:
        CACHE.labels("hit").inc(hits)
    if misses:
        CACHE.labels("miss").inc(misses)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


def watch_pool(engine: Engine) -> None:
    """Follow `engine`'s pool: connections checked out (SQLAlchemy pool events) and its configured size."""
    size = getattr(engine.pool, "size", None)
    if callable(size):
        POOL_SIZE.set(size())

    @event.listens_for(engine, "checkout")
    def _out(*_: Any) -> None:
        POOL_OUT.inc()

    @event.listens_for(engine, "checkin")
    def _in(*_: Any) -> None:
        POOL_OUT.dec()


def multiprocess() -> bool:
    """True when the metrics are kept in files shared by several processes (`PROMETHEUS_MULTIPROC_DIR`)."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def render(extra: Iterable[Collector] = ()) -> bytes:
    """The text exposition of every metric of this process (of all of them, in multiprocess mode), plus `extra`
    collectors read at scrape time."""
    if multiprocess():
        from prometheus_client import multiprocess as mp

        shared = CollectorRegistry()
        mp.MultiProcessCollector(shared)  # type: ignore[no-untyped-call]
        page = generate_latest(shared)
    else:
        page = generate_latest(REGISTRY)
    now = CollectorRegistry()
    for collector in extra:
        now.register(collector)
    return page + generate_latest(now)
