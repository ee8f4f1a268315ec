"""The fresh5c corpus (`warden.screening.eval.fresh5c`) loads and keeps its written shape: at least 1,000 honest
messages, at least 16 spam rows for each of the 21 techniques, every `expected` a shipped term or a detector
category, no duplicate lines. The screen is not run on it (it is a blind corpus)."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources
from pathlib import Path

from warden.screening.eval.fresh5c import load_fresh5c_clean, load_fresh5c_spam

TECHNIQUES = {
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
CATEGORIES = {"@phone", "@wechat_id", "@qq", "@email", "@url", "@id_number", "@bank_card"}
SECTION = re.compile(r"\[(\w+) (greeting|internal|external)\]")


def _text(package: str, name: str) -> str:
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def _messages() -> list[str]:
    return [
        line
        for line in _text("warden.screening.eval.fresh5c", "clean.txt").splitlines()
        if line and not line.startswith("#") and not SECTION.fullmatch(line)
    ]


def _spam_rows() -> list[list[str]]:
    return [line.split("\t") for line in _text("warden.screening.eval.fresh5c", "spam.tsv").splitlines() if line]


def _terms() -> set[str]:
    terms = Path(__file__).resolve().parents[2] / "warden" / "screening" / "data" / "terms.tsv"
    lines = terms.read_text(encoding="utf-8").splitlines()
    return {line.split("\t")[0] for line in lines if line and not line.startswith("#")}


def test_S_A6_fresh5c_clean_loads_one_row_per_message_at_least_1000() -> None:
    messages = _messages()
    assert len(load_fresh5c_clean()) == len(messages) >= 1000


def test_S_A6_fresh5c_clean_has_only_known_sections_and_no_duplicates() -> None:
    text = _text("warden.screening.eval.fresh5c", "clean.txt")
    sections = [line for line in text.splitlines() if line.startswith("[")]
    assert sections and all(SECTION.fullmatch(line) for line in sections)
    assert "\n\n" not in text
    bodies = [message.removeprefix("?") for message in _messages()]
    assert len(bodies) == len(set(bodies))


def test_S_A6_fresh5c_spam_has_16_rows_per_technique_and_no_duplicates() -> None:
    rows = _spam_rows()
    assert all(len(row) == 3 for row in rows)
    counts = Counter(row[0] for row in rows)
    assert set(counts) == TECHNIQUES
    assert min(counts.values()) >= 16
    texts = [row[2] for row in rows]
    assert len(texts) == len(set(texts))
    assert len(load_fresh5c_spam()) == len(rows)


def test_S_A6_fresh5c_spam_expected_is_a_shipped_term_or_a_detector_category() -> None:
    allowed = _terms() | CATEGORIES
    assert {row[1] for row in _spam_rows()} <= allowed
