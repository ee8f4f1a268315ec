"""Detectors for contact details (S-A6 diversion) and personal data (S-E3 privacy leakage)."""

from __future__ import annotations

import pytest

from warden.screening import ScreeningEngine
from warden.screening.detectors import detect, id_card_valid, luhn_valid


def categories(engine: ScreeningEngine, text: str) -> list[tuple[str, str]]:
    return [(h.category, h.matched) for h in engine.screen(text) if h.channel == "detector"]


@pytest.mark.parametrize(
    ("text", "category", "matched"),
    [
        ("电话13800138000", "phone_number", "13800138000"),
        ("手机 138-0013-8000 联系", "phone_number", "138-0013-8000"),
        ("+86 139 1234 5678", "phone_number", "+86 139 1234 5678"),
        ("壹叁捌零零壹叁捌零零零", "phone_number", "壹叁捌零零壹叁捌零零零"),
        ("①③⑧⓪⓪①③⑧⓪⓪⓪", "phone_number", "①③⑧⓪⓪①③⑧⓪⓪⓪"),
        ("１３８００１３８０００", "phone_number", "１３８００１３８０００"),
        ("座机010-62345678", "phone_number", "010-62345678"),
        ("简历发 zhang.san@example.com 谢谢", "email", "zhang.san@example.com"),
        ("邮箱ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "email", "ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ"),
        ("点击 https://t.cn/abc123 领取", "url", "https://t.cn/abc123"),
        ("打开www.fanli-vip.top了解", "url", "www.fanli-vip.top"),
        ("官网 haoyun888.xyz/reg 注册", "url", "haoyun888.xyz/reg"),
        ("网址 abc。com", "url", "abc。com"),
        ("官网 lucky.cc 注册", "url", "lucky.cc"),
        ("下载 fanli.app", "url", "fanli.app"),
        ("see Lucky.IO now", "url", "Lucky.IO"),
        ("号码 13333333333", "phone_number", "13333333333"),
        ("加qq 2345678901", "qq_id", "2345678901"),
        ("扣扣：88886666", "qq_id", "88886666"),
        ("微信号：lucky_vip2024", "wechat_id", "lucky_vip2024"),
        ("vx: lucky_888", "wechat_id", "lucky_888"),
        ("wxid_ab12cd34ef", "wechat_id", "wxid_ab12cd34ef"),
        ("身份证 11010519491231002X", "id_card_number", "11010519491231002X"),
        ("卡号6222021234567890128", "bank_card_number", "6222021234567890128"),
    ],
)
def test_s_a6_s_e3_detectors_find_contact_details_and_personal_data(
    engine: ScreeningEngine, text: str, category: str, matched: str
) -> None:
    assert (category, matched) in categories(engine, text)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("订单号 202311250018", "12 digits are not a phone number"),
        ("电话1380013800", "10 digits starting 1 is too short"),
        ("电话12800138000", "12x is not a mobile prefix"),
        ("1380013800012", "a phone-like run inside longer digits"),
        ("a@b", "no domain"),
        ("版本 v1.2.3", "a version is not a domain"),
        ("report.docx", "a file name is not a domain"),
        ("价格 199.00 元", "a price is not a domain"),
        ("qq 1234", "QQ numbers have at least 5 digits"),
        ("微信号：ab", "WeChat ids have 6 to 20 characters"),
        ("身份证 110105194912310021", "wrong ID-card check digit"),
        ("卡号6222021234567890127", "fails the Luhn check"),
    ],
)
def test_detectors_reject_near_misses(engine: ScreeningEngine, text: str, why: str) -> None:
    assert categories(engine, text) == [], why


def test_an_email_is_not_also_reported_as_a_url(engine: ScreeningEngine) -> None:
    assert categories(engine, "mail a.b@example.com") == [("email", "a.b@example.com")]


def test_detections_in_a_batch_map_back_to_their_own_message(engine: ScreeningEngine) -> None:
    texts = ["你好", "电话13800138000", "无", "mail x@y.cn"]
    results = engine.screen_many(texts)
    assert [[(h.category, h.start) for h in r] for r in results] == [
        [],
        [("phone_number", 2)],
        [],
        [("email", 5)],
    ]


def test_detect_works_on_its_own_and_normalises_values() -> None:
    (d,) = detect("tel 138 0013 8000")
    assert (d.category, d.value, d.start, d.end) == ("phone_number", "13800138000", 4, 17)


def test_check_digit_helpers() -> None:
    assert id_card_valid("11010519491231002x")
    assert not id_card_valid("110105194912310021")
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
