"""Leak detectors (S-E3): each one pinned with valid and invalid inputs, and offsets that point at the text."""

from __future__ import annotations

import pytest

from warden.usage_policy import detectors as ld

VALID_ID = "110105199003071239"  # region 11 (Beijing), born 1990-03-07, check character 9
VALID_ID_X = "11010519491231002X"  # check character X (= 10)


def test_a_resident_id_number_with_a_valid_checksum_is_found_with_its_offsets_s_e3() -> None:
    text = f"身份证号：{VALID_ID}，请查收"
    hits = ld.find_id_numbers(text)
    assert [(h.category, h.matched) for h in hits] == [("id_number", VALID_ID)]
    assert text[hits[0].start : hits[0].end] == VALID_ID


def test_an_id_number_whose_check_character_is_x_is_found_in_either_case_s_e3() -> None:
    assert ld.id_checksum_ok(VALID_ID_X)
    assert ld.find_id_numbers(f"证件 {VALID_ID_X.lower()} 已登记")[0].matched == VALID_ID_X.lower()


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("110105199003071238", "wrong check character"),
        ("11010519900307123X", "X where 9 is due"),
        ("990105199003071230", "unknown region 99"),
        ("110105199002301234", "30 February"),
        ("110105180001011234", "born before 1900"),
    ],
)
def test_an_id_number_that_fails_its_checks_is_not_reported_s_e3(number: str, why: str) -> None:
    if why in ("unknown region 99", "30 February", "born before 1900"):  # give it a valid checksum first
        body = number[:17]
        total = sum(int(d) * w for d, w in zip(body, ld._ID_WEIGHTS, strict=True))
        number = body + ld._ID_CHECK[total % 11]
        assert ld.id_checksum_ok(number)
    assert ld.find_id_numbers(f"号码 {number} 结束") == [], why


def test_an_id_number_inside_a_longer_run_of_digits_is_not_reported_s_e3() -> None:
    assert ld.find_id_numbers(f"9{VALID_ID}") == []
    assert ld.find_id_numbers(f"{VALID_ID}7") == []


def test_prc_mobile_numbers_are_found_with_or_without_country_code_and_separators_s_e3() -> None:
    text = "电话 13812345678，或 +86 139-1234-5678，座机 12812345678，订单 213812345678"
    assert [h.matched for h in ld.find_mobile_numbers(text)] == ["13812345678", "+86 139-1234-5678"]


def test_bank_card_numbers_must_pass_luhn_and_may_be_grouped_s_e3() -> None:
    text = "卡号 6222 0210 0012 3456 781，另一张 4532015112830366，错误 4532015112830367"
    assert [h.matched for h in ld.find_bank_cards(text)] == ["6222 0210 0012 3456 781", "4532015112830366"]
    assert ld.luhn_ok("4532015112830366") and not ld.luhn_ok("4532015112830367")


def test_a_valid_id_number_that_happens_to_pass_luhn_is_not_also_reported_as_a_bank_card_s_e3() -> None:
    both = "110105199003071108"
    assert ld.luhn_ok(both) and ld.valid_id_number(both)
    assert [h.category for h in ld.detect(f"ID {both}")] == ["id_number"]


def test_too_short_or_too_long_digit_runs_are_not_bank_cards_s_e3() -> None:
    assert ld.find_bank_cards("453201511283036") == []  # 15 digits
    assert ld.find_bank_cards("45320151128303661234") == []  # 20 digits


def test_email_addresses_are_found_but_not_bare_at_signs_s_e3() -> None:
    text = "发到 li.ming+hr@huaguang.com.cn 或者 @张三 看看，别用 a@b"
    assert [h.matched for h in ld.find_emails(text)] == ["li.ming+hr@huaguang.com.cn"]


def test_confidentiality_markings_are_found_in_chinese_and_english_any_case_s_e3() -> None:
    text = "【绝密】季度预算；Strictly Confidential draft; 内部资料请勿外传"
    hits = ld.find_confidential_markings(text)
    assert [h.term for h in hits] == ["绝密", "strictly confidential", "内部资料", "请勿外传"]
    assert all(text[h.start : h.end] == h.matched for h in hits)


def test_plain_business_text_triggers_no_detector_s_e3() -> None:
    assert ld.detect("明天下午三点开会，报价单第 3 版，共 12 页，金额 4500000 元。") == []
