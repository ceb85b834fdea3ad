"""The linear engine's standard-error type through the service (docs/api.md, ``options.se``):
'classical' gives the library's classical numbers, the default gives its HC3 numbers, and
``se`` with the bayesnet engine is one 422 that keeps nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from api_helpers import Api, post_map, start_fit, upload, wait_fit

import journeymap as jm


@pytest.mark.parametrize("se", ["classical", None])
def test_a_service_fit_has_the_library_fits_standard_errors_of_the_chosen_type(
        api: Api, tmp_path: Path, se: str | None) -> None:
    path = tmp_path / "survey.csv"
    jm.example_data(n=400, seed=3).data.to_csv(path, index=False)
    h = api.workspace()
    m = post_map(api.client, h)
    r = upload(api.client, h, path)
    assert r.status_code == 201, r.text
    options = {} if se is None else {"se": se}
    fit = start_fit(api.client, h, m["id"], r.json()["id"], options=options)
    done = wait_fit(api.client, h, fit["id"])
    assert done["status"] == "done", done["error"]
    library = jm.fit(jm.example_map(), path, se=se or "hc3")
    got = [e["se"] for e in done["result"]["edges"] if e["se"] is not None]
    want = [e.se for e in library.edge_estimates if e.se is not None]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert done["result"]["uncertainty"]["se_type"] == (se or "hc3")
    other = jm.fit(jm.example_map(), path, se="hc3" if se == "classical" else "classical")
    assert max(abs(a - b.se) for a, b in zip(
        got, [e for e in other.edge_estimates if e.se is not None], strict=True)) > 1e-6


def test_se_with_the_bayesnet_engine_is_one_422_and_no_fit_is_kept(api: Api) -> None:
    h = api.workspace()
    m = post_map(api.client, h)
    r = upload(api.client, h)
    r = api.client.post("/v1/fits", headers=h, json={
        "map_id": m["id"], "dataset_id": r.json()["id"], "engine": "bayesnet",
        "options": {"se": "classical"}})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"] == "urn:journeymap:problem:invalid-request"
    assert "option se is for the linear engine" in problem["errors"][0]["msg"]
    assert api.client.get("/v1/fits", headers=h).json()["count"] == 0


def test_an_unknown_se_type_is_one_422(api: Api) -> None:
    h = api.workspace()
    m = post_map(api.client, h)
    r = upload(api.client, h)
    r = api.client.post("/v1/fits", headers=h, json={
        "map_id": m["id"], "dataset_id": r.json()["id"], "options": {"se": "hc0"}})
    assert r.status_code == 422, r.text
    assert any("se" in [str(x) for x in e["loc"]] for e in r.json()["errors"])
