"""Issue 13, sixth round: a general mechanism per weak kind, each checked on forms written for these tests (none is a
line of any corpus) beside the honest text it must leave alone.

* contact phrases as a grammar (`warden.screening.contact_grammar`): a verb of reaching, optional words, and a
  messenger by any of its names; private-message verbs and group pulls need evidence of intent;
* emoji by meaning: a hand-checked emoji also stands for its CLDR name where that is a word inside a term (🐯 老虎),
  and pictures by use (🎰 赌, 🎯 中, 💬 微信, 💳 卡, 🏠 家);
* sound-alikes with no character of the term, for terms of three characters or more, read exactly;
* look-alikes by shape with the side radical swapped (谖 for 援, 订 for 打), read off the split data;
* a verdict at a sentence's end (都是诈骗, 都是假的) and more warning cues.
"""

from __future__ import annotations

import pytest

from warden.screening import ScreeningEngine
from warden.screening.contact_grammar import find_phrases, view
from warden.screening.precision import named_as_fraud, whole_sound_candidate

from .support import shown

# -- contact phrases by grammar -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("有兴趣的来我那个绿色app详聊", "加微信"),  # another verb, words between, WeChat by its colour
        ("换到蓝色飞机上聊，这边不方便", "纸飞机"),  # Telegram by its colour
        ("jia我绿泡泡，备注来意", "绿泡泡"),  # the verb in pinyin
        ("上tg找我，这里说不了", "加telegram"),  # an abbreviation with a reason to move
        ("资料在绿色软件里，绿色软件号看主页", "微信号"),  # a nickname and 号 after it
        ("那只企鹅联系我，号在签名", "加企鹅"),  # a nickname first, a word of contacting after it
        ("for the signals, add us on the blue plane app", "加telegram"),  # English words between
        ("想赚零花钱的戳我", "私聊我"),  # a private-message verb with an audience addressed as a crowd
        ("带你进个群，每天有福利", "加个群"),  # pulled into a group, with an offer
        ("jia4 wo3 lv4 pao4 pao4", "绿泡泡"),  # the nickname in pinyin with tone digits
        ("上xiao fei ji找我", "纸飞机"),
        ("lianxi我 koukou", "扣扣"),
    ],
)
def test_S_A6_a_contact_phrase_is_read_by_its_shape_not_its_wording(
    engine: ScreeningEngine, text: str, term: str
) -> None:
    assert term in [h.term for h in shown(engine.screen(text))]


@pytest.mark.parametrize(
    "text",
    [
        "拉你进项目群",  # a colleague's group
        "明天坐飞机去深圳，落地再聊",  # an aeroplane
        "这款包装用绿色的，更显环保",  # a colour
        "企鹅馆的门票已经订好",  # the animal
        "这个折扣我们领导批了",  # 扣我 inside 折扣我们
        "新同事请进群",  # a plain 进群 is a lure, no phrase
        "qi e是一种鸟",  # pinyin with no verb
        "我的版本是v2.1.3",  # digits after a letter that are no tone
    ],
)
def test_S_A6_the_contact_grammar_leaves_everyday_words_of_its_classes_alone(
    engine: ScreeningEngine, text: str
) -> None:
    assert [h for h in engine.screen(text) if h.channel == "phrase"] == []


@pytest.mark.parametrize("text", ["有事私我", "有空戳我一下", "有问题随时滴滴我"])
def test_S_A6_a_plain_contact_shape_alone_carries_no_intent(engine: ScreeningEngine, text: str) -> None:
    """How colleagues say where to reach them: a hit for the policy to judge (a colleague's message passes), never
    evidence of intent by itself."""
    hits = engine.screen(text)
    assert hits and all(h.channel == "phrase" and not h.intent for h in hits)


def test_S_A6_a_phrase_holding_two_listed_terms_leaves_them_their_names(engine: ScreeningEngine) -> None:
    assert [h.term for h in engine.screen("私聊我vx")] == ["私聊我", "vx"]
    assert [h.term for h in engine.screen("加ＴＧ")] == ["加tg"]


def test_S_A6_the_grammars_offsets_are_the_text_as_sent() -> None:
    text = "ｊｉａ 企·é 细聊"
    assert view(text)[0].startswith("jia 企·e")
    (s, e, term, plain), *_ = find_phrases(text)
    assert (text[s:e], term, plain) == ("ｊｉａ 企·é", "加企鹅", False)


# -- emoji by meaning -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("🐯机爆分，首充送", "老虎机"),  # CLDR 老虎头 → 老虎, a word inside the term
        ("澳门🎰场真人发牌", "赌场"),
        ("恭喜🎯奖了，点链接领", "中奖"),
        ("💳套现秒到", "信用卡套现"),  # CLDR 信用卡
        ("在🏠兼职，日入三百", "在家兼职"),
        ("看中的➕我💬", "加我微信"),
    ],
)
def test_S_A6_an_emoji_stands_for_what_it_pictures(engine: ScreeningEngine, text: str, term: str) -> None:
    assert term in [h.term for h in shown(engine.screen(text))]


@pytest.mark.parametrize("text", ["周末去🎯射箭馆", "我的🏠在北京", "好的💬", "去🏦办业务", "谢谢👍"])
def test_S_A6_an_emoji_alone_is_no_term(engine: ScreeningEngine, text: str) -> None:
    assert engine.screen(text) == []


# -- sound-alikes with no character of the term -----------------------------------------------------------------


def test_S_A6_a_long_term_spelt_wholly_by_sound_is_found(engine: ScreeningEngine) -> None:
    assert [(h.term, h.channel) for h in engine.screen("柏佳乐真人厅")] == [("百家乐", "homophone")]


def test_S_A6_two_characters_that_only_sound_like_a_term_stay_no_hit(engine: ScreeningEngine) -> None:
    """Too common by chance (元角, 件值): a two-character term keeps the half-identical rule."""
    assert [h for h in engine.screen("宏苞") if h.term == "红包"] == []
    assert [h for h in engine.screen("一共三元角钱") if h.term == "援交"] == []
    assert not whole_sound_candidate("兵读", ("bing1", "du2"))
    assert whole_sound_candidate("柏佳乐", ("bai3", "jia1", "le4"))


# -- look-alikes by shape: the radical swapped ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"), [("谖交妹妹", "援交"), ("订字员招聘，在家做", "打字员"), ("钞批下款", "秒批")]
)
def test_S_A6_a_character_with_its_side_radical_swapped_is_a_look_alike(
    engine: ScreeningEngine, text: str, term: str
) -> None:
    assert term in [h.term for h in shown(engine.screen(text))]


# -- precision: a verdict at a sentence's end, and more cues ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "看到以我们名义招兼职的，都是假的",
        "网贷平台以征信修复为名收费的都是诈骗",
        "所谓稳赚不赔的理财纯属骗局",
        "客户被诱导参与网赌，已报警",
        "这个界面太像老虎机了",
        "群里有人刷网赌链接，已封",
    ],
)
def test_S_A6_a_term_judged_or_reported_is_no_offer(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []


@pytest.mark.parametrize(
    "text",
    [
        "正规网赌平台，别人家的都是假的",  # the verdict has another subject
        "网赌平台不都是假的",  # denied
        "网赌平台都是真的",  # no verdict
        "加我领红包。别的都是假的",  # across a sentence end
    ],
)
def test_S_A6_a_verdict_that_is_no_verdict_on_the_term_keeps_it(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) != []


def test_S_A6_a_verdict_keeps_contact_details(engine: ScreeningEngine) -> None:
    hits = engine.screen("冒充客服的电话 13800138000 都是诈骗")
    assert [h.category for h in named_as_fraud(hits, "冒充客服的电话 13800138000 都是诈骗")] == [
        h.category for h in hits
    ]
    assert any(h.channel == "detector" for h in hits)


# -- a QQ number after a bare Q ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Q 𝟚𝟠𝟜𝟟𝟙𝟘𝟛𝟡𝟞𝟝 备注来意", "有事Q：28471039"])
def test_S_A6_a_qq_number_after_a_bare_q_is_found(engine: ScreeningEngine, text: str) -> None:
    assert [h.category for h in engine.screen(text)] == ["qq_id"]


@pytest.mark.parametrize(
    "text", ["Q3 2024 营收 12345678 元", "Q4营收3200000", "订单号 Q12345678 已发货", "Q 1234567元"]
)
def test_S_A6_a_q_before_other_numbers_is_no_qq(engine: ScreeningEngine, text: str) -> None:
    assert [h for h in engine.screen(text) if h.category == "qq_id"] == []
