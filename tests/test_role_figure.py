"""One number per quantity: a role's NPS points are the scenario "the role does one point
better", and every front end's figure is that one number (docs/method.md §5–§7).

Checked here, on the bundled example and on random maps drawn by hypothesis:

* the role figure of the fit (from headroom tables) equals the what-if of ``{role: +1}``
  (from the respondents' rows) in value and interval, and the headline's NPS after;
* its routes' parts and its touchpoints' parts add up to it;
* the figure equals the rule computed here per respondent with numpy
  (``Σ_j share_j · T_j · min(1, hi_j − x_ij)`` plus, for an unmeasured role acted on,
  its influence for everyone), with T from the fit's own path algebra;
* a streamed fit (headroom tables only, no rows) gives the same figure.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import nps_points

import journeymap as jm
from journeymap.analysis import role_influence, what_if
from journeymap.analysis.roles import role_headline, route_parts
from journeymap.datasets import simulate
from journeymap.engines import FitResult
from journeymap.engines.linear import LinearState
from journeymap.nps import nps_score

TOL = 1e-9


def _totals(result: FitResult) -> dict[str, float]:
    assert result.model is not None
    state = result.model.state
    assert isinstance(state, LinearState)
    T = state.algebra.totals()
    return {n: float(T[i]) for i, n in enumerate(state.algebra.nodes)}


def _rule(m: jm.JourneyMap, result: FitResult, role: str) -> float:
    """The product's rule, per respondent with numpy (docs/method.md §6)."""
    assert result.model is not None
    assert result.model.data is not None
    data = result.model.data
    T = _totals(result)
    ltr = data.ltr.astype(float)
    shift = np.zeros_like(ltr)
    node = m.node(role)
    targets = {role: 1.0} if node.measured else m.role_shares(role)
    for j, share in targets.items():
        if m.node(j).measured:
            scale = m.node(j).scale
            assert scale is not None
            x = data.column(j)
            room = np.where(np.isnan(x), 0.0, np.minimum(1.0, scale[1] - x))
            shift += share * T[j] * room
        else:  # an unmeasured role acted on: its influence, full headroom
            shift += share * T[j]
    return nps_points(ltr, shift)


def assert_one_number(m: jm.JourneyMap, result: FitResult) -> None:
    for rec in result.role_effects:
        w = what_if(result, {rec.role: 1.0})
        assert rec.nps_points == pytest.approx(w.change, abs=TOL), rec.role
        assert rec.nps_points_ci is not None
        assert rec.nps_points_ci == pytest.approx(w.change_ci, abs=TOL), rec.role
        if result.engine == "linear":
            assert rec.nps_points == pytest.approx(_rule(m, result, rec.role), abs=TOL)
        assert math.fsum(p.nps_points for p in rec.paths) == pytest.approx(rec.nps_points,
                                                                             abs=TOL)
        inf = role_influence(result, rec.role)
        assert math.fsum(inf.acts_on["role_part"]) == pytest.approx(rec.nps_points, abs=TOL)
        assert math.fsum(route_parts(result, rec.role).values()) == pytest.approx(
            rec.nps_points, abs=TOL)
        now, after, after_ci = role_headline(result, rec.role)
        assert now == w.nps == result.nps.value
        assert after == pytest.approx(w.predicted_nps, abs=TOL)
        assert after_ci == pytest.approx(w.predicted_nps_ci, abs=TOL)
        assert (inf.nps, inf.nps_after) == (now, after)
        assert inf.nps_after_ci == after_ci
        assert w.to_dict()["nps_after"] == w.predicted_nps


# ------------------------------------------------------------------ the example
@pytest.fixture(scope="module")
def example() -> tuple[jm.JourneyMap, FitResult]:
    m = jm.example_map()
    return m, jm.fit(m, jm.example_data(n=3000, seed=0).data)


def test_every_role_figure_is_the_what_if_of_the_role_one_point_better(
        example: tuple[jm.JourneyMap, FitResult]) -> None:
    assert_one_number(*example)


@pytest.mark.slow
def test_the_bayesnet_engine_gives_one_number_too() -> None:
    """docs/method.md §5 and §9.4: the role figure is the network's joint shift, equal to its
    what-if of {role: 1}; its routes and touchpoint parts add up to it."""
    m = jm.example_map()
    assert_one_number(m, jm.fit(m, jm.example_data(n=1500, seed=3).data, engine="bayesnet"))


def test_the_installers_headline_goes_from_the_nps_to_the_nps_plus_its_figure(
        example: tuple[jm.JourneyMap, FitResult]) -> None:
    _m, result = example
    data = result.model.data if result.model else None
    assert data is not None
    s = nps_score(data.ltr)  # hand-worked NPS of the respondents
    inf = role_influence(result, "installer")
    assert inf.nps == pytest.approx(s.value, abs=1e-12)
    assert inf.nps_after == pytest.approx(s.value + inf.nps_points, abs=1e-12)
    # the interval adds the NPS's own adjusted-Wald variance to the figure's (§7)
    se_fig = (inf.nps_points_ci[1] - inf.nps_points_ci[0]) / (2 * 1.959963984540054)
    n3 = s.n + 3
    p, d = (s.promoters + 0.75) / n3, (s.detractors + 0.75) / n3
    se_nps = 100 * math.sqrt((p + d - (p - d) ** 2) / n3)
    centre = 100 * (s.promoters - s.detractors) / n3 + inf.nps_points
    half = 1.959963984540054 * math.hypot(se_fig, se_nps)
    assert inf.nps_after_ci == pytest.approx((centre - half, centre + half), abs=1e-9)


def test_a_touchpoints_own_nps_points_are_another_quantity_than_the_roles_part(
        example: tuple[jm.JourneyMap, FitResult]) -> None:
    """Delivery alone up one point for everyone is worth far more than the installer's
    share of it: the acts-on table keeps both, under different names."""
    _, result = example
    acts = role_influence(result, "installer").acts_on.set_index("node")
    assert acts.loc["delivery", "nps_points"] == pytest.approx(
        result.effect("delivery").nps_points, abs=1e-12)
    assert acts.loc["delivery", "role_part"] < 0.5 * acts.loc["delivery", "nps_points"]


def test_a_streamed_fit_gives_the_same_role_figures_and_parts(
        example: tuple[jm.JourneyMap, FitResult]) -> None:
    from journeymap.engines.streaming import fit_stream

    m, _ = example
    frame = jm.example_data(n=3000, seed=0).data
    # classical errors on both sides: a stream's robust errors are HC1, in memory HC3
    result = jm.fit(m, frame, se="classical")
    streamed = fit_stream(m, (frame.iloc[i:i + 700] for i in range(0, len(frame), 700)),
                          se="classical")
    for a, b in zip(result.role_effects, streamed.role_effects, strict=True):
        assert b.nps_points == pytest.approx(a.nps_points, abs=TOL)
        assert b.nps_points_ci == pytest.approx(a.nps_points_ci, abs=TOL)
        assert [p.nps_points for p in b.paths] == pytest.approx(
            [p.nps_points for p in a.paths], abs=TOL)


# ------------------------------------------------------------------ random maps
@st.composite
def random_maps(draw: st.DrawFn) -> tuple[jm.JourneyMap, dict[str, float], int]:
    k = draw(st.integers(2, 5))
    nodes: list[dict[str, Any]] = [{"id": "nps", "kind": "outcome", "column": "ltr"}]
    edges: list[Any] = []
    for i in range(k):
        top = draw(st.sampled_from([5, 7]))
        node: dict[str, Any] = {"id": f"t{i}", "kind": "touchpoint", "scale": [1, top]}
        if draw(st.booleans()) and i % 2:
            node["items"] = [f"t{i}_a", f"t{i}_b"]
        nodes.append(node)
    for i in range(k):
        later = [f"t{j}" for j in range(i + 1, k)] + ["nps"]
        targets = draw(st.lists(st.sampled_from(later), min_size=1, max_size=2, unique=True))
        edges += [[f"t{i}", t] for t in targets]
    explicit: dict[str, float] = {}
    n_roles = draw(st.integers(1, 3))
    for r in range(n_roles):
        measured = draw(st.integers(0, 5)) == 0
        role: dict[str, Any] = {"id": f"r{r}", "kind": "role"}
        if measured:
            role.update(column=f"q_r{r}", scale=[1, 5])
        nodes.append(role)
        pool = [f"t{i}" for i in range(k)] + ["nps"]
        acted = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
        for t in acted:
            share = draw(st.sampled_from([None, 0.3, 0.5]))
            if measured or share is None or explicit.get(t, 0.0) + share > 1.0:
                edges.append([f"r{r}", t])
            else:
                explicit[t] = explicit.get(t, 0.0) + share
                edges.append({"from": f"r{r}", "to": t, "share": share})
    if n_roles > 1 and draw(st.booleans()):  # a lead acting on the first role (if unmeasured)
        nodes.append({"id": "lead", "kind": "role"})
        edges.append({"from": "lead", "to": "r0", "share": 0.5})
        edges.append(["lead", f"t{k - 1}"])
    m = jm.JourneyMap.from_dict({"name": "random", "outcome": "nps", "nodes": nodes,
                                 "edges": edges})
    missing = {f"t{i}": 0.2 for i in range(k) if draw(st.booleans())}
    return m, missing, draw(st.integers(0, 10_000))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(random_maps())
def test_on_random_maps_figures_what_ifs_routes_and_parts_are_one_number(
        drawn: tuple[jm.JourneyMap, dict[str, float], int]) -> None:
    m, missing, seed = drawn
    sim = simulate(m, 400, seed=seed, missing=missing)
    frame = pd.DataFrame(sim.data)
    result = jm.fit(m, frame, check_map=False)
    assert_one_number(m, result)


def test_bootstrap_route_intervals_are_percentiles_of_the_role_figure_of_each_replicate() -> None:
    """Every route's NPS-points interval with the bootstrap is the 2.5/97.5 percentiles of
    that route's part in :func:`role_figure` recomputed at each replicate's coefficients,
    one replicate at a time (the fit computes all replicates at once)."""
    import dataclasses

    from journeymap.engines.linear import LinearEngine
    from journeymap.scenario import role_figure

    m = jm.example_map()
    data = jm.load_survey(jm.example_data(n=400, seed=3).data, m)
    res = LinearEngine(bootstrap=30, random_state=2).fit(m, data).result_
    assert res.model is not None
    state = res.model.state
    assert isinstance(state, LinearState)
    assert state.uncertainty is not None
    assert state.uncertainty.replicates is not None
    assert state.coefficients is not None
    algebra = state.algebra
    for rec in res.role_effects:
        table = state.tables["role:" + rec.role][0]
        parts: dict[tuple[str, ...], list[float]] = {r.nodes: [] for r in rec.paths}
        values = []
        for theta in state.uncertainty.replicates:
            A = state.coefficients.matrices(theta[None, :])[0]
            fig = role_figure(m, rec.role, dataclasses.replace(algebra, A=A), table)
            values.append(fig.value)
            for part in fig.routes:
                parts[part.nodes].append(part.nps_points)
        assert rec.nps_points_ci == pytest.approx(tuple(np.percentile(values, [2.5, 97.5])),
                                                  abs=TOL)
        for route in rec.paths:
            assert route.nps_points_ci == pytest.approx(
                tuple(np.percentile(parts[route.nodes], [2.5, 97.5])), abs=TOL), route.nodes
