"""The role card as a one-page A4 PDF (WeasyPrint), from the library and the CLI.

Pages are counted and text is read back with pypdf; the words expected on the page are
the card's own messages looked up in each language's catalog, and the headline figure
is the role's NPS points formatted here by hand (decimal comma in Swedish, true minus).
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import journeymap as jm
from journeymap.analysis import role_influence
from journeymap.cli import app
from journeymap.engines import FitResult
from journeymap.exceptions import MapTooLargeError, RenderError
from journeymap.i18n import LANGUAGES, gettext, use_language
from journeymap.render import card_pdf
from journeymap.render import pdf as pdf_module

pypdf = pytest.importorskip("pypdf", reason="pypdf (the dev extra) reads the PDFs back")
pytestmark = [
    pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed"),
    pytest.mark.skipif(not pdf_module.pdf_available(),
                       reason="WeasyPrint is not installed (pip install 'journeymap[pdf]')"),
]

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
RUNNER = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None, "NO_COLOR": "1"})
A4_PT = (595.28, 841.89)


def run(*args: str | Path) -> Result:
    return RUNNER.invoke(app, [str(a) for a in args])


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, whitespace made single spaces."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


def signed(x: float, lang: str) -> str:
    text = f"{x:+.1f}".replace("-", "−")
    return text.replace(".", ",") if lang != "en" else text


@pytest.fixture(scope="module")
def example() -> FitResult:
    return jm.fit(jm.example_map(), EXAMPLES / "kitchen_b2b.csv")


def test_the_installer_has_the_most_routes_of_the_example(example: FitResult) -> None:
    routes = {r.id: len(role_influence(example, r.id).paths) for r in example.journey_map.roles}
    assert max(routes, key=lambda r: routes[r]) == "installer"
    assert routes["installer"] == 4


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_pdf_card_is_one_a4_page_with_the_headline_and_the_box_in_its_language(
        example: FitResult, lang: str) -> None:
    data = card_pdf(example, "installer", lang=lang)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_PT, abs=1)
    text = pdf_pages(data)[0]
    with use_language(lang):
        words = [gettext("My influence on NPS"), gettext("Not for pay or bonus"),
                 gettext("Every route from you to NPS"), gettext("How to read this")]
    for w in words:
        assert w in text, (lang, w)
    points = example.role("installer").nps_points
    assert signed(points, lang) in text
    assert "Installatör" in text


def test_the_english_pdf_card_says_the_headline_in_plain_words(example: FitResult) -> None:
    data = card_pdf(example, "installer", lang="en")
    text = pdf_pages(data)[0]
    assert len(pdf_pages(data)) == 1
    points = signed(example.role("installer").nps_points, "en")
    assert "When Installatör does one point better on Installation and Leverans" in text
    after = signed(example.nps.value + example.role("installer").nps_points, "en")
    assert f"NPS would go from {signed(example.nps.value, 'en')} to {after}" in text
    assert f"{points} NPS points (95 %:" in text


def test_without_weasyprint_the_pdf_card_is_one_render_error_that_says_what_to_install(
        example: FitResult, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> None:
        raise RenderError(pdf_module.PDF_INSTALL_HINT)

    monkeypatch.setattr(pdf_module, "_weasyprint", missing)
    assert not pdf_module.pdf_available()
    with pytest.raises(RenderError, match=r"journeymap\[pdf\]"):
        card_pdf(example, "installer")


def test_a_card_with_more_routes_than_a_pdf_may_list_is_refused_before_any_layout(
        example: FitResult, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_layout(page: str) -> bytes:
        raise AssertionError("laid out")

    monkeypatch.setattr(pdf_module, "MAX_PDF_CARD_ROUTES", 3)
    monkeypatch.setattr(pdf_module, "html_pdf", no_layout)
    with pytest.raises(MapTooLargeError, match=r"the card of 'installer' lists 4 routes, more "
                                               r"than the 3 a PDF card may hold"):
        card_pdf(example, "installer")


def test_the_converter_fetches_nothing_the_page_points_to(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from PIL import Image  # WeasyPrint's own dependency

    image = tmp_path / "local.png"
    Image.new("RGB", (4, 4), "red").save(image)
    page = (f'<html><body><p>card</p><img src="{image.as_uri()}" alt="LOCAL">'
            '<img src="http://127.0.0.1:9/x.png" alt="REMOTE"></body></html>')
    data = pdf_module.html_pdf(page)
    # a loaded image would be drawn in place of its alternative text
    assert pdf_pages(data) == ["card LOCALREMOTE"]
    refused = [r.getMessage() for r in caplog.records if "disallowed protocol" in r.getMessage()]
    assert len(refused) == 2


# ------------------------------------------------------------------------ CLI
@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(EXAMPLES / "kitchen_b2b.yaml", tmp_path / "map.yaml")
    shutil.copy(EXAMPLES / "kitchen_b2b.csv", tmp_path / "data.csv")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.slow
def test_the_cli_writes_a_one_page_swedish_pdf_card_with_format_pdf(work: Path) -> None:
    res = run("card", "installer", "map.yaml", "data.csv", "--format", "pdf", "--lang", "sv")
    assert res.exit_code == 0, res.output
    assert "card.pdf" in res.output
    data = (work / "card.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    pages = pdf_pages(data)
    assert len(pages) == 1
    assert "Inte för lön eller bonus" in pages[0]
    assert not list(work.glob(".*.tmp"))


def test_the_cli_tells_the_format_from_the_file_name_and_refuses_a_mismatch(work: Path) -> None:
    res = run("card", "installer", "map.yaml", "data.csv", "--format", "pdf", "-o", "x.html")
    assert res.exit_code == 2
    assert "--format pdf does not match the file name 'x.html'" in res.output
    res = run("card", "installer", "map.yaml", "data.csv", "-o", "card.txt")
    assert res.exit_code == 2
    assert "use .html, .md or .pdf" in res.output
    res = run("card", "installer", "map.yaml", "data.csv", "--format", "docx")
    assert res.exit_code == 2
    assert "unknown card format 'docx'; valid formats: html, md, pdf." in res.output
    assert sorted(p.name for p in work.iterdir()) == ["data.csv", "map.yaml"]


def test_the_cli_refuses_to_write_the_pdf_over_an_input(work: Path) -> None:
    (work / "card.pdf").symlink_to(work / "data.csv")
    before = (work / "data.csv").read_bytes()
    res = run("card", "installer", "map.yaml", "data.csv", "-o", "card.pdf")
    assert res.exit_code == 2
    assert "is an input" in res.output
    assert (work / "data.csv").read_bytes() == before


def test_without_weasyprint_the_cli_exits_2_with_one_line_and_keeps_the_old_card(
        work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> None:
        raise RenderError(pdf_module.PDF_INSTALL_HINT)

    monkeypatch.setattr(pdf_module, "_weasyprint", missing)
    (work / "card.pdf").write_bytes(b"the old card")
    res = run("card", "installer", "map.yaml", "data.csv", "-o", "card.pdf")
    assert res.exit_code == 2
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert lines[0].startswith("error: a PDF card needs WeasyPrint")
    assert "Traceback" not in res.output
    assert (work / "card.pdf").read_bytes() == b"the old card"


def test_a_failing_pdf_leaves_the_old_file_and_no_temporary_file(
        work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(page: str) -> bytes:
        raise RenderError("the layout failed")

    monkeypatch.setattr(pdf_module, "html_pdf", broken)
    (work / "card.pdf").write_bytes(b"the old card")
    res = run("card", "installer", "map.yaml", "data.csv", "-o", "card.pdf")
    assert res.exit_code == 2
    assert "the layout failed" in res.output
    assert (work / "card.pdf").read_bytes() == b"the old card"
    assert sorted(p.name for p in work.iterdir()) == ["card.pdf", "data.csv", "map.yaml"]
