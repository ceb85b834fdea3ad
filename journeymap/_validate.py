"""Structural validation of a journey map (ids, edges, cycles, shares).

Called by :class:`journeymap.model.JourneyMap` on construction.  Every problem is
reported with the file and line, and the message says what would be valid.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from .exceptions import CycleError, MapValidationError, UnknownNodeError

if TYPE_CHECKING:
    from .model import JourneyMap


def _at(m: JourneyMap, line: int | None) -> str:
    return f"{m.source}, line {line}" if line else m.source


def validate_structure(m: JourneyMap) -> None:
    """Raise :class:`MapValidationError` (or a subclass) if the map is not a valid journey."""
    from .model import OUTCOME_SCALE, _suggest

    problems: list[str] = []
    seen: dict[str, int | None] = {}
    for n in m.nodes:
        if n.id in seen:
            first = f" (first at line {seen[n.id]})" if seen[n.id] else ""
            problems.append(f"{_at(m, n.line)}: duplicate node id '{n.id}'{first}; every id "
                            "must be unique.")
        seen.setdefault(n.id, n.line)
    outcomes = [n for n in m.nodes if n.kind == "outcome"]
    if len(outcomes) > 1:
        problems.append(f"{_at(m, outcomes[1].line)}: a second outcome '{outcomes[1].id}'; a map "
                        f"has exactly one outcome (here '{outcomes[0].id}'). Make it a factor.")
    if not outcomes:
        problems.append(f"{m.source}: no node has 'kind: outcome'; add the recommend question, "
                        "e.g. {id: nps, kind: outcome, column: ltr}.")
    elif m.outcome not in seen:
        hint = _suggest(m.outcome, seen)
        problems.append(f"{m.source}: outcome '{m.outcome}' is not a node.{hint}")
    elif m.node_index[m.outcome].kind != "outcome":
        problems.append(f"{_at(m, m.node_index[m.outcome].line)}: the outcome '{m.outcome}' must "
                        "have 'kind: outcome'.")
    for n in outcomes:
        if n.scale != OUTCOME_SCALE or not n.measured:
            problems.append(f"{_at(m, n.line)}: the outcome needs a column and the 0–10 scale.")
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
                unknown.append(f"{_at(m, e.line)}: edge {e.source} → {e.target} names unknown "
                               f"node '{end}'.{_suggest(end, seen)} Known ids: {', '.join(seen)}.")
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
    for target, total in share_sum.items():
        if total > 1 + 1e-9:
            lines = [e for e in m.edges if e.target == target and e.share is not None]
            listed = ", ".join(f"{e.source} {e.share:g}" for e in lines)
            problems.append(f"{_at(m, lines[-1].line)}: the shares on '{target}' sum to {total:g} "
                            f"({listed}); together they may be at most 1.")
    if problems:
        raise MapValidationError(problems)
    _check_acyclic(m)


def _check_acyclic(m: JourneyMap) -> None:
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in m.nodes)
    g.add_edges_from((e.source, e.target) for e in m.edges)
    try:
        cycle = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return
    # Name the cycle's edge that comes last in the file (usually the one just added),
    # close the printed cycle with it, and list the lines of all its edges.
    pairs = [(u, v) for u, v, *_ in cycle]
    line = {(e.source, e.target): e.line for e in m.edges}
    last = max(range(len(pairs)), key=lambda i: line.get(pairs[i]) or 0)
    pairs = pairs[last + 1:] + pairs[:last + 1]
    ids = [u for u, _ in pairs] + [pairs[0][0]]
    where = _at(m, line.get(pairs[-1]))
    lines = sorted({n for n in (line.get(pr) for pr in pairs) if n})
    at = f" (edges at lines {', '.join(map(str, lines))})" if len(lines) > 1 else ""
    raise CycleError(f"{where}: the edges form a cycle: {' → '.join(ids)}{at}. A journey map "
                     "flows one way toward NPS; remove or reverse one of these edges.", ids)
