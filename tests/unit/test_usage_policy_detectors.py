"""Leak detectors (S-E3): each one pinned with valid and invalid inputs, and offsets that point at the text.

The enterprise's detectors are the screening engine's one detector module (`warden.screening.detectors`, shared
with the platform's screen), run through a compiled policy as ingest runs them.
"""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from warden.bootstrap import shipped_engine
from warden.screening.base import Hit
from warden.screening.detectors import detect, id_card_valid, luhn_valid
from warden.usage_policy import model as up
from warden.usage_policy import policy as pol
from warden.usage_policy.policies import engine_screeners

VALID_ID = "110105199003071239"  # region 11 (Beijing), born 1990-03-07, check character 9
VALID_ID_X = "11010519491231002X"  # check character X (= 10)
BUILD = engine_screeners(shipped_engine)


def found(detector: str, text: str) -> list[Hit]:
    """The hits of one named detector in `text`, as an enterprise rule naming only it gets them."""
    doc = pol.UsagePolicyDoc.model_validate({"rules": [{"id": "r", "title": "r", "detectors": [detector]}]})
    hits = up.CompiledPolicy(doc, 1, BUILD).check(text, account_id="a", department=None, to_external=True)
    return [h for rh in hits for h in rh.hits]


def test_a_resident_id_number_with_a_valid_checksum_is_found_with_its_offsets_s_e3() -> None:
    text = f"身份证号：{VALID_ID}，请查收"
    hits = found("id_number", text)
    assert [(h.category, h.matched) for h in hits] == [("id_number", VALID_ID)]
    assert text[hits[0].start : hits[0].end] == VALID_ID


def test_an_id_number_whose_check_character_is_x_is_found_in_either_case_s_e3() -> None:
    assert id_card_valid(VALID_ID_X)
    assert found("id_number", f"证件 {VALID_ID_X.lower()} 已登记")[0].matched == VALID_ID_X.lower()


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
        number = number[:17] + ric.calc_check_digit(number)  # (it reads the first 17 characters)
        assert ric.calc_check_digit(number) == number[17]
    assert found("id_number", f"号码 {number} 结束") == [], why


def test_an_id_number_inside_a_longer_run_of_digits_is_not_reported_s_e3() -> None:
    assert found("id_number", f"9{VALID_ID}") == []
    assert found("id_number", f"{VALID_ID}7") == []


def test_prc_mobile_numbers_are_found_with_or_without_country_code_and_separators_s_e3() -> None:
    text = "电话 13812345678，或 +86 139-1234-5678，座机 12812345678，订单 213812345678"
    assert [h.matched for h in found("mobile_number", text)] == ["13812345678", "+86 139-1234-5678"]


def test_bank_card_numbers_must_pass_luhn_and_may_be_grouped_s_e3() -> None:
    text = "卡号 6222 0210 0012 3456 781，另一张 4532015112830366，错误 4532015112830367"
    assert [h.matched for h in found("bank_card", text)] == ["6222 0210 0012 3456 781", "4532015112830366"]
    assert luhn_valid("4532015112830366") and not luhn_valid("4532015112830367")


def test_a_valid_id_number_that_happens_to_pass_luhn_is_not_also_reported_as_a_bank_card_s_e3() -> None:
    both = "110105199003071108"
    assert luhn_valid(both) and id_card_valid(both)
    assert [d.category for d in detect(f"ID {both}")] == ["id_card_number"]
    assert found("bank_card", f"ID {both}") == []


def test_too_short_or_too_long_digit_runs_are_not_bank_cards_s_e3() -> None:
    assert found("bank_card", "453201511283036") == []  # 15 digits (a Visa number has 16 or 19)
    assert found("bank_card", "45320151128303661234") == []  # 20 digits


def test_email_addresses_are_found_but_not_bare_at_signs_s_e3() -> None:
    text = "发到 li.ming+hr@huaguang.com.cn 或者 @张三 看看，别用 a@b"
    assert [h.matched for h in found("email", text)] == ["li.ming+hr@huaguang.com.cn"]


def test_confidentiality_markings_are_found_in_chinese_and_english_any_case_s_e3() -> None:
    text = "【绝密】季度预算；Strictly Confidential draft; 内部资料请勿外传"
    hits = found("confidential_marking", text)
    assert [h.term for h in hits] == ["绝密", "strictly confidential", "内部资料", "请勿外传"]
    assert all(text[h.start : h.end] == h.matched for h in hits)


def test_plain_business_text_triggers_no_detector_s_e3() -> None:
    assert detect("明天下午三点开会，报价单第 3 版，共 12 页，金额 4500000 元。") == []
    for name in ("id_number", "mobile_number", "bank_card", "email", "confidential_marking"):
        assert found(name, "明天下午三点开会，报价单第 3 版，共 12 页，金额 4500000 元。") == [], name
