"""``GET /v1/workspace``: the workspace of the API key (workspaces are created with
``journeymap admin create-workspace``, not over HTTP)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ..deps import SessionDep, WorkspaceDep
from ..models import Workspace
from ..problems import problem_responses
from ..responses import json_response
from ..schemas import WorkspaceOut

router = APIRouter(prefix="/v1", tags=["workspace"])


@router.get("/workspace", response_model=WorkspaceOut, responses=problem_responses(401))
def current_workspace(session: SessionDep, workspace: WorkspaceDep) -> Response:
    """The workspace this API key belongs to."""
    row = session.get(Workspace, workspace.id)
    assert row is not None
    return json_response(WorkspaceOut(id=row.id, name=row.name, created_at=row.created_at))
