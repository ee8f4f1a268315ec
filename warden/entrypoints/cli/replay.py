"""`warden replay`: what a candidate policy would change, measured on real events in scratch databases."""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, TypeAdapter, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from warden.adapters import jsonl
from warden.adapters import tables as t
from warden.adapters.database import make_engine, reading, upgrade
from warden.enforcement import phones
from warden.enforcement.views import AccountIn, EnterpriseIn
from warden.kernel.clock import FixedClock
from warden.kernel.events import EventAdapter, EventTime, Id, field_errors
from warden.kernel.model import Account, Enterprise
from warden.pipeline.ingest import EARLIEST
from warden.policy import LoadedPolicy, PolicyError, load_policy_text
from warden.policy_versions import rules as versions_rules
from warden.policy_versions import store as versions_store


def directory_from_conn(
    conn: Any, since: datetime | None = None, until: datetime | None = None
) -> tuple[list[Enterprise], list[Account], list[dict[str, Any]]]:
    """Enterprises, accounts and the stored events (payloads, `(occurred_at, id)` order; `since` ≤ occurred_at <
    `until` when given) read on `conn`, a read-only connection: nothing is written."""
    from warden.adapters import store

    ents = [store.enterprise_from(r) for r in conn.execute(sa.select(t.enterprises))]
    accs = [store.account_from(r) for r in conn.execute(sa.select(t.accounts))]
    q = sa.select(t.events.c.payload).order_by(t.events.c.occurred_at, t.events.c.id)
    if since is not None:
        q = q.where(t.events.c.occurred_at >= since)
    if until is not None:
        q = q.where(t.events.c.occurred_at < until)
    evs = [json.loads(p) for (p,) in conn.execute(q)]
    for e in ents:
        e.external_contacts = 0  # the replay recounts them from the events
    return ents, accs, evs


class _EnterpriseLine(EnterpriseIn):
    """An enterprise line of a replayed file: `PUT /v1/enterprises/{id}`'s body with its `type` and `id`."""

    type: Literal["enterprise"]
    id: Id


class _AccountLine(AccountIn):
    """An account line of a replayed file: `PUT /v1/accounts/{id}`'s body with its `type` and `id`."""

    type: Literal["account"]
    id: Id


_DIRECTORY: dict[str, type[BaseModel]] = {"enterprise": _EnterpriseLine, "account": _AccountLine}


@dataclass
class EventsFile:
    """A replayed JSONL file: its enterprise, account and event lines (events as given, in file order) and the line
    each came from (`lines["events"][i]` is the line of `events[i]`)."""

    path: Path
    enterprises: list[Enterprise]
    accounts: list[Account]
    events: list[dict[str, Any]]
    lines: dict[str, list[int]]

    def directory(self) -> tuple[list[Enterprise], list[Account], list[dict[str, Any]]]:
        return self.enterprises, self.accounts, self.events

    def where(self, field: str, message: str) -> str:
        """A problem found later, named by index (`events[3].account_id`), as `FILE:LINE: account_id: message`."""
        m = re.fullmatch(r"(enterprises|accounts|events)\[(\d+)\]\.?(.*)", field)
        if m is None or int(m.group(2)) >= len(self.lines[m.group(1)]):
            return f"{self.path}: {field}: {message}"
        return jsonl.problem(self.path, self.lines[m.group(1)][int(m.group(2))], m.group(3), message)


def read_jsonl(path: Path, region: str = phones.DEFAULT_REGION) -> EventsFile:
    """The enterprise, account and event lines of a JSONL file, each checked as the API checks it (`PUT
    /v1/enterprises/{id}`, `PUT /v1/accounts/{id}` with the phone read in `region`, `POST /v1/events`), and ids
    unique (an event id twice only for the very same event). `jsonl.BadFile` naming `FILE:LINE: field` of every
    problem (at most 20); nothing is returned of a bad file."""
    out = EventsFile(path, [], [], [], {"enterprises": [], "accounts": [], "events": []})
    seen: dict[tuple[str, str], tuple[int, Any]] = {}  # (kind, id) -> (line, the validated line)

    def check(line: int, obj: dict[str, Any]) -> list[tuple[str, str]]:
        kind = obj.get("type")
        model = _DIRECTORY.get(kind) if isinstance(kind, str) else None
        try:
            parsed: Any = model.model_validate(obj) if model is not None else EventAdapter.validate_python(obj)
        except ValidationError as exc:
            return [
                (e.field, e.message + ("; or enterprise, account for a directory line" if e.field == "type" else ""))
                for e in field_errors(exc)
            ]
        if isinstance(parsed, _AccountLine):
            try:
                parsed = parsed.model_copy(update={"phone": phones.canonical(parsed.phone, region)})
            except ValueError as exc:
                return [("phone", f"{parsed.phone!r} is {exc}")]
        created = getattr(parsed, "created_at", None)
        if created is not None and created < EARLIEST:
            return [("created_at", f"{created.isoformat()} is before {EARLIEST.date().isoformat()}")]
        what = "event" if model is None else str(kind)
        first = seen.get((what, parsed.id))
        if first is not None and (model is not None or first[1] != parsed):
            again = "; an id is given again only for the very same event" if model is None else ""
            return [("id", f"{parsed.id!r} is also the id of a different {what} on line {first[0]}{again}")]
        seen.setdefault((what, parsed.id), (line, parsed))
        if isinstance(parsed, _EnterpriseLine):
            out.enterprises.append(Enterprise(parsed.id, parsed.name, parsed.verified, parsed.created_at))
            out.lines["enterprises"].append(line)
        elif isinstance(parsed, _AccountLine):
            out.accounts.append(
                Account(
                    parsed.id,
                    parsed.enterprise_id,
                    parsed.phone,
                    parsed.real_name_verified,
                    parsed.created_at,
                    parsed.avatar,
                    parsed.nickname,
                    parsed.external_card,
                )
            )
            out.lines["accounts"].append(line)
        else:
            out.events.append(obj)
            out.lines["events"].append(line)
        return []

    jsonl.read_objects(path, check)  # BadFile when a line is wrong: `out` is then dropped
    return out


_INSTANT: TypeAdapter[datetime] = TypeAdapter(EventTime)
CHUNK = 1000
"""Events replayed per transaction, at most."""
CHUNK_SPAN = timedelta(days=1)
"""…and at most this long between a chunk's first and last event: each chunk is ingested at its own time, so a
history of any length replays (an event arriving later than the policy's longest window is refused as too late)."""


def occurred(event: dict[str, Any]) -> datetime:
    """An event payload's `occurred_at` as an instant (any offset; the same reading as the event's validation)."""
    return _INSTANT.validate_python(event["occurred_at"])


def _chunks(evs: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The events (in time order) in chunks of at most `CHUNK` spanning at most `CHUNK_SPAN`."""
    out: list[list[dict[str, Any]]] = []
    first: datetime | None = None
    for e in evs:
        at = occurred(e)
        if not out or len(out[-1]) >= CHUNK or first is None or at - first > CHUNK_SPAN:
            out.append([])
            first = at
        out[-1].append(e)
    return out


def simulate(
    policy: LoadedPolicy,
    ents: list[Enterprise],
    accs: list[Account],
    evs: list[dict[str, Any]],
    progress: Progress | None = None,
    label: str = "",
    advance: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Play the events under `policy` in a scratch SQLite database; return who ends restricted and why."""
    from warden.bootstrap import bootstrap
    from warden.settings import Settings

    end = max((occurred(e) for e in evs), default=None)
    registered = max([e.created_at for e in ents] + [a.created_at for a in accs], default=None)
    known = [x for x in (end, registered) if x is not None]
    at = max(known) if known else datetime.now().astimezone()
    clock = FixedClock(at + timedelta(seconds=1))  # the directory as of its newest entry, then each chunk's own time
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Settings(  # nothing from the environment reaches out: no shared counters, webhooks or NATS
            database_url=f"sqlite:///{tmp}/replay.db",
            counters="memory",
            notifier="log",
            webhook_url=None,
            unblock_sender="log",
            unblock_webhook_url=None,
            nats_url=None,
        )
        w = bootstrap(scratch, policy=policy, clock=clock)
        for e in ents:
            w.enforcement.register_enterprise(Enterprise(e.id, e.name, e.verified, e.created_at), "replay")
        for a in accs:
            w.enforcement.register_account(a, "replay")
        task = progress.add_task(label, total=len(evs)) if progress else None
        denied = 0
        for chunk in _chunks(evs):
            clock.set(occurred(chunk[-1]) + timedelta(seconds=1))  # as if each arrived just after it happened
            res = w.pipeline.ingest(chunk, actor="replay")
            denied += sum(1 for o in res.outcomes if o.allowed is False)
            if progress and task is not None:
                progress.advance(task, len(chunk))
            if advance is not None:
                advance(len(chunk))
        if end is not None:
            clock.set(end + timedelta(seconds=1))
        restricted = {aid: sorted({r.rule_id for r in rs}) for aid, rs in w.enforcement.restricted_accounts().items()}
        with reading(w.engine) as conn:
            strikes = Counter(r.rule_id for r in conn.execute(sa.select(t.strikes.c.rule_id)))
            weights, cascades = _weights_and_cascades(conn, clock.now())  # weight (issue 4)
            keys = list(versions_store.strike_keys(conn))  # (event, rule) of each strike: the backtest's input
        w.engine.dispose()
    return {
        "restricted": restricted,
        "strikes": dict(strikes),
        "strike_keys": keys,
        "denied": denied,
        "weights": weights,
        "cascades": cascades,
    }


def _weights_and_cascades(conn: Any, now: datetime) -> tuple[dict[str, float], list[str]]:
    """Each account's weight (as of its last event) and the enterprises under an S-A5 cascade at the end."""
    weights = {r.account_id: r.score / 10 for r in conn.execute(sa.select(t.weight_accounts))}
    r = t.restrictions
    rows = conn.execute(
        sa.select(r.c.subject_id).where(
            r.c.subject_type == "enterprise",
            r.c.rule_id == "cascade",
            r.c.lifted_at.is_(None),
            r.c.starts_at <= now,
            sa.or_(r.c.ends_at.is_(None), r.c.ends_at > now),
        )
    )
    return weights, sorted({row.subject_id for row in rows})


def stored_policy(url: str, version_id: int | None) -> LoadedPolicy | None:
    """A stored version's policy (issue 18); `None` for the live one. None when the database has none stored."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        with reading(engine) as conn:
            if version_id is None:
                st = versions_store.stages(conn)
                if st is None:
                    return None
                version_id = st.live_id
            v = versions_store.version(conn, version_id)
            text = versions_store.text(conn, v.hash) if v else None
    finally:
        engine.dispose()
    if text is None:
        raise PolicyError(f"version {version_id}", [f"version {version_id}: no such stored policy version"])
    return load_policy_text(text, f"policy version {version_id}")


def backtest(before: dict[str, Any], after: dict[str, Any], labelled: list[Any]) -> dict[str, Any]:
    """Per rule precision and recall of the current and the candidate policy against the labelled history (strikes
    matched by event and rule; see `policy_versions.rules.backtest`)."""

    def table(run: dict[str, Any]) -> dict[str, Any]:
        return {
            r.rule: {
                "true_pos": r.true_pos,
                "false_pos": r.false_pos,
                "false_neg": r.false_neg,
                "unlabelled": r.unlabelled,
                "precision": r.precision,
                "recall": r.recall,
            }
            for r in versions_rules.backtest(labelled, [tuple(k) for k in run.get("strike_keys", [])])
        }

    return {
        "labelled_strikes": sum(1 for s in labelled if s.label is not None),
        "current": table(before),
        "candidate": table(after),
    }


def run_replay(
    events: Path | None,
    policy: Path | None,
    database: str | None,
    json_out: bool,
    console: Console,
    version: int | None = None,
) -> None:
    """`warden replay`: an alias of `warden policy backtest` (one code path, `policy_versions.cli.run_backtest`)
    that also takes a JSONL file of events to replay instead of the stored ones."""
    from warden.policy_versions.cli import run_backtest

    run_backtest(
        console,
        Console(stderr=True),
        version=version,
        policy=policy,
        events=events,
        json_out=json_out,
        database=database,
    )


def replay_figures(
    current: LoadedPolicy,
    candidate: LoadedPolicy,
    ents: list[Enterprise],
    accs: list[Account],
    evs: list[dict[str, Any]],
    labelled: list[Any],
    progress: Progress | None = None,
    advance: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The figures `warden replay --json` prints: the events played under `current` then `candidate` (each in its
    own scratch database; `advance(n)` after every n events, 2 × len(evs) in all), compared. `WardenError` if the
    events cannot be replayed."""
    evs = sorted(evs, key=lambda e: (occurred(e), str(e.get("id", ""))))
    before = simulate(current, ents, accs, evs, progress, f"current {current.short_hash}", advance)
    after = simulate(candidate, ents, accs, evs, progress, f"candidate {candidate.short_hash}", advance)
    b, a = set(before["restricted"]), set(after["restricted"])
    rules = sorted(set(before["strikes"]) | set(after["strikes"]))
    diff = {
        "events": len(evs),
        "current_policy": current.hash,
        "candidate_policy": candidate.hash,
        "newly_restricted": {k: after["restricted"][k] for k in sorted(a - b)},
        "no_longer_restricted": {k: before["restricted"][k] for k in sorted(b - a)},
        "per_rule": {
            r: {"current": before["strikes"].get(r, 0), "candidate": after["strikes"].get(r, 0)} for r in rules
        },
        "denied": {"current": before["denied"], "candidate": after["denied"]},
        **_weight_diff(before, after),
        "labels": backtest(before, after, labelled),
    }
    return diff


def print_report(console: Console, diff: dict[str, Any]) -> None:
    """A backtest's figures for people: strikes per rule side by side, denied decisions, weights, cascades, each
    rule's precision and recall against the labelled history, and the accounts that change state."""
    before = {"denied": diff["denied"]["current"]}
    after = {"denied": diff["denied"]["candidate"]}
    current_short, candidate_short = diff["current_policy"][:12], diff["candidate_policy"][:12]
    console.print(f"Replayed {diff['events']} events: current policy {current_short} vs candidate {candidate_short}")
    table = Table(title="Strikes per rule")
    table.add_column("rule")
    table.add_column("current", justify="right")
    table.add_column("candidate", justify="right")
    table.add_column("change", justify="right")
    for r, v in diff["per_rule"].items():
        table.add_row(r, str(v["current"]), str(v["candidate"]), f"{v['candidate'] - v['current']:+d}")
    console.print(table)
    console.print(f"denied decisions: {before['denied']} → {after['denied']}")
    wd = diff["weights"]
    console.print(
        f"weights: mean {wd['mean']['current']} → {wd['mean']['candidate']}, "
        f"{wd['changed']} of {wd['accounts']} accounts changed"
        + "".join(f"\n  {c['account_id']}: {c['current']} → {c['candidate']}" for c in wd["largest_changes"])
    )
    for title, items in (
        ("enterprises newly cascaded (S-A5)", diff["newly_cascaded"]),
        ("enterprises no longer cascaded", diff["no_longer_cascaded"]),
    ):
        console.print(f"[bold]{title}[/] ({len(items)}): " + escape(", ".join(items) or "none"))
    lab = diff["labels"]
    if lab["labelled_strikes"]:
        lt = Table(title=f"Against the labelled history ({lab['labelled_strikes']} strikes judged by people)")
        for col in ("rule", "current precision", "candidate precision", "current recall", "candidate recall"):
            lt.add_column(col)

        def f(x: float | None) -> str:
            return "n/a" if x is None else f"{x:.2f}"

        for r in sorted(set(lab["current"]) | set(lab["candidate"])):
            c, k = lab["current"].get(r, {}), lab["candidate"].get(r, {})
            lt.add_row(r, f(c.get("precision")), f(k.get("precision")), f(c.get("recall")), f(k.get("recall")))
        console.print(lt)
    else:
        console.print("no labelled strikes (nobody judged one yet): no precision or recall")
    for title, items in (
        ("newly restricted", diff["newly_restricted"]),
        ("no longer restricted", diff["no_longer_restricted"]),
    ):
        console.print(
            f"[bold]{title}[/] ({len(items)}): "
            + escape(", ".join(f"{k} [{', '.join(v)}]" for k, v in items.items()) or "none")
        )


def _weight_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """How weights and S-A5 cascades change under the candidate policy (issue 4)."""
    bw, aw = before.get("weights", {}), after.get("weights", {})
    ids = sorted(set(bw) | set(aw))
    deltas = [(aid, bw.get(aid), aw.get(aid)) for aid in ids if bw.get(aid) != aw.get(aid)]
    deltas.sort(key=lambda d: -abs((d[2] or 0) - (d[1] or 0)))

    def mean(ws: dict[str, float]) -> float | None:
        return round(sum(ws.values()) / len(ws), 1) if ws else None

    bc, ac = set(before.get("cascades", [])), set(after.get("cascades", []))
    return {
        "weights": {
            "accounts": len(ids),
            "mean": {"current": mean(bw), "candidate": mean(aw)},
            "changed": len(deltas),
            "largest_changes": [{"account_id": a, "current": b, "candidate": c} for a, b, c in deltas[:10]],
        },
        "newly_cascaded": sorted(ac - bc),
        "no_longer_cascaded": sorted(bc - ac),
    }
