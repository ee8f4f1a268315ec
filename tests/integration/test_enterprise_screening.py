"""Issue 13, items 4 and 5, through ingest on SQLite and PostgreSQL: an enterprise's keyword rules and leak
detectors run on the same folded text as the platform's lists, through the same engine, with the one detector
module the platform's screen uses."""

from __future__ import annotations

import pytest

from tests.conftest import World
from warden.kernel.access import Principal, Role
from warden.usage_policy.policy import UsagePolicyDoc

ADMIN = Principal("t-admin", Role.ENTERPRISE_ADMIN, "ent-1")
POLICY = UsagePolicyDoc.model_validate(
    {
        "rules": [
            {"id": "project", "title": "项目代号", "category": "secrets", "words": ["ProjectX", "报价底线"]},
            {"id": "marks", "title": "密级", "category": "secrets", "detectors": ["confidential_marking"]},
            {
                "id": "personal",
                "title": "个人信息",
                "category": "privacy",
                "detectors": ["mobile_number", "id_number", "bank_card"],
                "severity": "high",
                "action": "block_and_warn",
                "external_only": True,
            },
        ]
    }
)


@pytest.fixture
def world(world: World) -> World:
    world.w.usage_policies.put_policy(ADMIN, "ent-1", POLICY, 0)
    return world


def rules_hit(world: World, text: str, **kw: object) -> dict[str, list[tuple[str, str]]]:
    """rule id -> (term, matched) of each hit of the enterprise policy on one message."""
    out = world.send(world.event("message", text=text, **kw)).outcomes[0]
    reason = next((r for r in out.reasons if r.rule == "usage_policy"), None)
    if reason is None:
        return {}
    return {r["rule"]: [(h["term"], h["matched"]) for h in r["hits"]] for r in reason.params["rules"]}


@pytest.mark.parametrize(
    ("text", "rule", "term", "matched"),
    [
        ("projectx的排期下周定", "project", "ProjectX", "projectx"),
        ("ＰＲＯＪＥＣＴ Ｘ 进度", "project", "ProjectX", "ＰＲＯＪＥＣＴ Ｘ"),
        ("他们的報價底線是多少", "project", "报价底线", "報價底線"),
        ("报 价 底 线 别外传", "project", "报价底线", "报 价 底 线"),
        ("报\u200b价\u3164底线", "project", "报价底线", "报\u200b价\u3164底线"),
        ("這份是機密文件", "marks", "机密", "機密"),
        ("ＣＯＮＦＩＤＥＮＴＩＡＬ", "marks", "confidential", "ＣＯＮＦＩＤＥＮＴＩＡＬ"),
        ("机 密，勿转", "marks", "机密", "机 密"),
    ],
)
def test_S_E1_enterprise_keyword_rules_and_markings_hit_on_the_folded_text(
    world: World, text: str, rule: str, term: str, matched: str
) -> None:
    assert (term, matched) in rules_hit(world, text)[rule]


def test_S_E1_an_enterprise_word_does_not_hit_inside_a_longer_latin_word_and_the_platform_list_is_not_its(
    world: World,
) -> None:
    assert rules_hit(world, "ProjectXL 的方案") == {}
    assert rules_hit(world, "加我领红包") == {}  # the platform's words are the platform's rule (S-A6), not this one


def test_S_E1_two_rules_each_see_their_own_words_when_one_word_holds_the_other(world: World) -> None:
    doc = UsagePolicyDoc.model_validate(
        {
            "rules": [
                {"id": "short", "title": "s", "words": ["报价"]},
                {"id": "long", "title": "l", "words": ["报价底线"]},
                {"id": "same", "title": "x", "words": ["报价"]},
            ]
        }
    )
    world.w.usage_policies.put_policy(ADMIN, "ent-1", doc, 1)
    assert rules_hit(world, "報價底線") == {
        "short": [("报价", "報價")],
        "long": [("报价底线", "報價底線")],
        "same": [("报价", "報價")],
    }


@pytest.mark.parametrize(
    ("text", "detector", "matched"),
    [
        ("我的手机１３８００１３８０００", "mobile_number", "１３８００１３８０００"),
        ("微信：13800138000", "mobile_number", "13800138000"),
        ("卡号 2223000048400011", "bank_card", "2223000048400011"),  # Mastercard 2-series
        ("卡号 8171999927660000", "bank_card", "8171999927660000"),  # UnionPay's 81 range
        ("卡号 3782 822463 10005", "bank_card", "3782 822463 10005"),  # 15 digits (American Express)
        ("身份证 110105 19491231 002X", "id_number", "110105 19491231 002X"),
        ("身份证 １１０１０５１９４９１２３１００２Ｘ", "id_number", "１１０１０５１９４９１２３１００２Ｘ"),
    ],
)
def test_S_E3_leak_detectors_find_personal_data_in_every_form_and_block_it_outside(
    world: World, text: str, detector: str, matched: str
) -> None:
    out = world.send(world.event("message", text=text, to_external=True, recipient_id="wx-1")).outcomes[0]
    assert out.allowed is False
    [reason] = [r for r in out.reasons if r.rule == "usage_policy"]
    [personal] = [r for r in reason.params["rules"] if r["rule"] == "personal"]
    assert [(h["category"], h["matched"]) for h in personal["hits"]] == [(detector, matched)]


def test_S_E3_an_id_number_is_not_also_a_mobile_number_and_plain_numbers_are_nothing(world: World) -> None:
    hits = rules_hit(world, "身份证 110105 19491231 002X", to_external=True)
    assert hits == {"personal": [("id_number", "110105 19491231 002X")]}
    assert rules_hit(world, "订单号 202311250018，工号 1949123100，金额 4500000 元", to_external=True) == {}
