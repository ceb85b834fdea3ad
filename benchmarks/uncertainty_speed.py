"""Cost of robust errors and of the bootstrap against the numpy limit and one fit.

Usage: python benchmarks/uncertainty_speed.py [--rows 1000000] [--nodes 30] [--rounds 5]
       [--bootstrap 1000] [--blas-threads 0]

On ``synthetic_journey(nodes)`` × ``rows`` simulated responses (checked SurveyData, in
memory) times, round-robin in one run (so a busy moment of a shared machine hits every line
alike), after one warm-up each:

* the numpy limit: ``X.T @ X`` on the float64 matrix plus one solve per equation (as
  benchmarks/fit_speed.py) — the yardstick of every ratio;
* the linear engine with classical errors, and with HC3 errors (the default: at this n every
  equation gets the bounded HC3, docs/method.md "Standard errors");
* the second pass alone, given each equation's OLS fit: exact HC3 (every row's leverage) and
  the bounded HC3 (``journeymap.stats.hc3_covariances`` with and without bound factors);
* two floors of any sandwich's second pass: the products ``WᵀW`` of every equation's
  ``W = e ⊙ [1, x]`` alone (W given: what any HC meat costs in BLAS), and those products plus
  forming W from the columns and a given residual;
* once, the fit with ``--bootstrap`` replicates.

Targets (docs/issue 15): a fit with robust errors ≤ 2× the numpy limit; 1,000 bootstrap
replicates ≤ 10× one fit.  Times are CPU seconds of this process (``time.process_time``, all
threads), because the machine is shared: wall-clock under other load measures the neighbours;
``--blas-threads 1`` (set before numpy loads) gives one-core numbers.  Prints a table and
writes benchmarks/results/uncertainty_speed.json with the environment and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from _threads import blas_threads_from_argv

BLAS_THREADS = blas_threads_from_argv(sys.argv[1:])  # before numpy is imported

import numpy as np  # noqa: E402

from _common import environment, synthetic_journey, write  # noqa: E402


def round_robin(jobs: dict[str, Callable[[], Any]], rounds: int) -> dict[str, list[float]]:
    """CPU seconds (all threads of the process) of each job, ``rounds`` times in turn, after
    one warm-up each."""
    for fn in jobs.values():
        fn()
    cpu: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, fn in jobs.items():
            c = time.process_time()
            fn()
            cpu[name].append(time.process_time() - c)
    return cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--nodes", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--blas-threads", type=int, default=0,
                    help="BLAS threads (0: as installed)")
    args = ap.parse_args()

    from scipy.linalg import blas

    from journeymap import JourneyMap, simulate
    from journeymap.data import load_survey
    from journeymap.engines import LinearEngine
    from journeymap.stats import BLOCK_ROWS, SufficientStats, hc3_bound_factors, hc3_covariances
    from journeymap.summary import LinearSummary

    m = JourneyMap.from_dict(synthetic_journey(args.nodes))
    data = load_survey(simulate(m, args.rows, seed=1).data, m)
    X = np.ascontiguousarray(data.values, dtype=np.float64)
    V = data.values  # as the fit reads it: column-major
    equations = LinearSummary.for_map(m, data.node_ids).stats.equations

    def numpy_limit() -> None:
        G = X.T @ X
        s = X.sum(axis=0)
        S = G - np.outer(s, s) / len(X)
        for eq in equations:
            ps, c = list(eq[:-1]), eq[-1]
            np.linalg.solve(S[np.ix_(ps, ps)], S[ps, c])

    stats = SufficientStats.from_array(V, equations)
    fits = []
    boxes = []
    for e, eq in enumerate(equations):
        mom = stats.moments(e)
        k = len(eq) - 1
        S = mom.covariance * (mom.n - 1)
        inverse = np.linalg.inv(S[:k, :k])
        fits.append((inverse @ S[:k, k], mom.means, inverse, mom.n))
        scales = [m.node(data.node_ids[c]).scale or (0, 10) for c in eq[:k]]
        boxes.append((np.array([lo for lo, _ in scales], dtype=float),
                      np.array([hi for _, hi in scales], dtype=float)))
    factors = hc3_bound_factors(fits, boxes)
    b = BLOCK_ROWS
    widest = max(len(eq) for eq in equations)
    W = np.asfortranarray(np.random.default_rng(0).random((b, widest)))
    resid = np.random.default_rng(1).random(b)

    def products_only() -> None:
        """Floor 1: every equation's WᵀW per block, W given (BLAS only)."""
        for _ in range(0, len(V), b):
            for eq in equations:
                blas.dgemm(1.0, W[:, :len(eq)], W[:, :len(eq)], trans_a=1)

    def forming_and_products() -> None:
        """Floor 2: W = e ⊙ [1, x] from the columns and a given residual, then WᵀW."""
        for start in range(0, len(V), b):
            x = V[start:start + b]
            k = x.shape[0]
            for eq in equations:
                w = W[:k, :len(eq)]
                w[:, 0] = resid[:k]
                for j, c in enumerate(eq[:-1], start=1):
                    np.multiply(x[:, c], resid[:k], out=w[:, j])
                blas.dgemm(1.0, w, w, trans_a=1)

    jobs: dict[str, Callable[[], Any]] = {
        "numpy limit (X.T @ X + solves)": numpy_limit,
        "fit, classical errors": lambda: LinearEngine(se="classical").fit(m, data),
        "fit, HC3 errors (default)": lambda: LinearEngine().fit(m, data),
        "HC3 pass, exact (leverages)": lambda: hc3_covariances(V, equations, fits, gaps=False),
        "HC3 pass, bounded": lambda: hc3_covariances(V, equations, fits, factors=factors,
                                                     gaps=False),
        "floor: WᵀW products only": products_only,
        "floor: form W + WᵀW": forming_and_products,
    }
    load_before = os.getloadavg()[0]
    cpu = round_robin(jobs, args.rounds)
    load_after = os.getloadavg()[0]
    timings = {name: (min(ts), statistics.median(ts)) for name, ts in cpu.items()}
    t0 = time.process_time()
    boot = LinearEngine(bootstrap=args.bootstrap, random_state=1).fit(m, data).result_
    boot_s = time.process_time() - t0
    timings[f"fit + {args.bootstrap:,} bootstrap replicates"] = (boot_s, boot_s)
    limit = timings["numpy limit (X.T @ X + solves)"][0]
    one_fit = timings["fit, HC3 errors (default)"][0]
    hc3_fit = LinearEngine().fit(m, data).result_
    assert hc3_fit.uncertainty is not None
    used = [f for f in factors if f is not None]
    print(f"{args.nodes}-node map ({V.shape[1]} columns, {len(equations)} equations) × "
          f"{args.rows:,} rows; best of {args.rounds} rounds (the bootstrap once); BLAS "
          f"threads: {BLAS_THREADS or 'as installed'}; load average {load_before:.1f} → "
          f"{load_after:.1f} on {os.cpu_count()} CPUs")
    spread = (f", factor − 1 from {min(used) - 1:.1e} to {max(used) - 1:.1e}" if used
              else " (too few rows for the bound: exact HC3 everywhere)")
    print(f"bounded HC3 on {len(used)} of {len(equations)} equations{spread}; the fit "
          f"records hc3_bound = {hc3_fit.uncertainty.get('hc3_bound')}")
    print(f"{'what (CPU seconds)':<40}{'best s':>9}{'median s':>10}{'× numpy':>9}{'× fit':>8}")
    for name, (best, median) in timings.items():
        print(f"{name:<40}{best:>9.3f}{median:>10.3f}{best / limit:>9.2f}{best / one_fit:>8.2f}")
    assert boot.uncertainty is not None
    print(f"bootstrap: {boot.uncertainty['replicates']} replicates resampling "
          f"{boot.uncertainty['bootstrap_units']:,} {boot.uncertainty['bootstrap_resamples']}")
    path = write("uncertainty_speed", {
        "environment": environment(), "rows": args.rows, "nodes": args.nodes,
        "columns": int(V.shape[1]), "equations": len(equations),
        "bootstrap": args.bootstrap, "rounds": args.rounds, "blas_threads": BLAS_THREADS,
        "load_average": [load_before, load_after], "cpu_s": cpu,
        "bound_factors": factors,
        "seconds": {k: {"best": bt, "median": md} for k, (bt, md) in timings.items()},
        "hc3_over_numpy_limit": one_fit / limit,
        "classical_over_numpy_limit": timings["fit, classical errors"][0] / limit,
        "bootstrap_over_one_fit": boot_s / one_fit})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
