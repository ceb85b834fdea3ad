"""Close the loop: which detractors a role should call back, and about what.

A role acts on some nodes of the map (its edges; through another role it acts on,
that role's nodes too).  :func:`followups` lists the **detractors** (LTR 0–6) who gave a
**low rating** — in the bottom ``low_points`` points of the scale, by default the
bottom two (1–2 on a 1–5 scale: ``x ≤ lo + low_points − 1``) — on at least one of
those nodes.  Each row holds the response id, the LTR, and the nodes to talk about with
their scores (lowest first).

Rules, from practice (docs/cx-guide.md, "Close the loop"):

* **Consent.** Only respondents who agreed to be contacted are listed: the consent
  column (default ``contact_ok``) must be truthy (``1``, ``true``, ``yes``, ``y``,
  ``ja``, ``j``, ``x``); ``0``, ``false``, ``no``, ``n``, ``nej`` or blank mean no.  When
  the column is absent this is an error unless the check is switched off explicitly
  (``consent_column=None``; CLI ``--no-consent-column``), e.g. because consent was
  collected elsewhere.
* **No names.** The list is built from the response id, LTR and the node scores only;
  no other column of the data (contact person, employee, account owner …) is copied.
  It is a list of customers to call, never a ranking of employees.
* **Priority.** With a value column (revenue per customer) the most valuable
  customers come first (practitioners: priority to valuable customers with low
  scores); otherwise the lowest LTR first; ties by the number of low-rated nodes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError, JourneymapError
from ..jsonsafe import to_jsonable
from ..nps import DETRACTOR_MAX
from ..outputs import csv_text, write_atomic
from ..responses import DataSource, SurveyRows, bad_rows, load_with_columns

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..model import JourneyMap

__all__ = ["CONSENT_NO", "CONSENT_YES", "Followups", "consent_mask", "followups",
           "low_mask", "role_nodes"]

CONSENT_YES = ("1", "true", "yes", "y", "ja", "j", "x")
CONSENT_NO = ("0", "false", "no", "n", "nej", "")


def role_nodes(journey_map: JourneyMap, role: str) -> tuple[str, ...]:
    """The measured nodes a role acts on (through roles it acts on, too), in map order.

    Raises an error naming the roles when ``role`` is not a role of the map.
    """
    node = journey_map.node(role)
    if node.kind != "role":
        roles = ", ".join(r.id for r in journey_map.roles) or "none"
        raise JourneymapError(f"'{role}' is a {node.kind}, not a role; roles in this map: "
                              f"{roles}.")
    found: set[str] = set()
    stack, seen = [role], {role}
    while stack:
        current = stack.pop()
        for child in journey_map.children(current):
            target = journey_map.node(child)
            if target.measured and child != journey_map.outcome:
                found.add(child)
            elif target.kind == "role" and child not in seen:
                seen.add(child)
                stack.append(child)
    return tuple(n.id for n in journey_map.measured_nodes if n.id in found)


def low_mask(values: NDArray[np.float64], scale: tuple[float, float],
             low_points: int) -> NDArray[np.bool_]:
    """True where a rating is in the bottom ``low_points`` points: ``x ≤ lo + low_points − 1``
    (missing = not experienced = never low)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(values <= scale[0] + low_points - 1, dtype=bool) & ~np.isnan(values)


def consent_mask(values: pd.Series[Any], column: str) -> NDArray[np.bool_]:
    """True where the consent column says yes; an error names rows that say neither."""
    out = np.zeros(len(values), dtype=bool)
    bad = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values.tolist()):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            continue
        if isinstance(v, bool | np.bool_):
            out[i] = bool(v)
            continue
        if isinstance(v, int | float | np.integer | np.floating):
            if float(v) in (0.0, 1.0):
                out[i] = float(v) == 1.0
            else:
                bad[i] = True
            continue
        text = str(v).strip().lower()
        if text in CONSENT_YES:
            out[i] = True
        elif text not in CONSENT_NO:
            bad[i] = True
    if bad.any():
        raise DataValidationError(
            f"consent column '{column}' must say yes (1, true, yes, ja) or no (0, false, no, "
            f"nej, blank): {bad_rows(values, bad)}.")
    return out


@dataclass(frozen=True)
class Followups:
    """Detractors to call back for one role (see :func:`followups`).

    ``rows``: ``response_id``, ``ltr``, ``talk_about`` (labels with scores, lowest
    first), ``n_low`` (low-rated nodes of the role), optionally ``value``, then one
    ``score_<node>`` column per node of the role.
    """

    role: str
    label: str
    nodes: tuple[str, ...]
    rows: pd.DataFrame
    n_responses: int
    n_detractors: int
    n_low: int
    n_no_consent: int
    consent_column: str | None
    low_points: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_csv(self, path: str | Path) -> None:
        """Write the list as CSV (UTF-8, one row per respondent; see :meth:`to_csv_text`)."""
        write_atomic(path, self.to_csv_text())

    def to_csv_text(self) -> str:
        """The list as CSV text, safe to open in a spreadsheet
        (:func:`journeymap.outputs.csv_text`)."""
        return csv_text(self.rows.to_dict(orient="records"), [str(c) for c in self.rows.columns])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_jsonable({
            "role": self.role, "label": self.label, "nodes": list(self.nodes),
            "low_points": self.low_points, "consent_column": self.consent_column,
            "n_responses": self.n_responses, "n_detractors": self.n_detractors,
            "n_low": self.n_low, "n_no_consent": self.n_no_consent,
            "n_listed": len(self.rows), "rows": self.rows.to_dict(orient="records"),
            "notes": list(self.notes)})
        return out


def _number(v: float) -> str:
    return f"{v:g}" if float(v).is_integer() else f"{v:.2f}".rstrip("0")


def followups(journey_map: JourneyMap, data: DataSource | SurveyRows, role: str, *,
              consent_column: str | None = "contact_ok", id_column: str = "response_id",
              low_points: int = 2, value_column: str | None = None,
              survey_type: str | None = None) -> Followups:
    """Detractors with a low rating on a node the role acts on, who agreed to contact.

    Parameters
    ----------
    role
        Role id.
    consent_column
        Column saying whether the respondent may be contacted (``None`` switches the
        check off; an absent column is an error).
    id_column
        Response id column (required: the list is for calling back).
    low_points
        How many points at the bottom of a scale count as low (default 2, at least 1).
    value_column
        Optional revenue per customer: sorts the list by value (highest first) and
        adds a ``value`` column.
    """
    if low_points < 1:
        raise JourneymapError("low_points must be at least 1 (the bottom point of the scale).")
    nodes = role_nodes(journey_map, role)
    label = journey_map.node(role).display
    if not nodes:
        raise JourneymapError(f"role '{role}' acts on no measured node of the map, so no rating "
                              "can point to it; add an edge from it to what it works on.")
    columns = [id_column] + ([consent_column] if consent_column is not None else [])
    if value_column is not None:
        columns.append(value_column)
    messages = {} if consent_column is None else {consent_column: (
        f"there is no consent column '{consent_column}', so nobody is known to have agreed "
        "to be contacted. Add it (1 = may contact, 0 = may not), name yours with "
        "--consent-column, or — only when consent was collected another way — pass "
        "--no-consent-column.")}
    rows = load_with_columns(data, journey_map, columns, survey_type=survey_type,
                             what="the follow-up list", messages=messages)
    checked = rows.data
    detractor = checked.ltr <= DETRACTOR_MAX
    scores = {j: checked.column(j) for j in nodes}
    lows = {j: low_mask(scores[j], _scale(journey_map, j), low_points) for j in nodes}
    any_low = np.logical_or.reduce([lows[j] for j in nodes])
    candidates = detractor & any_low
    notes: list[str] = []
    if consent_column is not None:
        ok = consent_mask(rows.extra[consent_column], consent_column)
    else:
        ok = np.ones(checked.n, dtype=bool)
        notes.append("no consent check (--no-consent-column): make sure every customer on "
                     "this list agreed to be contacted.")
    listed = candidates & ok
    ids = rows.extra[id_column].to_numpy()
    if pd.isna(ids[listed]).any():
        raise DataValidationError(f"column '{id_column}' is blank for some detractors to call "
                                  "back; every response needs an id.")
    value = None
    if value_column is not None:
        value = _values(rows.extra[value_column], value_column, listed)
    records = []
    for i in np.flatnonzero(listed):
        low_here = sorted((j for j in nodes if lows[j][i]), key=lambda j: scores[j][i])
        talk = "; ".join(f"{journey_map.node(j).display} ({_number(scores[j][i])})"
                         for j in low_here)
        rec: dict[str, Any] = {"response_id": _plain(ids[i]), "ltr": int(checked.ltr[i]),
                               "talk_about": talk, "n_low": len(low_here)}
        if value is not None:
            rec["value"] = float(value[i])
        for j in nodes:
            x = scores[j][i]
            rec[f"score_{j}"] = None if math.isnan(x) else float(x)
        records.append(rec)
    cols = (["response_id", "ltr", "talk_about", "n_low"] + (["value"] if value is not None
                                                             else [])
            + [f"score_{j}" for j in nodes])
    table = pd.DataFrame(records, columns=cols)
    if len(table):
        if value is not None:
            keys = [(-r["value"], r["ltr"], -r["n_low"]) for r in records]
        else:
            keys = [(r["ltr"], -r["n_low"], 0.0) for r in records]
        order = sorted(range(len(records)), key=lambda k: keys[k])
        table = table.iloc[order].reset_index(drop=True)
    notes.append("Call to listen and fix, not to ask for a better score; never use this list "
                 "to rate employees.")
    return Followups(role=role, label=label, nodes=nodes, rows=table,
                     n_responses=checked.n, n_detractors=int(detractor.sum()),
                     n_low=int(candidates.sum()), n_no_consent=int((candidates & ~ok).sum()),
                     consent_column=consent_column, low_points=low_points, notes=tuple(notes))


def _scale(journey_map: JourneyMap, node: str) -> tuple[float, float]:
    scale = journey_map.node(node).scale
    assert scale is not None
    return scale


def _plain(v: Any) -> Any:
    """A response id as a plain Python value (whole floats as int)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _values(series: pd.Series[Any], column: str, rows: NDArray[np.bool_]
            ) -> NDArray[np.float64]:
    """A non-negative numeric value column; blanks or text in ``rows`` are an error."""
    num = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = rows & (np.isnan(num) | (num < 0) | np.isinf(num))
    if bad.any():
        raise DataValidationError(f"value column '{column}' must hold a number ≥ 0 for every "
                                  f"response used: {bad_rows(series, bad)}.")
    return num
