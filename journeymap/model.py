"""The journey map: nodes (roles, touchpoints, factors, one outcome) and edges.

A :class:`JourneyMap` is a frozen, validated directed acyclic graph (docs/map-format.md).
It is built from a YAML/JSON file (:meth:`JourneyMap.from_yaml`), a dict
(:meth:`JourneyMap.from_dict`) or directly from :class:`Node` and :class:`Edge`
objects; every construction path runs the same validation, so an invalid map
cannot exist.

Examples
--------
>>> m = JourneyMap.from_dict({
...     "outcome": "nps",
...     "nodes": [
...         {"id": "nps", "kind": "outcome", "column": "ltr"},
...         {"id": "installer", "kind": "role"},
...         {"id": "install", "kind": "touchpoint", "scale": [1, 5]},
...     ],
...     "edges": [["installer", "install"], ["install", "nps"]],
... })
>>> [n.id for n in m.measured_nodes]
['nps', 'install']
>>> m.role_shares("installer")
{'install': 1.0}
"""

from __future__ import annotations

import difflib
import json
import math
import re
import reprlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from ._mapfile import LineIndex, parse_map_text, read_map_file
from ._text import FIELD_CONTROL, TEXT_CONTROL, describe, first_control
from .exceptions import MapValidationError, UnknownNodeError
from .i18n import DEFAULT_LANGUAGE, LANGUAGES, chosen_language
from .limits import (
    MAX_DESCRIPTION_CHARS,
    MAX_ID_CHARS,
    MAX_LABEL_CHARS,
    MAX_MAP_EDGES,
    MAX_MAP_NODES,
    MAX_PROBLEMS_LISTED,
    MAX_QUESTION_CHARS,
)
from .outputs import write_atomic

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["KINDS", "SCHEMA_VERSION", "AccountColumns", "CommentColumns", "Edge", "JourneyMap",
           "Node", "label_key", "node_id_problem"]

SCHEMA_VERSION = 1
Kind = Literal["outcome", "touchpoint", "factor", "role"]
KINDS: tuple[str, ...] = ("role", "touchpoint", "factor", "outcome")
OUTCOME_SCALE = (0.0, 10.0)
SHARE_TOLERANCE = 1e-9
_ID_RE = re.compile(r"^[^\W\d][\w.-]*$")
_NODE_FIELDS = ("id", "kind", "label", "column", "items", "scale", "stage", "description",
                "recode", "question", "values")
_EDGE_FIELDS = ("from", "to", "share", "expected")
_TOP_FIELDS = ("schema_version", "name", "language", "outcome", "nodes", "edges",
               "description", "comments", "accounts", "value_sets")
_COMMENT_FIELDS = ("column", "consent", "date", "staff")
_ACCOUNT_FIELDS = ("column", "role", "value", "date")


@dataclass(frozen=True)
class Node:
    """One node of a journey map.

    Attributes
    ----------
    id
        Identifier used by edges (letters, digits, ``_``, ``-``, ``.``; any script).
    kind
        ``outcome`` (the LTR question), ``touchpoint``, ``factor`` or ``role``.
    label
        Text shown to people (any UTF-8); defaults to the id.  With labels per language
        it is the label in the map's ``language`` (else the English one, else the first
        given).
    column
        Survey column holding the rating; defaults to the id for measured kinds.
        ``None`` for an unmeasured role and for composites.
    items
        Survey columns averaged into a composite score (mean of answered items when
        at least half are answered).
    scale
        ``(low, high)`` of the rating scale; always ``(0, 10)`` for the outcome;
        ``None`` for an unmeasured role.
    stage
        Journey stage (free text), used to order swimlanes.
    recode
        Outcome only: the facilitator's table ``(answer, LTR 0–10)`` for a recommend
        question asked on another scale (e.g. 1–10); empty when the answers are 0–10
        as given.  Applied when the data are read and reported in the result's
        warnings (docs/map-format.md, "A recommend question on another scale").
    labels
        The label per language (``{"sv": "Leverans", "en": "Delivery"}``) when the map
        gives it so; empty for a plain label (docs/map-format.md, "Labels in several
        languages").
    question
        The survey question's wording for a measured node (``How satisfied were you with
        the installation?``), in the map's ``language`` like ``label``; ``None`` when the
        map gives none (docs/map-format.md, "Survey questions").
    questions
        The question per language when the map gives it so; empty otherwise.
    values
        The node's value labels: ``(answer text, number)`` pairs that read an answer
        given as text (``Very satisfied``) as a number on the node's scale, or as missing
        (``None``, e.g. ``Not applicable``); docs/survey-exports.md, "Value labels".
    value_set
        The name of the map-level value set (``value_sets:``) the labels come from, if
        the node names one (``values: satisfaction``); ``None`` for labels given inline.
    """

    id: str
    kind: Kind
    label: str = ""
    column: str | None = None
    items: tuple[str, ...] = ()
    scale: tuple[float, float] | None = None
    stage: str | None = None
    description: str | None = None
    line: int | None = field(default=None, compare=False, repr=False)
    recode: tuple[tuple[float, int], ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)
    question: str | None = None
    questions: Mapping[str, str] = field(default_factory=dict, hash=False)
    values: tuple[tuple[str, float | None], ...] = ()
    value_set: str | None = None

    @cached_property
    def value_lookup(self) -> dict[str, float | None]:
        """The value labels by :func:`label_key` (case and white space ignored)."""
        return {label_key(k): v for k, v in self.values}

    @property
    def measured(self) -> bool:
        """True when the node has data: a column or items."""
        return self.column is not None or bool(self.items)

    @property
    def columns(self) -> tuple[str, ...]:
        """The survey columns this node reads."""
        return self.items if self.items else ((self.column,) if self.column else ())

    @property
    def display(self) -> str:
        """The label in the language chosen with :func:`journeymap.i18n.use_language` when
        the map gives one in it, else the label (the map's language), else the id."""
        lang = chosen_language() if self.labels else None
        return self.label_for(lang) if lang is not None else (self.label or self.id)

    def label_for(self, lang: str) -> str:
        """The label in ``lang`` when the map gives one, else the label, else the id."""
        return self.labels.get(lang) or self.label or self.id

    @property
    def question_text(self) -> str | None:
        """The survey question in the language chosen with
        :func:`journeymap.i18n.use_language` when the map gives it in that language, else
        the node's question (the map's language); ``None`` when the map gives none."""
        lang = chosen_language() if self.questions else None
        return self.question_for(lang) if lang is not None else self.question

    def question_for(self, lang: str) -> str | None:
        """The question in ``lang`` when the map gives one, else the node's question."""
        return self.questions.get(lang) or self.question

    def question_language(self, lang: str, map_language: str | None) -> str | None:
        """The language the question shown in ``lang`` is written in, when it is known
        and differs from ``lang`` (for a ``lang`` attribute); else ``None``."""
        return _shown_language(self.questions, lang, map_language)

    def label_language(self, lang: str, map_language: str | None) -> str | None:
        """The language the label shown in ``lang`` is written in, when it is known and
        differs from ``lang`` (for a ``lang`` attribute); else ``None``."""
        return _shown_language(self.labels, lang, map_language)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "kind": self.kind}
        if self.labels:
            out["label"] = dict(self.labels)
        elif self.label and self.label != self.id:
            out["label"] = self.label
        if self.items:
            out["items"] = list(self.items)
        elif self.column is not None and (self.column != self.id or self.kind == "role"):
            out["column"] = self.column
        if self.questions:
            out["question"] = dict(self.questions)
        elif self.question is not None:
            out["question"] = self.question
        if self.scale is not None and self.kind != "outcome":
            out["scale"] = [_num(v) for v in self.scale]
        if self.stage is not None:
            out["stage"] = self.stage
        if self.description is not None:
            out["description"] = self.description
        if self.recode:
            out["recode"] = {_num(a): v for a, v in self.recode}
        if self.value_set is not None:
            out["values"] = self.value_set
        elif self.values:
            out["values"] = {k: (None if v is None else _num(v)) for k, v in self.values}
        return out


@dataclass(frozen=True)
class Edge:
    """A cause-and-effect link ``source → target``.

    ``share`` (roles only) is the part of the target the role is responsible for;
    ``expected`` is the workshop's belief about the sign (``"+"`` or ``"-"``).
    """

    source: str
    target: str
    share: float | None = None
    expected: Literal["+", "-"] | None = None
    line: int | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any] | list[str]:
        if self.share is None and self.expected is None:
            return [self.source, self.target]
        out: dict[str, Any] = {"from": self.source, "to": self.target}
        if self.share is not None:
            out["share"] = _num(self.share)
        if self.expected is not None:
            out["expected"] = self.expected
        return out


def _shown_language(texts: Mapping[str, str], lang: str,
                    map_language: str | None) -> str | None:
    """The language of the text shown in ``lang`` out of ``texts`` (per language) or of
    the plain text (in ``map_language``), when it differs from ``lang``."""
    if lang in texts:
        return None
    if texts:
        shown = (map_language if map_language in texts else
                 "en" if "en" in texts else next(iter(texts)))
        return None if shown == lang else shown
    return None if map_language in (None, lang) else map_language


@dataclass(frozen=True)
class CommentColumns:
    """The map's ``comments:``: where the survey keeps free-text comments and the
    respondent's consent to show them (docs/map-format.md, "Customer comments").

    Attributes
    ----------
    column
        The column with the comment text.
    consent
        The column saying whether the respondent agreed that the comment may be shown
        to employees; a comment is shown only when it holds a yes (``true``, ``yes``,
        ``1``, ``ja``, ``kyllä`` …, see :data:`journeymap.data.CONSENT_YES`).
    date
        The column with the response's date (ISO ``2026-03-01``), to show the most
        recent comments first; ``None``: the last rows of the file count as the most
        recent.
    staff
        Names of staff (first names, full names) that are removed from every comment
        shown, on top of the patterns :mod:`journeymap.analysis.touchpoints` removes.
    """

    column: str
    consent: str
    date: str | None = None
    staff: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """The data columns named (comment, consent and date)."""
        return (self.column, self.consent) + ((self.date,) if self.date else ())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"column": self.column, "consent": self.consent}
        if self.date is not None:
            out["date"] = self.date
        if self.staff:
            out["staff"] = list(self.staff)
        return out


@dataclass(frozen=True)
class AccountColumns:
    """The map's ``accounts:``: which survey columns name the B2B account, the
    respondent's contact role, the account's value and the response date
    (docs/map-format.md, "Accounts"; docs/accounts.md).

    Attributes
    ----------
    column
        The column with the account (customer company) name or id.
    role
        The column with the respondent's contact role (free text: ``decision maker``,
        ``user``, ``influencer`` …), or ``None``.
    value
        The column with the account's value (e.g. yearly revenue), or ``None``; the same
        column the "valuable account" rule of :mod:`journeymap.cases` reads.
    date
        The column with the response date (ISO ``2026-03-01``), or ``None``; used to
        compare an account's latest quarter with the one before.
    """

    column: str
    role: str | None = None
    value: str | None = None
    date: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The data columns named."""
        return tuple(c for c in (self.column, self.role, self.value, self.date)
                     if c is not None)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"column": self.column}
        for key in ("role", "value", "date"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


def label_key(text: str) -> str:
    """An answer text compared loosely: case-folded, runs of white space as one space."""
    return " ".join(str(text).split()).casefold()


def _num(v: float) -> float | int:
    return int(v) if float(v).is_integer() else float(v)


def _where(source: str, line: int | None) -> str:
    return f"{source}, line {line}" if line else source


def _suggest(name: str, known: Iterable[str]) -> str:
    if len(name) > MAX_ID_CHARS:
        return ""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = 6


def _name(key: object) -> str:
    """A field name for a message, cut to 40 characters."""
    text = str(key)
    return text if len(text) <= 40 else text[:40] + "…"


def _short(value: Any) -> str:
    """A bounded ``repr`` for messages: a value from a hostile file may be huge or deep."""
    return _REPR.repr(value)


def text_problem(value: str, limit: int, *, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be an id, label or other map text, or ``None`` if it can."""
    if len(value) > limit:
        return f"is {len(value):,} characters long; at most {limit:,} are allowed"
    bad = first_control(value, TEXT_CONTROL if multiline else FIELD_CONTROL)
    if bad is not None:
        return (f"contains the control character {describe(bad)}; use plain text"
                + ("" if multiline else " on one line"))
    return None


def id_type_problem(value: Any) -> str | None:
    """Why a parsed value cannot be a node id because of its type, or ``None``."""
    if isinstance(value, str):
        return None
    if isinstance(value, bool):
        return (f"{str(value).lower()} is read by YAML as yes-or-no (from yes, no, on, off, "
                "true or false); ids are text, so put the id in quotes, e.g. 'yes'")
    if isinstance(value, int | float):
        return (f"{_short(value)} is a number; ids are text that start with a letter, "
                f"e.g. q{_short(value)}")
    return f"ids are text, not {type(value).__name__} {_short(value)}"


def node_id_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a node id of a map file, or None when it can.

    The rule of the map format (``docs/map-format.md``): text of at most
    :data:`~journeymap.limits.MAX_ID_CHARS` characters that starts with a letter (of
    any alphabet) or ``_`` and goes on with letters, digits, ``_``, ``-`` or ``.``.
    Front ends use it to check an id before adding it to a map, with the same message
    the map file reader gives.

    Examples
    --------
    >>> node_id_problem("montör2") is None
    True
    >>> node_id_problem("2nd visit").split(":")[0]
    "'2nd visit' is not a usable id"
    """
    why = id_type_problem(value)
    if why is None:
        why = text_problem(value, MAX_ID_CHARS)
    if why is not None:
        return f"the id {why}."
    if not _ID_RE.match(value):
        return (f"'{value}' is not a usable id: start with a letter or '_' and use letters, "
                "digits, '_', '-' or '.' (put spaces in 'label').")
    return None


@dataclass(frozen=True)
class JourneyMap:
    """A validated journey map (docs/map-format.md). Immutable; equality ignores line numbers."""

    outcome: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    name: str = ""
    description: str | None = None
    schema_version: int = SCHEMA_VERSION
    source: str = field(default="<map>", compare=False, repr=False)
    #: The language of the map's plain labels (``en``, ``sv``, ``da``, ``fi``, ``nb``), if
    #: the map says (``language: sv``).
    language: str | None = None
    #: The survey's comment, consent and date columns, if the map names them
    #: (``comments: {column: comment, consent: consent_to_share}``).
    comments: CommentColumns | None = None
    #: The survey's account, contact-role, value and date columns, if the map names them
    #: (``accounts: {column: account, role: contact_role}``).
    accounts: AccountColumns | None = None
    #: Named value-label sets that several nodes reuse (``value_sets:``), each as
    #: ``(answer text, number)`` pairs (docs/survey-exports.md, "Value labels").
    value_sets: Mapping[str, tuple[tuple[str, float | None], ...]] = field(
        default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "edges", tuple(self.edges))
        from ._validate import validate_structure

        validate_structure(self)

    # ------------------------------------------------------------------ lookups
    @cached_property
    def node_index(self) -> dict[str, Node]:
        """Nodes by id."""
        return {n.id: n for n in self.nodes}

    def node(self, node_id: str) -> Node:
        """The node with this id, or :class:`UnknownNodeError` naming the valid ids."""
        try:
            return self.node_index[node_id]
        except KeyError:
            shown = list(self.node_index)[:MAX_PROBLEMS_LISTED]
            known = ", ".join(shown) + (f" … ({len(self.node_index):,} in all)"
                                        if len(self.node_index) > len(shown) else "")
            raise UnknownNodeError(
                f"the map has no node '{node_id}'.{_suggest(node_id, self.node_index)} "
                f"Known ids: {known}."
            ) from None

    @property
    def outcome_node(self) -> Node:
        return self.node_index[self.outcome]

    @property
    def roles(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.kind == "role")

    @property
    def measured_nodes(self) -> tuple[Node, ...]:
        """Measured nodes (those with a column or items), in file order."""
        return tuple(n for n in self.nodes if n.measured)

    def parents(self, node_id: str) -> tuple[str, ...]:
        """Sources of the edges into ``node_id``, in file order."""
        return self._parents.get(node_id, ())

    def children(self, node_id: str) -> tuple[str, ...]:
        """Targets of the edges out of ``node_id``, in file order."""
        return self._children.get(node_id, ())

    def edge(self, source: str, target: str) -> Edge:
        try:
            return self._edge_index[(source, target)]
        except KeyError:
            raise UnknownNodeError(f"the map has no edge {source} → {target}.") from None

    # Lookups built once (a map is immutable), so that analyses over every node stay
    # linear in the size of the map instead of scanning all edges per node.
    @cached_property
    def _edge_index(self) -> dict[tuple[str, str], Edge]:
        return {(e.source, e.target): e for e in self.edges}

    @cached_property
    def _parents(self) -> dict[str, tuple[str, ...]]:
        into: dict[str, list[str]] = {}
        for e in self.edges:
            into.setdefault(e.target, []).append(e.source)
        return {k: tuple(v) for k, v in into.items()}

    @cached_property
    def _children(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for e in self.edges:
            out.setdefault(e.source, []).append(e.target)
        return {k: tuple(v) for k, v in out.items()}

    def is_estimated(self, e: Edge) -> bool:
        """True when the edge gets a coefficient (its source is measured)."""
        return self.node_index[e.source].measured

    @cached_property
    def topological_order(self) -> tuple[str, ...]:
        """Node ids so that every edge points forward (stable: file order on ties)."""
        import networkx as nx

        return tuple(nx.lexicographical_topological_sort(
            self.to_networkx(), key=lambda n: self._position[n]))

    @cached_property
    def _position(self) -> dict[str, int]:
        return {n.id: i for i, n in enumerate(self.nodes)}

    def role_shares(self, role: str) -> dict[str, float]:
        """Shares of an unmeasured role on each node it acts on (docs/method.md, "Role influence").

        Explicit shares are kept; roles without one split what the explicit shares
        of that node leave, equally.
        """
        node = self.node(role)
        if node.kind != "role" or node.measured:
            raise MapValidationError(
                f"'{role}' is not an unmeasured role; shares apply to roles without a column."
            )
        return {t: self._shares[(role, t)] for t in self.children(role)}

    @cached_property
    def _shares(self) -> dict[tuple[str, str], float]:
        out: dict[tuple[str, str], float] = {}
        by_target: dict[str, list[Edge]] = {}
        for e in self.edges:
            if self._is_share_edge(e):
                by_target.setdefault(e.target, []).append(e)
        for target in self.node_index:
            acting = by_target.get(target, [])
            explicit = sum(e.share for e in acting if e.share is not None)
            implicit = [e for e in acting if e.share is None]
            rest = max(0.0, 1.0 - explicit)
            for e in acting:
                out[(e.source, target)] = (
                    e.share if e.share is not None else rest / len(implicit)
                )
        return out

    def _is_share_edge(self, e: Edge) -> bool:
        src = self.node_index[e.source]
        return src.kind == "role" and not src.measured

    def share(self, e: Edge) -> float | None:
        """Effective share of an edge out of an unmeasured role, else ``None``."""
        return self._shares.get((e.source, e.target))

    @cached_property
    def warnings(self) -> tuple[str, ...]:
        """Things that are allowed but probably not meant (e.g. no path to NPS)."""
        import networkx as nx

        g = self.to_networkx()
        reach = nx.ancestors(g, self.outcome)
        out: list[str] = []
        for n in self.nodes:
            if n.id != self.outcome and n.id not in reach:
                what = "role" if n.kind == "role" else "node"
                out.append(
                    f"{_where(self.source, n.line)}: {what} '{n.id}' has no path to "
                    f"'{self.outcome}'; add an edge from it toward the outcome or remove it."
                )
        for (role, target), s in self._shares.items():
            e = self.edge(role, target)
            if e.share is None and s == 0.0:
                out.append(
                    f"{_where(self.source, e.line)}: role '{role}' gets share 0 on '{target}' "
                    "because the explicit shares there already sum to 1."
                )
        from ._common_cause import role_common_cause_warnings

        out += role_common_cause_warnings(self)
        return tuple(out)

    # --------------------------------------------------------------- conversion
    def to_networkx(self) -> nx.DiGraph:
        """A new :class:`networkx.DiGraph` with node and edge attributes."""
        import networkx as nx

        g = nx.DiGraph(name=self.name, outcome=self.outcome)
        for n in self.nodes:
            g.add_node(n.id, kind=n.kind, label=n.display, stage=n.stage,
                       measured=n.measured, scale=n.scale)
        for e in self.edges:
            g.add_edge(e.source, e.target, share=self.share(e), expected=e.expected)
        return g

    def to_dict(self) -> dict[str, Any]:
        """Plain data in the map-file format, with ``schema_version``."""
        out: dict[str, Any] = {"schema_version": self.schema_version}
        if self.name:
            out["name"] = self.name
        if self.language is not None:
            out["language"] = self.language
        if self.description is not None:
            out["description"] = self.description
        if self.comments is not None:
            out["comments"] = self.comments.to_dict()
        if self.accounts is not None:
            out["accounts"] = self.accounts.to_dict()
        if self.value_sets:
            out["value_sets"] = {name: {k: (None if v is None else _num(v)) for k, v in pairs}
                                 for name, pairs in self.value_sets.items()}
        out["outcome"] = self.outcome
        out["nodes"] = [n.to_dict() for n in self.nodes]
        out["edges"] = [e.to_dict() for e in self.edges]
        return out

    def to_yaml(self, path: str | Path | None = None) -> str:
        """YAML text of the map (UTF-8, labels unescaped); written to ``path`` if given."""
        text = yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False,
                              default_flow_style=None, width=100)
        if path is not None:
            write_atomic(path, text)
        return text

    def to_json(self, path: str | Path | None = None) -> str:
        """JSON text of the map; written to ``path`` if given."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"
        if path is not None:
            write_atomic(path, text)
        return text

    @classmethod
    def from_yaml(cls, path: str | Path) -> JourneyMap:
        """Read a map file (YAML or JSON, UTF-8) and validate it."""
        data, lines, source = read_map_file(path)
        return cls.from_dict(data, source=source, lines=lines)

    from_file = from_yaml
    from_json = from_yaml

    @classmethod
    def from_text(cls, text: str, source: str = "<map>") -> JourneyMap:
        """Parse map text (YAML or JSON) and validate it."""
        data, lines = parse_map_text(text, source)
        return cls.from_dict(data, source=source, lines=lines)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<map>",
                  lines: LineIndex | None = None) -> JourneyMap:
        """Build and validate a map from plain data in the map-file format."""
        return _Parser(data, source, lines or LineIndex()).build()


class _Parser:
    """Field-level checks of map data; structural checks live in ``_validate``."""

    def __init__(self, data: Mapping[str, Any], source: str, lines: LineIndex) -> None:
        self.data = data
        self.source = source
        self.lines = lines
        self.problems: list[str] = []
        self.language: str | None = None
        #: Every node id the file names (with its line), also of nodes with problems.
        self.named: dict[str, int | None] = {}
        self.named_in_order: list[tuple[str, int | None]] = []
        self.value_sets: dict[str, tuple[tuple[str, float | None], ...]] = {}

    def at(self, *path: str | int) -> str:
        return _where(self.source, self.lines.line(*path))

    @staticmethod
    def _field(path: Sequence[str | int]) -> str:
        out = ""
        for p in path:
            p = p if isinstance(p, int) or len(p) <= 40 else p[:40] + "…"
            out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
        return out

    def suggest(self, name: object, known: Sequence[str]) -> str:
        """A "did you mean", while few problems are listed (each costs a comparison)."""
        return _suggest(str(name), known) if len(self.problems) < MAX_PROBLEMS_LISTED else ""

    def problem(self, path: Sequence[str | int], text: str) -> None:
        self.problems.append(f"{self.at(*path)}, {self._field(path)}: {text}")

    def text(self, path: list[str | int], value: Any, limit: int, *, multiline: bool = False,
             name: bool = False) -> str | None:
        """``value`` as map text (``None`` stays ``None``), or a problem recorded."""
        if value is None:
            return None
        if isinstance(value, list | dict | tuple | set | bytes):
            self.problem(path, f"must be text, not {type(value).__name__} {_short(value)}.")
            return None
        if name and isinstance(value, bool):
            self.problem(path, f"{str(value).lower()} is read by YAML as yes-or-no; a column "
                         "name is text, so put it in quotes.")
            return None
        text = value if isinstance(value, str) else str(value)
        why = text_problem(text, limit, multiline=multiline)
        if why is not None:
            self.problem(path, f"the text {why}.")
            return None
        return text

    def build(self) -> JourneyMap:
        d = self.data
        if not isinstance(d, Mapping):
            raise MapValidationError(f"{self.source}: a map must be a mapping.")
        for key in d:
            if key not in _TOP_FIELDS:
                self.problem([str(key)], f"unknown field '{_name(key)}'."
                             f"{self.suggest(key, _TOP_FIELDS)} "
                             f"Valid top-level fields: {', '.join(_TOP_FIELDS)}.")
        version = d.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION or isinstance(version, bool):
            self.problem(["schema_version"], f"this version of journeymap reads schema_version "
                         f"{SCHEMA_VERSION}, not {_short(version)}.")
        name = d.get("name") or ""
        if not isinstance(name, str):
            self.problem(["name"], "the name must be text.")
            name = ""
        name = self.text(["name"], name, MAX_LABEL_CHARS) or ""
        self.language = self.map_language(d.get("language"))
        raw_nodes = d.get("nodes")
        raw_edges = d.get("edges", [])
        for what, raw, most in (("nodes", raw_nodes, MAX_MAP_NODES),
                                ("edges", raw_edges, MAX_MAP_EDGES)):
            if isinstance(raw, list) and len(raw) > most:
                raise MapValidationError(
                    f"{self.at(what)}, {what}: the map has {len(raw):,} {what}; at most "
                    f"{most:,} are allowed (see docs/security.md). Split the journey into "
                    "several maps, e.g. one per stage.")
        if not isinstance(raw_nodes, list) or not raw_nodes:
            self.problem(["nodes"], "'nodes' must be a non-empty list of nodes, each like "
                         "{id: quote, kind: touchpoint, scale: [1, 5]}.")
            raw_nodes = []
        if raw_edges is None:
            raw_edges = []
        if not isinstance(raw_edges, list):
            self.problem(["edges"], "'edges' must be a list; each edge is [from, to] or "
                         "{from: a, to: b, share: 0.5, expected: '+'}.")
            raw_edges = []
        self.value_sets = self.named_value_sets(d.get("value_sets"))
        nodes = [n for i, r in enumerate(raw_nodes) if (n := self.node(i, r)) is not None]
        edges = [e for i, r in enumerate(raw_edges) if (e := self.edge(i, r)) is not None]
        comments = self.comments(d.get("comments"),
                                 {c: n.id for n in nodes for c in n.columns})
        accounts = self.accounts(d.get("accounts"),
                                 {c: n.id for n in nodes for c in n.columns})
        outcome = d.get("outcome")
        outcomes = [n.id for n in nodes if n.kind == "outcome"]
        if outcome is None and len(outcomes) == 1:
            outcome = outcomes[0]
        why = None if outcome is None else id_type_problem(outcome)
        if why is None and isinstance(outcome, str):
            why = text_problem(outcome, MAX_ID_CHARS)
        if why is not None:
            self.problem(["outcome"], f"the outcome id {why}.")
            outcome = ""
        elif not isinstance(outcome, str):
            self.problem(["outcome"], "name the outcome node, e.g. 'outcome: nps', and give it "
                         "'kind: outcome'.")
            outcome = ""
        if self.problems:
            from ._validate import draft_problems

            # The edges' own problems too (unknown ids, a cycle), in the same report,
            # when the nodes could be read at all.
            more = (draft_problems(self.source, self.named, edges, self.named_in_order)
                    if self.named else [])
            raise MapValidationError([*self.problems, *more])
        desc = self.text(["description"], d.get("description"), MAX_DESCRIPTION_CHARS,
                         multiline=True)
        if self.problems:
            raise MapValidationError(self.problems)
        return JourneyMap(outcome=outcome, nodes=tuple(nodes), edges=tuple(edges), name=name,
                          description=desc, language=self.language,
                          schema_version=SCHEMA_VERSION, source=self.source,
                          comments=comments, accounts=accounts,
                          value_sets=self.value_sets)

    def map_language(self, raw: Any) -> str | None:
        """The map's ``language`` (one of :data:`journeymap.i18n.LANGUAGES`) or ``None``."""
        if raw is None:
            return None
        if not isinstance(raw, str) or raw not in LANGUAGES:
            self.problem(["language"], f"the map's language is {_short(raw)}; valid "
                         f"languages: {', '.join(LANGUAGES)} (e.g. 'language: sv').")
            return None
        return raw

    def labels(self, path: list[str | int], node_id: str,
               raw: Any) -> tuple[str, dict[str, str]]:
        """A plain label, or a label per language (``{sv: Leverans, en: Delivery}``): the
        node's default label and the labels by language; problems recorded."""
        return self.per_language(path, node_id, raw, "label", MAX_LABEL_CHARS,
                                 "e.g. label: {sv: Leverans, en: Delivery}")

    def per_language(self, path: list[str | int], node_id: str, raw: Any, what: str,
                     limit: int, example: str) -> tuple[str, dict[str, str]]:
        """A plain text, or one per language: the text in the map's language (else the
        English one, else the first given) and the texts by language; problems recorded."""
        if not isinstance(raw, Mapping):
            return self.text(path, raw, limit) or "", {}
        if not raw:
            self.problem(path, f"node '{node_id}': the {what} per language names no "
                         f"language; {example}.")
            return "", {}
        out: dict[str, str] = {}
        for key, value in raw.items():
            where = [*path, str(key)]
            if not isinstance(key, str) or key not in LANGUAGES:
                hint = self.suggest(key, LANGUAGES) if isinstance(key, str) else ""
                self.problem(where, f"node '{node_id}': {_short(key)} is not a language of "
                             f"journeymap.{hint} Valid languages: {', '.join(LANGUAGES)}; "
                             f"{example}.")
                continue
            text = None if value is None else self.text(where, value, limit)
            if text is None or not text.strip():
                if value is None or text is not None:
                    self.problem(where, f"node '{node_id}': the {key} {what} is empty; give "
                                 "its text or leave that language out.")
                continue
            out[key] = text
        default = (out.get(self.language or "") or out.get(DEFAULT_LANGUAGE)
                   or next(iter(out.values()), ""))
        return default, out

    def question(self, path: list[str | int], node_id: str, kind: str, measured: bool,
                 raw: Any) -> tuple[str | None, dict[str, str]]:
        """The node's survey ``question`` (plain or per language); problems recorded."""
        if raw is None:
            return None, {}
        where = [*path, "question"]
        if not measured:
            self.problem(where, f"{kind} '{node_id}' has a question but no column; a question "
                         "belongs to a node whose answers are in the data (add 'column' or "
                         "remove 'question').")
            return None, {}
        if isinstance(raw, str) and not raw.strip():
            self.problem(where, f"node '{node_id}': the question is empty; give its wording "
                         "or remove 'question'.")
            return None, {}
        text, texts = self.per_language(
            where, node_id, raw, "question", MAX_QUESTION_CHARS,
            "e.g. question: {sv: Hur nöjd var du med installationen?, en: How satisfied "
            "were you with the installation?}")
        return (text or None), texts

    def column_names(self, path: list[str | int], raw: Mapping[Any, Any],
                     keys: tuple[str, ...], columns: dict[str, str], block: str,
                     required: dict[str, str], distinct: str) -> dict[str, str | None]:
        """The column names a map-level block (``accounts:``, ``comments:``) gives for
        ``keys``; problems recorded: a required key missing (its message in ``required``),
        an empty name, a rating column (``columns`` maps each to its node) or one column
        named twice (``distinct``)."""
        names: dict[str, str | None] = {}
        for key in keys:
            value = raw.get(key)
            if value is None:
                if key in required:
                    self.problem(path, required[key])
                names[key] = None
                continue
            text = self.text([*path, key], value, MAX_LABEL_CHARS, name=True)
            if text is not None and not text.strip():
                self.problem([*path, key], "the column name is empty.")
                text = None
            if text is not None and text in columns:
                self.problem([*path, key], f"'{text}' is the rating column of node "
                             f"'{columns[text]}'; {block} need columns of their own.")
            names[key] = text
        named = [v for v in names.values() if v is not None]
        if len(set(named)) != len(named):
            self.problem(path, distinct)
        return names

    def accounts(self, raw: Any, columns: dict[str, str]) -> AccountColumns | None:
        """The map's ``accounts:`` block; problems recorded.  ``columns`` maps each rating
        column to its node, so that an account column cannot be a rating column too."""
        if raw is None:
            return None
        path: list[str | int] = ["accounts"]
        example = "e.g. accounts: {column: account, role: contact_role, value: revenue}"
        if not isinstance(raw, Mapping):
            self.problem(path, f"'accounts' names the survey's account columns; {example}.")
            return None
        before = len(self.problems)
        for key in raw:
            if key not in _ACCOUNT_FIELDS:
                self.problem([*path, str(key)], f"unknown field '{_name(key)}' of 'accounts'."
                             f"{self.suggest(key, _ACCOUNT_FIELDS)} Valid: "
                             f"{', '.join(_ACCOUNT_FIELDS)}.")
        names = self.column_names(
            path, raw, _ACCOUNT_FIELDS, columns, "accounts",
            {"column": f"'accounts' needs the account column; {example}."},
            "the account, role, value and date columns must be different columns.")
        if len(self.problems) > before or names["column"] is None:
            return None
        return AccountColumns(column=names["column"], role=names["role"],
                              value=names["value"], date=names["date"])

    def comments(self, raw: Any, columns: dict[str, str]) -> CommentColumns | None:
        """The map's ``comments:`` block; problems recorded.  ``columns`` maps each rating
        column to its node, so that a comment column cannot be a rating column too."""
        if raw is None:
            return None
        path: list[str | int] = ["comments"]
        example = ("e.g. comments: {column: comment, consent: consent_to_share, "
                   "date: date}")
        if not isinstance(raw, Mapping):
            self.problem(path, f"'comments' names the survey's comment columns; {example}.")
            return None
        before = len(self.problems)
        for key in raw:
            if key not in _COMMENT_FIELDS:
                self.problem([*path, str(key)], f"unknown field '{_name(key)}' of 'comments'."
                             f"{self.suggest(key, _COMMENT_FIELDS)} Valid: "
                             f"{', '.join(_COMMENT_FIELDS)}.")
        names = self.column_names(
            path, raw, ("column", "consent", "date"), columns, "comments",
            {"column": f"'comments' needs the comment column; {example}.",
             "consent": "'comments' needs the consent column: only comments of respondents "
                        f"who agreed to share them are ever shown; {example}."},
            "the comment, consent and date columns must be different columns.")
        staff_raw = raw.get("staff")
        staff: list[str] = []
        if staff_raw is not None:
            if not isinstance(staff_raw, list):
                self.problem([*path, "staff"], "'staff' is a list of names to remove from "
                             "comments, e.g. staff: [Anna Berg, Jukka, Mette].")
            else:
                for i, name in enumerate(staff_raw):
                    text = self.text([*path, "staff", i], name, MAX_LABEL_CHARS)
                    if text is not None and text.strip():
                        staff.append(text.strip())
                    elif text is not None:
                        self.problem([*path, "staff", i], "the name is empty.")
        if len(self.problems) > before or names["column"] is None or names["consent"] is None:
            return None
        return CommentColumns(column=names["column"], consent=names["consent"],
                              date=names["date"], staff=tuple(staff))

    def node(self, i: int, raw: Any) -> Node | None:
        path: list[str | int] = ["nodes", i]
        if not isinstance(raw, Mapping):
            self.problem(path, "each node must be a mapping like {id: quote, kind: touchpoint, "
                         "scale: [1, 5]}.")
            return None
        ok = True
        before = len(self.problems)
        for key in raw:
            if key not in _NODE_FIELDS:
                hint = self.suggest(key, _NODE_FIELDS)
                self.problem([*path, str(key)], f"unknown node field '{_name(key)}'.{hint} "
                             f"Valid: {', '.join(_NODE_FIELDS)}.")
                ok = False
        node_id = raw.get("id")
        if node_id is None:
            self.problem(path, "this node has no 'id'.")
            return None
        why = id_type_problem(node_id)
        if why is None:
            why = text_problem(node_id, MAX_ID_CHARS)
        if why is not None:
            self.problem([*path, "id"], f"the id {why}.")
            return None
        self.named.setdefault(node_id, self.lines.line(*path, "id"))
        self.named_in_order.append((node_id, self.lines.line(*path, "id")))
        usable = node_id_problem(node_id)  # text, but perhaps not a usable id
        if usable is not None:
            self.problem([*path, "id"], usable)
            ok = False
        kind = raw.get("kind")
        if kind not in KINDS:
            hint = self.suggest(kind, KINDS) if isinstance(kind, str) else ""
            self.problem([*path, "kind"], f"node '{node_id}' has kind {_short(kind)}.{hint} Valid "
                         f"kinds: {', '.join(KINDS)}.")
            return None
        label, labels = self.labels([*path, "label"], node_id, raw.get("label"))
        column = self.text([*path, "column"], raw.get("column"), MAX_LABEL_CHARS, name=True)
        ok = ok and len(self.problems) == before
        items_raw = raw.get("items")
        items: tuple[str, ...] = ()
        if items_raw is not None:
            if (not isinstance(items_raw, list) or not items_raw
                    or not all(isinstance(x, str | int) and not isinstance(x, bool)
                               for x in items_raw)):
                self.problem([*path, "items"], f"node '{node_id}': 'items' must be a non-empty "
                             "list of column names, e.g. [q7a, q7b, q7c].")
                ok = False
            else:
                items = tuple(self.text([*path, "items", i], x, MAX_LABEL_CHARS) or ""
                              for i, x in enumerate(items_raw))
                if len(set(items)) != len(items):
                    self.problem([*path, "items"], f"node '{node_id}' lists an item twice.")
                    ok = False
            if column is not None:
                self.problem([*path, "column"], f"node '{node_id}' has both 'column' and 'items'; "
                             "use one.")
                ok = False
        if items and kind == "outcome":
            self.problem([*path, "items"], f"the outcome '{node_id}' lists items; NPS is "
                         "one recommend question answered 0–10 as given, never an average "
                         "(a mean such as 5.67 is no answer). Give its one column, e.g. "
                         "'column: ltr', and make the other questions factors.")
            ok = False
        recode = self.recode(path, node_id, kind, raw.get("recode"))
        if recode is None:
            ok = False
            recode = ()
        if column is None and not items and kind != "role":
            column = node_id
        scale = self.scale(path, node_id, kind, raw.get("scale"),
                           measured=column is not None or bool(items))
        if scale is False or scale is True:
            ok = False
            scale = None
        stage = self.text([*path, "stage"], raw.get("stage"), MAX_LABEL_CHARS)
        desc = self.text([*path, "description"], raw.get("description"), MAX_DESCRIPTION_CHARS,
                         multiline=True)
        question, questions = self.question(path, node_id, kind,
                                            column is not None or bool(items),
                                            raw.get("question"))
        values, value_set = self.node_values(path, node_id, kind,
                                             column is not None or bool(items),
                                             scale if isinstance(scale, tuple) else None,
                                             raw.get("values"))
        if not ok or len(self.problems) > before:
            return None
        return Node(id=node_id, kind=kind, label=label, column=column, items=items,
                    scale=scale, stage=stage, description=desc,
                    line=self.lines.line(*path, "id"), recode=recode, labels=labels,
                    question=question, questions=questions, values=values,
                    value_set=value_set)

    def label_table(self, path: list[str | int], raw: Any,
                    what: str) -> tuple[tuple[str, float | None], ...] | None:
        """A table ``answer text: number`` (or ``null`` for missing); ``None`` after a
        problem."""
        example = ('e.g. values: {"Very satisfied": 5, "Satisfied": 4, "Neutral": 3, '
                   '"Dissatisfied": 2, "Very dissatisfied": 1, "Not applicable": null}')
        if not isinstance(raw, Mapping) or not raw:
            self.problem(path, f"{what} must be a table answer text: number; {example}.")
            return None
        pairs: list[tuple[str, float | None]] = []
        seen: dict[str, str] = {}
        for key, value in raw.items():
            if not isinstance(key, str) or not key.strip():
                self.problem(path, f"{what}: the answer {_short(key)} must be text (the words "
                             f"the survey tool exports); {example}.")
                return None
            text = self.text([*path, key], key, MAX_LABEL_CHARS)
            if text is None:
                return None
            if value is not None and not _is_number(value):
                self.problem([*path, key], f"{what}: '{key}' must map to a number (or null "
                             f"for missing), not {_short(value)}.")
                return None
            k = label_key(text)
            if k in seen:
                self.problem([*path, key], f"{what}: '{key}' and '{seen[k]}' are the same "
                             "answer (case and spaces are ignored); list it once.")
                return None
            seen[k] = key
            pairs.append((text, None if value is None else float(value)))
        return tuple(pairs)

    def named_value_sets(self, raw: Any) -> dict[str, tuple[tuple[str, float | None], ...]]:
        """The map's ``value_sets:`` (name: table); problems recorded."""
        if raw is None:
            return {}
        if not isinstance(raw, Mapping) or not raw:
            self.problem(["value_sets"], "'value_sets' names tables of value labels that "
                         "nodes reuse, e.g. value_sets: {satisfaction: {\"Very satisfied\": 5, "
                         "\"Satisfied\": 4}} and on a node values: satisfaction.")
            return {}
        out: dict[str, tuple[tuple[str, float | None], ...]] = {}
        for name, table in raw.items():
            if not isinstance(name, str) or not name.strip():
                self.problem(["value_sets"], f"a value set's name must be text, not "
                             f"{_short(name)}.")
                continue
            pairs = self.label_table(["value_sets", name], table, f"value set '{name}'")
            if pairs is not None:
                out[name] = pairs
        return out

    def node_values(self, path: list[str | int], node_id: str, kind: str, measured: bool,
                    scale: tuple[float, float] | None,
                    raw: Any) -> tuple[tuple[tuple[str, float | None], ...], str | None]:
        """The node's ``values:`` (inline or a value set's name), checked against its
        scale; problems recorded."""
        where = [*path, "values"]
        if raw is None:
            return (), None
        if not measured:
            self.problem(where, f"{kind} '{node_id}' has value labels but no column; 'values' "
                         "reads answers given as text, so add 'column' or remove 'values'.")
            return (), None
        name: str | None = None
        if isinstance(raw, str):
            if raw not in self.value_sets:
                known = ", ".join(self.value_sets) or "none"
                self.problem(where, f"node '{node_id}' names the value set '{raw}', which "
                             f"'value_sets' does not define (defined: {known}).")
                return (), None
            name, pairs = raw, self.value_sets[raw]
        else:
            got = self.label_table(where, raw, f"node '{node_id}' values")
            if got is None:
                return (), None
            pairs = got
        if scale is not None:
            lo, hi = scale
            for text, v in pairs:
                if v is None:
                    continue
                if not lo <= v <= hi:
                    self.problem(where, f"node '{node_id}': the value label '{text}' is "
                                 f"{_num(v)}, outside the node's scale {_num(lo)}–{_num(hi)}.")
                    return (), None
                if kind == "outcome" and not float(v).is_integer():
                    self.problem(where, f"the outcome '{node_id}': the value label '{text}' "
                                 f"is {_num(v)}; recommend answers are whole numbers 0–10.")
                    return (), None
        return pairs, name

    def recode(self, path: list[str | int], node_id: str, kind: str,
               raw: Any) -> tuple[tuple[float, int], ...] | None:
        """The outcome's recode table as sorted ``(answer, LTR)`` pairs; ``None`` after a
        problem.  Keys are the answers in the data (numbers; JSON's text keys such as
        ``"1"`` too), values whole numbers 0–10."""
        where = [*path, "recode"]
        if raw is None:
            return ()
        if kind != "outcome":
            self.problem(where, f"node '{node_id}': only the outcome may have 'recode' (the "
                         "table that turns a recommend question on another scale into 0–10).")
            return None
        example = "e.g. recode: {1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 6: 6, 7: 7, 8: 8, 9: 9, 10: 10}"
        if not isinstance(raw, Mapping) or not raw:
            self.problem(where, f"the outcome's 'recode' must be a table answer: LTR, {example}.")
            return None
        pairs: dict[float, int] = {}
        for key, value in raw.items():
            answer: float | None = None
            if _is_number(key):
                answer = float(key)
            elif isinstance(key, str):
                try:
                    answer = float(key)
                except ValueError:
                    answer = None
                if answer is not None and not math.isfinite(answer):
                    answer = None
            if answer is None:
                self.problem(where, f"the outcome's 'recode' maps answers (numbers) to 0–10; "
                             f"{_short(key)} is not a number ({example}).")
                return None
            if (not _is_number(value) or not float(value).is_integer()
                    or not 0 <= float(value) <= 10):
                self.problem(where, f"the outcome's 'recode' gives answer {_num(answer)} the "
                             f"value {_short(value)}; each answer must map to a whole number "
                             "0–10, the NPS scale.")
                return None
            if answer in pairs:
                self.problem(where, f"the outcome's 'recode' lists answer {_num(answer)} twice.")
                return None
            pairs[answer] = int(value)
        return tuple(sorted(pairs.items()))

    def scale(self, path: list[str | int], node_id: str, kind: str, raw: Any,
              measured: bool) -> tuple[float, float] | bool | None:
        where = [*path, "scale"]
        if kind == "outcome":
            if raw is not None and (not isinstance(raw, list) or [
                    float(v) for v in raw if _is_number(v)] != list(OUTCOME_SCALE)):
                self.problem(where, f"the outcome '{node_id}' is the 0–10 recommend question; its "
                             "scale is always [0, 10] (remove 'scale' or write [0, 10]).")
                return False
            return OUTCOME_SCALE
        if raw is None:
            if measured:
                self.problem(path, f"measured node '{node_id}' needs a scale, e.g. "
                             "'scale: [1, 5]' (lowest and highest answer).")
                return False
            return None
        if not measured:
            self.problem(where, f"role '{node_id}' has a scale but no column; add 'column' or "
                         "remove 'scale'.")
            return False
        if (not isinstance(raw, list) or len(raw) != 2
                or not all(_is_number(v) for v in raw)):
            self.problem(where, f"node '{node_id}': scale must be two numbers [lowest, highest], "
                         f"e.g. [1, 5]; got {_short(raw)}.")
            return False
        lo, hi = float(raw[0]), float(raw[1])
        if lo == hi:
            self.problem(where, f"node '{node_id}': scale [{_num(lo)}, {_num(hi)}] has no range; "
                         "give the lowest and the highest answer, e.g. [1, 5].")
            return False
        if lo > hi:
            self.problem(where, f"node '{node_id}': scale [{_num(lo)}, {_num(hi)}] is reversed; "
                         f"write [{_num(hi)}, {_num(lo)}] (lowest first).")
            return False
        return (lo, hi)

    def edge(self, i: int, raw: Any) -> Edge | None:
        path: list[str | int] = ["edges", i]
        share: Any = None
        expected: Any = None
        if isinstance(raw, list):
            if len(raw) != 2:
                self.problem(path, f"an edge list must be [from, to]; got {_short(raw)}.")
                return None
            src, dst = raw
        elif isinstance(raw, Mapping):
            for key in raw:
                if key not in _EDGE_FIELDS:
                    hint = self.suggest(key, _EDGE_FIELDS)
                    self.problem([*path, str(key)], f"unknown edge field '{_name(key)}'.{hint} "
                                 f"Valid: {', '.join(_EDGE_FIELDS)}.")
                    return None
            if "from" not in raw or "to" not in raw:
                self.problem(path, "an edge needs 'from' and 'to'.")
                return None
            src, dst = raw["from"], raw["to"]
            share, expected = raw.get("share"), raw.get("expected")
        else:
            self.problem(path, "an edge is [from, to] or {from: a, to: b}; got "
                         f"{_short(raw)}.")
            return None
        if share is not None:
            if not _is_number(share) or not (0 < float(share) <= 1):
                self.problem([*path, "share"], f"share must be a number above 0 and at most 1; "
                             f"got {_short(share)}.")
                return None
            share = float(share)
        if expected is not None:
            expected = {"+": "+", "-": "-", "positive": "+", "negative": "-"}.get(str(expected))
            if expected is None:
                self.problem([*path, "expected"], "expected must be '+' or '-' (quote it in YAML: "
                             "expected: '+').")
                return None
        first: str | int = "from" if isinstance(raw, Mapping) else 0  # its line in JSON too
        ends = []
        for end, value in ((first, src), ("to" if first == "from" else 1, dst)):
            why = id_type_problem(value) or text_problem(value, MAX_ID_CHARS)
            if why is not None:
                self.problem([*path, end], f"the node id {why}.")
                return None
            ends.append(value)
        src, dst = ends
        return Edge(source=src, target=dst, share=share, expected=expected,
                    line=self.lines.line(*path, first))


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)

