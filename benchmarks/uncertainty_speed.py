"""Cost of robust errors and of the bootstrap against the numpy limit and one fit.

Usage: python benchmarks/uncertainty_speed.py [--rows 1000000] [--nodes 30] [--repeat 3]
       [--bootstrap 1000]

On ``synthetic_journey(nodes)`` × ``rows`` simulated responses (checked SurveyData, in
memory) times: the numpy limit (``X.T @ X`` on the float64 matrix plus one solve per
equation, as benchmarks/fit_speed.py), the linear engine with classical errors, with
HC3 errors (the default) and with ``bootstrap`` replicates.  Targets (docs/issue 15): a
fit with robust errors ≤ 2× the numpy limit; 1,000 bootstrap replicates ≤ 10× one fit.
Times are CPU seconds of this process (``time.process_time``, all threads), because the
machine is shared: wall-clock under other load measures the neighbours.  Run with
``OPENBLAS_NUM_THREADS=1`` for one-core numbers.  Prints a table and writes
benchmarks/results/uncertainty_speed.json with the environment.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from _common import environment, synthetic_journey, write


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Best and median CPU seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    times.sort()
    return times[0], times[len(times) // 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--nodes", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bootstrap", type=int, default=1000)
    args = ap.parse_args()

    from journeymap import JourneyMap, simulate
    from journeymap.data import load_survey
    from journeymap.engines import LinearEngine

    m = JourneyMap.from_dict(synthetic_journey(args.nodes))
    data = load_survey(simulate(m, args.rows, seed=1).data, m)
    X = np.ascontiguousarray(data.values, dtype=np.float64)
    col = {c: i for i, c in enumerate(data.node_ids)}
    eqs = [(col[c], [col[p] for p in m.parents(c) if p in col]) for c in data.node_ids]
    eqs = [(c, ps) for c, ps in eqs if ps]

    def numpy_limit() -> None:
        G = X.T @ X
        s = X.sum(axis=0)
        S = G - np.outer(s, s) / len(X)
        for c, ps in eqs:
            np.linalg.solve(S[np.ix_(ps, ps)], S[ps, c])

    timings = {
        "numpy limit (X.T @ X + solves)": best_of(numpy_limit, args.repeat),
        "fit, classical errors": best_of(
            lambda: LinearEngine(se="classical").fit(m, data), args.repeat),
        "fit, HC3 errors (default)": best_of(lambda: LinearEngine().fit(m, data), args.repeat),
    }
    t0 = time.process_time()
    boot = LinearEngine(bootstrap=args.bootstrap, random_state=1).fit(m, data).result_
    boot_s = time.process_time() - t0
    timings[f"fit + {args.bootstrap:,} bootstrap replicates"] = (boot_s, boot_s)
    limit = timings["numpy limit (X.T @ X + solves)"][0]
    one_fit = timings["fit, HC3 errors (default)"][0]
    print(f"{args.nodes}-node map ({data.values.shape[1]} columns, {len(eqs)} equations) × "
          f"{args.rows:,} rows; best of {args.repeat} (the bootstrap once)")
    print(f"{'what (CPU seconds)':<40}{'best s':>9}{'× numpy':>9}{'× fit':>8}")
    for name, (best, _) in timings.items():
        print(f"{name:<40}{best:>9.3f}{best / limit:>9.2f}{best / one_fit:>8.2f}")
    assert boot.uncertainty is not None
    print(f"bootstrap: {boot.uncertainty['replicates']} replicates resampling "
          f"{boot.uncertainty['bootstrap_units']:,} {boot.uncertainty['bootstrap_resamples']}")
    path = write("uncertainty_speed", {
        "environment": environment(), "rows": args.rows, "nodes": args.nodes,
        "columns": int(data.values.shape[1]), "equations": len(eqs),
        "bootstrap": args.bootstrap,
        "seconds": {k: {"best": b, "median": md} for k, (b, md) in timings.items()},
        "hc3_over_numpy_limit": one_fit / limit,
        "classical_over_numpy_limit": timings["fit, classical errors"][0] / limit,
        "bootstrap_over_one_fit": boot_s / one_fit})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
