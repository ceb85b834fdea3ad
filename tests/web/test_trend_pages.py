"""The analyst's 'NPS over time' page: the library's trend of the fit's data as a chart
and a table, small periods suppressed."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from api_helpers import EXAMPLES, Api, fitted
from web_helpers import sign_in

from journeymap.nps import nps_score


@pytest.mark.slow
def test_the_trend_page_shows_each_quarters_nps_and_links_from_the_fit(web: Api) -> None:
    h = web.workspace("acme")
    fit = fitted(web.client, h)
    sign_in(web.client, web.keys["acme"])
    page = web.client.get(f"/app/fits/{fit['id']}")
    assert f'href="/app/fits/{fit["id"]}/trend"' in page.text
    r = web.client.get(f"/app/fits/{fit['id']}/trend?period=quarter")
    assert r.status_code == 200, r.text
    survey = pd.read_csv(EXAMPLES / "kitchen_b2b.csv")
    q1 = survey[survey["date"] < "2026-04-01"]["ltr"]
    table = r.text[r.text.index('id="trend-table"'):]
    row = re.search(r'<th scope="row">2026-Q1</th><td>([^<]+)</td>\s*<td>([^<]+)</td>', table)
    assert row is not None
    assert row.group(1).replace(",", "").replace("\u202f", "").replace("\xa0", "") == str(
        q1.notna().sum())
    expected = nps_score(q1.to_numpy(dtype=float)).value
    assert float(row.group(2).replace("+", "").replace("\u2212", "-")) == pytest.approx(
        expected, abs=0.5)
    assert r.text.count("<circle") == 2


@pytest.mark.slow
def test_the_role_page_loads_a_small_over_time_block_of_that_role(web: Api) -> None:
    import journeymap as jm

    h = web.workspace("acme")
    fit = fitted(web.client, h)
    sign_in(web.client, web.keys["acme"])
    base = f"/app/fits/{fit['id']}/roles/installer"
    assert f'hx-get="{base}/trend"' in web.client.get(base).text
    r = web.client.get(f"{base}/trend", headers={"HX-Request": "true"})
    assert r.status_code == 200, r.text
    assert "<html" not in r.text  # a fragment for the role page
    survey = pd.read_csv(EXAMPLES / "kitchen_b2b.csv")
    q2 = survey[survey["date"] >= "2026-04-01"].reset_index(drop=True)
    own = jm.fit(jm.JourneyMap.from_yaml(EXAMPLES / "kitchen_b2b.yaml"), q2).role("installer")
    row = re.search(r'<th scope="row">2026-Q2</th><td>[^<]+</td>\s*<td>([^<]+)</td>', r.text)
    assert row is not None
    shown = float(row.group(1).replace("+", "").replace("\u2212", "-"))
    assert shown == pytest.approx(own.nps_points, abs=0.05)
    assert "<html" in web.client.get(f"{base}/trend").text  # without JavaScript: a page
