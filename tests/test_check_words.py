"""``check`` claims no more than its tests: "no evidence against", why an index is missing,
and Cronbach's alpha of every composite (docs/method.md §10)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import journeymap as jm
from journeymap.analysis import CheckReport, check
from journeymap.cli import app
from journeymap.data import cronbach_alpha
from journeymap.datasets import EXAMPLE_MISSING, simulate
from journeymap.model import JourneyMap

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def example() -> JourneyMap:
    return jm.example_map()


@pytest.fixture(scope="module")
def frame(example: JourneyMap) -> pd.DataFrame:
    return simulate(example, 1500, 5, missing=EXAMPLE_MISSING).data


@pytest.fixture(scope="module")
def report(example: JourneyMap, frame: pd.DataFrame) -> CheckReport:
    return check(example, frame, suggest=False)


def test_no_implication_is_worded_as_the_data_agreeing(report: CheckReport) -> None:
    imps = report.implications
    kept = imps[imps["verdict"] != "disagree"]
    assert set(kept["verdict"]) == {"no evidence against"}
    assert not any("agree" in t.replace("disagree", "") for t in imps["text"])
    for row in kept.to_dict(orient="records"):
        assert "no evidence against it" in row["text"]
        assert f"p = {row['p']:.2f}" in row["text"] or "p < " in row["text"] or (
            f"p = {row['p']:.2g}" in row["text"])


def test_a_raw_p_below_alpha_that_holm_does_not_reject_still_says_no_evidence_against(
        report: CheckReport) -> None:
    from journeymap.analysis._implications import CITest, implication_text

    t = CITest(n=250, statistic=0.17, df=242, p=0.009)
    text = implication_text(report.journey_map, "quote", "invoice", ("ordering",), t, 0.2, 0.05,
                            "no evidence against")
    assert text.endswith("no evidence against it once all the tests are allowed for "
                         "(p = 0.009; Holm-adjusted p = 0.20).")


def test_the_check_reports_cronbach_alpha_of_each_composite_as_computed_by_hand(
        example: JourneyMap, frame: pd.DataFrame, report: CheckReport) -> None:
    items = list(example.node("delivery").items)
    x = frame[items].to_numpy(dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    k = x.shape[1]
    by_hand = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert report.alphas == {"delivery": pytest.approx(by_hand, rel=1e-10)}
    assert by_hand == pytest.approx(cronbach_alpha(x), rel=1e-12)
    assert json.loads(report.to_json())["alphas"]["delivery"] == pytest.approx(by_hand)
    line = next(s for s in report.summary if s.startswith("Composites"))
    assert f"Leverans (i tid, komplett, hel) {by_hand:.2f}" in line


def test_a_saturated_map_says_why_rmsea_is_missing_instead_of_outside(tmp_path: Path) -> None:
    m = JourneyMap.from_dict({
        "outcome": "nps",
        "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
                  {"id": "quote", "kind": "touchpoint", "scale": [1, 5]}],
        "edges": [["quote", "nps"]]})
    rng = np.random.default_rng(1)
    quote = rng.integers(1, 6, 200)
    ltr = np.clip(np.rint(2 + 1.3 * quote + rng.normal(0, 1.5, 200)), 0, 10).astype(int)
    data = pd.DataFrame({"ltr": ltr, "quote": quote})
    rep = check(m, data, suggest=False)
    fi = rep.fit_indices
    assert fi["df"] == 0
    assert math.isnan(fi["rmsea"])
    assert fi["missing"]["rmsea"].startswith("not computed: df = 0")
    assert any("RMSEA not computed: df = 0" in s for s in rep.summary)
    assert not any("RMSEA outside" in s or "RMSEA, " in s for s in rep.summary)
    map_path, data_path = tmp_path / "m.yaml", tmp_path / "d.csv"
    m.to_yaml(map_path)
    data.to_csv(data_path, index=False)
    out = RUNNER.invoke(app, ["check", str(map_path), str(data_path), "--no-suggest"])
    assert out.exit_code == 0, out.stderr
    rmsea_row = next(line for line in out.stdout.splitlines() if line.strip().startswith(
        ("RMSEA", "│ RMSEA")))
    assert "not computed: df = 0" in rmsea_row
    assert "outside" not in rmsea_row


def test_cli_check_prints_each_composites_alpha(example: JourneyMap, frame: pd.DataFrame,
                                                report: CheckReport, tmp_path: Path) -> None:
    map_path, data_path = tmp_path / "m.yaml", tmp_path / "d.csv"
    example.to_yaml(map_path)
    frame.to_csv(data_path, index=False)
    out = RUNNER.invoke(app, ["check", str(map_path), str(data_path), "--no-suggest"],
                        terminal_width=200)
    assert out.exit_code == 0, out.stderr
    a = report.alphas["delivery"]
    items = ", ".join(example.node("delivery").items)
    assert f"Leverans (i tid, komplett, hel) ({items}): α = {a:.2f}" in out.stdout
    js = RUNNER.invoke(app, ["check", str(map_path), str(data_path), "--no-suggest", "--json"])
    assert json.loads(js.stdout)["alphas"] == {"delivery": pytest.approx(a, rel=1e-12)}
