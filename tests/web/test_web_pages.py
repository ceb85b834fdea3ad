"""The HTML routes under /app through a TestClient: sign-in and sessions, CSRF, the
workspace scoping shared with /v1, every page, the fragments and the downloads."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import EXAMPLES, Api, example_map_text, fitted, make_settings, wait_fit
from fastapi.testclient import TestClient
from journeymap_api.main import create_app
from journeymap_api.web._core import local_path, signed
from journeymap_api.web.mapedit import EdgeForm, NodeForm, add_edge, add_node, problem_lines
from journeymap_api.web.numbers import CI95
from journeymap_api.web.session import hash_token
from web_helpers import csrf_of, sign_in

from journeymap.analysis.roles import NOT_FOR_PAY
from journeymap.model import JourneyMap

PAGES = ("/app", "/app/maps/new", "/app/datasets")


def _signed_in(web: Api, name: str = "acme") -> str:
    web.workspace(name)
    return sign_in(web.client, web.keys[name])


def _fit(web: Api, name: str = "acme") -> dict[str, Any]:
    return fitted(web.client, web.workspace(name))


# ------------------------------------------------------------ sign-in and sessions
@pytest.mark.parametrize("path", [*PAGES, "/app/fits/00000000-0000-0000-0000-000000000000"])
def test_pages_without_a_session_redirect_to_the_sign_in_form(web: Api, path: str) -> None:
    r = web.client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/app/sign-in?next={path}"


def test_an_htmx_request_without_a_session_is_sent_to_the_sign_in_form(web: Api) -> None:
    r = web.client.post("/app/maps/check", data={"source": "x"},
                        headers={"HX-Request": "true", "HX-Current-URL": "/app/maps/new"})
    assert r.status_code == 200
    assert r.headers["HX-Redirect"] == "/app/sign-in?next=/app/maps/new"


def test_a_wrong_key_is_refused_with_a_message_and_no_session(web: Api) -> None:
    form = web.client.get("/app/sign-in")
    assert 'for="key"' in form.text
    assert form.cookies.get("jm_signin")
    r = web.client.post("/app/sign-in", data={"key": "jm_wrong", "csrf_token": csrf_of(form.text),
                                              "next": "/app"}, follow_redirects=False)
    assert r.status_code == 401
    assert "That workspace key is not valid" in r.text
    assert "jm_session" not in r.cookies
    assert web.client.get("/app", follow_redirects=False).status_code == 303


def test_sign_in_needs_the_forms_token(web: Api) -> None:
    web.workspace("acme")
    r = web.client.post("/app/sign-in", data={"key": web.keys["acme"], "csrf_token": "forged"},
                        follow_redirects=False)
    assert r.status_code == 403
    assert "expired" in r.text


def test_the_session_cookie_is_httponly_strict_and_a_random_token(web: Api) -> None:
    from journeymap_api.models import BrowserSession
    from sqlalchemy import select

    web.workspace("acme")
    form = web.client.get("/app/sign-in")
    r = web.client.post("/app/sign-in", data={"key": web.keys["acme"],
                                              "csrf_token": csrf_of(form.text),
                                              "next": "/app/datasets"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/app/datasets"
    cookie = r.headers["set-cookie"]
    assert "jm_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http
    value = r.cookies["jm_session"]
    assert web.keys["acme"] not in value
    assert len(value) == 43
    with web.client.app.state.sessions() as s:  # type: ignore[attr-defined]
        assert s.scalars(select(BrowserSession.token_hash)).all() == [hash_token(value)]
    # a changed cookie is not a session
    assert web.client.get("/app", follow_redirects=False).status_code == 200
    web.client.cookies.clear()
    web.client.cookies.set("jm_session", value[:-2] + ("A" if value[-2] != "A" else "B") +
                           value[-1])
    assert web.client.get("/app", follow_redirects=False).status_code == 303


def test_redirect_targets_stay_inside_the_app() -> None:
    assert local_path("/app/fits/1?x=2") == "/app/fits/1?x=2"
    assert local_path("https://evil.example/app") == "/app"
    assert local_path("//evil.example/app") == "/app"
    assert local_path("/v1/maps") == "/app"
    assert local_path("http://127.0.0.1:8000/app/maps/new") == "/app/maps/new"


def test_a_revoked_key_ends_its_sessions(web: Api) -> None:
    from journeymap_api.models import ApiKey, utcnow
    from sqlalchemy import update

    _signed_in(web)
    web.client.app.state.auth_cache.ttl = 0  # type: ignore[attr-defined]
    with web.client.app.state.sessions() as s:  # type: ignore[attr-defined]
        s.execute(update(ApiKey).values(revoked_at=utcnow()))
        s.commit()
    r = web.client.get("/app", follow_redirects=False)
    assert r.status_code == 303
    assert "expired=1" in r.headers["location"]


def test_sign_out_ends_the_session(web: Api) -> None:
    token = _signed_in(web)
    r = web.client.post("/app/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert web.client.get("/app", follow_redirects=False).status_code == 303


# ---------------------------------------------------------------------- CSRF
@pytest.mark.parametrize(("path", "data"), [
    ("/app/maps", {"source": "x"}),
    ("/app/maps/check", {"source": "x"}),
    ("/app/maps/add", {"what": "node", "source": "x", "node_id": "a"}),
    ("/app/fits", {"map_id": "00000000-0000-0000-0000-000000000000",
                   "dataset_id": "00000000-0000-0000-0000-000000000000"}),
    ("/app/sign-out", {}),
])
def test_state_changing_requests_without_the_csrf_token_are_rejected(
        web: Api, path: str, data: dict[str, str]) -> None:
    _signed_in(web)
    r = web.client.post(path, data=data)
    assert r.status_code == 403
    assert "security token" in r.text
    r = web.client.post(path, data=data, headers={"X-CSRF-Token": "not-the-token"})
    assert r.status_code == 403


def test_a_dataset_upload_without_the_csrf_token_is_rejected(web: Api) -> None:
    _signed_in(web)
    r = web.client.post("/app/datasets", files={"file": ("a.csv", b"ltr\n1\n", "text/csv")})
    assert r.status_code == 403
    assert web.client.get("/v1/datasets", headers=web.workspace("acme")).json()["count"] == 0


# ------------------------------------------------------------ workspace scoping
def test_another_workspaces_fit_map_and_data_are_a_404_page(web: Api) -> None:
    theirs = _fit(web, "other")
    _signed_in(web, "acme")
    for path in (f"/app/fits/{theirs['id']}", f"/app/fits/{theirs['id']}/drivers",
                 f"/app/fits/{theirs['id']}/roles/installer",
                 f"/app/fits/{theirs['id']}/files/result.json",
                 f"/app/maps/{theirs['map_id']}", f"/app/datasets/{theirs['dataset_id']}"):
        r = web.client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html")
        assert "in this workspace" in r.text
    home = web.client.get("/app").text
    assert theirs["id"] not in home


def test_unknown_addresses_under_app_are_html_and_the_api_stays_json(web: Api) -> None:
    _signed_in(web)
    r = web.client.get("/app/nothing/here")
    assert r.status_code == 404
    assert "<h1>Not found</h1>" in r.text
    r = web.client.get("/v1/nothing")
    assert r.headers["content-type"] == "application/problem+json"


# ------------------------------------------------------------------- the editor
def test_live_validation_names_the_line_of_a_cycle_and_draws_a_valid_map(web: Api) -> None:
    token = _signed_in(web)
    text = example_map_text().rstrip("\n") + "\n  - {from: ease, to: website}\n"
    line = len(text.splitlines())
    r = web.client.post("/app/maps/check", data={"source": text, "filename": "m.yaml"},
                        headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert r.status_code == 200
    assert f'data-line="{line}"' in r.text
    assert f"Go to line {line}" in r.text
    assert "cycle" in r.text
    assert "<svg" not in r.text
    r = web.client.post("/app/maps/check", data={"source": example_map_text()},
                        headers={"X-CSRF-Token": token})
    assert "The map is valid" in r.text
    assert "<svg" in r.text
    assert 'role="img"' in r.text


def test_saving_a_map_and_a_new_version_goes_through_the_api(web: Api) -> None:
    token = _signed_in(web)
    r = web.client.post("/app/maps", data={"source": example_map_text(), "filename": "k.yaml",
                                           "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    map_id = r.headers["location"].split("/")[3].split("?")[0]
    page = web.client.get(r.headers["location"])
    assert "Saved as version 1." in page.text
    changed = example_map_text().replace("Webbshop", "Web shop")
    r = web.client.post(f"/app/maps/{map_id}", data={"source": changed, "filename": "k.yaml",
                                                      "csrf_token": token})
    assert r.status_code == 200
    assert "Saved as version 2." in r.text
    api = web.client.get(f"/v1/maps/{map_id}", headers=web.workspace("acme")).json()
    assert api["latest_version"] == 2
    assert api["source"] == changed
    assert "Version 1</a>" in r.text
    assert 'aria-current="page">Version 2' in r.text
    r = web.client.post(f"/app/maps/{map_id}", data={"source": "nodes: [", "csrf_token": token})
    assert r.status_code == 422
    assert "Not saved" in r.text
    assert web.client.get(f"/v1/maps/{map_id}",
                          headers=web.workspace("acme")).json()["latest_version"] == 2


def test_an_invalid_new_map_is_not_saved(web: Api) -> None:
    token = _signed_in(web)
    r = web.client.post("/app/maps", data={"source": "outcome: nps\n", "csrf_token": token})
    assert r.status_code == 422
    assert "was not saved" in r.text
    assert web.client.get("/v1/maps", headers=web.workspace("acme")).json()["count"] == 0


def test_the_node_and_edge_form_appends_yaml_the_library_accepts(web: Api) -> None:
    token = _signed_in(web)
    h = {"X-CSRF-Token": token}
    r = web.client.post("/app/maps/add", headers=h, data={
        "what": "node", "source": example_map_text(), "node_id": "warranty", "kind": "touchpoint",
        "label": 'Warranty: "fast"', "column": "q_warranty", "scale_low": "1",
        "scale_high": "5", "stage": "use"})
    assert r.status_code == 200
    source = re.search(r"<textarea[^>]*>(.*)</textarea>", r.text, re.S)
    assert source is not None
    import html

    text = html.unescape(source.group(1))
    r = web.client.post("/app/maps/add", headers=h, data={
        "what": "edge", "source": text, "edge_from": "warranty", "edge_to": "nps",
        "expected": "+"})
    text = html.unescape(re.search(r"<textarea[^>]*>(.*)</textarea>", r.text, re.S)
                         .group(1))  # type: ignore[union-attr]
    m = JourneyMap.from_text(text, "m.yaml")
    assert m.node("warranty").label == 'Warranty: "fast"'
    assert m.node("warranty").scale == (1, 5)
    assert any(e.source == "warranty" and e.target == "nps" for e in m.edges)
    r = web.client.post("/app/maps/add", headers=h, data={
        "what": "node", "source": text, "node_id": "x", "scale_low": "one", "scale_high": "5"})
    assert "Not added" in r.text


def test_yaml_lines_go_into_their_sections() -> None:
    src = "outcome: nps\nnodes:\n  - {id: nps, kind: outcome}\n  - {id: a,\n     kind: factor}\n" \
          "edges:\n  - [a, nps]\n"
    out = add_node(src, NodeForm("b", "factor", scale_low="1", scale_high="7"))
    assert out.splitlines()[5] == '  - {id: "b", kind: factor, scale: [1, 7]}'
    out = add_edge(out, EdgeForm("b", "nps", share="0.5"))
    assert out.splitlines()[-1] == '  - {from: "b", to: "nps", share: 0.5}'
    made = add_edge("nodes: []\n", EdgeForm("a", "b"))
    assert made.endswith('edges:\n  - {from: "a", to: "b"}\n')
    assert problem_lines("m.yaml, line 63: the edges form a cycle (lines 51, 63)") == 63
    assert problem_lines("no line here") is None


# ----------------------------------------------------------- data, fits, analyses
def test_an_upload_shows_a_preview_and_the_data_checks(web: Api) -> None:
    token = _signed_in(web)
    web.client.post("/app/maps", data={"source": example_map_text(), "csrf_token": token})
    with (EXAMPLES / "kitchen_b2b.csv").open("rb") as f:
        r = web.client.post("/app/datasets", data={"csrf_token": token, "name": "Spring"},
                            files={"file": ("kitchen_b2b.csv", f, "text/csv")},
                            follow_redirects=False)
    assert r.status_code == 303
    page = web.client.get(r.headers["location"])
    assert "Spring" in page.text
    assert "The first 8 of 3,000 rows" in page.text
    assert "The data fit the map" in page.text
    bad = example_map_text().replace("column: q_quote", "column: q_quotation")
    mid = web.client.post("/v1/maps", json={"source": bad, "filename": "bad.yaml"},
                          headers=web.workspace("acme")).json()["id"]
    page = web.client.get(r.headers["location"] + f"?map_id={mid}")
    assert "do not fit the map" in page.text
    assert "q_quotation" in page.text
    assert str(web.settings.data_dir) not in page.text  # no server paths in messages


def test_a_fit_started_on_the_page_reports_progress_then_its_results(web: Api) -> None:
    token = _signed_in(web)
    h = web.workspace("acme")
    map_id = web.client.post("/v1/maps", json={"source": example_map_text()}, headers=h
                             ).json()["id"]
    with (EXAMPLES / "kitchen_b2b.csv").open("rb") as f:
        data_id = web.client.post("/v1/datasets", files={"file": ("k.csv", f, "text/csv")},
                                  headers=h).json()["id"]
    r = web.client.post("/app/fits", data={"csrf_token": token, "map_id": map_id,
                                           "dataset_id": data_id}, follow_redirects=False)
    assert r.status_code == 303
    fit_page = r.headers["location"]
    deadline = time.monotonic() + 30
    while True:
        p = web.client.get(fit_page + "/progress", headers={"HX-Request": "true"})
        if p.headers.get("HX-Refresh") == "true":
            break
        assert 'hx-trigger="every 1s"' in p.text
        assert time.monotonic() < deadline
        time.sleep(0.05)
    fit = web.client.get(f"/v1{fit_page[4:]}", headers=h).json()
    page = web.client.get(fit_page).text
    assert f'id="fit-nps">{signed(fit["result"]["nps"]["value"])}<' in page
    assert "Drivers and what-if" in page


def test_the_drivers_page_shows_the_apis_drivers_and_sorts_them(web: Api) -> None:
    fit = _fit(web)
    _signed_in(web)
    api = web.client.get(f"/v1/fits/{fit['id']}/drivers", headers=web.workspace("acme")).json()
    page = web.client.get(f"/app/fits/{fit['id']}/drivers").text
    nodes = re.findall(r'<tr data-node="([^"]+)">', page)
    assert nodes == [d["node"] for d in api["drivers"]]
    assert page.count('type="range"') == len(api["drivers"]) + len(fit["result"]["roles"])
    assert 'min="-1" max="1" step="0.25"' in page
    page = web.client.get(f"/app/fits/{fit['id']}/drivers?sort=mean&order=asc").text
    nodes = re.findall(r'<tr data-node="([^"]+)">', page)
    assert nodes == [d["node"] for d in sorted(api["drivers"], key=lambda d: d["mean"])]
    assert 'aria-sort="ascending"' in page


def test_what_if_sliders_give_the_apis_prediction(web: Api) -> None:
    fit = _fit(web)
    token = _signed_in(web)
    api = web.client.post(f"/v1/fits/{fit['id']}/what-if",
                          json={"shifts": {"delivery": 0.5, "billing": -0.25}},
                          headers=web.workspace("acme")).json()
    r = web.client.post(f"/app/fits/{fit['id']}/what-if", headers={"X-CSRF-Token": token},
                        data={"shift.delivery": "0.5", "shift.billing": "-0.25",
                              "shift.quote": "0"})
    assert f'id="whatif-change">{signed(api["change"])}<' in r.text
    assert f'id="whatif-predicted">{signed(api["predicted_nps"])}<' in r.text
    lo, hi = api["change_ci"]
    assert f"{CI95}: {signed(lo)} to {signed(hi)}" in r.text
    lo, hi = api["nps_after_ci"]
    assert (f'id="whatif-move">NPS would go from {signed(api["nps"])} to '
            f'{signed(api["nps_after"])} ({CI95}: {signed(lo)} to {signed(hi)})<') in r.text
    r = web.client.post(f"/app/fits/{fit['id']}/what-if", headers={"X-CSRF-Token": token},
                        data={"shift.delivery": "0"})
    assert 'id="whatif-change">0.0<' in r.text


def test_my_influence_shows_the_role_card_with_the_apis_numbers(web: Api) -> None:
    fit = _fit(web)
    _signed_in(web)
    api = web.client.get(f"/v1/fits/{fit['id']}/roles/installer",
                         headers=web.workspace("acme")).json()
    r = web.client.get(f"/app/fits/{fit['id']}/roles?role=installer", follow_redirects=False)
    assert r.headers["location"] == f"/app/fits/{fit['id']}/roles/installer"
    page = web.client.get(r.headers["location"]).text
    assert f'<p class="big">{signed(api["nps_points"])} <small>NPS points</small>' in page
    # the headline says where NPS would go: the what-if of the role +1, from the API
    w = web.client.post(f"/v1/fits/{fit['id']}/what-if", json={"shifts": {"installer": 1}},
                        headers=web.workspace("acme")).json()
    assert api["nps_points"] == pytest.approx(w["change"], abs=1e-9)
    assert api["nps_after"] == pytest.approx(w["nps_after"], abs=1e-9)
    lo, hi = api["nps_after_ci"]
    assert (f"NPS would go from {signed(api['nps'])} to {signed(api['nps_after'])} ({CI95}: "
            f"{signed(lo)} to {signed(hi)}): {signed(api['nps_points'])} NPS points") in page
    roles = web.client.get(f"/v1/fits/{fit['id']}/roles", headers=web.workspace("acme")).json()
    (listed,) = [r for r in roles["roles"] if r["role"] == "installer"]
    assert (listed["nps_after"], listed["nps_after_ci"]) == (api["nps_after"],
                                                             api["nps_after_ci"])
    assert NOT_FOR_PAY in page
    assert "the one that moves NPS most first" in page
    assert "leverage" not in page
    assert "lavaan" not in page  # analyst downloads are on the fit and drivers pages
    assert "<svg" in page
    assert f'value="http://testserver/app/fits/{fit["id"]}/roles/installer"' in page
    listing = web.client.get(f"/app/fits/{fit['id']}/roles").text
    assert NOT_FOR_PAY in listing
    assert web.client.get(f"/app/fits/{fit['id']}/roles/nobody").status_code == 404


@pytest.mark.parametrize(("name", "media", "start"), [
    ("map.svg", "image/svg+xml", b"<?xml"), ("map.png", "image/png", b"\x89PNG"),
    ("map.pdf", "application/pdf", b"%PDF"), ("map.lavaan", "text/plain", b"#"),
    ("map.semopy", "text/plain", b"#"), ("map.dagitty", "text/plain", b"dag"),
    ("result.json", "application/json", b"{"),
    ("drivers.csv", "text/csv", b"node,label"), ("roles.csv", "text/csv", b"label,role"),
    ("card.html?role=installer", "text/html", b"<!DOCTYPE html>"),
])
def test_downloads_of_a_fit(web: Api, name: str, media: str, start: bytes) -> None:
    fit = _fit(web)
    _signed_in(web)
    r = web.client.get(f"/app/fits/{fit['id']}/files/{name}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(media)
    assert r.headers["content-disposition"].startswith("attachment")
    assert r.content.lstrip().startswith(start), r.content[:40]


def test_the_result_download_is_the_apis_result(web: Api) -> None:
    fit = _fit(web)
    _signed_in(web)
    import json

    assert json.loads(web.client.get(f"/app/fits/{fit['id']}/files/result.json").content) \
        == fit["result"]


def test_downloads_of_a_map_version(web: Api) -> None:
    fit = _fit(web)
    _signed_in(web)
    for name in ("map.svg", "map.png", "map.pdf", "map.lavaan", "map.semopy", "map.dagitty"):
        r = web.client.get(f"/app/maps/{fit['map_id']}/files/{name}?version=1")
        assert r.status_code == 200, name
    assert web.client.get(f"/app/maps/{fit['map_id']}/files/map.exe").status_code == 404


def test_the_semopy_download_is_the_librarys_export_on_the_analysts_pages_only(
        web: Api) -> None:
    from journeymap.render.export import to_semopy

    fit = _fit(web)
    _signed_in(web)
    m = JourneyMap.from_yaml(EXAMPLES / "kitchen_b2b.yaml")
    r = web.client.get(f"/app/fits/{fit['id']}/files/map.semopy")
    assert r.text == to_semopy(m)
    assert ":=" not in r.text  # semopy cannot read lavaan's defined effects
    assert 'filename="fit-' in r.headers["content-disposition"]
    assert r.headers["content-disposition"].endswith('-semopy.txt"')
    assert web.client.get(f"/app/maps/{fit['map_id']}/files/map.semopy?version=1").text == \
        to_semopy(m)
    link = f'href="/app/fits/{fit["id"]}/files/map.semopy"'
    for page in (f"/app/fits/{fit['id']}", f"/app/fits/{fit['id']}/drivers"):
        assert link in web.client.get(page).text, page
    assert "files/map.semopy" in web.client.get(f"/app/maps/{fit['map_id']}?version=1").text
    assert "map.semopy" not in web.client.get(f"/app/fits/{fit['id']}/roles/installer").text


def test_presentation_mode_is_a_toggle_kept_in_a_cookie(web: Api) -> None:
    _signed_in(web)
    assert 'class="present"' in web.client.get("/app?present=1").text
    r = web.client.get("/app/present?on=1&next=/app/datasets", follow_redirects=False)
    assert r.headers["location"] == "/app/datasets"
    assert 'class="present"' in web.client.get("/app/datasets").text
    web.client.get("/app/present?on=0&next=/app")
    assert 'class="present"' not in web.client.get("/app").text


def test_pages_have_labels_a_skip_link_and_a_strict_csp(web: Api) -> None:
    fit = _fit(web)
    _signed_in(web)
    for path in (*PAGES, f"/app/fits/{fit['id']}", f"/app/fits/{fit['id']}/drivers",
                 f"/app/fits/{fit['id']}/roles/installer", f"/app/maps/{fit['map_id']}",
                 f"/app/datasets/{fit['dataset_id']}"):
        r = web.client.get(path)
        assert r.status_code == 200, path
        html = r.text
        assert '<html lang="en"' in html
        assert 'href="#main">Skip to content' in html
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert "<script>" not in html
        assert "https://" not in html.split("<main")[0]
        ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"',
                         html)
        for ident in ids:
            assert f'for="{ident}"' in html, (path, ident)


def test_a_permalink_opens_the_role_page_after_sign_in(web: Api) -> None:
    fit = _fit(web)
    path = f"/app/fits/{fit['id']}/roles/installer"
    r = web.client.get(path, follow_redirects=False)
    assert r.headers["location"] == f"/app/sign-in?next={path}"
    form = web.client.get(r.headers["location"])
    assert f'name="next" value="{path}"' in form.text
    r = web.client.post("/app/sign-in", data={"key": web.keys["acme"], "next": path,
                                              "csrf_token": csrf_of(form.text)},
                        follow_redirects=False)
    assert r.headers["location"] == path
    assert web.client.get(path).status_code == 200


def test_a_failed_fit_shows_the_librarys_message(web: Api) -> None:
    token = _signed_in(web)
    h = web.workspace("acme")
    bad = example_map_text().replace("column: q_quote", "column: q_quotation")
    map_id = web.client.post("/v1/maps", json={"source": bad}, headers=h).json()["id"]
    with (EXAMPLES / "kitchen_b2b.csv").open("rb") as f:
        data_id = web.client.post("/v1/datasets", files={"file": ("k.csv", f, "text/csv")},
                                  headers=h).json()["id"]
    r = web.client.post("/app/fits", data={"csrf_token": token, "map_id": map_id,
                                           "dataset_id": data_id}, follow_redirects=False)
    fit_page = r.headers["location"]
    wait_fit(web.client, h, fit_page.rsplit("/", 1)[1])
    page = web.client.get(fit_page).text
    assert "The fit failed." in page
    assert "q_quotation" in page
    assert str(web.settings.data_dir) not in page


def test_an_upload_larger_than_allowed_is_refused_with_a_page(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'j.db'}", tmp_path / "data",
                             max_upload_bytes=1000)
    with TestClient(create_app(settings)) as client:
        web = Api(client=client, settings=settings)
        token = _signed_in(web)
        r = web.client.post("/app/datasets", data={"csrf_token": token},
                            files={"file": ("big.csv", b"ltr\n" + b"5\n" * 2000, "text/csv")})
        assert r.status_code == 413
        assert r.headers["content-type"].startswith("text/html")
        assert "larger than this server accepts" in r.text
