"""Checked survey responses together with extra columns (segment, date, response id …).

The CX analyses (segments, trend, key drivers, follow-ups, value at stake) need more
than the node values :func:`~journeymap.data.load_survey` returns: a segment or date
column, the response id, consent, revenue.  :func:`load_with_columns` checks the data
against the map exactly as :func:`~journeymap.data.load_survey` does and returns those
extra columns aligned with the rows it keeps; :func:`subset_survey` cuts checked data to
some of its rows; :func:`bad_rows` names bad cells by their row in the data as given.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .data import (
    SurveyData,
    _numeric,
    _show,
    _survey_type_filter,
    blank_ltr_warning,
    load_survey,
    read_table,
)
from .exceptions import DataValidationError, JourneymapError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .model import JourneyMap

__all__ = ["DataSource", "SurveyRows", "bad_rows", "load_with_columns", "show_cell",
           "subset_survey"]

DataSource = str | Path | pd.DataFrame



@dataclass(frozen=True)
class SurveyRows:
    """Checked survey data with extra columns aligned with its rows.

    Attributes
    ----------
    data
        What :func:`~journeymap.data.load_survey` returns for the same source.
    extra
        The requested extra columns, one row per row of ``data.values`` (the responses
        with a valid LTR, in the same order).
    all_rows
        The requested columns for every row read after the survey-type filter (blank
        LTRs included), so that counts such as ``n_responses`` per segment are right.

    Both frames keep the 0-based row numbers of the data as given as their index, so
    that messages about a bad cell can name its row (``row = index + 1``); select by
    position (``.to_numpy()``, boolean masks), not by label.
    kept
        Boolean mask over ``all_rows``: True where the row has a valid LTR (the rows of
        ``data``, in the same order).
    """

    data: SurveyData
    extra: pd.DataFrame
    all_rows: pd.DataFrame
    kept: NDArray[np.bool_]


def _missing_columns(frame: pd.DataFrame, columns: Sequence[str], name: str,
                     what: str, messages: Mapping[str, str] | None = None) -> None:
    have = [str(c) for c in frame.columns]
    absent = [c for c in columns if c not in have]
    for c in absent:
        if messages and c in messages:
            raise DataValidationError(f"{name}: {messages[c]}")
    if absent:
        parts = []
        for c in absent:
            close = difflib.get_close_matches(c, have, n=1, cutoff=0.6)
            parts.append(f"'{c}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise DataValidationError(
            f"{name}: {what} needs the column{'s' if len(absent) > 1 else ''} "
            f"{', '.join(parts)}, which the data do not have. The data have: "
            f"{', '.join(have[:30])}{' …' if len(have) > 30 else ''}.")


def load_with_columns(source: DataSource | SurveyRows, journey_map: JourneyMap,
                      columns: Sequence[str], *, survey_type: str | None = None,
                      what: str = "this analysis",
                      messages: Mapping[str, str] | None = None) -> SurveyRows:
    """Check survey data against the map and keep extra columns aligned with its rows.

    The node values are checked by :func:`~journeymap.data.load_survey` (same errors,
    same row numbers); the extra columns are then cut with the same survey-type filter
    and the same rule for rows (a valid LTR), and the alignment is verified on the LTR
    values themselves.

    Parameters
    ----------
    source
        A path or DataFrame (or a :class:`SurveyRows` to pass through when it already
        holds the columns).
    columns
        Extra columns to keep (e.g. ``["customer_type"]``); each must exist.
    what
        Names the analysis in the error for a missing column.
    messages
        Column → the error message to give when that column is absent (instead of the
        generic one).
    """
    if isinstance(source, SurveyRows):
        if all(c in source.extra.columns for c in columns):
            return source
        raise JourneymapError("the checked data do not hold the columns "
                              f"{', '.join(c for c in columns if c not in source.extra)}.")
    name = "the data" if isinstance(source, pd.DataFrame) else str(source)
    frame = read_table(source).reset_index(drop=True)
    frame.columns = pd.Index([str(c) for c in frame.columns])
    try:
        data = load_survey(frame, journey_map, survey_type=survey_type)
    except DataValidationError as exc:  # name the file, as load_survey(path) would
        text = str(exc)
        if name != "the data" and text.startswith("the data:"):
            raise DataValidationError(name + text[len("the data"):]) from None
        raise
    _missing_columns(frame, columns, name, what, messages)
    filtered, _ = _survey_type_filter(frame, survey_type, name)
    outcome = journey_map.outcome_node
    assert outcome.column is not None
    ltr = _numeric(filtered, outcome.column, outcome)
    kept = ~np.isnan(ltr)
    if int(kept.sum()) != data.n or not np.array_equal(ltr[kept].astype(np.int64), data.ltr):
        raise RuntimeError("extra columns could not be aligned with the checked responses")
    all_rows = filtered[list(dict.fromkeys(columns))]
    extra = all_rows.loc[kept]
    return SurveyRows(data=data, extra=extra, all_rows=all_rows, kept=kept)


def subset_survey(data: SurveyData, rows: NDArray[np.bool_], n_responses: int | None = None
                  ) -> SurveyData:
    """The checked responses of some rows (a boolean mask over ``data``'s rows).

    ``n_responses`` counts the rows read for this subset, blank LTRs included (default:
    the rows selected).  Cronbach's alphas are not recomputed (items are not kept in
    :class:`~journeymap.data.SurveyData`); the blank-LTR warning is.
    """
    n = int(rows.sum())
    n_read = n if n_responses is None else int(n_responses)
    return SurveyData(node_ids=data.node_ids, values=np.asfortranarray(data.values[rows]),
                      ltr=data.ltr[rows], n_responses=n_read, alphas={},
                      warnings=tuple(blank_ltr_warning(n_read - n, n_read)),
                      survey_type=data.survey_type, integer=data.integer)


def show_cell(value: Any) -> str:
    """A cell as a person would type it (``'maybe'``, ``7.5``), ``blank`` when missing."""
    if value is None or value is pd.NA or (isinstance(value, float | np.floating)
                                           and math.isnan(value)):
        return "blank"
    return _show(value)


def bad_rows(values: pd.Series[Any], bad: NDArray[np.bool_]) -> str:
    """The first bad cells as ``row 5 ('x')`` (row = 0-based index + 1), and how many more."""
    idx = np.flatnonzero(bad)
    shown = ", ".join(f"row {int(values.index[i]) + 1} ({show_cell(values.iloc[i])})"
                      for i in idx[:5])
    return shown + (f" and {len(idx) - 5} more" if len(idx) > 5 else "")
