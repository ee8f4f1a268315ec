"""The sixth blind screening corpus, part c (fresh6c): written on 2026-12-01 between about 01:33 and 02:00 UTC by a
helper who never saw the engine. It read nothing under `warden/screening/` but the shipped term list, the third
corpus's WRITING.md and loader, the two parsers of `warden.screening.eval.heldout` (`parse_clean`, `parse_spam`) and
the two loaders of `warden.screening.eval.fresh` (`clean_of`, `spam_of`), and never ran the screen on this text
(``WRITING.md`` here says how it was written and checked).

Persona: the HR and site-office manager of a construction and property-management company in Guangdong. 1,031
honest work messages (``clean.txt``, the held-out format: ``[domain situation]`` sections, ``?`` for a message
honest only in its conversation; 42 domains: site, safety, HR, labour dispatch, payroll, social insurance, property,
real estate, rental, transport, catering, hotel, unions, local government, anti-fraud notices, Cantonese, Hokkien and
Taiwan lines, ...) and 443 disguised spam messages (``spam.tsv``: technique, expected, text; 19 to 27 for each of
the 21 techniques) in the voice of the scammers such a company's workers meet: fake job and labour-dispatch offers,
online and "black-household" loans, debt-collection threats, fake certificates and exam proxies, fake invoices,
pyramid schemes and online gambling.

`expected` names a term of `terms.tsv` or a detector category, mapped to the engine's names as in
`warden.screening.eval.fresh`. The engine's developers never read it; it is to be scored with the engine of the round
it arrives in, whole, once.
"""

from __future__ import annotations

from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow
from warden.screening.eval.fresh import clean_of, spam_of

__all__ = ["load_fresh6c_clean", "load_fresh6c_spam"]


def load_fresh6c_clean() -> list[CleanMessage]:
    return clean_of(__name__)


def load_fresh6c_spam() -> list[DisguisedRow]:
    """The spam rows, their `expected` in the engine's category names."""
    return spam_of(__name__)
