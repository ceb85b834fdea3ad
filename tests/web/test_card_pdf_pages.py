"""The role card as PDF from the web: the role page, a share link and ``/v1``.

A share link downloads its own role's card only; the PDF is one page in the request's
language with the figure the API reports; without WeasyPrint every way answers 503
with the sentence that says what to install.  Pages are counted and text read with pypdf.
"""

from __future__ import annotations

import io
import re
import shutil
from typing import Any

import pytest
import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api, fitted
from journeymap_api.web._core import signed
from web_helpers import sign_in

from journeymap.exceptions import RenderError
from journeymap.render import pdf as pdf_module

pypdf = pytest.importorskip("pypdf", reason="pypdf (the dev extra) reads the PDFs back")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="graphviz's dot is not installed")
needs_weasyprint = pytest.mark.skipif(
    not pdf_module.pdf_available(),
    reason="WeasyPrint is not installed (pip install 'journeymap[pdf]')")


def _fit(web: Api) -> dict[str, Any]:
    return fitted(web.client, web.workspace("acme"))


def _link(web: Api, fit: dict[str, Any], role: str = "installer") -> str:
    r = web.client.post(f"/v1/fits/{fit['id']}/roles/{role}/share",
                        headers=web.workspace("acme"))
    assert r.status_code == 201, r.text
    return str(r.json()["url"]).removeprefix("http://testserver")


def _text(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _missing() -> None:
    raise RenderError(pdf_module.PDF_INSTALL_HINT)


@pytest.mark.slow
@needs_dot
@needs_weasyprint
def test_a_share_link_downloads_its_roles_card_as_one_page_in_the_readers_language(
        web: Api) -> None:
    fit = _fit(web)
    link = _link(web, fit)
    api = web.client.get(f"/v1/fits/{fit['id']}/roles/installer",
                         headers=web.workspace("acme")).json()
    page = web.client.get(link)
    assert (f'href="{link}/roles/installer/card.pdf?lang=en" download>Download card (PDF)'
            in page.text)
    r = web.client.get(f"{link}/roles/installer/card.pdf", headers={"Accept-Language": "sv"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'attachment; filename="installer-card.pdf"'
    assert r.headers["referrer-policy"] == "no-referrer"
    pages = _text(r.content)
    assert len(pages) == 1
    assert "Inte för lön eller bonus" in pages[0]
    assert signed(api["nps_points"]).replace(".", ",") in pages[0]
    english = web.client.get(f"{link}/roles/installer/card.pdf",
                             headers={"Accept-Language": "en"})
    assert "Not for pay or bonus" in _text(english.content)[0]


def test_a_share_link_does_not_download_another_roles_card(web: Api) -> None:
    fit = _fit(web)
    link = _link(web, fit)
    for other in ("billing", "nobody"):
        r = web.client.get(f"{link}/roles/{other}/card.pdf")
        assert r.status_code == 404, other
        assert "does not open that page" in r.text
        assert r.headers["content-type"].startswith("text/html")
    listed = web.client.get("/v1/shares", headers=web.workspace("acme")).json()["shares"]
    assert web.client.delete(f"/v1/shares/{listed[0]['token_id']}",
                             headers=web.workspace("acme")).status_code == 204
    r = web.client.get(f"{link}/roles/installer/card.pdf")
    assert r.status_code == 410
    assert "was withdrawn" in r.text


@needs_dot
@needs_weasyprint
def test_the_role_page_and_v1_download_the_card_pdf(web: Api) -> None:
    fit = _fit(web)
    sign_in(web.client, web.keys["acme"])
    page = web.client.get(f"/app/fits/{fit['id']}/roles/installer").text
    href = f"/app/fits/{fit['id']}/files/card.pdf?role=installer"
    assert f'href="{href}" download>Download card (PDF)' in page
    r = web.client.get(href)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].endswith('-installer-card.pdf"')
    assert len(_text(r.content)) == 1
    no_role = web.client.get(f"/app/fits/{fit['id']}/files/card.pdf")
    assert no_role.status_code == 404
    v1 = web.client.get(f"/v1/fits/{fit['id']}/cards/installer.pdf",
                        headers=web.workspace("acme"))
    assert v1.status_code == 200
    assert v1.headers["content-type"] == "application/pdf"
    assert v1.content == r.content  # one cached PDF per fit, role and language
    assert web.client.get(f"/v1/fits/{fit['id']}/cards/installer.pdf").status_code == 401
    unknown = web.client.get(f"/v1/fits/{fit['id']}/cards/nobody.pdf",
                             headers=web.workspace("acme"))
    assert unknown.status_code == 404


@needs_dot
@needs_weasyprint
def test_a_card_with_too_many_routes_for_a_pdf_answers_422_everywhere(
        web: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    fit = _fit(web)
    link = _link(web, fit)
    monkeypatch.setattr(pdf_module, "MAX_PDF_CARD_ROUTES", 3)
    v1 = web.client.get(f"/v1/fits/{fit['id']}/cards/installer.pdf",
                        headers=web.workspace("acme"))
    assert v1.status_code == 422
    assert v1.json()["type"] == "urn:journeymap:problem:map-too-large"
    assert "lists 4 routes, more than the 3 a PDF card may hold" in v1.json()["detail"]
    shared = web.client.get(f"{link}/roles/installer/card.pdf")
    assert shared.status_code == 422
    assert "lists 4 routes" in shared.text


def test_without_weasyprint_every_card_pdf_answers_503_with_what_to_install(
        web: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    fit = _fit(web)
    link = _link(web, fit)
    monkeypatch.setattr(pdf_module, "_weasyprint", _missing)
    v1 = web.client.get(f"/v1/fits/{fit['id']}/cards/installer.pdf",
                        headers=web.workspace("acme"))
    assert v1.status_code == 503
    assert v1.headers["content-type"] == "application/problem+json"
    assert "pip install 'journeymap[pdf]'" in v1.json()["detail"]
    shared = web.client.get(f"{link}/roles/installer/card.pdf")
    assert shared.status_code == 503
    assert "journeymap[pdf]" in shared.text
    sign_in(web.client, web.keys["acme"])
    page = web.client.get(f"/app/fits/{fit['id']}/files/card.pdf?role=installer")
    assert page.status_code == 503
