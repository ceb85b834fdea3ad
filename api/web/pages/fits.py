"""A fit's pages: start it, its progress and summary, drivers with what-if sliders."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from journeymap.formatting import count, is_missing
from journeymap.i18n import gettext as _
from journeymap.limits import MIN_RESPONSES_FLOOR

from ...deps import ResultsDep, SessionDep, SessionsDep, SettingsDep, WorkerDep
from ...models import FitStatus
from ...problems import Problem
from ...results import DoneFit, Results
from ...schemas import FitCreate, WhatIfRequest
from ...services import fits
from .._core import PREFIX, CsrfDep, WebUser, WebUserDep, is_htmx, page, plain, presenting
from ..mapview import PRESENT_FONT_SCALE, map_markup

router = APIRouter(prefix=PREFIX, include_in_schema=False)

SHIFT_PREFIX = "shift."
SortColumn = Literal["label", "kind", "direct", "indirect", "total", "nps_points", "mean", "n"]
SORTABLE: tuple[str, ...] = SortColumn.__args__  # type: ignore[attr-defined]


async def finished(sessions: sessionmaker[Session], results: Results, user: WebUser,
                   fit_id: uuid.UUID) -> DoneFit:
    """The finished fit of the signed-in workspace (404/409 problems as in the API)."""
    meta = fits.cached_done(results, user.workspace.id, fit_id)
    if meta is None:
        meta = await run_in_threadpool(fits.finished_fit, sessions, results,
                                       user.workspace.id, fit_id)
    return meta


async def read_fit(sessions: sessionmaker[Session], results: Results, user: WebUser,
                   fit_id: uuid.UUID) -> dict[str, Any]:
    """The fit as the template reads it (the JSON form of :class:`~api.schemas.FitOut`)."""
    out = await run_in_threadpool(fits.read_fit, sessions, results, user.workspace.id, fit_id)
    return plain(out)


async def roles_of(sessions: sessionmaker[Session], results: Results, user: WebUser,
                   fit_id: uuid.UUID) -> list[dict[str, Any]]:
    """The roles of a finished fit in alphabetical order of their labels.

    Never ranked by influence on the pages people see (the product warns against
    ranking teams): comparisons stay on the analyst's drivers page and in the API.
    """
    meta = await finished(sessions, results, user, fit_id)
    out = await run_in_threadpool(fits.roles, sessions, results, meta)
    langs = await run_in_threadpool(fits.label_languages, sessions, results, meta)
    rows: list[dict[str, Any]] = plain(out)["roles"]
    return alphabetical([{**r, "lang": langs.get(r["role"])} for r in rows])


def alphabetical(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Roles ordered by label (case-insensitive), then id: an order that ranks nobody."""
    return sorted(rows, key=lambda r: (str(r["label"]).casefold(), str(r["role"])))


async def drivers_of(sessions: sessionmaker[Session], results: Results, user: WebUser,
                     fit_id: uuid.UUID) -> dict[str, Any]:
    """The drivers of a finished fit (``nps`` and ``drivers``, largest first)."""
    meta = await finished(sessions, results, user, fit_id)
    return plain(await run_in_threadpool(fits.drivers, sessions, results, meta))


#: The fit form's fields besides the map and the dataset (all sent as text; empty: default).
FORM_FIELDS = ("engine", "min_responses", "bootstrap", "seed", "se", "bins", "ess",
               "ltr_states", "draws")
_BAYESNET_FIELDS = ("bins", "ess", "ltr_states", "draws")
FormText = Annotated[str, Form(max_length=50)]


class FitFormError(Exception):
    """A refused fit form: one message in the page's language, and the field it is about."""

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _field_rules() -> dict[str, tuple[str, str]]:
    """Each field's label and what it takes, in the page's language (the form's words)."""
    from .datasets import FORM_LIMITS

    def whole(low: int, high: int) -> str:
        return _("a whole number from %(low)s to %(high)s") % {"low": count(low),
                                                             "high": count(high)}

    return {
        "engine": (_("Engine"), _("linear or bayesnet")),
        "min_responses": (_("Fewest answers for any figure"),
                          whole(MIN_RESPONSES_FLOOR, FORM_LIMITS["min_responses"])),
        "bootstrap": (_("Bootstrap replicates"), whole(0, FORM_LIMITS["bootstrap"])),
        "seed": (_("Seed"), whole(0, FORM_LIMITS["seed"])),
        "se": (_("Standard errors"), _("robust or classical")),
        "bins": (_("States per rating"), _("auto, all or a whole number of 2 or more")),
        "ess": (_("Prior strength (equivalent sample size)"), _("a number above 0")),
        "ltr_states": (_("Recommend score as"), _("its 11 answers or the 3 NPS classes")),
        "draws": (_("Posterior draws"),
                  _("0 or a whole number from 2 to %(max)s") % {
                      "max": count(FORM_LIMITS["draws"])}),
    }


def fit_request(map_id: uuid.UUID, dataset_id: uuid.UUID, sent: dict[str, str]) -> FitCreate:
    """The API's fit request of a fit form's fields (``sent``: text, empty for a default).

    Validated by the API's own schema (:class:`~api.schemas.FitCreate`), so the form takes
    exactly what ``POST /v1/fits`` takes; a refusal raises :class:`FitFormError` with one
    message that names the field and what it takes, in the page's language."""
    options: dict[str, Any] = {}
    for field, key in (("min_responses", "min_responses"), ("bootstrap", "bootstrap"),
                       ("seed", "random_state"), ("se", "se"), ("bins", "bins"),
                       ("ess", "ess"), ("ltr_states", "ltr_states"), ("draws", "draws")):
        value = sent.get(field, "")
        if value:
            options[key] = int(value) if field == "bins" and value.isdigit() else value
    engine = sent.get("engine") or "linear"
    try:
        return FitCreate.model_validate({"map_id": map_id, "dataset_id": dataset_id,
                                         "engine": engine, "options": options})
    except ValidationError as exc:
        raise _form_error(exc, engine, sent) from None


def _form_error(exc: ValidationError, engine: str, sent: dict[str, str]) -> FitFormError:
    """The first problem of a refused form as one sentence (see :func:`fit_request`)."""
    rules = _field_rules()
    loc = exc.errors()[0]["loc"]
    field = str(loc[1]) if len(loc) >= 2 and loc[0] == "options" else None
    field = {"random_state": "seed"}.get(field or "", field)
    if tuple(loc) == ("options",) and sent.get("draws"):  # FitOptions' own rule: not 1 draw
        field = "draws"
    if field in rules:
        label, takes = rules[field]
        return FitFormError(_("%(field)s must be %(takes)s; the fit was not started.") % {
            "field": label, "takes": takes}, field)
    # the rules between fields (FitCreate's own): which engine an option belongs to
    bayes = [f for f in _BAYESNET_FIELDS if sent.get(f)]
    if engine != "bayesnet" and bayes:
        return FitFormError(_("%(fields)s: only for the bayesnet engine. Empty it or choose "
                              "the bayesnet engine; the fit was not started.") % {
            "fields": ", ".join(rules[f][0] for f in bayes)}, bayes[0])
    if engine == "bayesnet" and sent.get("se"):
        return FitFormError(_("Classical standard errors are for the linear engine: the "
                              "bayesnet engine's intervals come from its posterior draws. "
                              "Choose robust or the linear engine; the fit was not "
                              "started."), "se")
    if engine == "bayesnet" and sent.get("bootstrap", "0") not in ("", "0"):
        return FitFormError(_("Bootstrap replicates are for the linear engine: the bayesnet "
                              "engine's intervals come from its posterior draws. Set them to "
                              "0 or choose the linear engine; the fit was not started."),
                            "bootstrap")
    return FitFormError(str(exc.errors()[0]["msg"]).removeprefix("Value error, "), None)


@router.post("/fits", response_class=HTMLResponse)
def start_fit(request: Request, user: CsrfDep, session: SessionDep, settings: SettingsDep,
              results: ResultsDep, worker: WorkerDep,
              map_id: Annotated[uuid.UUID, Form()], dataset_id: Annotated[uuid.UUID, Form()],
              engine: FormText = "linear",
              fewest: Annotated[str, Form(max_length=50, alias="min_responses")] = "",
              bootstrap: FormText = "", seed: FormText = "", se: FormText = "",
              bins: FormText = "", ess: FormText = "", ltr_states: FormText = "",
              draws: FormText = "") -> Response:
    """Start a fit with the form's options (those of ``POST /v1/fits``); a refused form is
    shown again as it was sent, with one message, and nothing is started."""
    sent = {"engine": engine, "min_responses": fewest, "bootstrap": bootstrap,
            "seed": seed, "se": se, "bins": bins, "ess": ess, "ltr_states": ltr_states,
            "draws": draws}
    sent = {k: v.strip() for k, v in sent.items()}
    try:
        body = fit_request(map_id, dataset_id, sent)
        created = fits.create_fit(session, worker, user.workspace.id, body)
    except (FitFormError, Problem) as exc:
        if isinstance(exc, Problem) and exc.status == 404:
            raise
        message, field = ((exc.message, exc.field) if isinstance(exc, FitFormError)
                          else (exc.detail, None))
        from .datasets import dataset_page

        return dataset_page(request, user, session, settings, results, dataset_id,
                            fit_form={**sent, "map_id": str(map_id)},
                            fit_error={"message": message, "field": field}, status=422)
    return RedirectResponse(f"{PREFIX}/fits/{created.id}", status_code=303)


@router.post("/fits/{fit_id}/refresh", response_class=HTMLResponse)
def refresh_fit(request: Request, fit_id: uuid.UUID, user: CsrfDep, session: SessionDep,
                worker: WorkerDep) -> Response:
    """Fit again over the dataset's responses now (``POST /v1/fits/{id}/refresh``) and
    open the new fit's page."""
    created = fits.refresh_fit(session, worker, user.workspace.id, fit_id)
    return RedirectResponse(f"{PREFIX}/fits/{created.id}", status_code=303)


@router.get("/fits/{fit_id}", response_class=HTMLResponse)
async def show_fit(request: Request, fit_id: uuid.UUID, user: WebUserDep,
                   sessions: SessionsDep, results: ResultsDep, worker: WorkerDep) -> Response:
    from ...services.accounts import names_accounts

    fit = await read_fit(sessions, results, user, fit_id)
    roles = None
    has_accounts = False
    if fit["status"] == FitStatus.DONE:
        roles = await roles_of(sessions, results, user, fit_id)

        def accounts_named() -> bool:
            with sessions() as session:
                return names_accounts(session, worker, user.workspace.id, fit_id)

        has_accounts = await run_in_threadpool(accounts_named)
    return page(request, "fit.html", {"fit": fit, "roles": roles,
                                      "has_accounts": has_accounts}, user=user)


@router.get("/fits/{fit_id}/check", response_class=HTMLResponse)
async def fit_check(request: Request, fit_id: uuid.UUID, user: WebUserDep,
                    sessions: SessionsDep, results: ResultsDep, worker: WorkerDep) -> Response:
    """The library's check of the map against the fit's data (loaded by the fit page;
    without JavaScript a page of its own).  The library's sentences are shown as given."""

    def compute() -> dict[str, Any]:
        with sessions() as session:
            return fits.check_fit(session, worker, results, user.workspace.id, fit_id)

    report = await run_in_threadpool(compute)
    name = "_fit_check.html" if is_htmx(request) else "fit_check.html"
    return page(request, name, {"fit_id": str(fit_id), "check": report}, user=user)


@router.get("/fits/{fit_id}/trend", response_class=HTMLResponse)
async def fit_trend(request: Request, fit_id: uuid.UUID, user: WebUserDep,
                    sessions: SessionsDep, worker: WorkerDep,
                    period: Literal["month", "quarter"] = "month") -> Response:
    """NPS per month or quarter of the fit's data: a chart and a table
    (``GET /v1/fits/{id}/trend``; docs/continuous-measurement.md)."""
    from ...services.trends import fit_over_time

    def compute() -> dict[str, Any]:
        with sessions() as session:
            return fit_over_time(session, worker, user.workspace.id, fit_id, "trend",
                                 period=period)

    trend = await run_in_threadpool(compute)
    return page(request, "fit_trend.html", {"fit_id": str(fit_id), "trend": trend}, user=user)


@router.get("/fits/{fit_id}/progress", response_class=HTMLResponse)
async def fit_progress(request: Request, fit_id: uuid.UUID, user: WebUserDep,
                       sessions: SessionsDep, results: ResultsDep) -> Response:
    """The progress fragment; when the fit has ended, htmx reloads the page."""
    fit = await read_fit(sessions, results, user, fit_id)
    if fit["status"] in (FitStatus.DONE, FitStatus.FAILED):
        return Response(status_code=200, headers={"HX-Refresh": "true"})
    return page(request, "_progress.html", {"fit": fit}, user=user)


@router.get("/fits/{fit_id}/drivers", response_class=HTMLResponse)
async def show_drivers(request: Request, fit_id: uuid.UUID, user: WebUserDep,
                       sessions: SessionsDep, results: ResultsDep,
                       sort: SortColumn = "nps_points",
                       order: Literal["asc", "desc"] = "desc") -> Response:
    drivers = await drivers_of(sessions, results, user, fit_id)
    rows = list(drivers["drivers"])

    def key(r: dict[str, Any]) -> Any:
        v = r[sort]
        if isinstance(v, str):
            return v.casefold()
        return abs(v) if sort == "nps_points" else v

    # A missing value (a blank stage, a figure that is not estimable) comes last either way.
    missing = [r for r in rows if is_missing(r.get(sort))]
    rows = sorted((r for r in rows if not is_missing(r.get(sort))), key=key,
                  reverse=order == "desc") + missing
    roles = await roles_of(sessions, results, user, fit_id)
    meta = await finished(sessions, results, user, fit_id)
    present = presenting(request)
    # presenting: larger text in the drawing itself (its boxes grow with it), then shown at
    # PRESENT_TEXT_PX (it scrolls); otherwise fitted to the page as before
    drawn = await run_in_threadpool(lambda: fits.drawn_map(
        sessions, results, meta, font_scale=PRESENT_FONT_SCALE if present else 1.0))
    rejected = await run_in_threadpool(fits.map_rejected, sessions, results, meta)
    langs = await run_in_threadpool(fits.label_languages, sessions, results, meta)
    rows = [{**r, "lang": langs.get(r["node"])} for r in rows]
    return page(request, "drivers.html", {
        "fit_id": str(fit_id), "nps": drivers["nps"], "drivers": rows, "roles": roles,
        "map_rejected": rejected,
        "sort": sort, "order": order, "sortable": SORTABLE, "arrows": drawn.details,
        "svg": map_markup(drawn.svg, drawn.details,
                          _("The fitted journey map with its effects"), present=present,
                          phone=False)}, user=user)


@router.post("/fits/{fit_id}/what-if", response_class=HTMLResponse)
async def what_if(request: Request, fit_id: uuid.UUID, user: CsrfDep, sessions: SessionsDep,
                  results: ResultsDep, worker: WorkerDep) -> Response:
    """The what-if fragment: predicted NPS and its change, from the API's what-if."""
    form = await request.form()
    shifts: dict[str, float] = {}
    for name, value in form.multi_items():
        if name.startswith(SHIFT_PREFIX) and isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                continue
            if number and -1 <= number <= 1:
                shifts[name[len(SHIFT_PREFIX):]] = number
    if not shifts:
        drivers = await drivers_of(sessions, results, user, fit_id)
        return page(request, "_whatif.html", {"nps": drivers["nps"], "w": None}, user=user)
    request_body = WhatIfRequest(shifts=shifts)  # the API's limits on the shifts

    def compute() -> dict[str, Any]:
        with sessions() as session:
            return plain(fits.what_if(session, worker, results, user.workspace.id, fit_id,
                                      request_body.shifts))

    w = await run_in_threadpool(compute)
    return page(request, "_whatif.html", {"w": w, "nps": None}, user=user)
