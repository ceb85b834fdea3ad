"""Closing the loop: follow-up cases made from survey responses (docs/closing-the-loop.md).

A **case** is one response someone in the organisation should follow up.  The rules
(each can be switched off in :class:`CaseRules`):

* ``detractor`` — every detractor (LTR 0–6);
* ``valuable_low`` — a valuable account with a low score: the value column (revenue per
  account, named in :class:`CaseRules`) at least ``value_threshold`` and the LTR at most
  ``value_max_ltr`` (default 8: passives too);
* ``bottom_rating`` — a touchpoint rated at the bottom point of its scale.

A response that meets several rules makes one case listing every reason; the due time
is the shortest SLA of its reasons.  The case is **assigned** to the role that acts on
the touchpoint rated lowest (the lowest position on its own scale, ``(x − lo)/(hi − lo)``;
ties: the touchpoint first in map order).  Of the roles acting on it, a role with a
direct edge to it comes before one acting through another role, then map order.  A
response with no rated touchpoint any role acts on gets no role (``None``, shown as
"unassigned").

What a case holds: the response id, the reasons, the LTR, the touchpoint and role, and
whether the respondent agreed to be contacted.  It never copies a comment, a contact
detail or any other column (contact person, employee, account owner); the answers stay
in the dataset and are linked only by the response id.  Without consent the case is
still opened (the problem is real) but marked ``contact_ok = False``: fix the cause,
do not call.

Statuses go ``open → contacted → closed`` (``open → closed`` is allowed, e.g. fixed
without a call); closing needs a note; a closed case stays closed.
:func:`case_stats` gives the closed-loop rate and the median time to close per role
and month.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .analysis.followups import consent_mask, role_nodes
from .exceptions import CaseTransitionError, DataValidationError, JourneymapError
from .limits import DEFAULT_MIN_RESPONSES, check_min_responses
from .nps import DETRACTOR_MAX
from .outputs import csv_text
from .responses import DataSource, SurveyRows, load_with_columns

if TYPE_CHECKING:
    from .model import JourneyMap

__all__ = ["CSV_COLUMNS", "DEFAULT_SLA_HOURS", "REASONS", "STATUSES", "TRANSITIONS", "Case",
           "CaseRules", "CaseStat", "ColumnRules", "assign_role", "case_stats", "cases_csv",
           "check_transition", "make_cases", "rules_for_columns"]

#: The rules, in the order a case lists its reasons.
REASONS = ("detractor", "valuable_low", "bottom_rating")
#: Statuses in their order.
STATUSES = ("open", "contacted", "closed")
#: Allowed status changes.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "open": frozenset({"contacted", "closed"}),
    "contacted": frozenset({"closed"}),
    "closed": frozenset(),
}


#: Hours until a case is due, per reason, when nothing else is set.
DEFAULT_SLA_HOURS: Mapping[str, float] = {"detractor": 48.0, "valuable_low": 24.0,
                                          "bottom_rating": 72.0}


@dataclass(frozen=True)
class CaseRules:
    """Which responses become cases and how soon they are due.

    Parameters
    ----------
    detractor, bottom_rating
        Switch the rule on (default) or off.
    value_column, value_threshold, value_max_ltr
        The "valuable account with a low score" rule: on when ``value_column`` is
        named; a response whose value is at least ``value_threshold`` and whose LTR is at
        most ``value_max_ltr`` makes a case.
    sla_hours
        Hours until a case is due, per reason (the shortest of a case's reasons); a
        reason left out keeps its :data:`DEFAULT_SLA_HOURS`.
    consent_column
        Column saying whether the respondent may be contacted (``None``: nobody is known
        to have agreed, every case has ``contact_ok = False``).
    id_column
        Response id column (required: cases are linked to answers only by this id).

    Raises
    ------
    JourneymapError
        An SLA that is not a positive number of hours, an unknown reason, a threshold
        that is not a finite number, ``value_max_ltr`` outside 0–10 or a blank column
        name: one sentence naming the setting and the value given.
    """

    detractor: bool = True
    bottom_rating: bool = True
    value_column: str | None = None
    value_threshold: float = 0.0
    value_max_ltr: int = 8
    sla_hours: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SLA_HOURS))
    consent_column: str | None = "contact_ok"
    id_column: str = "response_id"

    def __post_init__(self) -> None:
        unknown = sorted(set(self.sla_hours) - set(REASONS))
        if unknown:
            raise JourneymapError(f"the SLA names an unknown reason '{unknown[0]}'; the "
                                  f"reasons are {', '.join(REASONS)}.")
        hours: dict[str, float] = {}
        for reason in REASONS:
            given = self.sla_hours.get(reason, DEFAULT_SLA_HOURS[reason])
            value = _number(given)
            if value is None or value <= 0:
                raise JourneymapError(f"the SLA for '{reason}' cases must be a positive "
                                      f"number of hours; got {_shown(given)}.")
            hours[reason] = value
        object.__setattr__(self, "sla_hours", hours)
        threshold = _number(self.value_threshold)
        if threshold is None:
            raise JourneymapError("the valuable-account threshold must be a number; got "
                                  f"{_shown(self.value_threshold)}.")
        object.__setattr__(self, "value_threshold", threshold)
        if (isinstance(self.value_max_ltr, bool) or not isinstance(self.value_max_ltr, int)
                or not 0 <= self.value_max_ltr <= 10):
            raise JourneymapError("value_max_ltr (the highest score a valuable account's "
                                  "case opens at) must be a whole number from 0 to 10; got "
                                  f"{_shown(self.value_max_ltr)}.")
        for name in ("value_column", "consent_column", "id_column"):
            column = getattr(self, name)
            if column is not None and not str(column).strip():
                raise JourneymapError(f"{name} must name a column (it is blank).")

    def to_dict(self) -> dict[str, Any]:
        """The rules as JSON-ready fields."""
        return {"detractor": self.detractor, "bottom_rating": self.bottom_rating,
                "value_column": self.value_column, "value_threshold": self.value_threshold,
                "value_max_ltr": self.value_max_ltr, "sla_hours": dict(self.sla_hours),
                "consent_column": self.consent_column, "id_column": self.id_column}


def _shown(value: Any) -> str:
    """A value as a message shows it: numbers without a needless ``.0``."""
    number = _number(value)
    return f"{number:g}" if number is not None else repr(value)


def _number(value: Any) -> float | None:
    """A finite float, or None for anything else (text, bool, NaN, inf)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    out = float(value)
    return out if math.isfinite(out) else None


@dataclass(frozen=True)
class ColumnRules:
    """:class:`CaseRules` fitted to one file's columns: ``rules`` is ``None`` when no case
    can open (the sentence in ``notes`` says why); ``notes`` also say what was left out."""

    rules: CaseRules | None
    notes: tuple[str, ...]


def rules_for_columns(rules: CaseRules, columns: Iterable[str], name: str) -> ColumnRules:
    """Fit ``rules`` to the columns of a survey file named ``name``.

    No response-id column: no case opens (cases are linked to answers only by it).  No
    consent column: nobody is known to have agreed (every case ``contact_ok = False``).
    No value column: the valuable-account rule is left out.  The CLI's ``journeymap
    cases`` and the service (fits and appends) fit their rules with this one function.
    """
    present = set(columns)
    if rules.id_column not in present:
        return ColumnRules(None, (f"{name} has no '{rules.id_column}' column, so no "
                                  "follow-up case was opened (cases are linked to answers "
                                  "only by the response id).",))
    notes: list[str] = []
    if rules.consent_column is not None and rules.consent_column not in present:
        notes.append(f"{name} has no '{rules.consent_column}' column, so nobody is known to "
                     "have agreed to be contacted (contact_ok is no for every case).")
        rules = replace(rules, consent_column=None)
    if rules.value_column is not None and rules.value_column not in present:
        notes.append(f"{name} has no value column '{rules.value_column}', so the "
                     "valuable-account rule was left out.")
        rules = replace(rules, value_column=None)
    return ColumnRules(rules, tuple(notes))


@dataclass(frozen=True)
class Case:
    """One follow-up case (see the module docstring for what it may hold)."""

    response_id: str
    reasons: tuple[str, ...]
    ltr: int
    touchpoint: str | None
    role: str | None
    contact_ok: bool
    opened_at: datetime
    due_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (times in ISO 8601)."""
        return {"response_id": self.response_id, "reasons": list(self.reasons),
                "ltr": self.ltr, "touchpoint": self.touchpoint, "role": self.role,
                "contact_ok": self.contact_ok, "opened_at": self.opened_at.isoformat(),
                "due_at": self.due_at.isoformat()}

    def record(self) -> dict[str, Any]:
        """The case as a row of :func:`cases_csv`: just opened, not stored anywhere (no
        case id, no note)."""
        return {"case_id": None, "response_id": self.response_id, "status": "open",
                "role": self.role, "touchpoint": self.touchpoint, "reasons": self.reasons,
                "ltr": self.ltr, "contact_ok": self.contact_ok, "opened_at": self.opened_at,
                "due_at": self.due_at, "contacted_at": None, "closed_at": None,
                "note": None}


#: The columns of the cases CSV for a CRM (no comment, contact detail or name).
CSV_COLUMNS = ("case_id", "response_id", "status", "role", "touchpoint", "reasons", "ltr",
               "contact_ok", "opened_at", "due_at", "contacted_at", "closed_at", "note")


def cases_csv(records: Iterable[Mapping[str, Any]]) -> str:
    """The cases as CSV for a CRM, in the order given (docs/closing-the-loop.md).

    Parameters
    ----------
    records
        Mappings with the keys of :data:`CSV_COLUMNS`: ``reasons`` a sequence,
        ``contact_ok`` a bool, the ``*_at`` keys datetimes or ``None``, the rest text,
        a number or ``None``.  :meth:`Case.record` makes one from a :class:`Case`; the
        service makes one from a stored case.

    Returns
    -------
    str
        A header line and a line per case: reasons separated by spaces, ``contact_ok``
        as ``yes``/``no``, times in ISO 8601, blanks for what is not known; text cells are
        formula-safe (:func:`journeymap.outputs.csv_text`).
    """
    def _time(value: datetime | None) -> str:
        return value.isoformat() if value is not None else ""

    rows = [{"case_id": "" if r["case_id"] is None else str(r["case_id"]),
             "response_id": r["response_id"], "status": r["status"],
             "role": r["role"] or "", "touchpoint": r["touchpoint"] or "",
             "reasons": " ".join(r["reasons"]), "ltr": r["ltr"],
             "contact_ok": "yes" if r["contact_ok"] else "no",
             "opened_at": _time(r["opened_at"]), "due_at": _time(r["due_at"]),
             "contacted_at": _time(r["contacted_at"]), "closed_at": _time(r["closed_at"]),
             "note": r["note"] or ""} for r in records]
    return csv_text(rows, CSV_COLUMNS)


def assign_role(journey_map: JourneyMap, touchpoint: str) -> str | None:
    """The role that acts on ``touchpoint``: direct edge first, then through another
    role; ties by map order.  ``None`` when no role acts on it."""
    direct: list[str] = []
    indirect: list[str] = []
    for role in journey_map.roles:
        if touchpoint in journey_map.children(role.id):
            direct.append(role.id)
        elif touchpoint in role_nodes(journey_map, role.id):
            indirect.append(role.id)
    chosen = direct or indirect
    return chosen[0] if chosen else None


def make_cases(journey_map: JourneyMap, data: DataSource | SurveyRows, *,
               rules: CaseRules | None = None, opened_at: datetime,
               survey_type: str | None = None) -> list[Case]:
    """The follow-up cases of some responses, in data order.

    Parameters
    ----------
    opened_at
        When the cases open (e.g. when the responses arrived); ``due_at`` is this plus
        the SLA.
    """
    rules = rules or CaseRules()
    columns = [rules.id_column]
    if rules.consent_column is not None:
        columns.append(rules.consent_column)
    if rules.value_column is not None:
        columns.append(rules.value_column)
    rows = load_with_columns(data, journey_map, columns, survey_type=survey_type,
                             what="follow-up cases")
    checked = rows.data
    ids = rows.extra[rules.id_column]
    if ids.isna().any():
        raise DataValidationError(f"column '{rules.id_column}' is blank for some responses; "
                                  "every response needs an id to open a case.")
    id_text = [_id_text(v) for v in ids.tolist()]
    if len(set(id_text)) != len(id_text):
        dup = sorted({v for v in id_text if id_text.count(v) > 1})[:5]
        raise DataValidationError(f"column '{rules.id_column}' repeats response ids "
                                  f"({', '.join(dup)}); each response needs its own id.")
    consent = (consent_mask(rows.extra[rules.consent_column], rules.consent_column)
               if rules.consent_column is not None else np.zeros(checked.n, dtype=bool))
    acted = [n for n in journey_map.measured_nodes
             if n.id != journey_map.outcome and assign_role(journey_map, n.id) is not None]
    roles = {n.id: assign_role(journey_map, n.id) for n in acted}
    touch = [n for n in journey_map.measured_nodes if n.id != journey_map.outcome]
    scores = {n.id: checked.column(n.id) for n in touch}
    positions = {}
    for n in touch:
        assert n.scale is not None
        lo, hi = n.scale
        positions[n.id] = (scores[n.id] - lo) / (hi - lo)
    value = None
    if rules.value_column is not None:
        value = pd.to_numeric(rows.extra[rules.value_column], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan)
    out: list[Case] = []
    for i in range(checked.n):
        ltr = int(checked.ltr[i])
        reasons: list[str] = []
        if rules.detractor and ltr <= DETRACTOR_MAX:
            reasons.append("detractor")
        if (value is not None and not math.isnan(value[i])
                and value[i] >= rules.value_threshold and ltr <= rules.value_max_ltr):
            reasons.append("valuable_low")
        if rules.bottom_rating and any(
                not math.isnan(positions[n.id][i]) and positions[n.id][i] <= 0 for n in touch):
            reasons.append("bottom_rating")
        if not reasons:
            continue
        rated = [(float(positions[n.id][i]), k, n.id) for k, n in enumerate(acted)
                 if not math.isnan(positions[n.id][i])]
        touchpoint = min(rated)[2] if rated else None
        sla = min(rules.sla_hours[r] for r in reasons)
        out.append(Case(response_id=id_text[i], reasons=tuple(reasons), ltr=ltr,
                        touchpoint=touchpoint,
                        role=roles[touchpoint] if touchpoint is not None else None,
                        contact_ok=bool(consent[i]), opened_at=opened_at,
                        due_at=opened_at + timedelta(hours=sla)))
    return out


def _id_text(v: Any) -> str:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def check_transition(current: str, new: str, note: str | None) -> None:
    """Raise :class:`CaseTransitionError` unless ``current → new`` is allowed (closing
    needs a non-blank note)."""
    for status in (current, new):
        if status not in STATUSES:
            raise CaseTransitionError(f"unknown case status '{status}'; statuses: "
                                      f"{', '.join(STATUSES)}.")
    if new not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (a closed case stays closed)"
        raise CaseTransitionError(f"a case cannot go from '{current}' to '{new}'; from "
                                  f"'{current}' it may go to: {allowed}.")
    if new == "closed" and not (note or "").strip():
        raise CaseTransitionError("closing a case needs a note saying what was done.")


@dataclass(frozen=True)
class CaseStat:
    """Closed-loop figures of one role in one month (month of opening).

    ``closed_loop_rate`` = cases closed / cases opened; ``median_hours_to_close`` over
    the closed ones.  Both are ``None`` (suppressed) below ``min_cases`` opened cases.
    """

    role: str | None
    month: str
    n_opened: int
    n_closed: int
    closed_loop_rate: float | None
    median_hours_to_close: float | None
    suppressed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "month": self.month, "n_opened": self.n_opened,
                "n_closed": self.n_closed, "closed_loop_rate": self.closed_loop_rate,
                "median_hours_to_close": self.median_hours_to_close,
                "suppressed": self.suppressed}


def case_stats(cases: Iterable[Mapping[str, Any]], *,
               min_cases: int = DEFAULT_MIN_RESPONSES) -> list[CaseStat]:
    """Closed-loop rate and median time to close per role and month.

    Parameters
    ----------
    cases
        Mappings with ``role``, ``opened_at`` and ``closed_at`` (datetimes;
        ``closed_at`` ``None`` while not closed).
    min_cases
        Groups with fewer opened cases show counts only (the minimum-response rule,
        docs/method.md; not below the floor).
    """
    check_min_responses(min_cases)
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for case in cases:
        opened: datetime = case["opened_at"]
        role = case.get("role")
        groups.setdefault((role or "", opened.strftime("%Y-%m")), []).append(case)
    out: list[CaseStat] = []
    for (role, month), members in sorted(groups.items()):
        hours: Sequence[float] = [
            (c["closed_at"] - c["opened_at"]).total_seconds() / 3600.0
            for c in members if c.get("closed_at") is not None]
        n, k = len(members), len(hours)
        small = n < min_cases
        out.append(CaseStat(role=role or None, month=month, n_opened=n, n_closed=k,
                            closed_loop_rate=None if small else k / n,
                            median_hours_to_close=(None if small or not hours
                                                   else float(statistics.median(hours))),
                            suppressed=small))
    return out
