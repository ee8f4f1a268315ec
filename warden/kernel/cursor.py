"""Opaque page cursors: the sort key of a page's last item, handed back by the caller to get the next page."""

from __future__ import annotations

import base64

from warden.kernel.errors import InvalidInput
from warden.kernel.events import FieldError


def encode_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode("\x1f".join(parts).encode()).decode()


def decode_cursor(cursor: str | None, n: int) -> list[str] | None:
    """The `n` parts of a cursor this API gave out; None for no cursor; InvalidInput for anything else."""
    if not cursor:
        return None
    try:
        parts = base64.urlsafe_b64decode(cursor.encode()).decode().split("\x1f")
    except Exception:  # any garbage is the caller's mistake
        parts = []
    if len(parts) != n:
        raise InvalidInput("the cursor is not one this API gave out", [FieldError(field="cursor", message="invalid")])
    return parts
