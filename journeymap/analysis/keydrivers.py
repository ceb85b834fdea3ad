"""Key-driver baseline: relative weights (Johnson 2000) and importance–performance.

These are the classic *key-driver* numbers of CX practice.  They are **associations**:
how much of the variance of LTR a rating shares with it in these data, not what would
happen if the rating changed.  The causal map's total effects answer that second
question; both are shown side by side and labelled (:data:`ASSOCIATION_NOTE`).

**Relative weights** (:func:`relative_weights`, Johnson 2000).  LTR is regressed on
the predictors (by default every measured node except the outcome; or only the
outcome's parents in the map) on the *complete* rows (every predictor rated).  With
``R`` the predictors' correlation matrix and ``r`` their correlations with LTR:

1. eigen-decomposition ``R = Q Λ Qᵀ``; ``L = Q Λ^{1/2} Qᵀ`` (the symmetric square root
   of R).  ``Z = X_s Q Λ^{-1/2} Qᵀ`` are the orthonormal variables closest to the
   standardized predictors ``X_s``, and ``L[j, k]`` is the correlation of ``x_j`` with
   ``z_k``;
2. ``β = L⁻¹ r``: the regression of standardized LTR on Z (Z is orthonormal, so each
   ``β_k`` is also the correlation of LTR with ``z_k``);
3. ``ε_j = Σ_k L[j, k]² · β_k²``.  The weights sum to the regression's ``R² = Σ_k β_k²``;
   ``share_j = ε_j / R²`` is the percentage of explained variance.

With two predictors correlated ``ρ``: ``a = (√(1+ρ) + √(1−ρ))/2``,
``b = (√(1+ρ) − √(1−ρ))/2`` give ``L = [[a, b], [b, a]]``, and ``ε_1 = a²β_1² + b²β_2²``,
``ε_2 = b²β_1² + a²β_2²``; for ``ρ = 0`` the weights are the squared correlations.

**Importance–performance** (:func:`importance_performance`).  For every measured node:
importance as the causal total effect ``T_j`` from the map (LTR points per scale point)
*and* the relative weight, performance as the mean score (also as a percentage of the
scale, ``100 · (mean − lo)/(hi − lo)``) and headroom (the share of the respondents who
rated the node and are below the top of its scale).  Quadrants split importance (the
causal effect) and performance (% of scale) at their medians over the nodes shown,
unless cuts are given: high importance & low performance = *fix first*; high & high =
*keep up*; low & low = *low priority*; low & high = *don't over-invest*.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..data import SurveyData, load_survey
from ..exceptions import DataValidationError, JourneymapError
from ..jsonsafe import to_jsonable
from ..limits import DEFAULT_MIN_RESPONSES, check_min_responses
from ..lstsq import check_gram
from ..responses import DataSource

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..engines import FitResult
    from ..model import JourneyMap

__all__ = ["ASSOCIATION_NOTE", "CAUSAL_NOTE", "QUADRANTS", "RelativeWeights",
           "importance_performance", "johnson_weights", "relative_weights"]

ASSOCIATION_NOTE = ("Relative weights are associations: the share of the variance of the "
                    "recommend score that a rating goes together with in these data — not "
                    "what would happen if it changed.")
CAUSAL_NOTE = ("Causal effect from the map: the change in the recommend score when the rating "
               "moves one scale point, through every route the map draws.")
QUADRANTS = {(True, False): "fix first", (True, True): "keep up",
             (False, False): "low priority", (False, True): "don't over-invest"}
"""Quadrant labels by (high importance, high performance)."""


def johnson_weights(R: NDArray[np.float64], r: NDArray[np.float64],
                    names: Sequence[str] | None = None) -> NDArray[np.float64]:
    """Johnson's relative weights from a predictor correlation matrix and validities.

    Parameters
    ----------
    R
        ``(k, k)`` correlation matrix of the predictors (positive definite).
    r
        ``(k,)`` correlations of the predictors with the outcome.
    names
        Node ids of the predictors, for the error message (default "predictor 1", …).

    Returns
    -------
    numpy.ndarray
        ``ε_j = Σ_k L[j, k]² · β_k²`` with ``L = Q Λ^{1/2} Qᵀ`` and ``β = L⁻¹ r``; they
        sum to R².

    Raises
    ------
    DataValidationError
        When the predictors are collinear by the rule of :mod:`journeymap.lstsq`; the
        message names them.

    >>> import numpy as np
    >>> johnson_weights(np.eye(2), np.array([0.3, 0.4])).round(6).tolist()
    [0.09, 0.16]
    """
    if names is None:
        names = [f"predictor {i + 1}" for i in range(R.shape[0])]
    check_gram(R, names, where="the relative weights of the recommend score",
               remedy="leave out or merge nodes that measure the same thing")
    lam, Q = np.linalg.eigh(R)
    L = (Q * np.sqrt(lam)) @ Q.T
    beta = np.linalg.solve(L, r)
    return np.asarray((L ** 2) @ (beta ** 2), dtype=np.float64)


@dataclass(frozen=True)
class RelativeWeights:
    """Relative weights of LTR's predictors (see :func:`relative_weights`).

    ``table``: ``node``, ``label``, ``weight`` (ε_j, a part of R²), ``share`` (ε_j / R²,
    0–1), ``correlation`` (with LTR), sorted by weight.
    """

    table: pd.DataFrame
    r_squared: float
    n: int
    predictors: tuple[str, ...]
    basis: str

    def weight(self, node: str) -> float:
        row = self.table[self.table["node"] == node]
        if row.empty:
            raise JourneymapError(f"'{node}' is not one of the predictors "
                                  f"({', '.join(self.predictors)}).")
        return float(row["weight"].iloc[0])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_jsonable({
            "method": "relative weights (Johnson 2000)", "note": ASSOCIATION_NOTE,
            "basis": self.basis, "r_squared": self.r_squared, "n": self.n,
            "predictors": list(self.predictors),
            "weights": self.table.to_dict(orient="records")})
        return out


def _predictor_ids(journey_map: JourneyMap, predictors: str | Sequence[str]) -> list[str]:
    measured = [n.id for n in journey_map.measured_nodes if n.id != journey_map.outcome]
    if isinstance(predictors, str):
        if predictors == "all":
            return measured
        if predictors == "parents":
            ids = [p for p in journey_map.parents(journey_map.outcome) if p in measured]
            if not ids:
                raise JourneymapError("the outcome has no measured parents in the map; use "
                                      "predictors='all'.")
            return ids
        raise JourneymapError(f"predictors must be 'all', 'parents' or a list of node ids, "
                              f"not '{predictors}'.")
    ids = list(predictors)
    for p in ids:
        if p not in measured:
            journey_map.node(p)  # unknown ids: error with a suggestion
            raise JourneymapError(f"'{p}' is not a measured node other than the outcome; "
                                  f"choose among {', '.join(measured)}.")
    if len(set(ids)) != len(ids):
        raise JourneymapError("each predictor may be named only once.")
    return ids


def relative_weights(journey_map: JourneyMap, data: DataSource | SurveyData, *,
                     predictors: str | Sequence[str] = "all", survey_type: str | None = None,
                     min_responses: int = DEFAULT_MIN_RESPONSES) -> RelativeWeights:
    """Johnson's (2000) relative weights of LTR's predictors on complete rows.

    Parameters
    ----------
    predictors
        ``"all"`` (every measured node except the outcome, the default), ``"parents"``
        (the outcome's measured parents in the map) or a list of node ids.
    min_responses
        Fewest complete rows (default 30, never below 10), and at least k + 2.
    """
    check_min_responses(min_responses)
    checked = data if isinstance(data, SurveyData) else load_survey(
        data, journey_map, survey_type=survey_type)
    ids = _predictor_ids(journey_map, predictors)
    X = np.column_stack([checked.column(p) for p in ids])
    y = checked.ltr.astype(np.float64)
    complete = ~np.isnan(X).any(axis=1)
    n = int(complete.sum())
    need = max(min_responses, len(ids) + 2)
    if n < need:
        raise DataValidationError(
            f"only {n} responses rated all of {', '.join(ids)}; relative weights need at least "
            f"{need} complete responses. Use fewer predictors (e.g. predictors='parents').")
    X, y = X[complete], y[complete]
    sd = X.std(axis=0, ddof=1)
    for p, s in zip(ids, sd, strict=True):
        if s <= 0:
            raise DataValidationError(f"'{p}' has the same score in all {n} complete responses; "
                                      "it cannot be a predictor.")
    if y.std(ddof=1) <= 0:
        raise DataValidationError("the recommend score is the same in every complete response.")
    C = np.asarray(np.corrcoef(np.column_stack([X, y]), rowvar=False), dtype=np.float64)
    R, r = C[:-1, :-1], C[:-1, -1]
    eps = johnson_weights(R, r, ids)
    r2 = float(eps.sum())
    table = pd.DataFrame({
        "node": ids, "label": [journey_map.node(p).display for p in ids],
        "weight": eps, "share": eps / r2 if r2 > 0 else np.full(len(ids), math.nan),
        "correlation": r})
    table = table.iloc[np.argsort(-eps, kind="stable")].reset_index(drop=True)
    basis = (predictors if isinstance(predictors, str) else "chosen") + " (complete rows)"
    return RelativeWeights(table=table, r_squared=r2, n=n, predictors=tuple(ids), basis=basis)


def importance_performance(result: FitResult, data: SurveyData | None = None, *,
                           weights: RelativeWeights | None = None,
                           importance_cut: float | None = None,
                           performance_cut: float | None = None) -> pd.DataFrame:
    """Importance (causal effect and relative weight) against performance, per node.

    Parameters
    ----------
    result
        A fit of the map (its total effects are the causal importance).
    data
        The checked responses (default: the ones the fit holds).
    weights
        Relative weights (default: :func:`relative_weights` on ``data``, all measured
        nodes); a node without a weight gets NaN.
    importance_cut, performance_cut
        Quadrant cuts in LTR points per scale point and in % of scale (default: the
        medians over the nodes).

    Returns
    -------
    pandas.DataFrame
        ``node``, ``label``, ``kind``, ``causal_total`` with ``causal_total_ci_low/high``,
        ``nps_points``, ``relative_weight``, ``relative_share``, ``mean``,
        ``performance`` (% of scale), ``headroom`` (share below the top), ``n``,
        ``quadrant``; sorted by causal effect.
    """
    checked = data if data is not None else (
        result.model.data if result.model is not None else None)
    if checked is None:
        raise JourneymapError("importance–performance needs the responses; fit the map in this "
                              "session or pass the data.")
    m = result.journey_map
    if weights is None:
        weights = relative_weights(m, checked, predictors="all",
                                   min_responses=int(result.options.get(
                                       "min_responses", DEFAULT_MIN_RESPONSES)))
    w = {row["node"]: row for row in weights.table.to_dict(orient="records")}
    rows = []
    for e in result.node_effects:
        node = m.node(e.node)
        assert node.scale is not None
        lo, hi = node.scale
        x = checked.column(node.id)
        seen = x[~np.isnan(x)]
        mean = float(seen.mean()) if seen.size else math.nan
        total_ci = e.total_ci or (math.nan, math.nan)
        rows.append({
            "node": node.id, "label": node.display, "kind": node.kind,
            "causal_total": e.total, "causal_total_ci_low": total_ci[0],
            "causal_total_ci_high": total_ci[1], "nps_points": e.nps_points,
            "relative_weight": w[node.id]["weight"] if node.id in w else math.nan,
            "relative_share": w[node.id]["share"] if node.id in w else math.nan,
            "mean": mean, "performance": 100.0 * (mean - lo) / (hi - lo),
            "headroom": float(np.mean(seen < hi)) if seen.size else math.nan,
            "n": int(seen.size)})
    df = pd.DataFrame(rows)
    imp_cut = (float(np.median(df["causal_total"])) if importance_cut is None
               else float(importance_cut))
    perf_cut = (float(np.nanmedian(df["performance"])) if performance_cut is None
                else float(performance_cut))
    df["quadrant"] = [QUADRANTS[(bool(i >= imp_cut), bool(p >= perf_cut))]
                      for i, p in zip(df["causal_total"], df["performance"], strict=True)]
    df.attrs.update(importance_cut=imp_cut, performance_cut=perf_cut,
                    r_squared=weights.r_squared, weights_n=weights.n)
    order = np.argsort(-df["causal_total"].to_numpy(dtype=float), kind="stable")
    out = df.iloc[order].reset_index(drop=True)
    out.attrs.update(df.attrs)
    return out
