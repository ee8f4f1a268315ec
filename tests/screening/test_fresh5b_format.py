"""Format of the fresh5b blind corpus (`warden.screening.eval.fresh5b`): it loads, it is as large as its WRITING.md
says, every technique has its 16 rows, every `expected` is a shipped term or a detector category, and no line is
repeated. The screen is not run on it here: the corpus is scored once, whole, elsewhere."""

from __future__ import annotations

from collections import Counter
from importlib import resources

from warden.screening.eval.fresh5b import load_fresh5b_clean, load_fresh5b_spam
from warden.screening.eval.heldout import parse_clean, parse_spam

TECHNIQUES = {
    "traditional", "homophone", "pinyin", "combined", "mixed", "contact_phrase", "emoji", "symbols_emoji",
    "invisible_letters", "styled_letters", "tone_marks", "split_characters", "lookalike", "plus_separator",
    "contact_number", "tone_digits", "initials", "repeat", "digit_variants", "separators", "fullwidth",
}  # fmt: skip
CATEGORIES = {"@phone", "@wechat_id", "@qq", "@email", "@url", "@id_number", "@bank_card"}


def _text(name: str) -> str:
    return resources.files("warden.screening.eval.fresh5b").joinpath(name).read_text(encoding="utf-8")


def _terms() -> set[str]:
    lexicon = resources.files("warden.screening").joinpath("data/terms.tsv").read_text(encoding="utf-8")
    return {line.split("\t")[0] for line in lexicon.splitlines() if line.strip() and not line.startswith("#")}


def test_fresh5b_clean_loads_at_least_1000_messages_in_all_three_situations() -> None:
    rows = load_fresh5b_clean()
    assert len(rows) >= 1000
    assert len(rows) == len(parse_clean(_text("clean.txt")))
    situations = Counter(row.domain.split("/")[1] for row in rows)
    assert set(situations) == {"greeting", "internal", "external"}
    assert all(row.text.strip() for row in rows)


def test_fresh5b_spam_has_at_least_16_rows_for_each_of_the_21_techniques() -> None:
    rows = load_fresh5b_spam()
    counts = Counter(row.technique for row in rows)
    assert set(counts) == TECHNIQUES
    assert min(counts.values()) >= 16
    assert len(rows) >= 16 * len(TECHNIQUES)


def test_fresh5b_spam_expected_is_a_shipped_term_or_a_detector_category() -> None:
    terms = _terms()
    raw = parse_spam(_text("spam.tsv"))
    assert raw
    assert {row.expected for row in raw} <= terms | CATEGORIES


def test_fresh5b_has_no_duplicate_lines() -> None:
    clean = [row.text for row in load_fresh5b_clean()]
    assert len(clean) == len(set(clean))
    spam = [row.text for row in parse_spam(_text("spam.tsv"))]
    assert len(spam) == len(set(spam))
    assert not set(clean) & set(spam)


def test_fresh5b_section_lines_are_well_formed_and_there_are_no_blank_lines() -> None:
    for line in _text("clean.txt").splitlines():
        assert line.strip(), "blank line in clean.txt"
        if line.startswith("["):
            assert line.endswith(("greeting]", "internal]", "external]")), line
    for line in _text("spam.tsv").splitlines():
        assert line.count("\t") == 2, line
