"""The wheel's layout: the service folder ``api/`` is installed as ``journeymap_api``.

docs/architecture.md ("The service's import name") explains why: a top-level ``api``
package would silently overwrite, or be overwritten by, any other distribution that
ships one.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def _folders_with_init(folder: str, name: str) -> set[str]:
    out = set()
    for init in (ROOT / folder).rglob("__init__.py"):
        rel = init.parent.relative_to(ROOT / folder).parts
        out.add(".".join((name, *rel)))
    return out


def test_the_listed_packages_are_exactly_the_folders_that_hold_an_init_file() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    on_disk = _folders_with_init("journeymap", "journeymap") | _folders_with_init(
        "api", "journeymap_api")
    assert listed == on_disk


def test_the_service_folder_is_installed_under_its_own_name() -> None:
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"journeymap_api": "api"}
    assert "journeymap_api" in PYPROJECT["tool"]["setuptools"]["package-data"]
    entry = PYPROJECT["project"]["entry-points"]["journeymap.cli"]["api"]
    assert entry == "journeymap_api.cli:register"


def test_the_installed_entry_point_names_the_service_package() -> None:
    points = metadata.entry_points(group="journeymap.cli")
    assert [p.value for p in points if p.name == "api"] == ["journeymap_api.cli:register"]


def test_code_in_the_service_folder_imports_its_own_modules_relatively() -> None:
    absolute = []
    for path in sorted((ROOT / "api").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0
                     else [])
            absolute += [f"{path.relative_to(ROOT)}:{node.lineno}" for n in names
                         if n == "api" or n.startswith(("api.", "journeymap_api"))]
    assert absolute == []


def test_the_service_is_imported_once_under_one_name() -> None:
    code = ("import sys, journeymap_api.main, journeymap_api.cli; "
            "print(sorted(m for m in sys.modules if m == 'api' or m.startswith('api.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd="/", check=True)
    assert out.stdout.strip() == "[]"


def test_tests_and_benchmarks_import_the_service_by_its_installed_name() -> None:
    wrong = []
    for folder in ("tests", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module or ""] if isinstance(node, ast.ImportFrom)
                         and node.level == 0 else [])
                wrong += [f"{path.relative_to(ROOT)}:{node.lineno}" for n in names
                          if n == "api" or n.startswith("api.")]
    assert wrong == []
