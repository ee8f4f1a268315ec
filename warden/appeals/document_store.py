"""Where appeal documents live: outside the database, addressed by their SHA-256.

`DocumentStore` is the port (`put`, `get`, `staged`); `LocalDocumentStore` keeps files in a folder
(`WARDEN_DOCUMENT_DIR`, default `./var/documents`), `MemoryDocumentStore` in a dict. An object store can
follow behind the same methods. Keys are hex digests only, so no name from a user ever reaches a path.

An upload writes its file inside the transaction that records it (`staged`): if the transaction rolls back, the
file this upload added is removed again, so nothing is left behind. While a key is staged, its lock is held, so
a concurrent upload of the same bytes waits for the outcome and never relies on a file about to be removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^[0-9a-f]{64}$")


class DocumentMissing(Exception):
    pass


class DocumentStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store the bytes; returns their key (the SHA-256). Storing the same bytes twice is harmless."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes under `key`; raises `DocumentMissing` if absent or no longer matching their hash."""
        ...

    def staged(self, data: bytes) -> contextlib.AbstractContextManager[str]:
        """Store the bytes for a `with` block (the transaction recording them) and give their key. If the block
        raises, bytes this call added are removed again; bytes stored before stay. The key is locked meanwhile."""
        ...


def _check_key(key: str) -> str:
    if not _KEY.match(key):
        raise DocumentMissing(f"not a document key: {key!r}")
    return key


class MemoryDocumentStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def staged(self, data: bytes) -> Iterator[str]:
        with self._lock:
            key = hashlib.sha256(data).hexdigest()
            added = key not in self.blobs
            self.put(data)
            try:
                yield key
            except BaseException:
                if added:
                    del self.blobs[key]
                raise

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        self.blobs[key] = bytes(data)
        return key

    def get(self, key: str) -> bytes:
        try:
            return self.blobs[_check_key(key)]
        except KeyError:
            raise DocumentMissing(key) from None


class LocalDocumentStore:
    """Files under `root/ab/cd/<sha256>`, written to a temporary file and renamed, so readers never see half."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        _check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".up-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o640)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    @contextlib.contextmanager
    def staged(self, data: bytes) -> Iterator[str]:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.parent / ".lock", "a") as lock:  # one lock per folder of keys, across processes
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                added = not path.exists()
                self.put(data)
                try:
                    yield key
                except BaseException:
                    if added:
                        path.unlink(missing_ok=True)
                    raise
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise DocumentMissing(key) from None
        if hashlib.sha256(data).hexdigest() != key:
            raise DocumentMissing(f"document {key} was altered on disk")
        return data
