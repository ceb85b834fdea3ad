"""CLI commands that draw maps, write role cards and export maps."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

import journeymap as jm
from journeymap.cli import app
from journeymap.render.export import parse_dagitty_edges, parse_lavaan_edges
from journeymap.results import read_result

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MAP = str(EXAMPLES / "kitchen_b2b.yaml")
DATA = str(EXAMPLES / "kitchen_b2b.csv")

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' missing")


def run(*args: str):  # returns click.testing.Result
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def saved_result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("res") / "result.json"
    assert run("fit", MAP, DATA, "-o", str(path), "--json").exit_code == 0
    return path


@needs_dot
def test_render_without_data_draws_every_label_and_no_numbers(tmp_path: Path) -> None:
    out = tmp_path / "map.svg"
    res = run("render", MAP, "-o", str(out))
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    ET.fromstring(text)
    for node in jm.example_map().nodes:
        assert node.display.replace("&", "&amp;") in text
    assert "NPS points" not in text


@needs_dot
def test_render_from_a_saved_result_equals_render_from_data(tmp_path: Path,
                                                            saved_result: Path) -> None:
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    assert run("render", MAP, DATA, "-o", str(a)).exit_code == 0
    assert run("render", MAP, "--result", str(saved_result), "-o", str(b)).exit_code == 0
    assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8")
    assert "+17.4" in a.read_text(encoding="utf-8")  # the survey's NPS on the outcome


@needs_dot
@pytest.mark.parametrize(("name", "magic"), [("m.png", b"\x89PNG\r\n\x1a\n"), ("m.pdf", b"%PDF")])
def test_render_writes_valid_png_and_pdf(tmp_path: Path, saved_result: Path, name: str,
                                         magic: bytes) -> None:
    out = tmp_path / name
    res = run("render", MAP, "--result", str(saved_result), "-o", str(out), "--role",
              "installer")
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(magic)


def test_render_with_both_data_and_result_is_refused(tmp_path: Path, saved_result: Path) -> None:
    out = tmp_path / "x.svg"
    res = run("render", MAP, DATA, "--result", str(saved_result), "-o", str(out))
    assert res.exit_code == 2
    assert "not both" in res.output
    assert not out.exists()


def test_a_result_of_another_map_is_refused(tmp_path: Path, saved_result: Path) -> None:
    other = jm.example_map().to_dict()
    other["edges"] = [e for e in other["edges"] if e != ["billing", "invoice"]]
    other_map = tmp_path / "other.yaml"
    other_map.write_text(json.dumps(other), encoding="utf-8")
    res = run("render", str(other_map), "--result", str(saved_result), "-o",
              str(tmp_path / "x.svg"))
    assert res.exit_code == 2
    assert "different map" in res.output
    assert "billing → invoice" in res.output
    assert not (tmp_path / "x.svg").exists()


def test_read_result_rebuilds_the_same_records(saved_result: Path) -> None:
    m = jm.example_map()
    back = read_result(saved_result, m)
    direct = jm.fit(m, DATA)
    assert back.to_dict() == json.loads(json.dumps(direct.to_dict()))


@needs_dot
def test_html_card_is_self_contained_and_names_the_role(tmp_path: Path,
                                                        saved_result: Path) -> None:
    out = tmp_path / "card.html"
    res = run("card", "installer", MAP, "--result", str(saved_result), "-o", str(out))
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    rec = read_result(saved_result, jm.example_map()).role("installer")
    assert "Installatör" in html
    assert f"{rec.nps_points:+.1f}" in html
    assert "<svg" in html
    assert not re.search(r"(src|href)\s*=\s*[\"']https?:", html)
    assert "individual pay" in html


@needs_dot
def test_markdown_card_writes_its_map_beside_it(tmp_path: Path, saved_result: Path) -> None:
    out = tmp_path / "card.md"
    res = run("card", "billing", MAP, "--result", str(saved_result), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "card.svg").exists()
    assert "card.svg" in out.read_text(encoding="utf-8")


def test_card_without_data_or_result_is_refused(tmp_path: Path) -> None:
    res = run("card", "installer", MAP, "-o", str(tmp_path / "c.html"))
    assert res.exit_code == 2
    assert not (tmp_path / "c.html").exists()


def test_card_of_an_unknown_role_is_refused(tmp_path: Path, saved_result: Path) -> None:
    res = run("card", "instaler", MAP, "--result", str(saved_result), "-o",
              str(tmp_path / "c.html"))
    assert res.exit_code == 2
    assert "installer" in res.output  # the suggestion
    assert not (tmp_path / "c.html").exists()


def test_export_lavaan_and_dagitty_round_trip_the_edges() -> None:
    m = jm.example_map()
    lav = run("export", MAP, "--format", "lavaan")
    dag = run("export", MAP, "--format", "dagitty")
    assert lav.exit_code == 0
    assert dag.exit_code == 0
    estimated = {(e.source, e.target) for e in m.edges
                 if m.node(e.source).measured and m.node(e.target).measured}
    assert parse_lavaan_edges(lav.stdout) == estimated
    assert parse_dagitty_edges(dag.stdout) == {(e.source, e.target) for e in m.edges}


def test_export_json_reads_back_as_the_same_map(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    assert run("export", MAP, "-f", "json", "-o", str(out)).exit_code == 0
    assert jm.JourneyMap.from_yaml(out) == jm.example_map()


@needs_dot
def test_demo_writes_the_rendered_map_and_a_role_card(tmp_path: Path) -> None:
    res = run("demo", "--out", str(tmp_path))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "map.svg").exists()
    assert (tmp_path / "map.png").read_bytes().startswith(b"\x89PNG")
    cards = list(tmp_path.glob("card_*.html"))
    assert len(cards) == 1
    assert str(cards[0]) in res.output.replace("\n", "")
