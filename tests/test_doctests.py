"""The examples in the documentation run: every docstring example of the library and of the
service, and the Python examples of README.md and docs/*.md.

Docstring examples are found by walking the packages (``pkgutil.walk_packages``), so a new
module's examples run without being listed anywhere.  The modules are found by reading their
source for ``>>>`` (nothing is imported while collecting) and imported only by their own test;
a module whose examples need an optional package (pyspark, pgmpy …) is skipped when that
package is absent.

A Markdown example runs when it is a ```` ```python ```` block; the blocks of one page run in
order in one namespace, in a temporary folder holding a copy of ``examples/``.  A block that is
not meant to run (it needs a Spark cluster, say) is preceded by the comment line
``<!-- not run: REASON -->``.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("journeymap", "api")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
NOT_RUN = re.compile(r"^<!--\s*not run:\s*\S.*-->\s*$")
# Optional packages a module's examples may need; the test is skipped without them.
OPTIONAL = ("pyspark", "pgmpy", "fastapi", "sqlalchemy", "duckdb", "pyarrow", "openpyxl")


def _module_files(package: str) -> Iterator[tuple[str, Path]]:
    """(module name, source file) of every module of ``package``, found without importing."""
    root = ROOT / package
    yield package, root / "__init__.py"
    for info in pkgutil.walk_packages([str(root)], prefix=f"{package}."):
        if info.ispkg:
            yield info.name, root.joinpath(*info.name.split(".")[1:], "__init__.py")
        else:
            yield info.name, root.joinpath(*info.name.split(".")[1:]).with_suffix(".py")


def _modules_with_examples() -> list[str]:
    found = []
    for package in PACKAGES:
        for name, path in _module_files(package):
            if "migrations" in name.split("."):
                continue
            if ">>>" in path.read_text(encoding="utf-8"):
                found.append(name)
    return sorted(found)


MODULES = _modules_with_examples()


def _import(name: str) -> object:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] in OPTIONAL:
            pytest.skip(f"{name} needs {error.name}, which is not installed")
        raise


def test_the_walk_finds_the_modules_known_to_have_examples() -> None:
    # A sample of modules with examples today: if the walk missed subpackages or private
    # modules, these would be absent.
    expected = {"journeymap", "journeymap.nps", "journeymap.model", "journeymap.sources",
                "journeymap.analysis.power", "journeymap.engines.bayesnet",
                "journeymap.analysis._implications"}
    assert expected <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    module = _import(name)
    monkeypatch.chdir(ROOT)  # examples read examples/kitchen_b2b.* like a user in the repo
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS, verbose=False)
    tests = [t for t in finder.find(module, name) if t.examples]
    for test in tests:
        for example in test.examples:
            needs = {m for m in OPTIONAL if re.search(rf"\b(import|from) {m}\b", example.source)}
            for optional in needs:
                pytest.importorskip(optional)
        runner.run(test)
    outcome = runner.summarize(verbose=False)
    assert outcome.attempted > 0, f"{name} has '>>>' in its source but no example ran"
    assert outcome.failed == 0


# ------------------------------------------------------------------ Markdown examples
def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def python_blocks(text: str) -> list[tuple[int, str, bool]]:
    """(line, code, runs) of every ```python block of a Markdown text."""
    lines = text.splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            start = i
            previous = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            i += 1
            body = []
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            blocks.append((start + 1, "\n".join(body) + "\n", not NOT_RUN.match(previous.strip())))
        i += 1
    return blocks


def test_the_block_reader_finds_blocks_and_the_not_run_comment() -> None:
    text = ("Intro\n\n```python\nx = 1\n```\n\n<!-- not run: needs a cluster -->\n"
            "```python\ny = 2\n```\n```bash\nls\n```\n")
    assert python_blocks(text) == [(3, "x = 1\n", True), (8, "y = 2\n", False)]


PAGES_WITH_CODE = [p for p in _pages() if python_blocks(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_python_examples_of_the_docs_run(page: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks(page.read_text(encoding="utf-8"))
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    ran = 0
    for line, code, runs in blocks:
        if not runs:
            continue
        exec(compile(code, f"{page.name}, line {line}", "exec"), namespace)
        ran += 1
    if ran == 0:
        pytest.skip(f"every example of {page.name} is marked 'not run'")
