"""Journey maps of a workspace: create, list, read, change (a new version), validate, draw.

A map is a list of immutable versions; a changed text adds a version and fits keep
the version they were made with.  Map text is parsed and validated by the library
(``JourneyMap.from_text``), whose messages name the file, the line and the field.
These functions are shared by the ``/v1/maps`` routes and the map editor's pages.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from journeymap.exceptions import MapValidationError
from journeymap.model import JourneyMap

from ..models import JourneyMapRecord, MapVersion, utcnow
from ..problems import CONFLICT, INVALID_MAP, NOT_FOUND, Problem, not_found
from ..schemas import (
    MapCreate,
    MapOut,
    MapsOut,
    MapSummaryOut,
    MapValidationOut,
    MapVersionOut,
    MapVersionsOut,
)
from ._paging import newest_first

if TYPE_CHECKING:
    from ..results import Results

__all__ = ["EXPORTS", "IMAGES", "MapFile", "change_map", "create_map",
           "draw_map", "get_map", "get_version", "list_maps", "list_versions", "map_file",
           "map_out", "parse_map", "read_map", "stored_map", "validate_map"]

IMAGES = ("svg", "png", "pdf")  # formats graphviz draws
EXPORTS = ("lavaan", "semopy", "dagitty")  # model texts of other tools


def parse_map(body: MapCreate) -> JourneyMap:
    """The validated map of a map text.

    Raises
    ------
    MapValidationError
        The library's problems, each naming the file, line and field; also for a text
        beyond the limits of docs/security.md ("Map files"): too large, too deeply
        nested, too many aliases.
    """
    return JourneyMap.from_text(body.source, body.filename)


def _definition(m: JourneyMap) -> str:
    return json.dumps(m.to_dict(), ensure_ascii=False)


def map_out(rec: JourneyMapRecord, version: MapVersion, m: JourneyMap) -> MapOut:
    """The answer describing one version of a map."""
    return MapOut(id=rec.id, name=version.name, version=version.version,
                  latest_version=rec.latest_version, filename=version.filename,
                  created_at=rec.created_at, updated_at=rec.updated_at,
                  version_created_at=version.created_at, source=version.source,
                  definition=m.to_dict(), warnings=list(m.warnings), nodes=len(m.nodes),
                  edges=len(m.edges))


def get_map(session: Session, workspace_id: uuid.UUID, map_id: uuid.UUID) -> JourneyMapRecord:
    """The map ``map_id`` of the workspace (404 problem when it has none)."""
    rec = session.scalar(select(JourneyMapRecord).where(
        JourneyMapRecord.id == map_id, JourneyMapRecord.workspace_id == workspace_id))
    if rec is None:
        raise not_found("map", map_id)
    return rec


def get_version(session: Session, rec: JourneyMapRecord, version: int | None) -> MapVersion:
    """Version ``version`` of a map (the latest when None; 404 problem when absent)."""
    number = rec.latest_version if version is None else version
    row = session.scalar(select(MapVersion).where(MapVersion.map_id == rec.id,
                                                  MapVersion.version == number))
    if row is None:
        raise Problem(404, f"map '{rec.id}' has no version {number}; its versions are 1 to "
                           f"{rec.latest_version}.", type=NOT_FOUND, title="Not found")
    return row


def stored_map(session: Session, results: Results, workspace_id: uuid.UUID,
               map_id: uuid.UUID, version: int | None = None
               ) -> tuple[JourneyMapRecord, MapVersion, JourneyMap]:
    """A stored map version with its validated map (parsed once per process)."""
    rec = get_map(session, workspace_id, map_id)
    row = get_version(session, rec, version)
    return rec, row, results.journey_map(row.id, row.definition)


def create_map(session: Session, workspace_id: uuid.UUID, body: MapCreate) -> MapOut:
    """Store a new map (version 1); an invalid text raises the library's error."""
    m = parse_map(body)
    name = (m.name or body.filename)[:200]
    now = utcnow()
    rec = JourneyMapRecord(id=uuid.uuid4(), workspace_id=workspace_id, name=name,
                           latest_version=1, created_at=now, updated_at=now)
    version = MapVersion(map_id=rec.id, version=1, name=name, source=body.source,
                         filename=body.filename, definition=_definition(m), created_at=now)
    session.add(rec)
    session.flush()
    session.add(version)
    session.commit()
    return map_out(rec, version, m)


def list_maps(session: Session, workspace_id: uuid.UUID, limit: int = 50,
              offset: int = 0) -> MapsOut:
    """The workspace's maps, newest first, and how many there are."""
    rows, count = newest_first(session, JourneyMapRecord,
                               [JourneyMapRecord.workspace_id == workspace_id], limit, offset)
    return MapsOut(
        data=[MapSummaryOut(id=r.id, name=r.name, latest_version=r.latest_version,
                            created_at=r.created_at, updated_at=r.updated_at) for r in rows],
        count=count)


def validate_map(body: MapCreate) -> MapValidationOut:
    """Check a map text without storing it: ``valid`` and the problems, each naming its line."""
    try:
        m = parse_map(body)
    except MapValidationError as exc:
        return MapValidationOut(valid=False, problems=list(exc.problems), warnings=[])
    except Problem as exc:
        if exc.type != INVALID_MAP:
            raise
        return MapValidationOut(valid=False, problems=[exc.detail], warnings=[])
    return MapValidationOut(valid=True, name=m.name, nodes=len(m.nodes), edges=len(m.edges),
                            problems=[], warnings=list(m.warnings))


def read_map(session: Session, results: Results, workspace_id: uuid.UUID, map_id: uuid.UUID,
             version: int | None = None) -> MapOut:
    """One version of a map (the latest unless ``version`` is given)."""
    rec, row, m = stored_map(session, results, workspace_id, map_id, version)
    return map_out(rec, row, m)


def change_map(session: Session, results: Results, workspace_id: uuid.UUID,
               map_id: uuid.UUID, body: MapCreate) -> MapOut:
    """A new version when the text differs from the latest (else the latest, unchanged,
    even when only the file name differs: ``PUT`` is idempotent).

    Raises a 409 problem when another request added a version at the same time.
    """
    rec = get_map(session, workspace_id, map_id)
    m = parse_map(body)
    latest = get_version(session, rec, None)
    if latest.source == body.source:  # the same text: no new version, whatever its name
        return map_out(rec, latest, results.journey_map(latest.id, latest.definition))
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
    return map_out(rec, version, m)


def list_versions(session: Session, workspace_id: uuid.UUID, map_id: uuid.UUID
                  ) -> MapVersionsOut:
    """Every version of a map, oldest first."""
    rec = get_map(session, workspace_id, map_id)
    rows = session.scalars(select(MapVersion).where(MapVersion.map_id == rec.id)
                           .order_by(MapVersion.version)).all()
    return MapVersionsOut(
        map_id=rec.id, count=len(rows),
        data=[MapVersionOut(version=r.version, name=r.name, created_at=r.created_at)
              for r in rows])


def draw_map(m: JourneyMap, *, format: str = "svg", role: str | None = None,
             lanes: str = "kind", routes_only: bool = False, width: int | None = None,
             height: int | None = None, font_scale: float = 1.0) -> bytes:
    """The map without numbers drawn by graphviz (``svg``, ``png`` or ``pdf``; the other
    options are those of :func:`journeymap.render.render`)."""
    from journeymap.render.graph import render

    return render(m, None, role=role, lanes=lanes, format=format, routes_only=routes_only,
                  width=width, height=height, font_scale=font_scale)


@dataclass(frozen=True)
class MapFile:
    """A download: its content and the file name to save it as."""

    content: bytes
    filename: str


def map_file(m: JourneyMap, fmt: str, stem: str) -> MapFile:
    """The map drawn (``svg``/``png``/``pdf``) or as a model text (``lavaan``/``semopy``/
    ``dagitty``)."""
    if fmt in IMAGES:
        return MapFile(draw_map(m, format=fmt), f"{stem}.{fmt}")
    from journeymap.render.export import export

    return MapFile(export(m, fmt).encode("utf-8"), f"{stem}-{fmt}.txt")
