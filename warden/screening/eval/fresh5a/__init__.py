"""Part a of the fifth fresh screening corpus (fresh5a): written on 2026-11-30 between about 22:14 and 22:40 UTC (the
machine's clock) by a helper session that never saw the engine, read nothing under `warden/screening/` but the shipped
term list, the third corpus's WRITING.md and loader and the held-out parsers, and never ran the screen on it
(``WRITING.md`` here says how it was written and checked). It is blind.

Persona: an anti-fraud analyst at a Chinese retail bank who has read years of the scam scripts sent to customers and
staff (fake bank and customer-service notices, loan and credit-limit lures, refund scams, gambling and lottery
invitations, "investment teachers", money-mule recruiting). The spam is in those scammers' voice; the honest side
leans to banking, insurance, securities, fintech operations, compliance, internal audit, IT operations, call centres
and branch staff.

1,013 honest work messages (``clean.txt``, the held-out format of `warden.screening.eval.heldout`: ``[domain
situation]`` sections, ``?`` for a message honest only in its conversation; 75 greeting, 738 internal, 200 external,
23 ``?``) and 494 disguised spam messages (``spam.tsv``: technique, expected, text; 22 to 27 for each of the 21
techniques of the third corpus; every one of the 129 terms of ``terms.tsv`` and all 7 detector categories used). The
engine's developers never read it; it is to be scored with the engine of the round it arrives in, whole, once.

`expected` names a term of `terms.tsv` or a detector category, mapped to the engine's names as in
`warden.screening.eval.fresh` (whose `caught` scores it: a contact detail caught as contact diversion counts).
"""

from __future__ import annotations

from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow
from warden.screening.eval.fresh import clean_of, spam_of

__all__ = ["load_fresh5a_clean", "load_fresh5a_spam"]


def load_fresh5a_clean() -> list[CleanMessage]:
    return clean_of(__name__)


def load_fresh5a_spam() -> list[DisguisedRow]:
    """The spam rows, their `expected` in the engine's category names."""
    return spam_of(__name__)
