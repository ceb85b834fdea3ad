"""The typed, frozen FitResult: rows, JSON round trip, immutability, the engine-state protocol.

The golden files ``tests/data/result/*_before.json`` were written by ``journeymap fit
examples/kitchen_b2b.yaml examples/kitchen_b2b.csv --json`` (and ``--engine bayesnet``)
and by :func:`~journeymap.analysis.what_if` on the main branch *before* the result became
typed, so these tests pin the JSON bytes and the what-if numbers to what the untyped
records gave; since then the fields ``alphas`` and ``map_check`` were added at the end, and
the two fit goldens were written again when every edge, effect and role gained
``thin_share`` and ``not_estimable`` and the bayesnet engine's default became
``bins="auto"`` (docs/method.md, "9.8 Sparse data"); the what-if golden still holds the
untyped numbers, fitted with every scale point (``bins="all"``). Compared
with classical standard errors and without the fields added for intervals: ``uncertainty``,
``direct_ci``, ``indirect_ci``, a route's ``ci`` and ``nps_points_ci``;
``kitchen_b2b_{engine}.json`` are today's output (HC3 by default; the linear one written again
when the HC3 pass became one masked pass over the data, which moved the last digits: SEs by
1e-16, p-values below 1e-30 by up to 2e-13 relative; and again when ``uncertainty`` gained
``hc3_bound`` and the route intervals became one vectorised evaluation, which moved the
routes' ``nps_points_ci`` by up to 1e-12 relative).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import journeymap as jm
from journeymap.analysis import what_if
from journeymap.cli import app
from journeymap.engines import (
    EdgeEstimate,
    Effect,
    FitResult,
    RoleEffect,
    Route,
    ShiftOutcome,
)
from journeymap.engines import result as result_module
from journeymap.exceptions import JourneymapError
from journeymap.jsonsafe import to_jsonable

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_MAP = ROOT / "examples" / "kitchen_b2b.yaml"
EXAMPLE_DATA = ROOT / "examples" / "kitchen_b2b.csv"
GOLDEN = Path(__file__).resolve().parent / "data" / "result"
ENGINES = ("linear", "bayesnet")
SCENARIOS: dict[str, dict[str, float]] = {
    "delivery": {"delivery": 1.0},
    "logistics": {"logistics": 1.0},
    "mixed": {"ease": -1.0, "installer": 0.5, "quote": 1.0},
}


def golden_text(engine: str) -> str:
    return (GOLDEN / f"kitchen_b2b_{engine}.json").read_text(encoding="utf-8")


def before_text(engine: str) -> str:
    return (GOLDEN / f"kitchen_b2b_{engine}_before.json").read_text(encoding="utf-8")


NEW_FIELDS = {"uncertainty", "direct_ci", "indirect_ci", "ci", "nps_points_ci"}


def same_numbers(a: Any, b: Any, where: str = "result") -> None:
    """Equal structure, strings and counts; numbers to 1e-12 relative (the delta method's
    sums run in another order than before, which moves the last bit or two)."""
    if isinstance(a, dict):
        assert isinstance(b, dict)
        assert list(a) == list(b), where
        for k in a:
            same_numbers(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list)
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_numbers(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-14), (where, a, b)
    else:
        assert a == b, where


def without_new_interval_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON as the untyped records wrote it: the fields added for intervals dropped."""
    out = {k: v for k, v in data.items() if k != "uncertainty"}
    out["effects"] = [{k: v for k, v in e.items() if k not in ("direct_ci", "indirect_ci")}
                      for e in data["effects"]]
    out["roles"] = [{**r, "paths": [{k: v for k, v in p.items()
                                     if k not in ("ci", "nps_points_ci")}
                                    for p in r["paths"]]} for r in data["roles"]]
    return out


@pytest.fixture(scope="module")
def journey() -> jm.JourneyMap:
    return jm.JourneyMap.from_yaml(EXAMPLE_MAP)


@pytest.fixture(scope="module")
def fits(journey: jm.JourneyMap) -> dict[str, FitResult]:
    return {e: jm.fit(journey, EXAMPLE_DATA, engine=e) for e in ENGINES}


@pytest.fixture(scope="module")
def classical_fits(journey: jm.JourneyMap) -> dict[str, FitResult]:
    return {"linear": jm.fit(journey, EXAMPLE_DATA, se="classical"),
            "bayesnet": jm.fit(journey, EXAMPLE_DATA, engine="bayesnet")}


# ------------------------------------------------------------------ the JSON bytes
@pytest.mark.parametrize("engine", ENGINES)
def test_the_cli_json_is_byte_identical_to_the_golden_of_the_untyped_records(
        engine: str) -> None:
    out = CliRunner().invoke(app, ["fit", str(EXAMPLE_MAP), str(EXAMPLE_DATA), "--json",
                                   "--engine", engine])
    assert out.exit_code == 0, out.output
    assert out.stdout == golden_text(engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_classical_errors_give_the_numbers_of_the_classical_engine_apart_from_new_fields(
        engine: str) -> None:
    # kitchen_b2b_*_before.json: the output of main just before HC3 became the default
    args = ["fit", str(EXAMPLE_MAP), str(EXAMPLE_DATA), "--json", "--engine", engine]
    out = CliRunner().invoke(app, args + (["--se", "classical"] if engine == "linear" else []))
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    same_numbers(without_new_interval_fields(data), json.loads(before_text(engine)))
    if engine == "linear":
        assert data["uncertainty"]["interval_method"] == "delta-classical"


@pytest.mark.parametrize("engine", ENGINES)
def test_the_service_stores_the_same_json_as_the_golden(
        engine: str, fits: dict[str, FitResult]) -> None:
    from journeymap_api.results import dumps

    assert dumps(fits[engine].to_dict()) == dumps(json.loads(golden_text(engine)))


@pytest.mark.parametrize("engine", ENGINES)
def test_from_dict_of_to_dict_is_an_equal_result_with_the_same_bytes(
        engine: str, fits: dict[str, FitResult], journey: jm.JourneyMap) -> None:
    result = fits[engine]
    back = FitResult.from_dict(json.loads(result.to_json()), journey)
    assert back == result
    assert back.to_json() == result.to_json()
    assert back.model is None
    assert back.effect_unit == result.effect_unit
    pd.testing.assert_frame_equal(back.edges, result.edges)
    pd.testing.assert_frame_equal(back.effects, result.effects)


# ---------------------------------------------------------------------- the rows
@pytest.mark.parametrize("engine", ENGINES)
def test_every_row_read_from_the_golden_has_its_json_keys_as_typed_fields(engine: str) -> None:
    data = json.loads(golden_text(engine))
    for d in data["edges"]:
        edge = EdgeEstimate.from_dict(d)
        assert (edge.source, edge.target) == (d["from"], d["to"])
        assert edge.ci == (None if d["ci"] is None else tuple(d["ci"]))
        assert edge.to_dict() == d
    for d in data["effects"]:
        effect = Effect.from_dict(d)
        assert (effect.node, effect.total, effect.n) == (d["node"], d["total"], d["n"])
        assert isinstance(effect.n, int)
        assert effect.to_dict() == d
    for d in data["roles"]:
        role = RoleEffect.from_dict(d)
        assert role.influence == d["influence"]
        assert [p.nodes for p in role.paths] == [tuple(p["nodes"]) for p in d["paths"]]
        assert all(isinstance(p, Route) for p in role.paths)
        assert role.to_dict() == d
    fields = {f.name for f in dataclasses.fields(EdgeEstimate)}
    assert fields == set(data["edges"][0]) - {"from", "to"} | {"source", "target"}
    assert {f.name for f in dataclasses.fields(Effect)} == set(data["effects"][0])
    assert {f.name for f in dataclasses.fields(RoleEffect)} == set(data["roles"][0])


def test_a_null_in_the_json_reads_as_nan_or_none_and_writes_back_as_null() -> None:
    d = {"nodes": ["a", "nps"], "effect": 0.0, "ci": None, "nps_points": None,
         "nps_points_ci": None}
    route = Route.from_dict(d)
    assert math.isnan(route.nps_points)
    assert to_jsonable(route.to_dict()) == d
    edge = {"from": "r", "to": "a", "estimate": None, "se": None, "ci": None, "p_value": None,
            "standardized": None, "n": None, "share": 1.0, "expected": None, "agrees": None,
            "thin_share": None, "not_estimable": None}
    assert EdgeEstimate.from_dict(edge).to_dict() == edge


def test_effect_and_role_return_the_typed_rows(fits: dict[str, FitResult]) -> None:
    result = fits["linear"]
    assert result.effect("delivery") is result.node_effects[
        [e.node for e in result.node_effects].index("delivery")]
    assert isinstance(result.role("installer"), RoleEffect)
    assert math.fsum(p.effect for p in result.role("installer").paths) == pytest.approx(
        result.role("installer").influence, rel=1e-12)
    with pytest.raises(JourneymapError, match="not a role"):
        result.role("delivery")


# ------------------------------------------------------------------ immutability
def test_a_fit_result_and_its_rows_cannot_be_changed(fits: dict[str, FitResult]) -> None:
    result = fits["linear"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.n_responses = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.node_effects[0].total = 0.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.role_effects[0].paths[0].effect = 0.0  # type: ignore[misc]
    assert isinstance(result.edge_estimates, tuple)
    assert isinstance(result.warnings, tuple)
    assert not hasattr(result.edge_estimates[0], "__dict__")  # slots: no stray attributes


def test_tables_are_built_once_and_handed_out_as_copies(
        fits: dict[str, FitResult], journey: jm.JourneyMap,
        monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[tuple[str, ...]] = []
    frame = result_module._frame

    def counting(records: Sequence[Mapping[str, Any]], columns: tuple[str, ...]
                 ) -> pd.DataFrame:
        built.append(columns)
        return frame(records, columns)

    monkeypatch.setattr(result_module, "_frame", counting)
    result = FitResult.from_dict(fits["linear"].to_dict(), journey)
    first = result.edges
    first.loc[:, "estimate"] = 99.0  # a caller's change stays in the caller's copy
    second = result.edges
    assert len(built) == 1
    assert (second["estimate"] != 99.0).any()
    pd.testing.assert_frame_equal(second, fits["linear"].edges)


# ------------------------------------------------- what-if through the protocol
@pytest.mark.parametrize("engine", ENGINES)
def test_what_if_through_the_engine_state_protocol_gives_the_numbers_of_the_untyped_result(
        engine: str, classical_fits: dict[str, FitResult]) -> None:
    fits = classical_fits
    golden: dict[str, dict[str, Any]] = json.loads(
        (GOLDEN / "kitchen_b2b_whatif.json").read_text(encoding="utf-8"))
    # The golden was written when the bayesnet engine kept every scale point (bins="all").
    fitted = (fits[engine] if engine == "linear" else
              jm.fit(fits[engine].journey_map, EXAMPLE_DATA, engine=engine, bins="all"))
    for name, shifts in SCENARIOS.items():
        got = what_if(fitted, shifts).to_dict()
        want = golden[f"{engine}/{name}"]
        assert set(got) == set(want)
        for key, value in want.items():
            if key == "warnings":  # sentences: equal word for word
                assert got[key] == value
            elif isinstance(value, list):
                assert list(got[key]) == pytest.approx(value, rel=1e-12, abs=1e-12), key
            elif isinstance(value, dict):
                assert got[key] == value
            else:
                assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key


@pytest.mark.parametrize("engine", ENGINES)
def test_the_engine_state_predicts_a_shift_outcome_and_json_results_ask_for_a_new_fit(
        engine: str, fits: dict[str, FitResult], journey: jm.JourneyMap) -> None:
    model = fits[engine].fitted_model()
    assert model.data is not None
    out = model.state.what_if(journey, model.data, {"delivery": 0.0})
    assert isinstance(out, ShiftOutcome)
    assert out.change == 0.0
    assert out.predicted_mean_ltr == pytest.approx(out.mean_ltr, abs=1e-12)
    back = FitResult.from_dict(fits[engine].to_dict(), journey)
    with pytest.raises(JourneymapError, match="fit the map again"):
        what_if(back, {"delivery": 1.0})


def test_the_effect_unit_is_carried_by_the_result(fits: dict[str, FitResult]) -> None:
    assert fits["linear"].effect_unit == "ltr_points"
    assert fits["bayesnet"].effect_unit == "nps_points"


def test_no_analysis_asks_which_engine_made_a_result() -> None:
    analysis = ROOT / "journeymap" / "analysis"
    asks = (".engine ==", ".engine !=", 'engine == "', 'engine != "')
    offenders = [p.name for p in analysis.glob("*.py")
                 if any(a in p.read_text(encoding="utf-8") for a in asks)]
    assert offenders == []
