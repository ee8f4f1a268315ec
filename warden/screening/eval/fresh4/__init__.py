"""The fourth fresh screening corpus: three parts written on 2026-11-30 by three helper sessions at once, each with
its own persona, none of which saw the engine or the others' text (each part's ``WRITING.md`` says what its writer
read and how it was checked):

- `warden.screening.eval.fresh4a`: a moderator of group chats and marketplace listings (gray-industry slang); honest
  side leaning to manufacturing, logistics, retail chains, hospitals, schools, local government, HR and finance;
- `warden.screening.eval.fresh4b`: a researcher of scams aimed at office workers and students (fake notices, refund
  and investment lures, mixed scripts); honest side leaning to sales, service, SaaS, agencies, law, accounting, real
  estate, travel, cross-border trade, Hong Kong and Taiwan;
- `warden.screening.eval.fresh4c`: a small-business owner (crypto "teachers", health products, fake prizes, loan
  brokers); honest side leaning to restaurants, salons, gyms, tutoring, property management, farms, car dealers.

Several writers at once, because two rounds showed that the forms inside each kind of disguise differ per writer
(docs/screening.md, "The third fresh corpus"). The parts are read together, in that order: 3,248 honest messages and
1,218 disguised ones, 52 or more for each of the 21 techniques. It is to be scored once, whole, with the engine of the
round it arrives in (`warden bench screen --fresh fourth`); a round that tunes on it must say so and write another.
"""

from __future__ import annotations

from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow
from warden.screening.eval.fresh4a import load_fresh4a_clean, load_fresh4a_spam
from warden.screening.eval.fresh4b import load_fresh4b_clean, load_fresh4b_spam
from warden.screening.eval.fresh4c import load_fresh4c_clean, load_fresh4c_spam

__all__ = ["load_fresh4_clean", "load_fresh4_spam"]


def load_fresh4_clean() -> list[CleanMessage]:
    """The three parts' honest messages, in part order (a, b, c)."""
    return [*load_fresh4a_clean(), *load_fresh4b_clean(), *load_fresh4c_clean()]


def load_fresh4_spam() -> list[DisguisedRow]:
    """The three parts' disguised rows, their `expected` in the engine's category names."""
    return [*load_fresh4a_spam(), *load_fresh4b_spam(), *load_fresh4c_spam()]
