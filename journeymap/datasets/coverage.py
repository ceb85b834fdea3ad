"""Coverage of the 95 % intervals by simulation (docs/method.md, "Coverage by simulation").

A small map — a role acting on x, x → m → LTR and x → LTR — with planted coefficients,
drawn as *heteroskedastic* data (error spread growing with |x|) or *skewed-LTR* data
(most answers near the top, a long tail of low ones), fitted many times; for each 95 %
interval the share of fits whose interval holds the planted value.

Used by ``benchmarks/coverage.py`` (the table in docs/method.md) and the slow test in
``tests/test_uncertainty.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from ..data import SurveyData
from ..model import JourneyMap

__all__ = ["COVERAGE_MAP", "KINDS", "METHODS", "PLANTED", "coverage", "coverage_data"]

COVERAGE_MAP: dict[str, Any] = {
    "schema_version": 1, "name": "coverage", "outcome": "nps",
    "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
              {"id": "team", "kind": "role"},
              {"id": "x", "kind": "touchpoint", "scale": [-100, 100]},
              {"id": "m", "kind": "factor", "scale": [-100, 100]}],
    "edges": [["team", "x"], ["x", "m"], ["m", "nps"], ["x", "nps"]],
}
#: The planted coefficients: x → m, m → LTR, x → LTR.
PLANTED = {"x->m": 0.5, "m->nps": 0.4, "x->nps": 0.3}
KINDS = ("heteroskedastic", "skewed")
METHODS = ("hc3", "classical", "bootstrap")

Kind = Literal["heteroskedastic", "skewed"]
Method = Literal["hc3", "classical", "bootstrap"]


def coverage_data(kind: Kind, n: int, seed: int) -> SurveyData:
    """One simulated survey of :data:`COVERAGE_MAP` with the planted coefficients.

    ``heteroskedastic``: normal errors with standard deviation ``0.2 + |x|``.
    ``skewed``: LTR centred at 8 with errors ``1.5 · (1 − Exp(1))`` — a long tail of low
    answers (skewness −2), as recommend scores are.  The regressions use the unrounded
    LTR; NPS and NPS points use it rounded and clipped to 0–10.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, n)
    if kind == "heteroskedastic":
        spread = 0.2 + np.abs(x)
        e_m, e_y = rng.normal(0.0, 1.0, n) * spread, rng.normal(0.0, 1.0, n) * spread
        base = 6.0
    else:
        e_m = rng.normal(0.0, 1.0, n)
        e_y = 1.5 * (1.0 - rng.exponential(1.0, n))
        base = 8.0
    m = PLANTED["x->m"] * x + e_m
    y = base + PLANTED["m->nps"] * m + PLANTED["x->nps"] * x + e_y
    values = np.asfortranarray(np.column_stack([y, x, m]))
    return SurveyData(node_ids=("nps", "x", "m"), values=values,
                      ltr=np.clip(np.rint(y), 0, 10).astype(np.int64), n_responses=n)


def coverage(kind: Kind, method: Method, reps: int, *, n: int = 400, bootstrap: int = 200,
             seed: int = 0, progress: Callable[[int], None] | None = None
             ) -> dict[str, float]:
    """The share of ``reps`` fits whose 95 % interval holds the planted value.

    Quantities: the edge x → m, x's total effect, its indirect effect (x → m → LTR) and
    its NPS points (the planted total effect on the fit's own respondents' headroom, the
    figure's estimand), and the role's NPS points.
    """
    from ..engines import LinearEngine
    from ..scenario import role_figure

    journey = JourneyMap.from_dict(COVERAGE_MAP)
    a, b, c = PLANTED["x->m"], PLANTED["m->nps"], PLANTED["x->nps"]
    total, indirect = c + a * b, a * b
    hits = dict.fromkeys(("edge x→m", "total x", "indirect x", "NPS points x",
                          "NPS points team"), 0)
    for r in range(reps):
        data = coverage_data(kind, n, seed + r)
        options: dict[str, Any] = {"se": "classical"} if method == "classical" else {}
        if method == "bootstrap":
            options = {"bootstrap": bootstrap, "random_state": seed + r}
        res = LinearEngine(**options).fit(journey, data).result_
        state = res.fitted_model().state
        edge = next(e for e in res.edge_estimates if (e.source, e.target) == ("x", "m"))
        assert edge.ci is not None
        eff = res.effect("x")
        assert eff.total_ci is not None
        assert eff.indirect_ci is not None
        assert eff.nps_points_ci is not None
        tables = state.tables  # type: ignore[attr-defined]
        algebra = state.algebra  # type: ignore[attr-defined]
        true_points = tables["x"][0].nps_points(np.array([total]))
        idx = {v: i for i, v in enumerate(algebra.nodes)}
        true_A = algebra.A.copy()
        for (p, ch), value in ((("x", "m"), a), (("m", "nps"), b), (("x", "nps"), c)):
            true_A[idx[p], idx[ch]] = value
        truth_team = role_figure(journey, "team", dataclasses.replace(algebra, A=true_A),
                                 tables["role:team"][0]).value
        team = res.role("team")
        assert team.nps_points_ci is not None
        for name, ci, truth in (("edge x→m", edge.ci, a), ("total x", eff.total_ci, total),
                                ("indirect x", eff.indirect_ci, indirect),
                                ("NPS points x", eff.nps_points_ci, true_points),
                                ("NPS points team", team.nps_points_ci, truth_team)):
            hits[name] += ci[0] <= truth <= ci[1]
        if progress is not None:
            progress(r + 1)
    return {k: v / reps for k, v in hits.items()}
