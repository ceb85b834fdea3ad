"""Tests of value at stake: every figure against the documented formula by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import journeymap as jm
from journeymap.analysis.value import SCENARIO_NOTE, value_at_stake
from journeymap.exceptions import DataValidationError, JourneymapError
from journeymap.model import JourneyMap

MAP: dict[str, Any] = {
    "name": "Two roles", "outcome": "nps",
    "nodes": [
        {"id": "nps", "kind": "outcome", "column": "ltr"},
        {"id": "sales", "kind": "role", "label": "Sales"},
        {"id": "billing", "kind": "role", "label": "Billing"},
        {"id": "quote", "kind": "touchpoint", "label": "Quote", "scale": [1, 5]},
        {"id": "invoice", "kind": "touchpoint", "label": "Invoice", "scale": [1, 5]},
    ],
    "edges": [["sales", "quote"], ["sales", "invoice"], ["billing", "invoice"],
              ["quote", "nps"], ["invoice", "nps"]],
}

# Ten customers: detractors are rows 0–3 (LTR ≤ 6), passives 4–6, promoters 7–9.
SMALL = pd.DataFrame({
    "ltr":     [2, 5, 6, 6, 7, 8, 8, 9, 10, 10],
    "quote":   [1, 2, 4, 5, 1, 3, 4, 5, 5, 2],
    "invoice": [5, 1, 2, 4, 1, 4, 5, 5, 4, 1],
    "revenue": [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000],
})


@pytest.fixture
def two_roles() -> JourneyMap:
    return JourneyMap.from_dict(MAP)


def test_company_scenarios_follow_the_formula_with_one_revenue(two_roles: JourneyMap) -> None:
    v = value_at_stake(two_roles, SMALL, revenue=1000.0, move=0.25,
                       promoter_multiplier=1.5, detractor_multiplier=0.6)
    rows = v.company.set_index("scenario")
    # 0.25 × 4 detractors × 1000 × (1 − 0.6)
    assert rows.loc["detractors → passives", "value"] == pytest.approx(0.25 * 4 * 1000 * 0.4)
    assert rows.loc["detractors → passives", "nps_points"] == pytest.approx(100 * 0.25 * 4 / 10)
    assert rows.loc["detractors → passives", "moved"] == pytest.approx(1.0)
    # 0.25 × 3 passives × 1000 × (1.5 − 1)
    assert rows.loc["passives → promoters", "value"] == pytest.approx(0.25 * 3 * 1000 * 0.5)
    assert (v.detractors, v.passives, v.promoters, v.n) == (4, 3, 3, 10)
    assert v.assumptions == ()


def test_a_revenue_column_sums_the_revenue_of_the_customers_moved(two_roles: JourneyMap
                                                                  ) -> None:
    v = value_at_stake(two_roles, SMALL, revenue_column="revenue", move=0.1)
    rows = v.company.set_index("scenario")
    assert rows.loc["detractors → passives", "value"] == pytest.approx(
        0.1 * (100 + 200 + 300 + 400) * (1 - 0.8))
    assert rows.loc["passives → promoters", "value"] == pytest.approx(
        0.1 * (500 + 600 + 700) * (1.2 - 1))
    assert v.revenue == "column 'revenue'"


def test_each_role_counts_a_detractor_once_over_its_low_rated_nodes(two_roles: JourneyMap
                                                                    ) -> None:
    v = value_at_stake(two_roles, SMALL, revenue_column="revenue", move=0.5,
                       detractor_multiplier=0.5)
    roles = v.roles.set_index("role")
    # low = 1–2 on a 1–5 scale. Detractors low on quote: rows 0, 1; on invoice: rows 1, 2.
    assert roles.loc["sales", "detractors_low"] == 3  # rows 0, 1, 2 (row 1 once)
    assert roles.loc["sales", "value"] == pytest.approx(0.5 * (100 + 200 + 300) * 0.5)
    assert roles.loc["sales", "share_of_detractors"] == pytest.approx(3 / 4)
    assert roles.loc["sales", "nps_points"] == pytest.approx(100 * 0.5 * 3 / 10)
    assert roles.loc["billing", "detractors_low"] == 2
    assert roles.loc["billing", "value"] == pytest.approx(0.5 * (200 + 300) * 0.5)
    nodes = v.nodes.set_index(["role", "node"])
    assert nodes.loc[("sales", "quote"), "value"] == pytest.approx(0.5 * (100 + 200) * 0.5)
    assert nodes.loc[("billing", "invoice"), "detractors_low"] == 2
    assert v.roles["role"].tolist() == ["sales", "billing"]  # largest value first


def test_the_customer_base_scales_the_values(two_roles: JourneyMap) -> None:
    base = value_at_stake(two_roles, SMALL, revenue=1000.0)
    scaled = value_at_stake(two_roles, SMALL, revenue=1000.0, customers=250)
    assert scaled.scale == pytest.approx(25.0)
    np.testing.assert_allclose(scaled.company["value"], 25 * base.company["value"])
    np.testing.assert_allclose(scaled.roles["value"], 25 * base.roles["value"])
    np.testing.assert_allclose(scaled.company["nps_points"], base.company["nps_points"])


def test_default_multipliers_are_marked_as_assumptions_and_the_result_as_a_scenario(
        two_roles: JourneyMap) -> None:
    v = value_at_stake(two_roles, SMALL, revenue=500.0)
    assert (v.promoter_multiplier, v.detractor_multiplier) == (1.2, 0.8)
    assert len(v.assumptions) == 2
    assert all("default" in a for a in v.assumptions)
    out = v.to_dict()
    assert out["note"] == SCENARIO_NOTE
    assert out["passive_multiplier"] == 1.0


def test_the_example_map_gives_every_role_a_row(example_map: JourneyMap) -> None:
    frame = jm.example_data(n=1000, seed=2).data
    v = value_at_stake(example_map, frame, revenue=10_000.0)
    assert set(v.roles["role"]) == {r.id for r in example_map.roles}
    det = frame["ltr"] <= 6
    low_support = det & (frame["q_support"] <= 2)
    row = v.roles.set_index("role").loc["support_agent"]
    assert row["detractors_low"] == int(low_support.sum())
    assert row["value"] == pytest.approx(0.1 * low_support.sum() * 10_000 * 0.2)


def test_inputs_are_checked(two_roles: JourneyMap) -> None:
    with pytest.raises(JourneymapError, match="not both and not neither"):
        value_at_stake(two_roles, SMALL)
    with pytest.raises(JourneymapError, match="not both and not neither"):
        value_at_stake(two_roles, SMALL, revenue=1.0, revenue_column="revenue")
    with pytest.raises(JourneymapError, match="positive"):
        value_at_stake(two_roles, SMALL, revenue=-5.0)
    with pytest.raises(JourneymapError, match="at most 100 %"):
        value_at_stake(two_roles, SMALL, revenue=1.0, move=1.5)
    with pytest.raises(JourneymapError, match="detractor multiplier"):
        value_at_stake(two_roles, SMALL, revenue=1.0, detractor_multiplier=-0.1)
    blank = SMALL.astype({"revenue": float})
    blank.loc[3, "revenue"] = np.nan
    with pytest.raises(DataValidationError, match=r"row 4 \(blank\)"):
        value_at_stake(two_roles, blank, revenue_column="revenue")
    with pytest.raises(DataValidationError, match="'turnover'"):
        value_at_stake(two_roles, SMALL, revenue_column="turnover")
