"""The domain types of the policy's life. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Stage(StrEnum):
    LIVE = "live"  # decides for everyone (outside a staged candidate's share)
    SHADOW = "shadow"  # evaluated on every live event after the live decision, with no effect
    STAGED = "staged"  # decides for `share` % of enterprises, chosen by a stable hash of the enterprise id


class Label(StrEnum):
    """What people who looked at a strike concluded (reviewers' outcomes and appeal results)."""

    UPHELD = "upheld"  # the strike was right
    REDUCED = "reduced"  # right, but the penalty was too harsh
    OVERTURNED = "overturned"  # wrong: taken back on appeal or by a reviewer
    VOIDED = "voided"  # wrong: voided (the evidence did not hold)


CORRECT = frozenset({Label.UPHELD, Label.REDUCED})
"""Labels that count as a correct strike when estimating precision (a reduced penalty was still deserved)."""


@dataclass(frozen=True)
class Version:
    """A stored policy: `id` (1, 2, … in the order written), the text's SHA-256 `hash`, the file's own `label`
    (`version:`), who wrote it (`author`, a person; "system" for the file read at start), `comment`, when."""

    id: int
    hash: str
    label: str
    author: str
    comment: str
    created_at: datetime
    parent_id: int | None = None


@dataclass(frozen=True)
class Stages:
    """Which version is where: `live_id`, `shadow_id`, `staged_id` for `staged_share` % of enterprises;
    `generation` grows by one at each change (what every process compares to know it must reload)."""

    generation: int
    live_id: int
    shadow_id: int | None
    staged_id: int | None
    staged_share: int
    file_hash: str | None
    changed_at: datetime
    changed_by: str
    reason: str


@dataclass(frozen=True)
class ShadowRow:
    """One event as live decided it and as a shadow version would have: the rules whose strike restricted."""

    event_id: str
    account_id: str
    enterprise_id: str
    occurred_at: datetime
    live_allowed: bool | None
    shadow_allowed: bool | None
    live_rules: tuple[str, ...]
    shadow_rules: tuple[str, ...]


@dataclass(frozen=True)
class LabelledStrike:
    """A strike with what reviewers concluded about it (`label` None: nobody looked), whether it was appealed,
    and the policy hash it was made under."""

    id: str
    rule_id: str
    policy_hash: str
    account_id: str
    event_id: str | None
    appealed: bool
    label: Label | None
