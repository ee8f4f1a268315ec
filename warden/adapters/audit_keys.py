"""The audit chain's anchor outside the database: an Ed25519 signing key and an anchor file beside it.

A plain hash chain proves nothing against someone who can rewrite the database: they change an entry and recompute
every hash after it, or delete the newest entries. So each transaction that appends to the chain signs its new head
(`audit_checkpoints`: seq, hash, signature), with a key the database does not hold, and the newest signed head is
also written to an anchor file beside the key. `warden audit verify` then detects:

- a rewritten entry: the signed checkpoints no longer match the entries (the signature cannot be forged);
- deleted newest entries: the anchor (outside the database) names a head the chain no longer reaches, and entries
  past the newest checkpoint are unsigned;
- all checkpoints deleted: a chain with entries but no signed head.

`warden audit checkpoints --out FILE` exports the signed heads and the public key, so an auditor can keep them
elsewhere and verify against them later (`warden audit verify --anchors FILE`), needing only the public key.

The key file is created on first use (mode 0600) at `WARDEN_AUDIT_KEY_FILE`; by default beside the SQLite database
(`warden.db` → `warden.db.audit-key.pem`) or, for PostgreSQL, `~/.local/state/warden/audit-key.pem`.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = ["Signer", "Verifier", "default_key_path", "load_verifier", "message"]


def message(seq: int, head: str, chain: int = 0) -> bytes:
    """What a checkpoint signs: chain `chain`'s head after entry `seq` (chain 0, the platform's, signs the text it
    signed before there were chains, so its old checkpoints stay valid)."""
    if chain == 0:
        return f"warden-audit-checkpoint\n{seq}\n{head}".encode()
    return f"warden-audit-checkpoint\n{chain}\n{seq}\n{head}".encode()


def root_message(seq: int, root: str, head: str) -> bytes:
    """What a root entry signs (adapters/audit_roots.py): the root chain's entry `seq`, its Merkle root over every
    chain's head, and its own hash (which links it to the previous root entry)."""
    return f"warden-audit-root\n{seq}\n{root}\n{head}".encode()


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def default_key_path(database_url: str) -> Path:
    """Beside the SQLite file, else in the user's state directory (see the module docstring)."""
    if database_url.startswith("sqlite:///") and ":memory:" not in database_url:
        return Path(database_url.removeprefix("sqlite:///") + ".audit-key.pem")
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "warden" / "audit-key.pem"


class Verifier:
    """Checks checkpoint signatures with a public key."""

    def __init__(self, public: Ed25519PublicKey) -> None:
        self.public = public
        self.key_id = key_id(public)

    @classmethod
    def from_pem(cls, pem: bytes) -> Verifier:
        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the public key is not an Ed25519 key")
        return cls(key)

    def public_pem(self) -> str:
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def valid(self, seq: int, head: str, signature: str, chain: int = 0) -> bool:
        return self.valid_message(message(seq, head, chain), signature)

    def valid_message(self, msg: bytes, signature: str) -> bool:
        try:
            self.public.verify(base64.b64decode(signature), msg)
        except (InvalidSignature, ValueError):
            return False
        return True


class Signer(Verifier):
    """Signs checkpoints and moves the anchor file. Loads the key at `path`, creating it (0600) when absent."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(pem)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path}: not an Ed25519 private key (WARDEN_AUDIT_KEY_FILE)")
        self._key = key
        super().__init__(key.public_key())
        self.anchors = path.with_name(path.name + ".anchors")
        self._fds: dict[str, int] = {}  # chain's first hash → its anchor file, kept open (`anchor`)

    def sign(self, seq: int, head: str, chain: int = 0) -> str:
        return self.sign_message(message(seq, head, chain))

    def sign_message(self, msg: bytes) -> str:
        return base64.b64encode(self._key.sign(msg)).decode()

    def _anchor_file(self, first: str) -> Path:
        return self.anchors / f"{first[:32]}.json"

    def anchor_path(self, first: str) -> Path:
        """Where the anchor of the chain whose first entry hashes to `first` is kept (beside the key)."""
        return self._anchor_file(first)

    def anchor(
        self, first: str, seq: int, head: str, chain: int | None = None, installation: str | None = None
    ) -> None:
        """Record (seq, head) as the newest signed head of the chain whose first entry hashes to `first`.

        Never moves backwards (two processes may commit out of order): an exclusive `flock` on the chain's anchor
        file serialises the update (writers of different chains never wait for each other). The file stays open
        in the process and its record is rewritten in place, padded to `ANCHOR_RECORD` bytes, in one `pwrite` at
        offset 0 (one sector): no temporary file and no rename per commit, which cost ~5 ms of a single event's
        decision on this machine's disk (issue 16). A file deleted or replaced under us is noticed (its link count
        drops to 0) and opened afresh."""
        body: dict[str, object] = {"first": first, "seq": seq, "hash": head}
        if chain is not None and installation is not None:  # a partition chain names its installation
            body |= {"chain": chain, "installation": installation}
        record = json.dumps(body).encode()
        record += b" " * max(0, ANCHOR_RECORD - len(record))  # JSON ignores the padding
        fd = self._anchor_fd(first)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            current = _parse_anchor(os.pread(fd, 4096, 0))
            if current is not None and current[0] >= seq:
                return
            os.pwrite(fd, record, 0)
            if os.fstat(fd).st_size > len(record):  # a longer record written by hand or an older version
                os.ftruncate(fd, len(record))
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _anchor_fd(self, first: str) -> int:
        """The open anchor file of chain `first` (opened, or created 0644, when not open or no longer linked)."""
        fd = self._fds.get(first)
        if fd is not None:
            if os.fstat(fd).st_nlink > 0:
                return fd
            os.close(fd)
        self.anchors.mkdir(parents=True, exist_ok=True)
        fd = self._fds[first] = os.open(self._anchor_file(first), os.O_RDWR | os.O_CREAT, 0o644)
        return fd

    def close(self) -> None:
        """Close the anchor files this signer keeps open (idempotent)."""
        fds, self._fds = self._fds, {}
        for fd in fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)

    def __del__(self) -> None:
        self.close()

    def any_anchor(self) -> tuple[Path, int] | None:
        """An anchor file of any chain beside the key and the entry it names (for a chain with no entries left)."""
        for f in sorted(self.anchors.glob("*.json")) if self.anchors.is_dir() else []:
            try:
                return f, int(json.loads(f.read_text())["seq"])
            except (OSError, ValueError, KeyError):
                continue
        return None

    def chain_anchors(self, installation: str) -> list[tuple[int, str, int, Path]]:
        """(chain, first hash, seq, file) of every anchor beside the key that names `installation` (the platform
        chain's first hash): the partition chains this database had, so a chain deleted whole is noticed."""
        out = []
        for f in sorted(self.anchors.glob("*.json")) if self.anchors.is_dir() else []:
            try:
                data = json.loads(f.read_text())
                if data.get("installation") == installation:
                    out.append((int(data["chain"]), str(data["first"]), int(data["seq"]), f))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return out

    def read_anchor(self, first: str) -> tuple[int, str] | None:
        """The newest signed head recorded for the chain whose first entry hashes to `first`, if any (read under a
        shared `flock`, so never half of a record being written)."""
        try:
            with open(self._anchor_file(first), "rb") as f:
                fcntl.flock(f, fcntl.LOCK_SH)
                return _parse_anchor(f.read())
        except FileNotFoundError:
            return None


ANCHOR_RECORD = 512
"""Bytes an anchor record is padded to (one sector, written in one `pwrite`)."""


def _parse_anchor(raw: bytes) -> tuple[int, str] | None:
    """(seq, head) of an anchor file's content; None when empty or not an anchor."""
    try:
        data = json.loads(raw)
        return int(data["seq"]), str(data["hash"])
    except (ValueError, KeyError, TypeError):
        return None


def load_verifier(key_file: Path, public_key: Path | None = None) -> Verifier | None:
    """What checks signatures without writing anything: the public key at `public_key` (an auditor's copy), else
    the signing key at `key_file` if it exists (its anchor file is read too); None when neither is there."""
    if public_key is not None:
        return Verifier.from_pem(public_key.read_bytes())
    return Signer(key_file) if key_file.exists() else None
