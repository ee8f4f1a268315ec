"""What a hit saw through, by name, for the people who review screening (platform roles only: told to a sender,
it would teach them which disguise to try next).

`techniques(hit)` names the hit's channel (pinyin, mixed, split, initials, homophone, emoji, detector) and what
the fold undid in the matched text, character by character: invisible characters, separators, an add sign read
as a separator, letter case, full width, traditional characters, radicals, digit styles, styled letters, tone
marks, look-alike letters, tone numbers and repeated characters.
"""

from __future__ import annotations

import re
import unicodedata

from warden.screening.base import Hit
from warden.screening.folding import ADD_SIGNS, main_tables
from warden.screening.message import INTRUSIVE

_DIRECT = ("exact", "folded")
_TONE_NUMBER = re.compile(r"[a-zA-Zａ-ｚＡ-Ｚ][0-5０-５](?![0-9０-９])")


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _kind(ch: str, folded: str | None) -> str:
    """The name of what folding `ch` to `folded` undid (None: deleted as a visible separator, "": as invisible)."""
    if folded == "":
        return "invisible characters"
    if ch in INTRUSIVE:  # round 8: a letter standing between a word's characters (兼丶职, 援ᐧ交)
        return "letters as separators"
    if folded is None:
        return "separators"
    if ch in ADD_SIGNS:
        return "add sign"
    if "A" <= ch <= "Z":
        return "letter case"
    if unicodedata.east_asian_width(ch) == "F":
        return "full width"
    if 0x2E80 <= ord(ch) <= 0x2FDF:
        return "radicals"
    if _is_han(ch) and len(folded) == 1 and _is_han(folded):
        return "traditional characters"
    if len(folded) == 1 and folded.isdigit():
        return "digit styles"
    if unicodedata.combining(unicodedata.normalize("NFD", ch)[-1]) or ch in "ˉˊˇˋ˙":
        return "tone marks"
    if unicodedata.normalize("NFKC", ch) != ch:
        return "styled letters"
    if unicodedata.name(ch, "").startswith(("CYRILLIC", "GREEK")):
        return "look-alike letters"
    return "folded characters"


def techniques(hit: Hit) -> tuple[str, ...]:
    """The hit's channel unless it matched directly, then each kind of fold its matched text needed, in order of
    first appearance (``()`` for an exact match)."""
    out: dict[str, None] = {}
    if hit.channel not in _DIRECT:
        out[hit.channel] = None
    changed = main_tables().changed
    previous = ""
    for ch in hit.matched:
        cp = ord(ch)
        folded = changed.get(cp, ch)
        if ch in INTRUSIVE and previous:  # kept by the fold, read as a space by the second reading
            out["letters as separators"] = None
        elif folded != ch:
            out[_kind(ch, folded)] = None
        if folded and folded == previous and not folded.isdigit():
            out["repeated characters"] = None
        previous = folded or previous
    if hit.channel != "detector" and _TONE_NUMBER.search(hit.matched):
        out["tone numbers"] = None
    return tuple(out)
