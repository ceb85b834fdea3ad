"""The drawing's size, resolution and fonts, the narrow routes view for phones, the legend's
own example and the arrows as words (docs/maps.md, "Size, resolution and fonts" and "The
role's routes on a phone").

Every effect is checked on the picture graphviz produced: the SVG's ``width``, ``height``,
``viewBox`` and ``font-size`` attributes, and a PNG's pixel size read from its header.  The
role's routes are compared with an independent listing of every simple path from the role
to the outcome (networkx), and the legend's example with the strongest record of the
result.
"""

from __future__ import annotations

import itertools
import math
import re
import shutil
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

import journeymap as jm
from journeymap import limits
from journeymap.cli import app
from journeymap.engines import FitResult
from journeymap.exceptions import JourneymapError
from journeymap.model import JourneyMap
from journeymap.render import edge_details, focusable_edges, render, to_dot

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is missing")


@pytest.fixture(scope="module")
def example() -> tuple[JourneyMap, FitResult]:
    m = jm.example_map()
    return m, jm.fit(m, EXAMPLES / "kitchen_b2b.csv")


def view_box(svg: bytes) -> tuple[float, float]:
    found = re.search(rb'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', svg)
    assert found is not None
    return float(found[1]), float(found[2])


def size_px(svg: bytes) -> tuple[float, float]:
    found = re.search(rb'<svg width="([\d.]+)px" height="([\d.]+)px"', svg)
    assert found is not None, svg[:300]
    return float(found[1]), float(found[2])


def font_sizes(svg: bytes) -> list[float]:
    return [float(x) for x in re.findall(rb'font-size="([\d.]+)"', svg)]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def simple_path_nodes(m: JourneyMap, role: str) -> tuple[set[str], set[tuple[str, str]]]:
    """Every node and edge on some simple path from ``role`` to the outcome (listed)."""
    g = nx.DiGraph([(e.source, e.target) for e in m.edges])
    nodes: set[str] = {role}
    edges: set[tuple[str, str]] = set()
    for path in nx.all_simple_paths(g, role, m.outcome):
        nodes.update(path)
        edges.update(itertools.pairwise(path))
    return nodes, edges


def drawn(svg: bytes) -> tuple[dict[str, tuple[float, float]], set[tuple[str, str]]]:
    """The drawn map nodes (with their centres) and edges of an SVG (the invisible ruler
    and the spine are left out)."""
    root = ET.fromstring(svg)
    nodes: dict[str, tuple[float, float]] = {}
    edges: set[tuple[str, str]] = set()
    for g in root.iter(f"{SVG}g"):
        classes = (g.get("class") or "").split()
        title = g.find(f"{SVG}title")
        if title is None or title.text is None:
            continue
        if "node" in classes and not title.text.startswith("rank "):
            ys = [float(t.get("y", "0")) for t in g.iter(f"{SVG}text")]
            xs = [float(t.get("x", "0")) for t in g.iter(f"{SVG}text")]
            nodes[title.text] = (sum(xs) / len(xs), sum(ys) / len(ys))
        elif "edge" in classes and any(
                p.get("stroke") not in (None, "transparent") for p in g.iter(f"{SVG}path")):
            a, b = title.text.split("->")
            edges.add((a, b))
    return nodes, edges


# ------------------------------------------------------------- size, dpi, fonts
@needs_dot
def test_width_fits_an_svg_to_that_many_css_pixels_and_keeps_the_drawing(
        example: tuple[JourneyMap, FitResult]) -> None:
    plain = render(*example)
    sized = render(*example, width=900)
    vw, vh = view_box(plain)
    assert view_box(sized) == (vw, vh)
    w, h = size_px(sized)
    assert w == pytest.approx(900, abs=0.01)
    assert h == pytest.approx(900 * vh / vw, abs=0.01)


@needs_dot
def test_width_and_height_together_fit_the_tighter_side(
        example: tuple[JourneyMap, FitResult]) -> None:
    vw, vh = view_box(render(*example))
    w, h = size_px(render(*example, width=1920, height=300))
    scale = min(1920 / vw, 300 / vh)
    assert (w, h) == (pytest.approx(vw * scale, abs=0.01), pytest.approx(vh * scale, abs=0.01))
    assert h == pytest.approx(300, abs=0.01)


@needs_dot
def test_a_png_is_scaled_up_or_down_to_fit_width_and_height_in_pixels(
        example: tuple[JourneyMap, FitResult]) -> None:
    vw, vh = view_box(render(*example))
    for box in ((800, 2000), (3000, 3000)):  # smaller and larger than the drawing at 150 dpi
        w, h = png_size(render(*example, format="png", width=box[0], height=box[1]))
        scale = min(box[0] / vw, box[1] / vh)
        assert abs(w - vw * scale) <= 2, (box, w, h)
        assert abs(h - vh * scale) <= 2, (box, w, h)


@needs_dot
def test_dpi_sets_a_pngs_pixels_per_inch(example: tuple[JourneyMap, FitResult]) -> None:
    vw, vh = view_box(render(*example))  # points: 72 a inch
    for dpi in (72, 100):
        w, h = png_size(render(*example, format="png", dpi=dpi))
        assert abs(w - vw * dpi / 72) <= 2, (dpi, w, h)
        assert abs(h - vh * dpi / 72) <= 2, (dpi, w, h)


@needs_dot
def test_a_png_never_exceeds_the_side_limit_whatever_its_dpi(
        example: tuple[JourneyMap, FitResult], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_RENDER_SIDE", 500)
    w, h = png_size(render(*example, format="png", dpi=600))
    assert max(w, h) <= 500
    assert max(w, h) >= 495


@needs_dot
def test_font_scale_multiplies_every_font_size_of_the_drawing(
        example: tuple[JourneyMap, FitResult]) -> None:
    plain = font_sizes(render(*example, role="installer"))
    larger = font_sizes(render(*example, role="installer", font_scale=1.5))
    assert len(larger) == len(plain) > 50
    assert larger == [math.floor(x * 1.5 + 0.5) for x in plain]  # whole points
    # boxes grow with their text, so the drawing grows, but less than its text
    vw, _ = view_box(render(*example, role="installer"))
    vw2, _ = view_box(render(*example, role="installer", font_scale=1.5))
    assert vw < vw2 < 1.5 * vw


@needs_dot
def test_a_wall_screen_picture_across_1920_px_has_box_titles_of_about_23_px(
        example: tuple[JourneyMap, FitResult]) -> None:
    """docs/maps.md: ``--font-scale 2 --width 1920``: the smallest text 17 px, the box
    titles (17 points × 2) about 23 px."""
    svg = render(*example, font_scale=2, width=1920)
    scale = size_px(svg)[0] / view_box(svg)[0]
    sizes = sorted(x * scale for x in font_sizes(svg))
    assert 16.5 <= sizes[0] <= 18.0
    assert 22.0 <= 34 * scale <= 24.0
    assert 34.0 in font_sizes(svg)


@pytest.mark.parametrize(("options", "words"), [
    ({"width": 0}, "the width must be a whole number of pixels from 1 to 6,000, not 0."),
    ({"height": 6001}, "the height must be a whole number of pixels from 1 to 6,000"),
    ({"width": 2.5}, "the width must be a whole number"),
    ({"format": "png", "dpi": 35}, "the dpi must be a whole number from 36 to 600, not 35."),
    ({"format": "png", "dpi": 601}, "from 36 to 600"),
    ({"dpi": 100}, "dpi (pixels per inch) applies to PNG only; svg is drawn in vector form"),
    ({"format": "pdf", "dpi": 100}, "applies to PNG only; pdf"),
    ({"format": "dot", "width": 100}, "the DOT text has no size"),
    ({"font_scale": 0.4}, "the font scale must be a number from 0.5 to 4, not 0.4."),
    ({"font_scale": float("nan")}, "the font scale must be a number from 0.5 to 4"),
    ({"routes_only": True}, "drawing only a role's routes needs the role (--role ROLE)."),
])
def test_an_option_out_of_range_is_one_error_naming_it_before_graphviz_runs(
        example: tuple[JourneyMap, FitResult], options: dict[str, object], words: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from journeymap.render import graph

    def no_graphviz(*_args: object) -> bytes:
        raise AssertionError("graphviz ran")

    monkeypatch.setattr(graph, "_run_dot", no_graphviz)
    with pytest.raises(JourneymapError) as info:
        render(*example, **options)  # type: ignore[arg-type]
    assert words in str(info.value)


# ------------------------------------------------------------ the routes view
@needs_dot
@pytest.mark.parametrize("role", [r.id for r in jm.example_map().roles])
def test_the_routes_view_draws_exactly_the_roles_route_nodes_one_a_row_top_to_bottom(
        example: tuple[JourneyMap, FitResult], role: str) -> None:
    m, result = example
    nodes, edges = drawn(render(m, result, role=role, routes_only=True))
    want_nodes, want_edges = simple_path_nodes(m, role)
    assert set(nodes) == want_nodes
    assert edges == want_edges
    ys = sorted(y for _, y in nodes.values())
    assert nodes[role][1] == ys[0]
    assert nodes[m.outcome][1] == ys[-1]
    assert len(set(ys)) == len(ys)  # one box a row
    for a, b in want_edges:  # every arrow points down
        assert nodes[a][1] < nodes[b][1]


@needs_dot
@pytest.mark.parametrize("lang", ["en", "sv", "da", "fi", "nb"])
def test_the_routes_view_in_a_336_px_column_shows_every_text_at_12_px_or_more(
        example: tuple[JourneyMap, FitResult], lang: str) -> None:
    """A 360 px phone leaves the page's column 336 px (docs/web.md); every role of the
    example, in every language."""
    from journeymap.i18n import use_language

    with use_language(lang):
        for role in example[0].roles:
            svg = render(*example, role=role.id, routes_only=True, width=336)
            scale = size_px(svg)[0] / view_box(svg)[0]
            assert min(font_sizes(svg)) * scale >= 12.0, (role.id, view_box(svg))


@needs_dot
def test_the_routes_view_has_no_lanes_and_the_legend_under_the_title(
        example: tuple[JourneyMap, FitResult]) -> None:
    dot = to_dot(*example, role="installer", routes_only=True)
    assert "cluster" not in dot
    assert 'rankdir="TB"' in dot
    assert min(float(x) for x in re.findall(r'(?:POINT-SIZE|fontsize)="([\d.]+)"', dot)) == 14


@needs_dot
def test_the_routes_view_without_a_result_draws_the_graphs_routes(
        example: tuple[JourneyMap, FitResult]) -> None:
    m = example[0]
    nodes, edges = drawn(render(m, role="sales_rep", routes_only=True))
    assert (set(nodes), edges) == simple_path_nodes(m, "sales_rep")


# ------------------------------------------------------------------ legend
def test_the_legend_explains_the_maps_strongest_arrow_with_its_own_number(
        example: tuple[JourneyMap, FitResult]) -> None:
    m, result = example
    recs = [r for r in result.edge_estimates if r.estimate is not None
            and r.standardized is not None]
    strong = max(recs, key=lambda r: abs(r.standardized or 0.0))
    est = float(strong.estimate or 0.0)
    dot = to_dot(m, result)
    src, dst = m.node(strong.source).display, m.node(strong.target).display
    value = f"{abs(est):.2f}"
    assert f"{'+' if est >= 0 else '−'}{value}" in dot
    sentence = (f"{src} → {dst}: when {src} is rated one point higher, {dst} is rated about "
                f"{value} points {'higher' if est >= 0 else 'lower'}; thicker arrows are "
                "stronger")
    flat = re.sub(r"<BR[^>]*>", " ", dot)
    assert " ".join(sentence.split()) in " ".join(flat.split())
    assert "points of the next box per point of this one" not in dot  # the old sample
    if all(abs(float(r.estimate or 0)) != 0.44 for r in recs):
        assert "0.44" not in dot.split("label=", 2)[1][:4000]


def test_the_legend_names_the_box_with_the_most_nps_points(
        example: tuple[JourneyMap, FitResult]) -> None:
    m, result = example
    top = max((e for e in result.node_effects if e.nps_points is not None),
              key=lambda e: abs(e.nps_points or 0.0))
    label = m.node(top.node).display
    flat = " ".join(re.sub(r"<BR[^>]*>", " ", to_dot(m, result)).split())
    assert (f"{label}: if everyone below the top rated {label} one point higher, NPS would "
            f"move by about {abs(top.nps_points or 0):.1f} points") in flat


def test_the_role_legend_explains_the_arrow_carrying_the_most_of_the_roles_points(
        example: tuple[JourneyMap, FitResult]) -> None:
    m, result = example
    points: dict[tuple[str, str], float] = {}
    for p in result.role("installer").paths:
        for a, b in zip(p.nodes, p.nodes[1:], strict=False):
            points[(a, b)] = points.get((a, b), 0.0) + float(p.nps_points or 0.0)
    (a, b), best = max(points.items(), key=lambda kv: abs(kv[1]))
    flat = " ".join(re.sub(r"<BR[^>]*>", " ", to_dot(m, result, role="installer")).split())
    assert (f"{m.node(a).display} → {m.node(b).display}: if Installatör did one point better "
            f"on everything it acts on, about {abs(best):.1f} NPS points of the change would "
            "go through this arrow") in flat


# ------------------------------------------------------------ arrows as words
@needs_dot
def test_every_drawn_arrow_has_an_id_and_its_details_in_the_same_order(
        example: tuple[JourneyMap, FitResult]) -> None:
    m, result = example
    svg = render(m, result, role="installer", routes_only=True).decode()
    details = edge_details(m, result, role="installer", routes_only=True)
    _nodes, edges = drawn(svg.encode())
    assert {(d.source, d.target) for d in details} == edges
    root = ET.fromstring(svg)
    by_id = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id", "").startswith("arrow")}
    assert list(by_id) == [d.id for d in details]
    for d in details:
        title = by_id[d.id].find(f"{SVG}title")
        assert title is not None
        assert title.text == f"{d.source}->{d.target}"
        shown = " ".join("".join(t.itertext()) for t in by_id[d.id].iter(f"{SVG}text"))
        assert d.figure is not None
        assert " ".join(shown.split()) == d.figure
    rec = next(r for r in result.edge_estimates
               if (r.source, r.target) == ("installation", "nps"))
    text = next(d.text for d in details if (d.source, d.target) == ("installation", "nps"))
    assert f"+{float(rec.estimate or 0):.2f} points of Likelihood to recommend" in text
    assert "If Installatör did one point better" in text


@needs_dot
def test_focusable_edges_makes_every_arrow_a_named_keyboard_stop(
        example: tuple[JourneyMap, FitResult]) -> None:
    m, result = example
    details = edge_details(m, result)
    svg = focusable_edges(render(m, result).decode(), details)
    root = ET.fromstring(svg)
    stops = [g for g in root.iter(f"{SVG}g") if g.get("tabindex") == "0"]
    assert [g.get("data-edge") for g in stops] == [d.id for d in details]
    assert len(stops) == len(m.edges)
    for g, d in zip(stops, details, strict=True):
        assert g.get("role") == "button"
        assert g.get("aria-label", "").startswith(f"{d.source_label} → {d.target_label}")


# --------------------------------------------------------------------- CLI, API
def run(*args: str):  # click.testing.Result
    return CliRunner().invoke(app, list(args))


@needs_dot
def test_render_cli_sizes_the_picture_and_scales_its_fonts(tmp_path: Path) -> None:
    out = tmp_path / "map.svg"
    res = run("render", str(EXAMPLES / "kitchen_b2b.yaml"), "-o", str(out), "--role",
              "installer", "--routes-only", "--width", "360", "--font-scale", "1.2")
    assert res.exit_code == 0, res.output
    svg = out.read_bytes()
    assert size_px(svg)[0] == pytest.approx(360, abs=0.01)
    library = render(jm.example_map(), role="installer", routes_only=True, font_scale=1.2)
    assert font_sizes(svg) == font_sizes(library)
    assert min(font_sizes(svg)) == math.floor(17 * 1.2 + 0.5)  # no figures: box titles only
    png = tmp_path / "map.png"
    res = run("render", str(EXAMPLES / "kitchen_b2b.yaml"), "-o", str(png), "--dpi", "72")
    assert res.exit_code == 0, res.output
    assert abs(png_size(png.read_bytes())[0] - view_box(render(jm.example_map()))[0]) <= 2


@pytest.mark.parametrize(("args", "words"), [
    (("--dpi", "100"), "error: dpi (pixels per inch) applies to PNG only"),
    (("--width", "0"), "error: the width must be a whole number of pixels from 1 to 6,000"),
    (("--font-scale", "9"), "error: the font scale must be a number from 0.5 to 4, not 9.0."),
    (("--routes-only",), "error: drawing only a role's routes needs the role (--role ROLE)."),
])
def test_render_cli_refuses_a_bad_size_option_in_one_line_and_writes_nothing(
        tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    out = tmp_path / "map.svg"
    res = run("render", str(EXAMPLES / "kitchen_b2b.yaml"), "-o", str(out), *args)
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [res.output.strip()]
    assert res.output.strip().startswith(words), res.output
    assert not out.exists()


@needs_dot
def test_the_card_body_leaves_its_map_out_for_a_page_that_draws_the_routes_itself(
        example: tuple[JourneyMap, FitResult]) -> None:
    from journeymap.render.card import role_card_body

    _m, result = example
    with_map = role_card_body(result, "installer")
    without = role_card_body(result, "installer", include_map=False)
    assert with_map.count("<svg") == 1
    assert "<svg" not in without
    assert "<figure>" not in without
    headings = re.findall(r"<h[12][^>]*>[^<]+</h[12]>", with_map)
    assert len(headings) >= 4
    assert re.findall(r"<h[12][^>]*>[^<]+</h[12]>", without) == headings
