"""Word lists in ingest (S-A6): another process changed lists, so take its changes over before the batch."""

from __future__ import annotations

from warden.adapters.uow import Connection
from warden.pipeline.feature import Feature
from warden.word_lists.service import WordLists


class WordListsFeature(Feature):
    """`on_foreign_change`: reload the lists whose version moved (one query)."""

    name = "word_lists"

    def __init__(self, lists: WordLists) -> None:
        self.lists = lists

    def on_foreign_change(self, conn: Connection) -> None:
        self.lists.refresh(conn)
