"""The linear engine against independent computations.

Every edge number is redone here as an exact OLS with numpy on the equation's complete
rows (and cross-checked with statsmodels); totals by enumerating paths with networkx;
role influence by the formula of docs/method.md, "Role influence and paths":
Σ share_j · T_j; delta-method intervals with a finite-difference gradient and a
block-diagonal covariance built in the test; and the intervals' coverage by simulation
against the planted truth.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from numpy.typing import NDArray
from scipy import stats as sps

from journeymap.data import SurveyData, load_survey
from journeymap.datasets import EXAMPLE_MISSING, Simulation, example_map, simulate
from journeymap.engines import EdgeEstimate, FitResult, LinearEngine
from journeymap.exceptions import DataValidationError, JourneymapError, NotFittedError
from journeymap.model import JourneyMap
from journeymap.nps import nps_change

Z = float(sps.norm.ppf(0.975))
# the example's blanks plus blanks in a mediator (no_errors) and in a composite (delivery)
MISSING = {**EXAMPLE_MISSING, "no_errors": 0.10, "delivery": 0.05}

Array = NDArray[np.float64]


# ---------------------------------------------------------------------- helpers


def node_values(m: JourneyMap, frame: pd.DataFrame) -> dict[str, Array]:
    """Each measured node's score per row straight from the raw columns.

    The simulator blanks all items of a composite together, so the item mean with
    ``skipna=False`` is the composite score.
    """
    return {n.id: frame[list(n.columns)].astype("float64").mean(axis=1, skipna=False)
            .to_numpy() for n in m.measured_nodes}


def measured_parents(m: JourneyMap, node: str) -> list[str]:
    return [p for p in m.parents(node) if m.node(p).measured]


def ols(values: Mapping[str, Array], child: str, parents: list[str]) -> dict[str, Any]:
    """Exact OLS of ``child`` on ``parents`` + intercept over the complete rows."""
    cols = [values[p] for p in parents]
    y_all = values[child]
    rows = ~np.isnan(y_all)
    for c in cols:
        rows &= ~np.isnan(c)
    X = np.column_stack([np.ones(int(rows.sum()))] + [c[rows] for c in cols])
    y = y_all[rows]
    n, k = len(y), len(parents)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    df = n - k - 1
    s2 = float(resid @ resid) / df
    cov = s2 * np.linalg.inv(X.T @ X)
    se = np.sqrt(np.diag(cov))[1:]
    b = beta[1:]
    q = float(sps.t.ppf(0.975, df))
    return {
        "b": b, "se": se, "ci": np.column_stack([b - q * se, b + q * se]),
        "p": 2 * sps.t.sf(np.abs(b / se), df),
        "std": b * X[:, 1:].std(axis=0, ddof=1) / y.std(ddof=1),
        "n": n, "cov": cov[1:, 1:], "X": X, "y": y,
    }


def all_ols(m: JourneyMap, values: Mapping[str, Array]) -> dict[str, dict[str, Any]]:
    return {n.id: ols(values, n.id, ps) for n in m.measured_nodes
            if (ps := measured_parents(m, n.id))}


def records(result: FitResult) -> dict[tuple[str, str], EdgeEstimate]:
    return {(r.source, r.target): r for r in result.edge_estimates}


def totals_by_paths(m: JourneyMap, coef: Mapping[tuple[str, str], float]) -> dict[str, float]:
    """Total effect on the outcome of every measured node: Σ over simple paths of the
    product of the coefficients (the outcome's own total is 1)."""
    g = m.to_networkx()
    out = {m.outcome: 1.0}
    for n in m.measured_nodes:
        if n.id != m.outcome:
            out[n.id] = sum(math.prod(coef[(a, b)] for a, b in pairwise(p))
                            for p in nx.all_simple_paths(g, n.id, m.outcome))
    return out


def influence_by_formula(m: JourneyMap, role: str, totals: Mapping[str, float]) -> float:
    """Σ_j share_j · T_j (docs/method.md, "Role influence and paths"), an unmeasured
    target role counting with its influence."""
    return sum(s * (totals[j] if m.node(j).measured else influence_by_formula(m, j, totals))
               for j, s in m.role_shares(role).items())


def continuous_survey(m: JourneyMap, sim: Simulation) -> SurveyData:
    """SurveyData of continuous simulated data (``load_survey`` requires whole-number LTR).

    The values keep the continuous LTR the equations are fitted on; ``ltr`` (used only
    for NPS and NPS points) is rounded and clipped to 0–10.
    """
    values = node_values(m, sim.data)
    ids = tuple(n.id for n in m.measured_nodes)
    matrix = np.column_stack([values[i] for i in ids])
    ltr = np.clip(np.rint(values[m.outcome]), 0, 10).astype(np.int64)
    return SurveyData(ids, matrix, ltr, n_responses=len(ltr))


# --------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def kitchen() -> JourneyMap:
    return example_map()


@pytest.fixture(scope="module")
def sim(kitchen: JourneyMap) -> Simulation:
    return simulate(kitchen, 3000, seed=314, missing=MISSING)


@pytest.fixture(scope="module")
def result(kitchen: JourneyMap, sim: Simulation) -> FitResult:
    return LinearEngine(se="classical").fit(kitchen, load_survey(sim.data, kitchen)).result_


@pytest.fixture(scope="module")
def exact(kitchen: JourneyMap, sim: Simulation) -> dict[str, dict[str, Any]]:
    return all_ols(kitchen, node_values(kitchen, sim.data))


@pytest.fixture(scope="module")
def hand_map() -> JourneyMap:
    """A team lead acting on a team (an unmeasured role) and on a touchpoint; the team
    acting on a touchpoint and, directly, on the outcome."""
    return JourneyMap.from_dict({
        "outcome": "nps",
        "nodes": [
            {"id": "nps", "kind": "outcome", "column": "ltr"},
            {"id": "lead", "kind": "role"},
            {"id": "team", "kind": "role"},
            {"id": "a", "kind": "touchpoint", "scale": [1, 5]},
            {"id": "b", "kind": "touchpoint", "scale": [1, 5]},
            {"id": "c", "kind": "factor", "scale": [1, 7]},
        ],
        "edges": [
            {"from": "lead", "to": "team", "share": 0.7},
            {"from": "lead", "to": "b", "share": 0.5},
            ["team", "a"],
            {"from": "team", "to": "nps", "share": 0.3},
            ["a", "c"], ["b", "c"], ["c", "nps"], ["a", "nps"],
        ],
    })


# ---------------------------------------------------------------- edge numbers


def test_data_really_have_missing_values_in_several_equations(sim: Simulation) -> None:
    for col in ("q_install", "q_support", "q_web", "q_invoice", "q_errors", "q_del_time"):
        assert sim.data[col].isna().mean() > 0.03


def test_every_edge_equals_an_exact_ols_of_its_complete_rows(
        kitchen: JourneyMap, result: FitResult, exact: dict[str, dict[str, Any]]) -> None:
    recs = records(result)
    checked = 0
    for child, o in exact.items():
        assert o["n"] < 3000  # each equation lost rows to blanks
        for i, p in enumerate(measured_parents(kitchen, child)):
            r = recs[(p, child)]
            assert r.estimate == pytest.approx(o["b"][i], rel=1e-8)
            assert r.se == pytest.approx(o["se"][i], rel=1e-8)
            assert r.ci == pytest.approx(list(o["ci"][i]), rel=1e-8)
            assert r.p_value == pytest.approx(o["p"][i], rel=1e-8, abs=1e-300)
            assert r.standardized == pytest.approx(o["std"][i], rel=1e-8)
            assert r.n == o["n"]
            checked += 1
    assert checked == 13


def test_every_edge_agrees_with_statsmodels(
        kitchen: JourneyMap, result: FitResult, exact: dict[str, dict[str, Any]]) -> None:
    recs = records(result)
    for child, o in exact.items():
        fit = sm.OLS(o["y"], o["X"]).fit()
        ci = fit.conf_int(0.05)
        for i, p in enumerate(measured_parents(kitchen, child)):
            r = recs[(p, child)]
            assert r.estimate == pytest.approx(fit.params[i + 1], rel=1e-8)
            assert r.se == pytest.approx(fit.bse[i + 1], rel=1e-8)
            assert r.ci == pytest.approx(list(ci[i + 1]), rel=1e-8)
            assert r.p_value == pytest.approx(fit.pvalues[i + 1], rel=1e-8, abs=1e-300)
            assert r.n == int(fit.nobs)


def test_role_edges_carry_their_share_and_no_estimate(kitchen: JourneyMap,
                                                      result: FitResult) -> None:
    recs = records(result)
    assert len(recs) == len(kitchen.edges)
    for e in kitchen.edges:
        r = recs[(e.source, e.target)]
        if kitchen.node(e.source).kind == "role":
            assert r.estimate is None
            assert r.se is None
            assert r.share == kitchen.role_shares(e.source)[e.target]
        else:
            assert r.share is None
    # hand-checked shares of the example map
    assert recs[("sales_rep", "ordering")].share == 0.4
    assert recs[("installer", "installation")].share == 1.0


def test_agrees_follows_the_interval_and_the_belief(result: FitResult) -> None:
    seen = set()
    for r in result.edge_estimates:
        if r.expected is None:
            assert r.agrees is None
            continue
        lo, hi = r.ci
        sign = 1 if r.expected == "+" else -1
        lo, hi = sorted((sign * lo, sign * hi))
        assert r.agrees == (True if lo > 0 else False if hi < 0 else None)
        seen.add(r.agrees)
    assert True in seen


# ------------------------------------------------------------ totals and roles


def test_totals_equal_the_sum_of_path_products(kitchen: JourneyMap, result: FitResult) -> None:
    coef = {k: r.estimate for k, r in records(result).items() if r.estimate is not None}
    totals = totals_by_paths(kitchen, coef)
    assert len(result.node_effects) == len(kitchen.measured_nodes) - 1
    for rec in result.node_effects:
        node = rec.node
        direct = coef.get((node, kitchen.outcome), 0.0)
        assert rec.total == pytest.approx(totals[node], rel=1e-12)
        assert rec.direct == pytest.approx(direct, rel=1e-15, abs=0)
        assert rec.indirect == pytest.approx(totals[node] - direct, rel=1e-9, abs=1e-14)
    # a node with only indirect paths and one with both
    assert result.effect("quote").direct == 0.0
    assert result.effect("quote").indirect != 0.0
    assert result.effect("installation").indirect == pytest.approx(
        coef[("installation", "product_quality")] * coef[("product_quality", "nps")], rel=1e-9)


def test_role_influence_equals_shares_times_totals(kitchen: JourneyMap,
                                                   result: FitResult) -> None:
    coef = {k: r.estimate for k, r in records(result).items() if r.estimate is not None}
    totals = totals_by_paths(kitchen, coef)
    assert {r.role for r in result.role_effects} == {r.id for r in kitchen.roles}
    for rec in result.role_effects:
        expected = influence_by_formula(kitchen, rec.role, totals)
        assert rec.influence == pytest.approx(expected, rel=1e-12)
        assert sum(p.effect for p in rec.paths) == pytest.approx(expected, rel=1e-9)
    # installer: 0.2 of delivery and all of installation
    assert result.role("installer").influence == pytest.approx(
        0.2 * totals["delivery"] + 1.0 * totals["installation"], rel=1e-12)


def test_role_acting_on_a_team_and_on_the_outcome_follows_the_hand_formula(
        hand_map: JourneyMap) -> None:
    sim = simulate(hand_map, 2000, seed=21, missing={"a": 0.2, "b": 0.1})
    data = load_survey(sim.data, hand_map)
    res = LinearEngine().fit(hand_map, data).result_
    b = {k: r.estimate for k, r in records(res).items() if r.estimate is not None}
    assert set(b) == {("a", "c"), ("b", "c"), ("c", "nps"), ("a", "nps")}
    T_a = b[("a", "c")] * b[("c", "nps")] + b[("a", "nps")]
    T_b = b[("b", "c")] * b[("c", "nps")]
    team = 1.0 * T_a + 0.3 * 1.0  # share 1 on a (the only role there), 0.3 on the outcome
    lead = 0.7 * team + 0.5 * T_b
    assert hand_map.role_shares("team") == {"a": 1.0, "nps": 0.3}
    assert res.role("team").influence == pytest.approx(team, rel=1e-12)
    assert res.role("lead").influence == pytest.approx(lead, rel=1e-12)
    # direct: through an acted-on node's edge to the outcome, or straight onto the outcome
    assert res.role("team").direct == pytest.approx(b[("a", "nps")] + 0.3, rel=1e-12)
    assert res.role("lead").direct == pytest.approx(0.7 * (b[("a", "nps")] + 0.3), rel=1e-12)
    assert res.role("lead").indirect == pytest.approx(
        0.7 * b[("a", "c")] * b[("c", "nps")] + 0.5 * T_b, rel=1e-9)
    paths = {tuple(p.nodes): p.effect for p in res.role("lead").paths}
    assert paths == pytest.approx({
        ("lead", "team", "a", "c", "nps"): 0.7 * b[("a", "c")] * b[("c", "nps")],
        ("lead", "team", "a", "nps"): 0.7 * b[("a", "nps")],
        ("lead", "team", "nps"): 0.7 * 0.3,
        ("lead", "b", "c", "nps"): 0.5 * T_b,
    }, rel=1e-12)
    effects = [abs(p.effect) for p in res.role("lead").paths]
    assert effects == sorted(effects, reverse=True)
    # NPS points: the team counts for the lead with its influence and full headroom; the
    # team's own shift on the outcome uses the LTR's headroom min(1, 10 − LTR)
    vals = node_values(hand_map, sim.data)
    h = {j: np.where(np.isnan(vals[j]), 0.0, np.clip(5.0 - vals[j], 0, 1)) for j in "ab"}
    ltr = data.ltr
    lead_pts = nps_change(ltr, 0.7 * team + 0.5 * T_b * h["b"])
    team_pts = nps_change(ltr, 1.0 * T_a * h["a"] + 0.3 * np.minimum(1.0, 10.0 - ltr))
    assert res.role("lead").nps_points == pytest.approx(lead_pts, rel=1e-9)
    assert res.role("team").nps_points == pytest.approx(team_pts, rel=1e-9)


def test_nps_points_of_nodes_and_roles_equal_a_per_respondent_computation(
        kitchen: JourneyMap, sim: Simulation, result: FitResult) -> None:
    vals = node_values(kitchen, sim.data)
    ltr = sim.data["ltr"].to_numpy()
    totals = {r.node: r.total for r in result.node_effects}

    def room(j: str) -> Array:
        scale = kitchen.node(j).scale
        assert scale is not None
        x = vals[j]
        return np.where(np.isnan(x), 0.0, np.clip(scale[1] - x, 0.0, 1.0))

    for rec in result.node_effects:
        expected = nps_change(ltr, totals[rec.node] * room(rec.node))
        assert rec.nps_points == pytest.approx(expected, rel=1e-9, abs=1e-12)
    for rec in result.role_effects:
        shift = sum(s * totals[j] * room(j) for j, s in kitchen.role_shares(rec.role).items())
        assert rec.nps_points == pytest.approx(nps_change(ltr, shift), rel=1e-9)


# ------------------------------------------------------------------ delta method


def delta_se(m: JourneyMap, exact: Mapping[str, dict[str, Any]],
             quantity: Callable[[dict[tuple[str, str], float]], float]) -> float:
    """sqrt(gᵀ V g) with g a central finite-difference gradient of ``quantity`` in the
    edge estimates and V block-diagonal (one block per equation, zero across)."""
    keys = [(p, child) for child in exact for p in measured_parents(m, child)]
    theta = np.concatenate([exact[child]["b"] for child in exact])
    V = np.zeros((len(theta), len(theta)))
    at = 0
    for child in exact:
        k = len(exact[child]["b"])
        V[at:at + k, at:at + k] = exact[child]["cov"]
        at += k
    g = np.zeros(len(theta))
    h = 1e-6
    for i in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        g[i] = (quantity(dict(zip(keys, up, strict=True)))
                - quantity(dict(zip(keys, down, strict=True)))) / (2 * h)
    assert np.abs(g).sum() > 0
    return float(np.sqrt(g @ V @ g))


def test_delta_method_se_of_a_total_equals_finite_differences_and_block_covariance(
        kitchen: JourneyMap, result: FitResult, exact: dict[str, dict[str, Any]]) -> None:
    # delivery reaches NPS directly and through no_errors → ease
    se = delta_se(kitchen, exact, lambda c: totals_by_paths(kitchen, c)["delivery"])
    lo, hi = result.effect("delivery").total_ci
    total = result.effect("delivery").total
    assert (hi - lo) / (2 * Z) == pytest.approx(se, rel=1e-6)
    assert (lo + hi) / 2 == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("node", ["quote", "website", "ordering", "no_errors", "ease"])
def test_delta_method_se_of_other_totals(kitchen: JourneyMap, result: FitResult,
                                         exact: dict[str, dict[str, Any]], node: str) -> None:
    se = delta_se(kitchen, exact, lambda c: totals_by_paths(kitchen, c)[node])
    lo, hi = result.effect(node).total_ci
    assert (hi - lo) / (2 * Z) == pytest.approx(se, rel=1e-6)


@pytest.mark.parametrize("role", ["installer", "sales_rep", "logistics"])
def test_delta_method_se_of_a_role_influence(kitchen: JourneyMap, result: FitResult,
                                             exact: dict[str, dict[str, Any]],
                                             role: str) -> None:
    se = delta_se(kitchen, exact,
                  lambda c: influence_by_formula(kitchen, role, totals_by_paths(kitchen, c)))
    lo, hi = result.role(role).influence_ci
    assert (hi - lo) / (2 * Z) == pytest.approx(se, rel=1e-6)


def test_nps_points_intervals_follow_the_delta_method(
        kitchen: JourneyMap, sim: Simulation, result: FitResult,
        exact: dict[str, dict[str, Any]]) -> None:
    vals = node_values(kitchen, sim.data)
    ltr = sim.data["ltr"].to_numpy()

    def room(j: str) -> Array:
        scale = kitchen.node(j).scale
        assert scale is not None
        return np.where(np.isnan(vals[j]), 0.0, np.clip(scale[1] - vals[j], 0.0, 1.0))

    def node_points(c: dict[tuple[str, str], float]) -> float:
        return nps_change(ltr, totals_by_paths(kitchen, c)["delivery"] * room("delivery"))

    def role_points(c: dict[tuple[str, str], float]) -> float:
        t = totals_by_paths(kitchen, c)
        shares = kitchen.role_shares("installer")
        return nps_change(ltr, sum(s * t[j] * room(j) for j, s in shares.items()))

    for rec, f in ((result.effect("delivery"), node_points),
                   (result.role("installer"), role_points)):
        lo, hi = rec.nps_points_ci
        assert (lo + hi) / 2 == pytest.approx(rec.nps_points, rel=1e-9)
        assert (hi - lo) / (2 * Z) == pytest.approx(delta_se(kitchen, exact, f), rel=1e-5)


# ----------------------------------------------------------- recovery, coverage


def test_large_continuous_sample_recovers_every_planted_coefficient(kitchen: JourneyMap) -> None:
    sim = simulate(kitchen, 50_000, seed=99, discrete=False, missing=EXAMPLE_MISSING)
    res = LinearEngine().fit(kitchen, continuous_survey(kitchen, sim)).result_
    planted = sim.truth["coefficients"]
    recs = records(res)
    for key, b in planted.items():
        r = recs[tuple(key.split("->"))]
        assert abs(r.estimate - b) < 4 * r.se, key
        assert r.se < 0.05
    assert len(planted) == 13


@pytest.mark.slow
def test_95_percent_intervals_cover_the_planted_truth_in_95_percent_of_replications(
        kitchen: JourneyMap) -> None:
    # 1000 replications of n = 400 continuous responses with the example blanks and one
    # fixed set of planted coefficients; binomial sd of a coverage of 0.95 is 0.0069.
    planted = simulate(kitchen, 1, seed=2026, discrete=False).truth["coefficients"]
    reps = 1000
    hits = {"edge quote→ease": 0, "total installation": 0, "influence installer": 0,
            "total quote (info)": 0}
    truth: dict[str, Any] = {}
    for r in range(reps):
        sim = simulate(kitchen, 400, seed=10_000 + r, coefficients=planted,
                       discrete=False, missing=EXAMPLE_MISSING)
        truth = sim.truth
        res = LinearEngine().fit(kitchen, continuous_survey(kitchen, sim)).result_
        lo, hi = records(res)[("quote", "ease")].ci
        hits["edge quote→ease"] += lo <= truth["coefficients"]["quote->ease"] <= hi
        lo, hi = res.effect("installation").total_ci
        hits["total installation"] += lo <= truth["total_effects"]["installation"] <= hi
        lo, hi = res.role("installer").influence_ci
        hits["influence installer"] += lo <= truth["role_influence"]["installer"] <= hi
        lo, hi = res.effect("quote").total_ci
        hits["total quote (info)"] += lo <= truth["total_effects"]["quote"] <= hi
    coverage = {k: v / reps for k, v in hits.items()}
    print("\ncoverage of 95 % intervals over", reps, "replications (n = 400):")
    for k, v in coverage.items():
        print(f"  {k:22s} {v:.3f}")
    # the installation total has an indirect path (installation → product_quality → nps)
    assert truth["total_effects"]["installation"] != planted["installation->nps"]
    for k in ("edge quote→ease", "total installation", "influence installer"):
        assert 0.93 <= coverage[k] <= 0.97, (k, coverage[k])


# ----------------------------------------------------------------------- errors


def test_an_equation_with_too_few_complete_rows_names_its_node(kitchen: JourneyMap,
                                                               sim: Simulation) -> None:
    frame = sim.data.copy()
    frame.loc[frame.index[20:], "q_support"] = pd.NA  # support only in the first 20 rows
    vals = node_values(kitchen, frame)
    cols = ["ease", *measured_parents(kitchen, "ease")]
    n_ease = int((~np.isnan(np.column_stack([vals[c] for c in cols]))).all(axis=1).sum())
    assert n_ease < 30
    with pytest.raises(DataValidationError, match=rf"'ease'.*only {n_ease} complete"):
        LinearEngine().fit(kitchen, load_survey(frame, kitchen))


def test_a_constant_parent_is_an_error_naming_it(kitchen: JourneyMap, sim: Simulation) -> None:
    frame = sim.data.copy()
    frame["q_quote"] = 3
    with pytest.raises(DataValidationError, match=r"'quote' has the same value.*'ease'"):
        LinearEngine().fit(kitchen, load_survey(frame, kitchen))


def test_perfectly_collinear_parents_are_an_error(kitchen: JourneyMap, sim: Simulation) -> None:
    frame = sim.data.copy()
    # website = 6 − quote wherever website was answered (both parents of ease)
    web = (6 - frame["q_quote"]).astype("Int64")
    frame["q_web"] = web.where(frame["q_web"].notna(), pd.NA)
    with pytest.raises(DataValidationError, match=r"'ease'.*perfectly collinear"):
        LinearEngine().fit(kitchen, load_survey(frame, kitchen))


def test_min_responses_below_the_floor_of_10_is_refused(kitchen: JourneyMap,
                                                        sim: Simulation) -> None:
    with pytest.raises(JourneymapError, match="below 10"):
        LinearEngine(min_responses=5).fit(kitchen, load_survey(sim.data, kitchen))


def test_fewer_responses_than_min_responses_is_refused(kitchen: JourneyMap,
                                                       sim: Simulation) -> None:
    with pytest.raises(DataValidationError, match=r"only 25 responses"):
        LinearEngine().fit(kitchen, load_survey(sim.data.iloc[:25], kitchen))


def test_result_before_fit_raises_not_fitted() -> None:
    with pytest.raises(NotFittedError, match="fit"):
        _ = LinearEngine().result_


def test_fit_returns_the_engine_and_keeps_its_options(kitchen: JourneyMap,
                                                      sim: Simulation) -> None:
    eng = LinearEngine(min_responses=40)
    assert eng.fit(kitchen, load_survey(sim.data, kitchen)) is eng
    assert eng.result_.options == {"min_responses": 40, "se": "hc3", "intervals": "delta"}
    assert eng.result_.engine == "linear"


# ------------------------------------------------------------------------- JSON


def test_to_dict_has_the_design_keys(result: FitResult, sim: Simulation) -> None:
    d = result.to_dict()
    assert {"schema_version", "n_responses", "nps", "edges", "effects", "roles",
            "warnings"} <= set(d)
    assert d["schema_version"] == 1
    assert d["n_responses"] == len(sim.data)
    assert set(d["nps"]) >= {"value", "ci", "promoters", "passives", "detractors", "n"}
    assert d["nps"]["n"] == len(sim.data)
    ltr = sim.data["ltr"].to_numpy()
    assert d["nps"]["promoters"] == int((ltr >= 9).sum())
    assert d["nps"]["detractors"] == int((ltr <= 6).sum())
    edge_keys = {"from", "to", "estimate", "se", "ci", "p_value", "standardized", "n", "share",
                 "expected", "agrees"}
    assert all(edge_keys <= set(e) for e in d["edges"])
    assert all({"node", "direct", "indirect", "total", "total_ci", "nps_points"} <= set(e)
               for e in d["effects"])
    role_keys = {"role", "influence", "influence_ci", "direct", "indirect", "nps_points", "paths"}
    assert all(role_keys <= set(r) for r in d["roles"])
    assert all({"nodes", "effect"} <= set(p) for r in d["roles"] for p in r["paths"])
    for e in d["edges"]:
        assert e["ci"] is None or (isinstance(e["ci"], list) and len(e["ci"]) == 2)
    assert all(isinstance(e["total_ci"], list) for e in d["effects"])
    assert isinstance(d["nps"]["ci"], list)


def test_to_dict_is_strict_json_and_round_trips(result: FitResult, kitchen: JourneyMap) -> None:
    d = result.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = FitResult.from_dict(json.loads(text), kitchen)
    assert back.to_dict() == d
    assert [r.to_dict() for r in back.edge_estimates] == d["edges"]
    assert [r.to_dict() for r in back.role_effects] == d["roles"]
    assert back == result  # the rows, the NPS and the warnings; not the fitted model
    assert back.nps == result.nps


def test_json_numbers_are_full_precision(result: FitResult) -> None:
    d = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    for rec, orig in zip(d["edges"], result.edge_estimates, strict=True):
        assert rec["estimate"] == orig.estimate  # exact, not rounded
