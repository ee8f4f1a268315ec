"""What a person may send as a word list (S-A6): terms as [term, category, severity] triples and allow-list
entries; `validate_lists` names every problem by its place. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from warden.kernel.errors import InvalidInput
from warden.kernel.events import FieldError
from warden.kernel.i18n import Catalog, Lang
from warden.screening.base import SEVERITIES

PLATFORM = "platform"
"""The platform's scope (the same as `warden.screening.registry.PLATFORM`, which this pure file may not import)."""
MAX_TERMS = 50_000
_CATEGORY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

TEXTS: Catalog[str] = Catalog(
    {
        "too_many": {"zh": "每个词表最多 {max} 个词条", "en": "at most {max} terms per list"},
        "shape": {"zh": "请给出 [词条, 类别, 严重程度]", "en": "give [term, category, severity]"},
        "term_length": {"zh": "词条有 1 到 32 个字符", "en": "a term has 1 to 32 characters"},
        "category": {"zh": "只用小写字母、数字和 _", "en": "lower-case letters, digits and _"},
        "severity": {"zh": "取 {values} 之一", "en": "one of {values}"},
        "allow_length": {"zh": "白名单条目有 1 到 64 个字符", "en": "an allow-list entry has 1 to 64 characters"},
    }
)
"""What is wrong with an entry of a word list, in zh and en (`screening.terms` says why a term matches nothing or
everything)."""


TermCheck = Callable[[str, Lang], str | None]
"""What is wrong with a term or allow-list entry, in a language (None: nothing): `screening.terms.term_message`,
handed in by the service (this file stays pure)."""


def validate_lists(
    terms: Sequence[Any], allow: Sequence[Any], lang: Lang = "en", term_check: TermCheck | None = None
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Check what a person sent; every problem names its place (`terms[3].severity`), in `lang`. With `term_check`,
    a term or allow-list entry that folds to nothing or to one character is refused, naming it."""

    def term_message(term: str, lang: Lang) -> str | None:
        return term_check(term, lang) if term_check is not None else None

    errors: list[FieldError] = []
    out_terms: list[tuple[str, str, str]] = []

    def wrong(field: str, key: str, **params: object) -> None:
        errors.append(FieldError(field=field, message=TEXTS.render(key, lang, **params)))

    if len(terms) > MAX_TERMS:
        wrong("terms", "too_many", max=MAX_TERMS)
    for i, item in enumerate(terms):
        if not (isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 3):
            wrong(f"terms[{i}]", "shape")
            continue
        raw = str(item[0])
        term, category, severity = (str(x).strip() for x in item)
        if (folded := term_message(raw, lang)) is not None:  # nothing but blanks, punctuation, emoji, or one char
            errors.append(FieldError(field=f"terms[{i}].term", message=folded))
        elif not 1 <= len(term) <= 32:
            wrong(f"terms[{i}].term", "term_length")
        if not _CATEGORY.match(category):
            wrong(f"terms[{i}].category", "category")
        if severity not in SEVERITIES:
            wrong(f"terms[{i}].severity", "severity", values=", ".join(SEVERITIES))
        out_terms.append((term, category, severity))
    out_allow = []
    for i, a in enumerate(allow):
        if isinstance(a, str) and (folded := term_message(a, lang)) is not None:
            errors.append(FieldError(field=f"allow[{i}]", message=folded))
        elif not isinstance(a, str) or not 1 <= len(a.strip()) <= 64:
            wrong(f"allow[{i}]", "allow_length")
        else:
            out_allow.append(a.strip())
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) in the word list; nothing changed", errors)
    return list(dict.fromkeys(out_terms)), list(dict.fromkeys(out_allow))
