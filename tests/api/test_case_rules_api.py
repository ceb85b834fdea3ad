"""Follow-up cases of appended responses (POST /v1/datasets/{id}/responses opens them for
the new rows by the library's rules, once per response id, with the map of the latest
fit or the one named) and the workspace's case rules (GET/PUT /v1/workspace/case-rules:
checked by the library, stored, used when cases open) — on SQLite and (marked postgres)
on PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from api_helpers import EXAMPLES, Api, MakeApi, every_page, post_map, start_fit, upload, wait_fit

from journeymap.cases import DEFAULT_SLA_HOURS, CaseRules, make_cases
from journeymap.exceptions import JourneymapError
from journeymap.model import JourneyMap

T0 = datetime.fromisoformat("2026-01-01T00:00:00+00:00")


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return pd.read_csv(EXAMPLES / "kitchen_b2b.csv")


@pytest.fixture(scope="module")
def kitchen() -> JourneyMap:
    return JourneyMap.from_yaml(EXAMPLES / "kitchen_b2b.yaml")


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def _expected(kitchen: JourneyMap, frame: pd.DataFrame, tmp_path: Path,
              rules: CaseRules | None = None) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """The library's cases of these rows: response id → (reasons, role)."""
    path = tmp_path / f"expected_{len(frame)}_{frame.index[0]}.csv"
    frame.to_csv(path, index=False)
    found = make_cases(kitchen, str(path), rules=rules or CaseRules(consent_column=None),
                       opened_at=T0)
    return {c.response_id: (c.reasons, c.role) for c in found}


def _cases(api: Api, h: dict[str, str]) -> dict[str, dict[str, Any]]:
    listed = every_page(api.client, h, "/v1/cases", "cases")
    return {c["response_id"]: c for c in listed}


def _append(api: Api, h: dict[str, str], dataset_id: str, frame: pd.DataFrame,
            query: str = "") -> Any:
    return api.client.post(f"/v1/datasets/{dataset_id}/responses{query}", content=_csv(frame),
                           headers={**h, "Content-Type": "text/csv"})


def _hours(case: dict[str, Any]) -> float:
    due = datetime.fromisoformat(case["due_at"])
    opened = datetime.fromisoformat(case["opened_at"])
    return (due - opened).total_seconds() / 3600


def test_appended_responses_open_their_cases_once_with_the_latest_fits_map(
        make_api: MakeApi, db_url: str, survey: pd.DataFrame, kitchen: JourneyMap,
        tmp_path: Path) -> None:
    with make_api(db_url) as api:
        h = api.workspace("acme")
        m = post_map(api.client, h)
        d = upload(api.client, h, content=_csv(survey.iloc[:300]), filename="q1.csv").json()
        assert wait_fit(api.client, h, start_fit(api.client, h, m["id"], d["id"])["id"])[
            "status"] == "done"
        by_fit = _cases(api, h)
        assert {k: (tuple(c["reasons"]), c["role"]) for k, c in by_fit.items()} == _expected(
            kitchen, survey.iloc[:300], tmp_path)

        batch = survey.iloc[300:450]
        r = _append(api, h, d["id"], batch)
        assert r.status_code == 200, r.text
        body = r.json()
        new = _expected(kitchen, batch, tmp_path)
        assert len(new) > 10
        assert {k: body["cases"][k] for k in ("opened", "map_id", "map_version")} == {
            "opened": len(new), "map_id": m["id"], "map_version": 1}
        assert body["cases"]["note"] == (  # the example data have no consent column
            "dataset 'q1.csv' has no 'contact_ok' column, so nobody is known to have agreed "
            "to be contacted (contact_ok is no for every case).")
        after = _cases(api, h)
        assert {k: (tuple(c["reasons"]), c["role"]) for k, c in after.items()
                if k not in by_fit} == new
        assert all(after[k]["fit_id"] is None for k in new)
        for k in new:  # the shortest default SLA of the case's reasons
            assert _hours(after[k]) == pytest.approx(
                min(DEFAULT_SLA_HOURS[r] for r in after[k]["reasons"]))

        # the same rows again: nothing appended, nothing opened
        again = _append(api, h, d["id"], batch)
        assert (again.json()["appended"], again.json()["cases"]["opened"]) == (0, 0)
        # an overlapping batch opens the new rows' cases only
        overlap = survey.iloc[400:500]
        r = _append(api, h, d["id"], overlap)
        assert r.json()["appended"] == 50
        assert r.json()["cases"]["opened"] == len(_expected(kitchen, survey.iloc[450:500],
                                                            tmp_path))
        # a refit of the longer dataset opens nothing twice
        assert wait_fit(api.client, h, start_fit(api.client, h, m["id"], d["id"])["id"])[
            "status"] == "done"
        final = _cases(api, h)
        assert len(final) == len(every_page(api.client, h, "/v1/cases", "cases"))
        assert set(final) == set(_expected(kitchen, survey.iloc[:500], tmp_path))


def test_without_a_known_map_the_rows_are_kept_and_the_answer_says_why(
        make_api: MakeApi, sqlite_url: str, survey: pd.DataFrame, kitchen: JourneyMap,
        tmp_path: Path) -> None:
    with make_api(sqlite_url) as api:
        h = api.workspace("acme")
        d = upload(api.client, h, content=_csv(survey.iloc[:100]), filename="q1.csv").json()
        r = _append(api, h, d["id"], survey.iloc[100:200])
        assert r.status_code == 200, r.text
        assert r.json()["appended"] == 100
        cases = r.json()["cases"]
        assert (cases["opened"], cases["map_id"]) == (0, None)
        assert "no map is known for dataset 'q1.csv'" in cases["note"]
        assert "?map_id=" in cases["note"]
        assert _cases(api, h) == {}

        # an unknown map: 404, nothing appended
        zero = "00000000-0000-0000-0000-000000000000"
        r = _append(api, h, d["id"], survey.iloc[200:300], f"?map_id={zero}")
        assert r.status_code == 404
        assert api.client.get(f"/v1/datasets/{d['id']}", headers=h).json()["n_rows"] == 200
        # the map named with the append assigns the roles
        m = post_map(api.client, h)
        r = _append(api, h, d["id"], survey.iloc[200:300], f"?map_id={m['id']}")
        expected = _expected(kitchen, survey.iloc[200:300], tmp_path)
        assert r.json()["cases"]["opened"] == len(expected) > 0
        assert r.json()["cases"]["map_id"] == m["id"]
        assert {k: (tuple(c["reasons"]), c["role"]) for k, c in _cases(api, h).items()
                } == expected
        # another workspace's map is not known here
        other = api.workspace("other")
        r = _append(api, other, d["id"], survey.iloc[300:310], f"?map_id={m['id']}")
        assert r.status_code == 404


def test_rows_the_map_cannot_read_refuse_the_batch_and_open_nothing(
        make_api: MakeApi, db_url: str, survey: pd.DataFrame, kitchen: JourneyMap) -> None:
    with make_api(db_url) as api:
        h = api.workspace("acme")
        m = post_map(api.client, h)
        d = upload(api.client, h, content=_csv(survey.iloc[:100]), filename="q1.csv").json()
        bad = survey.iloc[100:110].copy()
        bad.loc[bad.index[3], "q_web"] = 9  # outside its 1–5 scale
        r = _append(api, h, d["id"], bad, f"?map_id={m['id']}")
        assert r.status_code == 422, r.text
        assert r.json()["title"] == "The responses do not fit the map"
        assert "q_web" in r.json()["detail"]
        assert "Nothing was appended." in r.json()["detail"]
        assert api.client.get(f"/v1/datasets/{d['id']}", headers=h).json()["n_rows"] == 100
        assert _cases(api, h) == {}
        with pytest.raises(JourneymapError):  # the library refuses the same rows
            make_cases(kitchen, bad, rules=CaseRules(consent_column=None), opened_at=T0)


def test_case_rules_are_per_workspace_checked_by_the_library_and_used_when_cases_open(
        make_api: MakeApi, db_url: str, survey: pd.DataFrame, kitchen: JourneyMap,
        tmp_path: Path) -> None:
    with make_api(db_url) as api:
        h = api.workspace("acme")
        url = "/v1/workspace/case-rules"
        defaults = api.client.get(url, headers=h).json()
        assert defaults == {"detractor": True, "bottom_rating": True, "value_column": None,
                            "value_threshold": 0.0, "value_max_ltr": 8,
                            "sla_hours": dict(DEFAULT_SLA_HOURS), "updated_at": None}
        # refused by the library, with its message; nothing stored
        for body, words in [({"sla_hours": {"detractor": 0}}, "'detractor'"),
                            ({"sla_hours": {"detractor": -5}}, "positive number of hours"),
                            ({"sla_hours": {"churned": 5}}, "unknown reason 'churned'"),
                            ({"value_max_ltr": 11}, "from 0 to 10")]:
            r = api.client.put(url, json=body, headers=h)
            assert r.status_code == 422, (body, r.text)
            assert words in r.json()["detail"]
            with pytest.raises(JourneymapError) as exc:
                CaseRules(**body)
            assert r.json()["detail"] == str(exc.value)
            assert api.client.get(url, headers=h).json() == defaults

        rules = {"detractor": True, "bottom_rating": False, "value_column": "revenue",
                 "value_threshold": 50_000, "value_max_ltr": 8,
                 "sla_hours": {"detractor": 4, "valuable_low": 2.5}}
        r = api.client.put(url, json=rules, headers=h)
        assert r.status_code == 200, r.text
        stored = api.client.get(url, headers=h).json()
        assert stored["sla_hours"] == {"detractor": 4.0, "valuable_low": 2.5,
                                       "bottom_rating": 72.0}
        assert (stored["bottom_rating"], stored["value_column"]) == (False, "revenue")
        assert stored["updated_at"] is not None
        assert api.client.get(url, headers=api.workspace("other")).json() == defaults

        # a dataset with a value column: the fit's cases follow the stored rules
        data = survey.iloc[:300].assign(
            revenue=[(i * 7_919) % 100_000 for i in range(300)])
        m = post_map(api.client, h)
        d = upload(api.client, h, content=_csv(data), filename="q1.csv").json()
        assert wait_fit(api.client, h, start_fit(api.client, h, m["id"], d["id"])["id"])[
            "status"] == "done"
        library = CaseRules(consent_column=None, bottom_rating=False, value_column="revenue",
                            value_threshold=50_000,
                            sla_hours={"detractor": 4, "valuable_low": 2.5})
        expected = _expected(kitchen, data, tmp_path, library)
        cases = _cases(api, h)
        assert {k: (tuple(c["reasons"]), c["role"]) for k, c in cases.items()} == expected
        assert any("valuable_low" in reasons for reasons, _ in expected.values())
        assert all(_hours(c) == pytest.approx(min(library.sla_hours[x] for x in c["reasons"]))
                   for c in cases.values())

        # appended rows follow them too; a dataset without the value column leaves that
        # rule out and says so
        r = _append(api, h, d["id"], survey.iloc[300:400].assign(revenue=60_000))
        assert r.json()["cases"]["opened"] == len(_expected(
            kitchen, survey.iloc[300:400].assign(revenue=60_000), tmp_path, library)) > 0
        d2 = upload(api.client, h, content=_csv(survey.iloc[:50]), filename="q2.csv").json()
        r = _append(api, h, d2["id"], survey.iloc[50:100], f"?map_id={m['id']}")
        assert "no value column 'revenue'" in r.json()["cases"]["note"]
        assert r.json()["cases"]["opened"] == sum(
            1 for v in survey.iloc[50:100]["ltr"] if v <= 6)
