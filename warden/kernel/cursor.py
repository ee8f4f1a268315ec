"""Opaque page cursors: the sort key of a page's last item, handed back by the caller to get the next page.

Two shapes: a *position* (an instant and an id, for lists ordered by time then id) and a *sequence number*
(for the audit trail). Decoding checks every part, so a cursor this API did not give out is an `InvalidInput`
naming `cursor`, never a server error further down (an instant that overflows, an integer a column cannot hold).
"""

from __future__ import annotations

import base64
from datetime import datetime

from warden.kernel.errors import InvalidInput
from warden.kernel.events import FieldError
from warden.kernel.inputs import INT64_MAX, control_in, representable

_SEP = "\x1f"
MAX_ID = 256


def _invalid() -> InvalidInput:
    return InvalidInput("the cursor is not one this API gave out", [FieldError(field="cursor", message="invalid")])


def encode_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode(_SEP.join(parts).encode()).decode()


def decode_cursor(cursor: str | None, n: int) -> list[str] | None:
    """The `n` parts of a cursor this API gave out; None for no cursor; InvalidInput for anything else."""
    if not cursor:
        return None
    try:
        parts = base64.urlsafe_b64decode(cursor.encode()).decode().split(_SEP)
    except Exception:  # any garbage is the caller's mistake
        parts = []
    if len(parts) != n or any(control_in(p) for p in parts):
        raise _invalid()
    return parts


def encode_position(at: datetime, id_: str) -> str:
    """The cursor after the item at (`at`, `id_`)."""
    return encode_cursor(at.isoformat(), id_)


def decode_position(cursor: str | None) -> tuple[datetime, str] | None:
    """(instant, id) of a position cursor; None for no cursor; InvalidInput unless it is one `encode_position`
    gave: an aware instant within the bounded years, and an id of 1 to `MAX_ID` characters."""
    parts = decode_cursor(cursor, 2)
    if parts is None:
        return None
    at = _instant(parts[0])
    if not 0 < len(parts[1]) <= MAX_ID:
        raise _invalid()
    return at, parts[1]


def encode_entry(at: datetime, chain: int, seq: int) -> str:
    """The cursor after the audit entry (`at`, `chain`, `seq`) (issue 17: entries of every chain, newest first)."""
    return encode_cursor(at.isoformat(), str(chain), str(seq))


def decode_entry(cursor: str | None) -> tuple[datetime, int, int] | None:
    """(at, chain, seq) of an audit cursor; None for no cursor; InvalidInput unless it is one `encode_entry` gave:
    an aware instant within the bounded years, a chain and a seq that are non-negative BIGINTs."""
    parts = decode_cursor(cursor, 3)
    if parts is None:
        return None
    return _instant(parts[0]), _count64(parts[1]), _count64(parts[2])


def decode_seq(cursor: str | None) -> int | None:
    """A sequence-number cursor (decimal digits, a BIGINT); None for no cursor; InvalidInput for anything else."""
    return _count64(cursor) if cursor else None


def _instant(text: str) -> datetime:
    """An aware instant within the bounded years written by `isoformat`, else InvalidInput."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise _invalid() from None
    if at.tzinfo is None or not representable(at):
        raise _invalid()
    return at


def _count64(text: str) -> int:
    """Decimal digits a non-negative BIGINT holds, as that number, else InvalidInput."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > INT64_MAX:
        raise _invalid()
    return int(text)
