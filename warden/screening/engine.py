"""The evasion-resistant screening engine (S-A6, S-E3).

Pipeline per batch of messages (joined with NUL, research §6.5):

1. fold the batch once (numpy gather, separators and invisible characters deleted, runs collapsed)
   keeping an offset map;
2. map every folded Chinese character to a code for its toned syllable and scan that text once with
   one automaton holding every pattern (folded, pinyin, mixed, split, initials, emoji), every
   allow-list entry and the contact keywords, all in syllable space. A
   candidate whose folded text equals a pattern (and whose collapsed runs are as long as the
   pattern's: 扣扣 is not 扣) is a direct hit; one that only sounds the same is a homophone hit
   (lower severity, at least half of its characters identical, and the candidate read in context
   must give the term's reading in context; only for terms that allow homophones);
3. run the contact/personal-data detectors only on the messages the scan flagged (digit runs,
   top-level domains, WeChat-id keywords);
4. drop hits inside an allow-list match (口红包邮 holds 红包, 红包装厂 holds 红包装: words that read the
   characters another way, and business phrases such as 返利政策), enforce word boundaries on Latin
   edges, keep the leftmost-longest non-overlapping hits and map offsets back to each original message;
5. texts holding an add sign (+, ➕) or a tone number (a digit 0-5 after a Latin letter: hong2bao1)
   are matched a second time with those read as separators (the sign is 加 in the first reading), so
   红+包 (红包), +vx (加vx) and hong2bao1 (hongbao) are all found; overlaps go to the longest hit.

One scan instead of one per channel is what keeps the full pipeline near the raw matcher's speed.
Engines are immutable once built, so one instance is safe to share between threads; list changes
build a new engine (`with_lists`) that a `ScreenerRegistry` swaps in atomically.
"""

from __future__ import annotations

import itertools
import operator
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate, product
from operator import itemgetter
from typing import NamedTuple

import daachorse
import numpy as np
import numpy.typing as npt

from warden.screening.base import SEVERITIES, Hit
from warden.screening.contact_grammar import anchor_table, read_phrases
from warden.screening.detectors import CHANNEL as DETECTOR_CHANNEL
from warden.screening.detectors import (
    DIGIT_RUN,
    DRAWN_DIGITS,
    DRAWN_SPAN,
    GATE_TLDS,
    HEARTS,
    KEYWORDS,
    RAW_GATE,
    alias_chars,
    detect,
    id_card_valid,
    sound_pair_codes,
)
from warden.screening.dictionaries import Lexicon, TermSpec, load_lexicon, term_specs
from warden.screening.emoji_reading import EmojiReadings, Reading, keyword_emoji
from warden.screening.folding import (
    ADD_SIGNS,
    CLAUSE,
    CLAUSE_MARKS,
    NO_BREAK,
    NUL,
    Folded,
    detector_tables,
    fold,
    fold_key,
    is_ascii_letter_at,
    kept_emoji,
    traditional_to_simplified,
)
from warden.screening.forms import (
    Pattern,
    default_code,
    expand,
    homophone_pattern,
    homophone_sound_keys,
    is_han,
    is_word,
    lower_severity,
    mixed_homophone_patterns,
    other_tones,
    phrase_specs,
    polyphones,
    syllable_code,
    syllable_table,
    syllable_translation,
    toned_readings,
    toneless,
    words_among,
)
from warden.screening.message import INTRUSIVE, named_not_offered, separated_reading
from warden.screening.precision import _VERDICT as VERDICT
from warden.screening.precision import (
    CONTACT,
    addressed_to_another,
    named_as_fraud,
    plain_contact_alone,
    whole_sound_candidate,
    whole_sound_clear,
    within_clauses,
)
from warden.screening.prefilter import factor_gate, next_chars
from warden.screening.substitution import OneSubstitution, one_substitution_patterns

BATCH_SIZE = 2048
_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_SORT_KEY = itemgetter(0, 1, 2, 3)
_NAME_LIKE = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+)+")


_Joined = tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], tuple[npt.NDArray[np.intp], npt.NDArray[np.uint8]]]
"""What `ScreeningEngine._scan` read of a batch joined with NUL for the contact grammar's gate: code points, where
the NULs are, where anchors may start and their bits (`contact_grammar.anchored`)."""


class _Entry(NamedTuple):
    """What a candidate on one automaton key can turn out to be, once its folded text is checked."""

    folded: str  # the folded key the candidate's folded text must equal (or sound like)
    runs: tuple[int, ...] = ()  # per key character, the run length the text must have there; () = any
    pattern: Pattern | None = None  # a listed form
    homophone: Pattern | None = None  # a term that matches by sound
    allow: bool = False  # a word that reads the term's characters another way (红包装): the term is not there
    keyword: bool = False  # a contact keyword: run the detectors on this message
    cue: str = ""  # a warning cue (before, after, both, continue): a term it points at is named, not offered (严禁网赌)
    business: bool = False  # a business phrase (返利政策): the term in its trade sense, unless a lure is in reach
    lure: bool = False  # a lure (加我, 进群, 日赚): evidence that a term nearby is offered
    context: bool = False  # a context word: an ambiguous abbreviation in the same message counts (wd 上岸)


class _Expanded(NamedTuple):
    """Patterns of one term, cached so derived engines do not re-run pypinyin for shipped terms."""

    main: tuple[Pattern, ...]
    homophone: Pattern | None
    # more homophone patterns: part in pinyin (jia威信: `mixed_homophone_patterns`), written loosely (加我的威信:
    # `phrase_specs`)
    phrases: tuple[Pattern, ...] = ()


# A tone number: a digit 0-5 after a pinyin syllable (two letters at least, the last one a vowel or n, g, r, or
# a vowel after another tone number: gao1e2), not part of a longer number: hong2bao1, fan3 li4, ｈｏｎｇ２; not
# v2.1, Q3, A4, mp4 or Win10.
_TONE_NUMBER = re.compile(
    r"(?<=[A-Za-zＡ-Ｚａ-ｚ0-5０-５])[AEIOUVNRGaeiouvnrgＡＥＩＯＵＶＮＲＧａｅｉｏｕｖｎｒｇ]([0-5０-５])(?![0-9０-９])"
)
_SECOND_READING = str.maketrans(dict.fromkeys([*ADD_SIGNS, *kept_emoji()], " "))
_SEPARATE_AGAIN = frozenset([*ADD_SIGNS, *kept_emoji(), *INTRUSIVE])  # what the second reading turns into a space


def second_reading(text: str) -> str | None:
    """``text`` with its add signs, kept emoji (红💰包: the emoji stood between the letters, not for one), tone
    numbers and letters used as separators (兼丶职: `message.separated_reading`) turned into spaces (same length, so
    offsets hold), or None when it has none of them."""
    swapped = _TONE_NUMBER.sub(lambda m: m.group()[0] + " ", text.translate(_SECOND_READING))
    swapped = separated_reading(swapped)
    return swapped if swapped != text else None


RLO = "\u202e"
"""RIGHT-TO-LEFT OVERRIDE: what follows it, up to POP DIRECTIONAL FORMATTING (or an isolate's end, a line's end, the
text's end), is displayed in reverse order: ``\u202e包红领我加`` shows as 加我领红包."""
_OVERRIDE_ENDS = frozenset("\u202c\u2069\n\r\u2029")


def displayed(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` in the order it is displayed, as far as right-to-left overrides reorder it, and the spans [start,
    end) that were reversed (same length: the override characters stay where they are, and the fold removes them).
    An override inside a reversed span is one more character of it."""
    chars, spans, i = list(text), [], 0
    while (i := text.find(RLO, i)) >= 0:
        j = i + 1
        while j < len(text) and text[j] not in _OVERRIDE_ENDS:
            j += 1
        if j - i > 2:
            chars[i + 1 : j] = chars[i + 1 : j][::-1]
            spans.append((i + 1, j))
        i = j
    return "".join(chars), spans


def _as_written(hit: Hit, spans: list[tuple[int, int]], text: str) -> Hit:
    """A hit on the displayed order of ``text`` (`displayed`), on the text as sent: each end inside a reversed span
    is mirrored there, and the hit covers what it covered on screen."""

    def mirror(x: int) -> int:
        for a, b in spans:
            if a <= x < b:
                return a + b - 1 - x
        return x

    ends = (mirror(hit.start), mirror(hit.end - 1))
    start, end = min(ends), max(ends) + 1
    return Hit(hit.term, hit.category, hit.severity, hit.channel, start, end, text[start:end], hit.intent)


_NUL_CODE = np.zeros(1, dtype=np.uint32)  # NUL between the pieces of the qualifying words' scan (its syllable code is
# its own: 0, in no key)
_ASTRAL = 0xFFFF  # the one 16-bit code every character outside the BMP gets in the scan (the check tells them apart)


def _unit_table(table: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint16]:
    """A syllable table (folded code point → syllable code) as 16-bit units for the byte-wise scan."""
    out = np.minimum(table, _ASTRAL).astype("<u2")
    out.flags.writeable = False
    return out


def _units(key: str) -> bytes:
    """A syllable-space key as the scan sees it: 16-bit little-endian units, characters outside the BMP as one."""
    return "".join(ch if ord(ch) < _ASTRAL else chr(_ASTRAL) for ch in key).encode("utf-16-le")


def _runs_ok(folded: Folded, start: int, runs: tuple[int, ...]) -> bool:
    """Whether the text's collapsed runs from ``start`` are at least as long as the pattern needs."""
    return all(r == 1 or folded.run_length(start + i) >= r for i, r in enumerate(runs))


def _allow_holds(folded: Folded, a: int, b: int, s: int, e: int) -> bool:
    """Whether allow-list match ``[a, b)`` removes hit ``[s, e)`` it holds. Not when the text sets the hit off
    inside the match: by clause punctuation (套现，有意者 is 套现, not 套现有), or by a space when the hit itself
    is written without one (红包 装好 is 红包). A match written across the hit's own separators still holds
    (宣传，销售 is 宣传 + 销售; 口 红 包 邮 is 口红 + 包邮)."""
    if folded.gapless(a, b):  # written as one run of characters (the usual case): nothing sets the hit off
        return True
    edges = [folded.separator(k) for k, inside in ((s, a < s), (e, e < b)) if inside]
    if CLAUSE in edges:
        return False
    return not any(edges) or any(folded.separator(k) for k in range(s + 1, e))


CUE_SIDES = ("before", "after", "both", "continue")
CUE_BEFORE_REACH = 16  # folded characters from a cue's end to the term it points at (严禁员工参与任何形式的网络赌博)
CUE_AFTER_REACH = 6  # folded characters from the term's end to a cue after it (刷单诈骗, 网贷陷阱)
CUE_CONTINUE_REACH = 24  # folded characters from a cue's end to a word that carries it on (严禁…，包括但不限于 …)
LURE_REACH = 12  # folded characters between a lure and the term it offers (加我领红包, 红包活动最后一天，速加)
_NEGATIONS = ("不", "无", "没", "非", "别")  # 不违法, 无风险, 非诈骗: a denied cue is no cue (刷单不违法)
_LONGEST_CUE = 8  # folded characters; cues are looked up by start, sorted (cues.tsv holds none longer)
_CUE_BEFORE_WINDOW = CUE_CONTINUE_REACH + CUE_BEFORE_REACH + 2 * _LONGEST_CUE  # how far before a term a cue may start
_ENUMERATION = frozenset("、")  # 刷单、网贷等骗局: one list, one clause
_IN_CLAUSE = frozenset(
    "、：:"
)  # an enumeration (严禁网赌、传销) or a heading (防范非法集资：…) stays in the cue's reach
_SENTENCE_END = frozenset("。！？!?；;\n\r｡…")
NOT_EVIDENCE = frozenset({"id_card_number", "bank_card_number", "confidential"})
"""Hit categories that are no evidence of intent for an ordinary word beside them (a customer's card number in a
cash-back message is the shop's business); every other hit is (a phone number, 加微信, 刷单)."""


def _marks(folded: Folded, joined: str, lo: int, hi: int) -> str:
    """The punctuation written between folded positions ``lo - 1`` and ``hi`` (what the fold deleted there)."""
    if lo >= hi or folded.gapless(lo - 1, hi + 1):
        return ""
    (o_lo,), (o_hi,) = folded.original_spans([lo - 1], [hi + 1])
    return "".join(ch for ch in joined[o_lo + 1 : o_hi - 1] if ch in CLAUSE_MARKS)


def _may_hold(spans: list[tuple[int, int]], starts: list[int], ends: list[int]) -> list[bool]:
    """Per folded span ``[starts[i], ends[i])``, whether one of ``spans`` (sorted) may hold it: one starting at or
    before it ends at or after it (`ScreeningEngine._allowed` then decides)."""
    if not spans:
        return [False] * len(starts)
    reach = np.maximum.accumulate(np.asarray([b for _, b in spans]))  # the furthest end of the spans so far
    i = np.searchsorted(np.asarray([a for a, _ in spans]), np.asarray(starts), side="right") - 1
    held: list[bool] = ((i >= 0) & (np.take(reach, i, mode="clip") >= np.asarray(ends))).tolist()
    return held


def _lure_between(lures: list[tuple[int, int]], lo: int, hi: int) -> bool:
    """Whether a lure lies inside folded ``[lo, hi)`` (``lures``: sorted spans)."""
    for ls, le in lures[bisect_left(lures, (lo, -1)) :]:
        if ls >= hi:
            return False
        if le <= hi:
            return True
    return False


def _lured(lures: list[tuple[int, int]], folded: Folded, joined: str, s: int, e: int) -> bool:
    """Whether a lure lies within `LURE_REACH` folded characters of span ``[s, e)`` (or overlaps it), in the same
    sentence of the same message."""
    ftext = folded.text
    i = bisect_left(lures, (s - LURE_REACH - _LONGEST_CUE, -1))
    for ls, le in lures[i:]:
        if ls > e + LURE_REACH:
            break
        if le <= s:
            if s - le > LURE_REACH:
                continue
            lo, hi = le, s
        elif ls >= e:
            lo, hi = e, ls
        else:
            return True  # overlapping: 每天送 in 每天送红包
        if NUL in ftext[lo:hi]:
            continue
        if not any(ch in _SENTENCE_END for ch in _marks(folded, joined, lo, hi)):
            return True
    return False


def _under_cue(
    cue_starts: list[int],
    cues: list[tuple[int, int, str]],
    lures: list[tuple[int, int]],
    folded: Folded,
    joined: str,
    s: int,
    e: int,
) -> bool:
    """Whether folded span ``[s, e)`` is named by a warning cue rather than offered: a cue ``before`` it (严禁,
    谨防, 防范 …) ending at most `CUE_BEFORE_REACH` characters before it in the same clause (an enumeration comma
    and a heading's colon do not end it), or a cue ``after`` it (诈骗, 骗局 …) starting at most `CUE_AFTER_REACH`
    characters after it in the same clause and not itself denied (刷单不违法 keeps 刷单). A ``continue`` word
    (包括, 从事 …) counts as a cue before when a cue before it in the same sentence carries over to it. No lure may
    lie between the cue and the term (严禁外传：加我领红包 keeps 红包)."""
    ftext = folded.text
    lo_at = bisect_left(cue_starts, s - _CUE_BEFORE_WINDOW)
    window = cues[lo_at : bisect_right(cue_starts, e + CUE_AFTER_REACH)]
    for k, (cs, ce, side) in enumerate(window):
        if (
            side != "after"
            and ce <= s
            and s - ce <= CUE_BEFORE_REACH
            and NUL not in ftext[ce:s]
            and (side != "continue" or _carried(window[:k], folded, joined, cs))
            and set(_marks(folded, joined, ce, s)) <= _IN_CLAUSE
            and not _lure_between(lures, ce, s)
        ):
            return True
        if (
            side in ("after", "both")
            and cs >= e
            and cs - e <= CUE_AFTER_REACH
            and ftext[cs - 1] not in _NEGATIONS
            and ftext[cs - 2 : cs] != "不是"
            and NUL not in ftext[e:cs]
            and set(_marks(folded, joined, e, cs)) <= _ENUMERATION
            and not _lure_between(lures, e, cs)
        ):
            return True
    return False


def _carried(earlier: list[tuple[int, int, str]], folded: Folded, joined: str, at: int) -> bool:
    """Whether a cue before (among ``earlier``) carries over to a ``continue`` word at folded ``at``: within
    `CUE_CONTINUE_REACH`, in the same sentence."""
    ftext = folded.text
    for _, ce, side in earlier:
        if (
            side in ("before", "both")
            and ce <= at
            and at - ce <= CUE_CONTINUE_REACH
            and NUL not in ftext[ce:at]
            and not any(ch in _SENTENCE_END for ch in _marks(folded, joined, ce, at))
        ):
            return True
    return False


_NONE_HELD: list[int] = []  # shared, never appended to
_YES, _NO = -2, -1  # `_sounds_like`'s verdicts besides a near-homophone's position


def _ordinary_at(folded: Folded, ftext: str, ats: list[int]) -> list[bool]:
    """`_ordinary` for several positions, with one lookup in the word list."""
    windows = [
        [(lo, hi) for lo, hi in ((at - 1, at + 1), (at, at + 2), (at - 2, at + 1), (at - 1, at + 2), (at, at + 3))
         if lo >= 0 and hi <= len(ftext)]
        for at in ats
    ]  # fmt: skip
    words = iter(words_among([ftext[lo:hi] for spans in windows for lo, hi in spans]))
    out = []
    for at, spans in zip(ats, windows, strict=True):
        found = [span for span in spans if next(words) and not _with_particle(ftext, at, span)]
        out.append(any(all(folded.separator(k) == NO_BREAK for k in range(lo + 1, hi)) for lo, hi in found))
    return out


_PARTICLES = frozenset("了着过的地得吗呢吧啊")


def _with_particle(ftext: str, at: int, span: tuple[int, int]) -> bool:
    """Whether the word list's window ``span`` around the character at ``at`` only joins it to a particle (靠了 in
    代靠了解一下): a verb with its aspect particle says nothing about whether the character belongs to a word."""
    lo, hi = span
    return any(ftext[k] in _PARTICLES for k in range(lo, hi) if k != at)


def _ordinary(folded: Folded, ftext: str, at: int) -> bool:
    """Whether the character at folded ``at``, the one of a near-homophone candidate that differs from the term in
    tone, belongs to an ordinary word there: two or three characters around it, written together, that jieba's
    word list holds (年终奖 holds 终奖 for 中奖, but 终 is in 年终; 红宝石: 宝石; 在读博: 在读). A disguise is no
    word (月炮, 忘贷, 穿销)."""
    spans = [(lo, hi) for lo, hi in ((at - 1, at + 1), (at, at + 2), (at - 2, at + 1), (at - 1, at + 2), (at, at + 3))
             if lo >= 0 and hi <= len(ftext)]  # fmt: skip
    for (lo, hi), word in zip(spans, words_among([ftext[lo:hi] for lo, hi in spans]), strict=True):
        if (
            word
            and not _with_particle(ftext, at, (lo, hi))
            and all(folded.separator(k) == NO_BREAK for k in range(lo + 1, hi))  # 您好，旺贷: 好旺 is no word
        ):
            return True
    return False


def _repeated_numerals(key: str, term: str, runs: tuple[int, ...]) -> list[str]:
    """Keys for a term with a Chinese numeral written twice or three times (加一一下微信): the fold reads 一 as the
    digit 1 and never collapses digits (13333333333 stays a phone number), so the repeats are listed instead. Only
    for terms with one or two numerals, written in Han characters, and no run lengths of their own."""
    at = [i for i, ch in enumerate(key) if "0" <= ch <= "9"]
    if not at or len(at) > 2 or runs or not any(is_han(ch) for ch in term) or any("0" <= ch <= "9" for ch in term):
        return []
    out = []
    for counts in product((1, 2, 3), repeat=len(at)):
        if any(n > 1 for n in counts):
            times = dict(zip(at, counts, strict=True))
            out.append("".join(ch * times.get(i, 1) for i, ch in enumerate(key)))
    return out


def _runs_exact(folded: Folded, start: int, end: int, runs: tuple[int, ...]) -> bool:
    """Whether the text's collapsed runs from ``start`` are exactly the pattern's (initials: SSD is not sd)."""
    heads = folded.heads
    if not runs:  # one character each: nothing collapsed inside (two lookups instead of one per character)
        if heads is None:
            return True
        nxt = int(heads[end]) if end < heads.size else int(folded.origin.size)
        return nxt - int(heads[start]) == end - start
    if heads is None:
        return all(r == 1 for r in runs)
    size = heads.size
    bounds = [int(heads[k]) for k in range(start, min(end + 1, size))]
    if end >= size:
        bounds.append(int(folded.origin.size))
    return all(b - a == r for a, b, r in zip(bounds, bounds[1:], runs, strict=False))


def _latin_edges_free(folded: Folded, joined: str, start: int, end: int) -> bool:
    """Whether a Latin form at folded ``[start, end)`` stands alone: no letter right before or after it in the text as
    sent (the resolution checks this too; done early for initials, whose two letters hide inside many words)."""
    origin, heads = folded.origin, folded.heads
    if heads is None:
        os, last = int(origin[start]), int(origin[end - 1])
    else:
        os = int(origin[heads[start]])
        last = int(origin[int(heads[end]) - 1 if end < heads.size else origin.size - 1])
    return not is_ascii_letter_at(joined, os - 1, -1) and not is_ascii_letter_at(joined, last + 1, 1)


# add signs, kept emoji and hearts, found with one gather over the raw batch
_HEART_CODES = frozenset(ord(c) for c in HEARTS)
# a colon after a short contact name (V：, 威：) or an @ before a handle: the detectors look (`_raw_gates`)
_ALIAS_TABLE = np.zeros(0x110000, dtype=bool)
_ALIAS_TABLE[[ord(c) for c in alias_chars()]] = True
_HANDLE_START = np.zeros(0x110000, dtype=bool)
_HANDLE_START[[*range(0x41, 0x5B), *range(0x61, 0x7B), 0x5F]] = True
# What the gates look for, one gather and one scan for nonzero per batch instead of one pass per kind; by raw code
# point: an add sign, a kept emoji or a heart (1), a colon or an @ (2, see `_raw_gates`), NUL (4, between messages),
# where the detectors' raw gate can start (8, below)
_RAW_MARK, _RAW_COLON, _RAW_NUL = 1, 2, 4
_RAW_FLAGS = np.zeros(0x110000, dtype=np.uint8)
_RAW_FLAGS[[ord(c) for c in (*ADD_SIGNS, *kept_emoji(), *HEARTS)]] |= _RAW_MARK
_RAW_FLAGS[[ord(c) for c in INTRUSIVE]] |= _RAW_MARK  # a letter used as a separator (兼丶职): a second reading
_RAW_FLAGS[[0x3A, 0xFF1A, 0x40]] |= _RAW_COLON
_RAW_FLAGS[0] |= _RAW_NUL
# an emoji the fold deletes that CLDR names with a piece of a term (✋ 手, ⌨ 打字): a reading with its keyword (128)
_RAW_READABLE = 128
_RAW_FLAGS[[ord(c) for c in keyword_emoji()]] |= _RAW_READABLE
# where the contact grammar's anchors may start (`contact_grammar.anchor_table`'s bits 1, 2, 4 as 16, 32, 64): its
# gate reads them from this gather instead of its own pass over the batch
_RAW_ANCHOR_SHIFT = 4
_RAW_ANCHOR = 7 << _RAW_ANCHOR_SHIFT
_RAW_FLAGS[: anchor_table().size] |= anchor_table() << _RAW_ANCHOR_SHIFT


def first_chars(pattern: re.Pattern[str]) -> frozenset[int] | None:
    """The code points a match of ``pattern`` can start with, when every top-level alternative starts with a literal
    or a set of literals and ranges (``\\.co|1[3-9]…`` → ``{0x2E, 0x31}``); None when one may start otherwise (an
    assertion, a group, a negated or category set, case folding, a large range). Read with Python's own regex parser
    (``re._parser``). Used to run `RAW_GATE` only where a match can start: the same matches as ``finditer`` over the
    whole batch (`gate_positions`)."""
    from re import _parser as sre  # type: ignore[attr-defined]  # the stdlib parser: no stubs

    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    tree = sre.parse(pattern.pattern, pattern.flags)
    if not tree.data:
        return None
    op, arg = tree.data[0]
    branches = arg[1] if op is sre.BRANCH and len(tree.data) == 1 else [tree]
    out: set[int] = set()
    for branch in branches:
        if not branch.data:
            return None
        op, arg = branch.data[0]
        if op is sre.LITERAL:
            out.add(arg)
            continue
        if op is not sre.IN:
            return None
        for item_op, item in arg:
            if item_op is sre.LITERAL:
                out.add(item)
            elif item_op is sre.RANGE and item[1] - item[0] < 0x10000:
                out.update(range(item[0], item[1] + 1))
            else:
                return None
    return frozenset(out)


# where a match of the detectors' raw gate can start (`first_chars`): flagged (8) in the same gather, so the regex
# runs at those few positions instead of over the whole batch; None: the regex scans the batch (`gate_positions`)
_RAW_GATE_START = 8
_GATE_FIRST = first_chars(RAW_GATE)
if _GATE_FIRST is not None:
    _RAW_FLAGS[sorted(_GATE_FIRST)] |= _RAW_GATE_START
# what may follow each first character (`prefilter.next_chars`): a start whose next character no match can have is
# dropped before the regex is tried (下, 点, 空, 反 start 艾特-style words and are common; 下划线 needs 划 next)
_GATE_NEXT = None if _GATE_FIRST is None else next_chars(RAW_GATE)
_GATE_PAIRS = np.array(
    sorted(f << 21 | c for f, seconds in (_GATE_NEXT or {}).items() if seconds is not None for c in seconds),
    dtype=np.intp,
)
_GATE_ANY = np.array(sorted(f for f, seconds in (_GATE_NEXT or {}).items() if seconds is None), dtype=np.intp)


def gate_starts(raw: npt.NDArray[np.intp], at: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """The positions of ``at`` (sorted, in the text whose code points are ``raw``) where a match of `RAW_GATE` may
    start by its first two characters (`_GATE_NEXT`): the same matches from `gate_positions`, fewer tries."""
    if _GATE_NEXT is None or not at.size:
        return at
    nxt = np.take(raw, at + 1, mode="clip")
    keys = np.take(raw, at, mode="clip") << 21 | nxt
    keys[at + 1 >= raw.size] = -1  # nothing follows the last character
    ok: npt.NDArray[np.bool_] = np.zeros(at.size, dtype=bool)
    if _GATE_PAIRS.size:
        i = np.minimum(np.searchsorted(_GATE_PAIRS, keys), _GATE_PAIRS.size - 1)
        ok |= _GATE_PAIRS[i] == keys
    if _GATE_ANY.size:
        ok |= np.isin(np.take(raw, at, mode="clip"), _GATE_ANY)
    kept: npt.NDArray[np.intp] = at[ok]
    return kept


def gate_positions(joined: str, at: npt.NDArray[np.intp] | None) -> list[int]:
    """Where `RAW_GATE` matches in ``joined``, as ``[m.start() for m in RAW_GATE.finditer(joined)]``: ``at`` holds
    (sorted) every position where a match can start (`first_chars`), or is None to scan the whole text. From each
    candidate the regex is tried in place; a candidate inside the previous match is skipped, as ``finditer`` resumes
    at a match's end (no match is empty: each starts with a character)."""
    if at is None:
        return [m.start() for m in RAW_GATE.finditer(joined)]
    out: list[int] = []
    resume = 0
    match = RAW_GATE.match
    for p in at.tolist():
        if p < resume:
            continue
        m = match(joined, p)
        if m is not None:
            out.append(p)
            resume = max(m.end(), p + 1)
    return out


# what every verdict of `named_as_fraud` holds (a literal alternation; None: run the verdict regex on every text)
_VERDICT_GATE = factor_gate(VERDICT)


# by folded code: the sound-pair bits of `sound_pair_codes` (1, 2, 4), a digit (8), NUL (16)
_SOUND_BITS, _CODE_DIGIT, _CODE_NUL = 7, 8, 16
_CODE_FLAGS = np.zeros(0x110000, dtype=np.uint8)
for _ch, _bits in sound_pair_codes().items():
    _CODE_FLAGS[ord(_ch)] = _bits
_CODE_FLAGS[0x30:0x3A] |= _CODE_DIGIT
_CODE_FLAGS[0] |= _CODE_NUL
_SOUND_PAIR_REACH = 4  # folded characters after 威芯 / 抠抠 where what they give must start (号, 是, 为 between)
_AT = 0x40


def _raw_gates(raw: npt.NDArray[np.intp], at: npt.NDArray[np.intp]) -> list[int]:
    """Positions in a raw batch where a detector may find a contact without digits or a keyword: a colon right
    after a short contact name (one space allowed between), an @ before a handle's first letter. ``at``: the
    positions of the batch's colons and @ signs."""
    if not at.size:
        return []
    before = np.take(raw, np.maximum(at - 1, 0), mode="clip")
    before2 = np.take(raw, np.maximum(at - 2, 0), mode="clip")
    after = np.take(raw, at + 1, mode="clip")
    alias = np.take(_ALIAS_TABLE, before, mode="clip") | (
        (before == 0x20) & np.take(_ALIAS_TABLE, before2, mode="clip")
    )
    handle = (np.take(raw, at, mode="clip") == _AT) & np.take(_HANDLE_START, after, mode="clip")
    found: list[int] = at[(alias & (at > 0)) | handle].tolist()
    return found


def _half_same(a: str, b: str, readings: tuple[str, ...], shapes: Mapping[str, str] | None = None) -> bool:
    """At least half the characters identical (虹包 for 红包, not any two characters that rhyme), a look-alike by
    shape (``shapes``: 伽 for 加) counting as identical, and only characters differ, never digits (all digits share
    one code in syllable space), except a digit of the term that was a Chinese numeral (``readings`` has its sound:
    移夜情 for 一夜情, whose key is 1夜情)."""
    same = 0
    for x, y, want in zip(a, b, readings, strict=True):
        if x == y or (shapes is not None and shapes.get(x) == y):
            same += 1
        elif "0" <= x <= "9" or ("0" <= y <= "9" and not want):
            return False
    return 2 * same >= len(b)


class ScreeningEngine:
    """Screens text for listed terms in all their disguises, plus contact and personal-data detectors."""

    def __init__(
        self,
        terms: Sequence[TermSpec],
        allow: Sequence[str] = (),
        *,
        emoji: Sequence[tuple[str, str]] = (),
        homophones: Sequence[tuple[str, str]] = (),
        splits: Sequence[tuple[str, tuple[str, ...]]] = (),
        cues: Sequence[tuple[str, str]] = (),
        business: Sequence[str] = (),
        lures: Sequence[str] = (),
        ordinary: Iterable[str] = (),
        context: Sequence[str] = (),
        phrases: Sequence[tuple[str, tuple[str, ...]]] = (),
        shapes: Sequence[tuple[str, str]] = (),
        alike: Sequence[tuple[str, str]] = (),
        detectors: bool = True,
        per_category: bool = False,
        _cache: dict[TermSpec, _Expanded] | None = None,
    ) -> None:
        self.terms: tuple[TermSpec, ...] = tuple(dict.fromkeys(terms))
        self.allow: tuple[str, ...] = tuple(dict.fromkeys(a.strip() for a in allow if fold_key(a.strip())[0]))
        self.emoji: tuple[tuple[str, str], ...] = tuple(emoji)
        self.homophones: tuple[tuple[str, str], ...] = tuple(homophones)
        self.phrases: tuple[tuple[str, tuple[str, ...]], ...] = tuple(phrases)
        self.splits: tuple[tuple[str, tuple[str, ...]], ...] = tuple(splits)
        self.cues: tuple[tuple[str, str], ...] = tuple(dict.fromkeys(cues))
        self.context: tuple[str, ...] = tuple(dict.fromkeys(w.strip() for w in context if fold_key(w.strip())[0]))
        if any(side not in CUE_SIDES for _, side in self.cues):
            raise ValueError(f"a cue's side must be one of {CUE_SIDES}")
        self.business: tuple[str, ...] = tuple(dict.fromkeys(b.strip() for b in business if fold_key(b.strip())[0]))
        self.lures: tuple[str, ...] = tuple(dict.fromkeys(w.strip() for w in lures if fold_key(w.strip())[0]))
        self.ordinary: frozenset[str] = frozenset(w.strip() for w in ordinary if w.strip())
        self.detectors = detectors
        self.per_category = per_category
        self.shapes: tuple[tuple[str, str], ...] = tuple(shapes)
        self.alike: tuple[tuple[str, str], ...] = tuple(alike)
        self._classes = (*self.homophones, *self.shapes)  # what joins a character's syllable class
        self._syllables: npt.NDArray[np.uint16] = _unit_table(syllable_table(self._classes))
        # look-alikes by shape join the homophone classes (a `homophones` pair too); a candidate with one is checked
        # against the word list like a near-homophone (`_sounds_like`)
        self._variant_of = {v: canonical for canonical, variants in self._classes for v in variants}
        self._shape_of = {v: canonical for canonical, variants in self.shapes for v in variants}
        split_map = dict(self.splits)
        if detectors:
            detector_tables()  # built once per process; do it now rather than on the first message
            id_card_valid("11010519491231002X")  # python-stdnum reads its region table on first use (~0.3 s)
            is_word("宝石")  # jieba's word list, read once (~0.5 s), for near-homophones
        cache = dict(_cache or {})
        # one pattern per folded key and run lengths (and category, with `per_category`): highest severity, most
        # direct channel
        best: dict[tuple[str, tuple[int, ...], str], Pattern] = {}
        sounds: dict[tuple[str, tuple[int, ...], str], Pattern] = {}
        listed = {spec.term for spec in self.terms}
        for spec in self.terms:
            expanded = cache.get(spec)
            if expanded is None:
                # a loose shape that is, or holds, another listed term leaves that term its own name (加我个微信;
                # 私聊我vx is 私聊我 and vx, not a loose 加vx)
                loose = [
                    ps
                    for ps in phrase_specs(spec, self.phrases, listed)
                    if not any(t in ps.term and t not in spec.term for t in listed)
                ]
                expanded = cache[spec] = _Expanded(
                    (
                        *expand(spec, self.emoji, split_map),
                        *(p._replace(term=spec.term) for ps in loose for p in expand(ps)),
                    ),
                    homophone_pattern(spec),
                    (
                        *mixed_homophone_patterns(spec),
                        *(h._replace(term=spec.term) for ps in loose if (h := homophone_pattern(ps)) is not None),
                    ),
                )
            for p in expanded.main:
                # an abbreviation several terms share (wd: 网赌, 网贷) stands for each of them
                k = (p.key, p.runs, p.category if per_category else p.term if p.channel == "initials" else "")
                if k not in best or p.rank() > best[k].rank():
                    best[k] = p
            for h in (expanded.homophone, *expanded.phrases):
                if h is not None:
                    k = (h.key, h.runs, h.category if per_category else "")
                    if k not in sounds or h.rank() > sounds[k].rank():
                        sounds[k] = h
        self._cache = cache
        # round 9: a longer term with one character swapped for a looser look-alike or a sound-alike (安全账尸)
        # round 9: an emoji the fold deletes read as its CLDR keyword where that is a piece of a term (✋工活外发), for
        # an engine with the rebus table (as its emoji forms)
        self._emoji_readings = EmojiReadings(spec.term for spec in self.terms if self.emoji)
        self._one_sub = OneSubstitution(
            one_substitution_patterns([cache[spec].homophone for spec in self.terms]),
            self.alike,
            (k[0] for k in best),
        )
        entries: dict[tuple[str, tuple[int, ...], str], _Entry] = {}
        for (key, runs, category), p in best.items():
            entries[key, runs, category] = _Entry(key, runs, pattern=p)
            for variant in _repeated_numerals(key, p.term, runs):
                entries.setdefault((variant, (), category), _Entry(variant, pattern=p))
        for a in self.allow:
            key, runs = fold_key(a)
            k = (key, runs if any(r > 1 for r in runs) else (), "")
            old = entries.get(k)
            entries[k] = old._replace(allow=True) if old else _Entry(k[0], k[1], allow=True)
        for b in self.business:
            key, runs = fold_key(b)
            k = (key, runs if any(r > 1 for r in runs) else (), "")
            old = entries.get(k)
            entries[k] = old._replace(business=True) if old else _Entry(k[0], k[1], business=True)
        for word, side in self.cues:
            key, runs = fold_key(word)
            if len(key) > _LONGEST_CUE:
                raise ValueError(f"cue {word!r} is longer than {_LONGEST_CUE} characters")
            if key:
                k = (key, runs if any(r > 1 for r in runs) else (), "")
                old = entries.get(k)
                entries[k] = old._replace(cue=side) if old else _Entry(k[0], k[1], cue=side)
        for word in self.lures:
            key, runs = fold_key(word)
            if len(key) > _LONGEST_CUE:
                raise ValueError(f"lure {word!r} is longer than {_LONGEST_CUE} characters")
            k = (key, runs if any(r > 1 for r in runs) else (), "")
            old = entries.get(k)
            entries[k] = old._replace(lure=True) if old else _Entry(k[0], k[1], lure=True)
        for word in self.context:
            key, runs = fold_key(word)
            k = (key, runs if any(r > 1 for r in runs) else (), "")
            old = entries.get(k)
            entries[k] = old._replace(context=True) if old else _Entry(k[0], k[1], context=True)
        if detectors:
            for word in (*KEYWORDS, *GATE_TLDS):
                k = (fold_key(word)[0], (), "")
                old = entries.get(k)
                entries[k] = old._replace(keyword=True) if old else _Entry(k[0], keyword=True)
        by_sound: dict[str, dict[tuple[str, tuple[int, ...], str], _Entry]] = {}
        for k, entry in entries.items():
            by_sound.setdefault(self._sound(k[0]), {})[k] = entry
        for k, h in sounds.items():
            for sound in homophone_sound_keys(h, self._classes):
                group = by_sound.setdefault(sound, {})
                old = group.get(k)
                group[k] = old._replace(homophone=h) if old else _Entry(k[0], k[1], homophone=h)
        self._longest_allow = max((len(fold_key(a)[0]) for a in (*self.allow, *self.business)), default=0)
        # per homophone pattern (by identity: the patterns live as long as the engine), see `_sound_codes`
        self._sound_cache: dict[int, tuple[tuple[int | None, ...], tuple[frozenset[int], ...]]] = {}
        # Two automata: the main one (terms, homophones, contact keywords, lures, context words) scans every text;
        # the words that only qualify a hit (allow-list, business phrases, cues) are looked for only in the few
        # messages that have a hit that may count, so ordinary text pays for little more than its terms (as a plain
        # matcher would).
        main: dict[str, list[_Entry]] = {}
        aux: dict[str, list[_Entry]] = {}
        for sound, group in by_sound.items():
            for entry in group.values():
                if (
                    entry.pattern is not None
                    or entry.homophone is not None
                    or entry.keyword
                    or entry.lure
                    or entry.context
                ):
                    main.setdefault(sound, []).append(entry._replace(allow=False, business=False, cue=""))
                if entry.allow or entry.business or entry.cue:
                    aux.setdefault(sound, []).append(
                        entry._replace(pattern=None, homophone=None, keyword=False, lure=False, context=False)
                    )
        self._keys = list(main)
        self._entries = [tuple(main[k]) for k in self._keys]
        # per key with one entry and no run lengths, keyword, context word or abbreviation (most candidates): the
        # folded key, the pattern's -severity rank, pattern and channel, whether it is a lure, and its homophone
        self._plain: list[tuple[str, int, Pattern | None, str, bool, Pattern | None] | None] = [
            (
                e.folded,
                -_RANK[e.pattern.severity] if e.pattern else 0,
                e.pattern,
                e.pattern.channel if e.pattern else "",
                e.lure,
                e.homophone,
            )
            if len(group) == 1
            and not ((e := group[0]).runs or e.keyword or e.context)
            and (e.pattern is None or not (e.pattern.context or e.pattern.channel == "initials"))
            else None
            for group in self._entries
        ]
        # per key whose entries have no homophone: the folded keys a candidate must equal to be anything (most
        # candidates of the contact keywords, found by sound, are not)
        self._exact: list[frozenset[str] | None] = [
            None if any(e.homophone is not None for e in group) else frozenset(e.folded for e in group)
            for group in self._entries
        ]
        self._ac = daachorse.DoubleArrayAhoCorasick([_units(k) for k in self._keys]) if self._keys else None
        self._aux_keys = list(aux)
        self._aux_entries = [tuple(aux[k]) for k in self._aux_keys]
        self._aux_ac = daachorse.DoubleArrayAhoCorasick([_units(k) for k in self._aux_keys]) if self._aux_keys else None
        self._patterns = list(best.values())

    def _sound(self, folded: str) -> str:
        return folded.translate(syllable_translation(self._classes))

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_lexicon(cls, lexicon: Lexicon) -> ScreeningEngine:
        return cls(
            lexicon.terms,
            lexicon.allow,
            emoji=lexicon.emoji,
            homophones=lexicon.homophones,
            splits=lexicon.splits,
            cues=lexicon.cues,
            business=lexicon.business,
            lures=lexicon.lures,
            ordinary=lexicon.ordinary,
            context=lexicon.context,
            phrases=lexicon.phrases,
            shapes=lexicon.shapes,
            alike=lexicon.alike,
        )

    def with_lists(
        self,
        terms: Iterable[TermSpec | tuple[str, str, str]] = (),
        allow: Iterable[str] = (),
    ) -> ScreeningEngine:
        """A new engine with extra terms and allow-list entries (e.g. one enterprise's lists).

        Expanded forms of the existing terms are reused; only the new terms are expanded and the
        automata rebuilt (milliseconds for the shipped lexicon).
        """
        return ScreeningEngine(
            [*self.terms, *term_specs(terms)],
            [*self.allow, *allow],
            emoji=self.emoji,
            homophones=self.homophones,
            splits=self.splits,
            cues=self.cues,
            business=self.business,
            lures=self.lures,
            ordinary=self.ordinary,
            context=self.context,
            phrases=self.phrases,
            shapes=self.shapes,
            alike=self.alike,
            detectors=self.detectors,
            per_category=self.per_category,
            _cache=self._cache,
        )

    def for_terms(
        self,
        terms: Iterable[TermSpec | tuple[str, str, str]],
        allow: Iterable[str] = (),
        *,
        detectors: bool = False,
        per_category: bool = False,
    ) -> ScreeningEngine:
        """A new engine for these terms only, with this engine's folding data (homophone classes, split forms,
        emoji): the same disguises are found, the platform's list is not. For a list of its own, such as an
        enterprise keyword rule (``ProjectX``, ``报价底线``) that must not fire on 红包.

        ``detectors``: run the contact and personal-data detectors too. ``per_category``: each category keeps its
        own hits (overlaps are resolved within a category only, and a term listed under two categories hits under
        both), so several rules screened in one pass each see their own words (报价 and 报价底线)."""
        return ScreeningEngine(
            term_specs(terms),
            list(allow),
            emoji=self.emoji,
            homophones=self.homophones,
            shapes=self.shapes,
            alike=self.alike,
            splits=self.splits,
            detectors=detectors,
            per_category=per_category,
        )

    @property
    def pattern_count(self) -> int:
        """Keys in the automaton (forms, homophones, allow-list entries and keywords after merging)."""
        return len(self._keys) + len(self._aux_keys)

    def raw_patterns(self) -> list[str]:
        """Folded dictionary keys (the same dictionary a plain matcher would use, for benchmarks)."""
        return [p.key for p in self._patterns]

    def automaton_bytes(self) -> int:
        """Serialized size of the automaton, a proxy for its memory (it lives in Rust)."""
        return sum(len(ac.serialize()) for ac in (self._ac, self._aux_ac) if ac)

    # -- screening ----------------------------------------------------------------------------

    def screen(self, text: str) -> list[Hit]:
        """Hits in ``text`` sorted by position, with offsets into ``text`` as given."""
        return list(self.screen_many([text])[0])

    def screen_many(self, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> list[tuple[Hit, ...]]:
        """Screen many texts; batching amortises the per-call cost of folding and scanning.

        Returns one tuple of hits per text (tuples: the many empty results share one object). A text holding a
        right-to-left override is screened as it is displayed (`displayed`), its hits mapped back to the text as
        sent.
        """
        out: list[tuple[Hit, ...]] = []
        shown: dict[int, list[tuple[int, int]]] = {}
        sent = texts
        if any(map(operator.contains, texts, itertools.repeat(RLO))):  # rare: one C-level pass otherwise
            read = list(texts)
            for k, text in enumerate(texts):
                if RLO in text:
                    read[k], shown[k] = displayed(text)
            texts = read
        for i in range(0, len(texts), batch_size):
            out.extend(self._screen_batch(texts[i : i + batch_size]))
        for k, spans in shown.items():
            out[k] = tuple(sorted((_as_written(h, spans, sent[k]) for h in out[k]), key=_hit_order))
        return out

    def _screen_batch(self, batch: Sequence[str]) -> list[tuple[Hit, ...]]:
        """Hits per text, sorted by position. An ordinary word's hit without evidence of intent (see `_scan`) is
        marked here (`Hit.intent` False), once every reading and detector of its text has been seen: the policy
        decides what it means in each situation (S-A6's `ordinary_words`)."""
        results, gated, joined = self._scan(batch)
        if self.phrases:  # contact phrases read by the grammar (`contact_grammar`), on the messages its gate picks
            read_phrases(batch, results, gated, self.lures, *(joined or (None, None, None)))
        out: list[tuple[Hit, ...]] = [()] * len(batch)
        verdict_gate = None if _VERDICT_GATE is None else _VERDICT_GATE.search
        for m, hits in results.items():
            # one hit is the usual case: its fields are read directly, no generator per check
            one = hits[0] if len(hits) == 1 else None
            if one.channel == "homophone" if one is not None else any(h.channel == "homophone" for h in hits):
                hits = within_clauses(hits, batch[m])
            # a verdict (`named_as_fraud`) needs its regex to match: texts holding none of the strings each of its
            # matches holds (`prefilter`) skip the regex's per-position tries (most texts with a hit)
            if verdict_gate is None or verdict_gate(batch[m]) is not None:
                hits = named_as_fraud(hits, batch[m], self.lures)
            elif not isinstance(hits, list):
                hits = list(hits)
            weak = gated.get(m)
            one = hits[0] if len(hits) == 1 else None
            # only a contact hit can be a plain contact phrase (`plain_contact_phrase`): no check without one
            if (one.category == CONTACT if one is not None else any(h.category == CONTACT for h in hits)) and (
                plain := plain_contact_alone(hits, batch[m], self.lures, NOT_EVIDENCE)
            ):
                weak = (weak or set()) | plain
            if weak and not any(h not in weak and h.category not in NOT_EVIDENCE for h in hits):
                hits = [_without_intent(h) if h in weak else h for h in hits]
            if self.cues:  # the whole message: listed words named, not offered (`message.named_not_offered`)
                hits = _named_without_intent(hits, batch[m], self.lures)
            if len(hits) == 1:  # the usual case: nothing to sort
                out[m] = (hits[0],)
            elif hits:
                out[m] = tuple(sorted(hits, key=_hit_order))
        return out

    def _scan(
        self, batch: Sequence[str], second: bool = False
    ) -> tuple[dict[int, list[Hit]], dict[int, set[Hit]], _Joined | None]:
        """Hits per text index, per text the hits that need evidence of intent (an ordinary word written
        plainly, or a term inside a business phrase, with no lure in reach), and the code points of the batch
        joined with NUL, where its NULs are and where the grammar's anchors may start with their bits (the
        grammar's gate reads them: `contact_grammar.anchored`), None when a text held a NUL. ``second``: the batch
        is second readings (terms only, no detectors)."""
        results: dict[int, list[Hit]] = {}
        gated: dict[int, set[Hit]] = {}
        joined = NUL.join(batch)
        folded = fold(joined)
        raw_flags = np.take(_RAW_FLAGS, folded.raw, mode="clip")
        special = np.flatnonzero(raw_flags != 0)  # few: NULs, colons, add signs, emoji, dots, anchor starts
        raw_flags = raw_flags[special]
        boundaries = special[(raw_flags & _RAW_NUL) != 0]
        anchors = (raw_flags & _RAW_ANCHOR) != 0
        heads = (special[anchors], raw_flags[anchors] >> _RAW_ANCHOR_SHIFT)
        if boundaries.size != len(batch) - 1:  # a NUL inside a message would break batch boundaries
            return *self._scan([t.replace(NUL, " ") for t in batch], second)[:2], None
        # the byte-wise automaton scans the syllable codes as they lie in memory (two bytes each): no str to build
        # and no UTF-8 for Rust to make; a match must start on a code's first byte
        code_at = folded.codes.astype(np.intp)  # the index type, once for both gathers (numpy casts each time)
        units = np.take(self._syllables, code_at, mode="clip").tobytes()
        # (start, end, key) in bytes: a match must start on a code's first byte (`_verify` skips the others)
        candidates = self._ac.find_overlapping(units) if self._ac else []
        swapped = self._one_sub.candidates(code_at, folded.text) if self._one_sub else []
        detectors = self.detectors and not second
        gate_hits = (
            gate_positions(
                joined,
                None if _GATE_FIRST is None else gate_starts(folded.raw, special[(raw_flags & _RAW_GATE_START) != 0]),
            )
            + _raw_gates(folded.raw, special[(raw_flags & _RAW_COLON) != 0])
            if detectors
            else []
        )
        marks = special[(raw_flags & _RAW_MARK) != 0].tolist()  # add signs, emoji, hearts
        signs = [i for i in marks if int(folded.raw[i]) not in _HEART_CODES]
        if detectors and len(signs) < len(marks):  # V❤ xiaomei: the heart stands for 信 and the fold deletes it
            gate_hits.extend(i for i in marks if int(folded.raw[i]) in _HEART_CODES)
        starts = [0, *(boundaries + 1).tolist()]
        # digits are rare: their folded positions, found once, serve the detectors' gate and the tone numbers
        code_flags = np.take(_CODE_FLAGS, code_at, mode="clip")
        rare = np.flatnonzero(code_flags != 0)  # few: digits, NULs, characters read wei, xin or kou
        code_flags = code_flags[rare]
        digits = rare[(code_flags & _CODE_DIGIT) != 0]
        folded.set_nuls(rare[(code_flags & _CODE_NUL) != 0])
        again = [] if second else _second_readings(batch, folded, starts, digits, signs)
        flagged: set[int] = set()
        if detectors and digits.size >= DIGIT_RUN:
            runs = digits[DIGIT_RUN - 1 :][digits[DIGIT_RUN - 1 :] - digits[: 1 - DIGIT_RUN] == DIGIT_RUN - 1]
            if runs.size:  # DIGIT_RUN digits in a row: a number a detector may want (a NUL never lies inside one)
                flagged.update(np.searchsorted(folded.nuls(), runs).tolist())
            # DRAWN_DIGITS digits close together: a number drawn with letters (l86O3927l54)
            dense = digits[DRAWN_DIGITS - 1 :][digits[DRAWN_DIGITS - 1 :] - digits[: 1 - DRAWN_DIGITS] < DRAWN_SPAN]
            if dense.size:
                flagged.update(np.searchsorted(folded.nuls(), dense).tolist())
        if detectors and folded.codes.size > 1:  # 微信 and 扣扣 spelt by sound (威芯, 抠抠): the detectors look
            sounds = rare[(code_flags & _SOUND_BITS) != 0]  # a wei (1) before a xin (2), or two kou (4)
            sounds = sounds[sounds < folded.codes.size - 1]
            bits = np.take(_CODE_FLAGS, np.take(folded.codes, sounds), mode="clip") & _SOUND_BITS
            after = np.take(_CODE_FLAGS, np.take(folded.codes, sounds + 1), mode="clip") & _SOUND_BITS
            pairs = sounds[(((bits & 1) & (after >> 1)) | (bits & after & 4)) != 0]
            if pairs.size:  # only where an id or a number follows within a few characters (its first letter or digit)
                c = folded.codes
                near = np.zeros(pairs.size, dtype=bool)
                for step in range(2, 2 + _SOUND_PAIR_REACH):
                    nxt = np.take(c, pairs + step, mode="clip")
                    near |= ((nxt - 0x30) < 10) | ((nxt - 0x61) < 26)
                pairs = pairs[near]
            if pairs.size:
                flagged.update(np.searchsorted(folded.nuls(), pairs).tolist())
        readable = (
            sorted({bisect_right(starts, x) - 1 for x in special[(raw_flags & _RAW_READABLE) != 0].tolist()})
            if self._emoji_readings and not second
            else []
        )
        if not candidates and not swapped and not gate_hits and not again and not flagged and not readable:
            return results, gated, (folded.raw, boundaries, heads)
        with_context: set[int] = set()  # messages holding a context word
        found = self._verify(candidates, folded, joined, flagged, with_context, swapped)
        pending: dict[int, list[tuple[Hit, bool]]] = {}  # ambiguous abbreviations, kept only with a context
        in_message: list[int] = np.searchsorted(boundaries, [f[0] for f in found]).tolist() if found else []
        for (os, oe, p, channel, weak), m in zip(found, in_message, strict=True):
            base = starts[m]
            hit = Hit(p.term, p.category, p.severity, channel, os - base, oe - base, joined[os:oe])
            if p.context:
                pending.setdefault(m, []).append((hit, weak))
                continue
            results.setdefault(m, []).append(hit)
            if weak:
                gated.setdefault(m, set()).add(hit)
        if again:
            more, more_gated, _ = self._scan([text for _, text in again], second=True)
            for k, (i, reread) in enumerate(again):
                extra = more.get(k)
                if extra:  # same offsets; the matched text is the one as sent
                    weak_extra = more_gated.get(k, set())
                    sent = [(_as_sent(h, batch[i], reread), h in weak_extra) for h in extra]
                    results[i] = _merge(results.get(i, []), [h for h, _ in sent], self.per_category)
                    weak_sent = {h for h, w in sent if w}
                    if weak_sent:
                        gated.setdefault(i, set()).update(weak_sent)
        if readable:
            self._read_emoji(batch, readable, results)
        for m, ambiguous in pending.items():  # wd 上岸, sd 日结: a context word or another listed term
            # Another term counts if it shows intent itself, or if it is a plain ordinary word of the abbreviation's
            # own category (sd 日结: a part-time scam's pay); a plain ordinary word of another kind says nothing
            # about the abbreviation (SD 卡里的年会红包照片, SSC 日结报表, 这个 DB 里的贷款记录).
            others = [h for h in results.get(m, ()) if h.channel != DETECTOR_CHANNEL]
            weak_m = gated.get(m, set())
            for h, weak in ambiguous:
                if m in with_context or any(o not in weak_m or o.category == h.category for o in others):
                    results.setdefault(m, []).append(h)  # resolved against the others by `_verify` already
                    if weak:
                        gated.setdefault(m, set()).add(h)
        if detectors:
            flagged.update(bisect_right(starts, x) - 1 for x in gate_hits)
            if flagged:
                self._detect(batch, sorted(flagged), results)
        return results, gated, (folded.raw, boundaries, heads)

    def _read_emoji(self, batch: Sequence[str], readable: list[int], results: dict[int, list[Hit]]) -> None:
        """Round 9 (`emoji_reading`): the texts ``readable`` (indices into ``batch``) hold an emoji the fold deletes
        whose CLDR keyword is a piece of a term; each reading with one keyword is screened, and a term's hit there
        that holds the keyword and something written beside it, where the text as sent has no hit of that term,
        joins ``results`` on the ``emoji`` channel (✋工活外发: 手工活外发)."""
        owners: list[tuple[int, Reading]] = [(i, r) for i in readable for r in self._emoji_readings.read(batch[i])]
        if not owners:
            return
        more = self._scan([r.text for _, r in owners], second=True)[0]
        for k, hits in more.items():
            i, reading = owners[k]
            lo, hi = reading.piece
            found = []
            for h in hits:
                if h.start > lo or h.end < hi or h.end - h.start <= hi - lo:
                    continue  # the keyword, and something written beside it
                if _runs_on(reading.text, h.start, h.end):
                    continue  # a written end of the term begins a word that runs on (点👍员工: 点赞 + 员工, not 点赞员)
                s, e = reading.original(h.start, h.end)
                if any(o.term == h.term and o.start < e and s < o.end for o in results.get(i, ())):
                    continue  # the term is there as sent (🔴 before 红包 is a bullet)
                found.append(Hit(h.term, h.category, h.severity, "emoji", s, e, batch[i][s:e]))
            if found:
                results[i] = _merge(results.get(i, []), found, self.per_category)

    def _verify(
        self,
        candidates: list[tuple[int, int, int]],
        folded: Folded,
        joined: str,
        flagged: set[int],
        with_context: set[int],
        swapped: Sequence[tuple[int, int, int, Pattern]] = (),
    ) -> list[tuple[int, int, Pattern, str, bool]]:
        """Turn automaton candidates (start, end, key; start and end in bytes of the scan) into hits: check folded
        text, allow-list, cues, boundaries, overlaps; each with whether it still needs evidence of intent (an ordinary
        word written plainly, or a term inside a business phrase, with no lure in reach). Adds to ``flagged`` the
        messages with a contact keyword and to ``with_context`` those with a context word (context.txt). ``swapped``:
        one-substitution candidates (`substitution.OneSubstitution`), kept like near-homophones where the word list
        does not hold the swapped character there.

        Runs once per candidate, so it is written for speed (tuple unpacking, plain tuples to sort).
        """
        if not candidates and not swapped:
            return []
        ftext = folded.text
        entries = self._entries
        allowed: list[tuple[int, int]] = []  # folded spans of allow-list matches
        business: list[tuple[int, int]] = []  # folded spans of business phrases
        cues: list[tuple[int, int, str]] = []  # folded spans of warning cues, and their side
        lures: list[tuple[int, int]] = []  # folded spans of lures
        # (is homophone, start, -length, -severity, end, pattern, channel): sorts without a key
        hits: list[tuple[bool, int, int, int, int, Pattern, str]] = []
        boundaries: list[int] | None = None  # folded positions of the NULs between messages
        near: list[tuple[int, tuple[bool, int, int, int, int, Pattern, str]]] = []  # (position, hit) for the word list
        deferred: list[tuple[int, int, tuple[int, ...], Pattern]] = []  # ambiguous abbreviations
        plain = self._plain
        exact = self._exact
        for s, e, pid in candidates:
            if s & 1:
                continue
            s >>= 1
            e >>= 1
            fs = ftext[s:e]
            one = plain[pid]
            if one is None:
                keys = exact[pid]
                if keys is not None and fs not in keys:
                    continue
            else:  # the loop below, for its usual case
                key, rank, pattern, channel, lure, homophone = one
                if key == fs:
                    if lure:
                        lures.append((s, e))
                    if pattern is not None:
                        hits.append((False, s, s - e, rank, e, pattern, channel))
                elif homophone is not None and (
                    (half := _half_same(fs, key, homophone.readings, self._shape_of))
                    or whole_sound_candidate(fs, homophone.readings)
                ):
                    verdict = self._sounds_like(folded, ftext, s, e, homophone)
                    if verdict != _NO and (half or (verdict == _YES and whole_sound_clear(ftext, s, e))):
                        hit = (True, s, s - e, -_RANK[homophone.severity], e, homophone, "homophone")
                        (hits.append(hit) if verdict == _YES else near.append((verdict, hit)))
                continue
            for key, runs, pattern, homophone, _, keyword, _, _, lure, context in entries[pid]:
                if (keyword or context) and key == fs:
                    if boundaries is None:
                        boundaries = folded.nuls().tolist()
                    m = bisect_right(boundaries, s)
                    if keyword:
                        flagged.add(m)
                    if context:
                        with_context.add(m)
                if lure and key == fs and not (runs and not _runs_ok(folded, s, runs)):
                    lures.append((s, e))
                if key != fs:
                    if (
                        homophone is not None
                        and (
                            (half := _half_same(fs, key, homophone.readings, self._shape_of))
                            or whole_sound_candidate(fs, homophone.readings)
                        )
                        and (not runs or _runs_ok(folded, s, runs))
                    ):
                        verdict = self._sounds_like(folded, ftext, s, e, homophone)
                        if verdict != _NO and (half or (verdict == _YES and whole_sound_clear(ftext, s, e))):
                            hit = (True, s, s - e, -_RANK[homophone.severity], e, homophone, "homophone")
                            (hits.append(hit) if verdict == _YES else near.append((verdict, hit)))
                    continue
                if pattern is not None and pattern.context:  # sd, db, ll: kept below, with a context
                    if not runs or folded.run_length(s) == runs[0]:  # most letters l are no ll
                        deferred.append((s, e, runs, pattern))
                    continue
                if runs and not _runs_ok(folded, s, runs):
                    continue
                if pattern is not None:
                    if pattern.channel == "initials" and not (
                        _runs_exact(folded, s, e, runs) and _latin_edges_free(folded, joined, s, e)
                    ):
                        continue
                    hits.append((False, s, s - e, -_RANK[pattern.severity], e, pattern, pattern.channel))
        for s, e, where, pattern in swapped:  # the word list decides, as for a near-homophone (紫金盘: 紫金)
            near.append((where, (True, s, s - e, -_RANK[pattern.severity], e, pattern, "homophone")))
        if near:  # near-homophones: the word list, for all of them in one lookup
            in_words = _ordinary_at(folded, ftext, [at for at, _ in near])
            hits.extend(hit for (_, hit), word in zip(near, in_words, strict=True) if not word)
        if deferred and (with_context or hits):
            if boundaries is None:
                boundaries = folded.nuls().tolist()
            # a context word or another listed form (a sound-alike is not enough: it may be gone once resolved)
            direct_starts = sorted(h[1] for h in hits if not h[0])
            for s, e, runs, pattern in deferred:
                m = bisect_right(boundaries, s)
                if m not in with_context:
                    lo = boundaries[m - 1] if m > 0 else -1
                    hi = boundaries[m] if m < len(boundaries) else len(ftext)
                    i = bisect_right(direct_starts, lo)
                    if i == len(direct_starts) or direct_starts[i] >= hi:
                        continue
                if _runs_exact(folded, s, e, runs) and _latin_edges_free(folded, joined, s, e):
                    hits.append((False, s, s - e, -_RANK[pattern.severity], e, pattern, "initials"))
        if not hits:
            return []
        if boundaries is None:
            boundaries = folded.nuls().tolist()
        # the qualifying words, looked for in the messages with a hit only
        if self._aux_ac is not None:
            aux_entries = self._aux_entries
            # the messages with a hit, in stretches of consecutive ones: each stretch's folded text with the NUL after
            # it (in no key, as between the batch's messages), all of them scanned in one call
            nuls = folded.nuls()
            with_hit = np.unique(np.searchsorted(nuls, [h[1] for h in hits], side="right"))
            breaks = np.flatnonzero(np.diff(with_hit) != 1)
            edges = np.concatenate(([-1], nuls, [len(ftext)]))
            los = np.take(edges, with_hit[np.concatenate(([0], breaks + 1))]) + 1
            his = np.take(edges, with_hit[np.concatenate((breaks, [with_hit.size - 1]))] + 1)
            lengths = his - los + 1
            at = np.arange(int(lengths.sum()) - 1) + np.repeat(los - np.cumsum(lengths) + lengths, lengths)[:-1]
            units = np.take(self._syllables, np.take(folded.codes, at), mode="clip").tobytes()
            for a, b, pid in self._aux_ac.find_overlapping(units):
                if a & 1:
                    continue
                s = int(at[a >> 1])
                e = s + ((b - a) >> 1)
                fs = ftext[s:e]
                for key, runs, _, _, allow, _, cue, phrase, lure, _ in aux_entries[pid]:
                    if key != fs or (runs and not _runs_ok(folded, s, runs)):
                        continue
                    if allow:
                        allowed.append((s, e))
                    if phrase:
                        business.append((s, e))
                    if cue:
                        cues.append((s, e, cue))
                    if lure:
                        lures.append((s, e))
        # Direct forms first, leftmost-longest, then homophones in the gaps they leave; allow-list
        # matches remove the hits they hold. So 薇信号 is the listed 薇信, not a weaker 微信号 by sound, and
        # 抢红包装 keeps 抢红包 although 红包装 is allowed.
        hits.sort(key=_SORT_KEY)
        allowed.sort()
        allowed_starts = [a for a, _ in allowed]
        business.sort()
        business_starts = [a for a, _ in business]
        cues.sort()
        cue_starts = [c[0] for c in cues]
        if lures:
            # a lure inside a listed term is part of what the term names (稳赚 in 稳赚不赔, 免费领 in 免费领取, 日赚):
            # named under a cue with it, and a hit of its own otherwise
            spans = sorted((h[1], h[4]) for h in hits if not h[0])
            span_starts = [a for a, _ in spans]
            reach = list(accumulate((b for _, b in spans), max))  # the furthest end of the spans so far
            kept = []
            for ls, le in sorted(lures):
                if addressed_to_another(ftext, ls):
                    continue
                i = bisect_right(span_starts, ls) - 1
                if i < 0 or reach[i] < le:
                    kept.append((ls, le))
            lures = kept
        ordinary = self.ordinary
        hit_starts, hit_ends = [h[1] for h in hits], [h[4] for h in hits]
        o_starts, o_ends = folded.original_spans(hit_starts, hit_ends)
        # per hit, whether an allow-list match, a business phrase or a cue may reach it (one numpy call each for all
        # hits; the exact checks run only where one may)
        may_allow = _may_hold(allowed, hit_starts, hit_ends)
        may_business = _may_hold(business, hit_starts, hit_ends)
        if cues:
            cue_at = np.asarray(cue_starts)
            may_cue = (
                np.searchsorted(cue_at, np.asarray(hit_ends) + CUE_AFTER_REACH, side="right")
                > np.searchsorted(cue_at, np.asarray(hit_starts) - _CUE_BEFORE_WINDOW, side="left")
            ).tolist()
        else:
            may_cue = [False] * len(hits)
        out: list[tuple[int, int, Pattern, str, bool] | None] = []  # None: replaced by a homophone that holds it
        per_category = self.per_category
        # per category ("" for all unless `per_category`): accepted direct hits' starts and ends, sorted and
        # disjoint, and the end of the last hit of the current pass (hits are sorted by start per pass)
        direct: dict[str, tuple[list[int], list[int], list[int]]] = {}  # + each one's index in ``out``
        last_end: dict[str, int] = {}
        homophone_pass = False
        shared: dict[str, tuple[int, int]] = {}  # the span of the last abbreviation: another term's may share it
        for (is_homophone, s, _, _, e, p, channel), os, oe, allow_here, business_here, cue_here in zip(
            hits, o_starts, o_ends, may_allow, may_business, may_cue, strict=True
        ):
            category = p.category if per_category else ""
            if is_homophone and not homophone_pass:
                homophone_pass, last_end = True, {}
            if s < last_end.get(category, -1) and not (channel == "initials" and shared.get(category) == (s, e)):
                continue
            held: list[int] = _NONE_HELD  # direct hits this homophone holds whole (薇信 in 加薇信: 加微信 by sound)
            if homophone_pass and category in direct:
                direct_starts, direct_ends, direct_at = direct[category]
                i = bisect_left(direct_starts, e) - 1
                while i >= 0 and direct_ends[i] > s:
                    if direct_starts[i] < s or direct_ends[i] > e or direct_ends[i] - direct_starts[i] == e - s:
                        break
                    held = [*held, direct_at[i]]
                    i -= 1
                else:
                    i = -1
                if i >= 0 and direct_ends[i] > s:
                    continue
            if allow_here and self._allowed(allowed_starts, allowed, folded, s, e):
                continue
            if cue_here and channel != DETECTOR_CHANNEL and _under_cue(cue_starts, cues, lures, folded, joined, s, e):
                continue
            if "a" <= ftext[s] <= "z" and is_ascii_letter_at(joined, os - 1, -1):
                continue
            if "a" <= ftext[e - 1] <= "z" and is_ascii_letter_at(joined, oe, 1):
                continue
            if channel == "folded" and joined[os:oe] == p.term:
                channel = "exact"
            elif channel == "pinyin" and _NAME_LIKE.fullmatch(joined[os:oe]):
                # "Fan Li", "Jia Weixin": written like a person's name, so less sure it is the term
                p = p._replace(severity=lower_severity(p.severity))
            if held:  # the longer reading names what the text says, at least as strongly as what it holds
                strongest = max((h[2].severity for k in held if (h := out[k])), key=_RANK.__getitem__)
                if _RANK[strongest] > _RANK[p.severity]:
                    p = p._replace(severity=strongest)
                for k in held:
                    out[k] = None
            weak = (
                (
                    (
                        p.term in ordinary
                        and (
                            channel == "exact"
                            or (
                                channel == "folded"
                                and (joined[os:oe].lower() == p.term or _written_traditional(joined, os, oe, p.term))
                            )
                            or (channel == "emoji" and _pictured_alone(joined[os:oe]))
                        )
                    )
                    or bool(business_here and self._allowed(business_starts, business, folded, s, e))
                )
                and not (lures and _lured(lures, folded, joined, s, e))
            ) or (channel in ("exact", "folded") and _quoted(joined, os, oe))
            out.append((os, oe, p, channel, weak))
            last_end[category] = e
            if channel == "initials":
                shared[category] = (s, e)
            if not homophone_pass:
                starts, ends, at = direct.setdefault(category, ([], [], []))
                starts.append(s)
                ends.append(e)
                at.append(len(out) - 1)
        return [h for h in out if h is not None]

    def _allowed(self, starts: list[int], allowed: list[tuple[int, int]], folded: Folded, s: int, e: int) -> bool:
        """Whether an allow-list match or business phrase (``allowed``: sorted spans, ``starts``: theirs) holds hit
        ``[s, e)``."""
        i = bisect_right(starts, s)
        lowest = s - self._longest_allow
        while i > 0:
            i -= 1
            a, b = allowed[i]
            if a < lowest:
                return False
            if e <= b and _allow_holds(folded, a, b, s, e):
                return True
        return False

    def _sound_codes(self, p: Pattern) -> tuple[tuple[int | None, ...], tuple[frozenset[int], ...]]:
        """Per key character of a homophone pattern: the code of its reading (None: not Chinese, the character itself
        must be there), and the codes of the same syllable in other tones (near-homophones). Computed once."""
        found = self._sound_cache.get(id(p))
        if found is None:
            codes = tuple((syllable_code(w) or -3) if w else None for w in p.readings)  # -3: no code, never equal
            nears = tuple(frozenset(other_tones(w)) if w and p.near else frozenset() for w in p.readings)
            found = self._sound_cache[id(p)] = (codes, nears)
        return found

    def _sounds_like(self, folded: Folded, ftext: str, start: int, end: int, p: Pattern) -> int:
        """Whether folded text ``[start, end)``, read in context, gives the term's reading in context at every
        character (or a near-homophone listed in ``homophones.tsv``): 佣金返环 sounds like 佣金返还 (返还 is
        fǎn huán), 佣金反还 does not (还 alone is hái). `_YES`, `_NO`, or the position of a near-homophone's
        character in another tone when only the word list is left to ask (`_ordinary_at`, for a batch at once)."""
        # First by each character's default reading; only a character with several readings whose default one
        # is not the term's (佣 yōng, 还 hái) needs the candidate read in context, which is slow (pypinyin).
        many = polyphones()
        in_context = False  # a character other than the term's own needs its reading in context
        same_polyphone = False  # the term's own character, whose reading here may differ (还 in 佣金反还)
        near = -1  # one character may differ in tone only (月炮 for 约炮: yuè, yuē): its position
        shape = -1  # a look-alike by shape (伽 for 加): its position, for the word list (伽马 is a word)
        codes, nears = self._sound_codes(p)
        for i, (ch, want_code, canonical) in enumerate(zip(ftext[start:end], codes, p.key, strict=True), start):
            if ch == canonical and "0" <= ch <= "9":  # a numeral of the term, written as a digit
                continue
            if want_code is None:
                if ch != canonical:
                    return _NO
                continue
            code = default_code(ch)
            if shape < 0 and ch != canonical and self._shape_of.get(ch) == canonical:
                shape = i
            if code != want_code and self._variant_of.get(ch) != canonical:
                if ch in many:
                    if ch == canonical:
                        same_polyphone = True
                    else:
                        in_context = True
                elif near < 0 and code in nears[i - start]:
                    near = i
                else:
                    return _NO
        if shape >= 0:
            # a look-alike by shape stands for one character; the others are written as the term writes them, or, in
            # a term of three characters or more, read exactly as it reads them with one written as it is (伽威信 for
            # 加微信; not 员较 for 援交, 强技 for 枪支: two characters changed in two)
            text = ftext[start:end]
            same = [text[k] == p.key[k] for k in range(len(text)) if k != shape - start]
            if near >= 0 or in_context or same_polyphone or not any(same) or (len(text) < 3 and not all(same)):
                return _NO
            return shape
        if near >= 0:
            # a near-homophone writes the term's other characters as the term does and reads them as the term does
            # (中桨: 中 is zhòng), and is checked against the word list (中将 is a word) by the caller
            text = ftext[start:end]
            if (
                in_context
                or text[: near - start] + text[near - start + 1 :] != p.key[: near - start] + p.key[near - start + 1 :]
            ):
                return _NO
            return near
        if not in_context and not same_polyphone:
            return _YES
        lo = max(start - 2, ftext.rfind(NUL, 0, start) + 1)
        nul = ftext.find(NUL, end, end + 2)
        hi = min(end + 2, len(ftext)) if nul == -1 else nul
        spoken = toned_readings(ftext[lo:hi])
        for i in range(start, end):
            ch, want, canonical = ftext[i], p.readings[i - start], p.key[i - start]
            if ch == canonical and "0" <= ch <= "9":  # a numeral of the term, written as a digit
                continue
            if not want:
                if ch != canonical:
                    return _NO
            elif spoken[i - lo] != want and self._variant_of.get(ch) != canonical:
                if ch not in many or near >= 0 or toneless(spoken[i - lo]) != toneless(want):
                    return _NO
                near = i
                if _ordinary(folded, ftext, near):
                    return _NO
        return _YES

    def _detect(self, batch: Sequence[str], flagged: list[int], results: dict[int, list[Hit]]) -> None:
        """Run the detectors on the flagged messages only, as one sub-batch."""
        sub = NUL.join(batch[i] for i in flagged)
        starts = [0]
        for i in flagged[:-1]:
            starts.append(starts[-1] + len(batch[i]) + 1)
        for d in detect(sub):
            k = bisect_right(starts, d.start) - 1
            base = starts[k]
            text = batch[flagged[k]]
            results.setdefault(flagged[k], []).append(
                Hit(
                    d.value,
                    d.category,
                    d.severity,
                    DETECTOR_CHANNEL,
                    d.start - base,
                    d.end - base,
                    text[d.start - base : d.end - base],
                )
            )


_FINAL = np.zeros(128, dtype=bool)  # letters a pinyin syllable ends in, once folded
_FINAL[[ord(c) for c in "aeiouvnrg"]] = True


def _second_readings(
    batch: Sequence[str], folded: Folded, starts: list[int], digits: npt.NDArray[np.intp], signs: list[int]
) -> list[tuple[int, str]]:
    """(index, second reading) of the texts that have one (see `second_reading`); ``starts``: where each text
    begins in the joined batch; ``digits``: the folded positions of its digits; ``signs``: the positions of its add
    signs and kept emoji in the joined batch."""
    at: list[int] = []
    c = folded.codes
    pos = digits[digits >= 2]
    if pos.size:  # tone numbers, found on the folded batch: a digit 0-5 after a syllable's last letter
        before, prev = c[pos - 1], c[pos - 2]
        tone = (
            (c[pos] - 0x30 < 6)
            & np.take(_FINAL, np.minimum(before, 127), mode="clip")
            & ((prev - 0x61 < 26) | (prev - 0x30 < 6))
        )
        nxt = pos + 1
        tone &= (nxt >= c.size) | (np.take(c, nxt, mode="clip") - 0x30 >= 10)  # not followed by another digit
        pos = pos[tone]
        if pos.size:
            at = folded.original_spans(pos.tolist(), (pos + 1).tolist())[0]
    at.extend(signs)
    if not at:
        return []
    out = []
    for i in sorted({bisect_right(starts, x) - 1 for x in at}):
        again = second_reading(batch[i])
        if again is not None:
            out.append((i, again))
    return out


def _hit_order(h: Hit) -> tuple[int, int, int]:
    """How a text's hits are listed: by start, the longest first, then the strongest."""
    return (h.start, -h.end, -_RANK[h.severity])


def _named_without_intent(hits: list[Hit], text: str, lures: Sequence[str]) -> list[Hit]:
    """``hits`` with those the whole message names without offering them (`message.named_not_offered`) marked as
    needing evidence of intent; the same list when there are none."""
    named = named_not_offered(hits, text, lures, NOT_EVIDENCE)
    return [_without_intent(h) if h in named else h for h in hits] if named else hits


def _without_intent(h: Hit) -> Hit:
    """``h`` marked as needing evidence of intent (`dataclasses.replace` without its generic overhead)."""
    return Hit(h.term, h.category, h.severity, h.channel, h.start, h.end, h.matched, False)


def _as_sent(hit: Hit, text: str, reread: str) -> Hit:
    """A hit on a second reading, on the text as sent; a tone number right after it is part of it (hong2bao1)."""
    end = hit.end
    if end < len(text) and reread[end] == " " and text[end] != " " and text[end] not in _SEPARATE_AGAIN:
        end += 1
    return Hit(hit.term, hit.category, hit.severity, hit.channel, hit.start, end, text[hit.start : end])


def _runs_on(text: str, start: int, end: int) -> bool:
    """Whether the term read at ``text[start:end]`` (an emoji read as its keyword inside it) ends on a character that
    begins an ordinary word running on after it (点赞员 in 点赞员工: 员工; 拉人头 in 拉人头像: 头像), or starts on one
    that ends a word running on before it: the picture was put beside a word, not in place of a term's character.
    Jieba's word list, as the one-substitution's guard (`is_word`)."""
    if any(is_word(text[end - 1 : end - 1 + n]) for n in (2, 3) if end - 1 + n <= len(text)):
        return True
    return any(is_word(text[start + 1 - n : start + 1]) for n in (2, 3) if start + 1 - n >= 0)


def _merge(hits: list[Hit], more: Sequence[Hit], per_category: bool = False) -> list[Hit]:
    """The listed-term hits of two readings of one text, overlaps resolved longest first, then strongest, then
    the first reading's (红+包+群 read as 红包群, not as 加群), within each category when ``per_category``; detector
    hits are kept as they are."""
    found = [(h, 0) for h in hits if h.channel != DETECTOR_CHANNEL] + [(h, 1) for h in more]
    found.sort(key=lambda x: (x[0].start - x[0].end, -_RANK[x[0].severity], x[1], x[0].start))
    kept: list[Hit] = []
    # the spans kept so far per category (one group unless per_category), sorted: they never overlap, so their ends
    # rise with their starts and only the last one starting before a hit's end can overlap it (a bisection per hit,
    # not a scan of every kept hit: a 10,000-character message strewn with emoji has thousands of hits per reading)
    spans: dict[str, tuple[list[int], list[int]]] = {}
    for h, _ in found:
        starts, ends = spans.setdefault(h.category if per_category else "", ([], []))
        i = bisect_left(starts, h.end)
        if i and ends[i - 1] > h.start:
            continue
        starts.insert(i, h.start)
        ends.insert(i, h.end)
        kept.append(h)
    return kept + [h for h in hits if h.channel == DETECTOR_CHANNEL]


def build_default_engine() -> ScreeningEngine:
    """The engine over the shipped dictionaries (``warden/screening/data``)."""
    return ScreeningEngine.from_lexicon(load_lexicon())


_OPENING_QUOTES = "“‘「『\"'《〈"
_CLOSING_QUOTES = "”’」』\"'》〉"


def _quoted(joined: str, start: int, end: int) -> bool:
    """Whether ``joined[start:end]`` stands alone between quotation marks (客户问“红包”怎么提现, 搜"刷单"): the word
    is mentioned, named as a word, not offered; like an ordinary word, a hit only with evidence of intent beside it."""
    return start > 0 and end < len(joined) and joined[start - 1] in _OPENING_QUOTES and joined[end] in _CLOSING_QUOTES


def _pictured_alone(matched: str) -> bool:
    """Whether an emoji form's match is the emoji alone (🧧 for 红包): an ordinary word drawn, not disguised; 🧧群
    (a piece of the term beside it) is a disguise."""
    return not any(ch.isalnum() for ch in matched)


def _written_traditional(joined: str, start: int, end: int, term: str) -> bool:
    """Whether ``joined[start:end]`` is ``term`` in traditional characters inside a message written in traditional
    characters (at least two more of them outside the match): how people in Hong Kong and Taiwan write, not a
    disguise (您好，我們公司年終有紅包). A term converted alone (您好，我们公司年终有紅包) still counts as one."""
    t2s = traditional_to_simplified()
    matched = joined[start:end]
    if len(matched) != len(term) or "".join(t2s.get(c, c) for c in matched) != term:
        return False
    lo = joined.rfind(NUL, 0, start) + 1
    hi = joined.find(NUL, end)
    rest = joined[lo:start] + joined[end : hi if hi >= 0 else len(joined)]
    return sum(c in t2s for c in rest) >= 2
