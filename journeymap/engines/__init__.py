"""Engines that fit a journey map to survey data; all return :class:`FitResult`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import bayesnet as _bayesnet  # noqa: F401  (registers the engine; pgmpy stays unimported)
from ._base import ENGINES, Engine, get_engine, register_engine
from ._uncertainty import SE_TYPES, Uncertainty, check_se_type
from .linear import LinearEngine
from .result import (
    EdgeEstimate,
    Effect,
    EngineState,
    FitResult,
    FittedModel,
    RoleEffect,
    Route,
    ShiftOutcome,
)
from .streaming import fit_spark, fit_stream

if TYPE_CHECKING:
    import pandas as pd

    from ..data import SurveyData
    from ..model import JourneyMap

__all__ = ["ENGINES", "SE_TYPES", "EdgeEstimate", "Effect", "Engine", "EngineState", "FitResult",
           "FittedModel", "LinearEngine", "RoleEffect", "Route", "ShiftOutcome", "Uncertainty",
           "check_se_type", "fit", "fit_spark", "fit_stream", "get_engine", "register_engine"]


def fit(journey_map: JourneyMap, data: SurveyData | pd.DataFrame | str | Path,
        engine: str = "linear", *, survey_type: str | None = None,
        **options: Any) -> FitResult:
    """Fit a journey map to survey data and return the :class:`FitResult`.

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
    **options
        Engine options, e.g. ``min_responses=30``.
    """
    from ..data import SurveyData, load_survey

    if not isinstance(data, SurveyData):
        data = load_survey(data, journey_map, survey_type=survey_type)
    return get_engine(engine)(**options).fit(journey_map, data).result_
