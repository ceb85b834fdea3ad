"""journeymap.limits: one home for the minimum responses, its floor and the numerical rules."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from journeymap_api.results import engine_options
from journeymap_api.schemas import FitOptions

from journeymap.analysis import (
    nps_trend,
    nps_waterfall,
    relative_weights,
    segment_fits,
    transactional_nps,
)
from journeymap.engines import LinearEngine
from journeymap.engines.bayesnet import BayesNetEngine
from journeymap.engines.streaming import fit_spark
from journeymap.exceptions import JourneymapError
from journeymap.limits import DEFAULT_MIN_RESPONSES, MIN_RESPONSES_FLOOR, check_min_responses
from journeymap.render.card import role_card
from journeymap.render.graph import render, to_dot, write

ROOT = Path(__file__).resolve().parents[1]


def test_the_minimum_is_30_and_its_floor_10() -> None:
    assert (DEFAULT_MIN_RESPONSES, MIN_RESPONSES_FLOOR) == (30, 10)


def test_the_floor_itself_is_allowed_and_one_below_is_refused() -> None:
    check_min_responses(MIN_RESPONSES_FLOOR)
    with pytest.raises(JourneymapError, match=r"is 9; it may not be set below 10: NPS on "):
        check_min_responses(MIN_RESPONSES_FLOOR - 1)


ENTRY_POINTS: list[Callable[..., Any]] = [
    LinearEngine.__init__, BayesNetEngine.__init__, segment_fits, transactional_nps, nps_trend,
    nps_waterfall, relative_weights, to_dot, render, write, role_card, fit_spark]


@pytest.mark.parametrize("func", ENTRY_POINTS, ids=lambda f: f.__qualname__)
def test_every_entry_point_defaults_to_the_one_minimum(func: Callable[..., Any]) -> None:
    assert inspect.signature(func).parameters["min_responses"].default == DEFAULT_MIN_RESPONSES


def test_the_api_fit_options_use_the_same_minimum_and_floor() -> None:
    field = FitOptions.model_fields["min_responses"]
    assert field.default == DEFAULT_MIN_RESPONSES
    assert FitOptions(min_responses=MIN_RESPONSES_FLOOR).min_responses == MIN_RESPONSES_FLOOR
    with pytest.raises(ValueError, match="greater than or equal to 10"):
        FitOptions(min_responses=MIN_RESPONSES_FLOOR - 1)


def test_a_stored_fit_without_options_runs_with_the_one_minimum() -> None:
    assert engine_options({}) == {"min_responses": DEFAULT_MIN_RESPONSES}
    assert engine_options({"min_responses": 12, "bootstrap": 50}) == {
        "min_responses": 12, "bootstrap": 50, "random_state": 0}


def _literal_min_responses_defaults() -> list[str]:
    """Functions of the library or the service whose ``min_responses`` argument defaults to
    a number written out (other than 0, "no minimum") instead of DEFAULT_MIN_RESPONSES,
    and stored options read with ``.get("min_responses", <number>)``."""
    found = []
    for pkg in ("journeymap", "api"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "get" and len(node.args) == 2
                        and all(isinstance(a, ast.Constant) for a in node.args)
                        and node.args[0].value == "min_responses"):  # type: ignore[attr-defined]
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} .get()")
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                args = node.args
                positional = args.posonlyargs + args.args
                pairs = list(zip(positional[len(positional) - len(args.defaults):],
                                 args.defaults, strict=True))
                pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                          if d is not None]
                for arg, default in pairs:
                    if ("min_responses" in arg.arg and isinstance(default, ast.Constant)
                            and default.value != 0):  # 0: no minimum (internal solves)
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    return found


def test_no_function_writes_the_minimum_as_a_literal_number() -> None:
    assert _literal_min_responses_defaults() == []
