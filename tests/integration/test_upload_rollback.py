"""An upload whose transaction rolls back leaves no file behind (issue 12, item 9), on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import World
from tests.integration.test_appeals_desk import ADMIN, ban_enterprise, make_desk
from warden.app import App
from warden.appeals import store
from warden.appeals.uploads import tiny_pdf, tiny_png
from warden.kernel.errors import Conflict


def files(root: Path) -> set[str]:
    return {p.name for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")}


def test_an_upload_whose_transaction_rolls_back_leaves_no_file_behind(
    world: World, warden: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "documents"
    desk, _ = make_desk(warden, root)
    appeal, _ = desk.open(ADMIN, ban_enterprise(world), "请复核")
    kept = tiny_png(1)
    desk.upload(ADMIN, appeal.id, "business_licence", kept, "licence.png")
    assert len(files(root)) == 1

    def fail(*_: Any, **__: Any) -> None:
        raise RuntimeError("the database went away mid-transaction")

    with monkeypatch.context() as m:
        m.setattr(store, "insert_document", fail)
        with pytest.raises(RuntimeError):
            desk.upload(ADMIN, appeal.id, "legal_rep_id", tiny_png(2), "id.png")  # new bytes: removed again
        with pytest.raises(RuntimeError):
            desk.upload(ADMIN, appeal.id, "legal_rep_id", kept, "same.png")  # bytes stored before: kept
    assert len(files(root)) == 1
    assert desk.download(ADMIN, appeal.id, "business_licence")[1] == kept

    desk.withdraw(ADMIN, appeal.id)
    with pytest.raises(Conflict):  # refused inside the transaction: rolled back, so no file either
        desk.upload(ADMIN, appeal.id, "authorisation_letter", tiny_pdf("late"), "late.pdf")
    assert len(files(root)) == 1
