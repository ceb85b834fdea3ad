"""Tests of the public surface: curated names, a light and quiet import, runnable
docstring examples and the engine registry."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap

import pytest

import journeymap
from journeymap.exceptions import JourneymapError

# Packages that ``import journeymap`` must not load (the import stays under 0.3 s:
# benchmarks/import_time.py measures it; a test only checks what is imported).
HEAVY = ("pandas", "numpy", "scipy", "networkx", "typer", "rich", "yaml", "fastapi",
         "starlette", "pydantic", "sqlalchemy", "uvicorn", "api", "journeymap_api", "graphviz",
         "pyarrow", "duckdb", "openpyxl", "pyspark", "pgmpy", "statsmodels", "semopy")


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=60, check=False)


def test_all_is_sorted_and_equals_the_lazy_table() -> None:
    assert journeymap.__all__ == sorted(journeymap.__all__)
    assert len(set(journeymap.__all__)) == len(journeymap.__all__)
    assert set(journeymap.__all__) == set(journeymap._LAZY)


@pytest.mark.parametrize("name", journeymap.__all__)
def test_every_public_name_resolves_to_the_object_of_its_module(name: str) -> None:
    module = importlib.import_module(journeymap._LAZY[name])
    assert getattr(journeymap, name) is getattr(module, name)
    assert name in getattr(module, "__all__", ())
    assert name in dir(journeymap)


def test_the_main_names_are_public() -> None:
    for name in ("JourneyMap", "fit", "FitResult", "drivers", "role_influence", "what_if",
                 "nps_score", "example_map", "example_data", "JourneymapError",
                 "UnknownNodeError", "ENGINES"):
        assert name in journeymap.__all__


def test_an_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = journeymap.nope  # type: ignore[attr-defined]
    assert not hasattr(journeymap, "_private_nope")


def test_exceptions_share_one_root() -> None:
    for name in ("MapValidationError", "CycleError", "UnknownNodeError", "DataValidationError",
                 "NotFittedError"):
        assert issubclass(getattr(journeymap, name), journeymap.JourneymapError)


def test_import_loads_no_heavy_dependency() -> None:
    proc = _python("""
        import json, sys
        before = set(sys.modules)
        import journeymap
        new = sorted(set(sys.modules) - before)
        sys.__stdout__.write(json.dumps(new))
    """)
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout)
    assert "journeymap" in loaded  # the check sees what the import loads
    assert [m for m in loaded if m.split(".")[0] in HEAVY] == []


def test_import_prints_nothing_and_warns_nothing() -> None:
    proc = subprocess.run([sys.executable, "-W", "error", "-c", "import journeymap"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert proc.stderr == ""


def test_names_still_load_lazily_in_a_fresh_interpreter() -> None:
    proc = _python("""
        import sys
        import journeymap
        assert "journeymap.model" not in sys.modules
        journeymap.JourneyMap
        assert "journeymap.model" in sys.modules
        assert "journeymap.engines" not in sys.modules
        print(journeymap.fit.__module__)
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "journeymap.fitting"


def test_engines_registry_holds_the_linear_engine() -> None:
    from journeymap.engines import LinearEngine, get_engine

    assert "linear" in journeymap.ENGINES
    assert journeymap.ENGINES["linear"] is LinearEngine
    assert get_engine("linear") is LinearEngine
    assert LinearEngine.name == "linear"


def test_an_unknown_engine_lists_the_available_ones() -> None:
    from journeymap.engines import get_engine

    with pytest.raises(JourneymapError, match="unknown engine 'nope'") as info:
        get_engine("nope")
    assert "available: " in str(info.value)
    for name in journeymap.ENGINES:
        assert name in str(info.value)


def test_fit_refuses_an_engine_given_as_a_dotted_import_string() -> None:
    with pytest.raises(JourneymapError, match="linear"):
        journeymap.fit(journeymap.example_map(), journeymap.example_data(n=50).data,
                       engine="journeymap.engines.linear.LinearEngine")


def test_a_map_and_data_given_in_the_wrong_order_get_one_clear_error() -> None:
    journey = journeymap.example_map()
    frame = journeymap.example_data(n=200, seed=1).data
    with pytest.raises(JourneymapError, match=r"wrong order; the order is "
                                                 r"load_survey\(data, journey_map\)"):
        journeymap.load_survey(journey, frame)  # type: ignore[arg-type]
    with pytest.raises(JourneymapError, match=r"wrong order; the order is "
                                                 r"fit\(journey_map, data\)"):
        journeymap.fit(frame, journey)  # type: ignore[arg-type]
    with pytest.raises(JourneymapError, match=r"must be a JourneyMap .* not str"):
        journeymap.fit("map.yaml", frame)  # type: ignore[arg-type]
    # the right order still works: NPS as counted by hand from the recommend column
    ltr = frame[journey.outcome_node.column].dropna()
    by_hand = 100 * ((ltr >= 9).mean() - (ltr <= 6).mean())
    assert journeymap.fit(journey, frame).nps.value == pytest.approx(by_hand, abs=1e-9)
