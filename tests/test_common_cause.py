"""An unmeasured role acting on both ends of a path: the fit, check and validate warn that
the estimate includes the role's common-cause part (docs/method.md §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import journeymap as jm
from journeymap._common_cause import confounded_edges, role_common_cause_warnings
from journeymap.analysis import check
from journeymap.cli import app
from journeymap.model import JourneyMap

WIDE = [-20, 20]


def role_map(edges: list[Any], *, role_column: str | None = None,
             nodes: tuple[str, ...] = ("a", "b")) -> JourneyMap:
    role: dict[str, Any] = {"id": "rep", "kind": "role"}
    if role_column:
        role |= {"column": role_column, "scale": WIDE}
    return JourneyMap.from_dict({
        "outcome": "nps",
        "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"}, role,
                  *({"id": n, "kind": "touchpoint", "scale": WIDE} for n in nodes)],
        "edges": edges})


def test_a_role_on_both_ends_of_an_edge_is_named_with_that_edge() -> None:
    m = role_map([["rep", "a"], ["rep", "b"], ["a", "b"], ["b", "nps"]])
    assert confounded_edges(m) == {"rep": [("a", "b", "a", "b")]}
    (text,) = role_common_cause_warnings(m)
    assert "role 'rep' acts on both 'a' and 'b', which an edge joins" in text
    assert "the estimate of a → b includes the role's common-cause part" in text
    assert text in m.warnings


def test_a_role_on_two_nodes_joined_by_a_path_names_the_last_edge_of_the_path() -> None:
    m = role_map([["rep", "a"], ["rep", "c"], ["a", "b"], ["b", "c"], ["c", "nps"]],
                 nodes=("a", "b", "c"))
    assert confounded_edges(m) == {"rep": [("a", "c", "b", "c")]}
    assert "which the map joins by a path" in role_common_cause_warnings(m)[0]


def test_an_edge_whose_back_door_another_parent_blocks_is_not_named() -> None:
    # rep → a, rep → c, a → b → c and a → c: conditioning on a blocks b ← a ← rep → c,
    # so only a → c (both ends acted on) carries the role's part.
    m = role_map([["rep", "a"], ["rep", "c"], ["a", "b"], ["b", "c"], ["a", "c"],
                  ["c", "nps"]], nodes=("a", "b", "c"))
    assert confounded_edges(m) == {"rep": [("a", "c", "a", "c")]}


def test_a_measured_role_and_roles_on_unconnected_nodes_give_no_warning() -> None:
    measured = role_map([["rep", "a"], ["rep", "b"], ["a", "b"], ["b", "nps"]],
                        role_column="q_rep")
    apart = role_map([["rep", "a"], ["rep", "b"], ["a", "nps"], ["b", "nps"]])
    assert role_common_cause_warnings(measured) == []
    assert role_common_cause_warnings(apart) == []
    assert role_common_cause_warnings(jm.example_map()) == []


def latent_role_data(n: int = 20_000, seed: int = 4) -> pd.DataFrame:
    """R ~ N(0, 1) unmeasured; a = R + e; b = 0.5·a + R + e; LTR from b."""
    rng = np.random.default_rng(seed)
    r = rng.normal(size=n)
    a = r + rng.normal(size=n)
    b = 0.5 * a + r + rng.normal(size=n)
    ltr = np.clip(np.rint(6 + 0.8 * b + rng.normal(size=n)), 0, 10).astype(int)
    return pd.DataFrame({"a": a, "b": b, "ltr": ltr})


def test_the_fit_and_check_warn_and_the_estimate_does_include_the_roles_part() -> None:
    m = role_map([["rep", "a"], ["rep", "b"], ["a", "b"], ["b", "nps"]])
    data = latent_role_data()
    result = jm.fit(m, data)
    (text,) = role_common_cause_warnings(m)
    assert text in result.warnings
    assert text in result.to_dict()["warnings"]
    # OLS of b on a: 0.5 + cov(R, a) / var(a) = 0.5 + 1/2 = 1.0, not the edge's own 0.5
    estimate = result.edges.set_index(["from", "to"]).loc[("a", "b"), "estimate"]
    assert estimate == pytest.approx(1.0, abs=0.03)
    assert text in check(m, data, suggest=False).warnings


def test_validate_prints_the_common_cause_warning(tmp_path: Path) -> None:
    m = role_map([["rep", "a"], ["rep", "b"], ["a", "b"], ["b", "nps"]])
    path = tmp_path / "m.yaml"
    m.to_yaml(path)
    out = CliRunner().invoke(app, ["validate", str(path)], terminal_width=300)
    assert out.exit_code == 0, out.stderr
    assert "role 'rep' acts on both 'a' and 'b'" in out.stdout + out.stderr
