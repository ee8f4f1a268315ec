"""Unblocking's seams in the ingest pipeline (S-C3 probation, S-D5 plug-in re-ban): the ladder remembers an
unblock. The decisions are `rules.step_floor` and `rules.strike_note`; this file loads what they read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from warden.adapters import store as core
from warden.adapters.store import AuditWriter
from warden.adapters.subject_cache import SubjectCache
from warden.kernel.decision import Decision, Effects, StrikeRequest, Subject
from warden.kernel.model import Strike
from warden.pipeline.batch import Batch
from warden.pipeline.effects import Effector, audit_effects
from warden.pipeline.engine import RuleEngine
from warden.pipeline.feature import Feature
from warden.policy import Policy
from warden.unblock import rules as ub
from warden.unblock import store
from warden.unblock.abnormal import Notice, queue_notices, record_reversal, rejudge, reversal_strikes, standing
from warden.unblock.policy import UnblockPolicy
from warden.unblock.rules import LiftedUnblock, Seen
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

    def read_ahead(self, conn: Conn, accounts: Sequence[str], enterprises: Sequence[str]) -> core.Reads | None:
        """The lifted unblocks `load` reads: of the accounts this process holds none of (ingest sends the read with
        the accounts' own, in one round trip on PostgreSQL; issue 16)."""
        missing = [a for a in dict.fromkeys(accounts) if a not in self._known]
        return store.lifted_unblocks_reads(conn, missing) if missing else None

    def load(self, conn: Conn, batch: Batch) -> None:
        """Past unblocks of the batch's accounts. They change only through the unblocking service, which audits
        every change, so while the core's audit-tail check holds (nobody else wrote) what was read stays true."""
        subjects = batch.subjects
        if self.subject_cache is None or self.subject_cache.seq is None:
            self._known.clear()
        missing = [a for a in subjects if a not in self._known]
        if missing:
            ahead: core.Reads | None = batch.ahead.get(self.name)
            if ahead is not None and ahead.rows is not None and ahead.covers.issuperset(missing):
                found = store.lifted_unblocks_from(conn, ahead)
            else:
                found = store.lifted_unblocks(conn, missing)
            for a in missing:
                self._known[a] = found.get(a, [])
            if len(self._known) > 200_000:
                self._known.clear()
        batch.state[self.name] = {a: self._known.get(a, []) for a in subjects}
        self._watch(conn, batch)

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

    after_event_types = frozenset({"login"})  # `after_event` judges logins only

    def after_event(self, batch: Batch, event: Any, decision: Decision, subject: Subject | None) -> None:
        """S-D4 standing judgement in event time (issue 15): a login of a requester or a helper is new evidence
        about their unblocks lifted within its window. Judge them now (`rules.judge_standing`, pure, over what
        `load` read plus the batch's logins up to this one); a reversal puts its strikes and reinstated
        restrictions into the batch at once, so every later event of the batch is decided against them, exactly
        as when the events come one per call. The strikes are the unblocking's own, outside the batch's effects (no
        weight fold, no cascade: the same as a reversal on the service path, whatever the batching)."""
        w: _Watch | None = batch.state.get(WATCH)
        if w is None or event.type != "login":
            return
        aid = event.account_id
        w.logins.append(Seen(aid, "device", event.device_id, event.occurred_at))
        if getattr(event, "ip", None):
            w.logins.append(Seen(aid, "ip", event.ip, event.occurred_at))
        pol = self.policy.abnormal
        for nid in sorted(w.nodes):
            node = w.nodes[nid]
            people = {node.account_id, *(e.helper_id for e in node.helpers)}
            if nid in w.reversed or aid not in people:
                continue
            base = w.base[nid]
            s = replace(base, logins=base.logins + tuple(x for x in w.logins if x.account_id in people))
            verdict = ub.judge_standing(pol, s)
            if not verdict.abnormal or verdict.decided_at is None:
                continue
            subjects = {p: batch.subjects.get(p) or w.subjects[p] for p in people}
            lifted: dict[str, list[LiftedUnblock]] = batch.state.get(self.name, {})
            own = {
                p: [u for u in (lifted[p] if p in lifted else w.lifted.get(p, [])) if u.application_id != nid]
                for p in subjects
            }
            # the reversal's strikes are the unblocking's own (as on the service path: no weight fold, no
            # cascade), made on the batch's subjects in place so its later decisions see them; stored in after_store
            mine = Batch([], subjects, {x.enterprise.id: x.enterprise for x in subjects.values()}, batch.now)
            mine.state[self.name] = own
            strike = reversal_strikes(self, mine, subjects, s, verdict, event.id)
            if node.account_id in lifted:  # the reversed unblock no longer counts as lifted (probation, plug-in)
                lifted[node.account_id] = own[node.account_id]
            w.reversed[nid] = _Reversal(s, verdict, strike.id if strike else None, subjects, mine.effects)

    def after_store(self, conn: Conn, audit: AuditWriter, batch: Batch) -> None:
        """Store what the batch's logins tipped (`after_event`): the reversal's strikes and restrictions (audited as
        the unblocking's, like a reversal on the service path), the application becomes `reversed`, audited, and
        both sides are told through the outbox after commit. Then the touched unblocks are judged again over the
        stored evidence (their verdicts recorded; a reversal `after_event` could not see is still made here). The
        subject cache is dropped after a reversal (the helpers' subjects it may hold are stale), and so are this
        feature's lifted unblocks."""
        w: _Watch | None = batch.state.get(WATCH)
        if w is None:
            return
        notices: list[Notice] = []
        for nid in sorted(w.reversed, key=lambda i: (w.reversed[i].verdict.decided_at or batch.now, i)):
            r = w.reversed[nid]
            core.save_changes(conn, r.effects)
            audit_effects(audit, r.effects, batch.now, "unblock")
            store.update_application(conn, nid, abnormal=store.dumps(r.verdict.as_dict()))
            notices += record_reversal(
                conn, audit, batch.now, r.standing, r.verdict, r.strike_id, "rules", r.subjects, self.timezone
            )
        done, more = rejudge(self, conn, audit, batch.now, w.ids, "rules", subjects=batch.subjects)
        queue_notices(conn, batch.now, notices + more)
        if w.reversed or done:
            self._known.clear()
            if self.subject_cache is not None:
                self.subject_cache.clear()

    def _watch(self, conn: Conn, batch: Batch) -> None:
        """What `after_event` judges: the lifted unblocks the batch's logins can touch (requester or helper among
        the login accounts, lifted within a window of a login), each one's standing over the stored evidence
        (linked unblocks, also through the devices and ips of the batch's own logins; stored logins; reports),
        the subjects and lifted unblocks of their people who are not the batch's."""
        pol = self.policy.abnormal
        logins = [e for e in batch.events if e.type == "login"]
        if not pol.enabled or not logins:
            return
        first = min(e.occurred_at for e in logins)
        last = max(e.occurred_at for e in logins)
        ids = store.unblocks_touching(conn, {e.account_id for e in logins}, first - pol.watch, last + pol.lookback)
        if not ids:
            return
        nodes = {
            i: n
            for i, n in store.unblock_nodes(conn, ids).items()
            if (row := store.get_application(conn, i)) is not None and row.state == "lifted"
        }
        everyone = sorted({p for n in nodes.values() for p in (n.account_id, *(e.helper_id for e in n.helpers))})
        if batch.claim is not None:  # their partitions become the batch's before their state is read (issue 17)
            batch.claim(conn, everyone)
        base: dict[str, ub.Standing] = {}
        for nid, node in nodes.items():
            s = standing(conn, pol, node)
            people = {node.account_id, *(e.helper_id for e in node.helpers)}
            lo, hi = node.lifted_at - pol.lookback, node.lifted_at + pol.watch
            mine = [e for e in logins if e.account_id in people and lo < e.occurred_at <= hi]
            devices = {e.device_id for e in mine}
            ips = {e.ip for e in mine if getattr(e, "ip", None)}
            known = {o.id for o in s.others} | {nid}
            extra = [i for i in store.linked_unblocks(conn, set(), devices, ips, lo, hi) if i not in known]
            if extra:
                found = store.unblock_nodes(conn, extra)
                others = {o.id: o for o in s.others} | found
                s = replace(s, others=tuple(others[i] for i in sorted(others)))
            base[nid] = s
        missing = [p for p in everyone if p not in batch.subjects]
        subjects, _ = core.load_subjects(conn, missing, min(first, batch.now)) if missing else ({}, {})
        lifted = store.lifted_unblocks(conn, missing) if missing else {}
        batch.state[WATCH] = _Watch(ids, nodes, base, subjects, lifted)


WATCH = "unblock.standing"
"""Where `UnblockFeature` keeps the batch's standing judgement on `batch.state` (`_Watch`)."""


@dataclass
class _Watch:
    """The batch's standing judgement: `ids` the unblocks its logins touch, `nodes` the lifted ones among them,
    `base` their standing over the stored evidence, `subjects` and `lifted` of their people outside the batch,
    `logins` the batch's logins folded so far, `reversed` what they tipped (application id → `_Reversal`)."""

    ids: list[str]
    nodes: dict[str, ub.UnblockNode]
    base: dict[str, ub.Standing]
    subjects: dict[str, Subject]
    lifted: dict[str, list[LiftedUnblock]]
    logins: list[Seen] = field(default_factory=list)
    reversed: dict[str, _Reversal] = field(default_factory=dict)


@dataclass(frozen=True)
class _Reversal:
    """A reversal tipped in the batch: its standing and verdict, the requester's strike id, the people's subjects,
    and the strikes and restrictions it made (stored by `after_store`)."""

    standing: ub.Standing
    verdict: ub.Verdict
    strike_id: str | None
    subjects: dict[str, Subject]
    effects: Effects


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
