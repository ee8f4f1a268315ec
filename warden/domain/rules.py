"""Part A rules: one event and the subject's state in, a decision and its effects out.

Pure: the rules count through the `Counters` port, screen through the `Screener` port, read weight
through the `WeightSource` port, and write nothing. Every reason carries the values that made it fire
(Osprey style), so the explanation is the evidence. Ids are derived from event ids, so a replay yields the
same strikes and restrictions.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from warden.domain import events as ev
from warden.domain.counters import Counters, Entry, distinct, event_ids
from warden.domain.ladder import block_end, next_step, restriction_for
from warden.domain.model import (
    Account,
    Action,
    Enterprise,
    Flag,
    Restriction,
    Strike,
    StrikeStatus,
    scope_blocks,
)
from warden.domain.policy import LoadedPolicy, condition_holds
from warden.screening import Hit, Screener, severity_rank


class WeightSource(Protocol):
    """Seam for weight (S-B): the weight (0–100) at decision time `at`, from the events before the decision
    (issue 10). None means unknown, and rules then scale by 1."""

    def account_weight(self, account_id: str, at: datetime) -> float | None: ...
    def enterprise_weight(self, enterprise_id: str, at: datetime) -> float | None: ...


class ContactCount(Protocol):
    """Seam for the S-A4 cap: an enterprise's live external contacts before the decision at (`at`, `event_id`)
    in event time (`warden.service.contacts`); None when unknown (the enterprise's stored count is read)."""

    def external_contacts(self, enterprise_id: str, at: datetime, event_id: str | None = None) -> int | None: ...


class NoWeights:
    def account_weight(self, account_id: str, at: datetime | None = None) -> float | None:
        return None

    def enterprise_weight(self, enterprise_id: str, at: datetime | None = None) -> float | None:
        return None


@dataclass(frozen=True, slots=True)
class Reason:
    """Why: a stable `code`, the rule and spec it comes from, its level, and the values behind it."""

    code: str
    rule: str
    spec: str
    level: str  # deny | warn | info
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "rule": self.rule, "spec": self.spec, "level": self.level, "params": self.params}


@dataclass
class Outcome:
    """The answer for one event. `allowed` is None for events that ask nothing (feature use, profile …)."""

    event_id: str
    allowed: bool | None
    reasons: list[Reason] = field(default_factory=list)
    counted: list[tuple[str, float, str]] = field(default_factory=list)
    duplicate: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"allowed": self.allowed, "reasons": [r.as_dict() for r in self.reasons]}


@dataclass
class Subject:
    """What the rules see of one account at decision time; mutated as the batch goes on."""

    account: Account
    enterprise: Enterprise
    restrictions: list[Restriction] = field(default_factory=list)
    enterprise_restrictions: list[Restriction] = field(default_factory=list)
    strikes: list[Strike] = field(default_factory=list)
    enterprise_strikes: list[Strike] = field(default_factory=list)  # shared by all members of the enterprise
    exemptions: dict[str, datetime] = field(default_factory=dict)  # rule id → exempt until

    def active_restrictions(self, now: datetime) -> list[Restriction]:
        own = [r for r in self.restrictions if r.active_at(now)]
        return own + [r for r in self.enterprise_restrictions if r.active_at(now)]

    def blocked(self, action: Action, now: datetime) -> list[Restriction]:
        return [r for r in self.active_restrictions(now) if scope_blocks(r.scope, action)]


@dataclass
class Changes:
    """Everything a batch of decisions writes, gathered for one transaction."""

    strikes: list[Strike] = field(default_factory=list)
    restrictions: list[Restriction] = field(default_factory=list)
    updated_restrictions: list[Restriction] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    accounts: dict[str, Account] = field(default_factory=dict)
    enterprises: dict[str, Enterprise] = field(default_factory=dict)
    contacts: list[tuple[str, str, datetime]] = field(default_factory=list)


def derive_id(prefix: str, *parts: str) -> str:
    return prefix + "_" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


StrikeHook = Callable[["RuleEngine", Strike, Subject, Changes], None]
"""Runs after a strike is issued (S-A5 cascade plugs in here)."""
StepFloor = Callable[[Subject, str, datetime], int]
"""Demands a minimum step for a new strike (probation after an unblock plugs in here)."""


class RuleEngine:
    def __init__(
        self,
        policy: LoadedPolicy,
        screener: Screener,
        weights: WeightSource | None = None,
        strike_hooks: list[StrikeHook] | None = None,
        step_floors: list[StepFloor] | None = None,
    ) -> None:
        self.loaded = policy
        self.policy = policy.policy
        self.screener = screener
        self.weights = weights or NoWeights()
        self.strike_hooks = strike_hooks or []
        self.step_floors = step_floors or []
        self.contacts: ContactCount | None = None
        self._handlers: dict[str, Callable[[Any, Subject, Counters, Changes, Outcome], None]] = {
            "contact_request": self._contact_request,
            "contact_added": self._contact_added,
            "contact_removed": self._contact_removed,
            "report": self._report,
            "login": self._login,
            "profile_change": self._profile_change,
            "message": self._message,
            "verification_change": self._verification_change,
        }

    def retention_seconds(self) -> float:
        """The longest window any counter needs: how much history a rebuild must read."""
        r = self.policy.rules
        spans = [w.length for w in r.phone_search_velocity.windows]
        spans += [t.window for t in r.reports.thresholds]
        spans += [r.inbound_add_burst.window, r.sensitive_words.repeat_window]
        if r.reports.negative_feedback:
            spans.append(r.reports.negative_feedback.window)
        return max(s.total_seconds() for s in spans)

    # --- entry point ------------------------------------------------------------------------------------

    def evaluate(self, event: Any, subject: Subject, counters: Counters, changes: Changes) -> Outcome:
        asks = event.type in ("contact_request", "login")
        out = Outcome(event_id=event.id, allowed=True if asks else None)
        handler = self._handlers.get(event.type)
        if handler is not None:
            handler(event, subject, counters, changes, out)
        return out

    # --- helpers ----------------------------------------------------------------------------------------

    def _count(self, counters: Counters, out: Outcome, key: str, e: Any, value: str | None = None) -> None:
        """Count event `e` under `key`; `value` is what `distinct` counts (default: the event itself)."""
        at = e.occurred_at.timestamp()
        v = e.id if value is None else value
        counters.add(key, at, e.id, v)
        out.counted.append((key, at, v))

    @staticmethod
    def _window(
        counters: Counters, key: str, e: Any, length: float, spent_after: float | None = None
    ) -> tuple[list[Entry], float]:
        """The entries a decision about `e` sees in a window of `length` seconds (the project's one window rule:
        `t − length < s ≤ t`, ties by event id), starting after `spent_after` when evidence was spent. Returns the
        entries and the window's exclusive start."""
        ts = e.occurred_at.timestamp()
        since = ts - length
        if spent_after is not None and spent_after > since:
            since = spent_after
        return counters.window(key, since, ts, e.id), since

    @staticmethod
    def spent_after(subject: Subject, rule: str, at: datetime) -> float | None:
        """Evidence behind a voided or overturned strike is spent: every window of `rule` starts after the newest
        such strike (a manual action recorded before this decision). This holds whatever the date of the event
        decided: a late event dated before the voided strike sees an empty window, never the rejected evidence."""
        spent = [s.at.timestamp() for s in subject.strikes if s.rule_id == rule and s.status is not StrikeStatus.ACTIVE]
        return max(spent) if spent else None

    @property
    def _reads_enterprise_weight(self) -> bool:
        return any("enterprise_weight" in m.when for m in self.policy.rules.phone_search_velocity.modifiers)

    def features(self, subject: Subject, now: datetime) -> dict[str, Any]:
        """What declarative conditions may test; the enterprise weight only when a condition reads it."""
        a, e = subject.account, subject.enterprise
        feats = {
            "account_age_days": a.age_days(now),
            "account_verified": a.real_name_verified,
            "enterprise_verified": e.verified,
            "account_weight": self.weights.account_weight(a.id, now),
        }
        if self._reads_enterprise_weight:
            feats["enterprise_weight"] = self.weights.enterprise_weight(e.id, now)
        return feats

    def _already_restricted_by(self, subject: Subject, rule: str, now: datetime) -> bool:
        return any(r.rule_id == rule for r in subject.restrictions if r.active_at(now))

    def issue_strike(
        self,
        subject: Subject,
        changes: Changes,
        *,
        rule: str,
        severity: str,
        at: datetime,
        evidence: dict[str, Any],
        event_id: str | None,
        minimum_end: datetime | None = None,
        floor: int = 0,
        key: str | None = None,
    ) -> Strike | None:
        """Record a violation on the account and impose the ladder's next step. None if exempt.

        The strike's id derives from `key` (a manual strike's request), else the event id, else the time."""
        until = subject.exemptions.get(rule)
        if until is not None and at < until:
            return None
        history = sorted((s.at, s.step) for s in subject.strikes if s.status is StrikeStatus.ACTIVE)
        floor = max([floor] + [f(subject, severity, at) for f in self.step_floors])
        step = next_step(self.policy.ladder, history, severity, at, floor)
        if floor > self.policy.ladder.severities[severity].min_step:
            evidence = {**evidence, "step_floor": floor}  # kept, so a recomputed ladder still honours it
        sid = derive_id("stk", key or event_id or at.isoformat(), rule, subject.account.id)
        spec = getattr(getattr(self.policy.rules, rule, None), "spec", None)
        if spec and "spec" not in evidence:
            evidence = {"spec": spec, **evidence}
        strike = Strike(
            id=sid,
            subject_type="account",
            subject_id=subject.account.id,
            rule_id=rule,
            severity=severity,
            step=step,
            at=at,
            policy_hash=self.loaded.hash,
            evidence=evidence,
            event_id=event_id,
        )
        restriction = restriction_for(self.policy.ladder, strike, derive_id("rst", sid), minimum_end)
        subject.strikes.append(strike)
        subject.restrictions.append(restriction)
        changes.strikes.append(strike)
        changes.restrictions.append(restriction)
        for hook in self.strike_hooks:
            hook(self, strike, subject, changes)
        return strike

    def issue_enterprise_strike(
        self,
        enterprise: Enterprise,
        history: list[Strike],
        restrictions: list[Restriction],
        changes: Changes,
        *,
        rule: str,
        severity: str,
        at: datetime,
        evidence: dict[str, Any],
        key: str,
    ) -> Strike:
        """A penalty on a whole enterprise (S-C2): same ladder, from `enterprise_min_step` up.

        `history` and `restrictions` are the enterprise's lists shared by its members' subjects; they are
        appended to, so members see the enterprise restriction at once. `key` makes the id deterministic.
        Enterprise restrictions end only by appeal or expiry, never by self-service.
        """
        ladder = self.policy.ladder
        past = sorted((s.at, s.step) for s in history if s.status is StrikeStatus.ACTIVE)
        step = next_step(ladder, past, severity, at, ladder.enterprise_min_step)
        sid = derive_id("stk", key, rule, enterprise.id)
        strike = Strike(
            id=sid,
            subject_type="enterprise",
            subject_id=enterprise.id,
            rule_id=rule,
            severity=severity,
            step=step,
            at=at,
            policy_hash=self.loaded.hash,
            evidence=evidence,
            event_id=evidence.get("event_id"),
        )
        restriction = restriction_for(ladder, strike, derive_id("rst", sid))
        history.append(strike)
        restrictions.append(restriction)
        changes.strikes.append(strike)
        changes.restrictions.append(restriction)
        return strike

    # --- contact requests: S-A1, S-A3/A4, S-A6, S-A7 -----------------------------------------------------

    def _contact_request(
        self, e: ev.ContactRequest, subject: Subject, counters: Counters, changes: Changes, out: Outcome
    ) -> None:
        at = e.occurred_at
        blocking = subject.blocked(Action.ADD_CONTACT, at)
        if blocking:  # S-A7: proactive adding paused while any restriction is active
            out.allowed = False
            out.reasons.append(
                Reason(
                    "paused.restricted",
                    "restriction",
                    "S-A7",
                    "deny",
                    {"restrictions": [r.id for r in blocking], "rules": sorted({r.rule_id for r in blocking})},
                )
            )
        if e.method == "phone_search":
            self._phone_search_velocity(e, subject, counters, changes, out)
        self._greeting_words(e, subject, counters, changes, out)
        self._unverified_enterprise_cap(e, subject, out)

    def _phone_search_velocity(
        self, e: ev.ContactRequest, subject: Subject, counters: Counters, changes: Changes, out: Outcome
    ) -> None:
        """S-A1: every window is checked, always. Any hard limit passed refuses and restricts (the block of the
        window that ends last); soft limits passed warn."""
        rule = self.policy.rules.phone_search_velocity
        if not rule.enabled:
            return
        at = e.occurred_at
        key = f"ps:{subject.account.id}"
        self._count(counters, out, key, e)
        feats = self.features(subject, at)
        factor = 1.0
        applied: list[str] = []
        for m in rule.modifiers:
            if condition_holds(m.when, feats):
                factor *= m.factor
                applied.append(m.reason)
        base, base_applied = factor, list(applied)
        wf = rule.weight_scaling.factor(feats["account_weight"])
        if wf != 1.0:
            factor *= wf
            applied.append(f"weight:{feats['account_weight']:.0f}")
        spent = self.spent_after(subject, "phone_search_velocity", at)
        passed: list[tuple[datetime, dict[str, Any], list[Entry]]] = []
        for w in rule.windows:
            f, mods = (factor, applied) if w.scale_with_weight else (base, base_applied)
            entries, _ = self._window(counters, key, e, w.length.total_seconds(), spent)
            n = len(entries)
            soft = max(1, math.floor(w.soft * f))
            hard = max(soft, math.floor(w.hard * f))
            params = {
                "window": w.name,
                "window_seconds": int(w.length.total_seconds()),
                "count": n,
                "soft": soft,
                "hard": hard,
                "factor": round(f, 3),
                "modifiers": mods,
            }
            if n > hard:
                out.allowed = False
                out.reasons.append(Reason("velocity.hard_limit", "phone_search_velocity", rule.spec, "deny", params))
                passed.append((block_end(w, at, self.policy.timezone), params, entries))
            elif n > soft:
                out.reasons.append(Reason("velocity.soft_limit", "phone_search_velocity", rule.spec, "warn", params))
        if passed and not self._already_restricted_by(subject, "phone_search_velocity", at):
            until, params, entries = max(passed, key=lambda p: p[0])
            self.issue_strike(
                subject,
                changes,
                rule="phone_search_velocity",
                severity=rule.severity,
                at=at,
                evidence=params | {"event_ids": event_ids(entries), "block_until": until.isoformat()},
                event_id=e.id,
                minimum_end=until,
            )

    def _screen(self, text: str, scope: str) -> tuple[list[Hit], list[Hit]]:
        """Screen a text with the lists of `scope` (the enterprise) when the screener keeps lists per scope;
        returns (blocking hits, lesser hits) under the policy's severity bar."""
        rule = self.policy.rules.sensitive_words
        bar = severity_rank(rule.block_min_severity)
        scoped = getattr(self.screener, "screen_in", None)
        hits = (scoped(scope, text) if scoped else self.screener.screen(text)) if text else []
        if rule.ignore_categories:
            hits = [h for h in hits if h.category not in rule.ignore_categories]
        warn = rule.warn_categories
        strong = [h for h in hits if severity_rank(h.severity) >= bar and h.category not in warn]
        weak = [h for h in hits if severity_rank(h.severity) < bar or h.category in warn]
        return strong, weak

    def _words_hit(
        self, e: Any, text: str, subject: Subject, counters: Counters, changes: Changes, out: Outcome, where: str
    ) -> bool:
        rule = self.policy.rules.sensitive_words
        if not rule.enabled:
            return False
        strong, weak = self._screen(text, subject.enterprise.id)
        if weak:
            out.reasons.append(
                Reason(
                    f"{where}.sensitive_weak",
                    "sensitive_words",
                    rule.spec,
                    "warn",
                    {"hits": [h.as_dict() for h in weak]},
                )
            )
        if not strong:
            return False
        at = e.occurred_at
        key = f"sw:{subject.account.id}"
        self._count(counters, out, key, e)
        entries, _ = self._window(
            counters, key, e, rule.repeat_window.total_seconds(), self.spent_after(subject, "sensitive_words", at)
        )
        n = len(entries)
        params = {
            "hits": [h.as_dict() for h in strong],
            "count": n,
            "repeat_count": rule.repeat_count,
            "window_seconds": int(rule.repeat_window.total_seconds()),
        }
        out.reasons.append(
            Reason(
                f"{where}.sensitive", "sensitive_words", rule.spec, "deny" if where == "greeting" else "warn", params
            )
        )
        if n >= rule.repeat_count and not self._already_restricted_by(subject, "sensitive_words", at):
            # the text around the hits (hit offsets minus `text_offset` index it), so a person sees what matched
            lo = max(0, min(h.start for h in strong) - 80)
            hi = max(h.end for h in strong) + 80
            self.issue_strike(
                subject,
                changes,
                rule="sensitive_words",
                severity=rule.severity,
                at=at,
                evidence=params | {"event_ids": event_ids(entries), "text": text[lo:hi], "text_offset": lo},
                event_id=e.id,
            )
        return True

    def _greeting_words(
        self, e: ev.ContactRequest, subject: Subject, counters: Counters, changes: Changes, out: Outcome
    ) -> None:
        if self._words_hit(e, e.greeting, subject, counters, changes, out, "greeting"):
            out.allowed = False

    def _unverified_enterprise_cap(self, e: ev.ContactRequest, subject: Subject, out: Outcome) -> None:
        ent = subject.enterprise
        if ent.verified or not self.policy.rules.unverified_enterprise_cap.enabled:
            return
        live = self.contacts.external_contacts(ent.id, e.occurred_at, e.id) if self.contacts is not None else None
        reason = self.standing_cap_refusal(ent, live)
        if reason is not None:
            out.allowed = False
            out.reasons.append(reason)

    def standing_cap_refusal(self, ent: Enterprise, live: int | None = None) -> Reason | None:
        """The S-A4 refusal every contact request of this enterprise's members gets now, or None: an unverified
        enterprise at its cap of external contacts (`rules.unverified_enterprise_cap`, 200 — DOC rules 34–35).
        It restricts nobody, so the explanation shows it beside the restrictions (issue 10, item 12).

        `live` is the count at the decision (`contacts`: the live external contacts in event time); without
        it, the enterprise's stored count (as of its newest event)."""
        rule = self.policy.rules.unverified_enterprise_cap
        n = ent.external_contacts if live is None else live
        if not rule.enabled or ent.verified or n < rule.max_external_contacts:
            return None
        return Reason(
            "cap.unverified_enterprise",
            "unverified_enterprise_cap",
            rule.spec,
            "deny",
            {"external_contacts": n, "cap": rule.max_external_contacts},
        )

    # --- contacts and reports: S-A1 inbound burst, S-A2 ---------------------------------------------------

    def _contact_added(
        self, e: ev.ContactAdded, subject: Subject, counters: Counters, changes: Changes, out: Outcome
    ) -> None:
        acc = subject.account
        changes.contacts.append((acc.id, e.contact_id, e.occurred_at))  # (S-A4 counts external ones: `contacts`)
        if e.initiated_by == "self":  # the account's own adds: the denominator of negative feedback (S-A2)
            self._count(counters, out, f"nc:{acc.id}", e, e.contact_id)
            return
        rule = self.policy.rules.inbound_add_burst
        if not rule.enabled:
            return
        key = f"ib:{acc.id}"
        self._count(counters, out, key, e)
        entries, _ = self._window(counters, key, e, rule.window.total_seconds())
        n = len(entries)
        if n == rule.threshold + 1:  # flag once, when the window first crosses the threshold
            params = {"count": n, "threshold": rule.threshold, "window_seconds": int(rule.window.total_seconds())}
            changes.flags.append(
                Flag(
                    id=derive_id("flg", e.id, "inbound_add_burst"),
                    subject_type="account",
                    subject_id=acc.id,
                    rule_id="inbound_add_burst",
                    at=e.occurred_at,
                    evidence=params | {"event_ids": event_ids(entries)},
                )
            )
            out.reasons.append(Reason("inbound_burst.flagged", "inbound_add_burst", rule.spec, "info", params))

    def _contact_removed(
        self, e: ev.ContactRemoved, subject: Subject, counters: Counters, changes: Changes, out: Outcome
    ) -> None:
        self._count(counters, out, f"nf:{subject.account.id}", e, e.contact_id)
        self._negative_feedback(e, subject, counters, changes, out)

    def _report(self, e: ev.Report, subject: Subject, counters: Counters, changes: Changes, out: Outcome) -> None:
        rule = self.policy.rules.reports
        acc = subject.account
        at = e.occurred_at
        self._count(counters, out, f"rp:{acc.id}", e, e.reporter_id)
        self._count(counters, out, f"nf:{acc.id}", e, e.reporter_id)
        self._count(counters, out, f"rpr:{acc.id}", e, e.reason)  # reports by reason: the strike's severity
        if not rule.enabled:
            return
        spent = self.spent_after(subject, "reports", at)
        for t in rule.thresholds:
            entries, _ = self._window(counters, f"rp:{acc.id}", e, t.window.total_seconds(), spent)
            n = distinct(entries)
            if n >= t.distinct_reporters:
                severity, by_reason = self._report_severity(counters, acc.id, e, t.window.total_seconds(), spent)
                params = {
                    "distinct_reporters": n,
                    "threshold": t.distinct_reporters,
                    "window_seconds": int(t.window.total_seconds()),
                    "event_ids": event_ids(entries),
                    "reason": e.reason,
                    "reasons": by_reason,
                    "severity": severity,
                }
                out.reasons.append(Reason("reports.threshold", "reports", rule.spec, "info", params))
                if not self._already_restricted_by(subject, "reports", at):
                    self.issue_strike(
                        subject, changes, rule="reports", severity=severity, at=at, evidence=params, event_id=e.id
                    )
                return
        self._negative_feedback(e, subject, counters, changes, out)

    def _report_severity(
        self, counters: Counters, account_id: str, e: Any, length: float, spent: float | None
    ) -> tuple[str, dict[str, int]]:
        """The highest severity class (by the ladder's `min_step`, then the ladder's order) among the reports of
        the window that crossed the threshold, through `rules.reports.reason_severity`; and the reports per reason
        (`{"harassment": 3}`). Issue 10, item 11."""
        rule = self.policy.rules.reports
        sev = self.policy.ladder.severities
        order = list(sev)
        entries, _ = self._window(counters, f"rpr:{account_id}", e, length, spent)
        by_reason: dict[str, int] = {}
        for _, _, reason in entries:
            by_reason[reason] = by_reason.get(reason, 0) + 1
        found = [rule.severity_of(r) for r in by_reason] or [rule.severity]
        return max(found, key=lambda s: (sev[s].min_step, order.index(s))), by_reason

    def _negative_feedback(self, e: Any, subject: Subject, counters: Counters, changes: Changes, out: Outcome) -> None:
        """S-A2 negative feedback, like with like: of the contacts this account itself added within the window,
        the share that removed or reported it within the same window."""
        rule = self.policy.rules.reports
        nf = rule.negative_feedback
        if not rule.enabled or nf is None:
            return
        acc = subject.account
        at = e.occurred_at
        length = nf.window.total_seconds()
        spent = self.spent_after(subject, "reports", at)
        added, _ = self._window(counters, f"nc:{acc.id}", e, length, spent)
        contacts = {v for _, _, v in added}
        if len(contacts) < nf.min_new_contacts:
            return
        feedback, _ = self._window(counters, f"nf:{acc.id}", e, length, spent)
        negative = [x for x in feedback if x[2] in contacts]
        who = {v for _, _, v in negative}
        ratio = len(who) / len(contacts)
        if len(who) < nf.min_negative or ratio <= nf.max_ratio:
            return
        params = {
            "negative": len(who),
            "new_contacts": len(contacts),
            "ratio": round(ratio, 3),
            "max_ratio": nf.max_ratio,
            "min_negative": nf.min_negative,
            "window_seconds": int(length),
            "event_ids": event_ids(negative),
        }
        out.reasons.append(Reason("reports.negative_feedback", "reports", rule.spec, "info", params))
        if not self._already_restricted_by(subject, "reports", at):
            self.issue_strike(
                subject, changes, rule="reports", severity=rule.severity, at=at, evidence=params, event_id=e.id
            )

    # --- login: restrictions and plug-ins ---------------------------------------------------------------

    def _login(self, e: ev.Login, subject: Subject, counters: Counters, changes: Changes, out: Outcome) -> None:
        at = e.occurred_at
        rule = self.policy.rules.plugin_software
        if rule.enabled and e.plugin_signatures:
            known = set(rule.known_signatures)
            found = [s for s in e.plugin_signatures if not known or s in known]
            if found:
                params = {"signatures": found, "device_id": e.device_id, "client_version": e.client_version}
                out.reasons.append(Reason("plugin.detected", "plugin_software", rule.spec, "deny", params))
                if not self._already_restricted_by(subject, "plugin_software", at):
                    self.issue_strike(
                        subject,
                        changes,
                        rule="plugin_software",
                        severity=rule.severity,
                        at=at,
                        evidence=params,
                        event_id=e.id,
                    )
        blocking = subject.blocked(Action.LOGIN, at)
        if blocking:
            out.allowed = False
            out.reasons.append(
                Reason(
                    "login.restricted",
                    "restriction",
                    "S-C1",
                    "deny",
                    {
                        "restrictions": [r.id for r in blocking],
                        "rules": sorted({r.rule_id for r in blocking}),
                        "until": _latest_end(blocking),
                    },
                )
            )

    # --- state changes ----------------------------------------------------------------------------------

    def _profile_change(
        self, e: ev.ProfileChange, subject: Subject, counters: Counters, changes: Changes, out: Outcome
    ) -> None:
        setattr(subject.account, e.field, e.value or None)
        changes.accounts[subject.account.id] = subject.account

    def _message(self, e: ev.Message, subject: Subject, counters: Counters, changes: Changes, out: Outcome) -> None:
        if self.policy.rules.sensitive_words.screen_messages:
            self._words_hit(e, e.text, subject, counters, changes, out, "message")

    def _verification_change(
        self, e: ev.VerificationChange, subject: Subject, counters: Counters, changes: Changes, out: Outcome
    ) -> None:
        if e.enterprise_id is not None:
            subject.enterprise.verified = e.verified
            changes.enterprises[subject.enterprise.id] = subject.enterprise
        else:
            subject.account.real_name_verified = e.verified
            changes.accounts[subject.account.id] = subject.account


def _latest_end(restrictions: list[Restriction]) -> str | None:
    if any(r.ends_at is None for r in restrictions):
        return None
    return max(r.ends_at for r in restrictions if r.ends_at is not None).isoformat()
