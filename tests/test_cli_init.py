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
FIXTURES = sorted(p.name for p in EXPORTS.iterdir() if p.suffix in (".csv", ".txt"))
RUNNER = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None, "NO_COLOR": "1"})


def run(*args: str | Path) -> Result:
    return RUNNER.invoke(app, [str(a) for a in args])


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
