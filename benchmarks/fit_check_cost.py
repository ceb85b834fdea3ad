"""Cost of the check that runs with every in-memory linear fit (docs/method.md §10.6).

Usage: python benchmarks/fit_check_cost.py [--rows 1000000] [--nodes 30] [--repeat 3]

Times the linear engine's fit and :func:`journeymap.analysis.check.quick_check` (global
fit indices and Holm-rejected implications from one covariance matrix) on the bundled
example (3,000 rows) and on a synthetic journey of ``--nodes`` nodes × ``--rows`` rows,
complete and with 10 % of the touchpoint answers blank.  The implications of a map are
found once per map and cached, so "first" (cold) and "again" are both shown.  Prints a
table and writes benchmarks/results/fit_check_cost.json.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _common import best_of, environment, synthetic_journey, write


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--nodes", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import journeymap as jm
    from journeymap.analysis.check import _implications_of, quick_check
    from journeymap.data import load_survey
    from journeymap.engines import LinearEngine

    cases = [("example", jm.example_map(), jm.example_data().data)]
    big = jm.JourneyMap.from_dict(synthetic_journey(args.nodes))
    frame = jm.simulate(big, args.rows, seed=1).data
    cases.append((f"{args.nodes} nodes × {args.rows:,} rows", big, frame))
    gaps = frame.copy()
    rng = np.random.default_rng(2)
    for node in big.measured_nodes:
        if node.kind == "touchpoint":
            gaps.loc[rng.random(len(gaps)) < 0.10, node.column] = np.nan
    cases.append((f"{args.nodes} nodes × {args.rows:,} rows, 10 % gaps", big, gaps))

    rows = []
    for name, m, raw in cases:
        data = load_survey(raw, m)
        fit_s, _ = best_of(lambda m=m, data=data: LinearEngine().fit(m, data), args.repeat)
        _implications_of.cache_clear()
        t0 = time.perf_counter()
        quick = quick_check(m, data)
        cold = time.perf_counter() - t0
        warm, _ = best_of(lambda m=m, data=data: quick_check(m, data), args.repeat)
        rows.append({"case": name, "fit_s": fit_s, "check_first_s": cold, "check_again_s": warm,
                     "ratio_again": warm / fit_s, "implications": quick.tested,
                     "rejected": len(quick.rejected), "warns": quick.warning is not None})
    print(f"{'case':<40} {'fit':>9} {'check 1st':>10} {'again':>9} {'again/fit':>9}")
    for r in rows:
        print(f"{r['case']:<40} {r['fit_s']:9.3f} {r['check_first_s']:10.3f} "
              f"{r['check_again_s']:9.3f} {r['ratio_again']:9.2f}")
    path = write("fit_check_cost", {"environment": environment(), "rows": rows})
    print(f"written {path}")


if __name__ == "__main__":
    main()
