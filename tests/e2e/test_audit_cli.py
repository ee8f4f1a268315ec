"""`warden audit verify` and `warden audit checkpoints` (issue 12, item 2): the chain anchored outside the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tests.conftest import World
from warden.adapters import tables as t
from warden.adapters.audit_keys import Signer
from warden.adapters.database import make_engine
from warden.entrypoints.cli.main import app

runner = CliRunner()


def counts(db_url: str) -> list[int]:
    engine = make_engine(db_url)
    with engine.connect() as c:
        out = [
            int(c.execute(sa.select(sa.func.count()).select_from(x)).scalar_one())
            for x in (t.audit_log, t.audit_checkpoints, t.policies)
        ]
    engine.dispose()
    return out


def test_verify_writes_nothing_and_says_how_far_the_chain_is_signed(world: World, db_url: str) -> None:
    world.send(*[world.event("report", reporter_id=f"r-{i}", reason="spam") for i in range(3)])
    before = counts(db_url)
    r = runner.invoke(app, ["audit", "verify", "-d", db_url])
    assert r.exit_code == 0, r.output
    assert "intact" in r.output and f"all {before[0]} entries signed" in r.output
    assert counts(db_url) == before


def test_exported_checkpoints_detect_a_truncated_chain_with_only_the_public_key(
    world: World, db_url: str, tmp_path: Path
) -> None:
    for _ in range(5):
        world.send(world.phone_search())
    out = tmp_path / "checkpoints.jsonl"
    r = runner.invoke(app, ["audit", "checkpoints", "--out", str(out), "-d", db_url])
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    head, cps = lines[0], lines[1:]
    assert "BEGIN PUBLIC KEY" in head["public_key"] and len(cps) == head["checkpoints"] >= 5
    public = tmp_path / "audit.pub"
    public.write_text(head["public_key"])
    args = ["audit", "verify", "-d", db_url, "--anchors", str(out), "--public-key", str(public)]
    assert runner.invoke(app, args).exit_code == 0

    last, chain = cps[-1]["seq"], cps[-1]["chain"]  # the newest checkpoint of the events' partition chain
    assert chain > 0
    ev, cp, log = t.events, t.audit_checkpoints, t.audit_log
    engine = make_engine(db_url)  # someone deletes the newest batches: entries, checkpoints and events
    with engine.begin() as c:
        c.execute(sa.delete(ev).where(ev.c.audit_chain == chain, ev.c.audit_seq > last - 2))
        c.execute(sa.delete(cp).where(cp.c.chain == chain, cp.c.seq > last - 2))
        c.execute(sa.delete(log).where(log.c.chain == chain, log.c.seq > last - 2))
    engine.dispose()
    r = runner.invoke(app, args)
    assert r.exit_code == 1 and f"the chain was cut after entry {last - 2}" in r.output
    assert f"reaches entry {last}" in r.output and "were deleted" in r.output


def test_a_forged_exported_checkpoint_is_refused(world: World, db_url: str, tmp_path: Path) -> None:
    world.send(world.phone_search())
    out = tmp_path / "checkpoints.jsonl"
    assert runner.invoke(app, ["audit", "checkpoints", "--out", str(out), "-d", db_url]).exit_code == 0
    lines = out.read_text().splitlines()
    forged = json.loads(lines[-1]) | {"hash": "0" * 64}
    out.write_text("\n".join([*lines, json.dumps(forged)]) + "\n")
    r = runner.invoke(app, ["audit", "verify", "-d", db_url, "--anchors", str(out)])
    assert r.exit_code == 1 and "signature is not valid" in r.output


def test_issue12_checkpoints_also_write_the_public_key_for_verify(world: World, db_url: str, tmp_path: Path) -> None:
    world.send(world.phone_search())
    out = tmp_path / "checkpoints.jsonl"
    r = runner.invoke(app, ["audit", "checkpoints", "--out", str(out), "-d", db_url])
    assert r.exit_code == 0, r.output
    pub = tmp_path / "checkpoints.jsonl.pub.pem"
    assert "BEGIN PUBLIC KEY" in pub.read_text() and "--public-key" in r.output
    r = runner.invoke(app, ["audit", "verify", "-d", db_url, "--anchors", str(out), "--public-key", str(pub)])
    assert r.exit_code == 0, r.output
    assert "WARNING" not in r.output


def test_issue12_without_an_anchor_outside_the_database_verify_warns_and_exits_3(world: World, db_url: str) -> None:
    world.send(world.phone_search())
    signer = world.w.enforcement.verifier
    assert isinstance(signer, Signer)
    with world.w.engine.connect() as c:  # every chain's anchor file goes (the platform's and the partition's)
        firsts = c.execute(sa.select(t.audit_log.c.hash).where(t.audit_log.c.seq == 1)).scalars().all()
    assert len(firsts) == 2
    for first_hash in firsts:
        signer.anchor_path(first_hash).unlink()
    r = runner.invoke(app, ["audit", "verify", "-d", db_url])
    assert r.exit_code == 3, r.output
    assert "WARNING" in r.output and "no anchor file found at" in r.output and "cannot be ruled out" in r.output


def test_issue12_without_a_key_verify_says_it_proved_nothing_signed(
    world: World, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.send(world.phone_search())
    monkeypatch.setenv("WARDEN_AUDIT_KEY_FILE", str(tmp_path / "absent.pem"))
    r = runner.invoke(app, ["audit", "verify", "-d", db_url])
    assert r.exit_code == 1, r.output
    assert "None" not in r.output and "not proven" in r.output and "no key" in r.output


def test_verify_refuses_an_anchors_file_that_is_no_export_naming_the_line(
    world: World, db_url: str, tmp_path: Path
) -> None:
    """A truncated or wrong --anchors file would weaken the check without a word: it is refused, naming the line."""
    out = tmp_path / "cp.jsonl"
    assert runner.invoke(app, ["audit", "checkpoints", "-d", db_url, "--out", str(out)]).exit_code == 0
    assert runner.invoke(app, ["audit", "verify", "-d", db_url, "--anchors", str(out)]).exit_code == 0
    head = out.read_text().splitlines()[0]
    for bad, where in (
        ("{garbage", "bad.jsonl:1:(line):notJSON"),
        ("[]", "bad.jsonl:1:(line):expectedaJSONobject"),
        (head + '\n{"x": 1}', "bad.jsonl:2:seq:missing"),
        (head + '\n{"seq": "7", "hash": "h", "signature": "s"}', "bad.jsonl:2:seq:'7'isnotawholenumber"),
        (head + '\n{"seq": 7, "hash": "h", "signature": "s", "chain": -1}', "bad.jsonl:2:chain:-1isnot"),
        (head.replace('"key_id"', '"kid"'), "bad.jsonl:1:key_id:missing"),
    ):
        f = tmp_path / "bad.jsonl"
        f.write_text(bad)
        r = runner.invoke(app, ["audit", "verify", "-d", db_url, "--anchors", str(f)], terminal_width=400)
        said = "".join(r.output.replace("│", "").split())
        assert r.exit_code == 2 and "notanexportedcheckpointsfile" in said and where in said, r.output
    r = runner.invoke(app, ["audit", "checkpoints", "-d", db_url, "--out", str(tmp_path / "no" / "dir.jsonl")])
    assert (r.exit_code == 2 and "cannot write" in r.output and r.exception is None) or isinstance(
        r.exception, SystemExit
    )
