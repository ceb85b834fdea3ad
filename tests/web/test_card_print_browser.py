"""The role card printed by a browser: one A4 page in every language.

Playwright drives Debian's ``chromium``: the card's HTML page (the role with the most
routes in the example, the installer) is printed with ``page.pdf(format="A4")`` — what
"Print" in the browser does with the card's own ``@page`` and print styles — and the
pages are counted with pypdf.  With JOURNEYMAP_UPDATE_SCREENSHOTS=1 the printed look
(print media at the A4 width) of each language goes to ``docs/images/card-print-LANG.png``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import web_helpers

import journeymap as jm
from journeymap.analysis import role_influence
from journeymap.engines import FitResult
from journeymap.i18n import LANGUAGES, gettext, use_language
from journeymap.render import role_card

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot missing")]
sync_api = web_helpers.playwright_or_skip()
pypdf = pytest.importorskip("pypdf", reason="pypdf (the dev extra) counts the pages")

ROOT = Path(__file__).resolve().parents[2]
A4_CSS_PX = {"width": 794, "height": 1123}  # 210 × 297 mm at 96 px per inch


@pytest.fixture(scope="module")
def example() -> FitResult:
    return jm.fit(jm.example_map(), ROOT / "examples" / "kitchen_b2b.csv")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_card_prints_on_one_a4_page_with_the_not_for_pay_box(
        example: FitResult, browser: Any, lang: str, tmp_path: Path) -> None:
    page = browser.new_page(viewport=A4_CSS_PX)
    try:
        page.set_content(role_card(example, "installer", lang=lang))
        data = page.pdf(format="A4", print_background=True)
        if os.environ.get("JOURNEYMAP_UPDATE_SCREENSHOTS") == "1":
            page.emulate_media(media="print")
            page.screenshot(path=str(ROOT / "docs" / "images" / f"card-print-{lang}.png"),
                            full_page=True)
    finally:
        page.close()
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    with use_language(lang):
        box = gettext("Not for pay or bonus")
        footer_word = gettext("How to read this")
    assert box in text
    assert footer_word in text  # the last section is on the page too


def test_the_printed_map_draws_only_the_roles_routes_with_readable_labels(
        example: FitResult, browser: Any) -> None:
    page = browser.new_page(viewport=A4_CSS_PX)
    try:
        page.set_content(role_card(example, "installer", lang="fi"))
        page.emulate_media(media="print")
        drawn = page.evaluate("""() => {
            const shown = [...document.querySelectorAll('figure')]
                .filter(f => getComputedStyle(f).display !== 'none');
            const svg = document.querySelector('.print-map svg');
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            const sizes = [...svg.querySelectorAll('g.node text')]
                .map(t => parseFloat(t.getAttribute('font-size')) * scale);
            const boxes = [...svg.querySelectorAll('g.node title')].map(t => t.textContent);
            return {shown: shown.map(f => f.className), sizes, boxes};
        }""")
    finally:
        page.close()
    assert drawn["shown"] == ["print-map"]  # the whole map is not printed
    routes = role_influence(example, "installer").paths["nodes"]
    assert set(drawn["boxes"]) == {n for nodes in routes for n in nodes}
    assert len(drawn["boxes"]) == 7
    # CSS px at 96 per inch: the box names at least 9 px (6.8 pt), every figure at least 6 px
    assert max(drawn["sizes"]) >= 9.0
    assert min(drawn["sizes"]) >= 6.0
