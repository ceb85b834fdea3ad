"""`check`: the map's implications against the data, beliefs, fit indices and suggestions.

Every number is checked against an independent computation (networkx d-separation,
statsmodels OLS residuals, statsmodels' Holm, scipy / pgmpy G-tests, semopy's fit
statistics), and the two acceptance studies run on simulated data from the example map:
a map with one edge deleted is flagged and the edge suggested, and the correct map passes
(no Holm-significant disagreement), each in at least 90 % of 40 seeds (rates printed).
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from typer.testing import CliRunner, Result

import journeymap as jm
from journeymap.analysis import CheckReport, check
from journeymap.analysis._fitindex import fit_indices, implied_covariance
from journeymap.analysis._implications import g_test, holm, implied_independences
from journeymap.analysis._suggest import DiscreteBIC, LinearBIC, allowed_edges, journey_order
from journeymap.cli import app
from journeymap.data import load_survey
from journeymap.datasets import EXAMPLE_MISSING, simulate
from journeymap.engines.bayesnet import quiet_pgmpy
from journeymap.model import JourneyMap

RUNNER = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None, "NO_COLOR": "1"})
SEEDS = range(40)
N_STUDY = 2000
DELETED = ("website", "ease")


def without(m: JourneyMap, source: str, target: str) -> JourneyMap:
    """The map with one edge deleted."""
    d = m.to_dict()
    d["edges"] = [e for e in d["edges"]
                  if not (e == [source, target] or (isinstance(e, dict)
                                                    and (e["from"], e["to"]) == (source, target)))]
    return JourneyMap.from_dict(d)


def pair_in(df: pd.DataFrame, a: str, b: str, cols: tuple[str, str] = ("x", "y")) -> bool:
    x, y = df[cols[0]], df[cols[1]]
    return bool((((x == a) & (y == b)) | ((x == b) & (y == a))).any())


@pytest.fixture(scope="module")
def example() -> JourneyMap:
    return jm.example_map()


@pytest.fixture(scope="module")
def report(example: JourneyMap) -> CheckReport:
    return check(example, simulate(example, 3000, 11, missing=EXAMPLE_MISSING).data)


# -------------------------------------------------------------- implications
def test_every_claimed_independence_is_a_d_separation_with_the_roles_latent(
        example: JourneyMap) -> None:
    imps, untestable = implied_independences(example)
    g = nx.DiGraph([(e.source, e.target) for e in example.edges])
    measured = {n.id for n in example.measured_nodes}
    for imp in imps:
        assert set(imp.given) <= measured  # only measured nodes are conditioned on
        assert nx.is_d_separator(g, {imp.x}, {imp.y}, set(imp.given))
        assert imp.basis == "parents"
        parents = {p for q in (imp.x, imp.y) for p in g.predecessors(q)} & measured
        assert set(imp.given) == parents  # Shipley's basis set
    pairs = {frozenset((i.x, i.y)) for i in imps} | {frozenset((u.x, u.y)) for u in untestable}
    nonadjacent = {frozenset((a, b)) for a in measured for b in measured
                   if a != b and not g.has_edge(a, b) and not g.has_edge(b, a)}
    assert pairs == nonadjacent  # every non-adjacent measured pair is accounted for
    for u in untestable:  # no measured set at all separates these
        assert nx.find_minimal_d_separator(g, {u.x}, {u.y},
                                           restricted=measured - {u.x, u.y}) is None
    assert len(imps) == 51


def test_a_role_that_is_a_common_cause_gives_no_false_independence_claim() -> None:
    spec = {"outcome": "nps", "nodes": [
        {"id": "nps", "kind": "outcome", "column": "ltr"},
        {"id": "rep", "kind": "role"},
        {"id": "a", "kind": "touchpoint", "scale": [1, 5]},
        {"id": "b", "kind": "touchpoint", "scale": [1, 5]}],
        "edges": [["rep", "a"], ["rep", "b"], ["a", "nps"], ["b", "nps"]]}
    m = JourneyMap.from_dict(spec)
    imps, untestable = implied_independences(m)
    assert imps == []
    assert [(u.x, u.y, u.roles) for u in untestable] == [("a", "b", ("rep",))]
    # Data where the rep really drives both: a naive test of a ⟂ b would reject.
    rng = np.random.default_rng(5)
    rep = rng.normal(size=3000)
    a = np.clip(np.rint(3 + rep + rng.normal(0, 0.7, 3000)), 1, 5)
    b = np.clip(np.rint(3 + rep + rng.normal(0, 0.7, 3000)), 1, 5)
    ltr = np.clip(np.rint(3 + 0.6 * a + 0.6 * b + rng.normal(0, 1, 3000)), 0, 10)
    frame = pd.DataFrame({"a": a, "b": b, "ltr": ltr.astype(int)})
    assert sps.pearsonr(a, b).pvalue < 1e-100
    rep_check = check(m, frame)
    assert rep_check.implications.empty
    assert len(rep_check.disagreements) == 0
    assert rep_check.untestable.to_dict(orient="records") == [
        {"x": "a", "y": "b", "roles": ("rep",)}]
    assert any("cannot be tested" in line for line in rep_check.summary)
    # With the role measured, the map claims a ⟂ b given rep.
    spec["nodes"][1] = {"id": "rep", "kind": "role", "column": "rep", "scale": [1, 5]}
    imps, untestable = implied_independences(JourneyMap.from_dict(spec))
    assert [(i.x, i.y, i.given) for i in imps] == [("rep", "nps", ("a", "b")),
                                                  ("a", "b", ("rep",))]
    assert untestable == []


def test_partial_correlations_and_p_values_equal_statsmodels_residuals(
        example: JourneyMap, report: CheckReport) -> None:
    import statsmodels.api as sm

    data = load_survey(simulate(example, 3000, 11, missing=EXAMPLE_MISSING).data, example)
    for row in report.implications.to_dict(orient="records"):
        cols = np.column_stack([data.column(c) for c in (row["x"], row["y"], *row["given"])])
        rows = cols[~np.isnan(cols).any(axis=1)]
        Z = sm.add_constant(rows[:, 2:]) if rows.shape[1] > 2 else np.ones((len(rows), 1))
        rx = sm.OLS(rows[:, 0], Z).fit().resid
        ry = sm.OLS(rows[:, 1], Z).fit().resid
        r = float(np.corrcoef(rx, ry)[0, 1])
        df = len(rows) - len(row["given"]) - 3
        p = float(2 * sps.norm.sf(abs(math.atanh(r)) * math.sqrt(df)))
        assert row["n"] == len(rows)
        assert row["df"] == df
        assert row["statistic"] == pytest.approx(r, rel=1e-9, abs=1e-12)
        assert row["p"] == pytest.approx(p, rel=1e-7, abs=1e-300)


def test_holm_adjusted_p_values_equal_statsmodels(report: CheckReport) -> None:
    from statsmodels.stats.multitest import multipletests

    p = report.implications["p"].to_numpy()
    expected = multipletests(p, method="holm")[1]
    np.testing.assert_allclose(report.implications["p_holm"], expected, rtol=1e-12)
    assert np.isnan(holm([0.01, math.nan, 0.02])[1])
    np.testing.assert_allclose(holm([0.01, math.nan, 0.02])[[0, 2]], [0.02, 0.02])
    verdicts = np.where(report.implications["p_holm"] < 0.05, "disagree", "no evidence against")
    assert list(report.implications["verdict"]) == list(verdicts)


def test_g_test_equals_scipy_per_stratum_and_pgmpy_gsq() -> None:
    from pgmpy.ci_tests import GSq

    rng = np.random.default_rng(3)
    n = 4000
    z = rng.integers(0, 2, n)
    x = np.minimum(2, (rng.random(n) < 0.5 + 0.2 * z) + rng.integers(0, 2, n))
    y = np.minimum(2, rng.integers(0, 3, n) + (x == 2) * (rng.random(n) < 0.3))
    z2 = rng.integers(0, 3, n)
    x[:5], y[5:9] = -1, -1  # blanks are left out
    t = g_test(x, y, [z, z2], permutations=0)
    ok = (x >= 0) & (y >= 0)
    G = df = 0.0
    for s in set(zip(z[ok], z2[ok], strict=True)):
        rows = ok & (z == s[0]) & (z2 == s[1])
        table = pd.crosstab(x[rows], y[rows]).to_numpy()
        expected = np.outer(table.sum(1), table.sum(0)) / table.sum()
        G += sps.power_divergence(table, expected, lambda_="log-likelihood", axis=None,
                                  ddof=0).statistic
        df += (table.shape[0] - 1) * (table.shape[1] - 1)
    assert t.n == int(ok.sum())
    assert t.df == df
    assert t.statistic == pytest.approx(G, rel=1e-10)
    frame = pd.DataFrame({"x": x, "y": y, "z": z, "z2": z2})[ok]
    pg = GSq(data=frame)
    pg(X="x", Y="y", Z=["z", "z2"], significance_level=0.05)
    assert pg.dof_ == t.df  # every stratum is 3 × 3: no Yates correction in pgmpy either
    assert pg.statistic_ == pytest.approx(t.statistic, rel=1e-10)
    assert pg.p_value_ == pytest.approx(t.p, rel=1e-8)


def test_g_test_permutation_calibration_holds_where_sparse_strata_break_the_chi_square() -> None:
    rng = np.random.default_rng(8)
    naive, calibrated = [], []
    for _ in range(30):
        n = 600
        z = rng.integers(0, 5, (n, 3))
        x = np.clip(z[:, 0] + rng.integers(-1, 2, n), 0, 4)
        y = np.clip(z[:, 1] + z[:, 2] - 2 + rng.integers(-1, 2, n), 0, 4)  # x ⟂ y | z
        cols = [z[:, 0], z[:, 1], z[:, 2]]
        naive.append(g_test(x, y, cols, permutations=0).p)
        calibrated.append(g_test(x, y, cols, permutations=60, rng=rng).p)
    print(f"\nsparse strata, x ⟂ y | z true: share of p < 0.05 chi-square "
          f"{np.mean(np.array(naive) < 0.05):.2f}, permutation-calibrated "
          f"{np.mean(np.array(calibrated) < 0.05):.2f}")
    assert np.mean(np.array(naive) < 0.05) > 0.5
    assert np.mean(np.array(calibrated) < 0.05) <= 0.15


# ------------------------------------------------------------ fit indices
def _semopy_stats(m: JourneyMap, frame: pd.DataFrame) -> tuple[Any, Any]:
    import semopy

    ids = [n for n in m.topological_order if m.node(n).measured]
    measured_parents = {c: [p for p in m.parents(c) if m.node(p).measured] for c in ids}
    exo = [c for c in ids if not measured_parents[c]]
    lines = [f"{c} ~ {' + '.join(ps)}" for c, ps in measured_parents.items() if ps]
    lines += [f"{a} ~~ {b}" for i, a in enumerate(exo) for b in exo[i:]]  # all exogenous free
    model = semopy.Model("\n".join(lines))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # semopy's own deprecation and runtime notices
        model.fit(frame[ids])
        stats = semopy.calc_stats(model).T["Value"]
    return model, stats


@pytest.mark.parametrize("deleted", [None, ("installation", "nps")])
def test_fit_indices_agree_with_semopy(example: JourneyMap, deleted: tuple[str, str] | None
                                       ) -> None:
    m = example if deleted is None else without(example, *deleted)
    data = load_survey(simulate(example, 2000, 5).data, m)  # complete data
    fi = fit_indices(m, data)
    ids = [n for n in m.topological_order if m.node(n).measured]
    frame = pd.DataFrame({n: data.column(n) for n in ids})
    model, st = _semopy_stats(m, frame)
    N = fi["n"]
    assert N == model.n_samples == 2000
    assert fi["rows"] == "listwise"
    assert fi["df"] == st["DoF"]
    assert fi["df_baseline"] == st["DoF Baseline"]
    assert fi["f_ml"] == pytest.approx(model.last_result.fun, rel=1e-3)
    assert fi["chi2"] * N / (N - 1) == pytest.approx(st["chi2"], rel=1e-3)  # semopy: N · F
    assert fi["chi2_baseline"] * N / (N - 1) == pytest.approx(st["chi2 Baseline"], rel=1e-5)
    assert fi["cfi"] == pytest.approx(min(1.0, st["CFI"]), abs=1e-3)
    assert fi["rmsea"] == pytest.approx(st["RMSEA"], abs=1e-3)
    sigma = model.calc_sigma()[0]
    order = [model.vars["observed"].index(n) for n in ids]
    sigma = sigma[np.ix_(order, order)]
    S = np.cov(frame.to_numpy(), rowvar=False, bias=True)
    resid = (S - sigma) / np.sqrt(np.outer(np.diag(S), np.diag(S)))
    srmr = math.sqrt(float(np.mean(resid[np.tril_indices(len(ids))] ** 2)))
    assert fi["srmr"] == pytest.approx(srmr, abs=1e-4)
    print(f"\nsemopy vs journeymap ({'correct map' if deleted is None else 'edge deleted'}):"
          f" F {model.last_result.fun:.6f} / {fi['f_ml']:.6f}, χ² {st['chi2']:.3f} / "
          f"{fi['chi2'] * N / (N - 1):.3f} (N·F), df {st['DoF']:.0f} / {fi['df']}, CFI "
          f"{st['CFI']:.5f} / {fi['cfi']:.5f}, RMSEA {st['RMSEA']:.5f} / {fi['rmsea']:.5f}, "
          f"SRMR {srmr:.5f} / {fi['srmr']:.5f}")
    if deleted is not None:
        # The χ² test sees the deleted edge; the conventional cut-offs alone do not.
        assert fi["p_value"] < 1e-6
        assert fi["cfi"] > 0.95
        assert fi["rmsea"] < 0.06


def test_implied_covariance_of_a_saturated_chain_reproduces_s() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 3)) @ np.array([[1, 0.5, 0.2], [0, 1, 0.4], [0, 0, 1]])
    S = np.cov(X, rowvar=False, bias=True)
    sigma, free = implied_covariance(S, {1: [0], 2: [0, 1]})
    np.testing.assert_allclose(sigma, S, atol=1e-12)
    assert free == 6


# -------------------------------------------------------------- beliefs
def test_belief_report_matches_the_edge_records(example: JourneyMap) -> None:
    d = example.to_dict()
    for e in d["edges"]:
        if isinstance(e, dict) and (e["from"], e["to"]) == ("invoice", "no_errors"):
            e["expected"] = "-"  # a belief the data will contradict
        if isinstance(e, dict) and (e["from"], e["to"]) == ("support", "ease"):
            del e["expected"]  # no belief
    m = JourneyMap.from_dict(d)
    sim = simulate(example, 1500, 2, missing=EXAMPLE_MISSING,
                   coefficients={"brand->nps": 0.0})
    rep = check(m, sim.data, suggest=False)
    records = {(r.source, r.target): r for r in rep.result.edge_estimates  # type: ignore[union-attr]
               if r.estimate is not None}
    assert len(rep.beliefs) == len(records) == 13
    word = {True: "agree", False: "contradict", None: "unclear"}
    for row in rep.beliefs.to_dict(orient="records"):
        rec = records[(row["from"], row["to"])]
        assert row["estimate"] == rec.estimate
        assert (row["ci_low"], row["ci_high"]) == rec.ci
        assert row["agrees"] == rec.agrees
        assert row["verdict"] == ("no belief" if rec.expected is None else word[rec.agrees])
    verdict = rep.beliefs.set_index(["from", "to"])["verdict"]
    assert verdict[("invoice", "no_errors")] == "contradict"
    assert verdict[("support", "ease")] == "no belief"
    assert verdict[("brand", "nps")] == "unclear"
    text = rep.beliefs.set_index(["from", "to"])["text"]
    assert text[("invoice", "no_errors")].startswith(
        "The workshop expected Faktura utan fel → Inga fel (no errors) to be negative; the "
        "data contradict it:")
    assert any("1 contradict it" in line for line in rep.summary)


# ---------------------------------------------------------- suggestions
def test_journey_order_runs_roles_touchpoints_by_stage_factors_then_nps() -> None:
    m = JourneyMap.from_dict({"outcome": "nps", "nodes": [
        {"id": "nps", "kind": "outcome", "column": "ltr"},
        {"id": "trust", "kind": "factor", "scale": [1, 5]},
        {"id": "deliver", "kind": "touchpoint", "scale": [1, 5], "stage": "deliver"},
        {"id": "web", "kind": "touchpoint", "scale": [1, 5], "stage": "awareness"},
        {"id": "rep", "kind": "role", "column": "rep", "scale": [1, 5], "stage": "buy"},
        {"id": "quote", "kind": "touchpoint", "scale": [1, 5], "stage": "buy"},
        {"id": "ease", "kind": "factor", "scale": [1, 5]}],
        "edges": [["rep", "quote"], ["quote", "trust"], ["deliver", "trust"], ["web", "ease"],
                  ["trust", "nps"], ["ease", "nps"]]})
    order, tier = journey_order(m)
    # stages in order of first appearance: deliver, awareness, buy
    assert order == ["rep", "deliver", "web", "quote", "trust", "ease", "nps"]
    allowed = allowed_edges(m)
    for u, v in allowed:
        assert order.index(u) < order.index(v)
        assert tier[u] <= tier[v]
        assert u != "nps"
    assert ("trust", "ease") in allowed
    assert ("ease", "trust") not in allowed
    assert ("quote", "deliver") not in allowed  # no suggestion points back in the journey


def test_a_map_edge_against_the_tiers_keeps_its_place_and_opens_no_backward_suggestions(
        ) -> None:
    m = JourneyMap.from_dict({"outcome": "nps", "nodes": [
        {"id": "nps", "kind": "outcome", "column": "ltr"},
        {"id": "trust", "kind": "factor", "scale": [1, 5]},
        {"id": "quote", "kind": "touchpoint", "scale": [1, 5], "stage": "buy"},
        {"id": "web", "kind": "touchpoint", "scale": [1, 5], "stage": "buy"}],
        "edges": [["trust", "quote"], ["quote", "nps"], ["web", "nps"]]})
    order, tier = journey_order(m)
    assert order == ["web", "trust", "quote", "nps"]  # the map's factor → touchpoint edge holds
    allowed = allowed_edges(m)
    assert ("trust", "quote") in allowed  # the map's own edge may stay or go
    assert ("trust", "web") not in allowed  # but nothing new points back in the journey
    assert {(u, v) for u, v in allowed if tier[u] > tier[v]} == {("trust", "quote")}


def test_linear_bic_gain_equals_statsmodels_log_likelihoods(example: JourneyMap) -> None:
    import statsmodels.api as sm

    data = load_survey(simulate(example, 800, 4, missing=EXAMPLE_MISSING).data, example)
    scorer = LinearBIC(data.values, data.node_ids)
    for child, parents, extra in [("ease", ["quote", "support"], "website"),
                                  ("nps", ["delivery", "ease"], "brand"),
                                  ("no_errors", [], "invoice")]:
        cols = np.column_stack([data.column(c) for c in (*parents, extra, child)])
        rows = cols[~np.isnan(cols).any(axis=1)]
        y, k = rows[:, -1], len(parents)
        llf1 = sm.OLS(y, sm.add_constant(rows[:, :k + 1])).fit().llf
        llf0 = sm.OLS(y, sm.add_constant(rows[:, :k]) if k else np.ones((len(y), 1))).fit().llf
        gain, n = scorer.gain(child, parents, extra)
        assert n == len(rows)
        assert gain == pytest.approx(llf1 - llf0 - 0.5 * math.log(n), rel=1e-9)


def test_discrete_bic_gain_equals_pgmpy_bic_d(example: JourneyMap) -> None:
    from pgmpy.structure_score import BIC

    from journeymap.analysis.check import _states
    from journeymap.engines.bayesnet import BayesNetEngine

    data = load_survey(simulate(example, 1500, 4).data, example)
    fitted = BayesNetEngine(bins=3, draws=0).fit(example, data).result_
    codes, cards = _states(fitted)
    assert set(cards.values()) == {3, 11}
    scorer = DiscreteBIC(codes, cards)
    frame = pd.DataFrame({k: pd.Categorical(v, categories=range(cards[k]))
                          for k, v in codes.items()})
    with quiet_pgmpy():
        score = BIC(frame, state_names={k: list(range(cards[k])) for k in codes})
        for child, parents, extra in [("ease", ("quote",), "website"),
                                      ("no_errors", ("ordering", "delivery"), "invoice")]:
            expected = score.local_score(child, (*parents, extra)) - score.local_score(
                child, parents)
            assert scorer.gain(child, parents, extra)[0] == pytest.approx(expected, rel=1e-9)


def test_a_zero_edge_is_suggested_for_removal_with_its_yaml_line(example: JourneyMap) -> None:
    sim = simulate(example, 2000, 3, missing=EXAMPLE_MISSING, coefficients={"brand->nps": 0.0})
    rep = check(example, sim.data)
    row = rep.suggestions[(rep.suggestions["action"] == "remove")
                          & (rep.suggestions["from"] == "brand")].iloc[0]
    assert row["ci_low"] < 0 < row["ci_high"]
    assert row["bic_gain"] > 0
    line = example.edge("brand", "nps").line
    assert row["yaml"] == f'- {{from: brand, to: nps, expected: "+"}}  # line {line}'
    assert "Consider removing Varumärke & rykte → Likelihood to recommend" in row["text"]


def test_the_pgmpy_search_suggests_the_deleted_edge(example: JourneyMap) -> None:
    data = simulate(example, 2000, 1).data  # complete rows: pgmpy needs them
    rep = check(without(example, *DELETED), data, search="pgmpy")
    assert rep.search["method"] == "pgmpy"
    assert rep.search["n"] == 2000
    assert pair_in(rep.suggestions[rep.suggestions["action"] == "add"], *DELETED,
                   cols=("from", "to"))


def test_the_bayesnet_check_g_tests_flag_the_deleted_edge_and_pass_the_map(
        example: JourneyMap) -> None:
    data = simulate(example, 3000, 1, missing=EXAMPLE_MISSING).data
    wrong = check(without(example, *DELETED), data, engine="bayesnet", draws=0)
    assert wrong.method.startswith("G-test")
    assert not wrong.fit_indices["available"]
    assert list(zip(wrong.disagreements["x"], wrong.disagreements["y"], strict=True)) == [
        DELETED]
    right = check(example, data, engine="bayesnet", draws=0, suggest=False)
    assert len(right.disagreements) == 0
    assert (right.implications["df"] > 0).all()


def test_check_never_changes_the_map_and_reports_json(example: JourneyMap) -> None:
    m = without(example, *DELETED)
    before = m.to_dict()
    rep = check(m, simulate(example, 1500, 9, missing=EXAMPLE_MISSING).data)
    assert m.to_dict() == before
    out = json.loads(json.dumps(rep.to_dict(), allow_nan=False))
    assert set(out) >= {"implications", "untestable", "beliefs", "fit_indices", "suggestions",
                        "summary", "search"}
    first = out["implications"][0]
    assert isinstance(first["given"], list)
    assert set(first) >= {
        "x", "y", "given", "statistic", "p", "p_holm", "verdict"}
    assert any(s["yaml"] == "- [website, ease]" for s in out["suggestions"])


# ----------------------------------------------------- acceptance studies
@pytest.mark.slow
def test_a_deleted_edge_is_flagged_and_suggested_in_at_least_90_percent_of_seeds(
        example: JourneyMap) -> None:
    m = without(example, *DELETED)
    flagged = suggested = 0
    for seed in SEEDS:
        rep = check(m, simulate(example, N_STUDY, seed, missing=EXAMPLE_MISSING).data)
        flagged += pair_in(rep.disagreements, *DELETED)
        adds = rep.suggestions[rep.suggestions["action"] == "add"]
        suggested += pair_in(adds, *DELETED, cols=("from", "to"))
    print(f"\ndeleted {DELETED[0]} → {DELETED[1]} (n = {N_STUDY}, {len(SEEDS)} seeds): flagged "
          f"{flagged / len(SEEDS):.0%}, suggested {suggested / len(SEEDS):.0%}")
    assert flagged / len(SEEDS) >= 0.9
    assert suggested / len(SEEDS) >= 0.9


@pytest.mark.slow
def test_the_correct_map_passes_in_at_least_90_percent_of_seeds(example: JourneyMap) -> None:
    passed = quiet = 0
    for seed in SEEDS:
        rep = check(example, simulate(example, N_STUDY, seed, missing=EXAMPLE_MISSING).data)
        passed += len(rep.disagreements) == 0
        quiet += len(rep.suggestions) == 0
    print(f"\ncorrect map (n = {N_STUDY}, {len(SEEDS)} seeds): no Holm-significant "
          f"disagreement {passed / len(SEEDS):.0%}, no suggestion {quiet / len(SEEDS):.0%}")
    assert passed / len(SEEDS) >= 0.9


# ------------------------------------------------------------------ CLI
def run(*args: str | Path) -> Result:
    return RUNNER.invoke(app, [str(a) for a in args])


def test_cli_check_on_the_example_prints_verdict_lines_and_exits_0(
        example_map_path: Path, example_csv_path: Path) -> None:
    result = run("check", example_map_path, example_csv_path)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    verdicts = re.findall(r"The map says (.+?) ⟂ (.+?) given (.+?); no evidence against it "
                          r"\(p = 0\.\d\d\)\.", out)
    assert len(verdicts) == 10  # the ten smallest p-values; the rest are counted
    assert ("Offertens tydlighet", "Faktura utan fel", "nothing") in verdicts
    assert "… and 41 more with no evidence against them" in out
    assert "the data disagree with 0 of them" in out
    for word in ("CFI", "RMSEA", "SRMR", "≥ 0.95", "≤ 0.06", "≤ 0.08", "Belief vs evidence",
                 "Suggestions"):
        assert word in out
    assert "Säljare acts on both" in out


def test_cli_check_reports_disagreement_with_exit_0_and_json_equals_the_library(
        example: JourneyMap, tmp_path: Path) -> None:
    map_path = tmp_path / "map.yaml"
    without(example, *DELETED).to_yaml(map_path)
    data_path = tmp_path / "data.csv"
    simulate(example, 1500, 21, missing=EXAMPLE_MISSING).data.to_csv(data_path, index=False)
    result = run("check", map_path, data_path)
    assert result.exit_code == 0, result.stderr
    assert "the data disagree (p < 0.0001; Holm-adjusted p < 0.0001)" in result.stdout
    assert "add to the edges: - [website, ease]" in result.stdout
    as_json = run("check", map_path, data_path, "--json", "--no-suggest")
    assert as_json.exit_code == 0
    assert as_json.stderr == ""
    lib = check(JourneyMap.from_yaml(map_path), data_path, suggest=False)
    assert json.loads(as_json.stdout) == json.loads(json.dumps(lib.to_dict()))


@pytest.mark.parametrize("extra", [["--engine", "nope"], ["--alpha", "1.5"],
                                   ["--search", "magic"], ["--survey-type", "transactional"],
                                   ["--bins", "3"], ["--min-responses", "5"]])
def test_cli_check_bad_options_exit_2(example_map_path: Path, example_csv_path: Path,
                                      extra: list[str]) -> None:
    result = run("check", example_map_path, example_csv_path, *extra)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("error:")
    assert "Traceback" not in result.stderr


def test_cli_check_bad_files_exit_2(example_map_path: Path, tmp_path: Path) -> None:
    missing = run("check", example_map_path, tmp_path / "none.csv")
    assert missing.exit_code == 2
    assert "no such data file" in missing.stderr
    bad_map = tmp_path / "bad.yaml"
    bad_map.write_text("outcome: nps\nnodes: []\nedges: []\n", encoding="utf-8")
    broken = run("check", bad_map, tmp_path / "none.csv")
    assert broken.exit_code == 2
    assert broken.stderr.startswith("error:")
