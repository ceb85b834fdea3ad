"""The recommend question: what the outcome may be, and the explicit recode of another scale.

NPS is defined on one 0–10 answer as given (docs/method.md, "Data rules"):
items on the outcome and non-integer answers are refused; a 1–5 or 1–10 item is used only
through a recode table written in the map, and the result says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import journeymap as jm
from journeymap.data import load_survey, outcome_warnings
from journeymap.engines import fit_stream
from journeymap.exceptions import DataValidationError, MapValidationError
from journeymap.model import JourneyMap

# The facilitator's table for a 1–5 recommend item (docs/map-format.md).
TABLE_1_5 = {1: 0, 2: 3, 3: 5, 4: 8, 5: 10}


def recode_map(recode: dict[Any, Any] | None = None, **outcome: Any) -> JourneyMap:
    node: dict[str, Any] = {"id": "nps", "kind": "outcome", "column": "ltr", **outcome}
    if recode is not None:
        node["recode"] = recode
    return JourneyMap.from_dict({
        "outcome": "nps",
        "nodes": [node, {"id": "quote", "kind": "touchpoint", "scale": [1, 5]}],
        "edges": [["quote", "nps"]],
    })


def frame(ltr: list[Any], seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"ltr": ltr, "quote": rng.integers(1, 6, len(ltr))})


def test_an_outcome_given_as_items_is_refused_not_truncated() -> None:
    # Regression: the mean of three items (5.67) was cut to 5 and NPS came out wrong.
    with pytest.raises(MapValidationError, match=r"lists items.*never an average.*column: ltr"):
        JourneyMap.from_dict({
            "outcome": "nps",
            "nodes": [{"id": "nps", "kind": "outcome", "items": ["r1", "r2", "r3"]},
                      {"id": "quote", "kind": "touchpoint", "scale": [1, 5]}],
            "edges": [["quote", "nps"]]})


def test_an_outcome_node_built_in_python_with_items_is_refused() -> None:
    from journeymap.model import Edge, Node

    with pytest.raises(MapValidationError, match="lists items"):
        JourneyMap(outcome="nps", nodes=(
            Node("nps", "outcome", items=("r1", "r2"), scale=(0.0, 10.0)),
            Node("quote", "touchpoint", column="quote", scale=(1.0, 5.0))),
            edges=(Edge("quote", "nps"),))


def test_a_non_integer_answer_is_refused_naming_the_column_row_and_value() -> None:
    with pytest.raises(DataValidationError) as err:
        load_survey(frame([9, 10, 5.67, 3, 8]), recode_map())
    text = str(err.value)
    assert "column 'ltr'" in text
    assert "row 3 (5.67)" in text
    assert "whole numbers 0–10" in text


def test_an_answer_above_10_is_refused_naming_its_row() -> None:
    with pytest.raises(DataValidationError, match=r"column 'ltr'.*row 2 \(11\)"):
        load_survey(frame([9, 11, 5]), recode_map())


def test_a_recoded_1_to_5_item_gives_the_hand_worked_nps_and_says_so() -> None:
    answers = [5, 5, 4, 4, 3, 2, 1, 5, 4, 3]
    # by hand through the table: 10 10 8 8 5 3 0 10 8 5
    # promoters (9–10): 3, passives (7–8): 3, detractors (0–6): 4 → NPS = 100·(3 − 4)/10
    m = recode_map(TABLE_1_5)
    data = load_survey(frame(answers * 3), m)  # 30 responses: the minimum for a figure
    assert data.ltr.tolist() == [10, 10, 8, 8, 5, 3, 0, 10, 8, 5] * 3
    result = jm.fit(m, data)
    assert result.nps.value == pytest.approx(-10.0, abs=1e-12)
    assert (result.nps.promoters, result.nps.passives, result.nps.detractors) == (9, 9, 12)
    said = [w for w in result.warnings if "recoded" in w]
    assert said == ["the recommend answers (column 'ltr') were recoded to 0–10 by the map's "
                    "table (1→0, 2→3, 3→5, 4→8, 5→10); this NPS is not comparable with one "
                    "asked on 0–10."]
    assert said[0] in result.to_dict()["warnings"]


def test_the_recode_table_survives_yaml_and_json_round_trips(tmp_path: Path) -> None:
    m = recode_map(TABLE_1_5)
    assert m.outcome_node.recode == ((1.0, 0), (2.0, 3), (3.0, 5), (4.0, 8), (5.0, 10))
    path = tmp_path / "m.yaml"
    m.to_yaml(path)
    assert JourneyMap.from_yaml(path) == m
    path_json = tmp_path / "m.json"
    m.to_json(path_json)  # JSON keys are text ("1"): read back as the same numbers
    assert JourneyMap.from_yaml(path_json) == m


def test_an_answer_missing_from_the_recode_table_is_refused_naming_it() -> None:
    with pytest.raises(DataValidationError,
                       match=r"column 'ltr'.*does not list: row 2 \(6\).*add the missing"):
        load_survey(frame([5, 6, 1]), recode_map(TABLE_1_5))


def test_blank_answers_stay_blank_through_the_recode() -> None:
    data = load_survey(frame([5.0, np.nan, 1.0]), recode_map(TABLE_1_5))
    assert data.ltr.tolist() == [10, 0]
    assert data.n_responses == 3


@pytest.mark.parametrize(("recode", "match"), [
    ({1: 0, 2: 11}, "whole number 0–10"),
    ({1: 0, 2: 2.5}, "whole number 0–10"),
    ({"one": 0}, "is not a number"),
    ([0, 1, 2], "must be a table"),
])
def test_a_recode_table_that_is_not_answer_to_0_10_is_refused(recode: Any, match: str) -> None:
    with pytest.raises(MapValidationError, match=match):
        recode_map(recode)


def test_recode_on_a_node_other_than_the_outcome_is_refused() -> None:
    with pytest.raises(MapValidationError, match="only the outcome may have 'recode'"):
        JourneyMap.from_dict({
            "outcome": "nps",
            "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
                      {"id": "quote", "kind": "touchpoint", "scale": [1, 5],
                       "recode": {1: 0}}],
            "edges": [["quote", "nps"]]})


def test_answers_that_look_like_a_1_to_5_item_warn_when_the_map_has_no_recode() -> None:
    data = load_survey(frame([5, 4, 3, 2, 1, 5, 4]), recode_map())
    assert any("asked on 1–5" in w for w in data.warnings)


def test_answers_from_1_to_10_without_a_0_warn_and_answers_with_a_0_do_not() -> None:
    m = recode_map()
    counts = np.bincount([1, 3, 10, 9], minlength=11)
    assert any("asked on 1–10" in w for w in outcome_warnings(m, counts))
    assert outcome_warnings(m, np.bincount([0, 1, 3, 10, 9], minlength=11)) == []
    assert outcome_warnings(m, np.bincount([2, 3, 10, 9], minlength=11)) == []
    rare_one = np.bincount([1] + [5, 7, 8, 9, 10] * 40, minlength=11)  # 1 answer in 201
    assert outcome_warnings(m, rare_one) == []


def test_a_streamed_file_is_recoded_as_in_memory(tmp_path: Path) -> None:
    answers = [5, 5, 4, 4, 3, 2, 1, 5, 4, 3] * 5
    path = tmp_path / "survey.csv"
    frame(answers).to_csv(path, index=False)
    m = recode_map(TABLE_1_5)
    streamed = fit_stream(m, path)
    in_memory = jm.fit(m, path)
    assert streamed.nps.value == pytest.approx(in_memory.nps.value, abs=1e-12)
    assert in_memory.nps.value == pytest.approx(-10.0, abs=1e-12)
    assert any("recoded" in w for w in streamed.warnings)
