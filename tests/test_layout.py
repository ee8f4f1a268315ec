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
    "warden.weight",
    "warden.unblock",
    "warden.appeals",
    "warden.usage_policy",
    "warden.word_lists",
    "warden.policy_versions",
    "warden.enforcement",
)
"""What the kernel and the pipeline may not import: feature code, services, adapters and edges."""

PIPELINE_PURE = ("feature.py", "batch.py", "ports.py", "effects.py", "context.py", "engine.py")
"""The pipeline's pure files; `ingest.py` is the use case (it reads and writes through the store)."""


def _files(*parts: str) -> list[Path]:
    base = ROOT.joinpath(*parts)
    return sorted(base.rglob("*.py")) if base.is_dir() else ([base] if base.exists() else [])


def pure_files() -> list[Path]:
    out = _files("kernel")
    out += [ROOT / "pipeline" / f for f in PIPELINE_PURE]
    out += [ROOT / "policy.py"]  # the policy file schema (reading the file is adapters/policy_file.py)
    out += [p for p in _files("enforcement") if p.stem in SLICE_PURE or p.parent.name == "rules"]
    return out


SLICE_PURE = ("policy", "model", "rules", "state", "scoring", "cascade", "texts", "access", "views", "explain")
"""Pure file roles inside a slice (and every file under a slice's `rules/`)."""

OTHER_SLICES = tuple(f for f in FEATURES if f not in ("warden.enforcement", "warden.app", "warden.bootstrap"))
"""What the core feature may not import: the other feature slices, services, edges and adapters (its service files
may use the core adapters)."""


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


# --- feature slices (`warden/<slice>/`): each file's role is its name (see docs/ARCHITECTURE.md, "File roles") ---

SLICES = ("enforcement", "weight", "unblock", "appeals", "usage_policy", "word_lists", "policy_versions")
PURE_ROLES = (*SLICE_PURE, "uploads", "detectors")
"""Pure roles (a `rules/` package too): stdlib, pydantic, the kernel, the pipeline's pure files, `screening.base`
and the slice's own pure files only."""
ADAPTER_ROLES = ("store", "context", "notifier", "document_store", "senders")
"""I/O a slice owns: its SQL (`store`), its transaction helper (`context`), its outbound ports and their senders."""
EDGE_ROLES = ("http", "cli")
TOOL_ROLES = ("bench",)
"""Benchmarks print with rich and may time a slice's store directly; they still speak no SQL themselves."""
EDGE_IO = ("fastapi", "starlette", "typer", "rich")
PURE_WARDEN = (
    "warden.kernel",
    "warden.policy",  # the policy file schema (pure: each slice's pure `policy.py`)
    *(f"warden.pipeline.{f.removesuffix('.py')}" for f in PIPELINE_PURE),
)


def _role(path: Path) -> str:
    rel = path.relative_to(ROOT).parts
    return rel[1] if len(rel) > 2 else path.stem  # a sub-package (`rules/…`) takes its folder's role


def slice_files() -> list[Path]:
    return [p for s in SLICES for p in _files(s) if p.name != "__init__.py"]


def _pure_module(name: str) -> bool:
    if _under(name, (*PURE_WARDEN, "warden.screening.base")):
        return True
    parts = name.split(".")
    return len(parts) >= 3 and parts[1] in SLICES and parts[2] in PURE_ROLES


@pytest.mark.parametrize("path", [p for p in slice_files() if _role(p) in PURE_ROLES], ids=_rel)
def test_a_slices_pure_files_import_no_io_and_only_pure_warden_modules(path: Path) -> None:
    found = imports(path)
    bad = [f"{_rel(path)}:{line} imports {name}" for line, name in found if _under(name, IO)]
    own = path.relative_to(ROOT).parts[0]
    bad += [
        f"{_rel(path)}:{line} imports {name}"
        for line, name in found
        if name.startswith("warden")
        and not (_pure_module(name) or _pure_module(name.rsplit(".", 1)[0]) or name == f"warden.{own}")
    ]
    text = path.read_text(encoding="utf-8")
    assert "datetime.now(" not in text and "time.time(" not in text, f"{_rel(path)} reads the wall clock"
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", slice_files(), ids=_rel)
def test_a_slices_service_and_edge_files_leave_sql_to_its_store(path: Path) -> None:
    role = _role(path)
    if role in PURE_ROLES or role in ADAPTER_ROLES:
        return
    found = imports(path)
    banned: tuple[str, ...] = ("sqlalchemy", "warden.adapters.tables")
    if role in EDGE_ROLES:  # edges call services, never a store
        banned += (*(f"warden.{s}.store" for s in SLICES), "warden.adapters.store")
    elif role not in TOOL_ROLES:
        banned += EDGE_IO
    bad = [f"{_rel(path)}:{line} imports {name}" for line, name in found if _under(name, banned)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", [p for p in slice_files() if _role(p) == "store"], ids=_rel)
def test_a_slices_store_imports_no_edge(path: Path) -> None:
    bad = [f"{_rel(path)}:{line} imports {name}" for line, name in imports(path) if _under(name, EDGE_IO)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", slice_files(), ids=_rel)
def test_a_slice_imports_no_other_feature_slice(path: Path) -> None:
    own = path.relative_to(ROOT).parts[0]
    others = tuple(f"warden.{s}" for s in SLICES if s not in (own, "enforcement"))
    bad = [f"{_rel(path)}:{line} imports {name}" for line, name in imports(path) if _under(name, others)]
    assert not bad, "\n".join(bad)


def test_the_slice_rules_see_the_appeals_files() -> None:
    roles = {_role(p) for p in slice_files() if p.parts[-2] == "appeals"}
    assert {"model", "policy", "texts", "access", "views", "store", "http", "cli", "decisions"} <= roles


def test_the_slice_rules_see_the_weight_files() -> None:
    roles = {_role(p) for p in slice_files() if p.parts[-2] == "weight"}
    assert {"policy", "state", "scoring", "cascade", "texts", "store", "feature", "service", "http", "cli"} <= roles


def test_the_enforcement_slice_sees_its_pure_files() -> None:
    names = {_rel(p) for p in pure_files()}
    for f in ("policy.py", "texts.py", "explain.py", "rules/contacts.py", "rules/__init__.py"):
        assert f"warden/enforcement/{f}" in names
    assert "warden/policy.py" in names and "warden/pipeline/engine.py" in names


@pytest.mark.parametrize("path", _files("enforcement"), ids=_rel)
def test_the_core_feature_imports_no_other_feature(path: Path) -> None:
    """Other slices' texts and services are injected (bootstrap), never imported: enforcement knows no feature."""
    allowed: tuple[str, ...] = ()
    if path.stem not in PURE_ROLES and path.parent.name != "rules":
        allowed = ("warden.adapters",)  # service files use the core adapters
    if path.stem == "cli" or "http" in path.parts:  # edges use the edge plumbing (until warden/edge exists)
        allowed += (
            "warden.entrypoints.http.deps",
            "warden.entrypoints.http.problems",
            "warden.entrypoints.http.group_commit",
            "warden.entrypoints.cli.main",
            "warden.entrypoints.cli.options",
        )
    bad = [
        f"{_rel(path)}:{line} imports {name}"
        for line, name in imports(path)
        if _under(name, OTHER_SLICES) and not _under(name, allowed)
    ]
    assert not bad, "\n".join(bad)


# --- tools over the library: the demo (`warden/demo/`) and the benchmarks (`warden/bench/`) ---

TOOLS = ("warden.demo", "warden.bench")
"""The demo and the benchmarks: the CLI registers their commands (`entrypoints/cli/main.py`); nothing else in the
library imports them. A benchmark is a tool role: it may load fixtures and time baselines through a store or the
raw driver (sqlalchemy). The demo plays a story through the services only."""
STORES = ("warden.adapters.store", *(f"warden.{s}.store" for s in SLICES))


def test_the_layout_test_sees_the_tools() -> None:
    demo = {p.name for p in _files("demo")}
    bench = {p.name for p in _files("bench")}
    assert {"base.py", "run.py", "cli.py", "enforcement.py", "weight.py", "appeals.py"} <= demo
    assert {"cli.py", "ingest.py", "quality.py", "screen.py", "corpus.py", "weight.py"} <= bench


@pytest.mark.parametrize("path", _files("demo"), ids=_rel)
def test_the_demo_calls_services_only(path: Path) -> None:
    banned = ("sqlalchemy", "warden.adapters.tables", *STORES)
    bad = [f"{_rel(path)}:{line} imports {name}" for line, name in imports(path) if _under(name, banned)]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    bad += [
        f"{_rel(path)}:{node.lineno} reaches for the engine (call a service)"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "engine"
    ]
    assert not bad, "\n".join(bad)


def test_no_library_file_imports_the_demo_or_the_benchmarks() -> None:
    library = [p for p in ROOT.rglob("*.py") if p.relative_to(ROOT).parts[0] not in ("demo", "bench")]
    bad = [
        f"{_rel(path)}:{line} imports {name}"
        for path in library
        if _rel(path) != "warden/entrypoints/cli/main.py"  # registers their commands
        for line, name in imports(path)
        if _under(name, TOOLS)
    ]
    assert not bad, "\n".join(bad)
