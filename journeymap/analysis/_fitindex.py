"""Global fit indices of the linear map: chi-square, SRMR, RMSEA and CFI.

The map's equations among the measured nodes form a recursive linear model: every
measured node with measured parents is regressed on them (free coefficients, a free
residual variance, residuals uncorrelated), and the measured nodes without measured
parents (exogenous) have free variances and covariances.  For such a model the
maximum-likelihood estimates are the per-equation OLS estimates (with the residual
variance on n, not n − k − 1), and the implied covariance matrix is

    Σ = (I − Bᵀ)⁻¹ Ψ (I − B)⁻¹,      B[p, c] = coefficient of p in c's equation,

with Ψ the exogenous covariance block and the residual variances on the diagonal.  It
is compared with the observed covariance S of the rows where every measured node was
answered (listwise: the indices need one covariance matrix; the engine's own estimates
use each equation's rows), re-estimating the equations on those rows so that Σ is the
ML fit to S:

    F_ML = log|Σ| + tr(S Σ⁻¹) − log|S| − p,    χ² = (N − 1) · F_ML,
    df = p(p + 1)/2 − (coefficients + residual variances + k(k + 1)/2 exogenous moments),
    RMSEA = sqrt(max(χ² − df, 0) / (df · (N − 1))),
    CFI = 1 − max(χ² − df, 0) / max(χ²₀ − df₀, χ² − df, 0),
    SRMR = sqrt(mean over i ≤ j of ((s_ij − σ_ij) / sqrt(s_ii · s_jj))²),

with the independence model (only variances: ``χ²₀ = (N − 1)(Σ log s_ii − log|S|)``,
``df₀ = p(p − 1)/2``) as CFI's baseline.  semopy (``Model(desc).fit(df)``, ``calc_stats``)
reports the same F_ML and df; its χ² is N · F_ML (so its RMSEA and CFI differ by a factor
(N − 1)/N inside, tested in ``tests/test_check.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats as sps

from ..lstsq import centred_cross_products, find_degeneracy, ols_from_gram

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..data import SurveyData
    from ..model import JourneyMap

__all__ = ["CUTOFFS", "fit_indices", "fit_indices_from_covariance", "implied_covariance"]

CUTOFFS: dict[str, tuple[str, float]] = {"cfi": ("≥", 0.95), "rmsea": ("≤", 0.06),
                                         "srmr": ("≤", 0.08)}
"""Conventional cut-offs (Hu & Bentler 1999) — conventions, not tests."""


def implied_covariance(S: NDArray[np.float64], parents: Mapping[int, Sequence[int]]
                       ) -> tuple[NDArray[np.float64], int]:
    """The ML-implied covariance of a recursive model fitted to ``S``, and its free parameters.

    ``parents`` maps a column to the columns of its parents (every column not in it, or
    with no parents, is exogenous: its variances and covariances with the other exogenous
    columns are free and reproduced exactly).  ``S`` is expected to pass the collinearity
    rule of :mod:`journeymap.lstsq` (:func:`fit_indices` checks it), so each node's
    regression on its parents is solved without a further check.
    """
    p = S.shape[0]
    B = np.zeros((p, p))
    psi = np.zeros((p, p))
    exo = [j for j in range(p) if not parents.get(j)]
    psi[np.ix_(exo, exo)] = S[np.ix_(exo, exo)]
    free = len(exo) * (len(exo) + 1) // 2
    for j, pa in parents.items():
        if not pa:
            continue
        idx = list(pa)
        block = [*idx, j]
        ols = ols_from_gram(S[np.ix_(block, block)], [str(c) for c in block], check=False)
        B[idx, j] = ols.coef
        psi[j, j] = ols.rss
        free += len(idx) + 1
    inv = np.linalg.inv(np.eye(p) - B)
    return np.asarray(inv.T @ psi @ inv, dtype=np.float64), free


def fit_indices_from_covariance(S: NDArray[np.float64], n: int,
                                parents: Mapping[int, Sequence[int]]) -> dict[str, Any]:
    """Fit indices of the recursive model ``parents`` for an observed covariance ``S`` of
    ``n`` rows (any divisor: the indices do not depend on it)."""
    p = S.shape[0]
    sigma, free = implied_covariance(S, parents)
    logdet_s = np.linalg.slogdet(S)[1]
    logdet_sigma = np.linalg.slogdet(sigma)[1]
    f_ml = float(logdet_sigma + np.trace(S @ np.linalg.inv(sigma)) - logdet_s - p)
    f_ml = max(f_ml, 0.0)
    chi2 = (n - 1) * f_ml
    df = p * (p + 1) // 2 - free
    chi2_0 = (n - 1) * float(np.sum(np.log(np.diag(S))) - logdet_s)
    df_0 = p * (p - 1) // 2
    rmsea = math.sqrt(max(chi2 - df, 0.0) / (df * (n - 1))) if df > 0 else math.nan
    denom = max(chi2_0 - df_0, chi2 - df, 0.0)
    cfi = 1.0 - max(chi2 - df, 0.0) / denom if denom > 0 else 1.0
    scale = np.sqrt(np.diag(S))
    resid = (S - sigma) / np.outer(scale, scale)
    lower = np.tril_indices(p)
    srmr = float(np.sqrt(np.mean(resid[lower] ** 2)))
    out: dict[str, Any] = {
        "n": n, "variables": p, "parameters": free, "f_ml": f_ml, "chi2": chi2, "df": df,
        "p_value": float(sps.chi2.sf(chi2, df)) if df > 0 else math.nan,
        "chi2_baseline": chi2_0, "df_baseline": df_0, "cfi": cfi, "rmsea": rmsea,
        "srmr": srmr}
    if df <= 0:
        # A saturated map reproduces every covariance: nothing is left to test.
        out["missing"] = {"rmsea": "not computed: df = 0 (the map is saturated: it implies "
                                   "no constraint the data could contradict)",
                          "p_value": "not computed: df = 0 (saturated map)"}
    return out


def fit_indices(journey_map: JourneyMap, data: SurveyData) -> dict[str, Any]:
    """SRMR, RMSEA, CFI (and χ², df, its p) of the map's linear equations, from the rows
    where every measured node was answered.

    Returns ``{"available": False, "reason": …}`` when there are too few such rows
    (fewer than the number of measured nodes + 2) or the covariance matrix is singular.
    """
    m = journey_map
    ids = [n for n in m.topological_order if m.node(n).measured]
    col = {n: i for i, n in enumerate(ids)}
    values = np.column_stack([data.column(n) for n in ids])
    rows = values[~np.isnan(values).any(axis=1)]
    n, p = rows.shape
    base: dict[str, Any] = {"rows": "listwise", "n": n, "variables": p}
    if n < p + 2:
        return {**base, "available": False,
                "reason": f"only {n} responses answered every measured node; the fit indices "
                          f"need at least {p + 2}."}
    cross = centred_cross_products(rows)
    if find_degeneracy(cross) is not None:
        return {**base, "available": False,
                "reason": "the covariance matrix of the complete responses is singular (a "
                          "constant or perfectly collinear rating)."}
    parents = {col[c]: [col[q] for q in m.parents(c) if q in col] for c in ids}
    out = fit_indices_from_covariance(cross / n, n, parents)
    return {**base, "available": True, **out}
