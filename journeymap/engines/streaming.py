"""Fit the linear engine from data that never sit in memory: streamed files and Spark.

The sources (:mod:`journeymap.sources`) read and check the data and return one
:class:`~journeymap.summary.LinearSummary` (sufficient statistics) with the data
warnings; the functions here set up that summary for the engine's options, hand it to
the source, and fit :class:`~journeymap.engines.linear.LinearEngine` from it.  So the
dependencies point one way: sources know nothing of engines.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import JourneymapError
from ..limits import DEFAULT_CHUNK_ROWS, DEFAULT_MIN_RESPONSES, SPARK_BOOTSTRAP_GROUPS
from .linear import LinearEngine

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame

    from ..checkstats import CheckMoments
    from ..model import JourneyMap
    from ..sources import Progress
    from .result import FitResult

__all__ = ["fit_spark", "fit_stream"]

def fit_stream(journey_map: JourneyMap,
               source: str | Path | Iterable[pd.DataFrame] | None, *,
               survey_type: str | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS,
               progress: Progress | None = None, query: str | None = None,
               check: CheckMoments | None = None, **options: Any) -> FitResult:
    """Fit the linear engine chunk by chunk, with memory independent of the data size.

    Parameters
    ----------
    source
        A CSV / TSV / Parquet path, a DuckDB database path (with ``query``), or any
        iterable of DataFrames (e.g. from another system).
    chunk_rows
        Rows per chunk.
    progress
        Called after each chunk with (rows read, total rows or None).
    check
        Empty moments for the quick map check, filled in the same pass
        (:func:`journeymap.fit_stream` passes them and judges the map from them).
    **options
        Engine options (``min_responses``, ``se``, ``bootstrap``, ``random_state``).

    Notes
    -----
    The result has no respondent-level data, so :func:`~journeymap.analysis.what_if`
    is not available on it.  Robust standard errors are HC1 from each equation's
    fourth moments (``se_type = "hc1"``; HC3 needs every row's leverage, which one pass
    cannot give — docs/method.md, "Standard errors").

    >>> import journeymap as jm
    >>> from journeymap.engines import fit_stream
    >>> r = fit_stream(jm.example_map(), "examples/kitchen_b2b.csv", chunk_rows=1000)
    >>> r.nps.n
    3000
    """
    from ..sources import stream_summary

    engine = LinearEngine(**options)
    empty = engine.summary_for(journey_map, tuple(n.id for n in journey_map.measured_nodes))
    empty.check = check
    summary, warnings = stream_summary(journey_map, source, survey_type=survey_type,
                                       chunk_rows=chunk_rows, progress=progress, query=query,
                                       summary=empty)
    return engine.fit_summary(summary, warnings=warnings)


def fit_spark(journey_map: JourneyMap, frame: DataFrame, *, survey_type: str | None = None,
              min_responses: int = DEFAULT_MIN_RESPONSES, bootstrap: int = 0,
              bootstrap_groups: int = SPARK_BOOTSTRAP_GROUPS,
              random_state: int = 0, check: CheckMoments | None = None,
              se: str = "hc3") -> FitResult:
    """Fit the linear engine to a Spark DataFrame with one row per response.

    Parameters
    ----------
    journey_map
        The map; its measured nodes name the columns (``column`` or ``items``).
    frame
        A ``pyspark.sql.DataFrame``.  Only the map's columns and ``survey_type`` (when
        present) are read; other columns are ignored.
    survey_type
        ``"relational"`` or ``"transactional"``: keep only rows of that type (compared
        after trimming and lower-casing).  Required when the data hold both.
    min_responses
        Smallest n for the fit and for each equation (default 30, never below 10).
    bootstrap
        Number of bootstrap replicates for every interval (0 = delta method, the
        default), as ``LinearEngine(bootstrap=B)``: the rows are split at random into
        ``bootstrap_groups`` groups during the same single pass, and each replicate
        resamples the groups' moments on the driver.
    bootstrap_groups
        Number of random row groups K (default ``limits.SPARK_BOOTSTRAP_GROUPS`` = 2,000:
        every partition sends K groups' moments to the driver; at least 2).
    se
        ``"hc3"`` (robust; HC1 from fourth moments here, the default) or
        ``"classical"``.
    random_state
        Seed of the group assignment (one independent stream per partition, keyed by
        the partition number) and of the bootstrap weights.  The same data, the same
        partitioning and the same seed give the same intervals.
    check
        Empty moments for the quick map check, filled in the same Spark job
        (:func:`journeymap.fit_spark` passes them and judges the map from them).

    Returns
    -------
    FitResult
        The same numbers as :func:`journeymap.fit` on the same rows (to floating-point
        summation order) with classical errors; with ``bootstrap`` every interval is a
        bootstrap percentile interval.  It holds no respondent-level data, so
        :func:`~journeymap.analysis.what_if` is not available on it.

    Raises
    ------
    DataValidationError
        For the same problems as an in-memory fit, with the same message.  A problem
        found on an executor is raised on the driver; its row numbers count from 1
        within the Spark partition it names.

    Notes
    -----
    One pass over the data (one Spark job).  Each partition sends one pickled
    :class:`~journeymap.summary.LinearSummary` to the driver: its size depends on the
    map (Gram matrices, headroom tables), not on the number of rows; with ``bootstrap``
    it also holds the K groups' Gram matrices.  Executors need journeymap installed in
    their Python environment.
    """
    from ..sources.spark import spark_summary

    if bootstrap < 0:
        raise JourneymapError(f"the number of bootstrap replicates is {bootstrap}; give 0 "
                              "(delta-method intervals) or a positive number.")
    if bootstrap and bootstrap_groups < 2:
        raise JourneymapError(f"the number of bootstrap groups is {bootstrap_groups}; give "
                              f"at least 2 (the default is {SPARK_BOOTSTRAP_GROUPS:,}).")
    engine = LinearEngine(min_responses=min_responses, bootstrap=bootstrap,
                          bootstrap_groups=bootstrap_groups, random_state=random_state, se=se)
    summary, warnings = spark_summary(
        journey_map, frame, survey_type=survey_type,
        bootstrap_groups=bootstrap_groups if bootstrap else 0, seed=random_state, check=check,
        robust=engine.se == "hc3")
    return engine.fit_summary(summary, warnings=warnings)


