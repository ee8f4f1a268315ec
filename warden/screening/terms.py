"""Whether a text can be a term or an allow-list entry: the one check every word list runs when it is loaded or
uploaded (the shipped dictionaries, the policy's `sensitive_words.words`, the platform's and each enterprise's
word lists and allow-lists over the API, an enterprise's usage-policy keywords).

The engine matches folded text (`folding.fold_key`: traditional → simplified, full-width and styled letters, pinyin
tones, separators, zero-width and emoji dropped, repeats collapsed). A term that folds to nothing (only spaces,
punctuation, emoji, invisible characters) matches nothing: it was silently dropped, and the list said otherwise. A
term that folds to one character, not repeated (`a`, `1`, `的`, `.a.`), would hit almost every text: a restriction of
honest staff waiting to happen, and an allow-list entry of one character would clear every hit it touches. Both are
refused, naming the term, in zh and en. `扣扣` (one character twice: a repeat is required) is a term. An
enterprise's usage-policy keyword may be one Chinese character (`密`: its own staff, looked for only folded and
split), never one letter, digit or symbol.
"""

from __future__ import annotations

from typing import Literal

from warden.kernel.i18n import Catalog, Lang
from warden.screening.folding import fold_key

Problem = Literal["empty", "one_character"]

TERM_PROBLEMS: Catalog[Problem] = Catalog(
    {
        "empty": {
            "zh": "{term} 只含空格、标点、表情或不可见字符，归一化后什么也不剩，不能作为词条",
            "en": "{term} holds only spaces, punctuation, emoji or invisible characters: it folds to nothing and "
            "cannot be a term",
        },
        "one_character": {
            "zh": "{term} 归一化后只剩一个字符 {folded}，几乎会命中所有文本；词条至少要有两个字符",
            "en": "{term} folds to the single character {folded}, which would match almost every text; a term needs "
            "two characters at least",
        },
    }
)


def _han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def term_problem(term: str, *, single_han: bool = False) -> tuple[Problem, dict[str, str]] | None:
    """What is wrong with `term` as a term or allow-list entry (`TERM_PROBLEMS` key and its parameters), or None.
    `single_han`: one Chinese character is a term (an enterprise's usage-policy keyword)."""
    key, runs = fold_key(term.strip())
    if not key:
        return "empty", {"term": repr(term)}
    if len(key) == 1 and runs == (1,) and not (single_han and _han(key)):
        return "one_character", {"term": repr(term), "folded": repr(key)}
    return None


def term_message(term: str, lang: Lang | Literal["both"] = "en", *, single_han: bool = False) -> str | None:
    """`term_problem` as a sentence in `lang` (`both`: English, then the Chinese in brackets, for files read on the
    command line), or None when the term is good."""
    found = term_problem(term, single_han=single_han)
    if found is None:
        return None
    code, params = found
    if lang == "both":
        return f"{TERM_PROBLEMS.render(code, 'en', **params)} ({TERM_PROBLEMS.render(code, 'zh', **params)})"
    return TERM_PROBLEMS.render(code, lang, **params)
