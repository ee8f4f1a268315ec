"""The way back's pure rules (S-D): eligibility, the client health check, the helpers' checks, abnormal
(third-party) unblock scoring, and the ladder's floors after an unblock (S-C3 probation, S-D5 plug-in watch).

Pure: no I/O, time comes in as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warden.kernel.decision import Subject
from warden.kernel.ladder import next_step
from warden.kernel.model import Account, Restriction, Strike, StrikeStatus
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

# --- eligibility -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    targets: list[Restriction]  # what a successful unblock lifts
    refusal: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def eligibility(
    policy: UnblockPolicy, own: list[Restriction], enterprise: list[Restriction], now: datetime
) -> Eligibility:
    """Which active restrictions self-service may lift, or why it may not (S-D1, S-C4, earliest date)."""
    if not policy.enabled:
        return Eligibility([], "disabled")
    active = [r for r in own if r.active_at(now)]
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
class AssistFacts:
    """One helper's confirmation of this unblock, and what the service found around it."""

    helper_id: str
    related: bool
    device_id: str | None
    ip: str | None
    accounts_assisted: int  # distinct requesters this helper confirmed for within the lookback (this one included)
    requester_devices: frozenset[str]
    requester_ips: frozenset[str]
    device_shared_with: list[str]  # other requesters (unrelated unblocks) whose helper used this device or ip
    burst: tuple[str, int] | None  # (helper/device/ip key, confirmations within the burst window)


@dataclass(frozen=True)
class Verdict:
    score: float
    threshold: float
    signals: list[tuple[str, float, dict[str, Any]]]

    @property
    def abnormal(self) -> bool:
        return self.score >= self.threshold

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "threshold": self.threshold,
            "abnormal": self.abnormal,
            "signals": [{"code": c, "weight": w, "params": p} for c, w, p in self.signals],
        }


def judge(policy: AbnormalPolicy, assists: list[AssistFacts]) -> Verdict:
    """Score the signals of a friend-assisted unblock; each signal fires at most once per helper."""
    found: list[tuple[str, float, dict[str, Any]]] = []

    def add(name: str, params: dict[str, Any]) -> None:
        sig = policy.signals.get(name)
        if sig is not None and sig.enabled:
            found.append((f"signal.{name}", sig.weight, params))

    for a in assists:
        if a.accounts_assisted >= policy.many_accounts:
            add(
                "helper_many_accounts",
                {"helper_id": a.helper_id, "accounts": a.accounts_assisted, "days": policy.lookback.days},
            )
        if not a.related:
            add("no_relationship", {"helper_id": a.helper_id})
        shared = []
        if a.device_id and a.device_id in a.requester_devices:
            shared.append(f"device {a.device_id}")
        if a.ip and a.ip in a.requester_ips:
            shared.append(f"ip {a.ip}")
        if shared:
            add("shared_device", {"helper_id": a.helper_id, "with": "requester", "what": ", ".join(shared)})
        elif a.device_shared_with:
            add(
                "shared_device",
                {
                    "helper_id": a.helper_id,
                    "with": "other unblocks: " + ", ".join(sorted(a.device_shared_with)),
                    "what": ", ".join(x for x in (a.device_id, a.ip) if x),
                },
            )
        if a.burst is not None and a.burst[1] >= policy.burst_count:
            add(
                "assist_burst",
                {"key": a.burst[0], "count": a.burst[1], "minutes": int(policy.burst_window.total_seconds() // 60)},
            )
    score = round(sum(w for _, w, _ in found), 3)
    return Verdict(score, policy.threshold, found)


# --- probation and plug-in watch (S-C3, S-D5) -------------------------------------------------------------------


@dataclass(frozen=True)
class LiftedUnblock:
    """An unblock that lifted restrictions: what the ladder must remember afterwards."""

    application_id: str
    account_id: str
    lifted_at: datetime
    step: int
    rules: tuple[str, ...]
    plugin_signatures: tuple[str, ...]


def probation_of(policy: ProbationPolicy, unblocks: list[LiftedUnblock], at: datetime) -> LiftedUnblock | None:
    if not policy.enabled:
        return None
    live = [u for u in unblocks if u.lifted_at <= at < u.lifted_at + policy.duration]
    return max(live, key=lambda u: u.lifted_at, default=None)


def plugin_watch_of(policy: PluginWatchPolicy, unblocks: list[LiftedUnblock], at: datetime) -> LiftedUnblock | None:
    if not policy.enabled:
        return None
    live = [u for u in unblocks if "plugin_software" in u.rules and u.lifted_at <= at < u.lifted_at + policy.window]
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
