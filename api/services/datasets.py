"""Survey datasets of a workspace: upload, list, read, preview, check against a map.

An upload is stored as a file under the data folder and described in the database.
It is only checked to be a readable table; it is checked against a map when a fit
runs (or when the data page shows the library's data checks).  Shared by the
``/v1/datasets`` routes and the data pages.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from journeymap.exceptions import JourneymapError

from ..models import Dataset, utcnow
from ..problems import not_found
from ..schemas import DatasetOut, DatasetsOut
from ..settings import Settings
from ..storage import store_upload
from ._paging import newest_first

if TYPE_CHECKING:
    from journeymap.model import JourneyMap

__all__ = ["DataChecks", "Preview", "data_checks", "dataset_out", "dataset_path",
           "get_dataset", "list_datasets", "preview", "read_dataset", "safe_name",
           "upload_dataset"]


def dataset_out(row: Dataset) -> DatasetOut:
    """The answer describing a stored dataset."""
    return DatasetOut.model_validate({
        "id": row.id, "name": row.name, "filename": row.filename, "format": row.format,
        "size_bytes": row.size_bytes, "sha256": row.sha256, "n_rows": row.n_rows,
        "columns": json.loads(row.columns), "created_at": row.created_at})


def get_dataset(session: Session, workspace_id: uuid.UUID, dataset_id: uuid.UUID) -> Dataset:
    """The dataset ``dataset_id`` of the workspace (404 problem when it has none)."""
    row = session.scalar(select(Dataset).where(Dataset.id == dataset_id,
                                               Dataset.workspace_id == workspace_id))
    if row is None:
        raise not_found("dataset", dataset_id)
    return row


def dataset_path(settings: Settings, row: Dataset) -> Path:
    """Where the dataset's file is stored."""
    return settings.data_dir / row.path


def safe_name(filename: str | None) -> str:
    """The last part of an uploaded file's name (``data.csv`` when it has none)."""
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    return (name or "data.csv")[:255]


def upload_dataset(session: Session, settings: Settings, workspace_id: uuid.UUID,
                   file: BinaryIO, *, filename: str | None, content_type: str | None,
                   name: str | None = None) -> DatasetOut:
    """Store an uploaded survey file and describe it (it must be readable as a table).

    Raises 413/415/422 problems for files too large, of an unknown kind or unreadable
    (see :func:`api.storage.store_upload`).
    """
    clean_name = safe_name(filename)
    dataset_id = uuid.uuid4()
    stored = store_upload(file, filename=clean_name, content_type=content_type,
                          data_dir=settings.data_dir, workspace_id=workspace_id,
                          dataset_id=dataset_id, max_bytes=settings.max_upload_bytes,
                          stream_above=settings.stream_fits_above_bytes)
    row = Dataset(id=dataset_id, workspace_id=workspace_id,
                  name=(name or "").strip()[:255] or clean_name, filename=clean_name,
                  format=stored.format, size_bytes=stored.size_bytes, sha256=stored.sha256,
                  n_rows=stored.n_rows, columns=json.dumps(stored.columns, ensure_ascii=False),
                  path=stored.relative, created_at=utcnow())
    session.add(row)
    try:
        session.commit()
    except BaseException:
        stored.path.unlink(missing_ok=True)
        raise
    return dataset_out(row)


def list_datasets(session: Session, workspace_id: uuid.UUID, limit: int = 50,
                  offset: int = 0) -> DatasetsOut:
    """The workspace's datasets, newest first, and how many there are."""
    rows, count = newest_first(session, Dataset, [Dataset.workspace_id == workspace_id],
                               limit, offset)
    return DatasetsOut(data=[dataset_out(r) for r in rows], count=count)


def read_dataset(session: Session, workspace_id: uuid.UUID, dataset_id: uuid.UUID
                 ) -> DatasetOut:
    """A dataset's description (name, size, rows, columns, SHA-256)."""
    return dataset_out(get_dataset(session, workspace_id, dataset_id))


@dataclass(frozen=True)
class Preview:
    """The first rows of a dataset as text cells, or the library's reason it cannot be read."""

    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    error: str | None = None


def _cell(v: Any) -> str:
    """A cell as typed: a whole-number column with blanks is not shown as ``5.0``."""
    if v is None or v != v:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def preview(path: Path, filename: str, rows: int = 8) -> Preview:
    """The first ``rows`` rows of the file (messages name ``filename``, not the server path)."""
    from journeymap.data import read_table

    try:
        frame = read_table(path)
    except JourneymapError as exc:
        return Preview(error=str(exc).replace(str(path), filename))
    head = frame.head(rows)
    return Preview(columns=[str(c) for c in head.columns],
                   rows=[[_cell(v) for v in row] for row in head.itertuples(index=False)])


@dataclass(frozen=True)
class DataChecks:
    """The library's checks of a data file against a map: errors, warnings and counts."""

    ok: bool
    errors: list[str]
    warnings: list[str]
    n_responses: int | None = None
    n: int | None = None


def data_checks(path: Path, filename: str, journey_map: JourneyMap) -> DataChecks:
    """Load the file as ``journeymap.load_survey`` does and report what it says."""
    from journeymap.data import load_survey

    try:
        data = load_survey(path, journey_map)
    except JourneymapError as exc:
        return DataChecks(ok=False, errors=[str(exc).replace(str(path), filename)],
                          warnings=[])
    return DataChecks(ok=True, errors=[], warnings=list(data.warnings),
                      n_responses=data.n_responses, n=data.n)
