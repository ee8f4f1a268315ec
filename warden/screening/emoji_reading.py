"""An emoji read as its name (round 9, issue 13): ✋工活外发 is 手工活外发, 招⌨员 打字员, 拼🤚气 拼手气.

The fold deletes every emoji but the hand-checked ones of ``emoji.tsv`` (kept: they stand for a character or a word),
so a picture put in place of a term's character leaves the term with a gap. Here an emoji the fold deletes is read as
one of its Chinese keywords from the Unicode CLDR annotations (``emoji_keywords.tsv``, round 7: ✋ 手, ⌨ 打字, 🔐 安全)
where that keyword is a piece of a listed term, and only as a piece: the engine screens that reading and keeps a
term's hit only when it holds the keyword and something written beside it (an emoji alone is never a term), and
only when the text as sent has no hit of that term there already (🔴 before 红包 is a bullet, not 红红包).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from warden.screening.folding import kept_emoji

__all__ = ["MAX_READINGS", "EmojiReadings", "Reading", "keyword_emoji"]

MAX_READINGS = 8
"""Readings per message at most (a message strewn with pictures is read for its first few)."""

_VS16 = "\ufe0f"


@lru_cache(maxsize=1)
def keyword_emoji() -> dict[str, tuple[str, ...]]:
    """Per emoji of ``emoji_keywords.tsv`` (one code point of category So, a pictograph; a variation selector after it
    is part of it; CLDR also annotates punctuation such as 、 and 。, which are no pictures) that the fold deletes, its
    Chinese keywords, in the file's order."""
    text = resources.files("warden.screening").joinpath("data", "emoji_keywords.tsv").read_text(encoding="utf-8")
    kept = kept_emoji()
    out: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        emoji, *words = line.split("\t")
        emoji = emoji.replace(_VS16, "")
        if len(emoji) == 1 and unicodedata.category(emoji) == "So" and emoji not in kept and words:
            out[emoji] = tuple(words)
    return out


class Reading(NamedTuple):
    """A message read with one emoji as one keyword: the text, per character its span in the message as sent, and
    where the keyword stands in it."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    piece: tuple[int, int]

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the message as sent that ``text[start:end]`` stands for."""
        return self.starts[start], self.ends[end - 1]


class EmojiReadings:
    """The emoji readings for a list of ``terms``: each emoji's keywords that are a piece of one of them (a part
    shorter than the term)."""

    def __init__(self, terms: Iterable[str]) -> None:
        # every piece of a term shorter than it, with the characters the term has right after it and right before
        # it: a reading is made only where the text has one of them beside the emoji (✋工: 手工; 👍收到 is not read)
        after: dict[str, set[str]] = {}
        before: dict[str, set[str]] = {}
        for t in {t for t in terms if len(t) >= 2}:
            for i in range(len(t)):
                for j in range(i + 1, len(t) + 1 - (i == 0)):
                    piece = t[i:j]
                    after.setdefault(piece, set()).update(t[j : j + 1])
                    before.setdefault(piece, set()).update(t[i - 1 : i] if i else "")
        self._after = {w: frozenset(v) for w, v in after.items()}
        self._before = {w: frozenset(v) for w, v in before.items()}
        self.readings: dict[str, tuple[str, ...]] = {}
        for emoji, words in keyword_emoji().items():
            pieces = tuple(w for w in words if w in after)
            if pieces:
                self.readings[emoji] = pieces

    def __bool__(self) -> bool:
        return bool(self.readings)

    def read(self, text: str) -> list[Reading]:
        """The readings of ``text``: one per emoji it holds and keyword of that emoji, at most `MAX_READINGS`."""
        out: list[Reading] = []
        for i, ch in enumerate(text):
            words = self.readings.get(ch)
            if not words:
                continue
            end = i + 2 if text[i + 1 : i + 2] == _VS16 else i + 1
            after, before = text[end : end + 1], text[i - 1 : i] if i else ""
            for w in words:
                if after not in self._after[w] and before not in self._before[w]:
                    continue
                starts = (*range(i), *([i] * len(w)), *range(end, len(text)))
                ends = (*range(1, i + 1), *([end] * len(w)), *range(end + 1, len(text) + 1))
                out.append(Reading(text[:i] + w + text[end:], starts, ends, (i, i + len(w))))
                if len(out) >= MAX_READINGS:
                    return out
        return out
