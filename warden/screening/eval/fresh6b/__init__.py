"""Part b of the sixth fresh screening corpus: written on 2026-12-01 between 01:33 and about 01:46 UTC (the machine's
clock) by a helper session that never saw the engine, read nothing under `warden/screening/` but the shipped term
list, the third corpus's WRITING.md and loader, and the two parse functions and two loader helpers it reuses, and
never ran the screen on it (``WRITING.md`` here says how it was written and checked).

Persona: an operations lead at a live-streaming MCN agency who also moderates game-community groups. 1,074 honest
work messages (``clean.txt``, the held-out format of `warden.screening.eval.heldout`: ``[domain situation]``
sections, ``?`` for a message honest only in its conversation) from MCN, live-room, e-commerce live, advertising,
brand, game-studio, esports, music, film, talent-management and content-review teams; and 430 disguised spam
messages (``spam.tsv``: technique, expected, text; 19 or more for each of the 21 techniques of the third corpus) in
the voice of follower and traffic sellers, account and gift traders, boosting and cheat sellers, adult live-stream
ads, gambling apps, diversion to private channels, fan-fund scams and fake brand deals. The engine's developers
never read it; it is to be scored with the engine of the round it arrives in, whole, once. Its figures are the honest
ones; a round that tunes on it must say so and write another.

`expected` names a term of `terms.tsv` or a detector category, mapped to the engine's names as in
`warden.screening.eval.fresh` (whose `caught` scores it: a contact detail caught as contact diversion counts).
"""

from __future__ import annotations

from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow
from warden.screening.eval.fresh import clean_of, spam_of

__all__ = ["load_fresh6b_clean", "load_fresh6b_spam"]


def load_fresh6b_clean() -> list[CleanMessage]:
    return clean_of(__name__)


def load_fresh6b_spam() -> list[DisguisedRow]:
    """The spam rows, their `expected` in the engine's category names."""
    return spam_of(__name__)
