"""The web pages in a real browser: Playwright drives Debian's ``chromium`` against a real
``journeymap serve`` on 127.0.0.1.

The walk-through: sign in with a key from ``journeymap admin create-workspace``; type a
map with a cycle and see the error on the right line; fix it and see the drawing;
upload the example survey; fit; watch the progress until done; drivers with a slider;
a role's "my influence" page whose numbers equal the /v1 API's.  Screenshots at
1920×1080 and 360×800 go to the test's tmp folder (and, with
JOURNEYMAP_UPDATE_SCREENSHOTS=1, to ``docs/images/web_*.png``).

Skipped, with the reason, when the ``playwright`` package or ``/usr/bin/chromium`` is
missing (``.ci/run`` installs both).  ``playwright install`` is never needed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
import web_helpers  # also puts tests/api on sys.path
from api_helpers import EXAMPLES, ROOT, Server
from journeymap_api.web._core import signed

pytestmark = pytest.mark.browser
sync_api = web_helpers.playwright_or_skip()

MAP_TEXT = (EXAMPLES / "kitchen_b2b.yaml").read_text(encoding="utf-8")
CYCLE_EDGE = "  - {from: ease, to: website}"
DOCS_IMAGES = ROOT / "docs" / "images"
MAX_IMAGE_BYTES = 300_000
DESKTOP = {"width": 1920, "height": 1080}
PHONE = {"width": 360, "height": 800}


@pytest.fixture(scope="module")
def server(site: web_helpers.Site) -> tuple[Server, str]:
    """The session's server and a workspace of this module's own: the walk-through adds a
    map, a data set and a fit (with their follow-up cases) that the other modules' pages
    would otherwise list."""
    return site.server, site.key("walkthrough")


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def _shot(page: Any, shots: Path, name: str, *, full_page: bool = False) -> Path:
    """A screenshot in the test's tmp folder (each under 300 KB); copied to docs/images only
    when JOURNEYMAP_UPDATE_SCREENSHOTS=1, so a test run never changes tracked files."""
    path = shots / f"web_{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size < MAX_IMAGE_BYTES, f"{path.name}: {path.stat().st_size} bytes"
    if os.environ.get("JOURNEYMAP_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMAGES / path.name)
    return path


def _sign_in(page: Any, url: str, key: str) -> None:
    page.goto(url + "/app")
    assert "/app/sign-in" in page.url  # no session: the sign-in form
    page.get_by_label("Workspace key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url + "/app")


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                     && !e.closest('.scroll, .map-svg, .map, .map-scroll'))
        .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)""")
    assert width <= page.viewport_size["width"] + 1, f"{page.url} is {width} px wide: {wide}"


def test_a_workshop_builds_fits_and_reads_a_map_in_the_browser(
        server: tuple[Server, str], browser: Any, shots: Path) -> None:
    s, key = server
    url = s.url
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    _sign_in(page, url, key)

    # --- the editor: a cycle is reported on the line of the edge that closes it
    page.goto(url + "/app/maps/new")
    text = MAP_TEXT.rstrip("\n") + "\n" + CYCLE_EDGE + "\n"
    cycle_line = text.splitlines().index(CYCLE_EDGE) + 1
    page.locator("#source").fill(text)
    problem = page.locator("#check .problems li").first
    sync_api.expect(problem).to_contain_text("cycle")
    assert problem.get_attribute("data-line") == str(cycle_line)
    sync_api.expect(problem).to_contain_text(f"line {cycle_line}")
    sync_api.expect(page.locator("#gutter .bad-line")).to_have_text(str(cycle_line))
    page.get_by_role("button", name=f"Go to line {cycle_line}").click()
    selected = page.evaluate("(() => { const t = document.getElementById('source');"
                             " return t.value.slice(t.selectionStart, t.selectionEnd); })()")
    assert selected == CYCLE_EDGE
    _shot(page, shots, "editor_cycle_1080p")

    # --- fixed: the drawing appears; saved as a map
    page.locator("#source").fill(MAP_TEXT)
    sync_api.expect(page.locator("#check-status")).to_contain_text("valid")
    sync_api.expect(page.locator("#check .map-svg svg")).to_be_visible()
    page.get_by_role("button", name="Save the map").click()
    page.wait_for_url("**/app/maps/*?saved=1")
    sync_api.expect(page.get_by_text("Saved as version 1.")).to_be_visible()
    map_id = page.url.split("/app/maps/")[1].split("?")[0]

    # --- the example data: upload, preview, the data checks against the map
    page.goto(url + "/app/datasets")
    page.get_by_label("Survey file", exact=True).set_input_files(str(EXAMPLES / "kitchen_b2b.csv"))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url("**/app/datasets/*")
    sync_api.expect(page.locator("table.preview tbody tr")).to_have_count(8)
    sync_api.expect(page.locator("#checks .ok")).to_contain_text("3,000 responses")
    _shot(page, shots, "dataset_1080p")

    # --- fit, with progress until done
    page.get_by_label("Map (its latest version)").select_option(map_id)
    page.get_by_role("button", name="Start the fit").click()
    page.wait_for_url("**/app/fits/*")
    fit_id = page.url.rsplit("/", 1)[1]
    sync_api.expect(page.locator("#fit-nps")).to_be_visible(timeout=30_000)

    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"},
                      timeout=30) as api:
        fit = api.get(f"/v1/fits/{fit_id}").json()
        drivers = api.get(f"/v1/fits/{fit_id}/drivers").json()
        installer = api.get(f"/v1/fits/{fit_id}/roles/installer").json()
        what_if = api.post(f"/v1/fits/{fit_id}/what-if",
                           json={"shifts": {"installer": 0.25}}).json()
    assert fit["status"] == "done"
    sync_api.expect(page.locator("#fit-nps")).to_have_text(signed(fit["result"]["nps"]["value"]))

    # --- drivers: the table, sorting, a slider moved with the keyboard
    page.get_by_role("link", name="Drivers and what-if").click()
    page.wait_for_url("**/drivers")
    rows = page.locator("#drivers-table tbody tr")
    sync_api.expect(rows).to_have_count(len(drivers["drivers"]))
    first = drivers["drivers"][0]
    sync_api.expect(rows.first.locator("td.num strong")).to_have_text(signed(first["nps_points"]))
    slider = page.get_by_role("slider", name="Installatör")
    slider.focus()
    page.keyboard.press("ArrowRight")
    sync_api.expect(page.locator("output[for='s-installer']")).to_have_text("+0.25")
    sync_api.expect(page.locator("#whatif-change")).to_have_text(signed(what_if["change"]))
    sync_api.expect(page.locator("#whatif-predicted")).to_have_text(
        signed(what_if["predicted_nps"]))
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, shots, "drivers_1080p")
    page.get_by_role("link", name="Average rating").click()
    page.wait_for_url("**sort=mean**")
    sync_api.expect(page.locator("th[aria-sort]")).to_contain_text("Average rating")

    # --- my influence: pick a role; its numbers are the API's
    page.goto(url + f"/app/fits/{fit_id}/roles")
    page.get_by_label("Role", exact=True).select_option("installer")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/app/fits/{fit_id}/roles/installer")
    big = page.locator(".card .big").inner_text()
    assert big.split()[0] == signed(installer["nps_points"])
    lo, hi = installer["nps_points_ci"]
    sync_api.expect(page.locator(".card .ci")).to_have_text(
        f"95 %: {signed(lo)} to {signed(hi)}")
    sync_api.expect(page.locator(".card .note")).to_contain_text("never to set individual pay")
    sync_api.expect(page.locator(".map-scroll svg")).to_be_visible()
    assert page.get_by_label("Link to this page").input_value() == page.url
    _shot(page, shots, "role_1080p")

    # --- the permalink opens the page directly, on a phone too
    phone = browser.new_context(viewport=PHONE, storage_state=context.storage_state())
    small = phone.new_page()
    small.goto(url + f"/app/fits/{fit_id}/roles/installer")
    sync_api.expect(small.locator(".card .big")).to_contain_text(signed(installer["nps_points"]))
    _no_sideways_scroll(small)
    _shot(small, shots, "role_360", full_page=False)
    for path in ("/app", f"/app/maps/{map_id}", f"/app/fits/{fit_id}/drivers",
                 f"/app/fits/{fit_id}"):
        small.goto(url + path)
        _no_sideways_scroll(small)
        if path.endswith("drivers"):
            _shot(small, shots, "drivers_360")
    small.goto(url + f"/app/maps/{map_id}")
    _shot(small, shots, "editor_360")
    phone.close()

    # --- presentation mode: large type, high contrast, kept while browsing
    page.goto(url + f"/app/fits/{fit_id}/roles/installer")
    page.get_by_role("link", name="Presentation mode").click()
    page.wait_for_url("**/roles/installer")
    assert "present" in (page.locator("body").get_attribute("class") or "")
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.card h1'))"
                         ".fontSize)")
    assert size >= 40
    _shot(page, shots, "role_present_1080p")
    page.get_by_role("link", name="Leave presentation mode").click()
    context.close()


def test_every_page_can_be_used_with_the_keyboard(server: tuple[Server, str],
                                                   browser: Any) -> None:
    s, key = server
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page, s.url, key)
    page.goto(s.url + "/app/maps/new")

    page.keyboard.press("Tab")  # the first stop is the skip link
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    # from the main content, Tab reaches the file name and then the map text
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "filename"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "source"
    outline = page.evaluate("getComputedStyle(document.activeElement.closest('.code'))"
                            ".outlineStyle")
    assert outline == "solid"  # a visible focus ring around the editor

    # every control of every page has a label (or is a button/link with text)
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea')].filter(e =>
        !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
        .map(e => e.id || e.name)""")
    assert unlabelled == []
    assert page.evaluate("document.documentElement.lang") == "en"
    context.close()
