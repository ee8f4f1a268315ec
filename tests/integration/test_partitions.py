"""Many processes behaving as one (issue 17): partitions by enterprise, and the invariant across processes.

Two `warden consume` processes on PostgreSQL + Redis + NATS JetStream, each taking half of the partitions, one of
them killed with SIGKILL mid-batch and started again, decide a seeded `warden.simulation` population exactly as one
process does (decisions, strikes, restrictions), and the audit trail they leave (one chain per partition) verifies.
The subprocess test skips without the services, and fails under CI=true."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import IN_CI, PG_ADMIN_URL, REDIS_URL
from tests.integration.test_shutdown import NATS_URL, Proc, _js, _nats_or_skip, wait_for
from warden.adapters import tables as t
from warden.adapters.intake import NatsSource, Router
from warden.app import App
from warden.bootstrap import bootstrap
from warden.kernel.partition import chain_of, parse_partitions, partition_of
from warden.settings import Settings
from warden.simulation.population import Population, generate
from warden.simulation.quality import _fingerprint


def test_issue17_the_partition_of_a_key_is_a_stable_hash_not_pythons() -> None:
    # the same in every process and every Python (BLAKE2b, not the per-process salted `hash`)
    assert [partition_of(k, 16) for k in ("ent-1", "ent-2", "wx-corp-7")] == [
        partition_of(k, 16) for k in ("ent-1", "ent-2", "wx-corp-7")
    ]
    assert (
        partition_of("ent-1", 16)
        == int.from_bytes(__import__("hashlib").blake2b(b"ent-1", digest_size=8).digest(), "big") % 16
    )
    assert {partition_of(f"ent-{i}", 16) for i in range(200)} == set(range(16))  # every partition gets some
    assert chain_of(0) == 1 and all(partition_of(f"e{i}", 1) == 0 for i in range(10))
    with pytest.raises(ValueError, match="at least 1"):
        partition_of("x", 0)


def test_issue17_partition_sets_name_the_bad_part() -> None:
    assert parse_partitions("0-3,7", 16) == [0, 1, 2, 3, 7]
    assert parse_partitions("all", 4) == [0, 1, 2, 3]
    for bad, said in (("3-1", "backwards"), ("16", "0-15"), ("x", "not a partition"), ("", "not a partition")):
        with pytest.raises(ValueError, match=said):
            parse_partitions(bad, 16)


def test_issue17_another_partition_count_than_the_databases_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/w.db"
    bootstrap(Settings(database_url=url, partitions=16)).close()
    with pytest.raises(ValueError, match="WARDEN_PARTITIONS is 8, but this database was set up with 16"):
        bootstrap(Settings(database_url=url, partitions=8))


def test_issue17_publish_refuses_another_partition_count_than_the_databases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`warden publish` routes events: with another count than the installation's it would put an enterprise's
    events on another partition's subject, which that partition's consumer never reads."""
    from typer.testing import CliRunner

    from warden.entrypoints.cli.main import app

    url = f"sqlite:///{tmp_path}/w.db"
    bootstrap(Settings(database_url=url, partitions=16)).close()
    events = tmp_path / "e.jsonl"
    events.write_text(
        '{"type": "login", "id": "e1", "account_id": "a1", "occurred_at": "2026-11-30T08:00:00Z", "device_id": "d1", '
        '"client_version": "4.1.0"}\n'
    )
    monkeypatch.setenv("WARDEN_PARTITIONS", "8")
    r = CliRunner().invoke(app, ["publish", str(events), "-d", url, "--nats", "nats://127.0.0.1:1"])
    assert r.exit_code != 0, r.output
    said = " ".join(r.output.replace("│", " ").split())
    assert "WARDEN_PARTITIONS is 8, but this database was set up with 16" in said, r.output


def test_issue17_a_batch_spanning_partitions_is_vouched_for_by_each_partitions_chain(tmp_path: Path) -> None:
    pop = generate(11, companies=2, warmup_days=1, measured_days=1)
    w = _world(f"sqlite:///{tmp_path}/w.db", pop)
    try:
        w.pipeline.ingest(pop.events[:400], actor="test")
        with w.engine.connect() as c:
            rows = c.execute(sa.select(t.events.c.enterprise_id, t.events.c.audit_chain)).all()
        assert len({chain for _, chain in rows}) > 1  # one batch, several partitions
        assert all(chain == chain_of(partition_of(eid, 16)) for eid, chain in rows)
        assert w.anchor_audit_root() == 1 and w.anchor_audit_root() is None  # nothing moved: no second root
        report = w.enforcement.audit_verify()
        assert report.ok and report.chains > 2 and report.roots == 1, report
    finally:
        w.close()


def test_issue17_a_partition_chain_cut_below_a_signed_root_is_named(tmp_path: Path) -> None:
    pop = generate(11, companies=1, warmup_days=1, measured_days=1)
    w = _world(f"sqlite:///{tmp_path}/w.db", pop)
    try:
        w.pipeline.ingest(pop.events[:300], actor="test")
        w.anchor_audit_root()
        log, cp = t.audit_log, t.audit_checkpoints
        with w.engine.begin() as c:  # the newest entry of one partition chain goes, with its checkpoint and anchor
            chain, head = c.execute(
                sa.select(log.c.chain, sa.func.max(log.c.seq)).where(log.c.chain > 0).group_by(log.c.chain).limit(1)
            ).one()
            c.execute(sa.delete(cp).where(cp.c.chain == chain, cp.c.seq == head))
            c.execute(sa.delete(log).where(log.c.chain == chain, log.c.seq == head))
        for f in (Path(os.environ["WARDEN_AUDIT_KEY_FILE"] + ".anchors")).glob("*.json"):
            f.unlink()
        report = w.enforcement.audit_verify()
        assert not report.ok and report.chain == chain, report
        assert f"cut after entry {head - 1}" in (report.problem or "") and "signed root entry 1" in (
            report.problem or ""
        )
    finally:
        w.close()


def test_issue17_every_root_entry_deleted_is_named_by_the_root_anchor_file(tmp_path: Path) -> None:
    pop = generate(11, companies=1, warmup_days=1, measured_days=1)
    w = _world(f"sqlite:///{tmp_path}/w.db", pop)
    try:
        w.pipeline.ingest(pop.events[:200], actor="test")
        w.anchor_audit_root()
        assert w.enforcement.audit_verify().ok
        with w.engine.begin() as c:
            c.execute(sa.delete(t.audit_roots))
        report = w.enforcement.audit_verify()
        assert not report.ok and "every root entry was deleted" in (report.problem or ""), report
    finally:
        w.close()


def _world(url: str, pop: Population, **settings: str) -> App:
    w = bootstrap(Settings(database_url=url, **settings))  # type: ignore[arg-type]
    for e in pop.enterprises:
        w.enforcement.register_enterprise(e.to_enterprise(), "simulation")
    for a in pop.accounts:
        w.enforcement.register_account(a.to_account(), "simulation")
    return w


def _services_or_skip() -> None:
    _nats_or_skip()
    for host, port, name in (("127.0.0.1", 5432, "PostgreSQL"), ("127.0.0.1", 6379, "Redis")):
        try:
            socket.create_connection((host, port), timeout=2).close()
        except OSError as exc:
            why = f"{name} not reachable at {host}:{port}: {exc.__class__.__name__}"
            if IN_CI:
                pytest.fail(f"CI=true but {why}")
            pytest.skip(why)


def test_issue17_two_consumers_one_killed_mid_batch_decide_as_one_process(tmp_path: Path) -> None:
    _services_or_skip()
    pop = generate(11, companies=2, warmup_days=1, measured_days=1)
    one = _world(f"sqlite:///{tmp_path}/one.db", pop)  # the reference: one process, in-process counters
    try:
        for i in range(0, len(pop.events), 100):
            one.pipeline.ingest(pop.events[i : i + 100], actor="simulation")
        want = _fingerprint(one.engine)
    finally:
        one.close()

    name = f"warden_scale_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    tag = uuid.uuid4().hex[:8]
    stream, prefix = f"SCALE{tag}", f"scale{tag}"
    env = {"WARDEN_COUNTERS": "redis", "WARDEN_REDIS_URL": REDIS_URL, "WARDEN_REDIS_PREFIX": f"scale{tag}"}
    os.environ.update(env)
    procs: list[Proc] = []
    try:
        w = _world(url, pop, counters="redis", redis_url=REDIS_URL, redis_prefix=f"scale{tag}")
        router = Router(w.engine, w.pipeline.partitions)
        router.learn(pop.events)
        w.close()

        async def publish() -> None:
            src = await NatsSource.connect(NATS_URL, stream, prefix, subscribe=False)
            for ev in pop.events:
                await src.publish(ev, router.partition(ev))
            await src.close()

        asyncio.run(publish())
        engine = sa.create_engine(url)

        def stored() -> int:
            with engine.connect() as conn:
                return int(conn.execute(sa.select(sa.func.count()).select_from(t.events)).scalar_one())

        def consumer(parts: str) -> Proc:
            args = ["consume", "--nats", NATS_URL, "--stream", stream, "--prefix", prefix, "--durable", "w"]
            # small batches: the first consumer is still at work when it is killed (a batch or two in)
            return Proc(*args, "--batch", "5", "--ack-wait", "2", "--partitions", parts, "-d", url)

        def infos(parts: range) -> list[Any]:
            async def ask(js: Any) -> list[Any]:
                return [await js.consumer_info(stream, f"w-p{p}") for p in parts]

            return list(asyncio.run(_js(ask)))

        def acked_by_first() -> int:
            try:
                return sum(int(i.ack_floor.stream_seq) for i in infos(range(8)))
            except Exception:  # its durable consumers are not made yet
                return 0

        def consuming(proc: Proc) -> bool:
            return any(str(x.get("message", "")).startswith("consuming ") for x in proc.logged())

        procs += [consumer("0-7"), consumer("8-15")]
        # killed once it acknowledged a batch: the batch fetched ahead (or being stored) is then in flight
        wait_for("the first batches to be acknowledged", lambda: acked_by_first() > 0, procs[0])
        procs[0].p.send_signal(signal.SIGKILL)  # mid-batch, no goodbye
        assert procs[0].finish() == -signal.SIGKILL
        procs.append(consumer("0-7"))  # started again: the broker redelivers what it had not acknowledged
        wait_for("every event to be stored", lambda: stored() == len(pop.events), procs[-1])
        wait_for("the restarted consumer to be consuming", lambda: consuming(procs[-1]), procs[-1])
        for p in procs[1:]:
            p.p.send_signal(signal.SIGTERM)
            assert p.finish() == 0, "".join(p.lines[-20:])
        got = _fingerprint(engine)
        engine.dispose()
        # the kill cut deliveries off in flight and the broker delivered them again (each durable consumer's
        # sequence counts every delivery; published events were each delivered at least once)
        assert sum(int(i.delivered.consumer_seq) for i in infos(range(16))) > len(pop.events)
        assert got.decisions == want.decisions
        assert got.strikes == want.strikes and got.restrictions == want.restrictions
        assert any(allowed is False for allowed, _ in got.decisions.values())  # the stream restricts someone

        check = bootstrap(Settings(database_url=url, counters="redis", redis_url=REDIS_URL), migrate=False)
        try:
            report = check.enforcement.audit_verify()
            assert report.ok and report.chains > 2, report
        finally:
            check.close()
    finally:
        for p in procs:
            if p.p.poll() is None:
                p.p.kill()
        for k in env:
            os.environ.pop(k, None)
        asyncio.run(_js(lambda js: js.delete_stream(stream)))
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
