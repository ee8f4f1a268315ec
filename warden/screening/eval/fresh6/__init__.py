"""The sixth fresh screening corpus: three parts written on 2026-12-01 (01:33–01:50 UTC) by three helper sessions at
once, each with its own persona, none of which saw the engine or the others' text (each part's ``WRITING.md`` says
what its writer read and how it was checked):

- `warden.screening.eval.fresh6a`: a hospital administrator (medical-insurance fraud, 医托 and 挂号黄牛, fake
  medicines, 代孕 and egg-donation ads, fake certificates, loan and refund lures aimed at patients); honest side
  leaning to hospitals, clinics, pharmacies, compliant pharma sales, devices, insurance claims, elderly care, labs;
- `warden.screening.eval.fresh6b`: an operations lead at a live-streaming MCN agency who moderates game
  communities (刷粉 and traffic sellers, account and gift trading, 代练, adult live-stream ads, gambling dressed as
  games, fan-club scams; heavy slang, emoji and initials); honest side leaning to MCN agencies, advertising, game
  studios and esports, music and film, creators' managers, live-commerce rooms, content review;
- `warden.screening.eval.fresh6c`: the HR and site-office manager of a construction and property-management
  company (job and labour-dispatch scams, 套路贷, debt collection, 办证 and 代开发票, 包过 exams, fake rentals,
  pyramid schemes; some Cantonese and Hokkien-flavoured writing); honest side leaning to construction, real estate,
  property management, manufacturing, transport, hotels and catering, local government, unions, payroll.

Read together, in that order: 3,191 honest messages and 1,328 disguised ones, 18 or more for each of the 21
techniques in each part. Written while round 9 was being built on the first five corpora; it is to be scored once,
whole, with the engine before and after that round (`warden bench screen --fresh sixth`); a round that tunes on it
must say so and write another.
"""

from __future__ import annotations

from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow
from warden.screening.eval.fresh6a import load_fresh6a_clean, load_fresh6a_spam
from warden.screening.eval.fresh6b import load_fresh6b_clean, load_fresh6b_spam
from warden.screening.eval.fresh6c import load_fresh6c_clean, load_fresh6c_spam

__all__ = ["load_fresh6_clean", "load_fresh6_spam"]


def load_fresh6_clean() -> list[CleanMessage]:
    """The three parts' honest messages, in part order (a, b, c)."""
    return [*load_fresh6a_clean(), *load_fresh6b_clean(), *load_fresh6c_clean()]


def load_fresh6_spam() -> list[DisguisedRow]:
    """The three parts' disguised rows, their `expected` in the engine's category names."""
    return [*load_fresh6a_spam(), *load_fresh6b_spam(), *load_fresh6c_spam()]
