"""``journeymap init DATA -o map.yaml`` (docs/survey-exports.md, "A starter map"): on each
export fixture it writes a map that validates, finds the recommend question checked as 0–10,
the rating columns with their scales and value labels, and whose fit runs on the same file
to the NPS of the clean table; it never overwrites a file or the input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import journeymap as jm
from journeymap.cli import app
from journeymap.model import JourneyMap

EXPORTS = Path(__file__).parent / "data" / "exports"
FIXTURES = sorted(p.name for p in EXPORTS.iterdir() if p.suffix in (".csv", ".txt", ".xlsx"))
RUNNER = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None, "NO_COLOR": "1"})


def run(*args: str | Path) -> Result:
    return RUNNER.invoke(app, [str(a) for a in args])


def said(path: Path) -> str:
    """The comments of a written map as one line (they are wrapped at 92 characters)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return " ".join(ln.lstrip("# ").strip() for ln in lines if ln.startswith("#"))


def clean_nps() -> float:
    with (EXPORTS / "clean.csv").open(encoding="utf-8", newline="") as f:
        ltr = [int(r["nps"]) for r in csv.DictReader(f)]
    return 100 * (sum(v >= 9 for v in ltr) - sum(v <= 6 for v in ltr)) / len(ltr)


@pytest.mark.parametrize("name", FIXTURES)
def test_init_on_each_export_writes_a_valid_map_whose_fit_runs(name: str,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "map.yaml"
    r = run("init", EXPORTS / name, "-o", out)
    assert r.exit_code == 0, r.output
    assert "Starter map written to" in r.stdout
    m = JourneyMap.from_yaml(out)
    assert [n.scale for n in m.nodes if n.kind == "touchpoint"] == [(1.0, 5.0), (1.0, 5.0)]
    assert sorted(m.edges[i].target for i in range(len(m.edges))) == ["nps", "nps"]
    assert "TODO: add the roles" in out.read_text(encoding="utf-8")
    result = jm.fit(m, EXPORTS / name, check_map=False)
    assert result.nps.value == pytest.approx(clean_nps())
    assert run("validate", out).exit_code == 0


def test_init_declares_value_labels_for_a_rating_given_as_words(tmp_path: Path) -> None:
    out = tmp_path / "map.yaml"
    assert run("init", EXPORTS / "surveymonkey_sv.csv", "-o", out).exit_code == 0
    m = JourneyMap.from_yaml(out)
    delivery = m.node("leveransen")
    assert delivery.value_set == "satisfaction_sv"
    assert dict(delivery.values)["Mycket nöjd"] == 5.0
    assert delivery.column == "Hur nöjd var du med leveransen?"
    assert m.accounts is not None
    assert m.accounts.column == "Företag"


def test_init_never_overwrites_a_file_nor_writes_over_its_input(tmp_path: Path) -> None:
    out = tmp_path / "map.yaml"
    out.write_text("mine\n", encoding="utf-8")
    r = run("init", EXPORTS / "qualtrics_en.csv", "-o", out)
    assert r.exit_code == 2
    assert "never overwrites" in r.stderr
    assert out.read_text(encoding="utf-8") == "mine\n"
    data = tmp_path / "survey.csv"
    data.write_bytes((EXPORTS / "clean.csv").read_bytes())
    r = run("init", data, "-o", data)
    assert r.exit_code == 2
    assert r.stderr.startswith("error:")
    assert data.read_bytes() == (EXPORTS / "clean.csv").read_bytes()


def test_init_without_a_recommend_question_is_one_error_and_writes_nothing(
        tmp_path: Path) -> None:
    data = tmp_path / "survey.csv"
    data.write_text("q1,q2\n1,2\n3,4\n", encoding="utf-8")
    r = run("init", data, "-o", tmp_path / "map.yaml")
    assert r.exit_code == 2
    assert "no recommend question (0–10) found" in r.stderr
    assert not (tmp_path / "map.yaml").exists()


def test_a_recommend_question_on_another_scale_is_named_not_taken(tmp_path: Path) -> None:
    data = tmp_path / "survey.csv"
    data.write_text("recommend,q2\n11,2\n3,4\n", encoding="utf-8")
    r = run("init", data, "-o", tmp_path / "map.yaml")
    assert r.exit_code == 2
    assert "('recommend') do not hold whole numbers 0–10" in r.stderr


def test_init_names_the_response_id_and_puts_an_iso_date_in_the_accounts_block(
        tmp_path: Path) -> None:
    out = tmp_path / "map.yaml"
    assert run("init", EXPORTS / "qualtrics_en.csv", "-o", out).exit_code == 0
    m = JourneyMap.from_yaml(out)
    assert m.accounts is not None
    assert (m.accounts.column, m.accounts.date) == ("Q5", "RecordedDate")
    text = said(out)
    assert '--id-column "ResponseId"' in text
    assert "?id_column=ResponseId " in text
    # a date that is not ISO (SurveyMonkey's 03/01/2026 9:12:03 AM) is named, not declared
    out2 = tmp_path / "sm.yaml"
    assert run("init", EXPORTS / "excel_da_semicolon_cp1252.csv", "-o", out2).exit_code == 0
    assert JourneyMap.from_yaml(out2).accounts.date is None  # type: ignore[union-attr]
    assert '"Tidsstempel", but its dates are not ISO dates' in said(out2)


def _survey(tmp_path: Path, type_column: str) -> Path:
    """80 responses: a response id, a survey type (relational for the first 40), a region of
    three values, a channel, and two ratings; LTR planted from the ratings."""
    lines = [f"Respondent ID,{type_column},Region,Channel,ltr,q_delivery,q_install"]
    for i in range(80):
        d, s = 1 + i % 5, 1 + (i * 3) % 5
        kind = "Relational" if i < 40 else "transactional"
        lines.append(f"{9000 + i},{kind},{['Nord', 'Syd', 'Väst'][i % 3]},"
                     f"{['web', 'phone'][i % 2]},{min(10, d + s)},{d},{s}")
    path = tmp_path / "survey.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_init_names_segments_and_a_survey_type_column_and_the_map_fits(tmp_path: Path) -> None:
    out = tmp_path / "map.yaml"
    data = _survey(tmp_path, "survey_type")
    r = run("init", data, "-o", out)
    assert r.exit_code == 0, r.output
    text = said(out)
    assert 'segments: "Region", "Channel"' in text
    assert "--by COLUMN" in text
    assert "choose one with --survey-type relational" in text
    assert '--id-column "Respondent ID"' in text
    m = JourneyMap.from_yaml(out)
    assert [n.column for n in m.nodes if n.kind == "touchpoint"] == ["q_delivery", "q_install"]
    # the two types are never pooled; each fits, to its hand-worked NPS
    for kind, rows in (("relational", range(40)), ("transactional", range(40, 80))):
        ltr = [min(10, 1 + i % 5 + 1 + (i * 3) % 5) for i in rows]
        want = 100 * (sum(v >= 9 for v in ltr) - sum(v <= 6 for v in ltr)) / len(ltr)
        assert jm.fit(m, data, survey_type=kind, check_map=False).nps.value == \
            pytest.approx(want)


def test_init_asks_to_rename_a_survey_type_column_of_another_name(tmp_path: Path) -> None:
    out = tmp_path / "map.yaml"
    assert run("init", _survey(tmp_path, "Survey type"), "-o", out).exit_code == 0
    text = said(out)
    assert 'Column "Survey type" holds relational and transactional answers' in text
    assert "rename the column to survey_type" in text
    assert "Survey type" not in out.read_text(encoding="utf-8").split("nodes:")[1]


@pytest.mark.parametrize(("lang", "words"), [
    ("sv", ("TODO: lägg till rollerna", "Startkarta skriven till")),
    ("da", ("TODO: tilføj rollerne", "Startkort skrevet til")),
    ("fi", ("TODO: lisää roolit", "Aloituskartta kirjoitettu")),
    ("nb", ("TODO: legg til rollene", "Startkart skrevet til")),
])
def test_init_writes_its_comments_and_message_in_the_language_asked_for(
        tmp_path: Path, lang: str, words: tuple[str, str]) -> None:
    out = tmp_path / "map.yaml"
    r = run("init", EXPORTS / "qualtrics_en.csv", "-o", out, "--lang", lang)
    assert r.exit_code == 0, r.output
    text = said(out)
    assert words[0] in text
    assert words[1] in r.stdout
    assert "TODO: add the roles" not in text
    english = tmp_path / "en.yaml"
    assert run("init", EXPORTS / "qualtrics_en.csv", "-o", english).exit_code == 0
    # only the comments and the map's name differ: the same map
    assert JourneyMap.from_yaml(out).to_dict() | {"name": ""} == \
        JourneyMap.from_yaml(english).to_dict() | {"name": ""}


def test_init_errors_are_in_the_language_asked_for(tmp_path: Path) -> None:
    data = tmp_path / "survey.csv"
    data.write_text("q1,q2\n1,2\n3,4\n", encoding="utf-8")
    r = run("init", data, "-o", tmp_path / "map.yaml", "--lang", "sv")
    assert r.exit_code == 2
    assert r.stderr.startswith("error: ")
    assert "ingen rekommendationsfråga (0–10)" in r.stderr
    assert run("init", data, "--lang", "de").exit_code == 2


def test_init_on_the_norwegian_forms_download_dates_the_accounts_by_completion_time(
        tmp_path: Path) -> None:
    out = tmp_path / "map.yaml"
    assert run("init", EXPORTS / "msforms_nb.xlsx", "-o", out, "--lang", "nb").exit_code == 0
    m = JourneyMap.from_yaml(out)
    assert m.accounts is not None
    assert (m.accounts.column, m.accounts.date) == ("Bedrift", "Fullføringstidspunkt")
    assert [n.value_set for n in m.nodes if n.kind == "touchpoint"] == ["satisfaction_nb"] * 2
    text = said(out)
    assert 'Svar-id står i kolonnen "ID"' in text
    assert "Starttidspunkt" not in out.read_text(encoding="utf-8")  # bookkeeping, left out


def test_init_labels_the_recommend_question_in_the_five_languages_of_the_pages(
        tmp_path: Path) -> None:
    out = tmp_path / "map.yaml"
    assert run("init", EXPORTS / "surveymonkey_en.csv", "-o", out).exit_code == 0
    outcome = JourneyMap.from_yaml(out).node("nps")
    assert [outcome.label_for(lang) for lang in ("en", "sv", "da", "fi", "nb")] == [
        "Likelihood to recommend", "Rekommendation", "Anbefaling", "Suositteleminen",
        "Anbefaling"]
