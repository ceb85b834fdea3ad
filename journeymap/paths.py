"""Path algebra of a linear journey map: total effects, their gradients, and paths.

Write the map as a matrix ``A`` over all nodes with ``A[p, c]`` the coefficient of
edge ``p → c`` (for an unmeasured role, its fixed ``share``).  Then
``N = (I − A)⁻¹`` sums the products of coefficients over every directed path, so
the **total effect** of node ``x`` on the outcome ``o`` is ``N[x, o]``
(docs/method.md, "Total, direct and indirect effects") and an unmeasured role's
**influence** ``Σ_j share_j · T_j`` is the same entry for the role's row.  Its
derivative with respect to an estimated coefficient ``A[p, c]`` is
``N[x, p] · N[c, o]``, which the delta method uses for intervals.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

__all__ = ["PathAlgebra"]


@dataclass(frozen=True)
class PathAlgebra:
    """Totals, gradients and paths of a linear DAG.

    Parameters
    ----------
    nodes
        Node ids; ``A`` is indexed in this order.
    A
        ``A[p, c]`` = effect of ``p`` on ``c`` (0 where no edge).
    outcome
        Index of the outcome node.
    estimated
        ``(p, c)`` index pairs of the estimated coefficients, in the order of the
        coefficient covariance matrix.
    edges
        ``(p, c)`` index pairs of every edge of the map (estimated or share).
    """

    nodes: tuple[str, ...]
    A: NDArray[np.float64]
    outcome: int
    estimated: tuple[tuple[int, int], ...]
    edges: tuple[tuple[int, int], ...]

    @cached_property
    def total_matrix(self) -> NDArray[np.float64]:
        """``(I − A)⁻¹``: entry ``[x, y]`` sums the path products from x to y (computed once;
        ``A`` is not to be changed afterwards; the array is read-only)."""
        N = _inverse(self.A)
        N.setflags(write=False)
        return N

    def totals(self) -> NDArray[np.float64]:
        """Total effect of every node on the outcome (``N[:, o]``)."""
        return self.total_matrix[:, self.outcome]

    def gradients(self) -> NDArray[np.float64]:
        """``G[x, k] = ∂ total_x / ∂ θ_k = N[x, p_k] · N[c_k, o]`` for estimated θ_k."""
        return self._gradients

    @cached_property
    def _gradients(self) -> NDArray[np.float64]:
        N = self.total_matrix
        if not self.estimated:
            G = np.zeros((len(self.nodes), 0))
        else:
            p = np.array([pc[0] for pc in self.estimated])
            c = np.array([pc[1] for pc in self.estimated])
            G = np.asarray(N[:, p] * N[c, self.outcome][None, :], dtype=np.float64)
        G.setflags(write=False)
        return G

    def paths(self, source: int) -> Iterator[tuple[list[int], float]]:
        """Every directed path from ``source`` to the outcome with its product of effects."""
        children: list[list[int]] = [[] for _ in self.nodes]
        for p, c in self.edges:
            children[p].append(c)

        def walk(node: int, trail: list[int], product: float) -> Iterator[tuple[list[int], float]]:
            if node == self.outcome:
                yield list(trail), product
                return
            for child in children[node]:
                trail.append(child)
                yield from walk(child, trail, product * float(self.A[node, child]))
                trail.pop()

        yield from walk(source, [source], 1.0)


def _inverse(A: NDArray[np.float64]) -> NDArray[np.float64]:
    n = A.shape[0]
    return np.asarray(np.linalg.solve(np.eye(n) - A, np.eye(n)), dtype=np.float64)
