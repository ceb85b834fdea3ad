"""Journey maps: create, list, read, change (a new version), validate, draw.

A map is a list of immutable versions.  ``PUT /v1/maps/{id}`` with a changed text
adds a version; fits keep the version they were made with.  The work is done by
:mod:`api.services.maps`; these routes only read the request and send the answer.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from journeymap.limits import MAX_FONT_SCALE, MAX_RENDER_SIDE, MIN_FONT_SCALE, PAGE_SIZE_DEFAULT

from ..deps import ResultsDep, SessionDep, WorkspaceDep
from ..paging import Limit, Offset
from ..problems import problem_responses
from ..responses import json_response
from ..schemas import MapCreate, MapOut, MapsOut, MapValidationOut, MapVersionsOut
from ..services import deletion
from ..services import maps as service

router = APIRouter(prefix="/v1/maps", tags=["maps"])

VersionQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1,
                                           description="A version (default: the latest).")]

RoutesOnly = Annotated[bool, Query(description=(
    "Only the role's routes, one box a row from the role down to NPS (for a phone); "
    "needs role."))]
WidthQuery = Annotated[int | None, Query(ge=1, le=MAX_RENDER_SIDE, description=(
    "Fit the drawing to this many CSS pixels wide (its viewBox is kept)."))]
HeightQuery = Annotated[int | None, Query(ge=1, le=MAX_RENDER_SIDE, description=(
    "Fit the drawing to this many CSS pixels high."))]
FontScale = Annotated[float, Query(ge=MIN_FONT_SCALE, le=MAX_FONT_SCALE, description=(
    "Every text of the drawing this many times larger; the boxes grow with it."))]
Cascade = Annotated[bool, Query(description="Delete the fits made with it too (else a 409 "
                                             "problem lists them).")]

SAFE_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                           "img-src data:",
                "X-Content-Type-Options": "nosniff"}


@router.post("", status_code=201, response_model=MapOut,
             responses=problem_responses(401, 422))
def create_map(body: MapCreate, session: SessionDep, workspace: WorkspaceDep) -> Response:
    """Store a new map (version 1).  An invalid map answers 422 naming the line to fix."""
    out = service.create_map(session, workspace.id, body)
    return json_response(out, 201, {"Location": f"/v1/maps/{out.id}"})


@router.get("", response_model=MapsOut, responses=problem_responses(401))
def list_maps(session: SessionDep, workspace: WorkspaceDep, limit: Limit = PAGE_SIZE_DEFAULT,
              offset: Offset = 0) -> Response:
    """The workspace's maps, newest first."""
    return json_response(service.list_maps(session, workspace.id, limit, offset))


@router.post("/validate", response_model=MapValidationOut, responses=problem_responses(401))
def validate_map(body: MapCreate, workspace: WorkspaceDep) -> MapValidationOut:
    """Check a map without storing it: ``valid`` and the problems, each naming its line."""
    return service.validate_map(body)


@router.get("/{map_id}", response_model=MapOut, responses=problem_responses(401, 404))
def read_map(map_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep,
             results: ResultsDep, version: VersionQuery = None) -> Response:
    """One version of a map (the latest unless ``version`` is given)."""
    return json_response(service.read_map(session, results, workspace.id, map_id, version))


@router.put("/{map_id}", response_model=MapOut, responses=problem_responses(401, 404, 409, 422))
def change_map(map_id: uuid.UUID, body: MapCreate, session: SessionDep,
               workspace: WorkspaceDep, results: ResultsDep) -> Response:
    """Change a map: a new version when the text differs (else the latest, unchanged).

    Fits made earlier keep the version they were made with.
    """
    return json_response(service.change_map(session, results, workspace.id, map_id, body))


@router.delete("/{map_id}", status_code=204, response_class=Response,
               responses=problem_responses(401, 404, 409))
def delete_map(map_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep,
               results: ResultsDep, cascade: Cascade = False) -> Response:
    """Delete a map with all its versions.  Its fits are deleted too with
    ``cascade=true``; otherwise, when it has any, a 409 problem lists them
    (``dependants.fits``).  A queued or running fit must be cancelled first."""
    deletion.delete_map(session, results, workspace.id, map_id, cascade=cascade)
    return Response(status_code=204)


@router.get("/{map_id}/versions", response_model=MapVersionsOut,
            responses=problem_responses(401, 404))
def list_versions(map_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep
                  ) -> Response:
    """Every version of a map, oldest first."""
    return json_response(service.list_versions(session, workspace.id, map_id))


@router.get("/{map_id}/map.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}},
                             "description": "The map drawn by graphviz (SVG)."},
                       **problem_responses(401, 404, 422, 503)})
def draw_map(map_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep,
             results: ResultsDep, version: VersionQuery = None,
             lanes: Literal["kind", "stage"] = "kind",
             role: Annotated[str | None, Query(max_length=200,
                                               description="Highlight this role's paths.")]
             = None, routes_only: RoutesOnly = False, width: WidthQuery = None,
             height: HeightQuery = None, font_scale: FontScale = 1.0) -> Response:
    """The map without numbers, as SVG (swimlanes by kind or stage)."""
    _rec, _row, m = service.stored_map(session, results, workspace.id, map_id, version)
    session.close()  # the connection goes back to the pool before graphviz runs
    svg = service.draw_map(m, role=role, lanes=lanes, routes_only=routes_only, width=width,
                           height=height, font_scale=font_scale)
    return Response(svg, media_type="image/svg+xml", headers=SAFE_HEADERS)
