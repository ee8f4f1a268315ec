"""Ingest: idempotency, atomic batches, clear errors, counters across restarts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import World, build, counted
from warden.adapters import tables as t
from warden.kernel.errors import InvalidInput


def count(world: World, table: sa.Table) -> int:
    with world.w.engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_same_event_twice_is_stored_and_counted_once(world: World) -> None:
    ev = world.phone_search()
    first = world.send(ev).outcomes[0]
    again = world.send(ev, ev)
    assert again.stored == 0 and again.duplicates == 2
    assert all(o.duplicate and o.allowed == first.allowed for o in again.outcomes)
    assert count(world, t.events) == 1
    assert counted(world.w, "ps:acc-1") == 1


def test_duplicate_ids_within_one_batch_count_once(world: World) -> None:
    ev = world.phone_search()
    res = world.send(ev, ev)
    assert res.stored == 1 and res.duplicates == 1
    assert counted(world.w, "ps:acc-1") == 1


def test_a_batch_with_one_bad_event_stores_nothing_and_names_the_field(world: World) -> None:
    good = world.phone_search()
    bad = world.phone_search()
    bad["greeting"] = 42
    with pytest.raises(InvalidInput) as exc:
        world.send(good, bad)
    assert [e.field for e in exc.value.errors] == ["events[1].greeting"]
    assert count(world, t.events) == 0


def test_unknown_event_type_is_named(world: World) -> None:
    with pytest.raises(InvalidInput) as exc:
        world.send({"id": "x", "type": "teleport", "occurred_at": world.clock.now().isoformat()})
    assert exc.value.errors[0].field == "events[0].type"
    assert "teleport" in exc.value.errors[0].message


def test_unknown_account_is_an_error_and_nothing_is_stored(world: World) -> None:
    with pytest.raises(InvalidInput) as exc:
        world.send(world.phone_search(), world.phone_search("nobody"))
    assert exc.value.errors[0].field == "events[1].account_id"
    assert count(world, t.events) == 0
    assert counted(world.w, "ps:acc-1") == 0  # the journal took the count back


def test_oversize_batch_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="at most 1000"):
        world.w.pipeline.ingest([world.phone_search() for _ in range(1001)])


def test_event_from_the_future_is_refused(world: World) -> None:
    from datetime import timedelta

    with pytest.raises(InvalidInput) as exc:
        world.send(world.phone_search(at=world.clock.now() + timedelta(hours=1)))
    assert exc.value.errors[0].field == "events[0].occurred_at"


def test_counters_are_reloaded_from_stored_events_after_a_restart(world: World, db_url: str) -> None:
    world.send(*[world.phone_search() for _ in range(20)])
    restarted = build(db_url, world.clock, world.w.loaded)
    assert counted(restarted, "ps:acc-1") == 0  # nothing is rebuilt up front: the next decision loads what it sees
    world.w = restarted
    out = world.send(world.phone_search()).outcomes[0]
    assert out.allowed is False  # the 21st in the hour, even after the restart
    restarted.engine.dispose()


def test_every_decision_records_the_policy_hash(world: World) -> None:
    world.send(world.phone_search())
    with world.w.engine.connect() as c:
        assert c.execute(sa.select(t.events.c.policy_hash)).scalar_one() == world.w.loaded.hash


def test_each_event_of_a_mixed_batch_is_stored_under_its_own_account(world: World) -> None:
    world.account("acc-2")
    world.send(world.phone_search("acc-1"), world.phone_search("acc-2"), world.phone_search("acc-1"))
    with world.w.engine.connect() as c:
        stored = [tuple(r) for r in c.execute(sa.select(t.events.c.id, t.events.c.account_id).order_by(t.events.c.id))]
    assert [a for _, a in stored] == ["acc-1", "acc-2", "acc-1"]
