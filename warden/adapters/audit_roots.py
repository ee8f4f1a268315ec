"""The root chain (issue 17): every chain's head, folded into one signed Merkle root, in the manner of Certificate
Transparency's signed tree heads (RFC 6962).

With one hash chain per partition (plus the platform's), no writer waits for another partition's; but an auditor
then holds many heads. So, periodically (`warden consume` every `WARDEN_AUDIT_ROOT_INTERVAL` seconds, the scheduler,
`warden audit anchor`), the newest entry of every chain is read and one root entry appended to `audit_roots`:

- `heads`: [[chain, seq, hash], …] by chain; `root`: their Merkle tree hash (leaf `SHA-256(0x00 ‖ "chain:seq:hash")`,
  node `SHA-256(0x01 ‖ left ‖ right)`, RFC 6962 §2.1);
- `hash`: SHA-256 over the previous root entry's hash and the entry's canonical JSON (the root chain links up);
- `signature`: Ed25519 over (seq, root, hash) with the audit key (`audit_keys.root_message`); the newest root is also
  written to an anchor file beside the key.

`verify_roots` (part of `warden audit verify`) proves the root chain links up, each root is signed and is the
Merkle root of the heads it names, and every head it names is still in its chain: a partition chain cut below a
signed root, or deleted whole, is named even when its own checkpoints and anchor went with it. The root writer takes
its own advisory lock only; it reads committed heads and never waits for, nor holds up, ingest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warden.adapters import tables as t
from warden.adapters.audit_keys import Signer, Verifier, root_message
from warden.adapters.database import lock_roots
from warden.kernel.audit import GENESIS, ChainReport, canonical

__all__ = ["anchor_root", "merkle_root", "verify_roots"]

_ANCHOR = "root-"  # the root chain's anchor file: `root-<its first hash>` (audit_keys.Signer.anchor)


def _leaf(chain: int, seq: int, head: str) -> bytes:
    return hashlib.sha256(b"\x00" + f"{chain}:{seq}:{head}".encode()).digest()


def _tree(leaves: Sequence[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _tree(leaves[:k]) + _tree(leaves[k:])).digest()


def merkle_root(heads: Sequence[Sequence[Any]]) -> str:
    """The Merkle tree hash (RFC 6962) of `heads` ([chain, seq, hash] in chain order), hex; of none: SHA-256("")."""
    if not heads:
        return hashlib.sha256(b"").hexdigest()
    return _tree([_leaf(int(c), int(s), str(h)) for c, s, h in heads]).hex()


def _entry_hash(prev: str, seq: int, at: datetime, heads: Any, root: str) -> str:
    body = canonical({"seq": seq, "at": at.isoformat(), "heads": heads, "root": root})
    return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()


def current_heads(conn: Connection) -> list[list[Any]]:
    """[chain, seq, hash] of every chain's newest committed entry, by chain."""
    log = t.audit_log
    newest = sa.select(log.c.chain, sa.func.max(log.c.seq).label("seq")).group_by(log.c.chain).subquery()
    rows = conn.execute(
        sa.select(log.c.chain, log.c.seq, log.c.hash)
        .join(newest, sa.and_(log.c.chain == newest.c.chain, log.c.seq == newest.c.seq))
        .order_by(log.c.chain)
    )
    return [[int(r.chain), int(r.seq), str(r.hash)] for r in rows]


def anchor_root(conn: Connection, signer: Signer | None, at: datetime) -> int | None:
    """Append a root entry over every chain's newest entry, signed with `signer`; None when nothing moved since the
    last root (or there are no entries). Returns the new root's seq. Runs in the caller's transaction."""
    lock_roots(conn)
    heads = current_heads(conn)
    if not heads:
        return None
    r = t.audit_roots
    last = conn.execute(sa.select(r).order_by(r.c.seq.desc()).limit(1)).first()
    if last is not None and json.loads(last.heads) == heads:
        return None
    seq = (last.seq if last is not None else 0) + 1
    prev = last.hash if last is not None else GENESIS
    root = merkle_root(heads)
    h = _entry_hash(prev, seq, at, heads, root)
    signature = signer.sign_message(root_message(seq, root, h)) if signer is not None else None
    conn.execute(
        sa.insert(r).values(
            seq=seq,
            at=at,
            heads=canonical(heads),
            root=root,
            prev_hash=prev,
            hash=h,
            key_id=signer.key_id if signer is not None else None,
            signature=signature,
        )
    )
    if signer is not None:
        first = h if seq == 1 else conn.execute(sa.select(r.c.hash).where(r.c.seq == 1)).scalar() or h
        signer.anchor(_ANCHOR + first, seq, h, ROOT_CHAIN, _installation(conn))  # names the installation: a root
        # chain deleted whole is still noticed (`verify_roots`)
    return seq


ROOT_CHAIN = -1
"""The chain number a root anchor file records (the partition chains are 0 and up)."""


def _installation(conn: Connection) -> str | None:
    """The platform chain's first hash: what names this installation in anchor files."""
    log = t.audit_log
    value = conn.execute(sa.select(log.c.hash).where(log.c.chain == 0, log.c.seq == 1)).scalar()
    return str(value) if value is not None else None


def verify_roots(
    conn: Connection, verifier: Verifier | None, hashes: dict[int, dict[int, str]], checked: int
) -> ChainReport | int:
    """The root chain against the chains (`hashes`: chain → seq → hash, as `audit_state.verify` read them): the
    first problem, or how many root entries were proven."""
    r = t.audit_roots
    prev, n, first = GENESIS, 0, None

    def broken(seq: int, problem: str, chain: int | None = None) -> ChainReport:
        return ChainReport(False, checked, seq, f"root entry {seq}: {problem}", chain=chain)

    last_seq = 0
    for row in conn.execute(sa.select(r).order_by(r.c.seq)):
        n += 1
        first = first or row.hash
        if row.seq != last_seq + 1:
            return broken(last_seq + 1, f"is missing (next is {row.seq})")
        heads = json.loads(row.heads)
        if row.prev_hash != prev or _entry_hash(prev, row.seq, row.at, heads, row.root) != row.hash:
            return broken(row.seq, "its content or link does not match its hash (the root chain was altered)")
        if merkle_root(heads) != row.root:
            return broken(row.seq, "its Merkle root does not match the heads it names")
        if verifier is not None and (
            row.signature is None
            or row.key_id != verifier.key_id
            or not verifier.valid_message(root_message(row.seq, row.root, row.hash), row.signature)
        ):
            return broken(row.seq, "its signature is not valid for this key")
        for chain, seq, h in heads:
            mine = hashes.get(int(chain), {})
            have = max(mine, default=0)
            label = "the platform chain" if chain == 0 else f"partition {chain - 1}'s chain (chain {chain})"
            if have < seq:
                return ChainReport(
                    False,
                    checked,
                    have + 1,
                    f"{label}: the chain was cut after entry {have}, but signed root entry {row.seq} reaches entry "
                    f"{seq}: entries {have + 1}–{seq} were deleted ({have} remain)",
                    chain=int(chain),
                )
            if mine.get(int(seq)) != h:
                return ChainReport(
                    False,
                    checked,
                    int(seq),
                    f"{label}: entry {seq} differs from signed root entry {row.seq}",
                    chain=chain,
                )
        prev, last_seq = row.hash, row.seq
    if isinstance(verifier, Signer) and first is None and (inst := _installation(conn)) is not None:
        named = [seq for chain, _, seq, _ in verifier.chain_anchors(inst) if chain == ROOT_CHAIN and seq > 0]
        if named:  # every root entry is gone, but the anchor beside the key names this installation's roots
            return broken(1, f"every root entry was deleted, but the anchor file names root entry {max(named)}")
    if isinstance(verifier, Signer) and first is not None:
        anchor = verifier.read_anchor(_ANCHOR + first)
        if anchor is not None and anchor[0] > last_seq:
            return broken(
                last_seq + 1,
                f"the root chain was cut after root entry {last_seq}, but the anchor file names root entry {anchor[0]}",
            )
    return n
