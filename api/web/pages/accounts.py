"""The analyst's B2B accounts page (``GET /v1/fits/{id}/accounts``, docs/accounts.md).

Only for a signed-in workspace: share links never reach it.  The figures are the
service's (the library's report); the page orders nothing by score and only formats.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from journeymap import i18n

from ...deps import SessionsDep, WorkerDep
from ...services import accounts
from .._core import PREFIX, WebUserDep, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/fits/{fit_id}/accounts", response_class=HTMLResponse)
async def fit_accounts(request: Request, fit_id: uuid.UUID, user: WebUserDep,
                       sessions: SessionsDep, worker: WorkerDep,
                       order: Literal["name", "risk"] = "name") -> Response:
    """NPS per account, both headlines, contact roles and the at-risk reasons; a plain
    message when the map names no account column."""
    lang = i18n.current_language()

    def compute() -> dict[str, Any] | None:
        with sessions() as session:
            if not accounts.names_accounts(session, worker, user.workspace.id, fit_id):
                return None
            return accounts.fit_accounts(session, worker, user.workspace.id, fit_id,
                                         order=order, lang=lang)

    report = await run_in_threadpool(compute)
    return page(request, "accounts.html", {"fit_id": str(fit_id), "report": report,
                                           "order": order}, user=user)
