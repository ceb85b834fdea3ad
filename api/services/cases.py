"""Follow-up cases in the service (docs/closing-the-loop.md).

Cases open at two moments, by the same library rules (:func:`journeymap.cases.make_cases`)
and the workspace's :class:`~journeymap.cases.CaseRules` (:func:`workspace_rules`; the
library's defaults until ``PUT /v1/workspace/case-rules`` sets them):

* **when a fit completes** (in the worker thread, never in a request): the fit's map
  assigns each case to a role and the fit's dataset holds the responses;
* **when responses are appended** (``POST /v1/datasets/{id}/responses``,
  :mod:`.appends`): for the new rows only, with the map named in the request or else the
  map of the dataset's latest finished fit, in the transaction that stores the rows.

The dataset needs a response-id column (without it no case is opened and the log or the
answer says so); its consent column is read when present (otherwise ``contact_ok`` is
false); a valuable-account rule whose value column the dataset lacks is left out (and
said).  Opening is idempotent by response id: a response id of a dataset never gets a
second case, whichever way it arrives.

Every opened case and every change enqueues a webhook event (:mod:`.webhooks`) in the
same transaction, so no event is lost.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import MAXYEAR, UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session, sessionmaker

from journeymap import cases as library
from journeymap.cases import (
    Case,
    CaseRules,
    ColumnRules,
    case_stats,
    check_transition,
    make_cases,
    rules_for_columns,
)
from journeymap.exceptions import CaseTransitionError, JourneymapError
from journeymap.limits import CASES_MAX_ROWS, DEFAULT_MIN_RESPONSES
from journeymap.model import JourneyMap

from ..models import CaseRecord, CaseRulesRecord, Dataset, Fit, FitStatus, MapVersion, utcnow
from ..problems import CONFLICT, Problem, not_found, problem_for_library_error
from ..results import FitSpec, Results, fit_source
from ..schemas import (
    CaseOut,
    CaseRulesIn,
    CaseRulesOut,
    CasesOut,
    CaseStatOut,
    CaseStatsOut,
    CaseUpdate,
)
from . import webhooks

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CaseLabels", "case_out", "cases_csv", "dataset_rules", "get_case", "list_cases",
           "open_cases_for_fit", "put_rules", "read_rules", "stats", "store_cases",
           "update_case", "workspace_rules"]

logger = logging.getLogger("journeymap.api")


# ----------------------------------------------------------------- rules
def _stored_rules(session: Session, workspace_id: uuid.UUID) -> CaseRulesRecord | None:
    return session.get(CaseRulesRecord, workspace_id)


def workspace_rules(session: Session, workspace_id: uuid.UUID) -> CaseRules:
    """The workspace's rules (the library's defaults when none were set)."""
    row = _stored_rules(session, workspace_id)
    if row is None:
        return CaseRules()
    return CaseRules(detractor=row.detractor, bottom_rating=row.bottom_rating,
                     value_column=row.value_column, value_threshold=row.value_threshold,
                     value_max_ltr=row.value_max_ltr,
                     sla_hours={"detractor": row.sla_detractor_hours,
                                "valuable_low": row.sla_valuable_low_hours,
                                "bottom_rating": row.sla_bottom_rating_hours})


def _rules_out(rules: CaseRules, updated_at: datetime | None) -> CaseRulesOut:
    return CaseRulesOut(detractor=rules.detractor, bottom_rating=rules.bottom_rating,
                        value_column=rules.value_column, value_threshold=rules.value_threshold,
                        value_max_ltr=rules.value_max_ltr, sla_hours=dict(rules.sla_hours),
                        updated_at=updated_at)


def read_rules(session: Session, workspace_id: uuid.UUID) -> CaseRulesOut:
    """``GET /v1/workspace/case-rules``."""
    row = _stored_rules(session, workspace_id)
    return _rules_out(workspace_rules(session, workspace_id),
                      row.updated_at if row is not None else None)


def put_rules(session: Session, workspace_id: uuid.UUID, body: CaseRulesIn) -> CaseRulesOut:
    """Set the workspace's rules; the library checks them first (422 with its message,
    nothing stored).  Cases opened before keep their due times."""
    try:
        rules = CaseRules(detractor=body.detractor, bottom_rating=body.bottom_rating,
                          value_column=(body.value_column or "").strip() or None,
                          value_threshold=body.value_threshold,
                          value_max_ltr=body.value_max_ltr, sla_hours=dict(body.sla_hours))
    except JourneymapError as exc:
        raise problem_for_library_error(exc) from None
    row = _stored_rules(session, workspace_id)
    if row is None:
        row = CaseRulesRecord(workspace_id=workspace_id)
        session.add(row)
    row.detractor = rules.detractor
    row.bottom_rating = rules.bottom_rating
    row.value_column = rules.value_column
    row.value_threshold = rules.value_threshold
    row.value_max_ltr = rules.value_max_ltr
    row.sla_detractor_hours = rules.sla_hours["detractor"]
    row.sla_valuable_low_hours = rules.sla_hours["valuable_low"]
    row.sla_bottom_rating_hours = rules.sla_hours["bottom_rating"]
    row.updated_at = utcnow()
    session.commit()
    return _rules_out(rules, row.updated_at)


def dataset_rules(rules: CaseRules, columns: Sequence[str], dataset_name: str, *,
                  id_column: str | None = None) -> ColumnRules:
    """The workspace's rules fitted to a dataset's columns
    (:func:`journeymap.cases.rules_for_columns`, as the CLI does); ``id_column`` names
    another response-id column."""
    if id_column is not None:
        rules = replace(rules, id_column=id_column)
    return rules_for_columns(rules, columns, f"dataset '{dataset_name}'")


def find_cases(journey_map: JourneyMap, data: str | Path | pd.DataFrame,
               rules: CaseRules, opened_at: datetime, survey_type: str | None) -> list[Case]:
    """The library's cases of some responses (its errors pass through)."""
    return make_cases(journey_map, data, rules=rules, opened_at=opened_at,
                      survey_type=survey_type)


def store_cases(session: Session, workspace_id: uuid.UUID, dataset_id: uuid.UUID,
                fit_id: uuid.UUID | None, found: Sequence[Case], now: datetime) -> int:
    """Add the cases whose response id has none yet in the dataset, each with its
    webhook events, to ``session`` (the caller commits); returns how many."""
    known = set(session.scalars(select(CaseRecord.response_id).where(
        CaseRecord.workspace_id == workspace_id, CaseRecord.dataset_id == dataset_id)))
    rows: list[CaseRecord] = []
    for case in found:
        if case.response_id in known or len(case.response_id) > 200:
            continue
        known.add(case.response_id)
        rows.append(CaseRecord(id=uuid.uuid4(), workspace_id=workspace_id,
                               dataset_id=dataset_id, fit_id=fit_id,
                               response_id=case.response_id, reasons=",".join(case.reasons),
                               ltr=case.ltr, touchpoint=case.touchpoint, role=case.role,
                               contact_ok=case.contact_ok, status="open", note=None,
                               opened_at=case.opened_at, due_at=case.due_at, updated_at=now))
    if not rows:
        return 0
    session.add_all(rows)
    session.flush()  # the cases before their events (one flush, not one per case)
    endpoints = webhooks.workspace_endpoints(session, workspace_id)
    if endpoints:
        for row in rows:
            webhooks.enqueue(session, row, "case.opened", case_out(row), endpoints=endpoints,
                             new_case=True)
    return len(rows)


# ----------------------------------------------------------------- opening
def open_cases_for_fit(sessions: sessionmaker[Session], spec: FitSpec) -> int:
    """Open the cases of a finished fit's dataset (new response ids only); returns how
    many were opened.  Never raises for data without an id column."""
    with sessions() as session:
        fit = session.get(Fit, spec.fit_id)
        if fit is None:
            return 0
        dataset = session.get(Dataset, fit.dataset_id)
        assert dataset is not None
        fitted = dataset_rules(workspace_rules(session, fit.workspace_id),
                               json.loads(dataset.columns), dataset.name)
        workspace_id, dataset_id = fit.workspace_id, fit.dataset_id
        n_rows = dataset.n_rows
    if n_rows > CASES_MAX_ROWS:
        logger.warning("fit %s: %d rows is more than %d, so no follow-up cases", spec.fit_id,
                       n_rows, CASES_MAX_ROWS)
        return 0
    for note in fitted.notes:
        logger.info("fit %s: %s", spec.fit_id, note)
    if fitted.rules is None:
        return 0
    now = utcnow()
    try:
        found = find_cases(spec.journey_map, fit_source(spec), fitted.rules, now,
                           spec.options.get("survey_type"))
    except JourneymapError as exc:
        logger.warning("fit %s: no follow-up cases: %s", spec.fit_id, exc)
        return 0
    with sessions.begin() as session:
        return store_cases(session, workspace_id, dataset_id, spec.fit_id, found, now)


def case_out(row: CaseRecord) -> CaseOut:
    return CaseOut(id=row.id, dataset_id=row.dataset_id, fit_id=row.fit_id,
                   response_id=row.response_id, reasons=row.reasons.split(","), ltr=row.ltr,
                   touchpoint=row.touchpoint, role=row.role, contact_ok=row.contact_ok,
                   status=row.status,  # type: ignore[arg-type]
                   note=row.note, opened_at=row.opened_at, due_at=row.due_at,
                   contacted_at=row.contacted_at, closed_at=row.closed_at,
                   updated_at=row.updated_at)


def _in_month(month: str) -> list[Any]:
    """Conditions of a case opened in the month ``YYYY-MM`` (UTC): from its first instant
    to the next month's (a range, portable and indexable).  Year 0000 holds no time a
    database stores; 9999-12 has no next month."""
    year, number = (int(part) for part in month.split("-"))
    if year == 0:
        return [false()]
    conditions: list[Any] = [CaseRecord.opened_at >= datetime(year, number, 1, tzinfo=UTC)]
    if (year, number) != (MAXYEAR, 12):
        following = (year + 1, 1) if number == 12 else (year, number + 1)
        conditions.append(CaseRecord.opened_at < datetime(*following, 1, tzinfo=UTC))
    return conditions


def _conditions(workspace_id: uuid.UUID, role: str | None, status: str | None,
                month: str | None) -> list[Any]:
    conditions: list[Any] = [CaseRecord.workspace_id == workspace_id]
    if role is not None:
        conditions.append(CaseRecord.role == role)
    if status is not None:
        conditions.append(CaseRecord.status == status)
    if month is not None:
        conditions += _in_month(month)
    return conditions


def _query(workspace_id: uuid.UUID, role: str | None, status: str | None,
           month: str | None) -> Any:
    """Soonest due first; ties by response id, then by the case's id, so that every
    page of a paged list follows the same one order."""
    return (select(CaseRecord).where(*_conditions(workspace_id, role, status, month))
            .order_by(CaseRecord.due_at, CaseRecord.response_id, CaseRecord.id))


def _rows(session: Session, workspace_id: uuid.UUID, role: str | None, status: str | None,
          month: str | None) -> list[CaseRecord]:
    return list(session.scalars(_query(workspace_id, role, status, month)))


def list_cases(session: Session, workspace_id: uuid.UUID, *, role: str | None = None,
               status: str | None = None, month: str | None = None,
               limit: int | None = None, offset: int = 0) -> CasesOut:
    """The workspace's cases, soonest due first: ``limit`` of them from ``offset`` on
    (every one when ``limit`` is ``None``), and ``count``, how many match in all."""
    query = _query(workspace_id, role, status, month)
    if limit is None:
        rows = list(session.scalars(query.offset(offset)))
        count = len(rows) if offset == 0 else _count(session, workspace_id, role, status,
                                                     month)
    else:
        rows = list(session.scalars(query.limit(limit).offset(offset)))
        count = _count(session, workspace_id, role, status, month)
    return CasesOut(cases=[case_out(r) for r in rows], count=count)


def _count(session: Session, workspace_id: uuid.UUID, role: str | None, status: str | None,
           month: str | None) -> int:
    return int(session.scalar(select(func.count()).select_from(CaseRecord).where(
        *_conditions(workspace_id, role, status, month))) or 0)


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
    """The cases as CSV for a CRM (:func:`journeymap.cases.cases_csv`, as the CLI's
    ``journeymap cases`` writes it)."""
    return library.cases_csv(
        {"case_id": r.id, "response_id": r.response_id, "status": r.status, "role": r.role,
         "touchpoint": r.touchpoint, "reasons": r.reasons.split(","), "ltr": r.ltr,
         "contact_ok": r.contact_ok, "opened_at": r.opened_at, "due_at": r.due_at,
         "contacted_at": r.contacted_at, "closed_at": r.closed_at, "note": r.note}
        for r in _rows(session, workspace_id, role, status, month))


class CaseLabels:
    """The map labels of cases' roles and touchpoints, in the language in force
    (:attr:`journeymap.model.Node.display`, as every page shows a node), for one request.

    A case's map is the map version of its fit; a case opened from appended responses
    (no fit) takes the map of its dataset's latest finished fit created before the case
    was opened (the map an append uses when it names none); with no such map, or a node
    the map no longer has, the id is shown.  Maps are looked up once per fit.
    """

    def __init__(self, session: Session, results: Results) -> None:
        self._session = session
        self._results = results
        self._maps: dict[uuid.UUID, JourneyMap | None] = {}
        self._fits: dict[uuid.UUID, list[tuple[datetime, uuid.UUID]]] = {}

    def _fit_map(self, fit_id: uuid.UUID) -> JourneyMap | None:
        if fit_id not in self._maps:
            fit = self._session.get(Fit, fit_id)
            version = (self._session.get(MapVersion, fit.map_version_id)
                       if fit is not None else None)
            self._maps[fit_id] = (self._results.journey_map(version.id, version.definition)
                                  if version is not None else None)
        return self._maps[fit_id]

    def _dataset_fit(self, dataset_id: uuid.UUID, opened_at: datetime) -> uuid.UUID | None:
        if dataset_id not in self._fits:
            self._fits[dataset_id] = [
                (f.created_at, f.id) for f in self._session.scalars(
                    select(Fit).where(Fit.dataset_id == dataset_id,
                                      Fit.status == FitStatus.DONE)
                    .order_by(Fit.created_at.desc(), Fit.id))]
        opened = _naive_utc(opened_at)
        return next((fit_id for created, fit_id in self._fits[dataset_id]
                     if _naive_utc(created) <= opened), None)

    def map_of(self, case: CaseOut) -> JourneyMap | None:
        """The map that names ``case``'s role and touchpoint, or ``None``."""
        fit_id = case.fit_id or self._dataset_fit(case.dataset_id, case.opened_at)
        return self._fit_map(fit_id) if fit_id is not None else None

    def label(self, case: CaseOut, node_id: str | None) -> tuple[str | None, str | None]:
        """``node_id``'s label in ``case``'s map and the language it is written in when
        that differs from the page's (for a ``lang`` attribute); the id when unknown."""
        if node_id is None:
            return None, None
        m = self.map_of(case)
        if m is None or node_id not in m.node_index:
            return node_id, None
        from journeymap.i18n import current_language

        node = m.node(node_id)
        return node.display, node.label_language(current_language(), m.language)


def _naive_utc(when: datetime) -> datetime:
    """``when`` as a naive UTC time (SQLite gives naive times, PostgreSQL aware ones)."""
    from datetime import UTC

    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo is not None else when


def stats(session: Session, workspace_id: uuid.UUID, *, role: str | None = None,
          min_cases: int = DEFAULT_MIN_RESPONSES) -> CaseStatsOut:
    """Closed-loop rate and median hours to close per role and month (the library's
    :func:`journeymap.cases.case_stats`)."""
    rows = _rows(session, workspace_id, role, None, None)
    figures = case_stats([{"role": r.role, "opened_at": r.opened_at, "closed_at": r.closed_at}
                          for r in rows], min_cases=min_cases)
    return CaseStatsOut(min_cases=min_cases,
                        stats=[CaseStatOut(**s.to_dict()) for s in figures])
