"""The fresh screening corpus (issue 13): written on 2026-11-30 by someone who never saw the engine, read nothing
under `warden/screening/` but the shipped term list, and never ran the screen on it.

1,667 honest work messages (``*-clean.txt``, the held-out format of `warden.screening.eval.heldout`: ``[domain
situation]`` sections, ``?`` for a message honest only in its conversation) and 460 disguised spam messages
(``*-spam.tsv``: technique, expected, text), split into two halves by a hash of each line (SHA-256 mod 2). The kinds
of fault the **dev** half exposed were described to the engine's developers (never its texts); the **test** half
was read by no one while the engine changed, so its figures are the honest ones. Changes to the engine go by kind,
never by these texts; a later round that tunes on the test half must say so and write a new one.

`expected` names a term of `terms.tsv` or a detector category; the writer's short names are mapped to the
engine's (``@phone`` → ``@phone_number`` …), and a contact detail caught as contact diversion (加我 + an id) counts as
caught (`caught`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from importlib import resources
from typing import Literal

from warden.screening.base import Hit
from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow
from warden.screening.eval.heldout import parse_clean, parse_spam

__all__ = ["Half", "caught", "clean_of", "engine_names", "load_fresh_clean", "load_fresh_spam", "spam_of"]

Half = Literal["dev", "test"]

_CATEGORIES = {
    "@phone": "@phone_number",
    "@qq": "@qq_id",
    "@id_number": "@id_card_number",
    "@bank_card": "@bank_card_number",
}
_CONTACTS = {"@phone_number", "@qq_id", "@wechat_id"}


def _read(name: str) -> str:
    return resources.files("warden.screening.eval.fresh").joinpath(name).read_text(encoding="utf-8")


def load_fresh_clean(half: Half = "test") -> list[CleanMessage]:
    return parse_clean(_read(f"{half}-clean.txt"))


def load_fresh_spam(half: Half = "test") -> list[DisguisedRow]:
    """The spam rows of `half`, their `expected` in the engine's category names."""
    return engine_names(parse_spam(_read(f"{half}-spam.tsv")))


def engine_names(rows: Sequence[DisguisedRow]) -> list[DisguisedRow]:
    """`rows` with the writers' short category names in `expected` mapped to the engine's (``@phone`` →
    ``@phone_number`` …); terms are kept as they are."""
    return [dataclasses.replace(r, expected=_CATEGORIES.get(r.expected, r.expected)) for r in rows]


def clean_of(package: str) -> list[CleanMessage]:
    """The honest messages of a written-blind corpus package (its ``clean.txt``, the held-out format)."""
    return parse_clean(resources.files(package).joinpath("clean.txt").read_text(encoding="utf-8"))


def spam_of(package: str) -> list[DisguisedRow]:
    """The disguised rows of a written-blind corpus package (its ``spam.tsv``), `expected` in the engine's names."""
    return engine_names(parse_spam(resources.files(package).joinpath("spam.tsv").read_text(encoding="utf-8")))


def caught(row: DisguisedRow, hits: Sequence[Hit]) -> bool:
    """`warden.screening.eval.caught`, and a phone number, QQ or WeChat id caught as contact diversion."""
    from warden.screening.eval import caught as found

    return found(row, hits) or (row.expected in _CONTACTS and any(h.category == "contact_diversion" for h in hits))
