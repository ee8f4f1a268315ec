"""The core feature's use cases: directory, subject and restriction reads, the explanation and audit verification.
Manual actions (voids, lifts, enterprise restrictions, ending a ban with a second person) are `manual_actions`.

Each public method is one transaction of the unit of work (`..._in` variants run inside the caller's). The rules are
the pipeline's; this layer loads what they need, writes what changed and appends to the audit chain, all or nothing.
Its SQL is `enforcement.store` (and the core rows of `adapters.store`).

Two kinds of method: those under "for a person" take the `Principal` first, check it with `enforcement.access` and
answer with `enforcement.views` models (what the HTTP routes call); the others trust their caller (the CLI, other
slices' services, tests) and take the actor's name for the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from warden.adapters import audit_state
from warden.adapters import store as core
from warden.adapters.audit_keys import Verifier
from warden.adapters.uow import Connection, UnitOfWork
from warden.enforcement import access, phones, store
from warden.enforcement import explain as ex
from warden.enforcement.history import profile_events
from warden.enforcement.manual_actions import ManualActions
from warden.enforcement.rules.contacts import standing_cap_refusal
from warden.enforcement.texts import CORE, STATE_TEXT, Lang, Texts
from warden.enforcement.views import (
    AccountOut,
    AppealWay,
    AuditEntryOut,
    AuditPage,
    ChainVerification,
    EnterpriseOut,
    EnterpriseState,
    Explanation,
    PolicyInForce,
    PolicySummary,
    RestrictionOut,
    RestrictionPage,
    RuleSummary,
    account_out,
    enterprise_out,
    strike_record,
)
from warden.kernel.access import Principal, Role
from warden.kernel.audit import ChainReport
from warden.kernel.cursor import decode_entry, decode_position, encode_entry, encode_position
from warden.kernel.decision import Subject
from warden.kernel.errors import InvalidInput, NotFound
from warden.kernel.events import Event, FieldError
from warden.kernel.model import ENTERPRISE_OUTCOME_RULES, Account, Action, Enterprise, Restriction, Scope, Strike
from warden.pipeline.batch import Batch
from warden.pipeline.effects import SUPERSEDED, SUPERSEDED_NOTE
from warden.pipeline.engine import RuleEngine
from warden.pipeline.feature import Feature, overriding
from warden.pipeline.ingest import EARLIEST, FUTURE_SKEW, Ingest, IngestResult


class EnforcementService:
    """The core feature's use cases, one transaction each: the directory, reading subjects and restrictions, the
    explanation and audit verification. Transactions come from `uow`; events (a directory edit's profile events, the
    HTTP intake) go through `pipeline`. The policy and the effector are read live from `rules` (tests swap them).
    `manual_actions` (voids, lifts, enterprise restrictions, ban endings) is handed to the slices that hold this
    service (appeals)."""

    def __init__(
        self,
        uow: UnitOfWork,
        rules: RuleEngine,
        pipeline: Ingest,
        features: Sequence[Feature],
        manual_actions: ManualActions,
        texts: Texts = CORE,
        *,
        verifier: Verifier | None = None,
        phone_region: str = phones.DEFAULT_REGION,
    ) -> None:
        self.verifier = verifier  # checks the chain's signed checkpoints (the Signer, or a public key alone)
        self.phone_region = phones.check_region(phone_region)  # where a number without a country is read
        self.uow = uow
        self.clock = uow.clock
        self.rules = rules
        self.pipeline = pipeline
        self.texts = texts
        self.manual_actions = manual_actions
        self._loaders = overriding(list(features), "load")

    # --- for a person: the Principal first, checked by `access` (what the HTTP routes call) -----------------

    def ingest(self, p: Principal, events: Callable[[], Sequence[Event]]) -> IngestResult:
        """Decide and store a batch for the platform. `events` is called (the body parsed) only once `p` may send
        events, so a caller without the role is refused before anything about its body is said."""
        access.check_send_events(p)
        return self.pipeline.ingest(events(), p.actor)

    def policy_in_force(self, p: Principal, lang: Lang = "zh") -> PolicyInForce | PolicySummary:
        """The policy in force: in full for the platform's roles (`access.may_read_policy_in_full`); for anyone else
        its label, hash and what each rule forbids in `lang` (no thresholds, no server path)."""
        lp = self.rules.loaded
        if access.may_read_policy_in_full(p):
            return PolicyInForce(
                version=lp.policy.version, hash=lp.hash, source=lp.source, policy=lp.policy.model_dump(mode="json")
            )
        rules = lp.policy.rules
        return PolicySummary(
            version=lp.policy.version,
            hash=lp.hash,
            rules=[
                RuleSummary(rule=name, spec=getattr(rules, name).spec, title=self.texts.title(name, lang))
                for name in type(rules).model_fields
            ],
        )

    def put_enterprise(self, p: Principal, e: Enterprise) -> tuple[EnterpriseOut, bool]:
        """Register or update an enterprise: the stored enterprise, and whether it is new."""
        access.check_write_directory(p)
        created = self.register_enterprise(e, p.actor)
        return enterprise_out(self.get_enterprise(e.id)), created

    def enterprise(self, p: Principal, enterprise_id: str, lang: Lang = "zh") -> EnterpriseOut:
        """The enterprise; with its `state` (restricted? why, since, until, in the policy's timezone) for its admins
        and the platform roles (`access.may_read_enterprise_restrictions`)."""
        access.check_enterprise(p, enterprise_id)
        out = enterprise_out(self.get_enterprise(enterprise_id))
        if access.may_read_enterprise_restrictions(p, enterprise_id):
            now = self.clock.now()
            with self.uow.reading() as tx:
                live = core.restrictions_of(tx.conn, "enterprise", [enterprise_id], now)
                strikes = store.strikes_by_id(tx.conn, [r.strike_id for r in live if r.strike_id])
            active = [r for r in live if r.active_at(now)]
            cap = self.unblock_cap()
            reasons = [
                ex.explain_restriction(r, strikes.get(r.strike_id or ""), now, lang, cap, True, self.texts)[
                    "reason_text"
                ]
                for r in active
            ]
            out.state = EnterpriseState.model_validate(
                ex.enterprise_state(enterprise_id, active, reasons, self.rules.policy.timezone, lang)
            )
        return out

    def put_account(self, p: Principal, a: Account) -> tuple[AccountOut, bool]:
        """Register or update an account: the stored account, and whether it is new. On an existing account,
        profile and verification edits are ingested as the `profile_change` / `verification_change` events they
        amount to (`history.profile_events`, dated now), before the row is written, so weight counts them for
        profile stability (S-B1: ≤2 changes in 30 days) exactly as the platform's own events, and `warden replay`
        sees them. Nothing is ingested when nothing changed (a retried PUT is a no-op)."""
        access.check_write_directory(p)
        a = replace(a, phone=phones.require(a.phone, self.phone_region))  # one number, one key (issue 12)
        with self.uow.reading() as tx:
            old = core.get_account(tx.conn, a.id)
            known = core.get_enterprise(tx.conn, a.enterprise_id) is not None
        if not known:
            raise _unknown_enterprise(a)
        self.check_created(a.created_at)  # before any profile event is ingested: nothing half-written
        if old is not None:
            events = profile_events(old, a, self.clock.now())
            if events:
                self.pipeline.ingest(events, p.actor)
        created = self.register_account(a, p.actor)
        return account_out(self.get_account(a.id)), created

    def account(self, p: Principal, account_id: str) -> AccountOut:
        return account_out(self._visible_account(p, account_id))

    def explanation(self, p: Principal, account_id: str, lang: Lang = "zh") -> Explanation:
        """`explain` for whoever may read the account."""
        self._visible_account(p, account_id)
        return Explanation.model_validate(self.explain(account_id, lang, hits_detail=p.role is not Role.MEMBER))

    def account_restrictions(
        self, p: Principal, account_id: str, lang: Lang = "zh", limit: int = 50, cursor: str | None = None
    ) -> RestrictionPage:
        """One page of the account's restrictions (see `restriction_page`), for whoever may read the account;
        a cascade's evidence is cut to its numbers."""
        self._visible_account(p, account_id)
        return self._page("account", account_id, lang, limit, cursor, full=False, hits_detail=p.role is not Role.MEMBER)

    def enterprise_restrictions(
        self, p: Principal, enterprise_id: str, lang: Lang = "zh", limit: int = 50, cursor: str | None = None
    ) -> RestrictionPage:
        """One page of the enterprise's own restrictions, with whom a cascade counted: for the global roles and the
        enterprise's admins and HR (Forbidden for any other, whether or not it exists; NotFound after that)."""
        access.check_enterprise_restrictions(p, enterprise_id)
        self.get_enterprise(enterprise_id)
        page = self._page("enterprise", enterprise_id, lang, limit, cursor, full=True)
        for item in page.items:
            item.appeal = AppealWay.model_validate(ex.appeal_way(item.strike_id, item.active, lang))
        return page

    def audit_page(self, p: Principal, limit: int = 50, cursor: str | None = None) -> AuditPage:
        """Audit entries of every chain, newest first (by time, then chain, then seq: `store.audit_page`); `cursor`
        is the opaque `next_cursor` of the previous page (the position of its last entry). InvalidInput naming
        `cursor` for one this API did not give out."""
        access.check_read_audit(p)
        position = decode_entry(cursor)
        with self.uow.reading() as tx:
            entries = store.audit_page(tx.conn, limit, position)
        items = [AuditEntryOut.model_validate(e, from_attributes=True) for e in entries]  # the fields are the entry's
        last = entries[-1] if len(entries) == limit else None
        return AuditPage(items=items, next_cursor=encode_entry(last.at, last.chain, last.seq) if last else None)

    def verification(self, p: Principal) -> ChainVerification:
        """`audit_verify` for the audit's readers."""
        access.check_read_audit(p)
        return ChainVerification.model_validate(self.audit_verify(), from_attributes=True)

    def _visible_account(self, p: Principal, account_id: str) -> Account:
        with self.uow.reading() as tx:
            acc = core.get_account(tx.conn, account_id)
        return access.check_account(p, acc, account_id)

    def _page(
        self,
        subject_type: str,
        subject_id: str,
        lang: Lang,
        limit: int,
        cursor: str | None,
        full: bool,
        hits_detail: bool | None = None,
    ) -> RestrictionPage:
        items, nxt = self.restriction_page(subject_type, subject_id, limit, cursor)
        now = self.clock.now()
        return RestrictionPage(
            items=[self.restriction_view(r, s, now, lang, full, hits_detail) for r, s in items], next_cursor=nxt
        )

    def restriction_view(
        self,
        r: Restriction,
        strike: Strike | None,
        now: datetime,
        lang: Lang,
        full: bool = False,
        hits_detail: bool | None = None,
    ) -> RestrictionOut:
        """One restriction as explained at `now`, with whether it holds and its lifting. `full`: the reader may see
        whom a cascade counted (not a member reading their own account); `hits_detail` (default `full`): how each
        screening hit matched."""
        explained = ex.explain_restriction(
            r,
            strike,
            now,
            lang,
            self.unblock_cap(),
            full,
            self.texts,
            tz=self.rules.policy.timezone,
            hits_detail=hits_detail,
        )
        active = r.active_at(now)
        if not active:  # lifted (a strike voided, overturned, superseded; an unblock) or past its end: no time left
            explained |= {"remaining_seconds": 0, "unblock": ex.over_text(r, now, lang, self.rules.policy.timezone)}
        return RestrictionOut.model_validate(
            explained | {"active": active, "lifted_at": r.lifted_at, "lift_reason": r.lift_reason}
        )

    # --- directory ----------------------------------------------------------------------------------------

    def check_created(self, created_at: datetime) -> None:
        """A directory entry's `created_at` is a real date: not before 2000, not in the future (like events)."""
        if created_at < EARLIEST or created_at > self.clock.now() + FUTURE_SKEW:
            when = "in the future" if created_at > EARLIEST else f"before {EARLIEST.date().isoformat()}"
            raise InvalidInput(
                f"created_at {created_at.isoformat()} is {when}; nothing was stored",
                [FieldError(field="created_at", message=f"{created_at.isoformat()} is {when}")],
            )

    def register_enterprise(self, e: Enterprise, actor: str) -> bool:
        """Store the enterprise (True when new), audited as `enterprise.registered` or `enterprise.updated`."""
        self.check_created(e.created_at)
        with self.uow.writing() as tx:
            created = core.upsert_enterprise(tx.conn, e)
            tx.audit.append(
                tx.now,
                actor,
                "enterprise.registered" if created else "enterprise.updated",
                f"enterprise:{e.id}",
                {"name": e.name, "verified": e.verified, "created_at": e.created_at.isoformat()},
            )
        return created

    def register_account(self, a: Account, actor: str) -> bool:
        """Store the account (True when new), audited, its phone in E.164 (`phones.canonical`; `InvalidInput`
        naming `phone` when it is not a valid number); its enterprise must be registered."""
        a = replace(a, phone=phones.require(a.phone, self.phone_region))
        self.check_created(a.created_at)
        with self.uow.writing() as tx:
            if core.get_enterprise(tx.conn, a.enterprise_id) is None:
                raise _unknown_enterprise(a)
            created = core.upsert_account(tx.conn, a)
            tx.audit.append(
                tx.now,
                actor,
                "account.registered" if created else "account.updated",
                f"account:{a.id}",
                {"enterprise_id": a.enterprise_id, "real_name_verified": a.real_name_verified},
            )
        return created

    def get_account(self, account_id: str) -> Account:
        with self.uow.reading() as tx:
            a = core.get_account(tx.conn, account_id)
        if a is None:
            raise NotFound(f"no account {account_id!r}")
        return a

    def get_enterprise(self, enterprise_id: str) -> Enterprise:
        with self.uow.reading() as tx:
            e = core.get_enterprise(tx.conn, enterprise_id)
        if e is None:
            raise NotFound(f"no enterprise {enterprise_id!r}")
        return e

    def batch_for(self, conn: Connection, subjects: dict[str, Subject], now: datetime) -> Batch:
        """A batch of no events around `subjects`, loaded by the features, for effects applied outside ingest
        (a reviewer's strike, an abnormal unblock's re-ban): the floors read what `load` put on it."""
        batch = Batch([], subjects, {s.enterprise.id: s.enterprise for s in subjects.values()}, now)
        for f in self._loaders:
            f.load(conn, batch)
        return batch

    # --- reading state ---------------------------------------------------------------------------------

    def subject(self, account_id: str, at: datetime | None = None) -> Subject:
        at = at or self.clock.now()
        with self.uow.reading() as tx:
            subjects, _ = core.load_subjects(tx.conn, [account_id], at)
        if account_id not in subjects:
            raise NotFound(f"no account {account_id!r}")
        return subjects[account_id]

    def explain(self, account_id: str, lang: Lang = "zh", hits_detail: bool = False) -> dict[str, Any]:
        """Everything the account's owner needs to know: state, each restriction with evidence, what to do.
        `hits_detail`: screening hits keep how they matched (for the platform's roles, not the member)."""
        now = self.clock.now()
        subj = self.subject(account_id, now)
        active = subj.active_restrictions(now)
        strikes = {s.id: s for s in subj.strikes + subj.enterprise_strikes}
        state = ex.account_state(active)
        # Standing refusals restrict nobody, yet refuse the person's adds: said here with what to do (issue 10).
        cap = standing_cap_refusal(self.rules.policy.rules.unverified_enterprise_cap, subj.enterprise)
        refusals = [cap] if cap is not None else []
        if refusals and state == "normal":  # no restriction, yet adds are refused: do not call that good standing
            state = "capped"
        texts = self.texts
        return {
            "account_id": account_id,
            "enterprise_id": subj.enterprise.id,
            "state": state,
            "state_text": _state_text(state, active, texts, lang),
            "can_add_contacts": not subj.blocked(Action.ADD_CONTACT, now) and not refusals,
            "can_login": not subj.blocked(Action.LOGIN, now),
            "restrictions": [
                ex.explain_restriction(
                    r,
                    strikes.get(r.strike_id or ""),
                    now,
                    lang,
                    self.unblock_cap(),
                    texts=texts,
                    tz=self.rules.policy.timezone,
                    hits_detail=hits_detail,
                )
                for r in active
            ],
            "refusals": [ex.refusal(r, lang, texts) for r in refusals],
            "advice": ex.advice_for(
                active, subj.account.real_name_verified, subj.enterprise.verified, lang, [r.rule for r in refusals]
            ),
            "strikes": [
                strike_record(s) | {"status_reason": _status_reason(s.status_reason, lang), "event_id": s.event_id}
                for s in subj.strikes
            ],
            "policy_hash": self.rules.loaded.hash,
            "as_of": now.isoformat(),
            "lang": lang,
        }

    def unblock_cap(self) -> tuple[int, int] | None:
        """The policy's unblock cap (applications, window in days) for explanations, if unblocking is on."""
        cap = getattr(getattr(self.rules.policy, "unblocking", None), "cap", None)
        return (cap.max_applications, round(cap.window.total_seconds() / 86400)) if cap else None

    def restrictions(self, subject_type: str, subject_id: str) -> list[Restriction]:
        with self.uow.reading() as tx:
            return core.restrictions_of(tx.conn, subject_type, [subject_id], None)

    def restricted_accounts(self, at: datetime | None = None) -> dict[str, list[Restriction]]:
        """Accounts with an active restriction of their own at `at` (enterprise-derived ones excluded)."""
        at = at or self.clock.now()
        with self.uow.reading() as tx:
            return store.active_account_restrictions(tx.conn, at)

    def restriction_page(
        self, subject_type: str, subject_id: str, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[tuple[Restriction, Strike | None]], str | None]:
        """One page of the subject's restrictions (ended and lifted ones included) with their strikes, newest first
        by `(starts_at, id)`, and the cursor of the next page (None on the last). InvalidInput naming `cursor` for
        a cursor this API did not give out."""
        after = decode_position(cursor)
        with self.uow.reading() as tx:
            rows = store.restriction_page(tx.conn, subject_type, subject_id, limit + 1, after)
            page = rows[:limit]
            strikes = store.strikes_by_id(tx.conn, [x.strike_id for x in page if x.strike_id])
        nxt = encode_position(page[-1].starts_at, page[-1].id) if len(rows) > limit else None
        return [(x, strikes.get(x.strike_id or "")) for x in page], nxt

    # --- audit ---------------------------------------------------------------------------------------------

    def audit_verify(self, anchors: Sequence[dict[str, Any]] = (), verifier: Verifier | None = None) -> ChainReport:
        """Prove the chain, the stored events and the state rows against each other, and the chain against its
        signed checkpoints and `anchors` (exported checkpoints), with `verifier` (default: the app's key). The
        report names the first broken entry or state row, if any. Reads only (adapters/audit_state.verify)."""
        with self.uow.reading() as tx:
            return audit_state.verify(tx.conn, verifier or self.verifier, anchors)

    def audit_checkpoints(self) -> list[dict[str, Any]]:
        """The signed checkpoints, oldest first, for an auditor to keep elsewhere (`warden audit checkpoints`)."""
        with self.uow.reading() as tx:
            return list(audit_state.checkpoints(tx.conn))


def _unknown_enterprise(a: Account) -> InvalidInput:
    return InvalidInput(
        f"unknown enterprise {a.enterprise_id!r}",
        [FieldError(field="enterprise_id", message="no such enterprise; register it first")],
    )


def _state_text(state: str, active: list[Restriction], texts: Texts, lang: Lang) -> str:
    """The state as its owner reads it. An account banned only by its enterprise's own outcome (deregistration, the
    app's removal: S-E4) is told that, not "permanently banned" by the platform."""
    own = [r for r in active if r.scope is Scope.ACCOUNT or r.rule_id in ENTERPRISE_OUTCOME_RULES]
    if own and all(r.rule_id in ENTERPRISE_OUTCOME_RULES for r in own):
        return texts.title(own[0].rule_id, lang)
    return STATE_TEXT[state][lang]


def _status_reason(reason: str | None, lang: Lang) -> str | None:
    """A strike's status reason as its owner reads it: a strike the system superseded because re-deciding in event
    order after a late event did not make it again (`pipeline.redecide`) says so in `lang`, naming that event;
    others as written."""
    if reason is None or not reason.startswith(SUPERSEDED):
        return reason
    return f"{SUPERSEDED_NOTE[lang]} ({reason.removeprefix(SUPERSEDED)})"
