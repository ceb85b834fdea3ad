"""Cronbach's alpha of each composite in the fit's result, its JSON, the CLI fit output and
the data check — one library function, checked against numpy by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import journeymap as jm
from journeymap.analysis import check
from journeymap.cli import app

ROOT = Path(__file__).resolve().parents[1]
MAP = ROOT / "examples" / "kitchen_b2b.yaml"
DATA = ROOT / "examples" / "kitchen_b2b.csv"
ITEMS = ["q_del_time", "q_del_complete", "q_del_condition"]


def alpha_by_hand(items: np.ndarray) -> float:
    """k/(k−1) · (1 − Σ var(item) / var(Σ items)) over the rows with every item answered."""
    rows = items[~np.isnan(items).any(axis=1)]
    k = rows.shape[1]
    item_vars = rows.var(axis=0, ddof=1).sum()
    total_var = rows.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - item_vars / total_var))


@pytest.fixture(scope="module")
def expected() -> float:
    frame = pd.read_csv(DATA)
    return alpha_by_hand(frame[ITEMS].to_numpy(dtype=float))


def test_the_fit_result_and_its_json_carry_the_composites_alpha(expected: float) -> None:
    m = jm.JourneyMap.from_yaml(MAP)
    assert 0.8 < expected < 0.95  # the example's delivery items hang together
    result = jm.fit(m, DATA)
    assert dict(result.alphas) == {"delivery": pytest.approx(expected, rel=1e-12)}
    assert result.to_dict()["alphas"] == {"delivery": pytest.approx(expected, rel=1e-12)}
    streamed = jm.fit_stream(m, DATA, chunk_rows=1000)
    assert streamed.alphas["delivery"] == pytest.approx(expected, rel=1e-12)
    bayes = jm.fit(m, DATA, engine="bayesnet", bins=3)
    assert bayes.alphas["delivery"] == pytest.approx(expected, rel=1e-12)
    assert check(m, DATA, suggest=False).alphas["delivery"] == pytest.approx(expected,
                                                                             rel=1e-12)


def test_the_cli_fit_prints_the_alpha_and_its_json_has_it(expected: float) -> None:
    out = CliRunner().invoke(app, ["fit", str(MAP), str(DATA)], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert f"(q_del_time, q_del_complete, q_del_condition): α = {expected:.2f}" in out.stdout
    js = CliRunner().invoke(app, ["fit", str(MAP), str(DATA), "--json"])
    assert json.loads(js.stdout)["alphas"]["delivery"] == pytest.approx(expected, rel=1e-12)


def test_an_alpha_that_cannot_be_computed_is_null_in_the_json_and_said_in_the_cli() -> None:
    from rich.console import Console

    from journeymap.cli._tables import print_alphas

    m = jm.JourneyMap.from_yaml(MAP)
    result = jm.fit(m, DATA)
    back = jm.FitResult.from_dict(result.to_dict() | {"alphas": {"delivery": None}}, m)
    assert math.isnan(back.alphas["delivery"])
    assert back.to_dict()["alphas"] == {"delivery": None}
    console = Console(record=True, width=200)
    print_alphas(console, m, back.alphas)
    assert "α not computable" in console.export_text()
