"""`warden bench quality`: how well warden's decisions match the ground truth of a simulated population.

For each batch size, a fresh SQLite database in a temp dir, warden bootstrapped in-process with a
`FixedClock` at the population's `now` and in-process counters, the directory registered, and the events
ingested in batches of that size. Then, per kind of account:

- **recall** (abusers): caught = the abuser has a restriction of its own (any, a pause included) that starts
  between its first abusive event and its `RECALL_WINDOW_EVENTS`-th event (counted from the abuse's start, in
  `(occurred_at, id)` order, reports against it included);
- **false-positive rate** (legitimate accounts): any restriction of its own, or of its enterprise (a cascade)
  that had not ended before the account existed, a pause included, at any time of the run;
- **explained**: a restriction is explained when it has a rule id, non-empty evidence, and
  `Warden.explain(account)` at the restriction's start lists it (for an enterprise restriction: a member's
  explanation);
- **identical**: per-event decisions (allowed/denied and reason codes), strikes and restrictions are the same
  at every batch size.

Figures are measurements, never test verdicts; `GOALS` are what the engine is measured against.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from warden.adapters import tables as t
from warden.adapters.policy_file import load_policy
from warden.kernel.clock import FixedClock
from warden.policy import LoadedPolicy
from warden.simulation.population import ABUSER_KINDS, LEGIT_KINDS, Kind, Population

RECALL_WINDOW_EVENTS = 50  # an abuser counts as caught if restricted within its first 50 abusive events


@dataclass(frozen=True)
class Goals:
    """What the engine is measured against (issue 10). Shares are in [0, 1]."""

    recall: float = 0.99  # ≥ 99 % of abusers caught within their first 50 events
    false_positive_rate: float = 0.001  # ≤ 0.1 % of legitimate accounts restricted
    explained: float = 1.0  # every restriction explained
    identical: bool = True  # the same decisions at every batch size


GOALS = Goals()


@dataclass(frozen=True)
class KindFigures:
    """Figures for one kind of account in one run. Rates are shares in [0, 1]; None when not applicable."""

    kind: str
    abuser: bool
    accounts: int
    caught: int | None = None  # abusers restricted within their first RECALL_WINDOW_EVENTS abusive events
    recall: float | None = None
    restricted_ever: int | None = None  # abusers restricted at all during the run
    median_events_to_restriction: float | None = None  # abusive events up to the first own restriction
    false_positives: int | None = None  # legitimate accounts restricted (own or through the enterprise)
    false_positive_rate: float | None = None
    restrictions: int = 0  # own restrictions of these accounts
    explained: int = 0
    explained_share: float | None = None
    denied_accounts: int = 0  # accounts with at least one denied request (info: refusals short of restriction)


@dataclass(frozen=True)
class Example:
    """A wrongly restricted legitimate account (or a missed abuser), with the restriction's rule and evidence."""

    account_id: str
    kind: str
    traits: list[str]
    via: str  # own | enterprise | missed
    rule: str | None = None
    step: int | None = None
    scope: str | None = None
    starts_at: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class Fingerprint:
    """Everything that must not depend on the batch size."""

    decisions: dict[str, tuple[bool | None, tuple[str, ...]]]  # event id → (allowed, reason codes)
    strikes: set[tuple[Any, ...]]
    restrictions: set[tuple[Any, ...]]


@dataclass
class BatchRun:
    """One batch size's figures. `seconds`: wall time of the ingest alone; `events_per_second` likewise."""

    batch_size: int
    seconds: float
    events_per_second: float
    kinds: list[KindFigures]
    totals: dict[str, Any]
    false_positives_by_rule: dict[str, int]
    missed_abusers: list[Example]
    false_positive_examples: list[Example]
    fingerprint: Fingerprint = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("fingerprint")
        return d


@dataclass
class QualityReport:
    """The whole measurement: population, goals, one run per batch size, and their agreement."""

    population: dict[str, Any]
    policy: str
    goals: Goals
    runs: list[BatchRun]
    identical: bool
    differences: dict[str, Any]

    def goal_checks(self) -> list[dict[str, Any]]:
        """Each goal against each run's figure: [{goal, target, figures: {batch size: value}, met}]."""
        rows: list[dict[str, Any]] = []
        checks: tuple[tuple[str, str, float, Callable[[float], bool]], ...] = (
            ("recall", "recall", GOALS.recall, lambda v: v >= GOALS.recall),
            (
                "false positives",
                "false_positive_rate",
                GOALS.false_positive_rate,
                lambda v: v <= GOALS.false_positive_rate,
            ),
            ("explained", "explained_share", GOALS.explained, lambda v: v >= GOALS.explained),
        )
        for name, key, target, ok in checks:
            figures = {r.batch_size: r.totals[key] for r in self.runs}
            met = all(v is None or ok(v) for v in figures.values())
            rows.append({"goal": name, "target": target, "figures": figures, "met": met})
        rows.append({"goal": "identical across batch sizes", "target": True, "figures": {}, "met": self.identical})
        return rows

    def as_dict(self) -> dict[str, Any]:
        return {
            "population": self.population,
            "policy": self.policy,
            "goals": asdict(self.goals),
            "recall_window_events": RECALL_WINDOW_EVENTS,
            "runs": [r.as_dict() for r in self.runs],
            "identical": self.identical,
            "differences": self.differences,
            "goal_checks": self.goal_checks(),
        }


Advance = Callable[[int], None]


# --- one run ----------------------------------------------------------------------------------------------------


def run_batch(
    pop: Population,
    batch_size: int,
    policy: LoadedPolicy,
    advance: Advance | None = None,
    examples: int = 8,
) -> BatchRun:
    """Ingest `pop` at `batch_size` into a fresh SQLite database and measure. `advance(n)` reports progress."""
    from warden.bootstrap import bootstrap
    from warden.settings import Settings

    with tempfile.TemporaryDirectory(prefix="warden-quality-") as tmp:
        clock = FixedClock(pop.now)
        settings = Settings(database_url=f"sqlite:///{tmp}/quality.db", counters="memory")
        w = bootstrap(settings, policy=policy, clock=clock)
        try:
            for e in pop.enterprises:
                w.enforcement.register_enterprise(e.to_enterprise(), "simulation")
            for a in pop.accounts:
                w.enforcement.register_account(a.to_account(), "simulation")
            t0 = time.perf_counter()
            for i in range(0, len(pop.events), batch_size):
                chunk = pop.events[i : i + batch_size]
                w.pipeline.ingest(chunk, actor="simulation")
                if advance:
                    advance(len(chunk))
            seconds = time.perf_counter() - t0
            fp = _fingerprint(w.engine)
            restrictions = _restrictions(w.engine)
            explained = _explained(w, clock, pop, restrictions)
        finally:
            w.close()
    return _figures(pop, batch_size, seconds, fp, restrictions, explained, examples)


def _fingerprint(engine: sa.Engine) -> Fingerprint:
    with engine.connect() as conn:
        decisions = {}
        for eid, outcome in conn.execute(sa.select(t.events.c.id, t.events.c.outcome)):
            o = json.loads(outcome)
            decisions[eid] = (o.get("allowed"), tuple(r["code"] for r in o.get("reasons", [])))
        s = t.strikes.c
        strikes = {
            (r.id, r.subject_type, r.subject_id, r.rule_id, r.severity, r.step, r.status, r.at.isoformat())
            for r in conn.execute(
                sa.select(s.id, s.subject_type, s.subject_id, s.rule_id, s.severity, s.step, s.status, s.at)
            )
        }
        rc = t.restrictions.c
        rows = conn.execute(
            sa.select(rc.id, rc.subject_type, rc.subject_id, rc.rule_id, rc.scope, rc.step, rc.starts_at, rc.ends_at)
        )
        restrictions = {
            (r.id, r.subject_type, r.subject_id, r.rule_id, r.scope, r.step, r.starts_at.isoformat(), _iso(r.ends_at))
            for r in rows
        }
    return Fingerprint(decisions, strikes, restrictions)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


@dataclass(frozen=True)
class _Restriction:
    id: str
    subject_type: str
    subject_id: str
    rule_id: str
    scope: str
    step: int
    starts_at: datetime
    ends_at: datetime | None
    evidence: dict[str, Any]


def _restrictions(engine: sa.Engine) -> list[_Restriction]:
    rc = t.restrictions.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                rc.id,
                rc.subject_type,
                rc.subject_id,
                rc.rule_id,
                rc.scope,
                rc.step,
                rc.starts_at,
                rc.ends_at,
                rc.evidence,
            ).order_by(rc.starts_at, rc.id)
        )
        return [
            _Restriction(
                r.id,
                r.subject_type,
                r.subject_id,
                r.rule_id,
                r.scope,
                r.step,
                r.starts_at,
                r.ends_at,
                json.loads(r.evidence or "{}"),
            )
            for r in rows
        ]


def _explained(w: Any, clock: FixedClock, pop: Population, restrictions: list[_Restriction]) -> set[str]:
    """Ids of restrictions with a rule, evidence, and an entry in the explanation read at their start."""
    members = pop.members()
    out = set()
    try:
        for r in restrictions:
            if not r.rule_id or not r.evidence:
                continue
            account = r.subject_id if r.subject_type == "account" else next(iter(members.get(r.subject_id, [])), None)
            if account is None:
                continue
            clock.set(r.starts_at)
            entries = w.enforcement.explain(account, "en")["restrictions"]
            if any(e["id"] == r.id for e in entries):
                out.add(r.id)
    finally:
        clock.set(pop.now)
    return out


def _figures(
    pop: Population,
    batch_size: int,
    seconds: float,
    fp: Fingerprint,
    restrictions: list[_Restriction],
    explained: set[str],
    n_examples: int,
) -> BatchRun:
    own: dict[str, list[_Restriction]] = defaultdict(list)
    by_enterprise: dict[str, list[_Restriction]] = defaultdict(list)
    for r in restrictions:
        (own if r.subject_type == "account" else by_enterprise)[r.subject_id].append(r)
    abusive: dict[str, list[datetime]] = defaultdict(list)  # abuser → times of its events from the abuse's start
    denied: set[str] = set()
    legit_denials: Counter[str] = Counter()  # reason codes on legitimate accounts' denied events
    for e in pop.events:  # already in (occurred_at, id) order
        aid = e["account_id"]
        a = pop.account(aid)
        allowed, codes = fp.decisions.get(e["id"], (None, ()))
        if allowed is False:
            denied.add(aid)
            if not a.abuser:
                legit_denials.update(codes)
        if a.abuse_starts_at is not None:
            at = datetime.fromisoformat(e["occurred_at"])
            if at >= a.abuse_starts_at:
                abusive[aid].append(at)

    kinds: list[KindFigures] = []
    fp_by_rule: Counter[str] = Counter()
    fp_examples: list[Example] = []
    missed: list[Example] = []
    seen_pairs: Counter[tuple[str, str]] = Counter()
    by_kind: dict[Kind, list[Any]] = defaultdict(list)
    for a in pop.accounts:
        by_kind[a.kind].append(a)
    for kind in (*LEGIT_KINDS, *ABUSER_KINDS):
        accounts = by_kind.get(kind, [])
        if not accounts:
            continue
        n_restr = sum(len(own.get(a.id, [])) for a in accounts)
        n_expl = sum(1 for a in accounts for r in own.get(a.id, []) if r.id in explained)
        common: dict[str, Any] = {
            "kind": kind.value,
            "abuser": kind in ABUSER_KINDS,
            "accounts": len(accounts),
            "restrictions": n_restr,
            "explained": n_expl,
            "explained_share": n_expl / n_restr if n_restr else None,
            "denied_accounts": sum(1 for a in accounts if a.id in denied),
        }
        if kind in ABUSER_KINDS:
            caught = ever = 0
            to_restriction: list[int] = []
            for a in accounts:
                times = abusive[a.id]
                start = a.abuse_starts_at
                mine = sorted(
                    (r for r in own.get(a.id, []) if start is not None and r.starts_at >= start),
                    key=lambda r: r.starts_at,
                )
                if mine:
                    ever += 1
                    to_restriction.append(sum(1 for x in times if x <= mine[0].starts_at))
                limit = times[min(len(times), RECALL_WINDOW_EVENTS) - 1] if times else None
                if mine and limit is not None and mine[0].starts_at <= limit:
                    caught += 1
                else:
                    missed.append(
                        Example(
                            a.id,
                            kind.value,
                            list(a.traits),
                            "missed",
                            evidence={
                                "abusive_events": len(times),
                                "events_to_restriction": to_restriction[-1] if mine else None,
                            },
                        )
                    )
            kinds.append(
                KindFigures(
                    **common,
                    caught=caught,
                    recall=caught / len(accounts),
                    restricted_ever=ever,
                    median_events_to_restriction=_median(to_restriction),
                )
            )
        else:
            wrong = 0
            for a in accounts:
                hits = [(r, "own") for r in own.get(a.id, [])]
                hits += [
                    (r, "enterprise")
                    for r in by_enterprise.get(a.enterprise_id, [])
                    if r.ends_at is None or r.ends_at > a.created_at
                ]
                if not hits:
                    continue
                wrong += 1
                for rule in sorted({("enterprise:" if via == "enterprise" else "") + r.rule_id for r, via in hits}):
                    fp_by_rule[rule] += 1
                r, via = hits[0]
                pair = (kind.value, ("enterprise:" if via == "enterprise" else "") + r.rule_id)
                seen_pairs[pair] += 1
                if seen_pairs[pair] <= 2 and len(fp_examples) < n_examples:
                    fp_examples.append(
                        Example(
                            a.id,
                            kind.value,
                            list(a.traits),
                            via,
                            r.rule_id,
                            r.step,
                            r.scope,
                            r.starts_at.isoformat(),
                            _trim(r.evidence),
                        )
                    )
            kinds.append(KindFigures(**common, false_positives=wrong, false_positive_rate=wrong / len(accounts)))

    abusers = [k for k in kinds if k.abuser]
    legit = [k for k in kinds if not k.abuser]
    n_abusers = sum(k.accounts for k in abusers)
    n_legit = sum(k.accounts for k in legit)
    ent_restr = [r for rs in by_enterprise.values() for r in rs]
    totals = {
        "accounts": len(pop.accounts),
        "abusers": n_abusers,
        "caught": sum(k.caught or 0 for k in abusers),
        "recall": sum(k.caught or 0 for k in abusers) / n_abusers if n_abusers else None,
        "legitimate": n_legit,
        "false_positives": sum(k.false_positives or 0 for k in legit),
        "false_positive_rate": sum(k.false_positives or 0 for k in legit) / n_legit if n_legit else None,
        "restrictions": len(restrictions),
        "enterprise_restrictions": len(ent_restr),
        "enterprises_restricted": len({r.subject_id for r in ent_restr}),
        "explained": len(explained),
        "explained_share": len(explained) / len(restrictions) if restrictions else None,
        "events": len(pop.events),
        "denied_events": sum(1 for d in fp.decisions.values() if d[0] is False),
        "legitimate_denial_reasons": dict(legit_denials.most_common()),
    }
    return BatchRun(
        batch_size=batch_size,
        seconds=round(seconds, 2),
        events_per_second=round(len(pop.events) / seconds, 1) if seconds else 0.0,
        kinds=kinds,
        totals=totals,
        false_positives_by_rule=dict(fp_by_rule.most_common()),
        missed_abusers=missed,
        false_positive_examples=fp_examples,
        fingerprint=fp,
    )


def _median(values: list[int]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    mid = len(s) // 2
    return float(s[mid]) if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def _trim(evidence: dict[str, Any], items: int = 5) -> dict[str, Any]:
    """Evidence for a person to read: long lists cut to their first few items."""
    out: dict[str, Any] = {}
    for k, v in evidence.items():
        if isinstance(v, list) and len(v) > items:
            out[k] = [*v[:items], f"… {len(v) - items} more"]
        else:
            out[k] = v
    return out


# --- agreement across batch sizes ---------------------------------------------------------------------------------


def compare(pop: Population, runs: Sequence[BatchRun], examples: int = 5) -> tuple[bool, dict[str, Any]]:
    """Whether every run decided the same as the first; how many decisions, strikes, restrictions differ."""
    if len(runs) < 2:
        return True, {}
    base = runs[0]
    out: dict[str, Any] = {}
    identical = True
    by_id = {e["id"]: e for e in pop.events}
    for other in runs[1:]:
        a, b = base.fingerprint, other.fingerprint
        ids = sorted(
            set(a.decisions) | set(b.decisions), key=lambda i: (by_id[i]["occurred_at"], i) if i in by_id else ("", i)
        )
        differing = [i for i in ids if a.decisions.get(i) != b.decisions.get(i)]
        strikes = a.strikes ^ b.strikes
        restr = a.restrictions ^ b.restrictions
        key = f"{base.batch_size} vs {other.batch_size}"
        if differing or strikes or restr:
            identical = False
        out[key] = {
            "decisions_differing": len(differing),
            "strikes_differing": len(strikes),
            "restrictions_differing": len(restr),
            "examples": [
                {
                    "event_id": i,
                    "type": by_id[i]["type"] if i in by_id else None,
                    "account_id": by_id[i]["account_id"] if i in by_id else None,
                    "kind": pop.account(by_id[i]["account_id"]).kind.value if i in by_id else None,
                    f"batch_{base.batch_size}": _decision(a.decisions.get(i)),
                    f"batch_{other.batch_size}": _decision(b.decisions.get(i)),
                }
                for i in differing[:examples]
            ],
            "restriction_examples": [
                {
                    "in": f"batch_{base.batch_size}" if r in a.restrictions else f"batch_{other.batch_size}",
                    "restriction": list(r),
                }
                for r in sorted(restr, key=lambda r: (r[6], r[0]))[:examples]
            ],
        }
    return identical, out


def _decision(d: tuple[bool | None, tuple[str, ...]] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"allowed": d[0], "reasons": list(d[1])}


def run_quality(
    pop: Population,
    batch_sizes: Sequence[int],
    policy: LoadedPolicy | None = None,
    advance_for: Callable[[int], Advance | None] | None = None,
    examples: int = 8,
) -> QualityReport:
    """Measure `pop` at every batch size. `advance_for(batch_size)` gives a progress callback per run."""
    policy = policy or load_policy()
    runs = [run_batch(pop, bs, policy, advance_for(bs) if advance_for else None, examples) for bs in batch_sizes]
    identical, differences = compare(pop, runs)
    return QualityReport(
        population=pop.summary(),
        policy=f"{policy.policy.version} ({policy.short_hash})",
        goals=GOALS,
        runs=runs,
        identical=identical,
        differences=differences,
    )
