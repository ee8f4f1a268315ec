"""Unblocking's seams in the ingest pipeline (S-C3 probation, S-D5 plug-in re-ban): the ladder remembers an
unblock. The decisions are `rules.step_floor` and `rules.strike_note`; this file loads what they read."""

from __future__ import annotations

from datetime import datetime

from warden.adapters.store import AuditWriter
from warden.adapters.subject_cache import SubjectCache
from warden.kernel.decision import StrikeRequest, Subject
from warden.kernel.model import Strike
from warden.pipeline.batch import Batch
from warden.pipeline.effects import Effector
from warden.pipeline.engine import RuleEngine
from warden.pipeline.feature import Feature
from warden.policy import Policy
from warden.unblock import rules as ub
from warden.unblock import store
from warden.unblock.abnormal import rejudge
from warden.unblock.policy import UnblockPolicy
from warden.unblock.rules import LiftedUnblock
from warden.unblock.store import Conn


class UnblockFeature(Feature):
    """`load` puts the batch's accounts' lifted unblocks on `batch.state["unblock"]` (account id → list of
    `LiftedUnblock`); `step_floor` demands the higher step; `after_strike` says why in the strike's evidence."""

    name = "unblock"

    def __init__(self, rules: RuleEngine, subject_cache: SubjectCache | None = None) -> None:
        self.rules = rules  # the policy in force is read from the rules, live
        self.subject_cache = subject_cache
        self._known: dict[str, list[LiftedUnblock]] = {}  # account → its lifted unblocks, see load

    @property
    def whole(self) -> Policy:
        return self.rules.policy

    @property
    def policy(self) -> UnblockPolicy:
        return self.whole.unblocking

    @property
    def timezone(self) -> str:
        """The policy's time zone (IANA name): the times people read are in it."""
        return self.whole.timezone

    @property
    def effector(self) -> Effector:
        return self.rules.effector

    def load(self, conn: Conn, batch: Batch) -> None:
        """Past unblocks of the batch's accounts. They change only through the unblocking service, which audits
        every change, so while the core's audit-tail check holds (nobody else wrote) what was read stays true."""
        subjects = batch.subjects
        if self.subject_cache is None or self.subject_cache.seq is None:
            self._known.clear()
        missing = [a for a in subjects if a not in self._known]
        if missing:
            found = store.lifted_unblocks(conn, missing)
            for a in missing:
                self._known[a] = found.get(a, [])
            if len(self._known) > 200_000:
                self._known.clear()
        batch.state[self.name] = {a: self._known.get(a, []) for a in subjects}

    def step_floor(self, batch: Batch, subject: Subject, severity: str, at: datetime) -> int:
        """Probation: one more step than the ladder says. Plug-in after an unblock: ≥ min_step; Nth → top."""
        return ub.step_floor(
            self.policy,
            self.whole.ladder,
            self.whole.rules.plugin_software.severity,
            _lifted(batch, subject),
            subject,
            severity,
            at,
        )

    def after_strike(self, batch: Batch, strike: Strike, subject: Subject) -> list[StrikeRequest]:
        """Say in the evidence why the step is higher: probation, or a plug-in seen again after an unblock."""
        if strike.subject_type == "account":
            note = ub.strike_note(self.policy, _lifted(batch, subject), strike, subject)
            if note:
                strike.evidence["after_unblock"] = note
        return []

    def after_store(self, conn: Conn, audit: AuditWriter, batch: Batch) -> None:
        """S-D4 standing judgement (issue 15): a login of a requester or a helper is new evidence about their
        unblocks lifted within its window; judge them again and reverse the abnormal ones, in this transaction.
        Strikes land on the batch's own subjects where it has them; the subject cache is dropped after a reversal
        (the helpers' subjects it may hold are stale), and so are this feature's lifted unblocks."""
        pol = self.policy.abnormal
        logins = [e for e in batch.events if e.type == "login"]
        if not pol.enabled or not logins:
            return
        first = min(e.occurred_at for e in logins)
        last = max(e.occurred_at for e in logins)
        ids = store.unblocks_touching(conn, {e.account_id for e in logins}, first - pol.watch, last + pol.lookback)
        if not ids:
            return
        done, _ = rejudge(self, conn, audit, batch.now, ids, "rules", subjects=batch.subjects)
        if done:
            self._known.clear()
            if self.subject_cache is not None:
                self.subject_cache.clear()


def _lifted(batch: Batch, subject: Subject) -> list[LiftedUnblock]:
    lifted: dict[str, list[LiftedUnblock]] = batch.state.get(UnblockFeature.name, {})
    return lifted.get(subject.account.id, [])


def unblock_feature(rules: RuleEngine, subject_cache: SubjectCache) -> UnblockFeature:
    """The feature, after checking the policy's re-ban severity is a class of the ladder."""
    policy = rules.policy
    sev = policy.unblocking.abnormal.reban_severity
    if sev not in policy.ladder.severities:
        raise ValueError(f"unblocking.abnormal.reban_severity {sev!r} is not a severity class of the ladder")
    return UnblockFeature(rules, subject_cache)
