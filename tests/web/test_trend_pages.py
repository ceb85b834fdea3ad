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
