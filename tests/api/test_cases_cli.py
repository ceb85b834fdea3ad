"""``journeymap cases MAP DATA``: the CRM CSV of the library's cases equals the service's
``GET /v1/cases/csv`` for the same data (on SQLite and, marked postgres, PostgreSQL), the
SLA and opening time options move the due times, and bad options are one error line."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from api_helpers import EXAMPLES, MakeApi, post_map, start_fit, upload, wait_fit
from typer.testing import CliRunner

from journeymap.cli import app
from journeymap.model import JourneyMap

MAP = EXAMPLES / "kitchen_b2b.yaml"


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return pd.read_csv(EXAMPLES / "kitchen_b2b.csv")


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["cases", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_cli_writes_the_services_csv_for_the_same_data(
        make_api: MakeApi, db_url: str, survey: pd.DataFrame, tmp_path: Path) -> None:
    data = tmp_path / "q1.csv"
    survey.iloc[:400].assign(contact_ok=["yes" if i % 3 else "no" for i in range(400)]
                             ).to_csv(data, index=False)
    with make_api(db_url) as api:
        h = api.workspace("acme")
        m = post_map(api.client, h)
        r = upload(api.client, h, data)
        assert r.status_code == 201, r.text
        assert wait_fit(api.client, h, start_fit(api.client, h, m["id"], r.json()["id"])[
            "id"])["status"] == "done"
        served = api.client.get("/v1/cases/csv", headers=h).text
    rows = _rows(served)
    assert len(rows) > 50
    opened = {r["opened_at"] for r in rows}
    assert len(opened) == 1  # one fit: one opening time

    out = tmp_path / "cases.csv"
    code, stdout, stderr = _cli(str(MAP), str(data), "-o", str(out), "--opened-at",
                                opened.pop())
    assert code == 0, stderr
    written = out.read_text(encoding="utf-8")
    assert written.splitlines()[0] == served.splitlines()[0]  # the same columns
    mine = _rows(written)
    assert all(r["case_id"] == "" for r in mine)
    assert [{**r, "case_id": ""} for r in rows] == mine
    # the summary per role counts the file's cases, each role by its map label
    labels = {n.id: n.label for n in JourneyMap.from_yaml(MAP).roles}
    assert labels["installer"] == "Installatör"
    for role in {r["role"] for r in mine}:
        n = sum(1 for r in mine if r["role"] == role)
        assert any(line.split("│")[1].strip() == labels[role]
                   and line.split("│")[2].strip() == str(n)
                   for line in stdout.splitlines() if line.count("│") > 3), (role, stdout)
    assert f"Cases written to {out}." in stdout.replace("\n", "")


def test_sla_hours_and_the_opening_time_set_the_due_times(tmp_path: Path,
                                                          survey: pd.DataFrame) -> None:
    data = tmp_path / "q.csv"
    survey.iloc[:300].to_csv(data, index=False)
    code, stdout, stderr = _cli(str(MAP), str(data), "--opened-at", "2026-03-02T09:00",
                                "--sla-hours", "detractor=6", "--sla-hours",
                                "bottom_rating=12.5")
    assert code == 0, stderr
    rows = _rows(stdout)  # without -o: the CSV on stdout, the summary on stderr
    t0 = datetime.fromisoformat("2026-03-02T09:00:00+00:00")
    hours = {"detractor": 6, "valuable_low": 24, "bottom_rating": 12.5}
    assert rows
    for r in rows:
        assert datetime.fromisoformat(r["opened_at"]) == t0
        assert datetime.fromisoformat(r["due_at"]) - t0 == timedelta(
            hours=min(hours[x] for x in r["reasons"].split()))
    assert "follow-up cases, per role" in stderr
    assert "no 'contact_ok' column" in stderr.replace("\n", " ")
    dues = [r["due_at"] for r in rows]
    assert dues == sorted(dues)


@pytest.mark.parametrize(("args", "words"), [
    (["--sla-hours", "detractor=0"], "the SLA for 'detractor' cases must be a positive"),
    (["--sla-hours", "detractor"], "write REASON=HOURS"),
    (["--sla-hours", "late=5"], "unknown reason 'late'"),
    (["--sla-hours", "detractor=soon"], "got 'soon'"),
    (["--opened-at", "yesterday"], "--opened-at 'yesterday' is not a date and time"),
    (["--id-column", "ticket"], "has no 'ticket' column"),
    (["--value-max-ltr", "12"], "from 0 to 10"),
])
def test_bad_options_are_one_error_line_and_write_nothing(
        tmp_path: Path, survey: pd.DataFrame, args: list[str], words: str) -> None:
    data = tmp_path / "q.csv"
    survey.iloc[:50].to_csv(data, index=False)
    out = tmp_path / "cases.csv"
    code, stdout, stderr = _cli(str(MAP), str(data), "-o", str(out), *args)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert words in lines[0]
    assert not out.exists()
    assert stdout == ""


def test_the_summary_names_roles_by_their_label_in_the_chosen_language(
        tmp_path: Path, survey: pd.DataFrame) -> None:
    source = MAP.read_text(encoding="utf-8").replace(
        'label: "Installatör"', 'label: {sv: "Installatör", en: "Installer", fi: "Asentaja"}')
    map_file = tmp_path / "map.yaml"
    map_file.write_text(source, encoding="utf-8")
    data = tmp_path / "q.csv"
    survey.iloc[:400].to_csv(data, index=False)
    m = JourneyMap.from_text(source)
    shown: dict[str, list[str]] = {}
    for lang in ("en", "fi", "sv"):
        result = CliRunner().invoke(  # wide enough that no label folds
            app, ["cases", str(map_file), str(data), "--opened-at", "2026-03-02T09:00",
                  "--lang", lang], env={"COLUMNS": "120"})
        code, stdout, stderr = result.exit_code, result.stdout, result.stderr
        assert code == 0, stderr
        assert {r["role"] for r in _rows(stdout)} >= {"installer"}  # the CSV keeps ids
        shown[lang] = [line.split("│")[1].strip() for line in stderr.splitlines()
                       if line.count("│") > 3]
        assert m.node("installer").label_for(lang) in shown[lang]
        assert "installer" not in shown[lang]
    assert ("Installer" in shown["en"], "Asentaja" in shown["fi"],
            "Installatör" in shown["sv"]) == (True, True, True)
    code, _, stderr = _cli(str(map_file), str(data), "--lang", "xx")
    assert code == 2
    assert stderr.startswith("error:")
    assert len(stderr.strip().splitlines()) == 1
