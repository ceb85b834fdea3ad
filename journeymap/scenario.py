"""The joint shift: one definition of a scenario's NPS points, and the one function that
computes it.

A **scenario** moves some nodes (or roles) up by some points.  Respondent i's LTR then
moves by

    δ_i = Σ_j c_j · m_ij + K

where ``m_ij`` is how far node j moves for respondent i (``clip(Δ, lo_j − x_ij,
hi_j − x_ij)``, 0 when i did not experience j), ``c_j`` the node's total effect on LTR
(times a role's share) and ``K`` a shift everyone gets (an unmeasured role acted on by
the shifted role: its influence, with full headroom).  The NPS change is the average of
each respondent's change in promoter − detractor share (``docs/method.md``, "NPS
points").  **A role's NPS points are the scenario "the role does one point better"**
(``{role: +1}``): ``δ_i = Σ_j share_j · T_j · min(1, hi_j − x_ij) + Σ_B share_B · T_B``
over the measured nodes j and unmeasured roles B the role acts on (``docs/method.md``,
"Role influence and paths").  The role figure of a fit (from headroom tables, so it
works on streamed data), the what-if of ``{role: +1}`` (from the respondents' rows)
and the parts of its routes and touchpoints all come from :func:`joint_shift`.

**Parts that add up.** Route r of a role starts at the node j(r) the role acts on and
carries ``e_r`` LTR points per point of that node (share × product of coefficients;
the routes through j sum to ``c_j``).  Respondent i's LTR gain ``δ_i`` is the sum of
the routes' contributions ``a_ir = e_r · m_i,j(r)``; the respondent's NPS gain
``f_i = f(k_i, δ_i)`` is shared among them in proportion, ``a_ir · f_i / δ_i`` (0 when
``δ_i = 0``).  Because f depends on the contributions only through their sum, this is
the Aumann–Shapley value of the contributions (each route gets its LTR points times the
average slope of f from 0 to δ_i), so the threshold crossings a route helps to cause
are shared with the routes that cause them together.  Summed over respondents a route's
part is ``e_r · w_j(r)`` with the **rate** ``w_j = 100 · mean_i(f_i/δ_i · m_ij)`` (NPS
points per LTR point of route effect), and the parts add up exactly to the figure.

Everything here is a function of the path algebra (the coefficient matrix) and a
population of (LTR, moves) rows with counts (a :class:`~journeymap.headroom.HeadroomTable`),
so bootstrap replicates of the coefficients can be evaluated with the same code.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .exceptions import JourneymapError
from .headroom import HeadroomTable
from .nps import Z95, nps_change_slope, nps_gains

if TYPE_CHECKING:
    from .model import JourneyMap
    from .nps import NPSScore
    from .paths import PathAlgebra

__all__ = ["JointShift", "RoleFigure", "RoutePart", "ShiftPlan", "joint_shift", "plan_shifts",
           "predicted_nps", "role_figure", "shift_columns"]


# ------------------------------------------------------------------ the plan
@dataclass(frozen=True)
class ShiftPlan(Mapping[str, float]):
    """What a scenario moves: measured nodes (with their terms) and, with full headroom,
    unmeasured roles acted on by a shifted role.

    ``terms`` maps each measured node to ``((weight, Δ), …)``: the node moves by
    ``Σ weight · clip(Δ, lo − x, hi − x)``, clipped again to the scale (weight 1 for a node
    shifted itself, the share for a role's node).  ``full`` maps an unmeasured role to a
    multiplier: every respondent's LTR moves by multiplier × the role's influence (a role
    acted on by a shifted role, docs/method.md §6).

    As a mapping it gives each measured node's shift ``Σ weight · Δ`` (the roles of
    :attr:`full` expanded by their shares), for engines that move states rather than
    scores (bayesnet, docs/method.md §9.7).
    """

    terms: Mapping[str, tuple[tuple[float, float], ...]]
    full: Mapping[str, float] = field(default_factory=dict)
    node_shifts: Mapping[str, float] = field(default_factory=dict)

    def __getitem__(self, key: str) -> float:
        return self.node_shifts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.node_shifts)

    def __len__(self) -> int:
        return len(self.node_shifts)


def plan_shifts(m: JourneyMap, shifts: Mapping[str, float]) -> ShiftPlan:
    """The :class:`ShiftPlan` of node or role shifts (``{"installer": 1}``).

    A measured node (or measured role) shifted by Δ gets the term ``(1, Δ)``; an unmeasured
    role shifted by Δ gives each measured node j it acts on the term ``(share_j, Δ)`` and
    each unmeasured role B it acts on the multiplier ``share_B · Δ`` (full headroom).
    """
    terms: dict[str, list[tuple[float, float]]] = {}
    full: dict[str, float] = {}
    flat: dict[str, float] = {}

    def expand(node_id: str, delta: float) -> None:  # the states engines' expansion
        node = m.node(node_id)
        if node.measured:
            flat[node_id] = flat.get(node_id, 0.0) + delta
        elif node.kind == "role":
            for child, share in m.role_shares(node_id).items():
                expand(child, share * delta)

    for node_id, delta in shifts.items():
        if not math.isfinite(delta):
            raise JourneymapError(f"the shift of '{node_id}' must be a finite number.")
        node = m.node(node_id)
        if node.measured:
            terms.setdefault(node_id, []).append((1.0, float(delta)))
        elif node.kind == "role":
            for child, share in m.role_shares(node_id).items():
                if m.node(child).measured:
                    terms.setdefault(child, []).append((share, float(delta)))
                else:
                    full[child] = full.get(child, 0.0) + share * float(delta)
        else:  # pragma: no cover - every non-role node is measured
            raise JourneymapError(f"'{node_id}' has no data to shift.")
        expand(node_id, float(delta))
    return ShiftPlan({k: tuple(v) for k, v in terms.items()}, full, flat)


def shift_columns(m: JourneyMap, plan: ShiftPlan, column: Mapping[str, NDArray[np.float64]]
                  ) -> tuple[tuple[str, ...], NDArray[np.float64], NDArray[np.float64]]:
    """Per-respondent moves of the plan's nodes: ``(nodes, moves (n × q), weights (q))``.

    A node with one term ``(w, Δ)`` gets the column ``clip(Δ, lo − x, hi − x)`` and the
    weight w (so ``{role: +1}`` gives the role's headroom columns ``min(1, hi − x)`` and
    its shares, exactly as the fit's headroom table); a node with several terms gets
    ``clip(Σ w · clip(Δ, …), lo − x, hi − x)`` and weight 1.  Not experienced (NaN): 0.
    """
    nodes = tuple(plan.terms)
    cols: list[NDArray[np.float64]] = []
    weights = np.ones(len(nodes))
    for q, node_id in enumerate(nodes):
        scale = m.node(node_id).scale
        assert scale is not None
        x = np.asarray(column[node_id], dtype=np.float64)
        lo, hi = scale[0] - x, scale[1] - x
        terms = plan.terms[node_id]
        if len(terms) == 1:
            weights[q] = terms[0][0]
            moved = np.clip(terms[0][1], lo, hi)
        else:
            moved = np.clip(sum((w * np.clip(d, lo, hi) for w, d in terms), np.zeros_like(x)),
                            lo, hi)
        moved[np.isnan(moved)] = 0.0
        cols.append(moved)
    n = len(next(iter(column.values()))) if column else 0
    M = np.column_stack(cols) if cols else np.zeros((n, 0))
    return nodes, M, weights


# -------------------------------------------------------- the one computation
@dataclass(frozen=True)
class JointShift:
    """A scenario's NPS change with its delta-method interval and the rates that share it.

    ``rates[j]`` is NPS points per unit of ``coefficients[j]`` (so column j's part is
    ``coefficients[j] · rates[j]``) and ``constant_rate`` the same for the constant;
    ``Σ_j coefficients[j] · rates[j] + constant · constant_rate == value``.
    """

    value: float
    se: float
    rates: NDArray[np.float64]
    constant_rate: float
    mean_ltr_change: float

    @property
    def ci(self) -> tuple[float, float]:
        return (self.value - Z95 * self.se, self.value + Z95 * self.se)


def joint_shift(population: HeadroomTable, coefficients: NDArray[np.float64],
                constant: float = 0.0, *, gradients: NDArray[np.float64] | None = None,
                constant_gradient: NDArray[np.float64] | None = None,
                covariance: NDArray[np.float64] | None = None) -> JointShift:
    """NPS points when respondent i's LTR moves by ``δ_i = h_i · c + K`` (module docstring).

    Parameters
    ----------
    population
        Rows of (LTR, moves on q nodes) with counts: a fit's headroom table, or the
        respondents' rows (counts 1).
    coefficients, constant
        ``c`` (q) and ``K`` in LTR points.
    gradients, constant_gradient, covariance
        ``∂c_j/∂θ`` (q × p), ``∂K/∂θ`` (p) and ``Cov(θ)`` for the delta-method standard
        error (0 when not given).
    """
    c = np.asarray(coefficients, dtype=np.float64)
    h, counts, ltr = population.h, population.counts, population.ltr
    total = float(counts.sum())
    if total == 0:
        return JointShift(0.0, 0.0, np.zeros(len(c)), 0.0, 0.0)
    delta = h @ c + constant
    gains = nps_gains(ltr, delta)
    value = 100.0 * float(counts @ gains) / total
    moving = delta != 0
    ratio = np.zeros_like(delta)
    ratio[moving] = gains[moving] / delta[moving]
    weighted = ratio * counts
    rates = 100.0 * (weighted @ h) / total
    constant_rate = 100.0 * float(weighted.sum()) / total
    before = ltr.astype(np.float64)
    mean_change = float(counts @ (np.clip(before + delta, 0.0, 10.0) - before)) / total
    se = 0.0
    if covariance is not None and covariance.size:
        slope = nps_change_slope(ltr, delta) * counts
        d_c = 100.0 * (slope @ h) / total
        g = np.zeros(covariance.shape[0])
        if gradients is not None and len(c):
            g = g + d_c @ gradients
        if constant_gradient is not None:
            g = g + 100.0 * float(slope.sum()) / total * constant_gradient
        se = math.sqrt(max(float(g @ covariance @ g), 0.0))
    return JointShift(value, se, rates, constant_rate, mean_change)


# --------------------------------------------------------------- a role's figure
@dataclass(frozen=True)
class RoutePart:
    """One route of a role to the outcome: nodes, effect (LTR points) and its part of the
    role's NPS points."""

    nodes: tuple[str, ...]
    effect: float
    nps_points: float


@dataclass(frozen=True)
class RoleFigure:
    """A role's NPS points (the scenario ``{role: +1}``) and their parts.

    ``parts`` maps each node the role acts on (for a measured role: the role itself) to
    the NPS points of the routes through it; ``routes`` and ``parts`` each add up to
    ``value``.
    """

    role: str
    value: float
    se: float
    influence: float
    parts: dict[str, float]
    routes: tuple[RoutePart, ...]

    @property
    def ci(self) -> tuple[float, float]:
        return (self.value - Z95 * self.se, self.value + Z95 * self.se)


def role_members(m: JourneyMap, role: str) -> tuple[tuple[str, ...], dict[str, float]]:
    """The measured nodes whose headroom a role's figure needs (the columns of its headroom
    table, in this order) and the unmeasured roles it acts on with their shares."""
    plan = plan_shifts(m, {role: 1.0})
    return tuple(plan.terms), dict(plan.full)


def role_figure(m: JourneyMap, role: str, algebra: PathAlgebra, population: HeadroomTable,
                *, covariance: NDArray[np.float64] | None = None) -> RoleFigure:
    """A role's NPS points, routes and touchpoint parts (module docstring).

    ``population`` has one column per node of :func:`role_members` (its headroom
    ``min(1, hi − x)``); ``algebra`` gives the totals, so a bootstrap replicate of the
    coefficients gives a replicate of every number here.
    """
    plan = plan_shifts(m, {role: 1.0})
    nodes = tuple(plan.terms)
    idx = {n: i for i, n in enumerate(algebra.nodes)}
    T = algebra.totals()
    G = algebra.gradients() if covariance is not None else None
    weights = np.array([plan.terms[j][0][0] for j in nodes])
    rows = [idx[j] for j in nodes]
    coefs = weights * T[rows]
    constant = float(sum(s * T[idx[b]] for b, s in plan.full.items()))
    grads = const_grad = None
    if G is not None:
        grads = weights[:, None] * G[rows]
        const_grad = sum((s * G[idx[b]] for b, s in plan.full.items()), np.zeros(G.shape[1]))
    shift = joint_shift(population, coefs, constant, gradients=grads,
                        constant_gradient=const_grad, covariance=covariance)
    rate = {j: float(shift.rates[q]) for q, j in enumerate(nodes)}
    rate.update(dict.fromkeys(plan.full, shift.constant_rate))
    measured = m.node(role).measured
    routes: list[RoutePart] = []
    parts: dict[str, float] = {}
    for trail, effect in algebra.paths(idx[role]):
        names = tuple(algebra.nodes[t] for t in trail)
        first = names[0] if measured else names[1]
        part = effect * rate[first]
        routes.append(RoutePart(names, effect, part))
        parts[first] = parts.get(first, 0.0) + part
    return RoleFigure(role=role, value=shift.value, se=shift.se, influence=float(T[idx[role]]),
                      parts=parts, routes=tuple(routes))


# ------------------------------------------------------------- NPS afterwards
def predicted_nps(base: NPSScore, change: float, change_ci: tuple[float, float]
                  ) -> tuple[float, tuple[float, float]]:
    """NPS after a scenario and its 95 % interval: ``base.value + change``; the interval
    adds the observed NPS's own sampling variance (adjusted Wald) to the change's
    (its half-width / 1.96), treating the two as independent, centred like the NPS
    interval on ``100 · (P − D)/(n + 3)`` plus the change, clipped to ±100
    (docs/method.md §7).  A zero change gives the NPS interval."""
    se_change = (change_ci[1] - change_ci[0]) / (2.0 * Z95)
    se_total = math.hypot(se_change, base.se)
    centre = 100.0 * (base.promoters - base.detractors) / (base.n + 3.0) + change
    return base.value + change, (max(-100.0, centre - Z95 * se_total),
                                 min(100.0, centre + Z95 * se_total))
