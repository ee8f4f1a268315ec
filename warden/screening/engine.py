"""The evasion-resistant screening engine (S-A6, S-E3).

Pipeline per batch of messages (joined with NUL, research §6.5):

1. fold the batch once (numpy gather) keeping an offset map;
2. scan the folded text with the main automaton (folded, pinyin, mixed, initials, emoji patterns,
   leftmost-longest) and the syllable-coded text with the homophone automaton;
3. run the contact/personal-data detectors;
4. only for batches with candidates: drop hits overlapped by an allow-list match, enforce word
   boundaries on Latin edges, map offsets back to each original message.

Engines are immutable once built, so one instance is safe to share between threads; list changes
build a new engine (`with_lists`) that a `ScreenerRegistry` swaps in atomically.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import daachorse

from warden.screening.base import Hit, severity_rank
from warden.screening.detectors import CHANNEL as DETECTOR_CHANNEL
from warden.screening.detectors import detect
from warden.screening.dictionaries import Lexicon, TermSpec, load_lexicon, term_specs
from warden.screening.folding import NUL, fold, fold_text, is_ascii_letter_at
from warden.screening.forms import Pattern, expand, homophone_codes, homophone_key, syllable_table

_LL = daachorse.MATCH_KIND_LEFTMOST_LONGEST
_STANDARD = daachorse.MATCH_KIND_STANDARD
BATCH_SIZE = 512


def _automaton(keys: list[str], kind: int) -> daachorse.CharwiseDoubleArrayAhoCorasick | None:
    return daachorse.CharwiseDoubleArrayAhoCorasick(keys, match_kind=kind) if keys else None


def _is_ascii_letter(ch: str) -> bool:
    return "a" <= ch <= "z"


def _best(patterns: Iterable[Pattern]) -> list[Pattern]:
    """One pattern per key: the highest severity, then the most direct channel."""
    best: dict[str, Pattern] = {}
    for p in patterns:
        if p.key not in best or p.rank() > best[p.key].rank():
            best[p.key] = p
    return list(best.values())


@dataclass(frozen=True)
class _Expanded:
    """Patterns of one term, cached so derived engines do not re-run pypinyin for shipped terms."""

    main: tuple[Pattern, ...]
    homophone: Pattern | None


class ScreeningEngine:
    """Screens text for listed terms in all their disguises, plus contact and personal-data detectors."""

    def __init__(
        self,
        terms: Sequence[TermSpec],
        allow: Sequence[str] = (),
        *,
        emoji: Sequence[tuple[str, str]] = (),
        homophones: Sequence[tuple[str, str]] = (),
        detectors: bool = True,
        _cache: dict[TermSpec, _Expanded] | None = None,
    ) -> None:
        self.terms: tuple[TermSpec, ...] = tuple(dict.fromkeys(terms))
        self.allow: tuple[str, ...] = tuple(dict.fromkeys(a for a in allow if fold_text(a)))
        self.emoji: tuple[tuple[str, str], ...] = tuple(emoji)
        self.homophones: tuple[tuple[str, str], ...] = tuple(homophones)
        self.detectors = detectors
        self._syllables = syllable_table(self.homophones)
        emoji_for: dict[str, list[str]] = {}
        for e, term in self.emoji:
            emoji_for.setdefault(term, []).append(e)
        cache = dict(_cache or {})
        for spec in self.terms:
            if spec not in cache:
                cache[spec] = _Expanded(
                    tuple(expand(spec, emoji_for.get(spec.term, ()))), homophone_key(spec, self._syllables)
                )
        self._cache = cache
        main = _best(p for spec in self.terms for p in cache[spec].main)
        hom = _best(h for spec in self.terms if (h := cache[spec].homophone) is not None)
        self._main = main
        self._hom = hom
        self._main_ac = _automaton([p.key for p in main], _LL)
        self._hom_ac = _automaton([p.key for p in hom], _LL)
        # allow-list: standard semantics so find_overlapping reports every allowed span
        self._allow_ac = _automaton(list(dict.fromkeys(fold_text(a) for a in self.allow)), _STANDARD)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_lexicon(cls, lexicon: Lexicon) -> ScreeningEngine:
        return cls(lexicon.terms, lexicon.allow, emoji=lexicon.emoji, homophones=lexicon.homophones)

    def with_lists(
        self,
        terms: Iterable[TermSpec | tuple[str, str, str]] = (),
        allow: Iterable[str] = (),
    ) -> ScreeningEngine:
        """A new engine with extra terms and allow-list entries (e.g. one enterprise's lists).

        Expanded forms of the existing terms are reused; only the new terms are expanded and the
        automata rebuilt (milliseconds for the shipped lexicon).
        """
        return ScreeningEngine(
            [*self.terms, *term_specs(terms)],
            [*self.allow, *allow],
            emoji=self.emoji,
            homophones=self.homophones,
            detectors=self.detectors,
            _cache=self._cache,
        )

    @property
    def pattern_count(self) -> int:
        return len(self._main) + len(self._hom)

    def raw_patterns(self) -> list[str]:
        """Folded dictionary keys (the same dictionary a plain matcher would use, for benchmarks)."""
        return [p.key for p in self._main]

    def automaton_bytes(self) -> int:
        """Serialized size of the automata, a proxy for their memory (they live in Rust)."""
        return sum(len(ac.serialize()) for ac in (self._main_ac, self._hom_ac, self._allow_ac) if ac)

    # -- screening ----------------------------------------------------------------------------

    def screen(self, text: str) -> list[Hit]:
        """Hits in ``text`` sorted by position, with offsets into ``text`` as given."""
        return self.screen_many([text])[0]

    def screen_many(self, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> list[list[Hit]]:
        """Screen many texts; batching amortises the per-call cost of folding and scanning."""
        out: list[list[Hit]] = []
        for i in range(0, len(texts), batch_size):
            out.extend(self._screen_batch(texts[i : i + batch_size]))
        return out

    def _screen_batch(self, batch: Sequence[str]) -> list[list[Hit]]:
        results: list[list[Hit]] = [[] for _ in batch]
        if any(NUL in t for t in batch):  # a NUL inside a message would break batch boundaries
            if len(batch) > 1:
                return [self._screen_batch([t])[0] for t in batch]
            batch = [batch[0].replace(NUL, " ")]
        joined = NUL.join(batch)
        folded = fold(joined)
        ftext = folded.text
        main = self._main_ac.find(ftext) if self._main_ac else []
        hom = self._hom_ac.find(homophone_codes(folded, self._syllables)) if self._hom_ac else []
        detections = detect(joined) if self.detectors else []
        if not (main or hom or detections):
            return results
        starts = [0]
        for t in batch[:-1]:
            starts.append(starts[-1] + len(t) + 1)
        allowed = self._allow_ac.find_overlapping(ftext) if self._allow_ac and (main or hom) else []

        def blocked(s: int, e: int) -> bool:
            return any(s < ae and as_ < e for as_, ae, _ in allowed)

        def emit(os: int, oe: int, term: str, category: str, severity: str, channel: str) -> None:
            m = bisect_right(starts, os) - 1
            base = starts[m]
            results[m].append(Hit(term, category, severity, channel, os - base, oe - base, joined[os:oe]))

        taken: list[tuple[int, int]] = []
        for s, e, pid in main:
            p = self._main[pid]
            if blocked(s, e):
                continue
            os, oe = folded.original_span(s, e)
            if _is_ascii_letter(ftext[s]) and is_ascii_letter_at(joined, os - 1, -1):
                continue
            if _is_ascii_letter(ftext[e - 1]) and is_ascii_letter_at(joined, oe, 1):
                continue
            channel = p.channel
            if channel == "folded" and joined[os:oe] == p.term:
                channel = "exact"
            taken.append((s, e))
            emit(os, oe, p.term, p.category, p.severity, channel)
        for s, e, pid in hom:
            if blocked(s, e) or any(s < te and ts < e for ts, te in taken):
                continue
            p = self._hom[pid]
            os, oe = folded.original_span(s, e)
            emit(os, oe, p.term, p.category, p.severity, p.channel)
        for d in detections:
            emit(d.start, d.end, d.value, d.category, d.severity, DETECTOR_CHANNEL)
        for hits in results:
            hits.sort(key=lambda h: (h.start, -h.end, -severity_rank(h.severity)))
        return results


def build_default_engine() -> ScreeningEngine:
    """The engine over the shipped dictionaries (``warden/screening/data``)."""
    return ScreeningEngine.from_lexicon(load_lexicon())
