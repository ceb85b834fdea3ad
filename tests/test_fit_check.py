"""Every in-memory linear fit says when the data reject the map (docs/method.md §10.6)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import journeymap as jm
from journeymap.analysis import check
from journeymap.analysis.check import quick_check
from journeymap.data import load_survey
from journeymap.model import JourneyMap

STEPS = ("order", "delivery", "installation", "support")


def journey(edges: list[Any]) -> JourneyMap:
    return JourneyMap.from_dict({
        "outcome": "nps",
        "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
                  {"id": "warehouse", "kind": "role"}, {"id": "installer", "kind": "role"},
                  *({"id": s, "kind": "touchpoint", "scale": [1, 5]} for s in STEPS)],
        "edges": [["warehouse", "delivery"], ["installer", "installation"], *edges]})


#: The facilitator's literal chain: order → delivery → installation → support → NPS.
CHAIN = journey([["order", "delivery"], ["delivery", "installation"],
                 ["installation", "support"], ["support", "nps"]])
#: The truth the data come from: every step acts on NPS directly.
TRUTH = journey([[s, "nps"] for s in STEPS])


@pytest.fixture(scope="module")
def data() -> Any:
    return jm.simulate(TRUTH, 1500, 3).data


def test_the_literal_chain_on_data_from_another_truth_gets_the_warning(data: Any) -> None:
    result = jm.fit(CHAIN, data)
    said = [w for w in result.warnings if w.startswith("The data reject this map")]
    assert len(said) == 1
    assert "'journeymap check MAP DATA'" in said[0]
    assert said[0] in result.to_dict()["warnings"]
    # the worst problem named is check's own most significant disagreement
    report = check(CHAIN, data, suggest=False)
    worst = report.disagreements.sort_values("p").iloc[0]
    assert abs(worst["statistic"]) >= 0.1
    assert f"partial r = {worst['statistic']:.2f}" in said[0]
    assert (f"the map says {CHAIN.node(worst['x']).display} ⟂ "
            f"{CHAIN.node(worst['y']).display} given") in said[0]


def test_the_quick_check_agrees_with_check_on_complete_data(data: Any) -> None:
    survey = load_survey(data, CHAIN)
    quick = quick_check(CHAIN, survey)
    report = check(CHAIN, survey, suggest=False)
    for key in ("chi2", "df", "cfi", "rmsea", "srmr", "n"):
        assert quick.fit_indices[key] == pytest.approx(report.fit_indices[key], rel=1e-9)
    bad = report.disagreements.sort_values("p")
    assert [(x, y) for x, y, *_ in quick.rejected] == list(zip(bad["x"], bad["y"],
                                                               strict=True))
    np.testing.assert_allclose([r[3] for r in quick.rejected], bad["p"], rtol=1e-6)
    np.testing.assert_allclose([r[5] for r in quick.rejected], bad["statistic"], rtol=1e-6)
    assert quick.tested == len(report.implications)


def test_the_example_map_on_its_own_data_gets_no_warning() -> None:
    m = jm.example_map()
    survey = load_survey(jm.example_data().data, m)
    result = jm.fit(m, survey)
    assert not any(w.startswith("The data reject") for w in result.warnings)
    assert quick_check(m, survey).warning is None


def test_the_true_map_gets_no_warning_and_check_map_false_skips_it(data: Any) -> None:
    assert not any(w.startswith("The data reject") for w in jm.fit(TRUTH, data).warnings)
    assert not any(w.startswith("The data reject")
                   for w in jm.fit(CHAIN, data, check_map=False).warnings)


def test_fit_indices_alone_reject_when_the_map_has_too_many_nodes_for_implications(
        data: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import journeymap.limits as limits

    monkeypatch.setattr(limits, "QUICK_CHECK_MAX_NODES", 2)
    quick = quick_check(CHAIN, load_survey(data, CHAIN))
    assert quick.tested == 0
    assert quick.rejected == []
    assert quick.warning is not None
    assert "CFI" in quick.warning
    assert "χ² test rejects the map" in quick.warning
    assert math.isfinite(quick.fit_indices["cfi"])


def test_the_cli_fit_prints_the_warning(data: Any, tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from journeymap.cli import app

    map_path, data_path = tmp_path / "chain.yaml", tmp_path / "d.csv"
    CHAIN.to_yaml(map_path)
    data.to_csv(data_path, index=False)
    out = CliRunner().invoke(app, ["fit", str(map_path), str(data_path)], terminal_width=400)
    assert out.exit_code == 0, out.stderr
    assert "The data reject this map" in out.stdout + out.stderr


def test_a_tiny_partial_correlation_rejected_only_because_n_is_huge_does_not_warn() -> None:
    from journeymap.analysis.check import _rejection_sentence

    fi = {"cfi": 1.0, "rmsea": 0.001, "srmr": 0.001, "p_value": 1e-20, "chi2": 400.0,
          "df": 300}
    tiny = [("order", "support", ("installation",), 1e-20, 1e-18, 0.01)]
    assert _rejection_sentence(CHAIN, fi, tiny, 0.05) is None
    real = [("order", "support", ("installation",), 1e-20, 1e-18, -0.25)]
    text = _rejection_sentence(CHAIN, fi, real, 0.05)
    assert text is not None
    assert "partial r = -0.25" in text


# ------------------------------------------------ streamed fits: the same check, one pass
def with_blanks(frame: Any, seed: int = 4, share: float = 0.15) -> Any:
    """``frame`` with a share of each step's answers blank (not experienced)."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    for step in STEPS:
        out.loc[rng.random(len(out)) < share, step] = np.nan
    return out


def same_check(a: dict[str, Any], b: dict[str, Any]) -> None:
    """Two map_check blocks agree: verdict, warning text, tests and numbers."""
    assert (a["rejected"], a["warning"], a["tested"]) == (b["rejected"], b["warning"],
                                                          b["tested"])
    for key in ("n", "df", "chi2", "cfi", "rmsea", "srmr"):
        assert a["fit_indices"][key] == pytest.approx(b["fit_indices"][key], rel=1e-9)
    assert [(d["x"], d["y"], d["given"]) for d in a["disagreements"]] == \
        [(d["x"], d["y"], d["given"]) for d in b["disagreements"]]
    np.testing.assert_allclose([d["partial_r"] for d in a["disagreements"]],
                               [d["partial_r"] for d in b["disagreements"]], rtol=1e-9)


@pytest.mark.parametrize("blanks", [False, True], ids=["complete", "with blanks"])
def test_a_streamed_fit_gives_the_same_warning_as_the_fit_in_memory(
        data: Any, tmp_path: Any, blanks: bool) -> None:
    frame = with_blanks(data) if blanks else data
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    memory = jm.fit(CHAIN, frame)
    streamed = jm.fit_stream(CHAIN, path, chunk_rows=200)
    assert memory.map_check is not None
    assert streamed.map_check is not None
    assert memory.map_check["rejected"]
    same_check(memory.map_check, streamed.map_check)
    said = [w for w in streamed.warnings if w.startswith("The data reject this map")]
    assert said == [w for w in memory.warnings if w.startswith("The data reject this map")]
    # with blanks the implications are tested on their own rows, not the listwise ones
    assert (memory.map_check["fit_indices"]["n"] < len(frame)) is blanks
    assert memory.map_check["tested"] == len(check(CHAIN, frame, suggest=False).implications)


def test_the_check_moments_of_chunks_add_up_to_those_of_all_rows(data: Any) -> None:
    from journeymap.analysis.check import check_moments, quick_check_moments

    survey = load_survey(with_blanks(data), CHAIN)
    whole = check_moments(CHAIN)
    whole.update(survey.values)
    parts = [check_moments(CHAIN) for _ in range(3)]
    for part, rows in zip(parts, np.array_split(survey.values, 3), strict=True):
        part.update(rows)
    merged = parts[0].merge(parts[1]).merge(parts[2])
    np.testing.assert_allclose(merged.listwise().gram, whole.listwise().gram, rtol=1e-12)
    a = quick_check_moments(CHAIN, merged).to_dict()
    b = quick_check(CHAIN, survey).to_dict()
    same_check(a, b)
    # the listwise covariance is numpy's on the rows with no blank
    rows = survey.values[~np.isnan(survey.values).any(axis=1)]
    lw = merged.listwise()
    np.testing.assert_allclose(lw.covariance, np.cov(rows, rowvar=False), rtol=1e-10)


def test_above_the_cell_limit_a_streamed_fit_with_blanks_checks_the_global_fit_only(
        data: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import journeymap.limits as limits

    frame = with_blanks(data)
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    n_imps = len(check(CHAIN, frame, suggest=False).implications)
    monkeypatch.setattr(limits, "QUICK_CHECK_MAX_CELLS", 700 * n_imps)  # 1,500 rows: over
    memory = jm.fit(CHAIN, frame)
    streamed = jm.fit_stream(CHAIN, path, chunk_rows=300)
    assert memory.map_check is not None
    assert streamed.map_check is not None
    assert memory.map_check["tested"] == streamed.map_check["tested"] == 0
    same_check(memory.map_check, streamed.map_check)


def test_a_streamed_fit_of_the_true_map_has_no_warning_and_check_map_false_skips_it(
        data: Any, tmp_path: Any) -> None:
    path = tmp_path / "d.csv"
    data.to_csv(path, index=False)
    truth = jm.fit_stream(TRUTH, path)
    assert truth.map_check is not None
    assert not truth.map_check["rejected"]
    assert not any(w.startswith("The data reject") for w in truth.warnings)
    skipped = jm.fit_stream(CHAIN, path, check_map=False)
    assert skipped.map_check is None
    assert not any(w.startswith("The data reject") for w in skipped.warnings)


def test_the_cli_streamed_fit_prints_the_warning(data: Any, tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from journeymap.cli import app

    map_path, data_path = tmp_path / "chain.yaml", tmp_path / "d.csv"
    CHAIN.to_yaml(map_path)
    data.to_csv(data_path, index=False)
    out = CliRunner().invoke(app, ["fit", str(map_path), str(data_path), "--stream"],
                             terminal_width=400)
    assert out.exit_code == 0, out.stderr
    assert "The data reject this map" in out.stdout + out.stderr


def test_the_bayesnet_engine_gets_no_quick_check(data: Any) -> None:
    result = jm.fit(CHAIN, data.head(600), engine="bayesnet", bins=3)
    assert result.map_check is None
