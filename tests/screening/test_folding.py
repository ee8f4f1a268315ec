"""Folding rules (S-A6): each style disguise folds to the plain form, with offsets back to the original."""

from __future__ import annotations

import pytest

from warden.screening.folding import fold, fold_text


@pytest.mark.parametrize(
    ("rule", "disguised", "plain"),
    [
        ("full-width letters", "ＨＢ", "hb"),
        ("circled letters", "ⓗⓑ", "hb"),
        ("mathematical bold letters (astral)", "𝐡𝐛", "hb"),
        ("mathematical double-struck letters", "𝕙𝕓", "hb"),
        ("upper case", "WeiXin", "weixin"),
        ("Cyrillic look-alikes", "vх", "vx"),
        ("Greek look-alikes", "νχ", "vx"),
        ("circled digits", "①③⑧", "138"),
        ("CJK numerals", "一三八", "138"),
        ("financial numerals", "壹叁捌", "138"),
        ("dingbat digits", "❶❸❽", "138"),
        ("full-width digits", "１３８", "138"),
        ("traditional characters", "紅包", "红包"),
        ("traditional characters in phrases", "點擊領取", "点击领取"),
        ("tone marks in pinyin", "hóngbāo", "hongbao"),
        ("ü with tone mark", "lǜ", "lu"),
        ("plus sign for 加", "+V", "加v"),
        ("heavy plus emoji for 加", "➕V", "加v"),
    ],
)
def test_s_a6_each_style_disguise_folds_to_the_plain_form(rule: str, disguised: str, plain: str) -> None:
    assert fold(disguised).text == plain, rule


@pytest.mark.parametrize(
    ("rule", "separator"),
    [
        ("ASCII space", " "),
        ("ideographic space", "\u3000"),
        ("ASCII punctuation", "*"),
        ("ASCII punctuation run", "-_-"),
        ("Chinese comma", "，"),
        ("Chinese full stop", "。"),
        ("Chinese brackets", "【】"),
        ("middle dot", "·"),
        ("symbol", "★"),
        ("heart symbol with variation selector", "❤️"),
        ("emoji", "😊"),
        ("emoji with skin tone", "👍🏻"),
        ("zero-width space", "\u200b"),
        ("zero-width joiner", "\u200d"),
        ("word joiner", "\u2060"),
        ("byte-order mark", "\ufeff"),
        ("soft hyphen", "\u00ad"),
        ("newline and tab", "\n\t"),
    ],
)
def test_s_a6_separators_between_characters_are_skipped(rule: str, separator: str) -> None:
    assert fold(f"红{separator}包").text == "红包", rule


def test_s_a6_repeated_characters_collapse_to_one() -> None:
    assert fold("红红红包包").text == "红包"
    assert fold("红 红 包").text == "红包"  # repeats separated by separators collapse too


def test_s_a6_the_red_packet_emoji_is_kept_so_the_dictionary_can_match_it() -> None:
    assert fold("领🧧").text == "领🧧"


def test_ordinary_chinese_text_is_unchanged_apart_from_punctuation() -> None:
    assert fold("你好，我是销售部的小王").text == "你好我是销售部的小王"


def test_multi_character_folds_expand_and_map_back_to_their_source() -> None:
    f = fold("ﬁ㎡")
    assert f.text == "fim2"
    assert [f.original_span(i, i + 1) for i in range(4)] == [(0, 1), (0, 1), (1, 2), (1, 2)]


def test_offsets_map_folded_spans_back_over_separators_and_repeats() -> None:
    text = "领紅 紅\u200b包包！"
    f = fold(text)
    assert f.text == "领红包"
    start, end = f.original_span(1, 3)
    assert text[start:end] == "紅 紅\u200b包包"


def test_offsets_count_astral_characters_as_one_code_point() -> None:
    text = "😊𝐡😊𝐛x"
    f = fold(text)
    assert f.text == "hbx"
    assert f.original_span(0, 2) == (1, 4)
    assert text[1:4] == "𝐡😊𝐛"


def test_fold_text_for_dictionary_keys_agrees_with_the_vectorised_fold() -> None:
    samples = ["紅 包", "ＨＢ", "𝐡𝐛", "①③⑧", "hóngbāo", "红红包包", "ﬁﬁx", "加❤️信", "a\u200bb", "+V", "🧧"]
    for s in samples:
        assert fold_text(s) == fold(s).text, s
