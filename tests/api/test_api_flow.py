"""The core flow through the app (TestClient), on SQLite and on PostgreSQL: a map, a
dataset, a fit in the background, and every analysis — with the numbers the library
gives for the same files."""

from __future__ import annotations

import json
import math

import pytest
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
from journeymap.analysis import drivers, explain_role, role_influence, what_if


@pytest.fixture(scope="module")
def library_result() -> jm.FitResult:
    """The library's own fit of the example files (in memory, like the CLI)."""
    m = jm.JourneyMap.from_yaml(EXAMPLES / "kitchen_b2b.yaml")
    return jm.fit(m, EXAMPLES / "kitchen_b2b.csv")


def _plain(obj: object) -> object:
    """JSON round trip, NaN → null, as the API writes numbers."""
    from journeymap_api.results import dumps

    return json.loads(dumps(obj))


def test_the_core_flow_gives_the_library_numbers(make_api: MakeApi, db_url: str,
                                                  library_result: jm.FitResult) -> None:
    with make_api(db_url) as api:
        c, h = api.client, api.workspace()
        m = post_map(c, h)
        assert m["version"] == 1
        assert m["nodes"] == 20
        assert m["name"].startswith("Storkök")
        d = post_dataset(c, h)
        assert d["n_rows"] == 3000
        assert "ltr" in d["columns"]
        assert d["format"] == "csv"
        queued = start_fit(c, h, m["id"], d["id"])
        assert queued["status"] in ("queued", "running", "done")
        done = wait_fit(c, h, queued["id"])
        assert done["status"] == "done"
        assert done["error"] is None
        assert done["started_at"] <= done["finished_at"]
        assert done["result"] == _plain(library_result.to_dict())

        r = c.get(f"/v1/fits/{done['id']}/drivers", headers=h)
        assert r.status_code == 200
        assert r.json()["drivers"] == _plain(drivers(library_result).to_dict(orient="records"))
        assert r.json()["nps"]["value"] == library_result.nps.value

        r = c.get(f"/v1/fits/{done['id']}/roles", headers=h)
        roles = r.json()["roles"]
        assert {x["role"] for x in roles} == set(library_result.roles["role"])
        assert [abs(x["nps_points"]) for x in roles] == sorted(
            (abs(x["nps_points"]) for x in roles), reverse=True)

        r = c.get(f"/v1/fits/{done['id']}/roles/installer", headers=h)
        body = r.json()
        expected = _plain(role_influence(library_result, "installer").to_dict())
        assert isinstance(expected, dict)
        assert {k: body[k] for k in expected} == expected
        assert body["explanation"] == explain_role(library_result, "installer")
        assert math.isclose(sum(p["effect"] for p in body["paths"]), body["influence"],
                            rel_tol=1e-12)

        r = c.post(f"/v1/fits/{done['id']}/what-if", json={"shifts": {"delivery": 1}},
                   headers=h)
        assert r.status_code == 200, r.text
        expected = _plain(what_if(library_result, {"delivery": 1.0}).to_dict())
        assert isinstance(expected, dict)
        assert {k: r.json()[k] for k in expected} == expected


def test_a_changed_map_is_a_new_version_and_old_fits_keep_theirs(make_api: MakeApi,
                                                                 db_url: str) -> None:
    with make_api(db_url) as api:
        c, h = api.client, api.workspace()
        m = post_map(c, h)
        d = post_dataset(c, h)
        fit1 = wait_fit(c, h, start_fit(c, h, m["id"], d["id"])["id"])
        same = c.put(f"/v1/maps/{m['id']}", json={"source": example_map_text(),
                                                  "filename": "kitchen_b2b.yaml"}, headers=h)
        assert same.status_code == 200
        assert same.json()["version"] == 1
        changed_text = example_map_text().replace("  - {from: brand, to: nps, expected: \"+\"}\n",
                                                  "")
        assert changed_text != example_map_text()
        r = c.put(f"/v1/maps/{m['id']}", json={"source": changed_text,
                                               "filename": "kitchen_b2b.yaml"}, headers=h)
        assert r.status_code == 200
        assert r.json()["version"] == 2
        assert r.json()["latest_version"] == 2
        assert r.json()["edges"] == m["edges"] - 1

        versions = c.get(f"/v1/maps/{m['id']}/versions", headers=h).json()
        assert [v["version"] for v in versions["data"]] == [1, 2]
        v1 = c.get(f"/v1/maps/{m['id']}", params={"version": 1}, headers=h).json()
        assert v1["source"] == example_map_text()
        assert v1["latest_version"] == 2
        assert c.get(f"/v1/maps/{m['id']}", params={"version": 3},
                     headers=h).status_code == 404

        fit2 = wait_fit(c, h, start_fit(c, h, m["id"], d["id"])["id"])
        assert fit1["map_version"] == 1
        assert fit2["map_version"] == 2
        again = c.get(f"/v1/fits/{fit1['id']}", headers=h).json()
        assert again["map_version"] == 1
        assert again["result"] == fit1["result"]
        edges1 = {(e["from"], e["to"]) for e in fit1["result"]["edges"]}
        edges2 = {(e["from"], e["to"]) for e in fit2["result"]["edges"]}
        assert edges1 - edges2 == {("brand", "nps")}
        old = wait_fit(c, h, start_fit(c, h, m["id"], d["id"], map_version=1)["id"])
        assert old["map_version"] == 1
        assert old["result"] == fit1["result"]


def test_lists_show_the_workspace_objects_newest_first(make_api: MakeApi, db_url: str) -> None:
    with make_api(db_url) as api:
        c, h = api.client, api.workspace()
        first = post_map(c, h)
        second = post_map(c, h)
        maps = c.get("/v1/maps", headers=h).json()
        assert maps["count"] == 2
        assert [x["id"] for x in maps["data"]] == [second["id"], first["id"]]
        assert c.get("/v1/maps", params={"limit": 1, "offset": 1},
                     headers=h).json()["data"][0]["id"] == first["id"]
        d = post_dataset(c, h)
        assert c.get("/v1/datasets", headers=h).json()["data"][0]["id"] == d["id"]
        assert c.get(f"/v1/datasets/{d['id']}", headers=h).json() == d
        fit = wait_fit(c, h, start_fit(c, h, first["id"], d["id"])["id"])
        fits = c.get("/v1/fits", params={"status": "done", "map_id": first["id"]},
                     headers=h).json()
        assert fits["count"] == 1
        assert fits["data"][0]["id"] == fit["id"]
        assert fits["data"][0]["result"] is None
        assert c.get("/v1/fits", params={"map_id": second["id"]}, headers=h).json()["count"] == 0


def test_rendered_map_and_role_card_come_from_the_library(make_api: MakeApi, sqlite_url: str,
                                                          library_result: jm.FitResult) -> None:
    import shutil

    from api_helpers import fitted

    from journeymap.render.card import role_card
    from journeymap.render.graph import render

    if shutil.which("dot") is None:
        pytest.skip("graphviz's dot is not installed")
    with make_api(sqlite_url) as api:
        c, h = api.client, api.workspace()
        fit = fitted(c, h)
        r = c.get(f"/v1/fits/{fit['id']}/map.svg", params={"role": "installer"}, headers=h)
        assert r.status_code == 200
        assert r.headers["content-type"] == "image/svg+xml"
        assert r.content == render(library_result.journey_map, library_result,
                                   role="installer", format="svg")
        assert "default-src 'none'" in r.headers["content-security-policy"]
        r = c.get(f"/v1/fits/{fit['id']}/map.svg", params={"lanes": "stage"}, headers=h)
        assert r.status_code == 200
        assert r.content.lstrip().startswith(b"<?xml")
        r = c.get(f"/v1/fits/{fit['id']}/cards/installer.html", headers=h)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        version = c.get(f"/v1/maps/{fit['map_id']}", headers=h).json()
        assert r.text == role_card(library_result, "installer", format="html",
                                   map_version=fit["map_version"],
                                   map_date=version["created_at"][:10])
        r = c.get(f"/v1/fits/{fit['id']}/cards/delivery.html", headers=h)
        assert r.status_code == 404
        assert "not a role" in r.json()["detail"]
        r = c.get(f"/v1/maps/{fit['map_id']}/map.svg", headers=h)
        assert r.status_code == 200
        assert b"<svg" in r.content
