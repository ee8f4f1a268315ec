"""The speed work of issue 13 changes no result: the shortcuts give what the plain computation gives."""

from __future__ import annotations

import random

from pypinyin import Style, lazy_pinyin

from warden.bench.screen import COMMON
from warden.screening.base import Hit
from warden.screening.forms import _EACH_CHARACTER, toned_readings


def test_readings_in_context_are_pypinyin_tone3_with_u_umlaut_neutral_tones_and_non_chinese() -> None:
    rnd = random.Random(13)
    texts = ["绿色女孩旅行", "佣金返环", "银航转账", "了解一下吧", "hong2包 ok", "这个的呢"]
    texts += ["".join(rnd.choices(COMMON + "绿律女吕略虐了吗呢ab1 ，", k=9)) for _ in range(2000)]
    for text in texts:
        assert toned_readings.__wrapped__(text) == tuple(lazy_pinyin(text, style=Style.TONE3, errors=_EACH_CHARACTER))


# -- fold13c: the detectors' raw gate at its first characters, the code points through numpy, the offset map --------

_GATE_ALPHABET = (
    "..1113456789０１coCOmeMEioIOccappAPPx \n。！？\0红包微信，："  # the gate's pieces, often
    "\U0001d41a\U0001d41c\U0001d7cf"  # styled letters and digits (𝐚 𝐜 𝟏)
)


def _random_batches(seed: int, alphabet: str, count: int) -> list[str]:
    rnd = random.Random(seed)
    return ["\0".join("".join(rnd.choices(alphabet, k=rnd.randint(0, 40))) for _ in range(8)) for _ in range(count)]


def test_raw_gate_tried_at_its_first_characters_finds_what_finditer_over_the_batch_finds() -> None:
    import numpy as np

    from warden.screening.detectors import RAW_GATE
    from warden.screening.engine import _GATE_FIRST, _RAW_FLAGS, _RAW_GATE_START, gate_positions
    from warden.screening.folding import code_points

    assert _GATE_FIRST is not None  # RAW_GATE starts with a literal in every alternative today
    batches = _random_batches(13, _GATE_ALPHABET, 3000)
    batches += ["138 开头，中间 6012，结尾 5793", "abc.cc\0.co.cc", "1380\0" + "013 8000\0 8000", "𝐚𝐛𝐜𝟏𝟐𝟑.𝐜𝐜"]
    found = 0
    for joined in batches:
        flags = np.take(_RAW_FLAGS, code_points(joined), mode="clip")
        at = np.flatnonzero((flags & _RAW_GATE_START) != 0)
        expected = [m.start() for m in RAW_GATE.finditer(joined)]
        assert gate_positions(joined, at) == expected == gate_positions(joined, None), joined
        found += len(expected)
    assert found > 100  # the random batches do hold matches (matches across a NUL among them)


def test_first_characters_of_a_pattern_are_its_alternatives_literals_and_sets_or_unknown() -> None:
    import re

    from warden.screening.engine import first_chars

    assert first_chars(re.compile(r"\.(?:co|me)|1[3-9][0-9]")) == {ord("."), ord("1")}
    assert first_chars(re.compile(r"[a-c]x|y")) == {ord("a"), ord("b"), ord("c"), ord("y")}
    assert first_chars(re.compile(r"ab")) == {ord("a")}
    for unknown in (r"(?<=a)b", r"(ab)|c", r"\d", r"[^a]b", r"a*b", r"(?i)ab", r"[\u4e00-\U0002ffff]"):
        assert first_chars(re.compile(unknown)) is None, unknown


def test_code_points_are_the_utf32_code_units_with_surrogates_nuls_and_astral_characters() -> None:
    import numpy as np

    from warden.screening.folding import code_points

    rnd = random.Random(13)
    alphabet = ["a", "\0", "红", "\ud800", "\udfff", "𝐡", "\U0010ffff", "\uffff", "ｈ", "\u3164", " "]
    texts = ["", "\0", "\0\0", "a\0", "\0a"]
    texts += ["".join(rnd.choices(alphabet, k=rnd.randint(0, 12))) for _ in range(3000)]
    for text in texts:
        expected = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).tolist()
        got = code_points(text)
        assert got.dtype == np.intp and got.tolist() == expected, repr(text)


# invisible characters, fillers, full-width and styled letters, look-alikes, marks, multi-character folds, repeats
_FOLD_ALPHABET = (
    "红紅包包加微信薇返利 ，。！\u200b\u200d\u3164\uffa0\u115f\u2800\ufe0f\u0301ＨＢｈｂhbvxVX𝐡𝐛𝕧ᴠхѵ①1１一ﬁ㍿🧧❤+＋\0"
)


def test_offset_map_is_exact_on_random_strings_before_and_after_collapsing() -> None:
    from warden.screening.folding import fold, main_tables

    changed = main_tables().changed
    rnd = random.Random(13)
    for _ in range(3000):
        text = "".join(rnd.choices(_FOLD_ALPHABET, k=rnd.randint(1, 24)))
        # the plain computation: each character's own fold, in order, each folded character from its source
        chars: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(text):
            for c in changed.get(ord(ch), ch) or "":
                chars.append(c)
                origin.append(i)
        flat = fold(text, collapse=False)
        assert flat.text == "".join(chars), repr(text)
        assert [flat.original_span(k, k + 1) for k in range(len(chars))] == [(o, o + 1) for o in origin]
        # collapsed: each folded character maps to one run of equal folded characters, the runs in order, and what
        # lies between two runs folds to nothing
        f = fold(text)
        spans = [f.original_span(k, k + 1) for k in range(len(f))]
        for k, (a, b) in enumerate(spans):
            kept = [c for i in range(a, b) for c in (changed.get(ord(text[i]), text[i]) or "")]
            assert kept and set(kept) <= {f.text[k]} | set(changed.get(ord(text[a]), text[a]) or ""), repr(text)
            if k + 1 < len(spans):  # the next run starts after this one, or in its last character when that
                # folded to several (ﬁ: f and i share their source)
                nxt = spans[k + 1][0]
                assert b <= nxt or (nxt == b - 1 and len(changed.get(ord(text[nxt])) or "") > 1), repr(text)
                assert all(not changed.get(ord(text[i]), text[i]) for i in range(b, nxt)), repr(text)
        if spans:
            assert f.original_span(0, len(f)) == (spans[0][0], spans[-1][1])


def test_only_a_contact_hit_can_be_a_plain_contact_phrase_so_the_engine_asks_for_no_other() -> None:
    # `ScreeningEngine._screen_batch` calls `plain_contact_alone` only for texts with a contact_diversion hit; if
    # `plain_contact_phrase` ever accepts another category, that shortcut must change with it
    from warden.screening.base import SEVERITIES, Hit
    from warden.screening.engine import build_default_engine
    from warden.screening.precision import CONTACT, PLAIN_CONTACT_PHRASES, plain_contact_phrase

    categories = {spec.category for spec in build_default_engine().terms} | {"phone_number", "wechat_id", "lure"}
    for phrase in sorted(PLAIN_CONTACT_PHRASES):
        for category in sorted(categories):
            hit = Hit(phrase, category, SEVERITIES[0], "exact", 0, len(phrase), phrase)
            assert plain_contact_phrase(hit) == (category == CONTACT), (phrase, category)


# -- break23: the merge of two readings' hits by bisection, not a scan of every hit kept (quadratic: a 100,000-
# character message strewn with emoji took 10 s of CPU in `_merge` alone, a 10,000-character one (the API's most)
# ~0.5 s)


def _merge_by_scan(hits: list[Hit], more: list[Hit], per_category: bool) -> list[Hit]:
    """`_merge` as it was: every candidate checked against every hit kept."""
    from warden.screening.base import DETECTOR_CHANNEL
    from warden.screening.engine import _RANK

    found = [(h, 0) for h in hits if h.channel != DETECTOR_CHANNEL] + [(h, 1) for h in more]
    found.sort(key=lambda x: (x[0].start - x[0].end, -_RANK[x[0].severity], x[1], x[0].start))
    kept: list[Hit] = []
    for h, _ in found:
        if not any(
            h.start < k.end and k.start < h.end and (not per_category or h.category == k.category) for k in kept
        ):
            kept.append(h)
    return kept + [h for h in hits if h.channel == DETECTOR_CHANNEL]


def _random_hits(rnd: random.Random, count: int) -> list[Hit]:
    out = []
    for _ in range(count):
        start = rnd.randrange(60)
        end = start + rnd.randint(1, 6)
        channel = rnd.choice(["folded", "homophone", "emoji", "detector"])
        severity = rnd.choice(["low", "medium", "high"])
        out.append(Hit("t", rnd.choice(["a", "b", "c"]), severity, channel, start, end, ""))
    return out


def test_merging_two_readings_by_bisection_keeps_what_the_scan_of_every_kept_hit_keeps() -> None:
    from warden.screening.engine import _merge

    rnd = random.Random(23)
    for _ in range(3000):
        hits, more = _random_hits(rnd, rnd.randint(0, 12)), _random_hits(rnd, rnd.randint(0, 12))
        for per_category in (False, True):
            assert _merge(hits, more, per_category) == _merge_by_scan(hits, more, per_category)
