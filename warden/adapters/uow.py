"""The unit of work: the one way a service opens a transaction (cosmicpython's pattern, as functions over Core).

`UnitOfWork(engine, clock)` is built once by bootstrap and handed to every service; services never see the engine.

- `with uow.writing() as tx:` one read-write transaction holding the writers' lock (the audit chain's, taken on
  first use by `tx.audit`, or at once with `lock=True`), committed on leaving, rolled back on an exception. `tx.now`
  is the clock read once when the transaction opened, so every row and audit entry of one action shares one time.
- `with uow.reading() as tx:` one read-only transaction; `tx.audit` must not be used.

Stores are module functions taking `tx.conn` (or the `Tx`), in the same functional Core style as `adapters/store.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Connection, Engine

from warden.adapters.audit_state import seal
from warden.adapters.database import reading as _reading
from warden.adapters.store import AuditWriter
from warden.kernel.clock import Clock
from warden.kernel.partition import DEFAULT_PARTITIONS, chain_of, partition_of

Home = Callable[[Connection], "str | None"]
"""The enterprise an action concerns (whose partition's chain it is audited on), read in the action's transaction;
None when it concerns no single enterprise (then the platform chain)."""

__all__ = ["Connection", "Tx", "UnitOfWork"]


@dataclass
class Tx:
    """One transaction: `conn` (a SQLAlchemy connection), `audit` (appends to the hash chain inside it) and `now`
    (the clock, read once when the transaction opened; timezone-aware UTC)."""

    conn: Connection
    now: datetime
    audit: AuditWriter = field(init=False)

    def __post_init__(self) -> None:
        self.audit = AuditWriter(self.conn)


class UnitOfWork:
    """Opens transactions on one engine with one clock. Thread-safe: each call opens its own connection."""

    def __init__(self, engine: Engine, clock: Clock, partitions: int = DEFAULT_PARTITIONS) -> None:
        self.engine = engine
        self.clock = clock
        self.partitions = partitions

    @contextmanager
    def writing(self, *, lock: bool = False, home: Home | None = None) -> Iterator[Tx]:
        """A read-write transaction. `lock=True` takes the writers' lock before anything is read, so a check and
        the write it guards cannot race with another writer (the unique keys hold even without it).

        `home` (issue 17): an action about one account or enterprise (a manual action, an unblocking) is audited on
        that enterprise's partition chain and takes that partition's lock (and the platform lock shared), not the
        platform lock: ingest of other partitions goes on, and only this partition's cached subjects go stale in
        other processes. The lock is taken at once, then `home` is read again: if the account moved to another
        enterprise meanwhile (a directory change, platform-wide), the action falls back to the platform chain."""
        with self.engine.begin() as conn:
            tx = Tx(conn, self.clock.now())
            enterprise = home(conn) if home is not None else None
            if enterprise is not None:
                writer = AuditWriter(conn, chain_of(partition_of(enterprise, self.partitions)))
                writer.next_seq()  # the partition's lock: from here no directory change can move the subject
                if home is not None and home(conn) == enterprise:
                    tx.audit = writer
            if lock:
                tx.audit.next_seq()
            yield tx
            seal(conn, tx.audit, tx.now)  # vouch for the state rows it changed (adapters/audit_state.py)

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """A read-only transaction (on PostgreSQL, `SET TRANSACTION READ ONLY`)."""
        with _reading(self.engine) as conn:
            yield Tx(conn, self.clock.now())
