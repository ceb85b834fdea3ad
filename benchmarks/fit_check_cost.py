"""Cost of the check that runs with every in-memory linear fit (docs/method.md §10.6).

Usage: python benchmarks/fit_check_cost.py [--rows 1000000] [--nodes 30] [--repeat 3]

Times the linear engine's fit and :func:`journeymap.analysis.check.quick_check` (global
fit indices and Holm-rejected implications from one covariance matrix) on the bundled
example (3,000 rows) and on a synthetic journey of ``--nodes`` nodes × ``--rows`` rows,
complete and with 10 % of the touchpoint answers blank.  The implications of a map are
found once per map and cached, so "first" (cold) and "again" are both shown.  Then the
same data streamed from a Parquet file (``jm.fit_stream``, chunks of 100,000 rows) with and
without the check, whose moments are gathered in the same pass
(:class:`journeymap.checkstats.CheckMoments`).  Prints two tables and writes
benchmarks/results/fit_check_cost.json.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

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

    streamed = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, m, raw in cases:
            path = Path(tmp) / "data.parquet"
            raw.to_parquet(path)
            plain, _ = best_of(lambda m=m, path=path: jm.fit_stream(
                m, path, chunk_rows=100_000, check_map=False), args.repeat)
            checked, _ = best_of(lambda m=m, path=path: jm.fit_stream(
                m, path, chunk_rows=100_000), args.repeat)
            result = jm.fit_stream(m, path, chunk_rows=100_000)
            assert result.map_check is not None
            streamed.append({"case": name, "stream_fit_s": plain, "stream_fit_check_s": checked,
                             "ratio": checked / plain,
                             "implications": result.map_check["tested"]})
    print(f"\n{'streamed':<40} {'fit':>9} {'fit+check':>10} {'ratio':>9} {'tested':>7}")
    for r in streamed:
        print(f"{r['case']:<40} {r['stream_fit_s']:9.3f} {r['stream_fit_check_s']:10.3f} "
              f"{r['ratio']:9.2f} {r['implications']:7d}")
    path = write("fit_check_cost", {"environment": environment(), "rows": rows,
                                    "streamed": streamed})
    print(f"written {path}")


if __name__ == "__main__":
    main()
