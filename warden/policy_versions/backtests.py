"""Backtests (issue 18): a candidate policy replayed on the stored history beside the live version, with each rule's
precision and recall against reviewers' labels. The one home of the idea: `POST /v1/backtests` (in a thread of the
serving process), `warden policy backtest` (in the foreground) and its alias `warden replay` all go through
`Backtests`.

- `compute` reads the directory, the stored events (in `[since, until)`), the live and candidate versions and the
  labelled strikes in ONE read-only transaction, then replays them in scratch SQLite databases
  (`entrypoints.cli.replay.replay_figures`): nothing it does touches the live strikes, restrictions or counters.
- `start` records a stored version's backtest as a row of `policy_backtests` (audited `policy.backtest_requested`)
  owned by this process (`this_process()`: `host:fingerprint:pid:token`), and runs `compute` with the row kept up to
  date: state, progress and a heartbeat (with every 1,000 events replayed, and by a ticker every
  `heartbeat_every` seconds while it runs). Those are its only writes.
- `sweep` (at every start, `App.start`, and before each read) fails the queued or running backtests whose owner is
  gone (`orphaned`): a heartbeat older than `stale_after` (the injected clock), or an owner on this host (same
  hostname, kernel boot and PID namespace) whose process no longer exists or whose pid is now this very process's.
  A live owner on another host is never failed while its heartbeat is fresh. A run that finds its row failed under it
  stops and leaves it failed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from warden.adapters import store as core_store
from warden.adapters.uow import UnitOfWork
from warden.kernel.access import Principal
from warden.kernel.errors import InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.kernel.i18n import Lang
from warden.kernel.model import Account, Enterprise
from warden.policy import LoadedPolicy
from warden.policy_versions import access, store
from warden.policy_versions.live import LivePolicy
from warden.policy_versions.texts import BACKTEST_ERRORS
from warden.policy_versions.views import BacktestListOut, BacktestOut

log = logging.getLogger("warden.backtests")

Runner = Callable[[Callable[[], None]], threading.Thread | None]
"""Starts a run: by default a daemon thread (returned, so `wait` can join it); `foreground` runs it at once."""

Directory = tuple[list[Enterprise], list[Account], list[dict[str, Any]]]
"""Enterprises, accounts and event payloads."""

STALE_AFTER = timedelta(minutes=5)
"""A queued or running backtest whose owner has not shown a sign of life for this long is failed as orphaned
(`WARDEN_BACKTEST_STALE_AFTER`)."""


def _thread(run: Callable[[], None]) -> threading.Thread:
    th = threading.Thread(target=run, name="warden-backtest", daemon=True)
    th.start()
    return th


def foreground(run: Callable[[], None]) -> None:
    """A `Runner` that runs the backtest before `start` returns (the command line)."""
    run()


def _host_fingerprint() -> str:
    """Which kernel boot and PID namespace this process lives in: two processes with the same hostname and
    fingerprint see each other's pids (so one can tell whether the other still exists)."""
    parts = []
    for path in ("/proc/sys/kernel/random/boot_id", "/proc/self/ns/pid"):
        try:
            parts.append(Path(path).read_text().strip() if "boot_id" in path else os.readlink(path))
        except OSError:
            parts.append("?")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:8]


_me: tuple[int, str] | None = None


def this_process() -> str:
    """This process as a backtest's owner, `host:fingerprint:pid:token` (the token tells this life of the pid from
    an earlier one: a container restarts as pid 1 every time). Recomputed after a fork."""
    global _me
    pid = os.getpid()
    if _me is None or _me[0] != pid:
        host = socket.gethostname().replace(":", "_")[:120]
        _me = (pid, f"{host}:{_host_fingerprint()}:{pid}:{uuid.uuid4().hex[:12]}")
    return _me[1]


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host (signal 0: nothing is sent). True when unsure."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return True


def orphaned(
    owner: str | None,
    heartbeat: datetime,
    now: datetime,
    stale_after: timedelta,
    me: str,
    alive: Callable[[int], bool] = pid_alive,
) -> bool:
    """Whether a queued or running backtest's owner is gone. Pure but for `alive`. Gone: its last heartbeat is
    `stale_after` or more before `now`; or it ran on this host (same hostname and fingerprint) and its pid is this
    process's (an earlier life of the pid) or no longer `alive`. Anything else — a fresh heartbeat on another host, an
    owner in a form not understood — is left alone: failing a live run is worse than waiting for the bound."""
    if now - heartbeat >= stale_after:
        return True
    if owner is None or owner == me:
        return False
    theirs, mine = owner.rsplit(":", 3), me.rsplit(":", 3)
    if len(theirs) != 4 or theirs[:2] != mine[:2] or not theirs[2].isdigit():
        return False
    pid = int(theirs[2])
    return pid == int(mine[2]) or not alive(pid)


class Stopped(Exception):
    """A run asked to stop (the command line got SIGTERM or Ctrl-C, `signal`): its row is failed as `stopped`."""

    def __init__(self, signal: str) -> None:
        super().__init__(f"stopped by {signal}")
        self.signal = signal


StopCheck = Callable[[], str | None]
"""Whether the run must stop now: the name of the signal that asked (`SIGTERM`), or None to go on. Called between
chunks of events (every 1,000 at most) and before the result is stored."""


class _Orphaned(Exception):
    """The run's row was failed under it (another process judged its owner gone): stop, leave the row as it is."""


class Backtests:
    """`stale_after`: how long without a heartbeat before a backtest counts as orphaned; `heartbeat_every`
    (seconds, wall time): how often a running backtest's ticker shows it is alive (default: a fifth of the bound,
    at most 30 s)."""

    def __init__(
        self,
        uow: UnitOfWork,
        live: LivePolicy,
        runner: Runner = _thread,
        stale_after: timedelta = STALE_AFTER,
        heartbeat_every: float | None = None,
    ) -> None:
        if stale_after <= timedelta(0):
            raise ValueError("backtest_stale_after must be positive")
        self.uow = uow
        self.live = live
        self.runner = runner
        self.stale_after = stale_after
        self.heartbeat_every = heartbeat_every or min(30.0, stale_after.total_seconds() / 5)
        self.alive: Callable[[int], bool] = pid_alive
        self._threads: dict[str, threading.Thread] = {}
        self._done: dict[str, int] = {}  # this process's running count of replayed events, per backtest

    # --- the figures: one read-only view, replayed in scratch databases ------------------------------------------

    def compute(
        self,
        candidate: int | LoadedPolicy,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        events: Directory | None = None,
        on_read: Callable[[int], None] | None = None,
        advance: Callable[[int], None] | None = None,
        progress: Any = None,  # the CLI's rich Progress bar (the service never imports rich)
    ) -> dict[str, Any]:
        """The backtest's figures (what `GET /v1/backtests/{id}` gives as `result` and `--json` prints) for
        `candidate` (a stored version id, or a policy not stored) against the live version (the boot policy on a
        database never started), on the stored events in `[since, until)` — or, given `events`, on those events
        with the stored directory plus theirs. `on_read(total)` once everything is read (total = 2 × the events);
        `advance(n)` after every n events replayed. NotFound for an unknown version; `WardenError` if the events
        cannot be replayed."""
        from warden.entrypoints.cli.replay import directory_from_conn, replay_figures

        with self.uow.reading() as tx:  # one read-only view of everything the replay needs
            st = store.stages(tx.conn)
            current = self.live.loaded(tx.conn, st.live_id) if st is not None else self.live.rules.loaded
            cand = candidate if isinstance(candidate, LoadedPolicy) else self.live.loaded(tx.conn, candidate)
            ents, accs, evs = directory_from_conn(tx.conn, since, until)
            labelled = store.labelled_strikes(tx.conn)
        if events is not None:
            fe, fa, evs = events
            known_e, known_a = {e.id for e in ents}, {a.id for a in accs}
            unknown_directory(known_e | {e.id for e in fe}, known_a | {a.id for a in fa}, fa, evs)
            ents += [e for e in fe if e.id not in known_e]
            accs += [a for a in fa if a.id not in known_a]
        if on_read is not None:
            on_read(2 * len(evs))
        return replay_figures(current, cand, ents, accs, evs, labelled, progress, advance)

    # --- recorded runs -------------------------------------------------------------------------------------------

    def start(
        self,
        p: Principal,
        candidate_version: int,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        runner: Runner | None = None,
        progress: Any = None,  # the CLI's rich Progress bar (the service never imports rich)
        stop: StopCheck | None = None,
    ) -> BacktestOut:
        """Record a backtest of `candidate_version` against the live version on the events in `[since, until)`,
        owned by this process, and run it with `runner` (default: this object's, a thread). InvalidInput (422,
        naming the field) for an unknown version or an empty window; audited as `policy.backtest_requested`. When
        `stop()` names a signal the run ends at the next chunk, its row failed as `stopped` (in zh and en)."""
        access.check_write(p)
        if since is not None and until is not None and since >= until:
            raise InvalidInput("the window is empty", [FieldError(field="until", message="must be later than since")])
        bid = f"bkt-{uuid.uuid4().hex[:20]}"
        owner = this_process()
        with self.uow.writing(lock=True) as tx:
            if store.version(tx.conn, candidate_version) is None:
                raise InvalidInput(
                    f"no policy version {candidate_version}",
                    [FieldError(field="candidate_version", message=f"no stored policy version {candidate_version}")],
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
                "owner": owner,
                "heartbeat_at": tx.now,
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
        th = (runner or self.runner)(lambda: self._run(bid, owner, candidate_version, since, until, progress, stop))
        if th is not None:
            self._threads[bid] = th
        return out

    def get(self, p: Principal, backtest_id: str, lang: Lang = "zh") -> BacktestOut:
        """The backtest's state, progress and (when done) result. NotFound for an unknown id. An orphaned one is
        failed first (`sweep`)."""
        access.check_read(p)
        self.sweep()
        with self.uow.reading() as tx:
            r = store.backtest(tx.conn, backtest_id)
            if r is None:
                raise NotFound(f"no backtest {backtest_id}")
            out = BacktestOut.of(r, self._done.get(backtest_id) if r.state == "running" else None, lang)
            return core_store.label_model(tx.conn, out)

    def recent(self, p: Principal, limit: int = 50, lang: Lang = "zh") -> BacktestListOut:
        """The newest `limit` backtests, newest first, without their results. Orphaned ones are failed first."""
        access.check_read(p)
        self.sweep()
        with self.uow.reading() as tx:
            rows = store.backtests(tx.conn, limit)
            out = BacktestListOut(
                items=[
                    BacktestOut.of(r, self._done.get(r.id) if r.state == "running" else None, lang, brief=True)
                    for r in rows
                ]
            )
            return core_store.label_model(tx.conn, out)

    def wait(self, backtest_id: str) -> None:
        """Block until this process's run of `backtest_id` has ended (tests, `warden` shutdown)."""
        th = self._threads.get(backtest_id)
        if th is not None:
            th.join()

    def sweep(self) -> list[str]:
        """Fail every queued or running backtest whose owner is gone (`orphaned`) with the reason "the server stopped
        while this backtest was running; start it again" (`error_code` `orphaned`). Reads first and writes only
        when there is one; each row is failed only if it has not changed since it was read. Returns their ids."""
        me = this_process()
        with self.uow.reading() as tx:
            rows, now = store.active_backtests(tx.conn), tx.now
        gone = [
            r for r in rows if orphaned(r.owner, r.heartbeat_at or r.created_at, now, self.stale_after, me, self.alive)
        ]
        failed: list[str] = []
        if not gone:
            return failed
        with self.uow.writing() as wtx:
            for r in gone:
                if store.fail_orphan(wtx.conn, r, BACKTEST_ERRORS["orphaned"]["en"], "orphaned", wtx.now):
                    failed.append(r.id)
        for bid in failed:
            log.warning("backtest %s failed: its process stopped while it ran", bid, extra={"backtest_id": bid})
        return failed

    def abandon(self) -> list[str]:
        """At a graceful stop (`App.close`): fail the backtests this object is still running, as orphaned, so they
        read failed at once rather than after the bound (their threads die with the process; a write they try
        meanwhile finds the row failed and stops). Returns their ids."""
        owner = this_process()
        running = [bid for bid, th in self._threads.items() if th.is_alive()]
        failed: list[str] = []
        if not running:
            return failed
        with self.uow.writing() as tx:
            for bid in running:
                values = {"error": BACKTEST_ERRORS["orphaned"]["en"], "error_code": "orphaned", "finished_at": tx.now}
                if store.update_backtest(tx.conn, bid, owner, state="failed", **values):
                    failed.append(bid)
        return failed

    def _touch(self, bid: str, owner: str, **values: Any) -> bool:
        """Update this process's row with a heartbeat; False when the row is no longer ours to update."""
        with self.uow.writing() as tx:
            return store.update_backtest(tx.conn, bid, owner, heartbeat_at=tx.now, **values)

    def _beat(self, bid: str, owner: str, stop: threading.Event) -> None:
        while not stop.wait(self.heartbeat_every):
            try:
                if not self._touch(bid, owner):
                    return
            except Exception:  # a database hiccup: the next beat tries again; the bound is several beats long
                log.exception("backtest %s: heartbeat not written", bid)

    def _run(
        self,
        bid: str,
        owner: str,
        candidate_version: int,
        since: datetime | None,
        until: datetime | None,
        progress: Any = None,  # the CLI's rich Progress bar (the service never imports rich)
        stop_check: StopCheck | None = None,
    ) -> None:
        stop = threading.Event()
        ticker = threading.Thread(target=self._beat, args=(bid, owner, stop), name="warden-backtest-beat", daemon=True)
        ticker.start()
        total = 0

        def asked() -> None:
            signal = stop_check() if stop_check is not None else None
            if signal is not None:
                raise Stopped(signal)

        def on_read(n: int) -> None:
            nonlocal total
            asked()
            total = n
            self._done[bid] = 0
            if not self._touch(bid, owner, state="running", events_total=n):
                raise _Orphaned

        def advance(n: int) -> None:
            asked()
            self._done[bid] = self._done.get(bid, 0) + n
            if not self._touch(bid, owner, events_done=self._done[bid]):
                raise _Orphaned

        try:
            result = self.compute(candidate_version, since, until, on_read=on_read, advance=advance, progress=progress)
            asked()
            with self.uow.writing() as wtx:
                store.update_backtest(
                    wtx.conn,
                    bid,
                    owner,
                    state="done",
                    events_done=total,
                    result=_dumps(result),
                    finished_at=wtx.now,
                    heartbeat_at=wtx.now,
                )
        except _Orphaned:
            log.warning("backtest %s stopped: it was failed as orphaned while it ran", bid)
        except Stopped as exc:
            error = BACKTEST_ERRORS.render("stopped", "en", signal=exc.signal)
            with self.uow.writing() as wtx:
                store.update_backtest(
                    wtx.conn, bid, owner, state="failed", error=error, error_code="stopped", finished_at=wtx.now
                )
            raise
        except BaseException as exc:  # a failed run is reported on its row, never lost in a thread
            code = "error" if isinstance(exc, Exception) else "interrupted"
            error = f"{type(exc).__name__}: {exc}"[:2000] if code == "error" else BACKTEST_ERRORS[code]["en"]
            with self.uow.writing() as wtx:
                store.update_backtest(
                    wtx.conn, bid, owner, state="failed", error=error, error_code=code, finished_at=wtx.now
                )
            if code == "interrupted":
                raise
        finally:
            stop.set()
            self._done.pop(bid, None)


class UnknownInEvents(InvalidInput):
    """Given events (or their accounts) name an account or enterprise nobody registered: `errors` name each by its
    index in the lists as given (`events[3].account_id`, `accounts[0].enterprise_id`)."""


def unknown_directory(
    enterprises: set[str], accounts: set[str], new_accounts: list[Account], events: list[dict[str, Any]]
) -> None:
    """`UnknownInEvents` naming each account whose enterprise, and each event whose account or enterprise, is in neither
    the stored directory nor the file's (`accounts[i].enterprise_id`, `events[i].account_id`: indexes into the
    lists as given), at most 20: replayed, they would fail half-way."""
    errs = [
        FieldError(field=f"accounts[{i}].enterprise_id", message=f"unknown enterprise {a.enterprise_id!r}")
        for i, a in enumerate(new_accounts)
        if a.enterprise_id not in enterprises
    ]
    for i, e in enumerate(events):
        for name, known in (("account_id", accounts), ("enterprise_id", enterprises)):
            value = e.get(name)
            if value is not None and value not in known:
                what = name.removesuffix("_id")
                errs.append(
                    FieldError(
                        field=f"events[{i}].{name}",
                        message=f"unknown {what} {value!r}; add an {what} line for it or register it first",
                    )
                )
    if errs:
        raise UnknownInEvents(
            f"{len(errs)} line(s) name an unknown account or enterprise; nothing was replayed", errs[:20]
        )


def _dumps(result: dict[str, Any]) -> str:
    import json

    return json.dumps(result, ensure_ascii=False)


def _iso(at: datetime | None) -> Any:
    return at.isoformat() if at else None
