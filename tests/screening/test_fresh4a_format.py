"""The fresh4a corpus loads whole and keeps its shape: at least 1,000 honest messages, at least 16 spam rows for each
of the 21 techniques, every `expected` a shipped term or a detector category, no duplicate lines. The screen is
never called here: the corpus is blind and is scored once, elsewhere."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources

from warden.screening.eval.fresh4a import load_fresh4a_clean, load_fresh4a_spam

TECHNIQUES = {
    "traditional", "homophone", "pinyin", "combined", "mixed", "contact_phrase", "emoji", "symbols_emoji",
    "invisible_letters", "styled_letters", "tone_marks", "split_characters", "lookalike", "plus_separator",
    "contact_number", "tone_digits", "initials", "repeat", "digit_variants", "separators", "fullwidth",
}  # fmt: skip
DETECTORS = {"@phone", "@wechat_id", "@qq", "@email", "@url", "@id_number", "@bank_card"}
SECTION = re.compile(r"\[(\w+) (greeting|internal|external)\]")


def _text(package: str, name: str) -> str:
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def _terms() -> set[str]:
    lines = _text("warden.screening.data", "terms.tsv").splitlines()
    return {line.split("\t")[0] for line in lines if line.strip() and not line.startswith("#")}


def _clean_lines() -> list[str]:
    lines = _text("warden.screening.eval.fresh4a", "clean.txt").splitlines()
    return [line for line in lines if not line.startswith("#") and not SECTION.fullmatch(line)]


def _spam_rows() -> list[list[str]]:
    lines = _text("warden.screening.eval.fresh4a", "spam.tsv").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def test_fresh4a_clean_loads_every_message_and_has_at_least_1000() -> None:
    lines = _clean_lines()
    assert all(line.strip() for line in lines), "no blank lines and no line outside a section"
    assert len(load_fresh4a_clean()) == len(lines) >= 1000


def test_fresh4a_clean_has_all_three_situations_and_no_duplicates() -> None:
    situations = Counter(
        m[2] for m in map(SECTION.fullmatch, _text("warden.screening.eval.fresh4a", "clean.txt").splitlines()) if m
    )
    assert set(situations) == {"greeting", "internal", "external"}
    bodies = [line.removeprefix("?") for line in _clean_lines()]
    assert [b for b, n in Counter(bodies).items() if n > 1] == []


def test_fresh4a_spam_loads_every_row_with_at_least_16_per_technique() -> None:
    rows = _spam_rows()
    assert all(len(row) == 3 for row in rows)
    assert len(load_fresh4a_spam()) == len(rows)
    counts = Counter(technique for technique, _, _ in rows)
    assert set(counts) == TECHNIQUES
    assert min(counts.values()) >= 16


def test_fresh4a_spam_expects_only_shipped_terms_or_detector_categories() -> None:
    allowed = _terms() | DETECTORS
    assert sorted({expected for _, expected, _ in _spam_rows()} - allowed) == []


def test_fresh4a_spam_has_no_duplicate_text() -> None:
    texts = [text for _, _, text in _spam_rows()]
    assert [t for t, n in Counter(texts).items() if n > 1] == []
