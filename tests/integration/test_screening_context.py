"""S-A6 judges a text by its situation, as the policy says (`sensitive_words.contexts`, issue 13), through the
service on SQLite and PostgreSQL: greeting or message, internal or external, whether the recipient is an
external contact, since when, and who added whom, all in event time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.conftest import World, build, policy_with
from warden.app import App
from warden.kernel.clock import FixedClock

PHONE = "我的手机号13800138000，微信同号"
WECHAT = "有事加我 vx: lucky_888"


def codes(outcome) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.code for r in outcome.reasons]


def added(world: World, contact: str, by: str = "self", ago: timedelta = timedelta(minutes=5)) -> dict:
    return world.event("contact_added", contact_id=contact, initiated_by=by, at=world.clock.now() - ago)


def message(world: World, text: str, recipient: str | None = "cust-1", external: bool = True) -> dict:
    return world.event("message", text=text, to_external=external, recipient_id=recipient)


def test_S_A6_a_phone_number_to_a_customer_who_accepted_passes(world: World) -> None:
    world.send(added(world, "cust-1"))
    out = world.send(message(world, PHONE)).outcomes[0]
    assert out.allowed is not False and codes(out) == ["message.sensitive_context"]
    [info] = out.reasons
    assert info.level == "info" and info.params["context"] == "accepted_contact"
    assert [h["category"] for h in info.params["hits"]] == ["phone_number"]


def test_S_A6_the_same_phone_number_in_a_greeting_or_to_a_stranger_still_warns(world: World) -> None:
    greeting = world.event("contact_request", method="qr_code", target="x", greeting=PHONE)
    assert codes(world.send(greeting).outcomes[0]) == ["greeting.sensitive_weak"]
    assert codes(world.send(message(world, PHONE, recipient="stranger")).outcomes[0]) == ["message.sensitive_weak"]
    assert codes(world.send(message(world, PHONE, recipient=None)).outcomes[0]) == ["message.sensitive_weak"]


def test_S_A6_moving_a_new_contact_to_wechat_warns_in_the_first_day_and_passes_after(world: World) -> None:
    world.send(added(world, "cust-1"))
    out = world.send(message(world, WECHAT)).outcomes[0]
    assert out.allowed is not False and codes(out) == ["message.sensitive"]
    assert out.reasons[0].params["context"] == "accepted_contact"
    world.clock.advance(hours=24)
    later = world.send(message(world, WECHAT)).outcomes[0]
    assert codes(later) == ["message.sensitive_context"] and later.reasons[0].params["context"] == "accepted_a_day_ago"


def test_S_A6_a_customer_who_added_the_account_may_get_its_wechat_at_once(world: World) -> None:
    world.send(added(world, "cust-1", by="contact", ago=timedelta(seconds=30)))
    out = world.send(message(world, WECHAT)).outcomes[0]
    assert codes(out) == ["message.sensitive_context"]
    assert out.reasons[0].params["context"] == "customer_came_to_us"


def test_S_A6_spam_words_to_an_established_contact_still_warn_and_count(world: World) -> None:
    world.send(added(world, "cust-1", by="contact", ago=timedelta(days=30)))
    outs = world.send(*[message(world, "加我领红包") for _ in range(3)]).outcomes
    assert [codes(o) for o in outs] == [["message.sensitive"]] * 3
    assert [s.rule_id for s in world.w.enforcement.subject("acc-1").strikes] == ["sensitive_words"]


def test_S_A6_colleagues_red_packets_pass(world: World) -> None:
    # a red packet named with no lure is no hit at all (ordinary.txt) ...
    out = world.send(message(world, "年会抽奖环节有现金红包，大家别走开", recipient="acc-2", external=False)).outcomes[
        0
    ]
    assert out.allowed is not False and codes(out) == []
    # ... and one a colleague offers with a lure is a hit the `colleague` context passes
    out = world.send(message(world, "老板发红包了，快进群抢", recipient="acc-2", external=False)).outcomes[0]
    assert out.allowed is not False and codes(out) == ["message.sensitive_context"]
    assert out.reasons[0].params["context"] == "colleague"
    world.send(*[message(world, "部门群发红包了，进群抢", recipient=None, external=False) for _ in range(3)])
    assert world.w.enforcement.subject("acc-1").strikes == []


def test_S_A6_a_removed_contact_is_no_contact_and_a_re_add_counts_from_the_re_add(world: World) -> None:
    world.send(added(world, "cust-1", ago=timedelta(days=3)))
    world.send(world.event("contact_removed", contact_id="cust-1", at=world.clock.now() - timedelta(days=2)))
    assert codes(world.send(message(world, PHONE)).outcomes[0]) == ["message.sensitive_weak"]
    world.send(added(world, "cust-1", ago=timedelta(hours=1)))
    out = world.send(message(world, WECHAT)).outcomes[0]
    assert out.reasons[0].params["context"] == "accepted_contact"  # one hour old, not three days


def test_S_A6_a_contact_added_after_the_message_in_event_time_does_not_count(world: World) -> None:
    world.send(added(world, "cust-1", ago=timedelta(minutes=-5)))  # five minutes after the message below
    assert codes(world.send(message(world, PHONE)).outcomes[0]) == ["message.sensitive_weak"]


def test_S_A6_the_contact_and_the_message_in_one_batch_are_decided_in_event_time(world: World) -> None:
    out = world.send(message(world, PHONE), added(world, "cust-1")).outcomes[0]
    assert codes(out) == ["message.sensitive_context"]


def test_S_A6_the_context_is_explained_in_both_languages(world: World) -> None:
    world.send(added(world, "cust-1"))
    [info] = world.send(message(world, PHONE)).outcomes[0].reasons
    texts = world.w.texts
    assert "accepted_contact" in texts.reason_text(info.code, info.params, "zh")
    assert "left alone" in texts.reason_text(info.code, info.params, "en")


@pytest.fixture
def strict(db_url: str, clock: FixedClock) -> Iterator[App]:
    """A policy whose context refuses contact details in messages to contacts younger than an hour."""
    entry = """      - name: brand_new_contact
        when: {kind: [message], audience: [external], contact: established, contact_age_below: 1h}
        verdict: deny
"""
    w = build(db_url, clock, policy_with({"      - name: colleague\n": entry + "      - name: colleague\n"}))
    yield w
    w.engine.dispose()


def test_S_A6_the_verdict_in_a_context_is_a_policy_setting(strict: App, clock: FixedClock) -> None:
    world = World(strict, clock)
    world.enterprise()
    world.account()
    world.send(added(world, "cust-1"))
    out = world.send(message(world, WECHAT)).outcomes[0]
    assert out.allowed is False and codes(out) == ["message.sensitive"]
    assert out.reasons[0].level == "deny" and out.reasons[0].params["context"] == "brand_new_contact"
    clock.advance(hours=1)
    assert world.send(message(world, WECHAT)).outcomes[0].allowed is not False
