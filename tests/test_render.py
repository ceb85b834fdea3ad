"""Tests of the rendered maps: DOT source, SVG/PNG/PDF through graphviz, role highlight.

The SVG is parsed with :mod:`xml.etree.ElementTree`; every figure on the map is
compared with the FitResult record it comes from, formatted here independently
(sign, true minus, decimals, thousands separator).  A tiny hand-made map with
awkward labels (å ä ö æ ø, quotes, ampersands, angle brackets) checks escaping, and
planted coefficients give an edge with no effect (its interval contains 0), a
negative edge and a contradicted expectation.
"""

from __future__ import annotations

import math
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

import journeymap as jm
from journeymap.datasets import simulate
from journeymap.engines import EdgeEstimate, FitResult
from journeymap.exceptions import JourneymapError, RenderError, UnknownNodeError
from journeymap.model import JourneyMap
from journeymap.render import render, to_dot, write

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="graphviz's dot is not installed")

# Two roles on two touchpoints and a factor.  Planted: b has no effect on the outcome
# (its interval contains 0) and lowers f although the workshop expected "+".
TINY: dict[str, Any] = {
    "name": "Kök & Bad <Øst> – \"test\"",
    "outcome": "nps",
    "nodes": [
        {"id": "nps", "kind": "outcome", "label": 'Rekommendera "oss"', "column": "ltr"},
        {"id": "seller", "kind": "role", "label": "Säljare & Co", "stage": "köp"},
        {"id": "fitter", "kind": "role", "label": "Montör <Øst>", "stage": "leverans"},
        {"id": "a", "kind": "touchpoint", "label": "Kök & Bad <Øst>", "column": "q_a",
         "scale": [1, 5], "stage": "köp"},
        {"id": "b", "kind": "touchpoint", "label": 'Blåbär "ö" æ ø', "column": "q_b",
         "scale": [1, 5], "stage": "leverans"},
        {"id": "f", "kind": "factor", "label": "Åtgärd 'x' & ä \\ y", "column": "q_f",
         "scale": [1, 7]},
    ],
    "edges": [
        ["seller", "a"],
        {"from": "fitter", "to": "b", "share": 0.5},
        {"from": "seller", "to": "b", "share": 0.25},
        {"from": "a", "to": "f", "expected": "+"},
        {"from": "b", "to": "f", "expected": "+"},
        ["f", "nps"],
        {"from": "a", "to": "nps", "expected": "+"},
        ["b", "nps"],
    ],
}


# ------------------------------------------------------------------ helpers
def signed(x: float, digits: int = 1) -> str:
    if round(x, digits) == 0:
        return f"{0:.{digits}f}"
    return f"{x:+.{digits}f}".replace("-", "−")


def parse(svg: bytes) -> ET.Element:
    return ET.fromstring(svg)


def groups(root: ET.Element, kind: str) -> dict[str, ET.Element]:
    """SVG groups of class ``kind`` (node, edge, cluster) by their <title>."""
    out = {}
    for g in root.iter(f"{SVG}g"):
        classes = (g.get("class") or "").split()
        if kind in classes:
            title = g.find(f"{SVG}title")
            assert title is not None
            out[str(title.text)] = g
    return out


def nodes(root: ET.Element) -> dict[str, ET.Element]:
    return {k: g for k, g in groups(root, "node").items() if not k.startswith("rank ")}


def edges(root: ET.Element) -> dict[tuple[str, str], ET.Element]:
    out = {}
    for title, g in groups(root, "edge").items():
        a, b = title.split("->")
        out[(a, b)] = g
    return out


def texts(g: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]


def all_texts(root: ET.Element) -> list[str]:
    return texts(root)


def tooltip(g: ET.Element) -> str:
    a = next(g.iter(f"{SVG}a"))
    return str(a.get(f"{XLINK}title"))


def path_of(g: ET.Element) -> ET.Element:
    return next(g.iter(f"{SVG}path"))


def center(g: ET.Element) -> tuple[float, float]:
    """Centre of a node: the mean of its text anchors (good enough to order nodes)."""
    xs = [float(t.get("x", "0")) for t in g.iter(f"{SVG}text")]
    ys = [float(t.get("y", "0")) for t in g.iter(f"{SVG}text")]
    return sum(xs) / len(xs), sum(ys) / len(ys)


def record(result: FitResult, a: str, b: str) -> EdgeEstimate:
    return next(r for r in result.edge_estimates if r.source == a and r.target == b)


# ----------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def example() -> tuple[JourneyMap, FitResult]:
    m = jm.example_map()
    return m, jm.fit(m, EXAMPLES / "kitchen_b2b.csv")


@pytest.fixture(scope="module")
def tiny() -> tuple[JourneyMap, FitResult]:
    m = JourneyMap.from_dict(TINY)
    sim = simulate(m, 800, seed=0, coefficients={"b->nps": 0.0, "b->f": -0.5})
    result = jm.fit(m, sim.data)
    lo, hi = record(result, "b", "nps").ci
    assert lo < 0 < hi  # the planted zero effect: its interval contains 0
    assert record(result, "b", "f").agrees is False
    return m, result


@pytest.fixture(scope="module")
def example_svg(example: tuple[JourneyMap, FitResult]) -> ET.Element:
    return parse(render(*example))


@pytest.fixture(scope="module")
def tiny_svg(tiny: tuple[JourneyMap, FitResult]) -> ET.Element:
    return parse(render(*tiny))


# ------------------------------------------------------------------- labels
@needs_dot
def test_every_node_label_of_the_example_is_on_the_map(
        example: tuple[JourneyMap, FitResult], example_svg: ET.Element) -> None:
    m, _ = example
    drawn = nodes(example_svg)
    assert set(drawn) == {n.id for n in m.nodes}
    for n in m.nodes:
        lines = texts(drawn[n.id])
        # a long label is wrapped on spaces: its first lines joined give it back
        assert any(" ".join(lines[:k]) == n.display for k in range(1, len(lines) + 1)), lines


@needs_dot
def test_utf8_quotes_ampersands_and_angle_brackets_survive_intact(
        tiny: tuple[JourneyMap, FitResult], tiny_svg: ET.Element) -> None:
    m, _ = tiny
    drawn = nodes(tiny_svg)
    for n in m.nodes:
        lines = texts(drawn[n.id])
        assert any(" ".join(lines[:k]) == n.display for k in range(1, len(lines) + 1)), lines
    joined = " ".join(all_texts(tiny_svg))
    for ch in "åäöæøÅØ":
        assert ch in joined
    assert "Kök & Bad <Øst>" in joined
    assert 'Blåbär "ö" æ ø' in joined
    assert "Åtgärd 'x' & ä \\ y" in joined
    assert m.name in all_texts(tiny_svg)  # the title


def test_dot_source_escapes_labels_for_html_and_strings(tiny: tuple[JourneyMap, FitResult]
                                                        ) -> None:
    dot = to_dot(*tiny)
    assert "Kök &amp; Bad &lt;Øst&gt;" in dot
    assert "Blåbär &quot;ö&quot; æ ø" in dot
    assert "<Øst>" not in re.sub(r'tooltip="(\\.|[^"\\])*"', "", dot)  # only in DOT strings
    # tooltips are DOT strings: quotes and backslashes escaped
    assert 'Blåbär \\"ö\\" æ ø' in dot
    assert "ä \\\\ y" in dot


# -------------------------------------------------------------------- edges
@needs_dot
def test_edge_estimates_are_printed_as_in_the_result_rounded_to_two_decimals(
        example: tuple[JourneyMap, FitResult], example_svg: ET.Element) -> None:
    _, result = example
    drawn = edges(example_svg)
    estimated = [r for r in result.edge_estimates if r.estimate is not None]
    assert estimated
    for rec in estimated:
        assert signed(rec.estimate, 2) in texts(drawn[(rec.source, rec.target)])


@needs_dot
def test_edge_width_grows_with_the_standardized_effect(
        example: tuple[JourneyMap, FitResult], example_svg: ET.Element) -> None:
    _, result = example
    drawn = edges(example_svg)
    for rec in result.edge_estimates:
        if rec.estimate is None:
            continue
        width = float(path_of(drawn[(rec.source, rec.target)]).get("stroke-width", "1"))
        assert width == pytest.approx(min(1 + 6 * abs(rec.standardized), 7.0), abs=0.01)


@needs_dot
def test_an_edge_whose_interval_contains_zero_is_dashed_and_the_others_are_not(
        tiny: tuple[JourneyMap, FitResult], tiny_svg: ET.Element) -> None:
    _, result = tiny
    drawn = edges(tiny_svg)
    for rec in result.edge_estimates:
        if rec.estimate is None:
            continue
        lo, hi = rec.ci
        dashed = path_of(drawn[(rec.source, rec.target)]).get("stroke-dasharray") is not None
        assert dashed == (lo <= 0 <= hi), rec


@needs_dot
def test_a_negative_edge_is_drawn_in_vermillion_and_a_positive_one_in_blue(
        tiny: tuple[JourneyMap, FitResult], tiny_svg: ET.Element) -> None:
    _, result = tiny
    drawn = edges(tiny_svg)
    assert record(result, "b", "f").estimate < 0
    assert path_of(drawn[("b", "f")]).get("stroke", "").lower() == "#d55e00"
    assert record(result, "a", "f").estimate > 0
    assert path_of(drawn[("a", "f")]).get("stroke", "").lower() == "#0072b2"


@needs_dot
def test_a_contradicted_expectation_is_marked_and_explained_in_plain_words(
        tiny: tuple[JourneyMap, FitResult], tiny_svg: ET.Element) -> None:
    _, result = tiny
    rec = record(result, "b", "f")
    g = edges(tiny_svg)[("b", "f")]
    assert "✗ expected +" in texts(g)
    lo, hi = rec.ci
    assert tooltip(g) == (
        f"The workshop expected more Blåbär \"ö\" æ ø to raise Åtgärd 'x' & ä \\ y; the data "
        f"say it lowers it ({signed(rec.estimate, 2)}, 95 % {signed(lo, 2)} to "
        f"{signed(hi, 2)}).")
    # the other edges carry no mark
    for (a, b), other in edges(tiny_svg).items():
        if (a, b) != ("b", "f"):
            assert not any("✗" in t for t in texts(other))


@needs_dot
def test_role_edges_are_grey_and_show_a_share_below_one(
        example: tuple[JourneyMap, FitResult], example_svg: ET.Element) -> None:
    m, _ = example
    drawn = edges(example_svg)
    for e in m.edges:
        share = m.share(e)
        if share is None:
            continue
        g = drawn[(e.source, e.target)]
        assert path_of(g).get("stroke", "").lower() == "#6e6e6e"
        label = [t for t in texts(g) if t.startswith("share")]
        assert label == ([] if share == 1 else [f"share {share:g}"])


# -------------------------------------------------------------------- nodes
@needs_dot
def test_nodes_show_mean_of_the_scale_maximum_n_and_nps_points(
        example: tuple[JourneyMap, FitResult], example_svg: ET.Element) -> None:
    m, result = example
    drawn = nodes(example_svg)
    for eff in result.node_effects:
        node = m.node(eff.node)
        assert node.scale is not None
        lines = texts(drawn[eff.node])
        assert f"mean {eff.mean:.1f} of {node.scale[1]:g} · n {eff.n:,}" in lines
        assert f"{signed(eff.nps_points)} NPS points" in lines
    for rec in result.role_effects:
        assert f"{signed(rec.nps_points)} NPS points" in texts(drawn[rec.role])
    s = result.nps
    outcome = texts(drawn["nps"])
    assert f"NPS {signed(s.value)} ({signed(s.ci[0])} to {signed(s.ci[1])})" in outcome
    assert "NPS +17.4 (+14.5 to +20.2)" in outcome  # the example's numbers, as displayed


@needs_dot
def test_a_node_rated_by_fewer_than_min_responses_shows_too_few_answers(
        example: tuple[JourneyMap, FitResult]) -> None:
    m, result = example
    root = parse(render(m, result, min_responses=2000))
    drawn = nodes(root)
    for eff in result.node_effects:
        lines = texts(drawn[eff.node])
        if eff.n < 2000:
            assert lines[-1] == f"too few answers (n = {eff.n:,})"
            assert not any("NPS points" in t or t.startswith("mean") for t in lines)
        else:
            assert f"{signed(eff.nps_points)} NPS points" in lines


@needs_dot
def test_a_survey_below_min_responses_shows_no_figure_at_all(
        example: tuple[JourneyMap, FitResult]) -> None:
    m, result = example
    root = parse(render(m, result, min_responses=5000))
    joined = all_texts(root)
    assert "Figures suppressed: only 3,000 answers (at least 5000 are needed)" in joined
    assert "too few answers (n = 3,000)" in joined
    numbers = [t for t in joined if re.search(r"\d", t) and t != m.name]  # "B2B"
    assert all("3,000" in t or "5000" in t for t in numbers), numbers


@needs_dot
def test_the_structure_only_map_has_no_numbers(example: tuple[JourneyMap, FitResult]) -> None:
    m, _ = example
    root = parse(render(m))
    assert {n.id for n in m.nodes} == set(nodes(root))
    found = [t for t in all_texts(root) if re.search(r"\d", t)]
    assert found == [m.name]  # only "B2B" in the title
    assert "NPS points" not in " ".join(all_texts(root))


# ----------------------------------------------------------------- the role
@needs_dot
@pytest.mark.parametrize("role", ["installer", "billing", "sales_rep", "marketing"])
def test_the_role_view_highlights_exactly_the_nodes_and_edges_on_the_roles_paths(
        example: tuple[JourneyMap, FitResult], role: str) -> None:
    m, result = example
    rec = result.role(role)
    on_path = {n for p in rec.paths for n in p.nodes}
    path_edges = {pair for p in rec.paths for pair in pairwise(p.nodes)}
    root = parse(render(m, result, role=role))
    drawn = nodes(root)
    highlighted = {k for k, g in drawn.items() if "highlight" in (g.get("class") or "")}
    faded = {k for k, g in drawn.items() if "faded" in (g.get("class") or "")}
    assert highlighted == on_path
    assert faded == set(drawn) - on_path
    drawn_edges = edges(root)
    lit = {k for k, g in drawn_edges.items() if "highlight" in (g.get("class") or "")}
    assert lit == path_edges
    for k, g in drawn_edges.items():
        if k not in path_edges:
            assert path_of(g).get("stroke", "").lower() == "#bbbbbb"


@needs_dot
def test_the_role_view_differs_from_the_plain_map_and_labels_routes_with_nps_points(
        example: tuple[JourneyMap, FitResult], example_svg: ET.Element) -> None:
    m, result = example
    plain = render(m, result)
    highlighted = render(m, result, role="installer")
    assert plain != highlighted
    rec = result.role("installer")
    through: dict[tuple[str, str], float] = {}
    for p in rec.paths:
        for pair in pairwise(p.nodes):
            through[pair] = through.get(pair, 0.0) + p.nps_points
    drawn = edges(parse(highlighted))
    for (a, b), points in through.items():
        lines = texts(drawn[(a, b)])
        if m.node(a).kind == "role":  # the role's own edges: one mid-edge label line
            assert f"{signed(points)} NPS pts" in lines
        else:  # a tag of two short lines near the start of the edge
            assert signed(points) in lines
            assert "NPS pts" in lines
    # the role's own edges carry its parts, which add up to its NPS points (docs/method.md §5)
    own = [v for (a, _), v in through.items() if a == "installer"]
    assert math.fsum(own) == pytest.approx(rec.nps_points, abs=1e-9)


def test_an_unknown_role_or_a_non_role_is_an_error(example: tuple[JourneyMap, FitResult]
                                                  ) -> None:
    m, result = example
    with pytest.raises(UnknownNodeError, match="installerr"):
        to_dot(m, result, role="installerr")
    with pytest.raises(JourneymapError, match="'delivery' is a touchpoint, not a role"):
        to_dot(m, result, role="delivery")


def test_the_role_view_without_a_result_highlights_the_graph_paths(
        example: tuple[JourneyMap, FitResult]) -> None:
    m, result = example
    dot = to_dot(m, role="installer")
    on_path = {n for p in result.role("installer").paths for n in p.nodes}
    lit = set(re.findall(r'^    "([^"]+)" \[.*class="highlight"', dot, flags=re.M))
    assert lit == on_path
    assert "NPS p" not in dot
    assert "mean " not in dot
    assert "share " not in dot


# -------------------------------------------------------------------- lanes
@needs_dot
def test_kind_lanes_run_left_to_right_and_touchpoints_follow_the_journey_stages(
        example: tuple[JourneyMap, FitResult], example_svg: ET.Element) -> None:
    m, _ = example
    drawn = nodes(example_svg)
    xs = {k: center(g)[0] for k, g in drawn.items()}
    ys = {k: center(g)[1] for k, g in drawn.items()}
    lanes = [[n.id for n in m.nodes if n.kind == k]
             for k in ("role", "touchpoint", "factor", "outcome")]
    for left, right in pairwise(lanes):
        assert max(xs[n] for n in left) < min(xs[n] for n in right)
    stages = list(dict.fromkeys(n.stage for n in m.nodes if n.stage))
    tps = sorted((n for n in m.nodes if n.kind == "touchpoint"),
                 key=lambda n: (stages.index(n.stage or ""), m.nodes.index(n)))
    assert [ys[n.id] for n in tps] == sorted(ys[n.id] for n in tps)  # top to bottom
    titles = [texts(g)[0] for g in groups(example_svg, "cluster").values()]
    assert titles == ["Roles", "Touchpoints", "Factors", "Outcome"]


@needs_dot
def test_stage_lanes_follow_the_order_of_first_appearance_with_roles_first_and_nps_last(
        example: tuple[JourneyMap, FitResult]) -> None:
    m, result = example
    root = parse(render(m, result, lanes="stage"))
    clusters = groups(root, "cluster")
    titles = [texts(g)[0] for g in clusters.values()]
    assert titles == ["Roles", "Awareness", "Buy", "Deliver", "Pay", "Support", "Other",
                      "Outcome"]
    lefts = [min(float(t.get("x", "0")) for t in g.iter(f"{SVG}text"))
             for g in clusters.values()]
    assert lefts == sorted(lefts)
    drawn = nodes(root)
    other = [n.id for n in m.nodes if n.kind == "factor"]  # the example's factors: no stage
    for n in other:
        assert xs_in(drawn[n], clusters["cluster_lane_6"])


def xs_in(node: ET.Element, cluster: ET.Element) -> bool:
    poly = next(cluster.iter(f"{SVG}path"), None)
    if poly is None:
        poly = next(cluster.iter(f"{SVG}polygon"))
    nums = [float(v) for v in re.findall(r"-?\d+\.?\d*", poly.get("d") or poly.get("points", ""))]
    xs = nums[0::2]
    x, _ = center(node)
    return min(xs) <= x <= max(xs)


def test_an_unknown_lanes_value_lists_the_valid_ones(example: tuple[JourneyMap, FitResult]
                                                    ) -> None:
    with pytest.raises(JourneymapError, match="unknown lanes 'swim'; valid: kind, stage"):
        to_dot(example[0], lanes="swim")


def test_min_responses_may_not_go_below_ten(example: tuple[JourneyMap, FitResult]) -> None:
    with pytest.raises(JourneymapError, match="below 10"):
        to_dot(*example, min_responses=5)


def test_the_dot_source_is_set_up_for_a_wall_screen(example: tuple[JourneyMap, FitResult]
                                                    ) -> None:
    m, result = example
    dot = to_dot(m, result)
    assert dot.startswith("digraph journeymap {")
    assert 'rankdir="LR"' in dot
    assert "DejaVu Sans" in dot
    assert "Storköksutrustning B2B – customer journey" in dot
    assert re.search(r'fontsize="(1[4-9]|2\d)"', dot)
    assert 'dpi=' not in dot  # only the PNG gets a resolution


# ------------------------------------------------------------------ formats
@needs_dot
def test_png_has_the_png_signature_and_a_positive_size_for_a_projector(
        example: tuple[JourneyMap, FitResult]) -> None:
    data = render(*example, format="png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 1500
    assert height > 0


@needs_dot
def test_pdf_starts_with_the_pdf_magic(example: tuple[JourneyMap, FitResult]) -> None:
    assert render(*example, format="pdf").startswith(b"%PDF")


@needs_dot
@pytest.mark.parametrize("kw", [{}, {"role": "installer"}, {"lanes": "stage"}, {"result": None}])
def test_dot_output_is_accepted_by_graphviz(example: tuple[JourneyMap, FitResult],
                                            kw: dict[str, Any]) -> None:
    m, result = example
    args: dict[str, Any] = {"result": result, **kw}
    data = render(m, args.pop("result"), format="dot", **args)
    assert data.decode("utf-8") == to_dot(m, kw.get("result", result),
                                          **{k: v for k, v in kw.items() if k != "result"})
    proc = subprocess.run([str(DOT), "-Tcanon"], input=data, capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr == b""  # no warnings either


@needs_dot
def test_the_tiny_map_dot_with_awkward_labels_is_accepted_by_graphviz(
        tiny: tuple[JourneyMap, FitResult]) -> None:
    for role in (None, "seller", "fitter"):
        data = render(*tiny, role=role, format="dot")
        proc = subprocess.run([str(DOT), "-Tcanon"], input=data, capture_output=True,
                              check=False)
        assert proc.returncode == 0, proc.stderr.decode()
        assert proc.stderr == b""


def test_an_unknown_format_lists_the_valid_ones(example: tuple[JourneyMap, FitResult]) -> None:
    with pytest.raises(JourneymapError, match="unknown format 'jpg'; valid formats: svg, png, "
                                              "pdf, dot"):
        render(*example, format="jpg")


def test_missing_dot_raises_a_render_error_that_says_how_to_install_it(
        example: tuple[JourneyMap, FitResult], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    with pytest.raises(RenderError) as info:
        render(*example, format="svg")
    msg = str(info.value)
    assert "sudo apt-get install graphviz" in msg
    assert "brew install graphviz" in msg
    assert "\n" not in msg
    # DOT text needs no graphviz
    assert render(*example, format="dot").startswith(b"digraph")


def test_a_dot_program_that_cannot_be_run_is_a_render_error_too(
        example: tuple[JourneyMap, FitResult], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: "/usr/bin/dot")
    monkeypatch.setenv("PATH", str(tmp_path))  # graphviz looks the program up on PATH
    with pytest.raises(RenderError, match="apt-get install graphviz"):
        render(*example, format="png")


@needs_dot
@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<?xml"), (".png", b"\x89PNG"),
                                               (".pdf", b"%PDF"), (".dot", b"digraph"),
                                               (".gv", b"digraph"), (".SVG", b"<?xml")])
def test_write_picks_the_format_from_the_suffix(example: tuple[JourneyMap, FitResult],
                                                tmp_path: Path, suffix: str,
                                                magic: bytes) -> None:
    path = write(tmp_path / f"map{suffix}", *example)
    assert path == tmp_path / f"map{suffix}"
    assert path.read_bytes().startswith(magic)


def test_write_refuses_an_unknown_suffix_and_writes_nothing(
        example: tuple[JourneyMap, FitResult], tmp_path: Path) -> None:
    with pytest.raises(JourneymapError, match=r"suffix '\.jpg'; valid suffixes: \.svg, \.png"):
        write(tmp_path / "map.jpg", *example)
    assert list(tmp_path.iterdir()) == []


def test_importing_the_render_package_does_not_import_graphviz() -> None:
    import sys
    import textwrap

    code = textwrap.dedent("""
        import sys
        import journeymap.render
        assert "graphviz" not in sys.modules
        assert "weasyprint" not in sys.modules
        print(sorted(journeymap.render.__all__))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ("['EdgeDetail', 'card_pdf', 'edge_details', 'focusable_edges', "
                                   "'render', 'role_card', 'to_dot', 'write']")
