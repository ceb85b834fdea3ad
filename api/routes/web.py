"""The web pages under ``/app`` (HTML; server-rendered with htmx).

Every page reuses the ``/v1`` route functions of :mod:`api.routes.maps`,
:mod:`~api.routes.datasets` and :mod:`~api.routes.fits` as plain Python functions —
the same workspace scoping, validation, caches and library calls — and only turns
their JSON into HTML.  Statistics come from the library; templates only format.

Pages: sign-in; home (maps, datasets, fits); map editor with live validation and a
node/edge form; datasets (upload, preview, data checks, start a fit); a fit's
progress and summary; drivers with what-if sliders; roles and "my influence";
downloads; presentation mode (``?present=1`` or the toggle).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from journeymap.exceptions import JourneymapError
from journeymap.limits import DEFAULT_MIN_RESPONSES, MIN_RESPONSES_FLOOR
from journeymap.outputs import csv_text

from ..deps import ResultsDep, SessionDep, SessionsDep, SettingsDep, WorkerDep, get_workspace
from ..models import FitStatus
from ..problems import Problem
from ..schemas import FitCreate, FitOptions, MapCreate, WhatIfRequest
from ..web._core import (
    PREFIX,
    SECURITY_HEADERS,
    CsrfDep,
    WebUser,
    WebUserDep,
    local_path,
    page,
    secret,
)
from ..web.mapedit import EdgeForm, NodeForm, add_edge, add_node, problem_lines
from ..web.session import SESSION_COOKIE, SIGNIN_COOKIE, write_session
from . import datasets as datasets_api
from . import fits as fits_api
from . import maps as maps_api

router = APIRouter(prefix=PREFIX, include_in_schema=False)

STARTER_MAP = """\
schema_version: 1
name: My customer journey
outcome: nps
nodes:
  - {id: nps, kind: outcome, label: "Likelihood to recommend", column: ltr}
  - {id: support_agent, kind: role, label: "Support agent", stage: support}
  - {id: support, kind: touchpoint, label: "Support", column: q_support, scale: [1, 5]}
edges:
  - [support_agent, support]
  - {from: support, to: nps, expected: "+"}
"""

KINDS = ("touchpoint", "factor", "role", "outcome")
ENGINES = ("linear", "bayesnet")
SHIFT_PREFIX = "shift."
SortColumn = Literal["label", "kind", "direct", "indirect", "total", "nps_points", "mean", "n"]
SORTABLE: tuple[str, ...] = SortColumn.__args__  # type: ignore[attr-defined]


def _body(response: Response) -> Any:
    return json.loads(bytes(response.body))


def _cookie_args(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "secure": request.url.scheme == "https",
            "path": PREFIX}


# ----------------------------------------------------------------- sign-in
@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = PREFIX, expired: int = 0) -> Response:
    import secrets

    token = secrets.token_urlsafe(24)
    message = "Your session ended; sign in again." if expired else None
    response = page(request, "sign_in.html", {"next": local_path(next), "token": token,
                                              "message": message})
    response.set_cookie(SIGNIN_COOKIE, token, max_age=3600, **_cookie_args(request))
    return response


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, key: Annotated[str, Form(max_length=300)] = "",
                  csrf_token: Annotated[str, Form(max_length=100)] = "",
                  next: Annotated[str, Form(max_length=2000)] = PREFIX) -> Response:
    import hmac
    import secrets

    expected = request.cookies.get(SIGNIN_COOKIE, "")
    token = secrets.token_urlsafe(24)

    def again(message: str, status: int) -> Response:
        response = page(request, "sign_in.html", {"next": local_path(next), "token": token,
                                                  "message": message, "error": True},
                        status=status)
        response.set_cookie(SIGNIN_COOKIE, token, max_age=3600, **_cookie_args(request))
        return response

    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return again("The sign-in form had expired; please enter your key again.", 403)
    key = key.strip()
    try:
        await get_workspace(request, HTTPAuthorizationCredentials(scheme="Bearer",
                                                                  credentials=key))
    except Problem:
        return again("That workspace key is not valid. Check that it was copied whole (it "
                     "starts with jm_), or ask your administrator for a new one.", 401)
    cookie, _session = write_session(secret(request), key)
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, **_cookie_args(request))
    response.delete_cookie(SIGNIN_COOKIE, path=PREFIX)
    return response


@router.post("/sign-out")
def sign_out(request: Request, user: CsrfDep) -> Response:
    response = RedirectResponse(f"{PREFIX}/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


@router.get("/present")
def toggle_presentation(request: Request, on: int = 1, next: str = PREFIX) -> Response:
    """Presentation mode on or off (a display preference kept in a cookie)."""
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie("jm_present", "1" if on else "0", samesite="strict", path=PREFIX,
                        secure=request.url.scheme == "https", httponly=True)
    return response


# -------------------------------------------------------------------- home
@router.get("", response_class=HTMLResponse)
def home(request: Request, user: WebUserDep, session: SessionDep) -> Response:
    ws = user.workspace
    maps = _body(maps_api.list_maps(session, ws, 200, 0))
    data = _body(datasets_api.list_datasets(session, ws, 200, 0))
    fits = _body(fits_api.list_fits(session, ws, None, None, None, 200, 0))
    names = {m["id"]: m["name"] for m in maps["data"]}
    files = {d["id"]: d["name"] for d in data["data"]}
    return page(request, "home.html", {"maps": maps["data"], "datasets": data["data"],
                                       "fits": fits["data"], "map_names": names,
                                       "dataset_names": files}, user=user)


# --------------------------------------------------------------------- maps
def _inline_svg(svg: bytes, label: str) -> str:
    """graphviz SVG ready to put in a page: no prolog, comments or fixed size."""
    from html import escape

    text = svg.decode("utf-8")
    text = text[text.index("<svg"):]
    text = re.sub(r"<!--.*?-->\n?", "", text, flags=re.S)
    end = text.index(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", text[:end])
    head += f' role="img" aria-label="{escape(label, quote=True)}"'
    return head + text[end:]


def _check(source: str, filename: str, user: WebUser) -> dict[str, Any]:
    """Problems (with their lines), warnings and the drawn map of a map text."""
    from journeymap.exceptions import JourneymapError
    from journeymap.model import JourneyMap
    from journeymap.render.graph import render

    try:
        body = MapCreate(source=source, filename=filename or "map.yaml")
    except ValidationError:
        return {"valid": False, "problems": [{"text": "The map is empty: write its nodes and "
                                                      "edges (see the example).", "line": None}],
                "warnings": [], "svg": None}
    out = maps_api.validate_map(body, user.workspace)
    result: dict[str, Any] = {
        "valid": out.valid, "warnings": out.warnings, "svg": None, "svg_error": None,
        "problems": [{"text": p, "line": problem_lines(p)} for p in out.problems]}
    if out.valid:
        m = JourneyMap.from_text(body.source, body.filename)
        try:
            result["svg"] = _inline_svg(render(m, None, format="svg"),
                                        f"Journey map {m.name or ''}: nodes and edges")
        except JourneymapError as exc:
            result["svg_error"] = str(exc)
    return result


def _editor(request: Request, user: WebUser, *, source: str, filename: str,
            map_record: dict[str, Any] | None = None, versions: list[dict[str, Any]] | None
            = None, version: int | None = None, status: int = 200,
            message: str | None = None) -> Response:
    return page(request, "map_edit.html", {
        "source": source, "filename": filename, "map": map_record, "versions": versions or [],
        "version": version, "check": _check(source, filename, user), "kinds": KINDS,
        "message": message}, user=user, status=status)


@router.get("/maps/new", response_class=HTMLResponse)
def new_map(request: Request, user: WebUserDep, example: int = 0) -> Response:
    source = STARTER_MAP
    if example:
        from importlib import resources

        source = resources.files("journeymap.datasets").joinpath(
            "data", "kitchen_b2b.yaml").read_text("utf-8")
    return _editor(request, user, source=source, filename="map.yaml")


@router.post("/maps", response_class=HTMLResponse)
def create_map(request: Request, user: CsrfDep, session: SessionDep,
               source: Annotated[str, Form(max_length=2_000_000)] = "",
               filename: Annotated[str, Form(max_length=255)] = "map.yaml") -> Response:
    try:
        body = MapCreate(source=source, filename=filename or "map.yaml")
        created = _body(maps_api.create_map(body, session, user.workspace))
    except (Problem, ValidationError, JourneymapError):
        return _editor(request, user, source=source, filename=filename, status=422,
                       message="The map was not saved: fix the problems listed below.")
    return RedirectResponse(f"{PREFIX}/maps/{created['id']}?saved=1", status_code=303)


@router.post("/maps/check", response_class=HTMLResponse)
def check_map(request: Request, user: CsrfDep,
              source: Annotated[str, Form(max_length=2_000_000)] = "",
              filename: Annotated[str, Form(max_length=255)] = "map.yaml") -> Response:
    """The live-validation fragment: problems with their lines, and the drawn map."""
    return page(request, "_check.html", {"check": _check(source, filename, user)}, user=user)


@router.post("/maps/add", response_class=HTMLResponse)
def add_to_map(request: Request, user: CsrfDep,
               what: Annotated[Literal["node", "edge"], Form()],
               source: Annotated[str, Form(max_length=2_000_000)] = "",
               filename: Annotated[str, Form(max_length=255)] = "map.yaml",
               node_id: Annotated[str, Form(max_length=200)] = "",
               kind: Annotated[str, Form(max_length=20)] = "touchpoint",
               label: Annotated[str, Form(max_length=500)] = "",
               column: Annotated[str, Form(max_length=200)] = "",
               scale_low: Annotated[str, Form(max_length=20)] = "",
               scale_high: Annotated[str, Form(max_length=20)] = "",
               stage: Annotated[str, Form(max_length=200)] = "",
               edge_from: Annotated[str, Form(max_length=200)] = "",
               edge_to: Annotated[str, Form(max_length=200)] = "",
               share: Annotated[str, Form(max_length=20)] = "",
               expected: Annotated[str, Form(max_length=1)] = "") -> Response:
    """The editor's text with a node or an edge appended (the form for non-YAML writers)."""
    message = None
    try:
        if what == "node":
            if not node_id.strip():
                raise ValueError("give the new node an id (letters, digits and _).")
            if kind not in KINDS:
                raise ValueError(f"the kind must be one of {', '.join(KINDS)}.")
            source = add_node(source, NodeForm(node_id, kind, label, column, scale_low,
                                               scale_high, stage))
        else:
            if not edge_from.strip() or not edge_to.strip():
                raise ValueError("an edge needs a 'from' and a 'to' node id.")
            source = add_edge(source, EdgeForm(edge_from, edge_to, share, expected))
    except ValueError as exc:
        text = str(exc)
        message = "Not added: " + (text if text.endswith(".") else
                                   "scale and share must be numbers, e.g. 1, 5 or 0.5.")
    return page(request, "_editor_text.html", {"source": source, "filename": filename,
                                               "message": message}, user=user)


@router.get("/maps/{map_id}", response_class=HTMLResponse)
def edit_map(request: Request, map_id: uuid.UUID, user: WebUserDep, session: SessionDep,
             results: ResultsDep, version: Annotated[int | None, Query(ge=1)] = None,
             saved: int = 0) -> Response:
    record = _body(maps_api.read_map(map_id, session, user.workspace, results, version))
    versions = _body(maps_api.list_versions(map_id, session, user.workspace))["data"]
    return _editor(request, user, source=record["source"], filename=record["filename"],
                   map_record=record, versions=versions, version=record["version"],
                   message=f"Saved as version {record['version']}." if saved else None)


@router.post("/maps/{map_id}", response_class=HTMLResponse)
def save_map(request: Request, map_id: uuid.UUID, user: CsrfDep, session: SessionDep,
             results: ResultsDep, source: Annotated[str, Form(max_length=2_000_000)] = "",
             filename: Annotated[str, Form(max_length=255)] = "map.yaml") -> Response:
    try:
        body = MapCreate(source=source, filename=filename or "map.yaml")
        changed = _body(maps_api.change_map(map_id, body, session, user.workspace, results))
    except (Problem, ValidationError, JourneymapError) as exc:
        if isinstance(exc, Problem) and exc.status == 404:
            raise
        record = _body(maps_api.read_map(map_id, session, user.workspace, results, None))
        versions = _body(maps_api.list_versions(map_id, session, user.workspace))["data"]
        return _editor(request, user, source=source, filename=filename, map_record=record,
                       versions=versions, version=None, status=422,
                       message="Not saved: fix the problems listed below.")
    return RedirectResponse(f"{PREFIX}/maps/{map_id}?version={changed['version']}&saved=1",
                            status_code=303)


# ----------------------------------------------------------------- datasets
@router.get("/datasets", response_class=HTMLResponse)
def list_data(request: Request, user: WebUserDep, session: SessionDep,
              settings: SettingsDep) -> Response:
    data = _body(datasets_api.list_datasets(session, user.workspace, 200, 0))
    return page(request, "datasets.html", {"datasets": data["data"],
                                           "max_bytes": settings.max_upload_bytes}, user=user)


@router.post("/datasets", response_class=HTMLResponse)
def upload_data(request: Request, user: CsrfDep, session: SessionDep, settings: SettingsDep,
                file: Annotated[UploadFile, File()],
                name: Annotated[str, Form(max_length=255)] = "") -> Response:
    try:
        created = _body(datasets_api.upload_dataset(file, session, user.workspace, settings,
                                                    name or None))
    except Problem as exc:
        data = _body(datasets_api.list_datasets(session, user.workspace, 200, 0))
        return page(request, "datasets.html", {"datasets": data["data"],
                                               "max_bytes": settings.max_upload_bytes,
                                               "error": exc.detail}, user=user,
                    status=exc.status)
    return RedirectResponse(f"{PREFIX}/datasets/{created['id']}", status_code=303)


def _preview(path: Any, filename: str, rows: int = 8) -> tuple[list[str], list[list[str]],
                                                                str | None]:
    from journeymap.data import read_table
    from journeymap.exceptions import JourneymapError

    try:
        frame = read_table(path)
    except JourneymapError as exc:
        return [], [], str(exc).replace(str(path), filename)
    head = frame.head(rows)
    def cell(v: Any) -> str:  # as typed: a whole-number column with blanks is not "5.0"
        if v is None or v != v:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    cells = [[cell(v) for v in row] for row in head.itertuples(index=False)]
    return [str(c) for c in head.columns], cells, None


def _data_checks(path: Any, filename: str, journey_map: Any) -> dict[str, Any]:
    """The library's data checks of the file against a map: errors, warnings and counts."""
    from journeymap.data import load_survey
    from journeymap.exceptions import JourneymapError

    try:
        data = load_survey(path, journey_map)
    except JourneymapError as exc:
        return {"ok": False, "errors": [str(exc).replace(str(path), filename)], "warnings": []}
    return {"ok": True, "errors": [], "warnings": list(data.warnings),
            "n_responses": data.n_responses, "n": data.n}


@router.get("/datasets/{dataset_id}", response_class=HTMLResponse)
def show_data(request: Request, dataset_id: uuid.UUID, user: WebUserDep, session: SessionDep,
              settings: SettingsDep, results: ResultsDep,
              map_id: uuid.UUID | None = None) -> Response:
    row = datasets_api.get_dataset(session, user.workspace.id, dataset_id)
    dataset = _body(datasets_api.read_dataset(dataset_id, session, user.workspace))
    maps = _body(maps_api.list_maps(session, user.workspace, 200, 0))["data"]
    path = settings.data_dir / row.path
    columns, cells, error = _preview(path, row.filename)
    checks = None
    chosen = map_id or (uuid.UUID(maps[0]["id"]) if maps else None)
    if chosen is not None and error is None:
        rec = maps_api.get_map(session, user.workspace.id, chosen)
        version = maps_api.get_version(session, rec, None)
        m = results.journey_map(version.id, version.definition)
        checks = {"map_id": str(rec.id), "map_name": rec.name,
                  **_data_checks(path, row.filename, m)}
    return page(request, "dataset.html", {"dataset": dataset, "maps": maps, "columns": columns,
                                          "rows": cells, "error": error, "checks": checks,
                                          "engines": ENGINES}, user=user)


# --------------------------------------------------------------------- fits
@router.post("/fits", response_class=HTMLResponse)
def start_fit(request: Request, user: CsrfDep, session: SessionDep, worker: WorkerDep,
              map_id: Annotated[uuid.UUID, Form()], dataset_id: Annotated[uuid.UUID, Form()],
              engine: Annotated[str, Form(max_length=50)] = "linear",
              min_responses: Annotated[int, Form(ge=MIN_RESPONSES_FLOOR, le=10_000_000)]
              = DEFAULT_MIN_RESPONSES) -> Response:
    body = FitCreate(map_id=map_id, dataset_id=dataset_id, engine=engine,
                     options=FitOptions(min_responses=min_responses))
    created = _body(fits_api.create_fit(body, session, user.workspace, worker))
    return RedirectResponse(f"{PREFIX}/fits/{created['id']}", status_code=303)


@router.get("/fits/{fit_id}", response_class=HTMLResponse)
async def show_fit(request: Request, fit_id: uuid.UUID, user: WebUserDep,
                   sessions: SessionsDep, results: ResultsDep) -> Response:
    fit = _body(await fits_api.read_fit(fit_id, user.workspace, sessions, results))
    roles = None
    if fit["status"] == FitStatus.DONE:
        roles = _body(await fits_api.fit_roles(fit_id, user.workspace, sessions,
                                               results))["roles"]
    return page(request, "fit.html", {"fit": fit, "roles": roles}, user=user)


@router.get("/fits/{fit_id}/progress", response_class=HTMLResponse)
async def fit_progress(request: Request, fit_id: uuid.UUID, user: WebUserDep,
                       sessions: SessionsDep, results: ResultsDep) -> Response:
    """The progress fragment; when the fit has ended, htmx reloads the page."""
    fit = _body(await fits_api.read_fit(fit_id, user.workspace, sessions, results))
    if fit["status"] in (FitStatus.DONE, FitStatus.FAILED):
        return Response(status_code=200, headers={"HX-Refresh": "true"})
    return page(request, "_progress.html", {"fit": fit}, user=user)


async def _drivers(user: WebUser, fit_id: uuid.UUID, sessions: Any, results: Any
                   ) -> dict[str, Any]:
    out: dict[str, Any] = _body(await fits_api.fit_drivers(fit_id, user.workspace, sessions,
                                                           results))
    return out


@router.get("/fits/{fit_id}/drivers", response_class=HTMLResponse)
async def show_drivers(request: Request, fit_id: uuid.UUID, user: WebUserDep,
                       sessions: SessionsDep, results: ResultsDep,
                       sort: SortColumn = "nps_points",
                       order: Literal["asc", "desc"] = "desc") -> Response:
    drivers = await _drivers(user, fit_id, sessions, results)
    rows = list(drivers["drivers"])

    def key(r: dict[str, Any]) -> Any:
        v = r.get(sort)
        if isinstance(v, str) or v is None:
            return (1, str(v or "").casefold()) if order == "asc" else (0, str(v or "")
                                                                        .casefold())
        return (0, abs(v) if sort == "nps_points" else v)

    rows.sort(key=key, reverse=order == "desc")
    roles = _body(await fits_api.fit_roles(fit_id, user.workspace, sessions, results))["roles"]
    svg = await fits_api.fit_map_svg(fit_id, user.workspace, sessions, results)
    return page(request, "drivers.html", {
        "fit_id": str(fit_id), "nps": drivers["nps"], "drivers": rows, "roles": roles,
        "sort": sort, "order": order, "sortable": SORTABLE,
        "svg": _inline_svg(bytes(svg.body), "The fitted journey map with its effects")},
        user=user)


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
        drivers = await _drivers(user, fit_id, sessions, results)
        return page(request, "_whatif.html", {"nps": drivers["nps"], "w": None}, user=user)

    def compute() -> dict[str, Any]:
        with sessions() as session:
            out: dict[str, Any] = _body(fits_api.fit_what_if(
                fit_id, WhatIfRequest(shifts=shifts), session, user.workspace, worker,
                results))
            return out

    w = await run_in_threadpool(compute)
    return page(request, "_whatif.html", {"w": w, "nps": None}, user=user)


@router.get("/fits/{fit_id}/roles", response_class=HTMLResponse)
async def list_roles(request: Request, fit_id: uuid.UUID, user: WebUserDep,
                     sessions: SessionsDep, results: ResultsDep,
                     role: str | None = None) -> Response:
    if role:  # the picker's form (GET, works without JavaScript)
        return RedirectResponse(f"{PREFIX}/fits/{fit_id}/roles/{role}", status_code=303)
    roles = _body(await fits_api.fit_roles(fit_id, user.workspace, sessions, results))["roles"]
    from journeymap.analysis.roles import NOT_FOR_PAY

    return page(request, "roles.html", {"fit_id": str(fit_id), "roles": roles,
                                        "role": None, "not_for_pay": NOT_FOR_PAY}, user=user)


_CARD_MAIN = re.compile(r"<main>(.*)</main>", re.S)


@router.get("/fits/{fit_id}/roles/{role}", response_class=HTMLResponse)
async def show_role(request: Request, fit_id: uuid.UUID, role: str, user: WebUserDep,
                    sessions: SessionsDep, results: ResultsDep) -> Response:
    """"My influence": the role card's content (from the library), with a role picker."""
    roles = _body(await fits_api.fit_roles(fit_id, user.workspace, sessions, results))["roles"]
    influence = _body(await fits_api.fit_role(fit_id, role, user.workspace, sessions, results))
    card = await fits_api.fit_role_card(fit_id, role, user.workspace, sessions, results)
    match = _CARD_MAIN.search(bytes(card.body).decode("utf-8"))
    return page(request, "role.html", {
        "fit_id": str(fit_id), "roles": roles, "role": role, "influence": influence,
        "card": match.group(1) if match else "",
        "permalink": str(request.url.replace(query=""))}, user=user)


# ---------------------------------------------------------------- downloads
FIT_FILES = {
    "map.svg": "image/svg+xml", "map.png": "image/png", "map.pdf": "application/pdf",
    "map.lavaan": "text/plain; charset=utf-8", "map.dagitty": "text/plain; charset=utf-8",
    "result.json": "application/json", "drivers.csv": "text/csv; charset=utf-8",
    "roles.csv": "text/csv; charset=utf-8", "card.html": "text/html; charset=utf-8",
}


def _download(content: bytes | str, media: str, filename: str) -> Response:
    data = content.encode("utf-8") if isinstance(content, str) else content
    headers = {"Content-Disposition": f'attachment; filename="{filename}"',
               **SECURITY_HEADERS}
    return Response(data, media_type=media, headers=headers)


def _csv(rows: list[dict[str, Any]]) -> str:
    """CSV safe to open in a spreadsheet (docs/security.md, "Files written")."""
    return csv_text(rows)


@router.get("/fits/{fit_id}/files/{name}")
async def fit_file(fit_id: uuid.UUID, name: str, user: WebUserDep, sessions: SessionsDep,
                   results: ResultsDep, role: str | None = None) -> Response:
    """Downloads of a finished fit: the drawn map, exports, result JSON, CSV tables, card."""
    if name not in FIT_FILES:
        raise Problem(404, f"there is no download called '{name}'; the downloads are: "
                           f"{', '.join(FIT_FILES)}.", title="Not found")
    media = FIT_FILES[name]
    stem = f"fit-{str(fit_id)[:8]}" + (f"-{role}" if role else "")
    ws = user.workspace
    if name == "map.svg":
        svg = await fits_api.fit_map_svg(fit_id, ws, sessions, results, role=role)
        return _download(bytes(svg.body), media, f"{stem}-map.svg")
    if name == "card.html":
        if not role:
            raise Problem(404, "a role card needs a role: add ?role=<role id>.",
                          title="Not found")
        card = await fits_api.fit_role_card(fit_id, role, ws, sessions, results)
        return _download(bytes(card.body), media, f"{stem}-card.html")
    if name == "result.json":
        fit = _body(await fits_api.read_fit(fit_id, ws, sessions, results))
        if fit["result"] is None:
            await fits_api.finished(sessions, results, ws, fit_id)  # the 409 problem
        return _download(json.dumps(fit["result"], ensure_ascii=False, indent=1), media,
                         f"{stem}-result.json")
    if name == "drivers.csv":
        rows = (await _drivers(user, fit_id, sessions, results))["drivers"]
        return _download(_csv(rows), media, f"{stem}-drivers.csv")
    if name == "roles.csv":
        rows = _body(await fits_api.fit_roles(fit_id, ws, sessions, results))["roles"]
        return _download(_csv(rows), media, f"{stem}-roles.csv")
    meta = await fits_api.finished(sessions, results, ws, fit_id)

    def build() -> bytes:
        from journeymap.render.export import export
        from journeymap.render.graph import render

        result = fits_api.load_result(sessions, results, meta)
        if name in ("map.png", "map.pdf"):
            return render(result.journey_map, result, role=role, format=name[4:],
                          min_responses=meta.min_responses)
        return export(result.journey_map, name[4:]).encode("utf-8")

    ext = {"map.lavaan": "lavaan.txt", "map.dagitty": "dagitty.txt"}.get(name, name)
    return _download(await run_in_threadpool(build), media, f"{stem}-{ext}")


MAP_FILES = {"map.svg": "image/svg+xml", "map.png": "image/png", "map.pdf": "application/pdf",
             "map.lavaan": "text/plain; charset=utf-8",
             "map.dagitty": "text/plain; charset=utf-8"}


@router.get("/maps/{map_id}/files/{name}")
def map_file(map_id: uuid.UUID, name: str, user: WebUserDep, session: SessionDep,
             results: ResultsDep, version: Annotated[int | None, Query(ge=1)] = None
             ) -> Response:
    """Downloads of a map version without numbers: drawn map, lavaan, DAGitty."""
    from journeymap.render.export import export
    from journeymap.render.graph import render

    if name not in MAP_FILES:
        raise Problem(404, f"there is no download called '{name}'; the downloads are: "
                           f"{', '.join(MAP_FILES)}.", title="Not found")
    rec = maps_api.get_map(session, user.workspace.id, map_id)
    row = maps_api.get_version(session, rec, version)
    m = results.journey_map(row.id, row.definition)
    session.close()
    stem = f"map-{str(map_id)[:8]}-v{row.version}"
    if name.endswith((".svg", ".png", ".pdf")):
        return _download(render(m, None, format=name[4:]), MAP_FILES[name], f"{stem}.{name[4:]}")
    return _download(export(m, name[4:]), MAP_FILES[name], f"{stem}-{name[4:]}.txt")

