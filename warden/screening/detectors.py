"""Detectors for contact details and personal data: URLs, phone numbers, QQ/WeChat ids, e-mail,
Chinese ID-card and bank-card numbers (S-A6 diversion, S-E3 privacy leakage).

They run on text folded with the detector tables (full-width, styled and CJK digits folded, zero-width
removed, punctuation kept), so ``１３８ ００１３ ８０００`` and ``壹叁捌…`` are found as well. A
cheap substring gate skips each regex on batches that cannot contain its kind of match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from warden.screening.folding import detector_tables, fold

CHANNEL = "detector"


@dataclass(frozen=True, slots=True)
class Detection:
    start: int  # offsets in the original (unfolded) text
    end: int
    category: str
    value: str  # canonical value, used as the hit's term (digits only, lower-case …)
    severity: str


_TLDS = "com|cn|net|org|top|xyz|vip|cc|io|me|info|shop|club|site|online|link|app|co|tk|ltd|wang|ren|fun|icu"
_END = r"(?![0-9a-z_])"

_PHONE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?(1[3-9][0-9](?:[ -]?[0-9]){8})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(0[1-9][0-9]{1,2})-([2-9][0-9]{6,7})(?![0-9])")
_EMAIL = re.compile(r"[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,10}" + _END)
_URL_SCHEME = re.compile(r"(?:https?://|www\.)[^\s\x00，。、；！？“”（）<>\"']+")
_URL_BARE = re.compile(
    r"(?<![0-9a-z@._-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:"
    + _TLDS
    + r")"
    + _END
    + r"(?:/[^\s\x00，。、；！？“”（）<>\"']*)?"
)
_QQ = re.compile(r"(?:qq|扣扣|企鹅|q号)[\s:：号码是为]{0,4}([1-9][0-9]{4,10})(?![0-9])")
_WECHAT = re.compile(
    r"(?:微信号?|weixin|wechat|vx|wx|v信|薇信|威信|加v)[\s:：号码是为]{0,4}([a-z][-_a-z0-9]{5,19})(?![-_a-z0-9])"
    r"|(wxid_[a-z0-9]{6,24})(?![a-z0-9])"
)
_ID_CARD = re.compile(
    r"(?<![0-9])([1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9x])"
    r"(?![0-9a-z])"
)
_BANK_CARD = re.compile(r"(?<![0-9])((?:62|4[0-9]|5[1-5])[0-9]{14,17})(?![0-9])")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_card_valid(number: str) -> bool:
    """GB 11643 check digit."""
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10x98765432"[total % 11] == number[17]


def luhn_valid(number: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(number)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    category: str
    severity: str
    gate: Callable[[str], bool]
    group: int = 0
    valid: Callable[[str], bool] | None = None


def _has_digit_run(s: str) -> bool:
    return any(d in s for d in "0123456789")


_RULES = (
    _Rule(_PHONE, "phone_number", "medium", _has_digit_run, 1),
    _Rule(_LANDLINE, "phone_number", "medium", lambda s: "-" in s),
    _Rule(_EMAIL, "email", "medium", lambda s: "@" in s),
    _Rule(_URL_SCHEME, "url", "medium", lambda s: "http" in s or "www." in s),
    _Rule(_URL_BARE, "url", "medium", lambda s: "." in s),
    _Rule(_QQ, "qq_id", "medium", lambda s: "qq" in s or "扣扣" in s or "企鹅" in s or "q号" in s, 1),
    _Rule(
        _WECHAT,
        "wechat_id",
        "medium",
        lambda s: any(k in s for k in ("微信", "weixin", "wechat", "vx", "wx", "v信", "薇信", "威信", "加v")),
    ),
    _Rule(_ID_CARD, "id_card_number", "high", _has_digit_run, 1, id_card_valid),
    _Rule(_BANK_CARD, "bank_card_number", "high", _has_digit_run, 1, luhn_valid),
)


def detect(text: str) -> list[Detection]:
    """All detections in ``text`` (which may be a NUL-joined batch), offsets in ``text``."""
    folded = fold(text, detector_tables(), collapse=False)
    f = folded.text
    out: list[Detection] = []
    taken: list[tuple[int, int]] = []
    for rule in _RULES:
        if not rule.gate(f):
            continue
        for m in rule.regex.finditer(f):
            group = rule.group or next((g for g in range(1, (rule.regex.groups or 0) + 1) if m.group(g)), 0)
            s, e = m.span(group)
            value = m.group(group)
            if rule.valid is not None and not rule.valid(value):
                continue
            if any(s < te and ts < e for ts, te in taken):  # one detection per span (email beats url …)
                continue
            taken.append((s, e))
            start, end = folded.original_span(s, e)
            if rule.category in ("phone_number",):
                value = re.sub(r"[^0-9]", "", value) if rule.regex is _PHONE else "-".join(m.groups())
            out.append(Detection(start, end, rule.category, value, rule.severity))
    return out
