"""Tests of survey loading: missing answers, composites, alpha, and the data errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journeymap.data import SurveyData, composite, cronbach_alpha, load_survey, read_table
from journeymap.exceptions import DataValidationError, JourneymapError
from journeymap.model import JourneyMap

NAN = math.nan


@pytest.fixture(scope="module")
def tiny_map() -> JourneyMap:
    """nps ← quote (column q_quote), nps ← delivery (items d1, d2, d3); rep acts on quote."""
    return JourneyMap.from_dict({
        "outcome": "nps",
        "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
                  {"id": "rep", "kind": "role"},
                  {"id": "quote", "kind": "touchpoint", "column": "q_quote", "scale": [1, 5]},
                  {"id": "delivery", "kind": "touchpoint", "items": ["d1", "d2", "d3"],
                   "scale": [1, 5]}],
        "edges": [["rep", "quote"], ["quote", "nps"], ["delivery", "nps"]],
    })


def tiny_frame(n: int = 40, seed: int = 0, related_items: bool = True) -> pd.DataFrame:
    """``n`` complete, valid responses for ``tiny_map``.

    The three delivery items differ by at most one point when ``related_items``
    (a coherent composite), else they are independent.
    """
    rng = np.random.default_rng(seed)
    d1 = rng.integers(1, 6, n)
    if related_items:
        d2, d3 = (np.clip(d1 + rng.integers(-1, 2, n), 1, 5) for _ in range(2))
    else:
        d2, d3 = rng.integers(1, 6, n), rng.integers(1, 6, n)
    return pd.DataFrame({"ltr": rng.integers(0, 11, n), "q_quote": rng.integers(1, 6, n),
                         "d1": d1, "d2": d2, "d3": d3})


def data_error(source: str | Path | pd.DataFrame, m: JourneyMap, **kw: str) -> str:
    with pytest.raises(DataValidationError) as info:
        load_survey(source, m, **kw)
    assert isinstance(info.value, JourneymapError)
    return str(info.value)


def sample_variance(xs: list[float]) -> float:
    mean = sum(xs) / len(xs)
    return sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)


# ------------------------------------------------------------------ the example
def test_example_csv_loads_3000_responses(example_map: JourneyMap, example_csv_path: Path,
                                          example_frame: pd.DataFrame) -> None:
    data = load_survey(example_csv_path, example_map)
    assert isinstance(data, SurveyData)
    assert data.n == data.n_responses == 3000
    assert data.node_ids == tuple(n.id for n in example_map.measured_nodes)
    assert data.values.shape == (3000, 12)
    assert data.survey_type == "relational"
    assert data.warnings == ()
    np.testing.assert_array_equal(data.ltr, example_frame["ltr"].to_numpy())
    assert data.ltr.dtype == np.int64
    np.testing.assert_array_equal(data.column("website"), example_frame["q_web"].to_numpy())
    np.testing.assert_array_equal(data.column("nps"), example_frame["ltr"].to_numpy())


def test_example_delivery_composite_is_the_mean_of_at_least_two_answered_items(
        example_map: JourneyMap, example_csv_path: Path, example_frame: pd.DataFrame) -> None:
    data = load_survey(example_csv_path, example_map)
    items = example_frame[["q_del_time", "q_del_complete", "q_del_condition"]]
    expected = items.mean(axis=1).where(items.notna().sum(axis=1) >= 2)
    np.testing.assert_allclose(data.column("delivery"), expected.to_numpy(), rtol=1e-15)
    complete = items.dropna().to_numpy(dtype=float)
    assert data.alphas == {"delivery": pytest.approx(cronbach_alpha(complete), rel=1e-12)}


# ------------------------------------------------------------------ missing answers
MISSING_CSV = """\
response_id,ltr,q_quote,d1,d2,d3
1,9,4,4,NA,5
2,10,NA,4,,N/A
3,3,2,1,2,3
4,7,N/A,n/a,NA,
5,8,,5,5,NA
6,6,n/a,2,4,3
"""
EXPECTED_QUOTE = [4, NAN, 2, NAN, NAN, NAN]
EXPECTED_DELIVERY = [4.5, NAN, 2, NAN, 5, 3]


def test_blank_na_and_n_a_in_a_csv_are_missing_never_zero(tiny_map: JourneyMap,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(MISSING_CSV, encoding="utf-8")
    data = load_survey(path, tiny_map)
    np.testing.assert_array_equal(data.column("quote"), EXPECTED_QUOTE)
    np.testing.assert_array_equal(data.column("delivery"), EXPECTED_DELIVERY)
    np.testing.assert_array_equal(data.ltr, [9, 10, 3, 7, 8, 6])
    assert not (data.values == 0).any()


def test_blank_na_and_n_a_in_a_dataframe_are_missing_never_zero(tiny_map: JourneyMap) -> None:
    frame = pd.DataFrame({
        "ltr": [9, 10, 3, 7, 8, 6],
        "q_quote": [4, "NA", "2", " N/A ", "", "n/a"],
        "d1": ["4", "4", "1", "n/a", "5", "2"],
        "d2": [None, "", 2, "NA", 5, 4],
        "d3": [5, "N/A", 3, np.nan, "NA", 3],
    })
    data = load_survey(frame, tiny_map)
    np.testing.assert_array_equal(data.column("quote"), EXPECTED_QUOTE)
    np.testing.assert_array_equal(data.column("delivery"), EXPECTED_DELIVERY)
    assert not (data.values == 0).any()


def test_a_dataframe_and_its_csv_give_the_same_data(tiny_map: JourneyMap, tmp_path: Path) -> None:
    frame = tiny_frame()
    frame.loc[[2, 5], "q_quote"] = np.nan
    frame.to_csv(tmp_path / "s.csv", index=False)
    frame.to_csv(tmp_path / "s.tsv", index=False, sep="\t")
    frame.to_csv(tmp_path / "semicolons.csv", index=False, sep=";")  # Excel, many locales
    frame.to_csv(tmp_path / "tabs.csv", index=False, sep="\t")
    frame.to_csv(tmp_path / "bom.csv", index=False, encoding="utf-8-sig")
    from_frame = load_survey(frame, tiny_map)
    for name in ("s.csv", "s.tsv", "semicolons.csv", "tabs.csv", "bom.csv"):
        from_file = load_survey(tmp_path / name, tiny_map)
        np.testing.assert_array_equal(from_file.values, from_frame.values)
        np.testing.assert_array_equal(from_file.ltr, from_frame.ltr)


def test_loading_does_not_change_the_callers_dataframe(tiny_map: JourneyMap) -> None:
    frame = tiny_frame().rename(columns={"d3": 7})  # a non-text column name
    frame.index = pd.Index(range(100, 140))
    frame["d3"] = frame[7]
    before = frame.copy()
    load_survey(frame, tiny_map)
    pd.testing.assert_frame_equal(frame, before)


# ------------------------------------------------------------------ composites and alpha
@pytest.mark.parametrize(("items", "expected"), [
    ((4, NAN, 5), 4.5),
    ((4, NAN, NAN), NAN),
    ((1, 2, 3), 2.0),
    ((5, 5, NAN), 5.0),
    ((NAN, NAN, NAN), NAN),
    ((NAN, NAN, 2), NAN),
])
def test_composite_is_the_mean_of_answered_items_when_at_least_half_are_answered(
        tiny_map: JourneyMap, items: tuple[float, float, float], expected: float) -> None:
    frame = pd.DataFrame({"ltr": [8], "q_quote": [3], "d1": [items[0]], "d2": [items[1]],
                          "d3": [items[2]]})
    value = load_survey(frame, tiny_map).column("delivery")[0]
    if math.isnan(expected):
        assert math.isnan(value)
    else:
        assert value == expected
    assert composite(np.array([items], dtype=float))[0] == pytest.approx(expected, nan_ok=True)


def test_composite_of_two_items_needs_one_answer() -> None:
    got = composite(np.array([[4, NAN], [NAN, NAN], [2, 5]], dtype=float))
    np.testing.assert_array_equal(got, [4.0, NAN, 3.5])


def test_cronbach_alpha_matches_a_hand_computation() -> None:
    rows = [[4, 5, 4], [2, 3, 3], [5, 5, 4], [3, 2, 2], [1, 2, 1], [4, 4, 5]]
    k = 3
    item_vars = sum(sample_variance([r[j] for r in rows]) for j in range(k))
    total_var = sample_variance([sum(r) for r in rows])
    by_hand = k / (k - 1) * (1 - item_vars / total_var)
    x = np.array(rows, dtype=float)
    with_numpy = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert by_hand == pytest.approx(with_numpy, rel=1e-12)
    assert cronbach_alpha(x) == pytest.approx(by_hand, rel=1e-12)
    # item variances 13/6 + 19/10 + 13/6 = 187/30, total variance 497/30
    assert by_hand == pytest.approx(3 / 2 * (1 - 187 / 497), rel=1e-12)


def test_cronbach_alpha_uses_the_rows_where_every_item_is_answered() -> None:
    complete = np.array([[4, 5, 4], [2, 3, 3], [5, 5, 4], [3, 2, 2], [1, 2, 1]], dtype=float)
    partial = np.vstack([complete, [[5, NAN, 1], [NAN, NAN, NAN]]])
    assert cronbach_alpha(partial) == pytest.approx(cronbach_alpha(complete), rel=1e-12)


@pytest.mark.parametrize("items", [
    np.array([[1.0], [2.0], [3.0]]),                 # one item
    np.array([[1.0, 2.0], [NAN, 3.0]]),              # one complete row
    np.array([[3.0, 3.0], [3.0, 3.0], [3.0, 3.0]]),  # no variance
])
def test_cronbach_alpha_is_nan_when_it_cannot_be_computed(items: np.ndarray) -> None:
    assert math.isnan(cronbach_alpha(items))


def test_load_survey_reports_alpha_of_each_composite(tiny_map: JourneyMap) -> None:
    frame = tiny_frame(60, seed=4)
    data = load_survey(frame, tiny_map)
    x = frame[["d1", "d2", "d3"]].to_numpy(dtype=float)
    assert data.alphas["delivery"] == pytest.approx(cronbach_alpha(x), rel=1e-12)
    assert data.alphas["delivery"] > 0.6
    assert data.warnings == ()


def test_items_that_do_not_hang_together_are_warned_about(tiny_map: JourneyMap) -> None:
    data = load_survey(tiny_frame(300, seed=7, related_items=False), tiny_map)
    assert data.alphas["delivery"] < 0.6
    (warning,) = data.warnings
    assert "the items of 'delivery' (d1, d2, d3)" in warning
    assert f"Cronbach's alpha {data.alphas['delivery']:.2f} (below 0.6)" in warning


# ------------------------------------------------------------------ value errors
def test_text_in_a_rating_column_names_column_row_and_value(tiny_map: JourneyMap) -> None:
    frame = tiny_frame()
    frame["q_quote"] = frame["q_quote"].astype(object)
    frame.loc[3, "q_quote"] = "good"
    message = data_error(frame, tiny_map)
    assert "column 'q_quote' (node 'quote') has text where a number is expected" in message
    assert "row 4 ('good')" in message
    assert "leave the cell blank (or NA / N/A)" in message


def test_text_in_a_csv_rating_names_the_data_row(tiny_map: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text("ltr,q_quote,d1,d2,d3\n9,4,4,4,4\n8,good,3,3,3\n7,3,excellent,3,3\n",
                    encoding="utf-8")
    message = data_error(path, tiny_map)
    assert "column 'q_quote'" in message
    assert "row 2 ('good')" in message


@pytest.mark.parametrize(("value", "shown", "rule"), [
    (11, "row 3 (11)", "must hold whole numbers 0–10"),
    (-1, "row 3 (-1)", "must hold whole numbers 0–10"),
    (7.5, "row 3 (7.5)", "must hold whole numbers 0–10"),
], ids=["ltr-11", "ltr-minus-1", "ltr-7.5"])
def test_ltr_outside_0_to_10_or_not_whole_is_an_error(tiny_map: JourneyMap, value: float,
                                                      shown: str, rule: str) -> None:
    frame = tiny_frame()
    frame["ltr"] = frame["ltr"].astype(float)
    frame.loc[2, "ltr"] = value
    message = data_error(frame, tiny_map)
    assert "column 'ltr' (the recommend question)" in message
    assert rule in message
    assert shown in message
    assert "np.float64" not in message


def test_ltr_11_in_a_csv_is_an_error(tiny_map: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text("ltr,q_quote,d1,d2,d3\n9,4,4,4,4\n11,3,3,3,3\n", encoding="utf-8")
    message = data_error(path, tiny_map)
    assert "column 'ltr'" in message
    assert "row 2 (11)" in message


def test_rating_outside_its_scale_names_column_row_value_and_scale(tiny_map: JourneyMap) -> None:
    frame = tiny_frame()
    frame.loc[4, "q_quote"] = 6
    message = data_error(frame, tiny_map)
    assert "column 'q_quote' (node 'quote') has values outside its scale 1–5" in message
    assert "row 5 (6)" in message
    assert "Fix the data or the node's 'scale' in the map" in message


def test_item_outside_its_scale_names_the_item_column(tiny_map: JourneyMap) -> None:
    frame = tiny_frame()
    frame.loc[0, "d2"] = 0
    message = data_error(frame, tiny_map)
    assert "column 'd2' (node 'delivery') has values outside its scale 1–5: row 1 (0)" in message


def test_many_bad_rows_show_the_first_five_and_count_the_rest(tiny_map: JourneyMap) -> None:
    frame = tiny_frame()
    frame.loc[[1, 3, 5, 7, 9, 11, 13], "q_quote"] = 9
    message = data_error(frame, tiny_map)
    assert "row 2 (9), row 4 (9), row 6 (9), row 8 (9), row 10 (9) and 2 more" in message


def test_infinite_and_true_false_ratings_are_errors(tiny_map: JourneyMap) -> None:
    frame = tiny_frame().astype({"q_quote": float})
    frame.loc[1, "q_quote"] = np.inf
    assert "column 'q_quote' (node 'quote') has infinite values: row 2 (inf)" in data_error(
        frame, tiny_map)
    frame["q_quote"] = True
    assert "holds true/false values, not ratings" in data_error(frame, tiny_map)


def test_missing_column_suggests_the_close_name(tiny_map: JourneyMap) -> None:
    frame = tiny_frame().rename(columns={"q_quote": "q_qoute", "d2": "d_2"})
    message = data_error(frame, tiny_map)
    assert "the map needs columns that the data do not have" in message
    assert "'q_quote' for node 'quote' (did you mean 'q_qoute'?)" in message
    assert "'d2' for node 'delivery'" in message
    assert "The data have: ltr, q_qoute, d1, d_2, d3." in message


# ------------------------------------------------------------------ file errors
def test_empty_data_file_is_an_error(tiny_map: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    message = data_error(path, tiny_map)
    assert message.startswith(f"{path}: the file is empty")


def test_data_file_of_blank_lines_is_an_error(tiny_map: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("\n \n\n", encoding="utf-8")
    assert data_error(path, tiny_map).startswith(f"{path}: cannot read this file")


def test_header_only_file_has_no_responses(tiny_map: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("ltr,q_quote,d1,d2,d3\n", encoding="utf-8")
    assert data_error(path, tiny_map) == f"{path}: there are no responses (no data rows)."


def test_binary_data_file_is_an_error(tiny_map: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 16)
    message = data_error(path, tiny_map)
    assert "this is not a text CSV file" in message
    assert "save the survey as CSV (UTF-8), Parquet or Excel" in message


def test_data_file_saved_in_the_windows_code_page_is_read_as_cp1252(
        tiny_map: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("ltr,q_quote,d1,d2,d3,kommentar\n9,4,4,4,4,bra säljare – €\n"
                     .encode("cp1252"))
    assert read_table(path)["kommentar"].tolist() == ["bra säljare – €"]
    assert load_survey(path, tiny_map).ltr.tolist() == [9]


def test_data_file_that_turns_out_not_utf8_after_the_first_64_kb_is_an_error(
        tiny_map: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(("ltr,q_quote,d1,d2,d3,kommentar\n" + "9,4,4,4,4,bra\n" * 7000).encode()
                     + "9,4,4,4,4,säljare\n".encode("latin-1"))
    assert "the file is not UTF-8 text" in data_error(path, tiny_map)


@pytest.mark.parametrize("name", ["garbage.parquet", "garbage.xlsx"])
def test_unreadable_parquet_or_excel_is_an_error(tiny_map: JourneyMap, tmp_path: Path,
                                                 name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"this is not what the suffix says" * 10)
    assert data_error(path, tiny_map).startswith(f"{path}: cannot read this file as a")


def test_missing_data_file_is_an_error(tiny_map: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    assert data_error(path, tiny_map) == f"{path}: no such data file."
    assert data_error(tmp_path, tiny_map) == f"{tmp_path}: is a folder, not a data file."


# ------------------------------------------------------------------ survey types
def mixed_frame(n_relational: int = 30, n_transactional: int = 12) -> pd.DataFrame:
    frame = tiny_frame(n_relational + n_transactional, seed=2)
    frame["survey_type"] = ["transactional"] * n_transactional + ["relational"] * n_relational
    return frame.sample(frac=1.0, random_state=5).reset_index(drop=True)


def test_mixed_survey_types_without_a_choice_are_an_error(tiny_map: JourneyMap) -> None:
    message = data_error(mixed_frame(30, 12), tiny_map)
    assert "the data mix 30 relational and 12 transactional responses" in message
    assert "never pooled" in message
    assert "--survey-type relational or --survey-type transactional" in message


@pytest.mark.parametrize("kind", ["relational", "transactional"])
def test_a_survey_type_filter_keeps_only_that_type(tiny_map: JourneyMap, kind: str) -> None:
    frame = mixed_frame(30, 12)
    data = load_survey(frame, tiny_map, survey_type=kind)
    chosen = frame[frame["survey_type"] == kind]
    assert data.survey_type == kind
    assert data.n_responses == data.n == len(chosen) == (30 if kind == "relational" else 12)
    np.testing.assert_array_equal(data.ltr, chosen["ltr"].to_numpy())
    np.testing.assert_array_equal(data.column("quote"), chosen["q_quote"].to_numpy())


def test_survey_types_are_read_without_regard_to_case_or_spaces(tiny_map: JourneyMap) -> None:
    frame = tiny_frame(12)
    frame["survey_type"] = [" Relational", "TRANSACTIONAL "] * 6
    assert load_survey(frame, tiny_map, survey_type="transactional").n == 6


def test_an_unknown_survey_type_option_is_an_error(tiny_map: JourneyMap) -> None:
    message = data_error(mixed_frame(), tiny_map, survey_type="nps")
    assert message == "survey type must be one of relational, transactional, not 'nps'."


def test_an_unknown_survey_type_value_in_the_data_is_an_error(tiny_map: JourneyMap) -> None:
    frame = tiny_frame(10)
    frame["survey_type"] = ["relational"] * 8 + ["web", "relational"]
    message = data_error(frame, tiny_map)
    assert "column 'survey_type' must be relational or transactional: row 9 ('web')" in message


def test_a_survey_type_asked_of_data_without_the_column_is_an_error(tiny_map: JourneyMap) -> None:
    message = data_error(tiny_frame(), tiny_map, survey_type="relational")
    assert "the data have no 'survey_type' column" in message


def test_a_survey_type_with_no_responses_is_an_error(tiny_map: JourneyMap) -> None:
    frame = tiny_frame(10)
    frame["survey_type"] = "relational"
    message = data_error(frame, tiny_map, survey_type="transactional")
    assert "no responses of survey type 'transactional'" in message


def test_bad_rows_are_numbered_as_in_the_data_after_a_survey_type_filter(
        tiny_map: JourneyMap) -> None:
    frame = tiny_frame(20)
    frame["survey_type"] = ["transactional"] * 10 + ["relational"] * 10
    frame.loc[14, "q_quote"] = 8
    message = data_error(frame, tiny_map, survey_type="relational")
    assert "row 15 (8)" in message


# ------------------------------------------------------------------ blank LTR
def test_rows_with_blank_ltr_are_left_out_and_counted_in_a_warning(tiny_map: JourneyMap) -> None:
    frame = tiny_frame(10).astype({"ltr": "Int64"})
    frame.loc[[1, 4, 8], "ltr"] = pd.NA
    data = load_survey(frame, tiny_map)
    keep = frame["ltr"].notna().to_numpy()
    assert data.n_responses == 10
    assert data.n == 7
    assert data.values.shape == (7, 3)
    np.testing.assert_array_equal(data.ltr, frame["ltr"][keep].astype(int).to_numpy())
    np.testing.assert_array_equal(data.column("quote"), frame["q_quote"][keep].to_numpy())
    assert data.warnings == ("3 of 10 responses have no recommend (0–10) answer and are left out "
                             "of everything.",)


def test_blank_ltr_written_as_na_in_a_csv_is_left_out(tiny_map: JourneyMap,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text("ltr,q_quote,d1,d2,d3\n9,4,4,4,4\nNA,3,3,3,3\n,2,2,2,2\nN/A,1,1,1,1\n"
                    "0,5,5,5,5\n", encoding="utf-8")
    data = load_survey(path, tiny_map)
    assert (data.n_responses, data.n) == (5, 2)
    np.testing.assert_array_equal(data.ltr, [9, 0])
    assert data.warnings[0].startswith("3 of 5 responses have no recommend")


def test_every_row_with_blank_ltr_is_an_error(tiny_map: JourneyMap) -> None:
    frame = tiny_frame(10).astype({"ltr": float})
    frame["ltr"] = np.nan
    message = data_error(frame, tiny_map)
    assert "every row has a blank recommend answer (column 'ltr')" in message


# ------------------------------------------------------------------ other formats
def test_parquet_round_trip_gives_identical_values(example_map: JourneyMap,
                                                   example_frame: pd.DataFrame,
                                                   example_csv_path: Path,
                                                   tmp_path: Path) -> None:
    path = tmp_path / "survey.parquet"
    example_frame.to_parquet(path)
    from_csv = load_survey(example_csv_path, example_map)
    from_parquet = load_survey(path, example_map)
    np.testing.assert_array_equal(from_parquet.values, from_csv.values)
    np.testing.assert_array_equal(from_parquet.ltr, from_csv.ltr)
    assert from_parquet.n_responses == 3000


def test_excel_round_trip_gives_identical_values(example_map: JourneyMap,
                                                 example_frame: pd.DataFrame,
                                                 example_csv_path: Path,
                                                 tmp_path: Path) -> None:
    path = tmp_path / "survey.xlsx"
    example_frame.to_excel(path, index=False)
    from_csv = load_survey(example_csv_path, example_map)
    from_excel = load_survey(path, example_map)
    np.testing.assert_array_equal(from_excel.values, from_csv.values)
    np.testing.assert_array_equal(from_excel.ltr, from_csv.ltr)
    assert from_excel.n_responses == 3000


def test_excel_cells_with_na_text_are_missing(tiny_map: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "survey.xlsx"
    pd.DataFrame({"ltr": [9, 7, 3], "q_quote": [4, "N/A", "NA"], "d1": [4, 3, "n/a"],
                  "d2": [4, 3, 2], "d3": [4, None, 2]}).to_excel(path, index=False)
    data = load_survey(path, tiny_map)
    np.testing.assert_array_equal(data.column("quote"), [4, NAN, NAN])
    np.testing.assert_array_equal(data.column("delivery"), [4, 3, 2])
