"""Loading the screening data files (read at build time only, never while screening)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from warden.screening.base import SEVERITIES

FORMS = ("pinyin", "mixed", "initials", "homophone")
DEFAULT_FORMS = frozenset({"pinyin", "mixed", "homophone"})


@dataclass(frozen=True, slots=True)
class TermSpec:
    """One dictionary entry: the canonical term, its category and severity, and which forms to expand."""

    term: str
    category: str
    severity: str
    forms: frozenset[str] = field(default=DEFAULT_FORMS)

    def __post_init__(self) -> None:
        if not self.term.strip():
            raise ValueError("empty term")
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} of {self.term!r} is not one of {SEVERITIES}")
        unknown = set(self.forms) - set(FORMS)
        if unknown:
            raise ValueError(f"unknown forms {sorted(unknown)} for {self.term!r}")

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the entry in list diffs (the audit trail records these)."""
        return (self.term, self.category, self.severity)


@dataclass(frozen=True)
class Lexicon:
    """Everything the engine is built from."""

    terms: tuple[TermSpec, ...]
    allow: tuple[str, ...] = ()
    emoji: tuple[tuple[str, str], ...] = ()  # (emoji, term)
    homophones: tuple[tuple[str, str], ...] = ()  # (canonical char, variant chars)


def parse_forms(value: str) -> frozenset[str]:
    """``default`` / ``-`` / comma list, e.g. ``default,initials``."""
    forms: set[str] = set()
    for part in (p.strip() for p in value.split(",")):
        if part in ("", "-", "none"):
            continue
        if part == "default":
            forms |= DEFAULT_FORMS
        else:
            forms.add(part)
    return frozenset(forms)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line.rstrip("\n")


def parse_terms(text: str, source: str = "<terms>") -> list[TermSpec]:
    specs = []
    for number, line in _lines(text):
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) < 3:
            raise ValueError(f"{source}:{number}: expected term, category, severity[, forms]")
        forms = parse_forms(cols[3]) if len(cols) > 3 else DEFAULT_FORMS
        try:
            specs.append(TermSpec(cols[0], cols[1], cols[2], forms))
        except ValueError as exc:
            raise ValueError(f"{source}:{number}: {exc}") from exc
    return specs


def parse_allow(text: str) -> list[str]:
    return [line.strip() for _, line in _lines(text)]


def parse_pairs(text: str) -> list[tuple[str, str]]:
    return [(cols[0].strip(), cols[1].strip()) for _, line in _lines(text) if len(cols := line.split("\t")) > 1]


def _read(data_dir: Path | None, name: str) -> str:
    if data_dir is not None:
        return (data_dir / name).read_text(encoding="utf-8")
    return resources.files("warden.screening").joinpath("data", name).read_text(encoding="utf-8")


def load_lexicon(data_dir: Path | None = None) -> Lexicon:
    """The shipped lexicon (``warden/screening/data``) or one from another directory with the same files."""
    return Lexicon(
        terms=tuple(parse_terms(_read(data_dir, "terms.tsv"), "terms.tsv")),
        allow=tuple(parse_allow(_read(data_dir, "allow.txt"))),
        emoji=tuple(parse_pairs(_read(data_dir, "emoji.tsv"))),
        homophones=tuple(parse_pairs(_read(data_dir, "homophones.tsv"))),
    )


def term_specs(entries: Iterable[TermSpec | tuple[str, str, str]]) -> list[TermSpec]:
    """Accept ``(term, category, severity)`` tuples (the shape per-enterprise lists arrive in) or specs."""
    return [e if isinstance(e, TermSpec) else TermSpec(e[0], e[1], e[2]) for e in entries]
