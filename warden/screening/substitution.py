"""One character swapped in a longer term (round 9, issue 13): 安全账尸, 加微倍, 资金盅, 子金盘.

A writer who disguises a term of three Chinese characters or more often changes one character only, to one that
looks like it or sounds like it, and no table of look-alike pairs holds every such choice. This module finds a term
written with every character exact but one, where the one is

* a looser look-alike of the term's character (``alike.tsv``, derived from `char-similar`'s stroke and component
  tables: 尸 for 户, 倍 for 信), unless it stands at one end of the term and the rest is a word of its own (人头 of
  拉人头: 按人头 is 按 + 人头), or
* read like it, toneless or one fuzzy step off (z/zh, c/ch, s/sh, n/l; an/ang, en/eng, in/ing), with the whole
  span read in context as the term is (子 for 资 in 子金盘; not 佣金反还, whose 反还 reads fǎn hái).

The engine keeps such a candidate only if the swapped character is not part of an ordinary word there (jieba's
list, the near-homophones' guard: 紫金山 holds 紫金, so 紫金盘 is left alone) and reports it on the ``homophone``
channel, one severity below the term.

Candidates come from one numpy pass per batch: each character of these terms has an index; two exact characters
next to each other, or one apart with the swapped character between them, are an anchor (the pair table says
whether any term has them so; `_anchor` picks per swapped position the rarest pair), and only anchors are checked in
Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from warden.screening.forms import Pattern, is_han, is_word, toned_readings

__all__ = ["MIN_LENGTH", "OneSubstitution", "fuzzy", "sounds_alike"]

MIN_LENGTH = 3
"""Terms of fewer characters are left to the tighter look-alike and sound-alike forms: a two-character term with one
character free would be one character, everywhere."""

_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))
_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


def fuzzy(syllable: str) -> str:
    """A toneless syllable with the usual fuzzy pairs merged (zh → z, ch → c, sh → s, l → n; ang → an, eng → en,
    ing → in): shi and si, lan and nang read alike; tone digits are dropped."""
    s = syllable.rstrip("012345")
    for long, short in _INITIALS:
        if s.startswith(long):
            s = short + s[len(long) :]
            break
    for long, short in _FINALS:
        if s.endswith(long):
            s = s[: -len(long)] + short
            break
    return s


@lru_cache(maxsize=8192)
def _sound(ch: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return fuzzy(lazy_pinyin(ch, style=Style.NORMAL)[0])


def sounds_alike(ch: str, reading: str) -> bool:
    """Whether the character ``ch``, read as it usually is (pypinyin's default reading: 家 jiā, not its rare gū), is
    the toned ``reading`` (``zi1``) up to tone and the fuzzy pairs (`fuzzy`)."""
    return bool(reading) and fuzzy(reading) == _sound(ch)


def _reads_as(span: str, readings: tuple[str, ...], at: int) -> bool:
    """Whether ``span``, read in context (pypinyin's phrase readings), sounds like the term whose toned
    ``readings`` it is matched against: the swapped character at ``at`` up to tone and the fuzzy pairs, every other
    one up to tone. 佣金反还 reads 反还 fǎn hái: no 佣金返还 (fǎn huán) by sound (issue 13)."""
    spoken = toned_readings(span)
    return all(
        fuzzy(heard) == fuzzy(want) if k == at else heard.rstrip("012345") == want.rstrip("012345")
        for k, (heard, want) in enumerate(zip(spoken, readings, strict=True))
    )


def _anchor(key: str, at: int) -> tuple[str, str, int, int]:
    """The two exact characters of ``key`` that find a candidate with the character at ``at`` swapped: the two
    around it (one apart) or two side by side elsewhere, the rarest kind first: no digit (一下 folds to 1下, in every
    other message) and no word of its own (红包, 微信 are everywhere), then the nearest. (first, second, gap, index
    of the first in ``key``)."""
    pairs = [(at - 1, 2)] if 0 < at < len(key) - 1 else []
    pairs += [(j, 1) for j in range(len(key) - 1) if at not in (j, j + 1)]

    def cost(pair: tuple[int, int]) -> tuple[int, int, int]:
        j, gap = pair
        a, b = key[j], key[j + gap]
        return (a.isdigit() or b.isdigit(), gap == 1 and is_word(a + b), abs(j - at))

    j, gap = min(pairs, key=cost)
    return key[j], key[j + gap], gap, j


class _Slot(NamedTuple):
    pattern: Pattern  # the term's homophone pattern (its key, readings, lowered severity)
    at: int  # the key's index of the character that may differ
    back: int  # from the anchor's first character back to the key's start


@lru_cache(maxsize=16)
def _index_table(alphabet: str) -> npt.NDArray[np.uint16]:
    """Per code point, 1 + its index in ``alphabet`` (0: none of the terms' characters); shared by engines with the
    same terms."""
    table = np.zeros(0x110000, dtype=np.uint16)
    for i, ch in enumerate(alphabet, 1):
        table[ord(ch)] = i
    return table


class OneSubstitution:
    """The one-substitution match for ``patterns`` (homophone patterns whose term opted into ``near``), with the
    looser look-alikes ``alike`` ((term character, characters)). ``terms`` are the folded keys of every listed form:
    a span that is one of them is that term, not a disguise of another (加个微信 is no 加我微信)."""

    def __init__(self, patterns: Iterable[Pattern], alike: Iterable[tuple[str, str]], terms: Iterable[str]) -> None:
        self._alike = {c: frozenset(v) for c, v in alike}
        self._terms = frozenset(terms)
        slots: dict[tuple[str, str, int], list[_Slot]] = {}
        for p in patterns:
            key = p.key
            if len(key) < MIN_LENGTH or p.runs or not p.near or not all(is_han(c) or c.isdigit() for c in key):
                continue
            for i in range(len(key)):
                if not is_han(key[i]):  # a numeral the fold made a digit (1夜情) stays exact
                    continue
                first, second, gap, back = _anchor(key, i)
                slots.setdefault((first, second, gap), []).append(_Slot(p, i, back))
        self._slots = {k: tuple(v) for k, v in slots.items()}
        alphabet = "".join(sorted({c for a, b, _ in slots for c in (a, b)}))
        self._table = _index_table(alphabet)
        size = len(alphabet) + 1
        self._size = size
        self._pairs = {gap: np.zeros(size * size, dtype=bool) for gap in (1, 2)}
        for a, b, gap in slots:
            self._pairs[gap][int(self._table[ord(a)]) * size + int(self._table[ord(b)])] = True

    def __bool__(self) -> bool:
        return bool(self._slots)

    @staticmethod
    def _rest_is_word(key: str, i: int) -> bool:
        """Whether the characters of ``key`` but the one at ``i`` are a word of their own beside it (人头 in
        拉人头, 资金 in 资金盘): a character that only looks like the term's is then most likely a neighbouring word
        (按人头)."""
        return (i == 0 or i == len(key) - 1) and is_word(key[1:] if i == 0 else key[:-1])

    def candidates(self, codes: npt.NDArray[np.intp], ftext: str) -> list[tuple[int, int, int, Pattern]]:
        """(start, end, index of the swapped character, pattern) in the folded text ``ftext`` (``codes``: its code
        points), before the word-list guard. Every character but one is the key's, the one is a Chinese character
        like the key's by shape (`alike.tsv`) or sound (`sounds_alike`), and the span is no listed form."""
        if not self._slots or codes.size < MIN_LENGTH:
            return []
        idx = np.take(self._table, codes, mode="clip")
        nz = np.flatnonzero(idx)
        if nz.size < 2:
            return []
        first = idx[nz].astype(np.intp) * self._size
        out: list[tuple[int, int, int, Pattern]] = []
        n = len(ftext)
        for gap in (1, 2):
            pos = nz[nz + gap < codes.size]
            found = pos[self._pairs[gap][first[: pos.size] + np.take(idx, pos + gap)]]
            for a in found.tolist():
                for p, i, back in self._slots.get((ftext[a], ftext[a + gap], gap), ()):
                    s = a - back
                    key = p.key
                    e = s + len(key)
                    if s < 0 or e > n:
                        continue
                    x = ftext[s + i]
                    if x == key[i] or not is_han(x):
                        continue
                    if ftext[s : s + i] != key[:i] or ftext[s + i + 1 : e] != key[i + 1 :]:
                        continue
                    c = key[i]
                    if not (
                        (x in self._alike.get(c, ()) and not self._rest_is_word(key, i))
                        or (sounds_alike(x, p.readings[i]) and _reads_as(ftext[s:e], p.readings, i))
                    ):
                        continue
                    if ftext[s:e] in self._terms:
                        continue
                    out.append((s, e, s + i, p))
        return out


def one_substitution_patterns(patterns: Sequence[Pattern | None]) -> list[Pattern]:
    """The homophone patterns a one-substitution match takes (`OneSubstitution`): terms of `MIN_LENGTH` Chinese
    characters or more that opted into ``near``."""
    return [p for p in patterns if p is not None and p.near and len(p.key) >= MIN_LENGTH]
