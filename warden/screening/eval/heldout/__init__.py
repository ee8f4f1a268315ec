"""The held-out screening set (issue 13): text the engine is not tuned on.

`warden.screening.eval`'s own set is generated (templates for the clean messages, one generator for the
disguises) and the engine was tuned on it. This set is written by hand, separately: ``clean.txt`` holds about a
thousand business messages in the styles of different writers (HR notices, finance, logistics, IT, legal and
compliance warnings that name forbidden things, customer service, casual chat, mixed English …), ``spam.tsv``
disguised spam written by hand, not by `warden.screening.eval.disguised`. Changes to the engine go by kind (word
lists, allow-list, warning cues, the policy's contexts), never by adding these texts; `warden bench screen` reports
this set beside the tuning set, so over-fitting to the tuning set shows.
"""

from __future__ import annotations

import re
from importlib import resources

from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow

__all__ = ["load_heldout_clean", "load_heldout_spam", "parse_clean", "parse_spam"]

_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_SECTION = re.compile(r"\[(\w+) (greeting|internal|external)\]")


def _read(name: str) -> str:
    return resources.files("warden.screening.eval.heldout").joinpath(name).read_text(encoding="utf-8")


def parse_clean(text: str) -> list[CleanMessage]:
    """Messages of ``clean.txt``: ``[domain situation]`` starts a section, ``?`` marks a message honest only in
    its conversation (`CleanMessage.needs_context`), ``#`` a comment. The domain is ``domain/situation``."""
    rows: list[CleanMessage] = []
    domain = "unknown"
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        section = _SECTION.fullmatch(line)
        if section:
            domain = f"{section[1]}/{section[2]}"
        elif line.startswith("?"):
            rows.append(CleanMessage(domain, line[1:], needs_context=True))
        else:
            rows.append(CleanMessage(domain, line))
    return rows


def parse_spam(text: str) -> list[DisguisedRow]:
    """Rows of ``spam.tsv`` (technique, expected, text; ``\\uXXXX`` escapes decoded)."""
    rows = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            technique, expected, body = line.split("\t", 2)
            rows.append(DisguisedRow(technique, expected, _ESCAPE.sub(lambda m: chr(int(m[1], 16)), body)))
    return rows


def load_heldout_clean() -> list[CleanMessage]:
    return parse_clean(_read("clean.txt"))


def load_heldout_spam() -> list[DisguisedRow]:
    return parse_spam(_read("spam.tsv"))
