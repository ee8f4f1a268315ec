"""`App`: the running application, built only by `warden.bootstrap.bootstrap`; what routes and CLI commands get.

Typed handles on each service:

| field | what |
| --- | --- |
| `ingest_uc` | `pipeline.ingest.Ingest`, the ingest use case (`app.ingest(...)` calls it) |
| `enforcement` | `enforcement.service.EnforcementService`: directory, reads, explain, manual actions, audit |
| `tokens` | `enforcement.tokens.Tokens`: API tokens |
| `texts` | `enforcement.texts.Texts`: the catalogue explanations render with (other slices' texts injected) |
| `rules`, `counters`, `features`, `cache`, `engine`, `clock`, `loaded` | the pieces bootstrap wired |

**Where the other slices plug in.** Each feature slice has one typed field below, built once by bootstrap:
`word_lists` (`word_lists.service.WordLists`, None unless the evasion-resistant engine is in use), `unblocking`
(`unblock.service.Unblocking`), `usage_policies` / `cases` / `case_outcomes` / `usage_figures` (`usage_policy`:
`PolicyAdmin`, `CaseDesk`, `CaseOutcomes`, `Figures`), `weight` (`weight.service.WeightService`) are handed to the
constructor; `appeals` (`appeals.service.Appeals`) is set by bootstrap
right after the `App` exists, because the appeals desk still takes the `App` at construction. A new slice adds
one field here and one line in bootstrap.

**Compatibility.** The methods under "Warden-compatible surface" keep the old `Warden` façade's names (routes,
CLI, the other slices' services and their tests call them) by delegating to `enforcement`, `tokens` and
`ingest_uc`. They are for the merge of issue 11: new code calls the services; delete them once nothing else does
(routes, CLI commands, the appeals desk and many tests still call them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection, Engine

from warden.adapters import audit_state, store
from warden.adapters.subject_cache import SubjectCache
from warden.adapters.uow import UnitOfWork
from warden.enforcement.service import EnforcementService
from warden.enforcement.texts import Lang, Texts
from warden.enforcement.tokens import Tokens
from warden.kernel.access import Principal, Role
from warden.kernel.audit import ChainReport
from warden.kernel.clock import Clock
from warden.kernel.counters import Counters
from warden.kernel.decision import Subject
from warden.kernel.model import Account, Enterprise, Restriction, Strike, StrikeStatus
from warden.pipeline.batch import Batch
from warden.pipeline.effects import Effector
from warden.pipeline.engine import RuleEngine
from warden.pipeline.feature import Feature
from warden.pipeline.ingest import Ingest, IngestResult
from warden.policy import LoadedPolicy

if TYPE_CHECKING:  # the feature slices' services (each slice updates its line when its service moves)
    from warden.adapters.database import WalCheckpointer
    from warden.appeals.service import Appeals
    from warden.unblock.service import Unblocking
    from warden.usage_policy.cases import CaseDesk
    from warden.usage_policy.figures import Figures
    from warden.usage_policy.outcomes import CaseOutcomes
    from warden.usage_policy.policies import PolicyAdmin
    from warden.weight.service import WeightService
    from warden.word_lists.service import WordLists


class App:
    appeals: Appeals  # appeals (issue 6): set once by bootstrap right after the App exists

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
        tokens: Tokens,
        word_lists: WordLists | None,
        unblocking: Unblocking,
        usage_policies: PolicyAdmin,
        cases: CaseDesk,
        case_outcomes: CaseOutcomes,
        usage_figures: Figures,
        weight: WeightService,
    ) -> None:
        self.engine = engine
        self.uow = uow  # the unit of work every service opens its transactions with (adapters/uow.py)
        self.loaded = policy
        self.rules = rules
        self.counters = counters
        self.clock = clock
        self.features = list(features)
        self.cache = cache
        self.texts = texts
        self.effector: Effector = rules.effector
        self.pipeline = pipeline
        self.enforcement = enforcement
        self.tokens = tokens
        self.checkpointer: WalCheckpointer | None = None  # long-running SQLite servers only
        # --- feature slices: built once by bootstrap (see the module docstring) ---
        self.word_lists = word_lists  # screening lists (issue 3), with the evasion-resistant engine
        self.unblocking = unblocking  # unblocking (issue 5)
        self.usage_policies = usage_policies  # enterprise usage policy (issue 7): policies, cases, figures
        self.cases = cases
        self.case_outcomes = case_outcomes
        self.usage_figures = usage_figures
        self.weight = weight  # weight (issue 4): reads and the operator's recompute

    @property
    def ingest_uc(self) -> Ingest:
        """The ingest use case (`pipeline.ingest.Ingest`)."""
        return self.pipeline

    def start(self) -> None:
        """Record the policy in use. The counters need no rebuild: ingest reloads each account's windows from
        the stored events the first time a decision needs them (`Ingest._cover`)."""
        now = self.clock.now()
        with self.engine.begin() as conn:
            if store.record_policy(
                conn, self.loaded.hash, self.loaded.policy.version, self.loaded.source, self.loaded.text, now
            ):
                store.AuditWriter(conn).append(
                    now,
                    "system",
                    "policy.loaded",
                    f"policy:{self.loaded.short_hash}",
                    {"hash": self.loaded.hash, "version": self.loaded.policy.version, "source": self.loaded.source},
                )
            audit_state.sign_head(conn)  # entries an upgrade appended before the signer was installed

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.engine.dispose()

    # --- Warden-compatible surface (for the merge of issue 11; see the module docstring) ----------------------

    def validate(self, raw: Sequence[Any]) -> list[Any]:
        return self.pipeline.validate(raw)

    def ingest(self, raw: Sequence[Any], actor: str = "platform") -> IngestResult:
        """Decide and store a batch atomically. An event id seen before is answered from the store."""
        return self.pipeline.ingest(raw, actor)

    def register_enterprise(self, e: Enterprise, actor: str) -> bool:
        return self.enforcement.register_enterprise(e, actor)

    def register_account(self, a: Account, actor: str) -> bool:
        return self.enforcement.register_account(a, actor)

    def get_account(self, account_id: str) -> Account:
        return self.enforcement.get_account(account_id)

    def get_enterprise(self, enterprise_id: str) -> Enterprise:
        return self.enforcement.get_enterprise(enterprise_id)

    def batch_for(self, conn: Connection, subjects: dict[str, Subject], now: datetime) -> Batch:
        return self.enforcement.batch_for(conn, subjects, now)

    def subject(self, account_id: str, at: datetime | None = None) -> Subject:
        return self.enforcement.subject(account_id, at)

    def explain(self, account_id: str, lang: Lang = "zh") -> dict[str, Any]:
        return self.enforcement.explain(account_id, lang)

    def unblock_cap(self) -> tuple[int, int] | None:
        return self.enforcement.unblock_cap()

    def restrictions(self, subject_type: str, subject_id: str) -> list[Restriction]:
        return self.enforcement.restrictions(subject_type, subject_id)

    def restricted_accounts(self, at: datetime | None = None) -> dict[str, list[Restriction]]:
        return self.enforcement.restricted_accounts(at)

    def set_strike_status(self, strike_id: str, status: StrikeStatus, actor: str, reason: str) -> Strike:
        return self.enforcement.set_strike_status(strike_id, status, actor, reason)

    def set_strike_status_in(
        self,
        conn: Connection,
        audit: store.AuditWriter,
        strike_id: str,
        status: StrikeStatus,
        actor: str,
        reason: str,
        now: datetime,
    ) -> Strike:
        return self.enforcement.set_strike_status_in(conn, audit, strike_id, status, actor, reason, now)

    def restrict_enterprise(self, enterprise_id: str, actor: str, severity: str, reason: str) -> Restriction:
        return self.enforcement.restrict_enterprise(enterprise_id, actor, severity, reason)

    def lift_restriction(self, restriction_id: str, actor: str, reason: str) -> Restriction:
        return self.enforcement.lift_restriction(restriction_id, actor, reason)

    def create_token(
        self,
        role: Role,
        enterprise_id: str | None = None,
        account_id: str | None = None,
        label: str = "",
        actor: str = "cli",
    ) -> tuple[Principal, str]:
        return self.tokens.create(role, enterprise_id, account_id, label, actor)

    def authenticate(self, secret: str) -> Principal | None:
        return self.tokens.authenticate(secret)

    def revoke_token(self, token_id: str, actor: str) -> None:
        self.tokens.revoke(token_id, actor)

    def audit_verify(self) -> ChainReport:
        return self.enforcement.audit_verify()
