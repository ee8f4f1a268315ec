"""The fresh4b corpus loads through its loader and keeps its shape (counts, techniques, `expected`, no duplicates).

Format only: nothing here runs the screen on the corpus.
"""

from __future__ import annotations

from collections import Counter
from importlib import resources

from warden.screening.eval.fresh4b import load_fresh4b_clean, load_fresh4b_spam
from warden.screening.eval.heldout import parse_spam

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


def _text(package: str, name: str) -> str:
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def _shipped_terms() -> set[str]:
    lines = _text("warden.screening.data", "terms.tsv").splitlines()
    return {line.split("\t")[0] for line in lines if line.strip() and not line.startswith("#")}


def test_fresh4b_clean_loads_at_least_1000_messages_in_known_situations() -> None:
    rows = load_fresh4b_clean()
    assert len(rows) >= 1000
    situations = Counter(row.domain.split("/")[1] for row in rows)
    assert set(situations) == {"greeting", "internal", "external"}
    assert all(row.text.strip() == row.text and row.text for row in rows)


def test_fresh4b_clean_has_no_duplicate_messages() -> None:
    texts = [row.text for row in load_fresh4b_clean()]
    assert len(texts) == len(set(texts))


def test_fresh4b_spam_has_at_least_16_rows_for_each_of_the_21_techniques() -> None:
    rows = load_fresh4b_spam()
    counts = Counter(row.technique for row in rows)
    assert set(counts) == TECHNIQUES
    assert min(counts.values()) >= 16


def test_fresh4b_spam_expected_is_a_shipped_term_or_a_detector_category() -> None:
    raw = parse_spam(_text("warden.screening.eval.fresh4b", "spam.tsv"))
    allowed = _shipped_terms() | DETECTOR_CATEGORIES
    assert [row.expected for row in raw if row.expected not in allowed] == []
    assert len(load_fresh4b_spam()) == len(raw)


def test_fresh4b_spam_has_no_duplicate_texts_and_no_undecoded_escapes() -> None:
    texts = [row.text for row in load_fresh4b_spam()]
    assert len(texts) == len(set(texts))
    assert not any("\\u" in text for text in texts)
