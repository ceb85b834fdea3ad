"""``journeymap.fit``, ``fit_stream`` and ``fit_spark``: fit a map to survey data, and say
when the data reject the map.

The engines fit the map as drawn; they do not judge it (and never import the checks of
:mod:`journeymap.analysis`).  The functions here are the front doors above both: they
run the engine and then, for an engine whose checks use partial correlations (not
:attr:`~journeymap.engines.Engine.discrete`: the linear one), the cheap part of
``journeymap check`` (:func:`journeymap.analysis.check.quick_check`: global fit indices
and Holm-rejected implied independences, from one covariance matrix).  A streamed or
Spark fit gathers that covariance in its single pass
(:func:`~journeymap.analysis.check.check_moments`).  The check is kept in the result's
``map_check``; when the data reject the map, one plain sentence naming the worst problem
and ``journeymap check MAP DATA`` is added to its ``warnings`` (docs/method.md §10.6).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame

    from .analysis.check import QuickCheck
    from .data import SurveyData
    from .engines import FitResult
    from .model import JourneyMap

__all__ = ["fit", "fit_spark", "fit_stream"]


def fit(journey_map: JourneyMap, data: SurveyData | pd.DataFrame | str | Path,
        engine: str = "linear", *, survey_type: str | None = None, check_map: bool = True,
        **options: Any) -> FitResult:
    """Fit a journey map to survey data and return the :class:`~journeymap.engines.FitResult`.

    Parameters
    ----------
    journey_map
        A validated :class:`~journeymap.model.JourneyMap`.
    data
        Survey responses: a path (CSV, Parquet, Excel), a DataFrame, or
        :class:`~journeymap.data.SurveyData` from :func:`~journeymap.data.load_survey`.
    engine
        Name of a registered engine (``"linear"`` by default).
    survey_type
        ``"relational"`` or ``"transactional"`` when the data hold both.
    check_map
        With the linear engine, also run the quick check and add its warning when the
        data reject the map (default True; its cost is one Gram matrix of the data).
    **options
        Engine options, e.g. ``min_responses=30``.

    Examples
    --------
    >>> import journeymap as jm
    >>> r = jm.fit(jm.example_map(), jm.example_data(n=600, seed=5).data)
    >>> [w for w in r.warnings if w.startswith("The data reject")], r.map_check["rejected"]
    ([], False)
    """
    from .data import SurveyData, check_arguments, load_survey
    from .engines import fit as engine_fit
    from .engines import get_engine

    check_arguments(journey_map, data, "fit(journey_map, data)")
    if not isinstance(data, SurveyData):
        data = load_survey(data, journey_map, survey_type=survey_type)
    result = engine_fit(journey_map, data, engine, **options)
    if check_map and not get_engine(result.engine).discrete:
        from .analysis.check import quick_check

        result = with_check(result, quick_check(journey_map, data))
    return result


def fit_stream(journey_map: JourneyMap,
               source: str | Path | Iterable[pd.DataFrame] | None, *,
               check_map: bool = True, **options: Any) -> FitResult:
    """:func:`journeymap.engines.fit_stream` (chunk by chunk, memory independent of the
    data size), with the quick check of the map from the same pass.

    ``check_map=False`` skips the check; other arguments are those of
    :func:`journeymap.engines.fit_stream`.  The check equals :func:`fit`'s on the same
    rows (to floating-point summation order).

    >>> import journeymap as jm
    >>> r = jm.fit_stream(jm.example_map(), "examples/kitchen_b2b.csv", chunk_rows=1000)
    >>> indices = r.map_check["fit_indices"]
    >>> r.map_check["rejected"], indices["df"]
    (False, 25)
    """
    from .engines import fit_stream as engine_fit_stream

    if not check_map:
        return engine_fit_stream(journey_map, source, **options)
    from .analysis.check import check_moments, quick_check_moments

    moments = check_moments(journey_map)
    result = engine_fit_stream(journey_map, source, check=moments, **options)
    return with_check(result, quick_check_moments(journey_map, moments))


def fit_spark(journey_map: JourneyMap, frame: DataFrame, *, check_map: bool = True,
              **options: Any) -> FitResult:
    """:func:`journeymap.engines.fit_spark` (one Spark job), with the quick check of the
    map from the same job (``check_map=False`` skips it)."""
    from .engines import fit_spark as engine_fit_spark

    if not check_map:
        return engine_fit_spark(journey_map, frame, **options)
    from .analysis.check import check_moments, quick_check_moments

    moments = check_moments(journey_map)
    result = engine_fit_spark(journey_map, frame, check=moments, **options)
    return with_check(result, quick_check_moments(journey_map, moments))


def with_check(result: FitResult, quick: QuickCheck) -> FitResult:
    """``result`` with the quick check as its ``map_check`` and, when the data reject the
    map, its sentence added to the warnings."""
    warnings = result.warnings
    if quick.warning:
        warnings = type(warnings)([*warnings, quick.warning])
    return dataclasses.replace(result, warnings=warnings, map_check=quick.to_dict())
