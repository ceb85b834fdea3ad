"""What-if scenarios: shift chosen nodes and predict mean LTR and NPS.

Role shifts are expanded here into node shifts; the fitted engine state predicts the
rest through the :class:`~journeymap.engines.result.EngineState` protocol, so this
module never asks which engine made a result.  For the linear engine, a shift of Δ on
a measured node j moves respondent i's score by
``clip(Δ, lo_j − x_ij, hi_j − x_ij)`` (nobody leaves the scale; respondents who did
not experience j are unchanged) and their LTR by ``T_j`` times that.  A shift on an
unmeasured role moves each node it acts on by ``share × Δ``.  The predicted NPS
change uses the same interval-crossing rule as NPS points (docs/method.md, "NPS points"); its 95 %
interval is the delta method on the coefficient covariance (for bayesnet: the node
moves by states and the interval comes from the posterior draws).  The interval of the
predicted NPS adds the baseline NPS's own sampling variance (adjusted Wald) and,
like the baseline interval, is centred on the adjusted estimate
``100 · (P − D)/(n + 3)`` plus the change, so a zero shift returns the NPS interval.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..exceptions import JourneymapError
from ..formatting import percent
from ..i18n import gettext as _
from ..scenario import plan_shifts, predicted_nps

if TYPE_CHECKING:
    from ..engines import FitResult
    from ..model import JourneyMap

__all__ = ["WhatIf", "check_not_outcome", "not_estimable_warning", "parse_shift", "what_if"]

_SHIFT_RE = re.compile(r"^\s*([^=\s]+)\s*=\s*([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)\s*$")


@dataclass(frozen=True)
class WhatIf:
    """A predicted scenario. LTR in 0–10 points, NPS in NPS points."""

    shifts: dict[str, float]
    mean_ltr: float
    predicted_mean_ltr: float
    nps: float
    nps_ci: tuple[float, float]
    predicted_nps: float
    predicted_nps_ci: tuple[float, float]
    change: float
    change_ci: tuple[float, float]
    n: int
    #: Plain warnings about the prediction, in the language in force (e.g. a shifted node
    #: whose effect is not estimable: :func:`not_estimable_warning`).
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"shifts": self.shifts, "mean_ltr": self.mean_ltr,
                "predicted_mean_ltr": self.predicted_mean_ltr, "nps": self.nps,
                "nps_ci": list(self.nps_ci), "predicted_nps": self.predicted_nps,
                "predicted_nps_ci": list(self.predicted_nps_ci), "change": self.change,
                "change_ci": list(self.change_ci), "n": self.n,
                "nps_after": self.predicted_nps, "nps_after_ci": list(self.predicted_nps_ci),
                "warnings": list(self.warnings)}


def parse_shift(text: str) -> tuple[str, float]:
    """Parse ``node=+1`` (or ``node=-0.5``) into ``("node", 1.0)``."""
    match = _SHIFT_RE.match(text)
    if not match:
        raise JourneymapError(f"cannot read the shift '{text}'; write it as node=+1 or "
                              "node=-0.5.")
    return match.group(1), float(match.group(2))


def check_not_outcome(m: JourneyMap, shifts: Mapping[str, float]) -> None:
    """Refuse a shift of the outcome: a journey's what-if moves what leads to NPS.

    :func:`what_if` itself accepts the outcome (every recommend answer moved, clipped at
    10, as a reference point); the HTTP API calls this first and answers 422.
    """
    for node_id in shifts:
        if m.node(node_id).kind == "outcome":
            raise JourneymapError(f"'{node_id}' is the outcome: what-if shifts the touchpoints, "
                                  "factors or roles that lead to it, not the outcome itself.")


def not_estimable_warning(result: FitResult, shifts: Mapping[str, float]) -> str | None:
    """One plain sentence when a shifted node or role has an effect the fit marked not
    estimable (bayesnet at small n: docs/method.md, "9.8 Sparse data"), in the language
    in force; ``None`` when every shifted effect is estimable.

    The prediction is still made, but for such a node it shows the network's prior (a
    uniform guess where the shifted customers land), not the data; the sentence names
    the nodes and the largest share of customers that land in thin combinations.
    """
    m = result.journey_map
    effects = {e.node: e for e in result.node_effects}
    roles = {r.role: r for r in result.role_effects}
    names: list[str] = []
    shares: list[float] = []
    for node_id, shift in shifts.items():
        if not shift:
            continue
        rec = effects.get(node_id) or roles.get(node_id)
        if rec is None or not rec.not_estimable:
            continue
        names.append(m.node(node_id).display)
        if rec.thin_share is not None:
            shares.append(rec.thin_share)
    if not names:
        return None
    return _("The effect of %(nodes)s cannot be estimated from these data: up to %(share)s "
             "of the customers this change moves land in combinations of answers that too "
             "few customers gave. There the prediction shows a guess, not what customers said. "
             "More responses, fewer states per rating or the linear engine would tell.") % {
        "nodes": ", ".join(names), "share": percent(max(shares) if shares else None)}


def what_if(result: FitResult, shifts: Mapping[str, float]) -> WhatIf:
    """Predict mean LTR and NPS when the given nodes (or roles) shift by the given points.

    Parameters
    ----------
    result
        A fit that still holds its data (fitted in this process).
    shifts
        Node or role id → shift in that node's scale points (``{"delivery": 1}``); for a
        ``bayesnet`` fit, in the node's states (its scale points unless they were merged).
    """
    model = result.fitted_model()
    if not shifts:
        raise JourneymapError("give at least one shift, e.g. delivery=+1.")
    data = model.data
    assert data is not None  # fitted_model() promises the respondents
    out = model.state.what_if(result.journey_map, data, plan_shifts(result.journey_map, shifts))
    after, after_ci = predicted_nps(result.nps, out.change, out.change_ci)
    return WhatIf(shifts=dict(shifts), mean_ltr=out.mean_ltr,
                  predicted_mean_ltr=out.predicted_mean_ltr,
                  nps=result.nps.value, nps_ci=result.nps.ci, predicted_nps=after,
                  predicted_nps_ci=after_ci, change=out.change, change_ci=out.change_ci,
                  n=data.n, warnings=tuple(w for w in [not_estimable_warning(result, shifts)]
                                           if w is not None))
