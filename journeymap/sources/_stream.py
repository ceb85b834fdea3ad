"""Turn a stream of DataFrame chunks into checked chunks and one summary (sufficient
statistics) that an engine fits from."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..data import (
    SURVEY_TYPES,
    CheckedChunk,
    alpha_from_moments,
    alpha_warnings,
    blank_ltr_warning,
    check_frame,
    outcome_warnings,
)
from ..exceptions import DataValidationError
from ..limits import DEFAULT_CHUNK_ROWS
from ..summary import LinearSummary

if TYPE_CHECKING:
    import pyarrow as pa

    from ..model import JourneyMap

__all__ = ["DEFAULT_CHUNK_ROWS", "Progress", "iter_chunks", "stream_summary", "summarize"]



Progress = Callable[[int, int | None], None]
"""Receives progress: rows read so far and the total when known."""


def with_progress(batches: Iterable[pa.RecordBatch], progress: Progress | None,
                  total: int | None = None) -> Iterator[pa.RecordBatch]:
    """Yield the batches; after each is used, report rows so far (and the total if known)."""
    done = 0
    for batch in batches:
        done += batch.num_rows
        yield batch
        if progress is not None:
            progress(done, total)


def needed_columns(journey_map: JourneyMap) -> list[str]:
    """The data columns a map reads, plus ``survey_type``."""
    cols = [c for n in journey_map.measured_nodes for c in n.columns]
    return [*cols, "survey_type"]


def check_chunks(frames: Iterable[pd.DataFrame | pa.RecordBatch], journey_map: JourneyMap, *,
                 name: str, survey_type: str | None = None,
                 first_row: int = 0) -> Iterator[CheckedChunk]:
    """Check DataFrame or Arrow record-batch chunks in order; row numbers continue
    across chunks, from ``first_row`` (0-based; a survey-tool export's first response is
    numbered as in memory, after its header rows: docs/survey-exports.md).

    Relational and transactional responses are never pooled: without ``survey_type``
    a stream that holds both stops with an error as soon as the second type appears.
    """
    from ._arrow import batch_types, check_batch, to_frame

    offset = first_row
    seen: str | None = None
    for item in frames:
        start = offset
        offset += len(item)
        frame: pd.DataFrame | None
        kinds: set[str] | None = None
        if isinstance(item, pd.DataFrame):
            frame = item.reset_index(drop=True)
            frame.index = pd.RangeIndex(start, offset)
            frame.attrs = dict(item.attrs)  # an export's layout: its questions and labels
        else:
            frame = None
            if survey_type is None:
                kinds = batch_types(item)
                if kinds is None or len(kinds) > 1 or (seen is not None and kinds
                                                       and kinds != {seen}):
                    frame = to_frame(item, start)  # the general path names the problem
        mix = _second_type(frame, seen) if survey_type is None and frame is not None else None
        if mix is not None:
            first, other, row = mix
            raise DataValidationError(
                f"{name}: the data mix relational and transactional responses (row {row + 1:,} "
                f"is the first {other} one after {first} ones). They are different instruments "
                "and are never pooled: choose one (--survey-type relational or --survey-type "
                "transactional).")
        if frame is not None:
            chunk = check_frame(frame, journey_map, name=name, survey_type=survey_type)
        else:
            chunk = check_batch(item, journey_map, name=name, offset=start,
                                survey_type=survey_type, kinds=kinds)
        if survey_type is None and chunk.survey_type is not None:
            seen = chunk.survey_type
        yield chunk


def _second_type(frame: pd.DataFrame, seen: str | None) -> tuple[str, str, int] | None:
    """(first type, second type, 0-based row) where a chunk brings a second survey type.

    Counts of a chunk would mislead (they are not the file's), so a mix within a chunk
    or across chunks is named by the row where it starts.  Unknown types are left to
    :func:`~journeymap.data.check_frame`, which names them.
    """
    if "survey_type" not in frame.columns:
        return None
    kinds = frame["survey_type"].astype("string").str.strip().str.lower()
    known = kinds[kinds.isin(list(SURVEY_TYPES)).fillna(False).to_numpy(dtype=bool)]
    if len(known) != int(kinds.notna().sum()) or known.empty:
        return None
    first = seen if seen is not None else str(known.iloc[0])
    other = known[(known != first).to_numpy(dtype=bool)]
    if other.empty:
        return None
    return first, str(other.iloc[0]), int(other.index[0])


def iter_chunks(source: str | Path | None, journey_map: JourneyMap, *,
                survey_type: str | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                progress: Progress | None = None, query: str | None = None
                ) -> Iterator[CheckedChunk]:
    """Checked chunks of a CSV / TSV / Parquet file or a DuckDB query.

    With ``query``, ``source`` is a DuckDB database file, or ``None`` / ``":memory:"``
    to let DuckDB query files directly (``SELECT * FROM 'survey/*.parquet'``).
    """
    from .files import csv_batches, export_chunks, export_layout, parquet_batches
    from .sql import duckdb_batches

    frames: Iterable[pd.DataFrame | pa.RecordBatch]
    if source is None or str(source) == ":memory:":
        if query is None:
            raise DataValidationError("give a data file, or a DuckDB query with --sql.")
        return check_chunks(duckdb_batches(None, query, chunk_rows=chunk_rows,
                                          progress=progress),
                            journey_map, name="the query", survey_type=survey_type)
    path = Path(source)
    name = str(source)
    suffix = path.suffix.lower()
    if query is not None or suffix in (".duckdb", ".db"):
        if query is None:
            raise DataValidationError(f"{name}: a DuckDB database needs a query, e.g. "
                                      "--sql 'SELECT * FROM responses'.")
        frames = duckdb_batches(path, query, chunk_rows=chunk_rows, progress=progress)
    elif suffix in (".parquet", ".pq"):
        frames = parquet_batches(path, needed_columns(journey_map), chunk_rows=chunk_rows,
                                progress=progress, journey_map=journey_map)
    elif suffix in (".csv", ".tsv", ".tab", ".txt"):
        layout = export_layout(path)  # decided once, from the head of the file
        if layout is not None:
            return check_chunks(export_chunks(path, layout, journey_map,
                                              chunk_rows=chunk_rows, progress=progress),
                                journey_map, name=name, survey_type=survey_type,
                                first_row=layout.header_rows - 1)
        frames = csv_batches(path, journey_map, chunk_rows=chunk_rows, progress=progress)
    else:
        raise DataValidationError(f"{name}: streaming reads CSV, TSV, Parquet or a DuckDB "
                                  f"query, not '{suffix or 'no suffix'}' files.")
    return check_chunks(frames, journey_map, name=name, survey_type=survey_type)


def summarize(journey_map: JourneyMap, chunks: Iterable[CheckedChunk], *,
              name: str = "the data", summary: LinearSummary | None = None
              ) -> tuple[LinearSummary, list[str]]:
    """Add checked chunks into one summary; returns it with the data warnings."""
    if summary is None:
        summary = LinearSummary.for_map(journey_map,
                                        [n.id for n in journey_map.measured_nodes])
    for chunk in chunks:
        summary.update(chunk.values, chunk.ltr, n_rows=chunk.n_rows, integer=chunk.integer,
                       item_moments=chunk.item_moments)
        if chunk.survey_type is not None:
            summary.survey_type = chunk.survey_type
    if summary.n_rows == 0:
        raise DataValidationError(f"{name}: there are no responses (no data rows).")
    if summary.n == 0:
        raise DataValidationError(f"{name}: every row has a blank recommend answer; nothing to "
                                  "analyse.")
    alphas = {k: alpha_from_moments(g) for k, g in summary.item_moments.items()}
    warnings = (outcome_warnings(journey_map, summary.ltr_counts)
                + alpha_warnings(journey_map, alphas)
                + blank_ltr_warning(summary.n_rows - summary.n, summary.n_rows))
    return summary, warnings


def stream_summary(journey_map: JourneyMap,
                   source: str | Path | Iterable[pd.DataFrame] | None, *,
                   survey_type: str | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                   progress: Progress | None = None, query: str | None = None,
                   summary: LinearSummary | None = None) -> tuple[LinearSummary, list[str]]:
    """Read and check a source chunk by chunk into one summary, with memory independent
    of the data size.

    Parameters
    ----------
    source
        A CSV / TSV / Parquet path, a DuckDB database path (with ``query``), or any
        iterable of DataFrames (e.g. from another system).
    chunk_rows
        Rows per chunk.
    progress
        Called after each chunk with (rows read, total rows or None).
    summary
        The empty summary to fill (e.g. one with bootstrap groups, from
        ``LinearEngine.summary_for``); by default a plain one for the map.

    Returns
    -------
    tuple of LinearSummary and list of str
        The sufficient statistics of every checked row and the data warnings; an engine
        fits from them (``LinearEngine.fit_summary``, or
        :func:`journeymap.engines.fit_stream` for both steps in one call).
    """
    if source is None or isinstance(source, str | Path):
        name = str(source) if source is not None else "the query"
        chunks = iter_chunks(source, journey_map, survey_type=survey_type,
                             chunk_rows=chunk_rows, progress=progress, query=query)
    else:
        name = "the data"
        chunks = check_chunks(source, journey_map, name=name, survey_type=survey_type)
    return summarize(journey_map, chunks, name=name, summary=summary)
