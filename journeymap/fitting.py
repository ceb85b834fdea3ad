"""``journeymap.fit``: fit a map to survey data, and say when the data reject the map.

The engines fit the map as drawn; they do not judge it (and never import the checks of
:mod:`journeymap.analysis`).  :func:`fit` is the front door above both: it runs the
engine and then, for an in-memory linear fit, the cheap part of ``journeymap check``
(:func:`journeymap.analysis.check.quick_check`: global fit indices and Holm-rejected
implied independences, from one covariance matrix).  When the data reject the map, one
plain sentence naming the worst problem and ``journeymap check MAP DATA`` is added to
the result's ``warnings`` (docs/method.md §10.6).  Streamed and Spark fits
(:func:`journeymap.engines.fit_stream`) do not run it: ``journeymap check`` does.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from .data import SurveyData
    from .engines import FitResult
    from .model import JourneyMap

__all__ = ["fit"]


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
    >>> [w for w in r.warnings if w.startswith("The data reject")]
    []
    """
    from .data import SurveyData, load_survey
    from .engines import fit as engine_fit

    if not isinstance(data, SurveyData):
        data = load_survey(data, journey_map, survey_type=survey_type)
    result = engine_fit(journey_map, data, engine, **options)
    if check_map and result.engine == "linear":
        from .analysis.check import rejection_warnings

        extra = rejection_warnings(journey_map, data)
        if extra:
            warnings = result.warnings
            result = dataclasses.replace(result, warnings=type(warnings)([*warnings, *extra]))
    return result
