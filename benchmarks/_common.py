"""Shared helpers of the benchmark scripts: environment, timing, synthetic journeys."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).parent / "results"


def environment() -> dict[str, Any]:
    import numpy
    import pandas

    try:
        from threadpoolctl import threadpool_info

        blas = [{k: i.get(k) for k in ("internal_api", "version", "num_threads")}
                for i in threadpool_info()]
    except ImportError:
        blas = []
    return {"python": sys.version.split()[0], "platform": platform.platform(),
            "cpus": os.cpu_count(), "numpy": numpy.__version__, "pandas": pandas.__version__,
            "blas": blas, "when": time.strftime("%Y-%m-%d %H:%M:%S")}


def best_of(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, float]:
    """(best, median) wall time in seconds over ``repeat`` runs after one warm-up."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def synthetic_journey(n_nodes: int, seed: int = 0) -> dict[str, Any]:
    """A journey-shaped map: touchpoints in stages → factors → outcome, 2–4 parents each."""
    rng = np.random.default_rng(seed)
    n_tp = int(n_nodes * 0.6)
    n_factor = n_nodes - n_tp - 1
    nodes: list[dict[str, Any]] = [{"id": "nps", "kind": "outcome", "column": "ltr"}]
    ids = []
    for i in range(n_tp):
        nodes.append({"id": f"t{i}", "kind": "touchpoint", "scale": [1, 5],
                      "stage": f"s{i * 5 // n_tp}"})
        ids.append(f"t{i}")
    for i in range(n_factor):
        nodes.append({"id": f"f{i}", "kind": "factor", "scale": [1, 7]})
        ids.append(f"f{i}")
    edges: list[Any] = []
    for i, child in enumerate(ids):
        if i == 0:
            continue
        k = min(i, int(rng.integers(1, 4)))
        for p in rng.choice(i, size=k, replace=False):
            edges.append([ids[int(p)], child])
    # the outcome's parents: the factors and a few touchpoints
    for pid in ids[n_tp:] + [ids[j] for j in rng.choice(n_tp, size=min(3, n_tp), replace=False)]:
        if [pid, "nps"] not in edges:
            edges.append([pid, "nps"])
    for i in range(max(1, n_nodes // 6)):
        nodes.append({"id": f"r{i}", "kind": "role"})
        edges.append([f"r{i}", f"t{i % n_tp}"])
    return {"schema_version": 1, "name": f"synthetic {n_nodes}", "outcome": "nps",
            "nodes": nodes, "edges": edges}


def write(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
