"""The web pages in English, Swedish, Danish, Finnish and Norwegian Bokmål: the language from
``Accept-Language``, the switch on every page (``?lang=`` remembered in a cookie),
``<html lang>``, translated words and numbers written for the locale."""

from __future__ import annotations

import re
from typing import Any

import pytest
import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api, fitted
from web_helpers import sign_in

from journeymap import i18n
from journeymap.analysis.roles import NOT_FOR_PAY
from journeymap.formatting import count, signed

LINK_RE = re.compile(r'<a href="([^"]+)" lang="(\w+)" hreflang="(\w+)"')


def _signed_in(web: Api) -> None:
    web.workspace("acme")
    sign_in(web.client, web.keys["acme"])


def _fit(web: Api) -> dict[str, Any]:
    return fitted(web.client, web.workspace("acme"))


def _words(lang: str, *messages: str) -> list[str]:
    with i18n.use_language(lang):
        return [i18n.gettext(m) for m in messages]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_accept_language_gives_the_page_its_language(web: Api, lang: str) -> None:
    header = {"en": "en-GB", "sv": "sv-SE,sv;q=0.9", "da": "da", "fi": "fi-FI,fi;q=0.9,en;q=0.5",
              "nb": "nb-NO,no;q=0.9"}[lang]
    r = web.client.get("/app/sign-in", headers={"Accept-Language": header})
    assert r.status_code == 200
    assert f'<html lang="{lang}"' in r.text
    assert r.headers["content-language"] == lang
    sign_in_word, key_word, pay = _words(lang, "Sign in", "Workspace key",
                                         "NPS is the result of the whole journey: use these "
                                         "figures to learn, never to set anyone's pay.")
    assert f"<h1>{sign_in_word}</h1>" in r.text
    assert f'<label for="key">{key_word}</label>' in r.text
    assert pay in r.text


def test_a_finnish_browser_gets_finnish_text(web: Api) -> None:
    r = web.client.get("/app/sign-in", headers={"Accept-Language": "fi"})
    assert '<html lang="fi"' in r.text
    assert "<h1>Kirjaudu sisään</h1>" in r.text
    assert "Sign in" not in r.text


def test_the_switch_on_every_page_links_each_language(web: Api) -> None:
    _signed_in(web)
    for path in ("/app", "/app/maps/new", "/app/datasets", "/app/sign-in?next=/app"):
        page = web.client.get(path).text
        links = LINK_RE.findall(page)
        assert [code for _, code, _ in links] == list(i18n.LANGUAGES)
        assert all(code == hreflang for _, code, hreflang in links)
        base = path.split("?")[0]
        assert all(href.startswith(base + "?") and href.endswith(f"lang={code}")
                   for href, code, _ in links)
        # the names are in their own language and marked so
        assert '<a href="' in page
        assert 'lang="fi" hreflang="fi"' in page
        assert ">Suomi</a>" in page


def test_the_switch_keeps_the_query_and_remembers_the_choice(web: Api) -> None:
    r = web.client.get("/app/sign-in?next=/app/datasets&lang=sv",
                       headers={"Accept-Language": "fi"})
    assert '<html lang="sv"' in r.text
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("jm_lang="))
    assert cookie == "jm_lang=sv; Max-Age=31536000; Path=/app; SameSite=Lax; HttpOnly"
    links = {code: href for href, code, _ in LINK_RE.findall(r.text)}
    assert links["da"] == "/app/sign-in?next=%2Fapp%2Fdatasets&amp;lang=da"
    # the cookie wins over the browser's language on the next pages
    again = web.client.get("/app/sign-in", headers={"Accept-Language": "fi"})
    assert '<html lang="sv"' in again.text
    assert "<h1>Logga in</h1>" in again.text
    assert not any(c.startswith("jm_lang=") for c in again.headers.get_list("set-cookie"))


def test_an_unknown_lang_parameter_is_ignored(web: Api) -> None:
    r = web.client.get("/app/sign-in?lang=xx", headers={"Accept-Language": "da"})
    assert r.status_code == 200
    assert '<html lang="da"' in r.text
    assert not any(c.startswith("jm_lang=") for c in r.headers.get_list("set-cookie"))


def test_the_json_api_is_not_translated(web: Api) -> None:
    h = web.workspace("acme")
    r = web.client.get("/v1/fits/00000000-0000-0000-0000-000000000000",
                       headers={**h, "Accept-Language": "sv"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "content-language" not in r.headers


def test_the_role_page_and_card_speak_norwegian_with_norwegian_numbers(web: Api) -> None:
    fit = _fit(web)
    _signed_in(web)
    api = web.client.get(f"/v1/fits/{fit['id']}/roles/installer",
                         headers=web.workspace("acme")).json()
    page = web.client.get(f"/app/fits/{fit['id']}/roles/installer?lang=nb").text
    assert '<html lang="nb"' in page
    with i18n.use_language("nb"):
        big = signed(api["nps_points"])
        pay = i18n.gettext(NOT_FOR_PAY)
    assert "," in big
    assert f'<p class="big">{big} <small>NPS-poeng</small></p>' in page
    assert "Ikke for lønn eller bonus" in page
    assert pay in page
    assert "Min påvirkning på NPS" in page
    # the English page of the same fit is not served from the Norwegian one's cache
    english = web.client.get(f"/app/fits/{fit['id']}/roles/installer?lang=en").text
    assert f'<p class="big">{signed(api["nps_points"])} <small>NPS points</small></p>' in english


def test_the_fit_and_drivers_pages_in_swedish(web: Api) -> None:
    fit = _fit(web)
    _signed_in(web)
    page = web.client.get(f"/app/fits/{fit['id']}?lang=sv").text
    nps = fit["result"]["nps"]
    with i18n.use_language("sv"):
        value, promoters = signed(nps["value"]), count(nps["promoters"])
    assert f'<span id="fit-nps">{value}</span>' in page
    assert promoters == f"{nps['promoters']:,}".replace(",", "\u00a0")
    assert f"{promoters} promotorer" in page
    assert "kritiker" in page
    assert ">klar<" in page  # the status
    drivers = web.client.get(f"/app/fits/{fit['id']}/drivers").text
    assert "<h1>Det som driver NPS</h1>" in drivers
    assert ">kontaktpunkt</td>" in drivers


def test_a_number_written_in_a_template_follows_each_requests_language(web: Api) -> None:
    # Jinja folds constant expressions when it compiles a template; the number filters
    # must not be folded, or the first request's language would stay in the template.
    fit = _fit(web)
    _signed_in(web)
    sv = web.client.get(f"/app/fits/{fit['id']}/drivers?lang=sv").text
    en = web.client.get(f"/app/fits/{fit['id']}/drivers?lang=en").text
    assert 'id="whatif-change">0,0<' in sv
    assert 'id="whatif-change">0.0<' in en
