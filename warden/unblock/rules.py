"""The way back's pure rules (S-D): eligibility, the client health check, the helpers' checks, abnormal
(third-party) unblock scoring, and the ladder's floors after an unblock (S-C3 probation, S-D5 plug-in watch).

Pure: no I/O, time comes in as arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warden.kernel.decision import Subject
from warden.kernel.ladder import next_step
from warden.kernel.model import ENTERPRISE_OUTCOME_RULES, Account, Restriction, Strike, StrikeStatus
from warden.kernel.policy import Ladder
from warden.unblock.policy import (
    AbnormalPolicy,
    CapPolicy,
    HealthPolicy,
    HelperPolicy,
    PluginWatchPolicy,
    ProbationPolicy,
    RelationshipPolicy,
    UnblockPolicy,
    VerificationPolicy,
)

"""The rules of the restrictions an enterprise's usage-policy outcome puts on an account (S-E4): the enterprise
decided them, so self-service refuses them as `enterprise_decision` and points to its HR or admin."""

# --- eligibility -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    targets: list[Restriction]  # what a successful unblock lifts
    refusal: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def eligibility(
    policy: UnblockPolicy, own: list[Restriction], enterprise: list[Restriction], now: datetime
) -> Eligibility:
    """Which active restrictions self-service may lift, or why it may not (S-D1, S-C4, earliest date). An
    enterprise's own outcome (HR's `deregister` or `app_removed`, S-E4) is told apart from a platform ban:
    `enterprise_decision`, with the case id, before `permanent` (issue 15, item 9)."""
    if not policy.enabled:
        return Eligibility([], "disabled")
    active = [r for r in own if r.active_at(now)]
    decided = next((r for r in active if r.rule_id in ENTERPRISE_OUTCOME_RULES), None)
    if decided is not None:  # the enterprise's own outcome (S-E4): not the platform's ban, nothing to unblock
        ev = decided.evidence
        return Eligibility([], "enterprise_decision", {"case": str(ev.get("case", "")), "outcome": ev.get("outcome")})
    if any(r.permanent for r in active):
        return Eligibility([], "permanent")
    if any(r.active_at(now) for r in enterprise):
        return Eligibility([], "enterprise_restricted")
    targets = [r for r in active if r.self_unblock and r.step in policy.eligible_steps]
    if not targets:
        return Eligibility([], "not_self_unblockable" if active else "no_longer_restricted")
    if policy.respect_earliest_date:
        earliest = max((r.earliest_unblock_at for r in targets if r.earliest_unblock_at), default=None)
        if earliest is not None and now < earliest:
            return Eligibility(targets, "too_early", {"earliest_at": earliest.isoformat()})
    return Eligibility(targets)


# --- verification (S-D1) ----------------------------------------------------------------------------------


def missing_methods(policy: VerificationPolicy, passed: list[str]) -> list[list[str]]:
    """The groups of `policy.require` no passed method satisfies yet (each as its allowed methods); empty: the
    application is verified."""
    done = set(passed)
    return [
        [m for m in group if m in policy.methods]
        for group in policy.require
        if not done & {m for m in group if m in policy.methods}
    ]


# --- the cap (S-D3) -----------------------------------------------------------------------------------------


def live_stamps(cap: CapPolicy, stamps: list[datetime], now: datetime) -> list[datetime]:
    """The applications still inside the rolling window at `now` (open at the far end)."""
    since = now - cap.window
    return [s for s in stamps if s > since]


def quota(cap: CapPolicy, stamps: list[datetime], now: datetime) -> dict[str, Any]:
    """The phone's cap as its owner reads it: `{cap, window_days, used, remaining, next_slot_at}` (ISO or None)."""
    live = live_stamps(cap, stamps, now)
    return {
        "cap": cap.max_applications,
        "window_days": round(cap.window.total_seconds() / 86400, 2),
        "used": len(live),
        "remaining": max(0, cap.max_applications - len(live)),
        "next_slot_at": (min(live) + cap.window).isoformat() if len(live) >= cap.max_applications else None,
    }


# --- health check (S-D7) ------------------------------------------------------------------------------------


def version_tuple(v: str) -> tuple[int, ...]:
    parts = [int(x) for x in v.split(".")]
    return tuple(parts + [0] * (4 - len(parts)))


def health_failures(
    policy: HealthPolicy, client_version: str, malware_flag: bool, plugin_signatures: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    if policy.refuse_malware and malware_flag:
        out.append(("health.malware", {}))
    if version_tuple(client_version) < version_tuple(policy.min_client_version):
        out.append(
            ("health.outdated_client", {"client_version": client_version, "min_version": policy.min_client_version})
        )
    if policy.refuse_plugins and plugin_signatures:
        out.append(("health.plugins", {"signatures": sorted(set(plugin_signatures))}))
    return out


@dataclass(frozen=True)
class SeenLogin:
    """What warden itself saw at the account's newest login (from the device checked, when it is named)."""

    at: datetime
    device_id: str
    client_version: str
    plugin_signatures: tuple[str, ...]
    malware_flag: bool


def seen_failures(
    policy: HealthPolicy,
    seen: SeenLogin | None,
    client_version: str,
    malware_flag: bool,
    plugin_signatures: list[str],
) -> list[tuple[str, dict[str, Any]]]:
    """S-D7, the client is not believed: what warden saw at the account's newest login within
    `policy.seen_window` before the check contradicts the client's report. Plug-ins or malware seen there and not
    reported, or a reported version newer than the one that logged in, each fail the check; the member logs in
    again with the clean client, then re-checks. No login in the window: nothing to contradict. A reported version
    counts as contradicted only when the version that logged in is below `min_client_version`."""
    if not policy.cross_check or seen is None:
        return []
    out: list[tuple[str, dict[str, Any]]] = []
    base = {"seen_at": seen.at.isoformat(), "device_id": seen.device_id}
    hidden = sorted(set(seen.plugin_signatures) - set(plugin_signatures))
    if policy.refuse_plugins and hidden:
        out.append(("health.seen_plugins", base | {"signatures": hidden}))
    if policy.refuse_malware and seen.malware_flag and not malware_flag:
        out.append(("health.seen_malware", base))
    if version_tuple(seen.client_version) < version_tuple(policy.min_client_version) <= version_tuple(client_version):
        out.append(
            (
                "health.seen_version",
                base | {"client_version": client_version, "seen_version": seen.client_version},
            )
        )
    return out


# --- helpers (S-D2) -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HelperFacts:
    """What the service read about a helper, for the pure checks."""

    account: Account
    strikes: list[Strike]
    active_restrictions: list[Restriction]
    confirmed_assists: int  # confirmations within the policy's assist window
    contact_since: datetime | None  # earliest contact between helper and requester, either direction
    two_way_conversation: bool


def helper_refusals(policy: HelperPolicy, facts: HelperFacts, now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """Every reason this helper may not vouch, in the policy's order (empty: the helper may confirm)."""
    out: list[tuple[str, dict[str, Any]]] = []
    for check in policy.checks:
        if check == "recent_violation":
            since = now - policy.clean_window
            recent = [s for s in facts.strikes if s.status is StrikeStatus.ACTIVE and since < s.at <= now]
            if recent:
                last = max(s.at for s in recent)
                out.append(
                    (
                        "helper.recent_violation",
                        {"last_at": last.isoformat(), "window_days": policy.clean_window.days, "count": len(recent)},
                    )
                )
        elif check == "restricted" and facts.active_restrictions:
            out.append(("helper.restricted", {"restrictions": [r.id for r in facts.active_restrictions]}))
        elif check == "too_new" and facts.account.age_days(now) < policy.min_account_age.total_seconds() / 86400:
            out.append(
                (
                    "helper.too_new",
                    {"age_days": int(facts.account.age_days(now)), "min_days": policy.min_account_age.days},
                )
            )
        elif check == "not_real_name" and not facts.account.real_name_verified:
            out.append(("helper.not_real_name", {}))
        elif check == "assisted_recently" and facts.confirmed_assists >= policy.max_assists:
            out.append(
                (
                    "helper.assisted_recently",
                    {
                        "assists": facts.confirmed_assists,
                        "max": policy.max_assists,
                        "window_days": policy.assist_window.days,
                    },
                )
            )
        elif check == "no_relationship" and not related(policy.relationship, facts, now):
            out.append(("helper.no_relationship", {"min_days": policy.relationship.min_contact_age.days}))
    return out


def related(policy: RelationshipPolicy, facts: HelperFacts, now: datetime) -> bool:
    if facts.contact_since is None or now - facts.contact_since < policy.min_contact_age:
        return False
    return facts.two_way_conversation or not policy.require_conversation


# --- abnormal unblocks (S-D4) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """A device or an ip someone used at a time: a login, a health check or a helper's confirmation."""

    account_id: str
    kind: str  # "device" | "ip"
    value: str
    at: datetime


@dataclass(frozen=True)
class HelperEdge:
    """One helper's confirmation of an unblock."""

    helper_id: str
    related: bool
    confirmed_at: datetime
    device_id: str | None
    ip: str | None

    def seen(self) -> list[Seen]:
        return [
            Seen(self.helper_id, k, v, self.confirmed_at) for k, v in (("device", self.device_id), ("ip", self.ip)) if v
        ]


@dataclass(frozen=True)
class UnblockNode:
    """A lifted (or reversed) unblock in the unblock graph: who, when, how, from where, and its helpers."""

    id: str
    account_id: str
    lifted_at: datetime
    methods: tuple[str, ...]
    device_id: str | None  # the requester's, at the health check
    ip: str | None
    checked_at: datetime | None  # when the requester's device and ip were seen (the health check)
    helpers: tuple[HelperEdge, ...] = ()

    def requester_seen(self) -> list[Seen]:
        if self.checked_at is None:
            return []
        at = self.checked_at
        return [Seen(self.account_id, k, v, at) for k, v in (("device", self.device_id), ("ip", self.ip)) if v]

    def all_seen(self) -> list[Seen]:
        return [*self.requester_seen(), *(s for e in self.helpers for s in e.seen())]


@dataclass(frozen=True)
class ThirdPartyReport:
    """The platform's report that an unblock went through a third-party platform (recorded at `reported_at`)."""

    id: str
    platform: str
    reported_at: datetime


@dataclass(frozen=True)
class Standing:
    """Everything the standing judgement of `node` reads: the unblocks sharing a helper, a device or an ip with it
    (any requester, `node` itself excluded), the logins of its requester and helpers, and the reports about it."""

    node: UnblockNode
    others: tuple[UnblockNode, ...] = ()
    logins: tuple[Seen, ...] = ()
    reports: tuple[ThirdPartyReport, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """The judgement: the score of every signal found, and when the score first reached the threshold
    (`decided_at`, None while it has not): the time of the evidence that tipped it, never the wall clock."""

    score: float
    threshold: float
    signals: list[tuple[str, float, dict[str, Any], datetime]]
    decided_at: datetime | None = None

    @property
    def abnormal(self) -> bool:
        return self.score >= self.threshold

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "threshold": self.threshold,
            "abnormal": self.abnormal,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "signals": [{"code": c, "weight": w, "params": p, "at": at.isoformat()} for c, w, p, at in self.signals],
        }


def _earliest_match(mine: list[Seen], theirs: list[Seen]) -> tuple[datetime, list[str]] | None:
    """The earliest time a device or ip of `mine` and one of `theirs` had both been seen (a pair counts from its
    later sighting), and every shared value ("device X", "ip Y"), sorted."""
    best: datetime | None = None
    what: set[str] = set()
    index: dict[tuple[str, str], datetime] = {}
    for t in theirs:
        key = (t.kind, t.value)
        index[key] = min(index.get(key, t.at), t.at)
    for m in mine:
        first = index.get((m.kind, m.value))
        if first is None:
            continue
        what.add(f"{m.kind} {m.value}")
        at = max(m.at, first)
        best = at if best is None or at < best else best
    return None if best is None else (best, sorted(what))


def _shared_with_others(
    person: str, mine: list[Seen], others: list[UnblockNode], inside: Callable[[datetime], bool]
) -> tuple[datetime, list[str], int] | None:
    """`person`'s devices and ips (`mine`) seen in other people's unblocks (their requester's health check or a
    helper's confirmation, by someone other than `person`): (earliest time, shared values, how many unblocks)."""
    theirs = {o.id: [x for x in o.all_seen() if x.account_id != person and inside(x.at)] for o in others}
    found = _earliest_match(mine, [x for xs in theirs.values() for x in xs])
    if found is None:
        return None
    at, what = found
    n = len([i for i, xs in theirs.items() if any(f"{x.kind} {x.value}" in what for x in xs)])
    return at, what, n


def _burst(times: list[datetime], mine: datetime, window: Any, count: int) -> tuple[datetime, int] | None:
    """The earliest moment `count` of `times` (sorted) fell within one `window` (open at its far end) that also
    holds `mine`, and how many fell within it then."""
    for j, tj in enumerate(times):
        if tj < mine:
            continue
        inside = [t for t in times[: j + 1] if tj - window < t]
        if mine > tj - window and len(inside) >= count:
            return tj, len(inside)
    return None


def judge_standing(policy: AbnormalPolicy, s: Standing) -> Verdict:
    """The standing S-D4 judgement of one unblock over the unblock graph around it. Depends only on the evidence
    in `s` (dated within (lifted - lookback, lifted + watch], reports at any time), never on its order, so the same
    evidence gives the same verdict however and whenever it arrived. Each signal fires at most once per helper
    (the requester's own network and each report platform once) and carries the time it became true.

    Signals: `helper_many_accounts` (the helper confirmed for ≥ `many_accounts` distinct requesters), `no_relationship`,
    `shared_device` (a helper's device or ip is the requester's — health check or a login, before or after the lift —
    or was used in another requester's unblock; or the requester's own device or ip was), `assist_burst`
    (≥ `burst_count` confirmations by one helper, device or ip within `burst_window`), `third_party_report`."""
    node = s.node
    lo, hi = node.lifted_at - policy.lookback, node.lifted_at + policy.watch

    def inside(at: datetime) -> bool:
        return lo < at <= hi

    others = [o for o in s.others if o.id != node.id and inside(o.lifted_at)]
    own_people = {node.account_id, *(e.helper_id for e in node.helpers)}
    strangers = [o for o in others if o.account_id not in own_people]  # other people's unblocks
    logins = [x for x in s.logins if inside(x.at)]
    found: list[tuple[str, float, dict[str, Any], datetime]] = []

    def add(name: str, params: dict[str, Any], at: datetime) -> None:
        sig = policy.signals.get(name)
        if sig is not None and sig.enabled:
            found.append((f"signal.{name}", sig.weight, params, at))

    confirmations = [(o, e) for o in [node, *others] for e in o.helpers if inside(e.confirmed_at)]
    requester_net = node.requester_seen() + [x for x in logins if x.account_id == node.account_id]
    for e in node.helpers:
        mine = [(o, x) for o, x in confirmations if x.helper_id == e.helper_id]
        firsts: dict[str, datetime] = {}
        for o, x in sorted(mine, key=lambda p: p[1].confirmed_at):
            firsts.setdefault(o.account_id, x.confirmed_at)
        if len(firsts) >= policy.many_accounts:
            add(
                "helper_many_accounts",
                {
                    "helper_id": e.helper_id,
                    "accounts": len(firsts),
                    "strangers": len({o.account_id for o, x in mine if not x.related}),
                    "days": policy.lookback.days,
                },
                sorted(firsts.values())[policy.many_accounts - 1],
            )
        if not e.related:
            add("no_relationship", {"helper_id": e.helper_id}, e.confirmed_at)
        helper_net = e.seen() + [x for x in logins if x.account_id == e.helper_id]
        with_requester = _earliest_match(helper_net, requester_net)
        with_others = _shared_with_others(e.helper_id, e.seen(), strangers, inside)
        if with_requester is not None and (with_others is None or with_requester[0] <= with_others[0]):
            at, what = with_requester
            add("shared_device", {"helper_id": e.helper_id, "with": "requester", "what": ", ".join(what)}, at)
        elif with_others is not None:
            at, what, n = with_others
            add(
                "shared_device",
                {"helper_id": e.helper_id, "with": "other_unblocks", "what": ", ".join(what), "unblocks": n},
                at,
            )
        best: tuple[datetime, int, str] | None = None
        for attr, value in (("helper_id", e.helper_id), ("device_id", e.device_id), ("ip", e.ip)):
            if not value:
                continue
            label = f"{attr.removesuffix('_id')} {value}"
            times = sorted(
                {(o.id, x.helper_id, x.confirmed_at) for o, x in confirmations if getattr(x, attr) == value},
                key=lambda k: k[2],
            )
            hit = _burst([k[2] for k in times], e.confirmed_at, policy.burst_window, policy.burst_count)
            if hit is not None and (best is None or (hit[0], -hit[1]) < (best[0], -best[1])):
                best = (hit[0], hit[1], label)
        if best is not None:
            add(
                "assist_burst",
                {"key": best[2], "count": best[1], "minutes": int(policy.burst_window.total_seconds() // 60)},
                best[0],
            )
    own = _shared_with_others(node.account_id, requester_net, strangers, inside)
    if own is not None:
        at, what, n = own
        add("shared_device", {"helper_id": None, "with": "other_unblocks", "what": ", ".join(what), "unblocks": n}, at)
    for platform, rep in sorted(
        {r.platform: r for r in sorted(s.reports, key=lambda r: r.reported_at, reverse=True)}.items()
    ):
        add("third_party_report", {"platform": platform, "report": rep.id}, rep.reported_at)
    score = round(sum(w for _, w, _, _ in found), 3)
    decided: datetime | None = None
    total = 0.0
    for _, w, _, at in sorted(found, key=lambda f: f[3]):
        total += w
        if round(total, 3) >= policy.threshold:
            decided = max(at, node.lifted_at)
            break
    return Verdict(score, policy.threshold, found, decided)


# --- probation and plug-in watch (S-C3, S-D5) -------------------------------------------------------------------


@dataclass(frozen=True)
class LiftedUnblock:
    """An unblock that lifted restrictions: what the ladder must remember afterwards. `reversed_at`: when an S-D4
    reversal took it back (its probation and plug-in watch hold before then only, in event time: a late event
    older than the reversal is decided as it was in event order)."""

    application_id: str
    account_id: str
    lifted_at: datetime
    step: int
    rules: tuple[str, ...]
    plugin_signatures: tuple[str, ...]
    reversed_at: datetime | None = None

    def holds(self, at: datetime) -> bool:
        """Whether it was lifted and not yet reversed at `at`."""
        return self.lifted_at <= at and (self.reversed_at is None or at < self.reversed_at)


def probation_of(policy: ProbationPolicy, unblocks: list[LiftedUnblock], at: datetime) -> LiftedUnblock | None:
    if not policy.enabled:
        return None
    live = [u for u in unblocks if u.holds(at) and at < u.lifted_at + policy.duration]
    return max(live, key=lambda u: u.lifted_at, default=None)


def plugin_watch_of(policy: PluginWatchPolicy, unblocks: list[LiftedUnblock], at: datetime) -> LiftedUnblock | None:
    if not policy.enabled:
        return None
    live = [u for u in unblocks if "plugin_software" in u.rules and u.holds(at) and at < u.lifted_at + policy.window]
    return max(live, key=lambda u: u.lifted_at, default=None)


# --- the ladder's floors after an unblock (S-C3 probation, S-D5 plug-in re-ban) ----------------------------------


def step_floor(
    pol: UnblockPolicy,
    ladder: Ladder,
    plugin_severity: str,
    lifted: list[LiftedUnblock],
    subject: Subject,
    severity: str,
    at: datetime,
) -> int:
    """Probation: one more step than the ladder says. Plug-in after an unblock: ≥ min_step; Nth → top."""
    history = sorted((s.at, s.step) for s in subject.strikes if s.status is StrikeStatus.ACTIVE)
    floor = 0
    if probation_of(pol.probation, lifted, at) is not None:
        floor = next_step(ladder, history, severity, at) + pol.probation.extra_steps
    if severity == plugin_severity and pol.plugin_watch.enabled:
        if plugin_watch_of(pol.plugin_watch, lifted, at) is not None:
            floor = max(floor, pol.plugin_watch.min_step, next_step(ladder, history, severity, at))
        prior = [s for s in subject.strikes if s.rule_id == "plugin_software" and s.status is StrikeStatus.ACTIVE]
        if len(prior) + 1 >= pol.plugin_watch.ban_on_detection:
            floor = ladder.top
    return int(min(floor, ladder.top))


def strike_note(pol: UnblockPolicy, lifted: list[LiftedUnblock], strike: Strike, subject: Subject) -> dict[str, Any]:
    """Why a strike's step is higher after an unblock (probation, a plug-in seen again), for its evidence."""
    note: dict[str, Any] = {}
    p = probation_of(pol.probation, lifted, strike.at)
    if p is not None:
        note["probation"] = {
            "application": p.application_id,
            "lifted_at": p.lifted_at.isoformat(),
            "until": (p.lifted_at + pol.probation.duration).isoformat(),
            "extra_steps": pol.probation.extra_steps,
        }
    if strike.rule_id == "plugin_software":
        w = plugin_watch_of(pol.plugin_watch, lifted, strike.at)
        if w is not None:
            seen = set(strike.evidence.get("signatures", []))
            note["plugin_reban"] = {
                "application": w.application_id,
                "lifted_at": w.lifted_at.isoformat(),
                "recorded_signatures": list(w.plugin_signatures),
                "still_present": sorted(seen & set(w.plugin_signatures)),
                "min_step": pol.plugin_watch.min_step,
            }
        count = sum(1 for s in subject.strikes if s.rule_id == "plugin_software" and s.status is StrikeStatus.ACTIVE)
        if pol.plugin_watch.enabled and count >= pol.plugin_watch.ban_on_detection:
            note["plugin_detections"] = count
    return note
