"""The bayesnet engine against known networks, pgmpy, and the linear engine's schema.

Truths are computed here from the true conditional tables written in this file, by
plain enumeration of every state combination (no code of the engine); the engine's
own arithmetic is checked against pgmpy's ``DiscreteBayesianEstimator`` and
``model.do`` + ``VariableElimination``.  Tolerances on estimates are three posterior
standard errors (the 95 % interval's width / 3.92) at n = 50 000.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.typing import NDArray
from typer.testing import CliRunner

import journeymap as jm
from journeymap.analysis import drivers, role_influence, what_if
from journeymap.data import load_survey
from journeymap.engines import FitResult
from journeymap.engines.bayesnet import BayesNetEngine, BayesNetState, quiet_pgmpy
from journeymap.exceptions import DataValidationError, JourneymapError

Array = NDArray[np.float64]
N = 50_000
LTR = np.arange(11)
NPS_W = np.where(LTR >= 9, 100.0, np.where(LTR <= 6, -100.0, 0.0))


# ---------------------------------------------------------------------- helpers


def softmax(scores: Array) -> Array:
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return np.asarray(e / e.sum(axis=-1, keepdims=True))


def ltr_given(mu: float, sd: float) -> Array:
    """A discretised bell over 0–10 centred on ``mu``."""
    return softmax(-((LTR - mu) ** 2) / (2 * sd ** 2))


def up(r: int, share: float = 1.0) -> Array:
    """K[to, from]: with probability ``share`` one state up; the top state stays."""
    K = (1 - share) * np.eye(r)
    for s in range(r):
        K[min(s + 1, r - 1), s] += share
    return K


def sample(rng: np.random.Generator, probs: Array) -> NDArray[np.int64]:
    """One state index per row of a (rows, states) probability array."""
    u = rng.random(probs.shape[0])
    return np.minimum((u[:, None] > probs.cumsum(axis=1)).sum(axis=1), probs.shape[1] - 1)


def half_width_se(ci: list[float]) -> float:
    return (ci[1] - ci[0]) / 3.92


def quiet_imports() -> tuple[Any, Any]:
    with quiet_pgmpy():
        from pgmpy.inference import VariableElimination
        from pgmpy.parameter_estimator import DiscreteBayesianEstimator
    return VariableElimination, DiscreteBayesianEstimator


# ------------------------------------------------- network A: a mediated journey
#   w (1–3) → m (1–3);  x (1–5) → m;  x → nps;  m → nps;  role team acts on x (0.5) and m.

P_W = np.array([0.3, 0.4, 0.3])
P_X = np.array([0.10, 0.15, 0.30, 0.30, 0.15])
# P(m | x, w): index [x, w, m]
P_M = softmax(np.array([[[0.5 * (m + 1) * (x - 2) + 0.6 * (m + 1) * (w - 1)
                          for m in range(3)] for w in range(3)] for x in range(5)]))
# P(ltr | x, m): index [x, m, ltr]
P_Y = np.array([[ltr_given(2.5 + 0.7 * (x + 1) + 0.9 * (m + 1), 1.6) for m in range(3)]
                for x in range(5)])

MAP_A = jm.JourneyMap.from_dict({
    "name": "mediated", "outcome": "nps",
    "nodes": [
        {"id": "nps", "kind": "outcome", "column": "ltr"},
        {"id": "team", "kind": "role"},
        {"id": "w", "kind": "factor", "scale": [1, 3]},
        {"id": "x", "kind": "touchpoint", "scale": [1, 5]},
        {"id": "m", "kind": "factor", "scale": [1, 3]},
    ],
    "edges": [{"from": "team", "to": "x", "share": 0.5}, ["team", "m"], ["w", "m"],
              ["x", "m"], ["x", "nps"], ["m", "nps"]],
})


def simulate_a(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    w = sample(rng, np.tile(P_W, (n, 1)))
    x = sample(rng, np.tile(P_X, (n, 1)))
    m = sample(rng, P_M[x, w])
    y = sample(rng, P_Y[x, m])
    return pd.DataFrame({"w": w + 1, "x": x + 1, "m": m + 1, "ltr": y})


def truth_a(kx: Array, km: Array, *, direct: bool = False) -> float:
    """NPS after shifting x by kernel ``kx`` and m by ``km``, minus NPS before.

    Total: m is drawn given the shifted x, then shifted itself.  Direct: m is drawn
    given the natural x; only the outcome sees the shifted x and m.
    """
    def nps(kx: Array, km: Array) -> float:
        value = 0.0
        for w, x0, x1, m0, m1 in itertools.product(range(3), range(5), range(5), range(3),
                                                   range(3)):
            p_m0 = P_M[x0, w, m0] if direct else P_M[x1, w, m0]
            p = P_W[w] * P_X[x0] * kx[x1, x0] * p_m0 * km[m1, m0]
            value += p * float(P_Y[x1, m1] @ NPS_W)
        return value

    return nps(kx, km) - nps(np.eye(5), np.eye(3))


@pytest.fixture(scope="module")
def data_a() -> pd.DataFrame:
    return simulate_a(N, seed=11)


@pytest.fixture(scope="module")
def engine_a(data_a: pd.DataFrame) -> BayesNetEngine:
    return BayesNetEngine().fit(MAP_A, load_survey(data_a, MAP_A))


# --------------------------------------------- (a) effects equal the true values


@pytest.mark.parametrize(("node", "kx", "km"), [
    ("x", up(5), np.eye(3)),
    ("m", np.eye(5), up(3)),
])
def test_total_direct_and_indirect_effects_match_the_true_network(
        engine_a: BayesNetEngine, node: str, kx: Array, km: Array) -> None:
    rec = engine_a.result_.effect(node)
    total, direct = truth_a(kx, km), truth_a(kx, km, direct=True)
    se = half_width_se(rec.total_ci)
    assert 0 < se < 1.5
    assert abs(total) > 10 * se  # the check below is not trivially passed
    assert rec.total == pytest.approx(total, abs=3 * se)
    assert rec.direct == pytest.approx(direct, abs=3 * se)
    assert rec.indirect == pytest.approx(total - direct, abs=3 * se)
    assert rec.nps_points == rec.total
    assert rec.nps_points_ci == rec.total_ci


def test_a_node_without_an_edge_to_nps_has_only_an_indirect_effect(
        engine_a: BayesNetEngine) -> None:
    rec = engine_a.result_.effect("w")
    kw = up(3)
    value = 0.0
    for w0, w1, x, m in itertools.product(range(3), range(3), range(5), range(3)):
        value += (P_W[w0] * kw[w1, w0] - P_W[w0] * (w1 == w0)) * P_X[x] * P_M[x, w1, m] \
            * float(P_Y[x, m] @ NPS_W)
    assert rec.direct == 0.0
    assert rec.total == pytest.approx(value, abs=3 * half_width_se(rec.total_ci))


def test_role_influence_is_the_joint_shift_of_its_nodes_in_the_true_network(
        engine_a: BayesNetEngine) -> None:
    rec = engine_a.result_.role("team")
    kx, km = up(5, 0.5), up(3, 1.0)
    se = half_width_se(rec.influence_ci)
    assert rec.influence == pytest.approx(truth_a(kx, km), abs=3 * se)
    assert rec.direct == pytest.approx(truth_a(kx, km, direct=True), abs=3 * se)
    assert rec.nps_points == rec.influence
    assert math.fsum(p.effect for p in rec.paths) == pytest.approx(rec.influence,
                                                                        abs=1e-9)
    routes = {tuple(p.nodes) for p in rec.paths}
    assert routes == {("team", "x", "nps"), ("team", "x", "m", "nps"), ("team", "m", "nps")}


def test_those_who_did_not_experience_a_node_gain_nothing(data_a: pd.DataFrame) -> None:
    blank = data_a.copy()
    rng = np.random.default_rng(5)
    blank["x"] = blank["x"].astype("float64").mask(rng.random(len(blank)) < 0.4)
    eng = BayesNetEngine().fit(MAP_A, load_survey(blank, MAP_A))
    rec = eng.result_.effect("x")
    seen = float(blank["x"].notna().mean())
    assert rec.n == int(blank["x"].notna().sum())
    assert rec.total == pytest.approx(seen * truth_a(up(5), np.eye(3)),
                                         abs=3 * half_width_se(rec.total_ci))


# ------------------------------------------------- (b) a confounded touchpoint
#   z (1–3) → x (1–5);  z → nps;  x → nps.  Customers with a high z rate x higher and
#   recommend more, so comparing customers by x overstates what x does.

P_Z = np.array([0.35, 0.35, 0.30])
P_XZ = softmax(np.array([[1.5 * x * (z - 1) for x in range(5)] for z in range(3)]))
P_YZX = np.array([[ltr_given(1.5 + 2.0 * (z + 1) + 0.3 * (x + 1), 1.5) for x in range(5)]
                  for z in range(3)])

MAP_B = jm.JourneyMap.from_dict({
    "name": "confounded", "outcome": "nps",
    "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
              {"id": "z", "kind": "factor", "scale": [1, 3]},
              {"id": "x", "kind": "touchpoint", "scale": [1, 5]}],
    "edges": [["z", "x"], ["z", "nps"], ["x", "nps"]],
})


def test_a_confounded_effect_is_adjusted_while_the_naive_difference_is_not() -> None:
    rng = np.random.default_rng(23)
    z = sample(rng, np.tile(P_Z, (N, 1)))
    x = sample(rng, P_XZ[z])
    y = sample(rng, P_YZX[z, x])
    frame = pd.DataFrame({"z": z + 1, "x": x + 1, "ltr": y})
    truth = sum(P_Z[zz] * P_XZ[zz, xx] * float((P_YZX[zz, min(xx + 1, 4)] - P_YZX[zz, xx])
                                                @ NPS_W)
                for zz in range(3) for xx in range(5))
    # naive: compare customers one x-state apart, weighted like the shift (top stays)
    nps_by_x = frame.groupby("x")["ltr"].apply(lambda s: 100 * ((s >= 9).mean() - (s <= 6).mean()))
    share = frame["x"].value_counts(normalize=True)
    naive = sum(share[k] * (nps_by_x[k + 1] - nps_by_x[k]) for k in range(1, 5))

    rec = jm.fit(MAP_B, frame, engine="bayesnet").effect("x")
    se = half_width_se(rec.total_ci)
    assert se < 1.0
    assert rec.total == pytest.approx(truth, abs=3 * se)
    assert abs(naive - truth) > 10 * se
    assert abs(naive - truth) > 5  # NPS points: a difference a workshop would act on


# ----------------------------------------------------- (c) against pgmpy's do + VE


@pytest.mark.parametrize("node", ["x", "m", "w"])
def test_interventional_distribution_equals_pgmpy_do_and_variable_elimination(
        engine_a: BayesNetEngine, node: str) -> None:
    VariableElimination, _ = quiet_imports()
    state = engine_a.state_
    ours = state.interventional(node)
    with quiet_pgmpy():
        ve = VariableElimination(engine_a.model_.do([node]))
        for i, s in enumerate(state.states[node].names):
            q = ve.query(["nps"], evidence={node: s}, show_progress=False)
            assert list(q.state_names["nps"]) == list(range(11))
            np.testing.assert_allclose(ours[i], q.values, rtol=0, atol=1e-10)


def test_shift_effect_of_a_node_with_parents_equals_pgmpy_do_queries(
        engine_a: BayesNetEngine) -> None:
    """Σ_{x,w,m} P(x, w) P(m | x, w) Σ_m' K(m' | m) E[NPS | do(m = m'), x, w] − NPS."""
    VariableElimination, _ = quiet_imports()
    model = engine_a.model_
    names = engine_a.state_.states
    K = up(3)
    with quiet_pgmpy():
        ve = VariableElimination(model)
        base = float(ve.query(["nps"], show_progress=False).values @ NPS_W)
        xw = ve.query(["x", "w"], show_progress=False)
        p_xw = np.transpose(xw.values, [xw.variables.index(v) for v in ("x", "w")])
        cpd = model.get_cpds("m")
        p_m = cpd.get_values().reshape(3, *[names[v].size for v in cpd.variables[1:]])
        p_m = np.transpose(p_m, [0, *[1 + cpd.variables[1:].index(v) for v in ("x", "w")]])
        ve_do = VariableElimination(model.do(["m"]))
        cond = np.zeros((3, 5, 3))  # E[NPS | do(m'), x, w]
        for j, s in enumerate(names["m"].names):
            q = ve_do.query(["nps", "x", "w"], evidence={"m": s}, show_progress=False)
            joint = np.transpose(q.values, [q.variables.index(v) for v in ("nps", "x", "w")])
            cond[j] = np.tensordot(NPS_W, joint, axes=1) / p_xw
    shifted = np.einsum("xw,mxw,nm,nxw->", p_xw, p_m, K, cond)
    assert engine_a.result_.effect("m").total == pytest.approx(shifted - base, abs=1e-10)


def test_role_shift_equals_pgmpy_inference_on_the_shifted_tables(
        engine_a: BayesNetEngine) -> None:
    VariableElimination, _ = quiet_imports()
    with quiet_pgmpy():
        from pgmpy.factors.discrete import TabularCPD

        model = engine_a.model_.copy()
        base = float(VariableElimination(model).query(["nps"], show_progress=False).values
                     @ NPS_W)
        for node, K in (("x", up(5, 0.5)), ("m", up(3, 1.0))):
            old = model.get_cpds(node)
            card = int(old.variable_card)
            evidence = old.variables[1:]
            model.remove_cpds(old)
            model.add_cpds(TabularCPD(node, card, K @ old.get_values(),
                                      evidence=evidence or None,
                                      evidence_card=list(old.cardinality[1:]) or None,
                                      state_names=old.state_names))
        after = float(VariableElimination(model).query(["nps"], show_progress=False).values
                      @ NPS_W)
    assert engine_a.result_.role("team").influence == pytest.approx(after - base, abs=1e-10)


# -------------------------------------------------- (d) tables equal pgmpy's fit


@pytest.mark.parametrize("missing", [False, True])
def test_tables_equal_pgmpy_bdeu_estimates_with_the_same_state_names(
        data_a: pd.DataFrame, missing: bool) -> None:
    _, DiscreteBayesianEstimator = quiet_imports()
    frame = data_a.iloc[:5000].copy()
    if missing:  # "not experienced": pgmpy also counts each family's complete rows
        rng = np.random.default_rng(9)
        frame["x"] = frame["x"].astype("float64").mask(rng.random(len(frame)) < 0.3)
        frame["m"] = frame["m"].astype("float64").mask(rng.random(len(frame)) < 0.2)
    eng = BayesNetEngine(ess=7.5, draws=0).fit(MAP_A, load_survey(frame, MAP_A))
    states = {n: list(s.names) for n, s in eng.state_.states.items()}
    with quiet_pgmpy():
        from pgmpy.models import DiscreteBayesianNetwork

        theirs = DiscreteBayesianNetwork([("w", "m"), ("x", "m"), ("x", "nps"), ("m", "nps")])
        theirs.fit(frame.rename(columns={"ltr": "nps"}),
                   estimator=DiscreteBayesianEstimator(prior_type="BDeu",
                                                       equivalent_sample_size=7.5,
                                                       state_names=states))
    ours = eng.model_
    for node in ("w", "x", "m", "nps"):
        a, b = ours.get_cpds(node), theirs.get_cpds(node)
        assert a.state_names == {v: b.state_names[v] for v in a.state_names}
        card = list(b.cardinality)
        vb = b.get_values().reshape(card)
        vb = np.transpose(vb, [b.variables.index(v) for v in a.variables])
        np.testing.assert_allclose(a.get_values().reshape(vb.shape), vb, rtol=0, atol=1e-10)


def test_unseen_states_keep_their_place_and_get_the_prior() -> None:
    frame = simulate_a(2000, seed=3)
    frame = frame[frame["x"] != 2]  # nobody answered 2 on x
    eng = BayesNetEngine(draws=0).fit(MAP_A, load_survey(frame, MAP_A))
    state = eng.state_
    assert state.states["x"].names == (1, 2, 3, 4, 5)
    x_table = state.tables["x"][0]
    assert x_table[1] == pytest.approx((0 + 10 / 5) / (len(frame) + 10), abs=1e-15)
    np.testing.assert_allclose(state.outcome_table[:, 1, :], 1 / 11, rtol=0, atol=1e-15)


# ---------------------------------------------------------- (e) sparse data guard

MAP_E = jm.JourneyMap.from_dict({
    "name": "sparse", "outcome": "nps",
    "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
              *({"id": f"p{i}", "kind": "touchpoint", "scale": [1, 5]} for i in range(4)),
              {"id": "install", "kind": "touchpoint", "label": "Installation",
               "scale": [1, 5]}],
    "edges": [*([f"p{i}", "install"] for i in range(4)), ["install", "nps"]],
})


def test_a_node_with_many_parents_and_few_answers_gets_a_plain_warning() -> None:
    rng = np.random.default_rng(4)
    n = 400
    frame = pd.DataFrame({f"p{i}": rng.integers(1, 6, n) for i in range(4)})
    frame["install"] = np.clip(np.rint(frame.mean(axis=1) + rng.normal(0, 0.7, n)), 1, 5)
    frame["ltr"] = np.clip(np.rint(frame["install"] * 1.5 + 2 + rng.normal(0, 1.5, n)), 0, 10)
    eng = BayesNetEngine(draws=0, bins=None).fit(MAP_E, load_survey(frame, MAP_E))
    combos = frame.groupby([f"p{i}" for i in range(4)]).size()
    never = round(100 * (1 - len(combos) / 625))
    thin = round(100 * (1 - (combos >= 5).sum() / 625))
    text = [w for w in eng.result_.warnings if w.startswith("Installation")]
    assert len(text) == 1
    assert text[0].startswith(f"Installation has 4 parents with 5 states each: {never} % of "
                              "combinations were never observed")
    assert f"{thin} % have fewer than 5 responses" in text[0]
    assert text[0].endswith("merge states (bins) or remove an edge.")
    row = eng.sparsity_.set_index("node").loc["install"]
    assert row["combinations"] == 625
    assert row["never_observed"] == pytest.approx(1 - len(combos) / 625)
    assert row["too_few"] == pytest.approx(1 - (combos >= 5).sum() / 625)
    # the outcome has one parent with 5 states and 400 answers: no warning
    assert not any(w.startswith("nps") for w in eng.result_.warnings)
    assert eng.sparsity_.set_index("node").loc["nps", "too_few"] == 0.0


def test_merging_states_removes_the_warning_and_equals_a_fit_of_merged_data() -> None:
    frame = simulate_a(20_000, seed=8)
    bins = {"x": [2, 4]}  # 1–2, 3–4, 5
    eng = BayesNetEngine(bins=bins).fit(MAP_A, load_survey(frame, MAP_A))
    assert eng.state_.states["x"].names == ("1-2", "3-4", "5")
    merged = frame.assign(x=frame["x"].map({1: 1, 2: 1, 3: 2, 4: 2, 5: 3}))
    spec = MAP_A.to_dict()
    spec["nodes"][3]["scale"] = [1, 3]
    ref = BayesNetEngine().fit(jm.JourneyMap.from_dict(spec), load_survey(merged, MAP_A))
    for node in ("x", "m", "w"):
        a, b = eng.result_.effect(node), ref.result_.effect(node)
        for key in ("total", "direct", "indirect"):
            assert getattr(a, key) == pytest.approx(getattr(b, key), abs=1e-10)
        assert a.total_ci == pytest.approx(b.total_ci, abs=1e-10)


def test_nps_classes_give_the_11_state_effects_when_the_prior_is_negligible(
        data_a: pd.DataFrame) -> None:
    survey = load_survey(data_a, MAP_A)
    eleven = BayesNetEngine(ess=1e-9, draws=0).fit(MAP_A, survey).result_
    classes = BayesNetEngine(ess=1e-9, draws=0, ltr_states="classes").fit(MAP_A, survey).result_
    for node in ("x", "m", "w"):
        for key in ("total", "direct"):
            assert getattr(classes.effect(node), key) == pytest.approx(
                getattr(eleven.effect(node), key), abs=1e-6)
    assert classes.role("team").influence == pytest.approx(
        eleven.role("team").influence, abs=1e-6)


# -------------------------------------- (f) the same schema, analyses and what-if


@pytest.fixture(scope="module")
def example() -> tuple[jm.JourneyMap, pd.DataFrame]:
    return jm.example_map(), jm.example_data(n=3000, seed=7).data


@pytest.fixture(scope="module")
def example_bn(example: tuple[jm.JourneyMap, pd.DataFrame]) -> FitResult:
    m, frame = example
    return jm.fit(m, frame, engine="bayesnet", bins=2)  # every effect estimable


def _keys(obj: Any, path: str = "") -> Iterator[tuple[str, frozenset[str]]]:
    if isinstance(obj, dict):
        yield path, frozenset(obj)
        for k, v in obj.items():
            yield from _keys(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for v in obj:
            yield from _keys(v, f"{path}[]")


def test_the_result_has_the_json_keys_of_the_linear_engine(
        example: tuple[jm.JourneyMap, pd.DataFrame], example_bn: FitResult) -> None:
    m, frame = example
    linear = jm.fit(m, frame).to_dict()
    ours = json.loads(example_bn.to_json())
    assert list(ours) == list(linear)
    assert ours["engine"] == "bayesnet"
    assert linear["engine"] == "linear"
    # The quick map check runs for non-discrete engines only (docs/method.md §10.6).
    assert ours["map_check"] is None
    assert dict(_keys(ours)) == {k: v for k, v in _keys(linear)
                                if not k.startswith(".map_check")}
    assert ours["nps"] == linear["nps"]
    assert [(e["from"], e["to"], e["share"]) for e in ours["edges"]] == \
        [(e["from"], e["to"], e["share"]) for e in linear["edges"]]


def test_effects_and_roles_add_up(example_bn: FitResult) -> None:
    for rec in example_bn.node_effects:
        assert rec.direct + rec.indirect == pytest.approx(rec.total, abs=1e-12)
        assert rec.total_ci[0] <= rec.total <= rec.total_ci[1]
    for rec in example_bn.role_effects:
        assert rec.direct + rec.indirect == pytest.approx(rec.influence, abs=1e-12)
        assert math.fsum(p.effect for p in rec.paths) == pytest.approx(
            rec.influence, abs=1e-9)
        direct = [p for p in rec.paths if len(p.nodes) == 3]
        assert math.fsum(p.effect for p in direct) == pytest.approx(rec.direct,
                                                                       abs=1e-9)
        assert [abs(p.effect) for p in rec.paths] == sorted(
            (abs(p.effect) for p in rec.paths), reverse=True)


def test_drivers_and_role_influence_work_on_the_result(example_bn: FitResult) -> None:
    table = drivers(example_bn)
    assert list(table.node[:1]) == [max(example_bn.node_effects,
                                           key=lambda r: abs(r.nps_points)).node]
    inf = role_influence(example_bn, "installer")
    rec = example_bn.role("installer")
    assert inf.nps_points == rec.nps_points
    assert inf.paths.nps_points.sum() == pytest.approx(rec.nps_points, abs=1e-9)
    assert set(inf.acts_on["node"]) == {"delivery", "installation"}
    assert example_bn.roles.shape[0] == 8


def test_what_if_dispatches_to_the_network_and_agrees_with_the_effects(
        example_bn: FitResult) -> None:
    one = what_if(example_bn, {"delivery": 1})
    rec = example_bn.effect("delivery")
    assert one.change == pytest.approx(rec.total, abs=1e-10)
    assert one.change_ci == pytest.approx(tuple(rec.total_ci), abs=1e-10)
    assert one.predicted_nps == pytest.approx(example_bn.nps.value + one.change, abs=1e-12)
    role = what_if(example_bn, {"installer": 1})
    assert role.change == pytest.approx(example_bn.role("installer").influence, abs=1e-10)
    assert what_if(example_bn, {"delivery": 0}).change == 0.0
    assert what_if(example_bn, {"delivery": -1}).change < 0 < one.change
    assert one.predicted_mean_ltr > one.mean_ltr
    json.dumps(one.to_dict(), allow_nan=False)


def test_what_if_on_ltr_itself_moves_every_answer_one_point(engine_a: BayesNetEngine) -> None:
    result = engine_a.result_
    state = engine_a.state_
    marginal = state.interventional("x").T @ state.tables["x"][0]  # P(ltr) in the model
    shifted = up(11) @ marginal
    w = what_if(result, {"nps": 1})
    assert w.change == pytest.approx(float((shifted - marginal) @ NPS_W), abs=1e-12)
    assert w.predicted_mean_ltr - w.mean_ltr == pytest.approx(
        float((shifted - marginal) @ LTR), abs=1e-12)
    two = what_if(result, {"nps": 2})  # LTR states no longer grouped: all 11 are drawn
    assert two.change == pytest.approx(
        float((up(11) @ up(11) @ marginal - marginal) @ NPS_W), abs=1e-12)
    assert two.change_ci[0] < two.change < two.change_ci[1]


def test_the_cli_fits_with_engine_bayesnet(tmp_path: Path,
                                           example: tuple[jm.JourneyMap, pd.DataFrame]) -> None:
    from journeymap.cli import app

    m, frame = example
    map_path, data_path = tmp_path / "map.yaml", tmp_path / "data.csv"
    m.to_yaml(map_path)
    frame.to_csv(data_path, index=False)
    run = CliRunner().invoke(app, ["fit", str(map_path), str(data_path), "--engine",
                                   "bayesnet", "--json", "--bins", "all"])
    assert run.exit_code == 0, run.output
    out = json.loads(run.stdout)
    assert out["engine"] == "bayesnet"
    assert any("Likelihood to recommend has 5 parents with 5, 5, 5, 5 and 7 states" in w
               for w in out["warnings"])


# ----------------------------- roles acting on roles, on NPS, and a measured role

MAP_F = jm.JourneyMap.from_dict({
    "name": "Field service", "outcome": "nps",
    "nodes": [
        {"id": "nps", "kind": "outcome", "column": "ltr"},
        {"id": "lead", "kind": "role"},
        {"id": "team", "kind": "role"},
        {"id": "helper", "kind": "role"},
        {"id": "manager", "kind": "role", "column": "q_mgr", "scale": [1, 5]},
        {"id": "assembly", "kind": "touchpoint", "items": ["q_a1", "q_a2"], "scale": [1, 5]},
        {"id": "booking", "kind": "touchpoint", "column": "q_book", "scale": [1, 7]},
        {"id": "reliability", "kind": "factor", "column": "q_rel", "scale": [1, 5]},
    ],
    "edges": [{"from": "team", "to": "assembly", "share": 0.6}, ["team", "booking"],
              {"from": "helper", "to": "booking", "share": 0.3},
              {"from": "lead", "to": "team", "share": 0.5}, ["lead", "nps"],
              ["manager", "assembly"], ["assembly", "reliability"], ["assembly", "nps"],
              ["booking", "reliability"], ["reliability", "nps"]],
})


@pytest.fixture(scope="module")
def field() -> BayesNetEngine:
    frame = jm.simulate(MAP_F, 20_000, seed=3, missing={"booking": 0.3}).data
    return BayesNetEngine(bins={"booking": 4}).fit(MAP_F, load_survey(frame, MAP_F))


def test_a_role_chain_and_a_role_on_nps_equal_pgmpy_inference_on_shifted_tables(
        field: BayesNetEngine) -> None:
    VariableElimination, _ = quiet_imports()
    state = field.state_
    seen = state.experienced
    # lead → team (0.5) → assembly (0.6) and booking (1 − helper's 0.3); lead → nps (1)
    moves = {"assembly": 0.5 * 0.6 * seen["assembly"], "booking": 0.5 * 0.7 * seen["booking"],
             "nps": 1.0}
    with quiet_pgmpy():
        from pgmpy.factors.discrete import TabularCPD

        model = field.model_.copy()
        base = VariableElimination(model).query(["nps"], show_progress=False).values @ NPS_W
        for node, p in moves.items():
            old = model.get_cpds(node)
            K = up(int(old.variable_card), p)
            model.remove_cpds(old)
            model.add_cpds(TabularCPD(node, int(old.variable_card), K @ old.get_values(),
                                      evidence=old.variables[1:] or None,
                                      evidence_card=list(old.cardinality[1:]) or None,
                                      state_names=old.state_names))
        after = VariableElimination(model).query(["nps"], show_progress=False).values @ NPS_W
    rec = field.result_.role("lead")
    assert rec.influence == pytest.approx(float(after - base), abs=1e-10)
    assert what_if(field.result_, {"lead": 1}).change == pytest.approx(rec.influence,
                                                                       abs=1e-10)
    routes = {tuple(p.nodes) for p in rec.paths}
    assert ("lead", "nps") in routes
    assert ("lead", "team", "booking", "reliability", "nps") in routes
    assert math.fsum(p.effect for p in rec.paths) == pytest.approx(rec.influence,
                                                                        abs=1e-9)


def test_a_measured_role_is_its_own_total_effect(field: BayesNetEngine) -> None:
    rec, node = field.result_.role("manager"), field.result_.effect("manager")
    assert rec.influence == node.total
    assert rec.influence_ci == node.total_ci
    assert node.direct == 0.0  # no edge manager → nps
    assert {tuple(p.nodes) for p in rec.paths} == {
        ("manager", "assembly", "nps"), ("manager", "assembly", "reliability", "nps")}


def test_without_draws_intervals_are_null_and_the_json_is_valid(data_a: pd.DataFrame) -> None:
    result = jm.fit(MAP_A, data_a.iloc[:3000], engine="bayesnet", draws=0)
    out = json.loads(result.to_json())
    assert all(e["total_ci"] is None for e in out["effects"])
    assert all(r["influence_ci"] is None for r in out["roles"])
    assert all(e["se"] is None for e in out["edges"])
    assert out["effects"][0]["total"] is not None


# ---------------------------------------------------- options and plain errors


@pytest.mark.parametrize(("options", "message"), [
    ({"bootstrap": 100}, "posterior draws"),
    ({"ltr_states": "3"}, "ltr_states must be '11' or 'classes'"),
    ({"ess": 0}, "positive number"),
    ({"draws": 1}, "or from 2 to 2,000"),
    ({"draws": 2001}, "or from 2 to 2,000"),
    ({"ess": float("nan")}, "positive number"),
    ({"bins": "some"}, "bins must be 'auto'"),
    ({"bins": 1}, "at least 2 states per rating"),
    ({"max_thin_share": 1.5}, "share from 0 to 1"),
    ({"bins": {"nps": 3}}, "see ltr_states"),
    ({"bins": {"x": [4, 2]}}, "increasing upper ends"),
    ({"bins": {"x": 9}}, "bins must be between 2 and 5"),
    ({"min_responses": 5}, "may not be set below 10"),
])
def test_bad_options_give_one_clear_error(data_a: pd.DataFrame, options: dict[str, Any],
                                          message: str) -> None:
    with pytest.raises(JourneymapError, match=re.escape(message)):
        jm.fit(MAP_A, data_a.iloc[:500], engine="bayesnet", **options)


def test_a_table_with_too_few_complete_rows_is_an_error(data_a: pd.DataFrame) -> None:
    frame = data_a.iloc[:200].copy()
    frame["m"] = frame["m"].astype("float64")
    frame.loc[frame.index[20:], "m"] = np.nan
    with pytest.raises(DataValidationError, match=r"the table of 'm' \(on w, x\) has only 20"):
        jm.fit(MAP_A, frame, engine="bayesnet")


def test_a_non_integer_scale_cannot_be_read_as_states() -> None:
    spec = MAP_A.to_dict()
    spec["nodes"][2]["scale"] = [0.5, 3.5]
    m = jm.JourneyMap.from_dict(spec)
    with pytest.raises(JourneymapError, match="whole-number ends"):
        jm.fit(m, simulate_a(200, seed=1), engine="bayesnet")


def test_composite_scores_round_to_the_nearest_state_halves_up() -> None:
    from journeymap.engines._discrete import NodeStates

    s = NodeStates.scale("q", (1.0, 5.0))
    codes = s.codes(np.array([1.0, 1.49, 1.5, 2.5, 4.6667, 5.0, np.nan]))
    assert codes.tolist() == [0, 0, 1, 2, 4, 4, -1]


# ------------------------------------------------------------- (g) import cost


def test_importing_journeymap_and_choosing_the_engine_does_not_import_pgmpy() -> None:
    code = ("import sys, journeymap; from journeymap.engines import get_engine; "
            "assert get_engine('bayesnet').name == 'bayesnet'; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pgmpy'))")
    proc = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_the_fitted_state_is_kept_for_what_if(engine_a: BayesNetEngine) -> None:
    model = engine_a.result_.model
    assert model is not None
    assert isinstance(model.state, BayesNetState)
    back = FitResult.from_dict(engine_a.result_.to_dict(), MAP_A)
    with pytest.raises(JourneymapError, match="read back from JSON"):
        what_if(back, {"x": 1})

