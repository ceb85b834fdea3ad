"""Period-window fits (POST /v1/fits with options.period): the fit of the rows dated in
the window, equal to the library's fit of an independent pandas filter of the file."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from api_helpers import EXAMPLES, MakeApi, post_dataset, post_map, start_fit, wait_fit

import journeymap as jm
from journeymap.analysis.trend import window_rows
from journeymap.exceptions import DataValidationError


def _plain(obj: object) -> object:
    from journeymap_api.results import dumps

    return json.loads(dumps(obj))


def test_window_rows_keeps_the_days_of_the_window_and_refuses_an_empty_one() -> None:
    frame = pd.DataFrame({"date": ["2026-01-31", "2026-02-01", "", "2026-03-01T23:59:00",
                                   "2026-03-02"], "x": [1, 2, 3, 4, 5]})
    out = window_rows(frame, start="2026-02-01", end="2026-03-01")
    assert out["x"].tolist() == [2, 4]
    assert window_rows(frame, end="2026-01-31")["x"].tolist() == [1]
    with pytest.raises(DataValidationError, match="no response has a date"):
        window_rows(frame, start="2027-01-01")
    with pytest.raises(DataValidationError, match="'when'"):
        window_rows(frame, start="2026-01-01", date_column="when")


@pytest.mark.slow
def test_a_period_fit_equals_the_library_fit_of_the_filtered_rows(
        make_api: MakeApi, db_url: str) -> None:
    survey = pd.read_csv(EXAMPLES / "kitchen_b2b.csv")
    days = pd.to_datetime(survey["date"])
    filtered = survey[(days >= "2026-02-01") & (days <= "2026-04-30")].reset_index(drop=True)
    assert len(filtered) == 435 + 511 + 506
    jmap = jm.JourneyMap.from_yaml(EXAMPLES / "kitchen_b2b.yaml")
    expected = jm.fit(jmap, filtered)
    with make_api(db_url) as api:
        c, h = api.client, api.workspace()
        m, d = post_map(c, h), post_dataset(c, h)
        period = {"from": "2026-02-01", "to": "2026-04-30", "date_column": "date"}
        fit = start_fit(c, h, m["id"], d["id"], options={"period": period})
        assert fit["options"]["period"] == {**period, "window": None}
        done = wait_fit(c, h, fit["id"])
        assert done["status"] == "done", done["error"]
        assert done["result"]["nps"]["n"] == expected.nps.n
        assert done["result"] == _plain(expected.to_dict())


def test_a_bad_period_is_refused_or_fails_with_one_clear_message(
        make_api: MakeApi, sqlite_url: str) -> None:
    with make_api(sqlite_url) as api:
        c, h = api.client, api.workspace()
        m, d = post_map(c, h), post_dataset(c, h)
        for period, words in (({"from": "2026-05-01", "to": "2026-04-01"}, "after its 'to'"),
                              ({}, "needs 'from', 'to'"),
                              ({"from": "2026-13-01"}, "date")):
            r = c.post("/v1/fits", json={"map_id": m["id"], "dataset_id": d["id"],
                                         "options": {"period": period}}, headers=h)
            assert r.status_code == 422, r.text
            assert words in r.text
        fit = start_fit(c, h, m["id"], d["id"], options={"period": {"from": "2030-01-01"}})
        done = wait_fit(c, h, fit["id"])
        assert done["status"] == "failed"
        assert "no response has a date in 'date' from 2030-01-01" in done["error"]["detail"]
