"""What every appeals use case needs, built once by bootstrap: the unit of work, the enforcement calls (voiding a
strike, restricting an enterprise, the features' batch), the policy in force, the document store and the notifier.

Writers open `uow.writing(lock=True)`: the audit chain's lock first, so checks and writes never race; the unique
keys (one live appeal per strike, one claim per case) hold even without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from warden.adapters.uow import UnitOfWork
from warden.appeals.document_store import DocumentStore
from warden.appeals.notifier import Notifier
from warden.appeals.policy import AppealsPolicy
from warden.enforcement.manual_actions import ManualActions
from warden.enforcement.service import EnforcementService
from warden.kernel.policy import Ladder
from warden.pipeline.effects import Effector
from warden.pipeline.engine import RuleEngine

__all__ = ["Desk"]


@dataclass
class Desk:
    """The appeals desk's dependencies. `rules` holds the policy in force, read live (tests swap it), and the
    effector that applies a reviewer's strike."""

    uow: UnitOfWork
    enforcement: EnforcementService
    rules: RuleEngine
    documents: DocumentStore
    notifier: Notifier
    reviewers: Callable[[], dict[str, str]] = field(default=dict)
    """Person id → name of every reviewer holding a live token (set by bootstrap to `Tokens.holders`): whom a case
    may be reassigned to (issue 14)."""

    @property
    def policy(self) -> AppealsPolicy:
        return self.rules.policy.appeals

    @property
    def ladder(self) -> Ladder:
        return self.rules.policy.ladder

    @property
    def timezone(self) -> str:
        """The policy's timezone (IANA name): working days are counted in it."""
        return self.rules.policy.timezone

    @property
    def rule_ids(self) -> list[str]:
        """Every rule id of the policy's `rules` section (what an exemption may name)."""
        return list(type(self.rules.policy.rules).model_fields)

    @property
    def manual_actions(self) -> ManualActions:
        """Voiding a strike, lifting, restricting an enterprise (the core service's `manual_actions`)."""
        return self.enforcement.manual_actions

    @property
    def effector(self) -> Effector:
        return self.rules.effector

    def now(self) -> datetime:
        """The clock, for reads outside a transaction (inside one, use `tx.now`)."""
        return self.uow.clock.now()
