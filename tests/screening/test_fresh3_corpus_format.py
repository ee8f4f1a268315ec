"""The third fresh corpus (`warden.screening.eval.fresh3`) is well formed.

These tests read the corpus files and the shipped term list only; they never run the screen (the corpus is scored
once, whole, by the round it arrives in). Technique names and `@` detector categories are those of the second
corpus (``warden/screening/eval/fresh2/WRITING.md``).
"""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources

from warden.screening.eval.fresh3 import load_fresh3_clean, load_fresh3_spam

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


def _text(package: str, name: str) -> str:
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def _spam_rows() -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for line in _text("warden.screening.eval.fresh3", "spam.tsv").splitlines():
        technique, expected, text = line.split("\t")
        rows.append((technique, expected, text))
    return rows


def _clean_messages() -> list[str]:
    messages: list[str] = []
    in_section = False
    for line in _text("warden.screening.eval.fresh3", "clean.txt").splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("["):
            assert SECTION.fullmatch(line), line
            in_section = True
            continue
        assert line.strip(), "blank line in clean.txt"
        assert in_section, f"message before any section: {line}"
        messages.append(line.removeprefix("?"))
    return messages


def _shipped_terms() -> set[str]:
    terms: set[str] = set()
    for line in _text("warden.screening.data", "terms.tsv").splitlines():
        if line.strip() and not line.startswith("#"):
            terms.add(line.split("\t")[0])
    return terms


def test_fresh3_loaders_return_every_line_of_both_files() -> None:
    assert len(load_fresh3_clean()) == len(_clean_messages())
    assert len(load_fresh3_spam()) == len(_spam_rows())


def test_fresh3_clean_has_at_least_2000_messages_and_no_duplicates() -> None:
    messages = _clean_messages()
    assert len(messages) >= 2000
    duplicates = [m for m, n in Counter(messages).items() if n > 1]
    assert duplicates == []


def test_fresh3_clean_has_at_least_40_domains_in_all_three_situations() -> None:
    text = _text("warden.screening.eval.fresh3", "clean.txt")
    sections = [SECTION.fullmatch(line) for line in text.splitlines() if line.startswith("[")]
    domains = {m.group(1) for m in sections if m}
    situations = {m.group(2) for m in sections if m}
    assert len(domains) >= 40
    assert situations == {"greeting", "internal", "external"}


def test_fresh3_spam_has_at_least_30_rows_for_each_of_the_21_techniques() -> None:
    counts = Counter(technique for technique, _, _ in _spam_rows())
    assert set(counts) == TECHNIQUES
    assert min(counts.values()) >= 30


def test_fresh3_spam_texts_are_not_duplicated() -> None:
    duplicates = [t for t, n in Counter(text for _, _, text in _spam_rows()).items() if n > 1]
    assert duplicates == []


def test_fresh3_spam_expected_is_a_shipped_term_or_a_detector_category() -> None:
    allowed = _shipped_terms() | DETECTOR_CATEGORIES
    unknown = sorted({expected for _, expected, _ in _spam_rows()} - allowed)
    assert unknown == []


def test_fresh3_spam_has_no_backslash_other_than_unicode_escapes() -> None:
    stray = [text for _, _, text in _spam_rows() if re.search(r"\\(?!u[0-9a-fA-F]{4})", text)]
    assert stray == []
