"""Summarise a Spark DataFrame for a journey map: one pass, one small summary per partition.

Every partition is checked and summarised on the executors (``mapInPandas``): each
Arrow batch goes through :func:`~journeymap.data.check_frame` and is added into a
:class:`~journeymap.summary.LinearSummary`, which is pickled and sent to the driver
as one row.  The driver merges the summaries (:meth:`LinearSummary.merge` adds
Gram matrices, headroom tables and counts); the linear engine fits from the merged
summary (:func:`journeymap.engines.fit_spark`), so the estimates equal an in-memory
fit of the same rows up to floating-point summation order.  Memory on an executor is
one Arrow batch plus one summary; the data never reach the driver.

With ``bootstrap=B`` every partition also sends each of its rows at random to one of
K bootstrap groups (:meth:`LinearSummary.for_map` with ``bootstrap_groups``).  Each
partition draws from its own random stream, ``SeedSequence([random_state, rows so
far], spawn_key=(partition,))`` — the streams numpy's ``SeedSequence.spawn`` would
give — so rows of different partitions get independent groups, and the result is
the same on every run over the same data and partitioning.

Use it with ``from journeymap.engines import fit_spark``; importing journeymap never
imports pyspark.  See ``docs/spark.md``.
"""

from __future__ import annotations

import copy
import functools
import pickle
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pandas as pd

from ..data import (
    SURVEY_TYPES,
    alpha_from_moments,
    alpha_warnings,
    blank_ltr_warning,
    check_frame,
    outcome_warnings,
)
from ..exceptions import DataValidationError
from ..summary import LinearSummary

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from ..checkstats import CheckMoments
    from ..model import JourneyMap

__all__ = ["spark_summary"]

NAME = "the data"
_SCHEMA = "partition int, summary binary, survey_types string, error string"
_MIXED = (
    "{name}: the data mix {relational:,} relational and {transactional:,} transactional "
    "responses. They are different instruments and are never pooled: choose one "
    "(survey_type='relational' or survey_type='transactional')."
)


def spark_summary(journey_map: JourneyMap, frame: DataFrame, *, survey_type: str | None = None,
                  bootstrap_groups: int = 0, seed: int = 0, check: CheckMoments | None = None,
                  robust: bool = False
                  ) -> tuple[LinearSummary, list[str]]:
    """The merged summary of every partition (one Spark job) and the data warnings.

    Parameters
    ----------
    journey_map
        The map; its measured nodes name the columns (``column`` or ``items``).
    frame
        A ``pyspark.sql.DataFrame`` with one row per response.  Only the map's columns
        and ``survey_type`` (when present) are read; other columns are ignored.
    survey_type
        ``"relational"`` or ``"transactional"``: keep only rows of that type (compared
        after trimming and lower-casing).  Required when the data hold both.
    bootstrap_groups
        Number of random row groups K for bootstrap intervals (0: none).
    seed
        Seed of the group assignment (one independent stream per partition, keyed by
        the partition number).
    check
        Empty moments for the quick map check: every partition fills a copy, and
        ``check`` itself becomes their sum (it is the returned summary's ``check``).
    robust
        Also accumulate each equation's fourth moments, for HC1 standard errors.

    Returns
    -------
    tuple of LinearSummary and list of str
        The sufficient statistics of every checked row and the data warnings; the
        linear engine fits from them (:func:`journeymap.engines.fit_spark` does both).

    Raises
    ------
    DataValidationError
        For the same problems as an in-memory fit, with the same message.  A problem
        found on an executor is raised on the driver; its row numbers count from 1
        within the Spark partition it names.
    """
    from pyspark.sql import functions as sf

    # The same messages as in memory for a missing column, a missing survey_type
    # column or an invalid survey_type value, before any Spark job runs.
    present = list(frame.columns)
    check_frame(pd.DataFrame(columns=present), journey_map, name=NAME, survey_type=survey_type)
    columns = list(dict.fromkeys(c for n in journey_map.measured_nodes for c in n.columns))
    has_type = "survey_type" in present
    if has_type:
        columns.append("survey_type")
    selected = frame.select(*[sf.col(f"`{c}`") for c in columns])
    if survey_type is not None:
        kind = sf.lower(sf.trim(sf.col("survey_type")))
        # Rows of the other known type go; rows with an unknown type stay, so that the
        # executors report them as an in-memory fit would.
        selected = selected.filter((kind == survey_type) | ~kind.isin(*SURVEY_TYPES))

    fn = functools.partial(_summarize_partition, journey_map=journey_map,
                           survey_type=survey_type, bootstrap_groups=bootstrap_groups,
                           seed=seed, check=check, robust=robust)
    rows = selected.mapInPandas(fn, schema=_SCHEMA).collect()

    types: set[str] = set()
    errors: list[tuple[int, str]] = []
    parts: list[LinearSummary] = []
    for row in rows:
        if row["survey_types"]:
            types.update(row["survey_types"].split(","))
        if row["error"] is not None:
            errors.append((row["partition"], row["error"]))
        elif row["summary"] is not None:
            parts.append(pickle.loads(row["summary"]))
    if survey_type is None and len(types) > 1:
        raise DataValidationError(_MIXED.format(name=NAME, **_type_counts(frame)))
    if errors:
        partition, message = min(errors)
        raise DataValidationError(
            f"{message} Row numbers count from 1 within Spark partition {partition}.")

    summary = LinearSummary.for_map(journey_map, [n.id for n in journey_map.measured_nodes],
                                    bootstrap_groups=bootstrap_groups, seed=seed, robust=robust)
    summary.check = check
    for part in parts:
        summary.merge(part)
    summary.survey_type = survey_type if survey_type is not None else (
        types.pop() if types else None)
    if summary.n_rows == 0:
        if survey_type is not None:
            raise DataValidationError(f"{NAME}: no responses of survey type '{survey_type}'.")
        raise DataValidationError(f"{NAME}: there are no responses (no data rows).")
    if summary.n == 0:
        raise DataValidationError(
            f"{NAME}: every row has a blank recommend answer (column "
            f"'{journey_map.outcome_node.column}'); nothing to analyse.")
    alphas = {k: alpha_from_moments(g) for k, g in summary.item_moments.items()}
    warnings = (outcome_warnings(journey_map, summary.ltr_counts)
                + alpha_warnings(journey_map, alphas)
                + blank_ltr_warning(summary.n_rows - summary.n, summary.n_rows))
    return summary, warnings


def _partition_summary(journey_map: JourneyMap, partition: int, *, bootstrap_groups: int = 0,
                      seed: int = 0, check: CheckMoments | None = None,
                      robust: bool = False) -> LinearSummary:
    """The empty summary one Spark partition fills: its bootstrap groups are drawn from
    the stream ``SeedSequence([seed, rows so far], spawn_key=(partition,))``; with
    ``check``, a copy of those (empty) check moments."""
    summary = LinearSummary.for_map(journey_map, [n.id for n in journey_map.measured_nodes],
                                    bootstrap_groups=bootstrap_groups, seed=seed,
                                    spawn_key=(partition,), robust=robust)
    summary.check = copy.deepcopy(check)
    return summary


def _summarize_partition(batches: Iterator[pd.DataFrame], *, journey_map: JourneyMap,
                         survey_type: str | None, bootstrap_groups: int = 0,
                         seed: int = 0, check: CheckMoments | None = None,
                         robust: bool = False) -> Iterator[pd.DataFrame]:
    """Executor side: check and summarise one partition; yield one row.

    The row holds the pickled summary, or the first data problem's message (row
    numbers continue across the partition's Arrow batches), and the survey types
    seen.  Mixing types stops the partition at once; the driver reports it.
    """
    from pyspark import TaskContext

    context = TaskContext.get()
    partition = context.partitionId() if context is not None else 0
    summary = _partition_summary(journey_map, partition, bootstrap_groups=bootstrap_groups,
                                seed=seed, check=check, robust=robust)
    seen: set[str] = set()
    offset = 0
    error: str | None = None
    for batch in batches:
        frame = batch.reset_index(drop=True)
        frame.index = pd.RangeIndex(offset, offset + len(frame))
        offset += len(frame)
        if survey_type is None and "survey_type" in frame.columns:
            kinds = frame["survey_type"].astype("string").str.strip().str.lower()
            seen.update(t for t in SURVEY_TYPES if bool((kinds == t).any()))
            if len(seen) > 1:
                break
        try:
            chunk = check_frame(frame, journey_map, name=NAME, survey_type=survey_type)
        except DataValidationError as exc:
            error = str(exc)
            break
        summary.update(chunk.values, chunk.ltr, n_rows=chunk.n_rows, integer=chunk.integer,
                       item_moments=chunk.item_moments)
    blob = pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL) \
        if error is None and len(seen) <= 1 else None
    yield pd.DataFrame({"partition": [partition], "summary": [blob],
                        "survey_types": [",".join(sorted(seen)) or None], "error": [error]})


def _type_counts(frame: DataFrame) -> dict[str, int]:
    """Responses per survey type (a second, small job; only for the mixed-types error)."""
    from pyspark.sql import functions as sf

    kind = sf.lower(sf.trim(sf.col("survey_type")))
    counts = dict.fromkeys(SURVEY_TYPES, 0)
    for row in frame.where(kind.isin(*SURVEY_TYPES)).groupBy(kind.alias("kind")).count() \
            .collect():
        counts[row["kind"]] = int(row["count"])
    return counts
