"""Streaming sources: fit from data larger than memory, one chunk at a time.

Each source yields :class:`~journeymap.data.CheckedChunk` blocks (every data rule of
DESIGN §3 applied per chunk, with row numbers of the whole source in messages); the
linear engine adds them into a :class:`~journeymap.summary.LinearSummary`, so memory
stays flat and the estimates equal an in-memory fit.

>>> import journeymap as jm
>>> from journeymap.sources import fit_stream
>>> m = jm.example_map()
>>> r = fit_stream(m, "examples/kitchen_b2b.csv", chunk_rows=1000)
>>> r.nps.n
3000
"""

from ._stream import DEFAULT_CHUNK_ROWS, Progress, fit_stream, iter_chunks, summarize
from .files import csv_batches, csv_chunks, parquet_batches, parquet_chunks
from .sql import duckdb_batches, duckdb_chunks

__all__ = ["DEFAULT_CHUNK_ROWS", "Progress", "csv_batches", "csv_chunks", "duckdb_batches",
           "duckdb_chunks", "fit_stream", "iter_chunks", "parquet_batches", "parquet_chunks",
           "summarize"]
