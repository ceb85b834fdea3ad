"""Chunks of a DuckDB query (a database file, or Parquet/CSV files queried by DuckDB)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..exceptions import DataValidationError
from ._stream import with_progress

if TYPE_CHECKING:
    import pyarrow as pa

    from ._stream import Progress

__all__ = ["duckdb_batches", "duckdb_chunks"]


def duckdb_chunks(database: str | Path | None, query: str, *, chunk_rows: int,
                  progress: Progress | None = None) -> Iterator[pd.DataFrame]:
    """DataFrames of at most ``chunk_rows`` rows of ``query``'s result (see
    :func:`duckdb_batches`)."""
    for batch in duckdb_batches(database, query, chunk_rows=chunk_rows, progress=progress):
        yield batch.to_pandas()


def duckdb_batches(database: str | Path | None, query: str, *, chunk_rows: int,
                   progress: Progress | None = None) -> Iterator[pa.RecordBatch]:
    """Arrow record batches of at most ``chunk_rows`` rows of ``query``'s result.

    ``database`` is a DuckDB file opened read-only, or ``None`` for an in-memory
    database (e.g. ``SELECT * FROM 'responses/*.parquet'``).
    """
    try:
        import duckdb
    except ImportError:
        raise DataValidationError("DuckDB sources need the duckdb package; pip install "
                                  "'journeymap[stream]'.") from None
    if database is not None and not Path(database).exists():
        raise DataValidationError(f"{database}: no such DuckDB database.")
    try:
        con = duckdb.connect(str(database) if database is not None else ":memory:",
                             read_only=database is not None)
    except duckdb.Error as exc:
        raise DataValidationError(f"{database}: cannot open this DuckDB database ({exc}).") \
            from None
    try:
        try:
            reader = con.sql(query).to_arrow_reader(chunk_rows)
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0]
            raise DataValidationError(f"the query failed: {first}") from None
        yield from with_progress(reader, progress)
    finally:
        con.close()
