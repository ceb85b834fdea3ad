"""Fit speed of the linear engine against the numpy limit, and import time.

Usage: python benchmarks/fit_speed.py [--rows 1000000] [--nodes 30] [--repeat 5]

Prints a table and writes benchmarks/results/fit_speed.json with the environment.
"fit + all effects" is the linear engine on checked data (SurveyData): sufficient
statistics, every equation, totals with delta-method intervals, NPS points of every
node and role with intervals, and every role path.  The numpy limit is
``X.T @ X`` on the same float64 matrix plus one solve per equation.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import numpy as np

from _common import best_of, environment, synthetic_journey, write


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--nodes", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from journeymap import JourneyMap, simulate
    from journeymap.data import load_survey
    from journeymap.engines import LinearEngine

    m = JourneyMap.from_dict(synthetic_journey(args.nodes))
    t0 = time.perf_counter()
    sim = simulate(m, args.rows, seed=1)
    sim_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    data = load_survey(sim.data, m)
    load_s = time.perf_counter() - t0
    X = np.ascontiguousarray(data.values)
    col = {c: i for i, c in enumerate(data.node_ids)}
    eqs = [(col[c], [col[p] for p in m.parents(c) if p in col]) for c in data.node_ids]
    eqs = [(c, ps) for c, ps in eqs if ps]

    def numpy_limit() -> None:
        G = X.T @ X
        s = X.sum(axis=0)
        n = len(X)
        S = G - np.outer(s, s) / n
        for c, ps in eqs:
            np.linalg.solve(S[np.ix_(ps, ps)], S[ps, c])

    def journeymap_fit() -> None:
        LinearEngine().fit(m, data)

    lim_best, lim_med = best_of(numpy_limit, args.repeat)
    jm_best, jm_med = best_of(journeymap_fit, args.repeat)
    imp = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c",
                              "import time; t=time.perf_counter(); import journeymap; "
                              "print(time.perf_counter()-t)"],
                             capture_output=True, text=True, check=True)
        imp.append(float(out.stdout))
    rows = [
        ("numpy limit (X.T @ X + solves)", lim_best, lim_med, 1.0),
        ("journeymap fit + all effects", jm_best, jm_med, jm_best / lim_best),
    ]
    print(f"{args.nodes} measured+role nodes ({data.values.shape[1]} columns) × "
          f"{args.rows:,} rows; best / median of {args.repeat}")
    print(f"{'what':<36}{'best s':>10}{'median s':>10}{'× numpy':>10}")
    for name, b, md, r in rows:
        print(f"{name:<36}{b:>10.3f}{md:>10.3f}{r:>10.2f}")
    print(f"{'load_survey (checks, DataFrame)':<36}{load_s:>10.3f}")
    print(f"{'import journeymap (median of 5)':<36}{sorted(imp)[2]:>10.3f}")
    path = write("fit_speed", {
        "environment": environment(), "rows": args.rows, "nodes": args.nodes,
        "columns": int(data.values.shape[1]), "equations": len(eqs),
        "numpy_limit_s": {"best": lim_best, "median": lim_med},
        "journeymap_fit_s": {"best": jm_best, "median": jm_med},
        "ratio_best": jm_best / lim_best, "load_survey_s": load_s, "simulate_s": sim_s,
        "import_s": imp})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
