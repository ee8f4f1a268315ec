"""Probe of the late-event limit (README, the engine's one rule): the determinism property tests' random streams,
each sent one event per call in event order (the reference) and again cut into random batches sent in a random
order (late events), on a fresh SQLite database with in-process counters. Prints how many decisions and stored
rows differ and of which kind, and how many stored events a re-decision would have to go over. A strike the system
voided because a late event's strike superseded it (`Effector.settle`), and its restriction (lifted as of its
start), count as gone: the rows compared are the live ones; how many were voided is printed at the end.

    PYTHONPATH=$PWD python -m tests.late_probe [STREAMS]      # default 80; ~3 min on one core

Not a test: it measures (tests/integration/test_determinism.py pins the limit as an expected failure)."""

from __future__ import annotations

import collections
import json
import sys
import tempfile
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.history_support import Runner, Stream, one_by_one
from tests.history_support import snapshot as _snapshot
from tests.integration.test_determinism import late_plan, streams
from warden.adapters import tables as t
from warden.adapters.database import make_engine, upgrade
from warden.adapters.policy_file import load_policy
from warden.pipeline.effects import LATE_EVENT

SUPERSEDED: collections.Counter[str] = collections.Counter()
VOIDED = "strikes superseded by the system, all streams"
_GONE = ("voided", "superseded")  # `superseded` since late18 (re-decided in event order); `voided` by late17b


def snapshot(w: Any, stream: Stream) -> dict[str, Any]:
    """`history_support.snapshot` without voided strikes and lifted restrictions (superseded: gone), counted in
    `SUPERSEDED`. Wrapped here, not in `probe`, whose source seeds Hypothesis (derandomize): the streams stay the
    ones the figures in README and ARCHITECTURE were measured on."""
    got = _snapshot(w, stream)
    voided = {r[0] for r in got["strikes"] if r[-1] in _GONE}  # nothing else voids a strike in the probe
    SUPERSEDED[VOIDED] += len(voided)
    if voided:
        with w.engine.connect() as c:
            q = sa.select(t.restrictions.c.id).where(t.restrictions.c.strike_id.in_(sorted(voided)))
            lifted = set(c.execute(q).scalars())
        got["strikes"] = [r for r in got["strikes"] if r[0] not in voided]
        got["restrictions"] = [r for r in got["restrictions"] if r[0] not in lifted]
    return got


def main(n: int) -> None:
    url = f"sqlite:///{tempfile.mkdtemp()}/probe.db"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    runner = Runner(url, "memory", load_policy())
    tot: collections.Counter[str] = collections.Counter()
    codes: collections.Counter[str] = collections.Counter()
    rows: collections.Counter[tuple[str, str, str]] = collections.Counter()

    @settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @given(stream=streams(), data=st.data())
    def probe(stream: Stream, data: st.DataObject) -> None:
        w = runner.fresh(stream)
        one_by_one(w, stream.events)
        want = snapshot(w, stream)
        plan = late_plan(stream, data)
        runner.fresh(stream)
        assert runner.w is not None
        newest: dict[str, tuple[datetime, str]] = {}  # per enterprise: the newest event stored so far
        sent: list[dict[str, Any]] = []
        ent_of = {a.id: a.enterprise_id for a in stream.accounts}
        for b in plan:
            late, redo = _late(b, newest, ent_of, sent)
            sent += b
            tot["batches"] += 1
            tot["late batches"] += bool(late)
            tot["late events"] += late
            tot["stored events a re-decision goes over"] += redo
            runner.w.pipeline.ingest(b)
        got = snapshot(runner.w, stream)
        with runner.w.engine.connect() as c:
            notes = c.execute(sa.select(t.flags.c.evidence).where(t.flags.c.rule_id == LATE_EVENT)).scalars()
            named = {s for ev in notes for s in json.loads(ev)["later_strikes"]}
        tot["late_event review flags"] += sum(1 for r in got["flags"] if r[2] == LATE_EVENT)
        got["flags"] = [r for r in got["flags"] if r[2] != LATE_EVENT]  # the rest compares as before them
        ref_ids = {r[0] for r in want["strikes"]}
        extra = [r[0] for r in got["strikes"] if r[0] not in ref_ids]
        tot["strikes the store holds, the history not"] += len(extra)
        tot["  of them named by a late_event flag"] += sum(1 for x in extra if x in named)
        tot["strikes named by a late_event flag that the history holds"] += len(named & ref_ids)
        tot["streams"] += 1
        tot["decisions"] += len(want["outcomes"])
        lates = any(
            min(map(_key, later)) < max(map(_key, first)) for i, first in enumerate(plan) for later in plan[i + 1 :]
        )
        tot["streams with late events"] += lates
        changed = [i for i in want["outcomes"] if want["outcomes"][i] != got["outcomes"][i]]
        tot["decisions that differ"] += len(changed)
        for i in changed:
            in_ref = {r[0] for r in want["outcomes"][i]["reasons"]}
            in_late = {r[0] for r in got["outcomes"][i]["reasons"]}
            for c in sorted(in_ref - in_late):
                codes[f"{c} in the reference only"] += 1
            for c in sorted(in_late - in_ref):
                codes[f"{c} late only"] += 1
            if in_ref == in_late:
                codes["same reasons, other level or figures"] += 1
        stored_differ = False
        for key in ("strikes", "restrictions", "flags"):
            ref = {r[0]: r for r in want[key]}
            late_rows = {r[0]: r for r in got[key]}
            rule = 2 if key == "flags" else 3
            names = ("id", "type", "subject", "rule", "severity/scope", "step", "at/starts", "status/ends")
            for i in ref.keys() - late_rows.keys():
                rows[(key, "in the reference only", ref[i][rule])] += 1
            for i in late_rows.keys() - ref.keys():
                rows[(key, "late only", late_rows[i][rule])] += 1
            for i in ref.keys() & late_rows.keys():
                if ref[i] != late_rows[i]:
                    pairs = enumerate(zip(ref[i], late_rows[i], strict=True))
                    cols = ",".join(names[k] for k, (x, y) in pairs if x != y)
                    rows[(key, f"both, other {cols}", ref[i][rule])] += 1
            stored_differ |= ref != late_rows
        weights_differ = want["weights"] != got["weights"]
        tot["streams whose strikes/restrictions/flags differ"] += stored_differ
        tot["streams whose weights differ"] += weights_differ
        tot["streams whose weights differ, rows alike"] += weights_differ and not stored_differ
        tot["streams whose decisions differ, rows alike"] += bool(changed) and not stored_differ
        tot["streams that differ without late events (a bug)"] += bool(changed or stored_differ) and not lates

    try:
        probe()
    finally:
        runner.finish()
    for k, v in [*tot.items(), (VOIDED, SUPERSEDED[VOIDED])]:
        print(f"{k:55} {v}")
    print("reason codes that differ (per decision):")
    for c, v in codes.most_common():
        print(f"  {c:55} {v}")
    print("stored rows that differ (table, where, rule):")
    for (table, where, rule), v in sorted(rows.items()):
        print(f"  {table:12} {where:40} {rule:28} {v}")


def _late(
    batch: list[dict[str, Any]],
    newest: dict[str, tuple[datetime, str]],
    ent_of: dict[str, str],
    sent: list[dict[str, Any]],
) -> tuple[int, int]:
    """(events of `batch` older than a stored event of their enterprise, stored events of those enterprises at or
    after the batch's oldest late event: what re-deciding in event order would go over); updates `newest`."""
    late, since = 0, dict[str, datetime]()
    for e in batch:
        ent = ent_of.get(e.get("account_id", ""), e.get("enterprise_id", ""))
        at = datetime.fromisoformat(e["occurred_at"])
        if ent in newest and (at, e["id"]) < newest[ent]:
            late += 1
            since[ent] = min(since.get(ent, at), at)
    redo = sum(
        1
        for e in sent
        if (ent := ent_of.get(e.get("account_id", ""), e.get("enterprise_id", ""))) in since
        and datetime.fromisoformat(e["occurred_at"]) >= since[ent]
    )
    for e in batch:
        ent = ent_of.get(e.get("account_id", ""), e.get("enterprise_id", ""))
        at = datetime.fromisoformat(e["occurred_at"])
        if ent not in newest or (at, e["id"]) > newest[ent]:
            newest[ent] = (at, e["id"])
    return late, redo


def _key(e: dict[str, Any]) -> tuple[datetime, str]:
    """An event's place in the one order of decisions: (event time, id)."""
    return datetime.fromisoformat(e["occurred_at"]), e["id"]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 80)
