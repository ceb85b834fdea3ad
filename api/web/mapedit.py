"""Text helpers of the map editor: the lines named by problems, and the node/edge form.

The form appends YAML lines for people who do not write YAML: a node goes after the
last item of ``nodes:`` (before ``edges:``), an edge at the end of ``edges:``.  Each
line is a YAML flow mapping whose strings are JSON-quoted (JSON strings are valid
YAML), so a label with a colon or quotes stays one value.  Whether the result is a
valid map is the library's business: the editor validates it like any typed text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

__all__ = ["EdgeForm", "NodeForm", "add_edge", "add_node", "problem_lines"]

_LINE = re.compile(r"\bline (\d+)\b")
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_ITEM = re.compile(r"^(\s*)- ")


def problem_lines(problem: str) -> int | None:
    """The line a library message names first (``map.yaml, line 12: …`` → 12)."""
    m = _LINE.search(problem)
    return int(m.group(1)) if m else None


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _num(text: str) -> str:
    value = float(text)
    return str(int(value)) if value.is_integer() else repr(value)


@dataclass(frozen=True)
class NodeForm:
    """The fields of the "add a node" form (empty strings: not given)."""

    id: str
    kind: str
    label: str = ""
    column: str = ""
    scale_low: str = ""
    scale_high: str = ""
    stage: str = ""

    def line(self) -> str:
        parts = [f"id: {_q(self.id.strip())}", f"kind: {self.kind.strip()}"]
        if self.label.strip():
            parts.append(f"label: {_q(self.label.strip())}")
        if self.column.strip():
            parts.append(f"column: {_q(self.column.strip())}")
        if self.scale_low.strip() and self.scale_high.strip():
            parts.append(f"scale: [{_num(self.scale_low)}, {_num(self.scale_high)}]")
        if self.stage.strip():
            parts.append(f"stage: {_q(self.stage.strip())}")
        return "{" + ", ".join(parts) + "}"


@dataclass(frozen=True)
class EdgeForm:
    """The fields of the "add an edge" form."""

    source: str
    target: str
    share: str = ""
    expected: str = ""

    def line(self) -> str:
        parts = [f"from: {_q(self.source.strip())}", f"to: {_q(self.target.strip())}"]
        if self.share.strip():
            parts.append(f"share: {_num(self.share)}")
        if self.expected.strip() in ("+", "-"):
            parts.append(f"expected: {_q(self.expected.strip())}")
        return "{" + ", ".join(parts) + "}"


def _section(lines: list[str], key: str) -> tuple[int, int] | None:
    """``(start, end)``: the line index of ``key:`` and of the next top-level key (or EOF)."""
    start = next((i for i, line in enumerate(lines)
                  if (m := _TOP_KEY.match(line)) and m.group(1) == key), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if _TOP_KEY.match(lines[i])),
               len(lines))
    return start, end


def _insert_item(source: str, key: str, item: str) -> str:
    lines = source.splitlines()
    section = _section(lines, key)
    if section is None:
        while lines and not lines[-1].strip():
            lines.pop()
        lines += [f"{key}:", f"  - {item}"]
        return "\n".join(lines) + "\n"
    start, end = section
    items = [i for i in range(start + 1, end) if _ITEM.match(lines[i])]
    if items:
        last = items[-1]
        indent = _ITEM.match(lines[last]).group(1)  # type: ignore[union-attr]
        at = last + 1
        while at < end and lines[at].strip() and not _ITEM.match(lines[at]) \
                and not lines[at].lstrip().startswith("#"):
            at += 1  # the last item continues over several lines
    else:
        indent, at = "  ", start + 1
    lines.insert(at, f"{indent}- {item}")
    return "\n".join(lines) + "\n"


def add_node(source: str, node: NodeForm) -> str:
    """``source`` with ``node`` as the last item of ``nodes:`` (the section is made if absent)."""
    return _insert_item(source, "nodes", node.line())


def add_edge(source: str, edge: EdgeForm) -> str:
    """``source`` with ``edge`` as the last item of ``edges:`` (the section is made if absent)."""
    return _insert_item(source, "edges", edge.line())
