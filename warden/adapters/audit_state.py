"""The audit trail covers the state tables: every row that decides someone's fate is vouched for by the chain.

How (issue 12, "The audit trail must prove what it claims"):

- **Capture.** Database triggers (migration 0008) note the primary key of every inserted, updated or deleted row of
  a covered table in `audit_touched` (updates only when a covered column is in the SET list). Writers need not
  remember anything: the capture is in the database, for every code path.
- **Seal.** Before a transaction commits, `seal` reads the noted rows as they now are and appends one `state.rows`
  entry to the chain: `{"rows": {table: {key: digest or null}}}` (null: the row was deleted). The unit of work and
  ingest seal explicitly with their own `AuditWriter`; a `commit` listener seals whatever any other transaction
  left, so nothing escapes.
- **Sign.** When a transaction appended to the chain, the listener signs its new head (Ed25519, a key outside the
  database: `adapters/audit_keys.py`) into `audit_checkpoints`, and moves the anchor file kept beside the key.
- **Verify** (`verify_state`): folding the `state.rows` entries gives the digest every covered row must have; the
  rows as stored are digested the same way, and the first row that differs, is missing or was never audited is
  named. `warden audit verify` reads only: it writes nothing, to the chain or elsewhere.

A row's digest is SHA-256 over the canonical JSON of its covered columns as read through `adapters.tables`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from warden.adapters import store
from warden.adapters import tables as t
from warden.adapters.audit_keys import Signer, Verifier
from warden.adapters.database import driver_of, on_commit
from warden.adapters.store import AuditWriter
from warden.kernel.audit import AuditEntry, ChainReport, canonical, decisions_digest, verify_chain

__all__ = ["COVERED", "Covered", "StateProblem", "install", "row_key", "seal", "verify", "verify_state"]


@dataclass(frozen=True)
class Covered:
    """A covered table: its key columns and the columns whose values decide someone's fate."""

    key: tuple[str, ...]
    columns: tuple[str, ...]


def _all(table: sa.Table, *, without: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(c.name for c in table.columns if c.name not in without)


COVERED: dict[str, Covered] = {
    # the installation's fixed facts (issue 17): the partition count decides which worker and which audit chain an
    # enterprise's events go to; changed behind warden, processes would split one enterprise between two partitions
    "installation": Covered(("name",), ("name", "value")),
    # the directory: who belongs to which enterprise, verification, the dates age is counted from
    "enterprises": Covered(("id",), ("id", "verified", "created_at")),
    "accounts": Covered(("id",), ("id", "enterprise_id", "phone", "real_name_verified", "created_at")),
    # penalties and what stands in their way
    "strikes": Covered(("id",), _all(t.strikes)),
    "restrictions": Covered(("id",), _all(t.restrictions)),
    "flags": Covered(("id",), _all(t.flags)),
    "exemptions": Covered(("account_id", "rule_id"), _all(t.exemptions)),
    # who may act: the people and their tokens (when a token was last used decides nothing)
    "people": Covered(("id",), _all(t.people)),
    "tokens": Covered(("id",), _all(t.tokens, without=("last_used_at",))),
    # the way back: the cap per phone, applications and helpers
    "unblock_quota": Covered(("phone",), _all(t.unblock_quota)),
    "unblock_applications": Covered(
        ("id",),
        (
            "id",
            "account_id",
            "phone",
            "state",
            "counted",
            "targets",
            "verified",
            "code_hash",
            "code_attempts",
            "code_guesses",
            "platform_check",
            "lifted_at",
            "lifted_step",
            "lifted_rules",
            "abnormal",
            "reversed_at",
        ),
    ),
    "unblock_helpers": Covered(
        ("id",), ("id", "application_id", "requester_id", "helper_id", "state", "token_hash", "confirmed_at")
    ),
    "unblock_reports": Covered(("id",), _all(t.unblock_reports)),  # S-D4 third-party reports (issue 15)
    # appeals and their decisions
    "appeals": Covered(("id",), _all(t.appeals, without=("idem_key",))),
    "appeal_documents": Covered(
        ("id",), ("id", "appeal_id", "kind", "state", "sha256", "reviewed_by", "reject_code", "reviewed_at")
    ),
    # the enterprise desk: policies, cases and their evidence, word lists
    "usage_policies": Covered(("enterprise_id",), _all(t.usage_policies)),
    "cases": Covered(("id",), _all(t.cases)),
    "case_entries": Covered(("id",), _all(t.case_entries)),
    "case_evidence": Covered(("id",), _all(t.case_evidence)),
    "word_lists": Covered(("scope",), _all(t.word_lists)),
    # the policy's life (issue 18): which text decides, who wrote and promoted it
    "policies": Covered(("hash",), _all(t.policies)),  # the texts by hash: an edited text must not go live unseen
    "policy_versions": Covered(("id",), _all(t.policy_versions)),
    "policy_stages": Covered(("id",), _all(t.policy_stages)),
    "policy_promotions": Covered(("generation",), _all(t.policy_promotions)),
}
"""The tables whose rows decide someone's fate, in the order `verify_state` checks them. Weight tables are left out:
they are derived from the events and recomputed (`warden weight recompute`); events are covered by the batch digests
of their `events.decided` entries (`kernel.audit.decisions_digest`)."""

_FLAG = "warden.audit.touched"  # conn.info: this transaction wrote a covered table
_HEADS = "warden.audit.heads"  # conn.info: chain → (seq, hash, at) of the newest entry this transaction appended


def row_key(values: Iterable[Any]) -> str:
    """The text a row's key is named by in `state.rows` entries: canonical JSON of its key values as strings."""
    return canonical([str(v) for v in values])


def _digest(row: Any, columns: tuple[str, ...]) -> str:
    body = orjson.dumps([getattr(row, c) for c in columns], default=str, option=orjson.OPT_UTC_Z)
    return hashlib.sha256(body).hexdigest()


def _digests(
    conn: Connection, name: str, keys: list[list[str]] | None, covered: Mapping[str, Covered] | None = None
) -> Iterator[tuple[str, str]]:
    """(key, digest) of the covered rows of table `name` with these keys (all rows when `keys` is None)."""
    spec = (COVERED if covered is None else covered)[name]
    table = t.metadata.tables[name]
    cols = [table.c[c] for c in dict.fromkeys((*spec.key, *spec.columns))]
    query = sa.select(*cols)
    if keys is None:
        rows: Iterable[Any] = conn.execute(query.order_by(*(table.c[k] for k in spec.key)))
        for row in rows:
            yield row_key(getattr(row, k) for k in spec.key), _digest(row, spec.columns)
        return
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        kc = [table.c[k] for k in spec.key]
        ints = [isinstance(c.type, sa.Integer) for c in kc]  # keys are noted as text; integer keys compare as ints
        typed: list[list[Any]] = [[int(v) if i else v for v, i in zip(k, ints, strict=True)] for k in chunk]
        if len(spec.key) == 1:
            where: Any = kc[0].in_([k[0] for k in typed])
        else:
            where = sa.tuple_(*kc).in_([tuple(k) for k in typed])
        for row in conn.execute(query.where(where)):
            yield row_key(getattr(row, k) for k in spec.key), _digest(row, spec.columns)


def _mine(conn: Connection) -> Any:
    """The `audit_touched` rows this transaction noted. PostgreSQL's triggers tag each with the transaction's id;
    on SQLite, whose writers take turns, a write transaction empties the table when it begins (`install`), so what
    is there is its own. Rows another connection noted (someone editing the database behind warden) are therefore
    never sealed by warden: they stay unvouched, and `verify` names them."""
    if conn.dialect.name == "postgresql":
        return t.audit_touched.c.tx == sa.func.txid_current()
    return sa.true()


def seal(
    conn: Connection,
    audit: AuditWriter | None = None,
    at: datetime | None = None,
    *,
    force: bool = False,
    covered: Mapping[str, Covered] | None = None,
) -> int | None:
    """Vouch for the covered rows this transaction changed: one `state.rows` entry, or None when there were none.

    `audit` is the transaction's writer when it has one (so its cached chain tail stays right); `at` the time the
    entry carries (the transaction's clock; the newest appended entry's, else the wall clock). Without `force`,
    a transaction that wrote nothing costs nothing (the `before_cursor_execute` listener notes writes). `covered`
    replaces `COVERED` (a migration sealing the schema of its own revision: `present`)."""
    covered = COVERED if covered is None else covered
    if not conn.info.pop(_FLAG, False) and not force:
        return None
    mine = _mine(conn)
    at_ = t.audit_touched  # read and emptied in one statement
    touched = conn.execute(sa.delete(at_).where(mine).returning(at_.c.tbl, at_.c.pk)).all()
    if not touched:
        return None
    by_table: dict[str, list[list[str]]] = {}
    for tbl, pk in touched:
        by_table.setdefault(tbl, []).append([str(v) for v in orjson.loads(pk)])
    rows: dict[str, dict[str, str | None]] = {}
    for name in covered:
        if name not in by_table:
            continue
        keys = by_table[name]
        found = dict(_digests(conn, name, keys, covered))
        rows[name] = {row_key(k): found.get(row_key(k)) for k in keys}
    if at is None:
        heads = conn.info.get(_HEADS)
        at = max(h[2] for h in heads.values()) if heads else datetime.now(UTC)
    data: dict[str, Any] = {"rows": rows}
    legacy = covered is not COVERED and not _chained(conn)  # a migration before 0020: one chain, no order
    if not legacy:
        data["order"] = store.next_state_order(conn)  # the fold's order across chains (`verify_state`)
    writer = audit or AuditWriter(conn, legacy=legacy)
    return writer.append(at, "system", "state.rows", "state", data)


def _chained(conn: Connection) -> bool:
    """Whether the schema has the chains of migration 0020 (a migration's seal may run before it)."""
    return "chain" in {c["name"] for c in sa.inspect(conn).get_columns("audit_log")}


# --- the triggers (created by migration 0008; a migration that changes COVERED runs them again) ---------------


def _q(name: str) -> str:
    return '"' + name + '"'


def trigger_ddl(dialect: str, covered: Mapping[str, Covered] | None = None) -> list[str]:
    """The statements that create the capture triggers on every covered table (`dialect`: sqlite | postgresql);
    `covered` replaces `COVERED` (a migration's downgrade recreates the triggers of the schema it returns to)."""
    covered = COVERED if covered is None else covered
    out = drop_ddl(dialect, covered)
    if dialect == "postgresql":
        out.append(
            """CREATE OR REPLACE FUNCTION warden_audit_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE k text;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    SELECT json_agg(to_jsonb(OLD) ->> a.c ORDER BY a.n)::text INTO k FROM unnest(TG_ARGV) WITH ORDINALITY AS a(c, n);
    INSERT INTO audit_touched(tbl, pk, tx) VALUES (TG_TABLE_NAME, k, txid_current()) ON CONFLICT DO NOTHING;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    SELECT json_agg(to_jsonb(NEW) ->> a.c ORDER BY a.n)::text INTO k FROM unnest(TG_ARGV) WITH ORDINALITY AS a(c, n);
    INSERT INTO audit_touched(tbl, pk, tx) VALUES (TG_TABLE_NAME, k, txid_current()) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$"""
        )
        for name, spec in covered.items():
            cols = ", ".join(_q(c) for c in spec.columns)
            args = ", ".join(f"'{k}'" for k in spec.key)
            out.append(
                f"CREATE TRIGGER audit_touch_{name} AFTER INSERT OR DELETE OR UPDATE OF {cols} ON {_q(name)} "
                f"FOR EACH ROW EXECUTE FUNCTION warden_audit_touch({args})"
            )
        return out
    for name, spec in covered.items():
        cols = ", ".join(_q(c) for c in spec.columns)

        def key(row: str, spec: Covered = spec) -> str:
            return "json_array(" + ", ".join(f"{row}.{_q(k)}" for k in spec.key) + ")"

        def touch(row: str, name: str = name, key: Any = key) -> str:
            return f"INSERT OR IGNORE INTO audit_touched(tbl, pk, tx) VALUES ('{name}', {key(row)}, 0);"

        out += [
            f"CREATE TRIGGER audit_touch_{name}_ins AFTER INSERT ON {_q(name)} BEGIN {touch('NEW')} END",
            f"CREATE TRIGGER audit_touch_{name}_upd AFTER UPDATE OF {cols} ON {_q(name)} "
            f"BEGIN {touch('OLD')} {touch('NEW')} END",
            f"CREATE TRIGGER audit_touch_{name}_del AFTER DELETE ON {_q(name)} BEGIN {touch('OLD')} END",
        ]
    return out


def drop_ddl(dialect: str, covered: Mapping[str, Covered] | None = None) -> list[str]:
    covered = COVERED if covered is None else covered
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS audit_touch_{name} ON {_q(name)}" for name in covered]
    return [f"DROP TRIGGER IF EXISTS audit_touch_{name}_{op}" for name in covered for op in ("ins", "upd", "del")]


def present(conn: Connection) -> dict[str, Covered]:
    """`COVERED` as far as the database's schema has it now: a migration triggers, touches and seals the tables
    and columns of its own revision (a later one adds the rest, and touches and seals again)."""
    inspector = sa.inspect(conn)
    tables = set(inspector.get_table_names())
    out: dict[str, Covered] = {}
    for name, spec in COVERED.items():
        if name in tables:
            have = {c["name"] for c in inspector.get_columns(name)}
            out[name] = Covered(spec.key, tuple(c for c in spec.columns if c in have))
    return out


def touch_all(conn: Connection, covered: Mapping[str, Covered] | None = None) -> None:
    """Note every covered row as touched (a migration that starts covering existing rows, then `seal(force=True)`)."""
    # PostgreSQL's triggers tag each note with the transaction's id (`_mine`): one value, read once (a SQL function
    # cannot be a parameter of an executemany)
    tx = conn.execute(sa.select(sa.func.txid_current())).scalar_one() if conn.dialect.name == "postgresql" else 0
    for name, spec in (COVERED if covered is None else covered).items():
        table = t.metadata.tables[name]
        keys = [list(r) for r in conn.execute(sa.select(*(table.c[k] for k in spec.key)))]
        for i in range(0, len(keys), 1000):
            chunk = [{"tbl": name, "pk": canonical([str(v) for v in k]), "tx": tx} for k in keys[i : i + 1000]]
            conn.execute(sa.insert(t.audit_touched), chunk)


# --- the listeners ----------------------------------------------------------------------------------------------

_INSTALLED: weakref.WeakSet[Engine] = weakref.WeakSet()
_WRITES = ("INSERT", "UPDATE", "DELETE", "insert", "update", "delete")
_COVERED_NAME = re.compile(r"\b(" + "|".join(COVERED) + r")\b")


def install(engine: Engine, signer: Signer | None) -> None:
    """Seal and sign at every commit on `engine` (bootstrap calls this once, after the migrations).

    Without a signer, the chain is still sealed but not signed (`verify` then says so). Installing twice on one
    engine changes nothing."""
    if engine in _INSTALLED:
        return
    _INSTALLED.add(engine)
    installation: list[str] = []  # the platform chain's first hash, once known (names the partition anchors)

    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn: Connection, _cur: Any, statement: str, _p: Any, _ctx: Any, _many: bool) -> None:
        if not conn.info.get(_FLAG) and statement.startswith(_WRITES) and _COVERED_NAME.search(statement):
            conn.info[_FLAG] = True

    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:  # after database.make_engine's BEGIN IMMEDIATE (see `_mine`)
            if not conn.get_execution_options().get("readonly", False):
                driver_of(conn).execute("DELETE FROM audit_touched")

    def _commit(conn: Connection) -> None:  # its checkpoint rows go with the COMMIT (`database.on_commit`)
        if conn.info.get(_FLAG):
            seal(conn)
        heads = conn.info.pop(_HEADS, None)
        firsts = conn.info.pop(store.FIRSTS, None) or {}
        if heads and signer is not None:
            log = t.audit_log
            rows, anchors = [], []
            for chain, (seq, h, at) in sorted(heads.items()):
                first = firsts.get(chain)  # as the transaction read or wrote it (`store.audit_heads`), else read here
                if first is None:
                    first = conn.execute(sa.select(log.c.hash).where(log.c.chain == chain, log.c.seq == 1)).scalar()
                rows.append(
                    {
                        "chain": chain,
                        "seq": seq,
                        "hash": h,
                        "at": at,
                        "key_id": signer.key_id,
                        "signature": signer.sign(seq, h, chain),
                    }
                )
                anchors.append((first or h, seq, h))
            store.insert_rows(conn, t.audit_checkpoints, rows)  # through the driver: no covered table
            if not installation and any(r["chain"] != 0 for r in rows):
                platform = conn.execute(sa.select(log.c.hash).where(log.c.chain == 0, log.c.seq == 1)).scalar()
                installation.extend([platform] if platform else [])
            for (first, seq, h), r in zip(anchors, rows, strict=True):
                chain = r["chain"]
                signer.anchor(first, seq, h, chain if chain else None, installation[0] if installation else None)

    on_commit(engine, _commit)

    @event.listens_for(engine, "rollback")
    def _rollback(conn: Connection) -> None:
        if conn.invalidated:  # the server dropped it: its `info` goes with it (and reading it would raise)
            return
        conn.info.pop(_FLAG, None)
        conn.info.pop(_HEADS, None)
        conn.info.pop(store.FIRSTS, None)


def sign_head(conn: Connection) -> None:
    """Have this transaction's commit sign every chain's head that no checkpoint covers yet (after an upgrade that
    appended entries before the listeners were installed). `App.start` calls it; `verify` never does."""
    log, cp = t.audit_log, t.audit_checkpoints
    signed = dict(conn.execute(sa.select(cp.c.chain, sa.func.max(cp.c.seq)).group_by(cp.c.chain)).all())
    newest = sa.select(log.c.chain, sa.func.max(log.c.seq).label("seq")).group_by(log.c.chain).subquery()
    tails = conn.execute(
        sa.select(log.c.chain, log.c.seq, log.c.hash, log.c.at).join(
            newest, sa.and_(log.c.chain == newest.c.chain, log.c.seq == newest.c.seq)
        )
    )
    for tail in tails:
        if (signed.get(tail.chain) or 0) < tail.seq:
            conn.info.setdefault(_HEADS, {})[tail.chain] = (tail.seq, tail.hash, tail.at)


# --- verification ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StateProblem:
    """The first covered row that does not match the audited history."""

    table: str
    key: str
    problem: str
    seq: int | None  # the entry that last vouched for the row, if any


def _fold_order(e: AuditEntry) -> tuple[int, int, int]:
    """Where a `state.rows` entry falls in the fold: by its `order` (issue 17: drawn at the seal, after the writes,
    so a later write to a row always folds later), whatever its chain; the entries from before chains carry none
    and come first, in their chain's order."""
    return (int(e.data.get("order", 0)), e.chain, e.seq)


def verify_state(conn: Connection, entries: Iterable[AuditEntry]) -> StateProblem | None:
    """Fold the `state.rows` entries of every chain and compare with every covered row as stored; None when all
    match."""
    expected: dict[str, dict[str, tuple[str | None, int]]] = {name: {} for name in COVERED}
    for e in sorted((e for e in entries if e.action == "state.rows"), key=_fold_order):
        for name, rows in e.data.get("rows", {}).items():
            if name in expected:
                for key, digest in rows.items():
                    expected[name][key] = (digest, e.seq)
    for name in COVERED:
        want = expected[name]
        seen: set[str] = set()
        for key, digest in _digests(conn, name, None):
            seen.add(key)
            if key not in want:
                problem = (
                    "the row is not in the audited history (inserted behind warden, or the newest entries, "
                    "which vouched for it, were deleted)"
                )
                return StateProblem(name, key, problem, None)
            expect, seq = want[key]
            if expect is None:
                return StateProblem(name, key, f"the row was deleted (entry {seq}) but is back", seq)
            if expect != digest:
                return StateProblem(name, key, f"the row differs from its audited state (entry {seq})", seq)
        for key, (expect, seq) in want.items():
            if expect is not None and key not in seen:
                return StateProblem(name, key, f"the row was deleted behind warden (audited at entry {seq})", seq)
    return None


def chain_label(chain: int) -> str:
    """How a report names a chain: `the platform chain` (0) or `partition 3's chain (chain 4)`."""
    return "the platform chain" if chain == 0 else f"partition {chain - 1}'s chain (chain {chain})"


def _named(report: ChainReport, chain: int, checked: int) -> ChainReport:
    """`report` for chain `chain`, its problem prefixed with the chain's name when it is a partition's."""
    problem = report.problem
    if chain != 0 and problem is not None:
        problem = f"{chain_label(chain)}: {problem}"
    return dataclasses.replace(report, checked=checked, chain=chain, problem=problem)


def verify(conn: Connection, verifier: Verifier | None, anchors: Iterable[dict[str, Any]] = ()) -> ChainReport:
    """Everything `warden audit verify` proves, in one read-only pass; the first problem found is reported.

    For every chain (the platform's and each partition's, issue 17):

    1. The chain: each entry's hash and link; each `events.decided` digest against its stored events (a failing
       digest names the events of its batch).
    2. Signatures: every checkpoint is signed by `verifier`'s key and matches its entry; the newest covers the head.
    3. Anchors: the chain's anchor file beside the key (when `verifier` is the `Signer`) and any exported `anchors`
       ({chain, seq, hash, signature}; no `chain`: the platform's) are still in the chain. A checkpoint or anchor
       past the chain's end is reported as a cut ("the chain was cut after entry N"), before any state row the
       deleted entries vouched for.

    Then, across chains:

    4. Roots: the root chain (`adapters/audit_roots.py`) links up, each root is signed and is the Merkle root of
       the heads it names, and every head it names is still in its chain (a chain cut below a root, or deleted
       whole, is named).
    5. Events: every stored event is vouched for by an existing `events.decided` entry of its chain.
    6. State: every covered row matches the digest its newest `state.rows` entry gives, folding the entries of all
       chains in their `order` (`verify_state`).

    Intact but with no anchor outside the database (no anchor file, no exported checkpoints): `ok` with a `warning`
    (deleting the newest entries together with their checkpoints cannot be ruled out). Without any key: not ok,
    `first_broken` None, saying that nothing signed was checked. `signed_head`: how many entries signed checkpoints
    cover, over all chains (all of them when intact).
    """
    from warden.adapters import audit_roots

    exported: dict[int, list[dict[str, Any]]] = {}
    for a in anchors:
        exported.setdefault(int(a.get("chain", 0)), []).append(a)
    cps: dict[int, list[Any]] = {}
    for cp in conn.execute(
        sa.select(t.audit_checkpoints).order_by(t.audit_checkpoints.c.chain, t.audit_checkpoints.c.seq)
    ):
        cps.setdefault(cp.chain, []).append(cp)
    chains = sorted(set(store.audit_chains(conn)) | set(cps) | set(exported))
    hashes: dict[int, dict[int, str]] = {}
    decided: set[tuple[int, int]] = set()
    state: list[AuditEntry] = []
    checked = 0
    for chain in chains:
        mine = hashes.setdefault(chain, {})

        def walk(chain: int = chain, mine: dict[int, str] = mine) -> Iterator[AuditEntry]:
            for e in store.audit_entries(conn, chain):
                mine[e.seq] = e.hash
                if e.action == "state.rows":
                    state.append(e)
                elif "digest" in e.data:
                    decided.add((chain, e.seq))
                yield e

        def rows_of(e: AuditEntry, chain: int = chain) -> list[tuple[str, Any]]:
            return store.event_rows_for_audit(conn, e.seq, e.data.get("digest_v", 1), chain)

        def altered(e: AuditEntry, rows_of: Any = rows_of) -> str:
            ids = sorted(r[0] for r in rows_of(e))
            n = int(e.data.get("events", len(ids)))
            if not ids:
                return f"the {n} stored event(s) it vouches for (all deleted)"
            shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
            counted = "" if len(ids) == n else f"; {len(ids)} of its {n} events remain"
            return f"the stored decisions of event {shown} (one of the {len(ids)} events of entry {e.seq}{counted})"

        report = verify_chain(
            walk(), expected_digest=lambda e, rows_of=rows_of: decisions_digest(rows_of(e)), altered=altered
        )
        checked += report.checked
        if not report.ok:
            return _named(report, chain, checked)

    roots = audit_roots.verify_roots(conn, verifier, hashes, checked)  # a cut below a signed root, named first
    if isinstance(roots, ChainReport):
        return roots
    signed_total = 0
    warning: str | None = None
    if verifier is not None:
        if not chains and isinstance(verifier, Signer):
            left = verifier.any_anchor()  # no entries at all: any anchor beside the key names what was there
            if left is not None:
                return ChainReport(
                    False,
                    checked,
                    1,
                    f"the chain is empty, but the anchor file {left[0]} names entry {left[1]}: every entry was deleted",
                    chain=0,
                )
        if isinstance(verifier, Signer) and 0 in hashes and 1 in hashes[0]:
            for chain, first, seq, f in verifier.chain_anchors(hashes[0][1]):
                if chain < 0:  # the root chain's anchor (`audit_roots.verify_roots` checks it)
                    continue
                have = hashes.get(chain, {})
                if have.get(1) != first:
                    gone = (
                        f"the chain is gone, but the anchor file {f} names entry {seq}: every entry was deleted"
                        if not have
                        else f"its first entry differs from the anchor file {f} (the chain was replaced)"
                    )
                    return _named(ChainReport(False, checked, 1, gone), chain, checked)
        for chain in chains:
            found, signed, warned = _verify_signed(
                hashes[chain], cps.get(chain, []), verifier, exported.get(chain, []), chain, checked
            )
            if found is not None:
                return _named(found, chain, checked)
            signed_total += signed
            if warned is not None and warning is None:
                warning = warned if chain == 0 else f"{chain_label(chain)}: {warned}"
    for chain, seq in store.event_audit_seqs(conn):
        if (chain, seq) not in decided:
            problem = f"stored events name audit entry {seq}, which vouches for no events"
            return _named(ChainReport(False, checked, seq, problem, "events"), chain, checked)
    row = verify_state(conn, state)
    if row is not None:
        return ChainReport(False, checked, row.seq, row.problem, row.table, row.key)
    if verifier is None:
        return ChainReport(
            False,
            checked,
            None,
            f"the {checked} entries link up and the state rows match them, but there is no key to check the signed "
            "checkpoints (WARDEN_AUDIT_KEY_FILE, or --public-key): rewriting or truncating the chain cannot be "
            "ruled out",
            chains=len(chains),
        )
    return ChainReport(True, checked, signed_head=signed_total, warning=warning, chains=len(chains), roots=roots)


def _verify_signed(
    hashes: dict[int, str],
    cps: list[Any],
    verifier: Verifier,
    anchors: list[dict[str, Any]],
    chain: int,
    checked: int,
) -> tuple[ChainReport | None, int, str | None]:
    """One chain against its signed checkpoints, its anchor file and the exported checkpoints: (the problem or None,
    the newest signed entry, a warning when nothing outside the database anchors it)."""
    head = max(hashes, default=0)

    def cut(seq: int, where: str) -> ChainReport:
        problem = (
            f"the chain was cut after entry {head}, but {where} reaches entry {seq}: "
            f"entries {head + 1}–{seq} were deleted ({head} remain)"
        )
        return ChainReport(False, checked, head + 1, problem)

    signed = 0
    past: list[tuple[int, str]] = []  # checkpoints and anchors past the chain's end: the newest are named
    for cp in cps:
        if cp.key_id != verifier.key_id or not verifier.valid(cp.seq, cp.hash, cp.signature, chain):
            return ChainReport(False, checked, cp.seq, "its checkpoint's signature is not valid for this key"), 0, None
        if cp.seq > head:
            past.append((cp.seq, "a signed checkpoint in the database"))
            continue
        if hashes.get(cp.seq) != cp.hash:
            problem = f"entry {cp.seq} differs from its signed checkpoint (rewritten after it was signed)"
            return ChainReport(False, checked, cp.seq, problem), 0, None
        signed = cp.seq
    outside: list[tuple[int, str, str]] = []
    missing: str | None = None
    if isinstance(verifier, Signer) and head:
        anchor = verifier.read_anchor(hashes[1])
        if anchor is not None:
            outside.append((*anchor, f"the anchor file {verifier.anchor_path(hashes[1])}"))
        else:
            missing = str(verifier.anchor_path(hashes[1]))
    elif head and not isinstance(verifier, Signer):
        missing = "(none: checking with a public key only)"
    for a in anchors:
        seq, h = int(a["seq"]), str(a["hash"])
        if not verifier.valid(seq, h, str(a.get("signature", "")), chain):
            problem = "an exported checkpoint's signature is not valid for this key"
            return ChainReport(False, checked, seq, problem), 0, None
        outside.append((seq, h, "the exported checkpoints"))
    past += [(seq, where) for seq, _h, where in outside if seq > head]
    if past:
        return cut(*max(past, key=lambda x: x[0])), 0, None
    for seq, h, where in outside:
        if hashes.get(seq) != h:
            return ChainReport(False, checked, seq, f"entry {seq} differs from {where} (rewritten)"), 0, None
    if head and signed < head:
        what = "no signed checkpoint" if not signed else f"the newest signed checkpoint is entry {signed}"
        problem = (
            f"entries {signed + 1}–{head} are not signed ({what}): written without the key, or their "
            "checkpoints were deleted"
        )
        return ChainReport(False, checked, signed + 1, problem), 0, None
    warning = None
    if missing is not None and not outside:
        warning = (
            f"intact up to entry {head}, but no anchor file found at {missing} and no exported checkpoints "
            "given: deletion of the newest entries (with their checkpoints) cannot be ruled out; keep exported "
            "checkpoints elsewhere (`warden audit checkpoints --out FILE`, then `verify --anchors FILE`)"
        )
    return None, signed, warning


def checkpoints(conn: Connection) -> Iterator[dict[str, Any]]:
    """Every signed checkpoint, by chain and oldest first: {chain, seq, hash, at (ISO 8601), key_id, signature}."""
    cp = t.audit_checkpoints
    for row in conn.execute(sa.select(cp).order_by(cp.c.chain, cp.c.seq)):
        yield {
            "chain": row.chain,
            "seq": row.seq,
            "hash": row.hash,
            "at": row.at.isoformat(),
            "key_id": row.key_id,
            "signature": row.signature,
        }
