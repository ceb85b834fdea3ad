"""Streaming sources give the numbers of an in-memory fit, and the same errors.

Every source (CSV, TSV, Parquet, a DuckDB database file with a query, a DuckDB
in-memory query over Parquet, an iterable of DataFrames) is fitted chunk by chunk
with :func:`journeymap.engines.fit_stream` and compared, number by number, with
:func:`journeymap.fit` on the whole DataFrame held in memory.  The survey is the
example map's simulation with blanks in several nodes, blank LTR answers, a
composite whose items do not hang together, and one rating that is an average.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from reference import assert_same_numbers

import journeymap as jm
from journeymap.data import load_survey
from journeymap.datasets import EXAMPLE_MISSING, example_map, simulate
from journeymap.engines import FitResult, fit_stream
from journeymap.exceptions import DataValidationError
from journeymap.model import JourneyMap

N = 3000
N_BLANK_LTR = 40
MISSING = {**EXAMPLE_MISSING, "delivery": 0.15, "no_errors": 0.05}
SOURCES = ("csv", "tsv", "parquet", "duckdb_file", "duckdb_query", "frames")
# 1000 divides the 3000 rows; 777 and 64 do not; 5000 is one chunk for everything.
CHUNK_ROWS = (1000, 777, 64, 5000)
REL = 1e-9
ABS = 1e-12

Progress = list[tuple[int, int | None]]


# ---------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def jmap() -> JourneyMap:
    return example_map()


def make_survey(m: JourneyMap, seed: int = 11) -> pd.DataFrame:
    """3000 responses with blanks, blank LTRs, an incoherent composite and a 3.5 rating."""
    df = simulate(m, N, seed, missing=MISSING).data
    rng = np.random.default_rng(seed + 1)
    # two of the three delivery items shuffled: they no longer measure one thing (low alpha)
    for col in ("q_del_complete", "q_del_condition"):
        df[col] = df[col].iloc[rng.permutation(N)].reset_index(drop=True)
    blank = np.zeros(N, dtype=bool)
    blank[rng.choice(N, N_BLANK_LTR, replace=False)] = True
    df["ltr"] = df["ltr"].astype("Int64").mask(blank)
    df["q_quote"] = df["q_quote"].astype("float64")
    df.loc[2890, "q_quote"] = 3.5  # a rating that is itself an average, in the last chunk
    return df


@pytest.fixture(scope="module")
def survey(jmap: JourneyMap) -> pd.DataFrame:
    return make_survey(jmap)


@pytest.fixture(scope="module")
def reference(jmap: JourneyMap, survey: pd.DataFrame) -> FitResult:
    """The in-memory fit every stream must reproduce (without the quick check, which
    streamed fits do not run), with classical errors: a stream has no rows for HC3 (its
    robust errors are HC1, tests/test_uncertainty.py)."""
    return jm.fit(jmap, survey, check_map=False, se="classical")


def write_sources(df: pd.DataFrame, directory: Path) -> dict[str, Path]:
    """The survey as CSV, TSV, Parquet and a DuckDB table ``responses`` (ordered by row)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {k: directory / f"survey.{k}" for k in ("csv", "tsv", "parquet")}
    paths["duckdb"] = directory / "survey.duckdb"
    df.to_csv(paths["csv"], index=False)
    df.to_csv(paths["tsv"], index=False, sep="\t")
    df.to_parquet(paths["parquet"], index=False)
    con = duckdb.connect(str(paths["duckdb"]))
    try:
        con.register("frame", df.assign(_row=np.arange(len(df))))
        con.execute("CREATE TABLE responses AS SELECT * FROM frame")
    finally:
        con.close()
    return paths


def stream(kind: str, df: pd.DataFrame, paths: dict[str, Path], m: JourneyMap, *,
           chunk_rows: int, **kw: Any) -> FitResult:
    """Fit one kind of source with ``fit_stream`` (classical errors unless told)."""
    kw.setdefault("se", "classical")
    if kind == "frames":
        frames = (df.iloc[i:i + chunk_rows] for i in range(0, len(df), chunk_rows))
        return fit_stream(m, frames, chunk_rows=chunk_rows, **kw)
    if kind == "duckdb_file":
        return fit_stream(m, paths["duckdb"], chunk_rows=chunk_rows,
                          query="SELECT * FROM responses ORDER BY _row", **kw)
    if kind == "duckdb_query":
        return fit_stream(m, None, chunk_rows=chunk_rows,
                          query=f"SELECT * FROM '{paths['parquet']}'", **kw)
    return fit_stream(m, paths[kind], chunk_rows=chunk_rows, **kw)


@pytest.fixture(scope="module")
def paths(survey: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_sources(survey, tmp_path_factory.mktemp("survey"))


def error_of(fn: Callable[[], Any]) -> str:
    with pytest.raises(DataValidationError) as info:
        fn()
    return str(info.value)


def recorder() -> tuple[Progress, Callable[[int, int | None], None]]:
    seen: Progress = []
    return seen, lambda done, total: seen.append((done, total))


# ------------------------------------------------------------ same numbers


def test_the_reference_survey_has_blanks_blank_ltrs_and_a_low_alpha(
        reference: FitResult, survey: pd.DataFrame) -> None:
    # the conditions the stream tests rely on are really in the data
    assert reference.n_responses == N
    assert reference.nps.n == N - N_BLANK_LTR
    ltr = survey["ltr"].dropna().astype(int)
    assert (reference.nps.promoters, reference.nps.passives, reference.nps.detractors) == (
        int((ltr >= 9).sum()), int(ltr.between(7, 8).sum()), int((ltr <= 6).sum()))
    assert any("Cronbach's alpha" in w and "'delivery'" in w for w in reference.warnings)
    assert any(w.startswith(f"{N_BLANK_LTR} of 3,000 responses have no recommend")
               for w in reference.warnings)
    support = reference.effect("support")
    # a node's n counts the respondents with an LTR who rated it
    assert support.n == int((survey["q_support"].notna() & survey["ltr"].notna()).sum())


@pytest.mark.parametrize("chunk_rows", CHUNK_ROWS)
@pytest.mark.parametrize("kind", SOURCES)
def test_a_streamed_fit_gives_the_numbers_of_the_in_memory_fit(
        kind: str, chunk_rows: int, jmap: JourneyMap, survey: pd.DataFrame,
        paths: dict[str, Path], reference: FitResult) -> None:
    result = stream(kind, survey, paths, jmap, chunk_rows=chunk_rows)
    # edges (estimate, se, ci, p, standardized, n), totals, NPS points, node means and n,
    # role influence and paths, NPS and its counts, n_responses and the warnings
    assert_same_numbers(reference.to_dict(), result.to_dict())


@pytest.mark.parametrize("kind", SOURCES)
def test_blank_ltr_rows_and_the_alpha_warning_are_the_same_in_a_stream(
        kind: str, jmap: JourneyMap, survey: pd.DataFrame, paths: dict[str, Path],
        reference: FitResult) -> None:
    result = stream(kind, survey, paths, jmap, chunk_rows=1000)
    assert result.n_responses == N
    assert result.nps.n == N - N_BLANK_LTR
    assert result.warnings == reference.warnings
    assert any("Cronbach's alpha" in w for w in result.warnings)


def test_the_bundled_example_streams_in_chunks_of_1000_to_the_same_numbers(
        jmap: JourneyMap, example_csv_path: Path) -> None:
    seen, progress = recorder()
    result = jm.fit_stream(jmap, example_csv_path, chunk_rows=1000, progress=progress,
                           se="classical")
    assert len(seen) >= 2  # really read in several chunks
    assert_same_numbers(jm.fit(jmap, example_csv_path, se="classical").to_dict(),
                        result.to_dict())


# ------------------------------------------------------------ survey type


@pytest.fixture(scope="module")
def mixed(survey: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[pd.DataFrame, dict[str, Path]]:
    """The survey with its last 1000 responses transactional (a whole chunk of 1000)."""
    df = survey.copy()
    df.loc[2000:, "survey_type"] = "transactional"
    return df, write_sources(df, tmp_path_factory.mktemp("mixed"))


@pytest.mark.parametrize("kind", SOURCES)
def test_a_stream_that_mixes_survey_types_without_a_choice_is_an_error(
        kind: str, jmap: JourneyMap, mixed: tuple[pd.DataFrame, dict[str, Path]]) -> None:
    df, where = mixed
    message = error_of(lambda: stream(kind, df, where, jmap, chunk_rows=1000))
    assert "the data mix relational and transactional responses" in message
    assert "row 2,001 is the first transactional one" in message  # not a chunk's counts
    assert "never pooled" in message


@pytest.mark.parametrize("chunk_rows", [1000, 5000])
def test_a_mix_inside_one_chunk_is_named_by_its_first_row(
        chunk_rows: int, jmap: JourneyMap, survey: pd.DataFrame) -> None:
    df = survey.copy()
    df.loc[[1500, 2700], "survey_type"] = "Transactional "  # read trimmed, in any case
    frames = (df.iloc[i:i + chunk_rows] for i in range(0, N, chunk_rows))
    message = error_of(lambda: fit_stream(jmap, frames))
    assert "row 1,501 is the first transactional one after relational ones" in message


def test_an_unknown_survey_type_in_a_late_chunk_is_named_before_any_mix(
        jmap: JourneyMap, survey: pd.DataFrame) -> None:
    df = survey.copy()
    df.loc[2400, "survey_type"] = "pulse"
    df.loc[2500, "survey_type"] = "transactional"
    frames = (df.iloc[i:i + 1000] for i in range(0, N, 1000))
    message = error_of(lambda: fit_stream(jmap, frames))
    assert "column 'survey_type' must be relational or transactional" in message
    assert "'pulse'" in message


def test_an_unknown_survey_type_in_a_late_chunk_names_its_row_in_the_whole_data(
        jmap: JourneyMap, survey: pd.DataFrame) -> None:
    df = survey.copy()
    df.loc[2400, "survey_type"] = "pulse"
    frames = (df.iloc[i:i + 1000] for i in range(0, N, 1000))
    message = error_of(lambda: fit_stream(jmap, frames))
    assert "row 2401 ('pulse')" in message
    assert message == error_of(lambda: load_survey(df, jmap))


@pytest.mark.parametrize("kind", SOURCES)
def test_a_stream_with_a_chosen_survey_type_fits_only_those_rows(
        kind: str, jmap: JourneyMap, mixed: tuple[pd.DataFrame, dict[str, Path]]) -> None:
    df, where = mixed
    # streamed fits do not run the fit's quick check (docs/method.md §10.6)
    expected = jm.fit(jmap, df, survey_type="relational", check_map=False, se="classical")
    result = stream(kind, df, where, jmap, chunk_rows=1000, survey_type="relational")
    assert result.n_responses == int((df["survey_type"] == "relational").sum())
    assert_same_numbers(expected.to_dict(), result.to_dict())


# ------------------------------------------------------------------ errors


@pytest.fixture(scope="module")
def with_text(survey: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[pd.DataFrame, dict[str, Path]]:
    """The survey with 'good' in q_quote of row 2500 (index 2499), a text column."""
    df = survey.copy()
    quote = df["q_quote"].astype("string")
    quote.iloc[2499] = "good"
    df["q_quote"] = quote
    return df, write_sources(df, tmp_path_factory.mktemp("text"))


@pytest.mark.parametrize("kind", SOURCES)
def test_text_in_a_late_chunk_is_named_by_its_row_in_the_whole_data(
        kind: str, jmap: JourneyMap, with_text: tuple[pd.DataFrame, dict[str, Path]]) -> None:
    df, where = with_text
    seen, progress = recorder()
    kw: dict[str, Any] = {} if kind == "frames" else {"progress": progress}
    message = error_of(lambda: stream(kind, df, where, jmap, chunk_rows=1000, **kw))
    assert "row 2500 ('good')" in message
    assert message == error_of(lambda: load_survey(df, jmap))
    if kind != "frames":
        assert seen, "the error came from the first chunk; row numbers were not tested"
        assert seen[-1][0] < 2500


@pytest.mark.parametrize("kind", ["csv", "parquet", "duckdb_query"])
def test_an_ltr_out_of_range_in_the_last_rows_names_that_row(
        kind: str, jmap: JourneyMap, survey: pd.DataFrame, tmp_path: Path) -> None:
    df = survey.copy()
    df.loc[2998, "ltr"] = 11
    where = write_sources(df, tmp_path)
    message = error_of(lambda: stream(kind, df, where, jmap, chunk_rows=1000))
    assert "row 2999 (11)" in message
    assert message == error_of(lambda: load_survey(df, jmap))


@pytest.mark.parametrize("kind", ["csv", "tsv", "parquet"])
def test_a_missing_column_in_a_file_gives_the_in_memory_message(
        kind: str, jmap: JourneyMap, survey: pd.DataFrame, tmp_path: Path) -> None:
    df = survey.rename(columns={"q_quote": "q_qoute"})
    path = write_sources(df, tmp_path)[kind]
    message = error_of(lambda: fit_stream(jmap, path, chunk_rows=1000))
    assert "'q_quote' for node 'quote' (did you mean 'q_qoute'?)" in message
    assert message == error_of(lambda: load_survey(path, jmap))


def test_a_column_name_with_a_space_gives_the_in_memory_message(
        jmap: JourneyMap, survey: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "padded.csv"
    survey.rename(columns={"q_web": " q_web"}).to_csv(path, index=False)
    message = error_of(lambda: fit_stream(jmap, path, chunk_rows=1000))
    assert "'q_web' for node 'website' (did you mean ' q_web'?)" in message
    assert message == error_of(lambda: load_survey(path, jmap))


def test_quoted_comments_over_several_lines_are_read_as_in_memory(
        jmap: JourneyMap, survey: pd.DataFrame, tmp_path: Path) -> None:
    # free-text answers with line breaks: chunks must not cut a row inside its quotes
    path = tmp_path / "comments.csv"
    survey.assign(comment='slow, but "fine"\nsecond line\nthird').to_csv(path, index=False)
    expected = jm.fit(jmap, path, se="classical")
    assert_same_numbers(expected.to_dict(),
                        jm.fit_stream(jmap, path, chunk_rows=300, se="classical").to_dict())


@pytest.mark.parametrize("kind", ["frames", "duckdb_query"])
def test_a_missing_column_in_frames_or_a_query_names_the_column(
        kind: str, jmap: JourneyMap, survey: pd.DataFrame, tmp_path: Path) -> None:
    df = survey.drop(columns=["q_invoice"])
    where = write_sources(df, tmp_path)
    message = error_of(lambda: stream(kind, df, where, jmap, chunk_rows=1000))
    assert "'q_invoice' for node 'invoice'" in message
    if kind == "frames":
        assert message == error_of(lambda: load_survey(df, jmap))


@pytest.mark.parametrize("query", ["SELEC * FROM responses", "SELECT * FROM no_such_table"])
def test_a_bad_sql_query_is_a_data_error(jmap: JourneyMap, paths: dict[str, Path],
                                         query: str) -> None:
    message = error_of(lambda: fit_stream(jmap, paths["duckdb"], query=query))
    assert message.startswith("the query failed:")
    message = error_of(lambda: fit_stream(jmap, None, query=query))
    assert message.startswith("the query failed:")


def test_a_duckdb_database_needs_a_query_and_must_exist(jmap: JourneyMap,
                                                        paths: dict[str, Path],
                                                        tmp_path: Path) -> None:
    assert "needs a query" in error_of(lambda: fit_stream(jmap, paths["duckdb"]))
    missing = tmp_path / "none.duckdb"
    assert error_of(lambda: fit_stream(jmap, missing, query="SELECT 1")) == (
        f"{missing}: no such DuckDB database.")
    assert "give a data file" in error_of(lambda: fit_stream(jmap, None))


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet"])
def test_a_missing_file_gives_the_in_memory_message(jmap: JourneyMap, tmp_path: Path,
                                                    suffix: str) -> None:
    path = tmp_path / f"none{suffix}"
    message = error_of(lambda: fit_stream(jmap, path))
    assert message == f"{path}: no such data file."
    assert message == error_of(lambda: load_survey(path, jmap))


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet"])
def test_an_empty_file_gives_the_in_memory_message(jmap: JourneyMap, tmp_path: Path,
                                                   suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    message = error_of(lambda: fit_stream(jmap, path))
    assert "the file is empty" in message
    assert message == error_of(lambda: load_survey(path, jmap))


def test_a_csv_with_only_a_header_has_no_responses(jmap: JourneyMap, survey: pd.DataFrame,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    survey.iloc[:0].to_csv(path, index=False)
    assert error_of(lambda: fit_stream(jmap, path)) == (
        f"{path}: there are no responses (no data rows).")


def test_a_binary_file_named_csv_is_not_read_as_text(jmap: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00binary" + bytes(range(256)))
    message = error_of(lambda: fit_stream(jmap, path))
    assert message.startswith(f"{path}: this is not a text CSV file")


def test_a_file_named_parquet_that_is_not_parquet_is_a_data_error(jmap: JourneyMap,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "survey.parquet"
    path.write_bytes(bytes(np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8)))
    message = error_of(lambda: fit_stream(jmap, path))
    assert message.startswith(f"{path}: cannot read this file as Parquet")


def test_a_file_type_streaming_cannot_read_is_named(jmap: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "survey.xlsx"
    path.write_bytes(b"not read")
    assert "not '.xlsx' files" in error_of(lambda: fit_stream(jmap, path))


# ---------------------------------------------------------------- progress


def test_progress_on_parquet_counts_rows_up_to_the_file_total(
        jmap: JourneyMap, paths: dict[str, Path]) -> None:
    seen, progress = recorder()
    fit_stream(jmap, paths["parquet"], chunk_rows=777, progress=progress)
    assert seen == [(777, N), (1554, N), (2331, N), (N, N)]


@pytest.mark.parametrize("kind", ["csv", "tsv", "duckdb_file", "duckdb_query"])
def test_progress_counts_increase_to_the_rows_read(kind: str, jmap: JourneyMap,
                                                   survey: pd.DataFrame,
                                                   paths: dict[str, Path]) -> None:
    seen, progress = recorder()
    stream(kind, survey, paths, jmap, chunk_rows=1000, progress=progress)
    done = [d for d, _ in seen]
    assert len(done) >= 2
    assert all(a < b for a, b in pairwise(done))
    assert done[-1] == N
    assert {t for _, t in seen} == {None}  # the total is unknown before the end


def test_frames_from_a_generator_are_read_one_at_a_time(jmap: JourneyMap,
                                                        survey: pd.DataFrame,
                                                        reference: FitResult) -> None:
    handed: list[int] = []

    def frames() -> Iterator[pd.DataFrame]:
        for i in range(0, N, 500):
            handed.append(i)
            yield survey.iloc[i:i + 500]

    result = fit_stream(jmap, frames(), se="classical")
    assert handed == list(range(0, N, 500))
    assert_same_numbers(reference.to_dict(), result.to_dict())
