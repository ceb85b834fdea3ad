"""The linear engine: per-node least squares from sufficient statistics.

The formulas are in docs/method.md, "Edge estimates" to "What-if".

Each measured node with measured parents is regressed on all its parents plus an
intercept, on the observed scales, using the rows where the node and its parents
are observed.  Everything is computed from Gram matrices
(:class:`~journeymap.stats.SufficientStats`), so data can stream in chunks.

Formulas, for an equation with n rows and k parents (centred cross-products
``Sxx``, ``Sxy``, ``Syy`` over its rows):

* estimate ``b = Sxx⁻¹ Sxy`` (LTR or child-scale points per parent scale point);
* residual variance ``s² = (Syy − bᵀSxy)/(n − k − 1)``; ``Cov(b) = s² Sxx⁻¹``;
* 95 % interval and two-sided p-value from Student's t with n − k − 1 df;
* standardized beta ``b · sd(x)/sd(y)`` over the equation's own rows.

Totals, role influence and their delta-method intervals come from
:class:`~journeymap.paths.PathAlgebra` with the block-diagonal coefficient
covariance (equations of a recursive model with independent errors are
asymptotically uncorrelated); see ``docs/method.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

from ..exceptions import DataValidationError, JourneymapError
from ..headroom import HeadroomTable
from ..limits import DEFAULT_MIN_RESPONSES, check_min_responses
from ..lstsq import ols_from_gram
from ..nps import Z95, nps_from_counts
from ..paths import PathAlgebra
from ..scenario import ShiftPlan, joint_shift, role_figure, shift_columns
from ..stats import SufficientStats
from ..summary import LinearSummary, equations_of
from ._base import Engine, register_engine
from .result import (
    EdgeEstimate,
    Effect,
    FitResult,
    FittedModel,
    RoleEffect,
    Route,
    ShiftOutcome,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..data import SurveyData
    from ..model import Edge, JourneyMap

__all__ = ["EquationEstimate", "LinearEngine", "LinearState", "estimate_equations"]


@dataclass(frozen=True)
class LinearState:
    """What a linear fit keeps beyond its JSON: the path algebra, the coefficient covariance
    and the headroom tables (an :class:`~journeymap.engines.result.EngineState`)."""

    algebra: PathAlgebra
    covariance: NDArray[np.float64]
    tables: dict[str, tuple[HeadroomTable, tuple[str, ...]]]

    def what_if(self, journey_map: JourneyMap, data: SurveyData,
                node_shifts: Mapping[str, float]) -> ShiftOutcome:
        """The joint shift of :mod:`journeymap.scenario` on the respondents' rows: node j
        moves respondent i's score by ``clip(Δ, lo_j − x_ij, hi_j − x_ij)`` (times a role's
        share), their LTR by ``T_j`` times that; the NPS change uses the interval-crossing
        rule and its interval the delta method on the coefficient covariance
        (``docs/method.md``).  ``{role: +1}`` is the role's figure of the fit."""
        plan = (node_shifts if isinstance(node_shifts, ShiftPlan)
                else ShiftPlan({k: ((1.0, float(v)),) for k, v in node_shifts.items()}))
        algebra, cov = self.algebra, self.covariance
        T = algebra.totals()
        G = algebra.gradients()
        idx = {n: i for i, n in enumerate(algebra.nodes)}
        nodes, moves, weights = shift_columns(
            journey_map, plan, {j: data.column(j) for j in plan.terms})
        rows = [idx[j] for j in nodes]
        ltr = data.ltr.astype(np.int64)
        shift = joint_shift(
            HeadroomTable(ltr, moves, np.ones(len(ltr))), weights * T[rows],
            float(sum(s * T[idx[b]] for b, s in plan.full.items())),
            gradients=weights[:, None] * G[rows],
            constant_gradient=sum((s * G[idx[b]] for b, s in plan.full.items()),
                                  np.zeros(G.shape[1])),
            covariance=cov)
        mean = float(ltr.mean())
        return ShiftOutcome(mean_ltr=mean, predicted_mean_ltr=mean + shift.mean_ltr_change,
                            change=shift.value, change_ci=shift.ci, se=shift.se)


@dataclass(frozen=True)
class EquationEstimate:
    """OLS of one node on its parents."""

    node: str
    parents: tuple[str, ...]
    coef: NDArray[np.float64]
    intercept: float
    cov: NDArray[np.float64]
    n: int
    sigma2: float
    standardized: NDArray[np.float64]
    t_quantile: float = math.nan

    @property
    def df(self) -> int:
        return self.n - len(self.parents) - 1

    @property
    def se(self) -> NDArray[np.float64]:
        return np.sqrt(np.diag(self.cov))


def estimate_equations(journey_map: JourneyMap, stats: SufficientStats,
                       columns: tuple[str, ...], *,
                       min_responses: int = 0) -> list[EquationEstimate]:
    """OLS estimates of every equation from sufficient statistics.

    ``stats`` must have been built with the equations of :func:`equations_of`, each
    as column indices ``(parents…, child)``.
    """
    out = []
    for e, (child, parents) in enumerate(equations_of(journey_map, columns)):
        mom = stats.moments(e)
        n, k = mom.n, len(parents)
        label = f"'{child}' (on {', '.join(parents)})"
        if n < max(min_responses, k + 2):
            need = max(min_responses, k + 2)
            raise DataValidationError(
                f"the equation of {label} has only {n} complete responses; at least {need} are "
                "needed. Collect more answers, remove an edge, or merge nodes.")
        S = mom.covariance * (n - 1)
        ols = ols_from_gram(S, (*parents, child), where=f"the equation of {label}", n=n)
        coef, Syy = ols.coef, S[k, k]
        sd = np.sqrt(np.diag(S)[:k])
        df = n - k - 1
        sigma2 = ols.rss / df
        means = mom.means
        intercept = float(means[k] - coef @ means[:k])
        sd_y = math.sqrt(Syy / (n - 1))
        std: NDArray[np.float64] = (coef * (sd / math.sqrt(n - 1)) / sd_y if sd_y > 0
                                    else np.full(k, np.nan))
        out.append(EquationEstimate(child, parents, coef, intercept, sigma2 * ols.inverse, n,
                                    sigma2, std, float(special.stdtrit(df, 0.975))))
    return out


def _agrees(expected: str | None, ci: tuple[float, float]) -> bool | None:
    if expected is None or not all(math.isfinite(v) for v in ci):
        return None
    sign = 1.0 if expected == "+" else -1.0
    lo, hi = sorted((sign * ci[0], sign * ci[1]))
    if lo > 0:
        return True
    if hi < 0:
        return False
    return None


@register_engine("linear")
class LinearEngine(Engine):
    """Per-node OLS from sufficient statistics; the default engine.

    Parameters
    ----------
    min_responses
        Smallest n for the fit and for each equation (default 30, never below 10).
    bootstrap
        Number of bootstrap replicates for the intervals of totals and role influence
        (0 = delta method, the default).  Rows are split at random into
        ``bootstrap_groups`` groups during the one pass over the data; each replicate
        weights the groups' statistics with Poisson(1) weights, so it costs no refit
        of the data (see ``docs/method.md``).
    random_state
        Seed of the group assignment and the bootstrap weights.

    Examples
    --------
    >>> from journeymap.datasets import example_data, example_map
    >>> from journeymap.data import load_survey
    >>> m = example_map()
    >>> eng = LinearEngine().fit(m, load_survey(example_data(n=500, seed=1).data, m))
    >>> eng.result_.nps.n
    500
    """

    def __init__(self, *, min_responses: int = DEFAULT_MIN_RESPONSES, bootstrap: int = 0,
                 bootstrap_groups: int = 200, random_state: int = 0) -> None:
        super().__init__(min_responses=min_responses)
        self.bootstrap = bootstrap
        self.bootstrap_groups = bootstrap_groups
        self.random_state = random_state

    def fit(self, journey_map: JourneyMap, data: SurveyData) -> LinearEngine:
        check_min_responses(self.min_responses)
        if data.n < self.min_responses:
            raise DataValidationError(
                f"only {data.n} responses have a recommend (0–10) answer; at least "
                f"{self.min_responses} are needed before any figure is shown.")
        summary = self.summary_for(journey_map, data.node_ids)
        summary.update(data.values, data.ltr, n_rows=data.n_responses, integer=data.integer)
        self._result = self.fit_summary(summary, data=data, warnings=list(data.warnings))
        return self

    def fit_summary(self, summary: LinearSummary, *, data: SurveyData | None = None,
                    warnings: list[str] | None = None) -> FitResult:
        """Fit from an accumulated :class:`~journeymap.summary.LinearSummary` (streaming)."""
        if summary.n < self.min_responses:
            raise DataValidationError(
                f"only {summary.n} responses have a recommend (0–10) answer; at least "
                f"{self.min_responses} are needed before any figure is shown.")
        estimates = estimate_equations(summary.journey_map, summary.stats, summary.node_ids,
                                       min_responses=self.min_responses)
        options: dict[str, Any] = {"min_responses": self.min_responses,
                                   "intervals": "delta"}
        boot = None
        if self.bootstrap:
            from ._bootstrap import bootstrap_totals

            if not summary.group_stats:
                raise JourneymapError("bootstrap intervals need a summary built with "
                                      "bootstrap groups (LinearSummary.for_map(..., "
                                      "bootstrap_groups=K)).")
            boot, failed = bootstrap_totals(summary, self.bootstrap, seed=self.random_state)
            options.update(intervals="bootstrap", bootstrap=self.bootstrap,
                           bootstrap_groups=len(summary.group_stats),
                           bootstrap_failed=failed)
        self._result = assemble(summary.journey_map, summary, estimates, engine=self.name,
                                options=options, data=data, warnings=warnings or [],
                                boot_totals=boot)
        return self._result

    def summary_for(self, journey_map: JourneyMap, node_ids: tuple[str, ...]
                    ) -> LinearSummary:
        """An empty summary set up for this engine's options (bootstrap groups)."""
        return LinearSummary.for_map(journey_map, node_ids,
                                     bootstrap_groups=self.bootstrap_groups if self.bootstrap
                                     else 0, seed=self.random_state)


def coefficient_matrix(journey_map: JourneyMap, estimates: list[EquationEstimate]
                       ) -> tuple[NDArray[np.float64], list[tuple[int, int]]]:
    """``A[p, c]`` over the map's nodes in topological order (estimates and role shares),
    and the index pairs of the estimated entries in the order of their covariance."""
    nodes = journey_map.topological_order
    idx = {n: i for i, n in enumerate(nodes)}
    A = np.zeros((len(nodes), len(nodes)))
    estimated: list[tuple[int, int]] = []
    for est in estimates:
        for i, p in enumerate(est.parents):
            A[idx[p], idx[est.node]] = est.coef[i]
            estimated.append((idx[p], idx[est.node]))
    for e in journey_map.edges:
        share = journey_map.share(e)
        if share is not None:
            A[idx[e.source], idx[e.target]] = share
    return A, estimated


def assemble(journey_map: JourneyMap, summary: LinearSummary,
             estimates: list[EquationEstimate], *, engine: str, options: dict[str, Any],
             data: SurveyData | None = None, warnings: list[str] | None = None,
             boot_totals: NDArray[np.float64] | None = None) -> FitResult:
    """Build the :class:`FitResult` from equation estimates and the data summary.

    With ``boot_totals`` (bootstrap replicates × nodes of total effects / influences),
    the intervals of totals and role influence are bootstrap percentile intervals.
    """
    nodes = journey_map.topological_order
    idx = {n: i for i, n in enumerate(nodes)}
    A, estimated = coefficient_matrix(journey_map, estimates)
    by_edge: dict[tuple[str, str], tuple[EquationEstimate, int]] = {
        (p, est.node): (est, i) for est in estimates for i, p in enumerate(est.parents)}
    cov = _block_diag([est.cov for est in estimates])
    algebra = PathAlgebra(nodes, A, idx[journey_map.outcome], tuple(estimated),
                          tuple((idx[e.source], idx[e.target]) for e in journey_map.edges))
    N = algebra.total_matrix
    T = N[:, algebra.outcome]
    G = algebra.gradients()
    se_T = np.sqrt(np.einsum("ij,jk,ik->i", G, cov, G))
    ci_T = np.column_stack([T - Z95 * se_T, T + Z95 * se_T])
    if boot_totals is not None:
        ci_T = np.percentile(boot_totals, [2.5, 97.5], axis=0).T

    edge_records = [_edge_record(journey_map, e, by_edge) for e in journey_map.edges]
    tables = {k: (summary.tables[k], g) for k, g in summary.groups.items()}

    def table(key: str, members: tuple[str, ...]) -> HeadroomTable:
        return tables[key][0]

    def nps_points(key: str, members: tuple[str, ...], coefs: NDArray[np.float64],
                   grads: NDArray[np.float64], constant: float = 0.0,
                   const_grad: NDArray[np.float64] | None = None
                   ) -> tuple[float, tuple[float, float]]:
        tab = table(key, members)
        value = tab.nps_points(coefs, constant)
        d_c, d_k = tab.nps_points_gradient(coefs, constant)
        g = d_c @ grads if len(members) else np.zeros(cov.shape[0])
        if const_grad is not None:
            g = g + d_k * const_grad
        se = math.sqrt(max(float(g @ cov @ g), 0.0))
        return value, (value - Z95 * se, value + Z95 * se)

    effect_records: list[Effect] = []
    for node in journey_map.measured_nodes:
        if node.id == journey_map.outcome:
            continue
        i = idx[node.id]
        direct = float(A[i, algebra.outcome])
        total = float(T[i])
        pts, pts_ci = nps_points(node.id, (node.id,), np.array([total]), G[[i]])
        n_obs = summary.count(node.id)
        effect_records.append(Effect(
            node=node.id, direct=direct, indirect=total - direct, total=total,
            total_ci=(float(ci_T[i, 0]), float(ci_T[i, 1])),
            nps_points=pts, nps_points_ci=pts_ci, mean=summary.mean(node.id), n=n_obs))

    role_records = [_role_record(journey_map, algebra, role.id, tables["role:" + role.id][0],
                                 cov, (float(ci_T[idx[role.id], 0]),
                                       float(ci_T[idx[role.id], 1])))
                    for role in journey_map.roles]

    warnings = list(journey_map.warnings) + list(warnings or [])
    for rec in edge_records:
        if rec.agrees is False:
            assert rec.estimate is not None
            assert rec.ci is not None
            warnings.append(f"the data contradict the workshop's belief on {rec.source} → "
                            f"{rec.target}: expected '{rec.expected}', estimated "
                            f"{rec.estimate:+.3f} (95 % {rec.ci[0]:+.3f} to "
                            f"{rec.ci[1]:+.3f}).")
    return FitResult(journey_map=journey_map, engine=engine, n_responses=summary.n_rows,
                     nps=nps_from_counts(*_classes(summary.ltr_counts)),
                     edge_estimates=tuple(edge_records), node_effects=tuple(effect_records),
                     role_effects=tuple(role_records), warnings=tuple(warnings),
                     effect_unit="ltr_points", options=options,
                     alphas=dict(data.alphas) if data is not None else summary.alphas(),
                     model=FittedModel(LinearState(algebra, cov, tables), data))


def _edge_record(journey_map: JourneyMap, e: Edge,
                 by_edge: dict[tuple[str, str], tuple[EquationEstimate, int]]) -> EdgeEstimate:
    if (e.source, e.target) not in by_edge:
        return EdgeEstimate(source=e.source, target=e.target, estimate=None, se=None, ci=None,
                            p_value=None, standardized=None, n=None, share=journey_map.share(e),
                            expected=e.expected, agrees=None)
    est, i = by_edge[(e.source, e.target)]
    b, se = float(est.coef[i]), float(est.se[i])
    q = est.t_quantile
    ci = (b - q * se, b + q * se)
    return EdgeEstimate(
        source=e.source, target=e.target, estimate=b, se=se, ci=ci,
        p_value=float(2 * special.stdtr(est.df, -abs(b / se))) if se > 0 else 0.0,
        standardized=float(est.standardized[i]), n=est.n, share=journey_map.share(e),
        expected=e.expected, agrees=_agrees(e.expected, ci))


def _role_record(journey_map: JourneyMap, algebra: PathAlgebra, role: str,
                 table: HeadroomTable, cov: NDArray[np.float64],
                 influence_ci: tuple[float, float]) -> RoleEffect:
    """A role's record: its NPS points are the scenario "the role does one point better"
    (:func:`journeymap.scenario.role_figure`, the same function as the what-if of
    ``{role: +1}``); its routes' NPS points are that figure's parts and add up to it.

    Routes are sorted by absolute effect.  A route is *direct* when the first measured
    node it reaches (the role itself for a measured role) is the outcome or leads
    straight to it.
    """
    fig = role_figure(journey_map, role, algebra, table, covariance=cov)
    routes: list[tuple[Route, bool]] = []
    for part in fig.routes:
        measured = [n for n in part.nodes if journey_map.node(n).measured]
        entry = part.nodes.index(measured[0])
        routes.append((Route(nodes=part.nodes, effect=part.effect,
                             nps_points=part.nps_points), entry >= len(part.nodes) - 2))
    routes.sort(key=lambda p: -abs(p[0].effect))
    direct = float(sum(r.effect for r, is_direct in routes if is_direct))
    return RoleEffect(role=role, influence=fig.influence, influence_ci=influence_ci,
                      direct=direct, indirect=fig.influence - direct, nps_points=fig.value,
                      nps_points_ci=fig.ci, paths=tuple(r for r, _ in routes))


def _block_diag(blocks: list[NDArray[np.float64]]) -> NDArray[np.float64]:
    size = sum(b.shape[0] for b in blocks)
    out = np.zeros((size, size))
    at = 0
    for b in blocks:
        k = b.shape[0]
        out[at:at + k, at:at + k] = b
        at += k
    return out


def _classes(ltr_counts: NDArray[np.int64]) -> tuple[int, int, int]:
    """(promoters, passives, detractors) from counts of LTR 0–10."""
    return (int(ltr_counts[9:].sum()), int(ltr_counts[7:9].sum()), int(ltr_counts[:7].sum()))
