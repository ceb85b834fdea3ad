"""Survey datasets: upload (multipart), list, read.

An upload is stored as a file under the data folder and described in the database
(:mod:`api.services.datasets`).  It is only checked to be a readable table; it is
checked against a map when a fit runs.  Files over ``max_upload_bytes`` answer 413
(the request is cut off as soon as it is known to be too large; see
``api.middleware.RequestLimitsMiddleware``).
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from journeymap.limits import PAGE_SIZE_DEFAULT

from ..deps import ResultsDep, SessionDep, SettingsDep, WorkspaceDep
from ..paging import Limit, Offset
from ..problems import problem_responses
from ..responses import json_response
from ..schemas import AppendOut, DatasetOut, DatasetsOut
from ..services import appends, deletion
from ..services import datasets as service

router = APIRouter(prefix="/v1/datasets", tags=["datasets"])

Cascade = Annotated[bool, Query(description="Delete the fits made with it too (else a 409 "
                                             "problem lists them).")]


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
    out = service.upload_dataset(session, settings, workspace.id, file.file,
                                 filename=file.filename, content_type=file.content_type,
                                 name=name)
    return json_response(out, 201, {"Location": f"/v1/datasets/{out.id}"})


@router.get("", response_model=DatasetsOut, responses=problem_responses(401))
def list_datasets(session: SessionDep, workspace: WorkspaceDep,
                  limit: Limit = PAGE_SIZE_DEFAULT,
                  offset: Offset = 0) -> Response:
    """The workspace's datasets, newest first."""
    return json_response(service.list_datasets(session, workspace.id, limit, offset))


@router.get("/{dataset_id}", response_model=DatasetOut, responses=problem_responses(401, 404))
def read_dataset(dataset_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep
                 ) -> Response:
    """A dataset's description (name, size, rows, columns, SHA-256)."""
    return json_response(service.read_dataset(session, workspace.id, dataset_id))


@router.delete("/{dataset_id}", status_code=204, response_class=Response,
               responses=problem_responses(401, 404, 409))
def delete_dataset(dataset_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep,
                   settings: SettingsDep, results: ResultsDep, cascade: Cascade = False
                   ) -> Response:
    """Delete a dataset and its survey file on the server.  Its fits are deleted too
    with ``cascade=true``; otherwise, when it has any, a 409 problem lists them
    (``dependants.fits``).  A queued or running fit must be cancelled first."""
    deletion.delete_dataset(session, results, settings.data_dir, workspace.id, dataset_id,
                            cascade=cascade)
    return Response(status_code=204)


_APPEND_BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "text/tab-separated-values": {"schema": {"type": "string"}},
        "application/json": {"schema": {
            "type": "object", "required": ["rows"],
            "properties": {"rows": {"type": "array", "minItems": 1,
                                    "items": {"type": "object"}}}}},
    },
}


@router.post("/{dataset_id}/responses", response_model=AppendOut,
             responses=problem_responses(401, 404, 409, 413, 415, 422),
             openapi_extra={"requestBody": _APPEND_BODY})
async def append_responses(
    dataset_id: uuid.UUID, request: Request, session: SessionDep, workspace: WorkspaceDep,
    settings: SettingsDep,
    results: ResultsDep,
    id_column: Annotated[str | None, Query(max_length=255,
                                           description="The response-id column (default "
                                                       "response_id).")] = None,
    map_id: Annotated[uuid.UUID | None, Query(
        description="The map whose touchpoints and roles assign the new responses' "
                    "follow-up cases (default: the map of the dataset's latest finished "
                    "fit).")] = None,
) -> Response:
    """Append responses (CSV/TSV text or JSON rows with the dataset's columns), idempotent
    by response id: rows already stored are skipped and counted; an id stored with other
    answers refuses the batch (409 listing the ids).  The new responses' follow-up cases
    open by the workspace's rules (``cases`` in the answer).  Stored fits do not change."""
    body = await request.body()
    out = await run_in_threadpool(partial(
        appends.append_responses, session, settings, workspace.id, dataset_id, body,
        request.headers.get("content-type"), id_column, results=results, map_id=map_id))
    return json_response(out)
