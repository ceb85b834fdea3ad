"""Where the bayesnet engine's effects rest on data: thin combinations and default bins.

The rules are in ``docs/method.md``, "9.8 Sparse data".  A *thin* combination is a
parent combination of a table with fewer than ``min_rows`` complete rows
(:data:`journeymap.limits.BAYESNET_MIN_CELL_ROWS`): there the table is mostly BDeu's
prior.  An edge p → c moves each of c's rows whose p is below its top state one state
up in p; its *thin share* is the share of those moved rows that land in a thin
combination of c's table.  An effect or a role's influence is reported through the
edges on its routes to the outcome (:func:`route_edges`); its thin share is the largest
of theirs, because every route's number passes through each of its tables.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from ..data import SurveyData
    from ..model import JourneyMap
    from ._bnstate import BayesNetState

__all__ = ["Support", "auto_bins", "edge_thin_share", "route_edges", "support_of",
           "table_thin_shares"]


@dataclass(frozen=True)
class Support:
    """How much of an effect rests on thin combinations.

    Attributes
    ----------
    thin_share
        The largest thin share of the edges on the effect's routes (0 with no edge).
    edge
        That edge ``(parent, child)``, or ``None``.
    """

    thin_share: float
    edge: tuple[str, str] | None


def auto_bins(journey_map: JourneyMap, data: SurveyData, order: Iterable[str],
              parents: Mapping[str, tuple[str, ...]], rows_per_combination: int) -> int | None:
    """The default number of states per rating, chosen from the data's size.

    For every table with ``k`` measured parents and ``n`` complete rows (the node and all
    its parents answered), the most states ``b`` with ``n ≥ rows_per_combination · b^k``;
    the smallest over the tables, at least 2.  ``None`` when no table has parents (the
    scale points are then kept).
    """
    m = journey_map
    seen: dict[str, NDArray[np.bool_]] = {
        n: (np.ones(data.n, dtype=bool) if n == m.outcome else ~np.isnan(data.column(n)))
        for n in order}
    best: int | None = None
    for node, pa in parents.items():
        if not pa:
            continue
        mask = seen[node].copy()
        for p in pa:
            mask &= seen[p]
        rows, k = int(mask.sum()), len(pa)
        b = max(1, math.floor((rows / rows_per_combination) ** (1.0 / k)))
        while rows_per_combination * (b + 1) ** k <= rows:
            b += 1
        while b > 1 and rows_per_combination * b ** k > rows:
            b -= 1
        best = b if best is None else min(best, b)
    return None if best is None else max(2, best)


def edge_thin_share(state: BayesNetState, parent: str, child: str, min_rows: int) -> float:
    """Share of the child's rows moved one state up in ``parent`` that land in a parent
    combination of the child's table with fewer than ``min_rows`` rows (0 if none move)."""
    return table_thin_shares(state, child, min_rows)[parent]


def table_thin_shares(state: BayesNetState, child: str, min_rows: int) -> dict[str, float]:
    """:func:`edge_thin_share` of every parent of ``child``, from the table's counts alone.

    The rows moved by parent j are those of every combination below j's top state; they
    land in the combination one step further along j's axis.  With ``N`` the rows per
    parent combination (the table's counts summed over the child's states), the share is
    ``Σ N[c] · [N[c + e_j] < min_rows] / Σ N[c]`` over those combinations — no pass over
    the rows.
    """
    per_combination = state.counts[child].sum(axis=0)
    out: dict[str, float] = {}
    for j, p in enumerate(state.parents[child]):
        moved = np.delete(per_combination, -1, axis=j)  # combinations below p's top
        landing = np.delete(per_combination, 0, axis=j)  # the same, one state up in p
        n = int(moved.sum())
        out[p] = float(moved[landing < min_rows].sum() / n) if n else 0.0
    return out


def route_edges(state: BayesNetState, sources: Iterable[str]) -> list[tuple[str, str]]:
    """The network's edges (between measured nodes) on a route from ``sources`` to the
    outcome, in the order of the tables."""
    children: dict[str, list[str]] = {n: [] for n in state.order}
    for n in state.order:
        for p in state.parents[n]:
            children[p].append(n)
    reach: set[str] = set()
    todo = [s for s in sources if s in children]
    while todo:
        n = todo.pop()
        if n not in reach:
            reach.add(n)
            todo.extend(children[n])
    leads: set[str] = {state.outcome}
    for n in reversed(state.order):
        if any(c in leads for c in children[n]):
            leads.add(n)
    return [(p, n) for n in state.order if n in reach and n in leads
            for p in state.parents[n] if p in reach]


def support_of(edges: Iterable[tuple[str, str]], shares: Mapping[tuple[str, str], float]
               ) -> Support:
    """The :class:`Support` of an effect reported through ``edges``."""
    worst: tuple[str, str] | None = None
    for e in edges:
        if worst is None or shares[e] > shares[worst]:
            worst = e
    return Support(0.0 if worst is None else shares[worst], worst)
