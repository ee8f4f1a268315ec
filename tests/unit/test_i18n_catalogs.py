"""One text catalogue mechanism (issue 11): every slice's texts are `warden.kernel.i18n` catalogues, and every entry
has zh and en with the same format parameters."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from warden.kernel.i18n import LANGS, Catalog, Text, params_of, render

ROOT = Path(__file__).resolve().parents[2] / "warden"
TEXT_MODULES = sorted(
    f"warden.{p.parent.name}.texts"
    for p in ROOT.glob("*/texts.py")
    if p.parent.name != "simulation"  # the simulated population's phrase lists, not texts for people
)


def _catalogues(module: ModuleType) -> Iterator[tuple[str, Catalog[str]]]:
    for name, value in vars(module).items():
        if isinstance(value, Catalog):
            yield name, value
        elif isinstance(value, dict) and value and all(isinstance(v, Catalog) for v in value.values()):
            for key, inner in value.items():
                yield f"{name}[{key!r}]", inner


def test_the_catalogue_test_sees_every_slices_texts() -> None:
    assert {"warden.enforcement.texts", "warden.appeals.texts", "warden.unblock.texts"} <= set(TEXT_MODULES)
    assert {"warden.usage_policy.texts", "warden.weight.texts"} <= set(TEXT_MODULES)


@pytest.mark.parametrize("module", TEXT_MODULES)
def test_every_catalogue_entry_has_zh_and_en_with_the_same_parameters(module: str) -> None:
    found = list(_catalogues(importlib.import_module(module)))
    assert found, f"{module} defines no catalogue"
    for name, catalogue in found:
        for key, entry in catalogue.items():
            assert isinstance(entry, Text)
            assert all(entry[lang].strip() for lang in LANGS), f"{module}.{name}[{key!r}] has an empty language"
            assert params_of(entry.zh) == params_of(entry.en), f"{module}.{name}[{key!r}]"


@pytest.mark.parametrize("module", TEXT_MODULES)
def test_no_texts_module_keeps_a_hand_written_zh_en_table(module: str) -> None:
    """A module-level `{key: {"zh": …, "en": …}}` dict outside a `Catalog(...)` is a second mechanism."""
    path = ROOT / module.split(".")[1] / "texts.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = []
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Dict) and value.values and all(isinstance(v, ast.Dict) for v in value.values):
            keys = {
                k.value for v in value.values for k in v.keys if isinstance(v, ast.Dict) and isinstance(k, ast.Constant)
            }
            if keys == {"zh", "en"}:
                bad.append(f"{path.name}:{node.lineno}")
    assert not bad, f"plain zh/en tables (make them a Catalog): {bad}"


def test_a_text_whose_languages_fill_different_parameters_is_refused() -> None:
    with pytest.raises(ValueError, match="different parameters"):
        Catalog({"x": {"zh": "{count} 次", "en": "{n} times"}})


def test_a_text_missing_a_language_is_refused() -> None:
    with pytest.raises(ValueError, match="exactly zh and en"):
        Catalog({"x": {"zh": "只有中文"}})


def test_a_text_renders_with_its_parameters_in_either_language() -> None:
    c = Catalog({"n": {"zh": "{n} 次（{share:.0%}）", "en": "{n} time(s) ({share:.0%})"}})
    assert c.render("n", "zh", n=3, share=0.5) == "3 次（50%）"
    assert render(c["n"], "en", n=3, share=0.5) == "3 time(s) (50%)"
    assert c["n"]["en"] == "{n} time(s) ({share:.0%})" and c.lookup("missing", "en", "k") == "k"
