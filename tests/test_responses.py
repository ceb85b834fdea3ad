"""journeymap.responses: checked responses with extra columns aligned with their rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import journeymap as jm
from journeymap.data import load_survey
from journeymap.exceptions import DataValidationError
from journeymap.model import JourneyMap
from journeymap.responses import bad_rows, load_with_columns, show_cell, subset_survey


def test_extra_columns_line_up_with_the_rows_load_survey_keeps(
        example_map: JourneyMap) -> None:
    sim = jm.example_data(n=300, seed=4).data
    sim["survey_type"] = np.where(np.arange(300) % 4 == 0, "transactional", "relational")
    sim["ltr"] = sim["ltr"].astype("Int64")
    sim.loc[[3, 10, 11, 50], "ltr"] = pd.NA  # blank LTRs are left out
    sim = sim.sample(frac=1.0, random_state=3).reset_index(drop=True)
    rows = load_with_columns(sim, example_map, ["response_id", "customer_type"],
                             survey_type="relational")
    expected = sim[(sim["survey_type"] == "relational") & sim["ltr"].notna()]
    assert rows.data.n == len(expected)
    assert rows.extra["response_id"].tolist() == expected["response_id"].tolist()
    by_id = sim.set_index("response_id")
    got = by_id.loc[rows.extra["response_id"].to_numpy()]
    assert np.array_equal(got["ltr"].to_numpy(dtype=int), rows.data.ltr)
    for node, col in (("brand", "q_brand"), ("support", "q_support"), ("ease", "q_ease")):
        assert np.array_equal(got[col].to_numpy(dtype=float, na_value=np.nan),
                              rows.data.column(node), equal_nan=True)
    # every row read after the survey-type filter, blank LTRs included
    assert len(rows.all_rows) == int((sim["survey_type"] == "relational").sum())
    assert int(rows.kept.sum()) == rows.data.n


def test_a_missing_extra_column_is_named_with_a_suggestion(example_map: JourneyMap) -> None:
    sim = jm.example_data(n=100, seed=2).data
    with pytest.raises(DataValidationError,
                       match=r"^the data: the trend needs the column 'dates' \(did you mean "
                             r"'date'\?\), which the data do not have"):
        load_with_columns(sim, example_map, ["dates"], what="the trend")
    with pytest.raises(DataValidationError, match=r"^the data: say when$"):
        load_with_columns(sim, example_map, ["when"], messages={"when": "say when"})


def test_a_subset_keeps_the_chosen_rows_and_counts_blank_answers(
        example_map: JourneyMap) -> None:
    data = load_survey(jm.example_data(n=200, seed=5).data, example_map)
    mask = np.arange(data.n) % 3 == 0
    part = subset_survey(data, mask, n_responses=int(mask.sum()) + 4)
    assert part.n == int(mask.sum())
    assert np.array_equal(part.ltr, data.ltr[mask])
    assert np.array_equal(part.values, data.values[mask], equal_nan=True)
    assert part.n_responses == part.n + 4
    assert part.warnings == (f"4 of {part.n + 4} responses have no recommend (0–10) answer "
                             "and are left out of everything.",)


def test_bad_cells_are_named_by_their_row_in_the_data_as_given() -> None:
    values = pd.Series(["a", None, 7.5, "x", "y", "z", "w", "v"], index=range(10, 18))
    bad = np.array([True, True, True, False, True, True, True, True])
    assert bad_rows(values, bad) == ("row 11 ('a'), row 12 (blank), row 13 (7.5), row 15 ('y'), "
                                     "row 16 ('z') and 2 more")
    assert show_cell(float("nan")) == "blank"
