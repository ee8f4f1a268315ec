"""Compatibility re-exports for the merge of issue 11: the restriction routes live in `warden.enforcement.http`, the
models in `warden.enforcement.views`, and a restriction is rendered by `EnforcementService.restriction_view`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warden.app import App
from warden.enforcement.texts import Lang
from warden.enforcement.views import RestrictionOut
from warden.kernel.model import Restriction, Strike

__all__ = ["RestrictionOut", "restriction_out"]


def restriction_out(
    w: App, r: Restriction, strike: Strike | None, now: datetime, lang: Lang, full: bool = False
) -> dict[str, Any]:
    """`w.enforcement.restriction_view(...)` as a dict (what the appeals routes validate into `RestrictionOut`)."""
    return w.enforcement.restriction_view(r, strike, now, lang, full).model_dump()
