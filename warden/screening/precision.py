"""What ordinary text does that a hit must allow for (issue 13, fifth round).

**A sound-alike across the end of a clause.**
A homophone hit is two disguises at once when its characters are split by clause punctuation (圆，交 for 援交):
spammers write a sound-alike or put a separator inside a word, hardly both, while ordinary text puts a word's
last character before a comma and the next word's first after it all the time (付款 3,600 元，交易单号 reads 元交
as 援交). So a homophone hit whose text as sent holds a clause mark is no hit; a term written as it is, or
folded, keeps matching across any separator (红，包 is still 红包).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from warden.screening.base import Hit
from warden.screening.forms import is_han, is_word

__all__ = [
    "CLAUSE_MARKS",
    "PLAIN_CONTACT_PHRASES",
    "THIRD_PERSON",
    "across_clause",
    "addressed_to_another",
    "breaks_word",
    "named_as_fraud",
    "plain_contact_alone",
    "plain_contact_phrase",
    "whole_sound_candidate",
    "whole_sound_clear",
    "within_clauses",
]

# Full-width clause and sentence punctuation, and the ASCII ones writers put between clauses. Not the ASCII full
# stop, dash or a space: spammers' separators (援.交), which a reader does not take for a clause's end.
CLAUSE_MARKS = frozenset("，。；！？：,;!?")


def across_clause(hit: Hit) -> bool:
    """Whether ``hit`` is a sound-alike read across a clause mark of the text as sent."""
    return hit.channel == "homophone" and not CLAUSE_MARKS.isdisjoint(hit.matched)


def breaks_word(hit: Hit, text: str) -> bool:
    """Whether ``hit`` is a sound-alike read out of two words of ``text``: its first character makes a word of
    jieba's list with the character before the hit, its last one with the character after it, and one of the two
    is not the term's own (他目睹博物馆 reads 睹博 as 赌博; 睹 belongs to 目睹 and 博 to 博物馆). A word on one side
    only is no sign: a sound-alike often makes one by chance (第一睹博平台 has 一睹, 了解谜药 has 解谜)."""
    if hit.channel != "homophone" or len(hit.matched) != len(hit.term) or not all(map(is_han, hit.matched)):
        return False
    if hit.start == 0 or hit.end >= len(text):
        return False
    first, last = hit.matched[0], hit.matched[-1]
    if first == hit.term[0] and last == hit.term[-1]:
        return False
    return is_word(text[hit.start - 1] + first) and is_word(last + text[hit.end])


def within_clauses(hits: Sequence[Hit], text: str) -> list[Hit]:
    """``hits`` without the sound-alikes read across a clause mark (`across_clause`) or out of a word of the text
    (`breaks_word`)."""
    return [h for h in hits if not across_clause(h) and not breaks_word(h, text)]


# **Where to reach the writer, said plainly.** 有事找我微信, 联系我的QQ: colleagues and a shop's staff name the
# messenger they answer on, with its own name and an everyday verb (找, 联系), which an offer to a stranger
# disguises (找我vx, 找我薇信) or leads with (加我微信, 私聊vx). Written this way, alone in its message (no other
# hit, no lure), the phrase is a contact phrase without evidence of intent: `Hit.intent` False, for the policy to
# judge like a plain ordinary word. Written with 加, disguised, or beside a lure or another hit it stays a hit.
PLAIN_CONTACT_PHRASES = frozenset(
    verb + me + messenger
    for verb in ("找", "联系")
    for me in ("我", "我的")
    for messenger in ("微信", "qq", "扣扣", "企业微信", "钉钉")
)
CONTACT = "contact_diversion"


def plain_contact_phrase(hit: Hit) -> bool:
    """Whether ``hit`` is a contact phrase written plainly (`PLAIN_CONTACT_PHRASES`, as sent, any case; spaces and
    clause marks aside: 有事找我，微信电话都行, 联系我：微信同号)."""
    if hit.category != CONTACT:
        return False
    return _plain_phrase_text(hit.matched)


@lru_cache(maxsize=4096)
def _plain_phrase_text(matched: str) -> bool:
    """`plain_contact_phrase` for a contact hit's matched text (the same few phrases recur: kept per text)."""
    return "".join(c for c in matched.casefold() if c not in CLAUSE_MARKS and not c.isspace()) in PLAIN_CONTACT_PHRASES


def plain_contact_alone(hits: Sequence[Hit], text: str, lures: Sequence[str], not_evidence: frozenset[str]) -> set[Hit]:
    """The plain contact phrases of ``hits`` that need evidence of intent: every other hit of the text is one that
    is no evidence (``not_evidence`` categories) and no lure (``lures``) is written in ``text``."""
    plain = {h for h in hits if plain_contact_phrase(h)}
    if not plain or any(h not in plain and h.category not in not_evidence for h in hits):
        return set()
    lowered = text.casefold()
    return set() if any(w.casefold() in lowered for w in lures) else plain


# **A lure told to someone else.** Staff retell what a scammer or a customer was asked to do (收到的短信让他点链接
# 退款理赔, 对方叫她扫码进群): a lure right after 让他 / 叫她 / 让用户 … is addressed to a third person, not to the
# reader, so it is no evidence of intent (in the folded text, where punctuation is gone).
THIRD_PERSON = ("让他", "让她", "叫他", "叫她", "要他", "要她", "让用户", "让客户", "让对方", "诱导用户", "诱导客户")


def addressed_to_another(folded: str, at: int) -> bool:
    """Whether the lure at folded position ``at`` follows a word addressing a third person (`THIRD_PERSON`)."""
    return folded.endswith(THIRD_PERSON, max(0, at - 4), at)


# **A sound-alike with no character of the term** (issue 13, round 6). A writer who spells a term wholly by sound
# (柏佳乐 for 百家乐, 石石菜 for 时时彩) keeps no character of it, so the rule that half the characters be identical
# misses them. Such a candidate counts for a term of three characters or more (`WHOLE_SOUND_MIN`) when every
# character reads exactly as the term reads it, tone included (no near-homophone, no look-alike), and the text is no
# word of jieba's list. Two characters stay under the half rule (宏苞 is no 红包, 兵读 no 冰毒: too common by chance).


WHOLE_SOUND_MIN = 3
"""Characters a term needs for a sound-alike with none of its characters: two characters that read exactly like a
term of two are common by chance (元角 for 援交, 件值 for 兼职: 580 such hits in 100,000 generated messages, every
one ordinary text), three are not (柏佳乐 for 百家乐)."""


def whole_sound_candidate(candidate: str, readings: tuple[str, ...]) -> bool:
    """Whether ``candidate`` (folded text under a homophone pattern whose characters read ``readings``) may be a
    sound-alike with no character of the term: every character of the term is Chinese and none of the candidate is
    a digit."""
    return len(candidate) >= WHOLE_SOUND_MIN and all(readings) and all(is_han(c) for c in candidate)


def whole_sound_clear(folded: str, start: int, end: int) -> bool:
    """Whether the folded candidate ``folded[start:end]``, read exactly as the term, is no everyday word of its own
    (`is_word`: a word of jieba's list of three characters)."""
    return not is_word(folded[start:end])


# **A verdict at the end of a sentence** (issue 13, round 6). Warnings and HR notices name the offers they disown and
# then say what they are: …以"征信修复""无抵押贷款秒批"为名收费的都是诈骗, 看到以我们名义"先垫付"的兼职，都是假的.
# The cue comes after the terms, further than a cue's short reach, and it is a verdict on everything before it: a
# universal word (都, 均, 一律, 全部) with what it declares (诈骗, 骗局, 假的, 虚假 …), or 纯属 (纯属诈骗). It clears
# the listed terms before it in its clause, or in the clause before when the verdict opens its own (…的兼职，都是假的);
# never across a sentence end, never when negated (不都是假的) or with a lure between (…红包，加我领，都是真的 is no
# verdict anyway). A spammer disowning others (别人家的都是假的) opens the clause with another subject: no reach back.
_VERDICT = re.compile(
    r"(?<!不)(?:都|均|全都|全部|一律)(?:是|为|属于?|系)?(?:诈骗|骗局|骗子|假的|假冒|虚假|冒充|冒牌|钓鱼|骗人的)"
    r"|纯属(?:诈骗|虚假|谣言|骗局)"
    # round 7: advice or an action taken that ends its clause (…的网络兼职，已移出群聊并提醒大家不要相信。;
    # …有人问能不能刷单，一律拒绝; …把钱转到安全账户，已经报警): what staff say of an offer they saw, never what its
    # sender says of it (不要相信别人 goes on: not at a clause's end)
    r"|(?P<advice>(?:不要|切勿|请勿|千万别|别|谨慎)(?:参与|相信|轻信|回应|理会|上当|点开链接|点击链接|点开|点击)(?=[，,。！!；;？?\s\0]|$)"
    r"|一律(?:拒绝|不予理会|删除|举报)(?=[，,。！!；;\s\0]|$)"
    r"|(?:已经?|并已?)报警)"
)
_SENTENCE_ENDS = "。！？!?\n\0"
_CLAUSE_ENDS = "，,；;"


def named_as_fraud(hits: Sequence[Hit], text: str, lures: Sequence[str] = ()) -> list[Hit]:
    """``hits`` without the listed-term hits a verdict after them declares fraud (`_VERDICT`, see above); detector
    hits (a phone number, an id) are kept: a verdict does not make a contact detail honest."""
    if _VERDICT.search(text) is None:  # most texts: one search in C
        return hits if isinstance(hits, list) else list(hits)
    verdicts = [(m.start(), m.group("advice") is not None) for m in _VERDICT.finditer(text)]
    kept: list[Hit] = []
    for h in hits:
        if h.channel != "detector" and any(
            _verdict_reaches(text, h.end, v, lures, advice) for v, advice in verdicts if v >= h.end
        ):
            continue
        kept.append(h)
    return kept


def _verdict_reaches(text: str, end: int, at: int, lures: Sequence[str], advice: bool = False) -> bool:
    """Whether a verdict at ``at`` reaches a term ending at ``end``: same clause, or the clause before when the verdict
    opens its own; advice or an action taken (round 7) may come later in its clause (…的网络兼职，已移出群聊并提醒大家
    不要相信)."""
    between = text[end:at]
    if any(c in _SENTENCE_ENDS for c in between):
        return False
    if any(w and w in between for w in lures):
        return False
    clauses = sum(c in _CLAUSE_ENDS for c in between)
    if clauses == 0:
        return True
    if clauses > 1:
        return False
    last = max(between.rfind(c) for c in _CLAUSE_ENDS)
    return advice or not between[last + 1 :].strip()
