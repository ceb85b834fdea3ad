"""Read map files (YAML or JSON) safely, remembering the line of every field.

The parser returns plain Python data plus a :class:`LineIndex` that maps a path
such as ``("edges", 3, "to")`` to its 1-based line, so that validation messages can
say *where* a facilitator has to look.

Map files come from people the program cannot trust, so reading one is bounded
(docs/security.md, "Map files"): only regular files, at most ``MAX_MAP_BYTES`` read
whatever the file claims its size is, no control characters, and a YAML reader that
builds the document from the parser's events *without recursion*, refusing as soon as
the nesting is deeper than ``MAX_MAP_DEPTH``, aliases are more than
``MAX_MAP_ALIASES`` or the document, with every alias counted as the copy it stands
for, grows beyond ``MAX_MAP_ELEMENTS`` (a "billion laughs" is refused after a few
hundred events, not expanded).  Duplicate keys are refused with their line.  JSON is
read with :mod:`json` (strict) after the same depth and size checks; its lines are
recovered with the same YAML reader, which accepts JSON documents.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ._files import read_capped, regular_file_problem
from ._text import FILE_CONTROL, describe
from .exceptions import MapValidationError
from .limits import (
    MAX_MAP_ALIASES,
    MAX_MAP_BYTES,
    MAX_MAP_DEPTH,
    MAX_MAP_ELEMENTS,
)

Path_ = tuple[str | int, ...]

# libyaml (C) when PyYAML was built with it: the same documents, about 10 times faster.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


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


# ------------------------------------------------------------------ reading the file
def read_map_file(path: str | Path) -> tuple[Any, LineIndex, str]:
    """Read and parse a map file; returns (data, lines, source name)."""
    p = Path(path)
    source = str(path)
    problem = regular_file_problem(p)
    if problem == "no such file":
        raise MapValidationError(f"{source}: no such map file.")
    if problem is not None:
        if problem.startswith("is a folder"):
            raise MapValidationError(f"{source}: is a folder, not a map file.")
        raise MapValidationError(f"{source}: {problem}; give a map file (YAML or JSON) saved "
                                 "on disk.")
    try:
        raw = read_capped(p, MAX_MAP_BYTES)
    except OSError as exc:
        raise MapValidationError(f"{source}: cannot be read ({exc.strerror or exc}).") from None
    if len(raw) > MAX_MAP_BYTES:
        raise MapValidationError(
            f"{source}: the file is larger than {MAX_MAP_BYTES:,} bytes, the most a map file "
            "may have; a journey map is a short list of nodes and edges (see "
            "docs/map-format.md).")
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


# ------------------------------------------------------------------ parsing the text
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


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _check_text(text: str, source: str) -> None:
    if not text.strip():
        raise MapValidationError(f"{source}: the map file is empty; see docs/map-format.md.")
    if len(text) > MAX_MAP_BYTES or (len(text) * 4 > MAX_MAP_BYTES
                                     and len(text.encode("utf-8", "surrogatepass"))
                                     > MAX_MAP_BYTES):
        raise MapValidationError(
            f"{source}: the text is larger than {MAX_MAP_BYTES:,} bytes, the most a map may "
            "have; a journey map is a short list of nodes and edges (see docs/map-format.md).")
    found = FILE_CONTROL.search(text)
    if found:
        raise MapValidationError(
            f"{source}, line {_line_of(text, found.start())}: the text contains the control "
            f"character {describe(found.group())}; a map is plain text, so remove it (an "
            "editor may show it as a box or '^[').")


def _too_deep(source: str, line: int | None) -> MapValidationError:
    at = f"{source}, line {line}" if line else source
    return MapValidationError(
        f"{at}: the text is nested too deeply (more than {MAX_MAP_DEPTH} levels of lists "
        "and mappings); a journey map needs 4 (see docs/map-format.md).")


def _nesting(exc: yaml.YAMLError, source: str) -> None:
    """Raise the nesting message for libyaml's own depth limit (1,000 flow levels),
    which it meets while scanning ahead, before the composer sees the events."""
    if "nesting depth" in str(getattr(exc, "problem", "")):
        mark = getattr(exc, "problem_mark", None)
        raise _too_deep(source, mark.line + 1 if mark is not None else None) from None


def _too_many(source: str, line: int | None) -> MapValidationError:
    at = f"{source}, line {line}" if line else source
    return MapValidationError(
        f"{at}: the text expands to more than {MAX_MAP_ELEMENTS:,} elements (counting "
        "what every YAML alias stands for); a journey map is a short list of nodes and "
        "edges (see docs/map-format.md).")


_NO_KEY = object()  # a mapping waiting for its next key


class _Open:
    """A list or mapping being read: its value, where it is and how big it has grown."""

    __slots__ = ("anchor", "explicit", "index", "key", "key_line", "merges", "path", "size",
                 "start", "value")

    def __init__(self, value: list[Any] | dict[Any, Any], path: Path_, anchor: str | None,
                 start: int) -> None:
        self.value = value
        self.path = path
        self.anchor = anchor
        self.start = start
        self.size = 1
        self.index = 0
        self.key: Any = _NO_KEY
        self.key_line = 0
        self.explicit: dict[Any, int] = {}  # key -> line, for the duplicate check
        self.merges: list[tuple[Any, int]] = []


def _hashable(key: Any) -> Any:
    # 1, 1.0 and True are equal as dict keys; in a map file they are different fields.
    return (type(key).__name__, key) if isinstance(key, bool | int | float) else key


class _Reader:
    """Python data and a line index from the parser's events, in one pass.

    Unlike :func:`yaml.safe_load` this uses no recursion, stops at the first event
    beyond a limit (nesting, aliases, elements counted with aliases expanded), refuses
    an alias inside what it names (an endless document), duplicate keys and unknown
    tags, and never expands an alias: its value is shared, its size counted.
    """

    def __init__(self, text: str, source: str, *, construct: bool) -> None:
        self.text = text
        self.source = source
        self.construct = construct
        self.lines: dict[Path_, int] = {}
        self.anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, expanded size)
        self.open_anchors: set[str] = set()
        self.stack: list[_Open] = []
        self.expanded = 0
        self.aliases = 0
        self.root: Any = None
        self.scalars: dict[tuple[str, str], Any] = {}
        self.constructor = yaml.SafeLoader("")

    def problem(self, line: int, text: str) -> MapValidationError:
        return MapValidationError(f"{self.source}, line {line}: {text}")

    def count(self, n: int, line: int) -> None:
        self.expanded += n
        if self.expanded > MAX_MAP_ELEMENTS:
            raise _too_many(self.source, line)

    def scalar(self, event: Any, line: int) -> Any:
        value: str = event.value
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, value, event.implicit)
        if tag == _STR or not self.construct:
            return value
        key = (tag, value)
        if key not in self.scalars:
            node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark,
                                   style=event.style)
            try:
                self.scalars[key] = self.constructor.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError, TypeError, AttributeError,
                    OverflowError) as exc:
                shown = value if len(value) <= 40 else value[:40] + "…"
                why = getattr(exc, "problem", None) or str(exc)
                if "4300 digits" in why:
                    why = "a number of thousands of digits"
                raise self.problem(line, f"the value '{shown}' cannot be read ({why}); if it "
                                   "is text, put it in quotes.") from None
        return self.scalars[key]

    def place(self, value: Any, size: int, line: int, *, is_key_ok: bool = True) -> None:
        """Put a finished value into the open collection (or make it the document)."""
        if not self.stack:
            self.root = value
            self.lines[()] = line
            return
        parent = self.stack[-1]
        parent.size += size
        if isinstance(parent.value, list):
            self.lines[(*parent.path, parent.index)] = line
            parent.index += 1
            parent.value.append(value)
            return
        if parent.key is _NO_KEY:  # this value is a key
            if not is_key_ok:
                raise self.problem(line, "a list or mapping is used as a field name; field "
                                   "names are words like 'id' or 'label'.")
            parent.key = value
            parent.key_line = line
            return
        key, parent.key = parent.key, _NO_KEY
        if key is _MERGE_KEY:
            parent.merges.append((value, parent.key_line))
            return
        seen = parent.explicit
        if _hashable(key) in seen:
            name = str(key)
            raise self.problem(parent.key_line, f"the field '{name[:60]}' appears twice in "
                               f"the same mapping (first at line {seen[_hashable(key)]}); "
                               "keep one.")
        seen[_hashable(key)] = parent.key_line
        parent.value[key] = value
        # A field's own line is where its key stands.
        self.lines[(*parent.path, key if isinstance(key, str) else str(key))] = parent.key_line

    def child_path(self) -> Path_:
        if not self.stack:
            return ()
        parent = self.stack[-1]
        if isinstance(parent.value, list):
            return (*parent.path, parent.index)
        key = parent.key
        return (*parent.path, key if isinstance(key, str) else str(key))

    def close(self, done: _Open, line: int) -> Any:
        value = done.value
        if done.merges:
            merged: dict[Any, Any] = {}
            for merge, at in done.merges:
                for src in merge if isinstance(merge, list) else [merge]:
                    if not isinstance(src, dict):
                        raise self.problem(at, "'<<' merges a mapping (<<: *name), not a list "
                                           "or a value.")
                    for k, v in src.items():
                        merged.setdefault(k, v)
            merged.update(value)
            value = merged
        if done.anchor is not None:
            self.open_anchors.discard(done.anchor)
            self.anchors[done.anchor] = (value, done.size)
        return value

    def read(self) -> tuple[Any, LineIndex]:
        self.loader: Any = _Loader(self.text)  # PyYAML's event API has no annotations
        try:
            return self._read()
        finally:
            self.loader.dispose()

    def _read(self) -> tuple[Any, LineIndex]:
        loader = self.loader
        loader.get_event()  # StreamStartEvent
        if loader.check_event(yaml.StreamEndEvent):
            return None, LineIndex({})
        loader.get_event()  # DocumentStartEvent
        stack = self.stack
        while True:
            event: Any = loader.get_event()
            kind = type(event)
            line = event.start_mark.line + 1
            if kind is yaml.ScalarEvent:
                self.count(1, line)
                awaiting_key = bool(stack) and isinstance(stack[-1].value, dict) \
                    and stack[-1].key is _NO_KEY
                if awaiting_key and event.value == "<<" and event.tag is None \
                        and event.implicit[0]:
                    value = _MERGE_KEY  # plain '<<': a YAML merge
                else:
                    value = self.scalar(event, line)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, 1)
                self.place(value, 1, line)
            elif kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
                if len(stack) >= MAX_MAP_DEPTH:
                    raise _too_deep(self.source, line)
                self.count(1, line)
                tag = event.tag
                is_seq = kind is yaml.SequenceStartEvent
                if tag is not None and tag != "!" and tag != (_SEQ if is_seq else _MAP):
                    raise self.problem(line, f"the tag {tag} is not part of the map format; "
                                       "remove it (see docs/map-format.md).")
                if stack and isinstance(stack[-1].value, dict) and stack[-1].key is _NO_KEY:
                    raise self.problem(line, "a list or mapping is used as a field name; "
                                       "field names are words like 'id' or 'label'.")
                if event.anchor is not None:
                    self.open_anchors.add(event.anchor)
                stack.append(_Open([] if is_seq else {}, self.child_path(), event.anchor,
                                   line))
            elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                done = stack.pop()
                self.place(self.close(done, line), done.size, done.start)
            elif kind is yaml.AliasEvent:
                self.aliases += 1
                if self.aliases > MAX_MAP_ALIASES:
                    raise self.problem(line, f"the text uses more than {MAX_MAP_ALIASES:,} "
                                       "YAML aliases (*name); write the values out.")
                name = str(event.anchor)
                if name in self.open_anchors:
                    raise self.problem(line, f"the alias *{name} is used inside &{name} "
                                       "itself, which would make the map endless; remove it.")
                if name not in self.anchors:
                    raise self.problem(line, f"the alias *{name} names no anchor (&{name}) "
                                       "above it.")
                value, size = self.anchors[name]
                self.count(size, line)
                self.place(value, size, line,
                           is_key_ok=not isinstance(value, list | dict))
            elif kind is yaml.DocumentEndEvent:
                break
        if not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            raise self.problem(event.start_mark.line + 1, "a second YAML document ('---'); "
                               "a map file holds one map.")
        return self.root, LineIndex(self.lines)


_MERGE_KEY = object()  # the '<<' key of a YAML merge


def _yaml_document(text: str, source: str, *, construct: bool) -> tuple[Any, LineIndex]:
    return _Reader(text, source, construct=construct).read()


def _json_shape(data: Any, source: str) -> None:
    """Refuse parsed JSON deeper than ``MAX_MAP_DEPTH`` or larger than ``MAX_MAP_ELEMENTS``
    (used when the YAML reader, which checks both with line numbers, cannot read it)."""
    todo: list[tuple[Any, int]] = [(data, 0)]
    seen = 0
    while todo:
        item, depth = todo.pop()
        seen += 1
        if seen > MAX_MAP_ELEMENTS:
            raise _too_many(source, None)
        if isinstance(item, dict | list):
            if depth >= MAX_MAP_DEPTH:
                raise _too_deep(source, None)
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            todo.extend((child, depth + 1) for child in children)


def _no_duplicate_json_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(key)
        out[key] = value
    return out


class _DuplicateKeyError(ValueError):
    pass


def parse_map_text(text: str, source: str = "<map>") -> tuple[Any, LineIndex]:
    """Parse the text of a map file; JSON when it starts with ``{``, else YAML.

    Raises :class:`MapValidationError` for every text it cannot turn into a mapping,
    within the limits of docs/security.md ("Map files").
    """
    _check_text(text, source)
    if text.lstrip().startswith("{"):
        # JSON may be indented with tabs, which YAML refuses; outside strings (where JSON
        # allows no raw tabs) a space is equivalent, so the line numbers stay the same.
        try:
            _, lines = _yaml_document(text.replace("\t", " "), source, construct=False)
        except yaml.YAMLError as exc:
            _nesting(exc, source)
            lines = LineIndex()  # JSON that YAML 1.1 reads differently: no line numbers
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicate_json_keys)
        except json.JSONDecodeError as exc:
            raise MapValidationError(
                f"{source}, line {exc.lineno}, column {exc.colno}: this is not valid JSON "
                f"({exc.msg})."
            ) from None
        except _DuplicateKeyError as exc:
            raise MapValidationError(
                f"{source}: the field '{str(exc)[:60]}' appears twice in the same object; "
                "keep one.") from None
        except RecursionError:  # deeper than the interpreter allows: far beyond the limit
            raise _too_deep(source, None) from None
        except ValueError:  # an integer of more than 4,300 digits
            raise MapValidationError(f"{source}: this JSON holds a number of thousands of "
                                     "digits; no map needs one.") from None
        _json_shape(data, source)
    else:
        try:
            data, lines = _yaml_document(text, source, construct=True)
        except yaml.YAMLError as exc:
            _nesting(exc, source)
            raise MapValidationError(_yaml_problem(source, exc)) from None
    if not isinstance(data, Mapping):
        raise MapValidationError(
            f"{source}: a map file must be a mapping with 'outcome', 'nodes' and 'edges' "
            f"at the top, not {type(data).__name__}."
        )
    return data, lines
