"""Disguised forms of the shipped terms, per evasion technique, written the way spammers write them.

Each technique is applied to the shipped terms it fits and put in a spam-like sentence. The disguises come
from this file's own tables (split spellings, homophone choices, invisible characters, English words around
Latin forms), not from the engine's expansion tables, so recall on them measures the engine, not a copy of it.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from warden.screening.dictionaries import TermSpec
from warden.screening.folding import fold_text

# Spam-like frames around a disguised term: none holds a listed term itself.
FRAMES = (
    "{}",
    "加我领{}",
    "{}，速来",
    "朋友推荐的：{}",
    "今晚八点{}开始了",
    "私信我了解{}详情",
    "老板您好，{}了解一下？",
    "新人专享{}，名额有限",
    "点链接就有{}",
    "我们这边长期{}，有意者联系",
    "{}！！机会难得",
    "你好，{}要不要？",
    "想了解{}的扣1",
    "每天都有{}，不骗人",
    "【福利】{}",
)
LATIN_FRAMES = ("{} ", "hi {} ", "你好 {} 了解下", "{} 速来", "朋友推荐 {}")


@dataclass(frozen=True, slots=True)
class DisguisedRow:
    """One disguised text and what it must be found as: a term, or ``@category`` for a detector."""

    technique: str
    expected: str
    text: str


# -- per-technique tables (hand-written) -------------------------------------------------------------

INVISIBLE = (
    "\u3164",  # HANGUL FILLER
    "\uffa0",  # HALFWIDTH HANGUL FILLER
    "\u115f",  # HANGUL CHOSEONG FILLER
    "\u1160",  # HANGUL JUNGSEONG FILLER
    "\u200b",  # ZERO WIDTH SPACE
    "\u200c",  # ZERO WIDTH NON-JOINER
    "\u2060",  # WORD JOINER
    "\u2062",  # INVISIBLE TIMES
    "\ufeff",  # ZERO WIDTH NO-BREAK SPACE
    "\u180e",  # MONGOLIAN VOWEL SEPARATOR
    "\u034f",  # COMBINING GRAPHEME JOINER
    "\u17b4",  # KHMER VOWEL INHERENT AQ
    "\U000e0020",  # TAG SPACE
    "\ufe0f",  # VARIATION SELECTOR-16
    "\u061c",  # ARABIC LETTER MARK
)

# Split spellings (拆字) as people type them: a character written as its parts, left to right.
SPLITS = {
    "红": ("纟工", "糹工", "⺯工"),
    "信": ("亻言",),
    "利": ("禾刂",),
    "返": ("辶反",),
    "还": ("辶不",),
    "送": ("辶关",),
    "退": ("辶艮",),
    "迷": ("辶米",),
    "群": ("君羊",),
    "加": ("力口",),
    "现": ("王见",),
    "理": ("王里",),
    "贷": ("代贝",),
    "赌": ("贝者",),
    "博": ("十尃",),
    "刷": ("尸巾刂",),
    "职": ("耳只",),
    "聊": ("耳卯",),
    "取": ("耳又",),
    "彩": ("采彡",),
    "赚": ("贝兼",),
    "财": ("贝才",),
    "账": ("贝长",),
    "购": ("贝勾",),
    "赔": ("贝咅",),
    "资": ("次贝",),
    "裸": ("衤果",),
    "枪": ("木仓",),
    "机": ("木几",),
    "棋": ("木其",),
    "情": ("忄青",),
    "炮": ("火包",),
    "约": ("纟勺",),
    "结": ("纟吉",),
    "线": ("纟戋",),
    "销": ("钅肖",),
    "银": ("钅艮",),
    "钱": ("钅戋",),
    "传": ("亻专",),
    "佣": ("亻用",),
    "仿": ("亻方",),
    "做": ("亻故",),
    "任": ("亻壬",),
    "代": ("亻弋",),
    "保": ("亻呆",),
    "药": ("艹约",),
    "花": ("艹化",),
    "荐": ("艹存",),
    "荷": ("艹何",),
    "薪": ("艹新",),
    "股": ("月殳",),
    "批": ("扌比",),
    "抢": ("扌仓",),
    "抵": ("扌氐",),
    "押": ("扌甲",),
    "拉": ("扌立",),
    "援": ("扌爰",),
    "扣": ("扌口",),
    "打": ("扌丁",),
    "拼": ("扌并",),
    "秒": ("禾少",),
    "稳": ("禾急",),
    "私": ("禾厶",),
    "注": ("氵主",),
    "消": ("氵肖",),
    "活": ("氵舌",),
    "冰": ("冫水",),
    "冻": ("冫东",),
    "证": ("讠正",),
    "征": ("彳正",),
    "妈": ("女马",),
    "始": ("女台",),
    "躺": ("身尚",),
    "领": ("令页",),
    "额": ("客页",),
    "静": ("青争",),
    "牌": ("片卑",),
    "特": ("牜寺",),
    "息": ("自心",),
    "麻": ("广林",),
    "盘": ("舟皿",),
    "呗": ("口贝",),
    "时": ("日寸",),
}

# Homophones spammers use (a character replaced by one read the same in the term's context).
HOMOPHONES = (
    ("红包", "虹包"),
    ("红包", "洪包"),
    ("红包", "宏包"),
    ("红包", "红苞"),
    ("红包", "红胞"),
    ("返利", "反利"),
    ("返利", "返例"),
    ("返利", "返力"),
    ("返利", "返立"),
    ("返佣", "反佣"),
    ("返现", "反现"),
    ("返现", "返献"),
    ("加微信", "加威信"),
    ("加微信", "加围信"),
    ("加微信", "佳微信"),
    ("加微信", "加微芯"),
    ("兼职", "兼值"),
    ("兼职", "坚职"),
    ("兼职", "兼直"),
    ("刷单", "刷丹"),
    ("刷单", "刷担"),
    ("赌博", "堵博"),
    ("赌博", "赌搏"),
    ("网赌", "往赌"),
    ("色情", "色晴"),
    ("传销", "传消"),
    ("传销", "船销"),
    ("贷款", "代款"),
    ("网贷", "网代"),
    ("套现", "套线"),
    ("裸聊", "裸僚"),
    ("日赚", "日撰"),
    ("躺赚", "躺撰"),
    ("博彩", "搏彩"),
    ("博彩", "博采"),
    ("彩金", "采金"),
    ("刷信誉", "刷信玉"),
    ("荐股", "见股"),
    ("带单", "代单"),
    ("办证", "半证"),
    ("冰毒", "兵毒"),
    ("迷药", "谜药"),
    ("原始股", "元始股"),
    ("静态收益", "静太收益"),
    ("拉人头", "垃人头"),
)

# Polyphones: the term's reading in context differs from a character's default reading (佣金 is yòng jīn,
# 返还 is fǎn huán, 中奖 is zhòng jiǎng); the replacement sounds like the term in context.
POLYPHONES = (
    ("佣金返还", "佣金返环"),
    ("佣金返还", "佣金返寰"),
    ("佣金返还", "佣金返桓"),
    ("佣金返还", "佣金返缳"),
    ("佣金返还", "用金返还"),
    ("佣金返还", "佣金反环"),
    ("中奖", "众奖"),
    ("中奖", "仲奖"),
)

# Near-homophones: one character of the term in another tone of the same syllable, not an ordinary word there
# (约 yuē → 月 yuè). Written by hand from the sound, not from the engine's tables.
NEAR_HOMOPHONES = (
    ("约炮", "悦炮"),
    ("网贷", "旺贷"),
    ("传销", "川销"),
    ("刷单", "刷胆"),
    ("刷单", "刷掸"),
    ("赌博", "赌波"),
    ("赌博", "赌播"),
    ("博彩", "博菜"),
    ("彩金", "彩今"),
    ("下注", "下珠"),
    ("套现", "套先"),
    ("代考", "代靠"),
    ("办证", "办睁"),
    ("冰毒", "冰嘟"),
    ("迷药", "迷摇"),
    ("枪支", "抢支"),
    ("援交", "援角"),
    ("色情", "色请"),
    ("荐股", "荐姑"),
    ("返佣", "返拥"),
    ("返现", "返鲜"),
    ("日结", "日姐"),
    ("躺赚", "趟赚"),
    ("秒批", "秒皮"),
    ("原始股", "原始姑"),
    ("资金盘", "资金攀"),
    ("兼职", "兼指"),
)

# Disguises the engine does not claim, reported under ``limit_*`` so the report shows the gaps: reversal and
# filler words. Near-homophones with another tone (裸撩), sound-alikes of a numeral the fold reads as a digit (移夜情:
# 一夜情 is 1夜情 once folded) and look-alike parts (月艮 for 服) were limits once and are claimed now.
LIMITS = (
    ("near_homophone", "裸聊", "裸撩"),
    ("near_homophone", "拉人头", "啦人头"),
    ("near_homophone", "中奖", "中桨"),
    ("near_homophone", "佣金返还", "佣今返还"),
    ("near_homophone", "约炮", "月炮"),
    ("near_homophone", "网贷", "忘贷"),
    ("near_homophone", "传销", "穿销"),
    ("near_homophone", "一夜情", "移夜情"),
    ("near_homophone", "一夜情", "遗夜情"),
    ("split_characters", "上门服务", "上门月艮务"),
    ("split_characters", "特殊服务", "特殊月艮务"),
    ("split_characters", "加微信", "加彳政信"),
    ("split_characters", "红包", "纟工勹巳"),
    ("limit_reversed", "红包", "包红"),
    ("limit_filler", "红包", "红色的包"),
)

# English words put before or after a Latin form so that the letters repeat across the space.
WORDS_AFTER = {
    "a": "again",
    "b": "bonus",
    "d": "day",
    "e": "easy",
    "g": "go",
    "h": "here",
    "i": "it",
    "l": "lucky",
    "n": "now",
    "o": "only",
    "q": "quick",
    "s": "soon",
    "u": "up",
    "v": "vip",
    "x": "xm888",
    "z": "zone",
}
WORDS_BEFORE = {
    "b": "web",
    "d": "good",
    "f": "if",
    "h": "with",
    "j": "raj",
    "l": "all",
    "q": "faq",
    "s": "yes",
    "t": "get",
    "v": "dev",
    "w": "new",
    "x": "max",
    "y": "hey",
}

CONTACT_FRAMES = (
    ("这个是我的微信：{}", "@contact_diversion"),
    ("加我微信 {}", "@contact_diversion"),
    ("vx {}", "@contact_diversion"),
    ("VX：{}", "@contact_diversion"),
    ("加我{}详聊", "@contact_diversion"),
    ("wx号 {}", "@contact_diversion"),
    ("微信号是{}", "@contact_diversion"),
    ("有事加我 {} 备注来意", "@contact_diversion"),
    ("薇信：{}", "@contact_diversion"),
    ("WeChat: {}", "@contact_diversion"),
)


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def _styled(s: str, rnd: random.Random) -> str:
    base = rnd.choice((0x1D41A, 0x1D5EE, 0x1D622, 0x1D68A))  # bold, sans bold, sans italic, monospace
    return "".join(chr(base + ord(c) - 97) if "a" <= c <= "z" else c for c in s)


_CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _han(spec: TermSpec) -> bool:
    return sum(map(_is_han, spec.term)) >= 2


def generate(terms: Sequence[TermSpec], seed: int = 13) -> list[DisguisedRow]:
    """Every technique applied to the shipped terms it fits (deterministic for a seed)."""
    import opencc
    from pypinyin import Style, lazy_pinyin

    rnd = random.Random(seed)
    s2t = opencc.OpenCC("s2t.json")
    rows: list[DisguisedRow] = []
    listed = {t.term for t in terms}

    def add(technique: str, term: str, disguised: str, frames: Sequence[str] = FRAMES) -> None:
        rows.append(DisguisedRow(technique, term, rnd.choice(frames).format(disguised)))

    def syllables(term: str, style: Style = Style.NORMAL) -> list[str]:
        return lazy_pinyin(term, style=style)

    pinyin_terms = [t for t in terms if _han(t) and "pinyin" in t.forms and all(map(_is_han, t.term))]
    latin_terms = [t for t in terms if any("a" <= c <= "z" for c in t.term)]

    for spec in terms:  # 1. invisible letters, between every pair of characters
        t = spec.term
        add("invisible_letters", t, rnd.choice(INVISIBLE).join(t))

    for technique, seps in (
        ("separators", (" ", "  ", "*", ".", "-", "_", "/", "，", "、", "·", "【】", "～", "|")),
        ("symbols_emoji", ("★", "♥", "※", "→", "😊", "❤️", "🌹", "👍🏻", "✨", "🔥")),
    ):
        for spec in terms:
            add(technique, spec.term, rnd.choice(seps).join(spec.term))

    for spec in terms:  # 6. + and ➕ between the letters of a term
        t = spec.term
        sign = rnd.choice(("+", "＋", "➕", "﹢", " + "))
        add("plus_separator", t, sign.join(t))

    for spec in terms:
        trad = s2t.convert(spec.term)
        if trad != spec.term:
            add("traditional", spec.term, trad)
        # a character that folds to a digit is not repeated: digits never collapse (13333333333 stays a number)
        add("repeat", spec.term, "".join(c if fold_text(c).isdigit() else c * rnd.choice((2, 3)) for c in spec.term))

    for spec in pinyin_terms:  # full pinyin, tone marks, tone numbers (3.), mixed, styles
        t = spec.term
        plain = syllables(t)
        add("pinyin", t, rnd.choice(("".join(plain), " ".join(plain), "".join(plain).upper())), LATIN_FRAMES)
        marked = syllables(t, Style.TONE)
        form = rnd.choice(("joined", "spaced", "decomposed", "upper", "bopomofo"))
        if form == "joined":
            text = "".join(marked)
        elif form == "spaced":
            text = " ".join(marked)
        elif form == "decomposed":
            text = unicodedata.normalize("NFD", "".join(marked))
        elif form == "upper":
            text = "".join(marked).upper()
        else:  # tone marks written after the syllable, as in bopomofo: hongˊbaoˉ
            marks = {"1": "ˉ", "2": "ˊ", "3": "ˇ", "4": "ˋ"}
            text = "".join(s[:-1] + marks[s[-1]] if s[-1:] in marks else s for s in syllables(t, Style.TONE3))
        add("tone_marks", t, text, LATIN_FRAMES)
        numbered = syllables(t, Style.TONE3)
        form = rnd.choice(("all", "all", "spaced", "upper", "some"))
        if form == "all":
            text = "".join(numbered)
        elif form == "spaced":
            text = " ".join(numbered)
        elif form == "upper":
            text = "".join(numbered).upper()
        else:
            keep = rnd.randrange(len(numbered))
            text = "".join(s if i == keep else s.rstrip("12345") for i, s in enumerate(numbered))
        add("tone_digits", t, text, LATIN_FRAMES)
        add("fullwidth", t, _fullwidth(rnd.choice(("".join(plain), "".join(plain).upper()))), LATIN_FRAMES)
        add("styled_letters", t, _styled("".join(plain), rnd), LATIN_FRAMES)
        if any(c in _CYRILLIC for c in "".join(plain)):
            add("lookalike", t, "".join(_CYRILLIC.get(c, c) for c in "".join(plain)), LATIN_FRAMES)
        if 2 <= len(t) <= 4 and "mixed" in spec.forms:
            k = rnd.randrange(len(t))
            add("mixed", t, "".join(s if i == k else c for i, (c, s) in enumerate(zip(t, plain, strict=True))))

    for spec in latin_terms:  # Latin terms in styles
        t = spec.term
        latin = "".join(c for c in t if "a" <= c <= "z")
        add("fullwidth", t, _fullwidth(t.upper()))
        add("styled_letters", t, t.replace(latin, _styled(latin, rnd)))
        add("lookalike", t, "".join(_CYRILLIC.get(c, c) for c in t))

    for spec in terms:  # 3. split characters
        t = spec.term
        if not _han(spec) or "split" not in spec.forms:
            continue
        at = [i for i, c in enumerate(t) if c in SPLITS]
        if not at:
            continue
        picks = [rnd.choice(at)] if len(at) == 1 or rnd.random() < 0.7 else rnd.sample(at, 2)
        chars = list(t)
        for i in picks:
            chars[i] = rnd.choice(SPLITS[t[i]])
        add("split_characters", t, rnd.choice(("", "", " ")).join(chars) if rnd.random() < 0.2 else "".join(chars))

    for term, form in HOMOPHONES:  # 2. homophones and polyphones
        if term in listed:
            add("homophone", term, form)
    for term, form in POLYPHONES:
        if term in listed:
            for frame in rnd.sample(FRAMES, 4):
                rows.append(DisguisedRow("polyphone", term, frame.format(form)))

    for technique, term, form in LIMITS:
        if term in listed:
            add(technique, term, form)
    for term, form in NEAR_HOMOPHONES:
        if term in listed:
            add("near_homophone", term, form)

    forms_by_term: dict[str, list[str]] = {}
    for spec in terms:  # 7. Latin forms whose first or last letter repeats across a space
        if spec.term in ("vx", "加vx", "加wx", "加v", "v信", "加qq"):
            forms_by_term[spec.term] = [spec.term]
        elif spec.term in ("红包", "返利", "兼职"):  # the terms listed with initials too
            ini = "".join(s[0] for s in syllables(spec.term))
            forms_by_term[spec.term] = ["".join(syllables(spec.term)), ini]
        elif spec in pinyin_terms and rnd.random() < 0.35:
            forms_by_term[spec.term] = ["".join(syllables(spec.term))]
    for term, forms in forms_by_term.items():
        for form in forms:
            letters = [c for c in form if "a" <= c <= "z"]
            if letters[-1] in WORDS_AFTER and (form[-1] == letters[-1]):
                rows.append(DisguisedRow("latin_repeats", term, f"{form} {WORDS_AFTER[letters[-1]]}"))
            if letters[0] in WORDS_BEFORE and form[0] == letters[0]:
                rows.append(DisguisedRow("latin_repeats", term, f"{WORDS_BEFORE[letters[0]]} {form}"))

    for spec in terms:  # initials (low severity, Latin word boundaries)
        if "initials" in spec.forms:
            ini = "".join(s[0] for s in syllables(spec.term))
            for frame in ("今天有{}吗", "{} 发了", "群里发{}了", "{}活动", "{}，速来", "要{}的扣1", "{}!!", "新人{}"):
                for case in (ini, ini.upper()):
                    rows.append(DisguisedRow("initials", spec.term, frame.format(case)))

    for frame in ("进群领🧧", "每天🧧🧧不停", "🧧来了", "抢🧧啦", "🧧雨今晚八点", "新人🧧已发放", "私信领🧧"):
        for i in range(5):
            rows.append(DisguisedRow("emoji", "红包", frame if i == 0 else f"{frame}{'！' * i}"))

    rows += _contacts(rnd)
    rows += _second_round(terms, random.Random(seed + 1))
    return [r for r in rows if r.expected in listed or r.expected.startswith("@")]


# The kinds a corpus written without the engine exposed (a second round of recall work): emoji standing for a
# character or a word, abbreviations of more terms, other words for WeChat and QQ, numbers split or dotted or
# drawn with other digits and letters, look-alike characters, split parts in other shapes, numerals repeated.
REBUS = (
    ("老虎机", "🎰"),
    ("老虎机", "老🐯机"),
    ("百家乐", "🃏"),
    ("赌博", "🎲博"),
    ("网赌", "网🎲"),
    ("赌场", "🎲场"),
    ("枪支", "🔫支"),
    ("仿真枪", "仿真🔫"),
    ("刷单", "🛒单"),
    ("刷单", "📦单"),
    ("兼职刷单", "兼职🛒单"),
    ("虚拟币投资", "虚拟₿投资"),
    ("虚拟币投资", "🪙投资"),
    ("红包群", "🧧群"),
    ("中奖", "中🏆"),
    ("中奖", "🀄奖"),
    ("返利", "返💰"),
    ("返现", "💰返"),
    ("高额返利", "高额返💵"),
    ("购物返利", "🛒返利"),
    ("迷药", "迷💊"),
    ("冰毒", "❄️毒"),
    ("手机兼职", "📱兼职"),
    ("色情", "🔞"),
    ("兼职赚钱", "兼职赚💰"),
)
CONTEXT_FRAMES = {
    "gambling": ("{}上岸", "{} 稳赢，私聊", "玩{}回血"),
    "loan": ("{}秒到", "{} 下款快 黑户可做"),
    "part_time": ("{}日结", "{} 接单 宝妈可做"),
    "adult": ("{}同城", "{} 妹子 私聊"),
    "illegal_goods": ("{} 出货 私聊", "{}保真 面交"),
    "rebate": ("{} 秒返", "{}点位高 私聊"),
    "fraud": ("{} 牛股 涨停",),
    "pyramid": ("{} 零门槛 躺着赚",),
}
CONTACT_PHRASES = (
    ("加卫星详聊", "@contact_diversion"),
    ("有意者加卫星", "@contact_diversion"),
    ("卫星号发你了", "@contact_diversion"),
    ("绿泡泡联系我", "@contact_diversion"),
    ("上绿泡泡聊", "@contact_diversion"),
    ("加企鹅细聊", "@contact_diversion"),
    ("有事Q我", "@contact_diversion"),
    ("加扣扣私聊", "@contact_diversion"),
    ("蹲个kòukòu", "@contact_diversion"),
    ("KOUKOU联系", "@contact_diversion"),
    ("weixinghao发你", "@contact_diversion"),
    ("卫星号：lucky_2024", "@wechat_id"),
    ("卫星 abc12345", "@wechat_id"),
    ("绿泡泡 xiaomei_888", "@wechat_id"),
    ("绿色软件搜 vipdeal66", "@wechat_id"),
    ("V❤：money_777", "@wechat_id"),
    ("微❤号: tianmi520", "@wechat_id"),
    ("v一下 qwe12345", "@wechat_id"),
    ("加薇 happy_668", "@wechat_id"),
    ("企鹅号 87654321", "@qq_id"),
    ("企鹅：123456789", "@qq_id"),
    ("Q我 76543210", "@qq_id"),
    ("Q群 987654321", "@qq_id"),
    ("群号 556677889", "@qq_id"),
    ("加扣 12345678", "@qq_id"),
    ("扣：1098765432", "@qq_id"),
    ("kòukòu 24681357", "@qq_id"),
    ("🐧 13572468", "@qq_id"),
    ("打这个 0755 8888 6666", "@contact_diversion"),
    ("打这个号 9876543210", "@contact_diversion"),
    ("卫星：9988776655", "@contact_diversion"),
    ("绿泡泡 13572468", "@contact_diversion"),
)
NUMBER_FRAMES = (
    ("电话{}", "@phone_number", "138.1746.2905"),
    ("手机 {}", "@phone_number", "139.8765.4321"),
    ("来电 {}", "@phone_number", "1 5 9 8 8 8 8 6 6 6 6"),
    ("号码 {}", "@phone_number", "186 1234 5678"),
    ("扣 {}", "@qq_id", "109 638 4752"),
    ("QQ {}", "@qq_id", "8 4 7 2 0 3 9 1"),
    ("qq：{}", "@qq_id", "lO9638475Z"),
    ("企鹅 {}", "@qq_id", "246.813.5790"),
    ("加我vx {}", "@contact_diversion", "9l8 7654 32lO"),
    ("微信 {}", "@contact_diversion", "998.812.3456"),
)
DIGIT_FORMS: tuple[Callable[[str], str], ...] = (
    lambda d: "".join("⁰¹²³⁴⁵⁶⁷⁸⁹"[int(c)] for c in d),
    lambda d: "".join(chr(0x1D7CE + int(c)) for c in d),  # mathematical bold digits
    lambda d: "".join(chr(0x1D7EC + int(c)) for c in d),  # mathematical sans-serif bold digits
    lambda d: "".join("零幺两三四五六七八九"[int(c)] for c in d),
    lambda d: "".join("〇ㄧ二三四五六七八九"[int(c)] for c in d),
    lambda d: "".join(
        ("⓪①②③④⑤⑥⑦⑧⑨", "➀➁➂➃➄➅➆➇➈", "０１２３４５６７８９")[i % 3][int(c) - (i % 3 == 1)]
        if not (i % 3 == 1 and c == "0")
        else "０"
        for i, c in enumerate(d)
    ),
    lambda d: "".join("⓪➊➋➌➍➎➏➐➑➒"[int(c)] for c in d),
    lambda d: "".join("٠١٢٣٤٥٦٧٨٩"[int(c)] for c in d),  # Arabic-Indic digits
)
LOOKALIKE_CHARS = (
    ("日结", "曰结"),
    ("刷单", "刷単"),
    ("兼职刷单", "兼职刷単"),
    ("下注", "下汪"),
    ("安全账户", "安全账戸"),
    ("冻结账户", "冻结账戶"),
    ("刷单", "涮单"),
    ("兼职", "廉职"),
    ("裸聊", "棵聊"),
    ("约炮", "钓炮"),
    ("博彩", "傅彩"),
    ("微信号", "溦信号"),
    ("日赚", "曰赚"),
    ("传销", "伝销"),
    ("发票代开", "発票代开"),
)
SPLIT_SHAPES = (
    ("红包", "纟工勹巳"),
    ("红包", "糸工勹已"),
    ("抢红包", "抢纟工勹巳"),
    ("红包群", "红勹巳群"),
    ("裸聊", "礻果聊"),
    ("加微信", "加彳政信"),
    ("加微信", "加微人讠"),
    ("上门服务", "上门月艮务"),
    ("返利", "反辶利"),
    ("网赌", "网貝者"),
)
NUMERAL_REPEATS = (("一夜情", "一一夜夜情情"), ("加一下微信", "加加一一下下微微信信"), ("一夜情", "一一一夜夜夜情情情"))


def _second_round(terms: Sequence[TermSpec], rnd: random.Random) -> list[DisguisedRow]:
    """The second round's kinds (see above), each with its own rows."""
    from pypinyin import lazy_pinyin

    rows: list[DisguisedRow] = []
    for term, form in REBUS:
        for frame in rnd.sample(FRAMES, 2):
            rows.append(DisguisedRow("emoji_rebus", term, frame.format(form)))
    for spec in terms:  # the initials column of terms.tsv
        for a in spec.initials:
            letters = a.removesuffix("?")
            if letters == "*":
                letters = "".join(s[0] for s in lazy_pinyin(spec.term))
            if a.endswith("?"):
                frames = CONTEXT_FRAMES.get(spec.category, ("{} 私聊",))
            else:
                frames = ("{}了解一下", "做{}的看过来", "{} 速来")
            for frame in frames:
                rows.append(
                    DisguisedRow("initials_more", spec.term, frame.format(rnd.choice((letters, letters.upper()))))
                )
    rows += [DisguisedRow("contact_phrase", expected, text) for text, expected in CONTACT_PHRASES]
    for _ in range(3):
        for frame, expected, number in NUMBER_FRAMES:
            rows.append(DisguisedRow("split_numbers", expected, frame.format(number)))
    for i in range(32):
        prefix = rnd.choice(("138", "139", "150", "159", "176", "186", "188", "199"))
        phone = prefix + "".join(rnd.choice("0123456789") for _ in range(8))
        frame = rnd.choice(("电话{}", "手机 {}", "号码：{}", "打{}联系"))
        rows.append(
            DisguisedRow("digit_forms", "@phone_number", frame.format(DIGIT_FORMS[i % len(DIGIT_FORMS)](phone)))
        )
    for term, form in LOOKALIKE_CHARS:
        for frame in rnd.sample(FRAMES, 2):
            rows.append(DisguisedRow("lookalike_chars", term, frame.format(form)))
    for term, form in SPLIT_SHAPES:
        for frame in rnd.sample(FRAMES, 3):
            rows.append(DisguisedRow("split_shapes", term, frame.format(form)))
    for spec in terms:  # every character doubled
        if _han(spec) and spec.category != "confidential":
            rows.append(
                DisguisedRow("repeat_each", spec.term, rnd.choice(FRAMES).format("".join(c * 2 for c in spec.term)))
            )
    for term, form in NUMERAL_REPEATS:
        for frame in rnd.sample(FRAMES, 2):
            rows.append(DisguisedRow("repeat_each", term, frame.format(form)))
    return rows


_DIGIT_STYLES: tuple[Callable[[str], str], ...] = (
    lambda d: d,
    lambda d: _fullwidth(d),
    lambda d: "".join("⓪①②③④⑤⑥⑦⑧⑨"[int(c)] for c in d),
    lambda d: "".join("零壹贰叁肆伍陆柒捌玖"[int(c)] for c in d),
    lambda d: "".join("〇一二三四五六七八九"[int(c)] for c in d),
    lambda d: f"{d[:3]} {d[3:7]} {d[7:]}",
    lambda d: f"{d[:3]}-{d[3:7]}-{d[7:]}",
    lambda d: "".join("⓿❶❷❸❹❺❻❼❽❾"[int(c)] for c in d),
)


def _contacts(rnd: random.Random) -> list[DisguisedRow]:
    """9. a long number after 微信 / vx / 加我; digit styles in phone numbers."""
    rows = []
    for i in range(40):
        number = str(rnd.randrange(10**5, 10**11))
        if number.startswith("1") and len(number) == 11:  # a mobile number is found as one
            number = "9" + number[1:]
        frame, expected = CONTACT_FRAMES[i % len(CONTACT_FRAMES)]
        rows.append(DisguisedRow("contact_number", expected, frame.format(number)))
    for i in range(40):
        # prefixes in use for mobiles (154, 174x and 194 are not: the detector rightly leaves them alone)
        prefix = rnd.choice(("138", "139", "150", "151", "157", "159", "176", "177", "186", "188", "189", "199"))
        phone = prefix + "".join(rnd.choice("0123456789") for _ in range(8))
        frame = rnd.choice(("电话{}", "打{}联系", "手机 {}", "来电 {} 咨询", "号码：{}"))
        rows.append(DisguisedRow("digit_variants", "@phone_number", frame.format(_DIGIT_STYLES[i % 8](phone))))
    return rows


def dump(rows: Iterable[DisguisedRow]) -> str:
    lines = ["# technique\texpected\ttext (generated by warden.screening.eval; see disguised.py)"]
    lines += [f"{r.technique}\t{r.expected}\t{r.text}" for r in rows]
    return "\n".join(lines) + "\n"


def parse(text: str) -> list[DisguisedRow]:
    rows = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            technique, expected, body = line.split("\t", 2)
            rows.append(DisguisedRow(technique, expected, body))
    return rows
