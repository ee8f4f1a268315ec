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
from collections.abc import Iterable, Iterator
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
        if best is None or _selectivity(option) > _selectivity(best):
            best = option
    return best


def _factors(items: Any) -> frozenset[str] | None:
    """Factors of a parsed sequence (a ``SubPattern`` or a list of ``(op, arg)``): a set of strings, one of which
    every match of the sequence contains; None when no item gives one."""
    return _best(_options(items))


def _options(items: Any) -> list[frozenset[str]]:
    """Each factor set of a parsed sequence, one per item (or run of literals) that gives one: every match of the
    sequence holds a string of each."""
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
    return options


def required_factors(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """A set of literal strings one of which every match of ``pattern`` contains (``(?<!不)(?:都|均)是(?:诈骗|假的)``
    → ``{"诈骗", "假的"}``: the most selective item of each sequence, the union over alternatives); None when the
    pattern folds case, is verbose, or has an alternative (or the whole) with no literal it must hold."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    factors = _factors(_sre.parse(pattern.pattern, pattern.flags))
    return factors if factors and all(factors) else None


def _selectivity(option: frozenset[str]) -> tuple[int, int]:
    return min(map(len, option)), -len(option)


def _compiled(factors: frozenset[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(f) for f in sorted(factors, key=lambda f: (-len(f), f))))


@lru_cache(maxsize=64)
def factor_gates(pattern: re.Pattern[str], most: int = 2) -> tuple[re.Pattern[str], ...] | None:
    """Up to ``most`` gates that must each find something in a text ``pattern`` matches: for a pattern that is one
    sequence (a verb, then a messenger's name), the factor sets of its most selective items, each compiled as in
    `factor_gate` (both a verb and a name must be there); for one with top-level alternatives, `factor_gate` alone.
    None when there is none."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    tree = _sre.parse(pattern.pattern, pattern.flags)
    options = [o for o in _options(tree) if o and all(o)]
    if len(options) < 2:
        gate = factor_gate(pattern)
        return None if gate is None else (gate,)
    options.sort(key=_selectivity, reverse=True)
    return tuple(_compiled(o) for o in options[:most])


@lru_cache(maxsize=64)
def factor_gate(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """One regex matching wherever one of ``pattern``'s `required_factors` occurs, or None (run ``pattern``
    everywhere). ``gate.search(text) is None`` implies ``pattern.search(text) is None``."""
    factors = required_factors(pattern)
    return None if factors is None else _compiled(factors)


_SPACES = frozenset(c for c in range(0x3001) if chr(c).isspace())  # ``\s`` in a str pattern (none above U+3000)
_MAX_SET = 0x1000  # a first-character set larger than this is not spelled out (None: any character)


def _first_set(items: Any) -> frozenset[int] | None:
    """The code points a match of the parsed sequence ``items`` can start with; None when that is not known or the
    sequence can match the empty string (then any character may follow)."""
    out: set[int] = set()
    for op, arg in items:
        if op is _sre.LITERAL:
            out.add(arg)
            return frozenset(out)
        if op is _sre.IN:
            for item_op, item in arg:
                if item_op is _sre.LITERAL:
                    out.add(item)
                elif item_op is _sre.RANGE and item[1] - item[0] < _MAX_SET:
                    out.update(range(item[0], item[1] + 1))
                elif item_op is _sre.CATEGORY and item is _sre.CATEGORY_SPACE:
                    out.update(_SPACES)
                else:
                    return None
            return frozenset(out)
        if op is _sre.SUBPATTERN:
            _, add_flags, _, body = arg
            if add_flags & (re.IGNORECASE | re.VERBOSE):
                return None
            inner = _first_set(body)
            if inner is None or _may_be_empty(body):
                return None
            return frozenset(out | inner)
        if op is _sre.BRANCH:
            for branch in arg[1]:
                inner = _first_set(branch)
                if inner is None or _may_be_empty(branch):
                    return None
                out |= inner
            return frozenset(out)
        if op in _REPEATS:
            low, _, body = arg
            inner = _first_set(body)
            if inner is None or _may_be_empty(body):
                return None
            out |= inner
            if low >= 1:
                return frozenset(out)
            continue  # optional: what follows may come first
        return None  # an assertion, ANY, a category, a negated class …: not known
    return None  # the whole sequence may match nothing


def _may_be_empty(items: Any) -> bool:
    """Whether the parsed sequence ``items`` may match the empty string (conservative: True when unsure)."""
    for op, arg in items:
        if op in (_sre.LITERAL, _sre.IN, _sre.NOT_LITERAL, _sre.ANY):
            return False
        if op is _sre.SUBPATTERN and not _may_be_empty(arg[3]):
            return False
        if op is _sre.BRANCH and not any(_may_be_empty(b) for b in arg[1]):
            return False
        if op in _REPEATS and arg[0] >= 1 and not _may_be_empty(arg[2]):
            return False
    return True


def next_chars(pattern: re.Pattern[str]) -> dict[int, frozenset[int] | None] | None:
    """For a pattern whose every top-level alternative starts with a literal or a set of literals and ranges (see
    `engine.first_chars`): per first code point, the code points the second character of a match can be, or None
    when it may be any (or the match may end after one character). None when the pattern is not of that shape.
    Lets a caller drop the positions where a match cannot start before trying the regex there."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    tree = _sre.parse(pattern.pattern, pattern.flags)
    if not tree.data:
        return None
    op, arg = tree.data[0]
    branches = arg[1] if op is _sre.BRANCH and len(tree.data) == 1 else [tree]
    out: dict[int, frozenset[int] | None] = {}
    for branch in branches:
        items = list(branch)
        if not items:
            return None
        op, arg = items[0]
        if op is _sre.LITERAL:
            firsts = [arg]
        elif op is _sre.IN and all(item_op in (_sre.LITERAL, _sre.RANGE) for item_op, _ in arg):
            firsts = [
                c for item_op, item in arg for c in ([item] if item_op is _sre.LITERAL else range(item[0], item[1] + 1))
            ]
        else:
            return None
        second = _first_set(items[1:])
        for c in firsts:
            if c in out and (out[c] is None or second is None):
                out[c] = None
            else:
                out[c] = (out.get(c) or frozenset()) | second if second is not None else None
    return out


def _syntax(source: str, start: int = 0) -> Iterator[tuple[int, str]]:
    """The characters of ``source`` (a regex) from ``start`` that are syntax: not escaped and not inside a
    character class (``[...]``, a ``]`` first in it being a literal), with their index; then ``(-1, "")`` when a
    class is left open."""
    i = start
    in_class = False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if source[i + 1 : i + 2] == "^":
                i += 1
            if source[i + 1 : i + 2] == "]":  # a ] first in a class is a literal
                i += 1
        else:
            yield i, ch
        i += 1
    if in_class:
        yield -1, ""


def _top_level(source: str) -> list[str] | None:
    """``source`` (a regex) split at its top-level ``|``; None when its brackets do not balance."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in _syntax(source):
        if i < 0:
            return None
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return None
        elif ch == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
    if depth:
        return None
    parts.append(source[start:])
    return parts


def _one_char(source: str) -> bool:
    """Whether ``source`` (a regex) always matches exactly one character (a literal, an escape or a class)."""
    try:
        tree = _sre.parse(source)
    except re.error:
        return False
    return len(tree.data) == 1 and tree.data[0][0] in (_sre.LITERAL, _sre.IN, _sre.NOT_LITERAL, _sre.ANY)


@lru_cache(maxsize=64)
def lead_gate(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` with the look-behind each top-level alternative opens with made scannable: a positive one of one
    character (``(?<=[0-9a-z])``) read as that character, a negative one dropped. Python's regex engine then scans
    for the alternatives' first characters in C instead of trying every position (a pattern opening with a
    look-behind gives it none). Every match of ``pattern`` at p lies inside a match of the gate starting at p or at
    p - 1, so ``gate.search(text) is None`` implies ``pattern.search(text) is None``. None when no alternative
    opens with a look-behind, or one opens with another shape (a longer look-behind, a look-behind group that
    does not close)."""
    if pattern.flags & re.VERBOSE:
        return None
    parts = _top_level(pattern.pattern)
    if parts is None:
        return None
    out: list[str] = []
    changed = False
    for part in parts:
        if part.startswith(("(?<=", "(?<!")):
            end = _closing(part, 4)  # the look-behind's body closes at the first unbalanced ")"
            if end is None:
                return None
            body = part[4:end]
            if part.startswith("(?<!"):
                out.append(part[end + 1 :])
            elif _one_char(body):
                out.append(body + part[end + 1 :])
            else:
                return None
            changed = True
        else:
            out.append(part)
    if not changed or any(not p for p in out):
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in out), pattern.flags)
    except re.error:
        return None


def _closing(source: str, start: int) -> int | None:
    """The index of the ``)`` closing the group whose body starts at ``start`` in ``source``."""
    depth = 0
    for i, ch in _syntax(source, start):
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                return i
            depth -= 1
    return None
