"""The HTTP API under test, one way for every e2e file: an appeals desk keeping documents on disk and notices in
memory (`desk_on_disk`), a client with a bearer token per name (`Api`), served from a fresh app (`serving`)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI

from warden.app import App
from warden.appeals.document_store import LocalDocumentStore
from warden.appeals.notifier import MemoryNotifier
from warden.appeals.service import Appeals
from warden.entrypoints.http.app import create_app
from warden.settings import Settings

with warnings.catch_warnings():  # starlette deprecates its httpx-based client; pytest makes warnings errors
    warnings.simplefilter("ignore", UserWarning)  # StarletteDeprecationWarning is a UserWarning
    from fastapi.testclient import TestClient

__all__ = ["Api", "TestClient", "desk_on_disk", "serving"]


class Api:
    """A test client (`c`) and bearer tokens by name; `h("admin")` is the headers that send one."""

    def __init__(self, client: TestClient, tokens: dict[str, str]) -> None:
        self.c = client
        self.tokens = tokens

    @property
    def app(self) -> FastAPI:
        app: FastAPI = self.c.app  # type: ignore[assignment]
        return app

    def h(self, who: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}


def desk_on_disk(warden: App, docs: Path, notifier: MemoryNotifier | None = None) -> MemoryNotifier:
    """Give `warden` an appeals desk that keeps documents under `docs` and notices in memory (returned)."""
    notifier = notifier or MemoryNotifier()
    warden.appeals = Appeals(warden.uow, warden.enforcement, warden.rules, LocalDocumentStore(docs), notifier)
    return notifier


@contextmanager
def serving(
    warden: App, tokens: dict[str, str], settings: Settings | None = None, *, raise_server_exceptions: bool = True
) -> Iterator[Api]:
    """`warden`'s API (under `settings`, else the environment's) with `tokens`, for the `with` block."""
    with TestClient(create_app(warden, settings), raise_server_exceptions=raise_server_exceptions) as client:
        yield Api(client, tokens)
