"""Survey datasets: upload (multipart), list, read.

An upload is stored as a file under the data folder and described in the database.
It is only checked to be a readable table; it is checked against a map when a fit
runs.  Files over ``max_upload_bytes`` answer 413 (the request is cut off as soon as
it is known to be too large; see ``api.main.UploadLimitMiddleware``).
"""

from __future__ import annotations

import json
import uuid
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from sqlalchemy import func, select

from ..deps import SessionDep, SettingsDep, WorkspaceDep
from ..models import Dataset, utcnow
from ..problems import not_found, problem_responses
from ..responses import json_response
from ..schemas import DatasetOut, DatasetsOut
from ..storage import store_upload

router = APIRouter(prefix="/v1/datasets", tags=["datasets"])


def _out(row: Dataset) -> DatasetOut:
    return DatasetOut.model_validate({
        "id": row.id, "name": row.name, "filename": row.filename, "format": row.format,
        "size_bytes": row.size_bytes, "sha256": row.sha256, "n_rows": row.n_rows,
        "columns": json.loads(row.columns), "created_at": row.created_at})


def get_dataset(session: SessionDep, workspace_id: uuid.UUID, dataset_id: uuid.UUID) -> Dataset:
    row = session.scalar(select(Dataset).where(Dataset.id == dataset_id,
                                               Dataset.workspace_id == workspace_id))
    if row is None:
        raise not_found("dataset", dataset_id)
    return row


def _safe_name(filename: str | None) -> str:
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    return (name or "data.csv")[:255]


@router.post("", status_code=201, response_model=DatasetOut,
             responses=problem_responses(401, 413, 415, 422))
def upload_dataset(
    file: Annotated[UploadFile, File(description="The survey: CSV (UTF-8), TSV, Parquet or "
                                                 "Excel; one row per response.")],
    session: SessionDep, workspace: WorkspaceDep, settings: SettingsDep,
    name: Annotated[str | None, Form(max_length=255,
                                     description="A name for people (default: the file "
                                                 "name).")] = None,
) -> Response:
    """Upload survey data.  It must be readable as a table; nothing else is checked yet."""
    filename = _safe_name(file.filename)
    dataset_id = uuid.uuid4()
    stored = store_upload(file.file, filename=filename, content_type=file.content_type,
                          data_dir=settings.data_dir, workspace_id=workspace.id,
                          dataset_id=dataset_id, max_bytes=settings.max_upload_bytes)
    row = Dataset(id=dataset_id, workspace_id=workspace.id,
                  name=(name or "").strip()[:255] or filename, filename=filename,
                  format=stored.format, size_bytes=stored.size_bytes, sha256=stored.sha256,
                  n_rows=stored.n_rows, columns=json.dumps(stored.columns, ensure_ascii=False),
                  path=stored.relative, created_at=utcnow())
    session.add(row)
    try:
        session.commit()
    except BaseException:
        stored.path.unlink(missing_ok=True)
        raise
    return json_response(_out(row), 201, {"Location": f"/v1/datasets/{row.id}"})


@router.get("", response_model=DatasetsOut, responses=problem_responses(401))
def list_datasets(session: SessionDep, workspace: WorkspaceDep,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50,
                  offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> Response:
    """The workspace's datasets, newest first."""
    where = Dataset.workspace_id == workspace.id
    count = session.scalar(select(func.count()).select_from(Dataset).where(where))
    rows = session.scalars(select(Dataset).where(where)
                           .order_by(Dataset.created_at.desc(), Dataset.id)
                           .limit(limit).offset(offset)).all()
    return json_response(DatasetsOut(data=[_out(r) for r in rows], count=int(count or 0)))


@router.get("/{dataset_id}", response_model=DatasetOut, responses=problem_responses(401, 404))
def read_dataset(dataset_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep
                 ) -> Response:
    """A dataset's description (name, size, rows, columns, SHA-256)."""
    return json_response(_out(get_dataset(session, workspace.id, dataset_id)))
