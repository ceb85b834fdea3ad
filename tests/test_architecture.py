"""The layers of the code base, checked by reading every module's imports (no code is run).

The dependencies point one way (docs/architecture.md)::

    model, data, sources, stats  ->  engines  ->  analysis  ->  render, cli, api

and a private name (``_x``, or anything inside a private module ``_x.py``) belongs to the
package that holds it: that package and its subpackages may use it, nobody else.  The
helpers below are also the measuring stick quoted in commit messages (run this file as a
script to print the counts).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("journeymap", "api")

#: (importer prefix, owner of the private name) → why it is allowed for now.
ALLOWED_PRIVATE: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    """One imported name: ``from target import name`` (``name`` empty for ``import target``)."""

    importer: str
    target: str
    name: str
    line: int
    at_import_time: bool  # module level and not under ``if TYPE_CHECKING:``
    type_only: bool  # under ``if TYPE_CHECKING:``


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the packages by dotted name (``journeymap.engines._base`` → path)."""
    out: dict[str, Path] = {}
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            parts = list(rel.parts)
            if "migrations" in parts:  # Alembic scripts are run by Alembic, not imported
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _is_package(name: str, files: dict[str, Path]) -> bool:
    return files[name].name == "__init__.py"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(body: list[ast.stmt], *, top: bool, type_only: bool) -> Iterator[tuple[ast.stmt, bool,
                                                                                    bool]]:
    """Import statements with (executed at import time, only for type checking)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, top and not type_only, type_only
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _walk(node.body, top=top, type_only=True)
            yield from _walk(node.orelse, top=top, type_only=type_only)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk(node.body, top=False, type_only=type_only)  # type: ignore[arg-type]
        elif isinstance(node, ast.ClassDef):
            yield from _walk(node.body, top=top, type_only=type_only)
        else:
            for name in ("body", "orelse", "finalbody", "handlers"):
                sub = getattr(node, name, None)
                if isinstance(sub, list) and sub and isinstance(sub[0],
                                                                ast.stmt | ast.excepthandler):
                    yield from _walk(sub, top=top, type_only=type_only)


def imports(files: dict[str, Path] | None = None) -> list[Import]:
    """Every import of a package module from another package module, resolved to absolute names."""
    files = module_files() if files is None else files
    found: list[Import] = []
    for mod, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        package = mod if _is_package(mod, files) else mod.rpartition(".")[0]
        for node, at_import, type_only in _walk(tree.body, top=True, type_only=False):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in PACKAGES:
                        found.append(Import(mod, alias.name, "", node.lineno, at_import,
                                            type_only))
                continue
            assert isinstance(node, ast.ImportFrom)
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] not in PACKAGES:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in files:  # ``from pkg import submodule``
                    found.append(Import(mod, sub, "", node.lineno, at_import, type_only))
                else:
                    found.append(Import(mod, target, alias.name, node.lineno, at_import,
                                        type_only))
    return found


def _private(part: str) -> bool:
    return part.startswith("_") and not part.startswith("__")


def private_owner(imp: Import, files: dict[str, Path]) -> str | None:
    """The package a private import belongs to, or None when nothing private is imported."""
    parts = imp.target.split(".")
    for i, part in enumerate(parts):
        if _private(part):
            return ".".join(parts[:i])
    if imp.name and _private(imp.name):
        return imp.target if _is_package(imp.target, files) else imp.target.rpartition(".")[0]
    return None


def private_cross_imports(found: list[Import] | None = None,
                          files: dict[str, Path] | None = None) -> list[Import]:
    """Imports of a private name by a module outside the package that owns the name."""
    files = module_files() if files is None else files
    found = imports(files) if found is None else found
    out = []
    for imp in found:
        owner = private_owner(imp, files)
        if owner is not None and not (imp.importer == owner
                                      or imp.importer.startswith(owner + ".")):
            out.append(imp)
    return out


def _allowed(imp: Import, files: dict[str, Path]) -> bool:
    owner = private_owner(imp, files)
    return any((imp.importer == who or imp.importer.startswith(who + ".")) and owner == whose
               for who, whose in ALLOWED_PRIVATE)


def import_time_cycles(found: list[Import] | None = None,
                       files: dict[str, Path] | None = None) -> list[list[str]]:
    """Groups of modules that import each other (directly or round a loop) at import time.

    The strongly connected components (Tarjan) with more than one module of the graph
    "module imports module at module level"; ``from pkg import name`` counts as an import
    of ``pkg`` (or of ``pkg.name`` when that is a module).
    """
    files = module_files() if files is None else files
    found = imports(files) if found is None else found
    graph: dict[str, set[str]] = {m: set() for m in files}
    for imp in found:
        if imp.at_import_time and imp.target in files and imp.target != imp.importer:
            graph[imp.importer].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    comps: list[list[str]] = []
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return sorted(comps)


#: The data layer: maps, survey data, sufficient statistics and the numerical helpers.
DATA_LAYER = ("journeymap.exceptions", "journeymap.limits", "journeymap.jsonsafe",
              "journeymap.lstsq", "journeymap.model", "journeymap._mapfile",
              "journeymap._validate", "journeymap.data", "journeymap.responses",
              "journeymap.nps", "journeymap.stats", "journeymap.summary", "journeymap.headroom",
              "journeymap.checkstats", "journeymap.paths", "journeymap.sources")
ABOVE_DATA = ("journeymap.engines", "journeymap.analysis", "journeymap.render", "journeymap.cli")

#: (rule, importers, what they may not import)
LAYERS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("journeymap never imports the service", ("journeymap",), ("api", "journeymap_api")),
    ("the data layer and the sources never import engines, analysis, render or the CLI",
     DATA_LAYER, ABOVE_DATA),
    ("engines never import analysis, render or the CLI", ("journeymap.engines",),
     ABOVE_DATA[1:]),
    ("analysis never imports render or the CLI", ("journeymap.analysis",), ABOVE_DATA[2:]),
]


def _inside(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def layer_violations(found: list[Import] | None = None) -> list[tuple[str, Import]]:
    """Imports (at any place, type-only included) that point against the layers."""
    found = imports() if found is None else found
    return [(rule, imp) for rule, importers, forbidden in LAYERS for imp in found
            if _inside(imp.importer, importers) and _inside(imp.target, forbidden)]


def _show(imp: Import) -> str:
    what = f"{imp.target}.{imp.name}" if imp.name else imp.target
    return f"{imp.importer}:{imp.line} imports {what}"


# --------------------------------------------------------------------------- the checks


def test_the_import_reader_resolves_relative_imports_and_submodules() -> None:
    found = imports()
    got = {(i.importer, i.target, i.name) for i in found}
    assert ("journeymap.engines.linear", "journeymap.engines.result", "FitResult") in got
    assert ("journeymap.engines._base", "journeymap.exceptions", "JourneymapError") in got
    assert len(module_files()) > 50
    assert all(m in module_files() for m in DATA_LAYER + ABOVE_DATA)  # the lists do not rot


def test_the_library_never_imports_the_service_and_layers_point_one_way() -> None:
    bad = layer_violations()
    assert not bad, "\n".join(f"{rule}: {_show(imp)}" for rule, imp in bad)


def test_no_module_imports_a_private_name_of_another_package() -> None:
    files = module_files()
    bad = [imp for imp in private_cross_imports(files=files) if not _allowed(imp, files)]
    assert not bad, "\n".join(_show(imp) for imp in bad)


def test_no_import_cycles_at_import_time() -> None:
    cycles = import_time_cycles()
    assert not cycles, "\n".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("owner_check", [
    (Import("journeymap.analysis.trend", "journeymap.engines._base", "FitResult", 1, True, False),
     "journeymap.engines"),
    (Import("api.results", "journeymap.analysis.segments", "_frame", 1, True, False),
     "journeymap.analysis"),
    (Import("journeymap.engines.linear", "journeymap", "_x", 1, True, False), "journeymap"),
    (Import("journeymap.engines.linear", "journeymap.stats", "gram", 1, True, False), None),
])
def test_a_private_name_belongs_to_the_package_that_holds_it(
        owner_check: tuple[Import, str | None]) -> None:
    imp, owner = owner_check
    assert private_owner(imp, module_files()) == owner


def test_the_checks_find_a_cycle_a_private_import_and_a_layer_break(tmp_path: Path) -> None:
    pkg = tmp_path / "journeymap"
    for sub in ("", "engines", "sources", "analysis"):
        (pkg / sub).mkdir(exist_ok=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("from .a import x\n\ndef f():\n    from .c import y\n")
    (pkg / "c.py").write_text("from .b import f\n")  # b imports c only when f runs: no cycle
    (pkg / "engines" / "_base.py").write_text("from typing import TYPE_CHECKING\n"
                                              "if TYPE_CHECKING:\n    from ..a import x\n")
    (pkg / "sources" / "s.py").write_text("def g():\n    from ..engines._base import z\n")
    (pkg / "analysis" / "t.py").write_text("from journeymap.engines import _base\n")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "__init__.py").write_text("")
    files = module_files(tmp_path)
    found = imports(files)
    assert import_time_cycles(found, files) == [["journeymap.a", "journeymap.b"]]
    assert {(i.importer, i.target, i.name) for i in private_cross_imports(found, files)} == {
        ("journeymap.sources.s", "journeymap.engines._base", "z"),
        ("journeymap.analysis.t", "journeymap.engines._base", "")}
    assert [(rule, i.importer) for rule, i in layer_violations(found)] == [
        ("the data layer and the sources never import engines, analysis, render or the CLI",
         "journeymap.sources.s")]


if __name__ == "__main__":
    all_imports = imports()
    priv = private_cross_imports(all_imports)
    cyc = import_time_cycles(all_imports)
    lay = layer_violations(all_imports)
    print(f"modules: {len(module_files())}  imports: {len(all_imports)}")
    print(f"private cross-package imports: {len(priv)}")
    for imp in priv:
        print("  ", _show(imp))
    print(f"import-time cycles: {len(cyc)}")
    for c in cyc:
        print("  ", " <-> ".join(c))
    print(f"layer violations: {len(lay)}")
    for rule, imp in lay:
        print("  ", rule, ":", _show(imp))
