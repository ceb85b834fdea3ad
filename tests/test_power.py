"""Tests of the power planner.

Sample sizes are checked against the formulas by hand and the practitioners' ranges, and
by simulation: the NPS interval at the planned n covers 95 % with the planned width, the
two-group n gives 80 % power, and the edge n gives 80 % power (fixed seeds).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import journeymap as jm
from journeymap.analysis.power import (
    KOCK_HADAYA_Z,
    edge_power,
    edge_sample_size,
    inverse_square_root_n,
    nps_difference_sample_size,
    nps_margin,
    nps_sample_size,
    nps_variance,
    path_power,
    power_plan,
)
from journeymap.analysis.segments import nps_difference
from journeymap.exceptions import JourneymapError
from journeymap.model import JourneyMap
from journeymap.nps import nps_from_counts

Z975, Z80 = 1.959963984540054, 0.8416212335729143


def test_nps_sample_size_is_the_formula_and_falls_in_the_practitioners_ranges() -> None:
    assert nps_variance(0.4, 0.2) == pytest.approx(0.56)
    assert nps_sample_size(10, 0.4, 0.2) == math.ceil(Z975 ** 2 * 0.56 / 0.01)  # 216
    assert nps_sample_size(5, 0.4, 0.2) == math.ceil(Z975 ** 2 * 0.56 / 0.0025)  # 861
    # docs/cx-guide.md, "Before the workshop": ±10 needs about 200–380, ±5 about
    # 860–1,500, depending on the mix
    for p, d in ((0.4, 0.2), (0.45, 0.35), (0.5, 0.4), (0.3, 0.3)):
        assert 200 <= nps_sample_size(10, p, d) <= 380
        assert 860 <= nps_sample_size(5, p, d) <= 1500
    assert nps_margin(861, 0.4, 0.2) == pytest.approx(5.0, abs=0.01)
    assert nps_sample_size(5, 0.4, 0.2, confidence=0.9) < 861


def test_the_nps_interval_at_the_planned_n_covers_95_percent_with_the_planned_width() -> None:
    rng = np.random.default_rng(515)
    p, d, margin = 0.4, 0.2, 5.0
    n = nps_sample_size(margin, p, d)
    truth = 100 * (p - d)
    counts = rng.multinomial(n, (p, 1 - p - d, d), size=4000)
    hits, widths = 0, []
    for c in counts:
        lo, hi = nps_from_counts(*c).ci
        hits += lo <= truth <= hi
        widths.append((hi - lo) / 2)
    assert 0.935 <= hits / len(counts) <= 0.965
    assert float(np.mean(widths)) == pytest.approx(margin, abs=0.1)


def test_two_groups_ten_points_apart_need_about_880_each() -> None:
    n = nps_difference_sample_size(10, 0.4, 0.2)
    assert n == math.ceil((Z975 + Z80) ** 2 * 2 * 0.56 / 0.01)
    assert n == 880  # docs/cx-guide.md: "roughly 880 responses per group"
    other = nps_difference_sample_size(10, 0.4, 0.2, promoters_b=0.35, detractors_b=0.25)
    assert other == math.ceil((Z975 + Z80) ** 2 * (0.56 + 0.6 - 0.01) / 0.01)


def test_the_two_group_size_gives_80_percent_power_in_simulation() -> None:
    rng = np.random.default_rng(880)
    a, b = (0.40, 0.40, 0.20), (0.35, 0.40, 0.25)  # NPS +20 and +10
    n = nps_difference_sample_size(10, a[0], a[2], promoters_b=b[0], detractors_b=b[2])
    ca = rng.multinomial(n, a, size=3000)
    cb = rng.multinomial(n, b, size=3000)
    rejected = 0
    for x, y in zip(ca, cb, strict=True):
        lo, hi = nps_difference(nps_from_counts(*x), nps_from_counts(*y)).ci
        rejected += lo > 0 or hi < 0
    assert 0.77 <= rejected / 3000 <= 0.83


def test_the_edge_size_gives_80_percent_power_in_simulation() -> None:
    b, sigma, sd_x = 0.25, 1.4, 0.9
    n = edge_sample_size(b, sigma, sd_x)
    assert n == math.ceil(((Z975 + Z80) * sigma / (b * sd_x)) ** 2 + 2)
    rng = np.random.default_rng(44)
    reps = 4000
    x = rng.normal(0, sd_x, (reps, n))
    y = b * x + rng.normal(0, sigma, (reps, n))
    xc = x - x.mean(1, keepdims=True)
    yc = y - y.mean(1, keepdims=True)
    slope = (xc * yc).sum(1) / (xc ** 2).sum(1)
    resid = yc - slope[:, None] * xc
    se = np.sqrt((resid ** 2).sum(1) / (n - 2) / (xc ** 2).sum(1))
    crit = stats.t.ppf(0.975, n - 2)
    power = float(np.mean(np.abs(slope / se) > crit))
    assert 0.77 <= power <= 0.83


def test_collinearity_with_co_parents_inflates_the_edge_size() -> None:
    base = edge_sample_size(0.3, 1.0, 1.0, k=3)
    inflated = edge_sample_size(0.3, 1.0, 1.0, r2_x=0.5, k=3)
    core = ((Z975 + Z80) / 0.3) ** 2
    assert base == math.ceil(core + 4)
    assert inflated == math.ceil(core / 0.5 + 4)


def test_edge_power_of_a_fit_is_the_edge_formula_with_sigma_sd_and_r2_from_the_data() -> None:
    spec: dict[str, Any] = {
        "name": "Two parents", "outcome": "nps",
        "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
                  {"id": "a", "kind": "touchpoint", "scale": [1, 5]},
                  {"id": "b", "kind": "touchpoint", "scale": [1, 5]}],
        "edges": [["a", "nps"], ["b", "nps"]]}
    m = JourneyMap.from_dict(spec)
    rng = np.random.default_rng(12)
    n = 300
    a = np.clip(np.rint(rng.normal(3.5, 1, n)), 1, 5)
    b = np.clip(np.rint(0.5 * a + rng.normal(1.8, 0.8, n)), 1, 5)
    ltr = np.clip(np.rint(0.4 * a + 0.3 * b + 5 + rng.normal(0, 1.5, n)), 0, 10).astype(int)
    # the edge formula with the classical σ (a robust fit's se gives the robust version)
    result = jm.fit(m, pd.DataFrame({"ltr": ltr, "a": a, "b": b}), se="classical")
    X = np.column_stack([np.ones(n), a, b])
    coef, rss = np.linalg.lstsq(X, ltr, rcond=None)[:2]
    sigma = math.sqrt(rss[0] / (n - 3))
    r2_a = np.corrcoef(a, b)[0, 1] ** 2
    expected = edge_sample_size(coef[1], sigma, a.std(ddof=1), r2_x=r2_a, k=2)
    rows = edge_power(result).set_index(["from", "to"])
    assert rows.loc[("a", "nps"), "n_needed"] == expected
    assert rows.loc[("a", "nps"), "k"] == 2
    assert rows.loc[("a", "nps"), "enough"] == (n >= expected)


def test_inverse_square_root_rule_uses_the_weakest_standardized_link() -> None:
    assert pytest.approx(stats.norm.ppf(0.95) + stats.norm.ppf(0.8), abs=1e-3) == KOCK_HADAYA_Z
    assert inverse_square_root_n(0.2) == math.ceil((2.486 / 0.2) ** 2) == 155
    assert inverse_square_root_n(-0.197) == 160  # (2.486 / 0.197)² = 159.25, rounded up
    m = jm.example_map()
    result = jm.fit(m, jm.example_data(n=2000, seed=3).data)
    paths = path_power(result)
    std = {(e.source, e.target): e for e in result.edge_estimates if e.estimate is not None}
    row = paths[paths["route"].str.startswith("Beställning")].iloc[0]
    links = list(zip(row["nodes"][:-1], row["nodes"][1:], strict=True))
    weakest = min(links, key=lambda link: abs(std[link].standardized))
    assert (row["weakest_from"], row["weakest_to"]) == weakest
    beta = abs(std[weakest].standardized)
    assert row["n_min"] == math.ceil((2.486 / beta) ** 2)
    assert row.n == min(std[link].n for link in links)
    # every path from a measured node to NPS, none through a role's share edge
    assert len(paths) == 13
    assert all(m.node(nodes[0]).kind != "role" for nodes in paths["nodes"])
    assert (np.diff(paths["n_min"].to_numpy(dtype=float)) <= 0).all()


def test_power_plan_takes_the_mix_from_the_data_when_a_fit_is_given() -> None:
    result = jm.fit(jm.example_map(), jm.example_data(n=1200, seed=3).data)
    plan = power_plan(margin=10, result=result)
    assert plan.shares_from_data
    assert plan.promoters == pytest.approx(result.nps.promoter_share)
    assert plan.n_margin == nps_sample_size(10, result.nps.promoter_share,
                                            result.nps.detractor_share)
    assert plan.paths is not None
    assert plan.edges is not None
    plain = power_plan()
    assert (plain.promoters, plain.detractors, plain.n_margin, plain.n_per_group) == (
        0.4, 0.2, 861, 880)
    assert plain.to_dict()["edges"] is None


def test_planner_inputs_are_checked() -> None:
    with pytest.raises(JourneymapError, match=r"add up to 1\.1"):
        nps_sample_size(5, 0.6, 0.5)
    with pytest.raises(JourneymapError, match="positive"):
        nps_sample_size(0)
    with pytest.raises(JourneymapError, match="non-zero"):
        nps_difference_sample_size(0)
    with pytest.raises(JourneymapError, match="power must be between 0 and 1"):
        nps_difference_sample_size(10, power=80)
    with pytest.raises(JourneymapError, match="non-zero"):
        inverse_square_root_n(0.0)
    with pytest.raises(JourneymapError, match="R²"):
        edge_sample_size(0.2, 1, 1, r2_x=1.0)


@pytest.mark.parametrize("module", ["segments", "keydrivers", "power", "trend", "followups",
                                    "value"])
def test_the_cx_analyses_define_every_name_they_export(module: str) -> None:
    # Their docstring examples run in tests/test_doctests.py.
    import importlib

    mod = importlib.import_module(f"journeymap.analysis.{module}")
    assert set(mod.__all__) <= set(dir(mod))
