"""The kinds of disguise that still passed on text nobody tuned on (issue 13, the fresh corpus's third round): an
emoji rebus whose picture's name gives the character, short contact names before a colon, WeChat and QQ spelt by
sound, other messengers and English requests to write privately, numbers sent in pieces, Latin letters drawn in
other scripts. Each kind is pinned with examples written for these tests (none is a line of the corpus), beside
the honest text it must leave alone; then the honest kinds the same round found flagged (a word in quotation marks,
an ordinary word drawn as its emoji, what happened to a victim)."""

from __future__ import annotations

import pytest

from warden.screening import ScreeningEngine
from warden.screening.dictionaries import load_lexicon, named_emoji
from warden.screening.folding import fold_text, kept_emoji, latin_confusables

from .support import shown


@pytest.fixture(scope="module")
def engine() -> ScreeningEngine:
    from warden.screening.engine import build_default_engine

    return build_default_engine()


# -- emoji rebus by the picture's name ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term", "matched"),
    [
        ("恭喜中🏅，名单私信发你", "中奖", "中🏅"),  # 🏅 奖牌: a character of its name
        ("返🍐活动最后一天", "返利", "返🍐"),  # 🍐 梨 lí: a one-syllable name read as the term's 利 lì
        ("日🧱三百，手机就能做", "日赚", "日🧱"),  # 🧱 砖 zhuān for 赚 zhuàn
        ("老虎🐔在线玩", "老虎机", "老虎🐔"),  # 🐔 鸡 jī for 机
        ("今晚🦐注翻倍", "下注", "🦐注"),  # 🦐 虾 xiā for 下 xià
    ],
)
def test_S_A6_an_emoji_whose_chinese_name_gives_a_character_of_a_term_hits(
    engine: ScreeningEngine, text: str, term: str, matched: str
) -> None:
    """Kind: the corpus's rebus misses drew a character with a picture that is not in the hand-checked emoji.tsv
    (a medal for 奖, a phone for 网): what a picture stands for is its name, and the emoji package carries every
    emoji's Chinese name (CLDR), so the table is read off the names, for a character of the name or, for a name of
    one syllable, for the terms' characters read the same."""
    hits = shown(engine.screen(text))
    hit = next(h for h in hits if h.term == term)
    assert (hit.channel, hit.matched) == ("emoji", matched)


@pytest.mark.parametrize("text", ["今天的🍞很好吃", "我们组拿了🥇", "周末吃🦐和🍐", "下雨了🌧记得带伞"])
def test_S_A6_an_emoji_read_off_its_name_is_no_term_on_its_own(engine: ScreeningEngine, text: str) -> None:
    assert engine.screen(text) == []


def test_S_A6_the_named_emoji_are_kept_by_the_fold_and_leave_the_hand_checked_ones_alone() -> None:
    terms = [t.term for t in load_lexicon().terms]
    pairs = named_emoji(terms, ["🏆"])
    assert "🏆" not in dict(pairs)  # emoji.tsv says what it stands for
    assert ("🎰", "老虎机") in pairs  # its name is the term: the emoji alone is a form of it
    assert all(e in kept_emoji() for e, _ in named_emoji(terms))
    assert "👫" not in dict(named_emoji(terms))  # 手拉手的一男一女: a scene, not a word


# -- short contact names, WeChat and QQ by sound, other messengers --------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        ("V：kf_2046 备注来意", "wechat_id", "kf_2046"),
        ("薇芯号：lily_0909", "wechat_id", "lily_0909"),
        ("我的威：ks20468", "wechat_id", "ks20468"),
        ("Q：3019284756", "qq_id", "3019284756"),
        ("q:lO19284756", "qq_id", "1019284756"),  # letters drawn as digits
        ("蔻蔻 3019284756 进群", "qq_id", "3019284756"),
        ("维新号码是13920467731", "contact_diversion", "13920467731"),
        ("telegram: @quick_cash7", "contact_diversion", "quick_cash7"),
        ("加飞机 fastpay88", "contact_diversion", "fastpay88"),
        ("tg @night_owl_2", "contact_diversion", "night_owl_2"),
    ],
)
def test_S_A6_a_contact_given_after_a_short_name_a_sound_alike_or_another_messenger_is_found(
    engine: ScreeningEngine, text: str, category: str, value: str
) -> None:
    """Kind: the corpus's contact phrases gave an id after a name the detectors did not know: one letter or one
    character before a colon (V：, 威：, Q：), 微信 and 扣扣 spelt with other characters of the same sound (any
    character read wei then one read xin, two read kou: from pypinyin, not a list), Telegram and WhatsApp by their
    names and nicknames (纸飞机, tg) before an @handle or an id."""
    hits = [h for h in engine.screen(text) if h.channel == "detector"]
    assert [(h.category, h.term) for h in hits] == [(category, value)]


@pytest.mark.parametrize(
    "text",
    [
        "密码为：abc12345，登录后请修改",
        "航班 CA1234 的飞机：A320",
        "@Lily 请确认一下报价",
        "委：2026年第3号文件",
        "唯心主义 philosophy 课程",
        "位：A区3排",
    ],
)
def test_S_A6_a_colon_an_at_sign_or_a_wei_character_alone_is_no_contact(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []


def test_S_A6_english_requests_to_write_privately_are_lures_and_messenger_names_ordinary_words(
    engine: ScreeningEngine,
) -> None:
    """Kind: English contact phrases (add me on WhatsApp, DM me, Telegram) passed with no hit. The messengers' names
    are ordinary words (a company may use them: intent only with a lure or another hit beside them); add me, DM me,
    inbox me are lures."""
    offered = shown(engine.screen("add me on WhatsApp for the price list"))
    assert [h.term for h in offered] == ["whatsapp"]
    plain = engine.screen("Our team uses Telegram for deploy alerts")
    assert [(h.term, h.intent) for h in plain] == [("telegram", False)]
    assert [(h.term, h.intent) for h in engine.screen("DM me for details")] == [("dm me", False)]
    assert shown(engine.screen("Could you add me to the project group?")) == []


# -- numbers sent in pieces -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        ("手机前三位 139，后面是 2046 7731", "phone_number", "13920467731"),
        ("卡号 6222 0212 3456，后四位 7894", "bank_card_number", "6222021234567894"),
        ("电话 1 3 9 - 2 0 4 6 - 7 7 3 1", "phone_number", "13920467731"),  # separators of two kinds at once
        ("手机 139_2046_7731", "phone_number", "13920467731"),
        ("手机 139/2046/7731", "phone_number", "13920467731"),
    ],
)
def test_S_A6_a_number_sent_in_pieces_with_words_saying_how_they_join_is_found(
    engine: ScreeningEngine, text: str, category: str, value: str
) -> None:
    """Kind: the corpus's contact numbers split one number into pieces and said how they join (前三位, 后四位,
    后面是): pieces of three digits or more, a short gap in the same sentence holding such a word, and the digits
    together a valid phone, card or ID number (phonenumbers, Luhn, stdnum)."""
    assert [(h.category, h.term) for h in engine.screen(text) if h.channel == "detector"] == [(category, value)]


@pytest.mark.parametrize(
    "text",
    [
        "订单 1381 件，金额 2345678 元",
        "第 139 位客户，后面还有 2046 位",
        "会议室 301 后面 4567 号",
        "日期 2026/11/30 13:05",
        "会议 10:30-11:45，房间 1302/1303",
    ],
)
def test_S_A6_numbers_near_each_other_are_not_joined_without_making_a_valid_number(
    engine: ScreeningEngine, text: str
) -> None:
    assert engine.screen(text) == []


# -- look-alike letters from Unicode's confusables data ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [("加ꓦꓫ详聊", "加vx"), ("hօngbaօ 群今晚开", "红包群"), ("Ꮃhatsapp 私聊我", "whatsapp")],
)
def test_S_A6_latin_letters_drawn_in_other_scripts_fold_by_the_unicode_confusables(
    engine: ScreeningEngine, text: str, term: str
) -> None:
    """Kind: look-alike letters beyond the hand list of Cyrillic and Greek ones (Lisu ꓦꓫ, Armenian օ, Cherokee Ꮃ):
    UTS #39's confusables data, as confusable-homoglyphs ships it, folds every letter it says looks like one ASCII
    letter."""
    assert term in [h.term for h in shown(engine.screen(text))]


def test_S_A6_the_confusables_leave_chinese_characters_alone() -> None:
    table = latin_confusables()
    assert table["ꓦ"] == "v" and table["х"] == "x" and table["і"] == "i"
    assert not any("\u4e00" <= ch <= "\u9fff" or "\u3040" <= ch <= "\u30ff" for ch in table)
    assert fold_text("口工") == "口工"


# -- honest kinds the round found flagged -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ('客服说"刷单"类投诉要单独登记', "刷单"),
        ("用户问“红包”怎么提现", "红包"),
        ("新年快乐🧧", "红包"),
    ],
)
def test_S_A6_a_word_in_quotation_marks_or_an_ordinary_word_drawn_alone_needs_evidence_of_intent(
    engine: ScreeningEngine, text: str, term: str
) -> None:
    """Kind: honest staff quote a word to talk about it (a customer asked about “红包”), or draw an ordinary word
    as its emoji beside a greeting: the word is named, not offered, so the hit needs evidence of intent like an
    ordinary word written plainly (a lure beside the emoji gives it; one outside the quotation marks does not)."""
    assert [(h.term, h.intent) for h in engine.screen(text)] == [(term, False)]
    assert [h.term for h in shown(engine.screen("加我领🧧"))] == ["红包"]  # offered: a lure beside it


@pytest.mark.parametrize(
    "text", ["那个网赌团伙上周被抓了", "我爸被人骗去刷单，亏了两万", "这种模式会被判定为传销", "刷单窝点被查处"]
)
def test_S_A6_telling_what_happened_to_a_victim_or_a_gang_names_the_term(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []


def test_S_A6_a_word_list_window_that_only_joins_a_particle_does_not_clear_a_near_homophone(
    engine: ScreeningEngine,
) -> None:
    """靠了 is in jieba's list (a verb and its particle), so 代靠了解一下 was cleared as an ordinary word."""
    assert [h.term for h in shown(engine.screen("您好，代靠了解一下"))] == ["代考"]
    assert shown(engine.screen("这事全靠了解情况的同事")) == []
