"""Fits and their analyses.

``POST /v1/fits`` queues a fit (202) that a background worker runs with the library.
A finished fit's drivers, roles, drawn map and role cards are computed from its
stored FitResult by :mod:`api.services.fits` and kept in memory; these routes only
read the request, move the work off the event loop and send the answer.  What-if
needs the respondents: it uses the fit made in this process or fits the stored file
again (409 when the file is gone).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from journeymap.limits import PAGE_SIZE_DEFAULT

from ..auth import CurrentWorkspace
from ..deps import ResultsDep, SessionDep, SessionsDep, WorkerDep, WorkspaceDep
from ..paging import Limit, Offset
from ..problems import problem_responses
from ..responses import JSON, attachment, json_response
from ..results import DoneFit, Ready, Results, etag_matches
from ..schemas import (
    DriversOut,
    FitCreate,
    FitOut,
    FitsOut,
    RoleInfluenceOut,
    RolesOut,
    ShareCreate,
    ShareOut,
    WhatIfOut,
    WhatIfRequest,
)
from ..services import deletion, shares
from ..services import fits as service
from .maps import SAFE_HEADERS, FontScale, HeightQuery, RoutesOnly, WidthQuery

router = APIRouter(prefix="/v1/fits", tags=["fits"])

RoleId = Annotated[str, Path(min_length=1, max_length=service.MAX_ROLE,
                             description="A role id of the map.")]
IfNoneMatch = Annotated[str | None, Header(
    description="The ETag of an earlier answer: 304 without a body when it is unchanged.")]
ANALYSIS_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the answer's ETag matches If-None-Match."},
    **problem_responses(401, 404, 409)}


async def finished(sessions: sessionmaker[Session], results: Results,
                   workspace: CurrentWorkspace, fit_id: uuid.UUID) -> DoneFit:
    """The finished fit (from memory without a thread hop when this process knows it)."""
    meta = service.cached_done(results, workspace.id, fit_id)
    if meta is None:
        meta = await run_in_threadpool(service.finished_fit, sessions, results, workspace.id,
                                       fit_id)
    return meta


def send_ready(ready: Ready, if_none_match: str | None) -> Response:
    """An analysis answer: 304 when ``If-None-Match`` holds its ETag, else its JSON.

    :mod:`api.fastpath` sends the same raw headers and body for the same request.
    """
    if etag_matches(if_none_match, ready.etag):
        response = Response(status_code=304)
        response.raw_headers = list(ready.not_modified)
        return response
    response = Response(ready.body)
    response.raw_headers = list(ready.headers)
    return response


async def _analysis(sessions: sessionmaker[Session], results: Results,
                    workspace: CurrentWorkspace, fit_id: uuid.UUID, kind: service.Analysis,
                    role: str | None, if_none_match: str | None) -> Response:
    meta = await finished(sessions, results, workspace, fit_id)
    ready = results.ready.get(service.analysis_key(kind, meta.id, role))
    if ready is None:
        ready = await run_in_threadpool(service.analysis_answer, sessions, results, meta,
                                        kind, role)
    return send_ready(ready, if_none_match)


# ------------------------------------------------------------------------ routes
@router.post("", status_code=202, response_model=FitOut,
             responses=problem_responses(401, 404, 422, 503))
def create_fit(body: FitCreate, session: SessionDep, workspace: WorkspaceDep,
               worker: WorkerDep) -> Response:
    """Queue a fit of a map version to a dataset; answers 202 at once.

    Poll ``GET /v1/fits/{id}`` until ``status`` is ``done`` (the result is there) or
    ``failed`` (``error.detail`` holds the library's message, e.g. a column the data
    lack).  Minimum responses (``options.min_responses``, default 30, never below 10)
    apply exactly as in the CLI.
    """
    out = service.create_fit(session, worker, workspace.id, body)
    return json_response(out, 202, {"Location": f"/v1/fits/{out.id}"})


@router.post("/{fit_id}/refresh", status_code=202, response_model=FitOut,
             responses=problem_responses(401, 404, 503))
def refresh_fit(fit_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep,
                worker: WorkerDep) -> Response:
    """Queue a new fit with the same map version, engine and options (a period's window
    rule resolved again) over the dataset's responses as they are now, after appends;
    answers 202 like ``POST /v1/fits``.  The new fit's ``refreshed_from`` is this fit,
    which keeps its numbers (docs/continuous-measurement.md)."""
    out = service.refresh_fit(session, worker, workspace.id, fit_id)
    return json_response(out, 202, {"Location": f"/v1/fits/{out.id}"})


@router.get("", response_model=FitsOut, responses=problem_responses(401))
def list_fits(session: SessionDep, workspace: WorkspaceDep,
              status: Literal["queued", "running", "done", "failed", "cancelled"] | None = None,
              map_id: uuid.UUID | None = None, dataset_id: uuid.UUID | None = None,
              limit: Limit = PAGE_SIZE_DEFAULT,
              offset: Offset = 0) -> Response:
    """The workspace's fits, newest first, without their results."""
    return json_response(service.list_fits(session, workspace.id, status=status,
                                           map_id=map_id, dataset_id=dataset_id,
                                           limit=limit, offset=offset))


@router.get("/{fit_id}", response_model=FitOut, responses=problem_responses(401, 404))
async def read_fit(fit_id: uuid.UUID, workspace: WorkspaceDep, sessions: SessionsDep,
                   results: ResultsDep) -> Response:
    """A fit's status; when done, ``result`` is the FitResult JSON (docs/api.md)."""
    if service.cached_done(results, workspace.id, fit_id) is not None:
        cached = results.responses.get(("fit", fit_id))
        if cached is not None:
            return Response(cached, media_type=JSON)
    body = await run_in_threadpool(service.fit_json, sessions, results, workspace.id, fit_id)
    return Response(body, media_type=JSON)


@router.delete("/{fit_id}", status_code=204, response_class=Response,
               responses=problem_responses(401, 404, 409))
def delete_fit(fit_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep,
               results: ResultsDep) -> Response:
    """Delete a finished, failed or cancelled fit and its results (409 while it is queued
    or running: cancel it first)."""
    deletion.delete_fit(session, results, workspace.id, fit_id)
    return Response(status_code=204)


@router.post("/{fit_id}/cancel", response_model=FitOut,
             responses=problem_responses(401, 404, 409))
def cancel_fit(fit_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep) -> Response:
    """Cancel a queued or running fit: its status is ``cancelled`` at once and the worker
    stops at its next check.  Cancelling a cancelled fit changes nothing; a done or
    failed fit answers 409."""
    return json_response(deletion.cancel_fit(session, workspace.id, fit_id))


@router.get("/{fit_id}/drivers", response_model=DriversOut, responses=ANALYSIS_RESPONSES)
async def fit_drivers(fit_id: uuid.UUID, workspace: WorkspaceDep, sessions: SessionsDep,
                      results: ResultsDep, if_none_match: IfNoneMatch = None) -> Response:
    """Every measured node's effect on LTR and NPS, largest first (``journeymap drivers``)."""
    return await _analysis(sessions, results, workspace, fit_id, "drivers", None,
                           if_none_match)


@router.get("/{fit_id}/roles", response_model=RolesOut, responses=ANALYSIS_RESPONSES)
async def fit_roles(fit_id: uuid.UUID, workspace: WorkspaceDep, sessions: SessionsDep,
                    results: ResultsDep, if_none_match: IfNoneMatch = None) -> Response:
    """Every role's influence, largest absolute NPS points first."""
    return await _analysis(sessions, results, workspace, fit_id, "roles", None, if_none_match)


@router.get("/{fit_id}/roles/{role}", response_model=RoleInfluenceOut,
            responses=ANALYSIS_RESPONSES)
async def fit_role(fit_id: uuid.UUID, role: RoleId, workspace: WorkspaceDep,
                   sessions: SessionsDep, results: ResultsDep,
                   if_none_match: IfNoneMatch = None) -> Response:
    """One role's influence with every path to NPS (``journeymap influence ROLE``)."""
    return await _analysis(sessions, results, workspace, fit_id, "role", role, if_none_match)


@router.post("/{fit_id}/what-if", response_model=WhatIfOut,
             responses=problem_responses(401, 404, 409, 422))
def fit_what_if(fit_id: uuid.UUID, body: WhatIfRequest, session: SessionDep,
                workspace: WorkspaceDep, worker: WorkerDep, results: ResultsDep) -> Response:
    """Predicted mean LTR and NPS if some nodes (or roles) did better (``journeymap what-if``).

    Needs the respondents: the first call after a restart fits the stored file again.
    """
    return json_response(service.what_if(session, worker, results, workspace.id, fit_id,
                                         body.shifts))


@router.get("/{fit_id}/map.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}},
                             "description": "The fitted map (SVG)."},
                       **problem_responses(401, 404, 409, 422, 503)})
async def fit_map_svg(fit_id: uuid.UUID, workspace: WorkspaceDep, sessions: SessionsDep,
                      results: ResultsDep,
                      role: Annotated[str | None, Query(max_length=200, description=(
                          "Highlight this role's paths (the 'my influence' view)."))] = None,
                      lanes: Literal["kind", "stage"] = "kind", routes_only: RoutesOnly = False,
                      width: WidthQuery = None, height: HeightQuery = None,
                      font_scale: FontScale = 1.0) -> Response:
    """The fitted map drawn by graphviz: effects on the edges, NPS points on the nodes."""
    meta = await finished(sessions, results, workspace, fit_id)
    svg = await run_in_threadpool(lambda: service.render_fit(
        sessions, results, meta, format="svg", role=role, lanes=lanes,
        routes_only=routes_only, width=width, height=height, font_scale=font_scale))
    return Response(svg, media_type="image/svg+xml", headers=SAFE_HEADERS)


@router.get("/{fit_id}/cards/{role}.html", response_class=Response,
            responses={200: {"content": {"text/html": {}},
                             "description": "The role's card (one HTML page)."},
                       **problem_responses(401, 404, 409, 503)})
async def fit_role_card(fit_id: uuid.UUID, role: RoleId, workspace: WorkspaceDep,
                        sessions: SessionsDep, results: ResultsDep,
                        worker: WorkerDep) -> Response:
    """One role's "my influence" card as a self-contained HTML page."""
    meta = await finished(sessions, results, workspace, fit_id)
    page = await run_in_threadpool(service.role_card, sessions, results, meta, role, worker)
    return Response(page, media_type="text/html; charset=utf-8", headers=SAFE_HEADERS)


@router.get("/{fit_id}/cards/{role}.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}},
                             "description": "The role's card (one A4 page, PDF)."},
                       **problem_responses(401, 404, 409, 503)})
async def fit_role_card_pdf(fit_id: uuid.UUID, role: RoleId, workspace: WorkspaceDep,
                            sessions: SessionsDep, results: ResultsDep,
                            worker: WorkerDep) -> Response:
    """One role's "my influence" card as a one-page A4 PDF (503 without WeasyPrint)."""
    meta = await finished(sessions, results, workspace, fit_id)
    pdf = await run_in_threadpool(service.role_card_pdf, sessions, results, meta, role,
                                  worker)
    return Response(pdf, media_type="application/pdf", headers={
        **SAFE_HEADERS, "Content-Disposition": attachment(f"{role}-card.pdf")})


async def _share(request: Request, sessions: sessionmaker[Session], results: Results,
                 workspace: CurrentWorkspace, fit_id: uuid.UUID, role: str | None,
                 body: ShareCreate | None) -> Response:
    days = (body or ShareCreate()).expires_in_days
    out = await run_in_threadpool(shares.create_share, sessions, results, workspace.id,
                                  fit_id, role, days, str(request.base_url))
    return json_response(out, 201)


@router.post("/{fit_id}/roles/{role}/share", status_code=201, response_model=ShareOut,
             responses=problem_responses(401, 404, 409, 422))
async def share_role(request: Request, fit_id: uuid.UUID, role: RoleId,
                     workspace: WorkspaceDep, sessions: SessionsDep, results: ResultsDep,
                     body: ShareCreate | None = None) -> Response:
    """A link that opens this role's page, card and map without any key, and nothing else.

    The ``url`` holds a random token shown only in this answer (the server keeps its
    hash); the link works ``expires_in_days`` days (default 30, at most 365) or until
    ``DELETE /v1/shares/{token_id}``.
    """
    return await _share(request, sessions, results, workspace, fit_id, role, body)


@router.post("/{fit_id}/share", status_code=201, response_model=ShareOut,
             responses=problem_responses(401, 404, 409, 422))
async def share_fit(request: Request, fit_id: uuid.UUID, workspace: WorkspaceDep,
                    sessions: SessionsDep, results: ResultsDep,
                    body: ShareCreate | None = None) -> Response:
    """A viewer link: every role's page, card and map of this fit, read-only, without any
    key — no drivers, what-if, survey rows, uploads or other fits (``role`` is null)."""
    return await _share(request, sessions, results, workspace, fit_id, None, body)


#: The routes :mod:`api.fastpath` answers from memory once their answer is made.
FAST_ROUTES: dict[Callable[..., Any], service.Analysis] = {
    fit_drivers: "drivers", fit_roles: "roles", fit_role: "role"}


PeriodQuery = Annotated[Literal["month", "quarter"],
                        Query(description="Calendar months or quarters.")]
DateColumn = Annotated[str | None, Query(max_length=255, description="The date column "
                                         "(default: the fit's window's, else 'date').")]
OVER_TIME = {"content": {JSON: {"schema": {"type": "object"}}}}


def _over_time(session: Session, worker: Any, workspace: CurrentWorkspace,
               fit_id: uuid.UUID, kind: str, **params: Any) -> Response:
    from ..results import dumps
    from ..services.trends import fit_over_time

    out = fit_over_time(session, worker, workspace.id, fit_id, kind, **params)
    return Response(dumps(out), media_type=JSON)


@router.get("/{fit_id}/trend", responses={200: OVER_TIME,
                                          **problem_responses(401, 404, 409, 422)})
def fit_trend(fit_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep,
              worker: WorkerDep, period: PeriodQuery = "month",
              date_column: DateColumn = None) -> Response:
    """NPS per month or quarter with 95 % intervals, small periods suppressed
    (``journeymap trend``), over the fit's data."""
    return _over_time(session, worker, workspace, fit_id, "trend", period=period,
                      date_column=date_column)


@router.get("/{fit_id}/waterfall", responses={200: OVER_TIME,
                                              **problem_responses(401, 404, 409, 422)})
def fit_waterfall(fit_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep,
                  worker: WorkerDep,
                  from_: Annotated[str, Query(alias="from", max_length=20,
                                              description="2026-01 or 2026-Q1.")],
                  to: Annotated[str, Query(max_length=20, description="2026-02 or 2026-Q2.")],
                  period: PeriodQuery = "month", date_column: DateColumn = None) -> Response:
    """The NPS change between two periods split into one bar per touchpoint and a rest
    (``journeymap waterfall``)."""
    return _over_time(session, worker, workspace, fit_id, "waterfall", period=period,
                      date_column=date_column, from_period=from_, to_period=to)


@router.get("/{fit_id}/roles/{role}/trend", responses={200: OVER_TIME,
                                                       **problem_responses(401, 404, 409, 422)})
def fit_role_trend(fit_id: uuid.UUID, role: RoleId, session: SessionDep,
                   workspace: WorkspaceDep, worker: WorkerDep, period: PeriodQuery = "quarter",
                   date_column: DateColumn = None) -> Response:
    """The role's influence and NPS points per period with 95 % intervals, each period
    fitted alone; periods under the minimum responses suppressed."""
    return _over_time(session, worker, workspace, fit_id, "role", period=period,
                      date_column=date_column, role=role)


@router.get("/{fit_id}/accounts", responses={200: OVER_TIME,
                                             **problem_responses(401, 404, 409, 422)})
def fit_accounts(fit_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep,
                 worker: WorkerDep,
                 threshold: Annotated[float, Query(ge=-100, le=100, description=(
                     "An account whose shown NPS is below this is at risk."))] = 0.0,
                 order: Annotated[Literal["name", "risk"], Query(
                     description="Alphabetical, or accounts at risk first.")] = "name",
                 lang: Annotated[Literal["en", "sv", "da", "fi", "nb"], Query(
                     description="Language of the at-risk reasons.")] = "en") -> Response:
    """B2B accounts (``journeymap accounts``): NPS per account (suppressed below the
    minimum, with n), respondent- and account-weighted headlines, contact roles and
    accounts at risk with the reason, over the fit's data (docs/accounts.md)."""
    from ..results import dumps
    from ..services.accounts import fit_accounts as service_accounts

    out = service_accounts(session, worker, workspace.id, fit_id, threshold=threshold,
                           order=order, lang=lang)
    return Response(dumps(out), media_type=JSON)


_PIPELINE_ROW = {"type": "object", "properties": {
    "account": {"type": "string"}, "opportunity": {"type": "string"},
    "stage": {"type": "string"}, "amount": {"type": "number"},
    "probability": {"type": "number"}}}
_PIPELINE_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary", "description": (
                "The opportunities: CSV (UTF-8), TSV, Excel or Parquet; one row per "
                "opportunity with account, opportunity, stage, amount, probability.")}}}},
        "text/csv": {"schema": {"type": "string"}},
        "text/tab-separated-values": {"schema": {"type": "string"}},
        "application/json": {"schema": {
            "type": "object", "required": ["rows"],
            "properties": {"rows": {"type": "array", "minItems": 1, "items": _PIPELINE_ROW}}}},
    },
}


@router.post("/{fit_id}/pipeline", responses={200: OVER_TIME,
                                              **problem_responses(401, 404, 409, 413, 415,
                                                                  422)},
             openapi_extra={"requestBody": _PIPELINE_BODY})
async def fit_pipeline(
    fit_id: uuid.UUID, request: Request, session: SessionDep, workspace: WorkspaceDep,
    worker: WorkerDep,
    min_probability: Annotated[float, Query(ge=0, le=1, description=(
        "Forecast probability (0-1) from which an opportunity whose account's decision "
        "maker is a detractor is listed."))] = 0.5,
    lang: Annotated[Literal["en", "sv", "da", "fi", "nb"], Query(
        description="Language of the reasons.")] = "en") -> Response:
    """Sales pipeline (``journeymap pipeline``): the opportunities sent (a file, CSV/TSV
    text or JSON rows; not stored) joined to the fit's accounts — NPS by stage
    (suppressed below the minimum, with n) and the opportunities whose account's decision
    maker is a detractor while the forecast probability is high, with the reason
    (docs/pipeline.md)."""
    from ..results import dumps
    from ..services import pipeline

    body, content_type, filename = await pipeline_upload(request)
    opportunities = pipeline.opportunities_from_body(body, content_type, filename)
    out = await run_in_threadpool(pipeline.fit_pipeline, session, worker, workspace.id,
                                  fit_id, opportunities, min_probability=min_probability,
                                  lang=lang)
    return Response(dumps(out), media_type=JSON)


async def pipeline_upload(request: Request) -> tuple[bytes, str | None, str | None]:
    """The body of a pipeline request with its content type and file name: a multipart
    upload's ``file``, or the raw body (no file name).  422 for a form without a file."""
    from starlette.datastructures import UploadFile

    from ..problems import INVALID_DATA, Problem

    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "multipart/form-data":
        return await request.body(), request.headers.get("content-type"), None
    async with request.form() as form:  # closes the spooled files
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Problem(422, "the form has no file: send the opportunities in the field "
                               "'file'.", type=INVALID_DATA, title="No opportunities file")
        return await upload.read(), upload.content_type, upload.filename or "opportunities"
