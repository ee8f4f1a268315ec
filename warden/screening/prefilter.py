"""Literal pre-passes for costly regexes: run a regex only on texts that hold a string every one of its matches holds.

A regex that opens with a look-behind or a class gives Python's regex engine no literal to scan for, so a search
tries every position of the text (`precision._VERDICT` took ~9 % of `screen_many`'s CPU on the bench workload,
issue 13, fourth speed round). `required_factors` reads the pattern with Python's own parser (``re._parser``) and
finds a set of literal strings such that every match contains at least one of them; `factor_gate` compiles them
into one alternation of literals, which the regex engine scans for by its first characters, in C. A text the gate
does not match cannot match the pattern: the pre-pass never skips a text the pattern would find something in.
When the pattern's shape does not allow it (case folding, verbose mode, an alternative with no literal in it), the
functions return None and callers run the pattern everywhere, as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from re import _parser as _sre  # type: ignore[attr-defined]  # the stdlib parser: no stubs
from typing import Any

_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", _sre.MAX_REPEAT))
_MAX_CLASS = 16  # a class of at most this many literals counts as that many one-character factors


def _best(options: Iterable[frozenset[str]]) -> frozenset[str] | None:
    """Of several factor sets each of which every match satisfies, the most selective: its shortest string the
    longest, then the fewest strings (a two-character word is rarer than any one character)."""
    best: frozenset[str] | None = None
    for option in options:
        if best is None or (min(map(len, option)), -len(option)) > (min(map(len, best)), -len(best)):
            best = option
    return best


def _factors(items: Any) -> frozenset[str] | None:
    """Factors of a parsed sequence (a ``SubPattern`` or a list of ``(op, arg)``): a set of strings, one of which
    every match of the sequence contains; None when no item gives one."""
    options: list[frozenset[str]] = []
    run: list[str] = []
    for op, arg in items:
        if op is _sre.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            options.append(frozenset(["".join(run)]))
            run = []
        found: frozenset[str] | None = None
        if op is _sre.SUBPATTERN:
            _, add_flags, _, body = arg
            if not add_flags & (re.IGNORECASE | re.VERBOSE):
                found = _factors(body)
        elif op is _sre.BRANCH:
            parts = [_factors(branch) for branch in arg[1]]
            if parts and all(p is not None for p in parts):
                found = frozenset().union(*(p for p in parts if p is not None))
        elif op in _REPEATS:
            low, _, body = arg
            if low >= 1:
                found = _factors(body)
        elif op is getattr(_sre, "ATOMIC_GROUP", None):
            found = _factors(arg)
        elif op is _sre.IN and len(arg) <= _MAX_CLASS and all(item_op is _sre.LITERAL for item_op, _ in arg):
            found = frozenset(chr(c) for _, c in arg)
        # anything else (an assertion, a look-around, ANY, a category, a negated class, a back reference, AT)
        # promises no literal
        if found:
            options.append(found)
    if run:
        options.append(frozenset(["".join(run)]))
    return _best(options)


def required_factors(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """A set of literal strings one of which every match of ``pattern`` contains (``(?<!不)(?:都|均)是(?:诈骗|假的)``
    → ``{"诈骗", "假的"}``: the most selective item of each sequence, the union over alternatives); None when the
    pattern folds case, is verbose, or has an alternative (or the whole) with no literal it must hold."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    factors = _factors(_sre.parse(pattern.pattern, pattern.flags))
    return factors if factors and all(factors) else None


@lru_cache(maxsize=64)
def factor_gate(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """One regex matching wherever one of ``pattern``'s `required_factors` occurs, or None (run ``pattern``
    everywhere). ``gate.search(text) is None`` implies ``pattern.search(text) is None``."""
    factors = required_factors(pattern)
    if factors is None:
        return None
    return re.compile("|".join(re.escape(f) for f in sorted(factors, key=lambda f: (-len(f), f))))
