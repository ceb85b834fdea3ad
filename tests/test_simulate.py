"""Tests of the simulator: the planted truth is recoverable and the data follow
docs/method.md, "Data rules"."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from journeymap.datasets import (
    EXAMPLE_MISSING,
    Simulation,
    example_data,
    example_map,
    simulate,
)
from journeymap.model import JourneyMap

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DATA = Path(__file__).resolve().parents[1] / "journeymap" / "datasets" / "data"


@pytest.fixture(scope="module")
def kitchen() -> JourneyMap:
    return example_map()


def _values(sim: Simulation, m: JourneyMap, node_id: str) -> np.ndarray:
    """The node's value per row (the item mean for a composite), as floats with NaN."""
    cols = sim.data[list(m.node_index[node_id].columns)].astype("float64")
    return cols.mean(axis=1, skipna=False).to_numpy()


def test_ols_on_continuous_data_recovers_every_planted_coefficient(kitchen: JourneyMap) -> None:
    sim = simulate(kitchen, 200_000, seed=11, discrete=False)
    coefs = sim.truth["coefficients"]
    checked = 0
    for node in kitchen.measured_nodes:
        parents = [p for p in kitchen.parents(node.id) if kitchen.node_index[p].measured]
        if not parents:
            continue
        X = np.column_stack([np.ones(len(sim.data))] + [_values(sim, kitchen, p) for p in parents])
        beta = np.linalg.lstsq(X, _values(sim, kitchen, node.id), rcond=None)[0]
        for p, b in zip(parents, beta[1:], strict=True):
            assert b == pytest.approx(coefs[f"{p}->{node.id}"], abs=0.02)
            checked += 1
    assert checked == len(coefs) == 13


def test_discrete_ratings_are_whole_points_inside_their_scales(kitchen: JourneyMap) -> None:
    data = simulate(kitchen, 5000, seed=3, missing=EXAMPLE_MISSING).data
    assert data["ltr"].dtype == np.int64
    assert data["ltr"].between(0, 10).all()
    for node in kitchen.measured_nodes:
        assert node.scale is not None
        for c in node.columns:
            x = data[c].dropna().astype("float64")
            assert (x == np.round(x)).all()
            assert x.between(*node.scale).all()
            assert str(data[c].dtype) in ("int64", "Int64")


def test_missing_rates_match_the_requested_probabilities_and_blanks_are_nan(
        kitchen: JourneyMap) -> None:
    missing = {"installation": 0.35, "support": 0.55, "delivery": 0.2}
    for discrete in (True, False):
        data = simulate(kitchen, 20_000, seed=5, missing=missing, discrete=discrete).data
        for node in kitchen.measured_nodes:
            blank = data[list(node.columns)].isna()
            assert (blank.all(axis=1) == blank.any(axis=1)).all()  # a node is blank as a whole
            assert blank.iloc[:, 0].mean() == pytest.approx(missing.get(node.id, 0.0), abs=0.02)
            for c in node.columns:
                if node.id != kitchen.outcome:  # 0 is below every 1–5 / 1–7 scale
                    assert not (data[c].fillna(-1) == 0).any()
                if not discrete:
                    assert np.isnan(data[c].to_numpy()[blank[c].to_numpy()]).all()


def test_total_effects_equal_the_sum_over_enumerated_paths(kitchen: JourneyMap) -> None:
    truth = simulate(kitchen, 10, seed=8).truth
    g = nx.DiGraph()
    measured = [n.id for n in kitchen.measured_nodes]
    g.add_nodes_from(measured)
    for key, b in truth["coefficients"].items():
        src, dst = key.split("->")
        g.add_edge(src, dst, b=b)
    assert truth["total_effects"]["nps"] == 1.0
    for node in measured:
        if node == kitchen.outcome:
            continue
        paths = nx.all_simple_paths(g, node, kitchen.outcome)
        by_paths = sum(float(np.prod([g.edges[u, v]["b"] for u, v in pairwise(p)]))
                       for p in paths)
        assert truth["total_effects"][node] == pytest.approx(by_paths, abs=1e-12)


def test_role_influence_is_shares_times_total_effects(kitchen: JourneyMap) -> None:
    truth = simulate(kitchen, 10, seed=8).truth
    assert kitchen.role_shares("installer") == {"delivery": 0.2, "installation": 1.0}
    total = truth["total_effects"]
    hand = 0.2 * total["delivery"] + 1.0 * total["installation"]
    assert truth["role_influence"]["installer"] == pytest.approx(hand, abs=1e-12)
    assert set(truth["role_influence"]) == {r.id for r in kitchen.roles}


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not(
        kitchen: JourneyMap) -> None:
    a = simulate(kitchen, 500, seed=1, missing=EXAMPLE_MISSING)
    b = simulate(kitchen, 500, seed=1, missing=EXAMPLE_MISSING)
    c = simulate(kitchen, 500, seed=2, missing=EXAMPLE_MISSING)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert a.truth == b.truth
    assert not a.data.equals(c.data)
    assert a.truth["coefficients"] != c.truth["coefficients"]


def test_given_coefficients_are_planted_and_unknown_ids_are_refused(kitchen: JourneyMap) -> None:
    sim = simulate(kitchen, 10, seed=1, coefficients={"ease->nps": -0.5})
    assert sim.truth["coefficients"]["ease->nps"] == -0.5
    with pytest.raises(ValueError, match="sales_rep"):
        simulate(kitchen, 10, seed=1, missing={"sales_rep": 0.1})
    with pytest.raises(ValueError, match="outcome"):
        simulate(kitchen, 10, seed=1, missing={"nps": 0.1})
    with pytest.raises(ValueError, match="edge"):
        simulate(kitchen, 10, seed=1, coefficients={"nps->ease": 1.0})


def test_the_example_csv_in_the_repository_equals_regenerated_example_data() -> None:
    expected = example_data().data
    for path in (EXAMPLES / "kitchen_b2b.csv", DATA / "kitchen_b2b.csv"):
        stored = pd.read_csv(path, dtype={c: str(t) for c, t in expected.dtypes.items()})
        pd.testing.assert_frame_equal(stored, expected)
    assert (EXAMPLES / "kitchen_b2b.yaml").read_bytes() == (DATA / "kitchen_b2b.yaml").read_bytes()
    assert JourneyMap.from_yaml(EXAMPLES / "kitchen_b2b.yaml") == example_map()
    ltr = expected["ltr"]
    assert 15 <= 100 * ((ltr >= 9).mean() - (ltr <= 6).mean()) <= 35
