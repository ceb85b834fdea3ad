"""Share links of the workspace: list them and revoke one (the workspace key only).

Links are made for a role of a finished fit by ``POST /v1/fits/{id}/roles/{role}/share``
(or for every role's page by ``POST /v1/fits/{id}/share``) in :mod:`api.routes.fits`;
they open ``/s/{token}`` without any key (:mod:`api.web.pages.share`).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from ..deps import SessionDep, WorkspaceDep
from ..problems import problem_responses
from ..responses import json_response
from ..schemas import SharesOut
from ..services import shares as service

router = APIRouter(prefix="/v1/shares", tags=["shares"])


@router.get("", response_model=SharesOut, responses=problem_responses(401))
def list_shares(session: SessionDep, workspace: WorkspaceDep,
                fit_id: uuid.UUID | None = None,
                role: Annotated[str | None, Query(min_length=1, max_length=200)] = None
                ) -> Response:
    """The workspace's share links (active, expired and revoked), newest first, without
    their tokens (only a token's hash is stored)."""
    return json_response(service.list_shares(session, workspace.id, fit_id=fit_id, role=role))


@router.delete("/{token_id}", status_code=204, response_class=Response,
               responses=problem_responses(401, 404))
def revoke_share(token_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep) -> Response:
    """Revoke a share link: it stops opening anything at once (again: still 204)."""
    service.revoke_share(session, workspace.id, token_id)
    return Response(status_code=204)
