"""Fits and their analyses.

``POST /v1/fits`` queues a fit (202) that a background worker runs with the library.
A finished fit's FitResult JSON is stored; drivers, roles, the rendered map and the
role cards are computed from it by the library (``FitResult.from_dict`` and
``journeymap.analysis`` / ``journeymap.render``) and cached, since a finished fit
never changes.  What-if needs the respondents: it uses the fit made in this process
or fits the stored file again (409 when the file is gone).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer, sessionmaker
from starlette.concurrency import run_in_threadpool

from journeymap.exceptions import JourneymapError
from journeymap.limits import DEFAULT_MIN_RESPONSES

from ..auth import CurrentWorkspace
from ..deps import ResultsDep, SessionDep, SessionsDep, WorkerDep, WorkspaceDep
from ..models import Fit, FitStatus, MapVersion, utcnow
from ..problems import (
    DATA_UNAVAILABLE,
    FIT_FAILED,
    FIT_NOT_READY,
    NOT_FOUND,
    Problem,
    not_found,
    problem_for_library_error,
    problem_responses,
)
from ..responses import JSON
from ..results import DoneFit, Ready, Results, dumps, etag_matches
from ..schemas import (
    DriversOut,
    FitCreate,
    FitOut,
    FitsOut,
    RoleInfluenceOut,
    RolesOut,
    WhatIfOut,
    WhatIfRequest,
)
from .datasets import get_dataset
from .maps import SAFE_HEADERS, get_map, get_version

if TYPE_CHECKING:
    from journeymap.engines import FitResult

router = APIRouter(prefix="/v1/fits", tags=["fits"])

RoleId = Annotated[str, Path(min_length=1, max_length=200, description="A role id of the map.")]
IfNoneMatch = Annotated[str | None, Header(
    description="The ETag of an earlier answer: 304 without a body when it is unchanged.")]
ANALYSIS_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the answer's ETag matches If-None-Match."},
    **problem_responses(401, 404, 409)}


def _iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with ``Z``, as pydantic writes the other resources' times."""
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _fit_dict(fit: Fit) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(fit.id), "status": fit.status, "map_id": str(fit.map_id),
        "map_version": fit.map_version, "dataset_id": str(fit.dataset_id),
        "engine": fit.engine, "options": json.loads(fit.options),
        "created_at": _iso(fit.created_at), "started_at": _iso(fit.started_at),
        "finished_at": _iso(fit.finished_at),
        "error": json.loads(fit.error) if fit.error else None,
        "result": None,
    }
    return out


def _json(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Ready JSON (see :mod:`api.responses` for why routes return a Response)."""
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def get_fit(session: SessionDep, workspace_id: uuid.UUID, fit_id: uuid.UUID) -> Fit:
    fit = session.scalar(select(Fit).options(defer(Fit.result))
                         .where(Fit.id == fit_id, Fit.workspace_id == workspace_id))
    if fit is None:
        raise not_found("fit", fit_id)
    return fit


def done_fit(session: SessionDep, workspace_id: uuid.UUID, fit_id: uuid.UUID) -> Fit:
    """The fit, when it finished; else a 409 problem saying what to do."""
    fit = get_fit(session, workspace_id, fit_id)
    if fit.status == FitStatus.DONE:
        return fit
    if fit.status == FitStatus.FAILED:
        error = json.loads(fit.error or "{}")
        raise Problem(409, f"this fit failed, so it has no results: {error.get('detail', '')}",
                      type=FIT_FAILED, title="The fit failed")
    raise Problem(409, f"this fit is {fit.status}; its results are ready when its status is "
                       "done (GET /v1/fits/{id}).", type=FIT_NOT_READY,
                  title="The fit is not finished", headers={"Retry-After": "1"})


async def finished(sessions: sessionmaker[Session], results: Results,
                   workspace: CurrentWorkspace, fit_id: uuid.UUID) -> DoneFit:
    """The finished fit ``fit_id`` of ``workspace`` (from memory when seen before)."""
    meta = results.done.get(fit_id)
    if meta is None:
        def load() -> DoneFit:
            with sessions() as session:
                fit = done_fit(session, workspace.id, fit_id)
                return DoneFit(id=fit.id, workspace_id=fit.workspace_id,
                               map_version_id=fit.map_version_id, engine=fit.engine,
                               min_responses=_min_responses(fit))

        meta = results.done.put(fit_id, await run_in_threadpool(load))
    if meta.workspace_id != workspace.id:
        raise not_found("fit", fit_id)
    return meta


def load_result(sessions: sessionmaker[Session], results: Results, meta: DoneFit) -> FitResult:
    """The finished fit's FitResult, rebuilt from the stored JSON (cached)."""
    cached = results.results.get(meta.id)
    if cached is not None:
        return cached
    with sessions() as session:
        version = session.get(MapVersion, meta.map_version_id)
        stored = session.scalar(select(Fit.result).where(Fit.id == meta.id))
    assert version is not None
    assert stored is not None
    return results.result(meta.id, results.journey_map(version.id, version.definition), stored)


async def _analysis(results: Results, key: tuple[Any, ...], build: Callable[[], Any],
                    if_none_match: str | None) -> Response:
    """The JSON of an analysis with its ETag: from memory, else built once in a worker
    thread; 304 when ``If-None-Match`` holds the ETag.  :mod:`api.fastpath` sends the
    same ready answer without FastAPI once it is in memory."""
    ready: Ready | None = results.ready.get(key)
    if ready is None:
        ready = await run_in_threadpool(results.response, key, build)
    if etag_matches(if_none_match, ready.etag):
        response = Response(status_code=304)
        response.raw_headers = list(ready.not_modified)
        return response
    response = Response(ready.body)
    response.raw_headers = list(ready.headers)
    return response


def _role_problem(exc: JourneymapError) -> Problem:
    return Problem(404, str(exc), type=NOT_FOUND, title="No such role")


def _min_responses(fit: Fit) -> int:
    return int(json.loads(fit.options).get("min_responses", DEFAULT_MIN_RESPONSES))


# ------------------------------------------------------------------------ routes
@router.post("", status_code=202, response_model=FitOut,
             responses=problem_responses(401, 404, 422))
def create_fit(body: FitCreate, session: SessionDep, workspace: WorkspaceDep,
               worker: WorkerDep) -> Response:
    """Queue a fit of a map version to a dataset; answers 202 at once.

    Poll ``GET /v1/fits/{id}`` until ``status`` is ``done`` (the result is there) or
    ``failed`` (``error.detail`` holds the library's message, e.g. a column the data
    lack).  Minimum responses (``options.min_responses``, default 30, never below 10)
    apply exactly as in the CLI.
    """
    from journeymap.engines import get_engine

    rec = get_map(session, workspace.id, body.map_id)
    version = get_version(session, rec, body.map_version)
    dataset = get_dataset(session, workspace.id, body.dataset_id)
    try:
        get_engine(body.engine)
    except JourneymapError as exc:
        raise problem_for_library_error(exc) from None
    fit = Fit(id=uuid.uuid4(), workspace_id=workspace.id, map_id=rec.id,
              map_version_id=version.id, map_version=version.version, dataset_id=dataset.id,
              engine=body.engine, options=json.dumps(body.options.model_dump()),
              status=FitStatus.QUEUED, instance_id=worker.instance_id, created_at=utcnow())
    session.add(fit)
    session.commit()
    worker.submit(fit.id)
    return _json(dumps(_fit_dict(fit)), 202,
                 {"Location": f"/v1/fits/{fit.id}"})


@router.get("", response_model=FitsOut, responses=problem_responses(401))
def list_fits(session: SessionDep, workspace: WorkspaceDep,
              status: Literal["queued", "running", "done", "failed"] | None = None,
              map_id: uuid.UUID | None = None, dataset_id: uuid.UUID | None = None,
              limit: Annotated[int, Query(ge=1, le=200)] = 50,
              offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> Response:
    """The workspace's fits, newest first, without their results."""
    conditions = [Fit.workspace_id == workspace.id]
    if status is not None:
        conditions.append(Fit.status == status)
    if map_id is not None:
        conditions.append(Fit.map_id == map_id)
    if dataset_id is not None:
        conditions.append(Fit.dataset_id == dataset_id)
    count = session.scalar(select(func.count()).select_from(Fit).where(*conditions))
    rows = session.scalars(select(Fit).options(defer(Fit.result)).where(*conditions)
                           .order_by(Fit.created_at.desc(), Fit.id)
                           .limit(limit).offset(offset)).all()
    return _json(dumps({"data": [_fit_dict(r) for r in rows],
                        "count": int(count or 0)}))


@router.get("/{fit_id}", response_model=FitOut, responses=problem_responses(401, 404))
async def read_fit(fit_id: uuid.UUID, workspace: WorkspaceDep, sessions: SessionsDep,
                   results: ResultsDep) -> Response:
    """A fit's status; when done, ``result`` is the FitResult JSON (DESIGN §6)."""
    key = ("fit", fit_id)
    meta = results.done.get(fit_id)
    if meta is not None and meta.workspace_id == workspace.id:
        cached = results.responses.get(key)
        if cached is not None:
            return _json(cached)

    def load() -> bytes:
        with sessions() as session:
            fit = get_fit(session, workspace.id, fit_id)
            out = _fit_dict(fit)
            if fit.status != FitStatus.DONE:
                return dumps(out)
            stored = session.scalar(select(Fit.result).where(Fit.id == fit.id))
            out["result"] = json.loads(stored) if stored else None
            results.done.put(fit.id, DoneFit(
                id=fit.id, workspace_id=fit.workspace_id, map_version_id=fit.map_version_id,
                engine=fit.engine, min_responses=_min_responses(fit)))
            return results.responses.put(key, dumps(out))

    return _json(await run_in_threadpool(load))


@router.get("/{fit_id}/drivers", response_model=DriversOut, responses=ANALYSIS_RESPONSES)
async def fit_drivers(fit_id: uuid.UUID, workspace: WorkspaceDep, sessions: SessionsDep,
                      results: ResultsDep, if_none_match: IfNoneMatch = None) -> Response:
    """Every measured node's effect on LTR and NPS, largest first (``journeymap drivers``)."""
    meta = await finished(sessions, results, workspace, fit_id)

    def build() -> dict[str, Any]:
        from journeymap.analysis import drivers

        result = load_result(sessions, results, meta)
        return {"fit_id": str(meta.id), "nps": result.nps.to_dict(),
                "drivers": drivers(result).to_dict(orient="records")}

    return await _analysis(results, ("drivers", meta.id), build, if_none_match)


@router.get("/{fit_id}/roles", response_model=RolesOut, responses=ANALYSIS_RESPONSES)
async def fit_roles(fit_id: uuid.UUID, workspace: WorkspaceDep, sessions: SessionsDep,
                    results: ResultsDep, if_none_match: IfNoneMatch = None) -> Response:
    """Every role's influence, largest absolute NPS points first."""
    meta = await finished(sessions, results, workspace, fit_id)

    def build() -> dict[str, Any]:
        result = load_result(sessions, results, meta)
        m = result.journey_map
        keys = ("role", "influence", "influence_ci", "direct", "indirect", "nps_points",
                "nps_points_ci")
        rows: list[dict[str, Any]] = [
            {"label": m.node(r["role"]).display, **{k: r.get(k) for k in keys}}
            for r in result.role_records]
        rows.sort(key=lambda r: -abs(r["nps_points"] or 0.0))
        return {"fit_id": str(meta.id), "roles": rows}

    return await _analysis(results, ("roles", meta.id), build, if_none_match)


@router.get("/{fit_id}/roles/{role}", response_model=RoleInfluenceOut,
            responses=ANALYSIS_RESPONSES)
async def fit_role(fit_id: uuid.UUID, role: RoleId, workspace: WorkspaceDep,
                   sessions: SessionsDep, results: ResultsDep,
                   if_none_match: IfNoneMatch = None) -> Response:
    """One role's influence with every path to NPS (``journeymap influence ROLE``)."""
    meta = await finished(sessions, results, workspace, fit_id)

    def build() -> dict[str, Any]:
        from journeymap.analysis import explain_role, role_influence

        result = load_result(sessions, results, meta)
        try:
            body = role_influence(result, role).to_dict()
            explanation = explain_role(result, role)
        except JourneymapError as exc:
            raise _role_problem(exc) from None
        return {"fit_id": str(meta.id), **body, "explanation": explanation}

    return await _analysis(results, ("role", meta.id, role), build, if_none_match)


@router.post("/{fit_id}/what-if", response_model=WhatIfOut,
             responses=problem_responses(401, 404, 409, 422))
def fit_what_if(fit_id: uuid.UUID, body: WhatIfRequest, session: SessionDep,
                workspace: WorkspaceDep, worker: WorkerDep, results: ResultsDep) -> Response:
    """Predicted mean LTR and NPS if some nodes (or roles) did better (``journeymap what-if``).

    Needs the respondents: the first call after a restart fits the stored file again.
    """
    from journeymap.analysis import what_if

    fit = done_fit(session, workspace.id, fit_id)
    spec = worker.spec(session, fit)
    session.close()  # the connection goes back to the pool before any fitting
    for node in body.shifts:
        spec.journey_map.node(node)  # unknown ids: 422 before any data are read
    if results.live.get(fit.id) is None and not spec.path.exists():
        raise Problem(409, "the survey file of this fit is no longer on the server, so "
                           "what-if cannot be computed; upload the data again and fit anew.",
                      type=DATA_UNAVAILABLE, title="Data not available")
    try:
        live = results.live_result(spec)
    except JourneymapError as exc:
        raise Problem(409, f"the stored data cannot be fitted again: {exc}",
                      type=DATA_UNAVAILABLE, title="Data not available") from None
    if live.state is None or live.data is None:
        raise Problem(409, f"what-if is not available for fits of the '{fit.engine}' engine.",
                      type=DATA_UNAVAILABLE, title="What-if not available")
    w = what_if(live, body.shifts)
    return _json(dumps({"fit_id": str(fit.id), **w.to_dict()}))


@router.get("/{fit_id}/map.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}},
                             "description": "The fitted map (SVG)."},
                       **problem_responses(401, 404, 409, 422, 503)})
async def fit_map_svg(fit_id: uuid.UUID, workspace: WorkspaceDep, sessions: SessionsDep,
                      results: ResultsDep,
                      role: Annotated[str | None, Query(max_length=200, description=(
                          "Highlight this role's paths (the 'my influence' view)."))] = None,
                      lanes: Literal["kind", "stage"] = "kind") -> Response:
    """The fitted map drawn by graphviz: effects on the edges, NPS points on the nodes."""
    meta = await finished(sessions, results, workspace, fit_id)
    key = ("svg", meta.id, role, lanes)
    svg = results.responses.get(key)
    if svg is None:
        def draw() -> bytes:
            from journeymap.render.graph import render

            result = load_result(sessions, results, meta)
            return results.responses.put(key, render(
                result.journey_map, result, role=role, lanes=lanes, format="svg",
                min_responses=meta.min_responses))

        svg = await run_in_threadpool(draw)
    return Response(svg, media_type="image/svg+xml", headers=SAFE_HEADERS)


@router.get("/{fit_id}/cards/{role}.html", response_class=Response,
            responses={200: {"content": {"text/html": {}},
                             "description": "The role's card (one HTML page)."},
                       **problem_responses(401, 404, 409, 503)})
async def fit_role_card(fit_id: uuid.UUID, role: RoleId, workspace: WorkspaceDep,
                        sessions: SessionsDep, results: ResultsDep) -> Response:
    """One role's "my influence" card as a self-contained HTML page."""
    meta = await finished(sessions, results, workspace, fit_id)
    key = ("card", meta.id, role)
    page = results.responses.get(key)
    if page is None:
        def draw() -> bytes:
            from journeymap.exceptions import RenderError
            from journeymap.render.card import role_card

            result = load_result(sessions, results, meta)
            try:
                result.role(role)
                text = role_card(result, role, format="html", min_responses=meta.min_responses)
            except RenderError:
                raise
            except JourneymapError as exc:
                raise _role_problem(exc) from None
            return results.responses.put(key, text.encode("utf-8"))

        page = await run_in_threadpool(draw)
    return Response(page, media_type="text/html; charset=utf-8", headers=SAFE_HEADERS)
