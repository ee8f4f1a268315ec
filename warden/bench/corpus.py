"""The quality corpus: every evasion technique applied to the shipped terms, plus ordinary text and traps.

The rows live beside the lexicon in ``warden/screening/data/``: ``corpus.tsv`` is generated from the shipped
lexicon by ``python -m warden.bench.corpus`` and checked in; ``corpus_manual.tsv`` holds hand-written rows (real
homophones, detectors, workplace greetings and precision traps). Columns: technique, expected, text.
``expected`` is ``-`` for text that must produce no hit, else ``|``-separated terms, ``@category`` for a detector
category.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

from warden.screening.base import Hit
from warden.screening.dictionaries import TermSpec, load_lexicon
from warden.screening.forms import is_han

NEGATIVE = "-"
LIMIT_PREFIX = "limit_"  # corpus rows for techniques the engine does not claim to catch


@dataclass(frozen=True, slots=True)
class CorpusRow:
    technique: str
    expected: tuple[str, ...]  # empty: must not hit
    text: str

    def satisfied_by(self, hits: Sequence[Hit]) -> bool:
        """Every expected term (or detector category) is among the hits."""
        return all(any(_matches(e, h) for h in hits) for e in self.expected)


def _matches(expected: str, hit: Hit) -> bool:
    """A detector category, the term itself, or a longer listed term containing it (抢红包 for 红包)."""
    if expected.startswith("@"):
        return hit.category == expected[1:]
    return hit.channel != "detector" and expected in hit.term


def parse_corpus(text: str) -> list[CorpusRow]:
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        technique, expected, body = line.split("\t", 2)
        exp = () if expected == NEGATIVE else tuple(expected.split("|"))
        rows.append(CorpusRow(technique, exp, body.replace("\\t", "\t")))
    return rows


def load_corpus() -> list[CorpusRow]:
    data = resources.files("warden.screening").joinpath("data")
    return [
        *parse_corpus(data.joinpath("corpus.tsv").read_text(encoding="utf-8")),
        *parse_corpus(data.joinpath("corpus_manual.tsv").read_text(encoding="utf-8")),
    ]


@dataclass(frozen=True)
class CorpusScore:
    """Recall per technique on rows that expect hits; precision over all hits on the corpus."""

    recall: dict[str, tuple[int, int]]  # technique -> (found, rows)
    true_hits: int
    false_hits: int
    clean_rows: int  # rows that must not hit
    clean_rows_hit: int
    misses: list[CorpusRow]
    false_alarms: list[tuple[CorpusRow, Hit]]

    @property
    def precision(self) -> float:
        total = self.true_hits + self.false_hits
        return self.true_hits / total if total else 1.0

    @property
    def overall_recall(self) -> float:
        return self._recall(lambda _: True)

    @property
    def claimed_recall(self) -> float:
        """Recall over the techniques the engine claims (rows named ``limit_*`` show known gaps)."""
        return self._recall(lambda technique: not technique.startswith(LIMIT_PREFIX))

    def _recall(self, keep: Callable[[str], bool]) -> float:
        pairs = [v for k, v in self.recall.items() if keep(k)]
        rows = sum(n for _, n in pairs)
        return sum(f for f, _ in pairs) / rows if rows else 1.0


def score(rows: Sequence[CorpusRow], results: Sequence[Sequence[Hit]]) -> CorpusScore:
    """A hit is true when it is an expected term or category of its row, false otherwise."""
    recall: dict[str, list[int]] = {}
    true_hits = false_hits = clean = clean_hit = 0
    misses: list[CorpusRow] = []
    alarms: list[tuple[CorpusRow, Hit]] = []
    for row, hits in zip(rows, results, strict=True):
        for h in hits:
            if any(_matches(e, h) for e in row.expected):
                true_hits += 1
            else:
                false_hits += 1
                alarms.append((row, h))
        if row.expected:
            r = recall.setdefault(row.technique, [0, 0])
            r[1] += 1
            if row.satisfied_by(hits):
                r[0] += 1
            else:
                misses.append(row)
        else:
            clean += 1
            clean_hit += bool(hits)
    return CorpusScore(
        {k: (v[0], v[1]) for k, v in sorted(recall.items())},
        true_hits,
        false_hits,
        clean,
        clean_hit,
        misses,
        alarms,
    )


# -- generation ---------------------------------------------------------------------------------

_CONTEXTS = ("{}", "你好，{}了解一下", "老板您好，{}，有兴趣吗", "{}！速来", "朋友推荐的：{}")
# An ordinary word (ordinary.txt) written as it is hits only with a lure beside it: its ``exact`` row takes one of
# the contexts with a lure, and a ``plain_ordinary`` row (must not hit) names it in business text.
_LURE_CONTEXTS = ("你好，{}了解一下", "老板您好，{}，有兴趣吗", "{}！速来")
_PLAIN_CONTEXT = "关于{}的安排，下午开会再对一下"
_SEPARATORS = {
    "separator_space": (" ", "  ", "\u3000"),
    "separator_ascii_punct": ("*", ".", "-", "_", "/", "|", "~"),
    "separator_cjk_punct": ("，", "。", "、", "·", "！", "【】"),
    "separator_symbol": ("★", "♥", "※", "→"),
    "separator_emoji": ("😊", "❤️", "🌹", "👍🏻"),
    "zero_width": ("\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad"),
}
_CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у"}


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def _math_bold(s: str) -> str:
    return "".join(chr(0x1D41A + ord(c) - 97) if "a" <= c <= "z" else c for c in s)


def _circled(s: str) -> str:
    return "".join(chr(0x24D0 + ord(c) - 97) if "a" <= c <= "z" else c for c in s)


def generate(terms: Iterable[TermSpec], seed: int = 7, ordinary: Iterable[str] = ()) -> list[CorpusRow]:
    """Apply each technique to each shipped term it applies to (deterministic). ``ordinary``: terms that are
    everyday words, hits only with evidence of intent when written as they are."""
    import opencc
    from pypinyin import Style, lazy_pinyin

    s2t = opencc.OpenCC("s2t.json")
    rnd = random.Random(seed)
    rows: list[CorpusRow] = []
    everyday = set(ordinary)
    plain: list[CorpusRow] = []

    def add(technique: str, spec: TermSpec, disguised: str) -> None:
        rows.append(CorpusRow(technique, (spec.term,), rnd.choice(_CONTEXTS).format(disguised)))

    for spec in terms:
        t = spec.term
        han = [c for c in t if is_han(c)]
        if t in everyday:
            context = rnd.choice(_CONTEXTS)
            if context not in _LURE_CONTEXTS:
                context = _LURE_CONTEXTS[len(t) % len(_LURE_CONTEXTS)]
            rows.append(CorpusRow("exact", (t,), context.format(t)))
            plain.append(CorpusRow("plain_ordinary", (), _PLAIN_CONTEXT.format(t)))
        else:
            add("exact", spec, t)
        trad = s2t.convert(t)
        if trad != t:
            add("traditional", spec, trad)
        for technique, seps in _SEPARATORS.items():
            add(technique, spec, rnd.choice(seps).join(t))
        add("repeat", spec, "".join(c * rnd.choice((2, 3)) for c in t))
        latin = [c for c in t if "a" <= c <= "z"]
        if latin:
            add("case", spec, t.upper())
            add("fullwidth", spec, _fullwidth(t.upper()))
            add("styled_letters", spec, rnd.choice((_math_bold, _circled))(t))
            if any(c in _CYRILLIC for c in t):
                add("lookalike", spec, "".join(_CYRILLIC.get(c, c) for c in t))
        if han and "pinyin" in spec.forms:
            syl = lazy_pinyin(t, style=Style.NORMAL)
            add("pinyin", spec, rnd.choice(("".join(syl), " ".join(syl), "".join(syl).title())))
            add("tone_marks", spec, "".join(lazy_pinyin(t, style=Style.TONE)))
            add("fullwidth", spec, _fullwidth("".join(syl)))
            add("styled_letters", spec, rnd.choice((_math_bold, _circled))("".join(syl)))
        if 2 <= len(han) <= 4 and "mixed" in spec.forms and len(han) == len(t):
            syl = lazy_pinyin(t, style=Style.NORMAL)
            k = rnd.randrange(len(t))
            add(
                "mixed",
                spec,
                "".join(s if i == k else c for i, (c, s) in enumerate(zip(t, syl, strict=True))),
            )
        if "initials" in spec.forms:
            ini = "".join(s[0] for s in lazy_pinyin(t, style=Style.NORMAL))
            rows.append(CorpusRow("initials", (t,), f"今天有{ini}吗"))
            rows.append(CorpusRow("initials", (t,), f"{ini.upper()} 发了"))
    return rows + plain


def _dump(rows: Iterable[CorpusRow]) -> str:
    lines = ["# Generated by `python -m warden.bench.corpus` from data/terms.tsv; do not edit by hand."]
    for r in rows:
        lines.append(f"{r.technique}\t{'|'.join(r.expected) or NEGATIVE}\t{r.text.replace(chr(9), chr(92) + 't')}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    lexicon = load_lexicon()
    sys.stdout.write(_dump(generate(lexicon.terms, ordinary=lexicon.ordinary)))
