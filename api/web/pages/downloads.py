"""Downloads: a fit's drawn map, model exports (lavaan, semopy, DAGitty), result JSON, CSV
tables and role card; a map version's drawing and exports."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from journeymap.outputs import csv_text

from ...deps import ResultsDep, SessionDep, SessionsDep, WorkerDep
from ...problems import Problem
from ...responses import attachment
from ...services import fits, maps
from .._core import PREFIX, SECURITY_HEADERS, WebUserDep, plain
from .fits import drivers_of, finished, roles_of

router = APIRouter(prefix=PREFIX, include_in_schema=False)

FIT_FILES = {
    "map.svg": "image/svg+xml", "map.png": "image/png", "map.pdf": "application/pdf",
    "map.lavaan": "text/plain; charset=utf-8", "map.semopy": "text/plain; charset=utf-8",
    "map.dagitty": "text/plain; charset=utf-8", "result.json": "application/json",
    "drivers.csv": "text/csv; charset=utf-8", "roles.csv": "text/csv; charset=utf-8",
    "card.html": "text/html; charset=utf-8", "card.pdf": "application/pdf",
}
MAP_FILES = {"map.svg": "image/svg+xml", "map.png": "image/png", "map.pdf": "application/pdf",
             "map.lavaan": "text/plain; charset=utf-8",
             "map.semopy": "text/plain; charset=utf-8",
             "map.dagitty": "text/plain; charset=utf-8"}


def _download(content: bytes | str, media: str, filename: str) -> Response:
    data = content.encode("utf-8") if isinstance(content, str) else content
    headers = {"Content-Disposition": attachment(filename), **SECURITY_HEADERS}
    return Response(data, media_type=media, headers=headers)


#: the downloads a role changes
ROLE_FILES = ("map.svg", "map.png", "map.pdf", "card.html", "card.pdf")


def _role_id(sessions: Any, results: Any, meta: Any, role: str) -> str:
    """``role`` when it is a role of the fit's map, else a 404 problem."""
    m = fits.load_result(sessions, results, meta).journey_map
    if role not in m.node_index or m.node(role).kind != "role":
        raise Problem(404, "this fit's map has no role with that id; the roles are listed on "
                           "the fit's roles page.", title="No such role")
    return role


def _csv(rows: list[dict[str, Any]]) -> str:
    """CSV safe to open in a spreadsheet (docs/security.md, "Files written")."""
    return csv_text(rows)


def _unknown(name: str, names: dict[str, str]) -> Problem:
    return Problem(404, f"there is no download called '{name}'; the downloads are: "
                        f"{', '.join(names)}.", title="Not found")


@router.get("/fits/{fit_id}/files/{name}")
async def fit_file(fit_id: uuid.UUID, name: str, user: WebUserDep, sessions: SessionsDep,
                   results: ResultsDep, worker: WorkerDep, role: str | None = None) -> Response:
    """Downloads of a finished fit: the drawn map, exports, result JSON, CSV tables, card."""
    if name not in FIT_FILES:
        raise _unknown(name, FIT_FILES)
    media = FIT_FILES[name]
    stem = f"fit-{str(fit_id)[:8]}"
    if role is not None and name not in ROLE_FILES:
        role = None  # these downloads are the same for every role: no role in their name
    if name in ("card.html", "card.pdf") and not role:
        raise Problem(404, "a role card needs a role: add ?role=<role id>.", title="Not found")
    if name == "result.json":
        fit = plain(await run_in_threadpool(fits.read_fit, sessions, results,
                                            user.workspace.id, fit_id))
        if fit["result"] is None:
            await finished(sessions, results, user, fit_id)  # the 409 problem
        return _download(json.dumps(fit["result"], ensure_ascii=False, indent=1), media,
                         f"{stem}-result.json")
    if name == "drivers.csv":
        rows = (await drivers_of(sessions, results, user, fit_id))["drivers"]
        return _download(_csv(rows), media, f"{stem}-drivers.csv")
    if name == "roles.csv":
        return _download(_csv(await roles_of(sessions, results, user, fit_id)), media,
                         f"{stem}-roles.csv")
    meta = await finished(sessions, results, user, fit_id)
    if role is not None:  # a role id of the fit's map, or a 404 before any name is made
        stem += "-" + await run_in_threadpool(_role_id, sessions, results, meta, role)
    if name == "card.html":
        assert role is not None
        card = await run_in_threadpool(fits.role_card, sessions, results, meta, role, worker)
        return _download(card, media, f"{stem}-card.html")
    if name == "card.pdf":
        assert role is not None
        pdf = await run_in_threadpool(fits.role_card_pdf, sessions, results, meta, role,
                                      worker)
        return _download(pdf, media, f"{stem}-card.pdf")
    if name in ("map.svg", "map.png", "map.pdf"):
        drawn = await run_in_threadpool(lambda: fits.render_fit(
            sessions, results, meta, format=name[4:], role=role))
        return _download(drawn, media, f"{stem}-{name}")
    text = await run_in_threadpool(fits.export_fit, sessions, results, meta, name[4:])
    return _download(text, media, f"{stem}-{name[4:]}.txt")


@router.get("/maps/{map_id}/files/{name}")
def map_file(map_id: uuid.UUID, name: str, user: WebUserDep, session: SessionDep,
             results: ResultsDep, version: Annotated[int | None, Query(ge=1)] = None
             ) -> Response:
    """Downloads of a map version without numbers: drawn map, lavaan, semopy, DAGitty."""
    if name not in MAP_FILES:
        raise _unknown(name, MAP_FILES)
    _rec, row, m = maps.stored_map(session, results, user.workspace.id, map_id, version)
    session.close()
    file = maps.map_file(m, name[4:], f"map-{str(map_id)[:8]}-v{row.version}")
    return _download(file.content, MAP_FILES[name], file.filename)
