"""The stored event rows do not depend on the batching or the arrival order (issue 16, sixth round: ingest builds
them, their chains' groups and their audit digests as columns over the batch): the same bench stream sent as one
batch, in shuffled random batches, one event per call, and with events sent again stores the very same rows
(every column but the time of arrival and the audit entry's number), and the audit chains, their digests over
those rows included, verify."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from warden.adapters import tables as t
from warden.adapters.audit_state import verify
from warden.adapters.policy_file import load_policy
from warden.bench.ingest import app_for, directory, make_events
from warden.kernel.clock import FixedClock
from warden.settings import Settings

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
KEPT = [c.name for c in t.events.columns if c.name not in ("received_at", "audit_seq")]


def _stored(tmp: Path, name: str, batches: list[list[dict[str, Any]]]) -> list[tuple[Any, ...]]:
    w = app_for(
        f"sqlite:///{tmp / name}.db",
        load_policy(Settings().policy),
        True,
        f"rows-{name}",
        str(tmp / "key.pem"),
        FixedClock(NOW),
    )
    try:
        directory(w, NOW, enterprises=4, accounts=40)
        for b in batches:
            w.pipeline.ingest(b, actor="test")
        with w.engine.connect() as conn:
            report = verify(conn, w.enforcement.verifier)
            assert report.ok, report
            q = sa.select(*(t.events.c[n] for n in KEPT)).order_by(t.events.c.id)
            return [tuple(r) for r in conn.execute(q)]
    finally:
        w.close()


def test_the_stored_rows_are_the_same_whatever_the_batching_order_and_resends(tmp_path: Path) -> None:
    events = [
        e | {"account_id": f"acc-{int(e['account_id'].split('-')[1]) % 40}"}
        for e in make_events(240, NOW - timedelta(hours=2), 3600, "ev", 5)
    ]
    rng = random.Random(16)
    cuts = sorted(rng.sample(range(1, len(events)), 7))
    batches = [events[a:b] for a, b in zip([0, *cuts], [*cuts, len(events)], strict=True)]
    shuffled = [rng.sample(b, len(b)) for b in batches]
    resent = [b + rng.sample(events[: cuts[i]], 3) for i, b in enumerate(shuffled[1:])]
    want = _stored(tmp_path, "one", [events])
    assert len(want) == len(events)
    assert _stored(tmp_path, "shuffled", shuffled) == want
    assert _stored(tmp_path, "resent", [shuffled[0], *resent]) == want
    first = {e["id"] for e in events[:80]}  # one event per call (the first 80: each call is a transaction)
    assert _stored(tmp_path, "single", [[e] for e in events[:80]]) == [r for r in want if r[0] in first]
