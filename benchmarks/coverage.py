"""Coverage of the 95 % intervals by simulation: robust (HC3), classical and bootstrap.

Usage: python benchmarks/coverage.py [--reps 1000] [--n 400] [--bootstrap 200]
       [--boot-reps 300]

For heteroskedastic and skewed-LTR data (``journeymap.datasets.coverage``) fits the map
``reps`` times with each interval method and prints the share of 95 % intervals that
hold the planted value — edge x → m, x's total and indirect effect, x's NPS points and
the role's NPS points — with the binomial standard error, and writes
benchmarks/results/coverage.json with the environment.  The table is in docs/method.md,
"Coverage by simulation".
"""

from __future__ import annotations

import argparse
import math
import time

from _common import environment, write


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--boot-reps", type=int, default=300,
                    help="replications for the (slower) bootstrap rows")
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--bootstrap", type=int, default=200)
    args = ap.parse_args()

    from journeymap.datasets.coverage import KINDS, METHODS, coverage

    table: dict[str, dict[str, dict[str, float]]] = {}
    seconds: dict[str, float] = {}
    for kind in KINDS:
        for method in METHODS:
            reps = args.boot_reps if method == "bootstrap" else args.reps
            t0 = time.perf_counter()
            table.setdefault(kind, {})[method] = coverage(
                kind, method, reps, n=args.n, bootstrap=args.bootstrap, seed=10_000)  # type: ignore[arg-type]
            seconds[f"{kind}/{method}"] = time.perf_counter() - t0
    quantities = list(next(iter(next(iter(table.values())).values())))
    print(f"coverage of 95 % intervals, n = {args.n}; {args.reps} replications "
          f"({args.boot_reps} for the bootstrap, B = {args.bootstrap})")
    header = f"{'data':<17}{'method':<11}" + "".join(f"{q:>17}" for q in quantities)
    print(header)
    for kind in KINDS:
        for method in METHODS:
            row = table[kind][method]
            print(f"{kind:<17}{method:<11}" + "".join(f"{100 * row[q]:>16.1f}%"
                                                       for q in quantities))
    for method, reps in (("delta", args.reps), ("bootstrap", args.boot_reps)):
        print(f"binomial sd at 95 % with {reps} replications: "
              f"{100 * math.sqrt(0.95 * 0.05 / reps):.2f} points ({method})")
    path = write("coverage", {"environment": environment(), "n": args.n, "reps": args.reps,
                              "boot_reps": args.boot_reps, "bootstrap": args.bootstrap,
                              "coverage": table, "seconds": seconds})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
