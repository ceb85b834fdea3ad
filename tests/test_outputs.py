"""Tests of journeymap.outputs: refusing inputs, atomic writes, spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from journeymap.exceptions import DataValidationError
from journeymap.outputs import (
    csv_text,
    refuse_inputs,
    same_file,
    spreadsheet_safe,
    write_atomic,
)

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


# ====================================================================== same_file, refuse_inputs
@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "twin.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("spelling", ["data.csv", "./data.csv", "sub/../data.csv",
                                      "{abs}/data.csv", "{abs}/./sub/../data.csv"])
def test_the_same_file_spelled_differently_is_the_same_file(folder: Path,
                                                           spelling: str) -> None:
    assert same_file(spelling.format(abs=folder), "data.csv")


def test_links_reach_the_same_file(folder: Path) -> None:
    (folder / "soft.csv").symlink_to(folder / "data.csv")
    os.link(folder / "data.csv", folder / "hard.csv")
    (folder / "sub" / "rel.csv").symlink_to(Path("..") / "data.csv")
    assert same_file("soft.csv", "data.csv")
    assert same_file("hard.csv", "data.csv")
    assert same_file("sub/rel.csv", "./data.csv")
    assert same_file("data.csv", "hard.csv")


def test_other_files_are_other_files(folder: Path) -> None:
    assert not same_file("twin.csv", "data.csv")  # same content, another file
    assert not same_file("new.csv", "data.csv")   # does not exist yet
    assert not same_file("sub", "data.csv")


def test_a_dangling_link_to_an_input_that_does_not_exist_yet_is_still_caught(
        folder: Path) -> None:
    (folder / "later.svg").symlink_to(folder / "later.yaml")
    assert same_file("later.svg", "later.yaml")


def test_refuse_inputs_names_the_output_and_the_input(folder: Path) -> None:
    os.link(folder / "data.csv", folder / "out.csv")
    with pytest.raises(DataValidationError) as caught:
        refuse_inputs("out.csv", "map.yaml", None, "data.csv")
    assert str(caught.value) == (
        "the output 'out.csv' is an input of this command (as 'data.csv'); writing it would "
        "destroy the input. Choose another output file (nothing was written).")
    with pytest.raises(DataValidationError) as same:
        refuse_inputs("data.csv", "data.csv")
    assert str(same.value).startswith("the output 'data.csv' is an input of this command; ")
    refuse_inputs("twin.csv", "data.csv", None)
    refuse_inputs(None, "data.csv")


# ====================================================================== write_atomic
def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_write_atomic_writes_text_and_bytes_with_mode_0644(tmp_path: Path) -> None:
    with umask(0o022):
        assert write_atomic(tmp_path / "a.txt", "Kök − 1\n") == tmp_path / "a.txt"
        write_atomic(tmp_path / "b.bin", b"\x00\xff")
    assert (tmp_path / "a.txt").read_bytes() == "Kök − 1\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert _mode(tmp_path / "a.txt") == _mode(tmp_path / "b.bin") == 0o644
    assert _listing(tmp_path) == ["a.txt", "b.bin"]


def test_a_restrictive_umask_is_never_widened(tmp_path: Path) -> None:
    with umask(0o077):
        write_atomic(tmp_path / "calls.csv", "response_id\n1\n")
    assert _mode(tmp_path / "calls.csv") == 0o600


def test_replacing_a_file_keeps_its_permission_bits(tmp_path: Path) -> None:
    target = tmp_path / "calls.csv"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o600)
    with umask(0o022):
        write_atomic(target, "new\n")
    assert _mode(target) == 0o600
    assert target.read_text(encoding="utf-8") == "new\n"


def test_a_mode_the_caller_asks_for_is_set_exactly(tmp_path: Path) -> None:
    with umask(0o022):
        write_atomic(tmp_path / "a", "x", mode=0o640)
        write_atomic(tmp_path / "b", "x", mode=0o600)
    (tmp_path / "c").write_text("old", encoding="utf-8")
    (tmp_path / "c").chmod(0o644)
    write_atomic(tmp_path / "c", "x", mode=0o600)
    assert [_mode(tmp_path / n) for n in "abc"] == [0o640, 0o600, 0o600]


def test_write_atomic_replaces_an_existing_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("x" * 10_000, encoding="utf-8")
    write_atomic(target, "{}\n")
    assert target.read_text(encoding="utf-8") == "{}\n"


def test_write_atomic_through_a_symbolic_link_replaces_the_file_it_points_to(
        tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "out.txt").write_text("old", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real" / "out.txt")
    write_atomic(tmp_path / "link.txt", "new")
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "real" / "out.txt").read_text(encoding="utf-8") == "new"


@pytest.mark.parametrize("where", ["os.fsync", "os.replace", "os.fchmod"])
@pytest.mark.parametrize("error", [OSError(28, "No space left on device"),
                                   KeyboardInterrupt()])
def test_a_crash_mid_write_keeps_the_old_file_and_leaves_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str,
        error: BaseException) -> None:
    target = tmp_path / "result.json"
    target.write_text("old result\n", encoding="utf-8")

    def crash(*args: object) -> None:
        raise error

    monkeypatch.setattr(f"journeymap.outputs.{where}", crash)
    with pytest.raises(type(error)):
        write_atomic(target, "new result\n" * 1000)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old result\n"
    assert _listing(tmp_path) == ["result.json"]


def test_a_missing_folder_is_reported_with_the_file_asked_for(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        write_atomic(tmp_path / "nowhere" / "x.csv", "a")
    assert caught.value.filename == str(tmp_path / "nowhere" / "x.csv")
