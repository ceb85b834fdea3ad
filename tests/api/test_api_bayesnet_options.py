"""The bayesnet engine's options through the service: they reach the engine, the result says
which figures rest on too little data, and a bad value is one 422 that keeps nothing
(docs/api.md, docs/method.md §9.8)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_helpers import Api, post_dataset, post_map, start_fit, upload, wait_fit

import journeymap as jm
from journeymap.engines.bayesnet import BayesNetEngine


def test_the_fit_options_reach_the_bayesnet_engine(api: Api,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []
    original = BayesNetEngine.__init__

    def spy(self: BayesNetEngine, **kwargs: Any) -> None:
        seen.append(kwargs)
        original(self, **kwargs)

    monkeypatch.setattr(BayesNetEngine, "__init__", spy)
    h = api.workspace()
    m, d = post_map(api.client, h), post_dataset(api.client, h)
    options = {"bins": 3, "ess": 4.5, "ltr_states": "classes", "draws": 0, "random_state": 7}
    fit = start_fit(api.client, h, m["id"], d["id"], engine="bayesnet", options=options)
    done = wait_fit(api.client, h, fit["id"])
    assert done["status"] == "done", done["error"]
    assert seen == [{"min_responses": 30, "bins": 3, "ess": 4.5, "ltr_states": "classes",
                     "draws": 0, "random_state": 7}]
    assert {k: done["options"][k] for k in options} == options
    effects = done["result"]["effects"]
    assert all(isinstance(e["thin_share"], float) for e in effects)
    assert all(e["total_ci"] is None for e in effects)  # draws 0: no intervals


def test_a_small_survey_through_the_service_reports_not_estimable_figures(
        api: Api, tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    jm.example_data(n=250, seed=1).data.to_csv(path, index=False)
    h = api.workspace()
    m = post_map(api.client, h)
    r = upload(api.client, h, path)
    assert r.status_code == 201, r.text
    fit = start_fit(api.client, h, m["id"], r.json()["id"], engine="bayesnet",
                    options={"draws": 20})
    done = wait_fit(api.client, h, fit["id"])
    assert done["status"] == "done", done["error"]
    result = done["result"]
    library = jm.fit(jm.example_map(), path, engine="bayesnet", draws=20)
    assert [e["thin_share"] for e in result["effects"]] == [
        e.thin_share for e in library.node_effects]
    blank = {e["node"] for e in result["effects"] if e["not_estimable"]}
    assert blank == {"delivery", "installation", "product_quality"}
    assert not [w for w in result["warnings"] if "contradict" in w]
    fid = fit["id"]
    for path in ("drivers", "roles", "roles/installer", "map.svg?role=installer",
                 "cards/installer.html"):  # not-estimable figures read as missing, not 500
        r = api.client.get(f"/v1/fits/{fid}/{path}", headers=h)
        assert r.status_code == 200, (path, r.text)
    drivers = api.client.get(f"/v1/fits/{fid}/drivers", headers=h).json()["drivers"]
    assert [d["node"] for d in drivers[-3:]] == ["delivery", "installation", "product_quality"]
    assert all(d["nps_points"] is None for d in drivers[-3:])
    role = api.client.get(f"/v1/fits/{fid}/roles/installer", headers=h).json()
    assert "cannot be estimated from these data" in role["explanation"]


@pytest.mark.parametrize(("engine", "options", "field"), [
    ("bayesnet", {"draws": 1}, "options"),
    ("bayesnet", {"draws": 2001}, "draws"),
    ("bayesnet", {"draws": -1}, "draws"),
    ("bayesnet", {"bins": 1}, "bins"),
    ("bayesnet", {"bins": "some"}, "bins"),
    ("bayesnet", {"ess": 0}, "ess"),
    ("bayesnet", {"ess": -2.5}, "ess"),
    ("bayesnet", {"ltr_states": "3"}, "ltr_states"),
    ("linear", {"bins": 3}, "body"),
    ("linear", {"draws": 0, "ess": 2}, "body"),
])
def test_a_bad_bayesnet_option_is_one_422_and_no_fit_is_kept(
        api: Api, engine: str, options: dict[str, Any], field: str) -> None:
    h = api.workspace()
    m, d = post_map(api.client, h), post_dataset(api.client, h)
    r = api.client.post("/v1/fits", headers=h, json={
        "map_id": m["id"], "dataset_id": d["id"], "engine": engine, "options": options})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"] == "urn:journeymap:problem:invalid-request"
    assert any(field in [str(x) for x in e["loc"]] for e in problem["errors"]), problem
    if engine == "linear":
        assert f"are for the bayesnet engine, not '{engine}'" in problem["errors"][0]["msg"]
    assert api.client.get("/v1/fits", headers=h).json()["count"] == 0
