"""/v1/cases: cases opened when a fit completes (idempotent by response id), filters,
status changes (409 for a refused one), CSV for a CRM and the closed-loop figures —
on SQLite and (marked postgres) on PostgreSQL."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from api_helpers import EXAMPLES, MakeApi, every_page, post_dataset, post_map, start_fit, wait_fit

from journeymap.cases import CaseRules, make_cases
from journeymap.model import JourneyMap


def _expected(tmp_csv: str) -> dict[str, str | None]:
    m = JourneyMap.from_yaml(EXAMPLES / "kitchen_b2b.yaml")
    found = make_cases(m, tmp_csv, rules=CaseRules(consent_column=None),
                       opened_at=pd.Timestamp("2026-01-01", tz="UTC").to_pydatetime())
    return {c.response_id: c.role for c in found}


def test_a_finished_fit_opens_the_cases_once_and_they_can_be_worked(make_api: MakeApi,
                                                                     db_url: str) -> None:
    with make_api(db_url) as api:
        h = api.workspace("acme")
        m = post_map(api.client, h)
        d = post_dataset(api.client, h)
        done = wait_fit(api.client, h, start_fit(api.client, h, m["id"], d["id"])["id"])
        assert done["status"] == "done"
        cases = every_page(api.client, h, "/v1/cases", "cases")
        expected = _expected(str(EXAMPLES / "kitchen_b2b.csv"))
        assert {c["response_id"]: c["role"] for c in cases} == expected
        assert all(not c["contact_ok"] for c in cases)  # no contact_ok column
        # a second fit of the same dataset opens nothing new
        wait_fit(api.client, h, start_fit(api.client, h, m["id"], d["id"])["id"])
        assert len(every_page(api.client, h, "/v1/cases", "cases")) == len(expected)
        # filters
        role = next(r for r in expected.values() if r is not None)
        listed = every_page(api.client, h, "/v1/cases", "cases",
                            {"role": role, "status": "open"})
        assert len(listed) == sum(1 for r in expected.values() if r == role)
        assert every_page(api.client, api.workspace("other"), "/v1/cases", "cases") == []
        # transitions
        case = listed[0]
        path = f"/v1/cases/{case['id']}"
        assert api.client.patch(path, json={"status": "closed"}, headers=h).status_code == 409
        r = api.client.patch(path, json={"status": "contacted"}, headers=h)
        assert r.status_code == 200
        assert r.json()["contacted_at"] is not None
        r = api.client.patch(path, json={"status": "open"}, headers=h)
        assert r.status_code == 409
        assert r.headers["content-type"].startswith("application/problem+json")
        r = api.client.patch(path, json={"status": "closed", "note": "called, fixed"}, headers=h)
        assert r.json()["status"] == "closed"
        assert api.client.get(path, headers=h).json()["note"] == "called, fixed"
        assert api.client.get(path, headers=api.workspace("other")).status_code == 404
        # CSV
        r = api.client.get("/v1/cases/csv", params={"status": "closed"}, headers=h)
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert [x["case_id"] for x in rows] == [case["id"]]
        assert rows[0]["note"] == "called, fixed"
        # stats: one closed of the role's cases this month
        stats = api.client.get("/v1/cases/stats", params={"role": role}, headers=h).json()
        (s,) = stats["stats"]
        assert s["n_closed"] == 1
        assert s["n_opened"] == len(listed)
        assert s["closed_loop_rate"] == pytest.approx(1 / len(listed))
