"""The package's shape, checked on the source (an AST import scan): pure files import no I/O, and the kernel and the
pipeline know no feature by name. See docs/ARCHITECTURE.md, "File roles"."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "warden"

IO = ("sqlalchemy", "fastapi", "starlette", "typer", "rich", "httpx", "redis", "nats", "os", "pathlib", "yaml")
"""Top-level packages a pure file may not import (the wall clock stays out too: see `test_pure_files_read_no_clock`)."""

FEATURES = (
    "warden.service",
    "warden.entrypoints",
    "warden.bootstrap",
    "warden.app",
    "warden.adapters",
    "warden.simulation",
    "warden.domain.weight",
    "warden.domain.weight_text",
    "warden.domain.unblock",
    "warden.domain.appeals",
    "warden.domain.uploads",
    "warden.domain.usage_policy",
    "warden.domain.leak_detectors",
    "warden.weight",
    "warden.unblock",
    "warden.appeals",
    "warden.usage_policy",
    "warden.word_lists",
    "warden.enforcement",
)
"""What the kernel and the pipeline may not import: feature code, services, adapters and edges."""

PIPELINE_PURE = ("feature.py", "batch.py", "ports.py", "effects.py")
"""The pipeline's pure files; `ingest.py` is the use case (it reads and writes through the store)."""


def _files(*parts: str) -> list[Path]:
    base = ROOT.joinpath(*parts)
    return sorted(base.rglob("*.py")) if base.is_dir() else ([base] if base.exists() else [])


def pure_files() -> list[Path]:
    out = _files("kernel")
    out += [ROOT / "pipeline" / f for f in PIPELINE_PURE]
    out += [p for p in _files("domain") if p.name != "policy.py"]  # policy.py still reads the file (YAML)
    out += [p for p in _files("weight") if p.stem in SLICE_PURE]
    return out


SLICE_PURE = ("policy", "model", "rules", "state", "scoring", "cascade", "texts", "access", "views")
"""The pure file roles of a feature slice (`warden/<slice>/<role>.py`)."""

SLICES = ("weight",)
"""Feature slices laid out by file role (docs/ARCHITECTURE.md); the rules below apply to each."""

SERVICE_ROLES = ("feature", "service", "recompute")
"""Slice files that run use cases: they reach the database only through the slice's `store.py`."""

EDGE_ROLES = ("http", "cli")
"""Slice files that translate for people and programs: they call services, never the store."""


def _slice_files(*roles: str) -> list[Path]:
    return [p for name in SLICES for p in _files(name) if p.stem in roles]


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module `path` imports, lazy ones inside functions included (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    pkg = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                mod = ".".join([*base, mod] if mod else base)
            out.append((node.lineno, mod))
            out += [(node.lineno, f"{mod}.{a.name}") for a in node.names]
    return out


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _rel(p: Path) -> str:
    return str(p.relative_to(ROOT.parent))


def test_the_layout_test_sees_the_files_it_guards() -> None:
    names = {_rel(p) for p in pure_files()}
    assert "warden/kernel/decision.py" in names
    assert "warden/pipeline/feature.py" in names
    assert all(p.exists() for p in pure_files())


@pytest.mark.parametrize("path", pure_files(), ids=_rel)
def test_pure_files_import_no_io(path: Path) -> None:
    bad = [f"{_rel(path)}:{line} imports {name}" for line, name in imports(path) if _under(name, IO)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", pure_files(), ids=_rel)
def test_pure_files_read_no_clock(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "datetime.now(" not in text and "time.time(" not in text, f"{_rel(path)} reads the wall clock"


@pytest.mark.parametrize("path", _files("kernel"), ids=_rel)
def test_the_kernel_imports_only_the_standard_library_pydantic_and_itself(path: Path) -> None:
    allowed = ("warden.kernel", "pydantic", "orjson")
    bad = [
        f"{_rel(path)}:{line} imports {name}"
        for line, name in imports(path)
        if name.startswith("warden") and not _under(name, allowed)
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", _files("kernel") + _files("pipeline"), ids=_rel)
def test_the_kernel_and_the_pipeline_import_no_feature(path: Path) -> None:
    bad = [f"{_rel(path)}:{line} imports {name}" for line, name in imports(path) if _under(name, FEATURES)]
    if path.name == "ingest.py":  # the use case reads and writes through the core adapters (no feature's)
        bad = [b for b in bad if not _under(b.split(" imports ")[1], ("warden.adapters",))]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", _slice_files(*SLICE_PURE), ids=_rel)
def test_pure_slice_files_import_no_store_service_or_feature(path: Path) -> None:
    impure = tuple(f"warden.{name}.{role}" for name in SLICES for role in ("store", *SERVICE_ROLES, *EDGE_ROLES))
    bad = [f"{_rel(path)}:{line} imports {name}" for line, name in imports(path) if _under(name, impure)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", _slice_files(*SERVICE_ROLES, *EDGE_ROLES), ids=_rel)
def test_only_a_slices_store_speaks_sql(path: Path) -> None:
    bad = [
        f"{_rel(path)}:{line} imports {name}"
        for line, name in imports(path)
        if _under(name, ("sqlalchemy", "warden.adapters.tables"))
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", _slice_files(*EDGE_ROLES), ids=_rel)
def test_a_slices_edges_call_services_not_the_store(path: Path) -> None:
    stores = (*(f"warden.{name}.store" for name in SLICES), "warden.adapters.store")
    bad = [f"{_rel(path)}:{line} imports {name}" for line, name in imports(path) if _under(name, stores)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", [p for name in SLICES for p in _files(name)], ids=_rel)
def test_a_slice_imports_no_other_feature_slice(path: Path) -> None:
    own = _rel(path).split("/")[1]
    others = tuple(f"warden.{name}" for name in ("weight", "unblock", "appeals", "usage_policy", "word_lists"))
    bad = [
        f"{_rel(path)}:{line} imports {name}"
        for line, name in imports(path)
        if _under(name, others) and not _under(name, (f"warden.{own}",))
    ]
    assert not bad, "\n".join(bad)
