"""The second fresh screening corpus (issue 13): written on 2026-11-30 by someone who never saw the engine, read
nothing under `warden/screening/` but the shipped term list and the first corpus's WRITING.md, and never ran the
screen on it (``WRITING.md`` here says how it was written and checked).

1,337 honest work messages (``clean.txt``, the held-out format of `warden.screening.eval.heldout`: ``[domain
situation]`` sections, ``?`` for a message honest only in its conversation) and 462 disguised spam messages
(``spam.tsv``: technique, expected, text). It came after the first fresh corpus's test half had been scored twice
(that half is development data since): the engine's developers never read this one, and it was first scored with
the engine of the round it arrived in, whole, once. Its figures are the honest ones; a round that tunes on it must
say so and write another. Issue 13's round 6 read it per message: it is development data since, and a third corpus
written blind judges that round.

`expected` names a term of `terms.tsv` or a detector category, mapped to the engine's names as in
`warden.screening.eval.fresh` (whose `caught` scores it: a contact detail caught as contact diversion counts).
"""

from __future__ import annotations

from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow
from warden.screening.eval.fresh import clean_of, spam_of

__all__ = ["load_fresh2_clean", "load_fresh2_spam"]


def load_fresh2_clean() -> list[CleanMessage]:
    return clean_of(__name__)


def load_fresh2_spam() -> list[DisguisedRow]:
    """The spam rows, their `expected` in the engine's category names."""
    return spam_of(__name__)
