"""The screening seam: what a text screener returns and the one method it has.

The S-A6 rule (sensitive words in greetings) and the enterprise usage-policy desk only depend on this
module. The shipped engines live beside it; a plain word list is the minimal one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import MISSING, dataclass, field, fields
from typing import Protocol

SEVERITIES = ("low", "medium", "high")
"""Hit severities, weakest first. Rules compare them through `severity_rank`."""


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


DETECTOR_CHANNEL = "detector"
"""The channel of a hit found by a detector (a phone number, an ID number …) rather than a listed term."""

FORMS = ("pinyin", "mixed", "initials", "homophone", "split", "near")
DEFAULT_FORMS = frozenset({"pinyin", "mixed", "homophone", "split"})


@dataclass(frozen=True, slots=True)
class TermSpec:
    """One dictionary entry: the canonical term, its category and severity, and which forms to expand."""

    term: str
    category: str
    severity: str
    forms: frozenset[str] = field(default=DEFAULT_FORMS)
    # abbreviations (terms.tsv's initials column): "*" for the pinyin's first letters or the letters themselves; a
    # trailing "?" marks an abbreviation that is also an ordinary one and needs a context (sd, db)
    initials: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.term.strip():
            raise ValueError("empty term")
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} of {self.term!r} is not one of {SEVERITIES}")
        unknown = set(self.forms) - set(FORMS)
        if unknown:
            raise ValueError(f"unknown forms {sorted(unknown)} for {self.term!r}")
        for a in self.initials:
            letters = a.removesuffix("?")
            if letters != "*" and not (letters.isascii() and letters.isalpha() and len(letters) >= 2):
                raise ValueError(f"initials {a!r} of {self.term!r}: '*' or two Latin letters at least, '?' after")

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the entry in list diffs (the audit trail records these)."""
        return (self.term, self.category, self.severity)


@dataclass(frozen=True, slots=True)
class Hit:
    """One match, mapped back to the text as sent so it can be highlighted."""

    term: str  # the dictionary term (canonical form), e.g. 红包
    category: str  # e.g. red_packet, rebate, gambling, contact_diversion, phone_number
    severity: str  # one of SEVERITIES
    channel: str  # how it matched: exact, folded, pinyin, mixed, split, initials, homophone, emoji, phrase, detector
    start: int  # offset in the original text (code points), inclusive
    end: int  # offset in the original text, exclusive
    matched: str  # original_text[start:end]
    intent: bool = True  # False: an ordinary word (红包, 返利, 兼职 …) written plainly with no lure or other hit beside
    # it, no evidence of intent; the policy says what such a hit means in each situation (`ordinary_words`)

    def as_dict(self) -> dict[str, object]:
        return {
            "term": self.term,
            "category": self.category,
            "severity": self.severity,
            "channel": self.channel,
            "start": self.start,
            "end": self.end,
            "matched": self.matched,
            "intent": self.intent,
        }


def _slot_init(cls: type) -> None:
    """Give the frozen, slotted dataclass ``cls`` an ``__init__`` that stores each field through its slot's own
    descriptor instead of ``object.__setattr__`` (what a frozen dataclass's generated one calls, by name, once per
    field): the same signature, defaults and result, ~45 % less time per object. A screening pass builds a `Hit`
    per match and per intent change (issue 13, fourth speed round). Left as generated when a field has a default
    factory, is not an ``__init__`` argument or is keyword-only, or the class has ``__post_init__``."""
    if hasattr(cls, "__post_init__"):
        return
    params: list[str] = []
    namespace: dict[str, object] = {}
    for f in fields(cls):
        if f.default_factory is not MISSING or not f.init or f.kw_only:
            return
        if f.default is MISSING:
            params.append(f.name)
        else:
            params.append(f"{f.name}=_default_{f.name}")
            namespace[f"_default_{f.name}"] = f.default
        namespace[f"_set_{f.name}"] = cls.__dict__[f.name].__set__
    body = "".join(f"    _set_{f.name}(self, {f.name})\n" for f in fields(cls)) or "    pass\n"
    exec(f"def __init__(self, {', '.join(params)}):\n{body}", namespace)  # as dataclasses does
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    cls.__init__ = init  # type: ignore[misc]


_slot_init(Hit)


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
