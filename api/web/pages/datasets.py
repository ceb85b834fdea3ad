"""The data pages: upload, the list, one dataset's preview and its checks against a map."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from journeymap.limits import MAX_BAYESNET_DRAWS

from ...deps import ResultsDep, SessionDep, SettingsDep
from ...problems import Problem
from ...results import Results
from ...schemas import FitOptions
from ...services import datasets, maps
from ...settings import Settings
from .._core import PREFIX, CsrfDep, WebUser, WebUserDep, page, plain

router = APIRouter(prefix=PREFIX, include_in_schema=False)

ENGINES = ("linear", "bayesnet")


def _largest(field: str) -> int:
    """The largest value :class:`~api.schemas.FitOptions` takes for ``field`` (its ``le``)."""
    for rule in FitOptions.model_fields[field].metadata:
        if hasattr(rule, "le"):
            return int(rule.le)
    raise LookupError(field)  # pragma: no cover - a schema change the form must follow


#: The fit form's largest numbers, as the API's schema allows them.
FORM_LIMITS = {"min_responses": _largest("min_responses"), "bootstrap": _largest("bootstrap"),
               "seed": _largest("random_state"), "draws": MAX_BAYESNET_DRAWS}


@router.get("/datasets", response_class=HTMLResponse)
def list_data(request: Request, user: WebUserDep, session: SessionDep,
              settings: SettingsDep) -> Response:
    data = plain(datasets.list_datasets(session, user.workspace.id, 200, 0))["data"]
    return page(request, "datasets.html", {"datasets": data,
                                           "max_bytes": settings.max_upload_bytes}, user=user)


@router.post("/datasets", response_class=HTMLResponse)
def upload_data(request: Request, user: CsrfDep, session: SessionDep, settings: SettingsDep,
                file: Annotated[UploadFile, File()],
                name: Annotated[str, Form(max_length=255)] = "") -> Response:
    try:
        created = datasets.upload_dataset(session, settings, user.workspace.id, file.file,
                                          filename=file.filename,
                                          content_type=file.content_type, name=name or None)
    except Problem as exc:
        data = plain(datasets.list_datasets(session, user.workspace.id, 200, 0))["data"]
        return page(request, "datasets.html", {"datasets": data,
                                               "max_bytes": settings.max_upload_bytes,
                                               "error": exc.detail}, user=user,
                    status=exc.status)
    return RedirectResponse(f"{PREFIX}/datasets/{created.id}", status_code=303)


@router.get("/datasets/{dataset_id}", response_class=HTMLResponse)
def show_data(request: Request, dataset_id: uuid.UUID, user: WebUserDep, session: SessionDep,
              settings: SettingsDep, results: ResultsDep,
              map_id: uuid.UUID | None = None) -> Response:
    return dataset_page(request, user, session, settings, results, dataset_id, map_id)


def dataset_page(request: Request, user: WebUser, session: Session, settings: Settings,
                 results: Results, dataset_id: uuid.UUID, map_id: uuid.UUID | None = None, *,
                 fit_form: Mapping[str, str] | None = None,
                 fit_error: Mapping[str, str | None] | None = None,
                 status: int = 200) -> Response:
    """One dataset's page: preview, checks against a map, and the form that starts a fit.

    ``fit_form`` (the values a refused form held) and ``fit_error`` (its one message and
    the field it is about) show a refused fit form again, as it was sent."""
    ws = user.workspace.id
    row = datasets.get_dataset(session, ws, dataset_id)
    dataset = plain(datasets.dataset_out(row))
    map_list = plain(maps.list_maps(session, ws, 200, 0))["data"]
    path = datasets.dataset_path(settings, row)
    preview = datasets.preview(path, row.filename)
    checks = None
    chosen = map_id or (uuid.UUID(map_list[0]["id"]) if map_list else None)
    if chosen is not None and preview.error is None:
        rec, _version, m = maps.stored_map(session, results, ws, chosen)
        checks = {"map_id": str(rec.id), "map_name": rec.name,
                  **dataclasses.asdict(datasets.data_checks(path, row.filename, m))}
    return page(request, "dataset.html", {"dataset": dataset, "maps": map_list,
                                          "columns": preview.columns, "rows": preview.rows,
                                          "error": preview.error, "checks": checks,
                                          "engines": ENGINES, "limits": FORM_LIMITS,
                                          "fit_form": fit_form, "fit_error": fit_error},
                user=user, status=status)
