"""The follow-up cases page (/app/cases): the form's status changes are the API's, a
refused change shows the library's message and changes nothing, the role picker and the
CSV link follow the chosen role, and the rules form sets what PUT /v1/workspace/case-rules
sets (refused values show the library's message)."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api, every_page, fitted
from journeymap_api.web.pages.cases import CASES_PER_PAGE
from markupsafe import escape
from web_helpers import sign_in

from journeymap.cases import CaseRules, check_transition
from journeymap.exceptions import CaseTransitionError, JourneymapError


def _cases(web: Api) -> list[dict[str, Any]]:
    fitted(web.client, web.workspace("acme"))
    cases: list[dict[str, Any]] = every_page(
        web.client, web.workspace("acme"), "/v1/cases", "cases")
    assert cases, "the example data opens cases"
    return cases


def _library_message(current: str, new: str, note: str | None) -> str:
    try:
        check_transition(current, new, note)
    except CaseTransitionError as exc:
        return str(exc)
    raise AssertionError("the transition was allowed")


def test_a_status_change_through_the_form_is_what_the_api_shows(web: Api) -> None:
    cases = _cases(web)
    role = next(c["role"] for c in cases if c["role"])
    case = next(c for c in cases if c["role"] == role)
    csrf = sign_in(web.client, web.keys["acme"])
    page = web.client.get("/app/cases", params={"role": role}).text
    theirs = [c for c in cases if c["role"] == role]
    assert page.count('<li id="case-') == min(len(theirs), CASES_PER_PAGE)
    assert f'id="case-{case["id"]}"' in page
    path = f"/app/cases/{case['id']}"
    r = web.client.post(path, data={"csrf_token": csrf, "status": "contacted",
                                    "note": "left a voicemail", "role": role},
                        follow_redirects=False)
    assert r.status_code == 303, r.text
    api = web.client.get(f"/v1/cases/{case['id']}", headers=web.workspace("acme")).json()
    assert (api["status"], api["note"]) == ("contacted", "left a voicemail")
    assert api["contacted_at"] is not None
    # closing without a note is refused with the library's message; nothing changes
    r = web.client.post(path, data={"csrf_token": csrf, "status": "closed", "note": " "})
    assert r.status_code == 409
    assert html.escape(_library_message("contacted", "closed", None)) in r.text
    again = web.client.get(f"/v1/cases/{case['id']}", headers=web.workspace("acme")).json()
    assert again == api
    r = web.client.post(path, data={"csrf_token": csrf, "status": "closed",
                                    "note": "called back, fitter booked"})
    assert r.status_code == 200  # followed the redirect to the list
    api = web.client.get(f"/v1/cases/{case['id']}", headers=web.workspace("acme")).json()
    assert (api["status"], api["note"]) == ("closed", "called back, fitter booked")
    assert "called back, fitter booked" in r.text
    # a closed case has no form any more
    assert f'action="/app/cases/{case["id"]}"' not in r.text


def test_an_open_cases_form_offers_contacted_before_closed(web: Api) -> None:
    case = next(c for c in _cases(web) if c["status"] == "open")
    sign_in(web.client, web.keys["acme"])
    page = web.client.get("/app/cases").text
    select = page.split(f'id="status-{case["id"]}"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="(\w+)"', select) == ["contacted", "closed"]


def _listed(text: str) -> list[str]:
    return re.findall(r'<li id="case-([0-9a-f-]+)"', text)


def test_the_cases_are_listed_a_page_at_a_time_in_the_apis_order(web: Api) -> None:
    cases = _cases(web)
    assert len(cases) > 2 * CASES_PER_PAGE, "the example data opens several pages of cases"
    sign_in(web.client, web.keys["acme"])
    pages = -(-len(cases) // CASES_PER_PAGE)
    seen: list[str] = []
    for n in range(1, pages + 1):
        text = web.client.get("/app/cases", params={"page": n}).text
        seen += _listed(text)
        first, last = (n - 1) * CASES_PER_PAGE + 1, min(n * CASES_PER_PAGE, len(cases))
        assert f"Cases {first}–{last} of {len(cases)}, soonest due first." in text
        assert (f"page={n + 1}" in text) == (n < pages)
        assert (f"page={n - 1}" in text) == (n > 1)
    assert seen == [c["id"] for c in cases]  # every case once, soonest due first
    # a page past the last shows the last; page 0 is refused
    beyond = web.client.get("/app/cases", params={"page": pages + 5})
    assert _listed(beyond.text) == _listed(
        web.client.get("/app/cases", params={"page": pages}).text)
    assert web.client.get("/app/cases", params={"page": 0}).status_code == 422
    # the Swedish page counts in Swedish
    sv = web.client.get("/app/cases", params={"page": 2, "lang": "sv"}).text
    assert f"Ärenden {CASES_PER_PAGE + 1}–{2 * CASES_PER_PAGE} av {len(cases)}" in sv


def test_a_change_on_a_later_page_returns_to_that_page(web: Api) -> None:
    cases = _cases(web)
    csrf = sign_in(web.client, web.keys["acme"])
    case = cases[CASES_PER_PAGE + 1]  # on page 2
    assert case["id"] in _listed(web.client.get("/app/cases", params={"page": 2}).text)
    r = web.client.post(f"/app/cases/{case['id']}",
                        data={"csrf_token": csrf, "status": "contacted", "page": "2"},
                        follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/app/cases?page=2"


def test_the_form_needs_the_session_token(web: Api) -> None:
    case = _cases(web)[0]
    sign_in(web.client, web.keys["acme"])
    r = web.client.post(f"/app/cases/{case['id']}", data={"status": "contacted"})
    assert r.status_code == 403
    api = web.client.get(f"/v1/cases/{case['id']}", headers=web.workspace("acme")).json()
    assert api["status"] == "open"


def test_the_page_shows_the_apis_figures_and_the_csv_follows_the_role(web: Api) -> None:
    cases = _cases(web)
    role = next(c["role"] for c in cases if c["role"])
    sign_in(web.client, web.keys["acme"])
    page = web.client.get("/app/cases").text
    assert page.count('<li id="case-') == min(len(cases), CASES_PER_PAGE)
    assert "Follow-up cases" in web.client.get("/app").text
    stats = web.client.get("/v1/cases/stats", headers=web.workspace("acme")).json()
    shown = [s for s in stats["stats"] if not s["suppressed"]]
    hidden = [s for s in stats["stats"] if s["suppressed"]]
    assert page.count("too few cases to show") == len(hidden)
    assert page.count(" %</td>") == len(shown)
    r = web.client.get("/app/cases.csv", params={"role": role})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    api = web.client.get("/v1/cases/csv", params={"role": role},
                         headers=web.workspace("acme")).text
    assert r.text == api
    assert {x["role"] for x in rows} == {role}


def _rules_form(csrf: str, **changes: str) -> dict[str, str]:
    form = {"csrf_token": csrf, "detractor": "on", "bottom_rating": "on", "value_column": "",
            "value_threshold": "0", "value_max_ltr": "8", "sla_detractor": "48",
            "sla_valuable_low": "24", "sla_bottom_rating": "72"}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_the_rules_form_stores_what_the_api_then_shows(web: Api) -> None:
    h = web.workspace("acme")
    csrf = sign_in(web.client, web.keys["acme"])
    page = web.client.get("/app/cases").text
    assert 'id="sla-detractor"' in page
    assert 'value="48.0"' in page  # the defaults, shown
    form = _rules_form(csrf, sla_detractor="12", sla_bottom_rating="36,5",
                       value_column="revenue", value_threshold="50000", value_max_ltr="7")
    del form["bottom_rating"]  # an unticked box is not sent
    r = web.client.post("/app/cases/rules", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    api = web.client.get("/v1/workspace/case-rules", headers=h).json()
    assert api["sla_hours"] == {"detractor": 12.0, "valuable_low": 24.0, "bottom_rating": 36.5}
    assert (api["detractor"], api["bottom_rating"]) == (True, False)
    assert (api["value_column"], api["value_threshold"], api["value_max_ltr"]) == (
        "revenue", 50_000.0, 7)
    page = web.client.get("/app/cases").text
    assert 'value="12.0"' in page
    assert 'id="rule-bottom" name="bottom_rating" value="on">' in page  # not checked


def test_rules_the_library_refuses_show_its_message_and_change_nothing(web: Api) -> None:
    h = web.workspace("acme")
    csrf = sign_in(web.client, web.keys["acme"])
    before = web.client.get("/v1/workspace/case-rules", headers=h).json()
    for changes, library in [({"sla_detractor": "0"}, {"sla_hours": {"detractor": 0.0}}),
                             ({"sla_valuable_low": "soon"}, {"sla_hours": {
                                 "valuable_low": "soon"}}),
                             ({"value_max_ltr": "12"}, {"value_max_ltr": 12})]:
        r = web.client.post("/app/cases/rules", data=_rules_form(csrf, **changes))
        assert r.status_code == 422
        try:
            CaseRules(**library)  # type: ignore[arg-type]
        except JourneymapError as exc:
            message = str(exc)
        else:
            raise AssertionError("the library accepted it")
        assert str(escape(message)) in r.text  # as the template escapes it
        assert web.client.get("/v1/workspace/case-rules", headers=h).json() == before
    r = web.client.post("/app/cases/rules", data={"sla_detractor": "5"})  # no session token
    assert r.status_code == 403
    assert web.client.get("/v1/workspace/case-rules", headers=h).json() == before


CASE_RE = re.compile(r'<li id="case-([0-9a-f-]+)">(.*?)</li>', re.S)
DD_RE = re.compile(r"<dd[^>]*>(.*?)</dd>", re.S)


def _shown(web: Api, **params: Any) -> dict[str, tuple[str, str]]:
    """Per case id on every page of ``/app/cases``: the touchpoint and role it shows."""
    out: dict[str, tuple[str, str]] = {}
    page_no = 1
    while True:
        text = web.client.get("/app/cases", params={**params, "page": page_no}).text
        for case_id, body in CASE_RE.findall(text):
            dd = [html.unescape(d) for d in DD_RE.findall(body)]
            out[case_id] = (dd[4], dd[5])  # status, due, why, score, touchpoint, role
        if f"page={page_no + 1}" not in text:
            return out
        page_no += 1


def test_the_swedish_cases_page_names_roles_and_touchpoints_by_the_maps_labels(
        web: Api) -> None:
    from api_helpers import EXAMPLES

    from journeymap.model import JourneyMap

    m = JourneyMap.from_yaml(EXAMPLES / "kitchen_b2b.yaml")
    cases = [c for c in _cases(web) if c["role"] == "installer"]
    assert cases
    sign_in(web.client, web.keys["acme"])
    page = web.client.get("/app/cases", params={"role": "installer", "lang": "sv"}).text
    assert m.node("installer").label_for("sv") == "Installatör"
    # the picker keeps the id as the value and shows the label; the heading names it
    assert '<option value="installer" selected>Installatör</option>' in page
    assert "Ärenden för Installatör</h2>" in page
    shown = _shown(web, role="installer", lang="sv")
    assert set(shown) == {c["id"] for c in cases}
    for c in cases:
        assert shown[c["id"]] == (m.node(c["touchpoint"]).label_for("sv"), "Installatör")
    assert ">installer<" not in page
    assert ">installation<" not in page


def test_the_cases_page_shows_each_label_in_the_pages_language_for_fitted_and_appended_cases(
        web: Api) -> None:
    import pandas as pd
    from api_helpers import EXAMPLES, example_map_text, post_map, start_fit, upload, wait_fit

    from journeymap.model import JourneyMap

    source = example_map_text().replace(
        'label: "Installatör"',
        'label: {sv: "Installatör", en: "Installer", fi: "Asentaja"}').replace(
        'label: "Installation"', 'label: {sv: "Installation", en: "Getting it installed"}')
    m = JourneyMap.from_text(source)
    h = web.workspace("acme")
    survey = pd.read_csv(EXAMPLES / "kitchen_b2b.csv")
    r = upload(web.client, h, content=survey.iloc[:2000].to_csv(index=False).encode(),
               filename="q1.csv")
    assert r.status_code == 201, r.text
    dataset_id = r.json()["id"]
    map_id = post_map(web.client, h, source)["id"]
    done = wait_fit(web.client, h, start_fit(web.client, h, map_id, dataset_id)["id"])
    assert done["status"] == "done", done["error"]
    appended = web.client.post(f"/v1/datasets/{dataset_id}/responses",
                               content=survey.iloc[2000:].to_csv(index=False).encode(),
                               headers={**h, "Content-Type": "text/csv"})
    assert appended.status_code == 200, appended.text
    assert appended.json()["cases"]["opened"] > 0
    cases = [c for c in every_page(web.client, h, "/v1/cases", "cases")
             if c["role"] == "installer"]
    assert {c["fit_id"] for c in cases} == {done["id"], None}  # fitted and appended
    sign_in(web.client, web.keys["acme"])
    en = _shown(web, role="installer", lang="en")
    fi = _shown(web, role="installer", lang="fi")
    assert set(en) == set(fi) == {c["id"] for c in cases}
    assert (m.node("installer").label_for("en"), m.node("installer").label_for("fi"),
            m.node("installation").label_for("en")) == ("Installer", "Asentaja",
                                                         "Getting it installed")
    for c in cases:
        assert en[c["id"]] == (m.node(c["touchpoint"]).label_for("en"), "Installer")
        assert fi[c["id"]] == (m.node(c["touchpoint"]).label_for("fi"), "Asentaja")
    assert any(en[c["id"]][0] == "Getting it installed" for c in cases)
    page = web.client.get("/app/cases", params={"lang": "en"}).text
    assert '<option value="installer">Installer</option>' in page
