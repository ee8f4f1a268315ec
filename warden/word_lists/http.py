"""Word lists (S-A6): the platform's and each enterprise's, and screening a text to see what matches.
Authenticate and translate only: the service checks who may keep or read which list (`word_lists/access.py`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from warden.app import App
from warden.enforcement.policy import Circumstances
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep
from warden.kernel.durations import Duration
from warden.kernel.errors import Conflict
from warden.kernel.events import ID_PATTERN
from warden.kernel.inputs import Count32
from warden.word_lists import service
from warden.word_lists.service import WordLists
from warden.word_lists.views import ScreeningOut, WordListChangedOut, WordListOut

router = APIRouter(prefix="/v1", tags=["screening"])
ScopePath = Annotated[
    str, Path(min_length=1, max_length=128, pattern=ID_PATTERN, description='"platform" or an enterprise id')
]


class WordListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    terms: list[list[str]] = Field(default=[], description="[term, category, severity] triples", max_length=50_000)
    allow: list[str] = Field(
        default=[], description="Allow-list entries that win over overlapping hits", max_length=50_000
    )
    version: Count32 | None = Field(None, description="The version you edited; 409 if the list moved on")


class SituationIn(BaseModel):
    """The situation to judge the text in (S-A6 contexts, issue 13); by default a greeting to a stranger."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["greeting", "message"] = "greeting"
    to_external: bool = Field(True, description="A message to an external contact (a greeting always goes outside)")
    contact_age: Duration | None = Field(
        None, description="The recipient is an external contact of this age (24h, 7d or seconds); none: no contact"
    )
    initiated_by: Literal["self", "contact"] = Field(
        "self", description="Who added whom: self (the sender asked, the contact accepted) or contact"
    )

    def circumstances(self) -> Circumstances:
        if self.kind == "greeting":
            return Circumstances("greeting", "external")
        if not self.to_external:
            return Circumstances("message", "internal")
        if self.contact_age is None:
            return Circumstances("message", "external")
        return Circumstances("message", "external", self.contact_age, self.initiated_by)


class ScreeningIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": "您好，加我领红包"}]})
    text: str = Field(max_length=10_000)
    enterprise_id: str | None = Field(None, max_length=128, description="Screen with this enterprise's lists too")
    situation: SituationIn = SituationIn()


def _lists(warden: App) -> WordLists:
    if warden.word_lists is None:
        raise Conflict("word lists need the evasion-resistant engine (policy rules.sensitive_words.engine: evasion)")
    return warden.word_lists


@router.get("/word-lists/{scope}", response_model=WordListOut, response_model_exclude_unset=True)
def get_word_list(warden: WardenDep, principal: PrincipalDep, scope: ScopePath) -> WordListOut:
    """A scope's own terms and allow-list (on top of the shipped dictionaries and the policy's words)."""
    return _lists(warden).get(principal, scope)


@router.put("/word-lists/{scope}", response_model=WordListChangedOut)
def put_word_list(
    warden: WardenDep, principal: PrincipalDep, lang: LangDep, scope: ScopePath, body: WordListIn
) -> WordListChangedOut:
    """Replace a scope's lists. Takes effect at once, in every process, and is audited with what changed. A term or
    allow-list entry that folds to nothing (only spaces, punctuation, emoji, invisible characters) or to one
    character is refused (422 naming it)."""
    return _lists(warden).put(principal, scope, body.terms, body.allow, body.version, lang)


@router.post("/screenings", response_model=ScreeningOut, response_model_exclude_none=True)
def screen_text(warden: WardenDep, principal: PrincipalDep, body: ScreeningIn) -> ScreeningOut:
    """What S-A6 would make of a text in a situation, with offsets into the text as sent (for highlighting).
    Members see only whether it would be blocked; platform roles see the folded text, each hit's technique and
    the policy context that changed the outcome."""
    return service.screen_text(
        principal,
        warden.uow,
        warden.rules.screener,
        warden.rules.policy.rules.sensitive_words,
        body.text,
        body.enterprise_id,
        body.situation.circumstances(),
    )
