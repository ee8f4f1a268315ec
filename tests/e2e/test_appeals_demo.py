"""`warden demo` includes an enterprise ban appealed with documents and approved (S-D6, S-C2)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from warden.demo.run import run_demo


def test_S_D6_the_demo_appeals_an_enterprise_ban_with_documents_and_restores_its_members(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARDEN_DOCUMENT_DIR", str(tmp_path / "documents"))
    out = io.StringIO()
    w = run_demo(f"sqlite:///{tmp_path}/demo.db", Console(file=out, width=200))
    text = out.getvalue()
    assert "Appeal granted; the penalty was lifted" in text
    assert "rejects the hand-held ID photo" in text and "resubmits that one document alone" in text
    for member in ("acc-jinxin-he", "acc-jinxin-ma"):
        assert w.enforcement.explain(member)["state"] == "normal"
    assert len(list((tmp_path / "documents").rglob("*"))) > 5  # stored by hash outside the database
    assert w.enforcement.audit_verify().ok
    w.engine.dispose()
