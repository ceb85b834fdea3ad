"""The web fit form takes the options of ``POST /v1/fits``: standard errors, bootstrap
replicates and seed, and the bayesnet engine's states per rating, prior strength, recommend
score states and posterior draws. A fit started from the form equals the API's fit of the
same options; a refused form is shown again with one message and starts nothing."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api, post_dataset, post_map, start_fit, wait_fit
from web_helpers import sign_in

from journeymap import i18n

FIELD_RE = re.compile(r'<(?:input|select)[^>]* name="([a-z_]+)"')


@pytest.fixture
def world(web: Api) -> dict[str, Any]:
    h = web.workspace("acme")
    m, d = post_map(web.client, h), post_dataset(web.client, h)
    token = sign_in(web.client, web.keys["acme"])
    return {"h": h, "map": m["id"], "data": d["id"], "token": token}


def _post(web: Api, world: dict[str, Any], **fields: str) -> Any:
    return web.client.post("/app/fits", data={"csrf_token": world["token"],
                                              "map_id": world["map"],
                                              "dataset_id": world["data"], **fields},
                           follow_redirects=False)


def _fits(web: Api, world: dict[str, Any]) -> int:
    count: int = web.client.get("/v1/fits", headers=world["h"]).json()["count"]
    return count


def test_the_form_offers_every_option_of_the_api_with_a_label(
        web: Api, world: dict[str, Any]) -> None:
    page = web.client.get(f"/app/datasets/{world['data']}").text
    form = page[page.index('id="fit-form"'):page.index("</form>", page.index('id="fit-form"'))]
    names = FIELD_RE.findall(form)
    assert names == ["csrf_token", "dataset_id", "map_id", "engine", "min_responses",
                     "bootstrap", "seed", "se", "bins", "ess", "ltr_states", "draws"]
    for name in names[2:]:
        field_id = re.search(rf'<(?:input|select) id="([^"]+)"[^>]* name="{name}"', form)
        assert field_id is not None, name
        assert f'<label for="{field_id.group(1)}">' in form, name
    assert 'max="10000"' in form  # the API's largest bootstrap
    assert 'max="2000"' in form  # MAX_BAYESNET_DRAWS
    assert '<option value="classical">classical</option>' in form


LINEAR = {"se": "classical", "bootstrap": "50", "seed": "7", "min_responses": "40"}
BAYES = {"engine": "bayesnet", "bins": "3", "ess": "4.5", "ltr_states": "classes",
         "draws": "20", "seed": "11"}


@pytest.mark.parametrize(("fields", "api_options", "engine"), [
    (LINEAR, {"se": "classical", "bootstrap": 50, "random_state": 7, "min_responses": 40},
     "linear"),
    (BAYES, {"bins": 3, "ess": 4.5, "ltr_states": "classes", "draws": 20, "random_state": 11},
     "bayesnet"),
    ({"engine": "bayesnet", "bins": "all"}, {"bins": "all"}, "bayesnet"),
])
def test_a_fit_started_from_the_form_equals_the_apis_fit_of_the_same_options(
        web: Api, world: dict[str, Any], fields: dict[str, str], api_options: dict[str, Any],
        engine: str) -> None:
    r = _post(web, world, **fields)
    assert r.status_code == 303, r.text
    form_fit = wait_fit(web.client, world["h"], r.headers["location"].rsplit("/", 1)[1])
    api_fit = wait_fit(web.client, world["h"], start_fit(
        web.client, world["h"], world["map"], world["data"], engine=engine,
        options=api_options)["id"])
    assert form_fit["status"] == api_fit["status"] == "done", form_fit["error"]
    assert form_fit["engine"] == engine
    assert form_fit["options"] == api_fit["options"]
    for key, value in api_options.items():
        assert form_fit["options"][key] == value
    assert form_fit["result"]["edges"] == api_fit["result"]["edges"]
    assert form_fit["result"]["effects"] == api_fit["result"]["effects"]
    assert form_fit["result"].get("uncertainty") == api_fit["result"].get("uncertainty")


def test_the_forms_defaults_equal_the_apis(web: Api, world: dict[str, Any]) -> None:
    page = web.client.get(f"/app/datasets/{world['data']}").text
    defaults = {"min_responses": "30", "bootstrap": "0", "seed": "0", "se": "", "bins": "",
                "ess": "", "ltr_states": "", "draws": ""}
    for name in ("min_responses", "bootstrap", "seed", "bins", "ess", "draws"):
        value = re.search(rf'name="{name}"[^>]* value="([^"]*)"', page)
        assert value is not None
        assert value.group(1) == defaults[name], name
    r = _post(web, world, **defaults)
    assert r.status_code == 303
    form_fit = web.client.get(f"/v1/fits/{r.headers['location'].rsplit('/', 1)[1]}",
                              headers=world["h"]).json()
    api_fit = start_fit(web.client, world["h"], world["map"], world["data"])
    assert form_fit["options"] == api_fit["options"]
    assert form_fit["engine"] == "linear"


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"bootstrap": "20000"}, "bootstrap",
     "Bootstrap replicates must be a whole number from 0 to 10,000; the fit was not started."),
    ({"bootstrap": "many"}, "bootstrap",
     "Bootstrap replicates must be a whole number from 0 to 10,000; the fit was not started."),
    ({"seed": "-1"}, "seed",
     "Seed must be a whole number from 0 to 2,147,483,647; the fit was not started."),
    ({"min_responses": "5"}, "min_responses",
     "Fewest answers for any figure must be a whole number from 10 to 10,000,000; the fit was "
     "not started."),
    ({"se": "hc0"}, "se", "Standard errors must be robust or classical; the fit was not started."),
    ({"engine": "bayesnet", "bins": "1"}, "bins",
     "States per rating must be auto, all or a whole number of 2 or more; the fit was not "
     "started."),
    ({"engine": "bayesnet", "ess": "0"}, "ess",
     "Prior strength (equivalent sample size) must be a number above 0; the fit was not "
     "started."),
    ({"engine": "bayesnet", "draws": "1"}, "draws",
     "Posterior draws must be 0 or a whole number from 2 to 2,000; the fit was not started."),
    ({"bins": "3", "draws": "20"}, "bins",
     "States per rating, Posterior draws: only for the bayesnet engine. Empty it or choose the "
     "bayesnet engine; the fit was not started."),
    ({"engine": "bayesnet", "se": "classical"}, "se",
     "Classical standard errors are for the linear engine: the bayesnet engine's intervals "
     "come from its posterior draws. Choose robust or the linear engine; the fit was not "
     "started."),
    ({"engine": "bayesnet", "bootstrap": "100"}, "bootstrap",
     "Bootstrap replicates are for the linear engine: the bayesnet engine's intervals come "
     "from its posterior draws. Set them to 0 or choose the linear engine; the fit was not "
     "started."),
])
def test_a_bad_value_shows_the_form_again_with_one_message_and_starts_nothing(
        web: Api, world: dict[str, Any], fields: dict[str, str], field: str,
        message: str) -> None:
    r = _post(web, world, **fields)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    shown = re.findall(r'role="alert"[^>]*>([^<]*)<', r.text)
    assert [html.unescape(m) for m in shown] == [message]
    # the field is marked and keeps what was typed; nothing was started
    marked = re.findall(r'<(?:input|select) id="[^"]+" name="([a-z_]+)"[^>]*aria-invalid="true"',
                        r.text)
    assert marked == [field]
    for name, value in fields.items():
        if name not in ("engine", "se", "ltr_states"):
            assert re.search(rf'name="{name}"[^>]* value="{re.escape(value)}"', r.text), name
    assert _fits(web, world) == 0


def test_the_api_refuses_bootstrap_with_the_bayesnet_engine_and_keeps_nothing(
        web: Api, world: dict[str, Any]) -> None:
    r = web.client.post("/v1/fits", headers=world["h"], json={
        "map_id": world["map"], "dataset_id": world["data"], "engine": "bayesnet",
        "options": {"bootstrap": 100}})
    assert r.status_code == 422
    assert "option bootstrap is for the linear engine" in r.text
    assert _fits(web, world) == 0


def test_the_forms_message_is_in_the_pages_language(web: Api, world: dict[str, Any]) -> None:
    web.client.get(f"/app/datasets/{world['data']}?lang=sv")
    r = _post(web, world, seed="x")
    assert r.status_code == 422
    with i18n.use_language("sv"):
        label = i18n.gettext("Seed")
        sentence = i18n.gettext("%(field)s must be %(takes)s; the fit was not started.")
    assert sentence.split("%(field)s")[0] == ""
    assert label != "Seed"
    assert f'role="alert" id="fit-error">{label} ' in r.text
    assert "2 147 483 647" in r.text.replace("\u00a0", " ")
