"""Power planner: how many responses an NPS figure, a comparison or an edge needs.

Formulas (``z_q`` is the standard normal quantile; ``p``, ``d`` the promoter and
detractor shares):

* **NPS margin ±k points** at confidence ``1 − α``: the variance of one response's
  promoter-minus-detractor score is ``V = p + d − (p − d)²`` (docs/cx-guide.md, "Formulas"), so
  ``n = z²_{1−α/2} · V / (k/100)²`` (rounded up).  With p = 0.4, d = 0.2: V = 0.56, ±10
  needs 216 and ±5 needs 861 (practitioners quote 200–380 and 860–1,500 depending on
  the mix).  The adjusted-Wald interval of docs/method.md, "NPS and its interval",
  behaves like this for such n.
* **Two groups' NPS differ by Δ points**, two-sided test at ``α`` with power ``1 − β``:
  ``n per group = (z_{1−α/2} + z_{1−β})² · (V_A + V_B) / (Δ/100)²``; with one mix for
  both groups ``V_A + V_B = 2V`` (Δ = 10, p = 0.4, d = 0.2: 880 per group).
* **An edge of size b** (child points per parent point) with residual sd ``σ``,
  predictor sd ``s_x`` and ``R²_x`` of the predictor on its co-parents, k parents:
  ``n ≈ ((z_{1−α/2} + z_{1−β}) · σ / (b · s_x))² / (1 − R²_x) + k + 1``.  From a fit the
  same is computed from the edge's own standard error: since
  ``se² = σ² / ((n − 1) s_x² (1 − R²_x))``, ``n_needed = (z_{1−α/2} + z_{1−β})² · se² ·
  (n − 1) / b² + k + 1``.
* **A path** (a product of coefficients) is only as detectable as its weakest link.
  The inverse-square-root method of Kock & Hadaya (2018) gives the minimum n for a
  standardized path coefficient ``β`` at 5 % significance and 80 % power:
  ``n_min = (2.486 / |β_min|)²`` (2.486 = z_{0.95} + z_{0.80}, their one-tailed test),
  with ``β_min`` the path's weakest **standardized** link (the edges' standardized betas;
  a role's fixed share edge is not estimated and is not a link).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import pandas as pd
from scipy.stats import norm

from ..exceptions import JourneymapError
from ..jsonsafe import to_jsonable

if TYPE_CHECKING:
    from ..engines import FitResult

__all__ = ["KOCK_HADAYA_Z", "PowerPlan", "edge_power", "edge_sample_size",
           "inverse_square_root_n", "nps_difference_sample_size", "nps_margin",
           "nps_sample_size", "nps_variance", "path_power", "power_plan"]

KOCK_HADAYA_Z = 2.486
"""Kock & Hadaya (2018): z_{0.95} + z_{0.80} for 5 % (one-tailed) and 80 % power."""


def _z(q: float) -> float:
    return float(norm.ppf(q))


def _check_prob(name: str, x: float, *, open_low: bool = True) -> None:
    ok = (0.0 < x < 1.0) if open_low else (0.0 <= x < 1.0)
    if not (math.isfinite(x) and ok):
        raise JourneymapError(f"{name} must be between 0 and 1, not {x:g}.")


def nps_variance(promoters: float, detractors: float) -> float:
    """``V = p + d − (p − d)²``: variance of one response's (promoter − detractor) score."""
    for name, x in (("the promoter share", promoters), ("the detractor share", detractors)):
        if not (math.isfinite(x) and 0.0 <= x <= 1.0):
            raise JourneymapError(f"{name} must be between 0 and 1, not {x:g}.")
    if promoters + detractors > 1.0 + 1e-12:
        raise JourneymapError(f"promoter and detractor shares add up to "
                              f"{promoters + detractors:g}; they cannot exceed 1.")
    return promoters + detractors - (promoters - detractors) ** 2


def nps_sample_size(margin: float, promoters: float = 0.4, detractors: float = 0.2, *,
                    confidence: float = 0.95) -> int:
    """Responses for a ``±margin`` NPS-point interval: ``ceil(z² · V / (margin/100)²)``.

    >>> nps_sample_size(10), nps_sample_size(5)
    (216, 861)
    """
    if not (math.isfinite(margin) and margin > 0):
        raise JourneymapError(f"the margin must be a positive number of NPS points, not "
                              f"{margin:g}.")
    _check_prob("the confidence", confidence)
    V = nps_variance(promoters, detractors)
    z = _z(1 - (1 - confidence) / 2)
    return max(1, math.ceil(z * z * V / (margin / 100.0) ** 2 - 1e-9))


def nps_margin(n: int, promoters: float = 0.4, detractors: float = 0.2, *,
               confidence: float = 0.95) -> float:
    """Half-width in NPS points of the interval from n responses: ``100 · z · sqrt(V/n)``."""
    if n < 1:
        raise JourneymapError("n must be at least 1.")
    _check_prob("the confidence", confidence)
    return 100.0 * _z(1 - (1 - confidence) / 2) * math.sqrt(
        nps_variance(promoters, detractors) / n)


def nps_difference_sample_size(difference: float, promoters: float = 0.4,
                               detractors: float = 0.2, *, promoters_b: float | None = None,
                               detractors_b: float | None = None, power: float = 0.8,
                               alpha: float = 0.05) -> int:
    """Responses per group to detect an NPS difference of ``difference`` points.

    ``ceil((z_{1−α/2} + z_{power})² · (V_A + V_B) / (Δ/100)²)``; group B has group A's
    mix unless ``promoters_b`` / ``detractors_b`` are given.

    >>> nps_difference_sample_size(10)
    880
    """
    if not (math.isfinite(difference) and difference != 0):
        raise JourneymapError("the difference to detect must be a non-zero number of NPS "
                              "points.")
    _check_prob("the power", power)
    _check_prob("alpha", alpha)
    va = nps_variance(promoters, detractors)
    vb = nps_variance(promoters if promoters_b is None else promoters_b,
                      detractors if detractors_b is None else detractors_b)
    z = _z(1 - alpha / 2) + _z(power)
    return max(1, math.ceil(z * z * (va + vb) / (difference / 100.0) ** 2 - 1e-9))


def edge_sample_size(effect: float, sigma: float, sd_x: float, *, r2_x: float = 0.0,
                     k: int = 1, power: float = 0.8, alpha: float = 0.05) -> int:
    """Responses to detect an edge of size ``effect`` (two-sided test at ``alpha``).

    ``ceil(((z_{1−α/2} + z_{power}) · σ / (b · s_x))² / (1 − R²_x) + k + 1)``.
    """
    if not (math.isfinite(effect) and effect != 0):
        raise JourneymapError("the edge size must be a non-zero number.")
    if not (sigma > 0 and sd_x > 0):
        raise JourneymapError("the residual sd and the predictor sd must be positive.")
    _check_prob("R² of the predictor on its co-parents", r2_x, open_low=False)
    _check_prob("the power", power)
    _check_prob("alpha", alpha)
    if k < 1:
        raise JourneymapError("k (the number of parents) must be at least 1.")
    z = _z(1 - alpha / 2) + _z(power)
    return math.ceil((z * sigma / (effect * sd_x)) ** 2 / (1.0 - r2_x) + k + 1 - 1e-9)


def inverse_square_root_n(beta: float) -> int:
    """Kock & Hadaya's minimum n for a standardized path coefficient: ``(2.486/|β|)²``.

    >>> inverse_square_root_n(0.2)
    155
    """
    if not (math.isfinite(beta) and beta != 0):
        raise JourneymapError("the standardized coefficient must be a non-zero number.")
    return math.ceil((KOCK_HADAYA_Z / abs(beta)) ** 2 - 1e-9)


def _parents_count(result: FitResult, child: str) -> int:
    m = result.journey_map
    return sum(1 for p in m.parents(child) if m.node(p).measured)


def edge_power(result: FitResult, *, power: float = 0.8, alpha: float = 0.05) -> pd.DataFrame:
    """Responses each estimated edge needs for its own size to be detected.

    ``n_needed = (z_{1−α/2} + z_{power})² · se² · (n − 1) / b² + k + 1`` (the edge formula
    with σ, s_x and R²_x taken from the fit, see the module docstring).

    Returns
    -------
    pandas.DataFrame
        ``from``, ``to``, ``estimate``, ``se``, ``standardized``, ``n``, ``k``,
        ``n_needed``, ``enough`` (n ≥ n_needed).
    """
    _check_prob("the power", power)
    _check_prob("alpha", alpha)
    z = _z(1 - alpha / 2) + _z(power)
    rows = []
    for e in result.edge_estimates:
        if e.estimate is None or e.se is None or e.n is None:
            continue
        b, se, n = float(e.estimate), float(e.se), int(e.n)
        k = _parents_count(result, e.target)
        need = (math.ceil(z * z * se * se * (n - 1) / (b * b) + k + 1 - 1e-9) if b != 0
                else None)
        rows.append({"from": e.source, "to": e.target, "estimate": b, "se": se,
                     "standardized": e.standardized, "n": n, "k": k, "n_needed": need,
                     "enough": None if need is None else n >= need})
    return pd.DataFrame(rows, columns=["from", "to", "estimate", "se", "standardized", "n",
                                       "k", "n_needed", "enough"])


def path_power(result: FitResult) -> pd.DataFrame:
    """Every path from a measured node to NPS with its weakest link and Kock–Hadaya n.

    Returns
    -------
    pandas.DataFrame
        ``start``, ``nodes`` (list), ``route`` (labels joined by →), ``weakest_from``,
        ``weakest_to``, ``weakest_standardized``, ``n_min`` (``(2.486/|β_min|)²``),
        ``n`` (fewest responses of the path's equations), ``enough``; sorted by n_min,
        largest first.
    """
    m = result.journey_map
    std = {(e.source, e.target): e for e in result.edge_estimates if e.estimate is not None}
    rows = []

    def walk(trail: list[str]) -> None:
        node = trail[-1]
        if node == m.outcome:
            links = list(pairwise(trail))
            found = [std.get(link) for link in links]
            recs = [r for r in found if r is not None and r.standardized is not None]
            if len(recs) != len(links):
                return
            betas = [abs(r.standardized or 0.0) for r in recs]
            i = min(range(len(betas)), key=lambda t: betas[t])
            n_avail = min(r.n or 0 for r in recs)
            need = inverse_square_root_n(betas[i]) if betas[i] > 0 else None
            rows.append({"start": trail[0], "nodes": list(trail),
                         "route": " → ".join(m.node(t).display for t in trail),
                         "weakest_from": links[i][0], "weakest_to": links[i][1],
                         "weakest_standardized": recs[i].standardized,
                         "n_min": need, "n": n_avail,
                         "enough": None if need is None else n_avail >= need})
            return
        for child in m.children(node):
            if m.node(child).measured:
                walk([*trail, child])

    for node in m.measured_nodes:
        if node.id != m.outcome:
            walk([node.id])
    df = pd.DataFrame(rows, columns=["start", "nodes", "route", "weakest_from", "weakest_to",
                                     "weakest_standardized", "n_min", "n", "enough"])
    key = df["n_min"].astype(float).fillna(math.inf).to_numpy()
    return df.iloc[(-key).argsort(kind="stable")].reset_index(drop=True)


@dataclass(frozen=True)
class PowerPlan:
    """Sample sizes for the NPS margin, a two-group comparison and (with a fit) the map."""

    margin: float
    promoters: float
    detractors: float
    confidence: float
    n_margin: int
    difference: float
    power: float
    alpha: float
    n_per_group: int
    edges: pd.DataFrame | None = None
    paths: pd.DataFrame | None = None
    shares_from_data: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_jsonable({
            "nps_margin": {"margin": self.margin, "confidence": self.confidence,
                           "promoters": self.promoters, "detractors": self.detractors,
                           "variance": nps_variance(self.promoters, self.detractors),
                           "n": self.n_margin, "shares_from_data": self.shares_from_data},
            "nps_difference": {"difference": self.difference, "power": self.power,
                               "alpha": self.alpha, "n_per_group": self.n_per_group},
            "edges": None if self.edges is None else self.edges.to_dict(orient="records"),
            "paths": None if self.paths is None else self.paths.to_dict(orient="records")})
        return out


def power_plan(*, margin: float = 5.0, promoters: float | None = None,
               detractors: float | None = None, difference: float = 10.0,
               power: float = 0.8, alpha: float = 0.05,
               result: FitResult | None = None) -> PowerPlan:
    """All the planner's numbers at once.

    Promoter and detractor shares default to the fit's observed shares when a result is
    given, else to 0.4 and 0.2.  With a result, ``edges`` (:func:`edge_power`) and
    ``paths`` (:func:`path_power`) are filled in.
    """
    from_data = False
    if promoters is None or detractors is None:
        if result is not None and result.nps.n:
            promoters = result.nps.promoter_share if promoters is None else promoters
            detractors = result.nps.detractor_share if detractors is None else detractors
            from_data = True
        else:
            promoters = 0.4 if promoters is None else promoters
            detractors = 0.2 if detractors is None else detractors
    _check_prob("alpha", alpha)  # named as the user gave it, not as 1 - alpha
    confidence = 1.0 - alpha
    return PowerPlan(
        margin=margin, promoters=promoters, detractors=detractors, confidence=confidence,
        n_margin=nps_sample_size(margin, promoters, detractors, confidence=confidence),
        difference=difference, power=power, alpha=alpha,
        n_per_group=nps_difference_sample_size(difference, promoters, detractors,
                                               power=power, alpha=alpha),
        edges=None if result is None else edge_power(result, power=power, alpha=alpha),
        paths=None if result is None else path_power(result), shares_from_data=from_data)
