"""The one text catalogue mechanism (issue 11): every text people read has a zh (default) and an en template.

A `Text` is one entry (`zh`, `en`): a `str.format` template whose named parameters are the same in both languages
(`{count}`, `{ratio:.0%}`); a `Catalog` maps stable keys (codes, rule ids, states) to `Text`s and checks, when it
is built, that every entry has both languages and that their parameters agree. `render` fills one entry for one
language. Machine fields never change with the language; only the rendered sentences do.

A `Text` and a `Catalog` are read-only mappings, so `catalog[key][lang]` reads as it did when the catalogues were plain
dicts; `catalog.lookup(key, lang, default)` for a key that may be unknown. Pure: no I/O, no clock.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

Lang = Literal["zh", "en"]
"""A language people read: Chinese (the default) or English."""

LANGS: tuple[Lang, ...] = ("zh", "en")

K = TypeVar("K", bound=str)
D = TypeVar("D")

_FORMATTER = string.Formatter()


def params_of(template: str) -> frozenset[str]:
    """The named parameters a template fills (`"{n} of {total:,}"` → {"n", "total"}); attribute and index
    lookups count as their root name. ValueError for a positional `{}` or `{0}`: catalogue templates are named."""
    names: set[str] = set()
    for _, field, _, _ in _FORMATTER.parse(template):
        if field is None:
            continue
        root = field.split(".", 1)[0].split("[", 1)[0]
        if not root or root.isdigit():
            raise ValueError(f"positional parameter in {template!r}; name it")
        names.add(root)
    return frozenset(names)


@dataclass(frozen=True)
class Text(Mapping[str, str]):
    """One text in both languages; `text["zh"]`, `text.render("en", count=3)`."""

    zh: str
    en: str

    def __post_init__(self) -> None:
        zh, en = params_of(self.zh), params_of(self.en)
        if zh != en:
            raise ValueError(f"zh and en fill different parameters: zh {sorted(zh)}, en {sorted(en)} ({self.en!r})")

    @property
    def params(self) -> frozenset[str]:
        """The named parameters both templates fill."""
        return params_of(self.zh)

    def render(self, lang: Lang, /, **params: Any) -> str:
        """The template in `lang`, filled with `params` (KeyError naming a missing one)."""
        return self[lang].format_map(params) if params or self.params else self[lang]

    def __getitem__(self, lang: str) -> str:
        if lang == "zh":
            return self.zh
        if lang == "en":
            return self.en
        raise KeyError(lang)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGS)

    def __len__(self) -> int:
        return len(LANGS)


def text(entry: Text | Mapping[str, str]) -> Text:
    """`entry` as a `Text`: a `{"zh": …, "en": …}` mapping with exactly those two keys (ValueError otherwise)."""
    if isinstance(entry, Text):
        return entry
    if set(entry) != set(LANGS):
        raise ValueError(f"a text needs exactly zh and en, got {sorted(entry)}")
    return Text(zh=entry["zh"], en=entry["en"])


class Catalog(Mapping[K, Text], Generic[K]):
    """Stable keys → `Text`s, checked when built (both languages, the same parameters). Built from a dict literal of
    `{"zh": …, "en": …}` entries: `Catalog({"queued": {"zh": "排队中", "en": "queued"}})`."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Mapping[K, Text | Mapping[str, str]]) -> None:
        checked: dict[K, Text] = {}
        for key, entry in entries.items():
            try:
                checked[key] = text(entry)
            except ValueError as exc:
                raise ValueError(f"catalogue entry {key!r}: {exc}") from None
        self._entries = checked

    def __getitem__(self, key: K) -> Text:
        return self._entries[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Catalog({len(self._entries)} texts)"

    def extend(self, entries: Mapping[K, Text | Mapping[str, str]]) -> None:
        """Add entries whose keys are new (a key present already keeps its text), checked like the constructor's.
        For a slice whose texts join a shared catalogue when it is imported (unblocking's advice joins the
        explanation's `ADVICE`); everything else is built once and only read."""
        for key, entry in Catalog(entries).items():
            self._entries.setdefault(key, entry)

    def lookup(self, key: K, lang: Lang, default: D) -> str | D:
        """The entry `key`'s template in `lang`, or `default` for a key the catalogue does not have (an unknown
        code is shown as it is: `catalog.lookup(code, lang, code)`)."""
        entry = self._entries.get(key)
        return entry[lang] if entry is not None else default

    def render(self, key: K, lang: Lang, /, **params: Any) -> str:
        """The entry `key` in `lang`, filled with `params` (KeyError for an unknown key or a missing parameter)."""
        return self._entries[key].render(lang, **params)


def render(entry: Text | Mapping[str, str], lang: Lang, /, **params: Any) -> str:
    """The one way to render a text: `entry` (a `Text` or a `{"zh", "en"}` mapping) in `lang`, filled with
    `params`."""
    return text(entry).render(lang, **params)
