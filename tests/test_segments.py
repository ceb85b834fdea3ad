"""Tests of per-segment fits, segment comparison and transactional NPS per touchpoint.

Checked against independent computations: fits of the DataFrame filtered with pandas,
NPS differences by hand from the adjusted-Wald formula, interval coverage by
simulation, and a planted difference in one edge.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import journeymap as jm
from journeymap.analysis.segments import (
    TRANSACTIONAL_LABEL,
    compare_segments,
    driver_differences,
    nps_difference,
    segment_fits,
    transactional_nps,
)
from journeymap.datasets import simulate
from journeymap.exceptions import DataValidationError, JourneymapError
from journeymap.model import JourneyMap
from journeymap.nps import nps_from_counts, nps_score

Z = 1.959963984540054


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return jm.example_data(n=2400, seed=11).data


def test_a_missing_extra_column_is_an_error_that_suggests_the_closest_name(
        example_map: JourneyMap, frame: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match=r"'customer_typ'.*did you mean 'customer_type'"):
        segment_fits(example_map, frame, "customer_typ")


def test_each_segment_is_the_fit_of_that_segments_rows(example_map: JourneyMap,
                                                       frame: pd.DataFrame) -> None:
    report = segment_fits(example_map, frame, "customer_type")
    assert [s.value for s in report.segments] == ["canteen", "hotel", "restaurant"]
    for s in report.segments:
        alone = frame[frame["customer_type"] == s.value]
        direct = jm.fit(example_map, alone)
        assert s.result is not None
        assert s.nps is not None
        assert s.n == s.n_responses == len(alone)
        assert s.nps == direct.nps
        ours = {(e.source, e.target): e.estimate for e in s.result.edge_estimates}
        for e in direct.edge_estimates:
            if e.estimate is not None:
                assert ours[(e.source, e.target)] == pytest.approx(e.estimate, rel=1e-10)
        theirs = {e.node: e for e in direct.node_effects}
        for e in s.result.node_effects:
            assert e.total == pytest.approx(theirs[e.node].total, rel=1e-10)
            assert e.total_ci == pytest.approx(theirs[e.node].total_ci, rel=1e-10)
    table = report.table()
    assert table["n"].sum() == len(frame)
    assert not table["suppressed"].any()


def test_a_small_segment_is_suppressed_with_its_n_and_the_run_goes_on(
        example_map: JourneyMap, frame: pd.DataFrame) -> None:
    data = frame.copy()
    data.loc[data.index[:12], "customer_type"] = "ship"
    report = segment_fits(example_map, data, "customer_type")
    ship = report.segment("ship")
    assert ship.suppressed
    assert ship.nps is None
    assert ship.result is None
    assert ship.n == 12
    row = report.table().set_index("segment").loc["ship"]
    assert math.isnan(row["nps"])
    assert row["n"] == 12
    assert any("ship (n = 12)" in w for w in report.warnings)
    assert all(not s.suppressed for s in report.segments if s.value != "ship")
    as_json = {s["segment"]: s for s in report.to_dict()["segments"]}
    assert as_json["ship"]["nps"] is None
    assert as_json["ship"]["n"] == 12


def test_the_minimum_applies_to_valid_ltr_answers_and_may_be_raised_but_not_below_ten(
        example_map: JourneyMap, frame: pd.DataFrame) -> None:
    counts = frame["customer_type"].value_counts()
    cut = int(counts["hotel"]) + 1
    report = segment_fits(example_map, frame, "customer_type", min_responses=cut)
    assert report.segment("hotel").suppressed
    assert not report.segment("restaurant").suppressed
    with pytest.raises(JourneymapError, match="below 10"):
        segment_fits(example_map, frame, "customer_type", min_responses=9)


def test_a_segment_the_map_cannot_be_fitted_on_keeps_its_nps_and_says_why(
        example_map: JourneyMap, frame: pd.DataFrame) -> None:
    data = frame.copy()
    data.loc[data.index[:40], "customer_type"] = "ship"  # support is rated by about 45 %
    report = segment_fits(example_map, data, "customer_type")
    ship = report.segment("ship")
    assert ship.result is None
    assert ship.nps is not None
    assert ship.nps == nps_score(data["ltr"].to_numpy()[:40])
    assert ship.note is not None
    assert "could not be fitted" in ship.note
    assert "complete responses" in ship.note


def test_rows_without_a_segment_are_counted_in_a_warning(example_map: JourneyMap,
                                                         frame: pd.DataFrame) -> None:
    data = frame.copy()
    data["customer_type"] = data["customer_type"].astype(object)
    data.loc[data.index[:7], "customer_type"] = None
    data.loc[data.index[7:9], "customer_type"] = "  "
    report = segment_fits(example_map, data, "customer_type")
    assert report.n_no_segment == 9
    assert any("9 responses have no value in 'customer_type'" in w for w in report.warnings)
    assert sum(s.n for s in report.segments) == len(data) - 9


def test_numeric_segment_codes_are_read_as_text_without_decimals(
        example_map: JourneyMap, frame: pd.DataFrame) -> None:
    data = frame.copy()
    data["market"] = np.where(np.arange(len(data)) % 2 == 0, 46.0, 47.0)
    report = segment_fits(example_map, data, "market")
    assert [s.value for s in report.segments] == ["46", "47"]


def test_mixed_survey_types_are_never_pooled(example_map: JourneyMap,
                                             frame: pd.DataFrame) -> None:
    data = frame.copy()
    data["survey_type"] = np.where(np.arange(len(data)) < 300, "transactional", "relational")
    with pytest.raises(DataValidationError, match="never pooled"):
        segment_fits(example_map, data, "customer_type")
    report = segment_fits(example_map, data, "customer_type", survey_type="relational")
    assert sum(s.n for s in report.segments) == len(data) - 300
    assert report.survey_type == "relational"


# ------------------------------------------------------------------ NPS difference
def test_nps_difference_matches_a_hand_computation() -> None:
    a, b = nps_from_counts(50, 30, 20), nps_from_counts(40, 30, 30)
    d = nps_difference(a, b)
    assert d.value == pytest.approx(30.0 - 10.0)
    # adjusted shares: A p = 50.75/103, d = 20.75/103; B p = 40.75/103, d = 30.75/103
    pa, da, pb, db = 50.75 / 103, 20.75 / 103, 40.75 / 103, 30.75 / 103
    va = (pa + da - (pa - da) ** 2) / 103
    vb = (pb + db - (pb - db) ** 2) / 103
    se = 100 * math.sqrt(va + vb)
    centre = 100 * ((pa - da) - (pb - db))
    assert d.se == pytest.approx(se, rel=1e-12)
    assert d.ci == pytest.approx((centre - Z * se, centre + Z * se), rel=1e-12)
    assert d.se == pytest.approx(math.hypot(a.se, b.se), rel=1e-12)


def test_nps_difference_interval_covers_the_true_difference_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(20260601)
    pa, pb = (0.45, 0.35, 0.20), (0.35, 0.40, 0.25)
    truth = 100 * ((pa[0] - pa[2]) - (pb[0] - pb[2]))
    reps, n = 3000, 150
    ca = rng.multinomial(n, pa, size=reps)
    cb = rng.multinomial(n, pb, size=reps)
    hits = 0
    for x, y in zip(ca, cb, strict=True):
        lo, hi = nps_difference(nps_from_counts(*x), nps_from_counts(*y)).ci
        hits += lo <= truth <= hi
    coverage = hits / reps
    assert 0.935 <= coverage <= 0.965, coverage


# ------------------------------------------------------------------------ drivers
def test_driver_differences_come_from_each_fits_interval_half_widths(
        example_map: JourneyMap, frame: pd.DataFrame) -> None:
    report = segment_fits(example_map, frame, "customer_type")
    a, b = report.segment("restaurant").result, report.segment("canteen").result
    assert a is not None
    assert b is not None
    df = driver_differences(example_map, a, b).set_index("id")
    ea = {e.node: e for e in a.node_effects}
    eb = {e.node: e for e in b.node_effects}
    for node in ("delivery", "ease", "invoice"):
        se_a = (ea[node].total_ci[1] - ea[node].total_ci[0]) / (2 * Z)
        se_b = (eb[node].total_ci[1] - eb[node].total_ci[0]) / (2 * Z)
        diff = ea[node].total - eb[node].total
        se = math.sqrt(se_a ** 2 + se_b ** 2)
        row = df.loc[node]
        assert row["difference"] == pytest.approx(diff, rel=1e-12)
        assert row["se"] == pytest.approx(se, rel=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((diff - Z * se, diff + Z * se))
        assert bool(row["differs"]) == (diff - Z * se > 0 or diff + Z * se < 0)
    ra = {r.role: r for r in a.role_effects}
    assert df.loc["billing", "a"] == pytest.approx(ra["billing"].influence)
    assert set(df["kind"]) == {"node", "role"}


def test_a_planted_difference_in_one_edge_is_flagged_and_the_others_are_not() -> None:
    m = jm.example_map()
    first = simulate(m, 2500, seed=5, coefficients={"delivery->nps": 1.4})
    same = dict(first.truth["coefficients"], **{"delivery->nps": 0.2})  # only one edge differs
    strong, weak = first.data, simulate(m, 2500, seed=6, coefficients=same).data
    strong["channel"], weak["channel"] = "direct", "dealer"
    both = pd.concat([strong, weak], ignore_index=True)
    comp = compare_segments(segment_fits(m, both, "channel"), "direct", "dealer")
    rows = comp.drivers.set_index("id")
    assert rows.loc["delivery", "differs"]
    assert rows.loc["delivery", "difference"] == pytest.approx(1.2, abs=0.15)
    assert rows.loc["logistics", "differs"]  # a role acting on delivery differs too
    for node in ("brand", "invoice", "support", "quote"):
        assert not rows.loc[node, "differs"], node
    assert comp.drivers["id"].iloc[0] == "delivery"  # largest difference first
    assert comp.difference is not None
    assert comp.difference.value == pytest.approx(
        nps_score(strong["ltr"]).value - nps_score(weak["ltr"]).value)


def test_comparing_with_a_suppressed_segment_gives_no_numbers_but_no_error(
        example_map: JourneyMap, frame: pd.DataFrame) -> None:
    data = frame.copy()
    data.loc[data.index[:15], "customer_type"] = "ship"
    comp = compare_segments(segment_fits(example_map, data, "customer_type"), "ship", "hotel")
    assert comp.difference is None
    assert comp.drivers.empty
    assert comp.note is not None
    assert "ship (n = 15)" in comp.note
    assert comp.to_dict()["difference"] is None


def test_an_unknown_segment_names_the_segments(example_map: JourneyMap,
                                               frame: pd.DataFrame) -> None:
    report = segment_fits(example_map, frame, "customer_type")
    with pytest.raises(JourneymapError, match=r"Did you mean 'hotel'.*canteen, hotel"):
        compare_segments(report, "hotle", "canteen")
    with pytest.raises(JourneymapError, match="itself"):
        compare_segments(report, "hotel", "hotel")


# ------------------------------------------------------------------ transactional
def test_transactional_nps_per_touchpoint_is_the_nps_of_those_who_rated_it(
        example_map: JourneyMap, frame: pd.DataFrame) -> None:
    data = frame.copy()
    data["survey_type"] = np.where(np.arange(len(data)) % 3 == 0, "relational",
                                   "transactional")
    df = transactional_nps(example_map, data).set_index("node")
    trans = data[data["survey_type"] == "transactional"]
    assert list(df.index) == [n.id for n in example_map.measured_nodes
                              if n.kind == "touchpoint"]
    for node, col in (("support", "q_support"), ("installation", "q_install"),
                      ("brand", "q_brand")):
        rated = trans[trans[col].notna()]
        s = nps_score(rated["ltr"].to_numpy())
        row = df.loc[node]
        assert row["n"] == len(rated)
        assert row["nps"] == pytest.approx(s.value)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(s.ci)
        assert row["share"] == pytest.approx(len(rated) / len(trans))
        assert row["label_note"] == TRANSACTIONAL_LABEL.format(n=len(rated))
        assert "speaks only for customers who had this contact" in row["label_note"]


def test_transactional_nps_below_the_minimum_is_suppressed(example_map: JourneyMap,
                                                          frame: pd.DataFrame) -> None:
    data = frame.iloc[:200].copy()
    data["survey_type"] = "transactional"
    n_support = int(data["q_support"].notna().sum())
    df = transactional_nps(example_map, data, min_responses=n_support + 1).set_index("node")
    assert df.loc["support", "suppressed"]
    assert math.isnan(df.loc["support", "nps"])
    assert df.loc["support", "n"] == n_support
    assert not df.loc["brand", "suppressed"]


def test_transactional_nps_refuses_data_that_are_not_transactional(
        example_map: JourneyMap, frame: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match="survey_type"):
        transactional_nps(example_map, frame.drop(columns="survey_type"))
    checked = jm.load_survey(frame, example_map)
    with pytest.raises(DataValidationError, match="needs transactional responses"):
        transactional_nps(example_map, checked)


def test_data_errors_name_the_file_as_a_plain_fit_does(example_map: JourneyMap,
                                                        frame: pd.DataFrame,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    frame.drop(columns="q_brand").to_csv(path, index=False)
    with pytest.raises(DataValidationError) as plain:
        jm.fit(example_map, path)
    with pytest.raises(DataValidationError) as ours:
        segment_fits(example_map, path, "customer_type")
    assert str(ours.value) == str(plain.value)
    assert str(ours.value).startswith(str(path))


@pytest.mark.slow
def test_driver_difference_intervals_cover_a_true_zero_difference_about_95_percent() -> None:
    spec = {"name": "Chain", "outcome": "nps",
            "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
                      {"id": "a", "kind": "touchpoint", "scale": [1, 5]},
                      {"id": "b", "kind": "factor", "scale": [1, 5]}],
            "edges": [["a", "b"], ["b", "nps"], ["a", "nps"]]}
    m = JourneyMap.from_dict(spec)
    rng = np.random.default_rng(95)

    def draw(n: int) -> pd.DataFrame:  # both segments share one model: every difference is 0
        a = np.clip(rng.normal(3, 0.7, n), 1, 5)
        b = np.clip(0.5 * a + 1.5 + rng.normal(0, 0.6, n), 1, 5)
        ltr = np.clip(np.rint(0.2 * a + 0.6 * b + 4 + rng.normal(0, 1.0, n)), 0, 10)
        return pd.DataFrame({"ltr": ltr.astype(int), "a": a, "b": b})

    reps, hits = 250, {"a": 0, "b": 0}
    for _ in range(reps):
        diffs = driver_differences(m, jm.fit(m, draw(200)), jm.fit(m, draw(200)))
        for node in hits:
            hits[node] += not bool(diffs.set_index("id").loc[node, "differs"])
    for node, h in hits.items():
        assert 0.91 <= h / reps <= 0.99, (node, h / reps)
