"""Part A rules: one event and the subject's state in, a decision and its effects out.

Pure: the rules count through the `Counters` port, screen through the `Screener` port, read weight
through the `WeightSource` port, and write nothing. Every reason carries the values that made it fire
(Osprey style), so the explanation is the evidence. Ids are derived from event ids, so a replay yields the
same strikes and restrictions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from warden.domain.policy import LoadedPolicy
from warden.kernel import events as ev
from warden.kernel.counters import Counters, Entry, distinct, event_ids
from warden.kernel.decision import Decision, FlagRequest, Reason, StrikeRequest, Subject
from warden.kernel.ladder import block_end
from warden.kernel.model import Action, Enterprise, Restriction, StrikeStatus
from warden.kernel.policy import condition_holds
from warden.pipeline.batch import Batch
from warden.pipeline.effects import Effector
from warden.pipeline.ports import WeightSource
from warden.screening import Hit, Screener, severity_rank


class ContactCount(Protocol):
    """Seam for the S-A4 cap: an enterprise's live external contacts before the decision at (`at`, `event_id`)
    in event time (`warden.service.contacts`); None when unknown (the enterprise's stored count is read)."""

    def external_contacts(
        self, batch: Batch, enterprise_id: str, at: datetime, event_id: str | None = None
    ) -> int | None: ...


class RuleEngine:
    def __init__(
        self,
        policy: LoadedPolicy,
        screener: Screener,
        effector: Effector | None = None,
    ) -> None:
        self.loaded = policy
        self.policy = policy.policy
        self.screener = screener
        self.effector = effector or Effector(self, [])
        self.contacts: ContactCount | None = None  # the S-A4 ledger (`warden.service.contacts`)
        self._handlers: dict[str, Callable[[Any, Subject, Counters, Batch, Decision], None]] = {
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

    def evaluate(self, event: Any, subject: Subject, counters: Counters, batch: Batch) -> Decision:
        asks = event.type in ("contact_request", "login")
        out = Decision(event_id=event.id, allowed=True if asks else None)
        handler = self._handlers.get(event.type)
        if handler is not None:
            handler(event, subject, counters, batch, out)
        return out

    # --- helpers ----------------------------------------------------------------------------------------

    def _count(self, counters: Counters, out: Decision, key: str, e: Any, value: str | None = None) -> None:
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

    def features(self, subject: Subject, now: datetime, weights: WeightSource) -> dict[str, Any]:
        """What declarative conditions may test; the enterprise weight only when a condition reads it."""
        a, e = subject.account, subject.enterprise
        feats = {
            "account_age_days": a.age_days(now),
            "account_verified": a.real_name_verified,
            "enterprise_verified": e.verified,
            "account_weight": weights.account_weight(a.id, now),
        }
        if self._reads_enterprise_weight:
            feats["enterprise_weight"] = weights.enterprise_weight(e.id, now)
        return feats

    def _already_restricted_by(self, subject: Subject, rule: str, now: datetime) -> bool:
        return any(r.rule_id == rule for r in subject.restrictions if r.active_at(now))

    # --- contact requests: S-A1, S-A3/A4, S-A6, S-A7 -----------------------------------------------------

    def _contact_request(
        self, e: ev.ContactRequest, subject: Subject, counters: Counters, batch: Batch, out: Decision
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
            self._phone_search_velocity(e, subject, counters, batch, out)
        self._greeting_words(e, subject, counters, batch, out)
        self._unverified_enterprise_cap(e, subject, batch, out)

    def _phone_search_velocity(
        self, e: ev.ContactRequest, subject: Subject, counters: Counters, batch: Batch, out: Decision
    ) -> None:
        """S-A1: every window is checked, always. Any hard limit passed refuses and restricts (the block of the
        window that ends last); soft limits passed warn."""
        rule = self.policy.rules.phone_search_velocity
        if not rule.enabled:
            return
        at = e.occurred_at
        key = f"ps:{subject.account.id}"
        self._count(counters, out, key, e)
        feats = self.features(subject, at, batch.weights)
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
            self.effector.strike(
                batch,
                subject,
                StrikeRequest(
                    rule="phone_search_velocity",
                    severity=rule.severity,
                    at=at,
                    evidence=params | {"event_ids": event_ids(entries), "block_until": until.isoformat()},
                    event_id=e.id,
                    minimum_end=until,
                ),
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
        self, e: Any, text: str, subject: Subject, counters: Counters, batch: Batch, out: Decision, where: str
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
            self.effector.strike(
                batch,
                subject,
                StrikeRequest(
                    rule="sensitive_words",
                    severity=rule.severity,
                    at=at,
                    evidence=params | {"event_ids": event_ids(entries), "text": text[lo:hi], "text_offset": lo},
                    event_id=e.id,
                ),
            )
        return True

    def _greeting_words(
        self, e: ev.ContactRequest, subject: Subject, counters: Counters, batch: Batch, out: Decision
    ) -> None:
        if self._words_hit(e, e.greeting, subject, counters, batch, out, "greeting"):
            out.allowed = False

    def _unverified_enterprise_cap(self, e: ev.ContactRequest, subject: Subject, batch: Batch, out: Decision) -> None:
        ent = subject.enterprise
        if ent.verified or not self.policy.rules.unverified_enterprise_cap.enabled:
            return
        live = None if self.contacts is None else self.contacts.external_contacts(batch, ent.id, e.occurred_at, e.id)
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
        self, e: ev.ContactAdded, subject: Subject, counters: Counters, batch: Batch, out: Decision
    ) -> None:
        acc = subject.account
        batch.effects.contacts.append((acc.id, e.contact_id, e.occurred_at))  # (S-A4 counts external ones: `contacts`)
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
            self.effector.flag(
                batch,
                subject,
                FlagRequest("inbound_add_burst", e.occurred_at, params | {"event_ids": event_ids(entries)}, e.id),
            )
            out.reasons.append(Reason("inbound_burst.flagged", "inbound_add_burst", rule.spec, "info", params))

    def _contact_removed(
        self, e: ev.ContactRemoved, subject: Subject, counters: Counters, batch: Batch, out: Decision
    ) -> None:
        self._count(counters, out, f"nf:{subject.account.id}", e, e.contact_id)
        self._negative_feedback(e, subject, counters, batch, out)

    def _report(self, e: ev.Report, subject: Subject, counters: Counters, batch: Batch, out: Decision) -> None:
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
                    self.effector.strike(
                        batch,
                        subject,
                        StrikeRequest(rule="reports", severity=severity, at=at, evidence=params, event_id=e.id),
                    )
                return
        self._negative_feedback(e, subject, counters, batch, out)

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

    def _negative_feedback(self, e: Any, subject: Subject, counters: Counters, batch: Batch, out: Decision) -> None:
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
            self.effector.strike(
                batch,
                subject,
                StrikeRequest(rule="reports", severity=rule.severity, at=at, evidence=params, event_id=e.id),
            )

    # --- login: restrictions and plug-ins ---------------------------------------------------------------

    def _login(self, e: ev.Login, subject: Subject, counters: Counters, batch: Batch, out: Decision) -> None:
        at = e.occurred_at
        rule = self.policy.rules.plugin_software
        if rule.enabled and e.plugin_signatures:
            known = set(rule.known_signatures)
            found = [s for s in e.plugin_signatures if not known or s in known]
            if found:
                params = {"signatures": found, "device_id": e.device_id, "client_version": e.client_version}
                out.reasons.append(Reason("plugin.detected", "plugin_software", rule.spec, "deny", params))
                if not self._already_restricted_by(subject, "plugin_software", at):
                    self.effector.strike(
                        batch,
                        subject,
                        StrikeRequest(
                            rule="plugin_software",
                            severity=rule.severity,
                            at=at,
                            evidence=params,
                            event_id=e.id,
                        ),
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
        self, e: ev.ProfileChange, subject: Subject, counters: Counters, batch: Batch, out: Decision
    ) -> None:
        setattr(subject.account, e.field, e.value or None)
        batch.effects.accounts[subject.account.id] = subject.account

    def _message(self, e: ev.Message, subject: Subject, counters: Counters, batch: Batch, out: Decision) -> None:
        if self.policy.rules.sensitive_words.screen_messages:
            self._words_hit(e, e.text, subject, counters, batch, out, "message")

    def _verification_change(
        self, e: ev.VerificationChange, subject: Subject, counters: Counters, batch: Batch, out: Decision
    ) -> None:
        if e.enterprise_id is not None:
            subject.enterprise.verified = e.verified
            batch.effects.enterprises[subject.enterprise.id] = subject.enterprise
        else:
            subject.account.real_name_verified = e.verified
            batch.effects.accounts[subject.account.id] = subject.account


def _latest_end(restrictions: list[Restriction]) -> str | None:
    if any(r.ends_at is None for r in restrictions):
        return None
    return max(r.ends_at for r in restrictions if r.ends_at is not None).isoformat()
