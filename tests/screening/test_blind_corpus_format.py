"""Every blind corpus part written by a writer who never saw the engine keeps its shape.

One module for all parts (the third corpus, the fourth's, the fifth's and the sixth's three parts each): each loads
whole through its loader, holds at least its brief's minimum of honest messages and of disguised rows per technique,
names only shipped terms or detector categories as `expected`, repeats no line and keeps no stray backslash and no
literal invisible character. The screen is never called here: a blind corpus is scored once, whole, by `warden bench
screen --fresh ...` in the round it arrives in.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module, resources

import pytest

from warden.screening.eval.clean import CleanMessage
from warden.screening.eval.disguised import DisguisedRow

#: The 21 techniques every blind corpus since the third uses (``warden/screening/eval/fresh3/WRITING.md``).
TECHNIQUES = frozenset(
    {
        "traditional",
        "homophone",
        "pinyin",
        "combined",
        "mixed",
        "contact_phrase",
        "emoji",
        "symbols_emoji",
        "invisible_letters",
        "styled_letters",
        "tone_marks",
        "split_characters",
        "lookalike",
        "plus_separator",
        "contact_number",
        "tone_digits",
        "initials",
        "repeat",
        "digit_variants",
        "separators",
        "fullwidth",
    }
)
DETECTOR_CATEGORIES = frozenset({"@phone", "@wechat_id", "@qq", "@email", "@url", "@id_number", "@bank_card"})
SECTION = re.compile(r"\[(\S+) (greeting|internal|external)\]")
STRAY_BACKSLASH = re.compile(r"\\(?!u[0-9a-fA-F]{4})")
#: Characters that render as nothing (the emoji joiner U+200D aside): a corpus file writes them as ``\uXXXX`` escapes.
INVISIBLE = re.compile("[\u00ad\u115f\u1160\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u3164\ufeff\uffa0]")


@dataclass(frozen=True)
class Part:
    """One blind corpus part: its package (``clean.txt``, ``spam.tsv``) and its brief's minimums."""

    package: str
    min_clean: int
    min_per_technique: int
    min_domains: int = 1

    @property
    def name(self) -> str:
        return self.package.rsplit(".", 1)[-1]

    def loader(self, kind: str) -> Callable[[], list[CleanMessage] | list[DisguisedRow]]:
        fn: Callable[[], list[CleanMessage] | list[DisguisedRow]] = getattr(
            import_module(self.package), f"load_{self.name}_{kind}"
        )
        return fn

    def text(self, file: str) -> str:
        return resources.files(self.package).joinpath(file).read_text(encoding="utf-8")

    def spam_rows(self) -> list[tuple[str, ...]]:
        return [tuple(line.split("\t")) for line in self.text("spam.tsv").splitlines()]

    def clean_lines(self) -> list[str]:
        """The messages of ``clean.txt`` (``?`` removed), checking that every one sits in a valid section."""
        messages: list[str] = []
        in_section = False
        for line in self.text("clean.txt").splitlines():
            if line.startswith("#"):
                continue
            if line.startswith("["):
                assert SECTION.fullmatch(line), f"{self.name}: bad section line {line!r}"
                in_section = True
                continue
            assert line.strip(), f"{self.name}: blank line in clean.txt"
            assert in_section, f"{self.name}: message before any section: {line!r}"
            messages.append(line.removeprefix("?"))
        return messages


PARTS = [
    Part("warden.screening.eval.fresh3", min_clean=2000, min_per_technique=30, min_domains=40),
    Part("warden.screening.eval.fresh4a", min_clean=1000, min_per_technique=16),
    Part("warden.screening.eval.fresh4b", min_clean=1000, min_per_technique=16),
    Part("warden.screening.eval.fresh4c", min_clean=1000, min_per_technique=16),
    Part("warden.screening.eval.fresh5a", min_clean=1000, min_per_technique=16),
    Part("warden.screening.eval.fresh5b", min_clean=1000, min_per_technique=16),
    Part("warden.screening.eval.fresh5c", min_clean=1000, min_per_technique=16),
    Part("warden.screening.eval.fresh6a", min_clean=1000, min_per_technique=18),
    Part("warden.screening.eval.fresh6b", min_clean=1000, min_per_technique=18),
    Part("warden.screening.eval.fresh6c", min_clean=1000, min_per_technique=18),
]


def _shipped_terms() -> set[str]:
    text = resources.files("warden.screening.data").joinpath("terms.tsv").read_text(encoding="utf-8")
    return {line.split("\t")[0] for line in text.splitlines() if line.strip() and not line.startswith("#")}


@pytest.fixture(params=PARTS, ids=lambda p: p.name)
def part(request: pytest.FixtureRequest) -> Part:
    assert isinstance(request.param, Part)
    return request.param


def test_issue13_blind_corpus_loaders_return_every_line_of_both_files(part: Part) -> None:
    assert len(part.loader("clean")()) == len(part.clean_lines())
    assert len(part.loader("spam")()) == len(part.spam_rows())


def test_issue13_blind_corpus_loaded_texts_are_trimmed_and_escapes_decoded(part: Part) -> None:
    clean = part.loader("clean")()
    spam = part.loader("spam")()
    assert [m.text for m in clean if not m.text or m.text != m.text.strip()] == []
    assert [r.text for r in spam if not r.text or "\\u" in r.text] == []


def test_issue13_blind_corpus_clean_side_has_its_minimum_all_three_situations_and_no_duplicates(part: Part) -> None:
    messages = part.clean_lines()
    assert len(messages) >= part.min_clean
    assert [m for m, n in Counter(messages).items() if n > 1] == []
    sections = [m for line in part.text("clean.txt").splitlines() if (m := SECTION.fullmatch(line))]
    assert {m.group(2) for m in sections} == {"greeting", "internal", "external"}
    assert len({m.group(1) for m in sections}) >= part.min_domains


def test_issue13_blind_corpus_spam_rows_have_three_fields_and_every_technique_its_minimum(part: Part) -> None:
    rows = part.spam_rows()
    assert [r for r in rows if len(r) != 3] == []
    counts = Counter(r[0] for r in rows)
    assert set(counts) == TECHNIQUES
    assert min(counts.values()) >= part.min_per_technique


def test_issue13_blind_corpus_spam_expects_only_shipped_terms_or_detector_categories(part: Part) -> None:
    unknown = sorted({r[1] for r in part.spam_rows()} - (_shipped_terms() | DETECTOR_CATEGORIES))
    assert unknown == []


def test_issue13_blind_corpus_spam_repeats_no_text_and_writes_invisible_characters_as_escapes(part: Part) -> None:
    texts = [r[2] for r in part.spam_rows()]
    assert [t for t, n in Counter(texts).items() if n > 1] == []
    assert [t for t in texts if STRAY_BACKSLASH.search(t)] == []
    assert [line for line in part.text("spam.tsv").splitlines() if INVISIBLE.search(line)] == []
