"""Tests of relative weights (Johnson 2000) and the importance–performance table.

Relative weights are checked three ways: against the published output of the R package
``rwa`` for ``mtcars`` (mpg on cyl, disp, hp, gear), against Johnson's construction done
directly on the data with an SVD (the orthonormal Z closest to the standardized
predictors), and against the closed form for two predictors.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import journeymap as jm
from journeymap.analysis.keydrivers import (
    ASSOCIATION_NOTE,
    QUADRANTS,
    importance_performance,
    johnson_weights,
    relative_weights,
)
from journeymap.exceptions import DataValidationError, JourneymapError
from journeymap.model import JourneyMap

# mtcars (R datasets, Henderson & Velleman 1981): mpg, cyl, disp, hp, gear.
MTCARS = np.array([
    [21, 6, 160, 110, 4], [21, 6, 160, 110, 4], [22.8, 4, 108, 93, 4],
    [21.4, 6, 258, 110, 3], [18.7, 8, 360, 175, 3], [18.1, 6, 225, 105, 3],
    [14.3, 8, 360, 245, 3], [24.4, 4, 146.7, 62, 4], [22.8, 4, 140.8, 95, 4],
    [19.2, 6, 167.6, 123, 4], [17.8, 6, 167.6, 123, 4], [16.4, 8, 275.8, 180, 3],
    [17.3, 8, 275.8, 180, 3], [15.2, 8, 275.8, 180, 3], [10.4, 8, 472, 205, 3],
    [10.4, 8, 460, 215, 3], [14.7, 8, 440, 230, 3], [32.4, 4, 78.7, 66, 4],
    [30.4, 4, 75.7, 52, 4], [33.9, 4, 71.1, 65, 4], [21.5, 4, 120.1, 97, 3],
    [15.5, 8, 318, 150, 3], [15.2, 8, 304, 150, 3], [13.3, 8, 350, 245, 3],
    [19.2, 8, 400, 175, 3], [27.3, 4, 79, 66, 4], [26, 4, 120.3, 91, 5],
    [30.4, 4, 95.1, 113, 5], [15.8, 8, 351, 264, 5], [19.7, 6, 145, 175, 5],
    [15, 8, 301, 335, 5], [21.4, 4, 121, 109, 4]], dtype=float)


def _corr(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    C = np.corrcoef(np.column_stack([X, y]), rowvar=False)
    return C[:-1, :-1], C[:-1, -1]


def test_weights_reproduce_the_published_mtcars_example_of_the_rwa_package() -> None:
    # rwa::rwa(mtcars, "mpg", c("cyl", "disp", "hp", "gear")) prints R² 0.7791896 and raw
    # weights 0.2284797, 0.2221469, 0.2321744, 0.0963886 (rescaled 29.32274, 28.50999,
    # 29.79691, 12.37037 %).
    R, r = _corr(MTCARS[:, 0], MTCARS[:, 1:])
    eps = johnson_weights(R, r)
    assert eps == pytest.approx([0.2284797, 0.2221469, 0.2321744, 0.0963886], abs=5e-8)
    assert eps.sum() == pytest.approx(0.7791896, abs=5e-8)
    assert 100 * eps / eps.sum() == pytest.approx([29.32274, 28.50999, 29.79691, 12.37037],
                                                  abs=5e-6)


def test_weights_equal_johnsons_construction_done_on_the_data_with_an_svd() -> None:
    rng = np.random.default_rng(7)
    n, k = 500, 4
    X = rng.normal(size=(n, k)) @ rng.normal(size=(k, k))  # correlated predictors
    y = X @ np.array([0.5, -0.2, 0.3, 0.0]) + rng.normal(size=n)
    Xs = (X - X.mean(0)) / X.std(0, ddof=1)
    ys = (y - y.mean()) / y.std(ddof=1)
    U, _, Vt = np.linalg.svd(Xs, full_matrices=False)
    Z = (U @ Vt) * math.sqrt(n - 1)  # orthogonal, unit variance, closest to Xs
    beta = np.linalg.lstsq(Z, ys, rcond=None)[0]
    lam = np.linalg.lstsq(Z, Xs, rcond=None)[0]  # lam[k, j]: x_j on z_k
    expected = (lam.T ** 2) @ (beta ** 2)
    R, r = _corr(y, X)
    assert johnson_weights(R, r) == pytest.approx(expected, rel=1e-9)
    r2 = 1 - np.sum((ys - Xs @ np.linalg.lstsq(Xs, ys, rcond=None)[0]) ** 2) / np.sum(ys ** 2)
    assert johnson_weights(R, r).sum() == pytest.approx(r2, rel=1e-9)


def test_two_predictors_follow_the_closed_form() -> None:
    rho, r1, r2 = 0.6, 0.5, 0.3
    a = (math.sqrt(1 + rho) + math.sqrt(1 - rho)) / 2
    b = (math.sqrt(1 + rho) - math.sqrt(1 - rho)) / 2
    # β = L⁻¹ r with L = [[a, b], [b, a]]
    det = a * a - b * b
    b1, b2 = (a * r1 - b * r2) / det, (a * r2 - b * r1) / det
    eps = johnson_weights(np.array([[1, rho], [rho, 1]]), np.array([r1, r2]))
    assert eps == pytest.approx([a * a * b1 * b1 + b * b * b2 * b2,
                                 b * b * b1 * b1 + a * a * b2 * b2], rel=1e-12)
    ols_r2 = (r1 ** 2 + r2 ** 2 - 2 * rho * r1 * r2) / (1 - rho ** 2)
    assert eps.sum() == pytest.approx(ols_r2, rel=1e-12)


def test_uncorrelated_predictors_get_their_squared_correlations() -> None:
    assert johnson_weights(np.eye(3), np.array([0.1, -0.4, 0.2])) == pytest.approx(
        [0.01, 0.16, 0.04])


def test_weights_of_survey_data_use_the_complete_rows_and_sum_to_the_ols_r2(
        example_map: JourneyMap) -> None:
    frame = jm.example_data(n=3000, seed=8).data
    rw = relative_weights(example_map, frame)
    ids = [n.id for n in example_map.measured_nodes if n.id != "nps"]
    assert set(rw.predictors) == set(ids)
    assert rw.basis == "all (complete rows)"
    data = jm.load_survey(frame, example_map)
    X = np.column_stack([data.column(j) for j in ids])
    keep = ~np.isnan(X).any(axis=1)
    X, y = X[keep], data.ltr[keep].astype(float)
    assert rw.n == int(keep.sum())
    Xc = np.column_stack([np.ones(len(y)), X])
    resid = y - Xc @ np.linalg.lstsq(Xc, y, rcond=None)[0]
    r2 = 1 - resid @ resid / np.sum((y - y.mean()) ** 2)
    assert rw.r_squared == pytest.approx(r2, rel=1e-9)
    assert rw.table["share"].sum() == pytest.approx(1.0)
    assert (np.diff(rw.table["weight"].to_numpy()) <= 0).all()
    assert rw.to_dict()["note"] == ASSOCIATION_NOTE


def test_the_parents_option_uses_only_the_outcomes_measured_parents(
        example_map: JourneyMap) -> None:
    frame = jm.example_data(n=1500, seed=8).data
    rw = relative_weights(example_map, frame, predictors="parents")
    assert set(rw.predictors) == set(example_map.parents("nps"))
    chosen = relative_weights(example_map, frame, predictors=["brand", "quote"])
    assert chosen.predictors == ("brand", "quote")
    assert chosen.n == 1500  # both always rated


def test_bad_predictor_sets_are_clear_errors(example_map: JourneyMap) -> None:
    frame = jm.example_data(n=200, seed=8).data
    with pytest.raises(JourneymapError, match="no node 'brnd'"):
        relative_weights(example_map, frame, predictors=["brnd"])
    with pytest.raises(JourneymapError, match="not a measured node"):
        relative_weights(example_map, frame, predictors=["nps"])
    with pytest.raises(JourneymapError, match="'all', 'parents'"):
        relative_weights(example_map, frame, predictors="some")
    with pytest.raises(DataValidationError, match="complete responses"):
        relative_weights(example_map, frame.iloc[:60])
    twin = frame.copy()
    twin["q_quote"] = twin["q_brand"]
    with pytest.raises(DataValidationError, match="collinear"):
        relative_weights(example_map, twin, predictors=["brand", "quote"])


# ------------------------------------------------------------ importance–performance
def test_importance_performance_matches_a_hand_computation(example_map: JourneyMap) -> None:
    frame = jm.example_data(n=2500, seed=9).data
    result = jm.fit(example_map, frame)
    ipa = importance_performance(result)
    rw = relative_weights(example_map, frame)
    effects = {e.node: e for e in result.node_effects}
    rows = ipa.set_index("node")
    for node, col, hi in (("delivery", None, 5), ("support", "q_support", 5),
                          ("ease", "q_ease", 7)):
        if col is None:
            x = frame[["q_del_time", "q_del_complete", "q_del_condition"]].mean(axis=1)
        else:
            x = frame[col].dropna().astype(float)
        lo = 1
        row = rows.loc[node]
        assert row["causal_total"] == pytest.approx(effects[node].total)
        assert row["relative_weight"] == pytest.approx(rw.weight(node))
        assert row["mean"] == pytest.approx(x.mean())
        assert row["performance"] == pytest.approx(100 * (x.mean() - lo) / (hi - lo))
        assert row["headroom"] == pytest.approx(float((x < hi).mean()))
        assert row["n"] == len(x)
    imp_cut = float(np.median(ipa["causal_total"]))
    perf_cut = float(np.median(ipa["performance"]))
    assert ipa.attrs["importance_cut"] == pytest.approx(imp_cut)
    for row in ipa.to_dict(orient="records"):
        key = (row["causal_total"] >= imp_cut, row["performance"] >= perf_cut)
        assert row["quadrant"] == QUADRANTS[key]
    assert set(ipa["quadrant"]) <= set(QUADRANTS.values())


def test_quadrants_follow_given_cuts(example_map: JourneyMap) -> None:
    frame = jm.example_data(n=1500, seed=9).data
    result = jm.fit(example_map, frame)
    everything_matters = importance_performance(result, importance_cut=-1.0,
                                                performance_cut=101.0)
    assert set(everything_matters["quadrant"]) == {"fix first"}
    nothing_matters = importance_performance(result, importance_cut=99.0, performance_cut=0.0)
    assert set(nothing_matters["quadrant"]) == {"don't over-invest"}


def test_importance_performance_needs_the_responses(example_map: JourneyMap) -> None:
    frame = jm.example_data(n=500, seed=9).data
    result = jm.fit(example_map, frame)
    read_back = jm.FitResult.from_dict(result.to_dict(), example_map)
    with pytest.raises(JourneymapError, match="needs the responses"):
        importance_performance(read_back)
    ipa = importance_performance(read_back, jm.load_survey(frame, example_map))
    assert isinstance(ipa, pd.DataFrame)
    assert len(ipa) == 11
