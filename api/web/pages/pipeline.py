"""The analyst's sales-pipeline page (``POST /v1/fits/{id}/pipeline``, docs/pipeline.md).

An upload form for an opportunities file and, once one is sent, the two tables of the
library's report: NPS by pipeline stage (suppressed below the minimum, with n) and the
opportunities to act on (biggest amount first, never ranked by score) with the reason in
words.  The file is read for the answer only and not kept.  Only for a signed-in
workspace: share links never reach it.  The figures are the service's (the library's
report); the page only formats.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from journeymap import i18n

from ...deps import SessionsDep, SettingsDep, WorkerDep
from ...problems import Problem
from ...services import accounts, pipeline
from .._core import PREFIX, CsrfDep, WebUserDep, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)

#: The form's default forecast probability, in percent (the library's 0.5).
DEFAULT_PERCENT = 50.0


def _context(fit_id: uuid.UUID, named: bool, settings: Any, **extra: Any) -> dict[str, Any]:
    return {"fit_id": str(fit_id), "named": named, "report": None, "error": None,
            "percent": DEFAULT_PERCENT, "max_bytes": settings.max_body_bytes, **extra}


@router.get("/fits/{fit_id}/pipeline", response_class=HTMLResponse)
async def pipeline_form(request: Request, fit_id: uuid.UUID, user: WebUserDep,
                        sessions: SessionsDep, worker: WorkerDep,
                        settings: SettingsDep) -> Response:
    """The upload form; a plain message when the map names no account column."""

    def named() -> bool:
        with sessions() as session:
            return accounts.names_accounts(session, worker, user.workspace.id, fit_id)

    has = await run_in_threadpool(named)
    return page(request, "pipeline.html", _context(fit_id, has, settings), user=user)


@router.post("/fits/{fit_id}/pipeline", response_class=HTMLResponse)
async def pipeline_report(request: Request, fit_id: uuid.UUID, user: CsrfDep,
                          sessions: SessionsDep, worker: WorkerDep, settings: SettingsDep,
                          file: Annotated[UploadFile, File()],
                          percent: Annotated[float, Form(ge=0, le=100)] = DEFAULT_PERCENT
                          ) -> Response:
    """The two tables for the uploaded opportunities, or the one problem above the form
    (with its status) when the file cannot be used."""
    lang = i18n.current_language()
    body = await file.read()

    def compute() -> dict[str, Any]:
        with sessions() as session:
            if not accounts.names_accounts(session, worker, user.workspace.id, fit_id):
                return {"named": False}
            opportunities = pipeline.opportunities_from_body(
                body, file.content_type, file.filename or "opportunities")
            return {"named": True, "report": pipeline.fit_pipeline(
                session, worker, user.workspace.id, fit_id, opportunities,
                min_probability=percent / 100.0, lang=lang)}

    try:
        out = await run_in_threadpool(compute)
    except Problem as exc:
        if exc.status not in (413, 415, 422):
            raise
        return page(request, "pipeline.html", _context(
            fit_id, True, settings, error=exc.detail, percent=percent,
            filename=file.filename), user=user, status=exc.status)
    return page(request, "pipeline.html", _context(
        fit_id, out["named"], settings, report=out.get("report"), percent=percent,
        filename=file.filename), user=user)
