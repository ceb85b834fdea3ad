"""Chunks of Parquet and CSV files read with pyarrow, never the whole file at once."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..data import MISSING_TOKENS, check_data_file, check_frame, check_header
from ..exceptions import DataValidationError
from ._stream import with_progress

if TYPE_CHECKING:
    import pyarrow as pa

    from ..model import JourneyMap
    from ._stream import Progress

__all__ = ["csv_batches", "csv_chunks", "parquet_batches", "parquet_chunks"]

_NULLS = sorted({t for tok in MISSING_TOKENS for t in (tok, tok.lower(), tok.title())})


def _require_pyarrow(name: str) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise DataValidationError(f"{name}: streaming needs pyarrow; pip install "
                                  "'journeymap[parquet]'.") from None


def _missing_columns_error(path: Path, present: list[str], journey_map: JourneyMap) -> None:
    """Raise the same missing-column message as an in-memory load, if any is missing."""
    wanted = [c for n in journey_map.measured_nodes for c in n.columns]
    if all(c in present for c in wanted):
        return
    check_frame(pd.DataFrame(columns=present), journey_map, name=str(path))


def parquet_chunks(path: str | Path, columns: list[str], *, chunk_rows: int,
                   progress: Progress | None = None,
                   journey_map: JourneyMap | None = None) -> Iterator[pd.DataFrame]:
    """DataFrames of at most ``chunk_rows`` rows with the wanted columns of a Parquet file."""
    for batch in parquet_batches(path, columns, chunk_rows=chunk_rows, progress=progress,
                                 journey_map=journey_map):
        yield batch.to_pandas()


def parquet_batches(path: str | Path, columns: list[str], *, chunk_rows: int,
                    progress: Progress | None = None,
                    journey_map: JourneyMap | None = None) -> Iterator[pa.RecordBatch]:
    """Arrow record batches of at most ``chunk_rows`` rows with the wanted columns."""
    import pyarrow.parquet as pq

    p = Path(path)
    _require_pyarrow(str(p))
    check_data_file(p)
    try:
        # pre_buffer=False: with read-ahead caching, memory grows with every row group
        # read (apache/arrow#39808); without it memory is flat and reading as fast.
        pf = pq.ParquetFile(p, pre_buffer=False)
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise DataValidationError(f"{p}: cannot read this file as Parquet ({exc}).") from None
    present = list(pf.schema_arrow.names)
    check_header(present, str(p))
    if journey_map is not None:
        _missing_columns_error(p, present, journey_map)
    wanted = [c for c in columns if c in present]
    yield from with_progress(pf.iter_batches(batch_size=chunk_rows, columns=wanted), progress,
                             pf.metadata.num_rows)


def csv_chunks(path: str | Path, journey_map: JourneyMap, *, chunk_rows: int,
               progress: Progress | None = None) -> Iterator[pd.DataFrame]:
    """DataFrames of about ``chunk_rows`` rows of a CSV/TSV file (cells read as text).

    Cells are read as text and parsed by the same rules as an in-memory load, so a
    bad value gets the same message, with its row number in the whole file.
    """
    for batch in csv_batches(path, journey_map, chunk_rows=chunk_rows, progress=progress):
        yield batch.to_pandas()


def csv_batches(path: str | Path, journey_map: JourneyMap, *, chunk_rows: int,
                progress: Progress | None = None) -> Iterator[pa.RecordBatch]:
    """Arrow record batches of about ``chunk_rows`` rows of a CSV/TSV file; the map's
    columns are text (blank, NA and N/A are missing) for the data checks to parse."""
    import pyarrow as pa
    import pyarrow.csv as pv

    p = Path(path)
    _require_pyarrow(str(p))
    check_data_file(p)
    with p.open("rb") as fh:
        head = fh.read(65536)
    from .exports import sniff_export

    layout = sniff_export(p, head) if b"\x00" not in head or head[:2] in (
        b"\xff\xfe", b"\xfe\xff") else None
    if layout is not None and layout.is_export:
        raise DataValidationError(
            f"{p}: this is a survey-tool export ({layout.tool}, {layout.encoding}); a streamed "
            "fit reads plain tables only (one header row, UTF-8). Fit it in memory "
            "(--in-memory), or save it as a plain CSV first (docs/survey-exports.md).")
    if b"\x00" in head:
        raise DataValidationError(f"{p}: this is not a text CSV file (it contains binary bytes); "
                                  "save the survey as CSV (UTF-8) or Parquet.")
    text = head.decode("utf-8-sig", errors="replace")
    delimiter = "\t" if p.suffix.lower() in (".tsv", ".tab") else ","
    if delimiter == ",":
        try:
            delimiter = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t").delimiter
        except (csv.Error, IndexError):
            delimiter = ","
    if b"\n" not in head and len(head) == 65536:
        raise DataValidationError(f"{p}: the header row is longer than 64 KB; is this a "
                                  "survey export with one response per row?")
    header = next(csv.reader([text.splitlines()[0]], delimiter=delimiter)) if text else []
    check_header(header, str(p))
    _missing_columns_error(p, header, journey_map)
    wanted = [c for n in journey_map.measured_nodes for c in n.columns]
    wanted += ["survey_type"] if "survey_type" in header else []
    row_bytes = max(1.0, len(head) / max(1, text.count("\n")))
    read = pv.ReadOptions(block_size=max(1 << 16, int(row_bytes * chunk_rows)),
                          encoding="utf8")
    convert = pv.ConvertOptions(include_columns=wanted, null_values=_NULLS,
                                strings_can_be_null=True,
                                column_types={c: pa.string() for c in wanted})
    try:
        reader = pv.open_csv(p, read_options=read,
                             parse_options=pv.ParseOptions(delimiter=delimiter,
                                                           newlines_in_values=True),
                             convert_options=convert)
        yield from with_progress(reader, progress)
    except (pa.ArrowException, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise DataValidationError(f"{p}: cannot read this file as CSV ({first}).") from None
