"""Robust standard errors, the bootstrap and the one interval rule (docs/method.md,
"Standard errors", "Bootstrap" and "Intervals of everything computed from the coefficients").

Every number is checked against an independent computation: statsmodels' HC3/HC1
covariances of each equation's complete rows, a hand-written gradient of an indirect
effect, and a naive numpy loop that resamples rows and refits every equation.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from numpy.typing import NDArray
from typer.testing import CliRunner

import journeymap as jm
from journeymap.cli import app
from journeymap.data import SurveyData, load_survey
from journeymap.engines import FitResult, LinearEngine, fit_stream
from journeymap.engines._uncertainty import Uncertainty
from journeymap.exceptions import JourneymapError
from journeymap.model import JourneyMap
from journeymap.nps import Z95

CHAIN = {
    "outcome": "nps",
    "nodes": [
        {"id": "nps", "kind": "outcome", "column": "ltr"},
        {"id": "team", "kind": "role"},
        {"id": "x", "kind": "touchpoint", "scale": [-100, 100]},
        {"id": "med", "kind": "factor", "scale": [-100, 100]},
    ],
    "edges": [["team", "x"], ["x", "med"], ["med", "nps"], ["x", "nps"]],
}


def chain_data(n: int, seed: int, *, hetero: bool = True, gaps: bool = False) -> SurveyData:
    """x → med → y and x → y; error spread growing with |x| (heteroskedastic)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, n)
    scale = 0.3 + np.abs(x) if hetero else np.ones(n)
    med = 0.5 * x + rng.normal(0, 1, n) * scale
    y = 5 + 0.4 * med + 0.3 * x + rng.normal(0, 1, n) * scale
    if gaps:
        med[rng.random(n) < 0.2] = np.nan
    values = np.asfortranarray(np.column_stack([y, x, med]))
    return SurveyData(node_ids=("nps", "x", "med"), values=values,
                      ltr=np.clip(np.rint(y), 0, 10).astype(np.int64), n_responses=n)


def equation_rows(m: JourneyMap, data: SurveyData, child: str
                  ) -> tuple[list[str], NDArray[np.float64], NDArray[np.float64]]:
    parents = [p for p in m.parents(child) if p in data.node_ids]
    cols = [data.node_ids.index(c) for c in (*parents, child)]
    block = np.asarray(data.values[:, cols], dtype=np.float64)
    block = block[~np.isnan(block).any(axis=1)]
    return parents, block[:, :-1], block[:, -1]


def statsmodels_cov(x: NDArray[np.float64], y: NDArray[np.float64], kind: str
                    ) -> NDArray[np.float64]:
    res = sm.OLS(y, sm.add_constant(x)).fit(cov_type=kind)
    return np.asarray(res.cov_params())[1:, 1:]


@pytest.fixture(scope="module")
def kitchen() -> JourneyMap:
    return jm.example_map()


@pytest.fixture(scope="module")
def survey(kitchen: JourneyMap) -> SurveyData:
    # the example's "not experienced" blanks: every equation has its own rows
    return load_survey(jm.example_data(n=1500, seed=12).data, kitchen)


# --------------------------------------------------------------- standard errors
def test_hc3_is_the_default_and_equals_statsmodels_on_each_equations_complete_rows(
        kitchen: JourneyMap, survey: SurveyData) -> None:
    res = LinearEngine().fit(kitchen, survey).result_
    assert res.uncertainty is not None
    assert res.uncertainty["se_type"] == "hc3"
    assert res.uncertainty["interval_method"] == "delta-hc3"
    assert res.uncertainty["hc3_bound"] is None  # n = 1,500: every equation's HC3 is exact
    edges = {(e.source, e.target): e for e in res.edge_estimates}
    checked = 0
    gapped = 0
    for child in {e.target for e in res.edge_estimates if e.estimate is not None}:
        parents, x, y = equation_rows(kitchen, survey, child)
        gapped += len(y) < survey.n
        cov = statsmodels_cov(x, y, "HC3")
        ols = sm.OLS(y, sm.add_constant(x)).fit()
        for i, p in enumerate(parents):
            e = edges[(p, child)]
            assert e.se == pytest.approx(np.sqrt(cov[i, i]), rel=1e-8)
            t = ols.params[i + 1] / np.sqrt(cov[i, i])
            from scipy import stats
            assert e.p_value == pytest.approx(2 * stats.t.sf(abs(t), len(y) - x.shape[1] - 1),
                                              rel=1e-6)
            q = stats.t.ppf(0.975, len(y) - x.shape[1] - 1)
            assert e.ci == pytest.approx((e.estimate - q * e.se, e.estimate + q * e.se),
                                         rel=1e-12)
            checked += 1
    assert checked == 13
    assert gapped >= 3  # equations with "not experienced" gaps are among them


RATED = {
    "outcome": "nps",
    "nodes": [
        {"id": "nps", "kind": "outcome", "column": "ltr"},
        {"id": "a", "kind": "touchpoint", "scale": [1, 5]},
        {"id": "b", "kind": "factor", "scale": [1, 7]},
    ],
    "edges": [["a", "b"], ["a", "nps"], ["b", "nps"]],
}


def rated_survey(n: int, seed: int, *, gaps: bool = False) -> SurveyData:
    """Whole-number ratings of RATED whose error spread grows with the parents."""
    m = JourneyMap.from_dict(RATED)
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 6, n)
    b = np.clip(np.rint(1 + 1.1 * a + rng.normal(0, 0.4 * a)), 1, 7)
    ltr = np.clip(np.rint(0.5 * a + 0.6 * b + rng.normal(0, 0.5 * b)), 0, 10)
    frame = pd.DataFrame({"ltr": ltr.astype(int), "a": a.astype(float), "b": b})
    if gaps:
        frame.loc[rng.random(n) < 0.1, "a"] = np.nan
    return load_survey(frame, m)


def test_the_interval_line_says_when_the_hc3_errors_are_an_upper_bound() -> None:
    """The CLI's interval sentence names the bound and its size, √c − 1 in per cent, so the
    table does not pass c · HC0 off as the exact HC3 (and says nothing of it at small n)."""
    from journeymap.cli._tables import interval_note

    m = JourneyMap.from_dict(RATED)
    big = LinearEngine().fit(m, rated_survey(30_000, 4)).result_
    small = LinearEngine().fit(m, rated_survey(300, 4)).result_
    assert big.uncertainty is not None
    c = big.uncertainty["hc3_bound"]
    pct = f"{100 * (math.sqrt(c) - 1):.2f}"
    assert interval_note(big) == ("95 % intervals: delta method with robust (HC3) standard "
                                  f"errors (an upper bound: at most {pct} % above the exact "
                                  "ones).")
    assert interval_note(small) == "95 % intervals: delta method with robust (HC3) standard " \
        "errors."


@pytest.mark.parametrize("gaps", [False, True])
def test_at_large_n_the_fit_reports_the_bounded_hc3_and_its_factor(gaps: bool) -> None:
    """n = 30,000 whole-number ratings: every equation's leverages are provably below h̄, so
    the fit reports c · HC0 (c = (1 − h̄)⁻² ≤ 1.001, recorded as ``hc3_bound``); each SE lies
    between statsmodels' HC3 SE of the equation's complete rows and √c times it."""
    m = JourneyMap.from_dict(RATED)
    survey = rated_survey(30_000, 4, gaps=gaps)
    res = LinearEngine().fit(m, survey).result_
    assert res.uncertainty is not None
    c = res.uncertainty["hc3_bound"]
    assert c is not None
    assert 1.0 < c <= 1.001
    edges = {(e.source, e.target): e for e in res.edge_estimates}
    for child in ("b", "nps"):
        parents, x, y = equation_rows(m, survey, child)
        cov = statsmodels_cov(x, y, "HC3")
        for i, p in enumerate(parents):
            se, exact = edges[(p, child)].se, float(np.sqrt(cov[i, i]))
            assert se is not None
            assert exact * (1 - 1e-12) <= se <= math.sqrt(c) * exact * (1 + 1e-12)


def test_classical_errors_equal_statsmodels_nonrobust(kitchen: JourneyMap,
                                                      survey: SurveyData) -> None:
    res = LinearEngine(se="classical").fit(kitchen, survey).result_
    assert res.uncertainty is not None
    assert res.uncertainty["interval_method"] == "delta-classical"
    edges = {(e.source, e.target): e for e in res.edge_estimates}
    for child in ("ease", "nps"):
        parents, x, y = equation_rows(kitchen, survey, child)
        cov = statsmodels_cov(x, y, "nonrobust")
        for i, p in enumerate(parents):
            assert edges[(p, child)].se == pytest.approx(np.sqrt(cov[i, i]), rel=1e-9)


def test_a_streamed_fit_has_hc1_errors_equal_to_statsmodels(tmp_path, kitchen: JourneyMap,
                                                            survey: SurveyData) -> None:
    frame = jm.example_data(n=1500, seed=12).data
    path = tmp_path / "s.csv"
    frame.to_csv(path, index=False)
    res = fit_stream(kitchen, path, chunk_rows=1000)
    assert res.uncertainty is not None
    assert res.uncertainty["se_type"] == "hc1"
    assert res.uncertainty["interval_method"] == "delta-hc1"
    edges = {(e.source, e.target): e for e in res.edge_estimates}
    checked = 0
    for child in {e.target for e in res.edge_estimates if e.estimate is not None}:
        parents, x, y = equation_rows(kitchen, survey, child)
        cov = statsmodels_cov(x, y, "HC1")
        for i, p in enumerate(parents):
            assert edges[(p, child)].se == pytest.approx(np.sqrt(cov[i, i]), rel=1e-8)
            checked += 1
    assert checked == 13


def test_heteroskedastic_data_give_wider_robust_intervals_than_classical() -> None:
    m = JourneyMap.from_dict(CHAIN)
    data = chain_data(2000, 3)
    robust = LinearEngine().fit(m, data).result_
    classical = LinearEngine(se="classical").fit(m, data).result_
    r = robust.edge_estimates[1]
    c = classical.edge_estimates[1]
    assert r.estimate == c.estimate
    assert r.se is not None
    assert c.se is not None
    assert r.se > 1.2 * c.se


def test_an_unknown_standard_error_type_is_one_clear_error() -> None:
    with pytest.raises(JourneymapError, match="unknown standard-error type 'hc0'"):
        LinearEngine(se="hc0")


# ------------------------------------------------------------- the delta method
def test_the_indirect_effects_delta_interval_equals_the_hand_gradient() -> None:
    m = JourneyMap.from_dict(CHAIN)
    data = chain_data(800, 5, gaps=True)
    res = LinearEngine().fit(m, data).result_
    _, xm, ym = equation_rows(m, data, "med")
    _, xy, yy = equation_rows(m, data, "nps")
    b_xm = sm.OLS(ym, sm.add_constant(xm)).fit().params[1]
    b_my = sm.OLS(yy, sm.add_constant(xy)).fit().params  # const, x, med (map order)
    parents = [p for p in m.parents("nps") if p in data.node_ids]
    b_my_med = b_my[1 + parents.index("med")]
    var_xm = statsmodels_cov(xm, ym, "HC3")[0, 0]
    var_my = statsmodels_cov(xy, yy, "HC3")[parents.index("med"), parents.index("med")]
    # indirect = b_xm · b_my; gradient (b_my, b_xm); the equations are independent
    se = np.sqrt(b_my_med**2 * var_xm + b_xm**2 * var_my)
    eff = res.effect("x")
    assert eff.indirect == pytest.approx(b_xm * b_my_med, rel=1e-9)
    assert eff.indirect_ci == pytest.approx((eff.indirect - Z95 * se, eff.indirect + Z95 * se),
                                            rel=1e-6)
    # the route team → x → med → nps is the same product (share 1)
    route = next(p for p in res.role("team").paths if p.nodes == ("team", "x", "med", "nps"))
    assert route.ci == pytest.approx(eff.indirect_ci, rel=1e-6)
    # the direct effect's interval is the edge's own
    edge = next(e for e in res.edge_estimates if (e.source, e.target) == ("x", "nps"))
    assert eff.direct_ci == edge.ci


def test_the_interval_rule_takes_any_function_of_the_coefficients() -> None:
    cov = np.array([[0.04, 0.0], [0.0, 0.09]])
    unc = Uncertainty(np.array([2.0, 3.0]), cov)
    lo, hi = unc.interval(lambda t: t[:, 0] * t[:, 1])
    se = np.sqrt(3.0**2 * 0.04 + 2.0**2 * 0.09)
    assert (lo, hi) == pytest.approx((6 - Z95 * se, 6 + Z95 * se), rel=1e-8)
    reps = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    boot = Uncertainty(np.array([2.0, 2.0]), cov, reps, "bootstrap-percentile")
    assert boot.interval(lambda t: t[:, 0] + t[:, 1]) == pytest.approx(
        tuple(np.percentile([2.0, 4.0, 6.0], [2.5, 97.5])))


# ------------------------------------------------------------------- bootstrap
def naive_bootstrap(m: JourneyMap, data: SurveyData, n_boot: int, seed: int
                    ) -> dict[str, Any]:
    """Resample rows with numpy, refit every equation by lstsq, recompute totals."""
    rng = np.random.default_rng(seed)
    nodes = list(m.topological_order)
    idx = {v: i for i, v in enumerate(nodes)}
    out: dict[str, list[float]] = {"total_x": [], "indirect_x": [], "edge_x_med": [],
                                   "influence_team": []}
    n = data.n
    for _ in range(n_boot):
        rows = data.values[rng.integers(0, n, size=n)]
        A = np.zeros((len(nodes), len(nodes)))
        A[idx["team"], idx["x"]] = 1.0
        for child in ("med", "nps"):
            parents = [p for p in m.parents(child) if p in data.node_ids]
            cols = [data.node_ids.index(c) for c in (*parents, child)]
            block = rows[:, cols]
            block = block[~np.isnan(block).any(axis=1)]
            z = np.column_stack([np.ones(len(block)), block[:, :-1]])
            coef = np.linalg.lstsq(z, block[:, -1], rcond=None)[0][1:]
            for p, b in zip(parents, coef, strict=True):
                A[idx[p], idx[child]] = b
        N = np.linalg.inv(np.eye(len(nodes)) - A)
        out["total_x"].append(N[idx["x"], idx["nps"]])
        out["indirect_x"].append(N[idx["x"], idx["nps"]] - A[idx["x"], idx["nps"]])
        out["edge_x_med"].append(A[idx["x"], idx["med"]])
        out["influence_team"].append(N[idx["team"], idx["nps"]])
    return {k: tuple(np.percentile(v, [2.5, 97.5])) for k, v in out.items()}


def test_the_case_bootstrap_equals_a_naive_numpy_loop_that_resamples_rows() -> None:
    m = JourneyMap.from_dict(CHAIN)
    data = chain_data(300, 9, gaps=True)
    res = LinearEngine(bootstrap=200, random_state=7).fit(m, data).result_
    want = naive_bootstrap(m, data, 200, 7)
    assert res.uncertainty is not None
    assert res.uncertainty["interval_method"] == "bootstrap-percentile"
    assert res.uncertainty["replicates"] == 200
    assert res.uncertainty["seed"] == 7
    assert res.uncertainty["bootstrap_resamples"] == "rows"
    assert res.uncertainty["bootstrap_units"] == 300
    eff = res.effect("x")
    assert eff.total_ci == pytest.approx(want["total_x"], rel=1e-9)
    assert eff.indirect_ci == pytest.approx(want["indirect_x"], rel=1e-9)
    edge = next(e for e in res.edge_estimates if (e.source, e.target) == ("x", "med"))
    assert edge.ci == pytest.approx(want["edge_x_med"], rel=1e-9)
    assert res.role("team").influence_ci == pytest.approx(want["influence_team"], rel=1e-9)


def test_the_same_seed_gives_the_same_bootstrap_and_another_seed_another() -> None:
    m = JourneyMap.from_dict(CHAIN)
    data = chain_data(500, 8)
    a = LinearEngine(bootstrap=50, random_state=3).fit(m, data).result_
    b = LinearEngine(bootstrap=50, random_state=3).fit(m, data).result_
    c = LinearEngine(bootstrap=50, random_state=4).fit(m, data).result_
    assert a.to_json() == b.to_json()
    assert a.effect("x").total_ci != c.effect("x").total_ci


def test_the_bootstrap_reaches_every_interval_including_nps_points_and_routes() -> None:
    m = JourneyMap.from_dict(CHAIN)
    data = chain_data(400, 2)
    delta = LinearEngine().fit(m, data).result_
    boot = LinearEngine(bootstrap=100, random_state=1).fit(m, data).result_
    for a, b in zip(delta.node_effects, boot.node_effects, strict=True):
        assert a.nps_points == b.nps_points
        assert a.nps_points_ci != b.nps_points_ci
        assert a.total_ci != b.total_ci
    ra, rb = delta.role("team"), boot.role("team")
    assert ra.nps_points_ci != rb.nps_points_ci
    for pa, pb in zip(ra.paths, rb.paths, strict=True):
        assert pa.ci != pb.ci
        assert pa.nps_points_ci != pb.nps_points_ci
    w = jm.what_if(boot, {"x": 1.0})
    wd = jm.what_if(delta, {"x": 1.0})
    assert w.change == wd.change
    assert w.change_ci != wd.change_ci


def test_grouping_moves_bootstrap_widths_by_no_more_than_monte_carlo_error() -> None:
    m = JourneyMap.from_dict(CHAIN)
    data = chain_data(20_000, 4)
    B = 400
    widths = []
    for seed in range(5):
        res = LinearEngine(bootstrap=B, bootstrap_groups=2_000, random_state=seed).fit(
            m, data).result_
        assert res.uncertainty is not None
        assert res.uncertainty["bootstrap_resamples"] == "groups"
        lo, hi = res.effect("x").total_ci
        widths.append(hi - lo)
    spread = np.std(widths, ddof=1) / np.mean(widths)
    # Monte-Carlo error of a 95 % percentile width from B replicates: about 0.96/sqrt(B)
    assert spread < 2 * 0.96 / np.sqrt(B)
    delta = LinearEngine().fit(m, data).result_.effect("x").total_ci
    assert np.mean(widths) == pytest.approx(delta[1] - delta[0], rel=0.1)


# ------------------------------------------------------------------ JSON and CLI
def test_the_result_json_records_how_intervals_were_made_and_reads_back(
        kitchen: JourneyMap, survey: SurveyData) -> None:
    res = LinearEngine(bootstrap=20, random_state=5).fit(kitchen, survey).result_
    d = json.loads(res.to_json())
    assert d["uncertainty"]["interval_method"] == "bootstrap-percentile"
    assert d["uncertainty"]["replicates"] + d["uncertainty"]["bootstrap_failed"] == 20
    assert d["effects"][0]["indirect_ci"] is not None
    assert d["roles"][0]["paths"][0]["nps_points_ci"] is not None
    back = FitResult.from_dict(d, kitchen)
    assert back.uncertainty == res.uncertainty
    assert back.to_json() == res.to_json()
    # a result written before these fields existed still reads
    for e in d["effects"]:
        del e["direct_ci"], e["indirect_ci"]
    del d["uncertainty"]
    old = FitResult.from_dict(d, kitchen)
    assert old.uncertainty is None
    assert old.node_effects[0].indirect_ci is None
    assert {"indirect_ci_low", "direct_ci_high"} <= set(res.effects.columns)


def test_the_cli_bootstrap_and_seed_reach_the_tables(tmp_path) -> None:
    m, d = "examples/kitchen_b2b.yaml", "examples/kitchen_b2b.csv"
    runner = CliRunner()
    plain = runner.invoke(app, ["fit", m, d])
    boot = runner.invoke(app, ["fit", m, d, "--bootstrap", "50", "--seed", "2"])
    again = runner.invoke(app, ["fit", m, d, "--bootstrap", "50", "--seed", "2"])
    classical = runner.invoke(app, ["fit", m, d, "--se", "classical"])
    assert plain.exit_code == boot.exit_code == classical.exit_code == 0, boot.output
    assert plain.stdout != boot.stdout
    assert boot.stdout == again.stdout
    assert "delta method with robust (HC3) standard errors" in plain.stdout
    assert "bootstrap percentiles of 50 replicates resampling 3,000 rows (seed 2)" in \
        boot.stdout
    assert "classical standard errors" in classical.stdout
    bad = runner.invoke(app, ["fit", m, d, "--se", "hc9"])
    assert bad.exit_code == 2
    assert "unknown standard-error type 'hc9'" in bad.output


# -------------------------------------------------------------------- coverage
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["heteroskedastic", "skewed"])
def test_robust_95_percent_intervals_cover_the_planted_truth_93_to_97_percent(kind: str) -> None:
    from journeymap.datasets.coverage import coverage

    # 1,000 replications: the binomial sd of a 95 % coverage is 0.69 points, so 93–97 is
    # about ±3 sd; classical intervals cover about 75 % of the time on the heteroskedastic
    # data (docs/method.md, "Coverage by simulation").
    got = coverage(kind, "hc3", 1000, n=400, seed=20_000)  # type: ignore[arg-type]
    print(kind, got)
    for name, share in got.items():
        assert 0.93 <= share <= 0.97, (kind, name, share)


def test_a_roles_bootstrap_interval_is_the_what_if_of_the_role_doing_one_point_better(
        kitchen: JourneyMap, survey: SurveyData) -> None:
    res = LinearEngine(bootstrap=60, random_state=4).fit(kitchen, survey).result_
    role = res.role("installer")
    w = jm.what_if(res, {"installer": 1.0})
    assert w.change == pytest.approx(role.nps_points, rel=1e-9)
    assert w.change_ci == pytest.approx(role.nps_points_ci, rel=1e-9)
    # its routes' parts have bootstrap intervals around them
    for route in role.paths:
        assert route.nps_points_ci is not None
        assert route.ci is not None
        assert route.ci[0] <= route.effect <= route.ci[1]


def test_se_with_another_engine_than_linear_is_one_error_line() -> None:
    out = CliRunner().invoke(app, ["fit", "examples/kitchen_b2b.yaml",
                                   "examples/kitchen_b2b.csv", "--engine", "bayesnet",
                                   "--se", "classical"])
    assert out.exit_code == 2
    assert "--se is an option of the linear engine, not of 'bayesnet'." in out.output
