"""fit_spark on a local Spark session equals the in-memory fit and reports the same problems.

One module-scoped ``local[2]`` session (about 10 s to start) serves every test.
"""

from __future__ import annotations

import math
import os
import pickle
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from reference import node_scores, ols_effects

import journeymap as jm
from journeymap.data import check_frame, load_survey
from journeymap.datasets import EXAMPLE_MISSING
from journeymap.engines import EdgeEstimate, Effect, RoleEffect, fit_spark
from journeymap.engines._bootstrap import bootstrap_totals
from journeymap.limits import SPARK_BOOTSTRAP_GROUPS
from journeymap.sources.spark import _partition_summary, spark_summary
from journeymap.summary import LinearSummary

pytest.importorskip("pyspark")

from pyspark.sql import DataFrame, SparkSession

# PySpark 4.x warns on every pandas conversion when pandas >= 3 is installed.  The
# Spark session takes seconds to start: the module is left out of `make test-fast`.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas >= 3.0.0:FutureWarning")]

RTOL = 1e-9
ATOL = 1e-12  # for quantities that are 0 in exact arithmetic (e.g. indirect = total − direct)
N = 5000
SEED = 11


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    env = {k: os.environ.get(k) for k in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON")}
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[2]").appName("journeymap-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.default.parallelism", "4")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def example_map() -> jm.JourneyMap:
    return jm.example_map()


@pytest.fixture(scope="module")
def survey(example_map: jm.JourneyMap) -> pd.DataFrame:
    """5000 simulated responses with the example's missingness and 60 blank LTRs."""
    data = jm.simulate(example_map, N, SEED, missing=EXAMPLE_MISSING).data
    ltr = data["ltr"].astype("Int64")
    ltr.iloc[np.random.default_rng(SEED).choice(N, 60, replace=False)] = None  # → <NA>
    return data.assign(ltr=ltr)


def to_spark(spark: SparkSession, frame: pd.DataFrame, partitions: int = 4) -> DataFrame:
    return spark.createDataFrame(frame).repartition(partitions)


def assert_close(a: Any, b: Any, where: str) -> None:
    """Recursively compare rows (as their JSON dicts): numbers to RTOL, the rest exactly."""
    if hasattr(a, "to_dict"):
        assert_close(a.to_dict(), b.to_dict(), where)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            assert_close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and not isinstance(b, bool):
        assert isinstance(b, float | int), where
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(
            a, b, rel_tol=RTOL, abs_tol=ATOL), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def test_the_example_map_and_its_summary_survive_pickling(example_map: jm.JourneyMap,
                                                          survey: pd.DataFrame) -> None:
    # Computing the cached properties first: their values travel in the pickle too.
    cached = (example_map.topological_order, example_map.warnings, example_map.node_index)
    copy = pickle.loads(pickle.dumps(example_map))
    assert copy == example_map
    assert (copy.topological_order, copy.warnings, copy.node_index) == cached
    assert copy.role_shares("installer") == example_map.role_shares("installer")
    chunk = check_frame(survey.reset_index(drop=True), example_map)
    summary = LinearSummary.for_map(example_map, chunk.node_ids)
    summary.update(chunk.values, chunk.ltr, n_rows=chunk.n_rows, integer=chunk.integer,
                   item_moments=chunk.item_moments)
    back = pickle.loads(pickle.dumps(summary))
    assert back.n_rows == summary.n_rows == N
    np.testing.assert_array_equal(back.ltr_counts, summary.ltr_counts)
    np.testing.assert_array_equal(back.stats.moments(0).gram, summary.stats.moments(0).gram)


def test_spark_fit_of_four_partitions_equals_the_in_memory_fit(
        spark: SparkSession, example_map: jm.JourneyMap, survey: pd.DataFrame) -> None:
    frame = to_spark(spark, survey)
    assert frame.rdd.getNumPartitions() == 4
    expected = jm.fit(example_map, survey, se="classical")
    got = fit_spark(example_map, frame, se="classical")

    assert got.n_responses == expected.n_responses == N
    assert (got.nps.promoters, got.nps.passives, got.nps.detractors, got.nps.n) == (
        expected.nps.promoters, expected.nps.passives, expected.nps.detractors, expected.nps.n)
    assert got.nps.n == N - 60
    assert math.isclose(got.nps.value, expected.nps.value, rel_tol=RTOL)
    # Every edge (estimate, se, CI, p, standardized beta, n), effect (direct, indirect,
    # total, NPS points and their intervals, mean, n) and role (influence, NPS points,
    # paths) record.
    assert_close(got.edge_estimates, expected.edge_estimates, "edges")
    assert_close(got.node_effects, expected.node_effects, "effects")
    assert_close(got.role_effects, expected.role_effects, "roles")
    assert got.warnings == expected.warnings
    assert any("60 of 5,000 responses have no recommend" in w for w in got.warnings)
    assert got.journey_map is example_map
    estimated = [r for r in got.edge_estimates if r.estimate is not None]
    assert len(estimated) > 10
    assert all(r.se > 0 for r in estimated)


def test_text_in_a_rating_column_names_column_value_and_partition(
        spark: SparkSession, example_map: jm.JourneyMap, survey: pd.DataFrame) -> None:
    bad = survey.assign(q_web=survey["q_web"].astype(str))  # a text column in Spark
    bad.loc[1234, "q_web"] = "good"
    with pytest.raises(jm.DataValidationError) as in_memory:
        jm.fit(example_map, bad)
    with pytest.raises(jm.DataValidationError, match=r"column 'q_web'.*'good'.*Spark partition"):
        fit_spark(example_map, to_spark(spark, bad))
    # In one partition the row numbers are those of the data as given.
    with pytest.raises(jm.DataValidationError) as one:
        fit_spark(example_map, spark.createDataFrame(bad).coalesce(1))
    assert str(one.value).startswith(str(in_memory.value))
    assert "row 1235 ('good')" in str(one.value)


@pytest.mark.parametrize("within", [True, False],
                         ids=["within-each-partition", "across-partitions"])
def test_mixed_survey_types_are_an_error_with_the_counts(
        spark: SparkSession, example_map: jm.JourneyMap, survey: pd.DataFrame,
        within: bool) -> None:
    last = np.arange(N) >= N - 1000
    mixed = survey.assign(survey_type=np.where(last, "transactional", "relational"))
    # Shuffled rows put both types in every partition; partitioning by type gives each
    # partition one type (or none: empty partitions are summarised too).
    frame = to_spark(spark, mixed) if within else \
        spark.createDataFrame(mixed).repartition(4, "survey_type")
    if not within:
        types = frame.rdd.glom().map(lambda rows: {r["survey_type"] for r in rows}).collect()
        assert all(len(t) <= 1 for t in types)
    with pytest.raises(jm.DataValidationError,
                       match="mix 4,000 relational and 1,000 transactional responses"):
        fit_spark(example_map, frame)


def test_survey_type_keeps_only_rows_of_that_type_like_the_in_memory_fit(
        spark: SparkSession, example_map: jm.JourneyMap, survey: pd.DataFrame) -> None:
    kinds = np.where(np.arange(N) % 3 == 0, " Transactional", "relational ")
    mixed = survey.assign(survey_type=kinds)
    expected = jm.fit(example_map, mixed, survey_type="relational", se="classical")
    got = fit_spark(example_map, to_spark(spark, mixed), survey_type="relational",
                    se="classical")
    assert got.n_responses == expected.n_responses == int((np.arange(N) % 3 != 0).sum())
    assert got.nps.n == expected.nps.n
    assert_close(got.edge_estimates, expected.edge_estimates, "edges")
    assert_close(got.role_effects, expected.role_effects, "roles")


def test_a_missing_column_gives_the_in_memory_message(
        spark: SparkSession, example_map: jm.JourneyMap, survey: pd.DataFrame) -> None:
    renamed = survey.rename(columns={"q_web": "q_webb"}).head(100)
    with pytest.raises(jm.DataValidationError) as in_memory:
        jm.fit(example_map, renamed)
    with pytest.raises(jm.DataValidationError) as on_spark:
        fit_spark(example_map, spark.createDataFrame(renamed))
    assert str(on_spark.value) == str(in_memory.value)
    assert "'q_web' for node 'website' (did you mean 'q_webb'?)" in str(on_spark.value)


# Bootstrap on Spark: one independent group stream per partition.

B = 1000
K = 200


def _without(rows: Sequence[EdgeEstimate | Effect | RoleEffect], *keys: str
             ) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.to_dict().items() if k not in keys} for r in rows]


def _group_sizes(summary: LinearSummary) -> np.ndarray:
    """Rows in each bootstrap group."""
    return summary.group_rows.astype(np.int64)


def test_spark_bootstrap_keeps_the_in_memory_point_estimates(
        spark: SparkSession, example_map: jm.JourneyMap, survey: pd.DataFrame) -> None:
    expected = jm.fit(example_map, survey, se="classical")
    got = fit_spark(example_map, to_spark(spark, survey), bootstrap=200, random_state=3,
                    se="classical")
    assert got.options["intervals"] == "bootstrap"
    assert (got.options["bootstrap"], got.options["bootstrap_groups"]) == (
        200, SPARK_BOOTSTRAP_GROUPS)
    assert got.uncertainty is not None
    assert got.uncertainty["bootstrap_failed"] == 0
    assert got.uncertainty["interval_method"] == "bootstrap-percentile"
    # Everything but the intervals (every one is a bootstrap percentile interval now).
    cis = ("ci", "total_ci", "direct_ci", "indirect_ci", "nps_points_ci", "influence_ci",
           "paths")
    assert_close(_without(got.edge_estimates, *cis), _without(expected.edge_estimates, *cis),
                 "edges")
    assert_close(_without(got.node_effects, *cis),
                 _without(expected.node_effects, *cis), "effects")
    assert_close(_without(got.role_effects, *cis),
                 _without(expected.role_effects, *cis), "roles")
    for r in got.node_effects:
        lo, hi = r.total_ci
        assert lo < r.total < hi, r.node


def test_spark_bootstrap_intervals_are_reproducible_for_the_same_seed_and_partitioning(
        spark: SparkSession, example_map: jm.JourneyMap, survey: pd.DataFrame) -> None:
    frame = to_spark(spark, survey)
    first = fit_spark(example_map, frame, bootstrap=100, random_state=7)
    again = fit_spark(example_map, frame, bootstrap=100, random_state=7)
    rebuilt = fit_spark(example_map, to_spark(spark, survey), bootstrap=100, random_state=7)
    other = fit_spark(example_map, frame, bootstrap=100, random_state=8)

    def intervals(result: jm.FitResult) -> list[tuple[float, float] | None]:
        return [r.total_ci for r in result.node_effects] + \
            [r.influence_ci for r in result.role_effects]

    assert intervals(first) == intervals(again) == intervals(rebuilt)
    assert intervals(first) != intervals(other)


def test_spark_bootstrap_standard_errors_match_in_memory_delta_and_row_bootstrap(
        spark: SparkSession, example_map: jm.JourneyMap, survey: pd.DataFrame) -> None:
    """Replicate SDs of every total: Spark groups vs the in-memory groups, the delta
    method, and an independent row-resampling bootstrap of exact OLS (tests/reference)."""
    order = example_map.topological_order
    merged, _ = spark_summary(example_map, to_spark(spark, survey), survey_type=None,
                               bootstrap_groups=K, seed=1)
    spark_reps, failed = bootstrap_totals(merged, B, seed=1)
    assert failed == 0
    data = load_survey(survey, example_map)
    local = LinearSummary.for_map(example_map, data.node_ids, bootstrap_groups=K, seed=1)
    local.update(data.values, data.ltr, n_rows=data.n_responses)
    memory_reps, _ = bootstrap_totals(local, B, seed=1)

    scores = node_scores(example_map, survey)
    n = len(scores[example_map.outcome])
    rng = np.random.default_rng(SEED)
    rows = [ols_effects(example_map, {k: v[i] for k, v in scores.items()})[1]
            for i in (rng.integers(0, n, n) for _ in range(300))]

    delta = jm.fit(example_map, survey)
    for r in delta.node_effects:
        j = order.index(r.node)
        se_spark = float(spark_reps[:, j].std(ddof=1))
        se_memory = float(memory_reps[:, j].std(ddof=1))
        se_delta = (r.total_ci[1] - r.total_ci[0]) / (2 * 1.959963984540054)
        se_rows = float(np.std([x[r.node] for x in rows], ddof=1))
        for name, other in (("in-memory", se_memory), ("delta", se_delta), ("rows", se_rows)):
            assert abs(se_spark / other - 1) < 0.25, (r.node, name, se_spark, other)


def test_partitions_with_identical_rows_get_different_bootstrap_groups(
        spark: SparkSession, example_map: jm.JourneyMap) -> None:
    rows = jm.simulate(example_map, 2000, SEED).data  # no missing values, no blank LTR
    chunk = check_frame(rows, example_map)

    def filled(partition: int) -> LinearSummary:
        s = _partition_summary(example_map, partition, bootstrap_groups=K, seed=4)
        s.update(chunk.values, chunk.ltr, n_rows=chunk.n_rows)
        return s

    # Partition p draws its groups from the p-th stream SeedSequence([seed, 0]).spawn would
    # give; the single-stream (non-Spark) summary keeps default_rng([seed, 0]).
    for p in (0, 1, 5):
        child = np.random.SeedSequence([4, 0]).spawn(p + 1)[p]
        draws = np.random.default_rng(child).integers(0, K, 2000)
        np.testing.assert_array_equal(_group_sizes(filled(p)), np.bincount(draws, minlength=K))
    single = LinearSummary.for_map(example_map, chunk.node_ids, bootstrap_groups=K, seed=4)
    single.update(chunk.values, chunk.ltr, n_rows=chunk.n_rows)
    np.testing.assert_array_equal(
        _group_sizes(single),
        np.bincount(np.random.default_rng([4, 0]).integers(0, K, 2000), minlength=K))
    assert not np.array_equal(_group_sizes(filled(0)), _group_sizes(filled(1)))

    # On Spark: two partitions holding the same rows in the same order.
    schema = spark.createDataFrame(rows.head(1)).schema
    records = [tuple(r) for r in rows.itertuples(index=False)]
    copies = spark.sparkContext.parallelize([0, 1], 2).flatMap(lambda _: records)
    frame = spark.createDataFrame(copies, schema)
    halves = frame.rdd.glom().map(lambda part: [tuple(r) for r in part]).collect()
    assert len(halves) == 2
    assert halves[0] == halves[1] == records
    merged, _ = spark_summary(example_map, frame, survey_type=None, bootstrap_groups=K,
                               seed=4)
    sizes = _group_sizes(merged)
    assert sizes.sum() == 4000
    # The same stream in both partitions would double every group (all sizes even).
    assert (sizes % 2).any()
    np.testing.assert_array_equal(sizes, _group_sizes(filled(0)) + _group_sizes(filled(1)))


def test_a_spark_fit_gives_the_same_map_check_and_warning_as_the_fit_in_memory(
        spark: SparkSession) -> None:
    from test_fit_check import CHAIN, TRUTH, same_check, with_blanks

    survey = with_blanks(jm.simulate(TRUTH, 1500, 3).data)
    expected = jm.fit(CHAIN, survey)
    got = jm.fit_spark(CHAIN, to_spark(spark, survey))
    assert expected.map_check is not None
    assert got.map_check is not None
    assert expected.map_check["rejected"]
    same_check(got.map_check, expected.map_check)
    assert list(got.warnings) == list(expected.warnings)
    assert jm.fit_spark(CHAIN, to_spark(spark, survey), check_map=False).map_check is None
