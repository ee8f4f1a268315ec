"""What every appeals use case needs, built once by bootstrap: the application (engine, clock, policy, the
enforcement calls), the document store and the notifier; and the one way a use case opens its transaction.

Writers take the audit chain's lock first (`writing`), so checks and writes never race; the unique keys (one
live appeal per strike, one claim per case) hold even without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection  # re-exported: the use-case modules name it from here

from warden.adapters import store as core
from warden.adapters.database import reading
from warden.appeals.document_store import DocumentStore
from warden.appeals.notifier import Notifier
from warden.appeals.policy import AppealsPolicy
from warden.kernel.policy import Ladder

__all__ = ["Connection", "Desk", "Tx"]

if TYPE_CHECKING:
    from warden.app import App


@dataclass
class Tx:
    """One writing transaction: the connection and the audit chain, its lock taken."""

    conn: Connection
    audit: core.AuditWriter


@dataclass
class Desk:
    """The appeals desk's dependencies."""

    w: App
    documents: DocumentStore
    notifier: Notifier

    @property
    def policy(self) -> AppealsPolicy:
        return self.w.rules.policy.appeals

    @property
    def ladder(self) -> Ladder:
        return self.w.rules.policy.ladder

    @property
    def timezone(self) -> str:
        return self.w.rules.policy.timezone

    def now(self) -> datetime:
        return self.w.clock.now()

    @contextmanager
    def writing(self) -> Iterator[Tx]:
        """One transaction holding the writers' lock (the audit chain's)."""
        with self.w.engine.begin() as conn:
            audit = core.AuditWriter(conn)
            audit.next_seq()
            yield Tx(conn, audit)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with reading(self.w.engine) as conn:
            yield conn
