"""The fresh4c corpus's files load and hold what its WRITING.md promises: at least 1,000 honest messages, at least
16 spam rows for each of the 21 techniques, every `expected` a term of the shipped lexicon or a detector category,
no line twice. Format only: nothing here runs the screen."""

from __future__ import annotations

from collections import Counter
from importlib import resources

from warden.screening.eval.fresh4c import load_fresh4c_clean, load_fresh4c_spam
from warden.screening.eval.heldout import parse_spam

TECHNIQUES = {
    "traditional", "homophone", "pinyin", "combined", "mixed", "contact_phrase", "emoji", "symbols_emoji",
    "invisible_letters", "styled_letters", "tone_marks", "split_characters", "lookalike", "plus_separator",
    "contact_number", "tone_digits", "initials", "repeat", "digit_variants", "separators", "fullwidth",
}  # fmt: skip
CATEGORIES = {"@phone", "@wechat_id", "@qq", "@email", "@url", "@id_number", "@bank_card"}
SITUATIONS = {"greeting", "internal", "external"}


def _text(name: str) -> str:
    return resources.files("warden.screening.eval.fresh4c").joinpath(name).read_text(encoding="utf-8")


def _terms() -> set[str]:
    lexicon = resources.files("warden.screening").joinpath("data", "terms.tsv").read_text(encoding="utf-8")
    return {line.split("\t")[0] for line in lexicon.splitlines() if line.strip() and not line.startswith("#")}


def test_fresh4c_clean_loads_at_least_1000_distinct_messages_in_known_situations() -> None:
    clean = load_fresh4c_clean()
    assert len(clean) >= 1000
    texts = [m.text for m in clean]
    assert len(set(texts)) == len(texts)
    assert all(m.text.strip() for m in clean)
    assert {m.domain.split("/")[1] for m in clean} == SITUATIONS
    assert "unknown" not in {m.domain.split("/")[0] for m in clean}


def test_fresh4c_clean_lines_all_sit_in_sections_and_none_repeats() -> None:
    lines = [line for line in _text("clean.txt").splitlines() if not line.startswith("#")]
    assert lines[0].startswith("[")
    assert all(line.strip() for line in lines)
    messages = [line.removeprefix("?") for line in lines if not line.startswith("[")]
    assert len(set(messages)) == len(messages)


def test_fresh4c_spam_has_16_rows_per_technique_and_only_known_expected_values() -> None:
    rows = parse_spam(_text("spam.tsv"))
    counts = Counter(row.technique for row in rows)
    assert set(counts) == TECHNIQUES
    assert min(counts.values()) >= 16
    allowed = _terms() | CATEGORIES
    assert {row.expected for row in rows} <= allowed
    texts = [row.text for row in rows]
    assert len(set(texts)) == len(texts)
    assert len(load_fresh4c_spam()) == len(rows)


def test_fresh4c_spam_lines_have_three_columns_and_no_stray_backslash() -> None:
    for line in _text("spam.tsv").splitlines():
        technique, expected, text = line.split("\t")
        assert technique and expected and text
        assert "\t" not in text
        assert "\\" not in text.replace("\\u", "")
