"""A run of spaces after a contact verb is read one way only by the contact grammar: `_FILL`'s English words (me on
the) each had a `\\s*` of their own, so a verb followed by n spaces and no messenger was tried n**3 ways before the
grammar gave up (加 + 500 spaces + telegram: a minute; a 10,000-character screening: hours)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from warden.screening import contact_grammar

_HANG = """
from warden.screening.contact_grammar import find_phrases
for verb in ("加", "add", "join"):
    find_phrases(verb + " " * 4000 + "x telegram")
    find_phrases(verb + "\\t" * 4000 + "x tg")
print("done")
"""


def test_a_contact_verb_before_thousands_of_spaces_is_read_and_left_at_once() -> None:
    # a hang guard, not a speed figure: fixed, these run in a fraction of a second; before, for days
    done = subprocess.run([sys.executable, "-c", _HANG], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "done"


@pytest.mark.parametrize(
    "text",
    ["add me on telegram", "add  me   on  the   tg", "add us via whatsapp", "join my  telegram"],
)
def test_the_english_fill_words_still_join_a_verb_to_its_messenger(text: str) -> None:
    assert contact_grammar.find_phrases(text)
