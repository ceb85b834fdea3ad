"""The drivers and role pages say plainly when the data reject the map, linking to the fit
page's check; the shared role page says it without the analyst's link."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api, fitted, post_map, start_fit, upload, wait_fit
from web_helpers import sign_in

import journeymap as jm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_fit_check import CHAIN, TRUTH

WARNING = "The survey answers do not fit this map well"
SWEDISH = "Enkätsvaren passar inte den här kartan väl"


def _chain_fit(web: Api, tmp_path: Path) -> dict[str, Any]:
    h = web.workspace("acme")
    path = tmp_path / "chain.csv"
    jm.simulate(TRUTH, 1500, 3).data.to_csv(path, index=False)
    m = post_map(web.client, h, CHAIN.to_yaml(), filename="chain.yaml")
    d = upload(web.client, h, path)
    assert d.status_code == 201, d.text
    done = wait_fit(web.client, h, start_fit(web.client, h, m["id"], d.json()["id"])["id"])
    assert done["status"] == "done", done["error"]
    assert done["result"]["map_check"]["rejected"]
    return done


def test_drivers_and_role_pages_warn_and_link_to_the_check_when_the_data_reject_the_map(
        web: Api, tmp_path: Path) -> None:
    fit = _chain_fit(web, tmp_path)
    sign_in(web.client, web.keys["acme"])
    link = f'<a href="/app/fits/{fit["id"]}#fit-check">What the data say about the map</a>'
    for path in (f"/app/fits/{fit['id']}/drivers", f"/app/fits/{fit['id']}/roles/installer"):
        page = web.client.get(path)
        assert page.status_code == 200, page.text
        assert page.text.count('id="map-warning"') == 1, path
        assert WARNING in page.text
        assert link in page.text
    swedish = web.client.get(f"/app/fits/{fit['id']}/drivers",
                             headers={"Accept-Language": "sv"}).text
    assert SWEDISH in swedish
    # the fit page holds the section the link points to
    assert 'id="fit-check"' in web.client.get(f"/app/fits/{fit['id']}").text


def test_the_shared_role_page_warns_without_a_link_into_the_app(web: Api,
                                                                tmp_path: Path) -> None:
    fit = _chain_fit(web, tmp_path)
    r = web.client.post(f"/v1/fits/{fit['id']}/roles/installer/share",
                        headers=web.workspace("acme"))
    assert r.status_code == 201, r.text
    page = web.client.get(r.json()["url"].removeprefix("http://testserver"))
    assert page.status_code == 200
    assert WARNING in page.text
    assert "#fit-check" not in page.text


def test_a_map_the_data_do_not_reject_gets_no_warning(web: Api) -> None:
    fit = fitted(web.client, web.workspace("acme"))
    assert not fit["result"]["map_check"]["rejected"]
    sign_in(web.client, web.keys["acme"])
    for path in (f"/app/fits/{fit['id']}/drivers", f"/app/fits/{fit['id']}/roles/installer"):
        assert 'id="map-warning"' not in web.client.get(path).text
