"""The fifth fresh screening corpus: three parts written on 2026-11-30 (22:14–23:00 UTC) by three helper sessions at
once, each with its own persona, none of which saw the engine or the others' text (each part's ``WRITING.md`` says
what its writer read and how it was checked):

- `warden.screening.eval.fresh5a`: an anti-fraud analyst at a retail bank (fake bank and customer-service notices,
  loan and refund lures, gambling, "investment teachers", money mules); honest side leaning to banking, insurance,
  securities, fintech operations, compliance, audit, IT operations, call centres and branches;
- `warden.screening.eval.fresh5b`: a university counsellor (刷单 and part-time recruiting, exam cheating and fake
  certificates, game-currency trading, campus loans, fan-group scams, in a slangy voice); honest side leaning to
  universities and schools, research labs, publishing and media, NGOs, events, internet companies and game studios;
- `warden.screening.eval.fresh5c`: a cross-border e-commerce seller from Guangdong (off-platform diversion, 好评返现,
  原单 goods, VPN sellers, 代开发票, grey customs couriers; Chinese, English and Cantonese); honest side leaning to
  logistics, customs brokers, factories, construction, energy, pharmaceuticals, agriculture and state-owned firms.

Read together, in that order: 3,088 honest messages and 1,282 disguised ones, 17 or more for each of the 21 techniques
in each part (57 or more in all). Written while round 8 (whole-message judgement) was being built on the first four
corpora; it is to be scored once, whole, with the engine of that round (`warden bench screen --fresh fifth`); a round
that tunes on it must say so and write another.
"""

from __future__ import annotations

from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow
from warden.screening.eval.fresh5a import load_fresh5a_clean, load_fresh5a_spam
from warden.screening.eval.fresh5b import load_fresh5b_clean, load_fresh5b_spam
from warden.screening.eval.fresh5c import load_fresh5c_clean, load_fresh5c_spam

__all__ = ["load_fresh5_clean", "load_fresh5_spam"]


def load_fresh5_clean() -> list[CleanMessage]:
    """The three parts' honest messages, in part order (a, b, c)."""
    return [*load_fresh5a_clean(), *load_fresh5b_clean(), *load_fresh5c_clean()]


def load_fresh5_spam() -> list[DisguisedRow]:
    """The three parts' disguised rows, their `expected` in the engine's category names."""
    return [*load_fresh5a_spam(), *load_fresh5b_spam(), *load_fresh5c_spam()]
