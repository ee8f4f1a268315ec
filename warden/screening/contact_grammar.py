"""Contact phrases as a small grammar (issue 13, round 6), not as a list of sentences.

Every writer asks to be reached elsewhere in words of their own, but the words fall into a few classes, so the
phrase is read as a *shape*: a verb of adding, contacting or moving (加, 联系, 找, 搜, 扫, 上, 来, 换到, 去, 拉你进 …),
optional words between (我, 我的, 个, 一下, 那个 …), and a messenger's name, plainly or by what spammers call it (the
green app, the green bubble, a satellite for WeChat; the penguin for QQ; the paper or little plane, the blue plane or
电报 for Telegram). A messenger's nickname may also come first with a word of talking or finding after it
(小飞机上聊, 绿色app里搜, 企鹅联系). Two shapes stand without a messenger: a private-message verb aimed at the
writer (私我, 滴滴我, dd我, 戳我) and being pulled into a group (拉你进个群, 进我们的小组).

How strongly a phrase shows intent follows the same rule as everywhere in the screen: a disguised name is
evidence by itself (nobody calls WeChat "the green app" to a colleague's face in the open), while the shapes a
colleague also writes (有事私我, 拉你进项目群) need evidence in the same message: a lure (``lures.txt``), an
audience addressed as a crowd (有意向的, 想要…的, 需要的), urgency (名额, 最后一天, 秒回), or another hit. Without it
the hit carries ``intent: false`` and the policy decides (a colleague's message passes).

Each phrase is named after the listed contact term it stands for (`name`): the most specific one its verb and
words give (加我个vx → 加我个微信, 上卫星 → 加卫星, 小飞机上聊 → 纸飞机, 私我 → 私聊我).

The scan reads each message through a per-character view (NFKC, case folded, invisible characters dropped) whose
index map gives the offsets as sent; messages are picked by numpy over the batch's code points, so text without
any of the anchor words costs a numpy gather (`anchored`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from warden.screening.base import DETECTOR_CHANNEL, Hit
from warden.screening.prefilter import factor_gates

__all__ = ["ANCHORS", "CHANNEL", "Phrase", "find_phrases", "phrase_hits", "read_phrases", "view"]

CHANNEL = "phrase"
"""The channel of a contact phrase read by the grammar."""

CONTACT = "contact_diversion"


def _spelled(*words: str) -> str:
    """A regex alternation of the toneless pinyin of Chinese ``words`` (qie for 企鹅, lvpaopao and lupaopao for 绿泡泡),
    a space allowed between syllables: the grammar's view drops tone marks and tone digits (qi3e2 reads qie)."""
    from pypinyin import Style, lazy_pinyin

    forms: set[str] = set()
    for w in words:
        for v in (False, True):
            syllables = lazy_pinyin(w, style=Style.NORMAL, v_to_u=v)
            forms.add(r"\s?".join(re.escape(x.replace("ü", "u")) for x in syllables))
    return "|".join(sorted(forms, key=len, reverse=True))


_HANZI_OF = {"lvpaopao": "绿泡泡", "lupaopao": "绿泡泡", "weixing": "卫星", "weixinghao": "卫星号", "qie": "企鹅"}
_HANZI_OF |= {"koukou": "扣扣", "zhifeiji": "纸飞机", "xiaofeiji": "小飞机"}
"""The nicknames spelt in pinyin, by their Chinese (to name the listed term they stand for)."""


@lru_cache(maxsize=1)
def _lexicon_rows() -> tuple[tuple[str, str, str], ...]:
    """``messengers.tsv``'s rows (messenger, name as written, where it may stand)."""
    from importlib import resources

    text = resources.files("warden.screening").joinpath("data", "messengers.tsv").read_text(encoding="utf-8")
    rows = (tuple(c.strip() for c in line.split("\t")) for line in text.splitlines() if not line.startswith("#"))
    return tuple((r[0], r[1], r[2]) for r in rows if len(r) == 3)


@lru_cache(maxsize=1)
def lexicon() -> dict[tuple[str, str], tuple[str, ...]]:
    """``messengers.tsv`` (round 7): the names per (messenger, where it may stand: nick, alone, trail, plain),
    longest first."""
    out: dict[tuple[str, str], list[str]] = {}
    for messenger, name, kind in _lexicon_rows():
        if kind not in ("nick", "alone", "trail", "plain"):
            raise ValueError(f"messengers.tsv: a name stands as nick, alone, trail or plain: {kind!r} ({name})")
        # as the grammar's view reads it (`view`): a digit after a pinyin final is a tone digit, te1egram is teegram
        name = re.sub(r"(?<=[a-z][aeiouvngr])[0-5](?![0-9])", "", unicodedata.normalize("NFKC", name).casefold())
        out.setdefault((messenger, kind), []).append(name)
    return {k: tuple(sorted(set(v), key=len, reverse=True)) for k, v in out.items()}


def _listed(messenger: str, *kinds: str) -> str:
    """The lexicon's names of ``messenger`` standing as ``kinds``, as a regex alternation with a leading ``|`` (or
    nothing)."""
    names = [n for k in kinds for n in lexicon().get((messenger, k), ())]
    return "".join("|" + re.escape(n) for n in sorted(names, key=len, reverse=True))


_PLAIN_NAMES = frozenset(n for (_, kind), names in lexicon().items() if kind in ("plain", "trail") for n in names)
_ALONE = {
    messenger: re.compile(_listed(messenger, "alone")[1:])
    for messenger in ("wechat", "qq", "telegram", "whatsapp")
    if _listed(messenger, "alone")
}
_ALONE_TERM = {"wechat": "加微信", "qq": "加qq", "telegram": "telegram", "whatsapp": "whatsapp"}

# --- the messengers, by what they are called; each group's first entry is its canonical listed messenger ---
# A gap a writer puts between the pieces (加 · 我, 企·鹅).
_G = r"[\s·・.\-_~*/|]{0,2}"

# WeChat called by its colour, bubble, satellite or letters. 绿色 alone is a colour: it needs a thing after it
# (软件, app, 泡泡, 那个, 的地方) or a contact verb before it (加我那个绿色的).
_WECHAT_NICK = (
    r"(?:绿色的?(?:软件|app|应用|泡泡|聊天软件|地方|那个|小软件)|绿泡泡|小绿(?:泡|书)?(?!书)|💚|卫星号?|"
    r"wechat|weixin|vx|wx|v信|薇信|威信|微x|" + _spelled("绿泡泡", "卫星", "卫星号") + _listed("wechat", "nick") + ")"
)
_WECHAT_PLAIN = r"(?:微信号?|微x)"
# QQ by its penguin (企鹅, 🐧, a goose cut short), its sound (球球, 扣扣) or letters.
_QQ_NICK = (
    r"(?:(?:那只|小)?企[\s·・.]{0,2}[鹅e]号?|🐧+|球球|扣扣|qq|q号|"
    + _spelled("企鹅", "扣扣")
    + _listed("qq", "nick", "alone", "plain")
    + ")"
)
# Telegram: a paper, small or blue plane, 电报, tg; a bare 飞机 is an aeroplane and needs 小/纸/蓝 or an app word.
_TG_NICK = (
    r"(?:纸飞机|小飞机|蓝色?的?飞机(?:app|软件)?|飞机(?:app|软件|号)|电报|telegram|tg|"
    r"blue\s*(?:plane|bird)(?:\s*app)?|paper\s*plane|"
    + _spelled("纸飞机", "小飞机")
    + _listed("telegram", "nick", "alone", "plain")
    + ")"
)
_WA_NICK = r"(?:whatsapp|瓦次普|瓦次" + _listed("whatsapp", "nick", "plain") + ")"

# The verbs of reaching someone elsewhere, with what may come between the verb and the messenger.
_ADD = r"(?:加|\+|➕|add|jia)"
_ADD_VERBS = ("加", "+", "➕", "add", "jia")
_MOVE = (
    r"(?:联系|找|搜|扫|上|来|去|到|换到|换个|换成|转到|转|移步|挪到|用|下载|下个|下|私|私聊|私信|滴|dd|戳|敲|q|"
    r"join|find|message|text|contact|reach|ping|" + _spelled("联系") + ")"
)
_FILL = (
    r"(?:(?:我们|咱们|一下|那个|这个|好友|我|的|个|下|那|上){0,4}"
    # each space run belongs to one place only (a word after it or the end): three optional words with a
    # `\s*` between each read a run of n spaces n**3 ways, and a verb before spaces with no messenger after
    # them (加 + 2,000 spaces) took minutes to fail
    r"|(?:me|us)?(?:\s*(?:on|at|via|in))?(?:\s*(?:the|my|our))?\s*)"
)

# A nickname first, then a word of talking, finding or its id: 小飞机上聊, 绿色app里搜, 企鹅联系, 绿色软件号.
_AFTER = r"(?:上|里|中|旁边)?(?:聊|见|谈|详聊|细聊|私聊|联系|找我|搜|加我|号|id|@|交流|群|频道)"

# round 7: a small window (小窗我), a kick or a pat on the profile (踢我, 拍一拍我), English inbox slang
_PRIVATE = (
    r"(?:私我|私聊我|私信我|滴滴我|滴我|dd我|戳我|敲我|call我|cue我|pm我|dm我|小窗我|窗我|踢我|拍一拍我|拍拍我|"
    r"inbox me|slide into my (?:dms?|inbox)|hit me up|message me)(?!们)"
)
# round 8: reaching privately without a messenger's name, either way: the writer promises to reach each
# reader in turn (我挨个私你, 我一个个找你, 我来找你, 我私你), or tells them to come privately (私戳, 走个私,
# 发私信, 蹲个私信, 私信暗号, 换个地方聊). Plain shapes (a colleague writes 发私信 too), so each needs evidence
# (`_EVIDENCE`, `_CALL`); not 我找你, 我加你, 我会联系你, 私下联系 or 我私发你, which honest staff write to one
# person (an IT greeting, a recruiter, a shop promising it never contacts anyone privately).
_REACH = (
    r"(?:我(?:挨个|一个个|逐个|来)(?:私|找|加|拉|私信)你?|我私信?你(?!们)|"
    r"私戳|走个私|(?:发|蹲(?:一?个)?)私信|私信暗号|换个地方(?:聊|说|谈))"
)
# round 7: a word or two may name the group (拉你进内部群, 进我们的核心小组)
_GROUP = (
    r"(?:(?:拉|带)你(?:进|入)(?:个|我们的?|咱们的?|我的)?|(?:进|入|加入|来)(?:个|我们的?|咱们的?|我的))"
    r"(?:内部|核心|vip|专属|福利|粉丝|秘密)?(?:小组|群聊|群|组织|圈子|裙)"
)

# Evidence beside a phrase a colleague also writes: an audience addressed as a crowd, urgency or an offer.
_EVIDENCE = re.compile(
    r"有意向?的|想要.{0,6}的|需要.{0,6}的|感兴趣的|要的[^\w]{0,2}(?:私|滴|dd|戳)|"
    r"名额|最后一天|最后\d+个|限时|秒回|优惠|福利|资源|赚|日结|任务|兼职|看到回|通过快|"
    # this place is no place to talk: the reason a writer gives for moving (这里说不了, 平台不让发, 这边老被封)
    r"(?:这里|这边|这儿|平台|这个软件|此处)\S{0,3}(?:说不了|不方便|不让|被封|会封|查得严|不安全|限制)"
)
# round 8: the message asks the reader to answer or look where the contact is, as a whole message does when it moves
# someone off the platform: a reply with a token (回复“666”, 扣1, 留个“1”, 暗号), a pointer at the writer's profile
# (点我头像, 看我签名, 我主页), a wink (你懂的)
_CALL = re.compile(
    r"回复\W{0,2}\w{1,4}|扣\s?\d|扣个|留个|留言|暗号|你懂的|懂的(?:来|扣|私|戳)|"
    r"(?:看|点|戳|翻|去|在)?我的?(?:头像|主页|昵称|签名|个签|简介|动态|朋友圈|资料卡|bio)"
)


@dataclass(frozen=True, slots=True)
class Phrase:
    """A contact phrase found in a view of a message: ``start``/``end`` index the view, ``term`` names the listed
    contact term it stands for, ``plain``: a shape a colleague also writes (it needs evidence of intent)."""

    start: int
    end: int
    term: str
    plain: bool


def _wechat_name(verb: str, fill: str, nick: str) -> str:
    """The listed WeChat term a phrase stands for: 加 with its words (加我个微信 …), a nickname with its own listed
    term (加卫星, 绿泡泡, 卫星号), else 加微信; a name with 号 after it is 微信号."""
    nick = _HANZI_OF.get(nick.replace(" ", ""), nick)
    if nick.startswith("卫星"):
        return "卫星号" if nick.endswith("号") else "加卫星"
    if nick.startswith("绿泡泡"):
        return "绿泡泡"
    fill = re.sub(r"\W|me|us|on|at|via|in|the|my|our|那个|这个|那|的|好友|们|咱", "", fill)
    if verb in _ADD_VERBS or not verb:
        return {
            "我": "加我微信",
            "我的": "加我微信",
            "个": "加个微信",
            "下": "加下微信",
            "一下": "加一下微信",
            "一下我": "加一下微信",
            "一下我的": "加一下微信",
            "我个": "加我个微信",
            "下我": "加下微信",
        }.get(fill, "加微信")
    return "加微信"


def _qq_name(fill: str, nick: str) -> str:
    nick = _HANZI_OF.get(nick.replace(" ", ""), nick)
    if "企" in nick and not nick.endswith("号"):
        return "加企鹅"
    if nick.endswith("号"):
        return "企鹅号"
    if (nick.startswith("🐧") and len(nick) > 1) or nick == "扣扣":
        return "扣扣"
    return "加qq" if fill not in ("个", "下") else ("加个qq" if fill == "个" else "加下qq")


def _tg_name(nick: str) -> str:
    nick = _HANZI_OF.get(nick.replace(" ", ""), nick)
    return "加telegram" if nick.startswith(("tele", "te1e", "tg", "电报", "blue", "paper", "t.me")) else "纸飞机"


_LEAD = re.compile(
    "(?P<verb>" + _ADD + "|" + _MOVE + ")" + _G + "(?P<fill>" + _FILL + ")" + _G + "(?:"
    "(?P<wx>" + _WECHAT_NICK + "|" + _WECHAT_PLAIN + ")|(?P<qq>" + _QQ_NICK + ")|(?P<tg>" + _TG_NICK + ")|"
    "(?P<wa>" + _WA_NICK + ")|(?P<wxc>绿色的?))"
)
_TRAIL = re.compile(
    "(?P<wx>"
    + _WECHAT_NICK[:-1]
    + _listed("wechat", "trail")
    + "))|(?P<qq>(?:那只|小)?企鹅号?|🐧+"
    + _listed("qq", "nick", "trail")
    + ")|(?P<tg>"
    + _TG_NICK[:-1]
    + _listed("telegram", "trail")
    + "))|(?P<wa>"
    + _WA_NICK
    + ")"
)
_TRAIL_AFTER = re.compile(_G + _AFTER)
_PRIVATE_RE = re.compile(_PRIVATE)
_GROUP_RE = re.compile(_GROUP)
_REACH_RE = re.compile(_REACH)

ANCHORS = (
    # nicknames of the messengers, in characters, emoji, English and pinyin (the text is lower-cased first)
    *("绿色", "绿泡", "小绿", "💚", "卫星", "企鹅", "🐧", "球球", "飞机", "电报", "瓦次", "wechat", "weixin"),
    *("telegram", "tg", "whatsapp", "blue plane", "blueplane", "blue bird", "paper plane"),
    *("企e", "企 e", "企·e", "企é", "企 é", "企·é"),
    *("paopao", "pao pao", "pao4", "feiji", "fei ji", "fei1", "weixing", "wei xing", "wei4", "koukou", "kou kou"),
    *("kou4", "qie", "qi e", "qi3", "lianxi"),
    # a private-message verb aimed at the writer
    *("私我", "私聊我", "私信我", "滴滴我", "滴我", "dd我", "戳我", "敲我", "call我", "cue我", "pm我", "dm我"),
    # being pulled into a group
    *("拉你进", "拉你入", "带你进", "带你入", "进个", "入个", "来个", "进我", "入我", "来我", "进咱", "入咱", "来咱"),
    "加入我",
    "加入咱",
    # round 7: the names of messengers.tsv, the private-message verbs and English verbs added
    *(n for names in lexicon().values() for n in names),
    *(name.casefold() for _, name, _ in _lexicon_rows()),  # as written (te1egram), for the raw text
    *("小窗", "窗我", "踢我", "拍一拍", "拍拍我", "inbox me", "slide into", "hit me up", "message me", "join"),
    # round 8: reaching privately without a messenger (`_REACH`)
    *("我挨个", "我一个", "我逐个", "我来", "我私", "私戳", "走个私", "发私信", "蹲个私", "蹲一个", "蹲私信", "私信暗"),
    "换个地",
)
"""Where a contact phrase may be: words one of the grammar's shapes holds. One automaton run over a whole batch,
in either case, picks the messages the grammar reads (`anchored`)."""


def _cases(word: str) -> set[str]:
    """``word`` with its ASCII letters in either case (tg, TG, Tg, tG)."""
    out = {""}
    for ch in word:
        out = {w + c for w in out for c in {ch, ch.upper()}}
    return out


@lru_cache(maxsize=1)
def _heads() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """Per code point, bits: 4 when an anchor is that one character (🐧), 1 when it starts an anchor of two, 2 when
    it starts one of three or more; and the anchors of two and the first three characters of the longer ones, packed
    (21 bits a character), sorted, in either case."""
    table = np.zeros(0x20000, dtype=np.uint8)
    pairs: set[int] = set()
    triples: set[int] = set()
    for anchor in ANCHORS:
        # only the first three characters are keyed: their cases alone (2**letters forms of a whole anchor such as
        # "green app with the phone icon" would be 16 million)
        for form in _cases(anchor[:3]):
            first = ord(form[0])
            if first >= table.size:
                continue
            if len(anchor) == 1:
                table[first] |= 4
            elif len(anchor) == 2:
                table[first] |= 1
                pairs.add(first << 21 | ord(form[1]))
            else:
                table[first] |= 2
                triples.add((first << 21 | ord(form[1])) << 21 | ord(form[2]))
    return table, np.array(sorted(pairs), dtype=np.uint64), np.array(sorted(triples), dtype=np.uint64)


def anchor_table() -> npt.NDArray[np.uint8]:
    """Per code point (below U+20000) the anchor bits of `_heads` (4: an anchor of one character, 1: starts one of
    two, 2: starts a longer one), for a caller that gathers them with its own flags (the engine's one pass over the
    raw batch; `anchored`'s ``heads``)."""
    return _heads()[0]


def _among(keys: npt.NDArray[np.uint64], sorted_keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
    """Which of ``keys`` are in ``sorted_keys`` (a binary search each; `np.isin` sorts both, about 3× slower here)."""
    if not sorted_keys.size:
        return np.zeros(keys.size, dtype=bool)
    i = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    return np.asarray(sorted_keys[i] == keys)


def anchored(
    batch: Sequence[str],
    codes: npt.NDArray[np.intp] | None = None,
    ends: npt.NDArray[np.intp] | None = None,
    heads: tuple[npt.NDArray[np.intp], npt.NDArray[np.uint8]] | None = None,
) -> list[int]:
    """Indexes of the messages of ``batch`` that hold an anchor of two characters, the first three of a longer one
    (`ANCHORS`, in either case) or a one-character one: numpy over the batch's code points (a gather and two sorted
    lookups), a small part of the raw matcher's scan (an automaton over the text cost about as much as that scan).
    ``codes``: the code points of the batch joined with NUL when the caller has them already (the engine's fold
    reads them), else they are read here; ``ends``: where its NULs are, if known (one per message but the last);
    ``heads``: with ``codes``, the positions whose `anchor_table` bits are not 0, sorted, and those bits."""
    if codes is None:
        joined = "\0".join(batch)
        # a lone surrogate in bad input passes through as itself (its code is no anchor's)
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table, pairs, triples = _heads()
    if heads is None:
        kinds = np.take(table, codes, mode="clip")  # the table's last entry (U+1FFFF) is 0: no code above it counts
        at = np.flatnonzero(kinds != 0)  # a bool array: numpy's fast path
        kind = kinds[at]
    else:
        at, kind = heads
    if not at.size:
        return []
    two = at[((kind & 1) != 0) & (at + 1 < codes.size)]
    three = at[((kind & 2) != 0) & (at + 2 < codes.size)]
    shift = np.uint64(21)

    def at_(where: npt.NDArray[np.intp]) -> npt.NDArray[np.uint64]:
        return codes[where].astype(np.uint64)

    key2 = at_(two) << shift | at_(two + 1)
    key3 = (at_(three) << shift | at_(three + 1)) << shift | at_(three + 2)
    found = np.concatenate([at[(kind & 4) != 0], two[_among(key2, pairs)], three[_among(key3, triples)]])
    if not found.size:
        return []
    if ends is None:
        ends = np.flatnonzero(codes == 0)  # where each message ends
    if ends.size != len(batch) - 1:  # a NUL inside a message: count by lengths
        ends = np.cumsum(np.fromiter(map(len, batch), dtype=np.intp, count=len(batch)) + 1) - 1
    return [int(i) for i in np.unique(np.searchsorted(ends, found))]


_TONE_DIGITS = frozenset("012345")
_FINALS = frozenset("aeiouvngr")


@lru_cache(maxsize=4096)
def _view_char(ch: str) -> str:
    """One character as the grammar reads it: NFKC and case folded when that gives one character (ｊｉａ, 𝙒); an
    invisible one (a format character, a Hangul filler) reads as nothing."""
    if unicodedata.category(ch) == "Cf" or ch in "\u3164\uffa0\u115f\u1160":
        return ""
    folded = unicodedata.normalize("NFKC", ch).casefold()
    if len(folded) == 1 and not folded.isascii():  # a tone mark on a Latin letter (é for 鹅) is dropped
        bare = "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))
        if len(bare) == 1 and bare.isascii():
            return bare
    return folded if len(folded) == 1 else ch.casefold() if len(ch.casefold()) == 1 else ch


# What the per-character view changes beyond NFKC and case folding: invisible characters, Latin letters with marks,
# a digit after a letter (a tone digit, maybe). A text with none of them is read as a whole, in C.
_SLOW = re.compile(
    r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\u00c0-\u024f\u1e00-\u1eff]|[a-z][0-5]"
)


def view(text: str) -> tuple[str, list[int]]:
    """``text`` as the grammar reads it, and for each of its characters the index in ``text``."""
    whole = unicodedata.normalize("NFKC", text).casefold()
    if len(whole) == len(text) and _SLOW.search(whole) is None and _SLOW.search(text) is None:
        return whole, list(range(len(text)))
    chars: list[str] = []
    at: list[int] = []
    for i, ch in enumerate(text):
        v = _view_char(ch)
        if (
            v in _TONE_DIGITS
            and len(chars) > 1
            and chars[-1] in _FINALS
            and chars[-2].isascii()
            and chars[-2].isalpha()
            and not (i + 1 < len(text) and _view_char(text[i + 1]).isdigit())
        ):
            continue  # a tone digit after a pinyin syllable (qi3e2): the syllable is what counts
        if v:
            chars.append(v)
            at.append(i)
    return "".join(chars), at


def _latin_edge_ok(v: str, s: int, e: int) -> bool:
    """A phrase that starts or ends with a Latin letter is a word of its own there (tg not in stg, add not in
    address)."""
    if s > 0 and v[s].isascii() and v[s].isalpha() and v[s - 1].isascii() and v[s - 1].isalnum():
        return False
    return not (e < len(v) and v[e - 1].isascii() and v[e - 1].isalpha() and v[e].isascii() and v[e].isalpha())


# by the id of a module-level regex (hashing a Pattern hashes its code)
_GATES: dict[int, tuple[re.Pattern[str], ...] | None] = {}


def _matches(regex: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``regex.finditer(text)`` (``regex`` a module-level pattern), none without running it when ``text`` lacks
    what every match of it holds (`prefilter.factor_gates`: a verb and a messenger's name for `_LEAD`; literal
    scans in C instead of the regex's tries at every position)."""
    key = id(regex)
    if key not in _GATES:
        _GATES[key] = factor_gates(regex)
    gates = _GATES[key]
    if gates and any(gate.search(text) is None for gate in gates):
        return iter(())
    return regex.finditer(text)


def find_phrases(text: str) -> list[tuple[int, int, str, bool]]:
    """The contact phrases of ``text``: (start, end, term, plain) with offsets as sent, leftmost first and not
    overlapping (see the module's docstring)."""
    v, at = view(text)
    found: list[Phrase] = []
    for m in _matches(_LEAD, v):
        verb = m.group("verb")
        fill = m.group("fill") or ""
        if m.group("wxc") is not None:  # a bare colour needs 加 and words of the writer's (加我那个绿色的)
            if verb not in _ADD_VERBS or not fill or fill in ("上", "个", "下"):
                continue
            found.append(Phrase(m.start(), m.end(), _wechat_name(verb, fill, ""), False))
            continue
        if m.group("wx") is not None:
            nick = m.group("wx")
            plain_name = re.fullmatch(_WECHAT_PLAIN, nick) is not None
            # 加个微信 and its kin are listed terms: the grammar adds only the words they do not take
            if plain_name and verb in _ADD_VERBS and fill in ("", "我", "个", "下", "一下", "我个"):
                continue
            term = _wechat_name(verb, fill, nick)
            # the messenger's own name with an everyday verb (上微信, 用微信, 找我微信) is how colleagues talk
            found.append(Phrase(m.start(), m.end(), term, plain_name))
        elif m.group("qq") is not None:
            nick = m.group("qq")
            plain_name = nick in ("qq", "扣扣", "q号")
            if plain_name and verb in (*_ADD_VERBS, "q", "上", "用", "下", "下个", "下载"):
                continue
            found.append(Phrase(m.start(), m.end(), _qq_name(fill, nick), plain_name or nick in _PLAIN_NAMES))
        elif m.group("tg") is not None:
            nick = m.group("tg")
            plain = (nick in ("tg", "电报") and verb not in _ADD_VERBS) or nick in _PLAIN_NAMES
            found.append(Phrase(m.start(), m.end(), _tg_name(nick), plain))
        elif m.group("wa") is not None:
            plain = verb not in _ADD_VERBS or m.group("wa") in _PLAIN_NAMES
            found.append(Phrase(m.start(), m.end(), "加whatsapp", plain))
    for m in _matches(_TRAIL, v):
        after = _TRAIL_AFTER.match(v, m.end())
        if after is None:
            continue
        if m.group("wx") is not None:
            nick = m.group("wx")
            word = after.group().strip()
            term = "微信号" if word.endswith(("号", "id")) and not nick.startswith(("卫星", "绿泡泡")) else ""
            found.append(Phrase(m.start(), after.end(), term or _wechat_name("", "", nick), nick in _PLAIN_NAMES))
        elif m.group("qq") is not None:
            nick = m.group("qq")
            found.append(Phrase(m.start(), after.end(), _qq_name("", nick), nick in _PLAIN_NAMES))
        elif m.group("tg") is not None:
            nick = m.group("tg")
            found.append(Phrase(m.start(), after.end(), _tg_name(nick), nick in _PLAIN_NAMES))
        else:
            found.append(Phrase(m.start(), after.end(), "加whatsapp", False))
    for messenger, alone in _ALONE.items():  # round 7: a name that says what it is by itself (企鹅群, te1egram)
        found.extend(Phrase(m.start(), m.end(), _ALONE_TERM[messenger], False) for m in _matches(alone, v))
    for m in _matches(_PRIVATE_RE, v):
        found.append(Phrase(m.start(), m.end(), "私聊我", True))
    for m in _matches(_REACH_RE, v):  # round 8
        found.append(Phrase(m.start(), m.end(), "私聊我", True))
    for m in _matches(_GROUP_RE, v):
        found.append(Phrase(m.start(), m.end(), "加个群" if "个" in m.group() else "加群", True))
    found = [p for p in found if _latin_edge_ok(v, p.start, p.end)]
    found.sort(key=lambda p: (p.start, p.start - p.end))
    out: list[tuple[int, int, str, bool]] = []
    end = -1
    for p in found:
        if p.start >= end:
            out.append((at[p.start], at[p.end - 1] + 1, p.term, p.plain))
            end = p.end
    return out


def has_evidence(text: str, lures: Sequence[str]) -> bool:
    """Whether ``text`` (the message with its phrases blanked out) holds evidence of intent for a plain phrase: a
    lure (``lures``), or an audience addressed as a crowd, urgency or an offer (`_EVIDENCE`)."""
    v, _ = view(text)
    if _EVIDENCE.search(v) or _CALL.search(v):
        return True
    return any(w.casefold() in v for w in lures)


def phrase_hits(text: str, hits: Sequence[Hit], lures: Sequence[str]) -> tuple[list[Hit], set[Hit]]:
    """The grammar's hits for ``text`` that no hit of ``hits`` overlaps, and which of them need evidence of intent
    (plain shapes in a message with no evidence, `has_evidence`, and no other hit). Severity: ``medium`` for a
    disguised messenger, ``low`` for a plain shape."""
    out: list[Hit] = []
    weak: set[Hit] = set()
    phrases = find_phrases(text)
    if not phrases:
        return out, weak
    taken = [(h.start, h.end) for h in hits if h.category == CONTACT and h.channel != DETECTOR_CHANNEL]
    evidence: bool | None = None
    for s, e, term, plain in phrases:
        # a listed contact term keeps its name (私聊我vx is 私聊我 and vx; add me on WhatsApp is whatsapp)
        if any(s < b and a < e for a, b in taken):
            continue
        hit = Hit(term, CONTACT, "low" if plain else "medium", CHANNEL, s, e, text[s:e])
        out.append(hit)
        if plain:
            if evidence is None:
                rest = text
                for a, b, _, _ in reversed(phrases):
                    rest = rest[:a] + "\0" + rest[b:]
                evidence = len(phrases) > 1 or has_evidence(rest, lures)
            if not evidence:
                weak.add(hit)
    return out, weak


def read_phrases(
    batch: Sequence[str],
    results: dict[int, list[Hit]],
    gated: dict[int, set[Hit]],
    lures: Sequence[str],
    codes: npt.NDArray[np.intp] | None = None,
    ends: npt.NDArray[np.intp] | None = None,
    heads: tuple[npt.NDArray[np.intp], npt.NDArray[np.uint8]] | None = None,
) -> None:
    """Add the grammar's contact phrases to ``results`` (hits per message index of ``batch``) and the plain ones
    without evidence to ``gated``, for the messages `anchored` picks. A phrase overlapping a listed contact hit is
    left out: the listed term names it. ``codes``, ``ends``, ``heads``: the batch's code points joined with NUL,
    where the NULs are and where anchors may start, if the caller has them (`anchored`)."""
    picked = anchored(batch, codes, ends, heads)
    for i in picked:
        old = results.get(i, [])
        found, weak = phrase_hits(batch[i], old, lures)
        if not found:
            continue
        results[i] = [*old, *found]
        if weak:
            gated.setdefault(i, set()).update(weak)
