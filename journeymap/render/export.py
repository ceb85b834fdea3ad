"""Export a journey map to the formats of tools users already have.

* :func:`to_lavaan` – lavaan model syntax of the structural model (R), with labelled
  coefficients and ``:=`` lines for every node's total and indirect effect on the outcome;
* :func:`to_semopy` – the same model for semopy (Python), which has no ``:=``;
* :func:`to_dagitty` – DAGitty syntax (dagitty.net, the R package ``dagitty``);
* :func:`to_dot_structure` – a plain graphviz DOT digraph of the structure;
* :func:`to_json` – the map file as JSON (:meth:`JourneyMap.to_json`).

:func:`export` picks one of them by name (:data:`FORMATS`).  Two small readers,
:func:`parse_lavaan_edges` and :func:`parse_dagitty_edges`, read the regressions and
the directed edges back, e.g. to compare a map with a model someone wrote by hand.

These are exports of the *structure* only; no estimate is written.  Nothing here
imports graphviz: the DOT text is plain text (the rich, styled DOT of rendered maps
lives with the renderer).

**lavaan variable names.**  lavaan and semopy need syntactic names, while map ids may
contain ``-``, ``.`` and letters of any script.  :func:`lavaan_names` maps every node
id to a name made of ASCII letters, digits and ``_`` that starts with a letter:

1. decompose accents and drop them (Unicode NFKD): ``Kök`` → ``Kok``, ``é`` → ``e``;
2. replace every other character that is not an ASCII letter, digit or ``_`` by ``_``:
   ``a-b`` → ``a_b``, ``Kök.bad`` → ``Kok_bad``;
3. prefix ``v`` when the result does not start with an ASCII letter (``_x`` → ``v_x``);
   append ``_`` to an R reserved word (``if`` → ``if_``, ``NA`` → ``NA_``);
4. ids that are already safe keep their name; the others, in the map's node order,
   get the first free name of ``name``, ``name_2``, ``name_3``, …, so two ids never
   share a name (``a-b`` → ``a_b`` and then ``a.b`` → ``a_b_2``; and if the map also
   has an id ``a_b``, it keeps ``a_b`` and ``a-b`` becomes ``a_b_2``).

The same map always gives the same names.  DAGitty and DOT keep the ids as they are
(quoted where their syntax needs it).

Examples
--------
>>> from journeymap.datasets import example_map
>>> text = to_lavaan(example_map())
>>> print(next(line for line in text.splitlines() if line.startswith("ease ~")))
ease ~ b5*website + b6*quote + b7*support + b8*no_errors
>>> print(next(line for line in text.splitlines() if line.startswith("total_ease")))
total_ease := b13
>>> ("ease", "nps") in parse_dagitty_edges(to_dagitty(example_map()))
True
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ..exceptions import JourneymapError
from ..limits import MAX_EXPORT_EXOGENOUS

if TYPE_CHECKING:
    from ..model import JourneyMap, Node

__all__ = [
    "FORMATS",
    "export",
    "lavaan_names",
    "parse_dagitty_edges",
    "parse_lavaan_edges",
    "to_dagitty",
    "to_dot_structure",
    "to_json",
    "to_lavaan",
    "to_semopy",
]

FORMATS: tuple[str, ...] = ("lavaan", "semopy", "dagitty", "dot", "json")
"""Names accepted by :func:`export`."""

_UNSAFE_CHAR_RE = re.compile(r"[^A-Za-z0-9_]")
# Words R (and so lavaan) will not take as a variable name.
_R_RESERVED = frozenset({
    "if", "else", "repeat", "while", "function", "for", "next", "break", "in",
    "TRUE", "FALSE", "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_",
    "NA_character_", "NA_complex_",
})
# DAGitty names that need no quotes (its grammar's BAREWORD).
_DAGITTY_BARE_RE = re.compile(r"^[0-9A-Za-z_.]+$")


# ----------------------------------------------------------------------- names
def _safe_base(name: str) -> str:
    """Steps 1–3 of the lavaan name rule (no collision handling)."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    out = _UNSAFE_CHAR_RE.sub("_", ascii_only)  # ASCII from here on
    if not out[:1].isalpha():
        out = "v" + out
    if out in _R_RESERVED:
        out += "_"
    return out


def _unique_names(names: Iterable[str]) -> dict[str, str]:
    """Safe, distinct names for ``names`` (step 4 of the rule in the module docstring)."""
    ordered = list(dict.fromkeys(names))
    taken = {n for n in ordered if _safe_base(n) == n}
    renamed: dict[str, str] = {}
    for n in ordered:
        if n in taken:
            continue
        base = _safe_base(n)
        candidate, k = base, 1
        while candidate in taken:
            k += 1
            candidate = f"{base}_{k}"
        taken.add(candidate)
        renamed[n] = candidate
    return {n: renamed.get(n, n) for n in ordered}


def lavaan_names(journey_map: JourneyMap) -> dict[str, str]:
    """The lavaan / semopy variable name of every node, by node id, in map order.

    Names are ASCII letters, digits and ``_``, start with a letter, are not R reserved
    words and are distinct; ids that already are such names keep them.  The full rule
    is in the docstring of :mod:`journeymap.render.export`.

    Parameters
    ----------
    journey_map
        The map.

    Returns
    -------
    dict of str to str
        Node id → variable name.

    Examples
    --------
    >>> from journeymap.model import JourneyMap
    >>> m = JourneyMap.from_dict({"outcome": "nps", "nodes": [
    ...     {"id": "nps", "kind": "outcome", "column": "ltr"},
    ...     {"id": "a-b", "kind": "factor", "scale": [1, 5]},
    ...     {"id": "a.b", "kind": "factor", "scale": [1, 5]},
    ...     {"id": "Kök.bad", "kind": "touchpoint", "scale": [1, 5]}],
    ...     "edges": [["a-b", "nps"], ["a.b", "nps"], ["Kök.bad", "nps"]]})
    >>> lavaan_names(m)
    {'nps': 'nps', 'a-b': 'a_b', 'a.b': 'a_b_2', 'Kök.bad': 'Kok_bad'}
    """
    return _unique_names(n.id for n in journey_map.nodes)


def _fmt_share(share: float) -> str:
    return format(share, ".6g")


def _one_line(text: str) -> str:
    """Text safe inside a one-line comment."""
    return " ".join(text.split())


def _header(journey_map: JourneyMap, what: str, prefix: str) -> list[str]:
    from .. import __version__

    title = _one_line(journey_map.name) or "journey map"
    return [f"{prefix} {title}", f"{prefix} {what} generated by journeymap {__version__}"]


# ---------------------------------------------------------------------- lavaan
def to_lavaan(journey_map: JourneyMap, *, defined: bool = True) -> str:
    """lavaan model syntax of the map's structural model.

    One regression line per measured node that has measured parents, in topological
    order, listing the parents in the order of the map's edges, each coefficient
    labelled ``b1``, ``b2`` … in that order, e.g.
    ``ease ~ b5*website + b6*quote + b7*support + b8*no_errors``.  These are the equations
    journeymap's linear engine fits by least squares (docs/method.md, "Edge estimates"); a
    recursive path model fitted by maximum likelihood to complete data gives the same coefficients.

    Variables are named by node id through :func:`lavaan_names`; comment lines list the
    survey column (or items) behind each variable, so the user can build a data frame
    with these names.  A composite (``items``) is the mean of its items, as journeymap
    uses it — the user computes the mean — and a commented-out measurement line
    (``# delivery =~ q_a + q_b``) is given for those who prefer a latent factor.
    Unmeasured roles are not variables: each is listed in a comment with its shares.
    Measured roles are ordinary variables.  An edge from a measured role to an
    unmeasured role cannot be a regression; it is listed in a comment.

    The measured nodes without measured parents (exogenous) get free variances and
    covariances (``a ~~ a``, ``a ~~ b``), as ``journeymap check`` frees them, so that
    lavaan and semopy count the same degrees of freedom and fit indices as ``check``
    (docs/method.md §10.3).  With ``defined``, each measured node with a path to the
    outcome gets ``total_<name> := …`` (the sum over its children of the coefficient
    times the child's total, the outcome's total being 1: the path sums of
    docs/method.md §4) and, where some path runs through a mediator,
    ``indirect_<name> := total_<name> - <its direct coefficient>``.

    Parameters
    ----------
    journey_map
        The map.
    defined
        Write the ``:=`` lines (lavaan); :func:`to_semopy` leaves them out.

    Returns
    -------
    str
        Model text ending in a newline; lines starting with ``#`` are comments.
    """
    names = lavaan_names(journey_map)
    what = "lavaan model syntax" if defined else "semopy model syntax"
    lines = _header(journey_map, what, "#")
    lines += [
        "# Each measured node is a variable named as below; give your data frame one",
        "# column per variable. journeymap uses the mean of a composite's items, not a",
        "# latent factor.",
        "#",
        "# Variables:",
    ]
    measured = journey_map.measured_nodes
    for node in measured:
        lines += _lavaan_variable_comment(node, names[node.id])

    roles = [r for r in journey_map.roles if not r.measured]
    if roles:
        lines += ["#", "# Roles without a column are not variables; the part of each node a "
                       "role acts on (share):"]
        for role in roles:
            shares = journey_map.role_shares(role.id)
            listed = ", ".join(f"{names[t]} (share {_fmt_share(s)})" for t, s in shares.items())
            renamed = f" (node {role.id})" if names[role.id] != role.id else ""
            lines.append(f"# role {names[role.id]}{renamed} acts on: {listed or 'nothing'}")

    skipped = [e for e in journey_map.edges
               if journey_map.node(e.source).measured and not journey_map.node(e.target).measured]
    if skipped:
        lines += ["#", "# Not regressions (the target has no column):"]
        lines += [f"#   {names[e.source]} -> {names[e.target]}" for e in skipped]

    lines += ["", "# Structural model: each measured node on its measured parents"]
    regressions = _regressions(journey_map)
    label: dict[tuple[str, str], str] = {}
    for child, parents in regressions:
        for p in parents:
            label[(p, child)] = f"b{len(label) + 1}"
        terms = " + ".join(f"{label[(p, child)]}*{names[p]}" for p in parents)
        lines.append(f"{names[child]} ~ {terms}")
    if not regressions:
        lines.append("# (no measured node has a measured parent)")
    exogenous = [n for n in journey_map.topological_order if journey_map.node(n).measured
                 and not any(journey_map.node(p).measured for p in journey_map.parents(n))]
    if len(exogenous) > MAX_EXPORT_EXOGENOUS:
        k = len(exogenous)
        lines += ["", f"# {k:,} nodes have no measured parent; their {k * (k + 1) // 2:,} "
                      "variances and covariances are",
                  "# not written (docs/security.md). Free them as journeymap check does: "
                  "lavaan(..., fixed.x = FALSE)."]
    elif exogenous:
        lines += ["", "# Nodes without measured parents: free variances and covariances,",
                  "# as journeymap check frees them (the same df and fit indices)"]
        lines += [f"{names[a]} ~~ {names[b]}" for i, a in enumerate(exogenous)
                  for b in exogenous[i:]]
    if defined:
        lines += _defined_effects(journey_map, names, label)
    return "\n".join(lines) + "\n"


def to_semopy(journey_map: JourneyMap) -> str:
    """semopy model syntax: :func:`to_lavaan` without the ``:=`` lines, which semopy
    does not read (semopy 2.3 raises ``NotImplementedError`` on them).  semopy reports
    the direct coefficients; the totals are the path sums of docs/method.md §4."""
    return to_lavaan(journey_map, defined=False)


def _defined_effects(journey_map: JourneyMap, names: dict[str, str],
                     label: dict[tuple[str, str], str]) -> list[str]:
    """``total_X := …`` and ``indirect_X := …`` lines, children before parents."""
    m = journey_map
    out_id = m.outcome
    taken = set(names.values()) | set(label.values())

    def free(base: str) -> str:
        name = base
        while name in taken:
            name += "_"
        taken.add(name)
        return name

    total: dict[str, str] = {}
    lines: list[str] = []
    for node_id in reversed(m.topological_order):
        if node_id == out_id or not m.node(node_id).measured:
            continue
        terms = []
        for child in m.children(node_id):
            key = (node_id, child)
            if key not in label:
                continue
            if child == out_id:
                terms.append(label[key])
            elif child in total:
                terms.append(f"{label[key]}*{total[child]}")
        if not terms:
            continue
        total[node_id] = free(f"total_{names[node_id]}")
        lines.append(f"{total[node_id]} := {' + '.join(terms)}")
        direct = label.get((node_id, out_id))
        mediated = [t for t in terms if t != direct]
        if mediated:
            rhs = f"{total[node_id]} - {direct}" if direct else total[node_id]
            lines.append(f"{free(f'indirect_{names[node_id]}')} := {rhs}")
    if not lines:
        return []
    return ["", f"# Effects on {names[out_id]}: total = sum over its paths of the products of "
                "the coefficients;",
            f"# indirect = total - direct (direct = the coefficient of the edge into "
            f"{names[out_id]}).",
            "# semopy does not read ':=' lines: use 'journeymap export --format semopy' there.",
            *lines]


def _lavaan_variable_comment(node: Node, name: str) -> list[str]:
    renamed = f"node {node.id}, " if name != node.id else ""
    if not node.items:
        return [f"#   {name}: {renamed}survey column {_one_line(str(node.column))}"]
    items = _unique_names(node.items)
    return [
        f"#   {name}: {renamed}mean of the items {', '.join(map(_one_line, node.items))} "
        "(compute it before fitting)",
        "#     as a latent factor instead, uncomment:",
        f"#     {name} =~ {' + '.join(items[i] for i in node.items)}",
    ]


def _regressions(journey_map: JourneyMap) -> list[tuple[str, tuple[str, ...]]]:
    """(child, measured parents) of each measured child with measured parents, topologically."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for node_id in journey_map.topological_order:
        if not journey_map.node(node_id).measured:
            continue
        parents = tuple(p for p in journey_map.parents(node_id) if journey_map.node(p).measured)
        if parents:
            out.append((node_id, parents))
    return out


_LAVAAN_OP_RE = re.compile(r"^(.*?)(=~|<~|~~|~\*~|~|:=|==|<|>|%)(.*)$", re.DOTALL)
_LAVAAN_NUMBER_RE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def parse_lavaan_edges(text: str) -> set[tuple[str, str]]:
    """The regression edges ``(predictor, outcome)`` of lavaan / semopy model text.

    Reads regressions ``y ~ a + b`` (also ``y1 + y2 ~ a``, modifiers such as
    ``0.5*a`` or ``c(b1, b2)*a``, statements split by ``;`` or continued on the next
    line after a trailing ``+``).  Comments (``#`` or ``!`` to the end of the line),
    intercepts (``y ~ 1``) and every other operator (``=~``, ``~~``, ``:=`` …) are
    ignored.

    Parameters
    ----------
    text
        Model syntax.

    Returns
    -------
    set of (str, str)
        ``(a, y)`` for every term ``a`` of a regression of ``y``.

    Examples
    --------
    >>> sorted(parse_lavaan_edges("y ~ a + 0.5*b  # note\\nf =~ x1 + x2\\nz ~ 1 + y"))
    [('a', 'y'), ('b', 'y'), ('y', 'z')]
    """
    statements: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = re.split(r"[#!]", raw, maxsplit=1)[0]
        for part in line.split(";"):
            stmt = (pending + " " + part).strip() if pending else part.strip()
            if stmt.endswith("+"):
                pending = stmt
                continue
            pending = ""
            if stmt:
                statements.append(stmt)
    if pending:
        statements.append(pending)
    edges: set[tuple[str, str]] = set()
    for stmt in statements:
        match = _LAVAAN_OP_RE.match(stmt)
        if match is None or match.group(2) != "~":
            continue
        lhs = [t.strip() for t in re.split(r"[+,]", match.group(1)) if t.strip()]
        for term in _split_terms(match.group(3)):
            name = term.rsplit("*", 1)[-1].strip()
            if not name or _LAVAAN_NUMBER_RE.match(name):
                continue
            edges.update((name, y) for y in lhs)
    return edges


def _split_terms(rhs: str) -> list[str]:
    """Split on ``+`` outside parentheses (``c(a+b)*x`` is not expected, but be safe)."""
    terms: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(rhs):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == "+" and depth == 0:
            terms.append(rhs[start:i])
            start = i + 1
    terms.append(rhs[start:])
    return [t.strip() for t in terms if t.strip()]


# --------------------------------------------------------------------- DAGitty
def _dagitty_id(node_id: str) -> str:
    if _DAGITTY_BARE_RE.match(node_id):
        return node_id
    return '"' + node_id.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dagitty(journey_map: JourneyMap) -> str:
    """DAGitty syntax of the map: ``dag { … }`` with every node and every edge.

    The outcome is marked ``[outcome]``; unmeasured roles are marked ``[latent]`` (no
    survey column observes them); measured nodes are plain.  Ids are written as they
    are and quoted when they are not DAGitty barewords (``[0-9A-Za-z_.]+``), e.g.
    ``"a-b"`` or ``"Kök"``.  DAGitty has no comments and no way to show labels here,
    so the text holds ids only.  Role edges are ordinary edges.

    Parameters
    ----------
    journey_map
        The map.

    Returns
    -------
    str
        Text for dagitty.net or ``dagitty::dagitty()`` in R, ending in a newline.
    """
    lines = ["dag {"]
    for node in journey_map.nodes:
        marker = ""
        if node.id == journey_map.outcome:
            marker = " [outcome]"
        elif not node.measured:
            marker = " [latent]"
        lines.append(f"{_dagitty_id(node.id)}{marker}")
    for e in journey_map.edges:
        lines.append(f"{_dagitty_id(e.source)} -> {_dagitty_id(e.target)}")
    lines.append("}")
    return "\n".join(lines) + "\n"


_DAGITTY_TOKEN_RE = re.compile(r"""
    (?P<space>[\s;,]+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<edge>@->|<-@|->|--@|--|<->|<-|@-@|@--)
  | (?P<word>-?[0-9A-Za-z_.]+)
  | (?P<punct>[{}\[\]=])
""", re.VERBOSE | re.DOTALL)


def _dagitty_tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _DAGITTY_TOKEN_RE.match(text, pos)
        if match is None:
            line = text.count("\n", 0, pos) + 1
            raise JourneymapError(
                f"DAGitty text, line {line}: unexpected {text[pos]!r}; names other than "
                "letters, digits, '_' and '.' must be in double quotes."
            )
        kind = match.lastgroup or ""
        value = match.group()
        pos = match.end()
        if kind == "space":
            continue
        if kind == "string":
            value = re.sub(r"\\(\r?\n)", "", value[1:-1]).replace('\\"', '"')
            kind = "word"
        tokens.append((kind, value))
    return tokens


def parse_dagitty_edges(text: str) -> set[tuple[str, str]]:
    """The directed edges ``(source, target)`` of DAGitty text.

    Reads ``a -> b``, ``b <- a``, chains (``a -> b -> c``, ``a -> b <- c``), groups
    (``{a b} -> c``) and quoted names (``"a-b" -> "Kök"``, with ``\\"`` for a quote).
    Node statements and attribute lists (``x [latent, pos="1,2"]``) and graph options
    are skipped; undirected and bidirected edges (``--``, ``<->`` …) add nothing.

    Parameters
    ----------
    text
        DAGitty text, ``dag { … }`` (``graph``, ``pdag`` … are read the same way).

    Returns
    -------
    set of (str, str)

    Raises
    ------
    JourneymapError
        A character DAGitty does not allow outside quotes, or no ``{``.

    Examples
    --------
    >>> sorted(parse_dagitty_edges('dag { a -> b -> "c-1"; d <- a; b [latent] }'))
    [('a', 'b'), ('a', 'd'), ('b', 'c-1')]
    """
    tokens = _dagitty_tokens(text)
    try:
        start = tokens.index(("punct", "{")) + 1
    except ValueError:
        raise JourneymapError(
            "DAGitty text must look like 'dag { a -> b }'; found no '{'."
        ) from None
    edges: set[tuple[str, str]] = set()
    prev: list[str] | None = None
    op: str | None = None
    i = start
    while i < len(tokens):
        kind, value = tokens[i]
        i += 1
        operand: list[str] | None = None
        if kind == "punct" and value == "[":
            while i < len(tokens) and tokens[i] != ("punct", "]"):
                i += 1
            i += 1
            continue
        if kind == "punct" and value == "=":
            i += 1  # the option's value
            prev, op = None, None
            continue
        if kind == "punct" and value == "}":
            break  # end of the graph
        if kind == "punct" and value == "{":
            operand = []
            while i < len(tokens) and tokens[i] != ("punct", "}"):
                if tokens[i][0] == "word":
                    operand.append(tokens[i][1])
                i += 1
            i += 1
        elif kind == "edge":
            op = value
            continue
        elif kind == "word":
            operand = [value]
        if operand is None:
            continue
        if op is not None and prev is not None:
            if op == "->":
                edges.update((a, b) for a in prev for b in operand)
            elif op == "<-":
                edges.update((b, a) for a in prev for b in operand)
        prev, op = operand, None
    return edges


# ------------------------------------------------------------------------- DOT
def _dot_id(text: str) -> str:
    """A DOT double-quoted ID (graphviz keeps backslashes in IDs; only ``\\"`` is an escape).

    A trailing backslash would escape the closing quote, so it is dropped.
    """
    return '"' + text.rstrip("\\").replace('"', '\\"') + '"'


def _dot_label(text: str) -> str:
    """A DOT double-quoted string showing ``text`` literally in graphviz.

    Backslashes and quotes are escaped, a newline becomes a centred line break, and
    ``&`` becomes ``&amp;`` because graphviz reads HTML entities in labels
    (``"R&amp;D"`` would otherwise show as ``R&D``).
    """
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
               .replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n"))
    return f'"{escaped}"'


def to_dot_structure(journey_map: JourneyMap) -> str:
    """A plain graphviz DOT digraph of the map's structure.

    Every node, in map order, with its ``label`` (escaped so that graphviz shows it
    as written), ``class`` (its kind: ``role``, ``touchpoint``, ``factor`` or
    ``outcome``; graphviz puts it into SVG output) and ``measured`` (``true`` or
    ``false``); every edge, in map order, with the effective ``share`` of an
    unmeasured role's edge and the ``expected`` sign where the map gives one.  Ids are
    always quoted.  No styling: this is the structure for other tools; the renderer
    draws styled maps.

    Parameters
    ----------
    journey_map
        The map.

    Returns
    -------
    str
        DOT text ending in a newline.
    """
    lines = _header(journey_map, "structure (DOT)", "//")
    lines.append(f"digraph {_dot_id(_one_line(journey_map.name) or 'journey map')} {{")
    lines.append("  rankdir=LR;")
    for node in journey_map.nodes:
        attrs = [f"label={_dot_label(node.display)}", f'class="{node.kind}"',
                 f'measured="{str(node.measured).lower()}"']
        lines.append(f"  {_dot_id(node.id)} [{', '.join(attrs)}];")
    for e in journey_map.edges:
        attrs = []
        share = journey_map.share(e)
        if share is not None:
            attrs.append(f'share="{_fmt_share(share)}"')
        if e.expected is not None:
            attrs.append(f'expected="{e.expected}"')
        tail = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {_dot_id(e.source)} -> {_dot_id(e.target)}{tail};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ JSON, any
def to_json(journey_map: JourneyMap) -> str:
    """The map file as JSON text (:meth:`JourneyMap.to_json`); reads back unchanged."""
    return journey_map.to_json()


_EXPORTERS: dict[str, Callable[[JourneyMap], str]] = {
    "lavaan": to_lavaan,
    "semopy": to_semopy,
    "dagitty": to_dagitty,
    "dot": to_dot_structure,
    "json": to_json,
}


def export(journey_map: JourneyMap, fmt: str) -> str:
    """The map as text in format ``fmt`` (one of :data:`FORMATS`, any case).

    Parameters
    ----------
    journey_map
        The map.
    fmt
        ``"lavaan"``, ``"semopy"``, ``"dagitty"``, ``"dot"`` or ``"json"``.

    Returns
    -------
    str

    Raises
    ------
    JourneymapError
        ``fmt`` is not one of :data:`FORMATS`; the message lists them.
    """
    key = fmt.strip().lower()
    if key not in _EXPORTERS:
        close = difflib.get_close_matches(key, FORMATS, n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise JourneymapError(
            f"unknown export format {fmt!r}.{hint} Valid formats: {', '.join(FORMATS)}."
        )
    return _EXPORTERS[key](journey_map)
