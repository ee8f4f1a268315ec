"""What a person may send as a word list (S-A6): terms as [term, category, severity] triples and allow-list
entries; `validate_lists` names every problem by its place. Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from warden.kernel.errors import InvalidInput
from warden.kernel.events import FieldError
from warden.screening.base import SEVERITIES

PLATFORM = "platform"
"""The platform's scope (the same as `warden.screening.registry.PLATFORM`, which this pure file may not import)."""
MAX_TERMS = 50_000
_CATEGORY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def validate_lists(terms: Sequence[Any], allow: Sequence[Any]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Check what a person sent; every problem names its place (`terms[3].severity`)."""
    errors: list[FieldError] = []
    out_terms: list[tuple[str, str, str]] = []
    if len(terms) > MAX_TERMS:
        errors.append(FieldError(field="terms", message=f"at most {MAX_TERMS} terms per list"))
    for i, item in enumerate(terms):
        if not (isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 3):
            errors.append(FieldError(field=f"terms[{i}]", message="give [term, category, severity]"))
            continue
        term, category, severity = (str(x).strip() for x in item)
        if not 1 <= len(term) <= 32:
            errors.append(FieldError(field=f"terms[{i}].term", message="a term has 1 to 32 characters"))
        if not _CATEGORY.match(category):
            errors.append(FieldError(field=f"terms[{i}].category", message="lower-case letters, digits and _"))
        if severity not in SEVERITIES:
            errors.append(FieldError(field=f"terms[{i}].severity", message=f"one of {', '.join(SEVERITIES)}"))
        out_terms.append((term, category, severity))
    out_allow = []
    for i, a in enumerate(allow):
        if not isinstance(a, str) or not 1 <= len(a.strip()) <= 64:
            errors.append(FieldError(field=f"allow[{i}]", message="an allow-list entry has 1 to 64 characters"))
        else:
            out_allow.append(a.strip())
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) in the word list; nothing changed", errors)
    return list(dict.fromkeys(out_terms)), list(dict.fromkeys(out_allow))
