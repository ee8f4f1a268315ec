"""Abnormal (third-party) unblocks (S-D4): right after a friend-assisted lift, the signals around its helpers are
scored (`rules.judge`); at or above the threshold the unblock is reversed: the requester is banned again at the
next step without self-service, and each helper gets their own strike. The strikes go through the pipeline's
`Effector`, as any other strike does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warden.adapters import store as core
from warden.adapters.uow import Tx
from warden.kernel.decision import StrikeRequest
from warden.pipeline.batch import Batch
from warden.pipeline.effects import audit_effects
from warden.unblock import rules as ub
from warden.unblock import store
from warden.unblock.feature import UnblockFeature
from warden.unblock.store import Row

if TYPE_CHECKING:
    from warden.unblock.service import Unblocking


class AbnormalUnblocks:
    def __init__(self, ctx: Unblocking) -> None:
        self.ctx = ctx

    def judge(self, tx: Tx, row: Row) -> None:
        """Score the lifted application `row` (inside `tx`, as of `tx.now`); reverse it when abnormal. Records the
        verdict on the application."""
        conn, audit, now = tx.conn, tx.audit, tx.now
        pol = self.ctx.policy.abnormal
        if not pol.enabled:
            return
        since = now - pol.lookback
        helpers = store.confirmed_helpers(conn, row.id)
        devices, ips = store.requester_network(conn, row.id, row.account_id, since)
        facts = []
        for hr in helpers:
            burst: tuple[str, int] | None = None
            window_start = now - pol.burst_window
            for label, column, value in (
                (f"helper {hr.helper_id}", "helper_id", hr.helper_id),
                (f"device {hr.device_id}", "device_id", hr.device_id),
                (f"ip {hr.ip}", "ip", hr.ip),
            ):
                if not value:
                    continue
                n = store.confirmations_by(conn, column, value, window_start)
                if burst is None or n > burst[1]:
                    burst = (label, n)
            facts.append(
                ub.AssistFacts(
                    helper_id=hr.helper_id,
                    related=bool(hr.related),
                    device_id=hr.device_id,
                    ip=hr.ip,
                    accounts_assisted=store.requesters_assisted(conn, hr.helper_id, since),
                    requester_devices=frozenset(devices),
                    requester_ips=frozenset(ips),
                    device_shared_with=store.requesters_sharing(conn, row.account_id, hr.device_id, hr.ip, since),
                    burst=burst,
                )
            )
        verdict = ub.judge(pol, facts)
        store.update_application(conn, row.id, abnormal=store.dumps(verdict.as_dict()))
        audit.append(
            now,
            "unblock",
            "unblock.judged",
            f"account:{row.account_id}",
            {"application": row.id, "score": verdict.score, "signals": [c for c, _, _ in verdict.signals]},
        )
        if verdict.abnormal:
            self.reverse(tx, row, [hr.helper_id for hr in helpers], verdict)

    def reverse(self, tx: Tx, row: Row, helper_ids: list[str], verdict: ub.Verdict) -> None:
        """Ban again at the next step, without self-service; each helper gets their own strike (S-D4)."""
        subjects, _ = core.load_subjects(tx.conn, [row.account_id, *helper_ids], tx.now)
        batch = Batch([], subjects, {x.enterprise.id: x.enterprise for x in subjects.values()}, tx.now)
        batch.state[UnblockFeature.name] = store.lifted_unblocks(tx.conn, list(subjects), exclude=row.id)
        self._reban(tx, row, helper_ids, verdict, batch)

    def _reban(self, tx: Tx, row: Row, helper_ids: list[str], verdict: ub.Verdict, batch: Batch) -> None:
        conn, audit, now = tx.conn, tx.audit, tx.now
        pol = self.ctx.policy.abnormal
        subjects, effector = batch.subjects, self.ctx.effector
        evidence = {
            "spec": "S-D4",
            "application": row.id,
            "score": verdict.score,
            "threshold": verdict.threshold,
            "signals": verdict.as_dict()["signals"],
            "helpers": helper_ids,
        }
        changes = batch.effects
        strike = effector.strike(
            batch,
            subjects[row.account_id],
            StrikeRequest(rule="third_party_unblock", severity=pol.reban_severity, at=now, evidence=evidence),
        )
        if strike is not None:
            for r in changes.restrictions:
                if r.strike_id == strike.id:
                    r.self_unblock, r.earliest_unblock_at = False, None
        for hid in helper_ids:
            effector.strike(
                batch,
                subjects[hid],
                StrikeRequest(
                    rule="third_party_helper",
                    severity=pol.reban_severity,
                    at=now,
                    evidence={
                        "spec": "S-D4",
                        "application": row.id,
                        "requester": row.account_id,
                        "score": verdict.score,
                    },
                    floor=pol.helper_strike_step,
                ),
            )
        core.save_changes(conn, changes)
        audit_effects(audit, changes, now, "unblock")
        store.update_application(
            conn,
            row.id,
            state="reversed",
            reversed_at=now,
            refusal_code="abnormal_unblock",
            refusal_params=store.dumps({"score": verdict.score, "threshold": verdict.threshold}),
        )
        audit.append(
            now,
            "unblock",
            "unblock.reversed",
            f"account:{row.account_id}",
            {"application": row.id, "strike": strike.id if strike else None, "helpers": helper_ids},
        )
