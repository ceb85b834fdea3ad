"""A share link opened on a phone: a fresh browser context (no cookie, no key) at 360 px
shows the role's page, its card and map, and nothing of the admin's pages.

Playwright drives Debian's ``chromium`` against the session's real ``journeymap serve``
(``site``); skipped with the reason when either is missing.  The screenshot goes to the
test's tmp folder and, with JOURNEYMAP_UPDATE_SCREENSHOTS=1, to
``docs/images/share-role-360.png``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import web_helpers  # also puts tests/api on sys.path
from api_helpers import ROOT
from journeymap_api.web._core import signed

from journeymap.analysis.roles import NOT_FOR_PAY

pytestmark = pytest.mark.browser
sync_api = web_helpers.playwright_or_skip()

PHONE = {"width": 360, "height": 800}
SHOT = ROOT / "docs" / "images" / "share-role-360.png"
MIN_TEXT_PX = 12.0


def test_a_share_link_opens_the_role_page_on_a_phone_without_a_key(
        site: web_helpers.Site, browser: Any, tmp_path: Path) -> None:
    fit = site.example()
    with site.api() as api:
        installer = api.get(f"/v1/fits/{fit['id']}/roles/installer").json()
    link = site.share(fit["id"])["url"]
    assert link.startswith(site.url + "/s/")

    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        response = page.goto(link)
        assert response is not None
        assert response.status == 200
        assert response.headers["referrer-policy"] == "no-referrer"
        sync_api.expect(page.locator(".card .big")).to_contain_text(
            signed(installer["nps_points"]))
        sync_api.expect(page.locator(".card .note")).to_contain_text(NOT_FOR_PAY[:40])
        sync_api.expect(page.locator(".map-scroll svg")).to_be_visible()
        assert page.locator("text=Share with my team").count() == 0
        assert page.locator("nav:not(.languages), form").count() == 0  # no admin parts
        assert context.cookies() == []
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1
        small = page.evaluate("""(min) => [...document.querySelectorAll(
                'main p, main li, main a, main h1, main h2, main h3, main td, main th')]
            .filter(e => !e.closest('svg') && e.offsetParent !== null
                         && e.textContent.trim()
                         && parseFloat(getComputedStyle(e).fontSize) < min)
            .map(e => e.tagName + ' ' + getComputedStyle(e).fontSize + ' '
                      + e.textContent.trim().slice(0, 30))""", MIN_TEXT_PX)
        assert small == []
        map_text = page.evaluate("""() => Math.min(...[...document.querySelectorAll(
            '.map-scroll svg text')].map(e => e.getBoundingClientRect().height))""")
        assert map_text >= MIN_TEXT_PX  # the role's routes, one box a row
        path = tmp_path / SHOT.name
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size < 800_000  # a long page: card, map, arrows in words
        if os.environ.get("JOURNEYMAP_UPDATE_SCREENSHOTS") == "1":
            shutil.copyfile(path, SHOT)

        page.get_by_role("link", name="Card to print").click()
        sync_api.expect(page.locator(".big").first).to_contain_text(
            signed(installer["nps_points"]))
        other = page.goto(link + "/roles/billing")
        assert other is not None
        assert other.status == 404
        sync_api.expect(page.locator("h1")).to_have_text("Not part of this link")
        back = page.goto(site.url + "/app")
        assert back is not None
        assert "/app/sign-in" in page.url
    finally:
        context.close()
