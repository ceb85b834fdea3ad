"""Schemathesis fuzzes every operation of ``/openapi.json`` on a real server on
127.0.0.1 (a bounded number of examples, derandomized): no answer is a 5xx, and every
error is problem+json.  Half of the examples use the ids of a real finished fit (and
its map and dataset), so the analysis routes are fuzzed beyond their 404."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from api_helpers import EXAMPLES, Server, example_map_text, wait_fit
from hypothesis import HealthCheck, Phase, settings

MAX_EXAMPLES = 20
pytestmark = pytest.mark.slow  # a real server and hundreds of requests


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A server with one workspace and one finished fit of the example."""
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYMAP_")}
    env["JOURNEYMAP_MAX_UPLOAD_BYTES"] = "1000000"
    env["JOURNEYMAP_WORKERS"] = "1"
    server = Server(db=f"sqlite:///{tmp / 'fuzz.db'}", data_dir=tmp / "data", env=env,
                    log=tmp / "server.log")
    key = server.create_workspace("fuzz")
    server.start()
    try:
        with server.client(key) as c:
            m = c.post("/v1/maps", json={"source": example_map_text()}).json()
            with (EXAMPLES / "kitchen_b2b.csv").open("rb") as f:
                d = c.post("/v1/datasets", files={"file": ("k.csv", f, "text/csv")}).json()
            fit = c.post("/v1/fits", json={"map_id": m["id"], "dataset_id": d["id"]}).json()
            fit = wait_fit(c, {}, fit["id"])
        yield {"server": server, "key": key,
               "ids": {"fit_id": fit["id"], "map_id": m["id"], "dataset_id": d["id"]}}
    finally:
        server.stop()


def _openapi() -> dict[str, Any]:
    """The app's OpenAPI document (no database is touched to build it)."""
    from journeymap_api.main import create_app
    from journeymap_api.settings import Settings

    app = create_app(Settings(_env_file=None, database_url="sqlite://"))  # type: ignore[call-arg]
    return app.openapi()


# The schema is built at collection from the same code the server runs; a test below
# checks that the server's /openapi.json is this document.  (Schemathesis's lazy
# ``from_fixture`` loader does not work with pytest 9.)
OPENAPI = _openapi()
schema = schemathesis.openapi.from_dict(OPENAPI)
_turn = itertools.count()


def test_the_server_publishes_the_schema_that_is_fuzzed(live: dict[str, Any]) -> None:
    import httpx

    server: Server = live["server"]
    assert httpx.get(server.url + "/openapi.json").json() == OPENAPI


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_a_server_error(case: Any, live: dict[str, Any]) -> None:
    if next(_turn) % 2 and case.path_parameters:
        for name, value in live["ids"].items():
            if name in case.path_parameters:
                case.path_parameters[name] = value
    response = case.call(base_url=live["server"].url, timeout=30,
                         headers={"Authorization": f"Bearer {live['key']}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}: "
        f"{response.text[:500]}")
    if response.status_code >= 400:
        assert response.headers["content-type"][0] == "application/problem+json", (
            f"{case.method} {case.formatted_path}: {response.headers}")
        body = response.json()
        assert body["status"] == response.status_code
        assert body["detail"]
