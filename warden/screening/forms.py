"""Word forms: expand dictionary terms into the shapes spammers write them in.

Expansion happens on the dictionary side at build time (pinyin via ``pypinyin``), so screening stays
one automaton scan (research §6). Forms and their channels:

* ``folded``    the term itself, folded like the text (covers traditional, width, separators, repeats);
* ``pinyin``    full pinyin, toneless (hongbao; tone marks in the text are folded away, tone numbers are
  read as separators by the engine: hong2bao1);
* ``mixed``     hanzi and pinyin mixed per character (红bao, hong包), terms of 2–4 Chinese characters;
* ``split``     a character written as its parts (纟工包 for 红包, 亻言 for 信), from ``splits.tsv``;
* ``initials``  pinyin initials (hb), low severity, word boundaries enforced by the engine;
* ``emoji``     an emoji standing for the term (🧧 → 红包);
* ``near``      with ``homophone``, one character may also differ in tone only (月炮 for 约炮): the shipped terms
  have it; a list of its own opts in (it adds about four automaton keys per character of each term);
* ``homophone`` keyed on each term's reading *in context* (pypinyin's phrase readings: 还 is huán in
  返还, 行 is háng in 银行), matched in a space where each Chinese character is replaced by a code for
  its toned syllable (虹包 ≡ 红包, 返环 ≡ 返还); one severity step lower.

Every pattern keeps, per key character, how many characters of the text it must stand for (`Pattern.runs`):
the text's repeats are collapsed before matching (红红包包 → 红包), so without it a term of one repeated
character (扣扣) would be found wherever that character stands alone (扣分).
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable, Mapping
from functools import cache, lru_cache
from itertools import combinations, product
from math import prod
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt
from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.style import register
from pypinyin.style.tone import ToneConverter

from warden.screening.base import SEVERITIES
from warden.screening.dictionaries import TermSpec, checked_emoji
from warden.screening.folding import MAX_CP, PUA_END, PUA_START, fold_key

CHANNEL_PRIORITY = ("folded", "emoji", "pinyin", "mixed", "split", "homophone", "initials")
_SYLLABLE_BASE = PUA_START  # one BMP private-use code point per toned syllable (~1,600 of 6,400)
DIGIT_CODE = PUA_END - 1  # the code every ASCII digit gets in syllable space
_HAN_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000))
_MAX_MIXED_HAN = 4
_MAX_SPLIT_FORMS = 64


class Pattern(NamedTuple):
    """One automaton key and what a match on it means (a tuple: built by the hundred thousand)."""

    key: str  # folded text the automaton looks for (in syllable space, for homophones)
    term: str
    category: str
    severity: str
    channel: str
    runs: tuple[int, ...] = ()  # per key character, how many text characters it must stand for; () = one each
    readings: tuple[str, ...] = ()  # homophones: the term's toned syllable per key character ("" if not Han)
    context: bool = False  # an ordinary abbreviation too (sd, db): counts only with another hit or a context word
    near: bool = False  # homophones: one character may also differ in tone only (the ``near`` form)

    def rank(self) -> tuple[int, int]:
        """Higher is better when two entries produce the same key."""
        return (SEVERITIES.index(self.severity), -CHANNEL_PRIORITY.index(self.channel))


def is_han(ch: str) -> bool:
    """CJK unified ideographs and extension A (the characters pypinyin and the syllable table cover)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def lower_severity(severity: str) -> str:
    return SEVERITIES[max(0, SEVERITIES.index(severity) - 1)]


def key_variants(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """The keys a dictionary string matches under: its folded key with run lengths (``()`` when every run
    is one character), and, when it holds a doubled Latin letter, the key with that letter kept twice: the
    text collapses ``qq`` but not ``q q`` (a space between Latin letters may be a word boundary)."""
    key, runs = fold_key(text)
    out = [(key, runs if any(r > 1 for r in runs) else ())]
    if any(r > 1 and "a" <= c <= "z" for c, r in zip(key, runs, strict=True)):
        chars: list[str] = []
        split: list[int] = []
        for c, r in zip(key, runs, strict=True):
            if "a" <= c <= "z":
                chars += [c] * r
                split += [1] * r
            else:
                chars.append(c)
                split.append(r)
        out.append(("".join(chars), tuple(split) if any(r > 1 for r in split) else ()))
    return out


def _readings(term: str) -> list[list[str]]:
    """Toneless pinyin alternatives per character (non-Chinese characters stand for themselves); the
    first alternative is the reading in context."""
    phrase = iter(lazy_pinyin(term, style=Style.NORMAL, errors="ignore"))
    out: list[list[str]] = []
    for ch in term:
        if not is_han(ch):
            out.append([ch])
            continue
        first = next(phrase, None) or pinyin(ch, style=Style.NORMAL)[0][0]
        alts = [first]
        single = pinyin(ch, style=Style.NORMAL)[0][0]
        if single not in alts:
            alts.append(single)
        for a in list(alts):  # ü is written v by pypinyin and u once tone marks are stripped (lü → lu)
            if "v" in a and a.replace("v", "u") not in alts:
                alts.append(a.replace("v", "u"))
        out.append(alts)
    return out


def _split_forms(term: str, splits: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The term with some of its characters written as their parts (红包 → 纟工包, 丝工包; 加我微信 → 力口我微亻言):
    every form with one or two characters split, and every form when there are few; for long terms also each
    form with all characters split the same way (first or last split listed)."""
    if sum(map(is_han, term)) < 2:  # a one-character term split is two ordinary characters: too loose
        return []
    options = [(ch, *splits.get(ch, ())) if is_han(ch) else (ch,) for ch in term]
    at = [i for i, o in enumerate(options) if len(o) > 1]
    if not at:
        return []
    if prod(len(options[i]) for i in at) <= _MAX_SPLIT_FORMS:
        forms = ["".join(c) for c in product(*options)]
    else:
        forms = []
        for k in (1, 2):
            for chosen in combinations(at, k):
                for parts in product(*(options[i][1:] for i in chosen)):
                    chars = list(term)
                    for i, part in zip(chosen, parts, strict=True):
                        chars[i] = part
                    forms.append("".join(chars))
        forms.append("".join(o[1] if len(o) > 1 else o[0] for o in options))
        forms.append("".join(o[-1] for o in options))
    return [f for f in dict.fromkeys(forms) if f != term]


_MAX_EMOJI_FORMS = 48


def emoji_forms(term: str, emoji: Iterable[tuple[str, str]], whole: Iterable[str] | None = None) -> list[str]:
    """The term written as a rebus (``emoji``: (emoji, what it stands for) pairs from ``emoji.tsv`` and the emoji's
    names): the emoji alone when it stands for the whole term (🎰 老虎机), else the term with one piece in the
    emoji's place (🎲博 for 赌博, 🧧群 for 红包群, 返💰 for 返利, 老🐯机 for 老虎机) or several (📱🎲 for 网赌,
    🌈💰 for 彩金), at most `_MAX_EMOJI_FORMS`. An emoji alone is a form only of a term it stands for whole, never of a
    one-character piece (💰 alone is money talk, not 返利); a form drawn wholly in emoji from pieces needs every
    piece from ``whole`` (the hand-checked ``emoji.tsv``: a name read off a picture, 🔴 红色圆, 👜 手提包, is too loose
    to spell a whole word with nothing else written); ``None``: every pair may."""
    pairs = [(e, m) for e, m in emoji if m]
    forms = [e for e, m in pairs if m == term]
    checked = None if whole is None else frozenset(whole)
    by_start: dict[int, list[tuple[int, str, bool]]] = {}
    for e, m in pairs:
        if m != term and m in term and len(m) < len(term):
            at = term.find(m)
            while at != -1:
                by_start.setdefault(at, []).append((at + len(m), e, checked is None or e in checked))
                at = term.find(m, at + 1)
    pieced: list[tuple[int, int, str]] = []

    def walk(i: int, out: str, pieces: int, unchecked: int, kept: bool) -> None:
        if len(pieced) >= 8 * _MAX_EMOJI_FORMS:
            return
        if i == len(term):
            if pieces and (kept or not unchecked):
                pieced.append((unchecked, pieces, out))
            return
        walk(i + 1, out + term[i], pieces, unchecked, True)
        for end, e, ok in by_start.get(i, ()):
            walk(end, out + e, pieces + 1, unchecked + (not ok), kept)

    walk(0, "", 0, 0, False)
    pieced.sort(key=lambda p: p[:2])  # the hand-checked emoji first, then by pieces (stable: in the term's order)
    return list(dict.fromkeys(forms + [f for _, _, f in pieced]))[: len(forms) + _MAX_EMOJI_FORMS]


def _long_mixed_masks(n: int) -> list[int]:
    """Which characters of a term of ``n`` > `_MAX_MIXED_HAN` Chinese characters are written in pinyin in its mixed
    forms (round 5): one of them (无抵押dai款), two side by side (虚拟币touzi), or the first or last few
    (xinyongka套现), as words are, not every combination (a six-character term would have 62)."""
    full = (1 << n) - 1
    ones = [1 << i for i in range(n)] + [3 << i for i in range(n - 1)]
    prefixes = [(1 << k) - 1 for k in range(2, n)]
    suffixes = [full ^ ((1 << k) - 1) for k in range(1, n - 1)]
    return sorted(set(ones + prefixes + suffixes))


def expand(
    spec: TermSpec, emoji: Iterable[tuple[str, str]] = (), splits: Mapping[str, tuple[str, ...]] | None = None
) -> list[Pattern]:
    """All main-automaton patterns for one term (the homophone pattern comes from `homophone_pattern`);
    ``emoji``: (emoji, term or piece of terms) pairs."""
    t, c, s = spec.term, spec.category, spec.severity
    found: dict[tuple[str, tuple[int, ...]], Pattern] = {}

    def add(text: str, channel: str, severity: str = s, context: bool = False) -> None:
        for key, runs in key_variants(text):
            if key and "\0" not in key:
                p = Pattern(key, t, c, severity, channel, runs, (), context)
                if (key, runs) not in found or p.rank() > found[key, runs].rank():
                    found[key, runs] = p

    add(t, "folded")
    for form in emoji_forms(t, emoji, checked_emoji()):
        add(form, "emoji")
    if splits and "split" in spec.forms:
        for form in _split_forms(t, splits):
            add(form, "split")
    han_positions = [i for i, ch in enumerate(t) if is_han(ch)]
    abbreviations = spec.initials or (("*",) if "initials" in spec.forms else ())
    if not han_positions or not (spec.forms & {"pinyin", "mixed"} or abbreviations):
        return list(found.values())
    readings = _readings(t)
    if "pinyin" in spec.forms:
        for combo in product(*readings):
            add("".join(combo), "pinyin")
    if "mixed" in spec.forms and len(han_positions) >= 2:
        n = len(han_positions)
        for mask in range(1, (1 << n) - 1) if n <= _MAX_MIXED_HAN else _long_mixed_masks(n):
            chars = list(t)
            for bit, pos in enumerate(han_positions):
                if mask >> bit & 1:
                    chars[pos] = readings[pos][0]
            add("".join(chars), "mixed")
    if len(han_positions) >= 2:
        for a in abbreviations:
            letters = a.removesuffix("?")
            if letters == "*":
                letters = "".join(r[0][0] for r in readings)
            add(letters, "initials", "low", a.endswith("?"))
    return list(found.values())


@lru_cache(maxsize=1)
def _syllables() -> tuple[npt.NDArray[np.uint32], dict[str, int]]:
    """Every Chinese character → a private-use code for its default toned syllable, and syllable → code."""
    table = np.arange(MAX_CP, dtype=np.uint32)
    chars = [chr(cp) for lo, hi in _HAN_RANGES for cp in range(lo, hi)]
    syllables = pinyin(chars, style=Style.TONE3, heteronym=False, errors=lambda _: "?")
    codes: dict[str, int] = {}
    for ch, (syl,) in zip(chars, syllables, strict=True):
        if syl != "?" and syl != ch:
            table[ord(ch)] = codes.setdefault(syl, _SYLLABLE_BASE + len(codes))
    table[0x30:0x3A] = DIGIT_CODE  # all digits sound alike: one key finds any run of digits
    if _SYLLABLE_BASE + len(codes) > DIGIT_CODE:
        raise ValueError("more syllables than private-use code points")
    table.flags.writeable = False
    return table, codes


@lru_cache(maxsize=8)
def syllable_table(homophones: tuple[tuple[str, str], ...] = ()) -> npt.NDArray[np.uint32]:
    """Map every Chinese character to a private-use code for its toned syllable (1:1, for a gather).

    Toned rather than toneless keeps ordinary words apart (兼职 jiān zhí vs 简直 jiǎn zhí). Extra
    near-homophones and look-alikes from ``homophones.tsv`` join the class of their canonical character.
    """
    table = _syllables()[0].copy()
    for canonical, variants in homophones:
        for v in variants:
            table[ord(v)] = table[ord(canonical)]
    return table


@lru_cache(maxsize=1)
def polyphones() -> frozenset[str]:
    """Chinese characters with more than one toned reading (还 hái/huán, 行 xíng/háng): only their reading can
    change with the words around them."""
    from pypinyin.pinyin_dict import pinyin_dict

    return frozenset(chr(cp) for cp, readings in pinyin_dict.items() if "," in readings)


@lru_cache(maxsize=1)
def _bmp_codes() -> array[int]:
    """`_syllables`'s table for the BMP as a Python array: indexing gives a Python int, fast (checks per candidate)."""
    return array("I", _syllables()[0][:0x10000].tolist())


def default_code(ch: str) -> int:
    """The syllable code of a character's default reading (the character itself when it has none)."""
    cp = ord(ch)
    return _bmp_codes()[cp] if cp < 0x10000 else cp


def syllable_code(syllable: str) -> int | None:
    """The code of a toned syllable (``huan2``), None when no character has it as its default reading."""
    return _syllables()[1].get(syllable)


@lru_cache(maxsize=1)
def _syllable_names() -> dict[int, str]:
    return {code: syl for syl, code in _syllables()[1].items()}


def default_syllable(ch: str) -> str:
    """The toned syllable of a character's default reading (``yue4`` for 月), "" when it has none."""
    return _syllable_names().get(default_code(ch), "")


def toneless(syllable: str) -> str:
    """A toned syllable without its tone (``yue4`` → ``yue``)."""
    return syllable.rstrip("012345")


@lru_cache(maxsize=1)
def _tones() -> dict[str, tuple[int, ...]]:
    """Toneless syllable → the codes of every toned syllable that has it (yue → yue1, yue4 …)."""
    out: dict[str, list[int]] = {}
    for syl, code in _syllables()[1].items():
        out.setdefault(toneless(syl), []).append(code)
    return {k: tuple(v) for k, v in out.items()}


def other_tones(syllable: str) -> tuple[int, ...]:
    """The codes of the same syllable in the other tones (约 yuē → 月 yuè, 悦 …): near-homophones."""
    own = syllable_code(syllable)
    return tuple(c for c in _tones().get(toneless(syllable), ()) if c != own)


@lru_cache(maxsize=8)
def syllable_translation(homophones: tuple[tuple[str, str], ...] = ()) -> dict[int, int]:
    """`syllable_table` as a ``str.translate`` table, for dictionary keys (short strings)."""
    table = syllable_table(homophones)
    changed = np.flatnonzero(table != np.arange(MAX_CP, dtype=np.uint32))
    return dict(zip(changed.tolist(), table[changed].tolist(), strict=True))


_EACH_CHARACTER: Any = list  # pypinyin's `errors`: a non-Chinese run becomes one item per character


@cache
def _tone3(reading: str) -> str:
    """pypinyin's `Style.TONE3` of one reading with tone marks (hóng → hong2), kept per reading: pypinyin redoes it
    with regular expressions for every character it reads, most of the time it takes on short texts."""
    return str(_TONE_CONVERTER.to_tone3(reading))


def _cached_tone3(pinyin: str, **_: object) -> str:
    return _tone3(pinyin)


_TONE_CONVERTER = ToneConverter()
_CACHED_TONE3 = "warden-tone3"  # `Style.TONE3` through `_tone3`: pypinyin's documented way to add a style
register(_CACHED_TONE3, func=cast(Any, _cached_tone3))  # the stub types `func` unlike pypinyin calls it


@lru_cache(maxsize=4096)
def toned_readings(text: str) -> tuple[str, ...]:
    """The toned syllable of each character of ``text`` read in context (pypinyin's phrase readings),
    the character itself where it is not Chinese: ``佣金返环`` → yong4 jin1 fan3 huan2."""
    return tuple(lazy_pinyin(text, style=_CACHED_TONE3, errors=_EACH_CHARACTER))


@lru_cache(maxsize=1)
def _word_codes() -> npt.NDArray[np.int64]:
    """jieba's dictionary (``dict.txt``, ~350,000 words) reduced to its Chinese words of two and three characters,
    each packed into one int64 (`_pack`), sorted: ~2 MB instead of ~25 MB as a set of str."""
    from importlib import resources

    text = resources.files("jieba").joinpath("dict.txt").read_text(encoding="utf-8")
    codes = {
        _pack(w)
        for w in (line.partition(" ")[0] for line in text.splitlines())
        if 2 <= len(w) <= 3 and all(map(is_han, w))
    }
    return np.array(sorted(codes), dtype=np.int64)


def _pack(word: str) -> int:
    """Two or three BMP characters (16 bits each) and the length (low bits) in one integer."""
    code = 0
    for ch in word:
        code = code << 16 | ord(ch)
    return code << 2 | len(word)


def is_word(text: str) -> bool:
    """Whether ``text`` (two or three Chinese characters) is an ordinary word of jieba's dictionary (宝石, 年终)."""
    if not 2 <= len(text) <= 3 or not all(map(is_han, text)):
        return False
    codes = _word_codes()
    code = _pack(text)
    i = int(np.searchsorted(codes, code))
    return i < codes.size and int(codes[i]) == code


def words_among(texts: list[str]) -> list[bool]:
    """`is_word` for several texts in one lookup (a near-homophone checks five windows at once)."""
    packed = [_pack(t) if 2 <= len(t) <= 3 and all(map(is_han, t)) else -1 for t in texts]
    codes = _word_codes()
    at = np.searchsorted(codes, packed).tolist()
    return [p >= 0 and i < codes.size and int(codes[i]) == p for p, i in zip(packed, at, strict=True)]


CONTACT = "contact_diversion"


def phrase_specs(
    spec: TermSpec, phrases: Iterable[tuple[str, tuple[str, ...]]], listed: Collection[str] = ()
) -> list[TermSpec]:
    """The contact term written loosely (``phrases``: (verb, words that may follow it), from ``phrases.tsv``; a verb
    ``找=加`` is written in place of 加): 加微信 as 加我的微信, 加一下微信, 加好友微信, 找我微信, 私聊vx …, each a spec
    of its own with the term's category and severity, matched as written and, when the term takes homophones, by
    sound (加我的威信). Only terms of `CONTACT` whose messenger is not a group (群).

    A messenger's own name (v信, 薇信, 企鹅号: a term that does not start with the verb) takes the other verbs with the
    words after them (找我v信, 联系我的企鹅号), unless the verb's base before it is a listed term of its own (加vx is
    listed: 找我vx is its shape), so 联系我𝓿信 names v信 rather than a loose 加v that ends inside it."""
    if spec.category != CONTACT:
        return []
    out: list[TermSpec] = []
    for entry, words in phrases:
        verb, _, base = entry.partition("=")
        base = base or verb
        if not spec.term.startswith(base):
            if verb != base and "群" not in spec.term and base + spec.term not in listed:
                out.extend(
                    TermSpec(verb + word + spec.term, spec.category, spec.severity, spec.forms & {"homophone"})
                    for word in words
                )
            continue
        rest = spec.term[len(base) :]
        if not rest or "群" in rest:
            continue
        for word in words:
            if word and (rest.startswith(word) or word[-1] == rest[0]):  # 加下微信 takes no 一下 (加一下下微信)
                continue
            if verb == base and not word:
                continue
            out.append(TermSpec(verb + word + rest, spec.category, spec.severity, spec.forms & {"homophone"}))
    return out


def homophone_pattern(spec: TermSpec) -> Pattern | None:
    """The homophone-channel pattern (keyed by the folded term) for terms with ≥ 2 Chinese characters,
    carrying the term's toned reading in context per key character."""
    if "homophone" not in spec.forms or sum(map(is_han, spec.term)) < 2:
        return None
    key, runs = fold_key(spec.term)
    full = "".join(ch * r for ch, r in zip(key, runs, strict=True))
    # read the term as written where the fold keeps one character per character (一夜情 reads yī yè qíng; its key
    # is 1夜情): a Chinese numeral the fold made a digit keeps its sound (移夜情, 衣夜情)
    written = spec.term if len(spec.term) == len(full) else full
    spoken = toned_readings(written)
    readings: list[str] = []
    at = 0
    for ch, r in zip(key, runs, strict=True):
        readings.append(spoken[at] if is_han(ch) or (ch.isdigit() and is_han(written[at])) else "")
        at += r
    return Pattern(
        key,
        spec.term,
        spec.category,
        lower_severity(spec.severity),
        "homophone",
        runs if any(r > 1 for r in runs) else (),
        tuple(readings),
        near="near" in spec.forms,
    )


def mixed_homophone_patterns(spec: TermSpec) -> list[Pattern]:
    """The homophone pattern with some of the term's characters written in pinyin (``mixed`` with ``homophone``):
    jia威信 for 加微信, 网du for 网赌 written 忘du. The pinyin letters must be there as written (their reading is "");
    the characters left are matched by sound. Terms of 2–4 Chinese characters, as `expand`'s mixed forms."""
    h = homophone_pattern(spec)
    if h is None or "mixed" not in spec.forms or h.runs:
        return []
    han = [i for i, r in enumerate(h.readings) if r]
    if not 2 <= len(han) <= _MAX_MIXED_HAN:
        return []
    out: list[Pattern] = []
    for mask in range(1, (1 << len(han)) - 1):
        latin = {han[b] for b in range(len(han)) if mask >> b & 1}
        key: list[str] = []
        readings: list[str] = []
        for i, (ch, want) in enumerate(zip(h.key, h.readings, strict=True)):
            if i in latin:
                syllable = toneless(want).replace("v", "u")
                key.append(syllable)
                readings.extend([""] * len(syllable))
            else:
                key.append(ch)
                readings.append(want)
        text = "".join(key)
        if fold_key(text)[0] == text:  # no letter doubled: the text collapses repeats
            out.append(h._replace(key=text, readings=tuple(readings), near=False))
    return out


def homophone_sound_keys(p: Pattern, homophones: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """The syllable-space keys a homophone pattern is looked up under: per character the code of its reading
    in the term, and the code of the character's own default reading (the text maps each character by its
    default reading, so 佣 in 佣金返环 is coded yong1 although 佣金 reads yòng). The engine then reads the
    candidate in context and compares readings, so 佣金反还 (还 read hái there) does not pass."""
    table = syllable_table(homophones)
    options: list[list[int]] = []
    for ch, want in zip(p.key, p.readings, strict=True):
        own = int(table[ord(ch)])
        code = syllable_code(want) if want else None
        options.append([own] if code is None or code == own else [code, own])
    keys = ["".join(map(chr, combo)) for combo in product(*options)]
    # near-homophones: one character in another tone, the others as the term writes them (月炮 for 约炮, 忘贷 for 网贷)
    as_written = [int(table[ord(ch)]) for ch in p.key]
    for i, want in enumerate(p.readings if p.near else ()):
        if want:
            keys.extend("".join(map(chr, [*as_written[:i], near, *as_written[i + 1 :]])) for near in other_tones(want))
    return list(dict.fromkeys(keys))
