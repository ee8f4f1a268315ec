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
    return out


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


# --- feature slices (warden/<slice>/): file roles, see LAYOUT.md "File roles and import rules" ------------------

SLICES = ("usage_policy", "word_lists")
"""Feature packages laid out by file role; each slice's restructure adds its name."""

PURE_ROLES = ("policy", "model", "rules", "state", "scoring", "texts", "access", "views", "uploads", "detectors")
EDGE_ROLES = ("http", "cli")
PURE_SHARED = ("warden.kernel", "warden.pipeline.batch", "warden.pipeline.context", "warden.pipeline.ports")
PURE_SHARED += ("warden.screening.base",)


FORBIDDEN: dict[str, tuple[str, ...]] = {
    "store": ("fastapi", "starlette", "typer", "rich", "warden.entrypoints"),
    "service": (
        *("sqlalchemy", "fastapi", "starlette", "typer", "rich", "os", "warden.entrypoints"),
        *("warden.adapters.tables", "warden.adapters.database"),
    ),
    "edge": ("sqlalchemy", "warden.adapters.tables"),
    "__init__": ("warden",),
}
"""What each non-pure role may not import (an edge may not import its slice's store either)."""


def _role(path: Path) -> str:
    stem = path.stem
    if stem.startswith("rules") or path.parent.name == "rules":
        return "pure"
    if stem in PURE_ROLES:
        return "pure"
    if stem in EDGE_ROLES:
        return "edge"
    if stem in ("store", "__init__"):
        return stem
    return "service"  # services and feature.py


def slice_files() -> list[Path]:
    return [p for s in SLICES for p in _files(s)]


def _slice_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)


@pytest.mark.parametrize("path", slice_files(), ids=_rel)
def test_slice_files_keep_to_their_role(path: Path) -> None:
    role, own = _role(path), f"warden.{_slice_of(path)}"
    pure_siblings = tuple(_module(p) for p in _files(_slice_of(path)) if _role(p) == "pure")
    bad = []
    for line, name in imports(path):
        where = f"{_rel(path)}:{line} ({role}) imports {name}"
        if role == "pure":
            outside = name.startswith("warden") and name != own and not _under(name, (*PURE_SHARED, *pure_siblings))
            if _under(name, IO) or outside:
                bad.append(where)
        elif _under(name, FORBIDDEN[role]) or (role == "edge" and _under(name, (f"{own}.store",))):
            bad.append(where)
        other = [s for s in SLICES if s != _slice_of(path) and _under(name, (f"warden.{s}",))]
        if other:
            bad.append(f"{_rel(path)}:{line} imports another feature slice: {name}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", [p for p in slice_files() if _role(p) == "pure"], ids=_rel)
def test_pure_slice_files_read_no_clock(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "datetime.now(" not in text and "time.time(" not in text, f"{_rel(path)} reads the wall clock"


def test_a_slice_is_a_package_of_roles() -> None:
    for s in SLICES:
        names = {p.stem for p in _files(s)}
        assert {"__init__", "store", "feature", "http"} <= names, s
