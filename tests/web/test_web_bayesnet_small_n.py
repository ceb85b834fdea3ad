"""The web pages of a bayesnet fit whose figures partly rest on too little data
(docs/method.md, "9.8 Sparse data"): every page answers and shows no "nan"."""

from __future__ import annotations

from pathlib import Path

import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api, post_map, start_fit, upload, wait_fit
from web_helpers import sign_in

import journeymap as jm


def test_the_pages_of_a_small_bayesnet_fit_answer_without_nan(web: Api, tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    jm.example_data(n=250, seed=1).data.to_csv(path, index=False)
    h = web.workspace("acme")
    m = post_map(web.client, h)
    r = upload(web.client, h, path)
    assert r.status_code == 201, r.text
    fit = start_fit(web.client, h, m["id"], r.json()["id"], engine="bayesnet",
                    options={"draws": 20})
    assert wait_fit(web.client, h, fit["id"])["status"] == "done"
    sign_in(web.client, web.keys["acme"])
    for page in ("", "/drivers", "/roles", "/roles/installer", "/roles/marketing"):
        r = web.client.get(f"/app/fits/{fit['id']}{page}")
        assert r.status_code == 200, (page, r.text[:500])
        assert "nan" not in r.text.replace("nano", "").lower().split("<script")[0], page
    text = web.client.get(f"/app/fits/{fit['id']}/roles/installer").text
    assert "cannot be estimated from these data" in text
