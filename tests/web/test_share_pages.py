"""Pages people see without ranking them, and role share links opened without a key."""

from __future__ import annotations

import math
import re
from typing import Any

import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api, fitted
from fastapi.testclient import TestClient
from journeymap_api.web._core import signed
from web_helpers import sign_in

from journeymap.analysis.roles import NOT_FOR_PAY


def _fit(web: Api, name: str = "acme") -> dict[str, Any]:
    return fitted(web.client, web.workspace(name))


# ------------------------------------------------------------------ no ranking
def test_the_roles_page_lists_roles_alphabetically_without_numbers(web: Api) -> None:
    fit = _fit(web)
    sign_in(web.client, web.keys["acme"])
    api = web.client.get(f"/v1/fits/{fit['id']}/roles", headers=web.workspace("acme")).json()
    labels = [r["label"] for r in api["roles"]]
    page = web.client.get(f"/app/fits/{fit['id']}/roles").text
    listed = re.findall(r'<li><a href="/app/fits/[^/]+/roles/[^"]+">([^<]+)</a></li>', page)
    assert listed == sorted(labels, key=str.casefold)
    assert listed != labels  # the API's order (largest influence first) is not shown
    assert "NPS points" not in page
    assert "<table" not in page


# ------------------------------------------------------------------ share links
def _link(web: Api, fit: dict[str, Any], role: str | None = "installer") -> str:
    path = f"/v1/fits/{fit['id']}/roles/{role}/share" if role else f"/v1/fits/{fit['id']}/share"
    r = web.client.post(path, headers=web.workspace("acme"))
    assert r.status_code == 201, r.text
    url: str = r.json()["url"]
    return url.removeprefix("http://testserver")


def test_a_role_link_opens_the_role_page_card_and_map_without_a_key(web: Api) -> None:
    fit = _fit(web)
    link = _link(web, fit)
    assert not web.client.cookies
    api = web.client.get(f"/v1/fits/{fit['id']}/roles/installer",
                         headers=web.workspace("acme")).json()
    r = web.client.get(link)
    assert r.status_code == 200, r.text
    assert f'<p class="big">{signed(api["nps_points"])} <small>NPS points</small>' in r.text
    assert NOT_FOR_PAY in r.text
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-robots-tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in r.text
    # the role's routes alone (one box a row), at least wide enough for 12 px text
    size = re.search(r'<div class="map-scroll" tabindex="0" role="group" aria-label="[^"]+">'
                     r'<svg style="width:100%;min-width:(\d+)px;max-width:(\d+)px;height:auto"'
                     r'\s*viewBox="[\d.]+ [\d.]+ ([\d.]+) [\d.]+" role="group"', r.text)
    assert size is not None, r.text[r.text.find('class="map-scroll"'):][:600]
    assert int(size[1]) == math.ceil(float(size[3]) * 12 / 14)  # the smallest text: 14 units
    assert int(size[2]) == math.floor(float(size[3]) * 18 / 14)
    assert '<div class="map">' not in r.text  # the card's own (whole) map is not repeated
    arrows = re.findall(r'<g id="(arrow\d+)" class="edge[^"]*" tabindex="0" role="button" '
                        r'aria-label="[^"]+" data-edge="(arrow\d+)">', r.text)
    assert len(arrows) == 9  # the installer's routes: 9 arrows
    assert all(a == b for a, b in arrows)
    assert [f"about-{a}" for a, _ in arrows] == re.findall(r'<li id="(about-arrow\d+)">', r.text)
    assert "set-cookie" not in r.headers
    assert not re.search(r'href="/app(?!/static/)', r.text)
    for admin_only in ("csrf_token", "Share with my team", "Downloads",
                       "drivers", "Sign out", 'name="role"'):
        assert admin_only not in r.text, admin_only
    card = web.client.get(f"{link}/roles/installer/card.html")
    assert card.status_code == 200
    assert card.headers["content-type"].startswith("text/html")
    assert signed(api["nps_points"]) in card.text
    drawn = web.client.get(f"{link}/roles/installer/map.svg")
    assert drawn.status_code == 200
    assert drawn.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in drawn.content
    assert drawn.content == web.client.get(f"/v1/fits/{fit['id']}/map.svg",
                                           params={"role": "installer"},
                                           headers=web.workspace("acme")).content


def test_a_role_link_opens_nothing_else(web: Api) -> None:
    fit = _fit(web)
    link = _link(web, fit)
    token = link.rsplit("/", 1)[1]
    for other in (f"{link}/roles/billing", f"{link}/roles/billing/card.html",
                  f"{link}/roles/billing/map.svg", f"{link}/roles/nobody"):
        r = web.client.get(other)
        assert r.status_code == 404, other
        assert "does not open that page" in r.text
    assert "Installatör" in web.client.get(link, params={"role": "billing"}).text
    for page in ("/app", f"/app/fits/{fit['id']}", f"/app/fits/{fit['id']}/roles",
                 f"/app/fits/{fit['id']}/drivers", "/app/datasets",
                 f"/app/datasets/{fit['dataset_id']}",
                 f"/app/fits/{fit['id']}/files/result.json",
                 f"/app/fits/{fit['id']}/files/roles.csv"):
        r = web.client.get(page, follow_redirects=False)
        assert r.status_code == 303, page
        assert "/app/sign-in" in r.headers["location"], page
    r = web.client.post(f"/app/fits/{fit['id']}/what-if", data={"shift.delivery": "1"},
                        follow_redirects=False)
    assert r.status_code == 303
    assert web.client.post(f"{link}/roles/installer", data={}).status_code == 405
    bearer = {"Authorization": f"Bearer {token}"}
    for v1 in ("/v1/fits", f"/v1/datasets/{fit['dataset_id']}", "/v1/shares"):
        assert web.client.get(v1, headers=bearer).status_code == 401, v1


def test_revoked_expired_and_unknown_links_get_a_friendly_page(web: Api) -> None:
    from datetime import timedelta

    from journeymap_api.models import ShareLink, utcnow
    from sqlalchemy import update

    fit = _fit(web)
    revoked, expired = _link(web, fit), _link(web, fit, "billing")
    listed = web.client.get("/v1/shares", headers=web.workspace("acme")).json()["shares"]
    by_role = {s["role"]: s["token_id"] for s in listed}
    assert web.client.delete(f"/v1/shares/{by_role['installer']}",
                             headers=web.workspace("acme")).status_code == 204
    with web.client.app.state.sessions() as session:  # type: ignore[attr-defined]
        session.execute(update(ShareLink).where(ShareLink.role == "billing")
                        .values(expires_at=utcnow() - timedelta(minutes=1)))
        session.commit()
    for link, status, words in ((revoked, 410, "was withdrawn"), (expired, 410, "has expired"),
                                ("/s/not-a-token", 404, "does not open anything"),
                                ("/s/" + "x" * 500, 404, "does not open anything")):
        for path in (link, f"{link}/roles/installer/card.html"):
            r = web.client.get(path)
            assert r.status_code == status, path
            assert words in r.text
            assert r.headers["content-type"].startswith("text/html")
            assert r.headers["referrer-policy"] == "no-referrer"
            assert "Back to the home page" not in r.text


def test_a_viewer_link_lists_every_role_alphabetically_and_opens_each(web: Api) -> None:
    fit = _fit(web)
    link = _link(web, fit, None)
    api = web.client.get(f"/v1/fits/{fit['id']}/roles", headers=web.workspace("acme")).json()
    page = web.client.get(link).text
    listed = re.findall(r'<li><a href="/s/[^/]+/roles/([^"?]+)\?lang=en"', page)
    by_label = sorted(api["roles"], key=lambda r: str(r["label"]).casefold())
    assert listed == [r["role"] for r in by_label]
    assert "drivers" not in page
    r = web.client.get(link, params={"role": "billing"}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, f"{link}/roles/billing?lang=en")
    assert web.client.get(r.headers["location"]).status_code == 200
    assert 'name="role"' in web.client.get(f"{link}/roles/billing").text  # the picker


def test_the_role_page_shares_with_a_link_and_qr_code_and_can_withdraw_it(web: Api) -> None:
    fit = _fit(web)
    csrf = sign_in(web.client, web.keys["acme"])
    role_page = web.client.get(f"/app/fits/{fit['id']}/roles/installer").text
    assert "Share with my team" in role_page
    path = f"/app/fits/{fit['id']}/roles/installer/share"
    assert web.client.post(path, data={"days": "7"}).status_code == 403  # no CSRF token
    r = web.client.post(path, data={"days": "7", "csrf_token": csrf})
    assert r.status_code == 200, r.text
    url = re.search(r'id="share-url" readonly value="([^"]+)"', r.text)
    assert url is not None
    assert '<svg role="img" aria-label="QR code' in r.text
    [listed] = web.client.get("/v1/shares", headers=web.workspace("acme")).json()["shares"]
    from datetime import datetime
    assert (datetime.fromisoformat(listed["expires_at"])
            - datetime.fromisoformat(listed["created_at"])).days == 7
    fresh = TestClient(web.client.app, base_url="http://testserver")
    assert fresh.get(url.group(1)).status_code == 200
    assert "Withdraw" in web.client.get(f"/app/fits/{fit['id']}/roles/installer").text
    r = web.client.post(f"/app/shares/{listed['token_id']}/revoke",
                        data={"csrf_token": csrf,
                              "next": f"/app/fits/{fit['id']}/roles/installer"},
                        follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (
        303, f"/app/fits/{fit['id']}/roles/installer")
    assert fresh.get(url.group(1)).status_code == 410


def test_the_qr_code_encodes_the_link() -> None:
    import segno
    from journeymap_api.web.pages.share import qr_svg

    url = "https://nps.example/s/abc"
    svg = qr_svg(url, 'QR of "x" & <y>')
    assert svg.startswith('<svg role="img" aria-label="QR of &quot;x&quot; &amp; &lt;y&gt;"')
    expected = segno.make(url, error="m", micro=False)
    assert expected.svg_inline(scale=6, border=4, omitsize=True, dark="#000",
                               light="#fff")[len("<svg "):] in svg
