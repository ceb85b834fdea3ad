"""Rendered journey maps: DOT source, and SVG / PNG / PDF through graphviz (docs/maps.md).

The map is laid out left to right in swimlanes (graphviz clusters).  With
``lanes="kind"`` the lanes are roles → touchpoints → factors → outcome; with
``lanes="stage"`` there is one lane per journey stage (in order of first appearance
in the map file; nodes without a stage in a lane ``other``) between the roles and the
outcome.  Every node gets an explicit column: the first column of its lane, or
further right when a parent in the same lane pushes it; an edge that points back to
an earlier lane is drawn without constraining the layout.  Inside a column the nodes
keep the journey order from top to bottom (stage, then file position).

With a :class:`~journeymap.engines.FitResult` the map shows numbers, all taken from
the result's records (nothing statistical is computed here):

* a measured node: its mean score of the scale maximum, its n and its NPS points
  (NPS points when everyone below the top rates it one point higher, docs/method.md, "NPS points");
  a node rated by fewer than ``min_responses`` respondents shows
  ``too few answers (n = 12)`` instead; a survey below it shows no figure at all;
* a role: its NPS points; the outcome: the NPS with its 95 % interval and n;
* an estimated edge: its estimate (points of the child per point of the parent) on
  a small white tag near the start of the edge, pen width ``1 + 6·|standardized|``
  (at most 7), blue ``#0072B2`` when positive and vermillion ``#D55E00`` when
  negative (Okabe–Ito, colour-blind safe), dashed when the 95 % interval contains 0,
  and a boxed ``✗ expected +`` tag with a plain-language tooltip when the data
  contradict the workshop's belief (``agrees`` false);
* a role's "acts on" edge: grey, labelled with the share when it is not 1.

``role=ROLE`` highlights every node and edge on that role's paths to the outcome
(from ``result.role_effects``, or from the graph without a result) and fades
everything else; highlighted edges carry the NPS points of the role's paths through
them instead of the estimate.  Every SVG node and edge of the role view has the
class ``highlight`` or ``faded``.

Examples
--------
>>> import journeymap as jm
>>> dot = to_dot(jm.example_map(), role="installer")
>>> dot.splitlines()[0]
'digraph journeymap {'
"""

from __future__ import annotations

import contextlib
import html
import math
import os
import re
import shutil
import signal
import subprocess
import textwrap
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from .. import limits
from ..exceptions import JourneymapError, MapTooLargeError, RenderError
from ..formatting import ci as _ci
from ..formatting import count as _count
from ..formatting import localize
from ..formatting import signed as _signed
from ..i18n import N_, ngettext
from ..i18n import gettext as _
from ..limits import DEFAULT_MIN_RESPONSES, check_min_responses
from ..outputs import write_atomic

if TYPE_CHECKING:
    from ..engines import FitResult
    from ..engines.result import EdgeEstimate, Effect, RoleEffect, Route
    from ..model import Edge, JourneyMap, Node

__all__ = ["FORMATS", "LANES", "EdgeDetail", "edge_details", "focusable_edges", "render",
           "to_dot", "write"]

FORMATS: tuple[str, ...] = ("svg", "png", "pdf", "dot")
LANES: tuple[str, ...] = ("kind", "stage")
SUFFIXES: dict[str, str] = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot",
                            ".gv": "dot"}
PNG_DPI = 150

FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
POSITIVE = "#0072B2"     # Okabe–Ito blue
NEGATIVE = "#D55E00"     # Okabe–Ito vermillion
ROLE_EDGE = "#6E6E6E"
FADED = "#BBBBBB"
FADED_TEXT = "#9A9A9A"
FADED_FILL = "#F6F6F6"
TEXT = "#1A1A1A"
MUTED = "#4D4D4D"
MAX_PENWIDTH = 7.0
WRAP = 20
ROUTES_WRAP = 14  # characters a line of a box's label in the narrow routes view
TAG_DISTANCE = 2.4  # × 10 points from the start of an edge
TAG_STAGGER = 1.6
TAG_TURN = "-30"  # degrees
LONG_EDGE_WEIGHT = "10"
# room inside a lane beside its nodes for the figures on the edges leaving them, before
# those edges meet the edges of other nodes
LANE_MARGIN = "50"
# nodes in one DOT edge chain ``a -> b -> …``: graphviz's parser keeps a whole chain on
# its stack and gives up ("memory exhausted") beyond about 2,500 nodes, so long chains
# (the column ruler, the order inside a column) are written as several statements
CHAIN_NODES = 100

_KIND_LANES = (("role", N_("Roles")), ("touchpoint", N_("Touchpoints")),
               ("factor", N_("Factors")), ("outcome", N_("Outcome")))
_STYLE: dict[str, dict[str, str]] = {
    "role": {"shape": "box", "style": "rounded,filled", "fillcolor": "#FCEFC7",
             "color": "#9A7B00", "penwidth": "1.5"},
    "touchpoint": {"shape": "box", "style": "filled", "fillcolor": "#E3EEF8",
                   "color": "#3D5A80", "penwidth": "1.2"},
    "factor": {"shape": "box", "style": "rounded,filled", "fillcolor": "#E6F2E6",
               "color": "#4F7F4F", "penwidth": "1.2"},
    "outcome": {"shape": "box", "style": "filled", "fillcolor": "#1F2D3D",
                "color": "#1F2D3D", "penwidth": "2"},
}
_LANE_FILL = ("#F7F7F7", "#FFFFFF")


# ------------------------------------------------------------------ formatting
def _number(x: float, digits: int = 1) -> str:
    """A plain number without a trailing ``.0`` (``5``, ``0.2``, ``0.33``)."""
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return localize(text) if text not in ("", "-0") else "0"


def _share_text(share: float) -> str:
    return _number(share, 2)


def _crosses_zero(ci: Iterable[float] | None) -> bool:
    if ci is None:
        return False
    lo, hi = ci
    return bool(lo <= 0.0 <= hi)


def _wrap(text: str, width: int = WRAP) -> list[str]:
    """Word-wrap a label; never cuts a word (Swedish compounds stay whole)."""
    text = _clip(text)
    lines = textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=True)
    return lines or [text]


# characters XML 1.0 forbids (graphviz parses HTML-like labels as XML and writes SVG):
# C0 controls except tab, newline and return, DEL and C1 controls (shown, not dropped),
# lone surrogates and the non-characters U+FFFE / U+FFFF
_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _visible(match: re.Match[str]) -> str:
    """A control character as its Unicode "control picture" (ESC → ␛), others as �."""
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def _clip(text: str) -> str:
    """``text`` cut to :data:`~journeymap.limits.MAX_DRAWN_TEXT` characters, ending in …."""
    limit = limits.MAX_DRAWN_TEXT
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _clean(text: object) -> str:
    """``text`` clipped, with every character XML and DOT cannot carry made visible."""
    return _INVALID.sub(_visible, _clip(str(text)))


def _h(text: object) -> str:
    """Escape text for a graphviz HTML-like label (& < > " '; control characters shown)."""
    cleaned = _clean(text).replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return html.escape(cleaned, quote=True)


def _q(text: object) -> str:
    """A DOT double-quoted string (escString: backslashes and quotes escaped)."""
    s = (_clean(text).replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ")
         .replace("\t", " ").replace("\n", "\\n"))
    return f'"{s}"'


def _chain(names: list[str], attrs: str = "") -> list[str]:
    """``a -> b -> c …`` as statements of at most :data:`CHAIN_NODES` nodes each.

    Consecutive statements share their end node, so the edges are those of one chain.
    """
    step = CHAIN_NODES - 1
    return [" -> ".join(_q(x) for x in names[i:i + CHAIN_NODES]) + attrs + ";"
            for i in range(0, max(len(names) - 1, 1), step)]


def _attrs(attrs: Mapping[str, str | None]) -> str:
    parts = []
    for k, v in attrs.items():
        if v is None:
            continue
        parts.append(f"{k}=<{v[1:-1]}>" if v.startswith("<") and v.endswith(">")
                     else f"{k}={_q(v)}")
    return " [" + ", ".join(parts) + "]" if parts else ""


def _font(text: str, *, size: int | None = None, color: str | None = None,
          bold: bool = False) -> str:
    if bold:
        text = f"<B>{text}</B>"
    attrs = ""
    if size is not None:
        attrs += f' POINT-SIZE="{size}"'
    if color is not None:
        attrs += f' COLOR="{color}"'
    return f"<FONT{attrs}>{text}</FONT>" if attrs else text


# ------------------------------------------------------------------- context
@dataclass
class _Context:
    """What a drawing needs: the map, the result's records by key and the highlight."""

    m: JourneyMap
    result: FitResult | None
    min_responses: int
    role: str | None
    suppressed: bool = False
    effects: dict[str, Effect] = field(default_factory=dict)
    roles: dict[str, RoleEffect] = field(default_factory=dict)
    edges: dict[tuple[str, str], EdgeEstimate] = field(default_factory=dict)
    on_path: set[str] = field(default_factory=set)
    path_edges: set[tuple[str, str]] = field(default_factory=set)
    edge_points: dict[tuple[str, str], float] = field(default_factory=dict)
    #: the fit's routes through each edge (role view): one route's interval is worded
    edge_routes: dict[tuple[str, str], list[Route]] = field(default_factory=dict)
    #: the nodes drawn: all (None), or only the role's routes when the whole map is
    #: larger than one picture may be or when only they are asked for (``routes``)
    drawn: set[str] | None = None
    #: the narrow layout of the role's routes only, top to bottom (for phones)
    routes: bool = False

    def draws(self, node_id: str) -> bool:
        return self.drawn is None or node_id in self.drawn

    @property
    def numbers(self) -> bool:
        """True when figures are drawn (a result whose survey is not suppressed)."""
        return self.result is not None and not self.suppressed

    def faded(self, node_id: str) -> bool:
        return self.role is not None and node_id not in self.on_path

    def edge_faded(self, e: Edge) -> bool:
        return self.role is not None and (e.source, e.target) not in self.path_edges


def _context(m: JourneyMap, result: FitResult | None, role: str | None,
             min_responses: int, routes_only: bool = False) -> _Context:
    check_min_responses(min_responses)
    if routes_only and role is None:
        raise JourneymapError("drawing only a role's routes needs the role (--role ROLE).")
    ctx = _Context(m=m, result=result, min_responses=min_responses, role=role,
                   routes=routes_only)
    if result is not None:
        ctx.suppressed = result.nps.n < min_responses
        ctx.effects = {rec.node: rec for rec in result.node_effects}
        ctx.roles = {rec.role: rec for rec in result.role_effects}
        ctx.edges = {(rec.source, rec.target): rec for rec in result.edge_estimates}
    if role is not None:
        node = m.node(role)  # UnknownNodeError with suggestions
        if node.kind != "role":
            names = ", ".join(r.id for r in m.roles) or "none"
            raise JourneymapError(f"'{role}' is a {node.kind}, not a role; roles in this map: "
                                  f"{names}.")
        rec = None if result is None else next(
            (r for r in result.role_effects if r.role == role), None)
        if rec is not None:  # the paths of the fit, with their NPS points
            for p in rec.paths:
                nodes, points = list(p.nodes), p.nps_points
                ctx.on_path.update(nodes)
                for a, b in pairwise(nodes):
                    ctx.path_edges.add((a, b))
                    ctx.edge_routes.setdefault((a, b), []).append(p)
                    if points is not None:
                        ctx.edge_points[(a, b)] = ctx.edge_points.get((a, b), 0.0) + points
        else:
            ctx.on_path, ctx.path_edges = _routes(m, role)
        ctx.on_path.add(role)
        if routes_only or _too_large(len(m.nodes), len(m.edges)):
            ctx.drawn = set(ctx.on_path)
    return ctx


def _routes(m: JourneyMap, role: str) -> tuple[set[str], set[tuple[str, str]]]:
    """The nodes and edges on some path from ``role`` to the outcome.

    In an acyclic map a node is on such a path exactly when the role reaches it and it
    reaches the outcome, so two graph searches find them (in time linear in the map,
    where listing every path could take exponential time).
    """
    import networkx as nx

    g = m.to_networkx()
    if role not in g or m.outcome not in g or not nx.has_path(g, role, m.outcome):
        return set(), set()
    nodes = (nx.descendants(g, role) | {role}) & (nx.ancestors(g, m.outcome) | {m.outcome})
    edges = {(e.source, e.target) for e in m.edges
             if e.source in nodes and e.target in nodes}
    return nodes, edges


def _too_large(nodes: int, edges: int) -> bool:
    return nodes > limits.MAX_RENDER_NODES or edges > limits.MAX_RENDER_EDGES


# ------------------------------------------------------------------- layout
def _stage_order(m: JourneyMap) -> dict[str, int]:
    """Stages in order of first appearance in the map file."""
    order: dict[str, int] = {}
    for n in m.nodes:
        if n.stage is not None and n.stage not in order:
            order[n.stage] = len(order)
    return order


def _lanes(m: JourneyMap, lanes: str) -> list[tuple[str, list[Node]]]:
    """``(title, nodes)`` of each non-empty lane, left to right."""
    if lanes == "kind":
        groups = [(_(title), [n for n in m.nodes if n.kind == kind])
                  for kind, title in _KIND_LANES]
    else:
        stages = _stage_order(m)
        middle = [n for n in m.nodes if n.kind not in ("role", "outcome")]
        by_stage: dict[str, list[Node]] = {s: [] for s in stages}
        other: list[Node] = []
        for n in middle:
            if n.stage is None or n.stage == "other":
                other.append(n)
            else:
                by_stage[n.stage].append(n)
        groups = [(_("Roles"), list(m.roles))]
        groups += [(s[:1].upper() + s[1:], ns) for s, ns in by_stage.items()]
        groups += [(_("Other"), other), (_("Outcome"), [m.outcome_node])]
    return [(title, ns) for title, ns in groups if ns]


def _order_key(m: JourneyMap, stages: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Top-to-bottom order inside a column: journey stage, then file position.

    A role without a stage takes the earliest stage of what it acts on.
    """
    pos = {n.id: i for i, n in enumerate(m.nodes)}
    last = len(stages)
    key: dict[str, tuple[int, int]] = {}
    for n in m.nodes:
        key[n.id] = (stages[n.stage] if n.stage is not None else last, pos[n.id])
    for n in m.roles:
        if n.stage is None:
            kids = [key[c] for c in m.children(n.id)]
            if kids:
                key[n.id] = (min(kids)[0], pos[n.id])
    return key


def _columns(m: JourneyMap, lanes: list[tuple[str, list[Node]]]
             ) -> tuple[dict[str, int], set[tuple[str, str]]]:
    """Column of every node and the edges that point back to an earlier lane."""
    lane_of = {n.id: i for i, (_, ns) in enumerate(lanes) for n in ns}
    topo = [n for n in m.topological_order if n in lane_of]
    backward = {(e.source, e.target) for e in m.edges
                if e.source in lane_of and e.target in lane_of
                and lane_of[e.source] > lane_of[e.target]}
    col: dict[str, int] = {}
    start = 0
    for i in range(len(lanes)):
        members = [n for n in topo if lane_of[n] == i]
        for n in members:
            parents = [col[p] + 1 for p in m.parents(n) if (p, n) not in backward and p in col]
            col[n] = max([start, *parents])
        start = max(col[n] for n in members) + 1
    return col, backward


# -------------------------------------------------------------------- labels
def _suppressed_line(n: float | None, color: str) -> str:
    return _font(_h(_("too few answers (n = %(n)s)") % {"n": _count(n)}), size=13, color=color)


def _node_label(node: Node, ctx: _Context) -> str:
    faded = ctx.faded(node.id)
    is_outcome = node.kind == "outcome"
    title_color = FADED_TEXT if faded else ("#FFFFFF" if is_outcome else TEXT)
    sub_color = FADED_TEXT if faded else ("#E8E8E8" if is_outcome else MUTED)
    size = 20 if is_outcome else 17
    wrap = ROUTES_WRAP if ctx.routes else WRAP
    lines = [_font("<BR/>".join(_h(t) for t in _wrap(node.display, wrap)), size=size,
                   color=title_color, bold=True)]
    if ctx.result is not None and ctx.suppressed and is_outcome:
        lines.append(_suppressed_line(ctx.result.nps.n, sub_color))
    elif ctx.numbers and ctx.result is not None:
        if is_outcome:
            s = ctx.result.nps
            lines.append(_font(_h(f"NPS {_signed(s.value)} ({_ci(s.ci)})"), size=19,
                               color=title_color, bold=True))
            lines.append(_font(_h(f"n {_count(s.n)}"), size=13, color=sub_color))
        else:
            lines.extend(_figure_lines(node, ctx, faded, sub_color))
    return "<" + "<BR/>".join(lines) + ">"


def _figure_lines(node: Node, ctx: _Context, faded: bool, sub_color: str) -> list[str]:
    out: list[str] = []
    eff = ctx.effects.get(node.id)
    strong = FADED_TEXT if faded else TEXT
    if eff is not None:
        n = eff.n
        if n is not None and n < ctx.min_responses:
            return [_suppressed_line(n, sub_color)]
        mean = eff.mean
        parts = []
        if mean is not None and node.scale is not None:
            parts.append(_("mean %(mean)s of %(top)s") % {"mean": localize(f"{mean:.1f}"),
                                                            "top": _number(node.scale[1])})
        if n is not None:
            parts.append(f"n {_count(n)}")
        if parts:  # one line each in the narrow routes view
            texts = parts if ctx.routes else [" · ".join(parts)]
            out.extend(_font(_h(t), size=13, color=sub_color) for t in texts)
        points = eff.nps_points
    elif node.kind == "role" and node.id in ctx.roles:
        points = ctx.roles[node.id].nps_points
    else:
        points = None
    if points is not None:
        if eff is not None and ctx.role is not None:
            # in a role's view the arrows carry the role's parts; a node's own figure
            # (everyone rating it alone one point higher) is another quantity and says so
            out.append(_font(_h(_("alone, everyone +1:")), size=13, color=sub_color))
        out.append(_font(_h(_("%(points)s NPS points") % {"points": _signed(points)}),
                         size=ROUTES_MIN_FONT if ctx.routes else 15, color=strong, bold=True))
    return out


def _node_tooltip(node: Node, ctx: _Context) -> str:
    kind = {"role": _("Role"), "touchpoint": _("Touchpoint"), "factor": _("Factor"),
            "outcome": _("Outcome")}[node.kind]
    text = f"{kind}: {node.display}"
    if node.stage:
        text += " " + _("(stage %(stage)s)") % {"stage": node.stage}
    if node.description:
        text += f". {node.description}"
    if not ctx.numbers or ctx.result is None:
        return text
    if node.kind == "outcome":
        s = ctx.result.nps
        return f"{text}. " + _("NPS %(nps)s (95 %%: %(ci)s) from %(n)s answers: %(promoters)s "
                               "promoters, %(passives)s passives, %(detractors)s "
                               "detractors.") % {
            "nps": _signed(s.value), "ci": _ci(s.ci), "n": _count(s.n),
            "promoters": _count(s.promoters), "passives": _count(s.passives),
            "detractors": _count(s.detractors)}
    eff = ctx.effects.get(node.id)
    if eff is not None:
        n = eff.n
        if n is not None and n < ctx.min_responses:
            return f"{text}. " + _("Too few answers (n = %(n)s; at least %(min)s needed), "
                                   "so no figures are shown.") % {
                "n": _count(n), "min": ctx.min_responses}
        return f"{text}. " + _("If everyone below the top rated it one point higher, NPS "
                               "would move by about %(points)s points (95 %%: %(ci)s).") % {
            "points": _signed(eff.nps_points), "ci": _ci(eff.nps_points_ci)}
    rec = ctx.roles.get(node.id)
    if rec is not None:
        return f"{text}. " + _("One point better on everything this role acts on moves NPS "
                               "by about %(points)s points (95 %%: %(ci)s).") % {
            "points": _signed(rec.nps_points), "ci": _ci(rec.nps_points_ci)}
    return text


# --------------------------------------------------------------------- edges
def _edge_attrs(e: Edge, ctx: _Context, index: int = 0) -> dict[str, str | None]:
    """Attributes of one edge; ``index`` is its place among its source's estimated edges.

    An estimated edge carries its figure as a tag on the edge near its start (so it
    is clear which arrow it belongs to where several arrows meet; the tags of one
    node's edges are staggered); a role's share and, in the role view, the NPS
    points of the role's paths through the edge are ordinary mid-edge labels.
    """
    m = ctx.m
    src, dst = m.node(e.source), m.node(e.target)
    faded = ctx.edge_faded(e)
    highlighted = ctx.role is not None and not faded
    rec = ctx.edges.get((e.source, e.target)) if ctx.numbers else None
    points = ctx.edge_points.get((e.source, e.target)) if ctx.numbers else None
    attrs: dict[str, str | None] = {"class": "highlight" if highlighted else
                                    ("faded" if faded else None)}
    tag: list[str] = []
    mid: list[str] = []
    boxed = False
    text_color = FADED_TEXT if faded else MUTED
    if rec is None or rec.estimate is None:
        # a role's "acts on" edge, or any edge of the structure-only map
        if src.kind == "role":
            color, width = ROLE_EDGE, 2.0
            tip = _("%(source)s acts on %(target)s") % {"source": src.display,
                                                          "target": dst.display}
            share = m.share(e)
            if share is not None and ctx.numbers and not math.isclose(share, 1.0):
                mid.append(_font(_h(_("share %(share)s") % {"share": _share_text(share)}),
                                 color=text_color))
                tip += " " + _("(a share of %(share)s of it)") % {"share": _share_text(share)}
        else:
            color, width = "#555555", 1.5
            names = {"source": src.display, "target": dst.display}
            tip = _("%(source)s affects %(target)s") % names
            if e.expected is not None:
                tip += " " + (_("(the workshop expects more %(source)s to raise it)")
                              if e.expected == "+" else
                              _("(the workshop expects more %(source)s to lower it)")) % names
        if highlighted:
            width += 1.0
        attrs.update(color=FADED if faded else color, penwidth=_num_attr(width),
                     tooltip=tip + ".")
    elif rec.n is not None and rec.n < ctx.min_responses:
        attrs.update(color=FADED if faded else "#8C8C8C", penwidth="1.5", style="dotted",
                     tooltip=f"{src.display} → {dst.display}: " + _(
                         "too few answers (n = %(n)s; at least %(min)s needed), so no "
                         "estimate is shown.") % {"n": _count(rec.n),
                                                  "min": ctx.min_responses})
        tag.append(_font(_h(f"n = {_count(rec.n)}"), color=text_color))
    else:
        est = float(rec.estimate)
        std = rec.standardized
        width = 2.0 if std is None else min(1.0 + 6.0 * abs(float(std)), MAX_PENWIDTH)
        sign_color = POSITIVE if est >= 0 else NEGATIVE
        styles = ["dashed"] if _crosses_zero(rec.ci) else []
        boxed = rec.agrees is False
        if boxed:
            styles.append("bold")
            width = max(width, 3.0)
        if highlighted:
            width += 1.0
        if ctx.role is None:
            tag.append(_font(_h(_signed(est, 2)), color=sign_color, bold=True))
        # in the role view the highlighted edges carry the NPS points of the role's
        # routes instead (the estimate stays in the tooltip); faded edges carry nothing
        if boxed and not faded:
            mark = "✗ " + _("expected %(sign)s") % {"sign": rec.expected or e.expected}
            tag.append(_font(_h(mark), color=NEGATIVE, bold=True))
        attrs.update(color=FADED if faded else sign_color, penwidth=_num_attr(width),
                     style=",".join(styles) or None, tooltip=_edge_tooltip(src, dst, rec, e))
    if points is not None:
        if ctx.routes:  # the number alone keeps the narrow view narrow; the legend says
            # what it is (with this map's own example)
            mid.append(_font(_h(_signed(points)), color=TEXT, bold=True))
        elif rec is None or rec.estimate is None:
            mid.append(_font(_h(_("%(points)s NPS pts") % {"points": _signed(points)}),
                             color=TEXT, bold=True))
        else:  # two short lines keep the tag narrow beside its node
            tag.insert(0, _font(_h(_signed(points)), color=TEXT, bold=True) + "<BR/>"
                       + _font(_h(_("NPS pts")), size=11, color=TEXT))
    if points is not None and ctx.role is not None:  # the figure on the arrow, in words
        words = _("If %(role)s did one point better on everything it acts on, about "
                  "%(points)s NPS points of the change would go through this arrow.") % {
            "role": m.node(ctx.role).display, "points": localize(f"{abs(points):.1f}")}
        through = ctx.edge_routes.get((e.source, e.target), [])
        if len(through) == 1 and through[0].nps_points_ci is not None:
            # one route: its own interval (the library's; a sum of routes has none)
            words += " " + _("Very likely between %(low)s and %(high)s NPS points "
                             "(95 %%).") % {"low": _signed(through[0].nps_points_ci[0]),
                                            "high": _signed(through[0].nps_points_ci[1])}
        elif len(through) > 1:
            words += " " + ngettext(
                "It adds up %(num)d route; the likely range of each route is in the list "
                "of routes.", "It adds up %(num)d routes; the likely range of each route is "
                "in the list of routes.", len(through)) % {"num": len(through)}
        attrs["tooltip"] = (f"{attrs.get('tooltip') or ''} {words}").strip()
    if ctx.routes and tag:  # the narrow view: ordinary labels, which graphviz keeps apart
        mid, tag = [*mid, *tag], []
    if mid:
        attrs["label"] = "<" + "<BR/>".join(mid) + ">"
    if tag:
        frame = (f'BORDER="2" COLOR="{NEGATIVE}" BGCOLOR="#FFF1E6"' if boxed and not faded
                 else 'BORDER="0" BGCOLOR="white"')
        attrs["taillabel"] = (f'<<TABLE {frame} CELLBORDER="0" CELLPADDING="2" '
                              f'CELLSPACING="0"><TR><TD>{"<BR/>".join(tag)}</TD></TR></TABLE>>')
        # a node's first edge has its tag on the line; the next ones a little further out
        # and turned clockwise, so that two tags at one corner do not cover each other
        attrs.update(labelangle="0" if index == 0 else TAG_TURN,
                     labeldistance=_num_attr(max(TAG_DISTANCE, _half_width(tag) / 10 + 0.4)
                                             + TAG_STAGGER * index))
    return attrs


def _half_width(fragments: list[str], size: float = 14.0) -> float:
    """Rough half width in points of a tag (bold DejaVu Sans: about 0.62 em a character)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", "\n".join(fragments).replace("<BR/>", "\n")))
    return max(len(line.strip()) for line in text.split("\n")) * 0.62 * size / 2


def _num_attr(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _edge_tooltip(src: Node, dst: Node, rec: EdgeEstimate, e: Edge) -> str:
    est = math.nan if rec.estimate is None else rec.estimate
    ci = rec.ci
    figures = f"{_signed(est, 2)}, 95 % {_ci(ci, 2)}"
    n = rec.n
    names = {"source": src.display, "target": dst.display, "figures": figures,
             "estimate": _signed(est, 2), "ci": _ci(ci, 2)}
    per = _("%(estimate)s points of %(target)s per point of %(source)s") % names
    per += f" (95 %: {_ci(ci, 2)}{'' if n is None else f', n = {_count(n)}'})"
    expected = rec.expected or e.expected
    if rec.agrees is False:
        if expected == "+":
            text = _("The workshop expected more %(source)s to raise %(target)s; the data say "
                     "it lowers it (%(figures)s).")
        else:
            text = _("The workshop expected more %(source)s to lower %(target)s; the data say "
                     "it raises it (%(figures)s).")
        return text % names
    if _crosses_zero(ci):
        return _("The data cannot tell whether more %(source)s raises or lowers %(target)s "
                 "(%(figures)s).") % names
    if est >= 0:
        return _("More %(source)s raises %(target)s: %(per)s.") % {**names, "per": per}
    return _("More %(source)s lowers %(target)s: %(per)s.") % {**names, "per": per}


# ------------------------------------------------------------------- title
def _lines(text: str, width: int | None) -> str:
    """``text`` escaped, wrapped at ``width`` characters (None: one line)."""
    if width is None:
        return _h(text)
    return '<BR ALIGN="LEFT"/>'.join(_h(t) for t in _wrap(text, width)) + '<BR ALIGN="LEFT"/>'


def _title(ctx: _Context) -> str:
    """The graph label: the map's name, the NPS of the survey, and a legend beside them
    (below them in the narrow routes view)."""
    m = ctx.m
    name = m.name or _("Customer journey")
    narrow = ctx.routes
    rows = [_font("<BR/>".join(_h(t) for t in _wrap(name, 22 if narrow else 60)),
                  size=22 if narrow else 30, color=TEXT, bold=True)]
    if ctx.role is not None:
        rows.append(_font(_lines(_("How %(role)s reaches NPS: the highlighted routes")
                                 % {"role": m.node(ctx.role).display}, 28 if narrow else None),
                          size=18 if narrow else 20, color=TEXT, bold=True))
        if ctx.drawn is not None and _too_large(len(m.nodes), len(m.edges)):
            rows.append(_font(_lines(_(
                "Only these routes are drawn: the whole map (%(nodes)s nodes, %(edges)s "
                "edges) is larger than one picture holds (%(max_nodes)s nodes, %(max_edges)s "
                "edges)") % {"nodes": _count(len(m.nodes)), "edges": _count(len(m.edges)),
                             "max_nodes": _count(limits.MAX_RENDER_NODES),
                             "max_edges": _count(limits.MAX_RENDER_EDGES)},
                34 if narrow else None), size=16, color=MUTED))
    if ctx.result is not None:
        s = ctx.result.nps
        if ctx.suppressed:
            line = _("Figures suppressed: only %(n)s answers (at least %(min)s are needed)") % {
                "n": _count(s.n), "min": ctx.min_responses}
        else:
            line = _("NPS %(nps)s (95 %%: %(ci)s) from %(n)s answers") % {
                "nps": _signed(s.value), "ci": _ci(s.ci), "n": _count(s.n)}
        rows.append(_font(_lines(line, 30 if narrow else None), size=18 if narrow else 20,
                          color=MUTED))
    if narrow and ctx.numbers:
        rows.append(_legend(ctx))
    left = "".join(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{r}</TD></TR>' for r in rows)
    cells = f'<TD ALIGN="LEFT" VALIGN="TOP"><TABLE BORDER="0" CELLPADDING="2">{left}</TABLE></TD>'
    if ctx.numbers and not narrow:
        cells += f'<TD WIDTH="40"></TD><TD ALIGN="LEFT" VALIGN="TOP">{_legend(ctx)}</TD>'
    return f'<<TABLE BORDER="0" CELLPADDING="0" CELLSPACING="0"><TR>{cells}</TR></TABLE>>'


def _strongest_edge(ctx: _Context) -> EdgeEstimate | None:
    """The drawn edge with an estimate whose arrow is the thickest (largest standardized
    estimate, else largest estimate), for the legend's example; None without one."""
    recs = [r for r in ctx.edges.values() if r.estimate is not None
            and (r.n is None or r.n >= ctx.min_responses)
            and ctx.draws(r.source) and ctx.draws(r.target)]
    if not recs:
        return None
    return max(recs, key=lambda r: abs(float(r.standardized if r.standardized is not None
                                              else r.estimate or 0.0)))


def _strongest_node(ctx: _Context) -> Effect | None:
    """The drawn node with the largest NPS points (shown, not suppressed), or None."""
    recs = [r for r in ctx.effects.values() if r.nps_points is not None and ctx.draws(r.node)
            and (r.n is None or r.n >= ctx.min_responses)]
    return max(recs, key=lambda r: abs(float(r.nps_points or 0.0)), default=None)


def _legend(ctx: _Context) -> str:
    """What the colours, lines and numbers mean; only the items the map shows, and the
    numbers explained with figures of this map (its strongest arrow and box)."""
    size = 15
    m = ctx.m
    recs = [r for r in ctx.edges.values() if r.estimate is not None
            and (r.n is None or r.n >= ctx.min_responses)]
    items = [(_font("━━▶", size=size, color=POSITIVE, bold=True),
              _("more of it raises the next box"))]
    if any(r.estimate is not None and r.estimate < 0 for r in recs):
        items.append((_font("━━▶", size=size, color=NEGATIVE, bold=True),
                      _("more of it lowers the next box")))
    if any(_crosses_zero(r.ci) for r in recs):
        items.append((_font("╍╍▶", size=size, color=MUTED, bold=True),
                      _("not sure: the 95 %% interval includes 0") % {}))
    strong = _strongest_edge(ctx) if ctx.role is None else None
    if strong is not None and strong.estimate is not None:
        est = float(strong.estimate)
        names = {"source": m.node(strong.source).display,
                 "target": m.node(strong.target).display,
                 "value": localize(f"{abs(est):.2f}")}
        text = (_("%(source)s → %(target)s: when %(source)s is rated one point higher, "
                  "%(target)s is rated about %(value)s points higher; thicker arrows are "
                  "stronger") if est >= 0 else
                _("%(source)s → %(target)s: when %(source)s is rated one point higher, "
                  "%(target)s is rated about %(value)s points lower; thicker arrows are "
                  "stronger")) % names
        items.append((_font(_h(_signed(est, 2)), size=size,
                            color=POSITIVE if est >= 0 else NEGATIVE, bold=True), text))
    node = _strongest_node(ctx)
    if node is not None and node.nps_points is not None:
        label = m.node(node.node).display
        items.append((_font(_h(_("%(points)s NPS points") % {
                          "points": _signed(node.nps_points)}), size=size, color=TEXT,
                          bold=True),
                      _("%(node)s: if everyone below the top rated %(node)s one point "
                        "higher, NPS would move by about %(points)s points")
                      % {"node": label, "points": localize(f"{abs(float(node.nps_points)):.1f}")}))
    if any(r.agrees is False for r in recs):
        items.append((_font(_h("✗ " + _("expected %(sign)s") % {"sign": "+"}), size=size,
                            color=NEGATIVE, bold=True),
                      _("the data contradict what the workshop expected")))
    if ctx.role is not None and ctx.edge_points:
        (a, b), points = max(ctx.edge_points.items(), key=lambda kv: abs(kv[1]))
        shown = (_signed(points) if ctx.routes  # as on the arrow
                 else _("%(points)s NPS pts") % {"points": _signed(points)})
        items.append((_font(_h(shown), size=size, color=TEXT, bold=True),
                      _("%(source)s → %(target)s: if %(role)s did one point better on "
                        "everything it acts on, about %(points)s NPS points of the change "
                        "would go through this arrow")
                      % {"source": m.node(a).display, "target": m.node(b).display,
                         "role": m.node(ctx.role).display,
                         "points": localize(f"{abs(points):.1f}")}))
    if ctx.routes:  # one column: the symbol above its words
        cells = "".join(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{sym}<BR ALIGN="LEFT"/>'
                        f"{_font(_lines(text, 34), size=size, color=MUTED)}</TD></TR>"
                        for sym, text in items)
    else:
        cells = "".join(f'<TR><TD ALIGN="RIGHT" VALIGN="TOP">{sym}</TD>'
                        f'<TD ALIGN="LEFT" BALIGN="LEFT">'
                        f"{_font(_lines(text, 64), size=size, color=MUTED)}</TD></TR>"
                        for sym, text in items)
    return f'<TABLE BORDER="0" CELLPADDING="1" CELLSPACING="1">{cells}</TABLE>'


# -------------------------------------------------------------------- build
def _drawn_size(ctx: _Context) -> tuple[int, int]:
    """The numbers of map nodes and edges a drawing of ``ctx`` has."""
    m = ctx.m
    if ctx.drawn is None:
        return len(m.nodes), len(m.edges)
    return len(ctx.drawn), sum(ctx.draws(e.source) and ctx.draws(e.target) for e in m.edges)


@dataclass
class _Layout:
    """Where the drawn nodes go: their lanes, columns, order in a column, and the edges."""

    lanes: list[tuple[str, list[Node]]]
    col: dict[str, int]
    backward: set[tuple[str, str]]
    order: dict[str, tuple[int, int]]
    #: the drawn edges in map order (column, then top to bottom), so that the DOT text
    #: reads like the map and does not depend on the order of the map file's edges
    edges: list[Edge]


def _layout(ctx: _Context, lanes: str) -> _Layout:
    if lanes not in LANES:
        raise JourneymapError(f"unknown lanes '{lanes}'; valid: {', '.join(LANES)}.")
    m = ctx.m
    lane_list = [(title, kept) for title, ns in _lanes(m, lanes)
                 if (kept := [n for n in ns if ctx.draws(n.id)])]
    col, backward = _columns(m, lane_list)
    order = _order_key(m, _stage_order(m))
    if ctx.routes:  # one box a row, in the order of the columns: as narrow as it gets
        col = {nid: i for i, nid in enumerate(sorted(col, key=lambda x: (col[x], order[x])))}
    drawn = [e for e in m.edges if ctx.draws(e.source) and ctx.draws(e.target)]
    drawn.sort(key=lambda x: (col[x.source], order[x.source], col[x.target], order[x.target]))
    return _Layout(lane_list, col, backward, order, drawn)


def _edge_id(index: int) -> str:
    """The SVG ``id`` of the drawn edge at ``index`` (its place in :attr:`_Layout.edges`)."""
    return f"arrow{index + 1}"


def _build(ctx: _Context, lanes: str, graph_attrs: Mapping[str, str] | None = None) -> str:
    """The DOT text of the drawing ``ctx`` describes (``graph_attrs``: size, dpi)."""
    m = ctx.m
    lay = _layout(ctx, lanes)
    col, backward, order = lay.col, lay.backward, lay.order

    out = ["digraph journeymap {"]
    graph: dict[str, str | None] = {
        "rankdir": "LR", "newrank": "true", "fontname": FONT, "fontsize": "14",
        "bgcolor": "white", "pad": "0.4", "nodesep": "0.45", "ranksep": "0.9",
        "labelloc": "t", "labeljust": "l", "charset": "UTF-8", "splines": "spline",
        "outputorder": "edgesfirst",
        # the final crossing pass over the whole graph ignores the order of the
        # nodes inside a lane; without it the journey order (below) is kept
        "remincross": "false", "label": _title(ctx)}
    if ctx.routes:  # narrow, top to bottom, without lanes: a phone's screen
        graph.update(rankdir="TB", pad="0.1", nodesep="0.08", ranksep="0.55",
                     labeljust="c")
    graph.update(graph_attrs or {})
    out.append("  graph" + _attrs(graph) + ";")
    out.append("  node" + _attrs({"fontname": FONT, "fontsize": "16", "margin": "0.18,0.1",
                                  "fontcolor": TEXT}) + ";")
    out.append("  edge" + _attrs({"fontname": FONT, "fontsize": "14", "arrowsize": "0.8"}) + ";")

    for i, (title, nodes) in enumerate(lay.lanes):
        indent = "  " if ctx.routes else "    "
        if not ctx.routes:
            out.append(f"  subgraph cluster_lane_{i} {{")
            out.append("    graph" + _attrs({
                "label": f"<{_font(_h(title), size=20, color=MUTED, bold=True)}>",
                "labeljust": "c", "style": "filled,rounded", "color": "#D9D9D9",
                # the outcome's title goes below it: arrows arrive from above and the left
                "labelloc": "b" if i == len(lay.lanes) - 1 else "t",
                "fillcolor": _LANE_FILL[i % 2], "margin": LANE_MARGIN}) + ";")
        for n in sorted(nodes, key=lambda x: (col[x.id], order[x.id])):
            out.append(f"{indent}{_q(n.id)}" + _attrs(_node_attrs(n, ctx)) + ";")
        if not ctx.routes:
            out.append("  }")

    # explicit columns: an invisible ruler, one rank=same group per column
    n_cols = max(col.values()) + 1
    out.append("  subgraph ruler {")
    out.append("    node" + _attrs({"style": "invis", "shape": "point", "width": "0",
                                     "height": "0", "label": "", "class": "ruler"}) + ";")
    out.append("    edge" + _attrs({"style": "invis"}) + ";")
    out.extend("    " + line for line in _chain([f"rank {c}" for c in range(n_cols)]))
    out.append("  }")
    by_col: list[list[str]] = [[] for _ in range(n_cols)]
    for nid in sorted(col, key=lambda x: order[x]):
        by_col[col[nid]].append(nid)
    for c, members in enumerate(by_col):
        out.append("  { rank=same; " + "; ".join(_q(x) for x in [f"rank {c}", *members]) + "; }")
        if len(members) > 1:  # keep the journey order: a chain of invisible flat edges;
            # inside a lane (cluster) dot 2.43 puts a flat edge's tail below its head with
            # rankdir=LR, so the chain runs from the bottom up; without lanes (top to
            # bottom) a tail goes left of its head
            chain = members if ctx.routes else members[::-1]
            out.extend("  " + line for line in _chain(chain, ' [style="invis"]'))

    if ctx.routes:  # a heavy invisible spine keeps the boxes in one column
        spine = sorted(col, key=lambda x: col[x])
        out.extend("  " + line for line in _chain(spine, ' [style="invis", weight="50"]'))

    seen: dict[str, int] = {}
    for k, e in enumerate(lay.edges):
        index = seen.get(e.source, 0)
        if m.is_estimated(e):
            seen[e.source] = index + 1
        attrs = _edge_attrs(e, ctx, index)
        attrs["id"] = _edge_id(k)
        if (e.source, e.target) in backward:
            attrs["constraint"] = "false"
        elif col[e.target] - col[e.source] > 1:
            # keep long edges straight: it lifts the lanes they pass out of their way
            attrs["weight"] = LONG_EDGE_WEIGHT
        out.append(f"  {_q(e.source)} -> {_q(e.target)}" + _attrs(attrs) + ";")
    out.append("}")
    return "\n".join(out) + "\n"


# our own attribute syntax (user text is escaped: its quotes never follow these names)
_FONT_SIZE = re.compile(r'(POINT-SIZE="|fontsize=")([\d.]+)(")')
#: the smallest font size of the narrow routes view (before ``font_scale``)
ROUTES_MIN_FONT = 14


def _scale_fonts(dot: str, scale: float, floor: float = 0.0) -> str:
    """Every font size of our DOT text × ``scale`` (after raising it to ``floor``), rounded
    to whole points: graphviz reads an HTML-like label's ``POINT-SIZE`` as a whole number."""
    if scale == 1.0 and floor == 0.0:
        return dot
    return _FONT_SIZE.sub(
        lambda m: m[1] + str(math.floor(max(float(m[2]), floor) * scale + 0.5)) + m[3], dot)


def _node_attrs(n: Node, ctx: _Context) -> dict[str, str | None]:
    attrs: dict[str, str | None] = dict(_STYLE[n.kind])
    if ctx.faded(n.id):
        attrs.update(color=FADED, fillcolor=FADED_FILL, fontcolor=FADED_TEXT, penwidth="1",
                     **{"class": "faded"})
    elif ctx.role is not None:
        attrs["class"] = "highlight"
        attrs["penwidth"] = "3"
        if n.id == ctx.role:
            attrs.update(penwidth="5", color="#7A5C00", fillcolor="#F6D55C")
    attrs["label"] = _node_label(n, ctx)
    attrs["tooltip"] = _node_tooltip(n, ctx)
    return attrs


# --------------------------------------------------------------------- API
def to_dot(journey_map: JourneyMap, result: FitResult | None = None, *, role: str | None = None,
           lanes: str = "kind", min_responses: int = DEFAULT_MIN_RESPONSES,
           routes_only: bool = False, font_scale: float = 1.0) -> str:
    """DOT source of a journey map, optionally with the figures of a fit.

    Parameters
    ----------
    journey_map
        The map to draw.
    result
        A fit of this map; without it the map shows its structure only (no numbers).
    role
        Highlight this role's paths to the outcome and fade everything else (the
        "my influence" view).  Highlighted edges are labelled with the NPS points of
        the role's paths through them (from ``result.role_effects``).
    lanes
        ``"kind"`` (roles → touchpoints → factors → outcome) or ``"stage"`` (one lane
        per journey stage, ``other`` for nodes without a stage; roles first, the
        outcome last).
    min_responses
        A node rated by fewer respondents shows ``too few answers (n = …)`` instead of
        its figures; a survey below it shows no figures at all (default 30, never
        below 10).
    routes_only
        Draw only ``role``'s routes to the outcome, top to bottom and narrow, without
        lanes, the legend below the title, every text at least 14 points: the view for
        a phone's screen (``docs/maps.md``, "The role's routes on a phone").  Needs
        ``role``.
    font_scale
        Every font size times this (between :data:`~journeymap.limits.MIN_FONT_SCALE`
        and :data:`~journeymap.limits.MAX_FONT_SCALE`); the boxes grow with their text.

    Returns
    -------
    str
        DOT source (UTF-8 text) for graphviz ``dot``.

    Raises
    ------
    UnknownNodeError
        ``role`` is not a node of the map.
    JourneymapError
        ``role`` is not a role, ``lanes`` is unknown, ``min_responses`` is below 10,
        ``routes_only`` without ``role``, or ``font_scale`` outside its range.
    """
    scale = _check_font_scale(font_scale)
    ctx = _context(journey_map, result, role, min_responses, routes_only)
    return _scale_fonts(_build(ctx, lanes), scale, ROUTES_MIN_FONT if ctx.routes else 0.0)


def _check_font_scale(font_scale: float) -> float:
    if isinstance(font_scale, bool) or not isinstance(font_scale, (int, float)) or not (
            limits.MIN_FONT_SCALE <= font_scale <= limits.MAX_FONT_SCALE):
        raise JourneymapError(f"the font scale must be a number from {limits.MIN_FONT_SCALE:g} "
                              f"to {limits.MAX_FONT_SCALE:g}, not {font_scale!r}.")
    return float(font_scale)


def _check_size_options(format: str, width: int | None, height: int | None,
                        dpi: int | None) -> None:
    """Refuse a width, height or dpi that is not a whole number in its range, or that the
    format has no use for (one error naming the option and the valid values)."""
    if format == "dot" and (width, height, dpi) != (None, None, None):
        raise JourneymapError("the DOT text has no size: width, height and dpi size a "
                              "drawing (svg, png or pdf); lay DOT out with graphviz's "
                              "-Gsize and -Gdpi.")
    for name, value in (("width", width), ("height", height)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 1 <= value <= limits.MAX_RENDER_SIDE):
            raise JourneymapError(f"the {name} must be a whole number of pixels from 1 to "
                                  f"{limits.MAX_RENDER_SIDE:,}, not {value!r}.")
    if dpi is not None:
        if format != "png":
            raise JourneymapError(f"dpi (pixels per inch) applies to PNG only; {format} is "
                                  "drawn in vector form (give its width or height instead).")
        if isinstance(dpi, bool) or not isinstance(dpi, int) or not (
                limits.MIN_RENDER_DPI <= dpi <= limits.MAX_RENDER_DPI):
            raise JourneymapError(f"the dpi must be a whole number from {limits.MIN_RENDER_DPI} "
                                  f"to {limits.MAX_RENDER_DPI}, not {dpi!r}.")


def _size_attrs(format: str, width: int | None, height: int | None, dpi: int | None
                ) -> dict[str, str]:
    """graphviz ``size`` and ``dpi`` of a PNG or PDF: scaled (up or down) to fit ``width``
    × ``height`` (pixels of a PNG at ``dpi``, points of a PDF), and never larger than
    :data:`~journeymap.limits.MAX_RENDER_SIDE` on a side."""
    if format not in ("png", "pdf"):
        return {}
    per_inch = (PNG_DPI if dpi is None else dpi) if format == "png" else 72
    side = limits.MAX_RENDER_SIDE
    w, h = width or side, height or side
    fit = "!" if (width, height) != (None, None) else ""  # "!": scale up as well as down
    attrs = {"size": f"{_num_attr(w / per_inch)},{_num_attr(h / per_inch)}{fit}"}
    if format == "png":
        attrs["dpi"] = str(per_inch)
    return attrs


_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"\s+viewBox="([-\d.]+) '
                       r'([-\d.]+) ([\d.]+) ([\d.]+)"')


def _sized_svg(svg: bytes, width: int | None, height: int | None) -> bytes:
    """graphviz's SVG with ``width`` and ``height`` in CSS pixels: the drawing (its
    ``viewBox``) scaled to fit both, proportions kept."""
    if width is None and height is None:
        return svg
    text = svg.decode("utf-8")
    found = _SVG_SIZE.search(text)
    if found is None:  # pragma: no cover - graphviz always writes this header
        raise RenderError("graphviz wrote an SVG without its size; cannot resize it.")
    vw, vh = float(found[5]), float(found[6])
    scale = min(width / vw if width else math.inf, height / vh if height else math.inf)
    head = (f'<svg width="{_num_attr(vw * scale)}px" height="{_num_attr(vh * scale)}px"\n '
            f'viewBox="{found[3]} {found[4]} {found[5]} {found[6]}"')
    return (text[:found.start()] + head + text[found.end():]).encode("utf-8")


def render(journey_map: JourneyMap, result: FitResult | None = None, *, role: str | None = None,
           lanes: str = "kind", format: str = "svg",
           min_responses: int = DEFAULT_MIN_RESPONSES, timeout: float | None = None,
           routes_only: bool = False, width: int | None = None, height: int | None = None,
           dpi: int | None = None, font_scale: float = 1.0) -> bytes:
    """The map drawn by graphviz ``dot``: SVG, PNG (150 dpi, for a projector), PDF or DOT.

    Parameters are those of :func:`to_dot`, plus ``format`` (``svg``, ``png``, ``pdf``
    or ``dot``; ``dot`` returns the DOT source encoded as UTF-8 without running
    graphviz), ``timeout``: seconds graphviz may take (default
    :data:`journeymap.limits.RENDER_TIMEOUT_S`), and the picture's size:

    ``width``, ``height``
        The drawing scaled, up or down with its proportions kept, to fit this many
        pixels (CSS pixels of an SVG, pixels of a PNG, points of a PDF); one of them
        alone fixes that side.  At most :data:`~journeymap.limits.MAX_RENDER_SIDE`.
        Without them an SVG or PDF has the drawing's own size (text at its point size)
        and a PNG that size at ``dpi``, scaled down to fit the largest side.
    ``dpi``
        Pixels per inch of a PNG (default 150; from
        :data:`~journeymap.limits.MIN_RENDER_DPI` to
        :data:`~journeymap.limits.MAX_RENDER_DPI`); refused for the vector formats.

    Every font's size in the picture is its point size × ``font_scale`` × the scale the
    drawing is shown at (``docs/maps.md``, "Size, resolution and fonts").

    A picture holds at most :data:`~journeymap.limits.MAX_RENDER_NODES` nodes and
    :data:`~journeymap.limits.MAX_RENDER_EDGES` edges (``docs/security.md``,
    "Rendering").  A larger map is refused before graphviz runs; its role view
    (``role=``) draws only that role's routes, which usually fit.

    Raises
    ------
    MapTooLargeError
        The drawing would have more nodes, edges or DOT text than the limits allow
        (not raised for ``format="dot"``, which runs no graphviz).
    RenderError
        graphviz's ``dot`` program is not installed, it failed, or it did not finish
        within the timeout (it is then stopped).
    JourneymapError
        ``format`` is not one of the valid formats (and the errors of :func:`to_dot`).
    """
    if format not in FORMATS:
        raise JourneymapError(f"unknown format '{format}'; valid formats: {', '.join(FORMATS)}.")
    _check_size_options(format, width, height, dpi)
    scale = _check_font_scale(font_scale)
    m = journey_map
    if format != "dot" and role is None:  # refused before any work (a role view is smaller)
        _check_size(m, len(m.nodes), len(m.edges), None)
    ctx = _context(m, result, role, min_responses, routes_only)
    if format != "dot" and role is not None:
        _check_size(m, *_drawn_size(ctx), role)
    dot = _build(ctx, lanes, _size_attrs(format, width, height, dpi))
    source = _scale_fonts(dot, scale, ROUTES_MIN_FONT if ctx.routes else 0.0).encode("utf-8")
    if format == "dot":
        return source
    if len(source) > limits.MAX_DOT_BYTES:
        raise MapTooLargeError(
            f"the drawing of this map would be {len(source):,} bytes of graphviz text, more "
            f"than the {limits.MAX_DOT_BYTES:,} one picture may have (docs/security.md, "
            "\"Rendering\"); draw one role's routes (--role ROLE), or shorten the labels "
            "and descriptions.")
    drawn = _run_dot(source, format,
                     limits.RENDER_TIMEOUT_S if timeout is None else float(timeout))
    return _sized_svg(drawn, width, height) if format == "svg" else drawn


_MISSING_DOT = ("drawing a map needs graphviz's 'dot' program, which is not installed: install "
                "it with 'sudo apt-get install graphviz' (Debian/Ubuntu) or 'brew install "
                "graphviz' (macOS), or see https://graphviz.org/download/.")


def _check_size(m: JourneyMap, nodes: int, edges: int, role: str | None) -> None:
    """Raise :class:`MapTooLargeError` when a drawing of ``nodes`` and ``edges`` is too large."""
    if not _too_large(nodes, edges):
        return
    what = ("this map is too large to draw: it has" if role is None
            else f"the routes of role '{role}' are too large to draw: they have")
    if role is None:
        roles = [r.id for r in m.roles]
        named = ", ".join(roles[:5]) + (f" and {len(roles) - 5:,} more" if len(roles) > 5
                                        else "")
        instead = ("draw one role's routes instead (--role ROLE"
                   + (f"; roles: {named})" if roles else ")"))
    else:
        instead = "draw another role's routes"
    raise MapTooLargeError(
        f"{what} {nodes:,} nodes and {edges:,} edges, and one picture holds at most "
        f"{limits.MAX_RENDER_NODES:,} nodes and {limits.MAX_RENDER_EDGES:,} edges "
        f"(docs/security.md, \"Rendering\"). {instead[:1].upper()}{instead[1:]}, or write "
        "the graphviz text (map.dot) and lay it out with graphviz yourself.")


# one Python process runs at most this many graphviz processes at once
_SLOTS = threading.BoundedSemaphore(limits.MAX_RENDERS_AT_ONCE)


def _run_dot(source: bytes, format: str, timeout: float) -> bytes:
    """Run graphviz ``dot`` on ``source``; stop it (and anything it started) after ``timeout``.

    stdin, stdout and stderr are handled together (:meth:`subprocess.Popen.communicate`),
    so neither side can block the other on a full pipe.  ``dot`` runs in a process group
    of its own that is killed on timeout or on any interruption: no ``dot`` outlives the
    call.
    """
    if shutil.which("dot") is None:
        raise RenderError(_MISSING_DOT)
    if not _SLOTS.acquire(timeout=timeout):
        raise RenderError(f"graphviz is busy drawing other maps ({limits.MAX_RENDERS_AT_ONCE} "
                          f"at once) and none finished within {timeout:g} s; try again later.")
    try:
        try:
            proc = subprocess.Popen(["dot", f"-T{format}"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=os.name == "posix")
        except FileNotFoundError:
            raise RenderError(_MISSING_DOT) from None
        except OSError as exc:
            raise RenderError(f"graphviz's 'dot' could not be started: {exc}.") from None
        try:
            out, err = proc.communicate(source, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise RenderError(
                f"graphviz did not finish drawing the map within {timeout:g} s and was "
                "stopped (docs/security.md, \"Rendering\"); draw one role's routes "
                "(--role ROLE), or write the graphviz text (map.dot) and lay it out with "
                "graphviz yourself.") from None
        except BaseException:
            _kill(proc)
            raise
    finally:
        _SLOTS.release()
    if proc.returncode != 0:
        detail = [line for line in err.decode("utf-8", "replace").splitlines()
                  if line.strip()]
        shown = _clean(detail[0].strip().rstrip(".")) if detail else f"exit code {proc.returncode}"
        raise RenderError(f"graphviz could not draw the map: {shown}.")
    return out


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc``'s process group (POSIX) or ``proc`` itself, and reap it."""
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows has no process groups of this kind
            proc.kill()
    except ProcessLookupError:  # it had finished already
        pass
    proc.wait()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):  # stdin's unwritten rest: dot is gone
                pipe.close()


def write(path: str | Path, journey_map: JourneyMap, result: FitResult | None = None, *,
          role: str | None = None, lanes: str = "kind",
          min_responses: int = DEFAULT_MIN_RESPONSES, routes_only: bool = False,
          width: int | None = None, height: int | None = None, dpi: int | None = None,
          font_scale: float = 1.0) -> Path:
    """Render the map to ``path``; the format comes from the suffix.

    Suffixes: ``.svg``, ``.png``, ``.pdf``, ``.dot`` / ``.gv``.  Other keyword
    arguments are those of :func:`render`.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    JourneymapError
        The suffix is not one of the valid ones (nothing is written).
    """
    p = Path(path)
    fmt = SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        raise JourneymapError(f"cannot tell the format of '{p}' from its suffix "
                              f"'{p.suffix}'; valid suffixes: {', '.join(SUFFIXES)}.")
    data = render(journey_map, result, role=role, lanes=lanes, format=fmt,
                  min_responses=min_responses, routes_only=routes_only, width=width,
                  height=height, dpi=dpi, font_scale=font_scale)
    write_atomic(p, data)
    return p


# ------------------------------------------------------ the arrows, in words
@dataclass(frozen=True, slots=True)
class EdgeDetail:
    """One drawn arrow as words: what a page lists under the map and shows on a tap.

    Attributes
    ----------
    id
        The ``id`` of the arrow's ``<g>`` in the SVG of the same drawing (``arrow1`` …).
    source, target
        The ids of the boxes it joins; ``source_label`` and ``target_label`` their labels.
    figure
        The text drawn on the arrow (``+0.64``, ``+8.5 NPS pts``, ``share 0.2``), or None.
    text
        Its tooltip: what the arrow means, with its figures (estimate, 95 % interval, n;
        in the role view the NPS points of the role's routes through it).
    """

    id: str
    source: str
    target: str
    source_label: str
    target_label: str
    figure: str | None
    text: str


def _plain(label: str | None) -> str | None:
    """The text of a graphviz HTML-like label (tags dropped, lines joined by spaces)."""
    if label is None:
        return None
    text = re.sub(r"<BR[^>]*>", " ", label[1:-1] if label.startswith("<") else label)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return " ".join(text.split()) or None


def edge_details(journey_map: JourneyMap, result: FitResult | None = None, *,
                 role: str | None = None, lanes: str = "kind",
                 min_responses: int = DEFAULT_MIN_RESPONSES,
                 routes_only: bool = False) -> list[EdgeDetail]:
    """Every arrow of the drawing with the same arguments, in its order, as words.

    The figures are those drawn on the map and in its tooltips (nothing is computed
    here); ``id`` names the arrow's ``<g>`` in the SVG of :func:`render` with the same
    arguments, so a page can list them under the map and show one on a tap or a key
    (:func:`focusable_edges`).

    Examples
    --------
    >>> import journeymap as jm
    >>> [d.id for d in edge_details(jm.example_map(), role="marketing", routes_only=True)]
    ['arrow1', 'arrow2']
    """
    ctx = _context(journey_map, result, role, min_responses, routes_only)
    lay = _layout(ctx, lanes)
    m = ctx.m
    seen: dict[str, int] = {}
    out = []
    for k, e in enumerate(lay.edges):
        index = seen.get(e.source, 0)
        if m.is_estimated(e):
            seen[e.source] = index + 1
        attrs = _edge_attrs(e, ctx, index)
        shown = [t for t in (_plain(attrs.get("label")), _plain(attrs.get("taillabel"))) if t]
        out.append(EdgeDetail(id=_edge_id(k), source=e.source, target=e.target,
                              source_label=m.node(e.source).display,
                              target_label=m.node(e.target).display,
                              figure=" · ".join(shown) or None,
                              text=_clean(attrs.get("tooltip") or "")))
    return out


def focusable_edges(svg: str, details: Iterable[EdgeDetail]) -> str:
    """``svg`` (of :func:`render`, as text) with each arrow of ``details`` reachable by
    keyboard and named for a screen reader: ``tabindex="0"``, ``role="button"``,
    ``aria-label`` ("Installation → Likelihood to recommend: +2.5") and
    ``data-edge`` (its id), for a page that shows the arrow's details on a tap, a click
    or Enter (the web pages' ``app.js``).

    Examples
    --------
    >>> d = EdgeDetail("arrow1", "a", "b", "A", "B & C", "+0.5", "A raises B.")
    >>> focusable_edges('<g id="arrow1" class="edge"><title>a&#45;&gt;b</title></g>', [d])
    '<g id="arrow1" class="edge" tabindex="0" role="button" aria-label="A → B &amp; C: +0.5" \
data-edge="arrow1"><title>a&#45;&gt;b</title></g>'
    """
    names = {}
    for d in details:
        name = f"{d.source_label} → {d.target_label}" + (f": {d.figure}" if d.figure else "")
        names[d.id] = html.escape(name, quote=True)

    def add(found: re.Match[str]) -> str:
        name = names.get(found[2])
        if name is None:
            return found[0]
        return (f'{found[1]} tabindex="0" role="button" aria-label="{name}" '
                f'data-edge="{found[2]}">')

    return re.sub(r'(<g id="(arrow\d+)" class="edge[^"]*")>', add, svg)
