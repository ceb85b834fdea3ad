"""Fitting data with "not experienced" gaps, against the complete-data numpy limit.

Usage: python benchmarks/gaps_speed.py [--rows 1000000] [--nodes 30] [--missing 0.1]
       [--rounds 5] [--blas-threads 0] [--name gaps_speed]

The same simulated responses (``synthetic_journey(--nodes)``, integer ratings, seed 1)
once complete and once with a share ``--missing`` of every rating blank at random (the
hard case: hundreds of thousands of missingness patterns).  Timed, in one run:

* ``numpy limit``: ``X.T @ X`` on the complete float64 matrix plus one solve per
  equation (as in ``fit_speed.py`` and ``peers.py``) — the yardstick of every ratio;
* ``naive numpy, gaps``: per equation, gather its complete rows and form their Gram
  matrix, then solve — what a hand-written fit with gaps does;
* ``SufficientStats, gaps``: every equation's Gram matrix over its complete rows
  (journeymap.stats, the part this benchmark is about);
* ``journeymap fit``: ``LinearEngine().fit(map, data)`` on checked data (SurveyData):
  the Gram matrices, every equation, totals with intervals, NPS points of every node
  and role, every route — complete and with gaps; with HC3 standard errors (the default
  where the engine has them) and with ``se="classical"``;
* the second pass of HC3 (robust) standard errors — residuals, leverages and the
  sandwich's meat of every equation over its complete rows, given its OLS fit —
  ``journeymap.stats.hc3_covariances`` (one masked pass) against a naive per-equation
  gather of the rows, exact (every row's leverage) and bounded (``hc3_bound_factors``:
  c · HC0 with the leverage bound of the nodes' scales, what the fit uses at this n); a
  robust fit costs the fit plus this pass.

Every measurement runs ``--rounds`` times, round-robin (so a busy moment of a shared
machine hits every line alike), after one warm-up; the table shows the best and median
and the best as a multiple of the numpy limit's best, in wall time and in CPU time (of
all the process's threads: steadier than wall time when other jobs share the machine).
The estimates with gaps are compared with an independent fit (pandas ``dropna`` per
equation + ``numpy.linalg.lstsq``).
``--blas-threads N`` (N > 0) sets OPENBLAS/OMP/MKL_NUM_THREADS before numpy loads — on a
machine shared with other jobs, 1 thread for every line keeps the ratios steady (as in
``peers.py``); 0 (the default) leaves BLAS as installed.  Writes
benchmarks/results/<name>.json with the environment.
"""

from __future__ import annotations

import argparse
import contextlib
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


def round_robin(jobs: dict[str, Callable[[], Any]], rounds: int
                ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU (all threads of the process) times of each job, ``rounds`` times in
    turn, after one warm-up each."""
    for fn in jobs.values():
        fn()
    wall: dict[str, list[float]] = {name: [] for name in jobs}
    cpu: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, fn in jobs.items():
            t, c = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--nodes", type=int, default=30)
    ap.add_argument("--missing", type=float, default=0.1)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--blas-threads", type=int, default=0,
                    help="BLAS threads (0: as installed)")
    ap.add_argument("--name", default="gaps_speed")
    args = ap.parse_args()

    import pandas as pd

    from journeymap import JourneyMap, simulate
    from journeymap.data import load_survey
    from journeymap.engines import LinearEngine
    from journeymap.stats import SufficientStats
    from journeymap.summary import LinearSummary

    m = JourneyMap.from_dict(synthetic_journey(args.nodes))
    complete = load_survey(simulate(m, args.rows, seed=1).data, m)
    gaps = {n.id: args.missing for n in m.measured_nodes if n.id != m.outcome}
    frame = simulate(m, args.rows, seed=1, missing=gaps).data
    gapped = load_survey(frame, m)
    X = np.ascontiguousarray(complete.values, dtype=np.float64)
    V = gapped.values
    equations = LinearSummary.for_map(m, gapped.node_ids).stats.equations
    blank = float(np.isnan(V).mean())

    def numpy_limit() -> None:
        G = X.T @ X
        s = X.sum(axis=0)
        S = G - np.outer(s, s) / len(X)
        for eq in equations:
            ps, c = list(eq[:-1]), eq[-1]
            np.linalg.solve(S[np.ix_(ps, ps)], S[ps, c])

    def naive_gaps() -> None:
        for eq in equations:
            cols = list(eq)
            block = V[:, cols]
            rows = block[~np.isnan(block).any(axis=1)]
            s = rows.sum(axis=0)
            S = rows.T @ rows - np.outer(s, s) / len(rows)
            k = len(cols) - 1
            np.linalg.solve(S[:k, :k], S[:k, k])

    def stats_gaps() -> None:
        """As the fit computes them: whole-number data marked as such (an older journeymap
        without the ``whole`` flag gets the plain call)."""
        try:
            SufficientStats.from_array(V, equations, whole=True)
        except TypeError:
            SufficientStats.from_array(V, equations)

    def fits_of(values: np.ndarray) -> list[tuple[Any, Any, Any, int]]:
        """(slopes, means, Sxx⁻¹, n) of every equation, from its moments."""
        stats = SufficientStats.from_array(values, equations)
        out = []
        for e in range(len(equations)):
            mom = stats.moments(e)
            k = len(mom.columns) - 1
            S = mom.covariance * (mom.n - 1)
            inverse = np.linalg.inv(S[:k, :k])
            out.append((inverse @ S[:k, k], mom.means, inverse, mom.n))
        return out

    def naive_hc3(values: np.ndarray, fits: list[tuple[Any, Any, Any, int]]) -> None:
        """Per equation: gather its complete rows, then HC3 from them in blocks."""
        for eq, (coef, means, inverse, n) in zip(equations, fits, strict=True):
            rows = values[:, list(eq)]
            rows = rows[~np.isnan(rows).any(axis=1)]
            k = len(eq) - 1
            for start in range(0, len(rows), 1 << 15):
                block = rows[start:start + (1 << 15)]
                xc = block[:, :k] - means[:k]
                e = block[:, k] - means[k] - xc @ coef
                a = xc @ inverse
                h = np.einsum("ij,ij->i", a, xc) + 1.0 / n
                a *= (e / (1.0 - h))[:, None]
                a.T @ a

    hc3: Any = None
    bound: Any = None
    with contextlib.suppress(ImportError):  # an older journeymap has no HC3 pass
        from journeymap.stats import hc3_covariances as hc3
    with contextlib.suppress(ImportError):  # nor the leverage bound
        from journeymap.stats import hc3_bound_factors as bound
    fits_complete, fits_gaps = fits_of(X), fits_of(V)
    F = complete.values  # column-major, as the fit reads it
    boxes = []
    for eq in equations:
        scales = [m.node(gapped.node_ids[c]).scale or (0, 10) for c in eq[:-1]]
        boxes.append((np.array([lo for lo, _ in scales], dtype=float),
                      np.array([hi for _, hi in scales], dtype=float)))

    jobs: dict[str, Callable[[], Any]] = {
        "numpy limit (complete data)": numpy_limit,
        "naive numpy gather + Gram, gaps": naive_gaps,
        "SufficientStats, gaps": stats_gaps,
        "journeymap fit, complete data": lambda: LinearEngine().fit(m, complete),
        "journeymap fit, gaps": lambda: LinearEngine().fit(m, gapped),
        "naive numpy HC3 (gather), complete": lambda: naive_hc3(X, fits_complete),
        "naive numpy HC3 (gather), gaps": lambda: naive_hc3(V, fits_gaps),
    }
    with contextlib.suppress(TypeError):  # an older journeymap has classical errors only
        LinearEngine(se="classical")
        jobs["journeymap fit classical SE, complete"] = \
            lambda: LinearEngine(se="classical").fit(m, complete)
        jobs["journeymap fit classical SE, gaps"] = \
            lambda: LinearEngine(se="classical").fit(m, gapped)
    if hc3 is not None:
        jobs["HC3 pass (masked, exact), complete"] = lambda: hc3(X, equations, fits_complete)
        jobs["HC3 pass (masked, exact), gaps"] = lambda: hc3(V, equations, fits_gaps)
    if bound is not None:
        f_complete, f_gaps = bound(fits_complete, boxes), bound(fits_gaps, boxes)
        jobs["HC3 pass (bounded), complete"] = \
            lambda: hc3(F, equations, fits_complete, factors=f_complete, gaps=False)
        jobs["HC3 pass (bounded), gaps"] = \
            lambda: hc3(V, equations, fits_gaps, factors=f_gaps)
    load_before = os.getloadavg()[0]
    times, cpu = round_robin(jobs, args.rounds)
    load_after = os.getloadavg()[0]
    limit = min(times["numpy limit (complete data)"])
    limit_cpu = min(cpu["numpy limit (complete data)"])

    # the estimates with gaps against pandas dropna + lstsq, equation by equation
    fit = LinearEngine().fit(m, gapped).result_
    by_edge = {(e.source, e.target): e.estimate for e in fit.edge_estimates}
    ids = gapped.node_ids
    worst = 0.0
    for eq in equations:
        names = [ids[c] for c in eq]
        rows = pd.DataFrame(V[:, list(eq)], columns=names).dropna().to_numpy()
        Z = np.column_stack([np.ones(len(rows)), rows[:, :-1]])
        coef = np.linalg.lstsq(Z, rows[:, -1], rcond=None)[0][1:]
        for p, b in zip(names[:-1], coef, strict=True):
            got = by_edge[(p, names[-1])]
            assert got is not None
            worst = max(worst, abs(got - b) / max(abs(b), 1e-12))

    rows_out = [{"what": name, "best_s": min(ts), "median_s": statistics.median(ts),
                 "ratio_best": min(ts) / limit, "cpu_best_s": min(cpu[name]),
                 "cpu_ratio_best": min(cpu[name]) / limit_cpu} for name, ts in times.items()]
    print(f"{args.nodes} nodes ({V.shape[1]} columns, {len(equations)} equations) × "
          f"{args.rows:,} rows; {blank:.1%} of cells blank in the data with gaps; "
          f"{args.rounds} rounds; BLAS threads: {BLAS_THREADS or 'as installed'}; "
          f"load average {load_before:.1f} → {load_after:.1f} on {os.cpu_count()} CPUs")
    print(f"{'what':<40}{'best s':>9}{'median s':>10}{'× limit':>9}{'CPU s':>8}{'× limit':>9}")
    for r in rows_out:
        print(f"{r['what']:<40}{r['best_s']:>9.3f}{r['median_s']:>10.3f}{r['ratio_best']:>9.2f}"
              f"{r['cpu_best_s']:>8.3f}{r['cpu_ratio_best']:>9.2f}")
    print(f"edge estimates with gaps vs pandas dropna + lstsq: max relative difference "
          f"{worst:.1e}")
    path = write(args.name, {
        "environment": environment(), "rows": args.rows, "nodes": args.nodes,
        "columns": int(V.shape[1]), "equations": len(equations), "missing": args.missing,
        "blank_share": blank, "rounds": args.rounds, "blas_threads": BLAS_THREADS,
        "load_average": [load_before, load_after], "times_s": times, "cpu_s": cpu,
        "results": rows_out,
        "max_rel_diff_vs_pandas": worst})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
