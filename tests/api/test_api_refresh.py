"""Fits of a window rule, the rows a fit reads, and refreshing a fit
(docs/continuous-measurement.md) — on SQLite and (marked postgres) PostgreSQL.

Expected figures come from pandas: the rows a fit used are cut from the example file
by hand (its first rows, dates compared as timestamps), fitted with ``jm.fit``, and the
ratings counted with ``value_counts``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pandas as pd
import pytest
from api_helpers import EXAMPLES, Api, MakeApi, post_map, start_fit, upload, wait_fit

import journeymap as jm

CSV = EXAMPLES / "kitchen_b2b.csv"
MAP = EXAMPLES / "kitchen_b2b.yaml"
FIRST = 2000  # rows uploaded; the rest of the file (and later-dated copies) are appended


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return pd.read_csv(CSV)


def _plain(obj: object) -> object:
    from journeymap_api.results import dumps

    return json.loads(dumps(obj))


def _later(survey: pd.DataFrame, n: int = 600) -> pd.DataFrame:
    """``n`` new responses dated July 2026 (after every stored date), all detractors who
    rated the installation 1, so every count they reach changes."""
    rows = survey.iloc[:n].copy()
    rows["response_id"] = [f"jul-{i}" for i in range(n)]
    rows["date"] = [f"2026-07-{1 + i % 28:02d}" for i in range(n)]
    rows["ltr"] = 2
    rows["q_install"] = 1
    return rows


def _setup(api: Api, survey: pd.DataFrame) -> tuple[dict[str, str], str, str]:
    h = api.workspace()
    m = post_map(api.client, h)
    r = upload(api.client, h, content=survey.iloc[:FIRST].to_csv(index=False).encode(),
               filename="h1.csv")
    assert r.status_code == 201, r.text
    return h, m["id"], r.json()["id"]


def _append(api: Api, h: dict[str, str], dataset_id: str, rows: pd.DataFrame) -> None:
    r = api.client.post(f"/v1/datasets/{dataset_id}/responses", headers={
        **h, "Content-Type": "text/csv"}, content=rows.to_csv(index=False).encode())
    assert r.status_code == 200, r.text
    assert r.json()["appended"] == len(rows)


def _forget(api: Api, fit_id: str) -> None:
    """Drop what this process keeps of a fit, as a restart would: its pages read the data
    again."""
    results = api.client.app.state.results  # type: ignore[attr-defined]
    key = uuid.UUID(fit_id)
    for cache in (results.touchpoints, results.live, results.done, results.results):
        cache.pop(key)
    for cache in (results.responses, results.models, results.ready):
        with cache._lock:
            for k in [k for k in cache._items if key in k]:
                cache._items.pop(k)


def _touchpoints(api: Api, h: dict[str, str], fit_id: str, role: str) -> dict[str, Any]:
    from journeymap_api.services import fits

    app = api.client.app
    sessions, results, worker = (app.state.sessions, app.state.results,  # type: ignore[attr-defined]
                                 app.state.worker)  # type: ignore[attr-defined]
    workspace = _workspace_id(api, h)
    meta = fits.finished_fit(sessions, results, workspace, uuid.UUID(fit_id))
    out: dict[str, Any] = fits.role_touchpoints(sessions, worker, results, meta, role).to_dict()
    return out


def _workspace_id(api: Api, h: dict[str, str]) -> uuid.UUID:
    return uuid.UUID(api.client.get("/v1/workspace", headers=h).json()["id"])


def _counts(rows: pd.DataFrame, column: str) -> list[dict[str, float]]:
    """How many respondents (an LTR answer) gave each rating 1..5 of ``column``."""
    rated = rows.loc[rows["ltr"].notna(), column].dropna()
    counts = rated.value_counts()
    return [{"value": float(v), "count": int(counts.get(v, 0))} for v in range(1, 6)]


def test_an_old_fits_role_page_counts_ignore_responses_appended_later(
        make_api: MakeApi, db_url: str, survey: pd.DataFrame) -> None:
    used = survey.iloc[:FIRST]
    with make_api(db_url) as api:
        h, map_id, dataset_id = _setup(api, survey)
        fit = wait_fit(api.client, h, start_fit(api.client, h, map_id, dataset_id)["id"])
        assert fit["status"] == "done", fit["error"]
        assert fit["data_rows"] == FIRST
        before = _touchpoints(api, h, fit["id"], "installer")
        card = api.client.get(f"/v1/fits/{fit['id']}/cards/installer.html", headers=h).text
        _append(api, h, dataset_id, _later(survey))
        _forget(api, fit["id"])
        after = _touchpoints(api, h, fit["id"], "installer")
        assert after == before
        install = next(t for t in after["touchpoints"] if t["node"] == "installation")
        assert install["respondents"] == int(used["ltr"].notna().sum())
        assert install["rated"] == int(used.loc[used["ltr"].notna(), "q_install"].notna().sum())
        assert install["distribution"] == _counts(used, "q_install")
        with_new = pd.concat([used, _later(survey)])
        assert install["distribution"] != _counts(with_new, "q_install")  # the test can fail
        _forget(api, fit["id"])
        again = api.client.get(f"/v1/fits/{fit['id']}/cards/installer.html", headers=h).text
        assert again == card
        trend = api.client.get(f"/v1/fits/{fit['id']}/trend", headers=h).json()
        months = {p["period"]: p["n"] for p in trend["periods"]}
        assert "2026-07" not in months
        expected = pd.to_datetime(used["date"]).dt.strftime("%Y-%m")[used["ltr"].notna()]
        assert months == expected.value_counts().to_dict()


@pytest.mark.slow
def test_a_window_rule_fit_records_its_days_and_equals_the_library_fit_of_those_rows(
        make_api: MakeApi, db_url: str, survey: pd.DataFrame) -> None:
    used = survey.iloc[:FIRST]
    days = pd.to_datetime(used["date"])
    newest = days.max()
    rows = used[days > newest - pd.Timedelta(days=60)].reset_index(drop=True)
    expected = jm.fit(jm.JourneyMap.from_yaml(MAP), rows)
    with make_api(db_url) as api:
        h, map_id, dataset_id = _setup(api, survey)
        fit = start_fit(api.client, h, map_id, dataset_id,
                        options={"period": {"window": "Last-60-Days"}})
        assert fit["options"]["period"] == {"from": None, "to": None,
                                            "window": "last-60-days", "date_column": "date"}
        assert fit["window"] is None  # resolved when it runs
        done = wait_fit(api.client, h, fit["id"])
        assert done["status"] == "done", done["error"]
        assert done["window"] == {
            "from": (newest - pd.Timedelta(days=59)).date().isoformat(),
            "to": newest.date().isoformat(), "window": "last-60-days", "date_column": "date",
            "n_rows": len(rows)}
        assert done["result"] == _plain(expected.to_dict())
        same = wait_fit(api.client, h, start_fit(
            api.client, h, map_id, dataset_id, options={"period": {
                "from": done["window"]["from"], "to": done["window"]["to"]}})["id"])
        assert same["result"] == done["result"]


@pytest.mark.slow
def test_refresh_fits_the_same_map_and_window_rule_over_the_appended_responses(
        make_api: MakeApi, db_url: str, survey: pd.DataFrame) -> None:
    later = _later(survey, 300)
    everything = pd.concat([survey.iloc[:FIRST], later], ignore_index=True)
    days = pd.to_datetime(everything["date"])
    rows = everything[days > days.max() - pd.Timedelta(days=90)].reset_index(drop=True)
    expected = jm.fit(jm.JourneyMap.from_yaml(MAP), rows)
    with make_api(db_url) as api:
        h, map_id, dataset_id = _setup(api, survey)
        old = wait_fit(api.client, h, start_fit(
            api.client, h, map_id, dataset_id,
            options={"period": {"window": "last-90-days"}, "min_responses": 40})["id"])
        assert old["status"] == "done", old["error"]
        _append(api, h, dataset_id, later)
        r = api.client.post(f"/v1/fits/{old['id']}/refresh", headers=h)
        assert r.status_code == 202, r.text
        new = r.json()
        assert r.headers["Location"] == f"/v1/fits/{new['id']}"
        assert new["id"] != old["id"]
        assert new["refreshed_from"] == old["id"]
        assert (new["options"], new["map_version"], new["engine"], new["data_rows"]) == (
            old["options"], old["map_version"], old["engine"], FIRST + len(later))
        done = wait_fit(api.client, h, new["id"])
        assert done["status"] == "done", done["error"]
        assert done["window"]["to"] == "2026-07-28"
        assert done["window"]["n_rows"] == len(rows)
        assert done["result"] == _plain(jm.fit(jm.JourneyMap.from_yaml(MAP), rows,
                                               min_responses=40).to_dict())
        assert done["result"]["nps"] == _plain(expected.to_dict())["nps"]
        _forget(api, old["id"])
        unchanged = wait_fit(api.client, h, old["id"])
        assert unchanged == old
        assert api.client.post(f"/v1/fits/{uuid.uuid4()}/refresh",
                               headers=h).status_code == 404
        other = api.workspace("other")
        assert api.client.post(f"/v1/fits/{old['id']}/refresh",
                               headers=other).status_code == 404


def test_a_window_rule_with_days_or_that_cannot_be_read_is_refused_at_once(
        api: Api, survey: pd.DataFrame) -> None:
    h, map_id, dataset_id = _setup(api, survey)
    for period, words in (({"window": "last-9-weeks"}, "cannot read the window"),
                          ({"window": "last-9-days", "from": "2026-01-01"}, "not both"),
                          ({"date_column": "date"}, "or a 'window' rule")):
        r = api.client.post("/v1/fits", json={"map_id": map_id, "dataset_id": dataset_id,
                                              "options": {"period": period}}, headers=h)
        assert r.status_code == 422, r.text
        assert words in r.text
    assert api.client.get("/v1/fits", headers=h).json()["count"] == 0


def test_a_streamed_fit_stays_without_rating_counts_after_an_append(
        make_api: MakeApi, sqlite_url: str, survey: pd.DataFrame) -> None:
    with make_api(sqlite_url, stream_fits_above_bytes=0) as api:
        h, map_id, dataset_id = _setup(api, survey)
        fit = wait_fit(api.client, h, start_fit(api.client, h, map_id, dataset_id)["id"])
        assert fit["status"] == "done", fit["error"]
        assert fit["result"]["uncertainty"]["se_type"] == "hc1"  # streamed
        assert _touchpoints(api, h, fit["id"], "installer")["has_rows"] is False
        _append(api, h, dataset_id, _later(survey, 50))
        _forget(api, fit["id"])
        assert _touchpoints(api, h, fit["id"], "installer")["has_rows"] is False
