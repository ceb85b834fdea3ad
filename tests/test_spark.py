"""fit_spark on a local Spark session equals the in-memory fit and reports the same problems.

One module-scoped ``local[2]`` session (about 10 s to start) serves every test.
"""

from __future__ import annotations

import math
import os
import pickle
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import journeymap as jm
from journeymap.data import check_frame
from journeymap.datasets import EXAMPLE_MISSING
from journeymap.sources.spark import fit_spark
from journeymap.summary import LinearSummary

pytest.importorskip("pyspark")

from pyspark.sql import DataFrame, SparkSession

# PySpark 4.x warns on every pandas conversion when pandas >= 3 is installed.
pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas >= 3.0.0:FutureWarning")

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
    """Recursively compare records: numbers to RTOL, everything else exactly."""
    if isinstance(a, dict):
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
    expected = jm.fit(example_map, survey)
    got = fit_spark(example_map, frame)

    assert got.n_responses == expected.n_responses == N
    assert (got.nps.promoters, got.nps.passives, got.nps.detractors, got.nps.n) == (
        expected.nps.promoters, expected.nps.passives, expected.nps.detractors, expected.nps.n)
    assert got.nps.n == N - 60
    assert math.isclose(got.nps.value, expected.nps.value, rel_tol=RTOL)
    # Every edge (estimate, se, CI, p, standardized beta, n), effect (direct, indirect,
    # total, NPS points and their intervals, mean, n) and role (influence, NPS points,
    # paths) record.
    assert_close(got.edge_records, expected.edge_records, "edges")
    assert_close(got.effect_records, expected.effect_records, "effects")
    assert_close(got.role_records, expected.role_records, "roles")
    assert got.warnings == expected.warnings
    assert any("60 of 5,000 responses have no recommend" in w for w in got.warnings)
    assert got.journey_map is example_map
    estimated = [r for r in got.edge_records if r["estimate"] is not None]
    assert len(estimated) > 10
    assert all(r["se"] > 0 for r in estimated)


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
    expected = jm.fit(example_map, mixed, survey_type="relational")
    got = fit_spark(example_map, to_spark(spark, mixed), survey_type="relational")
    assert got.n_responses == expected.n_responses == int((np.arange(N) % 3 != 0).sum())
    assert got.nps.n == expected.nps.n
    assert_close(got.edge_records, expected.edge_records, "edges")
    assert_close(got.role_records, expected.role_records, "roles")


def test_a_missing_column_gives_the_in_memory_message(
        spark: SparkSession, example_map: jm.JourneyMap, survey: pd.DataFrame) -> None:
    renamed = survey.rename(columns={"q_web": "q_webb"}).head(100)
    with pytest.raises(jm.DataValidationError) as in_memory:
        jm.fit(example_map, renamed)
    with pytest.raises(jm.DataValidationError) as on_spark:
        fit_spark(example_map, spark.createDataFrame(renamed))
    assert str(on_spark.value) == str(in_memory.value)
    assert "'q_web' for node 'website' (did you mean 'q_webb'?)" in str(on_spark.value)
