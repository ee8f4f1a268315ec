"""Compatibility alias for the merge of issue 11 (delete once no module imports `warden.service.warden`).

`Warden` became `warden.app.App` (typed handles) + `warden.pipeline.ingest.Ingest` +
`warden.enforcement.service.EnforcementService` + `warden.enforcement.tokens.Tokens`.
"""

from warden.app import App as Warden
from warden.pipeline.ingest import IngestResult

__all__ = ["IngestResult", "Warden"]
