"""The linear engine: per-node least squares from sufficient statistics.

The formulas are in docs/method.md, "Edge estimates" to "What-if".

Each measured node with measured parents is regressed on all its parents plus an
intercept, on the observed scales, using the rows where the node and its parents
are observed.  Everything is computed from Gram matrices
(:class:`~journeymap.stats.SufficientStats`), so data can stream in chunks.

Formulas, for an equation with n rows and k parents (centred cross-products
``Sxx``, ``Sxy``, ``Syy`` over its rows):

* estimate ``b = Sxx⁻¹ Sxy`` (LTR or child-scale points per parent scale point);
* ``Cov(b)``: HC3 from the equation's rows (the default, in memory), HC1 from fourth
  moments (streamed and Spark fits), or classical ``s² Sxx⁻¹`` with
  ``s² = (Syy − bᵀSxy)/(n − k − 1)`` (``se="classical"``);
* 95 % interval and two-sided p-value from Student's t with n − k − 1 df;
* standardized beta ``b · sd(x)/sd(y)`` over the equation's own rows.

Totals, direct and indirect effects, NPS points, role influence, routes and the
what-if are functions of the coefficients; their intervals all come from one rule,
:meth:`~journeymap.engines._uncertainty.Uncertainty.intervals` (delta method on the
block-diagonal coefficient covariance, or bootstrap percentiles); see ``docs/method.md``.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

from ..exceptions import DataValidationError, JourneymapError
from ..headroom import HeadroomTable
from ..limits import BOOTSTRAP_UNITS, DEFAULT_MIN_RESPONSES, MAX_BOOTSTRAP, check_min_responses
from ..lstsq import ols_from_gram
from ..nps import nps_from_counts, nps_gains
from ..paths import PathAlgebra
from ..scenario import ShiftPlan, joint_shift, plan_shifts, role_figure, shift_columns
from ..stats import SufficientStats, hc3_bound_factors, hc3_covariances
from ..summary import LinearSummary, equations_of
from ._base import Engine, register_engine
from ._uncertainty import (
    SeType,
    Uncertainty,
    check_se_type,
    hc1_from_moments,
    nps_points_batch,
)
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

__all__ = ["CoefficientMap", "EquationEstimate", "LinearEngine", "LinearState",
           "estimate_equations"]


@dataclass(frozen=True)
class CoefficientMap:
    """Where the estimated coefficients sit in the map's matrix A, to recompute any
    quantity (totals, routes, NPS points) from other coefficient vectors.

    ``A`` is the matrix at the estimate (with the roles' fixed shares); ``rows``/``cols``
    the positions of the p estimated coefficients, in covariance order.
    """

    A: NDArray[np.float64]
    rows: NDArray[np.intp]
    cols: NDArray[np.intp]
    outcome: int

    def matrices(self, thetas: NDArray[np.float64]) -> NDArray[np.float64]:
        """``(b, n, n)``: A with each row of ``thetas`` (``(b, p)``) put in place."""
        A = np.repeat(self.A[None, :, :], thetas.shape[0], axis=0)
        A[:, self.rows, self.cols] = thetas
        return A

    def totals(self, thetas: NDArray[np.float64]) -> NDArray[np.float64]:
        """``(b, n)``: every node's total effect on the outcome, ``N[:, o]`` of
        ``N = (I − A)⁻¹``, for each coefficient vector."""
        A = self.matrices(thetas)
        n = A.shape[1]
        rhs = np.zeros((A.shape[0], n, 1))
        rhs[:, self.outcome, 0] = 1.0
        return np.asarray(np.linalg.solve(np.eye(n)[None] - A, rhs)[:, :, 0],
                          dtype=np.float64)

    def route_effects(self, thetas: NDArray[np.float64], trail: tuple[int, ...],
                      first: float = 1.0) -> NDArray[np.float64]:
        """``(b,)``: the product of the coefficients along a path (node indices)."""
        A = self.matrices(thetas)
        src, dst = np.array(trail[:-1]), np.array(trail[1:])
        return np.asarray(first * A[:, src, dst].prod(axis=1), dtype=np.float64)


@dataclass(frozen=True)
class LinearState:
    """What a linear fit keeps beyond its JSON: the path algebra, the coefficient covariance
    and the headroom tables (an :class:`~journeymap.engines.result.EngineState`)."""

    algebra: PathAlgebra
    covariance: NDArray[np.float64]
    tables: dict[str, tuple[HeadroomTable, tuple[str, ...]]]
    uncertainty: Uncertainty | None = None
    coefficients: CoefficientMap | None = None

    def what_if(self, journey_map: JourneyMap, data: SurveyData,
                node_shifts: Mapping[str, float]) -> ShiftOutcome:
        """The joint shift of :mod:`journeymap.scenario` on the respondents' rows: node j
        moves respondent i's score by ``clip(Δ, lo_j − x_ij, hi_j − x_ij)`` (times a role's
        share), their LTR by ``T_j`` times that; the NPS change uses the interval-crossing
        rule and its interval the fit's interval rule (``docs/method.md``): the delta
        method on the coefficient covariance, or the percentiles of the same joint shift
        over the bootstrap replicates.  ``{role: +1}`` is the role's figure of the fit."""
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
        ci = shift.ci
        unc, cmap = self._interval_parts()
        if unc.replicates is not None:
            # the respondents reduced to distinct (LTR, moves) rows with counts
            keys, counts = np.unique(np.column_stack([ltr, moves]), axis=0, return_counts=True)
            population = HeadroomTable(keys[:, 0].astype(np.int64), keys[:, 1:],
                                       counts.astype(np.float64))
            picked = np.array(rows, dtype=np.intp)
            full = [(idx[b], s) for b, s in plan.full.items()]

            def change(thetas: NDArray[np.float64]) -> NDArray[np.float64]:
                tot = cmap.totals(thetas)
                constant = sum((s * tot[:, r] for r, s in full), np.zeros(len(thetas)))
                return nps_points_batch(population, tot[:, picked] * weights, constant)[:, None]

            lo, hi = unc.intervals(change)[0]
            ci = (float(lo), float(hi))
        mean = float(ltr.mean())
        return ShiftOutcome(mean_ltr=mean, predicted_mean_ltr=mean + shift.mean_ltr_change,
                            change=shift.value, change_ci=ci, se=shift.se)

    def _interval_parts(self) -> tuple[Uncertainty, CoefficientMap]:
        algebra = self.algebra
        unc = self.uncertainty
        cmap = self.coefficients
        if unc is None or cmap is None:
            theta = np.array([algebra.A[p, c] for p, c in algebra.estimated])
            unc = Uncertainty(theta, self.covariance)
            cmap = CoefficientMap(algebra.A, np.array([p for p, _ in algebra.estimated],
                                                      dtype=np.intp),
                                  np.array([c for _, c in algebra.estimated], dtype=np.intp),
                                  algebra.outcome)
        return unc, cmap


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
    means: NDArray[np.float64] | None = None
    inverse: NDArray[np.float64] | None = None

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
                                    sigma2, std, float(special.stdtrit(df, 0.975)),
                                    means=np.asarray(means, dtype=np.float64),
                                    inverse=ols.inverse))
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
    se
        Standard errors of the coefficients: ``"hc3"`` (heteroskedasticity-consistent,
        the default; HC1 from fourth moments when the rows are not in memory) or
        ``"classical"`` (``s² Sxx⁻¹``).  See ``docs/method.md``, "Standard errors".
    bootstrap
        Number of bootstrap replicates B (0 = delta-method intervals, the default).
        With B > 0 every interval — edges, totals, direct and indirect effects, NPS
        points, role influence, routes, what-if — is the bootstrap percentile interval
        of the coefficients' B replicates.  Rows are the resampled units when there are
        at most ``bootstrap_groups`` of them (the case bootstrap); above, rows are sent
        at random to ``bootstrap_groups`` groups during the one pass over the data and
        groups are resampled (``docs/method.md``, "Bootstrap").
    bootstrap_groups
        The number of bootstrap units K (default ``limits.BOOTSTRAP_UNITS``).
    random_state
        Seed of the group assignment and of the resampling.

    Examples
    --------
    >>> from journeymap.datasets import example_data, example_map
    >>> from journeymap.data import load_survey
    >>> m = example_map()
    >>> eng = LinearEngine().fit(m, load_survey(example_data(n=500, seed=1).data, m))
    >>> eng.result_.nps.n
    500
    >>> eng.result_.uncertainty["interval_method"]
    'delta-hc3'
    """

    def __init__(self, *, min_responses: int = DEFAULT_MIN_RESPONSES, bootstrap: int = 0,
                 bootstrap_groups: int = BOOTSTRAP_UNITS, random_state: int = 0,
                 se: str = "hc3") -> None:
        super().__init__(min_responses=min_responses)
        if not isinstance(bootstrap, int) or isinstance(bootstrap, bool) or \
                not 0 <= bootstrap <= MAX_BOOTSTRAP:
            raise JourneymapError(f"the number of bootstrap replicates is {bootstrap!r}; give 0 "
                                  f"(delta-method intervals) or up to {MAX_BOOTSTRAP:,}.")
        if bootstrap and not 2 <= bootstrap_groups <= BOOTSTRAP_UNITS:
            raise JourneymapError(f"the number of bootstrap groups is {bootstrap_groups}; give "
                                  f"2 to {BOOTSTRAP_UNITS:,} (the default).")
        self.se: SeType = check_se_type(se)
        self.bootstrap = bootstrap
        self.bootstrap_groups = bootstrap_groups
        self.random_state = random_state

    def fit(self, journey_map: JourneyMap, data: SurveyData) -> LinearEngine:
        check_min_responses(self.min_responses)
        if data.n < self.min_responses:
            raise DataValidationError(
                f"only {data.n} responses have a recommend (0–10) answer; at least "
                f"{self.min_responses} are needed before any figure is shown.")
        summary = self.summary_for(journey_map, data.node_ids, in_memory_rows=data.n)
        summary.update(data.values, data.ltr, n_rows=data.n_responses, integer=data.integer)
        self._result = self.fit_summary(summary, data=data, warnings=list(data.warnings))
        return self

    def fit_summary(self, summary: LinearSummary, *, data: SurveyData | None = None,
                    warnings: list[str] | None = None) -> FitResult:
        """Fit from an accumulated :class:`~journeymap.summary.LinearSummary` (streaming).

        With ``data`` (the same rows, in memory) the HC3 errors come from the rows;
        without, from the summary's fourth moments (HC1).
        """
        if summary.n < self.min_responses:
            raise DataValidationError(
                f"only {summary.n} responses have a recommend (0–10) answer; at least "
                f"{self.min_responses} are needed before any figure is shown.")
        if self.bootstrap and not summary.bootstrap_groups:
            raise JourneymapError("bootstrap intervals need a summary built with bootstrap "
                                  "groups (LinearSummary.for_map(..., bootstrap_groups=K)).")
        estimates = estimate_equations(summary.journey_map, summary.stats, summary.node_ids,
                                       min_responses=self.min_responses)
        se_type = "classical"
        hc3_bound: float | None = None
        if self.se == "hc3":
            if data is not None:
                gaps = bool((summary.node_counts < data.values.shape[0]).any())
                estimates, hc3_bound = _with_hc3(estimates, data, summary.journey_map,
                                                 gaps=gaps)
                se_type = "hc3"
            elif summary.fourth:
                estimates = [dataclasses.replace(est, cov=hc1_from_moments(summary.fourth[e],
                                                                           est.coef))
                             for e, est in enumerate(estimates)]
                se_type = "hc1"
            else:
                raise JourneymapError("robust standard errors without the rows need a summary "
                                      "with fourth moments (LinearEngine.summary_for), or "
                                      "se='classical'.")
        theta = np.concatenate([est.coef for est in estimates]) if estimates else np.zeros(0)
        cov = _block_diag([est.cov for est in estimates])
        uncertainty: dict[str, Any] = {"se_type": se_type,
                                       "interval_method": f"delta-{se_type}",
                                       "replicates": 0, "seed": None, "bootstrap_units": None,
                                       "bootstrap_failed": 0, "hc3_bound": hc3_bound}
        replicates = None
        if self.bootstrap:
            from ._bootstrap import bootstrap_coefficients

            replicates, failed, units = bootstrap_coefficients(summary, self.bootstrap,
                                                               seed=self.random_state)
            uncertainty.update(interval_method="bootstrap-percentile",
                               replicates=int(replicates.shape[0]), seed=self.random_state,
                               bootstrap_units=units, bootstrap_failed=failed,
                               bootstrap_resamples="rows" if summary.case_rows else "groups")
        unc = Uncertainty(theta, cov, replicates, uncertainty["interval_method"])
        options: dict[str, Any] = {"min_responses": self.min_responses, "se": self.se,
                                   "intervals": "bootstrap" if self.bootstrap else "delta"}
        if self.bootstrap:
            options.update(bootstrap=self.bootstrap, bootstrap_groups=summary.bootstrap_groups,
                           random_state=self.random_state)
        self._result = assemble(summary.journey_map, summary, estimates, engine=self.name,
                                options=options, data=data, warnings=warnings or [],
                                uncertainty=unc, uncertainty_record=uncertainty)
        return self._result

    def summary_for(self, journey_map: JourneyMap, node_ids: tuple[str, ...], *,
                    in_memory_rows: int | None = None) -> LinearSummary:
        """An empty summary set up for this engine's options: bootstrap units (one row each
        for an in-memory fit of ``in_memory_rows`` ≤ ``bootstrap_groups`` rows) and, for
        HC errors without the rows in memory, fourth moments."""
        case = in_memory_rows is not None and in_memory_rows <= self.bootstrap_groups
        groups = 0
        if self.bootstrap:
            groups = in_memory_rows if case and in_memory_rows is not None \
                else self.bootstrap_groups
        return LinearSummary.for_map(journey_map, node_ids, bootstrap_groups=groups,
                                     seed=self.random_state, case_rows=case and bool(groups),
                                     robust=self.se == "hc3" and in_memory_rows is None)


def _with_hc3(estimates: list[EquationEstimate], data: SurveyData, journey_map: JourneyMap,
              *, gaps: bool | None = None) -> tuple[list[EquationEstimate], float | None]:
    """The estimates with HC3 covariances computed from the rows of each equation, all in
    one pass over the data (:func:`journeymap.stats.hc3_covariances`: a row with a blank
    in an equation's columns is multiplied by 0 there, never gathered), and the largest
    bound factor used (None when every equation's HC3 is exact).

    An equation whose leverages are all provably tiny (large n; the parents' box is their
    scales, which the data were checked against) gets the bounded HC3 of
    :func:`journeymap.stats.hc3_bound_factors`; docs/method.md, "Standard errors"."""
    index = {c: i for i, c in enumerate(data.node_ids)}
    equations = [tuple(index[p] for p in (*est.parents, est.node)) for est in estimates]
    fits = []
    boxes = []
    for est in estimates:
        assert est.means is not None
        assert est.inverse is not None
        fits.append((est.coef, est.means, est.inverse, est.n))
        scales = [journey_map.node(p).scale for p in est.parents]
        boxes.append(None if any(sc is None for sc in scales) else
                     (np.array([sc[0] for sc in scales if sc is not None], dtype=np.float64),
                      np.array([sc[1] for sc in scales if sc is not None], dtype=np.float64)))
    factors = hc3_bound_factors(fits, boxes)
    covs = hc3_covariances(data.values, equations, fits, factors=factors, gaps=gaps)
    used = [f for f in factors if f is not None]
    return ([dataclasses.replace(est, cov=cov) for est, cov in zip(estimates, covs, strict=True)],
            max(used) if used else None)


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
             uncertainty: Uncertainty | None = None,
             uncertainty_record: Mapping[str, Any] | None = None) -> FitResult:
    """Build the :class:`FitResult` from equation estimates and the data summary.

    Every interval beyond an edge's own comes from ``uncertainty.intervals`` (the delta
    method on the coefficient covariance, or bootstrap percentiles of its replicates).
    """
    nodes = journey_map.topological_order
    idx = {n: i for i, n in enumerate(nodes)}
    A, estimated = coefficient_matrix(journey_map, estimates)
    by_edge: dict[tuple[str, str], tuple[EquationEstimate, int]] = {
        (p, est.node): (est, i) for est in estimates for i, p in enumerate(est.parents)}
    cov = _block_diag([est.cov for est in estimates])
    if uncertainty is None:
        theta0 = np.concatenate([est.coef for est in estimates]) if estimates else np.zeros(0)
        uncertainty = Uncertainty(theta0, cov)
    unc = uncertainty
    algebra = PathAlgebra(nodes, A, idx[journey_map.outcome], tuple(estimated),
                          tuple((idx[e.source], idx[e.target]) for e in journey_map.edges))
    cmap = CoefficientMap(A, np.array([p for p, _ in estimated], dtype=np.intp),
                          np.array([c for _, c in estimated], dtype=np.intp), algebra.outcome)
    N = algebra.total_matrix
    T = N[:, algebra.outcome]
    G = algebra.gradients()
    # every node's total (and a role's influence): closed-form gradient for the delta method
    ci_T = unc.intervals(cmap.totals, jacobian=G, value=T)

    position = {pc: k for k, pc in enumerate(estimated)}
    boot_edges = unc.intervals(lambda t: t) if unc.replicates is not None else None
    edge_records = [_edge_record(journey_map, e, by_edge, boot_edges,
                                 position.get((idx[e.source], idx[e.target])))
                    for e in journey_map.edges]
    edge_ci = {(r.source, r.target): r.ci for r in edge_records}
    merged = summary.tables  # merged once (each access walks every role's plan)
    tables = {k: (merged[k], g) for k, g in summary.groups.items()}

    def table(key: str, members: tuple[str, ...]) -> HeadroomTable:
        return tables[key][0]

    # measured nodes: indirect = total − direct, and NPS points, as functions of θ
    measured = [node.id for node in journey_map.measured_nodes if node.id != journey_map.outcome]
    rows_m = np.array([idx[n] for n in measured], dtype=np.intp)
    direct_pos = [position.get((idx[n], algebra.outcome)) for n in measured]
    node_tables = [table(n, (n,)) for n in measured]

    def node_quantities(thetas: NDArray[np.float64]) -> NDArray[np.float64]:
        tot = cmap.totals(thetas)[:, rows_m]
        direct = np.column_stack([thetas[:, k] if k is not None else np.zeros(len(thetas))
                                  for k in direct_pos]) if measured else tot
        pts = np.column_stack([nps_points_batch(tab, tot[:, [j]])
                               for j, tab in enumerate(node_tables)]) if measured else tot
        return np.hstack([tot - direct, pts])

    m = len(measured)
    values_m = np.concatenate([
        [T[idx[n]] - A[idx[n], algebra.outcome] for n in measured],
        [tab.nps_points(np.array([T[idx[n]]])) for n, tab in zip(measured, node_tables,
                                                                 strict=True)]])
    # closed-form gradients: indirect = T − direct; NPS points chain the headroom slope
    jac = np.zeros((2 * m, G.shape[1]))
    for j, node_id in enumerate(measured):
        jac[j] = G[idx[node_id]]
        if direct_pos[j] is not None:
            jac[j, direct_pos[j]] -= 1.0
        d_c, _ = node_tables[j].nps_points_gradient(np.array([T[idx[node_id]]]))
        jac[m + j] = d_c[0] * G[idx[node_id]]
    ci_m = unc.intervals(node_quantities, value=values_m, jacobian=jac)

    effect_records: list[Effect] = []
    for j, node_id in enumerate(measured):
        i = idx[node_id]
        direct = float(A[i, algebra.outcome])
        total = float(T[i])
        dci = edge_ci.get((node_id, journey_map.outcome))
        effect_records.append(Effect(
            node=node_id, direct=direct, indirect=total - direct, total=total,
            total_ci=(float(ci_T[i, 0]), float(ci_T[i, 1])),
            nps_points=float(values_m[m + j]),
            nps_points_ci=(float(ci_m[m + j, 0]), float(ci_m[m + j, 1])),
            mean=summary.mean(node_id), n=summary.count(node_id),
            direct_ci=dci if dci is not None else (0.0, 0.0),
            indirect_ci=(float(ci_m[j, 0]), float(ci_m[j, 1]))))

    role_records = []
    for role in journey_map.roles:
        i = idx[role.id]
        role_table = tables["role:" + role.id][0]
        record = _role_record(journey_map, algebra, role.id, role_table, cov,
                              (float(ci_T[i, 0]), float(ci_T[i, 1])))
        role_records.append(_role_intervals(record, journey_map, algebra, role_table, unc,
                                            cmap, idx))

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
                     uncertainty=dict(uncertainty_record or {"interval_method": unc.method}),
                     alphas=dict(data.alphas) if data is not None else summary.alphas(),
                     model=FittedModel(LinearState(algebra, cov, tables, unc, cmap), data))


def _edge_record(journey_map: JourneyMap, e: Edge,
                 by_edge: dict[tuple[str, str], tuple[EquationEstimate, int]],
                 boot: NDArray[np.float64] | None = None, k: int | None = None) -> EdgeEstimate:
    if (e.source, e.target) not in by_edge:
        return EdgeEstimate(source=e.source, target=e.target, estimate=None, se=None, ci=None,
                            p_value=None, standardized=None, n=None, share=journey_map.share(e),
                            expected=e.expected, agrees=None)
    est, i = by_edge[(e.source, e.target)]
    b, se = float(est.coef[i]), float(est.se[i])
    q = est.t_quantile
    ci = (b - q * se, b + q * se)
    if boot is not None and k is not None:
        ci = (float(boot[k, 0]), float(boot[k, 1]))
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


def _role_intervals(rec: RoleEffect, journey_map: JourneyMap, algebra: PathAlgebra,
                    table: HeadroomTable, unc: Uncertainty, cmap: CoefficientMap,
                    idx: Mapping[str, int]) -> RoleEffect:
    """The role's record with every interval from the fit's interval rule: each route's
    effect (a product of coefficients: closed-form gradient) and NPS points, and with
    bootstrap replicates the role's NPS points, all as :func:`role_figure` at other
    coefficient vectors.  In the delta method the role's own interval is the one
    :func:`role_figure` gives from the covariance (closed form, the same rule)."""
    trails = [tuple(idx[n] for n in route.nodes) for route in rec.paths]
    order = [route.nodes for route in rec.paths]
    position = {(int(p), int(c)): k for k, (p, c) in enumerate(zip(cmap.rows, cmap.cols,
                                                                   strict=True))}

    def effects(thetas: NDArray[np.float64]) -> NDArray[np.float64]:
        A = cmap.matrices(thetas)
        out = np.empty((len(thetas), len(trails)))
        for r, trail in enumerate(trails):
            out[:, r] = A[:, np.array(trail[:-1]), np.array(trail[1:])].prod(axis=1)
        return out

    # the role figure as :func:`role_figure` computes it — the joint shift of the role's
    # members and a route's part = its effect × its first node's rate — without walking
    # the paths again at every coefficient vector
    plan = plan_shifts(journey_map, {rec.role: 1.0})
    members = tuple(plan.terms)
    column = {j: q for q, j in enumerate(members)}
    weights = np.array([plan.terms[j][0][0] for j in members])
    rows = np.array([idx[j] for j in members], dtype=np.intp)
    full = [(idx[b], share) for b, share in plan.full.items()]
    measured = journey_map.node(rec.role).measured
    firsts = [route.nodes[0] if measured else route.nodes[1] for route in rec.paths]

    h_tab, counts, total = table.h, table.counts, float(table.counts.sum())

    def figure(thetas: NDArray[np.float64]) -> NDArray[np.float64]:
        """:func:`joint_shift` at every coefficient vector at once (its formulas with a
        column per vector): the role's NPS points and each route's part."""
        out = np.zeros((len(thetas), 1 + len(order)))
        if total == 0:
            return out
        totals = cmap.totals(thetas)
        constant = sum((share * totals[:, r] for r, share in full), np.zeros(len(thetas)))
        delta = h_tab @ (weights * totals[:, rows]).T + constant  # (table rows, vectors)
        gains = nps_gains(np.broadcast_to(table.ltr[:, None], delta.shape), delta)
        weighted = np.divide(gains, delta, out=np.zeros_like(delta), where=delta != 0)
        weighted *= counts[:, None]
        rates = 100.0 * (weighted.T @ h_tab) / total
        constant_rate = 100.0 * weighted.sum(axis=0) / total
        out[:, 0] = 100.0 * (counts @ gains) / total
        if order:
            rate = np.column_stack([rates[:, column[f]] if f in column else constant_rate
                                    for f in firsts])
            out[:, 1:] = effects(thetas) * rate
        return out


    # the coefficients on the role's routes are the only ones its figures depend on
    d_effect = np.zeros((len(trails), len(unc.estimate)))
    active: set[int] = set()
    for r, trail in enumerate(trails):
        factors = [float(cmap.A[a, b]) for a, b in itertools.pairwise(trail)]
        for j, (a, b) in enumerate(itertools.pairwise(trail)):
            k = position.get((a, b))
            if k is not None:
                d_effect[r, k] += math.prod(factors[:j] + factors[j + 1:])
                active.add(k)
    values = np.array([rec.nps_points, *(route.nps_points for route in rec.paths)])
    fig_ci = unc.intervals(figure, value=values, active=np.array(sorted(active), dtype=np.intp))
    eff_ci = unc.intervals(effects, value=np.array([route.effect for route in rec.paths]),
                           jacobian=d_effect)
    paths = tuple(dataclasses.replace(route, ci=(float(eff_ci[r, 0]), float(eff_ci[r, 1])),
                                      nps_points_ci=(float(fig_ci[r + 1, 0]),
                                                     float(fig_ci[r + 1, 1])))
                  for r, route in enumerate(rec.paths))
    points_ci = rec.nps_points_ci if unc.replicates is None \
        else (float(fig_ci[0, 0]), float(fig_ci[0, 1]))
    return dataclasses.replace(rec, nps_points_ci=points_ci, paths=paths)


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
