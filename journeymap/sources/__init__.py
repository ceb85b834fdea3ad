"""Streaming sources: fit from data larger than memory, one chunk at a time.

Each source yields :class:`~journeymap.data.CheckedChunk` blocks (every data rule of
docs/method.md, "Data rules", applied per chunk, with row numbers of the whole source in
messages), added into one :class:`~journeymap.summary.LinearSummary` (:func:`stream_summary`),
so memory stays flat.  Sources only read data and return summaries; the engines fit from them
(:func:`journeymap.engines.fit_stream` does both), and the estimates equal an in-memory
fit.

>>> import journeymap as jm
>>> from journeymap.sources import stream_summary
>>> m = jm.example_map()
>>> summary, warnings = stream_summary(m, "examples/kitchen_b2b.csv", chunk_rows=1000)
>>> summary.n
3000
"""

from ._stream import DEFAULT_CHUNK_ROWS, Progress, iter_chunks, stream_summary, summarize
from .files import csv_batches, csv_chunks, parquet_batches, parquet_chunks
from .sql import duckdb_batches, duckdb_chunks

__all__ = ["DEFAULT_CHUNK_ROWS", "Progress", "csv_batches", "csv_chunks", "duckdb_batches",
           "duckdb_chunks", "iter_chunks", "parquet_batches", "parquet_chunks",
           "stream_summary", "summarize"]
