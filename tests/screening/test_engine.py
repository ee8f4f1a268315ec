"""The screening engine (S-A6): word forms, channels, allow-lists, offsets and precision traps."""

from __future__ import annotations

import pytest

from tests.screening.support import shown
from warden.bench.corpus import LIMIT_PREFIX, CorpusRow, load_corpus
from warden.screening import Hit, Screener, ScreeningEngine, TermSpec


def only(hits: list[Hit], term: str) -> Hit:
    found = [h for h in hits if h.term == term]
    assert len(found) == 1, hits
    return found[0]


def test_the_engine_satisfies_the_screener_seam(engine: ScreeningEngine) -> None:
    screener: Screener = engine
    hits = screener.screen("加我领红包")
    assert hits == [Hit("红包", "red_packet", "high", "exact", 3, 5, "红包")]


def test_s_a6_an_exact_term_is_reported_with_channel_exact(engine: ScreeningEngine) -> None:
    assert only(engine.screen("返利活动，加我了解"), "返利").channel == "exact"


def test_s_a6_a_disguised_term_is_reported_with_channel_folded_and_original_offsets(
    engine: ScreeningEngine,
) -> None:
    text = "速来 紅＊包 啊"
    hit = only(engine.screen(text), "红包")
    assert (hit.channel, hit.matched) == ("folded", "紅＊包")
    assert text[hit.start : hit.end] == hit.matched


@pytest.mark.parametrize("text", ["hongbao", "HongBao", "hong bao", "ｈｏｎｇｂａｏ", "hóngbāo", "𝐡𝐨𝐧𝐠𝐛𝐚𝐨"])
def test_s_a6_full_pinyin_matches_in_any_style(engine: ScreeningEngine, text: str) -> None:
    hit = only(engine.screen(f"领{text}啦"), "红包")
    assert (hit.channel, hit.severity) == ("pinyin", "high")


@pytest.mark.parametrize("text", ["红bao", "hong包", "紅BAO"])
def test_s_a6_mixed_hanzi_and_pinyin_match(engine: ScreeningEngine, text: str) -> None:
    assert only(engine.screen(f"快来领{text}"), "红包").channel == "mixed"


def test_s_a6_initials_match_at_low_severity_on_word_boundaries(engine: ScreeningEngine) -> None:
    hit = only(engine.screen("群里发hb了"), "红包")
    assert (hit.channel, hit.severity, hit.matched) == ("initials", "low", "hb")
    assert only(engine.screen("HB, 快"), "红包").severity == "low"


@pytest.mark.parametrize("text", ["hbase集群", "查一下 HBM 显存", "flink 任务", "shb", "a hbx"])
def test_s_a6_initials_never_match_inside_a_latin_word(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []


def test_s_a6_pinyin_inside_a_longer_latin_word_does_not_match(engine: ScreeningEngine) -> None:
    assert shown(engine.screen("kouhongbaoyou")) == []


def test_s_a6_zero_width_characters_cannot_fake_a_word_boundary(engine: ScreeningEngine) -> None:
    assert shown(engine.screen("a\u200bhb\u200bc")) == []


@pytest.mark.parametrize(("text", "term"), [("虹包", "红包"), ("洪包", "红包"), ("反利", "返利"), ("加威信", "加微信")])
def test_s_a6_homophones_are_a_separate_lower_severity_channel(engine: ScreeningEngine, text: str, term: str) -> None:
    hit = only(engine.screen(f"快来{text}"), term)
    assert hit.channel == "homophone"
    exact = next(t for t in engine.terms if t.term == term)
    assert ("low", "medium", "high").index(hit.severity) == ("low", "medium", "high").index(exact.severity) - 1


def test_s_a6_homophones_need_half_the_characters_identical(engine: ScreeningEngine) -> None:
    # 宏苞 sounds like 红包 but shares no character: too weak to report
    assert [h for h in engine.screen("宏苞") if h.term == "红包"] == []


def test_s_a6_homophone_tones_keep_ordinary_words_apart(engine: ScreeningEngine) -> None:
    # 简直 (jiǎn zhí) must not match 兼职 (jiān zhí); 范例 (fàn lì) must not match 返利 (fǎn lì)
    assert shown(engine.screen("简直太好了")) == []
    assert shown(engine.screen("请参考范例")) == []


def test_s_a6_repeated_characters_match_and_cover_the_whole_run(engine: ScreeningEngine) -> None:
    hit = only(engine.screen("来领红红红包包"), "红包")
    assert hit.matched == "红红红包包"


def test_s_a6_the_red_packet_emoji_matches_red_packet(engine: ScreeningEngine) -> None:
    hit = only(engine.screen("进群领🧧"), "红包")
    assert (hit.channel, hit.start, hit.end, hit.matched) == ("emoji", 3, 4, "🧧")


@pytest.mark.parametrize("text", ["这款口红包邮", "口 红 包 邮", "往返利用率", "这是一个反例", "兼职教授"])
def test_s_a6_allow_list_entries_win_over_overlapping_hits(engine: ScreeningEngine, text: str) -> None:
    assert shown(engine.screen(text)) == []


def test_s_a6_an_allow_list_match_only_removes_the_hits_it_overlaps(engine: ScreeningEngine) -> None:
    hits = engine.screen("口红包邮，另外加我领红包")
    assert [(h.term, h.start) for h in hits] == [("红包", 10)]


def test_s_a6_hits_map_back_to_exact_offsets_with_emoji_and_astral_characters(
    engine: ScreeningEngine,
) -> None:
    text = "😀𝐀 领紅\u200b💥包 and 𝐟𝐚𝐧𝐥𝐢 ok"
    hits = engine.screen(text)
    assert [(h.term, h.matched) for h in hits] == [("红包", "紅\u200b💥包"), ("返利", "𝐟𝐚𝐧𝐥𝐢")]
    for h in hits:
        assert text[h.start : h.end] == h.matched


def test_s_a6_several_terms_in_one_text_are_all_reported_in_order(engine: ScreeningEngine) -> None:
    hits = engine.screen("红-包返✿利，兼职刷单")
    assert [h.term for h in hits] == ["红包", "返利", "兼职刷单"]


def test_s_a6_the_longest_listed_term_wins_over_a_shorter_one_inside_it(engine: ScreeningEngine) -> None:
    assert [h.term for h in engine.screen("进群抢红包啦")] == ["抢红包"]


def test_screen_many_gives_the_same_hits_as_screen_one_by_one(engine: ScreeningEngine) -> None:
    texts = [r.text for r in load_corpus()[::7]]
    assert [list(h) for h in engine.screen_many(texts, batch_size=16)] == [engine.screen(t) for t in texts]


def test_a_nul_character_inside_a_message_does_not_shift_other_messages(engine: ScreeningEngine) -> None:
    results = engine.screen_many(["a\0b", "加我领红包"])
    assert results[0] == ()
    assert [(h.term, h.start) for h in results[1]] == [("红包", 3)]


def test_empty_and_separator_only_texts_have_no_hits(engine: ScreeningEngine) -> None:
    assert shown(engine.screen("")) == []
    assert shown(engine.screen("，。！  \u200b")) == []


def test_with_lists_adds_enterprise_terms_and_allow_entries_without_touching_the_base(
    engine: ScreeningEngine,
) -> None:
    derived = engine.with_lists([("内推码", "contact_diversion", "low")], ["红包雨"])
    assert only(derived.screen("我有内推码"), "内推码").severity == "low"
    assert only(derived.screen("nei tui ma"), "内推码").channel == "pinyin"
    assert derived.screen("今晚八点红包雨，速来") == []
    assert shown(engine.screen("我有内推码")) == []
    assert engine.screen("今晚八点红包雨，速来") != []


def test_terms_can_disable_word_forms(engine: ScreeningEngine) -> None:
    plain = ScreeningEngine([TermSpec("代购", "fraud", "medium", frozenset())])
    assert plain.screen("dai gou") == []
    assert [h.term for h in plain.screen("代 购")] == ["代购"]


# -- the quality corpus ------------------------------------------------------------------------

CORPUS = load_corpus()


@pytest.mark.parametrize("row", [r for r in CORPUS if not r.expected], ids=lambda r: f"{r.technique}:{r.text[:12]}")
def test_s_a6_precision_ordinary_workplace_text_and_traps_have_no_hits(engine: ScreeningEngine, row: CorpusRow) -> None:
    assert shown(engine.screen(row.text)) == []


@pytest.mark.parametrize(
    "row",
    [r for r in CORPUS if r.expected and not r.technique.startswith(LIMIT_PREFIX)],
    ids=lambda r: f"{r.technique}:{r.text[:12]}",
)
def test_s_a6_every_claimed_technique_in_the_corpus_is_caught(engine: ScreeningEngine, row: CorpusRow) -> None:
    hits = engine.screen(row.text)
    assert row.satisfied_by(hits), hits
    for h in hits:
        assert row.text[h.start : h.end] == h.matched


def test_s_a6_pinyin_written_like_a_personal_name_is_one_severity_lower(engine: ScreeningEngine) -> None:
    # 范丽 / 樊力 are written "Fan Li" in English signatures; spammers write fanli or FANLI
    assert only(engine.screen("你好，我是Fan Li"), "返利").severity == "medium"
    assert only(engine.screen("领fanli"), "返利").severity == "high"
    assert only(engine.screen("FAN LI 来了"), "返利").severity == "high"


def test_s_a6_a_listed_form_wins_over_a_homophone_that_overlaps_it(engine: ScreeningEngine) -> None:
    derived = engine.with_lists([("转账卡", "fraud", "high"), ("银行转账", "fraud", "medium")])
    # 银航转账 sounds like 银行转账 but only overlaps the listed 转账卡, it does not hold it
    hits = derived.screen("银航转账卡")
    assert [(h.term, h.channel) for h in hits] == [("转账卡", "exact")]


def test_s_a6_a_homophone_that_holds_a_listed_form_whole_names_the_longer_term(engine: ScreeningEngine) -> None:
    # 加薇信 is 加微信 by sound and holds the listed 薇信: the longer reading says what the text says, at least as
    # strongly as the form it holds
    for text, term in (
        ("薇 信 号", "微信号"),
        ("加薇信", "加微信"),
        ("加我薇信", "加我微信"),
        ("高鹅返利", "高额返利"),
    ):
        (hit,) = engine.screen(text)
        assert (hit.term, hit.channel, hit.matched) == (term, "homophone", text)
    assert engine.screen("加我薇信")[0].severity == "medium"  # 薇信 is medium, a homophone of 加我微信 alone low
    assert engine.screen("高鹅返利")[0].severity == "high"


def test_s_a6_direct_and_homophone_hits_side_by_side_are_all_reported(engine: ScreeningEngine) -> None:
    hits = engine.screen("红包 hongbao hb 虹包 🧧")
    assert [h.channel for h in hits] == ["exact", "pinyin", "initials", "homophone", "emoji"]
    assert {h.term for h in hits} == {"红包"}


def test_s_a6_a_different_digit_is_not_a_homophone(engine: ScreeningEngine) -> None:
    assert [h.term for h in engine.screen("壹夜晴")] == ["一夜情"]  # 晴 sounds like 情
    assert shown(engine.screen("2夜情")) == []


def test_a_lone_surrogate_in_bad_input_is_skipped_like_a_separator(engine: ScreeningEngine) -> None:
    text = "领红\ud800包 电话13800138000"
    hits = engine.screen(text)
    assert [(h.term, h.matched) for h in hits] == [("红包", "红\ud800包"), ("13800138000", "13800138000")]
