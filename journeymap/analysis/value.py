"""Value at stake: what moving some detractors (or passives) up would be worth.

A **scenario, not a forecast**: it says what the revenue of the customers involved
would be worth under stated assumptions, not what will happen.  Every input is shown
with the result.

Each respondent i has a revenue ``v_i`` (a column of the data, or one constant for
everyone) and a value multiplier by NPS class, relative to a passive:
``m_P`` for a promoter (default 1.2: referrals, loyalty), 1 for a passive and ``m_D``
for a detractor (default 0.8: churn, service cost, bad word of mouth).  The defaults
are illustrative; give your own figures (e.g. from churn and referral data).

* Moving a share ``X`` of the detractors to passives is worth
  ``X · Σ_{i ∈ D} v_i · (1 − m_D) · s`` and raises NPS by ``100 · X · |D| / n``.
* Moving a share ``X`` of the passives to promoters is worth
  ``X · Σ_{i ∈ Pa} v_i · (m_P − 1) · s`` and raises NPS by ``100 · X · |Pa| / n``.
* **Per role** r: ``D_r`` = the detractors with a low rating (bottom ``low_points``
  points, as for follow-ups) on at least one node the role acts on.  Moving ``X`` of
  them to passives is worth ``X · Σ_{i ∈ D_r} v_i · (1 − m_D) · s`` and raises NPS by
  ``100 · X · |D_r| / n``.  Per node j of the role the same with ``D_j`` (detractors low
  on j): "moving 10 % of the detractors who rated delivery low to passives is worth …".
  A detractor low on several nodes counts once for the role, and roles share
  detractors, so role values do not add up to the company value.

``s`` scales from the respondents to the customer base: ``s = N / n`` when the number
of customers N is given (the respondents stand for all customers), else 1 (the values
are for the surveyed customers only).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..exceptions import JourneymapError
from ..jsonsafe import to_jsonable
from ..nps import DETRACTOR_MAX, PROMOTER_MIN
from ..responses import DataSource, SurveyRows, load_with_columns
from .followups import _values, low_mask, role_nodes

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..model import JourneyMap

__all__ = ["SCENARIO_NOTE", "ValueAtStake", "value_at_stake"]

SCENARIO_NOTE = ("A scenario, not a forecast: the value of the customers involved under the "
                 "stated assumptions (revenue, multipliers), not a prediction of what will "
                 "happen.")


@dataclass(frozen=True)
class ValueAtStake:
    """Value of moving customers up one NPS class (see :func:`value_at_stake`).

    ``company``: one row per scenario (``scenario``, ``customers`` in the sample,
    ``moved`` = X · customers, ``value``, ``nps_points``).  ``roles``: one row per
    role (``role``, ``label``, ``nodes``, ``detractors_low``, ``share_of_detractors``,
    ``value``, ``nps_points``); ``nodes``: one row per (role, node) with the same
    columns for the detractors low on that node.
    """

    move: float
    revenue: str
    promoter_multiplier: float
    detractor_multiplier: float
    scale: float
    customers: int | None
    n: int
    promoters: int
    passives: int
    detractors: int
    company: pd.DataFrame
    roles: pd.DataFrame
    nodes: pd.DataFrame
    assumptions: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_jsonable({
            "note": SCENARIO_NOTE, "move": self.move, "revenue": self.revenue,
            "promoter_multiplier": self.promoter_multiplier, "passive_multiplier": 1.0,
            "detractor_multiplier": self.detractor_multiplier, "scale": self.scale,
            "customers": self.customers, "n": self.n, "promoters": self.promoters,
            "passives": self.passives, "detractors": self.detractors,
            "company": self.company.to_dict(orient="records"),
            "roles": self.roles.to_dict(orient="records"),
            "nodes": self.nodes.to_dict(orient="records"),
            "assumptions": list(self.assumptions)})
        return out


def value_at_stake(journey_map: JourneyMap, data: DataSource | SurveyRows, *,
                   revenue_column: str | None = None, revenue: float | None = None,
                   move: float = 0.10, promoter_multiplier: float | None = None,
                   detractor_multiplier: float | None = None, customers: int | None = None,
                   low_points: int = 2, survey_type: str | None = None) -> ValueAtStake:
    """Value of moving a share ``move`` of detractors to passives (and passives to
    promoters), for the company and per role.  See the module docstring for the formulas.

    Parameters
    ----------
    revenue_column, revenue
        Revenue per customer: a column of the data (a number ≥ 0 in every response
        used) or one constant — exactly one of the two.
    move
        Share of the customers moved, in (0, 1] (default 0.10).
    promoter_multiplier, detractor_multiplier
        A promoter's and a detractor's value relative to a passive's (defaults 1.2 and
        0.8, marked as assumed in ``assumptions``).
    customers
        Number of customers the respondents stand for (scales the values by N / n).
    low_points
        Bottom points of a scale that count as a low rating (default 2).
    """
    if (revenue_column is None) == (revenue is None):
        raise JourneymapError("give the revenue per customer either as a column "
                              "(--revenue-column) or as one number (--revenue), not both "
                              "and not neither.")
    if revenue is not None and not (math.isfinite(revenue) and revenue > 0):
        raise JourneymapError(f"the revenue per customer must be a positive number, not "
                              f"{revenue:g}.")
    if not (0.0 < move <= 1.0):
        raise JourneymapError(f"the share of customers to move must be above 0 and at most "
                              f"100 %, not {100 * move:g} %.")
    assumptions = []
    if promoter_multiplier is None:
        promoter_multiplier = 1.2
        assumptions.append("a promoter is worth 1.2 × a passive (default; give your own from "
                           "referral and retention data)")
    if detractor_multiplier is None:
        detractor_multiplier = 0.8
        assumptions.append("a detractor is worth 0.8 × a passive (default; give your own from "
                           "churn and service-cost data)")
    for what, x in (("promoter", promoter_multiplier), ("detractor", detractor_multiplier)):
        if not (math.isfinite(x) and x >= 0):
            raise JourneymapError(f"the {what} multiplier must be a number ≥ 0, not {x:g}.")
    if customers is not None and customers < 1:
        raise JourneymapError("the number of customers must be at least 1.")
    if low_points < 1:
        raise JourneymapError("low_points must be at least 1 (the bottom point of the scale).")
    columns = [revenue_column] if revenue_column is not None else []
    rows = load_with_columns(data, journey_map, columns, survey_type=survey_type,
                             what="--revenue-column")
    checked = rows.data
    n = checked.n
    everyone = np.ones(n, dtype=bool)
    if revenue_column is not None:
        v = _values(rows.extra[revenue_column], revenue_column, everyone)
        revenue_text = f"column '{revenue_column}'"
    else:
        assert revenue is not None
        v = np.full(n, float(revenue))
        revenue_text = f"{revenue:g} per customer"
    scale = customers / n if customers is not None else 1.0
    det = checked.ltr <= DETRACTOR_MAX
    pro = checked.ltr >= PROMOTER_MIN
    pas = ~det & ~pro
    gain_d = 1.0 - detractor_multiplier
    gain_p = promoter_multiplier - 1.0

    def scenario(mask: NDArray[np.bool_], gain: float) -> tuple[int, float, float]:
        count = int(mask.sum())
        value = move * math.fsum(v[mask].tolist()) * gain * scale
        return count, value, 100.0 * move * count / n

    company = []
    for name, mask, gain in (("detractors → passives", det, gain_d),
                             ("passives → promoters", pas, gain_p)):
        count, value, pts = scenario(mask, gain)
        company.append({"scenario": name, "customers": count, "moved": move * count * scale,
                        "value": value, "nps_points": pts})
    role_rows, node_rows = [], []
    n_det = int(det.sum())
    for role in journey_map.roles:
        nodes = role_nodes(journey_map, role.id)
        lows = {}
        for j in nodes:
            scale_j = journey_map.node(j).scale
            assert scale_j is not None
            lows[j] = det & low_mask(checked.column(j), scale_j, low_points)
        any_low = (np.logical_or.reduce([lows[j] for j in nodes]) if nodes
                   else np.zeros(n, dtype=bool))
        count, value, pts = scenario(any_low, gain_d)
        role_rows.append({"role": role.id, "label": role.display,
                          "nodes": ", ".join(journey_map.node(j).display for j in nodes),
                          "detractors_low": count,
                          "share_of_detractors": count / n_det if n_det else math.nan,
                          "value": value, "nps_points": pts})
        for j in nodes:
            count, value, pts = scenario(lows[j], gain_d)
            node_rows.append({"role": role.id, "node": j,
                              "label": journey_map.node(j).display, "detractors_low": count,
                              "share_of_detractors": count / n_det if n_det else math.nan,
                              "value": value, "nps_points": pts})
    roles = pd.DataFrame(role_rows, columns=["role", "label", "nodes", "detractors_low",
                                             "share_of_detractors", "value", "nps_points"])
    roles = roles.iloc[np.argsort(-roles["value"].to_numpy(dtype=float), kind="stable")]
    return ValueAtStake(
        move=move, revenue=revenue_text, promoter_multiplier=float(promoter_multiplier),
        detractor_multiplier=float(detractor_multiplier), scale=scale, customers=customers,
        n=n, promoters=int(pro.sum()), passives=int(pas.sum()), detractors=n_det,
        company=pd.DataFrame(company), roles=roles.reset_index(drop=True),
        nodes=pd.DataFrame(node_rows, columns=["role", "node", "label", "detractors_low",
                                               "share_of_detractors", "value", "nps_points"]),
        assumptions=tuple(assumptions))
