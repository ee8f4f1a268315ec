"""The fresh5b screening corpus (part b of the fifth blind corpus): written on 2026-11-30, between about 22:14 and
22:25 UTC, by a helper session that never saw the engine. It read nothing under `warden/screening/` but the shipped
term list, the third corpus's WRITING.md and loader, the held-out `parse_clean` / `parse_spam` and the fresh
package's `clean_of` / `spam_of`, and it never ran the screen on this text (``WRITING.md`` here says how it was
written and checked).

The writer's persona: a university counsellor who collects the messages that reach students and young employees
(part-time and 刷单 recruiting, exam cheating and fake certificates, game-currency and account trading, typing jobs,
campus loans, fan-group merchandise scams). The spam is in those senders' slangy voice; the honest side leans to
universities and schools, research labs, publishing and media, NGOs, event organisers, internet companies and game
studios.

1,026 honest work messages (``clean.txt``, the held-out format of `warden.screening.eval.heldout`: ``[domain
situation]`` sections, ``?`` for a message honest only in its conversation; 72 greeting, 710 internal, 244 external,
30 ``?`` lines) and 368 disguised spam messages (``spam.tsv``: technique, expected, text; 17 to 20 for each of the
21 techniques of the third corpus). The engine's developers never read it; it is to be scored whole, once, with the
engine of the round it arrives in. A round that tunes on it must say so and write another.

`expected` names a term of `terms.tsv` or a detector category (``@phone`` …), mapped to the engine's names by
`warden.screening.eval.fresh.spam_of`.
"""

from __future__ import annotations

from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow
from warden.screening.eval.fresh import clean_of, spam_of

__all__ = ["load_fresh5b_clean", "load_fresh5b_spam"]


def load_fresh5b_clean() -> list[CleanMessage]:
    """The 1,026 honest messages of ``clean.txt``, domain ``domain/situation``."""
    return clean_of(__name__)


def load_fresh5b_spam() -> list[DisguisedRow]:
    """The 368 spam rows of ``spam.tsv``, their `expected` in the engine's category names."""
    return spam_of(__name__)
