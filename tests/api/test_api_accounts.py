"""B2B accounts in the API (docs/accounts.md): the library's report of the fit's data, on
SQLite and (marked postgres) PostgreSQL; a map without accounts is one 422."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from api_helpers import (
    EXAMPLES,
    MakeApi,
    example_map_text,
    post_dataset,
    post_map,
    start_fit,
    wait_fit,
)

import journeymap as jm
from journeymap.analysis.accounts import account_analysis
from journeymap.i18n import use_language

ACCOUNTS = "\naccounts: {column: account, role: contact_role}\n"


def _plain(obj: object) -> object:
    from journeymap_api.results import dumps

    return json.loads(dumps(obj))


def _survey(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    survey = pd.read_csv(EXAMPLES / "kitchen_b2b.csv")
    survey["account"] = [f"Account {i % 7}" for i in range(len(survey))]
    survey["contact_role"] = ["decision maker" if i % 5 == 0 else "user"
                              for i in range(len(survey))]
    path = tmp_path / "b2b.csv"
    survey.to_csv(path, index=False)
    return path, survey


@pytest.mark.slow
def test_the_accounts_route_gives_the_library_report_of_the_fit_data(
        make_api: MakeApi, db_url: str, tmp_path: Path) -> None:
    path, survey = _survey(tmp_path)
    source = example_map_text() + ACCOUNTS
    jmap = jm.JourneyMap.from_dict(yaml.safe_load(source))
    with make_api(db_url) as api:
        c, h = api.client, api.workspace()
        m = post_map(c, h, source)
        d = post_dataset(c, h, path)
        fit = wait_fit(c, h, start_fit(c, h, m["id"], d["id"])["id"])
        assert fit["status"] == "done", fit["error"]
        r = c.get(f"/v1/fits/{fit['id']}/accounts?order=risk&lang=sv", headers=h)
        assert r.status_code == 200, r.text
        with use_language("sv"):
            expected = _plain(account_analysis(jmap, survey, order="risk").to_dict())
        assert isinstance(expected, dict)
        assert {k: r.json()[k] for k in expected} == expected
        assert r.json()["n_accounts"] == 7
        # "En beslutsfattare svarade 3 …" or, for several, "4 beslutsfattare svarade 2, 3 …"
        assert any(" beslutsfattare svarade " in x["text"]
                   for a in r.json()["accounts"] for x in a["reasons"])

        m2 = post_map(c, h, example_map_text(), filename="plain.yaml")
        fit2 = wait_fit(c, h, start_fit(c, h, m2["id"], d["id"])["id"])
        r2 = c.get(f"/v1/fits/{fit2['id']}/accounts", headers=h)
        assert r2.status_code == 422
        assert "the map names no account column" in r2.json()["detail"]
