"""Uploaded survey files: where they live and the readability check at upload.

Files are stored as ``<data_dir>/datasets/<workspace id>/<dataset id>.<ext>``, readable
by the server's user and group only (``UPLOAD_FILE_MODE``, 0640; folders 0750).  At
upload a file is only checked to be readable as a table (the library's
``read_table``); whether it fits a map is checked when a fit runs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from journeymap.limits import UPLOAD_FILE_MODE

from .problems import INVALID_DATA, TOO_LARGE, UNSUPPORTED_FILE, Problem

__all__ = ["FORMATS", "StoredFile", "detect_format", "store_upload"]

# suffix → (format name, suffix used on disk)
FORMATS: dict[str, tuple[str, str]] = {
    ".csv": ("csv", ".csv"), ".txt": ("csv", ".csv"), ".tsv": ("tsv", ".tsv"),
    ".tab": ("tsv", ".tsv"), ".parquet": ("parquet", ".parquet"), ".pq": ("parquet", ".parquet"),
    ".xlsx": ("excel", ".xlsx"), ".xlsm": ("excel", ".xlsx"),
}
_CONTENT_TYPES: dict[str, str] = {
    "text/csv": ".csv", "application/csv": ".csv", "text/tab-separated-values": ".tsv",
    "application/vnd.apache.parquet": ".parquet", "application/x-parquet": ".parquet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    path: Path          # absolute
    relative: str       # below data_dir, as stored in the database
    format: str
    size_bytes: int
    sha256: str
    n_rows: int
    columns: list[str]


def detect_format(filename: str, content_type: str | None, head: bytes) -> str:
    """The on-disk suffix for an upload: from its name; without a suffix, from its first
    bytes or its declared type (text without NUL bytes is read as CSV)."""
    suffix = Path(filename).suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix][1]
    if not suffix:  # no name to go by: the first bytes, then the declared type
        if head.startswith(b"PAR1"):
            return ".parquet"
        if head.startswith(b"PK\x03\x04"):
            return ".xlsx"
        ctype = (content_type or "").split(";")[0].strip().lower()
        if ctype in _CONTENT_TYPES:
            return _CONTENT_TYPES[ctype]
        if b"\x00" not in head[:4096]:
            return ".csv"
    raise Problem(415, f"'{filename}' is not a survey file this service reads: send CSV "
                       "(UTF-8), TSV, Parquet or Excel (.xlsx).",
                  type=UNSUPPORTED_FILE, title="Unsupported file type")


def store_upload(source: BinaryIO, *, filename: str, content_type: str | None,
                 data_dir: Path, workspace_id: uuid.UUID, dataset_id: uuid.UUID,
                 max_bytes: int, stream_above: int | None = None) -> StoredFile:
    """Copy an upload to the data folder, check its size and that it reads as a table
    with at least one response.

    A CSV, TSV or Parquet file larger than ``stream_above`` bytes is checked chunk by
    chunk with the reader its fits will use (pyarrow), so memory does not grow with
    the file; others are read whole (``journeymap.data.read_table``).  Nothing is left
    behind when it fails: the file is removed and the problem raised.
    """

    head = source.read(4096)
    suffix = detect_format(filename, content_type, head)
    relative = f"datasets/{workspace_id}/{dataset_id}{suffix}"
    final = data_dir / relative
    final.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
    partial = final.with_name(f".{dataset_id}.partial{suffix}")  # read_table goes by suffix
    digest = hashlib.sha256()
    size = 0
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, UPLOAD_FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > max_bytes:
                    raise Problem(413, f"the file is larger than this server accepts "
                                       f"({_human(max_bytes)}); split it, or ask the "
                                       "administrator to raise JOURNEYMAP_MAX_UPLOAD_BYTES.",
                                  type=TOO_LARGE, title="File too large",
                                  max_upload_bytes=max_bytes)
                digest.update(chunk)
                out.write(chunk)
                chunk = source.read(_CHUNK)
        if size == 0:
            raise Problem(422, f"'{filename}' is empty; it needs a header row and one row per "
                               "response.", type=INVALID_DATA, title="The file is not readable")
        big = stream_above is not None and size > stream_above and suffix != ".xlsx"
        n_rows, columns = _shape(partial, filename, chunked=big)
        if not columns:
            raise Problem(422, f"'{filename}' has no columns.", type=INVALID_DATA,
                          title="The file is not readable")
        if n_rows == 0:
            raise Problem(422, f"'{filename}' has a header row but no responses; it needs one "
                               "row per response under the header.", type=INVALID_DATA,
                          title="The file has no responses")
        shutil.move(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return StoredFile(path=final, relative=relative, format=_format_name(suffix),
                      size_bytes=size, sha256=digest.hexdigest(), n_rows=n_rows,
                      columns=columns)


def _shape(path: Path, filename: str, *, chunked: bool) -> tuple[int, list[str]]:
    """Rows and column names of a stored table; a 422 problem when it cannot be read."""
    from journeymap.data import read_table
    from journeymap.exceptions import JourneymapError

    try:
        if chunked:
            return _chunked_shape(path)
        frame = read_table(path)
    except JourneymapError as exc:
        message = str(exc).replace(str(path), filename)
        raise Problem(422, message, type=INVALID_DATA,
                      title="The file is not readable") from None
    return int(frame.shape[0]), [str(c) for c in frame.columns]


def _chunked_shape(path: Path) -> tuple[int, list[str]]:
    """:func:`_shape` of a large CSV/TSV/Parquet file, one block at a time (pyarrow)."""
    import csv

    import pyarrow as pa
    import pyarrow.csv as pv
    import pyarrow.parquet as pq

    from journeymap.exceptions import DataValidationError

    name = str(path)
    try:
        if path.suffix == ".parquet":
            pf = pq.ParquetFile(path)
            return int(pf.metadata.num_rows), [str(c) for c in pf.schema_arrow.names]
        from journeymap.sources.files import export_layout, export_shape

        layout = export_layout(path)  # a survey-tool export: header rows, encoding
        if layout is not None:
            return export_shape(path, layout)
        with path.open("rb") as fh:
            head = fh.read(65536)
        if b"\x00" in head:
            raise DataValidationError(f"{name}: this is not a text CSV file (it contains binary "
                                      "bytes); save the survey as CSV (UTF-8) or Parquet.")
        first = head.decode("utf-8-sig").splitlines()[0] if head.strip() else ""
        delimiter = "\t" if path.suffix == ".tsv" else ","
        if delimiter == "," and first:
            try:
                delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
            except csv.Error:
                delimiter = ","
        header = next(csv.reader([first], delimiter=delimiter)) if first else []
        if not header:
            return 0, []
        reader = pv.open_csv(path, read_options=pv.ReadOptions(block_size=1 << 22),
                             parse_options=pv.ParseOptions(delimiter=delimiter,
                                                           newlines_in_values=True),
                             convert_options=pv.ConvertOptions(
                                 include_columns=[header[0]],
                                 column_types={header[0]: pa.string()}))
        return sum(batch.num_rows for batch in reader), header
    except (pa.ArrowException, UnicodeDecodeError, OSError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataValidationError(f"{name}: cannot read this file as a table "
                                  f"({first_line}).") from None


def _format_name(suffix: str) -> str:
    return {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".xlsx": "excel"}[suffix]


def _human(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KiB", "MiB"):
        if value < 1024:
            return f"{n:,} bytes" if unit == "bytes" else f"{value:.4g} {unit}"
        value /= 1024
    return f"{value:.4g} GiB"
