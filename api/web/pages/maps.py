"""The map editor: a new map, a stored map's versions, live validation, the node/edge form."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from journeymap.exceptions import JourneymapError
from journeymap.i18n import gettext as _
from journeymap.model import node_id_problem
from journeymap.render.card import inline_svg

from ...deps import ResultsDep, SessionDep
from ...problems import Problem
from ...schemas import MapCreate
from ...services import maps
from .._core import PREFIX, CsrfDep, WebUser, WebUserDep, page, plain
from ..mapedit import EdgeForm, NodeForm, add_edge, add_node, problem_lines

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


def _check(source: str, filename: str) -> dict[str, Any]:
    """Problems (with their lines), warnings and the drawn map of a map text."""
    try:
        body = MapCreate(source=source, filename=filename or "map.yaml")
    except ValidationError:
        return {"valid": False, "problems": [{"text": _("The map is empty: write its nodes "
                                                        "and edges (see the example)."),
                                              "line": None}],
                "warnings": [], "svg": None}
    out = maps.validate_map(body)
    result: dict[str, Any] = {
        "valid": out.valid, "warnings": out.warnings, "svg": None, "svg_error": None,
        "problems": [{"text": p, "line": problem_lines(p)} for p in out.problems]}
    if out.valid:
        m = maps.parse_map(body)
        try:
            result["svg"] = inline_svg(maps.draw_map(m),
                                       _("Journey map %(name)s: nodes and edges")
                                       % {"name": m.name or ""})
        except JourneymapError as exc:
            result["svg_error"] = str(exc)
    return result


def _editor(request: Request, user: WebUser, *, source: str, filename: str,
            map_record: dict[str, Any] | None = None, versions: list[dict[str, Any]] | None
            = None, version: int | None = None, status: int = 200,
            message: str | None = None, saved: bool = False) -> Response:
    return page(request, "map_edit.html", {
        "source": source, "filename": filename, "map": map_record, "versions": versions or [],
        "version": version, "check": _check(source, filename), "kinds": KINDS,
        "message": message, "saved": saved}, user=user, status=status)


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
        created = maps.create_map(session, user.workspace.id, body)
    except (Problem, ValidationError, JourneymapError):
        return _editor(request, user, source=source, filename=filename, status=422,
                       message=_("The map was not saved: fix the problems listed below."))
    return RedirectResponse(f"{PREFIX}/maps/{created.id}?saved=1", status_code=303)


@router.post("/maps/check", response_class=HTMLResponse)
def check_map(request: Request, user: CsrfDep,
              source: Annotated[str, Form(max_length=2_000_000)] = "",
              filename: Annotated[str, Form(max_length=255)] = "map.yaml") -> Response:
    """The live-validation fragment: problems with their lines, and the drawn map."""
    return page(request, "_check.html", {"check": _check(source, filename)}, user=user)


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
                raise ValueError(_("give the new node an id (letters, digits and _)."))
            why = node_id_problem(node_id.strip())  # the map format's own rule and words
            if why is not None:
                raise ValueError(why[:1].upper() + why[1:])
            if kind not in KINDS:
                raise ValueError(_("the kind must be one of %(kinds)s.")
                                 % {"kinds": ", ".join(KINDS)})
            source = add_node(source, NodeForm(node_id, kind, label, column, scale_low,
                                               scale_high, stage))
        else:
            if not edge_from.strip() or not edge_to.strip():
                raise ValueError(_("an edge needs a 'from' and a 'to' node id."))
            source = add_edge(source, EdgeForm(edge_from, edge_to, share, expected))
    except ValueError as exc:
        text = str(exc)
        message = _("Not added: %(why)s") % {
            "why": text if text.endswith(".") else
            _("scale and share must be numbers, e.g. 1, 5 or 0.5.")}
    return page(request, "_editor_text.html", {"source": source, "filename": filename,
                                               "message": message,
                                               "not_added": message is not None}, user=user)


def _stored(session: SessionDep, results: ResultsDep, user: WebUser, map_id: uuid.UUID,
            version: int | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    record = plain(maps.read_map(session, results, user.workspace.id, map_id, version))
    versions = plain(maps.list_versions(session, user.workspace.id, map_id))["data"]
    return record, versions


@router.get("/maps/{map_id}", response_class=HTMLResponse)
def edit_map(request: Request, map_id: uuid.UUID, user: WebUserDep, session: SessionDep,
             results: ResultsDep, version: Annotated[int | None, Query(ge=1)] = None,
             saved: int = 0) -> Response:
    record, versions = _stored(session, results, user, map_id, version)
    return _editor(request, user, source=record["source"], filename=record["filename"],
                   map_record=record, versions=versions, version=record["version"],
                   message=_("Saved as version %(version)s.") % {"version": record["version"]}
                   if saved else None, saved=bool(saved))


@router.post("/maps/{map_id}", response_class=HTMLResponse)
def save_map(request: Request, map_id: uuid.UUID, user: CsrfDep, session: SessionDep,
             results: ResultsDep, source: Annotated[str, Form(max_length=2_000_000)] = "",
             filename: Annotated[str, Form(max_length=255)] = "map.yaml") -> Response:
    try:
        body = MapCreate(source=source, filename=filename or "map.yaml")
        changed = maps.change_map(session, results, user.workspace.id, map_id, body)
    except (Problem, ValidationError, JourneymapError) as exc:
        if isinstance(exc, Problem) and exc.status == 404:
            raise
        record, versions = _stored(session, results, user, map_id, None)
        return _editor(request, user, source=source, filename=filename, map_record=record,
                       versions=versions, version=None, status=422,
                       message=_("Not saved: fix the problems listed below."))
    return RedirectResponse(f"{PREFIX}/maps/{map_id}?version={changed.version}&saved=1",
                            status_code=303)
