"""``GET /v1/workspace``: the workspace of the API key (workspaces are created with
``journeymap admin create-workspace``, not over HTTP), and its rules for follow-up cases
(``/v1/workspace/case-rules``, docs/closing-the-loop.md)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ..deps import SessionDep, WorkspaceDep
from ..models import Workspace
from ..problems import problem_responses
from ..responses import json_response
from ..schemas import CaseRulesIn, CaseRulesOut, WorkspaceOut
from ..services import cases

router = APIRouter(prefix="/v1", tags=["workspace"])


@router.get("/workspace", response_model=WorkspaceOut, responses=problem_responses(401))
def current_workspace(session: SessionDep, workspace: WorkspaceDep) -> Response:
    """The workspace this API key belongs to."""
    row = session.get(Workspace, workspace.id)
    assert row is not None
    return json_response(WorkspaceOut(id=row.id, name=row.name, created_at=row.created_at))


@router.get("/workspace/case-rules", response_model=CaseRulesOut,
            responses=problem_responses(401))
def read_case_rules(session: SessionDep, workspace: WorkspaceDep) -> Response:
    """The rules follow-up cases open by (rules on or off, the valuable-account threshold,
    the SLA hours per reason); ``updated_at`` null: the defaults."""
    return json_response(cases.read_rules(session, workspace.id))


@router.put("/workspace/case-rules", response_model=CaseRulesOut,
            responses=problem_responses(401, 422))
def put_case_rules(body: CaseRulesIn, session: SessionDep, workspace: WorkspaceDep
                   ) -> Response:
    """Set the rules (a field left out takes its default); checked by the library, e.g.
    a non-positive SLA is one 422 and nothing is stored.  Cases opened before keep their
    due times."""
    return json_response(cases.put_rules(session, workspace.id, body))
