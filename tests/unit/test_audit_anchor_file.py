"""The anchor file beside the audit key (adapters/audit_keys.py): rewritten in place, never backwards, recreated
when deleted, exact under concurrent writers in separate processes."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from warden.adapters.audit_keys import ANCHOR_RECORD, Signer

FIRST = "ab" * 32


def test_anchor_keeps_the_newest_head_and_never_moves_backwards(tmp_path: Path) -> None:
    signer = Signer(tmp_path / "key.pem")
    signer.anchor(FIRST, 5, "h5")
    signer.anchor(FIRST, 3, "h3")  # a process that committed earlier but anchors later
    assert signer.read_anchor(FIRST) == (5, "h5")
    signer.anchor(FIRST, 9, "h9")
    assert signer.read_anchor(FIRST) == (9, "h9")
    raw = signer.anchor_path(FIRST).read_bytes()
    assert len(raw) == ANCHOR_RECORD and json.loads(raw)["seq"] == 9  # one padded record, plain JSON


def test_an_anchor_file_deleted_under_a_running_signer_is_written_again(tmp_path: Path) -> None:
    signer = Signer(tmp_path / "key.pem")
    signer.anchor(FIRST, 1, "h1")
    signer.anchor_path(FIRST).unlink()
    assert signer.read_anchor(FIRST) is None
    signer.anchor(FIRST, 2, "h2")
    assert signer.read_anchor(FIRST) == (2, "h2")


def test_a_longer_record_written_by_hand_is_replaced_whole(tmp_path: Path) -> None:
    signer = Signer(tmp_path / "key.pem")
    signer.anchor(FIRST, 1, "h1")
    path = signer.anchor_path(FIRST)
    path.write_text(json.dumps({"first": FIRST, "seq": 1, "hash": "x" * 2000}))
    signer.anchor(FIRST, 2, "h2")
    assert signer.read_anchor(FIRST) == (2, "h2")
    assert json.loads(path.read_bytes())["hash"] == "h2"


def _write_many(key: str, start: int) -> None:
    signer = Signer(Path(key))
    for seq in range(start, 400, 2):
        signer.anchor(FIRST, seq, f"h{seq}")


def test_two_processes_anchoring_the_same_chain_end_at_the_highest_seq(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    Signer(key)  # create the key once
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(str(key), s)) for s in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert Signer(key).read_anchor(FIRST) == (399, "h399")
