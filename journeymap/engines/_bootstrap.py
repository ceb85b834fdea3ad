"""Bootstrap replicates of the linear engine's coefficients from unit moments.

During the one pass over the data each row is sent to a bootstrap *unit*
(:class:`~journeymap.summary.LinearSummary` with ``bootstrap_groups=K``): itself when
an in-memory fit has at most K rows (the case bootstrap), else one of K groups at
random.  Per equation and unit the summary keeps ``Σ vech(w wᵀ)``, ``w = (1, parents…,
child)``.  Replicate b draws U units with replacement (``U`` = the units holding rows),
``idx_b = rng.integers(0, U, size=U)`` with ``rng = numpy.random.default_rng(seed)``,
one replicate after the other; its moments are the unit moments weighted by the
counts, so every equation is re-solved from tiny matrices — B replicates cost one
``(B × U) @ (U × m)`` product per equation, not B passes over the data.  With one row
per unit this is exactly a naive loop that refits on ``rows[idx_b]``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..exceptions import DataValidationError
from ..limits import CONSTANT_TOLERANCE, MAX_CONDITION_NUMBER
from ..summary import LinearSummary, unvech

__all__ = ["bootstrap_coefficients", "bootstrap_totals", "replicate_weights"]

#: Replicates solved together (bounds the (block × U) weight matrix).
_BLOCK = 128


def replicate_weights(rng: np.random.Generator, units: int, count: int) -> NDArray[np.float64]:
    """``(count, units)``: how often each unit is drawn in each of ``count`` replicates
    (``rng.integers(0, units, size=units)`` per replicate)."""
    idx = rng.integers(0, units, size=(count, units))
    flat = idx + (np.arange(count) * units)[:, None]
    return np.bincount(flat.ravel(), minlength=count * units).reshape(count, units).astype(
        np.float64)


def bootstrap_coefficients(summary: LinearSummary, n_boot: int, *, seed: int = 0
                           ) -> tuple[NDArray[np.float64], int, int]:
    """``(B', p)`` replicates of every estimated coefficient (equation by equation, parents
    in map order), the number of replicates dropped, and the number of units.

    A replicate is dropped when one of its equations cannot be solved (fewer than k + 2
    rows, a constant or collinear parent — the rule of ``journeymap.lstsq``).
    """
    units = np.flatnonzero(summary.group_rows > 0)
    U = len(units)
    if U < 2:
        raise DataValidationError("the bootstrap needs at least 2 units holding rows; use the "
                                  "default (delta-method) intervals.")
    moments = [gm[units] for gm in summary.group_moments]
    sizes = [len(eq) - 1 for eq in summary.stats.equations]
    rng = np.random.default_rng(seed)
    blocks: list[NDArray[np.float64]] = []
    failed = 0
    for start in range(0, n_boot, _BLOCK):
        count = min(_BLOCK, n_boot - start)
        W = replicate_weights(rng, U, count)
        coefs = []
        ok = np.ones(count, dtype=bool)
        for mom, k in zip(moments, sizes, strict=True):
            c, good = _solve(unvech(W @ mom, k + 2), k)
            coefs.append(c)
            ok &= good
        failed += int((~ok).sum())
        if coefs:
            blocks.append(np.hstack(coefs)[ok])
    reps = np.vstack(blocks) if blocks else np.zeros((0, 0))
    if reps.shape[0] == 0:
        raise DataValidationError("no bootstrap replicate could be fitted; use the default "
                                  "(delta-method) intervals.")
    return reps, failed, U


def _solve(M: NDArray[np.float64], k: int) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """OLS slopes from ``(b, k + 2, k + 2)`` moments of ``(1, x…, y)``, and which are valid."""
    n = M[:, 0, 0]
    s = M[:, 0, 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = M[:, 1:, 1:] - s[:, :, None] * s[:, None, :] / n[:, None, None]
    Sxx = cross[:, :k, :k]
    Sxy = cross[:, :k, k]
    size = np.abs(cross).max(axis=(1, 2))
    var = np.diagonal(Sxx, axis1=1, axis2=2)
    good = (n >= k + 2) & np.all(var > CONSTANT_TOLERANCE * np.maximum(1.0, size)[:, None],
                                 axis=1)
    coef = np.full((M.shape[0], k), np.nan)
    if good.any():
        sd = np.sqrt(var[good])
        corr = Sxx[good] / (sd[:, :, None] * sd[:, None, :])
        well = np.linalg.cond(corr) <= MAX_CONDITION_NUMBER
        which = np.flatnonzero(good)
        good[which[~well]] = False
        use = which[well]
        if len(use):
            coef[use] = np.linalg.solve(Sxx[use], Sxy[use][:, :, None])[:, :, 0]
    return coef, good


def bootstrap_totals(summary: LinearSummary, n_boot: int, *, seed: int = 0
                     ) -> tuple[NDArray[np.float64], int]:
    """``(B', nodes)`` replicates of every node's total effect (topological order; an
    unmeasured role's influence), and the number of replicates dropped."""
    from .linear import CoefficientMap, coefficient_matrix, estimate_equations

    m = summary.journey_map
    reps, failed, _ = bootstrap_coefficients(summary, n_boot, seed=seed)
    A, estimated = coefficient_matrix(m, estimate_equations(m, summary.stats,
                                                            summary.node_ids))
    cmap = CoefficientMap(A, np.array([p for p, _ in estimated], dtype=np.intp),
                          np.array([c for _, c in estimated], dtype=np.intp),
                          m.topological_order.index(m.outcome))
    return cmap.totals(reps), failed
