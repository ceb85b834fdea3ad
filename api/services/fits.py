"""Fits of a workspace and their analyses.

A fit is queued (:func:`create_fit`) and run by the background worker with the
library.  A finished fit's FitResult JSON is stored; its drivers, roles, drawn map
and role cards are computed from it by the library (``FitResult.from_dict`` and
:mod:`journeymap.analysis` / :mod:`journeymap.render`) and kept in the bounded
caches of :class:`~api.results.Results`, since a finished fit never changes.
What-if needs the respondents: it uses the fit made in this process or fits the
stored file again (409 when the file is gone).

Every answer is a pydantic model of :mod:`api.schemas`, built (and so validated)
here from the library's records made JSON-safe by
:func:`journeymap.jsonsafe.to_jsonable` (a number that could not be computed becomes
null).  The JSON of an analysis is that model's serialization, made once and kept
with its ETag (:func:`analysis_answer`).  The
``/v1`` routes, the web pages and the fast path (:mod:`api.fastpath`) all call
these functions, so they cannot answer differently.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, defer, sessionmaker

from journeymap.exceptions import (
    JourneymapError,
    MapTooLargeError,
    RenderError,
    UnknownNodeError,
)
from journeymap.jsonsafe import to_jsonable
from journeymap.limits import DEFAULT_MIN_RESPONSES, FIT_RECHECK_SECONDS

from ..models import Fit, FitStatus, MapVersion, utcnow
from ..problems import (
    DATA_UNAVAILABLE,
    FIT_FAILED,
    FIT_NOT_READY,
    INVALID_REQUEST,
    NOT_FOUND,
    Problem,
    not_found,
    problem_for_library_error,
)
from ..results import DoneFit, FitSpec, Ready, Results, fit_source
from ..schemas import (
    DriversOut,
    FitCreate,
    FitOptions,
    FitOut,
    FitsOut,
    RoleInfluenceOut,
    RolesOut,
    WhatIfOut,
)
from ._paging import newest_first
from .datasets import get_dataset
from .maps import get_map, get_version

if TYPE_CHECKING:
    from journeymap.analysis.touchpoints import RoleTouchpoints
    from journeymap.engines import FitResult
    from journeymap.render.graph import EdgeDetail

    from ..worker import FitWorker

__all__ = ["ANALYSES", "MAX_ROLE", "Analysis", "DrawnMap", "analysis_answer", "analysis_key",
           "cached_answer", "cached_done", "check_fit", "create_fit", "done_fit", "drawn_map",
           "drivers", "export_fit", "finished_fit", "fit_json", "fit_out", "get_fit",
           "label_languages", "list_fits", "load_result", "map_rejected", "read_fit",
           "refresh_fit", "render_fit", "role", "role_card", "role_card_body", "role_map",
           "role_touchpoints", "roles", "serialize", "what_if"]

Analysis = Literal["drivers", "roles", "role"]
ANALYSES: tuple[Analysis, ...] = ("drivers", "roles", "role")
MAX_ROLE = 200  # characters of a role id in a request
M = TypeVar("M", bound=BaseModel)


def _number(value: float) -> float:
    """A figure for ordering: one that could not be computed (NaN) counts as 0."""
    return 0.0 if math.isnan(value) else value


def serialize(model: BaseModel) -> bytes:
    """A response model as the JSON bytes the API sends (by alias, as FastAPI writes it)."""
    return model.model_dump_json(by_alias=True).encode("utf-8")


# ----------------------------------------------------------------- fit records
def _min_responses(fit: Fit) -> int:
    return int(json.loads(fit.options).get("min_responses", DEFAULT_MIN_RESPONSES))


def fit_out(fit: Fit, result: dict[str, Any] | None = None) -> FitOut:
    """The answer describing a fit (with its FitResult JSON when given)."""
    return FitOut.model_validate({
        "id": fit.id, "status": fit.status, "map_id": fit.map_id,
        "map_version": fit.map_version, "dataset_id": fit.dataset_id, "engine": fit.engine,
        "options": json.loads(fit.options), "created_at": fit.created_at,
        "started_at": fit.started_at, "finished_at": fit.finished_at,
        "error": json.loads(fit.error) if fit.error else None, "result": result,
        "data_rows": fit.data_rows, "window": json.loads(fit.window) if fit.window else None,
        "refreshed_from": fit.refreshed_from})


def get_fit(session: Session, workspace_id: uuid.UUID, fit_id: uuid.UUID) -> Fit:
    """The fit ``fit_id`` of the workspace, without its result (404 problem when absent)."""
    fit = session.scalar(select(Fit).options(defer(Fit.result))
                         .where(Fit.id == fit_id, Fit.workspace_id == workspace_id))
    if fit is None:
        raise not_found("fit", fit_id)
    return fit


def done_fit_with_data(session: Session, worker: FitWorker, workspace_id: uuid.UUID,
                       fit_id: uuid.UUID) -> FitSpec:
    """A finished fit's spec whose survey file is still on the server (409 when the fit
    is not done or its file is gone: upload the data again).  ``session`` is closed, so
    the caller's slow reading holds no database connection."""
    fit = done_fit(session, workspace_id, fit_id)
    spec = worker.spec(session, fit)
    session.close()
    if not spec.path.exists():
        raise Problem(409, "the survey file of this fit is no longer on the server; upload "
                           "the data again.", type=DATA_UNAVAILABLE, title="Data not available")
    return spec


def done_fit(session: Session, workspace_id: uuid.UUID, fit_id: uuid.UUID) -> Fit:
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


def _done(fit: Fit) -> DoneFit:
    return DoneFit(id=fit.id, workspace_id=fit.workspace_id,
                   map_version_id=fit.map_version_id, engine=fit.engine,
                   min_responses=_min_responses(fit))


def _fresh(meta: DoneFit | None) -> DoneFit | None:
    """``meta`` unless the database was last asked about it ``FIT_RECHECK_SECONDS`` ago
    (so a fit deleted through another server process is not answered from memory)."""
    if meta is None or time.monotonic() - meta.checked > FIT_RECHECK_SECONDS:
        return None
    return meta


def cached_done(results: Results, workspace_id: uuid.UUID, fit_id: uuid.UUID
                ) -> DoneFit | None:
    """The finished fit from memory, when this process has seen it (no database)."""
    meta = _fresh(results.done.get(fit_id))
    return meta if meta is not None and meta.workspace_id == workspace_id else None


def finished_fit(sessions: sessionmaker[Session], results: Results, workspace_id: uuid.UUID,
                 fit_id: uuid.UUID) -> DoneFit:
    """The finished fit ``fit_id`` of the workspace (from memory when seen before).

    Raises a 404 problem for another workspace's fit, 409 when it is not done.
    """
    meta = _fresh(results.done.get(fit_id))
    if meta is None:
        with sessions() as session:
            meta = results.done.put(fit_id, _done(done_fit(session, workspace_id, fit_id)))
    if meta.workspace_id != workspace_id:
        raise not_found("fit", fit_id)
    return meta


def create_fit(session: Session, worker: FitWorker, workspace_id: uuid.UUID,
               body: FitCreate) -> FitOut:
    """Queue a fit of a map version to a dataset (the worker runs it)."""
    from journeymap.engines import get_engine

    rec = get_map(session, workspace_id, body.map_id)
    version = get_version(session, rec, body.map_version)
    dataset = get_dataset(session, workspace_id, body.dataset_id)
    try:
        get_engine(body.engine)
    except JourneymapError as exc:
        raise problem_for_library_error(exc) from None
    return _queue(session, worker, Fit(
        id=uuid.uuid4(), workspace_id=workspace_id, map_id=rec.id, map_version_id=version.id,
        map_version=version.version, dataset_id=dataset.id, engine=body.engine,
        options=json.dumps(_stored_options(body.options)), data_rows=dataset.n_rows))


def _queue(session: Session, worker: FitWorker, fit: Fit) -> FitOut:
    """Store ``fit`` as queued (in this process) and hand it to the worker."""
    fit.status = FitStatus.QUEUED
    fit.instance_id = worker.instance_id
    fit.created_at = utcnow()
    session.add(fit)
    session.commit()
    worker.submit(fit.id)
    return fit_out(fit)


def refresh_fit(session: Session, worker: FitWorker, workspace_id: uuid.UUID,
                fit_id: uuid.UUID) -> FitOut:
    """Queue a new fit of ``fit_id``'s map version, dataset, engine and options (its period
    window rule too, resolved again) over the dataset's rows as they are now, after any
    appends; the new fit's ``refreshed_from`` names the old one, which is unchanged
    (docs/continuous-measurement.md, "Refreshing a fit").  404 for an unknown fit."""
    old = get_fit(session, workspace_id, fit_id)
    dataset = get_dataset(session, workspace_id, old.dataset_id)
    return _queue(session, worker, Fit(
        id=uuid.uuid4(), workspace_id=workspace_id, map_id=old.map_id,
        map_version_id=old.map_version_id, map_version=old.map_version,
        dataset_id=old.dataset_id, engine=old.engine, options=old.options,
        data_rows=dataset.n_rows, refreshed_from=old.id))


def list_fits(session: Session, workspace_id: uuid.UUID, *, status: str | None = None,
              map_id: uuid.UUID | None = None, dataset_id: uuid.UUID | None = None,
              limit: int = 50, offset: int = 0) -> FitsOut:
    """The workspace's fits, newest first, without their results."""
    conditions = [Fit.workspace_id == workspace_id]
    if status is not None:
        conditions.append(Fit.status == status)
    if map_id is not None:
        conditions.append(Fit.map_id == map_id)
    if dataset_id is not None:
        conditions.append(Fit.dataset_id == dataset_id)
    rows, count = newest_first(session, Fit, conditions, limit, offset,
                               options=[defer(Fit.result)])
    return FitsOut(data=[fit_out(r) for r in rows], count=count)


def read_fit(sessions: sessionmaker[Session], results: Results, workspace_id: uuid.UUID,
             fit_id: uuid.UUID) -> FitOut:
    """A fit's status; when done, with its FitResult JSON (kept in memory once done)."""
    key = ("fit", fit_id)
    if cached_done(results, workspace_id, fit_id) is not None:
        cached = results.models.get(key)
        if isinstance(cached, FitOut):
            return cached
    with sessions() as session:
        fit = get_fit(session, workspace_id, fit_id)
        if fit.status != FitStatus.DONE:
            return fit_out(fit)
        stored = session.scalar(select(Fit.result).where(Fit.id == fit.id))
        out = fit_out(fit, json.loads(stored) if stored else None)
        results.done.put(fit.id, _done(fit))
    results.models.put(key, out)
    return out


def fit_json(sessions: sessionmaker[Session], results: Results, workspace_id: uuid.UUID,
             fit_id: uuid.UUID) -> bytes:
    """:func:`read_fit` as JSON bytes (a finished fit's are made once)."""
    key = ("fit", fit_id)
    if cached_done(results, workspace_id, fit_id) is not None:
        cached = results.responses.get(key)
        if cached is not None:
            return cached
    out = read_fit(sessions, results, workspace_id, fit_id)
    if out.status != FitStatus.DONE:
        return serialize(out)
    return results.responses.put(key, serialize(out))


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


# -------------------------------------------------------------------- analyses
def analysis_key(kind: Analysis, fit_id: uuid.UUID, role: str | None = None
                 ) -> tuple[Hashable, ...]:
    """The cache key of an analysis of a finished fit, in the language in force (node
    labels may be given per language: docs/map-format.md, "Labels in several languages")."""
    from journeymap.i18n import current_language

    lang = current_language()
    return (kind, fit_id, lang) if role is None else (kind, fit_id, role, lang)


def _cached_model(results: Results, key: tuple[Hashable, ...], kind: type[M],
                  build: Callable[[], M]) -> M:
    cached = results.models.get(key)
    if isinstance(cached, kind):
        return cached
    model = build()
    results.models.put(key, model)
    return model


def map_rejected(sessions: sessionmaker[Session], results: Results, meta: DoneFit) -> bool:
    """True when the fit's quick check found that the data reject the map (its result's
    ``map_check``; fits stored before the check ran say False)."""
    check = load_result(sessions, results, meta).map_check
    return bool(check and check.get("rejected"))


def drivers(sessions: sessionmaker[Session], results: Results, meta: DoneFit) -> DriversOut:
    """Every measured node's effect on LTR and NPS, largest first (``journeymap drivers``)."""

    def build() -> DriversOut:
        from journeymap.analysis import drivers as library_drivers

        result = load_result(sessions, results, meta)
        return DriversOut.model_validate({
            "fit_id": meta.id, "nps": to_jsonable(result.nps.to_dict()),
            "drivers": to_jsonable(library_drivers(result).to_dict(orient="records"))})

    return _cached_model(results, analysis_key("drivers", meta.id), DriversOut, build)


def roles(sessions: sessionmaker[Session], results: Results, meta: DoneFit) -> RolesOut:
    """Every role's influence, largest absolute NPS points first."""

    def build() -> RolesOut:
        from journeymap.analysis.roles import role_headline

        result = load_result(sessions, results, meta)
        m = result.journey_map
        rows: list[dict[str, Any]] = []
        for r in sorted(result.role_effects, key=lambda r: -abs(_number(r.nps_points))):
            now, after, after_ci = role_headline(result, r.role)
            rows.append({"label": m.node(r.role).display,
                         **{k: v for k, v in r.to_dict().items() if k != "paths"},
                         "nps": now, "nps_after": after, "nps_after_ci": list(after_ci)})
        return RolesOut.model_validate({"fit_id": meta.id, "roles": to_jsonable(rows)})

    return _cached_model(results, analysis_key("roles", meta.id), RolesOut, build)


def _role_problem(exc: JourneymapError) -> Problem:
    return Problem(404, str(exc), type=NOT_FOUND, title="No such role")


def role(sessions: sessionmaker[Session], results: Results, meta: DoneFit,
         role_id: str) -> RoleInfluenceOut:
    """One role's influence with every path to NPS (``journeymap influence ROLE``).

    Raises a 404 problem when ``role_id`` is not a role of the map.
    """

    def build() -> RoleInfluenceOut:
        from journeymap.analysis import explain_role, role_influence

        result = load_result(sessions, results, meta)
        try:
            body = role_influence(result, role_id).to_dict()
            explanation = explain_role(result, role_id)
        except JourneymapError as exc:
            raise _role_problem(exc) from None
        return RoleInfluenceOut.model_validate({"fit_id": meta.id, **to_jsonable(body),
                                                "explanation": explanation})

    return _cached_model(results, analysis_key("role", meta.id, role_id), RoleInfluenceOut,
                         build)


def analysis_answer(sessions: sessionmaker[Session], results: Results, meta: DoneFit,
                    kind: Analysis, role_id: str | None = None) -> Ready:
    """The JSON answer of an analysis with its ETag: the model's serialization, made once."""
    key = analysis_key(kind, meta.id, role_id)
    ready = results.ready.get(key)
    if ready is not None:
        return ready
    model: BaseModel
    if kind == "drivers":
        model = drivers(sessions, results, meta)
    elif kind == "roles":
        model = roles(sessions, results, meta)
    else:
        assert role_id is not None
        model = role(sessions, results, meta, role_id)
    return results.ready.put(key, Ready.of(serialize(model)))


def cached_answer(results: Results, workspace_id: uuid.UUID, fit_id: uuid.UUID,
                  kind: Analysis, role_id: str | None = None) -> Ready | None:
    """The answer of :func:`analysis_answer` when it is in memory for this workspace's
    finished fit; None otherwise (no database, no computing: the fast path's question)."""
    if cached_done(results, workspace_id, fit_id) is None:
        return None
    return results.ready.get(analysis_key(kind, fit_id, role_id))


def what_if(session: Session, worker: FitWorker, results: Results, workspace_id: uuid.UUID,
            fit_id: uuid.UUID, shifts: dict[str, float]) -> WhatIfOut:
    """Predicted mean LTR and NPS if some nodes (or roles) did better (``journeymap what-if``).

    Needs the respondents: the first call after a restart fits the stored file again
    (409 problem when it is gone or the engine has no what-if).  ``session`` is closed
    before any fitting, so its connection goes back to the pool.
    """
    from journeymap.analysis import what_if as library_what_if
    from journeymap.analysis.whatif import check_not_outcome

    fit = done_fit(session, workspace_id, fit_id)
    spec = worker.spec(session, fit)
    session.close()
    for node in shifts:
        try:  # unknown ids: 422 before any data are read; the request is wrong, not the map
            spec.journey_map.node(node)
        except UnknownNodeError as exc:
            raise Problem(422, str(exc), type=INVALID_REQUEST,
                          title="The request cannot be done") from None
    check_not_outcome(spec.journey_map, shifts)  # the outcome itself: 422 too
    if results.live.get(fit.id) is None and not spec.path.exists():
        raise Problem(409, "the survey file of this fit is no longer on the server, so "
                           "what-if cannot be computed; upload the data again and fit anew.",
                      type=DATA_UNAVAILABLE, title="Data not available")
    try:
        live = results.live_result(spec)
    except JourneymapError as exc:
        raise Problem(409, f"the stored data cannot be fitted again: {exc}",
                      type=DATA_UNAVAILABLE, title="Data not available") from None
    if live.model is None or live.model.data is None:
        raise Problem(409, f"what-if is not available for fits of the '{fit.engine}' engine.",
                      type=DATA_UNAVAILABLE, title="What-if not available")
    w = library_what_if(live, shifts)
    return WhatIfOut.model_validate({"fit_id": fit.id, **to_jsonable(w.to_dict())})


def check_fit(session: Session, worker: FitWorker, results: Results, workspace_id: uuid.UUID,
              fit_id: uuid.UUID) -> dict[str, Any]:
    """The library's check of a finished fit's map against its data (``journeymap check``):
    implications, beliefs, fit indices, suggestions and the plain-language summary, as
    :meth:`journeymap.analysis.check.CheckReport.to_dict` gives them (texts unchanged).

    Fits the stored file again (the bayesnet engine's fits with that engine, others
    with the linear one), once: the answer is kept in memory.  409 problem when the
    file is gone.  ``session`` is closed before any fitting.
    """
    from journeymap.analysis.check import CHECK_ENGINES, check
    from journeymap.data import load_survey

    fit = done_fit(session, workspace_id, fit_id)
    key = ("check", fit.id)
    cached = results.responses.get(key)
    if cached is not None:
        out: dict[str, Any] = json.loads(cached)
        return out
    spec = worker.spec(session, fit)
    session.close()
    if not spec.path.exists():
        raise Problem(409, "the survey file of this fit is no longer on the server, so the "
                           "map cannot be checked against it; upload the data again.",
                      type=DATA_UNAVAILABLE, title="Data not available")
    engine = spec.engine if spec.engine in CHECK_ENGINES else "linear"
    try:
        data = load_survey(fit_source(spec), spec.journey_map,
                           survey_type=spec.options.get("survey_type"))
        report = check(spec.journey_map, data, engine=engine,
                       min_responses=_min_responses(fit))
    except JourneymapError as exc:
        raise Problem(409, str(exc).replace(str(spec.path), spec.filename),
                      type=DATA_UNAVAILABLE, title="The check could not run") from None
    out = report.to_dict()
    results.responses.put(key, json.dumps(out, allow_nan=False).encode("utf-8"))
    return out


# ------------------------------------------------------------- drawings, cards
def render_fit(sessions: sessionmaker[Session], results: Results, meta: DoneFit, *,
               format: str = "svg", role: str | None = None, lanes: str = "kind",
               routes_only: bool = False, width: int | None = None, height: int | None = None,
               font_scale: float = 1.0) -> bytes:
    """The fitted map drawn by graphviz: effects on the edges, NPS points on the nodes
    (the options are those of :func:`journeymap.render.render`).

    SVG drawings are kept in memory (one per language and options: the legend's words);
    PNG and PDF are drawn on every call.
    """
    from journeymap.i18n import current_language
    from journeymap.render.graph import render

    key = ("svg", meta.id, role, lanes, routes_only, width, height, font_scale,
           current_language())
    if format == "svg":
        cached = results.responses.get(key)
        if cached is not None:
            return cached
    result = load_result(sessions, results, meta)
    drawn = render(result.journey_map, result, role=role, lanes=lanes, format=format,
                   min_responses=meta.min_responses, routes_only=routes_only, width=width,
                   height=height, font_scale=font_scale)
    return results.responses.put(key, drawn) if format == "svg" else drawn


def export_fit(sessions: sessionmaker[Session], results: Results, meta: DoneFit,
               fmt: str) -> str:
    """The fit's map as a model text of another tool (``lavaan``, ``semopy`` or ``dagitty``)."""
    from journeymap.render.export import export

    return export(load_result(sessions, results, meta).journey_map, fmt)


def role_touchpoints(sessions: sessionmaker[Session], worker: FitWorker, results: Results,
                     meta: DoneFit, role_id: str) -> RoleTouchpoints:
    """What customers said about the touchpoints of a role of a finished fit
    (:func:`journeymap.analysis.role_touchpoints`): counted from the fit's stored survey
    file, read once for every role of the fit and then kept in memory.

    Exactly the fit's rows are counted (``api.results.fit_rows``: never rows appended
    later, only its period window).  A fit that was streamed (a file above
    ``stream_fits_above_bytes``: no rows are ever held), whose file is gone or can no
    longer be read, gets ``has_rows`` False: the pages then say that it has no
    distribution.
    """
    from journeymap.analysis.touchpoints import role_touchpoints as library_touchpoints
    from journeymap.data import load_survey

    from ..worker import streams

    cached = results.touchpoints.get(meta.id)
    if cached is None:
        result = load_result(sessions, results, meta)
        with sessions() as session:
            fit = session.get(Fit, meta.id)
            if fit is None:
                raise not_found("fit", meta.id)
            spec = worker.spec(session, fit)
        data = None
        live = results.live.get(meta.id)
        if live is not None and live.model is not None:
            data = live.model.data
        # a fit that was streamed stays without rows after appends (its own rows, not the
        # longer file, decide whether it was streamed; the file only grows)
        elif spec.path.exists() and not streams(replace(spec, file_rows=spec.rows),
                                                worker.settings):
            try:
                data = load_survey(fit_source(spec), spec.journey_map,
                                   survey_type=spec.options.get("survey_type"))
            except JourneymapError:
                data = None
        cached = results.touchpoints.put(meta.id, {
            r.id: library_touchpoints(result, r.id, data=data,
                                      min_responses=meta.min_responses)
            for r in result.journey_map.roles})
    if role_id not in cached:
        load_result(sessions, results, meta).role(role_id)  # the library's error
    return cached[role_id]


def label_languages(sessions: sessionmaker[Session], results: Results, meta: DoneFit
                    ) -> dict[str, str | None]:
    """Per node id, the language its label is shown in on a page in the language in force
    when that differs from the page's (for a ``lang`` attribute), else ``None``."""
    from journeymap.i18n import current_language

    m = load_result(sessions, results, meta).journey_map
    lang = current_language()
    return {n.id: n.label_language(lang, m.language) for n in m.nodes}


def _map_version(sessions: sessionmaker[Session], meta: DoneFit) -> tuple[int | None, str | None]:
    """The fit's map version number and the date it was saved (``YYYY-MM-DD``)."""
    with sessions() as session:
        version = session.get(MapVersion, meta.map_version_id)
    if version is None:
        return None, None
    return version.version, version.created_at.date().isoformat()


def _card(sessions: sessionmaker[Session], results: Results, meta: DoneFit, role_id: str,
          part: Literal["page", "body"], worker: FitWorker | None = None) -> str:
    from journeymap.i18n import current_language
    from journeymap.render.card import role_card as library_card
    from journeymap.render.card import role_card_body

    key = ("card", part, meta.id, role_id, current_language())
    cached = results.responses.get(key)
    if cached is not None:
        return cached.decode("utf-8")
    result = load_result(sessions, results, meta)
    try:
        result.role(role_id)
        said = (None if worker is None
                else role_touchpoints(sessions, worker, results, meta, role_id))
        version, date = _map_version(sessions, meta)
        options: dict[str, Any] = {"min_responses": meta.min_responses, "touchpoints": said,
                                   "map_version": version, "map_date": date}
        if part == "page":
            text = library_card(result, role_id, format="html", **options)
        else:
            text = role_card_body(result, role_id, include_map=False, **options)
    except RenderError:
        raise
    except JourneymapError as exc:
        raise _role_problem(exc) from None
    if worker is not None:  # without the worker the card lacks the survey's answers
        results.responses.put(key, text.encode("utf-8"))
    return text


def role_card(sessions: sessionmaker[Session], results: Results, meta: DoneFit,
              role_id: str, worker: FitWorker | None = None) -> str:
    """One role's "my influence" card as a self-contained HTML page (from the library);
    with the ``worker``, what customers said about its touchpoints (:func:`role_touchpoints`)."""
    return _card(sessions, results, meta, role_id, "page", worker)


def role_card_body(sessions: sessionmaker[Session], results: Results, meta: DoneFit,
                   role_id: str, worker: FitWorker | None = None) -> str:
    """The card's content (what the page's ``<main>`` holds) without its map, to put
    inside a web page that shows the role's routes itself (:func:`role_map`)."""
    return _card(sessions, results, meta, role_id, "body", worker)


def role_card_pdf(sessions: sessionmaker[Session], results: Results, meta: DoneFit,
                  role_id: str, worker: FitWorker | None = None) -> bytes:
    """One role's card as a one-page A4 PDF: the card's HTML page (cached, in the
    request's language) laid out by the library's :func:`~journeymap.render.pdf.html_pdf`.

    Raises :class:`~journeymap.exceptions.RenderError` (503) when WeasyPrint is not
    installed and :class:`~journeymap.exceptions.MapTooLargeError` (422) for a role with
    more routes than a PDF card may list, before any card is built."""
    from journeymap.i18n import current_language
    from journeymap.render.pdf import PDF_INSTALL_HINT, check_card_pdf, html_pdf, pdf_available

    if not pdf_available():
        raise RenderError(PDF_INSTALL_HINT)
    key = ("card", "pdf", meta.id, role_id, current_language())
    cached = results.responses.get(key)
    if cached is not None:
        return cached
    try:
        check_card_pdf(load_result(sessions, results, meta), role_id)
    except MapTooLargeError:
        raise
    except JourneymapError as exc:
        raise _role_problem(exc) from None
    pdf = html_pdf(role_card(sessions, results, meta, role_id, worker))
    if worker is not None:  # without the worker the card lacks the survey's answers
        results.responses.put(key, pdf)
    return pdf


@dataclass(frozen=True)
class DrawnMap:
    """A fitted map drawn for a page: the SVG (graphviz's text) and its arrows in words in
    the same order (their ``id`` names the SVG's arrows)."""

    svg: str
    details: list[EdgeDetail]


def drawn_map(sessions: sessionmaker[Session], results: Results, meta: DoneFit, *,
              role: str | None = None, routes_only: bool = False,
              font_scale: float = 1.0) -> DrawnMap:
    """The fitted map as SVG (:func:`render_fit`) with every arrow in words
    (:func:`journeymap.render.graph.edge_details`)."""
    from journeymap.render.graph import edge_details

    result = load_result(sessions, results, meta)
    svg = render_fit(sessions, results, meta, format="svg", role=role, routes_only=routes_only,
                     font_scale=font_scale)
    details = edge_details(result.journey_map, result, role=role, routes_only=routes_only,
                           min_responses=meta.min_responses)
    return DrawnMap(svg.decode("utf-8"), details)


def role_map(sessions: sessionmaker[Session], results: Results, meta: DoneFit, role_id: str,
             *, font_scale: float = 1.0) -> DrawnMap | None:
    """The role's routes alone, one box a row top to bottom (the library's ``routes_only``
    view, for a phone), with every arrow in words; None when they are too large to draw
    (the card's words say so).  A role not in the map is a 404 problem."""
    from journeymap.exceptions import MapTooLargeError

    try:
        load_result(sessions, results, meta).role(role_id)
        return drawn_map(sessions, results, meta, role=role_id, routes_only=True,
                         font_scale=font_scale)
    except MapTooLargeError:
        return None
    except RenderError:
        raise
    except JourneymapError as exc:
        raise _role_problem(exc) from None


def _stored_options(options: FitOptions) -> dict[str, Any]:
    """A fit's options as stored: the period window (``from``/``to`` ISO dates or its
    ``window`` rule, and ``date_column``) and the standard-error type only when given."""
    out: dict[str, Any] = options.model_dump(mode="json", by_alias=True)
    for key in ("period", "se"):
        if out.get(key) is None:
            out.pop(key, None)
    if out.get("period"):  # the days given, or the window rule (resolved when the fit runs)
        out["period"] = {k: v for k, v in out["period"].items() if v is not None}
    return out
