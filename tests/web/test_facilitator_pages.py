"""What facilitators use: the node form takes any id the map format takes and says why
when it refuses one; the fit page shows the library's check."""

from __future__ import annotations

import html
import re

import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api, example_map_text, fitted
from journeymap_api.web.numbers import keep_percent
from web_helpers import sign_in

from journeymap.limits import MAX_ID_CHARS
from journeymap.model import JourneyMap, node_id_problem


def _text_of(page: str) -> str:
    found = re.search(r"<textarea[^>]*>(.*)</textarea>", page, re.S)
    assert found is not None
    return html.unescape(found.group(1))


def test_the_node_form_adds_an_id_with_letters_of_any_alphabet(web: Api) -> None:
    web.workspace("acme")
    token = sign_in(web.client, web.keys["acme"])
    form = web.client.get("/app/maps/new").text
    node_input = re.search(r'<input id="node_id"[^>]*>', form)
    assert node_input is not None
    assert "pattern=" not in node_input.group(0)
    for field in ("scale_low", "scale_high"):
        tag = re.search(f'<input id="{field}"[^>]*>', form)
        assert tag is not None
        assert "placeholder" not in tag.group(0)
    r = web.client.post("/app/maps/add", headers={"X-CSRF-Token": token}, data={
        "what": "node", "source": example_map_text(), "node_id": "montör2", "kind": "role",
        "label": "Montör 2"})
    assert r.status_code == 200
    assert "Not added" not in r.text
    m = JourneyMap.from_text(_text_of(r.text), "m.yaml")
    assert m.node("montör2").kind == "role"


def test_the_node_form_refuses_an_id_with_the_librarys_own_message(web: Api) -> None:
    web.workspace("acme")
    token = sign_in(web.client, web.keys["acme"])
    source = example_map_text()
    for bad in ("2nd visit", "a b", "x" * (MAX_ID_CHARS + 1)):
        r = web.client.post("/app/maps/add", headers={"X-CSRF-Token": token}, data={
            "what": "node", "source": source, "node_id": bad, "kind": "touchpoint"})
        why = node_id_problem(bad)
        assert why is not None
        shown = re.search(r'<p class="error" role="alert">([^<]*)</p>', r.text)
        assert shown is not None
        assert html.unescape(shown.group(1)) == "Not added: " + why[:1].upper() + why[1:]
        assert _text_of(r.text) == source  # nothing added


def test_the_fit_page_shows_the_librarys_check_in_its_own_words(web: Api) -> None:
    from api_helpers import EXAMPLES

    from journeymap.analysis.check import check

    fit = fitted(web.client, web.workspace("acme"))
    sign_in(web.client, web.keys["acme"])
    page = web.client.get(f"/app/fits/{fit['id']}").text
    assert f'hx-get="/app/fits/{fit["id"]}/check"' in page
    r = web.client.get(f"/app/fits/{fit['id']}/check", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text  # the fragment
    report = check(JourneyMap.from_text(example_map_text(), "m.yaml"),
                   EXAMPLES / "kitchen_b2b.csv", min_responses=30).to_dict()
    shown = html.unescape(r.text)
    for line in report["summary"]:  # "95 %" with a no-break space (api.web.numbers)
        assert keep_percent(line) in shown
    for rec in report["implications"] + report["beliefs"]:
        assert keep_percent(rec["text"]) in shown
    assert f"{report['fit_indices']['cfi']:.3f}" in shown
    full = web.client.get(f"/app/fits/{fit['id']}/check")  # without JavaScript: a page
    assert "<html" in full.text
    assert keep_percent(report["summary"][0]) in html.unescape(full.text)
    other = web.client.get("/app/fits/00000000-0000-0000-0000-000000000000/check")
    assert other.status_code == 404
