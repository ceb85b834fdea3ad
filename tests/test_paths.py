"""Path algebra: totals are sums over paths, gradients are finite differences."""

from __future__ import annotations

import math
from itertools import pairwise

import networkx as nx
import numpy as np
import pytest
from numpy.typing import NDArray

from journeymap.paths import PathAlgebra


def random_dag(seed: int, n: int = 9, density: float = 0.45) -> PathAlgebra:
    """A random DAG on nodes 0..n-1 (edges point to higher indices), outcome n-1.

    The first two edges out of node 0 are treated as fixed shares (not estimated), the
    way an unmeasured role's edges are; the rest are estimated.
    """
    rng = np.random.default_rng(seed)
    A = np.zeros((n, n))
    edges: list[tuple[int, int]] = []
    for p in range(n):
        for c in range(p + 1, n):
            if rng.random() < density:
                A[p, c] = rng.uniform(-0.8, 0.8)
                edges.append((p, c))
    shares = [e for e in edges if e[0] == 0][:2]
    estimated = tuple(e for e in edges if e not in shares)
    return PathAlgebra(tuple(f"n{i}" for i in range(n)), A, n - 1, estimated, tuple(edges))


def totals_by_enumeration(alg: PathAlgebra) -> NDArray[np.float64]:
    """Σ over networkx simple paths of the product of the edge values, per source."""
    g = nx.DiGraph()
    g.add_nodes_from(range(len(alg.nodes)))
    g.add_edges_from(alg.edges)
    out = np.zeros(len(alg.nodes))
    for x in range(len(alg.nodes)):
        if x == alg.outcome:
            out[x] = 1.0
            continue
        for path in nx.all_simple_paths(g, x, alg.outcome):
            out[x] += math.prod(alg.A[a, b] for a, b in pairwise(path))
    return out


def with_value(alg: PathAlgebra, edge: tuple[int, int], value: float) -> PathAlgebra:
    A = alg.A.copy()
    A[edge] = value
    return PathAlgebra(alg.nodes, A, alg.outcome, alg.estimated, alg.edges)


def test_hand_worked_three_node_total() -> None:
    # a → b → o and a → o: T_a = 0.5 · 0.4 + 0.3 = 0.5, T_b = 0.4, T_o = 1
    A = np.array([[0, 0.5, 0.3], [0, 0, 0.4], [0, 0, 0]])
    alg = PathAlgebra(("a", "b", "o"), A, 2, ((0, 1), (0, 2), (1, 2)),
                      ((0, 1), (0, 2), (1, 2)))
    np.testing.assert_allclose(alg.totals(), [0.5, 0.4, 1.0], rtol=1e-15)
    paths = sorted((tuple(p), e) for p, e in alg.paths(0))
    assert [p for p, _ in paths] == [(0, 1, 2), (0, 2)]
    assert [e for _, e in paths] == pytest.approx([0.2, 0.3], rel=1e-15)
    # ∂T_a/∂b_ab = b_bo = 0.4, ∂T_a/∂b_ao = 1, ∂T_a/∂b_bo = b_ab = 0.5
    np.testing.assert_allclose(alg.gradients()[0], [0.4, 1.0, 0.5], rtol=1e-15)


@pytest.mark.parametrize("seed", range(6))
def test_totals_equal_the_sum_over_paths(seed: int) -> None:
    alg = random_dag(seed)
    totals = alg.totals()
    for x in range(len(alg.nodes)):
        assert totals[x] == pytest.approx(sum(e for _, e in alg.paths(x)), rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(totals, totals_by_enumeration(alg), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("seed", range(6))
def test_paths_are_exactly_the_simple_paths_to_the_outcome(seed: int) -> None:
    alg = random_dag(seed)
    g = nx.DiGraph(list(alg.edges))
    g.add_nodes_from(range(len(alg.nodes)))
    for x in range(len(alg.nodes) - 1):
        ours = sorted(tuple(p) for p, _ in alg.paths(x))
        theirs = sorted(tuple(p) for p in nx.all_simple_paths(g, x, alg.outcome))
        assert ours == theirs
        for p, effect in alg.paths(x):
            assert effect == pytest.approx(math.prod(alg.A[a, b] for a, b in pairwise(p)),
                                           rel=1e-15)


def test_total_matrix_sums_paths_between_any_two_nodes() -> None:
    alg = random_dag(11)
    N = alg.total_matrix
    g = nx.DiGraph(list(alg.edges))
    g.add_nodes_from(range(len(alg.nodes)))
    for x in range(len(alg.nodes)):
        for y in range(len(alg.nodes)):
            expected = 1.0 if x == y else sum(
                math.prod(alg.A[a, b] for a, b in pairwise(p))
                for p in nx.all_simple_paths(g, x, y))
            assert N[x, y] == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_outcome_has_total_one_and_a_node_without_path_has_zero() -> None:
    # a → o, b has no edge: T_a = 0.7, T_b = 0, T_o = 1
    A = np.zeros((3, 3))
    A[0, 2] = 0.7
    alg = PathAlgebra(("a", "b", "o"), A, 2, ((0, 2),), ((0, 2),))
    np.testing.assert_array_equal(alg.totals(), [0.7, 0.0, 1.0])
    assert list(alg.paths(1)) == []
    assert list(alg.paths(2)) == [([2], 1.0)]


@pytest.mark.parametrize("seed", range(6))
def test_gradients_equal_central_finite_differences(seed: int) -> None:
    alg = random_dag(seed)
    G = alg.gradients()
    assert G.shape == (len(alg.nodes), len(alg.estimated))
    h = 1e-6
    for k, edge in enumerate(alg.estimated):
        up = with_value(alg, edge, alg.A[edge] + h).totals()
        down = with_value(alg, edge, alg.A[edge] - h).totals()
        np.testing.assert_allclose(G[:, k], (up - down) / (2 * h), rtol=1e-6, atol=1e-9)


def test_gradients_ignore_fixed_shares_and_are_empty_without_estimates() -> None:
    alg = random_dag(2)
    assert len(alg.estimated) < len(alg.edges)  # some edges are fixed shares
    none = PathAlgebra(alg.nodes, alg.A, alg.outcome, (), alg.edges)
    assert none.gradients().shape == (len(alg.nodes), 0)
