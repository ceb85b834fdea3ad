"""Bootstrap replicates of total effects from grouped sufficient statistics.

During the single pass over the data each row is sent at random to one of K groups
(:class:`~journeymap.summary.LinearSummary` with ``bootstrap_groups=K``).  Replicate b
weights group g by ``w_bg ~ Poisson(1)`` — the Poisson bootstrap at the level of
random groups of rows — sums the groups' Gram matrices with those weights, re-solves
every equation (tiny k × k systems) and recomputes ``(I − A)⁻¹``.  So B replicates
cost B small solves, not B passes over the data.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..exceptions import DataValidationError
from ..paths import PathAlgebra
from ..stats import SufficientStats
from ..summary import LinearSummary

__all__ = ["bootstrap_totals"]


def bootstrap_totals(summary: LinearSummary, n_boot: int, *, seed: int = 0
                     ) -> tuple[NDArray[np.float64], int]:
    """Replicates × nodes (topological order) of each node's total effect on the outcome.

    For an unmeasured role the entry is its influence.  Replicates whose equations
    cannot be solved (e.g. a constant parent in a small group) are dropped; their
    number is returned.
    """
    from .linear import coefficient_matrix, estimate_equations

    m = summary.journey_map
    rng = np.random.default_rng([seed, 7919])
    k = len(summary.group_stats)
    outcome = m.topological_order.index(m.outcome)
    edges = tuple((m.topological_order.index(e.source), m.topological_order.index(e.target))
                  for e in m.edges)
    rows: list[NDArray[np.float64]] = []
    failed = 0
    for _ in range(n_boot):
        weights = rng.poisson(1.0, size=k).astype(np.float64)
        stats = SufficientStats.weighted_sum(summary.group_stats, weights)
        try:
            estimates = estimate_equations(m, stats, summary.node_ids)
        except DataValidationError:
            failed += 1
            continue
        A, estimated = coefficient_matrix(m, estimates)
        algebra = PathAlgebra(m.topological_order, A, outcome, tuple(estimated), edges)
        rows.append(algebra.totals())
    if not rows:
        raise DataValidationError("no bootstrap replicate could be fitted; use the default "
                                  "(delta-method) intervals.")
    return np.vstack(rows), failed
