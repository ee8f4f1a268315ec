"""Several server workers deciding as one process (issue 16): `warden serve --workers N` runs N processes on one
database, each with its own in-process counters, subject cache and feature state. Whichever worker a request
reaches, every decision must be the one a single process makes (the engine rule): a worker's state of an
enterprise another worker wrote since is dropped and read again from the store (`Ingest._ingest`,
`Counters.forget`)."""

from __future__ import annotations

import itertools
from pathlib import Path

from warden.app import App
from warden.bootstrap import bootstrap
from warden.settings import Settings
from warden.simulation.population import Population, generate
from warden.simulation.quality import _fingerprint


def _world(url: str, pop: Population | None = None) -> App:
    w = bootstrap(Settings(database_url=url))
    if pop is not None:
        for e in pop.enterprises:
            w.enforcement.register_enterprise(e.to_enterprise(), "simulation")
        for a in pop.accounts:
            w.enforcement.register_account(a.to_account(), "simulation")
    return w


def test_S16_two_workers_with_in_process_counters_decide_each_event_as_one_process(tmp_path: Path) -> None:
    pop = generate(11, companies=2, warmup_days=1, measured_days=1)
    one = _world(f"sqlite:///{tmp_path}/one.db", pop)
    try:
        for e in pop.events:  # one event per request, as `POST /v1/events` takes them
            one.pipeline.ingest([e], actor="simulation")
        want = _fingerprint(one.engine)
    finally:
        one.close()

    url = f"sqlite:///{tmp_path}/two.db"
    first = _world(url, pop)
    second = _world(url)  # another worker on the same database: its own counters and caches
    try:
        # requests of the same accounts reach either worker; runs of a few go to one, then to the other
        workers = itertools.cycle([first, first, second, first, second, second, second])
        for e in pop.events:
            next(workers).pipeline.ingest([e], actor="simulation")
        got = _fingerprint(first.engine)
    finally:
        first.close()
        second.close()
    assert any(allowed is False for allowed, _ in want.decisions.values())  # the stream restricts someone
    assert got.decisions == want.decisions
    assert got.strikes == want.strikes and got.restrictions == want.restrictions
