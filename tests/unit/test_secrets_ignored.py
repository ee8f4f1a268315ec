"""The secrets a SQLite installation writes beside its database (the audit signing key, its anchors, the one-time
codes' secret) are ignored by git in a checkout, so `make demo` followed by `git add -A` commits none of them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from warden.adapters.audit_keys import default_key_path
from warden.adapters.secret_file import default_code_secret_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_the_demo_databases_secrets_beside_it_are_ignored_by_git() -> None:
    key = default_key_path("sqlite:///warden-demo.db")
    written = [key.name, f"{key.name}.anchors/head.json", default_code_secret_path(key).name]
    done = subprocess.run(["git", "check-ignore", "--no-index", *written], cwd=ROOT, capture_output=True, text=True)
    assert sorted(done.stdout.split()) == sorted(written)
