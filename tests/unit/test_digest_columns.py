"""The audit digest of a batch's decided events, worked out column by column (issue 16, sixth round), is the very
digest the row-by-row reference gives: an `events.decided` entry written now verifies as before, and one written
before verifies now."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from warden.adapters import store
from warden.adapters import tables as t
from warden.kernel.audit import columns_digest, decisions_digest

_TEXT = st.one_of(st.none(), st.text(max_size=12))
_IDS = st.text(alphabet="abc-_.0123", min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(_IDS, st.lists(_TEXT, min_size=3, max_size=3)), max_size=30))
def test_columns_digest_is_the_row_by_row_digest_of_the_same_rows(rows: list[tuple[str, list[str | None]]]) -> None:
    """Any texts (empty, None, control characters, repeated ids in any order): the same digest."""
    ids = [r[0] for r in rows]
    columns = [[r[1][k] for r in rows] for k in range(3)]
    assert columns_digest(ids, columns) == decisions_digest((i, tuple(c)) for i, c in rows)


def test_no_rows_digest_the_empty_text() -> None:
    assert columns_digest([], [[], []]) == decisions_digest(()) == hashlib.sha256(b"").hexdigest()


def test_a_column_of_another_length_is_refused() -> None:
    try:
        columns_digest(["a", "b"], [["x"]])
    except ValueError:
        return
    raise AssertionError("a short column was taken")


_OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))])


@st.composite
def _event_values(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    n = draw(st.integers(0, 12))
    out = []
    for i in range(n):
        at = datetime(2026, 11, 30, tzinfo=UTC) + timedelta(microseconds=draw(st.integers(0, 10**11)))
        if draw(st.booleans()):
            at = at.replace(microsecond=0)
        at = at.astimezone(draw(_OFFSETS))
        account = None if draw(st.integers(0, 4)) == 0 else f"acc-{draw(st.integers(0, 3))}"
        out.append(
            (
                f"ev-{draw(st.integers(0, 50))}-{i}",
                draw(st.sampled_from(["login", "message", "verification_change"])),
                account,
                f"ent-{draw(st.integers(0, 2))}",
                at,
                at,
                draw(st.sampled_from(['{"x":1}', "{}", '{"text":"您好\\u001e"}'])),
                draw(st.sampled_from(['{"allowed":null,"reasons":[]}', '{"allowed":false,"reasons":[1]}'])),
                draw(st.sampled_from(["[]", '[["ps:acc-1",1.5,"v"]]'])),
                draw(st.sampled_from(["h1", "h2"])),
                3,
                1,
            )
        )
    return out


@settings(max_examples=200, deadline=None)
@given(values=_event_values())
def test_the_columnar_event_digest_is_the_digest_of_the_same_rows_as_dicts(values: list[tuple[Any, ...]]) -> None:
    """`store.event_values_digest` (ingest's, columnar) equals `store.event_digest` (the rows as dicts, row by row)
    whatever the times' offsets and microseconds, missing accounts and the rows' order."""
    names = [c.name for c in t.events.columns]
    rows = [dict(zip(names, v, strict=True)) for v in values]
    assert store.event_values_digest(values) == store.event_digest(rows)
    assert store.event_values_digest(values[::-1]) == store.event_digest(rows)


@settings(max_examples=200, deadline=None)
@given(
    times=st.lists(
        st.tuples(st.integers(0, 10**12), st.booleans(), _OFFSETS).map(
            lambda x: (
                (datetime(2000, 1, 1, tzinfo=UTC) + timedelta(microseconds=x[0] * (0 if x[1] else 1) + x[0]))
                .replace(microsecond=0 if x[1] else 1)
                .astimezone(x[2])
            )
        ),
        max_size=20,
    )
)
def test_a_column_of_times_goes_to_sqlite_as_the_same_text_one_by_one(times: list[datetime]) -> None:
    """`store.insert_event_values` converts a column of times in C-level passes: the very texts of
    `store.sqlite_utc_text` one value at a time (which are SQLAlchemy's own)."""
    assert list(store._converted(store.sqlite_utc_text, times)) == [store.sqlite_utc_text(v) for v in times]
    mixed: list[datetime | None] = [*times, None]
    assert list(store._converted(store.sqlite_utc_text, mixed)) == [store.sqlite_utc_text(v) for v in mixed]
