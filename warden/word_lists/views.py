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
    """One match; offsets are code points into the text as sent (for highlighting). How it matched (`channel`,
    `techniques`) is shown to platform roles only."""

    term: str
    category: str
    severity: str
    channel: str | None = Field(
        None, description="How it matched: exact, folded, pinyin, mixed, split, initials, homophone, emoji, detector"
    )
    start: int
    end: int
    matched: str
    techniques: list[str] | None = Field(
        None, description="The disguises seen through: the channel and what the fold undid (platform roles only)"
    )
    effect: str | None = Field(
        None, description="What the hit does here: blocks, warns, passed (the situation allows it) or ignored"
    )
    named: dict[str, str] | None = Field(
        None,
        description="Why a listed word counts as named, not offered (zh and en; platform roles only): the message shows"
        " no disguise, lure or contact detail and the word's sentence names it (issue 13, round 8)",
    )


class ContextOut(BaseModel):
    """The policy's context entry that applied (`sensitive_words.contexts`)."""

    name: str
    note: str
    verdict: str = Field(description="What a blocking hit does here: deny, warn or pass")
    pass_categories: list[str]


class SituationOut(BaseModel):
    """The situation the text was judged in."""

    kind: str
    audience: str
    contact_age_seconds: int | None = None
    initiated_by: str | None = None


class ScreeningOut(BaseModel):
    """What S-A6 would make of a text. A member sees `blocked` only (the screen is no oracle for which disguise
    is recognised); an enterprise role also sees the outcome and the hits; platform roles see the folded text, the
    technique of each hit and the context that changed the outcome."""

    text: str
    blocked: bool = Field(description="Whether the text would be refused (a greeting, or a message the policy denies)")
    outcome: str | None = Field(None, description="blocked, warned or allowed")
    folded: str | None = Field(None, description="The text as the matcher reads it (platform roles only)")
    situation: SituationOut | None = None
    context: ContextOut | None = Field(None, description="The context entry that applied (platform roles only)")
    hits: list[HitOut] | None = None
