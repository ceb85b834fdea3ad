"""Tests of the driver table on the bundled example journey.

The expected numbers are computed here from the raw survey frame with pandas and
numpy: node scores (composites as the mean of answered items when at least half are
answered), least squares per equation on complete rows, totals as sums over paths
(networkx), and NPS points per respondent by the interval-crossing rule
(docs/method.md, "NPS points").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reference import node_scores, nps_points, ols_effects

import journeymap as jm
from journeymap.analysis import drivers
from journeymap.engines import FitResult

COLUMNS = ["node", "label", "kind", "stage", "direct", "indirect", "total", "total_ci_low",
           "total_ci_high", "nps_points", "nps_points_ci_low", "nps_points_ci_high", "mean",
           "n", "thin_share", "not_estimable", "direct_ci_low", "direct_ci_high",
           "indirect_ci_low", "indirect_ci_high"]




@pytest.fixture(scope="module")
def journey() -> jm.JourneyMap:
    return jm.example_map()


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return jm.example_data().data


@pytest.fixture(scope="module")
def result(journey: jm.JourneyMap, frame: pd.DataFrame) -> FitResult:
    return jm.fit(journey, frame)


@pytest.fixture(scope="module")
def table(result: FitResult) -> pd.DataFrame:
    return drivers(result)


@pytest.fixture(scope="module")
def ragged(frame: pd.DataFrame) -> pd.DataFrame:
    """The example with single delivery items left blank and some blank recommend answers."""
    df = frame.copy()
    rng = np.random.default_rng(41)
    for item in ("q_del_time", "q_del_complete"):
        df.loc[rng.random(len(df)) < 0.25, item] = pd.NA
    ltr = df["ltr"].astype("float64")
    ltr[rng.random(len(df)) < 0.05] = np.nan
    df["ltr"] = ltr
    return df


def test_one_row_per_measured_node_except_the_outcome(journey: jm.JourneyMap,
                                                      table: pd.DataFrame) -> None:
    expected = {n.id for n in journey.measured_nodes} - {journey.outcome}
    assert len(table) == len(expected) == 11
    assert set(table["node"]) == expected
    assert list(table.columns) == COLUMNS


def test_rows_are_sorted_by_absolute_nps_points(table: pd.DataFrame) -> None:
    pts = np.abs(table["nps_points"].to_numpy(dtype=float))
    assert (np.diff(pts) <= 0).all()
    assert pts[0] > pts[-1]


def test_label_kind_and_stage_come_from_the_map(journey: jm.JourneyMap,
                                                table: pd.DataFrame) -> None:
    for row in table.itertuples():
        node = journey.node(str(row.node))
        assert row.label == (node.label or node.id)
        assert row.kind == node.kind
        assert (row.stage if isinstance(row.stage, str) else None) == node.stage
    assert table.set_index("node").loc["delivery", "label"] == "Leverans (i tid, komplett, hel)"


def test_mean_and_n_equal_pandas_on_the_survey_columns(journey: jm.JourneyMap,
                                                      frame: pd.DataFrame,
                                                      table: pd.DataFrame) -> None:
    t = table.set_index("node")
    for node in journey.measured_nodes:
        if node.id == journey.outcome:
            continue
        if node.items:
            items = frame[list(node.items)].astype("float64")
            enough = items.notna().sum(axis=1) * 2 >= len(node.items)
            x = items.mean(axis=1)[enough]
        else:
            x = frame[node.column].astype("float64").dropna()
        assert t.loc[node.id, "n"] == len(x)
        assert t.loc[node.id, "mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert t.loc["support", "n"] < 0.6 * len(frame)  # 55 % did not experience support


def test_composite_mean_and_n_use_rows_with_at_least_half_of_the_items(
        journey: jm.JourneyMap, ragged: pd.DataFrame) -> None:
    t = drivers(jm.fit(journey, ragged)).set_index("node")
    rated = ragged[ragged["ltr"].notna()]  # a blank LTR leaves the row out of everything
    items = rated[["q_del_time", "q_del_complete", "q_del_condition"]].astype("float64")
    answered = items.notna().sum(axis=1)
    assert (answered == 1).any()
    assert (answered == 2).any()
    delivery = items[answered >= 2].mean(axis=1)  # 2 of 3 is at least half, 1 of 3 is not
    assert t.loc["delivery", "n"] == len(delivery)
    assert t.loc["delivery", "mean"] == pytest.approx(delivery.mean(), rel=1e-12)
    brand = rated["q_brand"].astype("float64")
    assert t.loc["brand", "n"] == brand.notna().sum() < len(ragged)
    assert t.loc["brand", "mean"] == pytest.approx(brand.mean(), rel=1e-12)


def test_total_is_direct_plus_indirect(table: pd.DataFrame) -> None:
    assert np.allclose(table["total"], table["direct"] + table["indirect"], rtol=0,
                       atol=1e-12)
    assert (table["total_ci_low"] < table["total"]).all()
    assert (table["total"] < table["total_ci_high"]).all()


def test_direct_and_total_effects_equal_least_squares_path_sums(
        journey: jm.JourneyMap, frame: pd.DataFrame, table: pd.DataFrame) -> None:
    direct, total = ols_effects(journey, node_scores(journey, frame))
    t = table.set_index("node")
    for node in direct:
        assert t.loc[node, "direct"] == pytest.approx(direct[node], abs=1e-10)
        assert t.loc[node, "total"] == pytest.approx(total[node], abs=1e-10)
    assert t.loc["website", "direct"] == 0.0  # no edge website → nps
    assert t.loc["delivery", "indirect"] > 0  # delivery → no_errors → ease → nps


def test_node_nps_points_equal_a_per_respondent_computation(
        journey: jm.JourneyMap, frame: pd.DataFrame, table: pd.DataFrame) -> None:
    scores = node_scores(journey, frame)
    _, total = ols_effects(journey, scores)
    ltr = scores[journey.outcome]
    t = table.set_index("node")
    for node_id, T in total.items():
        scale = journey.node(node_id).scale
        assert scale is not None
        headroom = np.minimum(1.0, scale[1] - scores[node_id])
        headroom[np.isnan(headroom)] = 0.0  # not experienced: gains nothing
        expected = nps_points(ltr, T * headroom)
        assert t.loc[node_id, "nps_points"] == pytest.approx(expected, abs=1e-9)
        assert t.loc[node_id, "nps_points_ci_low"] <= expected
        assert expected <= t.loc[node_id, "nps_points_ci_high"]


def test_a_result_read_back_from_json_keeps_means_and_counts(
        journey: jm.JourneyMap, result: FitResult, table: pd.DataFrame) -> None:
    back = drivers(FitResult.from_dict(result.to_dict(), journey))
    assert np.array_equal(back["mean"].to_numpy(), table["mean"].to_numpy())
    assert np.array_equal(back["n"].to_numpy(), table["n"].to_numpy())
    assert list(back["node"]) == list(table["node"])
    assert np.array_equal(back["nps_points"].to_numpy(), table["nps_points"].to_numpy())
