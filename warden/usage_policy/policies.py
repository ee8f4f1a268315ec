"""An enterprise's usage policy: its rules (versioned, edited with optimistic concurrency), the departments the
rules are scoped to, and the compiled policies ingest checks messages against (cached per version).

Each public method takes the caller's `Principal` first (checked by `access.py`), is one transaction and audited.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from warden.adapters import store as core
from warden.adapters.uow import Connection, UnitOfWork
from warden.kernel.access import Principal
from warden.kernel.errors import Conflict, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.kernel.i18n import Lang
from warden.screening import ScreeningEngine, TermSpec
from warden.screening.terms import term_message
from warden.usage_policy import access, store
from warden.usage_policy.model import CompiledPolicy, ScreenerFactory
from warden.usage_policy.policy import EnterpriseUsageSettings, UsagePolicyDoc, limit_errors
from warden.usage_policy.views import DepartmentsOut, PolicyOut


def engine_screeners(base: Callable[[], ScreeningEngine]) -> ScreenerFactory:
    """A policy's screener from the screening engine `base` returns (built on first need): an engine for the
    policy's own terms with the platform's folding data (traditional, width, separators, invisible characters,
    pinyin, split and sound-alike forms) and detectors, each rule keeping its own hits (S-E1, S-E3)."""

    def build(terms: Sequence[TermSpec], detectors: bool) -> ScreeningEngine:
        return base().for_terms(terms, detectors=detectors, per_category=True)

    return build


class PolicyAdmin:
    """Policies (S-E1): rules, words, detectors, versions, departments; compiled policies for ingest, screening
    through the engine `screening` returns (bootstrap hands in the shipped one)."""

    def __init__(
        self, uow: UnitOfWork, settings: EnterpriseUsageSettings, screening: Callable[[], ScreeningEngine]
    ) -> None:
        self.uow = uow
        self.settings = settings
        self.build = engine_screeners(screening)
        self._cache: dict[str, CompiledPolicy] = {}
        self._cache_lock = threading.Lock()

    def put_policy(
        self, principal: Principal, enterprise_id: str, doc: UsagePolicyDoc, expected_version: int, lang: Lang = "zh"
    ) -> PolicyOut:
        """Replace the enterprise's rules (its admin only). `expected_version` is the version the editor read (0
        for none). Returns the policy at its new version; 409 (`Conflict`) when stale, 422 over the limits or for a
        word that folds to nothing or one character (named in `lang`)."""
        access.check_tenant(principal, enterprise_id, access.POLICY_WRITERS)
        errs = limit_errors(doc, self.settings, lang, _word_problem)
        if errs:
            raise InvalidInput(f"{len(errs)} problem(s) in the usage policy; nothing was saved", errs)
        actor = principal.actor
        with self.uow.writing() as tx:
            if core.get_enterprise(tx.conn, enterprise_id) is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            meta = store.policy_meta(tx.conn, enterprise_id, actor, tx.now)
            if not store.replace_policy(
                tx.conn, enterprise_id, expected_version, doc.model_dump(mode="json"), tx.now, actor
            ):
                raise Conflict(
                    f"the usage policy is at version {meta.version}, not {expected_version}; reload and edit again",
                    [FieldError(field="version", message=f"stale; the current version is {meta.version}")],
                )
            tx.audit.append(
                tx.now,
                actor,
                "usage_policy.updated",
                f"enterprise:{enterprise_id}",
                {"version": expected_version + 1, "rules": [r.id for r in doc.rules]},
            )
        return PolicyOut(enterprise_id=enterprise_id, version=expected_version + 1, rules=doc.rules, updated_at=tx.now)

    def get_policy(self, principal: Principal, enterprise_id: str) -> PolicyOut:
        """The policy, its version (0: none yet) and when it was last saved (None: never)."""
        access.check_tenant(principal, enterprise_id, access.POLICY_READERS)
        with self.uow.reading() as tx:
            if core.get_enterprise(tx.conn, enterprise_id) is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            row = store.policy_row(tx.conn, enterprise_id)
        if row is None or row.document is None:
            return PolicyOut(enterprise_id=enterprise_id, version=0, rules=[], updated_at=None)
        doc = UsagePolicyDoc.model_validate_json(row.document)
        return PolicyOut(enterprise_id=enterprise_id, version=row.version, rules=doc.rules, updated_at=row.updated_at)

    def set_departments(
        self, principal: Principal, enterprise_id: str, departments: dict[str, list[str]]
    ) -> DepartmentsOut:
        """Replace the department → members mapping the rules' scopes refer to (the enterprise's admin only).
        Members must be the enterprise's; returns how many departments and members were placed."""
        access.check_tenant(principal, enterprise_id, access.POLICY_WRITERS)
        members = [(d, a) for d, accs in departments.items() for a in accs]
        with self.uow.writing() as tx:
            if core.get_enterprise(tx.conn, enterprise_id) is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            known = store.members_among(tx.conn, enterprise_id, [a for _, a in members])
            errs, seen = [], set()
            for d, accs in departments.items():
                for i, a in enumerate(accs):
                    if a not in known:
                        errs.append(FieldError(field=f"departments.{d}[{i}]", message=f"{a!r} is not a member here"))
                    elif a in seen:
                        errs.append(FieldError(field=f"departments.{d}[{i}]", message=f"{a!r} is in two departments"))
                    seen.add(a)
            if errs:
                raise InvalidInput(f"{len(errs)} problem(s) in the departments; nothing was saved", errs)
            store.replace_departments(tx.conn, enterprise_id, members)
            tx.audit.append(
                tx.now,
                principal.actor,
                "usage_policy.departments_set",
                f"enterprise:{enterprise_id}",
                {"departments": {d: len(a) for d, a in departments.items()}},
            )
        return DepartmentsOut(enterprise_id=enterprise_id, departments=len(departments), members=len(members))

    def pseudonym_key(self, enterprise_id: str) -> str:
        """The enterprise's key for stable pseudonyms (created on first need). For this slice's services only."""
        with self.uow.writing() as tx:
            return str(store.policy_meta(tx.conn, enterprise_id, "system", tx.now).pseudonym_key)

    def compiled(self, conn: Connection, enterprise_ids: set[str]) -> dict[str, CompiledPolicy]:
        """enterprise id → its compiled policy, for those with one. One query for the versions; documents are
        read and compiled only when their version changed. For the ingest feature, inside the batch's transaction."""
        out: dict[str, CompiledPolicy] = {}
        stale = []
        rows = store.policy_versions(conn, enterprise_ids)
        with self._cache_lock:
            for eid, version in rows:
                cached = self._cache.get(eid)
                if cached is not None and cached.version == version:
                    out[eid] = cached
                else:
                    stale.append(eid)
        if stale:
            for row in store.policy_rows(conn, stale):
                compiled = CompiledPolicy(UsagePolicyDoc.model_validate_json(row.document), row.version, self.build)
                out[row.enterprise_id] = compiled
                with self._cache_lock:
                    self._cache[row.enterprise_id] = compiled
        return out


def _word_problem(word: str, lang: Lang) -> str | None:
    """What is wrong with an enterprise's keyword (one Chinese character is a keyword: `screening.terms`)."""
    return term_message(word, lang, single_han=True)
