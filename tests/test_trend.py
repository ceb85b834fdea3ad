"""Tests of NPS per period and of the change waterfall.

Per-period NPS is checked against pandas grouping by hand; the waterfall against a
hand computation on a small chain (least squares with numpy, path products, and the
interval-crossing rule written out here), and its bars must add up exactly to the
observed change.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import journeymap as jm
from journeymap.analysis.segments import nps_difference
from journeymap.analysis.trend import nps_trend, nps_waterfall, parse_period
from journeymap.exceptions import DataValidationError, JourneymapError
from journeymap.model import JourneyMap
from journeymap.nps import nps_score

CHAIN: dict[str, Any] = {
    "name": "Chain", "outcome": "nps",
    "nodes": [
        {"id": "nps", "kind": "outcome", "column": "ltr"},
        {"id": "team", "kind": "role"},
        {"id": "a", "kind": "touchpoint", "scale": [1, 5]},
        {"id": "b", "kind": "factor", "scale": [1, 5]},
    ],
    "edges": [["team", "a"], ["a", "b"], ["b", "nps"], ["a", "nps"]],
}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return jm.example_data(n=2000, seed=21).data


def _chain_data(seed: int, n: int = 400, *, shift: float = 0.0,
                missing: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = np.clip(np.rint(rng.normal(3.2 + shift, 1.0, n)), 1, 5)
    b = np.clip(np.rint(0.6 * a + 1.0 + rng.normal(0, 0.7, n)), 1, 5)
    ltr = np.clip(np.rint(0.9 * a + 0.8 * b + 1.2 + rng.normal(0, 1.2, n)), 0, 10)
    out = pd.DataFrame({"ltr": ltr.astype(int), "a": a, "b": b})
    if missing:
        out.loc[rng.random(n) < missing, "a"] = np.nan
    return out


def _two_months(missing: float = 0.0) -> pd.DataFrame:
    jan = _chain_data(1, missing=missing).assign(date="2026-01-15")
    feb = _chain_data(2, shift=0.4, missing=missing).assign(date="2026-02-10")
    return pd.concat([jan, feb], ignore_index=True)


# ------------------------------------------------------------------------- trend
def test_monthly_nps_matches_a_pandas_grouping(example_map: JourneyMap,
                                               frame: pd.DataFrame) -> None:
    report = nps_trend(example_map, frame)
    months = frame["date"].str[:7]
    assert report.table["period"].tolist() == sorted(months.unique())
    for row in report.table.to_dict(orient="records"):
        s = nps_score(frame.loc[months == row["period"], "ltr"].to_numpy())
        assert row["n"] == s.n
        assert row["nps"] == pytest.approx(s.value)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(s.ci)
        assert row["promoters"] == s.promoters
        assert row["detractors"] == s.detractors


def test_quarters_are_labelled_and_every_period_in_between_is_listed(
        example_map: JourneyMap, frame: pd.DataFrame) -> None:
    data = frame.copy()
    data.loc[data["date"].str.startswith("2026-0"), "date"] = "2026-02-01"
    data.loc[data.index[:50], "date"] = "2026-11-30"
    report = nps_trend(example_map, data, period="quarter")
    assert report.table["period"].tolist() == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert report.table["start"].tolist()[0] == "2026-01-01"
    assert report.table["end"].tolist()[-1] == "2026-12-31"
    empty = report.table.set_index("period").loc["2026-Q2"]
    assert empty["n"] == 0
    assert empty["suppressed"]
    assert math.isnan(empty["nps"])
    q4 = report.table.set_index("period").loc["2026-Q4"]
    assert q4["n"] == 50
    assert not q4["suppressed"]


def test_a_period_below_the_minimum_is_suppressed_with_its_n(example_map: JourneyMap,
                                                              frame: pd.DataFrame) -> None:
    data = frame.copy()
    data.loc[data.index[:12], "date"] = "2025-12-24"
    report = nps_trend(example_map, data)
    dec = report.table.set_index("period").loc["2025-12"]
    assert dec["n"] == 12
    assert dec["suppressed"]
    assert math.isnan(dec["nps"])
    assert pd.isna(dec["promoters"])
    assert any("2025-12 (n = 12)" in w for w in report.warnings)
    first = report.to_dict()["periods"][0]
    assert first["nps"] is None
    assert first["promoters"] is None
    assert first["n"] == 12


def test_blank_dates_are_left_out_and_counted(example_map: JourneyMap,
                                              frame: pd.DataFrame) -> None:
    data = frame.copy()
    data.loc[data.index[:5], "date"] = None
    report = nps_trend(example_map, data)
    assert report.n_no_date == 5
    assert int(report.table["n"].sum()) == len(data) - 5
    assert any("5 responses have no date" in w for w in report.warnings)


def test_a_date_that_is_not_a_date_names_its_row(example_map: JourneyMap,
                                                 frame: pd.DataFrame) -> None:
    data = frame.copy()
    data.loc[6, "date"] = "next tuesday"
    with pytest.raises(DataValidationError, match=r"row 7 \('next tuesday'\)"):
        nps_trend(example_map, data)


def test_datetime_columns_are_used_as_they_are(example_map: JourneyMap,
                                               frame: pd.DataFrame) -> None:
    data = frame.copy()
    data["when"] = pd.to_datetime(data["date"]).dt.tz_localize("Europe/Stockholm")
    a = nps_trend(example_map, data, date_column="when").table
    b = nps_trend(example_map, frame).table
    pd.testing.assert_frame_equal(a, b)


def test_periods_are_read_in_the_documented_forms() -> None:
    assert parse_period("2026-03", "month") == pd.Period("2026-03", "M")
    assert parse_period("2026-q1", "quarter") == pd.Period("2026Q1", "Q")
    assert parse_period("2026Q4", "quarter") == pd.Period("2026Q4", "Q")
    for text, period in (("March", "month"), ("2026-13", "month"), ("2026-Q5", "quarter")):
        with pytest.raises(JourneymapError):
            parse_period(text, period)
    with pytest.raises(JourneymapError, match="month or quarter"):
        parse_period("2026", "year")


# --------------------------------------------------------------------- waterfall
def _crossing(ltr: np.ndarray[Any, Any], delta: np.ndarray[Any, Any]) -> float:
    """NPS change by the interval-crossing rule, written out independently."""
    def shares(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        promoter = np.clip(x - 8.0, 0, 1)   # part of [x − 0.5, x + 0.5) at or above 8.5
        detractor = np.clip(7.0 - x, 0, 1)  # part below 6.5
        return promoter - detractor
    k = ltr.astype(float)
    return 100.0 * float(np.mean(shares(k + delta) - shares(k)))


def test_the_waterfall_matches_a_hand_computation_on_a_small_chain() -> None:
    m = JourneyMap.from_dict(CHAIN)
    data = _two_months(missing=0.2)
    w = nps_waterfall(m, data, "2026-01", "2026-02")
    jan = data["date"].str.startswith("2026-01").to_numpy()
    feb = ~jan
    # pooled OLS per equation on its complete rows
    rows_b = data.dropna(subset=["a", "b"])
    bab = np.linalg.lstsq(np.column_stack([np.ones(len(rows_b)), rows_b["a"]]),
                          rows_b["b"], rcond=None)[0][1]
    rows_y = data.dropna(subset=["a", "b"])
    coef_y = np.linalg.lstsq(np.column_stack([np.ones(len(rows_y)), rows_y["a"], rows_y["b"]]),
                             rows_y["ltr"], rcond=None)[0]
    bay, bby = coef_y[1], coef_y[2]
    T = {"a": bay + bab * bby, "b": bby}
    d = {j: data.loc[feb, j].mean() - data.loc[jan, j].mean() for j in ("a", "b")}
    own = {"a": d["a"], "b": d["b"] - bab * d["a"]}
    ltr_jan = data.loc[jan, "ltr"].to_numpy()
    bars = w.bars.set_index("node")
    for j in ("a", "b"):
        rated = data.loc[jan, j].notna().to_numpy()
        expect = _crossing(ltr_jan, np.where(rated, T[j] * own[j], 0.0))
        assert bars.loc[j, "total"] == pytest.approx(T[j], rel=1e-9)
        assert bars.loc[j, "own_change"] == pytest.approx(own[j], rel=1e-9)
        assert bars.loc[j, "passed_on"] == pytest.approx(d[j] - own[j], abs=1e-12)
        assert bars.loc[j, "nps_points"] == pytest.approx(expect, rel=1e-9)
    observed = nps_score(data.loc[feb, "ltr"]).value - nps_score(ltr_jan).value
    assert w.change == pytest.approx(observed)
    assert w.change_ci == nps_difference(nps_score(data.loc[feb, "ltr"]),
                                         nps_score(ltr_jan)).ci
    assert w.unexplained == pytest.approx(observed - bars["nps_points"].sum(), abs=1e-12)


def test_the_bars_add_up_exactly_to_the_observed_change(example_map: JourneyMap,
                                                        frame: pd.DataFrame) -> None:
    for a, b, period in (("2026-01", "2026-06", "month"), ("2026-Q1", "2026-Q2", "quarter"),
                         ("2026-05", "2026-02", "month")):
        w = nps_waterfall(example_map, frame, a, b, period=period)
        total = w.nps_from.value + math.fsum(w.bars["nps_points"]) + w.unexplained
        assert total == pytest.approx(w.nps_to.value, abs=1e-9)
        assert w.explained + w.unexplained == pytest.approx(w.change, abs=1e-9)
        assert len(w.bars) == len(example_map.measured_nodes) - 1
        order = np.abs(w.bars["nps_points"].to_numpy())
        assert (np.diff(order) <= 1e-12).all()


def test_own_changes_times_totals_add_up_to_what_the_outcomes_parents_explain() -> None:
    m = JourneyMap.from_dict(CHAIN)
    w = nps_waterfall(m, _two_months(), "2026-01", "2026-02")  # complete data
    bars = w.bars.set_index("node")
    est = {(e.source, e.target): e.estimate for e in w.result.edge_estimates
           if e.estimate is not None}
    explained = (est[("a", "nps")] * bars.loc["a", "mean_change"]
                 + est[("b", "nps")] * bars.loc["b", "mean_change"])
    assert bars["ltr_points"].sum() == pytest.approx(explained, rel=1e-12)


def test_the_waterfall_is_fitted_on_the_two_periods_pooled(example_map: JourneyMap,
                                                           frame: pd.DataFrame) -> None:
    w = nps_waterfall(example_map, frame, "2026-02", "2026-04")
    pooled = frame[frame["date"].str[:7].isin(["2026-02", "2026-04"])]
    direct = jm.fit(example_map, pooled)
    assert w.result.nps == direct.nps
    theirs = {e.node: e.total for e in direct.node_effects}
    for row in w.bars.to_dict(orient="records"):
        assert row["total"] == pytest.approx(theirs[row["node"]], rel=1e-10)
    assert w.to_dict()["fit"] == {"n": len(pooled), "pooled": True}


def test_the_waterfall_needs_enough_responses_in_both_periods(example_map: JourneyMap,
                                                              frame: pd.DataFrame) -> None:
    data = frame.copy()
    data.loc[data.index[:12], "date"] = "2025-12-24"
    with pytest.raises(DataValidationError, match="month 2025-12 has 12 responses"):
        nps_waterfall(example_map, data, "2025-12", "2026-03")
    with pytest.raises(JourneymapError, match="two different periods"):
        nps_waterfall(example_map, data, "2026-03", "2026-03")
    with pytest.raises(JourneymapError, match="below 10"):
        nps_waterfall(example_map, data, "2026-01", "2026-03", min_responses=5)


def test_times_with_mixed_utc_offsets_keep_their_local_calendar_day(
        example_map: JourneyMap, frame: pd.DataFrame) -> None:
    data = frame.copy()
    data["date"] = data["date"].astype(object)
    data.loc[0, "date"] = "2026-03-31T23:30:00+02:00"  # still March where it was answered
    data.loc[1, "date"] = "2026-04-01T00:10:00-05:00"
    report = nps_trend(example_map, data.iloc[:2].assign(ltr=[9, 3]), min_responses=10)
    assert report.table[["period", "n"]].values.tolist() == [["2026-03", 1], ["2026-04", 1]]
