"""The pipeline's small ports: where weight is read from, how a batch's texts are screened, and the reads a feature
asks ingest to send ahead (`Reads`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from warden.screening.base import Hit

if TYPE_CHECKING:
    from warden.pipeline.batch import Batch


class WeightSource(Protocol):
    """Weight (S-B): the weight (0–100) at decision time `at`, from the events before the decision (issue 10).
    None means unknown, and rules then scale by 1. The weight feature sets one on each batch (`Batch.weights`)."""

    def account_weight(self, account_id: str, at: datetime) -> float | None: ...
    def enterprise_weight(self, enterprise_id: str, at: datetime) -> float | None: ...


@dataclass(frozen=True)
class ContactStanding:
    """An external contact as it stands before a decision: since when it exists (the add in force) and who added
    whom (`self`: the account asked, the other accepted; `contact`: the other added the account)."""

    since: datetime
    initiated_by: Literal["self", "contact"]


class ContactCount(Protocol):
    """Seam for the external-contact ledger (`warden.service.contacts`), in event time: before the decision at
    (`at`, `event_id`), an enterprise's live external contacts (the S-A4 cap; None when unknown: the enterprise's
    stored count is read), and how a (account, contact) pair stands (the S-A6 contexts; None: not a contact).
    Bootstrap hands one to the `RuleEngine`; rules read it through `RuleContext`."""

    def external_contacts(
        self, batch: Batch, enterprise_id: str, at: datetime, event_id: str | None = None
    ) -> int | None: ...

    def standing(
        self, batch: Batch, account_id: str, contact_id: str, at: datetime, event_id: str
    ) -> ContactStanding | None: ...


class NoWeights:
    def account_weight(self, account_id: str, at: datetime | None = None) -> float | None:
        return None

    def enterprise_weight(self, enterprise_id: str, at: datetime | None = None) -> float | None:
        return None


@runtime_checkable
class BatchScreener(Protocol):
    """A screener that keeps lists per scope (an enterprise's own) and screens a batch's texts in one pass:
    `prepare` before the batch is decided, `screen_in` while it is, `release` after (the word-lists feature)."""

    def screen(self, text: str) -> list[Hit]: ...
    def screen_in(self, scope: str | None, text: str) -> list[Hit]: ...
    def prepare(self, texts: Iterable[tuple[str | None, str]]) -> None: ...
    def release(self) -> None: ...


class PolicyWatch(Protocol):
    """The stored policy versions (issue 18): `refresh(conn)` puts a newly promoted version in force before a batch
    is decided, with one indexed read when nothing changed."""

    def probe(self) -> tuple[str, Sequence[Any]]:
        """The read `refresh` makes (a `database.driver_run` statement), sent with the batch's first reads."""
        ...

    def refresh(self, conn: Any, rows: Sequence[Any] | None = None) -> None:
        """`rows`: the rows of `probe` when the caller read them already."""
        ...


@dataclass
class Reads:
    """Driver statements (`database.driver_pipeline`'s form) sent together with other reads in one round trip on
    PostgreSQL (issue 16: the reads of an account a process meets for the first time); `rows` is each statement's
    rows once sent (None before). `covers`: the ids whose answer the reads hold (those without rows included)."""

    statements: list[tuple[str, Sequence[Any]]]
    covers: frozenset[str] = frozenset()
    rows: list[list[Any]] | None = None

    def all_rows(self) -> list[Any]:
        """Every statement's rows, in order (empty before they were sent)."""
        return [r for rows in self.rows or () for r in rows]
