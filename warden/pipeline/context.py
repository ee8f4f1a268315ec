"""What one rule function sees while it decides one event: `RuleContext`.

Pure: the context counts through the `Counters` port, screens through the `Screener` port, reads weight through
the batch's `WeightSource`, and applies effect requests through the `Effector` at once (so the next rule and the
next event see the strike). A rule function is `rule(event, subject, ctx) -> None`: it appends `Reason`s to
`ctx.decision` and asks for effects with `ctx.strike(...)` / `ctx.flag(...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warden.kernel.counters import Counters, Entry
from warden.kernel.decision import Decision, FlagRequest, StrikeRequest, Subject
from warden.kernel.model import Strike, StrikeStatus
from warden.pipeline.batch import Batch

if TYPE_CHECKING:
    from warden.pipeline.effects import Effector
    from warden.pipeline.ports import ContactCount, ContactStanding
    from warden.policy import Policy
    from warden.screening.base import Screener

RuleFn = Callable[[Any, Subject, "RuleContext"], None]
"""A rule: `(event, subject, ctx) -> None`; its verdict goes on `ctx.decision`, its effects through `ctx`."""


class RuleContext:
    """`policy` is the policy in force (read live from the engine at each event); `counters` the window counters;
    `batch` the batch being decided; `decision` the decision being built for the event; `contacts` the S-A4
    contact ledger (a `ContactCount` seam, None when not wired: rules then read the enterprise's stored count)."""

    __slots__ = ("batch", "contacts", "counters", "decision", "effector", "policy", "screener")

    def __init__(
        self,
        policy: Policy,
        screener: Screener,
        counters: Counters,
        batch: Batch,
        decision: Decision,
        effector: Effector,
        contacts: ContactCount | None = None,
    ) -> None:
        self.policy = policy
        self.screener = screener
        self.counters = counters
        self.batch = batch
        self.decision = decision
        self.effector = effector
        self.contacts = contacts

    def external_contacts(self, enterprise_id: str, at: datetime, event_id: str | None = None) -> int | None:
        """The enterprise's live external contacts before the decision at (`at`, `event_id`) in event time (S-A4),
        from the contact ledger over this batch; None when no ledger is wired."""
        if self.contacts is None:
            return None
        return self.contacts.external_contacts(self.batch, enterprise_id, at, event_id)

    def contact_standing(self, account_id: str, contact_id: str, at: datetime, event_id: str) -> ContactStanding | None:
        """How the external contact (`account_id`, `contact_id`) stands before the decision at (`at`, `event_id`):
        since when and who initiated it; None when it is no contact then, or no ledger is wired."""
        if self.contacts is None:
            return None
        return self.contacts.standing(self.batch, account_id, contact_id, at, event_id)

    # --- counting: the project's one window rule -------------------------------------------------------

    def count(self, key: str, e: Any, value: str | None = None) -> None:
        """Count event `e` under `key` (at its event time, in seconds); `value` is what `distinct` counts (default:
        the event itself). The entry is kept on the decision (`counted`), so a rebuild replays it."""
        at = self.batch.times.get(e.id)
        if at is None:
            at = e.occurred_at.timestamp()
        v = e.id if value is None else value
        self.counters.add(key, at, e.id, v)
        self.decision.counted.append((key, at, v))

    def window(self, key: str, e: Any, length: float, spent_after: float | None = None) -> tuple[list[Entry], float]:
        """The entries a decision about `e` sees in a window of `length` seconds (the project's one window rule:
        `t − length < s ≤ t`, ties by event id), starting after `spent_after` (epoch seconds) when evidence was
        spent. Returns the entries and the window's exclusive start (epoch seconds)."""
        ts = self.batch.times.get(e.id)
        if ts is None:
            ts = e.occurred_at.timestamp()
        since = ts - length
        if spent_after is not None and spent_after > since:
            since = spent_after
        return self.counters.window(key, since, ts, e.id), since

    # --- what conditions may test ------------------------------------------------------------------------

    def features(
        self, subject: Subject, now: datetime, enterprise_weight: bool = False, account_weight: bool = True
    ) -> dict[str, Any]:
        """What declarative conditions may test (ages in days, weights 0–100); the enterprise weight only when
        `enterprise_weight` (a condition reads it: it costs a fold); the account's weight unless `account_weight`
        is False (a rule that reads it later, only when it matters: `account_weight`)."""
        a, ent = subject.account, subject.enterprise
        weights = self.batch.weights
        feats: dict[str, Any] = {
            "account_age_days": a.age_days(now),
            "account_verified": a.real_name_verified,
            "enterprise_verified": ent.verified,
        }
        if account_weight:
            feats["account_weight"] = weights.account_weight(a.id, now)
        if enterprise_weight:
            feats["enterprise_weight"] = weights.enterprise_weight(ent.id, now)
        return feats

    def account_weight(self, subject: Subject, now: datetime) -> float | None:
        """The account's weight (0–100) at `now`, as `features` gives it."""
        return self.batch.weights.account_weight(subject.account.id, now)

    # --- effects -------------------------------------------------------------------------------------------

    def strike(self, subject: Subject, req: StrikeRequest) -> Strike | None:
        """Apply a strike request now (exemptions, floors, ladder step, Strike + Restriction, `after_strike`)."""
        return self.effector.strike(self.batch, subject, req)

    def flag(self, subject: Subject, req: FlagRequest) -> None:
        self.effector.flag(self.batch, subject, req)


def spent_after(subject: Subject, rule: str, at: datetime) -> float | None:
    """Evidence behind a voided or overturned strike is spent: every window of `rule` starts after the newest
    such strike (epoch seconds; a manual action recorded before this decision). This holds whatever the date of
    the event decided: a late event dated before the voided strike sees an empty window, never the rejected
    evidence. A superseded strike spends nothing: it is read as never made (`StrikeStatus.SUPERSEDED`)."""
    spent = [s.at.timestamp() for s in subject.strikes if s.rule_id == rule and s.status in _SPENDING]
    return max(spent) if spent else None


_SPENDING = (StrikeStatus.VOIDED, StrikeStatus.OVERTURNED)


def already_restricted_by(subject: Subject, rule: str, now: datetime) -> bool:
    """Whether a restriction of `rule` on the subject is active at `now` (a rule restricts once at a time)."""
    return any(r.rule_id == rule for r in subject.restrictions if r.active_at(now))
