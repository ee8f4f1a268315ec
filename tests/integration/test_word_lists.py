"""S-A6 word lists: changed without a restart, in every process, per enterprise, audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import World, build
from warden.adapters import tables as t
from warden.kernel.access import Principal, Role
from warden.kernel.errors import Conflict, InvalidInput

REVIEWER = Principal("t", Role.REVIEWER)


def greet(world: World, text: str, account: str = "acc-1"):  # type: ignore[no-untyped-def]
    return world.send(world.event("contact_request", account, method="qr_code", target="x", greeting=text)).outcomes[0]


def test_S_A6_the_engine_catches_disguised_red_packets_in_greetings(world: World) -> None:
    for disguised in ("加我领紅包", "送hong包", "點擊領取🧧", "返 利 活动"):
        out = greet(world, disguised)
        assert out.allowed is False, disguised
        world.clock.advance(days=1)  # keep below the repeat threshold


def test_a_new_platform_term_takes_effect_without_a_restart_and_is_audited(world: World) -> None:
    assert greet(world, "拼团秒杀价").allowed is True
    world.w.word_lists.put(REVIEWER, "platform", [["秒杀价", "marketing", "high"]], [])
    assert greet(world, "拼团秒 杀价").allowed is False  # folded: the inserted space does not help
    with world.w.engine.connect() as c:
        row = c.execute(sa.select(t.audit_log).where(t.audit_log.c.action == "word_list.changed")).one()
    assert '"terms_added":["秒杀价"]' in row.data


def test_another_process_takes_over_a_changed_list_at_its_next_batch(world: World, db_url: str) -> None:
    other = build(db_url, world.clock)
    try:
        assert (
            other.pipeline.ingest([world.event("contact_request", method="qr_code", target="x", greeting="秒杀价")])
            .outcomes[0]
            .allowed
        )
        world.w.word_lists.put(REVIEWER, "platform", [["秒杀价", "marketing", "high"]], [])
        out = other.pipeline.ingest(
            [world.event("contact_request", method="qr_code", target="x", greeting="秒杀价")]
        ).outcomes[0]
        assert out.allowed is False
    finally:
        other.close()


def test_an_enterprise_list_applies_to_its_own_members_only(world: World) -> None:
    world.enterprise("ent-2")
    world.account("acc-2", "ent-2")
    admin = Principal("t", Role.ENTERPRISE_ADMIN, "ent-1")
    world.w.word_lists.put(admin, "ent-1", [["竞品报价单", "fraud", "high"]], [])
    assert greet(world, "发你竞品报价单").allowed is False
    assert greet(world, "发你竞品报价单", "acc-2").allowed is True


def test_an_allow_list_entry_wins_over_an_overlapping_hit(world: World) -> None:
    world.w.word_lists.put(REVIEWER, "platform", [["秒杀价", "marketing", "high"]], ["秒杀价格表"])
    assert greet(world, "附上秒杀价格表").allowed is True
    assert greet(world, "秒杀价来了").allowed is False


def test_bad_lists_are_refused_naming_each_place_and_change_nothing(world: World) -> None:
    with pytest.raises(InvalidInput) as exc:
        world.w.word_lists.put(REVIEWER, "platform", [["", "x", "high"], ["ok", "Bad Cat", "extreme"], ["two"]], [""])
    fields = [e.field for e in exc.value.errors]
    assert fields == ["terms[0].term", "terms[1].category", "terms[1].severity", "terms[2]", "allow[0]"]
    assert world.w.word_lists.get(REVIEWER, "platform").model_dump()["version"] == 0


def test_a_stale_version_is_a_conflict(world: World) -> None:
    world.w.word_lists.put(REVIEWER, "platform", [["秒杀价", "marketing", "high"]], [])
    with pytest.raises(Conflict):
        world.w.word_lists.put(REVIEWER, "platform", [], [], expected_version=0)
