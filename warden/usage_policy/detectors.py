"""The enterprise's text detectors (S-E3) by the names a usage rule gives them. Pure.

Nothing is detected here: an enterprise's keyword lists, its confidentiality markings and the personal-data
detectors all run in one pass of the screening engine (`warden.screening`), on the same folded text as the
platform's lists, with the one detector module the platform's screen uses too (`warden.screening.detectors`:
resident ID numbers by `stdnum`, cards by network range and Luhn, phone numbers by `phonenumbers`). This file
says which engine hit each detector name stands for, and lists the markings, which are matched like keywords:
folded, so 機密, ＣＯＮＦＩＤＥＮＴＩＡＬ and 机 密 are found as well as 机密.
"""

from __future__ import annotations

from warden.screening.base import DETECTOR_CHANNEL, Hit, TermSpec

DETECTORS = ("id_number", "mobile_number", "bank_card", "email", "confidential_marking")
"""The built-in text detectors an enterprise rule may name. File detectors are in `usage_policy.model`."""

MARKING = "confidential_marking"
"""The category the markings are screened under (no rule's words have it: theirs is `rule_category(id)`)."""

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


def marking_terms() -> list[TermSpec]:
    """The markings as terms for the engine: folded matches only (no pinyin or sound-alikes: ``jimi`` is a name)."""
    return [TermSpec(m, MARKING, "high", frozenset()) for m in CONFIDENTIAL_MARKINGS]


def rule_category(rule_id: str) -> str:
    """The category a rule's words are screened under (``rule:<id>``; a rule id has no colon, so it never meets
    `MARKING` or a detector's category)."""
    return f"rule:{rule_id}"


_BY_CATEGORY = {"id_card_number": "id_number", "bank_card_number": "bank_card", "email": "email"}
_MOBILE_CATEGORIES = ("phone_number", "contact_diversion")  # 微信：13800138000 is a mobile number too


def is_mobile(value: str) -> bool:
    """A detector's value that is a Chinese mobile number (11 digits from 13 to 19; the detector has checked it
    is a number a phone can have)."""
    return len(value) == 11 and value.isdigit() and value[0] == "1" and value[1] in "3456789"


def detector_of(hit: Hit) -> str | None:
    """The detector name (of `DETECTORS`) an engine hit stands for, or None: an ID number is `id_number`, a card
    `bank_card`, an e-mail `email`, a mobile number (also one given after 微信) `mobile_number`, a marking
    `confidential_marking`; landlines, URLs and QQ/WeChat ids are no enterprise detector's."""
    if hit.channel != DETECTOR_CHANNEL:
        return MARKING if hit.category == MARKING else None
    if hit.category in _MOBILE_CATEGORIES:
        return "mobile_number" if is_mobile(hit.term) else None
    return _BY_CATEGORY.get(hit.category)
