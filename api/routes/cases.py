"""Follow-up cases of the workspace (docs/closing-the-loop.md): list with filters, one
case, a status change or note, the CSV for a CRM and the closed-loop figures."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from journeymap.limits import PAGE_SIZE_DEFAULT

from ..deps import SessionDep, WorkspaceDep
from ..paging import KnownQueryOnly, Limit, Offset, next_page
from ..problems import problem_responses
from ..responses import attachment, json_response
from ..schemas import CaseOut, CasesOut, CaseStatsOut, CaseUpdate
from ..services import cases as service

router = APIRouter(prefix="/v1/cases", tags=["cases"])

Role = Annotated[str | None, Query(min_length=1, max_length=200)]
Status = Literal["open", "contacted", "closed"] | None
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                                    description="YYYY-MM of opening (UTC)")]


@router.get("", response_model=CasesOut, responses=problem_responses(401, 422),
            dependencies=[KnownQueryOnly])
def list_cases(request: Request, session: SessionDep, workspace: WorkspaceDep,
               role: Role = None, status: Status = None, month: Month = None,
               limit: Limit = PAGE_SIZE_DEFAULT, offset: Offset = 0) -> Response:
    """The workspace's cases, soonest due first, a page at a time; filter by role, status
    and month.  ``next`` is the next page's address (null on the last): follow it to read
    every case (the CSV has every case at once)."""
    out = service.list_cases(session, workspace.id, role=role, status=status, month=month,
                             limit=limit, offset=offset)
    out.next = next_page(request, out.count, limit, offset)
    return json_response(out)


@router.get("/csv", response_class=Response, responses={
    200: {"content": {"text/csv": {}}, "description": "The cases as CSV"},
    **problem_responses(401)})
def cases_csv(session: SessionDep, workspace: WorkspaceDep, role: Role = None,
              status: Status = None, month: Month = None) -> Response:
    """The cases as CSV for a CRM (the same filters; no comment, contact or name)."""
    text = service.cases_csv(session, workspace.id, role=role, status=status, month=month)
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment("cases.csv")})


@router.get("/stats", response_model=CaseStatsOut, responses=problem_responses(401))
def case_stats(session: SessionDep, workspace: WorkspaceDep, role: Role = None) -> Response:
    """Closed-loop rate and median hours to close per role and month of opening."""
    return json_response(service.stats(session, workspace.id, role=role))


@router.get("/{case_id}", response_model=CaseOut, responses=problem_responses(401, 404))
def get_case(case_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep) -> Response:
    """One case."""
    return json_response(service.case_out(service.get_case(session, workspace.id, case_id)))


@router.patch("/{case_id}", response_model=CaseOut,
              responses=problem_responses(401, 404, 409, 422))
def update_case(case_id: uuid.UUID, change: CaseUpdate, session: SessionDep,
                workspace: WorkspaceDep) -> Response:
    """Change the status (open → contacted → closed; closing needs a note) or the note;
    a change the rules do not allow answers 409 and changes nothing."""
    return json_response(service.update_case(session, workspace.id, case_id, change))
