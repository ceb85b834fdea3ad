"""Loading a map and fitting it for a command: in memory, or chunk by chunk."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import JourneymapError
from ..limits import DEFAULT_CHUNK_ROWS
from ._console import progress

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.trend import Window
    from ..engines import FitResult
    from ..model import JourneyMap

__all__ = ["CHUNK_ROWS", "STREAM_ABOVE_BYTES", "DateWindow", "bayes_options", "fit_map",
           "load_map", "result_for", "window_data"]

CHUNK_ROWS = DEFAULT_CHUNK_ROWS
#: CSV and Parquet files larger than this are streamed unless ``--in-memory`` is given.
STREAM_ABOVE_BYTES = 256 * 2**20


def load_map(path: Path) -> JourneyMap:
    """The map in a YAML or JSON file."""
    from ..model import JourneyMap

    return JourneyMap.from_yaml(path)


@dataclass(frozen=True)
class DateWindow:
    """``--from``, ``--to``, ``--window`` and ``--date-column`` as given (None: not given)."""

    start: str | None = None
    end: str | None = None
    rule: str | None = None
    date_column: str | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.start, self.end, self.rule))


def window_data(journey_map: JourneyMap, data_path: Path, window: DateWindow
                ) -> tuple[pd.DataFrame, Window]:
    """The rows of ``data_path`` dated in ``window``, filtered by the library's
    :func:`journeymap.analysis.trend.select_window` (the service's filter too), by the
    ``--date-column``, else the map's date column, else a column named ``date``."""
    from ..analysis.trend import map_date_column, select_window
    from ..data import read_table

    frame = read_table(data_path)
    column = window.date_column or map_date_column(journey_map)
    if column is None:
        if "date" not in frame.columns:
            raise JourneymapError("--from, --to and --window need the response date: the map "
                                  "names no date column and the data have no 'date' column; "
                                  "name it in the map (comments: or accounts: with date:, "
                                  "docs/map-format.md) or give --date-column.")
        column = "date"
    return select_window(frame, start=window.start, end=window.end, rule=window.rule,
                         date_column=column)


def bayes_options(engine: str, bins: str | None = None, ess: float | None = None,
                  ltr_states: str | None = None, draws: int | None = None) -> dict[str, Any]:
    """The engine options of ``--bins``, ``--ess``, ``--ltr-states`` and ``--draws`` (only
    those given), refused with another engine than bayesnet.  The engine checks the values."""
    given = {k: v for k, v in (("bins", bins), ("ess", ess), ("ltr_states", ltr_states),
                               ("draws", draws)) if v is not None}
    if given and engine != "bayesnet":
        flags = ", ".join(f"--{k.replace('_', '-')}" for k in given)
        raise JourneymapError(f"{flags} {'is an option' if len(given) == 1 else 'are options'} "
                              f"of --engine bayesnet, not of '{engine}'.")
    if bins is not None:
        text = bins.strip().lower()
        if text.isdigit():
            given["bins"] = int(text)
        elif text in ("auto", "all"):
            given["bins"] = text
        else:
            raise JourneymapError(f"--bins must be auto, all or a number of states from 2, not "
                                  f"'{bins}'.")
    return given


def fit_map(map_path: Path, data_path: Path | None, survey_type: str | None,
            min_responses: int, engine: str, *, stream: bool | None = False,
            chunk_rows: int = CHUNK_ROWS, sql: str | None = None, quiet: bool = False,
            bootstrap: int = 0, engine_options: Mapping[str, Any] | None = None,
            se: str | None = None, seed: int = 0, window: DateWindow | None = None,
            on_window: Callable[[Window], None] | None = None) -> FitResult:
    """Fit in memory, or chunk by chunk (``--stream``, ``--sql``, or files over 256 MB).

    With a date ``window`` (``--from``/``--to``/``--window``) only the rows dated in it
    are fitted, in memory; ``on_window`` is told the resolved window.  Both
    (:func:`journeymap.fit`, :func:`journeymap.fit_stream`) also warn when the data
    reject the map.  ``se`` (None: the default, HC3), ``bootstrap`` and ``seed`` are the
    linear engine's (``--se``, ``--bootstrap``, ``--seed``)."""
    from ..engines import check_se_type
    from ..fitting import fit, fit_stream

    if se is not None:
        check_se_type(se)
        if engine != "linear":
            raise JourneymapError(f"--se is an option of the linear engine, not of '{engine}'.")
    m = load_map(map_path)
    options: dict[str, Any] = {} if se is None else {"se": se}
    if bootstrap:
        options["bootstrap"] = bootstrap  # the bayesnet engine says why it has none
        if engine == "linear":
            options["random_state"] = seed
    if window:
        if stream or sql is not None:
            raise JourneymapError("--from, --to and --window fit the rows of a date window in "
                                  "memory; leave out --stream and --sql.")
        if data_path is None:
            raise JourneymapError("give a data file.")
        rows, resolved = window_data(m, data_path, window)
        if on_window is not None:
            on_window(resolved)
        options.update(engine_options or {})
        return fit(m, rows, engine=engine, survey_type=survey_type,
                   min_responses=min_responses, **options)
    big = data_path is not None and data_path.exists() and \
        data_path.stat().st_size > STREAM_ABOVE_BYTES and \
        data_path.suffix.lower() in (".csv", ".tsv", ".parquet", ".pq")
    if stream or sql is not None or (stream is None and big):
        if engine != "linear":
            raise JourneymapError(f"streaming fits use the linear engine, not '{engine}'.")
        with progress(quiet) as report:
            return fit_stream(m, data_path, survey_type=survey_type, chunk_rows=chunk_rows,
                              progress=report, query=sql, min_responses=min_responses,
                              **options)
    if data_path is None:
        raise JourneymapError("give a data file (or a DuckDB query with --sql).")
    options.update(engine_options or {})
    return fit(m, data_path, engine=engine, survey_type=survey_type,
               min_responses=min_responses, **options)


def result_for(map_file: Path, data_file: Path | None, result_file: Path | None,
               survey_type: str | None, min_responses: int, engine: str,
               engine_options: Mapping[str, Any] | None = None, *, se: str | None = None
               ) -> tuple[JourneyMap, FitResult | None]:
    """The map and, when data or a saved result are given, its fit (never both)."""
    m = load_map(map_file)
    if data_file is not None and result_file is not None:
        raise JourneymapError("give survey data or --result, not both.")
    if result_file is not None and engine_options:
        raise JourneymapError("--bins, --ess, --ltr-states and --draws apply to a fit of "
                              "data, not to a saved --result.")
    if result_file is not None:
        from ..results import read_result

        return m, read_result(result_file, m)
    if data_file is not None:
        return m, fit_map(map_file, data_file, survey_type, min_responses, engine, quiet=True,
                          engine_options=engine_options, se=se)
    return m, None
