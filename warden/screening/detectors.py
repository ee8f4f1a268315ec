"""The one detector module for contact details and personal data: URLs, phone numbers, QQ/WeChat ids, a number
given after 微信 / vx / 加我, e-mail, PRC resident ID numbers and bank-card numbers. The platform's screen (S-A6
contact diversion) and each enterprise's leak detectors (S-E3) both run these, through the screening engine.

They run on text folded with the detector tables (full-width, styled and CJK digits folded, zero-width
removed, punctuation kept), so ``１３８ ００１３ ８０００`` and ``壹叁捌…`` are found as well. A
cheap substring gate skips each regex on batches that cannot contain its kind of match. Numbers are checked with
kept libraries, not hand-written rules: a resident ID by `stdnum.cn.ric` (region, birth date, check character;
born 1900 or later), a card by `stdnum.luhn` and its network's number range and length, a phone number by
`phonenumbers` (a real Chinese mobile or landline number).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType
from stdnum import luhn
from stdnum.cn import ric

from warden.screening.base import DETECTOR_CHANNEL
from warden.screening.folding import detector_tables, fold
from warden.screening.prefilter import lead_gate

CHANNEL = DETECTOR_CHANNEL


@dataclass(frozen=True, slots=True)
class Detection:
    start: int  # offsets in the original (unfolded) text
    end: int
    category: str
    value: str  # canonical value, used as the hit's term (digits only, lower-case …)
    severity: str


_TLDS = "com|cn|net|org|top|xyz|vip|cc|io|me|info|shop|club|site|online|link|app|co|tk|ltd|wang|ren|fun|icu"
_URL_CHAR = r"[-a-z0-9._~:/?#@!$&*+,;=%]"  # after folding (lower case); Chinese text ends a URL

# Numbers may be written in groups (``138 0013 8000``, ``110105 19491231 002X``, ``6222 0210 0012 3456 781``):
# one space or dash is allowed between any two digits, and a dot between groups of three digits or more
# (``138.1746.2905``; see `_groups_ok`: 10.30, 1280.50 and 2024.11.30 are no phone numbers); the checks below
# decide what a run of digits is.
_SEP = "[ .-]"
# A phone number may have up to three separators between two digits, of any of the kinds (1 3 9 - 2 0 4 6, 139_2046,
# 139/2046/7731): the check that it is a real number decides.
# Round 4: also an asterisk, a tilde, a comma, an enumeration comma or brackets (138*1746*2905, 138（1746）2905,
# 幺三八，幺七四六，二九零五); a number grouped in thousands with commas is an amount (`_groups_ok`).
_PHONE_SEP = r"(?:[ ._/*~,()、-]{1,3})?"
_PHONE = re.compile(
    r"(?<![0-9])(?<![0-9][ .-])(?:(?:\+|00)?86[ -]?)?(1"
    + _PHONE_SEP
    + "[3-9](?:"
    + _PHONE_SEP
    + r"[0-9]){9})(?![0-9]|[ .-][0-9])"
)
_LANDLINE = re.compile(r"(?<![0-9])(0[1-9][0-9]{1,2})-([2-9][0-9]{6,7})(?![0-9])")
_ID_CARD = re.compile(r"(?<![0-9])([1-9](?:[ -]?[0-9]){16}[ -]?[0-9x])(?![0-9a-z])")
_BANK_CARD = re.compile(r"(?<![0-9])([2-8](?:[ -]?[0-9]){13,18})(?![0-9])")
_SEPARATORS = re.compile("[ ._/*~,()、-]")
_GAP = r"[^0-9a-z\u3400-\u9fff]{0,2}"
# Between a contact word and what it gives: spaces, a colon, a heart, 号/码/是/为, or the words 电话, 手机, 号码.
# Round 4: an arrow pointing at it, "id", 搜一搜 (一 reads 1 here) or 搜索 (WeChat ID: kf_2046, 加我👉kf_2046,
# 微信搜一搜 kf_2046).
_LEAD = r"(?:[\s:：号码是为❤♥💕💗💚💙👉➡→]|电话|手机|搜1搜|搜索|搜|加|id){0,4}"
# An amount is no contact number: 微信 128000元, 扣 20000块.
_NOT_AMOUNT = r"(?![0-9]|[ .-]?[0-9]|[元块万千百亿个人笔次件%])"


def _groups_ok(number: str) -> bool:
    """A number written with dots is a number split to evade only when every group has three digits or more
    (138.1746.2905); 10.30, 1280.50, 2024.11.30 and 192.168.1.1 are times, amounts, dates and addresses, and a number
    grouped in thousands with commas (13,800,138,000) an amount."""
    groups = re.split("[ ._/*~,()、-]+", number.strip("()"))
    if "," in number and len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
        return False  # 13,800,138,000 is an amount
    return "." not in number or all(len(g) >= 3 for g in groups)


def _folded_word(word: str) -> str:
    """A keyword as the detectors read it (digits folded: v一下 is v1下)."""
    return fold(word, detector_tables(), collapse=False).text


def _words(*words: str) -> str:
    """A regex alternation of keywords, each allowed a separator or two between its letters (微 信, q.q, 微❤信):
    the detectors read text with punctuation kept. Pinyin of five letters or more (koukou) is matched as written."""
    folded = {_folded_word(w) for w in words}
    return (
        "(?:"
        + "|".join(
            re.escape(w) if len(w) >= 5 and w.isascii() else _GAP.join(map(re.escape, w))
            for w in sorted(folded, key=len, reverse=True)
            if w
        )
        + ")"
    )


def _pinyin(*words: str) -> tuple[str, ...]:
    """The toneless pinyin of Chinese contact words of five letters or more (koukou, weixing, lvpaopao): tone
    marks are folded away, so kòukòu is koukou."""
    from pypinyin import Style, lazy_pinyin

    out = []
    for w in words:
        if any("\u4e00" <= c <= "\u9fff" for c in w):
            for form in {"".join(lazy_pinyin(w, style=Style.NORMAL, v_to_u=v)) for v in (False, True)}:
                if len(form) >= 5 and form.isascii() and form.isalpha():
                    out.append(form)
    return tuple(out)


_QQ_WORDS = (
    "qq",
    "扣扣",
    "企鹅",
    "企鹅号",
    "q号",
    "q群",
    "qq群",
    "q我",
    "加q",
    "加扣",
    "加扣扣",
    "🐧",
    # round 4: 加我q, a group by sound (q裙), QQ read aloud (球球), the bird's name cut short (鹅号)
    "加我q",
    "扣群",
    "q裙",
    "qq裙",
    "扣裙",
    "球球",
    "鹅号",
    # round 5: 扣我 as Q我 (想进群的扣我：2047316958)
    "扣我",
)
# Words with another everyday sense: 扣 (扣款: its number needs six digits or more) and 群号 (a DingTalk or Feishu
# group's number is no QQ group: 钉钉群号, 飞书群号; see `_spans`). Two regexes, each starting with its words, so the
# regex engine scans for their first characters.
# A number after a contact word: digits, one space, dot or dash allowed between two of them, or written in one piece
# with letters drawn like digits (lO9638475Z is 1096384752: l, i → 1, o → 0, z → 2; `_number`).
_QQ = re.compile(
    _words(*_QQ_WORDS, *_pinyin("扣扣", "企鹅号", "加扣扣"))
    + _LEAD
    + r"([1-9lioz][0-9lioz]{4,10}(?![0-9a-z])|[1-9](?:[ .-]?[0-9]){4,10})"
    + _NOT_AMOUNT
)
_QQ_WEAK = re.compile(
    r"(?:扣|群号)" + _LEAD + r"([1-9lioz][0-9lioz]{5,10}(?![0-9a-z])|[1-9](?:[ .-]?[0-9]){5,10})" + _NOT_AMOUNT
)
# Round 6: a bare Q, a space or colon, then a QQ-length number (Q 3197402856, Q：28471039): seven digits or more in
# one piece, Q a word of its own; written together (Q12345678) it is a code or an order number, and Q3 2024, Q4营收
# and a short number stay.
_QQ_BARE = re.compile(r"(?<![0-9a-z])q[\s:：]{1,2}([1-9][0-9]{6,10})(?![0-9a-z])" + _NOT_AMOUNT)
_NOT_QQ_GROUP = ("钉钉", "飞书", "钉")
_WECHAT_WORDS = (
    "微信号",
    "微信",
    "weixin",
    "wechat",
    "vx",
    "wx",
    "v信",
    "薇信",
    "威信",
    "加v",
    "+v",
    "＋v",
    "➕v",
    "﹢v",
    # what else spammers call WeChat: a satellite (卫星 wèixīng), the green bubble, the green app, a heart for 信
    "卫星",
    "卫星号",
    "加卫星",
    "绿泡泡",
    "绿色软件",
    "v❤",
    "微❤",
    "威❤",
    "薇❤",
    "加微",
    "微号",
    "v我",
    "v一下",
    "加薇",
    "加威",
    # round 4: pinyin and a letter for one of the two characters, 信 split (微x, wei信, 微亻言)
    "微x",
    "wei信",
    "微亻言",
)
_WECHAT_ALL = (*_WECHAT_WORDS, *_pinyin("微信号", "卫星", "卫星号", "绿泡泡"))
_WECHAT = re.compile(_words(*_WECHAT_ALL) + _LEAD + r"([a-z][-_a-z0-9]{5,19})(?![-_a-z0-9])")
# A number given right after 微信 / vx / 加我 is a way off the platform even though a WeChat id must start with
# a letter (WeChat finds people by phone or QQ number too): 这个是我的微信：9989123456. A bare long number is not
# (orders, tickets, employee numbers), and neither is an amount (微信 128000元).
_CONTACT_NUMBER = re.compile(
    _words(*_WECHAT_ALL, "加我", "打这个", "打这个号", "拨打", "联系我", "找我")
    + _LEAD
    + r"([0-9lioz][0-9lioz]{5,19}(?![0-9a-z])|[0-9](?:[ .-]?[0-9]){5,19})"
    + _NOT_AMOUNT
)
_AS_DIGIT = str.maketrans("lioz", "1102")


@lru_cache(maxsize=1)
def _default_syllables() -> dict[str, str]:
    """Every common character (GB 2312) → its default reading, toneless (pypinyin)."""
    from pypinyin import Style, lazy_pinyin

    chars = []
    for cp in range(0x4E00, 0x9FA6):
        try:
            chars.append(chr(cp).encode("gb2312").decode("gb2312"))
        except UnicodeEncodeError:
            continue
    return dict(zip(chars, lazy_pinyin(chars, style=Style.NORMAL), strict=True))


def sound_chars(*syllables: str) -> str:
    """The common characters (GB 2312) whose default reading, toneless, is one of ``syllables``: what a writer
    picks to spell a word by its sound (微 is 威, 薇, 维, 卫 …; 信 is 芯, 心, 星 …), from pypinyin; and the look-alikes
    of those that are characters of the shipped terms (`dictionaries.shipped_look_alikes`: 徽 for 微, 伽 for 加)."""
    from warden.screening.dictionaries import shipped_look_alikes

    chars = [ch for ch, syl in _default_syllables().items() if syl in syllables]
    alike = shipped_look_alikes()
    return "".join(dict.fromkeys([*chars, *(v for ch in chars for v in alike.get(ch, ""))]))


# A short name of WeChat or QQ, then a colon, then what it gives: V：kf_9527, 威：ks88661, 薇芯号：…, Q：2847103965,
# 抠抠：…. The name is one letter (v, w, q), the syllable wei (any character read wei: 微 威 薇 维 卫 …) or kou kou,
# optionally followed by 信 in any character read xin or xing, or a heart. Only with the colon, and only where a
# word starts (不是 "密码为：…": 为 follows 码): the bare letters and characters are everyday writing.
_START = r"(?:(?<![0-9a-z\u3400-\u9fff])|(?<=[的我加+]))"
_HEART_MARKS = "❤♥💕💗💚💙"
_WECHAT_ALIAS = re.compile(
    _START
    + f"(?:v|w|wei|[{sound_chars('wei')}])(?:[ _-]?(?:x|xin|xing|[{sound_chars('xin', 'xing')}]|[{_HEART_MARKS}]))?"
    + r"号?[ ]?:[\s:]{0,2}"
    + r"([a-z][-_a-z0-9]{5,19}(?![-_a-z0-9])|[0-9lioz][0-9lioz]{5,19}(?![0-9a-z])|[0-9](?:[ .-]?[0-9]){5,19})"
    + _NOT_AMOUNT
)
_QQ_ALIAS = re.compile(
    _START
    + f"(?:q|qq|kou ?kou|[{sound_chars('kou')}]{{1,2}})号?[ ]?:[\\s:]{{0,2}}"
    + r"([1-9lioz][0-9lioz]{4,10}(?![0-9a-z])|[1-9](?:[ .-]?[0-9]){4,10})"
    + _NOT_AMOUNT
)

# 微信 and 扣扣 spelt by sound (威芯, 维新, 薇心; 抠抠, 蔻蔻) right before what they give: any character read wei, then
# one read xin or xing, or two read kou.
_WECHAT_SOUND = re.compile(
    f"[{sound_chars('wei')}]{_GAP}[{sound_chars('xin', 'xing')}]号?"
    + _LEAD
    + r"([a-z][-_a-z0-9]{5,19}(?![-_a-z0-9])|[0-9](?:[ .-]?[0-9]){5,19})"
    + _NOT_AMOUNT
)
_QQ_SOUND = re.compile(
    f"[{sound_chars('kou')}]{_GAP}[{sound_chars('kou')}]号?" + _LEAD + r"([1-9](?:[ .-]?[0-9]){4,10})" + _NOT_AMOUNT
)

# Messengers other than WeChat and QQ, and what they give: a handle (@easy_money88), an id or a number. Names that
# are everyday words too (tg, line, 飞机 a plane, 电报 a telegram, ins, fb, signal, wa) count only before an @handle
# or after 加 / 搜 (加飞机 dk8899); the others (telegram, whatsapp, 纸飞机 …) before any of the three.
_MESSENGERS = (
    "telegram",
    "whatsapp",
    "whats app",
    "纸飞机",
    "skype",
    "kakao",
    "kakaotalk",
    "instagram",
    "脸书",
    "飞机号",
)
_MESSENGERS_WEAK = ("tg", "line", "飞机", "电报", "ins", "fb", "signal", "wa", "facebook", "twitter", "推特")
_HANDLE = r"@[a-z_][a-z0-9_.]{3,31}(?![a-z0-9_])"
_MESSENGER_ID = r"(" + _HANDLE + r"|[a-z][-_a-z0-9.]{4,31}(?![-_a-z0-9])|\+?[0-9](?:[ .-]?[0-9]){6,14})"
# each starts with its words, so the regex engine scans for their first characters (a word boundary before a Latin
# name is checked after the match: `_latin_start`)
_MESSENGER = re.compile(_words(*_MESSENGERS) + r"(?![a-z])(?:[\s:号]|id|账号|是|搜){0,4}" + _MESSENGER_ID)
_MESSENGER_HANDLE = re.compile(_words(*_MESSENGERS_WEAK) + r"(?![a-z])(?:[\s:号]|id|账号|是|搜){0,4}(" + _HANDLE + ")")
# a Telegram handle or id after its short names and a colon (TG：fastpay88, 电报：…); not 飞机：A320 (a plane)
_MESSENGER_COLON = re.compile(r"(?:tg|电报)(?:号|id)?[ ]?:[\s:]{0,2}" + _MESSENGER_ID)
# an id given right after 加我 (加我 kf_2046, 加我👉kf_2046): letters and a digit at least, as WeChat ids are
# round 5: the account may be named between (加我备用号 ab_cd2026, 加我的工作号, 加我威 / 加我v: the messenger
# cut short)
_ACCOUNT_NOUNS = ("私人号", "私号", "小号", "大号", "新号", "工作号", "备用号", "号", "薇", "威", "微", "v", "w")
_ADD_ME_ID = re.compile(
    r"加我(?:好友|的)?(?:"
    + "|".join(_ACCOUNT_NOUNS)
    + r")?"
    + _LEAD
    + r"(?=[-_a-z0-9]{6,20}(?![-_a-z0-9]))([a-z][-_a-z]*[0-9][-_a-z0-9]{0,18})(?![-_a-z0-9])"
)
_MESSENGER_ADDED = re.compile(
    r"(?:加|搜)" + _words(*_MESSENGERS_WEAK) + r"(?![a-z])(?:[\s:号]|id|账号|是){0,4}" + _MESSENGER_ID
)


_ALIAS_BEFORE = 8  # characters from a short contact name's start to its colon (薇芯号 :, kou kou:)
_ALIAS_AFTER = 48  # characters from the colon to the end of what it gives


def _around_colons(f: str) -> list[tuple[int, int]]:
    """Windows of ``f`` around its colons, merged where they overlap: where a short contact name may stand (the
    lookbehind of `_START` still sees before a window's start)."""
    out: list[tuple[int, int]] = []
    at = f.find(":")
    while at != -1:
        lo, hi = max(0, at - _ALIAS_BEFORE), at + _ALIAS_AFTER
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
        at = f.find(":", at + 1)
    return out


def _latin_start(f: str, at: int) -> bool:
    """Whether a word found at ``at`` starts a word: no Latin letter before it (xtelegram is no telegram)."""
    return at == 0 or not ("a" <= f[at - 1] <= "z")


# A number sent in pieces with words saying how they join (186 前三位，后面是 2937 0615; 卡号分两段发：6212 2628 8560，
# 后四位 1804): pieces of three digits or more, a short gap in the same sentence holding such a word, and the
# joined digits a valid phone, card or ID number.
_PIECE = re.compile(r"[0-9](?:[ -]?[0-9]){2,}")
# round 5: where each piece stands (138 开头，中间 6012，结尾 5793)
_JOIN_WORDS = re.compile(
    "位|段|后面|前面|接着|接上|剩下|然后|再|加上|连起来|拼起来|合起来|连上|拼上|开头|中间|结尾|末尾|尾数|最后"
)
_SENTENCE_END = re.compile("[。！？!?\n;；]")
_MAX_JOIN_GAP = 14
# round 5: a piece with a unit after it is a count, an amount or a date (135 箱，中间 2400 箱 …), not a piece
_COUNTED = re.compile(
    r" ?["
    r"元块角万千百亿个人笔次件%"
    r"箱台吨套张米斤克天年月日秒分位期字页条行份本部辆只瓶盒袋层楼届名周遍]"
)


def _number(token: str) -> str | None:
    """The digits of a number written after a contact word (separators dropped, letters drawn like digits read as
    digits), or None when it has fewer than five real digits (a word such as zoo1 is no number)."""
    digits = _SEPARATORS.sub("", token)
    if sum(c.isdigit() for c in digits) < 5:
        return None
    return digits.translate(_AS_DIGIT)


_WXID = re.compile(r"(wxid_[a-z0-9]{6,24})(?![a-z0-9])")
_URL_SCHEME = re.compile(r"(?:https?://|www\.)" + _URL_CHAR + "+")
_TLD = re.compile(r"\.(?:" + _TLDS + r")(?![0-9a-z_])")
_DOMAIN_LEFT = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$")
_URL_PATH = re.compile("/" + _URL_CHAR + "*")
_EMAIL_LEFT = re.compile(r"[a-z0-9][a-z0-9._%+-]*$")
_EMAIL_RIGHT = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,10}(?![0-9a-z_])")

# Gating. A message goes through the detectors only if the engine's automaton (which scans the
# folded text anyway) finds one of these in it, so most messages cost nothing extra:
# * five digits in a row after folding (every digit variant, separators removed): phone numbers,
#   QQ ids, ID-card and bank-card numbers (see DIGIT_RUN);
# * a top-level domain (com, cn, net …; dots are folded away, so abc.com reads abccom): URLs and
#   e-mail addresses always contain one;
# * a keyword that announces a WeChat id (ids need no digits).
# TLDs that are common inside English words (co, me, io) or that collapsing would change (cc, app)
# are gated by SHORT_TLD on the raw text instead, a regex with a literal first character (cheap).
DIGIT_RUN = 5
_RAW_GATED = ("co", "me", "io", "cc", "app")  # short, or changed by collapsing repeats (cc → c)
GATE_TLDS = tuple(t for t in _TLDS.split("|") if t not in _RAW_GATED)
HEARTS = ("❤", "♥")  # V❤ and 微❤号 announce a WeChat id; the main fold deletes the heart, so the raw text is looked at
SHORT_TLD = re.compile(r"\.(?:[cC][oOcC]|[mM][eE]|[iI][oO]|[aA][pP][pP])(?![0-9a-zA-Z])")
# Round 5, on the raw text too: a styled letter after a dot (𝐚𝐛𝐜𝟏𝟐𝟑.𝐜𝐜, whose TLD the raw text does not spell) and a
# mobile number sent in three pieces with words between (138 开头，中间 6012，结尾 5793); the detectors decide. Each
# alternative starts with a literal character, so the regex engine scans fast.
_STYLED = "\U0001d400-\U0001d7ff"
# round 7: contact details read out in words (`_spoken`)
_EN_WORD = "(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
SPOKEN_GATE = (
    r"|点\s?(?:com|cn|net|org|top|cc|me|io|vip|xyz|info)(?![a-zA-Z])|艾特|下划线|斜杠|空格\s?[0-9]"
    rf"|-{_EN_WORD}-{_EN_WORD}|倒着|倒过来|反过来"
)
RAW_GATE = re.compile(
    SHORT_TLD.pattern
    + f"|\\.[{_STYLED}]"
    + r"|1[3-9][0-9][^0-9\n。！？]{1,14}?[0-9]{4}[^0-9\n。！？]{1,14}?[0-9]{4}"
    + SPOKEN_GATE
)
# A phone number drawn with letters, even the first (l86O3927l54: no five digits in a row): this many digits within
# DRAWN_SPAN folded characters send a message to the detectors (found with numpy beside the five-digit runs).
DRAWN_DIGITS = 7
DRAWN_SPAN = 11
ALIAS_MARKS = "vqwVQWｖｑｗＶＱＷ号" + _HEART_MARKS
"""Characters that may end a short contact name before a colon (V：, 威：, 抠抠：, 微信号：): a message with one of
them right before a colon goes through the detectors (`alias_chars` adds the characters read wei, xin, kou)."""


def sound_pair_codes() -> dict[str, int]:
    """Per character, bits for the contact words spelt by sound (`_WECHAT_SOUND`, `_QQ_SOUND`): 1 read wei, 2 read
    xin or xing, 4 read kou. A message with a 1 before a 2, or two 4s, goes through the detectors."""
    out: dict[str, int] = {}
    for bit, syllables in ((1, ("wei",)), (2, ("xin", "xing")), (4, ("kou",))):
        for ch in sound_chars(*syllables):
            out[ch] = out.get(ch, 0) | bit
    return out


def alias_chars() -> str:
    """Every character that may stand right before the colon of a short contact name (see `ALIAS_MARKS`)."""
    return ALIAS_MARKS + sound_chars("wei", "xin", "xing", "kou")


KEYWORDS = (
    "telegram",
    "whatsapp",
    "skype",
    "kakao",
    "instagram",
    "飞机",
    "电报",
    "脸书",
    "加tg",
    "搜tg",
    "加line",
    "加ins",
    "加fb",
    "微信",
    "weixin",
    "wechat",
    "vx",
    "wx",
    "v信",
    "薇信",
    "威信",
    "卫星",
    "绿泡泡",
    "绿色软件",
    "企鹅",
    "微号",
    "加薇",
    "加威",
    "加微",
    "威❤",
    "薇❤",
    "球球",
    "鹅号",
    "q裙",
    "扣裙",
    "加我q",
    "加我",
    "tg",
    "电报",
    "微x",
    "wei信",
    "微亻言",
    "http",
    # round 5: v一下 before an id, 扣我 before a number
    "v一下",
    "扣我",
)


def id_card_valid(number: str) -> bool:
    """A PRC resident ID number (GB 11643, 18 characters, separators ignored): a known region, a real birth date
    from 1900 on and the ISO 7064 MOD 11-2 check character (``x`` or ``X`` for 10), by `stdnum.cn.ric`."""
    digits = _SEPARATORS.sub("", number).upper()
    return len(digits) == 18 and digits[6:10] >= "1900" and ric.is_valid(digits)


# Card networks by their number ranges (ISO/IEC 7812 issuer identification) and the lengths they issue:
# (lowest prefix, highest prefix, lengths). UnionPay: 62 and the newer 81 range; Mastercard: 51-55 and the
# 2-series (2221-2720); American Express: 34 and 37, 15 digits; JCB; Discover; Visa.
_NETWORKS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("62", "62", (16, 17, 18, 19)),  # UnionPay
    ("81", "81", (16, 17, 18, 19)),  # UnionPay
    ("51", "55", (16,)),  # Mastercard
    ("2221", "2720", (16,)),  # Mastercard 2-series
    ("34", "34", (15,)),  # American Express
    ("37", "37", (15,)),  # American Express
    ("3528", "3589", (16, 17, 18, 19)),  # JCB
    ("6011", "6011", (16, 17, 18, 19)),  # Discover
    ("644", "649", (16, 17, 18, 19)),  # Discover
    ("65", "65", (16, 17, 18, 19)),  # Discover
    ("4", "4", (16, 19)),  # Visa
)


def card_network_fits(number: str) -> bool:
    """Whether ``number`` (digits only) lies in a card network's range with a length it issues."""
    return any(lo <= number[: len(lo)] <= hi and len(number) in lengths for lo, hi, lengths in _NETWORKS)


def bank_card_valid(number: str) -> bool:
    """A payment card number (separators ignored): a network's range and length, and the Luhn check digit."""
    digits = _SEPARATORS.sub("", number)
    return card_network_fits(digits) and luhn.is_valid(digits)


def luhn_valid(number: str) -> bool:
    """The Luhn (mod 10) check digit, by `stdnum.luhn`."""
    return luhn.is_valid(number)


_PHONE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


@lru_cache(maxsize=4096)
def phone_valid(digits: str) -> bool:
    """A number a Chinese phone can have (``13800138000``, ``01062345678``), by `phonenumbers`: 12x, 14x
    and 194 are not mobile ranges, so an order number or part of an ID number is not taken for a phone."""
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in _PHONE_TYPES


_DIGIT_CLUSTER = re.compile(r"[0-9][0-9 ._/*~,()、\-]{5,}[0-9x]")
# Letters drawn as digits inside a bare number (138 1746 29O5, l3817462905): a run of digits and such letters with no
# other letter beside it, holding seven real digits or more, is read with the letters as digits (`_AS_DIGIT`).
# The radio alphabet's digits count the same way inside such a run (洞 0, 幺 1 is a numeral already, 拐 7, 勾 9).
_RADIO_DIGITS = "洞拐勾"
_DRAWN = f"[0-9lioz{_RADIO_DIGITS}]"
_DRAWN_NUMBER = re.compile(rf"(?<![a-z]){_DRAWN}(?:[0-9lioz{_RADIO_DIGITS} ._/-]{{0,3}}{_DRAWN}){{6,}}(?![a-z])")
_AS_DRAWN_DIGIT = str.maketrans("lioz洞拐勾", "1102079")
_DRAWN_MIN_DIGITS = 7


_HAS_DRAWN = re.compile(rf"[0-9][lioz{_RADIO_DIGITS}]|[lioz{_RADIO_DIGITS}][0-9]")


def _digits_drawn(f: str) -> str:
    """``f`` with the letters of `_DRAWN_NUMBER` runs read as digits (the same length: offsets stay)."""

    def read(m: re.Match[str]) -> str:
        token = m.group()
        if sum(c.isdigit() for c in token) < _DRAWN_MIN_DIGITS or not token.strip("0123456789 ._/-"):
            return token
        return token.translate(_AS_DRAWN_DIGIT)

    return _DRAWN_NUMBER.sub(read, f)


def _spans(f: str) -> list[tuple[int, int, str, str, str]]:
    """(start, end, category, value, severity) in folded coordinates, possibly overlapping."""
    out: list[tuple[int, int, str, str, str]] = []
    g = _digits_drawn(f) if _HAS_DRAWN.search(f) else f
    for c in _DIGIT_CLUSTER.finditer(g):
        lo, hi = max(0, c.start() - 4), c.end()
        for m in _ID_CARD.finditer(g, lo, hi):
            if id_card_valid(m.group(1)):
                out.append((*m.span(1), "id_card_number", _SEPARATORS.sub("", m.group(1)).upper(), "high"))
        for m in _BANK_CARD.finditer(g, lo, hi):
            if bank_card_valid(m.group(1)):
                out.append((*m.span(1), "bank_card_number", _SEPARATORS.sub("", m.group(1)), "high"))
        for m in _PHONE.finditer(g, lo, hi):
            digits = _SEPARATORS.sub("", m.group(1))
            if _groups_ok(m.group(1)) and phone_valid(digits):
                out.append((*m.span(), "phone_number", digits, "medium"))
        for m in _LANDLINE.finditer(g, lo, hi):
            if phone_valid("".join(m.groups())):
                out.append((*m.span(), "phone_number", "-".join(m.groups()), "medium"))
    for m in (*_QQ.finditer(f), *_QQ_WEAK.finditer(f), *_gated(_QQ_BARE, f)):
        at = m.start()
        if m.re is _QQ_WEAK and f[at] == "群" and f[max(0, at - 2) : at].endswith(_NOT_QQ_GROUP):
            continue
        number = _number(m.group(1))
        if number and _groups_ok(m.group(1)):
            out.append((*m.span(1), "qq_id", number, "medium"))
    if "wxid_" in f:
        out.extend((*m.span(1), "wechat_id", m.group(1), "medium") for m in _WXID.finditer(f))
    out.extend((*m.span(1), "wechat_id", m.group(1), "medium") for m in _WECHAT.finditer(f))
    for m in _CONTACT_NUMBER.finditer(f):
        number = _number(m.group(1))
        if number and _groups_ok(m.group(1)):
            out.append((*m.span(1), "contact_diversion", number, "medium"))
    for lo, hi in _around_colons(f):
        for m in _QQ_ALIAS.finditer(f, lo, hi):
            number = _number(m.group(1))
            if number and _groups_ok(m.group(1)):
                out.append((*m.span(1), "qq_id", number, "medium"))
        for m in _WECHAT_ALIAS.finditer(f, lo, hi):
            token = m.group(1)
            if token[0].isalpha() and (token.strip("lioz0123456789") or not any(c.isdigit() for c in token)):
                out.append((*m.span(1), "wechat_id", token, "medium"))
            elif (number := _number(token)) and _groups_ok(token):
                out.append((*m.span(1), "contact_diversion", number, "medium"))
    for m in _WECHAT_SOUND.finditer(f):
        token = m.group(1)
        if token[0].isalpha():
            out.append((*m.span(1), "wechat_id", token, "medium"))
        elif _groups_ok(token):
            out.append((*m.span(1), "contact_diversion", _SEPARATORS.sub("", token), "medium"))
    for m in _QQ_SOUND.finditer(f):
        if _groups_ok(m.group(1)):
            out.append((*m.span(1), "qq_id", _SEPARATORS.sub("", m.group(1)), "medium"))
    if "加我" in f:
        out.extend((*m.span(1), "wechat_id", m.group(1), "medium") for m in _ADD_ME_ID.finditer(f))
    for regex in (_MESSENGER, _MESSENGER_HANDLE, _MESSENGER_ADDED, _MESSENGER_COLON):
        for m in regex.finditer(f):
            if regex is _MESSENGER_ADDED or f[m.start()] == "电" or _latin_start(f, m.start()):
                out.append((*m.span(1), "contact_diversion", m.group(1).lstrip("@"), "medium"))
    out.extend(_joined_pieces(f))
    at = f.find("@")
    while at != -1:
        left = _EMAIL_LEFT.search(f, max(0, at - 64), at)
        right = _EMAIL_RIGHT.match(f, at + 1)
        if left and right:
            out.append((left.start(), right.end(), "email", f[left.start() : right.end()], "medium"))
        at = f.find("@", at + 1)
    if "http" in f or "www." in f:
        out.extend((*m.span(), "url", m.group(), "medium") for m in _URL_SCHEME.finditer(f))
    for m in _TLD.finditer(f):
        left = _DOMAIN_LEFT.search(f, max(0, m.start() - 128), m.start())
        if not left or (left.start() > 0 and f[left.start() - 1] in "@._-/"):
            continue
        end = m.end()
        path = _URL_PATH.match(f, end)
        if path:
            end = path.end()
        out.append((left.start(), end, "url", f[left.start() : end], "medium"))
    return out


def _joined_pieces(f: str) -> list[tuple[int, int, str, str, str]]:
    """Numbers sent in pieces (see `_PIECE`): the span from the first piece to the last, as the number they make."""
    pieces = [
        (m.start(), m.end(), _SEPARATORS.sub("", m.group()))
        for m in _PIECE.finditer(f)
        if not _COUNTED.match(f, m.end())
    ]
    out: list[tuple[int, int, str, str, str]] = []
    for i in range(len(pieces) - 1):
        start, end, digits = pieces[i]
        for j in range(i + 1, min(i + 3, len(pieces))):
            gap = f[end : pieces[j][0]]
            if len(gap) > _MAX_JOIN_GAP or _SENTENCE_END.search(gap) or "\0" in gap or not _JOIN_WORDS.search(gap):
                break
            end, digits = pieces[j][1], digits + pieces[j][2]
            if len(digits) == 11 and digits[0] == "1" and phone_valid(digits):
                out.append((start, end, "phone_number", digits, "medium"))
            elif len(digits) == 18 and id_card_valid(digits):
                out.append((start, end, "id_card_number", digits.upper(), "high"))
            elif 15 <= len(digits) <= 19 and bank_card_valid(digits):
                out.append((start, end, "bank_card_number", digits, "high"))
    return out


_PRIORITY = (
    "email",
    "url",
    "id_card_number",
    "bank_card_number",
    "contact_diversion",  # 微信：13800138000 is a WeChat contact (found by its number) more than a phone number
    "phone_number",
    "qq_id",
    "wechat_id",
)


# Round 7 (issue 13): a contact detail read out in words. A number normaliser over the folded text (digits, Chinese
# numerals and styled digits are digits already) writes the symbols spelled in words (艾特 @, 点 ., 下划线 _, 斜杠 /,
# 冒号 :, 空格, 杠 -) where letters or digits stand on both sides, joins single letters or digits spaced out
# (w w w, h t t p s), reads English digit words in a run of three or more (one-three-nine), and reads a number
# backwards after a word saying it is written so (倒着写, 反过来); the detectors then judge the text as written out,
# so an order id, an amount or a date is no more a phone than before.
_SPOKEN_SYMBOLS = {
    **{"艾特": "@", "点": ".", "下划线": "_", "双斜杠": "//", "斜杠": "/", "冒号": ":", "空格": " "},
    **{"横杠": "-", "杠": "-", "dot": ".", "at": "@"},
}
_SPOKEN = re.compile(
    r"(?<=[0-9a-z])\s*(艾特|点|下划线|双斜杠|斜杠|冒号|空格|横杠|杠)\s*(?=[0-9a-z])"
    r"|(?<=[0-9a-z]) (dot|at) (?=[0-9a-z])"
)
_SPACED = re.compile(r"(?<![0-9a-z])[0-9a-z](?: [0-9a-z]){2,}(?![0-9a-z])")
_EN_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_EN_DIGITS = {w: str(i) for i, w in enumerate(_EN_NAMES)} | {"oh": "0"}
_EN_RUN = re.compile(rf"(?<![a-z]){_EN_WORD}(?:[- ]{_EN_WORD}){{2,}}(?![a-z])")
_BACKWARDS = re.compile("倒着|倒过来|反过来|反着|倒序")
_DIGIT_RUN = re.compile(r"[0-9](?:[ -]?[0-9]){6,}")


# the same regexes with their opening look-behind made scannable (`prefilter.lead_gate`): a text the gate finds
# nothing in is not scanned by the regex, which otherwise tries every position (most detector texts read nothing out)
_GATED = {id(r): lead_gate(r) for r in (_SPOKEN, _SPACED, _EN_RUN, _QQ_BARE)}


def _gated(regex: re.Pattern[str], f: str) -> Iterator[re.Match[str]]:
    """``regex.finditer(f)``, skipped when its `lead_gate` finds nothing in ``f`` (then neither would ``regex``)."""
    gate = _GATED.get(id(regex))
    if gate is not None and gate.search(f) is None:
        return iter(())
    return regex.finditer(f)


def _spoken(f: str) -> tuple[str, list[int], list[int]] | None:
    """``f`` with contact details read out in words written out (see above), and per character of the result the
    first and last folded positions it stands for; None when nothing is read out."""
    edits: list[tuple[int, int, str]] = []
    for m in _gated(_SPOKEN, f):
        word = m.group(1) or m.group(2)
        edits.append((m.start(), m.end(), _SPOKEN_SYMBOLS[word]))
    for m in _gated(_SPACED, f):
        edits.extend((i, i + 1, "") for i in range(m.start() + 1, m.end(), 2))
    for m in _gated(_EN_RUN, f):
        for w in re.finditer(_EN_WORD, m.group()):
            edits.append((m.start() + w.start(), m.start() + w.end(), _EN_DIGITS[w.group()]))
    back = _BACKWARDS.search(f)
    if back is not None:
        for m in _DIGIT_RUN.finditer(f, back.end()):
            if _SENTENCE_END.search(f, back.end(), m.start()):
                break
            digits = _SEPARATORS.sub("", m.group())
            edits.append((m.start(), m.end(), digits[::-1]))
    if not edits:
        return None
    written, first, last = _apply(f, edits, list(range(len(f))), list(range(len(f))))
    # an address spelled in pieces (www.888 bet.cc, money.fast 99@outlook.com): a space beside a number inside it goes
    # (not one between words: send to loans.approved@…)
    gaps = [
        (m.start() + i, m.start() + i + 1, "")
        for m in _ADDRESS_RUN.finditer(written)
        if _TLD.search(m.group())
        for i, c in enumerate(m.group())
        if c == " " and (m.group()[i - 1].isdigit() or m.group()[i + 1].isdigit())
    ]
    return _apply(written, gaps, first, last) if gaps else (written, first, last)


_ADDRESS_RUN = re.compile(r"[0-9a-z][0-9a-z ._@/:-]*[0-9a-z]")


def _apply(
    f: str, edits: list[tuple[int, int, str]], first: list[int], last: list[int]
) -> tuple[str, list[int], list[int]]:
    """``f`` with ``edits`` (start, end, replacement) made, the first one of overlapping edits kept, and the position
    maps ``first`` and ``last`` carried along."""
    edits.sort()
    out: list[str] = []
    new_first: list[int] = []
    new_last: list[int] = []
    at = 0
    for s, e, rep in edits:
        if s < at:
            continue
        out.append(f[at:s])
        new_first.extend(first[at:s])
        new_last.extend(last[at:s])
        out.append(rep)
        new_first.extend([first[s]] * len(rep))
        new_last.extend([last[e - 1]] * len(rep))
        at = e
    out.append(f[at:])
    new_first.extend(first[at:])
    new_last.extend(last[at:])
    return "".join(out), new_first, new_last


def detect(text: str) -> list[Detection]:
    """All detections in ``text`` (which may be a NUL-joined batch), offsets in ``text``.

    Overlapping candidates are resolved longest first, then by category priority (an e-mail beats
    the URL inside it, an ID-card number beats a phone-like run inside it).
    """
    folded = fold(text, detector_tables(), collapse=False)
    found = _spans(folded.text)
    spoken = _spoken(folded.text)
    if spoken is not None:  # round 7: read out in words; a detail found only so is added, mapped back
        written, first, last = spoken
        found.extend((first[s], last[e - 1] + 1, c, v, sev) for s, e, c, v, sev in _spans(written))
    found.sort(key=lambda d: (d[0] - d[1], _PRIORITY.index(d[2])))
    taken: list[tuple[int, int]] = []
    out: list[Detection] = []
    for s, e, category, value, severity in found:
        if any(s < te and ts < e for ts, te in taken):
            continue
        taken.append((s, e))
        start, end = folded.original_span(s, e)
        out.append(Detection(start, end, category, value, severity))
    out.sort(key=lambda d: d.start)
    return out
