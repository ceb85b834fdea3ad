"""Tests of the close-the-loop list: who to call back, about what, and only with consent.

The list is checked against a pandas filter written here: detractors (LTR 0–6) with a
rating in the bottom points of a node the role acts on, who said yes to contact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import journeymap as jm
from journeymap.analysis.followups import consent_mask, followups, role_nodes
from journeymap.exceptions import DataValidationError, JourneymapError
from journeymap.model import JourneyMap

TEAM_MAP: dict[str, Any] = {
    "name": "Field service", "outcome": "nps",
    "nodes": [
        {"id": "nps", "kind": "outcome", "column": "ltr"},
        {"id": "lead", "kind": "role", "label": "Team lead"},
        {"id": "team", "kind": "role", "label": "Field team"},
        {"id": "booking", "kind": "touchpoint", "label": "Booking", "scale": [1, 5]},
        {"id": "visit", "kind": "touchpoint", "label": "Visit", "scale": [1, 7]},
        {"id": "trust", "kind": "factor", "label": "Trust", "scale": [1, 5]},
    ],
    "edges": [["lead", "team"], ["lead", "trust"], ["team", "booking"], ["team", "visit"],
              ["booking", "nps"], ["visit", "trust"], ["trust", "nps"]],
}


@pytest.fixture
def team_map() -> JourneyMap:
    return JourneyMap.from_dict(TEAM_MAP)


@pytest.fixture
def survey() -> pd.DataFrame:
    rng = np.random.default_rng(31)
    n = 400
    df = pd.DataFrame({
        "response_id": [f"R{i:04d}" for i in range(n)],
        "ltr": rng.integers(0, 11, n),
        "booking": rng.integers(1, 6, n).astype(float),
        "visit": rng.integers(1, 8, n).astype(float),
        "trust": rng.integers(1, 6, n).astype(float),
        "contact_ok": rng.choice(["yes", "no", "", "1", "0", "Ja"], n),
        "technician_name": rng.choice(["Anna", "Bo", "Cecilia"], n),
        "revenue": rng.integers(1_000, 90_000, n),
    })
    df.loc[rng.random(n) < 0.2, "visit"] = np.nan
    return df


def _expected(df: pd.DataFrame, low: int = 2, consent: bool = True) -> pd.DataFrame:
    low_booking = df["booking"] <= 1 + low - 1
    low_visit = df["visit"] <= 1 + low - 1
    ok = df["contact_ok"].str.strip().str.lower().isin(["yes", "1", "ja"])
    keep = (df["ltr"] <= 6) & (low_booking | low_visit)
    return df[keep & ok] if consent else df[keep]


def test_a_role_acts_on_its_nodes_and_on_those_of_roles_it_acts_on(team_map: JourneyMap,
                                                                   example_map: JourneyMap
                                                                   ) -> None:
    assert role_nodes(team_map, "team") == ("booking", "visit")
    assert role_nodes(team_map, "lead") == ("booking", "visit", "trust")
    assert role_nodes(example_map, "installer") == ("delivery", "installation")
    with pytest.raises(JourneymapError, match="not a role; roles in this map: lead, team"):
        role_nodes(team_map, "booking")


def test_the_list_holds_consenting_detractors_with_a_low_rating_on_the_roles_nodes(
        team_map: JourneyMap, survey: pd.DataFrame) -> None:
    f = followups(team_map, survey, "team")
    expected = _expected(survey)
    assert len(expected) > 10
    assert f.n_no_consent > 10
    assert set(f.rows["response_id"]) == set(expected["response_id"])
    assert f.n_detractors == int((survey["ltr"] <= 6).sum())
    assert f.n_low == len(_expected(survey, consent=False))
    assert f.n_no_consent == f.n_low - len(expected)
    by_id = survey.set_index("response_id")
    for row in f.rows.to_dict(orient="records"):
        src = by_id.loc[row["response_id"]]
        assert row["ltr"] == src["ltr"]
        lows = [(label, src[col]) for label, col in (("Booking", "booking"), ("Visit", "visit"))
                if src[col] <= 2]
        lows.sort(key=lambda t: t[1])
        assert row["talk_about"] == "; ".join(f"{lab} ({v:g})" for lab, v in lows)
        assert row["n_low"] == len(lows)
        assert row["score_booking"] == src["booking"]


def test_no_employee_name_or_other_column_of_the_data_reaches_the_list(
        team_map: JourneyMap, survey: pd.DataFrame, tmp_path: Path) -> None:
    f = followups(team_map, survey, "team", value_column="revenue")
    assert list(f.rows.columns) == ["response_id", "ltr", "talk_about", "n_low", "value",
                                    "score_booking", "score_visit"]
    path = tmp_path / "calls.csv"
    f.to_csv(path)
    text = path.read_text(encoding="utf-8")
    for name in ("Anna", "Bo,", "Cecilia", "technician"):
        assert name not in text
    back = pd.read_csv(path)
    assert back["response_id"].tolist() == f.rows["response_id"].tolist()


def test_valuable_customers_come_first_when_a_value_column_is_given(
        team_map: JourneyMap, survey: pd.DataFrame) -> None:
    by_value = followups(team_map, survey, "team", value_column="revenue").rows
    assert (np.diff(by_value["value"].to_numpy()) <= 0).all()
    by_id = survey.set_index("response_id")
    assert by_value["value"].tolist() == by_id.loc[by_value["response_id"], "revenue"].tolist()
    by_ltr = followups(team_map, survey, "team").rows
    assert (np.diff(by_ltr["ltr"].to_numpy()) >= 0).all()


def test_an_absent_consent_column_is_an_error_unless_the_check_is_switched_off(
        team_map: JourneyMap, survey: pd.DataFrame) -> None:
    no_consent = survey.drop(columns="contact_ok")
    with pytest.raises(DataValidationError, match=r"no consent column 'contact_ok'.*"
                                                  r"--no-consent-column"):
        followups(team_map, no_consent, "team")
    f = followups(team_map, no_consent, "team", consent_column=None)
    assert set(f.rows["response_id"]) == set(_expected(survey, consent=False)["response_id"])
    assert f.n_no_consent == 0
    assert any("no consent check" in note for note in f.notes)


def test_consent_values_are_read_strictly(survey: pd.DataFrame) -> None:
    values = pd.Series(["yes", "NO", " ja ", "", None, 1, 0, 1.0, True, False, "x", "nej"])
    assert consent_mask(values, "c").tolist() == [True, False, True, False, False, True,
                                                  False, True, True, False, True, False]
    with pytest.raises(DataValidationError, match=r"row 2 \('maybe'\).*row 3 \(2\)"):
        consent_mask(pd.Series(["yes", "maybe", 2]), "c")


def test_how_many_bottom_points_count_as_low_can_be_chosen(team_map: JourneyMap,
                                                           survey: pd.DataFrame) -> None:
    one = followups(team_map, survey, "team", low_points=1)
    three = followups(team_map, survey, "team", low_points=3)
    assert set(one.rows["response_id"]) == set(_expected(survey, low=1)["response_id"])
    assert set(three.rows["response_id"]) == set(_expected(survey, low=3)["response_id"])
    with pytest.raises(JourneymapError, match="at least 1"):
        followups(team_map, survey, "team", low_points=0)


def test_a_missing_id_column_or_a_bad_value_is_a_clear_error(team_map: JourneyMap,
                                                             survey: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match="'response_id'"):
        followups(team_map, survey.drop(columns="response_id"), "team")
    bad = survey.copy()
    bad["revenue"] = bad["revenue"].astype(object)
    target = _expected(survey).index[0]
    bad.loc[target, "revenue"] = "lots"
    with pytest.raises(DataValidationError, match=rf"row {target + 1} \('lots'\)"):
        followups(team_map, bad, "team", value_column="revenue")


def test_a_role_without_measured_nodes_is_an_error(survey: pd.DataFrame) -> None:
    spec = {**TEAM_MAP, "nodes": [*TEAM_MAP["nodes"], {"id": "idle", "kind": "role"}]}
    with pytest.raises(JourneymapError, match="acts on no measured node"):
        followups(JourneyMap.from_dict(spec), survey, "idle")


def test_the_example_map_works_with_its_composite_delivery_node(
        example_map: JourneyMap) -> None:
    frame = jm.example_data(n=1500, seed=3).data
    frame["contact_ok"] = 1
    f = followups(example_map, frame, "logistics")
    assert f.nodes == ("delivery",)
    delivery = frame[["q_del_time", "q_del_complete", "q_del_condition"]].mean(axis=1)
    expect = frame[(frame["ltr"] <= 6) & (delivery <= 2)]
    assert len(expect) > 0
    assert sorted(f.rows["response_id"]) == sorted(expect["response_id"])
