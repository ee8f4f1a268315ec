"""A server secret kept in a file outside the database, created on first use (issue 12, item 11).

The one-time codes of unblocking are stored as HMAC-SHA256(secret, application id, code) (`unblock/verify.py`):
someone who reads the database alone cannot test the 10^6 possible codes against a stored hash, as they could with
a plain SHA-256. The secret is 32 random bytes, hex-encoded, in `WARDEN_UNBLOCK_CODE_SECRET_FILE`; by default beside
the audit chain's signing key (`warden.db.audit-key.pem` → `warden.db.code-secret`; `audit-key.pem` → `code-secret`).
It is created with mode 0600, atomically (two processes starting at once use the same one).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

__all__ = ["default_code_secret_path", "load_or_create"]


def default_code_secret_path(audit_key: Path) -> Path:
    """Beside the audit signing key: its name with `audit-key.pem` replaced by `code-secret`."""
    name = audit_key.name
    stem = name.removesuffix(".pem").removesuffix("audit-key")
    return audit_key.with_name(f"{stem}code-secret" if stem != name else f"{name}.code-secret")


def load_or_create(path: Path, nbytes: int = 32) -> bytes:
    """The secret stored at `path`, creating it (random, 0600) when absent. `ValueError` if the file holds no
    hex secret of at least 16 bytes."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(nbytes) + "\n")
    text = path.read_text().strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) < 16:
        raise ValueError(f"{path}: not a hex secret of at least 16 bytes (WARDEN_UNBLOCK_CODE_SECRET_FILE)")
    return secret
