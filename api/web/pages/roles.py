"""The roles of a fit and "my influence": one role's card (from the library) with a picker."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from journeymap.i18n import gettext as _
from journeymap.limits import SHARE_LINK_DEFAULT_DAYS

from ...deps import ResultsDep, SessionsDep, WorkerDep
from ...services import fits, shares
from .._core import PREFIX, WebUserDep, is_htmx, page, plain
from .fits import finished, roles_of
from .share import EXPIRY_CHOICES, role_map_view

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/fits/{fit_id}/roles", response_class=HTMLResponse)
async def list_roles(request: Request, fit_id: uuid.UUID, user: WebUserDep,
                     sessions: SessionsDep, results: ResultsDep,
                     role: str | None = None) -> Response:
    if role:  # the picker's form (GET, works without JavaScript)
        return RedirectResponse(f"{PREFIX}/fits/{fit_id}/roles/{role}", status_code=303)
    roles = await roles_of(sessions, results, user, fit_id)
    from journeymap.analysis.roles import NOT_FOR_PAY

    return page(request, "roles.html", {"fit_id": str(fit_id), "roles": roles,
                                        "role": None, "not_for_pay": _(NOT_FOR_PAY),
                                        "role_base": f"{PREFIX}/fits/{fit_id}/roles"}, user=user)


@router.get("/fits/{fit_id}/roles/{role}", response_class=HTMLResponse)
async def show_role(request: Request, fit_id: uuid.UUID, role: str, user: WebUserDep,
                    sessions: SessionsDep, results: ResultsDep, worker: WorkerDep) -> Response:
    """"My influence": the role card's content (from the library), with a role picker."""
    roles = await roles_of(sessions, results, user, fit_id)
    meta = await finished(sessions, results, user, fit_id)
    influence = plain(await run_in_threadpool(fits.role, sessions, results, meta, role))
    card = await run_in_threadpool(fits.role_card_body, sessions, results, meta, role, worker)
    rmap = await run_in_threadpool(role_map_view, request, sessions, results, meta, role,
                                   influence["label"])

    def links() -> list[dict[str, Any]]:
        with sessions() as session:
            out = shares.list_shares(session, user.workspace.id, fit_id=fit_id, role=role)
        return [s for s in plain(out)["shares"] if s["status"] == "active"]

    rejected = await run_in_threadpool(fits.map_rejected, sessions, results, meta)
    return page(request, "role.html", {
        "fit_id": str(fit_id), "roles": roles, "role": role, "influence": influence,
        "card": card, "rmap": rmap, "map_rejected": rejected,
        "permalink": str(request.url.replace(query="")),
        "shares": await run_in_threadpool(links), "expiry_choices": EXPIRY_CHOICES,
        "default_days": SHARE_LINK_DEFAULT_DAYS}, user=user)


@router.get("/fits/{fit_id}/roles/{role}/trend", response_class=HTMLResponse)
async def role_trend(request: Request, fit_id: uuid.UUID, role: str, user: WebUserDep,
                     sessions: SessionsDep, worker: WorkerDep) -> Response:
    """The role's NPS points per quarter with intervals (``GET
    /v1/fits/{id}/roles/{role}/trend``): loaded into the role page, or a page of its own
    without JavaScript."""
    from ...services.trends import fit_over_time

    def compute() -> dict[str, Any]:
        with sessions() as session:
            return fit_over_time(session, worker, user.workspace.id, fit_id, "role",
                                 period="quarter", role=role)

    trend = await run_in_threadpool(compute)
    name = "_role_trend.html" if is_htmx(request) else "role_trend.html"
    return page(request, name, {"fit_id": str(fit_id), "role": role, "trend": trend},
                user=user)
