"""What callers see of word lists and screenings: pydantic view models that double as response models. Pure."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class WordListOut(BaseModel):
    """A scope's own lists (on top of the shipped dictionaries and the policy's words)."""

    scope: str
    terms: list[list[str]] = Field(description="[term, category, severity] triples")
    allow: list[str]
    version: int = Field(description="0 while the scope has no list of its own")
    updated_at: datetime | None = Field(None, description="Absent while the scope has no list of its own")
    updated_by: str | None = Field(None, description="Absent while the scope has no list of its own")


class ListChangeOut(BaseModel):
    version: int
    terms_added: list[str]
    terms_removed: list[str]
    allow_added: list[str]
    allow_removed: list[str]


class WordListChangedOut(WordListOut):
    change: ListChangeOut


class HitOut(BaseModel):
    """One match; offsets are code points into the text as sent (for highlighting)."""

    term: str
    category: str
    severity: str
    channel: str
    start: int
    end: int
    matched: str


class ScreeningOut(BaseModel):
    text: str
    hits: list[HitOut]
