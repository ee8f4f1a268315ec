"""The fourth fresh screening corpus, third writer (fresh4c): written on 2026-11-30 by a helper session that never
saw the engine, read nothing under `warden/screening/` but the shipped term list, the third corpus's WRITING.md and
loader (and `warden.screening.eval.heldout`'s parsers, for the file formats), and never ran the screen on it
(``WRITING.md`` here says how it was written and checked). Every line was composed by hand, in batches; no
template, generator or loop produced any text.

About a thousand honest work messages leaning to small businesses (restaurants, salons, gyms, tutoring centres,
property management, farming co-operatives, car dealers and repair shops, clinics, kindergartens, local delivery,
plus office work) in ``clean.txt`` (the held-out format of `warden.screening.eval.heldout`: ``[domain situation]``
sections, ``?`` for a message honest only in its conversation), and disguised spam in ``spam.tsv`` (technique,
expected, text; at least 16 rows for each of the 21 techniques of the third corpus). The engine's developers never
read it; it is to be scored with the engine of the round it arrives in, whole, once. A round that tunes on it must
say so and write another.

`expected` names a term of `terms.tsv` or a detector category, mapped to the engine's names as in
`warden.screening.eval.fresh` (whose `caught` scores it: a contact detail caught as contact diversion counts).
"""

from __future__ import annotations

from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow
from warden.screening.eval.fresh import clean_of, spam_of

__all__ = ["load_fresh4c_clean", "load_fresh4c_spam"]


def load_fresh4c_clean() -> list[CleanMessage]:
    return clean_of(__name__)


def load_fresh4c_spam() -> list[DisguisedRow]:
    """The spam rows, their `expected` in the engine's category names."""
    return spam_of(__name__)
