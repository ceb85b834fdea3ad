"""Follow-up cases for a role's team (docs/closing-the-loop.md): the cases of a chosen
role with their status, reasons and due time, a form per case to move it open →
contacted → closed with a note, the workspace's rules and due times (a form, as
``PUT /v1/workspace/case-rules``), the closed-loop figures and the CSV for a CRM.

The page calls the same :mod:`api.services.cases` functions as ``/v1/cases``; a status
change the library refuses (:func:`journeymap.cases.check_transition`) or rules it
refuses (:class:`journeymap.cases.CaseRules`) show the library's message and change
nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from journeymap.cases import REASONS, STATUSES, TRANSITIONS, CaseRules
from journeymap.exceptions import JourneymapError
from journeymap.i18n import gettext as _

from ...deps import ResultsDep, SessionsDep
from ...problems import Problem
from ...responses import attachment
from ...results import Results
from ...schemas import CaseRulesIn, CaseUpdate
from ...services import cases as service
from .._core import PREFIX, CsrfDep, WebUserDep, page, plain

router = APIRouter(prefix=PREFIX, include_in_schema=False)

#: Cases listed on one page: a team's page stays quick to load and to read on a phone
#: (800 cases with a form each made a 950 KB page); the CSV has every case.
CASES_PER_PAGE = 50

def _reason_names() -> dict[str, str]:
    return {"detractor": _("detractor (score 0–6)"),
            "valuable_low": _("valuable account with a low score"),
            "bottom_rating": _("a touchpoint rated at the bottom of its scale")}


def _case_status_names() -> dict[str, str]:
    return {"open": _("open"), "contacted": _("contacted"), "closed": _("closed")}


def _view(sessions: SessionsDep, results: Results, workspace_id: uuid.UUID,
          role: str | None, page_no: int = 1) -> dict[str, Any]:
    """The page's figures; the cases of page ``page_no`` (:data:`CASES_PER_PAGE` a page,
    soonest due first; a page past the last shows the last).  Roles and touchpoints are
    shown by their map labels in the page's language (:class:`service.CaseLabels`), the
    role picker's values stay ids."""
    with sessions() as session:
        every = service.list_cases(session, workspace_id).cases
        listed = [c for c in every if role is None or c.role == role]
        figures = plain(service.stats(session, workspace_id, role=role))
        rules = plain(service.read_rules(session, workspace_id))
        pages = max(1, -(-len(listed) // CASES_PER_PAGE))
        page_no = min(max(1, page_no), pages)
        start = (page_no - 1) * CASES_PER_PAGE
        labels = service.CaseLabels(session, results)
        role_labels: dict[str, tuple[str | None, str | None]] = {}
        for case in sorted(every, key=lambda c: c.opened_at, reverse=True):  # newest map
            if case.role is not None and case.role not in role_labels:
                role_labels[case.role] = labels.label(case, case.role)
        shown: list[dict[str, Any]] = []
        for case in listed[start:start + CASES_PER_PAGE]:
            touchpoint, touchpoint_lang = labels.label(case, case.touchpoint)
            shown.append({**plain(case), "touchpoint_label": touchpoint,
                          "touchpoint_lang": touchpoint_lang,
                          "role_label": role_labels.get(case.role or "", (None, None))[0],
                          "role_lang": role_labels.get(case.role or "", (None, None))[1]})
    now = datetime.now(UTC)
    for shown_case in shown:
        due = datetime.fromisoformat(shown_case["due_at"])
        if due.tzinfo is None:
            due = due.replace(tzinfo=UTC)
        shown_case["overdue"] = shown_case["status"] != "closed" and due < now
        # the journey's order, so an open case offers "contacted" first, not "closed"
        shown_case["next"] = [s for s in STATUSES if s in TRANSITIONS[shown_case["status"]]]
    roles = sorted(({"id": r, "label": lab or r, "lang": lang}
                    for r, (lab, lang) in role_labels.items()),
                   key=lambda r: (str(r["label"]).casefold(), r["id"]))
    for row in figures["stats"]:
        row["role_label"], row["role_lang"] = role_labels.get(row["role"] or "", (None, None))
    picked = role_labels.get(role or "", (role, None))
    return {"cases": shown, "total": len(listed), "page_no": page_no, "pages": pages,
            "first": start + 1, "last": start + len(shown),
            "roles": roles, "role": role, "role_label": picked[0], "role_lang": picked[1],
            "stats": figures["stats"],
            "min_cases": figures["min_cases"], "rules": rules, "reason_names": _reason_names(),
            "case_status_names": _case_status_names()}


def _role_of(role: str | None) -> str | None:
    return role.strip() or None if role else None


def _cases_url(role: str | None, page_no: int = 1) -> str:
    """The page's address for a role and page (the defaults left out)."""
    query = {**({"role": role} if role else {}), **({"page": page_no} if page_no > 1 else {})}
    return f"{PREFIX}/cases" + (f"?{urlencode(query)}" if query else "")


@router.get("/cases", response_class=HTMLResponse)
async def list_cases(request: Request, user: WebUserDep, sessions: SessionsDep,
                     results: ResultsDep, role: str | None = None,
                     page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1
                     ) -> Response:
    """The cases of a role (all roles when none is chosen), soonest due first, a page of
    :data:`CASES_PER_PAGE` at a time."""
    picked = _role_of(role)
    view = await run_in_threadpool(_view, sessions, results, user.workspace.id, picked, page_no)
    return page(request, "cases.html", view, user=user)


@router.get("/cases.csv")
async def cases_csv(user: WebUserDep, sessions: SessionsDep,
                    role: str | None = None) -> Response:
    """The cases (of the chosen role) as CSV for a CRM, as ``GET /v1/cases/csv``."""

    def text() -> str:
        with sessions() as session:
            return service.cases_csv(session, user.workspace.id, role=_role_of(role))

    return Response(await run_in_threadpool(text), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment("cases.csv")})


def _number(text: str) -> float | str:
    """A form's number, or the text as typed (the library's check then names it)."""
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return text.strip()


def _whole(text: str) -> int | float | str:
    value = _number(text)
    return int(value) if isinstance(value, float) and value.is_integer() else value


@router.post("/cases/rules", response_class=HTMLResponse)
async def update_rules(request: Request, user: CsrfDep, sessions: SessionsDep,
                       results: ResultsDep,
                       detractor: Annotated[str, Form(max_length=10)] = "",
                       bottom_rating: Annotated[str, Form(max_length=10)] = "",
                       value_column: Annotated[str, Form(max_length=200)] = "",
                       value_threshold: Annotated[str, Form(max_length=50)] = "0",
                       value_max_ltr: Annotated[str, Form(max_length=50)] = "8",
                       sla_detractor: Annotated[str, Form(max_length=50)] = "",
                       sla_valuable_low: Annotated[str, Form(max_length=50)] = "",
                       sla_bottom_rating: Annotated[str, Form(max_length=50)] = "",
                       role: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Set the workspace's case rules; values the library refuses show its message
    (422) and nothing is stored."""
    typed = {"detractor": sla_detractor, "valuable_low": sla_valuable_low,
             "bottom_rating": sla_bottom_rating}
    sla = {r: _number(typed[r]) for r in REASONS if typed[r].strip()}
    threshold, max_ltr = _number(value_threshold or "0"), _whole(value_max_ltr or "8")
    try:  # the library's check first, so a typed word gets its sentence too
        rules = CaseRules(detractor=bool(detractor), bottom_rating=bool(bottom_rating),
                          value_column=value_column.strip() or None,
                          value_threshold=threshold,  # type: ignore[arg-type]
                          value_max_ltr=max_ltr,  # type: ignore[arg-type]
                          sla_hours=sla)  # type: ignore[arg-type]
        refused = None
    except JourneymapError as exc:
        refused = str(exc)
    picked = _role_of(role)
    if refused is None:
        body = CaseRulesIn(detractor=rules.detractor, bottom_rating=rules.bottom_rating,
                           value_column=rules.value_column,
                           value_threshold=rules.value_threshold,
                           value_max_ltr=rules.value_max_ltr, sla_hours=dict(rules.sla_hours))

        def store() -> None:
            with sessions() as session:
                service.put_rules(session, user.workspace.id, body)

        await run_in_threadpool(store)
        return RedirectResponse(_cases_url(picked) + "#h-rules", status_code=303)
    view = await run_in_threadpool(_view, sessions, results, user.workspace.id, picked)
    return page(request, "cases.html", {**view, "rules_refused": refused}, user=user,
                status=422)


@router.post("/cases/{case_id}", response_class=HTMLResponse)
async def update_case(request: Request, case_id: uuid.UUID, user: CsrfDep,
                      sessions: SessionsDep, results: ResultsDep,
                      status: Annotated[Literal["open", "contacted", "closed", ""],
                                        Form()] = "",
                      note: Annotated[str, Form(max_length=5000)] = "",
                      role: Annotated[str, Form(max_length=200)] = "",
                      page_no: Annotated[int, Form(alias="page", ge=1, le=1_000_000)] = 1
                      ) -> Response:
    """Move a case on and/or set its note; a refused change shows the library's
    message (409) and changes nothing.  Back to the page the case was on."""
    text = note.strip()
    # the form shows the note, so a blank one sent to close a case is a missing note
    change = CaseUpdate(status=status or None,
                        note=text if text or status == "closed" else None)

    def apply() -> str | None:
        with sessions() as session:
            try:
                service.update_case(session, user.workspace.id, case_id, change)
            except Problem as exc:
                if exc.status != 409:
                    raise
                session.rollback()
                return _(exc.detail)
        return None

    refused = await run_in_threadpool(apply)
    picked = _role_of(role)
    if refused is None:
        return RedirectResponse(_cases_url(picked, page_no), status_code=303)
    view = await run_in_threadpool(_view, sessions, results, user.workspace.id, picked, page_no)
    return page(request, "cases.html", {**view, "refused": refused,
                                        "refused_case": str(case_id)},
                user=user, status=409)
