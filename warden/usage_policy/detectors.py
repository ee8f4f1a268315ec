"""Detectors for personal data and secrets in text (S-E3): pure functions, each returning hits with offsets.

Checksums keep false alarms down: a PRC resident ID number must carry a valid region, a real birth date and
the ISO 7064 MOD 11-2 check character; a bank card number must pass the Luhn check. Offsets are code points
into the text as sent, so a case can highlight exactly what leaked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

from warden.screening.base import Hit

DETECTORS = ("id_number", "mobile_number", "bank_card", "email", "confidential_marking")
"""The built-in text detectors an enterprise rule may name. File detectors are in `usage_policy.model`."""

# Province-level region codes (GB/T 2260 first two digits), including HK/MO/TW (81/82/83) and 71 (Taiwan).
_REGIONS = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54}
    | {61, 62, 63, 64, 65, 71, 81, 82, 83, 91}
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
_CARD_RE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){15,18}(?![\d-])")
_EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
CONFIDENTIAL_MARKINGS = (
    "绝密",
    "机密",
    "秘密级",
    "内部资料",
    "内部文件",
    "仅限内部",
    "严禁外传",
    "请勿外传",
    "strictly confidential",
    "confidential",
    "top secret",
    "internal use only",
    "internal only",
)
_MARK_RE = re.compile("|".join(re.escape(m) for m in CONFIDENTIAL_MARKINGS), re.IGNORECASE)


def id_checksum_ok(number: str) -> bool:
    """ISO 7064 MOD 11-2 over the first 17 digits gives the 18th character (X stands for 10)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def valid_id_number(number: str) -> bool:
    """A plausible 18-digit resident ID: known region, a real birth date from 1900 on, a valid check character."""
    if not id_checksum_ok(number) or int(number[:2]) not in _REGIONS:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return born.year >= 1900


def luhn_ok(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _hit(detector: str, text: str, m: re.Match[str], term: str | None = None) -> Hit:
    return Hit(term or detector, detector, "high", "detector", m.start(), m.end(), text[m.start() : m.end()])


def find_id_numbers(text: str) -> list[Hit]:
    return [_hit("id_number", text, m) for m in _ID_RE.finditer(text) if valid_id_number(m.group())]


def find_mobile_numbers(text: str) -> list[Hit]:
    return [_hit("mobile_number", text, m) for m in _MOBILE_RE.finditer(text)]


def find_bank_cards(text: str) -> list[Hit]:
    """16–19 digits (spaces or dashes allowed between them) passing Luhn; a valid ID number is not a card."""
    out = []
    for m in _CARD_RE.finditer(text):
        digits = re.sub(r"[ -]", "", m.group())
        if 16 <= len(digits) <= 19 and luhn_ok(digits) and not valid_id_number(digits):
            out.append(_hit("bank_card", text, m))
    return out


def find_emails(text: str) -> list[Hit]:
    return [_hit("email", text, m) for m in _EMAIL_RE.finditer(text)]


def find_confidential_markings(text: str) -> list[Hit]:
    return [_hit("confidential_marking", text, m, m.group().lower()) for m in _MARK_RE.finditer(text)]


FINDERS: dict[str, Callable[[str], list[Hit]]] = {
    "id_number": find_id_numbers,
    "mobile_number": find_mobile_numbers,
    "bank_card": find_bank_cards,
    "email": find_emails,
    "confidential_marking": find_confidential_markings,
}


def detect(text: str, detectors: Sequence[str] = DETECTORS) -> list[Hit]:
    """Every hit of the named detectors, in text order."""
    hits = [h for name in detectors for h in FINDERS[name](text)]
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits
