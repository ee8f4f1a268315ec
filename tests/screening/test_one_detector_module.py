"""Issue 13, item 5: one detector module for ID numbers, cards, phones, e-mail and QQ/WeChat ids, used by the
platform's screen and the enterprise's detectors alike (checked with python-stdnum and phonenumbers)."""

from __future__ import annotations

import pytest
from stdnum import luhn

from warden.screening import ScreeningEngine
from warden.screening.detectors import bank_card_valid, detect, id_card_valid, phone_valid


def found(engine: ScreeningEngine, text: str) -> list[tuple[str, str]]:
    return [(h.category, h.matched) for h in engine.screen(text) if h.channel == "detector"]


def unionpay_81() -> str:
    body = "810000123456789"
    return body + luhn.calc_check_digit(body)


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("卡号 2223000048400011", "2223000048400011"),  # Mastercard 2-series test number (Luhn)
        ("卡号 2223 0000 4840 0011", "2223 0000 4840 0011"),
        (f"银联卡 {unionpay_81()}", unionpay_81()),  # UnionPay's 81 range
        ("卡号 378282246310005", "378282246310005"),  # 15 digits: American Express
        ("卡号 3782 822463 10005", "3782 822463 10005"),
        ("卡号 6222 0210 0012 3456 781", "6222 0210 0012 3456 781"),
        ("卡号４５３２０１５１１２８３０３６６", "４５３２０１５１１２８３０３６６"),
    ],
)
def test_S_A6_S_E3_the_platform_screen_finds_every_card_the_enterprise_detector_does(
    engine: ScreeningEngine, text: str, matched: str
) -> None:
    assert found(engine, text) == [("bank_card_number", matched)]


@pytest.mark.parametrize(
    "number",
    ["4532015112830367", "453201511283036", "1234567812345670", "9999999999999995", "45320151128303661234"],
)
def test_S_E3_numbers_outside_a_cards_range_length_or_check_are_no_card(number: str) -> None:
    assert not bank_card_valid(number)
    assert [d.category for d in detect(f"编号 {number}") if d.category == "bank_card_number"] == []


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("身份证 110105 19491231 002X", "110105 19491231 002X"),
        ("身份证 110105-19491231-002x", "110105-19491231-002x"),
        ("身份证 １１０１０５１９４９１２３１００２Ｘ", "１１０１０５１９４９１２３１００２Ｘ"),
        ("身份证 1101 0519 4912 3100 2X", "1101 0519 4912 3100 2X"),
    ],
)
def test_S_A6_S_E3_id_numbers_in_groups_or_full_width_digits_are_found_and_are_no_phone_number(
    engine: ScreeningEngine, text: str, matched: str
) -> None:
    assert found(engine, text) == [("id_card_number", matched)]


def test_S_A6_part_of_an_id_number_is_never_labelled_a_mobile_number(engine: ScreeningEngine) -> None:
    assert "phone_number" not in [c for c, _ in found(engine, "身份证 110105 19491231 0021")]  # a bad check digit
    assert not phone_valid("19491231002")  # 194 is no mobile range


def test_S_E3_resident_ids_and_phones_are_checked_by_the_kept_libraries() -> None:
    assert id_card_valid("11010519491231002x") and id_card_valid("110105 19491231 002X")
    assert not id_card_valid("110105180001011234")  # born before 1900 (whatever the check digit)
    assert phone_valid("13800138000") and phone_valid("01062345678")
    assert not phone_valid("12812345678") and not phone_valid("14012345678")


@pytest.mark.parametrize(
    ("text", "category", "matched"),
    [
        ("我的手机１３８００１３８０００", "phone_number", "１３８００１３８０００"),
        ("邮箱 li.ming+hr@huaguang.com.cn", "email", "li.ming+hr@huaguang.com.cn"),
        ("加qq 2345678901", "qq_id", "2345678901"),
        ("微信号：lucky_vip2024", "wechat_id", "lucky_vip2024"),
    ],
)
def test_S_A6_S_E3_phones_e_mail_and_qq_wechat_ids_come_from_the_same_module(
    engine: ScreeningEngine, text: str, category: str, matched: str
) -> None:
    assert (category, matched) in found(engine, text)
    assert (category, matched) in [(d.category, text[d.start : d.end]) for d in detect(text)]
