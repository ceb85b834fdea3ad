"""A fit through the service says when the data reject the map, as the library does: the
same ``map_check`` and warning in memory and streamed (docs/method.md §10.6)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from api_helpers import MakeApi, post_map, start_fit, upload, wait_fit

import journeymap as jm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_fit_check import CHAIN, TRUTH, same_check, with_blanks


@pytest.fixture(scope="module")
def frame() -> Any:
    return with_blanks(jm.simulate(TRUTH, 1500, 3).data)


@pytest.mark.parametrize("streamed", [False, True], ids=["in memory", "streamed"])
def test_the_service_fit_carries_the_same_check_and_warning_as_the_library(
        make_api: MakeApi, sqlite_url: str, tmp_path: Path, frame: Any,
        streamed: bool) -> None:
    path = tmp_path / "chain.csv"
    frame.to_csv(path, index=False)
    library = jm.fit(CHAIN, frame)
    assert library.map_check is not None
    assert library.map_check["rejected"]
    settings = {"stream_fits_above_bytes": 0, "fit_chunk_rows": 250} if streamed else {}
    with make_api(sqlite_url, **settings) as api:
        h = api.workspace()
        m = post_map(api.client, h, CHAIN.to_yaml(), filename="chain.yaml")
        r = upload(api.client, h, path)
        assert r.status_code == 201, r.text
        fit = start_fit(api.client, h, m["id"], r.json()["id"])
        done = wait_fit(api.client, h, fit["id"])
    assert done["status"] == "done", done["error"]
    result = done["result"]
    same_check(result["map_check"], library.to_dict()["map_check"])
    warning = library.map_check["warning"]
    assert warning in result["warnings"]
    assert result["warnings"] == list(library.warnings)
