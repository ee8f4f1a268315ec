"""Backtests in the background (issue 18): `POST /v1/backtests` stores a queued backtest (audited) and runs it in a
thread of the serving process; `GET /v1/backtests/{id}` reads its state, progress and result.

A run reads the directory, the stored events (in `[since, until)`), the live and candidate versions and the labelled
strikes in ONE read-only transaction, then replays them in scratch SQLite databases (`warden replay`'s
`replay_figures`): nothing it does touches the live strikes, restrictions or counters. Its only writes are its own
row in `policy_backtests` (state and progress)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from warden.adapters.uow import UnitOfWork
from warden.kernel.access import Principal
from warden.kernel.errors import InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.policy_versions import access, store
from warden.policy_versions.live import LivePolicy
from warden.policy_versions.views import BacktestOut

Runner = Callable[[Callable[[], None]], threading.Thread | None]
"""Starts a run: by default a daemon thread (returned, so `wait` can join it)."""


def _thread(run: Callable[[], None]) -> threading.Thread:
    th = threading.Thread(target=run, name="warden-backtest", daemon=True)
    th.start()
    return th


class Backtests:
    def __init__(self, uow: UnitOfWork, live: LivePolicy, runner: Runner = _thread) -> None:
        self.uow = uow
        self.live = live
        self.runner = runner
        self._threads: dict[str, threading.Thread] = {}
        self._done: dict[str, int] = {}  # this process's running count of replayed events, per backtest

    def start(
        self, p: Principal, candidate_version: int, since: datetime | None = None, until: datetime | None = None
    ) -> BacktestOut:
        """Queue a backtest of `candidate_version` against the live version on the events in `[since, until)` and
        start it. InvalidInput (422, naming the field) for an unknown version or an empty window; audited as
        `policy.backtest_requested`."""
        access.check_write(p)
        if since is not None and until is not None and since >= until:
            raise InvalidInput("the window is empty", [FieldError(field="until", message="must be later than since")])
        bid = f"bkt-{uuid.uuid4().hex[:20]}"
        with self.uow.writing(lock=True) as tx:
            if store.version(tx.conn, candidate_version) is None:
                raise InvalidInput(
                    f"no policy version {candidate_version}",
                    [FieldError(field="candidate_version", message=f"no stored policy version {candidate_version}")],
                )
            if store.stages(tx.conn) is None:  # pragma: no cover - bootstrap seeds version 1 live
                raise InvalidInput(
                    "no live policy version", [FieldError(field="candidate_version", message="none live")]
                )
            row = {
                "id": bid,
                "candidate_version": candidate_version,
                "since": since,
                "until": until,
                "state": "queued",
                "events_done": 0,
                "events_total": 0,
                "result": None,
                "error": None,
                "requested_by": p.actor,
                "created_at": tx.now,
                "finished_at": None,
            }
            store.insert_backtest(tx.conn, row)
            tx.audit.append(
                tx.now,
                p.actor,
                "policy.backtest_requested",
                f"policy_backtest:{bid}",
                {"candidate_version": candidate_version, "since": _iso(since), "until": _iso(until)},
            )
            stored = store.backtest(tx.conn, bid)
        out = BacktestOut.of(stored)
        th = self.runner(lambda: self._run(bid, candidate_version, since, until))
        if th is not None:
            self._threads[bid] = th
        return out

    def get(self, p: Principal, backtest_id: str) -> BacktestOut:
        """The backtest's state, progress and (when done) result. NotFound for an unknown id."""
        access.check_read(p)
        with self.uow.reading() as tx:
            r = store.backtest(tx.conn, backtest_id)
        if r is None:
            raise NotFound(f"no backtest {backtest_id}")
        return BacktestOut.of(r, self._done.get(backtest_id) if r.state == "running" else None)

    def wait(self, backtest_id: str) -> None:
        """Block until this process's run of `backtest_id` has ended (tests, `warden` shutdown)."""
        th = self._threads.get(backtest_id)
        if th is not None:
            th.join()

    def _run(self, bid: str, candidate_version: int, since: datetime | None, until: datetime | None) -> None:
        from warden.entrypoints.cli.replay import directory_from_conn, replay_figures

        try:
            with self.uow.reading() as tx:  # one read-only view of everything the replay needs
                st = store.stages(tx.conn)
                assert st is not None
                current = self.live.loaded(tx.conn, st.live_id)
                candidate = self.live.loaded(tx.conn, candidate_version)
                ents, accs, evs = directory_from_conn(tx.conn, since, until)
                labelled = store.labelled_strikes(tx.conn)
            total = 2 * len(evs)
            self._done[bid] = 0
            with self.uow.writing() as wtx:
                store.update_backtest(wtx.conn, bid, state="running", events_total=total)

            def advance(n: int) -> None:
                self._done[bid] = self._done.get(bid, 0) + n
                with self.uow.writing() as ptx:
                    store.update_backtest(ptx.conn, bid, events_done=self._done[bid])

            result = replay_figures(current, candidate, ents, accs, evs, labelled, advance=advance)
            with self.uow.writing() as wtx:
                store.update_backtest(
                    wtx.conn,
                    bid,
                    state="done",
                    events_done=total,
                    result=json.dumps(result, ensure_ascii=False),
                    finished_at=wtx.now,
                )
        except Exception as exc:  # a failed run is reported on its row, never lost in a thread
            with self.uow.writing() as wtx:
                store.update_backtest(
                    wtx.conn, bid, state="failed", error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=wtx.now
                )
        finally:
            self._done.pop(bid, None)


def _iso(at: datetime | None) -> Any:
    return at.isoformat() if at else None
