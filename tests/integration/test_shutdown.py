"""Graceful shutdown (issue 17): `consume` finishes the batch it is storing and hands back what it has not started;
a consumer killed outright (kill -9) acknowledged only what it had committed, so a restart loses nothing; `serve`
exits cleanly on SIGTERM, and with `--workers 2` its metrics are summed over the workers. The subprocess tests use
the real NATS JetStream on 4222 (skipped with the reason when it is absent, failed under CI=true)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import IN_CI, T0, World, base_policy
from warden.adapters.intake import Delivery, MemorySource
from warden.bootstrap import bootstrap
from warden.kernel.clock import FixedClock
from warden.service.intake import consume
from warden.settings import Settings

NATS_URL = "nats://127.0.0.1:4222"
ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 300.0  # seconds: how long a subprocess may take to get somewhere before the test gives up (not a goal)


def test_a_stop_during_a_batch_finishes_it_and_acknowledges_it(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    src = MemorySource()
    for _ in range(5):
        src.put(world.phone_search())
    stop = asyncio.Event()
    real = world.w.pipeline.ingest

    async def run() -> Any:
        loop = asyncio.get_running_loop()

        def ingest_then_stop(events, actor="platform"):  # type: ignore[no-untyped-def]
            loop.call_soon_threadsafe(stop.set)  # SIGTERM arrives while the batch is being stored
            return real(events, actor)

        monkeypatch.setattr(world.w.pipeline, "ingest", ingest_then_stop)
        return await consume(world.w, src, batch=3, timeout=0.1, stop=stop)

    stats = asyncio.run(run())
    # the other 2 were fetched ahead while the batch was stored (issue 17), not started, and handed back
    assert stats.stored == 3 and stats.handed_back == 2
    assert len(src.acked) == 3 and src.in_flight == 0
    assert src.queue.qsize() == 2  # the broker's again


def test_the_intake_lag_reads_zero_once_the_consumer_has_caught_up(world: World) -> None:
    """`warden_intake_lag_seconds` is the age of the last batch's newest message at its commit; once the queue behind
    the consumer is empty it reads 0, not that batch's age for ever (which would keep a lag alert firing while idle)."""
    from prometheus_client import REGISTRY

    from warden.adapters import metrics

    metrics.INTAKE_LAG.labels("lag-test").set(42.0)  # a batch that waited, committed earlier
    src = MemorySource()
    src.put(world.phone_search())
    stats = asyncio.run(consume(world.w, src, batch=10, timeout=0.05, idle_exit=True, name="lag-test"))
    assert stats.stored == 1
    assert REGISTRY.get_sample_value("warden_intake_lag_seconds", {"consumer": "lag-test"}) == 0.0


def test_deliveries_fetched_as_the_stop_comes_are_handed_back_not_started(world: World) -> None:
    stop = asyncio.Event()

    class StopsWhileFetching(MemorySource):
        async def fetch(self, max_events: int, timeout: float) -> list[Delivery]:
            got = await super().fetch(max_events, timeout)
            stop.set()
            return got

    src = StopsWhileFetching()
    for _ in range(4):
        src.put(world.phone_search())
    stats = asyncio.run(consume(world.w, src, batch=10, timeout=0.1, stop=stop))
    assert stats.handed_back == 4 and stats.stored == 0 and not src.acked
    assert src.queue.qsize() == 4 and src.in_flight == 0


# --- subprocesses -------------------------------------------------------------------------------------------------


def _nats_or_skip() -> None:
    try:
        socket.create_connection(("127.0.0.1", 4222), timeout=2).close()
    except OSError as exc:
        why = f"NATS JetStream not reachable at {NATS_URL}: {exc.__class__.__name__}"
        if IN_CI:
            pytest.fail(f"CI=true but {why}")
        pytest.skip(why)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["WARDEN_LOG_FORMAT"] = "json"
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


class Proc:
    """A `warden` subprocess whose stdout (JSON log lines) is collected by a thread."""

    def __init__(self, *args: str) -> None:
        self.p = subprocess.Popen(
            [sys.executable, "-m", "warden", *args],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.p.stdout is not None
        for line in self.p.stdout:
            self.lines.append(line)

    def logged(self) -> list[dict[str, Any]]:
        out = []
        for line in list(self.lines):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out

    def finish(self) -> int:
        rc = self.p.wait(timeout=DEADLINE)
        self.reader.join(timeout=10)
        return rc


def wait_for(what: str, ok: Callable[[], bool], proc: Proc | None = None) -> None:
    deadline = time.monotonic() + DEADLINE
    while not ok():
        if proc is not None and proc.p.poll() is not None:
            raise AssertionError(f"the process ended before {what}:\n" + "".join(proc.lines[-30:]))
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


async def _js(action: Callable[[Any], Any]) -> Any:
    import nats

    nc = await nats.connect(NATS_URL, connect_timeout=5)
    try:
        return await action(nc.jetstream())
    finally:
        await nc.close()


def test_a_consumer_killed_mid_batch_loses_nothing_it_acknowledged(tmp_path: Path) -> None:
    _nats_or_skip()
    url = f"sqlite:///{tmp_path}/consume.db"
    clock = FixedClock(T0)
    w = bootstrap(Settings(database_url=url), policy=base_policy(), clock=clock)
    world = World(w, clock)
    world.enterprise()
    accounts = [f"acc-{i}" for i in range(20)]
    for aid in accounts:
        world.account(aid)
    events = [world.phone_search(accounts[i % len(accounts)]) for i in range(2000)]
    w.close()
    tag = uuid.uuid4().hex[:8]
    stream, prefix = f"KILL{tag}", f"kill{tag}"

    async def publish(js: Any) -> None:
        await js.add_stream(name=stream, subjects=[f"{prefix}.events", f"{prefix}.dead"])
        for ev in events:  # in order: stream sequence i holds events[i - 1]
            await js.publish(f"{prefix}.events", json.dumps(ev).encode())

    asyncio.run(_js(publish))
    engine = sa.create_engine(url)

    def stored() -> set[str]:
        try:
            with engine.connect() as conn:
                return {r[0] for r in conn.execute(sa.text("SELECT id FROM events"))}
        except sa.exc.OperationalError:  # the writer holds the file for a moment
            return set()

    args = ["consume", "--nats", NATS_URL, "--stream", stream, "--prefix", prefix, "--durable", "w"]
    args += ["--batch", "20", "--ack-wait", "2", "-d", url]

    def ack_floor() -> int:
        try:
            return int(asyncio.run(_js(lambda js: js.consumer_info(stream, "w"))).ack_floor.stream_seq)
        except Exception:  # the durable consumer is not made yet
            return 0

    try:
        first = Proc(*args)
        # killed once it acknowledged a batch (it committed one before: a commit alone, killed before its ack, would
        # leave nothing acknowledged to check); the batch fetched ahead is then in flight
        wait_for("the first batches to be acknowledged", lambda: ack_floor() > 0, first)
        first.p.send_signal(signal.SIGKILL)  # no goodbye: whatever batch it was in is cut off
        assert first.finish() == -signal.SIGKILL

        info = asyncio.run(_js(lambda js: js.consumer_info(stream, "w")))
        acked = info.ack_floor.stream_seq
        have = stored()
        assert acked > 0
        assert {ev["id"] for ev in events[:acked]} <= have  # every acknowledged event was committed

        second = Proc(*args, "--metrics-port", "0")
        wait_for("every event to be stored", lambda: len(stored()) == len(events), second)
        port = next(line["metrics_port"] for line in second.logged() if "metrics_port" in line)
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
        assert 'warden_intake_deliveries_total{consumer="w",result="stored"}' in page
        assert f'warden_intake_pending{{consumer="w",stream="{stream}"}}' in page
        ready = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10).read())
        assert ready["status"] == "ready" and ready["checks"]["nats"] == "ok"
        second.p.send_signal(signal.SIGTERM)
        assert second.finish() == 0, "".join(second.lines[-20:])
        messages = [line.get("message", "") for line in second.logged() if line.get("logger") == "warden.intake"]
        assert any(m.startswith("SIGTERM: finishing the batch in flight") for m in messages)
        assert any(m.startswith("stopped: stored") for m in messages)

        after = asyncio.run(_js(lambda js: js.consumer_info(stream, "w")))
        assert after.num_ack_pending == 0 and after.num_pending == 0  # all delivered and acknowledged
        # the kill cut deliveries off in flight: the broker delivered some twice (its consumer sequence counts
        # every delivery, the stream sequence every message)
        assert after.delivered.consumer_seq > after.delivered.stream_seq == len(events)
        assert stored() == {ev["id"] for ev in events}  # each exactly once (the id is the key)
    finally:
        engine.dispose()
        asyncio.run(_js(lambda js: js.delete_stream(stream)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_exits_cleanly_on_sigterm_with_json_logs(tmp_path: Path) -> None:
    port = _free_port()
    server = Proc("serve", "-d", f"sqlite:///{tmp_path}/serve.db", "--port", str(port))

    def live() -> bool:
        try:
            return bool(urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=2).status == 200)
        except OSError:
            return False

    try:
        wait_for("the server to answer /livez", live, server)
        ready = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10).read())
        assert ready == {"status": "ready", "checks": {"database": "ok"}}
    finally:
        server.p.send_signal(signal.SIGTERM)
    assert server.finish() == 0, "".join(server.lines[-20:])
    logged = server.logged()
    assert logged, "no JSON log lines:\n" + "".join(server.lines)
    loggers = {line["logger"] for line in logged}
    assert {"warden.server", "warden.access"} <= loggers
    messages = [line["message"] for line in logged if line["logger"] == "warden.server"]
    assert messages[-2:] == ["SIGTERM: stopped accepting, requests finished", "stopped serving"]
    assert any(line.get("route") == "/readyz" and line.get("status") == 200 for line in logged)


def test_serve_with_two_workers_answers_metrics_summed_over_both(tmp_path: Path) -> None:
    port = _free_port()
    server = Proc("serve", "-d", f"sqlite:///{tmp_path}/workers.db", "--port", str(port), "--workers", "2")

    def get(path: str) -> str:
        return str(urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).read().decode())

    def live() -> bool:
        try:
            return "alive" in get("/livez")
        except OSError:
            return False

    try:
        wait_for("the workers to answer /livez", live, server)
        for _ in range(20):  # new connections: the kernel spreads them over both workers
            get("/readyz")
        page = get("/metrics")
    finally:
        server.p.send_signal(signal.SIGTERM)
    assert server.finish() == 0, "".join(server.lines[-20:])
    line = next(x for x in page.splitlines() if x.startswith('warden_http_requests_total{method="GET",route="/readyz"'))
    assert float(line.rsplit(" ", 1)[1]) == 20  # whichever worker answered the scrape counted all twenty
    pids = {x["message"] for x in server.logged() if str(x.get("message", "")).startswith("Started server process")}
    assert len(pids) == 2
