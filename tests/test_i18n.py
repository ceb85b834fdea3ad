"""Languages: the catalogs are complete and consistent, the language is negotiated, numbers
follow the locale, and the card, the legend and the CLI speak the language asked for."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from typer.testing import CliRunner

import journeymap as jm
from journeymap import i18n
from journeymap.analysis.roles import NOT_FOR_PAY, explain_role
from journeymap.cli import app
from journeymap.formatting import ci, count, fixed, percent, signed
from journeymap.render.card import role_card

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "journeymap" / "locale"
TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT_LANGUAGE]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    with (LOCALE / lang / "LC_MESSAGES" / "journeymap.po").open("rb") as f:
        return read_po(f, locale=lang)


def _strings(message_id: str | tuple[str, ...]) -> tuple[str, ...]:
    return message_id if isinstance(message_id, tuple) else (message_id,)


def _code_messages() -> set[str]:
    """Every message wrapped for translation in the code and templates (per babel.cfg)."""
    method_map = [("journeymap/**.py", "python"), ("api/**.py", "python"),
                  ("api/templates/**.html", "jinja2")]
    options = {"api/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options, keywords={"_": None, "gettext": None,
                                                      "ngettext": (1, 2), "N_": None}):
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


@pytest.fixture(scope="module")
def result() -> jm.FitResult:
    return jm.fit(jm.example_map(), jm.example_data(n=600, seed=5).data)


# ------------------------------------------------------------------ catalogs
def test_the_babel_config_names_what_the_test_extracts() -> None:
    text = (ROOT / "babel.cfg").read_text("utf-8")
    for pattern in ("[python: journeymap/**.py]", "[python: api/**.py]",
                    "[jinja2: api/templates/**.html]"):
        assert pattern in text


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_of_the_code_has_a_translation(lang: str) -> None:
    wanted = _code_messages()
    assert len(wanted) > 250  # the pages, the card, the legend and the CLI sentences
    catalog = _catalog(lang)
    have = {_strings(m.id)[0]: m for m in catalog if m.id}
    missing = sorted(wanted - set(have))
    assert not missing, f"{lang}: not in the catalog (run make i18n): {missing[:5]}"
    untranslated = [m.id for m in catalog if m.id and not all(_strings(m.string))]
    assert not untranslated, f"{lang}: no translation for {untranslated[:5]}"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"{lang}: fuzzy translations {fuzzy[:5]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_are_the_same_in_every_translation(lang: str) -> None:
    for m in _catalog(lang):
        if not m.id:
            continue
        ids, strings = _strings(m.id), _strings(m.string)
        names = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == names, (lang, m.id, text)
            if names or "%%" in ids[0]:  # formatted with % at run time: must not fail
                values = dict.fromkeys(names, 1)
                text % values
                assert text.count("%%") == ids[0].count("%%"), (lang, m.id, text)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_compiled_catalog_is_the_po_file(lang: str) -> None:
    po = _catalog(lang)
    with (LOCALE / lang / "LC_MESSAGES" / "journeymap.mo").open("rb") as f:
        mo = read_mo(f)
    compiled = BytesIO()
    write_mo(compiled, po)
    compiled.seek(0)
    fresh = read_mo(compiled)
    assert _pairs(mo) == _pairs(fresh)


def _pairs(catalog) -> dict[tuple[str, ...], tuple[str, ...]]:  # type: ignore[no-untyped-def]
    return {tuple(_strings(m.id if not isinstance(m.id, list) else tuple(m.id))):
            tuple(_strings(m.string if not isinstance(m.string, list) else tuple(m.string)))
            for m in catalog if m.id}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_not_for_pay_message_exists_in_every_language(lang: str) -> None:
    with i18n.use_language(lang):
        text = i18n.gettext(NOT_FOR_PAY)
        box = i18n.gettext("Not for pay or bonus")
    assert text != NOT_FOR_PAY
    assert box != "Not for pay or bonus"
    assert "NPS" in text


def test_cx_terms_follow_the_agreed_words() -> None:
    msg = ("%(promoters)s promoters, %(passives)s passives, %(detractors)s detractors of %(n)s "
           "answers")
    words = {"sv": ("promotorer", "passiva", "kritiker"),
             "da": ("promotere", "passive", "kritikere"),
             "nb": ("promotører", "passive", "kritikere"),
             "fi": ("suosittelijaa", "passiivista", "arvostelijaa")}
    for lang, expected in words.items():
        with i18n.use_language(lang):
            text = i18n.gettext(msg)
        assert all(w in text for w in expected), (lang, text)


# --------------------------------------------------------------- negotiation
@pytest.mark.parametrize(("header", "lang"), [
    ("fi-FI,fi;q=0.9,en;q=0.8", "fi"), ("sv-SE", "sv"), ("sv-FI", "sv"),
    ("de-DE,de;q=0.9", "en"), ("de, nn;q=0.5", "nb"), ("no", "nb"), ("nb-NO", "nb"),
    ("en;q=0.5, da;q=0.8", "da"), ("da;q=0, sv;q=0.1", "sv"), ("*", "en"), ("", "en"),
    (None, "en"), ("fi;q=abc, sv", "sv"), ("x" * 300, "en"),
])
def test_accept_language_picks_the_best_supported_language(header: str | None,
                                                          lang: str) -> None:
    assert i18n.negotiate(header) == lang


def test_an_unknown_language_is_one_clear_error() -> None:
    with pytest.raises(jm.JourneymapError, match=r"unknown language 'de'; valid languages: "
                       r"en, sv, da, fi, nb\."):
        i18n.check_language("de")


def test_the_language_is_set_for_a_block_and_restored() -> None:
    assert i18n.current_language() == "en"
    with i18n.use_language("nb-NO") as lang:
        assert lang == "nb"
        assert i18n.current_language() == "nb"
        with i18n.use_language(None):
            assert i18n.current_language() == "nb"
    assert i18n.current_language() == "en"


# ------------------------------------------------------------------- numbers
@pytest.mark.parametrize(("lang", "texts"), [
    ("en", ("+17.4", "−3.25", "1,960", "−3.1 to +2.0", "42%")),
    ("sv", ("+17,4", "−3,25", "1\u00a0960", "−3,1 till +2,0", "42\u00a0%")),
    ("da", ("+17,4", "−3,25", "1.960", "−3,1 til +2,0", "42\u00a0%")),
    ("fi", ("+17,4", "−3,25", "1\u00a0960", "−3,1 – +2,0", "42\u00a0%")),
    ("nb", ("+17,4", "−3,25", "1\u00a0960", "−3,1 til +2,0", "42\u00a0%")),
])
def test_numbers_are_written_for_the_locale(lang: str, texts: tuple[str, ...]) -> None:
    with i18n.use_language(lang):
        got = (signed(17.44), fixed(-3.25), count(1960), ci((-3.14, 2.0)), percent(0.42))
    assert got == texts


def test_decimal_symbols_come_from_the_locale_data() -> None:
    from babel.numbers import get_decimal_symbol, get_group_symbol

    for lang in TRANSLATED:
        assert i18n.decimal_symbols(lang) == (get_decimal_symbol(lang), get_group_symbol(lang))
    assert i18n.decimal_symbols("en") == (".", ",")


def test_import_journeymap_does_not_import_babel() -> None:
    code = "import sys, journeymap; print(sorted(m for m in sys.modules if m.startswith('babel')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
    assert out.stderr == ""


# ---------------------------------------------------- sentences, card, legend
def test_explain_role_speaks_swedish_with_swedish_numbers(result: jm.FitResult) -> None:
    rec = result.role("billing")
    with i18n.use_language("sv"):
        points = signed(rec.nps_points)
    assert "," in points
    text = explain_role(result, "billing", lang="sv")
    with i18n.use_language("sv"):
        now, after = signed(result.nps.value), signed(result.nps.value + rec.nps_points)
    assert text.startswith(f"När Fakturering gör en poäng bättre på Faktura utan fel: NPS skulle "
                           f"gå från {now} till {after} (95 %: ")
    assert f"), alltså {points} NPS-poäng (95 %: " in text.splitlines()[0]
    assert text.splitlines()[-1].startswith("NPS är resultatet av hela kundresan")
    assert explain_role(result, "billing") == explain_role(result, "billing", lang="en")


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_card_is_written_in_the_language_asked_for(result: jm.FitResult, lang: str) -> None:
    md = role_card(result, "installer", format="md", lang=lang)
    with i18n.use_language(lang):
        title = i18n.gettext("%(role)s — my influence on NPS") % {"role": "Installatör"}
        box = i18n.gettext("Not for pay or bonus")
        pay = i18n.gettext(NOT_FOR_PAY)
        big = signed(result.role("installer").nps_points)
    assert md.splitlines()[0] == f"# {title}"
    assert f"> **{box}.** {pay}" in md
    assert f"**{big} " in md
    assert i18n.current_language() == "en"  # the card's language does not leak


def test_the_html_card_sets_html_lang(result: jm.FitResult) -> None:
    if not _has_dot():
        pytest.skip("graphviz dot is not installed")
    page = role_card(result, "installer", lang="fi")
    assert '<html lang="fi">' in page
    assert "Oma vaikutukseni NPS:ään" in page
    assert "Ei palkan tai bonuksen perusteeksi" in page


def _has_dot() -> bool:
    import shutil

    return shutil.which("dot") is not None


def test_the_map_legend_is_translated(result: jm.FitResult) -> None:
    from journeymap.render.graph import render

    dot = render(result.journey_map, result, format="dot").decode("utf-8")
    assert "more of it raises the next box" in dot
    with i18n.use_language("nb"):
        dot = render(result.journey_map, result, format="dot").decode("utf-8")
    assert "mer av den hever neste boks" in dot
    assert "more of it raises the next box" not in dot
    assert re.search(r"NPS [+−]\d+,\d \(95 %: [+−]\d+,\d til [+−]\d+,\d\)", dot)


# ------------------------------------------------------------------------ CLI
@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    d = tmp_path_factory.mktemp("lang")
    demo = jm.example_data(n=600, seed=5)
    jm.example_map().to_yaml(d / "map.yaml")
    demo.data.to_csv(d / "data.csv", index=False)
    return d / "map.yaml", d / "data.csv"


def test_cli_influence_prints_swedish_sentences_with_lang_sv(
        files: tuple[Path, Path], result: jm.FitResult) -> None:
    m, data = files
    out = CliRunner().invoke(app, ["influence", "billing", str(m), str(data), "--lang", "sv"])
    assert out.exit_code == 0, out.output
    assert "När Fakturering gör en poäng bättre" in out.output
    assert "Alla vägar till NPS" in out.output
    assert "NPS är resultatet av hela kundresan" in out.output
    english = CliRunner().invoke(app, ["influence", "billing", str(m), str(data)])
    assert "When Fakturering does one point better" in english.output


def test_cli_refuses_an_unknown_language_with_one_line(files: tuple[Path, Path]) -> None:
    m, data = files
    out = CliRunner().invoke(app, ["influence", "billing", str(m), str(data), "--lang", "de"])
    assert out.exit_code == 2
    assert out.output.strip().splitlines() == [
        "error: unknown language 'de'; valid languages: en, sv, da, fi, nb."]


def test_cli_card_in_danish(files: tuple[Path, Path], tmp_path: Path) -> None:
    m, data = files
    out = CliRunner().invoke(app, ["card", "installer", str(m), str(data), "--lang", "da",
                                   "-o", str(tmp_path / "card.md")])
    assert out.exit_code == 0, out.output
    text = (tmp_path / "card.md").read_text("utf-8")
    assert text.startswith("# Installatör — min indflydelse på NPS")
    assert "Ikke til løn eller bonus" in text


# ------------------------------------------------------- nothing left unwrapped
_ALLOWED_WORDS = {"journeymap", "NPS", "v", "MB"}


def _visible_text(template: str) -> list[str]:
    """Words a reader sees in a template outside ``{{ … }}`` / ``{% … %}``: text between
    tags and the values of aria-label, title, alt and placeholder attributes."""
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", template, flags=re.S)
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", text, flags=re.S)
    shown = re.findall(r'(?:aria-label|title|alt|placeholder)="([^"]*)"', text)
    shown += re.sub(r"<[^>]*>", " ", text).split()
    return [w for w in shown if re.search(r"[A-Za-z]{2,}", w)
            and w.strip(".,:;()") not in _ALLOWED_WORDS]


TEMPLATES = sorted(p.name for p in (ROOT / "api" / "templates").glob("*.html"))


def test_the_template_check_sees_unwrapped_words() -> None:
    assert _visible_text('<p class="x">Hello {{ _("Hi") }}</p><a aria-label="Go">→</a>') == [
        "Go", "Hello"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_word_of_a_template_goes_through_gettext(name: str) -> None:
    template = (ROOT / "api" / "templates" / name).read_text("utf-8")
    assert _visible_text(template) == []


def test_no_message_hides_inside_an_f_string() -> None:
    # Python 3.11's tokenizer gives an f-string as one token: a _("…") inside it is
    # never extracted into the catalogs, so it would stay English in every language.
    pattern = re.compile(r"""f(['"]).*\{[^}]*\b(?:_|gettext|N_)\(\s*['"]""")
    found = [f"{path.relative_to(ROOT)}:{i}" for folder in ("journeymap", "api")
             for path in sorted((ROOT / folder).rglob("*.py"))
             for i, line in enumerate(path.read_text("utf-8").splitlines(), 1)
             if pattern.search(line)]
    assert found == []
