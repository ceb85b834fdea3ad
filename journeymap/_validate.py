"""Structural validation of a journey map (ids, edges, cycles, shares).

Called by :class:`journeymap.model.JourneyMap` on construction.  Every problem is
reported with the file and line, and the message says what would be valid.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .exceptions import CycleError, MapValidationError, UnknownNodeError
from .limits import (
    MAX_DESCRIPTION_CHARS,
    MAX_ID_CHARS,
    MAX_LABEL_CHARS,
    MAX_MAP_EDGES,
    MAX_MAP_NODES,
    MAX_PROBLEMS_LISTED,
    MAX_QUESTION_CHARS,
)

if TYPE_CHECKING:
    from .model import Edge, JourneyMap


def _where(source: str, line: int | None) -> str:
    return f"{source}, line {line}" if line else source


def _at(m: JourneyMap, line: int | None) -> str:
    return _where(m.source, line)


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
                  ("question", n.question, MAX_QUESTION_CHARS, False),
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

    Every problem every stage can see is reported in one error: ids, the outcome and
    columns; edges naming unknown ids or listed twice; then, on the edges whose ends
    exist, the rules of node kinds, shares and a cycle.  A lone unknown id is an
    :class:`UnknownNodeError`, a lone cycle a :class:`CycleError`.

    Every step is linear in the size of the map (ids and edges are looked up in dicts,
    the cycle check is one topological sort), so a map of thousands of nodes is checked
    in a fraction of a second.
    """
    from .model import OUTCOME_SCALE, _suggest

    _check_texts(m)
    problems = duplicate_id_problems(m.source, [(n.id, n.line) for n in m.nodes])
    seen: dict[str, int | None] = {}
    for n in m.nodes:
        seen.setdefault(n.id, n.line)
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
    for n in m.nodes:
        if (n.question is not None or n.questions) and not n.measured:
            problems.append(f"{_at(m, n.line)}: node '{n.id}' has a question but no column.")
    if m.comments is not None:
        named = m.comments.columns
        for c in named:
            if c in columns:
                problems.append(f"{m.source}: comments: '{c}' is the rating column of node "
                                f"'{columns[c]}'; comments need columns of their own.")
        if len(set(named)) != len(named):
            problems.append(f"{m.source}: comments: the comment, consent and date columns "
                            "must be different columns.")
    unknown, twice = edge_problems(m.source, seen, m.edges)
    problems += twice
    # The later stages run on the edges whose ends exist, so one run reports every
    # problem it can see (a typo in one edge does not hide a cycle among the others).
    known = [e for e in m.edges if e.source in seen and e.target in seen]
    problems += _kind_and_share_problems(m, known)
    # An edge out of the outcome is reported as such, not again as part of a cycle.
    ends = {n.id for n in outcomes}
    cycle = cycle_error(m.source, seen, [e for e in known if e.source not in ends])
    if cycle is not None and not problems and not unknown:
        raise cycle
    if len(unknown) == 1 and not problems and cycle is None:
        raise UnknownNodeError(unknown[0])
    if problems or unknown or cycle is not None:
        raise MapValidationError([*problems, *unknown, *([str(cycle)] if cycle else [])])


def edge_problems(source: str, seen: dict[str, int | None], edges: Iterable[Edge]
                  ) -> tuple[list[str], list[str]]:
    """The edges naming unknown node ids (with a "did you mean") and those listed twice.

    ``seen`` maps every known id to its line, in file order.  Used on a valid map's
    parts and, by the map file reader, on a map whose nodes have other problems too
    (a node with a problem still counts as known, so its edges are not reported).
    """
    from .model import _suggest

    unknown: list[str] = []
    twice: list[str] = []
    pairs: set[tuple[str, str]] = set()
    for e in edges:
        for end in (e.source, e.target):
            if end not in seen:
                hint = _suggest(end, seen) if len(unknown) < MAX_PROBLEMS_LISTED else ""
                unknown.append(f"{_where(source, e.line)}: edge {e.source} → {e.target} names "
                               f"unknown node '{end}'.{hint} Known ids: {_known(seen)}.")
        if (e.source, e.target) in pairs:
            twice.append(f"{_where(source, e.line)}: edge {e.source} → {e.target} is listed "
                         "twice.")
        pairs.add((e.source, e.target))
    return unknown, twice


def _kind_and_share_problems(m: JourneyMap, edges: list[Edge]) -> list[str]:
    """Edges that break the rules of node kinds, and shares that sum to more than 1."""
    problems: list[str] = []
    nodes = m.node_index
    share_sum: dict[str, float] = defaultdict(float)
    for e in edges:
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
    for e in edges:
        if e.target in over and e.share is not None:
            into[e.target].append(e)
    for target, total in share_sum.items():
        if target in over:
            lines = into[target]
            listed = ", ".join(f"{e.source} {e.share:g}" for e in lines)
            problems.append(f"{_at(m, lines[-1].line)}: the shares on '{target}' sum to {total:g} "
                            f"({listed}); together they may be at most 1.")
    return problems


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


def cycle_error(source: str, node_ids: Iterable[str], edges: Iterable[Edge]
                ) -> CycleError | None:
    """A :class:`CycleError` naming one cycle of ``edges`` and its lines, or None.

    Every edge's ends must be among ``node_ids``.
    """
    edges = list(edges)
    found = find_cycle(node_ids, ((e.source, e.target) for e in edges))
    if found is None:
        return None
    # Name the cycle's edge that comes last in the file (usually the one just added),
    # close the printed cycle with it, and list the lines of all its edges.
    pairs = list(itertools.pairwise(found))
    line = {(e.source, e.target): e.line for e in edges}
    last = max(range(len(pairs)), key=lambda i: line.get(pairs[i]) or 0)
    pairs = pairs[last + 1:] + pairs[:last + 1]
    ids = [u for u, _ in pairs] + [pairs[0][0]]
    where = _where(source, line.get(pairs[-1]))
    lines = sorted({n for n in (line.get(pr) for pr in pairs) if n})
    at = f" (edges at lines {', '.join(map(str, lines))})" if len(lines) > 1 else ""
    return CycleError(f"{where}: the edges form a cycle: {' → '.join(ids)}{at}. A journey map "
                      "flows one way toward NPS; remove or reverse one of these edges.", ids)


def duplicate_id_problems(source: str, ids: Iterable[tuple[str, int | None]]) -> list[str]:
    """Ids given twice, or twice up to upper and lower case, with the lines of both."""
    problems: list[str] = []
    seen: dict[str, int | None] = {}
    folded: dict[str, str] = {}
    for node_id, line in ids:
        key = node_id.casefold()
        if node_id in seen:
            first = f" (first at line {seen[node_id]})" if seen[node_id] else ""
            problems.append(f"{_where(source, line)}: duplicate node id '{node_id}'{first}; "
                            "every id must be unique.")
        elif key in folded:
            other = folded[key]
            first = f" at line {seen[other]}" if seen[other] else ""
            problems.append(f"{_where(source, line)}: duplicate node id '{node_id}': it "
                            f"differs from '{other}'{first} only in upper and lower case, "
                            "which people (and case-insensitive file systems) read as the same "
                            "id; rename one.")
        seen.setdefault(node_id, line)
        folded.setdefault(key, node_id)
    return problems


def draft_problems(source: str, seen: dict[str, int | None], edges: Sequence[Edge],
                   ids: Iterable[tuple[str, int | None]] = ()) -> list[str]:
    """The problems of a map's edges that can be found while its nodes have problems of
    their own: unknown ids, edges listed twice and a cycle (among the edges whose ends
    exist).  ``seen`` holds every node id the file names, with or without problems, so
    a node's own problem is not reported again on its edges.  ``ids`` (every node's id
    and line, in file order) adds ids given twice or differing only in case."""
    doubles = duplicate_id_problems(source, ids)
    unknown, twice = edge_problems(source, seen, edges)
    known = [e for e in edges if e.source in seen and e.target in seen]
    cycle = cycle_error(source, seen, known)
    return [*doubles, *twice, *unknown, *([str(cycle)] if cycle is not None else [])]
