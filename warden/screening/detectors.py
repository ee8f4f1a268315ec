"""Detectors for contact details and personal data: URLs, phone numbers, QQ/WeChat ids, a number given
after 微信 / vx / 加我, e-mail, Chinese ID-card and bank-card numbers (S-A6 diversion, S-E3 privacy leakage).

They run on text folded with the detector tables (full-width, styled and CJK digits folded, zero-width
removed, punctuation kept), so ``１３８ ００１３ ８０００`` and ``壹叁捌…`` are found as well. A
cheap substring gate skips each regex on batches that cannot contain its kind of match.
"""

from __future__ import annotations

import re
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
_URL_CHAR = r"[-a-z0-9._~:/?#@!$&*+,;=%]"  # after folding (lower case); Chinese text ends a URL

_PHONE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?(1[3-9][0-9](?:[ -]?[0-9]){8})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(0[1-9][0-9]{1,2})-([2-9][0-9]{6,7})(?![0-9])")
_ID_CARD = re.compile(
    r"(?<![0-9])([1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9x])"
    r"(?![0-9a-z])"
)
_BANK_CARD = re.compile(r"(?<![0-9])((?:62|4[0-9]|5[1-5])[0-9]{14,17})(?![0-9])")
_GAP = r"[^0-9a-z\u3400-\u9fff]{0,2}"


def _words(*words: str) -> str:
    """A regex alternation of keywords, each allowed a separator or two between its letters (微 信, q.q, 微❤信):
    the detectors read text with punctuation kept."""
    return "(?:" + "|".join(_GAP.join(map(re.escape, w)) for w in sorted(words, key=len, reverse=True)) + ")"


_QQ = re.compile(_words("qq", "扣扣", "企鹅", "q号") + r"[\s:：号码是为]{0,4}([1-9][0-9]{4,10})(?![0-9])")
_WECHAT_WORDS = (
    "微信号",
    "微信",
    "weixin",
    "wechat",
    "vx",
    "wx",
    "v信",
    "薇信",
    "威信",
    "加v",
    "+v",
    "＋v",
    "➕v",
    "﹢v",
)
_WECHAT = re.compile(_words(*_WECHAT_WORDS) + r"[\s:：号码是为]{0,4}([a-z][-_a-z0-9]{5,19})(?![-_a-z0-9])")
# A number given right after 微信 / vx / 加我 is a way off the platform even though a WeChat id must start with
# a letter (WeChat finds people by phone or QQ number too): 这个是我的微信：9989123456. A bare long number is not
# (orders, tickets, employee numbers), and neither is an amount (微信 128000元).
_CONTACT_NUMBER = re.compile(
    _words(*_WECHAT_WORDS, "加我")
    + r"[\s:：号码是为]{0,4}([0-9](?:[ -]?[0-9]){5,19})(?![0-9]|[ -]?[0-9]|\.[0-9]|[元块万千百亿个人笔次件%])"
)
_WXID = re.compile(r"(wxid_[a-z0-9]{6,24})(?![a-z0-9])")
_URL_SCHEME = re.compile(r"(?:https?://|www\.)" + _URL_CHAR + "+")
_TLD = re.compile(r"\.(?:" + _TLDS + r")(?![0-9a-z_])")
_DOMAIN_LEFT = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$")
_URL_PATH = re.compile("/" + _URL_CHAR + "*")
_EMAIL_LEFT = re.compile(r"[a-z0-9][a-z0-9._%+-]*$")
_EMAIL_RIGHT = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,10}(?![0-9a-z_])")

# Gating. A message goes through the detectors only if the engine's automaton (which scans the
# folded text anyway) finds one of these in it, so most messages cost nothing extra:
# * five digits in a row after folding (every digit variant, separators removed): phone numbers,
#   QQ ids, ID-card and bank-card numbers (see DIGIT_RUN);
# * a top-level domain (com, cn, net …; dots are folded away, so abc.com reads abccom): URLs and
#   e-mail addresses always contain one;
# * a keyword that announces a WeChat id (ids need no digits).
# TLDs that are common inside English words (co, me, io) or that collapsing would change (cc, app)
# are gated by SHORT_TLD on the raw text instead, a regex with a literal first character (cheap).
DIGIT_RUN = 5
_RAW_GATED = ("co", "me", "io", "cc", "app")  # short, or changed by collapsing repeats (cc → c)
GATE_TLDS = tuple(t for t in _TLDS.split("|") if t not in _RAW_GATED)
SHORT_TLD = re.compile(r"\.(?:[cC][oOcC]|[mM][eE]|[iI][oO]|[aA][pP][pP])(?![0-9a-zA-Z])")
KEYWORDS = ("微信", "weixin", "wechat", "vx", "wx", "v信", "薇信", "威信", "http")

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


_DIGIT_CLUSTER = re.compile(r"[0-9][0-9 \-]{5,}[0-9x]")


def _spans(f: str) -> list[tuple[int, int, str, str, str]]:
    """(start, end, category, value, severity) in folded coordinates, possibly overlapping."""
    out: list[tuple[int, int, str, str, str]] = []
    for c in _DIGIT_CLUSTER.finditer(f):
        lo, hi = max(0, c.start() - 4), c.end()
        for m in _ID_CARD.finditer(f, lo, hi):
            if id_card_valid(m.group(1)):
                out.append((*m.span(1), "id_card_number", m.group(1), "high"))
        for m in _BANK_CARD.finditer(f, lo, hi):
            if luhn_valid(m.group(1)):
                out.append((*m.span(1), "bank_card_number", m.group(1), "high"))
        for m in _PHONE.finditer(f, lo, hi):
            out.append((*m.span(), "phone_number", re.sub("[^0-9]", "", m.group(1)), "medium"))
        for m in _LANDLINE.finditer(f, lo, hi):
            out.append((*m.span(), "phone_number", "-".join(m.groups()), "medium"))
    out.extend((*m.span(1), "qq_id", m.group(1), "medium") for m in _QQ.finditer(f))
    if "wxid_" in f:
        out.extend((*m.span(1), "wechat_id", m.group(1), "medium") for m in _WXID.finditer(f))
    out.extend((*m.span(1), "wechat_id", m.group(1), "medium") for m in _WECHAT.finditer(f))
    out.extend(
        (*m.span(1), "contact_diversion", re.sub("[^0-9]", "", m.group(1)), "medium")
        for m in _CONTACT_NUMBER.finditer(f)
    )
    at = f.find("@")
    while at != -1:
        left = _EMAIL_LEFT.search(f, max(0, at - 64), at)
        right = _EMAIL_RIGHT.match(f, at + 1)
        if left and right:
            out.append((left.start(), right.end(), "email", f[left.start() : right.end()], "medium"))
        at = f.find("@", at + 1)
    if "http" in f or "www." in f:
        out.extend((*m.span(), "url", m.group(), "medium") for m in _URL_SCHEME.finditer(f))
    for m in _TLD.finditer(f):
        left = _DOMAIN_LEFT.search(f, max(0, m.start() - 128), m.start())
        if not left or (left.start() > 0 and f[left.start() - 1] in "@._-/"):
            continue
        end = m.end()
        path = _URL_PATH.match(f, end)
        if path:
            end = path.end()
        out.append((left.start(), end, "url", f[left.start() : end], "medium"))
    return out


_PRIORITY = (
    "email",
    "url",
    "id_card_number",
    "bank_card_number",
    "contact_diversion",  # 微信：13800138000 is a WeChat contact (found by its number) more than a phone number
    "phone_number",
    "qq_id",
    "wechat_id",
)


def detect(text: str) -> list[Detection]:
    """All detections in ``text`` (which may be a NUL-joined batch), offsets in ``text``.

    Overlapping candidates are resolved longest first, then by category priority (an e-mail beats
    the URL inside it, an ID-card number beats a phone-like run inside it).
    """
    folded = fold(text, detector_tables(), collapse=False)
    found = _spans(folded.text)
    found.sort(key=lambda d: (d[0] - d[1], _PRIORITY.index(d[2])))
    taken: list[tuple[int, int]] = []
    out: list[Detection] = []
    for s, e, category, value, severity in found:
        if any(s < te and ts < e for ts, te in taken):
            continue
        taken.append((s, e))
        start, end = folded.original_span(s, e)
        out.append(Detection(start, end, category, value, severity))
    out.sort(key=lambda d: d.start)
    return out
