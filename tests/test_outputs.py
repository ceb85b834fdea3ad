"""Tests of journeymap.outputs: spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
import math

import pytest

from journeymap.outputs import csv_text, spreadsheet_safe

FORMULAS = ["=1+1", '+HYPERLINK("http://evil.example","click")', "@SUM(A1:A9)", "-2+3",
            "=cmd|' /C calc'!A0", "\tleading tab", "\rleading return"]


def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# ====================================================================== spreadsheet_safe
@pytest.mark.parametrize("payload", FORMULAS)
def test_formula_like_text_gets_a_leading_apostrophe(payload: str) -> None:
    assert spreadsheet_safe(payload) == "'" + payload


@pytest.mark.parametrize("number", [-2, -2.5, 0, 3, -1e-3])
def test_numbers_stay_numbers(number: float) -> None:
    assert spreadsheet_safe(number) == number
    assert type(spreadsheet_safe(number)) is type(number)


@pytest.mark.parametrize("text", ["-2", "+1.5", "-3e4", "-.5", "12", "Delivery on time",
                                  "a=b", ""])
def test_plain_numbers_and_ordinary_text_are_unchanged(text: str) -> None:
    assert spreadsheet_safe(text) == text


@pytest.mark.parametrize("text", ["-2-", "-2e", "--2", "+", "-", "=", "@"])
def test_text_that_only_looks_like_the_start_of_a_number_is_neutralised(text: str) -> None:
    assert spreadsheet_safe(text) == "'" + text


# ====================================================================== csv_text
def test_every_formula_payload_reads_back_as_text_with_the_apostrophe() -> None:
    rows = [{"response_id": p, "label": p, "effect": -0.25} for p in FORMULAS]
    got = read_back(csv_text(rows))
    assert got[0] == ["response_id", "label", "effect"]
    assert got[1:] == [["'" + p, "'" + p, "-0.25"] for p in FORMULAS]


def test_missing_values_are_blank_and_lists_are_json() -> None:
    rows = [{"a": None, "b": math.nan, "c": ["x", "y"], "d": True, "e": 3}]
    assert read_back(csv_text(rows)) == [["a", "b", "c", "d", "e"],
                                         ["", "", '["x", "y"]', "True", "3"]]


def test_a_list_whose_json_starts_like_a_formula_is_not_neutralised_needlessly() -> None:
    # JSON of a list starts with "[", which no spreadsheet reads as a formula.
    assert read_back(csv_text([{"path": ["=a"]}]))[1] == ['["=a"]']


def test_columns_give_the_order_and_blank_out_missing_keys() -> None:
    text = csv_text([{"b": 1, "a": "x"}, {"a": "y"}], columns=["a", "b"])
    assert text == "a,b\nx,1\ny,\n"


def test_headers_are_neutralised_too() -> None:
    assert read_back(csv_text([{"=x": 1}]))[0] == ["'=x"]


def test_no_rows_and_no_columns_give_an_empty_text() -> None:
    assert csv_text([]) == ""
    assert csv_text([], columns=["a"]) == "a\n"


def test_pandas_missing_values_are_blank() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "s": ["=1", None]})
    got = read_back(csv_text(frame.to_dict(orient="records"), list(frame.columns)))
    assert got == [["n", "s"], ["1", "'=1"], ["", ""]]


def test_line_breaks_and_quotes_inside_cells_read_back_intact() -> None:
    rows = [{"note": 'say "hi"\rthen\nbye', "other": "a,b"}, {"note": "", "other": ""}]
    assert read_back(csv_text(rows)) == [["note", "other"], ['say "hi"\rthen\nbye', "a,b"],
                                         ["", ""]]


def test_ordinary_rows_are_written_as_the_csv_module_writes_them() -> None:
    rows = [{"node": "quote", "label": "Quote, clear", "total": 0.125, "n": 812},
            {"node": "delivery", "label": 'On "time"', "total": -1.5, "n": 7}]
    expected = io.StringIO()
    writer = csv.DictWriter(expected, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    assert csv_text(rows) == expected.getvalue()
