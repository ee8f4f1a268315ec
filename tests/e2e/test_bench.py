"""`warden bench ingest` and `warden bench weight` run end to end at tiny sizes and print every column (issue 16).
Figures are never asserted: a benchmark prints figures, it does not pass or fail."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.conftest import PG_ADMIN_URL, _pg_available
from warden.entrypoints.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_bench_ingest_prints_each_case_with_cpu_time_and_the_driver_floor(database: str) -> None:
    if database == "postgresql":
        why = _pg_available()
        if why:
            pytest.skip(why)
        database = PG_ADMIN_URL
    args = ["bench", "ingest", "-d", database, "--events", "300", "--history", "100,400"]
    result = runner.invoke(app, [*args, "--latency-requests", "5", "--repeats", "1"], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    out = result.output
    for label in (
        "events/s (wall)",
        "events per CPU s",
        "× floor (wall)",
        "× floor (CPU)",
        "floor: SQLAlchemy Core insert (reference)",
        "sqlite3 executemany" if database == "sqlite" else "floor: PostgreSQL COPY",
        "← the floor",
        "in-process ingest, weight upkeep off",
        "HTTP batch API",
        "100 stored events",
        "400 stored events",
        "POST /v1/events (one decision)",
        "weight upkeep on / off",
        "400 / 100 stored events",
        "p99 one decision / p99 no-op",
        "median of 1 interleaved repeats",
    ):
        assert label in out, label


def test_S16_bench_ingest_runs_only_the_cases_asked_for_and_single_events_against_several_workers() -> None:
    args = ["bench", "ingest", "--cases", "singles,latency", "--workers", "1,2", "--events", "60", "--history", ""]
    result = runner.invoke(app, [*args, "--latency-requests", "5", "--repeats", "1"], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    out = result.output
    for label in (
        "HTTP single events, 1 connection ",
        "HTTP single events, 16 connections, 2 workers",
        "server CPU ms per event",
        "single events over HTTP: 16 connections, 2 workers / 1 (1 worker)",
        "POST /v1/events (one decision)",
        "p99 one decision / p99 no-op",
    ):
        assert label in out, label
    for absent in ("← the floor", "HTTP batch API", "weight upkeep on / off", "stored events"):
        assert absent not in out, absent
    bad = runner.invoke(app, ["bench", "ingest", "--cases", "singles,nope"])
    assert bad.exit_code == 2 and "nope" in bad.output


def test_bench_weight_prints_median_ratios_of_fresh_databases() -> None:
    args = ["bench", "weight", "--events", "200", "--accounts", "40", "--batch", "50"]
    args += ["--recompute-accounts", "20", "--events-per-account", "2", "--repeats", "2"]
    result = runner.invoke(app, args, env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    for label in ("median of 2 interleaved repeats", "on / off (wall)", "on / off (CPU time)", "full recompute"):
        assert label in result.output, label
