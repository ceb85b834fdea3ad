"""Trend, waterfall and a role's influence over time in the API: the library's figures
of the fit's data; a role's period figures equal separate fits of each period's rows."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from api_helpers import EXAMPLES, MakeApi, fitted

import journeymap as jm
from journeymap.analysis.trend import nps_trend, nps_waterfall


def _plain(obj: object) -> object:
    from journeymap_api.results import dumps

    return json.loads(dumps(obj))


@pytest.mark.slow
def test_trend_waterfall_and_role_over_time_are_the_library_figures(
        make_api: MakeApi, db_url: str) -> None:
    jmap = jm.JourneyMap.from_yaml(EXAMPLES / "kitchen_b2b.yaml")
    survey = pd.read_csv(EXAMPLES / "kitchen_b2b.csv")
    with make_api(db_url) as api:
        c, h = api.client, api.workspace()
        fit = fitted(c, h)
        r = c.get(f"/v1/fits/{fit['id']}/trend", headers=h)
        assert r.status_code == 200, r.text
        expected = _plain(nps_trend(jmap, survey).to_dict())
        assert isinstance(expected, dict)
        assert {k: r.json()[k] for k in expected} == expected
        assert [p["period"] for p in r.json()["periods"]] == [f"2026-0{i}" for i in range(1, 7)]

        r = c.get(f"/v1/fits/{fit['id']}/waterfall?from=2026-01&to=2026-06", headers=h)
        assert r.status_code == 200, r.text
        expected = _plain(nps_waterfall(jmap, survey, "2026-01", "2026-06").to_dict())
        assert isinstance(expected, dict)
        assert {k: r.json()[k] for k in expected} == expected

        r = c.get(f"/v1/fits/{fit['id']}/roles/installer/trend?period=quarter", headers=h)
        assert r.status_code == 200, r.text
        body = r.json()
        assert [p["period"] for p in body["periods"]] == ["2026-Q1", "2026-Q2"]
        days = pd.to_datetime(survey["date"])
        for row, (lo, hi) in zip(body["periods"], (("2026-01-01", "2026-03-31"),
                                                   ("2026-04-01", "2026-06-30")), strict=True):
            rows = survey[(days >= lo) & (days <= hi)].reset_index(drop=True)
            own = jm.fit(jmap, rows).role("installer")
            assert math.isclose(row["influence"], own.influence, rel_tol=1e-12)
            assert math.isclose(row["nps_points"], own.nps_points, rel_tol=1e-12)
            assert own.influence_ci is not None
            assert row["influence_ci"] == pytest.approx(list(own.influence_ci), rel=1e-12)
            assert row["n"] == len(rows)
            assert not row["suppressed"]


@pytest.mark.slow
def test_small_periods_are_suppressed_and_bad_requests_get_one_problem(
        make_api: MakeApi, sqlite_url: str) -> None:
    with make_api(sqlite_url) as api:
        c, h = api.client, api.workspace()
        fit = fitted(c, h, options={"min_responses": 520})
        r = c.get(f"/v1/fits/{fit['id']}/roles/installer/trend?period=month", headers=h)
        assert r.status_code == 200, r.text
        by = {p["period"]: p for p in r.json()["periods"]}
        assert by["2026-02"]["suppressed"]
        assert by["2026-02"]["influence"] is None
        assert by["2026-02"]["n"] == 435
        assert not by["2026-05"]["suppressed"]  # 521 responses
        r = c.get(f"/v1/fits/{fit['id']}/trend", headers=h)
        assert [p["suppressed"] for p in r.json()["periods"]] == [
            True, True, True, True, False, True]
        for url, words in ((f"/v1/fits/{fit['id']}/waterfall?from=2026-13&to=2026-02",
                            "2026-13"),
                           (f"/v1/fits/{fit['id']}/trend?date_column=when", "when"),
                           (f"/v1/fits/{fit['id']}/roles/nobody/trend", "nobody")):
            r = c.get(url, headers=h)
            assert r.status_code == 422, (url, r.text)
            assert words in r.json()["detail"]
