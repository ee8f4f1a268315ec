"""Weight (S-B) answers as pydantic models: the HTTP routes' response models (the OpenAPI schema of every
answer). Scores and points are 0–100; dates ISO 8601; `lang` is zh or en."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class FactorView(BaseModel):
    """One factor: its points (between `min` and `max`), the values behind them, and advice when held down."""

    code: str
    title: str
    points: float
    max: float
    min: float
    detail: dict[str, Any]
    advice: str | None


class AdviceView(BaseModel):
    """How to raise the weight: `gain` points at most, by doing `text`. Biggest gain first."""

    code: str
    gain: float
    text: str


class HistoryPoint(BaseModel):
    date: str
    score: float


class AccountRulesUse(BaseModel):
    """What the rules read from this weight: the S-A1 phone-search limit is multiplied by this factor."""

    phone_search_limit_factor: float


class AccountWeight(BaseModel):
    """An account's weight now, factor by factor, with advice and history."""

    subject_type: str
    account_id: str
    enterprise_id: str
    score: float
    max: float
    factors: list[FactorView]
    advice: list[AdviceView]
    used_by_rules: AccountRulesUse
    history: list[HistoryPoint]
    policy_hash: str
    as_of: str
    lang: str


class EnterpriseRulesUse(BaseModel):
    """Where the enterprise stands against the S-A5 cascade bar (its weight without the members restricted in
    the cascade window)."""

    cascade_below_weight: float
    cascade_weight: float
    cascade_exposed: bool
    cascade_restricted_members: int
    cascade_active_members: int
    cascade_window_days: int


class MemberWeight(BaseModel):
    account_id: str
    score: float
    as_of: str


class RestrictionBrief(BaseModel):
    id: str
    rule: str
    scope: str
    ends_at: str | None


class EnterpriseWeight(BaseModel):
    """An enterprise's weight now: factors, advice, history, the lowest members, its restrictions and the
    S-A5 bar."""

    subject_type: str
    enterprise_id: str
    score: float
    max: float
    factors: list[FactorView]
    advice: list[AdviceView]
    used_by_rules: EnterpriseRulesUse
    lowest_members: list[MemberWeight]
    restrictions: list[RestrictionBrief]
    history: list[HistoryPoint]
    policy_hash: str
    as_of: str
    lang: str
