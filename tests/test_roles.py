"""Tests of role influence, role paths, role NPS points and the role explanation.

Everything is checked against an independent computation written here with numpy,
pandas and networkx: per-equation least squares on complete rows, every path from a
role to NPS (share × product of coefficients), and per-respondent NPS points by the
interval-crossing rule of docs/method.md, "NPS points".
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from reference import nps_points

import journeymap as jm
from journeymap.analysis import explain_role, role_influence, what_if
from journeymap.analysis.roles import NOT_FOR_PAY
from journeymap.datasets import simulate
from journeymap.exceptions import JourneymapError, UnknownNodeError
from journeymap.formatting import signed

# A field-service journey.  "team" (unmeasured) acts on two touchpoints: assembly with
# an explicit share of 0.6, booking with an implicit share (1 − helper's 0.3 = 0.7).
# "lead" (unmeasured) acts on the team and directly on the outcome.  "manager" is a
# measured role.  reliability mediates assembly and booking.
MAP: dict[str, Any] = {
    "name": "Field service",
    "outcome": "nps",
    "nodes": [
        {"id": "nps", "kind": "outcome", "label": "Recommend", "column": "ltr"},
        {"id": "lead", "kind": "role", "label": "Teamledare"},
        {"id": "team", "kind": "role", "label": "Fältteam"},
        {"id": "helper", "kind": "role", "label": "Helpdesk"},
        {"id": "manager", "kind": "role", "label": "Manager", "column": "q_mgr",
         "scale": [1, 5]},
        {"id": "assembly", "kind": "touchpoint", "label": "Montering",
         "items": ["q_a1", "q_a2"], "scale": [1, 5]},
        {"id": "booking", "kind": "touchpoint", "label": "Booking", "column": "q_book",
         "scale": [1, 7]},
        {"id": "reliability", "kind": "factor", "label": "Reliability", "column": "q_rel",
         "scale": [1, 5]},
    ],
    "edges": [
        {"from": "team", "to": "assembly", "share": 0.6},
        ["team", "booking"],
        {"from": "helper", "to": "booking", "share": 0.3},
        {"from": "lead", "to": "team", "share": 0.5},
        ["lead", "nps"],
        ["manager", "assembly"],
        ["assembly", "reliability"],
        ["assembly", "nps"],
        ["booking", "reliability"],
        ["reliability", "nps"],
    ],
}

# Written out by hand from the map above (the share rules of docs/method.md, "Role
# influence and paths").
SHARES = {("team", "assembly"): 0.6, ("team", "booking"): 0.7, ("helper", "booking"): 0.3,
          ("lead", "team"): 0.5, ("lead", "nps"): 1.0}
EQUATIONS = {"assembly": ["manager"], "reliability": ["assembly", "booking"],
             "nps": ["assembly", "reliability"]}
HIGH = {"manager": 5.0, "assembly": 5.0, "booking": 7.0, "reliability": 5.0, "nps": 10.0}
MEASURED = set(HIGH)
UNMEASURED_ROLES = ("lead", "team", "helper")
ROLES = ("lead", "team", "helper", "manager")
PLANTED = {"manager->assembly": 0.4, "assembly->reliability": 0.5,
           "booking->reliability": -0.25, "assembly->nps": 0.8, "reliability->nps": 0.6}


class Truth:
    """Independent computation of coefficients, paths, influence and NPS points."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.values = {
            "nps": frame["ltr"].astype("float64").to_numpy(),
            "manager": frame["q_mgr"].astype("float64").to_numpy(),
            "booking": frame["q_book"].astype("float64").to_numpy(),
            "reliability": frame["q_rel"].astype("float64").to_numpy(),
            "assembly": _composite(frame, ["q_a1", "q_a2"]),
        }
        self.ltr = self.values["nps"]
        self.coef: dict[tuple[str, str], float] = {}
        for child, parents in EQUATIONS.items():
            cols = [self.values[p] for p in parents]
            y = self.values[child]
            rows = ~np.isnan(y) & np.all([~np.isnan(c) for c in cols], axis=0)
            X = np.column_stack([np.ones(rows.sum())] + [c[rows] for c in cols])
            beta = np.linalg.lstsq(X, y[rows], rcond=None)[0]
            for p, b in zip(parents, beta[1:], strict=True):
                self.coef[(p, child)] = float(b)
        self.graph = nx.DiGraph()
        for (a, b), v in {**self.coef, **SHARES}.items():
            self.graph.add_edge(a, b, weight=v)

    def paths(self, role: str) -> dict[tuple[str, ...], float]:
        """Every path from ``role`` to nps with share × product of coefficients."""
        out = {}
        for p in nx.all_simple_paths(self.graph, role, "nps"):
            out[tuple(p)] = math.prod(self.graph[a][b]["weight"] for a, b in pairwise(p))
        return out

    def total(self, node: str) -> float:
        return 1.0 if node == "nps" else sum(self.paths(node).values())

    def direct(self, role: str) -> float:
        """Sum over paths whose first measured node is nps or leads straight to it."""
        out = 0.0
        for p, eff in self.paths(role).items():
            first = next(i for i, n in enumerate(p) if n in MEASURED)
            if first >= len(p) - 2:
                out += eff
        return out

    def headroom(self, node: str) -> np.ndarray:
        h = np.minimum(1.0, HIGH[node] - self.values[node])
        return np.where(np.isnan(h), 0.0, h)

    def shift(self, role: str) -> np.ndarray:
        """Per-respondent LTR shift when the role does one point better (docs/method.md,
        "NPS points")."""
        if role in MEASURED:
            return self.total(role) * self.headroom(role)
        s = np.zeros_like(self.ltr)
        for (src, dst), share in SHARES.items():
            if src != role:
                continue
            if dst in MEASURED:
                s = s + share * self.total(dst) * self.headroom(dst)
            else:  # another unmeasured role: its influence, full headroom
                s = s + share * self.total(dst)
        return s

    def nps_points(self, role: str) -> float:
        return nps_points(self.ltr, self.shift(role))


def _composite(frame: pd.DataFrame, items: list[str]) -> np.ndarray:
    x = frame[items].astype("float64")
    answered = x.notna().sum(axis=1)
    return x.mean(axis=1).where(2 * answered >= len(items)).to_numpy(dtype="float64")




@pytest.fixture(scope="module")
def journey() -> jm.JourneyMap:
    return jm.JourneyMap.from_dict(MAP)


@pytest.fixture(scope="module")
def frame(journey: jm.JourneyMap) -> pd.DataFrame:
    sim = simulate(journey, 2000, seed=7, coefficients=PLANTED,
                   missing={"booking": 0.3, "assembly": 0.1})
    df = sim.data.copy()
    # One of the two assembly items left blank for some respondents: the composite is
    # then the other item (at least half answered), giving half-point headroom.
    rng = np.random.default_rng(17)
    df.loc[rng.random(len(df)) < 0.15, "q_a2"] = pd.NA
    return df


@pytest.fixture(scope="module")
def result(journey: jm.JourneyMap, frame: pd.DataFrame) -> jm.FitResult:
    return jm.fit(journey, frame)


@pytest.fixture(scope="module")
def truth(frame: pd.DataFrame) -> Truth:
    return Truth(frame)


def test_the_hand_made_map_has_the_intended_shares(journey: jm.JourneyMap) -> None:
    assert journey.role_shares("team") == pytest.approx({"assembly": 0.6, "booking": 0.7})
    assert journey.role_shares("lead") == pytest.approx({"team": 0.5, "nps": 1.0})
    assert journey.role_shares("helper") == pytest.approx({"booking": 0.3})


def test_data_have_partial_composites_and_unexperienced_nodes(truth: Truth) -> None:
    a = truth.values["assembly"]
    assert np.isnan(a).mean() == pytest.approx(0.1, abs=0.03)
    assert np.isnan(truth.values["booking"]).mean() == pytest.approx(0.3, abs=0.03)
    assert ((a % 1) == 0.5).any()  # half-point headroom occurs


def test_edge_estimates_equal_least_squares_on_complete_rows(result: jm.FitResult,
                                                            truth: Truth) -> None:
    est = {(r.source, r.target): r.estimate for r in result.edge_estimates
           if r.estimate is not None}
    assert set(est) == set(truth.coef)
    for edge, b in truth.coef.items():
        assert est[edge] == pytest.approx(b, rel=1e-8)
    # the planted signs come back
    assert est[("booking", "reliability")] < 0 < est[("assembly", "reliability")]


@pytest.mark.parametrize("role", ROLES)
def test_role_paths_are_every_route_with_share_times_product_of_coefficients(
        result: jm.FitResult, truth: Truth, role: str) -> None:
    inf = role_influence(result, role)
    expected = truth.paths(role)
    got = {tuple(nodes): eff for nodes, eff in zip(inf.paths["nodes"], inf.paths["effect"],
                                                   strict=True)}
    assert set(got) == set(expected)
    for p, eff in expected.items():
        assert got[p] == pytest.approx(eff, abs=1e-10)
    effects = inf.paths["effect"].to_numpy()
    assert (np.diff(np.abs(effects)) <= 0).all()
    routes = [" → ".join(jm.JourneyMap.from_dict(MAP).node(n).display for n in p)
              for p in inf.paths["nodes"]]
    assert list(inf.paths["route"]) == routes


@pytest.mark.parametrize("role", ROLES)
def test_role_influence_is_the_sum_of_its_paths_split_into_direct_and_indirect(
        result: jm.FitResult, truth: Truth, role: str) -> None:
    inf = role_influence(result, role)
    influence = sum(truth.paths(role).values())
    direct = truth.direct(role)
    assert inf.influence == pytest.approx(influence, abs=1e-10)
    assert inf.direct == pytest.approx(direct, abs=1e-10)
    assert inf.indirect == pytest.approx(influence - direct, abs=1e-10)
    assert inf.paths["effect"].sum() == pytest.approx(influence, abs=1e-10)
    rec = result.role(role)
    assert rec.influence == pytest.approx(influence, abs=1e-10)
    assert rec.direct == pytest.approx(direct, abs=1e-10)
    assert rec.indirect == pytest.approx(influence - direct, abs=1e-10)
    assert [p.effect for p in rec.paths] == list(inf.paths.effect)
    lo, hi = rec.influence_ci
    assert lo < influence < hi


def test_lead_counts_its_edge_to_the_outcome_and_via_assembly_as_direct(
        result: jm.FitResult, truth: Truth) -> None:
    inf = role_influence(result, "lead")
    flags = {tuple(n): d for n, d in zip(inf.paths["nodes"], inf.paths["direct"], strict=True)}
    assert flags == {("lead", "nps"): True, ("lead", "team", "assembly", "nps"): True,
                     ("lead", "team", "assembly", "reliability", "nps"): False,
                     ("lead", "team", "booking", "reliability", "nps"): False}
    expected = 1.0 + 0.5 * 0.6 * truth.coef[("assembly", "nps")]
    assert inf.direct == pytest.approx(expected, abs=1e-10)


def test_roles_table_lists_every_role_in_map_order(result: jm.FitResult,
                                                   truth: Truth) -> None:
    table = result.roles
    assert list(table["role"]) == list(ROLES)
    for row in table.itertuples():
        assert row.influence == pytest.approx(sum(truth.paths(str(row.role)).values()),
                                              abs=1e-10)


@pytest.mark.parametrize("role", ROLES)
def test_role_nps_points_equal_per_respondent_interval_crossing(
        result: jm.FitResult, truth: Truth, role: str) -> None:
    inf = role_influence(result, role)
    expected = truth.nps_points(role)
    assert inf.nps_points == pytest.approx(expected, abs=1e-9)
    assert result.role(role).nps_points == pytest.approx(expected, abs=1e-9)
    assert inf.paths["nps_points"].sum() == pytest.approx(expected, abs=1e-9)
    lo, hi = inf.nps_points_ci
    assert lo <= expected <= hi


def test_a_role_acting_on_the_outcome_uses_ltr_headroom(result: jm.FitResult,
                                                        truth: Truth) -> None:
    # lead: 1.0 · min(1, 10 − LTR) + 0.5 · influence(team) for everyone
    shift = (np.minimum(1.0, 10.0 - truth.ltr)
             + 0.5 * sum(truth.paths("team").values()))
    assert role_influence(result, "lead").nps_points == pytest.approx(
        nps_points(truth.ltr, shift), abs=1e-9)
    assert (truth.ltr == 10).any()  # some respondents are at the top and gain only the team part


@pytest.mark.parametrize("role", ROLES)
def test_each_path_gets_its_ltr_points_times_each_respondents_average_slope(
        result: jm.FitResult, truth: Truth, role: str) -> None:
    """docs/method.md §5: respondent i's NPS gain f_i is shared among the paths in
    proportion to their LTR contributions a_ir = effect_r · h_i(first node of r)."""
    shift = truth.shift(role)
    k = truth.ltr
    gain = ((np.clip(k + shift - 8, 0, 1) - np.clip(k - 8, 0, 1))
            - (np.clip(7 - k - shift, 0, 1) - np.clip(7 - k, 0, 1)))
    ratio = np.divide(gain, shift, out=np.zeros_like(shift), where=shift != 0)
    inf = role_influence(result, role)
    for row in inf.paths.to_dict(orient="records"):
        nodes = row["nodes"]
        first = nodes[0] if role in MEASURED else nodes[1]
        room = truth.headroom(first) if first in MEASURED else np.ones_like(k)
        expected = 100 * float(np.mean(ratio * row["effect"] * room))
        assert row["nps_points"] == pytest.approx(expected, abs=1e-9), nodes
    assert math.fsum(inf.paths["nps_points"]) == pytest.approx(inf.nps_points, abs=1e-9)


def test_measured_role_influence_is_its_own_total_effect(result: jm.FitResult,
                                                         truth: Truth) -> None:
    inf = role_influence(result, "manager")
    expected = truth.coef[("manager", "assembly")] * truth.total("assembly")
    assert inf.influence == pytest.approx(expected, abs=1e-10)
    assert inf.influence == pytest.approx(result.effect("manager").total, abs=1e-12)
    assert inf.nps_points == pytest.approx(result.effect("manager").nps_points, abs=1e-12)
    assert inf.direct == 0.0
    assert inf.indirect == pytest.approx(expected, abs=1e-10)


def test_acts_on_lists_shares_and_totals_of_the_acted_on_nodes(result: jm.FitResult,
                                                                truth: Truth) -> None:
    team = role_influence(result, "team").acts_on.set_index("node")
    assert team.loc["assembly", "share"] == pytest.approx(0.6)
    assert team.loc["booking", "share"] == pytest.approx(0.7)
    assert team.loc["assembly", "total"] == pytest.approx(truth.total("assembly"), abs=1e-10)
    assert team.loc["booking", "total"] == pytest.approx(truth.total("booking"), abs=1e-10)
    lead = role_influence(result, "lead").acts_on.set_index("node")
    assert list(lead.index) == ["team", "nps"]
    assert lead.loc["team", "share"] == pytest.approx(0.5)
    assert lead.loc["team", "total"] == pytest.approx(truth.total("team"), abs=1e-10)
    assert lead.loc["nps", "total"] == 1.0
    # the influence is Σ share · total over what the role acts on
    assert float((lead["share"] * lead["total"]).sum()) == pytest.approx(
        role_influence(result, "lead").influence, abs=1e-10)


@pytest.mark.parametrize("role", ["lead", "team", "helper"])
def test_explain_role_names_the_role_nps_points_and_the_not_for_pay_rule(
        result: jm.FitResult, truth: Truth, role: str) -> None:
    text = explain_role(result, role)
    label = jm.JourneyMap.from_dict(MAP).node(role).label
    points = truth.nps_points(role)
    number = f"{points:+.1f}".replace("-", "\u2212")
    assert label in text
    assert "NPS" in text
    assert f"NPS would go from {signed(result.nps.value)} to " in text
    assert f"): {number} NPS points (95 %: " in text
    assert "pay" in NOT_FOR_PAY
    assert NOT_FOR_PAY in text
    assert text.splitlines()[-1] == NOT_FOR_PAY


def test_explain_role_writes_a_negative_influence_with_a_minus_sign(
        result: jm.FitResult, truth: Truth) -> None:
    points = truth.nps_points("helper")
    assert points < -0.1  # booking lowers reliability in this simulation
    text = explain_role(result, "helper")
    assert f"\u2212{abs(points):.1f} NPS points" in text
    assert "All of it is indirect" in text


def test_unknown_role_raises_unknown_node_error(result: jm.FitResult) -> None:
    with pytest.raises(UnknownNodeError, match="leed"):
        role_influence(result, "leed")
    with pytest.raises(UnknownNodeError):
        explain_role(result, "nobody")


def test_a_touchpoint_given_as_role_raises_a_not_a_role_error(result: jm.FitResult) -> None:
    with pytest.raises(JourneymapError, match="not a role") as info:
        role_influence(result, "assembly")
    assert not isinstance(info.value, UnknownNodeError)
    assert "lead" in str(info.value)  # lists the roles that exist


def test_a_role_that_acts_on_nothing_has_zero_influence_and_is_still_explained() -> None:
    m = jm.JourneyMap.from_dict({
        "outcome": "nps",
        "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
                  {"id": "idle", "kind": "role", "label": "Idle team"},
                  {"id": "web", "kind": "touchpoint", "column": "q_web", "scale": [1, 5]}],
        "edges": [["web", "nps"]],
    })
    result = jm.fit(m, simulate(m, 200, seed=3).data)
    assert any("'idle' has no path" in w for w in result.warnings)
    inf = role_influence(result, "idle")
    assert inf.influence == 0.0
    assert inf.nps_points == 0.0
    assert inf.paths.empty
    assert inf.acts_on.empty
    text = explain_role(result, "idle")
    assert "Idle team" in text
    assert "NPS" in text
    assert text.splitlines()[-1] == NOT_FOR_PAY


def test_what_if_on_a_role_acting_on_a_role_gives_that_role_its_influence_for_everyone(
        result: jm.FitResult, truth: Truth) -> None:
    def moved(node: str, d: float, low: float) -> np.ndarray:
        x = truth.values[node]
        return np.where(np.isnan(x), 0.0, np.clip(d, low - x, HIGH[node] - x))

    # lead +1: nps by 1 (clipped at 10); the team it acts on (share 0.5) counts with its own
    # influence and full headroom (docs/method.md §6): 0.5 · T_team for everyone
    shift = moved("nps", 1.0, 0.0) + 0.5 * truth.total("team")
    w = what_if(result, {"lead": 1})
    assert w.change == pytest.approx(nps_points(truth.ltr, shift), abs=1e-9)
    assert w.predicted_mean_ltr == pytest.approx(float(np.clip(truth.ltr + shift, 0, 10).mean()),
                                                 abs=1e-12)
