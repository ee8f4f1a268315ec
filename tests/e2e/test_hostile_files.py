"""Files warden reads (replayed events, published events, exported checkpoints, policy files): a hostile line is
refused naming `FILE:LINE: field: what is wrong`, exit 2, and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warden.adapters.policy_file import DEFAULT_POLICY_PATH
from warden.entrypoints.cli.main import app

runner = CliRunner()

ENTERPRISE = {"type": "enterprise", "id": "e1", "name": "E", "verified": True, "created_at": "2025-01-01T00:00:00Z"}
ACCOUNT = {
    "type": "account",
    "id": "a1",
    "enterprise_id": "e1",
    "phone": "13800000001",
    "real_name_verified": True,
    "created_at": "2025-01-01T00:00:00Z",
}


def login(i: str, at: str = "2026-11-25T08:00:00Z", account: str = "a1") -> dict[str, object]:
    return {
        "id": i,
        "type": "login",
        "occurred_at": at,
        "account_id": account,
        "device_id": "d1",
        "client_version": "4.1.0",
    }


def said(output: str) -> str:
    return "".join(output.replace("│", "").split())


HOSTILE: list[tuple[bytes, str]] = [
    (b"not json", "(line):notJSON"),
    (b"[1, 2]", "(line):expectedaJSONobject"),
    (b'"a string"', "(line):expectedaJSONobject"),
    (b'{"type": "account", "id": "a2"}', "enterprise_id:Fieldrequired"),
    (json.dumps(login("x2") | {"device_id": 5}).encode(), "device_id:Inputshouldbeavalidstring"),
    (json.dumps(login("x2"))[:-1].encode() + b', "n": 1e999999}', "n:thenumber1e999999isbeyond"),
    (json.dumps(login("x2"))[:-1].encode() + b', "n": ' + b"9" * 5000 + b"}", "n:anintegerof5,000digits"),
    (json.dumps(login("x2"))[:-1].encode() + b', "n": NaN}', "n:NaNisnotaJSONnumber"),
    (json.dumps(login("x2", at="99999-01-01T00:00:00Z")).encode(), ":occurred_at:"),
    (json.dumps(login("x2", at="2026-11-25T08:00:00")).encode(), ":occurred_at:"),
    (json.dumps(login("x\u0001")).encode(), ":id:"),
    (json.dumps(login("x2") | {"device_id": "d\u0000"}).encode(), "device_id:containsthecontrolcharacterU+0000"),
    (json.dumps(login("x2")).replace('"d1"', '"d\xff"').encode("latin-1"), "(line):byte0xffatcolumn"),
    (json.dumps(ENTERPRISE | {"id": "e2", "created_at": "garbage"}).encode(), "created_at:"),
    (json.dumps(ENTERPRISE | {"id": "e2", "created_at": "1999-01-01T00:00:00Z"}).encode(), "created_at:1999"),
    (json.dumps(ACCOUNT | {"id": "a2", "phone": "12"}).encode(), "phone:'12'isnotavalidphonenumber"),
    (json.dumps(ACCOUNT).encode(), "id:'a1'isalsotheidofadifferentaccountonline2"),
    (json.dumps(login("x1") | {"device_id": "other"}).encode(), "id:'x1'isalsotheidofadifferenteventonline3"),
    (json.dumps({"type": "nope", "id": "q"}).encode(), "type:unknowneventtype'nope'"),
    (json.dumps(login("x2", account="ghost")).encode(), "account_id:unknownaccount'ghost'"),
    (json.dumps(ACCOUNT | {"id": "a2", "enterprise_id": "ghost"}).encode(), "enterprise_id:unknownenterprise'ghost'"),
]


@pytest.mark.parametrize(("line", "named"), HOSTILE, ids=[n for _, n in HOSTILE])
def test_a_hostile_line_of_a_replayed_file_is_named_by_file_line_and_field(
    tmp_path: Path, line: bytes, named: str
) -> None:
    f = tmp_path / "events.jsonl"
    good = [json.dumps(x).encode() for x in (ENTERPRISE, ACCOUNT, login("x1"))]
    f.write_bytes(b"\n".join([*good, line]) + b"\n")
    db = tmp_path / "w.db"
    r = runner.invoke(
        app, ["replay", str(f), "-p", str(DEFAULT_POLICY_PATH), "-d", f"sqlite:///{db}", "--json"], terminal_width=400
    )
    out = said(r.output)
    assert r.exit_code == 2, r.output
    assert f"events.jsonl:4:{named}" in out or (named.startswith(":") and f"events.jsonl:4{named}" in out), r.output
    assert "Traceback" not in r.output and r.stdout.strip() == "" and "nothingwasdone" in out
    assert "unknown" in named or not db.exists()  # refused before the database is opened


def test_a_replay_of_a_history_longer_than_the_policy_s_window_replays_every_event(tmp_path: Path) -> None:
    """Events a year apart in one file: each chunk is ingested at its own time, so none is refused as too late."""
    f = tmp_path / "events.jsonl"
    lines = [ENTERPRISE, ACCOUNT, login("x1", "2025-06-01T08:00:00+08:00"), login("x2", "2026-11-25T08:00:00Z")]
    f.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    r = runner.invoke(
        app, ["replay", str(f), "-p", str(DEFAULT_POLICY_PATH), "-d", f"sqlite:///{tmp_path}/w.db", "--json"]
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["events"] == 2


def test_a_directory_entry_created_after_the_last_event_is_replayed(tmp_path: Path) -> None:
    f = tmp_path / "events.jsonl"
    late = ACCOUNT | {"id": "a2", "created_at": "2027-01-01T00:00:00Z"}
    f.write_text("\n".join(json.dumps(x) for x in (ENTERPRISE, ACCOUNT, late, login("x1"))), encoding="utf-8")
    r = runner.invoke(
        app, ["replay", str(f), "-p", str(DEFAULT_POLICY_PATH), "-d", f"sqlite:///{tmp_path}/w.db", "--json"]
    )
    assert r.exit_code == 0, r.output


def test_replay_of_a_missing_file_or_a_directory_names_it(tmp_path: Path) -> None:
    for path, named in ((tmp_path / "absent.jsonl", "absent.jsonl:nosuchfile"), (tmp_path, "isadirectory")):
        r = runner.invoke(app, ["replay", str(path), "-p", str(DEFAULT_POLICY_PATH), "-d", f"sqlite:///{tmp_path}/w"])
        assert r.exit_code == 2 and named in said(r.output), r.output
    assert not (tmp_path / "w").exists()  # nothing written, not even a database


def test_publish_refuses_a_file_with_a_bad_event_before_publishing_anything(tmp_path: Path) -> None:
    """Checked before the stream is reached (no NATS server is needed to be refused)."""
    f = tmp_path / "events.jsonl"
    f.write_text(json.dumps(login("x1")) + "\n" + json.dumps(login("x2") | {"occurred_at": 5}) + "\n")
    r = runner.invoke(app, ["publish", str(f), "--nats", "nats://127.0.0.1:1"], terminal_width=400)
    assert r.exit_code == 2 and "events.jsonl:2:occurred_at:expectedadate" in said(r.output), r.output
    assert "nothingwaspublished" in said(r.output)


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"version: [\n", "p.yaml:2:notvalidYAML"),
        (b"a: \xff\n", "p.yaml:notUTF-8text"),
        (b"- 1\n", "p.yaml:1:"),
    ],
)
def test_policy_add_and_check_name_the_file_of_a_bad_policy_and_store_nothing(
    tmp_path: Path, content: bytes, named: str
) -> None:
    p = tmp_path / "p.yaml"
    p.write_bytes(content)
    db = tmp_path / "w.db"
    for args in (["policy", "check", str(p)], ["policy", "add", str(p), "-d", f"sqlite:///{db}"]):
        r = runner.invoke(app, args, terminal_width=400)
        assert r.exit_code == 2 and named in said(r.output), r.output
    assert not db.exists()
    r = runner.invoke(app, ["policy", "add", str(tmp_path), "-d", f"sqlite:///{db}"], terminal_width=400)
    assert r.exit_code == 2 and "isadirectory" in said(r.output), r.output
