"""Helpers the screening tests share."""

from __future__ import annotations

from warden.screening import Hit


def shown(hits: list[Hit] | tuple[Hit, ...]) -> list[Hit]:
    """The hits that show intent (a plain ordinary word alone is the policy's to judge, `Hit.intent`)."""
    return [h for h in hits if h.intent]
