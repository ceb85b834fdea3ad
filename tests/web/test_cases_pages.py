"""The follow-up cases page (/app/cases): the form's status changes are the API's, a
refused change shows the library's message and changes nothing, the role picker and the
CSV link follow the chosen role."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api, fitted
from web_helpers import sign_in

from journeymap.cases import check_transition
from journeymap.exceptions import CaseTransitionError


def _cases(web: Api) -> list[dict[str, Any]]:
    fitted(web.client, web.workspace("acme"))
    cases: list[dict[str, Any]] = web.client.get(
        "/v1/cases", headers=web.workspace("acme")).json()["cases"]
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
    assert page.count('<li id="case-') == len(theirs)
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
    assert page.count('<li id="case-') == len(cases)
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
