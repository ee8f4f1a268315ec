"""The fresh6a part of the sixth blind screening corpus: written on 2026-12-01 between about 01:33 and 01:50 UTC by
a helper who never saw the engine, in the persona of a hospital administrator who also runs the hospital's WeCom
groups (wards, pharmacy, medical-insurance office, patient services, elderly care, labs, nursing rosters).

1,086 honest work messages (``clean.txt``, the held-out format of `warden.screening.eval.heldout`: ``[domain
situation]`` sections, ``?`` for a message honest only in its conversation) and 455 disguised spam messages
(``spam.tsv``: technique, expected, text; 20 to 26 for each of the 21 techniques of the third corpus) in the voice of
the touts and scammers a hospital sees: 医托 and 挂号黄牛, 医保卡套现 and 骗保, fake medicines and supplements, 代孕 and
paid egg-donation ads, fake licences (办证, 代考), loan and refund lures aimed at patients, gambling and adult ads.

Blindness: the writer read only ``terms.tsv``, the third corpus's ``WRITING.md`` and loader, the held-out parsers
(``parse_clean``, ``parse_spam`` and their regexes), `clean_of`/`spam_of` and the blind-corpus format test. The
screen was never run on this text (``WRITING.md`` here says how it was written and checked). It is to be scored
with the engine of the round it arrives in, whole, once; a round that tunes on it must say so.

`expected` names a term of `terms.tsv` or a detector category, mapped to the engine's names as in
`warden.screening.eval.fresh`.
"""

from __future__ import annotations

from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow
from warden.screening.eval.fresh import clean_of, spam_of

__all__ = ["load_fresh6a_clean", "load_fresh6a_spam"]


def load_fresh6a_clean() -> list[CleanMessage]:
    return clean_of(__name__)


def load_fresh6a_spam() -> list[DisguisedRow]:
    """The spam rows, their `expected` in the engine's category names."""
    return spam_of(__name__)
