"""The bayesnet engine at small n: thin shares, not-estimable figures and states chosen from n.

The thin shares are counted again here with pandas (rows per parent combination of each
table, docs/method.md, "9.8 Sparse data") from the raw survey columns, without the
engine's codes; the signs at large n are checked against the planted model of
``jm.example_data`` (every edge positive).
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import journeymap as jm
from journeymap.analysis import explain_role
from journeymap.cli import app
from journeymap.engines import FitResult
from journeymap.engines.bayesnet import BayesNetEngine
from journeymap.limits import (
    BAYESNET_MAX_THIN_SHARE,
    BAYESNET_MIN_CELL_ROWS,
    BAYESNET_ROWS_PER_COMBINATION,
)

MAP = jm.example_map()


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return jm.example_data(n=250, seed=1).data


@pytest.fixture(scope="module")
def small_fit(small: pd.DataFrame) -> FitResult:
    return jm.fit(MAP, small, engine="bayesnet", draws=50)


# ------------------------------------------------------------------ an independent count
def node_values(frame: pd.DataFrame, node_id: str) -> pd.Series:
    """A rating as the survey gives it: its column, or the mean of its items (at least half
    answered)."""
    node = MAP.node(node_id)
    if node.id == MAP.outcome:
        return frame[node.column].astype(float)
    if node.items:
        items = frame[list(node.items)].astype(float)
        mean = items.mean(axis=1)
        return mean.where(2 * items.notna().sum(axis=1) >= len(node.items))
    return frame[node.column].astype(float)


def two_states(values: pd.Series, node_id: str) -> pd.Series:
    """Two states per rating (``bins=2``): the lower half of the points (the larger half
    when odd) is state 0.  A score is its nearest point, halves up."""
    low, high = (int(v) for v in MAP.node(node_id).scale)  # type: ignore[union-attr]
    points = np.floor(values + 0.5)
    upper_start = low + math.ceil((high - low + 1) / 2)
    return pd.Series(np.where(values.isna(), np.nan, (points >= upper_start).astype(float)),
                     index=values.index)


def counted_edge_share(frame: pd.DataFrame, parent: str, child: str) -> float:
    measured = [n.id for n in MAP.measured_nodes]
    parents = [p for p in MAP.parents(child) if p in measured]
    table = pd.DataFrame({p: two_states(node_values(frame, p), p) for p in parents})
    table["child"] = node_values(frame, child)
    table = table.dropna()
    per_combination = table.groupby(parents).size()
    moved = table[table[parent] == 0].copy()
    moved[parent] = 1.0
    landing = per_combination.reindex(pd.MultiIndex.from_frame(moved[parents])
                                      if len(parents) > 1 else moved[parents[0]]).fillna(0)
    return float((landing.to_numpy() < BAYESNET_MIN_CELL_ROWS).mean())


def route_edge_list(start: str) -> set[tuple[str, str]]:
    """Edges between measured nodes on every path from ``start`` to the outcome."""
    measured = {n.id for n in MAP.measured_nodes}
    out: set[tuple[str, str]] = set()

    def walk(trail: list[str]) -> None:
        if trail[-1] == MAP.outcome:
            out.update(itertools.pairwise(trail))
            return
        for child in MAP.children(trail[-1]):
            if child in measured:
                walk([*trail, child])

    walk([start])
    return out


def test_at_n_250_the_default_is_two_states_per_rating_by_the_documented_rule(
        small: pd.DataFrame, small_fit: FitResult) -> None:
    # The outcome's table: 5 parents, rows where installation was rated (the others always).
    rows = int(node_values(small, "installation").notna().sum())
    assert rows < BAYESNET_ROWS_PER_COMBINATION * 3 ** 5
    assert small_fit.options["bins"] == "auto"
    assert small_fit.options["bins_used"] == 2
    assert small_fit.options["states"]["ease"] == ["1-4", "5-7"]


def test_at_n_250_every_thin_share_equals_a_pandas_count_of_rows_per_combination(
        small: pd.DataFrame, small_fit: FitResult) -> None:
    edges = {}
    for rec in small_fit.edge_estimates:
        if MAP.node(rec.source).measured:
            edges[(rec.source, rec.target)] = counted_edge_share(small, rec.source, rec.target)
            assert rec.thin_share == pytest.approx(edges[(rec.source, rec.target)], abs=1e-12)
        else:
            assert rec.thin_share is None
    assert max(edges.values()) > BAYESNET_MAX_THIN_SHARE  # the case this is about
    for eff in small_fit.node_effects:
        want = max(edges[e] for e in route_edge_list(eff.node))
        assert eff.thin_share == pytest.approx(want, abs=1e-12)
        assert (eff.not_estimable is not None) == (want > BAYESNET_MAX_THIN_SHARE)
    installer = small_fit.role("installer")  # acts on delivery and installation
    want = max(edges[e] for e in route_edge_list("delivery") | route_edge_list("installation"))
    assert installer.thin_share == pytest.approx(want, abs=1e-12)


def test_at_n_250_not_estimable_figures_are_null_with_a_reason_and_never_a_contradiction(
        small_fit: FitResult) -> None:
    out = json.loads(small_fit.to_json())
    blank = [e for e in out["effects"] if e["not_estimable"]]
    assert {e["node"] for e in blank} == {"delivery", "installation", "product_quality"}
    for e in blank:
        assert e["total"] is None
        assert e["nps_points"] is None
        assert e["total_ci"] is None
        assert e["not_estimable"].startswith("too little data: ")
    roles = {r["role"]: r for r in out["roles"]}
    assert roles["installer"]["influence"] is None
    assert all(p["nps_points"] is None for p in roles["installer"]["paths"])
    assert roles["marketing"]["not_estimable"] is None
    assert isinstance(roles["marketing"]["nps_points"], float)
    for e in out["edges"]:
        if e["not_estimable"]:
            assert e["estimate"] is None
            assert e["ci"] is None
            assert e["agrees"] is None
    assert not [w for w in small_fit.warnings if "contradict" in w]
    (plain,) = [w for w in small_fit.warnings if w.startswith("Not estimable from these data")]
    assert "Installation" in plain
    assert "Installatör" in plain
    explained = explain_role(small_fit, "installer")
    assert "cannot be estimated from these data" in explained


def test_every_scale_point_at_n_250_is_not_estimable_instead_of_contradicting_the_map(
        small: pd.DataFrame) -> None:
    before = jm.fit(MAP, small, engine="bayesnet", draws=50, bins="all",
                    max_thin_share=1.0)  # the old behaviour: the prior reported as data
    assert sum("contradict" in w for w in before.warnings) >= 5
    now = jm.fit(MAP, small, engine="bayesnet", draws=50, bins="all")
    assert not [w for w in now.warnings if "contradict" in w]
    assert all(e.not_estimable for e in now.node_effects)
    assert all(math.isnan(e.total) for e in now.node_effects)


# ------------------------------------------------------------------ large n
def test_at_n_5000_of_planted_data_every_effect_is_estimable_with_the_planted_sign() -> None:
    sim = jm.example_data(n=5000, seed=3)
    result = jm.fit(MAP, sim.data, engine="bayesnet")
    assert result.options["bins_used"] == 3
    truth = sim.truth
    for eff in result.node_effects:
        assert eff.not_estimable is None
        assert eff.thin_share <= BAYESNET_MAX_THIN_SHARE
        assert truth["total_effects"][eff.node] > 0
        assert eff.total > 0, eff.node
        if truth["total_effects"][eff.node] >= 0.4:  # large planted effects: interval > 0
            assert eff.total_ci is not None
            assert eff.total_ci[0] > 0, eff.node
    for rec in result.edge_estimates:
        if rec.thin_share is None:
            continue
        assert rec.not_estimable is None
        assert truth["coefficients"][f"{rec.source}->{rec.target}"] > 0
        assert rec.estimate is not None
        assert rec.estimate > 0, (rec.source, rec.target)
    assert all(r.not_estimable is None and r.influence > 0 for r in result.role_effects)
    assert not [w for w in result.warnings if "contradict" in w or "Not estimable" in w]


# ------------------------------------------------------------------ flags reach the engine
@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("bn")
    map_path, data_path = folder / "map.yaml", folder / "data.csv"
    MAP.to_yaml(map_path)
    jm.example_data(n=400, seed=2).data.to_csv(data_path, index=False)
    return map_path, data_path


FLAGS = ["--engine", "bayesnet", "--bins", "3", "--ess", "4.5", "--ltr-states", "classes",
         "--draws", "0"]


@pytest.mark.parametrize("command", [
    ["fit"], ["drivers"], ["influence", "installer"], ["what-if", "--shift", "delivery=1"],
    ["render", "-o", "{out}/map.svg"], ["card", "installer", "-o", "{out}/card.html"]])
def test_the_bayesnet_flags_of_every_fitting_command_reach_the_engine(
        command: list[str], files: tuple[Path, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []
    original = BayesNetEngine.__init__

    def spy(self: BayesNetEngine, **kwargs: Any) -> None:
        seen.append(kwargs)
        original(self, **kwargs)

    monkeypatch.setattr(BayesNetEngine, "__init__", spy)
    map_path, data_path = files
    args = [a.format(out=tmp_path) for a in command]
    cut = 2 if args[0] in ("influence", "card") else 1
    run = CliRunner().invoke(app, [*args[:cut], str(map_path), str(data_path), *args[cut:],
                                   *FLAGS])
    assert run.exit_code == 0, run.output
    assert seen == [{"min_responses": 30, "bins": 3, "ess": 4.5, "ltr_states": "classes",
                     "draws": 0}]


def test_fit_prints_the_states_it_used_and_the_thin_column(files: tuple[Path, Path]) -> None:
    map_path, data_path = files
    run = CliRunner().invoke(app, ["fit", str(map_path), str(data_path), "--engine",
                                   "bayesnet", "--draws", "0"])
    assert run.exit_code == 0, run.output
    assert ("bayesnet: at most 2 states per rating (chosen from n), LTR as 11 states, BDeu ess "
            "10.0, 0 posterior draws.") in run.stdout
    assert "thin" in run.stdout


@pytest.mark.parametrize(("flags", "message"), [
    (["--bins", "3"], "error: --bins is an option of --engine bayesnet, not of 'linear'."),
    (["--draws", "0", "--ess", "2"],
     "error: --ess, --draws are options of --engine bayesnet, not of 'linear'."),
    (["--engine", "bayesnet", "--bins", "many"],
     "error: --bins must be auto, all or a number of states from 2, not 'many'."),
    (["--engine", "bayesnet", "--bins", "1"],
     "error: bins must be 'auto' or at least 2 states per rating, not 1."),
    (["--engine", "bayesnet", "--ess", "0"],
     "error: ess (the BDeu equivalent sample size) must be a positive number, not 0.0."),
    (["--engine", "bayesnet", "--ltr-states", "3"],
     "error: ltr_states must be '11' or 'classes', not '3'."),
    (["--engine", "bayesnet", "--draws", "1"],
     "error: draws must be 0 (no intervals) or from 2 to 2,000, not 1."),
    (["--engine", "bayesnet", "--draws", "5000"],
     "error: draws must be 0 (no intervals) or from 2 to 2,000, not 5000."),
])
def test_a_bad_bayesnet_flag_is_one_line_and_exit_2(flags: list[str], message: str,
                                                    files: tuple[Path, Path]) -> None:
    map_path, data_path = files
    run = CliRunner().invoke(app, ["fit", str(map_path), str(data_path), *flags])
    assert run.exit_code == 2
    assert run.stderr.strip() == message
    assert run.stdout == ""


def test_check_calls_the_not_estimable_edges_so_and_contradicts_nothing(
        small: pd.DataFrame, small_fit: FitResult) -> None:
    from journeymap.analysis.check import check

    report = check(MAP, small, engine="bayesnet", draws=50, suggest=False)
    verdicts = {(r["from"], r["to"]): r["verdict"] for r in report.beliefs.to_dict("records")}
    blank = {(e.source, e.target) for e in small_fit.edge_estimates if e.not_estimable}
    assert blank == {("delivery", "nps"), ("installation", "nps"), ("product_quality", "nps")}
    assert {k for k, v in verdicts.items() if v == "not estimable"} == blank
    assert "contradict" not in verdicts.values()
    assert "3 are not estimable (too little data)" in " ".join(report.summary)


# --------------------------------------------------------------- what-if warning
def test_a_what_if_of_a_not_estimable_node_warns_once_naming_it_with_its_thin_share(
        small_fit: FitResult) -> None:
    from journeymap.analysis import what_if

    installation, installer = small_fit.effect("installation"), small_fit.role("installer")
    assert installation.not_estimable
    assert installer.not_estimable
    assert installation.thin_share is not None
    assert installer.thin_share is not None
    w = what_if(small_fit, {"installation": 1, "installer": 0.5, "website": 1})
    share = max(installation.thin_share, installer.thin_share)
    assert w.warnings == (
        "The effect of Installation, Installatör cannot be estimated from these data: up to "
        f"{share:.0%} of the customers this change moves land in combinations of answers that "
        "too few customers gave. There the prediction shows a guess, not what customers said. "
        "More responses, fewer states per rating or the linear engine would tell.",)
    assert w.to_dict()["warnings"] == list(w.warnings)
    # an estimable node, or a not-estimable one left where it is: no warning
    assert what_if(small_fit, {"website": 1}).warnings == ()
    assert what_if(small_fit, {"website": 1, "installation": 0}).warnings == ()


def test_the_cli_what_if_prints_the_librarys_warning(small: pd.DataFrame, small_fit: FitResult,
                                                     tmp_path: Path) -> None:
    from journeymap.analysis import what_if

    map_path, data_path = tmp_path / "map.yaml", tmp_path / "data.csv"
    MAP.to_yaml(map_path)
    small.to_csv(data_path, index=False)
    args = ["what-if", str(map_path), str(data_path), "--shift", "installation=+1",
            "--engine", "bayesnet", "--draws", "50"]
    (warning,) = what_if(small_fit, {"installation": 1}).warnings
    run = CliRunner().invoke(app, [*args, "--json"])
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["warnings"] == [warning]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    assert f"warning: {warning}" in " ".join(run.stdout.split())
