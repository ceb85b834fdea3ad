"""Drawing can never hang: size limits before graphviz runs, a timeout, bounded DOT.

A map larger than one picture may hold is refused before ``dot`` starts (the role view
draws only that role's routes); ``dot`` is stopped after the timeout and no ``dot``
process or thread is left behind; the DOT text never has an edge chain longer than
graphviz's parser takes; labels with control characters still give valid SVG.  The
limits are in :mod:`journeymap.limits` (docs/security.md, "Rendering").
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from journeymap import limits
from journeymap.cli import app
from journeymap.exceptions import JourneymapError, MapTooLargeError, RenderError
from journeymap.model import JourneyMap
from journeymap.render import graph, render, to_dot

DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="graphviz's dot is not installed")
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


def journey(chains: int, length: int, *, cross: bool = False) -> dict[str, Any]:
    """``chains`` parallel chains of ``length`` touchpoints, each with its own role.

    With ``cross`` every touchpoint also depends on the one before it in the previous
    chain, which gives graphviz crossings to work on.
    """
    nodes: list[dict[str, Any]] = [{"id": "nps", "kind": "outcome", "column": "ltr"}]
    edges: list[list[str]] = []
    for c in range(chains):
        nodes.append({"id": f"r{c}", "kind": "role"})
        edges.append([f"r{c}", f"t{c}_0"])
        for i in range(length):
            nodes.append({"id": f"t{c}_{i}", "kind": "touchpoint", "column": f"q{c}_{i}",
                          "scale": [1, 5], "stage": f"s{i * 5 // length}"})
            if i:
                edges.append([f"t{c}_{i - 1}", f"t{c}_{i}"])
            if cross and c and i:
                edges.append([f"t{c - 1}_{i - 1}", f"t{c}_{i}"])
        edges.append([f"t{c}_{length - 1}", "nps"])
    return {"outcome": "nps", "nodes": nodes, "edges": edges}


@pytest.fixture(scope="module")
def too_large() -> JourneyMap:
    """10 chains of 50: 511 nodes, 510 edges (the limit is 400 nodes)."""
    m = JourneyMap.from_dict(journey(10, 50))
    assert len(m.nodes) == 511 > limits.MAX_RENDER_NODES
    return m


def dot_children() -> list[int]:
    """Process ids of this process's children (zombies included) that run ``dot``."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended meanwhile
            continue
        # pid (comm) state ppid …; comm may hold spaces, so split after the last ')'
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == me and comm == "dot":
            found.append(int(entry.name))
    return found


no_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


# ------------------------------------------------------------------ size limits
def test_a_map_over_the_node_limit_is_refused_before_graphviz_starts(
        too_large: JourneyMap, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[object] = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a))
    with pytest.raises(MapTooLargeError) as info:
        render(too_large, format="svg")
    assert started == []
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, JourneymapError)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("this map is too large to draw: it has 511 nodes and 510 edges, "
                          f"and one picture holds at most {limits.MAX_RENDER_NODES:,} nodes")
    # what to do instead: a role's routes, naming the first roles
    assert "--role ROLE; roles: r0, r1, r2, r3, r4 and 5 more" in msg
    assert "docs/security.md" in msg


def test_a_map_over_the_edge_limit_is_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    m = JourneyMap.from_dict(journey(4, 20, cross=True))
    assert (len(m.nodes), len(m.edges)) == (85, 4 + 4 * 19 + 3 * 19 + 4)
    monkeypatch.setattr(limits, "MAX_RENDER_EDGES", 140)
    with pytest.raises(MapTooLargeError, match="it has 85 nodes and 141 edges, and one picture "
                                               "holds at most 400 nodes and 140 edges"):
        render(m, format="png")
    assert render(m, format="dot").startswith(b"digraph")  # no graphviz, no limit


def test_dot_text_over_the_byte_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    m = JourneyMap.from_dict(journey(1, 3))
    size = len(to_dot(m).encode("utf-8"))
    monkeypatch.setattr(limits, "MAX_DOT_BYTES", size - 1)
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: pytest.fail("dot started"))
    with pytest.raises(MapTooLargeError, match=f"would be {size:,} bytes of graphviz text"):
        render(m, format="svg")


def test_the_cli_refuses_a_map_too_large_to_draw_in_one_error_line(
        too_large: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(journey(10, 50)), encoding="utf-8")
    out = tmp_path / "big.svg"
    res = CliRunner().invoke(app, ["render", str(path), "-o", str(out)])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: this map is too large to draw: it has 511 nodes")
    assert not out.exists()


@needs_dot
def test_the_role_view_of_a_map_too_large_draws_only_that_roles_routes(
        too_large: JourneyMap) -> None:
    svg = render(too_large, role="r3", format="svg")
    root = ET.fromstring(svg)
    drawn = {el.findtext(f"{SVG}title") for el in root.iter(f"{SVG}g")
             if "node" in (el.get("class") or "").split()}
    # the role, its chain of 50 touchpoints and the outcome
    assert drawn == {"r3", "nps", *(f"t3_{i}" for i in range(50))}
    text = "".join(root.itertext())
    assert "Only these routes are drawn: the whole map (511 nodes, 510 edges)" in text


def test_a_role_whose_routes_are_too_large_is_refused_naming_the_role(
        monkeypatch: pytest.MonkeyPatch, too_large: JourneyMap) -> None:
    monkeypatch.setattr(limits, "MAX_RENDER_NODES", 40)
    with pytest.raises(MapTooLargeError, match=r"^the routes of role 'r3' are too large to "
                                               r"draw: they have 52 nodes and 51 edges"):
        render(too_large, role="r3", format="svg")


def test_role_routes_without_a_result_are_found_without_listing_every_path() -> None:
    # 2 ** 40 simple paths from r0 to the outcome: listing them would never end
    nodes: list[dict[str, Any]] = [{"id": "nps", "kind": "outcome", "column": "ltr"},
                                   {"id": "r0", "kind": "role"}]
    edges = [["r0", "a0"], ["r0", "b0"]]
    for i in range(40):
        for side in "ab":
            nodes.append({"id": f"{side}{i}", "kind": "touchpoint", "column": f"{side}{i}",
                          "scale": [1, 5]})
        if i:
            edges += [[f"a{i - 1}", f"a{i}"], [f"a{i - 1}", f"b{i}"],
                      [f"b{i - 1}", f"a{i}"], [f"b{i - 1}", f"b{i}"]]
    edges += [["a39", "nps"], ["b39", "nps"]]
    m = JourneyMap.from_dict({"outcome": "nps", "nodes": nodes, "edges": edges})
    dot = to_dot(m, role="r0")
    assert dot.count('class="highlight"') == 82 + len(edges)  # every node and edge
    assert 'class="faded"' not in dot


# -------------------------------------------------------------------- timeout
@needs_dot
@no_proc
def test_graphviz_is_stopped_at_the_timeout_and_leaves_no_process_or_thread() -> None:
    m = JourneyMap.from_dict(journey(6, 50, cross=True))  # 307 nodes, 551 edges
    threads = threading.active_count()
    assert dot_children() == []
    with pytest.raises(RenderError) as info:
        render(m, format="svg", timeout=0.01)
    assert str(info.value).startswith("graphviz did not finish drawing the map within 0.01 s "
                                      "and was stopped")
    assert "--role ROLE" in str(info.value)
    assert dot_children() == []
    assert threading.active_count() == threads
    # the slot is given back: the next drawing works
    small = render(JourneyMap.from_dict(journey(1, 3)), format="svg")
    assert small.startswith(b"<?xml")


@needs_dot
@no_proc
def test_the_cli_reports_the_timeout_in_one_line_with_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "map.yaml"
    path.write_text(yaml.safe_dump(journey(6, 50, cross=True)), encoding="utf-8")
    monkeypatch.setattr(limits, "RENDER_TIMEOUT_S", 0.01)
    res = CliRunner().invoke(app, ["render", str(path), "-o", str(tmp_path / "m.svg")])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: graphviz did not finish drawing the map within 0.01 s")
    assert dot_children() == []
    assert not (tmp_path / "m.svg").exists()


@needs_dot
@no_proc
def test_a_refused_map_leaves_no_process_or_thread(too_large: JourneyMap) -> None:
    threads = threading.active_count()
    with pytest.raises(MapTooLargeError):
        render(too_large, format="pdf")
    assert dot_children() == []
    assert threading.active_count() == threads


@needs_dot
@no_proc
def test_a_drawing_waits_for_a_free_slot_at_most_the_timeout(
        monkeypatch: pytest.MonkeyPatch) -> None:
    m = JourneyMap.from_dict(journey(1, 3))
    busy = threading.BoundedSemaphore(1)
    assert busy.acquire()  # the one slot is taken by another drawing
    monkeypatch.setattr(graph, "_SLOTS", busy)
    with pytest.raises(RenderError, match=r"^graphviz is busy drawing other maps \(2 at once\) "
                                          r"and none finished within 0.05 s; try again later\.$"):
        render(m, format="svg", timeout=0.05)
    assert dot_children() == []
    busy.release()
    assert render(m, format="svg", timeout=30).startswith(b"<?xml")


@needs_dot
def test_a_graphviz_failure_is_one_line_naming_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    m = JourneyMap.from_dict(journey(1, 3))
    monkeypatch.setattr(graph, "_build", lambda *a, **k: "digraph { a -> ; }\n")
    with pytest.raises(RenderError) as info:
        render(m, format="svg")
    assert str(info.value) == ("graphviz could not draw the map: Error: <stdin>: syntax error "
                               "in line 1 near ';'.")
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------ DOT text
def _chain_lengths(dot: str) -> list[int]:
    return [line.count(" -> ") + 1 for line in dot.splitlines() if " -> " in line]


@pytest.mark.parametrize(("shape", "n"), [("chain", 3000), ("column", 3000)])
def test_thousands_of_columns_or_rows_give_dot_that_graphviz_parses(shape: str, n: int) -> None:
    nodes: list[dict[str, Any]] = [{"id": "nps", "kind": "outcome", "column": "ltr"},
                                   {"id": "r", "kind": "role"}]
    nodes += [{"id": f"t{i}", "kind": "touchpoint", "column": f"q{i}", "scale": [1, 5]}
              for i in range(n)]
    if shape == "chain":  # 3,002 columns: the ruler has 3,002 invisible nodes
        edges = [["r", "t0"], *([f"t{i}", f"t{i + 1}"] for i in range(n - 1)),
                 [f"t{n - 1}", "nps"]]
    else:  # one column of 3,000 touchpoints kept in order by a chain of invisible edges
        edges = [["r", "t0"], *([f"t{i}", "nps"] for i in range(n))]
    m = JourneyMap.from_dict({"outcome": "nps", "nodes": nodes, "edges": edges})
    dot = to_dot(m)
    lengths = _chain_lengths(dot)
    assert max(lengths) == graph.CHAIN_NODES
    # the chains still link every column (every touchpoint) in order
    ruler = re.findall(r'"rank (\d+)" -> (?="rank (\d+)")', dot)
    n_cols = n + 2 if shape == "chain" else 3
    assert {(int(a), int(b)) for a, b in ruler} == {(c, c + 1) for c in range(n_cols - 1)}
    if shape == "column":
        order = re.findall(r'"t(\d+)" -> (?="t(\d+)")', dot)
        assert {(int(a), int(b)) for a, b in order} == {(i + 1, i) for i in range(n - 1)}
    gc = shutil.which("gc")
    if gc is not None:  # graphviz's parser takes it (gc only parses and counts)
        proc = subprocess.run([gc, "-n"], input=dot.encode(), capture_output=True, check=False)
        assert proc.stderr == b"", proc.stderr.decode()[:300]
        assert int(proc.stdout.split()[0]) == len(m.nodes) + n_cols


# ------------------------------------------------------------------ labels
def _with_label(m: JourneyMap, node_id: str, label: str) -> JourneyMap:
    """``m`` with a label set after validation (as a program could build it)."""
    object.__setattr__(m.node(node_id), "label", label)
    return m


def test_control_characters_in_a_label_are_shown_as_control_pictures() -> None:
    m = _with_label(JourneyMap.from_dict(journey(1, 3)), "t0_1",
                    "red \x1b[31mX\x07 \x00 \x7f \x85 \ud800 tab\there\r\nnext \\ \"q\"")
    dot = to_dot(m)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]", dot)
    assert "red ␛[31mX␇ ␀ ␡ \ufffd \ufffd tab here" in dot


@needs_dot
def test_a_label_with_control_characters_still_gives_well_formed_svg() -> None:
    m = _with_label(JourneyMap.from_dict(journey(1, 3)), "t0_1", "bell\x07 esc\x1b[0m & <b>")
    object.__setattr__(m.node("t0_2"), "description", "nul\x00 del\x7f")
    svg = render(m, format="svg")
    text = "".join(ET.fromstring(svg).itertext())
    assert "bell␇ esc␛[0m & <b>" in text


@needs_dot
def test_a_label_of_200000_characters_is_drawn_cut_never_a_broken_pipe() -> None:
    m = _with_label(JourneyMap.from_dict(journey(1, 3)), "t0_1", "word " * 40_000)
    object.__setattr__(m.node("t0_2"), "description", "x" * 200_000)
    svg = render(m, format="svg")
    root = ET.fromstring(svg)
    node = next(el for el in root.iter(f"{SVG}g") if el.findtext(f"{SVG}title") == "t0_1")
    shown = " ".join(t.text or "" for t in node.iter(f"{SVG}text"))
    assert shown.endswith("word word…")
    assert len(shown) == limits.MAX_DRAWN_TEXT  # the wrapped lines joined by spaces again
    tips = [a.get(f"{XLINK}title") or "" for a in root.iter(f"{SVG}a")]
    assert max(len(t) for t in tips) == limits.MAX_DRAWN_TEXT
    assert len(svg) < 200_000


def test_a_role_card_whose_routes_are_too_large_says_so_instead_of_the_picture(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import journeymap as jm
    from journeymap.render import role_card

    m = jm.example_map()
    result = jm.fit(m, jm.example_data(n=400, seed=3).data)
    monkeypatch.setattr(limits, "MAX_RENDER_NODES", 5)
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: pytest.fail("dot started"))
    page = role_card(result, "installer")
    assert "<svg" not in page
    note = re.search(r'<p class="map-not-drawn">([^<]*)</p>', page)
    assert note is not None
    text = html.unescape(note.group(1))
    assert text.startswith("The map is not drawn: the routes of role 'installer' are too large "
                           "to draw: they have 7 nodes and 9 edges, and one picture holds at "
                           "most 5 nodes")
    assert "Every route from you to NPS" in page  # the card's words are all there
