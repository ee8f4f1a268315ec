"""The screening seam: what a text screener returns and the one method it has.

The S-A6 rule (sensitive words in greetings) and the enterprise usage-policy desk only depend on this
module. The shipped engines live beside it; a plain word list is the minimal one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

SEVERITIES = ("low", "medium", "high")
"""Hit severities, weakest first. Rules compare them through `severity_rank`."""


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True, slots=True)
class Hit:
    """One match, mapped back to the text as sent so it can be highlighted."""

    term: str  # the dictionary term (canonical form), e.g. 红包
    category: str  # e.g. red_packet, rebate, gambling, contact_diversion, phone_number
    severity: str  # one of SEVERITIES
    channel: str  # how it matched: exact, folded, pinyin, mixed, split, initials, homophone, emoji, detector
    start: int  # offset in the original text (code points), inclusive
    end: int  # offset in the original text, exclusive
    matched: str  # original_text[start:end]

    def as_dict(self) -> dict[str, object]:
        return {
            "term": self.term,
            "category": self.category,
            "severity": self.severity,
            "channel": self.channel,
            "start": self.start,
            "end": self.end,
            "matched": self.matched,
        }


class Screener(Protocol):
    """Anything that can screen one text. Implementations must be safe to call from many threads."""

    def screen(self, text: str) -> list[Hit]: ...


class WordListScreener:
    """The minimal screener: exact substring search for a plain list of words.

    It exists so the core works without the evasion-resistant engine and as a reference in tests.
    """

    def __init__(self, words: Iterable[tuple[str, str, str]]) -> None:
        # (term, category, severity)
        self._words = [(w, c, s) for w, c, s in words if w]

    def screen(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        for term, category, severity in self._words:
            start = text.find(term)
            while start != -1:
                end = start + len(term)
                hits.append(Hit(term, category, severity, "exact", start, end, text[start:end]))
                start = text.find(term, end)
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits
