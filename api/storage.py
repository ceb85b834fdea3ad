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
                 max_bytes: int) -> StoredFile:
    """Copy an upload to the data folder, check its size and that it reads as a table.

    Nothing is left behind when it fails: the file is removed and the problem raised.
    """
    from journeymap.data import read_table
    from journeymap.exceptions import JourneymapError

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
        try:
            frame = read_table(partial)
        except JourneymapError as exc:
            message = str(exc).replace(str(partial), filename)
            raise Problem(422, message, type=INVALID_DATA,
                          title="The file is not readable") from None
        if frame.shape[1] == 0:
            raise Problem(422, f"'{filename}' has no columns.", type=INVALID_DATA,
                          title="The file is not readable")
        shutil.move(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return StoredFile(path=final, relative=relative, format=_format_name(suffix),
                      size_bytes=size, sha256=digest.hexdigest(), n_rows=int(frame.shape[0]),
                      columns=[str(c) for c in frame.columns])


def _format_name(suffix: str) -> str:
    return {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".xlsx": "excel"}[suffix]


def _human(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KiB", "MiB"):
        if value < 1024:
            return f"{n:,} bytes" if unit == "bytes" else f"{value:.4g} {unit}"
        value /= 1024
    return f"{value:.4g} GiB"
