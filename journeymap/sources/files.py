"""Chunks of Parquet and CSV files read with pyarrow, never the whole file at once."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..data import MISSING_TOKENS, check_data_file, check_frame, check_header
from ..exceptions import DataValidationError
from ..i18n import gettext as _
from ._stream import with_progress

if TYPE_CHECKING:
    import pyarrow as pa

    from ..model import JourneyMap
    from ._stream import Progress
    from .exports import ExportLayout

__all__ = ["csv_batches", "csv_chunks", "export_chunks", "export_layout", "export_shape",
           "parquet_batches", "parquet_chunks"]

_NULLS = sorted({t for tok in MISSING_TOKENS for t in (tok, tok.lower(), tok.title())})


def _require_pyarrow(name: str) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise DataValidationError(f"{name}: streaming needs pyarrow; pip install "
                                  "'journeymap[parquet]'.") from None


def _header_frame(present: list[str], layout: ExportLayout | None) -> pd.DataFrame:
    frame = pd.DataFrame(columns=present)
    if layout is not None:
        frame.attrs["journeymap_export"] = layout
    return frame


def _missing_columns_error(path: Path, present: list[str], journey_map: JourneyMap,
                           layout: ExportLayout | None = None) -> None:
    """Raise the same missing-column message as an in-memory load, if any is missing
    (columns named by their question text count as present, as in memory)."""
    wanted = [c for n in journey_map.measured_nodes for c in n.columns]
    if all(c in present for c in wanted):
        return
    check_frame(_header_frame(present, layout), journey_map, name=str(path))


def _wanted(present: list[str], journey_map: JourneyMap, name: str,
            layout: ExportLayout | None = None) -> list[str]:
    """The file's columns the map reads (by name, or by question text as
    :func:`~journeymap.data.match_questions` finds them in memory) and ``survey_type``."""
    from ..data import match_questions

    matched = [str(c) for c in match_questions(_header_frame(present, layout), journey_map,
                                               name).columns]
    used = {c for n in journey_map.measured_nodes for c in n.columns} | {"survey_type"}
    return [c for c, m in zip(present, matched, strict=True) if m in used]


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
    bad value gets the same message, with its row number in the whole file.  A
    survey-tool export is read by :func:`export_chunks`.
    """
    layout = export_layout(path)
    if layout is not None:
        yield from export_chunks(path, layout, journey_map, chunk_rows=chunk_rows,
                                 progress=progress)
        return
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
            _("%(name)s: this is a survey-tool export (%(tool)s, %(encoding)s); Arrow batches "
              "are read from plain tables only (one header row, UTF-8). Read it with "
              "csv_chunks or iter_chunks, which read exports chunk by chunk "
              "(docs/survey-exports.md).")
            % {"name": p, "tool": layout.tool, "encoding": layout.encoding})
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
    wanted = _wanted(header, journey_map, str(p))
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


def export_layout(path: str | Path) -> ExportLayout | None:
    """The layout of a CSV/TSV file when it is a survey-tool export or not plain UTF-8
    (:attr:`~journeymap.sources.exports.ExportLayout.is_export`), decided once from the
    first 64 KB; ``None`` for a plain UTF-8 table (read by :func:`csv_batches`) or a file
    with binary bytes (which :func:`csv_batches` refuses by name)."""
    from .exports import sniff_encoding, sniff_export

    p = check_data_file(path)
    with p.open("rb") as fh:
        head = fh.read(65536)
    if b"\x00" in head and sniff_encoding(head) != "utf-16":
        return None
    layout = sniff_export(p, head)
    return layout if layout.is_export else None


def export_chunks(path: str | Path, layout: ExportLayout, journey_map: JourneyMap, *,
                  chunk_rows: int, progress: Progress | None = None) -> Iterator[pd.DataFrame]:
    """DataFrames of at most ``chunk_rows`` responses of a survey-tool export, read as
    :func:`~journeymap.sources.exports.read_export` reads it whole (docs/survey-exports.md,
    "Streamed fits").

    The layout is decided once from the head of the file (:func:`export_layout`): its
    header rows are skipped, its encoding and delimiter used, and the columns named as in
    memory.  Only the columns the map reads (found by name or question text, as in memory)
    and ``survey_type`` are kept, as text; each chunk carries the layout in
    ``attrs["journeymap_export"]`` so the data checks read text answers and question texts
    by the same rules, and its index holds the rows' numbers as in memory (the first
    response of a Qualtrics export is index 2).  pandas reads the file block by block, so
    memory does not grow with the file.
    """
    from ..data import _NA_VALUES
    from .exports import header_mismatch

    p = Path(path)
    name = str(p)
    columns = list(layout.columns)
    check_header(columns, name)
    _missing_columns_error(p, columns, journey_map, layout)
    wanted = set(_wanted(columns, journey_map, name, layout))
    keep = [i for i, c in enumerate(columns) if c in wanted]
    names = [columns[i] for i in keep]
    done = 0
    try:
        reader = pd.read_csv(p, sep=layout.delimiter, engine="c", header=None, dtype=str,
                             na_values=_NA_VALUES, keep_default_na=False,
                             encoding=layout.encoding, chunksize=chunk_rows)
        with reader:
            skip = layout.header_rows
            for raw in reader:
                if raw.shape[1] != len(columns):
                    raise DataValidationError(header_mismatch(p, len(columns), raw.shape[1]))
                rows = raw.index.to_numpy()
                frame = raw.iloc[skip:, keep] if skip else raw.iloc[:, keep]
                start = int(rows[0]) + skip - 1 if len(rows) else 0
                skip = max(0, skip - len(raw))
                if frame.shape[0] == 0:
                    continue
                frame.columns = pd.Index(names)
                frame.index = pd.RangeIndex(start, start + frame.shape[0])
                frame.attrs["journeymap_export"] = layout
                done += frame.shape[0]
                yield frame
                if progress is not None:
                    progress(done, None)
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        kind = p.suffix.lower().lstrip(".") or "CSV"  # the words of an in-memory read
        raise DataValidationError(f"{p}: cannot read this file as a {kind} table "
                                  f"({first}).") from None


def export_shape(path: str | Path, layout: ExportLayout) -> tuple[int, list[str]]:
    """The number of responses and the column names of a survey-tool export, counted
    block by block (memory does not grow with the file); the header rows are not
    responses."""
    p = Path(path)
    n = 0
    try:
        with pd.read_csv(p, sep=layout.delimiter, engine="c", header=None, dtype=str,
                         usecols=[0], keep_default_na=False, encoding=layout.encoding,
                         chunksize=1 << 16) as reader:
            for chunk in reader:
                n += len(chunk)
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        kind = p.suffix.lower().lstrip(".") or "CSV"
        raise DataValidationError(f"{p}: cannot read this file as a {kind} table "
                                  f"({first}).") from None
    return max(0, n - layout.header_rows), list(layout.columns)
