"""Tests of the "my influence" role card (HTML and Markdown).

The HTML is parsed with :mod:`html.parser`; its tables are compared with the
FitResult records and :func:`journeymap.analysis.role_influence`, formatted here
independently.  A tiny hand-made map with awkward labels checks escaping, and a
planted zero effect gives a role whose 95 % interval contains 0.
"""

from __future__ import annotations

import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import journeymap as jm
from journeymap.analysis import role_influence, role_touchpoints
from journeymap.analysis.roles import NOT_FOR_PAY
from journeymap.datasets import simulate
from journeymap.engines import FitResult
from journeymap.exceptions import JourneymapError, RenderError, UnknownNodeError
from journeymap.model import JourneyMap
from journeymap.render import role_card

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="graphviz's dot is not installed")

# "fitter" acts on b, which has no planted effect: its influence interval contains 0.
TINY: dict[str, Any] = {
    "name": "Kök & Bad <Øst>",
    "outcome": "nps",
    "nodes": [
        {"id": "nps", "kind": "outcome", "label": 'Rekommendera "oss"', "column": "ltr"},
        {"id": "seller", "kind": "role", "label": "Säljare & Co <Nord>"},
        {"id": "fitter", "kind": "role", "label": "Montör | æ ø"},
        {"id": "a", "kind": "touchpoint", "label": "Kök & Bad <Øst>", "column": "q_a",
         "scale": [1, 5]},
        {"id": "b", "kind": "touchpoint", "label": 'Blåbär "ö"', "column": "q_b",
         "scale": [1, 5]},
        {"id": "f", "kind": "factor", "label": "Åtgärd", "column": "q_f", "scale": [1, 7]},
    ],
    "edges": [["seller", "a"], {"from": "fitter", "to": "b", "share": 0.5},
              {"from": "seller", "to": "b", "share": 0.25}, ["a", "f"], ["b", "f"],
              ["f", "nps"], ["a", "nps"], ["b", "nps"]],
}


def signed(x: float, digits: int = 1) -> str:
    if round(x, digits) == 0:
        return f"{0:.{digits}f}"
    return f"{x:+.{digits}f}".replace("-", "−")


class Page(HTMLParser):
    """Tags, attributes, visible text and the cells of every table of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.tables: list[list[list[str]]] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self._hidden = 0  # depth inside <svg> and <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("svg", "style"):
            self._hidden += 1
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("svg", "style"):
            self._hidden -= 1
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None
        if tag in ("td", "th", "p", "dt", "dd", "li", "h1", "h2", "strong"):
            self.text.append(" ")

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def visible(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def page(text: str) -> Page:
    p = Page()
    p.feed(text)
    p.close()
    return p


@pytest.fixture(scope="module")
def example() -> FitResult:
    return jm.fit(jm.example_map(), EXAMPLES / "kitchen_b2b.csv")


@pytest.fixture(scope="module")
def tiny() -> FitResult:
    m = JourneyMap.from_dict(TINY)
    result = jm.fit(m, simulate(m, 800, seed=0, coefficients={"b->nps": 0.0, "b->f": 0.0}).data)
    lo, hi = result.role("fitter").nps_points_ci
    assert lo < 0 < hi  # the planted zero effect
    return result


@pytest.fixture(scope="module")
def installer_html(example: FitResult) -> str:
    return role_card(example, "installer")


@pytest.fixture(scope="module")
def installer_md(example: FitResult) -> str:
    return role_card(example, "installer", format="md", image="map.svg")


# ---------------------------------------------------------------------- HTML
@needs_dot
def test_the_html_card_is_one_self_contained_page_without_any_external_reference(
        installer_html: str) -> None:
    p = page(installer_html)
    assert installer_html.startswith("<!DOCTYPE html>")
    for tag, attrs in p.tags:
        for name in ("src", "href", "xlink:href", "action", "data"):
            assert "http" not in (attrs.get(name) or ""), (tag, attrs)
        assert tag not in ("script", "link", "iframe", "img", "object", "embed")
    assert "http" not in installer_html  # none at all: no namespace URLs, no doctype URL
    assert "@import" not in installer_html
    assert "@font-face" not in installer_html
    assert "url(" not in installer_html


@needs_dot
def test_the_html_card_inlines_the_map_with_the_role_highlighted(installer_html: str) -> None:
    # the whole map for screens, and the role's routes alone for print (.print-map)
    assert installer_html.count("<svg") == 2
    print_map = re.search(r'<figure class="print-map"><svg[^>]*>(.*?)</svg>', installer_html,
                          flags=re.S)
    assert print_map is not None
    assert 'class="node faded"' not in print_map.group(1)
    assert "<?xml" not in installer_html
    assert "<!DOCTYPE svg" not in installer_html
    svg_open = re.search(r"<svg[^>]*>", installer_html)
    assert svg_open is not None
    assert "width=" not in svg_open.group(0)  # scales with the page
    assert "viewBox=" in svg_open.group(0)
    assert 'class="node highlight"' in installer_html
    assert 'class="node faded"' in installer_html


@needs_dot
def test_the_html_card_reads_on_a_phone_and_on_a_projector(installer_html: str) -> None:
    p = page(installer_html)
    metas = [a for t, a in p.tags if t == "meta"]
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in metas
    assert {"charset": "utf-8"} in metas
    assert "max-width:" in installer_html
    assert re.search(r"figure svg \{[^}]*width: 100%; height: auto;", installer_html)
    # the phone and projector layouts are for screens: printing keeps the A4 layout
    assert "@media screen and (min-width: 1600px)" in installer_html
    assert "@media screen and (max-width: 44rem)" in installer_html
    assert "@page { size: A4;" in installer_html
    assert "@media print" in installer_html


@needs_dot
def test_the_card_shows_the_role_its_nps_points_and_the_headline(
        example: FitResult, installer_html: str) -> None:
    rec = example.role("installer")
    text = page(installer_html).visible
    assert "Installatör" in text
    lo, hi = rec.nps_points_ci
    big = signed(rec.nps_points)
    assert big == "+17.5"
    assert f"{big} NPS points" in text
    after, (a_lo, a_hi) = (signed(example.nps.value + rec.nps_points),
                           role_influence(example, "installer").nps_after_ci)
    assert (f"When Installatör does one point better on Installation and Leverans (i tid, "
            f"komplett, hel), NPS would go from {signed(example.nps.value)} to {after} (95 %: "
            f"{signed(a_lo)} to {signed(a_hi)}): {big} NPS points (95 %: {signed(lo)} to "
            f"{signed(hi)}); most of it runs through Installation.") in text
    direct = rec.direct / rec.influence
    assert (f"About {direct:.0%} of it is direct" in text)
    assert (f"and {1 - direct:.0%} is indirect, through Produktkvalitet, Inga fel (no "
            "errors) and Ease of doing business." in text)


@needs_dot
def test_the_not_for_pay_note_sits_in_a_highlighted_box(installer_html: str) -> None:
    box = re.search(r'<aside class="note">(.*?)</aside>', installer_html, flags=re.S)
    assert box is not None
    assert html.escape(NOT_FOR_PAY) in box.group(1)
    assert "NPS is the result of the whole journey" in box.group(1)
    assert ".note {" in installer_html


@needs_dot
def test_the_touchpoint_table_is_ranked_by_the_roles_part_beside_the_touchpoint_alone(
        example: FitResult, installer_html: str) -> None:
    m = example.journey_map
    table = page(installer_html).tables[0]
    assert table[0][:4] == ["Touchpoint", "Your share", "Your part (NPS points)",
                            "It alone, everyone 1 point higher (NPS points)"]
    effects = {e.node: e for e in example.node_effects}
    parts: dict[str, float] = {}  # the routes' parts by the node they reach first
    for p in example.role("installer").paths:
        parts[p.nodes[1]] = parts.get(p.nodes[1], 0.0) + p.nps_points
    assert sum(parts.values()) == pytest.approx(example.role("installer").nps_points,
                                                abs=1e-9)
    acts = role_influence(example, "installer").acts_on.to_dict(orient="records")
    expected = sorted(acts, key=lambda a: -parts[a["node"]])
    assert [row[0] for row in table[1:]] == [a["label"] for a in expected]
    for row, a in zip(table[1:], expected, strict=True):
        eff = effects[a["node"]]
        hi = m.node(a["node"]).scale[1]  # type: ignore[index]
        assert row[1:] == [f"{a['share']:g}", signed(parts[a["node"]]), signed(eff.nps_points),
                           f"{eff.mean:.1f} of {hi:g}", f"{eff.n:,}"]
    # the example: Installation (+13.1 of the installer's) before Leverans (+4.4; Leverans
    # alone would be worth +21.8)
    assert [row[0] for row in table[1:]] == ["Installation", "Leverans (i tid, komplett, hel)"]
    assert [row[2] for row in table[1:]] == ["+13.1", "+4.4"]
    assert table[2][3] == "+21.8"


@needs_dot
def test_the_route_table_lists_every_path_with_its_nps_points_and_their_interval(
        example: FitResult, installer_html: str) -> None:
    m = example.journey_map
    (table,) = [t for t in page(installer_html).tables if t[0][0] == "Route"]
    assert table[0][1] == "NPS points (95 %)"
    paths = example.role("installer").paths
    assert len(table) == len(paths) + 1
    for row, p in zip(table[1:], paths, strict=True):
        assert row[0] == " → ".join(m.node(n).display for n in p.nodes)
        assert p.nps_points_ci is not None
        lo, hi = p.nps_points_ci
        assert lo < hi
        assert row[1] == f"{signed(p.nps_points)} ({signed(lo)} to {signed(hi)})"
        assert row[2] == ("direct" if len(p.nodes) == 3 else "indirect")


@needs_dot
def test_the_card_escapes_user_text(tiny: FitResult) -> None:
    text = role_card(tiny, "seller")
    assert "Säljare &amp; Co &lt;Nord&gt;" in text
    assert "Kök &amp; Bad &lt;Øst&gt;" in text
    assert "<Nord>" not in text
    assert "<Øst>" not in text
    assert "Säljare & Co <Nord>" in page(text).visible


# ------------------------------------------------------------------ Markdown
def test_the_markdown_card_has_the_same_numbers_as_the_html_card(
        example: FitResult, installer_html: str, installer_md: str) -> None:
    number = r"[+−]?\d[\d,]*(?:\.\d+)?"
    visible = page(installer_html).visible
    html_numbers = sorted(re.findall(number, visible.split("How to read this")[0]))
    md_numbers = sorted(re.findall(number, installer_md.split("## How to read this")[0]))
    assert html_numbers == md_numbers
    assert signed(example.role("installer").nps_points) in md_numbers


def test_the_markdown_card_has_github_tables_and_references_the_image(
        installer_md: str, example: FitResult) -> None:
    assert installer_md.startswith("# Installatör — my influence on NPS\n")
    assert "| Touchpoint | Your share |" in installer_md
    assert "|---|---:|---:|---:|---:|" in installer_md
    assert "(map.svg)" in installer_md
    assert NOT_FOR_PAY in installer_md
    assert "map.svg" not in role_card(example, "installer", format="md")


def test_the_markdown_card_escapes_markdown_and_html_in_labels(tiny: FitResult) -> None:
    md = role_card(tiny, "fitter", format="md")
    assert md.startswith("# Montör \\| æ ø — my influence on NPS")
    assert "Kök & Bad \\<Øst\\>" in md
    assert "<Øst>" not in md


def test_a_card_from_a_result_read_back_from_json_is_the_same(example: FitResult) -> None:
    again = FitResult.from_dict(example.to_dict(), example.journey_map)
    said = role_touchpoints(example, "billing")  # the JSON keeps no respondents
    assert role_card(again, "billing", format="md", touchpoints=said) == role_card(
        example, "billing", format="md")
    alone = role_card(again, "billing", format="md")
    assert "This fit keeps no survey answers" in alone
    assert "How 2," not in alone


# ---------------------------------------------------------------- uncertainty
def test_a_role_whose_interval_contains_zero_gets_the_uncertainty_sentence(
        tiny: FitResult, example: FitResult) -> None:
    lo, hi = tiny.role("fitter").nps_points_ci
    md = role_card(tiny, "fitter", format="md")
    assert ("The data cannot tell whether this influence is above or below zero: the 95 % "
            f"interval runs from {signed(lo)} to {signed(hi)} NPS points.") in md
    assert "cannot tell" not in role_card(tiny, "seller", format="md")
    assert "cannot tell" not in role_card(example, "installer", format="md")


@needs_dot
def test_the_uncertain_role_is_not_shown_in_the_colour_of_a_gain(tiny: FitResult) -> None:
    assert 'class="headline unsure"' in role_card(tiny, "fitter")
    assert 'class="headline up"' in role_card(tiny, "seller")


# ---------------------------------------------------------------- suppression
@needs_dot
def test_a_survey_below_min_responses_shows_suppression_and_no_figures(
        example: FitResult) -> None:
    text = role_card(example, "installer", min_responses=5000)
    visible = page(text).visible
    assert ("Figures are suppressed: the survey has only 3,000 answers with a recommend "
            "score, and at least 5000 are needed before any figure is shown.") in visible
    assert "+17.5" not in visible
    assert "NPS points" not in visible.split("How to read this")[0]
    assert NOT_FOR_PAY in visible
    assert "<svg" in text  # the map, without numbers
    svg = text[text.index("<svg"):text.index("</svg>")]
    assert "NPS p" not in svg
    md = role_card(example, "installer", format="md", min_responses=5000)
    assert "Figures are suppressed" in md
    assert "+17.5" not in md


def test_a_touchpoint_below_min_responses_shows_too_few_answers(example: FitResult) -> None:
    md = role_card(example, "installer", format="md", min_responses=2000)
    assert "| Installation | too few answers (n = 1,960) |" in md
    assert "+13.1" not in md
    leverans = next(line for line in md.splitlines() if line.startswith("| Leverans"))
    assert "+21.8" in leverans


# --------------------------------------------------------------------- errors
def test_an_unknown_format_role_or_a_non_role_is_an_error(example: FitResult) -> None:
    with pytest.raises(JourneymapError, match="unknown card format 'pdf'; valid formats: html, "
                                              "md"):
        role_card(example, "installer", format="pdf")
    with pytest.raises(UnknownNodeError, match="installerr"):
        role_card(example, "installerr", format="md")
    with pytest.raises(JourneymapError, match="'delivery' is a touchpoint, not a role"):
        role_card(example, "delivery", format="md")
    with pytest.raises(JourneymapError, match="below 10"):
        role_card(example, "installer", format="md", min_responses=9)


def test_the_html_card_without_dot_is_a_render_error(example: FitResult,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    with pytest.raises(RenderError, match="install graphviz"):
        role_card(example, "installer")
    assert role_card(example, "installer", format="md").startswith("# Installatör")


@needs_dot
def test_a_role_with_more_boxes_than_the_print_column_holds_prints_the_whole_map(
        example: FitResult, monkeypatch: pytest.MonkeyPatch) -> None:
    from journeymap.render import card as card_module

    boxes = {n for p in example.role("installer").paths for n in p.nodes}
    assert len(boxes) == 7
    monkeypatch.setattr(card_module, "PRINT_MAP_MAX_BOXES", 6)
    text = role_card(example, "installer")
    assert '<figure class="print-map">' not in text
    assert "<main>\n<header>" in text
    assert text.count("<svg") == 1
    monkeypatch.setattr(card_module, "PRINT_MAP_MAX_BOXES", 7)
    assert '<figure class="print-map">' in role_card(example, "installer")


def test_the_source_line_names_the_model_in_plain_words_in_each_language(
        example: FitResult) -> None:
    # the md card has no map image, so it needs no graphviz
    expected = {"en": "linear model", "sv": "linjär modell", "da": "lineær model",
                "fi": "lineaarinen malli", "nb": "lineær modell"}
    for lang, words in expected.items():
        card = role_card(example, "installer", format="md", lang=lang)
        source = next(line for line in card.splitlines()
                      if "journeymap" in line and "NPS" in line)
        assert f"· {words} ·" in source, (lang, source)
        assert "engine" not in source, (lang, source)
        assert "motor" not in source, (lang, source)
