"""Group commit for single events over HTTP (issue 16): `POST /v1/events` requests that arrive while a group is
being decided wait on the event loop, and the next group takes them all, in arrival order, in one trip to a worker
thread (`gather.Gather`) and `pipeline.ingest.Ingest.run_requests`: one transaction per actor, each request
answered with its own decision or its own error, nothing answered before the transaction commits.

The batch lock's own queue (`Ingest.ingest`, which the batch API and other callers use) groups as well, but needs
a thread per request waiting on the lock; here one thread serves the whole group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warden.entrypoints.http.gather import Gather
from warden.pipeline.ingest import Ingest, IngestRequest, IngestResult


class GroupCommit:
    """The queue of one app's single-event requests (see the module docstring)."""

    def __init__(self, ingest: Ingest) -> None:
        self.ingest = ingest
        self._gather: Gather[IngestRequest, IngestResult] = Gather(self._run)

    async def ingest_events(self, raw: Sequence[Any], actor: str) -> IngestResult:
        """Validate `raw` here (`InvalidInput` at once, nothing queued), wait for its group, and return its result
        or raise its own error (`Conflict`, `InvalidInput` for an unknown account, …)."""
        return await self._gather.submit(self.ingest.request(raw, actor))

    def _run(self, requests: list[IngestRequest]) -> list[IngestResult | Exception]:
        self.ingest.run_requests(requests)
        return [r.error if r.error is not None else r.outcome() for r in requests]
