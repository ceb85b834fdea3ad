"""Schemathesis over the whole OpenAPI document with all its checks, in process (ASGI).

Every operation of ``/openapi.json`` gets generated requests — valid ones and, where
the schema allows, invalid ones — sent to the app with a valid API key, and every
answer goes through all of Schemathesis's checks (``case.call_and_validate()``): no
server error, status codes, content types, response headers and bodies as the
document declares, invalid requests refused and valid ones accepted, and the rest.
For the read operations, half the examples use the ids of a real finished fit (and
its map and dataset), so they are checked beyond their 404.  The number of examples
is bounded (derandomized) so that the run stays well under a minute.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from api_helpers import fitted, make_settings
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from journeymap_api.auth import create_workspace
from journeymap_api.main import create_app
from schemathesis import GenerationMode

MAX_EXAMPLES = 8
pytestmark = pytest.mark.slow  # fuzzing: hundreds of requests (not in make test-fast)
_STATE: dict[str, Any] = {}
_turn = itertools.count()


def _prepared_app() -> Any:
    """An app on a fresh database with one workspace and one finished fit.

    The fit is made by a first app (its lifespan ends with the setup); Schemathesis
    drives a second app on the same database and data folder, and runs its lifespan.
    """
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="jm-schema-"))
    config = make_settings(f"sqlite:///{tmp / 'schema.db'}", tmp / "data",
                           max_upload_bytes=1_000_000)
    setup = create_app(config)
    with TestClient(setup) as client:
        with setup.state.sessions() as session:
            _ws, key = create_workspace(session, "schema")
            session.commit()
        headers = {"Authorization": f"Bearer {key}"}
        done = fitted(client, headers)
    _STATE.update(key=key, ids={"fit_id": done["id"], "map_id": done["map_id"],
                                "dataset_id": done["dataset_id"]})
    return create_app(config)


# A map text or a survey file is a string or a file to the schema; whether it is a valid
# map or survey is the library's question, answered 422 with its message, and a file of
# a kind the service does not read is 415 (docs/api.md, "Errors").  So a schema-valid
# request may be refused with 422 or 415: those are the statuses added to what the
# positive-data check expects.
APP = _prepared_app()
CONFIG = schemathesis.Config.from_dict({
    "auth": {"openapi": {"ApiKey": {"bearer": _STATE["key"]}}},
    "checks": {"positive_data_acceptance": {
        "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "415", "422", "429",
                              "5xx"]}}})
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_every_operation_passes_every_schemathesis_check(case: Any) -> None:
    meta = getattr(case, "_meta", None)
    positive = meta is not None and meta.generation.mode == GenerationMode.POSITIVE
    if positive and case.method == "GET" and case.path_parameters and next(_turn) % 2:
        for name, value in _STATE["ids"].items():
            if name in case.path_parameters:
                case.path_parameters[name] = value
    case.call_and_validate()


def test_the_fuzzed_document_covers_every_operation() -> None:
    """Every ``/v1`` operation and the health check are in the fuzzed document."""
    paths = APP.openapi()["paths"]
    assert len(paths) >= 17
    assert {"delete", "get", "put"} <= set(paths["/v1/maps/{map_id}"])
    assert "/v1/fits/{fit_id}/cancel" in paths
