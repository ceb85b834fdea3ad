"""Shared fixtures: the bundled B2B kitchen example and small helpers for map files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from journeymap.model import JourneyMap

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="session")
def example_map_path() -> Path:
    """The example map file, examples/kitchen_b2b.yaml."""
    return EXAMPLES_DIR / "kitchen_b2b.yaml"


@pytest.fixture(scope="session")
def example_csv_path() -> Path:
    """The example survey, examples/kitchen_b2b.csv (3000 relational responses)."""
    return EXAMPLES_DIR / "kitchen_b2b.csv"


@pytest.fixture(scope="session")
def example_map(example_map_path: Path) -> JourneyMap:
    return JourneyMap.from_yaml(example_map_path)


@pytest.fixture(scope="session")
def _example_frame(example_csv_path: Path) -> pd.DataFrame:
    return pd.read_csv(example_csv_path)


@pytest.fixture
def example_frame(_example_frame: pd.DataFrame) -> pd.DataFrame:
    """A fresh copy of the example survey as a DataFrame (safe to change)."""
    return _example_frame.copy()


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """Write text (UTF-8) or bytes to ``tmp_path / name`` and return the path."""

    def write(content: str | bytes, name: str = "map.yaml") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write
