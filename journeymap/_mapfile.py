"""Read map files (YAML or JSON) while remembering the line of every field.

The parser returns plain Python data plus a :class:`LineIndex` that maps a path
such as ``("edges", 3, "to")`` to its 1-based line, so that validation messages can
say *where* a facilitator has to look.  JSON is read with :mod:`json` (strict) and
its lines are recovered with the YAML composer, which accepts JSON documents.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .exceptions import MapValidationError

Path_ = tuple[str | int, ...]

MAX_MAP_BYTES = 5_000_000


@dataclass
class LineIndex:
    """1-based line numbers of the values of a parsed document, by path."""

    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, *path: str | int) -> int | None:
        """Line of ``path``, or of its nearest parent that has one."""
        key: Path_ = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)


def _index(node: yaml.Node, path: Path_, out: dict[Path_, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            _index(value_node, (*path, key), out)
            # A field's own line is where its key stands.
            out[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), out)


def _line_index(text: str) -> LineIndex:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return LineIndex()
    out: dict[Path_, int] = {}
    if root is not None:
        _index(root, (), out)
    return LineIndex(out)


def _yaml_problem(source: str, exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    start = getattr(exc, "context_mark", None)
    if context and start is not None and (mark is None or start.line != mark.line):
        context = f"{context} that starts at line {start.line + 1}"
    detail = f"{context}, {problem}" if context else problem
    return (
        f"{where}: this is not valid YAML ({detail}). Check the indentation and that "
        "every list item starts with '- ' and every field with 'name: value'."
    )


def parse_map_text(text: str, source: str = "<map>") -> tuple[Any, LineIndex]:
    """Parse the text of a map file; JSON when it starts with ``{``, else YAML."""
    if not text.strip():
        raise MapValidationError(f"{source}: the map file is empty; see docs/map-format.md.")
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MapValidationError(
                f"{source}, line {exc.lineno}, column {exc.colno}: this is not valid JSON "
                f"({exc.msg})."
            ) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise MapValidationError(_yaml_problem(source, exc)) from None
    if not isinstance(data, Mapping):
        raise MapValidationError(
            f"{source}: a map file must be a mapping with 'outcome', 'nodes' and 'edges' "
            f"at the top, not {type(data).__name__}."
        )
    # JSON may be indented with tabs, which YAML refuses; outside strings (where JSON
    # allows no raw tabs) a space is equivalent, so the line numbers stay the same.
    is_json = text.lstrip().startswith("{")
    return data, _line_index(text.replace("\t", " ") if is_json else text)


def read_map_file(path: str | Path) -> tuple[Any, LineIndex, str]:
    """Read and parse a map file; returns (data, lines, source name)."""
    p = Path(path)
    source = str(path)
    if not p.exists():
        raise MapValidationError(f"{source}: no such map file.")
    if p.is_dir():
        raise MapValidationError(f"{source}: is a folder, not a map file.")
    size = p.stat().st_size
    if size > MAX_MAP_BYTES:
        raise MapValidationError(
            f"{source}: the file is {size:,} bytes; a map file is at most {MAX_MAP_BYTES:,}."
        )
    raw = p.read_bytes()
    if b"\x00" in raw:
        raise MapValidationError(
            f"{source}: this is a binary file, not a YAML or JSON map (it contains NUL bytes)."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MapValidationError(
            f"{source}: the file is not UTF-8 text (byte {exc.start}); save it as UTF-8."
        ) from None
    data, lines = parse_map_text(text, source)
    return data, lines, source
