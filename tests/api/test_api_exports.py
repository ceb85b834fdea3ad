"""A Qualtrics export (three header rows, choice text) uploaded as downloaded: POST
/v1/datasets stores it, and a fit of a map that finds its columns by question text and reads
its answers through value labels runs on the 40 responses (docs/survey-exports.md), also when
the file is above the size that is read and fitted in chunks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from api_helpers import Api, MakeApi, post_map, start_fit, upload, wait_fit

EXPORTS = Path(__file__).parents[1] / "data" / "exports"
SATISFACTION = {"Very dissatisfied": 1, "Dissatisfied": 2,
                "Neither satisfied nor dissatisfied": 3, "Satisfied": 4, "Very satisfied": 5}
MAP = yaml.safe_dump({
    "outcome": "nps", "value_sets": {"satisfaction": SATISFACTION},
    "nodes": [
        {"id": "nps", "kind": "outcome", "question": "How likely is it that you would "
         "recommend Kitchen Co to a friend or colleague?"},
        {"id": "delivery", "kind": "touchpoint", "scale": [1, 5], "values": "satisfaction",
         "question": "How satisfied were you with the delivery?"},
        {"id": "installation", "kind": "touchpoint", "scale": [1, 5], "column": "Q3",
         "values": "satisfaction"}],
    "edges": [["delivery", "nps"], ["installation", "nps"]]}, allow_unicode=True)


def test_a_qualtrics_export_upload_is_stored_with_its_40_responses(api: Api) -> None:
    r = upload(api.client, api.workspace(), EXPORTS / "qualtrics_en.csv")
    assert r.status_code == 201, r.text
    assert r.json()["n_rows"] == 40


def test_a_qualtrics_export_with_a_changed_layout_is_refused_with_the_reason(api: Api) -> None:
    raw = (EXPORTS / "qualtrics_en.csv").read_bytes().replace(
        b'{""ImportId"":""QID2""}', b"QID2", 1)
    r = upload(api.client, api.workspace(), content=raw, filename="edited.csv")
    assert r.status_code == 422, r.text
    assert "header rows do not hold together" in r.text
    assert "edited.csv" in r.text


@pytest.mark.slow  # a fit through the worker
def test_a_qualtrics_export_is_accepted_and_fitted_as_downloaded(api: Api) -> None:
    h = api.workspace()
    client = api.client
    r = upload(client, h, EXPORTS / "qualtrics_en.csv")
    assert r.status_code == 201, r.text
    assert r.json()["n_rows"] == 40
    m = post_map(client, h, MAP, filename="qualtrics.yaml")
    fit = wait_fit(client, h, start_fit(client, h, m["id"], r.json()["id"])["id"])
    assert fit["status"] == "done", fit


@pytest.mark.slow  # a fit through the worker
def test_a_large_export_is_counted_and_fitted_in_chunks_as_in_memory(
        make_api: MakeApi, sqlite_url: str) -> None:
    name = "qualtrics_en.csv"
    import journeymap as jm
    from journeymap.model import JourneyMap

    m = JourneyMap.from_text(MAP, "qualtrics.yaml")
    whole = jm.fit(m, EXPORTS / name, check_map=False).to_dict()
    with make_api(sqlite_url, stream_fits_above_bytes=0, fit_chunk_rows=1000) as api:
        h = api.workspace()
        r = upload(api.client, h, EXPORTS / name)
        assert r.status_code == 201, r.text
        assert r.json()["n_rows"] == 40  # the header rows are not responses
        mid = post_map(api.client, h, MAP, filename="qualtrics.yaml")["id"]
        fit = wait_fit(api.client, h, start_fit(api.client, h, mid, r.json()["id"])["id"])
    assert fit["status"] == "done", fit
    got = fit["result"]
    assert got["uncertainty"]["se_type"] == "hc1"  # streamed (docs/method.md)
    assert got["n_responses"] == whole["n_responses"] == 40
    assert got["nps"] == whole["nps"]
    for a, b in zip(got["edges"], whole["edges"], strict=True):
        assert a["estimate"] == pytest.approx(b["estimate"], rel=1e-9)
