"""Arrow record batches are checked like DataFrames: same numbers, same messages.

:func:`journeymap.sources._arrow.check_batch` is a faster way to apply the data rules
to batches of plain numbers; the reference here is :func:`journeymap.data.check_frame`
on the same rows as a DataFrame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from reference import assert_same_numbers

from journeymap import JourneyMap
from journeymap import data as data_module
from journeymap.data import CheckedChunk, check_frame
from journeymap.datasets import example_map, simulate
from journeymap.exceptions import DataValidationError
from journeymap.sources import _arrow
from journeymap.sources._arrow import check_batch

OFFSET = 5000  # the batch's first row is row 5001 of its file


@pytest.fixture(scope="module")
def jmap() -> JourneyMap:
    return example_map()


def responses(m: JourneyMap, n: int = 400, seed: int = 3, missing: float = 0.0) -> pd.DataFrame:
    gaps = {node.id: missing for node in m.measured_nodes if node.id != m.outcome}
    df = simulate(m, n, seed, missing=gaps if missing else None).data
    cols = [c for node in m.measured_nodes for c in node.columns]
    return df[cols].reset_index(drop=True)


def reference(frame: pd.DataFrame, m: JourneyMap, survey_type: str | None = None
              ) -> CheckedChunk:
    frame = frame.copy()
    frame.index = pd.RangeIndex(OFFSET, OFFSET + len(frame))
    return check_frame(frame, m, name="f.parquet", survey_type=survey_type)


def assert_same(a: CheckedChunk, b: CheckedChunk) -> None:
    assert a.node_ids == b.node_ids
    np.testing.assert_array_equal(a.values, b.values)  # NaN where NaN, values exactly
    np.testing.assert_array_equal(a.ltr, b.ltr)
    assert a.n_rows == b.n_rows
    assert a.integer == b.integer
    assert a.survey_type == b.survey_type
    assert a.item_moments.keys() == b.item_moments.keys()
    for key in a.item_moments:
        np.testing.assert_array_equal(a.item_moments[key], b.item_moments[key])


def no_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the pandas path fail loudly, to show a batch took the Arrow path."""
    def refuse(*args: Any, **kwargs: Any) -> CheckedChunk:
        raise AssertionError("the general path was used")
    monkeypatch.setattr(_arrow, "check_frame", refuse)


def variants(m: JourneyMap) -> dict[str, pd.DataFrame]:
    whole = responses(m)
    gaps = responses(m, missing=0.2)
    floats = whole.astype("float64")
    floats.loc[7, "q_quote"] = 3.5  # a rating that is itself an average
    small = whole.astype("int8")
    blank_ltr = gaps.copy()
    blank_ltr["ltr"] = blank_ltr["ltr"].astype("Int64")
    blank_ltr.loc[[0, 9, 10], "ltr"] = pd.NA
    typed = whole.copy()
    typed["survey_type"] = " Relational "
    typed.loc[3, "survey_type"] = None
    return {"integers": whole, "gaps": gaps, "floats": floats, "int8": small,
            "blank ltr": blank_ltr, "one survey type": typed}


@pytest.mark.parametrize("name", ["integers", "gaps", "floats", "int8", "blank ltr",
                                  "one survey type"])
def test_plain_number_batches_take_the_arrow_path_and_equal_check_frame(
        jmap: JourneyMap, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = variants(jmap)[name]
    want = reference(frame, jmap)
    batch = pa.RecordBatch.from_pandas(frame, preserve_index=False)
    no_general_path(monkeypatch)
    got = check_batch(batch, jmap, name="f.parquet", offset=OFFSET)
    assert_same(got, want)
    if name == "gaps":
        assert np.isnan(got.values).any()  # not experienced stays missing, never 0
    if name == "one survey type":
        assert got.survey_type == "relational"


def with_cells(base: pd.DataFrame, *cells: tuple[str, int, Any, str]) -> pd.DataFrame:
    """A copy with (column, row, value, column dtype) cells set."""
    f = base.copy()
    for col, row, value, dtype in cells:
        f[col] = f[col].astype(dtype)
        f.loc[row, col] = value
    return f


def bad_frames(m: JourneyMap) -> dict[str, pd.DataFrame]:
    base = responses(m, missing=0.1)
    typed = base.assign(survey_type="relational")
    return {
        "off the scale": with_cells(base, ("q_web", 123, 6.0, "float64")),
        # an item off the scale inside a composite
        "item off the scale": with_cells(base, ("q_del_time", 5, 0.0, "float64")),
        "fractional ltr": with_cells(base, ("ltr", 44, 7.5, "float64")),
        # off the scale in a row whose LTR is blank
        "off the scale, blank ltr": with_cells(base, ("ltr", 2, pd.NA, "Int64"),
                                               ("q_brand", 2, 9.0, "float64")),
        "infinite": with_cells(base, ("q_quote", 300, np.inf, "float64")),
        "text": with_cells(base, ("q_order", 17, "good", "string")),
        "true/false": base.assign(q_ease=base["q_ease"] > 3),
        "mixed survey types": with_cells(typed, ("survey_type", 250, "transactional", "object")),
        "unknown survey type": with_cells(typed, ("survey_type", 8, "weekly", "object")),
    }


EXPECTED = {  # 0-based row r of the batch is row OFFSET + r + 1 of the file
    "off the scale": "row 5124 (6)", "item off the scale": "row 5006 (0)",
    "fractional ltr": "row 5045 (7.5)", "off the scale, blank ltr": "row 5003 (9)",
    "infinite": "row 5301 (inf)", "text": "row 5018 ('good')", "true/false": "true/false",
    "mixed survey types": "399 relational and 1 transactional",
    "unknown survey type": "row 5009 ('weekly')"}


@pytest.mark.parametrize("name", ["off the scale", "item off the scale", "fractional ltr",
                                  "off the scale, blank ltr", "infinite", "text", "true/false",
                                  "mixed survey types", "unknown survey type"])
def test_a_bad_batch_gets_the_message_of_check_frame_with_rows_of_the_whole_file(
        jmap: JourneyMap, name: str) -> None:
    frame = bad_frames(jmap)[name]
    with pytest.raises(DataValidationError) as want:
        reference(frame, jmap)
    batch = pa.RecordBatch.from_pandas(frame, preserve_index=False)
    with pytest.raises(DataValidationError) as got:
        check_batch(batch, jmap, name="f.parquet", offset=OFFSET)
    assert str(got.value) == str(want.value)
    assert EXPECTED[name] in str(got.value)


def test_a_chosen_survey_type_filters_rows_as_check_frame_does(jmap: JourneyMap) -> None:
    frame = responses(jmap, missing=0.1)
    frame["survey_type"] = np.where(np.arange(len(frame)) % 3 == 0, "transactional",
                                    "relational")
    want = reference(frame, jmap, survey_type="transactional")
    got = check_batch(pa.RecordBatch.from_pandas(frame, preserve_index=False), jmap,
                      name="f.parquet", offset=OFFSET, survey_type="transactional")
    assert_same(got, want)
    assert got.n_rows == len(range(0, len(frame), 3))


def test_the_arrow_path_reuses_the_shared_chunk_assembly() -> None:
    """Both paths assemble chunks with the same function (one set of rules)."""
    assert _arrow.checked_chunk is data_module.checked_chunk


def test_the_cli_default_chunk_size_is_the_library_default() -> None:
    """The CLI keeps its own copy (so that ``journeymap --help`` does not import pandas)."""
    from journeymap.cli._run import CHUNK_ROWS
    from journeymap.sources import DEFAULT_CHUNK_ROWS

    assert CHUNK_ROWS == DEFAULT_CHUNK_ROWS == 50_000


SMALL_MAP = {
    "schema_version": 1, "name": "whole numbers", "outcome": "nps",
    "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
              {"id": "quote", "kind": "touchpoint", "scale": [1, 5]},
              {"id": "delivery", "kind": "touchpoint", "scale": [1, 5]},
              {"id": "ease", "kind": "factor", "scale": [1, 7]},
              {"id": "installer", "kind": "role"},
              {"id": "sales", "kind": "role"}],
    "edges": [["sales", "quote"], ["installer", "delivery"], ["installer", "quote"],
              ["quote", "ease"], ["delivery", "ease"], ["ease", "nps"], ["delivery", "nps"]],
}


@pytest.mark.parametrize("missing", [0.0, 0.25])
def test_whole_number_batches_stream_as_float32_to_the_in_memory_numbers(
        tmp_path: Any, missing: float) -> None:
    """A map without composites and integer ratings: chunks are stored as float32 (exact),
    and the streamed fit equals the in-memory fit (float64) to 1e-9, and bootstrap intervals
    equal those of float64 chunks of the same rows."""
    import pyarrow.parquet as pq

    from journeymap import (
        fit,
        fit_stream,  # the front door: with the map check, as fit
    )

    m = JourneyMap.from_dict(SMALL_MAP)
    df = simulate(m, 30_000, 8, missing=dict.fromkeys(("quote", "delivery", "ease"), missing)
                  if missing else None).data
    cols = [c for node in m.measured_nodes for c in node.columns]
    path = tmp_path / "whole.parquet"
    pq.write_table(pa.Table.from_pandas(df[cols], preserve_index=False), path)
    batch = next(pq.ParquetFile(path).iter_batches(batch_size=5000))
    assert check_batch(batch, m, name="w", offset=0).values.dtype == np.float32
    assert_same_numbers(fit(m, df, se="classical").to_dict(),
                        fit_stream(m, path, chunk_rows=7000, se="classical").to_dict())
    # bootstrap groups depend on the chunks: float64 DataFrame chunks of the same rows
    frames = [df[cols].iloc[i:i + 7000] for i in range(0, len(df), 7000)]
    assert_same_numbers(
        fit_stream(m, frames, bootstrap=50, random_state=3).to_dict(),
        fit_stream(m, path, chunk_rows=7000, bootstrap=50, random_state=3).to_dict())


TEXT_CELLS = ["4", "4.0", " 4 ", "+4", "4.", ".4e1", "1e0", "3.5", "", "nan", "NaN", "inf",
              "-Infinity", "0x4", "1_0", "1,5", "4 4", "٤", "4e", "--4", "1.2.3", "N/A", "na",
              " NA ", "5e-1"]


@pytest.mark.parametrize("cell", TEXT_CELLS)
def test_text_cells_of_a_csv_batch_are_read_as_check_frame_reads_them(
        jmap: JourneyMap, cell: str) -> None:
    """CSV cells arrive as text: Arrow parses plain numbers itself, and every cell it would
    read differently goes to check_frame — same numbers, or the same error."""
    frame = responses(jmap).astype(str).astype(object)
    frame.loc[3, "q_quote"] = cell
    frame.loc[7, "q_quote"] = None  # a blank cell (null in the CSV reader)
    batch = pa.RecordBatch.from_pandas(frame, preserve_index=False,
                                       schema=pa.schema([(c, pa.string()) for c in frame]))
    assert outcome(lambda: check_batch(batch, jmap, name="f.parquet", offset=OFFSET)) \
        == outcome(lambda: reference(frame, jmap))


def outcome(check: Any) -> tuple[Any, ...]:
    """What a check gives: its chunk's numbers, or its error message."""
    try:
        c = check()
    except DataValidationError as exc:
        return ("error", str(exc))
    return ("chunk", c.values.tobytes(), c.values.dtype.str, c.ltr.tobytes(), c.n_rows,
            c.integer, c.survey_type)


def test_a_clean_text_batch_takes_the_arrow_path(jmap: JourneyMap,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    frame = responses(jmap, missing=0.2)
    text = frame.astype("string").astype(object).where(frame.notna(), None)
    batch = pa.RecordBatch.from_pandas(text, preserve_index=False,
                                       schema=pa.schema([(c, pa.string()) for c in text]))
    want = reference(frame, jmap)
    no_general_path(monkeypatch)
    assert_same(check_batch(batch, jmap, name="f.parquet", offset=OFFSET), want)
