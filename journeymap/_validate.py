"""Structural validation of a journey map (ids, edges, cycles, shares).

Called by :class:`journeymap.model.JourneyMap` on construction.  Every problem is
reported with the file and line, and the message says what would be valid.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .exceptions import CycleError, MapValidationError, UnknownNodeError
from .limits import (
    MAX_DESCRIPTION_CHARS,
    MAX_ID_CHARS,
    MAX_LABEL_CHARS,
    MAX_MAP_EDGES,
    MAX_MAP_NODES,
    MAX_PROBLEMS_LISTED,
)

if TYPE_CHECKING:
    from .model import Edge, JourneyMap


def _at(m: JourneyMap, line: int | None) -> str:
    return f"{m.source}, line {line}" if line else m.source


def _known(ids: dict[str, int | None]) -> str:
    shown = list(ids)[:MAX_PROBLEMS_LISTED]
    more = f" … ({len(ids):,} in all)" if len(ids) > len(shown) else ""
    return ", ".join(shown) + more


def _check_texts(m: JourneyMap) -> None:
    """Sizes, types and control characters, for maps built from Node and Edge objects
    (a map file or dict meets the same rules, with field lines, in ``model._Parser``)."""
    from .model import id_type_problem, text_problem

    for what, items, most in (("nodes", m.nodes, MAX_MAP_NODES),
                              ("edges", m.edges, MAX_MAP_EDGES)):
        if len(items) > most:
            raise MapValidationError(f"{m.source}: the map has {len(items):,} {what}; at most "
                                     f"{most:,} are allowed (see docs/security.md).")
    problems: list[str] = []
    for n in m.nodes:
        fields = [("id", n.id, MAX_ID_CHARS, False), ("label", n.label, MAX_LABEL_CHARS, False),
                  ("column", n.column, MAX_LABEL_CHARS, False),
                  ("stage", n.stage, MAX_LABEL_CHARS, False),
                  ("description", n.description, MAX_DESCRIPTION_CHARS, True),
                  *(("items", c, MAX_LABEL_CHARS, False) for c in n.items)]
        for name, value, most, multiline in fields:
            v: object = value  # the annotations say str; a caller may pass anything
            if v is None:
                continue
            if name == "id":
                why = id_type_problem(v)
            else:
                why = None if isinstance(v, str) else f"must be text, not {type(v).__name__}"
            if why is None and isinstance(v, str):
                why = text_problem(v, most, multiline=multiline)
            if why is not None:
                problems.append(f"{_at(m, n.line)}: node {n.id!r:.60}, {name}: {why}.")
    for e in m.edges:
        for value in (e.source, e.target):
            why = id_type_problem(value) or text_problem(value, MAX_ID_CHARS)
            if why is not None:
                problems.append(f"{_at(m, e.line)}: an edge's node id {why}.")
    top: list[tuple[str, object, int]] = [("name", m.name, MAX_LABEL_CHARS),
                                          ("outcome", m.outcome, MAX_ID_CHARS),
                                          ("description", m.description, MAX_DESCRIPTION_CHARS)]
    for name, text, most in top:
        if text is not None:
            why = (f"must be text, not {type(text).__name__}" if not isinstance(text, str)
                   else text_problem(text, most, multiline=name == "description"))
            if why is not None:
                problems.append(f"{m.source}: the map's {name} {why}.")
    if problems:
        raise MapValidationError(problems)


def validate_structure(m: JourneyMap) -> None:
    """Raise :class:`MapValidationError` (or a subclass) if the map is not a valid journey.

    Every step is linear in the size of the map (ids and edges are looked up in dicts,
    the cycle check is one topological sort), so a map of thousands of nodes is checked
    in a fraction of a second.
    """
    from .model import OUTCOME_SCALE, _suggest

    _check_texts(m)
    problems: list[str] = []
    seen: dict[str, int | None] = {}
    folded: dict[str, str] = {}
    for n in m.nodes:
        key = n.id.casefold()
        if n.id in seen:
            first = f" (first at line {seen[n.id]})" if seen[n.id] else ""
            problems.append(f"{_at(m, n.line)}: duplicate node id '{n.id}'{first}; every id "
                            "must be unique.")
        elif key in folded:
            other = folded[key]
            first = f" at line {seen[other]}" if seen[other] else ""
            problems.append(f"{_at(m, n.line)}: duplicate node id '{n.id}': it differs from "
                            f"'{other}'{first} only in upper and lower case, which people "
                            "(and case-insensitive file systems) read as the same id; rename "
                            "one.")
        seen.setdefault(n.id, n.line)
        folded.setdefault(key, n.id)
    outcomes = [n for n in m.nodes if n.kind == "outcome"]
    if len(outcomes) > 1:
        problems.append(f"{_at(m, outcomes[1].line)}: a second outcome '{outcomes[1].id}'; a map "
                        f"has exactly one outcome (here '{outcomes[0].id}'). Make it a factor.")
    if not outcomes:
        problems.append(f"{m.source}: no node has 'kind: outcome'; add the recommend question, "
                        "e.g. {id: nps, kind: outcome, column: ltr}.")
    elif m.outcome not in seen:
        hint = _suggest(m.outcome, seen)  # one comparison per node, once
        problems.append(f"{m.source}: outcome '{m.outcome}' is not a node.{hint}")
    elif m.node_index[m.outcome].kind != "outcome":
        problems.append(f"{_at(m, m.node_index[m.outcome].line)}: the outcome '{m.outcome}' must "
                        "have 'kind: outcome'.")
    for n in outcomes:
        if n.scale != OUTCOME_SCALE or not n.measured:
            problems.append(f"{_at(m, n.line)}: the outcome needs a column and the 0–10 scale.")
        if n.items:
            problems.append(f"{_at(m, n.line)}: the outcome '{n.id}' lists items; NPS is one "
                            "recommend question answered 0–10, never an average. Give its one "
                            "column, e.g. 'column: ltr'.")
    for n in m.nodes:
        if n.recode and n.kind != "outcome":
            problems.append(f"{_at(m, n.line)}: node '{n.id}': only the outcome may have "
                            "'recode'.")
    columns: dict[str, str] = {}
    for n in m.nodes:
        for c in n.columns:
            if c in columns and columns[c] != n.id:
                problems.append(f"{_at(m, n.line)}: column '{c}' is used by both '{columns[c]}' "
                                f"and '{n.id}'; each node needs its own column.")
            columns.setdefault(c, n.id)
    unknown: list[str] = []
    pairs: set[tuple[str, str]] = set()
    for e in m.edges:
        for end in (e.source, e.target):
            if end not in seen:
                hint = _suggest(end, seen) if len(unknown) < MAX_PROBLEMS_LISTED else ""
                unknown.append(f"{_at(m, e.line)}: edge {e.source} → {e.target} names unknown "
                               f"node '{end}'.{hint} Known ids: {_known(seen)}.")
        if (e.source, e.target) in pairs:
            problems.append(f"{_at(m, e.line)}: edge {e.source} → {e.target} is listed twice.")
        pairs.add((e.source, e.target))
    if unknown:
        raise UnknownNodeError(unknown[0]) if len(unknown) == 1 and not problems else \
            MapValidationError(problems + unknown)
    if problems:
        raise MapValidationError(problems)

    nodes = m.node_index
    share_sum: dict[str, float] = defaultdict(float)
    for e in m.edges:
        src, dst = nodes[e.source], nodes[e.target]
        where = _at(m, e.line)
        if src.kind == "outcome":
            problems.append(f"{where}: edge {e.source} → {e.target} leaves the outcome; NPS is the "
                            "end of the journey, so no edge may start at it. Reverse or remove it.")
        if dst.kind == "role" and not dst.measured and src.kind != "role":
            problems.append(f"{where}: edge {e.source} → {e.target} points into role '{e.target}', "
                            "which has no column; only roles may act on unmeasured roles. Give "
                            f"'{e.target}' a column or remove the edge.")
        if e.share is not None:
            if src.kind != "role":
                problems.append(f"{where}: 'share' is only for edges out of roles, not out of "
                                f"{src.kind} '{e.source}'.")
            elif src.measured:
                problems.append(f"{where}: role '{e.source}' has a column, so its effect on "
                                f"'{e.target}' is estimated from data; remove 'share'.")
            else:
                share_sum[e.target] += e.share
    over = {t for t, total in share_sum.items() if total > 1 + 1e-9}
    into: dict[str, list[Edge]] = defaultdict(list)
    for e in m.edges:
        if e.target in over and e.share is not None:
            into[e.target].append(e)
    for target, total in share_sum.items():
        if target in over:
            lines = into[target]
            listed = ", ".join(f"{e.source} {e.share:g}" for e in lines)
            problems.append(f"{_at(m, lines[-1].line)}: the shares on '{target}' sum to {total:g} "
                            f"({listed}); together they may be at most 1.")
    if problems:
        raise MapValidationError(problems)
    _check_acyclic(m)


def find_cycle(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[str] | None:
    """One cycle of the graph as ``[a, b, …, a]``, or ``None`` if it is acyclic.

    Kahn's topological sort removes every node that no cycle can reach (O(nodes +
    edges)); each node left has a predecessor that is also left, so walking back along
    those predecessors must come round to a node already seen: that closes a cycle.
    """
    parents: dict[str, list[str]] = {n: [] for n in nodes}
    children: dict[str, list[str]] = {n: [] for n in parents}
    indegree = dict.fromkeys(parents, 0)
    for u, v in edges:
        children[u].append(v)
        parents[v].append(u)
        indegree[v] += 1
    ready = [n for n, d in indegree.items() if d == 0]
    while ready:
        n = ready.pop()
        for c in children[n]:
            indegree[c] -= 1
            if indegree[c] == 0:
                ready.append(c)
    left = {n for n, d in indegree.items() if d > 0}
    if not left:
        return None
    start = next(n for n in parents if n in left)  # the first in file order
    walk = [start]
    where = {start: 0}
    while True:
        prev = next(p for p in parents[walk[-1]] if p in left)
        if prev in where:
            loop = walk[where[prev]:]  # each one's predecessor follows it
            loop.reverse()  # now each points to the next
            return [*loop, loop[0]]
        where[prev] = len(walk)
        walk.append(prev)


def _check_acyclic(m: JourneyMap) -> None:
    found = find_cycle((n.id for n in m.nodes), ((e.source, e.target) for e in m.edges))
    if found is None:
        return
    # Name the cycle's edge that comes last in the file (usually the one just added),
    # close the printed cycle with it, and list the lines of all its edges.
    pairs = list(itertools.pairwise(found))
    line = {(e.source, e.target): e.line for e in m.edges}
    last = max(range(len(pairs)), key=lambda i: line.get(pairs[i]) or 0)
    pairs = pairs[last + 1:] + pairs[:last + 1]
    ids = [u for u, _ in pairs] + [pairs[0][0]]
    where = _at(m, line.get(pairs[-1]))
    lines = sorted({n for n in (line.get(pr) for pr in pairs) if n})
    at = f" (edges at lines {', '.join(map(str, lines))})" if len(lines) > 1 else ""
    raise CycleError(f"{where}: the edges form a cycle: {' → '.join(ids)}{at}. A journey map "
                     "flows one way toward NPS; remove or reverse one of these edges.", ids)
