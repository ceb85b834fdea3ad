"""The FitResult records of the bayesnet engine: edges, effects, roles and their paths.

Every number is in the units of ``docs/method.md`` §9: effects and role influence in
NPS points (shift interventions), edge estimates as the average change of the child
per state of the parent over the child's own rows (NPS points for edges into the
outcome, the child's scale points otherwise).  Intervals are 95 % percentiles of the
posterior draws (index 1… of every stack); with no draws they are null.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from ._bnsupport import Support, route_edges, support_of, table_thin_shares
from ._discrete import Array, shift_axis, shift_kernel, stack_dot
from .linear import _agrees
from .result import EdgeEstimate, Effect, FitResult, FittedModel, Interval, RoleEffect, Route

if TYPE_CHECKING:
    from ..data import SurveyData
    from ..model import Edge, JourneyMap
    from ..nps import NPSScore
    from .bayesnet import BayesNetState

__all__ = ["assemble", "role_shifts", "roles_on_outcome"]


def _ci(stack: Array) -> Interval | None:
    if stack.shape[0] < 3:
        return None
    lo, hi = np.percentile(stack[1:], [2.5, 97.5])
    return (float(lo), float(hi))


def role_shifts(m: JourneyMap, role: str, scale: float = 1.0,
                out: dict[str, float] | None = None) -> dict[str, float]:
    """States by which each measured node moves when an unmeasured role does one better:
    its share (times the share of a role acting on that role, and so on), summed."""
    out = defaultdict(float) if out is None else out
    for child, share in m.role_shares(role).items():
        node = m.node(child)
        if node.measured:
            out[child] += scale * share
        elif node.kind == "role":
            role_shifts(m, child, scale * share, out)
    return dict(out)


def edge_change(state: BayesNetState, parent: str, child: str, *, index: bool = False,
                point: bool = False) -> Array:
    """Stack of the average change of the child when the parent moves up one state.

    Averaged over the parent combinations of the child's own rows (those used for its
    table).  The child's change is in NPS points for the outcome, otherwise in scale
    points (state indices with ``index=True``, used to weight paths).  ``point`` gives
    the point estimate only (a stack of one).
    """
    counts = state.counts[child]
    weights = counts.sum(axis=0) / max(int(counts.sum()), 1)
    if child == state.outcome:
        f = state.outcome_factor(state.outcome_weights)
    else:
        table = state.tables[child]
        values = (np.arange(table.shape[1], dtype=np.float64) if index
                  else state.states[child].values)
        f = np.tensordot(values, table, axes=([0], [1]))
    if child == state.outcome and not point:
        return stack_dot(state.moved_one(parent), weights) - stack_dot(f, weights)
    if point:
        f = f[:1]
    axis = 1 + state.parents[child].index(parent)
    moved = shift_axis(f, axis, shift_kernel(state.states[parent].size, 1.0))
    return stack_dot(moved, weights) - stack_dot(f, weights)


def _edge_record(state: BayesNetState, e: Edge, thin: Mapping[tuple[str, str], float],
                 limits: _Limits) -> EdgeEstimate:
    m = state.journey_map
    if not (m.node(e.source).measured and e.source in state.parents.get(e.target, ())):
        return EdgeEstimate(source=e.source, target=e.target, estimate=None, se=None, ci=None,
                            p_value=None, standardized=None, n=None, share=m.share(e),
                            expected=e.expected, agrees=None)
    support = Support(thin[(e.source, e.target)], (e.source, e.target))
    if limits.too_thin(support):
        return EdgeEstimate(source=e.source, target=e.target, estimate=None, se=None, ci=None,
                            p_value=None, standardized=None, n=state.n_family[e.target],
                            share=m.share(e), expected=e.expected, agrees=None,
                            thin_share=support.thin_share,
                            not_estimable=limits.reason(state, support))
    d = edge_change(state, e.source, e.target)
    ci = _ci(d)
    return EdgeEstimate(source=e.source, target=e.target, estimate=float(d[0]),
                        se=float(d[1:].std(ddof=1)) if ci else None, ci=ci, p_value=None,
                        standardized=None, n=state.n_family[e.target], share=m.share(e),
                        expected=e.expected, agrees=_agrees(e.expected, ci) if ci else None,
                        thin_share=support.thin_share)


class _Limits:
    """When an effect rests on too little data, and how that is said (docs/method.md,
    "9.8 Sparse data")."""

    def __init__(self, min_rows: int, max_thin_share: float) -> None:
        self.min_rows = min_rows
        self.max_thin_share = max_thin_share

    def too_thin(self, support: Support) -> bool:
        return support.thin_share > self.max_thin_share

    def reason(self, state: BayesNetState, support: Support) -> str:
        assert support.edge is not None
        m = state.journey_map
        parent, child = (m.node(n).display for n in support.edge)
        return (f"too little data: {100 * support.thin_share:.0f} % of the respondents a "
                f"one-state shift of {parent} moves land in combinations of answers of "
                f"{child}'s table with fewer than {self.min_rows} responses (at most "
                f"{100 * self.max_thin_share:.0f} % allowed)")


def _paths(m: JourneyMap, start: str) -> list[list[str]]:
    out: list[list[str]] = []

    def walk(trail: list[str]) -> None:
        if trail[-1] == m.outcome:
            out.append(list(trail))
            return
        for child in m.children(trail[-1]):
            walk([*trail, child])

    walk([start])
    return out


def _allocate(total: float, bases: list[float]) -> list[float]:
    """``bases`` plus ``total − Σ bases`` shared in proportion to ``|base|`` (equally if 0)."""
    if not bases:
        return []
    rest = total - sum(bases)
    size = sum(abs(b) for b in bases)
    if size > 0:
        return [b + rest * abs(b) / size for b in bases]
    return [b + rest / len(bases) for b in bases]


def role_paths(state: BayesNetState, start: str, total: float, direct: float,
               slopes: dict[tuple[str, str], float], own_step: float) -> list[Route]:
    """Every path from a role (or measured node) to the outcome with its NPS points.

    A path's base weight is the product along it of the role shares, the experienced
    share of the first measured node, and the per-state edge changes (NPS points per
    state for the last edge).  The exact direct effect is shared among the direct paths
    and the exact indirect effect among the others, each as base plus the remainder in
    proportion to the absolute bases (see ``docs/method.md`` §9).
    """
    m = state.journey_map
    rows: list[tuple[list[str], bool, float]] = []
    for trail in _paths(m, start):
        i, factor = 0, 1.0
        while not m.node(trail[i]).measured:
            share = m.share(m.edge(trail[i], trail[i + 1]))
            factor *= 1.0 if share is None else share
            i += 1
        first = trail[i]
        if first == m.outcome:
            factor *= own_step
        else:
            factor *= state.experienced[first]
            for a, b in pairwise(trail[i:]):
                factor *= slopes[(a, b)]
        rows.append((trail, i >= len(trail) - 2, factor))
    direct_rows = [r for r in rows if r[1]]
    indirect_rows = [r for r in rows if not r[1]]
    indirect = total - direct
    if not indirect_rows:
        direct, indirect = total, 0.0
    elif not direct_rows:
        direct, indirect = 0.0, total
    out: list[Route] = []
    for group, amount in ((direct_rows, direct), (indirect_rows, indirect)):
        for (trail, _, _), eff in zip(group, _allocate(amount, [r[2] for r in group]),
                                      strict=True):
            out.append(Route(nodes=tuple(trail), effect=eff, nps_points=eff))
    out.sort(key=lambda p: -abs(p.effect))
    return out


def roles_on_outcome(m: JourneyMap) -> bool:
    """True when an unmeasured role acts on the outcome itself."""
    return any(m.node(p).kind == "role" and not m.node(p).measured for p in m.parents(m.outcome))


def assemble(state: BayesNetState, data: SurveyData, *, engine: str, options: dict[str, Any],
             warnings: list[str], nps: NPSScore, min_rows: int, max_thin_share: float
             ) -> FitResult:
    """Build the :class:`FitResult` of a fitted network.

    An edge, effect or influence whose thin share (:mod:`._bnsupport`) is above
    ``max_thin_share`` is reported as not estimable: null numbers, the reason, and one
    plain warning naming them all."""
    m = state.journey_map
    limits = _Limits(min_rows, max_thin_share)
    thin = {(p, c): share for c in state.order if state.parents[c]
            for p, share in table_thin_shares(state, c, min_rows).items()}
    edge_records = [_edge_record(state, e, thin, limits) for e in m.edges]
    slopes = {(p, c): float(edge_change(state, p, c, index=c != m.outcome, point=True)[0])
              for c in state.order for p in state.parents[c]}
    own_step = float(state.total({m.outcome: 1.0})[0]) if roles_on_outcome(m) else 0.0

    effect_records: list[Effect] = []
    effects: dict[str, tuple[Array, Array]] = {}
    supports: dict[str, Support] = {}
    for node in m.measured_nodes:
        if node.id == m.outcome:
            continue
        te, de = state.total({node.id: 1.0}), state.direct({node.id: 1.0})
        effects[node.id] = (te, de)
        x = data.column(node.id)
        seen = int((~np.isnan(x)).sum())
        ci = _ci(te)
        support = supports[node.id] = support_of(route_edges(state, [node.id]), thin)
        mean = float(np.nanmean(x)) if seen else None
        if limits.too_thin(support):
            effect_records.append(Effect(
                node=node.id, direct=math.nan, indirect=math.nan, total=math.nan,
                total_ci=None, nps_points=math.nan, nps_points_ci=None, mean=mean, n=seen,
                thin_share=support.thin_share, not_estimable=limits.reason(state, support)))
            continue
        effect_records.append(Effect(
            node=node.id, direct=float(de[0]), indirect=float(te[0] - de[0]),
            total=float(te[0]), total_ci=ci, nps_points=float(te[0]),
            nps_points_ci=ci, mean=mean, n=seen, thin_share=support.thin_share))

    role_records: list[RoleEffect] = []
    for role in m.roles:
        if role.measured:
            te, de = effects[role.id]
            support = supports[role.id]
        else:
            shifts = role_shifts(m, role.id)
            te, de = state.total(shifts), state.direct(shifts)
            support = support_of(route_edges(state, [n for n, v in shifts.items() if v]), thin)
        total, direct = float(te[0]), float(de[0])
        paths = role_paths(state, role.id, total, direct, slopes, own_step)
        if limits.too_thin(support):
            role_records.append(RoleEffect(
                role=role.id, influence=math.nan, influence_ci=None, direct=math.nan,
                indirect=math.nan, nps_points=math.nan, nps_points_ci=None,
                paths=tuple(Route(nodes=p.nodes, effect=math.nan, nps_points=math.nan)
                            for p in paths),
                thin_share=support.thin_share, not_estimable=limits.reason(state, support)))
            continue
        direct_sum = float(sum(p.effect for p in paths if _is_direct(m, p.nodes)))
        ci = _ci(te)
        role_records.append(RoleEffect(
            role=role.id, influence=total, influence_ci=ci,
            direct=direct_sum if paths else direct,
            indirect=total - (direct_sum if paths else direct),
            nps_points=total, nps_points_ci=ci, paths=tuple(paths),
            thin_share=support.thin_share))

    warns = list(warnings)
    text = _not_estimable_warning(m, edge_records, effect_records, role_records, limits)
    if text:
        warns.append(text)
    for rec in edge_records:
        if rec.agrees is False:
            assert rec.estimate is not None
            assert rec.ci is not None
            unit = "NPS points" if rec.target == m.outcome else "scale points"
            warns.append(f"the data contradict the workshop's belief on {rec.source} → "
                         f"{rec.target}: expected '{rec.expected}', estimated "
                         f"{rec.estimate:+.3f} {unit} per state (95 % {rec.ci[0]:+.3f} "
                         f"to {rec.ci[1]:+.3f}).")
    return FitResult(journey_map=m, engine=engine, n_responses=data.n_responses, nps=nps,
                     edge_estimates=tuple(edge_records), node_effects=tuple(effect_records),
                     role_effects=tuple(role_records), warnings=tuple(warns),
                     effect_unit="nps_points", options=options, alphas=dict(data.alphas),
                     uncertainty={"se_type": None,
                                  "interval_method": "posterior-percentile"
                                  if options.get("draws") else None,
                                  "replicates": int(options.get("draws") or 0),
                                  "seed": options.get("random_state"),
                                  "bootstrap_units": None, "bootstrap_failed": 0,
                                  "hc3_bound": None},
                     model=FittedModel(state, data))


def _not_estimable_warning(m: JourneyMap, edges: list[EdgeEstimate], effects: list[Effect],
                           roles: list[RoleEffect], limits: _Limits) -> str | None:
    """One plain sentence naming every effect, influence and edge that is not estimable."""
    parts = []
    names = [m.node(e.node).display for e in effects if e.not_estimable]
    if names:
        parts.append(f"the effect of {', '.join(names)}")
    names = [m.node(r.role).display for r in roles if r.not_estimable]
    if names:
        parts.append(f"the influence of {', '.join(names)}")
    names = [f"{m.node(e.source).display} → {m.node(e.target).display}" for e in edges
             if e.not_estimable]
    if names:
        parts.append(f"the edge{'s' if len(names) > 1 else ''} {', '.join(names)}")
    if not parts:
        return None
    return (f"Not estimable from these data: {'; '.join(parts)}. More than "
            f"{100 * limits.max_thin_share:.0f} % of the respondents each one-state shift moves "
            f"land in combinations of answers with fewer than {limits.min_rows} responses, "
            "where the network would show its prior (a uniform guess), not the data; these "
            "figures are left empty, and say nothing for or against the workshop's beliefs. "
            "Collect more responses, merge states (bins) or remove edges.")


def _is_direct(m: JourneyMap, nodes: tuple[str, ...]) -> bool:
    first = next(i for i, n in enumerate(nodes) if m.node(n).measured)
    return first >= len(nodes) - 2

