"""Word lists for screening (S-A6): the platform's and each enterprise's, with allow-lists.

Stored in `word_lists`, audited, and live without a restart: this process swaps its engine at once, and
other processes swap theirs at their next ingest batch (they notice that someone else wrote to the audit
chain, then compare list versions: one query, only then). The shipped dictionaries and the policy's
`sensitive_words.words` are the base every scope builds on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warden.adapters import store
from warden.adapters import tables as t
from warden.adapters.database import reading
from warden.kernel.clock import Clock
from warden.kernel.errors import Conflict, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.pipeline.feature import Feature
from warden.screening import PLATFORM, SEVERITIES, Hit, ScreenerRegistry

MAX_TERMS = 50_000
_CATEGORY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def validate_lists(terms: Sequence[Any], allow: Sequence[Any]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Check what a person sent; every problem names its place (`terms[3].severity`)."""
    errors: list[FieldError] = []
    out_terms: list[tuple[str, str, str]] = []
    if len(terms) > MAX_TERMS:
        errors.append(FieldError(field="terms", message=f"at most {MAX_TERMS} terms per list"))
    for i, item in enumerate(terms):
        if not (isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 3):
            errors.append(FieldError(field=f"terms[{i}]", message="give [term, category, severity]"))
            continue
        term, category, severity = (str(x).strip() for x in item)
        if not 1 <= len(term) <= 32:
            errors.append(FieldError(field=f"terms[{i}].term", message="a term has 1 to 32 characters"))
        if not _CATEGORY.match(category):
            errors.append(FieldError(field=f"terms[{i}].category", message="lower-case letters, digits and _"))
        if severity not in SEVERITIES:
            errors.append(FieldError(field=f"terms[{i}].severity", message=f"one of {', '.join(SEVERITIES)}"))
        out_terms.append((term, category, severity))
    out_allow = []
    for i, a in enumerate(allow):
        if not isinstance(a, str) or not 1 <= len(a.strip()) <= 64:
            errors.append(FieldError(field=f"allow[{i}]", message="an allow-list entry has 1 to 64 characters"))
        else:
            out_allow.append(a.strip())
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) in the word list; nothing changed", errors)
    return list(dict.fromkeys(out_terms)), list(dict.fromkeys(out_allow))


class WordLists:
    """The platform's and each enterprise's lists: a `BatchScreener` (the rules screen through it) and the
    service that changes them."""

    def __init__(self, engine: Engine, clock: Clock, registry: ScreenerRegistry) -> None:
        self.engine = engine
        self.clock = clock
        self.registry = registry
        self._versions: dict[str, int] = {}
        self._batch: dict[tuple[str, str], tuple[Hit, ...]] = {}

    # the Screener seam, scoped: the S-A6 rule screens a member's text with their enterprise's lists
    def screen(self, text: str) -> list[Hit]:
        return self.screen_in(None, text)

    def screen_in(self, scope: str | None, text: str) -> list[Hit]:
        key = scope if scope in self._versions else PLATFORM
        hits = self._batch.get((key, text))
        return list(hits) if hits is not None else self.registry.get(key).screen(text)

    def prepare(self, texts: Iterable[tuple[str | None, str]]) -> None:
        """Screen a batch's texts ahead, one `screen_many` pass per scope (about ten times cheaper per text
        than one call each); `screen_in` then answers from it until `release`."""
        by_scope: dict[str, list[str]] = {}
        for scope, text in texts:
            if text:
                by_scope.setdefault(scope if scope in self._versions else PLATFORM, []).append(text)
        batch: dict[tuple[str, str], tuple[Hit, ...]] = {}
        for scope, items in by_scope.items():
            unique = list(dict.fromkeys(items))
            for text, hits in zip(unique, self.registry.get(scope).screen_many(unique), strict=True):
                batch[(scope, text)] = hits
        self._batch = batch

    def release(self) -> None:
        self._batch = {}

    def load(self) -> None:
        with reading(self.engine) as conn:
            self.refresh(conn)

    def refresh(self, conn: Connection) -> None:
        """Take over lists that another process changed."""
        for row in conn.execute(sa.select(t.word_lists)):
            if self._versions.get(row.scope) != row.version:
                terms = [tuple(x) for x in orjson.loads(row.terms)]
                self.registry.set_lists(row.scope, terms, orjson.loads(row.allow))
                self._versions[row.scope] = row.version
                self.release()

    def get(self, scope: str) -> dict[str, Any]:
        with reading(self.engine) as conn:
            row = conn.execute(sa.select(t.word_lists).where(t.word_lists.c.scope == scope)).first()
        if row is None:
            return {"scope": scope, "terms": [], "allow": [], "version": 0}
        return {
            "scope": scope,
            "terms": orjson.loads(row.terms),
            "allow": orjson.loads(row.allow),
            "version": row.version,
            "updated_at": row.updated_at,
            "updated_by": row.updated_by,
        }

    def put(
        self, scope: str, terms: Sequence[Any], allow: Sequence[Any], actor: str, expected_version: int | None = None
    ) -> dict[str, Any]:
        """Replace a scope's lists; 409 if `expected_version` is stale. Audited with what changed."""
        new_terms, new_allow = validate_lists(terms, allow)
        self.registry.get(PLATFORM).with_lists(new_terms, new_allow)  # a list the engine refuses changes nothing
        now = self.clock.now()
        with self.engine.begin() as conn:
            audit = store.AuditWriter(conn)
            audit.next_seq()  # the writers' lock: two editors of one list queue up
            if scope != PLATFORM and store.get_enterprise(conn, scope) is None:
                raise NotFound(f"no enterprise {scope!r}")
            row = conn.execute(sa.select(t.word_lists).where(t.word_lists.c.scope == scope)).first()
            version = row.version if row else 0
            if expected_version is not None and expected_version != version:
                raise Conflict(f"the list is at version {version}, not {expected_version}; reload and retry")
            old_terms = {tuple(x) for x in orjson.loads(row.terms)} if row else set()
            old_allow = set(orjson.loads(row.allow)) if row else set()
            values = {
                "terms": store.dumps([list(x) for x in new_terms]),
                "allow": store.dumps(new_allow),
                "version": version + 1,
                "updated_at": now,
                "updated_by": actor,
            }
            if row:
                conn.execute(sa.update(t.word_lists).where(t.word_lists.c.scope == scope).values(**values))
            else:
                conn.execute(sa.insert(t.word_lists).values(scope=scope, **values))
            change = {
                "version": version + 1,
                "terms_added": sorted(x[0] for x in set(new_terms) - old_terms),
                "terms_removed": sorted(x[0] for x in old_terms - set(new_terms)),
                "allow_added": sorted(set(new_allow) - old_allow),
                "allow_removed": sorted(old_allow - set(new_allow)),
            }
            audit.append(now, actor, "word_list.changed", f"word_list:{scope}", change)
        self.registry.set_lists(scope, new_terms, new_allow)
        self._versions[scope] = version + 1
        self.release()
        return self.get(scope) | {"change": change}


class WordListsFeature(Feature):
    """Word lists in ingest: another process changed lists, so take its changes over before the batch."""

    name = "word_lists"

    def __init__(self, lists: WordLists) -> None:
        self.lists = lists

    def on_foreign_change(self, conn: Connection) -> None:
        self.lists.refresh(conn)
