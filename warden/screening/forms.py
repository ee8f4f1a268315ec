"""Word forms: expand dictionary terms into the shapes spammers write them in.

Expansion happens on the dictionary side at build time (pinyin via ``pypinyin``), so screening stays
one automaton scan per channel (research §6). Forms and their channels:

* ``folded``    the term itself, folded like the text (covers traditional, width, separators, repeats);
* ``pinyin``    full pinyin, toneless (hongbao; tone marks in the text are folded away);
* ``mixed``     hanzi and pinyin mixed per character (红bao, hong包), terms of 2–4 Chinese characters;
* ``initials``  pinyin initials (hb), low severity, word boundaries enforced by the engine;
* ``emoji``     an emoji standing for the term (🧧 → 红包);
* ``homophone`` a separate automaton over text where each Chinese character is replaced by a
  code for its toned syllable (虹包 ≡ 红包, 反利 ≡ 返利); one severity step lower.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from itertools import product
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from pypinyin import Style, lazy_pinyin, pinyin

from warden.screening.base import SEVERITIES
from warden.screening.dictionaries import TermSpec
from warden.screening.folding import MAX_CP, PUA_END, PUA_START, fold_text

CHANNEL_PRIORITY = ("folded", "emoji", "pinyin", "mixed", "homophone", "initials")
_SYLLABLE_BASE = PUA_START  # one BMP private-use code point per toned syllable (~1,600 of 6,400)
DIGIT_CODE = PUA_END - 1  # the code every ASCII digit gets in syllable space
_HAN_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000))
_MAX_MIXED_HAN = 4


class Pattern(NamedTuple):
    """One automaton key and what a match on it means (a tuple: built by the hundred thousand)."""

    key: str  # folded (or syllable-coded, for homophones) text the automaton looks for
    term: str
    category: str
    severity: str
    channel: str

    def rank(self) -> tuple[int, int]:
        """Higher is better when two entries produce the same key."""
        return (SEVERITIES.index(self.severity), -CHANNEL_PRIORITY.index(self.channel))


def is_han(ch: str) -> bool:
    """CJK unified ideographs and extension A (the characters pypinyin and the syllable table cover)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def lower_severity(severity: str) -> str:
    return SEVERITIES[max(0, SEVERITIES.index(severity) - 1)]


def _readings(term: str) -> list[list[str]]:
    """Toneless pinyin alternatives per character (non-Chinese characters stand for themselves)."""
    phrase = iter(lazy_pinyin(term, style=Style.NORMAL, errors="ignore"))
    out: list[list[str]] = []
    for ch in term:
        if not is_han(ch):
            out.append([ch])
            continue
        first = next(phrase, None) or pinyin(ch, style=Style.NORMAL)[0][0]
        alts = [first]
        single = pinyin(ch, style=Style.NORMAL)[0][0]
        if single not in alts:
            alts.append(single)
        for a in list(alts):  # ü is written v by pypinyin and u once tone marks are stripped (lü → lu)
            if "v" in a and a.replace("v", "u") not in alts:
                alts.append(a.replace("v", "u"))
        out.append(alts)
    return out


def expand(spec: TermSpec, emoji: Iterable[str] = ()) -> list[Pattern]:
    """All main-automaton patterns for one term (homophone keys come from `homophone_key`)."""
    t, c, s = spec.term, spec.category, spec.severity
    found: dict[str, Pattern] = {}

    def add(text: str, channel: str, severity: str = s) -> None:
        key = fold_text(text)
        if key and "\0" not in key:
            p = Pattern(key, t, c, severity, channel)
            if key not in found or p.rank() > found[key].rank():
                found[key] = p

    add(t, "folded")
    for e in emoji:
        add(e, "emoji")
    han_positions = [i for i, ch in enumerate(t) if is_han(ch)]
    if not han_positions or not spec.forms & {"pinyin", "mixed", "initials"}:
        return list(found.values())
    readings = _readings(t)
    if han_positions and "pinyin" in spec.forms:
        for combo in product(*readings):
            add("".join(combo), "pinyin")
    if "mixed" in spec.forms and 2 <= len(han_positions) <= _MAX_MIXED_HAN:
        n = len(han_positions)
        for mask in range(1, (1 << n) - 1):
            chars = list(t)
            for bit, pos in enumerate(han_positions):
                if mask >> bit & 1:
                    chars[pos] = readings[pos][0]
            add("".join(chars), "mixed")
    if "initials" in spec.forms and len(han_positions) >= 2:
        add("".join(r[0][0] for r in readings), "initials", "low")
    return list(found.values())


@lru_cache(maxsize=8)
def syllable_table(homophones: tuple[tuple[str, str], ...] = ()) -> npt.NDArray[np.uint32]:
    """Map every Chinese character to a private-use code for its toned syllable (1:1, for a gather).

    Toned rather than toneless keeps ordinary words apart (兼职 jiān zhí vs 简直 jiǎn zhí). Extra
    near-homophones and look-alikes from ``homophones.tsv`` join the class of their canonical character.
    """
    table = np.arange(MAX_CP, dtype=np.uint32)
    chars = [chr(cp) for lo, hi in _HAN_RANGES for cp in range(lo, hi)]
    syllables = pinyin(chars, style=Style.TONE3, heteronym=False, errors=lambda _: "?")
    codes: dict[str, int] = {}
    for ch, (syl,) in zip(chars, syllables, strict=True):
        if syl != "?" and syl != ch:
            table[ord(ch)] = codes.setdefault(syl, _SYLLABLE_BASE + len(codes))
    table[0x30:0x3A] = DIGIT_CODE  # all digits sound alike: one key finds any run of digits
    if _SYLLABLE_BASE + len(codes) > DIGIT_CODE:
        raise ValueError("more syllables than private-use code points")
    for canonical, variants in homophones:
        for v in variants:
            table[ord(v)] = table[ord(canonical)]
    return table


@lru_cache(maxsize=8)
def syllable_translation(homophones: tuple[tuple[str, str], ...] = ()) -> dict[int, int]:
    """`syllable_table` as a ``str.translate`` table, for dictionary keys (short strings)."""
    table = syllable_table(homophones)
    changed = np.flatnonzero(table != np.arange(MAX_CP, dtype=np.uint32))
    return dict(zip(changed.tolist(), table[changed].tolist(), strict=True))


def homophone_pattern(spec: TermSpec) -> Pattern | None:
    """The homophone-channel pattern (keyed by the folded term) for terms with ≥ 2 Chinese characters."""
    if "homophone" not in spec.forms or sum(map(is_han, spec.term)) < 2:
        return None
    return Pattern(fold_text(spec.term), spec.term, spec.category, lower_severity(spec.severity), "homophone")
