"""Abnormal (third-party) unblocks (S-D4) as a standing judgement over the unblock graph (issue 15).

Every unblock that lifted restrictions (by code, by helpers, or both) is judged by `rules.judge_standing` over what
is known around it: the other unblocks sharing a helper, a device or an ip with it, the logins of its requester and
helpers, the health check, and the platform's reports of a third-party unblock. It is judged again whenever such
evidence arrives: a new unblock (which re-judges every unblock linked to it, so the first of two unblocks confirmed
from one farm device is caught when the second is), a login of its requester or a helper (`UnblockFeature.after_store`
on the ingest path), a report (`report`). At or above the threshold a lifted unblock is reversed: the requester is
banned again at the next step without self-service, each helper gets their own strike, both sides are told why.

Deterministic: the verdict depends only on the evidence (each dated), the reversal's strikes are dated at the
verdict's `decided_at` (the time of the evidence that tipped it, never the clock) and their ids derive from the
application, so the same evidence gives the same reversals whatever order or batches it came in.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from warden.adapters import store as core
from warden.adapters.store import AuditWriter
from warden.adapters.uow import Tx
from warden.kernel.decision import StrikeRequest, Subject, derive_id
from warden.kernel.errors import Conflict, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.kernel.ladder import restriction_for
from warden.kernel.model import Strike
from warden.pipeline.batch import Batch
from warden.pipeline.effects import Effector, audit_effects
from warden.unblock import rules as ub
from warden.unblock import store, texts
from warden.unblock.policy import AbnormalPolicy, UnblockPolicy
from warden.unblock.senders import SendFailed, mask
from warden.unblock.store import Conn

if TYPE_CHECKING:
    from warden.unblock.service import Unblocking

log = logging.getLogger(__name__)
FEATURE = "unblock"  # `UnblockFeature.name`: where the ladder's seams read past unblocks on a batch


class Judging(Protocol):
    """What the judgement needs from its host (the service, or the feature on the ingest path)."""

    @property
    def policy(self) -> UnblockPolicy: ...

    @property
    def effector(self) -> Effector: ...

    @property
    def timezone(self) -> str: ...


@dataclass(frozen=True)
class Notice:
    """A message to send once the transaction has committed: `(phone, text)` to `account_id` about the unblock
    `application_id`."""

    phone: str
    message: str
    account_id: str = ""  # the recipient
    application_id: str = ""  # the reversed unblock


def standing(conn: Conn, pol: AbnormalPolicy, node: ub.UnblockNode) -> ub.Standing:
    """Read the evidence around `node` within its window: linked unblocks, logins of its people, reports."""
    lo, hi = node.lifted_at - pol.lookback, node.lifted_at + pol.watch
    helpers = {e.helper_id for e in node.helpers}
    logins = store.logins_seen(conn, {node.account_id, *helpers}, lo, hi)
    seen = node.all_seen() + logins
    devices = {x.value for x in seen if x.kind == "device"}
    ips = {x.value for x in seen if x.kind == "ip"}
    linked = [i for i in store.linked_unblocks(conn, helpers, devices, ips, lo, hi) if i != node.id]
    others = store.unblock_nodes(conn, linked)
    return ub.Standing(
        node=node,
        others=tuple(others[i] for i in sorted(others)),
        logins=tuple(logins),
        reports=tuple(store.reports_for(conn, node.id)),
    )


def rejudge(
    host: Judging,
    conn: Conn,
    audit: AuditWriter,
    now: datetime,
    app_ids: list[str],
    actor: str,
    *,
    linked: bool = False,
    subjects: dict[str, Subject] | None = None,
) -> tuple[list[str], list[Notice]]:
    """Judge these unblocks again (and, with `linked`, every unblock linked to them: they are new evidence for
    each other). Records each changed verdict; reverses each lifted one found abnormal, in order of `decided_at`.
    `subjects`: Subject objects to strike in place (the ingest batch's), others are loaded.
    Returns (the reversed application ids, the notices to send after commit)."""
    pol = host.policy.abnormal
    if not pol.enabled or not app_ids:
        return [], []
    nodes = store.unblock_nodes(conn, sorted(set(app_ids)))
    todo = dict(nodes)
    stands: dict[str, ub.Standing] = {}
    for nid in sorted(nodes):
        stands[nid] = standing(conn, pol, nodes[nid])
        if linked:
            for o in stands[nid].others:
                todo.setdefault(o.id, o)
    verdicts: dict[str, ub.Verdict] = {}
    for nid in sorted(todo):
        s = stands.get(nid) or standing(conn, pol, todo[nid])
        stands[nid] = s
        verdict = ub.judge_standing(pol, s)
        verdicts[nid] = verdict
        row = store.get_application(conn, nid)
        assert row is not None  # a node is a stored application
        text = store.dumps(verdict.as_dict())
        if row.abnormal != text:
            store.update_application(conn, nid, abnormal=text)
            audit.append(
                now,
                actor,
                "unblock.judged",
                f"account:{row.account_id}",
                {
                    "application": nid,
                    "score": verdict.score,
                    "signals": [c for c, _, _, _ in verdict.signals],
                    "decided_at": verdict.as_dict()["decided_at"],
                    "linked": [o.id for o in s.others],
                },
            )
    due = sorted((v.decided_at, nid) for nid, v in verdicts.items() if v.abnormal and v.decided_at is not None)
    changed: list[str] = []
    notices: list[Notice] = []
    for _, nid in due:
        row = store.get_application(conn, nid)
        assert row is not None  # a node is a stored application
        if row.state == "lifted":
            notices += reverse(host, conn, audit, now, row, stands[nid], verdicts[nid], actor, subjects)
            changed.append(nid)
        elif row.state == "reversed" and redate(host, conn, audit, now, row, stands[nid], verdicts[nid], actor):
            changed.append(nid)
    return changed, notices


def redate(
    host: Judging,
    conn: Conn,
    audit: AuditWriter,
    now: datetime,
    row: Any,
    s: ub.Standing,
    verdict: ub.Verdict,
    actor: str,
) -> bool:
    """Evidence dated earlier than the reversal arrived after it (a late login): the verdict now tips earlier, so
    the reversal's strikes move to the earlier `decided_at` (their restrictions with them; the step stays the one
    taken), as if the evidence had come in time. True when something moved."""
    at = verdict.decided_at
    if at is None or row.reversed_at is None or at >= row.reversed_at:
        return False
    ladder = host.effector.ladder
    keys = [(row.account_id, "third_party_unblock", f"{row.id}:reversed")]
    keys += [(e.helper_id, "third_party_helper", f"{row.id}:reversed:{e.helper_id}") for e in s.node.helpers]
    moved = []
    for account, rule, key in keys:
        sid = derive_id("stk", key, rule, account)
        strike = next((x for x in core.strikes_of(conn, "account", [account]) if x.id == sid), None)
        if strike is None or strike.at <= at:
            continue
        strike.at = at
        signals = verdict.as_dict()["signals"]
        strike.evidence = {**strike.evidence, "decided_at": at.isoformat(), "signals": signals, "score": verdict.score}
        core.update_strike(conn, strike)
        for r in core.restrictions_of(conn, "account", [account], None):
            if r.strike_id != sid:
                continue
            new = restriction_for(ladder, strike, r.id)
            new.lifted_at, new.lift_reason = r.lifted_at, r.lift_reason
            if not r.self_unblock:
                new.self_unblock, new.earliest_unblock_at = False, None
            core.update_restriction(conn, new)
        moved.append(sid)
    store.update_application(conn, row.id, reversed_at=at)
    audit.append(
        now,
        actor,
        "unblock.redated",
        f"account:{row.account_id}",
        {"application": row.id, "from": row.reversed_at.isoformat(), "to": at.isoformat(), "strikes": moved},
    )
    return True


def reverse(
    host: Judging,
    conn: Conn,
    audit: AuditWriter,
    now: datetime,
    row: Any,
    s: ub.Standing,
    verdict: ub.Verdict,
    actor: str,
    given: dict[str, Subject] | None = None,
) -> list[Notice]:
    """Ban again at the next step without self-service; each helper gets their own strike (S-D4). The strikes are
    dated at the verdict's `decided_at` and their ids derive from the application."""
    at = verdict.decided_at or now
    people = [row.account_id, *(e.helper_id for e in s.node.helpers)]
    given = given or {}
    loaded, _ = core.load_subjects(conn, [p for p in people if p not in given], min(at, now))
    subjects = {**loaded, **{p: given[p] for p in people if p in given}}
    batch = Batch([], subjects, {x.enterprise.id: x.enterprise for x in subjects.values()}, now)
    batch.state[FEATURE] = store.lifted_unblocks(conn, list(subjects), exclude=row.id)
    strike = reversal_strikes(host, batch, subjects, s, verdict)
    changes = batch.effects
    core.save_changes(conn, changes)
    audit_effects(audit, changes, now, "unblock")
    return record_reversal(conn, audit, now, s, verdict, strike.id if strike else None, actor, subjects, host.timezone)


def reversal_strikes(
    host: Judging,
    batch: Batch,
    subjects: dict[str, Subject],
    s: ub.Standing,
    verdict: ub.Verdict,
    event_id: str | None = None,
) -> Strike | None:
    """The reversal's strikes, into `batch.effects` and onto the `subjects` in place (so a decision after it sees
    the reinstated restriction): the requester's at the next step without self-service, one per helper at least
    `helper_strike_step`; all dated at the verdict's `decided_at`, their ids derived from the application, their
    `event_id` the login that tipped the verdict when one did (`event_id`: its place among the events of that
    instant, which a re-decision in event order keeps, `pipeline.redecide`).
    `subjects` holds the requester and every helper; `batch.state[FEATURE]` their lifted unblocks without this
    one. Returns the requester's strike (None when exempt)."""
    pol = host.policy.abnormal
    node = s.node
    at = verdict.decided_at or batch.now
    helper_ids = [e.helper_id for e in node.helpers]
    signals = verdict.as_dict()["signals"]
    evidence = {
        "spec": "S-D4",
        "application": node.id,
        "score": verdict.score,
        "threshold": verdict.threshold,
        "decided_at": at.isoformat(),
        "signals": signals,
        "helpers": helper_ids,
    }
    strike = host.effector.strike(
        batch,
        subjects[node.account_id],
        StrikeRequest(
            rule="third_party_unblock",
            severity=pol.reban_severity,
            at=at,
            evidence=evidence,
            key=f"{node.id}:reversed",
            event_id=event_id,
        ),
    )
    if strike is not None:
        for r in batch.effects.restrictions:
            if r.strike_id == strike.id:
                r.self_unblock, r.earliest_unblock_at = False, None
    for hid in helper_ids:
        host.effector.strike(
            batch,
            subjects[hid],
            StrikeRequest(
                rule="third_party_helper",
                severity=pol.reban_severity,
                at=at,
                evidence={
                    "spec": "S-D4",
                    "application": node.id,
                    "requester": node.account_id,
                    "score": verdict.score,
                    "threshold": verdict.threshold,
                    "decided_at": at.isoformat(),
                    "signals": signals,
                },
                floor=pol.helper_strike_step,
                key=f"{node.id}:reversed:{hid}",
                event_id=event_id,
            ),
        )
    return strike


def record_reversal(
    conn: Conn,
    audit: AuditWriter,
    now: datetime,
    s: ub.Standing,
    verdict: ub.Verdict,
    strike_id: str | None,
    actor: str,
    subjects: dict[str, Subject],
    tz: str,
) -> list[Notice]:
    """Store the reversal of `s.node` (its strikes are already saved): the application becomes `reversed` at the
    verdict's `decided_at`, audited. Returns the notices to both sides (the requester's, each helper's)."""
    node = s.node
    at = verdict.decided_at or now
    helper_ids = [e.helper_id for e in node.helpers]
    signals = verdict.as_dict()["signals"]
    store.update_application(
        conn,
        node.id,
        state="reversed",
        reversed_at=at,
        refusal_code="abnormal_unblock",
        refusal_params=store.dumps({"score": verdict.score, "threshold": verdict.threshold}),
    )
    audit.append(
        now,
        actor,
        "unblock.reversed",
        f"account:{node.account_id}",
        {
            "application": node.id,
            "strike": strike_id,
            "helpers": helper_ids,
            "decided_at": at.isoformat(),
            "linked": [o.id for o in s.others],
        },
    )
    out = [
        Notice(
            subjects[node.account_id].account.phone,
            texts.reversal_message(node.id, None, signals, tz),
            node.account_id,
            node.id,
        )
    ]
    out += [
        Notice(subjects[hid].account.phone, texts.reversal_message(node.id, node.account_id, signals, tz), hid, node.id)
        for hid in helper_ids
    ]
    return out


def queue_notices(conn: Conn, now: datetime, notices: list[Notice]) -> int:
    """Put reversal notices into the one outbox (`adapters.store.queue_notification`), delivered after commit like
    the appeals' and cases' (S-D4 on the ingest path, where no sender waits). Keyed by application and recipient,
    so each side is told once. Returns how many were queued."""
    n = 0
    for note in notices:
        key = f"unblock:{note.application_id}:reversed:{note.account_id}"
        payload = {"application_id": note.application_id, "text": note.message}
        n += core.queue_notification(conn, key, ("account", note.account_id), "unblock.reversed", payload, now)
    return n


class AbnormalUnblocks:
    """The service's side: judge at the lift, take the platform's reports, send the reversal notices after commit
    (`notices()` wraps a use case; a failed delivery is logged, the application and the explanation keep it)."""

    def __init__(self, ctx: Unblocking) -> None:
        self.ctx = ctx
        self._local = threading.local()

    @contextmanager
    def notices(self) -> Iterator[None]:
        """Collect the notices of the use case run inside; send them when it returns, drop them when it raises."""
        self._local.queue = []
        try:
            yield
        except BaseException:
            self._local.queue = None
            raise
        queue: list[Notice] = self._local.queue or []
        self._local.queue = None
        for n in queue:
            try:
                self.ctx.sender.send(n.phone, n.message)
            except SendFailed as exc:
                log.warning("reversal notice to %s not delivered: %s", mask(n.phone), exc)

    def _queue(self, notes: list[Notice]) -> None:
        queue = getattr(self._local, "queue", None)
        if queue is not None:
            queue.extend(notes)

    def judge(self, tx: Tx, row: Any) -> None:
        """A new unblock was lifted: judge it, and every unblock linked to it (it is new evidence for them)."""
        _, notes = rejudge(self.ctx, tx.conn, tx.audit, tx.now, [row.id], "unblock", linked=True)
        self._queue(notes)

    def report(
        self,
        actor: str,
        account_id: str,
        platform: str,
        occurred_at: datetime | None = None,
        application_id: str | None = None,
        note: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """The platform reports that `account_id` was unblocked through third-party `platform` (S-D4, after the
        fact). The report names `application_id`, or the account's newest unblock lifted at or before `occurred_at`
        (default: now). Stored once (the same platform, unblock and time are the same report), audited, and the
        unblock is judged again at once. Returns (`{id, application_id, account_id, platform, occurred_at,
        reported_at, note}`, created). `NotFound` for an unknown account; `InvalidInput` naming `application_id`
        for another account's application; `Conflict` when there is no lifted unblock to attach it to."""
        with self.ctx.uow.writing() as tx:
            conn, now = tx.conn, tx.now
            if core.get_account(conn, account_id) is None:
                raise NotFound(f"no account {account_id!r}")
            if occurred_at is not None and occurred_at > now:
                raise InvalidInput(
                    "occurred_at is in the future",
                    [FieldError(field="occurred_at", message="must not be later than now")],
                )
            if application_id is not None:
                if store.account_of_application(conn, application_id) != account_id:
                    raise InvalidInput(
                        f"application {application_id!r} is not an unblock of {account_id}",
                        [FieldError(field="application_id", message=f"not an unblock application of {account_id}")],
                    )
                app_id: str | None = application_id
            else:
                app_id = store.unblock_at(conn, account_id, occurred_at or now)
            row = store.lock_application(conn, app_id, now) if app_id else None
            if row is None or row.state not in store.JUDGED:
                raise Conflict(
                    f"account {account_id} has no lifted unblock"
                    + (f" at or before {occurred_at.isoformat()}" if occurred_at else "")
                    + "; a third-party unblock is reported against the unblock it produced"
                )
            rid = derive_id("tpr", row.id, platform, occurred_at.isoformat() if occurred_at else "-")
            found = store.get_report(conn, rid)
            created = found is None
            if created:
                store.insert_report(
                    conn,
                    id=rid,
                    application_id=row.id,
                    account_id=account_id,
                    platform=platform,
                    occurred_at=occurred_at,
                    reported_at=now,
                    actor=actor,
                    note=note,
                )
                tx.audit.append(
                    now,
                    actor,
                    "unblock.third_party_reported",
                    f"account:{account_id}",
                    {"report": rid, "application": row.id, "platform": platform},
                )
                _, notes = rejudge(self.ctx, conn, tx.audit, now, [row.id], actor)
                self._queue(notes)
            rep = store.get_report(conn, rid)
            assert rep is not None
        return {
            "id": rep.id,
            "application_id": rep.application_id,
            "account_id": rep.account_id,
            "platform": rep.platform,
            "occurred_at": rep.occurred_at.isoformat() if rep.occurred_at else None,
            "reported_at": rep.reported_at.isoformat(),
            "note": rep.note,
        }, created
