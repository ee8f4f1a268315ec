"""Hot reload: the current engine per scope, swapped atomically when a list changes.

Scopes are ``platform`` (extra platform-wide lists on top of the shipped dictionaries) and one per
enterprise id (that enterprise's terms and allow-list on top of the platform engine). A change builds
a new immutable engine and swaps a reference under a lock; readers never block and never see a
half-built engine. Every change bumps a global ``version`` and returns a `ListChange` describing what
was added and removed, which the service layer writes to the audit trail.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from warden.screening.dictionaries import TermSpec, load_lexicon, term_specs
from warden.screening.engine import ScreeningEngine

PLATFORM = "platform"

TermKey = tuple[str, str, str]  # (term, category, severity)


@dataclass(frozen=True)
class ListChange:
    """What one list change did, for the audit trail."""

    scope: str
    version: int
    terms_added: tuple[TermKey, ...]
    terms_removed: tuple[TermKey, ...]
    allow_added: tuple[str, ...]
    allow_removed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.terms_added or self.terms_removed or self.allow_added or self.allow_removed)

    def as_dict(self) -> dict[str, object]:
        return {
            "scope": self.scope,
            "version": self.version,
            "terms_added": [list(t) for t in self.terms_added],
            "terms_removed": [list(t) for t in self.terms_removed],
            "allow_added": list(self.allow_added),
            "allow_removed": list(self.allow_removed),
        }


def _diff(scope: str, version: int, old: _Lists, new: _Lists) -> ListChange:
    old_t, new_t = [t.key for t in old.terms], [t.key for t in new.terms]
    return ListChange(
        scope,
        version,
        tuple(t for t in new_t if t not in set(old_t)),
        tuple(t for t in old_t if t not in set(new_t)),
        tuple(a for a in new.allow if a not in set(old.allow)),
        tuple(a for a in old.allow if a not in set(new.allow)),
    )


@dataclass(frozen=True)
class _Lists:
    terms: tuple[TermSpec, ...] = ()
    allow: tuple[str, ...] = ()


class ScreenerRegistry:
    """Thread-safe holder of the current `ScreeningEngine` per scope."""

    def __init__(
        self,
        base: ScreeningEngine | None = None,
        *,
        base_factory: Callable[[], ScreeningEngine] | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._factory = base_factory or (lambda: ScreeningEngine.from_lexicon(load_lexicon()))
        self._base = base if base is not None else self._factory()
        self._lists: dict[str, _Lists] = {}
        self._engines: dict[str, ScreeningEngine] = {PLATFORM: self._base}
        self._version = 0
        self._log: list[ListChange] = []

    @property
    def version(self) -> int:
        """Increases by one on every change that took effect."""
        return self._version

    def get(self, scope: str | None = None) -> ScreeningEngine:
        """The engine for an enterprise id (or the platform). Lock-free when already built."""
        key = scope or PLATFORM
        engine = self._engines.get(key)
        if engine is not None:
            return engine
        if key not in self._lists:
            return self._engines[PLATFORM]
        with self._lock:
            engine = self._engines.get(key)
            if engine is None:
                engine = self._build(key)
                self._engines[key] = engine
            return engine

    def changes(self, since: int = 0) -> list[ListChange]:
        """Effective changes with a version above ``since``, oldest first (for the audit writer).

        Kept in memory for the life of the registry: list edits are rare admin actions.
        """
        return [c for c in self._log if c.version > since]

    def lists(self, scope: str) -> tuple[list[TermKey], list[str]]:
        """The extra terms and allow-list entries currently set for a scope."""
        cur = self._lists.get(scope, _Lists())
        return [t.key for t in cur.terms], list(cur.allow)

    def set_lists(
        self,
        scope: str,
        terms: Iterable[TermSpec | TermKey] = (),
        allow: Iterable[str] = (),
    ) -> ListChange:
        """Replace a scope's extra lists. Takes effect for the next `get` call; no restart needed."""
        new = _Lists(tuple(dict.fromkeys(term_specs(terms))), tuple(dict.fromkeys(a.strip() for a in allow)))
        with self._lock:
            old = self._lists.get(scope, _Lists())
            if (old.terms, old.allow) == (new.terms, new.allow):
                return _diff(scope, self._version, old, new)
            engine = self._build(scope, new)  # build before publishing: a bad list raises here
            self._version += 1
            self._lists[scope] = new
            if scope == PLATFORM:
                # enterprise engines sit on the platform engine: rebuild them lazily
                self._engines = {PLATFORM: engine}
            else:
                self._engines = {**self._engines, scope: engine}
            change = _diff(scope, self._version, old, new)
            self._log.append(change)
            return change

    def add(self, scope: str, terms: Iterable[TermSpec | TermKey] = (), allow: Iterable[str] = ()) -> ListChange:
        """Add to a scope's lists (a convenience over `set_lists`)."""
        cur = self._lists.get(scope, _Lists())
        return self.set_lists(scope, [*cur.terms, *term_specs(terms)], [*cur.allow, *allow])

    def remove(self, scope: str, terms: Iterable[str] = (), allow: Iterable[str] = ()) -> ListChange:
        """Remove entries from a scope's lists by term text."""
        drop_t, drop_a = set(terms), set(allow)
        cur = self._lists.get(scope, _Lists())
        return self.set_lists(
            scope, [t for t in cur.terms if t.term not in drop_t], [a for a in cur.allow if a not in drop_a]
        )

    def reload_shipped(self, data_dir: Path | None = None) -> ListChange:
        """Re-read the shipped data files (or ``data_dir``) and swap every engine."""
        old_base = self._base
        base = ScreeningEngine.from_lexicon(load_lexicon(data_dir)) if data_dir else self._factory()
        with self._lock:
            self._base = base
            self._version += 1
            platform = self._build(PLATFORM)
            self._engines = {PLATFORM: platform}
            change = _diff(
                "shipped",
                self._version,
                _Lists(old_base.terms, old_base.allow),
                _Lists(base.terms, base.allow),
            )
            self._log.append(change)
            return change

    def _build(self, scope: str, override: _Lists | None = None) -> ScreeningEngine:
        platform = self._lists.get(PLATFORM, _Lists())
        if scope == PLATFORM:
            extra = override if override is not None else platform
            if not (extra.terms or extra.allow):
                return self._base
            return self._base.with_lists(extra.terms, extra.allow)
        own = override if override is not None else self._lists.get(scope, _Lists())
        return self._base.with_lists([*platform.terms, *own.terms], [*platform.allow, *own.allow])
