"""Loading a map and fitting it for a command: in memory, or chunk by chunk."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import JourneymapError
from ..limits import DEFAULT_CHUNK_ROWS
from ._console import progress

if TYPE_CHECKING:
    from ..engines import FitResult
    from ..model import JourneyMap

__all__ = ["CHUNK_ROWS", "STREAM_ABOVE_BYTES", "fit_map", "load_map", "result_for"]

CHUNK_ROWS = DEFAULT_CHUNK_ROWS
#: CSV and Parquet files larger than this are streamed unless ``--in-memory`` is given.
STREAM_ABOVE_BYTES = 256 * 2**20


def load_map(path: Path) -> JourneyMap:
    """The map in a YAML or JSON file."""
    from ..model import JourneyMap

    return JourneyMap.from_yaml(path)


def fit_map(map_path: Path, data_path: Path | None, survey_type: str | None,
            min_responses: int, engine: str, *, stream: bool | None = False,
            chunk_rows: int = CHUNK_ROWS, sql: str | None = None, quiet: bool = False,
            bootstrap: int = 0) -> FitResult:
    """Fit in memory, or chunk by chunk (``--stream``, ``--sql``, or files over 256 MB).

    Both (:func:`journeymap.fit`, :func:`journeymap.fit_stream`) also warn when the data
    reject the map."""
    from ..fitting import fit, fit_stream

    m = load_map(map_path)
    big = data_path is not None and data_path.exists() and \
        data_path.stat().st_size > STREAM_ABOVE_BYTES and \
        data_path.suffix.lower() in (".csv", ".tsv", ".parquet", ".pq")
    options: dict[str, Any] = {"bootstrap": bootstrap} if bootstrap else {}
    if stream or sql is not None or (stream is None and big):
        if engine != "linear":
            raise JourneymapError(f"streaming fits use the linear engine, not '{engine}'.")
        with progress(quiet) as report:
            return fit_stream(m, data_path, survey_type=survey_type, chunk_rows=chunk_rows,
                              progress=report, query=sql, min_responses=min_responses,
                              **options)
    if data_path is None:
        raise JourneymapError("give a data file (or a DuckDB query with --sql).")
    return fit(m, data_path, engine=engine, survey_type=survey_type,
               min_responses=min_responses, **options)


def result_for(map_file: Path, data_file: Path | None, result_file: Path | None,
               survey_type: str | None, min_responses: int, engine: str
               ) -> tuple[JourneyMap, FitResult | None]:
    """The map and, when data or a saved result are given, its fit (never both)."""
    m = load_map(map_file)
    if data_file is not None and result_file is not None:
        raise JourneymapError("give survey data or --result, not both.")
    if result_file is not None:
        from ..results import read_result

        return m, read_result(result_file, m)
    if data_file is not None:
        return m, fit_map(map_file, data_file, survey_type, min_responses, engine, quiet=True)
    return m, None
