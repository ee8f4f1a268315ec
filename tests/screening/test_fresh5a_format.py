"""Format of the blind fresh5a corpus (part a of the fifth fresh corpus): it parses, meets the minimum counts, every
technique has at least 16 rows, every `expected` is a shipped term or a detector category, and no line repeats.
The screen is not run on it."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources

from warden.screening.eval.fresh5a import load_fresh5a_clean, load_fresh5a_spam
from warden.screening.eval.heldout import parse_spam

TECHNIQUES = {
    "traditional", "homophone", "pinyin", "combined", "mixed", "contact_phrase", "emoji", "symbols_emoji",
    "invisible_letters", "styled_letters", "tone_marks", "split_characters", "lookalike", "plus_separator",
    "contact_number", "tone_digits", "initials", "repeat", "digit_variants", "separators", "fullwidth",
}  # fmt: skip
DETECTORS = {"@phone", "@wechat_id", "@qq", "@email", "@url", "@id_number", "@bank_card"}
SECTION = re.compile(r"\[(\w+) (greeting|internal|external)\]")


def _text(name: str) -> str:
    return resources.files("warden.screening.eval.fresh5a").joinpath(name).read_text(encoding="utf-8")


def _terms() -> set[str]:
    text = resources.files("warden.screening").joinpath("data/terms.tsv").read_text(encoding="utf-8")
    return {line.split("\t")[0] for line in text.splitlines() if line.strip() and not line.startswith("#")}


def test_S_A6_fresh5a_clean_parses_with_at_least_1000_messages_in_all_three_situations() -> None:
    rows = load_fresh5a_clean()
    assert len(rows) >= 1000
    situations = Counter(row.domain.split("/")[1] for row in rows)
    assert set(situations) == {"greeting", "internal", "external"}
    assert all(row.text.strip() for row in rows)


def test_S_A6_fresh5a_clean_lines_are_sections_comments_or_messages_without_duplicates() -> None:
    seen: set[str] = set()
    for line in _text("clean.txt").splitlines():
        assert line.strip(), "no blank lines"
        if line.startswith("#"):
            continue
        if line.startswith("["):
            assert SECTION.fullmatch(line), line
            continue
        message = line.removeprefix("?")
        assert message not in seen, message
        seen.add(message)


def test_S_A6_fresh5a_spam_has_16_or_more_rows_per_technique_and_known_expected() -> None:
    raw = parse_spam(_text("spam.tsv"))
    counts = Counter(row.technique for row in raw)
    assert set(counts) == TECHNIQUES
    assert min(counts.values()) >= 16
    allowed = _terms() | DETECTORS
    assert [row.expected for row in raw if row.expected not in allowed] == []
    texts = [row.text for row in raw]
    assert len(texts) == len(set(texts))
    assert len(load_fresh5a_spam()) == len(raw) >= 16 * len(TECHNIQUES)


def test_S_A6_fresh5a_spam_has_three_columns_and_no_literal_invisible_characters() -> None:
    for line in _text("spam.tsv").splitlines():
        assert len(line.split("\t")) == 3, line
        assert "\u200b" not in line and "\u2060" not in line and "\ufeff" not in line
