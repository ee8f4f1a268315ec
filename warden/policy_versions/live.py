"""The process's view of the stages: which stored version decides, swapped without a restart (issue 18).

`refresh(conn)` runs at the start of every ingest batch (inside its transaction, under the batch lock) and, through
`refresh_now`, at the start of every HTTP request: one primary-key read of `policy_stages`; when its `generation`
moved, the versions it names are parsed (once per text, cached by hash) and put in force with one assignment
(`RuleEngine.swap`), so a decision sees one whole policy, never half of one. A request that finds a batch deciding
leaves the swap to the batch (it keeps the policy it has: still a whole one).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warden.adapters import store as core_store
from warden.adapters.database import reading
from warden.kernel.errors import Conflict, NotFound
from warden.pipeline.effects import Effector
from warden.pipeline.engine import RuleEngine
from warden.pipeline.feature import Feature
from warden.policy import LoadedPolicy, PolicyError, load_policy_text
from warden.policy_versions import store
from warden.policy_versions.model import Stages, Version
from warden.screening.base import Screener


@dataclass(frozen=True)
class Shadow:
    """A shadow version in force: its id, hash and the rule engine that evaluates it (no effect on anyone)."""

    version_id: int
    hash: str
    engine: RuleEngine


class LivePolicy:
    """`rules`: the process's rule engine (swapped in place); `screener_for(loaded)`: the screener a version needs
    (the boot screener when its words are the boot policy's); `floors`: the features whose `step_floor` a shadow
    strike honours (no other hook: a shadow never writes)."""

    def __init__(
        self,
        engine: Any,
        rules: RuleEngine,
        screener_for: Callable[[LoadedPolicy], Screener],
        floors: Sequence[Feature] = (),
    ) -> None:
        self.engine = engine
        self.rules = rules
        self.screener_for = screener_for
        self.floors = list(floors)
        self.generation: int | None = None
        self.stages: Stages | None = None
        self.shadow: Shadow | None = None
        self.lock: threading.Lock | None = None  # the ingest batch lock (set by bootstrap)
        self._known: dict[str, LoadedPolicy] = {rules.loaded.hash: rules.loaded}
        self._engines: dict[str, RuleEngine] = {}
        self._swap = threading.Lock()

    # --- at start -------------------------------------------------------------------------------------------

    def seed(self, conn: Any, file: LoadedPolicy, now: datetime) -> None:
        """At start: the policy file becomes a stored version when its text is new; it goes live at the first start
        (version 1) and whenever the file changed since the start before (a deployment that ships a new file keeps
        working as before); otherwise the live version stays what was promoted. Audited."""
        audit = core_store.AuditWriter(conn)
        _ = audit.tail_seq  # the writers' lock first: two processes starting at once seed once
        current = store.stages(conn)
        v = store.version_by_hash(conn, file.hash)
        if v is None:
            v = Version(
                store.next_version_id(conn),
                file.hash,
                file.policy.version,
                "system",
                f"read from the policy file {file.source} at start",
                now,
                current.live_id if current else None,
            )
            store.insert_version(conn, v, file.text, file.source)
            audit.append(now, "system", "policy.version_stored", f"policy_version:{v.id}", _summary(v))
        if current is not None and current.file_hash == file.hash:
            return
        reason = "first start: the policy file" if current is None else "the policy file changed at start"
        gen = (current.generation if current else 0) + 1
        s = Stages(
            gen,
            v.id,
            current.shadow_id if current else None,
            current.staged_id if current else None,
            current.staged_share if current else 0,
            file.hash,
            now,
            "system",
            reason,
        )
        if s.staged_id == v.id:
            s = Stages(gen, v.id, s.shadow_id, None, 0, file.hash, now, "system", reason)
        store.write_stages(conn, s, "live", v.id, 100)
        audit.append(
            now,
            "system",
            "policy.promoted",
            f"policy_version:{v.id}",
            {"stage": "live", "version": v.id, "hash": v.hash, "reason": reason, "generation": gen},
        )
        self._knows(file)

    # --- every batch and request ----------------------------------------------------------------------------

    def refresh(self, conn: Any, rows: Sequence[Any] | None = None) -> None:
        """Put the stored stages in force if they changed since this process last looked (one indexed read).
        `rows`: that read's rows when the caller sent it already (`probe`, in ingest's first round trip)."""
        gen = store.generation(conn) if rows is None else store.generation_of(rows)
        if gen is None or gen == self.generation:
            return
        s = store.stages(conn)
        if s is None or s.generation == self.generation:
            return
        with self._swap:
            if s.generation == self.generation:
                return
            live = self.loaded(conn, s.live_id)
            staged = self.loaded(conn, s.staged_id) if s.staged_id is not None and s.staged_share > 0 else None
            shadow = None
            if s.shadow_id is not None:
                sl = self.loaded(conn, s.shadow_id)
                shadow = Shadow(s.shadow_id, sl.hash, self._shadow_engine(sl))
            self.rules.swap(live, self.screener_for(live), staged, s.staged_share if staged else 0)
            self.shadow = shadow
            self.stages = s
            self.generation = s.generation

    def probe(self) -> tuple[str, Sequence[Any]]:
        """The read `refresh` makes, as a `database.driver_run` statement, for a caller that sends it with its own
        reads in one round trip and hands `refresh` the rows."""
        return store.GENERATION, ()

    def refresh_now(self) -> None:
        """`refresh` on a connection of its own, unless a batch is being decided right now (it will refresh itself
        at its next start; meanwhile the policy in force stays whole)."""
        lock = self.lock
        if lock is not None and not lock.acquire(blocking=False):
            return
        try:
            with reading(self.engine) as conn:
                self.refresh(conn)
        finally:
            if lock is not None:
                lock.release()

    # --- parsing, cached by hash ---------------------------------------------------------------------------

    def loaded(self, conn: Any, version_id: int) -> LoadedPolicy:
        """The parsed policy of a stored version (parsed once per text). NotFound for an unknown version; Conflict
        when the stored text's sha256 is not the version's hash (edited behind warden: never loaded)."""
        v = store.version(conn, version_id)
        if v is None:
            raise NotFound(f"no policy version {version_id}")
        known = self._known.get(v.hash)
        if known is not None:
            return known
        text = store.text(conn, v.hash)
        if text is None:
            raise NotFound(f"the text of policy version {version_id} is missing")
        try:
            lp = load_policy_text(text, f"policy version {version_id}")
        except PolicyError as exc:  # stored texts were validated when written; a schema change may reject one
            raise NotFound(f"policy version {version_id} no longer validates: {exc.problems[0]}") from exc
        if lp.hash != v.hash:  # the text was edited behind warden: never put it in force (issue 12)
            raise Conflict(
                f"the stored text of policy version {version_id} does not match its hash (sha256 {lp.hash[:12]}… "
                f"instead of {v.hash[:12]}…): it was changed behind warden; nothing was put in force "
                "(run `warden audit verify`)"
            )
        return self._knows(lp)

    def _knows(self, lp: LoadedPolicy) -> LoadedPolicy:
        return self._known.setdefault(lp.hash, lp)

    def _shadow_engine(self, lp: LoadedPolicy) -> RuleEngine:
        eng = self._engines.get(lp.hash)
        if eng is None:
            eng = RuleEngine(lp, self.screener_for(lp), self.rules.rules)
            eng.effector = Effector(eng, self.floors, follow=False)  # floors only: no cascade, no feature state
            eng.contacts = self.rules.contacts
            self._engines[lp.hash] = eng
        return eng


def _summary(v: Version) -> dict[str, object]:
    return {"version": v.id, "hash": v.hash, "label": v.label, "author": v.author, "comment": v.comment}
