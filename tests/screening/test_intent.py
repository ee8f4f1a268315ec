"""Issue 13, kinds of honest text the screen used to flag: an everyday word needs evidence of intent, a business
phrase gives way to a lure, and a warning cue covers what it names across a heading, a list or a continuation."""

from __future__ import annotations

import pytest

from tests.screening.support import shown
from warden.screening import Hit, ScreeningEngine


def terms(hits: list[Hit]) -> list[str]:
    return [h.term for h in hits]


# -- an ordinary word (ordinary.txt) written as it is needs a lure or another hit beside it ----------------------


@pytest.mark.parametrize(
    "text",
    [
        "老板刚在部门群里发了红包，手气最好的是小刘",  # colleagues' red packets
        "生日那天同事们给我发了好几个红包",
        "拼手气红包我只抢到两毛",
        "本店会员满300返现40，活动到月底",  # a shop's cash back to its own customers
        "第三季度的返利我们按合同抵扣下一批货款",  # a supplier's rebate
        "您好，去年的返佣已经打到贵司对公账户了",
        "我周末在做兼职家教，下周可能晚点到",
        "银行那边说这笔贷款还要补一份流水",
        "抽奖结果出来了，市场部有三个人中奖",
        "个人劳务报酬只能去税务局申请代开发票",
        "理赔专员会跟进您的退款理赔进度",
        "法院冻结账户的通知已经转给法务",
        "师傅明天上午上门服务，请家里留人",
    ],
)
def test_S_A6_an_ordinary_word_named_without_intent_is_no_hit(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("私信我领红包，人人有份", "红包"),  # a lure before it
        ("返利活动今晚截止，速加", "返利"),  # a lure after it, in the same sentence
        ("兼职日入五百，有意者私聊", "兼职"),
        ("返现秒到，扫码参加", "返现"),
        ("进群抢红包啦", "抢红包"),
        ("发红包的群，微信号abc_12345", "红包"),  # a contact detail in the message
        ("返利详情请加微信", "返利"),  # contact diversion in the message
        ("刷单返利，一单一结", "返利"),  # another listed term in the message
    ],
)
def test_S_A6_an_ordinary_word_with_a_lure_or_a_contact_still_hits(
    engine: ScreeningEngine, text: str, term: str
) -> None:
    assert term in terms(engine.screen(text))


@pytest.mark.parametrize(
    ("text", "term"),
    [("多谢你的红\u3164包", "红包"), ("今晚 hongbao 来了", "红包"), ("领个洪包吧", "红包"), ("返 利 活 动", "返利")],
)
def test_S_A6_an_ordinary_word_in_disguise_is_a_hit_on_its_own(engine: ScreeningEngine, text: str, term: str) -> None:
    assert term in terms(engine.screen(text))


def test_S_A6_a_lure_far_away_or_in_another_sentence_is_no_evidence(engine: ScreeningEngine) -> None:
    assert shown(engine.screen("部门红包已经发了。有问题私信我")) == []
    assert shown(engine.screen("红包" + "的一是在不了有和人这中大为上个国" + "加我")) == []


def test_S_A6_a_lure_inside_a_listed_term_is_part_of_the_term(engine: ScreeningEngine) -> None:
    assert shown(engine.screen("新品试吃装免费领取的登记表放在前台")) == []  # 免费领 inside 免费领取


def test_S_E3_an_enterprise_rule_matches_its_words_as_listed(engine: ScreeningEngine) -> None:
    rule = engine.for_terms([("红包", "rule:1", "high")])
    assert terms(rule.screen("谢谢老板的红包")) == ["红包"]  # its own list: no evidence of intent asked


# -- a business phrase (business.txt, compounds.tsv) clears a term only when nothing lures ---------------------------


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("年会红包明天下午统一发放", False),
        ("年会红包加我领，名额有限", True),
        ("返利政策以合同附件为准", False),
        ("返利政策详情私信", True),
        ("兼职翻译的报酬按字数结算", False),
        ("兼职翻译日赚三百，有意者私聊", True),
    ],
)
def test_S_A6_a_business_phrase_gives_way_to_a_lure(engine: ScreeningEngine, text: str, hit: bool) -> None:
    assert bool(shown(engine.screen(text))) == hit


# -- warning cues: headings, enumerations, continuations; lures and sentence ends stop them ----------------------


@pytest.mark.parametrize(
    "text",
    [
        "合规通知：禁止参与任何形式的赌博，包括但不限于网络博彩、百家乐",  # heading, continuation, list
        "警惕：陌生人推荐的网贷",  # a cue heading
        "严禁员工私下收受好处、发展下线，从事传销",  # a continuation word carries the cue
        "公司反诈宣传月，内容包括刷单、裸贷、冒充客服",
        "话术里常见“躺赚”“稳赚不赔”等词",  # naming words as words
        "模型训练需要补充一批网赌样本",
        "毒品检测：冰毒检测试剂已到货",
    ],
)
def test_S_A6_a_warning_cue_covers_what_it_names_across_a_heading_a_list_or_a_continuation(
    engine: ScreeningEngine, text: str
) -> None:
    assert shown(engine.screen(text)) == []


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("严禁外传：加我进群领彩金", "彩金"),  # a lure between the cue and the term
        ("严禁外传。网赌平台今晚开业", "网赌"),  # the cue's sentence ended
        ("拒绝套路，正规博彩平台", "博彩"),  # a new clause with no continuation word
        ("参与就送，博彩平台", "博彩"),  # a continuation word with no cue before it is no cue
    ],
)
def test_S_A6_a_cue_stops_at_a_lure_a_sentence_end_or_a_clause_without_continuation(
    engine: ScreeningEngine, text: str, term: str
) -> None:
    assert term in terms(engine.screen(text))


def test_S_A6_a_term_with_a_chinese_numeral_written_repeatedly_is_a_repeat(engine: ScreeningEngine) -> None:
    assert terms(engine.screen("加一一下微信")) == ["加一下微信"]
    assert shown(engine.screen("工号11下周报到")) == []


@pytest.mark.parametrize(
    "text",
    [
        "您好，我們公司年終有紅包，歡迎加入",  # a Hong Kong or Taiwan writer: the whole text is traditional
        "大家好，今年尾牙的紅包會在週五發放",
        "謝謝您上季度的支持，返利會在下個月結算",
    ],
)
def test_S_A6_an_ordinary_word_in_a_text_written_in_traditional_characters_is_plain_writing(
    engine: ScreeningEngine, text: str
) -> None:
    assert shown(engine.screen(text)) == []  # their own script, not a disguise: judged as a plain ordinary word


@pytest.mark.parametrize("text", ["您好，我们公司年终有紅包", "紅包", "您好，這裡有紅包，加我"])
def test_S_A6_a_term_converted_alone_or_lured_is_still_evidence(engine: ScreeningEngine, text: str) -> None:
    assert [h.term for h in shown(engine.screen(text))] == ["红包"]
