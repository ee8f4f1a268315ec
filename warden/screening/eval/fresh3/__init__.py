"""The third fresh screening corpus: written on 2026-11-30 by someone who never saw the engine, read nothing under
`warden/screening/` but the shipped term list and the second corpus's WRITING.md and loader, and never ran the
screen on it (``WRITING.md`` here says how it was written and checked).

2,037 honest work messages (``clean.txt``, the held-out format of `warden.screening.eval.heldout`: ``[domain
situation]`` sections, ``?`` for a message honest only in its conversation) and 653 disguised spam messages
(``spam.tsv``: technique, expected, text; 31 or more for each of the 21 techniques of the second corpus). The
engine's developers never read it; it is to be scored with the engine of the round it arrives in, whole, once. Its
figures are the honest ones; a round that tunes on it must say so and write another.

`expected` names a term of `terms.tsv` or a detector category, mapped to the engine's names as in
`warden.screening.eval.fresh` (whose `caught` scores it: a contact detail caught as contact diversion counts).
"""

from __future__ import annotations

from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow
from warden.screening.eval.fresh import clean_of, spam_of

__all__ = ["load_fresh3_clean", "load_fresh3_spam"]


def load_fresh3_clean() -> list[CleanMessage]:
    return clean_of(__name__)


def load_fresh3_spam() -> list[DisguisedRow]:
    """The spam rows, their `expected` in the engine's category names."""
    return spam_of(__name__)
