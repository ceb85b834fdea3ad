"""Follow-up cases in the service (docs/closing-the-loop.md).

Cases are opened **when a fit completes** (in the worker thread, never in a request):
the fit's map assigns each case to a role, and the fit's dataset holds the responses.
The rules are :class:`journeymap.cases.CaseRules`' defaults (every detractor, a
touchpoint at the bottom of its scale; SLA 48 h / 72 h); the dataset needs a
``response_id`` column (without it no case is opened, and the log says so) and its
``contact_ok`` column is read when present (otherwise ``contact_ok`` is false).
Opening is idempotent by response id: refitting the same dataset or fitting it again
after responses were appended opens cases only for new response ids.

Every opened case and every change enqueues a webhook event (:mod:`.webhooks`) in the
same transaction, so no event is lost.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from journeymap.cases import CaseRules, case_stats, check_transition, make_cases
from journeymap.exceptions import CaseTransitionError, JourneymapError
from journeymap.limits import CASES_MAX_ROWS, DEFAULT_MIN_RESPONSES
from journeymap.outputs import csv_text

from ..models import CaseRecord, Dataset, Fit, utcnow
from ..problems import CONFLICT, Problem, not_found
from ..results import FitSpec
from ..schemas import CaseOut, CasesOut, CaseStatOut, CaseStatsOut, CaseUpdate
from . import webhooks

__all__ = ["CSV_COLUMNS", "case_out", "cases_csv", "get_case", "list_cases",
           "open_cases_for_fit", "stats", "update_case"]

logger = logging.getLogger("journeymap.api")

#: The CSV export's columns, for a CRM (no comment, contact detail or name).
CSV_COLUMNS = ["case_id", "response_id", "status", "role", "touchpoint", "reasons", "ltr",
               "contact_ok", "opened_at", "due_at", "contacted_at", "closed_at", "note"]


def open_cases_for_fit(sessions: sessionmaker[Session], spec: FitSpec) -> int:
    """Open the cases of a finished fit's dataset (new response ids only); returns how
    many were opened.  Never raises for data without an id column."""
    with sessions() as session:
        fit = session.get(Fit, spec.fit_id)
        if fit is None:
            return 0
        dataset = session.get(Dataset, fit.dataset_id)
        assert dataset is not None
        columns = set(json.loads(dataset.columns))
        workspace_id, dataset_id = fit.workspace_id, fit.dataset_id
        n_rows = dataset.n_rows
    if n_rows > CASES_MAX_ROWS:
        logger.warning("fit %s: %d rows is more than %d, so no follow-up cases", spec.fit_id,
                       n_rows, CASES_MAX_ROWS)
        return 0
    rules = CaseRules()
    if rules.id_column not in columns:
        logger.info("fit %s: no '%s' column, so no follow-up cases", spec.fit_id,
                    rules.id_column)
        return 0
    if rules.consent_column not in columns:
        rules = CaseRules(consent_column=None)
    now = utcnow()
    try:
        found = make_cases(spec.journey_map, spec.path, rules=rules, opened_at=now,
                           survey_type=spec.options.get("survey_type"))
    except JourneymapError as exc:
        logger.warning("fit %s: no follow-up cases: %s", spec.fit_id, exc)
        return 0
    opened = 0
    with sessions.begin() as session:
        known = set(session.scalars(select(CaseRecord.response_id).where(
            CaseRecord.workspace_id == workspace_id, CaseRecord.dataset_id == dataset_id)))
        for case in found:
            if case.response_id in known or len(case.response_id) > 200:
                continue
            row = CaseRecord(id=uuid.uuid4(), workspace_id=workspace_id, dataset_id=dataset_id,
                             fit_id=spec.fit_id, response_id=case.response_id,
                             reasons=",".join(case.reasons), ltr=case.ltr,
                             touchpoint=case.touchpoint, role=case.role,
                             contact_ok=case.contact_ok, status="open", note=None,
                             opened_at=case.opened_at, due_at=case.due_at, updated_at=now)
            session.add(row)
            session.flush()
            webhooks.enqueue(session, row, "case.opened", case_out(row))
            opened += 1
    return opened


def case_out(row: CaseRecord) -> CaseOut:
    return CaseOut(id=row.id, dataset_id=row.dataset_id, fit_id=row.fit_id,
                   response_id=row.response_id, reasons=row.reasons.split(","), ltr=row.ltr,
                   touchpoint=row.touchpoint, role=row.role, contact_ok=row.contact_ok,
                   status=row.status,  # type: ignore[arg-type]
                   note=row.note, opened_at=row.opened_at, due_at=row.due_at,
                   contacted_at=row.contacted_at, closed_at=row.closed_at,
                   updated_at=row.updated_at)


def _query(workspace_id: uuid.UUID, role: str | None, status: str | None,
           month: str | None) -> Any:
    query = select(CaseRecord).where(CaseRecord.workspace_id == workspace_id)
    if role is not None:
        query = query.where(CaseRecord.role == role)
    if status is not None:
        query = query.where(CaseRecord.status == status)
    return query.order_by(CaseRecord.due_at, CaseRecord.response_id)


def _rows(session: Session, workspace_id: uuid.UUID, role: str | None, status: str | None,
          month: str | None) -> list[CaseRecord]:
    rows = list(session.scalars(_query(workspace_id, role, status, month)))
    if month is not None:  # YYYY-MM of opening, in UTC (portable across databases)
        rows = [r for r in rows if r.opened_at.strftime("%Y-%m") == month]
    return rows


def list_cases(session: Session, workspace_id: uuid.UUID, *, role: str | None = None,
               status: str | None = None, month: str | None = None) -> CasesOut:
    """The workspace's cases, soonest due first."""
    return CasesOut(cases=[case_out(r) for r in _rows(session, workspace_id, role, status,
                                                      month)])


def get_case(session: Session, workspace_id: uuid.UUID, case_id: uuid.UUID) -> CaseRecord:
    row = session.scalar(select(CaseRecord).where(CaseRecord.id == case_id,
                                                  CaseRecord.workspace_id == workspace_id))
    if row is None:
        raise not_found("case", case_id)
    return row


def update_case(session: Session, workspace_id: uuid.UUID, case_id: uuid.UUID,
                change: CaseUpdate) -> CaseOut:
    """Change a case's status and/or note; 409 for a change the rules do not allow."""
    row = get_case(session, workspace_id, case_id)
    note = change.note if change.note is not None else row.note
    now = utcnow()
    if change.status is not None and change.status != row.status:
        try:
            check_transition(row.status, change.status, note)
        except CaseTransitionError as exc:
            raise Problem(409, str(exc), type=CONFLICT, title="Status change not allowed"
                          ) from exc
        row.status = change.status
        if change.status == "contacted":
            row.contacted_at = now
        else:
            row.closed_at = now
    elif change.note is None:
        return case_out(row)
    row.note = note
    row.updated_at = now
    session.flush()
    out = case_out(row)
    webhooks.enqueue(session, row, "case.updated", out)
    session.commit()
    return out


def cases_csv(session: Session, workspace_id: uuid.UUID, *, role: str | None = None,
              status: str | None = None, month: str | None = None) -> str:
    """The cases as CSV for a CRM (:func:`journeymap.outputs.csv_text`)."""
    rows = [{"case_id": str(r.id), "response_id": r.response_id, "status": r.status,
             "role": r.role or "", "touchpoint": r.touchpoint or "",
             "reasons": r.reasons.replace(",", " "), "ltr": r.ltr,
             "contact_ok": "yes" if r.contact_ok else "no",
             "opened_at": r.opened_at.isoformat(), "due_at": r.due_at.isoformat(),
             "contacted_at": r.contacted_at.isoformat() if r.contacted_at else "",
             "closed_at": r.closed_at.isoformat() if r.closed_at else "",
             "note": r.note or ""}
            for r in _rows(session, workspace_id, role, status, month)]
    return csv_text(rows, CSV_COLUMNS)


def stats(session: Session, workspace_id: uuid.UUID, *, role: str | None = None,
          min_cases: int = DEFAULT_MIN_RESPONSES) -> CaseStatsOut:
    """Closed-loop rate and median hours to close per role and month (the library's
    :func:`journeymap.cases.case_stats`)."""
    rows = _rows(session, workspace_id, role, None, None)
    figures = case_stats([{"role": r.role, "opened_at": r.opened_at, "closed_at": r.closed_at}
                          for r in rows], min_cases=min_cases)
    return CaseStatsOut(min_cases=min_cases,
                        stats=[CaseStatOut(**s.to_dict()) for s in figures])
