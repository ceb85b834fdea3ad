"""The web upload page takes a Qualtrics export as downloaded (three header rows, choice
text): the preview shows its 40 responses under the Qualtrics ids, and the data checks
against a map that reads its answers through value labels say the data fit the map
(docs/survey-exports.md)."""

from __future__ import annotations

from pathlib import Path

import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api
from test_api_exports import MAP
from web_helpers import sign_in

EXPORTS = Path(__file__).parents[1] / "data" / "exports"


def test_a_qualtrics_export_uploaded_on_the_page_fits_the_map_that_reads_it(web: Api) -> None:
    web.workspace("acme")
    token = sign_in(web.client, web.keys["acme"])
    web.client.post("/app/maps", data={"source": MAP, "csrf_token": token})
    with (EXPORTS / "qualtrics_en.csv").open("rb") as f:
        r = web.client.post("/app/datasets", data={"csrf_token": token, "name": "Qualtrics"},
                            files={"file": ("qualtrics_en.csv", f, "text/csv")},
                            follow_redirects=False)
    assert r.status_code == 303
    page = web.client.get(r.headers["location"])
    assert "The first 8 of 40 rows" in page.text
    assert "Q1_NPS_GROUP" in page.text
    assert "The data fit the map" in page.text
