"""Part c of the fifth fresh screening corpus: written on 2026-11-30 (22:14–23:00 UTC) by a helper session that
never saw the engine, read nothing under `warden/screening/` but the shipped term list, the third corpus's
WRITING.md and loader, `parse_clean` / `parse_spam` of `warden.screening.eval.heldout` and `clean_of` / `spam_of`
of `warden.screening.eval.fresh`, and never ran the screen on it (``WRITING.md`` here says how it was written and
checked). It is blind: the engine's developers never read it.

Persona: a cross-border e-commerce seller and former factory sales manager from Guangdong. The spam is in the voice
of the grey suppliers and competitors such a seller meets (站外 WeChat/QQ/Telegram/WhatsApp, 好评返现, 原单 goods,
VPN sellers, 代开发票, 灰清/包税 couriers); the honest side leans to logistics, freight forwarding, customs brokers,
Guangdong and Zhejiang factories, construction, energy, pharmaceuticals, agriculture and state-owned enterprises.

1,049 honest work messages (``clean.txt``, the held-out format: ``[domain situation]`` sections, ``?`` for a
message honest only in its conversation; 76 greeting, 721 internal, 252 external, 31 ``?``) and 420 disguised spam
messages (``spam.tsv``: technique, expected, text; 18 to 24 for each of the 21 techniques of the third corpus). To
be scored whole, once, with the engine of the round it arrives in; a round that tunes on it must say so.

`expected` names a term of `terms.tsv` or a detector category, mapped to the engine's names as in
`warden.screening.eval.fresh`.
"""

from __future__ import annotations

from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow
from warden.screening.eval.fresh import clean_of, spam_of

__all__ = ["load_fresh5c_clean", "load_fresh5c_spam"]


def load_fresh5c_clean() -> list[CleanMessage]:
    return clean_of(__name__)


def load_fresh5c_spam() -> list[DisguisedRow]:
    """The spam rows, their `expected` in the engine's category names."""
    return spam_of(__name__)
