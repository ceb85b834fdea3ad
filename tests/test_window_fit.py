"""Date windows of a fit (docs/continuous-measurement.md, "Fits of a window"): the rules
``last-N-days`` / ``last-N-months`` resolved against the newest response date by hand,
and ``journeymap fit --from/--to/--window`` equal to ``jm.fit`` of rows filtered
independently with pandas."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

import journeymap as jm
from journeymap.analysis.trend import resolve_window, select_window
from journeymap.cli import app
from journeymap.exceptions import DataValidationError, JourneymapError

RUNNER = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None, "NO_COLOR": "1"})
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MAP, DATA = EXAMPLES / "kitchen_b2b.yaml", EXAMPLES / "kitchen_b2b.csv"
D = datetime.date


def run(*args: str | Path) -> Result:
    return RUNNER.invoke(app, [str(a) for a in args])


def test_last_n_days_counts_the_newest_day_as_the_first_of_the_n() -> None:
    assert resolve_window("last-1-days", D(2026, 6, 30)) == (D(2026, 6, 30), D(2026, 6, 30))
    assert resolve_window("last-90-days", D(2026, 6, 30)) == (D(2026, 4, 2), D(2026, 6, 30))
    assert (D(2026, 6, 30) - D(2026, 4, 2)).days + 1 == 90


def test_last_n_months_starts_the_day_after_the_same_day_n_months_earlier() -> None:
    assert resolve_window("last-3-months", D(2026, 6, 30)) == (D(2026, 3, 31), D(2026, 6, 30))
    assert resolve_window("last-1-months", D(2026, 3, 31)) == (D(2026, 3, 1), D(2026, 3, 31))
    assert resolve_window("last-12-months", D(2026, 2, 15)) == (D(2025, 2, 16), D(2026, 2, 15))
    # a leap day's month earlier has no 29th: from the day after that month's last day
    assert resolve_window("Last-12-Months", D(2028, 2, 29)) == (D(2027, 3, 1), D(2028, 2, 29))
    assert resolve_window("last-99999-months", D(2026, 1, 1))[0] is None


def test_a_window_rule_that_cannot_be_read_is_one_clear_error() -> None:
    for bad in ("last-90-weeks", "last-0-days", "90 days", "last--1-days", ""):
        with pytest.raises(JourneymapError, match="write last-N-days or last-N-months"):
            resolve_window(bad, D(2026, 1, 1))


def test_select_window_resolves_a_rule_on_the_newest_date_and_records_it() -> None:
    frame = pd.DataFrame({"date": ["2026-06-30", "2026-04-01", "2026-04-02", "",
                                   "2026-05-10T08:00:00"], "x": [1, 2, 3, 4, 5]})
    rows, window = select_window(frame, rule="last-90-days")
    assert rows["x"].tolist() == [1, 3, 5]
    assert window.to_dict() == {"from": "2026-04-02", "to": "2026-06-30",
                                "window": "last-90-days", "date_column": "date", "n_rows": 3}
    again, same = select_window(frame, start=window.start, end=window.end)
    assert again.equals(rows)
    assert (same.n_rows, same.rule) == (3, None)


def test_select_window_refuses_a_rule_with_dates_a_reversed_window_and_no_dates() -> None:
    frame = pd.DataFrame({"date": ["2026-01-05", "soon"], "when": ["", ""]})
    with pytest.raises(JourneymapError, match="not both"):
        select_window(frame, start="2026-01-01", rule="last-9-days")
    with pytest.raises(JourneymapError, match=r"from \(2026-02-01\) is after its to"):
        select_window(frame, start="2026-02-01", end="2026-01-01")
    with pytest.raises(JourneymapError, match="must be a date such as 2026-03-15, not 'May'"):
        select_window(frame, end="May")
    with pytest.raises(DataValidationError, match=r"column 'date' must hold dates.*row 2"):
        select_window(frame, rule="last-9-days")
    with pytest.raises(DataValidationError, match="no response has a date in 'when'"):
        select_window(frame, rule="last-9-days", date_column="when")


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return pd.read_csv(DATA)


def _expected(rows: pd.DataFrame) -> dict[str, object]:
    out: dict[str, object] = json.loads(jm.fit(jm.JourneyMap.from_yaml(MAP), rows).to_json())
    return out


@pytest.mark.slow
def test_fit_with_from_and_to_equals_the_library_fit_of_the_rows_filtered_with_pandas(
        survey: pd.DataFrame) -> None:
    days = pd.to_datetime(survey["date"])
    rows = survey[(days >= "2026-02-01") & (days <= "2026-04-30")].reset_index(drop=True)
    r = run("fit", MAP, DATA, "--from", "2026-02-01", "--to", "2026-04-30", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == _expected(rows)
    assert json.loads(r.stdout)["n_responses"] == len(rows) == 1452


@pytest.mark.slow
def test_fit_window_last_90_days_fits_the_90_days_up_to_the_newest_response(
        survey: pd.DataFrame) -> None:
    days = pd.to_datetime(survey["date"])
    newest = days.max()
    rows = survey[days > newest - pd.Timedelta(days=90)].reset_index(drop=True)
    r = run("fit", MAP, DATA, "--window", "last-90-days", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == _expected(rows)
    text = run("fit", MAP, DATA, "--window", "last-90-days", "--date-column", "date")
    assert text.exit_code == 0, text.output
    first = (newest - pd.Timedelta(days=89)).date().isoformat()
    assert (f"Responses dated {first} to {newest.date().isoformat()} (last-90-days, column "
            f"date): {len(rows):,} rows.") in text.stdout


def test_fit_window_errors_are_one_line_and_exit_2(tmp_path: Path,
                                                  survey: pd.DataFrame) -> None:
    undated = tmp_path / "undated.csv"
    survey.drop(columns="date").to_csv(undated, index=False)
    bad = tmp_path / "bad.csv"
    survey.assign(date="last spring").to_csv(bad, index=False)
    cases = [
        ((MAP, undated, "--window", "last-90-days"), "the map names no date column and the "
                                                    "data have no 'date' column"),
        ((MAP, bad, "--from", "2026-01-01"), "column 'date' must hold dates such as 2026-03-15"),
        ((MAP, DATA, "--window", "last-9-weeks"), "cannot read the window 'last-9-weeks'"),
        ((MAP, DATA, "--from", "2026-03-01", "--to", "2026-02-01"), "is after its to"),
        ((MAP, DATA, "--from", "2026-01-01", "--window", "last-9-days"), "not both"),
        ((MAP, DATA, "--window", "last-9-days", "--stream"), "leave out --stream"),
        ((MAP, DATA, "--date-column", "date"), "give one of them"),
        ((MAP, DATA, "--from", "2030-01-01"), "no response has a date in 'date' from "
                                              "2030-01-01"),
    ]
    for args, words in cases:
        r = run("fit", *args)
        assert r.exit_code == 2, (args, r.output)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, r.stderr
        assert lines[0].startswith("error: "), r.stderr
        assert words in " ".join(r.stderr.split()), (args, r.stderr)
