"""The ingest hot path of issue 16: what its shortcuts must not change.

- The chain heads ingest reads in one statement (`store.audit_heads`) are each chain's newest and first entry,
  whatever the chains hold (none, one entry, many), and the heads signed at commit name the right anchor file.
- Events the edge already parsed (models) are decided exactly as the same events given as JSON-like dicts.
- Event times keep their offset and their text; only the zone object becomes the standard library's.
- A time goes to SQLite as the very text SQLAlchemy would send (`store.sqlite_utc_text`).
- SQLite writers let the write-ahead log grow to `WAL_AUTOCHECKPOINT` pages before checkpointing inline.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from tests.conftest import World
from warden.adapters import store
from warden.adapters import tables as t
from warden.adapters.database import WAL_AUTOCHECKPOINT, WAL_SIZE_LIMIT, make_engine
from warden.app import App
from warden.kernel.audit import GENESIS
from warden.kernel.events import BatchAdapter, EventAdapter
from warden.kernel.inputs import standard_zone
from warden.kernel.partition import PLATFORM_CHAIN, chain_of


def _entries(engine: Engine, chain: int) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(t.audit_log.select().where(t.audit_log.c.chain == chain).order_by(t.audit_log.c.seq)).all()
    return [(r.seq, r.hash) for r in rows]


def test_audit_heads_are_each_chains_newest_and_first_entry_and_nothing_for_an_empty_chain(
    warden: App, world: World
) -> None:
    for _ in range(3):  # a few batches: the partition chain holds several entries
        world.send(world.phone_search())
    home = chain_of(warden.pipeline.partition_of("ent-1"))
    empty = max(home, PLATFORM_CHAIN) + 100  # no partition has this chain
    with warden.engine.begin() as conn:
        heads = store.audit_heads(conn, [PLATFORM_CHAIN, home, empty, home])
        firsts = dict(conn.info.get(store.FIRSTS, {}))
    assert list(heads) == [PLATFORM_CHAIN, home, empty]
    for chain in (PLATFORM_CHAIN, home):
        entries = _entries(warden.engine, chain)
        assert len(entries) >= 2
        assert heads[chain] == store.ChainHead(entries[-1][0], entries[-1][1], entries[0][1])
        assert firsts[chain] == entries[0][1]
    assert heads[empty] == store.ChainHead(0, GENESIS, None)
    assert empty not in firsts


def test_a_batch_appends_after_the_head_it_read_and_the_chain_links_up(warden: App, world: World) -> None:
    home = chain_of(warden.pipeline.partition_of("ent-1"))
    world.send(world.phone_search())
    before = _entries(warden.engine, home)
    result = world.send(world.phone_search(), world.phone_search())
    after = _entries(warden.engine, home)
    assert after[: len(before)] == before
    assert result.audit_seq == before[-1][0] + 1
    assert warden.enforcement.audit_verify().ok


def test_events_parsed_at_the_edge_are_decided_as_the_same_events_given_as_dicts(
    warden: App, world: World, clock
) -> None:  # type: ignore[no-untyped-def]
    raw = [world.phone_search(at=clock.now() + timedelta(seconds=i)) for i in range(25)]
    as_models = [EventAdapter.validate_python(e) for e in raw[:12]]
    first = warden.pipeline.ingest(as_models)
    second = warden.pipeline.ingest(raw[12:])
    decided = first.outcomes + second.outcomes
    assert [o.allowed for o in decided].count(False) > 0  # the limits were reached: the comparison means something
    again = warden.pipeline.ingest(raw)  # the same ids once more: answered from the store, as first decided
    assert [(o.event_id, o.allowed, [r.code for r in o.reasons]) for o in again.outcomes] == [
        (o.event_id, o.allowed, [r.code for r in o.reasons]) for o in decided
    ]
    assert all(o.duplicate for o in again.outcomes)


def test_event_times_keep_their_offset_and_text_with_the_standard_librarys_zone() -> None:
    texts = [
        "2026-11-25T08:00:00Z",
        "2026-11-25T08:00:00+00:00",
        "2026-11-25T16:00:00+08:00",
        "2026-11-25T02:30:00.5-05:30",
    ]
    events = BatchAdapter.validate_python(
        [
            {"id": f"e{i}", "type": "feature_use", "account_id": "a", "feature": "calendar", "occurred_at": x}
            for i, x in enumerate(texts)
        ]
    )
    at = [e.occurred_at for e in events]
    assert at[0].tzinfo is UTC and at[1].tzinfo is UTC
    assert at[2].tzinfo == timezone(timedelta(hours=8)) and at[3].utcoffset() == timedelta(hours=-5, minutes=-30)
    assert at[0] == at[1] == at[2] == datetime(2026, 11, 25, 8, tzinfo=UTC)
    assert [e.model_dump_json() for e in events] == [
        '{"id":"e0","occurred_at":"2026-11-25T08:00:00Z","type":"feature_use","account_id":"a","feature":"calendar"}',
        '{"id":"e1","occurred_at":"2026-11-25T08:00:00Z","type":"feature_use","account_id":"a","feature":"calendar"}',
        '{"id":"e2","occurred_at":"2026-11-25T16:00:00+08:00","type":"feature_use","account_id":"a","feature":"calendar"}',
        '{"id":"e3","occurred_at":"2026-11-25T02:30:00.500000-05:30","type":"feature_use","account_id":"a",'
        '"feature":"calendar"}',
    ]
    assert at[2].isoformat() == "2026-11-25T16:00:00+08:00"
    naive = datetime(2026, 1, 1)
    assert standard_zone(naive) is naive


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(
    st.datetimes(min_value=datetime(1901, 1, 2), max_value=datetime(8998, 12, 30)),
    st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)),
)
def test_a_time_goes_to_sqlite_as_the_text_sqlalchemy_would_send(naive: datetime, offset: timedelta) -> None:
    engine = sa.create_engine("sqlite://")
    sqlalchemy_sends = t.events.c.occurred_at.type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
    value = naive.replace(tzinfo=timezone(offset))
    assert store.sqlite_utc_text(value) == sqlalchemy_sends(value)
    assert store.sqlite_utc_text(None) is None


def test_sqlite_writers_checkpoint_the_log_inline_at_its_size_and_background_ones_never(tmp_path: Path) -> None:
    """Issue 16: a writer that checkpoints itself lets the write-ahead log hold `WAL_AUTOCHECKPOINT` pages (a page
    several batches rewrite is copied once), and the file is cut back to `WAL_SIZE_LIMIT` after a checkpoint; one
    whose checkpoints run in a background thread never checkpoints inline."""
    for background, pages in ((False, WAL_AUTOCHECKPOINT), (True, 0)):
        engine = make_engine(f"sqlite:///{tmp_path / f'w{background}.db'}", background_checkpoint=background)
        try:
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == pages
                assert conn.exec_driver_sql("PRAGMA journal_size_limit").scalar_one() == WAL_SIZE_LIMIT
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        finally:
            engine.dispose()
    assert WAL_AUTOCHECKPOINT > 1000  # more than SQLite's default, which checkpointed after every large batch


def test_the_digest_of_event_tuples_is_the_digest_of_the_same_rows_as_dicts() -> None:
    """Ingest hands the stored events to the digest as tuples in the table's column order
    (`store.event_values_digest`): the digest is `store.event_digest`'s of the same rows, whatever their times'
    offsets and missing accounts."""
    names = [c.name for c in t.events.columns]
    at = datetime(2026, 11, 30, 8, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    values = [
        ("b-2", "login", "acc-1", "ent-1", at, at, '{"x":1}', "{}", "[]", "h", 3, 1),
        ("a-1", "verification_change", None, "ent-2", at.replace(microsecond=0), at, "{}", "{}", "[]", "h", 3, 1),
        (
            "c-3",
            "message",
            "acc-2",
            "ent-1",
            at.astimezone(UTC),
            at,
            "{}",
            '{"allowed":null}',
            '[["k",1.5,"v"]]',
            "g",
            3,
            1,
        ),
    ]
    rows = [dict(zip(names, v, strict=True)) for v in values]
    assert store.event_values_digest(values) == store.event_digest(rows)
    assert store.event_values_digest(values[:1]) != store.event_values_digest(values[1:2])
