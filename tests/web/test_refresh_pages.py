"""The fit page's 'Refresh with the latest responses' button: a new fit of the same map
and options over the dataset's rows now, whose page links back and says which
responses it read (docs/continuous-measurement.md, "Refreshing a fit")."""

from __future__ import annotations

import re

import pandas as pd
from api_helpers import EXAMPLES, Api, post_map, start_fit, upload, wait_fit
from web_helpers import csrf_of, sign_in

from journeymap import i18n


def test_the_refresh_button_fits_the_appended_responses_and_links_back(web: Api) -> None:
    survey = pd.read_csv(EXAMPLES / "kitchen_b2b.csv")
    h = web.workspace("acme")
    m = post_map(web.client, h)
    d = upload(web.client, h, content=survey.iloc[:1500].to_csv(index=False).encode(),
               filename="h1.csv").json()
    old = wait_fit(web.client, h, start_fit(web.client, h, m["id"], d["id"], options={
        "period": {"window": "last-30-days"}})["id"])
    assert old["status"] == "done", old["error"]
    r = web.client.post(f"/v1/datasets/{d['id']}/responses", headers={
        **h, "Content-Type": "text/csv"}, content=survey.iloc[1500:].to_csv(index=False).encode())
    assert r.status_code == 200, r.text
    sign_in(web.client, web.keys["acme"])
    page = web.client.get(f"/app/fits/{old['id']}").text
    assert 'id="refresh-fit"' in page
    assert "Refresh with the latest responses" in page
    w = old["window"]
    assert f'{w["from"]} to {w["to"]} (last-30-days) · {w["n_rows"]:,} responses' in page
    form = page[page.index(f'action="/app/fits/{old["id"]}/refresh"'):]
    r = web.client.post(f"/app/fits/{old['id']}/refresh",
                        data={"csrf_token": csrf_of(form)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    new_id = re.fullmatch(r"/app/fits/([0-9a-f-]{36})", r.headers["location"])
    assert new_id is not None
    new = wait_fit(web.client, h, new_id.group(1))
    assert new["status"] == "done", new["error"]
    assert new["refreshed_from"] == old["id"]
    days = pd.to_datetime(survey["date"])
    assert new["window"]["to"] == days.max().date().isoformat() != w["to"]
    assert new["window"]["n_rows"] == int((days > days.max() - pd.Timedelta(days=30)).sum())
    shown = web.client.get(f"/app/fits/{new['id']}").text
    assert f'id="fit-refreshed-from" href="/app/fits/{old["id"]}"' in shown
    assert web.client.get(f"/v1/fits/{old['id']}", headers=h).json() == old
    refused = web.client.post(f"/app/fits/{old['id']}/refresh", data={"csrf_token": "x"},
                              follow_redirects=False)
    assert refused.status_code == 403
    assert web.client.get("/v1/fits", headers=h).json()["count"] == 2


def test_the_refresh_words_are_translated(web: Api) -> None:
    for lang, words in (("sv", "Uppdatera med de senaste svaren"),
                        ("da", "Opdater med de seneste svar"),
                        ("fi", "Päivitä uusimmilla vastauksilla"),
                        ("nb", "Oppdater med de nyeste svarene")):
        with i18n.use_language(lang):
            assert i18n.gettext("Refresh with the latest responses") == words
