"""Tests of follow-up cases: the rules against a pandas computation written here,
the role a case goes to, status changes, and the closed-loop figures."""

from __future__ import annotations

import csv
import io
import re
import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from journeymap.cases import (
    CSV_COLUMNS,
    CaseRules,
    assign_role,
    case_stats,
    cases_csv,
    check_transition,
    make_cases,
)
from journeymap.exceptions import CaseTransitionError, DataValidationError, JourneymapError
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
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def team_map() -> JourneyMap:
    return JourneyMap.from_dict(TEAM_MAP)


@pytest.fixture
def survey() -> pd.DataFrame:
    rng = np.random.default_rng(17)
    n = 300
    df = pd.DataFrame({
        "response_id": [f"R{i:04d}" for i in range(n)],
        "ltr": rng.integers(0, 11, n),
        "booking": rng.integers(1, 6, n).astype(float),
        "visit": rng.integers(1, 8, n).astype(float),
        "trust": rng.integers(1, 6, n).astype(float),
        "contact_ok": rng.choice(["yes", "no", ""], n),
        "technician_name": rng.choice(["Anna", "Bo"], n),
        "revenue": rng.integers(1_000, 90_000, n),
    })
    df.loc[rng.random(n) < 0.2, "visit"] = np.nan
    return df


def _hand(df: pd.DataFrame, threshold: float | None = None) -> dict[str, tuple[list[str], str]]:
    """Reasons and role of each case, computed row by row."""
    out: dict[str, tuple[list[str], str]] = {}
    scales = {"booking": (1, 5), "visit": (1, 7), "trust": (1, 5)}
    owner = {"booking": "team", "visit": "team", "trust": "lead"}
    order = ["booking", "visit", "trust"]
    for _, r in df.iterrows():
        reasons = []
        if r["ltr"] <= 6:
            reasons.append("detractor")
        if threshold is not None and r["revenue"] >= threshold and r["ltr"] <= 8:
            reasons.append("valuable_low")
        if any(r[c] == scales[c][0] for c in order):
            reasons.append("bottom_rating")
        if not reasons:
            continue
        pos = [((r[c] - scales[c][0]) / (scales[c][1] - scales[c][0]), k, c)
               for k, c in enumerate(order) if not pd.isna(r[c])]
        out[r["response_id"]] = (reasons, owner[min(pos)[2]])
    return out


def test_cases_follow_the_documented_rules_against_a_hand_computation(
        team_map: JourneyMap, survey: pd.DataFrame) -> None:
    cases = make_cases(team_map, survey, opened_at=T0,
                       rules=CaseRules(value_column="revenue", value_threshold=60_000))
    expected = _hand(survey, threshold=60_000)
    assert len(cases) == len(expected) > 100
    got = {c.response_id: (list(c.reasons), c.role) for c in cases}
    assert got == expected
    ok = set(survey.loc[survey["contact_ok"] == "yes", "response_id"])
    assert {c.response_id for c in cases if c.contact_ok} == ok & set(expected)


def test_the_due_time_is_the_shortest_sla_of_the_reasons(team_map: JourneyMap) -> None:
    df = pd.DataFrame({"response_id": ["a", "b", "c"], "ltr": [3, 9, 8],
                       "booking": [3.0, 1.0, 4.0], "visit": [4.0, 5.0, 5.0],
                       "trust": [3.0, 4.0, 4.0], "contact_ok": ["yes", "no", "yes"],
                       "revenue": [10.0, 10.0, 500.0]})
    rules = CaseRules(value_column="revenue", value_threshold=100,
                      sla_hours={"detractor": 48, "valuable_low": 24, "bottom_rating": 72})
    cases = {c.response_id: c for c in make_cases(team_map, df, opened_at=T0, rules=rules)}
    assert cases["a"].due_at - T0 == timedelta(hours=48)
    assert cases["b"].due_at - T0 == timedelta(hours=72)
    assert cases["b"].reasons == ("bottom_rating",)
    assert cases["b"].touchpoint == "booking"
    assert cases["c"].due_at - T0 == timedelta(hours=24)
    # equal positions on the scale (visit 4/7 → 0.5; booking 3/5 → 0.5): map order wins
    assert cases["a"].touchpoint == "booking"
    assert cases["a"].role == "team"


def test_a_case_holds_no_comment_name_or_other_column(team_map: JourneyMap,
                                                      survey: pd.DataFrame) -> None:
    cases = make_cases(team_map, survey, opened_at=T0)
    text = repr([c.to_dict() for c in cases])
    assert "Anna" not in text
    assert "Bo'" not in text
    assert set(cases[0].to_dict()) == {"response_id", "reasons", "ltr", "touchpoint", "role",
                                       "contact_ok", "opened_at", "due_at"}


def test_the_role_of_a_touchpoint_prefers_a_direct_edge(team_map: JourneyMap) -> None:
    assert assign_role(team_map, "booking") == "team"
    assert assign_role(team_map, "trust") == "lead"


def test_repeated_or_blank_response_ids_are_one_clear_error(team_map: JourneyMap,
                                                            survey: pd.DataFrame) -> None:
    dup = survey.copy()
    dup.loc[5, "response_id"] = "R0000"
    with pytest.raises(DataValidationError, match="repeats response ids"):
        make_cases(team_map, dup, opened_at=T0)
    with pytest.raises(JourneymapError, match="positive number of hours"):
        CaseRules(sla_hours={"detractor": 0, "valuable_low": 1, "bottom_rating": 1})


@pytest.mark.parametrize(("old", "new", "note", "ok"), [
    ("open", "contacted", None, True), ("open", "closed", "fixed", True),
    ("contacted", "closed", "called", True), ("contacted", "closed", "  ", False),
    ("closed", "open", None, False), ("contacted", "open", None, False),
    ("open", "lost", None, False)])
def test_only_the_documented_status_changes_are_allowed(old: str, new: str, note: str | None,
                                                        ok: bool) -> None:
    if ok:
        check_transition(old, new, note)
    else:
        with pytest.raises(CaseTransitionError):
            check_transition(old, new, note)


def test_closed_loop_rate_and_median_time_per_role_and_month() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for k in range(40):
        opened = T0 + timedelta(hours=int(rng.integers(0, 200)))
        closed = opened + timedelta(hours=float(rng.integers(1, 90))) if k % 4 else None
        rows.append({"role": "team", "opened_at": opened, "closed_at": closed})
    rows += [{"role": "lead", "opened_at": T0, "closed_at": T0 + timedelta(hours=5)}] * 3
    stats = {(s.role, s.month): s for s in case_stats(rows)}
    team = stats[("team", "2026-03")]
    hours = [(r["closed_at"] - r["opened_at"]).total_seconds() / 3600 for r in rows[:40]
             if r["closed_at"] is not None]
    assert team.n_opened == 40
    assert team.n_closed == 30
    assert team.closed_loop_rate == pytest.approx(30 / 40)
    assert team.median_hours_to_close == pytest.approx(statistics.median(hours))
    lead = stats[("lead", "2026-03")]
    assert lead.suppressed
    assert lead.closed_loop_rate is None
    assert lead.n_closed == 3
    assert case_stats(rows, min_cases=10)[0].n_opened in (3, 40)


def test_the_sla_fills_left_out_reasons_with_the_defaults_and_refuses_bad_values() -> None:
    rules = CaseRules(sla_hours={"detractor": 6})
    assert dict(rules.sla_hours) == {"detractor": 6.0, "valuable_low": 24.0,
                                     "bottom_rating": 72.0}
    for sla, words in [({"detractor": 0}, "'detractor' cases must be a positive number of "
                                         "hours; got 0."),
                       ({"bottom_rating": -1.5}, "got -1.5."),
                       ({"valuable_low": float("inf")}, "got inf."),
                       ({"detractor": "48"}, "got '48'."),
                       ({"late": 5}, "unknown reason 'late'")]:
        with pytest.raises(JourneymapError, match=re.escape(words)):
            CaseRules(sla_hours=sla)
    with pytest.raises(JourneymapError, match="from 0 to 10; got 11"):
        CaseRules(value_max_ltr=11)
    with pytest.raises(JourneymapError, match="threshold must be a number; got nan"):
        CaseRules(value_threshold=float("nan"))
    with pytest.raises(JourneymapError, match="value_column must name a column"):
        CaseRules(value_column=" ")


def test_the_crm_csv_of_just_made_cases_has_one_line_per_case_in_the_given_order(
        team_map: JourneyMap, survey: pd.DataFrame) -> None:
    cases = make_cases(team_map, survey, opened_at=T0)
    text = cases_csv(c.record() for c in cases)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [r["response_id"] for r in rows] == [c.response_id for c in cases]
    first, case = rows[0], cases[0]
    assert first == {"case_id": "", "response_id": case.response_id, "status": "open",
                     "role": case.role or "", "touchpoint": case.touchpoint or "",
                     "reasons": " ".join(case.reasons), "ltr": str(case.ltr),
                     "contact_ok": "yes" if case.contact_ok else "no",
                     "opened_at": T0.isoformat(), "due_at": case.due_at.isoformat(),
                     "contacted_at": "", "closed_at": "", "note": ""}
