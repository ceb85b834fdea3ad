"""A Qualtrics export (three header rows, choice text) uploaded as downloaded: POST
/v1/datasets stores it, and a fit of a map that finds its columns by question text and reads
its answers through value labels runs on the 40 responses (docs/survey-exports.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from api_helpers import Api, post_map, start_fit, upload, wait_fit

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
