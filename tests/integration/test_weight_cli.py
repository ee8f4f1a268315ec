"""`warden weight show` and `warden weight recompute` on a real database (issue 4)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.conftest import World
from warden.entrypoints.cli.main import app


def test_weight_show_explains_and_recompute_rebuilds_with_the_same_numbers(world: World, db_url: str) -> None:
    world.send(
        world.event("login", device_id="p", client_version="4.1.30", via_linked_personal=True),
        world.event("feature_use", feature="attendance"),
    )
    runner = CliRunner()
    shown = runner.invoke(app, ["weight", "show", "acc-1", "--lang", "en", "--json", "-d", db_url])
    assert shown.exit_code == 0, shown.output
    before = json.loads(shown.output)
    assert before["account_id"] == "acc-1" and before["factors"][4]["code"] == "linked_login"
    table = runner.invoke(app, ["weight", "show", "ent-1", "--enterprise", "-d", db_url])
    assert table.exit_code == 0 and "企业实名认证" in table.output
    redone = runner.invoke(app, ["weight", "recompute", "-d", db_url])
    assert redone.exit_code == 0 and "recomputed 1 accounts" in redone.output
    after = json.loads(runner.invoke(app, ["weight", "show", "acc-1", "--lang", "en", "--json", "-d", db_url]).output)
    assert after["score"] == before["score"] and after["factors"] == before["factors"]
    missing = runner.invoke(app, ["weight", "show", "nobody", "-d", db_url])
    assert missing.exit_code == 1 and "nobody" in missing.output
