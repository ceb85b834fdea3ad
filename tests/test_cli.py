"""Tests of the command line: bad input gives one clear line and exit 2, good input
gives the library's numbers exactly.

Most runs use ``typer.testing.CliRunner`` (whose results keep stdout and stderr
apart); a few run the installed ``journeymap`` program to prove that no traceback
reaches a real terminal.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

import journeymap
from journeymap.analysis import drivers, role_influence, what_if
from journeymap.analysis.roles import NOT_FOR_PAY
from journeymap.cli import app
from journeymap.engines import FitResult
from journeymap.model import JourneyMap

# No colour codes, whatever the environment of the test run says.
RUNNER = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None, "NO_COLOR": "1"})

FIT_RESULT_KEYS = ["schema_version", "engine", "map", "n_responses", "nps", "edges", "effects",
                   "roles", "warnings", "alphas", "map_check", "uncertainty"]
NPS_KEYS = {"value", "ci", "promoters", "passives", "detractors", "n"}
EDGE_KEYS = {"from", "to", "estimate", "se", "ci", "p_value", "standardized", "n", "share",
             "expected", "agrees", "thin_share", "not_estimable"}
EFFECT_KEYS = {"node", "direct", "indirect", "total", "total_ci", "nps_points"}
ROLE_KEYS = {"role", "influence", "influence_ci", "direct", "indirect", "nps_points", "paths"}


def run(*args: str | Path) -> Result:
    return RUNNER.invoke(app, [str(a) for a in args])


def signed(x: float, digits: int = 1) -> str:
    """How the CLI writes a signed number (with a real minus sign)."""
    return f"{x:+.{digits}f}".replace("-", "−")


def nan_to_none(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [nan_to_none(v) for v in obj]
    if isinstance(obj, float) and math.isnan(obj):
        return None
    return obj


def files_under(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


@pytest.fixture(scope="module")
def library_result(example_map_path: Path, example_csv_path: Path) -> FitResult:
    return journeymap.fit(JourneyMap.from_yaml(example_map_path), example_csv_path)


@pytest.fixture(scope="module")
def fit_json(example_map_path: Path, example_csv_path: Path) -> dict[str, Any]:
    result = run("fit", example_map_path, example_csv_path, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


# ====================================================================== bad input
def _line_of(text: str, path: Path) -> int:
    """The 1-based number of the first line of ``path`` that contains ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


@dataclass(frozen=True)
class Inputs:
    """Where a bad-input case writes its files, and the valid example to start from."""

    folder: Path
    map_path: Path
    csv_path: Path
    frame: pd.DataFrame

    def map_with(self, change: Callable[[str], str]) -> Path:
        path = self.folder / "journey.yaml"
        path.write_text(change(self.map_path.read_text(encoding="utf-8")), encoding="utf-8")
        return path

    def data_with(self, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Path:
        path = self.folder / "survey.csv"
        change(self.frame.head(300).copy()).to_csv(path, index=False)
        return path

    def fit(self, map_path: Path | None = None, data_path: Path | None = None,
            *extra: str) -> list[str | Path]:
        return ["fit", map_path or self.map_path, data_path or self.csv_path,
                "-o", self.folder / "result.json", *extra]


def add_nodes(extra: str) -> Callable[[str], str]:
    return lambda text: text.replace("\nedges:\n", f"\n{extra}edges:\n")


def add_edges(extra: str) -> Callable[[str], str]:
    return lambda text: text + extra


def set_cell(column: str, row: int, value: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
        return frame

    return change


def mixed_types(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[:49, "survey_type"] = "transactional"
    return frame


Case = Callable[[Inputs], tuple[list[str | Path], str]]

BAD_INPUT: dict[str, Case] = {
    "cycle": lambda i: (i.fit(i.map_with(add_edges("  - [ease, quote]\n"))),
                        "form a cycle: quote → ease → quote"),
    "unknown-id": lambda i: (i.fit(i.map_with(add_edges("  - [delivery, npss]\n"))),
                             "names unknown node 'npss'. Did you mean 'nps'?"),
    "duplicate-id": lambda i: (
        i.fit(i.map_with(add_nodes("  - {id: quote, kind: factor, column: q2, scale: [1, 5]}\n"))),
        f"duplicate node id 'quote' (first at line {_line_of('{id: quote,', i.map_path)})"),
    "two-outcomes": lambda i: (i.fit(i.map_with(add_nodes(
        "  - {id: nps2, kind: outcome, column: ltr2}\n"))), "a second outcome 'nps2'"),
    "edge-out-of-outcome": lambda i: (i.fit(i.map_with(add_edges("  - [nps, ease]\n"))),
                                      "edge nps → ease leaves the outcome"),
    "yaml-syntax-error": lambda i: (i.fit(i.map_with(add_edges("  - [ease, nps\n"))),
                                    "this is not valid YAML"),
    "reversed-scale": lambda i: (
        i.fit(i.map_with(lambda t: t.replace("scale: [1, 7]", "scale: [7, 1]"))),
        "scale [7, 1] is reversed; write [1, 7]"),
    "bracket-text-in-message": lambda i: (i.fit(i.map_with(add_edges("  - [ease, nps, x]\n"))),
                                          "an edge list must be [from, to]"),
    "missing-map-file": lambda i: (i.fit(i.folder / "nowhere.yaml"), "no such map file"),
    "missing-column": lambda i: (
        i.fit(None, i.data_with(lambda f: f.rename(columns={"q_quote": "q_qoute"}))),
        "'q_quote' for node 'quote' (did you mean 'q_qoute'?)"),
    "text-in-a-rating": lambda i: (i.fit(None, i.data_with(set_cell("q_web", 6, "good"))),
                                   "column 'q_web' (node 'website') has text"),
    "ltr-11": lambda i: (i.fit(None, i.data_with(set_cell("ltr", 9, 11))), "row 10 (11)"),
    "ltr-7.5": lambda i: (i.fit(None, i.data_with(set_cell("ltr", 9, 7.5))), "row 10 (7.5)"),
    "rating-out-of-scale": lambda i: (i.fit(None, i.data_with(set_cell("q_ease", 0, 8))),
                                      "outside its scale 1–7: row 1 (8)"),
    "empty-data-file": lambda i: (i.fit(None, i.folder / "empty.csv"), "the file is empty"),
    "blank-lines-data-file": lambda i: (i.fit(None, i.folder / "blank.csv"),
                                        "cannot read this file"),
    "binary-data-file": lambda i: (i.fit(None, i.folder / "garbage.csv"),
                                   "not a text CSV file"),
    "missing-data-file": lambda i: (i.fit(None, i.folder / "nowhere.csv"), "no such data file"),
    "mixed-survey-types": lambda i: (i.fit(None, i.data_with(mixed_types)),
                                     "250 relational and 50 transactional"),
    "unknown-survey-type": lambda i: (i.fit(None, None, "--survey-type", "web"),
                                      "survey type must be one of relational, transactional"),
    "too-few-responses": lambda i: (i.fit(None, i.data_with(lambda f: f.head(20))),
                                    "only 20 responses"),
    "min-responses-below-10": lambda i: (i.fit(None, None, "--min-responses", "5"),
                                         "below 10"),
    "output-folder-missing": lambda i: (
        ["fit", i.map_path, i.csv_path, "-o", i.folder / "no" / "such" / "result.json"],
        "No such file or directory"),
    "unknown-engine": lambda i: (i.fit(None, None, "--engine", "magic"),
                                 "unknown engine 'magic'; available: "),
    "unknown-role-for-influence": lambda i: (["influence", "instaler", i.map_path, i.csv_path],
                                             "Did you mean 'installer'?"),
    "touchpoint-given-as-role": lambda i: (["influence", "brand", i.map_path, i.csv_path],
                                           "'brand' is a touchpoint, not a role"),
    "bad-shift-syntax": lambda i: (["what-if", i.map_path, i.csv_path, "--shift",
                                    "delivery=lots"], "write it as node=+1"),
    "unknown-node-in-shift": lambda i: (["what-if", i.map_path, i.csv_path, "--shift",
                                         "delivrey=+1"], "Did you mean 'delivery'?"),
    "validate-cycle": lambda i: (["validate", i.map_with(add_edges("  - [ease, quote]\n"))],
                                 "form a cycle"),
}


@pytest.fixture
def inputs(tmp_path: Path, example_map_path: Path, example_csv_path: Path,
           example_frame: pd.DataFrame) -> Inputs:
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "blank.csv").write_text("\n  \n\n", encoding="utf-8")
    (tmp_path / "garbage.csv").write_bytes(bytes(range(256)) * 16)
    return Inputs(tmp_path, example_map_path, example_csv_path, example_frame)


def test_there_are_at_least_15_kinds_of_bad_input() -> None:
    assert len(BAD_INPUT) >= 15


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_gives_exit_2_and_one_error_line_and_writes_nothing(inputs: Inputs,
                                                                      case: str) -> None:
    args, says = BAD_INPUT[case](inputs)
    before = files_under(inputs.folder)
    result = run(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stderr.count("error:") == 1
    assert len(result.stderr.strip().splitlines()) == 1, "a single message"
    assert says in result.stderr
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    assert result.stdout == ""
    assert not (inputs.folder / "result.json").exists()
    assert files_under(inputs.folder) == before, "nothing is written"


def test_a_map_with_several_problems_lists_them_under_one_error(inputs: Inputs) -> None:
    path = inputs.map_with(lambda t: t.replace("scale: [1, 7]", "scale: [7, 1]").replace(
        'label: "Faktura utan fel"', 'lable: "Faktura utan fel"'))
    result = run("validate", path)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "error: 2 problems in the map:"
    assert "Did you mean 'label'?" in lines[1]  # in file order
    assert "write [1, 7]" in lines[2]
    assert "Traceback" not in result.output


def test_an_internal_error_exits_1_without_a_traceback(monkeypatch: pytest.MonkeyPatch,
                                                       example_map_path: Path) -> None:
    def broken(path: Path) -> JourneyMap:
        raise RuntimeError("boom")

    monkeypatch.setattr("journeymap.cli.maps.load_map", broken)
    result = run("validate", example_map_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("internal error (RuntimeError: boom)")
    assert "please report it" in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_option_is_a_usage_error_with_exit_2(example_map_path: Path,
                                                       example_csv_path: Path) -> None:
    result = run("what-if", example_map_path, example_csv_path)
    assert result.exit_code == 2
    assert "Missing option '--shift'" in result.stderr
    assert "Traceback" not in result.output


# ====================================================================== happy paths
def test_validate_accepts_the_example_and_counts_its_nodes(example_map_path: Path) -> None:
    result = run("validate", example_map_path)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip() == (
        f"ok {example_map_path}: 20 nodes (8 roles, 8 touchpoints, 3 factors, 1 outcome), "
        "23 edges.")


def test_validate_prints_warnings_but_exits_0(inputs: Inputs) -> None:
    path = inputs.map_with(add_nodes("  - {id: coach, kind: role}\n"))
    result = run("validate", path)
    assert result.exit_code == 0
    assert "21 nodes (9 roles" in result.stdout
    assert "warning: " in result.stdout
    assert "role 'coach' has no path to 'nps'" in result.stdout


def test_fit_json_has_exactly_the_fit_result_schema(fit_json: dict[str, Any],
                                                    example_map: JourneyMap) -> None:
    assert list(fit_json) == FIT_RESULT_KEYS
    assert fit_json["schema_version"] == 1
    assert fit_json["engine"] == "linear"
    assert fit_json["map"] == example_map.name
    assert fit_json["n_responses"] == 3000
    assert isinstance(fit_json["warnings"], list)
    nps = fit_json["nps"]
    assert set(nps) == NPS_KEYS
    for count in ("promoters", "passives", "detractors", "n"):
        assert type(nps[count]) is int
    assert nps["promoters"] + nps["passives"] + nps["detractors"] == nps["n"] == 3000
    assert nps["value"] == 100 * (nps["promoters"] - nps["detractors"]) / nps["n"]
    assert all(set(e) >= EFFECT_KEYS for e in fit_json["effects"])
    assert all(set(r) >= ROLE_KEYS for r in fit_json["roles"])
    assert {r["role"] for r in fit_json["roles"]} == {n.id for n in example_map.roles}
    for role in fit_json["roles"]:
        assert role["paths"], role["role"]
        for path in role["paths"]:
            assert path["nodes"][0] == role["role"]
            assert path["nodes"][-1] == "nps"
            assert "→" not in json.dumps(path["nodes"])
            assert isinstance(path["effect"], float)


def test_every_ci_in_the_fit_json_is_a_list_of_two_numbers(fit_json: dict[str, Any]) -> None:
    seen = 0

    def walk(obj: Any) -> None:
        nonlocal seen
        if isinstance(obj, dict):
            for key, value in obj.items():
                if key == "ci" or key.endswith("_ci"):
                    if value is None:  # only a role's "acts on" edge, which has no estimate
                        assert obj["estimate"] is None
                        assert obj["share"] is not None
                        continue
                    assert isinstance(value, list), (key, value)
                    assert len(value) == 2, (key, value)
                    assert all(isinstance(v, float) for v in value), (key, value)
                    assert value[0] <= value[1]
                    seen += 1
                walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    walk(fit_json)
    assert seen > 13 + 11 + 8  # estimated edges, effects and roles at least


def test_fit_json_lists_every_map_edge_with_role_edges_as_shares(
        fit_json: dict[str, Any], example_map: JourneyMap) -> None:
    edges = fit_json["edges"]
    assert [(e["from"], e["to"]) for e in edges] == [(e.source, e.target)
                                                     for e in example_map.edges]
    for e in edges:
        assert set(e) == EDGE_KEYS
        if example_map.node(e["from"]).kind == "role":
            assert e["estimate"] is None
            assert e["ci"] is None
            assert e["share"] == example_map.share(example_map.edge(e["from"], e["to"]))
        else:
            assert isinstance(e["estimate"], float)
            assert e["share"] is None
            assert type(e["n"]) is int
            assert e["expected"] == "+"
            assert e["agrees"] in (True, False, None)
    shares = {(e["from"], e["to"]): e["share"] for e in edges}
    assert shares[("logistics", "delivery")] == 0.8
    assert shares[("sales_rep", "quote")] == 1.0


def test_fit_json_numbers_equal_the_library_exactly(fit_json: dict[str, Any],
                                                    library_result: FitResult) -> None:
    assert fit_json == library_result.to_dict()


def test_fit_output_file_holds_the_same_json(example_map_path: Path, example_csv_path: Path,
                                             tmp_path: Path, fit_json: dict[str, Any]) -> None:
    out = tmp_path / "out.json"
    result = run("fit", example_map_path, example_csv_path, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == fit_json
    assert f"Result written to {out}." in result.stdout
    both = tmp_path / "both.json"
    result = run("fit", example_map_path, example_csv_path, "--json", "-o", both)
    assert json.loads(result.stdout) == json.loads(both.read_text(encoding="utf-8")) == fit_json


def test_fit_tables_show_the_library_numbers(example_map_path: Path, example_csv_path: Path,
                                             library_result: FitResult) -> None:
    result = run("fit", example_map_path, example_csv_path)
    assert result.exit_code == 0, result.stderr
    s = library_result.nps
    lo, hi = s.ci
    assert (f"NPS {signed(s.value)} (95 %: {signed(lo)} to {signed(hi)}) from {s.n:,} "
            f"responses: {s.promoters:,} promoters, {s.passives:,} passives, "
            f"{s.detractors:,} detractors.") in result.stdout
    for rec in library_result.role_effects:
        label = library_result.journey_map.node(rec.role).display
        (line,) = [ln for ln in result.stdout.splitlines() if f"│ {label} " in ln]
        assert signed(rec.nps_points) in line
        assert signed(rec.influence, 2) in line


def test_drivers_table_and_json_match_the_library(example_map_path: Path,
                                                  example_csv_path: Path,
                                                  library_result: FitResult) -> None:
    table = drivers(library_result)
    result = run("drivers", example_map_path, example_csv_path)
    assert result.exit_code == 0, result.stderr
    assert "What moves the recommend score" in result.stdout
    lines = result.stdout.splitlines()
    for row in table.to_dict(orient="records"):
        (line,) = [ln for ln in lines if f"│ {row['label']} " in ln]
        assert f"{signed(row['nps_points'])} ({signed(row['nps_points_ci_low'])} to " in line
        assert signed(row["total"], 2) in line
    as_json = run("drivers", example_map_path, example_csv_path, "--json")
    assert as_json.exit_code == 0, as_json.stderr
    assert json.loads(as_json.stdout) == nan_to_none(table.to_dict(orient="records"))


def test_influence_of_the_installer_explains_routes_in_nps_points(
        example_map_path: Path, example_csv_path: Path, library_result: FitResult) -> None:
    inf = role_influence(library_result, "installer")
    result = run("influence", "installer", example_map_path, example_csv_path)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Installatör" in out
    assert "NPS points" in out
    assert NOT_FOR_PAY in out
    lo, hi = inf.nps_after_ci
    assert (f"NPS would go from {signed(library_result.nps.value)} to {signed(inf.nps_after)} "
            f"(95 %: {signed(lo)} to {signed(hi)}): {signed(inf.nps_points)} NPS points") in out
    for row in inf.acts_on.to_dict(orient="records"):  # the part and the node alone, apart
        (line,) = [ln for ln in out.splitlines() if f"│ {row['label']} " in ln]
        assert f"│ {signed(row['role_part'])} │" in " ".join(line.split())
    assert "Installatör → Installation → Likelihood to recommend" in out
    routes = {p.nodes: p for p in library_result.role("installer").paths}
    for row in inf.paths.to_dict(orient="records"):
        # a long route folds onto a second line: its row is the line it starts on
        key = f"│ {row['route']} " if len(row["route"]) < 100 else f"│ {row['route'][:100]}"
        (line,) = [ln for ln in out.splitlines() if key in ln]
        assert signed(row["effect"], 3) in line
        route = routes[tuple(row["nodes"])]
        assert route.nps_points_ci is not None
        assert f"{signed(route.nps_points_ci[0])} to {signed(route.nps_points_ci[1])}" in line
        assert ("direct" if row["direct"] else "indirect") in line
    as_json = run("influence", "installer", example_map_path, example_csv_path, "--json")
    assert json.loads(as_json.stdout) == json.loads(json.dumps(inf.to_dict()))


def test_what_if_predicts_the_library_nps(example_map_path: Path, example_csv_path: Path,
                                          library_result: FitResult) -> None:
    w = what_if(library_result, {"delivery": 1.0})
    result = run("what-if", example_map_path, example_csv_path, "--shift", "delivery=+1")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "If Leverans (i tid, komplett, hel) +1.00:" in out
    lo, hi = w.predicted_nps_ci
    assert (f"NPS would go from {signed(w.nps)} to {signed(w.predicted_nps)} (95 %: "
            f"{signed(lo)} to {signed(hi)}): change {signed(w.change)} NPS points") in out
    assert f"mean recommend score {w.mean_ltr:.2f} → {w.predicted_mean_ltr:.2f}" in out
    as_json = run("what-if", example_map_path, example_csv_path, "--shift", "delivery=+1",
                  "--json")
    assert json.loads(as_json.stdout) == json.loads(json.dumps(w.to_dict()))


def test_what_if_accepts_several_shifts_and_roles(example_map_path: Path,
                                                  example_csv_path: Path,
                                                  library_result: FitResult) -> None:
    w = what_if(library_result, {"installer": 1.0, "brand": -0.5})
    result = run("what-if", example_map_path, example_csv_path, "--shift", "installer=+1",
                 "--shift", "brand=-0.5", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(json.dumps(w.to_dict()))


def test_a_chosen_survey_type_is_passed_to_the_library(inputs: Inputs,
                                                       example_map: JourneyMap) -> None:
    path = inputs.data_with(mixed_types)
    result = run("fit", inputs.map_path, path, "--survey-type", "relational", "--json")
    assert result.exit_code == 0, result.stderr
    expected = journeymap.fit(example_map, path, survey_type="relational").to_dict()
    assert json.loads(result.stdout) == expected
    assert expected["n_responses"] == 250


def test_blank_ltr_rows_are_reported_as_a_warning_not_an_error(inputs: Inputs) -> None:
    def blank_ltr(frame: pd.DataFrame) -> pd.DataFrame:
        frame["ltr"] = frame["ltr"].astype("Int64")
        frame.loc[[3, 30, 99], "ltr"] = pd.NA
        return frame

    path = inputs.data_with(blank_ltr)
    result = run("fit", inputs.map_path, path)
    assert result.exit_code == 0, result.stderr
    warning = "3 of 300 responses have no recommend (0–10) answer and are left out of everything."
    assert f"warning: {warning}" in result.stdout
    assert "from 297 responses" in result.stdout
    as_json = json.loads(run("fit", inputs.map_path, path, "--json").stdout)
    assert warning in as_json["warnings"]
    assert (as_json["n_responses"], as_json["nps"]["n"]) == (300, 297)


def test_labels_with_square_brackets_are_printed_as_written(inputs: Inputs) -> None:
    path = inputs.map_with(lambda t: t.replace('label: "Webbshop"', 'label: "Webbshop [beta]"'))
    result = run("drivers", path, inputs.csv_path)
    assert result.exit_code == 0, result.stderr
    assert "│ Webbshop [beta] " in result.stdout


def test_demo_writes_the_example_and_its_result(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = run("demo", "--out", out)
    assert result.exit_code == 0, result.stderr
    written = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert list(written) == FIT_RESULT_KEYS
    maps = list(out.glob("*.yaml"))
    assert len(maps) == 1
    assert written["map"] == JourneyMap.from_yaml(maps[0]).name
    assert f"Result JSON written to {out / 'result.json'}." in result.stdout
    assert NOT_FOR_PAY in result.stdout


# ====================================================================== the real program
def _program() -> list[str]:
    script = Path(sys.executable).with_name("journeymap")
    return [str(script)] if script.exists() else [sys.executable, "-m", "journeymap.cli"]


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory: pytest.TempPathFactory, example_map_path: Path,
              example_csv_path: Path) -> dict[str, tuple[subprocess.CompletedProcess[str], Path]]:
    """A few runs of the installed program, started together to save time."""
    folder = tmp_path_factory.mktemp("real")
    cycle = folder / "cycle.yaml"
    cycle.write_text(example_map_path.read_text(encoding="utf-8") + "  - [ease, quote]\n",
                     encoding="utf-8")
    frame = pd.read_csv(example_csv_path)
    frame.loc[4, "ltr"] = 11
    bad_csv = folder / "ltr11.csv"
    frame.to_csv(bad_csv, index=False)
    garbage = folder / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 16)
    commands = {
        "cycle": ["validate", str(cycle)],
        "ltr-11": ["fit", str(example_map_path), str(bad_csv), "-o", str(folder / "a.json")],
        "garbage": ["fit", str(example_map_path), str(garbage), "-o", str(folder / "b.json")],
        "shift": ["what-if", str(example_map_path), str(example_csv_path), "--shift",
                  "delivery=lots"],
        "fit-json": ["fit", str(example_map_path), str(example_csv_path), "--json"],
    }
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    procs = {name: subprocess.Popen([*_program(), *args], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, encoding="utf-8",
                                    env=env, cwd=folder)
             for name, args in commands.items()}
    out = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        out[name] = (subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr),
                     folder)
    return out


@pytest.mark.parametrize(("name", "says"), [
    ("cycle", "form a cycle: quote → ease → quote"),
    ("ltr-11", "column 'ltr' (the recommend question) must hold whole numbers 0–10: row 5 (11)"),
    ("garbage", "not a text CSV file"),
    ("shift", "cannot read the shift 'delivery=lots'"),
], ids=["cycle", "ltr-11", "garbage", "shift"])
def test_the_installed_program_prints_one_error_line_and_no_traceback(
        real_runs: dict[str, tuple[subprocess.CompletedProcess[str], Path]], name: str,
        says: str) -> None:
    proc, folder = real_runs[name]
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert says in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == ""
    assert not (folder / "a.json").exists()
    assert not (folder / "b.json").exists()


def test_the_installed_program_prints_the_library_json(
        real_runs: dict[str, tuple[subprocess.CompletedProcess[str], Path]],
        library_result: FitResult) -> None:
    proc, _ = real_runs["fit-json"]
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert json.loads(proc.stdout) == library_result.to_dict()
