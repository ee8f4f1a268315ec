"""`App`: the running application, built only by `warden.bootstrap.bootstrap`; what routes and CLI commands get.

Typed handles on each service:

| field | what |
| --- | --- |
| `pipeline` | `pipeline.ingest.Ingest`, the ingest use case (`app.pipeline.ingest(events, actor)`) |
| `enforcement` | `enforcement.service.EnforcementService`: directory, reads, explain, audit |
| `manual_actions` | `enforcement.manual_actions.ManualActions`: voids, lifts, enterprise restrictions, ban endings |
| `tokens` | `enforcement.tokens.Tokens`: API tokens |
| `texts` | `enforcement.texts.Texts`: the catalogue explanations render with (other slices' texts injected) |
| `rules`, `counters`, `features`, `cache`, `engine`, `clock`, `loaded` | the pieces bootstrap wired |

**Where the other slices plug in.** Each feature slice has one typed field below, built once by bootstrap:
`word_lists` (`word_lists.service.WordLists`, None unless the evasion-resistant engine is in use), `unblocking`
(`unblock.service.Unblocking`), `usage_policies` / `cases` / `case_outcomes` / `usage_figures` / `case_evidence`
(`usage_policy`: `PolicyAdmin`, `CaseDesk`, `CaseOutcomes`, `Figures`, `CaseEvidence`), `weight`
(`weight.service.WeightService`) and `appeals` (`appeals.service.Appeals`) are handed to the constructor.
A new slice adds one field here and one line in bootstrap.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from warden.adapters import audit_state, store
from warden.adapters.subject_cache import SubjectCache
from warden.adapters.uow import UnitOfWork
from warden.enforcement.manual_actions import ManualActions
from warden.enforcement.service import EnforcementService
from warden.enforcement.texts import Texts
from warden.enforcement.tokens import Tokens
from warden.kernel.clock import Clock
from warden.kernel.counters import Counters
from warden.pipeline.effects import Effector
from warden.pipeline.engine import RuleEngine
from warden.pipeline.feature import Feature
from warden.pipeline.ingest import Ingest
from warden.policy import LoadedPolicy

if TYPE_CHECKING:  # the feature slices' services (each slice updates its line when its service moves)
    from warden.adapters.database import WalCheckpointer
    from warden.appeals.service import Appeals
    from warden.policy_versions.backtests import Backtests
    from warden.policy_versions.live import LivePolicy
    from warden.policy_versions.service import PolicyVersions
    from warden.unblock.service import Unblocking
    from warden.usage_policy.cases import CaseDesk
    from warden.usage_policy.evidence import CaseEvidence
    from warden.usage_policy.figures import Figures
    from warden.usage_policy.outcomes import CaseOutcomes
    from warden.usage_policy.policies import PolicyAdmin
    from warden.weight.service import WeightService
    from warden.word_lists.service import WordLists


class App:
    def __init__(
        self,
        *,
        engine: Engine,
        uow: UnitOfWork,
        policy: LoadedPolicy,
        rules: RuleEngine,
        counters: Counters,
        clock: Clock,
        features: Sequence[Feature],
        cache: SubjectCache,
        texts: Texts,
        pipeline: Ingest,
        enforcement: EnforcementService,
        manual_actions: ManualActions,
        tokens: Tokens,
        word_lists: WordLists | None,
        unblocking: Unblocking,
        usage_policies: PolicyAdmin,
        cases: CaseDesk,
        case_outcomes: CaseOutcomes,
        usage_figures: Figures,
        case_evidence: CaseEvidence,
        weight: WeightService,
        appeals: Appeals,
        policy_versions: PolicyVersions | None = None,
        backtests: Backtests | None = None,
        live_policy: LivePolicy | None = None,
    ) -> None:
        self.engine = engine
        self.uow = uow  # the unit of work every service opens its transactions with (adapters/uow.py)
        self._boot_policy = policy
        self.rules = rules
        self.counters = counters
        self.clock = clock
        self.features = list(features)
        self.cache = cache
        self.texts = texts
        self.effector: Effector = rules.effector
        self.pipeline = pipeline
        self.enforcement = enforcement
        self.manual_actions = manual_actions  # a reviewer's actions on the record (enforcement/manual_actions.py)
        self.tokens = tokens
        self.checkpointer: WalCheckpointer | None = None  # long-running SQLite servers only
        # --- feature slices: built once by bootstrap (see the module docstring) ---
        self.word_lists = word_lists  # screening lists (issue 3), with the evasion-resistant engine
        self.unblocking = unblocking  # unblocking (issue 5)
        self.usage_policies = usage_policies  # enterprise usage policy (issue 7): policies, cases, figures
        self.cases = cases
        self.case_outcomes = case_outcomes
        self.usage_figures = usage_figures
        self.case_evidence = case_evidence  # case evidence, checked by the appeals' document checks (issue 15)
        self.weight = weight  # weight (issue 4): reads and the operator's recompute
        self.appeals = appeals  # appeals and the review desk (issue 6)
        self.backtests = backtests  # backtests in the background (issue 18)
        self.policy_versions = policy_versions  # the policy's life (issue 18): versions, stages, shadow, figures
        self.live_policy = live_policy  # this process's view of the stages (hot reload)

    @property
    def loaded(self) -> LoadedPolicy:
        """The live policy (a promotion swaps it without a restart: `refresh_policy`)."""
        return self.rules.loaded

    def refresh_policy(self) -> None:
        """Put a version promoted elsewhere in force (one indexed read; every HTTP request calls this first)."""
        if self.live_policy is not None:
            self.live_policy.refresh_now()

    def deliver_outbox(self) -> None:
        """Deliver the one notification outbox now (appeals' and the enterprise desk's notices), after a committed
        change; a failure is logged and retried by the next delivery (`warden scheduler`, `warden appeals
        deliver`), the change stands. Uses `self.appeals` as it is now (tests swap in a `MemoryNotifier`)."""
        try:
            self.appeals.deliver()
        except Exception:  # delivery is retried later; the change itself is committed
            logging.getLogger("warden.notifications").exception("notification delivery failed; it will be retried")

    def start(self) -> None:
        """Record the policy file, store it as a version (live at the first start or when the file changed, issue
        18), put the live version in force and fail the backtests a gone process left queued or running
        (`Backtests.sweep`). The counters need no rebuild: ingest reloads each account's windows
        from the stored events the first time a decision needs them (`Ingest._cover_reads`)."""
        now = self.clock.now()
        boot = self._boot_policy
        with self.engine.begin() as conn:
            store.fix_partitions(conn, self.pipeline.partitions)  # every process of an installation shares one count
            if store.record_policy(conn, boot.hash, boot.policy.version, boot.source, boot.text, now):
                store.AuditWriter(conn).append(
                    now,
                    "system",
                    "policy.loaded",
                    f"policy:{boot.short_hash}",
                    {"hash": boot.hash, "version": boot.policy.version, "source": boot.source},
                )
            if self.live_policy is not None:
                self.live_policy.seed(conn, boot, now)
            audit_state.sign_head(conn)  # entries an upgrade appended before the signer was installed
        self.refresh_policy()
        if self.backtests is not None:  # backtests left queued or running by a process that is gone (issue 18)
            self.backtests.sweep()

    def anchor_audit_root(self) -> int | None:
        """Append a signed root over every audit chain's head (`adapters/audit_roots.py`); None when no chain moved
        since the last one. `warden consume` calls it every `WARDEN_AUDIT_ROOT_INTERVAL` seconds, `warden audit
        anchor` on demand."""
        from warden.adapters.audit_keys import Signer
        from warden.adapters.audit_roots import anchor_root

        signer = self.enforcement.verifier
        with self.engine.begin() as conn:
            return anchor_root(conn, signer if isinstance(signer, Signer) else None, self.clock.now())

    def close(self) -> None:
        if self.backtests is not None:  # a graceful stop: its running backtests read failed at once (issue 18)
            self.backtests.abandon()
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.engine.dispose()
