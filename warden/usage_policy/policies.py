"""An enterprise's usage policy: its rules (versioned, edited with optimistic concurrency), the departments the
rules are scoped to, and the compiled policies ingest checks messages against (cached per version).

Each public method is one transaction and audited.
"""

from __future__ import annotations

import threading
from datetime import datetime

from warden.adapters import store as core
from warden.kernel.clock import Clock
from warden.kernel.errors import Conflict, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.usage_policy import store
from warden.usage_policy.model import CompiledPolicy
from warden.usage_policy.policy import EnterpriseUsageSettings, UsagePolicyDoc, limit_errors
from warden.usage_policy.store import Connection, Engine


class PolicyAdmin:
    """Policies (S-E1): rules, words, detectors, versions, departments; compiled policies for ingest."""

    def __init__(self, engine: Engine, settings: EnterpriseUsageSettings, clock: Clock) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self._cache: dict[str, CompiledPolicy] = {}
        self._cache_lock = threading.Lock()

    def put_policy(
        self, enterprise_id: str, doc: UsagePolicyDoc, expected_version: int, actor: str
    ) -> tuple[UsagePolicyDoc, int]:
        """Replace the enterprise's rules. `expected_version` is the version the editor read (0 for none).
        Returns the document and its new version; 409 (`Conflict`) when stale, 422 over the limits."""
        errs = limit_errors(doc, self.settings)
        if errs:
            raise InvalidInput(f"{len(errs)} problem(s) in the usage policy; nothing was saved", errs)
        now = self.clock.now()
        with store.writing(self.engine) as conn:
            if core.get_enterprise(conn, enterprise_id) is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            meta = store.policy_meta(conn, enterprise_id, actor, self.clock.now())
            if not store.replace_policy(conn, enterprise_id, expected_version, doc.model_dump(mode="json"), now, actor):
                raise Conflict(
                    f"the usage policy is at version {meta.version}, not {expected_version}; reload and edit again",
                    [FieldError(field="version", message=f"stale; the current version is {meta.version}")],
                )
            core.AuditWriter(conn).append(
                now,
                actor,
                "usage_policy.updated",
                f"enterprise:{enterprise_id}",
                {"version": expected_version + 1, "rules": [r.id for r in doc.rules]},
            )
        return doc, expected_version + 1

    def get_policy(self, enterprise_id: str) -> tuple[UsagePolicyDoc, int, datetime | None]:
        """The document, its version (0: none yet) and when it was last saved."""
        with store.reading(self.engine) as conn:
            if core.get_enterprise(conn, enterprise_id) is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            row = store.policy_row(conn, enterprise_id)
        if row is None or row.document is None:
            return UsagePolicyDoc(), 0, None
        return UsagePolicyDoc.model_validate_json(row.document), row.version, row.updated_at

    def set_departments(self, enterprise_id: str, departments: dict[str, list[str]], actor: str) -> int:
        """Replace the department → members mapping the rules' scopes refer to. Members must be the enterprise's.
        Returns the number of members placed."""
        members = [(d, a) for d, accs in departments.items() for a in accs]
        with store.writing(self.engine) as conn:
            if core.get_enterprise(conn, enterprise_id) is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            known = store.members_among(conn, enterprise_id, [a for _, a in members])
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
            store.replace_departments(conn, enterprise_id, members)
            core.AuditWriter(conn).append(
                self.clock.now(),
                actor,
                "usage_policy.departments_set",
                f"enterprise:{enterprise_id}",
                {"departments": {d: len(a) for d, a in departments.items()}},
            )
        return len(members)

    def pseudonym_key(self, enterprise_id: str) -> str:
        """The enterprise's key for stable pseudonyms (created on first need)."""
        with store.writing(self.engine) as conn:
            return str(store.policy_meta(conn, enterprise_id, "system", self.clock.now()).pseudonym_key)

    def compiled(self, conn: Connection, enterprise_ids: set[str]) -> dict[str, CompiledPolicy]:
        """enterprise id → its compiled policy, for those with one. One query for the versions; documents are
        read and compiled only when their version changed."""
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
                compiled = CompiledPolicy(UsagePolicyDoc.model_validate_json(row.document), row.version)
                out[row.enterprise_id] = compiled
                with self._cache_lock:
                    self._cache[row.enterprise_id] = compiled
        return out
