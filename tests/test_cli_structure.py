"""The command-line package stays layered: its modules import each other without a cycle,
never import the package itself, and never import private names of another module."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import journeymap.cli

PACKAGE = Path(journeymap.cli.__file__).parent


def _imports() -> dict[str, list[tuple[str, list[str], bool]]]:
    """Per module: (imported module within the package, names, inside a function?)."""
    found: dict[str, list[tuple[str, list[str], bool]]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_function = {id(n) for f in ast.walk(tree)
                       if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                       for n in ast.walk(f)}
        rows = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names = [a.name for a in node.names]
                targets = [node.module] if node.module else names
                rows += [(t, names if node.module else [], id(node) in in_function)
                         for t in targets]
        found[path.stem] = rows
    return found


def test_the_cli_modules_import_each_other_without_a_cycle() -> None:
    graph = nx.DiGraph()
    for module, rows in _imports().items():
        graph.add_node(module)
        graph.add_edges_from((module, target) for target, _, _ in rows)
    assert list(nx.simple_cycles(graph)) == []
    assert set(graph.nodes) >= {"__init__", "_console", "_options", "fit", "maps", "cx",
                                "check", "demo"}


def test_no_cli_module_imports_the_package_or_imports_inside_a_function() -> None:
    imports = _imports()
    for module, rows in imports.items():
        for target, _, inside in rows:
            if module != "__main__":  # ``python -m journeymap.cli`` runs the package's main
                assert target in imports, (module, target)
                assert target != "__init__", module
            assert not inside, f"{module} imports .{target} inside a function"


def test_modules_share_only_public_names() -> None:
    private = [(module, target, name) for module, rows in _imports().items()
               for target, names, _ in rows for name in names if name.startswith("_")]
    assert private == []
