"""Judging the whole message, not one term at a time (issue 13, round 8).

Three rounds of forms per term did not reach the next writer (docs/screening.md, "Round 8"). What does carry from one
writer to the next is what a message shows as a whole: whether its writer disguised something, and whether it names
listed words or offers them. This module holds those message-level judgements, apart from the engine's per-candidate
work (`engine.ScreeningEngine._screen_batch` calls them once per message with a hit):

**Letters used as separators** (`INTRUSIVE`, `separated_reading`). A letter no Chinese word has a use for, standing
alone between two characters of a word, is a separator the writer chose because the fold keeps letters: the letters
that Unicode's confusables data (UTS #39) says look like punctuation or a stroke (丶 \\, 丨 |, 丿 /, ー －, ᐧ ·, ː),
the spacing modifier letters (ˍ), the Hangul jamo (ㆍ, ㅡ), the Canadian syllabics, the IPA clicks (ǀ) and the
circles ○ 〇 (which the fold reads as 0), and the Hangzhou numerals drawn as strokes, 〡 〢 〣 (read as 1, 2, 3).
The engine reads a message holding one a second time with it as a space
(`engine.second_reading`), so 兼丶职, 在ー家ー兼ー职 and 援ᐧ交 are 兼职, 在家兼职 and 援交; between two digits or two
Latin letters it stays (a Korean word, 2〇26 are not touched: both neighbours must be letters, one of them Chinese).

**Named, not offered** (`named_not_offered`). A listed term written exactly as listed, in a message with no sign
that anyone is being reached — no disguise in any hit, no lure, no contact detail, no contact phrase — is *named*
when its own clause says so: a negation or prohibition before it (不能, 不得, 不要, 别, 严禁, 没有, 不做 …), a
report of what someone else did (有用户…, 发现, 提到), the term in quotation marks, or a word of handling after it
(案件, 危害, 风险, 识别, 许可 …); the terms of one enumeration (冰毒、大麻、K粉的危害) share their clause's
evidence. Such a hit keeps its place but is marked ``intent: false``, like a plain ordinary word, and the policy
judges it (warned in a greeting to a stranger, passed in a conversation). One term in the message without such
evidence, a disguise, a lure or a contact detail anywhere in it keeps the intent of every hit, and a contact term
(加微信, 私聊我) is named only when quoted. A negation that bears on a reluctance or a cost before the term
(不要错过, 没有门槛: `INVITING_AFTER_NEGATION`), a selling mark before a word of handling (零风险, 已审核:
`SELLING_MARKS`) and a word of gain in a report (有人靠…月入过万: `GAIN_WORDS`) are no evidence (break21). What a
spammer could still gain: an offer written verbatim behind a negation in its own clause (没有比这更稳的网赌) or in
quotation marks used for emphasis (“刷单”兼职) is warned, not refused; on every corpus, no spam row lost its intent
to this rule (docs/screening.md, Round 8).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache

from warden.screening.base import DETECTOR_CHANNEL, Hit
from warden.screening.folding import is_default_ignorable

__all__ = [
    "GAIN_WORDS",
    "INTRUSIVE",
    "INVITING_AFTER_NEGATION",
    "MENTION_AFTER",
    "MENTION_BEFORE",
    "SELLING_MARKS",
    "intrusive_letters",
    "named_not_offered",
    "separated_reading",
]

_KEPT_SCRIPTS = ("GREEK", "CYRILLIC", "HIRAGANA")  # letters of a word (β受体, く in Japanese) or the fold's look-alikes


@lru_cache(maxsize=1)
def intrusive_letters() -> frozenset[str]:
    """The letters read as separators between two characters of a word (see the module's docstring): the UTS #39
    confusables (`confusable_homoglyphs`' data) of a punctuation mark or a mathematical symbol that are letters
    themselves, outside ASCII, Greek, Cyrillic and hiragana; the spacing modifier letters U+02B0–02FF; the Hangul
    jamo (U+1100–11FF, U+3130–318F); the Canadian syllabics (U+1400–167F); Bopomofo (U+3105–312F, U+31A0–31BF: ㄧ
    looks like 一); every other modifier letter (category Lm: ヽ 〻 ｰ ߺ) the fold does not read as an ASCII letter or
    digit; the IPA clicks ǀ ǁ ǂ ǃ; ○ and 〇; the Hangzhou numerals 〡 〢 〣, which are strokes to the eye (round 9:
    the fold reads them as digits, 刷〡单 as 刷1单)."""
    from confusable_homoglyphs.confusables import confusables_data

    out: set[str] = set("ǀǁǂǃ○〇〡〢〣")  # round 9: the Hangzhou numerals drawn as strokes (刷〡单: 丨, 川)
    for ch, entries in confusables_data.items():
        if len(ch) != 1 or ch.isascii() or unicodedata.category(ch)[0] != "L":
            continue
        if unicodedata.name(ch, "").startswith(_KEPT_SCRIPTS):
            continue
        if any(len(e["c"]) == 1 and _punctuation_like(e["c"]) for e in entries):
            out.add(ch)
    for lo, hi in (
        (0x02B0, 0x0300),
        (0x1100, 0x1200),
        (0x3131, 0x3190),
        (0x1400, 0x1680),
        (0x3105, 0x3130),
        (0x31A0, 0x31C0),
    ):
        out.update(chr(cp) for cp in range(lo, hi) if unicodedata.category(chr(cp))[0] == "L")
    # every other modifier letter (ヽ ヾ 〻 々 ｰ ߺ: iteration and length marks, strokes), but those the fold reads as a
    # letter or digit (ᵃ is a styled a)
    out.update(
        ch
        for cp in range(0x80, 0x110000)
        if unicodedata.category(ch := chr(cp)) == "Lm"
        and not unicodedata.name(ch, "").startswith(_KEPT_SCRIPTS)
        and not unicodedata.normalize("NFKC", ch).isascii()
    )
    # the blank fillers (ㅤ U+3164, U+115F, U+1160) are invisible: the fold deletes them already
    return frozenset(c for c in out if not is_default_ignorable(ord(c)))


def _punctuation_like(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] == "P" or cat == "Sm"


INTRUSIVE = intrusive_letters()
_LETTER = r"[^\W\d_]"  # a letter of any script (a Chinese character included)
_HAN = r"[\u3400-\u9fff\uf900-\ufaff]"
_INTRUSIVE_CLASS = "[" + "".join(re.escape(c) for c in sorted(INTRUSIVE)) + "]"
_RUN = re.compile(_INTRUSIVE_CLASS[:-1] + r"\W_]+")  # a run of intrusive letters, punctuation and spaces
_IS_LETTER = re.compile(_LETTER).fullmatch
_IS_HAN = re.compile(_HAN).fullmatch


def separated_reading(text: str) -> str:
    """``text`` with each intrusive letter that stands between two letters, one of them a Chinese character, turned
    into a space, alone or among punctuation and spaces (兼ー·职; same length: offsets hold). ``text`` itself when there
    is none. Linear in ``len(text)``: one pass over the maximal runs of intrusive letters, punctuation and spaces
    (one character class, no backtracking), each judged by the letters at its two ends."""
    out: list[str] | None = None
    for m in _RUN.finditer(text):
        s, e = m.span()
        if s == 0 or e >= len(text):
            continue
        run = m.group()
        if not any(c in INTRUSIVE for c in run):
            continue
        before, after = text[s - 1], text[e]
        if not (_IS_LETTER(before) and _IS_LETTER(after) and (_IS_HAN(before) or _IS_HAN(after))):
            continue
        if out is None:
            out = list(text)
        for k, c in enumerate(run, s):
            if c in INTRUSIVE:
                out[k] = " "
    return text if out is None else "".join(out)


# Named, not offered: what a clause around a listed term says when it names the term instead of offering it.
MENTION_BEFORE = (
    "不能",
    "不得",
    "不要",
    "不许",
    "不准",
    "不可",
    "不做",
    "不接",
    "不碰",
    "不存在",
    "不涉及",
    "没有",
    "并非",
    "别",
    "勿",
    "禁止",
    "严禁",
    "严查",
    "杜绝",
    "拒绝",
    "防范",
    "打击",
    "举报",
    "谨防",
    "警惕",
    "提醒",
    "反诈",
    "涉嫌",
    "查处",
    "取缔",
    "禁毒",
    "防诈",
    "禁赌",
)
"""Words before a term, in its clause, that deny, forbid or warn about it (不能找人刷单, 没有老虎机, 严查刷单)."""

MENTION_AFTER = (
    "案件",
    "案子",
    "危害",
    "风险",
    "举报",
    "识别",
    "许可",
    "套路",
    "骗术",
    "诈骗",
    "骗局",
    "宣传",
    "培训",
    "课件",
    "审核",
    "合规",
    "违法",
    "违规",
    "犯罪",
    "监管",
    "类",
    "的传言",
)
"""Words after a term, in its clause, that treat it as a subject of work (传销案件, 冰毒的危害, 博彩类广告)."""

# A report of what someone else did (有用户举报…, 有员工用公司信用卡套现, 病人自述曾吸食冰毒, 研报里提到…): 有 and a
# person, or a verb of finding or telling, before the term in its clause.
_REPORT = re.compile(
    r"有(?:人|[\u4e00-\u9fff]{0,3}(?:用户|玩家|员工|同事|顾客|客户|客人|家长|学生|老人|网友|患者|病人|居民|群众))"
    r"|发现|提到|报道|自述|反馈|收到"
)
# Between two listed terms of one enumeration: at most two more letters of the first one's phrase (带单老师、荐股群),
# then an enumeration comma, a comma, quotation marks, a slash or 和 与 及 以及 或 (or nothing: “原始股”“资金盘” has
# only quotes between).
_LIST_GAP = re.compile(
    r"(?:\w{0,2}(?=[、，,\s“”\"「」『』‘’'/和与及或]))?[、，,\s“”\"「」『』‘’'/]*(?:和|与|及|以及|或|或者)?[、\s“”\"「」『』‘’']*"
)

INVITING_AFTER_NEGATION = (
    "错过",
    "犹豫",
    "迟疑",
    "观望",
    "再等",
    "担心",
    "害怕",
    "怕",
    "发愁",
    "后悔",
    "放过",
    "浪费",
    "门槛",
    "押金",
    "费用",
    "成本",
    "经验",
    "学历",
    "限制",
    "风险",
)
"""Words a negation bears on instead of the term after them, which make it an invitation: a reluctance denied (不要错过
网赌, 别犹豫) or a cost denied (没有门槛刷单, 不要押金). Between the last negation of a clause and the term, one of
them takes that negation's evidence away."""

SELLING_MARKS = (
    "零",
    "无",
    "没",
    "不算",
    "不是",
    "不会",
    "不违",
    "不犯",
    "不怕",
    "不用",
    "免",
    "低",
    "已",
    "通过",
    "正规",
)
"""Marks that turn a word of handling after a term into a selling point (网赌零风险, 刷单没有风险, 平台已审核): one of
them between the term and that word takes the word's evidence away."""

GAIN_WORDS = ("赚", "月入", "日入", "收入", "收益", "回本", "翻倍", "好评", "靠", "轻松", "过万", "到手")
"""Words of gain in a report of what others did, which make it a testimonial (有人靠刷单月入过万, 朋友反馈网赌回本了):
one of them in the term's clause takes the report's evidence away."""

_INVITING_RE = re.compile("|".join(map(re.escape, sorted(INVITING_AFTER_NEGATION, key=len, reverse=True))))
_SELLING_RE = re.compile("|".join(map(re.escape, SELLING_MARKS)))
_GAIN_RE = re.compile("|".join(map(re.escape, GAIN_WORDS)))

_BEFORE_RE = re.compile("|".join(map(re.escape, sorted(MENTION_BEFORE, key=len, reverse=True))))
_AFTER_RE = re.compile("|".join(map(re.escape, sorted(MENTION_AFTER, key=len, reverse=True))))
_AFTER_LONG_RE = re.compile("|".join(re.escape(w) for w in sorted(MENTION_AFTER, key=len, reverse=True) if len(w) > 1))

_QUOTES = {"“": "”", "「": "」", "『": "』", "《": "》", '"': '"', "‘": "’", "'": "'"}
_CLAUSE_MARKS = "。！？!?；;\n，,"
_CLAUSE_END = re.compile("[" + _CLAUSE_MARKS + "]")
CONTACT = "contact_diversion"  # asking to be reached is an offer itself: named only when quoted (“加微信”)


def _clause(text: str, start: int, end: int) -> tuple[str, str]:
    """The part of ``text``'s clause before ``start`` and after ``end`` (a comma ends a clause; an enumeration comma
    、 and a colon do not)."""
    cut = max(text.rfind(c, 0, start) for c in _CLAUSE_MARKS) + 1  # a few finds in C, no regex over the prefix
    head = text[cut:start]
    tail_m = _CLAUSE_END.search(text, end)
    tail = text[end : tail_m.start()] if tail_m else text[end:]
    return head, tail


@lru_cache(maxsize=8)
def _negation_marks(text: str) -> tuple[list[int], list[int], list[int], list[int]]:
    """Where ``text``'s words of `INVITING_AFTER_NEGATION` end and start, and its words of `MENTION_BEFORE` start and
    end (leftmost, not overlapping; sorted): found once per message, read by every hit of it."""
    inv = [(m.start(), m.end()) for m in _INVITING_RE.finditer(text)]
    neg = [(m.start(), m.end()) for m in _BEFORE_RE.finditer(text)]
    return [e for _, e in inv], [s for s, _ in inv], [s for s, _ in neg], [e for _, e in neg]


def _bears_on_term(text: str, cut: int, start: int, first: re.Match[str]) -> bool:
    """Whether the last negation of the clause head ``text[cut:start]`` (``first``: its first one, matched in the head
    alone) bears on the term at ``start``: no word of `INVITING_AFTER_NEGATION` after it (不要错过, 没有门槛). Per
    hit O(log n) with the message's marks (`_negation_marks`), so a long clause of many hits stays linear."""
    inv_ends, inv_starts, neg_starts, neg_ends = _negation_marks(text)
    i = bisect_right(inv_ends, start)
    if i == 0 or inv_starts[i - 1] < cut + first.end():
        return True  # no inviting word after the first negation
    after = inv_ends[i - 1]
    j = bisect_left(neg_starts, after)
    return j < len(neg_starts) and neg_ends[j] <= start  # another negation after the inviting word


def _quoted(text: str, hit: Hit) -> bool:
    if hit.start == 0 or hit.end >= len(text):
        return False
    close = _QUOTES.get(text[hit.start - 1])
    return close is not None and text[hit.end] == close


def mention_evidence(text: str, hit: Hit, start: int | None = None, end: int | None = None) -> str | None:
    """What in ``hit``'s clause shows the term is named, not offered: ``"quoted"``, ``"before:WORD"``,
    ``"report:WORD"`` or ``"after:WORD"``; None when nothing does. ``start``/``end``: the enumeration the hit is
    part of (`enumerations`), whose clause and edges count for each of its terms (冰毒、大麻、K粉的危害)."""
    if _quoted(text, hit):
        return "quoted"
    head, tail = _clause(text, hit.start if start is None else start, hit.end if end is None else end)
    at = hit.start if start is None else start
    if (m := _BEFORE_RE.search(head)) and _bears_on_term(text, at - len(head), at, m):
        return f"before:{m.group()}"
    if (m := _REPORT.search(head)) and not (_GAIN_RE.search(head) or _GAIN_RE.search(tail)):
        return f"report:{m.group()}"
    if m := _AFTER_RE.match(tail):
        return f"after:{m.group()}"
    if (m := _AFTER_LONG_RE.search(tail[:8])) and not _SELLING_RE.search(tail, 0, m.start()):
        return f"after:{m.group()}"
    return None


def enumerations(hits: Sequence[Hit], text: str) -> dict[Hit, tuple[int, int]]:
    """Per hit, the span of the enumeration of listed terms it stands in (冰毒、大麻; “原始股”“资金盘”; 带单老师、
    荐股群: a term and the next one apart by at most two letters and an enumeration comma, quotation marks or 和/与/及),
    or its own span when it stands alone."""
    ordered = sorted(hits, key=lambda h: h.start)
    spans: dict[Hit, tuple[int, int]] = {}
    group: list[Hit] = []
    for h in ordered:
        if group:
            if h.start >= group[-1].end and _LIST_GAP.fullmatch(text, group[-1].end, h.start) is not None:
                group.append(h)
                continue
            lo, hi = group[0].start, max(g.end for g in group)
            spans.update((g, (lo, hi)) for g in group)
        group = [h]
    if group:
        lo, hi = group[0].start, max(g.end for g in group)
        spans.update((g, (lo, hi)) for g in group)
    return spans


def _written_as_listed(hit: Hit) -> bool:
    """Whether ``hit`` is the term as listed: an exact match, or a folded one whose text differs only by
    punctuation or spaces around a quoted part (“虚拟币投资”)."""
    if hit.channel == "exact":
        return True
    if hit.channel != "folded" or len(hit.matched) <= len(hit.term):  # 紅包, ｈｏｎｇｂａｏ: a character was changed
        return hit.channel == "folded" and hit.matched == hit.term
    kept = "".join(c for c in hit.matched if unicodedata.category(c)[0] not in "PZ")
    return kept == hit.term


def named_not_offered(
    hits: Sequence[Hit], text: str, lures: Iterable[str], not_evidence: Iterable[str] = ()
) -> dict[Hit, str]:
    """The hits of one message that are named, not offered (see the module's docstring), each with the evidence
    that counted (`mention_evidence`); empty when any hit shows the message reaches someone: a disguise (a channel
    other than exact or folded, or a folded hit that is not the term as listed), a contact detail or a contact phrase
    (a detector hit or a ``phrase`` hit outside ``not_evidence``), or a lure of ``lures`` anywhere in the text.

    Pure and deterministic; O(len(text) × the cue words) per message with a hit."""
    skip = frozenset(not_evidence)
    counted = [h for h in hits if h.category not in skip]
    if not any(h.intent for h in counted):  # nothing to clear (most messages: a plain ordinary word alone)
        return {}
    for h in counted:
        if h.channel == DETECTOR_CHANNEL or not _written_as_listed(h):
            return {}
    spans = enumerations(counted, text)
    out: dict[Hit, str] = {}
    for h in counted:
        if not h.intent:
            continue
        why = mention_evidence(text, h, *spans.get(h, (h.start, h.end)))
        if why is None or (h.category == CONTACT and why != "quoted"):
            return {}  # one term offered, or a contact asked for: the message is judged as a whole
        out[h] = why
    if any(lure in text for lure in lures):  # last: the dearest check, for the few messages that got this far
        return {}
    return out


_EVIDENCE_TEXT = {
    "quoted": ("在引号中被提及", "named in quotation marks"),
    "before": ("同一分句中前有否定或禁止词“{w}”", "a negation or prohibition before it in its clause: “{w}”"),
    "report": (
        "同一分句中前是对他人行为的转述“{w}”",
        "a report of what someone else did before it in its clause: “{w}”",
    ),
    "after": (
        "同一分句中后有说明其为事务对象的词“{w}”",
        "a word after it in its clause treating it as a matter of work: “{w}”",
    ),
}


def why_named(hit: Hit, hits: Sequence[Hit], text: str) -> dict[str, str] | None:
    """For a hit without intent that the whole message names rather than offers (`named_not_offered`), what counted,
    in Chinese and English (``{"zh": …, "en": …}``, for platform roles beside the hit's techniques); None for any
    other hit. Deterministic: the same evidence `named_not_offered` found."""
    if hit.intent or hit.channel == DETECTOR_CHANNEL or not _written_as_listed(hit):
        return None
    listed = [h for h in hits if h.channel != DETECTOR_CHANNEL]
    why = mention_evidence(text, hit, *enumerations(listed, text).get(hit, (hit.start, hit.end)))
    if why is None:
        return None
    kind, _, word = why.partition(":")
    zh, en = _EVIDENCE_TEXT[kind]
    return {
        "zh": "整条消息无伪装、无引流、无联系方式，该词被提及而非提供：" + zh.format(w=word),
        "en": "no disguise, lure or contact detail in the whole message; the word is named, not offered: "
        + en.format(w=word),
    }
