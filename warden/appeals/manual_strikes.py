"""A reviewer imposes a severity on one account (issue 10, item 11): a manual strike through the ladder.

The account analogue of `ManualActions.restrict_enterprise`. The strike takes the ladder's next step for its
severity class (`pipeline.effects`: history, decay, probation floors), rule `manual`, no triggering event.

**Four eyes.** A strike whose step would be the ladder's top — a permanent ban (S-C4, 不可解封), by its class (S
starts at the top) or by escalation — is only *proposed*; it takes effect when a *different* reviewer confirms
(or is dropped when one declines). This mirrors the appeals desk, where a decision on a permanent ban is a
proposal another reviewer confirms (docs/APPEALS.md, `appeals.needs_four_eyes`).

**Where requests live.** Every request is a desk case: a `flags` row with rule `manual_strike` whose subject is
the account (no new table). A proposal is `open`, so it shows in the review queue and can be claimed like any
flag; it becomes `actioned` when a strike is issued (at once, or on confirmation) and `dismissed` when declined.
The row's evidence holds the request and what became of it::

    {"severity": "S", "reason": "...", "requested_by": "reviewer:ab12", "requested_at": ISO, "step": 5,
     "four_eyes": true, "idempotency_key": "..." | null,
     "strike_id": "stk_…" | null, "confirmed_by": ..., "confirmed_at": ..., "declined_by": ..., "note": ...}

**Idempotency.** With an `Idempotency-Key` the case id derives from (caller's token, key): a replay with the same
account, severity and reason answers the first result; anything different under that key is 409 and nothing is
stored (issue 10, item 8).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from warden.adapters import store
from warden.adapters.uow import Connection, Tx
from warden.appeals import access, views
from warden.appeals import store as appeals_store
from warden.appeals.context import Desk
from warden.appeals.texts import Lang
from warden.kernel.access import Principal, Role, same_person
from warden.kernel.decision import StrikeRequest, Subject, derive_id
from warden.kernel.errors import Conflict, Forbidden, IdempotencyKeyReused, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.kernel.model import Restriction, Strike
from warden.pipeline.batch import Batch
from warden.pipeline.effects import audit_effects

CASE_RULE = "manual_strike"
REASON_MIN, REASON_MAX = 3, 2000
ManualStatus = Literal["proposed", "issued", "declined"]
STATUS_OF_CASE: dict[str, ManualStatus] = {"open": "proposed", "actioned": "issued", "dismissed": "declined"}
"""The request's status by its desk case's (flag's) status."""


@dataclass
class ManualResult:
    """What a request or a confirmation produced: the desk case, and the strike and restriction if issued."""

    case_id: str
    account_id: str
    status: ManualStatus
    case: dict[str, Any]  # the case's evidence (see the module docstring)
    strike: Strike | None = None
    restriction: Restriction | None = None
    replayed: bool = False


class ManualStrikes:
    """Reviewers (and, to request, the platform) strike one account; auditors may read the requests too."""

    def __init__(self, desk: Desk) -> None:
        self.d = desk

    # --- requests ---------------------------------------------------------------------------------------------

    def request(
        self, p: Principal, account_id: str, severity: str, reason: str, idempotency_key: str | None = None
    ) -> ManualResult:
        """Strike the account now, or propose it for a second reviewer when the step would be permanent.
        For a reviewer or the platform (`Forbidden` otherwise)."""
        access.require_role(p, Role.REVIEWER, Role.PLATFORM)
        actor = p.actor
        reason = reason.strip()
        self._check(severity, reason)
        scoped = f"{p.token_id}:{idempotency_key}" if idempotency_key else None
        case_id = derive_id("msk", scoped) if scoped else "msk_" + secrets.token_hex(10)
        # the writers' lock first: the step read below cannot race another writer
        with self.d.uow.writing(lock=True) as tx:
            conn, audit, now = tx.conn, tx.audit, tx.now
            if scoped:
                prior = self._case_row(conn, case_id)
                if prior is not None:
                    ev = json.loads(prior.evidence)
                    differs = [
                        f
                        for f, first, again in (
                            ("account_id", prior.subject_id, account_id),
                            ("severity", ev["severity"], severity),
                            ("reason", ev["reason"], reason),
                        )
                        if first != again
                    ]
                    if differs:
                        raise IdempotencyKeyReused(idempotency_key or "", differs)
                    return self._result(conn, prior, replayed=True)
            batch = self._batch(conn, account_id, now)
            subj = batch.subjects[account_id]
            ladder = self.d.ladder
            step = self.d.effector.step(batch, subj, severity, now)
            case: dict[str, Any] = {
                "severity": severity,
                "reason": reason,
                "requested_by": actor,
                "requested_at": now.isoformat(),
                "step": step,
                "four_eyes": step >= ladder.top,
                "idempotency_key": idempotency_key,
                "strike_id": None,
            }
            if step >= ladder.top:
                self._refuse_if_banned(subj, now, severity=severity, step=step)
                open_case = self._open_proposal(conn, account_id)
                if open_case is not None:
                    raise Conflict(
                        f"account {account_id} already has an open permanent-ban proposal {open_case}; confirm or "
                        "decline it first"
                    )
                self._insert_case(conn, case_id, account_id, now, case, "open")
                audit.append(
                    now,
                    actor,
                    "strike.proposed",
                    f"account:{account_id}",
                    {"case": case_id, "severity": severity, "step": step, "reason": reason},
                )
                return ManualResult(case_id, account_id, "proposed", case)
            strike, restriction = self._issue(tx, batch, subj, case_id, case, actor)
            case["strike_id"] = strike.id
            self._insert_case(conn, case_id, account_id, now, case, "actioned")
        return ManualResult(case_id, account_id, "issued", case, strike, restriction)

    def confirm(self, p: Principal, case_id: str, agree: bool, note: str | None = None) -> ManualResult:
        """A different reviewer confirms a proposal (the strike is issued) or declines it (nothing is issued)."""
        access.require_role(p, Role.REVIEWER)
        actor = p.actor
        with self.d.uow.writing(lock=True) as tx:
            conn, audit, now = tx.conn, tx.audit, tx.now
            row = self._case_row(conn, case_id)
            if row is None:
                raise NotFound(f"no strike proposal {case_id!r}")
            case = json.loads(row.evidence)
            if row.status != "open":
                what = "confirmed" if row.status == "actioned" else "declined"
                raise Conflict(f"the proposal {case_id} was already {what}; there is nothing to confirm")
            if same_person(case["requested_by"], actor):  # people, not tokens (issue 12)
                raise Forbidden("four eyes: the reviewer who proposed a permanent strike cannot confirm it")
            claim = appeals_store.claim_of(conn, f"flag:{case_id}")
            if claim is not None and claim.claimed_by != actor:
                raise Conflict(f"flag:{case_id} is claimed by {claim.claimed_by}; only they may decide it now")
            strike = restriction = None
            status: ManualStatus
            if agree:
                batch = self._batch(conn, row.subject_id, now)
                subj = batch.subjects[row.subject_id]
                self._refuse_if_banned(subj, now, case_id)  # the account's state now, not when it was proposed
                case |= {"confirmed_by": actor, "confirmed_at": now.isoformat(), "note": note}
                strike, restriction = self._issue(tx, batch, subj, case_id, case, actor)
                case["strike_id"], case["step"] = strike.id, strike.step
                status, flag_status = "issued", "actioned"
            else:
                case |= {"declined_by": actor, "declined_at": now.isoformat(), "note": note}
                status, flag_status = "declined", "dismissed"
                audit.append(
                    now, actor, "strike.proposal_declined", f"account:{row.subject_id}", {"case": case_id, "note": note}
                )
            appeals_store.set_flag_status(conn, case_id, flag_status, case)
            appeals_store.drop_claim(conn, f"flag:{case_id}")
        return ManualResult(case_id, row.subject_id, status, case, strike, restriction)

    def answer(self, res: ManualResult, lang: Lang) -> views.ManualStrikeOut:
        """`res` as the HTTP answer, its restriction explained in `lang` as of now."""
        restriction = None
        if res.restriction is not None:
            restriction = self.d.enforcement.restriction_view(res.restriction, res.strike, self.d.now(), lang)
        out = views.manual_strike(
            res.case_id, res.account_id, res.status, res.case, res.strike, restriction, res.replayed
        )
        with self.d.uow.reading() as tx:
            return store.label_model(tx.conn, out)

    def get(self, p: Principal, case_id: str) -> ManualResult:
        """A request and what became of it: for reviewers, the platform and auditors."""
        access.require_role(p, Role.REVIEWER, Role.PLATFORM, Role.AUDITOR)
        with self.d.uow.reading() as tx:
            row = self._case_row(tx.conn, case_id)
            if row is None:
                raise NotFound(f"no manual strike request {case_id!r}")
            return self._result(tx.conn, row)

    # --- helpers ----------------------------------------------------------------------------------------------

    def _check(self, severity: str, reason: str) -> None:
        known = list(self.d.ladder.severities)
        errs = []
        if severity not in known:
            errs.append(FieldError(field="severity", message=f"one of the ladder's classes: {', '.join(known)}"))
        if not REASON_MIN <= len(reason) <= REASON_MAX:
            errs.append(FieldError(field="reason", message=f"{REASON_MIN} to {REASON_MAX} characters"))
        if errs:
            raise InvalidInput(f"{len(errs)} problem(s) in the request; nothing was stored", errs)

    def _batch(self, conn: Connection, account_id: str, now: datetime) -> Batch:
        """The account as a batch of no events, loaded by the features (past unblocks: the ladder's floors)."""
        subjects, _ = store.load_subjects(conn, [account_id], now)
        if account_id not in subjects:
            raise NotFound(f"no account {account_id!r}")
        return self.d.enforcement.batch_for(conn, subjects, now)

    @staticmethod
    def _open_proposal(conn: Connection, account_id: str) -> str | None:
        """The id of the account's open permanent-ban proposal, if any (at most one is open at a time)."""
        return appeals_store.open_case_flag(conn, account_id, CASE_RULE)

    def _refuse_if_banned(
        self, subj: Subject, now: datetime, case_id: str | None = None, severity: str = "", step: int = 0
    ) -> None:
        """409 when the account is already permanently banned, saying what happened: nothing was recorded, because
        a strike of `severity` would land on `step` (the top: another permanent ban), and how the ban can change."""
        top = self.d.ladder.top
        ban = next(
            (r for r in subj.restrictions if r.permanent and r.step >= top and r.active_at(now)),
            None,
        )
        if ban is None:
            return
        what = f"the proposal {case_id} cannot be confirmed: " if case_id else ""
        raise Conflict(
            f"{what}account {subj.account.id} is already permanently banned (restriction {ban.id}, "
            f"strike {ban.strike_id}); decline the proposal"
            if case_id
            else f"nothing was recorded: account {subj.account.id} is already permanently banned (restriction "
            f"{ban.id}, strike {ban.strike_id}, since {ban.starts_at.isoformat()}). A strike of severity {severity} "
            f"would be step {step} of the ladder, the permanent ban again, so no strike was "
            "issued and no proposal was opened; the ban stands as it is. To change it, decide its appeal or propose "
            "ending it (a second person confirms)"
        )

    def _issue(
        self, tx: Tx, batch: Batch, subj: Subject, case_id: str, case: dict[str, Any], actor: str
    ) -> tuple[Strike, Restriction]:
        now = tx.now
        changes = batch.effects
        evidence = {
            "note": case["reason"],
            "actor": case["requested_by"],
            "case": case_id,
            **({"confirmed_by": case["confirmed_by"]} if case.get("confirmed_by") else {}),
        }
        strike = self.d.effector.strike(
            batch,
            subj,
            StrikeRequest(rule="manual", severity=case["severity"], at=now, evidence=evidence, key=f"manual:{case_id}"),
        )
        if strike is None:  # an exemption for rule `manual` (none is granted by the desk today)
            raise Conflict(f"account {subj.account.id} is exempt from manual strikes until further notice")
        store.save_changes(tx.conn, changes)
        audit_effects(tx.audit, changes, now, actor)
        restriction = next(r for r in changes.restrictions if r.strike_id == strike.id)
        return strike, restriction

    @staticmethod
    def _case_row(conn: Connection, case_id: str) -> Any:
        return appeals_store.case_flag(conn, case_id, CASE_RULE)

    @staticmethod
    def _insert_case(
        conn: Connection, case_id: str, account_id: str, now: datetime, case: dict[str, Any], status: str
    ) -> None:
        appeals_store.insert_case_flag(conn, case_id, account_id, CASE_RULE, now, case, status)

    def _result(self, conn: Connection, row: Any, replayed: bool = False) -> ManualResult:
        case = json.loads(row.evidence)
        status = STATUS_OF_CASE[row.status]
        strike = restriction = None
        if case.get("strike_id"):
            strike = appeals_store.strike(conn, case["strike_id"])
            restriction = appeals_store.restriction_of_strike(conn, case["strike_id"])
        return ManualResult(row.id, row.subject_id, status, case, strike, restriction, replayed)
