"""The web's CSV downloads (drivers.csv, roles.csv) are safe to open in a spreadsheet:
formula-like labels come back as text with a leading apostrophe (docs/security.md)."""

from __future__ import annotations

import csv
import io

import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api, post_dataset, post_map, start_fit, wait_fit
from web_helpers import sign_in

import journeymap as jm

PAYLOADS = ["=1+1", '+HYPERLINK("http://evil.example","x")', "@SUM(A1:A9)", "-2+3",
            "=cmd|' /C calc'!A0"]


def _safe(text: str) -> str:
    """Independent statement of the rule for these labels (none is a plain number)."""
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def test_drivers_and_roles_csv_neutralise_formula_like_labels(web: Api) -> None:
    m = jm.example_map().to_dict()
    labels = {}
    for i, node in enumerate(n for n in m["nodes"] if n["kind"] in ("touchpoint", "role")):
        node["label"] = f"{PAYLOADS[i % len(PAYLOADS)]} {i}"
        labels[node["id"]] = node["label"]
    headers = web.workspace("acme")
    map_id = post_map(web.client, headers, jm.JourneyMap.from_dict(m).to_yaml())["id"]
    fit = start_fit(web.client, headers, map_id, post_dataset(web.client, headers)["id"])
    assert wait_fit(web.client, headers, fit["id"])["status"] == "done"
    sign_in(web.client, web.keys["acme"])
    seen = 0
    for name, key in (("drivers.csv", "node"), ("roles.csv", "role")):
        r = web.client.get(f"/app/fits/{fit['id']}/files/{name}")
        assert r.status_code == 200, r.text
        rows = list(csv.DictReader(io.StringIO(r.text, newline="")))
        assert rows
        for row in rows:
            if row[key] in labels:
                assert row["label"] == _safe(labels[row[key]])
                seen += 1
    assert seen >= 10
