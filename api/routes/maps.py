"""Journey maps: create, list, read, change (a new version), validate, draw.

A map is a list of immutable versions.  ``PUT /v1/maps/{id}`` with a changed text
adds a version; fits keep the version they were made with.  Map text is parsed and
validated by the library (``JourneyMap.from_text``); its messages name the file, the
line and the field.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from journeymap.exceptions import MapValidationError
from journeymap.model import JourneyMap

from ..deps import ResultsDep, SessionDep, WorkspaceDep
from ..models import JourneyMapRecord, MapVersion, utcnow
from ..problems import CONFLICT, INVALID_MAP, Problem, not_found, problem_responses
from ..responses import json_response
from ..schemas import (
    MapCreate,
    MapOut,
    MapsOut,
    MapSummaryOut,
    MapValidationOut,
    MapVersionOut,
    MapVersionsOut,
)

router = APIRouter(prefix="/v1/maps", tags=["maps"])

Limit = Annotated[int, Query(ge=1, le=200, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="Items to skip.")]
VersionQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1,
                                           description="A version (default: the latest).")]


MAX_MAP_ELEMENTS = 100_000  # YAML/JSON elements of a map text, counting aliases expanded


def _too_big(filename: str, why: str) -> Problem:
    return Problem(422, f"{filename}: {why}; a journey map is a short list of nodes and edges "
                        "(see docs/map-format.md).", type=INVALID_MAP,
                   title="The map is not valid")


def _check_shape(body: MapCreate) -> None:
    """Refuse texts that would take the parser unbounded time or depth.

    YAML aliases can make a small text expand exponentially (a "billion laughs"), and
    very deep nesting exhausts the recursion limit; the size after expanding aliases
    is counted in linear time on the composed node graph.
    """
    import yaml

    try:
        root = yaml.compose(body.source, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return  # the library reports syntax errors with their line
    except RecursionError:
        raise _too_big(body.filename, "the text is nested too deeply") from None
    if root is None:
        return
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key not in sizes:
            sizes[key] = 0  # a recursive alias counts as one element
            if isinstance(node, yaml.SequenceNode):
                total = 1 + sum(size(child) for child in node.value)
            elif isinstance(node, yaml.MappingNode):
                total = 1 + sum(size(k) + size(v) for k, v in node.value)
            else:
                total = 1
            sizes[key] = min(total, MAX_MAP_ELEMENTS + 1)
        return sizes[key]

    try:
        elements = size(root)
    except RecursionError:
        raise _too_big(body.filename, "the text is nested too deeply") from None
    if elements > MAX_MAP_ELEMENTS:
        raise _too_big(body.filename, f"the text expands to more than {MAX_MAP_ELEMENTS:,} "
                                      "elements (through YAML aliases)")


def _parse(body: MapCreate) -> JourneyMap:
    _check_shape(body)
    try:
        return JourneyMap.from_text(body.source, body.filename)
    except RecursionError:
        raise _too_big(body.filename, "the text is nested too deeply") from None


def _definition(m: JourneyMap) -> str:
    return json.dumps(m.to_dict(), ensure_ascii=False)


def _out(rec: JourneyMapRecord, version: MapVersion, m: JourneyMap) -> MapOut:
    return MapOut(id=rec.id, name=version.name, version=version.version,
                  latest_version=rec.latest_version, filename=version.filename,
                  created_at=rec.created_at, updated_at=rec.updated_at,
                  version_created_at=version.created_at, source=version.source,
                  definition=m.to_dict(), warnings=list(m.warnings), nodes=len(m.nodes),
                  edges=len(m.edges))


def get_map(session: SessionDep, workspace_id: uuid.UUID, map_id: uuid.UUID
            ) -> JourneyMapRecord:
    rec = session.scalar(select(JourneyMapRecord).where(
        JourneyMapRecord.id == map_id, JourneyMapRecord.workspace_id == workspace_id))
    if rec is None:
        raise not_found("map", map_id)
    return rec


def get_version(session: SessionDep, rec: JourneyMapRecord, version: int | None) -> MapVersion:
    number = rec.latest_version if version is None else version
    row = session.scalar(select(MapVersion).where(MapVersion.map_id == rec.id,
                                                  MapVersion.version == number))
    if row is None:
        raise Problem(404, f"map '{rec.id}' has no version {number}; its versions are 1 to "
                           f"{rec.latest_version}.", type="urn:journeymap:problem:not-found",
                      title="Not found")
    return row


@router.post("", status_code=201, response_model=MapOut,
             responses=problem_responses(401, 422))
def create_map(body: MapCreate, session: SessionDep, workspace: WorkspaceDep) -> Response:
    """Store a new map (version 1).  An invalid map answers 422 naming the line to fix."""
    m = _parse(body)
    name = (m.name or body.filename)[:200]
    now = utcnow()
    rec = JourneyMapRecord(id=uuid.uuid4(), workspace_id=workspace.id, name=name,
                           latest_version=1, created_at=now, updated_at=now)
    version = MapVersion(map_id=rec.id, version=1, name=name, source=body.source,
                         filename=body.filename, definition=_definition(m), created_at=now)
    session.add(rec)
    session.flush()
    session.add(version)
    session.commit()
    return json_response(_out(rec, version, m), 201, {"Location": f"/v1/maps/{rec.id}"})


@router.get("", response_model=MapsOut, responses=problem_responses(401))
def list_maps(session: SessionDep, workspace: WorkspaceDep, limit: Limit = 50,
              offset: Offset = 0) -> Response:
    """The workspace's maps, newest first."""
    where = JourneyMapRecord.workspace_id == workspace.id
    count = session.scalar(select(func.count()).select_from(JourneyMapRecord).where(where))
    rows = session.scalars(select(JourneyMapRecord).where(where)
                           .order_by(JourneyMapRecord.created_at.desc(), JourneyMapRecord.id)
                           .limit(limit).offset(offset)).all()
    return json_response(MapsOut(
        data=[MapSummaryOut(id=r.id, name=r.name, latest_version=r.latest_version,
                            created_at=r.created_at, updated_at=r.updated_at) for r in rows],
        count=int(count or 0)))


@router.post("/validate", response_model=MapValidationOut, responses=problem_responses(401))
def validate_map(body: MapCreate, workspace: WorkspaceDep) -> MapValidationOut:
    """Check a map without storing it: ``valid`` and the problems, each naming its line."""
    try:
        m = _parse(body)
    except MapValidationError as exc:
        return MapValidationOut(valid=False, problems=list(exc.problems), warnings=[])
    except Problem as exc:
        if exc.type != INVALID_MAP:
            raise
        return MapValidationOut(valid=False, problems=[exc.detail], warnings=[])
    return MapValidationOut(valid=True, name=m.name, nodes=len(m.nodes), edges=len(m.edges),
                            problems=[], warnings=list(m.warnings))


@router.get("/{map_id}", response_model=MapOut, responses=problem_responses(401, 404))
def read_map(map_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep,
             results: ResultsDep, version: VersionQuery = None) -> Response:
    """One version of a map (the latest unless ``version`` is given)."""
    rec = get_map(session, workspace.id, map_id)
    row = get_version(session, rec, version)
    return json_response(_out(rec, row, results.journey_map(row.id, row.definition)))


@router.put("/{map_id}", response_model=MapOut, responses=problem_responses(401, 404, 409, 422))
def change_map(map_id: uuid.UUID, body: MapCreate, session: SessionDep,
               workspace: WorkspaceDep, results: ResultsDep) -> Response:
    """Change a map: a new version when the text differs (else the latest, unchanged).

    Fits made earlier keep the version they were made with.
    """
    rec = get_map(session, workspace.id, map_id)
    m = _parse(body)
    latest = get_version(session, rec, None)
    if latest.source == body.source and latest.filename == body.filename:
        return json_response(_out(rec, latest, results.journey_map(latest.id,
                                                                   latest.definition)))
    now = utcnow()
    name = (m.name or body.filename)[:200]
    version = MapVersion(map_id=rec.id, version=rec.latest_version + 1, name=name,
                         source=body.source, filename=body.filename,
                         definition=_definition(m), created_at=now)
    rec.latest_version += 1
    rec.name = name
    rec.updated_at = now
    session.add(version)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Problem(409, "the map was changed by another request at the same time; read it "
                           "again and send your change once more.", type=CONFLICT,
                      title="Changed at the same time") from None
    return json_response(_out(rec, version, m))


@router.get("/{map_id}/versions", response_model=MapVersionsOut,
            responses=problem_responses(401, 404))
def list_versions(map_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep
                  ) -> Response:
    """Every version of a map, oldest first."""
    rec = get_map(session, workspace.id, map_id)
    rows = session.scalars(select(MapVersion).where(MapVersion.map_id == rec.id)
                           .order_by(MapVersion.version)).all()
    return json_response(MapVersionsOut(
        map_id=rec.id, count=len(rows),
        data=[MapVersionOut(version=r.version, name=r.name, created_at=r.created_at)
              for r in rows]))


@router.get("/{map_id}/map.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}},
                             "description": "The map drawn by graphviz (SVG)."},
                       **problem_responses(401, 404, 422, 503)})
def draw_map(map_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep,
             results: ResultsDep, version: VersionQuery = None,
             lanes: Literal["kind", "stage"] = "kind",
             role: Annotated[str | None, Query(max_length=200,
                                               description="Highlight this role's paths.")]
             = None) -> Response:
    """The map without numbers, as SVG (swimlanes by kind or stage)."""
    from journeymap.render.graph import render

    rec = get_map(session, workspace.id, map_id)
    row = get_version(session, rec, version)
    m = results.journey_map(row.id, row.definition)
    session.close()  # the connection goes back to the pool before graphviz runs
    svg = render(m, None, role=role, lanes=lanes, format="svg")
    return Response(svg, media_type="image/svg+xml", headers=SAFE_HEADERS)


SAFE_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                           "img-src data:",
                "X-Content-Type-Options": "nosniff"}
