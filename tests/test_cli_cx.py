"""Tests of the CX commands of the CLI: their JSON is the library's numbers exactly, their
tables show them, and bad input gives one clear line and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

import journeymap as jm
from journeymap.analysis.followups import followups
from journeymap.analysis.keydrivers import relative_weights
from journeymap.analysis.power import power_plan
from journeymap.analysis.segments import compare_segments, segment_fits, transactional_nps
from journeymap.analysis.trend import nps_trend, nps_waterfall
from journeymap.analysis.value import value_at_stake
from journeymap.cli import app
from journeymap.jsonsafe import to_jsonable
from journeymap.model import JourneyMap

RUNNER = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None, "NO_COLOR": "1"})


def run(*args: str | Path) -> Result:
    return RUNNER.invoke(app, [str(a) for a in args])


def as_json(obj: Any) -> Any:
    return json.loads(json.dumps(obj, allow_nan=False))


def ok_json(*args: str | Path) -> Any:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def bad(*args: str | Path) -> str:
    result = run(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("error:")
    assert "Traceback" not in result.stderr
    return str(result.stderr)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cx")
    frame = jm.example_data(n=2000, seed=17).data
    rng = np.random.default_rng(17)
    frame["contact_ok"] = rng.choice(["yes", "no"], len(frame))
    frame["revenue"] = rng.integers(1_000, 60_000, len(frame))
    frame.loc[frame.index[:12], "customer_type"] = "ship"
    frame.loc[frame.index[:12], "date"] = "2025-12-20"
    paths = {"map": folder / "map.yaml", "data": folder / "data.csv",
             "trans": folder / "trans.csv", "noconsent": folder / "noconsent.csv"}
    jm.example_map().to_yaml(paths["map"])
    frame.to_csv(paths["data"], index=False)
    frame.assign(survey_type="transactional").to_csv(paths["trans"], index=False)
    frame.drop(columns="contact_ok").to_csv(paths["noconsent"], index=False)
    return paths


@pytest.fixture(scope="module")
def m(files: dict[str, Path]) -> JourneyMap:
    return JourneyMap.from_yaml(files["map"])


def test_every_cx_command_is_listed_in_the_help() -> None:
    result = run("--help")
    for name in ("segments", "compare", "transactional", "trend", "waterfall", "keydrivers",
                 "followups", "value", "power"):
        assert name in result.stdout


def test_segments_json_is_the_library_report(files: dict[str, Path], m: JourneyMap) -> None:
    got = ok_json("segments", files["map"], files["data"], "--by", "customer_type")
    assert got == as_json(segment_fits(m, files["data"], "customer_type").to_dict())
    ship = next(s for s in got["segments"] if s["segment"] == "ship")
    assert ship["suppressed"] is True
    assert ship["nps"] is None
    assert ship["n"] == 12


def test_segments_table_shows_suppressed_segments_with_their_n(files: dict[str, Path],
                                                               m: JourneyMap) -> None:
    result = run("segments", files["map"], files["data"], "--by", "customer_type")
    assert result.exit_code == 0, result.stderr
    assert "suppressed (n = 12)" in result.stdout
    hotel = segment_fits(m, files["data"], "customer_type").segment("hotel").nps
    assert hotel is not None
    assert f"{hotel.value:+.1f}".replace("-", "−") in result.stdout
    assert "ship (n = 12)" in result.stdout  # the warning


def test_compare_json_and_table_give_the_library_difference(files: dict[str, Path],
                                                            m: JourneyMap) -> None:
    got = ok_json("compare", files["map"], files["data"], "restaurant", "hotel",
                  "--by", "customer_type")
    lib = compare_segments(segment_fits(m, files["data"], "customer_type"), "restaurant",
                           "hotel")
    assert got == as_json(lib.to_dict())
    result = run("compare", files["map"], files["data"], "restaurant", "hotel",
                 "--by", "customer_type")
    assert lib.difference is not None
    assert f"{lib.difference.value:+.1f}".replace("-", "−") in result.stdout
    assert "differs" in result.stdout


def test_compare_with_a_suppressed_or_unknown_segment(files: dict[str, Path]) -> None:
    result = run("compare", files["map"], files["data"], "ship", "hotel", "--by",
                 "customer_type")
    assert result.exit_code == 0
    assert "suppressed" in result.stdout
    msg = bad("compare", files["map"], files["data"], "hotle", "canteen", "--by",
              "customer_type")
    assert "Did you mean 'hotel'" in msg


def test_trend_and_waterfall_json_are_the_library_numbers(files: dict[str, Path],
                                                          m: JourneyMap) -> None:
    got = ok_json("trend", files["map"], files["data"], "--period", "quarter")
    assert got == as_json(nps_trend(m, files["data"], period="quarter").to_dict())
    got = ok_json("waterfall", files["map"], files["data"], "2026-01", "2026-06")
    lib = nps_waterfall(m, files["data"], "2026-01", "2026-06")
    assert got == as_json(lib.to_dict())
    assert got["nps_from"]["value"] + sum(b["nps_points"] for b in got["bars"]) + \
        got["unexplained"] == pytest.approx(got["nps_to"]["value"], abs=1e-9)


def test_trend_table_marks_small_months_as_suppressed(files: dict[str, Path]) -> None:
    result = run("trend", files["map"], files["data"])
    assert result.exit_code == 0, result.stderr
    assert "2025-12" in result.stdout
    assert "suppressed (n = 12)" in result.stdout
    table = run("waterfall", files["map"], files["data"], "2026-01", "2026-06").stdout
    assert "Unexplained rest" in table
    assert "Observed change" in table


def test_keydrivers_json_labels_associations_beside_causal_effects(files: dict[str, Path],
                                                                   m: JourneyMap) -> None:
    got = ok_json("keydrivers", files["map"], files["data"])
    lib = relative_weights(m, files["data"])
    assert got["relative_weights"] == as_json(lib.to_dict())
    assert "associations" in got["relative_weights"]["note"]
    assert "Causal effect from the map" in got["importance_performance"]["note"]
    fit = jm.fit(m, files["data"])
    totals = {e.node: e.total for e in fit.node_effects}
    for row in got["importance_performance"]["nodes"]:
        assert row["causal_total"] == totals[row["node"]]
    text = run("keydrivers", files["map"], files["data"]).stdout
    assert "Relative weights (Johnson 2000)" in text
    assert "fix first" in text


def test_followups_write_the_library_list_as_csv(files: dict[str, Path], m: JourneyMap,
                                                 tmp_path: Path) -> None:
    lib = followups(m, files["data"], "installer", value_column="revenue")
    result = run("followups", "installer", files["map"], files["data"],
                 "--revenue-column", "revenue")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == lib.rows.to_csv(index=False, lineterminator="\n")
    assert "detractors to call back" in result.stderr
    out = tmp_path / "calls.csv"
    result = run("followups", "installer", files["map"], files["data"], "-o", out)
    assert result.exit_code == 0, result.stderr
    written = pd.read_csv(out)
    assert written["response_id"].tolist() == followups(
        m, files["data"], "installer").rows["response_id"].tolist()
    got = ok_json("followups", "installer", files["map"], files["data"])
    assert got["n_listed"] == len(written)


def test_followups_require_a_consent_column_or_an_explicit_opt_out(files: dict[str, Path]
                                                                   ) -> None:
    msg = bad("followups", "billing", files["map"], files["noconsent"])
    assert "no consent column 'contact_ok'" in msg
    assert "--no-consent-column" in msg
    result = run("followups", "billing", files["map"], files["noconsent"],
                 "--no-consent-column")
    assert result.exit_code == 0, result.stderr
    assert "no consent check" in result.stderr
    assert "not a role" in bad("followups", "invoice", files["map"], files["data"])


def test_value_json_is_the_library_scenario(files: dict[str, Path], m: JourneyMap) -> None:
    got = ok_json("value", files["map"], files["data"], "--revenue-column", "revenue",
                  "--move", "20", "--detractor-multiplier", "0.7")
    lib = value_at_stake(m, files["data"], revenue_column="revenue", move=0.2,
                         detractor_multiplier=0.7)
    assert got == as_json(lib.to_dict())
    text = run("value", files["map"], files["data"], "--revenue", "10000").stdout
    assert "scenario, not a forecast" in text
    assert "Assumed: a promoter is worth 1.2" in text
    assert "not both and not neither" in bad("value", files["map"], files["data"])


def test_power_works_without_data_and_per_path_with_it(files: dict[str, Path],
                                                       m: JourneyMap) -> None:
    text = run("power").stdout
    assert "861" in text
    assert "880" in text
    assert ok_json("power", "--margin", "10") == as_json(power_plan(margin=10).to_dict())
    got = ok_json("power", files["map"], files["data"], "--margin", "10")
    lib = power_plan(margin=10, result=jm.fit(m, files["data"]))
    assert got == as_json(lib.to_dict())
    assert len(got["paths"]) == 13
    assert "MAP and DATA" in bad("power", files["map"])
    assert "between 0 and 1" in bad("power", "--promoters", "40")


def test_transactional_json_and_labels(files: dict[str, Path], m: JourneyMap) -> None:
    got = ok_json("transactional", files["map"], files["trans"])
    assert got == as_json(to_jsonable(transactional_nps(m, files["trans"]).to_dict(
        orient="records")))
    text = run("transactional", files["map"], files["trans"]).stdout
    assert "not the company's NPS" in text
    assert "speaks only for customers who had this contact" in text
    assert "transactional" in bad("transactional", files["map"], files["data"])


def test_the_minimum_response_floor_holds_in_every_command(files: dict[str, Path]) -> None:
    for args in (("segments", files["map"], files["data"], "--by", "customer_type"),
                 ("trend", files["map"], files["data"]),
                 ("waterfall", files["map"], files["data"], "2026-01", "2026-02")):
        assert "below 10" in bad(*args, "--min-responses", "5")
