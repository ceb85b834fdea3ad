"""Reference computations written independently of the library, shared by several tests.

They follow docs/method.md, "NPS points", literally, per respondent, without the library's tables or
gradients, so that the library's numbers can be checked against them.
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

import journeymap as jm


def nps_points(ltr: np.ndarray, shift: np.ndarray) -> float:
    """100 · mean change in P(promoter) − P(detractor) when each answer k, read as the
    interval [k − .5, k + .5), moves by ``shift`` (the interval-crossing rule of
    docs/method.md, "NPS points")."""

    def promoter(v: np.ndarray) -> np.ndarray:  # share of [v − .5, v + .5) at or above 8.5
        return np.clip(v + 0.5 - 8.5, 0.0, 1.0)

    def detractor(v: np.ndarray) -> np.ndarray:  # share of [v − .5, v + .5) below 6.5
        return np.clip(6.5 - (v - 0.5), 0.0, 1.0)

    gain = (promoter(ltr + shift) - promoter(ltr)) - (detractor(ltr + shift) - detractor(ltr))
    return 100.0 * float(gain.mean())


def node_scores(m: jm.JourneyMap, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each measured node's score per row with an LTR (composites: mean of answered items
    when at least half are answered), NaN = not experienced."""
    frame = frame[frame[m.outcome_node.column].notna()]
    out = {}
    for node in m.measured_nodes:
        x = frame[list(node.columns)].astype("float64")
        answered = x.notna().sum(axis=1)
        out[node.id] = x.mean(axis=1).where(2 * answered >= x.shape[1]).to_numpy("float64")
    return out


def ols_effects(m: jm.JourneyMap, scores: dict[str, np.ndarray]
                ) -> tuple[dict[str, float], dict[str, float]]:
    """(direct, total) effect on LTR of each measured non-outcome node: OLS of every node on
    its measured parents over complete rows (numpy lstsq), then the sum over directed paths
    of products of coefficients (networkx path enumeration)."""
    g = nx.DiGraph()
    for node in m.measured_nodes:
        parents = [p for p in m.parents(node.id) if m.node(p).measured]
        if not parents:
            continue
        cols = [scores[p] for p in parents]
        y = scores[node.id]
        rows = ~np.isnan(y) & np.all([~np.isnan(c) for c in cols], axis=0)
        X = np.column_stack([np.ones(rows.sum())] + [c[rows] for c in cols])
        beta = np.linalg.lstsq(X, y[rows], rcond=None)[0]
        for p, b in zip(parents, beta[1:], strict=True):
            g.add_edge(p, node.id, b=float(b))
    direct, total = {}, {}
    for node in m.measured_nodes:
        if node.id == m.outcome:
            continue
        direct[node.id] = g.edges[node.id, m.outcome]["b"] if g.has_edge(node.id,
                                                                          m.outcome) else 0.0
        total[node.id] = sum(math.prod(g.edges[a, b]["b"] for a, b in pairwise(p))
                             for p in nx.all_simple_paths(g, node.id, m.outcome))
    return direct, total


def assert_same_numbers(a: Any, b: Any, where: str = "result") -> None:
    """Every number of two FitResult dicts equal to 1e-9 relative (1e-12 absolute);
    everything else exact."""
    if isinstance(a, dict):
        assert isinstance(b, dict), where
        assert a.keys() == b.keys(), where
        for k in a:
            assert_same_numbers(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list), where
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_numbers(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and not isinstance(b, bool):
        assert isinstance(b, float | int), where
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), f"{where}: {a!r} != {b!r}"
    else:
        assert type(a) is type(b), f"{where}: {type(a)} != {type(b)}"
        assert a == b, f"{where}: {a!r} != {b!r}"
